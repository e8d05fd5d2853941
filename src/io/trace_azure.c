/* trace_azure.c: the Azure LLM inference traces (AzurePublicDataset, 2023 and 2024):
 * CSV `TIMESTAMP,ContextTokens,GeneratedTokens`, absolute date-times, CRLF endings. */
#include <stdio.h>

#include "io/trace_impl.h"

static const char *const azure_header = "TIMESTAMP,ContextTokens,GeneratedTokens";

typedef struct {
    int time, prompt, output, fields;
} azure_columns;

static int azure_row(trace_ctx *c, const azure_columns *col, trace_row *r)
{
    csv_field f[CSV_MAX_FIELDS];
    int rc = csv_row(c, f, col->fields, azure_header);
    if (rc)
        return rc;
    const csv_field *ts = &f[col->time];
    const char *why = trace_parse_datetime(ts->s, ts->len, &r->time_ns);
    if (why) {
        char q[48];
        return trace_bad_row(c, ts->column, "TIMESTAMP '%s' %s: expected a date-time like "
                             "2023-11-16 18:15:46.6805900 or 2024-05-10 00:00:00.009930+00:00",
                             csv_quote(ts, q, sizeof q), why);
    }
    r->time_column = ts->column;
    if ((rc = csv_count(c, &f[col->prompt], "ContextTokens", &r->prompt)) != 0 ||
        (rc = csv_count(c, &f[col->output], "GeneratedTokens", &r->output)) != 0)
        return rc;
    return 0;
}

int trace_read_azure(trace_ctx *c)
{
    csv_field h[CSV_MAX_FIELDS];
    int bad = 0, n = csv_split(c, h, CSV_MAX_FIELDS, &bad);
    if (n == -2)
        return -1;
    azure_columns col = {-1, -1, -1, n};
    if (n > 0) {
        col.time = csv_find(h, n, "TIMESTAMP");
        col.prompt = csv_find(h, n, "ContextTokens");
        col.output = csv_find(h, n, "GeneratedTokens");
    }
    if (col.time < 0 || col.prompt < 0 || col.output < 0) {
        char hint[96];
        return trace_fail(c, c->in.lineno, 1, "not an Azure LLM inference trace header: "
                          "expected the columns %s%s", azure_header,
                          trace_detect_hint(c, KVS_TRACE_AZURE, hint, sizeof hint));
    }
    for (;;) {
        int got = trace_next_line(c);
        if (got <= 0)
            return got;
        trace_row r = {.predicted = -1};
        int rc = azure_row(c, &col, &r);
        if (rc < 0)
            return -1;
        if (rc > 0)
            continue;
        rc = trace_add(c, &r);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
}
