/*  main.c — fsd-server: options, first-start keys, and the loop.

    First start in an empty data directory creates the database, the
    server's CURVE key pair and an admin key pair (keys/admin.key, mode
    0600) registered as the first principal, so `fsdctl` works at once.

    The data directory holds customers' names, phones, addresses and door
    codes: it is kept mode 0700 (a more open one is tightened at start, and
    logged) and fsd.db with its -wal and -shm 0600. One server per data
    directory: DATA/fsd.lock, holding the holder's pid, is locked with
    flock(LOCK_EX | LOCK_NB) for the server's life; a second server is
    refused with one line naming that pid (the lock, not the pid, is the
    truth: it goes with the process, however it ends). */
#include "backup.h"
#include "keyring.h"
#include "link.h"
#include "loop.h"
#include "notify_send.h"
#include "server.h"
#include "watch.h"
#include "world.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>
#include "fsd/care.h"
#include "fsd/log.h"
#include "fsd/wire.h"

#define FSD_VERSION "0.1.0"

static server *s_running;
static const char *s_log_file; /* --log-file: the log goes there, not stderr */

static void s_on_signal(int sig)
{
    if (!s_running)
        return;
    if (sig == SIGHUP)
        s_running->reopen = 1; /* log rotation: the loop reopens */
    else
        s_running->stop = 1;
}

static void s_usage(FILE *out)
{
    fputs("usage: fsd-server [options]\n"
          "\n"
          "The fsd dispatcher: takes repair requests, matches them to technicians\n"
          "and tracks every job to closed. Stores everything in DATA/fsd.db.\n"
          "\n"
          "  -d, --data DIR          data directory (default ./fsd-data; env FSD_HOME)\n"
          "  -l, --listen EP         ZeroMQ endpoint (default tcp://127.0.0.1:7700)\n"
          "      --heartbeat-ms N    agent heartbeat interval (default 5000)\n"
          "      --offline-after N   missed beats before offline (default 3)\n"
          "      --offer-ttl-ms N    how long an offer stands (default 60000)\n"
          "      --close-after-ms N  completed jobs close unrated after (default 86400000)\n"
          "      --speed-kmh N       travel speed for estimates (default 30)\n"
          "      --assign-sla-min N,H  minutes to assign, normal and high priority (default 60,15)\n"
          "      --arrive-sla-min N,H  minutes to arrive, normal and high priority (default 1440,240)\n"
          "      --fix-sla-min N,H     minutes to complete, normal and high priority (default 4320,1440)\n"
          "                          (these three apply to jobs no SLA policy matches; 24x7)\n"
          "      --dedup-days N      answers kept for retries this many days (default 7)\n"
          "      --io-threads N      ZeroMQ I/O threads: TCP and CURVE work (default 1)\n"
          "      --waive-limit AMOUNT  call-out fee a technician may waive without a dispatcher,\n"
          "                          in EUR (default 50.00; 0: every waiver needs a dispatcher)\n"
          "      --care-contact TEXT whom intake refers a blocked customer to\n"
          "                          (default \"the customer care team\")\n"
          "      --window-capacity N  a technician's jobs in overlapping appointment windows (default 2)\n"
          "      --watch-lease-ms N  a live subscription (fsdctl watch, fsd-web) not renewed within N ms\n"
          "                          is dropped (default 30000; clients renew every third of it)\n"
          "      --watch-backlog N   live events kept for watchers that resume (default 16384)\n"
          "      --notify-cmd CMD    deliver customer notifications by running CMD (/bin/sh -c)\n"
          "                          with the message as JSON on stdin; exit 0 = delivered\n"
          "      --notify-file FILE  without --notify-cmd: append them as JSON lines to FILE\n"
          "                          (default DATA/notifications.jsonl)\n"
          "      --notify-timeout-ms N   kill CMD after N ms: a failed attempt (default 10000)\n"
          "      --notify-max-inflight N CMDs running at once (default 4)\n"
          "      --notify-retry-ms N     first retry after N ms, doubling (default 5000)\n"
          "      --notify-retry-max-ms N ... up to N ms (default 600000)\n"
          "      --notify-attempts N     attempts before a notification is failed (default 8)\n"
          "      --no-notify         queue and send no customer notifications\n"
          "      --portal-url URL    customers' links are URL/TOKEN (the customer page, e.g.\n"
          "                          https://fsd.example/c); the {link} of notifications\n"
          "      --link-days N       a link works N days after its job closed (default 14;\n"
          "                          0: only while the job is open)\n"
          "      --link-fail-limit N unknown links a minute before lookups are refused for\n"
          "                          the rest of it (default 600; 0: no limit)\n"
          "      --log-level L       debug, info, warn or error (default info)\n"
          "      --log-file FILE     append the log to FILE (mode 0600) instead of stderr;\n"
          "                          SIGHUP reopens it (and the notification file): log rotation\n"
          "  -h, --help              this text\n"
          "  -V, --version           the version\n",
          out);
}

/* Reads a non-negative integer option or exits with a usage error. */
static int s_int(const char *name, const char *value, int min)
{
    char *end;
    long v = strtol(value, &end, 10);
    if (*end || v < min || v > 1000000000) {
        fprintf(stderr, "fsd-server: --%s needs a whole number >= %d, not '%s'\n", name, min, value);
        exit(2);
    }
    return (int)v;
}

/* Reads "NORMAL,HIGH" minutes (fractions allowed) or exits with a usage error. */
static void s_sla(const char *name, const char *value, double out[3])
{
    char *end;
    double normal = strtod(value, &end), high = -1;
    if (*end == ',')
        high = strtod(end + 1, &end);
    if (*end || !(normal > 0) || !(high > 0) || normal > 525600 || high > 525600) {
        fprintf(stderr, "fsd-server: --%s needs minutes for normal and high priority, like 60,15; not '%s'\n",
                name, value);
        exit(2);
    }
    out[PRIO_NORMAL] = normal;
    out[PRIO_HIGH] = high;
}

static void s_defaults(server_config *cfg)
{
    const char *home = getenv("FSD_HOME");
    cfg->data_dir = home && *home ? home : "./fsd-data";
    cfg->listen = "tcp://127.0.0.1:7700";
    cfg->heartbeat_ms = 5000;
    cfg->offline_after = 3;
    cfg->offer_ttl_ms = 60000;
    cfg->close_after_ms = 86400000;
    cfg->assign_sla_min[PRIO_NORMAL] = 60;
    cfg->assign_sla_min[PRIO_HIGH] = 15;
    cfg->arrive_sla_min[PRIO_NORMAL] = 24 * 60;
    cfg->arrive_sla_min[PRIO_HIGH] = 4 * 60;
    cfg->fix_sla_min[PRIO_NORMAL] = 3 * 24 * 60;
    cfg->fix_sla_min[PRIO_HIGH] = 24 * 60;
    cfg->dedup_days = 7;
    cfg->batch_max = 512;
    cfg->io_threads = 1;
    cfg->neighbour_km = 0.3;
    match_config_default(&cfg->match);
    cfg->waive_limit_cents = 5000;
    cfg->care_contact = "the customer care team";
    cfg->window_capacity = 2;
    cfg->watch_lease_ms = 30000;
    cfg->watch_backlog = 16384;
    /* customer notifications */
    cfg->notify.timeout_ms = 10000;
    cfg->notify.max_inflight = 4;
    cfg->notify.retry_ms = 5000;
    cfg->notify.retry_max_ms = 600000;
    cfg->notify.attempts = 8;
    cfg->notify.link = &cfg->link;
    /* customer links */
    cfg->link.days = 14;
    cfg->link.fail_limit = 600;
}

static void s_options(server_config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        { "data", required_argument, 0, 'd' },
        { "listen", required_argument, 0, 'l' },
        { "heartbeat-ms", required_argument, 0, 1 },
        { "offline-after", required_argument, 0, 2 },
        { "offer-ttl-ms", required_argument, 0, 3 },
        { "close-after-ms", required_argument, 0, 4 },
        { "speed-kmh", required_argument, 0, 5 },
        { "log-level", required_argument, 0, 6 },
        { "assign-sla-min", required_argument, 0, 7 },
        { "arrive-sla-min", required_argument, 0, 8 },
        { "dedup-days", required_argument, 0, 9 },
        { "io-threads", required_argument, 0, 11 },
        { "waive-limit", required_argument, 0, 95 },
        { "care-contact", required_argument, 0, 96 },
        { "fix-sla-min", required_argument, 0, 10 },
        { "window-capacity", required_argument, 0, 85 },
        { "watch-lease-ms", required_argument, 0, 120 },
        { "watch-backlog", required_argument, 0, 121 },
        /* customer notifications */
        { "notify-cmd", required_argument, 0, 60 },
        { "notify-file", required_argument, 0, 61 },
        { "notify-timeout-ms", required_argument, 0, 62 },
        { "notify-max-inflight", required_argument, 0, 63 },
        { "notify-retry-ms", required_argument, 0, 64 },
        { "notify-retry-max-ms", required_argument, 0, 65 },
        { "notify-attempts", required_argument, 0, 66 },
        { "no-notify", no_argument, 0, 67 },
        { "log-file", required_argument, 0, 140 },
        { "portal-url", required_argument, 0, 145 },
        { "link-days", required_argument, 0, 146 },
        { "link-fail-limit", required_argument, 0, 147 },
        { "help", no_argument, 0, 'h' },
        { "version", no_argument, 0, 'V' },
        { 0, 0, 0, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "d:l:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cfg->data_dir = optarg; break;
        case 'l': cfg->listen = optarg; break;
        case 1: cfg->heartbeat_ms = s_int("heartbeat-ms", optarg, 50); break;
        case 2: cfg->offline_after = s_int("offline-after", optarg, 1); break;
        case 3: cfg->offer_ttl_ms = s_int("offer-ttl-ms", optarg, 100); break;
        case 4: cfg->close_after_ms = s_int("close-after-ms", optarg, 1); break;
        case 5: cfg->match.speed_kmh = s_int("speed-kmh", optarg, 1); break;
        case 7: s_sla("assign-sla-min", optarg, cfg->assign_sla_min); break;
        case 8: s_sla("arrive-sla-min", optarg, cfg->arrive_sla_min); break;
        case 9: cfg->dedup_days = s_int("dedup-days", optarg, 1); break;
        case 11:
            cfg->io_threads = s_int("io-threads", optarg, 1);
            if (cfg->io_threads > 64) {
                fprintf(stderr, "fsd-server: --io-threads is 1 to 64\n");
                exit(2);
            }
            break;
        case 95: { /* the fee a technician may waive alone */
            const char *why;
            if (care_amount_parse(optarg, true, &cfg->waive_limit_cents, &why) < 0) {
                fprintf(stderr, "fsd-server: --waive-limit needs an amount in EUR like 50.00: '%s' %s\n",
                        optarg, why);
                exit(2);
            }
            break;
        }
        case 96:
            if (!optarg[0] || strlen(optarg) > 200) {
                fprintf(stderr, "fsd-server: --care-contact needs 1 to 200 characters\n");
                exit(2);
            }
            cfg->care_contact = optarg;
            break;
        case 10: s_sla("fix-sla-min", optarg, cfg->fix_sla_min); break;
        case 85: cfg->window_capacity = (unsigned)s_int("window-capacity", optarg, 1); break;
        case 120: cfg->watch_lease_ms = s_int("watch-lease-ms", optarg, 100); break;
        case 121: cfg->watch_backlog = s_int("watch-backlog", optarg, 1); break;
        /* customer notifications */
        case 60:
            if (!optarg[0]) {
                fprintf(stderr, "fsd-server: --notify-cmd needs a command\n");
                exit(2);
            }
            cfg->notify.cmd = optarg;
            break;
        case 61: cfg->notify.file = optarg; break;
        case 62: cfg->notify.timeout_ms = s_int("notify-timeout-ms", optarg, 10); break;
        case 63: cfg->notify.max_inflight = s_int("notify-max-inflight", optarg, 1); break;
        case 64: cfg->notify.retry_ms = s_int("notify-retry-ms", optarg, 10); break;
        case 65: cfg->notify.retry_max_ms = s_int("notify-retry-max-ms", optarg, 10); break;
        case 66: cfg->notify.attempts = s_int("notify-attempts", optarg, 1); break;
        case 67: cfg->notify.off = true; break;
        case 145:
            if (strncmp(optarg, "https://", 8) != 0 && strncmp(optarg, "http://", 7) != 0) {
                fprintf(stderr,
                        "fsd-server: --portal-url needs an http(s) address like https://fsd.example/c\n");
                exit(2);
            }
            if (strlen(optarg) > 1000) {
                fprintf(stderr, "fsd-server: --portal-url is at most 1000 characters\n");
                exit(2);
            }
            cfg->link.base = optarg;
            break;
        case 146: cfg->link.days = s_int("link-days", optarg, 0); break;
        case 147: cfg->link.fail_limit = s_int("link-fail-limit", optarg, 0); break;
        case 140:
            if (!optarg[0]) {
                fprintf(stderr, "fsd-server: --log-file needs a file name\n");
                exit(2);
            }
            s_log_file = optarg;
            break;
        case 6: {
            int level = log_level_parse(optarg);
            if (level < 0) {
                fprintf(stderr, "fsd-server: --log-level is debug, info, warn or error\n");
                exit(2);
            }
            log_set_level((log_level)level);
            break;
        }
        case 'h': s_usage(stdout); exit(0);
        case 'V': printf("fsd-server %s (protocol %d)\n", FSD_VERSION, FSD_PROTOCOL_VERSION); exit(0);
        default: s_usage(stderr); exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fsd-server: unexpected argument '%s'; see fsd-server --help\n", argv[optind]);
        exit(2);
    }
}

/* Loads DIR/keys/NAME.key, or creates it (and NAME.pub) when absent. */
static int s_key(const char *dir, const char *name, const char *role_text, fsd_keypair *kp, bool *created,
                 char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/keys/%s.key", dir, name);
    *created = false;
    if (access(path, F_OK) == 0)
        return keys_load(path, kp, true, err, errlen) == 0 ? 0 : -1;
    if (keys_generate(kp) < 0) {
        snprintf(err, errlen, "cannot generate a key pair for %s", name);
        return -1;
    }
    snprintf(kp->role, sizeof kp->role, "%s", role_text);
    snprintf(kp->name, sizeof kp->name, "%s", name);
    if (keys_save(path, kp, err, errlen) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/keys/%s.pub", dir, name);
    if (keys_save_public(path, kp, err, errlen) < 0)
        return -1;
    *created = true;
    log_info("key_created", "file=%s/keys/%s.key role=%s", dir, name, role_text);
    return 0;
}

/* Whether the server may create files in dir (root included: a read-only
   file system says no only when one tries). */
static int s_writable(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/.fsd-write-test", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1) {
        snprintf(
            err, errlen,
            "cannot write in the data directory %.512s (%s): choose another --data or fix its permissions",
            dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    unlink(path);
    return 0;
}

/* Takes DATA/fsd.lock for the life of the process (the descriptor is
   never closed) and writes our pid into it; when another process holds
   it, one sentence naming that pid in err. */
static int s_lock(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fsd.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %.512s (%s): choose another --data or fix its permissions", path,
                 strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = 0;
        buf[strcspn(buf, "\n")] = 0;
        close(fd);
        if (saved == EWOULDBLOCK)
            snprintf(err, errlen,
                     "another fsd-server (pid %s) is using the data directory %.512s: stop it first, or "
                     "choose another --data",
                     buf[0] ? buf : "unknown", dir);
        else
            snprintf(err, errlen, "cannot lock %.512s: %s", path, strerror(saved));
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        snprintf(err, errlen, "cannot write %.512s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return 0;
}

/* A file or directory holding customers' data readable by others is
   made private (mode `want`), and that is logged; a missing one is fine. */
static void s_private(const char *path, mode_t want)
{
    struct stat st;
    if (stat(path, &st) < 0 || (st.st_mode & 0777 & ~want) == 0)
        return;
    if (chmod(path, want) < 0)
        log_warn("private_failed", "file=%s mode=%04o error=%s", log_quote(0, path),
                 (unsigned)(st.st_mode & 07777), log_quote(1, strerror(errno)));
    else
        log_warn("made_private", "file=%s was=%04o now=%04o", log_quote(0, path),
                 (unsigned)(st.st_mode & 07777), (unsigned)want);
}

/* A new fsd.db is created 0600 before SQLite opens it: SQLite gives its
   -wal and -shm the database's mode. */
static int s_new_db(const char *db, char *err, size_t errlen)
{
    int fd = open(db, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    else if (errno != EEXIST) {
        snprintf(err, errlen, "cannot create %.512s: %s", db, strerror(errno));
        return -1;
    }
    return 0;
}

/* Data directory, database, keys and the world, ready to serve; on failure
   one sentence in err. */
static int s_start(server *srv, char *err, size_t errlen)
{
    char path[4096];
    const char *dir = srv->cfg.data_dir;
    snprintf(path, sizeof path, "%s/keys", dir);
    if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(path, 0700) < 0 && errno != EEXIST)) {
        snprintf(err, errlen,
                 "cannot create the data directory %.512s (%s): choose another --data or fix its permissions",
                 dir, strerror(errno));
        return -1;
    }
    if (s_writable(dir, err, errlen) < 0 || s_lock(dir, err, errlen) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/fsd.db", dir);
    if (s_new_db(path, err, errlen) < 0)
        return -1;
    int64_t t0 = wire_now_ms();
    if (!(srv->store = store_open(path, err, errlen)))
        return -1;
    if (store_generation(srv->store, &srv->generation) < 0) {
        snprintf(err, errlen, "cannot read the generation of %.512s: %s", path, store_errmsg(srv->store));
        return -1;
    }
    /* made private once the start can no longer fail on the database, so
       that a refused start stays one line */
    s_private(dir, 0700);
    static const char *const ext[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char file[4200];
        snprintf(file, sizeof file, "%s%s", path, ext[i]);
        s_private(file, 0600);
    }
    backup_clean_leftover(dir);
    bool created;
    fsd_keypair admin;
    if (s_key(dir, "server", "server", &srv->keys, &created, err, errlen) < 0
        || s_key(dir, "admin", "admin", &admin, &created, err, errlen) < 0)
        return -1;
    if (created) {
        bool replaced;
        if (store_begin(srv->store) < 0
            || store_put_principal(srv->store, admin.pub, "admin", ROLE_ADMIN_, "", &replaced) < 0
            || store_commit(srv->store) < 0) {
            snprintf(err, errlen, "cannot store the admin key in %.512s: %s", path, store_errmsg(srv->store));
            return -1;
        }
    }
    if (link_open(&srv->cfg.link, dir, err, errlen) < 0)
        return -1;
    if (world_load_reference(srv, err, errlen) < 0)
        return -1;
    if (world_load_jobs(srv) < 0) {
        snprintf(err, errlen, "cannot read the jobs from %.512s: %s", path, store_errmsg(srv->store));
        return -1;
    }
    if (keyring_load(srv) < 0) {
        snprintf(err, errlen, "cannot read the keys from %.512s: %s", path, store_errmsg(srv->store));
        return -1;
    }
    /* the sender (rows left pending by a crash go out now) */
    static char notify_file[4096];
    if (!srv->cfg.notify.file) {
        snprintf(notify_file, sizeof notify_file, "%s/notifications.jsonl", dir);
        srv->cfg.notify.file = notify_file;
        s_private(notify_file, 0600); /* customers' names and phones, like fsd.db */
    }
    if (!srv->cfg.notify.off && !(srv->notifier = notify_new(&srv->cfg.notify, err, errlen)))
        return -1;
    log_info("started", "data=%s open_jobs=%zu load_ms=%lld generation=%016llx", dir, strmap_size(srv->jobs),
             (long long)(wire_now_ms() - t0), (unsigned long long)srv->generation);
    return 0;
}

int main(int argc, char **argv)
{
    /* no allocation statistics: they take a global mutex on every malloc */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    server srv;
    memset(&srv, 0, sizeof srv);
    s_defaults(&srv.cfg);
    s_options(&srv.cfg, argc, argv);
    srv.started_at = wire_now_ms();
    srv.arena = arena_new();
    srv.ctx = zmq_ctx_new();
    zmq_ctx_set(srv.ctx, ZMQ_IO_THREADS, srv.cfg.io_threads);
    s_running = &srv;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* a file-size limit must fail the write (then the commit), not kill us */
    signal(SIGXFSZ, SIG_IGN);

    int rc = 1;
    char err[1024];
    if (s_log_file && log_open(s_log_file) < 0) {
        fprintf(stderr, "fsd-server: cannot write the log file %s (%s): choose another --log-file\n",
                s_log_file, strerror(errno));
        return 1;
    }
    if (s_start(&srv, err, sizeof err) < 0)
        fprintf(stderr, "fsd-server: %s\n", err); /* one line, nothing else */
    else {
        watch_init(&srv);
        int run = loop_run(&srv);
        if (run == LOOP_BIND_FAILED)
            fprintf(
                stderr,
                "fsd-server: cannot listen on %s (%s): is another server using it? choose another --listen\n",
                srv.cfg.listen, zmq_strerror(errno));
        else
            log_info("stopped", "rc=%d", (rc = run == 0 ? 0 : 1));
    }
    watch_destroy(&srv);
    notify_destroy(&srv.notifier);
    keyring_destroy(&srv.keyring);
    world_free(&srv);
    store_close(&srv.store);
    arena_destroy(&srv.arena);
    zmq_ctx_term(srv.ctx);
    return rc;
}
