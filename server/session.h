/*  session.h — an agent's session: sequencing both ways, the durable outbox (session.c). */
#ifndef FSD_SESSION_H
#define FSD_SESSION_H

#include "server.h"

/* session.c — agent messages and the durable outbox */
int session_push(server *srv, technician *t, Fsd__Envelope *env);
/* Writes the sequence numbers that changed in this batch (one row per
   technician, however many messages it had); call before the commit.
   session_forget drops the list when the batch is rolled back. */
int session_flush(server *srv);
void session_forget(server *srv);
int session_ack(server *srv, technician *t, uint64_t upto);
void session_resend(server *srv, technician *t, uint64_t after);
/* The routing of t's messages follows its latest connection. Returns 1
   (and moves nothing) when rid is a connection told it was superseded. */
int session_seen(server *srv, technician *t, const uint8_t *rid, size_t rid_len, int64_t now);
/* After a Welcome that said resync: queues a JobSnapshot of what t holds. */
int session_snapshot(server *srv, technician *t, const uint8_t *rid, size_t rid_len);

#endif
