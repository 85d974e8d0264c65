# Live subscriptions (fsdctl watch): a change made by fsdctl (a request),
# by an agent (accept, en route) and by another dispatcher (reassign)
# reaches a running watcher within 1 s; a scoped dispatcher never sees
# another territory's jobs, and sees a job that moves into its territory;
# the events carry no customer's personal data; a watcher resuming after a
# seq gets what it missed, one too far behind gets a resync and a new
# snapshot; a watcher that stops renewing its lease is dropped.
. "$ROOT/tests/integration/lib.sh"

start_server --watch-lease-ms 1500 --watch-backlog 16
load_test_data
ctl keygen --role dispatcher --name dora --out "$FSD_HOME/keys/dora.key" >/dev/null
ctl keygen --role dispatcher --name pank --territory pankow --out "$FSD_HOME/keys/pank.key" >/dev/null
start_agent A1
start_agent B1

now_ms() { date +%s%3N; }
# watcher NAME KEY ARGS...: fsdctl watch in the background, output in NAME.out
watcher() {
    local name=$1 key=$2; shift 2
    FSD_KEY=$FSD_HOME/keys/$key.key "$BIN/fsdctl" watch "$@" >"$name.out" 2>"$name.err" &
    PIDS+=($!)
    eval "WATCH_PID_$name=$!"
    for _ in $(seq 1 400); do # 20 s at most: sanitized builds start slowly
        grep -q '^snapshot ' "$name.out" 2>/dev/null && return 0
        grep -q '"snapshot"' "$name.out" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "watcher $name got no snapshot: $(cat "$name.out" "$name.err")"
}
# arrives NAME REGEX WHAT [N]: the (N-th) line must reach NAME.out within 1 s (from now)
arrives() {
    local t0 t1
    t0=$(now_ms)
    while [ "$(grep -Ec "$2" "$1.out")" -lt "${4:-1}" ]; do
        t1=$(now_ms)
        [ $((t1 - t0)) -lt 1000 ] || fail "$3 did not reach watcher $1 within 1 s: $(tail -5 "$1.out")"
        sleep 0.02
    done
    echo "    $3: $(( $(now_ms) - t0 )) ms"
}
seq_of() { grep -E "$2" "$1.out" | tail -1 | cut -d' ' -f1; }

say "a dispatcher, a scoped dispatcher (pankow) and a JSON watcher watch"
watcher dana dana
watcher pank pank
watcher pankone pank --no-batch
watcher json dana --json
grep -q '^snapshot 0 jobs 5 technicians' dana.out || fail "dana's snapshot: $(cat dana.out)"
grep -q '^snapshot 0 jobs 1 technicians' pank.out || fail "pank's snapshot (B1 only): $(cat pank.out)"
cmp -s pank.out pankone.out || fail "one frame per change or per batch differ: $(diff pank.out pankone.out)"

say "a request by fsdctl reaches the watchers"
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
arrives dana " job $job (new|offered) mitte " "the request"
wait_offer A1 "$job"
arrives dana " job $job offered mitte A1 " "the offer"

say "the agent accepts and sets off"
check "A1 accepts" agent A1 accept "$job"
arrives dana " job $job assigned mitte A1 " "the accept"
arrives dana " tech A1 online load 1/" "A1's load"
check "A1 en route" agent A1 status "$job" en_route
arrives dana " job $job en_route mitte A1 " "en route"
S_RESUME=$(seq_of dana " job $job en_route ")

say "another dispatcher moves it to pankow: the pankow desk sees it arrive"
grep -q "$job" pank.out && fail "the pankow desk saw a mitte job: $(cat pank.out)"
check "dora reassigns" ctl_as dora reassign "$job" --territory pankow --reason "weekend house" >/dev/null
arrives dana " job $job (new|offered) pankow " "the reassignment"
arrives pank " job $job (new|offered) pankow " "the reassignment (scoped)"
arrives pankone " job $job (new|offered) pankow " "the reassignment (scoped, one frame per change)"

say "moved back to mitte: the pankow desk is told it left, and nothing more of it"
check "dora moves it back" ctl_as dora reassign "$job" --territory mitte --reason "customer is back" >/dev/null
arrives dana " job $job (new|offered) mitte " "the move back"
arrives pank " left $job$" "the job leaving the scope"
arrives pankone " left $job$" "the job leaving the scope (one frame per change)"
check "and again to pankow" ctl_as dora reassign "$job" --territory pankow --reason "weekend house after all" \
    >/dev/null
arrives pank " job $job (new|offered) pankow " "the job back in the scope" 2
grep -q " job $job [a-z_]* mitte " pank.out && fail "the pankow desk saw the job in mitte: $(cat pank.out)"

say "a job of mitte never reaches the pankow desk"
other=$(request $MITTE Bosch washing_machine WM-OLD)
case $other in J*) ;; *) fail "request refused: $other" ;; esac
arrives dana " job $other " "the second request"
sleep 0.3
grep -q "$other" pank.out && fail "the pankow desk saw $other: $(cat pank.out)"
grep -Eq ' mitte | tech A[0-9] ' pank.out && fail "the pankow desk saw mitte: $(cat pank.out)"
grep -Eq ' mitte | tech A[0-9] ' pankone.out && fail "the pankow desk saw mitte: $(cat pankone.out)"
cmp -s pank.out pankone.out || fail "one frame per change or per batch differ: $(diff pank.out pankone.out)"
grep -q '"job"' json.out || fail "the JSON watcher saw no job: $(head -c 600 json.out)"
if grep -Eq 'Test Customer|Teststraße|it is broken|5550000' json.out; then
    fail "a watch event carries the customer's personal data: $(grep -m1 'Test Customer' json.out)"
fi
seqs=$(grep -E '^[0-9]+ ' dana.out | cut -d' ' -f1)
[ "$seqs" = "$(sort -n <<<"$seqs")" ] || fail "sequence numbers go back: $seqs"

say "resume after a seq: the missed events come again, in order"
kill -INT "$WATCH_PID_dana"
wait "$WATCH_PID_dana" || fail "fsdctl watch did not exit 0 on Ctrl-C"
third=$(request $MITTE Siemens washing_machine SM-NEW)
case $third in J*) ;; *) fail "request refused: $third" ;; esac
timeout 3 "$BIN/fsdctl" --key "$FSD_HOME/keys/dana.key" watch --resume-after "$S_RESUME" >resumed.out || true
grep -q "^snapshot" resumed.out && fail "a resume got a snapshot: $(cat resumed.out)"
grep -Eq " job $job (new|offered) pankow " resumed.out || fail "resume lacks the reassignment: $(cat resumed.out)"
grep -q " job $third " resumed.out || fail "resume lacks the third request: $(cat resumed.out)"
grep -q " job $job en_route " resumed.out && fail "resume repeats the event it resumed after: $(cat resumed.out)"
first=$(head -1 resumed.out | cut -d' ' -f1)
[ "$first" -gt "$S_RESUME" ] || fail "resumed at $first, not after $S_RESUME"

say "a watcher that stops renewing is dropped when its lease (1.5 s) runs out"
watcher lazy dana --renew-ms 0
before=$(stat_counter watches)
for _ in $(seq 1 60); do
    grep -q 'event=watch_dropped.*why=expired' server.log && break
    sleep 0.1
done
grep -q 'event=watch_dropped.*why=expired' server.log || fail "the lazy watch was not dropped: $(stat_counter watches)"
late=$(request $MITTE Bosch washing_machine WM-EXT)
arrives json " *\"job_id\":\"$late\"" "a change after the drop (JSON watcher, renewing)"
sleep 0.3
grep -q "$late" lazy.out && fail "a dropped watch still got events: $(cat lazy.out)"
[ "$(stat_counter watches)" -lt "$before" ] || fail "watches: $(stat_counter watches), before $before"

say "too far behind the backlog (16 events): a resync, then a new snapshot"
for i in $(seq 1 12); do
    j=$(request $MITTE Bosch washing_machine WM-NEW "+49 30 77700$i")
    case $j in J*) ;; *) fail "request $i refused: $j" ;; esac
done
timeout 3 "$BIN/fsdctl" --key "$FSD_HOME/keys/dana.key" watch --resume-after "$S_RESUME" >behind.out || true
head -1 behind.out | grep -q ' resync behind$' || fail "no resync for a watcher behind: $(head -3 behind.out)"
grep -q '^snapshot [0-9]* jobs 5 technicians' behind.out || fail "no snapshot after the resync: $(cat behind.out)"
[ "$(stat_counter watch_resyncs)" -ge 1 ] || fail "no resync counted: $(ctl stats)"

say "a key without a dispatcher's role may not watch; a territory outside the scope is refused"
rc=0; out=$(ctl_as desk watch --json) || rc=$?
expect_eq desk-exit "$rc" 1
expect_eq desk "$(jq -r .error.code <<<"$out")" forbidden
rc=0; out=$(ctl_as pank watch --territory mitte --json) || rc=$?
expect_eq scope-exit "$rc" 1
expect_eq scope-field "$(jq -r .error.field <<<"$out")" territories
say "the benchmark's watchers (fsd-watchers): 5 keys, each gets the change"
"$BIN/fsd-watchers" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" --admin-key "$FSD_KEY" \
    --watchers 5 --seconds 3 >watchers.out 2>watchers.err &
WPID=$!
PIDS+=($WPID)
for _ in $(seq 1 100); do grep -q '^watching 5' watchers.out && break; sleep 0.05; done
grep -q '^watching 5' watchers.out || fail "fsd-watchers did not subscribe: $(cat watchers.out watchers.err)"
request $MITTE Bosch washing_machine WM-NEW "+49 30 7779999" >/dev/null
wait $WPID || fail "fsd-watchers failed: $(cat watchers.err)"
n=$(awk '$1 == "min_events" { print $2 }' watchers.out)
[ "${n:-0}" -ge 1 ] || fail "a benchmark watcher got nothing: $(cat watchers.out)"
say "ok"
