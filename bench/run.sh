#!/bin/sh
# make bench: build the benchmarks with -O2 and print their tables. Figures are medians of
# repeated runs on this machine; they are measurements, not tests (nothing here can fail a build).
set -eu
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
CC=${CC:-cc}
reps=${BENCH_REPS:-5}
max_n=${BENCH_MAX_N:-1000000}
$CC -std=c11 -O2 -Wall -Wextra -Werror -Iinclude bench/engine_bench.c build/libkvscope.a -lm \
    -o "$out/engine_bench"
echo "== engine: $(nproc) cores, $(uname -m), commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
echo "   M = 200000 tokens, prompt ~ U(100,2000), output ~ U(10,500); $reps runs per row"
"$out/engine_bench" "$reps" "$max_n"
if [ -f bench/frame_bench.c ]; then
    $CC -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -Isrc $(pkg-config --cflags ncursesw) \
        -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE_EXTENDED bench/frame_bench.c \
        $(ls build/src/ui/*.o | grep -v '/ui.o$' || true) build/libkvscope-app.a build/libkvscope.a \
        $(pkg-config --libs ncursesw libcjson yaml-0.1) -lm -o "$out/frame_bench"
    echo "== UI frame time"
    "$out/frame_bench"
fi
