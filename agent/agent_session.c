/*  agent_session.c — one technician's session with fsd-server (see agent_session.h).

    Timers are plain "next due" fields compared with a monotonic clock on
    every tick; there are few enough of them that a heap would only add
    code. The reports not yet answered are mirrored in memory (seq order)
    so re-sending never touches the disk; the outbox stays the truth and
    the mirror is rebuilt from it when the session is made. */
#include "agent_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "fsd/handshake.h"
#include "fsd/log.h"

#define S_HELLO_FIRST_MS 2000
#define S_HELLO_MAX_MS 10000
#define S_RECONNECT_FIRST_MS 1000
#define S_RECONNECT_MAX_MS 10000
#define S_DEFAULT_BEAT_MS 5000
#define S_RESEND_MS 3000
#define S_GAP_RESEND_MS 500
#define S_RETRY_SOON_MS 200
#define S_POSITION_MS 30000
#define S_DRAIN_MAX 1000

/* One stored report not yet answered. */
typedef struct {
    uint64_t seq;
    char msg_id[FSD_MSG_ID_MAX + 1];
    uint8_t *data;
    size_t len;
    int64_t last_sent; /* monotonic ms; 0 = not sent on this link */
    uint64_t round;    /* the gap round it was last sent in */
} s_entry;

/* Structure of our class */
struct _fsd_session_t {
    void *ctx;
    void *sock;
    fsd_outbox_t *outbox;
    fsd_keypair key;
    char tech[64];
    char server[256];
    char server_pub[41];
    fsd_session_fn *fn;
    void *arg;

    uint64_t applied;     /* mirror of the outbox counter */
    uint64_t generation;  /* the server database's, as the outbox keeps it */
    bool resync_restored; /* the last resync was for a restored server database */
    bool snapshot_due;    /* asked for a JobSnapshot, none applied yet (kept in the outbox) */
    char technician_id[64];
    char name[128];

    bool open;              /* Welcome seen on this link */
    bool expect_base;       /* no sequenced message since the Welcome */
    int64_t last_gap_hello; /* when a gap last made us say Hello again */
    int64_t opened_at;      /* when the current DEALER was made */
    handshake *hs;          /* the current DEALER's first outcome, until told (handshake.h) */
    bool watch;             /* fsd_session_watch: attach hs to every new DEALER */
    int64_t last_rx;        /* monotonic ms of the last message */
    int64_t last_contact;   /* the same, wall clock */
    int64_t next_hello;
    int hello_backoff;
    int64_t reconnect_at; /* while sock == NULL */
    int reconnect_backoff;
    uint32_t beat_ms;
    int64_t next_beat;

    bool has_position;
    double lat, lon;
    int64_t next_position;

    s_entry *reports;
    size_t n_reports, cap_reports;
    uint64_t round; /* bumped by each gap-triggered re-send */
    int64_t last_gap_resend;

    char device_id[33];    /* this install's id (agent.db), sent in Hello */
    bool halted;           /* superseded: no reconnect until resumed */
    int64_t superseded_at; /* wall clock, 0: not superseded */
    char superseded_text[300];
};

/* Monotonic milliseconds. */
int64_t fsd_session_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ms with up to +/-10% jitter, so a fleet does not retry in step. */
static int64_t s_jitter(int ms)
{
    int span = ms / 10;
    return span > 0 ? ms - span + random() % (2 * span + 1) : ms;
}

/* Appends a report to the in-memory mirror. 0 or -1. */
static int s_mirror_add(fsd_session_t *self, uint64_t seq, const char *msg_id, const uint8_t *data,
                        size_t len)
{
    if (self->n_reports == self->cap_reports) {
        size_t cap = self->cap_reports ? self->cap_reports * 2 : 8;
        s_entry *grown = realloc(self->reports, cap * sizeof *grown);
        if (!grown)
            return -1;
        self->reports = grown;
        self->cap_reports = cap;
    }
    s_entry *r = &self->reports[self->n_reports];
    r->data = malloc(len ? len : 1);
    if (!r->data)
        return -1;
    memcpy(r->data, data, len);
    r->len = len;
    r->seq = seq;
    snprintf(r->msg_id, sizeof r->msg_id, "%s", msg_id);
    r->last_sent = 0;
    r->round = 0;
    self->n_reports++;
    return 0;
}

/* fsd_outbox_each callback: fills the mirror at start. */
static void s_load_one(uint64_t seq, const char *msg_id, const uint8_t *data, size_t len, void *arg)
{
    fsd_session_t *self = arg;
    if (s_mirror_add(self, seq, msg_id, data, len) < 0)
        log_write(LOG_WARN, "out_of_memory", "tech=%s seq=%llu", self->tech, (unsigned long long)seq);
}

/* Index of the report with this msg_id, or -1. */
static long s_find(fsd_session_t *self, const char *msg_id)
{
    for (size_t i = 0; i < self->n_reports; i++)
        if (strcmp(self->reports[i].msg_id, msg_id) == 0)
            return (long)i;
    return -1;
}

/* Removes report i from the mirror, keeping the order. */
static void s_mirror_remove(fsd_session_t *self, size_t i)
{
    free(self->reports[i].data);
    memmove(&self->reports[i], &self->reports[i + 1], (self->n_reports - i - 1) * sizeof self->reports[0]);
    self->n_reports--;
}

/* Opens a fresh DEALER and schedules the Hello. */
static void s_connect(fsd_session_t *self)
{
    int64_t now = fsd_session_now();
    self->sock = wire_dealer(self->ctx, self->server, &self->key, self->server_pub);
    if (!self->sock) {
        log_write(LOG_WARN, "connect_failed", "tech=%s server=%s error=\"%s\"", self->tech, self->server,
                  zmq_strerror(errno));
        self->reconnect_at = now + s_jitter(self->reconnect_backoff);
        return;
    }
    /* attached after wire_dealer's connect: a failure repeats with every
       reconnect of libzmq, so none is missed */
    if (self->watch)
        self->hs = handshake_watch(self->ctx, self->sock);
    self->open = false;
    self->opened_at = now;
    self->next_hello = now;
    self->hello_backoff = S_HELLO_FIRST_MS;
    for (size_t i = 0; i < self->n_reports; i++)
        self->reports[i].last_sent = 0;
    log_write(LOG_DEBUG, "connecting", "tech=%s server=%s", self->tech, self->server);
}

/* Closes the DEALER and schedules a reconnect with backoff. */
static void s_disconnect(fsd_session_t *self, const char *why)
{
    handshake_destroy(&self->hs);
    if (self->sock)
        zmq_close(self->sock);
    self->sock = NULL;
    bool was_open = self->open;
    self->open = false;
    self->reconnect_at = fsd_session_now() + s_jitter(self->reconnect_backoff);
    log_write(was_open ? LOG_WARN : LOG_INFO, "link_lost", "tech=%s why=%s retry_in_ms=%d", self->tech, why,
              self->reconnect_backoff);
    self->reconnect_backoff *= 2;
    if (self->reconnect_backoff > S_RECONNECT_MAX_MS)
        self->reconnect_backoff = S_RECONNECT_MAX_MS;
    if (self->fn)
        self->fn(self, FSD_SESSION_LOST, NULL, self->arg);
}

/* Sends an unsequenced envelope with a fresh msg_id; 0 or -1 (errno). */
static int s_send(fsd_session_t *self, Fsd__Envelope *env, char id[33])
{
    if (!self->sock) {
        errno = ENOTCONN;
        return -1;
    }
    char local[33];
    if (!id)
        id = local;
    wire_msg_id(id);
    env->msg_id = id;
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
    return wire_send(self->sock, NULL, 0, env);
}

/* Sends Hello{last_seq_applied}. */
static void s_send_hello(fsd_session_t *self)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Hello hello = FSD__HELLO__INIT;
    hello.version = FSD_PROTOCOL_VERSION;
    hello.last_seq_applied = self->applied;
    hello.generation = self->generation;
    /* a store that never had a session: the server's picture of this
       technician's jobs comes as a snapshot */
    hello.snapshot =
        self->snapshot_due || (self->generation == 0 && self->applied == 0 && !self->technician_id[0]);
    hello.build = "fsd-agent 1.0";
    hello.device_id = self->device_id;
    env.body_case = FSD__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    int64_t now = fsd_session_now();
    if (s_send(self, &env, NULL) < 0) {
        /* not connected yet (ZMQ_IMMEDIATE): try again soon, no backoff */
        self->next_hello = now + S_RETRY_SOON_MS;
        return;
    }
    log_write(LOG_DEBUG, "hello", "tech=%s last_seq_applied=%llu", self->tech,
              (unsigned long long)self->applied);
    self->next_hello = now + s_jitter(self->hello_backoff);
    self->hello_backoff *= 2;
    if (self->hello_backoff > S_HELLO_MAX_MS)
        self->hello_backoff = S_HELLO_MAX_MS;
}

/* Sends Ack{upto=applied}. */
static void s_send_ack(fsd_session_t *self)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Ack ack = FSD__ACK__INIT;
    ack.upto = self->applied;
    env.body_case = FSD__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    s_send(self, &env, NULL);
}

/* Sends a Heartbeat. */
static void s_send_beat(fsd_session_t *self)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Heartbeat beat = FSD__HEARTBEAT__INIT;
    beat.last_seq_applied = self->applied;
    env.body_case = FSD__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &beat;
    s_send(self, &env, NULL);
    self->next_beat = fsd_session_now() + self->beat_ms;
}

/* Sends the position when known. */
static void s_send_position(fsd_session_t *self)
{
    self->next_position = fsd_session_now() + S_POSITION_MS;
    if (!self->has_position)
        return;
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Position pos = FSD__POSITION__INIT;
    pos.lat = self->lat;
    pos.lon = self->lon;
    pos.at = wire_now_ms();
    env.body_case = FSD__ENVELOPE__BODY_POSITION;
    env.position = &pos;
    s_send(self, &env, NULL);
}

/* Sends the stored reports in seq order: those never sent on this link,
   and those sent before `older_than` (monotonic ms). Stops at the first
   one the socket will not take, so the order is kept. */
static void s_send_reports(fsd_session_t *self, int64_t older_than, uint64_t after_seq)
{
    if (!self->open || !self->sock)
        return;
    int64_t now = fsd_session_now();
    for (size_t i = 0; i < self->n_reports; i++) {
        s_entry *r = &self->reports[i];
        if (r->seq <= after_seq)
            continue;
        if (r->last_sent != 0 && r->last_sent >= older_than)
            continue;
        if (zmq_send(self->sock, r->data, r->len, ZMQ_DONTWAIT) < 0)
            break; /* EAGAIN: still in the outbox, next tick */
        log_write(LOG_DEBUG, r->last_sent ? "report_resent" : "report_sent", "tech=%s seq=%llu", self->tech,
                  (unsigned long long)r->seq);
        r->last_sent = now;
        r->round = self->round;
    }
}

/* Ack{upto} in reply to report r: the server has applied reports only up
   to upto. Everything after it is re-sent at once, unless r was sent
   before the last such re-send (the Ack is stale) or one happened less
   than S_GAP_RESEND_MS ago (a server refusing everything must not make
   us spin; the periodic re-send covers it). */
static void s_on_gap(fsd_session_t *self, const s_entry *r, uint64_t upto)
{
    int64_t now = fsd_session_now();
    if (r->round != self->round || now - self->last_gap_resend < S_GAP_RESEND_MS)
        return;
    self->round++;
    self->last_gap_resend = now;
    s_send_reports(self, now + 1, upto);
}

/* Reloads the in-memory mirror of the stored reports. */
static void s_mirror_reload(fsd_session_t *self)
{
    for (size_t i = 0; i < self->n_reports; i++)
        free(self->reports[i].data);
    self->n_reports = 0;
    if (fsd_outbox_each(self->outbox, self->tech, s_load_one, self) < 0)
        log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", self->tech,
                  fsd_outbox_error(self->outbox));
}

/* A Welcome that announces a JobSnapshot: the server's last seq counts as
   applied (the snapshot, next, stands for everything before) and the
   snapshot stays due until it is applied (asked for again in each Hello).
   When the server's database is not the one this store last talked to
   (restored from a backup: its numbering went back), the reports still
   pending are numbered again after the server's last applied one, to be
   judged afresh by its state, and the new generation is kept. Reports are
   never renumbered for a snapshot alone: one applied whose answer was lost
   would be applied twice. False when the store failed (the Welcome is
   then ignored: the next Hello tries again). */
static bool s_resync(fsd_session_t *self, const Fsd__Welcome *w, bool restored)
{
    int n = fsd_outbox_resync(self->outbox, self->tech, w->generation, w->last_seq_sent, w->last_report_seq,
                              restored);
    if (n < 0) {
        log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", self->tech,
                  fsd_outbox_error(self->outbox));
        return false;
    }
    self->resync_restored = restored || (self->snapshot_due && self->resync_restored);
    self->snapshot_due = true;
    log_write(restored ? LOG_WARN : LOG_INFO, "resync",
              "tech=%s generation=%016llx previous_generation=%016llx applied_was=%llu "
              "applied=%llu server_report_seq=%llu renumbered=%d",
              self->tech, (unsigned long long)w->generation, (unsigned long long)self->generation,
              (unsigned long long)self->applied, (unsigned long long)w->last_seq_sent,
              (unsigned long long)w->last_report_seq, n);
    self->generation = w->generation;
    self->applied = w->last_seq_sent;
    s_mirror_reload(self);
    return true;
}

/* JobSnapshot after a resync Welcome: the job list becomes the server's. */
static void s_on_snapshot(fsd_session_t *self, const Fsd__Envelope *env)
{
    const Fsd__JobSnapshot *snap = env->job_snapshot;
    if (snap->generation != self->generation) {
        log_write(LOG_INFO, "ignored", "tech=%s body=job_snapshot generation=%016llx expected=%016llx",
                  self->tech, (unsigned long long)snap->generation, (unsigned long long)self->generation);
        return;
    }
    size_t offers;
    int n = fsd_outbox_snapshot(self->outbox, self->tech, snap, self->resync_restored, &offers);
    if (n < 0) {
        log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", self->tech,
                  fsd_outbox_error(self->outbox));
        return;
    }
    self->snapshot_due = false;
    log_write(self->resync_restored ? LOG_WARN : LOG_INFO, "resync_jobs",
              "tech=%s generation=%016llx jobs=%d offers=%zu", self->tech,
              (unsigned long long)snap->generation, n, offers);
}

/* Handles Welcome: the session is open. */
static void s_on_welcome(fsd_session_t *self, const Fsd__Envelope *env)
{
    const Fsd__Welcome *w = env->welcome;
    bool restored =
        w->generation
        && ((self->generation && w->generation != self->generation) || self->applied > w->last_seq_sent);
    if (w->generation && (restored || w->resync)) {
        if (!s_resync(self, w, restored))
            return;
    } else if (w->generation && w->generation != self->generation) {
        /* the first Welcome this store sees with a generation */
        if (fsd_outbox_set_generation(self->outbox, self->tech, w->generation) < 0) {
            log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", self->tech,
                      fsd_outbox_error(self->outbox));
            return;
        }
        self->generation = w->generation;
    }
    fsd_outbox_state st;
    if (fsd_outbox_state_get(self->outbox, self->tech, &st) == 0 && w->last_report_seq > st.report_seq) {
        /* the server applied reports this store never handed out: it is a
           new or restored agent.db; number ours after the server's */
        int n = fsd_outbox_renumber(self->outbox, self->tech, w->last_report_seq);
        log_write(LOG_WARN, "report_seq_rebased", "tech=%s store_seq=%llu server_seq=%llu renumbered=%d",
                  self->tech, (unsigned long long)st.report_seq, (unsigned long long)w->last_report_seq, n);
        if (n >= 0)
            s_mirror_reload(self);
    }
    int64_t now = fsd_session_now();
    self->open = true;
    self->expect_base = true;
    self->beat_ms = w->heartbeat_ms >= 200 && w->heartbeat_ms <= 300000 ? w->heartbeat_ms : S_DEFAULT_BEAT_MS;
    self->next_beat = now + self->beat_ms;
    self->reconnect_backoff = S_RECONNECT_FIRST_MS;
    self->hello_backoff = S_HELLO_FIRST_MS;
    if (strcmp(self->technician_id, w->technician_id) != 0 || strcmp(self->name, w->name) != 0) {
        snprintf(self->technician_id, sizeof self->technician_id, "%s", w->technician_id);
        snprintf(self->name, sizeof self->name, "%s", w->name);
        if (fsd_outbox_set_identity(self->outbox, self->tech, self->technician_id, self->name) < 0)
            log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", self->tech,
                      fsd_outbox_error(self->outbox));
    }
    log_write(LOG_INFO, "welcome",
              "tech=%s technician=%s heartbeat_ms=%u last_report_seq=%llu resending=%u pending=%zu",
              self->tech, w->technician_id, self->beat_ms, (unsigned long long)w->last_report_seq,
              w->resending, self->n_reports);
    /* A new session: every stored report again, in order. */
    for (size_t i = 0; i < self->n_reports; i++)
        self->reports[i].last_sent = 0;
    s_send_reports(self, now, 0);
    s_send_position(self);
    if (self->fn)
        self->fn(self, FSD_SESSION_WELCOME, env, self->arg);
}

/* Logs what a sequenced message that was applied says. */
static void s_log_applied(fsd_session_t *self, const Fsd__Envelope *env)
{
    if (env->body_case == FSD__ENVELOPE__BODY_OFFER && env->offer->job) {
        const Fsd__Offer *o = env->offer;
        long left = (long)((o->expires_at - wire_now_ms()) / 1000);
        log_write(
            LOG_INFO, "offer",
            "tech=%s job=%s seq=%llu distance_km=%.1f travel_min=%u expires_in_s=%ld category=%s warranty=%s",
            self->tech, o->job->job_id, (unsigned long long)env->seq, o->distance_km, o->travel_min,
            left < 0 ? 0 : left, o->job->category,
            wire_enum_name(&fsd__warranty_status__descriptor, o->job->warranty));
    } else if (env->body_case == FSD__ENVELOPE__BODY_ASSIGNED && env->assigned->job) {
        log_write(LOG_INFO, "assigned", "tech=%s job=%s seq=%llu by=%s", self->tech,
                  env->assigned->job->job_id, (unsigned long long)env->seq, env->assigned->by);
    } else if (env->body_case == FSD__ENVELOPE__BODY_REVOKED) {
        log_write(LOG_INFO, "revoked", "tech=%s job=%s seq=%llu reason=%s", self->tech, env->revoked->job_id,
                  (unsigned long long)env->seq,
                  wire_enum_name(&fsd__revoke_reason__descriptor, env->revoked->reason));
    } else {
        log_write(LOG_INFO, "sequenced_unknown", "tech=%s seq=%llu body=%d", self->tech,
                  (unsigned long long)env->seq, (int)env->body_case);
    }
}

/* Handles a sequenced server message; true when an Ack is due.

   After a Welcome the server sends, in order, everything after the larger
   of our last_seq_applied and what it already saw acknowledged. So when
   the first sequenced message of a session skips ahead, the messages in
   between were acknowledged by an earlier life of this store (a new or
   restored agent.db) and will never come again: we start from there
   rather than wait forever. Any later gap means a message was lost on the
   way; the server re-sends after a Hello, so we say Hello again. */
static bool s_on_sequenced(fsd_session_t *self, const Fsd__Envelope *env)
{
    bool first = self->expect_base;
    self->expect_base = false;
    if (first && env->seq > self->applied + 1) {
        log_write(LOG_WARN, "seq_rebased",
                  "tech=%s applied=%llu first_seq=%llu why=\"the server acknowledged "
                  "messages this store does not have (new or restored agent.db)\"",
                  self->tech, (unsigned long long)self->applied, (unsigned long long)env->seq);
        if (fsd_outbox_rebase(self->outbox, self->tech, env->seq - 1) < 0) {
            log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", self->tech,
                      fsd_outbox_error(self->outbox));
            return false;
        }
        self->applied = env->seq - 1;
    } else if (env->seq > self->applied + 1) {
        int64_t now = fsd_session_now();
        if (now - self->last_gap_hello >= S_HELLO_FIRST_MS) {
            self->last_gap_hello = now;
            log_write(LOG_INFO, "seq_gap", "tech=%s applied=%llu seq=%llu action=hello", self->tech,
                      (unsigned long long)self->applied, (unsigned long long)env->seq);
            s_send_hello(self);
        }
    }
    uint64_t applied = self->applied;
    int rc = fsd_outbox_apply(self->outbox, self->tech, env, &applied);
    if (rc < 0) {
        /* not stored: do not ack, the server re-sends it */
        log_write(LOG_WARN, "store_failed", "tech=%s seq=%llu error=\"%s\"", self->tech,
                  (unsigned long long)env->seq, fsd_outbox_error(self->outbox));
        return false;
    }
    self->applied = applied;
    if (rc == 0) {
        log_write(LOG_DEBUG, env->seq <= applied ? "duplicate" : "gap", "tech=%s seq=%llu applied=%llu",
                  self->tech, (unsigned long long)env->seq, (unsigned long long)applied);
        return true;
    }
    s_log_applied(self, env);
    if (self->fn) {
        fsd_session_event ev = env->body_case == FSD__ENVELOPE__BODY_OFFER      ? FSD_SESSION_OFFER
                               : env->body_case == FSD__ENVELOPE__BODY_ASSIGNED ? FSD_SESSION_ASSIGNED
                                                                                : FSD_SESSION_REVOKED;
        if (env->body_case == FSD__ENVELOPE__BODY_OFFER || env->body_case == FSD__ENVELOPE__BODY_ASSIGNED
            || env->body_case == FSD__ENVELOPE__BODY_REVOKED)
            self->fn(self, ev, env, self->arg);
    }
    return true;
}

/* Handles the server's answer to one of our reports. */
static void s_on_answer(fsd_session_t *self, long idx, const Fsd__Envelope *env)
{
    s_entry *r = &self->reports[idx];
    if (env->body_case == FSD__ENVELOPE__BODY_ACK) {
        /* the server applied reports only up to upto: a gap, re-send after it */
        log_write(LOG_DEBUG, "report_gap", "tech=%s seq=%llu server_upto=%llu", self->tech,
                  (unsigned long long)r->seq, (unsigned long long)env->ack->upto);
        s_on_gap(self, r, env->ack->upto);
        return;
    }
    if (env->body_case != FSD__ENVELOPE__BODY_JOB_VIEW && env->body_case != FSD__ENVELOPE__BODY_ERROR)
        return;
    if (env->body_case == FSD__ENVELOPE__BODY_ERROR && env->error->code == FSD__ERROR_CODE__ERR_FORBIDDEN
        && strcmp(env->error->field, "key") == 0) {
        /* the key is refused (replaced or revoked), not the report: it was
           not judged, so it stays pending for when this device has a key
           again; the technician's command is told why */
        log_write(LOG_ERROR, "key_refused", "tech=%s seq=%llu message=\"%s\"", self->tech,
                  (unsigned long long)r->seq, env->error->message);
        if (self->fn)
            self->fn(self, FSD_SESSION_ANSWER, env, self->arg);
        return;
    }
    uint64_t seq = r->seq;
    int rc = fsd_outbox_answer(self->outbox, self->tech, r->msg_id, env, self->technician_id);
    if (rc < 0) {
        log_write(LOG_WARN, "store_failed", "tech=%s seq=%llu error=\"%s\"", self->tech,
                  (unsigned long long)seq, fsd_outbox_error(self->outbox));
        return; /* kept: the answer comes again on the next re-send */
    }
    if (env->body_case == FSD__ENVELOPE__BODY_JOB_VIEW) {
        log_write(LOG_INFO, "report_done", "tech=%s seq=%llu job=%s state=%s", self->tech,
                  (unsigned long long)seq, env->job_view->job_id,
                  wire_enum_name(&fsd__job_state__descriptor, env->job_view->state));
    } else {
        log_write(env->error->code == FSD__ERROR_CODE__ERR_UNAVAILABLE ? LOG_INFO : LOG_WARN,
                  env->error->code == FSD__ERROR_CODE__ERR_UNAVAILABLE ? "report_retry" : "report_conflict",
                  "tech=%s seq=%llu code=%s message=\"%s\"", self->tech, (unsigned long long)seq,
                  wire_enum_name(&fsd__error_code__descriptor, env->error->code), env->error->message);
    }
    bool unavailable =
        env->body_case == FSD__ENVELOPE__BODY_ERROR && env->error->code == FSD__ERROR_CODE__ERR_UNAVAILABLE;
    if (rc == 1 || !unavailable) /* resolved, or already gone from the disk */
        s_mirror_remove(self, (size_t)idx);
    if (self->fn)
        self->fn(self, FSD_SESSION_ANSWER, env, self->arg);
}

/* Superseded: another connection with this key took the session over.
   It arrives only on a connection the server still counts as this
   session's previous one, so on the live socket: a reconnect of this
   device closed the old socket first and never reads what is sent to it.
   The daemon does not fight back: it closes the connection and stays
   disconnected until fsd_session_resume (`fsd-agent reconnect`) or a
   restart, and tells the owner. */
static void s_on_superseded(fsd_session_t *self, const Fsd__Envelope *env)
{
    self->superseded_at = env->superseded->at ? env->superseded->at : wire_now_ms();
    snprintf(self->superseded_text, sizeof self->superseded_text, "%s", env->superseded->message);
    log_write(LOG_WARN, "superseded",
              "tech=%s at=%lld message=\"%s\" action=\"not reconnecting: "
              "tell your dispatcher, then fsd-agent reconnect\"",
              self->tech, (long long)self->superseded_at, self->superseded_text);
    handshake_destroy(&self->hs);
    if (self->sock)
        zmq_close(self->sock);
    self->sock = NULL;
    self->open = false;
    self->halted = true;
    if (self->fn)
        self->fn(self, FSD_SESSION_SUPERSEDED, env, self->arg);
}

/* Handles one envelope from the server; true when an Ack is due. */
static bool s_on_envelope(fsd_session_t *self, const Fsd__Envelope *env)
{
    if (env->body_case == FSD__ENVELOPE__BODY_SUPERSEDED) {
        s_on_superseded(self, env);
        return false;
    }
    if (env->body_case == FSD__ENVELOPE__BODY_WELCOME) {
        s_on_welcome(self, env);
        return false;
    }
    if (env->body_case == FSD__ENVELOPE__BODY_JOB_SNAPSHOT) {
        s_on_snapshot(self, env);
        return false;
    }
    if (env->seq > 0
        && (env->body_case == FSD__ENVELOPE__BODY_OFFER || env->body_case == FSD__ENVELOPE__BODY_ASSIGNED
            || env->body_case == FSD__ENVELOPE__BODY_REVOKED))
        return s_on_sequenced(self, env);
    if (env->reply_to[0]) {
        long idx = s_find(self, env->reply_to);
        if (idx >= 0) {
            s_on_answer(self, idx, env);
            return false;
        }
    }
    if (env->body_case == FSD__ENVELOPE__BODY_ERROR && env->error->code == FSD__ERROR_CODE__ERR_FORBIDDEN
        && strcmp(env->error->field, "key") == 0) {
        log_write(LOG_ERROR, "key_refused", "tech=%s message=\"%s\"", self->tech, env->error->message);
    } else if (env->body_case == FSD__ENVELOPE__BODY_ERROR) {
        log_write(LOG_WARN, "server_error", "tech=%s code=%s message=\"%s\"", self->tech,
                  wire_enum_name(&fsd__error_code__descriptor, env->error->code), env->error->message);
    } else if (env->body_case != FSD__ENVELOPE__BODY_ACK) {
        log_write(LOG_DEBUG, "ignored", "tech=%s body=%d", self->tech, (int)env->body_case);
    }
    return false;
}

/* Reads and handles everything waiting on the DEALER. */
void fsd_session_handle(fsd_session_t *self)
{
    bool ack_due = false;
    for (int n = 0; self->sock && n < S_DRAIN_MAX; n++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, self->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        self->last_rx = fsd_session_now();
        self->last_contact = wire_now_ms();
        Fsd__ErrorCode code;
        const char *why;
        Fsd__Envelope *env = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
        zmq_msg_close(&msg);
        if (!env) {
            log_write(LOG_WARN, "bad_message", "tech=%s why=\"%s\"", self->tech, why);
            continue;
        }
        if (s_on_envelope(self, env))
            ack_due = true;
        if (!self->sock) { /* superseded: the socket is gone */
            fsd__envelope__free_unpacked(env, NULL);
            return;
        }
        fsd__envelope__free_unpacked(env, NULL);
    }
    if (ack_due)
        s_send_ack(self);
}

/* Says once, within a tick of it, why the connection cannot work (nothing
   listens, another server's key, our key refused), rather than a silent
   "no_welcome" after three beats. */
static void s_handshake_check(fsd_session_t *self)
{
    if (!self->hs)
        return;
    static const char *const events[] = {
        [HS_NO_SERVER] = "no_server",
        [HS_WRONG_SERVER] = "wrong_server_key",
        [HS_KEY_REFUSED] = "key_refused",
        [HS_TIMEOUT] = "timeout",
    };
    handshake_outcome o = handshake_poll(self->hs);
    if (o == HS_TIMEOUT)
        return;
    if (o != HS_OK && o != HS_NOT_WATCHED) {
        char advice[1024];
        handshake_advice(o, self->server, "the --server-key file", "of this device (agent.key)", 0, advice,
                         sizeof advice);
        log_write(LOG_ERROR, events[o], "tech=%s server=%s message=\"%s\"", self->tech, self->server, advice);
    }
    handshake_destroy(&self->hs);
}

/* Runs the timers that are due. */
void fsd_session_tick(fsd_session_t *self)
{
    int64_t now = fsd_session_now();
    if (!self->sock) {
        if (!self->halted && now >= self->reconnect_at)
            s_connect(self);
        return;
    }
    int64_t quiet_since = self->last_rx > self->opened_at ? self->last_rx : self->opened_at;
    if (now - quiet_since > 3 * (int64_t)self->beat_ms) {
        s_disconnect(self, self->open ? "no_heartbeat" : "no_welcome");
        return;
    }
    if (!self->open) {
        s_handshake_check(self);
        if (now >= self->next_hello)
            s_send_hello(self);
        return;
    }
    if (now >= self->next_beat)
        s_send_beat(self);
    if (now >= self->next_position)
        s_send_position(self);
    s_send_reports(self, now - S_RESEND_MS, 0);
}

/* When the next timer falls due. */
int64_t fsd_session_deadline(fsd_session_t *self)
{
    if (!self->sock)
        return self->halted ? fsd_session_now() + 60000 : self->reconnect_at;
    int64_t quiet_since = self->last_rx > self->opened_at ? self->last_rx : self->opened_at;
    int64_t due = quiet_since + 3 * (int64_t)self->beat_ms + 1;
    if (!self->open)
        return self->next_hello < due ? self->next_hello : due;
    if (self->next_beat < due)
        due = self->next_beat;
    if (self->has_position && self->next_position < due)
        due = self->next_position;
    for (size_t i = 0; i < self->n_reports; i++) {
        int64_t t = self->reports[i].last_sent ? self->reports[i].last_sent + S_RESEND_MS
                                               : fsd_session_now() + S_RETRY_SOON_MS;
        if (t < due)
            due = t;
    }
    return due;
}

/* Makes a session. */
fsd_session_t *fsd_session_new(void *ctx, fsd_outbox_t *outbox, const fsd_keypair *key, const char *tech,
                               const char *server, const char *server_pub, fsd_session_fn *fn, void *arg)
{
    fsd_session_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->ctx = ctx;
    self->outbox = outbox;
    self->key = *key;
    snprintf(self->tech, sizeof self->tech, "%s", tech);
    snprintf(self->server, sizeof self->server, "%s", server);
    snprintf(self->server_pub, sizeof self->server_pub, "%s", server_pub);
    self->fn = fn;
    self->arg = arg;
    self->beat_ms = S_DEFAULT_BEAT_MS;
    self->reconnect_backoff = S_RECONNECT_FIRST_MS;
    self->hello_backoff = S_HELLO_FIRST_MS;

    fsd_outbox_state st;
    if (fsd_outbox_state_get(outbox, tech, &st) < 0 || fsd_outbox_each(outbox, tech, s_load_one, self) < 0)
        goto fail;
    self->applied = st.applied;
    self->generation = st.generation;
    self->snapshot_due = st.snapshot_due != 0;
    self->resync_restored = st.snapshot_due == 2;
    snprintf(self->technician_id, sizeof self->technician_id, "%s", st.technician_id);
    snprintf(self->name, sizeof self->name, "%s", st.name);
    self->has_position = st.has_position;
    self->lat = st.lat;
    self->lon = st.lon;
    if (fsd_outbox_device_id(outbox, tech, self->device_id, sizeof self->device_id) < 0)
        goto fail;
    s_connect(self);
    if (!self->sock)
        goto fail;
    return self;
fail:
    fsd_session_destroy(&self);
    return NULL;
}

/* Frees the session. */
void fsd_session_destroy(fsd_session_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fsd_session_t *self = *self_p;
    handshake_destroy(&self->hs);
    if (self->sock)
        zmq_close(self->sock);
    for (size_t i = 0; i < self->n_reports; i++)
        free(self->reports[i].data);
    free(self->reports);
    free(self);
    *self_p = NULL;
}

/* Stores a report (body already set in env), mirrors it and sends it
   when nothing older is waiting to go out. */
static int s_report(fsd_session_t *self, Fsd__Envelope *env, const char *job_id, const char *what,
                    const char *note, int64_t at, uint64_t *seq, char *msg_id)
{
    char id[33];
    wire_msg_id(id);
    env->msg_id = id;
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
    if (fsd_outbox_put(self->outbox, self->tech, env, job_id, what, note, at) < 0) {
        log_write(LOG_WARN, "store_failed", "tech=%s job=%s what=\"%s\" error=\"%s\"", self->tech, job_id,
                  what, fsd_outbox_error(self->outbox));
        return -1;
    }
    size_t len;
    uint8_t *buf = wire_encode(env, &len);
    if (!buf || s_mirror_add(self, env->seq, id, buf, len) < 0) {
        /* stored but not mirrored: it goes out after the next restart */
        free(buf);
        log_write(LOG_WARN, "out_of_memory", "tech=%s seq=%llu", self->tech, (unsigned long long)env->seq);
    } else {
        free(buf);
    }
    log_write(LOG_INFO, "report_stored", "tech=%s seq=%llu job=%s what=\"%s\"", self->tech,
              (unsigned long long)env->seq, job_id, what);
    if (seq)
        *seq = env->seq;
    if (msg_id)
        snprintf(msg_id, 33, "%s", id);
    s_send_reports(self, fsd_session_now() - S_RESEND_MS, 0);
    return 0;
}

/* Stores and sends an OfferReply. */
int fsd_session_offer_reply(fsd_session_t *self, const char *job_id, bool accept, Fsd__DeclineReason reason,
                            const char *note, uint64_t *seq, char *msg_id)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__OfferReply reply = FSD__OFFER_REPLY__INIT;
    reply.job_id = (char *)job_id;
    reply.accept = accept;
    reply.reason = accept ? FSD__DECLINE_REASON__DECLINE_UNSPECIFIED : reason;
    reply.note = (char *)(note ? note : "");
    env.body_case = FSD__ENVELOPE__BODY_OFFER_REPLY;
    env.offer_reply = &reply;
    char what[64];
    if (accept)
        snprintf(what, sizeof what, "accept");
    else
        snprintf(what, sizeof what, "decline %s", wire_enum_name(&fsd__decline_reason__descriptor, reason));
    return s_report(self, &env, job_id, what, note, wire_now_ms(), seq, msg_id);
}

/* Stores and sends a JobUpdate. */
int fsd_session_job_update(fsd_session_t *self, const char *job_id, Fsd__JobState state, const char *note,
                           uint64_t *seq, char *msg_id)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__JobUpdate up = FSD__JOB_UPDATE__INIT;
    up.job_id = (char *)job_id;
    up.state = state;
    up.note = (char *)(note ? note : "");
    up.at = wire_now_ms();
    env.body_case = FSD__ENVELOPE__BODY_JOB_UPDATE;
    env.job_update = &up;
    return s_report(self, &env, job_id, wire_enum_name(&fsd__job_state__descriptor, state), note, up.at, seq,
                    msg_id);
}

/* Stores and sends a WaiveFee. */
int fsd_session_waive(fsd_session_t *self, const char *job_id, int64_t amount_cents, const char *reason,
                      uint64_t *seq, char *msg_id)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__WaiveFee w = FSD__WAIVE_FEE__INIT;
    w.job_id = (char *)job_id;
    w.amount_cents = amount_cents;
    w.reason = (char *)(reason ? reason : "");
    w.at = wire_now_ms();
    env.body_case = FSD__ENVELOPE__BODY_WAIVE_FEE;
    env.waive_fee = &w;
    char what[64];
    snprintf(what, sizeof what, "waive %lld.%02lld", (long long)(amount_cents / 100),
             (long long)(amount_cents % 100));
    return s_report(self, &env, job_id, what, reason, w.at, seq, msg_id);
}

/* Records the position and sends it when open. */
void fsd_session_set_position(fsd_session_t *self, double lat, double lon)
{
    bool changed = !self->has_position || self->lat != lat || self->lon != lon;
    self->has_position = true;
    self->lat = lat;
    self->lon = lon;
    if (changed && fsd_outbox_set_position(self->outbox, self->tech, lat, lon) < 0)
        log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", self->tech,
                  fsd_outbox_error(self->outbox));
    if (changed && self->open)
        s_send_position(self);
}

/* The DEALER to poll. */
void *fsd_session_socket(fsd_session_t *self)
{
    return self->sock;
}

/* True once Welcome arrived on this link. */
bool fsd_session_is_open(fsd_session_t *self)
{
    return self->open;
}

int64_t fsd_session_superseded(fsd_session_t *self, const char **text)
{
    if (text)
        *text = self->superseded_text;
    return self->halted ? self->superseded_at : 0;
}

void fsd_session_watch(fsd_session_t *self)
{
    self->watch = true;
    if (self->sock && !self->open && !self->hs)
        self->hs = handshake_watch(self->ctx, self->sock);
}

bool fsd_session_resume(fsd_session_t *self)
{
    if (!self->halted)
        return false;
    self->halted = false;
    self->superseded_at = 0;
    self->superseded_text[0] = 0;
    self->reconnect_backoff = S_RECONNECT_FIRST_MS;
    log_write(LOG_INFO, "reconnect", "tech=%s why=asked", self->tech);
    s_connect(self);
    return true;
}

/* Wall-clock ms of the last message from the server. */
int64_t fsd_session_last_contact(fsd_session_t *self)
{
    return self->last_contact;
}

/* The outbox label. */
const char *fsd_session_tech(fsd_session_t *self)
{
    return self->tech;
}

/* The technician id the server announced. */
const char *fsd_session_technician_id(fsd_session_t *self)
{
    return self->technician_id;
}

/* Reports stored and not answered. */
size_t fsd_session_pending(fsd_session_t *self)
{
    return self->n_reports;
}
