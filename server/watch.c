/*  watch.c — live subscriptions (see watch.h and "watch" in fsd.proto).

    A watch is a dispatcher's or admin's lease on a stream of changes, named
    by its key and a stream name the client chose, reached at the routing id
    of its latest Watch (a key's stream asked again from a new connection
    moves there, as an agent's session does). The lease runs out unless
    renewed: a ROUTER never learns that a peer went away.

    One sequence counter serves every watcher, so each event is encoded
    once and the same bytes go to everyone who may see it: one zmq_msg_t
    whose buffer is shared by the copies queued to each connection
    (zmq_msg_copy counts references, it does not copy). A watcher may see
    an event when privacy_in_scope lets its key see the job (the same rule
    as job lists) and the job's territory is one it asked for; one that saw
    a job before the batch and not after it is told the job left.

    The backlog (a watchring of the newest events) serves watchers that come
    back: a renewal on the same connection resends nothing, one from another
    connection or after the lease resends what it missed, and one further
    behind gets a resync. A send that ZeroMQ refuses (the connection's queue
    is full, or it is gone) is never waited for: the watcher gets nothing more
    until a resync can be sent, and reloads its snapshot. */
#include "watch.h"

#include "jobview.h"
#include "keyring.h"
#include "privacy.h"
#include "server.h"
#include "verbs.h"
#include "views.h"
#include "world.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "fsd/log.h"
#include "fsd/watchring.h"
#include "fsd/window_text.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"

#define ID_LEN 41
#define STREAM_MAX 64
#define WATCHES_MAX 4096
#define WATCHES_PER_KEY 64
#define TERRITORIES_MAX 64
#define SNAPSHOT_JOBS 250  /* per piece: ~150 KB */
#define SNAPSHOT_TECHS 500 /* per piece */
#define SWEEP_MS 1000

/* One event of the backlog: the encoded message and what decides who sees it. */
typedef struct {
    bool is_job;
    char id[ID_LEN];
    /* a job's territory, holder's provider and holder after the batch, and
       before it (had_before false: a new job) */
    char terr[ID_LEN], prov[ID_LEN], tech[ID_LEN];
    char bterr[ID_LEN], bprov[ID_LEN], btech[ID_LEN];
    bool had_before;
    zmq_msg_t msg;  /* for those who see it */
    zmq_msg_t left; /* job_left, for those who saw it before (has_left) */
    bool has_left;
    /* the same events packed alone, for the frames of batching watchers */
    uint8_t *ev, *lev;
    size_t ev_len, lev_len;
    uint64_t seq;
    int64_t at; /* when it was encoded: the frame's sent_at */
} watch_entry;

typedef struct {
    char pub[41];
    char stream[STREAM_MAX + 1];
    uint8_t rid[256];
    size_t rid_len;
    char *filter;       /* ",a,b," the territories asked; NULL: the whole scope */
    uint64_t sent;      /* the last seq it was sent (or a snapshot is as of) */
    int64_t expires_at; /* the lease */
    bool resync_due;    /* a send failed: nothing more until a resync went out */
    const char *resync_reason;
    bool born;  /* made in the open batch (dropped if it rolls back) */
    bool batch; /* takes a batch's changes in one frame (Watch.batch) */
    int class;  /* scratch: the watcher leading its scope class in a publish */
    /* what its request left to send after the commit, before new events */
    zmq_msg_t *pending;
    size_t n_pending;
    uint64_t replay_from, replay_to; /* backlog seqs to resend (0: none) */
    const principal *who;            /* looked up for each publish */
} watcher;

/* A job noted in the open batch, with what decided its scope before. */
typedef struct {
    char id[ID_LEN];
    char bterr[ID_LEN], bprov[ID_LEN], btech[ID_LEN];
} noted_job;

struct watch_hub {
    watchring ring;
    watcher **w;
    size_t n, cap;
    noted_job *jobs;
    size_t n_jobs, cap_jobs;
    int *techs; /* indexes into srv->techs */
    size_t n_techs, cap_techs;
    watch_entry **ready; /* the batch's events, encoded, waiting for the commit */
    size_t n_ready, cap_ready;
    int64_t swept_at;
    bool asked; /* a request of the open batch left something to send */
    /* while nobody watches nothing is recorded: a watcher resuming from
       this seq or before missed changes the backlog never held */
    uint64_t blind_upto;
    uint64_t events, sent, send_failed, resyncs;
    uint64_t loop_ns; /* the loop thread's CPU spent on watches */
};

/* The loop thread's CPU clock: what the watches cost the loop itself,
   whatever else the machine runs. */
static uint64_t s_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ helpers */

static void s_free_buf(void *data, void *hint)
{
    (void)hint;
    free(data);
}

/* The envelope of a WatchEvent, encoded into msg (which takes the buffer). */
static int s_encode(Fsd__WatchEvent *ev, zmq_msg_t *msg)
{
    Fsd__Envelope env;
    char id[33];
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_WATCH_EVENT;
    env.watch_event = ev;
    size_t len;
    uint8_t *buf = wire_encode(&env, &len);
    if (!buf)
        return -1;
    if (zmq_msg_init_data(msg, buf, len, s_free_buf, NULL) < 0) {
        free(buf);
        return -1;
    }
    return 0;
}

static void s_entry_free(void *p)
{
    watch_entry *e = p;
    if (!e)
        return;
    zmq_msg_close(&e->msg);
    if (e->has_left)
        zmq_msg_close(&e->left);
    free(e->ev);
    free(e->lev);
    free(e);
}

/* The event packed alone (an element of a batching watcher's frame). */
static uint8_t *s_pack(const Fsd__WatchEvent *ev, size_t *len)
{
    *len = fsd__watch_event__get_packed_size(ev);
    uint8_t *buf = fsd_xmalloc(*len ? *len : 1);
    fsd__watch_event__pack(ev, buf);
    return buf;
}

static void s_copy(char dst[ID_LEN], const char *src)
{
    snprintf(dst, ID_LEN, "%s", src ? src : "");
}

/* Whether ",a,b," holds id. */
static bool s_csv_has(const char *csv, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = csv; (p = strstr(p, id)); p++)
        if (p > csv && p[-1] == ',' && p[n] == ',')
            return true;
    return false;
}

/* Whether w may see a job of territory terr held by tech of provider prov. */
static bool s_sees_job(server *srv, const watcher *w, const char *terr, const char *prov, const char *tech)
{
    if (w->filter && !s_csv_has(w->filter, terr))
        return false;
    return privacy_in_scope(srv, w->who, terr, prov, tech);
}

static bool s_sees_tech(server *srv, const watcher *w, const technician *t)
{
    if (!t || !privacy_tech_in_scope(srv, w->who, t))
        return false;
    if (!w->filter)
        return true;
    for (size_t i = 0; i < t->row->n_territories; i++)
        if (s_csv_has(w->filter, t->row->territories[i]))
            return true;
    return false;
}

/* The job's territory id, its holder and the holder's provider. */
static void s_job_keys(server *srv, const job *j, char terr[ID_LEN], char prov[ID_LEN], char tech[ID_LEN])
{
    s_copy(terr, j->territory >= 0 && (size_t)j->territory < srv->n_territories
                     ? srv->territories[j->territory].row->id
                     : "");
    s_copy(prov, j->tech && j->tech->provider ? j->tech->provider->row->id : "");
    s_copy(tech, j->tech ? j->tech->row->id : "");
}

/* A view without the customer's personal data (see "watch" in fsd.proto). */
static void s_strip(Fsd__JobView *v)
{
    static char empty[] = "";
    v->customer_name = v->phone = v->address = v->problem = v->rating_comment = empty;
}

/* An open job's view from memory, with its appointment window. */
static Fsd__JobView *s_open_view(server *srv, arena *a, const job *j)
{
    Fsd__JobView *v = jobview_from_job(srv, a, j);
    if (j->win_start && j->territory >= 0 && (size_t)j->territory < srv->n_territories) {
        char local[96], utc[96];
        v->window_start = j->win_start;
        v->window_end = j->win_end;
        v->window_tz = srv->territories[j->territory].row->tz;
        v->window_local =
            arena_strdup(a, window_text(j->win_start, j->win_end, v->window_tz, local, sizeof local));
        v->window_utc = arena_strdup(a, window_text(j->win_start, j->win_end, "UTC", utc, sizeof utc));
        v->window_booked = v->state >= FSD__JOB_STATE__JOB_ASSIGNED && v->state <= FSD__JOB_STATE__JOB_CLOSED;
    }
    s_strip(v);
    return v;
}

static watch_entry *s_entry_new(void)
{
    return fsd_xcalloc(1, sizeof(watch_entry));
}

/* Appends to a growable array of n items of size sz. */
static void *s_grow(void *arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : 64;
    return fsd_xrealloc(arr, *cap * sz);
}

/* ---------------------------------------------------------- lifetime */

void watch_init(server *srv)
{
    struct watch_hub *h = fsd_xcalloc(1, sizeof *h);
    size_t cap = srv->cfg.watch_backlog > 0 ? (size_t)srv->cfg.watch_backlog : 16384;
    /* above every seq of an earlier run (fewer than 1000 events a ms), below
       2^53 so that a browser's number keeps it exactly */
    watchring_init(&h->ring, cap, (uint64_t)wire_now_ms() * 1000);
    h->blind_upto = h->ring.head;
    srv->watch = h;
}

static void s_pending_clear(watcher *w)
{
    for (size_t i = 0; i < w->n_pending; i++)
        zmq_msg_close(&w->pending[i]);
    free(w->pending);
    w->pending = NULL;
    w->n_pending = 0;
    w->replay_from = w->replay_to = 0;
}

static void s_watcher_free(watcher *w)
{
    s_pending_clear(w);
    free(w->filter);
    free(w);
}

static void s_ready_clear(struct watch_hub *h)
{
    for (size_t i = 0; i < h->n_ready; i++)
        s_entry_free(h->ready[i]);
    h->n_ready = 0;
}

void watch_destroy(server *srv)
{
    struct watch_hub *h = srv->watch;
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        s_watcher_free(h->w[i]);
    s_ready_clear(h);
    watchring_free(&h->ring, s_entry_free);
    free(h->w);
    free(h->jobs);
    free(h->techs);
    free(h->ready);
    free(h);
    srv->watch = NULL;
}

size_t watch_count(const server *srv)
{
    return srv->watch ? srv->watch->n : 0;
}

void watch_counters(const server *srv, const char *names[WATCH_COUNTERS], uint64_t values[WATCH_COUNTERS])
{
    static const char *const s_names[WATCH_COUNTERS] = {
        "watches", "watch_events", "watch_sent", "watch_send_failed", "watch_resyncs", "watch_loop_us"
    };
    const struct watch_hub *h = srv->watch;
    uint64_t v[WATCH_COUNTERS] = { 0 };
    if (h) {
        v[0] = h->n;
        v[1] = h->events;
        v[2] = h->sent;
        v[3] = h->send_failed;
        v[4] = h->resyncs;
        v[5] = h->loop_ns / 1000;
    }
    for (int i = 0; i < WATCH_COUNTERS; i++) {
        names[i] = s_names[i];
        values[i] = v[i];
    }
}

/* -------------------------------------------------------------- hooks */

static void s_note_job(server *srv, const job *j, bool is_new)
{
    struct watch_hub *h = srv->watch;
    h->jobs = s_grow(h->jobs, &h->cap_jobs, h->n_jobs, sizeof *h->jobs);
    noted_job *n = &h->jobs[h->n_jobs++];
    s_copy(n->id, j->id);
    if (is_new)
        n->bterr[0] = n->bprov[0] = n->btech[0] = 0; /* nobody saw it before */
    else
        s_job_keys(srv, j, n->bterr, n->bprov, n->btech);
    ((job *)j)->watch_noted = true;
}

void watch_job(server *srv, const job *j)
{
    struct watch_hub *h = srv->watch;
    if (!h || !h->n || j->watch_noted)
        return;
    s_note_job(srv, j, false);
}

void watch_job_new(server *srv, const job *j)
{
    struct watch_hub *h = srv->watch;
    if (!h || !h->n || j->watch_noted)
        return;
    s_note_job(srv, j, true);
}

void watch_tech(server *srv, const technician *t)
{
    struct watch_hub *h = srv->watch;
    if (!h || !h->n || t->watch_noted)
        return;
    h->techs = s_grow(h->techs, &h->cap_techs, h->n_techs, sizeof *h->techs);
    h->techs[h->n_techs++] = t->index;
    ((technician *)t)->watch_noted = true;
}

/* ------------------------------------------------------------ prepare */

static void s_ready_add(struct watch_hub *h, watch_entry *e)
{
    h->ready = s_grow(h->ready, &h->cap_ready, h->n_ready, sizeof *h->ready);
    h->ready[h->n_ready++] = e;
}

/* The event of noted job n under seq; 1 built, 0 no such job, -1. */
static int s_prepare_job(server *srv, const noted_job *n, uint64_t seq)
{
    job *j = world_job(srv, n->id);
    Fsd__JobView *v;
    if (j) {
        j->watch_noted = false;
        v = s_open_view(srv, srv->arena, j);
    } else {
        /* closed or cancelled in this batch: its row, once */
        int rc = jobview_stored(srv->store, srv->arena, n->id, false, &v);
        if (rc <= 0)
            return rc;
        s_strip(v);
    }
    watch_entry *e = s_entry_new();
    e->is_job = true;
    s_copy(e->id, n->id);
    s_copy(e->terr, v->territory);
    s_copy(e->prov, v->provider_id);
    s_copy(e->tech, v->technician_id);
    memcpy(e->bterr, n->bterr, ID_LEN);
    memcpy(e->bprov, n->bprov, ID_LEN);
    memcpy(e->btech, n->btech, ID_LEN);
    e->had_before = n->bterr[0] != 0;
    Fsd__WatchEvent ev = FSD__WATCH_EVENT__INIT;
    ev.seq = seq;
    ev.change_case = FSD__WATCH_EVENT__CHANGE_JOB;
    ev.job = v;
    e->at = wire_now_ms();
    int rc = s_encode(&ev, &e->msg);
    if (rc < 0) {
        free(e);
        return 0; /* no memory for one event: it is lost for the watchers (logged by zmq) */
    }
    e->ev = s_pack(&ev, &e->ev_len);
    bool moved = strcmp(e->terr, e->bterr) || strcmp(e->prov, e->bprov) || strcmp(e->tech, e->btech);
    if (e->had_before && moved) {
        ev.change_case = FSD__WATCH_EVENT__CHANGE_JOB_LEFT;
        ev.job_left = e->id;
        e->has_left = s_encode(&ev, &e->left) == 0;
        if (e->has_left)
            e->lev = s_pack(&ev, &e->lev_len);
    }
    s_ready_add(srv->watch, e);
    return 1;
}

static int s_prepare_tech(server *srv, technician *t, uint64_t seq, int64_t now)
{
    t->watch_noted = false;
    watch_entry *e = s_entry_new();
    s_copy(e->id, t->row->id);
    Fsd__WatchEvent ev = FSD__WATCH_EVENT__INIT;
    ev.seq = seq;
    ev.change_case = FSD__WATCH_EVENT__CHANGE_TECHNICIAN;
    ev.technician = views_technician(srv, srv->arena, t, now);
    e->at = now;
    if (s_encode(&ev, &e->msg) < 0) {
        free(e);
        return 0;
    }
    e->ev = s_pack(&ev, &e->ev_len);
    s_ready_add(srv->watch, e);
    return 1;
}

int watch_prepare(server *srv)
{
    struct watch_hub *h = srv->watch;
    if (!h || (!h->n_jobs && !h->n_techs))
        return 0;
    uint64_t t0 = s_cpu_ns();
    uint64_t seq = h->ring.head + h->n_ready;
    int64_t now = wire_now_ms();
    for (size_t i = 0; i < h->n_jobs; i++) {
        int rc = s_prepare_job(srv, &h->jobs[i], seq + 1);
        if (rc < 0)
            return -1;
        seq += (uint64_t)rc;
    }
    for (size_t i = 0; i < h->n_techs; i++)
        if (h->techs[i] >= 0 && (size_t)h->techs[i] < srv->n_techs)
            seq += (uint64_t)s_prepare_tech(srv, &srv->techs[h->techs[i]], seq + 1, now);
    h->n_jobs = h->n_techs = 0;
    h->loop_ns += s_cpu_ns() - t0;
    return 0;
}

void watch_abandon(server *srv)
{
    struct watch_hub *h = srv->watch;
    if (!h)
        return;
    for (size_t i = 0; i < h->n_techs; i++)
        if (h->techs[i] >= 0 && (size_t)h->techs[i] < srv->n_techs)
            srv->techs[h->techs[i]].watch_noted = false;
    /* the jobs are read back from the store: their marks go with them */
    h->n_jobs = h->n_techs = 0;
    s_ready_clear(h);
    size_t k = 0;
    for (size_t i = 0; i < h->n; i++) {
        watcher *w = h->w[i];
        if (w->born) {
            s_watcher_free(w);
            continue;
        }
        s_pending_clear(w);
        h->w[k++] = w;
    }
    h->n = k;
    if (!h->n)
        h->blind_upto = h->ring.head;
}

/* ------------------------------------------------------------ publish */

/* Queues a copy of msg to w without waiting; a refusal leaves w due for a resync. */
static bool s_send(server *srv, watcher *w, zmq_msg_t *msg)
{
    struct watch_hub *h = srv->watch;
    zmq_msg_t copy;
    zmq_msg_init(&copy);
    zmq_msg_copy(&copy, msg);
    if (zmq_send(srv->router, w->rid, w->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_msg_send(&copy, srv->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&copy);
        if (!w->resync_due)
            log_warn("watch_behind", "key=%s stream=%s why=%s", w->who ? w->who->name : w->pub,
                     log_quote(0, w->stream), errno == EAGAIN ? "send_queue_full" : "unreachable");
        w->resync_due = true;
        w->resync_reason = errno == EAGAIN ? "send_queue_full" : "unreachable";
        h->send_failed++;
        return false;
    }
    h->sent++;
    return true;
}

/* The resync event, as of the newest seq. */
static int s_resync_msg(struct watch_hub *h, const char *reason, zmq_msg_t *msg)
{
    Fsd__WatchResync r = FSD__WATCH_RESYNC__INIT;
    r.reason = (char *)reason;
    Fsd__WatchEvent ev = FSD__WATCH_EVENT__INIT;
    ev.seq = h->ring.head;
    ev.change_case = FSD__WATCH_EVENT__CHANGE_RESYNC;
    ev.resync = &r;
    return s_encode(&ev, msg);
}

/* What w gets of entry e: 0 nothing, 1 the event, 2 that the job left. */
static int s_takes(server *srv, const watcher *w, const watch_entry *e, const technician *t)
{
    if (!e->is_job)
        return s_sees_tech(srv, w, t) ? 1 : 0;
    if (s_sees_job(srv, w, e->terr, e->prov, e->tech))
        return 1;
    return e->has_left && s_sees_job(srv, w, e->bterr, e->bprov, e->btech) ? 2 : 0;
}

/* Sends one backlog entry to w when its scope takes it. */
static void s_offer(server *srv, watcher *w, watch_entry *e, const technician *t)
{
    int takes = s_takes(srv, w, e, t);
    if (takes)
        s_send(srv, w, takes == 1 ? &e->msg : &e->left);
}

/* Sends w its resync when one is due; true when it went (or none was due). */
static bool s_try_resync(server *srv, watcher *w)
{
    struct watch_hub *h = srv->watch;
    if (!w->resync_due)
        return true;
    zmq_msg_t m;
    if (s_resync_msg(h, w->resync_reason, &m) < 0)
        return false;
    w->resync_due = false;
    bool ok = s_send(srv, w, &m);
    zmq_msg_close(&m);
    if (ok) {
        h->resyncs++;
        w->sent = h->ring.head;
        log_info("watch_resync", "key=%s stream=%s", w->who->name, log_quote(0, w->stream));
    }
    return ok;
}

/* What w's request left to send: its snapshot or resync, then the missed events. */
static void s_send_pending(server *srv, watcher *w)
{
    struct watch_hub *h = srv->watch;
    for (size_t i = 0; i < w->n_pending && !w->resync_due; i++)
        s_send(srv, w, &w->pending[i]);
    for (uint64_t s = w->replay_from; s && s <= w->replay_to && !w->resync_due; s++) {
        watch_entry *e = watchring_get(&h->ring, s);
        if (e)
            s_offer(srv, w, e, e->is_job ? NULL : world_tech(srv, e->id));
    }
    s_pending_clear(w);
    w->born = false;
}

/* Drops watch i (its lease ran out, its key went). */
static void s_drop(struct watch_hub *h, size_t i, const char *why)
{
    watcher *w = h->w[i];
    log_info("watch_dropped", "key=%s stream=%s why=%s", w->who ? w->who->name : w->pub,
             log_quote(0, w->stream), why);
    s_watcher_free(w);
    h->w[i] = h->w[--h->n];
    if (!h->n)
        h->blind_upto = h->ring.head;
}

/* Looks each watcher's key up again (a key revoked or replaced since
   takes its watches with it) and drops the leases that ran out. */
static void s_check_watchers(server *srv, int64_t now, bool sweep)
{
    struct watch_hub *h = srv->watch;
    if (sweep)
        h->swept_at = now;
    for (size_t i = h->n; i-- > 0;) {
        watcher *w = h->w[i];
        const principal *who = strmap_get(srv->principals, w->pub);
        w->who = who;
        if (!who || keyring_revoked_name(srv->keyring, w->pub)
            || (who->role != ROLE_DISPATCHER_ && who->role != ROLE_ADMIN_))
            s_drop(h, i, "key");
        else if (sweep && now >= w->expires_at)
            s_drop(h, i, "expired");
    }
}

/* ------------------------------------------- frames of batching watchers */

/* Whether a and b see the same: the same scope (or none) and territories. */
static bool s_same_class(const watcher *a, const watcher *b)
{
    const principal *p = a->who, *q = b->who;
    bool ps = p->role == ROLE_DISPATCHER_ && (p->scope_provider || p->scope_territories);
    bool qs = q->role == ROLE_DISPATCHER_ && (q->scope_provider || q->scope_territories);
#define SAME(x, y) ((!(x) && !(y)) || ((x) && (y) && strcmp((x), (y)) == 0))
    return ps == qs
           && (!ps
               || (SAME(p->scope_provider, q->scope_provider)
                   && SAME(p->scope_territories, q->scope_territories)))
           && SAME(a->filter, b->filter);
#undef SAME
}

typedef struct {
    uint8_t *buf;
    size_t len, cap;
} sbuf;

static void s_put(sbuf *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2;
        b->buf = fsd_xrealloc(b->buf, b->cap);
    }
    memcpy(b->buf + b->len, data, len);
    b->len += len;
}

static void s_varint(sbuf *b, uint64_t v)
{
    uint8_t out[10];
    size_t n = 0;
    do {
        out[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        out[n] |= v ? 0x80 : 0;
        n++;
    } while (v);
    s_put(b, out, n);
}

/* A length-delimited field (wire type 2). */
static void s_field(sbuf *b, unsigned field, const void *data, size_t len)
{
    s_varint(b, (uint64_t)field << 3 | 2);
    s_varint(b, len);
    s_put(b, data, len);
}

#define FRAME_BYTES (512 * 1024)

/* Sends the events gathered in body (their last seq, the first one's
   time) as one Envelope to every member of the class led by lead: the
   protobuf is written around the events' packed bytes, not encoded again. */
static void s_frame(server *srv, size_t lead, sbuf *body, uint64_t seq, int64_t at)
{
    struct watch_hub *h = srv->watch;
    sbuf ev = { 0 }, env = { 0 };
    s_varint(&ev, 1 << 3); /* seq, a varint */
    s_varint(&ev, seq);
    s_put(&ev, body->buf, body->len);
    char id[33];
    wire_msg_id(id);
    s_field(&env, 1, id, strlen(id));
    s_varint(&env, 2 << 3); /* sent_at */
    s_varint(&env, (uint64_t)at);
    s_varint(&env, 3 << 3); /* version */
    s_varint(&env, FSD_PROTOCOL_VERSION);
    s_field(&env, FSD__ENVELOPE__BODY_WATCH_EVENT, ev.buf, ev.len);
    free(ev.buf);
    zmq_msg_t msg;
    if (zmq_msg_init_data(&msg, env.buf, env.len, s_free_buf, NULL) < 0) {
        free(env.buf);
        return;
    }
    for (size_t i = lead; i < h->n; i++) {
        watcher *w = h->w[i];
        if (w->class == (int)lead && !w->resync_due)
            s_send(srv, w, &msg);
    }
    zmq_msg_close(&msg);
    body->len = 0;
}

/* The batch's events to the watchers that take them in frames: gathered
   once per scope class (its first member decides what it sees), each
   frame shared by the class. */
static void s_publish_batched(server *srv, const technician **techs)
{
    struct watch_hub *h = srv->watch;
    for (size_t i = 0; i < h->n; i++) {
        watcher *w = h->w[i];
        w->class = -1;
        if (!w->batch)
            continue;
        for (size_t j = 0; j < i && w->class < 0; j++)
            if (h->w[j]->batch && h->w[j]->class == (int)j && s_same_class(h->w[j], w))
                w->class = (int)j;
        if (w->class < 0)
            w->class = (int)i;
    }
    sbuf body = { 0 };
    for (size_t lead = 0; lead < h->n; lead++) {
        if (h->w[lead]->class != (int)lead)
            continue;
        uint64_t seq = 0;
        int64_t at = 0;
        for (size_t k = 0; k < h->n_ready; k++) {
            const watch_entry *e = h->ready[k];
            int takes = s_takes(srv, h->w[lead], e, techs[k]);
            if (!takes)
                continue;
            s_field(&body, 7, takes == 1 ? e->ev : e->lev, takes == 1 ? e->ev_len : e->lev_len);
            seq = e->seq;
            at = at ? at : e->at;
            if (body.len >= FRAME_BYTES) {
                s_frame(srv, lead, &body, seq, at);
                at = 0;
            }
        }
        if (body.len)
            s_frame(srv, lead, &body, seq, at);
    }
    free(body.buf);
}

void watch_publish(server *srv, int64_t now)
{
    struct watch_hub *h = srv->watch;
    /* nothing to send and no lease to look at: no work at all */
    if (!h)
        return;
    bool sweep = now - h->swept_at >= SWEEP_MS;
    if (!h->n || (!h->n_ready && !h->asked && !sweep)) {
        s_ready_clear(h); /* the last watcher left during the batch */
        return;
    }
    h->asked = false;
    uint64_t t0 = s_cpu_ns();
    s_check_watchers(srv, now, sweep);
    for (size_t i = 0; i < h->n; i++) {
        watcher *w = h->w[i];
        if (w->n_pending || w->replay_from || w->born)
            s_send_pending(srv, w);
        s_try_resync(srv, w);
    }
    const technician **techs = fsd_xmalloc((h->n_ready + 1) * sizeof *techs);
    for (size_t k = 0; k < h->n_ready; k++) {
        watch_entry *e = h->ready[k];
        e->seq = h->ring.head + k + 1; /* as prepared */
        techs[k] = e->is_job ? NULL : world_tech(srv, e->id);
    }
    /* one message per event to those who take them one by one */
    for (size_t k = 0; k < h->n_ready; k++)
        for (size_t i = 0; i < h->n; i++) {
            watcher *w = h->w[i];
            if (!w->batch && !w->resync_due)
                s_offer(srv, w, h->ready[k], techs[k]);
        }
    s_publish_batched(srv, techs);
    for (size_t k = 0; k < h->n_ready; k++) {
        /* into the backlog only now: a batch larger than the backlog
           pushes its own first events out */
        s_entry_free(watchring_push(&h->ring, h->ready[k], NULL));
        h->events++;
    }
    for (size_t i = 0; i < h->n; i++)
        if (!h->w[i]->resync_due)
            h->w[i]->sent = h->ring.head;
    free(techs);
    h->loop_ns += s_cpu_ns() - t0;
    h->n_ready = 0;
}

/* ------------------------------------------------------------ requests */

static watcher *s_find(struct watch_hub *h, const char *pub, const char *stream, size_t *per_key)
{
    *per_key = 0;
    watcher *found = NULL;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->w[i]->pub, pub) == 0) {
            (*per_key)++;
            if (strcmp(h->w[i]->stream, stream) == 0)
                found = h->w[i];
        }
    return found;
}

/* The territories asked, as ",a,b," (NULL: all of the scope); 0, or 1 refused. */
static int s_filter(call *c, const Fsd__Watch *r, char **out)
{
    *out = NULL;
    if (r->n_territories > TERRITORIES_MAX) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "territories",
                   "a watch names at most %d territories (none: the whole scope)", TERRITORIES_MAX);
        return 1;
    }
    size_t len = 2;
    for (size_t i = 0; i < r->n_territories; i++) {
        const char *t = r->territories[i];
        if (!world_territory(c->srv, t)) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "territories", "no territory %.40s", t);
            return 1;
        }
        if (!privacy_territory_in_scope(c->who, t)) {
            call_error(c, FSD__ERROR_CODE__ERR_FORBIDDEN, "territories",
                       "territory %s is outside the scope of %s", t, c->who->name);
            return 1;
        }
        len += strlen(t) + 1;
    }
    if (!r->n_territories)
        return 0;
    char *csv = fsd_xmalloc(len), *p = csv;
    *p++ = ',';
    for (size_t i = 0; i < r->n_territories; i++)
        p += sprintf(p, "%s,", r->territories[i]);
    *out = csv;
    return 0;
}

typedef struct {
    server *srv;
    const watcher *w;
    job **list;
    size_t n, cap;
} snap_scan;

static void s_snap_job(const char *key, void *value, void *arg)
{
    (void)key;
    snap_scan *s = arg;
    job *j = value;
    char terr[ID_LEN], prov[ID_LEN], tech[ID_LEN];
    s_job_keys(s->srv, j, terr, prov, tech);
    if (!s_sees_job(s->srv, s->w, terr, prov, tech))
        return;
    s->list = s_grow(s->list, &s->cap, s->n, sizeof *s->list);
    s->list[s->n++] = j;
}

static int s_older(const void *a, const void *b)
{
    const job *x = *(job *const *)a, *y = *(job *const *)b;
    if (x->created_at != y->created_at)
        return x->created_at < y->created_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Encodes one snapshot piece into w's pending sends. */
static void s_piece(watcher *w, Fsd__WatchSnapshot *piece, uint64_t seq)
{
    Fsd__WatchEvent ev = FSD__WATCH_EVENT__INIT;
    ev.seq = seq;
    ev.change_case = FSD__WATCH_EVENT__CHANGE_SNAPSHOT;
    ev.snapshot = piece;
    w->pending = fsd_xrealloc(w->pending, (w->n_pending + 1) * sizeof *w->pending);
    if (s_encode(&ev, &w->pending[w->n_pending]) == 0)
        w->n_pending++;
}

/* The open jobs (oldest first) and technicians w sees, in pieces waiting
   for the commit. Built from memory, a piece at a time in an arena of its
   own, so 50,000 jobs never make one frame nor one large allocation. */
static void s_snapshot(server *srv, watcher *w, Fsd__Watching *ans)
{
    snap_scan scan = { .srv = srv, .w = w };
    strmap_each(srv->jobs, s_snap_job, &scan);
    if (scan.n) /* no open job: scan.list is NULL, which qsort may not take */
        qsort(scan.list, scan.n, sizeof *scan.list, s_older);
    int64_t now = wire_now_ms();
    const technician **techs = fsd_xmalloc((srv->n_techs + 1) * sizeof *techs);
    size_t n_techs = 0;
    for (size_t i = 0; i < srv->n_techs; i++)
        if (s_sees_tech(srv, w, &srv->techs[i]))
            techs[n_techs++] = &srv->techs[i];
    size_t pj = (scan.n + SNAPSHOT_JOBS - 1) / SNAPSHOT_JOBS,
           pt = (n_techs + SNAPSHOT_TECHS - 1) / SNAPSHOT_TECHS;
    uint32_t pieces = (uint32_t)(pj + pt ? pj + pt : 1), piece = 0;
    uint64_t seq = srv->watch->ring.head;
    arena *a = arena_new();
    for (size_t i = 0; i < scan.n || (i == 0 && !n_techs); i += SNAPSHOT_JOBS) {
        Fsd__WatchSnapshot p = FSD__WATCH_SNAPSHOT__INIT;
        p.piece = ++piece;
        p.pieces = pieces;
        size_t k = scan.n - i < SNAPSHOT_JOBS ? scan.n - i : SNAPSHOT_JOBS;
        p.jobs = arena_alloc(a, (k + 1) * sizeof *p.jobs);
        for (size_t x = 0; x < k; x++)
            p.jobs[p.n_jobs++] = s_open_view(srv, a, scan.list[i + x]);
        s_piece(w, &p, seq);
        arena_reset(a);
        if (!scan.n)
            break;
    }
    for (size_t i = 0; i < n_techs; i += SNAPSHOT_TECHS) {
        Fsd__WatchSnapshot p = FSD__WATCH_SNAPSHOT__INIT;
        p.piece = ++piece;
        p.pieces = pieces;
        size_t k = n_techs - i < SNAPSHOT_TECHS ? n_techs - i : SNAPSHOT_TECHS;
        p.technicians = arena_alloc(a, (k + 1) * sizeof *p.technicians);
        for (size_t x = 0; x < k; x++)
            p.technicians[p.n_technicians++] = views_technician(srv, a, techs[i + x], now);
        s_piece(w, &p, seq);
        arena_reset(a);
    }
    arena_destroy(&a);
    ans->snapshot_jobs = (uint32_t)scan.n;
    ans->snapshot_technicians = (uint32_t)n_techs;
    ans->snapshot_pieces = pieces;
    free(scan.list);
    free(techs);
}

/* How many of the backlog's events from..to w sees. */
static uint32_t s_count_visible(server *srv, const watcher *w, uint64_t from, uint64_t to)
{
    uint32_t n = 0;
    for (uint64_t s = from; s <= to; s++) {
        const watch_entry *e = watchring_get(&srv->watch->ring, s);
        if (!e)
            continue;
        if (e->is_job ? s_sees_job(srv, w, e->terr, e->prov, e->tech)
                            || (e->has_left && s_sees_job(srv, w, e->bterr, e->bprov, e->btech))
                      : s_sees_tech(srv, w, world_tech(srv, e->id)))
            n++;
    }
    return n;
}

/* Where w resumes after resume_after: the missed events, or a resync. */
static void s_resume(server *srv, watcher *w, uint64_t after, Fsd__Watching *ans)
{
    struct watch_hub *h = srv->watch;
    uint64_t from = 0;
    long n = after <= h->blind_upto ? -1 : watchring_resume(&h->ring, after, &from);
    if (n < 0) {
        w->pending = fsd_xmalloc(sizeof *w->pending);
        if (s_resync_msg(h, "behind", &w->pending[0]) == 0)
            w->n_pending = 1;
        h->resyncs++;
        ans->resync = true;
    } else if (n > 0) {
        w->replay_from = from;
        w->replay_to = h->ring.head;
        ans->resent = s_count_visible(srv, w, from, h->ring.head);
    }
}

/* The watch of (key, stream), made when new; NULL when refused (reply set). */
static watcher *s_watcher(call *c, const char *stream, bool *made)
{
    struct watch_hub *h = c->srv->watch;
    size_t per_key;
    watcher *w = s_find(h, c->who->pub, stream, &per_key);
    *made = false;
    if (w)
        return w;
    if (per_key >= WATCHES_PER_KEY) {
        call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "stream",
                   "the key %s has %d watches open: unwatch one or let its lease run out", c->who->name,
                   WATCHES_PER_KEY);
        return NULL;
    }
    if (h->n >= WATCHES_MAX) {
        call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "stream",
                   "the server holds %d watches already: retry later", WATCHES_MAX);
        return NULL;
    }
    if (!h->n) {
        /* recording starts again: what changed since the last watcher left
           is not in the backlog, so a resume from before is a resync; one
           seq is skipped to tell the two apart */
        h->blind_upto = h->ring.head;
        s_entry_free(watchring_push(&h->ring, NULL, NULL));
    }
    w = fsd_xcalloc(1, sizeof *w);
    snprintf(w->pub, sizeof w->pub, "%s", c->who->pub);
    snprintf(w->stream, sizeof w->stream, "%s", stream);
    w->born = true;
    h->w = s_grow(h->w, &h->cap, h->n, sizeof *h->w);
    h->w[h->n++] = w;
    *made = true;
    return w;
}

int watch_request(call *c)
{
    const Fsd__Watch *r = c->req->watch;
    server *srv = c->srv;
    char *filter;
    if (!srv->watch) {
        call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "", "this server serves no live subscriptions");
        return 0;
    }
    if (call_text(c, "stream", r->stream, STREAM_MAX, true) < 0 || s_filter(c, r, &filter))
        return 0;
    bool made;
    watcher *w = s_watcher(c, r->stream, &made);
    if (!w) {
        free(filter);
        return 0;
    }
    bool moved = made || w->rid_len != c->rid_len || memcmp(w->rid, c->rid, c->rid_len) != 0;
    memcpy(w->rid, c->rid, c->rid_len);
    w->rid_len = c->rid_len;
    free(w->filter);
    w->filter = filter;
    w->who = c->who;
    w->batch = r->batch;
    w->expires_at = wire_now_ms() + srv->cfg.watch_lease_ms;
    s_pending_clear(w);
    srv->watch->asked = true;
    Fsd__Watching *ans = arena_alloc(c->a, sizeof *ans);
    fsd__watching__init(ans);
    ans->stream = arena_strdup(c->a, r->stream);
    ans->active = true;
    ans->lease_ms = (uint32_t)srv->cfg.watch_lease_ms;
    ans->seq = srv->watch->ring.head;
    if (r->snapshot) {
        w->resync_due = false;
        s_snapshot(srv, w, ans);
    } else {
        /* a relay (fsd-web) keeps its connection while its browser comes
           back, so what follows resume_after is resent on any connection;
           a renewal's resume_after is the newest seq: nothing to resend */
        w->resync_due = false;
        if (r->resume_after)
            s_resume(srv, w, r->resume_after, ans);
    }
    w->sent = srv->watch->ring.head;
    if (made || moved)
        log_info("watch", "key=%s stream=%s territories=%s snapshot=%d resume_after=%llu", c->who->name,
                 log_quote(0, w->stream), w->filter ? w->filter : "*", r->snapshot,
                 (unsigned long long)r->resume_after);
    c->reply->body_case = FSD__ENVELOPE__BODY_WATCHING;
    c->reply->watching = ans;
    return 0;
}

int watch_unwatch(call *c)
{
    const Fsd__Unwatch *r = c->req->unwatch;
    struct watch_hub *h = c->srv->watch;
    if (call_text(c, "stream", r->stream, STREAM_MAX, true) < 0)
        return 0;
    if (!h) {
        call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "", "this server serves no live subscriptions");
        return 0;
    }
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->w[i]->pub, c->who->pub) == 0 && strcmp(h->w[i]->stream, r->stream) == 0) {
            h->w[i]->who = c->who;
            s_drop(h, i, "unwatched");
            break;
        }
    Fsd__Watching *ans = arena_alloc(c->a, sizeof *ans);
    fsd__watching__init(ans);
    ans->stream = arena_strdup(c->a, r->stream);
    ans->seq = h->ring.head;
    c->reply->body_case = FSD__ENVELOPE__BODY_WATCHING;
    c->reply->watching = ans;
    return 0;
}
