/* test_generator.c: the synthetic workload generator: determinism, independence of its random
 * streams, clamping into valid requests, the shape of each distribution, and spec validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope/generator.h"

#define N 10000

static kvs_length_spec fixed(double v)
{
    kvs_length_spec s = {.kind = KVS_DIST_FIXED, .value = v, .min = 0, .max = -1};
    return s;
}

static kvs_generator spec(size_t count, kvs_length_spec prompt, kvs_length_spec output)
{
    kvs_generator g = {.count = count, .arrival = {.kind = KVS_ARRIVAL_BURST, .at = 0},
                       .prompt = prompt, .output = output};
    return g;
}

static kvs_request *generate(const kvs_generator *g, uint64_t seed, int64_t memory)
{
    kvs_request *r = calloc(g->count, sizeof *r);
    assert_non_null(r);
    char why[200] = "";
    if (kvs_generate(g, seed, memory, r, why, sizeof why) != 0) {
        print_error("kvs_generate failed: %s\n", why);
        free(r);
        fail();
    }
    return r;
}

static void expect_invalid(const kvs_generator *g, int64_t memory, const char *part)
{
    kvs_request r[4];
    char why[200] = "";
    assert_true(g->count <= 4);
    assert_int_equal(kvs_generate(g, 1, memory, r, why, sizeof why), -1);
    if (!strstr(why, part)) {
        print_error("reason:   %s\nexpected: ...%s...\n", why, part);
        fail();
    }
}

static void moments(const kvs_request *r, size_t n, bool outputs, double *mean, double *sd)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)(outputs ? r[i].output : r[i].prompt);
        sum += x;
        sq += x * x;
    }
    *mean = sum / (double)n;
    *sd = sqrt(sq / (double)n - *mean * *mean);
}

static kvs_generator mixed_spec(void)
{
    kvs_generator g = {
        .count = 500,
        .arrival = {.kind = KVS_ARRIVAL_GAMMA, .at = 3, .rate = 0.2, .burstiness = 3},
        .prompt = {.kind = KVS_DIST_LOGNORMAL, .mean = 300, .sigma = 1, .min = 0, .max = -1},
        .output = {.kind = KVS_DIST_GEOMETRIC, .mean = 80, .min = 0, .max = -1}};
    return g;
}

static void test_deterministic(void **state)
{
    (void)state;
    kvs_generator g = mixed_spec();
    kvs_request *a = generate(&g, 42, 4096), *b = generate(&g, 42, 4096);
    assert_memory_equal(a, b, g.count * sizeof *a);
    kvs_request *c = generate(&g, 43, 4096);
    size_t differ = 0;
    for (size_t i = 0; i < g.count; i++)
        differ += a[i].arrival != c[i].arrival || a[i].prompt != c[i].prompt ||
                  a[i].output != c[i].output;
    assert_true(differ > g.count / 2);
    for (size_t i = 0; i < g.count; i++) {
        assert_null(a[i].id);
        assert_int_equal(a[i].predicted, -1);
    }
    free(a);
    free(b);
    free(c);
}

/* Arrivals, prompts and outputs draw from separate streams: editing one leaves the others. */
static void test_streams_independent(void **state)
{
    (void)state;
    kvs_generator g = mixed_spec();
    kvs_request *a = generate(&g, 7, 4096);
    g.output.mean = 20;
    kvs_request *b = generate(&g, 7, 4096);
    g.arrival.kind = KVS_ARRIVAL_POISSON;
    kvs_request *c = generate(&g, 7, 4096);
    size_t outputs_differ = 0, arrivals_differ = 0;
    for (size_t i = 0; i < g.count; i++) {
        assert_int_equal(a[i].prompt, b[i].prompt);
        assert_int_equal(a[i].arrival, b[i].arrival);
        outputs_differ += a[i].output != b[i].output;
        assert_int_equal(b[i].prompt, c[i].prompt);
        assert_int_equal(b[i].output, c[i].output);
        arrivals_differ += b[i].arrival != c[i].arrival;
    }
    assert_true(outputs_differ > 0);
    assert_true(arrivals_differ > 0);
    free(a);
    free(b);
    free(c);
}

static void test_clamped_to_memory(void **state)
{
    (void)state;
    const int64_t M = 500;
    /* heavy tails and means beyond M: every request must still fit */
    kvs_length_spec prompts[] = {
        {.kind = KVS_DIST_LOGNORMAL, .mean = 400, .sigma = 3, .max = -1},
        {.kind = KVS_DIST_NORMAL, .mean = 300, .stddev = 1000, .max = -1},
        {.kind = KVS_DIST_FIXED, .value = 5000, .max = -1},
        {.kind = KVS_DIST_UNIFORM, .min = 0, .max = 100000}};
    kvs_length_spec outputs[] = {
        {.kind = KVS_DIST_GEOMETRIC, .mean = 1000, .max = -1},
        {.kind = KVS_DIST_NORMAL, .mean = -50, .stddev = 20, .max = -1},
        {.kind = KVS_DIST_LOGNORMAL, .mean = 1e12, .sigma = 5, .max = -1}};
    for (size_t p = 0; p < sizeof prompts / sizeof *prompts; p++)
        for (size_t o = 0; o < sizeof outputs / sizeof *outputs; o++) {
            kvs_generator g = spec(2000, prompts[p], outputs[o]);
            kvs_request *r = generate(&g, p * 10 + o, M);
            for (size_t i = 0; i < g.count; i++) {
                assert_true(r[i].prompt >= 0 && r[i].prompt <= M - 1);
                assert_true(r[i].output >= 1);
                assert_true(r[i].prompt + r[i].output <= M);
            }
            free(r);
        }
    /* a prompt larger than memory becomes M-1, leaving room for exactly one output token */
    kvs_generator g = spec(3, fixed(5000), fixed(5000));
    kvs_request *r = generate(&g, 1, M);
    assert_int_equal(r[0].prompt, M - 1);
    assert_int_equal(r[0].output, 1);
    free(r);
}

static void test_spec_clamp(void **state)
{
    (void)state;
    kvs_length_spec p = {.kind = KVS_DIST_NORMAL, .mean = 100, .stddev = 80, .min = 50, .max = 150};
    kvs_length_spec o = {.kind = KVS_DIST_GEOMETRIC, .mean = 30, .min = 10, .max = 40};
    kvs_generator g = spec(N, p, o);
    kvs_request *r = generate(&g, 5, 100000);
    size_t at_min = 0, at_max = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(r[i].prompt >= 50 && r[i].prompt <= 150);
        assert_true(r[i].output >= 10 && r[i].output <= 40);
        at_min += r[i].prompt == 50;
        at_max += r[i].prompt == 150;
    }
    /* P(normal < 50) = P(Z < -0.625) ~ 0.27: the clamp really clamps */
    assert_true(at_min > N / 5 && at_max > N / 5);
    free(r);
    /* the valid range wins over the spec's own: min 900 with M = 100 still fits */
    kvs_length_spec big = fixed(1);
    big.min = 900;
    g = spec(5, big, fixed(1));
    r = generate(&g, 5, 100);
    assert_int_equal(r[0].prompt, 99);
    free(r);
}

static void test_fixed_rounds(void **state)
{
    (void)state;
    kvs_generator g = spec(4, fixed(7.5), fixed(2.4));
    kvs_request *r = generate(&g, 1, 100);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r[i].prompt, 8); /* llround: halves away from zero */
        assert_int_equal(r[i].output, 2);
        assert_int_equal(r[i].arrival, 0);
    }
    free(r);
}

static void test_uniform(void **state)
{
    (void)state;
    kvs_length_spec u = {.kind = KVS_DIST_UNIFORM, .min = 10, .max = 30};
    kvs_generator g = spec(N, u, fixed(1));
    kvs_request *r = generate(&g, 11, 1000);
    size_t seen[31] = {0};
    for (size_t i = 0; i < N; i++) {
        assert_true(r[i].prompt >= 10 && r[i].prompt <= 30);
        seen[r[i].prompt]++;
    }
    for (int v = 10; v <= 30; v++)
        assert_true(seen[v] > N / 21 / 2); /* every value turns up, roughly evenly */
    double mean, sd;
    moments(r, N, false, &mean, &sd);
    /* sd of the mean = 6.06 / 100 */
    assert_true(fabs(mean - 20.0) < 0.3);
    free(r);
}

static void test_normal(void **state)
{
    (void)state;
    kvs_length_spec n = {.kind = KVS_DIST_NORMAL, .mean = 500, .stddev = 40, .max = -1};
    kvs_generator g = spec(N, fixed(0), n);
    kvs_request *r = generate(&g, 3, 100000);
    double mean, sd;
    moments(r, N, true, &mean, &sd);
    assert_true(fabs(mean - 500.0) < 2.0);
    assert_true(fabs(sd - 40.0) < 2.0);
    free(r);
}

static void test_lognormal_mean(void **state)
{
    (void)state;
    /* mean, not median: mu = ln(m) - sigma^2/2 */
    kvs_length_spec l = {.kind = KVS_DIST_LOGNORMAL, .mean = 200, .sigma = 0.5, .max = -1};
    kvs_generator g = spec(N, fixed(0), l);
    kvs_request *r = generate(&g, 9, 100000);
    double mean, sd;
    moments(r, N, true, &mean, &sd);
    /* sd = 200 * sqrt(e^0.25 - 1) = 106; sd of the mean 1.1 */
    assert_true(fabs(mean - 200.0) < 5.0);
    assert_true(fabs(sd - 106.6) < 8.0);
    free(r);
}

static void test_geometric(void **state)
{
    (void)state;
    kvs_length_spec geo = {.kind = KVS_DIST_GEOMETRIC, .mean = 50, .max = -1};
    kvs_generator g = spec(N, fixed(0), geo);
    kvs_request *r = generate(&g, 13, 100000);
    double mean, sd;
    moments(r, N, true, &mean, &sd);
    /* sd = sqrt(1-p)/p = 49.5; sd of the mean 0.5 */
    assert_true(fabs(mean - 50.0) < 2.0);
    size_t ones = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(r[i].output >= 1);
        ones += r[i].output == 1;
    }
    /* P(k = 1) = p = 0.02 */
    assert_true(ones > N / 100 && ones < N * 3 / 100);
    free(r);
    geo.mean = 1;
    g = spec(100, fixed(0), geo);
    r = generate(&g, 13, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(r[i].output, 1);
    free(r);
}

static void test_burst(void **state)
{
    (void)state;
    kvs_generator g = spec(50, fixed(1), fixed(1));
    g.arrival.at = 17;
    kvs_request *r = generate(&g, 1, 10);
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(r[i].arrival, 17);
    free(r);
}

static void test_poisson(void **state)
{
    (void)state;
    kvs_generator g = spec(2 * N, fixed(1), fixed(1));
    g.arrival = (kvs_arrival_spec){.kind = KVS_ARRIVAL_POISSON, .at = 100, .rate = 0.5};
    kvs_request *r = generate(&g, 21, 10);
    assert_int_equal(r[0].arrival, 100);
    size_t within = 0;
    const int64_t horizon = 10000;
    for (size_t i = 0; i < g.count; i++) {
        if (i)
            assert_true(r[i].arrival >= r[i - 1].arrival);
        within += r[i].arrival < 100 + horizon;
    }
    /* 1 at `at` plus Poisson(rate * horizon = 5000) more: sd 71 */
    assert_true(within > 4700 && within < 5300);
    free(r);
}

static void test_gamma(void **state)
{
    (void)state;
    /* slow arrivals so that flooring to steps hardly changes the gaps */
    kvs_generator g = spec(N, fixed(1), fixed(1));
    g.arrival = (kvs_arrival_spec){.kind = KVS_ARRIVAL_GAMMA, .rate = 0.001, .burstiness = 2};
    kvs_request *r = generate(&g, 8, 10);
    double sum = 0, sq = 0;
    for (size_t i = 1; i < N; i++) {
        double gap = (double)(r[i].arrival - r[i - 1].arrival);
        assert_true(gap >= 0);
        sum += gap;
        sq += gap * gap;
    }
    double mean = sum / (N - 1), cv = sqrt(sq / (N - 1) - mean * mean) / mean;
    assert_true(fabs(mean - 1000.0) < 80.0);
    assert_true(fabs(cv - 2.0) < 0.25);
    free(r);
}

static void test_invalid_specs(void **state)
{
    (void)state;
    kvs_generator g = spec(2, fixed(1), fixed(1));
    g.count = 0;
    expect_invalid(&g, 10, "count");
    g = spec(2, fixed(1), fixed(1));
    expect_invalid(&g, 0, "memory");
    g.arrival.kind = KVS_ARRIVAL_POISSON;
    g.arrival.rate = 0;
    expect_invalid(&g, 10, "rate");
    g.arrival.rate = NAN;
    expect_invalid(&g, 10, "rate");
    g.arrival = (kvs_arrival_spec){.kind = KVS_ARRIVAL_GAMMA, .rate = 1, .burstiness = 0};
    expect_invalid(&g, 10, "burstiness");
    g.arrival = (kvs_arrival_spec){.kind = KVS_ARRIVAL_BURST, .at = -1};
    expect_invalid(&g, 10, "at");
    g = spec(2, (kvs_length_spec){.kind = KVS_DIST_UNIFORM, .min = 5, .max = 4}, fixed(1));
    expect_invalid(&g, 10, "prompt max");
    g = spec(2, (kvs_length_spec){.kind = KVS_DIST_UNIFORM, .min = 5, .max = -1}, fixed(1));
    expect_invalid(&g, 10, "uniform");
    g = spec(2, fixed(1), (kvs_length_spec){.kind = KVS_DIST_GEOMETRIC, .mean = 0.5, .max = -1});
    expect_invalid(&g, 10, "output geometric");
    g = spec(2, fixed(1), (kvs_length_spec){.kind = KVS_DIST_LOGNORMAL, .mean = 0, .max = -1});
    expect_invalid(&g, 10, "lognormal");
    g = spec(2, fixed(1), (kvs_length_spec){.kind = KVS_DIST_NORMAL, .mean = 1, .stddev = -1,
                                            .max = -1});
    expect_invalid(&g, 10, "stddev");
    g = spec(2, fixed(-1), fixed(1));
    expect_invalid(&g, 10, "prompt value");
    g = spec(2, fixed(1), fixed(1));
    g.prompt.min = -1;
    expect_invalid(&g, 10, "min");
    /* arrivals past kvscope's limit are refused, not wrapped */
    g = spec(3, fixed(1), fixed(1));
    g.arrival = (kvs_arrival_spec){.kind = KVS_ARRIVAL_POISSON, .at = ((int64_t)1 << 50) - 1,
                                   .rate = 1e-9};
    expect_invalid(&g, 10, "arrive after step");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),    cmocka_unit_test(test_streams_independent),
        cmocka_unit_test(test_clamped_to_memory), cmocka_unit_test(test_spec_clamp),
        cmocka_unit_test(test_fixed_rounds),     cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_normal),           cmocka_unit_test(test_lognormal_mean),
        cmocka_unit_test(test_geometric),        cmocka_unit_test(test_burst),
        cmocka_unit_test(test_poisson),          cmocka_unit_test(test_gamma),
        cmocka_unit_test(test_invalid_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
