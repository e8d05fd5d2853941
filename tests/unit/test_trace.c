/* test_trace.c: the trace readers (io/trace.h). The real samples in ../shared/traces are loaded
 * and checked against values worked out by hand from the files (skipped when the folder is
 * absent); the error paths use small files written to a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/trace.h"
#include "io/trace_impl.h" /* trace_days_from_civil */

#define TRACES "../shared/traces"
#define AZURE_CONV TRACES "/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"
#define AZURE_CODE TRACES "/azure-llm-2023/AzureLLMInferenceTrace_code.csv"
#define BURSTGPT TRACES "/burstgpt/BurstGPT_1_first400rows.csv"
#define MOONCAKE TRACES "/mooncake-fast25/conversation_trace.jsonl"
#define SHAREGPT TRACES "/sharegpt-lengths/sharegpt_8k_filtered_stats_llama2_tokenizer.csv"

/* ---------------------------------------------------------------- helpers */

typedef struct {
    char dir[64];
    char *files[64];
    int count;
} tmp_dir;

static int tmp_setup(void **state)
{
    tmp_dir *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/kvscope-trace-XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    tmp_dir *t = *state;
    for (int i = 0; i < t->count; i++) {
        unlink(t->files[i]);
        free(t->files[i]);
    }
    rmdir(t->dir);
    free(t);
    return 0;
}

/* Write `len` bytes (strlen when len is (size_t)-1) to dir/name; returns the path. */
static const char *put(void **state, const char *name, const char *text, size_t len)
{
    tmp_dir *t = *state;
    assert_true(t->count < 64);
    char *path = malloc(strlen(t->dir) + strlen(name) + 2);
    assert_non_null(path);
    sprintf(path, "%s/%s", t->dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len == (size_t)-1)
        len = strlen(text);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    t->files[t->count++] = path;
    return path;
}

static kvs_trace_spec spec_for(const char *path, double step_ms)
{
    kvs_trace_spec s;
    kvs_trace_spec_init(&s);
    s.path = path;
    s.step_ms = step_ms;
    s.progress = false;
    return s;
}

static void load_ok(const kvs_trace_spec *s, kvs_trace *t)
{
    kvs_error e = {0};
    int rc = kvs_trace_load(s, t, &e);
    if (rc != 0)
        kvs_error_print(stderr, &e);
    kvs_error_clear(&e);
    assert_int_equal(rc, 0);
}

/* Load expecting failure; the error must name the line and contain `what`. */
static void load_fails(const kvs_trace_spec *s, int line, int column, const char *what)
{
    kvs_trace t;
    kvs_error e = {0};
    assert_int_equal(kvs_trace_load(s, &t, &e), -1);
    assert_null(t.requests);
    assert_int_equal(t.count, 0);
    assert_non_null(e.message);
    if (!strstr(e.message, what))
        fprintf(stderr, "message was: %s\n", e.message);
    assert_non_null(strstr(e.message, what));
    assert_int_equal(e.line, line);
    if (column >= 0)
        assert_int_equal(e.column, column);
    assert_string_equal(e.file, s->path);
    kvs_error_clear(&e);
}

static void expect_request(const kvs_trace *t, size_t i, const char *id, int64_t arrival,
                           int64_t prompt, int64_t output)
{
    assert_true(i < t->count);
    assert_string_equal(t->requests[i].id, id);
    assert_int_equal(t->requests[i].arrival, arrival);
    assert_int_equal(t->requests[i].prompt, prompt);
    assert_int_equal(t->requests[i].output, output);
}

static bool have_traces(void)
{
    struct stat st;
    return stat(TRACES, &st) == 0 && S_ISDIR(st.st_mode);
}

static void arrivals_sorted(const kvs_trace *t)
{
    for (size_t i = 1; i < t->count; i++)
        assert_true(t->requests[i - 1].arrival <= t->requests[i].arrival);
}

/* ---------------------------------------------------------------- the real samples */

static void azure_conversation(void **state)
{
    (void)state;
    if (!have_traces())
        skip();
    kvs_trace_spec s = spec_for(AZURE_CONV, 25);
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_AZURE);
    assert_int_equal(t.rows_read, 19366);
    assert_int_equal(t.count, 19366);
    assert_int_equal(t.rows_bad + t.rows_failed + t.rows_filtered, 0);
    assert_false(t.stopped_early);
    /* Row 1: 2023-11-16 18:15:46.6805900,374,44 -> step 0. */
    expect_request(&t, 0, "1", 0, 374, 44);
    /* Row 100: 18:16:29.3658130 - 18:15:46.6805900 = 42.6852230 s = 1707.4 steps of 25 ms. */
    expect_request(&t, 99, "100", 1707, 859, 422);
    /* Last row (no final newline): 19:14:08.4025270, 3501.7219370 s = 140068.9 steps. */
    expect_request(&t, 19365, "19366", 140068, 197, 183);
    assert_true(t.span_s > 3501.721 && t.span_s < 3501.723);
    assert_int_equal(t.requests[0].predicted, -1);
    arrivals_sorted(&t);
    kvs_trace_free(&t);
    assert_null(t.requests);
}

static void azure_conversation_rate_limit_window(void **state)
{
    (void)state;
    if (!have_traces())
        skip();
    /* 10x the rate: a step covers 250 ms of trace time. Row 100: 42.685 / 0.25 = 170.7. */
    kvs_trace_spec s = spec_for(AZURE_CONV, 25);
    s.rate_scale = 10;
    s.limit = 2000;
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.count, 2000);
    assert_true(t.stopped_early);
    assert_int_equal(t.rows_read, 2000); /* reading stops at the limit */
    expect_request(&t, 99, "100", 170, 859, 422);
    /* Row 2000: 18:22:50.9400470 - 18:15:46.6805900 = 424.2594570 s / 0.25 = 1697.04. */
    expect_request(&t, 1999, "2000", 1697, 424, 96);
    kvs_trace_free(&t);

    /* The minute from 60 s to 120 s after the first row (18:16:46.68059 .. 18:17:46.68059):
     * rows 192 to 456, 265 requests; row 192 (18:16:46.8527900) is step 0. */
    s = spec_for(AZURE_CONV, 25);
    s.start_s = 60;
    s.duration_s = 60;
    load_ok(&s, &t);
    assert_int_equal(t.count, 265);
    assert_int_equal(t.rows_filtered, 191);
    assert_true(t.stopped_early);
    expect_request(&t, 0, "192", 0, 1118, 414);
    assert_string_equal(t.requests[264].id, "456");
    assert_true(t.requests[264].arrival < 60 * 40);
    kvs_trace_free(&t);
}

static void azure_code(void **state)
{
    (void)state;
    if (!have_traces())
        skip();
    kvs_trace_spec s = spec_for(AZURE_CODE, 40);
    s.format = KVS_TRACE_AZURE;
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.count, 8819);
    expect_request(&t, 0, "1", 0, 4808, 10);
    /* Row 5000: 18:44:14.8593320 - 18:17:03.9799600 = 1630.8793720 s / 0.040 = 40771.98. */
    expect_request(&t, 4999, "5000", 40771, 1864, 156);
    expect_request(&t, 8818, "8819", t.requests[8818].arrival, 549, 173);
    arrivals_sorted(&t);
    kvs_trace_free(&t);
}

static void burstgpt_sample(void **state)
{
    (void)state;
    if (!have_traces())
        skip();
    kvs_trace_spec s = spec_for(BURSTGPT, 25);
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_BURSTGPT);
    assert_int_equal(t.rows_read, 400);
    /* 17 rows have Response tokens 0 (failed requests), e.g. row 21: 1106,ChatGPT,0,0,0. */
    assert_int_equal(t.rows_failed, 17);
    assert_int_equal(t.count, 383);
    expect_request(&t, 0, "1", 0, 472, 18);
    /* Row 2: 45 s - 5 s = 40 s = 1600 steps of 25 ms. */
    expect_request(&t, 1, "2", 1600, 1087, 230);
    /* Row 100: (28571 - 5) s / 0.025 s = 1142640. */
    size_t i100 = 0;
    while (i100 < t.count && strcmp(t.requests[i100].id, "100") != 0)
        i100++;
    expect_request(&t, i100, "100", 1142640, 1035, 227);
    expect_request(&t, t.count - 1, "400", (37274 - 5) * 40, 67, 58);
    kvs_trace_free(&t);

    /* keep_failed keeps all 400, failed ones with a 1-token output. */
    s.keep_failed = true;
    load_ok(&s, &t);
    assert_int_equal(t.count, 400);
    assert_int_equal(t.rows_failed, 0);
    expect_request(&t, 20, "21", (1106 - 5) * 40, 0, 1);
    kvs_trace_free(&t);

    /* model: ChatGPT keeps its 306 answered rows; GPT-4's 80 rows are filtered. Row 1 is
     * ChatGPT, so step 0 stays at 5 s. */
    s = spec_for(BURSTGPT, 25);
    s.model = "chatgpt";
    load_ok(&s, &t);
    assert_int_equal(t.count, 306);
    assert_int_equal(t.rows_filtered, 80);
    expect_request(&t, 0, "1", 0, 472, 18);
    kvs_trace_free(&t);

    /* GPT-4: 77 answered rows; the first is row 3 at 118 s, which becomes step 0. */
    s.model = "GPT-4";
    load_ok(&s, &t);
    assert_int_equal(t.count, 77);
    expect_request(&t, 0, "3", 0, 417, 276);
    kvs_trace_free(&t);

    s.model = "claude";
    load_fails(&s, 0, 0, "the Model column holds ChatGPT, GPT-4");
}

static void mooncake_conversation(void **state)
{
    (void)state;
    if (!have_traces())
        skip();
    kvs_trace_spec s = spec_for(MOONCAKE, 25);
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_MOONCAKE);
    assert_int_equal(t.count, 12031);
    expect_request(&t, 0, "1", 0, 6758, 500);
    expect_request(&t, 1, "2", 0, 7322, 490);
    /* Row 1000: timestamp 330000 ms / 25 ms = 13200. */
    expect_request(&t, 999, "1000", 13200, 19399, 285);
    /* Last row: 3536999 ms / 25 = 141479.96. */
    expect_request(&t, 12030, "12031", 141479, 20774, 508);
    assert_true(t.span_s > 3536.998 && t.span_s < 3537.0);
    kvs_trace_free(&t);
}

static void sharegpt_lengths(void **state)
{
    (void)state;
    if (!have_traces())
        skip();
    kvs_trace_spec s = spec_for(SHAREGPT, 0);
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_LENGTHS);
    assert_int_equal(t.rows_read, 30731);
    assert_int_equal(t.count, 30731);
    expect_request(&t, 0, "1", 0, 74, 918);
    expect_request(&t, 29999, "30000", 0, 1554, 9);
    expect_request(&t, 30730, "30731", 0, 2285, 363);
    kvs_trace_free(&t);

    /* Sampled, with Poisson arrivals: deterministic for a seed, different for another. */
    s.sample = true;
    s.count = 500;
    s.seed = 7;
    s.arrival.kind = KVS_ARRIVAL_POISSON;
    s.arrival.rate = 0.05;
    kvs_trace a, b, c;
    load_ok(&s, &a);
    load_ok(&s, &b);
    s.seed = 8;
    load_ok(&s, &c);
    assert_int_equal(a.count, 500);
    bool differs = false;
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(a.requests[i].id, b.requests[i].id);
        assert_int_equal(a.requests[i].arrival, b.requests[i].arrival);
        assert_int_equal(a.requests[i].prompt, b.requests[i].prompt);
        differs |= a.requests[i].prompt != c.requests[i].prompt;
        /* ids are "draw/row" */
        char want[32];
        snprintf(want, sizeof want, "%zu/", i + 1);
        assert_memory_equal(a.requests[i].id, want, strlen(want));
    }
    assert_true(differs);
    arrivals_sorted(&a);
    /* 500 arrivals at 0.05 per step span about 10000 steps. */
    assert_true(a.requests[499].arrival > 7000 && a.requests[499].arrival < 13000);
    kvs_trace_free(&a);
    kvs_trace_free(&b);
    kvs_trace_free(&c);
}

/* ---------------------------------------------------------------- small inline files */

static const char azure_rows[] =
    "TIMESTAMP,ContextTokens,GeneratedTokens\n"
    "2023-11-16 18:15:46.6805900,374,44\n"
    "2023-11-16 18:15:46.7,10,5\n"
    "2023-11-16 18:15:47,20,6\n"
    "2023-11-16 18:15:48.0000001,30,7\n";

static void check_azure_rows(const kvs_trace *t)
{
    assert_int_equal(t->count, 4);
    expect_request(t, 0, "1", 0, 374, 44);
    /* 0.0194100 s / 10 ms = 1.9 -> 1; 0.3194100 s -> 31; 1.3194101 s -> 131. */
    expect_request(t, 1, "2", 1, 10, 5);
    expect_request(t, 2, "3", 31, 20, 6);
    expect_request(t, 3, "4", 131, 30, 7);
}

static char *replace_newlines(const char *text, const char *nl)
{
    size_t n = strlen(nl), len = 0;
    char *out = malloc(strlen(text) * n + 1);
    assert_non_null(out);
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            memcpy(out + len, nl, n);
            len += n;
        } else {
            out[len++] = *p;
        }
    }
    out[len] = '\0';
    return out;
}

static void line_endings_and_bom(void **state)
{
    kvs_trace t;
    kvs_trace_spec s = spec_for(put(state, "lf.csv", azure_rows, (size_t)-1), 10);
    load_ok(&s, &t);
    check_azure_rows(&t);
    kvs_trace_free(&t);

    const char *endings[] = {"\r\n", "\r"};
    for (int i = 0; i < 2; i++) {
        char *text = replace_newlines(azure_rows, endings[i]);
        /* Without the final line break, as the Azure files are. */
        s = spec_for(put(state, i ? "cr.csv" : "crlf.csv", text, strlen(text) - strlen(endings[i])),
                     10);
        free(text);
        load_ok(&s, &t);
        check_azure_rows(&t);
        kvs_trace_free(&t);
    }

    char bom[512];
    snprintf(bom, sizeof bom, "\xEF\xBB\xBF%s", azure_rows);
    s = spec_for(put(state, "bom.csv", bom, (size_t)-1), 10);
    load_ok(&s, &t);
    check_azure_rows(&t);
    kvs_trace_free(&t);

    /* Blank lines anywhere are not rows; line numbers still count them. */
    s = spec_for(put(state, "blank.csv", "\n\nTIMESTAMP,ContextTokens,GeneratedTokens\r\n\r\n"
                     "2023-11-16 18:15:46,1,2\r\n  \r\n2023-11-16 18:15:46,x,2\r\n", (size_t)-1),
                 10);
    load_fails(&s, 7, 21, "ContextTokens 'x' is not a number");
}

static void crlf_across_read_chunks(void **state)
{
    /* The reader takes 64 KiB at a time: put the CR of row 1 at the last byte of the first
     * chunk and its LF at the first byte of the second, then check that no blank or merged line
     * appears (row 3 is bad and must be reported at line 4). */
    const char *header = "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"; /* 41 bytes */
    const char *ts = "2023-11-16 18:15:46.6805900,";                     /* 28 bytes */
    size_t first = 65535 - strlen(header);                          /* row 1 without CRLF */
    size_t zeros = first - strlen(ts) - strlen("374,44");
    size_t cap = 65536 + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)sprintf(text, "%s%s", header, ts);
    memset(text + len, '0', zeros);
    len += zeros;
    len += (size_t)sprintf(text + len, "374,44\r\n");
    assert_int_equal((unsigned char)text[65535], '\r');
    assert_int_equal((unsigned char)text[65536], '\n');
    len += (size_t)sprintf(text + len, "2023-11-16 18:15:47,1,2\r\n2023-11-16 18:15:48,1,-2\r\n");
    kvs_trace_spec s = spec_for(put(state, "chunk.csv", text, len), 1000);
    free(text);
    load_fails(&s, 4, 23, "GeneratedTokens '-2' is negative");
    s.lenient = true;
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.rows_bad, 1);
    expect_request(&t, 0, "1", 0, 374, 44);
    expect_request(&t, 1, "2", 0, 1, 2);
    kvs_trace_free(&t);
}

static void bad_rows_strict_and_lenient(void **state)
{
    const char *text = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                       "2023-11-16 18:15:46,100,10\n"          /* 2 ok */
                       "2023-11-16 18:15:47,1e3,10\n"          /* 3 bad number */
                       "2023-11-16 18:15:48,100\n"             /* 4 missing column */
                       "2023-11-16 18:15:45,100,10\n"          /* 5 out of order */
                       "2023-11-31 18:15:49,100,10\n"          /* 6 no such day */
                       "2023-11-16 18:15:50,100,10,7\n"        /* 7 extra column */
                       "2023-11-16 18:15:51,100.0,0\n"         /* 8 ok, failed (0 output) */
                       "2023-11-16 18:15:52,\"12\",3\n";       /* 9 ok, quoted */
    const char *path = put(state, "bad.csv", text, (size_t)-1);
    kvs_trace_spec s = spec_for(path, 1000);
    load_fails(&s, 3, 21, "ContextTokens '1e3' is not a number");
    load_fails(&s, 3, 21, "lenient: true");

    s.lenient = true;
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.rows_read, 8);
    assert_int_equal(t.rows_bad, 5);
    assert_int_equal(t.rows_failed, 1);
    assert_int_equal(t.count, 2);
    expect_request(&t, 0, "1", 0, 100, 10);
    expect_request(&t, 1, "8", 6, 12, 3);
    assert_int_equal(t.first_bad.line, 3);
    assert_int_equal(t.first_bad.column, 21);
    assert_string_equal(t.first_bad.source_line, "2023-11-16 18:15:47,1e3,10");
    assert_null(strstr(t.first_bad.message, "lenient"));
    char *info = NULL;
    size_t info_len = 0;
    FILE *f = open_memstream(&info, &info_len);
    assert_non_null(f);
    assert_int_equal(kvs_trace_print_info(f, &s, &t), 0);
    fclose(f);
    assert_non_null(strstr(info, "8 read, 2 kept, 5 malformed"));
    assert_non_null(strstr(info, "bad.csv:3:21: error: ContextTokens '1e3'"));
    free(info);
    kvs_trace_free(&t);

    /* Each bad row on its own, strict. */
    struct {
        const char *row;
        int column;
        const char *what;
    } cases[] = {
        {"2023-11-16 18:15:48,100", 24, "the row has 2 fields but the header has 3"},
        {"2023-11-16 18:15:45,100,10", 1, "the time goes back 1.000 s"},
        {"2023-11-31 18:15:49,100,10", 1, "has a day that the month does not have"},
        {"2023-11-16 18:15:50,100,10,7", 28, "the row has 4 fields"},
        {"2023-11-16 18:15:50,\"100,10", 21, "bad CSV quoting"},
        {"2023-11-16T18:15:50.5Z,-1,10", 24, "ContextTokens '-1' is negative"},
        {"2023-11-16 18:15:50+01:00x,1,10", 1, "unexpected text after the time"},
        {"16/11/2023 18:15:50,1,10", 1, "is not a date-time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char one[256];
        snprintf(one, sizeof one, "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                  "2023-11-16 18:15:46,100,10\n%s\n", cases[i].row);
        char name[32];
        snprintf(name, sizeof name, "case%zu.csv", i);
        s = spec_for(put(state, name, one, (size_t)-1), 1000);
        load_fails(&s, 3, cases[i].column, cases[i].what);
    }
}

static void azure_2024_offsets(void **state)
{
    /* 2024 files carry +00:00 and 6 fractional digits; another offset is converted to UTC:
     * 02:00:00.5+02:00 is 00:00:00.5Z, 0.490070 s after the first row. */
    const char *text = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                       "2024-05-10 00:00:00.009930+00:00,1,2\n"
                       "2024-05-10 02:00:00.5+02:00,3,4\n"
                       "2024-05-10 00:00:01+00:00,5,6\n"
                       "2024-05-09 23:00:02-01:00,7,8\n"
                       "2024-05-10 00:00:04Z,9,10\n";
    kvs_trace_spec s = spec_for(put(state, "az24.csv", text, (size_t)-1), 1);
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.count, 5);
    expect_request(&t, 1, "2", 490, 3, 4);
    expect_request(&t, 2, "3", 990, 5, 6);
    expect_request(&t, 3, "4", 1990, 7, 8);
    expect_request(&t, 4, "5", 3990, 9, 10);
    kvs_trace_free(&t);
}

static void days_from_civil(void **state)
{
    (void)state;
    /* Checked against the calendar: 1970-01-01 is day 0, 2000-03-01 is day 11017 (30 years
     * = 10957 days to 2000-01-01, + 31 + 29), 2023-11-16 is day 19677, 1969-12-31 is -1. */
    assert_int_equal(trace_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(trace_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(trace_days_from_civil(2023, 11, 16), 19677);
    assert_int_equal(trace_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(trace_days_from_civil(2100, 3, 1) - trace_days_from_civil(2100, 2, 28), 1);
    assert_int_equal(trace_days_from_civil(2024, 3, 1) - trace_days_from_civil(2024, 2, 28), 2);
}

static void file_problems(void **state)
{
    kvs_trace_spec s = spec_for(put(state, "empty.csv", "", 0), 25);
    load_fails(&s, 0, 0, "the trace file is empty");
    s = spec_for(put(state, "blanks.csv", "\r\n  \n\t\n", (size_t)-1), 25);
    load_fails(&s, 0, 0, "the trace file is empty");
    s = spec_for(put(state, "header.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n",
                     (size_t)-1), 25);
    load_fails(&s, 0, 0, "no requests kept from the trace: the file has no data rows");
    s = spec_for(put(state, "unknown.csv", "when,in,out\n1,2,3\n", (size_t)-1), 25);
    load_fails(&s, 1, 1, "cannot tell the trace's format");

    tmp_dir *t = *state;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/nope.csv", t->dir);
    s = spec_for(missing, 25);
    load_fails(&s, 0, 0, "No such file or directory");
    s = spec_for(t->dir, 25);
    load_fails(&s, 0, 0, "is a directory");

    /* Timestamps need step_ms; options of other formats are refused. */
    s = spec_for(put(state, "ok.csv", azure_rows, (size_t)-1), 0);
    load_fails(&s, 0, 0, "step_ms is needed");
    s.step_ms = 25;
    s.model = "ChatGPT";
    load_fails(&s, 0, 0, "`model` filters BurstGPT traces");
    s.model = NULL;
    s.count = 10;
    load_fails(&s, 0, 0, "use `limit`");
    s.count = 0;
    s.rate_scale = 0;
    load_fails(&s, 0, 0, "rate_scale must be a number > 0");
    s.rate_scale = 1;
    s.format = KVS_TRACE_BURSTGPT;
    load_fails(&s, 1, 1, "looks like `format: azure`");
    s.format = KVS_TRACE_MOONCAKE;
    load_fails(&s, 1, 1, "one JSON object per line");

    /* Every row failed: the message says why nothing is left. */
    s = spec_for(put(state, "failed.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                     "2023-11-16 18:15:46,1,0\n", (size_t)-1), 25);
    load_fails(&s, 0, 0, "1 failed");
    /* A NUL byte (UTF-16 text, a binary file). */
    s = spec_for(put(state, "nul.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n1\0002,3,4\n",
                     47), 25);
    load_fails(&s, 2, 0, "NUL byte");
    /* UTF-16 (with its byte-order mark): every other byte is NUL. */
    s = spec_for(put(state, "utf16.csv", "\xFF\xFET\0I\0M\0E\0\n\0", 12), 25);
    load_fails(&s, 1, 0, "UTF-16");
    /* Only a byte-order mark. */
    s = spec_for(put(state, "bomonly.csv", "\xEF\xBB\xBF", (size_t)-1), 25);
    load_fails(&s, 0, 0, "the trace file is empty");
}

static void burstgpt_columns_by_name(void **state)
{
    /* A later release's column order, with Session ID and Elapsed time, quotes, and
     * fractional seconds. */
    const char *text = "Timestamp,Session ID,Model,Request tokens,Response tokens,"
                       "Total tokens,Log Type,Elapsed time\n"
                       "10.5,s1,ChatGPT,100,20,120,\"Conversation log\",1.2\n"
                       "11,s2,\"GPT-4\",50,0,50,API log,0\n"
                       "12.25,s1,ChatGPT,30,\"7\",37,\"a, b\",3\n";
    kvs_trace_spec s = spec_for(put(state, "burst2.csv", text, (size_t)-1), 250);
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_BURSTGPT);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.rows_failed, 1);
    expect_request(&t, 0, "1", 0, 100, 20);
    /* 12.25 - 10.5 = 1.75 s = 7 steps of 250 ms. */
    expect_request(&t, 1, "3", 7, 30, 7);
    assert_true(t.span_s > 1.749 && t.span_s < 1.751);
    kvs_trace_free(&t);

    s = spec_for(put(state, "burst3.csv", "Timestamp,Request tokens,Response tokens\n1,2,3\n",
                     (size_t)-1), 250);
    s.model = "ChatGPT";
    load_fails(&s, 1, 1, "needs a Model column");
}

static void mooncake_rows(void **state)
{
    const char *text = "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2, "
                       "\"hash_ids\": [1, 2]}\n"
                       "{\"timestamp\": 26, \"input_length\": 11, \"output_length\": 3}\n"
                       "{\"timestamp\": 30, \"input_length\": 12.5, \"output_length\": 3}\n"
                       "{\"timestamp\": 31, \"output_length\": 3, \"input_length\": 1}\n"
                       "{\"timestamp\": 40 \"input_length\": 1, \"output_length\": 3}\n"
                       "[1, 2]\n"
                       "{\"timestamp\": 52, \"input_length\": 13, \"output_length\": 4}";
    kvs_trace_spec s = spec_for(put(state, "moon.jsonl", text, (size_t)-1), 25);
    load_fails(&s, 3, 19, "\"input_length\" is not a whole number");
    s.lenient = true;
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_MOONCAKE);
    assert_int_equal(t.rows_read, 7);
    assert_int_equal(t.rows_bad, 3);
    assert_int_equal(t.count, 4);
    expect_request(&t, 1, "2", 1, 11, 3);
    expect_request(&t, 2, "4", 1, 1, 3);
    expect_request(&t, 3, "7", 2, 13, 4);
    kvs_trace_free(&t);

    /* The invalid JSON of line 5 and the array of line 6, each on its own. */
    s = spec_for(put(state, "moon5.jsonl", "{\"timestamp\": 0, \"input_length\": 1, "
                     "\"output_length\": 3}\n{\"timestamp\": 40 \"input_length\": 1}\n",
                     (size_t)-1), 25);
    s.format = KVS_TRACE_MOONCAKE;
    load_fails(&s, 2, 18, "not valid JSON");
    s = spec_for(put(state, "moon6.jsonl", "{\"timestamp\": 0, \"input_length\": 1, "
                     "\"output_length\": 3}\n[1]\n", (size_t)-1), 25);
    s.format = KVS_TRACE_MOONCAKE;
    load_fails(&s, 2, 1, "expected a JSON object");
}

static void kvscope_json(void **state)
{
    /* A pretty-printed array (as jq writes it), with both id kinds and predicted_output. */
    const char *text = "[\n"
                       "  {\"id\": \"a\", \"arrival\": 0, \"prompt\": 10, \"output\": 5},\n"
                       "  {\"id\": 7, \"arrival\": 3, \"prompt\": 1, \"output\": 2,\n"
                       "   \"predicted_output\": 4},\n"
                       "  {\n"
                       "    \"arrival\": 3,\n"
                       "    \"prompt\": 20,\n"
                       "    \"output\": 1,\n"
                       "    \"predicted_output\": null\n"
                       "  }, {\"id\": \"x{]\\\"\", \"arrival\": 9, \"prompt\": 0, \"output\": 1}\n"
                       "]\n";
    kvs_trace_spec s = spec_for(put(state, "k.json", text, (size_t)-1), 0);
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_KVSCOPE);
    assert_int_equal(t.count, 4);
    expect_request(&t, 0, "a", 0, 10, 5);
    expect_request(&t, 1, "7", 3, 1, 2);
    assert_int_equal(t.requests[1].predicted, 4);
    expect_request(&t, 2, "3", 3, 20, 1);
    assert_int_equal(t.requests[2].predicted, -1);
    expect_request(&t, 3, "x{]\"", 9, 0, 1);
    kvs_trace_free(&t);

    /* Arrivals as given; rate_scale divides them. */
    s.rate_scale = 2;
    load_ok(&s, &t);
    expect_request(&t, 1, "7", 1, 1, 2);
    expect_request(&t, 3, "x{]\"", 4, 0, 1);
    kvs_trace_free(&t);

    /* JSONL with time_ms: 0.5 ms and 100 ms at 10 ms a step -> steps 0 and 9. */
    const char *jsonl = "{\"time_ms\": 0.5, \"prompt\": 3, \"output\": 4}\n"
                        "{\"time_ms\": 100, \"prompt\": 5, \"output\": 6, \"id\": \"q\"}\n";
    s = spec_for(put(state, "k.jsonl", jsonl, (size_t)-1), 10);
    load_ok(&s, &t);
    expect_request(&t, 0, "1", 0, 3, 4);
    expect_request(&t, 1, "q", 9, 5, 6);
    kvs_trace_free(&t);
    s.step_ms = 0;
    load_fails(&s, 1, 2, "step_ms is needed");

    struct {
        const char *text;
        int line, column;
        const char *what;
    } cases[] = {
        {"[{\"arrival\": 0, \"prompt\": 1, \"output\": 1},]\n", 1, 43, "remove it"},
        {"[{\"arrival\": 0, \"prompt\": 1, \"output\": 1}] x\n", 1, 44, "text after the array"},
        {"[{\"arrival\": 0, \"prompt\": 1, \"output\": 1}\n", 0, 0, "close it with ']'"},
        {"[\n {\"arrival\": 0,\n  \"prompt\": 1,\n", 2, 2, "ends inside this request object"},
        {"[{\"arrival\": 0, \"prompt\": 1, \"output\": 1},\n {\"arrival\": 1,\n  \"prompt\": -1,"
         " \"output\": 1}]\n", 3, 3, "\"prompt\" is negative"},
        {"{\"arrival\": 0, \"prompt\": 1, \"output\": 1, \"promt\": 2}\n", 1, 42,
         "unknown key \"promt\""},
        {"{\"arrival\": 0, \"time_ms\": 0, \"prompt\": 1, \"output\": 1}\n", 1, 16,
         "not both"},
        {"{\"prompt\": 1, \"output\": 1}\n", 1, 1, "neither \"arrival\""},
        {"{\"arrival\": 0, \"prompt\": 1, \"output\": 1}\n{\"time_ms\": 0, \"prompt\": 1, "
         "\"output\": 1}\n", 2, 2, "use one clock"},
        {"{\"arrival\": 5, \"prompt\": 1, \"output\": 1}\n{\"arrival\": 4, \"prompt\": 1, "
         "\"output\": 1}\n", 2, 2, "requests must be in arrival order"},
        {"{\"id\": \"a\", \"arrival\": 0, \"prompt\": 1, \"output\": 1}\n{\"id\": \"b\", "
         "\"arrival\": 0, \"prompt\": 1, \"output\": 1}\n{\"id\": \"a\", \"arrival\": 0, "
         "\"prompt\": 1, \"output\": 1}\n", 3, 0, "duplicate id 'a' (request #1 at line 1"},
        {"{\"id\": \"\", \"arrival\": 0, \"prompt\": 1, \"output\": 1}\n", 1, 2,
         "non-empty string"},
        {"{\"arrival\": 0, \"prompt\": 1, \"output\": 1, \"predicted_output\": 0}\n", 1, 42,
         "must be at least 1"},
        {"{\"arrival\": 0, \"arrival\": 1, \"prompt\": 1, \"output\": 1}\n", 1, 1,
         "given twice"},
        /* Objects over several lines: errors point at the line of the key, duplicates at the
         * line where the object starts. */
        {"[\n {\"id\": \"a\", \"arrival\": 5, \"prompt\": 1, \"output\": 1},\n {\"id\": \"b\",\n"
         "  \"arrival\": 4,\n  \"prompt\": 1, \"output\": 1}\n]\n", 4, 3, "arrival 4 is before"},
        {"[\n {\"id\": \"a\", \"arrival\": 5, \"prompt\": 1, \"output\": 1},\n {\"id\": \"a\",\n"
         "  \"arrival\": 6,\n  \"prompt\": 1, \"output\": 1}\n]\n", 3, 0,
         "duplicate id 'a' (request #1 at line 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char name[32];
        snprintf(name, sizeof name, "kcase%zu.json", i);
        s = spec_for(put(state, name, cases[i].text, (size_t)-1), 0);
        load_fails(&s, cases[i].line, cases[i].column, cases[i].what);
    }
}

static void lengths_file_order_and_errors(void **state)
{
    const char *text = "prompt,output\n5,6\n7,0\n8,9\n10,11\n";
    kvs_trace_spec s = spec_for(put(state, "len.csv", text, (size_t)-1), 0);
    s.count = 2;
    s.arrival.kind = KVS_ARRIVAL_BURST;
    s.arrival.at = 4;
    kvs_trace t;
    load_ok(&s, &t);
    assert_int_equal(t.format, KVS_TRACE_LENGTHS);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.rows_failed, 1);
    /* Row 2 failed (0 output): the first two usable rows are rows 1 and 3. */
    expect_request(&t, 0, "1", 4, 5, 6);
    expect_request(&t, 1, "3", 4, 8, 9);
    kvs_trace_free(&t);

    s.count = 4;
    load_fails(&s, 0, 0, "the file has only 3 usable rows");
    s.count = 0;
    s.sample = true;
    load_fails(&s, 0, 0, "`sample: true` needs `count`");
    s.sample = false;
    s.limit = 3;
    load_fails(&s, 0, 0, "not `limit`");
    s.limit = 0;
    s.rate_scale = 2;
    load_fails(&s, 0, 0, "no timestamps");
    s.rate_scale = 1;
    s.arrival.kind = KVS_ARRIVAL_POISSON;
    s.arrival.rate = 0;
    load_fails(&s, 0, 0, "arrival rate");
}

static void progress_is_silent_off_a_terminal(void **state)
{
    /* stderr is not a terminal under the test runner: progress on must print nothing and must
     * not disturb the result. */
    kvs_trace_spec s = spec_for(put(state, "p.csv", azure_rows, (size_t)-1), 10);
    s.progress = true;
    kvs_trace t;
    load_ok(&s, &t);
    check_azure_rows(&t);
    kvs_trace_free(&t);
    kvs_trace_free(&t); /* twice is harmless */
}

static void format_names(void **state)
{
    (void)state;
    kvs_trace_format f;
    assert_int_equal(kvs_trace_format_parse("BurstGPT", &f), 0);
    assert_int_equal(f, KVS_TRACE_BURSTGPT);
    assert_int_equal(kvs_trace_format_parse("csv", &f), -1);
    for (int i = 0; i < KVS_TRACE_FORMAT_COUNT; i++) {
        assert_int_equal(kvs_trace_format_parse(kvs_trace_format_name((kvs_trace_format)i), &f),
                         0);
        assert_int_equal(f, i);
        assert_non_null(strstr(kvs_trace_format_list(), kvs_trace_format_name(f)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(azure_conversation),
        cmocka_unit_test(azure_conversation_rate_limit_window),
        cmocka_unit_test(azure_code),
        cmocka_unit_test(burstgpt_sample),
        cmocka_unit_test(mooncake_conversation),
        cmocka_unit_test(sharegpt_lengths),
        cmocka_unit_test_setup_teardown(line_endings_and_bom, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(crlf_across_read_chunks, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(bad_rows_strict_and_lenient, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(azure_2024_offsets, tmp_setup, tmp_teardown),
        cmocka_unit_test(days_from_civil),
        cmocka_unit_test_setup_teardown(file_problems, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(burstgpt_columns_by_name, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(mooncake_rows, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(kvscope_json, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(lengths_file_order_and_errors, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(progress_is_silent_off_a_terminal, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test(format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
