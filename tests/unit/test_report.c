/* test_report.c: the headless reports (JSON, CSV, text, compare) and the atomic file writer.
 * The expected reports are worked out by hand from MODEL.md (arithmetic in the comments), not
 * copied from the program's output, so a wrong engine or a wrong writer both fail here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "io/atomic.h"
#include "io/report.h"
#include "kvscope/config.h"
#include "kvscope/engine.h"
#include "kvscope/workload.h"

/* ---------------------------------------------------------------- helpers */

/* Render with `fn` into a string (caller frees). */
typedef int (*render_fn)(FILE *f, const void *ctx);

static char *render(render_fn fn, const void *ctx, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    *rc = fn(f, ctx);
    assert_int_equal(fclose(f), 0);
    return buf;
}

typedef struct {
    const kvs_engine *e;
    const kvs_report_meta *meta;
    kvs_format fmt;
} run_ctx;

static int render_run(FILE *f, const void *ctx)
{
    const run_ctx *c = ctx;
    return kvs_report_write(f, c->fmt, c->e, c->meta);
}

static char *report(const kvs_engine *e, const kvs_report_meta *meta, kvs_format fmt)
{
    run_ctx c = {e, meta, fmt};
    int rc;
    char *out = render(render_run, &c, &rc);
    assert_int_equal(rc, 0);
    return out;
}

static kvs_workload workload(kvs_request *rq, size_t n, int64_t memory, uint64_t seed)
{
    kvs_workload w;
    memset(&w, 0, sizeof w);
    w.memory = memory;
    w.seed = seed;
    w.info = kvs_info_params_default();
    w.count = n;
    w.requests = rq;
    return w;
}

static kvs_engine *run_engine(const kvs_workload *w, kvs_config cfg)
{
    char why[256] = "";
    kvs_engine *e = kvs_engine_new(w, cfg, why, sizeof why);
    if (!e)
        fail_msg("kvs_engine_new: %s", why);
    kvs_engine_run(e);
    assert_true(kvs_engine_done(e));
    return e;
}

static const kvs_config FCFS = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_LOOKAHEAD, .information = KVS_INFO_EXACT};
static const kvs_config VLLM = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_CURRENT, .information = KVS_INFO_NONE};

/* ---------------------------------------------------------------- the hand-computed run
 *
 * M = 10, fcfs + lookahead + exact, three requests:
 *   a: arrival 0, prompt 2, output 3      b: arrival 0, prompt 1, output 2
 *   c,"x": arrival 1, prompt 3, output 1  (an id that needs CSV quoting)
 * t=0: a admitted (peak at its completion u=3: 2+3 = 5 <= 10); b admitted (u=2: a 4 + b 3 = 7,
 *      u=3: a 5): steps 1, 2 hold 5 and 7 tokens.
 * t=1: c arrives; with a and b running, at u=2 the batch would hold 4 + 3 + (3+1) = 11 > 10:
 *      blocked.
 * t=2: b completes (0+2); c admitted (u=3: a 5 + c 4 = 9). Step 3 holds 9.
 * t=3: a (0+3) and c (2+1) complete. makespan 3.
 * Latencies a 3, b 2, c 3-1 = 2 -> total 7, mean 2.333333; sorted 2,2,3: p50 = rank ceil(1.5)=2
 * -> 2, p90 = rank ceil(2.7)=3 -> 3, p99 -> 3, max 3. TTFT a 1, b 1, c 2+1-1 = 2: mean 1.333333.
 * Volumes a 2*3+6 = 12, b 1*2+3 = 5, c 3*1+1 = 4: 21 = 5+7+9 (the memory-time area).
 * Peak 9; utilisation 21 / (10*3) = 0.7.
 * Lower bound (docs/OPTIMUM.md): SRPT on the volumes at speed 10: b's 5 done at 0.5 (-> step 1),
 * a served 5 more by t=1 (7 left), c's 4 at 1.4 (-> 2), a at 2.1 (-> 3); a + o sorted 2, 2, 3;
 * Σ max(1,2) + max(2,2) + max(3,3) = 7, minus Σ a = 1: 6. Ratio 7/6 = 1.166667. */
static kvs_request tiny_requests[] = {
    {"a", 0, 2, 3, -1},
    {"b", 0, 1, 2, -1},
    {"c,\"x\"", 1, 3, 1, -1},
};
static const kvs_report_meta tiny_meta = {.scenario = "tiny"};

static const char tiny_json[] =
    "{\"summary\":{\"requests\":3,\"completed\":3,\"makespan\":3,\"total_latency\":7,"
    "\"mean_latency\":2.333333,\"p50_latency\":2,\"p90_latency\":3,\"p99_latency\":3,"
    "\"max_latency\":3,\"mean_ttft\":1.333333,\"total_volume\":21,\"peak_memory\":9,"
    "\"mean_memory_utilization\":0.7,\"evictions\":0,\"total_latency_lower_bound\":6,"
    "\"ratio_to_lower_bound\":1.166667},\n"
    "\"config\":{\"scenario\":\"tiny\",\"memory\":10,\"policy\":\"fcfs\",\"admission\":"
    "\"lookahead\",\"information\":\"exact\",\"seed\":7,\"dropped\":0},\n"
    "\"requests\":[\n"
    "{\"id\":\"a\",\"arrival\":0,\"prompt\":2,\"output\":3,\"start\":0,\"finish\":3,\"latency\":3,"
    "\"ttft\":1,\"volume\":12,\"evictions\":0},\n"
    "{\"id\":\"b\",\"arrival\":0,\"prompt\":1,\"output\":2,\"start\":0,\"finish\":2,\"latency\":2,"
    "\"ttft\":1,\"volume\":5,\"evictions\":0},\n"
    "{\"id\":\"c,\\\"x\\\"\",\"arrival\":1,\"prompt\":3,\"output\":1,\"start\":2,\"finish\":3,"
    "\"latency\":2,\"ttft\":2,\"volume\":4,\"evictions\":0}\n"
    "]}\n";

static void test_json_exact_text(void **state)
{
    (void)state;
    kvs_workload w = workload(tiny_requests, 3, 10, 7);
    kvs_engine *e = run_engine(&w, FCFS);
    char *out = report(e, &tiny_meta, KVS_FORMAT_JSON);
    assert_string_equal(out, tiny_json);
    /* Same input, same bytes: a second engine renders the same text. */
    kvs_engine *e2 = run_engine(&w, FCFS);
    char *out2 = report(e2, &tiny_meta, KVS_FORMAT_JSON);
    assert_string_equal(out, out2);
    free(out);
    free(out2);
    kvs_engine_free(e);
    kvs_engine_free(e2);
}

static void assert_keys(const cJSON *obj, const char *const *keys, size_t n)
{
    const cJSON *item = obj->child;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(item);
        assert_string_equal(item->string, keys[i]);
        item = item->next;
    }
    assert_null(item);
}

static void test_json_parses_back_in_order(void **state)
{
    (void)state;
    kvs_workload w = workload(tiny_requests, 3, 10, 7);
    kvs_engine *e = run_engine(&w, FCFS);
    char *out = report(e, &tiny_meta, KVS_FORMAT_JSON);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);

    static const char *const top[] = {"summary", "config", "requests"};
    assert_keys(root, top, 3);
    static const char *const summary[] = {
        "requests",    "completed",   "makespan",    "total_latency", "mean_latency",
        "p50_latency", "p90_latency", "p99_latency", "max_latency",   "mean_ttft",
        "total_volume", "peak_memory", "mean_memory_utilization", "evictions",
        /* added after MODEL.md §7's fields */
        "total_latency_lower_bound", "ratio_to_lower_bound"};
    assert_keys(cJSON_GetObjectItemCaseSensitive(root, "summary"), summary, 16);
    static const char *const config[] = {"scenario", "memory",      "policy", "admission",
                                         "information", "seed", "dropped"};
    assert_keys(cJSON_GetObjectItemCaseSensitive(root, "config"), config, 7);

    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(root, "requests");
    assert_true(cJSON_IsArray(reqs));
    assert_int_equal(cJSON_GetArraySize(reqs), 3);
    static const char *const fields[] = {"id",     "arrival", "prompt", "output", "start",
                                         "finish", "latency", "ttft",   "volume", "evictions"};
    static const double expect_finish[] = {3, 2, 3};
    for (int i = 0; i < 3; i++) {
        const cJSON *r = cJSON_GetArrayItem(reqs, i);
        assert_keys(r, fields, 10);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
        assert_true(cJSON_IsString(id));
        assert_string_equal(id->valuestring, tiny_requests[i].id);
        assert_true(cJSON_GetObjectItemCaseSensitive(r, "finish")->valuedouble == expect_finish[i]);
    }
    const cJSON *util =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "summary"),
                                         "mean_memory_utilization");
    assert_true(fabs(util->valuedouble - 0.7) < 1e-12);
    cJSON_Delete(root);
    free(out);
    kvs_engine_free(e);
}

/* A report can be written before the run ends (the UI may export one): undefined values are
 * null, and `step_ms` appears only when the scenario gave it. Requests without ids are numbered
 * from 1, and integers beyond 2^53 (a seed) are printed exactly. */
static void test_json_partial_run_and_defaults(void **state)
{
    (void)state;
    kvs_request rq[] = {{NULL, 0, 2, 3, -1}, {NULL, 5, 1, 1, -1}};
    kvs_workload w = workload(rq, 2, 10, UINT64_C(18446744073709551615));
    char why[200];
    kvs_engine *e = kvs_engine_new(&w, FCFS, why, sizeof why);
    assert_non_null(e);
    kvs_engine_step(e); /* decision point 0: "1" admitted, "2" not arrived */
    kvs_report_meta meta = {.scenario = "partial", .step_ms = 20.5, .dropped = 2};
    char *out = report(e, &meta, KVS_FORMAT_JSON);
    assert_non_null(strstr(out, "\"config\":{\"scenario\":\"partial\",\"memory\":10,\"policy\":"
                                "\"fcfs\",\"admission\":\"lookahead\",\"information\":\"exact\","
                                "\"seed\":18446744073709551615,\"step_ms\":20.5,\"dropped\":2}"));
    assert_non_null(strstr(out, "{\"id\":\"1\",\"arrival\":0,\"prompt\":2,\"output\":3,\"start\":0,"
                                "\"finish\":null,\"latency\":null,\"ttft\":1,\"volume\":12,"
                                "\"evictions\":0}"));
    assert_non_null(strstr(out, "{\"id\":\"2\",\"arrival\":5,\"prompt\":1,\"output\":1,\"start\":"
                                "null,\"finish\":null,\"latency\":null,\"ttft\":null,\"volume\":2,"
                                "\"evictions\":0}"));
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    cJSON_Delete(root);
    free(out);
    kvs_engine_free(e);
}

/* Where M and the requests came from: extra config keys, only when they apply. */
static void test_provenance_fields(void **state)
{
    (void)state;
    kvs_request rq[] = {{NULL, 0, 2, 3, -1}};
    kvs_workload w = workload(rq, 1, 10, 1);
    char why[200];
    kvs_engine *e = kvs_engine_new(&w, FCFS, why, sizeof why);
    assert_non_null(e);
    kvs_engine_run(e);
    kvs_report_meta meta = {.scenario = "p", .memory_note = "M = 10 tokens: by hand",
                            .trace_file = "t.csv", .trace_rows_bad = 3, .trace_rows_failed = 1};
    char *out = report(e, &meta, KVS_FORMAT_JSON);
    assert_non_null(strstr(out, "\"seed\":1,\"memory_derivation\":\"M = 10 tokens: by hand\","
                                "\"trace\":\"t.csv\",\"trace_rows_skipped_bad\":3,"
                                "\"trace_rows_skipped_failed\":1,\"dropped\":0}"));
    free(out);
    out = report(e, &meta, KVS_FORMAT_TEXT);
    assert_non_null(strstr(out, "memory       M = 10 tokens: by hand\n"));
    assert_non_null(strstr(out, "trace        t.csv, 3 malformed rows skipped, 1 failed requests "
                                "skipped\n"));
    free(out);
    meta = (kvs_report_meta){.scenario = "p"};
    out = report(e, &meta, KVS_FORMAT_JSON);
    assert_null(strstr(out, "memory_derivation"));
    assert_null(strstr(out, "\"trace"));
    free(out);
    kvs_engine_free(e);
}

/* ---------------------------------------------------------------- eviction, by hand
 * M = 10, vllm (fcfs + current + none): x (0, prompt 4, output 4), y (0, prompt 3, output 3).
 * t=0: x fits (4+1 = 5), y fits (5 + 3+1 = 9). Step 1 holds 9.
 * t=1: step 2 would hold 6 + 5 = 11 > 10: evict y (admitted last), which keeps its 1 token.
 *      Step 2 holds x's 6.
 * t=2, t=3: y (prompt now 4, 2 left) needs 5 beside x's 7, 8: 12, 13 > 10; steps 3, 4 hold 7, 8.
 * t=4: x completes (0+4); y re-admitted; steps 5, 6 hold 5, 6; y completes at 6.
 * Latency x 4, y 6: total 10, mean 5, p50 (rank 1) 4, p90/p99 (rank 2) 6. TTFT 1 and 1 (y's
 * first admission counts). Memory 9+6+7+8+5+6 = 41 = volumes 26 + 15; utilisation 41/60.
 * Lower bound: SRPT at speed 10 ends y's 15 at 1.5 (-> 2) and x's 26 at 4.1 (-> 5); a + o sorted
 * 3, 4: max(2,3) + max(5,4) = 8. Ratio 10/8 = 1.25. */
static void test_json_eviction_by_hand(void **state)
{
    (void)state;
    kvs_request rq[] = {{"x", 0, 4, 4, -1}, {"y", 0, 3, 3, -1}};
    kvs_workload w = workload(rq, 2, 10, 1);
    kvs_engine *e = run_engine(&w, VLLM);
    kvs_report_meta meta = {.scenario = "evict"};
    char *out = report(e, &meta, KVS_FORMAT_JSON);
    assert_string_equal(
        out,
        "{\"summary\":{\"requests\":2,\"completed\":2,\"makespan\":6,\"total_latency\":10,"
        "\"mean_latency\":5,\"p50_latency\":4,\"p90_latency\":6,\"p99_latency\":6,"
        "\"max_latency\":6,\"mean_ttft\":1,\"total_volume\":41,\"peak_memory\":9,"
        "\"mean_memory_utilization\":0.683333,\"evictions\":1,"
        "\"total_latency_lower_bound\":8,\"ratio_to_lower_bound\":1.25},\n"
        "\"config\":{\"scenario\":\"evict\",\"memory\":10,\"policy\":\"fcfs\",\"admission\":"
        "\"current\",\"information\":\"none\",\"seed\":1,\"dropped\":0},\n"
        "\"requests\":[\n"
        "{\"id\":\"x\",\"arrival\":0,\"prompt\":4,\"output\":4,\"start\":0,\"finish\":4,"
        "\"latency\":4,\"ttft\":1,\"volume\":26,\"evictions\":0},\n"
        "{\"id\":\"y\",\"arrival\":0,\"prompt\":3,\"output\":3,\"start\":0,\"finish\":6,"
        "\"latency\":6,\"ttft\":1,\"volume\":15,\"evictions\":1}\n"
        "]}\n");
    free(out);
    kvs_engine_free(e);
}

static void test_json_empty_workload(void **state)
{
    (void)state;
    kvs_workload w = workload(NULL, 0, 10, 0);
    char why[200] = "";
    kvs_engine *e = kvs_engine_new(&w, FCFS, why, sizeof why);
    if (!e) /* an engine may refuse an empty workload; then there is no report to check */
        skip();
    kvs_engine_run(e);
    kvs_report_meta meta = {.scenario = "empty"};
    char *out = report(e, &meta, KVS_FORMAT_JSON);
    assert_non_null(strstr(out, "\"requests\":[\n]}\n"));
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "requests")), 0);
    cJSON_Delete(root);
    free(out);
    kvs_engine_free(e);
}

/* A full disk must be reported, not ignored. */
static void test_json_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    kvs_workload w = workload(tiny_requests, 3, 10, 7);
    kvs_engine *e = run_engine(&w, FCFS);
    errno = 0;
    int rc = kvs_report_json(f, e, &tiny_meta);
    if (rc == 0) /* buffered: the error may only surface at the flush */
        rc = fflush(f) == 0 ? 0 : -1;
    assert_int_equal(rc, -1);
    assert_int_equal(errno, ENOSPC);
    fclose(f);
    kvs_engine_free(e);
}

/* ---------------------------------------------------------------- doubles */

static void assert_double_text(double v, const char *want)
{
    char buf[64];
    assert_string_equal(kvs_format_double(v, buf, sizeof buf), want);
}

static void test_double_formatting(void **state)
{
    (void)state;
    assert_double_text(2.5, "2.5");
    assert_double_text(3.0, "3");
    assert_double_text(0.0, "0");
    assert_double_text(-0.0, "0");
    assert_double_text(-0.0000004, "0");
    assert_double_text(0.0000004, "0");
    assert_double_text(0.0000005001, "0.000001");
    assert_double_text(1.0 / 3.0, "0.333333");
    assert_double_text(2.0 / 3.0, "0.666667");
    assert_double_text(0.1 + 0.2, "0.3");
    assert_double_text(-2.25, "-2.25");
    assert_double_text(100.0, "100");
    assert_double_text(1e15, "1000000000000000");
    assert_double_text(123456.789, "123456.789");
    assert_double_text(NAN, "null");
    assert_double_text(INFINITY, "null");
}

/* The UI sets the locale from the environment; a comma-radix locale must not leak into reports.
 * Only testable where such a locale is installed. */
static void test_double_formatting_ignores_locale(void **state)
{
    (void)state;
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    const char *got = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !got; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got)
        skip();
    assert_double_text(2.5, "2.5");
    assert_double_text(1.0 / 3.0, "0.333333");
    setlocale(LC_NUMERIC, "C");
}

/* ---------------------------------------------------------------- CSV */

static int render_field(FILE *f, const void *ctx)
{
    return kvs_csv_field(f, ctx);
}

static void assert_field(const char *in, const char *want)
{
    int rc;
    char *out = render(render_field, in, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);
    free(out);
}

static void test_csv_quoting(void **state)
{
    (void)state;
    assert_field("plain", "plain");
    assert_field("", "");
    assert_field("a,b", "\"a,b\"");
    assert_field("say \"hi\"", "\"say \"\"hi\"\"\"");
    assert_field("two\nlines", "\"two\nlines\"");
    assert_field("cr\r", "\"cr\r\"");
    assert_field(" padded", "\" padded\"");
    assert_field("in side", "in side");
}

static void test_csv_report(void **state)
{
    (void)state;
    kvs_workload w = workload(tiny_requests, 3, 10, 7);
    kvs_engine *e = run_engine(&w, FCFS);
    char *out = report(e, &tiny_meta, KVS_FORMAT_CSV);
    assert_string_equal(out, "id,arrival,prompt,output,start,finish,latency,ttft,volume,evictions,"
                             "total_latency_lower_bound,ratio_to_lower_bound\n"
                             "a,0,2,3,0,3,3,1,12,0,6,1.166667\n"
                             "b,0,1,2,0,2,2,1,5,0,6,1.166667\n"
                             "\"c,\"\"x\"\"\",1,3,1,2,3,2,2,4,0,6,1.166667\n");
    free(out);
    kvs_engine_free(e);
}

static void test_text_report(void **state)
{
    (void)state;
    kvs_workload w = workload(tiny_requests, 3, 10, 7);
    kvs_engine *e = run_engine(&w, FCFS);
    char *out = report(e, &tiny_meta, KVS_FORMAT_TEXT);
    assert_string_equal(out, "scenario     tiny\n"
                             "memory       M = 10 tokens\n"
                             "config       policy fcfs, admission lookahead, information exact, "
                             "seed 7\n"
                             "requests     3, 3 completed\n"
                             "makespan     3 steps\n"
                             "latency      mean 2.33, p50 2, p90 3, p99 3, max 3 steps (total 7)\n"
                             "mean TTFT    1.33 steps\n"
                             "peak memory  9 tokens (90.0% of M)\n"
                             "utilisation  70.0% of M on average over the makespan\n"
                             "evictions    0\n"
                             "vs bound     x1.167 (total latency 7 / lower bound 6)\n");
    free(out);
    kvs_engine_free(e);
}

/* ---------------------------------------------------------------- compare */

typedef struct {
    kvs_format fmt;
    const kvs_compare_info *info;
    const kvs_compare_row *rows;
    size_t n;
} compare_ctx;

static int render_compare(FILE *f, const void *ctx)
{
    const compare_ctx *c = ctx;
    return kvs_compare_write(f, c->fmt, c->info, c->rows, c->n);
}

static void test_compare_marks_best(void **state)
{
    (void)state;
    kvs_compare_row rows[2];
    memset(rows, 0, sizeof rows);
    rows[0].name = "fcfs";
    rows[0].config = FCFS;
    rows[0].summary = (kvs_summary){.requests = 3, .completed = 3, .makespan = 12,
                                    .total_latency = 30, .mean_latency = 10,
                                    .p50_latency = 9, .p90_latency = 12, .p99_latency = 12,
                                    .max_latency = 12, .mean_ttft = 2.5, .total_volume = 100,
                                    .peak_memory = 90, .mean_memory_utilization = 0.5,
                                    .evictions = 0};
    rows[1].name = "vllm";
    rows[1].config = VLLM;
    rows[1].summary = rows[0].summary;
    rows[1].summary.makespan = 11;
    rows[1].summary.mean_latency = 9.999;
    rows[1].summary.mean_memory_utilization = 0.75;
    rows[1].summary.evictions = 4;
    kvs_compare_info info = {.meta = {.scenario = "cmp"}, .memory = 100, .seed = 3,
                             .lower_bound = 0}; /* no bound: table as before */
    compare_ctx c = {KVS_FORMAT_TEXT, &info, rows, 2};
    int rc;
    char *out = render(render_compare, &c, &rc);
    assert_int_equal(rc, 0);
    /* makespan: vllm best. mean lat: 10.00 vs 10.00 as shown: both marked. util: vllm. evictions:
     * fcfs. Columns are right-aligned with one mark column after each value. */
    assert_string_equal(
        out,
        "scenario cmp: M = 100 tokens, seed 3, 3 requests, total volume 100 token-steps\n"
        "\n"
        "policy  admission  information  makespan   total lat   mean lat   p50 lat   p90 lat"
        "   p99 lat   max lat   mean TTFT   peak mem   mean util   evictions\n"
        "                                 [steps]     [steps]    [steps]   [steps]   [steps]"
        "   [steps]   [steps]     [steps]   [tokens]    [% of M]     [count]\n"
        "fcfs    lookahead  exact              12          30*     10.00*        9*       12*"
        "       12*       12*       2.50*        90*       50.0           0*\n"
        "vllm    current    none               11*         30*     10.00*        9*       12*"
        "       12*       12*       2.50*        90*       75.0*          4\n"
        "\n"
        "* = best value in the column (lowest; for mean util, highest)\n");
    free(out);

    c.fmt = KVS_FORMAT_CSV;
    out = render(render_compare, &c, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "name,policy,admission,information,requests,completed,makespan,"
                             "total_latency,mean_latency,p50_latency,p90_latency,p99_latency,"
                             "max_latency,mean_ttft,total_volume,peak_memory,"
                             "mean_memory_utilization,evictions\n"
                             "fcfs,fcfs,lookahead,exact,3,3,12,30,10,9,12,12,12,2.5,100,90,0.5,0\n"
                             "vllm,fcfs,current,none,3,3,11,30,9.999,9,12,12,12,2.5,100,90,0.75,4\n");
    free(out);

    c.fmt = KVS_FORMAT_JSON;
    out = render(render_compare, &c, &rc);
    assert_int_equal(rc, 0);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    static const char *const top[] = {"config", "results"};
    assert_keys(root, top, 2);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "results");
    assert_int_equal(cJSON_GetArraySize(res), 2);
    const cJSON *second = cJSON_GetArrayItem(res, 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(second, "name")->valuestring, "vllm");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(second, "information")->valuestring,
                        "none");
    assert_true(cJSON_GetObjectItemCaseSensitive(second, "evictions")->valuedouble == 4);
    cJSON_Delete(root);
    free(out);
}

/* ---------------------------------------------------------------- atomic writes */

typedef struct {
    const char *text;
    int fail_errno; /* 0: succeed; else write half, then fail with this errno */
} writer_ctx;

static int test_writer(FILE *f, void *ctx)
{
    const writer_ctx *w = ctx;
    if (w->fail_errno) {
        fputs("half of it", f);
        errno = w->fail_errno;
        return -1;
    }
    return fputs(w->text, f) < 0 ? -1 : 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Entries in dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

typedef struct {
    char dir[64];
    char file[128];
} sandbox;

static int sandbox_setup(void **state)
{
    sandbox *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/kvs-test-report-XXXXXX");
    if (!mkdtemp(s->dir)) {
        free(s);
        return -1;
    }
    snprintf(s->file, sizeof s->file, "%s/out.json", s->dir);
    *state = s;
    return 0;
}

static int sandbox_teardown(void **state)
{
    sandbox *s = *state;
    char cmd[200];
    chmod(s->dir, 0700);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    int rc = system(cmd);
    free(s);
    return rc == 0 ? 0 : -1;
}

static void test_atomic_writes_and_replaces(void **state)
{
    sandbox *s = *state;
    char why[300];
    writer_ctx w = {"first\n", 0};
    assert_int_equal(kvs_write_atomic(s->file, test_writer, &w, why, sizeof why), 0);
    assert_string_equal(slurp(s->file), "first\n");
    struct stat st;
    assert_int_equal(stat(s->file, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask); /* not mkstemp's 0600 */

    /* A replaced file keeps its mode. */
    assert_int_equal(chmod(s->file, 0640), 0);
    w.text = "second\n";
    assert_int_equal(kvs_write_atomic(s->file, test_writer, &w, why, sizeof why), 0);
    assert_string_equal(slurp(s->file), "second\n");
    assert_int_equal(stat(s->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(count_entries(s->dir), 1); /* no temporary file left behind */
}

static void test_atomic_writer_failure_keeps_old_file(void **state)
{
    sandbox *s = *state;
    spit(s->file, "old contents\n");
    char why[300] = "";
    writer_ctx w = {NULL, ENOSPC};
    assert_int_equal(kvs_write_atomic(s->file, test_writer, &w, why, sizeof why), -1);
    assert_string_equal(slurp(s->file), "old contents\n");
    assert_non_null(strstr(why, strerror(ENOSPC)));
    assert_non_null(strstr(why, s->file));
    assert_int_equal(count_entries(s->dir), 1);
}

static void test_atomic_missing_directory(void **state)
{
    sandbox *s = *state;
    char path[200], why[300] = "";
    snprintf(path, sizeof path, "%s/no/such/dir/out.json", s->dir);
    writer_ctx w = {"x", 0};
    assert_int_equal(kvs_write_atomic(path, test_writer, &w, why, sizeof why), -1);
    assert_non_null(strstr(why, strerror(ENOENT)));
}

/* A directory the user cannot write to. Root ignores directory permissions, so as root the
 * attempt is made by a child that has dropped to user "nobody" (65534). */
static void test_atomic_unwritable_directory(void **state)
{
    sandbox *s = *state;
    spit(s->file, "old contents\n");
    assert_int_equal(chmod(s->file, 0644), 0);
    assert_int_equal(chmod(s->dir, 0555), 0);
    int status = -1;
    if (geteuid() == 0) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(77);
            char why[300] = "";
            writer_ctx w = {"new", 0};
            int rc = kvs_write_atomic(s->file, test_writer, &w, why, sizeof why);
            _exit(rc == -1 && strstr(why, strerror(EACCES)) ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        status = WEXITSTATUS(status);
    } else {
        char why[300] = "";
        writer_ctx w = {"new", 0};
        int rc = kvs_write_atomic(s->file, test_writer, &w, why, sizeof why);
        status = rc == -1 && strstr(why, strerror(EACCES)) ? 0 : 1;
    }
    chmod(s->dir, 0700);
    if (status == 77)
        skip();
    assert_int_equal(status, 0);
    assert_string_equal(slurp(s->file), "old contents\n");
    assert_int_equal(count_entries(s->dir), 1);
}

static void test_atomic_directory_target(void **state)
{
    sandbox *s = *state;
    char why[300] = "";
    writer_ctx w = {"x", 0};
    assert_int_equal(kvs_write_atomic(s->dir, test_writer, &w, why, sizeof why), -1);
    assert_non_null(strstr(why, strerror(EISDIR)));
}

/* A symbolic link stays a link; the file it points to gets the new contents. */
static void test_atomic_follows_symlink(void **state)
{
    sandbox *s = *state;
    char link[200];
    snprintf(link, sizeof link, "%s/link.json", s->dir);
    spit(s->file, "old\n");
    assert_int_equal(symlink("out.json", link), 0);
    char why[300];
    writer_ctx w = {"new\n", 0};
    assert_int_equal(kvs_write_atomic(link, test_writer, &w, why, sizeof why), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(slurp(s->file), "new\n");
    assert_int_equal(count_entries(s->dir), 2);
}

/* /dev/null is not a regular file: it must be written in place, never renamed over. */
static void test_atomic_device_written_in_place(void **state)
{
    (void)state;
    char why[300];
    writer_ctx w = {"discarded\n", 0};
    assert_int_equal(kvs_write_atomic("/dev/null", test_writer, &w, why, sizeof why), 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_exact_text),
        cmocka_unit_test(test_json_parses_back_in_order),
        cmocka_unit_test(test_json_partial_run_and_defaults),
        cmocka_unit_test(test_json_eviction_by_hand),
        cmocka_unit_test(test_provenance_fields),
        cmocka_unit_test(test_json_empty_workload),
        cmocka_unit_test(test_json_write_error),
        cmocka_unit_test(test_double_formatting),
        cmocka_unit_test(test_double_formatting_ignores_locale),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_report),
        cmocka_unit_test(test_text_report),
        cmocka_unit_test(test_compare_marks_best),
        cmocka_unit_test_setup_teardown(test_atomic_writes_and_replaces, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_writer_failure_keeps_old_file, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_missing_directory, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_unwritable_directory, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_directory_target, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_follows_symlink, sandbox_setup,
                                        sandbox_teardown),
        cmocka_unit_test(test_atomic_device_written_in_place),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
