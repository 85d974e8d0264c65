/*  store.c — SQLite behind the domain's words (see server/store.h).

    Durability: WAL with synchronous=FULL, so a COMMIT that returned has
    reached the disk; the server acknowledges a change only after it.
    Schema: versioned by PRAGMA user_version; s_migrations[i] takes the
    database from version i to i+1, inside one transaction.
    Statements: prepared once per connection, reset after each use. */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/strmap.h"

static const char *s_migrations[] = {
    /* 0 → 1 */
    "CREATE TABLE territories(id TEXT PRIMARY KEY, row BLOB NOT NULL);"
    "CREATE TABLE providers(id TEXT PRIMARY KEY, row BLOB NOT NULL);"
    "CREATE TABLE technicians(id TEXT PRIMARY KEY, row BLOB NOT NULL);"
    "CREATE TABLE products(serial TEXT PRIMARY KEY, row BLOB NOT NULL);"
    "CREATE TABLE customers(phone TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL,"
    "  blocked INTEGER NOT NULL, note TEXT NOT NULL);"
    "CREATE TABLE principals(public_key TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  role INTEGER NOT NULL, technician_id TEXT NOT NULL);"
    "CREATE TABLE jobs(number INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, state INTEGER NOT NULL,"
    "  territory TEXT NOT NULL, phone TEXT NOT NULL, customer_name TEXT NOT NULL, tier TEXT NOT NULL,"
    "  address TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, brand TEXT NOT NULL,"
    "  category TEXT NOT NULL, serial TEXT NOT NULL, model TEXT NOT NULL, problem TEXT NOT NULL,"
    "  warranty INTEGER NOT NULL, priority INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    "  assign_by INTEGER NOT NULL, arrive_by INTEGER NOT NULL, technician_id TEXT NOT NULL DEFAULT '',"
    "  provider_id TEXT NOT NULL DEFAULT '', offer_expires_at INTEGER NOT NULL DEFAULT 0,"
    "  rating INTEGER NOT NULL DEFAULT 0, rating_comment TEXT NOT NULL DEFAULT '',"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX jobs_state ON jobs(state, territory);"
    "CREATE INDEX jobs_phone ON jobs(phone);"
    "CREATE INDEX jobs_created ON jobs(created_at);"
    "CREATE TABLE job_events(id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL, from_state INTEGER NOT NULL, to_state INTEGER NOT NULL,"
    "  technician_id TEXT NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX job_events_job ON job_events(job_id);"
    "CREATE TABLE declines(job_id TEXT NOT NULL, technician_id TEXT NOT NULL, reason INTEGER NOT NULL,"
    "  expired INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(job_id, technician_id));"
    "CREATE TABLE match_log(job_id TEXT PRIMARY KEY, explanation BLOB NOT NULL);"
    "CREATE TABLE dedup(principal TEXT NOT NULL, msg_id TEXT NOT NULL, at INTEGER NOT NULL,"
    "  reply BLOB NOT NULL, PRIMARY KEY(principal, msg_id)) WITHOUT ROWID;"
    "CREATE TABLE sessions(technician_id TEXT PRIMARY KEY, out_seq INTEGER NOT NULL,"
    "  in_seq INTEGER NOT NULL);"
    "CREATE TABLE outbox(technician_id TEXT NOT NULL, seq INTEGER NOT NULL, envelope BLOB NOT NULL,"
    "  PRIMARY KEY(technician_id, seq)) WITHOUT ROWID;",
    /* 1 → 2: SLA risk flags; dedup pruned by age; open jobs found without a scan */
    "ALTER TABLE jobs ADD COLUMN at_risk INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX dedup_at ON dedup(at);",
    /* i5-kpi: the KPI report finds later requests for the same product
       (first-time fix) by serial without reading the jobs created since */
    "CREATE INDEX IF NOT EXISTS jobs_serial_created"
    " ON jobs(serial, created_at);",
};
/* How long a write waits for another process's lock before "unavailable". */
#define BUSY_TIMEOUT_MS 5000
#define SCHEMA_VERSION ((int)(sizeof s_migrations / sizeof s_migrations[0]))

enum {
    Q_BEGIN, Q_BEGIN_READ, Q_COMMIT, Q_ROLLBACK,
    Q_PUT_TERRITORY, Q_PUT_PROVIDER, Q_PUT_TECHNICIAN, Q_PUT_PRODUCT, Q_PUT_CUSTOMER,
    Q_EACH_TERRITORY, Q_EACH_PROVIDER, Q_EACH_TECHNICIAN, Q_GET_PRODUCT, Q_GET_CUSTOMER,
    Q_GET_PRINCIPAL, Q_DEL_PRINCIPAL, Q_PUT_PRINCIPAL, Q_EACH_PRINCIPAL,
    Q_LAST_JOB, Q_JOB_HAD_TECH, Q_JOB_INSERT, Q_JOB_STATE, Q_JOB_TERRITORY, Q_JOB_RATING, Q_EVENT, Q_DECLINE,
    Q_OPEN_JOBS, Q_DECLINES, Q_JOB_VIEW, Q_JOB_EVENTS, Q_MATCH_PUT, Q_MATCH_GET,
    Q_DEDUP_GET, Q_DEDUP_PUT, Q_SESSION_GET, Q_SESSION_PUT,
    Q_OUTBOX_PUT, Q_OUTBOX_ACK, Q_OUTBOX_EACH,
    Q_REPORT_JOBS, Q_REPORT_EVENTS, Q_REPORT_DECLINES, Q_REPORT_ASSIGN,
    Q_JOB_RISK, Q_DEDUP_PRUNE,
    Q_KPI_JOBS_FIX, Q_KPI_JOBS, Q_KPI_LATER, Q_KPI_EVENTS, Q_KPI_DECLINES,
    Q_COUNT_
};

#define JOB_COLUMNS \
    "id, state, territory, phone, customer_name, tier, address, lat, lon, brand, category," \
    " serial, model, problem, warranty, priority, created_at, assign_by, arrive_by," \
    " technician_id, provider_id, offer_expires_at, rating, rating_comment, at_risk"
/* the columns the KPI report reads of a job (i5-kpi) */
#define KPI_JOB_COLUMNS \
    "id, territory, provider_id, technician_id, tier, serial, warranty, state, created_at," \
    " assign_by, arrive_by, rating"

static const char *s_sql[Q_COUNT_] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_BEGIN_READ] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_PUT_TERRITORY] = "INSERT OR REPLACE INTO territories(id, row) VALUES(?1, ?2)",
    [Q_PUT_PROVIDER] = "INSERT OR REPLACE INTO providers(id, row) VALUES(?1, ?2)",
    [Q_PUT_TECHNICIAN] = "INSERT OR REPLACE INTO technicians(id, row) VALUES(?1, ?2)",
    [Q_PUT_PRODUCT] = "INSERT OR REPLACE INTO products(serial, row) VALUES(?1, ?2)",
    [Q_PUT_CUSTOMER] = "INSERT OR REPLACE INTO customers(phone, name, tier, blocked, note)"
                       " VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_EACH_TERRITORY] = "SELECT row FROM territories ORDER BY id",
    [Q_EACH_PROVIDER] = "SELECT row FROM providers ORDER BY id",
    [Q_EACH_TECHNICIAN] = "SELECT row FROM technicians ORDER BY id",
    [Q_GET_PRODUCT] = "SELECT row FROM products WHERE serial = ?1",
    [Q_GET_CUSTOMER] = "SELECT phone, name, tier, blocked, note FROM customers WHERE phone = ?1",
    [Q_GET_PRINCIPAL] = "SELECT 1 FROM principals WHERE public_key = ?1 OR name = ?2",
    [Q_DEL_PRINCIPAL] = "DELETE FROM principals WHERE public_key = ?1 OR name = ?2",
    [Q_PUT_PRINCIPAL] = "INSERT OR REPLACE INTO principals(public_key, name, role, technician_id)"
                        " VALUES(?1, ?2, ?3, ?4)",
    [Q_EACH_PRINCIPAL] = "SELECT public_key, name, role, technician_id FROM principals",
    [Q_JOB_HAD_TECH] = "SELECT 1 FROM job_events WHERE job_id = ?1 AND technician_id = ?2 LIMIT 1",
    [Q_LAST_JOB] = "SELECT COALESCE(MAX(number), 0) FROM jobs",
    [Q_JOB_INSERT] = "INSERT INTO jobs(number, " JOB_COLUMNS ", updated_at) VALUES(?1, ?2, ?3, ?4,"
                     " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
                     " ?21, ?22, ?23, 0, '', 0, ?18)",
    [Q_JOB_STATE] = "UPDATE jobs SET state = ?2, technician_id = ?3, provider_id = ?4,"
                    " offer_expires_at = ?5, updated_at = ?6 WHERE id = ?1",
    [Q_JOB_TERRITORY] = "UPDATE jobs SET territory = ?2 WHERE id = ?1",
    [Q_JOB_RATING] = "UPDATE jobs SET rating = ?2, rating_comment = ?3 WHERE id = ?1",
    [Q_EVENT] = "INSERT INTO job_events(job_id, at, actor, from_state, to_state, technician_id,"
                " reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_DECLINE] = "INSERT OR REPLACE INTO declines(job_id, technician_id, reason, expired, at)"
                  " VALUES(?1, ?2, ?3, ?4, ?5)",
    /* open = every state but closed (8) and cancelled (10), named so that
       the jobs_state index finds them without reading the closed history */
    [Q_OPEN_JOBS] = "SELECT " JOB_COLUMNS " FROM jobs WHERE state IN (1, 2, 3, 4, 5, 6, 7, 9)"
                    " ORDER BY number",
    [Q_DECLINES] = "SELECT d.job_id, d.technician_id FROM jobs j JOIN declines d ON d.job_id = j.id"
                   " WHERE j.state IN (1, 2, 3, 4, 5, 6, 7, 9)",
    [Q_JOB_VIEW] = "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1",
    [Q_JOB_EVENTS] = "SELECT at, actor, from_state, to_state, technician_id, reason"
                     " FROM job_events WHERE job_id = ?1 ORDER BY id",
    [Q_MATCH_PUT] = "INSERT OR REPLACE INTO match_log(job_id, explanation) VALUES(?1, ?2)",
    [Q_MATCH_GET] = "SELECT explanation FROM match_log WHERE job_id = ?1",
    [Q_DEDUP_GET] = "SELECT reply FROM dedup WHERE principal = ?1 AND msg_id = ?2",
    [Q_DEDUP_PUT] = "INSERT OR REPLACE INTO dedup(principal, msg_id, at, reply) VALUES(?1, ?2, ?3, ?4)",
    [Q_SESSION_GET] = "SELECT out_seq, in_seq FROM sessions WHERE technician_id = ?1",
    [Q_SESSION_PUT] = "INSERT OR REPLACE INTO sessions(technician_id, out_seq, in_seq) VALUES(?1, ?2, ?3)",
    [Q_OUTBOX_PUT] = "INSERT OR REPLACE INTO outbox(technician_id, seq, envelope) VALUES(?1, ?2, ?3)",
    [Q_OUTBOX_ACK] = "DELETE FROM outbox WHERE technician_id = ?1 AND seq <= ?2",
    [Q_OUTBOX_EACH] = "SELECT seq, envelope FROM outbox WHERE technician_id = ?1 AND seq > ?2"
                      " ORDER BY seq LIMIT ?3",
    [Q_REPORT_JOBS] = "SELECT state, warranty, rating FROM jobs WHERE created_at >= ?1 AND created_at < ?2",
    [Q_REPORT_EVENTS] = "SELECT e.to_state, e.from_state, e.reason, e.actor FROM job_events e"
                        " JOIN jobs j ON j.id = e.job_id WHERE j.created_at >= ?1 AND j.created_at < ?2",
    [Q_REPORT_DECLINES] = "SELECT d.reason, d.expired FROM declines d JOIN jobs j ON j.id = d.job_id"
                          " WHERE j.created_at >= ?1 AND j.created_at < ?2",
    [Q_REPORT_ASSIGN] = "SELECT (MIN(e.at) - j.created_at) / 1000.0 AS s FROM job_events e"
                        " JOIN jobs j ON j.id = e.job_id WHERE e.to_state = 3"
                        " AND j.created_at >= ?1 AND j.created_at < ?2 GROUP BY e.job_id ORDER BY s",
    [Q_JOB_RISK] = "UPDATE jobs SET at_risk = ?2 WHERE id = ?1",
    [Q_DEDUP_PRUNE] = "DELETE FROM dedup WHERE (principal, msg_id) IN"
                      " (SELECT principal, msg_id FROM dedup WHERE at < ?1 ORDER BY at LIMIT ?2)",
    /* KPI report (i5-kpi): the jobs created in [?1, ?2) through the
       jobs_created index, in its order (created_at, number), and their
       events and declines in the same order through the job indexes, so
       that they are matched to their jobs as they stream by; later jobs
       for the same serials through jobs_serial_created. fix_by is read
       where the jobs table has it (Q_KPI_JOBS_FIX fails to prepare
       otherwise, and Q_KPI_JOBS says 0). */
    [Q_KPI_JOBS_FIX] = "SELECT " KPI_JOB_COLUMNS ", fix_by FROM jobs"
                       " WHERE created_at >= ?1 AND created_at < ?2 ORDER BY created_at, number",
    [Q_KPI_JOBS] = "SELECT " KPI_JOB_COLUMNS ", 0 FROM jobs WHERE created_at >= ?1 AND created_at < ?2"
                   " ORDER BY created_at, number",
    [Q_KPI_LATER] = "SELECT o.id, o.serial, o.created_at FROM"
                    " (SELECT DISTINCT serial FROM jobs WHERE created_at >= ?1 AND created_at < ?2"
                    "  AND serial <> '') s JOIN jobs o INDEXED BY jobs_serial_created"
                    " ON o.serial = s.serial AND o.created_at >= ?2",
    /* reasons cut to 32 characters: the report reads their prefixes only */
    [Q_KPI_EVENTS] = "SELECT e.job_id, e.at, e.from_state, e.to_state, e.technician_id,"
                     " substr(e.reason, 1, 32) FROM jobs j JOIN job_events e ON e.job_id = j.id"
                     " WHERE j.created_at >= ?1 AND j.created_at < ?2 ORDER BY j.created_at, j.number, e.id",
    [Q_KPI_DECLINES] = "SELECT d.job_id, d.technician_id, d.reason, d.expired, d.at FROM jobs j"
                       " JOIN declines d ON d.job_id = j.id WHERE j.created_at >= ?1 AND j.created_at < ?2"
                       " ORDER BY j.created_at, j.number",
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT_];
    char err[256];
};

/* The statement for q, prepared on first use and reset for reuse. */
static sqlite3_stmt *s_stmt(store *self, int q)
{
    sqlite3_stmt *st = self->stmt[q];
    if (!st) {
        if (sqlite3_prepare_v3(self->db, s_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
                               &self->stmt[q], NULL) != SQLITE_OK) {
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
static int s_done(store *self, sqlite3_stmt *st)
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
static int s_fail(store *self)
{
    snprintf(self->err, sizeof self->err, "%s", sqlite3_errmsg(self->db));
    return -1;
}

static void s_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/* Applies the migrations the file has not seen yet. */
static int s_migrate(store *self)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (version > SCHEMA_VERSION) {
        snprintf(self->err, sizeof self->err,
                 "database schema version %d is newer than this fsd-server knows (%d): run the newer fsd-server that wrote it", version,
                 SCHEMA_VERSION);
        return -1;
    }
    for (; version < SCHEMA_VERSION; version++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK
            || sqlite3_exec(self->db, s_migrations[version], NULL, NULL, NULL) != SQLITE_OK
            || sqlite3_exec(self->db, pragma, NULL, NULL, NULL) != SQLITE_OK
            || sqlite3_exec(self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            s_fail(self);
            sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

store *store_open(const char *path, char *err, size_t errlen)
{
    store *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(self->db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(self->db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                     " PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;"
                     " PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (s_migrate(self) < 0) {
        snprintf(err, errlen, "cannot prepare %s: %s", path, self->err);
        store_close(&self);
        return NULL;
    }
    return self;
fail:
    snprintf(err, errlen, "cannot open %s: %s", path,
             self->db ? sqlite3_errmsg(self->db) : "out of memory");
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
    sqlite3_stmt *st = s_stmt(self, Q_BEGIN);
    return st ? s_done(self, st) : -1;
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
    sqlite3_stmt *st = s_stmt(self, Q_BEGIN_READ);
    return st ? s_done(self, st) : -1;
}

int store_commit(store *self)
{
    sqlite3_stmt *st = s_stmt(self, Q_COMMIT);
    return st ? s_done(self, st) : -1;
}

void store_rollback(store *self)
{
    if (!sqlite3_get_autocommit(self->db))
        sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_backup(store *self, const char *path)
{
    /* A connection of its own reads the last committed state, whatever the
       loop's connection has in flight. */
    sqlite3 *src = NULL, *dst = NULL;
    const char *file = sqlite3_db_filename(self->db, "main");
    int rc = SQLITE_ERROR;
    if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(self->err, sizeof self->err, "cannot read %s: %s", file, sqlite3_errmsg(src));
        goto done;
    }
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(self->err, sizeof self->err, "cannot create %s: %s", path, sqlite3_errmsg(dst));
        goto done;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    if (b)
        sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        snprintf(self->err, sizeof self->err, "backup to %s failed: %s", path, sqlite3_errmsg(dst));
    else if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
        rc = SQLITE_ERROR;
done:
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------ reference data */

/* Stores a packed row message under key with statement q. */
static int s_put_row(store *self, int q, const char *key, const ProtobufCMessage *row)
{
    size_t len = protobuf_c_message_get_packed_size(row);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    protobuf_c_message_pack(row, buf);
    sqlite3_stmt *st = s_stmt(self, q);
    int rc = -1;
    if (st) {
        s_text(st, 1, key);
        sqlite3_bind_blob(st, 2, buf, (int)len, SQLITE_STATIC);
        rc = s_done(self, st);
    }
    free(buf);
    return rc;
}

int store_put_territory(store *self, const Fsd__TerritoryRow *row)
{
    return s_put_row(self, Q_PUT_TERRITORY, row->id, &row->base);
}

int store_put_provider(store *self, const Fsd__ProviderRow *row)
{
    return s_put_row(self, Q_PUT_PROVIDER, row->id, &row->base);
}

int store_put_technician(store *self, const Fsd__TechnicianRow *row)
{
    return s_put_row(self, Q_PUT_TECHNICIAN, row->id, &row->base);
}

int store_put_product(store *self, const Fsd__ProductRow *row)
{
    return s_put_row(self, Q_PUT_PRODUCT, row->serial, &row->base);
}

int store_put_customer(store *self, const Fsd__CustomerRow *row)
{
    sqlite3_stmt *st = s_stmt(self, Q_PUT_CUSTOMER);
    if (!st)
        return -1;
    s_text(st, 1, row->phone);
    s_text(st, 2, row->name);
    s_text(st, 3, row->tier[0] ? row->tier : "standard");
    sqlite3_bind_int(st, 4, row->blocked);
    s_text(st, 5, row->note);
    return s_done(self, st);
}

/* Unpacks every row of query q with desc and hands it to fn (which owns it). */
static int s_each_row(store *self, int q, const ProtobufCMessageDescriptor *desc,
                      void (*fn)(void *, void *), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, q);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ProtobufCMessage *m = protobuf_c_message_unpack(
            desc, NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
        if (m)
            fn(arg, m);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_each_territory(store *self, void (*fn)(void *, Fsd__TerritoryRow *), void *arg)
{
    return s_each_row(self, Q_EACH_TERRITORY, &fsd__territory_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_each_provider(store *self, void (*fn)(void *, Fsd__ProviderRow *), void *arg)
{
    return s_each_row(self, Q_EACH_PROVIDER, &fsd__provider_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_each_technician(store *self, void (*fn)(void *, Fsd__TechnicianRow *), void *arg)
{
    return s_each_row(self, Q_EACH_TECHNICIAN, &fsd__technician_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_get_product(store *self, const char *serial, Fsd__ProductRow **out)
{
    sqlite3_stmt *st = s_stmt(self, Q_GET_PRODUCT);
    if (!st)
        return -1;
    s_text(st, 1, serial);
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW)
        *out = fsd__product_row__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
                                        sqlite3_column_blob(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return *out != NULL;
}

/* Column i as a string copied into the arena. */
static char *s_col(arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return arena_strdup(a, t ? (const char *)t : "");
}

int store_get_customer(store *self, arena *a, const char *phone, Fsd__CustomerRow **out)
{
    sqlite3_stmt *st = s_stmt(self, Q_GET_CUSTOMER);
    if (!st)
        return -1;
    s_text(st, 1, phone);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        Fsd__CustomerRow *c = arena_alloc(a, sizeof *c);
        fsd__customer_row__init(c);
        c->phone = s_col(a, st, 0);
        c->name = s_col(a, st, 1);
        c->tier = s_col(a, st, 2);
        c->blocked = sqlite3_column_int(st, 3);
        c->note = s_col(a, st, 4);
        *out = c;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

/* ---------------------------------------------------------- principals */

int store_put_principal(store *self, const char *pub, const char *name, int role,
                        const char *technician_id, bool *replaced)
{
    sqlite3_stmt *st = s_stmt(self, Q_GET_PRINCIPAL);
    if (!st)
        return -1;
    s_text(st, 1, pub);
    s_text(st, 2, name);
    int rc = sqlite3_step(st);
    *replaced = rc == SQLITE_ROW;
    sqlite3_reset(st);
    /* A name is one principal: a new key for a name replaces the old key. */
    if (*replaced) {
        if (!(st = s_stmt(self, Q_DEL_PRINCIPAL)))
            return -1;
        s_text(st, 1, pub);
        s_text(st, 2, name);
        if (s_done(self, st) < 0)
            return -1;
    }
    st = s_stmt(self, Q_PUT_PRINCIPAL);
    if (!st)
        return -1;
    s_text(st, 1, pub);
    s_text(st, 2, name);
    sqlite3_bind_int(st, 3, role);
    s_text(st, 4, technician_id);
    return s_done(self, st);
}

int store_each_principal(store *self,
                         void (*fn)(void *, const char *, const char *, int, const char *),
                         void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_EACH_PRINCIPAL);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int(st, 2), (const char *)sqlite3_column_text(st, 3));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* ---------------------------------------------------------------- jobs */

int store_last_job_number(store *self, long *out)
{
    sqlite3_stmt *st = s_stmt(self, Q_LAST_JOB);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : s_fail(self);
}

int store_job_insert(store *self, const store_job *j, long number)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_INSERT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, number);
    s_text(st, 2, j->id);
    sqlite3_bind_int(st, 3, j->state);
    s_text(st, 4, j->territory);
    s_text(st, 5, j->phone);
    s_text(st, 6, j->customer_name);
    s_text(st, 7, j->tier);
    s_text(st, 8, j->address);
    sqlite3_bind_double(st, 9, j->lat);
    sqlite3_bind_double(st, 10, j->lon);
    s_text(st, 11, j->brand);
    s_text(st, 12, j->category);
    s_text(st, 13, j->serial);
    s_text(st, 14, j->model);
    s_text(st, 15, j->problem);
    sqlite3_bind_int(st, 16, j->warranty);
    sqlite3_bind_int(st, 17, j->priority);
    sqlite3_bind_int64(st, 18, j->created_at);
    sqlite3_bind_int64(st, 19, j->assign_by);
    sqlite3_bind_int64(st, 20, j->arrive_by);
    s_text(st, 21, j->technician_id);
    s_text(st, 22, j->provider_id);
    sqlite3_bind_int64(st, 23, j->offer_expires_at);
    return s_done(self, st);
}

int store_job_set_state(store *self, const char *id, int state, const char *technician_id,
                        const char *provider_id, int64_t offer_expires_at, int64_t now)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_STATE);
    if (!st)
        return -1;
    s_text(st, 1, id);
    sqlite3_bind_int(st, 2, state);
    s_text(st, 3, technician_id);
    s_text(st, 4, provider_id);
    sqlite3_bind_int64(st, 5, offer_expires_at);
    sqlite3_bind_int64(st, 6, now);
    return s_done(self, st);
}

int store_job_set_territory(store *self, const char *id, const char *territory)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_TERRITORY);
    if (!st)
        return -1;
    s_text(st, 1, id);
    s_text(st, 2, territory);
    return s_done(self, st);
}

int store_job_set_rating(store *self, const char *id, int stars, const char *comment)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_RATING);
    if (!st)
        return -1;
    s_text(st, 1, id);
    sqlite3_bind_int(st, 2, stars);
    s_text(st, 3, comment);
    return s_done(self, st);
}

int store_event_append(store *self, const char *job_id, int64_t at, const char *actor,
                       int from, int to, const char *technician_id, const char *reason)
{
    sqlite3_stmt *st = s_stmt(self, Q_EVENT);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    sqlite3_bind_int64(st, 2, at);
    s_text(st, 3, actor);
    sqlite3_bind_int(st, 4, from);
    sqlite3_bind_int(st, 5, to);
    s_text(st, 6, technician_id);
    s_text(st, 7, reason);
    return s_done(self, st);
}

int store_job_had_technician(store *self, const char *job_id, const char *technician_id)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_HAD_TECH);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    s_text(st, 2, technician_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

int store_decline_put(store *self, const char *job_id, const char *technician_id,
                      int reason, bool expired, int64_t at)
{
    sqlite3_stmt *st = s_stmt(self, Q_DECLINE);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    s_text(st, 2, technician_id);
    sqlite3_bind_int(st, 3, reason);
    sqlite3_bind_int(st, 4, expired);
    sqlite3_bind_int64(st, 5, at);
    return s_done(self, st);
}

/* Fills a store_job from a row of JOB_COLUMNS (strings point into the statement). */
static void s_job_from_row(sqlite3_stmt *st, store_job *j)
{
#define T(i) ((const char *)sqlite3_column_text(st, i))
    j->id = T(0);
    j->state = sqlite3_column_int(st, 1);
    j->territory = T(2);
    j->phone = T(3);
    j->customer_name = T(4);
    j->tier = T(5);
    j->address = T(6);
    j->lat = sqlite3_column_double(st, 7);
    j->lon = sqlite3_column_double(st, 8);
    j->brand = T(9);
    j->category = T(10);
    j->serial = T(11);
    j->model = T(12);
    j->problem = T(13);
    j->warranty = sqlite3_column_int(st, 14);
    j->priority = sqlite3_column_int(st, 15);
    j->created_at = sqlite3_column_int64(st, 16);
    j->assign_by = sqlite3_column_int64(st, 17);
    j->arrive_by = sqlite3_column_int64(st, 18);
    j->technician_id = T(19);
    j->provider_id = T(20);
    j->offer_expires_at = sqlite3_column_int64(st, 21);
    j->at_risk = sqlite3_column_int(st, 24);
#undef T
}

int store_each_open_job(store *self, void (*fn)(void *, const store_job *), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_OPEN_JOBS);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_job j;
        s_job_from_row(st, &j);
        fn(arg, &j);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_each_decline(store *self, void (*fn)(void *, const char *, const char *), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_DECLINES);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* A JobView in the arena from the current row of a JOB_COLUMNS query. */
static Fsd__JobView *s_view_from_row(arena *a, sqlite3_stmt *st)
{
    Fsd__JobView *v = arena_alloc(a, sizeof *v);
    fsd__job_view__init(v);
    v->job_id = s_col(a, st, 0);
    v->state = sqlite3_column_int(st, 1);
    v->territory = s_col(a, st, 2);
    v->phone = s_col(a, st, 3);
    v->customer_name = s_col(a, st, 4);
    v->tier = s_col(a, st, 5);
    v->address = s_col(a, st, 6);
    v->lat = sqlite3_column_double(st, 7);
    v->lon = sqlite3_column_double(st, 8);
    v->brand = s_col(a, st, 9);
    v->category = s_col(a, st, 10);
    v->serial = s_col(a, st, 11);
    v->model = s_col(a, st, 12);
    v->problem = s_col(a, st, 13);
    v->warranty = sqlite3_column_int(st, 14);
    v->priority = sqlite3_column_int(st, 15);
    v->created_at = sqlite3_column_int64(st, 16);
    v->assign_by = sqlite3_column_int64(st, 17);
    v->arrive_by = sqlite3_column_int64(st, 18);
    v->technician_id = s_col(a, st, 19);
    v->provider_id = s_col(a, st, 20);
    v->offer_expires_at = sqlite3_column_int64(st, 21);
    v->rating = (uint32_t)sqlite3_column_int(st, 22);
    v->rating_comment = s_col(a, st, 23);
    v->at_risk = job_risk_current(sqlite3_column_int(st, 24), v->state);
    return v;
}

/* Attaches the job's event log to a view. */
static int s_history(store *self, arena *a, Fsd__JobView *v)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_EVENTS);
    if (!st)
        return -1;
    s_text(st, 1, v->job_id);
    size_t cap = 8, n = 0;
    Fsd__JobEvent **list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            Fsd__JobEvent **bigger = arena_alloc(a, 2 * cap * sizeof *list);
            memcpy(bigger, list, n * sizeof *list);
            list = bigger;
            cap *= 2;
        }
        Fsd__JobEvent *e = arena_alloc(a, sizeof *e);
        fsd__job_event__init(e);
        e->at = sqlite3_column_int64(st, 0);
        e->actor = s_col(a, st, 1);
        e->from = sqlite3_column_int(st, 2);
        e->to = sqlite3_column_int(st, 3);
        e->technician_id = s_col(a, st, 4);
        e->reason = s_col(a, st, 5);
        list[n++] = e;
    }
    sqlite3_reset(st);
    v->history = list;
    v->n_history = n;
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_job_view(store *self, arena *a, const char *id, bool history, Fsd__JobView **out)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_VIEW);
    if (!st)
        return -1;
    s_text(st, 1, id);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? s_view_from_row(a, st) : NULL;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    if (*out && history && s_history(self, a, *out) < 0)
        return -1;
    return *out != NULL;
}

int store_job_list(store *self, arena *a, const char *territory, int state,
                   const char *technician_id, const char *phone, unsigned limit,
                   Fsd__JobView ***out, size_t *n)
{
    /* A filter query built from fixed fragments; every value is bound. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " JOB_COLUMNS " FROM jobs WHERE (?1 = '' OR territory = ?1)"
             " AND (?2 = 0 OR state = ?2) AND (?3 = '' OR technician_id = ?3)"
             " AND (?4 = '' OR phone = ?4) ORDER BY number DESC LIMIT ?5");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    s_text(st, 1, territory);
    sqlite3_bind_int(st, 2, state);
    s_text(st, 3, technician_id);
    s_text(st, 4, phone);
    sqlite3_bind_int(st, 5, limit ? (int)limit : 100);
    size_t cap = limit ? limit : 100;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap)
        (*out)[(*n)++] = s_view_from_row(a, st);
    sqlite3_finalize(st);
    return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : s_fail(self);
}

int store_match_put(store *self, const char *job_id, const uint8_t *blob, size_t len)
{
    sqlite3_stmt *st = s_stmt(self, Q_MATCH_PUT);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_STATIC);
    return s_done(self, st);
}

/* Copies the blob of column 0 of the single-row query st into the arena. */
static int s_blob_get(store *self, arena *a, sqlite3_stmt *st, uint8_t **blob, size_t *len)
{
    int rc = sqlite3_step(st);
    *blob = NULL;
    *len = 0;
    if (rc == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        *blob = arena_alloc(a, *len ? *len : 1);
        if (*len)
            memcpy(*blob, sqlite3_column_blob(st, 0), *len);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

int store_match_get(store *self, arena *a, const char *job_id, uint8_t **blob, size_t *len)
{
    sqlite3_stmt *st = s_stmt(self, Q_MATCH_GET);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    return s_blob_get(self, a, st, blob, len);
}

bool job_risk_current(int at_risk, int state)
{
    switch (state) {
    case 1: case 2: case 9: return at_risk == 1;   /* new, offered, escalated: assign-by */
    case 3: case 4: return at_risk == 2;           /* assigned, en_route: arrive-by */
    default: return false;
    }
}

int store_job_set_risk(store *self, const char *id, int at_risk)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_RISK);
    if (!st)
        return -1;
    s_text(st, 1, id);
    sqlite3_bind_int(st, 2, at_risk);
    return s_done(self, st);
}

/* ------------------------------------------------------------- dedup */

int store_dedup_prune(store *self, int64_t before, unsigned max, unsigned *deleted)
{
    sqlite3_stmt *st = s_stmt(self, Q_DEDUP_PRUNE);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int(st, 2, (int)max);
    if (s_done(self, st) < 0)
        return -1;
    *deleted = (unsigned)sqlite3_changes(self->db);
    return 0;
}

int store_dedup_get(store *self, arena *a, const char *principal, const char *msg_id,
                    uint8_t **reply, size_t *len)
{
    sqlite3_stmt *st = s_stmt(self, Q_DEDUP_GET);
    if (!st)
        return -1;
    s_text(st, 1, principal);
    s_text(st, 2, msg_id);
    return s_blob_get(self, a, st, reply, len);
}

int store_dedup_put(store *self, const char *principal, const char *msg_id, int64_t at,
                    const uint8_t *reply, size_t len)
{
    sqlite3_stmt *st = s_stmt(self, Q_DEDUP_PUT);
    if (!st)
        return -1;
    s_text(st, 1, principal);
    s_text(st, 2, msg_id);
    sqlite3_bind_int64(st, 3, at);
    sqlite3_bind_blob(st, 4, reply, (int)len, SQLITE_STATIC);
    return s_done(self, st);
}

/* ----------------------------------------------------- sessions, outbox */

int store_session_get(store *self, const char *technician_id, uint64_t *out_seq, uint64_t *in_seq)
{
    sqlite3_stmt *st = s_stmt(self, Q_SESSION_GET);
    if (!st)
        return -1;
    s_text(st, 1, technician_id);
    int rc = sqlite3_step(st);
    *out_seq = *in_seq = 0;
    if (rc == SQLITE_ROW) {
        *out_seq = (uint64_t)sqlite3_column_int64(st, 0);
        *in_seq = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

int store_session_put(store *self, const char *technician_id, uint64_t out_seq, uint64_t in_seq)
{
    sqlite3_stmt *st = s_stmt(self, Q_SESSION_PUT);
    if (!st)
        return -1;
    s_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)out_seq);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)in_seq);
    return s_done(self, st);
}

int store_outbox_put(store *self, const char *technician_id, uint64_t seq,
                     const uint8_t *env, size_t len)
{
    sqlite3_stmt *st = s_stmt(self, Q_OUTBOX_PUT);
    if (!st)
        return -1;
    s_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    sqlite3_bind_blob(st, 3, env, (int)len, SQLITE_STATIC);
    return s_done(self, st);
}

int store_outbox_ack(store *self, const char *technician_id, uint64_t upto)
{
    sqlite3_stmt *st = s_stmt(self, Q_OUTBOX_ACK);
    if (!st)
        return -1;
    s_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
    return s_done(self, st);
}

int store_outbox_each(store *self, const char *technician_id, uint64_t after, unsigned max,
                      void (*fn)(void *, uint64_t, const uint8_t *, size_t), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_OUTBOX_EACH);
    if (!st)
        return -1;
    s_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)after);
    sqlite3_bind_int(st, 3, (int)max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* ------------------------------------------------------------ reports */

/* Binds [from, to) to a report query. */
static sqlite3_stmt *s_range(store *self, int q, int64_t from, int64_t to)
{
    sqlite3_stmt *st = s_stmt(self, q);
    if (st) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
    }
    return st;
}

int store_report_compute(store *self, arena *a, int64_t from, int64_t to, store_report *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st = s_range(self, Q_REPORT_JOBS, from, to);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int state = sqlite3_column_int(st, 0), w = sqlite3_column_int(st, 1);
        int rating = sqlite3_column_int(st, 2);
        r->requests++;
        if (state >= 0 && state < 11)
            r->by_state[state]++;
        if (w >= 0 && w < 5)
            r->by_warranty[w]++;
        if (rating > 0) {
            r->ratings++;
            r->rating_sum += rating;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return s_fail(self);

    if (!(st = s_range(self, Q_REPORT_EVENTS, from, to)))
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int to_state = sqlite3_column_int(st, 0), from_state = sqlite3_column_int(st, 1);
        const char *reason = (const char *)sqlite3_column_text(st, 2);
        if (reason && strncmp(reason, "reassign", 8) == 0)
            r->reassignments++;
        /* notes on a job (at risk, a conflicting report, a waiting job moved
           to another territory) leave its state as it was: no transition */
        if (to_state == from_state)
            continue;
        if (to_state == 2)
            r->offers++;
        if (to_state == 9)
            r->escalations++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return s_fail(self);

    if (!(st = s_range(self, Q_REPORT_DECLINES, from, to)))
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int reason = sqlite3_column_int(st, 0);
        if (sqlite3_column_int(st, 1))
            r->expiries++;
        else {
            r->declines++;
            if (reason >= 0 && reason < 6)
                r->decline_reasons[reason]++;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return s_fail(self);

    if (!(st = s_range(self, Q_REPORT_ASSIGN, from, to)))
        return -1;
    size_t cap = 256;
    r->assign_s = arena_alloc(a, cap * sizeof(double));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n_assign == cap) {
            double *bigger = arena_alloc(a, 2 * cap * sizeof(double));
            memcpy(bigger, r->assign_s, cap * sizeof(double));
            r->assign_s = bigger;
            cap *= 2;
        }
        r->assign_s[r->n_assign++] = sqlite3_column_double(st, 0);
    }
    r->assigned = r->n_assign;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* ------------------------------------------------------- KPI (i5-kpi) */

/* Included here, not at the top: its domain names (role ...) would shadow
   parameters of the functions above. */
#include "fsd/kpi.h"

/* The arena copy of s, one per distinct value (ids, names and reasons
   repeat across thousands of events). */
static const char *s_intern(strmap *names, arena *a, const unsigned char *s)
{
    const char *key = s ? (const char *)s : "";
    const char *copy = strmap_get(names, key);
    if (!copy) {
        copy = arena_strdup(a, key);
        if (strmap_put(names, key, (void *)copy) < 0)
            return NULL;
    }
    return copy;
}

/* Room for one more element of size `size` in *v (capacity *cap); -1 when out of memory. */
static int s_grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    size_t more = *cap ? *cap * 2 : 256;
    void *bigger = realloc(*v, more * size);
    if (!bigger)
        return -1;
    *v = bigger;
    *cap = more;
    return 0;
}

typedef struct {
    kpi_job *jobs;
    size_t n_jobs, cap_jobs;
    kpi_event *ev;
    size_t n_ev, cap_ev;
    kpi_decline *dec;
    size_t n_dec, cap_dec;
    size_t *ev_at, *dec_at;     /* per job: where its events, declines start */
    strmap *names;              /* interned strings */
} s_kpi_rows;

/* Reads the period's jobs (Q_KPI_JOBS_FIX, or Q_KPI_JOBS without fix_by). */
static int s_kpi_read_jobs(store *self, arena *a, s_kpi_rows *k, int64_t from, int64_t to)
{
    sqlite3_stmt *st = s_stmt(self, Q_KPI_JOBS_FIX);
    if (!st) {
        self->err[0] = 0;       /* no fix_by column: not an error */
        st = s_stmt(self, Q_KPI_JOBS);
    }
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (s_grow((void **)&k->jobs, k->n_jobs, &k->cap_jobs, sizeof *k->jobs) < 0)
            break;
        kpi_job *j = &k->jobs[k->n_jobs];
        memset(j, 0, sizeof *j);
        j->id = s_col(a, st, 0);
        j->territory = s_intern(k->names, a, sqlite3_column_text(st, 1));
        j->provider = s_intern(k->names, a, sqlite3_column_text(st, 2));
        j->technician = s_intern(k->names, a, sqlite3_column_text(st, 3));
        j->tier = s_intern(k->names, a, sqlite3_column_text(st, 4));
        j->serial = s_col(a, st, 5);
        j->warranty = sqlite3_column_int(st, 6);
        j->state = sqlite3_column_int(st, 7);
        j->created_at = sqlite3_column_int64(st, 8);
        j->assign_by = sqlite3_column_int64(st, 9);
        j->arrive_by = sqlite3_column_int64(st, 10);
        j->rating = sqlite3_column_int(st, 11);
        j->fix_by = sqlite3_column_int64(st, 12);
        if (!j->territory || !j->provider || !j->technician || !j->tier)
            break;
        k->n_jobs++;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        snprintf(self->err, sizeof self->err, "out of memory reading the report's jobs");
        return -1;
    }
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* Later jobs for the period's serials: id, serial, created_at. */
static int s_kpi_read_later(store *self, arena *a, s_kpi_rows *k, int64_t from, int64_t to)
{
    if (to == INT64_MAX)
        return 0;
    sqlite3_stmt *st = s_range(self, Q_KPI_LATER, from, to);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (s_grow((void **)&k->jobs, k->n_jobs, &k->cap_jobs, sizeof *k->jobs) < 0)
            break;
        kpi_job *j = &k->jobs[k->n_jobs++];
        memset(j, 0, sizeof *j);
        j->id = s_col(a, st, 0);
        j->serial = s_col(a, st, 1);
        j->created_at = sqlite3_column_int64(st, 2);
        j->territory = j->provider = j->technician = j->tier = "";
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        snprintf(self->err, sizeof self->err, "out of memory reading the report's jobs");
        return -1;
    }
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* The index of the job named id at or after *cursor (rows come in the
   jobs' order), or -1; *cursor moves to it. */
static long s_kpi_job_at(const s_kpi_rows *k, size_t n, size_t *cursor, const unsigned char *id)
{
    const char *want = id ? (const char *)id : "";
    for (size_t i = *cursor; i < n; i++)
        if (strcmp(k->jobs[i].id, want) == 0) {
            *cursor = i;
            return (long)i;
        }
    return -1;
}

/* The period's events and declines, in their jobs' order; ev_at / dec_at
   say where each job's start. Reasons the report does not count are
   left empty, and actors too (it reads neither). */
static int s_kpi_read_history(store *self, arena *a, s_kpi_rows *k, size_t n, int64_t from, int64_t to)
{
    sqlite3_stmt *st = s_range(self, Q_KPI_EVENTS, from, to);
    if (!st)
        return -1;
    size_t cursor = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long job = s_kpi_job_at(k, n, &cursor, sqlite3_column_text(st, 0));
        if (job < 0)
            continue;
        if (s_grow((void **)&k->ev, k->n_ev, &k->cap_ev, sizeof *k->ev) < 0)
            break;
        if (k->jobs[job].n_events++ == 0)
            k->ev_at[job] = k->n_ev;
        kpi_event *e = &k->ev[k->n_ev++];
        e->at = sqlite3_column_int64(st, 1);
        e->actor = "";
        e->from_state = sqlite3_column_int(st, 2);
        e->to_state = sqlite3_column_int(st, 3);
        e->technician = s_intern(k->names, a, sqlite3_column_text(st, 4));
        const char *why = (const char *)sqlite3_column_text(st, 5);
        e->reason = why && kpi_reason_counts(why) ? s_intern(k->names, a, (const unsigned char *)why) : "";
        if (!e->technician || !e->reason)
            break;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? -1 : s_fail(self);

    if (!(st = s_range(self, Q_KPI_DECLINES, from, to)))
        return -1;
    cursor = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long job = s_kpi_job_at(k, n, &cursor, sqlite3_column_text(st, 0));
        if (job < 0)
            continue;
        if (s_grow((void **)&k->dec, k->n_dec, &k->cap_dec, sizeof *k->dec) < 0)
            break;
        if (k->jobs[job].n_declines++ == 0)
            k->dec_at[job] = k->n_dec;
        kpi_decline *d = &k->dec[k->n_dec++];
        d->technician = s_intern(k->names, a, sqlite3_column_text(st, 1));
        d->reason = sqlite3_column_int(st, 2);
        d->expired = sqlite3_column_int(st, 3) != 0;
        d->at = sqlite3_column_int64(st, 4);
        if (!d->technician)
            break;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? -1 : s_fail(self);
    return 0;
}

int store_kpi_jobs(store *self, arena *a, int64_t from, int64_t to, kpi_job **out, size_t *n)
{
    s_kpi_rows k = { .names = strmap_new() };
    *out = NULL;
    *n = 0;
    if (to <= 0)
        to = INT64_MAX;
    int rc = -1;
    self->err[0] = 0;
    if (!k.names) {
        snprintf(self->err, sizeof self->err, "out of memory");
        goto done;
    }
    if (s_kpi_read_jobs(self, a, &k, from, to) < 0)
        goto done;
    size_t in_period = k.n_jobs;
    k.ev_at = calloc(in_period ? in_period : 1, sizeof *k.ev_at);
    k.dec_at = calloc(in_period ? in_period : 1, sizeof *k.dec_at);
    if (!k.ev_at || !k.dec_at || s_kpi_read_history(self, a, &k, in_period, from, to) < 0
        || s_kpi_read_later(self, a, &k, from, to) < 0) {
        if (!self->err[0])
            snprintf(self->err, sizeof self->err, "out of memory reading the report's events");
        goto done;
    }
    kpi_event *events = arena_alloc(a, (k.n_ev ? k.n_ev : 1) * sizeof *events);
    kpi_decline *declines = arena_alloc(a, (k.n_dec ? k.n_dec : 1) * sizeof *declines);
    if (k.n_ev)
        memcpy(events, k.ev, k.n_ev * sizeof *events);
    if (k.n_dec)
        memcpy(declines, k.dec, k.n_dec * sizeof *declines);
    for (size_t i = 0; i < in_period; i++) {
        k.jobs[i].events = k.jobs[i].n_events ? &events[k.ev_at[i]] : NULL;
        k.jobs[i].declines = k.jobs[i].n_declines ? &declines[k.dec_at[i]] : NULL;
    }
    *out = arena_alloc(a, (k.n_jobs ? k.n_jobs : 1) * sizeof **out);
    if (k.n_jobs)
        memcpy(*out, k.jobs, k.n_jobs * sizeof **out);
    *n = k.n_jobs;
    rc = 0;
done:
    free(k.jobs);
    free(k.ev);
    free(k.dec);
    free(k.ev_at);
    free(k.dec_at);
    strmap_destroy(&k.names);
    return rc;
}
