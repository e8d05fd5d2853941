/* test_engine_hand.c: the engine on small instances worked out by hand, one run per valid
 * policy x admission x information combination and per preset, plus the corner cases that MODEL.md
 * §2-§5 and docs/ENGINE.md pin down. Every expected number was computed by hand (the comments show
 * the work); the engine (stepped and run) and the reference (reference.h) must both agree with it.
 *
 * Notation: request (a, s, o) = (arrival, prompt, output). A request admitted at decision point k
 * holds s' + (u - k) tokens during step u, k < u <= k + o, and finishes at c = k + o. "e" is an
 * estimated completion k + õ; "mem(u)" the estimated memory at point u of the lookahead check;
 * "step u: X" the memory actually held during step u. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kvscope/config.h"
#include "kvscope/engine.h"
#include "kvscope/policy.h"
#include "kvscope/workload.h"
#include "unit/reference.h"

#define MAX_REQ 8
#define MAX_STEPS 40

typedef struct {
    int64_t start[MAX_REQ], finish[MAX_REQ], evictions[MAX_REQ];
    int64_t memory[MAX_STEPS]; /* memory[u-1] = memory of step u, u = 1..makespan */
    int64_t makespan, total_latency, p50, p90, p99, max_latency;
    double mean_ttft;
    int64_t peak_memory, evictions_total;
} hand_expect;

static void check_eq(int64_t got, int64_t want, const char *fmt, ...)
{
    if (got == want)
        return;
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    print_error("%s: got %lld, want %lld\n", what, (long long)got, (long long)want);
    fail();
}

static void check_near(double got, double want, const char *fmt, ...)
{
    if (fabs(got - want) <= 1e-9 * (fabs(want) + 1.0))
        return;
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    print_error("%s: got %.12g, want %.12g\n", what, got, want);
    fail();
}

static kvs_workload make_workload(kvs_request *reqs, size_t n, int64_t M)
{
    kvs_workload w;
    memset(&w, 0, sizeof w);
    w.memory = M;
    w.seed = 1;
    w.info.sigma = 0.5;
    w.info.theta = -1;
    w.info.flip_probability = 0.0;
    w.info.short_estimate = -1;
    w.info.long_estimate = -1;
    w.count = n;
    w.requests = reqs;
    return w;
}

static kvs_config cfg_of(kvs_policy p, kvs_admission a, kvs_information i)
{
    kvs_config c = {.policy = p, .admission = a, .information = i};
    return c;
}

static kvs_engine *new_engine(const kvs_workload *w, kvs_config cfg)
{
    char why[256] = "";
    kvs_engine *e = kvs_engine_new(w, cfg, why, sizeof why);
    if (!e) {
        print_error("kvs_engine_new failed: %s\n", why);
        fail();
    }
    return e;
}

/* A config from its three choices (designated, so the plugin fields stay zero). */
#define CFG(p, a, i) ((kvs_config){.policy = (p), .admission = (a), .information = (i)})

/* Σ v_i and the summary all derived from the hand values by MODEL.md's definitions. */
static void check_summary(const char *name, const char *who, const kvs_summary *s,
                          const kvs_workload *w, const hand_expect *x)
{
    int64_t vol = 0;
    for (size_t i = 0; i < w->count; i++) {
        int64_t so = w->requests[i].prompt, o = w->requests[i].output;
        vol += so * o + o * (o + 1) / 2;
    }
    check_eq((int64_t)s->requests, (int64_t)w->count, "%s [%s] summary.requests", name, who);
    check_eq((int64_t)s->completed, (int64_t)w->count, "%s [%s] summary.completed", name, who);
    check_eq(s->makespan, x->makespan, "%s [%s] summary.makespan", name, who);
    check_eq(s->total_latency, x->total_latency, "%s [%s] summary.total_latency", name, who);
    check_near(s->mean_latency, (double)x->total_latency / (double)w->count,
               "%s [%s] summary.mean_latency", name, who);
    check_eq(s->p50_latency, x->p50, "%s [%s] summary.p50_latency", name, who);
    check_eq(s->p90_latency, x->p90, "%s [%s] summary.p90_latency", name, who);
    check_eq(s->p99_latency, x->p99, "%s [%s] summary.p99_latency", name, who);
    check_eq(s->max_latency, x->max_latency, "%s [%s] summary.max_latency", name, who);
    check_near(s->mean_ttft, x->mean_ttft, "%s [%s] summary.mean_ttft", name, who);
    check_eq(s->total_volume, vol, "%s [%s] summary.total_volume", name, who);
    check_eq(s->peak_memory, x->peak_memory, "%s [%s] summary.peak_memory", name, who);
    check_eq(s->evictions, x->evictions_total, "%s [%s] summary.evictions", name, who);
    /* Σ memory over steps 1..makespan = Σ v (the hand memory lists sum to it, checked below) */
    check_near(s->mean_memory_utilization,
               (double)vol / ((double)w->memory * (double)x->makespan),
               "%s [%s] summary.mean_memory_utilization", name, who);
}

static void check_engine_requests(const char *name, const char *who, const kvs_engine *e,
                                  const kvs_workload *w, const hand_expect *x)
{
    for (size_t i = 0; i < w->count; i++) {
        const kvs_request *q = &w->requests[i];
        kvs_req_info info;
        kvs_engine_request(e, i, &info);
        check_eq(info.state, KVS_REQ_DONE, "%s [%s] r%zu state", name, who, i);
        check_eq(info.start, x->start[i], "%s [%s] r%zu start", name, who, i);
        check_eq(info.finish, x->finish[i], "%s [%s] r%zu finish", name, who, i);
        check_eq(info.evictions, x->evictions[i], "%s [%s] r%zu evictions", name, who, i);
        check_eq(info.latency, x->finish[i] - q->arrival, "%s [%s] r%zu latency", name, who, i);
        check_eq(info.ttft, x->start[i] + 1 - q->arrival, "%s [%s] r%zu ttft", name, who, i);
        check_eq(info.volume, q->prompt * q->output + q->output * (q->output + 1) / 2,
                 "%s [%s] r%zu volume", name, who, i);
        check_eq(info.generated, q->output, "%s [%s] r%zu generated", name, who, i);
    }
}

/* One hand-worked run: the reference, the engine stepped one decision point at a time (memory of
 * every step checked), and the engine run with advance_to/run (which may skip). Switches sw[i]
 * are made when the engine is at sw[i].at. */
static void check_hand(const char *name, const kvs_workload *w, kvs_config cfg,
                       const kvs_switch *sw, size_t nsw, const hand_expect *x)
{
    int64_t memsum = 0;
    for (int64_t u = 1; u <= x->makespan; u++)
        memsum += x->memory[u - 1];
    int64_t vol = 0;
    for (size_t i = 0; i < w->count; i++)
        vol += ref_volume(w->requests[i].prompt, w->requests[i].output);
    check_eq(memsum, vol, "%s: the hand memory list must sum to Σ v (a typo in the test)", name);

    /* the reference */
    ref_sim r;
    check_eq(ref_run(&r, w, cfg, sw, nsw, 1000), 0, "%s [reference] finishes", name);
    for (size_t i = 0; i < w->count; i++) {
        check_eq(r.req[i].start, x->start[i], "%s [reference] r%zu start", name, i);
        check_eq(r.req[i].finish, x->finish[i], "%s [reference] r%zu finish", name, i);
        check_eq(r.req[i].evictions, x->evictions[i], "%s [reference] r%zu evictions", name, i);
    }
    check_eq(r.now, x->makespan, "%s [reference] steps run", name);
    for (int64_t u = 1; u <= x->makespan; u++)
        check_eq(r.memory[u], x->memory[u - 1], "%s [reference] memory of step %lld", name,
                 (long long)u);
    kvs_summary rs;
    ref_summary(&r, &rs);
    check_summary(name, "reference", &rs, w, x);
    ref_sim_free(&r);

    /* the engine, stepped */
    kvs_engine *e = new_engine(w, cfg);
    check_eq(kvs_engine_now(e), 0, "%s [step] now at start", name);
    check_eq(kvs_engine_memory(e), 0, "%s [step] memory at t = 0", name);
    while (!kvs_engine_done(e)) {
        int64_t t = kvs_engine_now(e);
        if (t >= x->makespan + 5) {
            print_error("%s [step]: not done at t = %lld\n", name, (long long)t);
            fail();
        }
        for (size_t k = 0; k < nsw; k++)
            if (sw[k].at == t)
                check_eq(kvs_engine_set_config(e, sw[k].cfg), 0, "%s set_config", name);
        kvs_engine_step(e);
        check_eq(kvs_engine_now(e), t + 1, "%s [step] now after a step", name);
        check_eq(kvs_engine_memory(e), t + 1 <= x->makespan ? x->memory[t] : 0,
                 "%s [step] memory of step %lld", name, (long long)(t + 1));
    }
    check_eq(kvs_engine_now(e), x->makespan, "%s [step] done at makespan", name);
    check_engine_requests(name, "step", e, w, x);
    kvs_summary s;
    kvs_engine_summary(e, &s);
    check_summary(name, "step", &s, w, x);
    kvs_engine_free(e);

    /* the engine, run (fast path) */
    e = new_engine(w, cfg);
    for (size_t k = 0; k < nsw; k++) {
        kvs_engine_advance_to(e, sw[k].at);
        if (kvs_engine_now(e) == sw[k].at)
            check_eq(kvs_engine_set_config(e, sw[k].cfg), 0, "%s set_config", name);
    }
    kvs_engine_run(e);
    check_eq(kvs_engine_done(e), 1, "%s [run] done", name);
    check_eq(kvs_engine_now(e), x->makespan, "%s [run] now at the end", name);
    check_engine_requests(name, "run", e, w, x);
    kvs_engine_summary(e, &s);
    check_summary(name, "run", &s, w, x);
    kvs_engine_free(e);
}

/* ======================================================================================
 * Instance A2: four requests, all arriving at 0, M = 23, with explicit predictions:
 *   r0 (0, 6, 5)  v = 30+15 = 45   predicted 2  (too small)
 *   r1 (0, 1, 8)  v =  8+36 = 44   predicted 40 (too large: õ = min(40, 23-1) = 22)
 *   r2 (0, 9, 2)  v = 18+3  = 21   predicted 3
 *   r3 (0, 3, 3)  v =  9+6  = 15   predicted 4
 *   Σ v = 125, so every memory list below sums to 125.
 * Orders with exact information: fcfs r0 r1 r2 r3 | sjf (o) r2 r3 r0 r1 | svf (v) r3 r2 r1 r0 |
 * spf (s) r1 r3 r0 r2. Σ (s+1) = 7+2+10+4 = 23 = M, so `current` admits all four at t = 0 and step
 * 2 (Σ (s+2) = 27) overflows by 4: the most recently admitted (the last in the walk) is evicted.
 * ====================================================================================== */
static kvs_request a2_reqs[4] = {
    {NULL, 0, 6, 5, 2}, {NULL, 0, 1, 8, 40}, {NULL, 0, 9, 2, 3}, {NULL, 0, 3, 3, 4}};

/* exact, fcfs, lookahead. t=0: r0 e=5 mem(5)=11 ok; r1 e=8 mem(5)=11+6=17, mem(8)=9 ok;
 * r2 e=2 mem(2)=8+3+11=22 ok; r3 e=3 mem(2)=22+5=27 > 23: blocked.
 * step 1: 7+2+10=19, step 2: 8+3+11=22. t=1: r3 e=4 mem(2)=22+4=26: blocked.
 * t=2: r2 done. r3 e=5: mem(5)=11+6+6=23, mem(8)=9: admitted, c=5.
 * step 3: 9+4+4=17, 4: 10+5+5=20, 5: 11+6+6=23; t=5 r0 r3 done; steps 6..8: r1 7, 8, 9.
 * latencies 5 8 2 5 = 20 (sorted 2 5 5 8: p50 5, p90 8); ttft 1 1 1 3 -> 1.5. */
static const hand_expect a2_exact_fcfs_la = {
    {0, 0, 0, 2}, {5, 8, 2, 5}, {0, 0, 0, 0}, {19, 22, 17, 20, 23, 7, 8, 9},
    8, 20, 5, 8, 8, 8, 1.5, 23, 0};
/* exact, fcfs, current. t=0: 7, 9, 19, 23 <= 23: all admitted (walk r0 r1 r2 r3). step 1: 23.
 * t=1: step 2 would be 8+3+11+5 = 27 > 23: evict r3 (latest in the walk) with g=1: its new prompt
 * is 3+1 = 4, remaining 3-1 = 2. step 2: 22. t=2: r2 done; r3: 9+4+(4+1) = 18 ok, admitted, c=4.
 * step 3: 9+4+5=18, 4: 10+5+6=21; t=4 r3 done; 5: 11+6=17; 6..8: 7, 8, 9.
 * latencies 5 8 2 4 = 19 (sorted 2 4 5 8: p50 4, p90 8); ttft all 1. */
static const hand_expect a2_exact_fcfs_cur = {
    {0, 0, 0, 0}, {5, 8, 2, 4}, {0, 0, 0, 1}, {23, 22, 18, 21, 17, 7, 8, 9},
    8, 19, 4, 8, 8, 8, 1.0, 23, 1};
/* exact, sjf, lookahead (= mcsf). t=0: r2 e=2 mem(2)=11; r3 e=3 mem(2)=16, mem(3)=6; r0 e=5
 * mem(2)=16+8=24 > 23: blocked, r1 waits behind it. step 1: 10+4=14, step 2: 11+5=16.
 * t=1: r0 e=6 mem(2)=16+7=23, mem(3)=6+8=14, mem(6)=11: admitted (c=6); r1 e=9 mem(2)=23+2=25:
 * blocked. step 2: 11+5+7=23. t=2: r2 done; r1 e=10 mem(3)=6+8+2=16, mem(6)=11+5=16, mem(10)=9:
 * admitted (c=10). step 3: 6+8+2=16; t=3 r3 done; 4: 9+3=12, 5: 14, 6: 16; t=6 r0 done; 7..10: 6..9.
 * latencies 6 10 2 3 = 21 (sorted 2 3 6 10); ttft 2 3 1 1 -> 1.75. */
static const hand_expect a2_exact_sjf_la = {
    {1, 2, 0, 0}, {6, 10, 2, 3}, {0, 0, 0, 0}, {14, 23, 16, 12, 14, 16, 6, 7, 8, 9},
    10, 21, 3, 10, 10, 10, 1.75, 23, 0};
/* exact, sjf, current. t=0: 10, 14, 21, 23: all (walk r2 r3 r0 r1). step 1: 23. t=1: step 2 would
 * be 11+5+8+3 = 27: evict r1 (g=1 -> s'=2, rest 7): 24 still > 23: evict r0 (g=1 -> s'=7, rest 4):
 * 16. step 2: 16. t=2: r2 done; queue by õ: r0 (min(max(1,5-1), 23-7) = 4), r1 (7).
 * r0: 6+8 = 14 ok (c=6); r1: 14+3 = 17 ok (c=9). step 3: 6+8+3=17; t=3 r3 done; 4: 9+4=13,
 * 5: 15, 6: 17; t=6 r0 done; 7..9: 7, 8, 9. latencies 6 9 2 3 = 20 (sorted 2 3 6 9). */
static const hand_expect a2_exact_sjf_cur = {
    {0, 0, 0, 0}, {6, 9, 2, 3}, {1, 1, 0, 0}, {23, 16, 17, 13, 15, 17, 7, 8, 9},
    9, 20, 3, 9, 9, 9, 1.0, 23, 2};
/* exact, svf, lookahead. t=0: r3 e=3 mem(3)=6; r2 e=2 mem(2)=5+11=16; r1 e=8 mem(2)=19,
 * mem(3)=10, mem(8)=9; r0 e=5 mem(2)=19+8=27: blocked. step 1: 4+10+2=16, 2: 5+11+3=19.
 * t=1: r0 e=6 mem(2)=19+7=26: blocked. t=2: r2 done; r0 e=7 mem(3)=6+4+7=17, mem(7)=8+11=19,
 * mem(8)=9: admitted (c=7). step 3: 17; t=3 r3 done; 4: 5+8=13, 5: 15, 6: 17, 7: 19; 8: 9.
 * latencies 7 8 2 3 = 20 (sorted 2 3 7 8); ttft 3 1 1 1 -> 1.5; peak 19. */
static const hand_expect a2_exact_svf_la = {
    {2, 0, 0, 0}, {7, 8, 2, 3}, {0, 0, 0, 0}, {16, 19, 17, 13, 15, 17, 19, 9},
    8, 20, 3, 8, 8, 8, 1.5, 19, 0};
/* exact, svf, current. t=0: 4, 14, 16, 23: all (walk r3 r2 r1 r0). t=1: 27 > 23: evict r0 (g=1 ->
 * s'=7, rest 4): 19. t=2: r2 done; r0: 6+4+8 = 18 ok (c=6). step 3: 18; 4: 5+9=14, 5: 16, 6: 18;
 * t=6 r0 done; 7: 8, 8: 9. latencies 6 8 2 3 = 19. */
static const hand_expect a2_exact_svf_cur = {
    {0, 0, 0, 0}, {6, 8, 2, 3}, {1, 0, 0, 0}, {23, 19, 18, 14, 16, 18, 8, 9},
    8, 19, 3, 8, 8, 8, 1.0, 23, 1};
/* exact, spf, lookahead. t=0: r1 e=8 mem(8)=9; r3 e=3 mem(3)=4+6=10; r0 e=5 mem(3)=19, mem(5)=17;
 * r2 e=2 mem(2)=3+5+8+11=27: blocked. step 1: 2+4+7=13, 2: 16. t=1: r2 e=3 mem(3)=4+6+9+11=30.
 * t=2: e=4 mem(3)=19+10=29. step 3: 19; t=3 r3 done: e=5 mem(5)=6+11+11=28. step 4: 5+10=15;
 * t=4: e=6 mem(5)=6+11+10=27. step 5: 17; t=5 r0 done: r2 e=7 mem(7)=8+11=19, mem(8)=9: admitted
 * (c=7). step 6: 7+10=17, 7: 8+11=19, 8: 9. latencies 5 8 7 3 = 23 (sorted 3 5 7 8: p50 5);
 * ttft 1 1 6 1 -> 2.25. */
static const hand_expect a2_exact_spf_la = {
    {0, 0, 5, 0}, {5, 8, 7, 3}, {0, 0, 0, 0}, {13, 16, 19, 15, 17, 17, 19, 9},
    8, 23, 5, 8, 8, 8, 2.25, 19, 0};
/* exact, spf, current. t=0: 2, 6, 13, 23: all (walk r1 r3 r0 r2). t=1: 27: evict r2 (g=1 ->
 * s'=10, rest 1): 16. t=2: r2: 4+6+9+11 = 30 > 23; t=3 (r3 done): 5+10+11 = 26; t=4: 6+11+11 = 28;
 * t=5 (r0 done): 7+11 = 18 ok, admitted (c=6). memory 23 16 19 15 17 18, then r1 8, 9.
 * latencies 5 8 6 3 = 22 (sorted 3 5 6 8). */
static const hand_expect a2_exact_spf_cur = {
    {0, 0, 0, 0}, {5, 8, 6, 3}, {0, 0, 1, 0}, {23, 16, 19, 15, 17, 18, 8, 9},
    8, 22, 5, 8, 8, 8, 1.0, 23, 1};

/* predicted (õ = 2, 22, 3, 4). fcfs and spf with `current` never look at an estimate: the runs
 * equal the exact ones. fcfs and spf with lookahead happen to make the same decisions as with
 * exact information (worked below), so only their block reasons differ.
 * fcfs, lookahead. t=0: r0 e=2 mem(2)=8; r1 e=22 mem(2)=11, mem(22)=23; r2 e=3 mem(2)=22,
 * mem(3)=4+12=16; r3 e=4 mem(2)=27: blocked. t=1: r0 (g=1, est max(2,2)=2) e=2; r3 e=5
 * mem(2)=26: blocked. t=2: r2 done; r0 is overdue (g=2, est 3, e=3); r3 e=6: mem(3)=9+4+4=17,
 * mem(6)=7+7=14, mem(22)=23: admitted. From here as exact fcfs lookahead. */
/* predicted, sjf, lookahead: order r0(2) r2(3) r3(4) r1(22). t=0: r0 e=2 mem(2)=8; r2 e=3
 * mem(2)=19, mem(3)=12; r3 e=4 mem(2)=24: blocked. step 1: 7+10=17, 2: 8+11=19.
 * t=1: r3 e=5: mem(2)=19+4=23, mem(3)=12+5=17, mem(5)=7: admitted (true c=4); r1 e=23: mem(2)=25.
 * step 2: 8+11+4=23. t=2: r2 done; r0 overdue (est 3, e=3); r1 e=24: mem(3)=9+5+2=16,
 * mem(5)=7+4=11, mem(24)=23: admitted (c=10). step 3: 9+5+2=16, 4: 10+6+3=19; t=4 r3 done;
 * 5: 11+4=15; t=5 r0 done; 6..10: r1 5..9. latencies 5 10 2 4 = 21; ttft 1 3 1 2 -> 1.75. */
static const hand_expect a2_pred_sjf_la = {
    {0, 2, 0, 1}, {5, 10, 2, 4}, {0, 0, 0, 0}, {17, 23, 16, 19, 15, 5, 6, 7, 8, 9},
    10, 21, 4, 10, 10, 10, 1.75, 23, 0};
/* predicted, sjf, current: walk r0 r2 r3 r1, all admitted (7, 17, 21, 23). t=1: 27: evict r1
 * (s'=2, rest 7), 24: evict r3 (s'=4, rest 2): 19. t=2: r2 done; õ: r3 min(max(1,4-1),19) = 3,
 * r1 min(39, 21) = 21: r3 9+5 = 14 ok (c=4), r1 14+3 = 17 ok (c=9). step 3: 9+5+3=17,
 * 4: 10+6+4=20; 5: 11+5=16; 6..9: 6..9. latencies 5 9 2 4 = 20 (sorted 2 4 5 9). */
static const hand_expect a2_pred_sjf_cur = {
    {0, 0, 0, 0}, {5, 9, 2, 4}, {0, 1, 0, 1}, {23, 19, 17, 20, 16, 6, 7, 8, 9},
    9, 20, 4, 9, 9, 9, 1.0, 23, 2};
/* predicted, svf, lookahead: keys r0 6*2+3=15, r3 3*4+10=22, r2 9*3+6=33, r1 22+253=275.
 * t=0: r0 e=2 mem(2)=8; r3 e=4 mem(2)=13, mem(4)=7; r2 e=3 mem(2)=24: blocked. step 1: 7+4=11,
 * 2: 8+5=13. t=1: r2 e=4: mem(2)=13+10=23, mem(4)=7+12=19: admitted (true c=3); r1 e=23:
 * mem(2)=25: blocked. step 2: 8+5+10 = 23. t=2: r0 overdue (est 3, e=3), r2 e=4, r3 e=4; r1 e=24:
 * mem(3)=9+6+11+2=28: blocked. But the true step 3 holds r0 9 + r3 6 + r2 11 = 26 > 23 (r0 was
 * predicted to be gone): evict r2 (latest admitted, g=1 -> s'=10, rest 1): 15. step 3: 15.
 * t=3: r3 done; r0 est 4 (e=4); queue r2 (õ = min(max(1,3-1), 13) = 2, key 10*2+3 = 23), r1.
 * r2 e=5: mem(4)=10+11=21, mem(5)=12: admitted (c=4). r1 e=25: mem(4)=23, mem(5)=15, mem(25)=23:
 * admitted (c=11). step 4: 10+11+2 = 23; t=4 r2 done; 5: 11+3=14; t=5 r0 done; 6..11: 4..9.
 * latencies 5 11 4 3 = 23 (sorted 3 4 5 11); ttft 1 4 2 1 -> 2.0. */
static const hand_expect a2_pred_svf_la = {
    {0, 3, 1, 0}, {5, 11, 4, 3}, {0, 0, 1, 0}, {11, 23, 15, 23, 14, 4, 5, 6, 7, 8, 9},
    11, 23, 4, 11, 11, 11, 2.0, 23, 1};
/* predicted, svf, current: walk r0 r3 r2 r1, all admitted. t=1: evict r1 (s'=2, rest 7), then r2
 * (s'=10, rest 1): 13. t=2: keys r2 10*2+3 = 23, r1 2*21+231 = 273. r2: 9+6+11 = 26 > 23.
 * t=3 (r3 done): r2: 10+11 = 21 ok (c=4); r1: 21+3 = 24 > 23. t=4 (r2 done): r1: 11+3 = 14 ok
 * (c=11). memory 23 13 15 21 14, then r1 alone 4..9. latencies 5 11 4 3 = 23. */
static const hand_expect a2_pred_svf_cur = {
    {0, 0, 0, 0}, {5, 11, 4, 3}, {0, 1, 1, 0}, {23, 13, 15, 21, 14, 4, 5, 6, 7, 8, 9},
    11, 23, 4, 11, 11, 11, 1.0, 23, 2};

/* onebit defaults: outputs sorted 2 3 5 8, lower median theta = 3; short r2 r3 mean 2.5 -> 3,
 * long r0 r1 mean 6.5 -> 7 (halves up). õ = 7, 7, 3, 3. sjf order r2 r3 r0 r1 and svf order
 * (r0 6*7+28=70, r1 7+28=35, r2 27+6=33, r3 9+6=15) are those of exact, and `current` ignores
 * estimates otherwise (after the sjf evictions r0 and r1 both have õ 6: tie, by position), so
 * the current runs equal exact. svf and spf with lookahead also make the exact decisions.
 * fcfs, lookahead: t=0: r0 e=7 mem(7)=13; r1 e=7 mem(7)=21; r2 e=3 mem(3)=9+4+12=25: blocked.
 * step 1: 7+2=9, 2: 11. t=1..4: r2 e=t+3 fails at mem(t+3) = 27, 29, 31, 33. steps 3..5: 13, 15,
 * 17. t=5: r0 done; r1 (g=5) e=7; r2 e=8: mem(7)=8+11=19, mem(8)=12: admitted (c=7); r3 e=8:
 * mem(7)=19+5=24: blocked. step 6: 7+10=17. t=6: r3 e=9: mem(7)=8+11+4=23, mem(8)=12+5=17,
 * mem(9)=6: admitted (c=9). step 7: 23; t=7 r2 done; 8: 9+5=14; t=8 r1 done; 9: 6.
 * latencies 5 8 7 9 = 29 (sorted 5 7 8 9: p50 7); ttft 1 1 6 7 -> 3.75. */
static const hand_expect a2_onebit_fcfs_la = {
    {0, 0, 5, 6}, {5, 8, 7, 9}, {0, 0, 0, 0}, {9, 11, 13, 15, 17, 17, 23, 14, 6},
    9, 29, 7, 9, 9, 9, 3.75, 23, 0};
/* onebit, sjf, lookahead: t=0: r2 e=3 mem(3)=12; r3 e=3 mem(3)=18; r0 e=7 mem(3)=18+9=27:
 * blocked. step 1: 10+4=14, 2: 16. t=1: r0 e=8 mem(3)=12+6+8=26: blocked. t=2: r2 done (true 2);
 * r0 e=9: mem(3)=6+7=13, mem(9)=13; r1 e=9: mem(3)=15, mem(9)=13+8=21: both admitted (c=7, 10).
 * step 3: 6+7+2=15; t=3 r3 done; 4: 8+3=11, 5: 13, 6: 15, 7: 17; t=7 r0 done; 8..10: 7, 8, 9.
 * latencies 7 10 2 3 = 22 (sorted 2 3 7 10); ttft 3 3 1 1 -> 2.0; peak 17. */
static const hand_expect a2_onebit_sjf_la = {
    {2, 2, 0, 0}, {7, 10, 2, 3}, {0, 0, 0, 0}, {14, 16, 15, 11, 13, 15, 17, 7, 8, 9},
    10, 22, 3, 10, 10, 10, 2.0, 17, 0};

static void test_every_combination_a2(void **state)
{
    (void)state;
    kvs_workload w = make_workload(a2_reqs, 4, 23);
    const kvs_policy F = KVS_POLICY_FCFS, J = KVS_POLICY_SJF, V = KVS_POLICY_SVF,
                     P = KVS_POLICY_SPF;
    const kvs_admission L = KVS_ADMIT_LOOKAHEAD, C = KVS_ADMIT_CURRENT;
    const kvs_information X = KVS_INFO_EXACT, R = KVS_INFO_PREDICTED, O = KVS_INFO_ONEBIT,
                          N = KVS_INFO_NONE;
    struct {
        const char *name;
        kvs_config cfg;
        const hand_expect *x;
    } cases[] = {
        {"A2 exact fcfs lookahead", CFG(F, L, X), &a2_exact_fcfs_la},
        {"A2 exact fcfs current", CFG(F, C, X), &a2_exact_fcfs_cur},
        {"A2 exact sjf lookahead", CFG(J, L, X), &a2_exact_sjf_la},
        {"A2 exact sjf current", CFG(J, C, X), &a2_exact_sjf_cur},
        {"A2 exact svf lookahead", CFG(V, L, X), &a2_exact_svf_la},
        {"A2 exact svf current", CFG(V, C, X), &a2_exact_svf_cur},
        {"A2 exact spf lookahead", CFG(P, L, X), &a2_exact_spf_la},
        {"A2 exact spf current", CFG(P, C, X), &a2_exact_spf_cur},
        {"A2 predicted fcfs lookahead", CFG(F, L, R), &a2_exact_fcfs_la},
        {"A2 predicted fcfs current", CFG(F, C, R), &a2_exact_fcfs_cur},
        {"A2 predicted sjf lookahead", CFG(J, L, R), &a2_pred_sjf_la},
        {"A2 predicted sjf current", CFG(J, C, R), &a2_pred_sjf_cur},
        {"A2 predicted svf lookahead", CFG(V, L, R), &a2_pred_svf_la},
        {"A2 predicted svf current", CFG(V, C, R), &a2_pred_svf_cur},
        {"A2 predicted spf lookahead", CFG(P, L, R), &a2_exact_spf_la},
        {"A2 predicted spf current", CFG(P, C, R), &a2_exact_spf_cur},
        {"A2 onebit fcfs lookahead", CFG(F, L, O), &a2_onebit_fcfs_la},
        {"A2 onebit fcfs current", CFG(F, C, O), &a2_exact_fcfs_cur},
        {"A2 onebit sjf lookahead", CFG(J, L, O), &a2_onebit_sjf_la},
        {"A2 onebit sjf current", CFG(J, C, O), &a2_exact_sjf_cur},
        {"A2 onebit svf lookahead", CFG(V, L, O), &a2_exact_svf_la},
        {"A2 onebit svf current", CFG(V, C, O), &a2_exact_svf_cur},
        {"A2 onebit spf lookahead", CFG(P, L, O), &a2_exact_spf_la},
        {"A2 onebit spf current", CFG(P, C, O), &a2_exact_spf_cur},
        {"A2 none fcfs current", CFG(F, C, N), &a2_exact_fcfs_cur},
        {"A2 none spf current", CFG(P, C, N), &a2_exact_spf_cur},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_eq(kvs_config_valid(cases[i].cfg, NULL, 0), 1, "%s is valid", cases[i].name);
        check_hand(cases[i].name, &w, cases[i].cfg, NULL, 0, cases[i].x);
    }
}

/* The presets are the combinations above: mcsf = sjf+lookahead+exact, svf-1bit =
 * svf+lookahead+onebit (the same run as exact svf lookahead on A2), vllm = fcfs+current+none. */
static void test_presets_a2(void **state)
{
    (void)state;
    kvs_workload w = make_workload(a2_reqs, 4, 23);
    kvs_config start = cfg_of(KVS_POLICY_SPF, KVS_ADMIT_CURRENT, KVS_INFO_PREDICTED);
    struct {
        const char *preset;
        kvs_config want;
        const hand_expect *x;
    } cases[] = {
        {"mcsf", CFG(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT), &a2_exact_sjf_la},
        {"svf-1bit", CFG(KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_ONEBIT), &a2_exact_svf_la},
        {"vllm", CFG(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_NONE), &a2_exact_fcfs_cur},
    };
    for (size_t i = 0; i < 3; i++) {
        int idx = kvs_choice_find(cases[i].preset);
        assert_true(idx >= 0);
        kvs_config c = kvs_config_choose(start, idx);
        assert_int_equal(c.policy, cases[i].want.policy);
        assert_int_equal(c.admission, cases[i].want.admission);
        assert_int_equal(c.information, cases[i].want.information);
        char name[64];
        snprintf(name, sizeof name, "A2 preset %s", cases[i].preset);
        check_hand(name, &w, c, NULL, 0, cases[i].x);
    }
}

/* ======================================================================================
 * Instance A: M = 20, all arrive at 0: r0 (0,8,4) v=42, r1 (0,1,6) v=27, r2 (0,2,3) v=12,
 * r3 (0,5,2) v=13; Σ v = 94. Orders: fcfs r0 r1 r2 r3, sjf r3 r2 r0 r1, svf r2 r3 r1 r0.
 * ====================================================================================== */
static kvs_request a_reqs[4] = {
    {NULL, 0, 8, 4, -1}, {NULL, 0, 1, 6, -1}, {NULL, 0, 2, 3, -1}, {NULL, 0, 5, 2, -1}};

/* sjf, lookahead, exact. t=0: r3 e=2 mem(2)=7; r2 e=3 mem(2)=11, mem(3)=5; r0 e=4
 * mem(2)=7+4+10=21 > 20: blocked, and r1 behind it waits although it would fit (head of line).
 * step 1: 6+3=9. t=1: r0 e=5 mem(2)=7+4+9=20, mem(3)=5+10=15, mem(5)=12: admitted (c=5); r1 e=7
 * mem(2)=22: blocked. step 2: 7+4+9 = 20. t=2: r3 done; r1 e=8: mem(3)=5+10+2=17,
 * mem(5)=12+4=16, mem(8)=7: admitted (c=8). step 3: 5+10+2=17; 4: 11+3=14, 5: 12+4=16; 6..8:
 * 5, 6, 7. latencies 5 8 3 2 = 18; ttft 2 3 1 1 -> 1.75. */
static const hand_expect a_sjf_la = {
    {1, 2, 0, 0}, {5, 8, 3, 2}, {0, 0, 0, 0}, {9, 20, 17, 14, 16, 5, 6, 7},
    8, 18, 3, 8, 8, 8, 1.75, 20, 0};
/* svf, lookahead, exact. t=0: r2 e=3 mem(3)=5; r3 e=2 mem(2)=4+7=11; r1 e=6 mem(2)=14, mem(3)=9,
 * mem(6)=7; r0 e=4 mem(2)=14+10=24: blocked. step 1: 3+6+2=11, 2: 4+7+3=14. t=1: r0 e=5
 * mem(2)=14+9=23: blocked. t=2: r3 done; r0 e=6: mem(3)=5+4+9=18, mem(6)=7+12=19: admitted
 * (c=6). step 3: 18; 4: 5+10=15, 5: 17, 6: 19. latencies 6 6 3 2 = 17 < 18 (sjf above). */
static const hand_expect a_svf_la = {
    {2, 0, 0, 0}, {6, 6, 3, 2}, {0, 0, 0, 0}, {11, 14, 18, 15, 17, 19},
    6, 17, 3, 6, 6, 6, 1.5, 19, 0};
/* fcfs, lookahead, exact. t=0: r0 e=4 mem(4)=12; r1 e=6 mem(4)=17, mem(6)=7; r2 e=3
 * mem(3)=11+4+5=20; r3 e=2 mem(2)=10+3+4+7=24: blocked. steps 1..3: 14, 17, 20. t=1: r3 e=3
 * mem(3)=27; t=2: e=4 mem(3)=26; t=3: r2 done, e=5 mem(4)=12+5+6=23. step 4: 17. t=4: r0 done;
 * r3 e=6 mem(6)=7+7=14: admitted (c=6). step 5: 6+6=12, 6: 7+7=14. latencies 4 6 3 6 = 19. */
static const hand_expect a_fcfs_la = {
    {0, 0, 0, 4}, {4, 6, 3, 6}, {0, 0, 0, 0}, {14, 17, 20, 17, 12, 14},
    6, 19, 4, 6, 6, 6, 2.0, 20, 0};
/* fcfs, current (the vllm preset): t=0: 9, 11, 14, 20 <= 20: all admitted. step 1: 20. t=1:
 * step 2 would be 10+3+4+7 = 24 > 20: evict r3 (admitted last) after g=1 token: new prompt
 * s+g = 5+1 = 6, remaining o-g = 2-1 = 1. step 2: 17. t=2: r3 needs 11+4+5+(6+1) = 27 > 20.
 * step 3: 20. t=3: r2 done: 12+5+7 = 24 > 20. step 4: 17. t=4: r0 done: 6+7 = 13 ok: r3 admitted
 * at 4, holds 6+1 = 7 = s+o during step 5, c=5. step 5: 13, 6: 7. latencies 4 6 3 5 = 18. */
static const hand_expect a_fcfs_cur = {
    {0, 0, 0, 0}, {4, 6, 3, 5}, {0, 0, 0, 1}, {20, 17, 20, 17, 13, 7},
    6, 18, 4, 6, 6, 6, 1.0, 20, 1};

static void test_svf_beats_sjf(void **state)
{
    (void)state;
    kvs_workload w = make_workload(a_reqs, 4, 20);
    check_hand("A sjf lookahead exact", &w, cfg_of(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT),
               NULL, 0, &a_sjf_la);
    check_hand("A svf lookahead exact", &w, cfg_of(KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT),
               NULL, 0, &a_svf_la);
    check_hand("A fcfs lookahead exact", &w,
               cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT), NULL, 0, &a_fcfs_la);
    /* the point of the instance, on the engine's own numbers */
    kvs_engine *sjf = new_engine(&w, cfg_of(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT));
    kvs_engine *svf = new_engine(&w, cfg_of(KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT));
    kvs_engine_run(sjf);
    kvs_engine_run(svf);
    kvs_summary a, b;
    kvs_engine_summary(sjf, &a);
    kvs_engine_summary(svf, &b);
    assert_int_equal(a.total_latency, 18);
    assert_int_equal(b.total_latency, 17);
    assert_true(b.total_latency < a.total_latency);
    kvs_engine_free(sjf);
    kvs_engine_free(svf);
}

/* The vllm preset on A and A2, with the recompute arithmetic checked mid-run. */
static void test_vllm_eviction_recompute(void **state)
{
    (void)state;
    kvs_config vllm = kvs_config_choose(cfg_of(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT),
                                        kvs_choice_find("vllm"));
    kvs_workload wa = make_workload(a_reqs, 4, 20);
    check_hand("A vllm", &wa, vllm, NULL, 0, &a_fcfs_cur);

    /* A2 under vllm (the exact fcfs current run): r3 (s=3, o=3) is evicted at t=1 after 1 token.
     * At t=2 it waits with prompt 3+1 = 4 and 2 tokens to go; it is re-admitted at 2, holds
     * 4+1 = 5 during step 3 and 4+2 = 6 = s+o during step 4, and finishes at 4. */
    kvs_workload w = make_workload(a2_reqs, 4, 23);
    check_hand("A2 vllm", &w, vllm, NULL, 0, &a2_exact_fcfs_cur);
    kvs_engine *e = new_engine(&w, vllm);
    kvs_req_info q;
    kvs_engine_step(e); /* decision 0, step 1 */
    kvs_engine_request(e, 3, &q);
    assert_int_equal(q.state, KVS_REQ_RUNNING);
    assert_int_equal(q.tokens, 3 + 1);
    assert_int_equal(q.admitted, 0);
    kvs_engine_step(e); /* decision 1 (evicts r3), step 2 */
    assert_int_equal(kvs_engine_now(e), 2);
    assert_int_equal(kvs_engine_memory(e), 22);
    kvs_engine_request(e, 3, &q);
    assert_int_equal(q.state, KVS_REQ_WAITING);
    assert_int_equal(q.evictions, 1);
    assert_int_equal(q.generated, 1);
    assert_int_equal(q.residency_prompt, 4);
    assert_int_equal(q.tokens, 0);
    assert_int_equal(q.start, 0);
    assert_int_equal(q.estimate, -1); /* information none */
    kvs_counters c;
    kvs_engine_counters(e, &c);
    assert_int_equal(c.evictions, 1);
    assert_int_equal(c.waiting, 1);
    assert_int_equal(c.running, 2);   /* r0 r1; r2 ran its last step 2 and is done */
    assert_int_equal(c.completed, 1);
    kvs_engine_step(e); /* decision 2 (r2 done, r3 re-admitted), step 3 */
    kvs_engine_request(e, 3, &q);
    assert_int_equal(q.state, KVS_REQ_RUNNING);
    assert_int_equal(q.admitted, 2);
    assert_int_equal(q.start, 0);
    assert_int_equal(q.tokens, 5);
    assert_int_equal(q.generated, 2);
    assert_int_equal(q.residency_prompt, 4);
    kvs_engine_step(e); /* step 4: r3 holds 6 and completes */
    assert_int_equal(kvs_engine_memory(e), 21);
    kvs_engine_request(e, 3, &q);
    assert_int_equal(q.state, KVS_REQ_DONE);
    assert_int_equal(q.finish, 4);
    assert_int_equal(q.latency, 4);
    assert_int_equal(q.ttft, 1);
    kvs_engine_free(e);
}

/* MODEL.md §2 phases 1 then 2: a completion at t frees memory an arrival at t uses at t.
 * M = 10: r0 (0, 4, 3) holds 5, 6, 7 in steps 1..3 and completes at 3; r1 (3, 5, 2) arrives at 3.
 * Were r0 still counted at t=3, r1 could not start (current: 8 + 6 = 14 > 10; lookahead: r0's
 * tokens would add to r1's). Since r0 is freed first, r1 is admitted at 3 (ttft 1): it holds 6 and
 * 7 in steps 4, 5 and finishes at 5. Memory 5 6 7 6 7 = 31 = 18 + 13. Latencies 3 and 2. The same
 * under every policy and admission (two requests that never wait together). */
static void test_completion_frees_before_arrival(void **state)
{
    (void)state;
    kvs_request reqs[2] = {{NULL, 0, 4, 3, -1}, {NULL, 3, 5, 2, -1}};
    kvs_workload w = make_workload(reqs, 2, 10);
    const hand_expect x = {{0, 3}, {3, 5}, {0, 0}, {5, 6, 7, 6, 7}, 5, 5, 2, 3, 3, 3, 1.0, 7, 0};
    for (int p = 0; p < KVS_POLICY_COUNT; p++)
        for (int a = 0; a < KVS_ADMISSION_COUNT; a++) {
            char name[80];
            snprintf(name, sizeof name, "free-then-arrive %s %s", kvs_policy_name((kvs_policy)p),
                     kvs_admission_name((kvs_admission)a));
            check_hand(name, &w, cfg_of((kvs_policy)p, (kvs_admission)a, KVS_INFO_EXACT), NULL, 0,
                       &x);
        }
    check_hand("free-then-arrive vllm", &w,
               cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_NONE), NULL, 0, &x);
}

/* An evicted request re-enters the queue at t and can be admitted at t+1 at the earliest; victims
 * go most recently admitted first, and among those admitted at the same point the later in the
 * walk first. spf + current + exact, M = 20:
 *   r0 (0, 5, 10) v=105, r1 (0, 4, 10) v=95, r2 (4, 0, 3) v=6; Σ v = 206.
 * t=0: spf walk r1 (s 4) then r0 (s 5): 5, 5+6 = 11: both. steps 1..4: 9+2u = 11, 13, 15, 17.
 * t=4: r2 arrives: 19+1 = 20 ok, admitted. step 5: 20.
 * t=5: step 6 would be r1 10 + r0 11 + r2 2 = 23 > 20: evict r2 (admitted at 4, g=1 -> s'=1,
 *   rest 2): 21 > 20: evict r0 (admitted at 0 after r1 in that walk; g=5 -> s'=10, rest 5): 10.
 *   r2 alone would now fit (10+2 = 12) but is not re-admitted at 5.
 * step 6: 10. t=6: spf queue r2 (s' 1), r0 (s' 10): r2 11+2 = 13 ok (c=8); r0 13+11 = 24 > 20.
 * step 7: 11+2 = 13. t=7: r0 12+3+11 = 26. step 8: 12+3 = 15; t=8 r2 done: r0 13+11 = 24.
 * step 9: 13; t=9: 14+11 = 25. step 10: 14; t=10: r1 done: r0 11 ok (c=15). steps 11..15: 11..15.
 * Memory sums to 56+20+10+13+15+13+14+11+12+13+14+15 = 206. Latencies 15, 10 and 8-4 = 4: 29
 * (sorted 4 10 15: p50 10, p90 15); ttft 1 1 1. */
static void test_evicted_not_readmitted_same_point(void **state)
{
    (void)state;
    kvs_request reqs[3] = {{NULL, 0, 5, 10, -1}, {NULL, 0, 4, 10, -1}, {NULL, 4, 0, 3, -1}};
    kvs_workload w = make_workload(reqs, 3, 20);
    const hand_expect x = {{0, 0, 4}, {15, 10, 8}, {1, 0, 1},
                           {11, 13, 15, 17, 20, 10, 13, 15, 13, 14, 11, 12, 13, 14, 15},
                           15, 29, 10, 15, 15, 15, 1.0, 20, 2};
    kvs_config c = cfg_of(KVS_POLICY_SPF, KVS_ADMIT_CURRENT, KVS_INFO_EXACT);
    check_hand("evict-then-wait spf current", &w, c, NULL, 0, &x);

    kvs_engine *e = new_engine(&w, c);
    kvs_engine_advance_to(e, 6); /* decision 5 made: both evicted, step 6 ran */
    kvs_req_info q;
    kvs_engine_request(e, 2, &q);
    assert_int_equal(q.state, KVS_REQ_WAITING);
    assert_int_equal(q.residency_prompt, 1);
    assert_int_equal(q.generated, 1);
    kvs_engine_request(e, 0, &q);
    assert_int_equal(q.state, KVS_REQ_WAITING);
    assert_int_equal(q.residency_prompt, 10);
    assert_int_equal(q.generated, 5);
    kvs_engine_request(e, 1, &q);
    assert_int_equal(q.state, KVS_REQ_RUNNING);
    assert_int_equal(kvs_engine_memory(e), 10);
    /* the queue at 6 in spf order, keyed by the residency prompt */
    kvs_queue_entry qe[4];
    assert_int_equal(kvs_engine_queue_length(e), 2);
    assert_int_equal(kvs_engine_queue_head(e, qe, 4), 2);
    assert_int_equal(qe[0].req, 2);
    assert_int_equal(qe[0].key, 1);
    assert_int_equal(qe[1].req, 0);
    assert_int_equal(qe[1].key, 10);
    /* keys use the residency: r2 s'=1, õ = min(max(1, 3-1), 20-1) = 2; r0 s'=10,
     * õ = min(max(1, 10-5), 20-10) = 5. sjf: 2, 5; svf: 1*2+3 = 5, 10*5+15 = 65 (with the
     * original prompts svf would give 0*2+3 = 3 and 5*5+15 = 40). */
    assert_int_equal(kvs_engine_set_config(e, cfg_of(KVS_POLICY_SVF, KVS_ADMIT_CURRENT,
                                                     KVS_INFO_EXACT)), 0);
    assert_int_equal(kvs_engine_queue_head(e, qe, 4), 2);
    assert_int_equal(qe[0].req, 2);
    assert_int_equal(qe[0].key, 5);
    assert_int_equal(qe[1].req, 0);
    assert_int_equal(qe[1].key, 65);
    kvs_engine_request(e, 0, &q);
    assert_int_equal(q.estimate, 5);
    assert_int_equal(kvs_engine_set_config(e, cfg_of(KVS_POLICY_SJF, KVS_ADMIT_CURRENT,
                                                     KVS_INFO_EXACT)), 0);
    assert_int_equal(kvs_engine_queue_head(e, qe, 4), 2);
    assert_int_equal(qe[0].key, 2);
    assert_int_equal(qe[1].key, 5);
    assert_int_equal(kvs_engine_set_config(e, c), 0);
    {
        ref_sim rr;
        ref_sim_init(&rr, &w, cfg_of(KVS_POLICY_SVF, KVS_ADMIT_CURRENT, KVS_INFO_EXACT));
        for (int t = 0; t < 6; t++)
            ref_sim_step(&rr); /* svf and spf make the same decisions up to here (walk r1 r0) */
        assert_int_equal(ref_key(&rr, 2), 5);
        assert_int_equal(ref_key(&rr, 0), 65);
        ref_sim_free(&rr);
    }
    kvs_engine_step(e); /* decision 6: r2 back, r0 blocked by the current rule */
    kvs_engine_request(e, 2, &q);
    assert_int_equal(q.state, KVS_REQ_RUNNING);
    assert_int_equal(q.admitted, 6);
    assert_int_equal(q.start, 4);
    kvs_block b;
    kvs_engine_block(e, &b);
    assert_int_equal(b.kind, KVS_BLOCK_CURRENT);
    assert_int_equal(b.req, 0);
    assert_int_equal(b.decided_at, 6);
    assert_int_equal(b.at_step, 7);
    assert_int_equal(b.tokens, 24);
    assert_int_equal(b.memory_budget, 20);
    char buf[200];
    assert_ptr_equal(kvs_block_describe(&b, buf, sizeof buf), buf);
    assert_string_equal(buf, "step 7 would hold 24 tokens > M = 20");
    /* the reference blocked the same request for the same reason */
    ref_sim r;
    ref_run(&r, &w, c, NULL, 0, 100);
    assert_int_equal(r.blocks[6].kind, KVS_BLOCK_CURRENT);
    assert_int_equal(r.blocks[6].req, 0);
    assert_int_equal(r.blocks[6].at_step, 7);
    assert_int_equal(r.blocks[6].tokens, 24);
    ref_sim_free(&r);
    kvs_engine_free(e);
}

/* Ties in the key are broken by arrival, then by position. M = 20, lookahead, exact:
 *   r0 (0, 15, 3) v=51, r1 (2, 1, 3) v=9, r2 (1, 1, 3) v=9; Σ v = 69.
 * r1 and r2 have equal keys under sjf (3), svf (1*3+6 = 9) and spf (1); r2 arrived first but
 * comes after r1 in the input. r0 is alone at t=0: e=3, mem(3)=18: admitted; it holds 16 17 18.
 * t=1: r2 e=4: mem(3)=18+3=21 > 20: blocked. t=2: r1 arrives; queue r2 (arrival 1) before r1
 * (arrival 2): r2 e=5: mem(3)=18+2=20, mem(5)=4: admitted (c=5); r1 e=5: mem(3)=22: blocked.
 * t=3: r0 done; r1 e=6: mem(5)=4+3=7, mem(6)=4: admitted (c=6). steps: 16, 17, 18+2=20, 3+2=5,
 * 4+3=7, 4 (Σ 69). latencies 3, 6-2=4, 5-1=4 = 11 (sorted 3 4 4: p50 4); ttft 1 2 2 -> 5/3.
 * Broken by position alone, r1 would have started at 2 and r2 at 3. */
static void test_ties_by_arrival_then_position(void **state)
{
    (void)state;
    kvs_request reqs[3] = {{NULL, 0, 15, 3, -1}, {NULL, 2, 1, 3, -1}, {NULL, 1, 1, 3, -1}};
    kvs_workload w = make_workload(reqs, 3, 20);
    const hand_expect x = {{0, 3, 2}, {3, 6, 5}, {0, 0, 0}, {16, 17, 20, 5, 7, 4},
                           6, 11, 4, 4, 4, 4, 5.0 / 3.0, 20, 0};
    for (int p = 0; p < KVS_POLICY_COUNT; p++) {
        char name[80];
        snprintf(name, sizeof name, "ties %s lookahead", kvs_policy_name((kvs_policy)p));
        check_hand(name, &w, cfg_of((kvs_policy)p, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT), NULL, 0,
                   &x);
    }
}

/* FCFS head-of-line blocking under lookahead, M = 10:
 *   r0 (0, 2, 6) v=33, r1 (1, 5, 3) v=21, r2 (1, 0, 1) v=1; Σ v = 55.
 * t=0: r0 e=6 mem(6)=8 ok. step 1: 3. t=1: r1 e=4: mem(4)=6+8=14 > 10: blocked, and r2 (e=2:
 * mem(2)=4+1=5, it would fit) waits behind it. t=2: r1 e=5 mem(5)=7+8=15; t=3: e=6 mem(6)=8+8=16;
 * t=4: e=7 mem(6)=8+7=15; t=5: e=8 mem(6)=8+6=14. steps 2..6: 4..8. t=6: r0 done; r1 e=9
 * mem(9)=8, r2 e=7 mem(7)=6+1=7, mem(9)=8: both admitted. step 7: 6+1=7; 8: 7, 9: 8.
 * latencies 6 8 6 = 20; ttft 1 6 6 -> 13/3. */
static kvs_request hol_reqs[3] = {{NULL, 0, 2, 6, -1}, {NULL, 1, 5, 3, -1}, {NULL, 1, 0, 1, -1}};
static const hand_expect hol_fcfs = {{0, 6, 6}, {6, 9, 7}, {0, 0, 0}, {3, 4, 5, 6, 7, 8, 7, 7, 8},
                                     9, 20, 6, 8, 8, 8, 13.0 / 3.0, 8, 0};

static void test_fcfs_head_of_line_blocking(void **state)
{
    (void)state;
    kvs_workload w = make_workload(hol_reqs, 3, 10);
    kvs_config c = cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    check_hand("HOL fcfs lookahead", &w, c, NULL, 0, &hol_fcfs);

    /* the block reason after each decision point, by hand (above) */
    const struct {
        int64_t at_step, tokens;
    } blocks[6] = {{0, 0}, {4, 14}, {5, 15}, {6, 16}, {6, 15}, {6, 14}};
    kvs_engine *e = new_engine(&w, c);
    for (int t = 0; t < 6; t++) {
        kvs_engine_step(e);
        kvs_block b;
        kvs_engine_block(e, &b);
        if (t == 0) {
            assert_int_equal(b.kind, KVS_BLOCK_NONE);
            continue;
        }
        check_eq(b.kind, KVS_BLOCK_LOOKAHEAD, "HOL block kind at %d", t);
        check_eq(b.req, 1, "HOL blocked request at %d", t);
        check_eq(b.decided_at, t, "HOL decided_at at %d", t);
        check_eq(b.at_step, blocks[t].at_step, "HOL at_step at %d", t);
        check_eq(b.tokens, blocks[t].tokens, "HOL tokens at %d", t);
        check_eq(b.memory_budget, 10, "HOL budget at %d", t);
        /* the reference agrees */
        ref_sim r;
        ref_run(&r, &w, c, NULL, 0, 100);
        check_eq(r.blocks[t].kind, KVS_BLOCK_LOOKAHEAD, "reference HOL block kind at %d", t);
        check_eq(r.blocks[t].at_step, blocks[t].at_step, "reference HOL at_step at %d", t);
        check_eq(r.blocks[t].tokens, blocks[t].tokens, "reference HOL tokens at %d", t);
        ref_sim_free(&r);
        if (t == 1) {
            char buf[200];
            assert_ptr_equal(kvs_block_describe(&b, buf, sizeof buf), buf);
            assert_string_equal(buf, "at step 4 the batch would hold 14 tokens > M = 10");
        }
    }
    kvs_engine_step(e); /* decision 6: both admitted */
    kvs_block b;
    kvs_engine_block(e, &b);
    assert_int_equal(b.kind, KVS_BLOCK_NONE);
    kvs_engine_free(e);
}

/* Time semantics of engine.h on the HOL instance: at t, steps 1..t have run and decision t is not
 * made; memory() is the memory of step t; a request whose last token was step t is already DONE. */
static void test_time_semantics(void **state)
{
    (void)state;
    kvs_workload w = make_workload(hol_reqs, 3, 10);
    kvs_engine *e = new_engine(&w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT));
    kvs_counters c;
    kvs_req_info q;
    assert_int_equal(kvs_engine_now(e), 0);
    assert_int_equal(kvs_engine_memory(e), 0);
    assert_int_equal(kvs_engine_memory_budget(e), 10);
    assert_false(kvs_engine_done(e));
    kvs_engine_counters(e, &c);
    assert_int_equal(c.pending, 3); /* arrival >= 0: nothing has joined before decision 0 */
    assert_int_equal(c.waiting, 0);
    assert_int_equal(c.running, 0);
    kvs_engine_request(e, 0, &q);
    assert_int_equal(q.state, KVS_REQ_PENDING);
    assert_int_equal(q.start, -1);
    assert_int_equal(q.finish, -1);

    kvs_engine_step(e); /* t = 1: r0 ran step 1 with 3 tokens; r1 r2 arrive at 1: still pending */
    assert_int_equal(kvs_engine_now(e), 1);
    assert_int_equal(kvs_engine_memory(e), 3);
    kvs_engine_counters(e, &c);
    assert_int_equal(c.pending, 2);
    assert_int_equal(c.running, 1);
    assert_int_equal(c.tokens_generated, 1);
    assert_int_equal(c.volume_done, 3);
    kvs_engine_request(e, 0, &q);
    assert_int_equal(q.state, KVS_REQ_RUNNING);
    assert_int_equal(q.start, 0);
    assert_int_equal(q.tokens, 3);
    assert_int_equal(q.generated, 1);
    kvs_engine_request(e, 1, &q);
    assert_int_equal(q.state, KVS_REQ_PENDING);

    kvs_engine_step(e); /* t = 2: r1 r2 joined at decision 1 and wait */
    kvs_engine_counters(e, &c);
    assert_int_equal(c.pending, 0);
    assert_int_equal(c.waiting, 2);

    kvs_engine_advance_to(e, 6); /* t = 6: step 6 was r0's last: DONE already, memory still 8 */
    assert_int_equal(kvs_engine_now(e), 6);
    assert_int_equal(kvs_engine_memory(e), 8);
    kvs_engine_request(e, 0, &q);
    assert_int_equal(q.state, KVS_REQ_DONE);
    assert_int_equal(q.finish, 6);
    assert_int_equal(q.latency, 6);
    kvs_engine_counters(e, &c);
    assert_int_equal(c.completed, 1);
    assert_int_equal(c.running, 0);
    assert_int_equal(c.waiting, 2);
    assert_int_equal(c.volume_done, 3 + 4 + 5 + 6 + 7 + 8);
    assert_int_equal(c.peak_memory, 8);
    assert_int_equal(c.latency_sum, 6);
    kvs_engine_request(e, 1, &q);
    assert_int_equal(q.state, KVS_REQ_WAITING);
    assert_int_equal(q.start, -1);

    kvs_engine_step(e); /* t = 7: decision 6 admitted r1 and r2; step 7 held 6 + 1 */
    assert_int_equal(kvs_engine_memory(e), 7);
    kvs_engine_request(e, 2, &q);
    assert_int_equal(q.state, KVS_REQ_DONE); /* r2 (o=1) ran only step 7 */
    assert_int_equal(q.finish, 7);
    assert_int_equal(q.ttft, 6);
    kvs_engine_request(e, 1, &q);
    assert_int_equal(q.state, KVS_REQ_RUNNING);
    assert_int_equal(q.tokens, 6);

    kvs_engine_advance_to(e, 100); /* stops at done */
    assert_true(kvs_engine_done(e));
    assert_int_equal(kvs_engine_now(e), 9);
    assert_int_equal(kvs_engine_memory(e), 8);
    kvs_engine_step(e); /* no-op when done */
    assert_int_equal(kvs_engine_now(e), 9);
    kvs_engine_free(e);
}

/* A mid-run switch on the HOL instance: fcfs -> sjf made at t = 3 applies at decision point 3.
 * At 3 the queue is r1 (õ 3), r2 (õ 1): sjf puts r2 first: e=4, mem(4)=6+1=7, mem(6)=8: admitted
 * at 3 (c=4); r1 e=6: mem(4)=7+6=13 > 10: blocked. t=4: r2 done; r1 e=7 mem(6)=8+7=15; t=5: e=8
 * mem(6)=14; t=6: r0 done, r1 admitted (c=9). Memory 3 4 5 7 7 8 6 7 8 = 55. Latencies 6 8 3 = 17,
 * ttft 1 6 3 -> 10/3. Without the switch r2 started at 6 (test above); not at 2 or 4 either. */
static void test_midrun_switch(void **state)
{
    (void)state;
    kvs_workload w = make_workload(hol_reqs, 3, 10);
    kvs_config fcfs = cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    kvs_config sjf = cfg_of(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    kvs_switch sw[1] = {{3, sjf}};
    const hand_expect x = {{0, 6, 3}, {6, 9, 4}, {0, 0, 0}, {3, 4, 5, 7, 7, 8, 6, 7, 8},
                           9, 17, 6, 8, 8, 8, 10.0 / 3.0, 8, 0};
    check_hand("switch fcfs->sjf at 3", &w, fcfs, sw, 1, &x);

    kvs_engine *e = new_engine(&w, fcfs);
    kvs_engine_advance_to(e, 3);
    kvs_queue_entry qe[3];
    assert_int_equal(kvs_engine_queue_head(e, qe, 3), 2);
    assert_int_equal(qe[0].req, 1); /* fcfs: r1 then r2 (same arrival, input order) */
    assert_int_equal(qe[0].key, 1);
    assert_int_equal(kvs_engine_set_config(e, sjf), 0);
    assert_int_equal(kvs_engine_config(e).policy, KVS_POLICY_SJF);
    const kvs_switch *log = NULL;
    assert_int_equal(kvs_engine_switches(e, &log), 1);
    assert_int_equal(log[0].at, 3);
    assert_int_equal(log[0].cfg.policy, KVS_POLICY_SJF);
    assert_int_equal(kvs_engine_queue_head(e, qe, 3), 2);
    assert_int_equal(qe[0].req, 2); /* the queue is shown in the new order at once */
    assert_int_equal(qe[0].key, 1);
    assert_int_equal(qe[1].req, 1);
    assert_int_equal(qe[1].key, 3);
    kvs_req_info q;
    kvs_engine_request(e, 2, &q);
    assert_int_equal(q.state, KVS_REQ_WAITING);
    kvs_engine_step(e); /* decision 3 admits r2 (o = 1): at t = 4 it is already done */
    kvs_engine_request(e, 2, &q);
    assert_int_equal(q.state, KVS_REQ_DONE);
    assert_int_equal(q.start, 3);
    assert_int_equal(q.finish, 4);
    /* an invalid config is refused and changes nothing */
    assert_int_equal(kvs_engine_set_config(e, cfg_of(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD,
                                                     KVS_INFO_NONE)), -1);
    assert_int_equal(kvs_engine_config(e).information, KVS_INFO_EXACT);
    assert_int_equal(kvs_engine_switches(e, &log), 1);
    kvs_engine_free(e);
}

/* predicted_output too small: the overdue estimate becomes g+1. fcfs + lookahead + predicted,
 * M = 10: r0 (0, 0, 6) predicted 2, r1 (3, 7, 2) predicted 2. Σ v = 21 + 17 = 38.
 * t=0: r0 e=2 mem(2)=2 ok. steps 1..3: 1, 2, 3. t=3: r0 has g=3 >= õ=2: estimate g+1 = 4, e=4.
 * r1 e=5: mem(4) = 4 + (7+1) = 12 > 10: blocked at step 4 (if r0 were taken as gone at k+õ = 2,
 * r1 would be admitted and step 4 would overflow). t=4: r0 est 5, r1 e=6: mem(5)=5+8=13; t=5:
 * mem(6)=6+8=14. steps 4..6: 4, 5, 6. t=6: r0 done (true 6); r1 e=8 mem(8)=9: admitted (c=8).
 * steps 7, 8: 8, 9. latencies 6 5 = 11; ttft 1 4 -> 2.5. */
static void test_predicted_too_small(void **state)
{
    (void)state;
    kvs_request reqs[2] = {{NULL, 0, 0, 6, 2}, {NULL, 3, 7, 2, 2}};
    kvs_workload w = make_workload(reqs, 2, 10);
    kvs_config c = cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_PREDICTED);
    const hand_expect x = {{0, 6}, {6, 8}, {0, 0}, {1, 2, 3, 4, 5, 6, 8, 9},
                           8, 11, 5, 6, 6, 6, 2.5, 9, 0};
    check_hand("predicted too small", &w, c, NULL, 0, &x);

    const int64_t at[3] = {4, 5, 6}, tok[3] = {12, 13, 14};
    kvs_engine *e = new_engine(&w, c);
    kvs_engine_advance_to(e, 3);
    for (int k = 0; k < 3; k++) {
        kvs_engine_step(e);
        kvs_block b;
        kvs_engine_block(e, &b);
        check_eq(b.kind, KVS_BLOCK_LOOKAHEAD, "overdue block kind at %d", 3 + k);
        check_eq(b.req, 1, "overdue blocked req at %d", 3 + k);
        check_eq(b.at_step, at[k], "overdue at_step at %d", 3 + k);
        check_eq(b.tokens, tok[k], "overdue tokens at %d", 3 + k);
    }
    kvs_engine_free(e);
}

/* predicted_output too large: the estimate is capped at M - s (docs/ENGINE.md).
 * fcfs + lookahead + predicted, M = 10:
 *   r0 (0, 4, 2) predicted 50 -> õ = min(50, 10-4) = 6 (uncapped it could never be admitted:
 *   mem(50) = 54 > 10); r1 (0, 0, 1) predicted 7 -> õ 7; r2 (0, 5, 1) predicted 100 -> õ 5.
 * t=0: r0 e=6 mem(6)=4+6=10 ok; r1 e=7 mem(6)=10+6=16 > 10: blocked (r2 behind).
 * step 1: 5. t=1: r0 (g=1) e=6; r1 e=8 mem(6)=10+5=15: blocked. step 2: 6. t=2: r0 done (true 2);
 * r1 e=9 mem(9)=7 ok; r2 e=7 mem(7)=5+10=15 > 10: blocked. step 3: 1. t=3: r1 done; r2 e=8
 * mem(8)=10: admitted (c=4). step 4: 6. Memory 5 6 1 6 = 18 = 11+1+6. Latencies 2 3 4 = 9;
 * ttft 1 3 4 -> 8/3. */
static void test_predicted_too_large(void **state)
{
    (void)state;
    kvs_request reqs[3] = {{NULL, 0, 4, 2, 50}, {NULL, 0, 0, 1, 7}, {NULL, 0, 5, 1, 100}};
    kvs_workload w = make_workload(reqs, 3, 10);
    kvs_config c = cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_PREDICTED);
    const hand_expect x = {{0, 2, 3}, {2, 3, 4}, {0, 0, 0}, {5, 6, 1, 6},
                           4, 9, 3, 4, 4, 4, 8.0 / 3.0, 6, 0};
    check_hand("predicted too large", &w, c, NULL, 0, &x);

    kvs_engine *e = new_engine(&w, c);
    kvs_engine_step(e);
    kvs_block b;
    kvs_engine_block(e, &b);
    assert_int_equal(b.kind, KVS_BLOCK_LOOKAHEAD);
    assert_int_equal(b.req, 1);
    assert_int_equal(b.at_step, 6); /* r0's capped completion 0 + 6 */
    assert_int_equal(b.tokens, 16);
    kvs_req_info q;
    kvs_engine_request(e, 1, &q);
    assert_int_equal(q.state, KVS_REQ_WAITING);
    assert_int_equal(q.estimate, 7);
    kvs_engine_request(e, 2, &q);
    assert_int_equal(q.estimate, 5); /* 100 capped at M - s = 5 */
    /* sjf would key them by õ: r2 (5) before r1 (7); svf: r1 0*7+28 = 28, r2 5*5+15 = 40 */
    kvs_queue_entry qe[2];
    assert_int_equal(kvs_engine_set_config(e, cfg_of(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD,
                                                     KVS_INFO_PREDICTED)), 0);
    assert_int_equal(kvs_engine_queue_head(e, qe, 2), 2);
    assert_int_equal(qe[0].req, 2);
    assert_int_equal(qe[0].key, 5);
    assert_int_equal(qe[1].req, 1);
    assert_int_equal(qe[1].key, 7);
    assert_int_equal(kvs_engine_set_config(e, cfg_of(KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD,
                                                     KVS_INFO_PREDICTED)), 0);
    assert_int_equal(kvs_engine_queue_head(e, qe, 2), 2);
    assert_int_equal(qe[0].req, 1);
    assert_int_equal(qe[0].key, 28);
    assert_int_equal(qe[1].req, 2);
    assert_int_equal(qe[1].key, 40);
    kvs_engine_free(e);
}

/* An information switch re-derives the estimates. The instance above, predicted until t = 1, then
 * exact from decision point 1: r1's estimate drops from 7 to 1 and r2's from 5 to 1 at once.
 * t=1: r0 (exact õ 2, g=1) e=2; r1 e=2: mem(2)=6+1=7 ok (c=2); r2 e=2: mem(2)=7+6=13 > 10.
 * step 2: 6+1=7. t=2: r0 r1 done; r2 e=3 mem(3)=6: admitted (c=3). step 3: 6.
 * Memory 5 7 6 = 18. Latencies 2 2 3 = 7; ttft 1 2 3 -> 2. */
static void test_information_switch(void **state)
{
    (void)state;
    kvs_request reqs[3] = {{NULL, 0, 4, 2, 50}, {NULL, 0, 0, 1, 7}, {NULL, 0, 5, 1, 100}};
    kvs_workload w = make_workload(reqs, 3, 10);
    kvs_config pred = cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_PREDICTED);
    kvs_config exact = cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    kvs_switch sw[1] = {{1, exact}};
    const hand_expect x = {{0, 1, 2}, {2, 2, 3}, {0, 0, 0}, {5, 7, 6},
                           3, 7, 2, 3, 3, 3, 2.0, 7, 0};
    check_hand("switch predicted->exact at 1", &w, pred, sw, 1, &x);

    kvs_engine *e = new_engine(&w, pred);
    kvs_engine_step(e);
    assert_int_equal(kvs_engine_set_config(e, exact), 0);
    kvs_req_info q;
    kvs_engine_request(e, 1, &q);
    assert_int_equal(q.estimate, 1);
    kvs_engine_request(e, 2, &q);
    assert_int_equal(q.estimate, 1);
    kvs_engine_free(e);
}

/* predicted without predicted_output and sigma = 0: o * exp(0) = o, so the estimates are exact
 * (still capped at M - s' and clamped at M, neither binding here): the run equals exact A2 sjf. */
static void test_predicted_sigma_zero(void **state)
{
    (void)state;
    kvs_request reqs[4];
    memcpy(reqs, a2_reqs, sizeof reqs);
    for (int i = 0; i < 4; i++)
        reqs[i].predicted = -1;
    kvs_workload w = make_workload(reqs, 4, 23);
    w.info.sigma = 0.0;
    check_hand("A2 predicted sigma 0 sjf lookahead", &w,
               cfg_of(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_PREDICTED), NULL, 0,
               &a2_exact_sjf_la);
}

/* Estimates of the requests waiting behind a blocker: r0 (0, M-1, 1) is admitted first under
 * fcfs + current and fills step 1, so at t = 1 all others wait with their residency estimates. */
static void onebit_estimates(kvs_workload *w, const int64_t *want, const char *name)
{
    kvs_engine *e = new_engine(w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_ONEBIT));
    kvs_engine_step(e);
    ref_sim r;
    ref_sim_init(&r, w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_ONEBIT));
    ref_sim_step(&r);
    for (size_t i = 1; i < w->count; i++) {
        kvs_req_info q;
        kvs_engine_request(e, i, &q);
        check_eq(q.state, KVS_REQ_WAITING, "%s r%zu waits", name, i);
        check_eq(q.estimate, want[i], "%s r%zu estimate", name, i);
        check_eq(ref_residency_estimate(&r, i), want[i], "%s [reference] r%zu estimate", name, i);
    }
    ref_sim_free(&r);
    kvs_engine_free(e);
}

/* theta defaults to the lower median; proxies are class means rounded half up.
 * M = 100, outputs 1 4 6 9 (r0 = (0, 99, 1), the others prompt 0): sorted 1 4 6 9, lower median
 * theta = 4 (the upper median 6 would make r2 short). short {1, 4}: 5/2 = 2.5 -> 3 (half-even or
 * truncation would give 2); long {6, 9}: 15/2 = 7.5 -> 8 (truncation 7). Estimates 3, 8, 8. */
static void test_onebit_defaults(void **state)
{
    (void)state;
    kvs_request reqs[4] = {{NULL, 0, 99, 1, -1}, {NULL, 0, 0, 4, -1}, {NULL, 0, 0, 6, -1},
                           {NULL, 0, 0, 9, -1}};
    kvs_workload w = make_workload(reqs, 4, 100);
    const int64_t want[4] = {0, 3, 8, 8};
    onebit_estimates(&w, want, "onebit defaults");
    /* the full run, by hand: t=0 r0 fills step 1 (100); t=1: r0 done, r1 r2 r3 admitted
     * (1+2+3 = 6 <= 100) holding u-1 each in step u: steps 2..5: 3 6 9 12, r1 done at 5;
     * 6: 10, 7: 12, r2 done at 7; 8: 7, 9: 8, 10: 9. Σ = 176 = 100+10+21+45.
     * latencies 1 5 7 10 = 23 (sorted 1 5 7 10: p50 5, p90 10); ttft 1 2 2 2 -> 1.75. */
    const hand_expect x = {{0, 1, 1, 1}, {1, 5, 7, 10}, {0, 0, 0, 0},
                           {100, 3, 6, 9, 12, 10, 12, 7, 8, 9},
                           10, 23, 5, 10, 10, 10, 1.75, 100, 0};
    check_hand("onebit defaults run", &w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_ONEBIT),
               NULL, 0, &x);
}

/* Empty classes: with every output equal (3 3 3 + the blocker's 1: sorted 1 3 3 3, theta = 3) the
 * long class is empty, its proxy is theta + 1 = 4; the short proxy is the mean (1+3+3+3)/4 = 2.5
 * -> 3. With flip probability 1 every label flips (u < 1 always): the r1..r3 become "long": 4.
 * With an explicit theta = 0 the short class is empty: short proxy max(1, theta) = 1, long proxy
 * (1+3+3+3)/4 -> 3; flipped, every request is "short": 1. With theta = 12 the long class is
 * empty: long proxy 13, capped at M - s = 100 - 0: 13. */
static void test_onebit_empty_class(void **state)
{
    (void)state;
    kvs_request reqs[4] = {{NULL, 0, 99, 1, -1}, {NULL, 0, 0, 3, -1}, {NULL, 0, 0, 3, -1},
                           {NULL, 0, 0, 3, -1}};
    kvs_workload w = make_workload(reqs, 4, 100);
    const int64_t plain[4] = {0, 3, 3, 3}, flipped_long[4] = {0, 4, 4, 4};
    onebit_estimates(&w, plain, "onebit all equal");
    w.info.flip_probability = 1.0;
    onebit_estimates(&w, flipped_long, "onebit all equal, flipped");
    w.info.theta = 0;
    const int64_t flipped_short[4] = {0, 1, 1, 1};
    onebit_estimates(&w, flipped_short, "onebit theta 0, flipped");
    w.info.flip_probability = 0.0;
    const int64_t theta0[4] = {0, 3, 3, 3};
    onebit_estimates(&w, theta0, "onebit theta 0");
    w.info.theta = 12;
    w.info.flip_probability = 1.0;
    const int64_t theta12_flipped[4] = {0, 13, 13, 13};
    onebit_estimates(&w, theta12_flipped, "onebit theta 12, flipped");
}

/* Explicit theta and proxies are used as given (proxies still capped at M - s'):
 * theta = 5, short 2, long 60: outputs 1 4 6 9 -> r1 short: 2, r2 r3 long: min(60, 100-0) = 60;
 * the blocker r0 (s = 99) is short: min(2, 100-99) = 1. */
static void test_onebit_explicit(void **state)
{
    (void)state;
    kvs_request reqs[4] = {{NULL, 0, 99, 1, -1}, {NULL, 0, 0, 4, -1}, {NULL, 0, 0, 6, -1},
                           {NULL, 0, 0, 9, -1}};
    kvs_workload w = make_workload(reqs, 4, 100);
    w.info.theta = 5;
    w.info.short_estimate = 2;
    w.info.long_estimate = 60;
    const int64_t want[4] = {0, 2, 60, 60};
    onebit_estimates(&w, want, "onebit explicit");
    ref_sim r;
    ref_sim_init(&r, &w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_ONEBIT));
    assert_int_equal(ref_residency_estimate(&r, 0), 1);
    ref_sim_free(&r);
}

/* The queue order and keys of all four policies, on requests waiting behind a blocker.
 * M = 30, fcfs + current + exact: r0 (0, 29, 1) fills step 1; then r1 (0,6,5), r2 (0,1,8),
 * r3 (0,9,2), r4 (0,3,3) wait at t = 1. Keys:
 *   fcfs arrival 0 0 0 0 -> r1 r2 r3 r4 (input order)
 *   sjf o 5 8 2 3 -> r3 r4 r1 r2
 *   svf 30+15=45, 8+36=44, 18+3=21, 9+6=15 -> r4 r3 r2 r1
 *   spf 6 1 9 3 -> r2 r4 r1 r3
 *   sjf onebit: outputs 1 5 8 2 3, lower median 3, short {1,2,3} -> 2, long {5,8} -> 6.5 -> 7:
 *     keys 7 7 2 2 -> r3 r4 r1 r2 (ties by position). */
static void test_queue_order_per_policy(void **state)
{
    (void)state;
    kvs_request reqs[5] = {{NULL, 0, 29, 1, -1}, {NULL, 0, 6, 5, -1}, {NULL, 0, 1, 8, -1},
                           {NULL, 0, 9, 2, -1}, {NULL, 0, 3, 3, -1}};
    kvs_workload w = make_workload(reqs, 5, 30);
    struct {
        kvs_config cfg;
        uint32_t order[4];
        int64_t keys[4];
    } cases[] = {
        {CFG(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_EXACT), {1, 2, 3, 4}, {0, 0, 0, 0}},
        {CFG(KVS_POLICY_SJF, KVS_ADMIT_CURRENT, KVS_INFO_EXACT), {3, 4, 1, 2}, {2, 3, 5, 8}},
        {CFG(KVS_POLICY_SVF, KVS_ADMIT_CURRENT, KVS_INFO_EXACT), {4, 3, 2, 1}, {15, 21, 44, 45}},
        {CFG(KVS_POLICY_SPF, KVS_ADMIT_CURRENT, KVS_INFO_EXACT), {2, 4, 1, 3}, {1, 3, 6, 9}},
        {CFG(KVS_POLICY_SJF, KVS_ADMIT_CURRENT, KVS_INFO_ONEBIT), {3, 4, 1, 2}, {2, 2, 7, 7}},
        {CFG(KVS_POLICY_SPF, KVS_ADMIT_CURRENT, KVS_INFO_NONE), {2, 4, 1, 3}, {1, 3, 6, 9}},
    };
    kvs_engine *e = new_engine(&w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_EXACT));
    kvs_engine_step(e);
    assert_int_equal(kvs_engine_queue_length(e), 4);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        assert_int_equal(kvs_engine_set_config(e, cases[c].cfg), 0);
        kvs_queue_entry qe[4];
        assert_int_equal(kvs_engine_queue_head(e, qe, 4), 4);
        for (int k = 0; k < 4; k++) {
            check_eq(qe[k].req, cases[c].order[k], "queue case %zu position %d: request", c, k);
            check_eq(qe[k].key, cases[c].keys[k], "queue case %zu position %d: key", c, k);
            kvs_req_info q;
            kvs_engine_request(e, qe[k].req, &q);
            check_eq(q.key, cases[c].keys[k], "queue case %zu r%u: info.key", c, qe[k].req);
        }
        /* a shorter copy is the prefix */
        assert_int_equal(kvs_engine_queue_head(e, qe, 2), 2);
        check_eq(qe[1].req, cases[c].order[1], "queue case %zu: head of 2", c);
    }
    kvs_engine_free(e);
}

/* kvs_engine_run_plan (what --switch runs): tests/golden/hand-switch.yaml by hand — fcfs, svf
 * from 10: y 10..15, z 10..20, big 0..30, x 30..50, total 115. A switch after the end is not
 * applied (the return value says how many were); an invalid one stops at its time with -1 - k. */
static void test_run_plan(void **state)
{
    (void)state;
    kvs_request reqs[4] = {{"big", 0, 60, 30, -1}, {"x", 0, 30, 20, -1}, {"y", 0, 5, 5, -1},
                           {"z", 0, 10, 10, -1}};
    kvs_workload w = make_workload(reqs, 4, 100);
    kvs_config fcfs = CFG(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    kvs_config svf = CFG(KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    kvs_switch plan[2] = {{10, svf}, {80, fcfs}};
    kvs_engine *e = new_engine(&w, fcfs);
    assert_int_equal(kvs_engine_run_plan(e, plan, 2), 1);
    const int64_t finish[4] = {30, 50, 15, 20};
    for (size_t i = 0; i < 4; i++) {
        kvs_req_info q;
        kvs_engine_request(e, i, &q);
        check_eq(q.finish, finish[i], "run_plan: finish of %s", reqs[i].id);
    }
    const kvs_switch *sw;
    assert_int_equal(kvs_engine_switches(e, &sw), 1);
    assert_int_equal(sw[0].at, 10);
    assert_int_equal(kvs_engine_initial_config(e).policy, KVS_POLICY_FCFS);
    assert_int_equal(kvs_engine_config(e).policy, KVS_POLICY_SVF);
    size_t later = 9;
    assert_int_equal(kvs_engine_start_config(e, &later).policy, KVS_POLICY_FCFS);
    assert_int_equal(later, 0);
    kvs_engine_free(e);

    /* a switch at 0 is the config decision point 0 used; the later ones start after it */
    kvs_switch plan0[2] = {{0, svf}, {10, fcfs}};
    e = new_engine(&w, fcfs);
    assert_int_equal(kvs_engine_run_plan(e, plan0, 2), 2);
    assert_int_equal(kvs_engine_start_config(e, &later).policy, KVS_POLICY_SVF);
    assert_int_equal(later, 1);
    kvs_engine_free(e);

    kvs_config bad = CFG(KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_NONE);
    kvs_switch plan2[2] = {{5, svf}, {12, bad}};
    e = new_engine(&w, fcfs);
    assert_int_equal(kvs_engine_run_plan(e, plan2, 2), -2);
    assert_int_equal(kvs_engine_now(e), 12);
    kvs_engine_free(e);
}

/* An aging rule as a user key: the prompt, minus 4 per step waited. The key of a waiting request
 * changes every step. */
static int64_t aging_key(const kvs_policy_request *r, void *user)
{
    (void)user;
    return r->prompt - 4 * r->waited;
}

/* A user key that depends on time: the queue's keys and each request's own key (what the UI's
 * queue and inspector show) are taken at the same decision point, the last one made, and agree
 * with the rule evaluated there. (The fuzzer found them one step apart: the queue kept the last
 * decision's keys while kvs_engine_request evaluated the key at the current time.) */
static void test_plugin_time_dependent_key(void **state)
{
    (void)state;
    kvs_request reqs[6] = {{NULL, 0, 20, 10, -1}, {NULL, 0, 30, 4, -1}, {NULL, 1, 5, 6, -1},
                           {NULL, 2, 25, 3, -1},  {NULL, 3, 1, 9, -1},  {NULL, 5, 12, 2, -1}};
    kvs_workload w = make_workload(reqs, 6, 40);
    kvs_config cfg = CFG(KVS_POLICY_PLUGIN, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT);
    cfg.key_fn = aging_key;
    kvs_engine *e = new_engine(&w, cfg);
    int checked = 0, changed = 0;
    int64_t last_key[6] = {0};
    bool seen[6] = {false};
    while (!kvs_engine_done(e)) {
        kvs_engine_step(e);
        int64_t decided = kvs_engine_now(e) - 1; /* the decision point just made */
        kvs_queue_entry qe[6];
        size_t n = kvs_engine_queue_head(e, qe, 6);
        for (size_t k = 0; k < n; k++) {
            kvs_req_info q;
            kvs_engine_request(e, qe[k].req, &q);
            const kvs_request *r = &reqs[qe[k].req];
            int64_t want = q.residency_prompt - 4 * (decided - r->arrival - q.generated);
            check_eq(qe[k].key, want, "t=%lld r%u: queue key", (long long)decided, qe[k].req);
            check_eq(q.key, qe[k].key, "t=%lld r%u: request key = queue key", (long long)decided,
                     qe[k].req);
            if (k > 0)
                assert_true(qe[k - 1].key <= qe[k].key);
            if (seen[qe[k].req] && last_key[qe[k].req] != q.key)
                changed++;
            seen[qe[k].req] = true;
            last_key[qe[k].req] = q.key;
            checked++;
        }
    }
    kvs_engine_free(e);
    assert_true(checked > 10); /* requests did wait, and their keys moved while they did */
    assert_true(changed > 5);
}

/* MODEL.md §1: s + o > M can never run: an input error, refused with a reason (as are an invalid
 * config and a switch to one). s + o = M is fine. */
static void test_invalid_inputs_refused(void **state)
{
    (void)state;
    char why[256];
    kvs_request too_big[2] = {{NULL, 0, 3, 7, -1}, {NULL, 0, 4, 7, -1}}; /* 4 + 7 = 11 > 10 */
    kvs_workload w = make_workload(too_big, 2, 10);
    why[0] = 0;
    assert_null(kvs_engine_new(&w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT),
                               why, sizeof why));
    assert_true(strlen(why) > 0);
    too_big[1].prompt = 3; /* 3 + 7 = 10 = M: valid */
    kvs_engine *e = new_engine(&w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT));
    kvs_engine_free(e);
    why[0] = 0;
    assert_null(kvs_engine_new(&w, cfg_of(KVS_POLICY_SVF, KVS_ADMIT_CURRENT, KVS_INFO_NONE), why,
                               sizeof why));
    assert_true(strlen(why) > 0);
    why[0] = 0;
    assert_null(kvs_engine_new(&w, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_NONE),
                               why, sizeof why));
    assert_true(strlen(why) > 0);
    kvs_request zero_out[1] = {{NULL, 0, 3, 0, -1}}; /* o >= 1 */
    kvs_workload z = make_workload(zero_out, 1, 10);
    assert_null(kvs_engine_new(&z, cfg_of(KVS_POLICY_FCFS, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT),
                               why, sizeof why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_combination_a2),
        cmocka_unit_test(test_presets_a2),
        cmocka_unit_test(test_svf_beats_sjf),
        cmocka_unit_test(test_vllm_eviction_recompute),
        cmocka_unit_test(test_completion_frees_before_arrival),
        cmocka_unit_test(test_evicted_not_readmitted_same_point),
        cmocka_unit_test(test_fcfs_head_of_line_blocking),
        cmocka_unit_test(test_ties_by_arrival_then_position),
        cmocka_unit_test(test_time_semantics),
        cmocka_unit_test(test_midrun_switch),
        cmocka_unit_test(test_plugin_time_dependent_key),
        cmocka_unit_test(test_run_plan),
        cmocka_unit_test(test_predicted_too_small),
        cmocka_unit_test(test_predicted_too_large),
        cmocka_unit_test(test_information_switch),
        cmocka_unit_test(test_predicted_sigma_zero),
        cmocka_unit_test(test_onebit_defaults),
        cmocka_unit_test(test_onebit_empty_class),
        cmocka_unit_test(test_onebit_explicit),
        cmocka_unit_test(test_queue_order_per_policy),
        cmocka_unit_test(test_invalid_inputs_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
