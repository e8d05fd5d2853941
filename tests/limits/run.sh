#!/bin/sh
# tests/limits/run.sh KVSCOPE: what happens at the edges of memory and when kvscope is killed.
#  1. a generated scenario of 10 million requests under a 1 GiB address-space limit either runs
#     to the end within it (the compact engine does: ~56 bytes a request) or is refused with
#     "out of memory" (status 1: not the input's fault, docs/CLI.md), within 60 s: never a signal, never the OOM killer;
#     In 512 MiB it cannot fit and must be refused the same clean way;
#  2. the documented limit: 50 000 001 requests is refused up front, in under a second;
#  3. -o FILE is atomic: kvscope killed with SIGKILL while it writes a 300 000-request report
#     leaves the old FILE byte for byte as it was; an unkilled run then replaces it whole.
# Prints "limits: N passed, M failed"; non-zero on failure.
set -u
[ $# -eq 1 ] || { echo "usage: $0 KVSCOPE" >&2; exit 2; }
case $1 in /*) kvs=$1 ;; *) kvs=$(pwd)/$1 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
cd "$tmp" || exit 2
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
now_ms() { date +%s%N | cut -c1-13; }

gen() { # COUNT > file
    printf 'memory: 2000000\nseed: 1\ngenerate:\n  count: %s\n' "$1"
    printf '  arrival: {process: poisson, rate: 50}\n'
    printf '  prompt: {dist: uniform, min: 10, max: 500}\n'
    printf '  output: {dist: geometric, mean: 100, max: 2000}\n'
}

# 1. ten million requests in 1 GiB
gen 10000000 >ten-million.yaml
t0=$(now_ms)
( ulimit -v 1048576; exec "$kvs" run ten-million.yaml --format text -o out.txt ) 2>err.txt >/dev/null
rc=$?
ms=$(( $(now_ms) - t0 ))
if [ "$rc" = 0 ] && grep -q "10000000 completed" out.txt && [ "$ms" -lt 60000 ]; then
    ok "10 million requests in 1 GiB: ran to the end within the limit in $ms ms"
elif [ "$rc" = 1 ] && grep -q "out of memory" err.txt && [ "$ms" -lt 60000 ] \
   && [ ! -e out.txt ]; then
    ok "10 million requests in 1 GiB: refused with status $rc in $ms ms ($(head -1 err.txt))"
else
    bad "10 million requests in 1 GiB: status $rc after $ms ms: $(head -1 err.txt)"
fi

# 1b. the same in 512 MiB cannot fit (the workload alone is 381 MiB): a clean refusal, not a crash
t0=$(now_ms)
( ulimit -v 524288; exec "$kvs" run ten-million.yaml --format text -o out-small.txt ) 2>err.txt >/dev/null
rc=$?
ms=$(( $(now_ms) - t0 ))
if [ "$rc" = 1 ] && grep -q "out of memory" err.txt && [ "$ms" -lt 60000 ] \
   && [ ! -e out-small.txt ]; then
    ok "10 million requests in 512 MiB: refused with status $rc in $ms ms ($(head -1 err.txt))"
else
    bad "10 million requests in 512 MiB: status $rc after $ms ms: $(head -1 err.txt)"
fi

# 1c. in 256 MiB even the scenario loader cannot hold the requests: its error names the place
# and the exit status is still 1 (out of memory is not the input's fault), not 2
( ulimit -v 262144; exec "$kvs" run ten-million.yaml --format text -o out-tiny.txt ) 2>err.txt >/dev/null
rc=$?
if [ "$rc" = 1 ] && grep -q "ten-million.yaml:.*out of memory" err.txt && [ ! -e out-tiny.txt ]; then
    ok "10 million requests in 256 MiB: the loader refuses with status 1 ($(head -1 err.txt))"
else
    bad "10 million requests in 256 MiB: status $rc: $(head -1 err.txt)"
fi

# 2. over the documented limit
gen 50000001 >over.yaml
t0=$(now_ms)
"$kvs" run over.yaml 2>err.txt >/dev/null
rc=$?
ms=$(( $(now_ms) - t0 ))
want="over.yaml:4:10: error: count must be from 1 to 50000000, found 50000001"
if [ "$rc" = 2 ] && [ "$(head -1 err.txt)" = "$want" ] && [ "$ms" -lt 1000 ]; then
    ok "50 000 001 requests refused up front ($ms ms)"
else
    bad "50 000 001 requests: status $rc after $ms ms: $(head -1 err.txt)"
fi

# 3. SIGKILL during the write of -o
gen 300000 >big.yaml
printf 'the old report\n' >report.json
cp report.json old.json
"$kvs" run big.yaml --format json -o report.json 2>err.txt &
pid=$!
killed=""
n=0
while [ $n -lt 3000 ]; do # up to 60 s
    for t in .report.json.*; do
        if [ -f "$t" ] && [ "$(wc -c <"$t")" -gt 1000000 ]; then
            kill -KILL "$pid" 2>/dev/null && killed=$(wc -c <"$t")
            break 2
        fi
    done
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
    n=$((n + 1))
done
wait "$pid" 2>/dev/null
if [ -n "$killed" ] && cmp -s report.json old.json; then
    ok "SIGKILL with $killed bytes of the new report written: the old file is intact"
else
    bad "SIGKILL mid-write (killed at ${killed:-never} bytes): report.json changed or the write was not caught"
fi
rm -f .report.json.*
if "$kvs" run big.yaml --format json -o report.json 2>err.txt && [ "$(tail -n 1 report.json)" = "]}" ] \
   && [ "$(ls -A | grep -c '^\.report')" = 0 ]; then
    ok "the same run, not killed, replaces the file whole ($(wc -c <report.json) bytes, no temp file left)"
else
    bad "an unkilled run replaces the file: $(head -1 err.txt)"
fi

echo "limits: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
