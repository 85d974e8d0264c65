#!/usr/bin/env bash
# examples/demo.sh — what `make demo` runs: a day of dispatch in Berlin, fast.
#
# Starts fsd-server on a fresh database, loads the sample data (12 boroughs,
# 6 service providers, 40 technicians, 500 registered products, customers),
# runs the 40 technicians as a simulated fleet (fsd-agent sim: they accept or
# decline offers and work each job through to completed), streams the 300
# requests of examples/requests.csv at them (some with an appointment
# window, booked where a technician's shift and calendar have room), moves
# one job across territories as a dispatcher would, grants goodwill on an
# out-of-warranty job, lets customers rate finished visits (the low ratings
# open follow-ups, one is closed), and ends with the summary report.
# Everything it starts is stopped on exit. fsd-web serves the dispatch
# console during the run (address and login printed at the start).
#
# examples/demo.sh --console (what `make console` runs): the same start,
# then requests keep coming (the file again and again, 2 per second) and
# everything keeps running until Ctrl-C.
set -euo pipefail
CONSOLE=0
[ "${1:-}" = --console ] && CONSOLE=1
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/bin}
WORK=${DEMO_DIR:-$ROOT/build/demo}
PORT=${DEMO_PORT:-7790}
RATE=${DEMO_RATE:-12}            # requests per second
WEB_PORT=${DEMO_WEB_PORT:-$((PORT + 1))}
WEB_USER=demo
WEB_PASSWORD=${DEMO_PASSWORD:-fsd-demo-2026}
export FSD_HOME=$WORK/data FSD_SERVER=tcp://127.0.0.1:$PORT
export FSD_SERVER_KEY=$FSD_HOME/keys/server.pub FSD_KEY=$FSD_HOME/keys/admin.key
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

step() { printf '\n== %s\n' "$*"; }
# the first N lines, reading all of its input (head would leave the writer
# a broken pipe, which pipefail turns into a failed demo)
first() { awk -v n="$1" 'NR <= n'; }
ctl() { "$BIN/fsdctl" "$@"; }
desk() { FSD_KEY=$FSD_HOME/keys/desk.key "$BIN/fsdctl" "$@"; }
dana() { FSD_KEY=$FSD_HOME/keys/dana.key "$BIN/fsdctl" "$@"; }
started=$(date +%s)

rm -rf "$WORK"
mkdir -p "$WORK"
step "starting fsd-server on $FSD_SERVER (data in ${WORK#$ROOT/}/data, log in ${WORK#$ROOT/}/server.log)"
"$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" --heartbeat-ms 1000 \
    --offer-ttl-ms 6000 >"$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q event=listening "$WORK/server.log" && break; sleep 0.05; done
grep -q event=listening "$WORK/server.log" || { cat "$WORK/server.log"; exit 1; }

step "loading reference data (as admin, with the key made on first start)"
ctl territory load examples/territories.geojson
ctl provider load examples/providers.csv
ctl agent load examples/technicians.csv
ctl product load examples/products.csv
ctl customer load examples/customers.csv
ctl hours load examples/hours.csv
ctl sla load examples/sla.csv
ctl templates load examples/templates.csv     # the customers' messages, in the company's words
ctl templates load examples/templates.json    # ... and in German
ctl customer set "+4915195678275" --name "Petra Schmitt" --tier priority --language de >/dev/null  # she reads German
ctl keygen --role intake --name callcentre --out "$FSD_HOME/keys/desk.key"
ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key"
ctl keygen --role agent --all-technicians --dir "$WORK/fleet" >/dev/null
echo "wrote $(ls "$WORK/fleet" | wc -l) technician keys into ${WORK#$ROOT/}/fleet/ (mode 0600), registered with the server"

# The console: a web user with a password, fsd-web on loopback.
start_web() {
    if [ ! -x "$BIN/fsd-web" ]; then
        echo "(no $BIN/fsd-web built: the run goes on without the console)"
        return 0
    fi
    local portal=()
    ctl keygen --role portal --name portal --out "$FSD_HOME/keys/portal.key" >/dev/null 2>&1 \
        && portal=(--portal-key "$FSD_HOME/keys/portal.key")
    printf '%s\n' "$WEB_PASSWORD" >"$WORK/web-password"
    chmod 600 "$WORK/web-password"
    ctl web user add "$WEB_USER" --role dispatcher --password-file "$WORK/web-password" >/dev/null
    "$BIN/fsd-web" --listen "127.0.0.1:$WEB_PORT" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" \
        --users "$FSD_HOME/web-users.db" --static "$ROOT/web/static" "${portal[@]}" \
        --territories examples/territories.geojson \
        >"$WORK/web.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$WEB_PORT/" 2>/dev/null && break
        sleep 0.05
    done
    echo "  console: http://127.0.0.1:$WEB_PORT/   login: $WEB_USER / $WEB_PASSWORD   (log in ${WORK#$ROOT/}/web.log)"
}
step "the dispatch console (fsd-web)"
start_web

step "the fleet comes online (fsd-agent sim: 40 technicians in one process)"
"$BIN/fsd-agent" --home "$WORK/sim" --log-level warn sim --keys "$WORK/fleet" \
    --accept-delay-ms 300-2500 --decline-rate 0.12 --work-ms "$([ $CONSOLE = 1 ] && echo 20000 || echo 2500)" --seed 2026 \
    --duration-s "$([ $CONSOLE = 1 ] && echo 86400 || echo 150)" >"$WORK/fleet.log" 2>&1 &
PIDS+=($!)
sleep 2

if [ $CONSOLE = 1 ]; then
    step "requests keep coming, 2 per second (the sample file, again and again)"
    ( while :; do desk request --batch examples/requests.csv --rate 2 >>"$WORK/intake.log" 2>&1 || sleep 1; done ) &
    PIDS+=($!)
    sleep 3
    job=$(dana jobs --limit 1 --json | jq -r '.jobs[0].job_id // empty')
    link=$([ -n "$job" ] && dana link "$job" --json 2>/dev/null | jq -r '.token // empty' || true)
    echo
    echo "  the console:        http://127.0.0.1:$WEB_PORT/"
    echo "  log in as:          $WEB_USER / $WEB_PASSWORD"
    [ -n "$link" ] && echo "  a customer's page:  http://127.0.0.1:$WEB_PORT/c/$link   ($job)"
    echo "  fsdctl as the same dispatcher's desk: FSD_HOME=$FSD_HOME FSD_SERVER=$FSD_SERVER FSD_KEY=$FSD_HOME/keys/dana.key $BIN/fsdctl board"
    echo
    echo "  running until Ctrl-C (logs in ${WORK#$ROOT/}/)"
    trap "exit 130" INT TERM   # the EXIT trap stops everything
    while :; do sleep 3600 & wait $! || true; done   # wait: a signal ends it at once
fi
dana technicians | first 8
echo "  ..."

step "streaming $(($(wc -l <examples/requests.csv) - 1)) requests at $RATE per second (call centre: fsdctl request --batch)"
desk request --batch examples/requests.csv --rate "$RATE" >"$WORK/intake.log" 2>&1 &
intake=$!
PIDS+=($intake)

# One line of progress every 3 s: jobs per state, from the server's report.
progress() {
    dana report --json | jq -r --arg t "$(($(date +%s) - started))s" '
        ([.by_state[]? | {(.name): .value}] | add // {}) as $s |
        "  \($t)  requests \(.requests)  new \($s.new // 0)  offered \($s.offered // 0)  assigned \($s.assigned // 0)  en_route \($s.en_route // 0)  on_site \($s.on_site // 0)  on_hold \($s.on_hold // 0)  completed \($s.completed // 0)  closed \($s.closed // 0)  escalated \($s.escalated // 0)"'
}
moved=""
goodwill=""
while kill -0 "$intake" 2>/dev/null; do
    sleep 3
    progress
    # a dispatcher grants goodwill on one out-of-warranty job in work
    if [ -z "$goodwill" ]; then
        job=$(dana jobs --limit 300 --json | jq -r '[.jobs[]? | select(.warranty == "expired"
                and (.state == "assigned" or .state == "en_route" or .state == "on_site"))][0].job_id // empty')
        if [ -n "$job" ] && dana goodwill "$job" --reason "long-standing customer, known fault of this model" \
                >/dev/null 2>&1; then
            echo "  dispatcher: goodwill on $job, out of warranty: treated as covered"
            goodwill=$job
        fi
    fi
    # once work is flowing, a dispatcher moves one assigned job across territories
    if [ -z "$moved" ]; then
        job=$(dana jobs --state assigned --limit 1 --json | jq -r '.jobs[0].job_id // empty')
        if [ -n "$job" ]; then
            from=$(dana track "$job" --json | jq -r .territory)
            to=$(dana board --json | jq -r --arg f "$from" '[.technicians[] | select(.online) | .territories[0] | select(. != $f)] | .[0]')
            echo "  dispatcher: moving $job from $from to $to"
            dana reassign "$job" --territory "$to" --reason "customer is at their $to address today" | sed -n '1,4p;/^technician/p' | sed 's/^/    /'
            moved=$job
        fi
    fi
done
wait "$intake" || true

step "what intake refused (the blocked customer, the address outside Berlin, bad data)"
grep '^line .*refused' "$WORK/intake.log" | sed 's/^/  /' || true
tail -1 "$WORK/intake.log" | sed 's/^/  /'

step "letting the fleet finish its work (at most 45 s)"
for _ in $(seq 1 15); do
    open=$(dana report --json | jq '[.by_state[]? | select(.name | test("^(new|offered|assigned|en_route|on_site|on_hold)$")) | .value] | add // 0')
    progress
    [ "$open" = 0 ] && break
    sleep 3
done

step "customers rate finished visits (which closes them)"
rated=0
for job in $(dana jobs --state completed --limit 1000 --json | jq -r '.jobs[].job_id'); do
    n=$((10#${job#J}))
    stars=$(( n % 5 == 0 ? 2 : 4 + n % 2 ))
    desk rate "$job" "$stars" --comment "demo rating" >/dev/null && rated=$((rated + 1))
done
echo "  $rated jobs rated"

step "ratings of 1-2 opened follow-ups for the territories' dispatchers: fsdctl followups"
dana followups | first 6 | sed 's/^/  /'
first=$(dana followups --json | jq -r '.items[0].id // empty')
if [ -n "$first" ]; then
    echo "  $(dana followups --json | jq '.items | length') open; a dispatcher calls the first customer back and closes it:"
    dana followup close "$first" --outcome "called back, apologised; the customer is satisfied" | sed 's/^/  /' || true
fi
if [ -n "$goodwill" ]; then
    step "the goodwill grant: fsdctl track $goodwill"
    dana track "$goodwill" | grep -E '^(job|state|warranty|goodwill|technician) ' | sed 's/^/  /'
    dana track "$goodwill" --json | jq -r '.history[] | select(.reason // "" | startswith("goodwill:"))
        | "  history: \(.actor): \(.reason)"'
fi

if [ -n "$moved" ]; then
    step "the job a dispatcher moved across territories: fsdctl track $moved"
    dana track "$moved" | sed 's/^/  /'
fi
# some requests asked for an appointment window ("Tue 14:00-16:00" in Berlin time)
booked=$(dana jobs --limit 1000 --json | jq -r '[.jobs[] | select(.window_booked)] | last | .job_id // empty')
if [ -n "$booked" ]; then
    step "a visit booked into the customer's appointment window: fsdctl track $booked"
    dana track "$booked" | grep -E '^(job |state|territory|arrive by|window|technician)|booked: ' | sed 's/^/  /'
    echo "  ($(dana jobs --limit 1000 --json | jq '[.jobs[] | select(.window_booked)] | length') of $(dana jobs --limit 1000 --json | jq '[.jobs[] | select(.window_end)] | length') requests with a window were booked into one)"
fi
escalated=$(dana jobs --state escalated --limit 1 --json | jq -r '.jobs[0].job_id // empty')
if [ -n "$escalated" ]; then
    step "why a job was escalated: fsdctl explain $escalated"
    dana explain "$escalated" | first 12 | sed 's/^/  /'
fi

step "an SLA at risk: a priority customer's call, logged 25 minutes late (policy PRIORITY: assign within 30 min, 24x7)"
late=$(desk request --json --name "Petra Schmitt" --phone "+4915195678275" \
    --address "Streitstraße 62, 13587 Berlin" --lat 52.53912 --lon 13.23474 --brand LG --category fridge \
    --problem "fridge warm, door seal torn" --reported-at $(( $(date +%s) * 1000 - 25 * 60000 )) | jq -r .job_id)
sleep 0.5
dana escalations | first 6 | sed 's/^/  /'
dana track "$late" | grep -E '^(sla|assign by|at risk) |at risk:' | sed 's/^/  /'

step "the dispatcher's board, in short"
dana board | grep -E '^(escalated|breached|at risk|waiting|offered|assigned|in progress|technicians) ' | sed 's/^/  /'

step "what customers were told (default sender: ${WORK#$ROOT/}/data/notifications.jsonl)"
ctl stats --json | jq -r '[.counters[] | select(.name | startswith("notify_")) | "\(.name) \(.value // 0)"] | join(", ")' | sed 's/^/  /'
jq -r '"  \(.job) \(.event): \(.text)"' "$FSD_HOME/notifications.jsonl" | sed -n 1,4p

step "the KPIs by customer tier (fsdctl report --by tier)"
dana report --by tier | sed 's/^/  /'
dana report --by provider --csv >"$WORK/kpi-by-provider.csv"
echo "  (by provider as CSV: ${WORK#$ROOT/}/kpi-by-provider.csv)"
echo
echo "demo finished in $(($(date +%s) - started)) s; data kept in ${WORK#$ROOT/}/ (server.log, fleet.log, intake.log, data/fsd.db)"
[ -x "$BIN/fsd-web" ] && echo "the console stops with the demo; 'make console' keeps one running until Ctrl-C"
true
