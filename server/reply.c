/*  reply.c — the way back to a sender: the call a handler answers, its
    errors, encoding and queueing the reply (remembered for duplicates),
    refusals of frames that never became a call, and the send queue that
    the loop flushes after the commit. */
#include "reply.h"

#include "notify.h"
#include "server.h"
#include "jobview.h"
#include "refrows.h"
#include "world.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/xalloc.h"
#include "fsd/log.h"
#include "fsd/wire.h"

/* The error reply of c, counted by kind. */
void call_error(call *c, Fsd__ErrorCode code, const char *field, const char *fmt, ...)
{
    assert(c && c->reply && c->a && fmt);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    Fsd__Error *e = arena_alloc(c->a, sizeof *e);
    fsd__error__init(e);
    e->code = code;
    e->message = arena_strdup(c->a, msg);
    e->field = arena_strdup(c->a, field ? field : "");
    c->reply->body_case = FSD__ENVELOPE__BODY_ERROR;
    c->reply->error = e;
    if (code == FSD__ERROR_CODE__ERR_FORBIDDEN)
        c->srv->counters[C_FORBIDDEN]++;
    else if (code == FSD__ERROR_CODE__ERR_INVALID_ARGUMENT || code == FSD__ERROR_CODE__ERR_INVALID_TRANSITION)
        c->srv->counters[C_INVALID]++;
    else if (code == FSD__ERROR_CODE__ERR_CONFLICT)
        c->srv->counters[C_CONFLICT]++;
    else if (code == FSD__ERROR_CODE__ERR_NOT_FOUND)
        c->srv->counters[C_NOT_FOUND]++;
}

/* Appends one message to the send queue (flushed after the commit). */
void reply_queue(server *srv, technician *tech, uint64_t seq, const uint8_t *rid, size_t rid_len,
                 const uint8_t *data, size_t len)
{
    assert(srv && (rid || rid_len == 0) && (data || len == 0));
    /* a sequenced message belongs to a technician's session, and only it */
    assert(!tech == !seq);
    if (srv->n_out == srv->cap_out) {
        srv->cap_out = srv->cap_out ? srv->cap_out * 2 : 256;
        srv->out = fsd_xrealloc(srv->out, srv->cap_out * sizeof *srv->out);
    }
    outgoing *o = &srv->out[srv->n_out++];
    o->rid = arena_alloc(srv->arena, rid_len ? rid_len : 1);
    memcpy(o->rid, rid, rid_len);
    o->rid_len = rid_len;
    o->data = arena_alloc(srv->arena, len ? len : 1);
    memcpy(o->data, data, len);
    o->len = len;
    o->tech = tech;
    o->seq = seq;
}

/* Logs a refusal: one warn line per rejected message, with its code. */
static void s_log_rejected(const char *from, const char *kind, const char *msg_id, Fsd__ErrorCode code,
                           const char *field, const char *why)
{
    log_warn("rejected", "from=%s kind=%s code=%s field=%s msg_id=%s why=%s", from, kind,
             wire_enum_name(&fsd__error_code__descriptor, (int)code), field && field[0] ? field : "-",
             msg_id && msg_id[0] ? log_quote(1, msg_id) : "-", log_quote(0, why));
}

/* Encodes and queues the reply of call c (and keeps it for duplicates). */
int reply_finish(call *c, const uint8_t *rid, size_t rid_len, bool remember)
{
    char id[33];
    wire_msg_id(id);
    c->reply->msg_id = id;
    c->reply->reply_to = c->req ? c->req->msg_id : "";
    if (c->reply->body_case == FSD__ENVELOPE__BODY_ERROR) {
        const ProtobufCFieldDescriptor *f = c->req ? protobuf_c_message_descriptor_get_field(
                                                &fsd__envelope__descriptor, (unsigned)c->req->body_case)
                                                   : NULL;
        c->srv->counters[C_REJECTED]++;
        s_log_rejected(c->who ? c->who->name : "-", f ? f->name : "-", c->reply->reply_to,
                       c->reply->error->code, c->reply->error->field, c->reply->error->message);
    }
    size_t len;
    uint8_t *buf = wire_encode(c->reply, &len);
    if (!buf)
        return -1;
    int rc = 0;
    if (remember && c->who)
        rc = store_dedup_put(c->srv->store, c->who->name, c->req->msg_id, wire_now_ms(), buf, len);
    reply_queue(c->srv, NULL, 0, rid, rid_len, buf, len);
    free(buf);
    return rc;
}

/* Error reply for a message refused before it was decoded (or that did
   not decode); reply_to is its msg_id when one could be read
   (wire_peek_msg_id), so that the sender can match the refusal. */
void reply_reject_frame(server *srv, const char *from, const uint8_t *rid, size_t rid_len,
                        Fsd__ErrorCode code, const char *reply_to, const char *field, const char *why)
{
    srv->counters[C_REJECTED]++;
    s_log_rejected(from, "-", reply_to, code, field, why);
    Fsd__Envelope reply;
    char id[33];
    wire_envelope_init(&reply, id);
    reply.reply_to = (char *)(reply_to ? reply_to : "");
    Fsd__Error e = FSD__ERROR__INIT;
    e.code = code;
    e.message = (char *)why;
    e.field = (char *)(field ? field : "");
    reply.body_case = FSD__ENVELOPE__BODY_ERROR;
    reply.error = &e;
    size_t len;
    uint8_t *buf = wire_encode(&reply, &len);
    if (buf)
        reply_queue(srv, NULL, 0, rid, rid_len, buf, len);
    free(buf);
}

/* Length check for a required or optional text field; 0 ok, else error set. */
int call_text(call *c, const char *field, const char *value, size_t max, bool required)
{
    if (required && !value[0]) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, field, "%s is required", field);
        return -1;
    }
    if (strlen(value) > max) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, field, "%s is longer than %zu characters", field,
                   max);
        return -1;
    }
    return 0;
}

/* Sets the reply to the job's view (with history when asked). */
int call_reply_job(call *c, const char *id, bool history)
{
    Fsd__JobView *v;
    int rc = jobview_get(c->srv, c->a, id, history, &v);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id", "no job %s", id);
        return 0;
    }
    c->reply->body_case = FSD__ENVELOPE__BODY_JOB_VIEW;
    c->reply->job_view = v;
    if (history && notify_attach(c, v) < 0)
        return -1;
    return 0;
}

/* The open job named by id, or an error reply (unknown, or already over). */
job *call_open_job(call *c, const char *id)
{
    job *j = world_job(c->srv, id);
    if (j)
        return j;
    Fsd__JobView *v;
    int rc = jobview_get(c->srv, c->a, id, false, &v);
    if (rc > 0)
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "job %s is already %s", id,
                   job_state_name((job_state)v->state));
    else
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id", "no job %s", id);
    return NULL;
}
