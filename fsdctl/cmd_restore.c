/*  cmd_restore.c — `fsdctl restore BACKUP --data DIR`: puts a backup in place
    of a stopped server's database.

    What an operator needs from a restore, in order:
      - the server must not be running on DIR: DIR/fsd.lock is taken with
        flock(LOCK_EX|LOCK_NB), the lock a running fsd-server holds, and
        kept until the end so no server starts half way;
      - the backup must be whole: PRAGMA integrity_check says "ok" and its
        schema is one this build can read (older ones are migrated);
      - job ids must never be issued twice: the highest job number the
        replaced database issued (or the floor it carried) becomes the
        restored database's floor. When the replaced database is missing
        or unreadable that number is unknown, and the restore refuses
        unless the operator gives it (--job-floor N);
      - agents must notice: the restored database gets a new generation
        (a random 64-bit id), sent in every Welcome, and agents that knew
        another one re-synchronise by themselves;
      - nothing is lost: the replaced database is kept beside it as
        fsd.db.replaced-<UTC time> (0600), the backup file is not touched;
      - the switch is atomic: the restored copy is prepared, stamped and
        synced as DIR/fsd.db.restoring, then renamed over DIR/fsd.db.

    It works on files only and never talks to a server. */
#include "ctl.h"
#include "args.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "store.h"

/* Runs one query returning one integer; -1 with errmsg on failure. */
static int s_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Checks the backup: whole, and an fsd database. 0, or 1 with why. */
static int s_check_backup(const char *path, long long *schema, long long *jobs, long long *highest, char *why,
                          size_t whylen)
{
    sqlite3 *db = NULL;
    int bad = 1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "cannot open the backup %s: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        goto done;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "%s is not a database fsd can read: %s", path, sqlite3_errmsg(db));
        goto done;
    }
    int rc = sqlite3_step(st);
    const char *first = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (!first || strcmp(first, "ok") != 0) {
        snprintf(why, whylen, "%s fails the integrity check (%s): it cannot be restored; use another backup",
                 path, first ? first : sqlite3_errmsg(db));
        sqlite3_finalize(st);
        goto done;
    }
    sqlite3_finalize(st);
    if (s_int(db, "PRAGMA user_version", schema) < 0 || *schema < 1
        || s_int(db, "SELECT count(*) FROM jobs", jobs) < 0
        || s_int(db, "SELECT COALESCE(MAX(number), 0) FROM jobs", highest) < 0) {
        snprintf(why, whylen, "%s is not an fsd database (no schema version or no jobs table)", path);
        goto done;
    }
    bad = 0;
done:
    sqlite3_close(db);
    return bad;
}

/* The highest job number the current database issued (its floor
   included). 0 found, 1 missing, -1 unreadable (why set). */
static int s_current_highest(const char *path, long long *highest, char *why, size_t whylen)
{
    struct stat sb;
    if (stat(path, &sb) < 0) {
        snprintf(why, whylen, "%s does not exist", path);
        return 1;
    }
    sqlite3 *db = NULL;
    long long by_rows = 0, floor = 0, has_meta = 0;
    int rc = -1;
    /* read-write: its WAL may hold the last commits, and closing it
       checkpoints them into the file that is kept */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK
        && s_int(db, "SELECT COALESCE(MAX(number), 0) FROM jobs", &by_rows) == 0
        && s_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'store_meta'", &has_meta) == 0
        && (!has_meta
            || s_int(db, "SELECT COALESCE(MAX(value), 0) FROM store_meta WHERE key = 'job_floor'", &floor)
                   == 0))
        rc = 0;
    if (rc < 0)
        snprintf(why, whylen, "%s cannot be read (%s)", path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    *highest = by_rows > floor ? by_rows : floor;
    return rc;
}

/* Copies the backup into a new file at dst (0600) with SQLite's backup
   API, so a backup with a journal of its own is read consistently. */
static int s_copy(const char *src_path, const char *dst_path, char *why, size_t whylen)
{
    int fd = open(dst_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, whylen, "cannot create %s (%s)", dst_path, strerror(errno));
        return -1;
    }
    close(fd);
    sqlite3 *src = NULL, *dst = NULL;
    int rc = SQLITE_ERROR;
    if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
        && sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
        if (b)
            sqlite3_backup_finish(b);
    }
    if (rc != SQLITE_DONE)
        snprintf(why, whylen, "cannot copy %s into %s: %s", src_path, dst_path,
                 dst   ? sqlite3_errmsg(dst)
                 : src ? sqlite3_errmsg(src)
                       : "out of memory");
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* fsync of a file or directory by path. */
static int s_sync(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int cmd_restore(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl restore BACKUP [--data DIR] [--job-floor N]\n\n"
                        "Puts BACKUP (a file of 'fsdctl backup') in place of DIR/fsd.db (default\n"
                        "$FSD_HOME, ./fsd-data). Run it with fsd-server stopped: it refuses while a\n"
                        "server holds DIR/fsd.lock. It checks the backup (integrity, schema), keeps\n"
                        "the replaced database as DIR/fsd.db.replaced-<time>, gives the restored one\n"
                        "a new generation (agents then re-synchronise by themselves) and a floor\n"
                        "under job numbers, so no job id the replaced database issued is issued again.\n"
                        "When DIR/fsd.db is missing or unreadable, that highest number is unknown:\n"
                        "give it with --job-floor N (e.g. 250005 for J250005).\n";
    static const struct option opts[] = { { "data", 1, 0, 'd' }, { "job-floor", 1, 0, 'f' }, { 0, 0, 0, 0 } };
    const char *dir = c->home;
    long long given_floor = -1;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        if (o == 'd') {
            dir = optarg;
        } else if (o == 'f') {
            char *end;
            errno = 0;
            given_floor = strtoll(optarg, &end, 10);
            if (errno || *end || given_floor < 0)
                return ctl_args_fail(&a, "--job-floor takes a job number (0 or more), not '%s'", optarg);
        } else {
            return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 1, 1, "BACKUP"))
        return a.status;
    const char *backup = a.pos[0];

    char lock_path[4096], db_path[4096], tmp_path[4096], kept_path[4096], why[4096 + 512];
    snprintf(lock_path, sizeof lock_path, "%s/fsd.lock", dir);
    snprintf(db_path, sizeof db_path, "%s/fsd.db", dir);
    snprintf(tmp_path, sizeof tmp_path, "%s/fsd.db.restoring", dir);
    struct stat sb;
    if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
        return ctl_fail(c, 1, "not_found",
                        "%s is not a data directory (give the server's --data with --data DIR)", dir);
    int lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0)
        return ctl_fail(c, 1, "unavailable", "cannot open %s (%s)", lock_path, strerror(errno));
    if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
        close(lock_fd);
        return ctl_fail(c, 1, "unavailable",
                        "a server is running on %s (it holds %s): stop fsd-server first, "
                        "then restore",
                        dir, lock_path);
    }
    int status = 1;
    long long schema = 0, jobs = 0, backup_highest = 0, current_highest = 0;
    if (s_check_backup(backup, &schema, &jobs, &backup_highest, why, sizeof why) != 0) {
        ctl_fail(c, 1, "invalid_argument", "%s", why);
        goto done;
    }
    int cur = s_current_highest(db_path, &current_highest, why, sizeof why);
    if (cur != 0 && given_floor < 0) {
        ctl_fail(c, 1, "invalid_argument",
                 "%s, so the job numbers it issued are unknown: give the highest "
                 "job number issued with --job-floor N (from the server's log or the customers' "
                 "notifications), or --job-floor 0 if none was issued after the backup",
                 why);
        goto done;
    }
    long long floor = current_highest;
    if (given_floor > floor)
        floor = given_floor;
    if (floor < backup_highest)
        floor = backup_highest;

    unlink(tmp_path); /* a restore killed half way */
    if (s_copy(backup, tmp_path, why, sizeof why) < 0) {
        ctl_fail(c, 1, "unavailable", "%s", why);
        unlink(tmp_path);
        goto done;
    }
    uint64_t generation = 0;
    while (generation == 0) {
        if (getrandom(&generation, sizeof generation, 0) != (ssize_t)sizeof generation) {
            ctl_fail(c, 1, "internal", "no random numbers for the generation (%s)", strerror(errno));
            unlink(tmp_path);
            goto done;
        }
        generation &= 0x7fffffffffffffffULL;
    }
    /* migrated to this build's schema (a newer one is refused) and stamped */
    char err[1024];
    store *s = store_open(tmp_path, err, sizeof err);
    if (!s || store_restore_stamp(s, generation, (long)floor) < 0) {
        ctl_fail(c, 1, "invalid_argument", "%s cannot be restored: %s", backup, s ? store_errmsg(s) : err);
        store_close(&s);
        unlink(tmp_path);
        goto done;
    }
    store_close(&s);
    chmod(tmp_path, 0600);
    if (s_sync(tmp_path) < 0) {
        ctl_fail(c, 1, "unavailable", "cannot sync %s (%s)", tmp_path, strerror(errno));
        unlink(tmp_path);
        goto done;
    }
    kept_path[0] = 0;
    if (cur != 1) {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
        snprintf(kept_path, sizeof kept_path, "%s/fsd.db.replaced-%s", dir, stamp);
        if (link(db_path, kept_path) < 0) {
            ctl_fail(c, 1, "unavailable", "cannot keep the replaced database as %s (%s): nothing was changed",
                     kept_path, strerror(errno));
            unlink(tmp_path);
            goto done;
        }
        chmod(kept_path, 0600);
        /* a journal the replaced database still had belongs to the kept copy */
        char from[4096 + 8], to[4096 + 8];
        const char *sides[] = { "-wal", "-shm" };
        for (int i = 0; i < 2; i++) {
            snprintf(from, sizeof from, "%s%s", db_path, sides[i]);
            snprintf(to, sizeof to, "%s%s", kept_path, sides[i]);
            if (rename(from, to) < 0 && errno != ENOENT) {
                ctl_fail(c, 1, "unavailable", "cannot move %s aside (%s): nothing was changed", from,
                         strerror(errno));
                unlink(kept_path);
                unlink(tmp_path);
                goto done;
            }
        }
    }
    if (rename(tmp_path, db_path) < 0) {
        ctl_fail(c, 1, "unavailable", "cannot put %s in place (%s)", db_path, strerror(errno));
        unlink(tmp_path);
        goto done;
    }
    s_sync(dir);
    if (c->json) {
        char gen[17];
        snprintf(gen, sizeof gen, "%016llx", (unsigned long long)generation);
        json_t *doc = json_pack("{s:s,s:s,s:I,s:I,s:s,s:I,s:s}", "restored", backup, "database", db_path,
                                "schema", (json_int_t)schema, "jobs", (json_int_t)jobs, "generation", gen,
                                "job_floor", (json_int_t)floor, "kept", kept_path);
        if (doc) {
            json_dumpf(doc, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(doc);
        }
    } else {
        printf("restored %s into %s: %lld jobs (schema %lld)\n", backup, db_path, jobs, schema);
        printf("generation %016llx: connected agents re-synchronise with it by themselves\n",
               (unsigned long long)generation);
        printf("job numbers continue after J%06lld (the highest issued before), none is issued twice\n",
               floor);
        if (kept_path[0])
            printf("the replaced database is kept as %s\n", kept_path);
        printf("now start fsd-server on %s\n", dir);
    }
    status = 0;
done:
    close(lock_fd);
    return status;
}
