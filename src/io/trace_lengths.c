/* trace_lengths.c: length-only traces (e.g. sarathi-serve's ShareGPT statistics,
 * `num_prefill_tokens,num_decode_tokens,...`): real prompt/output pairs without times. Arrivals
 * come from a seeded arrival process (kvscope/generator.h); rows are taken in file order or
 * sampled with the seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/trace_impl.h"
#include "kvscope/rng.h"

/* docs/ENGINE.md's streams 1-5 belong to the engine and the generator; sampling rows gets its
 * own so that editing the arrival process does not change which rows are drawn. */
#define STREAM_TRACE_SAMPLE 6

typedef struct {
    int64_t prompt, output;
    size_t row;
    int line;
} length_row;

typedef struct {
    length_row *rows;
    size_t n, cap;
} length_rows;

static int keep_row(trace_ctx *c, length_rows *rows, int64_t prompt, int64_t output)
{
    if (rows->n == rows->cap) {
        if (rows->n >= KVS_MAX_REQUESTS)
            return trace_fail(c, c->in.lineno, 0, "more than %zu rows: kvscope's limit",
                              KVS_MAX_REQUESTS);
        size_t cap = rows->cap ? rows->cap * 2 : 1024;
        length_row *b = realloc(rows->rows, cap * sizeof *b);
        if (!b)
            return trace_fail(c, c->in.lineno, 0, "out of memory after %zu rows", rows->n);
        rows->rows = b;
        rows->cap = cap;
    }
    rows->rows[rows->n++] = (length_row){prompt, output, c->row, c->in.lineno};
    return 0;
}

static int read_rows(trace_ctx *c, length_rows *rows)
{
    csv_field h[CSV_MAX_FIELDS];
    int bad = 0, n = csv_split(c, h, CSV_MAX_FIELDS, &bad);
    if (n == -2)
        return -1;
    int pc = -1, oc = -1;
    const char *pname = "num_prefill_tokens", *oname = "num_decode_tokens";
    if (n > 0 && (pc = csv_find(h, n, pname)) >= 0) {
        oc = csv_find(h, n, oname);
    } else if (n > 0) {
        pname = "prompt";
        oname = "output";
        pc = csv_find(h, n, pname);
        oc = csv_find(h, n, oname);
    }
    if (pc < 0 || oc < 0) {
        char hint[96];
        return trace_fail(c, c->in.lineno, 1, "not a lengths header: expected the columns "
                          "num_prefill_tokens and num_decode_tokens (or prompt and output)%s",
                          trace_detect_hint(c, KVS_TRACE_LENGTHS, hint, sizeof hint));
    }
    char header[96];
    snprintf(header, sizeof header, "%s,%s,...", pname, oname);
    for (;;) {
        int got = trace_next_line(c);
        if (got <= 0)
            return got;
        csv_field f[CSV_MAX_FIELDS];
        int64_t prompt, output;
        int rc = csv_row(c, f, n, header);
        if (rc == 0 && (rc = csv_count(c, &f[pc], pname, &prompt)) == 0)
            rc = csv_count(c, &f[oc], oname, &output);
        if (rc < 0)
            return -1;
        if (rc > 0)
            continue;
        if (output == 0) {
            if (!c->spec->keep_failed) {
                c->out->rows_failed++;
                continue;
            }
            output = 1;
        }
        if (keep_row(c, rows, prompt, output) < 0)
            return -1;
    }
}

int trace_read_lengths(trace_ctx *c)
{
    const kvs_trace_spec *s = c->spec;
    length_rows rows = {NULL, 0, 0};
    kvs_request *made = NULL;
    int rc = read_rows(c, &rows);
    if (rc < 0 || rows.n == 0)
        goto out; /* finish() explains an empty result */
    size_t count = s->count ? s->count : rows.n;
    if (!s->sample && count > rows.n) {
        rc = trace_fail(c, 0, 0, "`count: %zu` but the file has only %zu usable rows: lower "
                        "count, or set `sample: true` to draw rows at random (with "
                        "replacement)", count, rows.n);
        goto out;
    }
    if (count > KVS_MAX_REQUESTS) {
        rc = trace_fail(c, 0, 0, "count must be at most %zu", KVS_MAX_REQUESTS);
        goto out;
    }
    /* The arrivals are the generator's, lengths fixed: the same arrival spec and seed give the
     * same arrival steps as `generate:` would. */
    made = calloc(count, sizeof *made);
    if (!made) {
        rc = trace_fail(c, 0, 0, "out of memory for %zu requests", count);
        goto out;
    }
    kvs_generator g;
    memset(&g, 0, sizeof g);
    g.count = count;
    g.arrival = s->arrival;
    g.prompt.kind = KVS_DIST_FIXED;
    g.prompt.max = -1;
    g.output.kind = KVS_DIST_FIXED;
    g.output.value = 1;
    g.output.max = -1;
    char why[256];
    if (kvs_generate(&g, s->seed, KVS_MAX_MEMORY, made, why, sizeof why) < 0) {
        rc = trace_fail(c, 0, 0, "the arrival process of a lengths trace: %s", why);
        goto out;
    }
    kvs_rng rng;
    kvs_rng_seed(&rng, s->seed, STREAM_TRACE_SAMPLE);
    for (size_t i = 0; i < count; i++) {
        size_t k = i;
        char id[48];
        int len;
        if (s->sample) {
            k = (size_t)(kvs_rng_uniform(&rng) * (double)rows.n);
            k = k < rows.n ? k : rows.n - 1;
            /* A row can be drawn twice: the draw number keeps ids unique. */
            len = snprintf(id, sizeof id, "%zu/%zu", i + 1, rows.rows[k].row);
        } else {
            len = snprintf(id, sizeof id, "%zu", rows.rows[k].row);
        }
        kvs_request q = {NULL, made[i].arrival, rows.rows[k].prompt, rows.rows[k].output, -1};
        if (trace_push(c, &q, id, (size_t)len, rows.rows[k].line) < 0) {
            rc = -1;
            goto out;
        }
    }
    rc = 0;
out:
    free(made);
    free(rows.rows);
    return rc;
}
