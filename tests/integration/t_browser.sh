# The console and the customer page in a real browser: Debian's chromium,
# headless, driven by Playwright (tests/browser/console.test.mjs) against
# the real fsd-web, fsd-server, fsdctl and fsd-agent started here. Login,
# a wrong password, logout, idle expiry, a job appearing live, drag and drop
# accepted / refused (rule shown) / overridden with a reason, undo, CSRF,
# scopes, and the customer page's live state, rating and cancel.
. "$ROOT/tests/integration/lib.sh"
[ -x "$BIN/fsd-web" ] || fail "$BIN/fsd-web is not built"
[ -d "$ROOT/tests/browser/node_modules/playwright-core" ] || fail "playwright-core is not installed (make deps)"
[ -x /usr/bin/chromium ] || fail "Debian's chromium is not installed (make deps)"

WEB_PORT=$((FSD_TEST_PORT + 1))
SHORT_PORT=$((FSD_TEST_PORT + 2))
IDLE_S=3
start_server --offer-ttl-ms 60000
load_test_data
# P-SUED takes offers as a company: it is contracted for spandau too here,
# and C1 (fridges, spandau) is its technician; its dispatcher accepts the
# offers on the console and assigns C1
sed '1s/$/,company/; s/^P-SUED,.*/&;spandau,yes/; 2,$ {/^P-SUED/! s/$/,no/}' "$EXAMPLES/providers.csv" >providers.csv
ctl provider load providers.csv >/dev/null
{
    echo "id,name,provider,territories,skills,capacity,shift,lat,lon"
    echo "C1,Carl Spandau,P-SUED,spandau,fridge,1,24h,52.5130,13.1680"
} >c1.csv
ctl technician load c1.csv >/dev/null
# the customer pages' key (role portal); until fsd-server knows that role
# the customer cases fail, the rest still run
ctl keygen --role portal --name portal --out "$FSD_HOME/keys/portal.key" >/dev/null || true
PORTAL=()
[ -f "$FSD_HOME/keys/portal.key" ] && PORTAL=(--portal-key "$FSD_HOME/keys/portal.key")

say "web users: erika (every territory), pia (pankow only), sue (P-SUED's dispatcher)"
PASSWORD="correct horse battery staple"
printf '%s\n' "$PASSWORD" >pw
ctl web user add erika --role dispatcher --password-file pw >/dev/null
ctl web user add pia --role dispatcher --territory pankow --password-file pw >/dev/null
ctl web user add sue --role dispatcher --provider P-SUED --password-file pw >/dev/null

# start_web PORT [options...]: an fsd-web on loopback; waits for its first answer
start_web() {
    local port=$1; shift
    "$BIN/fsd-web" --listen "127.0.0.1:$port" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" \
        --users "$FSD_HOME/web-users.db" --static "$ROOT/web/static" "${PORTAL[@]}" \
        --territories "$EXAMPLES/territories.geojson" "$@" >>"web-$port.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "fsd-web did not start: $(tail -5 "web-$port.log")"
}
start_web "$WEB_PORT"
# an open console keeps its session past the idle time: the absolute limit ends it
start_web "$SHORT_PORT" --idle-s "$IDLE_S" --session-s "$IDLE_S"
# A1 and A2 work jobs; A3 has no agent (offline); C1 (fridges, spandau) is P-SUED's
start_agent A1
start_agent A2
start_agent C1

say "the browser cases"
WEB="http://127.0.0.1:$WEB_PORT" WEB_SHORT="http://127.0.0.1:$SHORT_PORT" IDLE_S=$IDLE_S PASSWORD=$PASSWORD \
    timeout 120 node "$ROOT/tests/browser/console.test.mjs" || fail "browser cases failed (above)"
