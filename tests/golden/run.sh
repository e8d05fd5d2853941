#!/bin/sh
# Golden tests: run the real kvscope on scenario files and compare its output byte for byte.
#
#   tests/golden/run.sh [--update] KVSCOPE
#
# Report cases, in tests/golden/:
#   NAME.yaml                  the scenario (NAME.args, if present: extra options, one line)
#   NAME.expected.json|csv|txt   = kvscope run NAME.yaml [args] --format json|csv|text
#   NAME.compare.expected.txt|json|csv = kvscope compare NAME.yaml [args] --format ...
#   Every .json case is also written with -o into a scratch directory and must match too.
#   The exit status must be 0. Cases named hand-* were computed by hand (see their comments).
# Command-line cases, in tests/golden/cli/ (run from that directory, stdin from /dev/null):
#   NAME.args                  the arguments (one line, shell quoting)
#   NAME.expected              "exit N", then the first line of stderr (or, when stderr is
#                              empty, "stdout: " and the first line of stdout)
#   NAME.stdout.expected       (optional) the whole standard output
# --update rewrites every expected file from the current kvscope (and creates NAME.expected.json
# for a scenario that has none) for review with `git diff`; it never reports failures.
set -u

update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
if [ $# -ne 1 ]; then
    echo "usage: $0 [--update] KVSCOPE" >&2
    exit 2
fi
case $1 in
    /*) kvscope=$1 ;;
    *) kvscope=$(pwd)/$1 ;;
esac
if [ ! -x "$kvscope" ]; then
    echo "golden: $kvscope is not an executable" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/kvscope-golden.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT INT TERM

pass=0
fail=0
updated=0

# check LABEL EXPECTED-FILE ACTUAL-FILE: compare, or copy over in --update mode.
check() {
    if [ "$update" = 1 ]; then
        if ! cmp -s "$3" "$2" 2>/dev/null; then
            cp "$3" "$2"
            updated=$((updated + 1))
            echo "golden: updated $2"
        fi
        return
    fi
    if cmp -s "$2" "$3"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "golden: FAIL $1" >&2
        diff -u "$2" "$3" | head -n 40 >&2
    fi
}

# Read NAME.args into "$@"-ready words (files are ours, so eval of their quoting is fine).
args_of() {
    if [ -f "$1" ]; then cat "$1"; fi
}

cd "$here" || exit 2

# ---- report cases
for yaml in *.yaml; do
    [ -f "$yaml" ] || continue
    name=${yaml%.yaml}
    extra=$(args_of "$name.args")
    found=0
    for kind in run compare; do
        for ext in json csv txt; do
            if [ "$kind" = run ]; then expected=$name.expected.$ext
            else expected=$name.compare.expected.$ext; fi
            if [ ! -f "$expected" ]; then
                # --update seeds a new scenario with its JSON report
                if [ "$update" = 1 ] && [ "$kind" = run ] && [ "$ext" = json ] && \
                   ! ls "$name".*expected* >/dev/null 2>&1; then
                    : >"$expected"
                else
                    continue
                fi
            fi
            found=1
            format=$ext
            [ "$ext" = txt ] && format=text
            out=$scratch/$name.$kind.$ext
            eval "set -- $extra"
            "$kvscope" "$kind" "$yaml" "$@" --format "$format" >"$out" 2>"$scratch/err"
            status=$?
            if [ "$status" != 0 ]; then
                fail=$((fail + 1))
                echo "golden: FAIL $kind $yaml --format $format: exit $status" >&2
                head -n 5 "$scratch/err" >&2
                continue
            fi
            check "$kind $yaml${extra:+ $extra} --format $format" "$expected" "$out"
            # -o must write the same bytes as standard output, atomically, and nothing else
            if [ "$ext" = json ] && [ "$update" = 0 ]; then
                mkdir -p "$scratch/o"
                "$kvscope" "$kind" "$yaml" "$@" --format json -o "$scratch/o/report.json" \
                    >"$scratch/o-stdout" 2>/dev/null
                if [ $? = 0 ] && [ ! -s "$scratch/o-stdout" ] && \
                   [ "$(ls -A "$scratch/o")" = report.json ]; then
                    check "$kind $yaml -o FILE" "$expected" "$scratch/o/report.json"
                else
                    fail=$((fail + 1))
                    echo "golden: FAIL $kind $yaml -o FILE: bad exit, output or stray files" >&2
                fi
                rm -rf "$scratch/o"
            fi
        done
    done
    if [ "$found" = 0 ]; then
        fail=$((fail + 1))
        echo "golden: FAIL $yaml has no expected output (run with --update to create one)" >&2
    fi
done

# A scenario read from standard input must give the same report as from its file.
if [ -f hand-tiny.yaml ] && [ "$update" = 0 ]; then
    "$kvscope" run - --format json <hand-tiny.yaml >"$scratch/stdin.json" 2>"$scratch/err"
    check "run - (hand-tiny.yaml on stdin)" hand-tiny.expected.json "$scratch/stdin.json"
fi

# ---- command-line cases
if [ -d cli ]; then
    cd cli || exit 2
    for a in *.args; do
        [ -f "$a" ] || continue
        name=${a%.args}
        eval "set -- $(cat "$a")"
        "$kvscope" "$@" </dev/null >"$scratch/out" 2>"$scratch/err"
        status=$?
        {
            echo "exit $status"
            if [ -s "$scratch/err" ]; then
                head -n 1 "$scratch/err"
            else
                printf 'stdout: '
                head -n 1 "$scratch/out"
            fi
        } >"$scratch/cli.$name"
        if [ ! -f "$name.expected" ] && [ "$update" = 0 ]; then
            fail=$((fail + 1))
            echo "golden: FAIL cli/$name has no $name.expected (run with --update)" >&2
            continue
        fi
        check "cli/$name: kvscope $(cat "$a")" "$name.expected" "$scratch/cli.$name"
        # NAME.stdout.expected, when present, must match the whole standard output
        if [ -f "$name.stdout.expected" ] || { [ "$update" = 1 ] && [ "${name#trace-info}" != "$name" ]; }; then
            check "cli/$name (stdout): kvscope $(cat "$a")" "$name.stdout.expected" "$scratch/out"
        fi
    done
    cd .. || exit 2
fi

if [ "$update" = 1 ]; then
    echo "golden: $updated file(s) updated; review them with git diff"
    exit 0
fi
echo "golden: $pass passed, $fail failed"
[ "$fail" = 0 ]
