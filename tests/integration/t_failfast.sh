# fsdctl fails fast and says why: with the server down, with another
# server's public key, and with a key the server does not know, each is
# told apart (the CURVE handshake's outcome, from a socket monitor) in one
# sentence that says what to do, well within the request timeout.
. "$ROOT/tests/integration/lib.sh"
start_server

# timed WANT_CODE ARGS...: runs fsdctl --json, checks its error code and
# that it answered in under 5 s (the timeout is 20 s)
timed() {
    local want=$1 t0 t1 out rc=0
    shift
    t0=$(date +%s%N)
    out=$("$BIN/fsdctl" --timeout 20000 --json "$@" stats) || rc=$?
    t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    [ "$rc" = 1 ] || fail "$want: exit $rc, want 1: $out"
    expect_eq "$want code" "$(jq -r .error.code <<<"$out")" "$want"
    [ "$ms" -lt 5000 ] || fail "$want took $ms ms"
    echo "$want: ${ms} ms: $(jq -r .error.message <<<"$out")"
}

say "the server answers: no error"
ctl stats >/dev/null

say "another server's key pair: its admin key is unknown here, its server.pub is not this server's"
"$BIN/fsd-server" --data other --listen "tcp://127.0.0.1:$((FSD_TEST_PORT + 1))" >>other.log 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do [ -f other/keys/admin.key ] && break; sleep 0.05; done
[ -f other/keys/admin.key ] || fail "the second server made no keys"

say "unregistered key: refused at the handshake"
timed key_refused --key other/keys/admin.key
msg=$("$BIN/fsdctl" --key other/keys/admin.key stats 2>&1 >/dev/null || true)
grep -q "not registered" <<<"$msg" || fail "refused key message: $msg"

say "wrong server.pub: the handshake fails"
timed wrong_server_key --server-key other/keys/server.pub
msg=$("$BIN/fsdctl" --server-key other/keys/server.pub stats 2>&1 >/dev/null || true)
grep -q "server.pub" <<<"$msg" || fail "wrong server key message: $msg"

say "fsd-agent's daemon logs the same three outcomes at once"
# agent_says NAME EVENT TEXT ARGS...: runs the daemon for 3 s, expects EVENT
agent_says() {
    local name=$1 event=$2 text=$3
    shift 3
    mkdir -p "agents/$name"
    [ -f "agents/$name/agent.key" ] \
        || ctl keygen --role agent --name A1 --out "agents/$name/agent.key" --no-register >/dev/null
    timeout 3 "$BIN/fsd-agent" --home "agents/$name" "$@" run >"agents/$name.log" 2>&1 || true
    grep "event=$event " "agents/$name.log" | grep -q "$text" \
        || fail "the agent did not log $event: $(cat "agents/$name.log")"
}
load_test_data
agent_says unregistered key_refused "not registered"
agent_says wrongkey wrong_server_key "server.pub" --server-key other/keys/server.pub
agent_says nowhere no_server "start fsd-server" --server "tcp://127.0.0.1:$((FSD_TEST_PORT + 2))"

say "server down: nothing listens"
stop_server
timed no_server
msg=$("$BIN/fsdctl" stats 2>&1 >/dev/null || true)
grep -q "start fsd-server" <<<"$msg" || fail "server down message: $msg"
[ "$(grep -c . <<<"$msg")" = 1 ] || fail "more than one line: $msg"
