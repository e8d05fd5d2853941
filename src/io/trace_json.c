/* trace_json.c: kvscope's own trace format (a JSON array, or JSONL, of {id?, arrival | time_ms,
 * prompt, output, predicted_output?}; docs/TRACES.md), and the JSON helpers the Mooncake reader
 * shares. A JSON array is cut into its objects by a small scanner so that the whole file is
 * never one cJSON tree: memory stays at one object whatever the trace's size. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/trace_impl.h"

/* ------------------------------------------------------------------------------------------------
 * Shared helpers */

/* Line and column of `at` inside an object that may span lines. */
static void json_where(const json_src *src, const char *at, int *line, int *column)
{
    *line = src->line;
    *column = src->column;
    if (!at || at < src->text || at > src->text + src->len)
        return;
    const char *line_start = src->text;
    int l = src->line;
    for (const char *p = src->text; p < at; p++)
        if (*p == '\n') {
            l++;
            line_start = p + 1;
        }
    *line = l;
    int col = trace_column(line_start, at);
    *column = l == src->line ? src->column + col - 1 : col;
}

int json_bad(trace_ctx *c, const json_src *src, const char *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, column;
    json_where(src, at, &line, &column);
    return trace_bad_row_at(c, line, column, "%s", msg);
}

const char *json_key_at(const json_src *src, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    return strstr(src->text, quoted);
}

const char *json_whole(const cJSON *v, double lo, double hi, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return "is not a number";
    double x = v->valuedouble;
    if (!isfinite(x) || x != floor(x))
        return "is not a whole number";
    if (x < lo)
        return lo > 0 ? "must be at least 1" : "is negative";
    if (x > hi)
        return "is too large";
    *out = (int64_t)x;
    return NULL;
}

int json_count_field(trace_ctx *c, const json_src *src, const cJSON *o, const char *key,
                            double lo, double hi, const char *expected, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return json_bad(c, src, NULL, "the object has no \"%s\" (%s)", key, expected);
    const char *why = json_whole(v, lo, hi, out);
    if (why)
        return json_bad(c, src, json_key_at(src, key), "\"%s\" %s: expected %s", key, why,
                        expected);
    return 0;
}

/* 9e12 ms (285 years) keeps the product inside int64. */
int json_time_ms(trace_ctx *c, const json_src *src, const cJSON *v, const char *key,
                        trace_row *r)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0.0 ||
        v->valuedouble > 9e12)
        return json_bad(c, src, json_key_at(src, key), "\"%s\" must be a number of "
                        "milliseconds >= 0", key);
    r->time_ns = llround(v->valuedouble * 1e6);
    json_where(src, json_key_at(src, key), &r->time_line, &r->time_column);
    r->line = src->line;
    return 0;
}

cJSON *json_parse_object(trace_ctx *c, const json_src *src, int *rc)
{
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(src->text, src->len + 1, &end, 1);
    if (!o) {
        *rc = json_bad(c, src, end, "not valid JSON here: each request must be one JSON "
                       "object, e.g. {\"arrival\": 0, \"prompt\": 100, \"output\": 20}");
        return NULL;
    }
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        *rc = json_bad(c, src, NULL, "expected a JSON object {...} for each request");
        return NULL;
    }
    *rc = 0;
    return o;
}

/* ------------------------------------------------------------------------------------------------
 * kvscope rows */

static const char *const kvscope_keys[] = {"id",     "arrival", "time_ms",
                                           "prompt", "output",  "predicted_output"};
#define KVSCOPE_KEYS (sizeof kvscope_keys / sizeof *kvscope_keys)

/* Parse, check and add one object. Returns 0 (go on), 1 (row skipped), 2 (stop), -1 (error). */
static int kvscope_object(trace_ctx *c, const json_src *src)
{
    int rc = trace_row_begin(c);
    if (rc)
        return rc;
    cJSON *o = json_parse_object(c, src, &rc);
    if (!o)
        return rc;
    trace_row r = {.predicted = -1};
    char idbuf[32];
    const cJSON *item, *arrival = NULL, *time_ms = NULL;
    unsigned seen = 0;
    cJSON_ArrayForEach(item, o)
    {
        size_t k = 0;
        while (k < KVSCOPE_KEYS && strcmp(item->string, kvscope_keys[k]) != 0)
            k++;
        if (k == KVSCOPE_KEYS) {
            rc = json_bad(c, src, json_key_at(src, item->string), "unknown key \"%s\": a "
                          "request has id, arrival or time_ms, prompt, output and "
                          "predicted_output (drop other keys, e.g. with jq "
                          "'{id, time_ms, prompt, output}')", item->string);
            goto out;
        }
        if (seen & (1u << k)) {
            rc = json_bad(c, src, NULL, "the key \"%s\" is given twice", item->string);
            goto out;
        }
        seen |= 1u << k;
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(o, "id")) && !cJSON_IsNull(item)) {
        int64_t num;
        if (cJSON_IsString(item) && item->valuestring[0]) {
            r.id = item->valuestring;
            r.id_len = strlen(item->valuestring);
        } else if (!json_whole(item, -9e15, 9e15, &num)) {
            r.id_len = (size_t)snprintf(idbuf, sizeof idbuf, "%lld", (long long)num);
            r.id = idbuf;
        } else {
            rc = json_bad(c, src, json_key_at(src, "id"), "\"id\" must be a non-empty string "
                          "or a whole number");
            goto out;
        }
    }
    arrival = cJSON_GetObjectItemCaseSensitive(o, "arrival");
    time_ms = cJSON_GetObjectItemCaseSensitive(o, "time_ms");
    if (arrival && time_ms) {
        rc = json_bad(c, src, json_key_at(src, "time_ms"), "give either \"arrival\" (a step) "
                      "or \"time_ms\" (a time), not both");
        goto out;
    }
    if (!arrival && !time_ms) {
        rc = json_bad(c, src, NULL, "the object has neither \"arrival\" (a step >= 0) nor "
                      "\"time_ms\" (milliseconds)");
        goto out;
    }
    int clock = arrival ? CLOCK_STEPS : CLOCK_TIME;
    if (c->clock && clock != c->clock) {
        rc = json_bad(c, src, json_key_at(src, arrival ? "arrival" : "time_ms"),
                      "this request gives \"%s\" but the ones before give \"%s\": use one "
                      "clock for the whole trace", arrival ? "arrival" : "time_ms",
                      arrival ? "time_ms" : "arrival");
        goto out;
    }
    if (!c->clock) {
        const kvs_trace_spec *s = c->spec;
        int line, col;
        json_where(src, json_key_at(src, arrival ? "arrival" : "time_ms"), &line, &col);
        if (clock == CLOCK_TIME && !(s->step_ms > 0.0)) {
            rc = trace_fail(c, line, col, "the requests give \"time_ms\", so step_ms is needed "
                            "to turn times into steps: give step_ms > 0 (e.g. 25)");
            goto out;
        }
        if (clock == CLOCK_STEPS && !(s->step_ms > 0.0) &&
            (s->start_s > 0.0 || s->duration_s > 0.0)) {
            rc = trace_fail(c, line, col, "start_s and duration_s are in seconds and the "
                            "requests give steps (\"arrival\"): give step_ms too");
            goto out;
        }
        c->clock = clock;
    }
    if (arrival) {
        const char *why = json_whole(arrival, 0, (double)KVS_MAX_ARRIVAL, &r.arrival);
        if (why) {
            rc = json_bad(c, src, json_key_at(src, "arrival"), "\"arrival\" %s: expected a "
                          "step, a whole number >= 0", why);
            goto out;
        }
        r.steps = true;
        r.line = src->line;
        json_where(src, json_key_at(src, "arrival"), &r.time_line, &r.time_column);
    } else if ((rc = json_time_ms(c, src, time_ms, "time_ms", &r)) != 0) {
        goto out;
    }
    if ((rc = json_count_field(c, src, o, "prompt", 0, (double)KVS_MAX_MEMORY,
                               "the prompt's token count, a whole number >= 0", &r.prompt)) ||
        (rc = json_count_field(c, src, o, "output", 0, (double)KVS_MAX_MEMORY,
                               "the output's token count, a whole number >= 1", &r.output)))
        goto out;
    if ((item = cJSON_GetObjectItemCaseSensitive(o, "predicted_output")) && !cJSON_IsNull(item)) {
        const char *why = json_whole(item, 1, (double)KVS_MAX_MEMORY, &r.predicted);
        if (why) {
            rc = json_bad(c, src, json_key_at(src, "predicted_output"), "\"predicted_output\" "
                          "%s: expected an estimate of the output, a whole number >= 1", why);
            goto out;
        }
    }
    rc = trace_add(c, &r);
    rc = rc < 0 ? -1 : rc == 1 ? 2 : 0;
out:
    cJSON_Delete(o);
    return rc;
}

static int kvscope_lines(trace_ctx *c)
{
    for (;;) {
        json_src src = {c->in.line, c->in.len, c->in.lineno, 1};
        int rc = kvscope_object(c, &src);
        if (rc < 0)
            return -1;
        if (rc == 2)
            return 0;
        int got = trace_next_line(c);
        if (got <= 0)
            return got;
    }
}

/* ------------------------------------------------------------------------------------------------
 * A JSON array, streamed: only the objects' text is gathered (strings and nesting tracked so
 * that braces inside strings do not count), then each object goes to cJSON on its own. */

typedef enum { ARR_OPEN, ARR_VALUE, ARR_FIRST_VALUE, ARR_IN_OBJECT, ARR_AFTER, ARR_DONE } arr_state;

typedef struct {
    arr_state state;
    int depth;
    bool in_string, escape;
    char *text;
    size_t len, cap;
    int line, column;
} arr_scan;

static int arr_append(trace_ctx *c, arr_scan *a, char ch)
{
    if (a->len + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        char *b = realloc(a->text, cap);
        if (!b)
            return trace_fail(c, c->in.lineno, 0, "out of memory");
        a->text = b;
        a->cap = cap;
    }
    a->text[a->len++] = ch;
    a->text[a->len] = '\0';
    return 0;
}

/* One line of the array. Returns 0 (go on), 2 (stop reading), -1 (error). */
static int arr_line(trace_ctx *c, arr_scan *a)
{
    const char *line = c->in.line;
    for (size_t i = 0; i < c->in.len; i++) {
        char ch = line[i];
        int col = trace_column(line, line + i);
        bool space = ch == ' ' || ch == '\t';
        switch (a->state) {
        case ARR_OPEN:
            if (space)
                continue;
            if (ch != '[')
                return trace_fail(c, c->in.lineno, col, "expected '[' to open the JSON array "
                                  "of requests");
            a->state = ARR_FIRST_VALUE;
            continue;
        case ARR_FIRST_VALUE:
        case ARR_VALUE:
            if (space)
                continue;
            if (ch == ']' && a->state == ARR_FIRST_VALUE) {
                a->state = ARR_DONE;
                continue;
            }
            if (ch != '{')
                return trace_fail(c, c->in.lineno, col, "expected a request object {...} "
                                  "here%s", ch == ']' ? " (a ',' before the ']' has nothing "
                                  "after it: remove it)" : "");
            a->state = ARR_IN_OBJECT;
            a->depth = 0;
            a->len = 0;
            a->line = c->in.lineno;
            a->column = col;
            break; /* the '{' is gathered below */
        case ARR_IN_OBJECT:
            break;
        case ARR_AFTER:
            if (space)
                continue;
            if (ch == ',') {
                a->state = ARR_VALUE;
                continue;
            }
            if (ch == ']') {
                a->state = ARR_DONE;
                continue;
            }
            return trace_fail(c, c->in.lineno, col, "expected ',' or ']' after a request "
                              "object");
        case ARR_DONE:
            if (space)
                continue;
            return trace_fail(c, c->in.lineno, col, "text after the array's closing ']': a "
                              "trace is one JSON array (or one object per line, JSONL)");
        }
        /* Inside an object. */
        if (arr_append(c, a, ch) < 0)
            return -1;
        if (a->in_string) {
            if (a->escape)
                a->escape = false;
            else if (ch == '\\')
                a->escape = true;
            else if (ch == '"')
                a->in_string = false;
            continue;
        }
        if (ch == '"')
            a->in_string = true;
        else if (ch == '{' || ch == '[')
            a->depth++;
        else if (ch == '}' || ch == ']')
            a->depth--;
        if (a->depth == 0) {
            a->state = ARR_AFTER;
            json_src src = {a->text, a->len, a->line, a->column};
            int rc = kvscope_object(c, &src);
            if (rc < 0 || rc == 2)
                return rc;
        }
    }
    /* A string cannot span lines in JSON; the object can, so keep its line breaks (they place
     * the caret of a later error on the right line). */
    if (a->state == ARR_IN_OBJECT)
        return arr_append(c, a, '\n');
    return 0;
}

static int kvscope_array(trace_ctx *c)
{
    arr_scan a;
    memset(&a, 0, sizeof a);
    int rc = 0;
    for (;;) {
        rc = arr_line(c, &a);
        if (rc < 0)
            break;
        if (rc == 2) {
            rc = 0;
            break;
        }
        int got = trace_next_line(c);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 0) {
            if (a.state == ARR_IN_OBJECT)
                rc = trace_fail(c, a.line, a.column, "the file ends inside this request "
                                "object: close it with '}' and the array with ']'");
            else if (a.state != ARR_DONE)
                rc = trace_fail(c, 0, 0, "the file ends inside the JSON array: close it "
                                "with ']'");
            break;
        }
    }
    free(a.text);
    return rc;
}

int trace_read_kvscope(trace_ctx *c)
{
    const char *p = c->in.line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '[')
        return kvscope_array(c);
    if (*p != '{') {
        char hint[96];
        return trace_fail(c, c->in.lineno, trace_column(c->in.line, p), "a kvscope trace is a "
                          "JSON array of request objects or one object per line (JSONL)%s",
                          trace_detect_hint(c, KVS_TRACE_KVSCOPE, hint, sizeof hint));
    }
    return kvscope_lines(c);
}
