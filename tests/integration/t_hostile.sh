# Hostile input: truncated, oversized, garbage and other-version frames,
# unknown kinds, out-of-range fields (lat 500, stars 0 and 2^32-1, capacity
# 0 and 1000, state 77, reason 99), replays (same msg_id → the original
# answer; an old seq under a new msg_id → no effect), an agent acting on
# another agent's job, rights, and a flood of 300 connections (unknown key,
# and a known one asking for stats). Each gets its error code, a counter in
# fsdctl stats and a "level=warn event=rejected" line with that code, and
# the jobs, events and reference data are byte for byte what they were.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
ctl keygen --role agent --name A1 --out "$FSD_HOME/keys/A1.key" >/dev/null
ctl keygen --role agent --name A2 --out "$FSD_HOME/keys/A2.key" >/dev/null
poke() { "$BIN/fsd-poke" --key "$FSD_HOME/keys/$1.key" --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" "${@:2}"; }
# code KEY ARGS...: the error code of the reply ("-" for none)
code() { poke "$@" | jq -r '.error.code // "-"'; }
field() { poke "$@" | jq -r '.error.field // "-"'; }

say "two jobs, given straight to A1 and A2 (nothing waits, so nothing is offered)"
J1=$(request $MITTE Bosch washing_machine)
J2=$(request $MITTE Bosch washing_machine "" "+49 30 5550003")
ctl_as dana reassign "$J1" --override --agent A1 --reason setup >/dev/null
ctl_as dana reassign "$J2" --override --agent A2 --reason setup >/dev/null
expect_eq j1 "$(job_state "$J1")" assigned
out=$(poke A1 --envelope job-update --job "$J1" --state 4 --seq 1 --msg-id a1-report-1)
expect_eq a1-en-route "$(jq -r .job_view.state <<<"$out")" en_route

# everything but the session bookkeeping (dedup, sessions, outbox, each
# key's last seen), the customer notifications' delivery state, which moves
# on by itself (a notification is only ever made with a job change, which
# jobs and job_events show), and the access log, which every read of a job
# adds to
checksum() {
    { sqlite3 "$FSD_HOME/fsd.db" .dump | grep -vE '^INSERT INTO "?(dedup|sessions|outbox|notifications|principals|access_log)"? '
      sqlite3 "$FSD_HOME/fsd.db" "select public_key, name, role, technician_id, created_at, revoked_at, revoked_by
                                  from principals order by name"; } | sha256sum
}
before=$(checksum)
rejected_before=$(stat_counter rejected)
events_before=$(sqlite3 "$FSD_HOME/fsd.db" "select count(*) from job_events")

say "frames: truncated, oversized, garbage, another version, no body, an answer"
expect_eq truncated "$(code desk --envelope submit --truncate 40)" malformed
expect_eq oversized "$(code desk --envelope big)" too_large
expect_eq garbage "$(code A1 --garbage 500)" malformed
out=$(poke desk --envelope version --msg-id old-client-1)
expect_eq version "$(jq -r .error.code <<<"$out")" bad_version
expect_eq version-reply-to "$(jq -r .reply_to <<<"$out")" old-client-1
expect_eq no-body "$(code desk --envelope empty)" unknown_message
expect_eq answer-body "$(code A1 --envelope reply)" unknown_message

say "fields out of range, each refused by name"
expect_eq lat500 "$(field desk --envelope submit --lat 500 --lon 13.38)" lat
expect_eq stars0 "$(field desk --envelope rate --job "$J1" --stars 0)" stars
expect_eq stars-huge "$(field desk --envelope rate --job "$J1" --stars -1)" stars
for cap in 0 1000; do
    out=$(poke admin --envelope technician --capacity $cap)
    expect_eq "capacity-$cap" "$(jq -r '.load_result.errors[0].field' <<<"$out")" capacity
done
out=$(poke admin --envelope technician --lat 500 --lon 13.38)
expect_eq tech-lat500 "$(jq -r '.load_result.errors[0].field' <<<"$out")" lat
out=$(poke A1 --envelope job-update --job "$J1" --state 77 --seq 2)
expect_eq state77 "$(jq -r '.error.code + "/" + .error.field' <<<"$out")" invalid_argument/state
out=$(poke A1 --envelope offer-reply --job "$J1" --reason 99 --seq 3)
expect_eq reason99 "$(jq -r '.error.code + "/" + .error.field' <<<"$out")" invalid_argument/reason
out=$(poke A1 --envelope offer-reply --job "$J1" --reason 99 --accept --seq 4)
expect_eq reason99-accept "$(jq -r '.error.code + "/" + .error.field' <<<"$out")" invalid_argument/reason
out=$(poke A1 --envelope position --lat 500 --lon 13.38)
expect_eq position500 "$(jq -r '.error.code + "/" + .error.field' <<<"$out")" invalid_argument/lat

say "an agent on another agent's job; roles out of their rights"
out=$(poke A1 --envelope job-update --job "$J2" --state 4 --seq 5)
expect_eq other-agent "$(jq -r .error.code <<<"$out")" conflict
expect_eq other-agent-state "$(job_state "$J2")" assigned
expect_eq desk-as-agent "$(code desk --envelope job-update --job "$J1" --state 7 --seq 1)" forbidden
expect_eq agent-submits "$(code A2 --envelope submit)" forbidden

say "replays: the same msg_id gets the original answer; an old seq has no effect"
out=$(poke A1 --envelope job-update --job "$J1" --state 4 --seq 1 --msg-id a1-report-1)
expect_eq replay "$(jq -r .job_view.state <<<"$out")" en_route
out=$(poke A1 --envelope job-update --job "$J1" --state 7 --seq 1)
expect_eq old-seq "$(jq -r '.error.code + "/" + .error.field' <<<"$out")" conflict/seq
expect_eq old-seq-state "$(job_state "$J1")" en_route

say "a flood: 300 connections with an unknown key, then 300 at once asking for stats"
ctl keygen --role intake --name stranger --out stranger.key --no-register >/dev/null
zap_before=$(stat_counter zap_refused)
"$BIN/fsd-poke" --key stranger.key --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" \
    --flood 300 --timeout 1500
out=$(poke dana --envelope stats --flood 300 --timeout 8000) || fail "flood: $out"
expect_eq flood "$out" "replies=300 of 300"
zap=$(( $(stat_counter zap_refused) - zap_before ))
[ "$zap" -ge 150 ] || fail "only $zap of 300 unknown-key handshakes were refused and counted"
kill -0 "$SERVER_PID" || fail "the server died"

say "nothing changed; every refusal counted and logged with its code"
expect_eq checksum "$(checksum)" "$before"
expect_eq events "$(sqlite3 "$FSD_HOME/fsd.db" "select count(*) from job_events")" "$events_before"
ctl stats
for c in malformed too_large bad_version unknown_message forbidden conflict duplicate; do
    [ "$(stat_counter $c)" -gt 0 ] || fail "counter $c is 0"
done
[ "$(stat_counter invalid)" -ge 10 ] || fail "invalid counter: $(stat_counter invalid)"
rejected=$(( $(stat_counter rejected) - rejected_before ))
[ "$rejected" -ge 20 ] || fail "rejected counter rose by $rejected, want at least 20"
for pat in code=malformed code=too_large code=bad_version code=unknown_message code=forbidden \
    'code=invalid_argument field=state' 'code=invalid_argument field=reason' \
    'code=invalid_argument field=lat' 'code=invalid_argument field=stars' \
    'code=rows_refused field=capacity' 'code=conflict field=job_id' 'code=conflict field=seq'; do
    grep 'level=warn event=rejected' server.log | grep -q -- "$pat" || fail "no rejected log line with $pat"
done
logged=$(grep -c 'level=warn event=rejected' server.log)
[ "$logged" -ge "$rejected" ] || fail "$rejected rejections but $logged log lines"
grep -q 'event=zap_refused' server.log || fail "refused handshakes are not logged"
echo "hostile ok"
