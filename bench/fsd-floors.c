/*  fsd-floors — what this machine can do without fsd, so the benchmark can
    show fsd as a ratio of it.

    Linked with server/sodium_heap.c, as fsd-server is: libzmq's CURVE
    buffers come from the heap, not libsodium's guarded pages, so a floor
    shows what fsd adds to ZeroMQ and not what the allocator costs.

        fsd-floors zmq [--count N] [--size BYTES] [--seconds S]
        fsd-floors sqlite --dir DIR [--seconds S] [--batch N]
        fsd-floors router --listen EP --pub-out FILE [--zap]
        fsd-floors fleet --connect EP --server-key FILE --watch-pid PID
                         [--peers N] [--rates R1,R2...] [--seconds S] [--size BYTES]

    zmq: a bare DEALER -> ROUTER -> DEALER round trip over CURVE on loopback
    TCP (the ROUTER echoes in a thread of its own; messages of --size bytes,
    default 300, about a SubmitRequest): N sequential round trips (median
    and p99 in µs, round trips per second), then a pipelined stream (up to
    1000 in flight) for S seconds (messages per second).

    sqlite: what the server's durable write costs without the server: one
    request = a job row, an event row and a dedup row (the server's own
    tables and indexes), WAL with synchronous=FULL, prepared statements;
    first one request per transaction ("alone"), then --batch (default 256)
    per transaction; S seconds each (default 3). Requests and rows per
    second, and the median and p99 time of one transaction alone (begin to
    durable commit: what an acknowledgement waits for the disk). Then --batch per transaction in half-second turns on SQLite's
    own VFS and through fsd-server's WAL VFS (server/walvfs.c, which writes
    a commit's frames at once), S seconds each: what that VFS saves.

    router: a bare CURVE ROUTER (no ZAP handler, so every client key is
    admitted) that echoes every message, to hold peers for the memory floor
    (fsd-load --bare). Writes its public key to FILE, prints `listening`,
    runs until SIGINT/SIGTERM. With --zap a ZAP handler admits every key
    and names the peer, as fsd-server's does (what authenticating peers
    costs in libzmq itself, without fsd).

    fleet: what the machine costs per message when every message rides a
    connection of its own, as an offer to one technician of many does: --peers
    CURVE DEALERs (default 1000, fresh keys) connect to a bare echoing ROUTER
    (`router`, started apart, its public key in --server-key), then for
    each rate of --rates an open-loop stream of --size-byte messages
    (default 300) for --seconds, sent round-robin so consecutive messages
    take different connections. Per rate: messages echoed back within the
    window per second, and the router's CPU (from /proc, --watch-pid) per
    message echoed, in µs: one receive and one send through libzmq with
    CURVE, no work in between. The pipelined `zmq` floor rides one
    connection, where libzmq packs many messages into each system call;
    this one is the floor for a server whose peers are many.

    Output: `name value unit` lines on stdout. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "fsd/keys.h"
#include "store.h"
#include "../server/store/walvfs.h"
#include "proc.h"

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static volatile sig_atomic_t s_stop;
static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static int s_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ zmq */

typedef struct {
    void *router;
    volatile int stop;
} echo_ctx;

static void *s_echo(void *arg)
{
    echo_ctx *e = arg;
    zmq_pollitem_t it = { e->router, 0, ZMQ_POLLIN, 0 };
    while (!e->stop) {
        if (zmq_poll(&it, 1, 100) <= 0)
            continue;
        for (int n = 0; n < 1000; n++) {
            zmq_msg_t rid, body;
            zmq_msg_init(&rid);
            zmq_msg_init(&body);
            if (zmq_msg_recv(&rid, e->router, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&rid);
                zmq_msg_close(&body);
                break;
            }
            zmq_msg_recv(&body, e->router, 0);
            zmq_msg_send(&rid, e->router, ZMQ_SNDMORE);
            zmq_msg_send(&body, e->router, 0);
            zmq_msg_close(&rid);
            zmq_msg_close(&body);
        }
    }
    return NULL;
}

static void *s_curve_router(void *ctx, const fsd_keypair *kp, const char *ep, bool zap)
{
    void *r = zmq_socket(ctx, ZMQ_ROUTER);
    int one = 1, zero = 0, backlog = 4096, hwm = 100000;
    zmq_setsockopt(r, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(r, ZMQ_BACKLOG, &backlog, sizeof backlog);
    zmq_setsockopt(r, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(r, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(r, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(r, ZMQ_CURVE_SECRETKEY, kp->sec, 40);
    if (zap)
        zmq_setsockopt(r, ZMQ_ZAP_DOMAIN, "floor", 5);
    if (zmq_bind(r, ep) < 0) {
        fprintf(stderr, "fsd-floors: cannot bind %s: %s\n", ep, zmq_strerror(errno));
        zmq_close(r);
        return NULL;
    }
    return r;
}

static int s_zmq(long count, int size, double seconds)
{
    void *ctx = zmq_ctx_new();
    fsd_keypair srv, cli;
    if (keys_generate(&srv) < 0 || keys_generate(&cli) < 0) {
        fprintf(stderr, "fsd-floors: cannot make CURVE keys\n");
        return 1;
    }
    echo_ctx e = { s_curve_router(ctx, &srv, "tcp://127.0.0.1:*", false), 0 };
    if (!e.router)
        return 1;
    char ep[256];
    size_t eplen = sizeof ep;
    zmq_getsockopt(e.router, ZMQ_LAST_ENDPOINT, ep, &eplen);
    pthread_t th;
    pthread_create(&th, NULL, s_echo, &e);
    void *d = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0, hwm = 100000;
    zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(d, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(d, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, srv.pub, 40);
    zmq_setsockopt(d, ZMQ_CURVE_PUBLICKEY, cli.pub, 40);
    zmq_setsockopt(d, ZMQ_CURVE_SECRETKEY, cli.sec, 40);
    zmq_connect(d, ep);
    char *buf = calloc(1, (size_t)size), *in = malloc((size_t)size + 64);
    memset(buf, 'x', (size_t)size);
    /* warm up: the handshake and a few round trips */
    for (int i = 0; i < 100; i++) {
        zmq_send(d, buf, (size_t)size, 0);
        zmq_recv(d, in, (size_t)size + 64, 0);
    }
    int64_t *lat = malloc((size_t)count * sizeof *lat);
    int64_t t0 = s_now_us();
    for (long i = 0; i < count; i++) {
        int64_t a = s_now_us();
        zmq_send(d, buf, (size_t)size, 0);
        zmq_recv(d, in, (size_t)size + 64, 0);
        lat[i] = s_now_us() - a;
    }
    double secs = (double)(s_now_us() - t0) / 1e6;
    qsort(lat, (size_t)count, sizeof *lat, s_cmp64);
    printf("zmq_curve_rtt_p50 %.1f us\n", (double)lat[count / 2]);
    printf("zmq_curve_rtt_p99 %.1f us\n", (double)lat[(size_t)ceil(0.99 * (double)count) - 1]);
    printf("zmq_curve_rtt_per_s %.0f round_trips/s\n", (double)count / secs);
    /* pipelined: keep up to 1000 in flight */
    long sent = 0, got = 0, window = 1000;
    int64_t end = s_now_us() + (int64_t)(seconds * 1e6);
    t0 = s_now_us();
    while (s_now_us() < end) {
        while (sent - got < window && zmq_send(d, buf, (size_t)size, ZMQ_DONTWAIT) >= 0)
            sent++;
        zmq_pollitem_t it = { d, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, 10) <= 0)
            continue;
        while (zmq_recv(d, in, (size_t)size + 64, ZMQ_DONTWAIT) >= 0)
            got++;
    }
    secs = (double)(s_now_us() - t0) / 1e6;
    printf("zmq_curve_pipelined_per_s %.0f messages/s\n", (double)got / secs);
    e.stop = 1;
    pthread_join(th, NULL);
    zmq_close(d);
    zmq_close(e.router);
    zmq_ctx_term(ctx);
    free(lat);
    free(buf);
    free(in);
    return 0;
}

/* --------------------------------------------------------------- sqlite */

/* The tables are made by the server's own store (store_open runs its
   migrations), so the floor always writes the rows the server writes. */
static const char *s_pragmas =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;";

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *job, *event, *dedup, *begin, *commit;
    long next;
} sq;

static int s_step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* One request's rows, as the server writes them for a SubmitRequest. */
static int s_request(sq *q)
{
    long n = ++q->next;
    char id[32], phone[32], msg[48];
    snprintf(id, sizeof id, "J%06ld", n);
    snprintf(phone, sizeof phone, "+49301%07ld", n % 900000);
    snprintf(msg, sizeof msg, "%032lx", (unsigned long)n * 2654435761UL);
    sqlite3_int64 now = (sqlite3_int64)time(NULL) * 1000;
    static uint8_t reply[320];
    sqlite3_stmt *j = q->job;
    sqlite3_bind_int64(j, 1, n);
    sqlite3_bind_text(j, 2, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(j, 3, 2);
    sqlite3_bind_text(j, 4, "tempelhof-schoeneberg", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 5, phone, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(j, 6, "Load Customer", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 7, "standard", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 8, "Teststraße 12, Berlin", -1, SQLITE_STATIC);
    sqlite3_bind_double(j, 9, 52.4590);
    sqlite3_bind_double(j, 10, 13.3850);
    sqlite3_bind_text(j, 11, "Bosch", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 12, "washing_machine", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 13, "", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 14, "", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 15, "benchmark request: does not start", -1, SQLITE_STATIC);
    sqlite3_bind_int(j, 16, 4);
    sqlite3_bind_int(j, 17, 1);
    sqlite3_bind_int64(j, 18, now);
    sqlite3_bind_int64(j, 19, now + 3600000);
    sqlite3_bind_int64(j, 20, now + 86400000);
    sqlite3_bind_text(j, 21, "B00001", -1, SQLITE_STATIC);
    sqlite3_bind_text(j, 22, "P-ZENTRUM", -1, SQLITE_STATIC);
    sqlite3_bind_int64(j, 23, now + 60000);
    sqlite3_bind_int64(j, 24, now);
    sqlite3_stmt *e = q->event;
    sqlite3_bind_text(e, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(e, 2, now);
    sqlite3_bind_text(e, 3, "load", -1, SQLITE_STATIC);
    sqlite3_bind_int(e, 4, 0);
    sqlite3_bind_int(e, 5, 1);
    sqlite3_bind_text(e, 6, "", -1, SQLITE_STATIC);
    sqlite3_bind_text(e, 7, "request received", -1, SQLITE_STATIC);
    sqlite3_stmt *d = q->dedup;
    sqlite3_bind_text(d, 1, "load", -1, SQLITE_STATIC);
    sqlite3_bind_text(d, 2, msg, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(d, 3, now);
    sqlite3_bind_blob(d, 4, reply, sizeof reply, SQLITE_STATIC);
    return s_step(j) < 0 || s_step(e) < 0 || s_step(d) < 0 ? -1 : 0;
}

/* The time of each transaction (begin to durable commit), in µs. */
typedef struct {
    int64_t *us;
    size_t n, cap;
} txn_times;

static void s_txn_time(txn_times *t, int64_t us)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        int64_t *v = realloc(t->us, cap * sizeof *v);
        if (!v)
            return;
        t->us = v;
        t->cap = cap;
    }
    t->us[t->n++] = us;
}

/* Requests per second with `batch` requests per transaction for `seconds`;
   each transaction's time into times when given. */
static double s_sqlite_run(sq *q, int batch, double seconds, txn_times *times)
{
    long done = 0;
    int64_t t0 = s_now_us(), end = t0 + (int64_t)(seconds * 1e6);
    while (s_now_us() < end && !s_stop) {
        int64_t began = s_now_us();
        if (s_step(q->begin) < 0)
            return -1;
        for (int i = 0; i < batch; i++)
            if (s_request(q) < 0)
                return -1;
        if (s_step(q->commit) < 0)
            return -1;
        done += batch;
        if (times)
            s_txn_time(times, s_now_us() - began);
    }
    return (double)done / ((double)(s_now_us() - t0) / 1e6);
}

/* Opens the floor's database on `vfs` (NULL: SQLite's default) with the
   statements of one request; 0, or -1 with the error printed. */
static int s_sq_open(sq *q, const char *path, const char *vfs)
{
    memset(q, 0, sizeof *q);
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE, vfs) != SQLITE_OK
        || sqlite3_exec(q->db, s_pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "fsd-floors: %s: %s\n", path, sqlite3_errmsg(q->db));
        return -1;
    }
    sqlite3_prepare_v2(
        q->db,
        "INSERT INTO jobs(number, id, state, territory, phone, customer_name, tier, address, lat, lon,"
        " brand, category, serial, model, problem, warranty, priority, created_at, assign_by, arrive_by,"
        " technician_id, provider_id, offer_expires_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        -1, &q->job, NULL);
    sqlite3_prepare_v2(
        q->db,
        "INSERT INTO job_events(job_id, at, actor, from_state, to_state, technician_id, reason)"
        " VALUES (?,?,?,?,?,?,?)",
        -1, &q->event, NULL);
    sqlite3_prepare_v2(q->db, "INSERT INTO dedup(principal, msg_id, at, reply) VALUES (?,?,?,?)", -1,
                       &q->dedup, NULL);
    sqlite3_prepare_v2(q->db, "BEGIN IMMEDIATE", -1, &q->begin, NULL);
    sqlite3_prepare_v2(q->db, "COMMIT", -1, &q->commit, NULL);
    return 0;
}

static void s_sq_close(sq *q)
{
    sqlite3_finalize(q->job);
    sqlite3_finalize(q->event);
    sqlite3_finalize(q->dedup);
    sqlite3_finalize(q->begin);
    sqlite3_finalize(q->commit);
    sqlite3_close(q->db);
}

/* Batched on SQLite's own VFS and through the server's WAL VFS
   (server/walvfs.c: a commit's frames in one write), in turns of half a
   second on one database, so both see it grow alike. */
static int s_sqlite_vfs_turns(sq *own, sq *gathered, int batch, double seconds, double *own_rate,
                              double *gathered_rate)
{
    long done[2] = { 0, 0 };
    double spent[2] = { 0, 0 };
    for (int turn = 0; turn < (int)(seconds * 4) && !s_stop; turn++) {
        sq *q = turn % 2 ? gathered : own;
        long before = q->next;
        int64_t t0 = s_now_us();
        if (s_sqlite_run(q, batch, 0.5, NULL) < 0)
            return -1;
        done[turn % 2] += q->next - before;
        spent[turn % 2] += (double)(s_now_us() - t0) / 1e6;
        /* both write the same request numbers' successors */
        own->next = gathered->next = q->next;
    }
    *own_rate = spent[0] > 0 ? (double)done[0] / spent[0] : 0;
    *gathered_rate = spent[1] > 0 ? (double)done[1] / spent[1] : 0;
    return 0;
}

/* Alone and batched on SQLite's own VFS (the floor), then batched on it
   and through the WAL VFS in turns (what that VFS saves, in the same run). */
static int s_sqlite(const char *dir, int batch, double seconds)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/floor.db", dir);
    unlink(path);
    char err[512];
    store *made = store_open(path, err, sizeof err); /* its tables, and registers the WAL VFS */
    if (!made) {
        fprintf(stderr, "fsd-floors: %s\n", err);
        return 1;
    }
    store_close(&made);
    sq q, g;
    if (s_sq_open(&q, path, NULL) < 0)
        return 1;
    if (s_sq_open(&g, path, WALVFS_NAME) < 0) {
        s_sq_close(&q);
        return 1;
    }
    txn_times times = { 0 };
    double alone = s_sqlite_run(&q, 1, seconds, &times);
    double batched = alone < 0 ? -1 : s_sqlite_run(&q, batch, seconds, NULL);
    double turns_own = 0, turns_gathered = 0;
    g.next = q.next;
    int rc = 0;
    if (batched < 0 || s_sqlite_vfs_turns(&q, &g, batch, seconds, &turns_own, &turns_gathered) < 0) {
        fprintf(stderr, "fsd-floors: %s: %s / %s\n", path, sqlite3_errmsg(q.db), sqlite3_errmsg(g.db));
        rc = 1;
    } else {
        printf("sqlite_alone_requests_per_s %.0f requests/s\n", alone);
        printf("sqlite_alone_rows_per_s %.0f rows/s\n", alone * 3);
        /* how long a durable acknowledgement waits for the disk alone */
        if (times.n) {
            qsort(times.us, times.n, sizeof *times.us, s_cmp64);
            printf("sqlite_alone_commit_p50 %.0f us\n", (double)times.us[times.n / 2]);
            printf("sqlite_alone_commit_p99 %.0f us\n",
                   (double)times.us[(size_t)ceil(0.99 * (double)times.n) - 1]);
        }
        printf("sqlite_batch%d_requests_per_s %.0f requests/s\n", batch, batched);
        printf("sqlite_batch%d_rows_per_s %.0f rows/s\n", batch, batched * 3);
        printf("sqlite_batch%d_turns_default_vfs_requests_per_s %.0f requests/s\n", batch, turns_own);
        printf("sqlite_batch%d_turns_wal_vfs_requests_per_s %.0f requests/s\n", batch, turns_gathered);
    }
    free(times.us);
    s_sq_close(&g);
    s_sq_close(&q);
    unlink(path);
    snprintf(path, sizeof path, "%s/floor.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/floor.db-shm", dir);
    unlink(path);
    return rc;
}

/* --------------------------------------------------------------- router */

typedef struct {
    void *ctx;
    volatile int stop;
    volatile int ready;
} zap_ctx;

/* A ZAP handler that admits every client key: the 27/RFC reply to each
   request, with the key's first bytes as the user id. */
static void *s_zap(void *arg)
{
    zap_ctx *z = arg;
    void *rep = zmq_socket(z->ctx, ZMQ_REP);
    int zero = 0;
    zmq_setsockopt(rep, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind(rep, "inproc://zeromq.zap.01") < 0) {
        fprintf(stderr, "fsd-floors: cannot bind the ZAP handler: %s\n", zmq_strerror(errno));
        zmq_close(rep);
        z->ready = -1;
        return NULL;
    }
    z->ready = 1;
    zmq_pollitem_t it = { rep, 0, ZMQ_POLLIN, 0 };
    while (!z->stop) {
        if (zmq_poll(&it, 1, 100) <= 0)
            continue;
        char frame[7][64];
        size_t len[7] = { 0 };
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, rep, 0) < 0) {
                zmq_msg_close(&m);
                break;
            }
            if (n < 7) {
                len[n] = zmq_msg_size(&m) < sizeof frame[n] ? zmq_msg_size(&m) : sizeof frame[n];
                memcpy(frame[n], zmq_msg_data(&m), len[n]);
                n++;
            }
            more = zmq_msg_more(&m);
            zmq_msg_close(&m);
        }
        /* version, request id, status, text, user id, metadata */
        zmq_send(rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(rep, frame[1], n > 1 ? len[1] : 0, ZMQ_SNDMORE);
        zmq_send(rep, "200", 3, ZMQ_SNDMORE);
        zmq_send(rep, "OK", 2, ZMQ_SNDMORE);
        zmq_send(rep, "peer", 4, ZMQ_SNDMORE);
        zmq_send(rep, "", 0, 0);
    }
    zmq_close(rep);
    return NULL;
}

static int s_router(const char *ep, const char *pub_out, bool zap)
{
    fsd_keypair kp;
    char err[512];
    if (keys_generate(&kp) < 0) {
        fprintf(stderr, "fsd-floors: cannot make CURVE keys\n");
        return 1;
    }
    snprintf(kp.role, sizeof kp.role, "server");
    snprintf(kp.name, sizeof kp.name, "bare-router");
    if (keys_save_public(pub_out, &kp, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-floors: %s\n", err);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 64);
    zap_ctx z = { ctx, 0, 0 };
    pthread_t zt;
    if (zap) {
        pthread_create(&zt, NULL, s_zap, &z);
        while (!z.ready)
            usleep(1000);
        if (z.ready < 0)
            return 1;
    }
    echo_ctx e = { s_curve_router(ctx, &kp, ep, zap), 0 };
    if (!e.router)
        return 1;
    printf("listening %s\n", ep);
    fflush(stdout);
    pthread_t th;
    pthread_create(&th, NULL, s_echo, &e);
    while (!s_stop)
        pause();
    e.stop = 1;
    pthread_join(th, NULL);
    z.stop = 1;
    if (zap)
        pthread_join(zt, NULL);
    zmq_close(e.router);
    zmq_ctx_term(ctx);
    return 0;
}

/* ---------------------------------------------------------------- fleet */

typedef struct {
    void **socks;
    int n;
    char *buf;
    int size;
} fleet;

static int s_fleet_open(fleet *f, void *ctx, const char *ep, const char *server_pub)
{
    f->socks = calloc((size_t)f->n, sizeof *f->socks);
    if (!f->socks)
        return -1;
    int zero = 0, hwm = 100000;
    for (int i = 0; i < f->n; i++) {
        fsd_keypair kp;
        if (keys_generate(&kp) < 0)
            return -1;
        void *d = zmq_socket(ctx, ZMQ_DEALER);
        if (!d)
            return -1;
        zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(d, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(d, ZMQ_RCVHWM, &hwm, sizeof hwm);
        zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, server_pub, 40);
        zmq_setsockopt(d, ZMQ_CURVE_PUBLICKEY, kp.pub, 40);
        zmq_setsockopt(d, ZMQ_CURVE_SECRETKEY, kp.sec, 40);
        if (zmq_connect(d, ep) < 0)
            return -1;
        f->socks[i] = d;
    }
    return 0;
}

/* Receives everything waiting on every socket; the number received. */
static long s_fleet_sweep(fleet *f)
{
    long got = 0;
    for (int i = 0; i < f->n; i++)
        while (zmq_recv(f->socks[i], f->buf, (size_t)f->size, ZMQ_DONTWAIT) >= 0)
            got++;
    return got;
}

/* One message on every link and its echo back: every handshake done. */
static int s_fleet_warm(fleet *f, double wait_s)
{
    for (int i = 0; i < f->n; i++)
        zmq_send(f->socks[i], f->buf, (size_t)f->size, ZMQ_DONTWAIT);
    long back = 0;
    int64_t end = s_now_us() + (int64_t)(wait_s * 1e6);
    while (back < f->n && s_now_us() < end && !s_stop) {
        back += s_fleet_sweep(f);
        usleep(2000);
    }
    return back >= f->n ? 0 : -1;
}

/* One rate: open loop for `seconds`, then a second to drain. Sends go out
   every millisecond; the echoes are swept every fourth, since a sweep
   asks every socket (most of them empty) and at 1,000 peers sweeping
   every millisecond would make this process, not the router, the bound. */
static void s_fleet_rate(fleet *f, double rate, double seconds, int pid)
{
    long sent = 0, echoed = 0;
    unsigned long long cpu0 = proc_cpu_ticks(pid);
    int64_t t0 = s_now_us(), end = t0 + (int64_t)(seconds * 1e6);
    for (unsigned tick = 0; !s_stop; tick++) {
        int64_t now = s_now_us();
        if (now >= end)
            break;
        long due = (long)(rate * (double)(now - t0) / 1e6);
        for (; sent < due; sent++)
            zmq_send(f->socks[sent % f->n], f->buf, (size_t)f->size, ZMQ_DONTWAIT);
        if (tick % 4 == 0)
            echoed += s_fleet_sweep(f);
        usleep(1000);
    }
    echoed += s_fleet_sweep(f);
    unsigned long long cpu1 = proc_cpu_ticks(pid);
    double secs = (double)(s_now_us() - t0) / 1e6;
    for (int64_t drain = s_now_us() + 1000000; s_now_us() < drain && !s_stop; usleep(2000))
        s_fleet_sweep(f);
    double cpu_s = (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK);
    printf("fleet_%.0f_echoed_per_s %.0f messages/s\n", rate, (double)echoed / secs);
    printf("fleet_%.0f_router_cpu_pct %.0f %%\n", rate, 100.0 * cpu_s / secs);
    printf("fleet_%.0f_router_us_per_msg %.1f us\n", rate, echoed ? cpu_s * 1e6 / (double)echoed : NAN);
    fflush(stdout);
}

static int s_fleet(const char *ep, const char *key_file, int peers, const char *rates, double seconds,
                   int size, int pid)
{
    fsd_keypair server;
    char err[512];
    if (keys_load(key_file, &server, false, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-floors: %s\n", err);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, peers + 16);
    fleet f = { .n = peers, .size = size, .buf = calloc(1, (size_t)size + 64) };
    int rc = 1;
    if (!f.buf || s_fleet_open(&f, ctx, ep, server.pub) < 0)
        fprintf(stderr, "fsd-floors: cannot open %d DEALERs: %s\n", peers, zmq_strerror(errno));
    else if (s_fleet_warm(&f, 60) < 0)
        fprintf(stderr, "fsd-floors: not every peer was answered within 60 s\n");
    else {
        rc = 0;
        for (const char *r = rates; r && *r && !s_stop; r = strchr(r, ',') ? strchr(r, ',') + 1 : NULL)
            if (atof(r) > 0)
                s_fleet_rate(&f, atof(r), seconds, pid);
    }
    for (int i = 0; f.socks && i < f.n; i++)
        if (f.socks[i])
            zmq_close(f.socks[i]);
    free(f.socks);
    free(f.buf);
    zmq_ctx_term(ctx);
    return rc;
}

static void s_usage(FILE *out)
{
    fputs("usage: fsd-floors zmq [--count N] [--size BYTES] [--seconds S]\n"
          "       fsd-floors sqlite --dir DIR [--seconds S] [--batch N]\n"
          "       fsd-floors router --listen EP --pub-out FILE [--zap]\n"
          "       fsd-floors fleet --connect EP --server-key FILE --watch-pid PID\n"
          "                        [--peers N] [--rates R1,R2...] [--seconds S] [--size BYTES]\n\n"
          "The machine's floors for the benchmark: a bare CURVE DEALER->ROUTER round trip,\n"
          "a bare SQLite transaction with the rows of one request (WAL, synchronous=FULL),\n"
          "alone and batched, a bare echoing CURVE ROUTER to hold peers, and the cost per\n"
          "message of that ROUTER when every message rides a connection of its own.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("fsd-floors 1.0");
        return 0;
    }
    const char *mode = argv[1], *dir = NULL, *listen = NULL, *pub_out = NULL;
    const char *connect = NULL, *server_key = NULL, *rates = "10000,20000,40000";
    long count = 20000;
    int size = 300, batch = 256, peers = 1000, pid = 0;
    bool zap = false;
    double seconds = 3;
    static const struct option longopts[] = {
        { "count", 1, 0, 'n' },      { "size", 1, 0, 's' },  { "seconds", 1, 0, 'S' },
        { "dir", 1, 0, 'd' },        { "batch", 1, 0, 'b' }, { "listen", 1, 0, 'l' },
        { "pub-out", 1, 0, 'p' },    { "zap", 0, 0, 'z' },   { "connect", 1, 0, 'c' },
        { "server-key", 1, 0, 'k' }, { "peers", 1, 0, 'P' }, { "rates", 1, 0, 'r' },
        { "watch-pid", 1, 0, 'w' },  { 0, 0, 0, 0 },
    };
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'n': count = atol(optarg); break;
        case 's': size = atoi(optarg); break;
        case 'S': seconds = atof(optarg); break;
        case 'd': dir = optarg; break;
        case 'b': batch = atoi(optarg); break;
        case 'l': listen = optarg; break;
        case 'p': pub_out = optarg; break;
        case 'z': zap = true; break;
        case 'c': connect = optarg; break;
        case 'k': server_key = optarg; break;
        case 'P': peers = atoi(optarg); break;
        case 'r': rates = optarg; break;
        case 'w': pid = atoi(optarg); break;
        default: fprintf(stderr, "fsd-floors: unknown option: see fsd-floors --help\n"); return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (strcmp(mode, "zmq") == 0 && count > 0 && size > 0 && seconds > 0)
        return s_zmq(count, size, seconds);
    if (strcmp(mode, "sqlite") == 0 && dir && batch > 0 && seconds > 0)
        return s_sqlite(dir, batch, seconds);
    if (strcmp(mode, "router") == 0 && listen && pub_out)
        return s_router(listen, pub_out, zap);
    if (strcmp(mode, "fleet") == 0 && connect && server_key && pid > 0 && peers > 0 && size > 0
        && seconds > 0)
        return s_fleet(connect, server_key, peers, rates, seconds, size, pid);
    fprintf(stderr, "fsd-floors: missing or wrong arguments: see fsd-floors --help\n");
    return 2;
}
