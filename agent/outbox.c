/*  outbox.c — the agent's durable store (see outbox.h).

    Statements are prepared once and kept for the life of the connection
    (a small cache keyed by the SQL text's address); every write that
    belongs together runs inside BEGIN IMMEDIATE ... COMMIT. */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/vieworder.h"

#define S_MAX_STMTS 64 /* above the number of statements below (36) */

/* Structure of our class */
struct _fsd_outbox_t {
    sqlite3 *db;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[S_MAX_STMTS];
};

static const char *s_schema = "CREATE TABLE IF NOT EXISTS session ("
                              "  tech TEXT PRIMARY KEY,"
                              "  applied INTEGER NOT NULL DEFAULT 0,"
                              "  report_seq INTEGER NOT NULL DEFAULT 0,"
                              "  technician_id TEXT NOT NULL DEFAULT '',"
                              "  name TEXT NOT NULL DEFAULT '',"
                              "  lat REAL, lon REAL);"
                              "CREATE TABLE IF NOT EXISTS outbox ("
                              "  tech TEXT NOT NULL, seq INTEGER NOT NULL,"
                              "  msg_id TEXT NOT NULL UNIQUE,"
                              "  job_id TEXT NOT NULL, what TEXT NOT NULL, note TEXT NOT NULL,"
                              "  at INTEGER NOT NULL, envelope BLOB NOT NULL,"
                              "  PRIMARY KEY (tech, seq));"
                              "CREATE TABLE IF NOT EXISTS jobs ("
                              "  tech TEXT NOT NULL, job_id TEXT NOT NULL,"
                              "  offer INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
                              "  distance_km REAL NOT NULL, view BLOB NOT NULL, updated_at INTEGER NOT NULL,"
                              "  PRIMARY KEY (tech, job_id));"
                              "CREATE TABLE IF NOT EXISTS conflicts ("
                              "  id INTEGER PRIMARY KEY, tech TEXT NOT NULL, job_id TEXT NOT NULL,"
                              "  what TEXT NOT NULL, code INTEGER NOT NULL, message TEXT NOT NULL,"
                              "  at INTEGER NOT NULL);"
                              "CREATE TABLE IF NOT EXISTS notices ("
                              "  id INTEGER PRIMARY KEY, tech TEXT NOT NULL, at INTEGER NOT NULL,"
                              "  text TEXT NOT NULL);"
                              "PRAGMA user_version = 1;";

/* Version 2: the server database generation last seen (a restore changes
   it); each job's view version and the jobs that left this technician
   (`gone`: revoked, cancelled, closed, at which version), so an answer
   that comes late does not bring a job back; conflicts the technician
   acknowledged stay as history. */
static const char *s_schema_v2 =
    "ALTER TABLE session ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE session ADD COLUMN snapshot_due INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE conflicts ADD COLUMN acknowledged_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE IF NOT EXISTS gone ("
    "  tech TEXT NOT NULL, job_id TEXT NOT NULL, version INTEGER NOT NULL,"
    "  state INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (tech, job_id));"
    "PRAGMA user_version = 2;";
#define S_SCHEMA_VERSION 2

/* The prepared statement for sql (a string literal), reset and unbound;
   NULL when it does not prepare. */
static sqlite3_stmt *s_stmt(fsd_outbox_t *self, const char *sql)
{
    for (int i = 0; i < S_MAX_STMTS; i++) {
        if (self->cache[i].sql == sql) {
            sqlite3_reset(self->cache[i].st);
            sqlite3_clear_bindings(self->cache[i].st);
            return self->cache[i].st;
        }
        if (!self->cache[i].sql) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) != SQLITE_OK)
                return NULL;
            self->cache[i].sql = sql;
            self->cache[i].st = st;
            return st;
        }
    }
    return NULL;
}

/* Runs one statement that returns no rows; 0 or -1. */
static int s_exec(fsd_outbox_t *self, const char *sql)
{
    return sqlite3_exec(self->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Begins a write transaction. */
static int s_begin(fsd_outbox_t *self)
{
    return s_exec(self, "BEGIN IMMEDIATE");
}

/* Commits; on failure rolls back. 0 or -1. */
static int s_commit(fsd_outbox_t *self)
{
    if (s_exec(self, "COMMIT") == 0)
        return 0;
    s_exec(self, "ROLLBACK");
    return -1;
}

/* Rolls back and returns rc (for one-line error paths). */
static int s_rollback(fsd_outbox_t *self, int rc)
{
    s_exec(self, "ROLLBACK");
    return rc;
}

/* Steps a statement expected to finish (no row); 0 or -1. */
static int s_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Makes path (and its journal files, when they exist) readable by its
   owner only: the store holds customers' names, phones and addresses.
   SQLite gives the journal files the database file's mode. */
static int s_private(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) < 0) {
        snprintf(err, errlen, "cannot create %s with mode 0600 (%s)", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    const char *sides[] = { "-wal", "-shm" };
    for (int i = 0; i < 2; i++) {
        char side[4096 + 8];
        snprintf(side, sizeof side, "%s%s", path, sides[i]);
        if (chmod(side, 0600) < 0 && errno != ENOENT) {
            snprintf(err, errlen, "cannot make %s private (%s)", side, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Opens the store. */
fsd_outbox_t *fsd_outbox_new(const char *path, char *err, size_t errlen)
{
    fsd_outbox_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (s_private(path, err, errlen) < 0) {
        free(self);
        return NULL;
    }
    if (sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(self->db, 5000);
    int version = 0;
    sqlite3_stmt *st;
    if (sqlite3_exec(self->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL)
            != SQLITE_OK
        || sqlite3_prepare_v2(self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > S_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s was written by a newer fsd-agent (schema %d): upgrade fsd-agent", path,
                 version);
        sqlite3_close(self->db);
        free(self);
        return NULL;
    }
    if (version < 1 && sqlite3_exec(self->db, s_schema, NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (version < 2) {
        if (sqlite3_exec(self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        if (sqlite3_exec(self->db, s_schema_v2, NULL, NULL, NULL) != SQLITE_OK
            || sqlite3_exec(self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "cannot upgrade %s: %s", path, sqlite3_errmsg(self->db));
            sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_close(self->db);
            free(self);
            return NULL;
        }
    }
    /* the device's identity: outside the versioned schema, so that stores
       of any version get it (an older fsd-agent ignores the table) */
    if (sqlite3_exec(self->db,
                     "CREATE TABLE IF NOT EXISTS device (tech TEXT PRIMARY KEY, device_id TEXT NOT NULL)",
                     NULL, NULL, NULL)
        != SQLITE_OK)
        goto fail;
    return self;
fail:
    snprintf(err, errlen, "cannot open %s: %s", path, self->db ? sqlite3_errmsg(self->db) : "out of memory");
    sqlite3_close(self->db);
    free(self);
    return NULL;
}

/* Closes the store. */
void fsd_outbox_destroy(fsd_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fsd_outbox_t *self = *self_p;
    for (int i = 0; i < S_MAX_STMTS && self->cache[i].sql; i++)
        sqlite3_finalize(self->cache[i].st);
    sqlite3_close(self->db);
    free(self);
    *self_p = NULL;
}

/* The last SQLite error. */
const char *fsd_outbox_error(fsd_outbox_t *self)
{
    return sqlite3_errmsg(self->db);
}

/* Makes sure tech has a session row. */
static int s_ensure(fsd_outbox_t *self, const char *tech)
{
    static const char *sql = "INSERT OR IGNORE INTO session (tech) VALUES (?)";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    return s_done(st);
}

/* Copies a text column into dst (always terminated). */
static void s_col_text(sqlite3_stmt *st, int col, char *dst, size_t dstlen)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, dstlen, "%s", t ? (const char *)t : "");
}

/* Reads the session counters. */
int fsd_outbox_state_get(fsd_outbox_t *self, const char *tech, fsd_outbox_state *out)
{
    static const char *sql =
        "SELECT applied, report_seq, technician_id, name, lat, lon, generation, snapshot_due"
        " FROM session WHERE tech = ?";
    memset(out, 0, sizeof *out);
    if (s_ensure(self, tech) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->applied = (uint64_t)sqlite3_column_int64(st, 0);
        out->report_seq = (uint64_t)sqlite3_column_int64(st, 1);
        s_col_text(st, 2, out->technician_id, sizeof out->technician_id);
        s_col_text(st, 3, out->name, sizeof out->name);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL && sqlite3_column_type(st, 5) != SQLITE_NULL) {
            out->has_position = true;
            out->lat = sqlite3_column_double(st, 4);
            out->lon = sqlite3_column_double(st, 5);
        }
        out->generation = (uint64_t)sqlite3_column_int64(st, 6);
        out->snapshot_due = sqlite3_column_int(st, 7);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

/* Records the identity from Welcome. */
int fsd_outbox_set_identity(fsd_outbox_t *self, const char *tech, const char *technician_id, const char *name)
{
    static const char *sql = "UPDATE session SET technician_id = ?, name = ? WHERE tech = ?";
    if (s_ensure(self, tech) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, technician_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tech, -1, SQLITE_STATIC);
    return s_done(st);
}

/* Records the last known position. */
int fsd_outbox_set_position(fsd_outbox_t *self, const char *tech, double lat, double lon)
{
    static const char *sql = "UPDATE session SET lat = ?, lon = ? WHERE tech = ?";
    if (s_ensure(self, tech) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_double(st, 1, lat);
    sqlite3_bind_double(st, 2, lon);
    sqlite3_bind_text(st, 3, tech, -1, SQLITE_STATIC);
    return s_done(st);
}

/* Stores a report with the next seq, committed before returning. */
int fsd_outbox_put(fsd_outbox_t *self, const char *tech, Fsd__Envelope *env, const char *job_id,
                   const char *what, const char *note, int64_t at)
{
    static const char *sql_seq =
        "UPDATE session SET report_seq = report_seq + 1 WHERE tech = ? RETURNING report_seq";
    static const char *sql_ins = "INSERT INTO outbox (tech, seq, msg_id, job_id, what, note, at, envelope)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    if (s_ensure(self, tech) < 0 || s_begin(self) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql_seq);
    if (!st)
        return s_rollback(self, -1);
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return s_rollback(self, -1);
    }
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);

    uint64_t saved_seq = env->seq;
    env->seq = seq;
    size_t len;
    uint8_t *buf = wire_encode(env, &len);
    if (!buf) {
        env->seq = saved_seq;
        return s_rollback(self, -1);
    }
    st = s_stmt(self, sql_ins);
    int rc = -1;
    if (st) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
        sqlite3_bind_text(st, 3, env->msg_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, job_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, what, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, note ? note : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, at);
        sqlite3_bind_blob(st, 8, buf, (int)len, SQLITE_STATIC);
        rc = s_done(st);
    }
    free(buf);
    if (rc < 0 || s_commit(self) < 0) {
        if (rc < 0)
            s_rollback(self, -1);
        env->seq = saved_seq;
        return -1;
    }
    return 0;
}

/* Calls fn for every stored report in seq order. */
int fsd_outbox_each(fsd_outbox_t *self, const char *tech, fsd_outbox_fn *fn, void *arg)
{
    static const char *sql = "SELECT seq, msg_id, envelope FROM outbox WHERE tech = ? ORDER BY seq";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn((uint64_t)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), arg);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Number of stored reports. */
int fsd_outbox_count(fsd_outbox_t *self, const char *tech)
{
    static const char *sql = "SELECT count(*) FROM outbox WHERE tech = ?";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

/* The versions this store keeps of a job: *held of the copy it holds
   (0: none, or unversioned), *gone of its departure (0: never). */
static int s_job_versions(fsd_outbox_t *self, const char *tech, const char *job_id, uint64_t *held,
                          uint64_t *gone)
{
    static const char *sql = "SELECT (SELECT version FROM jobs WHERE tech = ?1 AND job_id = ?2),"
                             " (SELECT version FROM gone WHERE tech = ?1 AND job_id = ?2)";
    *held = *gone = 0;
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, job_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *held = (uint64_t)sqlite3_column_int64(st, 0);
        *gone = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Records that a job left this technician at version (at least 1, so an
   unversioned departure still counts) in state (0: revoked). */
static int s_gone_put(fsd_outbox_t *self, const char *tech, const char *job_id, uint64_t version, int state)
{
    static const char *sql =
        "INSERT INTO gone (tech, job_id, version, state, at) VALUES (?1, ?2, ?3, ?5, ?4)"
        " ON CONFLICT (tech, job_id) DO UPDATE SET version = MAX(version, ?3), state = ?5, at = ?4";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(version ? version : 1));
    sqlite3_bind_int64(st, 4, wire_now_ms());
    sqlite3_bind_int(st, 5, state);
    return s_done(st);
}

/* Forgets a departure (the job came back with a newer view). */
static int s_gone_drop(fsd_outbox_t *self, const char *tech, const char *job_id)
{
    static const char *sql = "DELETE FROM gone WHERE tech = ? AND job_id = ?";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, job_id, -1, SQLITE_STATIC);
    return s_done(st);
}

/* Inserts or replaces the local copy of a job. When keep_distance, an
   existing row's distance is kept (an accepted offer keeps its km). The
   caller judged the view newer (view_judge). */
static int s_job_store(fsd_outbox_t *self, const char *tech, const Fsd__JobView *job, bool offer,
                       int64_t expires_at, double distance_km, bool keep_distance)
{
    static const char *sql =
        "INSERT INTO jobs (tech, job_id, offer, expires_at, distance_km, view, updated_at, version)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9)"
        " ON CONFLICT (tech, job_id) DO UPDATE SET offer = ?3, expires_at = ?4,"
        " distance_km = CASE WHEN ?8 THEN distance_km ELSE ?5 END, view = ?6, updated_at = ?7,"
        " version = ?9"
        " WHERE ?3 = 0 OR jobs.offer = 1"; /* a late offer never undoes an acceptance */
    size_t len = fsd__job_view__get_packed_size(job);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    fsd__job_view__pack(job, buf);
    sqlite3_stmt *st = s_stmt(self, sql);
    int rc = -1;
    if (st) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, job->job_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, offer);
        sqlite3_bind_int64(st, 4, expires_at);
        sqlite3_bind_double(st, 5, distance_km);
        sqlite3_bind_blob(st, 6, buf, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, wire_now_ms());
        sqlite3_bind_int(st, 8, keep_distance);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)job->version);
        rc = s_done(st);
    }
    free(buf);
    return rc == 0 ? s_gone_drop(self, tech, job->job_id) : rc;
}

/* Stores a view of a job unless an older one than what is known (see
   fsd/vieworder.h); sequenced: it came in the ordered stream. */
static int s_job_put(fsd_outbox_t *self, const char *tech, const Fsd__JobView *job, bool offer,
                     int64_t expires_at, double distance_km, bool keep_distance, bool sequenced)
{
    uint64_t held, gone;
    if (s_job_versions(self, tech, job->job_id, &held, &gone) < 0)
        return -1;
    if (view_judge(held, gone, job->version, sequenced) != VIEW_TAKE)
        return 0;
    return s_job_store(self, tech, job, offer, expires_at, distance_km, keep_distance);
}

/* Removes the local copy of a job (only an open offer when offer_only). */
static int s_job_drop(fsd_outbox_t *self, const char *tech, const char *job_id, bool offer_only)
{
    static const char *sql = "DELETE FROM jobs WHERE tech = ? AND job_id = ? AND (offer = 1 OR ? = 0)";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, offer_only);
    return s_done(st);
}

/* Adds a notice for the technician. */
static int s_notice(fsd_outbox_t *self, const char *tech, const char *text)
{
    static const char *sql = "INSERT INTO notices (tech, at, text) VALUES (?, ?, ?)";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, wire_now_ms());
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    return s_done(st);
}

int fsd_outbox_device_id(fsd_outbox_t *self, const char *tech, char *out, size_t outlen)
{
    static const char *get = "SELECT device_id FROM device WHERE tech = ?";
    static const char *put = "INSERT INTO device (tech, device_id) VALUES (?, ?)";
    sqlite3_stmt *st = s_stmt(self, get);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    uint8_t raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return -1;
    char hex[33];
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    if (!(st = s_stmt(self, put)))
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
    if (s_done(st) < 0)
        return -1;
    snprintf(out, outlen, "%s", hex);
    return 0;
}

int fsd_outbox_notice(fsd_outbox_t *self, const char *tech, const char *text)
{
    return s_notice(self, tech, text);
}

/* The sentence told to the technician when a job is revoked. */
static void s_revoke_text(const Fsd__Revoked *r, char *out, size_t outlen)
{
    const char *why;
    switch (r->reason) {
    case FSD__REVOKE_REASON__REVOKE_REASSIGNED: why = "was reassigned by a dispatcher"; break;
    case FSD__REVOKE_REASON__REVOKE_CANCELLED: why = "was cancelled"; break;
    case FSD__REVOKE_REASON__REVOKE_EXPIRED: why = "offer expired"; break;
    case FSD__REVOKE_REASON__REVOKE_OFFLINE: why = "was withdrawn because this device was offline"; break;
    default: why = "was withdrawn"; break;
    }
    if (r->note && r->note[0])
        snprintf(out, outlen, "%s %s (%s)", r->job_id, why, r->note);
    else
        snprintf(out, outlen, "%s %s", r->job_id, why);
}

/* Applies the body of one sequenced server message (inside a transaction). */
static int s_apply_body(fsd_outbox_t *self, const char *tech, const Fsd__Envelope *env)
{
    switch (env->body_case) {
    case FSD__ENVELOPE__BODY_OFFER: {
        const Fsd__Offer *o = env->offer;
        if (!o->job || !o->job->job_id[0])
            return 0; /* nothing usable; still consumes the seq */
        return s_job_put(self, tech, o->job, true, o->expires_at, o->distance_km, false, true);
    }
    case FSD__ENVELOPE__BODY_ASSIGNED: {
        const Fsd__Assigned *a = env->assigned;
        if (!a->job || !a->job->job_id[0])
            return 0;
        char text[256];
        snprintf(text, sizeof text, "%s was assigned to you%s%s%s%s", a->job->job_id, a->by[0] ? " by " : "",
                 a->by, a->reason[0] ? ": " : "", a->reason);
        if (s_notice(self, tech, text) < 0)
            return -1;
        return s_job_put(self, tech, a->job, false, 0, 0, true, true);
    }
    case FSD__ENVELOPE__BODY_REVOKED: {
        const Fsd__Revoked *r = env->revoked;
        if (!r->job_id[0])
            return 0;
        char text[320];
        s_revoke_text(r, text, sizeof text);
        uint64_t held, gone;
        if (s_job_versions(self, tech, r->job_id, &held, &gone) < 0)
            return -1;
        /* a view kept from after the revocation (it came back) stays */
        bool newer_kept = r->job_version && held > r->job_version;
        if (!newer_kept
            && (s_job_drop(self, tech, r->job_id, false) < 0
                || s_gone_put(self, tech, r->job_id, r->job_version > held ? r->job_version : held, 0) < 0))
            return -1;
        return s_notice(self, tech, text);
    }
    default: return 0; /* a sequenced message this agent does not know */
    }
}

/* Applies a sequenced server message when it is the next one. */
int fsd_outbox_apply(fsd_outbox_t *self, const char *tech, const Fsd__Envelope *env, uint64_t *applied)
{
    static const char *sql_get = "SELECT applied FROM session WHERE tech = ?";
    static const char *sql_set = "UPDATE session SET applied = ? WHERE tech = ?";
    if (s_ensure(self, tech) < 0 || s_begin(self) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql_get);
    if (!st)
        return s_rollback(self, -1);
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return s_rollback(self, -1);
    }
    uint64_t current = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    *applied = current;
    if (env->seq != current + 1)
        return s_rollback(self, 0);
    if (s_apply_body(self, tech, env) < 0)
        return s_rollback(self, -1);
    st = s_stmt(self, sql_set);
    if (!st)
        return s_rollback(self, -1);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)env->seq);
    sqlite3_bind_text(st, 2, tech, -1, SQLITE_STATIC);
    if (s_done(st) < 0 || s_commit(self) < 0)
        return s_rollback(self, -1);
    *applied = env->seq;
    return 1;
}

/* Sets the applied counter. */
int fsd_outbox_rebase(fsd_outbox_t *self, const char *tech, uint64_t applied)
{
    static const char *sql = "UPDATE session SET applied = ? WHERE tech = ?";
    if (s_ensure(self, tech) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)applied);
    sqlite3_bind_text(st, 2, tech, -1, SQLITE_STATIC);
    return s_done(st);
}

/* Renumbers the stored reports after server_seq (inside a transaction);
   the report counter becomes the last new number, or only grows to it
   unless force. The number renumbered, or -1. */
static int s_renumber(fsd_outbox_t *self, const char *tech, uint64_t server_seq, bool force)
{
    static const char *sql_list = "SELECT seq, envelope FROM outbox WHERE tech = ? ORDER BY seq";
    /* moved above every current number first: the new numbers may
       overlap the old ones (a restored server numbers lower) */
    static const char *sql_lift = "UPDATE outbox SET seq = -seq WHERE tech = ?";
    static const char *sql_move =
        "UPDATE outbox SET seq = ?, msg_id = ?, envelope = ? WHERE tech = ? AND seq = ?";
    static const char *sql_counter =
        "UPDATE session SET report_seq = ? WHERE tech = ? AND (report_seq < ? OR ?)";
    /* read all first: the rows are rewritten below */
    size_t n = 0, cap = 0;
    struct {
        uint64_t seq;
        Fsd__Envelope *env;
    } *rows = NULL;
    sqlite3_stmt *st = s_stmt(self, sql_list);
    int rc = st ? 0 : -1;
    if (st) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                void *grown = realloc(rows, cap * sizeof *rows);
                if (!grown) {
                    rc = -1;
                    break;
                }
                rows = grown;
            }
            rows[n].seq = (uint64_t)sqlite3_column_int64(st, 0);
            rows[n].env =
                fsd__envelope__unpack(NULL, (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_blob(st, 1));
            if (!rows[n].env)
                rc = -1;
            else
                n++;
        }
        sqlite3_reset(st);
    }
    if (rc == 0) {
        st = s_stmt(self, sql_lift);
        if (!st)
            rc = -1;
        else {
            sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
            rc = s_done(st);
        }
    }
    uint64_t next = server_seq;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char id[33];
        wire_msg_id(id);
        Fsd__Envelope *env = rows[i].env;
        char *old_id = env->msg_id;
        env->msg_id = id;
        env->seq = ++next;
        size_t len;
        uint8_t *buf = wire_encode(env, &len);
        env->msg_id = old_id; /* free_unpacked owns the original */
        st = buf ? s_stmt(self, sql_move) : NULL;
        if (!st) {
            free(buf);
            rc = -1;
            break;
        }
        sqlite3_bind_int64(st, 1, (sqlite3_int64)next);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 3, buf, (int)len, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, tech, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, -(sqlite3_int64)rows[i].seq);
        rc = s_done(st);
        free(buf);
    }
    for (size_t i = 0; i < n; i++)
        fsd__envelope__free_unpacked(rows[i].env, NULL);
    free(rows);
    if (rc == 0) {
        st = s_stmt(self, sql_counter);
        if (!st)
            rc = -1;
        else {
            sqlite3_bind_int64(st, 1, (sqlite3_int64)next);
            sqlite3_bind_text(st, 2, tech, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)next);
            sqlite3_bind_int(st, 4, force);
            rc = s_done(st);
        }
    }
    return rc < 0 ? -1 : (int)n;
}

/* Renumbers the stored reports after server_seq. */
int fsd_outbox_renumber(fsd_outbox_t *self, const char *tech, uint64_t server_seq)
{
    if (s_ensure(self, tech) < 0 || s_begin(self) < 0)
        return -1;
    int n = s_renumber(self, tech, server_seq, false);
    if (n < 0 || s_commit(self) < 0)
        return s_rollback(self, -1);
    return n;
}

/* Re-synchronises the counters with a restored server. */
int fsd_outbox_resync(fsd_outbox_t *self, const char *tech, uint64_t generation, uint64_t applied,
                      uint64_t server_report_seq, bool renumber)
{
    /* snapshot_due: 1 asked for (a new store), 2 after a restore (kept
       until the snapshot comes, for the notice it leaves) */
    static const char *sql =
        "UPDATE session SET applied = ?1, generation = ?2,"
        " snapshot_due = CASE WHEN ?4 THEN 2 ELSE MAX(snapshot_due, 1) END WHERE tech = ?3";
    if (s_ensure(self, tech) < 0 || s_begin(self) < 0)
        return -1;
    int n = renumber ? s_renumber(self, tech, server_report_seq, true) : 0;
    sqlite3_stmt *st = n >= 0 ? s_stmt(self, sql) : NULL;
    if (!st)
        return s_rollback(self, -1);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)applied);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)generation);
    sqlite3_bind_text(st, 3, tech, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, renumber);
    if (s_done(st) < 0 || s_commit(self) < 0)
        return s_rollback(self, -1);
    return n;
}

/* Records the generation of the server's database. */
int fsd_outbox_set_generation(fsd_outbox_t *self, const char *tech, uint64_t generation)
{
    static const char *sql = "UPDATE session SET generation = ? WHERE tech = ?";
    if (s_ensure(self, tech) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)generation);
    sqlite3_bind_text(st, 2, tech, -1, SQLITE_STATIC);
    return s_done(st);
}

/* Replaces the job list with the server's snapshot. */
int fsd_outbox_snapshot(fsd_outbox_t *self, const char *tech, const Fsd__JobSnapshot *snap, bool restored,
                        size_t *offers)
{
    static const char *sql_jobs = "DELETE FROM jobs WHERE tech = ?";
    static const char *sql_gone = "DELETE FROM gone WHERE tech = ?";
    static const char *sql_done = "UPDATE session SET snapshot_due = 0 WHERE tech = ?";
    *offers = 0;
    if (s_ensure(self, tech) < 0 || s_begin(self) < 0)
        return -1;
    const char *clear[] = { sql_jobs, sql_gone, sql_done };
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st = s_stmt(self, clear[i]);
        if (!st)
            return s_rollback(self, -1);
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        if (s_done(st) < 0)
            return s_rollback(self, -1);
    }
    size_t kept = 0;
    for (size_t i = 0; i < snap->n_jobs; i++) {
        const Fsd__JobView *v = snap->jobs[i];
        if (!v->job_id[0])
            continue;
        bool offer = v->state == FSD__JOB_STATE__JOB_OFFERED;
        double km = i < snap->n_distance_km ? snap->distance_km[i] : 0;
        if (s_job_store(self, tech, v, offer, offer ? v->offer_expires_at : 0, km, false) < 0)
            return s_rollback(self, -1);
        kept++;
        if (offer)
            ++*offers;
    }
    char text[256];
    if (restored)
        snprintf(text, sizeof text,
                 "the server's database was restored from a backup: the job list was "
                 "re-synchronised with it (%zu jobs, %zu offers)",
                 kept - *offers, *offers);
    else
        snprintf(text, sizeof text,
                 "this device's store is new: the job list was taken from the server "
                 "(%zu jobs, %zu offers)",
                 kept - *offers, *offers);
    if (((restored || kept) && s_notice(self, tech, text) < 0) || s_commit(self) < 0)
        return s_rollback(self, -1);
    return (int)kept;
}

/* What this store knows of a job. */
int fsd_outbox_job_known(fsd_outbox_t *self, const char *tech, const char *job_id)
{
    /* a job completed by this technician left the list but is still its
       work (a fee may be waived, the server judges late reports) */
    static const char *sql = "SELECT EXISTS (SELECT 1 FROM jobs WHERE tech = ?1 AND job_id = ?2)"
                             " OR EXISTS (SELECT 1 FROM outbox WHERE tech = ?1 AND job_id = ?2)"
                             " OR EXISTS (SELECT 1 FROM gone WHERE tech = ?1 AND job_id = ?2 AND state = 7),"
                             " EXISTS (SELECT 1 FROM gone WHERE tech = ?1 AND job_id = ?2)";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, job_id, -1, SQLITE_STATIC);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = sqlite3_column_int(st, 0) ? 2 : sqlite3_column_int(st, 1) ? 1 : 0;
    sqlite3_reset(st);
    return rc;
}

/* Marks conflicts acknowledged. */
int fsd_outbox_ack_conflicts(fsd_outbox_t *self, const char *tech, uint64_t id, bool all)
{
    static const char *sql =
        "UPDATE conflicts SET acknowledged_at = ?1 WHERE tech = ?2 AND acknowledged_at = 0"
        " AND (?3 OR id = ?4)";
    sqlite3_stmt *st = s_stmt(self, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, wire_now_ms());
    sqlite3_bind_text(st, 2, tech, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, all);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)id);
    if (s_done(st) < 0)
        return -1;
    return sqlite3_changes(self->db);
}

/* True when the view says the job is this technician's open work. */
static bool s_is_mine(const Fsd__JobView *v, const char *technician_id)
{
    if (technician_id && technician_id[0] && v->technician_id[0]
        && strcmp(technician_id, v->technician_id) != 0)
        return false;
    switch (v->state) {
    case FSD__JOB_STATE__JOB_ASSIGNED:
    case FSD__JOB_STATE__JOB_EN_ROUTE:
    case FSD__JOB_STATE__JOB_ON_SITE:
    case FSD__JOB_STATE__JOB_ON_HOLD: return true;
    default: return false;
    }
}

/* Resolves the report answered by reply. */
int fsd_outbox_answer(fsd_outbox_t *self, const char *tech, const char *msg_id, const Fsd__Envelope *reply,
                      const char *technician_id)
{
    static const char *sql_get = "SELECT job_id, what FROM outbox WHERE tech = ? AND msg_id = ?";
    static const char *sql_del = "DELETE FROM outbox WHERE tech = ? AND msg_id = ?";
    static const char *sql_conflict =
        "INSERT INTO conflicts (tech, job_id, what, code, message, at) VALUES (?, ?, ?, ?, ?, ?)";
    if (reply->body_case == FSD__ENVELOPE__BODY_ERROR
        && reply->error->code == FSD__ERROR_CODE__ERR_UNAVAILABLE)
        return 0;
    if (reply->body_case != FSD__ENVELOPE__BODY_ERROR && reply->body_case != FSD__ENVELOPE__BODY_JOB_VIEW)
        return 0;
    if (s_begin(self) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, sql_get);
    if (!st)
        return s_rollback(self, -1);
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return s_rollback(self, 0);
    }
    char job_id[128], what[128];
    s_col_text(st, 0, job_id, sizeof job_id);
    s_col_text(st, 1, what, sizeof what);
    sqlite3_reset(st);

    st = s_stmt(self, sql_del);
    if (!st)
        return s_rollback(self, -1);
    sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
    if (s_done(st) < 0)
        return s_rollback(self, -1);

    int rc = 0;
    if (reply->body_case == FSD__ENVELOPE__BODY_JOB_VIEW) {
        /* An answer may come late (re-sent from the server's de-dup table
           as it was then): it never replaces a newer view, nor brings
           back a job that left this technician since. */
        const Fsd__JobView *v = reply->job_view;
        const char *id = v->job_id[0] ? v->job_id : job_id;
        uint64_t held, gone;
        rc = s_job_versions(self, tech, id, &held, &gone);
        if (rc == 0 && view_judge(held, gone, v->version, false) == VIEW_TAKE) {
            if (v->job_id[0] && s_is_mine(v, technician_id))
                rc = s_job_store(self, tech, v, false, 0, 0, true);
            else if ((rc = s_job_drop(self, tech, id, false)) == 0)
                rc = s_gone_put(self, tech, id, v->version, v->state);
        }
    } else {
        const Fsd__Error *e = reply->error;
        st = s_stmt(self, sql_conflict);
        if (!st)
            return s_rollback(self, -1);
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, job_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, e->code);
        sqlite3_bind_text(st, 5, e->message, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, wire_now_ms());
        rc = s_done(st);
        /* An offer that could not be answered is not open any more. */
        if (rc == 0 && (strncmp(what, "accept", 6) == 0 || strncmp(what, "decline", 7) == 0))
            rc = s_job_drop(self, tech, job_id, true);
    }
    if (rc < 0 || s_commit(self) < 0)
        return s_rollback(self, -1);
    return 1;
}

/* strdup that never returns NULL for a NULL input ("" instead). */
static char *s_dup(const unsigned char *s)
{
    return strdup(s ? (const char *)s : "");
}

/* Grows a pointer array by one slot; the slot or NULL. */
static void *s_push(void ***arr, size_t *n)
{
    void **grown = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!grown)
        return NULL;
    *arr = grown;
    return &grown[(*n)++];
}

/* Builds the local picture. */
Fsd__LocalStatus *fsd_outbox_status(fsd_outbox_t *self, const char *tech, bool conflict_history)
{
    static const char *sql_jobs = "SELECT offer, expires_at, distance_km, view FROM jobs WHERE tech = ?"
                                  " ORDER BY offer DESC, updated_at";
    static const char *sql_pending =
        "SELECT seq, job_id, what, at, note FROM outbox WHERE tech = ? ORDER BY seq";
    /* the open ones (all of them: each waits to be acknowledged), or the
       whole history, newest first */
    static const char *sql_conflicts =
        "SELECT job_id, what, code, message, at, id, acknowledged_at FROM conflicts WHERE tech = ?1"
        " AND (?2 OR acknowledged_at = 0) ORDER BY id DESC LIMIT CASE WHEN ?2 THEN 200 ELSE -1 END";
    static const char *sql_acked = "SELECT count(*) FROM conflicts WHERE tech = ? AND acknowledged_at != 0";
    static const char *sql_notices = "SELECT text FROM notices WHERE tech = ? ORDER BY id DESC LIMIT 10";
    fsd_outbox_state state;
    if (fsd_outbox_state_get(self, tech, &state) < 0)
        return NULL;
    Fsd__LocalStatus *ls = calloc(1, sizeof *ls);
    if (!ls)
        return NULL;
    fsd__local_status__init(ls);
    ls->technician_id = strdup(state.technician_id[0] ? state.technician_id : tech);
    ls->name = strdup(state.name);
    ls->generation = state.generation;
    bool ok = ls->technician_id && ls->name;

    sqlite3_stmt *st = s_stmt(self, sql_jobs);
    ok = ok && st;
    if (ok) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        int64_t now = wire_now_ms();
        while (ok && sqlite3_step(st) == SQLITE_ROW) {
            bool offer = sqlite3_column_int(st, 0) != 0;
            int64_t expires = sqlite3_column_int64(st, 1);
            if (offer && expires > 0 && expires < now)
                continue; /* an offer past its time: the server withdraws it */
            Fsd__JobView *v =
                fsd__job_view__unpack(NULL, (size_t)sqlite3_column_bytes(st, 3), sqlite3_column_blob(st, 3));
            if (!v)
                continue;
            Fsd__LocalJob **slot = (Fsd__LocalJob **)s_push((void ***)&ls->jobs, &ls->n_jobs);
            Fsd__LocalJob *lj = slot ? calloc(1, sizeof *lj) : NULL;
            if (!lj) {
                fsd__job_view__free_unpacked(v, NULL);
                if (slot)
                    ls->n_jobs--;
                ok = false;
                break;
            }
            fsd__local_job__init(lj);
            lj->job = v;
            lj->offer = offer;
            lj->expires_at = expires;
            lj->distance_km = sqlite3_column_double(st, 2);
            *slot = lj;
        }
        sqlite3_reset(st);
    }
    st = ok ? s_stmt(self, sql_pending) : NULL;
    ok = ok && st;
    if (ok) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        while (ok && sqlite3_step(st) == SQLITE_ROW) {
            Fsd__LocalReport **slot = (Fsd__LocalReport **)s_push((void ***)&ls->pending, &ls->n_pending);
            Fsd__LocalReport *r = slot ? calloc(1, sizeof *r) : NULL;
            if (!r) {
                if (slot)
                    ls->n_pending--;
                ok = false;
                break;
            }
            fsd__local_report__init(r);
            r->seq = (uint64_t)sqlite3_column_int64(st, 0);
            r->job_id = s_dup(sqlite3_column_text(st, 1));
            r->what = s_dup(sqlite3_column_text(st, 2));
            r->at = sqlite3_column_int64(st, 3);
            r->note = s_dup(sqlite3_column_text(st, 4));
            *slot = r;
            ok = r->job_id && r->what && r->note;
        }
        sqlite3_reset(st);
    }
    st = ok ? s_stmt(self, sql_acked) : NULL;
    ok = ok && st;
    if (ok) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            ls->conflicts_acknowledged = (uint32_t)sqlite3_column_int(st, 0);
        sqlite3_reset(st);
    }
    st = ok ? s_stmt(self, sql_conflicts) : NULL;
    ok = ok && st;
    if (ok) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, conflict_history);
        while (ok && sqlite3_step(st) == SQLITE_ROW) {
            Fsd__LocalConflict **slot =
                (Fsd__LocalConflict **)s_push((void ***)&ls->conflicts, &ls->n_conflicts);
            Fsd__LocalConflict *c = slot ? calloc(1, sizeof *c) : NULL;
            if (!c) {
                if (slot)
                    ls->n_conflicts--;
                ok = false;
                break;
            }
            fsd__local_conflict__init(c);
            c->job_id = s_dup(sqlite3_column_text(st, 0));
            c->what = s_dup(sqlite3_column_text(st, 1));
            c->code = (Fsd__ErrorCode)sqlite3_column_int(st, 2);
            c->message = s_dup(sqlite3_column_text(st, 3));
            c->at = sqlite3_column_int64(st, 4);
            c->id = (uint64_t)sqlite3_column_int64(st, 5);
            c->acknowledged_at = sqlite3_column_int64(st, 6);
            *slot = c;
            ok = c->job_id && c->what && c->message;
        }
        sqlite3_reset(st);
    }
    st = ok ? s_stmt(self, sql_notices) : NULL;
    ok = ok && st;
    if (ok) {
        sqlite3_bind_text(st, 1, tech, -1, SQLITE_STATIC);
        while (ok && sqlite3_step(st) == SQLITE_ROW) {
            char **slot = (char **)s_push((void ***)&ls->notices, &ls->n_notices);
            if (!slot) {
                ok = false;
                break;
            }
            *slot = s_dup(sqlite3_column_text(st, 0));
            ok = *slot != NULL;
        }
        sqlite3_reset(st);
    }
    if (!ok)
        fsd_outbox_status_free(&ls);
    return ls;
}

/* Frees a status built by fsd_outbox_status. */
void fsd_outbox_status_free(Fsd__LocalStatus **st_p)
{
    if (!st_p || !*st_p)
        return;
    Fsd__LocalStatus *ls = *st_p;
    for (size_t i = 0; i < ls->n_jobs; i++) {
        if (ls->jobs[i]->job)
            fsd__job_view__free_unpacked(ls->jobs[i]->job, NULL);
        free(ls->jobs[i]);
    }
    for (size_t i = 0; i < ls->n_pending; i++) {
        free(ls->pending[i]->job_id);
        free(ls->pending[i]->what);
        free(ls->pending[i]->note);
        free(ls->pending[i]);
    }
    for (size_t i = 0; i < ls->n_conflicts; i++) {
        free(ls->conflicts[i]->job_id);
        free(ls->conflicts[i]->what);
        free(ls->conflicts[i]->message);
        free(ls->conflicts[i]);
    }
    for (size_t i = 0; i < ls->n_notices; i++)
        free(ls->notices[i]);
    free(ls->jobs);
    free(ls->pending);
    free(ls->conflicts);
    free(ls->notices);
    free(ls->technician_id);
    free(ls->name);
    free(ls);
    *st_p = NULL;
}
