# A key replaced while its connection is open (fsdctl keygen again for the
# same name): the handshake admitted it, so its next message is refused by
# the server as a key no longer known. The refusal names the request it
# answers (reply_to), so the client shows it — forbidden, with the hint —
# and exits 1 instead of waiting for a timeout.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
poke() { "$BIN/fsd-poke" --key "$1" --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" "${@:2}"; }

say "fsd-poke: one connection, the key replaced between two requests"
ctl keygen --role intake --name desk2 --out desk2.key >/dev/null
out=$(poke desk2.key --envelope get-job --job J000001 --msg-id replaced-1 --repeat 2 \
    --between "$BIN/fsdctl keygen --role intake --name desk2 --out desk2-new.key >/dev/null") \
    || fail "no answer after the key was replaced: $out"
expect_eq first "$(sed -n 1p <<<"$out" | jq -r .error.code)" not_found
second=$(sed -n 2p <<<"$out")
expect_eq code "$(jq -r .error.code <<<"$second")" forbidden
expect_eq field "$(jq -r .error.field <<<"$second")" key
expect_eq reply_to "$(jq -r .reply_to <<<"$second")" replaced-1
jq -r .error.message <<<"$second" | grep -q 'replaced or revoked' || fail "no hint: $second"
grep 'event=rejected' server.log | grep 'code=forbidden field=key' | grep -q 'msg_id="replaced-1"' \
    || fail "the refusal is not logged with its msg_id"

say "fsdctl request --batch: the key replaced while it streams"
ctl keygen --role intake --name desk3 --out desk3.key >/dev/null
{
    echo "name,phone,address,lat,lon,brand,category,serial,model,problem"
    for i in $(seq 1 40); do
        printf 'Kunde %d,+49 30 55510%02d,Teststraße %d,52.5358,13.3813,Bosch,washing_machine,,,leaks\n' "$i" "$i" "$i"
    done
} >rows.csv
FSD_KEY=desk3.key "$BIN/fsdctl" --timeout 4000 request --batch rows.csv --rate 4 >batch.out 2>batch.err &
BATCH_PID=$!
PIDS+=("$BATCH_PID")
for _ in $(seq 1 100); do grep -q '^line' batch.out && break; sleep 0.05; done
grep -q '^line' batch.out || fail "the batch did not start: $(cat batch.err)"
ctl keygen --role intake --name desk3 --out desk3-new.key >/dev/null
t0=$(date +%s%3N)
rc=0
wait "$BATCH_PID" || rc=$?
ms=$(( $(date +%s%3N) - t0 ))
cat batch.out batch.err
expect_eq batch-exit "$rc" 1
grep -q 'refused: this key is no longer known.*(forbidden)' batch.out || fail "the refusal is not shown"
grep -q 'ask an administrator for a new key' batch.err || fail "no hint on stderr"
grep -q 'no answer' batch.err && fail "fsdctl reported a timeout"
[ "$ms" -lt 3000 ] || fail "fsdctl took $ms ms to stop after the key was replaced"

say "fsd-agent: the technician's key replaced while its daemon is connected"
start_agent A1
job=$(request $MITTE Siemens washing_machine "" "+49 30 5550077")
ctl_as dana reassign "$job" --agent A1 --reason setup >/dev/null
for _ in $(seq 1 100); do
    agent_jobs A1 | jq -e --arg j "$job" '.jobs[]? | select(.job.job_id == $j)' >/dev/null && break
    sleep 0.1
done
ctl keygen --role agent --name A1 --out A1-new.key >/dev/null
rc=0
agent A1 status "$job" en_route >agent.out 2>&1 || rc=$?
cat agent.out
expect_eq agent-exit "$rc" 1
grep -q 'forbidden: this key is no longer known.*replaced or revoked' agent.out || fail "fsd-agent does not show the refusal"
grep -q 'event=key_refused' agents/A1.log || fail "the daemon did not log the refused key"
# not judged, so not dropped: the report waits for a key the server knows
expect_eq agent-pending "$(agent A1 pending --json | jq '[.pending[]?] | length')" 1
expect_eq server-state "$(job_state "$job")" assigned

say "the new key works"
FSD_KEY=desk3-new.key "$BIN/fsdctl" track J999999 --json >track.out 2>&1 || true
expect_eq new-key "$(jq -r .error.code track.out)" not_found
echo "replaced key ok"
