/*  metrics.h — the Prometheus endpoint and the health checks.

    The loop owns every figure; once per turn it hands a copy to the
    HTTP thread (libmicrohttpd) under a mutex it only tries to take, so a
    scrape never holds the loop up. Business counters (requests, offers,
    declines by reason...) are kept in the store and survive restarts;
    the rest count since the server started. */
#ifndef FSD_METRICS_H
#define FSD_METRICS_H

#include "server.h"

/* Reads the stored business counters. 0, or -1 with one sentence in err. */
int metrics_open(server *srv, char *err, size_t errlen);

/* Serves GET /metrics, /healthz and /readyz on ADDR (HOST:PORT, an IPv6
   host in brackets) in a thread of its own. 0, or -1 with err. */
int metrics_serve(server *srv, const char *addr, char *err, size_t errlen);

/* A microsecond clock for the commit latency. */
int64_t metrics_now_us(void);

/* A decline with its reason (the total is C_DECLINES). */
void metrics_decline(server *srv, int reason);

/* Adds what the business counters gained to the batch's open
   transaction (nothing while storage rests). 0 or -1. */
int metrics_persist(server *srv);

/* The batch committed: n messages, the commit took commit_us. */
void metrics_committed(server *srv, size_t n, int64_t commit_us);

/* Once per turn of the loop: hands the figures to the HTTP thread when
   it is not reading them (never waits). */
void metrics_publish(server *srv);

/* Stops the HTTP thread and frees everything (srv->metrics NULL). */
void metrics_close(server *srv);

#endif
