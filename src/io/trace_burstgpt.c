/* trace_burstgpt.c: BurstGPT traces (HPMLL/BurstGPT): CSV with a header, timestamps in seconds,
 * one row per request to ChatGPT or GPT-4. Columns are found by name because later releases
 * insert `Session ID` and `Elapsed time`. */
#include <stdio.h>
#include <string.h>

#include "io/trace_impl.h"

static const char *const burstgpt_header =
    "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type";

#define MODELS_SEEN 8

typedef struct {
    int time, model, prompt, output, fields;
    /* The distinct Model values seen, to say what exists when a `model` filter keeps nothing. */
    char seen[MODELS_SEEN][32];
    int seen_count;
    size_t matched; /* rows whose Model is the one asked for */
} burstgpt_columns;

static void remember_model(burstgpt_columns *col, const csv_field *m)
{
    for (int i = 0; i < col->seen_count; i++)
        if (csv_equals(m, col->seen[i]))
            return;
    if (col->seen_count < MODELS_SEEN)
        csv_quote(m, col->seen[col->seen_count++], sizeof col->seen[0]);
}

static int burstgpt_row(trace_ctx *c, burstgpt_columns *col, trace_row *r)
{
    csv_field f[CSV_MAX_FIELDS];
    int rc = csv_row(c, f, col->fields, burstgpt_header);
    if (rc)
        return rc;
    const csv_field *ts = &f[col->time];
    const char *why = trace_parse_seconds(ts->s, ts->len, &r->time_ns);
    if (why) {
        char q[48];
        return trace_bad_row(c, ts->column, "Timestamp '%s' %s: expected seconds since the "
                             "start of the trace (e.g. 5 or 5.25)", csv_quote(ts, q, sizeof q),
                             why);
    }
    r->time_column = ts->column;
    if ((rc = csv_count(c, &f[col->prompt], "Request tokens", &r->prompt)) != 0 ||
        (rc = csv_count(c, &f[col->output], "Response tokens", &r->output)) != 0)
        return rc;
    if (col->model >= 0) {
        remember_model(col, &f[col->model]);
        if (c->spec->model && !csv_equals(&f[col->model], c->spec->model))
            r->filtered = true;
        else
            col->matched++;
    }
    return 0;
}

int trace_read_burstgpt(trace_ctx *c)
{
    csv_field h[CSV_MAX_FIELDS];
    int bad = 0, n = csv_split(c, h, CSV_MAX_FIELDS, &bad);
    if (n == -2)
        return -1;
    burstgpt_columns col;
    memset(&col, 0, sizeof col);
    col.time = col.model = col.prompt = col.output = -1;
    col.fields = n;
    if (n > 0) {
        col.time = csv_find(h, n, "Timestamp");
        col.model = csv_find(h, n, "Model");
        col.prompt = csv_find(h, n, "Request tokens");
        col.output = csv_find(h, n, "Response tokens");
    }
    if (col.time < 0 || col.prompt < 0 || col.output < 0) {
        char hint[96];
        return trace_fail(c, c->in.lineno, 1, "not a BurstGPT header: expected the columns "
                          "Timestamp, Request tokens and Response tokens (as in %s)%s",
                          burstgpt_header,
                          trace_detect_hint(c, KVS_TRACE_BURSTGPT, hint, sizeof hint));
    }
    if (c->spec->model && col.model < 0)
        return trace_fail(c, c->in.lineno, 1, "`model: %s` needs a Model column, and this "
                          "header has none: remove `model`", c->spec->model);
    int rc = 0;
    for (;;) {
        int got = trace_next_line(c);
        if (got <= 0) {
            rc = got;
            break;
        }
        trace_row r = {.predicted = -1};
        rc = burstgpt_row(c, &col, &r);
        if (rc < 0)
            break;
        if (rc > 0)
            continue;
        rc = trace_add(c, &r);
        if (rc != 0) {
            rc = rc < 0 ? -1 : 0;
            break;
        }
    }
    if (rc == 0 && c->spec->model && col.matched == 0 && col.seen_count > 0) {
        size_t used = (size_t)snprintf(c->hint, sizeof c->hint, "`model: %s` matched no row; "
                                       "the Model column holds ", c->spec->model);
        for (int i = 0; i < col.seen_count && used < sizeof c->hint; i++)
            used += (size_t)snprintf(c->hint + used, sizeof c->hint - used, "%s%s",
                                     i ? ", " : "", col.seen[i]);
    }
    return rc;
}
