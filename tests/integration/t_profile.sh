# Client profiles: `fsdctl profile add` stores a server, its public key and
# a key under $XDG_CONFIG_HOME/fsd with absolute file names, so fsdctl
# works from any directory; `use` picks the current one, FSD_PROFILE
# another; the command line and FSD_SERVER/FSD_KEY/FSD_SERVER_KEY still
# win; a profile that is not there is one clear error; fsd-agent takes
# the server and its key from the profile too.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
export XDG_CONFIG_HOME=$PWD/cfg
# fsdctl and fsd-agent without the connection the test library exports
bare() { env -u FSD_SERVER -u FSD_KEY -u FSD_SERVER_KEY -u FSD_HOME "$@"; }
fsdctl() { bare "$BIN/fsdctl" "$@"; }

say "no profile: fsdctl from elsewhere finds no keys, and says so"
mkdir -p elsewhere
out=$(cd elsewhere && fsdctl stats 2>&1) && fail "stats worked without keys: $out"
grep -q 'give --key FILE' <<<"$out" || fail "message: $out"
fsdctl profile list | grep -q 'no profiles' || fail "list: $(fsdctl profile list)"

say "profile add ... --use; then fsdctl works from any directory"
fsdctl profile add admin --server "$FSD_SERVER" --server-key data/keys/server.pub --key data/keys/admin.key \
    --tz Europe/Berlin --use >/dev/null
fsdctl profile add desk --server "$FSD_SERVER" --server-key data/keys/server.pub --key data/keys/desk.key >/dev/null
[ "$(stat -c %a cfg/fsd/profiles/admin.conf)" = 600 ] || fail "profile file mode $(stat -c %a cfg/fsd/profiles/admin.conf)"
grep -q "^key = $PWD/data/keys/admin.key$" cfg/fsd/profiles/admin.conf || fail "not absolute: $(cat cfg/fsd/profiles/admin.conf)"
(cd elsewhere && fsdctl stats >/dev/null) || fail "stats from elsewhere with the profile"
(cd / && fsdctl board --json >/dev/null) || fail "board from / with the profile"
list=$(fsdctl profile list --json)
expect_eq current "$(jq -r .current <<<"$list")" admin
expect_eq names "$(jq -r '[.profiles[].name] | join(",")' <<<"$list")" admin,desk
fsdctl profile list | grep -q '^\* admin' || fail "list marks no current: $(fsdctl profile list)"
expect_eq tz "$(fsdctl profile show --json | jq -r .tz)" Europe/Berlin

say "FSD_PROFILE picks another profile; 'use' changes the current one"
out=$(cd elsewhere && FSD_PROFILE=desk fsdctl key list --json || true)
expect_eq "desk may not list keys" "$(jq -r .error.code <<<"$out")" forbidden
fsdctl profile use desk >/dev/null
out=$(cd elsewhere && fsdctl key list --json || true)
expect_eq "current desk" "$(jq -r .error.code <<<"$out")" forbidden
fsdctl profile use admin >/dev/null

say "the command line and the environment win over the profile"
out=$(cd elsewhere && fsdctl --server tcp://127.0.0.1:$((FSD_TEST_PORT + 5)) stats --json || true)
expect_eq "--server wins" "$(jq -r .error.code <<<"$out")" no_server
out=$(cd elsewhere && bare env FSD_SERVER=tcp://127.0.0.1:$((FSD_TEST_PORT + 5)) "$BIN/fsdctl" stats --json || true)
expect_eq "FSD_SERVER wins" "$(jq -r .error.code <<<"$out")" no_server
out=$(cd elsewhere && bare env FSD_KEY="$FSD_HOME/keys/desk.key" "$BIN/fsdctl" key list --json || true)
expect_eq "FSD_KEY wins" "$(jq -r .error.code <<<"$out")" forbidden

say "a profile that is not there, and bad names, are one clear error"
out=$(FSD_PROFILE=nope fsdctl stats 2>&1) && fail "stats with a missing profile"
grep -q "no profile 'nope' (named by FSD_PROFILE)" <<<"$out" || fail "message: $out"
out=$(fsdctl profile use nope 2>&1) && fail "use of a missing profile"
rc=0; out=$(fsdctl profile add ../x 2>&1) || rc=$?
expect_eq "bad name exit" "$rc" 2
out=$(fsdctl profile add x --server-key data/keys/server.pub --key missing.key 2>&1) && fail "a profile with a missing key file"
grep -q 'missing.key does not exist' <<<"$out" || fail "message: $out"
printf 'server = tcp://x\nsrever = y\n' >cfg/fsd/profiles/typo.conf
out=$(FSD_PROFILE=typo fsdctl stats 2>&1) && fail "a profile with an unknown key"
grep -q "typo.conf:2: unknown key 'srever'" <<<"$out" || fail "message: $out"
rm cfg/fsd/profiles/typo.conf

say "fsd-agent takes the server and its key from the profile"
mkdir -p agents/A1
ctl keygen --role agent --name A1 --out agents/A1/agent.key >/dev/null
# exec: the pid kept is the agent's own, so the test's cleanup stops it
(cd elsewhere && exec env -u FSD_SERVER -u FSD_KEY -u FSD_SERVER_KEY -u FSD_HOME \
    "$BIN/fsd-agent" --home ../agents/A1 run >>../agents/A1.log 2>&1) &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q 'event=welcome' agents/A1.log 2>/dev/null && break; sleep 0.05; done
grep -q 'event=welcome' agents/A1.log || fail "the agent did not connect with the profile: $(tail -3 agents/A1.log)"

say "remove: the current profile goes, and with it the current mark"
fsdctl profile remove admin >/dev/null
[ ! -e cfg/fsd/current ] || fail "current still names a removed profile"
expect_eq left "$(fsdctl profile list --json | jq -r '[.profiles[].name] | join(",")')" desk
