# fsd-web over HTTP with curl: logins (wrong, right, rate-limited), the
# cookie's flags, CSRF and Origin checks, idle expiry (an open event stream
# keeps its session; the absolute expiry still ends it), each user's own key
# and scope, live events within a second of a change made by fsdctl, TLS
# required off loopback, and hostile HTTP that never kills it.
. "$ROOT/tests/integration/lib.sh"
command -v curl >/dev/null || fail "curl is not installed (make deps)"
[ -x "$BIN/fsd-web" ] || fail "$BIN/fsd-web is not built"

WEB_PORT=$((FSD_TEST_PORT + 1))
SHORT_PORT=$((FSD_TEST_PORT + 2))
WEB=http://127.0.0.1:$WEB_PORT
SHORT=http://127.0.0.1:$SHORT_PORT
start_server
load_test_data

say "web users: erika (every territory), pia (pankow only)"
PASSWORD="correct horse battery staple"
printf '%s\n' "$PASSWORD" >pw
ctl web user add erika --role dispatcher --password-file pw >/dev/null
ctl web user add pia --role dispatcher --territory pankow --password-file pw >/dev/null
out=$(ctl web user add erika --role dispatcher --password-file pw 2>&1 || true)
grep -q "exists already" <<<"$out" || fail "a second add of erika: $out"
printf 'short\n' >shortpw
rc=0; ctl web user add olga --role dispatcher --password-file shortpw 2>/dev/null || rc=$?
expect_eq short-password "$rc" 2
ctl key list | grep -q '^erika ' || fail "erika's key is not registered with the server"
expect_eq users-mode "$(stat -c %a "$FSD_HOME/web-users.db")" 600
cp "$FSD_HOME/web-users.db" loose.db
chmod 644 loose.db
rc=0
"$BIN/fsd-web" --listen "127.0.0.1:$((FSD_TEST_PORT + 5))" --server-key "$FSD_SERVER_KEY" --users loose.db \
    --static "$ROOT/web/static" 2>loose.err || rc=$?
[ "$rc" -ne 0 ] && grep -q "chmod 600" loose.err || fail "fsd-web took a users file others can read: $(cat loose.err)"

ctl keygen --role portal --name portal --out "$FSD_HOME/keys/portal.key" >/dev/null
start_web() {
    local port=$1; shift
    "$BIN/fsd-web" --listen "127.0.0.1:$port" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" \
        --users "$FSD_HOME/web-users.db" --static "$ROOT/web/static" \
        --territories "$EXAMPLES/territories.geojson" --portal-key "$FSD_HOME/keys/portal.key" "$@" >>"web-$port.log" 2>&1 &
    PIDS+=($!)
    eval "WEB_PID_$port=$!"
    for _ in $(seq 1 100); do
        curl -sS -o /dev/null "http://127.0.0.1:$port/api/me" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "fsd-web did not start: $(tail -5 "web-$port.log")"
}
start_web "$WEB_PORT"
start_web "$SHORT_PORT" --idle-s 2 --timeout 1500

# post URL JSON [curl options]: a POST as a page of ours would send it
post() {
    local url=$1 body=$2; shift 2
    curl -sS -o body.json -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "Origin: ${ORIGIN:-${url%%/api/*}}" --data "$body" "$@" "$url"
}
# login BASE USER PASSWORD JAR: the HTTP status; the answer in body.json
login() { post "$1/api/login" "{\"user\":\"$2\",\"password\":\"$3\"}" -c "$4" -D headers.txt; }

say "a wrong password, an unknown user: 401 with the same message"
expect_eq wrong-password "$(login "$WEB" erika wrong-password jar0)" 401
m1=$(jq -r .error.message body.json)
expect_eq unknown-user "$(login "$WEB" nobody "$PASSWORD" jar0)" 401
expect_eq same-message "$(jq -r .error.message body.json)" "$m1"

say "the right password: a session cookie, HttpOnly, SameSite=Strict, and a CSRF token"
expect_eq login "$(login "$WEB" erika "$PASSWORD" jar)" 200
expect_eq login-user "$(jq -r .user body.json)" erika
expect_eq login-role "$(jq -r .role body.json)" dispatcher
CSRF=$(jq -r .csrf body.json)
expect_eq csrf-length "${#CSRF}" 64
cookie=$(grep -i '^set-cookie:' headers.txt | tr -d '\r')
grep -Eq 'fsd=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict' <<<"$cookie" || fail "cookie: $cookie"
grep -qi 'content-security-policy: default-src' headers.txt || fail "no CSP header: $(cat headers.txt)"
grep -qi 'x-content-type-options: nosniff' headers.txt || fail "no nosniff header"
code=$(curl -sS -o me.json -w '%{http_code}' -b jar -D meh.txt "$WEB/api/me")
expect_eq me "$code" 200
expect_eq me-user "$(jq -r .user me.json)" erika
grep -qi 'cache-control: no-store' meh.txt || fail "no Cache-Control: no-store on /api"

say "static files: the console, Debian's leaflet, nothing outside"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$WEB/lib/leaflet/leaflet.js")
expect_eq leaflet "$code" 200
code=$(curl -sS -o /dev/null -w '%{http_code}' --path-as-is "$WEB/static/../../../etc/passwd")
expect_eq dotdot "$code" 404
code=$(curl -sS -o /dev/null -w '%{http_code}' --path-as-is "$WEB/lib/leaflet/..%2f..%2fetc%2fpasswd")
expect_eq dotdot-encoded "$code" 404

say "a POST without the CSRF token, or from another origin: 403"
code=$(curl -sS -o body.json -w '%{http_code}' -b jar -H "Origin: $WEB" -X PUT --data '{"a":1}' "$WEB/api/prefs")
expect_eq no-csrf "$code" 403
expect_eq no-csrf-code "$(jq -r .error.code body.json)" csrf
code=$(curl -sS -o body.json -w '%{http_code}' -b jar -H "Origin: http://evil.example" -H "X-CSRF-Token: $CSRF" \
    -X PUT --data '{"a":1}' "$WEB/api/prefs")
expect_eq wrong-origin "$code" 403
expect_eq wrong-origin-code "$(jq -r .error.code body.json)" origin
code=$(ORIGIN=http://evil.example post "$WEB/api/login" "{\"user\":\"erika\",\"password\":\"$PASSWORD\"}")
expect_eq login-wrong-origin "$code" 403
code=$(curl -sS -o body.json -w '%{http_code}' -b jar -H "Origin: $WEB" -H "X-CSRF-Token: $CSRF" \
    -X PUT --data '{"territory":"mitte"}' "$WEB/api/prefs")
expect_eq prefs "$code" 200
expect_eq prefs-kept "$(curl -sS -b jar "$WEB/api/me" | jq -r .prefs.territory)" mitte

say "every call goes with the user's own key: the audit trail names erika"
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
code=$(curl -sS -o job.json -w '%{http_code}' -b jar "$WEB/api/jobs/$job")
expect_eq get-job "$code" 200
expect_eq job-id "$(jq -r .job_id job.json)" "$job"
jq -e '.events | length > 0' job.json >/dev/null || fail "no events in $(cat job.json)"
ctl audit --principal erika --json | jq -e --arg j "$job" '[.rows[] | select(.job_id == $j)] | length > 0' >/dev/null \
    || fail "the access log does not name erika for $job"
code=$(curl -sS -o ex.json -w '%{http_code}' -b jar "$WEB/api/jobs/$job/explain")
expect_eq explain "$code" 200
code=$(curl -sS -o /dev/null -w '%{http_code}' -b jar "$WEB/api/jobs/J999999")
expect_eq unknown-job "$code" 404

say "a move checked without a change, refused with the rule, and an override needs a reason"
post "$WEB/api/jobs/$job/move" '{"technician_id":"C1","check":true}' -b jar -H "X-CSRF-Token: $CSRF" >/dev/null
expect_eq check-ok "$(jq -r .ok body.json)" false
[ -n "$(jq -r '.rule // ""' body.json)" ] || fail "a refused check names no rule: $(cat body.json)"
code=$(post "$WEB/api/jobs/$job/move" '{"technician_id":"C1"}' -b jar -H "X-CSRF-Token: $CSRF")
expect_eq move-refused "$code" 409
code=$(post "$WEB/api/jobs/$job/move" '{"technician_id":"A2","override":true}' -b jar -H "X-CSRF-Token: $CSRF")
expect_eq override-no-reason "$code" 400
expect_eq override-field "$(jq -r .error.field body.json)" reason

say "a scoped user sees only their scope"
expect_eq pia-login "$(login "$WEB" pia "$PASSWORD" jarpia)" 200
code=$(curl -sS -o body.json -w '%{http_code}' -b jarpia "$WEB/api/jobs/$job")
expect_eq pia-mitte-job "$code" 404
curl -sS -b jarpia "$WEB/api/territories" | jq -r '[.features[].properties.id] | join(",")' >terr.txt
expect_eq pia-territories "$(cat terr.txt)" pankow
n=$(curl -sS -b jar "$WEB/api/territories" | jq '.features | length')
[ "$n" -gt 1 ] || fail "erika sees $n territories"

say "a request made by fsdctl is on /api/events within 1 s"
curl -sS -N -b jar "$WEB/api/events" >events.txt 2>/dev/null &
CURL_PID=$!
PIDS+=("$CURL_PID")
for _ in $(seq 1 100); do grep -q '^event: snapshot' events.txt && break; sleep 0.05; done
grep -q '^event: snapshot' events.txt || fail "no snapshot on /api/events: $(head -c 300 events.txt)"
grep -q "\"$job\"" events.txt || fail "the snapshot does not hold $job"
# the board's cards only: no history, no SLA policy details (the panel
# fetches the whole job); what a card shows is there
sed -n '/^event: snapshot/,/^$/p' events.txt | sed -n 's/^data: //p' | head -1 >snapshot.json
jq -e --arg j "$job" '.jobs[] | select(.job_id == $j) | .state and .territory and .category and .created_at
    and .version and (has("history") | not) and (has("sla_policy") | not) and (has("urgency") | not)' \
    snapshot.json >/dev/null || fail "the snapshot's $job is not a card: $(jq -c --arg j "$job" '.jobs[] | select(.job_id == $j)' snapshot.json)"
jq -e '.sla_policy and (.history | length > 0)' job.json >/dev/null \
    || fail "GET /api/jobs/$job lacks what the panel shows: $(head -c 300 job.json)"
t0=$(date +%s%N)
job2=$(request $MITTE Bosch washing_machine WM-NEW)
t1=$(date +%s%N)
seen=0
for _ in $(seq 1 100); do
    if grep -q "\"job_id\":\"$job2\"" events.txt; then seen=$(date +%s%N); break; fi
    sleep 0.02
done
[ "$seen" -gt 0 ] || fail "$job2 never came on /api/events"
ms=$(( (seen - t1) / 1000000 ))
echo "    $job2 on the event stream $ms ms after fsdctl returned"
[ "$ms" -le 1000 ] || fail "$job2 came $ms ms after it was made (want <= 1000)"
last=$(grep '^id: ' events.txt | tail -1 | cut -d' ' -f2)
grep -q 'event=web_watch user="erika"' "web-$WEB_PORT.log" || fail "fsd-web did not use fsd-server's subscription"
kill "$CURL_PID" 2>/dev/null || true

say "Last-Event-ID resumes; an unknown one gets resync and a snapshot"
curl -sS -N -m 2 -b jar -H "Last-Event-ID: $last" "$WEB/api/events" >resume.txt 2>/dev/null || true
if grep -q '^event: snapshot' resume.txt; then fail "a resume within the backlog sent a snapshot"; fi
curl -sS -N -m 2 -b jar -H "Last-Event-ID: 12" "$WEB/api/events" >resync.txt 2>/dev/null || true
grep -q '^event: resync' resync.txt || fail "no resync for an old Last-Event-ID: $(head -c 200 resync.txt)"
grep -q '^event: snapshot' resync.txt || fail "no snapshot after resync"

say "company offers: the list answers (JSON)"
code=$(curl -sS -o offers.json -w '%{http_code}' -b jar "$WEB/api/offers")
case $code in 200 | 403) jq -e 'type == "object"' offers.json >/dev/null || fail "offers: $(cat offers.json)" ;;
*) fail "GET /api/offers: $code $(cat offers.json)" ;; esac

say "the customer page: the link's view, live updates, cancel only from the page"
tok=$(ctl_as dana link "$job2" --json | jq -r .token)
[ -n "$tok" ] && [ "$tok" != null ] || fail "no token for $job2"
code=$(curl -sS -o cview.json -w '%{http_code}' "$WEB/api/c/$tok")
expect_eq customer-view "$code" 200
expect_eq customer-job "$(jq -r .job_id cview.json)" "$job2"
jq -e 'has("phone") or has("address") | not' cview.json >/dev/null || fail "the customer view shows private data"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$WEB/api/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
expect_eq unknown-token "$code" 404
curl -sS -N "$WEB/api/c/$tok/events" >cevents.txt 2>/dev/null &
CURL_PID=$!
PIDS+=("$CURL_PID")
for _ in $(seq 1 60); do grep -q '^event: update' cevents.txt && break; sleep 0.05; done
grep -q '^event: update' cevents.txt || fail "no first update on the customer's stream"
code=$(post "$WEB/api/c/$tok/cancel" '{"reason":"fixed it myself"}')
expect_eq cancel-without-header "$code" 403
code=$(post "$WEB/api/c/$tok/cancel" '{"reason":"fixed it myself"}' -H 'X-Requested-With: fsd')
expect_eq customer-cancel "$code" 200
expect_eq cancelled "$(jq -r .state body.json)" cancelled
for _ in $(seq 1 60); do grep -q '"state":"cancelled"' cevents.txt && break; sleep 0.05; done
grep -q '"state":"cancelled"' cevents.txt || fail "the cancel never came on the customer's stream"
kill "$CURL_PID" 2>/dev/null || true

say "logout ends the session, its event stream, and (the last session) the user's connection"
curl -sS -N -m 10 -b jar "$WEB/api/events" >lo-events.txt 2>/dev/null &
CURL_PID=$!
PIDS+=("$CURL_PID")
for _ in $(seq 1 100); do grep -q '^event: snapshot' lo-events.txt && break; sleep 0.05; done
code=$(post "$WEB/api/logout" '{}' -b jar -H "X-CSRF-Token: $CSRF")
expect_eq logout "$code" 200
code=$(curl -sS -o /dev/null -w '%{http_code}' -b jar "$WEB/api/me")
expect_eq after-logout "$code" 401
for _ in $(seq 1 40); do kill -0 "$CURL_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$CURL_PID" 2>/dev/null; then fail "the event stream outlived its session's logout"; fi
for _ in $(seq 1 40); do grep -q 'event=web_disconnect user="erika"' "web-$WEB_PORT.log" && break; sleep 0.05; done
grep -q 'event=web_disconnect user="erika"' "web-$WEB_PORT.log" || fail "erika's connection stayed open after her last logout"

say "an idle session expires (--idle-s 2)"
expect_eq short-login "$(login "$SHORT" erika "$PASSWORD" jarshort)" 200
expect_eq short-me "$(curl -sS -o /dev/null -w '%{http_code}' -b jarshort "$SHORT/api/me")" 200
sleep 3
expect_eq short-expired "$(curl -sS -o /dev/null -w '%{http_code}' -b jarshort "$SHORT/api/me")" 401

say "an open event stream keeps its session alive past the idle time; closed, it expires"
expect_eq watch-login "$(login "$SHORT" erika "$PASSWORD" jarwatch)" 200
curl -sS -N -b jarwatch "$SHORT/api/events" >watch-events.txt 2>/dev/null &
WATCH_PID=$!
PIDS+=($WATCH_PID)
for _ in $(seq 1 100); do grep -q '^event: snapshot' watch-events.txt && break; sleep 0.05; done
grep -q '^event: snapshot' watch-events.txt || fail "no snapshot on the watched stream"
sleep 4
kill -0 "$WATCH_PID" 2>/dev/null || fail "the watched stream ended within the idle time"
expect_eq watched-alive "$(curl -sS -o /dev/null -w '%{http_code}' -b jarwatch "$SHORT/api/me")" 200
# The idle time counts from the stream's close. Watching the log, not
# /api/me (a request would itself keep the session).
expired=$(grep -c 'event=web_session_expired user="erika"' "web-$SHORT_PORT.log")
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null || true
for _ in $(seq 1 250); do
    [ "$(grep -c 'event=web_session_expired user="erika"' "web-$SHORT_PORT.log")" -gt "$expired" ] && break
    sleep 0.1
done
expect_eq unwatched-expired "$(curl -sS -o /dev/null -w '%{http_code}' -b jarwatch "$SHORT/api/me")" 401

say "the absolute expiry ends a session even while its stream is open (--session-s 5)"
ABS_PORT=$((FSD_TEST_PORT + 6))
start_web "$ABS_PORT" --idle-s 2 --session-s 5 --timeout 1500
ABS=http://127.0.0.1:$ABS_PORT
expect_eq abs-login "$(login "$ABS" erika "$PASSWORD" jarabs)" 200
curl -sS -N -b jarabs "$ABS/api/events" >abs-events.txt 2>/dev/null &
ABS_CURL=$!
PIDS+=($ABS_CURL)
sleep 3
expect_eq abs-past-idle "$(curl -sS -o /dev/null -w '%{http_code}' -b jarabs "$ABS/api/me")" 200
for _ in $(seq 1 80); do kill -0 "$ABS_CURL" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$ABS_CURL" 2>/dev/null; then fail "the stream outlived its session's absolute expiry"; fi
expect_eq abs-expired "$(curl -sS -o /dev/null -w '%{http_code}' -b jarabs "$ABS/api/me")" 401

say "five failed logins in a minute: the sixth try is refused with 429"
for i in 1 2 3 4 5; do
    expect_eq "fail-$i" "$(login "$SHORT" pia "wrong-$i" jarx)" 401
done
expect_eq limited "$(login "$SHORT" pia "$PASSWORD" jarx)" 429
expect_eq limited-erika "$(login "$SHORT" erika "$PASSWORD" jarx)" 200

say "hostile HTTP: huge bodies, bad JSON, long headers, garbage; fsd-web stays up"
head -c 200000 /dev/zero | tr '\0' 'a' >big.txt
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Origin: $WEB" --data-binary @big.txt "$WEB/api/login")
expect_eq huge-body "$code" 413
expect_eq bad-json "$(post "$WEB/api/login" '{"user":')" 400
long=$(head -c 100000 /dev/zero | tr '\0' 'x')
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Long: $long" "$WEB/api/me" || true)
case $code in 4*) ;; *) fail "a 100 KB header got $code" ;; esac
printf 'GARBAGE \x00\x01\x02 HTTP/9.9\r\n\r\n' | timeout 2 bash -c "cat >/dev/tcp/127.0.0.1/$WEB_PORT" || true
slow=()
for _ in $(seq 1 20); do
    (printf 'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc' \
        | timeout 1 bash -c "cat >/dev/tcp/127.0.0.1/$WEB_PORT" || true) &
    slow+=($!)
done
wait "${slow[@]}"
pid=$(eval echo "\$WEB_PID_$WEB_PORT"); kill -0 "$pid" || fail "fsd-web died"
expect_eq alive "$(login "$WEB" erika "$PASSWORD" jar2)" 200

say "plain HTTP off loopback is refused at start, with a reason"
rc=0
"$BIN/fsd-web" --listen "0.0.0.0:$((FSD_TEST_PORT + 3))" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" \
    --users "$FSD_HOME/web-users.db" --static "$ROOT/web/static" 2>tls.err || rc=$?
[ "$rc" -ne 0 ] || fail "fsd-web started plain HTTP on 0.0.0.0"
grep -q -- "--tls-cert" tls.err || fail "no hint about TLS: $(cat tls.err)"

if command -v openssl >/dev/null; then
    say "TLS: HTTPS with a certificate, the __Host- cookie with Secure"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 -subj /CN=localhost \
        >/dev/null 2>&1
    TLS_PORT=$((FSD_TEST_PORT + 4))
    "$BIN/fsd-web" --listen "127.0.0.1:$TLS_PORT" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" \
        --users "$FSD_HOME/web-users.db" --static "$ROOT/web/static" --tls-cert tls.crt --tls-key tls.key \
        >>"web-$TLS_PORT.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -ksS -o /dev/null "https://127.0.0.1:$TLS_PORT/api/me" 2>/dev/null && break; sleep 0.05; done
    code=$(curl -ksS -o body.json -w '%{http_code}' -D tlsh.txt -H 'Content-Type: application/json' \
        -H "Origin: https://127.0.0.1:$TLS_PORT" --data "{\"user\":\"erika\",\"password\":\"$PASSWORD\"}" \
        "https://127.0.0.1:$TLS_PORT/api/login")
    expect_eq tls-login "$code" 200
    grep -Eiq '^set-cookie: __Host-fsd=[0-9a-f]{64}; Path=/; Secure; HttpOnly; SameSite=Strict' tlsh.txt \
        || fail "TLS cookie: $(grep -i set-cookie tlsh.txt)"
fi

say "removing a user revokes the key"
ctl web user remove pia >/dev/null
ctl key list | grep '^pia ' | grep -vq ' - *$' || fail "pia's key is not revoked: $(ctl key list | grep '^pia ')"
expect_eq removed-login "$(login "$WEB" pia "$PASSWORD" jarpia2)" 401

say "fsd-server away: a call answers 504 after --timeout, and fsd-web stays up"
expect_eq short-login2 "$(login "$SHORT" erika "$PASSWORD" jarshort2)" 200
stop_server
code=$(curl -sS -o body.json -w '%{http_code}' -b jarshort2 "$SHORT/api/jobs/$job")
expect_eq server-away "$code" 504
expect_eq server-away-code "$(jq -r .error.code body.json)" timeout
echo "ok"
