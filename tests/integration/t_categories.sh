# Appliance categories are data: the built-in fifteen until a file is
# loaded; a file adds a TV (with its minutes of work) without a code
# change, survives a restart, and cannot drop a category that active
# technicians still have as a skill. --check shows the diff first.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data

say "without a file: the built-in categories; a tv is unknown"
out=$(request $MITTE Bosch tv || true)
expect_eq "tv before" "$out" invalid_argument

say "a categories file: the fifteen and a tv"
{
    echo "id,name,duration_min"
    for c in washing_machine dryer washer_dryer dishwasher fridge freezer oven hob cooker_hood microwave \
        air_conditioner heat_pump boiler water_heater coffee_machine; do
        echo "$c,$c,60"
    done
    echo "tv,Television,45"
} >categories.csv
ctl category load categories.csv --check | tee check.out
grep -q '^added    1: tv' check.out || fail "--check does not show tv as added"
grep -q '^changed  .*heat_pump' check.out || fail "--check does not show heat_pump's new duration (120 -> 60)"
expect_eq "tv still unknown after --check" "$(request $MITTE Bosch tv || true)" invalid_argument
check "categories load" ctl category load categories.csv

say "a technician with the tv skill gets the tv job"
cat >tv-tech.csv <<'CSV'
id,name,provider,territories,skills,capacity,shift,lat,lon
T1,Tina Fernseh,P-NORD,mitte,tv,2,24h,52.5300,13.3850
CSV
check "tv technician" ctl agent load tv-tech.csv
start_agent T1
job=$(request $MITTE Bosch tv || true)
[[ "$job" == J* ]] || fail "the tv request was refused: $job"
wait_state "$job" offered
expect_eq "tv job holder" "$(job_tech "$job")" T1

say "a file without fridge is refused: C1 has it as a skill"
grep -v '^fridge,' categories.csv >no-fridge.csv
rc=0
ctl category load no-fridge.csv >out.txt 2>err.txt || rc=$?
cat err.txt
expect_eq "no-fridge exit" "$rc" 1
grep -q 'category fridge is not in the file, but 1 active technician' err.txt || fail "no reason given"

say "a bad duration is refused with its line"
printf 'id,name,duration_min\ntv,Television,0\n' >bad-duration.csv
rc=0
ctl category load bad-duration.csv 2>err.txt || rc=$?
expect_eq "bad duration exit" "$rc" 1
grep -q '^bad-duration.csv:2: duration_min' err.txt || fail "line 2 not named: $(cat err.txt)"

say "the catalogue survives a restart"
stop_server
start_server
job2=$(request $MITTE Bosch tv "" "+49 30 5550002" || true)
[[ "$job2" == J* ]] || fail "tv unknown after a restart: $job2"
say "ok"
