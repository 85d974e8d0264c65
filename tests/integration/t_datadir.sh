# The data directory and the process around it: customers' data is
# private (DATA 0700, fsd.db and its -wal/-shm 0600, a too open directory
# tightened at start); one server per data directory (DATA/fsd.lock, a
# second one refused with one line naming the holder's pid); a port in use
# ends the server at once with status 1 and one line; SIGHUP reopens the
# log file and the notification file (log rotation) and the server goes on.
. "$ROOT/tests/integration/lib.sh"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
mode() { stat -c %a "$1"; }

say "a new data directory: 0700, the database and its companions 0600"
start_server
load_test_data
request $MITTE Bosch washing_machine WM-NEW >/dev/null
expect_eq "DATA" "$(mode "$FSD_HOME")" 700
for f in fsd.db fsd.db-wal fsd.db-shm notifications.jsonl fsd.lock; do
    test -e "$FSD_HOME/$f" || fail "no $f"
    expect_eq "$f" "$(mode "$FSD_HOME/$f")" 600
done
expect_eq "pid in fsd.lock" "$(cat "$FSD_HOME/fsd.lock")" "$SERVER_PID"

say "a second server on the same data directory is refused, naming the first"
rc=0
timeout 5 "$BIN/fsd-server" --data "$FSD_HOME" --listen "tcp://127.0.0.1:$((FSD_TEST_PORT + 1))" 2>second.err || rc=$?
cat second.err
expect_eq "exit status (second)" "$rc" 1
expect_eq "one line (second)" "$(wc -l <second.err)" 1
grep -q "another fsd-server (pid $SERVER_PID) is using the data directory" second.err \
    || fail "second server: $(cat second.err)"
kill -0 "$SERVER_PID" || fail "the first server died"
ctl stats >/dev/null || fail "the first server stopped answering"
stop_server

say "an existing data directory open to others is tightened at start, and that is logged"
chmod 755 "$FSD_HOME"
chmod 644 "$FSD_HOME/fsd.db"
start_server
expect_eq "DATA tightened" "$(mode "$FSD_HOME")" 700
expect_eq "fsd.db tightened" "$(mode "$FSD_HOME/fsd.db")" 600
grep -q "event=made_private file=\"$FSD_HOME\" was=0755 now=0700" server.log || fail "not logged: $(grep made_private server.log)"

say "a port in use: status 1 within 2 s, one line, no process left"
t0=$(ms)
rc=0
timeout 10 "$BIN/fsd-server" --data other --listen "$FSD_SERVER" 2>bind.err || rc=$?
took=$(( $(ms) - t0 ))
cat bind.err
echo "exited after $took ms"
expect_eq "exit status (port in use)" "$rc" 1
[ "$took" -lt 2000 ] || fail "took $took ms to give up"
expect_eq "one line (port in use)" "$(grep -c '^fsd-server:' bind.err)" 1
grep -q "^fsd-server: cannot listen on $FSD_SERVER (Address already in use)" bind.err || fail "bind: $(cat bind.err)"
grep -q "event=stopped" bind.err && fail "a failed bind says stopped"
stop_server

say "SIGHUP: the log file and the notification file reopened after they were renamed"
"$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" --log-file "$PWD/fsd.log" 2>stderr.log &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 100); do grep -q 'event=listening' fsd.log 2>/dev/null && break; sleep 0.05; done
grep -q 'event=listening' fsd.log || fail "no listening line in fsd.log: $(cat stderr.log)"
expect_eq "log file mode" "$(mode fsd.log)" 600
expect_eq "nothing on stderr" "$(wc -c <stderr.log)" 0
start_agent A1
j1=$(request $MITTE Bosch washing_machine WM-NEW)
wait_offer A1 "$j1"
agent A1 accept "$j1" >/dev/null
file=$FSD_HOME/notifications.jsonl
for _ in $(seq 1 50); do grep -q "\"job\":\"$j1\",\"event\":\"accepted\"" "$file" && break; sleep 0.1; done
grep -q "\"job\":\"$j1\",\"event\":\"accepted\"" "$file" || fail "no accepted line for $j1"
mv fsd.log fsd.log.1
mv "$file" "$file.1"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do [ -s fsd.log ] && break; sleep 0.1; done
kill -0 "$SERVER_PID" || fail "SIGHUP killed the server"
grep -q 'event=log_reopened' fsd.log || fail "no log_reopened in the new log: $(cat fsd.log 2>/dev/null)"
expect_eq "new log file mode" "$(mode fsd.log)" 600
ctl stats >/dev/null || fail "no answer after SIGHUP"
agent A1 status "$j1" en_route >/dev/null
for _ in $(seq 1 50); do grep -q "\"event\":\"en_route\"" "$file" 2>/dev/null && break; sleep 0.1; done
grep -q "\"job\":\"$j1\",\"event\":\"en_route\"" "$file" || fail "en_route not in the fresh notification file"
grep -q "en_route" "$file.1" && fail "en_route went to the renamed file"
expect_eq "fresh notification file mode" "$(mode "$file")" 600
grep -q "event=notify_sent .*job=$j1 event=en_route" fsd.log || fail "the new log has no notify_sent line"
grep -q "event=notify_sent .*job=$j1 event=en_route" fsd.log.1 && fail "a line went to the renamed log"
stop_server
grep -q "event=stopped rc=0" fsd.log || fail "no stopped line in the new log"
echo "datadir ok"
