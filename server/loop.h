/*  loop.h — the one loop: sockets, batches, group commit (loop.c). */
#ifndef FSD_LOOP_H
#define FSD_LOOP_H

#include "server.h"

/* loop.c */
/* 0 stopped, -1 failed, LOOP_BIND_FAILED: could not listen (errno says why;
   every socket is closed again, so the context terminates at once). */
#define LOOP_BIND_FAILED (-2)
int loop_run(server *srv);
/* The per-message path without sockets: decode → rights → dedup → handle,
   inside the caller's transaction; the reply (an error for a frame that
   does not decode) is queued in srv->out. msg_id (FSD_MSG_ID_MAX + 1
   bytes, may be NULL) receives the request's id when it decoded.
   0 handled or refused, -1 storage failure (roll the batch back). */
int loop_handle_frame(server *srv, const principal *who, const uint8_t *rid, size_t rid_len, const void *data,
                      size_t len, int64_t now, char *msg_id);
/* What a batch runs after its messages, inside its transaction: the
   timers (at most every 100 ms; *last_timers is when they last ran) and
   the waiting queue, both resting while storage fails. received says how
   taking messages ended: 1 the batch filled up or ran out of time (more
   may wait), 0 none waited, -1 a storage failure (nothing more runs).
   0, or -1 on storage failure (roll the batch back). */
int loop_batch_work(server *srv, int received, int64_t now, int64_t *last_timers);

#endif
