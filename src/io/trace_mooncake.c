/* trace_mooncake.c: Mooncake's traces (kvcache-ai/Mooncake, FAST'25 release): JSONL, one
 * {"timestamp" (ms), "input_length", "output_length", "hash_ids"} per line, parsed with cJSON
 * one line at a time. Other keys (hash_ids, ...) are ignored. */
#include <stdio.h>

#include "io/trace_impl.h"

/* Returns 0 (go on), 1 (row skipped), 2 (stop reading), -1 (error). */
static int mooncake_line(trace_ctx *c)
{
    int rc = trace_row_begin(c);
    if (rc)
        return rc;
    json_src src = {c->in.line, c->in.len, c->in.lineno, 1};
    cJSON *o = json_parse_object(c, &src, &rc);
    if (!o)
        return rc;
    trace_row r = {.predicted = -1};
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
    if (!ts)
        rc = json_bad(c, &src, NULL, "the object has no \"timestamp\" (milliseconds since the "
                      "start of the trace)");
    else
        rc = json_time_ms(c, &src, ts, "timestamp", &r);
    if (!rc)
        rc = json_count_field(c, &src, o, "input_length", 0, (double)KVS_MAX_MEMORY,
                              "the prompt's token count, a whole number >= 0", &r.prompt);
    if (!rc)
        rc = json_count_field(c, &src, o, "output_length", 0, (double)KVS_MAX_MEMORY,
                              "the output's token count, a whole number >= 0", &r.output);
    cJSON_Delete(o);
    if (rc)
        return rc;
    rc = trace_add(c, &r);
    return rc < 0 ? -1 : rc == 1 ? 2 : 0;
}

int trace_read_mooncake(trace_ctx *c)
{
    for (;;) {
        const char *p = c->in.line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (c->row == 0 && *p != '{') {
            char hint[96];
            return trace_fail(c, c->in.lineno, 1, "a Mooncake trace has one JSON object per "
                              "line, {\"timestamp\": ..., \"input_length\": ..., "
                              "\"output_length\": ...}%s",
                              trace_detect_hint(c, KVS_TRACE_MOONCAKE, hint, sizeof hint));
        }
        int rc = mooncake_line(c);
        if (rc < 0)
            return -1;
        if (rc == 2)
            return 0;
        int got = trace_next_line(c);
        if (got <= 0)
            return got;
    }
}
