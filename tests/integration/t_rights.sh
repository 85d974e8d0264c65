# Identity and rights: unknown keys never get past the ZAP handler, every
# role may send only what the rights table allows, an agent acts only on
# its own jobs, and key files are private (0600) and refused when not.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data

say "a key the server does not know is refused by the ZAP handler"
before=$(stat_counter zap_refused)
ctl keygen --role dispatcher --name stranger --out stranger.key --no-register >/dev/null
expect_eq stranger-mode "$(stat -c %a stranger.key)" 600
t0=$(date +%s%N)
rc=0
FSD_KEY=stranger.key "$BIN/fsdctl" --timeout 1500 board 2>err.txt || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq stranger-exit "$rc" 1
[ "$ms" -lt 5000 ] || fail "fsdctl with an unknown key took ${ms} ms to give up"
grep -q 'registered' err.txt || fail "no hint about an unregistered key: $(cat err.txt)"
after=$(stat_counter zap_refused)
[ "$after" -gt "$before" ] || fail "zap_refused did not increase ($before -> $after)"

say "an agent key cannot use fsdctl"
start_agent A1
start_agent A2
out=$(FSD_KEY=agents/A1/agent.key "$BIN/fsdctl" board --json || true)
expect_eq agent-board "$(jq -r .error.code <<<"$out")" forbidden
out=$(FSD_KEY=agents/A1/agent.key "$BIN/fsdctl" request --json --name X --phone "+49 30 5550000" \
    --address "Teststraße 1" --lat 52.5358 --lon 13.3813 --brand Bosch --category washing_machine \
    --problem broken || true)
expect_eq agent-request "$(jq -r .error.code <<<"$out")" forbidden

say "intake cannot load reference data nor reassign"
out=$(ctl_as desk agent load technicians.csv --json || true)
expect_eq intake-load "$(jq -r .error.code <<<"$out")" forbidden
out=$(ctl_as desk customer load "$EXAMPLES/customers.csv" --json || true)
expect_eq intake-customers "$(jq -r .error.code <<<"$out")" forbidden

say "the dispatcher cannot load reference data"
out=$(ctl_as dana agent load technicians.csv --json || true)
expect_eq dispatcher-load "$(jq -r .error.code <<<"$out")" forbidden
out=$(ctl_as dana territory load "$EXAMPLES/territories.geojson" --json || true)
expect_eq dispatcher-territories "$(jq -r .error.code <<<"$out")" forbidden

say "only admin registers keys"
for k in desk dana; do
    out=$(ctl_as $k keygen --role admin --name "evil-$k" --out "evil-$k.key" --json || true)
    expect_eq "$k-keygen" "$(jq -r .error.code <<<"$out")" forbidden
    [ ! -e "evil-$k.key" ] || fail "a refused keygen still wrote evil-$k.key"
done
out=$(FSD_KEY=agents/A1/agent.key "$BIN/fsdctl" keygen --role admin --name evil-agent --out evil-agent.key --json || true)
expect_eq agent-keygen "$(jq -r .error.code <<<"$out")" forbidden
ctl keygen --role dispatcher --name dora --out "$FSD_HOME/keys/dora.key" >/dev/null
expect_eq dora-mode "$(stat -c %a "$FSD_HOME/keys/dora.key")" 600
check "a key registered by admin works" ctl_as dora board >/dev/null

say "a job offered to A1: A2 can neither accept nor report on it"
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A1
out=$(ctl_as desk reassign "$job" --agent A3 --reason "not mine to do" --json || true)
expect_eq intake-reassign "$(jq -r .error.code <<<"$out")" forbidden
# A2's device was never offered the job: it refuses there, nothing is sent
out=$(agent A2 accept "$job" --json || true)
expect_eq A2-accept-device "$(jq -r .error.code <<<"$out")" not_found
expect_eq A2-pending "$(agent_jobs A2 | jq '.pending | length')" 0
# the server refuses them too when they come anyway (A2's key, raw reports)
poke_a2() { "$BIN/fsd-poke" --key agents/A2/agent.key --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" "$@"; }
out=$(poke_a2 --envelope offer-reply --job "$job" --accept --seq 1)
expect_eq A2-accept "$(jq -r .error.code <<<"$out")" conflict
out=$(poke_a2 --envelope offer-reply --job "$job" --reason 5 --seq 2)
expect_eq A2-decline "$(jq -r .error.code <<<"$out")" conflict
out=$(poke_a2 --envelope job-update --job "$job" --state 4 --seq 3)
expect_eq A2-status "$(jq -r .error.code <<<"$out")" conflict
expect_eq state-after "$(job_state "$job")" offered
expect_eq holder-after "$(job_tech "$job")" A1

say "once A1 accepted, A2 still cannot report on it"
wait_offer A1 "$job"
check "A1 accepts" agent A1 accept "$job"
out=$(poke_a2 --envelope job-update --job "$job" --state 5 --seq 4)
expect_eq A2-status-assigned "$(jq -r .error.code <<<"$out")" conflict
expect_eq state-assigned "$(job_state "$job")" assigned
expect_eq history "$(ctl_as dana track "$job" --json | jq -r '[.history[].actor] | join(",")')" desk,system,A1

say "a key file readable by others is refused with a clear message"
cp "$FSD_HOME/keys/dana.key" loose.key
chmod 644 loose.key
rc=0
FSD_KEY=loose.key "$BIN/fsdctl" board >/dev/null 2>err.txt || rc=$?
expect_eq loose-exit "$rc" 1
grep -q 'chmod 600' err.txt || fail "no clear message for a 0644 key: $(cat err.txt)"
for f in "$FSD_HOME"/keys/*.key agents/*/agent.key; do
    expect_eq "mode of $f" "$(stat -c %a "$f")" 600
done

say "the forbidden counter counted all of it, and the server still answers"
[ "$(stat_counter forbidden)" -ge 9 ] || fail "forbidden counter: $(stat_counter forbidden)"
echo "rights ok"
