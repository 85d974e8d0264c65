#!/usr/bin/env bash
# examples/demo.sh — what `make demo` runs: a day of dispatch in Berlin, fast.
#
# Starts fsd-server on a fresh database, loads the sample data (12 boroughs,
# 6 service providers, 40 technicians, 500 registered products, customers),
# runs the 40 technicians as a simulated fleet (fsd-agent sim: they accept or
# decline offers and work each job through to completed), streams the 300
# requests of examples/requests.csv at them, moves one job across
# territories as a dispatcher would, lets customers rate finished visits, and
# ends with the summary report. Everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/bin}
WORK=${DEMO_DIR:-$ROOT/build/demo}
PORT=${DEMO_PORT:-7790}
RATE=${DEMO_RATE:-12}            # requests per second
export FSD_HOME=$WORK/data FSD_SERVER=tcp://127.0.0.1:$PORT
export FSD_SERVER_KEY=$FSD_HOME/keys/server.pub FSD_KEY=$FSD_HOME/keys/admin.key
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

step() { printf '\n== %s\n' "$*"; }
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
ctl keygen --role intake --name callcentre --out "$FSD_HOME/keys/desk.key"
ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key"
ctl keygen --role agent --all-technicians --dir "$WORK/fleet" >/dev/null
echo "wrote $(ls "$WORK/fleet" | wc -l) technician keys into ${WORK#$ROOT/}/fleet/ (mode 0600), registered with the server"

step "the fleet comes online (fsd-agent sim: 40 technicians in one process)"
"$BIN/fsd-agent" --home "$WORK/sim" --log-level warn sim --keys "$WORK/fleet" \
    --accept-delay-ms 300-2500 --decline-rate 0.12 --work-ms 2500 --seed 2026 \
    --duration-s 150 >"$WORK/fleet.log" 2>&1 &
PIDS+=($!)
sleep 2
dana technicians | head -8
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
while kill -0 "$intake" 2>/dev/null; do
    sleep 3
    progress
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

if [ -n "$moved" ]; then
    step "the job a dispatcher moved across territories: fsdctl track $moved"
    dana track "$moved" | sed 's/^/  /'
fi
escalated=$(dana jobs --state escalated --limit 1 --json | jq -r '.jobs[0].job_id // empty')
if [ -n "$escalated" ]; then
    step "why a job was escalated: fsdctl explain $escalated"
    dana explain "$escalated" | head -12 | sed 's/^/  /'
fi

step "the dispatcher's board, in short"
dana board | grep -E '^(escalated|waiting|offered|assigned|in progress|technicians) ' | sed 's/^/  /'

step "the KPIs by customer tier (fsdctl report --by tier)"
dana report --by tier | sed 's/^/  /'
dana report --by agent --csv >"$WORK/kpi-by-agent.csv"
echo "  (by agent as CSV: ${WORK#$ROOT/}/kpi-by-agent.csv)"
echo
echo "demo finished in $(($(date +%s) - started)) s; data kept in ${WORK#$ROOT/}/ (server.log, fleet.log, intake.log, data/fsd.db)"
