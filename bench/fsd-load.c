/*  fsd-load — the benchmark's load generator: a fleet of technicians and a
    stream of customers against a real fsd-server, over CURVE DEALERs.

        fsd-load --server EP --server-key FILE --keys DIR [options]

    Technicians: every agent key of DIR (sorted by name; --tech-offset and
    --techs take a slice) gets its own DEALER and speaks the session as
    agent/session.c does: Hello (with the last server sequence applied) until
    Welcome, Heartbeat every heartbeat_ms, Position after the Welcome and every
    30 s (when --fleet gives the positions), sequenced Offer/Assigned/Revoked
    applied in order and acknowledged cumulatively (Ack), the first sequence
    of a session taken as the base, a gap answered with a new Hello; its own
    reports (OfferReply, JobUpdate) numbered after the Welcome's
    last_report_seq, re-sent in order on a new session, on an Ack{upto} gap
    answer and after 3 s without an answer; reconnect with backoff after three
    silent beats. No local SQLite: the reports live in memory only. An offer
    is accepted after a random delay (--accept-delay-ms, default 5-50); the
    job is then walked en_route, on_site, completed (--work-ms apart, default
    0), each step sent when the server confirmed the previous one, so the
    technician's capacity frees at once. With --hold-jobs an accepted job is
    held instead: a rate's window then carries only what the issue counts as
    dispatch (submit, match, offer, accept); after the window's drain every
    held job is walked to completed, and the next rate starts once all are
    and (with --watch-pid) the server has gone quiet (under 20 % of a core
    for half a second: its customer messages for the walk are out).

    Customers (--rates R1,R2,...): for each rate an open-loop stream of
    SubmitRequests for --step-s seconds over --intakes DEALERs (--intake-key),
    pipelined; every request is timed from its scheduled send time. Per
    rate it measures: requests acknowledged per second (answers arriving in
    the window / window), offers per second (offers arriving at the fleet in
    the window), intake->ack latency, intake->offer latency (the Offer's
    job_id matched to the answer's job_id), accept->assigned latency
    (OfferReply sent -> its JobView), and, with --watch-pid, the server's CPU
    (% of one core, from /proc/PID/stat) and resident memory (peak VmRSS).
    After each window it waits up to --drain-s for the stragglers; it stops
    after a rate whose acknowledged rate fell below --stop-below x offered.
    One line per rate on stdout; --csv FILE appends one row per rate.

    Without --rates it only holds the fleet: prints `welcomed N ms=T` once
    every technician has its Welcome, and on SIGUSR1 drops every link and
    reconnects with fresh DEALERs at once (what an agent does after its
    server went silent), printing `rewelcomed N ms=T` (T from the signal)
    when all are back. --bare: the peer is a bare echoing ROUTER (fsd-floors
    router), so any answer to the Hello opens the session.

    Stops at --duration-s, SIGINT or SIGTERM. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "fsd/keys.h"
#include "fsd/wire.h"

#define VERSION "fsd-load 1.0"
#define HELLO_FIRST_MS 2000
#define HELLO_MAX_MS 10000
#define RECONNECT_FIRST_MS 1000
#define RECONNECT_MAX_MS 10000
#define RETRY_SOON_MS 200
#define RESEND_MS 3000
#define GAP_RESEND_MS 500
#define POSITION_MS 30000
#define TICK_MS 20
#define SWEEP_MS 200
#define MAX_STEPS 32
#define DRAIN_MAX 1000

static const char *s_categories[] = {
    "washing_machine", "dryer", "washer_dryer", "dishwasher", "fridge", "freezer", "oven", "hob",
    "cooker_hood", "microwave", "air_conditioner", "heat_pump", "boiler", "water_heater", "coffee_machine",
};
/* The centres of the 12 sample territories (examples/territories.geojson). */
static const double s_centres[][2] = {
    { 52.53623, 13.36313 }, { 52.49898, 13.43421 }, { 52.61403, 13.44866 }, { 52.50242, 13.28223 },
    { 52.53201, 13.17376 }, { 52.43424, 13.21060 }, { 52.43343, 13.36556 }, { 52.42835, 13.47328 },
    { 52.41274, 13.63650 }, { 52.52721, 13.59935 }, { 52.53380, 13.50314 }, { 52.61274, 13.28680 },
};
#define N_CENTRES (sizeof s_centres / sizeof s_centres[0])

/* ------------------------------------------------------------ plumbing */

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
#define NOW_MS() (s_now_us() / 1000)

static uint64_t s_rng = 88172645463325252ULL;
static uint64_t s_rand(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ULL;
}
static double s_unit(void) { return (double)(s_rand() >> 11) / 9007199254740992.0; }
static int64_t s_jitter(int ms)
{
    int span = ms / 10;
    return span > 0 ? ms - span + (int64_t)(s_rand() % (uint64_t)(2 * span + 1)) : ms;
}

static volatile sig_atomic_t s_stop, s_reconnect;
static void s_on_signal(int sig)
{
    if (sig == SIGUSR1)
        s_reconnect = 1;
    else
        s_stop = 1;
}

/* float samples, grown as needed */
typedef struct {
    float *v;
    size_t n, cap;
} samples;

static void s_add(samples *s, double ms)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        float *g = realloc(s->v, cap * sizeof *g);
        if (!g)
            return;
        s->v = g;
        s->cap = cap;
    }
    s->v[s->n++] = (float)ms;
}
static int s_cmpf(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}
static void s_sort(samples *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, s_cmpf);
}
/* p in [0,1] of sorted samples (s_sort); NAN when empty. */
static double s_pct(samples *s, double p)
{
    if (!s->n)
        return NAN;
    size_t k = (size_t)ceil(p * (double)s->n);
    if (k < 1)
        k = 1;
    if (k > s->n)
        k = s->n;
    return s->v[k - 1];
}

/* ----------------------------------------------------------- the state */

typedef struct {
    uint64_t seq;
    char msg_id[40];
    char job_id[24];
    int step;                  /* 0 accept, 1 en_route, 2 on_site, 3 completed */
    int run_step;              /* rate step current when the accept was sent */
    uint8_t *data;
    size_t len;
    int64_t first_us, sent_us; /* first send; last send (0 = not on this link) */
} report;

typedef struct {
    char name[64];
    char pub[41], sec[41];
    void *sock;
    bool open, expect_base, ack_due, has_pos;
    uint64_t applied, report_seq;
    int64_t opened_at, last_rx, next_hello, next_beat, next_position, reconnect_at;
    int64_t last_gap_hello, last_gap_resend;
    int hello_backoff, reconnect_backoff, beat_ms;
    double lat, lon;
    report *reps;
    size_t n_reps, cap_reps;
    unsigned welcomes;         /* Welcomes seen since the last reconnect signal */
} tech;

typedef struct {
    int64_t due;
    uint32_t tech;
    int step;                  /* 0 accept, 1.. walk */
    char job_id[24];
} action;

typedef struct {
    uint64_t num;              /* 0 = free */
    int64_t submit_us, offer_us;
    int16_t step;
} jobent;

typedef struct {
    int64_t sched_us;
    int16_t step;
    bool answered;
} reqent;

typedef struct {
    double rate;
    int64_t t0, t1;            /* window */
    unsigned long sent, acked_in_window, offers_in_window, answered, errors, completed;
    samples ack, offer, accept;
    unsigned long long cpu0, cpu1;     /* the server's (--watch-pid) */
    unsigned long long lcpu0, lcpu1;   /* this process's: the two share the machine */
    long rss_max;
} stepstat;

static struct {
    const char *server, *server_key, *keys, *intake_key, *fleet, *csv;
    long techs, tech_offset;
    int intakes;
    double rates[MAX_STEPS];
    int n_rates;
    double step_s, drain_s, duration_s, stop_below, settle_s, connect_s;
    int delay_min, delay_max, work_ms;
    int watch_pid;
    bool bare, quiet, hold_jobs;
} o = {
    .server = "tcp://127.0.0.1:7700", .techs = -1, .intakes = 4, .step_s = 8, .drain_s = 3,
    .stop_below = 0.8, .settle_s = 1, .connect_s = 120, .delay_min = 5, .delay_max = 50,
};

static void *s_ctx;
static int s_ep = -1;
static bool s_sent;             /* something was sent: drain that socket (ZMQ_FD is edge-like) */
static char s_server_pub[41];
static tech *s_techs;
static size_t s_n_techs;
static struct { void *sock; } *s_intakes;
static fsd_keypair s_intake_kp;

static action *s_heap;
static size_t s_n_heap, s_cap_heap;

static jobent *s_jobs;
static size_t s_jobs_cap, s_jobs_n;

static reqent *s_reqs;
static size_t s_n_reqs, s_cap_reqs;
static char s_run_id[12];

static stepstat s_steps[MAX_STEPS];
static int s_cur = -1;          /* current rate step, -1 none */
static bool s_in_window;

static unsigned long s_welcomed_total;
static action *s_held;          /* --hold-jobs: accepted jobs, walked after the drain */
static size_t s_n_held, s_cap_held;
static unsigned long s_completed_total;
static int64_t s_signal_us;

/* ---------------------------------------------------------- job table */

static jobent *s_job(uint64_t num, bool create)
{
    if (create && (s_jobs_n + 1) * 2 > s_jobs_cap) {
        size_t cap = s_jobs_cap ? s_jobs_cap * 2 : 1 << 16;
        jobent *g = calloc(cap, sizeof *g);
        if (!g)
            return NULL;
        for (size_t i = 0; i < s_jobs_cap; i++) {
            if (!s_jobs[i].num)
                continue;
            size_t h = (size_t)(s_jobs[i].num * 11400714819323198485ULL) & (cap - 1);
            while (g[h].num)
                h = (h + 1) & (cap - 1);
            g[h] = s_jobs[i];
        }
        free(s_jobs);
        s_jobs = g;
        s_jobs_cap = cap;
    }
    if (!s_jobs_cap)
        return NULL;
    size_t h = (size_t)(num * 11400714819323198485ULL) & (s_jobs_cap - 1);
    while (s_jobs[h].num) {
        if (s_jobs[h].num == num)
            return &s_jobs[h];
        h = (h + 1) & (s_jobs_cap - 1);
    }
    if (!create)
        return NULL;
    s_jobs[h].num = num;
    s_jobs[h].step = -1;
    s_jobs_n++;
    return &s_jobs[h];
}

/* "J000123" -> 123; 0 when not of that form. */
static uint64_t s_job_num(const char *id)
{
    if (!id || id[0] != 'J' || id[1] < '0' || id[1] > '9')
        return 0;
    char *end;
    unsigned long long n = strtoull(id + 1, &end, 10);
    return *end ? 0 : n;
}

/* ------------------------------------------------------------- actions */

static void s_heap_push(const action *a)
{
    if (s_n_heap == s_cap_heap) {
        size_t cap = s_cap_heap ? s_cap_heap * 2 : 1024;
        action *g = realloc(s_heap, cap * sizeof *g);
        if (!g)
            return;
        s_heap = g;
        s_cap_heap = cap;
    }
    size_t i = s_n_heap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (s_heap[p].due <= a->due)
            break;
        s_heap[i] = s_heap[p];
        i = p;
    }
    s_heap[i] = *a;
}

static void s_heap_pop(action *out)
{
    *out = s_heap[0];
    action last = s_heap[--s_n_heap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        int64_t md = last.due;
        if (l < s_n_heap && s_heap[l].due < md) {
            m = l;
            md = s_heap[l].due;
        }
        if (r < s_n_heap && s_heap[r].due < md)
            m = r;
        if (m == i)
            break;
        s_heap[i] = s_heap[m];
        i = m;
    }
    if (s_n_heap)
        s_heap[i] = last;
}

/* ------------------------------------------------------------- sockets */

static void *s_dealer(const char *pub, const char *sec, int hwm)
{
    void *sock = zmq_socket(s_ctx, ZMQ_DEALER);
    if (!sock)
        return NULL;
    int zero = 0, one = 1;
    int64_t max = FSD_MAX_MSG;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (hwm >= 0) {
        zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    }
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, s_server_pub, 40) < 0
        || zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 40) < 0
        || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40) < 0
        || zmq_connect(sock, o.server) < 0) {
        int saved = errno;
        zmq_close(sock);
        errno = saved;
        return NULL;
    }
    return sock;
}

/* Registers the socket's signalling fd with epoll; data = index. */
static int s_watch(void *sock, uint32_t idx)
{
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) < 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = idx };
    return epoll_ctl(s_ep, EPOLL_CTL_ADD, fd, &ev);
}
static void s_unwatch(void *sock)
{
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) == 0)
        epoll_ctl(s_ep, EPOLL_CTL_DEL, fd, NULL);
}

/* Sends env (msg_id fresh unless set) on sock; 0 or -1. */
static int s_send_env(void *sock, Fsd__Envelope *env)
{
    char id[33];
    if (!env->msg_id || !env->msg_id[0]) {
        wire_msg_id(id);
        env->msg_id = id;
    }
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
    int rc = wire_send(sock, NULL, 0, env);
    s_sent = true;
    if (env->msg_id == id)
        env->msg_id = NULL;
    return rc;
}

/* ---------------------------------------------------------- technician */

static void s_tech_connect(tech *t, uint32_t idx)
{
    int64_t now = NOW_MS();
    t->sock = s_dealer(t->pub, t->sec, -1);
    if (!t->sock || s_watch(t->sock, idx) < 0) {
        if (t->sock)
            zmq_close(t->sock);
        t->sock = NULL;
        t->reconnect_at = now + s_jitter(t->reconnect_backoff);
        return;
    }
    t->open = false;
    t->opened_at = now;
    t->last_rx = 0;
    t->next_hello = now;
    t->hello_backoff = HELLO_FIRST_MS;
    for (size_t i = 0; i < t->n_reps; i++)
        t->reps[i].sent_us = 0;
}

static void s_tech_disconnect(tech *t, bool backoff)
{
    if (t->sock) {
        s_unwatch(t->sock);
        zmq_close(t->sock);
    }
    t->sock = NULL;
    t->open = false;
    t->reconnect_at = NOW_MS() + (backoff ? s_jitter(t->reconnect_backoff) : 0);
    if (backoff) {
        t->reconnect_backoff *= 2;
        if (t->reconnect_backoff > RECONNECT_MAX_MS)
            t->reconnect_backoff = RECONNECT_MAX_MS;
    }
}

static void s_tech_hello(tech *t)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Hello hello = FSD__HELLO__INIT;
    hello.version = FSD_PROTOCOL_VERSION;
    hello.last_seq_applied = t->applied;
    hello.build = VERSION;
    env.body_case = FSD__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    int64_t now = NOW_MS();
    if (s_send_env(t->sock, &env) < 0) {
        t->next_hello = now + RETRY_SOON_MS; /* not connected yet (ZMQ_IMMEDIATE) */
        return;
    }
    t->next_hello = now + s_jitter(t->hello_backoff);
    t->hello_backoff *= 2;
    if (t->hello_backoff > HELLO_MAX_MS)
        t->hello_backoff = HELLO_MAX_MS;
}

static void s_tech_beat(tech *t)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Heartbeat beat = FSD__HEARTBEAT__INIT;
    beat.last_seq_applied = t->applied;
    env.body_case = FSD__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &beat;
    s_send_env(t->sock, &env);
    t->next_beat = NOW_MS() + t->beat_ms;
}

static void s_tech_position(tech *t)
{
    t->next_position = NOW_MS() + POSITION_MS;
    if (!t->has_pos)
        return;
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Position pos = FSD__POSITION__INIT;
    pos.lat = t->lat;
    pos.lon = t->lon;
    pos.at = wire_now_ms();
    env.body_case = FSD__ENVELOPE__BODY_POSITION;
    env.position = &pos;
    s_send_env(t->sock, &env);
}

static void s_tech_ack(tech *t)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Ack ack = FSD__ACK__INIT;
    ack.upto = t->applied;
    env.body_case = FSD__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    s_send_env(t->sock, &env);
}

/* Sends stored reports in seq order: never sent on this link, or sent
   before older_than (µs); stops at the first the socket will not take. */
static void s_send_reports(tech *t, int64_t older_than, uint64_t after_seq)
{
    if (!t->open || !t->sock)
        return;
    int64_t now = s_now_us();
    for (size_t i = 0; i < t->n_reps; i++) {
        report *r = &t->reps[i];
        if (r->seq <= after_seq || (r->sent_us != 0 && r->sent_us >= older_than))
            continue;
        s_sent = true;
        if (zmq_send(t->sock, r->data, r->len, ZMQ_DONTWAIT) < 0)
            break;
        r->sent_us = now;
        if (!r->first_us)
            r->first_us = now;
    }
}

/* Numbers, keeps and sends a report (env body set). */
static void s_report(tech *t, Fsd__Envelope *env, const char *job_id, int step)
{
    if (t->n_reps == t->cap_reps) {
        size_t cap = t->cap_reps ? t->cap_reps * 2 : 4;
        report *g = realloc(t->reps, cap * sizeof *g);
        if (!g)
            return;
        t->reps = g;
        t->cap_reps = cap;
    }
    report *r = &t->reps[t->n_reps];
    memset(r, 0, sizeof *r);
    r->seq = ++t->report_seq;
    wire_msg_id(r->msg_id);
    snprintf(r->job_id, sizeof r->job_id, "%s", job_id);
    r->step = step;
    r->run_step = s_cur;
    env->msg_id = r->msg_id;
    env->seq = r->seq;
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
    r->data = wire_encode(env, &r->len);
    if (!r->data)
        return;
    t->n_reps++;
    s_send_reports(t, s_now_us() - RESEND_MS * 1000LL, 0);
}

static void s_offer_reply(tech *t, const char *job_id)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__OfferReply reply = FSD__OFFER_REPLY__INIT;
    reply.job_id = (char *)job_id;
    reply.accept = true;
    reply.note = "";
    env.body_case = FSD__ENVELOPE__BODY_OFFER_REPLY;
    env.offer_reply = &reply;
    s_report(t, &env, job_id, 0);
}

static void s_job_update(tech *t, const char *job_id, int step)
{
    static const Fsd__JobState states[] = { 0, FSD__JOB_STATE__JOB_EN_ROUTE,
        FSD__JOB_STATE__JOB_ON_SITE, FSD__JOB_STATE__JOB_COMPLETED };
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__JobUpdate up = FSD__JOB_UPDATE__INIT;
    up.job_id = (char *)job_id;
    up.state = states[step];
    up.note = "";
    up.at = wire_now_ms();
    env.body_case = FSD__ENVELOPE__BODY_JOB_UPDATE;
    env.job_update = &up;
    s_report(t, &env, job_id, step);
}

static void s_plan(uint32_t ti, const char *job_id, int step, int64_t delay_ms)
{
    action a;
    memset(&a, 0, sizeof a);
    a.due = s_now_us() + delay_ms * 1000;
    a.tech = ti;
    a.step = step;
    snprintf(a.job_id, sizeof a.job_id, "%s", job_id);
    s_heap_push(&a);
}

/* --hold-jobs: keeps an accepted job for s_release. */
static void s_hold(uint32_t ti, const char *job_id)
{
    if (s_n_held == s_cap_held) {
        size_t cap = s_cap_held ? s_cap_held * 2 : 4096;
        action *g = realloc(s_held, cap * sizeof *g);
        if (!g)
            return; /* the job stays assigned; the release wait times out */
        s_held = g;
        s_cap_held = cap;
    }
    action *a = &s_held[s_n_held++];
    memset(a, 0, sizeof *a);
    a->tech = ti;
    a->step = 1;
    snprintf(a->job_id, sizeof a->job_id, "%s", job_id);
}

/* Walks every held job now; returns how many. */
static size_t s_release(void)
{
    size_t n = s_n_held;
    for (size_t i = 0; i < n; i++)
        s_plan(s_held[i].tech, s_held[i].job_id, 1, 0);
    s_n_held = 0;
    return n;
}

static void s_welcome(tech *t, const Fsd__Envelope *env)
{
    int64_t now = NOW_MS();
    t->open = true;
    t->expect_base = true;
    if (env->body_case == FSD__ENVELOPE__BODY_WELCOME) {
        const Fsd__Welcome *w = env->welcome;
        t->beat_ms = w->heartbeat_ms >= 200 && w->heartbeat_ms <= 300000 ? (int)w->heartbeat_ms : 5000;
        if (w->last_report_seq > t->report_seq) {
            /* the server applied reports we never made (an earlier run): number after it */
            uint64_t base = w->last_report_seq;
            for (size_t i = 0; i < t->n_reps; i++) {
                Fsd__ErrorCode code;
                const char *why;
                Fsd__Envelope *e = wire_decode(t->reps[i].data, t->reps[i].len, FSD_MAX_MSG, &code, &why);
                if (!e)
                    continue;
                e->seq = t->reps[i].seq = ++base;
                free(t->reps[i].data);
                t->reps[i].data = wire_encode(e, &t->reps[i].len);
                fsd__envelope__free_unpacked(e, NULL);
            }
            t->report_seq = base;
        }
    }
    t->next_beat = now + t->beat_ms;
    t->reconnect_backoff = RECONNECT_FIRST_MS;
    t->hello_backoff = HELLO_FIRST_MS;
    t->welcomes++;
    s_welcomed_total++;
    for (size_t i = 0; i < t->n_reps; i++)
        t->reps[i].sent_us = 0;
    s_send_reports(t, s_now_us(), 0);
    s_tech_position(t);
}

/* A sequenced server message; true when an Ack is due. */
static bool s_sequenced(tech *t, uint32_t ti, const Fsd__Envelope *env, int64_t now_us)
{
    bool first = t->expect_base;
    t->expect_base = false;
    if (first && env->seq > t->applied + 1)
        t->applied = env->seq - 1; /* acknowledged by an earlier life: start from here */
    if (env->seq <= t->applied)
        return true;               /* duplicate */
    if (env->seq > t->applied + 1) {
        int64_t now = now_us / 1000;
        if (now - t->last_gap_hello >= HELLO_FIRST_MS) {
            t->last_gap_hello = now;
            s_tech_hello(t);
        }
        return false;
    }
    t->applied = env->seq;
    if (env->body_case == FSD__ENVELOPE__BODY_OFFER && env->offer->job) {
        const char *job_id = env->offer->job->job_id;
        uint64_t num = s_job_num(job_id);
        jobent *j = num ? s_job(num, true) : NULL;
        if (j && !j->offer_us) {
            j->offer_us = now_us;
            if (j->submit_us && j->step >= 0) {
                stepstat *st = &s_steps[j->step];
                s_add(&st->offer, (double)(now_us - j->submit_us) / 1000.0);
            }
            if (s_in_window && s_cur >= 0 && now_us <= s_steps[s_cur].t1)
                s_steps[s_cur].offers_in_window++;
        }
        int span = o.delay_max - o.delay_min;
        s_plan(ti, job_id, 0, o.delay_min + (span > 0 ? (int64_t)(s_rand() % (uint64_t)(span + 1)) : 0));
    } else if (env->body_case == FSD__ENVELOPE__BODY_ASSIGNED && env->assigned->job) {
        if (!o.hold_jobs) /* held from the answer to the accept instead */
            s_plan(ti, env->assigned->job->job_id, 1, o.work_ms / 3);
    } else if (env->body_case == FSD__ENVELOPE__BODY_REVOKED) {
        /* planned actions on it will be refused with a conflict: harmless */
    }
    return true;
}

/* The answer to one of our reports. */
static void s_report_answer(tech *t, uint32_t ti, size_t idx, const Fsd__Envelope *env, int64_t now_us)
{
    report *r = &t->reps[idx];
    if (env->body_case == FSD__ENVELOPE__BODY_ACK) {
        /* gap: the server applied only up to upto; re-send after it */
        int64_t now = now_us / 1000;
        if (now - t->last_gap_resend >= GAP_RESEND_MS) {
            t->last_gap_resend = now;
            s_send_reports(t, now_us + 1, env->ack->upto);
        }
        return;
    }
    if (env->body_case == FSD__ENVELOPE__BODY_ERROR && env->error->code == FSD__ERROR_CODE__ERR_UNAVAILABLE)
        return; /* kept; re-sent later */
    if (env->body_case == FSD__ENVELOPE__BODY_JOB_VIEW) {
        const Fsd__JobView *v = env->job_view;
        if (r->step == 0 && r->run_step >= 0)
            s_add(&s_steps[r->run_step].accept, (double)(now_us - r->first_us) / 1000.0);
        if (v->state == FSD__JOB_STATE__JOB_ASSIGNED && o.hold_jobs)
            s_hold(ti, v->job_id);
        else if (v->state == FSD__JOB_STATE__JOB_ASSIGNED)
            s_plan(ti, v->job_id, 1, o.work_ms / 3);
        else if (v->state == FSD__JOB_STATE__JOB_EN_ROUTE)
            s_plan(ti, v->job_id, 2, o.work_ms);
        else if (v->state == FSD__JOB_STATE__JOB_ON_SITE)
            s_plan(ti, v->job_id, 3, o.work_ms);
        else if (v->state == FSD__JOB_STATE__JOB_COMPLETED && s_cur >= 0) {
            s_steps[s_cur].completed++;
            s_completed_total++;
        }
    }
    free(r->data);
    memmove(&t->reps[idx], &t->reps[idx + 1], (t->n_reps - idx - 1) * sizeof *r);
    t->n_reps--;
}

static bool s_tech_envelope(tech *t, uint32_t ti, const Fsd__Envelope *env, int64_t now_us)
{
    if (o.bare) {
        if (!t->open)
            s_welcome(t, env);
        return false;
    }
    if (env->body_case == FSD__ENVELOPE__BODY_WELCOME) {
        s_welcome(t, env);
        return false;
    }
    if (env->seq > 0 && (env->body_case == FSD__ENVELOPE__BODY_OFFER
                         || env->body_case == FSD__ENVELOPE__BODY_ASSIGNED
                         || env->body_case == FSD__ENVELOPE__BODY_REVOKED))
        return s_sequenced(t, ti, env, now_us);
    if (env->reply_to && env->reply_to[0]) {
        for (size_t i = 0; i < t->n_reps; i++)
            if (strcmp(t->reps[i].msg_id, env->reply_to) == 0) {
                s_report_answer(t, ti, i, env, now_us);
                break;
            }
    }
    return false;
}

/* Runs the technician's timers. */
static void s_tech_tick(tech *t, uint32_t ti, int64_t now)
{
    if (!t->sock) {
        if (now >= t->reconnect_at)
            s_tech_connect(t, ti);
        return;
    }
    int64_t quiet = t->last_rx > t->opened_at ? t->last_rx : t->opened_at;
    if (now - quiet > 3 * (int64_t)t->beat_ms) {
        s_tech_disconnect(t, true);
        return;
    }
    if (!t->open) {
        if (now >= t->next_hello)
            s_tech_hello(t);
        return;
    }
    if (now >= t->next_beat)
        s_tech_beat(t);
    if (now >= t->next_position)
        s_tech_position(t);
    if (t->n_reps)
        s_send_reports(t, s_now_us() - RESEND_MS * 1000LL, 0);
}

/* ------------------------------------------------------------- intake */

static int s_submit(void *sock, size_t n)
{
    /* Zero-padded so the ids sort in the order they are sent, like
       wire_msg_id's: the server's de-dup table is keyed by msg_id and
       appends such keys at its right edge instead of scattering them. */
    char msg_id[48];
    snprintf(msg_id, sizeof msg_id, "%s-%010zu", s_run_id, n);
    const double *c = s_centres[s_rand() % N_CENTRES];
    char phone[24], name[48], address[64];
    unsigned long k = (unsigned long)(s_rand() % 900000);
    snprintf(phone, sizeof phone, "+49301%07lu", k);
    snprintf(name, sizeof name, "Load Customer %lu", k);
    snprintf(address, sizeof address, "Teststraße %lu, Berlin", k % 200 + 1);
    Fsd__SubmitRequest r = FSD__SUBMIT_REQUEST__INIT;
    r.customer_name = name;
    r.phone = phone;
    r.address = address;
    r.lat = c[0] + (s_unit() - 0.5) * 0.02;
    r.lon = c[1] + (s_unit() - 0.5) * 0.03;
    r.brand = "Bosch";
    r.category = (char *)s_categories[s_rand() % (sizeof s_categories / sizeof s_categories[0])];
    r.serial = "";
    r.model = "";
    r.problem = "benchmark request: does not start";
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    env.msg_id = msg_id;
    env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
    env.submit_request = &r;
    return s_send_env(sock, &env);
}

static void s_intake_envelope(const Fsd__Envelope *env, int64_t now_us)
{
    size_t len = strlen(s_run_id);
    if (!env->reply_to || strncmp(env->reply_to, s_run_id, len) != 0 || env->reply_to[len] != '-')
        return;
    size_t n = strtoull(env->reply_to + len + 1, NULL, 10);
    if (n >= s_n_reqs || s_reqs[n].answered)
        return;
    reqent *q = &s_reqs[n];
    q->answered = true;
    stepstat *st = &s_steps[q->step];
    st->answered++;
    if (s_in_window && s_cur == q->step && now_us <= st->t1)
        st->acked_in_window++;
    if (env->body_case != FSD__ENVELOPE__BODY_JOB_VIEW) {
        st->errors++;
        if (st->errors <= 3 && env->body_case == FSD__ENVELOPE__BODY_ERROR)
            fprintf(stderr, "fsd-load: request refused: %s: %s\n",
                    wire_enum_name(&fsd__error_code__descriptor, env->error->code), env->error->message);
        return;
    }
    s_add(&st->ack, (double)(now_us - q->sched_us) / 1000.0);
    uint64_t num = s_job_num(env->job_view->job_id);
    jobent *j = num ? s_job(num, true) : NULL;
    if (!j)
        return;
    j->submit_us = q->sched_us;
    j->step = q->step;
    if (j->offer_us)
        s_add(&st->offer, (double)(j->offer_us - q->sched_us) / 1000.0);
}

/* ------------------------------------------------------------- driving */

/* Receives and handles everything waiting on socket idx. */
static void s_drain(uint32_t idx)
{
    bool is_tech = idx < s_n_techs;
    void *sock = is_tech ? s_techs[idx].sock : s_intakes[idx - s_n_techs].sock;
    if (!sock)
        return;
    for (int round = 0; round < 2; round++) {
    bool ack_due = false;
    for (int n = 0; n < DRAIN_MAX; n++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        int64_t now_us = s_now_us();
        Fsd__ErrorCode code;
        const char *why;
        Fsd__Envelope *env = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
        zmq_msg_close(&msg);
        if (!env)
            continue;
        if (is_tech) {
            s_techs[idx].last_rx = now_us / 1000;
            if (s_tech_envelope(&s_techs[idx], idx, env, now_us))
                ack_due = true;
        } else {
            s_intake_envelope(env, now_us);
        }
        fsd__envelope__free_unpacked(env, NULL);
        if (is_tech && !s_techs[idx].sock)
            break;
    }
    if (!ack_due || !s_techs[idx].sock)
        break;
    s_tech_ack(&s_techs[idx]); /* a send may eat the read signal: look once more */
    }
}

static void s_run_actions(void)
{
    int64_t now = s_now_us();
    for (int n = 0; n < 20000 && s_n_heap && s_heap[0].due <= now; n++) {
        action a;
        s_heap_pop(&a);
        tech *t = &s_techs[a.tech];
        if (a.step == 0)
            s_offer_reply(t, a.job_id);
        else
            s_job_update(t, a.job_id, a.step);
        s_drain(a.tech);
    }
}

static unsigned long long s_proc_cpu(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    unsigned long long ut = 0, st = 0;
    /* fields after ")": state(3) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return ut + st;
}

static long s_proc_rss(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int s_by_name(const void *a, const void *b)
{
    return strcmp(((const tech *)a)->name, ((const tech *)b)->name);
}

static int s_load_keys(void)
{
    DIR *dp = opendir(o.keys);
    if (!dp) {
        fprintf(stderr, "fsd-load: cannot read the key folder %s: %s\n", o.keys, strerror(errno));
        return -1;
    }
    struct dirent *de;
    size_t cap = 0, n = 0;
    tech *all = NULL;
    while ((de = readdir(dp))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".key") != 0)
            continue;
        char path[PATH_MAX + 300], err[512];
        snprintf(path, sizeof path, "%s/%s", o.keys, de->d_name);
        fsd_keypair kp;
        if (keys_load(path, &kp, true, err, sizeof err) < 0 || strcmp(kp.role, "agent") != 0 || !kp.name[0])
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            tech *g = realloc(all, cap * sizeof *g);
            if (!g) {
                closedir(dp);
                free(all);
                return -1;
            }
            all = g;
        }
        memset(&all[n], 0, sizeof all[n]);
        snprintf(all[n].name, sizeof all[n].name, "%s", kp.name);
        memcpy(all[n].pub, kp.pub, sizeof kp.pub);
        memcpy(all[n].sec, kp.sec, sizeof kp.sec);
        n++;
    }
    closedir(dp);
    qsort(all, n, sizeof *all, s_by_name);
    size_t from = (size_t)(o.tech_offset < 0 ? 0 : o.tech_offset);
    if (from > n)
        from = n;
    size_t count = o.techs < 0 || (size_t)o.techs > n - from ? n - from : (size_t)o.techs;
    s_techs = calloc(count ? count : 1, sizeof *s_techs);
    if (!s_techs) {
        free(all);
        return -1;
    }
    memcpy(s_techs, all + from, count * sizeof *s_techs);
    s_n_techs = count;
    free(all);
    return 0;
}

/* --fleet CSV: id first, lat and lon the last two columns. */
static void s_load_fleet(void)
{
    FILE *f = fopen(o.fleet, "r");
    if (!f) {
        fprintf(stderr, "fsd-load: cannot read %s: %s (positions not sent)\n", o.fleet, strerror(errno));
        return;
    }
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        char *comma = strchr(line, ',');
        char *last = strrchr(line, ',');
        if (!comma || last == comma)
            continue;
        *comma = 0;
        *last = 0;
        char *prev = strrchr(comma + 1, ',');
        if (!prev)
            continue;
        double lat = atof(prev + 1), lon = atof(last + 1);
        for (size_t i = 0; i < s_n_techs; i++)
            if (strcmp(s_techs[i].name, line) == 0) {
                s_techs[i].lat = lat;
                s_techs[i].lon = lon;
                s_techs[i].has_pos = lat != 0 || lon != 0;
                break;
            }
    }
    fclose(f);
}

/* --register: AddPrincipal for every selected key, pipelined on one admin
   DEALER (fsdctl keygen registers one key per commit: minutes for 10,000). */
static int s_register(const char *admin_key)
{
    fsd_keypair admin;
    char err[512];
    if (keys_load(admin_key, &admin, true, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-load: %s\n", err);
        return 1;
    }
    void *sock = s_dealer(admin.pub, admin.sec, 0);
    if (!sock) {
        fprintf(stderr, "fsd-load: cannot open the admin DEALER: %s\n", zmq_strerror(errno));
        return 1;
    }
    int64_t t0 = NOW_MS();
    size_t sent = 0, answered = 0, refused = 0;
    while (answered < s_n_techs && NOW_MS() - t0 < (int64_t)(o.connect_s * 1000) && !s_stop) {
        while (sent < s_n_techs) {
            char msg_id[48];
            snprintf(msg_id, sizeof msg_id, "%s-r%zu", s_run_id, sent);
            Fsd__AddPrincipal ap = FSD__ADD_PRINCIPAL__INIT;
            ap.public_key = s_techs[sent].pub;
            ap.name = s_techs[sent].name;
            ap.role = FSD__ROLE__ROLE_AGENT;
            ap.technician_id = s_techs[sent].name;
            Fsd__Envelope env = FSD__ENVELOPE__INIT;
            env.msg_id = msg_id;
            env.body_case = FSD__ENVELOPE__BODY_ADD_PRINCIPAL;
            env.add_principal = &ap;
            if (s_send_env(sock, &env) < 0)
                break; /* not connected yet, or full */
            sent++;
        }
        zmq_pollitem_t it = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, 20) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        while (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) >= 0) {
            Fsd__ErrorCode code;
            const char *why;
            Fsd__Envelope *env = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
            if (env) {
                answered++;
                if (env->body_case == FSD__ENVELOPE__BODY_ERROR && ++refused <= 3)
                    fprintf(stderr, "fsd-load: registration refused: %s\n", env->error->message);
                fsd__envelope__free_unpacked(env, NULL);
            }
        }
        zmq_msg_close(&msg);
    }
    zmq_close(sock);
    printf("registered %zu of %zu keys in %lld ms (%zu refused)\n", answered - refused, s_n_techs,
           (long long)(NOW_MS() - t0), refused);
    return answered == s_n_techs && refused == 0 ? 0 : 1;
}

static void s_usage(FILE *out)
{
    fprintf(out,
        "usage: fsd-load --server EP --server-key FILE --keys DIR [options]\n\n"
        "Plays technicians (one CURVE DEALER each, the agent session) and customers\n"
        "(open-loop SubmitRequests) against fsd-server and prints what it measured.\n\n"
        "  --keys DIR             agent key files (fsdctl keygen --role agent --all-technicians)\n"
        "  --techs N              how many of them (default all)   --tech-offset K  skip the first K\n"
        "  --fleet FILE           technicians CSV: positions to report\n"
        "  --intake-key FILE      intake key for the requests (needed with --rates)\n"
        "  --intakes M            intake DEALERs (default 4)\n"
        "  --rates R1,R2,...      requests per second, one window each\n"
        "  --step-s S             window per rate (default 8)    --drain-s S  wait after (default 3)\n"
        "  --stop-below F         stop after a rate acknowledged below F x offered (default 0.8)\n"
        "  --accept-delay-ms A-B  offer accepted after A..B ms (default 5-50)\n"
        "  --work-ms N            between the steps of a job (default 0)\n"
        "  --hold-jobs            keep accepted jobs until the rate's drain is over, then walk\n"
        "                         them all to completed before the next rate\n"
        "  --watch-pid PID        sample this process's CPU and RSS (the server)\n"
        "  --csv FILE             append one row per rate\n"
        "  --duration-s S         without --rates: hold the fleet S seconds (default: until signalled)\n"
        "  --connect-timeout-s S  wait for every Welcome at most S (default 120)\n"
        "  --bare                 the peer is a bare echoing ROUTER (fsd-floors router)\n"
        "  --register ADMIN_KEY   only register the selected keys with the server (AddPrincipal,\n"
        "                         pipelined) and exit\n"
        "SIGUSR1: drop every link and reconnect at once; prints rewelcomed N ms=T.\n");
}

static int s_parse_rates(const char *s)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (o.n_rates == MAX_STEPS)
            return -1;
        double r = atof(tok);
        if (r <= 0)
            return -1;
        o.rates[o.n_rates++] = r;
    }
    return o.n_rates ? 0 : -1;
}

static void s_csv_row(FILE *f, stepstat *st, double secs)
{
    double win = (double)(st->t1 - st->t0) / 1e6;
    fprintf(f, "%.0f,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%lu,%lu,%.1f,%ld,%.1f\n",
            st->rate, (double)st->sent / win, (double)st->acked_in_window / win,
            (double)st->offers_in_window / win,
            s_pct(&st->ack, 0.5), s_pct(&st->ack, 0.99), s_pct(&st->ack, 0.999),
            s_pct(&st->offer, 0.5), s_pct(&st->offer, 0.99), s_pct(&st->offer, 0.999),
            s_pct(&st->accept, 0.5), s_pct(&st->accept, 0.99), s_pct(&st->accept, 0.999),
            st->errors, st->sent - st->answered,
            o.watch_pid ? (double)(st->cpu1 - st->cpu0) / (double)sysconf(_SC_CLK_TCK) / secs * 100.0 : NAN,
            st->rss_max, (double)(st->lcpu1 - st->lcpu0) / (double)sysconf(_SC_CLK_TCK) / secs * 100.0);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "server", 1, 0, 's' }, { "server-key", 1, 0, 'S' }, { "keys", 1, 0, 'k' },
        { "techs", 1, 0, 'n' }, { "tech-offset", 1, 0, 'O' }, { "fleet", 1, 0, 'f' },
        { "intake-key", 1, 0, 'i' }, { "intakes", 1, 0, 'm' }, { "rates", 1, 0, 'r' },
        { "step-s", 1, 0, 'd' }, { "drain-s", 1, 0, 'D' }, { "stop-below", 1, 0, 'b' },
        { "accept-delay-ms", 1, 0, 'a' }, { "work-ms", 1, 0, 'w' }, { "watch-pid", 1, 0, 'p' },
        { "csv", 1, 0, 'c' }, { "duration-s", 1, 0, 'T' }, { "connect-timeout-s", 1, 0, 'C' },
        { "bare", 0, 0, 'B' }, { "hold-jobs", 0, 0, 'H' }, { "register", 1, 0, 'R' }, { "help", 0, 0, 'h' }, { "version", 0, 0, 'V' }, { 0, 0, 0, 0 },
    };
    int ch;
    const char *admin_key = NULL;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's': o.server = optarg; break;
        case 'S': o.server_key = optarg; break;
        case 'k': o.keys = optarg; break;
        case 'n': o.techs = atol(optarg); break;
        case 'O': o.tech_offset = atol(optarg); break;
        case 'f': o.fleet = optarg; break;
        case 'i': o.intake_key = optarg; break;
        case 'm': o.intakes = atoi(optarg); break;
        case 'r':
            if (s_parse_rates(optarg) < 0) {
                fprintf(stderr, "fsd-load: --rates takes positive numbers separated by commas (at most %d)\n", MAX_STEPS);
                return 2;
            }
            break;
        case 'd': o.step_s = atof(optarg); break;
        case 'D': o.drain_s = atof(optarg); break;
        case 'b': o.stop_below = atof(optarg); break;
        case 'a':
            if (sscanf(optarg, "%d-%d", &o.delay_min, &o.delay_max) != 2 || o.delay_min < 0 || o.delay_max < o.delay_min) {
                fprintf(stderr, "fsd-load: --accept-delay-ms takes MIN-MAX, e.g. 5-50\n");
                return 2;
            }
            break;
        case 'w': o.work_ms = atoi(optarg); break;
        case 'p': o.watch_pid = atoi(optarg); break;
        case 'c': o.csv = optarg; break;
        case 'T': o.duration_s = atof(optarg); break;
        case 'C': o.connect_s = atof(optarg); break;
        case 'B': o.bare = true; break;
        case 'H': o.hold_jobs = true; break;
        case 'R': admin_key = optarg; break;
        case 'h': s_usage(stdout); return 0;
        case 'V': puts(VERSION); return 0;
        default: fprintf(stderr, "fsd-load: unknown option: see fsd-load --help\n"); return 2;
        }
    }
    if (!o.server_key || !o.keys || (o.n_rates && !o.intake_key) || o.intakes < 1 || o.step_s <= 0) {
        fprintf(stderr, "fsd-load: --server-key and --keys are required, and --intake-key with --rates: see fsd-load --help\n");
        return 2;
    }
    char err[512];
    fsd_keypair server;
    if (keys_load(o.server_key, &server, false, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-load: %s\n", err);
        return 1;
    }
    memcpy(s_server_pub, server.pub, sizeof s_server_pub);
    if (o.intake_key && keys_load(o.intake_key, &s_intake_kp, true, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-load: %s\n", err);
        return 1;
    }
    if (s_load_keys() < 0)
        return 1;
    if (o.fleet)
        s_load_fleet();
    s_rng ^= (uint64_t)s_now_us() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid();
    if (!s_rng)
        s_rng = 1;
    char rid[33];
    wire_msg_id(rid);
    snprintf(s_run_id, sizeof s_run_id, "L%.10s", rid);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    s_ctx = zmq_ctx_new();
    zmq_ctx_set(s_ctx, ZMQ_MAX_SOCKETS, (int)s_n_techs + o.intakes + 64);
    s_ep = epoll_create1(EPOLL_CLOEXEC);
    if (admin_key) {
        int rc = s_register(admin_key);
        zmq_ctx_term(s_ctx);
        return rc;
    }
    int n_intakes = o.n_rates ? o.intakes : 0;
    s_intakes = calloc((size_t)n_intakes + 1, sizeof *s_intakes);
    for (int i = 0; i < n_intakes; i++) {
        s_intakes[i].sock = s_dealer(s_intake_kp.pub, s_intake_kp.sec, 0);
        if (!s_intakes[i].sock || s_watch(s_intakes[i].sock, (uint32_t)(s_n_techs + (size_t)i)) < 0) {
            fprintf(stderr, "fsd-load: cannot open an intake DEALER: %s\n", zmq_strerror(errno));
            return 1;
        }
    }
    int64_t t_start = NOW_MS();
    for (size_t i = 0; i < s_n_techs; i++) {
        tech *t = &s_techs[i];
        t->beat_ms = 5000;
        t->reconnect_backoff = RECONNECT_FIRST_MS;
        s_tech_connect(t, (uint32_t)i);
    }
    fprintf(stderr, "fsd-load: %zu technicians, %d intake DEALERs, server %s\n", s_n_techs, n_intakes, o.server);

    FILE *csv = NULL;
    if (o.csv) {
        csv = fopen(o.csv, "a");
        if (!csv) {
            fprintf(stderr, "fsd-load: cannot write %s: %s\n", o.csv, strerror(errno));
            return 1;
        }
        if (ftell(csv) == 0)
            fprintf(csv, "offered_per_s,sent_per_s,acked_per_s,offers_per_s,ack_p50_ms,ack_p99_ms,ack_p999_ms,"
                         "offer_p50_ms,offer_p99_ms,offer_p999_ms,accept_p50_ms,accept_p99_ms,accept_p999_ms,"
                         "errors,unanswered,server_cpu_pct,server_rss_kib,load_cpu_pct\n");
    }

    /* phases: 0 connecting, 1 settling, 2 window, 3 drain, 4 holding/done,
       5 walking the held jobs (--hold-jobs), 6 waiting for a quiet server */
    int phase = 0, status = 0;
    unsigned long walk_until = 0, walk_from = 0;
    unsigned long long quiet_cpu = 0;
    int64_t quiet_at = 0;
    int64_t phase_end = 0, next_tick = 0, next_sweep = 0, next_sample = 0;
    int64_t end = o.duration_s > 0 ? t_start + (int64_t)(o.duration_s * 1000) : 0;
    size_t sent_in_step = 0;
    unsigned rr = 0;
    bool rewelcome_pending = false;
    struct epoll_event evs[512];
    while (!s_stop) {
        int64_t now = NOW_MS();
        if (end && now >= end)
            break;
        if (s_reconnect) {
            s_reconnect = 0;
            s_signal_us = s_now_us();
            for (size_t i = 0; i < s_n_techs; i++) {
                s_techs[i].welcomes = 0;
                s_tech_disconnect(&s_techs[i], false);
                s_tech_connect(&s_techs[i], (uint32_t)i);
            }
            rewelcome_pending = true;
        }
        /* what falls due next */
        int64_t due = now + TICK_MS;
        if (phase == 2) {
            due = now; /* sending: do not sleep past a request */
        }
        if (s_n_heap) {
            int64_t h = s_heap[0].due / 1000;
            if (h < due)
                due = h;
        }
        int timeout = (int)(due - now);
        if (timeout < 0)
            timeout = 0;
        if (phase == 2 && timeout == 0) {
            /* sleep until the next request is due, at most 1 ms */
            stepstat *st = &s_steps[s_cur];
            int64_t next_us = st->t0 + (int64_t)((double)sent_in_step * 1e6 / st->rate);
            timeout = next_us > s_now_us() ? 1 : 0;
        }
        int n = epoll_wait(s_ep, evs, 512, timeout);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++)
            s_drain(evs[i].data.u32);

        /* customers */
        if (phase == 2) {
            stepstat *st = &s_steps[s_cur];
            int64_t nowu = s_now_us();
            size_t total = (size_t)(st->rate * o.step_s);
            size_t want = (size_t)((double)(nowu - st->t0) * st->rate / 1e6) + 1;
            if (want > total)
                want = total;
            for (int k = 0; k < 2000 && sent_in_step < want; k++) {
                if (s_n_reqs == s_cap_reqs) {
                    size_t cap = s_cap_reqs ? s_cap_reqs * 2 : 65536;
                    reqent *g = realloc(s_reqs, cap * sizeof *g);
                    if (!g)
                        break;
                    s_reqs = g;
                    s_cap_reqs = cap;
                }
                void *sock = s_intakes[rr % (unsigned)n_intakes].sock;
                if (s_submit(sock, s_n_reqs) < 0)
                    break; /* EAGAIN: the socket is full; the schedule keeps its times */
                rr++;
                reqent *q = &s_reqs[s_n_reqs++];
                q->sched_us = st->t0 + (int64_t)((double)sent_in_step * 1e6 / st->rate);
                q->step = (int16_t)s_cur;
                q->answered = false;
                sent_in_step++;
                st->sent++;
            }
            for (int i = 0; i < n_intakes; i++)
                s_drain((uint32_t)(s_n_techs + (size_t)i));
        }
        s_run_actions();
        now = NOW_MS();
        if (now >= next_tick) {
            next_tick = now + TICK_MS;
            for (size_t i = 0; i < s_n_techs; i++) {
                s_sent = false;
                s_tech_tick(&s_techs[i], (uint32_t)i, now);
                if (s_sent)
                    s_drain((uint32_t)i);
            }
        }
        if (now >= next_sweep) {
            next_sweep = now + SWEEP_MS;
            for (uint32_t i = 0; i < s_n_techs + (size_t)n_intakes; i++)
                s_drain(i);
        }
        if (o.watch_pid && phase == 2 && now >= next_sample) {
            next_sample = now + 250;
            long rss = s_proc_rss(o.watch_pid);
            if (rss > s_steps[s_cur].rss_max)
                s_steps[s_cur].rss_max = rss;
        }
        if (rewelcome_pending) {
            size_t back = 0;
            for (size_t i = 0; i < s_n_techs; i++)
                back += s_techs[i].welcomes > 0;
            if (back == s_n_techs) {
                rewelcome_pending = false;
                printf("rewelcomed %zu ms=%.0f\n", back, (double)(s_now_us() - s_signal_us) / 1000.0);
                fflush(stdout);
            }
        }

        /* phases */
        if (phase == 0) {
            size_t open = 0;
            for (size_t i = 0; i < s_n_techs; i++)
                open += s_techs[i].open;
            bool intakes_ready = true;
            if (open == s_n_techs && intakes_ready) {
                printf("welcomed %zu ms=%lld\n", open, (long long)(now - t_start));
                fflush(stdout);
                phase = o.n_rates ? 1 : 4;
                phase_end = now + (int64_t)(o.settle_s * 1000);
            } else if (now - t_start > (int64_t)(o.connect_s * 1000)) {
                fprintf(stderr, "fsd-load: only %zu of %zu technicians got a Welcome within %.0f s\n",
                        open, s_n_techs, o.connect_s);
                status = 1;
                break;
            }
        } else if (phase == 1 && now >= phase_end) {
            s_cur = s_cur < 0 ? 0 : s_cur + 1;
            stepstat *st = &s_steps[s_cur];
            st->rate = o.rates[s_cur];
            st->t0 = s_now_us();
            st->t1 = st->t0 + (int64_t)(o.step_s * 1e6);
            st->cpu0 = o.watch_pid ? s_proc_cpu(o.watch_pid) : 0;
            st->lcpu0 = s_proc_cpu(getpid());
            sent_in_step = 0;
            s_in_window = true;
            phase = 2;
        } else if (phase == 2 && s_now_us() >= s_steps[s_cur].t1) {
            stepstat *st = &s_steps[s_cur];
            st->cpu1 = o.watch_pid ? s_proc_cpu(o.watch_pid) : 0;
            st->lcpu1 = s_proc_cpu(getpid());
            long rss = o.watch_pid ? s_proc_rss(o.watch_pid) : 0;
            if (rss > st->rss_max)
                st->rss_max = rss;
            s_in_window = false;
            phase = 3;
            phase_end = now + (int64_t)(o.drain_s * 1000);
        } else if (phase == 3) {
            stepstat *st = &s_steps[s_cur];
            bool done = st->answered == st->sent && st->offer.n >= st->ack.n && !s_n_heap;
            if (done || now >= phase_end) {
                double win = (double)(st->t1 - st->t0) / 1e6;
                double acked = (double)st->acked_in_window / win;
                s_sort(&st->ack);
                s_sort(&st->offer);
                s_sort(&st->accept);
                double cpu = o.watch_pid ? (double)(st->cpu1 - st->cpu0) / (double)sysconf(_SC_CLK_TCK) / win * 100.0 : NAN;
                double lcpu = (double)(st->lcpu1 - st->lcpu0) / (double)sysconf(_SC_CLK_TCK) / win * 100.0;
                printf("rate offered=%.0f sent=%.0f acked=%.0f offers=%.0f ack_ms=%.2f/%.2f/%.2f "
                       "offer_ms=%.2f/%.2f/%.2f accept_ms=%.2f/%.2f/%.2f errors=%lu unanswered=%lu "
                       "completed=%lu server_cpu=%.0f%% server_rss_kib=%ld load_cpu=%.0f%%\n",
                       st->rate, (double)st->sent / win, acked, (double)st->offers_in_window / win,
                       s_pct(&st->ack, 0.5), s_pct(&st->ack, 0.99), s_pct(&st->ack, 0.999),
                       s_pct(&st->offer, 0.5), s_pct(&st->offer, 0.99), s_pct(&st->offer, 0.999),
                       s_pct(&st->accept, 0.5), s_pct(&st->accept, 0.99), s_pct(&st->accept, 0.999),
                       st->errors, st->sent - st->answered, st->completed, cpu, st->rss_max, lcpu);
                fflush(stdout);
                if (csv) {
                    s_csv_row(csv, st, win);
                    fflush(csv);
                }
                bool saturated = acked < o.stop_below * st->rate;
                if (saturated || s_cur + 1 >= o.n_rates) {
                    phase = 4;
                    if (!o.duration_s)
                        break;
                } else if (o.hold_jobs) {
                    walk_from = s_completed_total;
                    walk_until = walk_from + s_release();
                    quiet_at = now;
                    phase = 5;
                    phase_end = now + 120000;
                } else {
                    phase = 1;
                    phase_end = now + 500;
                }
            }
        } else if (phase == 5 && (s_completed_total >= walk_until || now >= phase_end)) {
            if (s_completed_total < walk_until)
                fprintf(stderr, "fsd-load: %lu held jobs not completed after 120 s\n", walk_until - s_completed_total);
            printf("walked %lu of %lu ms=%lld\n", s_completed_total - walk_from, walk_until - walk_from,
                   (long long)(now - quiet_at));
            fflush(stdout);
            phase = o.watch_pid ? 6 : 1;
            phase_end = now + (o.watch_pid ? 60000 : 500);
            quiet_at = now;
            quiet_cpu = o.watch_pid ? s_proc_cpu(o.watch_pid) : 0;
        } else if (phase == 6 && now - quiet_at >= 500) {
            unsigned long long c = s_proc_cpu(o.watch_pid);
            double pct = (double)(c - quiet_cpu) / (double)sysconf(_SC_CLK_TCK) / ((double)(now - quiet_at) / 1000.0) * 100.0;
            quiet_at = now;
            quiet_cpu = c;
            if (pct < 20.0 || now >= phase_end) {
                phase = 1;
                phase_end = now + 500;
            }
        }
    }
    for (size_t i = 0; i < s_n_techs; i++) {
        if (s_techs[i].sock)
            zmq_close(s_techs[i].sock);
        for (size_t k = 0; k < s_techs[i].n_reps; k++)
            free(s_techs[i].reps[k].data);
        free(s_techs[i].reps);
    }
    for (int i = 0; i < n_intakes; i++)
        zmq_close(s_intakes[i].sock);
    zmq_ctx_term(s_ctx);
    if (csv)
        fclose(csv);
    return status;
}
