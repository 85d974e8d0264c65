/*  conn.c — the store's connection: open and close, the prepared
    statements kept for the connection's life, errors, transactions, the
    WAL's VFS, and the online backup copy (see store.h).

    Durability: WAL with synchronous=FULL, so a COMMIT that returned has
    reached the disk; the server acknowledges a change only after it.
    Statements: prepared once per connection, reset after each use. */
#include "store_int.h"
#include "walvfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/xalloc.h"

/* The statement for q, prepared on first use and reset for reuse. */
sqlite3_stmt *store_stmt(store *self, int q)
{
    sqlite3_stmt *st = self->stmt[q];
    if (!st) {
        if (sqlite3_prepare_v3(self->db, store_sql[q], -1, SQLITE_PREPARE_PERSISTENT, &self->stmt[q], NULL)
            != SQLITE_OK) {
            snprintf(self->err, sizeof self->err, "%s", sqlite3_errmsg(self->db));
            return NULL;
        }
        return self->stmt[q];
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Runs a statement that returns no rows; 0 or -1. */
int store_done(store *self, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        snprintf(self->err, sizeof self->err, "%s", sqlite3_errmsg(self->db));
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/* Records the connection's last error for store_errmsg; returns -1. */
int store_fail(store *self)
{
    snprintf(self->err, sizeof self->err, "%s", sqlite3_errmsg(self->db));
    return -1;
}

/* Open: every state but closed (8) and cancelled (10), as in Q_OPEN_JOBS. */
bool store_state_open(int state)
{
    return state >= 1 && state <= 10 && state != 8 && state != 10;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/* Column i as a string copied into the arena. */
char *store_col(arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return arena_strdup(a, t ? (const char *)t : "");
}

static void s_free_value(const char *key, void *value, void *arg)
{
    free(value);
}

void store_templates_forget(store *self)
{
    if (self->templates)
        strmap_each(self->templates, s_free_value, NULL);
    strmap_destroy(&self->templates);
}

/* Marks a job as having rows in a side table (idempotent). */
int store_side_mark(store *self, const char *job_id, uintptr_t flag)
{
    uintptr_t had = (uintptr_t)strmap_get(self->side_jobs, job_id ? job_id : "");
    if (!job_id || !job_id[0] || (had & flag))
        return 0;
    if (strmap_put(self->side_jobs, job_id, (void *)(had | flag)) < 0) {
        snprintf(self->err, sizeof self->err, "out of memory");
        return -1;
    }
    return 0;
}

int store_care_mark(store *self, const char *job_id)
{
    return store_side_mark(self, job_id, SIDE_CARE);
}

bool store_has_side(store *self, const char *job_id, uintptr_t flag)
{
    return ((uintptr_t)strmap_get(self->side_jobs, job_id) & flag) != 0;
}

/* Which jobs have side rows, read once at open. */
static int s_side_jobs_load(store *self)
{
    self->side_jobs = strmap_new();
    if (!self->side_jobs) {
        snprintf(self->err, sizeof self->err, "out of memory");
        return -1;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "SELECT job_id FROM care_goodwill UNION SELECT job_id FROM care_waivers"
                           " UNION SELECT job_id FROM care_followups"
                           " UNION SELECT visit_job_id FROM care_followups WHERE visit_job_id != ''",
                           -1, &st, NULL)
        != SQLITE_OK)
        return store_fail(self);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (store_care_mark(self, (const char *)sqlite3_column_text(st, 0)) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(self);
    if (sqlite3_prepare_v2(self->db, "SELECT job_id FROM job_windows", -1, &st, NULL) != SQLITE_OK)
        return store_fail(self);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (store_side_mark(self, (const char *)sqlite3_column_text(st, 0), SIDE_WINDOW) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

store *store_open(const char *path, char *err, size_t errlen)
{
    store *self = fsd_xcalloc(1, sizeof *self);
    self->languages_used = -1;
    if (!(self->rows = jobrows_new(JOB_ROWS_KEPT)) || !(self->scratch = jobrows_new(1)))
        goto fail;
    /* one thread per connection: no SQLite mutex around every call; the
       WAL's frames written in one piece per commit (walvfs.h) */
    if (walvfs_register() != SQLITE_OK
        || sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           WALVFS_NAME)
               != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(self->db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(self->db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                     " PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;"
                     " PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;",
                     NULL, NULL, NULL)
        != SQLITE_OK)
        goto fail;
    if (store_migrate(self) < 0 || s_side_jobs_load(self) < 0) {
        snprintf(err, errlen, "cannot prepare %s: %s", path, self->err);
        store_close(&self);
        return NULL;
    }
    return self;
fail:
    snprintf(err, errlen, "cannot open %s: %s", path, self->db ? sqlite3_errmsg(self->db) : "out of memory");
    store_close(&self);
    return NULL;
}

void store_close(store **self_p)
{
    if (!self_p || !*self_p)
        return;
    store *self = *self_p;
    for (int i = 0; i < Q_COUNT_; i++)
        sqlite3_finalize(self->stmt[i]);
    strmap_destroy(&self->side_jobs);
    store_templates_forget(self);
    jobrows_destroy(&self->rows);
    jobrows_destroy(&self->scratch);
    sqlite3_close(self->db);
    free(self);
    *self_p = NULL;
}

const char *store_errmsg(store *self)
{
    return self->err;
}

int store_begin(store *self)
{
    sqlite3_stmt *st = store_stmt(self, Q_BEGIN);
    return st ? store_done(self, st) : -1;
}

int store_begin_now(store *self)
{
    sqlite3_busy_timeout(self->db, 0);
    int rc = store_begin(self);
    sqlite3_busy_timeout(self->db, BUSY_TIMEOUT_MS);
    return rc;
}

int store_begin_read(store *self)
{
    sqlite3_stmt *st = store_stmt(self, Q_BEGIN_READ);
    return st ? store_done(self, st) : -1;
}

int store_commit(store *self)
{
    sqlite3_stmt *st = store_stmt(self, Q_COMMIT);
    return st ? store_done(self, st) : -1;
}

void store_rollback(store *self)
{
    if (!sqlite3_get_autocommit(self->db))
        sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
    /* what was kept in memory may have been rolled back with the rest */
    store_templates_forget(self);
    self->languages_used = -1;
    jobrows_clear(self->rows);
    jobrows_clear(self->scratch);
}

const char *store_filename(store *self)
{
    return sqlite3_db_filename(self->db, "main");
}

int store_backup_copy(const char *db_file, const char *dst, int pages, int pause_ms,
                      const volatile int *cancel, char *err, size_t errlen)
{
    /* A connection of its own (default VFS, its own locks) reads the last
       committed state, whatever the loop's connection has in flight. The
       backup API restarts its copy whenever another connection writes the
       source between steps, which under load would be for ever; inside one
       read transaction the source is a fixed WAL snapshot, so the steps
       add up to one consistent copy while the loop keeps committing (its
       checkpoints stop at the snapshot until the copy ends). */
    sqlite3 *src = NULL, *out = NULL;
    sqlite3_backup *b = NULL;
    int rc = -1;
    if (sqlite3_open_v2(db_file, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read %s: %s", db_file, src ? sqlite3_errmsg(src) : "out of memory");
        goto done;
    }
    sqlite3_busy_timeout(src, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read %s: %s", db_file, sqlite3_errmsg(src));
        goto done;
    }
    if (sqlite3_open_v2(dst, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot write %s: %s", dst, out ? sqlite3_errmsg(out) : "out of memory");
        goto done;
    }
    /* a fresh file that is thrown away unless complete needs no rollback
       journal, and is flushed once at the end (the caller's fsync) */
    sqlite3_exec(out, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL, NULL);
    if (!(b = sqlite3_backup_init(out, "main", src, "main"))) {
        snprintf(err, errlen, "cannot copy into %s: %s", dst, sqlite3_errmsg(out));
        goto done;
    }
    int step;
    for (;;) {
        step = sqlite3_backup_step(b, pages > 0 ? pages : -1);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_OK && step != SQLITE_BUSY && step != SQLITE_LOCKED)
            break;
        if (*cancel) {
            step = SQLITE_INTERRUPT;
            break;
        }
        if (pause_ms > 0)
            sqlite3_sleep(pause_ms);
    }
    sqlite3_backup_finish(b);
    if (step == SQLITE_INTERRUPT) {
        snprintf(err, errlen, "the backup into %s was cancelled", dst);
        goto done;
    }
    if (step != SQLITE_DONE) {
        snprintf(err, errlen, "backup into %s failed: %s", dst, sqlite3_errstr(step));
        goto done;
    }
    /* the copied first page says WAL; a backup is one self-contained file */
    if (sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "backup into %s failed: %s", dst, sqlite3_errmsg(out));
        goto done;
    }
    rc = 0;
done:
    if (src)
        sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(src);
    sqlite3_close(out);
    return rc;
}
