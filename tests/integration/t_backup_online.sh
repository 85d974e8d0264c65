# An online backup of a large database (100,000 jobs, ~100 MB) does not
# stop the server: while it is copied other requests are answered within
# 500 ms; a second backup meanwhile is refused; the copy is a consistent
# file (integrity_check), mode 0600, put in place only when complete; a
# server killed (kill -9) during the copy leaves no file at the target
# path, and its temporary file is removed at the next start.
. "$ROOT/tests/integration/lib.sh"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# partial FILE: the copy in progress exists
partial() { compgen -G "$1.partial-*" >/dev/null; }
wait_partial() {
    for _ in $(seq 1 250); do partial "$1" && return 0; [ -e "$1" ] && return 0; sleep 0.02; done
    fail "no backup of $1 in progress"
}

start_server
load_test_data
stop_server
[ -x "$BIN/fsd-fill" ] || fail "no $BIN/fsd-fill: make all builds it"
"$BIN/fsd-fill" "$FSD_HOME/fsd.db" 100000
ls -la "$FSD_HOME/fsd.db"
start_server
start_agent A1

say "a backup while the server answers"
ctl backup "$PWD/full.db" >backup.out 2>&1 &
backup_pid=$!
wait_partial "$PWD/full.db"
out=$(ctl backup "$PWD/second.db" --json || true)
expect_eq "a second backup meanwhile" "$(jq -r .error.code <<<"$out")" conflict
jq -r .error.message <<<"$out" | grep -q "one backup at a time" || fail "second backup: $out"
samples=0 slowest=0 jobs=()
while kill -0 "$backup_pid" 2>/dev/null; do
    t0=$(ms)
    ctl stats --timeout 5000 >/dev/null || fail "stats not answered during the backup"
    took=$(( $(ms) - t0 ))
    [ "$took" -gt "$slowest" ] && slowest=$took
    samples=$((samples + 1))
    if [ $((samples % 3)) = 1 ]; then # writes meanwhile: the copy stays one snapshot
        j=$(request $MITTE Bosch washing_machine WM-NEW)
        case $j in J*) jobs+=("$j") ;; *) fail "request during the backup: $j" ;; esac
    fi
    sleep 0.02
done
wait "$backup_pid" || fail "backup failed: $(cat backup.out)"
cat backup.out
echo "during the backup: $samples stats answered, slowest $slowest ms; ${#jobs[@]} requests taken"
[ "$samples" -ge 3 ] || fail "the backup was too quick to measure ($samples samples)"
[ "$slowest" -lt 500 ] || fail "stats took $slowest ms during the backup"
grep -Eq "^backup written to $PWD/full.db \([0-9]* bytes, [0-9dhms ]*\)" backup.out || fail "fsdctl: $(cat backup.out)"
test ! -e second.db || fail "the refused backup wrote a file"
partial "$PWD/full.db" && fail "a temporary file is left"
expect_eq "mode" "$(stat -c %a full.db)" 600
expect_eq "integrity" "$(sqlite3 full.db 'pragma integrity_check')" ok
expect_eq "journal mode" "$(sqlite3 full.db 'pragma journal_mode')" delete
n=$(sqlite3 full.db "select count(*) from jobs")
[ "$n" -ge 100000 ] && [ "$n" -le $((100000 + ${#jobs[@]})) ] || fail "jobs in the backup: $n"
ctl_as dana track "${jobs[0]}" >/dev/null || fail "a job taken during the backup is gone"

say "kill -9 during a backup: no file at the target, the leftover removed at the next start"
ctl backup "$PWD/killed.db" --timeout 3000 >/dev/null 2>&1 &
client=$!
PIDS+=("$client")
wait_partial "$PWD/killed.db"
partial "$PWD/killed.db" || fail "the backup was done before the kill"
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
# its requester gives up too: a retry reaching the restarted server would
# rightly start that backup again
kill "$client" 2>/dev/null || true
wait "$client" 2>/dev/null || true
test ! -e killed.db || fail "a killed backup left a file at the target path"
ls killed.db.partial-* >/dev/null || fail "no temporary file (named .partial-PID) to see"
start_server
partial "$PWD/killed.db" && fail "the leftover was not removed at the start: $(ls killed.db*)"
grep -q "event=backup_leftover_removed file=\"$PWD/killed.db.partial-" server.log || fail "the removal is not logged"
test ! -e killed.db || fail "the restart made a file at the target path"

say "a backup after the restart works again"
ctl backup "$PWD/again.db" | grep -q "backup written" || fail "backup after restart"
expect_eq "integrity again" "$(sqlite3 again.db 'pragma integrity_check')" ok
echo "backup online ok"
