# Reference data that cannot silently go wrong: files that are not UTF-8,
# ';'-separated CSV, self-intersecting, swapped and overlapping polygons,
# technicians outside their provider's contract or far from their
# territories are refused with FILE:LINE and what to do; retiring a
# technician gives its open jobs back to matching (history kept);
# --check prints the diff and loads nothing; --replace retires what the
# file leaves out; request --batch exits 1 naming the refused lines.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data

# refused FILE KIND PATTERN...: the load exits 1 and stderr has each pattern
refused() {
    local file=$1 kind=$2; shift 2
    local rc=0
    ctl "$kind" load "$file" >out.txt 2>err.txt || rc=$?
    cat err.txt
    expect_eq "$file exit" "$rc" 1
    for p in "$@"; do grep -q -- "$p" err.txt || fail "$file: no '$p' in: $(cat err.txt)"; done
}
# feature ID TZ RING: one GeoJSON feature on one line
feature() { printf '{"type":"Feature","properties":{"id":"%s","name":"%s","tz":"%s"},"geometry":{"type":"Polygon","coordinates":[%s]}}' "$1" "$1" "$2" "$3"; }
collection() { printf '{"type":"FeatureCollection","features":[\n'; local first=1; for f in "$@"; do [ $first = 1 ] || printf ',\n'; printf '%s' "$f"; first=0; done; printf '\n]}\n'; }
terr_before=$(ctl territory load --check "$EXAMPLES/territories.geojson" | grep -c . || true)

say "a Latin-1 file is refused with its line"
printf 'phone,name\n+49 30 5551000,Ren\xe9 M\xfcller\n+49 30 5551001,Anna\n' >latin1.csv
refused latin1.csv customer '^latin1.csv:2: encoding: byte 0xE9' 'UTF-8'
ctl customer show "+49 30 5551000" --json >/dev/null 2>&1 && fail "the Latin-1 customer was stored"

# the server refuses it too, from any client (here: a name typed in Latin-1)
rc=0
ctl customer set "+49 30 5551003" --name "$(printf 'Ren\xe9')" 2>err.txt || rc=$?
expect_eq "Latin-1 name exit" "$rc" 1
grep -q 'name is not UTF-8' err.txt || fail "no UTF-8 refusal: $(cat err.txt)"

say "a ';'-separated CSV is refused as such"
printf 'phone;name\n+49 30 5551000;Anna\n' >semicolon.csv
refused semicolon.csv customer "^semicolon.csv:1: the columns are separated by ';'"

say "a self-intersecting polygon (a bow tie) is refused on its line"
collection "$(feature bow Europe/Berlin '[[13.60,52.60],[13.70,52.70],[13.70,52.60],[13.60,52.70],[13.60,52.60]]')" >bow.geojson
refused bow.geojson territory '^bow.geojson:2: geometry: ring 1 crosses itself'

say "a territory with lat and lon swapped is refused (Berlin would be in the Arabian Sea)"
collection "$(feature swapped Europe/Berlin '[[52.60,13.60],[52.60,13.70],[52.70,13.70],[52.70,13.60],[52.60,13.60]]')" >swapped.geojson
refused swapped.geojson territory '^swapped.geojson:2: geometry: .*swapped' '\[lon, lat\]'

say "overlapping territories are refused: in one file and against a loaded one"
collection "$(feature east1 Europe/Berlin '[[13.80,52.40],[13.90,52.40],[13.90,52.50],[13.80,52.50],[13.80,52.40]]')" \
    "$(feature east2 Europe/Berlin '[[13.85,52.45],[13.95,52.45],[13.95,52.55],[13.85,52.55],[13.85,52.45]]')" >overlap.geojson
refused overlap.geojson territory '^overlap.geojson:3: geometry: territory east2 overlaps territory east1 (line 2)'
# a small square inside mitte (nested)
collection "$(feature inner Europe/Berlin '[[13.37,52.52],[13.38,52.52],[13.38,52.53],[13.37,52.53],[13.37,52.52]]')" >nested.geojson
refused nested.geojson territory '^nested.geojson:2: geometry: territory inner overlaps territory mitte, already loaded'
# touching the loaded ones along an edge is fine, and so is a new territory apart
collection "$(feature east1 Europe/Berlin '[[13.80,52.40],[13.90,52.40],[13.90,52.50],[13.80,52.50],[13.80,52.40]]')" >east.geojson
check "a territory apart loads" ctl territory load east.geojson

say "a technician outside its provider's contract, and one with a home far away"
cat >techs-bad.csv <<'CSV'
id,name,provider,territories,skills,capacity,shift,lat,lon
Z1,Zora Eins,P-SUED,mitte,washing_machine,2,24h,52.5300,13.3850
Z2,Zora Zwei,P-NORD,mitte,washing_machine,2,24h,13.3850,52.5300
CSV
refused techs-bad.csv agent '^techs-bad.csv:2: territories: territory mitte is not in the contract of provider P-SUED' \
    '^techs-bad.csv:3: lat: home position 13.38500,52.53000 is [0-9]* km from'

say "request --batch exits 1 and names the refused line"
cat >reqs.csv <<'CSV'
name,phone,address,lat,lon,brand,category,serial,problem
Kunde Eins,+49 30 5552001,Torstraße 1,52.5358,13.3813,Bosch,washing_machine,,leaks
Kunde Weit,+49 30 5552002,Nirgendwo 1,10.0,10.0,Bosch,washing_machine,,leaks
CSV
rc=0
ctl_as desk request --batch reqs.csv >batch.out 2>batch.err || rc=$?
cat batch.out batch.err
expect_eq "batch exit" "$rc" 1
grep -q '^reqs.csv:3: lat: ' batch.err || fail "line 3 not named: $(cat batch.err)"

say "retiring a technician: its open job goes back to matching, its history stays"
start_agent A1
start_agent A2
job=$(request $MITTE Bosch washing_machine WM-NEW)
wait_state "$job" offered
holder=$(job_tech "$job")
[ -n "$holder" ] || fail "the job has no technician"
ctl technician retire "$holder" --reason "left the company" | tee retire.out
grep -q "technician $holder retired" retire.out || fail "no retirement line"
grep -q "job $job went back to matching" retire.out || fail "the open job was not given back"
ctl_as dana track "$job" --json >track.json
[ "$(jq -r '.technician_id // ""' track.json)" != "$holder" ] || fail "the job is still with $holder"
jq -e --arg t "$holder" '[.. | strings | select(test("technician " + $t + " retired"))] | length > 0' track.json >/dev/null \
    || fail "the job's history does not say why it moved: $(cat track.json)"
# retired: never offered again, and retiring again changes nothing
job2=$(request $MITTE Bosch washing_machine WM-NEW "+49 30 5550001")
sleep 0.5
[ "$(job_tech "$job2")" != "$holder" ] || fail "a retired technician got a new job"
ctl technician retire "$holder" | grep -q "already retired" || fail "second retire not idempotent"
ctl technicians --json | jq -e --arg t "$holder" '.technicians[] | select(.id == $t) | .retired_at > 0' >/dev/null \
    || fail "the retired technician is not listed as retired (history)"

say "a provider still in use is refused"
rc=0
ctl provider retire P-NORD 2>err.txt || rc=$?
expect_eq "provider in use exit" "$rc" 1
grep -q "still has .* active technician" err.txt || fail "no reason: $(cat err.txt)"

say "--check prints the diff and loads nothing; --replace retires what is left out"
# A1 (retired above) comes back, A2 gets capacity 2, C1 is left out
grep -v '^C1,' technicians.csv | sed 's/^A2,Arne Zwei,P-WEST,mitte,washing_machine;dishwasher,1/A2,Arne Zwei,P-WEST,mitte,washing_machine;dishwasher,2/' >techs-new.csv
ctl technician load techs-new.csv --check --replace | tee check.out
grep -q '^added    1: A1' check.out || fail "A1's return not shown"
grep -q '^changed  1: A2' check.out || fail "A2's change not shown"
grep -q '^retired  .*C1' check.out || fail "C1 not shown as retired"
grep -q 'nothing was loaded' check.out || fail "--check did not say nothing was loaded"
expect_eq "A2 capacity unchanged by --check" \
    "$(ctl technicians --json | jq -r '.technicians[] | select(.id == "A2") | .capacity')" 1
ctl technician load techs-new.csv --replace | tee replace.out
grep -q 'retired' replace.out || fail "the replace did not retire: $(cat replace.out)"
ctl technician retire C1 | grep -q "already retired" || fail "C1 was not retired by --replace"
# the territory C1 covered is now free of active technicians; retiring it works
ctl provider load "$EXAMPLES/providers.csv" --check | grep -q '^changed  0' || fail "providers changed by nothing"
say "ok"
