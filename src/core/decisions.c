/* decisions.c: the decision log as a client of the engine, and the story of one request.
 *
 * The recorder mirrors the engine's waiting queue and running set from the public queries only:
 * before a step it adds the arrivals of t to its copy of the queue (keyed by the engine's own
 * kvs_engine_request().key, ordered by (key, arrival, index) as docs/ENGINE.md fixes), after the
 * step it reads who left the queue (admitted: a prefix of the order), who left the running set
 * (completed at t+1, or evicted at t) and the engine's block. Keys of waiting requests do not
 * change while they wait, except after a config switch and for a plugin policy (whose key may use
 * the time waited), where the copy is re-keyed every decision point. */
#include "kvscope/decisions.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kvs_decisions {
    size_t n;
    uint32_t *by_arrival;     /* request indices by (arrival, index) */
    size_t next_arrival;
    kvs_queue_entry *wait;    /* the mirror of the queue, in order */
    size_t wait_len;
    uint32_t *run;            /* the running set (any order) */
    size_t run_len;
    int64_t *adm, *rprompt;   /* per request: latest admission, residency prompt at it */
    uint64_t *seq;            /* per request: admission sequence (eviction order) */
    uint64_t next_seq;
    uint32_t *done_next;      /* completed at now (reported by the next record) */
    size_t done_next_len;
    kvs_config cfg;
    bool have_cfg;
    /* the record's buffers */
    kvs_decision rec;
    uint32_t *r_completed, *r_arrived, *r_admitted;
    kvs_queue_entry *r_queue;
    kvs_eviction *r_evicted;
    const kvs_workload *w;
};

static void *alloc_n(size_t count, size_t size) { return calloc(count ? count : 1, size); }

static const kvs_workload *wl_of(const kvs_decisions *d) { return d->w; }

static bool entry_less(const kvs_decisions *d, const kvs_queue_entry *a, const kvs_queue_entry *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    int64_t aa = wl_of(d)->requests[a->req].arrival, ab = wl_of(d)->requests[b->req].arrival;
    if (aa != ab)
        return aa < ab;
    return a->req < b->req;
}

/* qsort has no context argument in C11: sort by insertion into place (binary search + memmove),
 * which is what the per-step updates do anyway. */
static void wait_insert(kvs_decisions *d, uint32_t req, int64_t key)
{
    kvs_queue_entry x = {req, key};
    size_t lo = 0, hi = d->wait_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry_less(d, &d->wait[mid], &x))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&d->wait[lo + 1], &d->wait[lo], (d->wait_len - lo) * sizeof *d->wait);
    d->wait[lo] = x;
    d->wait_len++;
}

static void rekey(kvs_decisions *d, const kvs_engine *e)
{
    size_t len = d->wait_len;
    uint32_t *reqs = d->r_admitted; /* free scratch of size n here */
    for (size_t k = 0; k < len; k++)
        reqs[k] = d->wait[k].req;
    d->wait_len = 0;
    for (size_t k = 0; k < len; k++) {
        kvs_req_info ri;
        kvs_engine_request(e, reqs[k], &ri);
        wait_insert(d, reqs[k], ri.key);
    }
}

kvs_decisions *kvs_decisions_new(const kvs_engine *e)
{
    kvs_decisions *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    const kvs_workload *w = kvs_engine_workload(e);
    size_t n = w->count;
    d->n = n;
    d->w = w;
    d->by_arrival = alloc_n(n, sizeof *d->by_arrival);
    d->wait = alloc_n(n, sizeof *d->wait);
    d->run = alloc_n(n, sizeof *d->run);
    d->adm = alloc_n(n, sizeof *d->adm);
    d->rprompt = alloc_n(n, sizeof *d->rprompt);
    d->seq = alloc_n(n, sizeof *d->seq);
    d->done_next = alloc_n(n, sizeof *d->done_next);
    d->r_completed = alloc_n(n, sizeof *d->r_completed);
    d->r_arrived = alloc_n(n, sizeof *d->r_arrived);
    d->r_admitted = alloc_n(n, sizeof *d->r_admitted);
    d->r_queue = alloc_n(n, sizeof *d->r_queue);
    d->r_evicted = alloc_n(n, sizeof *d->r_evicted);
    if (!d->by_arrival || !d->wait || !d->run || !d->adm || !d->rprompt || !d->seq ||
        !d->done_next || !d->r_completed || !d->r_arrived || !d->r_admitted || !d->r_queue ||
        !d->r_evicted) {
        kvs_decisions_free(d);
        return NULL;
    }
    /* by (arrival, index): a counting-free merge sort would do; an insertion-ordered build via
     * a bottom-up merge keeps it O(n log n) without a qsort context */
    uint32_t *tmp = alloc_n(n, sizeof *tmp);
    if (!tmp) {
        kvs_decisions_free(d);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        d->by_arrival[i] = (uint32_t)i;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) {
                if (w->requests[d->by_arrival[b]].arrival < w->requests[d->by_arrival[a]].arrival)
                    tmp[k++] = d->by_arrival[b++];
                else
                    tmp[k++] = d->by_arrival[a++];
            }
            while (a < mid)
                tmp[k++] = d->by_arrival[a++];
            while (b < hi)
                tmp[k++] = d->by_arrival[b++];
        }
        memcpy(d->by_arrival, tmp, n * sizeof *tmp);
    }
    free(tmp);

    /* the engine's current state */
    int64_t now = kvs_engine_now(e);
    while (d->next_arrival < n && w->requests[d->by_arrival[d->next_arrival]].arrival < now)
        d->next_arrival++;
    for (size_t i = 0; i < n; i++) {
        kvs_req_info ri;
        kvs_engine_request(e, i, &ri);
        if (ri.state == KVS_REQ_WAITING) {
            wait_insert(d, (uint32_t)i, ri.key);
        } else if (ri.state == KVS_REQ_RUNNING) {
            d->run[d->run_len++] = (uint32_t)i;
            d->adm[i] = ri.admitted;
            d->rprompt[i] = ri.residency_prompt;
            d->seq[i] = ++d->next_seq; /* (within one decision point the walk order is unknown here) */
        } else if (ri.state == KVS_REQ_DONE && ri.finish == now && now > 0) {
            d->done_next[d->done_next_len++] = (uint32_t)i;
        }
    }
    d->cfg = kvs_engine_config(e);
    d->have_cfg = true;
    return d;
}

void kvs_decisions_free(kvs_decisions *d)
{
    if (!d)
        return;
    free(d->by_arrival);
    free(d->wait);
    free(d->run);
    free(d->adm);
    free(d->rprompt);
    free(d->seq);
    free(d->done_next);
    free(d->r_completed);
    free(d->r_arrived);
    free(d->r_admitted);
    free(d->r_queue);
    free(d->r_evicted);
    free(d);
}

static bool same_order(kvs_config a, kvs_config b)
{
    return a.policy == b.policy && a.information == b.information && a.key_fn == b.key_fn &&
           a.key_user == b.key_user;
}

const kvs_decision *kvs_decisions_step(kvs_decisions *d, kvs_engine *e)
{
    bool done = kvs_engine_done(e);
    if (done && d->done_next_len == 0)
        return NULL;
    const kvs_workload *w = d->w;
    int64_t t = kvs_engine_now(e);
    kvs_decision *r = &d->rec;
    memset(r, 0, sizeof *r);
    r->t = t;
    r->cfg = kvs_engine_config(e);

    /* 1. completed at t (found after the previous step) */
    memcpy(d->r_completed, d->done_next, d->done_next_len * sizeof *d->done_next);
    r->n_completed = d->done_next_len;
    r->completed = d->r_completed;
    d->done_next_len = 0;
    if (done) { /* the last decision point: only the final completions happen there */
        r->memory = kvs_engine_memory(e);
        r->eventful = true;
        return r;
    }

    /* the order may have changed since the last decision point */
    if (!d->have_cfg || !same_order(d->cfg, r->cfg) || r->cfg.policy == KVS_POLICY_PLUGIN)
        rekey(d, e);
    d->cfg = r->cfg;
    d->have_cfg = true;

    /* 2. arrivals, keyed by the engine */
    size_t na = 0;
    while (d->next_arrival < d->n && w->requests[d->by_arrival[d->next_arrival]].arrival == t) {
        uint32_t i = d->by_arrival[d->next_arrival++];
        kvs_req_info ri;
        kvs_engine_request(e, i, &ri);
        wait_insert(d, i, ri.key);
        d->r_arrived[na++] = i;
    }
    r->n_arrived = na;

    /* 3. the order the walk sees */
    memcpy(d->r_queue, d->wait, d->wait_len * sizeof *d->wait);
    r->queue_len = d->wait_len;

    kvs_engine_step(e);

    /* 4. admitted: the prefix of the order that left the queue */
    size_t nad = 0;
    while (nad < d->wait_len) {
        uint32_t i = d->wait[nad].req;
        kvs_req_info ri;
        kvs_engine_request(e, i, &ri);
        if (ri.state == KVS_REQ_WAITING || ri.admitted != t)
            break;
        d->r_admitted[nad++] = i;
    }
    memmove(d->wait, d->wait + nad, (d->wait_len - nad) * sizeof *d->wait);
    d->wait_len -= nad;
    r->n_admitted = nad;

    kvs_engine_block(e, &r->block);
    if (r->block.kind != KVS_BLOCK_NONE && r->block.decided_at != t)
        r->block.kind = KVS_BLOCK_NONE;

    /* 5. evictions among the requests that ran before; completions at t+1 among all */
    size_t nev = 0;
    for (size_t k = 0; k < d->run_len;) {
        uint32_t i = d->run[k];
        kvs_req_info ri;
        kvs_engine_request(e, i, &ri);
        if (ri.state == KVS_REQ_RUNNING) {
            k++;
            continue;
        }
        if (ri.state == KVS_REQ_WAITING) {
            kvs_eviction *v = &d->r_evicted[nev++];
            v->req = i;
            v->admitted = d->adm[i];
            v->generated = t - d->adm[i];
            v->tokens = d->rprompt[i] + (t + 1 - d->adm[i]);
        } else {
            d->done_next[d->done_next_len++] = i;
        }
        d->run[k] = d->run[--d->run_len];
    }
    for (size_t k = 0; k < nad; k++) {
        uint32_t i = d->r_admitted[k];
        kvs_req_info ri;
        kvs_engine_request(e, i, &ri);
        d->adm[i] = t;
        d->rprompt[i] = ri.residency_prompt;
        d->seq[i] = ++d->next_seq;
        if (ri.state == KVS_REQ_DONE)
            d->done_next[d->done_next_len++] = i;
        else
            d->run[d->run_len++] = i;
    }
    /* eviction order: most recently admitted first (insertion sort: victims are few) */
    for (size_t a = 1; a < nev; a++) {
        kvs_eviction x = d->r_evicted[a];
        size_t b = a;
        while (b > 0 && d->seq[d->r_evicted[b - 1].req] < d->seq[x.req]) {
            d->r_evicted[b] = d->r_evicted[b - 1];
            b--;
        }
        d->r_evicted[b] = x;
    }
    r->n_evicted = nev;
    r->memory = kvs_engine_memory(e);
    if (nev) {
        r->overflow = r->memory;
        for (size_t k = 0; k < nev; k++)
            r->overflow += d->r_evicted[k].tokens;
    }
    for (size_t k = 0; k < nev; k++) { /* back in the queue, keyed by the engine */
        kvs_req_info ri;
        kvs_engine_request(e, d->r_evicted[k].req, &ri);
        wait_insert(d, d->r_evicted[k].req, ri.key);
    }

    r->completed = d->r_completed;
    r->arrived = d->r_arrived;
    r->queue = d->r_queue;
    r->admitted = d->r_admitted;
    r->evicted = d->r_evicted;
    r->eventful = r->n_completed || r->n_arrived || nad || nev || r->block.kind != KVS_BLOCK_NONE;
    return r;
}

int kvs_decisions_advance_to(kvs_decisions *d, kvs_engine *e, int64_t t, kvs_decision_fn fn,
                             void *user)
{
    for (;;) {
        bool done = kvs_engine_done(e);
        if (done && (d->done_next_len == 0 || kvs_engine_now(e) > t))
            return 0;
        if (!done && kvs_engine_now(e) >= t)
            return 0;
        /* nothing waits, runs or completes: jump to the next arrival */
        if (!done && d->wait_len == 0 && d->run_len == 0 && d->done_next_len == 0 &&
            d->next_arrival < d->n) {
            int64_t a = d->w->requests[d->by_arrival[d->next_arrival]].arrival;
            if (a > t)
                a = t;
            if (a > kvs_engine_now(e)) {
                kvs_engine_advance_to(e, a);
                continue;
            }
        }
        const kvs_decision *r = kvs_decisions_step(d, e);
        if (r && r->eventful && fn) {
            int rc = fn(r, user);
            if (rc)
                return rc;
        }
    }
}

int kvs_decisions_run(kvs_decisions *d, kvs_engine *e, kvs_decision_fn fn, void *user)
{
    return kvs_decisions_advance_to(d, e, INT64_MAX, fn, user);
}

int kvs_decisions_run_plan(kvs_decisions *d, kvs_engine *e, const kvs_switch *plan, size_t n,
                           kvs_decision_fn fn, void *user)
{
    for (size_t k = 0; k < n; k++) {
        int rc = kvs_decisions_advance_to(d, e, plan[k].at, fn, user);
        if (rc)
            return rc;
        if (kvs_engine_done(e))
            break;
        if (kvs_engine_set_config(e, plan[k].cfg) != 0)
            return -1;
    }
    return kvs_decisions_run(d, e, fn, user);
}

/* ================================================================ the story of one request */

typedef enum { EV_ADMIT, EV_EVICT, EV_FINISH } ev_kind;

typedef struct {
    ev_kind kind;
    int64_t t;
    /* admit: the waiting episode that it ends */
    int64_t since;            /* arrival or eviction point that began the wait */
    int64_t rank, of;         /* admit: position in the walk / queue length */
    size_t n_freed;           /* completions at t */
    uint32_t freed;           /* the first of them */
    size_t blocked, behind;
    kvs_block first_block;
    uint32_t last_blocker;
    /* evict */
    int64_t generated, tokens, overflow, budget;
    size_t victim_no, victims;
} story_ev;

typedef struct {
    bool open;                /* waiting (between arrival/eviction and admission) */
    int64_t since;
    bool ranked;
    int64_t rank, of, key;
    kvs_config cfg;
    size_t blocked, behind;
    kvs_block first_block, last_block;
    uint32_t last_blocker;
} episode;

struct kvs_story {
    uint32_t req;
    bool arrived;
    int64_t arrival;
    int64_t arrival_rank;
    episode cur;
    episode first;            /* the arrival episode's ranking, kept for the totals */
    story_ev *ev;
    size_t len, cap;
    size_t blocked_total, behind_total, evictions, admissions;
    int64_t finished;
    int64_t waited_total;
    bool running;
    int64_t running_since;
    /* rank lines of later episodes */
    int64_t *ranks;           /* per episode: rank, of, key (3 values), episode 0 = arrival */
    kvs_config *rank_cfg;
    size_t nranks, rcap;
};

kvs_story *kvs_story_new(uint32_t req)
{
    kvs_story *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->req = req;
    s->finished = -1;
    return s;
}

void kvs_story_free(kvs_story *s)
{
    if (!s)
        return;
    free(s->ev);
    free(s->ranks);
    free(s->rank_cfg);
    free(s);
}

uint32_t kvs_story_request(const kvs_story *s) { return s->req; }

static story_ev *push_ev(kvs_story *s, ev_kind k, int64_t t)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        story_ev *p = realloc(s->ev, cap * sizeof *p);
        if (!p)
            return NULL;
        s->ev = p;
        s->cap = cap;
    }
    story_ev *x = &s->ev[s->len++];
    memset(x, 0, sizeof *x);
    x->kind = k;
    x->t = t;
    return x;
}

static void open_episode(kvs_story *s, int64_t since)
{
    memset(&s->cur, 0, sizeof s->cur);
    s->cur.open = true;
    s->cur.since = since;
}

void kvs_story_feed(kvs_story *s, const kvs_decision *d)
{
    uint32_t me = s->req;
    for (size_t k = 0; k < d->n_completed; k++)
        if (d->completed[k] == me) {
            s->finished = d->t;
            s->running = false;
            story_ev *x = push_ev(s, EV_FINISH, d->t);
            (void)x;
        }
    for (size_t k = 0; k < d->n_arrived; k++)
        if (d->arrived[k] == me) {
            s->arrived = true;
            s->arrival = d->t;
            open_episode(s, d->t);
        }
    if (!s->cur.open)
        goto evictions;
    /* rank at the episode's first decision point */
    if (!s->cur.ranked) {
        for (size_t k = 0; k < d->queue_len; k++)
            if (d->queue[k].req == me) {
                s->cur.ranked = true;
                s->cur.rank = (int64_t)k + 1;
                s->cur.of = (int64_t)d->queue_len;
                s->cur.key = d->queue[k].key;
                s->cur.cfg = d->cfg;
                if (s->nranks == s->rcap) {
                    size_t cap = s->rcap ? 2 * s->rcap : 4;
                    int64_t *p = realloc(s->ranks, cap * 3 * sizeof *p);
                    kvs_config *c = p ? realloc(s->rank_cfg, cap * sizeof *c) : NULL;
                    if (p)
                        s->ranks = p;
                    if (c) {
                        s->rank_cfg = c;
                        s->rcap = cap;
                    }
                }
                if (s->nranks < s->rcap) {
                    s->ranks[3 * s->nranks] = s->cur.rank;
                    s->ranks[3 * s->nranks + 1] = s->cur.of;
                    s->ranks[3 * s->nranks + 2] = s->cur.key;
                    s->rank_cfg[s->nranks++] = d->cfg;
                }
                if (s->nranks == 1)
                    s->arrival_rank = s->cur.rank;
                break;
            }
    }
    for (size_t k = 0; k < d->n_admitted; k++)
        if (d->admitted[k] == me) {
            story_ev *x = push_ev(s, EV_ADMIT, d->t);
            s->admissions++;
            s->waited_total += d->t - s->cur.since;
            if (x) {
                x->since = s->cur.since;
                x->rank = (int64_t)k + 1;
                x->of = (int64_t)d->queue_len;
                x->n_freed = d->n_completed;
                x->freed = d->n_completed ? d->completed[0] : 0;
                x->blocked = s->cur.blocked;
                x->behind = s->cur.behind;
                x->first_block = s->cur.first_block;
                x->last_blocker = s->cur.last_blocker;
            }
            s->cur.open = false;
            s->running = true;
            s->running_since = d->t;
            goto evictions;
        }
    if (d->block.kind != KVS_BLOCK_NONE) {
        if (d->block.req == me) {
            if (s->cur.blocked++ == 0)
                s->cur.first_block = d->block;
            s->cur.last_block = d->block;
            s->blocked_total++;
        } else {
            s->cur.behind++;
            s->cur.last_blocker = d->block.req;
            s->behind_total++;
        }
    }
evictions:
    for (size_t k = 0; k < d->n_evicted; k++)
        if (d->evicted[k].req == me) {
            story_ev *x = push_ev(s, EV_EVICT, d->t);
            s->evictions++;
            s->running = false;
            if (x) {
                x->generated = d->evicted[k].generated;
                x->tokens = d->evicted[k].tokens;
                x->overflow = d->overflow;
                x->budget = d->block.memory_budget;
                x->victim_no = k + 1;
                x->victims = d->n_evicted;
            }
            open_episode(s, d->t);
        }
}

void kvs_story_totals_get(const kvs_story *s, kvs_story_totals *o)
{
    memset(o, 0, sizeof *o);
    o->arrival_rank = s->arrival_rank;
    o->admissions = s->admissions;
    o->evictions = s->evictions;
    o->blocked_head = s->blocked_total;
    o->behind = s->behind_total;
    o->finished = s->finished;
}

/* ---------------------------------------------------------------- telling */

const char *kvs_request_label(const kvs_workload *w, size_t i, char *buf, size_t n)
{
    if (i < w->count && w->requests[i].id)
        snprintf(buf, n, "%s", w->requests[i].id);
    else
        snprintf(buf, n, "%zu", i + 1);
    return buf;
}

const char *kvs_key_phrase(kvs_config c)
{
    switch (c.policy) {
    case KVS_POLICY_FCFS: return "arrival";
    case KVS_POLICY_SJF: return "estimated output";
    case KVS_POLICY_SVF: return "volume";
    case KVS_POLICY_SPF: return "prompt";
    case KVS_POLICY_PLUGIN: return "key";
    }
    return "key";
}

/* "2 190", "312 450", "-5 000" */
static char *num(int64_t x, char *buf, size_t n)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%" PRId64, x);
    const char *p = digits;
    size_t len = 0;
    if (*p == '-')
        buf[len++] = *p++;
    size_t nd = strlen(p);
    for (size_t k = 0; k < nd && len + 2 < n; k++) {
        if (k > 0 && nd >= 4 && (nd - k) % 3 == 0)
            buf[len++] = ' ';
        buf[len++] = p[k];
    }
    buf[len] = '\0';
    return buf;
}

static const char *ordinal_suffix(int64_t k)
{
    if (k % 100 >= 11 && k % 100 <= 13)
        return "th";
    switch (k % 10) {
    case 1: return "st";
    case 2: return "nd";
    case 3: return "rd";
    }
    return "th";
}

static void block_phrase(const kvs_block *b, char *buf, size_t n)
{
    char x[32], m[32];
    num(b->tokens, x, sizeof x);
    num(b->memory_budget, m, sizeof m);
    if (b->kind == KVS_BLOCK_LOOKAHEAD)
        snprintf(buf, n, "by the lookahead at step %" PRId64 " (%s > %s tokens)", b->at_step, x, m);
    else
        snprintf(buf, n, "by current memory: step %" PRId64 " would hold %s > %s tokens",
                 b->at_step, x, m);
}

typedef struct {
    kvs_story_emit emit;
    void *user;
} teller;

static void say(const teller *tl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const teller *tl, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tl->emit(buf, tl->user);
}

static void tell_rank(const kvs_story *s, const teller *tl, size_t ep, bool compact)
{
    if (ep >= s->nranks)
        return;
    char k[32];
    int64_t rank = s->ranks[3 * ep], of = s->ranks[3 * ep + 1];
    num(s->ranks[3 * ep + 2], k, sizeof k);
    if (compact)
        say(tl, "rank %" PRId64 "/%" PRId64 " by %s %s", rank, of, kvs_key_phrase(s->rank_cfg[ep]),
            k);
    else
        say(tl, "%s %" PRId64 "%s of %" PRId64 " in the queue by %s %s",
            ep == 0 ? "ranked" : "back in the queue, ranked", rank, ordinal_suffix(rank), of,
            kvs_key_phrase(s->rank_cfg[ep]), k);
}

static void tell_wait(const teller *tl, const kvs_workload *w, size_t blocked, size_t behind,
                      const kvs_block *first, uint32_t blocker, bool compact)
{
    char id[64], why[160];
    if (behind) {
        kvs_request_label(w, blocker, id, sizeof id);
        say(tl, compact ? "behind a blocked head %zu time%s (last #%s)"
                        : "waited behind a blocked head of the queue %zu time%s (last #%s)",
            behind, behind == 1 ? "" : "s", id);
    }
    if (blocked) {
        block_phrase(first, why, sizeof why);
        say(tl, compact ? "blocked %zu time%s, first at %" PRId64 " %s"
                        : "blocked %zu time%s at the head of the queue, first at %" PRId64 " %s",
            blocked, blocked == 1 ? "" : "s", first->decided_at, why);
    }
}

void kvs_story_tell(const kvs_story *s, const kvs_workload *w, int64_t now, bool compact,
                    kvs_story_emit emit, void *user)
{
    teller tl = {emit, user};
    char id[64], a[32], b[32], c[32];
    const kvs_request *rq = s->req < w->count ? &w->requests[s->req] : NULL;
    if (!rq)
        return;
    if (!s->arrived) {
        say(&tl, "arrives at %" PRId64 " (not yet)", rq->arrival);
        return;
    }
    num(rq->prompt, a, sizeof a);
    num(rq->output, b, sizeof b);
    num(kvs_volume(rq->prompt, rq->output), c, sizeof c);
    if (compact)
        say(&tl, "arrived at %" PRId64, s->arrival);
    else
        say(&tl, "arrived at %" PRId64 " (prompt %s, output %s, volume %s)", s->arrival, a, b, c);
    size_t ep = 0, nadm = 0;
    tell_rank(s, &tl, ep++, compact);
    for (size_t k = 0; k < s->len; k++) {
        const story_ev *x = &s->ev[k];
        switch (x->kind) {
        case EV_ADMIT: {
            tell_wait(&tl, w, x->blocked, x->behind, &x->first_block, x->last_blocker, compact);
            char when[160] = "";
            if (x->n_freed) {
                kvs_request_label(w, x->freed, id, sizeof id);
                if (x->n_freed == 1)
                    snprintf(when, sizeof when, " when #%s finished", id);
                else
                    snprintf(when, sizeof when, " when #%s and %zu more finished", id,
                             x->n_freed - 1);
            } else if (x->t == x->since) {
                snprintf(when, sizeof when, " at once");
            } else if (x->blocked) {
                snprintf(when, sizeof when, " once the batch's peak had shrunk");
            } else {
                snprintf(when, sizeof when, " after the requests ahead of it");
            }
            const char *verb = nadm++ == 0 ? "admitted" : "re-admitted";
            if (compact)
                say(&tl, "%s at %" PRId64 "%s", verb, x->t, when);
            else
                say(&tl, "%s at %" PRId64 "%s (%" PRId64 "%s in the walk, after waiting %" PRId64
                         ")",
                    verb, x->t, when,
                    x->rank, ordinal_suffix(x->rank), x->t - x->since);
            break;
        }
        case EV_EVICT:
            num(x->overflow, a, sizeof a);
            num(x->budget, b, sizeof b);
            if (compact)
                say(&tl, "evicted at %" PRId64 " after %" PRId64 " tokens", x->t, x->generated);
            else
                say(&tl, "evicted at %" PRId64 " after %" PRId64 " tokens: step %" PRId64
                         " would hold %s > %s tokens and it was %s",
                    x->t, x->generated, x->t + 1, a, b,
                    x->victim_no == 1 ? "the most recently admitted"
                                      : "among the most recently admitted");
            tell_rank(s, &tl, ep++, compact);
            break;
        case EV_FINISH:
            if (compact)
                say(&tl, "finished at %" PRId64 ": latency %" PRId64, x->t, x->t - rq->arrival);
            else
                say(&tl, "finished at %" PRId64 ": latency %" PRId64 ", TTFT %" PRId64
                         ", waited %" PRId64 " in all",
                    x->t, x->t - rq->arrival,
                    s->admissions ? s->ev[0].t + 1 - rq->arrival : -1, s->waited_total);
            break;
        }
    }
    if (s->cur.open) { /* compact: the why last, as the inspector keeps the last lines */
        if (compact)
            say(&tl, "waiting for %" PRId64, now - s->cur.since);
        tell_wait(&tl, w, s->cur.blocked, s->cur.behind, &s->cur.first_block, s->cur.last_blocker,
                  compact);
        if (!compact)
            say(&tl, "still waiting at %" PRId64 " (for %" PRId64 ")", now, now - s->cur.since);
    } else if (s->running && s->finished < 0) {
        say(&tl, "running since %" PRId64, s->running_since);
    }
}
