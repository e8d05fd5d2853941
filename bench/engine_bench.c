/* engine_bench.c: how fast the engine simulates seeded synthetic workloads, per policy preset.
 * Not a test: prints a table of medians over repeated runs (wall time, requests/s, steps/s). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kvscope/engine.h"
#include "kvscope/rng.h"

typedef struct {
    const char *name;
    size_t n;
    double rate; /* 0 = burst at t = 0 */
} bench_case;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* prompt ~ U(100, 2000), output ~ U(10, 500), as in the benchmark cases */
static kvs_request *make_requests(size_t n, double rate, uint64_t seed)
{
    kvs_request *rq = calloc(n, sizeof *rq);
    kvs_rng r;
    kvs_rng_seed(&r, seed, 77);
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        if (rate > 0)
            t += kvs_rng_exponential(&r, rate);
        rq[i].arrival = (int64_t)t;
        rq[i].prompt = 100 + (int64_t)(kvs_rng_next(&r) % 1901);
        rq[i].output = 10 + (int64_t)(kvs_rng_next(&r) % 491);
        rq[i].predicted = -1;
    }
    return rq;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    size_t max_n = argc > 2 ? (size_t)atoll(argv[2]) : 100000;
    const int64_t M = 200000;
    /* Mean volume ~ 1050*255 + 255^2/2 ~ 300k token-steps; M sustains M/300k ~ 0.67 requests per
     * step, so 90 % load is a rate of 0.6. */
    bench_case cases[] = {
        {"burst", 1000, 0}, {"burst", 10000, 0}, {"burst", 100000, 0}, {"burst", 1000000, 0},
        {"poisson90", 100000, 0.6}, {"poisson90", 1000000, 0.6},
    };
    const char *presets[] = {"fcfs", "mcsf", "svf", "svf-1bit", "vllm"};
    printf("%-10s %-9s %9s %10s %9s %9s %9s %12s %12s %9s\n", "case", "policy", "requests", "steps",
           "median_s", "min_s", "max_s", "requests/s", "steps/s", "rss_MiB");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        if (cases[c].n > max_n)
            continue;
        kvs_request *rq = make_requests(cases[c].n, cases[c].rate, 42);
        kvs_workload w = {.memory = M, .seed = 42, .info = kvs_info_params_default(),
                          .count = cases[c].n, .requests = rq};
        for (size_t p = 0; p < sizeof presets / sizeof *presets; p++) {
            kvs_config cfg = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_LOOKAHEAD, .information = KVS_INFO_EXACT};
            cfg = kvs_config_choose(cfg, kvs_choice_find(presets[p]));
            double *t = calloc((size_t)reps, sizeof *t);
            int64_t steps = 0;
            for (int k = 0; k < reps; k++) {
                char why[256];
                double t0 = now_s();
                kvs_engine *e = kvs_engine_new(&w, cfg, why, sizeof why);
                if (!e) {
                    fprintf(stderr, "%s\n", why);
                    return 1;
                }
                kvs_engine_keep_history(e, false);
                kvs_engine_run(e);
                t[k] = now_s() - t0;
                steps = kvs_engine_now(e);
                kvs_engine_free(e);
            }
            qsort(t, (size_t)reps, sizeof *t, cmp_d);
            double med = t[reps / 2];
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            printf("%-10s %-9s %9zu %10" PRId64 " %9.4f %9.4f %9.4f %12.0f %12.0f %9.1f\n",
                   cases[c].name, presets[p], cases[c].n, steps, med, t[0], t[reps - 1],
                   (double)cases[c].n / med, (double)steps / med, (double)ru.ru_maxrss / 1024.0);
            fflush(stdout);
            free(t);
        }
        free(rq);
    }
    return 0;
}
