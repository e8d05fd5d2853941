/* bound.c: lower bounds on total latency (kvscope/bound.h; proofs in docs/OPTIMUM.md).
 *
 * The online bound relaxes the schedule to one server of speed M that works on "volume": during
 * step u a request holding m tokens is served at rate m, the rates sum to at most M, request i is
 * served only after a_i, and it is done when its volume v_i has been served (an evicted request
 * keeps its tokens, so its residencies together still hold exactly v_i token-steps). SRPT is
 * optimal for that relaxation at every instant (it completes the most jobs by any time), so its
 * k-th completion time is a lower bound on the k-th completion of any real schedule. Time is kept
 * exactly as (whole step T, token-steps R already used in step T+1), never as a double. */
#include "kvscope/bound.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static int cmp_job_release(const void *x, const void *y)
{
    const kvs_bound_job *a = x, *b = y;
    if (a->release != b->release)
        return (a->release > b->release) - (a->release < b->release);
    return (a->volume > b->volume) - (a->volume < b->volume);
}

/* ---------------------------------------------------------------- a min-heap of remaining volume */

typedef struct {
    int64_t *key; /* remaining volume */
    size_t n;
} vheap;

static void heap_push(vheap *h, int64_t v)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->key[p] <= v)
            break;
        h->key[i] = h->key[p];
        i = p;
    }
    h->key[i] = v;
}

static int64_t heap_pop(vheap *h)
{
    int64_t top = h->key[0];
    int64_t last = h->key[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->key[c + 1] < h->key[c])
            c++;
        if (h->key[c] >= last)
            break;
        h->key[i] = h->key[c];
        i = c;
    }
    if (h->n > 0)
        h->key[i] = last;
    return top;
}

/* SRPT on `jobs` (sorted by release) with a server of speed M: writes the completion steps,
 * rounded up to whole steps, into fin[0..n). heap has room for n keys. */
static void srpt(const kvs_bound_job *jobs, size_t n, int64_t M, int64_t *heapbuf, int64_t *fin)
{
    vheap h = {heapbuf, 0};
    int64_t T = 0, R = 0; /* now = T + R/M, 0 <= R < M */
    size_t next = 0, done = 0;
    while (done < n) {
        if (h.n == 0 && jobs[next].release > T) { /* idle until the next release */
            T = jobs[next].release;
            R = 0;
        }
        while (next < n && jobs[next].release <= T) {
            if (jobs[next].volume <= 0) {
                /* nothing to serve: done at its release (min_finish dominates anyway) */
                fin[done++] = jobs[next].release;
                next++;
                continue;
            }
            heap_push(&h, jobs[next].volume);
            next++;
        }
        if (h.n == 0)
            continue;
        int64_t w = heap_pop(&h);
        /* Serve w until it is done or the next release comes. */
        bool finishes = true;
        if (next < n) {
            int64_t A = jobs[next].release; /* > T */
            int64_t q = (w + R) / M;       /* w + R < 2^63: w <= M^2 + ... and R < M */
            if (A - T <= q) {
                int64_t cap = (A - T) * M - R; /* <= w + R - R = w, fits */
                if (cap < w) {
                    finishes = false;
                    heap_push(&h, w - cap);
                    T = A;
                    R = 0;
                }
            }
        }
        if (finishes) {
            int64_t total = R + w;
            T = sat_add(T, total / M);
            R = total % M;
            fin[done++] = R > 0 ? sat_add(T, 1) : T;
        }
    }
}

/* The per-rank bounds: L[k] = max(ceil(C_(k)), e_(k)), ascending (the max of two ascending
 * sequences). L has room for n. Returns false when out of memory. `jobs` is reordered. */
static bool rank_bounds(kvs_bound_job *jobs, size_t n, int64_t memory, int64_t *L)
{
    int64_t small[2 * 16];
    int64_t *buf = small;
    if (n > 16) {
        buf = malloc(2 * n * sizeof *buf);
        if (!buf)
            return false;
    }
    int64_t *heapbuf = buf, *e = buf + n;
    qsort(jobs, n, sizeof *jobs, cmp_job_release);
    srpt(jobs, n, memory, heapbuf, L);
    qsort(L, n, sizeof *L, cmp_i64); /* already sorted unless a job had no volume left */
    for (size_t i = 0; i < n; i++)
        e[i] = jobs[i].min_finish;
    qsort(e, n, sizeof *e, cmp_i64);
    for (size_t k = 0; k < n; k++)
        if (e[k] > L[k])
            L[k] = e[k];
    if (buf != small)
        free(buf);
    return true;
}

int64_t kvs_bound_completion_sum(kvs_bound_job *jobs, size_t n, int64_t memory)
{
    if (n == 0)
        return 0;
    if (memory <= 0)
        return -1;
    int64_t small[16];
    int64_t *L = n > 16 ? malloc(n * sizeof *L) : small;
    if (!L)
        return -1;
    int64_t sum = -1;
    if (rank_bounds(jobs, n, memory, L)) {
        sum = 0;
        for (size_t k = 0; k < n; k++)
            sum = sat_add(sum, L[k]);
    }
    if (L != small)
        free(L);
    return sum;
}

int64_t kvs_bound_total_latency(const kvs_workload *w)
{
    size_t n = w->count;
    if (n == 0)
        return 0;
    kvs_bound_job *jobs = malloc(n * sizeof *jobs);
    if (!jobs)
        return -1;
    int64_t arrivals = 0;
    for (size_t i = 0; i < n; i++) {
        const kvs_request *r = &w->requests[i];
        jobs[i].release = r->arrival;
        jobs[i].volume = kvs_volume(r->prompt, r->output);
        jobs[i].min_finish = r->arrival + r->output;
        arrivals = sat_add(arrivals, r->arrival);
    }
    int64_t sum = kvs_bound_completion_sum(jobs, n, w->memory);
    free(jobs);
    if (sum < 0)
        return -1;
    if (sum == INT64_MAX)
        return INT64_MAX;
    return sum - arrivals;
}

int64_t kvs_bound_burst(const kvs_request *r, size_t n, int64_t memory)
{
    if (n == 0)
        return 0;
    if (memory <= 0)
        return -1;
    int64_t *v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    int64_t outputs = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = kvs_volume(r[i].prompt, r[i].output);
        outputs = sat_add(outputs, r[i].output);
    }
    qsort(v, n, sizeof *v, cmp_i64);
    /* Σ_j V_j / M exactly, with every sum kept as quotient and remainder of M:
     * V_j = vq*M + vr (the prefix), and the running Σ_j V_j = sq*M + sr. */
    int64_t vq = 0, vr = 0, sq = 0, sr = 0;
    for (size_t j = 0; j < n; j++) {
        vq = sat_add(vq, v[j] / memory);
        vr += v[j] % memory;
        if (vr >= memory) {
            vq = sat_add(vq, 1);
            vr -= memory;
        }
        sq = sat_add(sq, vq);
        sr += vr;
        if (sr >= memory) {
            sq = sat_add(sq, 1);
            sr -= memory;
        }
    }
    free(v);
    int64_t volume_bound = sr > 0 ? sat_add(sq, 1) : sq; /* the ceiling: latencies are whole */
    return volume_bound > outputs ? volume_bound : outputs;
}

/* ---------------------------------------------------------------- the bound as time goes on */

/* Both sequences are kept only as prefix sums (n + 1 entries each): the k-th value is
 * P[k+1] - P[k], and the sums up to a rank are what the query needs. */
struct kvs_bound_profile {
    size_t n;
    int64_t *rank;    /* prefix sums of L_k, ascending L */
    int64_t *arrival; /* prefix sums of a_i, ascending a */
    bool saturated;   /* a sum reached INT64_MAX: only the total (saturated) is known */
    int64_t total;
};

static int64_t prefix_min_sum(const int64_t *P, size_t n, int64_t t)
{
    /* Σ_k min(x_k, t) for ascending x_k = P[k+1] - P[k]: the first j with x_j > t splits it */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (P[mid + 1] - P[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return P[lo] + t * (int64_t)(n - lo);
}

kvs_bound_profile *kvs_bound_profile_new(const kvs_workload *w)
{
    size_t n = w->count;
    kvs_bound_profile *p = calloc(1, sizeof *p);
    kvs_bound_job *jobs = n ? malloc(n * sizeof *jobs) : NULL;
    int64_t *L = n ? malloc(n * sizeof *L) : NULL;
    if (p) {
        p->n = n;
        p->rank = malloc((n + 1) * sizeof *p->rank);
        p->arrival = malloc((n + 1) * sizeof *p->arrival);
    }
    if (!p || !p->rank || !p->arrival || (n && (!jobs || !L)))
        goto oom;
    int64_t arrivals = 0;
    for (size_t i = 0; i < n; i++) {
        const kvs_request *r = &w->requests[i];
        jobs[i].release = r->arrival;
        jobs[i].volume = kvs_volume(r->prompt, r->output);
        jobs[i].min_finish = r->arrival + r->output;
    }
    if (n && (w->memory <= 0 || !rank_bounds(jobs, n, w->memory, L)))
        goto oom;
    p->rank[0] = 0;
    for (size_t k = 0; k < n; k++)
        p->rank[k + 1] = sat_add(p->rank[k], L[k]);
    /* jobs are sorted by release now */
    p->arrival[0] = 0;
    for (size_t i = 0; i < n; i++) {
        p->arrival[i + 1] = sat_add(p->arrival[i], jobs[i].release);
        arrivals = p->arrival[i + 1];
    }
    p->saturated = p->rank[n] == INT64_MAX || arrivals == INT64_MAX;
    p->total = p->rank[n] == INT64_MAX ? INT64_MAX : p->rank[n] - arrivals;
    free(jobs);
    free(L);
    return p;
oom:
    free(jobs);
    free(L);
    kvs_bound_profile_free(p);
    return NULL;
}

int64_t kvs_bound_profile_total(const kvs_bound_profile *p) { return p->total; }

int64_t kvs_bound_profile_at(const kvs_bound_profile *p, int64_t t)
{
    if (p->n == 0 || t <= 0)
        return 0;
    if (p->saturated)
        return -1;
    if (t > p->rank[p->n] - p->rank[p->n - 1]) /* past the last rank: the whole bound */
        return p->total;
    /* each part is at most its own total (min(x, t) <= x), so nothing overflows */
    return prefix_min_sum(p->rank, p->n, t) - prefix_min_sum(p->arrival, p->n, t);
}

void kvs_bound_profile_free(kvs_bound_profile *p)
{
    if (!p)
        return;
    free(p->rank);
    free(p->arrival);
    free(p);
}

double kvs_bound_ratio(int64_t total_latency, int64_t bound)
{
    if (bound <= 0)
        return 0.0;
    return (double)total_latency / (double)bound;
}
