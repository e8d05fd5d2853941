#!/bin/sh
# make bench: build the benchmarks with -O2 and print their tables. Figures are medians of
# repeated runs on this machine; they are measurements, not tests (nothing here can fail a build).
# BENCH_REPS (default 5) runs per row, BENCH_MAX_N (default 1000000) the largest synthetic case,
# BENCH_TRACE the Azure conversation trace (default ../shared/traces/azure-llm-2023/...conv.csv;
# its rows are skipped when it is absent), BENCH_BIG_N (default 0 = off) one extra fcfs burst
# row of that many requests, run once (e.g. 10000000 for the memory target).
set -eu
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
CC=${CC:-cc}
reps=${BENCH_REPS:-5}
max_n=${BENCH_MAX_N:-1000000}
trace=${BENCH_TRACE:-../shared/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv}
big_n=${BENCH_BIG_N:-0}
libs="$(pkg-config --libs ncursesw libcjson yaml-0.1) -lm"
$CC -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -Isrc bench/engine_bench.c \
    build/libkvscope-app.a build/libkvscope.a $libs -o "$out/engine_bench"
echo "== engine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), commit $(git rev-parse --short HEAD 2>/dev/null || echo none), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "   synthetic: M = 200000 tokens, prompt ~ U(100,2000), output ~ U(10,500), seed 42;"
echo "   poisson90 = 0.6 requests/step; azure10x = $trace, step 25 ms, rate x10, M = 418592"
echo "   (Llama-3.1-8B on one H100 80GB at 0.9). $reps runs per row; wall/cpu in seconds; rss_MiB ="
echo "   peak RSS of the row's process; B/req = (peak RSS - RSS with the workload built) / requests"
"$out/engine_bench" "$reps" "$max_n" "$trace" "$big_n"
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

if [ -f scenarios/azure-conv-10x.yaml ] && [ -f scenarios/traces/azure-conv-1h.csv ]; then
    echo "== kvscope compare scenarios/azure-conv-10x.yaml --policies fcfs,mcsf,svf,svf-1bit,vllm ($reps runs, wall s)"
    times=""
    i=0
    while [ "$i" -lt "$reps" ]; do
        t0=$(date +%s%N)
        ./kvscope compare scenarios/azure-conv-10x.yaml --policies fcfs,mcsf,svf,svf-1bit,vllm \
            > /dev/null
        t1=$(date +%s%N)
        times="$times $(( (t1 - t0) / 1000000 ))"
        i=$((i + 1))
    done
    echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {
        printf "   median %.3f  min %.3f  max %.3f\n", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000 }'
fi

$CC -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -Isrc -D_DEFAULT_SOURCE bench/timeline_bench.c \
    build/libkvscope-app.a build/libkvscope.a $libs -o "$out/timeline_bench"
echo "== timeline (the UI's history: snapshots on the way forward, replay to step back)"
"$out/timeline_bench" tests/ui/big.yaml "$reps"
echo "   the same with glibc's default allocator settings (the view sets its own, src/ui/ui.c):"
BENCH_GLIBC_DEFAULTS=1 "$out/timeline_bench" tests/ui/big.yaml "$reps" | sed '1d; s/, as the view meets it//'

if [ -f bench/frame_bench.c ]; then
    $CC -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -Isrc $(pkg-config --cflags ncursesw) \
        -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE_EXTENDED bench/frame_bench.c \
        build/src/ui/*.o build/libkvscope-app.a build/libkvscope.a \
        $libs -o "$out/frame_bench"
    echo "== UI frame time"
    "$out/frame_bench"
fi
