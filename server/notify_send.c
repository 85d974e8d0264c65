/*  notify_send.c — delivering the notification outbox.

    Rows of the notifications table (written by notify.c with the change
    that caused them) are delivered at least once by one of two senders:

    - a command (--notify-cmd CMD): `/bin/sh -c CMD` runs with the message
      as one line of JSON on stdin (the contract is in README.md) and
      FSD_NOTIFY_ID, FSD_NOTIFY_JOB, FSD_NOTIFY_EVENT, FSD_NOTIFY_ATTEMPT in
      its environment; exit status 0 means delivered. The message is
      written into a pipe before the child starts (it fits a pipe's
      buffer), so the loop never waits on the child; stdout goes to
      /dev/null, the last bytes of stderr become the attempt's error. The
      child leads its own process group; past --notify-timeout-ms the
      whole group is killed. At most --notify-max-inflight run at once.
      Finished children are reaped with waitpid(WNOHANG) from the timers.
    - the file (default): each message is appended as a JSON line to
      --notify-file (default DATA/notifications.jsonl), flushed to disk
      (fdatasync) before the rows are marked sent. The writing and the
      flush are a thread's of their own (one batch in hand at a time), so
      the loop never waits on the disk for them; the loop records the
      batch's outcomes at its next look once the flush returned. The file
      holds whole lines only: a batch whose write or flush fails (a full
      disk) is cut off again and retried whole, so a message counts as
      sent only once its whole line is on disk. SIGHUP needs nothing here:
      the file is opened by name for every batch (a renamed file is left
      alone, the next batch creates a fresh one, mode 0600).

    A job's messages go out one at a time, in the order they were made
    (no "on the way" before "accepted"): only the oldest pending message
    of a job is ever tried; the next follows once it is sent or failed.

    A failed attempt is retried after --notify-retry-ms, doubling up to
    --notify-retry-max-ms; after --notify-attempts attempts the row is
    failed (visible in `fsdctl stats` and `fsdctl notifications --failed`).

    Outcomes are written to the store inside the loop's current batch
    (notify_pump runs at the start of every batch of the loop), so they ride
    its group commit. Running before the batch's messages, the pump sees
    only rows already committed: no customer hears of a change that a
    failed commit then undid.
    If the server dies before that commit, the row is still pending and is
    sent again after the restart: at least once, never lost. On a clean
    stop running commands are killed and their rows stay pending.

    Deliberately not here: what the message says (notify.c), SQL. */
#include "link.h"
#include "notify_send.h"

#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"

extern char **environ;

#define FILE_BATCH 256     /* rows the file sender writes per look */
#define FILE_EVERY_MS 20   /* ...and it gathers this long unless that many wait */
#define LOOK_EVERY_MS 1000 /* look at the outbox at least this often */
#define ERR_KEEP 200       /* bytes of a command's stderr kept */
#define FILE_WAIT_MS 2     /* the loop's next look while a batch is in hand */

/* A message due, as a sender gets it. */
typedef struct {
    int64_t id;
    int attempt;
    char job[24], event[16];
    char *json; /* one line, malloc'd */
} s_due;

/* The file sender's writer thread and the batch in its hand. */
typedef struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *path;
    /* under mu */
    s_due *due; /* the batch in hand (NULL: none) */
    size_t n;
    bool done, stop;
    char error[300]; /* "" when the batch reached the disk */
} s_writer;

/* A running command. */
typedef struct {
    int64_t id;
    int attempt; /* the number of this attempt, from 1 */
    char job[24], event[16];
    pid_t pid;
    int err_fd;             /* its stderr, non-blocking */
    char err[ERR_KEEP + 1]; /* the last bytes of it */
    size_t err_len;
    int64_t started_at;
    bool killed; /* over its time: killed, waiting to be reaped */
} s_kid;

struct notifier {
    notify_config cfg;
    s_kid *kids;
    int n_kids;        /* running now (cap: cfg.max_inflight) */
    s_writer *writer;  /* the file sender's (NULL: commands) */
    size_t in_hand;    /* messages the writer has (the loop's count) */
    int64_t due_at;    /* the earliest next_at known to be pending */
    int64_t looked_at; /* last look at the outbox */
    uint64_t fresh;    /* rows queued since that look */
    bool backlog;      /* that look left due rows behind */
    uint64_t queued, sent, retries, failed;
};

/* ------------------------------------------------------ the file writer */

/* Where the file's whole lines end: after its last newline (0 when it
   has none). What follows is a torn line: a write the server did not
   finish (killed mid-write, or a cut-back that failed too). -1 on a read
   error. */
static off_t s_lines_end(int fd, off_t size)
{
    char buf[4096];
    off_t at = size;
    while (at > 0) {
        size_t want = at < (off_t)sizeof buf ? (size_t)at : sizeof buf;
        ssize_t got = pread(fd, buf, want, at - (off_t)want);
        if (got != (ssize_t)want)
            return -1;
        for (size_t i = want; i > 0; i--)
            if (buf[i - 1] == '\n')
                return at - (off_t)want + (off_t)i;
        at -= (off_t)want;
    }
    return 0;
}

/* Appends the batch's lines to path and flushes them to disk; error
   filled ("" before) when any of it failed. The file only ever holds
   whole lines: a batch that fails (a short write when the disk is full,
   a failed flush) is cut off again, so that no half line is left for the
   next message to be glued to, and none of the batch counts as sent (it
   is retried whole). A torn line left by a crash is cut off first. */
static void s_append(const char *path, s_due *due, size_t n, char *error, size_t errlen)
{
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600); /* read: the torn-line check */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(error, errlen, "cannot open %.200s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    off_t start = st.st_size;
    if (start > 0) {
        off_t whole = s_lines_end(fd, start);
        if (whole < 0 || (whole < start && ftruncate(fd, whole) < 0)) {
            snprintf(error, errlen, "cannot cut a torn line off %.200s: %s", path, strerror(errno));
            close(fd);
            return;
        }
        if (whole < start)
            log_warn("notify_file_torn", "file=\"%s\" cut_bytes=%lld (a line not written whole: sent again)",
                     path, (long long)(start - whole)); /* no log_quote: its buffers are the loop's */
        start = whole;
    }
    for (size_t i = 0; !error[0] && i < n; i++) {
        size_t len = strlen(due[i].json);
        due[i].json[len] = '\n'; /* json_dumps left room: replaced the NUL */
        ssize_t w = write(fd, due[i].json, len + 1);
        due[i].json[len] = 0;
        if (w != (ssize_t)len + 1)
            snprintf(error, errlen, "cannot write %.200s: %s", path,
                     w < 0 ? strerror(errno) : "short write (disk full?)");
    }
    if (!error[0] && fdatasync(fd) < 0)
        snprintf(error, errlen, "cannot flush %.200s: %s", path, strerror(errno));
    if (error[0]) {
        /* back to the whole lines it had; if even that fails, the next
           batch cuts the torn line first */
        if (ftruncate(fd, start) < 0 || fdatasync(fd) < 0)
            log_warn("notify_file_cut_failed", "file=\"%s\" error=\"%s\"", path, strerror(errno));
    }
    close(fd);
}

/* The writer thread: each batch handed over is appended and flushed, then
   marked done for the loop to collect; a batch in hand is finished before
   the thread stops. */
static void *s_writer_run(void *arg)
{
    s_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && !(w->due && !w->done))
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->due || w->done)
            break; /* stopping, nothing in hand */
        s_due *due = w->due;
        size_t n = w->n;
        pthread_mutex_unlock(&w->mu);
        char error[sizeof w->error] = "";
        s_append(w->path, due, n, error, sizeof error);
        pthread_mutex_lock(&w->mu);
        memcpy(w->error, error, sizeof error);
        w->done = true;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static s_writer *s_writer_start(const char *path)
{
    s_writer *w = fsd_xcalloc(1, sizeof *w);
    w->path = path;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, s_writer_run, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

/* Frees a batch and the lines in it. */
static void s_due_free(s_due *due, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(due[i].json);
    free(due);
}

/* Stops the thread once the batch in hand is written; that batch's rows
   stay pending unless notify_settle recorded it. */
static void s_writer_stop(s_writer **w_p)
{
    s_writer *w = *w_p;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    if (w->due)
        s_due_free(w->due, w->n);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    *w_p = NULL;
}

notifier *notify_new(const notify_config *cfg, char *err, size_t errlen)
{
    notifier *self = fsd_xcalloc(1, sizeof *self);
    self->cfg = *cfg;
    if (self->cfg.max_inflight < 1)
        self->cfg.max_inflight = 1;
    if (self->cfg.attempts < 1)
        self->cfg.attempts = 1;
    self->kids = fsd_xcalloc((size_t)self->cfg.max_inflight, sizeof *self->kids);
    if (!self->cfg.cmd) {
        int fd = open(self->cfg.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "cannot write notifications to %.512s (%s): choose another --notify-file",
                     self->cfg.file, strerror(errno));
            free(self->kids);
            free(self);
            return NULL;
        }
        close(fd);
        if (!(self->writer = s_writer_start(self->cfg.file))) {
            snprintf(err, errlen, "cannot start the notification file's writer");
            free(self->kids);
            free(self);
            return NULL;
        }
    }
    log_info("notify",
             "sender=%s %s=%s timeout_ms=%d max_inflight=%d retry_ms=%d retry_max_ms=%d attempts=%d",
             self->cfg.cmd ? "command" : "file", self->cfg.cmd ? "cmd" : "file",
             log_quote(0, self->cfg.cmd ? self->cfg.cmd : self->cfg.file), self->cfg.timeout_ms,
             self->cfg.max_inflight, self->cfg.retry_ms, self->cfg.retry_max_ms, self->cfg.attempts);
    return self;
}

void notify_destroy(notifier **self_p)
{
    if (!self_p || !*self_p)
        return;
    notifier *self = *self_p;
    for (int i = 0; i < self->n_kids; i++) {
        s_kid *k = &self->kids[i];
        kill(-k->pid, SIGKILL);
        kill(k->pid, SIGKILL);
        waitpid(k->pid, NULL, 0);
        close(k->err_fd);
    }
    if (self->n_kids)
        log_info("notify_stopped", "killed=%d (still pending: sent again after the restart)", self->n_kids);
    if (self->in_hand)
        log_info("notify_stopped", "written=%zu (not recorded: sent again after the restart)", self->in_hand);
    s_writer_stop(&self->writer);
    free(self->kids);
    free(self);
    *self_p = NULL;
}

void notify_queued(notifier *self, int64_t now)
{
    self->queued++;
    self->fresh++;
    if (now < self->due_at)
        self->due_at = now;
}

void notify_counts(const notifier *self, uint64_t *queued, uint64_t *sent, uint64_t *retries,
                   uint64_t *failed, uint64_t *in_flight)
{
    *queued = self->queued;
    *sent = self->sent;
    *retries = self->retries;
    *failed = self->failed;
    *in_flight = (uint64_t)self->n_kids + self->in_hand;
}

/* ----------------------------------------------------------- outcomes */

/* When attempt number `attempt` failed: the wait before the next. */
static int64_t s_backoff(const notifier *self, int attempt)
{
    int64_t wait = self->cfg.retry_ms > 0 ? self->cfg.retry_ms : 1;
    for (int i = 1; i < attempt && wait < self->cfg.retry_max_ms; i++)
        wait *= 2;
    return wait < self->cfg.retry_max_ms ? wait : self->cfg.retry_max_ms;
}

/* Records how attempt `attempt` of notification id went. -1 storage failure. */
static int s_outcome(server *srv, notifier *self, int64_t id, int attempt, const char *job_id,
                     const char *event, const char *error, int64_t now)
{
    if (!error) {
        if (store_notification_sent(srv->store, id, attempt, now) < 0)
            return -1;
        self->sent++;
        self->due_at = now; /* the job's next message may go now */
        log_info("notify_sent", "id=%lld job=%s event=%s attempt=%d", (long long)id, job_id, event, attempt);
        return 0;
    }
    bool give_up = attempt >= self->cfg.attempts;
    int64_t next = now + s_backoff(self, attempt);
    if (store_notification_retry(srv->store, id, attempt, next, give_up, error) < 0)
        return -1;
    if (give_up) {
        self->failed++;
        self->due_at = now;
        log_warn("notify_failed", "id=%lld job=%s event=%s attempts=%d error=%s", (long long)id, job_id,
                 event, attempt, log_quote(0, error));
    } else {
        self->retries++;
        if (next < self->due_at)
            self->due_at = next;
        log_info("notify_retry", "id=%lld job=%s event=%s attempt=%d next_in_ms=%lld error=%s", (long long)id,
                 job_id, event, attempt, (long long)(next - now), log_quote(0, error));
    }
    return 0;
}

/* ------------------------------------------------------------ commands */

/* Reads what the child wrote to stderr so far, keeping the last bytes. */
static void s_drain(s_kid *k)
{
    char buf[512];
    ssize_t n;
    while ((n = read(k->err_fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (k->err_len == ERR_KEEP) {
                memmove(k->err, k->err + 1, ERR_KEEP - 1);
                k->err_len--;
            }
            char c = buf[i];
            k->err[k->err_len++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
        }
    }
    k->err[k->err_len] = 0;
}

/* The error of a finished child, or NULL when it delivered. */
static const char *s_verdict(const notifier *self, const s_kid *k, int status, char *buf, size_t len)
{
    if (k->killed) {
        snprintf(buf, len, "timed out after %d ms (killed)", self->cfg.timeout_ms);
        return buf;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NULL;
    /* the last line of stderr says most */
    const char *said = k->err;
    size_t n = k->err_len;
    while (n > 0 && said[n - 1] == ' ')
        n--;
    if (WIFEXITED(status))
        snprintf(buf, len, "exit %d%s%.*s", WEXITSTATUS(status), n ? ": " : "", (int)n, said);
    else
        snprintf(buf, len, "killed by signal %d%s%.*s", WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                 n ? ": " : "", (int)n, said);
    return buf;
}

/* Reaps finished commands and kills those over their time. */
static int s_reap(server *srv, notifier *self, int64_t now)
{
    for (int i = 0; i < self->n_kids;) {
        s_kid *k = &self->kids[i];
        s_drain(k);
        if (!k->killed && now - k->started_at >= self->cfg.timeout_ms) {
            kill(-k->pid, SIGKILL);
            kill(k->pid, SIGKILL);
            k->killed = true;
            log_warn("notify_timeout", "id=%lld job=%s event=%s pid=%d after_ms=%lld", (long long)k->id,
                     k->job, k->event, (int)k->pid, (long long)(now - k->started_at));
        }
        int status = 0;
        pid_t r = waitpid(k->pid, &status, WNOHANG);
        if (r == 0) {
            i++;
            continue;
        }
        char buf[ERR_KEEP + 64];
        const char *error;
        if (r < 0) {
            snprintf(buf, sizeof buf, "lost the sender process (%s)", strerror(errno));
            error = buf;
        } else {
            s_drain(k);
            error = s_verdict(self, k, status, buf, sizeof buf);
        }
        close(k->err_fd);
        s_kid done = *k;
        self->kids[i] = self->kids[--self->n_kids];
        if (s_outcome(srv, self, done.id, done.attempt, done.job, done.event, error, now) < 0)
            return -1;
    }
    return 0;
}

/* Starts the command for one message; 0, or -1 with err set. */
static int s_spawn(notifier *self, s_kid *k, const char *json, char *err, size_t errlen)
{
    int in[2] = { -1, -1 }, er[2] = { -1, -1 };
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
        goto fail;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(er[0], F_SETFL, O_NONBLOCK);
    size_t len = strlen(json);
    if (write(in[1], json, len) != (ssize_t)len || write(in[1], "\n", 1) != 1) {
        snprintf(err, errlen, "the message (%zu bytes) does not fit a pipe", len);
        goto fail;
    }
    close(in[1]);
    in[1] = -1;

    /* the environment, plus what a shell script wants without parsing JSON */
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    char **envp = fsd_xcalloc(n_env + 5, sizeof *envp);
    size_t e = 0;
    for (size_t i = 0; i < n_env; i++)
        if (strncmp(environ[i], "FSD_NOTIFY_", 11) != 0)
            envp[e++] = environ[i];
    char v_id[48], v_job[48], v_event[48], v_attempt[48];
    snprintf(v_id, sizeof v_id, "FSD_NOTIFY_ID=%lld", (long long)k->id);
    snprintf(v_job, sizeof v_job, "FSD_NOTIFY_JOB=%s", k->job);
    snprintf(v_event, sizeof v_event, "FSD_NOTIFY_EVENT=%s", k->event);
    snprintf(v_attempt, sizeof v_attempt, "FSD_NOTIFY_ATTEMPT=%d", k->attempt);
    envp[e++] = v_id;
    envp[e++] = v_job;
    envp[e++] = v_event;
    envp[e++] = v_attempt;
    envp[e] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, er[1], 2);
    posix_spawnattr_init(&at);
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE); /* ignored by the server: a shell wants them back */
    sigaddset(&dflt, SIGXFSZ);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dflt);
    posix_spawnattr_setpgroup(&at, 0); /* its own group: a timeout kills all of it */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = { "/bin/sh", "-c", (char *)self->cfg.cmd, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(envp);
    close(in[0]);
    close(er[1]);
    in[0] = er[1] = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot start /bin/sh: %s", strerror(rc));
        goto fail;
    }
    k->pid = pid;
    k->err_fd = er[0];
    k->err_len = 0;
    k->err[0] = 0;
    k->killed = false;
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (er[i] >= 0)
            close(er[i]);
    }
    return -1;
}

/* ------------------------------------------------------------- the pump */

/* A due message: what the senders need. */
typedef struct {
    notifier *self;
    int64_t now;
    s_due *due;
    size_t n, room;
    int64_t later; /* the earliest next_at not due yet */
    bool more;     /* rows left unread */
} s_scan;

/* "2026-11-23T13:43:28.101Z" */
static void s_iso(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03dZ", (int)(ms % 1000));
}

/* The message as the sender gets it (the documented contract). */
static char *s_json(const link_config *self_link, const store_notification *n, int attempt)
{
    char created[40];
    s_iso(n->created_at, created, sizeof created);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(n->id));
    json_object_set_new(o, "job", json_string(n->job_id));
    json_object_set_new(o, "event", json_string(n->event));
    json_object_set_new(o, "phone", json_string(n->phone));
    json_object_set_new(o, "customer", json_string(n->customer_name));
    json_object_set_new(o, "language", json_string(n->language));
    char *text = self_link ? link_expand(self_link, n->job_id, n->text) : NULL;
    json_object_set_new(o, "text", json_string(text ? text : n->text));
    free(text);
    json_object_set_new(o, "technician_id", json_string(n->technician_id));
    json_object_set_new(o, "attempt", json_integer(attempt));
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "created_at_ms", json_integer(n->created_at));
    if (strcmp(n->event, "completed") == 0) {
        char rate[80];
        snprintf(rate, sizeof rate, "fsdctl rate %s STARS", n->job_id);
        json_object_set_new(o, "rate_command", json_string(rate));
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* True when notification id is being sent by a running command. */
static bool s_running(const notifier *self, int64_t id)
{
    for (int i = 0; i < self->n_kids; i++)
        if (self->kids[i].id == id)
            return true;
    return false;
}

/* store_notification_each_pending callback: takes what is due. */
static void s_take(void *arg, const store_notification *n)
{
    s_scan *sc = arg;
    if (s_running(sc->self, n->id))
        return;
    if (n->next_at > sc->now) {
        if (n->next_at < sc->later)
            sc->later = n->next_at;
        return;
    }
    if (sc->n == sc->room) {
        sc->more = true;
        return;
    }
    s_due *d = &sc->due[sc->n];
    d->id = n->id;
    d->attempt = n->attempts + 1;
    snprintf(d->job, sizeof d->job, "%s", n->job_id);
    snprintf(d->event, sizeof d->event, "%s", n->event);
    d->json = s_json(sc->self->cfg.link, n, d->attempt);
    if (d->json)
        sc->n++;
}

/* The file sender: the due lines handed to the writer thread. */
static void s_send_file(notifier *self, s_due *due, size_t n)
{
    s_writer *w = self->writer;
    pthread_mutex_lock(&w->mu);
    w->due = due;
    w->n = n;
    w->done = false;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    self->in_hand = n;
}

/* The writer's batch, once written (at once, or with wait when it is):
   each line's outcome recorded in the loop's transaction. 0 when none
   was ready, -1 storage failure. */
static int s_file_collect(server *srv, notifier *self, int64_t now, bool wait)
{
    s_writer *w = self->writer;
    if (!w || !self->in_hand)
        return 0;
    pthread_mutex_lock(&w->mu);
    while (wait && !w->done)
        pthread_cond_wait(&w->cv, &w->mu);
    if (!w->done) {
        pthread_mutex_unlock(&w->mu);
        return 0;
    }
    s_due *due = w->due;
    size_t n = w->n;
    char error[sizeof w->error];
    memcpy(error, w->error, sizeof error);
    w->due = NULL;
    w->n = 0;
    w->done = false;
    pthread_mutex_unlock(&w->mu);
    self->in_hand = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = s_outcome(srv, self, due[i].id, due[i].attempt, due[i].job, due[i].event,
                       error[0] ? error : NULL, now);
    s_due_free(due, n);
    return rc;
}

int notify_settle(server *srv, int64_t now)
{
    return srv->notifier ? s_file_collect(srv, srv->notifier, now, true) : 0;
}

/* The command sender: one child per due message. */
static int s_send_command(server *srv, notifier *self, s_due *due, size_t n, int64_t now)
{
    for (size_t i = 0; i < n; i++) {
        s_kid *k = &self->kids[self->n_kids];
        k->id = due[i].id;
        k->attempt = due[i].attempt;
        snprintf(k->job, sizeof k->job, "%s", due[i].job);
        snprintf(k->event, sizeof k->event, "%s", due[i].event);
        k->started_at = now;
        char err[300];
        if (s_spawn(self, k, due[i].json, err, sizeof err) < 0) {
            if (s_outcome(srv, self, due[i].id, due[i].attempt, due[i].job, due[i].event, err, now) < 0)
                return -1;
            continue;
        }
        self->n_kids++;
        log_debug("notify_started", "id=%lld job=%s event=%s attempt=%d pid=%d", (long long)k->id, k->job,
                  k->event, k->attempt, (int)k->pid);
    }
    return 0;
}

int notify_wait_ms(const notifier *self, int64_t now, int most)
{
    if (self && self->in_hand)
        return most < FILE_WAIT_MS ? most : FILE_WAIT_MS; /* to collect the batch soon */
    if (!self || self->cfg.cmd || self->due_at == INT64_MAX)
        return most;
    int64_t at = self->due_at;
    if (at < self->looked_at + FILE_EVERY_MS && !self->backlog)
        at = self->looked_at + FILE_EVERY_MS;
    int64_t wait = at - now;
    return wait < 1 ? 1 : wait < most ? (int)wait : most;
}

int notify_pump(server *srv, int64_t now)
{
    notifier *self = srv->notifier;
    if (!self)
        return 0;
    if (s_reap(srv, self, now) < 0 || s_file_collect(srv, self, now, false) < 0)
        return -1;
    if (self->in_hand)
        return 0; /* one batch in the writer's hand at a time */
    if (now < self->due_at && now - self->looked_at < LOOK_EVERY_MS)
        return 0;
    /* every look at the file ends in an fdatasync: gather FILE_EVERY_MS of
       messages into one unless a full write's worth is waiting */
    if (!self->cfg.cmd && !self->backlog && self->fresh < FILE_BATCH && now - self->looked_at < FILE_EVERY_MS)
        return 0;
    size_t room = self->cfg.cmd ? (size_t)(self->cfg.max_inflight - self->n_kids) : FILE_BATCH;
    if (room == 0)
        return 0;
    self->looked_at = now;
    self->fresh = 0;
    s_scan sc = { .self = self, .now = now, .room = room, .later = INT64_MAX };
    sc.due = fsd_xcalloc(room, sizeof *sc.due);
    int rc =
        store_notification_each_pending(srv->store, (unsigned)(room + (size_t)self->n_kids + 1), s_take, &sc);
    /* the scan saw the head of every job; the outcomes below lower it again */
    self->due_at = INT64_MAX;
    if (rc == 0 && sc.n && !self->cfg.cmd) {
        s_send_file(self, sc.due, sc.n); /* freed once collected */
    } else {
        if (rc == 0 && sc.n)
            rc = s_send_command(srv, self, sc.due, sc.n, now);
        s_due_free(sc.due, sc.n);
    }
    /* more due than room: look again next tick; else at the earliest retry */
    self->backlog = rc == 0 && (sc.more || sc.n == room);
    int64_t next = self->backlog ? now : sc.later;
    if (next < self->due_at)
        self->due_at = next;
    return rc;
}
