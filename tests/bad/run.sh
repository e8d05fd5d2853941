#!/bin/sh
# tests/bad/run.sh KVSCOPE: the hostile-input catalogue. Each case NAME has NAME.expected:
#     exit STATUS
#     the exact first line of standard error
# and either an input file NAME.<ext> (run as `kvscope run NAME.<ext>`) or NAME.args, the
# arguments (evaluated by sh, so `run - </dev/zero` works). NAME.gen, if present, is a sh script
# run first in the scratch directory to make inputs too big or too odd to commit (a 10-MB line,
# a file nobody may read). A case whose NAME.asuser exists runs as an unprivileged user when
# the suite runs as root (root reads files whatever their mode).
# Every case must give the expected status and line using at most BAD_MAX_MS (default 1000) ms
# of CPU time (user + system: the wall clock of a shared CI machine says little) and at most 5 s
# of wall-clock time, under a 2 GiB address-space limit, without dying of a signal.
# Prints "bad: N passed, M failed"; non-zero on failure. --update rewrites the .expected files.
set -u
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--update] KVSCOPE" >&2; exit 2; }
case $1 in /*) kvs=$1 ;; *) kvs=$(pwd)/$1 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
max_ms=${BAD_MAX_MS:-1000}
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
cp -Rp "$here"/. "$tmp"/
chmod 755 "$tmp"
cd "$tmp" || exit 2
for g in *.gen; do
    [ -e "$g" ] || continue
    sh "$g" || { echo "bad: FAIL ${g%.gen}: its generator failed" >&2; exit 1; }
done
as_user=""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
now_ms() { date +%s%N | cut -c1-13; }
# cpu_now: set $cpu to the CPU time (user + system) of the finished children of this shell, in
# ms. `times` must run in this shell itself (a command substitution is a subshell with no
# children of its own), so the function is called plainly and its result read from $cpu.
cpu_now() {
    times >"$tmp/.times"
    cpu=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/);
                         printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }' "$tmp/.times")
}
pass=0
fail=0
skip=0
for exp in *.expected; do
    name=${exp%.expected}
    if [ -e "$name.args" ]; then
        args=$(cat "$name.args")
    else
        input=""
        for f in "$name".*; do
            case $f in *.expected | *.args | *.gen | *.asuser | *.stderr) ;; *) input=$f ;; esac
        done
        [ -n "$input" ] || { echo "FAIL $name: no input file and no $name.args"; fail=$((fail + 1)); continue; }
        args="run '$input'"
    fi
    runner=""
    if [ -e "$name.asuser" ] && [ "$(id -u)" = 0 ]; then
        if [ -z "$as_user" ]; then echo "skip $name (root, and no setpriv to drop privileges)"; skip=$((skip + 1)); continue; fi
        runner=$as_user
    fi
    t0=$(now_ms)
    cpu_now
    c0=$cpu
    ( ulimit -v 2097152 2>/dev/null; eval "exec timeout -s KILL 10 $runner '$kvs' $args" ) \
        </dev/null >/dev/null 2>"$name.stderr"
    rc=$?
    ms=$(( $(now_ms) - t0 ))
    cpu_now
    cpu=$((cpu - c0))
    line=$(head -n 1 "$name.stderr")
    if [ "$update" = 1 ]; then
        printf 'exit %s\n%s\n' "$rc" "$line" >"$here/$exp"
    fi
    want_rc=$(sed -n '1s/^exit //p' "$exp")
    want_line=$(sed -n 2p "$exp")
    why=""
    if [ "$rc" -ge 124 ]; then why="died or hung (status $rc)"
    elif [ "$rc" != "$want_rc" ]; then why="exit $rc, expected $want_rc"
    elif [ "$line" != "$want_line" ]; then why="first line of stderr differs"
    elif [ "$cpu" -gt "$max_ms" ]; then why="used $cpu ms of CPU (limit $max_ms)"
    elif [ "$ms" -gt 5000 ]; then why="took $ms ms of wall-clock time (limit 5000)"
    fi
    if [ -z "$why" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name: $why"
        echo "     want: $want_line"
        echo "     got:  $line"
    fi
done
echo "bad: $pass passed, $fail failed${skip:+, $skip skipped}"
[ "$fail" -eq 0 ]
