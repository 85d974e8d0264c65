# The README's tour, run as printed: every command of the code blocks
# marked <!-- tour --> runs against a real server with the example data,
# in order, and its output must be what the README shows.
#
# The commands run exactly as printed, in a directory where bin/ and
# examples/ are this build's and this checkout's, with the test's own
# server endpoint and keys (FSD_SERVER, FSD_SERVER_KEY; commands that name
# FSD_KEY keep it). `bin/fsd-server &`
# starts the test's server; other commands ending in & run in the
# background (an agent: until it has its session) and their output is not
# compared. Output is compared line by line after these rules, applied to
# the README's text and to the real output alike:
#   - a time "2026-11-23 14:43 CET" (any zone, with or without seconds,
#     or in RFC 3339) becomes <time>: times of day legitimately vary;
#   - "59s left" (an offer's countdown) becomes "<n>s left";
#   - runs of blanks count as one blank; trailing blanks are dropped;
#   - a line "..." in the README stands for any number of lines.
# Ids are NOT ignored: the tour's first request is J000001 on a fresh
# server. The output of a command that only reads (agent jobs, track,
# explain) is retried for up to 10 s when it differs (an offer takes a
# moment to reach the agent; a reader is never that fast); any other
# difference fails the test at once, showing both.
# TOUR_RECORD=1 prints every command's real output and goes on (for
# writing the tour).
. "$ROOT/tests/integration/lib.sh"

README=${TOUR_README:-$ROOT/README.md}

# The tour's blocks as lines "CMD<TAB>command" and "OUT<TAB>line".
extract() {
    awk '
    function flush_blank() { while (blanks > 0) { print "OUT\t"; blanks-- } }
    /^<!-- tour -->[ \t]*$/ { armed = 1; inblock = 0; next }
    armed && /^    / {
        inblock = 1
        line = substr($0, 5)
        if (cont) { sub(/^ +/, "", line); cmd = cmd " " line }
        else if (line ~ /^\$ /) { flush_blank(); blanks = 0; cmd = substr(line, 3) }
        else { flush_blank(); print "OUT\t" line; next }
        if (cmd ~ /\\$/) { sub(/ *\\$/, "", cmd); cont = 1 } else { cont = 0; print "CMD\t" cmd }
        next
    }
    armed && /^[ \t]*$/ { if (inblock) blanks++; next }
    armed { armed = 0; inblock = 0; blanks = 0 }
    ' "$README"
}

normalize() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?( [A-Z][A-Z0-9]{1,5}|[+-][0-9]{2}(:?[0-9]{2})?|Z)?/<time>/g' \
        -e 's/[0-9]+s left/<n>s left/g' -e 's/[ \t]+/ /g' -e 's/ $//'
}

# matches WANT GOT: GOT's lines follow WANT's, "..." matching any run.
matches() {
    awk -v wantfile="$1" '
    BEGIN { n = 0; while ((getline l < wantfile) > 0) { if (l ~ /^ ?\.\.\.$/) l = "..."; want[++n] = l } }
    { got[++m] = $0 }
    END {
        # classic glob match over lines, "..." as *
        for (i = 0; i <= n; i++) for (j = 0; j <= m; j++) ok[i, j] = 0
        ok[0, 0] = 1
        for (i = 1; i <= n; i++) {
            if (want[i] == "...") ok[i, 0] = ok[i - 1, 0]
            for (j = 1; j <= m; j++) {
                if (want[i] == "...") ok[i, j] = ok[i - 1, j] || ok[i, j - 1]
                else ok[i, j] = ok[i - 1, j - 1] && want[i] == got[j]
            }
        }
        exit ok[n, m] ? 0 : 1
    }' "$2"
}

# True for the tour's commands that only read (retrying them is harmless).
reads_only() {
    [[ $1 == *"fsd-agent "*" jobs"* || $1 == *"fsdctl track "* || $1 == *"fsdctl explain "* ]]
}

n_bg=0
run_step() {
    local cmd=$1 want=$2
    [ -n "$cmd" ] || return 0
    case $cmd in
    "bin/fsd-server &")
        start_server
        return 0 ;;
    *" &")
        n_bg=$((n_bg + 1))
        bash -c "${cmd% &}" >"bg-$n_bg.log" 2>&1 &
        PIDS+=($!)
        if [[ $cmd == *fsd-agent*" run "* || $cmd == *fsd-agent*" run &" ]]; then
            for _ in $(seq 1 100); do
                grep -q 'event=welcome' "bg-$n_bg.log" && return 0
                sleep 0.05
            done
            fail "tour: '$cmd' did not get a session: $(tail -3 "bg-$n_bg.log")"
        fi
        return 0 ;;
    esac
    printf '%s' "$want" | normalize >want.txt
    local deadline=$((SECONDS + 10))
    while :; do
        bash -c "$cmd" >got-raw.txt 2>&1 || true
        normalize <got-raw.txt >got.txt
        matches want.txt got.txt && break
        if [ $SECONDS -ge $deadline ] || ! reads_only "$cmd"; then
            [ -z "${TOUR_RECORD:-}" ] || break
            echo "--- tour command: $cmd" >&2
            echo "--- the README shows (normalized):" >&2; cat want.txt >&2
            echo "--- it printed:" >&2; cat got-raw.txt >&2
            fail "tour: '$cmd' printed something else than the README shows"
        fi
        sleep 0.3
    done
    [ -z "${TOUR_RECORD:-}" ] || { echo "\$ $cmd"; cat got-raw.txt; }
    steps=$((steps + 1))
}

ln -s "$BIN" bin
ln -s "$ROOT/examples" examples

say "the tour's commands, from README.md"
extract >tour.txt
[ "$(grep -c '^CMD' tour.txt)" -ge 15 ] || fail "README.md's tour has $(grep -c '^CMD' tour.txt) commands: are its blocks marked <!-- tour -->?"
grep -q $'^CMD\tbin/fsd-server &$' tour.txt || fail "the tour does not start a server"

steps=0
cmd=""
want=""
while IFS=$'\t' read -r kind text; do
    if [ "$kind" = CMD ]; then
        run_step "$cmd" "$want"
        cmd=$text
        want=""
    else
        want+="$text"$'\n'
    fi
done <tour.txt
run_step "$cmd" "$want"
say "$steps commands printed what the README shows"
echo "t_tour passed"
