/*  sql.c — every statement the store prepares, by its Q_ name
    (store_int.h); conn.c prepares each on first use. */
#include "store_int.h"

const char *const store_sql[Q_COUNT_] = {
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
    [Q_EACH_TERRITORY] = "SELECT id, row FROM territories ORDER BY id",
    [Q_EACH_PROVIDER] = "SELECT id, row FROM providers ORDER BY id",
    [Q_EACH_TECHNICIAN] = "SELECT id, row FROM technicians ORDER BY id",
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
    [Q_KEY_REVOKE] =
        "UPDATE principals SET revoked_at = ?2, revoked_by = ?3 WHERE name = ?1 AND revoked_at = 0",
    [Q_KEY_EACH] = "SELECT public_key, name, role, technician_id, created_at, last_seen, revoked_at,"
                   " revoked_by FROM principals ORDER BY name",
    [Q_KEY_SEEN] = "UPDATE principals SET last_seen = ?2 WHERE public_key = ?1 AND last_seen < ?2",
    [Q_KEY_EVENT] = "INSERT INTO key_events(at, event, name, public_key, actor) VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_KEY_EVENTS] =
        "SELECT at, name FROM key_events WHERE event = ?1 AND at >= ?2 ORDER BY at DESC LIMIT ?3",
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
    [Q_DECLINES] =
        "SELECT d.job_id, d.technician_id FROM open_jobs o CROSS JOIN jobs j ON j.number = o.number"
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
    /* customer care */
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
    [Q_SLA_POLICY_EACH] = "SELECT id, row FROM sla_policies ORDER BY id",
    [Q_HOURS_CLEAR] = "DELETE FROM working_hours",
    [Q_HOURS_PUT] = "INSERT OR REPLACE INTO working_hours(territory, row) VALUES(?1, ?2)",
    [Q_HOURS_EACH] = "SELECT territory, row FROM working_hours ORDER BY territory",
    [Q_WINDOW_PUT] = "INSERT OR REPLACE INTO job_windows(job_id, window_start, window_end, tz)"
                     " VALUES(?1, ?2, ?3, ?4)",
    [Q_WINDOW_GET] = "SELECT window_start, window_end, tz FROM job_windows WHERE job_id = ?1",
    [Q_WINDOW_OPEN] = "SELECT w.job_id, w.window_start, w.window_end FROM open_jobs o CROSS JOIN jobs j"
                      " ON j.number = o.number CROSS JOIN job_windows w ON w.job_id = j.id",
    /* customer notifications */
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
    /* KPI report: the jobs created in [?1, ?2) through the
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
    [Q_EACH_PRODUCT] = "SELECT serial, row FROM products ORDER BY serial",
    [Q_GET_TERRITORY] = "SELECT row FROM territories WHERE id = ?1",
    [Q_GET_PROVIDER] = "SELECT row FROM providers WHERE id = ?1",
    [Q_GET_TECHNICIAN] = "SELECT row FROM technicians WHERE id = ?1",
    [Q_GET_SLA_POLICY] = "SELECT row FROM sla_policies WHERE id = ?1",
    [Q_GET_HOURS] = "SELECT row FROM working_hours WHERE territory = ?1",
    [Q_CLEAR_TERRITORIES] = "DELETE FROM territories",
    [Q_CLEAR_PROVIDERS] = "DELETE FROM providers",
    [Q_CLEAR_TECHNICIANS] = "DELETE FROM technicians",
    [Q_CLEAR_PRODUCTS] = "DELETE FROM products",
    [Q_LINK_PUT] = "INSERT OR IGNORE INTO job_links(hash, job_id) VALUES(?1, ?2)",
    [Q_TECH_SINCE_PUT] = "INSERT OR IGNORE INTO technician_since(id, since) VALUES(?1, ?2)",
    [Q_TECH_SINCE_EACH] = "SELECT id, since FROM technician_since",
    [Q_LINK_FIND] = "SELECT l.job_id, j.state, j.updated_at FROM job_links l JOIN jobs j ON j.id = l.job_id"
                    " WHERE l.hash = ?1",
};
