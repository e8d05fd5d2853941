/* tests/fuzz/fuzz.h: what the fuzz targets share. Each target defines LLVMFuzzerTestOneInput; it
 * is linked either with libFuzzer (clang, `make fuzz`) or with replay.c (any compiler, `make test`
 * replays tests/fuzz/regress/<target>/). A broken invariant prints why and aborts, so both
 * libFuzzer and the replay report it as a crash. */
#ifndef KVS_FUZZ_H
#define KVS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                            \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                \
            fputc('\n', stderr);                                                         \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#endif
