/*  keyring.c — the keys in use: when each was last heard, which
    connections carry it, and cutting those connections on revocation.

    A ROUTER cannot drop one peer through the ZeroMQ API, and a socket
    monitor reports connections (with their fd) but not the key that
    authenticated them. What ties a connection to a key is a message:
    its User-Id (the ZAP answer) and its source fd (ZMQ_SRCFD). So every
    message records, in a table indexed by fd, which key spoke last on that
    fd and the socket's inode (fstat), because libzmq reuses fd numbers for
    new connections. On revocation, after the commit, every fd last used
    by the key whose inode still matches is shut down (shutdown, never
    close: libzmq owns the fd; it sees the peer gone and drops the pipe);
    the peer's reconnect is refused at the handshake since the key left
    the principals map. A connection that never sent a message is not in
    the table, but anything it sends is refused as a revoked key's.

    Last seen is kept in memory per key and written to the principals row
    at most once a minute per key, inside the batch's transaction: no write
    per message. Keys revoked are remembered (public key → name) so that
    their refusals say so. */
#include "keyring.h"

#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"

#define SEEN_WRITE_EVERY_MS 60000
#define MAX_FD (1 << 20)

typedef struct {
    int64_t last_seen;  /* last message, in memory */
    int64_t written;    /* last_seen as last written */
    int64_t written_at; /* when it was written */
} key_use;

typedef struct {
    char pub[41]; /* "" when unused */
    ino_t ino;
} fd_owner;

struct keyring {
    strmap *use;     /* by public key */
    strmap *revoked; /* public key → name (strdup'd) */
    fd_owner *fds;   /* by fd number */
    size_t n_fds;
    char (*cut)[41]; /* revoked in this batch: cut after commit */
    size_t n_cut, cap_cut;
};

keyring *keyring_new(void)
{
    keyring *self = fsd_xcalloc(1, sizeof *self);
    self->use = strmap_new();
    self->revoked = strmap_new();
    return self;
}

static void s_free_value(const char *key, void *value, void *arg)
{
    free(value);
}

void keyring_destroy(keyring **self_p)
{
    keyring *self = *self_p;
    if (!self)
        return;
    strmap_each(self->use, s_free_value, NULL);
    strmap_destroy(&self->use);
    strmap_each(self->revoked, s_free_value, NULL);
    strmap_destroy(&self->revoked);
    free(self->fds);
    free(self->cut);
    free(self);
    *self_p = NULL;
}

void keyring_seen(keyring *self, const char *pub, int fd, int64_t now)
{
    if (!self)
        return;
    key_use *u = strmap_get(self->use, pub);
    if (!u) {
        u = fsd_xcalloc(1, sizeof *u);
        strmap_put(self->use, pub, u);
    }
    u->last_seen = now;
    if (fd < 0 || fd >= MAX_FD)
        return;
    if ((size_t)fd >= self->n_fds) {
        size_t n = self->n_fds ? self->n_fds : 256;
        while (n <= (size_t)fd)
            n *= 2;
        fd_owner *grown = fsd_xrealloc(self->fds, n * sizeof *grown);
        memset(grown + self->n_fds, 0, (n - self->n_fds) * sizeof *grown);
        self->fds = grown;
        self->n_fds = n;
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return;
    fd_owner *o = &self->fds[fd];
    if (o->ino != st.st_ino || strcmp(o->pub, pub) != 0) {
        snprintf(o->pub, sizeof o->pub, "%s", pub);
        o->ino = st.st_ino;
    }
}

int64_t keyring_last_seen(const keyring *self, const char *pub)
{
    const key_use *u = self ? strmap_get(self->use, pub) : NULL;
    return u ? u->last_seen : 0;
}

typedef struct {
    server *srv;
    int64_t now;
    int rc;
} flush_ctx;

/* Writes one key's last seen when it moved and a minute has passed. */
static void s_flush_one(const char *pub, void *value, void *arg)
{
    flush_ctx *f = arg;
    key_use *u = value;
    if (f->rc < 0 || u->last_seen <= u->written || f->now - u->written_at < SEEN_WRITE_EVERY_MS)
        return;
    if (store_key_seen(f->srv->store, pub, u->last_seen) < 0) {
        f->rc = -1;
        return;
    }
    u->written = u->last_seen;
    u->written_at = f->now;
}

int keyring_flush(server *srv, int64_t now)
{
    flush_ctx f = { srv, now, 0 };
    if (srv->keyring)
        strmap_each(srv->keyring->use, s_flush_one, &f);
    return f.rc;
}

void keyring_revoke(keyring *self, const char *pub, const char *name)
{
    if (!self)
        return;
    if (!strmap_get(self->revoked, pub))
        strmap_put(self->revoked, pub, fsd_xstrdup(name));
    if (self->n_cut == self->cap_cut) {
        size_t cap = self->cap_cut ? self->cap_cut * 2 : 4;
        char(*grown)[41] = fsd_xrealloc(self->cut, cap * sizeof *grown);
        self->cut = grown;
        self->cap_cut = cap;
    }
    snprintf(self->cut[self->n_cut++], 41, "%s", pub);
}

const char *keyring_revoked_name(const keyring *self, const char *pub)
{
    return self ? strmap_get(self->revoked, pub) : NULL;
}

void keyring_forget(keyring *self)
{
    /* the revocations of a batch that did not commit did not happen */
    if (!self)
        return;
    for (size_t i = 0; i < self->n_cut; i++)
        free(strmap_remove(self->revoked, self->cut[i]));
    self->n_cut = 0;
}

size_t keyring_cut(keyring *self)
{
    size_t cut = 0;
    if (!self)
        return 0;
    for (size_t i = 0; i < self->n_cut; i++) {
        const char *pub = self->cut[i];
        const char *name = strmap_get(self->revoked, pub);
        for (size_t fd = 0; fd < self->n_fds; fd++) {
            fd_owner *o = &self->fds[fd];
            if (!o->pub[0] || strcmp(o->pub, pub) != 0)
                continue;
            struct stat st;
            /* the same socket still (not a new connection on a reused fd) */
            if (fstat((int)fd, &st) == 0 && st.st_ino == o->ino && shutdown((int)fd, SHUT_RDWR) == 0) {
                cut++;
                log_info("connection_closed", "name=%s fd=%zu why=key_revoked", name ? name : "-", fd);
            }
            o->pub[0] = 0;
        }
        free(strmap_remove(self->use, pub));
    }
    self->n_cut = 0;
    return cut;
}

/* Remembers a revoked key (store_each_key callback at start). */
static void s_load_revoked(void *arg, const store_key *k)
{
    keyring *self = arg;
    if (k->revoked_at && !strmap_get(self->revoked, k->pub))
        strmap_put(self->revoked, k->pub, fsd_xstrdup(k->name));
}

int keyring_load(server *srv)
{
    if (!srv->keyring && !(srv->keyring = keyring_new()))
        return -1;
    return store_each_key(srv->store, s_load_revoked, srv->keyring);
}

/* A key used by two connections at once: a Hello that moved the routing
   (it came from a new connection) while the previous connection spoke
   within the liveness window, from another device. An agent keeps one
   device id per install (agent.db): the same id is that device
   reconnecting after a network change or a restart, which stays quiet.
   An agent without a device id (older than this rule) counts as a device
   of its own, so its upgrade to one that sends an id, within the window,
   is reported once. */
bool keyring_takeover(const technician *t, const char *device_id, int64_t now, int64_t window_ms)
{
    return t->just_moved && t->prev_rid_len > 0 && t->prev_seen > 0 && now - t->prev_seen <= window_ms
           && (t->device_id[0] || device_id[0]) && strcmp(t->device_id, device_id) != 0;
}
