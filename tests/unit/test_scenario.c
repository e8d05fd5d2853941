/* test_scenario.c: the YAML scenario loader: exact values of what it loads, and for every kind of
 * mistake the exact line:column it blames and the key words of its message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/scenario.h"
#include "kvscope/generator.h"

static int load(const char *yaml, const kvs_scenario_overrides *ov, kvs_scenario *s,
                kvs_error *e)
{
    return kvs_scenario_load_string("t.yaml", yaml, strlen(yaml), ov, s, e);
}

/* Line `line` (1-based) of text, into buf. */
static const char *nth_line(const char *text, int line, char *buf, size_t n)
{
    for (int l = 1; l < line && text; l++) {
        text = strchr(text, '\n');
        if (text)
            text++;
    }
    assert_non_null(text);
    size_t len = strcspn(text, "\n");
    assert_true(len < n);
    memcpy(buf, text, len);
    buf[len] = '\0';
    return buf;
}

/* Load must fail at line:col (0:0 for "no position") with every NULL-terminated fragment in the
 * message; the source line must be the file's line. */
static void expect_error_ov(const char *yaml, const kvs_scenario_overrides *ov, int line, int col,
                            ...)
{
    kvs_scenario s;
    kvs_error e;
    int rc = load(yaml, ov, &s, &e);
    if (rc == 0) {
        print_error("loaded without error:\n%s\n", yaml);
        kvs_scenario_free(&s);
        fail();
    }
    assert_non_null(e.message);
    if (e.line != line || e.column != col)
        print_error("message: %s\n", e.message);
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, col);
    assert_string_equal(e.file, "t.yaml");
    va_list ap;
    va_start(ap, col);
    for (const char *part; (part = va_arg(ap, const char *)) != NULL;) {
        if (!strstr(e.message, part)) {
            print_error("message:  %s\nexpected: ...%s...\n", e.message, part);
            fail();
        }
    }
    va_end(ap);
    if (line > 0) {
        char want[512];
        assert_non_null(e.source_line);
        assert_string_equal(e.source_line, nth_line(yaml, line, want, sizeof want));
    }
    kvs_error_clear(&e);
}

#define expect_error(yaml, line, col, ...) expect_error_ov(yaml, NULL, line, col, __VA_ARGS__, NULL)

static void must_load(const char *yaml, const kvs_scenario_overrides *ov, kvs_scenario *s)
{
    kvs_error e;
    if (load(yaml, ov, s, &e) != 0) {
        print_error("%s:%d:%d: %s\n", e.file, e.line, e.column, e.message);
        kvs_error_clear(&e);
        fail();
    }
}

/* ---- what loads ---- */

static void test_explicit_requests(void **state)
{
    (void)state;
    kvs_scenario s;
    must_load("memory: 2048\n"
              "requests:\n"
              "  - {id: a, arrival: 5, prompt: 100, output: 50}\n"
              "  - {arrival: 0, prompt: 0, output: 1, predicted_output: 7}\n"
              "  - id: 42\n"
              "    prompt: 10\n"
              "    output: 20\n",
              NULL, &s);
    assert_string_equal(s.path, "t.yaml");
    assert_string_equal(s.name, "t");
    assert_null(s.description);
    assert_int_equal(s.workload.memory, 2048);
    assert_int_equal(s.workload.seed, 1);
    assert_true(s.step_ms == 0.0);
    assert_int_equal(s.dropped, 0);
    assert_int_equal(s.config.policy, KVS_POLICY_FCFS);
    assert_int_equal(s.config.admission, KVS_ADMIT_LOOKAHEAD);
    assert_int_equal(s.config.information, KVS_INFO_EXACT);
    assert_true(s.workload.info.sigma == 0.5);
    assert_int_equal(s.workload.info.theta, -1);
    assert_int_equal(s.workload.count, 3);
    const kvs_request *r = s.workload.requests;
    assert_string_equal(r[0].id, "a");
    assert_int_equal(r[0].arrival, 5);
    assert_int_equal(r[0].prompt, 100);
    assert_int_equal(r[0].output, 50);
    assert_int_equal(r[0].predicted, -1);
    assert_string_equal(r[1].id, "2"); /* position as the default id */
    assert_int_equal(r[1].arrival, 0);
    assert_int_equal(r[1].prompt, 0);
    assert_int_equal(r[1].output, 1);
    assert_int_equal(r[1].predicted, 7);
    assert_string_equal(r[2].id, "42");
    assert_int_equal(r[2].arrival, 0); /* arrival defaults to 0 */
    assert_int_equal(r[2].prompt, 10);
    assert_int_equal(r[2].output, 20);
    kvs_scenario_free(&s);
}

static void test_all_top_level_keys(void **state)
{
    (void)state;
    kvs_scenario s;
    must_load("name: demo\n"
              "description: \"two: requests\"\n"
              "memory: 1000\n"
              "policy: sjf\n"
              "information: predicted\n"
              "predicted: {sigma: 0.25}\n"
              "onebit: {theta: 30, flip_probability: 0.1, short_estimate: 5, long_estimate: 90}\n"
              "seed: 18446744073709551615\n"
              "step_ms: 12.5\n"
              "oversize: error\n"
              "requests: [{prompt: 1, output: 2}]\n",
              NULL, &s);
    assert_string_equal(s.name, "demo");
    assert_string_equal(s.description, "two: requests");
    assert_int_equal(s.workload.memory, 1000);
    assert_int_equal(s.config.policy, KVS_POLICY_SJF);
    assert_int_equal(s.config.information, KVS_INFO_PREDICTED);
    assert_int_equal(s.config.admission, KVS_ADMIT_LOOKAHEAD);
    assert_true(s.workload.info.sigma == 0.25);
    assert_int_equal(s.workload.info.theta, 30);
    assert_true(s.workload.info.flip_probability == 0.1);
    assert_int_equal(s.workload.info.short_estimate, 5);
    assert_int_equal(s.workload.info.long_estimate, 90);
    assert_true(s.workload.seed == UINT64_MAX);
    assert_true(s.step_ms == 12.5);
    kvs_scenario_free(&s);
}

static kvs_config config_of(const char *lines)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "memory: 100\n%srequests: [{prompt: 1, output: 2}]\n", lines);
    kvs_scenario s;
    must_load(yaml, NULL, &s);
    kvs_config c = s.config;
    kvs_scenario_free(&s);
    return c;
}

static void assert_config(kvs_config c, kvs_policy p, kvs_admission a, kvs_information i)
{
    assert_int_equal(c.policy, p);
    assert_int_equal(c.admission, a);
    assert_int_equal(c.information, i);
}

static void test_config_resolution(void **state)
{
    (void)state;
    assert_config(config_of(""), KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    assert_config(config_of("policy: vllm\n"), KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_NONE);
    assert_config(config_of("policy: mcsf\n"), KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD,
                  KVS_INFO_EXACT);
    assert_config(config_of("policy: svf-1bit\n"), KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD,
                  KVS_INFO_ONEBIT);
    /* an explicit information overrides the preset's, the preset's admission stays */
    assert_config(config_of("policy: vllm\ninformation: exact\n"), KVS_POLICY_FCFS,
                  KVS_ADMIT_CURRENT, KVS_INFO_EXACT);
    /* no admission from preset or file: the default of the information mode */
    assert_config(config_of("information: none\n"), KVS_POLICY_FCFS, KVS_ADMIT_CURRENT,
                  KVS_INFO_NONE);
    assert_config(config_of("policy: spf\ninformation: onebit\n"), KVS_POLICY_SPF,
                  KVS_ADMIT_LOOKAHEAD, KVS_INFO_ONEBIT);
    /* an explicit admission overrides the preset's, wherever it is written */
    assert_config(config_of("admission: lookahead\npolicy: svf-1bit\ninformation: exact\n"),
                  KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    assert_config(config_of("policy: mcsf\nadmission: current\n"), KVS_POLICY_SJF,
                  KVS_ADMIT_CURRENT, KVS_INFO_EXACT);
}

static void test_config_conflicts(void **state)
{
    (void)state;
    expect_error("memory: 100\nadmission: lookahead\ninformation: none\n"
                 "requests: [{prompt: 1, output: 2}]\n",
                 2, 12, "admission 'lookahead' needs an output estimate", "use admission current");
    expect_error("memory: 100\npolicy: svf\ninformation: none\n"
                 "requests: [{prompt: 1, output: 2}]\n",
                 3, 14, "policy svf orders by an output estimate");
    expect_error("memory: 100\npolicy: vllm\nadmission: lookahead\n"
                 "requests: [{prompt: 1, output: 2}]\n",
                 3, 12, "lookahead", "information 'none'");
}

static void test_oversize_drop(void **state)
{
    (void)state;
    kvs_scenario s;
    must_load("memory: 100\noversize: drop\nrequests:\n"
              "  - {id: big, prompt: 60, output: 50}\n"
              "  - {prompt: 50, output: 50}\n"
              "  - {id: huge, prompt: 100, output: 1}\n"
              "  - {prompt: 1, output: 2}\n",
              NULL, &s);
    assert_int_equal(s.dropped, 2);
    assert_int_equal(s.workload.count, 2);
    assert_string_equal(s.workload.requests[0].id, "2");
    assert_int_equal(s.workload.requests[0].prompt, 50);
    assert_string_equal(s.workload.requests[1].id, "4");
    kvs_scenario_free(&s);
    expect_error("memory: 100\noversize: drop\nrequests:\n  - {prompt: 60, output: 50}\n", 3, 1,
                 "all 1 requests", "dropped", "raise memory");
}

static void test_overrides(void **state)
{
    (void)state;
    const char *yaml = "memory: 100\nseed: 5\nrequests: [{id: x, prompt: 150, output: 50}]\n";
    kvs_scenario_overrides ov = {.memory = 200, .seed_set = true, .seed = 9};
    kvs_scenario s;
    must_load(yaml, &ov, &s);
    assert_int_equal(s.workload.memory, 200);
    assert_int_equal(s.workload.seed, 9);
    kvs_scenario_free(&s);
    /* the override is what the request is checked against, and the message says so */
    ov.memory = 150;
    expect_error_ov(yaml, &ov, 3, 12, "prompt 150 + output 50 = 200", "memory 150",
                    "command line", NULL);
    ov.memory = 3000000000LL;
    expect_error_ov(yaml, &ov, 0, 0, "3000000000", "command line", NULL);
    /* memory may come from the command line alone */
    ov.memory = 500;
    must_load("requests: [{prompt: 150, output: 50}]\n", &ov, &s);
    assert_int_equal(s.workload.memory, 500);
    kvs_scenario_free(&s);
}

static void test_generate(void **state)
{
    (void)state;
    const char *yaml = "memory: 1000\nseed: 7\n"
                       "generate:\n"
                       "  count: 200\n"
                       "  arrival: {process: poisson, at: 10, rate: 0.5}\n"
                       "  prompt: {dist: uniform, min: 10, max: 300}\n"
                       "  output: {dist: lognormal, mean: 100, sigma: 0.8, max: 600}\n";
    kvs_scenario s;
    must_load(yaml, NULL, &s);
    assert_int_equal(s.workload.count, 200);
    kvs_generator g = {.count = 200,
                       .arrival = {.kind = KVS_ARRIVAL_POISSON, .at = 10, .rate = 0.5},
                       .prompt = {.kind = KVS_DIST_UNIFORM, .min = 10, .max = 300},
                       .output = {.kind = KVS_DIST_LOGNORMAL, .mean = 100, .sigma = 0.8,
                                  .min = 0, .max = 600}};
    kvs_request want[200];
    char why[200];
    assert_int_equal(kvs_generate(&g, 7, 1000, want, why, sizeof why), 0);
    for (size_t i = 0; i < 200; i++) {
        assert_int_equal(s.workload.requests[i].arrival, want[i].arrival);
        assert_int_equal(s.workload.requests[i].prompt, want[i].prompt);
        assert_int_equal(s.workload.requests[i].output, want[i].output);
        assert_null(s.workload.requests[i].id);
    }
    assert_int_equal(s.workload.requests[0].arrival, 10);
    kvs_scenario_free(&s);

    /* the seed override changes the draw; memory override reaches the generator */
    kvs_scenario_overrides ov = {.memory = 100, .seed_set = true, .seed = 8};
    must_load(yaml, &ov, &s);
    int differ = 0;
    for (size_t i = 0; i < 200; i++) {
        const kvs_request *r = &s.workload.requests[i];
        differ += r->prompt != want[i].prompt && want[i].prompt < 99;
        assert_true(r->prompt + r->output <= 100);
    }
    assert_true(differ > 0);
    kvs_scenario_free(&s);

    /* defaults: burst at 0 */
    must_load("memory: 50\ngenerate: {count: 3, prompt: {dist: fixed, value: 4.4}, "
              "output: {dist: geometric, mean: 1}}\n", NULL, &s);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s.workload.requests[i].arrival, 0);
        assert_int_equal(s.workload.requests[i].prompt, 4);
        assert_int_equal(s.workload.requests[i].output, 1);
    }
    kvs_scenario_free(&s);
}

static void test_generate_errors(void **state)
{
    (void)state;
    expect_error("memory: 100\ngenerate:\n  count: 3\n"
                 "  prompt: {dist: uniform, min: 1, max: 10, stddev: 3}\n"
                 "  output: {dist: fixed, value: 3}\n",
                 4, 44, "'stddev' is not used by 'dist: uniform'", "min, max");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  arrival: {process: gamma, rate: 1}\n"
                 "  prompt: {dist: fixed, value: 3}\n  output: {dist: fixed, value: 3}\n",
                 4, 12, "'process: gamma' needs 'burstiness:'");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  arrival: {process: burst, rate: 1}\n"
                 "  prompt: {dist: fixed, value: 3}\n  output: {dist: fixed, value: 3}\n",
                 4, 29, "'rate' is not used by 'process: burst'");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  arrival: {process: poisson}\n"
                 "  prompt: {dist: fixed, value: 3}\n  output: {dist: fixed, value: 3}\n",
                 4, 12, "needs 'rate:'");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  arrival: {process: poisson, rate: 0}\n"
                 "  prompt: {dist: fixed, value: 3}\n  output: {dist: fixed, value: 3}\n",
                 4, 37, "rate must be", "> 0", "found 0");
    expect_error("memory: 100\ngenerate:\n  count: 3\n"
                 "  prompt: {dist: uniform, min: 20, max: 10}\n"
                 "  output: {dist: fixed, value: 3}\n",
                 4, 41, "max (10) must be >= min (20)");
    expect_error("memory: 100\ngenerate:\n  count: 0\n"
                 "  prompt: {dist: fixed, value: 3}\n  output: {dist: fixed, value: 3}\n",
                 3, 10, "count must be from 1 to", "found 0");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  prompt: {dist: normal, mean: 3}\n"
                 "  output: {dist: fixed, value: 3}\n",
                 4, 11, "'dist: normal' needs 'stddev:'");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  prompt: {dist: poison, mean: 3}\n"
                 "  output: {dist: fixed, value: 3}\n",
                 4, 18, "unknown dist 'poison'", "fixed, uniform, normal, lognormal, geometric");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  prompt: {dist: fixed, value: 3}\n",
                 3, 3, "generate has no 'output:'");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  arrival: {process: gamma, rate: 1, "
                 "burstiness: 0}\n  prompt: {dist: fixed, value: 3}\n"
                 "  output: {dist: fixed, value: 3}\n",
                 4, 50, "burstiness must be");
    expect_error("memory: 100\ngenerate:\n  count: 3\n  prompt: {dist: geometric, mean: 0.5}\n"
                 "  output: {dist: fixed, value: 3}\n",
                 4, 35, "mean must be", ">= 1");
    /* the generator's own refusal is reported at the generate key */
    expect_error("memory: 100\ngenerate:\n  count: 3\n"
                 "  arrival: {process: poisson, at: 1125899906842620, rate: 0.000001}\n"
                 "  prompt: {dist: fixed, value: 3}\n  output: {dist: fixed, value: 3}\n",
                 2, 1, "generate:", "arrive after step");
}

static void test_default_scenario(void **state)
{
    (void)state;
    kvs_scenario s;
    kvs_error e;
    if (kvs_scenario_load_default(NULL, &s, &e) != 0) {
        print_error("%s:%d:%d: %s\n", e.file, e.line, e.column, e.message);
        kvs_error_clear(&e);
        fail();
    }
    assert_string_equal(s.path, "<default>");
    assert_string_equal(s.name, "classroom");
    assert_int_equal(s.workload.memory, 2048);
    assert_int_equal(s.config.policy, KVS_POLICY_SVF);
    assert_true(s.workload.count >= 20 && s.workload.count <= 30);
    kvs_scenario_free(&s);
    /* an override too small for its long requests is reported inside the embedded text */
    kvs_scenario_overrides ov = {.memory = 1000};
    assert_int_equal(kvs_scenario_load_default(&ov, &s, &e), -1);
    assert_string_equal(e.file, "<default>");
    assert_true(e.line > 1);
    assert_non_null(e.source_line);
    assert_non_null(strstr(e.source_line, "long-1"));
    assert_non_null(strstr(e.message, "command line"));
    kvs_error_clear(&e);
}

/* ---- mistakes ---- */

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_error("memory: 100\npolcy: svf\n", 2, 1, "unknown key 'polcy' at the top level",
                 "did you mean 'policy'?", "memory, policy, admission");
    expect_error("memory: 100\nzzzzzz: 1\n", 2, 1, "unknown key 'zzzzzz'", "valid keys are name");
    expect_error("memory: 100\nrequests:\n  - {prompt: 1, output: 2}\n  - {prompt: 1, ouput: 2}\n",
                 4, 17, "unknown key 'ouput' in request #2", "did you mean 'output'?");
    expect_error("memory: 100\npredicted: {sigam: 1}\n", 2, 13, "unknown key 'sigam' in predicted",
                 "did you mean 'sigma'?");
    expect_error("memory: 100\ntrace: x.csv\n", 2, 8, "trace must be a mapping");
    expect_error("memory: 100\n[a]: 1\n", 2, 1, "must be a name", "a list");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_error("memory: lots\n", 1, 9, "memory must be a whole number", "found 'lots'");
    expect_error("memory: {model: llama, gpu: a100}\n", 1, 17, "unknown model 'llama'",
                 "llama-3.1-8b");
    expect_error("memory: [1, 2]\n", 1, 9, "memory must be a number of tokens", "found a list",
                 "memory: 2048");
    expect_error("memory: \"2048\"\n", 1, 9, "quoted string \"2048\"", "remove the quotes");
    expect_error("memory:\nrequests: []\n", 1, 8, "memory needs a value");
    expect_error("memory: 100\nrequests: {prompt: 1, output: 2}\n", 2, 11,
                 "requests must be a list", "a mapping");
    expect_error("memory: 100\npredicted: 0.5\n", 2, 12, "predicted must be a mapping",
                 "found '0.5'", "sigma: 0.5");
    expect_error("memory: 100\nrequests:\n  - 5\n", 3, 5, "request #1 must be a mapping");
    expect_error("memory: 100\nname: [a, b]\n", 2, 7, "name must be text", "a list");
    expect_error("memory: 100\nrequests: [{id: [1], prompt: 1, output: 2}]\n", 2, 17,
                 "id must be a name or a number");
    expect_error("memory: 100\nrequests: [{id: '', prompt: 1, output: 2}]\n", 2, 17,
                 "id must be a name or a number", "an empty string");
    expect_error("memory: 100\nseed: -1\n", 2, 7, "seed must be a whole number from 0 to "
                 "18446744073709551615");
    expect_error("memory: 100\nseed: 18446744073709551616\n", 2, 7, "too large");
    expect_error("memory: 100\npolicy: [svf]\n", 2, 9, "policy must be one of", "a list");
}

static void test_bad_integers(void **state)
{
    (void)state;
    const char *head = "memory: 100\nrequests:\n";
    char yaml[256];
    snprintf(yaml, sizeof yaml, "%s  - {prompt: -5, output: 2}\n", head);
    expect_error(yaml, 3, 14, "prompt must be from 0 to 2000000000", "found -5");
    snprintf(yaml, sizeof yaml, "%s  - {prompt: 5, output: 0}\n", head);
    expect_error(yaml, 3, 25, "output must be from 1", "found 0", "at least one token");
    snprintf(yaml, sizeof yaml, "%s  - {arrival: 1.5, prompt: 5, output: 1}\n", head);
    expect_error(yaml, 3, 15, "arrival must be a whole number", "found 1.5");
    snprintf(yaml, sizeof yaml, "%s  - {arrival: 1e3, prompt: 5, output: 1}\n", head);
    expect_error(yaml, 3, 15, "digits only", "found 1e3");
    snprintf(yaml, sizeof yaml, "%s  - {arrival: 9223372036854775808, prompt: 5, output: 1}\n",
             head);
    expect_error(yaml, 3, 15, "9223372036854775808 is too large for a 64-bit integer");
    snprintf(yaml, sizeof yaml, "%s  - {arrival: -9223372036854775809, prompt: 5, output: 1}\n",
             head);
    expect_error(yaml, 3, 15, "too small for a 64-bit integer");
    snprintf(yaml, sizeof yaml, "%s  - {arrival: 1125899906842625, prompt: 5, output: 1}\n", head);
    expect_error(yaml, 3, 15, "arrival must be from 0 to 1125899906842624");
    snprintf(yaml, sizeof yaml, "%s  - {arrival: .inf, prompt: 5, output: 1}\n", head);
    expect_error(yaml, 3, 15, "not a finite number");
    snprintf(yaml, sizeof yaml, "%s  - {prompt: 5, output: 1, predicted_output: 0}\n", head);
    expect_error(yaml, 3, 46, "predicted_output must be from 1");
    snprintf(yaml, sizeof yaml, "%s  - {prompt: 5}\n", head);
    expect_error(yaml, 3, 5, "request #1 has no 'output:'");
    expect_error("memory: 2000000001\n", 1, 9, "memory must be from 1 to 2000000000");
    expect_error("memory: 0\n", 1, 9, "memory must be from 1", "found 0");
    expect_error("memory: 100\nonebit: {theta: -1}\n", 2, 17, "theta must be >= 0", "found -1");
    expect_error("memory: 100\nonebit: {short_estimate: 0}\n", 2, 26,
                 "short_estimate must be >= 1");
}

static void test_bad_floats(void **state)
{
    (void)state;
    expect_error("memory: 100\nstep_ms: 1e309\n", 2, 10, "step_ms must be a finite number",
                 "1e309");
    expect_error("memory: 100\nstep_ms: .nan\n", 2, 10, "finite", ".nan");
    expect_error("memory: 100\nstep_ms: -.inf\n", 2, 10, "finite", "-.inf");
    expect_error("memory: 100\nstep_ms: 0\n", 2, 10, "step_ms must be > 0");
    expect_error("memory: 100\nstep_ms: fast\n", 2, 10, "step_ms must be a number", "'fast'");
    expect_error("memory: 100\npredicted: {sigma: -0.1}\n", 2, 20, "sigma must be >= 0");
    expect_error("memory: 100\nonebit: {flip_probability: 1.5}\n", 2, 28,
                 "flip_probability must be >= 0 and <= 1", "1.5");
}

static void test_duplicates(void **state)
{
    (void)state;
    expect_error("memory: 100\npolicy: svf\nmemory: 200\n", 3, 1, "duplicate key 'memory'",
                 "first given at line 1");
    expect_error("memory: 100\nrequests: [{prompt: 1, output: 2, prompt: 3}]\n", 2, 35,
                 "duplicate key 'prompt' in request #1");
    expect_error("memory: 100\nrequests: [{prompt: 1, output: 2}]\n"
                 "requests: [{prompt: 1, output: 2}]\n",
                 3, 1, "duplicate key 'requests'", "first given at line 2");
    expect_error("memory: 100\nrequests: 5\nrequests: [{prompt: 1, output: 2}]\n", 3, 1,
                 "duplicate key 'requests'");
    expect_error("memory: 100\nrequests:\n  - {id: a, prompt: 1, output: 2}\n"
                 "  - {id: b, prompt: 1, output: 2}\n  - {id: a, prompt: 1, output: 2}\n",
                 5, 10, "duplicate id 'a'", "request #1 at line 3");
    expect_error("memory: 100\nrequests:\n  - {prompt: 1, output: 2}\n"
                 "  - {id: 1, prompt: 1, output: 2}\n",
                 4, 10, "duplicate id '1'", "request #1 at line 3", "its position");
}

static void test_unknown_names(void **state)
{
    (void)state;
    expect_error("memory: 100\npolicy: svff\n", 2, 9, "unknown policy 'svff'",
                 "did you mean 'svf'?", "fcfs, sjf, svf, spf, mcsf, svf-1bit, vllm");
    expect_error("memory: 100\npolicy: random\n", 2, 9, "unknown policy 'random'",
                 "expected one of fcfs");
    expect_error("memory: 100\nadmission: lookahed\n", 2, 12, "unknown admission",
                 "did you mean 'lookahead'?", "lookahead, current");
    expect_error("memory: 100\ninformation: oracle\n", 2, 14, "unknown information 'oracle'",
                 "exact, predicted, onebit, none");
    expect_error("memory: 100\noversize: skip\n", 2, 11, "unknown oversize 'skip'", "error, drop");
}

static void test_oversize_error(void **state)
{
    (void)state;
    expect_error("memory: 100\nrequests:\n  - {prompt: 1, output: 2}\n"
                 "  - {id: big, prompt: 60, output: 50}\n",
                 4, 5, "request 'big' can never run", "prompt 60 + output 50 = 110",
                 "memory 100", "raise memory to at least 110", "shorten the request",
                 "oversize: drop");
}

static void test_workload_shape(void **state)
{
    (void)state;
    expect_error("memory: 100\nrequests: [{prompt: 1, output: 2}]\n"
                 "generate: {count: 1, prompt: {dist: fixed, value: 1}, "
                 "output: {dist: fixed, value: 1}}\n",
                 3, 1, "give one workload", "'requests:' is at line 2");
    expect_error("generate: {count: 1}\nmemory: 100\nrequests: [{prompt: 1, output: 2}]\n", 3, 1,
                 "not several", "'generate:' is at line 1");
    expect_error("memory: 100\n", 1, 1, "no workload", "requests:", "generate:");
    expect_error("requests: [{prompt: 1, output: 2}]\n", 1, 1, "missing required key 'memory'");
    expect_error("memory: 100\nrequests: []\n", 2, 1, "requests is empty");
    /* five requests of volume ~2e18 each: the total overflows int64 at the fifth */
    expect_error("memory: 2000000000\nrequests:\n"
                 "  - {prompt: 0, output: 2000000000}\n  - {prompt: 0, output: 2000000000}\n"
                 "  - {prompt: 0, output: 2000000000}\n  - {prompt: 0, output: 2000000000}\n"
                 "  - {prompt: 0, output: 2000000000}\n",
                 7, 5, "total volume", "overflows");
}

static void test_yaml_structure(void **state)
{
    (void)state;
    expect_error("", 0, 0, "the file is empty");
    expect_error("# nothing but a comment\n\n", 0, 0, "the file is empty");
    expect_error("- memory: 100\n", 1, 1, "top level of a scenario must be a mapping", "a list");
    expect_error("just words\n", 1, 1, "must be a mapping", "'just words'");
    expect_error("memory: &m 100\n", 1, 9, "anchors and aliases are not supported", "&m");
    expect_error("memory: *m\n", 1, 9, "anchors and aliases are not supported", "*m");
    expect_error("memory: !!int 100\n", 1, 9, "tags are not supported", "'!!int'");
    expect_error("memory: 100\n---\nmemory: 200\n", 2, 1, "second YAML document");
    char deep[256];
    strcpy(deep, "memory: 100\nx: ");
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    strcat(deep, "\n");
    /* the top mapping is level 1, so the 32nd '[' (column 35) would be level 33 */
    expect_error(deep, 2, 35, "deeper than 32 levels");
}

static void test_yaml_syntax(void **state)
{
    (void)state;
    expect_error("memory: 100\nrequests:\n\t- {prompt: 1, output: 2}\n", 3, 1, "invalid YAML",
                 "tabs");
    expect_error("memory: 100\nrequests: [{prompt: 1, output: 2}\npolicy: svf\n", 3, 1,
                 "invalid YAML", "flow sequence that starts at line 2", "not closed");
    expect_error("memory: 100\npolicy: svf: fcfs\n", 2, 12, "invalid YAML",
                 "mapping values are not allowed");
    expect_error("memory: 100\n  policy: svf\n", 2, 9, "invalid YAML");
    /* a syntax error in the middle of a request that is being read */
    expect_error("memory: 100\nrequests:\n  - {prompt: 1, output: 2}\n  - prompt: 1\n"
                 "    output: [2\n",
                 6, 1, "invalid YAML");
    /* mistakes are reported in the order of the file, requests included */
    expect_error("memory: 100\nrequests:\n  - {prompt: x, output: 2}\npolcy: svf\n", 3, 14,
                 "prompt must be a whole number");
    expect_error("memory: 100\nname: \"a\x01b\"\n", 2, 9, "not valid YAML text",
                 "control characters");
}

/* ---- files ---- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/kvs-test-scenario-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char path[128];
    const char *names[] = {"ok.yaml", "bad.yaml", "locked.yaml", "sub", "t.csv", "tr.yaml"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        remove(path);
    }
    return rmdir(tmpdir);
}

static void write_file(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_files(void **state)
{
    (void)state;
    char path[128];
    kvs_scenario s;
    kvs_error e;

    write_file("ok.yaml", "memory: 10\nrequests: [{prompt: 1, output: 2}]\n", path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), 0);
    assert_string_equal(s.path, path);
    assert_string_equal(s.name, "ok");
    kvs_scenario_free(&s);

    write_file("bad.yaml", "memory: 10\npolicy: nope\n", path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), -1);
    assert_string_equal(e.file, path);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.column, 9);
    assert_string_equal(e.source_line, "policy: nope");
    kvs_error_clear(&e);

    snprintf(path, sizeof path, "%s/missing.yaml", tmpdir);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), -1);
    assert_int_equal(e.line, 0);
    assert_non_null(strstr(e.message, "no such file"));
    kvs_error_clear(&e);

    snprintf(path, sizeof path, "%s/sub", tmpdir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), -1);
    assert_int_equal(e.line, 0);
    assert_non_null(strstr(e.message, "is a directory"));
    kvs_error_clear(&e);

    /* root reads anything, so unreadable files can only be tested as another user */
    write_file("locked.yaml", "memory: 10\n", path, sizeof path);
    chmod(path, 0);
    if (geteuid() != 0) {
        assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), -1);
        assert_int_equal(e.line, 0);
        assert_non_null(strstr(e.message, "ermission denied"));
        kvs_error_clear(&e);
    }
}


/* ---- trace: and memory: {model, gpu} ---- */

static void test_memory_setup(void **state)
{
    (void)state;
    kvs_scenario s;
    /* 8B on one H100 at 0.9: worked by hand in test_hardware.c (M = 418,592). */
    must_load("memory: {model: llama-3.1-8b, gpu: h100-80gb}\n"
              "requests: [{prompt: 1, output: 2}]\n", NULL, &s);
    assert_int_equal(s.workload.memory, 418592);
    assert_non_null(s.memory_note);
    assert_non_null(strstr(s.memory_note, "llama-3.1-8b on 1 x h100-80gb"));
    kvs_scenario_free(&s);
    /* the command line's number wins, and then there is no derivation to show */
    kvs_scenario_overrides ov = {.memory = 5000};
    must_load("memory: {model: llama-3.1-8b, gpu: h100-80gb, gpus: 2, utilization: 0.5}\n"
              "requests: [{prompt: 1, output: 2}]\n", &ov, &s);
    assert_int_equal(s.workload.memory, 5000);
    assert_null(s.memory_note);
    kvs_scenario_free(&s);

    expect_error("memory: {model: llama-3.1-8x, gpu: h100-80gb}\nrequests: [{prompt: 1, output: 2}]\n",
                 1, 17, "did you mean 'llama-3.1-8b'");
    expect_error("memory: {model: llama-3.1-8b, gpu: h100}\nrequests: [{prompt: 1, output: 2}]\n",
                 1, 36, "h100-80gb");
    expect_error("memory: {model: llama-3.1-8b}\nrequests: [{prompt: 1, output: 2}]\n", 1, 9,
                 "needs 'model:' and 'gpu:'");
    expect_error("memory: {model: llama-3.1-8b, gpu: h100-80gb, gpus: 0}\n"
                 "requests: [{prompt: 1, output: 2}]\n", 1, 53, "memory.gpus");
    expect_error("memory: {model: llama-3.1-8b, gpu: h100-80gb, utilization: 1.5}\n"
                 "requests: [{prompt: 1, output: 2}]\n", 1, 60, "memory.utilization");
    expect_error("memory: {model: llama-3.1-8b, gpu: h100-80gb, vram: 80}\n"
                 "requests: [{prompt: 1, output: 2}]\n", 1, 47, "unknown key 'vram' in memory");
    /* 405B weights (810 GB) do not fit one GPU: the message says how many would */
    expect_error("memory: {model: llama-3.1-405b, gpu: h100-80gb}\n"
                 "requests: [{prompt: 1, output: 2}]\n", 1, 9, "GPU");
}

static void test_trace_block(void **state)
{
    (void)state;
    char path[128], yaml[160];
    kvs_scenario s;
    kvs_error e;
    /* Three Azure rows, 0.05 s apart at 25 ms steps: arrivals 0, 2, 4 (floor of time/step). */
    write_file("t.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
                        "2023-11-16 18:15:46.6805900,100,10\r\n"
                        "2023-11-16 18:15:46.7305900,200,20\r\n"
                        "2023-11-16 18:15:46.7805900,300,30", path, sizeof path);
    write_file("tr.yaml", "memory: 1000\ntrace: {file: t.csv, step_ms: 25}\n", path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), 0);
    assert_int_equal(s.workload.count, 3);
    assert_int_equal(s.workload.requests[0].arrival, 0);
    assert_int_equal(s.workload.requests[1].arrival, 2);
    assert_int_equal(s.workload.requests[2].arrival, 4);
    assert_int_equal(s.workload.requests[2].prompt, 300);
    assert_int_equal(s.workload.requests[2].output, 30);
    assert_string_equal(s.workload.requests[1].id, "2"); /* ids are data-row numbers */
    assert_true(s.step_ms == 25.0); /* the trace's step length becomes the scenario's */
    assert_non_null(strstr(s.trace_file, "/t.csv"));
    kvs_scenario_free(&s);

    /* rate_scale 2 halves the gaps; limit keeps the first rows */
    write_file("tr.yaml", "memory: 1000\ntrace: {file: t.csv, step_ms: 25, rate_scale: 2, "
                          "limit: 2}\n", path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), 0);
    assert_int_equal(s.workload.count, 2);
    assert_int_equal(s.workload.requests[1].arrival, 1);
    kvs_scenario_free(&s);

    /* a request larger than M: an error naming it, or dropped on request */
    write_file("tr.yaml", "memory: 300\ntrace: {file: t.csv, step_ms: 25}\n", path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), -1);
    assert_int_equal(e.line, 2);
    assert_non_null(strstr(e.message, "request 3 of"));
    assert_non_null(strstr(e.message, "oversize: drop"));
    kvs_error_clear(&e);
    write_file("tr.yaml", "memory: 300\noversize: drop\ntrace: {file: t.csv, step_ms: 25}\n",
               path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), 0);
    assert_int_equal(s.workload.count, 2);
    assert_int_equal(s.dropped, 1);
    kvs_scenario_free(&s);

    /* a bad row: the trace's own file:line:col; --lenient skips and counts it */
    write_file("t.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                        "2023-11-16 18:15:46.68,100,10\n"
                        "2023-11-16 18:15:46.70,abc,20\n"
                        "2023-11-16 18:15:46.78,300,30\n", path, sizeof path);
    write_file("tr.yaml", "memory: 1000\ntrace: {file: t.csv, step_ms: 25}\n", path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), -1);
    assert_non_null(strstr(e.file, "t.csv"));
    assert_int_equal(e.line, 3);
    kvs_error_clear(&e);
    kvs_scenario_overrides ov = {.lenient = true, .quiet = true};
    assert_int_equal(kvs_scenario_load(path, &ov, &s, &e), 0);
    assert_int_equal(s.workload.count, 2);
    assert_int_equal(s.trace_rows_bad, 1);
    assert_non_null(s.trace_first_bad);
    assert_non_null(strstr(s.trace_first_bad, "t.csv:3:"));
    kvs_scenario_free(&s);

    /* a missing file names the resolved path */
    snprintf(yaml, sizeof yaml, "memory: 1000\ntrace: {file: nowhere.csv, step_ms: 25}\n");
    write_file("tr.yaml", yaml, path, sizeof path);
    assert_int_equal(kvs_scenario_load(path, NULL, &s, &e), -1);
    assert_non_null(strstr(e.file, "/nowhere.csv"));
    kvs_error_clear(&e);

    /* structure errors point into the scenario */
    expect_error("memory: 10\nrequests: [{prompt: 1, output: 2}]\ntrace: {file: a.csv}\n", 3, 1,
                 "give one workload", "'requests:' is at line 2");
    expect_error("memory: 10\ntrace: {file: a.csv, format: azur}\n", 2, 30,
                 "unknown trace format 'azur'");
    expect_error("memory: 10\ntrace: {file: a.csv, count: 5}\n", 2, 22,
                 "used only by 'format: lengths'");
    expect_error("memory: 10\ntrace: {file: a.csv, step: 5}\n", 2, 22,
                 "unknown key 'step' in trace", "step_ms");
    expect_error("memory: 10\ntrace: {step_ms: 5}\n", 2, 8, "trace has no 'file:'");
    expect_error("memory: 10\ntrace: {file: a.csv, lenient: maybe}\n", 2, 31,
                 "trace.lenient must be true or false");
    expect_error("memory: 10\ntrace: a.csv\n", 2, 8, "trace");
}

static void test_shipped_trace_scenarios(void **state)
{
    (void)state;
    /* Every shipped trace scenario loads (run from the repository root, as make test does). */
    const char *names[] = {"azure-conv-real-rate", "azure-conv-10x", "azure-code-burst",
                           "mooncake-long-context", "sharegpt-poisson"};
    const size_t counts[] = {19366, 19366, 931, 0, 1000};
    for (size_t i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "scenarios/%s.yaml", names[i]);
        kvs_scenario s;
        kvs_error e;
        kvs_scenario_overrides ov = {.quiet = true};
        if (kvs_scenario_load(path, &ov, &s, &e) != 0) {
            print_error("%s:%d:%d: %s\n", e.file, e.line, e.column, e.message);
            fail();
        }
        if (counts[i])
            assert_int_equal(s.workload.count, counts[i]);
        assert_true(s.workload.count > 0);
        assert_non_null(s.memory_note);
        kvs_scenario_free(&s);
    }
}

/* ---- printing ---- */

static char *print_to_string(const kvs_error *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    kvs_error_print(f, e);
    fclose(f);
    return buf;
}

static void test_print(void **state)
{
    (void)state;
    kvs_scenario s;
    kvs_error e;
    const char *yaml = "memory: 100\npolicy: svff\n";
    assert_int_equal(load(yaml, NULL, &s, &e), -1);
    char *out = print_to_string(&e);
    const char *want_head = "t.yaml:2:9: error: unknown policy 'svff'";
    assert_int_equal(strncmp(out, want_head, strlen(want_head)), 0);
    assert_non_null(strstr(out, "\n 2 | policy: svff\n   |         ^\n"));
    free(out);
    kvs_error_clear(&e);

    /* the caret copies tabs so that it lines up on any terminal */
    kvs_error_set(&e, "f.yaml", 3, 4, "bad %s", "thing");
    e.source_line = strdup("\tab x");
    out = print_to_string(&e);
    assert_string_equal(out, "f.yaml:3:4: error: bad thing\n 3 | \tab x\n   | \t  ^\n");
    free(out);

    /* no position: just the file */
    kvs_error_set(&e, "f.yaml", 0, 0, "cannot open");
    out = print_to_string(&e);
    assert_string_equal(out, "f.yaml: error: cannot open\n");
    free(out);
    kvs_error_clear(&e);
    assert_null(e.message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explicit_requests),
        cmocka_unit_test(test_all_top_level_keys),
        cmocka_unit_test(test_config_resolution),
        cmocka_unit_test(test_config_conflicts),
        cmocka_unit_test(test_oversize_drop),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_generate_errors),
        cmocka_unit_test(test_default_scenario),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_bad_integers),
        cmocka_unit_test(test_bad_floats),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_oversize_error),
        cmocka_unit_test(test_workload_shape),
        cmocka_unit_test(test_yaml_structure),
        cmocka_unit_test(test_yaml_syntax),
        cmocka_unit_test_setup_teardown(test_files, make_tmpdir, remove_tmpdir),
        cmocka_unit_test(test_print),
        cmocka_unit_test(test_memory_setup),
        cmocka_unit_test_setup_teardown(test_trace_block, make_tmpdir, remove_tmpdir),
        cmocka_unit_test(test_shipped_trace_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
