# Cancelling and rating: the customer cancels an offered job (the technician
# is told), may not cancel once the technician is on site (a dispatcher may);
# ratings are 1-5, only for completed jobs, close the job, and only once.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
start_agent A1

# run_rc EXIT COMMAND...: the command must exit with EXIT; prints its stdout
run_rc() {
    local want=$1 rc=0 out; shift
    out=$("$@") || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $out"
    printf '%s\n' "$out"
}

# raw_rate JOB STARS: an Envelope{msg_id, sent_at, version 1, rate_job{job_id, stars}} frame
raw_rate() {
    python3 - "$1" "$2" <<'PY'
import sys, time, os
def varint(n):
    out = b''
    while True:
        b, n = n & 0x7f, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])
def field(num, value):
    if isinstance(value, bytes):
        return varint(num << 3 | 2) + varint(len(value)) + value
    return varint(num << 3) + varint(value)
rate = field(1, sys.argv[1].encode()) + field(2, int(sys.argv[2]))
env = field(1, os.urandom(8).hex().encode()) + field(2, int(time.time() * 1000)) + field(3, 1) + field(48, rate)
sys.stdout.buffer.write(env)
PY
}

say "the customer cancels an offered job: cancelled, A1 is told"
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A1
wait_offer A1 "$job"
out=$(run_rc 0 ctl_as desk cancel "$job" --reason "fixed it myself" --json)
expect_eq reply-state "$(jq -r .state <<<"$out")" cancelled
expect_eq state "$(job_state "$job")" cancelled
for _ in $(seq 1 100); do
    agent_jobs A1 | jq -e --arg j "$job" '[.notices[]? | select(startswith($j + " ") and test("cancelled"))] | length == 1' \
        >/dev/null && break
    sleep 0.1
done
a1=$(agent_jobs A1)
jq -e --arg j "$job" '[.notices[]? | select(startswith($j + " ") and test("cancelled"))] | length == 1' <<<"$a1" >/dev/null \
    || fail "A1 has no notice that $job was cancelled: $a1"
expect_eq A1-open "$(jq --arg j "$job" '[.jobs[]? | select(.job.job_id == $j)] | length' <<<"$a1")" 0
out=$(run_rc 1 agent A1 accept "$job" --json)
jq -e '.error.code' <<<"$out" >/dev/null || fail "accepting a cancelled job: $out"
expect_eq state "$(job_state "$job")" cancelled
last=$(ctl_as dana track "$job" --json | jq -c '[.history[] | select(.reason // "" | startswith("conflict:") | not)][-1]')
jq -e '.to == "cancelled" and .actor == "desk" and .reason == "fixed it myself"' <<<"$last" >/dev/null \
    || fail "cancel event: $last"
expect_eq again "$(run_rc 1 ctl_as desk cancel "$job" --json | jq -r .error.code)" invalid_transition

say "once on site the customer cannot cancel, a dispatcher can"
job=$(request $MITTE Bosch washing_machine WM-NEW)
wait_state "$job" offered
wait_offer A1 "$job"
check "accept" agent A1 accept "$job"
check "en_route" agent A1 status "$job" en_route
check "on_site" agent A1 status "$job" on_site
expect_eq state "$(job_state "$job")" on_site
out=$(run_rc 1 ctl_as desk cancel "$job" --json)
expect_eq desk-cancel "$(jq -r .error.code <<<"$out")" invalid_transition
jq -e '.error.message | test("on_site")' <<<"$out" >/dev/null || fail "message: $out"
expect_eq state "$(job_state "$job")" on_site
out=$(run_rc 0 ctl_as dana cancel "$job" --reason "customer not home" --json)
expect_eq dana-cancel "$(jq -r .state <<<"$out")" cancelled
for _ in $(seq 1 100); do
    agent_jobs A1 | jq -e --arg j "$job" '[.jobs[]? | select(.job.job_id == $j)] | length == 0' >/dev/null && break
    sleep 0.1
done
a1=$(agent_jobs A1)
expect_eq A1-open "$(jq --arg j "$job" '[.jobs[]? | select(.job.job_id == $j)] | length' <<<"$a1")" 0
jq -e --arg j "$job" '[.notices[]? | select(startswith($j + " ") and test("cancelled"))] | length == 1' <<<"$a1" >/dev/null \
    || fail "A1 has no notice that $job was cancelled: $a1"

say "ratings: out of range is a usage error, before completion invalid_transition"
job=$(request $MITTE Bosch washing_machine WM-NEW)
wait_state "$job" offered
wait_offer A1 "$job"
check "accept" agent A1 accept "$job"
for stars in 0 6 x -1; do
    run_rc 2 ctl_as desk rate "$job" "$stars" >/dev/null 2>&1
done
run_rc 2 ctl_as desk rate "$job" >/dev/null 2>&1
expect_eq early "$(run_rc 1 ctl_as desk rate "$job" 4 --json | jq -r .error.code)" invalid_transition
if command -v python3 >/dev/null; then
    # fsdctl refuses out-of-range stars itself; a raw RateJob frame reaches the server
    for stars in 0 6; do
        raw_rate "$job" "$stars" >rate.frame
        out=$("$BIN/fsd-poke" --key "$FSD_HOME/keys/desk.key" --server-key "$FSD_SERVER_KEY" \
            --server "$FSD_SERVER" --file rate.frame)
        expect_eq "raw $stars stars" "$(jq -r .error.code <<<"$out")" invalid_argument
        expect_eq "raw $stars field" "$(jq -r .error.field <<<"$out")" stars
    done
else
    say "no python3: raw out-of-range ratings not tried"
fi
expect_eq state "$(job_state "$job")" assigned
check "en_route" agent A1 status "$job" en_route
check "on_site" agent A1 status "$job" on_site
check "completed" agent A1 status "$job" completed

say "a dispatcher may not close it by rating, and the refusal leaves no rating behind"
out=$(run_rc 1 ctl_as dana rate "$job" 2 --comment "on the customer's behalf" --json)
expect_eq dana-rate "$(jq -r .error.code <<<"$out")" invalid_transition
view=$(ctl_as dana track "$job" --json)
expect_eq state "$(jq -r .state <<<"$view")" completed
expect_eq no-rating "$(jq -r '.rating // 0' <<<"$view")" 0
expect_eq report-ratings "$(ctl_as dana report --json | jq -r '.ratings // 0')" 0

say "rating the completed job closes it; a second rating is refused"
out=$(run_rc 0 ctl_as desk rate "$job" 4 --comment "fine" --json)
expect_eq reply-state "$(jq -r .state <<<"$out")" closed
view=$(ctl_as dana track "$job" --json)
expect_eq state "$(jq -r .state <<<"$view")" closed
expect_eq rating "$(jq -r .rating <<<"$view")" 4
out=$(run_rc 1 ctl_as desk rate "$job" 1 --comment "changed my mind" --json)
expect_eq again "$(jq -r .error.code <<<"$out")" invalid_transition
jq -e '.error.message | test("closed")' <<<"$out" >/dev/null || fail "message: $out"
view=$(ctl_as dana track "$job" --json)
expect_eq rating-kept "$(jq -r .rating <<<"$view")" 4
expect_eq comment-kept "$(jq -r .rating_comment <<<"$view")" fine
expect_eq cancel-closed "$(run_rc 1 ctl_as dana cancel "$job" --json | jq -r .error.code)" invalid_transition
rep=$(ctl_as dana report --json)
expect_eq ratings "$(jq -r '.ratings // 0' <<<"$rep")" 1
expect_eq rating_avg "$(jq -r '.rating_avg' <<<"$rep")" 4

say "unknown jobs: not_found"
expect_eq cancel-unknown "$(run_rc 1 ctl_as desk cancel J999999 --json | jq -r .error.code)" not_found
expect_eq rate-unknown "$(run_rc 1 ctl_as desk rate J999999 3 --json | jq -r .error.code)" not_found
run_rc 1 ctl_as desk cancel J999999 >/dev/null 2>&1
echo "cancel/rate ok"
