/*  notify_send.h — delivering the notifications without blocking the loop (notify_send.c). */
#ifndef FSD_NOTIFY_SEND_H
#define FSD_NOTIFY_SEND_H

#include "server.h"

/* notify_send.c — delivering the outbox, never blocking the loop */
typedef struct notifier notifier;
/* The sender for cfg (the file sender checks that it can write its file);
   NULL with one sentence in err. */
notifier *notify_new(const notify_config *cfg, char *err, size_t errlen);
/* Kills commands still running (their notifications stay pending). */
void notify_destroy(notifier **self_p);
/* From every batch, inside its transaction: reaps finished
   commands, kills those over their time, records each outcome, starts
   what is due. 0, or -1 storage failure. */
int notify_pump(server *srv, int64_t now);
/* Waits for the file sender's batch in hand, if any, and records its
   outcomes in the caller's transaction (the loop's last, on a clean
   stop). 0, or -1 storage failure. */
int notify_settle(server *srv, int64_t now);
/* How long the loop may sleep before notify_pump has something to send
   (1..most ms; `most` with the command sender, which the batches drive). */
int notify_wait_ms(const notifier *self, int64_t now, int most);
/* A notification was queued at `now`: look soon. */
void notify_queued(notifier *self, int64_t now);
/* Counters since start, and commands running now. */
void notify_counts(const notifier *self, uint64_t *queued, uint64_t *sent, uint64_t *retries,
                   uint64_t *failed, uint64_t *in_flight);

#endif
