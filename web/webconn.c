/*  webconn.c — the connection thread (webconn.h). */
#include "webconn.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "fsd/log.h"
#include "fsd/pbjson.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"

/* The board of a user with a stream open is asked for this often: a
   change is on the console within this plus the server's answer. */
#define POLL_MS 400
/* An unanswered request is sent again (same msg_id: the server answers
   a duplicate with the first result) after this long. */
#define RESEND_MS 2000

typedef struct call call;
struct call {
    char user[64];
    char msg_id[FSD_MSG_ID_MAX + 1];
    uint8_t *frame;
    size_t len;
    Fsd__Envelope *reply;
    bool done, sent;
    int64_t sent_at;
    pthread_cond_t cond;
    call *next;
};

typedef struct cmd cmd;
struct cmd {
    bool open;
    fsd_keypair kp; /* open: the key pair, wiped once the socket has it */
    char user[64];
    cmd *next;
};

/* How a user's live view is kept: fsd-server's subscription (watch), or,
   from a server that refuses it, the board asked for every POLL_MS. */
typedef enum { LIVE_WATCH, LIVE_POLL } live_mode;

typedef struct upuser upuser;
struct upuser {
    char name[64];
    int refs;
    void *sock;
    int64_t next_poll, poll_sent;
    live_mode mode;
    bool watching, cached;
    int64_t watch_sent, renew_at;
    uint32_t lease_ms;
    uint64_t last_seq;
    upuser *next;
};

struct webconn {
    pthread_mutex_t lock;
    pthread_t thread;
    int wake_fd;
    bool stop;
    void *ctx;
    char *endpoint;
    char server_pub[41];
    webevents *ev;
    cmd *cmds, **cmds_tail;
    call *calls;
    upuser *users; /* the thread's own */
};

static void s_wake(webconn *c)
{
    uint64_t one = 1;
    ssize_t n = write(c->wake_fd, &one, sizeof one);
    (void)n;
}

void webconn_set_body(Fsd__Envelope *env, Fsd__Envelope__BodyCase which, void *msg)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&fsd__envelope__descriptor, (unsigned)which);
    env->body_case = which;
    *(void **)((char *)env + f->offset) = msg;
}

const ProtobufCMessage *webconn_body(const Fsd__Envelope *env)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&fsd__envelope__descriptor, (unsigned)env->body_case);
    return f ? *(const ProtobufCMessage **)((const char *)env + f->offset) : NULL;
}

static upuser *s_user(webconn *c, const char *name)
{
    for (upuser *u = c->users; u; u = u->next)
        if (strcmp(u->name, name) == 0)
            return u;
    return NULL;
}

/* Opens or closes users' connections as the HTTP threads asked (lock held). */
static void s_commands(webconn *c)
{
    while (c->cmds) {
        cmd *k = c->cmds;
        c->cmds = k->next;
        if (!c->cmds)
            c->cmds_tail = &c->cmds;
        upuser *u = s_user(c, k->user);
        if (k->open && u)
            u->refs++;
        else if (k->open) {
            void *sock = wire_dealer(c->ctx, c->endpoint, &k->kp, c->server_pub);
            if (!sock)
                log_warn("web_connect_failed", "user=%s error=%s", log_quote(0, k->user),
                         log_quote(1, strerror(errno)));
            else {
                u = fsd_xcalloc(1, sizeof *u);
                snprintf(u->name, sizeof u->name, "%s", k->user);
                u->refs = 1;
                u->sock = sock;
                u->next = c->users;
                c->users = u;
                log_info("web_connect", "user=%s", log_quote(0, k->user));
            }
        } else if (u && --u->refs <= 0) {
            for (upuser **p = &c->users; *p; p = &(*p)->next)
                if (*p == u) {
                    *p = u->next;
                    break;
                }
            zmq_close(u->sock);
            webevents_forget(c->ev, u->name);
            log_info("web_disconnect", "user=%s", log_quote(0, u->name));
            free(u);
        }
        sodium_memzero(&k->kp, sizeof k->kp);
        free(k);
    }
}

static void s_finish(webconn *c, call *k, Fsd__Envelope *reply)
{
    for (call **p = &c->calls; *p; p = &(*p)->next)
        if (*p == k) {
            *p = k->next;
            break;
        }
    k->reply = reply;
    k->done = true;
    pthread_cond_signal(&k->cond);
}

/* Sends the calls not yet sent, and again those unanswered for long (lock held). */
static void s_send_calls(webconn *c, int64_t now)
{
    for (call *k = c->calls, *next; k; k = next) {
        next = k->next;
        if (k->sent && now - k->sent_at < RESEND_MS)
            continue;
        upuser *u = s_user(c, k->user);
        if (!u) {
            s_finish(c, k, NULL);
            continue;
        }
        if (zmq_send(u->sock, k->frame, k->len, ZMQ_DONTWAIT) >= 0) {
            k->sent = true;
            k->sent_at = now;
        }
    }
}

/* Sends a request of the connection thread's own; its id starts with tag. */
static void s_send_own(upuser *u, const char *tag, Fsd__Envelope__BodyCase which, void *msg)
{
    char id[33], full[48];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    snprintf(full, sizeof full, "%s%s", tag, id);
    env.msg_id = full;
    webconn_set_body(&env, which, msg);
    wire_send(u->sock, NULL, 0, &env);
}

/* The final view of every job that left a user's board. */
static void s_fetch_gone(upuser *u, char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        Fsd__GetJob g = FSD__GET_JOB__INIT;
        g.job_id = ids[i];
        s_send_own(u, "gone-", FSD__ENVELOPE__BODY_GET_JOB, &g);
        free(ids[i]);
    }
    free(ids);
}

/* Asks for u's subscription: with a snapshot, or renewing the lease
   (resuming after the last event, so nothing is lost across a reconnect). */
static void s_send_watch(upuser *u, bool snapshot, int64_t now)
{
    char stream[64];
    snprintf(stream, sizeof stream, "web-%.56s", u->name);
    Fsd__Watch w = FSD__WATCH__INIT;
    w.stream = stream;
    w.snapshot = snapshot;
    w.resume_after = snapshot ? 0 : u->last_seq;
    s_send_own(u, "watch-", FSD__ENVELOPE__BODY_WATCH, &w);
    u->watch_sent = now;
    if (!snapshot)
        u->renew_at = now + (u->lease_ms ? u->lease_ms / 3 : 10000);
}

/* The answer to a Watch: the lease; a refusal falls back to polling. */
static void s_watching(upuser *u, const Fsd__Envelope *env)
{
    int64_t now = wire_now_ms();
    if (env->body_case == FSD__ENVELOPE__BODY_WATCHING) {
        if (!u->watching && env->watching->active)
            log_info("web_watch", "user=%s seq=%llu lease_ms=%u", log_quote(0, u->name),
                     (unsigned long long)env->watching->seq, env->watching->lease_ms);
        u->watching = env->watching->active;
        u->lease_ms = env->watching->lease_ms;
        u->renew_at = now + (u->lease_ms ? u->lease_ms / 3 : 10000);
        return;
    }
    if (env->body_case == FSD__ENVELOPE__BODY_ERROR) {
        Fsd__ErrorCode code = env->error->code;
        if (code == FSD__ERROR_CODE__ERR_UNKNOWN_MESSAGE || code == FSD__ERROR_CODE__ERR_FORBIDDEN) {
            u->mode = LIVE_POLL;
            log_info("web_live_poll", "user=%s reason=%s", log_quote(0, u->name),
                     log_quote(1, env->error->message));
        }
    }
}

static void s_watch_event(webconn *c, upuser *u, const Fsd__WatchEvent *w)
{
    if (w->seq > u->last_seq)
        u->last_seq = w->seq;
    u->cached = true;
    if (webevents_watch(c->ev, u->name, w))
        s_send_watch(u, true, wire_now_ms()); /* events were lost: the snapshot again */
}

/* One envelope from u's connection: an answer to a waiting call, or to
   the thread's own board and job requests. */
static void s_received(webconn *c, upuser *u, Fsd__Envelope *env)
{
    const char *to = env->reply_to;
    if (env->body_case == FSD__ENVELOPE__BODY_WATCH_EVENT) {
        s_watch_event(c, u, env->watch_event);
        fsd__envelope__free_unpacked(env, NULL);
        return;
    }
    if (strncmp(to, "watch-", 6) == 0) {
        s_watching(u, env);
        fsd__envelope__free_unpacked(env, NULL);
        return;
    }
    if (strncmp(to, "unwatch-", 8) == 0) {
        fsd__envelope__free_unpacked(env, NULL);
        return;
    }
    if (strncmp(to, "poll-", 5) == 0) {
        char **gone;
        size_t n_gone;
        u->poll_sent = 0;
        webevents_board(c->ev, u->name,
                        env->body_case == FSD__ENVELOPE__BODY_BOARD_VIEW ? env->board_view : NULL, &gone,
                        &n_gone);
        s_fetch_gone(u, gone, n_gone);
        fsd__envelope__free_unpacked(env, NULL);
        return;
    }
    if (strncmp(to, "link-", 5) == 0) {
        /* "link-" TOKEN "-" nonce: the view of a customer page's link */
        const char *dash = strrchr(to + 5, '-');
        if (dash && env->body_case == FSD__ENVELOPE__BODY_LINK_VIEW) {
            char token[FSD_MSG_ID_MAX + 1];
            snprintf(token, sizeof token, "%.*s", (int)(dash - (to + 5)), to + 5);
            json_t *j = pbjson_from_message(&env->link_view->base);
            char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
            if (text)
                webevents_link(c->ev, token, text);
            free(text);
            json_decref(j);
        }
        fsd__envelope__free_unpacked(env, NULL);
        return;
    }
    if (strncmp(to, "gone-", 5) == 0) {
        if (env->body_case == FSD__ENVELOPE__BODY_JOB_VIEW)
            webevents_job(c->ev, u->name, env->job_view);
        fsd__envelope__free_unpacked(env, NULL);
        return;
    }
    pthread_mutex_lock(&c->lock);
    for (call *k = c->calls; k; k = k->next)
        if (strcmp(k->msg_id, to) == 0 && strcmp(k->user, u->name) == 0) {
            s_finish(c, k, env);
            env = NULL;
            break;
        }
    pthread_mutex_unlock(&c->lock);
    if (env)
        fsd__envelope__free_unpacked(env, NULL); /* a late answer to a call that gave up */
}

static void s_drain(webconn *c, upuser *u)
{
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, u->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        Fsd__ErrorCode code;
        const char *why;
        Fsd__Envelope *env = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
        zmq_msg_close(&msg);
        if (env)
            s_received(c, u, env);
    }
}

/* Asks for the view of every link a customer page is open for. */
static void s_link_polls(webevents *ev, upuser *u)
{
    char **tokens;
    size_t n = webevents_links(ev, &tokens);
    for (size_t i = 0; i < n; i++) {
        char id[33], full[FSD_MSG_ID_MAX + 1];
        Fsd__Envelope env;
        wire_envelope_init(&env, id);
        /* a fresh id each time: the server answers a repeated id with its first answer */
        snprintf(full, sizeof full, "link-%s-%.8s", tokens[i], id);
        env.msg_id = full;
        Fsd__LinkShow m = FSD__LINK_SHOW__INIT;
        m.token = tokens[i];
        webconn_set_body(&env, FSD__ENVELOPE__BODY_LINK_SHOW, &m);
        wire_send(u->sock, NULL, 0, &env);
        free(tokens[i]);
    }
    free(tokens);
}

/* Asks for the board of every user who has a stream open. */
static void s_polls(webconn *c, int64_t now)
{
    for (upuser *u = c->users; u; u = u->next) {
        if (strcmp(u->name, WEBCONN_PORTAL) == 0) {
            if (now >= u->next_poll) {
                s_link_polls(c->ev, u);
                u->next_poll = now + LINK_POLL_MS;
            }
            continue;
        }
        bool wanted = webevents_wanted(c->ev, u->name);
        if (!wanted && u->cached) {
            /* nobody looks: stop, and let the next page start afresh */
            if (u->watching) {
                Fsd__Unwatch w = FSD__UNWATCH__INIT;
                char stream[64];
                snprintf(stream, sizeof stream, "web-%.56s", u->name);
                w.stream = stream;
                s_send_own(u, "unwatch-", FSD__ENVELOPE__BODY_UNWATCH, &w);
                u->watching = false;
            }
            webevents_forget(c->ev, u->name);
            u->cached = false;
        }
        if (!wanted)
            continue;
        if (u->mode == LIVE_WATCH) {
            if (!u->watching && (!u->watch_sent || now - u->watch_sent > 5000)) {
                s_send_watch(u, true, now);
                u->cached = true;
            } else if (u->watching && now >= u->renew_at)
                s_send_watch(u, false, now);
            continue;
        }
        if (now < u->next_poll || (u->poll_sent && now - u->poll_sent < 5000))
            continue;
        u->cached = true;
        Fsd__BoardRequest b = FSD__BOARD_REQUEST__INIT;
        s_send_own(u, "poll-", FSD__ENVELOPE__BODY_BOARD, &b);
        u->poll_sent = now;
        u->next_poll = now + POLL_MS;
    }
}

static void *s_thread(void *arg)
{
    webconn *c = arg;
    zmq_pollitem_t *items = NULL;
    upuser **owners = NULL;
    size_t cap = 0;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        bool stop = c->stop;
        s_commands(c);
        s_send_calls(c, wire_now_ms());
        pthread_mutex_unlock(&c->lock);
        if (stop)
            break;
        s_polls(c, wire_now_ms());
        size_t n = 1;
        for (upuser *u = c->users; u; u = u->next)
            n++;
        if (n > cap) {
            cap = n * 2;
            items = fsd_xrealloc(items, cap * sizeof *items);
            owners = fsd_xrealloc(owners, cap * sizeof *owners);
        }
        items[0] = (zmq_pollitem_t){ NULL, c->wake_fd, ZMQ_POLLIN, 0 };
        n = 1;
        for (upuser *u = c->users; u; u = u->next) {
            items[n] = (zmq_pollitem_t){ u->sock, 0, ZMQ_POLLIN, 0 };
            owners[n++] = u;
        }
        if (zmq_poll(items, (int)n, 100) < 0 && errno != EINTR)
            break;
        if (items[0].revents & ZMQ_POLLIN) {
            uint64_t v;
            ssize_t r = read(c->wake_fd, &v, sizeof v);
            (void)r;
        }
        for (size_t i = 1; i < n; i++)
            if (items[i].revents & ZMQ_POLLIN)
                s_drain(c, owners[i]);
    }
    free(items);
    free(owners);
    for (upuser *u = c->users, *next; u; u = next) {
        next = u->next;
        zmq_close(u->sock);
        free(u);
    }
    c->users = NULL;
    return NULL;
}

webconn *webconn_new(const char *endpoint, const char *server_pub, webevents *ev, char *err, size_t errlen)
{
    webconn *c = fsd_xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->endpoint = fsd_xstrdup(endpoint);
    snprintf(c->server_pub, sizeof c->server_pub, "%s", server_pub);
    c->ev = ev;
    c->cmds_tail = &c->cmds;
    c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    c->ctx = zmq_ctx_new();
    if (c->wake_fd < 0 || !c->ctx || pthread_create(&c->thread, NULL, s_thread, c) != 0) {
        snprintf(err, errlen, "cannot start the connection thread: %s", strerror(errno));
        if (c->ctx)
            zmq_ctx_term(c->ctx);
        if (c->wake_fd >= 0)
            close(c->wake_fd);
        free(c->endpoint);
        free(c);
        return NULL;
    }
    return c;
}

void webconn_destroy(webconn **pc)
{
    webconn *c = *pc;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_mutex_unlock(&c->lock);
    s_wake(c);
    pthread_join(c->thread, NULL);
    while (c->calls)
        s_finish(c, c->calls, NULL);
    zmq_ctx_term(c->ctx);
    close(c->wake_fd);
    free(c->endpoint);
    pthread_mutex_destroy(&c->lock);
    free(c);
    *pc = NULL;
}

static void s_command(webconn *c, bool open, const fsd_keypair *kp, const char *user)
{
    cmd *k = fsd_xcalloc(1, sizeof *k);
    k->open = open;
    if (kp)
        k->kp = *kp;
    snprintf(k->user, sizeof k->user, "%s", user);
    pthread_mutex_lock(&c->lock);
    *c->cmds_tail = k;
    c->cmds_tail = &k->next;
    pthread_mutex_unlock(&c->lock);
    s_wake(c);
}

int webconn_open(webconn *c, const fsd_keypair *kp)
{
    s_command(c, true, kp, kp->name);
    return 0;
}

void webconn_close(webconn *c, const char *user)
{
    s_command(c, false, NULL, user);
}

Fsd__Envelope *webconn_call(webconn *c, const char *user, const Fsd__Envelope *req, int timeout_ms,
                            bool *timed_out)
{
    call k;
    memset(&k, 0, sizeof k);
    *timed_out = false;
    snprintf(k.user, sizeof k.user, "%s", user);
    snprintf(k.msg_id, sizeof k.msg_id, "%s", req->msg_id);
    k.frame = wire_encode(req, &k.len);
    if (!k.frame)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k.cond, &ca);
    pthread_condattr_destroy(&ca);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->lock);
    k.next = c->calls;
    c->calls = &k;
    pthread_mutex_unlock(&c->lock);
    s_wake(c);
    pthread_mutex_lock(&c->lock);
    while (!k.done)
        if (pthread_cond_timedwait(&k.cond, &c->lock, &until) == ETIMEDOUT && !k.done) {
            s_finish(c, &k, NULL);
            *timed_out = true;
        }
    pthread_mutex_unlock(&c->lock);
    pthread_cond_destroy(&k.cond);
    free(k.frame);
    return k.reply;
}
