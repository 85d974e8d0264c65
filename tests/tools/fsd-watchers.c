/*  fsd-watchers — many live watchers at once, for the benchmark and tests.

    Makes N dispatcher keys, registers them with the admin key (AddPrincipal),
    opens one CURVE DEALER per key, subscribes each (Watch, no snapshot),
    renews the leases, and counts what arrives until --seconds pass or
    SIGINT/SIGTERM. Then prints, one "name value" a line:
      watchers, events (WatchEvents received over all watchers),
      events_per_s (over the span from the first to the last event),
      latency_p50_ms, latency_p99_ms, latency_max_ms (from the event's
      Envelope.sent_at, set when the server encoded it at the end of the batch
      that made the change, just before that batch's commit, to its arrival),
      resyncs, min_events and max_events (per watcher).

    The watchers are served by --threads threads (default 4), each polling
    its share, so that the receiving side is not what the latency measures.

      fsd-watchers --server EP --server-key FILE --admin-key FILE --watchers N
                   [--territory T] [--seconds S] [--renew-ms MS] [--threads K] [--single]
    (--single: one frame per event, Watch.batch off; by default a batch's
    changes come in one frame, as fsd-web takes them) */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "fsd.pb-c.h"
#include "fsd/keys.h"
#include "fsd/wire.h"

#define LAT_BUCKETS 60000 /* ms */

static volatile sig_atomic_t s_stop;
static bool s_single; /* --single: one frame per event (Watch.batch off) */

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    void *sock;
    fsd_keypair kp;
    uint64_t last;
    uint64_t events;
} watcher;

static void s_die(const char *what)
{
    fprintf(stderr, "fsd-watchers: %s\n", what);
    exit(1);
}

static Fsd__Envelope *s_recv(void *sock)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return NULL;
    }
    Fsd__ErrorCode code;
    const char *why;
    Fsd__Envelope *env = wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), FSD_MAX_MSG, &code, &why);
    zmq_msg_close(&m);
    return env;
}

/* Registers the watchers' keys as dispatchers (one request each). */
static void s_register(void *ctx, const char *ep, const char *server_pub, const char *admin_key, watcher *w,
                       int n)
{
    fsd_keypair admin;
    char err[256];
    if (keys_load(admin_key, &admin, true, err, sizeof err) < 0)
        s_die(err);
    void *sock = wire_dealer(ctx, ep, &admin, server_pub);
    if (!sock)
        s_die("cannot connect with the admin key");
    for (int i = 0; i < n; i++) {
        char name[48];
        snprintf(name, sizeof name, "bench-watcher-%d", i);
        Fsd__AddPrincipal ap = FSD__ADD_PRINCIPAL__INIT;
        ap.public_key = w[i].kp.pub;
        ap.name = name;
        ap.role = FSD__ROLE__ROLE_DISPATCHER;
        Fsd__Envelope env;
        char id[33];
        wire_envelope_init(&env, id);
        env.body_case = FSD__ENVELOPE__BODY_ADD_PRINCIPAL;
        env.add_principal = &ap;
        Fsd__Envelope *rep = wire_call(sock, &env, 2000, 10000);
        if (!rep || rep->body_case != FSD__ENVELOPE__BODY_PRINCIPAL_ADDED)
            s_die("a watcher's key was not registered");
        fsd__envelope__free_unpacked(rep, NULL);
    }
    zmq_close(sock);
}

static int s_send_watch(watcher *w, char **terr, size_t n_terr)
{
    Fsd__Watch r = FSD__WATCH__INIT;
    r.stream = "bench";
    r.territories = terr;
    r.n_territories = n_terr;
    r.resume_after = w->last;
    r.batch = !s_single;
    Fsd__Envelope env;
    char id[33];
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_WATCH;
    env.watch = &r;
    return wire_send(w->sock, NULL, 0, &env);
}

static uint64_t s_percentile(const uint64_t *hist, uint64_t total, double p)
{
    uint64_t want = (uint64_t)(p * (double)total + 0.999999), seen = 0;
    for (int i = 0; i < LAT_BUCKETS; i++) {
        seen += hist[i];
        if (seen >= want && want)
            return (uint64_t)i;
    }
    return LAT_BUCKETS;
}

typedef struct {
    watcher *w;
    int n;
    char **terr;
    size_t n_terr;
    int seconds, renew_ms;
    int64_t start;
    uint64_t hist[LAT_BUCKETS + 1];
    uint64_t events, resyncs, max_lat;
    int64_t first, last;
    int answered;
    pthread_t thread;
} slice;

static volatile int s_answered;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

/* One thread: receives for its watchers, renews their leases. */
static void *s_run(void *arg)
{
    slice *sl = arg;
    zmq_pollitem_t *items = calloc((size_t)sl->n, sizeof *items);
    for (int i = 0; i < sl->n; i++)
        items[i] = (zmq_pollitem_t){ sl->w[i].sock, 0, ZMQ_POLLIN, 0 };
    int64_t renew_at = sl->start + sl->renew_ms;
    while (!s_stop && (!sl->seconds || wire_now_ms() - sl->start < (int64_t)sl->seconds * 1000)) {
        if (zmq_poll(items, sl->n, 100) < 0 && errno != EINTR)
            break;
        int64_t now = wire_now_ms();
        for (int i = 0; i < sl->n; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            watcher *w = &sl->w[i];
            Fsd__Envelope *env;
            while ((env = s_recv(w->sock))) {
                if (env->body_case == FSD__ENVELOPE__BODY_WATCH_EVENT) {
                    const Fsd__WatchEvent *one = env->watch_event;
                    size_t n_ev = one->n_events ? one->n_events : 1;
                    for (size_t x = 0; x < n_ev; x++) {
                        const Fsd__WatchEvent *ev = one->n_events ? one->events[x] : one;
                        if (ev->change_case == FSD__WATCH_EVENT__CHANGE_RESYNC)
                            sl->resyncs++;
                        if (ev->seq <= w->last)
                            continue;
                        w->last = ev->seq;
                        w->events++;
                        sl->events++;
                        uint64_t lat = now > env->sent_at ? (uint64_t)(now - env->sent_at) : 0;
                        sl->hist[lat < LAT_BUCKETS ? lat : LAT_BUCKETS]++;
                        sl->max_lat = lat > sl->max_lat ? lat : sl->max_lat;
                        if (!sl->first)
                            sl->first = now;
                        sl->last = now;
                    }
                } else if (env->body_case == FSD__ENVELOPE__BODY_WATCHING) {
                    if (env->watching->seq > w->last)
                        w->last = env->watching->seq;
                    pthread_mutex_lock(&s_lock);
                    s_answered++;
                    pthread_mutex_unlock(&s_lock);
                } else if (env->body_case == FSD__ENVELOPE__BODY_ERROR) {
                    fprintf(stderr, "fsd-watchers: refused: %s\n", env->error->message);
                }
                fsd__envelope__free_unpacked(env, NULL);
            }
        }
        if (now >= renew_at) {
            for (int i = 0; i < sl->n; i++)
                s_send_watch(&sl->w[i], sl->terr, sl->n_terr);
            renew_at = now + sl->renew_ms;
        }
    }
    free(items);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *ep = NULL, *server_key = NULL, *admin_key = NULL;
    int n = 100, seconds = 0, renew_ms = 10000, threads = 4;
    char *terr[16];
    size_t n_terr = 0;
    static const struct option opts[] = {
        { "server", 1, 0, 's' },    { "server-key", 1, 0, 'k' },
        { "admin-key", 1, 0, 'a' }, { "watchers", 1, 0, 'n' },
        { "seconds", 1, 0, 'S' },   { "renew-ms", 1, 0, 'r' },
        { "territory", 1, 0, 't' }, { "threads", 1, 0, 'T' },
        { "single", 0, 0, '1' },    { 0, 0, 0, 0 },
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 's': ep = optarg; break;
        case 'k': server_key = optarg; break;
        case 'a': admin_key = optarg; break;
        case 'n': n = atoi(optarg); break;
        case 'S': seconds = atoi(optarg); break;
        case 'r': renew_ms = atoi(optarg); break;
        case '1': s_single = true; break;
        case 'T': threads = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 't':
            if (n_terr < 16)
                terr[n_terr++] = optarg;
            break;
        default:
            fprintf(stderr, "usage: fsd-watchers --server EP --server-key FILE --admin-key FILE --watchers N "
                            "[--territory T] [--seconds S] [--renew-ms MS]\n");
            return 2;
        }
    }
    if (!ep || !server_key || !admin_key || n < 1 || renew_ms < 100) {
        fprintf(stderr,
                "fsd-watchers: --server, --server-key, --admin-key and --watchers N >= 1 are needed\n");
        return 2;
    }
    fsd_keypair server;
    char err[256];
    if (keys_load(server_key, &server, false, err, sizeof err) < 0)
        s_die(err);
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2); /* CURVE's decryption, beside the receiving threads */
    watcher *w = calloc((size_t)n, sizeof *w);
    uint64_t *hist = calloc(LAT_BUCKETS + 1, sizeof *hist);
    for (int i = 0; i < n; i++)
        keys_generate(&w[i].kp);
    s_register(ctx, ep, server.pub, admin_key, w, n);
    for (int i = 0; i < n; i++) {
        w[i].sock = wire_dealer(ctx, ep, &w[i].kp, server.pub);
        if (!w[i].sock)
            s_die("cannot open a watcher's connection");
        int64_t until = wire_now_ms() + 10000;
        while (s_send_watch(&w[i], terr, n_terr) < 0) {
            if (wire_now_ms() > until)
                s_die("cannot send a Watch");
            zmq_pollitem_t out = { w[i].sock, 0, ZMQ_POLLOUT, 0 };
            zmq_poll(&out, 1, 20);
        }
    }
    int n_slices = threads < n ? threads : n;
    slice *sl = calloc((size_t)n_slices, sizeof *sl);
    int64_t start = wire_now_ms();
    for (int k = 0, at = 0; k < n_slices; k++) {
        int m = n / n_slices + (k < n % n_slices);
        sl[k] = (slice){ .w = w + at,
                         .n = m,
                         .terr = terr,
                         .n_terr = n_terr,
                         .seconds = seconds,
                         .renew_ms = renew_ms,
                         .start = start };
        at += m;
        pthread_create(&sl[k].thread, NULL, s_run, &sl[k]);
    }
    while (!s_stop && s_answered < n && wire_now_ms() - start < 30000)
        zmq_poll(NULL, 0, 20);
    if (s_answered >= n) {
        printf("watching %d\n", n);
        fflush(stdout);
    }
    uint64_t events = 0, resyncs = 0, max_lat = 0;
    int64_t first = 0, last = 0;
    for (int k = 0; k < n_slices; k++) {
        pthread_join(sl[k].thread, NULL);
        events += sl[k].events;
        resyncs += sl[k].resyncs;
        max_lat = sl[k].max_lat > max_lat ? sl[k].max_lat : max_lat;
        if (sl[k].first && (!first || sl[k].first < first))
            first = sl[k].first;
        last = sl[k].last > last ? sl[k].last : last;
        for (int i = 0; i <= LAT_BUCKETS; i++)
            hist[i] += sl[k].hist[i];
    }
    free(sl);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < n; i++) {
        lo = w[i].events < lo ? w[i].events : lo;
        hi = w[i].events > hi ? w[i].events : hi;
    }
    double span = last > first ? (double)(last - first) / 1000.0 : 1.0;
    printf("watchers %d\n", n);
    printf("events %llu\n", (unsigned long long)events);
    printf("events_per_s %.0f\n", (double)events / span);
    printf("latency_p50_ms %llu\n", (unsigned long long)s_percentile(hist, events, 0.50));
    printf("latency_p99_ms %llu\n", (unsigned long long)s_percentile(hist, events, 0.99));
    printf("latency_max_ms %llu\n", (unsigned long long)max_lat);
    printf("resyncs %llu\n", (unsigned long long)resyncs);
    printf("min_events %llu\n", (unsigned long long)lo);
    printf("max_events %llu\n", (unsigned long long)hi);
    for (int i = 0; i < n; i++)
        zmq_close(w[i].sock);
    zmq_ctx_term(ctx);
    free(w);
    free(hist);
    return 0;
}
