/*  session.c — one technician's session: sequencing both ways.

    Server → agent: every Offer, Assigned and Revoked gets the next sequence
    number for that technician and is written to the outbox table in the
    batch's transaction; it is sent after the commit when the agent is
    reachable and the window allows (at most SEND_WINDOW unacknowledged),
    and removed when the agent acknowledges it (Ack, Heartbeat or Hello).
    On Hello everything after the agent's last applied sequence is re-sent.

    Agent → server: reports (OfferReply, JobUpdate) carry the agent's own
    sequence. Only the next one in order is applied; an older one is a
    duplicate (answered from the dedup table by the loop); a newer one means
    one was lost, and the answer Ack{upto = last applied} tells the agent
    where to resume. The applied sequence is stored in the same transaction
    as the report's effect. */
#include "session.h"

#include "jobs.h"
#include "keyring.h"
#include "server.h"
#include "verbs.h"
#include "watch.h"
#include "windows.h"
#include "world.h"
#include "jobview.h"

#include <stdio.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/wire.h"

#define SEND_WINDOW 64

/* Notes that t's sequence numbers must reach its sessions row in this
   batch's transaction. Aborts when memory is out, like the arena. */
static void s_session_dirty(server *srv, technician *t)
{
    if (t->session_dirty)
        return;
    if (srv->n_dirty_sessions == srv->cap_dirty_sessions) {
        size_t cap = srv->cap_dirty_sessions ? 2 * srv->cap_dirty_sessions : 64;
        srv->dirty_sessions = fsd_xrealloc(srv->dirty_sessions, cap * sizeof *srv->dirty_sessions);
        srv->cap_dirty_sessions = cap;
    }
    t->session_dirty = true;
    srv->dirty_sessions[srv->n_dirty_sessions++] = t;
}

int session_flush(server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < srv->n_dirty_sessions; i++) {
        technician *t = srv->dirty_sessions[i];
        t->session_dirty = false;
        if (rc == 0 && store_session_put(srv->store, t->row->id, t->out_seq, t->in_seq) < 0)
            rc = -1;
    }
    srv->n_dirty_sessions = 0;
    return rc;
}

void session_forget(server *srv)
{
    for (size_t i = 0; i < srv->n_dirty_sessions; i++)
        srv->dirty_sessions[i]->session_dirty = false;
    srv->n_dirty_sessions = 0;
}

int session_push(server *srv, technician *t, Fsd__Envelope *env)
{
    assert(srv && t && env);
    assert(t->out_acked <= t->out_sent && t->out_sent <= t->out_seq);
    env->seq = ++t->out_seq;
    size_t len;
    uint8_t *buf = wire_encode(env, &len);
    if (!buf)
        return -1;
    int rc = 0;
    s_session_dirty(srv, t);
    if (store_outbox_put(srv->store, t->row->id, env->seq, buf, len) < 0)
        rc = -1;
    else if (t->online && t->rid_len && env->seq == t->out_sent + 1
             && env->seq <= t->out_acked + SEND_WINDOW) {
        reply_queue(srv, t, env->seq, t->rid, t->rid_len, buf, len);
        t->out_sent = env->seq;
    }
    free(buf);
    return rc;
}

typedef struct {
    server *srv;
    technician *t;
} resend_ctx;

/* Queues one stored message (store_outbox_each callback). */
static void s_queue_stored(void *arg, uint64_t seq, const uint8_t *env, size_t len)
{
    resend_ctx *rc = arg;
    reply_queue(rc->srv, rc->t, seq, rc->t->rid, rc->t->rid_len, env, len);
    rc->t->out_sent = seq;
}

void session_resend(server *srv, technician *t, uint64_t after)
{
    assert(srv && t && after <= t->out_seq);
    if (!t->online || !t->rid_len)
        return;
    uint64_t limit = t->out_acked + SEND_WINDOW;
    if (after >= limit)
        return;
    resend_ctx ctx = { srv, t };
    t->out_sent = after;
    store_outbox_each(srv->store, t->row->id, after, (unsigned)(limit - after), s_queue_stored, &ctx);
}

/* Records that the agent applied everything up to upto; sends nothing. */
static int s_acked(server *srv, technician *t, uint64_t upto)
{
    if (upto > t->out_seq)
        upto = t->out_seq; /* an agent cannot have applied what was never sent */
    if (upto <= t->out_acked)
        return 0;
    t->out_acked = upto;
    if (t->out_sent < upto)
        t->out_sent = upto;
    return store_outbox_ack(srv->store, t->row->id, upto);
}

int session_ack(server *srv, technician *t, uint64_t upto)
{
    assert(srv && t);
    if (s_acked(srv, t, upto) < 0)
        return -1;
    /* Also when nothing new was acknowledged: after the agent's DEALER
       reconnected by itself (a new routing id, session_seen) what was
       sent on the old connection may be lost, and no Hello comes to ask
       for it again; its next Ack or Heartbeat does. */
    if (t->out_sent < t->out_seq)
        session_resend(srv, t, t->out_sent);
    return 0;
}

int session_seen(server *srv, technician *t, const uint8_t *rid, size_t rid_len, int64_t now)
{
    assert(srv && t && rid);
    t->just_moved = false;
    if (rid_len > sizeof t->rid)
        return 0;
    if (t->gone_rid_len && rid_len == t->gone_rid_len && memcmp(rid, t->gone_rid, rid_len) == 0)
        return 1; /* superseded: it does not take the routing back */
    bool moved = rid_len != t->rid_len || memcmp(rid, t->rid, rid_len) != 0;
    if (moved) {
        memcpy(t->prev_rid, t->rid, t->rid_len);
        t->prev_rid_len = t->rid_len;
        t->prev_seen = t->last_seen;
        t->just_moved = true;
        memcpy(t->rid, rid, rid_len);
        t->rid_len = rid_len;
        t->out_sent = t->out_acked; /* a new connection has seen nothing yet */
    }
    t->last_seen = now;
    if (!t->online) {
        t->online = true;
        world_tech_weigh(srv, t);
        srv->queue_dirty = true;
        log_info("online", "tech=%s", t->row->id);
    }
    return 0;
}

typedef struct {
    server *srv;
    technician *t;
    int64_t now;
    int rc;
} superseded_ctx;

/* Records the takeover on one job the technician holds or is offered. */
static void s_superseded_job(const char *id, void *value, void *arg)
{
    superseded_ctx *x = arg;
    job *j = value;
    if (x->rc < 0 || j->tech != x->t)
        return;
    if (store_event_append(x->srv->store, j->id, x->now, "system", j->state, j->state, x->t->row->id,
                           "session superseded by another connection")
        < 0)
        x->rc = -1;
}

/* Another connection took t's live session: the old one is told (an
   unsequenced Superseded to its routing id, dropped when it is gone), its
   later messages are refused, and the event is logged and recorded on
   every job t holds or is offered and in the key audit trail (board). */
static int s_superseded(call *c, technician *t, const char *device_id, int64_t now)
{
    server *srv = c->srv;
    char text[300];
    char when[32];
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    snprintf(text, sizeof text,
             "another connection with technician %s's key took over this session at %s: this device gets "
             "nothing more from the server; tell your dispatcher",
             t->row->id, when);
    Fsd__Envelope env;
    char id[33];
    wire_envelope_init(&env, id);
    Fsd__Superseded sup = FSD__SUPERSEDED__INIT;
    sup.at = now;
    sup.message = text;
    env.body_case = FSD__ENVELOPE__BODY_SUPERSEDED;
    env.superseded = &sup;
    size_t len;
    uint8_t *buf = wire_encode(&env, &len);
    if (buf)
        reply_queue(srv, NULL, 0, t->prev_rid, t->prev_rid_len, buf, len);
    free(buf);
    memcpy(t->gone_rid, t->prev_rid, t->prev_rid_len);
    t->gone_rid_len = t->prev_rid_len;
    log_warn("session_superseded", "technician=%s key=%s old_device=%s new_device=%s last_heard_ms_ago=%lld",
             t->row->id, c->who->name, t->device_id[0] ? log_quote(1, t->device_id) : "-",
             device_id[0] ? log_quote(2, device_id) : "-", (long long)(now - t->prev_seen));
    superseded_ctx x = { srv, t, now, 0 };
    strmap_each(srv->jobs, s_superseded_job, &x);
    if (x.rc < 0
        || store_key_event(srv->store, now, "session_superseded", t->row->id, c->who->pub, "system") < 0)
        return -1;
    return 0;
}

int session_hello(call *c)
{
    assert(c && c->req && c->req->hello && c->tech);
    technician *t = c->tech;
    const Fsd__Hello *h = c->req->hello;
    int64_t now = wire_now_ms();
    const char *device_id = strlen(h->device_id) < sizeof t->device_id ? h->device_id : "";
    int64_t window = (int64_t)c->srv->cfg.heartbeat_ms * c->srv->cfg.offline_after;
    if (keyring_takeover(t, device_id, now, window) && s_superseded(c, t, device_id, now) < 0)
        return -1;
    snprintf(t->device_id, sizeof t->device_id, "%s", device_id);
    /* An agent that last saw another database (its generation), or that
       applied more of our messages than we ever numbered, talks to a
       database restored from a backup: our numbering went back, so its
       counters cannot be matched with ours. It re-synchronises instead:
       everything numbered so far counts as delivered, and a snapshot of
       what it holds follows the Welcome (session_snapshot). So does an
       agent with a new, empty store that asks for one. */
    bool other_db = h->generation && h->generation != c->srv->generation;
    bool ahead = h->last_seq_applied > t->out_seq;
    bool resync = other_db || ahead || h->snapshot;
    if (resync) {
        log_write(other_db || ahead ? LOG_WARN : LOG_INFO, "resync",
                  "tech=%s generation=%016llx agent_generation=%016llx agent_applied=%llu out_seq=%llu"
                  " in_seq=%llu why=%s",
                  t->row->id, (unsigned long long)c->srv->generation, (unsigned long long)h->generation,
                  (unsigned long long)h->last_seq_applied, (unsigned long long)t->out_seq,
                  (unsigned long long)t->in_seq,
                  other_db ? "generation_changed"
                  : ahead  ? "agent_ahead"
                           : "snapshot_asked");
        if (s_acked(c->srv, t, t->out_seq) < 0)
            return -1;
        t->out_sent = t->out_seq;
        t->resync_due = true;
    } else {
        /* acknowledge first, then (after the reply) re-send the rest */
        t->out_sent = t->out_acked;
        if (s_acked(c->srv, t, h->last_seq_applied) < 0)
            return -1;
        t->out_sent = h->last_seq_applied < t->out_seq ? h->last_seq_applied : t->out_seq;
        if (t->out_acked > t->out_sent)
            t->out_sent = t->out_acked;
    }
    Fsd__Welcome *w = arena_alloc(c->a, sizeof *w);
    fsd__welcome__init(w);
    w->generation = c->srv->generation;
    w->last_seq_sent = t->out_seq;
    w->resync = resync;
    w->server_time = wire_now_ms();
    w->heartbeat_ms = (uint32_t)c->srv->cfg.heartbeat_ms;
    w->last_report_seq = t->in_seq;
    w->resending = (uint32_t)(t->out_seq - t->out_sent);
    w->technician_id = t->row->id;
    w->name = t->row->name;
    c->reply->body_case = FSD__ENVELOPE__BODY_WELCOME;
    c->reply->welcome = w;
    log_info("hello", "tech=%s last_applied=%llu resending=%u", t->row->id,
             (unsigned long long)h->last_seq_applied, w->resending);
    return 0;
}

typedef struct {
    server *srv;
    technician *t;
    Fsd__JobView **views;
    double *km; /* distance_km, parallel to views */
    size_t n, cap;
    int rc;
} snapshot_ctx;

/* Adds open job j to the snapshot when t holds it or has it offered
   (strmap_each callback). */
static void s_snapshot_one(const char *id, void *value, void *arg)
{
    snapshot_ctx *sc = arg;
    const job *j = value;
    if (sc->rc < 0 || j->tech != sc->t || j->state < JS_OFFERED || j->state > JS_ON_HOLD)
        return;
    Fsd__JobView *v;
    if (jobview_open(sc->srv, sc->srv->arena, j, &v) < 0) {
        sc->rc = -1;
        return;
    }
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? 2 * sc->cap : 16;
        Fsd__JobView **grown = arena_alloc(sc->srv->arena, cap * sizeof *grown);
        double *km = arena_alloc(sc->srv->arena, cap * sizeof *km);
        if (sc->n) {
            memcpy(grown, sc->views, sc->n * sizeof *grown);
            memcpy(km, sc->km, sc->n * sizeof *km);
        }
        sc->views = grown;
        sc->km = km;
        sc->cap = cap;
    }
    geo_point p = sc->t->pos;
    sc->km[sc->n] = geo_valid(p) && (p.lat != 0 || p.lon != 0) ? geo_distance_km(p, j->at) : 0;
    sc->views[sc->n++] = v;
}

int session_snapshot(server *srv, technician *t, const uint8_t *rid, size_t rid_len)
{
    assert(srv && t && rid);
    snapshot_ctx sc = { .srv = srv, .t = t };
    strmap_each(srv->jobs, s_snapshot_one, &sc);
    if (sc.rc < 0)
        return -1;
    Fsd__JobSnapshot snap = FSD__JOB_SNAPSHOT__INIT;
    snap.generation = srv->generation;
    snap.jobs = sc.views;
    snap.n_jobs = sc.n;
    snap.distance_km = sc.km;
    snap.n_distance_km = sc.n;
    Fsd__Envelope env;
    char id[33];
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_JOB_SNAPSHOT;
    env.job_snapshot = &snap;
    size_t len;
    uint8_t *buf = wire_encode(&env, &len);
    if (!buf)
        return -1;
    reply_queue(srv, NULL, 0, rid, rid_len, buf, len);
    free(buf);
    log_info("resync_snapshot", "tech=%s generation=%016llx jobs=%zu out_seq=%llu", t->row->id,
             (unsigned long long)srv->generation, sc.n, (unsigned long long)t->out_seq);
    return 0;
}

/* Moves t to the position it reported (0,0 is no position). */
static void s_position(server *srv, technician *t, const Fsd__Position *p)
{
    assert(srv && t && p);
    geo_point at = { p->lat, p->lon };
    if (!geo_valid(at) || (p->lat == 0 && p->lon == 0))
        return;
    t->pos = at;
    t->pos_at = p->at ? p->at : wire_now_ms();
    geo_grid_put(srv->grid, t->index, at);
    watch_tech(srv, t);
}

/* Answers the report with the job's current view. */
static int s_reply_view(call *c, const char *job_id)
{
    Fsd__JobView *v;
    int rc = jobview_get(c->srv, c->a, job_id, false, &v);
    if (rc < 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_JOB_VIEW;
    c->reply->job_view = v;
    return 0;
}

/* Keeps a report that could no longer apply on the job's history (state
   unchanged), so the dispatcher sees the technician's work in `track`. Only
   for a technician the job once was offered to or held by: anyone else's
   attempt is a rejection that leaves the job untouched. */
static int s_note_conflict(call *c, technician *t, const char *job_id, int state, const char *what,
                           const char *why)
{
    int had = store_job_had_technician(c->srv->store, job_id, t->row->id);
    if (had <= 0)
        return had;
    char reason[256];
    snprintf(reason, sizeof reason, "conflict: %s from %s not applied (%s)", what, t->row->id, why);
    return store_event_append(c->srv->store, job_id, wire_now_ms(), c->who->name, state, state, t->row->id,
                              reason);
}

/* The job a report names when it is this technician's (*out set, 0); else
   an error reply (1): unknown, or moved on, which is also noted on the job.
   -1 on storage failure. */
static int s_own_job(call *c, technician *t, const char *job_id, bool offer, const char *what, job **out)
{
    *out = world_job(c->srv, job_id);
    if (*out && (*out)->tech == t)
        return 0;
    int state;
    char why[96];
    if (*out) {
        state = (*out)->state;
        snprintf(why, sizeof why, "it is %s%s", job_state_name((*out)->state),
                 (*out)->tech ? " with another technician" : " and waiting for a technician");
        call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "job_id", "job %s is no longer %s you: %s", job_id,
                   offer ? "offered to" : "assigned to", why);
    } else {
        Fsd__JobView *v;
        int rc = jobview_get(c->srv, c->a, job_id, false, &v);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id", "no job %s", job_id);
            return 1;
        }
        state = v->state;
        snprintf(why, sizeof why, "it is already %s", job_state_name((job_state)state));
        call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "job_id", "job %s: %s", job_id, why);
    }
    *out = NULL;
    return s_note_conflict(c, t, job_id, state, what, why) < 0 ? -1 : 1;
}

/* Accept or decline of an offer. */
int session_offer_reply(call *c)
{
    technician *t = c->tech;
    const Fsd__OfferReply *r = c->req->offer_reply;
    if ((int)r->reason < 0 || (int)r->reason >= (int)DR_COUNT_) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "reason",
                   "reason %d is not a decline reason (too_far, no_parts, not_my_skill, off_shift, other)",
                   (int)r->reason);
        return 0;
    }
    job *j;
    int own = s_own_job(c, t, r->job_id, true, r->accept ? "accept" : "decline", &j);
    if (own != 0)
        return own < 0 ? -1 : 0;
    if (j->state != JS_OFFERED) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "job %s is %s, not an open offer",
                   j->id, job_state_name(j->state));
        return 0;
    }
    const char *why;
    if (r->accept) {
        int rc = job_move(c->srv, j, JS_ASSIGNED, c->who, t, r->note[0] ? r->note : "accepted", &why);
        if (rc < 0 || (rc == 0 && windows_booked(c->srv, j, c->who) < 0))
            return -1;
        c->srv->counters[C_ACCEPTS]++;
        return s_reply_view(c, j->id);
    }
    if ((int)r->reason <= 0 || (int)r->reason >= (int)DR_COUNT_) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "reason",
                   "a decline needs a reason: too_far, no_parts, not_my_skill, off_shift or other");
        return 0;
    }
    char reason[160];
    snprintf(reason, sizeof reason, "declined: %s%s%s", decline_reason_name((decline_reason)r->reason),
             r->note[0] ? ": " : "", r->note);
    if (store_decline_put(c->srv->store, j->id, t->row->id, r->reason, false, wire_now_ms()) < 0)
        return -1;
    int rc = job_move(c->srv, j, JS_NEW, c->who, NULL, reason, &why);
    if (rc < 0)
        return -1;
    j->declined = fsd_xrealloc(j->declined, (j->n_declined + 1) * sizeof(int));
    j->declined[j->n_declined++] = t->index;
    c->srv->counters[C_DECLINES]++;
    return s_reply_view(c, j->id);
}

/* en_route / on_site / on_hold / completed from the technician. */
int session_job_update(call *c)
{
    technician *t = c->tech;
    const Fsd__JobUpdate *u = c->req->job_update;
    job_state to = (job_state)u->state;
    if (to != JS_EN_ROUTE && to != JS_ON_SITE && to != JS_ON_HOLD && to != JS_COMPLETED) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "state",
                   "a technician reports en_route, on_site, on_hold or completed");
        return 0;
    }
    char what[48];
    snprintf(what, sizeof what, "report %s", job_state_name(to));
    job *j;
    int own = s_own_job(c, t, u->job_id, false, what, &j);
    if (own != 0)
        return own < 0 ? -1 : 0;
    const char *why;
    int rc = job_move(c->srv, j, to, c->who, NULL, u->note, &why);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "state", "%s", why);
        return 0;
    }
    return s_reply_view(c, j->id);
}

int session_sequence(call *c)
{
    assert(c && c->req && c->tech);
    technician *t = c->tech;
    uint64_t seq = c->req->seq;
    if (seq == 0 || seq > t->in_seq + 1) {
        /* out of order: say where we are so the agent resends from there */
        Fsd__Ack *ack = arena_alloc(c->a, sizeof *ack);
        fsd__ack__init(ack);
        ack->upto = t->in_seq;
        c->reply->body_case = FSD__ENVELOPE__BODY_ACK;
        c->reply->ack = ack;
        return VERB_NOT_APPLIED;
    }
    if (seq <= t->in_seq) {
        call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "seq",
                   "report %llu was already applied (last applied is %llu)", (unsigned long long)seq,
                   (unsigned long long)t->in_seq);
        return VERB_NOT_APPLIED;
    }
    t->in_seq = seq;
    s_session_dirty(c->srv, t);
    return VERB_ANSWERED;
}

/* Heartbeat: acknowledges what the agent applied; answered with the last
   report applied. */
int session_heartbeat(call *c)
{
    technician *t = c->tech;
    if (session_ack(c->srv, t, c->req->heartbeat->last_seq_applied) < 0)
        return VERB_FAILED;
    Fsd__Ack *ack = arena_alloc(c->a, sizeof *ack);
    fsd__ack__init(ack);
    ack->upto = t->in_seq;
    c->reply->body_case = FSD__ENVELOPE__BODY_ACK;
    c->reply->ack = ack;
    return VERB_ANSWERED;
}

/* Ack: the agent applied our messages up to a sequence; not answered. */
int session_acknowledge(call *c)
{
    return session_ack(c->srv, c->tech, c->req->ack->upto) < 0 ? VERB_FAILED : VERB_NO_ANSWER;
}

/* Position: kept in memory for matching; only an invalid one is answered. */
int session_position(call *c)
{
    const Fsd__Position *p = c->req->position;
    if (!geo_valid((geo_point){ p->lat, p->lon })) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "lat",
                   "position %g,%g is not a valid latitude,longitude", p->lat, p->lon);
        return VERB_NOT_APPLIED;
    }
    s_position(c->srv, c->tech, p);
    return VERB_NO_ANSWER;
}

/* After the Welcome is queued: the snapshot of a resync, then what the
   agent has not applied. */
int session_hello_sent(call *c)
{
    technician *t = c->tech;
    if (t->resync_due) {
        t->resync_due = false;
        if (session_snapshot(c->srv, t, c->rid, c->rid_len) < 0)
            return VERB_FAILED;
    }
    session_resend(c->srv, t, t->out_sent);
    return VERB_ANSWERED;
}
