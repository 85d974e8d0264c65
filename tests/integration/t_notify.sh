# Customer notifications: the default file sender gets the
# accepted, en_route and completed messages with the right words, a late
# one when a job is at risk, a file it cannot open retried; templates load
# all or nothing and speak the customer's language; a sender that fails
# its first attempts is retried until it delivers; one that always fails
# ends as failed in stats; one that hangs is killed after its limit and
# never delays dispatch; and after kill -9 of the server every pending
# notification is delivered.
. "$ROOT/tests/integration/lib.sh"

# until_ok SECONDS COMMAND...: until the command succeeds
until_ok() {
    local secs=$1; shift
    for _ in $(seq 1 $((secs * 10))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
# notes JOB: the job's notifications as JSON lines (event, status, text ...)
notes() { ctl_as dana notifications --job "$1" --json | jq -c '.notifications[]?'; }
# note_field JOB EVENT FIELD
note_field() { notes "$1" | jq -r --arg e "$2" "select(.event == \$e) | .$3 // \"\"" | head -1; }
# note_is JOB EVENT STATUS: the job's notification for EVENT has STATUS
note_is() { [ "$(note_field "$1" "$2" status)" = "$3" ]; }
# pending count in the outbox
pending() { db "select count(*) from notifications where status = 0"; }
pending_is() { [ "$(pending)" = "$1" ]; }
# file_events_are JOB N: N lines (late aside) for JOB in the default sender's file
file_events_are() { [ "$(jq -r --arg j "$1" 'select(.job == $j and .event != "late") | .event' "$file" 2>/dev/null | wc -l)" = "$2" ]; }
online() { ctl_as dana technicians --json | jq -e --arg t "$1" '.technicians[] | select(.id == $t and .online)' >/dev/null; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
SPANDAU="52.5130 13.1680"

# assign by 6 s (at risk after 4.5 s): a job nobody can take is late quickly
start_server --heartbeat-ms 500 --assign-sla-min 0.1,0.1
load_test_data
start_agent A1
start_agent A2

say "the default sender: accepted, en_route, completed appended to DATA/notifications.jsonl"
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_offer A1 "$job"
check accept agent A1 accept "$job"
check en_route agent A1 status "$job" en_route
check on_site agent A1 status "$job" on_site
check completed agent A1 status "$job" completed
file=$FSD_HOME/notifications.jsonl
until_ok 5 file_events_are "$job" 3 \
    || fail "notifications.jsonl: $(cat "$file" 2>/dev/null)"
expect_eq events "$(jq -r --arg j "$job" 'select(.job == $j and .event != "late") | .event' "$file" | paste -sd,)" \
    accepted,en_route,completed
line() { jq -c --arg j "$job" --arg e "$1" 'select(.job == $j and .event == $e)' "$file"; }
jq -e '.text | test("^Good news, Test Customer: Anna Eins will repair your Bosch washing machine \\(job J[0-9]+\\) by [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} CES?T\\. We will tell you when they are on the way\\.$")' \
    <<<"$(line accepted)" >/dev/null || fail "accepted text: $(line accepted)"
jq -e '.text | test("^Anna Eins is on the way to Teststraße 1, Berlin for your Bosch washing machine \\(job J[0-9]+\\) and should arrive around [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} CES?T\\.$")' \
    <<<"$(line en_route)" >/dev/null || fail "en_route text: $(line en_route)"
jq -e --arg j "$job" '(.text | contains("is repaired (job " + $j + ")") and contains("Rate the visit from 1 to 5 stars"))
                      and .rate_command == "fsdctl rate " + $j + " STARS"' <<<"$(line completed)" >/dev/null \
    || fail "completed text: $(line completed)"
jq -e '.id > 0 and .phone == "+49305550000" and .customer == "Test Customer" and .attempt == 1 and .technician_id == "A1"
       and (.created_at | test("^20[0-9-]+T[0-9:.]+Z$")) and .created_at_ms > 0' <<<"$(line accepted)" >/dev/null \
    || fail "the JSON contract: $(line accepted)"
expect_eq statuses "$(notes "$job" | jq -r .status | sort -u | paste -sd,)" sent
ctl_as dana track "$job" | grep -A1 '^  .*  en_route   sent' | grep -q 'on the way' || fail "track does not list the notifications"
[ "$(stat_counter notify_sent)" -ge 3 ] || fail "notify_sent: $(ctl stats --json)"
expect_eq received-off "$(jq -r 'select(.event == "received") | .id' "$file" | wc -l)" 0

say "late: a job nobody can take now is at risk after 4.5 s and the customer hears it"
late=$(request $SPANDAU Liebherr fridge "")
case $late in J*) ;; *) fail "request refused: $late" ;; esac
until_ok 12 jq -e -s --arg j "$late" 'any(.[]; .job == $j and .event == "late")' "$file" || fail "no late notification: $(cat "$file")"
jq -e -s --arg j "$late" 'any(.[]; .job == $j and .event == "late" and .text
    == "Sorry, Test Customer: your Liebherr fridge repair (job " + $j + ") is running late. We are on it and will keep you posted.")' \
    "$file" >/dev/null || fail "late text: $(grep "$late" "$file")"
ctl_as dana track "$late" --json | jq -e '.history[] | select(.reason | startswith("at risk"))' >/dev/null \
    || fail "no at-risk event next to the late notification"

say "templates: a file with an unknown placeholder is refused whole, by line"
cat >bad.csv <<'CSV'
event,language,text
accepted,,"{technician} is yours, {customer}"
en_route,,"{tech} is coming"
late,xx_YY,"Sorry"
teleported,,"Beam me up"
CSV
out=$(ctl templates load bad.csv 2>&1) && fail "a bad templates file was loaded: $out"
grep -q 'bad.csv:3: text: unknown placeholder {tech} at position 1' <<<"$out" || fail "no line 3 error: $out"
grep -q 'bad.csv:4: language:' <<<"$out" || fail "no line 4 error: $out"
grep -q 'bad.csv:5: event: unknown event' <<<"$out" || fail "no line 5 error: $out"
expect_eq "nothing loaded" "$(ctl templates show --json | jq -r '[.templates[] | select(.builtin | not)] | length')" 0
out=$(ctl_as dana templates load bad.csv 2>&1) && fail "a dispatcher loaded templates"
grep -q forbidden <<<"$out" || fail "dispatcher load: $out"

say "templates: the operator's words, and the customer's language with fallbacks"
cat >words.json <<'JSON'
[
  {"event": "accepted", "text": "{customer}, {technician} takes job {job} ({{ours}})."},
  {"event": "accepted", "language": "de", "text": "Hallo {customer}, {technician} übernimmt Auftrag {job}."},
  {"event": "cancelled", "language": "de", "text": "Auftrag {job} ist storniert."},
  {"event": "en_route", "language": "de", "text": "-"}
]
JSON
check "load json templates" ctl templates load words.json
shown=$(ctl templates show --json)
jq -e '[.templates[] | select(.event == "accepted" and .language == null and (.builtin | not))] | length == 1' <<<"$shown" >/dev/null \
    || fail "show: $shown"
jq -e '[.templates[] | select(.language == "de")] | length == 3' <<<"$shown" >/dev/null || fail "show de: $shown"
ctl customer set "+49 30 5550001" --name "Hans Meier" --language de >/dev/null
ctl customer set "+49 30 5550002" --name "Lisa Gruber" --language de-AT >/dev/null
ctl customer set "+49 30 5550003" --name "Jean Dupont" --language fr >/dev/null
out=$(ctl customer set "+49 30 5550004" --name "X" --language klingon 2>&1) && fail "a bad language was taken: $out"
grep -q "language" <<<"$out" || fail "bad language: $out"
declare -A want=(
    [+49 30 5550001]="Hallo Test Customer, Anna Eins übernimmt Auftrag %s."
    [+49 30 5550002]="Hallo Test Customer, Anna Eins übernimmt Auftrag %s."
    [+49 30 5550003]="Test Customer, Anna Eins takes job %s ({ours})."
)
for phone in "+49 30 5550001" "+49 30 5550002" "+49 30 5550003"; do
    j=$(request $MITTE Bosch washing_machine WM-NEW "$phone")
    wait_offer A1 "$j"
    check accept agent A1 accept "$j"
    # shellcheck disable=SC2059
    text=$(printf "${want[$phone]}" "$j")
    until_ok 5 note_is "$j" accepted sent || fail "$j accepted not sent: $(notes "$j")"
    expect_eq "accepted for $phone" "$(note_field "$j" accepted text)" "$text"
    expect_eq "file for $phone" "$(jq -r --arg j "$j" 'select(.job == $j and .event == "accepted") | .text' "$file")" "$text"
    [ "$phone" = "+49 30 5550003" ] || expect_eq "language of $j" "$(note_field "$j" accepted language)" \
        "$([ "$phone" = "+49 30 5550001" ] && echo de || echo de-AT)"
    check en_route agent A1 status "$j" en_route
    ctl_as dana cancel "$j" --reason "test over" >/dev/null
    until_ok 5 note_is "$j" cancelled sent || fail "$j cancelled not sent: $(notes "$j")"
    if [ "$phone" = "+49 30 5550003" ]; then
        note_field "$j" en_route text | grep -q "on the way" || fail "fr en_route: $(notes "$j")"
        note_field "$j" cancelled text | grep -q "has been cancelled" || fail "fr cancelled: $(notes "$j")"
    else
        expect_eq "de en_route is off" "$(note_field "$j" en_route event)" ""
        expect_eq "de cancelled" "$(note_field "$j" cancelled text)" "Auftrag $j ist storniert."
    fi
done
cat >empty-de.csv <<'CSV'
event,language,text
cancelled,de,-
CSV
check "replace" ctl templates load empty-de.csv --replace
expect_eq "after replace" "$(ctl templates show --json | jq -c '[.templates[] | select(.builtin | not) | [.event, .language, .text]]')" \
    '[["cancelled","de","-"]]'

say "the file sender (a thread of its own): a file it cannot open is retried, then each message is written once"
stop_server
start_server --heartbeat-ms 500 --notify-retry-ms 300
# the file's name points nowhere; put back by one rename (rename(2) is
# atomic: no moment where a sender could create the file afresh)
mv "$file" "$file.kept" && ln -s "$PWD/nowhere/notifications.jsonl" "$file"
j=$(request $MITTE Bosch washing_machine WM-NEW)
wait_offer A1 "$j"
check accept agent A1 accept "$j"
until_ok 5 [ "$(note_field "$j" accepted attempts)" -ge 1 ] || fail "no attempt: $(notes "$j")"
note_field "$j" accepted last_error | grep -q "cannot open $file: No such file or directory" \
    || fail "no open error: $(notes "$j")"
expect_eq "not sent while the file cannot be opened" "$(note_field "$j" accepted status)" pending
mv -T "$file.kept" "$file"
until_ok 5 note_is "$j" accepted sent || fail "not sent once the file was back: $(notes "$j")"
check en_route agent A1 status "$j" en_route
ctl_as dana cancel "$j" --reason "test over" >/dev/null
stop_server
start_server --heartbeat-ms 500
check "after a clean stop" jq -e -s '(map(.id) | length) == (map(.id) | unique | length)' "$file"
# one line, from an attempt after the failed ones
expect_eq "accepted lines of $j" "$(jq -r --arg j "$j" 'select(.job == $j and .event == "accepted") | .attempt >= 2' "$file")" true

say "a sender that fails its first two attempts: retried with backoff, then delivered"
stop_server
cat >flaky.sh <<'SH'
#!/bin/sh
msg=$(cat)
if [ "$FSD_NOTIFY_ATTEMPT" -lt 3 ]; then
    echo "gateway busy (attempt $FSD_NOTIFY_ATTEMPT)" >&2
    exit 75
fi
printf '%s\n' "$msg" >>"$OUT_DIR/flaky.jsonl"
SH
chmod +x flaky.sh
export OUT_DIR=$PWD
start_server --heartbeat-ms 500 --notify-cmd "$PWD/flaky.sh" --notify-retry-ms 200 --notify-attempts 5
until_ok 10 online A1 || fail "A1 not back online"
sent0=$(stat_counter notify_sent)
j=$(request $MITTE Bosch washing_machine WM-OLD)
wait_state "$j" offered
holder=$(job_tech "$j")
wait_offer "$holder" "$j"
check accept agent "$holder" accept "$j"
until_ok 10 note_is "$j" accepted sent || fail "not delivered: $(notes "$j")"
expect_eq attempts "$(note_field "$j" accepted attempts)" 3
jq -e -s --arg j "$j" 'any(.[]; .job == $j and .event == "accepted" and .attempt == 3)' flaky.jsonl >/dev/null \
    || fail "flaky.jsonl: $(cat flaky.jsonl)"
[ "$(stat_counter notify_retries)" -ge 2 ] || fail "notify_retries: $(ctl stats --json)"
[ "$(stat_counter notify_sent)" -gt "$sent0" ] || fail "notify_sent did not grow"
grep -q "event=notify_retry .*job=$j event=accepted attempt=2 .*gateway busy (attempt 2)" server.log || fail "no retry in the log"
ctl_as dana cancel "$j" --reason "test over" >/dev/null
until_ok 10 pending_is 0 || fail "the cancellation is still pending"

say "a sender that always fails: failed after its attempts, visible in stats"
stop_server
start_server --heartbeat-ms 500 --notify-cmd 'cat >/dev/null; echo "no route to gateway" >&2; exit 3' \
    --notify-retry-ms 100 --notify-attempts 3
j=$(request $MITTE Bosch washing_machine WM-OLD)
ctl_as dana reassign "$j" --override --agent A2 --reason "she knows the way" >/dev/null
until_ok 10 note_is "$j" accepted failed || fail "not failed: $(notes "$j")"
expect_eq attempts "$(note_field "$j" accepted attempts)" 3
expect_eq error "$(note_field "$j" accepted last_error)" "exit 3: no route to gateway"
[ "$(stat_counter notify_failed)" -ge 1 ] || fail "notify_failed: $(ctl stats --json)"
[ "$(stat_counter notify_failed_total)" -ge 1 ] || fail "notify_failed_total: $(ctl stats --json)"
ctl stats | grep -q '^notify_failed ' || fail "stats does not print notify_failed"
ctl_as dana notifications --failed --json | jq -e --arg j "$j" '.notifications[] | select(.job_id == $j and .event == "accepted")' \
    >/dev/null || fail "notifications --failed does not list it"
ctl_as dana track "$j" | grep -q 'accepted   failed after 3 attempts: exit 3: no route to gateway' || fail "track: $(ctl_as dana track "$j")"
ctl_as dana cancel "$j" --reason "test over" >/dev/null
until_ok 10 pending_is 0 || fail "the cancellation is still pending"

say "a hanging sender is killed after its limit and does not delay dispatch"
stop_server
cat >hang.sh <<'SH'
#!/bin/sh
echo $$ >>"$OUT_DIR/hang.pids"
exec sleep 30
SH
chmod +x hang.sh
start_server --heartbeat-ms 500 --notify-cmd "$PWD/hang.sh" --notify-timeout-ms 1000 --notify-max-inflight 2 \
    --notify-retry-ms 100 --notify-attempts 2
until_ok 10 online A1 || fail "A1 not back online"
until_ok 10 online A2 || fail "A2 not back online"
jobs=()
for i in 1 2 3; do
    t0=$(ms)
    j=$(request $MITTE Bosch washing_machine WM-OLD)
    for _ in $(seq 1 50); do [ "$(job_state "$j")" = offered ] && break; sleep 0.02; done
    offered=$(( $(ms) - t0 ))
    expect_eq "state of $j" "$(job_state "$j")" offered
    holder=$(job_tech "$j")
    wait_offer "$holder" "$j"
    t0=$(ms)
    check accept agent "$holder" accept "$j"
    accepted=$(( $(ms) - t0 ))
    echo "$j: offered after $offered ms, accept answered in $accepted ms"
    [ "$offered" -lt 1000 ] || fail "$j took $offered ms to be offered while senders hang"
    [ "$accepted" -lt 1500 ] || fail "accepting $j took $accepted ms while senders hang"
    [ "$(stat_counter notify_in_flight)" -le 2 ] || fail "more than 2 senders at once"
    jobs+=("$j")
done
for j in "${jobs[@]}"; do
    until_ok 15 note_is "$j" accepted failed || fail "$j: $(notes "$j")"
    expect_eq "error of $j" "$(note_field "$j" accepted last_error)" "timed out after 1000 ms (killed)"
done
grep -q 'event=notify_timeout' server.log || fail "no notify_timeout in the log"
sleep 0.3
# (a killed grandchild may linger as a zombie until init reaps it: that is not running)
running() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$st" ] && [ "${st#Z}" = "$st" ]; }
while read -r pid; do
    ! running "$pid" || fail "sender $pid still runs after its limit: $(ps -o pid,stat,etime,cmd -p "$pid")"
done <hang.pids
expect_eq "senders started" "$(wc -l <hang.pids)" 6   # 3 notifications x 2 attempts
[ "$(stat_counter notify_in_flight)" = 0 ] || fail "senders still counted in flight"

say "kill -9 with notifications pending: after the restart each is delivered, none lost"
stop_server
cat >gate.sh <<'SH'
#!/bin/sh
msg=$(cat)
if [ -e "$OUT_DIR/gate.closed" ]; then
    echo "gateway down" >&2
    exit 1
fi
printf '%s\n' "$msg" >>"$OUT_DIR/gate.jsonl"
SH
chmod +x gate.sh
touch gate.closed
gate_opts=(--heartbeat-ms 500 --notify-cmd "$PWD/gate.sh" --notify-retry-ms 200 --notify-retry-max-ms 800 --notify-attempts 1000)
start_server "${gate_opts[@]}"
printf 'event,text\nreceived,"We have your request {job}, {customer}."\n' >received.csv
check "received on" ctl templates load received.csv
first=$(db "select coalesce(max(id), 0) from notifications")
for j in "${jobs[@]}"; do ctl_as dana cancel "$j" --reason "test over" >/dev/null; done
new=()
for i in 1 2 3; do
    j=$(request $MITTE Bosch washing_machine WM-OLD)
    ctl_as dana reassign "$j" --override --agent "$([ $i = 2 ] && echo A2 || echo A1)" --reason "direct" >/dev/null
    new+=("$j")
done
ctl_as dana cancel "${new[0]}" --reason "changed my mind" >/dev/null
# per job one at a time, in order: the oldest is tried (and fails), the others wait behind it
tried_all() { [ "$(db "select count(*) from notifications n where id > $first and attempts = 0 and not exists
                      (select 1 from notifications e where e.job_id = n.job_id and e.status = 0 and e.id < n.id)")" = 0 ]; }
until_ok 10 tried_all || fail "the oldest of each job was not tried"
expect_eq "held back" "$(db "select count(*) from notifications n where id > $first and attempts > 0 and exists
                      (select 1 from notifications e where e.job_id = n.job_id and e.status = 0 and e.id < n.id)")" 0
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
expect_eq "delivered while closed" "$(cat gate.jsonl 2>/dev/null | wc -l)" 0
pend=$(db "select count(*) from notifications where id > $first and status = 0")
expect_eq "pending at the kill" "$pend" 10   # 3 cancelled + 3 received + 3 accepted + 1 cancelled
expect_eq "nothing else pending" "$(pending)" "$pend"
for j in "${new[@]}"; do
    # every change that tells the customer has its notification, from the same transaction
    moves=$(db "select count(*) from job_events where job_id = '$j' and to_state in (1, 3, 10) and from_state != to_state")
    expect_eq "notifications of $j" "$(db "select count(*) from notifications where job_id = '$j'")" "$moves"
done
rm gate.closed
start_server "${gate_opts[@]}"
until_ok 15 pending_is 0 || fail "still pending after the restart: $(db "select id, event, attempts, last_error from notifications where status = 0")"
lost=$(db "select id from notifications where id > $first" | while read -r id; do
    jq -e -s --argjson id "$id" 'any(.[]; .id == $id)' gate.jsonl >/dev/null || echo "$id"
done)
[ -z "$lost" ] || fail "never delivered: $lost"
expect_eq "failed" "$(db "select count(*) from notifications where id > $first and status != 1")" 0
# one job's messages reach the sender in the order they were made (several senders run at once)
jq -e -s '[group_by(.job)[] | map(.id) | . == sort] | all' gate.jsonl >/dev/null \
    || fail "out of order: $(jq -c '[.job, .event, .id]' gate.jsonl)"
jq -e -s --arg j "${new[1]}" 'any(.[]; .job == $j and .event == "received" and .text == "We have your request " + $j + ", Test Customer.")' \
    gate.jsonl >/dev/null || fail "received text: $(cat gate.jsonl)"
echo "notify ok"
