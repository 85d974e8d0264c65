# Keys: fsdctl key list shows every key (role, technician, created, last
# seen, revoked); fsdctl key revoke takes one out of service: refused at
# the handshake, its open connections closed at once, any message still
# arriving refused forbidden, the revocation audited (log line and row).
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
poke() { "$BIN/fsd-poke" --key "$1" --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" "${@:2}"; }

say "key list: every key with its role; last seen once used"
ctl_as dana board >/dev/null
list=$(ctl key list --json)
expect_eq dana-role "$(jq -r '.keys[] | select(.name == "dana") | .role' <<<"$list")" dispatcher
expect_eq dana-valid "$(jq -r '.keys[] | select(.name == "dana") | .revoked_at // 0' <<<"$list")" 0
[ "$(jq -r '.keys[] | select(.name == "dana") | .last_seen // 0' <<<"$list")" -gt 0 ] \
    || fail "dana's last seen is not recorded: $list"
[ "$(jq -r '.keys[] | select(.name == "dana") | .created_at // 0' <<<"$list")" -gt 0 ] \
    || fail "dana's creation time is not recorded: $list"
ctl key list | grep -q '^dana  *dispatcher' || fail "key list table: $(ctl key list)"

say "revoking needs the admin role; an unknown name is not_found; not one's own key"
out=$(ctl_as dana key revoke desk --json || true)
expect_eq dispatcher-revokes "$(jq -r .error.code <<<"$out")" forbidden
out=$(ctl key revoke nobody --json || true)
expect_eq unknown-name "$(jq -r .error.code <<<"$out")" not_found
out=$(ctl key revoke admin --json || true)
expect_eq own-key "$(jq -r .error.code <<<"$out")" invalid_argument

say "revoke dana while its connection is open: the next request is refused or the connection dropped"
poke "$FSD_HOME/keys/dana.key" --envelope stats --repeat 2 --pause 1500 --timeout 2000 >poke.out 2>&1 &
POKE=$!
PIDS+=("$POKE")
for _ in $(seq 1 50); do [ -s poke.out ] && break; sleep 0.05; done
grep -q stats_view poke.out || fail "the open connection got no first answer: $(cat poke.out)"
ctl key revoke dana | grep -q 'revoked dana' || fail "key revoke did not say so"
rc=0
wait "$POKE" || rc=$?
second=$(sed -n 2p poke.out)
case $second in
*dropped*) ;;
*forbidden*) ;;
'') [ "$rc" = 3 ] || fail "no second answer, yet fsd-poke exited $rc" ;;
*) fail "the revoked key's open connection was still served: $second" ;;
esac
grep -q 'event=connection_closed name=dana' server.log || fail "dana's open connection was not closed: $(grep dana server.log | tail -3)"

say "a new connection with the revoked key is refused at the handshake"
rc=0
ctl_as dana --timeout 3000 board 2>err.txt || rc=$?
expect_eq revoked-exit "$rc" 1
grep -q 'refused the key' err.txt || fail "no clear message for a revoked key: $(cat err.txt)"
grep -q 'event=zap_refused .*revoked=dana' server.log || fail "no zap_refused line naming dana"

say "audited: a log line and a durable record; key list shows it revoked"
grep -q 'event=key_revoked name=dana role=dispatcher technician=- by=admin' server.log \
    || fail "no key_revoked line: $(grep key_revoked server.log)"
expect_eq audit-row "$(sqlite3 "$FSD_HOME/fsd.db" "select event||' '||name||' '||actor from key_events")" \
    "key_revoked dana admin"
list=$(ctl key list --json)
[ "$(jq -r '.keys[] | select(.name == "dana") | .revoked_at // 0' <<<"$list")" -gt 0 ] || fail "not shown revoked"
expect_eq revoked-by "$(jq -r '.keys[] | select(.name == "dana") | .revoked_by' <<<"$list")" admin
ctl key list | grep '^dana ' | grep -q 'by admin' || fail "key list table does not show the revocation"
out=$(ctl key revoke dana --json)
expect_eq revoke-twice "$(jq -r '.keys[0].revoked_by' <<<"$out")" admin

say "the revoked key keeps its row, and cannot be registered again"
pub=$(sqlite3 "$FSD_HOME/fsd.db" "select public_key from principals where name = 'dana'")
[ -n "$pub" ] || fail "dana's row is gone"
out=$(poke "$FSD_HOME/keys/admin.key" --envelope add-principal --public-key "$pub" --name dana2)
expect_eq re-register "$(jq -r .error.code <<<"$out")" conflict

say "still revoked after a restart"
stop_server
start_server
rc=0
ctl_as dana --timeout 3000 board 2>err.txt || rc=$?
expect_eq revoked-after-restart "$rc" 1
ctl_as desk jobs >/dev/null || fail "another key stopped working"

say "revoke an agent key while fsd-agent runs: the daemon is cut off"
start_agent A1
ctl key revoke A1 >/dev/null
for _ in $(seq 1 40); do
    grep -q 'event=connection_closed name=A1' server.log && break
    sleep 0.1
done
grep -q 'event=connection_closed name=A1' server.log || fail "A1's connection was not closed"
n0=$(grep -c 'event=hello tech=A1' server.log || true)
sleep 1.5
expect_eq no-new-hello "$(grep -c 'event=hello tech=A1' server.log || true)" "$n0"
grep -q 'event=zap_refused .*revoked=A1' server.log || fail "A1's reconnect was not refused at the handshake"
echo ok
