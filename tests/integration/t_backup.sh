# fsdctl backup takes an online copy; restoring it (stop, copy over fsd.db,
# start) brings back every job, event and key. Only admins may back up.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
start_agent A1

job=$(request $MITTE Bosch washing_machine WM-NEW)
wait_offer A1 "$job"
agent A1 accept "$job" >/dev/null
expect_eq state "$(job_state "$job")" assigned

say "online backup while the server runs"
ctl backup backup.db | grep -q "backup written"
test -s backup.db || fail "no backup file"
out=$(ctl backup backup.db --json || true)
expect_eq overwrite "$(jq -r .error.code <<<"$out")" invalid_argument
out=$(ctl_as desk backup other.db --json || true)
expect_eq intake-backup "$(jq -r .error.code <<<"$out")" forbidden
test ! -e other.db || fail "a refused backup wrote a file"

say "a change after the backup is not in it"
job2=$(request $MITTE Bosch washing_machine WM-OLD)

say "restore: stop, copy the backup over the database, start"
stop_server
rm -f data/fsd.db-wal data/fsd.db-shm
cp backup.db data/fsd.db
start_server
expect_eq restored-state "$(job_state "$job")" assigned
expect_eq restored-holder "$(job_tech "$job")" A1
out=$(ctl_as dana track "$job2" --json || true)
expect_eq later-job "$(jq -r .error.code <<<"$out")" not_found
hist=$(ctl_as dana track "$job" --json | jq -r '[.history[].to] | join(",")')
expect_eq history "$hist" new,offered,assigned
echo "backup ok"
