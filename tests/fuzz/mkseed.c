/* tests/fuzz/mkseed.c: turn scenario files into seed inputs for fuzz_engine (its binary format is
 * described there), scaling memory to at most 1024 and keeping the first 40 requests.
 * Usage: mkseed OUT-DIR SCENARIO... */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "io/scenario.h"

static void put16(FILE *f, unsigned v)
{
    fputc((int)(v >> 8 & 255), f);
    fputc((int)(v & 255), f);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mkseed OUT-DIR SCENARIO...\n");
        return 2;
    }
    for (int a = 2; a < argc; a++) {
        kvs_scenario s;
        kvs_error err;
        memset(&err, 0, sizeof err);
        if (kvs_scenario_load(argv[a], NULL, &s, &err) != 0) {
            kvs_error_print(stderr, &err);
            kvs_error_clear(&err);
            continue;
        }
        const kvs_workload *w = &s.workload;
        int64_t M = w->memory > 1024 ? 1024 : w->memory;
        double scale = (double)M / (double)w->memory;
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        char out[4096];
        snprintf(out, sizeof out, "%s/%s.bin", argv[1], base);
        FILE *f = fopen(out, "wb");
        if (f == NULL) {
            perror(out);
            return 1;
        }
        put16(f, (unsigned)(M - 1));
        fputc((int)(s.config.policy | s.config.admission << 2 | s.config.information << 3), f);
        fputc(2 | 1 << 3, f);            /* sigma 0.5, flip 0.25, theta auto */
        fputc(0, f);
        fputc(0, f);
        for (int i = 7; i >= 0; i--)
            fputc((int)(w->seed >> (8 * i) & 255), f);
        fputc(2, f);                     /* two switches: to svf at 5, to vllm at 30 */
        fputc(5, f), fputc(0, f), fputc(2, f);
        fputc(25, f), fputc(0, f), fputc(6, f);
        for (size_t i = 0; i < w->count && i < 40; i++) {
            const kvs_request *r = &w->requests[i];
            int64_t o = (int64_t)((double)r->output * scale);
            o = o < 1 ? 1 : o > 255 ? 255 : o;
            int64_t p = (int64_t)((double)r->prompt * scale);
            if (p + o > M)
                p = M - o;
            fputc((int)(r->arrival > 255 ? 255 : r->arrival), f);
            put16(f, (unsigned)p);
            fputc((int)o, f);
            fputc(0, f);
        }
        fclose(f);
        kvs_scenario_free(&s);
    }
    return 0;
}
