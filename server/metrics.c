/*  metrics.c — the Prometheus text endpoint, /healthz and /readyz.

    Two copies of the figures: the loop's own (written freely, by the
    loop alone) and the published one (read by the HTTP thread). The loop
    copies its figures over at the end of each turn with
    pthread_mutex_trylock: when a scrape is reading, that turn's copy is
    skipped and the next one goes. Gauges that need a walk over the open
    jobs, or a look into the store (the notification outbox), are
    refreshed at most once a second.

    Business counters live in the store (store_meta "counter.NAME"):
    each batch adds what they gained in its own transaction, so a counter
    moves with what it counts, also across a crash. At start the stored
    values become the base the figures of this run are added to. */
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "fsd/log.h"
#include "fsd/strmap.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"
#include "notify_send.h"

#define S_GAUGES_EVERY_MS 1000

/* Commit latency buckets, seconds; batch size buckets, messages. */
static const double s_commit_le[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
};
#define N_COMMIT (sizeof s_commit_le / sizeof s_commit_le[0])
static const unsigned s_batch_le[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };
#define N_BATCH (sizeof s_batch_le / sizeof s_batch_le[0])

/* The counters that are business figures, and their names in the store. */
static const struct {
    int counter;
    const char *name;
} s_business[] = {
    { C_REQUESTS, "requests" },       { C_REFUSED, "requests_refused" }, { C_OFFERS, "offers" },
    { C_ACCEPTS, "accepts" },         { C_DECLINES, "declines" },        { C_EXPIRIES, "expiries" },
    { C_ESCALATIONS, "escalations" }, { C_REASSIGNS, "reassignments" },
};
#define N_BUSINESS (sizeof s_business / sizeof s_business[0])

/* Everything a scrape shows. */
typedef struct {
    uint64_t counters[C_COUNT_]; /* this run's */
    uint64_t declines[DR_COUNT_];
    uint64_t commit_buckets[N_COMMIT], commit_count;
    double commit_sum;
    uint64_t batch_buckets[N_BATCH], batch_count, batch_sum;
    /* gauges */
    size_t n_terr;  /* territories, then one row for "none" */
    char **terr;    /* their ids */
    uint32_t *jobs; /* (n_terr + 1) x JS_COUNT_ open jobs */
    uint32_t techs, online;
    uint64_t notify_pending, notify_failed, notify_sent, notify_queued, notify_in_flight;
    int64_t notify_oldest_s;
    bool storage_failing, listening, stopping;
    int64_t started_at, published_at;
} figures;

struct metrics {
    /* the stored business counters at start (base) and what is stored now */
    uint64_t base[C_COUNT_], base_declines[DR_COUNT_];
    uint64_t stored[C_COUNT_], stored_declines[DR_COUNT_];
    uint64_t pending[C_COUNT_], pending_declines[DR_COUNT_]; /* written in the open batch */
    figures mine;                                            /* the loop's */
    figures pub;                                             /* the HTTP thread's, under lock */
    bool gauges_new;
    int64_t gauges_at;
    pthread_mutex_t lock;
    struct MHD_Daemon *httpd;
};

int64_t metrics_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------- loop's side */

/* One stored counter into the base (store_each_counter callback). */
static void s_base(void *arg, const char *name, int64_t value)
{
    struct metrics *m = arg;
    for (size_t i = 0; i < N_BUSINESS; i++)
        if (strcmp(name, s_business[i].name) == 0)
            m->base[s_business[i].counter] = (uint64_t)value;
    if (strncmp(name, "declines.", 9) == 0)
        for (int r = 1; r < DR_COUNT_; r++)
            if (strcmp(name + 9, decline_reason_name((decline_reason)r)) == 0)
                m->base_declines[r] = (uint64_t)value;
}

int metrics_open(server *srv, char *err, size_t errlen)
{
    struct metrics *m = fsd_xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    if (store_each_counter(srv->store, s_base, m) < 0) {
        snprintf(err, errlen, "cannot read the stored counters: %s", store_errmsg(srv->store));
        pthread_mutex_destroy(&m->lock);
        free(m);
        return -1;
    }
    m->mine.started_at = m->pub.started_at = srv->started_at;
    srv->metrics = m;
    return 0;
}

void metrics_decline(server *srv, int reason)
{
    if (srv->metrics && reason > 0 && reason < DR_COUNT_)
        srv->metrics->mine.declines[reason]++;
}

int metrics_persist(server *srv)
{
    struct metrics *m = srv->metrics;
    if (!m || srv->resting)
        return 0;
    char name[64];
    for (size_t i = 0; i < N_BUSINESS; i++) {
        int k = s_business[i].counter;
        m->pending[k] = srv->counters[k];
        if (m->pending[k] != m->stored[k]
            && store_counter_add(srv->store, s_business[i].name, (int64_t)(m->pending[k] - m->stored[k])) < 0)
            return -1;
    }
    for (int r = 1; r < DR_COUNT_; r++) {
        m->pending_declines[r] = m->mine.declines[r];
        snprintf(name, sizeof name, "declines.%s", decline_reason_name((decline_reason)r));
        if (m->pending_declines[r] != m->stored_declines[r]
            && store_counter_add(srv->store, name, (int64_t)(m->pending_declines[r] - m->stored_declines[r]))
                   < 0)
            return -1;
    }
    return 0;
}

void metrics_committed(server *srv, size_t n, int64_t commit_us)
{
    struct metrics *m = srv->metrics;
    if (!m)
        return;
    if (!srv->resting) {
        memcpy(m->stored, m->pending, sizeof m->stored);
        memcpy(m->stored_declines, m->pending_declines, sizeof m->stored_declines);
    }
    figures *f = &m->mine;
    double s = (double)commit_us / 1e6;
    for (size_t i = 0; i < N_COMMIT; i++)
        f->commit_buckets[i] += s <= s_commit_le[i];
    f->commit_count++;
    f->commit_sum += s;
    if (n == 0)
        return;
    for (size_t i = 0; i < N_BATCH; i++)
        f->batch_buckets[i] += n <= s_batch_le[i];
    f->batch_count++;
    f->batch_sum += n;
}

/* Counts one open job by territory and state (strmap_each callback). */
static void s_count_job(const char *key, void *value, void *arg)
{
    figures *f = arg;
    const job *j = value;
    size_t t = j->territory >= 0 && (size_t)j->territory < f->n_terr ? (size_t)j->territory : f->n_terr;
    if (j->state > 0 && j->state < JS_COUNT_)
        f->jobs[t * JS_COUNT_ + j->state]++;
}

static void s_free_gauges(figures *f)
{
    for (size_t i = 0; i < f->n_terr; i++)
        free(f->terr[i]);
    free(f->terr);
    free(f->jobs);
    f->terr = NULL;
    f->jobs = NULL;
    f->n_terr = 0;
}

/* Walks the open jobs and asks the outbox: into the loop's figures. */
static void s_gauges(server *srv, figures *f)
{
    s_free_gauges(f);
    f->n_terr = srv->n_territories;
    f->terr = fsd_xcalloc(f->n_terr + 1, sizeof *f->terr);
    for (size_t i = 0; i < f->n_terr; i++)
        f->terr[i] = fsd_xstrdup(srv->territories[i].row->id);
    f->jobs = fsd_xcalloc((f->n_terr + 1) * JS_COUNT_, sizeof *f->jobs);
    strmap_each(srv->jobs, s_count_job, f);
    f->techs = (uint32_t)srv->n_techs;
    f->online = 0;
    for (size_t i = 0; i < srv->n_techs; i++)
        f->online += srv->techs[i].online;
    uint64_t retries, failed;
    if (srv->notifier)
        notify_counts(srv->notifier, &f->notify_queued, &f->notify_sent, &retries, &failed,
                      &f->notify_in_flight);
    /* a look into the store only while it answers (a failing one may be
       locked by another process: no wait for it here) */
    int64_t oldest = 0;
    if (!srv->storage_failing
        && store_notification_summary(srv->store, &f->notify_pending, &f->notify_failed, &oldest) == 0)
        f->notify_oldest_s = oldest && wire_now_ms() > oldest ? (wire_now_ms() - oldest) / 1000 : 0;
}

void metrics_publish(server *srv)
{
    struct metrics *m = srv->metrics;
    if (!m || !m->httpd)
        return; /* nobody reads them: no --metrics */
    figures *f = &m->mine;
    int64_t now = wire_now_ms();
    if (now - m->gauges_at >= S_GAUGES_EVERY_MS) {
        m->gauges_at = now;
        s_gauges(srv, f);
        m->gauges_new = true;
    }
    memcpy(f->counters, srv->counters, sizeof f->counters);
    f->storage_failing = srv->storage_failing;
    f->listening = true; /* only the running loop publishes */
    f->published_at = now;
    if (pthread_mutex_trylock(&m->lock) != 0)
        return; /* a scrape is reading: the next turn publishes */
    /* the gauges' arrays change hands; the old ones are freed by the loop */
    size_t n_terr = m->pub.n_terr;
    char **terr = m->pub.terr;
    uint32_t *jobs = m->pub.jobs;
    bool stopping = m->pub.stopping;
    m->pub = *f;
    m->pub.stopping = stopping;
    if (m->gauges_new) {
        m->gauges_new = false;
        f->terr = NULL;
        f->jobs = NULL;
        f->n_terr = 0;
    } else {
        m->pub.n_terr = n_terr;
        m->pub.terr = terr;
        m->pub.jobs = jobs;
        terr = NULL;
        jobs = NULL;
        n_terr = 0;
    }
    pthread_mutex_unlock(&m->lock);
    figures old = { .n_terr = n_terr, .terr = terr, .jobs = jobs };
    s_free_gauges(&old);
}

/* ------------------------------------------------------- HTTP's side */

/* A label value with \, " and newline escaped. */
static void s_label(FILE *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', out), fputc(*v, out);
        else if (*v == '\n')
            fputs("\\n", out);
        else
            fputc(*v, out);
    }
}

static void s_head(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} value */
static void s_one(FILE *out, const char *name, const char *label, const char *value, uint64_t v)
{
    if (label)
        fprintf(out, "%s{%s=\"%s\"} %llu\n", name, label, value, (unsigned long long)v);
    else
        fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

static void s_counters(FILE *out, const struct metrics *m, const figures *f)
{
    const uint64_t *c = f->counters, *b = m->base;
    s_head(out, "fsd_requests_total", "counter", "Repair requests by outcome (kept across restarts).");
    s_one(out, "fsd_requests_total", "outcome", "accepted", b[C_REQUESTS] + c[C_REQUESTS]);
    s_one(out, "fsd_requests_total", "outcome", "refused", b[C_REFUSED] + c[C_REFUSED]);
    s_head(out, "fsd_offers_total", "counter", "Offers made to technicians (kept across restarts).");
    s_one(out, "fsd_offers_total", NULL, NULL, b[C_OFFERS] + c[C_OFFERS]);
    s_head(out, "fsd_offer_replies_total", "counter",
           "Offers accepted, declined, expired (kept across restarts).");
    s_one(out, "fsd_offer_replies_total", "reply", "accept", b[C_ACCEPTS] + c[C_ACCEPTS]);
    s_one(out, "fsd_offer_replies_total", "reply", "decline", b[C_DECLINES] + c[C_DECLINES]);
    s_one(out, "fsd_offer_replies_total", "reply", "expired", b[C_EXPIRIES] + c[C_EXPIRIES]);
    s_head(out, "fsd_declines_total", "counter", "Declined offers by reason (kept across restarts).");
    for (int r = 1; r < DR_COUNT_; r++)
        s_one(out, "fsd_declines_total", "reason", decline_reason_name((decline_reason)r),
              m->base_declines[r] + f->declines[r]);
    s_head(out, "fsd_escalations_total", "counter", "Jobs escalated (kept across restarts).");
    s_one(out, "fsd_escalations_total", NULL, NULL, b[C_ESCALATIONS] + c[C_ESCALATIONS]);
    s_head(out, "fsd_reassignments_total", "counter", "Jobs moved by a dispatcher (kept across restarts).");
    s_one(out, "fsd_reassignments_total", NULL, NULL, b[C_REASSIGNS] + c[C_REASSIGNS]);
    static const struct {
        int k;
        const char *outcome;
    } msgs[] = {
        { C_RECEIVED, "received" },       { C_MALFORMED, "malformed" }, { C_TOO_LARGE, "too_large" },
        { C_BAD_VERSION, "bad_version" }, { C_UNKNOWN, "unknown" },     { C_FORBIDDEN, "forbidden" },
        { C_INVALID, "invalid" },         { C_DUPLICATE, "duplicate" }, { C_CONFLICT, "conflict" },
        { C_NOT_FOUND, "not_found" },     { C_REJECTED, "rejected" },
    };
    s_head(out, "fsd_messages_total", "counter",
           "Messages since start: received, and those answered with an error by kind (rejected: any).");
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        s_one(out, "fsd_messages_total", "outcome", msgs[i].outcome, c[msgs[i].k]);
    s_head(out, "fsd_zap_refused_total", "counter", "Connections whose key was refused at the handshake.");
    s_one(out, "fsd_zap_refused_total", NULL, NULL, c[C_ZAP_REFUSED]);
    s_head(out, "fsd_technicians_offline_total", "counter", "Technicians that went offline (missed beats).");
    s_one(out, "fsd_technicians_offline_total", NULL, NULL, c[C_OFFLINE]);
    s_head(out, "fsd_send_failures_total", "counter", "Replies that could not be handed to a connection.");
    s_one(out, "fsd_send_failures_total", NULL, NULL, c[C_SEND_FAILED]);
}

static void s_histograms(FILE *out, const figures *f)
{
    s_head(out, "fsd_commit_seconds", "histogram", "Time to write and commit one batch's transaction.");
    for (size_t i = 0; i < N_COMMIT; i++)
        fprintf(out, "fsd_commit_seconds_bucket{le=\"%g\"} %llu\n", s_commit_le[i],
                (unsigned long long)f->commit_buckets[i]);
    fprintf(out, "fsd_commit_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)f->commit_count);
    fprintf(out, "fsd_commit_seconds_sum %.6f\nfsd_commit_seconds_count %llu\n", f->commit_sum,
            (unsigned long long)f->commit_count);
    s_head(out, "fsd_batch_messages", "histogram", "Messages handled in one batch (one transaction).");
    for (size_t i = 0; i < N_BATCH; i++)
        fprintf(out, "fsd_batch_messages_bucket{le=\"%u\"} %llu\n", s_batch_le[i],
                (unsigned long long)f->batch_buckets[i]);
    fprintf(out, "fsd_batch_messages_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)f->batch_count);
    fprintf(out, "fsd_batch_messages_sum %llu\nfsd_batch_messages_count %llu\n",
            (unsigned long long)f->batch_sum, (unsigned long long)f->batch_count);
}

static void s_gauge_text(FILE *out, const figures *f)
{
    s_head(out, "fsd_jobs", "gauge", "Open jobs by state and territory.");
    for (size_t t = 0; t <= f->n_terr && f->jobs; t++)
        for (int s = 1; s < JS_COUNT_; s++) {
            uint32_t n = f->jobs[t * JS_COUNT_ + s];
            if (!n)
                continue;
            fprintf(out, "fsd_jobs{state=\"%s\",territory=\"", job_state_name((job_state)s));
            s_label(out, t < f->n_terr ? f->terr[t] : "");
            fprintf(out, "\"} %u\n", n);
        }
    s_head(out, "fsd_technicians", "gauge", "Technicians known.");
    s_one(out, "fsd_technicians", NULL, NULL, f->techs);
    s_head(out, "fsd_technicians_online", "gauge", "Technicians with a live session.");
    s_one(out, "fsd_technicians_online", NULL, NULL, f->online);
    s_head(out, "fsd_notifications_pending", "gauge", "Customer notifications waiting to be delivered.");
    s_one(out, "fsd_notifications_pending", NULL, NULL, f->notify_pending);
    s_head(out, "fsd_notifications_in_flight", "gauge", "Customer notifications being delivered now.");
    s_one(out, "fsd_notifications_in_flight", NULL, NULL, f->notify_in_flight);
    s_head(out, "fsd_notifications_oldest_pending_seconds", "gauge",
           "Age of the oldest pending notification.");
    s_one(out, "fsd_notifications_oldest_pending_seconds", NULL, NULL, (uint64_t)f->notify_oldest_s);
    s_head(out, "fsd_notifications_failed", "gauge", "Customer notifications given up on (in the outbox).");
    s_one(out, "fsd_notifications_failed", NULL, NULL, f->notify_failed);
    s_head(out, "fsd_notifications_sent_total", "counter", "Customer notifications delivered since start.");
    s_one(out, "fsd_notifications_sent_total", NULL, NULL, f->notify_sent);
    s_head(out, "fsd_storage_failing", "gauge", "1 while commits fail (disk full, I/O error, locked).");
    s_one(out, "fsd_storage_failing", NULL, NULL, f->storage_failing);
    s_head(out, "fsd_commit_failures_total", "counter", "Batches whose transaction did not commit.");
    s_one(out, "fsd_commit_failures_total", NULL, NULL, f->counters[C_COMMIT_FAILED]);
    s_head(out, "fsd_ready", "gauge", "1 when listening with writable storage (as /readyz).");
    s_one(out, "fsd_ready", NULL, NULL, f->listening && !f->storage_failing && !f->stopping);
    s_head(out, "fsd_start_time_seconds", "gauge", "When the server started, Unix time.");
    s_one(out, "fsd_start_time_seconds", NULL, NULL, (uint64_t)(f->started_at / 1000));
}

/* The whole text, or the readiness sentence; malloc'd, *len set. */
static char *s_render(struct metrics *m, const char *url, size_t *len, unsigned *status)
{
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
    if (!out)
        return NULL;
    pthread_mutex_lock(&m->lock);
    const figures *f = &m->pub;
    *status = MHD_HTTP_OK;
    if (strcmp(url, "/metrics") == 0) {
        s_counters(out, m, f);
        s_histograms(out, f);
        s_gauge_text(out, f);
    } else if (strcmp(url, "/healthz") == 0) {
        fputs("ok\n", out);
    } else if (strcmp(url, "/readyz") == 0) {
        if (f->stopping)
            *status = MHD_HTTP_SERVICE_UNAVAILABLE, fputs("stopping\n", out);
        else if (!f->listening)
            *status = MHD_HTTP_SERVICE_UNAVAILABLE, fputs("starting: not listening yet\n", out);
        else if (f->storage_failing)
            *status = MHD_HTTP_SERVICE_UNAVAILABLE, fputs("storage failing: changes are refused\n", out);
        else
            fputs("ready\n", out);
    } else {
        *status = MHD_HTTP_NOT_FOUND;
        fputs("not found: /metrics, /healthz, /readyz\n", out);
    }
    pthread_mutex_unlock(&m->lock);
    fclose(out);
    return buf;
}

static enum MHD_Result s_answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                const char *version, const char *upload_data, size_t *upload_data_size,
                                void **con_cls)
{
    struct metrics *m = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        static char no[] = "only GET\n";
        struct MHD_Response *r = MHD_create_response_from_buffer(sizeof no - 1, no, MHD_RESPMEM_PERSISTENT);
        enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        MHD_destroy_response(r);
        return rc;
    }
    size_t len = 0;
    unsigned status;
    char *text = s_render(m, url, &len, &status);
    if (!text)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type",
                            strcmp(url, "/metrics") == 0 ? "text/plain; version=0.0.4; charset=utf-8"
                                                         : "text/plain; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

int metrics_serve(server *srv, const char *addr, char *err, size_t errlen)
{
    struct metrics *m = srv->metrics;
    char host[256];
    const char *colon = strrchr(addr, ':');
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    if (!colon || hl == 0 || hl >= sizeof host || !colon[1]) {
        snprintf(err, errlen, "--metrics needs HOST:PORT, like 127.0.0.1:9770; not '%s'", addr);
        return -1;
    }
    memcpy(host, addr, hl);
    host[hl] = 0;
    if (host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
        snprintf(err, errlen, "--metrics needs a numeric address and port, like 127.0.0.1:9770; not '%s'",
                 addr);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    m->httpd = MHD_start_daemon(flags, 0, NULL, NULL, s_answer, m, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                                MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!m->httpd) {
        snprintf(err, errlen, "cannot serve metrics on %s: is the port in use? choose another --metrics",
                 addr);
        return -1;
    }
    log_info("metrics", "address=%s paths=/metrics,/healthz,/readyz", addr);
    return 0;
}

void metrics_close(server *srv)
{
    struct metrics *m = srv->metrics;
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->pub.stopping = true;
    pthread_mutex_unlock(&m->lock);
    if (m->httpd)
        MHD_stop_daemon(m->httpd);
    s_free_gauges(&m->mine);
    s_free_gauges(&m->pub);
    pthread_mutex_destroy(&m->lock);
    free(m);
    srv->metrics = NULL;
}
