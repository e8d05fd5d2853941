/* opt.c: the exact hindsight optimum by best-first (A*) search over the states of a schedule
 * (kvscope/opt.h; the search space and the pruning rules are argued in docs/OPTIMUM.md).
 *
 * A state is (t, g): the decision point t and the tokens g_i each request has produced. A move
 * picks the set of requests that run in step t+1 (or, when nothing has arrived and not finished,
 * jumps to the next arrival) and costs the number of requests in the system during that step, so
 * that a path's cost is Σ (c_i − a_i). The heuristic is kvs_bound_completion_sum on what is left,
 * a lower bound, so the first goal taken from the queue is optimal.
 * Reductions, all exact:
 *  - identical requests (same a, s, o) are interchangeable: their g are kept sorted (one state for
 *    all permutations) and a move picks, among identical ones with equal g, a prefix;
 *  - after the last arrival the future does not depend on t: states differing only in t merge;
 *  - a request one token from done that fits beside the chosen set is always run (moving its last
 *    step earlier frees memory later and lowers its latency);
 *  - without preemption, a move is refused when the requests it leaves running would exceed M at
 *    a later step on their own (later admissions can only add memory). */
#include "kvscope/opt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope/bound.h"

#define N_MAX KVS_OPT_MAX_REQUESTS
#define NONE UINT32_MAX

typedef struct {
    int64_t t, cost, f;
    uint64_t code;   /* canonical g, mixed radix */
    uint32_t parent;
    uint16_t mask;   /* slots (parent's order) that ran in step parent.t + 1 */
} node;

typedef struct {
    /* the instance, in slot order (sorted by a, s, o: identical requests are neighbours) */
    size_t n;
    int64_t M;
    kvs_opt_mode mode;
    int64_t a[N_MAX], s[N_MAX], o[N_MAX];
    size_t phys[N_MAX];  /* slot -> input index */
    size_t group[N_MAX]; /* first slot of the slot's group of identical requests */
    uint64_t mult[N_MAX];
    int64_t last_arrival;
    /* search */
    node *nodes;
    uint32_t nnodes, cap_nodes;
    uint64_t max_nodes;
    uint32_t *table; /* open addressing: node index + 1, 0 = empty */
    size_t table_cap;
    uint32_t *heap;
    size_t heap_n;
    bool oom, over_budget;
} search;

/* ---------------------------------------------------------------- states */

static uint64_t encode(const search *S, const int64_t *g)
{
    uint64_t c = 0;
    for (size_t i = 0; i < S->n; i++)
        c += (uint64_t)g[i] * S->mult[i];
    return c;
}

static void decode(const search *S, uint64_t c, int64_t *g)
{
    for (size_t i = S->n; i-- > 0;) {
        g[i] = (int64_t)(c / S->mult[i]);
        c %= S->mult[i];
    }
}

/* Sort g descending inside each group of identical requests, carrying perm along (if not NULL). */
static void canonical(const search *S, int64_t *g, size_t *perm)
{
    for (size_t i = 1; i < S->n; i++) {
        size_t j = i;
        while (j > S->group[i] && g[j - 1] < g[j]) {
            int64_t tg = g[j];
            g[j] = g[j - 1];
            g[j - 1] = tg;
            if (perm) {
                size_t tp = perm[j];
                perm[j] = perm[j - 1];
                perm[j - 1] = tp;
            }
            j--;
        }
    }
}

static int64_t time_key(const search *S, int64_t t)
{
    return t < S->last_arrival ? t : S->last_arrival;
}

static size_t hash_of(int64_t tk, uint64_t code)
{
    uint64_t h = (uint64_t)tk * 0x9E3779B97F4A7C15u ^ (code + 0x632BE59BD9B4E019u);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= h >> 29;
    return (size_t)h;
}

/* The slot of the table for (tk, code): the one holding it, or the empty one to put it in. */
static size_t table_find(const search *S, int64_t tk, uint64_t code)
{
    size_t mask = S->table_cap - 1;
    size_t i = hash_of(tk, code) & mask;
    for (;;) {
        uint32_t e = S->table[i];
        if (e == 0)
            return i;
        const node *nd = &S->nodes[e - 1];
        if (nd->code == code && time_key(S, nd->t) == tk)
            return i;
        i = (i + 1) & mask;
    }
}

static bool table_grow(search *S)
{
    size_t cap = S->table_cap ? S->table_cap * 2 : 1024;
    uint32_t *old = S->table;
    size_t old_cap = S->table_cap;
    S->table = calloc(cap, sizeof *S->table);
    if (!S->table) {
        S->table = old;
        return false;
    }
    S->table_cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        uint32_t e = old[i];
        if (e) {
            const node *nd = &S->nodes[e - 1];
            S->table[table_find(S, time_key(S, nd->t), nd->code)] = e;
        }
    }
    free(old);
    return true;
}

/* ---------------------------------------------------------------- the open list */

static bool heap_less(const search *S, uint32_t x, uint32_t y)
{
    const node *a = &S->nodes[x], *b = &S->nodes[y];
    if (a->f != b->f)
        return a->f < b->f;
    if (a->cost != b->cost)
        return a->cost > b->cost; /* deeper first: reaches a goal sooner */
    return x < y;
}

static void heap_push(search *S, uint32_t idx)
{
    size_t i = S->heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(S, idx, S->heap[p]))
            break;
        S->heap[i] = S->heap[p];
        i = p;
    }
    S->heap[i] = idx;
}

static uint32_t heap_pop(search *S)
{
    uint32_t top = S->heap[0];
    uint32_t last = S->heap[--S->heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= S->heap_n)
            break;
        if (c + 1 < S->heap_n && heap_less(S, S->heap[c + 1], S->heap[c]))
            c++;
        if (!heap_less(S, S->heap[c], last))
            break;
        S->heap[i] = S->heap[c];
        i = c;
    }
    if (S->heap_n > 0)
        S->heap[i] = last;
    return top;
}

/* ---------------------------------------------------------------- bound on what is left */

static int64_t remaining_bound(const search *S, int64_t t, const int64_t *g)
{
    kvs_bound_job jobs[N_MAX];
    size_t k = 0;
    int64_t releases = 0;
    for (size_t i = 0; i < S->n; i++) {
        if (g[i] >= S->o[i])
            continue;
        int64_t rel = S->a[i] > t ? S->a[i] : t;
        jobs[k].release = rel;
        jobs[k].volume = kvs_volume(S->s[i] + g[i], S->o[i] - g[i]);
        jobs[k].min_finish = rel + S->o[i] - g[i];
        releases += rel;
        k++;
    }
    if (k == 0)
        return 0;
    return kvs_bound_completion_sum(jobs, k, S->M) - releases;
}

/* Store the successor (t, g) reached from `parent` by `mask` at `cost`, unless a state with the
 * same key is already known at a cost as low. */
static void offer(search *S, uint32_t parent, int64_t t, int64_t *g, uint16_t mask, int64_t cost)
{
    canonical(S, g, NULL);
    uint64_t code = encode(S, g);
    int64_t tk = time_key(S, t);
    size_t slot = table_find(S, tk, code);
    uint32_t e = S->table[slot];
    if (e && S->nodes[e - 1].cost <= cost)
        return;
    if (S->nnodes >= S->max_nodes) {
        S->over_budget = true;
        return;
    }
    if (S->nnodes == S->cap_nodes) {
        uint32_t cap = S->cap_nodes ? S->cap_nodes * 2 : 1024;
        node *nn = realloc(S->nodes, (size_t)cap * sizeof *nn);
        uint32_t *nh = realloc(S->heap, (size_t)cap * sizeof *nh);
        if (nh)
            S->heap = nh;
        if (!nn || !nh) {
            if (nn)
                S->nodes = nn;
            S->oom = true;
            return;
        }
        S->nodes = nn;
        S->cap_nodes = cap;
    }
    uint32_t idx = S->nnodes++;
    node *nd = &S->nodes[idx];
    nd->t = t;
    nd->cost = cost;
    nd->code = code;
    nd->parent = parent;
    nd->mask = mask;
    nd->f = cost + remaining_bound(S, t, g);
    S->table[slot] = idx + 1;
    heap_push(S, idx);
    if ((size_t)S->nnodes * 2 > S->table_cap && !table_grow(S))
        S->oom = true;
}

/* Every move out of node idx. */
static void expand(search *S, uint32_t idx)
{
    node nd = S->nodes[idx];
    int64_t g[N_MAX], g2[N_MAX];
    decode(S, nd.code, g);
    size_t n = S->n;
    int64_t t = nd.t;

    size_t active = 0;
    int64_t next_arrival = -1;
    for (size_t i = 0; i < n; i++) {
        if (g[i] >= S->o[i])
            continue;
        if (S->a[i] <= t)
            active++;
        else if (next_arrival < 0 || S->a[i] < next_arrival)
            next_arrival = S->a[i];
    }
    if (active == 0) { /* nothing to run: jump to the next arrival at no cost */
        memcpy(g2, g, sizeof g2);
        offer(S, idx, next_arrival, g2, 0, nd.cost);
        return;
    }

    /* forced (running, without preemption) and optional requests */
    uint16_t forced = 0;
    int64_t mem_forced = 0;
    size_t opt[N_MAX], nopt = 0;
    int prev_same[N_MAX];
    for (size_t i = 0; i < n; i++) {
        if (g[i] >= S->o[i] || S->a[i] > t)
            continue;
        if (S->mode == KVS_OPT_NO_PREEMPTION && g[i] > 0) {
            forced |= (uint16_t)(1u << i);
            mem_forced += S->s[i] + g[i] + 1;
            continue;
        }
        prev_same[nopt] = -1;
        if (nopt > 0) {
            size_t j = opt[nopt - 1];
            if (S->group[j] == S->group[i] && g[j] == g[i])
                prev_same[nopt] = (int)nopt - 1;
        }
        opt[nopt++] = i;
    }
    if (mem_forced > S->M)
        return; /* cannot happen after the lookahead check, kept for safety */

    for (uint32_t sub = 0; sub < (1u << nopt); sub++) {
        bool ok = true;
        int64_t mem = mem_forced;
        uint16_t mask = forced;
        for (size_t k = 0; k < nopt && ok; k++) {
            if (!(sub & (1u << k)))
                continue;
            if (prev_same[k] >= 0 && !(sub & (1u << prev_same[k])))
                ok = false; /* pick a prefix of identical requests */
            size_t i = opt[k];
            mem += S->s[i] + g[i] + 1;
            mask |= (uint16_t)(1u << i);
        }
        if (!ok || mem > S->M)
            continue;
        /* a request one token from done that fits must run */
        for (size_t k = 0; k < nopt && ok; k++) {
            size_t i = opt[k];
            if (!(sub & (1u << k)) && g[i] == S->o[i] - 1 && mem + S->s[i] + S->o[i] <= S->M)
                ok = false;
        }
        if (!ok)
            continue;
        if (S->mode == KVS_OPT_NO_PREEMPTION) {
            /* those left running must fit on their own at every later step */
            for (size_t x = 0; x < n && ok; x++) {
                if (!(mask & (1u << x)))
                    continue;
                int64_t dx = S->o[x] - g[x] - 1;
                if (dx <= 0)
                    continue;
                int64_t sum = 0;
                for (size_t y = 0; y < n; y++) {
                    if (!(mask & (1u << y)))
                        continue;
                    int64_t dy = S->o[y] - g[y] - 1;
                    if (dy >= dx)
                        sum += S->s[y] + g[y] + 1 + dx;
                }
                if (sum > S->M)
                    ok = false;
            }
            if (!ok)
                continue;
        }
        for (size_t i = 0; i < n; i++)
            g2[i] = g[i] + ((mask >> i) & 1u);
        offer(S, idx, t + 1, g2, mask, nd.cost + (int64_t)active);
        if (S->oom || S->over_budget)
            return;
    }
}

/* ---------------------------------------------------------------- the schedule */

static int cmp_segment(const void *x, const void *y)
{
    const kvs_segment *a = x, *b = y;
    if (a->start != b->start)
        return (a->start > b->start) - (a->start < b->start);
    return (a->req > b->req) - (a->req < b->req);
}

static bool rebuild(const search *S, uint32_t goal, kvs_opt_result *out)
{
    size_t len = 0;
    for (uint32_t i = goal; i != NONE; i = S->nodes[i].parent)
        len++;
    uint32_t *path = malloc(len * sizeof *path);
    int64_t total_steps = 0;
    for (size_t k = 0; k < S->n; k++)
        total_steps += S->o[k];
    kvs_segment *seg = malloc((size_t)(total_steps > 0 ? total_steps : 1) * sizeof *seg);
    if (!path || !seg) {
        free(path);
        free(seg);
        return false;
    }
    size_t k = len;
    for (uint32_t i = goal; i != NONE; i = S->nodes[i].parent)
        path[--k] = i;

    int64_t g[N_MAX] = {0}, last_step[N_MAX];
    size_t perm[N_MAX], open_seg[N_MAX], nseg = 0;
    for (size_t i = 0; i < S->n; i++) {
        perm[i] = i;
        last_step[i] = -1;
        open_seg[i] = SIZE_MAX;
    }
    for (size_t p = 1; p < len; p++) {
        const node *par = &S->nodes[path[p - 1]], *ch = &S->nodes[path[p]];
        int64_t u = par->t + 1;
        for (size_t slot = 0; slot < S->n; slot++) {
            if (!((ch->mask >> slot) & 1u))
                continue;
            size_t r = perm[slot]; /* a slot of the original slot order */
            if (last_step[r] == u - 1 && open_seg[r] != SIZE_MAX) {
                seg[open_seg[r]].end = u;
            } else {
                if (open_seg[r] != SIZE_MAX)
                    seg[open_seg[r]].evicted = 1;
                seg[nseg].req = (uint32_t)S->phys[r];
                seg[nseg].evicted = 0;
                seg[nseg].start = u - 1;
                seg[nseg].end = u;
                seg[nseg].prompt = S->s[r] + g[slot];
                open_seg[r] = nseg++;
            }
            last_step[r] = u;
            g[slot]++;
        }
        canonical(S, g, perm);
    }
    free(path);
    qsort(seg, nseg, sizeof *seg, cmp_segment);
    out->segments = seg;
    out->nsegments = nseg;
    for (size_t i = 0; i < S->n; i++) {
        out->start[i] = -1;
        out->finish[i] = -1;
    }
    out->total_latency = 0;
    out->makespan = 0;
    for (size_t i = 0; i < nseg; i++) {
        uint32_t r = seg[i].req;
        if (out->start[r] < 0)
            out->start[r] = seg[i].start;
        if (seg[i].end > out->finish[r])
            out->finish[r] = seg[i].end;
        if (seg[i].end > out->makespan)
            out->makespan = seg[i].end;
    }
    return true;
}

/* ---------------------------------------------------------------- entry points */

static int cmp_slot(const kvs_request *r, size_t x, size_t y)
{
    const kvs_request *p = &r[x], *q = &r[y];
    if (p->arrival != q->arrival)
        return p->arrival < q->arrival ? -1 : 1;
    if (p->prompt != q->prompt)
        return p->prompt < q->prompt ? -1 : 1;
    if (p->output != q->output)
        return p->output < q->output ? -1 : 1;
    return x < y ? -1 : 1;
}

kvs_opt_status kvs_opt_solve(const kvs_workload *w, kvs_opt_mode mode, uint64_t max_nodes,
                             kvs_opt_result *out)
{
    memset(out, 0, sizeof *out);
    out->count = w->count;
    char why[200];
    if (w->count > N_MAX)
        return out->status = KVS_OPT_TOO_MANY;
    if (kvs_workload_validate(w, why, sizeof why) != (size_t)-1)
        return out->status = KVS_OPT_INVALID;

    search S;
    memset(&S, 0, sizeof S);
    S.n = w->count;
    S.M = w->memory;
    S.mode = mode;
    S.max_nodes = max_nodes ? max_nodes : KVS_OPT_DEFAULT_NODES;
    if (S.max_nodes > UINT32_MAX - 2)
        S.max_nodes = UINT32_MAX - 2;
    for (size_t i = 0; i < S.n; i++) {
        size_t j = i;
        while (j > 0 && cmp_slot(w->requests, S.phys[j - 1], i) > 0) {
            S.phys[j] = S.phys[j - 1];
            j--;
        }
        S.phys[j] = i;
    }
    uint64_t mult = 1;
    for (size_t i = 0; i < S.n; i++) {
        const kvs_request *r = &w->requests[S.phys[i]];
        S.a[i] = r->arrival;
        S.s[i] = r->prompt;
        S.o[i] = r->output;
        S.group[i] = i > 0 && S.a[i] == S.a[i - 1] && S.s[i] == S.s[i - 1] && S.o[i] == S.o[i - 1]
                         ? S.group[i - 1]
                         : i;
        S.mult[i] = mult;
        if ((uint64_t)r->output + 1 > (UINT64_MAX >> 2) / mult)
            return out->status = KVS_OPT_TOO_BIG;
        mult *= (uint64_t)r->output + 1;
        if (r->arrival > S.last_arrival)
            S.last_arrival = r->arrival;
    }
    if (S.n == 0)
        return out->status = KVS_OPT_OK;

    kvs_opt_status st = KVS_OPT_OK;
    if (!table_grow(&S)) {
        st = KVS_OPT_NO_MEMORY;
        goto done;
    }
    int64_t g0[N_MAX] = {0};
    offer(&S, NONE, 0, g0, 0, 0);
    uint32_t goal = NONE;
    while (!S.oom && !S.over_budget && S.heap_n > 0) {
        uint32_t idx = heap_pop(&S);
        const node *nd = &S.nodes[idx];
        if (S.table[table_find(&S, time_key(&S, nd->t), nd->code)] != idx + 1)
            continue; /* a cheaper way to the same state was found since */
        out->expanded++;
        int64_t g[N_MAX];
        decode(&S, nd->code, g);
        bool all = true;
        for (size_t i = 0; i < S.n; i++)
            all = all && g[i] >= S.o[i];
        if (all) {
            goal = idx;
            break;
        }
        expand(&S, idx);
    }
    if (S.oom)
        st = KVS_OPT_NO_MEMORY;
    else if (goal == NONE)
        st = KVS_OPT_TOO_BIG; /* budget exceeded (an empty open list cannot happen: running
                                 every request alone from its arrival is always possible) */
    else if (!rebuild(&S, goal, out))
        st = KVS_OPT_NO_MEMORY;
    else
        out->total_latency = S.nodes[goal].cost;
done:
    out->generated = S.nnodes;
    free(S.nodes);
    free(S.table);
    free(S.heap);
    return out->status = st;
}

void kvs_opt_result_free(kvs_opt_result *r)
{
    free(r->segments);
    r->segments = NULL;
    r->nsegments = 0;
}

const char *kvs_opt_status_describe(kvs_opt_status s)
{
    switch (s) {
    case KVS_OPT_OK: return "ok";
    case KVS_OPT_TOO_MANY: return "more than 10 requests (the exact search is for tiny instances)";
    case KVS_OPT_TOO_BIG:
        return "the search exceeded its budget of states (use fewer requests or shorter outputs)";
    case KVS_OPT_NO_MEMORY: return "out of memory";
    case KVS_OPT_INVALID: return "the workload is invalid";
    }
    return "?";
}
