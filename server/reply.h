/*  reply.h — the way back to a sender.

    A handler sees a request as a `call` and answers it by setting the
    body of c->reply (call_error for a refusal). The loop then encodes
    the reply and queues it (reply_finish), remembering it when the verb
    changes state, so that a retry is answered with the original result.
    Everything that goes out — replies, refusals of frames, the agents'
    sequenced messages — waits in the send queue (reply_queue) until the
    batch has committed; the loop flushes it. Handlers and sessions use
    this module; none of them needs the loop. */
#ifndef FSD_REPLY_H
#define FSD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd.pb-c.h"
#include "fsd/arena.h"

typedef struct server server;
typedef struct technician technician;
typedef struct principal principal;
typedef struct job job;

/* A request as the handlers see it. */
typedef struct {
    server *srv;
    const principal *who;
    technician *tech; /* the sender's technician (agent verbs), else NULL */
    const Fsd__Envelope *req;
    Fsd__Envelope *reply; /* body set by the handler */
    arena *a;
    const uint8_t *rid; /* the requester's routing id: for an answer given later */
    size_t rid_len;
} call;

/* Sets c's reply to an error (code, the field at fault, one sentence) and
   counts it by kind. */
void call_error(call *c, Fsd__ErrorCode code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Encodes c's reply, queues it to rid and, when remember is set, keeps it
   as the answer to a duplicate of the request (in the batch's
   transaction). Error replies are counted and logged. 0, or -1 on a
   storage or encoding failure. */
int reply_finish(call *c, const uint8_t *rid, size_t rid_len, bool remember);

/* Queues an error reply to a frame refused before it became a call (it
   did not decode, or its sender is not known); reply_to is its msg_id
   when one could be read. Counted and logged. */
void reply_reject_frame(server *srv, const char *from, const uint8_t *rid, size_t rid_len,
                        Fsd__ErrorCode code, const char *reply_to, const char *field, const char *why);

/* Queues one encoded message to routing id rid, sent after the commit.
   tech and seq name an agent's sequenced message (tech NULL otherwise):
   it is re-routed or left in the outbox when the agent moved. */
void reply_queue(server *srv, technician *tech, uint64_t seq, const uint8_t *rid, size_t rid_len,
                 const uint8_t *data, size_t len);

/* Answers shared by the handlers. */
/* Length check of a text field (required: not empty); 0 fine, else -1
   with an invalid_argument error on the field. */
int call_text(call *c, const char *field, const char *value, size_t max, bool required);
/* Answers with the job's view (with its history and notifications when
   asked), or not_found. 0, or -1 on a storage failure. */
int call_reply_job(call *c, const char *id, bool history);
/* The open job named by id, or NULL with an error reply: not_found, or
   invalid_transition when the job is already over. */
job *call_open_job(call *c, const char *id);

#endif
