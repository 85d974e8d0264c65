# The command line behaves the same in every command: an unknown option
# or an extra argument is one line on stderr and exit status 2, before
# anything is sent (backup --bogus writes no file named --bogus; track
# --bogus asks for no job --bogus); numbers and times are checked; lists
# have a header, say when they are cut and page with --limit/--after;
# the three programs print one version; times are in the job's zone with
# the zone shown (or --tz), JSON adds RFC 3339 next to epoch ms.
. "$ROOT/tests/integration/lib.sh"
# profile add/use/remove below must not touch the profiles of whoever runs the tests
export XDG_CONFIG_HOME=$PWD/cfg

# usage_error WHAT COMMAND...: exit 2 and exactly one line on stderr, nothing on stdout
usage_error() {
    local what=$1 rc=0; shift
    "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" = 2 ] || fail "$what: exit $rc, want 2 ($(cat err.txt))"
    [ "$(wc -l <err.txt)" = 1 ] || fail "$what: stderr is not one line: $(cat err.txt)"
    [ ! -s out.txt ] || fail "$what: wrote to stdout: $(cat out.txt)"
}

say "every fsdctl command: --bogus and an extra argument are one-line usage errors (no server needed)"
# COMMAND (with what it needs to reach its options) | its positional arguments
while IFS='|' read -r cmd args; do
    # shellcheck disable=SC2086
    usage_error "fsdctl $cmd --bogus" "$BIN/fsdctl" $cmd $args --bogus
    # shellcheck disable=SC2086
    usage_error "fsdctl $cmd with an extra argument" "$BIN/fsdctl" $cmd $args extra-argument
    # shellcheck disable=SC2086
    "$BIN/fsdctl" $cmd --help >help.txt 2>&1 || fail "fsdctl $cmd --help failed"
    grep -q '^usage: ' help.txt || fail "fsdctl $cmd --help: no usage line"
done <<'TABLE'
request|--name N --phone 1 --address A --lat 52.5 --lon 13.4 --brand B --category oven --problem P
track|J000001
jobs|
cancel|J000001
rate|J000001 5
board|
reassign|J000001 --agent T01 --reason r
explain|J000001
stats|
report|
technicians|
territory load|f.geojson
provider load|f.csv
technician load|f.csv
agent load|f.csv
product load|f.csv
customer load|f.csv
customer set|+49301
customer show|+49301
customer forget|+49301
keygen|--role intake --name x --out x.key
key list|
key revoke|name
backup|b.db
restore|b.db
complain|J000001 --text t
followups|
followup close|F000001 --outcome o
followup visit|F000001
goodwill|J000001 --reason r
waiver approve|J000001
waiver reject|J000001 --reason r
sla load|f.csv
hours load|f.csv
escalations|
templates load|f.csv
templates show|
notifications|
audit|
offers|
offer accept|J000001
offer decline|J000001 --reason too_far
assign|J000001 T01
watch|--territory mitte
link|J000001
portal show|TOKEN
portal cancel|TOKEN --reason r
portal rate|TOKEN 5
web user add|erika --role dispatcher --password-file pw
web user passwd|erika
web user remove|erika
profile add|p1 --use
profile use|p1
profile list|
profile show|p1
profile remove|p1
technician retire|T01
provider retire|P1
territory retire|mitte
category load|f.csv
TABLE
[ ! -e ./--bogus ] || fail "backup --bogus wrote a file named --bogus"
[ ! -e cfg/fsd/profiles ] || fail "a refused profile command wrote a profile: $(ls cfg/fsd/profiles)"
usage_error "fsdctl bogus-command" "$BIN/fsdctl" bogus-command
usage_error "track without its job" "$BIN/fsdctl" track
usage_error "option without its value" "$BIN/fsdctl" track J1 --phone

say "numbers and times are checked"
while IFS='|' read -r what cmd; do
    # shellcheck disable=SC2086
    usage_error "$what" "$BIN/fsdctl" $cmd
done <<'TABLE'
jobs --limit 0|jobs --limit 0
jobs --limit x|jobs --limit x
jobs --limit -3|jobs --limit -3
jobs --limit 1001|jobs --limit 1001
jobs --limit 5x|jobs --limit 5x
escalations --limit 0|escalations --limit 0
notifications --limit x|notifications --limit x
audit --limit 1.5|audit --limit 1.5
rate stars 9|rate J000001 9
rate stars x|rate J000001 x
request --lat 91|request --name N --phone 1 --address A --lat 91 --lon 13.4 --brand B --category oven --problem P
request --lon x|request --name N --phone 1 --address A --lat 52 --lon x --brand B --category oven --problem P
request --reported-at 2026-02-30|request --reported-at 2026-02-30 --name N
report --from garbage|report --from garbage
report --to 2026-12-08 25:00|report --to 2026-12-08T25:00
audit --since 08.12.2026|audit --since 08.12.2026
restore --job-floor x|restore b.db --job-floor x
watch --count 0|watch --count 0
watch --renew-ms x|watch --renew-ms x
watch --resume-after 0|watch --resume-after 0
portal rate stars 6|portal rate TOKEN 6
offer decline --reason x|offer decline J000001 --reason x
assign --check --override|assign J000001 T01 --check --override
web user add --role x|web user add erika --role x
web user add NAME:x|web user add a:b --role dispatcher
profile add ../x|profile add ../x
--timeout x|--timeout x stats
--timeout 0|--timeout 0 stats
--tz Mars/Olympus|--tz Mars/Olympus stats
TABLE

say "fsd-agent and fsd-server: the same one-line usage errors"
usage_error "fsd-agent --bogus" "$BIN/fsd-agent" --bogus jobs
usage_error "fsd-agent jobs extra" "$BIN/fsd-agent" jobs extra
usage_error "fsd-agent accept two jobs" "$BIN/fsd-agent" accept J1 J2
usage_error "fsd-agent --seed x" "$BIN/fsd-agent" --seed x sim
usage_error "fsd-server --bogus" "$BIN/fsd-server" --bogus
usage_error "fsd-server extra" "$BIN/fsd-server" extra
usage_error "fsd-server --data without a value" "$BIN/fsd-server" --data

say "one version for all three programs"
v_ctl=$("$BIN/fsdctl" --version | awk '{print $2}')
v_agent=$("$BIN/fsd-agent" --version | awk '{print $2}')
v_server=$("$BIN/fsd-server" --version | awk '{print $2}')
[ -n "$v_ctl" ] || fail "fsdctl --version printed no version"
expect_eq "fsd-agent version" "$v_agent" "$v_ctl"
expect_eq "fsd-server version" "$v_server" "$v_ctl"
expect_eq "the Makefile's VERSION" "$v_ctl" "$(sed -n 's/^VERSION *?= *//p' "$ROOT/Makefile")"

start_server
load_test_data

say "lists page: a header, --limit, and a last line naming the --after of the next page"
for i in 1 2 3 4 5; do
    id=$(request $MITTE Bosch washing_machine "" "+49 30 555000$i")
    expect_eq "request $i" "$id" "J00000$i"
done
page=$(ctl_as dana jobs --limit 2)
expect_eq "page 1 header" "$(sed -n 1p <<<"$page" | awk '{print $1, $2, $3}')" "job state territory"
expect_eq "page 1 jobs" "$(sed -n '2,3p' <<<"$page" | awk '{print $1}' | tr '\n' ' ')" "J000005 J000004 "
grep -q -- '--after J000004' <<<"$(sed -n 4p <<<"$page")" || fail "page 1 does not say how to go on: $page"
page=$(ctl_as dana jobs --limit 2 --after J000004)
expect_eq "page 2 jobs" "$(sed -n '2,3p' <<<"$page" | awk '{print $1}' | tr '\n' ' ')" "J000003 J000002 "
grep -q -- '--after J000002' <<<"$page" || fail "page 2 does not say how to go on: $page"
page=$(ctl_as dana jobs --limit 2 --after J000002)
expect_eq "last page" "$(sed -n '2,$p' <<<"$page" | awk '{print $1}' | tr '\n' ' ')" "J000001 "
expect_eq "json page" "$(ctl_as dana jobs --limit 2 --after J000004 --json | jq -c '[[.jobs[].job_id], .more, .next_after]')" \
    '[["J000003","J000002"],true,"J000002"]'
expect_eq "json last page" "$(ctl_as dana jobs --limit 3 --after J000003 --json | jq -c '[[.jobs[].job_id], .more]')" \
    '[["J000002","J000001"],false]'

say "other lists have a header and say when they were cut"
out=$(ctl audit --limit 1)
expect_eq "audit header" "$(sed -n 1p <<<"$out" | awk '{print $1, $2}')" "at principal"
grep -q '^(list cut here: the newest 1 shown' <<<"$out" || fail "audit --limit 1 does not say it was cut: $out"
expect_eq "audit json" "$(ctl audit --limit 1 --json | jq -c '[(.rows | length), .more]')" '[1,true]'
expect_eq "audit not cut" "$(ctl audit --limit 1000 --json | jq -c .more)" false

say "times in the job's zone with the zone shown, or --tz; JSON adds RFC 3339"
created=$(ctl_as dana track J000001 | sed -n 's/^created *//p')
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} CES?T$' <<<"$created" || fail "created in Berlin time: '$created'"
utc=$(ctl_as dana --tz UTC track J000001 | sed -n 's/^created *//p')
grep -Eq ' UTC$' <<<"$utc" || fail "--tz UTC: '$utc'"
expect_eq "the same instant" "$(date -u -d "${utc% UTC}" +%s)" "$(TZ=Europe/Berlin date -d "${created% CE*T}" +%s)"
json=$(ctl_as dana track J000001 --json)
ms=$(jq -r .created_at <<<"$json")
text=$(jq -r .created_at_text <<<"$json")
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+0[12]:00$' <<<"$text" || fail "created_at_text: '$text'"
expect_eq "created_at_text is created_at" "$(date -d "$text" +%s)" "$((ms / 1000))"
expect_eq "job zone" "$(jq -r .tz <<<"$json")" Europe/Berlin
expect_eq "history texts" "$(jq '[.history[] | select(.at_text == null)] | length' <<<"$json")" 0
# inputs: a local time in --tz, an offset, and a zone abbreviation read back
since=$(TZ=Europe/Berlin date -d '-1 hour' '+%Y-%m-%d %H:%M')
expect_eq "audit --since local" "$(ctl --tz Europe/Berlin audit --since "$since" --json | jq '.rows | length > 0')" true
expect_eq "audit --since future" "$(ctl audit --since "$(date -u -d '+1 day' +%FT%H:%MZ)" --json | jq '.rows | length')" 0

say "explain: the chosen first, then the eligible by score, then the others nearest first"
ctl_as dana explain J000001 --json | jq -e '
    .candidates as $c
    | ($c | map(if .chosen then 0 elif (.failed // "") == "" then 1 else 2 end)) as $rank
    | ($rank == ($rank | sort))
      and ([$c[] | select((.failed // "") == "" and (.chosen | not)) | .score] as $s | $s == ($s | sort))
      and ([$c[] | select((.failed // "") != "") | .distance_km] as $d | $d == ($d | sort))' >/dev/null \
    || fail "explain order: $(ctl_as dana explain J000001)"

say "the board lists each job once, with its deadline and age"
board=$(ctl_as dana board)
grep -q 'deadline *age' <<<"$board" || fail "board header: $board"
dups=$(grep -oE '^  J[0-9]{6}' <<<"$board" | sort | uniq -d)
[ -z "$dups" ] || fail "board lists $dups twice: $board"
expect_eq "board lists every open job" "$(grep -cE '^  J[0-9]{6}' <<<"$board")" 5

say "report --by provider (and the old --by agent)"
expect_eq "by provider" "$(ctl_as dana report --by provider --json | jq -r .by)" provider
expect_eq "by agent" "$(ctl_as dana report --by agent --json | jq -r .by)" provider
echo "t_cli passed"
