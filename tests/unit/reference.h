/* tests/unit/reference.h: a second, deliberately plain implementation of MODEL.md + docs/ENGINE.md,
 * written without looking at src/core/engine.c, so that the engine's tests can catch misreadings.
 * Every decision point is made literally, phase by phase (MODEL.md §2), in O(n^2); nothing is
 * skipped, cached or incremental. Speed does not matter here, obviousness does.
 *
 * Usage: ref_sim_init() at t = 0, then ref_sim_set_config() (a switch at decision point now) and
 * ref_sim_step() (decision point now + step now+1) until ref_sim_done(); or ref_run() to do it all
 * with a list of switches. Everything is read straight from the ref_sim fields. The engine header
 * is included only for its plain types (kvs_summary, kvs_block, kvs_switch, kvs_req_state).
 * Functions are `static inline` so that a test file using only some of them compiles warning-free. */
#ifndef KVS_TEST_REFERENCE_H
#define KVS_TEST_REFERENCE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope/config.h"
#include "kvscope/engine.h"
#include "kvscope/rng.h"
#include "kvscope/workload.h"

typedef struct {
    kvs_req_state state;
    int64_t done;      /* tokens produced in residencies that ended by eviction (kept: recompute) */
    int64_t admitted;  /* k: the latest admission, -1 before the first */
    uint64_t seq;      /* admission counter: larger = admitted more recently (later in the walk) */
    int64_t start;     /* first admission, -1 before it */
    int64_t finish;    /* c_i, -1 before it */
    int64_t evictions;
    size_t open_segment; /* index into ref_sim.segments of the current residency while running */
} ref_req;

typedef struct {
    const kvs_workload *w;
    size_t n;
    int64_t M;
    kvs_config cfg;
    int64_t now;           /* steps 1..now have run; decision point now not made yet */
    ref_req *req;
    int64_t *base[3];      /* base estimate of the whole output: [exact], [predicted], [onebit] */
    int64_t theta, short_proxy, long_proxy;
    bool *labelled_long;   /* onebit label after the flips */
    uint64_t next_seq;
    int64_t *memory;       /* memory[u] = tokens held during step u, u = 0..now (memory[0] = 0) */
    kvs_block *blocks;     /* blocks[t] = why the walk stopped at decision point t, t < now */
    size_t cap;            /* allocated length of memory[] and blocks[] */
    int64_t evictions;
    kvs_segment *segments; /* one per residency, in admission order (as kvs_engine_segments) */
    size_t segment_count, segment_cap;
} ref_sim;

static inline int64_t ref_max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t ref_min64(int64_t a, int64_t b) { return a < b ? a : b; }

static inline void *ref_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (!p) {
        fprintf(stderr, "reference: out of memory\n");
        abort();
    }
    return p;
}

/* v = s*o + o(o+1)/2, MODEL.md §1, computed as the literal sum of the trapezoid's columns. */
static inline int64_t ref_volume(int64_t s, int64_t o)
{
    int64_t v = 0;
    for (int64_t j = 1; j <= o; j++)
        v += s + j;
    return v;
}

/* Nearest rank: the value of rank ceil(p*n/100) in sorted[0..n). */
static inline int64_t ref_percentile(const int64_t *sorted, size_t n, int p)
{
    if (n == 0)
        return 0;
    size_t rank = ((size_t)p * n + 99) / 100;
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static inline void ref_sort64(int64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && a[j - 1] > a[j]; j--) {
            int64_t x = a[j];
            a[j] = a[j - 1];
            a[j - 1] = x;
        }
}

/* round(sum / count) with halves rounded up, for sum >= 0, count >= 1. */
static inline int64_t ref_div_round_half_up(int64_t sum, int64_t count)
{
    return (2 * sum + count) / (2 * count);
}

/* ---- base estimates (docs/ENGINE.md "Estimates" and "Randomness") ---- */

static inline void ref_draw_estimates(ref_sim *r)
{
    const kvs_workload *w = r->w;
    size_t n = r->n;
    for (int m = 0; m < 3; m++)
        r->base[m] = ref_xcalloc(n, sizeof(int64_t));
    r->labelled_long = ref_xcalloc(n, sizeof(bool));

    /* exact */
    for (size_t i = 0; i < n; i++)
        r->base[KVS_INFO_EXACT][i] = w->requests[i].output;

    /* predicted: stream 1, one normal per request in input order, even when predicted is given */
    kvs_rng rng;
    kvs_rng_seed(&rng, w->seed, 1);
    for (size_t i = 0; i < n; i++) {
        double z = kvs_rng_normal(&rng);
        double x = (double)w->requests[i].output * exp(w->info.sigma * z);
        if (x > (double)r->M)
            x = (double)r->M;
        int64_t b = (int64_t)llround(x);
        if (b < 1)
            b = 1;
        if (w->requests[i].predicted > 0)
            b = w->requests[i].predicted;
        r->base[KVS_INFO_PREDICTED][i] = b;
    }

    /* onebit: theta = lower median unless given; proxies = class means (true classes) unless given */
    if (w->info.theta >= 0) {
        r->theta = w->info.theta;
    } else {
        int64_t *outs = ref_xcalloc(n, sizeof(int64_t));
        for (size_t i = 0; i < n; i++)
            outs[i] = w->requests[i].output;
        ref_sort64(outs, n);
        r->theta = n ? outs[(n - 1) / 2] : 1;
        free(outs);
    }
    int64_t short_sum = 0, short_count = 0, long_sum = 0, long_count = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t o = w->requests[i].output;
        if (o <= r->theta) {
            short_sum += o;
            short_count++;
        } else {
            long_sum += o;
            long_count++;
        }
    }
    if (w->info.short_estimate > 0)
        r->short_proxy = w->info.short_estimate;
    else if (short_count > 0)
        r->short_proxy = ref_div_round_half_up(short_sum, short_count);
    else
        r->short_proxy = ref_max64(1, r->theta);
    if (w->info.long_estimate > 0)
        r->long_proxy = w->info.long_estimate;
    else if (long_count > 0)
        r->long_proxy = ref_div_round_half_up(long_sum, long_count);
    else
        r->long_proxy = r->theta + 1;

    kvs_rng_seed(&rng, w->seed, 2);
    for (size_t i = 0; i < n; i++) {
        double u = kvs_rng_uniform(&rng);
        bool is_long = w->requests[i].output > r->theta;
        if (u < w->info.flip_probability)
            is_long = !is_long;
        r->labelled_long[i] = is_long;
        r->base[KVS_INFO_ONEBIT][i] = is_long ? r->long_proxy : r->short_proxy;
    }
}

/* ---- per-request quantities ---- */

/* s' = s_i + tokens produced before the latest admission. */
static inline int64_t ref_residency_prompt(const ref_sim *r, size_t i)
{
    return r->w->requests[i].prompt + r->req[i].done;
}

/* Remaining true output: the current (or next) residency lasts this many steps. */
static inline int64_t ref_remaining(const ref_sim *r, size_t i)
{
    return r->w->requests[i].output - r->req[i].done;
}

/* õ = min(max(1, base - done), M - s'), from the base of the *current* information mode;
 * -1 under `none`. */
static inline int64_t ref_residency_estimate(const ref_sim *r, size_t i)
{
    if (r->cfg.information == KVS_INFO_NONE)
        return -1;
    int64_t e = ref_max64(1, r->base[r->cfg.information][i] - r->req[i].done);
    return ref_min64(e, r->M - ref_residency_prompt(r, i));
}

/* While running at decision point t with g = t - k tokens produced in this residency: max(õ, g+1). */
static inline int64_t ref_running_estimate(const ref_sim *r, size_t i, int64_t t)
{
    int64_t g = t - r->req[i].admitted;
    return ref_max64(ref_residency_estimate(r, i), g + 1);
}

/* Tokens held during step u by running request i (admitted at k): s' + (u - k). */
static inline int64_t ref_tokens_at(const ref_sim *r, size_t i, int64_t u)
{
    return ref_residency_prompt(r, i) + (u - r->req[i].admitted);
}

/* The policy's key of a waiting request (current residency). */
static inline int64_t ref_key(const ref_sim *r, size_t i)
{
    int64_t s = ref_residency_prompt(r, i);
    int64_t o = ref_residency_estimate(r, i);
    switch (r->cfg.policy) {
    case KVS_POLICY_FCFS: return r->w->requests[i].arrival;
    case KVS_POLICY_SJF: return o;
    case KVS_POLICY_SVF: return s * o + o * (o + 1) / 2;
    case KVS_POLICY_SPF: return s;
    case KVS_POLICY_PLUGIN: break; /* the reference knows only the built-in policies */
    }
    return 0;
}

/* (key, arrival, input position) ascending. */
static inline bool ref_before(const ref_sim *r, size_t a, size_t b)
{
    int64_t ka = ref_key(r, a), kb = ref_key(r, b);
    if (ka != kb)
        return ka < kb;
    int64_t aa = r->w->requests[a].arrival, ab = r->w->requests[b].arrival;
    if (aa != ab)
        return aa < ab;
    return a < b;
}

/* The waiting requests in the policy's order (insertion sort by (key, arrival, position)) into
 * queue[0..n); returns how many. */
static inline size_t ref_queue_order(const ref_sim *r, size_t *queue)
{
    size_t qlen = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->req[i].state == KVS_REQ_WAITING)
            queue[qlen++] = i;
    for (size_t a = 1; a < qlen; a++)
        for (size_t b = a; b > 0 && ref_before(r, queue[b], queue[b - 1]); b--) {
            size_t x = queue[b];
            queue[b] = queue[b - 1];
            queue[b - 1] = x;
        }
    return qlen;
}

/* Memory of step t+1 if nothing changes: every running request's s' + (t+1 - k). */
static inline int64_t ref_next_step_memory(const ref_sim *r)
{
    int64_t m = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->req[i].state == KVS_REQ_RUNNING)
            m += ref_tokens_at(r, i, r->now + 1);
    return m;
}

/* MODEL.md §5 lookahead for candidate j at t = now: the running set (which already contains the
 * requests admitted earlier in this walk) plus j, checked at every estimated completion point.
 * On failure, *at and *tokens get the smallest failing point and the memory there. */
static inline bool ref_lookahead_fits(const ref_sim *r, size_t j, int64_t *at, int64_t *tokens)
{
    int64_t t = r->now;
    size_t n = r->n;
    /* e[x] = estimated completion of x, or -1 when x is not in R ∪ U ∪ {j} */
    int64_t *e = ref_xcalloc(n, sizeof(int64_t));
    int64_t *k = ref_xcalloc(n, sizeof(int64_t));
    for (size_t x = 0; x < n; x++) {
        e[x] = -1;
        if (r->req[x].state == KVS_REQ_RUNNING) {
            k[x] = r->req[x].admitted;
            e[x] = k[x] + ref_running_estimate(r, x, t);
        }
    }
    k[j] = t;
    e[j] = t + ref_residency_estimate(r, j);
    bool fits = true;
    int64_t first_u = 0, first_mem = 0;
    for (size_t p = 0; p < n; p++) {
        if (e[p] < 0)
            continue;
        int64_t u = e[p];
        int64_t mem = 0;
        for (size_t y = 0; y < n; y++)
            if (e[y] >= 0 && k[y] < u && u <= e[y])
                mem += ref_residency_prompt(r, y) + (u - k[y]);
        if (mem > r->M && (fits || u < first_u)) {
            fits = false;
            first_u = u;
            first_mem = mem;
        }
    }
    free(e);
    free(k);
    *at = first_u;
    *tokens = first_mem;
    return fits;
}

/* MODEL.md §5 current: the memory of step t+1 including j's s'_j + 1 must be <= M. */
static inline bool ref_current_fits(const ref_sim *r, size_t j, int64_t *at, int64_t *tokens)
{
    int64_t mem = ref_next_step_memory(r) + ref_residency_prompt(r, j) + 1;
    *at = r->now + 1;
    *tokens = mem;
    return mem <= r->M;
}

/* ---- lifecycle ---- */

static inline void ref_grow(ref_sim *r, size_t need)
{
    if (need < r->cap)
        return;
    size_t cap = r->cap ? r->cap : 64;
    while (cap <= need)
        cap *= 2;
    int64_t *m = realloc(r->memory, cap * sizeof *m);
    kvs_block *b = realloc(r->blocks, cap * sizeof *b);
    if (!m || !b) {
        fprintf(stderr, "reference: out of memory\n");
        abort();
    }
    memset(m + r->cap, 0, (cap - r->cap) * sizeof *m);
    memset(b + r->cap, 0, (cap - r->cap) * sizeof *b);
    r->memory = m;
    r->blocks = b;
    r->cap = cap;
}

static inline void ref_open_segment(ref_sim *r, size_t i)
{
    if (r->segment_count == r->segment_cap) {
        size_t cap = r->segment_cap ? 2 * r->segment_cap : 16;
        kvs_segment *s = realloc(r->segments, cap * sizeof *s);
        if (!s) {
            fprintf(stderr, "reference: out of memory\n");
            abort();
        }
        r->segments = s;
        r->segment_cap = cap;
    }
    kvs_segment *g = &r->segments[r->segment_count];
    memset(g, 0, sizeof *g);
    g->req = (uint32_t)i;
    g->evicted = 0;
    g->start = r->now;
    g->end = KVS_OPEN;
    g->prompt = ref_residency_prompt(r, i);
    r->req[i].open_segment = r->segment_count++;
}

/* Phase 1 of decision point now: requests with c_i = now complete. It is also called right after
 * a step so that the state "at t" reports them done, like the engine (docs/ENGINE.md "Clock");
 * calling it twice is harmless. */
static inline void ref_complete(ref_sim *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->req[i].state == KVS_REQ_RUNNING &&
            r->req[i].admitted + ref_remaining(r, i) == r->now) {
            r->req[i].state = KVS_REQ_DONE;
            r->req[i].finish = r->now;
            r->segments[r->req[i].open_segment].end = r->now;
        }
}

static inline void ref_sim_init(ref_sim *r, const kvs_workload *w, kvs_config cfg)
{
    memset(r, 0, sizeof *r);
    r->w = w;
    r->n = w->count;
    r->M = w->memory;
    r->cfg = cfg;
    r->req = ref_xcalloc(r->n, sizeof(ref_req));
    for (size_t i = 0; i < r->n; i++) {
        r->req[i].state = KVS_REQ_PENDING;
        r->req[i].admitted = r->req[i].start = r->req[i].finish = -1;
    }
    ref_draw_estimates(r);
    ref_grow(r, 1);
    r->memory[0] = 0;
}

static inline void ref_sim_free(ref_sim *r)
{
    free(r->req);
    for (int m = 0; m < 3; m++)
        free(r->base[m]);
    free(r->labelled_long);
    free(r->memory);
    free(r->blocks);
    free(r->segments);
    memset(r, 0, sizeof *r);
}

/* A switch made now applies from decision point now on (docs/ENGINE.md "Clock"). Nothing else
 * changes: estimates are always derived from the current mode's base, so an information switch
 * re-derives them by construction. */
static inline void ref_sim_set_config(ref_sim *r, kvs_config cfg)
{
    r->cfg = cfg;
}

static inline bool ref_sim_done(const ref_sim *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->req[i].state != KVS_REQ_DONE)
            return false;
    return true;
}

/* Decision point t = now (phases 1-5), then step t+1. No-op when done. */
static inline void ref_sim_step(ref_sim *r)
{
    if (ref_sim_done(r))
        return;
    int64_t t = r->now;
    size_t n = r->n;
    ref_grow(r, (size_t)t + 2);

    /* 1. completions */
    ref_complete(r);

    /* 2. arrivals */
    for (size_t i = 0; i < n; i++)
        if (r->req[i].state == KVS_REQ_PENDING && r->w->requests[i].arrival == t)
            r->req[i].state = KVS_REQ_WAITING;

    /* 3. order the waiting queue */
    size_t *queue = ref_xcalloc(n, sizeof(size_t));
    size_t qlen = ref_queue_order(r, queue);

    /* 4. head-of-line admission */
    kvs_block blk;
    memset(&blk, 0, sizeof blk);
    blk.kind = KVS_BLOCK_NONE;
    blk.decided_at = t;
    blk.memory_budget = r->M;
    for (size_t q = 0; q < qlen; q++) {
        size_t j = queue[q];
        int64_t at = 0, tokens = 0;
        bool fits = r->cfg.admission == KVS_ADMIT_LOOKAHEAD ? ref_lookahead_fits(r, j, &at, &tokens)
                                                             : ref_current_fits(r, j, &at, &tokens);
        if (!fits) {
            blk.kind = r->cfg.admission == KVS_ADMIT_LOOKAHEAD ? KVS_BLOCK_LOOKAHEAD
                                                               : KVS_BLOCK_CURRENT;
            blk.req = (uint32_t)j;
            blk.at_step = at;
            blk.tokens = tokens;
            break;
        }
        r->req[j].state = KVS_REQ_RUNNING;
        ref_open_segment(r, j);
        r->req[j].admitted = t;
        r->req[j].seq = ++r->next_seq;
        if (r->req[j].start < 0)
            r->req[j].start = t;
    }
    free(queue);
    r->blocks[t] = blk;

    /* 5. overflow: evict the most recently admitted until step t+1 fits; recompute semantics */
    while (ref_next_step_memory(r) > r->M) {
        size_t victim = n;
        for (size_t i = 0; i < n; i++)
            if (r->req[i].state == KVS_REQ_RUNNING &&
                (victim == n || r->req[i].seq > r->req[victim].seq))
                victim = i;
        ref_req *v = &r->req[victim];
        r->segments[v->open_segment].end = t; /* it held memory up to step t */
        r->segments[v->open_segment].evicted = 1;
        v->done += t - v->admitted; /* g tokens of this residency are kept */
        v->state = KVS_REQ_WAITING;
        v->evictions++;
        r->evictions++;
    }

    /* 6. step t+1 */
    r->now = t + 1;
    int64_t mem = 0;
    for (size_t i = 0; i < n; i++)
        if (r->req[i].state == KVS_REQ_RUNNING)
            mem += ref_tokens_at(r, i, r->now);
    r->memory[r->now] = mem;
    ref_complete(r);
}

/* Output tokens produced so far by request i (all residencies). */
static inline int64_t ref_generated(const ref_sim *r, size_t i)
{
    const ref_req *q = &r->req[i];
    if (q->state == KVS_REQ_DONE)
        return r->w->requests[i].output;
    if (q->state == KVS_REQ_RUNNING)
        return q->done + (r->now - q->admitted);
    return q->done;
}

/* MODEL.md §7 over the requests completed so far (final when done). */
static inline void ref_summary(const ref_sim *r, kvs_summary *out)
{
    memset(out, 0, sizeof *out);
    out->requests = r->n;
    int64_t *lat = ref_xcalloc(r->n, sizeof(int64_t));
    size_t done = 0, started = 0;
    int64_t ttft_sum = 0;
    for (size_t i = 0; i < r->n; i++) {
        const kvs_request *q = &r->w->requests[i];
        out->total_volume += ref_volume(q->prompt, q->output);
        out->evictions += r->req[i].evictions;
        if (r->req[i].start >= 0) {
            started++;
            ttft_sum += r->req[i].start + 1 - q->arrival;
        }
        if (r->req[i].state == KVS_REQ_DONE) {
            lat[done++] = r->req[i].finish - q->arrival;
            out->total_latency += r->req[i].finish - q->arrival;
            out->makespan = ref_max64(out->makespan, r->req[i].finish);
        }
    }
    out->completed = done;
    ref_sort64(lat, done);
    if (done) {
        out->mean_latency = (double)out->total_latency / (double)done;
        out->p50_latency = ref_percentile(lat, done, 50);
        out->p90_latency = ref_percentile(lat, done, 90);
        out->p99_latency = ref_percentile(lat, done, 99);
        out->max_latency = lat[done - 1];
    }
    if (started)
        out->mean_ttft = (double)ttft_sum / (double)started;
    int64_t area = 0;
    for (int64_t u = 1; u <= r->now; u++) {
        out->peak_memory = ref_max64(out->peak_memory, r->memory[u]);
        if (u <= out->makespan)
            area += r->memory[u];
    }
    if (out->makespan > 0)
        out->mean_memory_utilization = (double)area / ((double)r->M * (double)out->makespan);
    free(lat);
}

/* Run to the end, applying switches[i].cfg at decision point switches[i].at (in list order when
 * several share a point). Gives up (returns -1) after max_steps steps; 0 when done. */
static inline int ref_run(ref_sim *r, const kvs_workload *w, kvs_config cfg, const kvs_switch *sw,
                          size_t nsw, int64_t max_steps)
{
    ref_sim_init(r, w, cfg);
    while (!ref_sim_done(r)) {
        if (r->now >= max_steps)
            return -1;
        for (size_t s = 0; s < nsw; s++)
            if (sw[s].at == r->now)
                ref_sim_set_config(r, sw[s].cfg);
        ref_sim_step(r);
    }
    return 0;
}

#endif
