# Metrics and health: --metrics serves the Prometheus text format (every
# sample of a declared TYPE, values that parse), the figures move after a
# request, an offer and a decline; the business counters (requests,
# offers, declines by reason) survive a restart; /healthz says alive and
# /readyz turns 503 while storage fails (a file-size limit set on the
# running server) and 200 again when it recovers.
. "$ROOT/tests/integration/lib.sh"
MADDR=127.0.0.1:$((FSD_TEST_PORT + 1))
start_server --metrics "$MADDR"
load_test_data
start_agent A1

scrape() { curl -sf "http://$MADDR/metrics"; }
# sample NAME{LABELS}: the value of one sample line (empty when absent)
sample() { scrape | awk -v k="$1" '$1 == k { print $2 }'; }
wait_sample() {
    for _ in $(seq 1 100); do
        [ "$(sample "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    fail "$1 is '$(sample "$1")', want $2"
}

say "the text parses: sample lines, each under a TYPE line of its family"
scrape >m1.txt
grep -vE '^(# (HELP|TYPE) .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eEInfa]+)$' m1.txt \
    && fail "lines that are not Prometheus text (above)"
awk '/^# TYPE/ { t[$3] = $4; next } /^#/ { next }
     { n = $1; sub(/\{.*/, "", n); f = n; sub(/_(bucket|sum|count)$/, "", f)
       if (!(n in t) && !((f in t) && t[f] == "histogram")) { print "no TYPE for " n; bad = 1 } }
     END { exit bad }' m1.txt || fail "samples without a TYPE line"
for m in fsd_requests_total fsd_offers_total fsd_declines_total fsd_jobs fsd_commit_seconds \
         fsd_batch_messages fsd_technicians_online fsd_notifications_pending fsd_storage_failing fsd_ready; do
    grep -q "^# TYPE $m " m1.txt || fail "no $m"
done
grep -q '^fsd_commit_seconds_bucket{le="+Inf"} [1-9]' m1.txt || fail "no commit counted"
wait_sample fsd_technicians_online 1

say "healthz and readyz"
expect_eq healthz "$(curl -s -o /dev/null -w '%{http_code}' "http://$MADDR/healthz")" 200
expect_eq readyz "$(curl -s -o /dev/null -w '%{http_code}' "http://$MADDR/readyz")" 200
expect_eq unknown "$(curl -s -o /dev/null -w '%{http_code}' "http://$MADDR/nothing")" 404

say "a request, its offer and a decline move the figures"
before=$(sample 'fsd_requests_total{outcome="accepted"}')
job=$(request $MITTE Siemens washing_machine SM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_offer A1 "$job"
agent A1 decline "$job" --reason too_far >/dev/null
wait_sample 'fsd_requests_total{outcome="accepted"}' $((before + 1))
wait_sample 'fsd_declines_total{reason="too_far"}' 1
[ "$(sample fsd_offers_total)" -ge 1 ] || fail "no offer counted"
offers=$(sample fsd_offers_total)
# queue depths are counted once a second (a loaded machine: wait up to 10 s)
for _ in $(seq 1 100); do
    scrape | grep -qE '^fsd_jobs\{state="(new|offered|escalated)",territory="mitte"\} 1$' && break
    sleep 0.1
done
scrape | grep -qE '^fsd_jobs\{state="(new|offered|escalated)",territory="mitte"\} 1$' \
    || fail "the job is not in the queue depths: $(scrape | grep '^fsd_jobs')"

say "the business counters survive a restart"
stop_server
start_server --metrics "$MADDR"
wait_sample 'fsd_requests_total{outcome="accepted"}' $((before + 1))
expect_eq declines "$(sample 'fsd_declines_total{reason="too_far"}')" 1
[ "$(sample fsd_offers_total)" -ge "$offers" ] || fail "offers went back: $(sample fsd_offers_total) < $offers"
expect_eq "this run's messages" "$(sample 'fsd_messages_total{outcome="malformed"}')" 0

say "storage fails (a 4 KiB file-size limit): readyz is 503, and 200 again when it recovers"
prlimit --pid "$SERVER_PID" --fsize=4096:
ctl_as desk --json request --name "Kunde" --phone "+49 30 5551234" --address "Weg 1" \
    --lat 52.5358 --lon 13.3813 --brand Bosch --category washing_machine --problem leaks >full.json || true
expect_eq refused "$(jq -r .error.code full.json)" unavailable
code=
for _ in $(seq 1 100); do
    code=$(curl -s -o ready.txt -w '%{http_code}' "http://$MADDR/readyz")
    [ "$code" = 503 ] && break
    sleep 0.1
done
expect_eq "readyz while failing" "$code" 503
grep -q storage ready.txt || fail "readyz does not say why: $(cat ready.txt)"
expect_eq failing "$(sample fsd_storage_failing)" 1
expect_eq healthz "$(curl -s -o /dev/null -w '%{http_code}' "http://$MADDR/healthz")" 200
prlimit --pid "$SERVER_PID" --fsize=unlimited:
for _ in $(seq 1 60); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://$MADDR/readyz")
    [ "$code" = 200 ] && break
    sleep 0.1
done
expect_eq "readyz after recovery" "$code" 200

say "a metrics address in use stops the start with one line"
out=$("$BIN/fsd-server" --data other --listen "tcp://127.0.0.1:$((FSD_TEST_PORT + 2))" --metrics "$MADDR" 2>&1) \
    && fail "a second server started on the same metrics port"
grep -q "choose another --metrics" <<<"$out" || fail "message: $out"
