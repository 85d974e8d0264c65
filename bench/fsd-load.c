/*  fsd-load — the benchmark's load generator: a fleet of technicians and a
    stream of customers against a real fsd-server, over CURVE DEALERs.

        fsd-load --server EP --server-key FILE --keys DIR [options]

    Technicians: every agent key of DIR (sorted by name; --tech-offset and
    --techs take a slice) gets its own DEALER and speaks the session as
    agent/agent_session.c does: Hello (with the last server sequence applied) until
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
#include <errno.h>
#include <getopt.h>
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
#include "load.h"
#include "proc.h"

/* The loop: technicians' timers every TICK_MS, every socket read every
   SWEEP_MS (a ZMQ_FD edge can be missed), at most DRAIN_MAX messages per
   socket at a time (one busy socket does not starve the others). */
#define TICK_MS 20
#define SWEEP_MS 200
#define DRAIN_MAX 1000

static const char *s_categories[] = {
    "washing_machine", "dryer",     "washer_dryer", "dishwasher",   "fridge",
    "freezer",         "oven",      "hob",          "cooker_hood",  "microwave",
    "air_conditioner", "heat_pump", "boiler",       "water_heater", "coffee_machine",
};
/* The centres of the 12 sample territories (examples/territories.geojson). */
static const double s_centres[][2] = {
    { 52.53623, 13.36313 }, { 52.49898, 13.43421 }, { 52.61403, 13.44866 }, { 52.50242, 13.28223 },
    { 52.53201, 13.17376 }, { 52.43424, 13.21060 }, { 52.43343, 13.36556 }, { 52.42835, 13.47328 },
    { 52.41274, 13.63650 }, { 52.52721, 13.59935 }, { 52.53380, 13.50314 }, { 52.61274, 13.28680 },
};
#define N_CENTRES (sizeof s_centres / sizeof s_centres[0])

/* ------------------------------------------------------------ plumbing */

int64_t load_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t s_rng = 88172645463325252ULL;
uint64_t load_rand(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ULL;
}
static double s_unit(void)
{
    return (double)(load_rand() >> 11) / 9007199254740992.0;
}

volatile sig_atomic_t load_stop;
static volatile sig_atomic_t s_reconnect;
static void s_on_signal(int sig)
{
    if (sig == SIGUSR1)
        s_reconnect = 1;
    else
        load_stop = 1;
}

/* ----------------------------------------------------------- the state */

/* One per request sent; its answer finds it by the number in its msg_id
   (load_run_id-N). */
typedef struct {
    int64_t sched_us;
    int16_t step;
    bool answered;
} reqent;

load_options load_opt = {
    .server = "tcp://127.0.0.1:7700",
    .techs = -1,
    .intakes = 4,
    .step_s = 8,
    .drain_s = 3,
    .stop_below = 0.8,
    .settle_s = 1,
    .connect_s = 120,
    .delay_min = 5,
    .delay_max = 50,
};

static void *s_ctx;
static int s_ep = -1;
bool load_sent;
static char s_server_pub[41];
static struct {
    void *sock;
} * s_intakes;
static fsd_keypair s_intake_kp;

static reqent *s_reqs;
static size_t s_n_reqs, s_cap_reqs;
char load_run_id[12];

stepstat load_steps[MAX_STEPS];
int load_cur = -1;
bool load_in_window;

static int64_t s_signal_us;

/* ------------------------------------------------------------- sockets */

void *load_dealer(const char *pub, const char *sec, int hwm)
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
        || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40) < 0 || zmq_connect(sock, load_opt.server) < 0) {
        int saved = errno;
        zmq_close(sock);
        errno = saved;
        return NULL;
    }
    return sock;
}

/* Registers the socket's signalling fd with epoll; data = index. */
int load_watch(void *sock, uint32_t idx)
{
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) < 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = idx };
    return epoll_ctl(s_ep, EPOLL_CTL_ADD, fd, &ev);
}
void load_unwatch(void *sock)
{
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) == 0)
        epoll_ctl(s_ep, EPOLL_CTL_DEL, fd, NULL);
}

/* Sends env (msg_id fresh unless set) on sock; 0 or -1. */
int load_send_env(void *sock, Fsd__Envelope *env)
{
    char id[33];
    if (!env->msg_id || !env->msg_id[0]) {
        wire_msg_id(id);
        env->msg_id = id;
    }
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
    int rc = wire_send(sock, NULL, 0, env);
    load_sent = true;
    if (env->msg_id == id)
        env->msg_id = NULL;
    return rc;
}

/* -------------------------------------------------------------- intake */

static int s_submit(void *sock, size_t n)
{
    /* Zero-padded so the ids sort in the order they are sent, like
       wire_msg_id's: the server's de-dup table is keyed by msg_id and
       appends such keys at its right edge instead of scattering them. */
    char msg_id[48];
    snprintf(msg_id, sizeof msg_id, "%s-%010zu", load_run_id, n);
    const double *c = s_centres[load_rand() % N_CENTRES];
    char phone[24], name[48], address[64];
    unsigned long k = (unsigned long)(load_rand() % 900000);
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
    r.category = (char *)s_categories[load_rand() % (sizeof s_categories / sizeof s_categories[0])];
    r.serial = "";
    r.model = "";
    r.problem = "benchmark request: does not start";
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    env.msg_id = msg_id;
    env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
    env.submit_request = &r;
    return load_send_env(sock, &env);
}

static void s_intake_envelope(const Fsd__Envelope *env, int64_t now_us)
{
    size_t len = strlen(load_run_id);
    if (!env->reply_to || strncmp(env->reply_to, load_run_id, len) != 0 || env->reply_to[len] != '-')
        return;
    size_t n = strtoull(env->reply_to + len + 1, NULL, 10);
    if (n >= s_n_reqs || s_reqs[n].answered)
        return;
    reqent *q = &s_reqs[n];
    q->answered = true;
    stepstat *st = &load_steps[q->step];
    st->answered++;
    if (load_in_window && load_cur == q->step && now_us <= st->t1)
        st->acked_in_window++;
    if (env->body_case != FSD__ENVELOPE__BODY_JOB_VIEW) {
        st->errors++;
        if (st->errors <= 3 && env->body_case == FSD__ENVELOPE__BODY_ERROR)
            fprintf(stderr, "fsd-load: request refused: %s: %s\n",
                    wire_enum_name(&fsd__error_code__descriptor, env->error->code), env->error->message);
        return;
    }
    stats_add(&st->ack, (double)(now_us - q->sched_us) / 1000.0);
    uint64_t num = fleet_job_num(env->job_view->job_id);
    jobent *j = num ? fleet_job(num, true) : NULL;
    if (!j)
        return;
    j->submit_us = q->sched_us;
    j->step = q->step;
    if (j->offer_us)
        stats_add(&st->offer, (double)(j->offer_us - q->sched_us) / 1000.0);
}

/* ------------------------------------------------------------- driving */

/* Receives and handles everything waiting on socket idx. */
static void s_drain(uint32_t idx)
{
    bool is_tech = idx < fleet_n_techs;
    void *sock = is_tech ? fleet_techs[idx].sock : s_intakes[idx - fleet_n_techs].sock;
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
            int64_t now_us = load_now_us();
            Fsd__ErrorCode code;
            const char *why;
            Fsd__Envelope *env =
                wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
            zmq_msg_close(&msg);
            if (!env)
                continue;
            if (is_tech) {
                fleet_techs[idx].last_rx = now_us / 1000;
                if (fleet_envelope(&fleet_techs[idx], idx, env, now_us))
                    ack_due = true;
            } else {
                s_intake_envelope(env, now_us);
            }
            fsd__envelope__free_unpacked(env, NULL);
            if (is_tech && !fleet_techs[idx].sock)
                break;
        }
        if (!ack_due || !fleet_techs[idx].sock)
            break;
        fleet_ack(&fleet_techs[idx]); /* a send may eat the read signal: look once more */
    }
}

/* A line a second while the fleet comes back: whether the storm is paced
   or stalled, and where (DEALERs not yet open, handshakes, Welcomes). */
static void s_storm_progress(size_t back)
{
    size_t socks = 0;
    for (size_t i = 0; i < fleet_n_techs; i++)
        socks += fleet_techs[i].sock != NULL;
    fprintf(stderr, "fsd-load: storm %.1f s: %zu back, %zu DEALERs open\n",
            (double)(load_now_us() - s_signal_us) / 1e6, back, socks);
}

static void s_run_actions(void)
{
    int64_t now = load_now_us();
    for (int n = 0; n < 20000 && fleet_n_heap && fleet_heap[0].due <= now; n++) {
        action a;
        fleet_heap_pop(&a);
        tech *t = &fleet_techs[a.tech];
        if (a.step == 0)
            fleet_offer_reply(t, a.job_id);
        else
            fleet_job_update(t, a.job_id, a.step);
        s_drain(a.tech);
    }
}

/* ------------------------------------------------------------- options */

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
        if (load_opt.n_rates == MAX_STEPS)
            return -1;
        double r = atof(tok);
        if (r <= 0)
            return -1;
        load_opt.rates[load_opt.n_rates++] = r;
    }
    return load_opt.n_rates ? 0 : -1;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "server", 1, 0, 's' },
        { "server-key", 1, 0, 'S' },
        { "keys", 1, 0, 'k' },
        { "techs", 1, 0, 'n' },
        { "tech-offset", 1, 0, 'O' },
        { "fleet", 1, 0, 'f' },
        { "intake-key", 1, 0, 'i' },
        { "intakes", 1, 0, 'm' },
        { "rates", 1, 0, 'r' },
        { "step-s", 1, 0, 'd' },
        { "drain-s", 1, 0, 'D' },
        { "stop-below", 1, 0, 'b' },
        { "accept-delay-ms", 1, 0, 'a' },
        { "work-ms", 1, 0, 'w' },
        { "watch-pid", 1, 0, 'p' },
        { "csv", 1, 0, 'c' },
        { "duration-s", 1, 0, 'T' },
        { "connect-timeout-s", 1, 0, 'C' },
        { "bare", 0, 0, 'B' },
        { "hold-jobs", 0, 0, 'H' },
        { "register", 1, 0, 'R' },
        { "help", 0, 0, 'h' },
        { "version", 0, 0, 'V' },
        { 0, 0, 0, 0 },
    };
    int ch;
    const char *admin_key = NULL;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's': load_opt.server = optarg; break;
        case 'S': load_opt.server_key = optarg; break;
        case 'k': load_opt.keys = optarg; break;
        case 'n': load_opt.techs = atol(optarg); break;
        case 'O': load_opt.tech_offset = atol(optarg); break;
        case 'f': load_opt.fleet = optarg; break;
        case 'i': load_opt.intake_key = optarg; break;
        case 'm': load_opt.intakes = atoi(optarg); break;
        case 'r':
            if (s_parse_rates(optarg) < 0) {
                fprintf(stderr, "fsd-load: --rates takes positive numbers separated by commas (at most %d)\n",
                        MAX_STEPS);
                return 2;
            }
            break;
        case 'd': load_opt.step_s = atof(optarg); break;
        case 'D': load_opt.drain_s = atof(optarg); break;
        case 'b': load_opt.stop_below = atof(optarg); break;
        case 'a':
            if (sscanf(optarg, "%d-%d", &load_opt.delay_min, &load_opt.delay_max) != 2
                || load_opt.delay_min < 0 || load_opt.delay_max < load_opt.delay_min) {
                fprintf(stderr, "fsd-load: --accept-delay-ms takes MIN-MAX, e.g. 5-50\n");
                return 2;
            }
            break;
        case 'w': load_opt.work_ms = atoi(optarg); break;
        case 'p': load_opt.watch_pid = atoi(optarg); break;
        case 'c': load_opt.csv = optarg; break;
        case 'T': load_opt.duration_s = atof(optarg); break;
        case 'C': load_opt.connect_s = atof(optarg); break;
        case 'B': load_opt.bare = true; break;
        case 'H': load_opt.hold_jobs = true; break;
        case 'R': admin_key = optarg; break;
        case 'h': s_usage(stdout); return 0;
        case 'V': puts(VERSION); return 0;
        default: fprintf(stderr, "fsd-load: unknown option: see fsd-load --help\n"); return 2;
        }
    }
    if (!load_opt.server_key || !load_opt.keys || (load_opt.n_rates && !load_opt.intake_key)
        || load_opt.intakes < 1 || load_opt.step_s <= 0) {
        fprintf(
            stderr,
            "fsd-load: --server-key and --keys are required, and --intake-key with --rates: see fsd-load --help\n");
        return 2;
    }
    char err[512];
    fsd_keypair server;
    if (keys_load(load_opt.server_key, &server, false, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-load: %s\n", err);
        return 1;
    }
    memcpy(s_server_pub, server.pub, sizeof s_server_pub);
    if (load_opt.intake_key && keys_load(load_opt.intake_key, &s_intake_kp, true, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-load: %s\n", err);
        return 1;
    }
    if (fleet_load_keys() < 0)
        return 1;
    if (load_opt.fleet)
        fleet_load_positions();
    s_rng ^= (uint64_t)load_now_us() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid();
    if (!s_rng)
        s_rng = 1;
    char rid[33];
    wire_msg_id(rid);
    snprintf(load_run_id, sizeof load_run_id, "L%.10s", rid);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    s_ctx = zmq_ctx_new();
    /* twice the fleet: on SIGUSR1 the closed DEALERs count until the reaper
       has them, while their fresh ones open */
    zmq_ctx_set(s_ctx, ZMQ_MAX_SOCKETS, 2 * (int)fleet_n_techs + load_opt.intakes + 64);
    s_ep = epoll_create1(EPOLL_CLOEXEC);
    if (admin_key) {
        int rc = fleet_register(admin_key);
        zmq_ctx_term(s_ctx);
        return rc;
    }
    int n_intakes = load_opt.n_rates ? load_opt.intakes : 0;
    s_intakes = calloc((size_t)n_intakes + 1, sizeof *s_intakes);
    for (int i = 0; i < n_intakes; i++) {
        s_intakes[i].sock = load_dealer(s_intake_kp.pub, s_intake_kp.sec, 0);
        if (!s_intakes[i].sock || load_watch(s_intakes[i].sock, (uint32_t)(fleet_n_techs + (size_t)i)) < 0) {
            fprintf(stderr, "fsd-load: cannot open an intake DEALER: %s\n", zmq_strerror(errno));
            return 1;
        }
    }
    int64_t t_start = NOW_MS();
    for (size_t i = 0; i < fleet_n_techs; i++) {
        tech *t = &fleet_techs[i];
        t->beat_ms = 5000;
        t->reconnect_backoff = RECONNECT_FIRST_MS;
        fleet_connect(t, (uint32_t)i);
    }
    fprintf(stderr, "fsd-load: %zu technicians, %d intake DEALERs, server %s\n", fleet_n_techs, n_intakes,
            load_opt.server);

    FILE *csv = NULL;
    if (load_opt.csv) {
        csv = fopen(load_opt.csv, "a");
        if (!csv) {
            fprintf(stderr, "fsd-load: cannot write %s: %s\n", load_opt.csv, strerror(errno));
            return 1;
        }
        if (ftell(csv) == 0)
            stats_csv_header(csv);
    }

    /* phases: 0 connecting, 1 settling, 2 window, 3 drain, 4 holding/done,
       5 walking the held jobs (--hold-jobs), 6 waiting for a quiet server */
    int phase = 0, status = 0;
    unsigned long walk_until = 0, walk_from = 0;
    unsigned long long quiet_cpu = 0;
    int64_t quiet_at = 0;
    int64_t phase_end = 0, next_tick = 0, next_sweep = 0, next_sample = 0, next_progress = 0;
    int64_t end = load_opt.duration_s > 0 ? t_start + (int64_t)(load_opt.duration_s * 1000) : 0;
    size_t sent_in_step = 0;
    unsigned rr = 0;
    bool rewelcome_pending = false;
    struct epoll_event evs[512];
    while (!load_stop) {
        int64_t now = NOW_MS();
        if (end && now >= end)
            break;
        if (s_reconnect) {
            s_reconnect = 0;
            s_signal_us = load_now_us();
            for (size_t i = 0; i < fleet_n_techs; i++) {
                fleet_techs[i].welcomes = 0;
                fleet_disconnect(&fleet_techs[i], false);
                fleet_connect(&fleet_techs[i], (uint32_t)i);
            }
            rewelcome_pending = true;
        }
        /* what falls due next */
        int64_t due = now + TICK_MS;
        if (phase == 2) {
            due = now; /* sending: do not sleep past a request */
        }
        if (fleet_n_heap) {
            int64_t h = fleet_heap[0].due / 1000;
            if (h < due)
                due = h;
        }
        int timeout = (int)(due - now);
        if (timeout < 0)
            timeout = 0;
        if (phase == 2 && timeout == 0) {
            /* sleep until the next request is due, at most 1 ms */
            stepstat *st = &load_steps[load_cur];
            int64_t next_us = st->t0 + (int64_t)((double)sent_in_step * 1e6 / st->rate);
            timeout = next_us > load_now_us() ? 1 : 0;
        }
        int n = epoll_wait(s_ep, evs, 512, timeout);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            uint32_t idx = evs[i].data.u32;
            s_drain(idx);
            if (idx < fleet_n_techs)
                fleet_link_event(&fleet_techs[idx]);
        }

        /* customers */
        if (phase == 2) {
            stepstat *st = &load_steps[load_cur];
            int64_t nowu = load_now_us();
            size_t total = (size_t)(st->rate * load_opt.step_s);
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
                q->step = (int16_t)load_cur;
                q->answered = false;
                sent_in_step++;
                st->sent++;
            }
            for (int i = 0; i < n_intakes; i++)
                s_drain((uint32_t)(fleet_n_techs + (size_t)i));
        }
        s_run_actions();
        now = NOW_MS();
        if (now >= next_tick) {
            next_tick = now + TICK_MS;
            for (size_t i = 0; i < fleet_n_techs; i++) {
                load_sent = false;
                fleet_tick(&fleet_techs[i], (uint32_t)i, now);
                if (load_sent)
                    s_drain((uint32_t)i);
            }
        }
        if (now >= next_sweep) {
            next_sweep = now + SWEEP_MS;
            for (uint32_t i = 0; i < fleet_n_techs + (size_t)n_intakes; i++)
                s_drain(i);
        }
        if (load_opt.watch_pid && phase == 2 && now >= next_sample) {
            next_sample = now + 250;
            long rss = proc_rss_kib(load_opt.watch_pid);
            if (rss > load_steps[load_cur].rss_max)
                load_steps[load_cur].rss_max = rss;
        }
        if (rewelcome_pending) {
            size_t back = 0;
            for (size_t i = 0; i < fleet_n_techs; i++)
                back += fleet_techs[i].welcomes > 0;
            if (now >= next_progress) {
                next_progress = now + 1000;
                s_storm_progress(back);
            }
            if (back == fleet_n_techs) {
                rewelcome_pending = false;
                printf("rewelcomed %zu ms=%.0f\n", back, (double)(load_now_us() - s_signal_us) / 1000.0);
                fflush(stdout);
            }
        }

        /* phases */
        if (phase == 0) {
            size_t open = 0;
            for (size_t i = 0; i < fleet_n_techs; i++)
                open += fleet_techs[i].open;
            bool intakes_ready = true;
            if (open == fleet_n_techs && intakes_ready) {
                printf("welcomed %zu ms=%lld\n", open, (long long)(now - t_start));
                fflush(stdout);
                phase = load_opt.n_rates ? 1 : 4;
                phase_end = now + (int64_t)(load_opt.settle_s * 1000);
            } else if (now - t_start > (int64_t)(load_opt.connect_s * 1000)) {
                fprintf(stderr, "fsd-load: only %zu of %zu technicians got a Welcome within %.0f s\n", open,
                        fleet_n_techs, load_opt.connect_s);
                status = 1;
                break;
            }
        } else if (phase == 1 && now >= phase_end) {
            load_cur = load_cur < 0 ? 0 : load_cur + 1;
            stepstat *st = &load_steps[load_cur];
            st->rate = load_opt.rates[load_cur];
            st->t0 = load_now_us();
            st->t1 = st->t0 + (int64_t)(load_opt.step_s * 1e6);
            st->cpu0 = load_opt.watch_pid ? proc_cpu_ticks(load_opt.watch_pid) : 0;
            st->mcpu0 = load_opt.watch_pid ? proc_main_thread_cpu_ticks(load_opt.watch_pid) : 0;
            st->lcpu0 = proc_cpu_ticks(getpid());
            sent_in_step = 0;
            load_in_window = true;
            phase = 2;
        } else if (phase == 2 && load_now_us() >= load_steps[load_cur].t1) {
            stepstat *st = &load_steps[load_cur];
            st->cpu1 = load_opt.watch_pid ? proc_cpu_ticks(load_opt.watch_pid) : 0;
            st->mcpu1 = load_opt.watch_pid ? proc_main_thread_cpu_ticks(load_opt.watch_pid) : 0;
            st->lcpu1 = proc_cpu_ticks(getpid());
            long rss = load_opt.watch_pid ? proc_rss_kib(load_opt.watch_pid) : 0;
            if (rss > st->rss_max)
                st->rss_max = rss;
            load_in_window = false;
            phase = 3;
            phase_end = now + (int64_t)(load_opt.drain_s * 1000);
        } else if (phase == 3) {
            stepstat *st = &load_steps[load_cur];
            bool done = st->answered == st->sent && st->offer.n >= st->ack.n && !fleet_n_heap;
            if (done || now >= phase_end) {
                double win = (double)(st->t1 - st->t0) / 1e6;
                double acked = (double)st->acked_in_window / win;
                stats_sort(&st->ack);
                stats_sort(&st->offer);
                stats_sort(&st->accept);
                stats_rate_line(st, win);
                fflush(stdout);
                if (csv) {
                    stats_csv_row(csv, st, win);
                    fflush(csv);
                }
                bool saturated = acked < load_opt.stop_below * st->rate;
                if (saturated || load_cur + 1 >= load_opt.n_rates) {
                    phase = 4;
                    if (!load_opt.duration_s)
                        break;
                } else if (load_opt.hold_jobs) {
                    walk_from = fleet_completed_total;
                    walk_until = walk_from + fleet_release();
                    quiet_at = now;
                    phase = 5;
                    phase_end = now + 120000;
                } else {
                    phase = 1;
                    phase_end = now + 500;
                }
            }
        } else if (phase == 5 && (fleet_completed_total >= walk_until || now >= phase_end)) {
            if (fleet_completed_total < walk_until)
                fprintf(stderr, "fsd-load: %lu held jobs not completed after 120 s\n",
                        walk_until - fleet_completed_total);
            printf("walked %lu of %lu ms=%lld\n", fleet_completed_total - walk_from, walk_until - walk_from,
                   (long long)(now - quiet_at));
            fflush(stdout);
            phase = load_opt.watch_pid ? 6 : 1;
            phase_end = now + (load_opt.watch_pid ? 60000 : 500);
            quiet_at = now;
            quiet_cpu = load_opt.watch_pid ? proc_cpu_ticks(load_opt.watch_pid) : 0;
        } else if (phase == 6 && now - quiet_at >= 500) {
            unsigned long long c = proc_cpu_ticks(load_opt.watch_pid);
            double pct = (double)(c - quiet_cpu) / (double)sysconf(_SC_CLK_TCK)
                         / ((double)(now - quiet_at) / 1000.0) * 100.0;
            quiet_at = now;
            quiet_cpu = c;
            if (pct < 20.0 || now >= phase_end) {
                phase = 1;
                phase_end = now + 500;
            }
        }
    }
    for (size_t i = 0; i < fleet_n_techs; i++) {
        if (fleet_techs[i].sock)
            zmq_close(fleet_techs[i].sock);
        for (size_t k = 0; k < fleet_techs[i].n_reps; k++)
            free(fleet_techs[i].reps[k].data);
        free(fleet_techs[i].reps);
    }
    for (int i = 0; i < n_intakes; i++)
        zmq_close(s_intakes[i].sock);
    zmq_ctx_term(s_ctx);
    if (csv)
        fclose(csv);
    return status;
}
