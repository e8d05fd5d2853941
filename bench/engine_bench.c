/* engine_bench.c: how fast the engine simulates, per policy preset, on seeded synthetic workloads
 * and on the Azure conversation trace. Not a test: prints a table of repeated runs.
 *
 * Every (case, preset) row runs in its own child process, so that its peak RSS is its own: the
 * child builds the workload, notes its RSS, runs the engine `reps` times (create, run to the end
 * with history off, free) and reports the wall-clock median, min and max, the CPU-time median,
 * requests/s and steps/s at the wall median, the peak RSS of the process, and the engine's bytes
 * per request: (peak RSS - RSS with the workload built) / requests.
 *
 * Usage: engine_bench [reps] [max_n] [trace.csv] [big_n]
 *   reps    runs per row (default 5)
 *   max_n   skip synthetic cases with more requests (default 1000000)
 *   trace   the Azure conversation trace CSV; its row is skipped when the file is absent
 *   big_n   if > 0, one more row (fcfs, burst, one run) with this many requests: the
 *           memory check for 10^7 requests */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/hardware.h"
#include "io/trace.h"
#include "kvscope/engine.h"
#include "kvscope/rng.h"

enum { CASE_BURST, CASE_POISSON, CASE_TRACE };

typedef struct {
    const char *name;
    int kind;
    size_t n;
    int reps; /* 0: the bench's default */
} bench_case;

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* VmRSS or VmHWM of this process in bytes, from /proc (0 if unavailable). */
static int64_t proc_status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    int64_t kb = 0;
    size_t len = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            kb = strtoll(line + len + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kb * 1024;
}

/* prompt ~ U(100, 2000), output ~ U(10, 500), as in the benchmark cases; burst at t = 0
 * or Poisson arrivals at `rate` requests per step. */
static kvs_request *make_requests(size_t n, double rate, uint64_t seed)
{
    kvs_request *rq = calloc(n ? n : 1, sizeof *rq);
    if (!rq)
        return NULL;
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

static const int64_t SYNTH_M = 200000;
/* Mean volume ~ 1050 * 255 + 255^2 / 2 ~ 300k token-steps, so M sustains ~0.67 requests per
 * step: 90 % load is 0.6 requests per step. */
static const double POISSON90_RATE = 0.6;

/* The child: build the workload, run it reps times, print one row. Returns the exit status. */
static int run_row(const bench_case *c, const char *preset, int reps, const char *trace_path)
{
    kvs_workload w = {.memory = SYNTH_M, .seed = 42, .info = kvs_info_params_default()};
    kvs_trace tr;
    memset(&tr, 0, sizeof tr);
    if (c->kind == CASE_TRACE) {
        kvs_trace_spec spec;
        kvs_trace_spec_init(&spec);
        spec.path = trace_path;
        spec.format = KVS_TRACE_AZURE;
        spec.step_ms = 25;
        spec.rate_scale = 10;
        spec.progress = false;
        kvs_error err;
        memset(&err, 0, sizeof err);
        if (kvs_trace_load(&spec, &tr, &err) != 0) {
            fprintf(stderr, "engine_bench: cannot read %s\n", trace_path);
            return 1;
        }
        char why[256];
        if (kvs_memory_from_setup("llama-3.1-8b", "h100-80gb", 1, 0.9, &w.memory, NULL, why,
                                  sizeof why) != 0) {
            fprintf(stderr, "engine_bench: %s\n", why);
            return 1;
        }
        w.requests = tr.requests;
        w.count = tr.count;
    } else {
        w.count = c->n;
        w.requests = make_requests(c->n, c->kind == CASE_POISSON ? POISSON90_RATE : 0, 42);
        if (!w.requests) {
            fprintf(stderr, "engine_bench: out of memory\n");
            return 1;
        }
    }
    int64_t rss0 = proc_status_kb("VmRSS");

    kvs_config cfg = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_LOOKAHEAD,
                      .information = KVS_INFO_EXACT};
    cfg = kvs_config_choose(cfg, kvs_choice_find(preset));
    double *wt = calloc((size_t)reps, sizeof *wt), *ct = calloc((size_t)reps, sizeof *ct);
    int64_t steps = 0;
    for (int k = 0; k < reps; k++) {
        char why[256];
        double w0 = wall_s(), c0 = cpu_s();
        kvs_engine *e = kvs_engine_new(&w, cfg, why, sizeof why);
        if (!e) {
            fprintf(stderr, "engine_bench: %s\n", why);
            return 1;
        }
        kvs_engine_keep_history(e, false);
        kvs_engine_run(e);
        kvs_summary s;
        kvs_engine_summary(e, &s); /* percentiles included, as a report would */
        wt[k] = wall_s() - w0;
        ct[k] = cpu_s() - c0;
        steps = kvs_engine_now(e);
        kvs_engine_free(e);
    }
    int64_t hwm = proc_status_kb("VmHWM");
    qsort(wt, (size_t)reps, sizeof *wt, cmp_d);
    qsort(ct, (size_t)reps, sizeof *ct, cmp_d);
    double med = wt[reps / 2];
    printf("%-10s %-9s %9zu %9" PRId64 " %4d %8.3f %8.3f %8.3f %8.3f %11.0f %11.0f %8.1f %8.1f\n",
           c->name, preset, w.count, steps, reps, med, wt[0], wt[reps - 1], ct[reps / 2],
           (double)w.count / med, (double)steps / med, (double)hwm / 1048576.0,
           w.count ? (double)(hwm - rss0) / (double)w.count : 0.0);
    fflush(stdout);
    free(wt);
    free(ct);
    if (c->kind == CASE_TRACE)
        kvs_trace_free(&tr);
    else
        free(w.requests);
    return 0;
}

static void row(const bench_case *c, const char *preset, int reps, const char *trace_path)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("engine_bench: fork");
        exit(1);
    }
    if (pid == 0)
        _exit(run_row(c, preset, reps, trace_path));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        printf("%-10s %-9s (failed)\n", c->name, preset);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    size_t max_n = argc > 2 ? (size_t)atoll(argv[2]) : 1000000;
    const char *trace = argc > 3 ? argv[3] : "";
    size_t big_n = argc > 4 ? (size_t)atoll(argv[4]) : 0;
    if (reps < 1)
        reps = 1;
    const bench_case cases[] = {
        {"burst", CASE_BURST, 1000, 0},        {"burst", CASE_BURST, 10000, 0},
        {"burst", CASE_BURST, 100000, 0},      {"burst", CASE_BURST, 1000000, 0},
        {"poisson90", CASE_POISSON, 1000000, 0}, {"azure10x", CASE_TRACE, 0, 0},
    };
    const char *presets[] = {"fcfs", "mcsf", "svf", "svf-1bit", "vllm"};
    printf("%-10s %-9s %9s %9s %4s %8s %8s %8s %8s %11s %11s %8s %8s\n", "case", "policy",
           "requests", "steps", "runs", "wall_med", "wall_min", "wall_max", "cpu_med",
           "requests/s", "steps/s", "rss_MiB", "B/req");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        if (cases[c].kind == CASE_TRACE) {
            if (!*trace || access(trace, R_OK) != 0) {
                printf("%-10s (skipped: trace %s not found)\n", cases[c].name,
                       *trace ? trace : "(none given)");
                continue;
            }
        } else if (cases[c].n > max_n) {
            continue;
        }
        for (size_t p = 0; p < sizeof presets / sizeof *presets; p++)
            row(&cases[c], presets[p], reps, trace);
    }
    if (big_n > 0) {
        bench_case big = {"burst", CASE_BURST, big_n, 1}; /* the most waiting at once */
        row(&big, "fcfs", 1, trace);
    }
    return 0;
}
