/* engine.c: the simulation engine of MODEL.md §2. One decision point per step, with a skip over
 * stretches where provably nothing changes; the choices MODEL.md leaves open are in docs/ENGINE.md.
 *
 * Data structures (docs/ENGINE.md, "Performance"):
 *   - waiting queue: 4-ary heap of (policy key, rank in (arrival, index) order), 16 bytes each,
 *     plus a sorted run in the same buffer for requests that arrive in bulk;
 *   - running set: sorted by estimated completion e0 = k + est, in blocks of 32 with the upper
 *     hull of each block's memory points, so the lookahead check skips whole blocks that cannot
 *     fail and stops at the candidate's own completion while the batch is known to fit beyond;
 *   - actual completions: min-heap by completion step (stale entries of evicted residencies are
 *     skipped lazily);
 *   - the batch's memory as an affine function of time: sum(s - k) + t * count;
 *   - 32 bytes of state per request; estimates of an information mode drawn when first used. */
#include "kvscope/engine.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope/rng.h"

#define NEVER INT64_MAX

enum { RNG_STREAM_NOISE = 1, RNG_STREAM_FLIP = 2 };

/* Per request, 32 bytes. The estimated completion of a running request is recomputed when needed
 * (residency_e0), its admission order lives in the running set, its open history segment in
 * seg_of (kept only with history). */
typedef struct {
    int64_t k;         /* latest admission, -1 if never */
    int64_t c;         /* running: completion of this residency; done: the finish c_i */
    uint64_t start_st; /* (first admission + 1) << 2 | kvs_req_state */
    uint32_t done;     /* tokens produced in residencies before the latest admission (< M) */
    uint32_t evictions; /* < o_i: every residency produces at least one token */
} req_state;

static int64_t rs_start(const req_state *rs) { return (int64_t)(rs->start_st >> 2) - 1; }
static unsigned rs_state(const req_state *rs) { return (unsigned)(rs->start_st & 3); }
static void rs_set_state(req_state *rs, unsigned st) { rs->start_st = (rs->start_st & ~(uint64_t)3) | st; }
static void rs_set_start(req_state *rs, int64_t start)
{
    rs->start_st = ((uint64_t)(start + 1) << 2) | (rs->start_st & 3);
}
static int64_t rs_finish(const req_state *rs) { return rs_state(rs) == KVS_REQ_DONE ? rs->c : -1; }

/* A waiting request: its policy key and its rank in (arrival, index) order, which is the
 * tie-break of MODEL.md §2.3 in one number (the request is arrival_index(rank)). 16 bytes. */
typedef struct {
    int64_t key;
    uint32_t rank;
} qent;

/* The running set, sorted by estimated completion e0 (ties in admission order), is a list of
 * blocks of at most RBLK entries. A block keeps, for the lookahead check, its sums and the upper
 * convex hull of its points (e0_i, y_i), y_i being the memory at e0_i of the block's own entries
 * from i up: the memory at e0_i of the whole batch is then ExtA + y_i + e0_i * ExtC, with ExtA
 * and ExtC the sum of (s - k) and the count of everything above the block, so the block's
 * largest memory is a query of its hull for the slope ExtC. */
#define RBLK 32
/* Below this M a block's hull fits int64 arithmetic: y < RBLK * M < 2^31, spans of u < 2M < 2^27. */
#define NARROW_M ((int64_t)1 << 26)
typedef struct {
    uint32_t cnt, hull_n;
    bool dirty;     /* the hull needs rebuilding */
    int64_t sum_b;  /* sum of b over the block */
    int64_t e0[RBLK];  /* estimated completion */
    int64_t b[RBLK];   /* s_r - k: the request holds b + u tokens in step u */
    uint64_t seq[RBLK]; /* admission sequence number (eviction order) */
    uint32_t req[RBLK];
    int64_t hu[RBLK], hy[RBLK]; /* the hull's vertices, by increasing u */
} rblock;

typedef struct {
    int64_t c;
    uint32_t req;
} cent;

struct kvs_engine {
    const kvs_workload *w;
    size_t n;
    int64_t M;
    kvs_config cfg;
    int64_t now;
    bool keep_history;

    /* static, derived once from the workload and seed */
    /* drawn the first time the information mode needs them (NULL until then) */
    int32_t *base_pred;   /* predicted-mode base estimate per request, capped at M (the residency
                           * estimate is capped at M - s' anyway) */
    uint8_t *is_long;     /* onebit class after flips */
    int64_t proxy_short, proxy_long, theta;
    /* request indices sorted by (arrival, index); NULL when the input already is in that order */
    uint32_t *by_arrival;
    uint32_t *rank_of;    /* its inverse (NULL with by_arrival) */
    int64_t max_output;

    /* dynamic */
    req_state *r;
    size_t next_arrival;
    /* The waiting queue: a heap in q[0..q_len) and a sorted run in q[s_head..n) (one buffer of
     * n entries: together they never hold more than n). Requests that arrive in bulk are sorted
     * into the run, the others pushed onto the heap; the head is the smaller of the two heads. */
    qent *q;
    size_t q_len, s_head;
    rblock **rb;     /* the running set's blocks in order */
    size_t rb_len, rb_cap;
    size_t run_len;  /* entries in all blocks */
    cent *ch;
    size_t ch_len, ch_cap;
    int64_t A; /* sum over running of (s_r - k) */
    int64_t C; /* running count */
    /* The head of the queue provably fails the lookahead check at every decision point up to this
     * one, as long as the running set and the queue stay as they are (-1: nothing known). */
    int64_t head_blocked_through;
    /* The head's check failed at the point t+1 (the whole batch): it fails at every later
     * decision point until the batch changes (a completion included). head_blocked_through
     * comes from points after t+1 only and survives completions that were due (e0 <= now):
     * those hold no memory at any later point. */
    bool head_blocked_t1;
    /* The running set's estimated memory is within M at every check point from t+2 on (kept
     * since the last lookahead admission; lost by a `current` admission or a change of
     * estimates). */
    bool run_ok;
    uint64_t seq;

    int64_t mem_now, peak, volume_done, tokens_generated, evictions;
    size_t completed;
    int64_t latency_sum, latency_max, ttft_sum;
    int64_t present_arrivals; /* Σ a_i over requests that arrived and are not done */
    /* The time the queue's keys were computed at (a plugin's key may depend on it): every key
     * of one queue, and kvs_engine_request's, is taken at this one time. */
    int64_t key_now;
    size_t ttft_n;
    int64_t *lat;        /* latencies: lat[0..lat_sorted_n) sorted, then in completion order */
    size_t lat_sorted_n;
    int64_t volume_total;

    kvs_block block;

    kvs_segment *seg;
    size_t seg_len, seg_cap;
    size_t *seg_of; /* per request, its open segment (allocated with the first segment) */
    kvs_switch *sw;
    size_t sw_len, sw_cap;
    kvs_config cfg0; /* as created */
    /* Operations done so far (heap moves, blocks scanned, keys computed, decision points):
     * a deterministic measure of what replaying from a snapshot costs (kvs_engine_work). */
    uint64_t work;
};

/* ---------------------------------------------------------------- allocation */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "kvscope: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "kvscope: out of memory (%zu bytes)\n", n);
        abort();
    }
    return q;
}

static void *xdup(const void *p, size_t n)
{
    void *q = xmalloc(n);
    if (n)
        memcpy(q, p, n);
    return q;
}

/* ---------------------------------------------------------------- estimates and keys */

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

static int64_t base_estimate(const kvs_engine *e, size_t i)
{
    switch (e->cfg.information) {
    case KVS_INFO_EXACT: return e->w->requests[i].output;
    case KVS_INFO_PREDICTED: return e->base_pred[i];
    case KVS_INFO_ONEBIT: return e->is_long[i] ? e->proxy_long : e->proxy_short;
    case KVS_INFO_NONE: break;
    }
    return -1;
}

static int64_t residency_prompt(const kvs_engine *e, size_t i)
{
    return e->w->requests[i].prompt + e->r[i].done;
}

/* The estimate of the remaining output at (re-)admission, capped at what could still fit. */
static int64_t residency_estimate(const kvs_engine *e, size_t i)
{
    int64_t base = base_estimate(e, i);
    if (base < 0)
        return -1;
    int64_t est = max64(1, base - e->r[i].done);
    return min64(est, e->M - residency_prompt(e, i));
}

static int64_t policy_key(const kvs_engine *e, size_t i)
{
    int64_t s = residency_prompt(e, i), o;
    switch (e->cfg.policy) {
    case KVS_POLICY_FCFS: return e->w->requests[i].arrival;
    case KVS_POLICY_SJF: return residency_estimate(e, i);
    case KVS_POLICY_SVF:
        o = residency_estimate(e, i);
        return o < 0 ? -1 : kvs_volume(s, o);
    case KVS_POLICY_SPF: return s;
    case KVS_POLICY_PLUGIN: { /* a user key (kvscope/policy.h) over the visible fields only */
        kvs_policy_request pr = {e->w->requests[i].arrival, s, e->w->requests[i].prompt,
                                 residency_estimate(e, i),
                                 max64(0, e->key_now - e->w->requests[i].arrival - e->r[i].done),
                                 e->r[i].evictions, e->key_now};
        return e->cfg.key_fn(&pr, e->cfg.key_user);
    }
    }
    return 0;
}

/* ---------------------------------------------------------------- waiting heap */

/* The k-th request in (arrival, index) order, and request i's rank in it. */
static uint32_t arrival_index(const kvs_engine *e, size_t k)
{
    return e->by_arrival ? e->by_arrival[k] : (uint32_t)k;
}

static uint32_t arrival_rank(const kvs_engine *e, size_t i)
{
    return e->rank_of ? e->rank_of[i] : (uint32_t)i;
}

static uint32_t q_req(const kvs_engine *e, size_t pos)
{
    return arrival_index(e, e->q[pos].rank);
}

static bool q_less(const qent *a, const qent *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    return a->rank < b->rank;
}

/* A 4-ary heap: half the levels of a binary one, and the four children share a cache line. */
static void q_sift_up(qent *q, size_t i)
{
    qent x = q[i];
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!q_less(&x, &q[p]))
            break;
        q[i] = q[p];
        i = p;
    }
    q[i] = x;
}

static void q_sift_down(qent *q, size_t len, size_t i)
{
    qent x = q[i];
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= len)
            break;
        size_t m = c, end = c + 4 < len ? c + 4 : len;
        for (size_t k = c + 1; k < end; k++)
            if (q_less(&q[k], &q[m]))
                m = k;
        if (!q_less(&q[m], &x))
            break;
        q[i] = q[m];
        i = m;
    }
    q[i] = x;
}

static void q_push(kvs_engine *e, size_t i)
{
    qent x = {policy_key(e, i), arrival_rank(e, i)};
    e->work++;
    e->q[e->q_len] = x;
    q_sift_up(e->q, e->q_len++);
}

static void q_pop(kvs_engine *e)
{
    e->work++;
    e->q[0] = e->q[--e->q_len];
    if (e->q_len)
        q_sift_down(e->q, e->q_len, 0);
}

static size_t q_count(const kvs_engine *e)
{
    return e->q_len + (e->n - e->s_head);
}

/* The position in e->q of the queue's head (the queue is not empty); *in_run says where. */
static size_t q_top(const kvs_engine *e, bool *in_run)
{
    bool run = e->s_head < e->n && !(e->q_len && q_less(&e->q[0], &e->q[e->s_head]));
    *in_run = run;
    return run ? e->s_head : 0;
}

static uint32_t q_head_req(const kvs_engine *e)
{
    bool in_run;
    return q_req(e, q_top(e, &in_run));
}

static void q_pop_head(kvs_engine *e)
{
    bool in_run;
    q_top(e, &in_run);
    if (in_run)
        e->s_head++;
    else
        q_pop(e);
}

/* Stable LSD radix sort of a[0..n) by key (11-bit digits; digits where all keys agree are
 * skipped). Returns a or buf, whichever holds the result. */
static qent *sort_qent(qent *a, qent *buf, size_t n)
{
    enum { BITS = 11, RADIX = 1 << BITS };
    const uint64_t flip = (uint64_t)1 << 63;
    uint64_t first = n ? (uint64_t)a[0].key ^ flip : 0, differ = 0;
    for (size_t i = 1; i < n; i++)
        differ |= ((uint64_t)a[i].key ^ flip) ^ first;
    size_t *count = xmalloc(RADIX * sizeof *count);
    qent *src = a, *dst = buf;
    for (unsigned shift = 0; shift < 64; shift += BITS) {
        if (!((differ >> shift) & (RADIX - 1)))
            continue;
        memset(count, 0, RADIX * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(((uint64_t)src[i].key ^ flip) >> shift) & (RADIX - 1)]++;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(((uint64_t)src[i].key ^ flip) >> shift) & (RADIX - 1)]++] = src[i];
        qent *t = src;
        src = dst;
        dst = t;
    }
    free(count);
    return src;
}

/* The requests of ranks first..last-1 (arrival order) join the queue at once: written into the
 * free space just below the run, sorted by key (they come in rank order and the sort is stable,
 * so (key, rank) order) and merged with the run from its front. The merge writes at or below
 * where it reads, so it can share the buffer; only one temporary array of the batch's size is
 * needed. */
static void q_bulk_chunk(kvs_engine *e, size_t first, size_t last)
{
    size_t b = last - first, n = e->n, a = n - e->s_head;
    qent *q = e->q, *batch = q + e->s_head - b; /* free: the heap ends at q_len <= s_head - b */
    for (size_t k = first; k < last; k++)
        batch[k - first] = (qent){policy_key(e, arrival_index(e, k)), (uint32_t)k};
    qent *buf = xmalloc(b * sizeof *buf);
    const qent *sorted = sort_qent(batch, buf, b);
    if (a == 0) {
        if (sorted != batch)
            memcpy(batch, sorted, b * sizeof *batch);
    } else {
        if (sorted == batch)
            memcpy(buf, batch, b * sizeof *buf);
        size_t k = e->s_head - b, i_s = e->s_head, i_b = 0;
        while (i_b < b) {
            if (i_s < n && q_less(&q[i_s], &buf[i_b]))
                q[k++] = q[i_s++];
            else
                q[k++] = buf[i_b++];
        }
    }
    e->s_head -= b;
    free(buf);
}

/* In chunks of 2^20, so that the temporary array stays at 16 MB (merging chunk after chunk
 * costs O(n^2 / 2^20) moves: 10^8 for 10^7 requests at once). */
static void q_bulk(kvs_engine *e, size_t first, size_t last)
{
    const size_t chunk = (size_t)1 << 20;
    e->work += last - first;
    for (size_t f = first; f < last; f += chunk)
        q_bulk_chunk(e, f, last - f < chunk ? last : f + chunk);
}

/* New keys (a policy or information switch): everything goes to the heap, which is rebuilt. */
static void q_rekey(kvs_engine *e)
{
    for (size_t k = e->s_head; k < e->n; k++)
        e->q[e->q_len++] = e->q[k];
    e->s_head = e->n;
    e->work += e->q_len;
    for (size_t j = 0; j < e->q_len; j++)
        e->q[j].key = policy_key(e, q_req(e, j));
    for (size_t j = e->q_len / 4 + 1; j-- > 0;) /* every parent, from the last */
        if (j < e->q_len)
            q_sift_down(e->q, e->q_len, j);
}

/* ---------------------------------------------------------------- completion heap */

static void ch_push(kvs_engine *e, int64_t c, uint32_t req)
{
    if (e->ch_len == e->ch_cap) {
        e->ch_cap = e->ch_cap ? 2 * e->ch_cap : 64;
        e->ch = xrealloc(e->ch, e->ch_cap * sizeof *e->ch);
    }
    size_t i = e->ch_len++;
    cent x = {c, req};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (e->ch[p].c <= c)
            break;
        e->ch[i] = e->ch[p];
        i = p;
    }
    e->ch[i] = x;
}

static void ch_pop(kvs_engine *e)
{
    cent x = e->ch[--e->ch_len];
    size_t i = 0, len = e->ch_len;
    if (!len)
        return;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t best = x.c;
        if (l < len && e->ch[l].c < best) {
            m = l;
            best = e->ch[l].c;
        }
        if (l + 1 < len && e->ch[l + 1].c < best)
            m = l + 1;
        if (m == i)
            break;
        e->ch[i] = e->ch[m];
        i = m;
    }
    e->ch[i] = x;
}

/* Drop entries of residencies that ended by eviction; return the next real completion or NEVER. */
static int64_t ch_next(kvs_engine *e)
{
    while (e->ch_len) {
        const cent *top = &e->ch[0];
        const req_state *rs = &e->r[top->req];
        if (rs_state(rs) == KVS_REQ_RUNNING && rs->c == top->c)
            return top->c;
        ch_pop(e);
    }
    return NEVER;
}

/* ---------------------------------------------------------------- running set */

static rblock *rb_new(void)
{
    rblock *k = xmalloc(sizeof *k);
    k->cnt = k->hull_n = 0;
    k->dirty = true;
    k->sum_b = 0;
    return k;
}

/* Put block k at position pos of the block list. */
static void rb_list_insert(kvs_engine *e, size_t pos, rblock *k)
{
    if (e->rb_len == e->rb_cap) {
        e->rb_cap = e->rb_cap ? 2 * e->rb_cap : 16;
        e->rb = xrealloc(e->rb, e->rb_cap * sizeof *e->rb);
    }
    memmove(&e->rb[pos + 1], &e->rb[pos], (e->rb_len - pos) * sizeof *e->rb);
    e->rb[pos] = k;
    e->rb_len++;
}

static void run_insert(kvs_engine *e, int64_t e0, int64_t b, uint64_t seq, uint32_t req)
{
    e->work++;
    /* the first block whose last entry is later than e0 (after equal keys: admission order) */
    size_t lo = 0, hi = e->rb_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rblock *m = e->rb[mid];
        if (m->e0[m->cnt - 1] <= e0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == e->rb_len) {
        if (lo == 0 || e->rb[lo - 1]->cnt == RBLK)
            rb_list_insert(e, lo, rb_new());
        else
            lo--;
    }
    rblock *k = e->rb[lo];
    if (k->cnt == RBLK) { /* split in halves */
        rblock *h = rb_new();
        h->cnt = RBLK / 2;
        memcpy(h->e0, k->e0 + RBLK / 2, RBLK / 2 * sizeof *k->e0);
        memcpy(h->b, k->b + RBLK / 2, RBLK / 2 * sizeof *k->b);
        memcpy(h->seq, k->seq + RBLK / 2, RBLK / 2 * sizeof *k->seq);
        memcpy(h->req, k->req + RBLK / 2, RBLK / 2 * sizeof *k->req);
        k->cnt = RBLK / 2;
        k->sum_b = h->sum_b = 0;
        for (size_t x = 0; x < RBLK / 2; x++) {
            k->sum_b += k->b[x];
            h->sum_b += h->b[x];
        }
        k->dirty = true;
        rb_list_insert(e, lo + 1, h);
        if (e0 >= h->e0[0])
            k = h;
    }
    size_t pos = 0;
    while (pos < k->cnt && k->e0[pos] <= e0)
        pos++;
    size_t tail = k->cnt - pos;
    memmove(&k->e0[pos + 1], &k->e0[pos], tail * sizeof *k->e0);
    memmove(&k->b[pos + 1], &k->b[pos], tail * sizeof *k->b);
    memmove(&k->seq[pos + 1], &k->seq[pos], tail * sizeof *k->seq);
    memmove(&k->req[pos + 1], &k->req[pos], tail * sizeof *k->req);
    k->e0[pos] = e0;
    k->b[pos] = b;
    k->seq[pos] = seq;
    k->req[pos] = req;
    k->cnt++;
    k->sum_b += b;
    k->dirty = true;
    e->run_len++;
}

static void run_remove_at(kvs_engine *e, size_t bi, size_t pos)
{
    rblock *k = e->rb[bi];
    k->sum_b -= k->b[pos];
    size_t tail = k->cnt - pos - 1;
    memmove(&k->e0[pos], &k->e0[pos + 1], tail * sizeof *k->e0);
    memmove(&k->b[pos], &k->b[pos + 1], tail * sizeof *k->b);
    memmove(&k->seq[pos], &k->seq[pos + 1], tail * sizeof *k->seq);
    memmove(&k->req[pos], &k->req[pos + 1], tail * sizeof *k->req);
    k->cnt--;
    k->dirty = true;
    e->run_len--;
    if (k->cnt == 0) {
        free(k);
        memmove(&e->rb[bi], &e->rb[bi + 1], (e->rb_len - bi - 1) * sizeof *e->rb);
        e->rb_len--;
    }
}

static void run_remove(kvs_engine *e, uint32_t req, int64_t e0)
{
    e->work++;
    size_t lo = 0, hi = e->rb_len; /* the first block whose last entry is >= e0 */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rblock *m = e->rb[mid];
        if (m->e0[m->cnt - 1] < e0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t bi = lo; bi < e->rb_len; bi++) {
        const rblock *k = e->rb[bi];
        for (size_t x = 0; x < k->cnt; x++)
            if (k->req[x] == req) {
                run_remove_at(e, bi, x);
                return;
            }
    }
    assert(!"running request not found");
}

/* Is (u1, y1) on or below the segment from (u, y) to (u2, y2), u < u1 < u2? Exact: the
 * products reach 2^69 (y < 2^37, spans of u < 2^32), so they are formed in 128 bits. */
static bool below_or_on(int64_t u, int64_t y, int64_t u1, int64_t y1, int64_t u2, int64_t y2)
{
    __extension__ typedef __int128 i128;
    return (i128)(y1 - y) * (i128)(u2 - u) <= (i128)(y2 - y) * (i128)(u1 - u);
}

/* Rebuild block k's hull: the upper hull of (e0_i - e0_0, y_i), y_i = sum over the block's
 * entries from i up of (b + e0_i). Among equal e0 only the first entry (the largest y) can be a
 * vertex. u is kept relative to the block's first e0 so that y + c*u stays small. */
static void rb_hull(rblock *k, bool narrow)
{
    int64_t sb = 0, base = k->e0[0];
    uint32_t h = 0;
    for (uint32_t x = k->cnt; x-- > 0;) { /* going down in u; the hull is built right to left */
        sb += k->b[x];
        int64_t u = k->e0[x] - base, y = sb + k->e0[x] * (int64_t)(k->cnt - x);
        if (h > 0 && k->hu[h - 1] == u)
            h--; /* same point, and this y is larger */
        if (narrow) /* products below 2^58: int64 is exact */
            while (h >= 2 && (k->hy[h - 1] - y) * (k->hu[h - 2] - u) <=
                                 (k->hy[h - 2] - y) * (k->hu[h - 1] - u))
                h--;
        else
            while (h >= 2 &&
                   below_or_on(u, y, k->hu[h - 1], k->hy[h - 1], k->hu[h - 2], k->hy[h - 2]))
                h--;
        k->hu[h] = u;
        k->hy[h] = y;
        h++;
    }
    for (uint32_t a = 0, z = h - 1; a < z; a++, z--) { /* to increasing u */
        int64_t tu = k->hu[a], ty = k->hy[a];
        k->hu[a] = k->hu[z];
        k->hy[a] = k->hy[z];
        k->hu[z] = tu;
        k->hy[z] = ty;
    }
    k->hull_n = h;
    k->dirty = false;
}

/* The largest memory at the block's points: ext_a + max_i (y_i + ext_c * e0_i), ext_c >= 0. On
 * the upper hull, y + c*u rises then falls (it is unimodal along the hull). */
static int64_t rb_max(rblock *k, int64_t ext_a, int64_t ext_c, bool narrow)
{
    if (k->dirty)
        rb_hull(k, narrow);
    /* with many requests above the block the slope is steep and the maximum is near the right
     * end: walk from there */
    uint32_t a = k->hull_n - 1;
    int64_t best = k->hy[a] + ext_c * k->hu[a];
    while (a > 0) {
        int64_t v = k->hy[a - 1] + ext_c * k->hu[a - 1];
        if (v < best)
            break;
        best = v;
        a--;
    }
    return ext_a + ext_c * k->e0[0] + best;
}

typedef struct {
    int64_t e0, b;
    uint64_t seq;
    uint32_t req;
} rent;

static int rent_cmp(const void *a, const void *b)
{
    const rent *x = a, *y = b;
    if (x->e0 != y->e0)
        return x->e0 < y->e0 ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The estimated completion of running request i's residency; with no estimate, its actual one
 * (the array order then only serves removal). */
static int64_t residency_e0(const kvs_engine *e, size_t i)
{
    int64_t est = residency_estimate(e, i);
    return est < 0 ? e->r[i].c : e->r[i].k + est;
}

/* ---------------------------------------------------------------- history */

static void seg_open(kvs_engine *e, uint32_t req, int64_t k, int64_t prompt)
{
    if (!e->keep_history)
        return;
    if (e->seg_len == e->seg_cap) {
        e->seg_cap = e->seg_cap ? 2 * e->seg_cap : 64;
        e->seg = xrealloc(e->seg, e->seg_cap * sizeof *e->seg);
    }
    kvs_segment s = {req, 0, k, KVS_OPEN, prompt};
    if (!e->seg_of)
        e->seg_of = xmalloc(e->n * sizeof *e->seg_of);
    e->seg_of[req] = e->seg_len;
    e->seg[e->seg_len++] = s;
}

static void seg_close(kvs_engine *e, uint32_t req, int64_t end, bool evicted)
{
    if (!e->keep_history)
        return;
    kvs_segment *s = &e->seg[e->seg_of[req]];
    s->end = end;
    s->evicted = evicted;
}

/* ---------------------------------------------------------------- creation */

/* Sort request indices by (arrival, index) with a stable merge sort (qsort is not stable). */
static void sort_by_arrival(const kvs_request *req, uint32_t *idx, uint32_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_by_arrival(req, idx, tmp, h);
    sort_by_arrival(req, idx + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = req[idx[j]].arrival < req[idx[i]].arrival ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static int64_t mean_half_up(int64_t sum, int64_t count)
{
    return (2 * sum + count) / (2 * count);
}

/* Sort int64 values: LSD radix sort by 11-bit digits (digits where all values agree are
 * skipped, so latencies below 2^22 take two passes), insertion sort for short arrays. Uses
 * scratch (n values) if given, else a temporary buffer. */
static void sort_i64(int64_t *a, size_t n, int64_t *scratch)
{
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            int64_t v = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    enum { BITS = 11, RADIX = 1 << BITS };
    const uint64_t flip = (uint64_t)1 << 63; /* order signed values as unsigned */
    uint64_t first = (uint64_t)a[0] ^ flip, differ = 0;
    for (size_t i = 1; i < n; i++)
        differ |= ((uint64_t)a[i] ^ flip) ^ first;
    int64_t *buf = scratch ? scratch : xmalloc(n * sizeof *buf), *src = a, *dst = buf;
    size_t *count = xmalloc(RADIX * sizeof *count);
    for (unsigned shift = 0; shift < 64; shift += BITS) {
        if (!((differ >> shift) & (RADIX - 1)))
            continue;
        memset(count, 0, RADIX * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(((uint64_t)src[i] ^ flip) >> shift) & (RADIX - 1)]++;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(((uint64_t)src[i] ^ flip) >> shift) & (RADIX - 1)]++] = src[i];
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(count);
    if (!scratch)
        free(buf);
}

/* predicted: stream 1, one normal per request in input order (docs/ENGINE.md) */
static void derive_predicted(kvs_engine *e)
{
    if (e->base_pred)
        return;
    const kvs_workload *w = e->w;
    size_t n = e->n;
    kvs_rng noise;
    kvs_rng_seed(&noise, w->seed, RNG_STREAM_NOISE);
    e->base_pred = xmalloc(n * sizeof *e->base_pred);
    for (size_t i = 0; i < n; i++) {
        const kvs_request *rq = &w->requests[i];
        double z = kvs_rng_normal(&noise);
        double x = (double)rq->output * exp(w->info.sigma * z);
        if (!(x < (double)e->M))
            x = (double)e->M;
        int64_t base = rq->predicted >= 1 ? rq->predicted : max64(1, llround(x));
        e->base_pred[i] = (int32_t)min64(base, e->M);
    }
}

/* onebit: theta, the flips (stream 2, one uniform per request in input order), the proxies */
static void derive_onebit(kvs_engine *e)
{
    if (e->is_long)
        return;
    const kvs_workload *w = e->w;
    const kvs_info_params *ip = &w->info;
    size_t n = e->n;
    kvs_rng flip;
    kvs_rng_seed(&flip, w->seed, RNG_STREAM_FLIP);

    int64_t theta = ip->theta;
    if (theta < 0) {
        int64_t *outs = xmalloc(n * sizeof *outs);
        for (size_t i = 0; i < n; i++)
            outs[i] = w->requests[i].output;
        sort_i64(outs, n, NULL);
        theta = n ? outs[(n - 1) / 2] : 0; /* the lower median */
        free(outs);
    }
    e->theta = theta;
    e->is_long = xmalloc(n * sizeof *e->is_long);

    int64_t short_sum = 0, short_n = 0, long_sum = 0, long_n = 0;
    for (size_t i = 0; i < n; i++) {
        const kvs_request *rq = &w->requests[i];
        bool is_long = rq->output > theta;
        if (is_long) {
            long_sum += rq->output;
            long_n++;
        } else {
            short_sum += rq->output;
            short_n++;
        }
        double u = kvs_rng_uniform(&flip);
        e->is_long[i] = (uint8_t)(is_long ^ (u < ip->flip_probability));
    }
    e->proxy_short = ip->short_estimate >= 1 ? ip->short_estimate
                     : short_n                ? mean_half_up(short_sum, short_n)
                                              : max64(1, theta);
    e->proxy_long = ip->long_estimate >= 1 ? ip->long_estimate
                    : long_n                ? mean_half_up(long_sum, long_n)
                                            : theta + 1;
}

/* Draw the estimates the information mode needs, once. */
static void derive_estimates(kvs_engine *e, kvs_information info)
{
    if (info == KVS_INFO_PREDICTED)
        derive_predicted(e);
    else if (info == KVS_INFO_ONEBIT)
        derive_onebit(e);
}

kvs_engine *kvs_engine_new(const kvs_workload *w, kvs_config cfg, char *why, size_t n)
{
    char reason[512];
    if (kvs_workload_validate(w, reason, sizeof reason) != (size_t)-1) {
        if (why && n)
            snprintf(why, n, "%s", reason);
        return NULL;
    }
    if (!kvs_config_valid(cfg, why, n))
        return NULL;

    /* The per-request arrays are the one allocation that scales with the input (about 100
     * bytes a request): when they do not fit, say so and return NULL instead of aborting, so
     * that a huge workload is refused cleanly (the caller exits with status 1). */
    kvs_engine *e = calloc(1, sizeof *e);
    if (!e)
        goto out_of_memory;
    e->w = w;
    e->n = w->count;
    e->M = w->memory;
    e->cfg = cfg;
    e->cfg0 = cfg;
    e->keep_history = true;
    e->head_blocked_through = -1;
    e->head_blocked_t1 = false;
    e->run_ok = true;
    size_t cnt = e->n, c1 = cnt ? cnt : 1;

    e->r = calloc(c1, sizeof *e->r);
    e->q = malloc(c1 * sizeof *e->q);
    e->s_head = cnt;
    e->lat = malloc(c1 * sizeof *e->lat);
    if (!e->r || !e->q || !e->lat) {
        kvs_engine_free(e);
        goto out_of_memory;
    }

    bool sorted = true;
    for (size_t i = 1; i < cnt && sorted; i++)
        sorted = w->requests[i - 1].arrival <= w->requests[i].arrival;
    if (!sorted) {
        e->by_arrival = malloc(c1 * sizeof *e->by_arrival);
        uint32_t *tmp = malloc(c1 * sizeof *tmp);
        e->rank_of = malloc(c1 * sizeof *e->rank_of);
        if (!e->by_arrival || !tmp || !e->rank_of) {
            free(tmp);
            kvs_engine_free(e);
            goto out_of_memory;
        }
        for (size_t i = 0; i < cnt; i++)
            e->by_arrival[i] = (uint32_t)i;
        sort_by_arrival(w->requests, e->by_arrival, tmp, cnt);
        free(tmp);
        for (size_t k = 0; k < cnt; k++)
            e->rank_of[e->by_arrival[k]] = (uint32_t)k;
    }

    for (size_t i = 0; i < cnt; i++) {
        req_state *rs = &e->r[i];
        rs->k = -1;
        rs_set_start(rs, -1);
        rs_set_state(rs, KVS_REQ_PENDING);
        e->volume_total += kvs_volume(w->requests[i].prompt, w->requests[i].output);
        e->max_output = max64(e->max_output, w->requests[i].output);
    }
    derive_estimates(e, cfg.information);
    e->block.memory_budget = e->M;
    return e;

out_of_memory:
    if (why && n)
        snprintf(why, n, "out of memory: simulating %zu requests needs about %zu MiB", w->count,
                 (w->count * (sizeof(req_state) + sizeof(qent) + sizeof(rent) + 4 * 8 + 5)
                  >> 20) + 1);
    return NULL;
}

void kvs_engine_free(kvs_engine *e)
{
    if (!e)
        return;
    free(e->base_pred);
    free(e->is_long);
    free(e->by_arrival);
    free(e->rank_of);
    free(e->r);
    free(e->q);
    for (size_t k = 0; k < e->rb_len; k++)
        free(e->rb[k]);
    free(e->rb);
    free(e->ch);
    free(e->lat);
    free(e->seg);
    free(e->seg_of);
    free(e->sw);
    free(e);
}

kvs_engine *kvs_engine_clone(const kvs_engine *e)
{
    kvs_engine *c = xdup(e, sizeof *e);
    size_t n = e->n;
    c->base_pred = e->base_pred ? xdup(e->base_pred, n * sizeof *e->base_pred) : NULL;
    c->is_long = e->is_long ? xdup(e->is_long, n * sizeof *e->is_long) : NULL;
    c->by_arrival = e->by_arrival ? xdup(e->by_arrival, n * sizeof *e->by_arrival) : NULL;
    c->rank_of = e->rank_of ? xdup(e->rank_of, n * sizeof *e->rank_of) : NULL;
    c->r = xdup(e->r, n * sizeof *e->r);
    c->q = xdup(e->q, n * sizeof *e->q);
    c->rb = xdup(e->rb, e->rb_cap * sizeof *e->rb);
    for (size_t k = 0; k < e->rb_len; k++)
        c->rb[k] = xdup(e->rb[k], sizeof *e->rb[k]);
    c->ch = xdup(e->ch, e->ch_cap * sizeof *e->ch);
    c->lat = xdup(e->lat, n * sizeof *e->lat);
    c->seg = xdup(e->seg, e->seg_cap * sizeof *e->seg);
    c->seg_of = e->seg_of ? xdup(e->seg_of, n * sizeof *e->seg_of) : NULL;
    c->sw = xdup(e->sw, e->sw_cap * sizeof *e->sw);
    return c;
}

void kvs_engine_keep_history(kvs_engine *e, bool keep)
{
    e->keep_history = keep;
}

/* ---------------------------------------------------------------- config switches */

int kvs_engine_set_config(kvs_engine *e, kvs_config cfg)
{
    if (!kvs_config_valid(cfg, NULL, 0))
        return -1;
    bool info_changed = cfg.information != e->cfg.information;
    bool order_changed = info_changed || cfg.policy != e->cfg.policy;
    order_changed = order_changed || cfg.key_fn != e->cfg.key_fn || cfg.key_user != e->cfg.key_user;
    if (!order_changed && cfg.admission == e->cfg.admission)
        return 0;
    derive_estimates(e, cfg.information);
    e->cfg = cfg;
    e->head_blocked_through = -1;
    e->head_blocked_t1 = false;

    if (e->sw_len && e->sw[e->sw_len - 1].at == e->now) {
        e->sw[e->sw_len - 1].cfg = cfg; /* two switches at one decision point: the last counts */
    } else {
        if (e->sw_len == e->sw_cap) {
            e->sw_cap = e->sw_cap ? 2 * e->sw_cap : 8;
            e->sw = xrealloc(e->sw, e->sw_cap * sizeof *e->sw);
        }
        e->sw[e->sw_len].at = e->now;
        e->sw[e->sw_len++].cfg = cfg;
    }

    if (info_changed) {
        e->run_ok = false;
        /* new estimates: re-sort the running set by its new e0 (ties in admission order) */
        size_t m = e->run_len, at = 0;
        rent *all = xmalloc((m ? m : 1) * sizeof *all);
        for (size_t bi = 0; bi < e->rb_len; bi++) {
            rblock *k = e->rb[bi];
            for (size_t x = 0; x < k->cnt; x++, at++) {
                uint32_t i = k->req[x];
                all[at] = (rent){residency_e0(e, i), k->b[x], k->seq[x], i};
            }
            free(k);
        }
        e->rb_len = 0;
        e->run_len = 0;
        qsort(all, m, sizeof *all, rent_cmp);
        for (size_t x = 0; x < m; x++)
            run_insert(e, all[x].e0, all[x].b, all[x].seq, all[x].req);
        free(all);
    }
    if (order_changed) {
        e->key_now = e->now;
        q_rekey(e);
    }
    return 0;
}

kvs_config kvs_engine_config(const kvs_engine *e) { return e->cfg; }

kvs_config kvs_engine_initial_config(const kvs_engine *e) { return e->cfg0; }

kvs_config kvs_engine_start_config(const kvs_engine *e, size_t *later)
{
    bool at0 = e->sw_len > 0 && e->sw[0].at == 0;
    if (later)
        *later = at0 ? 1 : 0;
    return at0 ? e->sw[0].cfg : e->cfg0;
}

uint64_t kvs_engine_work(const kvs_engine *e) { return e->work; }

size_t kvs_engine_footprint(const kvs_engine *e)
{
    size_t n = e->n, per = sizeof *e->r + sizeof *e->q + sizeof *e->lat;
    per += e->base_pred ? sizeof *e->base_pred : 0;
    per += e->is_long ? sizeof *e->is_long : 0;
    per += e->by_arrival ? sizeof *e->by_arrival : 0;
    per += e->rank_of ? sizeof *e->rank_of : 0;
    per += e->seg_of ? sizeof *e->seg_of : 0;
    return sizeof *e + n * per + e->rb_cap * sizeof *e->rb + e->rb_len * sizeof **e->rb +
           e->ch_cap * sizeof *e->ch + e->seg_cap * sizeof *e->seg + e->sw_cap * sizeof *e->sw;
}

long kvs_engine_run_plan(kvs_engine *e, const kvs_switch *plan, size_t n)
{
    long applied = 0;
    for (size_t k = 0; k < n; k++) {
        kvs_engine_advance_to(e, plan[k].at);
        if (kvs_engine_done(e))
            break;
        if (kvs_engine_set_config(e, plan[k].cfg) != 0)
            return -1 - (long)k;
        applied++;
    }
    kvs_engine_run(e);
    return applied;
}

size_t kvs_engine_switches(const kvs_engine *e, const kvs_switch **out)
{
    *out = e->sw;
    return e->sw_len;
}

/* ---------------------------------------------------------------- one decision point */

/* The failing check points of a lookahead scan: the smallest, and how long the failure provably
 * lasts with the batch unchanged. */
typedef struct {
    int64_t u, mem, through;
    bool t1;
} la_fail;

static void la_record(la_fail *f, int64_t u, int64_t mem, bool j_in, int64_t t, int64_t M)
{
    if (f->u < 0) { /* the scan goes up in u: the first failure is at the smallest point */
        f->u = u;
        f->mem = mem;
    }
    /* With the batch unchanged, a point u >= t+2 of the running set stays a check point until
     * u-1, and j's share of it (s_j + u - t') shrinks by one per decision point, so this point
     * keeps failing through min(t + excess - 1, u - 1). A point where j is not counted (u > e_j)
     * fails on the running set alone until u - 1. */
    int64_t through = u - 1;
    if (j_in && t + (mem - M) - 1 < through)
        through = t + (mem - M) - 1;
    /* The point t+1 holds the whole batch and j: at any later t' with the batch unchanged,
     * t'+1 is still a check point (whoever was due by t+1 still is) and holds
     * A + (t'+1)C + s_j + 1, no less than now: it keeps failing until the batch changes
     * (head_blocked_t1). */
    if (u == t + 1) {
        f->t1 = true;
        return;
    }
    if (through > f->through)
        f->through = through;
}

/* Where a lookahead scan is in the running set, and its sums: A_tot, C_tot the sum of (s - k)
 * and the count of the batch (with j while j is counted), P_A, P_C those of the entries passed. */
typedef struct {
    size_t bi;
    uint32_t x;
    int64_t A_tot, C_tot, P_A, P_C;
} la_pos;

/* Pass the entries with e0 < hi; if eval, check the memory at each of their points (j counted
 * or not as j_in says). A whole block whose hull says its largest memory is within M is passed
 * in one go; the others are checked entry by entry. */
static void la_range(kvs_engine *e, la_pos *p, int64_t hi, bool eval, bool j_in, int64_t t,
                     la_fail *f)
{
    const int64_t M = e->M, A_tot = p->A_tot, C_tot = p->C_tot;
    int64_t P_A = p->P_A, P_C = p->P_C; /* kept in registers: the blocks cannot alias them */
    size_t bi = p->bi, nb = e->rb_len;
    e->work += 1 + (nb - bi); /* at most the blocks left (an upper bound, cheap to count) */
    uint32_t x = p->x;
    while (bi < nb) {
        rblock *k = e->rb[bi];
        uint32_t cnt = k->cnt;
        if (x == 0 && k->e0[cnt - 1] < hi) {
            int64_t ext_a = A_tot - P_A - k->sum_b, ext_c = C_tot - P_C - (int64_t)cnt;
            if (!eval || rb_max(k, ext_a, ext_c, M < NARROW_M) <= M) {
                P_A += k->sum_b;
                P_C += cnt;
                bi++;
                continue;
            }
        }
        for (; x < cnt; x++) {
            int64_t u = k->e0[x];
            if (u >= hi)
                goto out;
            if (eval) {
                int64_t mem = (A_tot - P_A) + u * (C_tot - P_C);
                if (mem > M)
                    la_record(f, u, mem, j_in, t, M);
            }
            P_A += k->b[x];
            P_C++;
        }
        x = 0;
        bi++;
    }
out:
    p->P_A = P_A;
    p->P_C = P_C;
    p->bi = bi;
    p->x = x;
}

/* MODEL.md §5 lookahead: would admitting j at t keep the estimated memory within M at every
 * estimated completion point? The running set (which already holds this decision point's
 * admissions U) is sorted by estimated completion e0; the memory at a point u is that of the
 * entries with e0 >= u (and j if u <= e_j): with A_tot, C_tot the batch's sums of (s - k) and its
 * count (plus j's) and P_A, P_C the same sums over the entries below u, it is
 * (A_tot - P_A) + u * (C_tot - P_C). The scan goes up from the earliest completion.
 *
 * - Running entries whose estimated completion is t+1 or earlier all share the point t+1, where
 *   the memory is the whole batch's plus j's. t+1 is a check point only if some entry or j is
 *   due by then (otherwise its memory is below that of the next point).
 * - The memory is evaluated at every entry, not only at the first entry of a group of equal
 *   points. A later entry of a group sees part of the group (every entry holds at least one
 *   token there), so it fails only where the group's first entry, evaluated before it, fails
 *   too: the answer, the smallest failing point with its memory, and the longest provable
 *   failure are those of the point-by-point check. A block of entries none of whose points
 *   fails (its hull says so) is skipped whole: it adds no failing point.
 * - Points above e_j hold the running set alone. When e->run_ok says the running set is within
 *   M at every point from t+2 on (it holds since the last lookahead admission checked them, as
 *   completions and evictions only lower the memory and time only drops points), they cannot
 *   fail and are not scanned. */
static bool lookahead_fits(kvs_engine *e, uint32_t j, int64_t t)
{
    const int64_t M = e->M;
    int64_t e_j = t + residency_estimate(e, j); /* >= t + 1 */
    int64_t b_j = residency_prompt(e, j) - t;
    la_pos p = {0, 0, e->A + b_j, e->C + 1, 0, 0};
    la_fail f = {-1, 0, -1, false};

    la_range(e, &p, t + 2, false, true, t, &f); /* due by t+1 */
    if (p.P_C > 0 || e_j == t + 1) {
        int64_t mem = p.A_tot + (t + 1) * p.C_tot;
        if (mem > M)
            la_record(&f, t + 1, mem, true, t, M);
    }
    la_range(e, &p, e_j, true, true, t, &f);
    if (e_j >= t + 2) {
        int64_t mem = (p.A_tot - p.P_A) + e_j * (p.C_tot - p.P_C);
        if (mem > M)
            la_record(&f, e_j, mem, true, t, M);
    }
    if (!e->run_ok) {
        la_range(e, &p, e_j + 1, false, true, t, &f); /* part of j's point, checked above */
        p.A_tot -= b_j;
        p.C_tot--;
        la_range(e, &p, NEVER, true, false, t, &f);
    }
    if (f.u < 0) {
        e->run_ok = true; /* every point of the batch with j has just been checked */
        return true;
    }
    e->head_blocked_through = f.through;
    e->head_blocked_t1 = f.t1;
    e->block.kind = KVS_BLOCK_LOOKAHEAD;
    e->block.req = j;
    e->block.decided_at = t;
    e->block.at_step = f.u;
    e->block.tokens = f.mem;
    return false;
}

static bool current_fits(kvs_engine *e, uint32_t j, int64_t t)
{
    int64_t mem = e->A + (t + 1) * e->C + residency_prompt(e, j) + 1;
    if (mem <= e->M) {
        e->run_ok = false; /* admitted without looking ahead */
        return true;
    }
    e->block.kind = KVS_BLOCK_CURRENT;
    e->block.req = j;
    e->block.decided_at = t;
    e->block.at_step = t + 1;
    e->block.tokens = mem;
    return false;
}

static void admit(kvs_engine *e, uint32_t i, int64_t t)
{
    req_state *rs = &e->r[i];
    const kvs_request *rq = &e->w->requests[i];
    int64_t s = residency_prompt(e, i);
    rs->k = t;
    if (rs_start(rs) < 0) {
        rs_set_start(rs, t);
        e->ttft_sum += t + 1 - rq->arrival;
        e->ttft_n++;
    }
    uint64_t seq = ++e->seq;
    rs->c = t + (rq->output - rs->done);
    rs_set_state(rs, KVS_REQ_RUNNING);
    run_insert(e, residency_e0(e, i), s - t, seq, i);
    ch_push(e, rs->c, i);
    e->A += s - t;
    e->C++;
    e->head_blocked_through = -1;
    e->head_blocked_t1 = false;
    seg_open(e, i, t, s);
}

static void evict(kvs_engine *e, uint32_t i, int64_t t)
{
    req_state *rs = &e->r[i];
    e->A -= residency_prompt(e, i) - rs->k;
    e->C--;
    e->head_blocked_through = -1;
    e->head_blocked_t1 = false;
    run_remove(e, i, residency_e0(e, i));
    seg_close(e, i, t, true);
    rs->done += t - rs->k; /* recompute: the tokens it produced become part of its prompt */
    rs_set_state(rs, KVS_REQ_WAITING);
    rs->evictions++;
    e->evictions++;
    q_push(e, i);
}

/* Phase 1 of decision point t, done as soon as step t has run so that the state "at t" already
 * shows these requests as done. */
static void complete_due(kvs_engine *e)
{
    int64_t t = e->now;
    while (ch_next(e) <= t) {
        uint32_t i = e->ch[0].req;
        ch_pop(e);
        req_state *rs = &e->r[i];
        assert(rs->c == t);
        e->A -= residency_prompt(e, i) - rs->k;
        e->C--;
        int64_t e0 = residency_e0(e, i);
        /* a completion earlier than estimated lowers later points; a due one does not */
        if (e0 > t)
            e->head_blocked_through = -1;
        e->head_blocked_t1 = false;
        run_remove(e, i, e0);
        seg_close(e, i, t, false);
        rs->done = e->w->requests[i].output;
        rs_set_state(rs, KVS_REQ_DONE);
        int64_t lat = t - e->w->requests[i].arrival;
        e->work++;
        e->lat[e->completed++] = lat;
        e->latency_sum += lat;
        e->present_arrivals -= e->w->requests[i].arrival;
        e->latency_max = max64(e->latency_max, lat);
    }
}

/* Run steps now+1 .. now+count with the batch unchanged (no decision in between changes it);
 * the completions due at the new now are left to complete_due. */
static void advance_clock(kvs_engine *e, int64_t count)
{
    e->work++;
    int64_t t0 = e->now, t1 = t0 + count;
    /* sum over u = t0+1..t1 of m0 + (u - t0) * C, with m0 the batch's memory extended to t0 */
    int64_t m0 = e->A + t0 * e->C;
    if (e->C)
        e->volume_done += count * m0 + e->C * (count * (count + 1) / 2);
    e->tokens_generated += count * e->C;
    e->mem_now = e->A + t1 * e->C;
    assert(e->mem_now <= e->M);
    e->peak = max64(e->peak, e->mem_now);
    e->now = t1;
}

static void run_steps(kvs_engine *e, int64_t count)
{
    advance_clock(e, count);
    complete_due(e);
}

static void decide(kvs_engine *e)
{
    int64_t t = e->now;
    e->key_now = t;
    e->work++;
    const kvs_request *req = e->w->requests;

    /* 2. arrivals; many at once (at least 8, and an eighth of the run, which bounds the cost
     * of merging) are sorted into the run, the others pushed onto the heap */
    size_t first = e->next_arrival, last = first;
    while (last < e->n && req[arrival_index(e, last)].arrival == t) {
        rs_set_state(&e->r[arrival_index(e, last++)], KVS_REQ_WAITING);
        e->present_arrivals += t;
    }
    e->next_arrival = last;
    if (last - first >= 8 && last - first >= (e->n - e->s_head) / 8)
        q_bulk(e, first, last);
    else
        for (size_t k = first; k < last; k++)
            q_push(e, arrival_index(e, k));

    if (e->cfg.policy == KVS_POLICY_PLUGIN) /* a user key may change with time: re-key */
        q_rekey(e);

    /* 3-4. head-of-line admission in policy order */
    e->block.kind = KVS_BLOCK_NONE;
    while (q_count(e)) {
        uint32_t j = q_head_req(e);
        bool fits = e->cfg.admission == KVS_ADMIT_CURRENT ? current_fits(e, j, t)
                                                          : lookahead_fits(e, j, t);
        if (!fits)
            break;
        q_pop_head(e);
        admit(e, j, t);
    }

    /* 5. overflow: evict the most recently admitted until step t+1 fits */
    while (e->A + (t + 1) * e->C > e->M) {
        uint32_t victim = 0;
        uint64_t best = 0;
        for (size_t bi = 0; bi < e->rb_len; bi++) {
            const rblock *k = e->rb[bi];
            for (size_t x = 0; x < k->cnt; x++)
                if (k->seq[x] > best) {
                    best = k->seq[x];
                    victim = k->req[x];
                }
        }
        evict(e, victim, t);
    }
}

void kvs_engine_step(kvs_engine *e)
{
    if (kvs_engine_done(e))
        return;
    decide(e);
    run_steps(e, 1); /* 6. step t+1 */
}

/* The first decision point d >= now at which something may happen, assuming nothing happens
 * before it: an arrival, an overflow, the end of a provable block of the head (the lookahead
 * rule's answer can change with time alone), or a completion, unless it cannot matter: with
 * an empty queue, or when the head is blocked by points after t+1 under exact information
 * (then every completion is due, e0 = c, and holds no memory at any later point). */
static int64_t next_event(kvs_engine *e)
{
    int64_t t = e->now;
    int64_t d = NEVER;
    bool completions_matter = q_count(e) > 0;
    if (e->next_arrival < e->n)
        d = e->w->requests[arrival_index(e, e->next_arrival)].arrival;
    if (q_count(e) && e->cfg.policy == KVS_POLICY_PLUGIN) /* the order may change every step */
        return t;
    if (q_count(e)) {
        if (e->cfg.admission == KVS_ADMIT_LOOKAHEAD) {
            if (!e->head_blocked_t1) {
                if (e->head_blocked_through < t)
                    return t;
                d = min64(d, e->head_blocked_through + 1);
                completions_matter = e->cfg.information != KVS_INFO_EXACT;
            }
        } else
        /* current rule: memory only grows until a completion, so a head that does not fit now
         * will not fit before d */
        if (e->A + (t + 1) * e->C + residency_prompt(e, q_head_req(e)) + 1 <= e->M)
            return t;
    }
    if (completions_matter)
        d = min64(d, ch_next(e));
    if (e->C > 0) /* first d with A + (d+1)C > M (completions only put it off) */
        d = min64(d, (e->M - e->A) / e->C);
    return max64(d, t);
}

/* Jump from now to d > now where decisions now..d-1 change nothing but completions. */
static void skip_to(kvs_engine *e, int64_t d)
{
    int64_t c;
    while ((c = ch_next(e)) < d) { /* completions that change no decision */
        advance_clock(e, c - e->now);
        complete_due(e);
        if (kvs_engine_done(e)) {
            e->block.kind = KVS_BLOCK_NONE; /* the queue is empty */
            return;
        }
    }
    advance_clock(e, d - e->now);
    /* what decision point d-1 would have recorded for the head, with the batch it saw (before
     * the completions due at d) */
    e->block.kind = KVS_BLOCK_NONE;
    if (q_count(e)) {
        uint32_t j = q_head_req(e);
        bool fits = e->cfg.admission == KVS_ADMIT_CURRENT ? current_fits(e, j, d - 1)
                                                          : lookahead_fits(e, j, d - 1);
        assert(!fits);
        (void)fits;
    }
    complete_due(e);
}

void kvs_engine_advance_to(kvs_engine *e, int64_t t)
{
    while (e->now < t && !kvs_engine_done(e)) {
        int64_t d = next_event(e);
        if (d > e->now)
            skip_to(e, min64(d, t));
        else
            kvs_engine_step(e);
    }
}

void kvs_engine_run(kvs_engine *e)
{
    kvs_engine_advance_to(e, NEVER);
}

bool kvs_engine_done(const kvs_engine *e)
{
    return e->completed == e->n;
}

/* ---------------------------------------------------------------- queries */

int64_t kvs_engine_now(const kvs_engine *e) { return e->now; }
int64_t kvs_engine_memory_budget(const kvs_engine *e) { return e->M; }
int64_t kvs_engine_memory(const kvs_engine *e) { return e->mem_now; }
size_t kvs_engine_request_count(const kvs_engine *e) { return e->n; }
const kvs_workload *kvs_engine_workload(const kvs_engine *e) { return e->w; }

/* Bring the sorted prefix of the latencies up to the completed count: sort the new tail in
 * place and merge it in from the back (a cache, so it may change under a const engine). */
static const int64_t *sorted_latencies(const kvs_engine *ce)
{
    kvs_engine *e = (kvs_engine *)ce;
    size_t have = e->lat_sorted_n, all = e->completed;
    if (have < all) {
        int64_t *lat = e->lat;
        /* an empty queue's buffer (n entries of 16 bytes) serves as the sort's scratch space,
         * so that the final sort of a large run needs no memory of its own */
        sort_i64(lat + have, all - have, q_count(e) == 0 ? (int64_t *)(void *)e->q : NULL);
        if (have > 0 && lat[have - 1] > lat[have]) {
            size_t m = all - have;
            int64_t *tail = xdup(lat + have, m * sizeof *tail);
            size_t i = have, j = m, k = all;
            while (j > 0) {
                if (i > 0 && lat[i - 1] > tail[j - 1])
                    lat[--k] = lat[--i];
                else
                    lat[--k] = tail[--j];
            }
            free(tail);
        }
        e->lat_sorted_n = all;
    }
    return e->lat;
}

/* Nearest rank: the value of rank ceil(p*n/100). */
static int64_t percentile(const int64_t *sorted, size_t n, int p)
{
    if (n == 0)
        return 0;
    size_t rank = ((size_t)p * n + 99) / 100;
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

void kvs_engine_counters(const kvs_engine *e, kvs_counters *o)
{
    memset(o, 0, sizeof *o);
    o->now = e->now;
    o->memory = e->mem_now;
    o->memory_budget = e->M;
    o->peak_memory = e->peak;
    o->pending = e->n - e->next_arrival;
    o->waiting = q_count(e);
    o->running = (size_t)e->C;
    o->completed = e->completed;
    o->total = e->n;
    o->volume_done = e->volume_done;
    o->volume_total = e->volume_total;
    o->tokens_generated = e->tokens_generated;
    o->evictions = e->evictions;
    o->latency_sum = e->latency_sum;
    /* + Σ (now - a_i) over the requests in the system; saturates like the figures it adds to */
    int64_t present = (int64_t)(e->next_arrival - e->completed);
    int64_t open = present && e->now > INT64_MAX / present ? INT64_MAX
                                                           : present * e->now - e->present_arrivals;
    o->latency_accrued = open > INT64_MAX - e->latency_sum ? INT64_MAX : e->latency_sum + open;
    if (e->completed) {
        const int64_t *s = sorted_latencies(e);
        o->latency_mean = (double)e->latency_sum / (double)e->completed;
        o->latency_p50 = percentile(s, e->completed, 50);
        o->latency_p90 = percentile(s, e->completed, 90);
        o->latency_p99 = percentile(s, e->completed, 99);
        o->latency_max = e->latency_max;
    }
    if (e->ttft_n)
        o->ttft_mean = (double)e->ttft_sum / (double)e->ttft_n;
}

const char *kvs_req_state_name(kvs_req_state s)
{
    switch (s) {
    case KVS_REQ_PENDING: return "pending";
    case KVS_REQ_WAITING: return "waiting";
    case KVS_REQ_RUNNING: return "running";
    case KVS_REQ_DONE: return "done";
    }
    return "?";
}

void kvs_engine_request(const kvs_engine *e, size_t i, kvs_req_info *o)
{
    const req_state *rs = &e->r[i];
    const kvs_request *rq = &e->w->requests[i];
    memset(o, 0, sizeof *o);
    o->state = (kvs_req_state)rs_state(rs);
    o->arrival = rq->arrival;
    o->prompt = rq->prompt;
    o->output = rq->output;
    o->volume = kvs_volume(rq->prompt, rq->output);
    o->start = rs_start(rs);
    o->admitted = rs->k;
    o->finish = rs_finish(rs);
    o->evictions = rs->evictions;
    o->residency_prompt = residency_prompt(e, i);
    o->key = policy_key(e, i);
    o->latency = o->finish >= 0 ? o->finish - rq->arrival : -1;
    o->ttft = o->start >= 0 ? o->start + 1 - rq->arrival : -1;
    switch (o->state) {
    case KVS_REQ_PENDING:
        o->estimate = residency_estimate(e, i);
        o->waited = -1;
        break;
    case KVS_REQ_WAITING:
        o->generated = rs->done;
        o->estimate = residency_estimate(e, i);
        o->waited = e->now - rq->arrival - rs->done; /* every step not waiting made one token */
        break;
    case KVS_REQ_RUNNING: {
        int64_t g = e->now - rs->k;
        int64_t est = residency_estimate(e, i);
        o->generated = rs->done + g;
        o->tokens = o->residency_prompt + g;
        o->estimate = est < 0 ? -1 : max64(est, g + 1);
        o->waited = rs->k - rq->arrival - rs->done;
        break;
    }
    case KVS_REQ_DONE:
        o->generated = rq->output;
        o->estimate = 0;
        o->waited = o->finish - rq->arrival - rq->output;
        break;
    }
}

size_t kvs_engine_queue_length(const kvs_engine *e) { return q_count(e); }

size_t kvs_engine_queue_head(const kvs_engine *e, kvs_queue_entry *out, size_t max)
{
    /* Best-first walk of the heap (a small frontier of positions in e->q), merged with the
     * sorted run. */
    size_t total = q_count(e);
    if (max > total)
        max = total;
    if (max == 0)
        return 0;
    size_t *front = xmalloc((3 * max + 1) * sizeof *front);
    size_t flen = 0, got = 0, sp = e->s_head;
    if (e->q_len)
        front[flen++] = 0;
    while (got < max) {
        size_t best = 0;
        /* the frontier is small (<= 3*max+1); a linear min keeps the code simple */
        for (size_t k = 1; k < flen; k++)
            if (q_less(&e->q[front[k]], &e->q[front[best]]))
                best = k;
        size_t pos;
        if (sp < e->n && (flen == 0 || q_less(&e->q[sp], &e->q[front[best]]))) {
            pos = sp++;
        } else {
            pos = front[best];
            front[best] = front[--flen];
            for (size_t c = 4 * pos + 1; c <= 4 * pos + 4 && c < e->q_len; c++)
                front[flen++] = c;
        }
        out[got].req = q_req(e, pos);
        out[got].key = e->q[pos].key;
        got++;
    }
    free(front);
    return got;
}

void kvs_engine_block(const kvs_engine *e, kvs_block *out)
{
    *out = e->block;
    out->memory_budget = e->M;
}

char *kvs_block_describe(const kvs_block *b, char *buf, size_t n)
{
    switch (b->kind) {
    case KVS_BLOCK_NONE:
        snprintf(buf, n, "nothing is blocked");
        break;
    case KVS_BLOCK_LOOKAHEAD:
        snprintf(buf, n, "at step %" PRId64 " the batch would hold %" PRId64 " tokens > M = %" PRId64,
                 b->at_step, b->tokens, b->memory_budget);
        break;
    case KVS_BLOCK_CURRENT:
        snprintf(buf, n, "step %" PRId64 " would hold %" PRId64 " tokens > M = %" PRId64, b->at_step,
                 b->tokens, b->memory_budget);
        break;
    }
    return buf;
}

size_t kvs_engine_segments(const kvs_engine *e, const kvs_segment **out)
{
    *out = e->seg;
    return e->seg_len;
}

int64_t kvs_engine_max_segment_length(const kvs_engine *e) { return e->max_output; }

void kvs_engine_summary(const kvs_engine *e, kvs_summary *o)
{
    kvs_counters c;
    kvs_engine_counters(e, &c);
    memset(o, 0, sizeof *o);
    o->requests = e->n;
    o->completed = e->completed;
    int64_t makespan = 0;
    for (size_t i = 0; i < e->n; i++)
        makespan = max64(makespan, rs_finish(&e->r[i]));
    o->makespan = makespan;
    o->total_latency = e->latency_sum;
    o->mean_latency = c.latency_mean;
    o->p50_latency = c.latency_p50;
    o->p90_latency = c.latency_p90;
    o->p99_latency = c.latency_p99;
    o->max_latency = c.latency_max;
    o->mean_ttft = c.ttft_mean;
    o->total_volume = e->volume_total;
    o->peak_memory = e->peak;
    /* steps 1..makespan; when done, now == makespan */
    if (makespan > 0 && e->now == makespan)
        o->mean_memory_utilization = (double)e->volume_done / ((double)e->M * (double)makespan);
    else if (e->now > 0)
        o->mean_memory_utilization = (double)e->volume_done / ((double)e->M * (double)e->now);
    o->evictions = e->evictions;
}
