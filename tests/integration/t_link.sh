# The customer's link: it is in the notifications (and nowhere in the
# database); with a portal key it shows the job as the customer may see it
# (no phone, address or other jobs; the position only while en route),
# cancels before the visit and not after, rates a completed job (a low
# rating opens the follow-up, as `fsdctl rate` does); the portal key may use
# nothing else; one job's token never shows another job; an expired link and
# an unknown one get the same not_found; failed lookups are limited.
. "$ROOT/tests/integration/lib.sh"
PORTAL=https://fsd.example/c
start_server --portal-url "$PORTAL" --link-fail-limit 20
load_test_data
start_agent A1 --lat 52.5300 --lon 13.3850
ctl keygen --role portal --name portal --out "$FSD_HOME/keys/portal.key" >/dev/null

run_rc() {
    local want=$1 rc=0 out; shift
    out=$("$@") || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $out"
    printf '%s\n' "$out"
}
portal() { ctl_as portal portal "$@"; }

# token_of JOB EVENT: the token in the delivered notification of that event
token_of() {
    local t=""
    for _ in $(seq 1 100); do
        t=$(jq -r --arg j "$1" --arg e "$2" 'select(.job == $j and .event == $e) | .text' \
            "$FSD_HOME/notifications.jsonl" 2>/dev/null \
            | grep -o "$PORTAL/[A-Za-z0-9_-]*" | head -1 | sed "s#$PORTAL/##") || true
        [ -n "$t" ] && break
        sleep 0.1
    done
    [ -n "$t" ] || fail "no link in the $2 notification of $1: $(cat "$FSD_HOME/notifications.jsonl" 2>/dev/null)"
    printf '%s\n' "$t"
}

say "the accepted notification carries the job's link; fsdctl link reads the same"
job=$(request $MITTE Bosch washing_machine WM-NEW "+49 30 5551111")
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_offer A1 "$job"
check "accept" agent A1 accept "$job"
tok=$(token_of "$job" accepted)
expect_eq token-length "${#tok}" 43
expect_eq desk-link "$(ctl_as desk link "$job")" "$PORTAL/$tok"
expect_eq dana-link "$(jqf .url ctl_as dana link "$job")" "$PORTAL/$tok"
expect_eq dana-token "$(jqf .token ctl_as dana link "$job")" "$tok"
ctl audit --job "$job" --json | jq -e '[.rows[] | select(.verb == "get_link" and .principal == "dana")] | length >= 2' \
    >/dev/null || fail "reading a link is not in the access log: $(ctl audit --job "$job" --json)"

say "a copy of the database holds no working link"
sqlite3 "$FSD_HOME/fsd.db" .dump >dump.sql
if grep -q -- "$tok" dump.sql; then fail "the token is in the database"; fi
grep -q '{link}' dump.sql || fail "the outbox row should keep the {link} marker"
expect_eq secret-mode "$(stat -c %a "$FSD_HOME/link.key")" 600

say "the view shows only what the customer needs; no position before en route"
v=$(run_rc 0 portal show "$tok" --json)
expect_eq job "$(jq -r .job_id <<<"$v")" "$job"
expect_eq state "$(jq -r .state <<<"$v")" assigned
expect_eq first-name "$(jq -r .technician_first_name <<<"$v")" Anna
expect_eq provider "$(jq -r '.provider_name | length > 0' <<<"$v")" true
expect_eq contact "$(jq -r .provider_phone <<<"$v")" "the customer care team"
expect_eq can-cancel "$(jq -r .can_cancel <<<"$v")" true
expect_eq can-rate "$(jq -r '.can_rate // false' <<<"$v")" false
expect_eq no-position "$(jq -r '.position // "none"' <<<"$v")" none
expect_eq timeline "$(jq -c '[.timeline[].state]' <<<"$v")" '["new","assigned"]'
for secret in 5551111 Teststra "it is broken" "Test Customer" A1 Eins; do
    if grep -q -- "$secret" <<<"$v"; then fail "the view shows '$secret': $v"; fi
done
keys=$(jq -c 'keys' <<<"$v")
for k in phone address customer_name problem serial history technician_id; do
    jq -e --arg k "$k" 'index($k) | not' <<<"$keys" >/dev/null || fail "the view has $k: $v"
done
v_assigned=$(jq -r .version <<<"$v")
human=$(run_rc 0 portal show "$tok")
grep -q "technician:  Anna" <<<"$human" || fail "human view: $human"

say "en route: the technician's position and an ETA; on site: no cancel"
check "en_route" agent A1 status "$job" en_route
v=$(run_rc 0 portal show "$tok" --json)
expect_eq state "$(jq -r .state <<<"$v")" en_route
expect_eq position "$(jq -r '.position.lat' <<<"$v")" 52.53
jq -e --argjson was "$v_assigned" '.version > $was' <<<"$v" >/dev/null || fail "version did not grow: $v"
jq -e '.eta > 0' <<<"$v" >/dev/null || fail "no eta: $v"
check "on_site" agent A1 status "$job" on_site
v=$(run_rc 0 portal show "$tok" --json)
expect_eq no-position-on-site "$(jq -r '.position // "none"' <<<"$v")" none
expect_eq no-cancel "$(jq -r '.can_cancel // false' <<<"$v")" false
out=$(run_rc 1 portal cancel "$tok" --json)
expect_eq cancel-on-site "$(jq -r .error.code <<<"$out")" invalid_transition
expect_eq still "$(job_state "$job")" on_site
expect_eq early-rate "$(run_rc 1 portal rate "$tok" 5 --json | jq -r .error.code)" invalid_transition

say "completed: the customer rates 1/5, the job closes and the follow-up opens"
check "completed" agent A1 status "$job" completed
v=$(run_rc 0 portal show "$tok" --json)
expect_eq can-rate "$(jq -r .can_rate <<<"$v")" true
v=$(run_rc 0 portal rate "$tok" 1 --comment "came late" --json)
expect_eq rated-state "$(jq -r .state <<<"$v")" closed
expect_eq rated "$(jq -r .rating <<<"$v")" 1
jq -e '.expires_at > 0' <<<"$v" >/dev/null || fail "a closed job's link has an end: $v"
view=$(ctl_as dana track "$job" --json)
expect_eq rating "$(jq -r .rating <<<"$view")" 1
expect_eq comment "$(jq -r .rating_comment <<<"$view")" "came late"
fu=$(ctl_as dana followups --json)
jq -e --arg j "$job" '[.items[]? | select(.job_id == $j and (.cause | startswith("rated 1/5")))] | length == 1' \
    <<<"$fu" >/dev/null || fail "no follow-up for the low rating: $fu"
expect_eq rate-again "$(run_rc 1 portal rate "$tok" 5 --json | jq -r .error.code)" invalid_transition
expect_eq closed-still-shown "$(portal show "$tok" --json | jq -r .state)" closed

say "the customer cancels before the visit; one job's token never shows another"
job2=$(request $MITTE Bosch washing_machine WM-NEW "+49 30 5552222")
wait_offer A1 "$job2"
check "accept" agent A1 accept "$job2"
tok2=$(token_of "$job2" accepted)
[ "$tok2" != "$tok" ] || fail "two jobs share a token"
expect_eq other-job "$(portal show "$tok2" --json | jq -r .job_id)" "$job2"
v=$(run_rc 0 portal cancel "$tok2" --reason "fixed it myself" --json)
expect_eq cancelled "$(jq -r .state <<<"$v")" cancelled
expect_eq job-cancelled "$(job_state "$job2")" cancelled
ctl_as dana track "$job2" --json | jq -e '.history[-1] | .to == "cancelled" and .reason == "fixed it myself"' \
    >/dev/null || fail "cancel event: $(ctl_as dana track "$job2" --json | jq -c '.history[-1]')"
expect_eq first-unchanged "$(portal show "$tok" --json | jq -r .job_id)" "$job"
# a token one character off, a short one, and junk: not_found, field token
bad="${tok2:0:42}$([ "${tok2:42:1}" = A ] && echo B || echo A)"
for t in "$bad" abc "$tok2$tok2" "../$tok2"; do
    out=$(run_rc 1 portal show "$t" --json)
    expect_eq "unknown $t" "$(jq -r .error.code <<<"$out")" not_found
    expect_eq "unknown field" "$(jq -r .error.field <<<"$out")" token
done
unknown_msg=$(portal show "$bad" --json | jq -r .error.message) || true

say "the portal key may use the link verbs and nothing else"
for cmd in "track $job" "jobs" "link $job" "board" "cancel $job2" "rate $job 5" "followups" "customer show $job"; do
    # shellcheck disable=SC2086
    out=$(run_rc 1 ctl_as portal $cmd --json)
    expect_eq "portal $cmd" "$(jq -r .error.code <<<"$out")" forbidden
done
out=$(run_rc 1 ctl_as desk portal show "$tok" --json)
expect_eq desk-portal "$(jq -r .error.code <<<"$out")" forbidden

say "an expired link answers exactly like an unknown one"
stop_server
start_server --portal-url "$PORTAL" --link-days 0
out=$(run_rc 1 portal show "$tok2" --json)
expect_eq expired "$(jq -r .error.code <<<"$out")" not_found
expect_eq same-message "$(jq -r .error.message <<<"$out")" "$unknown_msg"
expect_eq expired-cancelled "$(run_rc 1 portal show "$tok" --json | jq -r .error.code)" not_found
stop_server
start_server --portal-url "$PORTAL" --link-fail-limit 3
expect_eq within-days "$(portal show "$tok2" --json | jq -r .job_id)" "$job2"

say "failed lookups are counted and limited"
for _ in 1 2 3; do run_rc 1 portal show "$bad" --json >/dev/null; done
out=$(run_rc 1 portal show "$tok2" --json)
expect_eq limited "$(jq -r .error.code <<<"$out")" rate_limited
grep -q 'event=link_unknown' server.log || fail "failed lookups are not logged"
expect_eq stats "$(ctl_as dana stats --json | jq -r '.counters[] | select(.name == "link_lookups_failed") | .value')" 3
echo "customer link ok"
