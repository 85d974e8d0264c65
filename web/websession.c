/*  websession.c — sessions, cookies, login rate limit (websession.h).

    Small tables in arrays scanned under one lock: a web console has tens
    of users, not millions, and a scan is cheaper than a hash's code. */
#include "websession.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSIONS_MAX 4096
#define RATE_KEYS_MAX 1024

struct websessions {
    pthread_mutex_t lock;
    int64_t idle_ms, abs_ms;
    websession *rows;
    size_t n;
};

websessions *websessions_new(int64_t idle_ms, int64_t abs_ms)
{
    websessions *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->rows = calloc(SESSIONS_MAX, sizeof *t->rows);
    if (!t->rows) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->idle_ms = idle_ms;
    t->abs_ms = abs_ms;
    return t;
}

void websessions_destroy(websessions **ps)
{
    websessions *t = *ps;
    if (!t)
        return;
    sodium_memzero(t->rows, SESSIONS_MAX * sizeof *t->rows);
    free(t->rows);
    pthread_mutex_destroy(&t->lock);
    free(t);
    *ps = NULL;
}

static void s_random_hex(char out[WEBSESSION_ID_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, WEBSESSION_ID_LEN + 1, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

static bool s_expired(const websessions *t, const websession *s, int64_t now)
{
    return now - s->used_at >= t->idle_ms || now - s->created_at >= t->abs_ms;
}

/* Removes row i (the last row takes its place). */
static void s_drop(websessions *t, size_t i)
{
    t->rows[i] = t->rows[--t->n];
    sodium_memzero(&t->rows[t->n], sizeof t->rows[t->n]);
}

static int s_count(const websessions *t, const char *user)
{
    int n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += !user || strcmp(t->rows[i].user, user) == 0;
    return n;
}

int websessions_create(websessions *t, const char *user, int64_t now, websession *out)
{
    if (sodium_init() < 0)
        return -1;
    pthread_mutex_lock(&t->lock);
    if (t->n == SESSIONS_MAX) {
        pthread_mutex_unlock(&t->lock);
        return -1;
    }
    websession *s = &t->rows[t->n++];
    memset(s, 0, sizeof *s);
    s_random_hex(s->id);
    s_random_hex(s->csrf);
    snprintf(s->user, sizeof s->user, "%s", user);
    s->created_at = s->used_at = now;
    *out = *s;
    pthread_mutex_unlock(&t->lock);
    return 0;
}

int websessions_touch(websessions *t, const char *id, int64_t now, websession *out)
{
    int rc = 1;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->n; i++) {
        if (!websession_equal(t->rows[i].id, id))
            continue;
        if (s_expired(t, &t->rows[i], now))
            break; /* the sweep drops it and closes what it held */
        t->rows[i].used_at = now;
        *out = t->rows[i];
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int websessions_end(websessions *t, const char *id, char *user)
{
    int rc = -1;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->n; i++) {
        if (!websession_equal(t->rows[i].id, id))
            continue;
        snprintf(user, 64, "%s", t->rows[i].user);
        s_drop(t, i);
        rc = s_count(t, user) == 0;
        break;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int websessions_sweep(websessions *t, int64_t now, void (*gone)(const char *id, const char *user, void *arg),
                      void *arg)
{
    int dropped = 0;
    char user[64], id[WEBSESSION_ID_LEN + 1];
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->n;) {
        if (!s_expired(t, &t->rows[i], now)) {
            i++;
            continue;
        }
        snprintf(user, sizeof user, "%s", t->rows[i].user);
        snprintf(id, sizeof id, "%s", t->rows[i].id);
        s_drop(t, i);
        dropped++;
        if (gone)
            gone(id, user, arg);
        sodium_memzero(id, sizeof id);
    }
    pthread_mutex_unlock(&t->lock);
    return dropped;
}

int websessions_count(websessions *t, const char *user)
{
    pthread_mutex_lock(&t->lock);
    int n = s_count(t, user);
    pthread_mutex_unlock(&t->lock);
    return n;
}

const char *webcookie_name(bool secure)
{
    return secure ? "__Host-fsd" : "fsd";
}

int webcookie_build(char *out, size_t len, bool secure, const char *value, long max_age)
{
    char age[32] = "";
    if (max_age >= 0)
        snprintf(age, sizeof age, "; Max-Age=%ld", max_age);
    int n = snprintf(out, len, "%s=%s; Path=/%s%s; HttpOnly; SameSite=Strict", webcookie_name(secure), value,
                     secure ? "; Secure" : "", age);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

bool webcookie_find(const char *header, bool secure, char id[WEBSESSION_ID_LEN + 1])
{
    const char *name = webcookie_name(secure);
    size_t nl = strlen(name);
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == nl + 1 + WEBSESSION_ID_LEN && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            memcpy(id, p + nl + 1, WEBSESSION_ID_LEN);
            id[WEBSESSION_ID_LEN] = '\0';
            return strspn(id, "0123456789abcdef") == WEBSESSION_ID_LEN;
        }
        p = end;
    }
    return false;
}

bool websession_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

typedef struct {
    char key[96];
    int64_t first;
    int fails;
} rate_row;

struct webratelimit {
    pthread_mutex_t lock;
    int limit;
    int64_t window_ms;
    rate_row rows[RATE_KEYS_MAX];
    size_t n;
};

webratelimit *webratelimit_new(int limit, int64_t window_ms)
{
    webratelimit *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    r->limit = limit;
    r->window_ms = window_ms;
    return r;
}

void webratelimit_destroy(webratelimit **pr)
{
    if (!*pr)
        return;
    pthread_mutex_destroy(&(*pr)->lock);
    free(*pr);
    *pr = NULL;
}

/* The row of key, or NULL; rows whose window ended are dropped on the way. */
static rate_row *s_rate_row(webratelimit *r, const char *key, int64_t now)
{
    for (size_t i = 0; i < r->n;) {
        if (now - r->rows[i].first >= r->window_ms) {
            r->rows[i] = r->rows[--r->n];
            continue;
        }
        if (strcmp(r->rows[i].key, key) == 0)
            return &r->rows[i];
        i++;
    }
    return NULL;
}

bool webratelimit_allowed(webratelimit *r, const char *key, int64_t now)
{
    pthread_mutex_lock(&r->lock);
    rate_row *row = s_rate_row(r, key, now);
    /* a full table counts against every new key: a flood of names must
       not reopen the door for the one being guessed */
    bool ok = row ? row->fails < r->limit : r->n < RATE_KEYS_MAX;
    pthread_mutex_unlock(&r->lock);
    return ok;
}

void webratelimit_fail(webratelimit *r, const char *key, int64_t now)
{
    pthread_mutex_lock(&r->lock);
    rate_row *row = s_rate_row(r, key, now);
    if (!row && r->n < RATE_KEYS_MAX) {
        row = &r->rows[r->n++];
        snprintf(row->key, sizeof row->key, "%s", key);
        row->first = now;
        row->fails = 0;
    }
    if (row)
        row->fails++;
    pthread_mutex_unlock(&r->lock);
}

void webratelimit_clear(webratelimit *r, const char *key)
{
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rows[i].key, key) == 0) {
            r->rows[i] = r->rows[--r->n];
            break;
        }
    pthread_mutex_unlock(&r->lock);
}
