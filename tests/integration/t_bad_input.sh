# Bad input, polite and hostile: fsdctl's invalid requests and files get
# clear errors by field and line; raw frames (fsd-poke) that are garbage,
# of another protocol version, bodiless, answers, too large or in two
# frames are answered with their error code and counted. Nothing of it
# changes anything, the server keeps answering, and a retried request
# (same msg_id) is applied once and answered with the original result.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data

# req ARGS...: a request as the intake desk, prints its JSON (error or view)
req() {
    ctl_as desk request --json --name "Test Customer" --address "Teststraße 1, Berlin" \
        --problem "it is broken" "$@" || true
}
POS=(--lat 52.5358 --lon 13.3813)
jobs_before=$(job_count)

say "malformed phone"
out=$(req --phone "call me maybe" "${POS[@]}" --brand Bosch --category washing_machine)
expect_eq phone-code "$(jq -r .error.code <<<"$out")" invalid_argument
expect_eq phone-field "$(jq -r .error.field <<<"$out")" phone

say "unknown category"
out=$(req --phone "+49 30 5550000" "${POS[@]}" --brand Bosch --category spaceship)
expect_eq category-code "$(jq -r .error.code <<<"$out")" invalid_argument
expect_eq category-field "$(jq -r .error.field <<<"$out")" category

say "missing position"
rc=0
ctl_as desk request --name "Test Customer" --phone "+49 30 5550000" --address "Teststraße 1" \
    --brand Bosch --category washing_machine --problem broken >/dev/null 2>err.txt || rc=$?
[ "$rc" -ne 0 ] || fail "a request without a position was accepted"
grep -q -- '--lat' err.txt || fail "no word about the missing position: $(cat err.txt)"

say "blocked customer"
blocked=$(awk -F, '$4 == "yes" { print $1; exit }' "$EXAMPLES/customers.csv")
note=$(awk -F, '$4 == "yes" { print $5; exit }' "$EXAMPLES/customers.csv")
[ -n "$blocked" ] || fail "examples/customers.csv has no blocked customer"
out=$(req --phone "$blocked" "${POS[@]}" --brand Bosch --category washing_machine)
expect_eq blocked-code "$(jq -r .error.code <<<"$out")" customer_blocked
# the message says the customer is blocked and whom to refer them to; the
# internal note stays in the office (fsdctl customer show, for dispatchers)
jq -e '.error.message | test("blocked") and test("customer care")' <<<"$out" >/dev/null \
    || fail "the message does not say blocked and whom to contact: $out"
jq -e --arg n "$note" '.error.message | contains($n) | not' <<<"$out" >/dev/null \
    || fail "the internal note '$note' leaks into the message: $out"

say "serial registered as another brand"
out=$(req --phone "+49 30 5550000" "${POS[@]}" --brand Siemens --category washing_machine --serial WM-OLD)
expect_eq brand-code "$(jq -r .error.code <<<"$out")" invalid_argument
expect_eq brand-field "$(jq -r .error.field <<<"$out")" brand

say "a technicians file with a bad capacity (line 3) and an unknown provider (line 4)"
techs_before=$(ctl technicians --json | jq -c '[.technicians[].id] | sort')
cat >bad-technicians.csv <<'CSV'
id,name,provider,territories,skills,capacity,shift,lat,lon
X1,Xaver Eins,P-NORD,mitte,washing_machine,2,24h,52.5300,13.3850
X2,Xaver Zwei,P-NORD,mitte,washing_machine,lots,24h,52.5300,13.3850
X3,Xaver Drei,P-NOWHERE,mitte,washing_machine,2,24h,52.5300,13.3850
CSV
rc=0
ctl agent load bad-technicians.csv >out.txt 2>err.txt || rc=$?
cat err.txt
expect_eq csv-exit "$rc" 1
grep -q '^bad-technicians.csv:3: capacity' err.txt || fail "line 3 (capacity) not reported"
grep -q '^bad-technicians.csv:4: provider' err.txt || fail "line 4 (provider) not reported"
! grep -q ':2:' err.txt || fail "the good line 2 was reported"
expect_eq technicians-unchanged "$(ctl technicians --json | jq -c '[.technicians[].id] | sort')" "$techs_before"

say "a GeoJSON feature with an unknown time zone is refused by the server, with its line"
# the third feature (on line 6 of the file) gets a time zone that does not exist
awk 'NR == 6 { sub(/Europe\/Berlin/, "Europe/Atlantis") } { print }' \
    "$EXAMPLES/territories.geojson" >bad-territories.geojson
line=$(grep -n 'Europe/Atlantis' bad-territories.geojson | cut -d: -f1)
expect_eq edited-line "$line" 6
rc=0
ctl territory load bad-territories.geojson >out.txt 2>err.txt || rc=$?
cat err.txt
expect_eq geojson-exit "$rc" 1
grep -q "^bad-territories.geojson:$line: tz" err.txt || fail "the bad tz is not reported on line $line"
grep -q 'server refused' err.txt || fail "the refusal does not come from the server"

say "raw frames: garbage, other version, no body, an answer, too large, two frames"
poke() { "$BIN/fsd-poke" --key "$FSD_HOME/keys/$1.key" --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" "${@:2}"; }
expect_eq garbage "$(poke desk --garbage 100 | jq -r .error.code)" malformed
expect_eq version "$(poke desk --envelope version | jq -r .error.code)" bad_version
expect_eq empty "$(poke desk --envelope empty | jq -r .error.code)" unknown_message
expect_eq reply "$(poke desk --envelope reply | jq -r .error.code)" unknown_message
expect_eq big "$(poke desk --envelope big | jq -r .error.code)" too_large
expect_eq frames "$(poke desk --envelope frames | jq -r .error.code)" malformed
expect_eq agent-garbage "$(poke dana --garbage 3000 | jq -r .error.code)" malformed

say "the server is alive, counted it all, and made no job of it"
check "stats answers" ctl stats >/dev/null
for c in malformed bad_version unknown_message too_large; do
    v=$(stat_counter $c)
    [ "$v" -gt 0 ] || fail "counter $c is $v"
done
[ "$(stat_counter invalid)" -ge 3 ] || fail "invalid counter: $(stat_counter invalid)"
expect_eq jobs-unchanged "$(job_count)" "$jobs_before"

say "a retried request (same msg_id) is applied once and answered with the original result"
poke desk --envelope submit --repeat 3 >retry.txt
expect_eq retry-replies "$(wc -l <retry.txt)" 3
expect_eq retry-distinct "$(jq -r .job_view.job_id retry.txt | sort -u | wc -l)" 1
job=$(jq -r .job_view.job_id retry.txt | head -1)
case $job in J*) ;; *) fail "the submit was refused: $(head -1 retry.txt)" ;; esac
poke desk --envelope submit --repeat 3 --burst >burst.txt
expect_eq burst-replies "$(wc -l <burst.txt)" 3
expect_eq burst-distinct "$(jq -r .job_view.job_id burst.txt | sort -u | wc -l)" 1
expect_eq jobs-after-retries "$(job_count)" $((jobs_before + 2))
[ "$(stat_counter duplicate)" -ge 4 ] || fail "duplicate counter: $(stat_counter duplicate)"
expect_eq events "$(sqlite3 "$FSD_HOME/fsd.db" "select count(*) from job_events where job_id = '$job' and to_state = 1")" 1
echo "bad input ok"
