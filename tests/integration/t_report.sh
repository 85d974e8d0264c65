# The KPI report through the real programs: fsd-history writes the fixed
# event history of tests/unit/kpi_history.h into a fresh data directory
# through the server's own store, fsd-server is started on it, and
# `fsdctl report --csv` and `--json` for the week of 2026-03-23, whole and
# by territory, agent, warranty, tier, technician and hour, must give exactly
# the figures tests/unit/test_kpi.c works out by hand (the arithmetic is
# there). Then a live check: requests through the real fleet are counted.
. "$ROOT/tests/integration/lib.sh"

say "the fixed history goes in through the store; the server starts on it"
mkdir -p "$FSD_HOME"
"$BIN/fsd-history" "$FSD_HOME/fsd.db" >/dev/null || fail "fsd-history could not write the history"
start_server
ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key" >/dev/null
ctl keygen --role intake --name desk --out "$FSD_HOME/keys/desk.key" >/dev/null
WEEK=(--from 2026-03-23 --to 2026-03-30)

HEADER="by,group,requests,completed,cancelled,open,escalations,reassignments,assign_n,assign_p50_s,assign_p90_s,arrive_n,arrive_p50_s,arrive_p90_s,sla_judged,sla_kept,sla_kept_pct,sla_pending,assign_by_judged,assign_by_kept,arrive_by_judged,arrive_by_kept,fix_by_judged,fix_by_kept,ftf_judged,ftf_fixed,ftf_pct,ftf_pending,offers,declines,decline_rate_pct,declined_too_far,declined_too_far_pct,declined_no_parts,declined_no_parts_pct,declined_not_my_skill,declined_not_my_skill_pct,declined_off_shift,declined_off_shift_pct,declined_other,declined_other_pct,expiries,expiry_rate_pct,expired_timeout,expired_timeout_pct,expired_offline,expired_offline_pct,busy_s,shift_s,utilisation_pct,fleet_share_pct,ratings,ratings_good,csat_pct,rating_avg,at_risk,breached,goodwill,fees_waived,waivers_requested"
# The whole week (test_total): 10 requests; assign p50 300 s, p90 7200 s;
# arrive 9000 / 16200 s; SLA 13 of 19 deadlines; FTF 4 of 6; 14 offers,
# 4 declines (one per reason but other), 3 expiries (2 timeout, 1 offline);
# busy 63600 s (on shift, overlaps once) of 687600 s on shift; ratings 5 2 4 5 3.
ALL="all,all,10,7,1,2,3,2,8,300,7200,8,9000,16200,19,13,68.4,0,10,6,9,7,0,0,6,4,66.7,0,14,4,28.6,1,7.1,1,7.1,1,7.1,1,7.1,0,0.0,3,21.4,2,14.3,1,7.1,63600,687600,9.2,9.2,5,3,60.0,3.80,3,3,1,1,1"

# expect_csv NAME REPORT-OPTIONS...: the CSV equals the rows on stdin
# (after the header), and the JSON's groups and total hold the same values.
expect_csv() {
    local name=$1; shift
    { echo "$HEADER"; cat; } >"want-$name.csv"
    ctl_as dana report "$@" --csv >"got-$name.csv" || fail "report $* --csv failed"
    diff "want-$name.csv" "got-$name.csv" >"diff-$name.txt" \
        || fail "report $* --csv differs from the hand-computed figures: $(cat "diff-$name.txt")"
    ctl_as dana report "$@" --json >"got-$name.json" || fail "report $* --json failed"
    jq -e --rawfile csv "want-$name.csv" '
        ($csv | split("\n") | map(select(length > 0) | split(","))) as $rows
        | $rows[0] as $cols
        | (.groups + [.total]) as $got
        | ($got | length) == ($rows | length) - 1
          and all(range(1; $rows | length); . as $i
              | ($got[$i - 1] | keys | length) == ($cols | length)
                and all(range(0; $cols | length); . as $k
                    | $rows[$i][$k] as $want | $got[$i - 1][$cols[$k]] as $have
                    | if $want == "" then $have == null
                      elif $k < 2 then $have == $want
                      else $have == ($want | tonumber) end))' "got-$name.json" >/dev/null \
        || fail "report $* --json differs from the CSV's figures: $(jq -c '.groups + [.total]' "got-$name.json")"
}

say "the whole week"
expect_csv all "${WEEK[@]}" <<CSV
$ALL
CSV

say "by territory (test_by_territory)"
expect_csv territory "${WEEK[@]}" --by territory <<CSV
territory,nord,4,3,0,1,1,0,3,300,1200,3,3600,16200,8,4,50.0,0,4,2,4,2,0,0,3,1,33.3,0,7,2,28.6,1,14.3,0,0.0,0,0.0,1,14.3,0,0.0,2,28.6,2,28.6,0,0.0,19800,363600,5.4,2.9,2,1,50.0,3.50,1,2,0,0,0
territory,sued,3,2,0,1,1,1,3,660,7200,3,13800,16200,6,5,83.3,0,3,2,3,3,0,0,2,2,100.0,0,4,2,50.0,0,0.0,1,25.0,1,25.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,38400,162000,23.7,5.6,1,1,100.0,4.00,2,1,0,1,1
territory,west,3,2,1,0,1,1,2,120,180,2,2400,9000,5,4,80.0,0,3,2,2,2,0,0,1,1,100.0,0,3,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,1,33.3,0,0.0,1,33.3,5400,162000,3.3,0.8,2,1,50.0,4.00,0,0,1,0,0
$ALL
CSV

say "by provider (test_by_agent): offers count for the offered technician's provider"
expect_csv provider "${WEEK[@]}" --by provider <<CSV
provider,-,2,0,1,1,2,0,0,,,0,,,3,0,0.0,0,2,0,1,0,0,0,0,0,,0,0,0,,0,,0,,0,,0,,0,,0,,0,,0,,0,0,,,0,0,,,0,1,0,0,0
provider,P-A,7,6,0,1,1,2,7,600,7200,7,10800,16200,14,11,78.6,0,7,5,7,6,0,0,6,4,66.7,0,9,2,22.2,0,0.0,1,11.1,1,11.1,0,0.0,0,0.0,2,22.2,2,22.2,0,0.0,58200,324000,18.0,8.5,4,2,50.0,3.50,3,2,0,1,1
provider,P-B,1,1,0,0,0,0,1,180,180,1,2400,2400,2,2,100.0,0,1,1,1,1,0,0,0,0,,0,5,2,40.0,1,20.0,0,0.0,0,0.0,1,20.0,0,0.0,1,20.0,0,0.0,1,20.0,5400,363600,1.5,0.8,1,1,100.0,5.00,0,0,1,0,0
$ALL
CSV

say "by warranty (test_by_warranty): busy time as a share of the fleet's, no utilisation"
expect_csv warranty "${WEEK[@]}" --by warranty <<CSV
warranty,expired,3,2,0,1,0,1,3,600,660,3,13800,16200,6,6,100.0,0,3,3,3,3,0,0,2,2,100.0,0,3,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,20400,687600,,3.0,2,1,50.0,3.50,1,0,0,1,1
warranty,extended,2,2,0,0,0,0,2,300,1200,2,3600,16200,4,2,50.0,0,2,1,2,1,0,0,2,1,50.0,0,4,1,25.0,1,25.0,0,0.0,0,0.0,0,0.0,0,0.0,1,25.0,1,25.0,0,0.0,27000,687600,,3.9,1,0,0.0,2.00,1,1,0,0,0
warranty,in_warranty,4,2,1,1,3,1,2,300,7200,2,3600,10800,7,3,42.9,0,4,1,3,2,0,0,2,1,50.0,0,6,3,50.0,0,0.0,1,16.7,1,16.7,1,16.7,0,0.0,2,33.3,1,16.7,1,16.7,10800,687600,,1.6,1,1,100.0,5.00,1,2,0,0,0
warranty,unregistered,1,1,0,0,0,0,1,180,180,1,2400,2400,2,2,100.0,0,1,1,1,1,0,0,0,0,,0,1,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,5400,687600,,0.8,1,1,100.0,5.00,0,0,1,0,0
$ALL
CSV

say "by tier (test_by_tier)"
expect_csv tier "${WEEK[@]}" --by tier <<CSV
tier,priority,3,1,1,1,1,0,2,600,1200,2,13800,16200,5,2,40.0,0,3,1,2,1,0,0,1,0,0.0,0,5,1,20.0,1,20.0,0,0.0,0,0.0,0,0.0,0,0.0,2,40.0,1,20.0,1,20.0,31200,687600,,4.5,1,0,0.0,2.00,2,1,0,0,1
tier,standard,7,6,0,1,2,2,6,300,7200,6,3600,16200,14,11,78.6,0,7,5,7,6,0,0,5,4,80.0,0,9,3,33.3,0,0.0,1,11.1,1,11.1,1,11.1,0,0.0,1,11.1,1,11.1,0,0.0,32400,687600,,4.7,4,3,75.0,4.25,1,2,1,1,0
$ALL
CSV

say "by technician (test_by_technician): T4 has offers and a shift but no job"
expect_csv technician "${WEEK[@]}" --by technician <<CSV
technician,-,2,0,1,1,2,0,0,,,0,,,3,0,0.0,0,2,0,1,0,0,0,0,0,,0,0,0,,0,,0,,0,,0,,0,,0,,0,,0,,0,0,,,0,0,,,0,1,0,0,0
technician,T1,4,4,0,0,1,2,4,300,7200,4,3600,10800,8,7,87.5,0,4,3,4,4,0,0,4,3,75.0,0,5,1,20.0,0,0.0,0,0.0,1,20.0,0,0.0,0,0.0,2,40.0,2,40.0,0,0.0,19800,162000,12.2,2.9,2,1,50.0,4.00,1,1,0,0,0
technician,T2,3,2,0,1,0,0,3,660,1200,3,16200,16200,6,4,66.7,0,3,2,3,2,0,0,2,1,50.0,0,4,1,25.0,0,0.0,1,25.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,38400,162000,23.7,5.6,2,1,50.0,3.00,2,1,0,1,1
technician,T3,1,1,0,0,0,0,1,180,180,1,2400,2400,2,2,100.0,0,1,1,1,1,0,0,0,0,,0,3,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,0,0.0,1,33.3,0,0.0,1,33.3,5400,162000,3.3,0.8,1,1,100.0,5.00,0,0,1,0,0
technician,T4,0,0,0,0,0,0,0,,,0,,,0,0,,0,0,0,0,0,0,0,0,0,,0,2,2,100.0,1,50.0,0,0.0,0,0.0,1,50.0,0,0.0,0,0.0,0,0.0,0,0.0,0,201600,0.0,0.0,0,0,,,0,0,0,0,0
$ALL
CSV

say "by hour (test_by_hour): the hour of creation in the territory's zone, all 24 hours"
# nord and sued are Berlin (UTC+1 that week), west is London (UTC+0):
# J5 08 (west 08:00 UTC), J1 09, J2 J6 J7 J10 10, J3 11, J4 12, J8 13, J9 17
hours=$(ctl_as dana report "${WEEK[@]}" --by hour --json)
expect_eq hour-by "$(jq -r .by <<<"$hours")" hour
expect_eq hour-groups "$(jq -r '[.groups[].group] | join(",")' <<<"$hours")" \
    "00,01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23"
expect_eq hour-busy "$(jq -c '[.groups[] | select(.requests > 0) | [.group, .requests]]' <<<"$hours")" \
    '[["08",1],["09",1],["10",4],["11",1],["12",1],["13",1],["17",1]]'
expect_eq hour-empty "$(jq -c '.groups[3] | [.group, .requests, .assign_n]' <<<"$hours")" '["03",0,0]'
expect_eq hour-times "$(jq -c '[.groups[8,9] | [.assign_p50_s, .arrive_p50_s]]' <<<"$hours")" '[[180,2400],[300,3600]]'
expect_eq hour-total "$(jq -c '.total.requests' <<<"$hours")" 10
ctl_as dana report "${WEEK[@]}" --by hour --csv >got-hour.csv || fail "report --by hour --csv failed"
expect_eq hour-csv "$(grep -c '^hour,' got-hour.csv)" 24
ctl_as dana report "${WEEK[@]}" --by hour >got-hour.txt || fail "report --by hour (table) failed"

say "a job belongs to the period it was created in: [from, to), times as ISO"
# X0 was created 2026-03-22 23:50, J1 at 08:00, J2 at 09:00 (excluded: to is open)
got=$(ctl_as dana report --from 2026-03-22T23:50Z --to 2026-03-23T09:00Z --json | jq -c '.total | [.requests, .cancelled, .assign_p50_s]')
expect_eq "X0 and J1" "$got" "[2,1,300]"
got=$(ctl_as dana report --from 2026-03-23T00:00Z --to 2026-03-23T09:00:00Z --json | jq -c '.total | [.requests, .cancelled]')
expect_eq "J1 alone" "$got" "[1,0]"

say "the first report's fields are still there; the table says the same"
rep=$(ctl_as dana report "${WEEK[@]}" --json)
expect_eq requests "$(jq -r .requests <<<"$rep")" 10
expect_eq offers "$(jq -r .offers <<<"$rep")" 14
expect_eq closed "$(jq -r '.by_state[] | select(.name == "closed") | .value' <<<"$rep")" 6
expect_eq in_warranty "$(jq -r '.by_warranty[] | select(.name == "in_warranty") | .value' <<<"$rep")" 4
expect_eq window "$(jq -c '[.window_from, .window_to]' <<<"$rep")" "[1774224000000,1774828800000]"
table=$(ctl_as dana report "${WEEK[@]}" --by territory)
grep -Eq '^SLA kept +4/8 50\.0% +5/6 83\.3% +4/5 80\.0% +13/19 68\.4%$' <<<"$table" || fail "table: $table"
grep -Eq '^time to assign p90 +20m 00s +2h 00m +3m 00s +2h 00m$' <<<"$table" || fail "table: $table"

say "bad input: a usage error in fsdctl, and the intake desk may not read reports"
rc=0; ctl_as dana report --by colour >/dev/null 2>&1 || rc=$?
expect_eq by-colour "$rc" 2
rc=0; ctl_as dana report --from last-week >/dev/null 2>&1 || rc=$?
expect_eq from-last-week "$rc" 2
rc=0; ctl_as dana report --from 2026-03-30 --to 2026-03-23 >/dev/null 2>&1 || rc=$?
expect_eq backwards "$rc" 2
expect_eq desk "$(ctl_as desk report --json | jq -r .error.code)" forbidden

say "live: requests through the real fleet are counted"
load_test_data
start_agent A1
since=$(date -u -d '-1 minute' '+%Y-%m-%dT%H:%MZ')
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_state "$job" offered
wait_offer A1 "$job"
check "accept" agent A1 accept "$job"
check "en_route" agent A1 status "$job" en_route
check "on_site" agent A1 status "$job" on_site
check "completed" agent A1 status "$job" completed
ctl_as desk rate "$job" 5 >/dev/null
job2=$(request $MITTE Bosch washing_machine WM-OLD "+49 30 5550001")
wait_state "$job2" offered
ctl_as desk cancel "$job2" --reason "not needed" >/dev/null
live=$(ctl_as dana report --from "$since" --json)
# the two live jobs: one assigned, on site, completed and rated 5 within
# its three deadlines (assign-by, arrive-by, fix-by); one cancelled while
# offered (its deadlines void)
expect_eq live "$(jq -c '.total | [.requests, .completed, .cancelled, .assign_n, .arrive_n, .offers, .sla_judged, .sla_kept, .ratings, .csat_pct, .ftf_pending]' <<<"$live")" \
    "[2,1,1,1,1,2,3,3,1,100,1]"
# (territories where technicians are based show up too, with no requests)
expect_eq live-territory "$(ctl_as dana report --from "$since" --by territory --json \
    | jq -c '[.groups[] | select(.requests > 0) | [.group, .requests]]')" '[["mitte",2]]'

say "the history's figures did not move: the five technicians loaded now add no hours to March"
ctl_as dana report "${WEEK[@]}" --csv | tail -n 1 >got-again.csv
echo "$ALL" >want-again.csv
diff want-again.csv got-again.csv || fail "the history's figures changed once the server ran"
echo "report ok"
