/* test_engine_ref.c: the engine against the reference implementation (reference.h) on 1 400
 * seeded random scenarios, and the invariants of MODEL.md / docs/ENGINE.md asserted on the engine.
 * Every failure prints the case seed; `KVS_SEED=<seed> build/tests/test_engine_ref` replays it.
 *
 * Each scenario is driven five ways: stepped one decision point at a time in lockstep with the
 * reference (everything observable compared after every step), a clone taken mid-run and stepped
 * to the end, advance_to/run (which may skip), advance_to in random chunks, and a second
 * run-engine for determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope/config.h"
#include "kvscope/engine.h"
#include "kvscope/rng.h"
#include "kvscope/workload.h"
#include "unit/reference.h"

#define CASES 1400
#define MAX_N 160 /* n is 1..40 except in the few large cases (family 4) */
#define MAX_SWITCHES 4

typedef struct {
    uint64_t seed;
    kvs_request reqs[MAX_N];
    kvs_workload w;
    kvs_config cfg;
    kvs_switch sw[MAX_SWITCHES];
    size_t nsw;
    int64_t bound;   /* makespan <= max arrival + Σ o: some request runs at every step with work */
    int64_t clone_at;
    uint64_t chunk_seed;
} scenario;

/* ---- failure reporting: every message names the case ---- */

static uint64_t g_seed;
static char g_desc[512];
static const kvs_workload *g_workload; /* printed with KVS_DUMP=1 */

static void case_fail(const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    print_error("case seed %" PRIu64 " (%s): %s\n  replay: KVS_SEED=%" PRIu64
                " build/tests/test_engine_ref\n",
                g_seed, g_desc, what, g_seed);
    const char *dump = getenv("KVS_DUMP");
    if (dump && *dump && g_workload) {
        const kvs_workload *w = g_workload;
        print_error("  workload: M=%lld seed=%" PRIu64 " requests (arrival, prompt, output, "
                    "predicted):\n", (long long)w->memory, w->seed);
        for (size_t i = 0; i < w->count; i++)
            print_error("    r%zu (%lld, %lld, %lld, %lld)\n", i, (long long)w->requests[i].arrival,
                        (long long)w->requests[i].prompt, (long long)w->requests[i].output,
                        (long long)w->requests[i].predicted);
    }
    fail();
}

static void eq(int64_t got, int64_t want, const char *fmt, ...)
{
    if (got == want)
        return;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    case_fail("%s: engine %lld, reference %lld", what, (long long)got, (long long)want);
}

static void near(double got, double want, const char *what)
{
    if (fabs(got - want) <= 1e-9 * (fabs(want) + 1.0))
        return;
    case_fail("%s: engine %.15g, reference %.15g", what, got, want);
}

/* ---- scenario generation (the test's own randomness: stream 1000 of the case seed) ---- */

static int64_t rnd(kvs_rng *g, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)(kvs_rng_next(g) % (uint64_t)(hi - lo + 1));
}

static bool chance(kvs_rng *g, double p) { return kvs_rng_uniform(g) < p; }

/* The information mode uniformly, then a valid policy and admission for it uniformly. */
static kvs_config random_config(kvs_rng *g)
{
    kvs_config c;
    c.information = (kvs_information)rnd(g, 0, KVS_INFORMATION_COUNT - 1);
    do {
        c.policy = (kvs_policy)rnd(g, 0, KVS_POLICY_COUNT - 1);
        c.admission = (kvs_admission)rnd(g, 0, KVS_ADMISSION_COUNT - 1);
    } while (!kvs_config_valid(c, NULL, 0));
    return c;
}

static void describe(scenario *sc)
{
    int k = snprintf(g_desc, sizeof g_desc, "n=%zu M=%lld %s/%s/%s sigma=%g theta=%lld flip=%g",
                     sc->w.count, (long long)sc->w.memory, kvs_policy_name(sc->cfg.policy),
                     kvs_admission_name(sc->cfg.admission),
                     kvs_information_name(sc->cfg.information), sc->w.info.sigma,
                     (long long)sc->w.info.theta, sc->w.info.flip_probability);
    for (size_t s = 0; s < sc->nsw && k > 0 && (size_t)k < sizeof g_desc; s++)
        k += snprintf(g_desc + k, sizeof g_desc - (size_t)k, "; at %lld -> %s/%s/%s",
                      (long long)sc->sw[s].at, kvs_policy_name(sc->sw[s].cfg.policy),
                      kvs_admission_name(sc->sw[s].cfg.admission),
                      kvs_information_name(sc->sw[s].cfg.information));
}

/* Families by case number: 0 general, 1 every request exactly fills M at its end (s+o = M),
 * 2 tiny memory (M 1..4), 3 long idle gaps between arrivals (exercises skipping), 4 many
 * requests (100..160). */
static void generate(scenario *sc, uint64_t seed, int family)
{
    memset(sc, 0, sizeof *sc);
    sc->seed = seed;
    kvs_rng g;
    kvs_rng_seed(&g, seed, 1000);

    size_t n = (size_t)(chance(&g, 0.2) ? rnd(&g, 1, 4) : rnd(&g, 1, 40));
    if (family == 4)
        n = (size_t)rnd(&g, 100, MAX_N);
    int64_t M;
    double pick = kvs_rng_uniform(&g);
    if (family == 2 || pick < 0.05)
        M = rnd(&g, 1, 4);
    else if (pick < 0.55)
        M = rnd(&g, 5, 40);
    else if (pick < 0.9)
        M = rnd(&g, 41, 200);
    else
        M = rnd(&g, 201, 1500);

    int arrival_kind = (int)rnd(&g, 0, 4);
    if (family == 3)
        arrival_kind = 5;
    int64_t t = 0;
    bool with_predictions = chance(&g, 0.5);
    bool short_outputs = chance(&g, 0.4);
    for (size_t i = 0; i < n; i++) {
        kvs_request *q = &sc->reqs[i];
        q->id = NULL;
        switch (arrival_kind) {
        case 0: q->arrival = 0; break;
        case 1: q->arrival = rnd(&g, 0, 10); break;
        case 2: q->arrival = rnd(&g, 0, 120); break;
        case 3: t += rnd(&g, 0, 3); q->arrival = t; break;
        case 4: t += chance(&g, 0.3) ? 0 : rnd(&g, 1, 8); q->arrival = t; break;
        default: t += chance(&g, 0.2) ? rnd(&g, 500, 20000) : rnd(&g, 0, 4); q->arrival = t; break;
        }
        double ps = kvs_rng_uniform(&g);
        if (ps < 0.15)
            q->prompt = 0;
        else if (ps < 0.22)
            q->prompt = M - 1;
        else if (ps < 0.6)
            q->prompt = rnd(&g, 0, (M - 1) / 4);
        else
            q->prompt = rnd(&g, 0, M - 1);
        int64_t room = M - q->prompt; /* >= 1 */
        double po = kvs_rng_uniform(&g);
        if (family == 1 || po < 0.12)
            q->output = room; /* s + o = M */
        else if (po < 0.27)
            q->output = 1;
        else if (short_outputs)
            q->output = rnd(&g, 1, room / 3 > 1 ? room / 3 : 1);
        else
            q->output = rnd(&g, 1, room);
        q->predicted = -1;
        if (with_predictions && chance(&g, 0.6))
            q->predicted = chance(&g, 0.5) ? rnd(&g, 1, q->output + 2) : rnd(&g, 1, 2 * M + 3);
    }

    kvs_workload *w = &sc->w;
    w->memory = M;
    w->seed = kvs_rng_next(&g);
    static const double sigmas[] = {0.0, 0.25, 0.5, 1.0, 2.0};
    w->info.sigma = sigmas[rnd(&g, 0, 4)];
    w->info.theta = chance(&g, 0.75) ? -1 : rnd(&g, 0, M);
    double pf = kvs_rng_uniform(&g);
    w->info.flip_probability = pf < 0.5 ? 0.0 : pf < 0.8 ? kvs_rng_uniform(&g) * 0.5
                               : pf < 0.9 ? 1.0 : 0.5;
    w->info.short_estimate = chance(&g, 0.85) ? -1 : rnd(&g, 1, M);
    w->info.long_estimate = chance(&g, 0.85) ? -1 : rnd(&g, 1, 2 * M);
    w->count = n;
    w->requests = sc->reqs;

    sc->cfg = random_config(&g);
    int64_t max_arrival = 0, sum_out = 0;
    for (size_t i = 0; i < n; i++) {
        if (sc->reqs[i].arrival > max_arrival)
            max_arrival = sc->reqs[i].arrival;
        sum_out += sc->reqs[i].output;
    }
    sc->bound = max_arrival + sum_out;

    /* switch times are drawn over the run's length without switches */
    ref_sim r0;
    if (ref_run(&r0, w, sc->cfg, NULL, 0, sc->bound + 1) != 0) {
        ref_sim_free(&r0);
        describe(sc);
        case_fail("the reference did not finish within max arrival + Σ o = %lld steps",
                  (long long)sc->bound);
    }
    int64_t m0 = r0.now;
    ref_sim_free(&r0);
    sc->nsw = chance(&g, 0.5) ? 0 : (size_t)rnd(&g, 1, MAX_SWITCHES);
    for (size_t s = 0; s < sc->nsw; s++) {
        sc->sw[s].at = rnd(&g, 0, m0);
        sc->sw[s].cfg = random_config(&g);
    }
    for (size_t a = 1; a < sc->nsw; a++) /* ascending times, list order kept for ties */
        for (size_t b = a; b > 0 && sc->sw[b].at < sc->sw[b - 1].at; b--) {
            kvs_switch x = sc->sw[b];
            sc->sw[b] = sc->sw[b - 1];
            sc->sw[b - 1] = x;
        }
    sc->clone_at = rnd(&g, 0, m0);
    sc->chunk_seed = kvs_rng_next(&g);
    describe(sc);
}

/* ---- comparisons ---- */

static kvs_engine *engine_new(const scenario *sc)
{
    char why[300] = "";
    kvs_engine *e = kvs_engine_new(&sc->w, sc->cfg, why, sizeof why);
    if (!e)
        case_fail("kvs_engine_new refused a valid scenario: %s", why);
    return e;
}

static void apply_switches(kvs_engine *e, ref_sim *r, const scenario *sc, int64_t t)
{
    for (size_t s = 0; s < sc->nsw; s++)
        if (sc->sw[s].at == t) {
            if (kvs_engine_set_config(e, sc->sw[s].cfg) != 0)
                case_fail("set_config refused a valid config at %lld", (long long)t);
            if (r)
                ref_sim_set_config(r, sc->sw[s].cfg);
        }
}

/* Everything observable about the engine at its now against the reference at the same now. */
/* volume_done and peak: Σ and max of the reference memory over steps 1..now (kept by the caller). */
static void compare_state(const kvs_engine *e, const ref_sim *r, int64_t volume_done, int64_t peak,
                          const char *who)
{
    int64_t t = r->now;
    eq(kvs_engine_now(e), t, "%s: now", who);
    eq(kvs_engine_memory(e), r->memory[t], "%s: memory of step %lld", who, (long long)t);
    size_t n = r->n;
    size_t pending = 0, waiting = 0, running = 0, completed = 0;
    int64_t generated = 0, latency_sum = 0, latency_max = 0;
    for (size_t i = 0; i < n; i++) {
        const ref_req *x = &r->req[i];
        const kvs_request *q = &r->w->requests[i];
        kvs_req_info info;
        kvs_engine_request(e, i, &info);
        eq(info.state, x->state, "%s t=%lld r%zu state", who, (long long)t, i);
        eq(info.start, x->start, "%s t=%lld r%zu start", who, (long long)t, i);
        eq(info.finish, x->finish, "%s t=%lld r%zu finish", who, (long long)t, i);
        eq(info.evictions, x->evictions, "%s t=%lld r%zu evictions", who, (long long)t, i);
        eq(info.generated, ref_generated(r, i), "%s t=%lld r%zu generated", who, (long long)t, i);
        eq(info.arrival, q->arrival, "%s r%zu arrival", who, i);
        eq(info.prompt, q->prompt, "%s r%zu prompt", who, i);
        eq(info.output, q->output, "%s r%zu output", who, i);
        eq(info.volume, ref_volume(q->prompt, q->output), "%s r%zu volume", who, i);
        eq(info.ttft, x->start >= 0 ? x->start + 1 - q->arrival : -1, "%s t=%lld r%zu ttft", who,
           (long long)t, i);
        eq(info.latency, x->finish >= 0 ? x->finish - q->arrival : -1, "%s t=%lld r%zu latency",
           who, (long long)t, i);
        switch (x->state) {
        case KVS_REQ_PENDING:
            pending++;
            break;
        case KVS_REQ_WAITING:
            waiting++;
            eq(info.residency_prompt, ref_residency_prompt(r, i),
               "%s t=%lld r%zu residency_prompt", who, (long long)t, i);
            eq(info.estimate, ref_residency_estimate(r, i), "%s t=%lld r%zu estimate (waiting)",
               who, (long long)t, i);
            eq(info.key, ref_key(r, i), "%s t=%lld r%zu key", who, (long long)t, i);
            eq(info.tokens, 0, "%s t=%lld r%zu tokens (waiting)", who, (long long)t, i);
            break;
        case KVS_REQ_RUNNING:
            running++;
            eq(info.residency_prompt, ref_residency_prompt(r, i),
               "%s t=%lld r%zu residency_prompt", who, (long long)t, i);
            eq(info.admitted, x->admitted, "%s t=%lld r%zu admitted", who, (long long)t, i);
            eq(info.tokens, ref_tokens_at(r, i, t), "%s t=%lld r%zu tokens", who, (long long)t, i);
            if (r->cfg.information != KVS_INFO_NONE)
                eq(info.estimate, ref_running_estimate(r, i, t),
                   "%s t=%lld r%zu estimate (running: max(õ, g+1))", who, (long long)t, i);
            else
                eq(info.estimate, -1, "%s t=%lld r%zu estimate under none", who, (long long)t, i);
            break;
        case KVS_REQ_DONE:
            completed++;
            latency_sum += x->finish - q->arrival;
            latency_max = ref_max64(latency_max, x->finish - q->arrival);
            break;
        }
        generated += ref_generated(r, i);
    }

    /* the queue in the current policy's order */
    size_t order[MAX_N];
    size_t qlen = ref_queue_order(r, order);
    kvs_queue_entry qe[MAX_N];
    eq((int64_t)kvs_engine_queue_length(e), (int64_t)qlen, "%s t=%lld queue length", who,
       (long long)t);
    size_t got = kvs_engine_queue_head(e, qe, MAX_N);
    eq((int64_t)got, (int64_t)qlen, "%s t=%lld queue_head count", who, (long long)t);
    for (size_t k = 0; k < qlen && k < got; k++) {
        eq(qe[k].req, (int64_t)order[k], "%s t=%lld queue position %zu", who, (long long)t, k);
        eq(qe[k].key, ref_key(r, order[k]), "%s t=%lld queue key at %zu", who, (long long)t, k);
    }

    /* counters */
    kvs_counters c;
    kvs_engine_counters(e, &c);
    eq(c.now, t, "%s counters.now", who);
    eq(c.memory, r->memory[t], "%s counters.memory", who);
    eq(c.memory_budget, r->M, "%s counters.memory_budget", who);
    eq(c.peak_memory, peak, "%s t=%lld counters.peak_memory", who, (long long)t);
    eq((int64_t)c.pending, (int64_t)pending, "%s t=%lld counters.pending", who, (long long)t);
    eq((int64_t)c.waiting, (int64_t)waiting, "%s t=%lld counters.waiting", who, (long long)t);
    eq((int64_t)c.running, (int64_t)running, "%s t=%lld counters.running", who, (long long)t);
    eq((int64_t)c.completed, (int64_t)completed, "%s t=%lld counters.completed", who,
       (long long)t);
    eq((int64_t)c.total, (int64_t)n, "%s counters.total", who);
    eq(c.volume_done, volume_done, "%s t=%lld counters.volume_done", who, (long long)t);
    eq(c.tokens_generated, generated, "%s t=%lld counters.tokens_generated", who, (long long)t);
    eq(c.evictions, r->evictions, "%s t=%lld counters.evictions", who, (long long)t);
    eq(c.latency_sum, latency_sum, "%s t=%lld counters.latency_sum", who, (long long)t);
    eq(c.latency_max, latency_max, "%s t=%lld counters.latency_max", who, (long long)t);
}

static void compare_summary(const kvs_summary *s, const kvs_summary *x, const char *who)
{
    eq((int64_t)s->requests, (int64_t)x->requests, "%s summary.requests", who);
    eq((int64_t)s->completed, (int64_t)x->completed, "%s summary.completed", who);
    eq(s->makespan, x->makespan, "%s summary.makespan", who);
    eq(s->total_latency, x->total_latency, "%s summary.total_latency", who);
    near(s->mean_latency, x->mean_latency, "summary.mean_latency");
    eq(s->p50_latency, x->p50_latency, "%s summary.p50_latency", who);
    eq(s->p90_latency, x->p90_latency, "%s summary.p90_latency", who);
    eq(s->p99_latency, x->p99_latency, "%s summary.p99_latency", who);
    eq(s->max_latency, x->max_latency, "%s summary.max_latency", who);
    near(s->mean_ttft, x->mean_ttft, "summary.mean_ttft");
    eq(s->total_volume, x->total_volume, "%s summary.total_volume", who);
    eq(s->peak_memory, x->peak_memory, "%s summary.peak_memory", who);
    near(s->mean_memory_utilization, x->mean_memory_utilization,
         "summary.mean_memory_utilization");
    eq(s->evictions, x->evictions, "%s summary.evictions", who);
}

/* Final results of a finished engine against the finished reference. */
static void compare_final(const kvs_engine *e, const ref_sim *r, const char *who)
{
    if (!kvs_engine_done(e))
        case_fail("%s: engine not done at %lld", who, (long long)kvs_engine_now(e));
    eq(kvs_engine_now(e), r->now, "%s: now when done (= makespan)", who);
    for (size_t i = 0; i < r->n; i++) {
        kvs_req_info info;
        kvs_engine_request(e, i, &info);
        eq(info.state, KVS_REQ_DONE, "%s r%zu state", who, i);
        eq(info.start, r->req[i].start, "%s r%zu start", who, i);
        eq(info.finish, r->req[i].finish, "%s r%zu finish", who, i);
        eq(info.evictions, r->req[i].evictions, "%s r%zu evictions", who, i);
        eq(info.latency, r->req[i].finish - r->w->requests[i].arrival, "%s r%zu latency", who, i);
        eq(info.ttft, r->req[i].start + 1 - r->w->requests[i].arrival, "%s r%zu ttft", who, i);
    }
    kvs_summary s, x;
    kvs_engine_summary(e, &s);
    ref_summary(r, &x);
    compare_summary(&s, &x, who);
    const kvs_segment *seg = NULL;
    size_t ns = kvs_engine_segments(e, &seg);
    eq((int64_t)ns, (int64_t)r->segment_count, "%s segment count", who);
    for (size_t k = 0; k < ns && k < r->segment_count; k++) {
        const kvs_segment *a = &seg[k], *b = &r->segments[k];
        eq(a->req, b->req, "%s segment %zu req", who, k);
        eq(a->evicted, b->evicted, "%s segment %zu evicted", who, k);
        eq(a->start, b->start, "%s segment %zu start", who, k);
        eq(a->end, b->end, "%s segment %zu end", who, k);
        eq(a->prompt, b->prompt, "%s segment %zu prompt", who, k);
    }
}

/* Invariants of the finished run (asserted on the engine). */
static void check_invariants(const kvs_engine *e, const scenario *sc, const int64_t *memory,
                             int64_t steps)
{
    const kvs_workload *w = &sc->w;
    int64_t vol = 0, max_out = 0;
    for (size_t i = 0; i < w->count; i++) {
        const kvs_request *q = &w->requests[i];
        int64_t v = q->prompt * q->output + q->output * (q->output + 1) / 2;
        vol += v;
        max_out = ref_max64(max_out, q->output);
        kvs_req_info info;
        kvs_engine_request(e, i, &info);
        if (info.state != KVS_REQ_DONE || info.finish < 0)
            case_fail("invariant: r%zu never finished", i);
        if (info.finish < q->arrival + q->output)
            case_fail("invariant: r%zu finishes at %lld < arrival + output = %lld", i,
                      (long long)info.finish, (long long)(q->arrival + q->output));
        if (info.start < q->arrival)
            case_fail("invariant: r%zu starts at %lld before its arrival %lld", i,
                      (long long)info.start, (long long)q->arrival);
        if (info.finish < info.start + 1)
            case_fail("invariant: r%zu finishes before its first step", i);
        eq(info.volume, v, "invariant: r%zu volume = s*o + o(o+1)/2", i);
        eq(info.generated, q->output, "invariant: r%zu generated = output", i);
    }
    kvs_summary s;
    kvs_engine_summary(e, &s);
    eq(s.total_volume, vol, "invariant: summary.total_volume = Σ v_i");
    /* docs/ENGINE.md: never admitted and evicted at the same decision point, i.e. every residency
     * holds memory for at least one step; one residency per admission (evictions + 1). */
    const kvs_segment *seg = NULL;
    size_t ns = kvs_engine_segments(e, &seg);
    int64_t residencies = 0;
    for (size_t k = 0; k < ns; k++) {
        if (seg[k].end == KVS_OPEN || seg[k].end <= seg[k].start)
            case_fail("invariant: residency %zu of r%u holds no step (start %lld, end %lld)", k,
                      seg[k].req, (long long)seg[k].start, (long long)seg[k].end);
        residencies++;
    }
    eq(residencies, (int64_t)w->count + s.evictions, "invariant: residencies = n + evictions");
    int64_t area = 0;
    for (int64_t u = 1; u <= steps; u++) {
        if (memory[u] > w->memory)
            case_fail("invariant: memory of step %lld is %lld > M", (long long)u,
                      (long long)memory[u]);
        area += memory[u];
    }
    eq(area, vol, "invariant: Σ per-step memory (stepped) = Σ v_i, evictions or not");
    if (s.makespan > sc->bound)
        case_fail("invariant: makespan %lld > max arrival + Σ o = %lld", (long long)s.makespan,
                  (long long)sc->bound);
    eq(kvs_engine_max_segment_length(e), max_out, "max_segment_length = max output");
    bool always_exact_lookahead =
        sc->cfg.information == KVS_INFO_EXACT && sc->cfg.admission == KVS_ADMIT_LOOKAHEAD;
    for (size_t k = 0; k < sc->nsw; k++)
        if (sc->sw[k].at < s.makespan && (sc->sw[k].cfg.information != KVS_INFO_EXACT ||
                                          sc->sw[k].cfg.admission != KVS_ADMIT_LOOKAHEAD))
            always_exact_lookahead = false;
    if (always_exact_lookahead && s.evictions != 0)
        case_fail("invariant: exact information + lookahead evicted %lld times",
                  (long long)s.evictions);
    /* The switch log must replay to the same config at every decision point. (The engine keeps
     * one entry per decision point and may drop switches that change nothing: several switches
     * made at the same t collapse into the last, and a no-op switch is not logged.) */
    const kvs_switch *log = NULL;
    size_t nlog = kvs_engine_switches(e, &log);
    for (size_t p = 0; p <= sc->nsw + nlog; p++) {
        int64_t t = p == 0 ? 0 : p <= sc->nsw ? sc->sw[p - 1].at : log[p - 1 - sc->nsw].at;
        if (t >= s.makespan)
            continue;
        kvs_config want = sc->cfg, got = sc->cfg;
        for (size_t k = 0; k < sc->nsw; k++)
            if (sc->sw[k].at <= t)
                want = sc->sw[k].cfg;
        for (size_t k = 0; k < nlog; k++)
            if (log[k].at <= t)
                got = log[k].cfg;
        if (got.policy != want.policy || got.admission != want.admission ||
            got.information != want.information)
            case_fail("kvs_engine_switches replays to %s/%s/%s at %lld, but %s/%s/%s was set",
                      kvs_policy_name(got.policy), kvs_admission_name(got.admission),
                      kvs_information_name(got.information), (long long)t,
                      kvs_policy_name(want.policy), kvs_admission_name(want.admission),
                      kvs_information_name(want.information));
    }
}

/* Two engines must agree on every field (determinism; clones). */
static void compare_engines(const kvs_engine *a, const kvs_engine *b, const char *who)
{
    eq(kvs_engine_now(a), kvs_engine_now(b), "%s: now", who);
    eq(kvs_engine_memory(a), kvs_engine_memory(b), "%s: memory", who);
    size_t n = kvs_engine_request_count(a);
    eq((int64_t)kvs_engine_request_count(b), (int64_t)n, "%s: request count", who);
    for (size_t i = 0; i < n; i++) {
        kvs_req_info x, y;
        kvs_engine_request(a, i, &x);
        kvs_engine_request(b, i, &y);
        eq(x.state, y.state, "%s r%zu state", who, i);
        eq(x.start, y.start, "%s r%zu start", who, i);
        eq(x.admitted, y.admitted, "%s r%zu admitted", who, i);
        eq(x.finish, y.finish, "%s r%zu finish", who, i);
        eq(x.generated, y.generated, "%s r%zu generated", who, i);
        eq(x.tokens, y.tokens, "%s r%zu tokens", who, i);
        eq(x.residency_prompt, y.residency_prompt, "%s r%zu residency_prompt", who, i);
        eq(x.estimate, y.estimate, "%s r%zu estimate", who, i);
        eq(x.evictions, y.evictions, "%s r%zu evictions", who, i);
    }
    kvs_summary s, t;
    kvs_engine_summary(a, &s);
    kvs_engine_summary(b, &t);
    compare_summary(&s, &t, who);
    if (memcmp(&s.mean_memory_utilization, &t.mean_memory_utilization, sizeof(double)) != 0 ||
        memcmp(&s.mean_latency, &t.mean_latency, sizeof(double)) != 0 ||
        memcmp(&s.mean_ttft, &t.mean_ttft, sizeof(double)) != 0)
        case_fail("%s: summary doubles differ in their bits", who);
}

/* ---- one scenario, five drivers ---- */

static void run_case(uint64_t seed, int family)
{
    g_seed = seed;
    scenario sc;
    g_workload = NULL;
    generate(&sc, seed, family);
    g_workload = &sc.w;
    int64_t cap = sc.bound + 2;

    /* 1. stepped, in lockstep with the reference */
    ref_sim r;
    ref_sim_init(&r, &sc.w, sc.cfg);
    kvs_engine *e = engine_new(&sc);
    kvs_engine *clone = NULL;
    int64_t *prev_finish = ref_xcalloc(sc.w.count, sizeof(int64_t));
    for (size_t i = 0; i < sc.w.count; i++)
        prev_finish[i] = -1;
    int64_t volume_done = 0, peak = 0;
    compare_state(e, &r, 0, 0, "step");
    while (!ref_sim_done(&r)) {
        int64_t t = r.now;
        if (t > cap)
            case_fail("reference still running at %lld", (long long)t);
        if (kvs_engine_done(e))
            case_fail("engine done at %lld, reference is not", (long long)t);
        if (t == sc.clone_at) {
            clone = kvs_engine_clone(e);
            if (!clone)
                case_fail("kvs_engine_clone returned NULL");
        }
        /* The full comparison is O(n^2); through long idle stretches (nothing running or waiting)
         * only now and memory are compared, plus every 97th step. */
        bool busy = false;
        for (size_t i = 0; i < sc.w.count && !busy; i++)
            busy = r.req[i].state == KVS_REQ_RUNNING || r.req[i].state == KVS_REQ_WAITING ||
                   r.w->requests[i].arrival == t;
        bool full = busy || t % 97 == 0;
        bool switching = false;
        for (size_t s = 0; s < sc.nsw; s++)
            switching |= sc.sw[s].at == t;
        apply_switches(e, &r, &sc, t);
        if (switching)
            compare_state(e, &r, volume_done, peak, "step (after set_config)");
        kvs_engine_step(e);
        ref_sim_step(&r);
        volume_done += r.memory[r.now];
        peak = ref_max64(peak, r.memory[r.now]);
        full |= busy;
        for (size_t i = 0; i < sc.w.count && !full; i++)
            full = r.req[i].state == KVS_REQ_RUNNING || r.req[i].state == KVS_REQ_WAITING;
        if (kvs_engine_memory(e) > sc.w.memory)
            case_fail("memory of step %lld is %lld > M", (long long)(t + 1),
                      (long long)kvs_engine_memory(e));
        eq(kvs_engine_now(e), r.now, "step: now");
        eq(kvs_engine_memory(e), r.memory[r.now], "step: memory of step %lld", (long long)r.now);
        if (full)
            compare_state(e, &r, volume_done, peak, "step");
        kvs_block b;
        kvs_engine_block(e, &b);
        const kvs_block *x = &r.blocks[t];
        eq(b.kind, x->kind, "step: block kind at decision point %lld", (long long)t);
        if (x->kind != KVS_BLOCK_NONE) {
            eq(b.req, x->req, "step: blocked request at %lld", (long long)t);
            eq(b.decided_at, t, "step: block decided_at at %lld", (long long)t);
            eq(b.at_step, x->at_step, "step: block at_step at %lld", (long long)t);
            eq(b.tokens, x->tokens, "step: block tokens at %lld", (long long)t);
            eq(b.memory_budget, sc.w.memory, "step: block memory_budget");
        }
        for (size_t i = 0; i < sc.w.count; i++) {
            kvs_req_info info;
            kvs_engine_request(e, i, &info);
            if (prev_finish[i] >= 0 && info.finish != prev_finish[i])
                case_fail("r%zu finished twice (%lld, then %lld)", i, (long long)prev_finish[i],
                          (long long)info.finish);
            prev_finish[i] = info.finish;
        }
    }
    free(prev_finish);
    compare_final(e, &r, "step");
    check_invariants(e, &sc, r.memory, r.now);
    kvs_engine_step(e); /* a no-op when done */
    eq(kvs_engine_now(e), r.now, "step after done is a no-op");

    /* 2. the clone taken at clone_at, stepped to the end on its own */
    if (clone) {
        while (!kvs_engine_done(clone)) {
            int64_t t = kvs_engine_now(clone);
            if (t >= r.now)
                case_fail("clone still running at %lld, after the makespan", (long long)t);
            apply_switches(clone, NULL, &sc, t);
            kvs_engine_step(clone);
            eq(kvs_engine_memory(clone), r.memory[t + 1], "clone: memory of step %lld",
               (long long)(t + 1));
        }
        compare_final(clone, &r, "clone");
        compare_engines(clone, e, "clone vs original");
        kvs_engine_free(clone);
    }

    /* 3. advance_to each switch, then run (fast path) */
    kvs_engine *f = engine_new(&sc);
    for (size_t s = 0; s < sc.nsw; s++) {
        kvs_engine_advance_to(f, sc.sw[s].at);
        if (kvs_engine_now(f) == sc.sw[s].at) {
            if (kvs_engine_set_config(f, sc.sw[s].cfg) != 0)
                case_fail("run: set_config refused a valid config");
        } else if (!kvs_engine_done(f)) {
            case_fail("run: advance_to(%lld) stopped at %lld before done",
                      (long long)sc.sw[s].at, (long long)kvs_engine_now(f));
        }
    }
    kvs_engine_run(f);
    compare_final(f, &r, "run");

    /* 4. advance_to in random chunks, checked at every stop */
    kvs_rng cg;
    kvs_rng_seed(&cg, sc.chunk_seed, 1001);
    kvs_engine *h = engine_new(&sc);
    ref_sim r2; /* a second reference, stepped up to wherever h stops */
    ref_sim_init(&r2, &sc.w, sc.cfg);
    int64_t volume2 = 0, peak2 = 0;
    size_t next_sw = 0;
    while (!kvs_engine_done(h)) {
        int64_t t = kvs_engine_now(h);
        while (next_sw < sc.nsw && sc.sw[next_sw].at == t) {
            kvs_engine_set_config(h, sc.sw[next_sw].cfg);
            ref_sim_set_config(&r2, sc.sw[next_sw++].cfg);
        }
        int64_t target = t + (chance(&cg, 0.1) ? rnd(&cg, 50, 50000) : rnd(&cg, 0, 12));
        if (next_sw < sc.nsw && sc.sw[next_sw].at < target)
            target = sc.sw[next_sw].at;
        kvs_engine_advance_to(h, target);
        int64_t now = kvs_engine_now(h);
        if (now != target && !kvs_engine_done(h))
            case_fail("chunks: advance_to(%lld) from %lld stopped at %lld", (long long)target,
                      (long long)t, (long long)now);
        if (now > r.now)
            case_fail("chunks: advanced past the makespan to %lld", (long long)now);
        eq(kvs_engine_memory(h), r.memory[now], "chunks: memory of step %lld", (long long)now);
        while (r2.now < now) { /* no switch lies strictly inside (t, now) */
            ref_sim_step(&r2);
            volume2 += r2.memory[r2.now];
            peak2 = ref_max64(peak2, r2.memory[r2.now]);
        }
        compare_state(h, &r2, volume2, peak2, "chunks (after advance_to)");
        if (now > 0) {
            kvs_block b;
            kvs_engine_block(h, &b);
            const kvs_block *x = &r2.blocks[now - 1];
            eq(b.kind, x->kind, "chunks: advance_to(%lld) from %lld: block kind at decision point "
               "%lld", (long long)target, (long long)t, (long long)(now - 1));
            if (x->kind != KVS_BLOCK_NONE) {
                eq(b.req, x->req, "chunks: blocked request at %lld", (long long)(now - 1));
                eq(b.decided_at, now - 1, "chunks: block decided_at");
                eq(b.at_step, x->at_step, "chunks: block at_step at %lld", (long long)(now - 1));
                eq(b.tokens, x->tokens, "chunks: block tokens at %lld", (long long)(now - 1));
            }
        }
        if (next_sw >= sc.nsw && t > cap)
            case_fail("chunks: not done at %lld", (long long)t);
    }
    compare_final(h, &r, "chunks");
    ref_sim_free(&r2);

    /* 5. determinism: a second engine from the same workload, run the same way */
    kvs_engine *d = engine_new(&sc);
    for (size_t s = 0; s < sc.nsw; s++) {
        kvs_engine_advance_to(d, sc.sw[s].at);
        if (kvs_engine_now(d) == sc.sw[s].at)
            kvs_engine_set_config(d, sc.sw[s].cfg);
    }
    kvs_engine_run(d);
    compare_engines(d, f, "determinism (two run engines)");
    compare_engines(d, e, "determinism (run vs stepped)");

    kvs_engine_free(d);
    kvs_engine_free(h);
    kvs_engine_free(f);
    kvs_engine_free(e);
    ref_sim_free(&r);
}

static uint64_t case_seed(int i) { return 0x6b7673636f7065ull + (uint64_t)i * 7919u; }

/* Of every ten cases: six general (family 0), then s+o = M, tiny M, long gaps, general. */
static int case_family(int i)
{
    static const int families[10] = {0, 0, 0, 0, 0, 0, 1, 2, 3, 0};
    if (i % 200 == 199)
        return 4;
    return families[i % 10];
}

static void test_random_scenarios(void **state)
{
    (void)state;
    const char *only = getenv("KVS_SEED");
    if (only && *only) {
        uint64_t seed = strtoull(only, NULL, 0);
        int family = 0;
        for (int i = 0; i < CASES; i++)
            if (case_seed(i) == seed)
                family = case_family(i);
        run_case(seed, family);
        return;
    }
    for (int i = 0; i < CASES; i++)
        run_case(case_seed(i), case_family(i));
}

/* The generator's edge cases are really produced (so the suite does not silently stop covering
 * them): prompt 0, output 1, s+o = M, M = 1, every information mode, switches, evictions. */
static void test_coverage_of_the_random_cases(void **state)
{
    (void)state;
    int prompt0 = 0, output1 = 0, full = 0, m1 = 0, info[KVS_INFORMATION_COUNT] = {0}, sw = 0,
        evicting = 0, pred_given = 0, flips = 0;
    for (int i = 0; i < CASES; i++) {
        scenario sc;
        g_seed = case_seed(i);
        generate(&sc, case_seed(i), case_family(i));
        for (size_t k = 0; k < sc.w.count; k++) {
            prompt0 += sc.reqs[k].prompt == 0;
            output1 += sc.reqs[k].output == 1;
            full += sc.reqs[k].prompt + sc.reqs[k].output == sc.w.memory;
            pred_given += sc.reqs[k].predicted > 0;
        }
        m1 += sc.w.memory == 1;
        info[sc.cfg.information]++;
        sw += sc.nsw > 0;
        flips += sc.w.info.flip_probability > 0 && sc.cfg.information == KVS_INFO_ONEBIT;
        ref_sim r;
        ref_run(&r, &sc.w, sc.cfg, sc.sw, sc.nsw, sc.bound + 2);
        evicting += r.evictions > 0;
        ref_sim_free(&r);
    }
    assert_true(prompt0 > 100);
    assert_true(output1 > 100);
    assert_true(full > 100);
    assert_true(m1 > 5);
    for (int k = 0; k < KVS_INFORMATION_COUNT; k++)
        assert_true(info[k] > 50);
    assert_true(sw > 200);
    assert_true(evicting > 50);
    assert_true(pred_given > 100);
    assert_true(flips > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_scenarios),
        cmocka_unit_test(test_coverage_of_the_random_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
