/*  loop.c — the one loop: ZAP, ROUTER, batches, group commit, sending.

    Each turn: answer pending ZAP handshakes; drain up to batch_max messages
    from the ROUTER; run them, the timers and the waiting queue inside one
    transaction; commit once; only then send the replies and the offers
    the batch produced. If the commit fails nothing is sent but an
    "unavailable, retry" error per message, and memory is rebuilt from the
    database. Decoding, rights and validation failures are answered and
    counted, never fatal: the server does not exit on input. What each
    message is, who may send it and what it needs is read from its row in
    the verb table (verbs.c); the way back is reply.c.

    Identity comes from the CURVE key (ZAP User-Id), never from a field;
    an agent is reached at the latest routing id seen from its key. */
#include "loop.h"
#include "invariants.h"

#include "backup.h"
#include "dispatch.h"
#include "keyring.h"
#include "metrics.h"
#include "notify_send.h"
#include "privacy.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "verbs.h"
#include "watch.h"
#include "world.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/wire.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define TICK_MS 100
/* A batch stops taking messages once it has run this long. */
#define BATCH_BUDGET_MS 250

/* ------------------------------------------------------------------ ZAP */

/* Answers one ZAP request: known key → 200 with the key as User-Id. */
static void s_zap_answer(server *srv)
{
    /* all frames of the request are read (the first 8 kept) before the
       answer: a frame left behind would be read as the next request */
    zmq_msg_t frames[8];
    int n = 0;
    bool more = true;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, srv->zap, 0) < 0) {
            zmq_msg_close(&part);
            if (errno == EINTR)
                continue;
            break;
        }
        more = zmq_msg_more(&part);
        if (n < 8) {
            zmq_msg_init(&frames[n]);
            zmq_msg_move(&frames[n++], &part);
        }
        zmq_msg_close(&part);
    }
    if (n == 0)
        return; /* nothing was asked */
    const char *status = "400", *text = "unknown key";
    char user[41] = "";
    if (n >= 7 && zmq_msg_size(&frames[5]) == 5 && memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0
        && zmq_msg_size(&frames[6]) == 32) {
        zmq_z85_encode(user, zmq_msg_data(&frames[6]), 32);
        /* a key revoked in a batch is refused before the map is re-read */
        if (strmap_get(srv->principals, user) && !keyring_revoked_name(srv->keyring, user)) {
            status = "200";
            text = "OK";
        } else if (keyring_revoked_name(srv->keyring, user)) {
            text = "revoked key";
        }
    }
    if (strcmp(status, "200") != 0) {
        srv->counters[C_ZAP_REFUSED]++;
        const char *revoked = user[0] ? keyring_revoked_name(srv->keyring, user) : NULL;
        log_warn("zap_refused", "key=%s revoked=%s", user[0] ? user : "-", revoked ? revoked : "-");
        user[0] = 0;
    }
    zmq_send(srv->zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(srv->zap, n > 1 ? zmq_msg_data(&frames[1]) : "", n > 1 ? zmq_msg_size(&frames[1]) : 0,
             ZMQ_SNDMORE);
    zmq_send(srv->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(srv->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(srv->zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(srv->zap, "", 0, 0);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frames[i]);
}

/* --------------------------------------------------------------- batch */

typedef struct {
    uint8_t rid[256];
    size_t rid_len;
    char msg_id[FSD_MSG_ID_MAX + 1];
} pending_reply;

static const char s_unavailable[] =
    "the server could not store this change (storage failure: disk full, I/O error or "
    "database locked); nothing was changed: retry later";

/* Refusals before the handler: queued as errors, never remembered. */

/* The sender's technician and live session, for an agent's verb: 0 go
   on, 1 refused (the error in c->reply). */
static int s_session_check(call *c, int64_t now)
{
    const principal *who = c->who;
    c->tech = world_tech(c->srv, who->technician_id);
    if (!c->tech) {
        call_error(c, FSD__ERROR_CODE__ERR_FORBIDDEN, "", "key %s names no known technician", who->name);
        return 1;
    }
    if (session_seen(c->srv, c->tech, c->rid, c->rid_len, now)) {
        call_error(c, FSD__ERROR_CODE__ERR_FORBIDDEN, "",
                   "this connection's session was taken over by another connection with the key %s",
                   who->name);
        return 1;
    }
    return 0;
}

/* Checks call c by its row v: a request, allowed to the sender's role,
   the sender's session, storage that can take a change. 0 go on, 1
   refused (the error in c->reply). */
static int s_check(call *c, const verb_row *v, int64_t now)
{
    if (!v) {
        c->srv->counters[C_UNKNOWN]++;
        call_error(c, FSD__ERROR_CODE__ERR_UNKNOWN_MESSAGE, "body",
                   "this message kind is not a request the server answers");
        return 1;
    }
    if (!verb_allows(v, c->who->role)) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(&fsd__envelope__descriptor, (unsigned)v->body);
        call_error(c, FSD__ERROR_CODE__ERR_FORBIDDEN, "", "%s (role %s) may not send %s", c->who->name,
                   role_name(c->who->role), f ? f->name : "this");
        return 1;
    }
    if ((v->flags & VERB_SESSION) && s_session_check(c, now))
        return 1;
    if ((v->flags & VERB_MUTATES) && c->srv->resting) {
        call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "", "%s", s_unavailable);
        return 1;
    }
    return 0;
}

/* A change asked again (same sender, same msg_id) is answered with the
   reply remembered the first time. 1 answered, 0 not a duplicate, -1
   storage failure. */
static int s_duplicate(call *c)
{
    uint8_t *old;
    size_t len;
    int rc = store_dedup_get(c->srv->store, c->a, c->who->name, c->req->msg_id, &old, &len);
    if (rc <= 0)
        return rc;
    c->srv->counters[C_DUPLICATE]++;
    reply_queue(c->srv, NULL, 0, c->rid, c->rid_len, old, len);
    return 1;
}

/* Runs one decoded, authenticated message by its row in the verb table:
   look up, check, call, answer. -1 only on storage failure. */
static int s_handle(server *srv, const principal *who, const uint8_t *rid, size_t rid_len, Fsd__Envelope *req,
                    int64_t now)
{
    Fsd__Envelope reply = FSD__ENVELOPE__INIT;
    reply.version = FSD_PROTOCOL_VERSION;
    reply.sent_at = now;
    call c = {
        .srv = srv, .who = who, .req = req, .reply = &reply, .a = srv->arena, .rid = rid, .rid_len = rid_len
    };
    const verb_row *v = verb_find(req->body_case);
    if (s_check(&c, v, now))
        return reply_finish(&c, rid, rid_len, false);
    bool mutates = v->flags & VERB_MUTATES;
    if (mutates) {
        int dup = s_duplicate(&c);
        if (dup != 0)
            return dup < 0 ? -1 : 0;
    }
    int rc = verb_call(v, &c);
    if (rc < 0)
        return -1;
    /* a verb the table says is always answered never goes without one */
    assert(rc != VERB_NO_ANSWER || v->answer != VERB_REPLY);
    if (rc == VERB_NO_ANSWER)
        return 0;
    int sent = reply_finish(&c, rid, rid_len, mutates && rc == VERB_ANSWERED);
    if (sent == 0 && v->after && v->after(&c) < 0)
        return -1;
    return sent;
}

/* The largest frame a role may send: reference-data loads are the
   administrator's; every other request is small. */
static size_t s_frame_max(const principal *who)
{
    return who->role == ROLE_ADMIN_ ? FSD_MAX_MSG : FSD_SMALL_MSG_MAX;
}

int loop_handle_frame(server *srv, const principal *who, const uint8_t *rid, size_t rid_len, const void *data,
                      size_t len, int64_t now, char *msg_id)
{
    assert(srv && who && (data || len == 0));
    /* the refusals below name the request when its msg_id can be read */
    char peeked[FSD_MSG_ID_MAX + 1];
    wire_peek_msg_id(data, len, peeked);
    if (msg_id)
        snprintf(msg_id, FSD_MSG_ID_MAX + 1, "%s", peeked);
    /* the size this sender may send is known from its key: checked before
       protobuf-c sees the bytes, and the decoding itself is held to a
       budget in proportion to the frame */
    size_t max = s_frame_max(who), budget = wire_decode_budget(len);
    Fsd__ErrorCode code;
    const char *why;
    Fsd__Envelope *req = wire_decode_within(data, len, max, budget, &code, &why);
    if (!req) {
        srv->counters[code == FSD__ERROR_CODE__ERR_BAD_VERSION ? C_BAD_VERSION
                      : code == FSD__ERROR_CODE__ERR_TOO_LARGE ? C_TOO_LARGE
                                                               : C_MALFORMED]++;
        char text[256];
        if (code == FSD__ERROR_CODE__ERR_TOO_LARGE && len > max)
            snprintf(text, sizeof text, "message of %zu bytes is over the %zu-byte limit for role %s", len,
                     max, role_name(who->role));
        else if (code == FSD__ERROR_CODE__ERR_TOO_LARGE)
            snprintf(text, sizeof text,
                     "decoding this %zu-byte message would take over %zu bytes of memory (the limit is "
                     "%d times its size plus %d KiB): send fewer, fuller entries",
                     len, budget, FSD_DECODE_FACTOR, FSD_DECODE_SLACK / 1024);
        else
            snprintf(text, sizeof text, "%s", why);
        reply_reject_frame(srv, who->name, rid, rid_len, code, peeked, "", text);
        return 0;
    }
    if (msg_id)
        snprintf(msg_id, FSD_MSG_ID_MAX + 1, "%s", req->msg_id);
    int rc = s_handle(srv, who, rid, rid_len, req, now);
    fsd__envelope__free_unpacked(req, NULL);
    return rc < 0 ? -1 : 0;
}

/* Receives the rest of a message after its first body frame and drops it.
   A ROUTER delivers a peer's message as consecutive frames with
   ZMQ_RCVMORE on all but the last: every one of them belongs to this
   message, so none may be left to be read as the start of the next (its
   first frame would be taken as a routing id the sender chose). The first
   frame that reads as an envelope with a msg_id names the refusal. */
static size_t s_drain(server *srv, char msg_id[FSD_MSG_ID_MAX + 1])
{
    size_t n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        if (zmq_msg_recv(&extra, srv->router, 0) < 0) {
            zmq_msg_close(&extra);
            if (errno == EINTR)
                continue; /* the rest of a message is already queued */
            break;
        }
        n++;
        if (!msg_id[0])
            wire_peek_msg_id(zmq_msg_data(&extra), zmq_msg_size(&extra), msg_id);
        more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
    return n;
}

/* Refuses a message from a key that left the principals map (revoked or
   replaced while its connection stayed open). The handshake admitted the
   key, so field "key" tells a client that it is the key, not this
   request, that is refused; the request is named when its msg_id reads. */
static void s_refuse_unknown(server *srv, const char *user, pending_reply *pend, zmq_msg_t *body)
{
    const char *revoked = user ? keyring_revoked_name(srv->keyring, user) : NULL;
    wire_peek_msg_id(zmq_msg_data(body), zmq_msg_size(body), pend->msg_id);
    char why[200];
    if (revoked)
        snprintf(why, sizeof why, "the key %s was revoked: ask an administrator for a new key", revoked);
    else
        snprintf(why, sizeof why,
                 "this key is no longer known to the server: it was replaced or revoked; "
                 "ask an administrator for a new key");
    reply_reject_frame(srv, revoked ? revoked : "-", pend->rid, pend->rid_len, FSD__ERROR_CODE__ERR_FORBIDDEN,
                       pend->msg_id, "key", why);
}

/* Receives one [routing id][payload] message; 0 none waiting, 1 handled, -1 storage failure.
   Anything else from a peer (more payload frames) is drained whole and
   refused once as malformed: nothing in it is applied or routed, and an
   agent's session is not touched. */
static int s_receive_one(server *srv, pending_reply *pend, int64_t now)
{
    zmq_msg_t rid, body;
    zmq_msg_init(&rid);
    if (zmq_msg_recv(&rid, srv->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&rid);
        return 0;
    }
    zmq_msg_init(&body);
    bool ok = zmq_msg_more(&rid);
    while (ok && zmq_msg_recv(&body, srv->router, 0) < 0)
        ok = errno == EINTR;
    srv->counters[C_RECEIVED]++;
    size_t rid_len = zmq_msg_size(&rid) < sizeof pend->rid ? zmq_msg_size(&rid) : sizeof pend->rid;
    memcpy(pend->rid, zmq_msg_data(&rid), rid_len);
    pend->rid_len = rid_len;
    pend->msg_id[0] = 0;
    const char *user = ok ? zmq_msg_gets(&body, "User-Id") : NULL;
    const principal *who = user ? strmap_get(srv->principals, user) : NULL;
    if (who && keyring_revoked_name(srv->keyring, user))
        who = NULL; /* revoked earlier in this batch: the map is re-read after the commit */
    if (who)
        keyring_seen(srv->keyring, who->pub, zmq_msg_get(&body, ZMQ_SRCFD), now);
    size_t extra = 0;
    if (ok && zmq_msg_more(&body)) {
        wire_peek_msg_id(zmq_msg_data(&body), zmq_msg_size(&body), pend->msg_id);
        extra = s_drain(srv, pend->msg_id);
        ok = false;
    }
    int rc = 1;
    if (!ok) {
        char why[160];
        snprintf(why, sizeof why, "a message is exactly one frame holding an Envelope; this one had %zu",
                 extra + 1);
        srv->counters[C_MALFORMED]++;
        reply_reject_frame(srv, who ? who->name : "-", pend->rid, rid_len, FSD__ERROR_CODE__ERR_MALFORMED,
                           pend->msg_id, "", why);
    } else if (!who) {
        srv->counters[C_FORBIDDEN]++;
        s_refuse_unknown(srv, user, pend, &body);
    } else if (loop_handle_frame(srv, who, pend->rid, rid_len, zmq_msg_data(&body), zmq_msg_size(&body), now,
                                 pend->msg_id)
               < 0) {
        rc = -1;
    }
    zmq_msg_close(&body);
    zmq_msg_close(&rid);
    return rc;
}

/* Sends what the committed batch produced. A message an agent cannot take
   now stays in the outbox and goes out on its next Hello. */
static void s_flush(server *srv)
{
    for (size_t i = 0; i < srv->n_out; i++) {
        outgoing *o = &srv->out[i];
        if (o->tech && o->rid_len != o->tech->rid_len)
            continue; /* the agent reconnected since: its Hello re-sends */
        if (zmq_send(srv->router, o->rid, o->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
            || zmq_send(srv->router, o->data, o->len, ZMQ_DONTWAIT) < 0) {
            srv->counters[C_SEND_FAILED]++;
            if (o->tech && o->tech->out_sent >= o->seq)
                o->tech->out_sent = o->seq - 1;
        }
    }
    srv->n_out = 0;
}

/* Answers one pending message with "unavailable, nothing was changed". */
static void s_unavailable_reply(server *srv, const pending_reply *p)
{
    Fsd__Envelope reply;
    char id[33];
    wire_envelope_init(&reply, id);
    reply.reply_to = (char *)p->msg_id;
    Fsd__Error e = FSD__ERROR__INIT;
    e.code = FSD__ERROR_CODE__ERR_UNAVAILABLE;
    e.message = (char *)s_unavailable;
    reply.body_case = FSD__ENVELOPE__BODY_ERROR;
    reply.error = &e;
    wire_send(srv->router, p->rid, p->rid_len, &reply);
}

/* Storage failed (a commit, or the lock on a busy database): until it
   works again, requests that change something are refused at once with
   "unavailable", reads are served from a read-only transaction, and the
   timers and the waiting queue rest. Every 250 ms, doubling to 4 s, they
   alone run as the probe; the first probe that commits ends it. */
static void s_storage_failed(server *srv, int64_t now)
{
    if (!srv->storage_failing) {
        srv->storage_backoff_ms = 250;
        log_error("storage_failing", "error=%s", log_quote(0, store_errmsg(srv->store)));
    } else if (srv->storage_backoff_ms < 4000) {
        srv->storage_backoff_ms *= 2;
    }
    srv->storage_failing = true;
    srv->storage_retry_at = now + srv->storage_backoff_ms;
}

/* After a failed commit: nothing of the batch happened. Tell each sender. */
static void s_abandon(server *srv, pending_reply *pend, size_t n, int64_t now)
{
    srv->counters[C_COMMIT_FAILED]++;
    log_error("commit_failed", "error=%s messages=%zu", log_quote(0, store_errmsg(srv->store)), n);
    store_rollback(srv->store);
    session_forget(srv);
    keyring_forget(srv->keyring);
    privacy_access_settled(false);
    watch_abandon(srv);
    srv->n_out = 0;
    arena_reset(srv->arena);
    for (size_t i = 0; i < n; i++)
        s_unavailable_reply(srv, &pend[i]);
    s_storage_failed(srv, now);
    if (world_load_jobs(srv) < 0)
        log_error("reload_failed", "error=%s", log_quote(0, store_errmsg(srv->store)));
    else
        invariants_check(srv);
}

/* Not even a read transaction: answer what waits with unavailable. */
static void s_refuse_waiting(server *srv, pending_reply *pend)
{
    log_error("begin_failed", "error=%s", log_quote(0, store_errmsg(srv->store)));
    for (int n = 0; n < srv->cfg.batch_max; n++) {
        zmq_msg_t rid, body;
        zmq_msg_init(&rid);
        if (zmq_msg_recv(&rid, srv->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&rid);
            break;
        }
        pending_reply *p = &pend[0];
        p->rid_len = zmq_msg_size(&rid) < sizeof p->rid ? zmq_msg_size(&rid) : sizeof p->rid;
        memcpy(p->rid, zmq_msg_data(&rid), p->rid_len);
        p->msg_id[0] = 0;
        bool more = zmq_msg_more(&rid);
        while (more) {
            zmq_msg_init(&body);
            if (zmq_msg_recv(&body, srv->router, 0) < 0) {
                zmq_msg_close(&body);
                if (errno == EINTR)
                    continue; /* the rest of the message is queued: read it all */
                break;
            }
            more = zmq_msg_more(&body);
            if (!p->msg_id[0]) /* named without decoding: nothing of it runs */
                wire_peek_msg_id(zmq_msg_data(&body), zmq_msg_size(&body), p->msg_id);
            zmq_msg_close(&body);
        }
        srv->counters[C_RECEIVED]++;
        s_unavailable_reply(srv, p);
        zmq_msg_close(&rid);
    }
}

/* Timers and the waiting queue, alone in a transaction: whether storage
   works again. */
static void s_probe(server *srv, int64_t now, int64_t *last_timers)
{
    if (store_begin_now(srv->store) < 0) {
        s_storage_failed(srv, now);
        return;
    }
    *last_timers = now;
    int rc = store_probe_write(srv->store, now);
    if (rc == 0)
        rc = notify_pump(srv, now); /* first: it may only see committed rows */
    if (rc == 0)
        rc = dispatch_timers(srv, now);
    if (rc == 0)
        rc = dispatch_waiting(srv, now);
    if (rc < 0 || session_flush(srv) < 0 || watch_prepare(srv) < 0 || store_commit(srv->store) < 0) {
        s_abandon(srv, NULL, 0, now);
        return;
    }
    srv->storage_failing = false;
    log_info("storage_recovered", "commit_failures=%llu", (unsigned long long)srv->counters[C_COMMIT_FAILED]);
    s_flush(srv);
    watch_publish(srv, now);
    arena_reset(srv->arena);
    invariants_check(srv);
}

/* The bookkeeping of reads — the access log of customers' data, each key's
   last seen — commits on its own, after the batch's answers are sent: a
   read is never refused because its bookkeeping could not be written (a
   full disk), and what was not written waits in memory for the next try.
   Keys' last seen is due at most once a second; waiting access rows go
   at once. */
#define BOOKKEEPING_EVERY_MS 1000
static void s_bookkeeping(server *srv, int64_t now)
{
    bool keys_due = now - srv->bookkept_at >= BOOKKEEPING_EVERY_MS;
    if (srv->storage_failing || (!keys_due && privacy_access_pending() == 0))
        return;
    srv->bookkept_at = now;
    if (store_begin(srv->store) < 0) {
        s_storage_failed(srv, now);
        return;
    }
    if (privacy_access_write(srv) < 0 || (keys_due && keyring_flush(srv, now) < 0)
        || store_commit(srv->store) < 0) {
        log_error("bookkeeping_failed", "error=%s", log_quote(0, store_errmsg(srv->store)));
        store_rollback(srv->store);
        privacy_access_settled(false);
        s_storage_failed(srv, now);
        return;
    }
    privacy_access_settled(true);
}

int loop_batch_work(server *srv, int received, int64_t now, int64_t *last_timers)
{
    assert(srv && last_timers);
    /* a batch that filled up or ran out of time (received 1) is no less
       due its timers and queue: under a steady flood every batch ends so,
       and skipping them would leave declined and withdrawn jobs unfiled
       and unoffered, and offers unexpired, until the flood stops */
    if (received < 0)
        return -1;
    int rc = 0;
    if (!srv->resting && now - *last_timers >= TICK_MS) {
        *last_timers = now;
        rc = dispatch_timers(srv, now);
    }
    if (rc == 0 && !srv->resting)
        rc = dispatch_waiting(srv, now);
    return rc;
}

/* One batch: messages, timers, the queue; one commit; then the sends. */
static void s_batch(server *srv, pending_reply *pend, int64_t *last_timers)
{
    int64_t now = wire_now_ms();
    if (srv->storage_failing && now >= srv->storage_retry_at)
        s_probe(srv, now, last_timers);
    if (!srv->storage_failing && store_begin(srv->store) < 0) {
        srv->counters[C_COMMIT_FAILED]++;
        log_error("begin_failed", "error=%s", log_quote(0, store_errmsg(srv->store)));
        s_storage_failed(srv, now);
        now = wire_now_ms();
    }
    srv->resting = srv->storage_failing;
    if (srv->resting && store_begin_read(srv->store) < 0) {
        s_refuse_waiting(srv, pend);
        return;
    }
    /* customer messages go out at the start of every batch
       (on the timer tick alone, 256 per 100 ms fell behind above ~850
       requests/s): the pump sees only committed rows, and the outcomes
       ride this batch's commit */
    int rc = srv->resting ? 0 : notify_pump(srv, now);
    size_t n = 0;
    while (rc >= 0 && n < (size_t)srv->cfg.batch_max) {
        rc = s_receive_one(srv, &pend[n], now);
        if (rc < 0)
            n++; /* the failed message is answered too */
        if (rc <= 0)
            break;
        n++;
        /* a slow message (a report over a long period) ends the
           batch, so that it and those before it are answered now rather
           than after everything that arrived meanwhile (retries included) */
        if (wire_now_ms() - now >= BATCH_BUDGET_MS)
            break;
    }
    rc = loop_batch_work(srv, rc, now, last_timers);
    /* the watchers' events are built in the transaction, sent after it */
    int64_t commit_us = metrics_now_us();
    if (rc < 0 || session_flush(srv) < 0 || watch_prepare(srv) < 0 || metrics_persist(srv) < 0
        || store_commit(srv->store) < 0) {
        s_abandon(srv, pend, n, now);
        return;
    }
    metrics_committed(srv, n, metrics_now_us() - commit_us);
    privacy_access_settled(true);
    srv->counters[C_BATCHES] += n > 0;
    s_flush(srv);
    watch_publish(srv, now);
    arena_reset(srv->arena);
    s_bookkeeping(srv, now);
    if (srv->reload_reference) {
        srv->reload_reference = false;
        char err[256];
        if (world_load_reference(srv, err, sizeof err) < 0)
            log_error("reload_failed", "error=%s", log_quote(0, err));
        srv->queue_dirty = true;
    }
    /* revoked keys are out of the map now: close their connections */
    keyring_cut(srv->keyring);
    invariants_check(srv);
}

/* Creates and binds the ZAP handler and the CURVE ROUTER. */
static int s_sockets(server *srv)
{
    srv->zap = zmq_socket(srv->ctx, ZMQ_REP);
    /* The accept queue must hold a fleet reconnecting at once: libzmq
       accepts one connection per turn of its I/O loop, between CURVE
       handshakes, so after a restart most connections wait there. Linux
       caps the queue at net.core.somaxconn (4096 by default), and what
       overflows it waits for the SYN-ACK to be re-sent: 1, 3, 7 s. */
    int zero = 0, one = 1, backlog = 65535, hwm = 100000;
    zmq_setsockopt(srv->zap, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind(srv->zap, ZAP_ENDPOINT) < 0)
        return -1;
    srv->router = zmq_socket(srv->ctx, ZMQ_ROUTER);
    /* libzmq counts CURVE's box (33 bytes) in ZMQ_MAXMSGSIZE and drops the
       connection without a word over it: with room for the box a frame of
       up to FSD_MAX_MSG arrives, and one a little over is answered
       too_large by the loop's own check */
    int64_t max = FSD_MAX_MSG + 4096;
    zmq_setsockopt(srv->router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(srv->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(srv->router, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(srv->router, ZMQ_BACKLOG, &backlog, sizeof backlog);
    zmq_setsockopt(srv->router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(srv->router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(srv->router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(srv->router, ZMQ_CURVE_SECRETKEY, srv->keys.sec, 40);
    zmq_setsockopt(srv->router, ZMQ_ZAP_DOMAIN, "fsd", 3);
    return zmq_bind(srv->router, srv->cfg.listen);
}

/* SIGHUP (log rotation): the log file opened again by its name. The
   notification file needs nothing: its writer opens it by name for every
   batch, so the next batch goes to a fresh file. */
static void s_reopen(server *srv)
{
    srv->reopen = 0;
    if (log_reopen() < 0) {
        log_error("log_reopen_failed", "file=%s error=%s", log_quote(0, log_file()),
                  log_quote(1, strerror(errno)));
        return;
    }
    log_info("log_reopened", "file=%s", log_quote(0, log_file() ? log_file() : "(stderr)"));
}

/* Closes the sockets (linger 0): nothing left for zmq_ctx_term to wait on. */
static void s_close_sockets(server *srv)
{
    int zero = 0;
    if (srv->router) {
        zmq_setsockopt(srv->router, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(srv->router);
    }
    if (srv->zap) {
        zmq_setsockopt(srv->zap, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(srv->zap);
    }
    srv->router = srv->zap = NULL;
}

int loop_run(server *srv)
{
    if (s_sockets(srv) < 0) {
        /* an unclosed socket would keep zmq_ctx_term waiting for ever */
        int saved = errno;
        s_close_sockets(srv);
        errno = saved;
        return LOOP_BIND_FAILED;
    }
    log_info("listening", "endpoint=%s technicians=%zu open_jobs=%zu", srv->cfg.listen, srv->n_techs,
             strmap_size(srv->jobs));
    service_ready(srv->cfg.listen);
    pending_reply *pend = fsd_xcalloc((size_t)srv->cfg.batch_max + 1, sizeof *pend);
    int64_t last_timers = 0;
    while (!srv->stop) {
        if (srv->reopen)
            s_reopen(srv);
        backup_poll(srv);
        zmq_pollitem_t items[] = { { srv->router, 0, ZMQ_POLLIN, 0 }, { srv->zap, 0, ZMQ_POLLIN, 0 } };
        int wait = backup_wait_ms(srv, notify_wait_ms(srv->notifier, wire_now_ms(), TICK_MS));
        if (zmq_poll(items, 2, wait) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        while (items[1].revents & ZMQ_POLLIN) {
            s_zap_answer(srv);
            zmq_pollitem_t z = { srv->zap, 0, ZMQ_POLLIN, 0 };
            if (zmq_poll(&z, 1, 0) <= 0)
                break;
        }
        s_batch(srv, pend, &last_timers);
        metrics_publish(srv);
    }
    service_stopping();
    /* the notification file's batch in hand: its outcomes recorded now, so
       that a clean stop sends none of it twice */
    if (!srv->storage_failing && store_begin(srv->store) == 0
        && (notify_settle(srv, wire_now_ms()) < 0 || store_commit(srv->store) < 0))
        store_rollback(srv->store);
    free(pend);
    free(srv->out);
    srv->out = NULL;
    free(srv->dirty_sessions);
    srv->dirty_sessions = NULL;
    srv->n_dirty_sessions = srv->cap_dirty_sessions = 0;
    backup_destroy(srv); /* a copy in progress is cancelled, its requester told */
    s_close_sockets(srv);
    return 0;
}
