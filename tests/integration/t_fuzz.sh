# A short libFuzzer run (12 s) over the envelope decoder and the server's
# whole message path (tests/fuzz/fuzz_envelope.c), seeded with one valid
# envelope of every kind; passes when it finds no crash, leak or undefined
# behaviour. Skipped without clang. The long run is `make fuzz`.
set -euo pipefail
if ! command -v clang >/dev/null; then
    echo "clang is not installed: fuzzing skipped (make deps installs it)"
    exit 0
fi
FUZZ=$ROOT/build-fuzz/fuzz_envelope
make -C "$ROOT" -s --no-print-directory fuzz-build >build.log 2>&1 || { cat build.log; exit 1; }
FSD_FUZZ_SEEDS=seeds "$FUZZ"
mkdir -p corpus
UBSAN_OPTIONS=print_stacktrace=1 "$FUZZ" -max_total_time=${FSD_FUZZ_SECONDS:-12} -timeout=10 \
    -artifact_prefix="$PWD/" -print_final_stats=1 corpus seeds 2>fuzz.log || {
    tail -60 fuzz.log
    exit 1
}
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' fuzz.log
echo "corpus: $(ls corpus | wc -l) inputs"
