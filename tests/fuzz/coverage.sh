#!/bin/sh
# tests/fuzz/coverage.sh: line coverage that each fuzz target's corpus reaches in the sources it
# is meant to exercise, measured with gcc --coverage on the replay binaries (make fuzz-coverage).
# Usage: tests/fuzz/coverage.sh BUILD-DIR TARGET...
set -u
b=$1
shift
for t in "$@"; do
    find "$b" -name '*.gcda' -delete
    dirs=""
    for d in build-fuzz/corpus/$t build-fuzz/seeds/$t tests/fuzz/regress/$t tests/fuzz/seeds/$t; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    # shellcheck disable=SC2086
    "$b/fuzz/replay-$t" $dirs >/dev/null || { echo "coverage: replay of $t failed" >&2; exit 1; }
    case $t in
        scenario) files="src/io/scenario.c" ;;
        engine) files="src/core/engine.c src/core/config.c src/core/workload.c" ;;
        trace_kvscope) files="src/io/trace.c src/io/trace_json.c" ;;
        trace_*) files="src/io/trace.c src/io/trace_${t#trace_}.c" ;;
    esac
    inputs=$(cat $dirs 2>/dev/null | wc -c)
    count=$(find $dirs -type f | wc -l)
    for f in $files; do
        o="$b/${f%.c}.o"
        line=$(gcov -n -o "$(dirname "$o")" "$f" 2>/dev/null | awk -v f="$f" '
            $0 ~ "^File .*" f "'"'"'" { want = 1; next }
            want && /Lines executed/ { sub(/Lines executed:/, ""); print; exit }')
        printf '%-15s %6d inputs  %-26s %s\n' "$t" "$count" "$f" "$line"
    done
done
