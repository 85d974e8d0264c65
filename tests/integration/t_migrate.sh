# Schema upgrade with data in it: a database written in version 9's layout
# (de-dup rows WITHOUT ROWID keyed by msg_id, sessions as a rowid table) is
# taken to the current version (11) when the server starts. Every remembered answer and
# every session's sequence numbers survive, and the technician's agent
# carries on where it was: its next offer and accept go through.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
start_agent A1

say "a job offered to A1 and accepted: de-dup rows and sequence numbers written"
job=$(request $MITTE Bosch dishwasher)
wait_state "$job" offered
wait_offer A1 "$job"
check "accept" agent A1 accept "$job"
wait_state "$job" assigned
stop_server

dedup_rows() { db "select principal, msg_id, at, hex(reply) from dedup order by principal, msg_id"; }
session_rows() { db "select technician_id, out_seq, in_seq from sessions order by technician_id"; }
dedup_before=$(dedup_rows)
sessions_before=$(session_rows)
[ -n "$dedup_before" ] || fail "no de-dup rows to carry over"
echo "$sessions_before" | grep -q '^A1|[1-9]' || fail "no session for A1: $sessions_before"

say "the database is put back into version 9's layout"
latest=$(db 'PRAGMA user_version')
db <<'SQL'
BEGIN;
CREATE TABLE dedup9(msg_id TEXT NOT NULL, principal TEXT NOT NULL, at INTEGER NOT NULL,
  reply BLOB NOT NULL, PRIMARY KEY(msg_id, principal)) WITHOUT ROWID;
INSERT INTO dedup9 SELECT msg_id, principal, at, reply FROM dedup;
DROP TABLE dedup;
ALTER TABLE dedup9 RENAME TO dedup;
CREATE INDEX dedup_at ON dedup(at);
CREATE TABLE sessions9(technician_id TEXT PRIMARY KEY, out_seq INTEGER NOT NULL,
  in_seq INTEGER NOT NULL);
INSERT INTO sessions9 SELECT technician_id, out_seq, in_seq FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions9 RENAME TO sessions;
-- and without what later versions added: the keys' times and audit trail
DROP TABLE key_events;
ALTER TABLE principals DROP COLUMN created_at;
ALTER TABLE principals DROP COLUMN last_seen;
ALTER TABLE principals DROP COLUMN revoked_at;
ALTER TABLE principals DROP COLUMN revoked_by;
-- scopes, job submitters, access log
DROP INDEX jobs_creator;
ALTER TABLE jobs DROP COLUMN created_by;
ALTER TABLE principals DROP COLUMN scope_provider;
ALTER TABLE principals DROP COLUMN scope_territories;
DROP TABLE access_log;
-- job versions, the database generation and job-number floor
ALTER TABLE jobs DROP COLUMN version;
DROP TABLE store_meta;
-- customer links, technicians' first loads
DROP TABLE job_links;
DROP TABLE technician_since;
PRAGMA user_version = 9;
COMMIT;
SQL

say "the server upgrades it and keeps every row"
start_server
expect_eq "schema version" "$(db 'PRAGMA user_version')" "$latest"
expect_eq "technicians' first loads" "$(db "select count(*) from technician_since where since = 0")" \
    "$(db "select count(*) from technicians")"
expect_eq "de-dup rows" "$(dedup_rows)" "$dedup_before"
expect_eq "sessions" "$(session_rows)" "$sessions_before"
expect_eq "de-dup key index" "$(db "select count(*) from sqlite_schema where name = 'dedup_key'")" 1
expect_eq "jobs submitters" "$(db "select count(*) from pragma_table_info('jobs') where name = 'created_by'")" 1
expect_eq "sessions without rowid" \
    "$(db "select count(*) from sqlite_schema where name = 'sessions' and sql like '%WITHOUT ROWID%'")" 1

say "the agent carries on: the next offer reaches it and its accept is applied"
job2=$(request $MITTE Bosch dishwasher)
wait_state "$job2" offered
expect_eq holder "$(job_tech "$job2")" A1
wait_offer A1 "$job2"
check "accept after the upgrade" agent A1 accept "$job2"
wait_state "$job2" assigned
stop_server
a1_after=$(db "select out_seq, in_seq from sessions where technician_id = 'A1'")
a1_before=$(echo "$sessions_before" | awk -F'|' '$1 == "A1" {print $2 "|" $3}')
[ "${a1_after%|*}" -gt "${a1_before%|*}" ] && [ "${a1_after#*|}" -gt "${a1_before#*|}" ] \
    || fail "A1's sequences did not move on: before $a1_before, after $a1_after"
expect_eq "de-dup rows after" "$(db 'select count(*) from dedup')" $(( $(echo "$dedup_before" | wc -l) + 2 ))
