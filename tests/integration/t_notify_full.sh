# A full disk under the notification file: the default file sender's
# writes fail part-way (a file-size limit that the file reaches while the
# database stays below it; the server ignores SIGXFSZ, so the limit is a
# write error). The file must keep only whole JSON lines (a failed batch is
# cut back, never left as half a line for the next message to be glued
# to), nothing counts as sent that is not whole on disk, and once space
# returns every notification is in the file exactly once.
. "$ROOT/tests/integration/lib.sh"
until_ok() {
    local secs=$1; shift
    for _ in $(seq 1 $((secs * 10))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
file=$FSD_HOME/notifications.jsonl

start_server
load_test_data
# a message at intake: every request makes one
{ cat "$EXAMPLES/templates.csv"; echo 'received,,"We have your {brand} {appliance} request (job {job}), {customer}."'; } >templates.csv
ctl templates load templates.csv >/dev/null
stop_server

say "the notification file filled with whole lines up to just below a file-size limit"
limit_kb=8192
# the database and its WAL stay far below the limit; the file is left
# room for about two messages
python3 - "$file" $((limit_kb * 1024 - 700)) <<'PY'
import json, sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    n = 0
    while True:
        line = json.dumps({"pad": n, "text": "x" * 200}) + "\n"
        if f.tell() + len(line) > size:
            break
        f.write(line)
        n += 1
    rest = size - f.tell() - len('{"pad":"}\n') - 1
    if rest > 0:
        f.write('{"pad":"' + "y" * rest + '"}\n')
PY
before=$(wc -l <"$file")
# this start's own "listening" line: the log holds the earlier start's
listening=$(grep -c 'event=listening' server.log || true)
mkfifo server.fifo
cat server.fifo >>server.log &
PIDS+=($!)
( ulimit -S -f "$limit_kb"; exec "$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" \
      --notify-retry-ms 100 --notify-retry-max-ms 200 --notify-attempts 1000 2>server.fifo ) &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
started() { [ "$(grep -c 'event=listening' server.log || true)" -gt "$listening" ]; }
for _ in $(seq 1 100); do started && break; sleep 0.05; done
started || fail "server did not start under the limit"

say "requests while the file cannot grow: accepted, their messages not sent"
{
    echo "name,phone,address,lat,lon,brand,category,serial,model,problem"
    for i in $(seq -w 1 30); do
        echo "Kunde $i,+49 30 555$i,Teststraße $i,52.5358,13.3813,Bosch,washing_machine,,,leaks"
    done
} >requests.csv
ctl_as desk --json request --batch requests.csv >batch.jsonl
expect_eq "accepted" "$(jq -r 'select(.job_id) | .job_id' batch.jsonl | wc -l)" 30
until_ok 10 grep -q 'event=notify_retry.*cannot write' server.log \
    || fail "no write failed: $(grep notify_ server.log | tail -3)"
sleep 1
sent_full=$(db "select count(*) from notifications where event = 'received' and status = 1")
echo "sent while full: $sent_full of 30"
[ "$sent_full" -lt 30 ] || fail "the limit of $limit_kb KiB never stopped a message"
jq -c . "$file" >/dev/null 2>parse.err || fail "a torn line in the file while full: $(head -2 parse.err); tail: $(tail -c 300 "$file")"

say "space returns: every message goes out, each exactly once, every line whole"
prlimit --pid "$SERVER_PID" --fsize=unlimited:unlimited
none_pending() { [ "$(db "select count(*) from notifications where status = 0")" = 0 ]; }
until_ok 15 none_pending \
    || fail "still pending: $(db "select id, attempts, last_error from notifications where status = 0 limit 3")"
jq -c . "$file" >/dev/null 2>parse.err || fail "a line of the file is not JSON: $(head -2 parse.err)"
for id in $(db "select id from notifications where status = 1"); do
    n=$(jq -r --argjson id "$id" 'select(.id == $id) | .id' "$file" | wc -l)
    expect_eq "lines of notification $id" "$n" 1
done
expect_eq "lines" "$(wc -l <"$file")" $((before + $(db "select count(*) from notifications where status = 1")))
stop_server
echo "notify full ok"
