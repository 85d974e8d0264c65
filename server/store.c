/*  store.c — SQLite behind the domain's words (see server/store.h).

    Durability: WAL with synchronous=FULL, so a COMMIT that returned has
    reached the disk; the server acknowledges a change only after it.
    Schema: versioned by PRAGMA user_version; s_migrations[i] takes the
    database from version i to i+1, inside one transaction.
    Statements: prepared once per connection, reset after each use. */
#include "store.h"
#include "jobrows.h"
#include "walvfs.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/strmap.h"

/* fsd/care.h (not included: its domain.h names a type `role`, a parameter here) */
char *care_followup_id_format(int64_t n, char *buf, size_t len);
#include "fsd/sla.h"
#include "fsd/window_text.h"

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
    /* 2 → 3: write fewer pages per commit. The de-dup key leads with the
       msg_id (time-ordered since wire_msg_id puts the time first), so new
       rows append instead of landing on random pages; open jobs are found
       by a partial index on their number, which a state change between
       open states rewrites in place at the right edge, instead of moving
       the entry between (state, territory) clusters. */
    "CREATE TABLE dedup3(msg_id TEXT NOT NULL, principal TEXT NOT NULL, at INTEGER NOT NULL,"
    "  reply BLOB NOT NULL, PRIMARY KEY(msg_id, principal)) WITHOUT ROWID;"
    "INSERT INTO dedup3(msg_id, principal, at, reply) SELECT msg_id, principal, at, reply FROM dedup;"
    "DROP TABLE dedup;"
    "ALTER TABLE dedup3 RENAME TO dedup;"
    "CREATE INDEX dedup_at ON dedup(at);"
    "DROP INDEX jobs_state;"
    "CREATE INDEX jobs_open ON jobs(number) WHERE state IN (1, 2, 3, 4, 5, 6, 7, 9);",
    /* 3 → 4 (i5-care): goodwill grants, fee waivers and follow-ups (complaints and low ratings) */
    "CREATE TABLE care_goodwill(job_id TEXT PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  reason TEXT NOT NULL);"
    "CREATE TABLE care_waivers(id INTEGER PRIMARY KEY, job_id TEXT NOT NULL,"
    "  technician_id TEXT NOT NULL, amount_cents INTEGER NOT NULL, currency TEXT NOT NULL,"
    "  reason TEXT NOT NULL, state INTEGER NOT NULL, requested_at INTEGER NOT NULL,"
    "  decided_at INTEGER NOT NULL DEFAULT 0, decided_by TEXT NOT NULL DEFAULT '',"
    "  decision_reason TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX care_waivers_job ON care_waivers(job_id);"
    "CREATE TABLE care_followups(id INTEGER PRIMARY KEY, job_id TEXT NOT NULL,"
    "  territory TEXT NOT NULL, kind INTEGER NOT NULL, cause TEXT NOT NULL,"
    "  opened_at INTEGER NOT NULL, opened_by TEXT NOT NULL, closed_at INTEGER NOT NULL DEFAULT 0,"
    "  closed_by TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT '',"
    "  visit_job_id TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX care_followups_job ON care_followups(job_id);"
    "CREATE INDEX care_followups_open ON care_followups(closed_at, territory);"
    "CREATE INDEX care_followups_visit ON care_followups(visit_job_id) WHERE visit_job_id != '';",
    /* 4 → 5 (i5-sla): the SLA decided at intake (policy, clock, start, fix-by, the
       at-risk instants), the flags raised (at risk / breached per deadline)
       and the urgency asked; SLA policies and working hours (replaced
       whole by each load) */
    "ALTER TABLE jobs ADD COLUMN fix_by INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN sla_policy TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE jobs ADD COLUMN sla_clock INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN sla_start INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN assign_risk_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN arrive_risk_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN fix_risk_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN sla_flags INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN urgency INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE sla_policies(id TEXT PRIMARY KEY, row BLOB NOT NULL);"
    "CREATE TABLE working_hours(territory TEXT PRIMARY KEY, row BLOB NOT NULL);",
    /* 5 → 6 (i5-windows): the appointment window a customer asked for, one row per
       job that has one (whether it is booked follows from the job's state) */
    "CREATE TABLE job_windows(job_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL,"
    "  window_end INTEGER NOT NULL, tz TEXT NOT NULL) WITHOUT ROWID;",
    /* 6 → 7 (i5-notify): the customer's language, message templates, and the
       durable outbox of customer notifications (status 0 pending, 1 sent,
       2 failed) */
    "ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE notify_templates(event TEXT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL,"
    "  PRIMARY KEY(event, language)) WITHOUT ROWID;"
    "CREATE TABLE notifications(id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, event TEXT NOT NULL,"
    "  phone TEXT NOT NULL, customer_name TEXT NOT NULL, language TEXT NOT NULL,"
    "  technician_id TEXT NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  status INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_at INTEGER NOT NULL, sent_at INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX notifications_due ON notifications(status, next_at);"
    "CREATE INDEX notifications_job ON notifications(job_id);",
    /* 7 → 8 (i5-kpi): the KPI report finds later requests for the same product
       (first-time fix) by serial without reading the jobs created since */
    "CREATE INDEX IF NOT EXISTS jobs_serial_created"
    " ON jobs(serial, created_at);",
    /* 8 → 9: open jobs listed in a table of their own, written when a job
       opens and when it closes; the partial index it replaces was
       rewritten by every state change (~7 of the UPDATE's ~12 µs) */
    "CREATE TABLE open_jobs(number INTEGER PRIMARY KEY);"
    "INSERT INTO open_jobs(number) SELECT number FROM jobs WHERE state IN (1, 2, 3, 4, 5, 6, 7, 9);"
    "DROP INDEX jobs_open;",
    /* 9 → 10: fewer pages per commit again. The de-dup rows move to a rowid
       table, appended in arrival order, with a unique index of the key
       alone: WITHOUT ROWID kept the whole row (reply included) in its
       interior cells, so the tree was five levels of ~10 cells and each
       insert split pages along its path (~25 of a commit's ~130 pages at
       4,000 requests/s). Pruning now takes the oldest rows by rowid, so the
       index on `at` goes. Sessions become WITHOUT ROWID and are updated in
       place: INSERT OR REPLACE gave every write a new rowid, dirtying the
       table's last page, the old row's page and the key index. */
    "CREATE TABLE dedup10(id INTEGER PRIMARY KEY, msg_id TEXT NOT NULL, principal TEXT NOT NULL,"
    "  at INTEGER NOT NULL, reply BLOB NOT NULL);"
    "INSERT INTO dedup10(msg_id, principal, at, reply)"
    "  SELECT msg_id, principal, at, reply FROM dedup ORDER BY at;"
    "DROP TABLE dedup;"
    "ALTER TABLE dedup10 RENAME TO dedup;"
    "CREATE UNIQUE INDEX dedup_key ON dedup(msg_id, principal);"
    "CREATE TABLE sessions10(technician_id TEXT PRIMARY KEY, out_seq INTEGER NOT NULL,"
    "  in_seq INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO sessions10 SELECT technician_id, out_seq, in_seq FROM sessions;"
    "DROP TABLE sessions;"
    "ALTER TABLE sessions10 RENAME TO sessions;",
    /* key lifecycle: when each key was registered, last used and revoked (and by
       whom: a revoked key keeps its row, so it stays refused and listed);
       key_events is the audit trail of revocations and sessions taken
       over, kept even when a name's row is later replaced */
    "ALTER TABLE principals ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE principals ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE principals ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE principals ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE key_events(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL,"
    "  name TEXT NOT NULL, public_key TEXT NOT NULL, actor TEXT NOT NULL);"
    "CREATE INDEX key_events_event ON key_events(event, at);",
    /* privacy: a principal's scope (provider, territories as ",a,b,"), who
       submitted each job (intake desks list and change only their own;
       jobs from before have none), and the access log of reads of
       customers' personal data */
    "ALTER TABLE principals ADD COLUMN scope_provider TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE principals ADD COLUMN scope_territories TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE jobs ADD COLUMN created_by TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX jobs_creator ON jobs(created_by, number) WHERE created_by != '';"
    "CREATE TABLE access_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, principal TEXT NOT NULL,"
    "  verb TEXT NOT NULL, job_id TEXT NOT NULL, phone TEXT NOT NULL, count INTEGER NOT NULL);",
    /* views of a job are ordered by a version that only grows (each
       change of the job's row adds one), so an agent can tell an old view
       from a new one; the database gets an identity, its generation
       (a random id made here and replaced by `fsdctl restore`), and a floor
       under job numbers (a restore sets it to the highest number the
       replaced database issued, so no job id is issued twice) */
    "ALTER TABLE jobs ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE IF NOT EXISTS store_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO store_meta(key, value) VALUES"
    " ('generation', (random() & 0x7fffffffffffffff) | 1), ('job_floor', 0);",
};
/* How long a write waits for another process's lock before "unavailable". */
#define BUSY_TIMEOUT_MS 5000
/* Job rows kept in memory: well above the open jobs of a busy day (each
   ~0.5 KB); past it the copies are dropped and read again as needed. */
#define JOB_ROWS_KEPT 200000
#define SCHEMA_VERSION ((int)(sizeof s_migrations / sizeof s_migrations[0]))

enum {
    Q_BEGIN, Q_BEGIN_READ, Q_COMMIT, Q_ROLLBACK,
    Q_PUT_TERRITORY, Q_PUT_PROVIDER, Q_PUT_TECHNICIAN, Q_PUT_PRODUCT, Q_PUT_CUSTOMER,
    Q_EACH_TERRITORY, Q_EACH_PROVIDER, Q_EACH_TECHNICIAN, Q_GET_PRODUCT, Q_GET_CUSTOMER,
    Q_GET_PRINCIPAL, Q_DEL_PRINCIPAL, Q_PUT_PRINCIPAL, Q_EACH_PRINCIPAL,
    Q_KEY_GET, Q_KEY_REVOKE, Q_KEY_EACH, Q_KEY_SEEN, Q_KEY_EVENT, Q_KEY_EVENTS,
    Q_LAST_JOB, Q_JOB_HAD_TECH, Q_JOB_INSERT, Q_JOB_STATE, Q_JOB_TERRITORY, Q_JOB_RATING, Q_EVENT, Q_DECLINE,
    Q_OPEN_JOBS, Q_OPEN_ADD, Q_OPEN_DROP, Q_DECLINES, Q_JOB_VIEW, Q_JOB_EVENTS, Q_MATCH_PUT, Q_MATCH_GET,
    Q_DEDUP_GET, Q_DEDUP_PUT, Q_SESSION_GET, Q_SESSION_PUT,
    Q_OUTBOX_PUT, Q_OUTBOX_ACK, Q_OUTBOX_EACH,
    Q_JOB_RISK, Q_DEDUP_PRUNE,
    /* i5-care */
    Q_CARE_GOODWILL_PUT, Q_CARE_GOODWILL_GET, Q_CARE_GOODWILL_OPEN, Q_CARE_WAIVER_PUT,
    Q_CARE_WAIVER_DECIDE, Q_CARE_WAIVERS, Q_CARE_FOLLOWUP_PUT, Q_CARE_FOLLOWUP_CLOSE,
    Q_CARE_FOLLOWUP_GET, Q_CARE_FOLLOWUPS_JOB, Q_CARE_FOLLOWUPS_LIST, Q_CARE_VISIT_OF,
    /* i5-sla */
    Q_JOB_SLA_FLAGS, Q_SLA_POLICY_CLEAR, Q_SLA_POLICY_PUT, Q_SLA_POLICY_EACH,
    Q_HOURS_CLEAR, Q_HOURS_PUT, Q_HOURS_EACH,
    /* i5-windows */
    Q_WINDOW_PUT, Q_WINDOW_GET, Q_WINDOW_OPEN,
    /* i5-notify */
    Q_NOTIFY_PUT, Q_NOTIFY_DUE, Q_NOTIFY_SENT, Q_NOTIFY_RETRY, Q_NOTIFY_LIST, Q_NOTIFY_LIST_STATUS,
    Q_NOTIFY_LIST_ALL, Q_NOTIFY_SUMMARY,
    Q_TEMPLATE_PUT, Q_TEMPLATE_CLEAR, Q_TEMPLATE_GET, Q_TEMPLATE_EACH,
    Q_CUSTOMER_LANG_SET, Q_CUSTOMER_LANG_GET,
    Q_KPI_JOBS_FIX, Q_KPI_JOBS, Q_KPI_LATER, Q_KPI_EVENTS, Q_KPI_DECLINES,
    /* privacy */
    Q_ACCESS_PUT, Q_JOB_CREATOR,
    Q_META_GET, Q_META_PUT,
    Q_COUNT_
};

/* A follow-up with its job's customer (i5-care). */
#define CARE_FOLLOWUP_COLUMNS \
    "f.id, f.job_id, f.territory, f.kind, f.cause, f.opened_at, f.opened_by, f.closed_at," \
    " f.closed_by, f.outcome, f.visit_job_id, COALESCE(j.customer_name, ''), COALESCE(j.phone, '')" \
    " FROM care_followups f LEFT JOIN jobs j ON j.id = f.job_id"

#define JOB_COLUMNS \
    "id, state, territory, phone, customer_name, tier, address, lat, lon, brand, category," \
    " serial, model, problem, warranty, priority, created_at, assign_by, arrive_by," \
    " technician_id, provider_id, offer_expires_at, rating, rating_comment, at_risk"
/* i5-sla: always right after JOB_COLUMNS (s_job_from_row reads them by position) */
#define JOB_SLA_COLUMNS \
    ", fix_by, sla_policy, sla_clock, sla_start, assign_risk_at, arrive_risk_at, fix_risk_at," \
    " sla_flags, urgency"

/* the view's order: always right after JOB_SLA_COLUMNS (column 34) */
#define JOB_VERSION_COLUMN ", version"

#define NOTIFY_COLUMNS \
    "id, job_id, event, phone, customer_name, language, technician_id, text, created_at," \
    " status, attempts, next_at, sent_at, last_error"
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
    [Q_PUT_PRINCIPAL] = "INSERT OR REPLACE INTO principals(public_key, name, role, technician_id, created_at)"
                        " VALUES(?1, ?2, ?3, ?4, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
    /* revoked keys stay in the table, out of the map the handshake reads */
    [Q_EACH_PRINCIPAL] = "SELECT public_key, name, role, technician_id FROM principals WHERE revoked_at = 0",
    [Q_KEY_GET] = "SELECT public_key, name, role, technician_id, created_at, last_seen, revoked_at,"
                  " revoked_by FROM principals WHERE name = ?1 OR public_key = ?1",
    [Q_KEY_REVOKE] = "UPDATE principals SET revoked_at = ?2, revoked_by = ?3 WHERE name = ?1 AND revoked_at = 0",
    [Q_KEY_EACH] = "SELECT public_key, name, role, technician_id, created_at, last_seen, revoked_at,"
                   " revoked_by FROM principals ORDER BY name",
    [Q_KEY_SEEN] = "UPDATE principals SET last_seen = ?2 WHERE public_key = ?1 AND last_seen < ?2",
    [Q_KEY_EVENT] = "INSERT INTO key_events(at, event, name, public_key, actor) VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_KEY_EVENTS] = "SELECT at, name FROM key_events WHERE event = ?1 AND at >= ?2 ORDER BY at DESC LIMIT ?3",
    [Q_JOB_HAD_TECH] = "SELECT 1 FROM job_events WHERE job_id = ?1 AND technician_id = ?2 LIMIT 1",
    /* never below the floor a restore left: numbers the replaced database
       issued are not issued again */
    [Q_LAST_JOB] = "SELECT MAX(COALESCE((SELECT MAX(number) FROM jobs), 0),"
                   " COALESCE((SELECT value FROM store_meta WHERE key = 'job_floor'), 0))",
    [Q_JOB_INSERT] = "INSERT INTO jobs(number, " JOB_COLUMNS JOB_SLA_COLUMNS ", updated_at, created_by)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                     " ?17, ?18, ?19, ?20, ?21, ?22, ?23, 0, '', 0, ?24, ?25, ?26, ?27, ?28, ?29,"
                     " ?30, ?31, ?32, ?18, ?33)",
    [Q_JOB_STATE] = "UPDATE jobs SET state = ?2, technician_id = ?3, provider_id = ?4,"
                    " offer_expires_at = ?5, updated_at = ?6, version = version + 1 WHERE id = ?1",
    [Q_JOB_TERRITORY] = "UPDATE jobs SET territory = ?2, version = version + 1 WHERE id = ?1",
    [Q_JOB_RATING] = "UPDATE jobs SET rating = ?2, rating_comment = ?3, version = version + 1 WHERE id = ?1",
    [Q_EVENT] = "INSERT INTO job_events(job_id, at, actor, from_state, to_state, technician_id,"
                " reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_DECLINE] = "INSERT OR REPLACE INTO declines(job_id, technician_id, reason, expired, at)"
                  " VALUES(?1, ?2, ?3, ?4, ?5)",
    /* open = every state but closed (8) and cancelled (10): the open_jobs
       table lists them, so the closed history is never read */
    [Q_OPEN_JOBS] = "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS JOB_VERSION_COLUMN
                    " FROM open_jobs o CROSS JOIN jobs j ON j.number = o.number ORDER BY o.number",
    [Q_OPEN_ADD] = "INSERT OR IGNORE INTO open_jobs(number) VALUES(?1)",
    [Q_OPEN_DROP] = "DELETE FROM open_jobs WHERE number = (SELECT number FROM jobs WHERE id = ?1)",
    /* open jobs' side rows: from open_jobs, so that the closed history
       is never scanned (CROSS JOIN keeps that order) */
    [Q_DECLINES] = "SELECT d.job_id, d.technician_id FROM open_jobs o CROSS JOIN jobs j ON j.number = o.number"
                   " CROSS JOIN declines d ON d.job_id = j.id",
    [Q_JOB_VIEW] = "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS JOB_VERSION_COLUMN " FROM jobs WHERE id = ?1",
    [Q_JOB_EVENTS] = "SELECT at, actor, from_state, to_state, technician_id, reason"
                     " FROM job_events WHERE job_id = ?1 ORDER BY id",
    [Q_MATCH_PUT] = "INSERT OR REPLACE INTO match_log(job_id, explanation) VALUES(?1, ?2)",
    [Q_MATCH_GET] = "SELECT explanation FROM match_log WHERE job_id = ?1",
    [Q_DEDUP_GET] = "SELECT reply FROM dedup WHERE msg_id = ?2 AND principal = ?1",
    [Q_DEDUP_PUT] = "INSERT OR REPLACE INTO dedup(principal, msg_id, at, reply) VALUES(?1, ?2, ?3, ?4)",
    [Q_SESSION_GET] = "SELECT out_seq, in_seq FROM sessions WHERE technician_id = ?1",
    [Q_SESSION_PUT] = "INSERT INTO sessions(technician_id, out_seq, in_seq) VALUES(?1, ?2, ?3)"
                      " ON CONFLICT(technician_id) DO UPDATE SET out_seq = ?2, in_seq = ?3",
    [Q_OUTBOX_PUT] = "INSERT OR REPLACE INTO outbox(technician_id, seq, envelope) VALUES(?1, ?2, ?3)",
    [Q_OUTBOX_ACK] = "DELETE FROM outbox WHERE technician_id = ?1 AND seq <= ?2",
    [Q_OUTBOX_EACH] = "SELECT seq, envelope FROM outbox WHERE technician_id = ?1 AND seq > ?2"
                      " ORDER BY seq LIMIT ?3",
    [Q_JOB_RISK] = "UPDATE jobs SET at_risk = ?2 WHERE id = ?1",
    /* rows are appended as they come, so the oldest are the first by id;
       looking no further than the first ?2 keeps each call bounded (a row
       stamped by a clock that ran ahead holds back those behind it until
       it is old too) */
    [Q_DEDUP_PRUNE] = "DELETE FROM dedup WHERE id IN"
                      " (SELECT id FROM dedup ORDER BY id LIMIT ?2) AND at < ?1",
    /* i5-care */
    [Q_CARE_GOODWILL_PUT] = "INSERT INTO care_goodwill(job_id, at, actor, reason) VALUES(?1, ?2, ?3, ?4)",
    [Q_CARE_GOODWILL_GET] = "SELECT at, actor, reason FROM care_goodwill WHERE job_id = ?1",
    [Q_CARE_GOODWILL_OPEN] = "SELECT g.job_id FROM open_jobs o CROSS JOIN jobs j ON j.number = o.number"
                             " CROSS JOIN care_goodwill g ON g.job_id = j.id",
    [Q_CARE_WAIVER_PUT] = "INSERT INTO care_waivers(job_id, technician_id, amount_cents, currency, reason,"
                          " state, requested_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_CARE_WAIVER_DECIDE] = "UPDATE care_waivers SET state = ?2, decided_at = ?3, decided_by = ?4,"
                             " decision_reason = ?5 WHERE job_id = ?1 AND state = 2",
    [Q_CARE_WAIVERS] = "SELECT amount_cents, currency, state, technician_id, reason, requested_at,"
                       " decided_at, decided_by, decision_reason FROM care_waivers WHERE job_id = ?1"
                       " ORDER BY id",
    [Q_CARE_FOLLOWUP_PUT] = "INSERT INTO care_followups(job_id, territory, kind, cause, opened_at, opened_by)"
                            " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_CARE_FOLLOWUP_CLOSE] = "UPDATE care_followups SET closed_at = ?2, closed_by = ?3, outcome = ?4,"
                              " visit_job_id = ?5 WHERE id = ?1 AND closed_at = 0",
    [Q_CARE_FOLLOWUP_GET] = "SELECT " CARE_FOLLOWUP_COLUMNS " WHERE f.id = ?1",
    [Q_CARE_FOLLOWUPS_JOB] = "SELECT " CARE_FOLLOWUP_COLUMNS " WHERE f.job_id = ?1 ORDER BY f.id",
    [Q_CARE_FOLLOWUPS_LIST] = "SELECT " CARE_FOLLOWUP_COLUMNS " WHERE (?1 = '' OR f.territory = ?1)"
                              " AND (?2 = 1 OR f.closed_at = 0) ORDER BY f.id LIMIT ?3",
    [Q_CARE_VISIT_OF] = "SELECT job_id FROM care_followups WHERE visit_job_id = ?1 LIMIT 1",
    [Q_JOB_SLA_FLAGS] = "UPDATE jobs SET sla_flags = ?2 WHERE id = ?1",
    [Q_SLA_POLICY_CLEAR] = "DELETE FROM sla_policies",
    [Q_SLA_POLICY_PUT] = "INSERT OR REPLACE INTO sla_policies(id, row) VALUES(?1, ?2)",
    [Q_SLA_POLICY_EACH] = "SELECT row FROM sla_policies ORDER BY id",
    [Q_HOURS_CLEAR] = "DELETE FROM working_hours",
    [Q_HOURS_PUT] = "INSERT OR REPLACE INTO working_hours(territory, row) VALUES(?1, ?2)",
    [Q_HOURS_EACH] = "SELECT row FROM working_hours ORDER BY territory",
    [Q_WINDOW_PUT] = "INSERT OR REPLACE INTO job_windows(job_id, window_start, window_end, tz)"
                     " VALUES(?1, ?2, ?3, ?4)",
    [Q_WINDOW_GET] = "SELECT window_start, window_end, tz FROM job_windows WHERE job_id = ?1",
    [Q_WINDOW_OPEN] = "SELECT w.job_id, w.window_start, w.window_end FROM open_jobs o CROSS JOIN jobs j"
                      " ON j.number = o.number CROSS JOIN job_windows w ON w.job_id = j.id",
    /* i5-notify */
    [Q_NOTIFY_PUT] = "INSERT INTO notifications(job_id, event, phone, customer_name, language,"
                     " technician_id, text, created_at, next_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    /* per job one at a time, in order: only the oldest pending of its job */
    [Q_NOTIFY_DUE] = "SELECT " NOTIFY_COLUMNS " FROM notifications n WHERE status = 0"
                     " AND NOT EXISTS (SELECT 1 FROM notifications o WHERE o.job_id = n.job_id"
                     " AND o.status = 0 AND o.id < n.id) ORDER BY next_at, id LIMIT ?1",
    [Q_NOTIFY_SENT] = "UPDATE notifications SET status = 1, attempts = ?2, sent_at = ?3, last_error = ''"
                      " WHERE id = ?1 AND status = 0",
    [Q_NOTIFY_RETRY] = "UPDATE notifications SET status = ?5, attempts = ?2, next_at = ?3, last_error = ?4"
                       " WHERE id = ?1 AND status = 0",
    /* one job's (by its index), one status's (by the due index), or all */
    [Q_NOTIFY_LIST] = "SELECT * FROM (SELECT " NOTIFY_COLUMNS " FROM notifications"
                      " WHERE job_id = ?1 AND (?2 < 0 OR status = ?2) ORDER BY id DESC LIMIT ?3) ORDER BY id",
    [Q_NOTIFY_LIST_STATUS] = "SELECT * FROM (SELECT " NOTIFY_COLUMNS " FROM notifications"
                             " WHERE status = ?2 ORDER BY id DESC LIMIT ?3) ORDER BY id",
    [Q_NOTIFY_LIST_ALL] = "SELECT * FROM (SELECT " NOTIFY_COLUMNS " FROM notifications"
                          " ORDER BY id DESC LIMIT ?3) ORDER BY id",
    [Q_NOTIFY_SUMMARY] = "SELECT status, COUNT(*), MIN(created_at) FROM notifications"
                         " WHERE status IN (0, 2) GROUP BY status",
    [Q_TEMPLATE_PUT] = "INSERT OR REPLACE INTO notify_templates(event, language, text) VALUES(?1, ?2, ?3)",
    [Q_TEMPLATE_CLEAR] = "DELETE FROM notify_templates",
    [Q_TEMPLATE_GET] = "SELECT text FROM notify_templates WHERE event = ?1 AND language = ?2",
    [Q_TEMPLATE_EACH] = "SELECT event, language, text FROM notify_templates ORDER BY event, language",
    [Q_CUSTOMER_LANG_SET] = "UPDATE customers SET language = ?2 WHERE phone = ?1",
    [Q_CUSTOMER_LANG_GET] = "SELECT language FROM customers WHERE phone = ?1",
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
    /* privacy */
    [Q_ACCESS_PUT] = "INSERT INTO access_log(at, principal, verb, job_id, phone, count)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_JOB_CREATOR] = "SELECT created_by, phone FROM jobs WHERE id = ?1",
    [Q_META_GET] = "SELECT value FROM store_meta WHERE key = ?1",
    [Q_META_PUT] = "INSERT INTO store_meta(key, value) VALUES(?1, ?2)"
                   " ON CONFLICT(key) DO UPDATE SET value = ?2",
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT_];
    /* jobs with rows in side tables (flags SIDE_*): only their views pay
       the extra reads (a view is built for nearly every message) */
    strmap *side_jobs;
    /* the rows of open jobs as last written or read (jobrows.h), and
       the one closed job's row read last */
    jobrows *rows, *scratch;
    /* notification wording, read for every message sent to a customer:
       templates kept in memory once read (NULL: read them again), and
       whether any customer has a language (-1: not known yet) */
    strmap *templates;
    int languages_used;
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

/* Open: every state but closed (8) and cancelled (10), as in Q_OPEN_JOBS. */
static bool s_job_open(int state)
{
    return state >= 1 && state <= 10 && state != 8 && state != 10;
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

enum { SIDE_CARE = 1, SIDE_WINDOW = 2 };

static void s_free_value(const char *key, void *value, void *arg)
{
    free(value);
}

static void s_templates_forget(store *self)
{
    if (self->templates)
        strmap_each(self->templates, s_free_value, NULL);
    strmap_destroy(&self->templates);
}

/* Marks a job as having rows in a side table (idempotent). */
static int s_side_mark(store *self, const char *job_id, uintptr_t flag)
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

static int s_care_mark(store *self, const char *job_id)
{
    return s_side_mark(self, job_id, SIDE_CARE);
}

static bool s_has_side(store *self, const char *job_id, uintptr_t flag)
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
                           -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (s_care_mark(self, (const char *)sqlite3_column_text(st, 0)) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return s_fail(self);
    if (sqlite3_prepare_v2(self->db, "SELECT job_id FROM job_windows", -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (s_side_mark(self, (const char *)sqlite3_column_text(st, 0), SIDE_WINDOW) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

store *store_open(const char *path, char *err, size_t errlen)
{
    store *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->languages_used = -1;
    if (!(self->rows = jobrows_new(JOB_ROWS_KEPT)) || !(self->scratch = jobrows_new(1)))
        goto fail;
    /* one thread per connection: no SQLite mutex around every call; the
       WAL's frames written in one piece per commit (walvfs.h) */
    if (walvfs_register() != SQLITE_OK ||
        sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        WALVFS_NAME) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(self->db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(self->db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                     " PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;"
                     " PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (s_migrate(self) < 0 || s_side_jobs_load(self) < 0) {
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
    strmap_destroy(&self->side_jobs);
    s_templates_forget(self);
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
    /* what was kept in memory may have been rolled back with the rest */
    s_templates_forget(self);
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

int store_put_principal(store *self, const char *pub, const char *name, int role_code,
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
    sqlite3_bind_int(st, 3, role_code);
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

/* Copies column i into a fixed buffer. */
static void s_col_into(sqlite3_stmt *st, int i, char *buf, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(buf, size, "%s", t ? (const char *)t : "");
}

/* Reads a principals row of Q_KEY_GET / Q_KEY_EACH. */
static void s_key_row(sqlite3_stmt *st, store_key *k)
{
    s_col_into(st, 0, k->pub, sizeof k->pub);
    s_col_into(st, 1, k->name, sizeof k->name);
    k->role = sqlite3_column_int(st, 2);
    s_col_into(st, 3, k->technician_id, sizeof k->technician_id);
    k->created_at = sqlite3_column_int64(st, 4);
    k->last_seen = sqlite3_column_int64(st, 5);
    k->revoked_at = sqlite3_column_int64(st, 6);
    s_col_into(st, 7, k->revoked_by, sizeof k->revoked_by);
}

int store_key_get(store *self, const char *name_or_pub, store_key *out)
{
    sqlite3_stmt *st = s_stmt(self, Q_KEY_GET);
    if (!st)
        return -1;
    s_text(st, 1, name_or_pub);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        s_key_row(st, out);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

int store_key_revoke(store *self, const char *name, int64_t at, const char *by)
{
    sqlite3_stmt *st = s_stmt(self, Q_KEY_REVOKE);
    if (!st)
        return -1;
    s_text(st, 1, name);
    sqlite3_bind_int64(st, 2, at);
    s_text(st, 3, by);
    return s_done(self, st);
}

int store_each_key(store *self, void (*fn)(void *, const store_key *), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_KEY_EACH);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_key k;
        s_key_row(st, &k);
        fn(arg, &k);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_key_seen(store *self, const char *pub, int64_t at)
{
    sqlite3_stmt *st = s_stmt(self, Q_KEY_SEEN);
    if (!st)
        return -1;
    s_text(st, 1, pub);
    sqlite3_bind_int64(st, 2, at);
    return s_done(self, st);
}

int store_key_event(store *self, int64_t at, const char *event, const char *name, const char *pub,
                    const char *actor)
{
    sqlite3_stmt *st = s_stmt(self, Q_KEY_EVENT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, at);
    s_text(st, 2, event);
    s_text(st, 3, name);
    s_text(st, 4, pub);
    s_text(st, 5, actor);
    return s_done(self, st);
}

int store_each_key_event(store *self, const char *event, int64_t since, int limit,
                         void (*fn)(void *, int64_t at, const char *name), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_KEY_EVENTS);
    if (!st)
        return -1;
    s_text(st, 1, event);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int(st, 3, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* -------------------------------------------------- database identity */

/* The value of a store_meta key (0 when absent). */
static int s_meta_get(store *self, const char *key, int64_t *out)
{
    sqlite3_stmt *st = s_stmt(self, Q_META_GET);
    if (!st)
        return -1;
    s_text(st, 1, key);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : s_fail(self);
}

static int s_meta_put(store *self, const char *key, int64_t value)
{
    sqlite3_stmt *st = s_stmt(self, Q_META_PUT);
    if (!st)
        return -1;
    s_text(st, 1, key);
    sqlite3_bind_int64(st, 2, value);
    return s_done(self, st);
}

/* A write that must reach the disk to commit: a probe of storage after a
   failure (an empty transaction commits on a full disk too, and would
   end the failure mode only for the next real write to fail again). */
int store_probe_write(store *self, int64_t now)
{
    return s_meta_put(self, "probe_at", now);
}

int store_generation(store *self, uint64_t *out)
{
    int64_t v;
    if (s_meta_get(self, "generation", &v) < 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int store_restore_stamp(store *self, uint64_t generation, long job_floor)
{
    int64_t floor_now;
    if (store_begin(self) < 0)
        return -1;
    if (s_meta_get(self, "job_floor", &floor_now) < 0
        || s_meta_put(self, "generation", (int64_t)(generation & 0x7fffffffffffffffULL)) < 0
        || (job_floor > floor_now && s_meta_put(self, "job_floor", job_floor) < 0)
        || store_commit(self) < 0) {
        store_rollback(self);
        return -1;
    }
    return 0;
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
    sqlite3_bind_int64(st, 24, j->fix_by);
    s_text(st, 25, j->sla_policy);
    sqlite3_bind_int(st, 26, j->sla_clock);
    sqlite3_bind_int64(st, 27, j->sla_start);
    for (int d = 0; d < 3; d++)
        sqlite3_bind_int64(st, 28 + d, j->risk_at[d]);
    sqlite3_bind_int64(st, 31, j->sla_flags);
    sqlite3_bind_int(st, 32, j->urgency);
    s_text(st, 33, j->created_by);
    if (s_done(self, st) < 0)
        return -1;
    if (!s_job_open(j->state))
        return 0;
    if (!(st = s_stmt(self, Q_OPEN_ADD)))
        return -1;
    sqlite3_bind_int64(st, 1, number);
    if (s_done(self, st) < 0)
        return -1;
    /* no copy is kept of a new job: the server's memory holds open jobs
       and builds their views; a copy is made when one is read back */
    return 0;
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
    if (s_done(self, st) < 0)
        return -1;
    if (!s_job_open(state)) {
        /* closed and cancelled are final: the job leaves the open list */
        jobrows_forget(self->rows, id);
        if (!(st = s_stmt(self, Q_OPEN_DROP)))
            return -1;
        s_text(st, 1, id);
        return s_done(self, st);
    }
    (void)jobrows_set_state(self->rows, id, state, technician_id, provider_id, offer_expires_at);
    return 0;
}

int store_job_set_territory(store *self, const char *id, const char *territory)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_TERRITORY);
    if (!st)
        return -1;
    s_text(st, 1, id);
    s_text(st, 2, territory);
    if (s_done(self, st) < 0)
        return -1;
    (void)jobrows_set_territory(self->rows, id, territory);
    return 0;
}

int store_job_set_rating(store *self, const char *id, int stars, const char *comment)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_RATING);
    if (!st)
        return -1;
    s_text(st, 1, id);
    sqlite3_bind_int(st, 2, stars);
    s_text(st, 3, comment);
    if (s_done(self, st) < 0)
        return -1;
    (void)jobrows_set_rating(self->rows, id, stars, comment);
    return 0;
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

/* Fills a store_job from a row of JOB_COLUMNS JOB_SLA_COLUMNS (strings
   point into the statement). */
static void s_job_from_row(sqlite3_stmt *st, store_job *j)
{
#define T(i) ((const char *)sqlite3_column_text(st, i))
    j->created_by = NULL;
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
    j->fix_by = sqlite3_column_int64(st, 25);
    j->sla_policy = T(26);
    j->sla_clock = sqlite3_column_int(st, 27);
    j->sla_start = sqlite3_column_int64(st, 28);
    for (int d = 0; d < 3; d++)
        j->risk_at[d] = sqlite3_column_int64(st, 29 + d);
    j->sla_flags = (unsigned)sqlite3_column_int64(st, 32);
    j->urgency = sqlite3_column_int(st, 33);
    j->version = (uint64_t)sqlite3_column_int64(st, 34);
#undef T
}

/* The whole row, as the row cache keeps it (strings point into the statement). */
static void s_jobrow_from_row(sqlite3_stmt *st, jobrow *r)
{
    s_job_from_row(st, &r->job);
    r->rating = sqlite3_column_int(st, 22);
    r->rating_comment = (const char *)sqlite3_column_text(st, 23);
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

/* i5-sla: the SLA part of a view: what was decided at intake, the
   deadlines missed, the one the job's state is measured against now. */
static void s_view_sla(arena *a, const store_job *j, Fsd__JobView *v)
{
    job_state state = (job_state)v->state;
    int64_t due[SLA_N] = { v->assign_by, v->arrive_by, j->fix_by };
    v->fix_by = j->fix_by;
    v->sla_policy = arena_strdup(a, j->sla_policy ? j->sla_policy : "");
    v->sla_clock = (char *)(v->sla_policy[0] ? sla_clock_name((sla_clock)j->sla_clock) : "");
    v->urgency = j->urgency;
    v->breached = arena_alloc(a, SLA_N * sizeof *v->breached);
    for (int d = 0; d < SLA_N; d++) {
        bool owed = sla_owed((sla_deadline)d, state) && due[d] > 0;
        if (j->sla_flags & SLA_BREACH(d)) {
            v->breached[v->n_breached++] = (char *)sla_deadline_name((sla_deadline)d);
            v->overdue = v->overdue || owed;
        }
        if (owed && !v->sla_next[0]) {
            v->sla_next = (char *)sla_deadline_name((sla_deadline)d);
            v->sla_next_at = due[d];
        }
    }
    v->at_risk = v->at_risk || sla_flags_current(j->sla_flags, state);
}

/* A JobView in the arena from a job's row (strings copied). */
static Fsd__JobView *s_view_from_job(arena *a, const jobrow *r)
{
    const store_job *j = &r->job;
    Fsd__JobView *v = arena_alloc(a, sizeof *v);
    fsd__job_view__init(v);
#define S(x) arena_strdup(a, (x) ? (x) : "")
    v->job_id = S(j->id);
    v->state = j->state;
    v->territory = S(j->territory);
    v->phone = S(j->phone);
    v->customer_name = S(j->customer_name);
    v->tier = S(j->tier);
    v->address = S(j->address);
    v->lat = j->lat;
    v->lon = j->lon;
    v->brand = S(j->brand);
    v->category = S(j->category);
    v->serial = S(j->serial);
    v->model = S(j->model);
    v->problem = S(j->problem);
    v->warranty = j->warranty;
    v->priority = j->priority;
    v->created_at = j->created_at;
    v->assign_by = j->assign_by;
    v->arrive_by = j->arrive_by;
    v->technician_id = S(j->technician_id);
    v->provider_id = S(j->provider_id);
    v->offer_expires_at = j->offer_expires_at;
    v->rating = (uint32_t)r->rating;
    v->rating_comment = S(r->rating_comment);
#undef S
    v->at_risk = job_risk_current(j->at_risk, v->state);
    v->version = j->version;
    s_view_sla(a, j, v);
    return v;
}

/* A JobView in the arena from the current row of a JOB_COLUMNS JOB_SLA_COLUMNS query. */
static Fsd__JobView *s_view_from_row(arena *a, sqlite3_stmt *st)
{
    jobrow r;
    s_jobrow_from_row(st, &r);
    return s_view_from_job(a, &r);
}

static int s_window_view(store *self, arena *a, Fsd__JobView *v);

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

static int s_care_view(store *self, arena *a, Fsd__JobView *v);

/* Job id's row: the copy in memory, or read (and kept while the job is
   open). NULL with err empty when there is no such job, with err set when
   reading failed. */
static const jobrow *s_job_row(store *self, const char *id)
{
    self->err[0] = '\0';
    const jobrow *kept = jobrows_get(self->rows, id);
    if (kept)
        return kept;
    sqlite3_stmt *st = s_stmt(self, Q_JOB_VIEW);
    if (!st)
        return NULL;
    s_text(st, 1, id);
    int rc = sqlite3_step(st);
    const jobrow *row = NULL;
    if (rc == SQLITE_ROW) {
        jobrow r;
        s_jobrow_from_row(st, &r);
        /* closed or cancelled jobs are read rarely: not kept, but one
           copy is needed anyway to outlive the statement */
        jobrows *into = s_job_open(r.job.state) ? self->rows : self->scratch;
        if (jobrows_put(into, &r.job, r.rating, r.rating_comment) == 0)
            row = jobrows_get(into, id);
        else
            snprintf(self->err, sizeof self->err, "out of memory");
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        s_fail(self);
    return row;
}

int store_job_view(store *self, arena *a, const char *id, bool history, Fsd__JobView **out)
{
    const jobrow *row = s_job_row(self, id);
    if (!row && self->err[0])
        return -1;
    *out = row ? s_view_from_job(a, row) : NULL;
    if (*out && history && s_history(self, a, *out) < 0)
        return -1;
    if (*out && s_has_side(self, id, SIDE_CARE) && s_care_view(self, a, *out) < 0)
        return -1;
    if (*out && s_has_side(self, id, SIDE_WINDOW) && s_window_view(self, a, *out) < 0)
        return -1;
    return *out != NULL;
}

int store_job_view_sides(store *self, arena *a, Fsd__JobView *v)
{
    if (s_has_side(self, v->job_id, SIDE_CARE) && s_care_view(self, a, v) < 0)
        return -1;
    if (s_has_side(self, v->job_id, SIDE_WINDOW) && s_window_view(self, a, v) < 0)
        return -1;
    return 0;
}

int store_job_list(store *self, arena *a, const char *territory, int state,
                   const char *technician_id, const char *phone, unsigned limit,
                   Fsd__JobView ***out, size_t *n)
{
    /* A filter query built from fixed fragments; every value is bound. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS JOB_VERSION_COLUMN " FROM jobs WHERE (?1 = '' OR territory = ?1)"
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
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return s_fail(self);
    for (size_t i = 0; i < *n; i++)
        if (s_has_side(self, (*out)[i]->job_id, SIDE_WINDOW) && s_window_view(self, a, (*out)[i]) < 0)
            return -1;
    return 0;
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

/* i5-sla */
int store_job_set_sla_flags(store *self, const char *id, unsigned flags)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_SLA_FLAGS);
    if (!st)
        return -1;
    s_text(st, 1, id);
    sqlite3_bind_int64(st, 2, flags);
    if (s_done(self, st) < 0)
        return -1;
    jobrow *kept = jobrows_get(self->rows, id);
    if (kept)
        kept->job.sla_flags = flags;
    return 0;
}

/* Runs a statement without parameters or rows (the clears). */
static int s_exec(store *self, int q)
{
    sqlite3_stmt *st = s_stmt(self, q);
    return st ? s_done(self, st) : -1;
}

int store_sla_policies_clear(store *self)
{
    return s_exec(self, Q_SLA_POLICY_CLEAR);
}

int store_put_sla_policy(store *self, const Fsd__SlaPolicyRow *row)
{
    return s_put_row(self, Q_SLA_POLICY_PUT, row->id, &row->base);
}

int store_each_sla_policy(store *self, void (*fn)(void *, Fsd__SlaPolicyRow *), void *arg)
{
    return s_each_row(self, Q_SLA_POLICY_EACH, &fsd__sla_policy_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_working_hours_clear(store *self)
{
    return s_exec(self, Q_HOURS_CLEAR);
}

int store_put_working_hours(store *self, const Fsd__WorkingHoursRow *row)
{
    return s_put_row(self, Q_HOURS_PUT, row->territory, &row->base);
}

int store_each_working_hours(store *self, void (*fn)(void *, Fsd__WorkingHoursRow *), void *arg)
{
    return s_each_row(self, Q_HOURS_EACH, &fsd__working_hours_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_job_set_risk(store *self, const char *id, int at_risk)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_RISK);
    if (!st)
        return -1;
    s_text(st, 1, id);
    sqlite3_bind_int(st, 2, at_risk);
    if (s_done(self, st) < 0)
        return -1;
    jobrow *kept = jobrows_get(self->rows, id);
    if (kept)
        kept->job.at_risk = at_risk;
    return 0;
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

/* ------------------------------------------------ customer care (i5-care) */

int store_care_goodwill_put(store *self, const char *job_id, int64_t at, const char *actor,
                            const char *reason)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_GOODWILL_PUT);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    sqlite3_bind_int64(st, 2, at);
    s_text(st, 3, actor);
    s_text(st, 4, reason);
    return s_done(self, st) < 0 ? -1 : s_care_mark(self, job_id);
}

int store_care_goodwill_get(store *self, arena *a, const char *job_id, Fsd__GoodwillGrant **out)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_GOODWILL_GET);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW) {
        Fsd__GoodwillGrant *g = arena_alloc(a, sizeof *g);
        fsd__goodwill_grant__init(g);
        g->at = sqlite3_column_int64(st, 0);
        g->by = s_col(a, st, 1);
        g->reason = s_col(a, st, 2);
        *out = g;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

int store_care_each_open_goodwill(store *self, void (*fn)(void *, const char *job_id), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_GOODWILL_OPEN);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_care_waiver_put(store *self, const char *job_id, const char *technician_id, int64_t cents,
                          const char *currency, const char *reason, int state, int64_t at)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_WAIVER_PUT);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    s_text(st, 2, technician_id);
    sqlite3_bind_int64(st, 3, cents);
    s_text(st, 4, currency);
    s_text(st, 5, reason);
    sqlite3_bind_int(st, 6, state);
    sqlite3_bind_int64(st, 7, at);
    return s_done(self, st) < 0 ? -1 : s_care_mark(self, job_id);
}

int store_care_waiver_decide(store *self, const char *job_id, int state, int64_t at, const char *by,
                             const char *reason)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_WAIVER_DECIDE);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    sqlite3_bind_int(st, 2, state);
    sqlite3_bind_int64(st, 3, at);
    s_text(st, 4, by);
    s_text(st, 5, reason);
    if (s_done(self, st) < 0)
        return -1;
    return sqlite3_changes(self->db) > 0;
}

int store_care_waivers(store *self, arena *a, const char *job_id, Fsd__FeeWaiver ***out, size_t *n)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_WAIVERS);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    size_t cap = 4;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            Fsd__FeeWaiver **bigger = arena_alloc(a, 2 * cap * sizeof **out);
            memcpy(bigger, *out, *n * sizeof **out);
            *out = bigger;
            cap *= 2;
        }
        Fsd__FeeWaiver *w = arena_alloc(a, sizeof *w);
        fsd__fee_waiver__init(w);
        w->amount_cents = sqlite3_column_int64(st, 0);
        w->currency = s_col(a, st, 1);
        w->state = sqlite3_column_int(st, 2);
        w->technician_id = s_col(a, st, 3);
        w->reason = s_col(a, st, 4);
        w->requested_at = sqlite3_column_int64(st, 5);
        w->decided_at = sqlite3_column_int64(st, 6);
        w->decided_by = s_col(a, st, 7);
        w->decision_reason = s_col(a, st, 8);
        (*out)[(*n)++] = w;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_care_followup_open(store *self, const char *job_id, const char *territory, int kind,
                             const char *cause, int64_t at, const char *by, int64_t *id)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_FOLLOWUP_PUT);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    s_text(st, 2, territory);
    sqlite3_bind_int(st, 3, kind);
    s_text(st, 4, cause);
    sqlite3_bind_int64(st, 5, at);
    s_text(st, 6, by);
    if (s_done(self, st) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(self->db);
    return s_care_mark(self, job_id);
}

int store_care_followup_close(store *self, int64_t id, int64_t at, const char *by, const char *outcome,
                              const char *visit_job_id)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_FOLLOWUP_CLOSE);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    s_text(st, 3, by);
    s_text(st, 4, outcome);
    s_text(st, 5, visit_job_id);
    if (s_done(self, st) < 0)
        return -1;
    int changed = sqlite3_changes(self->db) > 0;
    return changed && s_care_mark(self, visit_job_id) < 0 ? -1 : changed;
}

/* A FollowUp in the arena from the current row of a CARE_FOLLOWUP_COLUMNS query. */
static Fsd__FollowUp *s_followup_from_row(arena *a, sqlite3_stmt *st)
{
    Fsd__FollowUp *f = arena_alloc(a, sizeof *f);
    fsd__follow_up__init(f);
    char id[24];
    care_followup_id_format(sqlite3_column_int64(st, 0), id, sizeof id);
    f->id = arena_strdup(a, id);
    f->job_id = s_col(a, st, 1);
    f->territory = s_col(a, st, 2);
    f->kind = sqlite3_column_int(st, 3);
    f->cause = s_col(a, st, 4);
    f->opened_at = sqlite3_column_int64(st, 5);
    f->opened_by = s_col(a, st, 6);
    f->closed_at = sqlite3_column_int64(st, 7);
    f->closed_by = s_col(a, st, 8);
    f->outcome = s_col(a, st, 9);
    f->visit_job_id = s_col(a, st, 10);
    f->customer_name = s_col(a, st, 11);
    f->phone = s_col(a, st, 12);
    return f;
}

/* Every row of a follow-up query into an arena array. */
static int s_followups(store *self, arena *a, sqlite3_stmt *st, unsigned limit, Fsd__FollowUp ***out,
                       size_t *n)
{
    size_t cap = 4;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && (!limit || *n < limit)) {
        if (*n == cap) {
            Fsd__FollowUp **bigger = arena_alloc(a, 2 * cap * sizeof **out);
            memcpy(bigger, *out, *n * sizeof **out);
            *out = bigger;
            cap *= 2;
        }
        (*out)[(*n)++] = s_followup_from_row(a, st);
    }
    sqlite3_reset(st);
    return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : s_fail(self);
}

int store_care_followup_get(store *self, arena *a, int64_t id, Fsd__FollowUp **out)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_FOLLOWUP_GET);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    Fsd__FollowUp **list;
    size_t n;
    if (s_followups(self, a, st, 1, &list, &n) < 0)
        return -1;
    *out = n ? list[0] : NULL;
    return n > 0;
}

int store_care_followups_of_job(store *self, arena *a, const char *job_id, Fsd__FollowUp ***out,
                                size_t *n)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_FOLLOWUPS_JOB);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    return s_followups(self, a, st, 0, out, n);
}

int store_care_followup_list(store *self, arena *a, const char *territory, bool all, unsigned limit,
                             Fsd__FollowUp ***out, size_t *n)
{
    sqlite3_stmt *st = s_stmt(self, Q_CARE_FOLLOWUPS_LIST);
    if (!st)
        return -1;
    s_text(st, 1, territory);
    sqlite3_bind_int(st, 2, all);
    sqlite3_bind_int(st, 3, (int)limit);
    return s_followups(self, a, st, limit, out, n);
}

/* Adds goodwill, waivers, follow-ups and the return-visit link to a view. */
static int s_care_view(store *self, arena *a, Fsd__JobView *v)
{
    if (store_care_goodwill_get(self, a, v->job_id, &v->goodwill) < 0
        || store_care_waivers(self, a, v->job_id, &v->waivers, &v->n_waivers) < 0
        || store_care_followups_of_job(self, a, v->job_id, &v->follow_ups, &v->n_follow_ups) < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(self, Q_CARE_VISIT_OF);
    if (!st)
        return -1;
    s_text(st, 1, v->job_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v->return_visit_of = s_col(a, st, 0);
    sqlite3_reset(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : s_fail(self);
}

/* ------------------------------------------------ appointment windows */

int store_window_put(store *self, const char *job_id, int64_t start, int64_t end, const char *tz)
{
    sqlite3_stmt *st = s_stmt(self, Q_WINDOW_PUT);
    if (!st)
        return -1;
    s_text(st, 1, job_id);
    sqlite3_bind_int64(st, 2, start);
    sqlite3_bind_int64(st, 3, end);
    s_text(st, 4, tz);
    return s_done(self, st) < 0 ? -1 : s_side_mark(self, job_id, SIDE_WINDOW);
}

int store_each_open_window(store *self, void (*fn)(void *, const char *job_id, int64_t start, int64_t end),
                           void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_WINDOW_OPEN);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* Fills a view's window fields when the job has a window: the asked
   window in UTC and in the place's local time, booked while a technician
   has accepted it (assigned, en route, on site, on hold, completed, closed). */
static int s_window_view(store *self, arena *a, Fsd__JobView *v)
{
    sqlite3_stmt *st = s_stmt(self, Q_WINDOW_GET);
    if (!st)
        return -1;
    s_text(st, 1, v->job_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        char local[96], utc[96];
        v->window_start = sqlite3_column_int64(st, 0);
        v->window_end = sqlite3_column_int64(st, 1);
        v->window_tz = s_col(a, st, 2);
        v->window_local = arena_strdup(a, window_text(v->window_start, v->window_end, v->window_tz,
                                                      local, sizeof local));
        v->window_utc = arena_strdup(a, window_text(v->window_start, v->window_end, "UTC", utc, sizeof utc));
        v->window_booked = v->state >= 3 && v->state <= 8;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* ------------------------------------------ notifications (i5-notify) */

/* Fills a store_notification from a row of NOTIFY_COLUMNS (strings point
   into the statement). */
static void s_notification_from_row(sqlite3_stmt *st, store_notification *n)
{
#define T(i) ((const char *)sqlite3_column_text(st, i))
    n->id = sqlite3_column_int64(st, 0);
    n->job_id = T(1);
    n->event = T(2);
    n->phone = T(3);
    n->customer_name = T(4);
    n->language = T(5);
    n->technician_id = T(6);
    n->text = T(7);
    n->created_at = sqlite3_column_int64(st, 8);
    n->status = sqlite3_column_int(st, 9);
    n->attempts = sqlite3_column_int(st, 10);
    n->next_at = sqlite3_column_int64(st, 11);
    n->sent_at = sqlite3_column_int64(st, 12);
    n->last_error = T(13);
#undef T
}

int store_notification_put(store *self, const store_notification *n, int64_t *id)
{
    sqlite3_stmt *st = s_stmt(self, Q_NOTIFY_PUT);
    if (!st)
        return -1;
    s_text(st, 1, n->job_id);
    s_text(st, 2, n->event);
    s_text(st, 3, n->phone);
    s_text(st, 4, n->customer_name);
    s_text(st, 5, n->language);
    s_text(st, 6, n->technician_id);
    s_text(st, 7, n->text);
    sqlite3_bind_int64(st, 8, n->created_at);
    if (s_done(self, st) < 0)
        return -1;
    if (id)
        *id = sqlite3_last_insert_rowid(self->db);
    return 0;
}

/* Steps st, calling fn for each notification row. */
static int s_each_notification(store *self, sqlite3_stmt *st,
                               void (*fn)(void *, const store_notification *), void *arg)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_notification n;
        s_notification_from_row(st, &n);
        fn(arg, &n);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_notification_each_pending(store *self, unsigned max,
                                    void (*fn)(void *, const store_notification *), void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_NOTIFY_DUE);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, (int)max);
    return s_each_notification(self, st, fn, arg);
}

int store_notification_sent(store *self, int64_t id, int attempts, int64_t at)
{
    sqlite3_stmt *st = s_stmt(self, Q_NOTIFY_SENT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_int64(st, 3, at);
    return s_done(self, st);
}

int store_notification_retry(store *self, int64_t id, int attempts, int64_t next_at, bool failed,
                             const char *error)
{
    sqlite3_stmt *st = s_stmt(self, Q_NOTIFY_RETRY);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_int64(st, 3, next_at);
    s_text(st, 4, error);
    sqlite3_bind_int(st, 5, failed ? 2 : 0);
    return s_done(self, st);
}

int store_notification_list(store *self, const char *job_id, int status, unsigned limit,
                            void (*fn)(void *, const store_notification *), void *arg)
{
    int q = job_id && job_id[0] ? Q_NOTIFY_LIST : status >= 0 ? Q_NOTIFY_LIST_STATUS : Q_NOTIFY_LIST_ALL;
    sqlite3_stmt *st = s_stmt(self, q);
    if (!st)
        return -1;
    if (q == Q_NOTIFY_LIST)
        s_text(st, 1, job_id);
    sqlite3_bind_int(st, 2, status);
    sqlite3_bind_int(st, 3, (int)limit);
    return s_each_notification(self, st, fn, arg);
}

int store_notification_summary(store *self, uint64_t *pending, uint64_t *failed, int64_t *oldest_pending)
{
    sqlite3_stmt *st = s_stmt(self, Q_NOTIFY_SUMMARY);
    if (!st)
        return -1;
    *pending = *failed = 0;
    *oldest_pending = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 0) == 0) {
            *pending = (uint64_t)sqlite3_column_int64(st, 1);
            *oldest_pending = sqlite3_column_int64(st, 2);
        } else {
            *failed = (uint64_t)sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_template_put(store *self, const char *event, const char *language, const char *text)
{
    sqlite3_stmt *st = s_stmt(self, Q_TEMPLATE_PUT);
    if (!st)
        return -1;
    s_text(st, 1, event);
    s_text(st, 2, language);
    s_text(st, 3, text);
    s_templates_forget(self);
    return s_done(self, st);
}

int store_template_clear(store *self)
{
    sqlite3_stmt *st = s_stmt(self, Q_TEMPLATE_CLEAR);
    s_templates_forget(self);
    return st ? s_done(self, st) : -1;
}

/* Copies column 0 of the single-row query st into out; 1 found, 0 not, -1. */
static int s_text_get(store *self, sqlite3_stmt *st, char *out, size_t outlen)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, outlen, "%s", t ? (const char *)t : "");
    } else if (outlen) {
        out[0] = 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

/* "event\x1flanguage": the key of a template in memory. */
static void s_template_key(const char *event, const char *language, char *key, size_t len)
{
    snprintf(key, len, "%s\x1f%s", event, language);
}

/* Reads every template into memory (a few dozen rows). */
static int s_templates_read(store *self)
{
    self->templates = strmap_new();
    sqlite3_stmt *st = self->templates ? s_stmt(self, Q_TEMPLATE_EACH) : NULL;
    if (!st) {
        s_templates_forget(self);
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char key[128];
        s_template_key((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                       key, sizeof key);
        char *text = strdup((const char *)sqlite3_column_text(st, 2));
        if (!text || strmap_put(self->templates, key, text) < 0) {
            free(text);
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        s_templates_forget(self);
        return s_fail(self);
    }
    return 0;
}

int store_template_get(store *self, const char *event, const char *language, char *out, size_t outlen)
{
    if (!self->templates && s_templates_read(self) < 0)
        return -1;
    char key[128];
    s_template_key(event, language, key, sizeof key);
    const char *text = strmap_get(self->templates, key);
    if (outlen)
        snprintf(out, outlen, "%s", text ? text : "");
    return text != NULL;
}

int store_template_each(store *self, void (*fn)(void *, const char *event, const char *language,
                                                const char *text),
                        void *arg)
{
    sqlite3_stmt *st = s_stmt(self, Q_TEMPLATE_EACH);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_customer_set_language(store *self, const char *phone, const char *language)
{
    sqlite3_stmt *st = s_stmt(self, Q_CUSTOMER_LANG_SET);
    if (!st)
        return -1;
    s_text(st, 1, phone);
    s_text(st, 2, language);
    if (language && language[0])
        self->languages_used = 1;
    return s_done(self, st);
}

int store_customer_language(store *self, const char *phone, char *out, size_t outlen)
{
    if (self->languages_used < 0) {
        sqlite3_stmt *any;
        if (sqlite3_prepare_v2(self->db, "SELECT EXISTS(SELECT 1 FROM customers WHERE language != '')", -1,
                               &any, NULL) != SQLITE_OK)
            return s_fail(self);
        int rc = sqlite3_step(any);
        self->languages_used = rc == SQLITE_ROW ? sqlite3_column_int(any, 0) : -1;
        sqlite3_finalize(any);
        if (rc != SQLITE_ROW)
            return s_fail(self);
    }
    if (!self->languages_used) { /* nobody has one: no read per message */
        if (outlen)
            out[0] = 0;
        return 0;
    }
    sqlite3_stmt *st = s_stmt(self, Q_CUSTOMER_LANG_GET);
    if (!st)
        return -1;
    s_text(st, 1, phone);
    return s_text_get(self, st, out, outlen);
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

/* ------------------------------------------------------------- privacy */

int store_principal_set_scope(store *self, const char *name, const char *provider, const char *territories)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, "UPDATE principals SET scope_provider = ?2, scope_territories = ?3"
                           " WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    s_text(st, 1, name);
    s_text(st, 2, provider);
    s_text(st, 3, territories);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_each_principal_scope(store *self,
                               void (*fn)(void *, const char *pub, const char *provider, const char *territories),
                               void *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, "SELECT public_key, scope_provider, scope_territories FROM principals"
                           " WHERE scope_provider != '' OR scope_territories != ''", -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

int store_job_owner(store *self, const char *id, char *created_by, size_t cb_len, char *phone, size_t ph_len)
{
    sqlite3_stmt *st = s_stmt(self, Q_JOB_CREATOR);
    if (!st)
        return -1;
    s_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(created_by, cb_len, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(phone, ph_len, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail(self);
    return rc == SQLITE_ROW;
}

int store_job_list_scoped(store *self, arena *a, const store_scope *scope, const char *territory, int state,
                          const char *technician_id, const char *phone, unsigned limit,
                          Fsd__JobView ***out, size_t *n)
{
    /* the scope as in privacy.c: a provider's jobs, or the unheld ones
       (no provider: all) of the scope's territories; the submitter's own */
    /* a desk's own through the partial index jobs_creator (its WHERE
       term spelled out, so that the planner may use it), newest first */
    bool own = scope && scope->created_by && scope->created_by[0];
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS " FROM jobs WHERE (?1 = '' OR territory = ?1)"
             " AND (?2 = 0 OR state = ?2) AND (?3 = '' OR technician_id = ?3)"
             " AND (?4 = '' OR phone = ?4) AND %s"
             " AND (?7 = 0 OR (?8 != '' AND provider_id = ?8)"
             "  OR (instr(?9, ',' || territory || ',') > 0 AND (?8 = '' OR technician_id = '')))"
             " ORDER BY number DESC LIMIT ?5",
             own ? "created_by = ?6 AND created_by != ''" : "?6 = ''");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    s_text(st, 1, territory);
    sqlite3_bind_int(st, 2, state);
    s_text(st, 3, technician_id);
    s_text(st, 4, phone);
    sqlite3_bind_int(st, 5, limit ? (int)limit : 100);
    s_text(st, 6, scope ? scope->created_by : "");
    sqlite3_bind_int(st, 7, scope && scope->scoped);
    s_text(st, 8, scope ? scope->provider : "");
    s_text(st, 9, scope ? scope->territories : "");
    size_t cap = limit ? limit : 100;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap)
        (*out)[(*n)++] = s_view_from_row(a, st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return s_fail(self);
    for (size_t i = 0; i < *n; i++)
        if (s_has_side(self, (*out)[i]->job_id, SIDE_WINDOW) && s_window_view(self, a, (*out)[i]) < 0)
            return -1;
    return 0;
}

int store_access_put(store *self, int64_t at, const char *principal, const char *verb, const char *job_id,
                     const char *phone, unsigned count)
{
    sqlite3_stmt *st = s_stmt(self, Q_ACCESS_PUT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, at);
    s_text(st, 2, principal);
    s_text(st, 3, verb);
    s_text(st, 4, job_id);
    s_text(st, 5, phone);
    sqlite3_bind_int64(st, 6, count);
    return s_done(self, st);
}

int store_access_list(store *self, arena *a, const char *principal, const char *job_id, const char *phone,
                      int64_t since, unsigned limit, Fsd__AccessRow ***out, size_t *n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "SELECT at, principal, verb, job_id, phone, count FROM access_log"
                           " WHERE (?1 = '' OR principal = ?1) AND (?2 = '' OR job_id = ?2)"
                           " AND (?3 = '' OR phone = ?3) AND at >= ?4 ORDER BY id DESC LIMIT ?5",
                           -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    s_text(st, 1, principal);
    s_text(st, 2, job_id);
    s_text(st, 3, phone);
    sqlite3_bind_int64(st, 4, since);
    sqlite3_bind_int(st, 5, (int)limit);
    *out = arena_alloc(a, (limit ? limit : 1) * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
        Fsd__AccessRow *r = arena_alloc(a, sizeof *r);
        fsd__access_row__init(r);
        r->at = sqlite3_column_int64(st, 0);
        r->principal = s_col(a, st, 1);
        r->verb = s_col(a, st, 2);
        r->job_id = s_col(a, st, 3);
        r->phone = s_col(a, st, 4);
        r->count = (uint32_t)sqlite3_column_int64(st, 5);
        (*out)[(*n)++] = r;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : s_fail(self);
}

int store_customer_open_jobs(store *self, const char *phone, char *ids, size_t len, unsigned *n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, "SELECT id FROM jobs WHERE phone = ?1 AND state NOT IN (8, 10)"
                           " ORDER BY number", -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    s_text(st, 1, phone);
    *n = 0;
    ids[0] = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t used = strlen(ids);
        if (used + 32 < len)
            snprintf(ids + used, len - used, "%s%s", *n ? ", " : "", (const char *)sqlite3_column_text(st, 0));
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self);
}

/* Runs one forget statement (?1 = the phone); adds the rows changed to *count. */
static int s_forget_step(store *self, const char *sql, const char *phone, uint32_t *count)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return s_fail(self);
    s_text(st, 1, phone);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return s_fail(self);
    if (count)
        *count += (uint32_t)sqlite3_changes(self->db);
    return 0;
}

/* The closed and cancelled jobs of customer ?1 (before their phone is erased). */
#define FORGET_JOBS "(SELECT id FROM jobs WHERE phone = ?1 AND state IN (8, 10))"

int store_customer_forget(store *self, const char *phone, uint32_t *jobs, uint32_t *notifications,
                          bool *customer, uint32_t *access_rows)
{
    *jobs = *notifications = *access_rows = 0;
    uint32_t deleted = 0;
    /* freed space is overwritten, so that the erased text is not left in
       the file's free pages (for this connection, during the erasure only) */
    sqlite3_exec(self->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
    int rc = -1;
    /* free text goes; what the KPI report reads stays: the reason
       prefixes it counts (kpi.c), and every server-written event */
    if (s_forget_step(self, "UPDATE job_events SET reason = CASE"
                      " WHEN substr(reason, 1, 10) = 'reassigned' THEN 'reassigned'"
                      " WHEN substr(reason, 1, 9) = 'at risk: ' THEN 'at risk: '"
                      " WHEN substr(reason, 1, 10) = 'breached: ' THEN 'breached: '"
                      " WHEN substr(reason, 1, 10) = 'goodwill: ' THEN 'goodwill: '"
                      " WHEN substr(reason, 1, 12) = 'fee waived: ' THEN 'fee waived: '"
                      " WHEN substr(reason, 1, 18) = 'waiver requested: ' THEN 'waiver requested: '"
                      " WHEN substr(reason, 1, 15) = 'offer withdrawn' THEN 'offer withdrawn'"
                      " WHEN substr(reason, 1, 6) = 'rated ' THEN substr(reason, 1, 9)"
                      " ELSE '' END WHERE actor != 'system' AND job_id IN " FORGET_JOBS, phone, NULL) < 0
        || s_forget_step(self, "UPDATE care_followups SET cause = CASE WHEN instr(cause, ':') > 0"
                         " THEN substr(cause, 1, instr(cause, ':') - 1) ELSE cause END, outcome = ''"
                         " WHERE job_id IN " FORGET_JOBS, phone, NULL) < 0
        || s_forget_step(self, "UPDATE care_goodwill SET reason = '' WHERE job_id IN " FORGET_JOBS, phone, NULL) < 0
        || s_forget_step(self, "UPDATE care_waivers SET reason = '', decision_reason = ''"
                         " WHERE job_id IN " FORGET_JOBS, phone, NULL) < 0
        || s_forget_step(self, "UPDATE notifications SET phone = '', customer_name = '', text = '',"
                         " last_error = CASE WHEN status = 0 THEN 'customer data erased' ELSE '' END,"
                         " status = CASE WHEN status = 0 THEN 2 ELSE status END"
                         " WHERE job_id IN " FORGET_JOBS " OR phone = ?1", phone, notifications) < 0
        /* remembered answers hold job views: those naming the customer go */
        || s_forget_step(self, "DELETE FROM dedup WHERE instr(reply, CAST(?1 AS BLOB)) > 0", phone, &deleted) < 0
        || s_forget_step(self, "UPDATE access_log SET phone = '' WHERE phone = ?1", phone, access_rows) < 0
        || s_forget_step(self, "UPDATE jobs SET phone = '', customer_name = '', address = '', problem = '',"
                         " rating_comment = '', lat = 0, lon = 0 WHERE phone = ?1 AND state IN (8, 10)",
                         phone, jobs) < 0)
        goto done;
    uint32_t gone = 0;
    if (s_forget_step(self, "DELETE FROM customers WHERE phone = ?1", phone, &gone) < 0)
        goto done;
    *customer = gone > 0;
    /* the copies in memory may hold what was erased */
    jobrows_clear(self->rows);
    jobrows_clear(self->scratch);
    rc = 0;
done:
    sqlite3_exec(self->db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
    return rc;
}
