/* report.c: the headless reports (JSON per MODEL.md §7, CSV, text) and the `compare` table.
 * Output must be byte-for-byte reproducible, so numbers never go through cJSON's own double
 * printing nor through the locale: integers are printed as exact int64 text and inserted raw,
 * doubles through kvs_format_double. */
#include "io/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "io/scenario.h" /* kvs_fput_printable */

#include "kvscope/bound.h"

int kvs_format_parse(const char *name, kvs_format *out)
{
    static const struct {
        const char *name;
        kvs_format fmt;
    } formats[] = {{"text", KVS_FORMAT_TEXT}, {"json", KVS_FORMAT_JSON}, {"csv", KVS_FORMAT_CSV}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(name, formats[i].name) == 0) {
            *out = formats[i].fmt;
            return 0;
        }
    return -1;
}

const char *kvs_format_name(kvs_format f)
{
    switch (f) {
    case KVS_FORMAT_TEXT: return "text";
    case KVS_FORMAT_JSON: return "json";
    case KVS_FORMAT_CSV: return "csv";
    }
    return "?";
}

/* ---------------------------------------------------------------- numbers */

/* printf("%.*f") but with '.' as the decimal point whatever LC_NUMERIC says: the UI sets the
 * locale from the environment, and a report must not change with it. "%.Nf" without the
 * grouping flag prints [-]digits, the radix (possibly several bytes), then exactly N digits. */
static char *format_fixed(double v, int decimals, char *buf, size_t n)
{
    char tmp[400];
    int len = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (len < 0 || (size_t)len >= sizeof tmp) {
        snprintf(buf, n, "%s", "null");
        return buf;
    }
    size_t int_end = tmp[0] == '-' ? 1 : 0;
    while (tmp[int_end] >= '0' && tmp[int_end] <= '9')
        int_end++;
    if (decimals > 0)
        snprintf(buf, n, "%.*s.%s", (int)int_end, tmp, tmp + len - decimals);
    else
        snprintf(buf, n, "%.*s", (int)int_end, tmp);
    return buf;
}

char *kvs_format_double(double v, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "%s", "null");
        return buf;
    }
    format_fixed(v, 6, buf, n);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf);
        while (end > dot + 1 && end[-1] == '0')
            end--;
        if (end == dot + 1)
            end = dot;
        *end = '\0';
    }
    /* -0.0000001 rounds to "-0"; a report has no use for a signed zero */
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, n, "%s", "0");
    return buf;
}

/* ---------------------------------------------------------------- JSON helpers */

/* Each helper returns false when cJSON could not allocate; callers stop at the first failure. */
static bool json_int(cJSON *obj, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_AddRawToObject(obj, key, buf) != NULL;
}

/* -1 is the engine's "not defined yet" (a request that has not started or finished). */
static bool json_int_or_null(cJSON *obj, const char *key, int64_t v)
{
    if (v < 0)
        return cJSON_AddNullToObject(obj, key) != NULL;
    return json_int(obj, key, v);
}

static bool json_uint(cJSON *obj, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_AddRawToObject(obj, key, buf) != NULL;
}

static bool json_double(cJSON *obj, const char *key, double v)
{
    char buf[64];
    return cJSON_AddRawToObject(obj, key, kvs_format_double(v, buf, sizeof buf)) != NULL;
}

static bool json_string(cJSON *obj, const char *key, const char *s)
{
    return cJSON_AddStringToObject(obj, key, s ? s : "") != NULL;
}

static bool json_summary_fields(cJSON *o, const kvs_summary *s)
{
    return json_int(o, "requests", (int64_t)s->requests) &&
           json_int(o, "completed", (int64_t)s->completed) && json_int(o, "makespan", s->makespan) &&
           json_int(o, "total_latency", s->total_latency) &&
           json_double(o, "mean_latency", s->mean_latency) &&
           json_int(o, "p50_latency", s->p50_latency) &&
           json_int(o, "p90_latency", s->p90_latency) &&
           json_int(o, "p99_latency", s->p99_latency) &&
           json_int(o, "max_latency", s->max_latency) &&
           json_double(o, "mean_ttft", s->mean_ttft) &&
           json_int(o, "total_volume", s->total_volume) &&
           json_int(o, "peak_memory", s->peak_memory) &&
           json_double(o, "mean_memory_utilization", s->mean_memory_utilization) &&
           json_int(o, "evictions", s->evictions);
}

/* The distance to the optimum (docs/OPTIMUM.md): added after MODEL.md §7's fields, never among them. */
static bool json_bound_fields(cJSON *o, int64_t total_latency, int64_t bound)
{
    return json_int(o, "total_latency_lower_bound", bound) &&
           json_double(o, "ratio_to_lower_bound",
                       bound > 0 ? kvs_bound_ratio(total_latency, bound) : NAN);
}

/* The bound of the engine's workload; -1 (out of memory) reads as "unknown", 0. */
static int64_t engine_bound(const kvs_engine *e)
{
    int64_t b = kvs_bound_total_latency(kvs_engine_workload(e));
    return b < 0 ? 0 : b;
}

static bool json_config_fields(cJSON *o, const kvs_report_meta *meta, int64_t memory,
                               uint64_t seed, const kvs_config *cfg)
{
    if (!json_string(o, "scenario", meta ? meta->scenario : NULL) || !json_int(o, "memory", memory))
        return false;
    if (cfg && !(json_string(o, "policy", kvs_config_policy_name(*cfg)) &&
                 json_string(o, "admission", kvs_admission_name(cfg->admission)) &&
                 json_string(o, "information", kvs_information_name(cfg->information))))
        return false;
    if (!json_uint(o, "seed", seed))
        return false;
    if (meta && meta->step_ms > 0 && !json_double(o, "step_ms", meta->step_ms))
        return false;
    /* Additions to MODEL.md section 7 (present only when they apply): where M and the requests
     * came from, so a reader can check them. */
    if (meta && meta->memory_note && !json_string(o, "memory_derivation", meta->memory_note))
        return false;
    if (meta && meta->trace_file &&
        !(json_string(o, "trace", meta->trace_file) &&
          json_int(o, "trace_rows_skipped_bad", meta->trace_rows_bad) &&
          json_int(o, "trace_rows_skipped_failed", meta->trace_rows_failed)))
        return false;
    return json_int(o, "dropped", meta ? meta->dropped : 0);
}

/* Print obj compactly to f (no newline) and free it. */
static int json_emit(FILE *f, cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    int rc = fputs(text, f) < 0 ? -1 : 0;
    cJSON_free(text);
    return rc;
}

/* The id as the reports show it: the workload's, or the 1-based position when it has none. */
static const char *request_id(const kvs_workload *w, size_t i, char *buf, size_t n)
{
    if (w && w->requests[i].id)
        return w->requests[i].id;
    snprintf(buf, n, "%zu", i + 1);
    return buf;
}

/* Finish a writer: report an error already seen by the stream (short write, EIO, ENOSPC). */
static int stream_status(FILE *f, int rc)
{
    if (rc == 0 && ferror(f)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return rc;
}

/* ---------------------------------------------------------------- run: JSON */

static cJSON *json_request(const kvs_engine *e, size_t i)
{
    char idbuf[32];
    kvs_req_info r;
    kvs_engine_request(e, i, &r);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = json_string(o, "id", request_id(kvs_engine_workload(e), i, idbuf, sizeof idbuf)) &&
              json_int(o, "arrival", r.arrival) && json_int(o, "prompt", r.prompt) &&
              json_int(o, "output", r.output) && json_int_or_null(o, "start", r.start) &&
              json_int_or_null(o, "finish", r.finish) &&
              json_int_or_null(o, "latency", r.latency) && json_int_or_null(o, "ttft", r.ttft) &&
              json_int(o, "volume", r.volume) && json_int(o, "evictions", r.evictions);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int kvs_report_json(FILE *f, const kvs_engine *e, const kvs_report_meta *meta)
{
    kvs_summary s;
    kvs_engine_summary(e, &s);
    const kvs_switch *sw;
    size_t nsw = kvs_engine_switches(e, &sw), first;
    kvs_config cfg = kvs_engine_start_config(e, &first);
    const kvs_workload *w = kvs_engine_workload(e);

    cJSON *summary = cJSON_CreateObject();
    if (summary && !(json_summary_fields(summary, &s) &&
                     json_bound_fields(summary, s.total_latency, engine_bound(e)))) {
        cJSON_Delete(summary);
        summary = NULL;
    }
    if (fputs("{\"summary\":", f) < 0 || json_emit(f, summary) < 0)
        return -1;

    cJSON *config = cJSON_CreateObject();
    if (config && !json_config_fields(config, meta, kvs_engine_memory_budget(e), w->seed, &cfg)) {
        cJSON_Delete(config);
        config = NULL;
    }
    /* An addition to MODEL.md section 7, only when the run switched (--switch): from which
     * decision point each config applied; "policy" etc. above are the config at t = 0. */
    if (config && nsw > first) {
        cJSON *list = cJSON_AddArrayToObject(config, "switches");
        for (size_t k = first; list && k < nsw; k++) {
            cJSON *one = cJSON_CreateObject();
            if (!one || !cJSON_AddItemToArray(list, one) || !json_int(one, "at", sw[k].at) ||
                !json_string(one, "policy", kvs_config_policy_name(sw[k].cfg)) ||
                !json_string(one, "admission", kvs_admission_name(sw[k].cfg.admission)) ||
                !json_string(one, "information", kvs_information_name(sw[k].cfg.information)))
                list = NULL;
        }
        if (!list) {
            cJSON_Delete(config);
            config = NULL;
        }
    }
    if (fputs(",\n\"config\":", f) < 0 || json_emit(f, config) < 0)
        return -1;

    /* The requests are the only part that grows with the input: build, print and free one at a
     * time so a million-request report needs no more memory than a ten-request one. */
    if (fputs(",\n\"requests\":[", f) < 0)
        return -1;
    size_t n = kvs_engine_request_count(e);
    for (size_t i = 0; i < n; i++) {
        if (fputs(i ? ",\n" : "\n", f) < 0 || json_emit(f, json_request(e, i)) < 0)
            return -1;
    }
    if (fputs("\n]}\n", f) < 0)
        return -1;
    return stream_status(f, 0);
}

/* ---------------------------------------------------------------- run: CSV */

int kvs_csv_field(FILE *f, const char *s)
{
    size_t len = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") != NULL || (len > 0 && (s[0] == ' ' || s[len - 1] == ' '));
    if (!quote)
        return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p == '"' && fputc('"', f) == EOF)
            return -1;
        if (fputc(*p, f) == EOF)
            return -1;
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

static int csv_int_or_empty(FILE *f, int64_t v)
{
    if (fputc(',', f) == EOF)
        return -1;
    if (v < 0)
        return 0;
    return fprintf(f, "%" PRId64, v) < 0 ? -1 : 0;
}

int kvs_report_csv(FILE *f, const kvs_engine *e)
{
    const kvs_workload *w = kvs_engine_workload(e);
    /* The last two columns are the run's, the same on every row (a per-request table has no
     * other place for them; readers that pick columns by name or by position are unaffected). */
    if (fputs("id,arrival,prompt,output,start,finish,latency,ttft,volume,evictions,"
              "total_latency_lower_bound,ratio_to_lower_bound\n",
              f) < 0)
        return -1;
    kvs_summary sum;
    kvs_engine_summary(e, &sum);
    int64_t bound = engine_bound(e);
    char ratio[64];
    kvs_format_double(bound > 0 ? kvs_bound_ratio(sum.total_latency, bound) : NAN, ratio,
                      sizeof ratio);
    if (bound <= 0)
        ratio[0] = '\0';
    size_t n = kvs_engine_request_count(e);
    for (size_t i = 0; i < n; i++) {
        char idbuf[32];
        kvs_req_info r;
        kvs_engine_request(e, i, &r);
        if (kvs_csv_field(f, request_id(w, i, idbuf, sizeof idbuf)) < 0 ||
            fprintf(f, ",%" PRId64 ",%" PRId64 ",%" PRId64, r.arrival, r.prompt, r.output) < 0 ||
            csv_int_or_empty(f, r.start) < 0 || csv_int_or_empty(f, r.finish) < 0 ||
            csv_int_or_empty(f, r.latency) < 0 || csv_int_or_empty(f, r.ttft) < 0 ||
            fprintf(f, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%s\n", r.volume, r.evictions, bound,
                    ratio) < 0)
            return -1;
    }
    return stream_status(f, 0);
}

/* ---------------------------------------------------------------- run: text */

static double percent_of(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

int kvs_report_text(FILE *f, const kvs_engine *e, const kvs_report_meta *meta)
{
    kvs_summary s;
    kvs_engine_summary(e, &s);
    const kvs_switch *sw;
    size_t nsw = kvs_engine_switches(e, &sw), first;
    kvs_config cfg = kvs_engine_start_config(e, &first);
    const kvs_workload *w = kvs_engine_workload(e);
    int64_t M = kvs_engine_memory_budget(e);
    char a[64], b[64], c[64];

    fputs("scenario     ", f); /* the name comes from the file: no escape sequences */
    kvs_fput_printable(f, meta && meta->scenario ? meta->scenario : "");
    fputc('\n', f);
    if (meta && meta->memory_note) /* "M = ... tokens: how it was derived" */
        fprintf(f, "memory       %s\n", meta->memory_note);
    else
        fprintf(f, "memory       M = %" PRId64 " tokens\n", M);
    if (meta && meta->trace_file) {
        fprintf(f, "trace        %s", meta->trace_file);
        if (meta->trace_rows_bad > 0)
            fprintf(f, ", %" PRId64 " malformed rows skipped", meta->trace_rows_bad);
        if (meta->trace_rows_failed > 0)
            fprintf(f, ", %" PRId64 " failed requests skipped", meta->trace_rows_failed);
        fputc('\n', f);
    }
    fprintf(f, "config       policy %s, admission %s, information %s, seed %" PRIu64 "\n",
            kvs_config_policy_name(cfg), kvs_admission_name(cfg.admission),
            kvs_information_name(cfg.information), w->seed);
    for (size_t k = first; k < nsw; k++)
        fprintf(f, "%-12s %s, admission %s, information %s from t=%" PRId64 "\n",
                k == first ? "switched to" : "", kvs_config_policy_name(sw[k].cfg),
                kvs_admission_name(sw[k].cfg.admission),
                kvs_information_name(sw[k].cfg.information), sw[k].at);
    fprintf(f, "requests     %zu, %zu completed", s.requests, s.completed);
    if (meta && meta->dropped > 0)
        fprintf(f, ", %" PRId64 " dropped (larger than M)", meta->dropped);
    fputc('\n', f);
    fprintf(f, "makespan     %" PRId64 " steps", s.makespan);
    if (meta && meta->step_ms > 0)
        fprintf(f, " (%s s at %s ms per step)",
                format_fixed((double)s.makespan * meta->step_ms / 1000.0, 3, a, sizeof a),
                kvs_format_double(meta->step_ms, b, sizeof b));
    fputc('\n', f);
    fprintf(f,
            "latency      mean %s, p50 %" PRId64 ", p90 %" PRId64 ", p99 %" PRId64 ", max %" PRId64
            " steps (total %" PRId64 ")\n",
            format_fixed(s.mean_latency, 2, a, sizeof a), s.p50_latency, s.p90_latency,
            s.p99_latency, s.max_latency, s.total_latency);
    fprintf(f, "mean TTFT    %s steps\n", format_fixed(s.mean_ttft, 2, a, sizeof a));
    fprintf(f, "peak memory  %" PRId64 " tokens (%s%% of M)\n", s.peak_memory,
            format_fixed(percent_of((double)s.peak_memory, (double)M), 1, b, sizeof b));
    fprintf(f, "utilisation  %s%% of M on average over the makespan\n",
            format_fixed(100.0 * s.mean_memory_utilization, 1, c, sizeof c));
    fprintf(f, "evictions    %" PRId64 "\n", s.evictions);
    int64_t bound = engine_bound(e);
    if (bound > 0)
        fprintf(f, "vs bound     x%s (total latency %" PRId64 " / lower bound %" PRId64 ")\n",
                format_fixed(kvs_bound_ratio(s.total_latency, bound), 3, a, sizeof a),
                s.total_latency, bound);
    return stream_status(f, 0);
}

int kvs_report_write(FILE *f, kvs_format fmt, const kvs_engine *e, const kvs_report_meta *meta)
{
    switch (fmt) {
    case KVS_FORMAT_JSON: return kvs_report_json(f, e, meta);
    case KVS_FORMAT_CSV: return kvs_report_csv(f, e);
    case KVS_FORMAT_TEXT: return kvs_report_text(f, e, meta);
    }
    errno = EINVAL;
    return -1;
}

/* ---------------------------------------------------------------- compare */

/* The columns of the compare table: which summary value, how to print it, and which way is
 * better. Values equal in every run of a workload (requests, total volume) go in the title. */
typedef enum { BETTER_LOWER, BETTER_HIGHER } better_dir;
typedef struct {
    const char *title, *unit;
    better_dir better;
    int64_t (*geti)(const kvs_summary *s); /* an integer column, or NULL */
    double (*getd)(const kvs_summary *s);  /* else a double shown with `decimals` decimals */
    int decimals;
} column;

static int64_t get_makespan(const kvs_summary *s) { return s->makespan; }
static int64_t get_total(const kvs_summary *s) { return s->total_latency; }
static double get_mean(const kvs_summary *s) { return s->mean_latency; }
static int64_t get_p50(const kvs_summary *s) { return s->p50_latency; }
static int64_t get_p90(const kvs_summary *s) { return s->p90_latency; }
static int64_t get_p99(const kvs_summary *s) { return s->p99_latency; }
static int64_t get_max(const kvs_summary *s) { return s->max_latency; }
static double get_ttft(const kvs_summary *s) { return s->mean_ttft; }
static int64_t get_peak(const kvs_summary *s) { return s->peak_memory; }
static double get_util_percent(const kvs_summary *s) { return 100.0 * s->mean_memory_utilization; }
static int64_t get_evictions(const kvs_summary *s) { return s->evictions; }

static const column columns[] = {
    {"makespan", "steps", BETTER_LOWER, get_makespan, NULL, 0},
    {"total lat", "steps", BETTER_LOWER, get_total, NULL, 0},
    {"mean lat", "steps", BETTER_LOWER, NULL, get_mean, 2},
    {"p50 lat", "steps", BETTER_LOWER, get_p50, NULL, 0},
    {"p90 lat", "steps", BETTER_LOWER, get_p90, NULL, 0},
    {"p99 lat", "steps", BETTER_LOWER, get_p99, NULL, 0},
    {"max lat", "steps", BETTER_LOWER, get_max, NULL, 0},
    {"mean TTFT", "steps", BETTER_LOWER, NULL, get_ttft, 2},
    {"peak mem", "tokens", BETTER_LOWER, get_peak, NULL, 0},
    {"mean util", "% of M", BETTER_HIGHER, NULL, get_util_percent, 1},
    {"evictions", "count", BETTER_LOWER, get_evictions, NULL, 0},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static void column_cell(const column *c, const kvs_summary *s, char *buf, size_t n)
{
    if (c->geti)
        snprintf(buf, n, "%" PRId64, c->geti(s));
    else
        format_fixed(c->getd(s), c->decimals, buf, n);
}

/* Is row a's cell better than row b's? A double column is judged on what is shown (rounded),
 * so two rows that print the same value are both marked, or neither. */
static bool column_better(const column *c, const kvs_summary *a, const kvs_summary *b)
{
    if (c->geti) {
        int64_t x = c->geti(a), y = c->geti(b);
        return c->better == BETTER_LOWER ? x < y : x > y;
    }
    double scale = pow(10.0, c->decimals);
    double x = round(c->getd(a) * scale), y = round(c->getd(b) * scale);
    return c->better == BETTER_LOWER ? x < y : x > y;
}

static bool column_is_best(const column *c, const kvs_compare_row *rows, size_t n, size_t r)
{
    for (size_t i = 0; i < n; i++)
        if (column_better(c, &rows[i].summary, &rows[r].summary))
            return false;
    return true;
}

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* The table is built a line at a time so that trailing blanks (an empty mark column) can be
 * trimmed before printing. */
typedef struct {
    char text[1024];
    size_t len;
} line_buf;

static void line_add(line_buf *l, const char *fmt, ...)
{
    if (l->len >= sizeof l->text - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->text + l->len, sizeof l->text - l->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->len = l->len + (size_t)k < sizeof l->text ? l->len + (size_t)k : sizeof l->text - 1;
}

static void line_flush(FILE *f, line_buf *l)
{
    while (l->len > 0 && l->text[l->len - 1] == ' ')
        l->len--;
    fprintf(f, "%.*s\n", (int)l->len, l->text);
    l->len = 0;
}

static int compare_text(FILE *f, const kvs_compare_info *info, const kvs_compare_row *rows,
                        size_t n)
{
    const kvs_report_meta *meta = &info->meta;
    fputs("scenario ", f);
    kvs_fput_printable(f, meta->scenario ? meta->scenario : "");
    fprintf(f, ": M = %" PRId64 " tokens, seed %" PRIu64, info->memory, info->seed);
    if (n > 0)
        fprintf(f, ", %zu requests, total volume %" PRId64 " token-steps",
                rows[0].summary.requests, rows[0].summary.total_volume);
    if (meta->dropped > 0)
        fprintf(f, ", %" PRId64 " dropped", meta->dropped);
    if (info->lower_bound > 0)
        fprintf(f, ", lower bound on total latency %" PRId64, info->lower_bound);
    fputs("\n\n", f);

    /* Widths: the three text columns, then each metric (its title, unit or widest value). */
    int w_name = (int)strlen("policy"), w_adm = (int)strlen("admission");
    int w_info = (int)strlen("information");
    int w[NCOLUMNS];
    for (size_t r = 0; r < n; r++) {
        w_name = (int)max_size((size_t)w_name, strlen(rows[r].name));
        w_adm = (int)max_size((size_t)w_adm, strlen(kvs_admission_name(rows[r].config.admission)));
        w_info = (int)max_size((size_t)w_info,
                               strlen(kvs_information_name(rows[r].config.information)));
    }
    for (size_t c = 0; c < NCOLUMNS; c++) {
        size_t width = max_size(strlen(columns[c].title), strlen(columns[c].unit) + 2);
        for (size_t r = 0; r < n; r++) {
            char cell[64];
            column_cell(&columns[c], &rows[r].summary, cell, sizeof cell);
            width = max_size(width, strlen(cell));
        }
        w[c] = (int)width;
    }

    /* Header: titles, then units in brackets. Each metric is followed by one column for the
     * best-value mark, so numbers stay right-aligned whether marked or not. */
    line_buf line = {.len = 0};
    line_add(&line, "%-*s  %-*s  %-*s", w_name, "policy", w_adm, "admission", w_info,
             "information");
    for (size_t c = 0; c < NCOLUMNS; c++)
        line_add(&line, "  %*s ", w[c], columns[c].title);
    /* The ratio to the lower bound, after the MODEL.md columns; its best is total lat's. */
    bool lb = info->lower_bound > 0;
    int w_lb = 6;
    char cell_lb[64];
    if (lb)
        line_add(&line, "  %*s ", w_lb, "vs LB");
    line_flush(f, &line);
    line_add(&line, "%-*s  %-*s  %-*s", w_name, "", w_adm, "", w_info, "");
    for (size_t c = 0; c < NCOLUMNS; c++) {
        char unit[40];
        snprintf(unit, sizeof unit, "[%s]", columns[c].unit);
        line_add(&line, "  %*s ", w[c], unit);
    }
    if (lb)
        line_add(&line, "  %*s ", w_lb, "[x]");
    line_flush(f, &line);

    for (size_t r = 0; r < n; r++) {
        line_add(&line, "%-*s  %-*s  %-*s", w_name, rows[r].name, w_adm,
                 kvs_admission_name(rows[r].config.admission), w_info,
                 kvs_information_name(rows[r].config.information));
        for (size_t c = 0; c < NCOLUMNS; c++) {
            char cell[64];
            column_cell(&columns[c], &rows[r].summary, cell, sizeof cell);
            line_add(&line, "  %*s%c", w[c], cell,
                     n > 1 && column_is_best(&columns[c], rows, n, r) ? '*' : ' ');
        }
        if (lb) {
            format_fixed(kvs_bound_ratio(rows[r].summary.total_latency, info->lower_bound), 3,
                         cell_lb, sizeof cell_lb);
            line_add(&line, "  %*s%c", w_lb, cell_lb,
                     n > 1 && column_is_best(&columns[1], rows, n, r) ? '*' : ' ');
        }
        line_flush(f, &line);
    }
    if (n > 1)
        fputs("\n* = best value in the column (lowest; for mean util, highest)\n", f);
    return stream_status(f, 0);
}

static int compare_json(FILE *f, const kvs_compare_info *info, const kvs_compare_row *rows,
                        size_t n)
{
    cJSON *config = cJSON_CreateObject();
    if (config && !json_config_fields(config, &info->meta, info->memory, info->seed, NULL)) {
        cJSON_Delete(config);
        config = NULL;
    }
    if (fputs("{\"config\":", f) < 0 || json_emit(f, config) < 0 || fputs(",\n\"results\":[", f) < 0)
        return -1;
    for (size_t r = 0; r < n; r++) {
        cJSON *o = cJSON_CreateObject();
        if (o && !(json_string(o, "name", rows[r].name) &&
                   json_string(o, "policy", kvs_config_policy_name(rows[r].config)) &&
                   json_string(o, "admission", kvs_admission_name(rows[r].config.admission)) &&
                   json_string(o, "information",
                               kvs_information_name(rows[r].config.information)) &&
                   json_summary_fields(o, &rows[r].summary) &&
                   (info->lower_bound <= 0 ||
                    json_bound_fields(o, rows[r].summary.total_latency, info->lower_bound)))) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (fputs(r ? ",\n" : "\n", f) < 0 || json_emit(f, o) < 0)
            return -1;
    }
    if (fputs("\n]}\n", f) < 0)
        return -1;
    return stream_status(f, 0);
}

static int compare_csv(FILE *f, const kvs_compare_info *info, const kvs_compare_row *rows,
                       size_t n)
{
    bool lb = info->lower_bound > 0;
    fputs("name,policy,admission,information,requests,completed,makespan,total_latency,"
          "mean_latency,p50_latency,p90_latency,p99_latency,max_latency,mean_ttft,total_volume,"
          "peak_memory,mean_memory_utilization,evictions",
          f);
    fputs(lb ? ",total_latency_lower_bound,ratio_to_lower_bound\n" : "\n", f);
    for (size_t r = 0; r < n; r++) {
        const kvs_summary *s = &rows[r].summary;
        char mean[64], ttft[64], util[64];
        if (kvs_csv_field(f, rows[r].name) < 0)
            return -1;
        fprintf(f,
                ",%s,%s,%s,%zu,%zu,%" PRId64 ",%" PRId64 ",%s,%" PRId64 ",%" PRId64 ",%" PRId64
                ",%" PRId64 ",%s,%" PRId64 ",%" PRId64 ",%s,%" PRId64,
                kvs_config_policy_name(rows[r].config),
                kvs_admission_name(rows[r].config.admission),
                kvs_information_name(rows[r].config.information), s->requests, s->completed,
                s->makespan, s->total_latency, kvs_format_double(s->mean_latency, mean, sizeof mean),
                s->p50_latency, s->p90_latency, s->p99_latency, s->max_latency,
                kvs_format_double(s->mean_ttft, ttft, sizeof ttft), s->total_volume,
                s->peak_memory, kvs_format_double(s->mean_memory_utilization, util, sizeof util),
                s->evictions);
        if (lb) {
            char ratio[64];
            fprintf(f, ",%" PRId64 ",%s", info->lower_bound,
                    kvs_format_double(kvs_bound_ratio(s->total_latency, info->lower_bound), ratio,
                                      sizeof ratio));
        }
        fputc('\n', f);
    }
    return stream_status(f, 0);
}

int kvs_compare_write(FILE *f, kvs_format fmt, const kvs_compare_info *info,
                      const kvs_compare_row *rows, size_t n)
{
    switch (fmt) {
    case KVS_FORMAT_TEXT: return compare_text(f, info, rows, n);
    case KVS_FORMAT_JSON: return compare_json(f, info, rows, n);
    case KVS_FORMAT_CSV: return compare_csv(f, info, rows, n);
    }
    errno = EINVAL;
    return -1;
}
