# A frame that is cheap to send and dear to decode: ~8 MiB holding ~4M
# empty JobViews (2 bytes each on the wire, a struct each in memory). From
# an intake key it is over the role's size limit before any decoding; from
# the admin key it is within the frame limit but its decoding runs out of
# budget. Either way the answer is too_large naming the request, it comes
# at once, the server's peak memory stays small, and the next client is
# answered. The frame cap itself holds to the byte: CURVE's box around a
# frame does not count against it.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
poke() { "$BIN/fsd-poke" --key "$FSD_HOME/keys/$1.key" --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" "${@:2}"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }
# the sanitizers' shadow memory and quarantine make every allocation dearer
limit_kb=$((150 * 1024))
case $BIN in *asan*) limit_kb=$((300 * 1024)) ;; esac

for key in desk admin; do
    say "the bomb from $key"
    t0=$(date +%s%3N)
    out=$(poke $key --envelope bomb --msg-id "bomb-$key" --timeout 5000) || fail "$key: no reply"
    ms=$(( $(date +%s%3N) - t0 ))
    expect_eq "$key code" "$(jq -r .error.code <<<"$out")" too_large
    expect_eq "$key reply_to" "$(jq -r .reply_to <<<"$out")" "bomb-$key"
    jq -r .error.message <<<"$out"
    [ "$ms" -lt 3000 ] || fail "$key: the refusal took $ms ms"
    hwm=$(hwm_kb)
    echo "answered in $ms ms; server peak RSS ${hwm} kB"
    [ "$hwm" -lt "$limit_kb" ] || fail "$key: the server's peak RSS reached $hwm kB"
    t0=$(date +%s%3N)
    stats=$(ctl_as dana stats --json) || fail "stats after the bomb"
    ms=$(( $(date +%s%3N) - t0 ))
    [ "$ms" -lt 3000 ] || fail "the next client waited $ms ms"
done
say "the frame cap is the cap: a frame of exactly 8 MiB arrives, one byte more is answered too_large"
expect_eq at-cap "$(poke admin --garbage $((8 * 1024 * 1024)) | jq -r .error.code)" malformed
expect_eq over-cap "$(poke admin --garbage $((8 * 1024 * 1024 + 1)) | jq -r .error.code)" too_large
grep 'event=rejected from=desk' server.log | grep -q 'limit for role intake' || fail "intake: no size refusal logged"
grep 'event=rejected from=admin' server.log | grep -q 'of memory' || fail "admin: no budget refusal logged"
[ "$(stat_counter too_large)" -ge 2 ] || fail "too_large counted $(stat_counter too_large) times"
kill -0 "$SERVER_PID" || fail "the server died"
echo "bomb ok"
