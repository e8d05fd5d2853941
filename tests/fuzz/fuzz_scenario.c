/* tests/fuzz/fuzz_scenario.c: the YAML scenario loader (kvs_scenario_load_string). A load either
 * fails with a positioned message or gives a scenario that passes every check the engine makes;
 * a small one is then run to the end, and loaded a second time with command-line overrides.
 * The text is named scenarios/fuzz.yaml, so that a `trace: {file: traces/...}` reads the shipped
 * trace slices (run from the top of the tree, as make does).
 * Inputs that ask the generator for more than 20000 requests are skipped: they are valid (the
 * limit is 5e7) and only slow the search down; tests/bad covers the limits. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "io/scenario.h"
#include "kvscope/engine.h"

static bool too_many(const uint8_t *d, size_t n)
{
    /* any run of 5+ digits after the word "count" (anywhere later in the text) */
    const char *k = NULL;
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(d + i, "count", 5) == 0) {
            k = (const char *)d + i;
            break;
        }
    if (k == NULL)
        return false;
    size_t run = 0;
    for (const char *p = k; p < (const char *)d + n; p++) {
        run = (*p >= '0' && *p <= '9') ? run + 1 : 0;
        if (run >= 5)
            return true;
    }
    return false;
}

static void check_loaded(const kvs_scenario *s)
{
    char why[512];
    FUZZ_CHECK(kvs_workload_validate(&s->workload, why, sizeof why) == (size_t)-1, "%s", why);
    FUZZ_CHECK(kvs_config_valid(s->config, why, sizeof why), "%s", why);
    FUZZ_CHECK(s->name != NULL && s->path != NULL, "name and path");
    FUZZ_CHECK(s->workload.count >= 1, "an empty workload was accepted");
    if (s->workload.count > 2000)
        return;
    kvs_engine *e = kvs_engine_new(&s->workload, s->config, why, sizeof why);
    FUZZ_CHECK(e != NULL, "engine refuses a loaded scenario: %s", why);
    kvs_engine_keep_history(e, false);
    kvs_engine_run(e);
    FUZZ_CHECK(kvs_engine_done(e), "not done after run");
    kvs_summary sum;
    kvs_engine_summary(e, &sum);
    FUZZ_CHECK(sum.completed == s->workload.count, "%zu of %zu completed", sum.completed,
               s->workload.count);
    FUZZ_CHECK(sum.peak_memory <= s->workload.memory, "peak %lld > M %lld",
               (long long)sum.peak_memory, (long long)s->workload.memory);
    kvs_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (too_many(data, size))
        return 0;
    kvs_scenario s;
    kvs_error err;
    memset(&err, 0, sizeof err);
    if (kvs_scenario_load_string("scenarios/fuzz.yaml", (const char *)data, size, NULL, &s, &err) != 0) {
        FUZZ_CHECK(err.message != NULL && err.message[0] != '\0', "a failed load gives a reason");
        FUZZ_CHECK(err.line >= 0 && err.column >= 0, "line %d column %d", err.line, err.column);
        FILE *null = fopen("/dev/null", "w");
        if (null != NULL) {
            kvs_error_print(null, &err);
            fclose(null);
        }
        kvs_error_clear(&err);
        return 0;
    }
    check_loaded(&s);
    kvs_scenario_free(&s);

    kvs_scenario_overrides ov = {.memory = 1000, .seed_set = true, .seed = 42};
    memset(&err, 0, sizeof err);
    if (kvs_scenario_load_string("scenarios/fuzz.yaml", (const char *)data, size, &ov, &s, &err) != 0) {
        FUZZ_CHECK(err.message != NULL, "a failed load gives a reason");
        kvs_error_clear(&err);
        return 0;
    }
    FUZZ_CHECK(s.workload.memory == 1000, "--memory override ignored");
    FUZZ_CHECK(s.workload.seed == 42, "--seed override ignored");
    check_loaded(&s);
    kvs_scenario_free(&s);
    return 0;
}
