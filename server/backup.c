/*  backup.c — `fsdctl backup FILE`: an online copy that never stops the loop.

    The Backup handler checks the request, creates the temporary file
    FILE.partial-PID next to FILE (mode 0600, O_EXCL), names it in
    DATA/backup.partial and starts a thread. The thread copies the
    database on a connection of its own (store_backup_copy: one read
    transaction is one snapshot; 256 pages per step, 1 ms apart, so the
    disk is shared with the loop's commits), fsyncs the copy, renames it to
    FILE only once it is complete (never over a file that appeared
    meanwhile) and fsyncs the directory. A server killed during the copy
    leaves no FILE, only the temporary file with its telling name, which
    the next start removes (or the next backup into the same FILE).

    The answer: the request stays unanswered while the copy runs; the loop
    looks at the thread every turn (backup_poll) and sends BackupDone, or
    an error, straight to the requester's routing id with reply_to = its
    msg_id. Nothing is committed for it, so it does not wait for a batch,
    and batches that ran in between do not matter: the routing id and the
    msg_id were kept from the request. One backup at a time: another
    request meanwhile is refused with `conflict`; a retry of the same
    request (same key and msg_id: fsdctl resends while it waits) only
    moves where the answer goes, and a retry that comes after the answer
    gets the same answer again. */
#include "backup.h"

#include "server.h"
#include "verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/wire.h"

#define STEP_PAGES 256          /* pages copied per step */
#define STEP_PAUSE_MS 1         /* ...and the pause between steps */
#define POLL_MS 20              /* the loop's look at a running copy */
#define PARTIAL ".partial-"     /* FILE.partial-PID: the copy in progress */
#define MARKER "backup.partial" /* in DATA: names the copy in progress */

struct backup {
    pthread_t thread;
    bool running;        /* a thread to join (the loop's view) */
    volatile int cancel; /* set by the loop: stop copying */
    pthread_mutex_t mu;
    bool done;           /* under mu: the thread has finished */
    char error[2600];    /* under mu: "" when FILE is in place */
    uint64_t bytes;      /* under mu */
    int64_t finished_at; /* under mu */
    char db_file[4096], path[1100], tmp[1200], marker[4200];
    int64_t started_at;
    /* the request being answered, or the last one answered */
    char who[128], msg_id[FSD_MSG_ID_MAX + 1];
    uint8_t rid[256];
    size_t rid_len;
    uint8_t *answer; /* the encoded answer once sent (for a retry) */
    size_t answer_len;
};

/* Removes the rollback journal SQLite may leave next to a copy. */
static void s_unlink_journal(const char *copy)
{
    char journal[1300];
    snprintf(journal, sizeof journal, "%s-journal", copy);
    unlink(journal);
}

/* fsyncs the directory that holds path: the rename is on disk. */
static int s_sync_dir(const char *path)
{
    char copy[1200];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The finished copy into place: flushed, then renamed to FILE (never over
   an existing file). error filled when it failed. */
static void s_place(struct backup *b, char *error, size_t errlen)
{
    int fd = open(b->tmp, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0) {
        snprintf(error, errlen, "cannot flush %s to disk: %s", b->tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
    int rc = renameat2(AT_FDCWD, b->tmp, AT_FDCWD, b->path, RENAME_NOREPLACE);
    if (rc < 0 && (errno == EINVAL || errno == ENOSYS)) {
        /* a file system without RENAME_NOREPLACE: a hard link never replaces either */
        rc = link(b->tmp, b->path);
        if (rc == 0)
            unlink(b->tmp);
    }
    if (rc < 0) {
        snprintf(error, errlen,
                 errno == EEXIST ? "%s appeared during the backup: a backup never overwrites a file"
                                 : "cannot rename the copy to %s: %s",
                 b->path, strerror(errno));
        return;
    }
    if (s_sync_dir(b->path) < 0)
        log_warn("backup_dir_sync", "path=\"%s\" error=\"%s\"", b->path,
                 strerror(errno)); /* no log_quote: its buffers are the loop's */
    pthread_mutex_lock(&b->mu);
    b->bytes = (uint64_t)st.st_size;
    pthread_mutex_unlock(&b->mu);
}

/* The copying thread. */
static void *s_run(void *arg)
{
    struct backup *b = arg;
    char error[sizeof b->error] = "";
    if (store_backup_copy(b->db_file, b->tmp, STEP_PAGES, STEP_PAUSE_MS, &b->cancel, error, sizeof error)
        == 0)
        s_place(b, error, sizeof error);
    if (error[0])
        unlink(b->tmp);
    s_unlink_journal(b->tmp);
    unlink(b->marker);
    pthread_mutex_lock(&b->mu);
    memcpy(b->error, error, sizeof error);
    b->finished_at = wire_now_ms();
    b->done = true;
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Sends the answer of the backup whose thread was joined, and keeps it
   for a retry. */
static void s_answer(server *srv, struct backup *b)
{
    b->running = false;
    Fsd__Envelope reply;
    char id[33];
    wire_envelope_init(&reply, id);
    reply.reply_to = b->msg_id;
    Fsd__BackupDone d = FSD__BACKUP_DONE__INIT;
    Fsd__Error e = FSD__ERROR__INIT;
    int64_t ms = b->finished_at - b->started_at;
    if (!b->error[0]) {
        d.path = b->path;
        d.bytes = b->bytes;
        d.ms = (uint32_t)ms;
        reply.body_case = FSD__ENVELOPE__BODY_BACKUP_DONE;
        reply.backup_done = &d;
        log_info("backup_done", "path=%s bytes=%llu ms=%lld", log_quote(0, b->path),
                 (unsigned long long)b->bytes, (long long)ms);
    } else {
        e.code = FSD__ERROR_CODE__ERR_UNAVAILABLE;
        e.field = "path";
        e.message = b->error;
        reply.body_case = FSD__ENVELOPE__BODY_ERROR;
        reply.error = &e;
        srv->counters[C_REJECTED]++;
        log_error("backup_failed", "path=%s ms=%lld error=%s", log_quote(0, b->path), (long long)ms,
                  log_quote(1, b->error));
    }
    free(b->answer);
    b->answer = wire_encode(&reply, &b->answer_len);
    if (b->answer && srv->router
        && (zmq_send(srv->router, b->rid, b->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
            || zmq_send(srv->router, b->answer, b->answer_len, ZMQ_DONTWAIT) < 0))
        srv->counters[C_SEND_FAILED]++; /* fsdctl's retry gets it again */
}

/* Removes FILE.partial-PID files of processes that no longer run (a
   backup into the same FILE by a server killed before its next start). */
static void s_clean_stale(const char *path)
{
    if (strpbrk(path, "*?[\\"))
        return;
    char pattern[1200];
    snprintf(pattern, sizeof pattern, "%s" PARTIAL "*", path);
    glob_t g;
    if (glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *num = g.gl_pathv[i] + strlen(path) + strlen(PARTIAL);
        char *end;
        long pid = strtol(num, &end, 10);
        if (*end || end == num || pid <= 0)
            continue;
        if (pid == getpid() || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
            if (unlink(g.gl_pathv[i]) == 0)
                log_info("backup_leftover_removed", "file=%s", log_quote(0, g.gl_pathv[i]));
            s_unlink_journal(g.gl_pathv[i]);
        }
    }
    globfree(&g);
}

/* Starts the copying thread with every signal blocked (the loop takes them). */
static int s_start_thread(struct backup *b)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&b->thread, NULL, s_run, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int backup_request(call *c)
{
    server *srv = c->srv;
    struct backup *b = srv->backup;
    const char *path = c->req->backup->path;
    /* a retry of the request in hand, or of the one answered last */
    if (b && c->req->msg_id[0] && strcmp(b->msg_id, c->req->msg_id) == 0
        && strcmp(b->who, c->who->name) == 0) {
        if (b->running) {
            b->rid_len = c->rid && c->rid_len < sizeof b->rid ? c->rid_len : c->rid ? sizeof b->rid : 0;
            if (b->rid_len)
                memcpy(b->rid, c->rid, b->rid_len);
        } else if (b->answer) {
            reply_queue(srv, NULL, 0, c->rid, c->rid_len, b->answer, b->answer_len);
        }
        return VERB_NO_ANSWER;
    }
    if (b && b->running) {
        call_error(
            c, FSD__ERROR_CODE__ERR_CONFLICT, "path",
            "a backup into %s is running (for %lld ms): one backup at a time; try again when it is done",
            b->path, (long long)(wire_now_ms() - b->started_at));
        return 0;
    }
    if (path[0] != '/' || strlen(path) > 1024) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "path",
                   "the backup path must be absolute (a file on the server's machine)");
        return 0;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "path",
                   "%s exists already: a backup never overwrites a file", path);
        return 0;
    }
    if (!b) {
        b = fsd_xcalloc(1, sizeof *b);
        pthread_mutex_init(&b->mu, NULL);
        srv->backup = b;
    }
    s_clean_stale(path);
    snprintf(b->path, sizeof b->path, "%s", path);
    snprintf(b->tmp, sizeof b->tmp, "%s" PARTIAL "%d", path, (int)getpid());
    int fd = open(b->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "path", "cannot create %s: %s", b->tmp,
                   strerror(errno));
        return 0;
    }
    close(fd);
    /* the next start removes the copy if this server dies before it is done */
    snprintf(b->marker, sizeof b->marker, "%s/" MARKER, srv->cfg.data_dir);
    fd = open(b->marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%s\n", b->tmp);
        close(fd);
    }
    snprintf(b->db_file, sizeof b->db_file, "%s", store_filename(srv->store));
    snprintf(b->who, sizeof b->who, "%s", c->who->name);
    snprintf(b->msg_id, sizeof b->msg_id, "%s", c->req->msg_id);
    b->rid_len = c->rid && c->rid_len < sizeof b->rid ? c->rid_len : c->rid ? sizeof b->rid : 0;
    if (b->rid_len)
        memcpy(b->rid, c->rid, b->rid_len);
    free(b->answer);
    b->answer = NULL;
    b->cancel = 0;
    b->done = false;
    b->error[0] = 0;
    b->bytes = 0;
    b->started_at = wire_now_ms();
    if (s_start_thread(b) != 0) {
        unlink(b->tmp);
        unlink(b->marker);
        b->msg_id[0] = 0;
        call_error(c, FSD__ERROR_CODE__ERR_INTERNAL, "", "cannot start the backup's thread");
        return 0;
    }
    b->running = true;
    log_info("backup_started", "path=%s by=%s", log_quote(0, path), c->who->name);
    return VERB_NO_ANSWER;
}

void backup_poll(server *srv)
{
    struct backup *b = srv->backup;
    if (!b || !b->running)
        return;
    pthread_mutex_lock(&b->mu);
    bool done = b->done;
    pthread_mutex_unlock(&b->mu);
    if (done) {
        pthread_join(b->thread, NULL);
        s_answer(srv, b);
    }
}

int backup_wait_ms(const server *srv, int most)
{
    return srv->backup && srv->backup->running && most > POLL_MS ? POLL_MS : most;
}

void backup_destroy(server *srv)
{
    struct backup *b = srv->backup;
    if (!b)
        return;
    if (b->running) {
        b->cancel = 1;
        pthread_join(b->thread, NULL);
        pthread_mutex_lock(&b->mu);
        if (strstr(b->error, "was cancelled")) /* say why in the operator's words */
            snprintf(b->error, sizeof b->error,
                     "the server stopped before the backup into %s was done: "
                     "nothing was written; run it again",
                     b->path);
        pthread_mutex_unlock(&b->mu);
        s_answer(srv, b);
    }
    free(b->answer);
    pthread_mutex_destroy(&b->mu);
    free(b);
    srv->backup = NULL;
}

void backup_clean_leftover(const char *data_dir)
{
    char marker[4200], tmp[1300] = "";
    snprintf(marker, sizeof marker, "%s/" MARKER, data_dir);
    FILE *f = fopen(marker, "re");
    if (!f)
        return;
    if (fgets(tmp, sizeof tmp, f))
        tmp[strcspn(tmp, "\n")] = 0;
    fclose(f);
    /* only a file named like our copies: the marker is not a way to delete others */
    const char *p = strstr(tmp, PARTIAL);
    char *end = NULL;
    if (p && tmp[0] == '/' && strtol(p + strlen(PARTIAL), &end, 10) > 0 && end && !*end) {
        if (unlink(tmp) == 0)
            log_warn("backup_leftover_removed", "file=%s (a backup the last run did not finish)",
                     log_quote(0, tmp));
        s_unlink_journal(tmp);
    }
    unlink(marker);
}
