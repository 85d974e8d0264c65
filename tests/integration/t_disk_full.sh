# Storage faults: a full disk (a file-size limit: the server ignores
# SIGXFSZ, so the limit turns into a write error) makes the server refuse
# changes with `unavailable` while it keeps answering reads, and it
# recovers by itself when space returns; every acknowledged job survives a
# restart and nothing unacknowledged appears. A database locked by another
# process gives `unavailable` within the busy timeout, not a hang. A data
# directory it cannot write, or a database newer than the server, stop it
# at start with one clear line.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
# a message at intake, so that customers hear of every request
{ cat "$EXAMPLES/templates.csv"; echo 'received,,"We have your {brand} {appliance} request (job {job})."'; } >templates.csv
ctl templates load templates.csv >/dev/null
stop_server

# 120 requests, each with its own name, for washing machines in mitte
# (no technician is online: they wait, and each dispatch round writes).
{
    echo "name,phone,address,lat,lon,brand,category,serial,model,problem"
    for i in $(seq -w 1 120); do
        echo "Kunde $i,+49 30 555$i,Teststraße $i,52.5358,13.3813,Bosch,washing_machine,,,leaks"
    done
} >requests.csv

say "a file-size limit just above the database: writes fail"
db_kb=$(( $(stat -c %s "$FSD_HOME/fsd.db") / 1024 ))
limit=$(( db_kb + 300 ))
# this start's own "listening" line: the log holds the earlier start's
listening=$(grep -c 'event=listening' server.log || true)
mkfifo server.fifo
cat server.fifo >>server.log &
PIDS+=($!)
( ulimit -S -f "$limit"; exec "$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" 2>server.fifo ) &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
started() { [ "$(grep -c 'event=listening' server.log || true)" -gt "$listening" ]; }
for _ in $(seq 1 100); do started && break; sleep 0.05; done
started || fail "server did not start under the limit"

rc=0
ctl_as desk --json request --batch requests.csv >batch1.jsonl 2>batch1.err || rc=$?
# refused rows make the batch exit 1, naming FILE:LINE for each
expect_eq "batch exit with refused rows" "$rc" 1
grep -q '^requests.csv:[0-9]*: ' batch1.err || fail "no FILE:LINE for a refused row: $(head -3 batch1.err)"
accepted=$(jq -r 'select(.job_id) | .job_id' batch1.jsonl | wc -l)
refused=$(jq -r 'select(.error) | .error.code' batch1.jsonl | wc -l)
echo "accepted=$accepted refused=$refused"
[ "$accepted" -ge 1 ] || fail "nothing was accepted before the disk filled"
[ "$refused" -ge 1 ] || fail "the limit of ${limit} KiB never made a write fail"
expect_eq "refusal codes" "$(jq -r 'select(.error) | .error.code' batch1.jsonl | sort -u)" unavailable
expect_eq "every row answered" "$(wc -l <batch1.jsonl)" 120

say "the server is alive, answers reads and says why it refuses"
kill -0 "$SERVER_PID" || fail "fsd-server died when the disk filled"
first=$(jq -r 'select(.job_id) | .job_id' batch1.jsonl | head -1)
expect_eq "track an acknowledged job" "$(job_state "$first")" new
ctl_as dana board --json >/dev/null || fail "board refused while the disk is full"
[ "$(stat_counter commit_failed)" -ge 1 ] || fail "no commit failure counted"
msg=$(ctl_as desk request --json --name "Late Customer" --phone "+49 30 5559999" --address "Weg 1" \
    --lat 52.5358 --lon 13.3813 --brand Bosch --category washing_machine --problem leaks || true)
expect_eq "a new request" "$(jq -r .error.code <<<"$msg")" unavailable
jq -r .error.message <<<"$msg" | grep -q "storage failure.*nothing was changed" || fail "message: $msg"
grep -q 'event=commit_failed' server.log || fail "no commit_failed in the log"

say "space returns: the server recovers by itself"
prlimit --pid "$SERVER_PID" --fsize=unlimited:unlimited
ok=
for _ in $(seq 1 50); do
    got=$(ctl_as desk request --json --name "Kunde after" --phone "+49 30 5558888" --address "Weg 2" \
        --lat 52.5358 --lon 13.3813 --brand Bosch --category washing_machine --problem leaks \
        | jq -r '.job_id // .error.code' || true)
    case $got in J*) ok=$got; break ;; esac
    sleep 0.2
done
[ -n "$ok" ] || fail "no request accepted after the limit was lifted"
grep -q 'event=storage_recovered' server.log || fail "no storage_recovered in the log"
echo "Kunde after" >>acked.txt
stop_server

say "after a restart: every acknowledged job is there, nothing else"
start_server
want=$( (jq -r 'select(.job_id) | .line' batch1.jsonl | while read -r l; do sed -n "${l}p" requests.csv | cut -d, -f1; done; echo "Kunde after") | sort)
have=$(sqlite3 "$FSD_HOME/fsd.db" "select customer_name from jobs order by 1" | sort)
[ "$want" = "$have" ] || { diff <(echo "$want") <(echo "$have") || true; fail "jobs on disk differ from those acknowledged"; }
expect_eq "jobs" "$(job_count)" $((accepted + 1))
ids_acked=$( (jq -r 'select(.job_id) | .job_id' batch1.jsonl; echo "$ok") | sort)
ids_disk=$(sqlite3 "$FSD_HOME/fsd.db" "select id from jobs" | sort)
expect_eq "job ids" "$ids_disk" "$ids_acked"

say "customers hear of every acknowledged job and of no other (messages go out after their commit)"
for _ in $(seq 1 50); do
    heard=$(jq -r .job "$FSD_HOME/notifications.jsonl" 2>/dev/null | sort -u)
    [ "$heard" = "$ids_acked" ] && break
    sleep 0.1
done
extra=$(comm -23 <(echo "$heard") <(echo "$ids_acked"))
[ -z "$extra" ] || fail "customers were told of jobs never acknowledged: $extra"
expect_eq "jobs customers heard of" "$heard" "$ids_acked"

say "a database locked by another process: unavailable within the busy timeout"
printf '.timeout 3000\nBEGIN IMMEDIATE;\nINSERT INTO dedup(principal, msg_id, at, reply) VALUES('"'lock','lock'"',0,x'"''"');\n.shell sleep 7\nROLLBACK;\n' \
    | sqlite3 "$FSD_HOME/fsd.db" >/dev/null &
locker=$!
sleep 0.5
t0=$(date +%s%N)
got=$(ctl_as desk request --json --timeout 9000 --name "Locked Out" --phone "+49 30 5557777" --address "Weg 3" \
    --lat 52.5358 --lon 13.3813 --brand Bosch --category washing_machine --problem leaks | jq -r '.error.code // .job_id' || true)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "answer $got after $ms ms"
kill -0 "$locker" 2>/dev/null || fail "the lock did not last long enough for the test"
expect_eq "request while locked" "$got" unavailable
[ "$ms" -lt 8000 ] || fail "answer took $ms ms"
wait "$locker" || true
for _ in $(seq 1 50); do
    got=$(ctl_as desk request --json --name "Locked Out" --phone "+49 30 5557777" --address "Weg 3" \
        --lat 52.5358 --lon 13.3813 --brand Bosch --category washing_machine --problem leaks | jq -r '.job_id // .error.code' || true)
    case $got in J*) break ;; esac
    sleep 0.2
done
case $got in J*) ;; *) fail "no request accepted after the lock went: $got" ;; esac
stop_server

say "refused at start: a newer database, a data directory it cannot write"
cp "$FSD_HOME/fsd.db" newer.db
sqlite3 newer.db "PRAGMA user_version = 99"
mkdir -p newer && cp -r "$FSD_HOME/keys" newer/ && mv newer.db newer/fsd.db
rc=0; "$BIN/fsd-server" --data newer --listen "$FSD_SERVER" 2>newer.err || rc=$?
cat newer.err
expect_eq "exit status (newer)" "$rc" 1
expect_eq "one line (newer)" "$(wc -l <newer.err)" 1
grep -q "newer than this fsd-server" newer.err || fail "newer database: $(cat newer.err)"
touch notadir
rc=0; "$BIN/fsd-server" --data notadir/data --listen "$FSD_SERVER" 2>notadir.err || rc=$?
cat notadir.err
expect_eq "exit status (not a directory)" "$rc" 1
expect_eq "one line (not a directory)" "$(wc -l <notadir.err)" 1
grep -q "notadir/data" notadir.err || fail "unwritable data directory: $(cat notadir.err)"
if mkdir ro && mount -t tmpfs -o size=4m tmpfs ro 2>/dev/null; then
    cp -r newer/keys ro/ && cp "$FSD_HOME/fsd.db" ro/
    mount -o remount,ro ro
    rc=0; "$BIN/fsd-server" --data ro --listen "$FSD_SERVER" 2>ro.err || rc=$?
    umount ro
    cat ro.err
    expect_eq "exit status (read-only)" "$rc" 1
    expect_eq "one line (read-only)" "$(wc -l <ro.err)" 1
    grep -q "cannot write in the data directory ro" ro.err || fail "read-only data directory: $(cat ro.err)"
else
    echo "(no read-only mount here: skipped)"
fi
echo "disk full ok"
