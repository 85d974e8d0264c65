/*  schema.c — the store's tables, versioned by PRAGMA user_version:
    s_migrations[i] takes the database from version i to i+1, inside one
    transaction. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    /* 3 → 4: goodwill grants, fee waivers and follow-ups (complaints and low ratings) */
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
    /* 4 → 5: the SLA decided at intake (policy, clock, start, fix-by, the
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
    /* 5 → 6: the appointment window a customer asked for, one row per
       job that has one (whether it is booked follows from the job's state) */
    "CREATE TABLE job_windows(job_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL,"
    "  window_end INTEGER NOT NULL, tz TEXT NOT NULL) WITHOUT ROWID;",
    /* 6 → 7: the customer's language, message templates, and the
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
    /* 7 → 8: the KPI report finds later requests for the same product
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
    /* customer links: the SHA-256 of each job's link token, never the
       token (it is derived from the job id with a secret kept outside the
       database) */
    "CREATE TABLE job_links(hash BLOB PRIMARY KEY, job_id TEXT NOT NULL UNIQUE) WITHOUT ROWID;",
    /* when each technician was first loaded: the KPI report counts its
       shift hours from then on (0: loaded before this was recorded) */
    "CREATE TABLE technician_since(id TEXT PRIMARY KEY, since INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO technician_since(id, since) SELECT id, 0 FROM technicians;",
};
#define SCHEMA_VERSION ((int)(sizeof s_migrations / sizeof s_migrations[0]))

/* Applies the migrations the file has not seen yet. */
int store_migrate(store *self)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return store_fail(self);
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (version > SCHEMA_VERSION) {
        snprintf(
            self->err, sizeof self->err,
            "database schema version %d is newer than this fsd-server knows (%d): run the newer fsd-server that wrote it",
            version, SCHEMA_VERSION);
        return -1;
    }
    for (; version < SCHEMA_VERSION; version++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK
            || sqlite3_exec(self->db, s_migrations[version], NULL, NULL, NULL) != SQLITE_OK
            || sqlite3_exec(self->db, pragma, NULL, NULL, NULL) != SQLITE_OK
            || sqlite3_exec(self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            store_fail(self);
            sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}
