# Running as a service: the installed systemd units pass `systemd-analyze
# verify` (and a broken one does not, so the check means something);
# fsd-server tells systemd READY=1 only once it listens with its store
# open and STOPPING=1 when it stops (sd_notify, on a NOTIFY_SOCKET made
# here); the configuration file (--config): its keys are the long
# options, the command line wins, an unknown key or a bad value stops the
# start naming the file and line.
. "$ROOT/tests/integration/lib.sh"
case $BIN in
    "$ROOT/bin") BUILDDIR=$ROOT/build ;;
    *) BUILDDIR=$(dirname "$BIN") ;;
esac

say "systemd-analyze verify on the installed units"
# installed under a prefix of our own so that ExecStart names a real program
make -s -C "$ROOT" --no-print-directory BIN="$BIN" BUILD="$BUILDDIR" install PREFIX="$PWD/pfx" \
    SYSCONFDIR="$PWD/pfx/etc" >install.log
units=$(ls pfx/lib/systemd/system/*.service)
# the Documentation= man pages are looked up among the installed ones
out=$(MANPATH=$PWD/pfx/share/man systemd-analyze verify $units 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify says: $out"
u=pfx/lib/systemd/system/fsd-server.service
for k in Type=notify User=fsd StateDirectory=fsd ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
         NoNewPrivileges=yes RestrictAddressFamilies= Restart=on-failure; do
    grep -q "^$k" "$u" || fail "the unit lacks $k"
done
mkdir -p broken
sed 's/^ProtectSystem=strict/ProtectSystem=very-strict/; s/^Type=notify/Type=notifyy/' "$u" >broken/fsd-broken.service
out=$(MANPATH=$PWD/pfx/share/man systemd-analyze verify broken/fsd-broken.service 2>&1) && [ -z "$out" ] && fail "a broken unit passed verify"
echo "a broken unit: $out" | head -2

say "sd_notify: READY=1 after listening, STOPPING=1 on SIGTERM"
cat >notify.py <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "a") as out:
    while True:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        out.write("%.3f %s\n" % (time.time(), msg.replace("\n", " ")))
        out.flush()
        if "STOPPING=1" in msg:
            break
PY
python3 notify.py "$PWD/notify.sock" notify.log &
PIDS+=($!)
for _ in $(seq 1 50); do [ -S notify.sock ] && break; sleep 0.05; done
NOTIFY_SOCKET=$PWD/notify.sock start_server
for _ in $(seq 1 50); do grep -q READY=1 notify.log 2>/dev/null && break; sleep 0.05; done
grep -q 'READY=1' notify.log || fail "no READY=1: $(cat notify.log 2>/dev/null)"
grep -q "STATUS=listening on $FSD_SERVER" notify.log || fail "no status: $(cat notify.log)"
ctl stats >/dev/null || fail "not answering after READY=1"
stop_server
for _ in $(seq 1 50); do grep -q STOPPING=1 notify.log && break; sleep 0.05; done
grep -q 'STOPPING=1' notify.log || fail "no STOPPING=1: $(cat notify.log)"
say "without NOTIFY_SOCKET nothing is sent and nothing fails"
start_server
ctl stats >/dev/null
stop_server

say "the configuration file: keys are the long options, the command line wins"
cat >server.conf <<CONF
# a comment
listen = tcp://127.0.0.1:$((FSD_TEST_PORT + 3))
metrics = 127.0.0.1:$((FSD_TEST_PORT + 4))
offer-ttl-ms = 1234
no-notify = true
log-level = debug
CONF
senders=$(grep -c 'event=notify sender' server.log || true)
start_server --config server.conf
for _ in $(seq 1 30); do curl -sf "http://127.0.0.1:$((FSD_TEST_PORT + 4))/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$((FSD_TEST_PORT + 4))/readyz" >/dev/null || fail "metrics from the file not served"
expect_eq "no-notify = true: no sender started" "$(grep -c 'event=notify sender' server.log || true)" "$senders"
grep -q "event=listening endpoint=$FSD_SERVER" server.log || fail "the command line's --listen did not win"
stop_server
FSD_SERVER=tcp://127.0.0.1:$((FSD_TEST_PORT + 3))
before=$(grep -c 'event=listening' server.log)
"$BIN/fsd-server" --config server.conf --data "$FSD_HOME" >>server.log 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 100); do [ "$(grep -c 'event=listening' server.log)" -gt "$before" ] && break; sleep 0.05; done
grep -q "event=listening endpoint=tcp://127.0.0.1:$((FSD_TEST_PORT + 3))" server.log || fail "listen from the file not used"
ctl stats >/dev/null || fail "no server on the file's endpoint"
stop_server

say "a bad file stops the start, naming file and line"
printf 'listen = tcp://127.0.0.1:1\nofer-ttl-ms = 5\n' >bad.conf
out=$("$BIN/fsd-server" --config bad.conf --data "$FSD_HOME" 2>&1) && fail "started with an unknown key"
grep -q 'bad.conf:2: unknown key .ofer-ttl-ms.' <<<"$out" || fail "message: $out"
printf 'no-notify = perhaps\n' >bad2.conf
out=$("$BIN/fsd-server" --config bad2.conf --data "$FSD_HOME" 2>&1) && fail "started with a bad boolean"
grep -q 'bad2.conf:1: no-notify is true or false' <<<"$out" || fail "message: $out"
printf 'this is not a pair\n' >bad3.conf
out=$("$BIN/fsd-server" --config bad3.conf --data "$FSD_HOME" 2>&1) && fail "started with a bad line"
grep -q "bad3.conf:1: expected 'key = value'" <<<"$out" || fail "message: $out"
out=$("$BIN/fsd-server" --config missing.conf --data "$FSD_HOME" 2>&1) && fail "started without its file"
grep -q 'cannot read missing.conf' <<<"$out" || fail "message: $out"
printf 'offer-ttl-ms = 5\n' >bad4.conf
out=$("$BIN/fsd-server" --config bad4.conf --data "$FSD_HOME" 2>&1) && fail "started with a bad value"
grep -q 'offer-ttl-ms needs' <<<"$out" || fail "message: $out"
echo ok
