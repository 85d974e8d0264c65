# Multipart messages: a message is one frame holding an Envelope. One of
# four frames [a, b, VICTIM, SubmitRequest] and one of 50 frames, from an
# intake key, are each refused once (one malformed reply naming the
# request, the malformed counter up by exactly one) and nothing in them
# runs: no job is created, and a connection whose routing id is VICTIM
# receives nothing. The same from an agent's key does not move the
# agent's session: its next offer reaches the agent, not VICTIM.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
start_agent A1
poke() { "$BIN/fsd-poke" --key "$1" --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" "${@:2}"; }
DESK=$FSD_HOME/keys/desk.key
VICTIM=$(printf VICTIM | xxd -p)

say "a victim connection whose routing id is VICTIM"
poke "$FSD_HOME/keys/dana.key" --envelope stats --routing-id VICTIM --listen 12000 >victim.out &
VICTIM_PID=$!
PIDS+=("$VICTIM_PID")
for _ in $(seq 1 100); do [ -s victim.out ] && break; sleep 0.05; done
expect_eq victim-connected "$(jq -r '.stats_view | type' victim.out)" object

jobs_before=$(job_count)
# one message of 4 frames; the reply must be the only one
smuggle() {
    local want_id=$1 key=$2
    shift 2
    local before out
    before=$(stat_counter malformed)
    out=$(poke "$key" --msg-id "$want_id" --listen 1000 "$@") || fail "$want_id: no reply"
    expect_eq "$want_id replies" "$(wc -l <<<"$out")" 1
    expect_eq "$want_id code" "$(jq -r .error.code <<<"$out")" malformed
    expect_eq "$want_id reply_to" "$(jq -r .reply_to <<<"$out")" "$want_id"
    expect_eq "$want_id counted once" "$(stat_counter malformed)" $((before + 1))
}

say "[a, b, VICTIM, SubmitRequest] from an intake key"
smuggle smuggle-4 "$DESK" --prefix-frame 61 --prefix-frame 62 --prefix-frame "$VICTIM" --envelope submit
expect_eq no-job "$(job_count)" "$jobs_before"

say "50 frames from an intake key"
smuggle smuggle-50 "$DESK" --frames 50 --envelope submit
expect_eq no-job-50 "$(job_count)" "$jobs_before"
grep 'event=rejected from=desk' server.log | grep -q 'had 50' || fail "no rejected line for the 50-frame message"

say "[a, b, VICTIM, Position] from the agent's key; then an offer for A1"
smuggle smuggle-agent agents/A1/agent.key --prefix-frame 61 --prefix-frame 62 --prefix-frame "$VICTIM" \
    --envelope position --lat 52.53 --lon 13.38
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A1
wait_offer A1 "$job"

say "the victim received nothing but its own answer"
wait "$VICTIM_PID" || true
expect_eq victim-lines "$(wc -l <victim.out)" 1
kill -0 "$SERVER_PID" || fail "the server died"
echo "frames ok"
