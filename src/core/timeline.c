/* timeline.c: moving through time with a deterministic engine: snapshots plus replay, and the log
 * of config switches that a replay re-applies at their decision points.
 *
 * When to snapshot: a snapshot costs a copy of the engine (kvs_engine_footprint bytes), a seek
 * costs the replay from the snapshot before it (the engine's work since). So a snapshot is taken
 * once the work since the last one would take about as long as the copy, BYTES_PER_OP bytes per
 * operation, times 2^thin; when there are too many, thin grows and every other one goes. For a
 * 100 000-request workload that is every few thousand steps of a built-in policy, and nearly every
 * step of a plugin that re-keys 100 000 waiting requests each time: a fixed step interval was
 * wrong for one or the other (16 steps made the first seconds of a big run all copying). */
#include "kvscope/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Snapshots may use about this much memory in all; fewer are kept for larger workloads. */
#define SNAPSHOT_BUDGET_BYTES ((size_t)256 << 20)
#define MIN_SNAPSHOTS 4
#define MAX_SNAPSHOTS 256
/* Copying this many bytes of engine state takes about as long as one engine operation (a heap
 * move, a block of the lookahead scan): measured with the UI's big.yaml, docs/UI.md. */
#define BYTES_PER_OP 64.0

typedef struct {
    int64_t t;
    uint64_t work; /* kvs_engine_work at t */
    kvs_engine *e;
} snapshot;

struct kvs_timeline {
    const kvs_workload *w;
    kvs_config initial;
    kvs_engine *cur;
    snapshot *snaps; /* sorted by t; snaps[0] is t = 0 */
    size_t n_snaps, max_snaps;
    unsigned thin;  /* snapshots are 2^thin copies' worth of work apart */
    int64_t stride; /* steps per engine call while going forward, adapted to the work it does */
    kvs_switch *sw; /* recorded switches, sorted by `at` */
    size_t sw_len, sw_cap;
    int64_t furthest;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "kvscope: out of memory (%zu bytes)\n", n);
        abort();
    }
    return q;
}

static void drop_snapshots_after(kvs_timeline *tl, int64_t t)
{
    while (tl->n_snaps > 1 && tl->snaps[tl->n_snaps - 1].t > t)
        kvs_engine_free(tl->snaps[--tl->n_snaps].e);
}

static void clear(kvs_timeline *tl)
{
    kvs_engine_free(tl->cur);
    tl->cur = NULL;
    for (size_t i = 0; i < tl->n_snaps; i++)
        kvs_engine_free(tl->snaps[i].e);
    tl->n_snaps = 0;
    tl->sw_len = 0;
}

static int start(kvs_timeline *tl, kvs_config cfg, char *why, size_t n)
{
    tl->cur = kvs_engine_new(tl->w, cfg, why, n);
    if (!tl->cur)
        return -1;
    tl->initial = cfg;
    tl->snaps[0].t = 0;
    tl->snaps[0].work = kvs_engine_work(tl->cur);
    tl->snaps[0].e = kvs_engine_clone(tl->cur);
    tl->n_snaps = 1;
    tl->thin = 0;
    tl->stride = 16;
    tl->furthest = 0;
    return 0;
}

kvs_timeline *kvs_timeline_new(const kvs_workload *w, kvs_config cfg, char *why, size_t n)
{
    kvs_timeline *tl = calloc(1, sizeof *tl);
    if (!tl)
        return NULL;
    tl->w = w;
    /* per request the engine keeps roughly 150 bytes of state */
    size_t per = 150 * (w->count + 1);
    size_t max = SNAPSHOT_BUDGET_BYTES / per;
    tl->max_snaps = max < MIN_SNAPSHOTS ? MIN_SNAPSHOTS : max > MAX_SNAPSHOTS ? MAX_SNAPSHOTS : max;
    tl->snaps = calloc(tl->max_snaps + 1, sizeof *tl->snaps);
    if (!tl->snaps || start(tl, cfg, why, n) < 0) {
        free(tl->snaps);
        free(tl);
        return NULL;
    }
    return tl;
}

void kvs_timeline_free(kvs_timeline *tl)
{
    if (!tl)
        return;
    clear(tl);
    free(tl->snaps);
    free(tl->sw);
    free(tl);
}

const kvs_engine *kvs_timeline_engine(const kvs_timeline *tl) { return tl->cur; }
int64_t kvs_timeline_now(const kvs_timeline *tl) { return kvs_engine_now(tl->cur); }
int64_t kvs_timeline_furthest(const kvs_timeline *tl) { return tl->furthest; }

/* The work after which the next snapshot is due (see the top of the file). */
static double snapshot_work(const kvs_timeline *tl)
{
    return (double)kvs_engine_footprint(tl->cur) / BYTES_PER_OP * (double)(1u << tl->thin);
}

/* Keep a snapshot when enough work has been done since the last one; when there are too many,
 * double the spacing and keep every other one (t = 0 always stays). */
static void maybe_snapshot(kvs_timeline *tl)
{
    const snapshot *last = &tl->snaps[tl->n_snaps - 1];
    int64_t now = kvs_engine_now(tl->cur);
    uint64_t work = kvs_engine_work(tl->cur);
    if (now <= last->t || (double)(work - last->work) < snapshot_work(tl))
        return;
    tl->snaps[tl->n_snaps].t = now;
    tl->snaps[tl->n_snaps].work = work;
    tl->snaps[tl->n_snaps].e = kvs_engine_clone(tl->cur);
    tl->n_snaps++;
    if (tl->n_snaps <= tl->max_snaps)
        return;
    if (tl->thin < 30)
        tl->thin++;
    size_t keep = 1;
    for (size_t i = 1; i < tl->n_snaps; i++) {
        if (i % 2 == 0 || i == tl->n_snaps - 1)
            tl->snaps[keep++] = tl->snaps[i];
        else
            kvs_engine_free(tl->snaps[i].e);
    }
    tl->n_snaps = keep;
}

static void apply_switches_at_now(kvs_timeline *tl)
{
    int64_t now = kvs_engine_now(tl->cur);
    for (size_t i = 0; i < tl->sw_len; i++)
        if (tl->sw[i].at == now)
            kvs_engine_set_config(tl->cur, tl->sw[i].cfg);
}

static int64_t next_switch_after(const kvs_timeline *tl, int64_t t)
{
    for (size_t i = 0; i < tl->sw_len; i++)
        if (tl->sw[i].at > t)
            return tl->sw[i].at;
    return INT64_MAX;
}

/* Forward to t, re-applying switches and taking snapshots on the way. */
static void forward(kvs_timeline *tl, int64_t t)
{
    apply_switches_at_now(tl);
    while (kvs_engine_now(tl->cur) < t && !kvs_engine_done(tl->cur)) {
        int64_t now = kvs_engine_now(tl->cur);
        int64_t target = next_switch_after(tl, now);
        /* a stride at a time, so that a snapshot comes near where its work is due */
        if (tl->stride < target - now)
            target = now + tl->stride;
        if (t < target)
            target = t;
        uint64_t w0 = kvs_engine_work(tl->cur);
        kvs_engine_advance_to(tl->cur, target);
        double did = (double)(kvs_engine_work(tl->cur) - w0), due = snapshot_work(tl);
        if (did * 8 < due && target - now == tl->stride && tl->stride < ((int64_t)1 << 40))
            tl->stride *= 2;
        else if (did > due / 2 && tl->stride > 1)
            tl->stride /= 2;
        maybe_snapshot(tl);
        apply_switches_at_now(tl);
    }
    int64_t now = kvs_engine_now(tl->cur);
    if (now > tl->furthest)
        tl->furthest = now;
}

void kvs_timeline_step(kvs_timeline *tl)
{
    forward(tl, kvs_engine_now(tl->cur) + 1);
}

void kvs_timeline_advance_to(kvs_timeline *tl, int64_t t)
{
    forward(tl, t);
}

int kvs_timeline_seek(kvs_timeline *tl, int64_t t)
{
    if (t < 0 || t > tl->furthest)
        return -1;
    int64_t now = kvs_engine_now(tl->cur);
    if (t < now) {
        size_t i = tl->n_snaps;
        while (i > 1 && tl->snaps[i - 1].t > t)
            i--;
        kvs_engine_free(tl->cur);
        tl->cur = kvs_engine_clone(tl->snaps[i - 1].e);
    }
    forward(tl, t);
    return 0;
}

int kvs_timeline_back(kvs_timeline *tl)
{
    int64_t now = kvs_engine_now(tl->cur);
    return now == 0 ? -1 : kvs_timeline_seek(tl, now - 1);
}

int kvs_timeline_set_config(kvs_timeline *tl, kvs_config cfg)
{
    kvs_config had = kvs_engine_config(tl->cur);
    if (kvs_config_same(had, cfg))
        return 0;
    if (kvs_engine_set_config(tl->cur, cfg) < 0)
        return -1;
    int64_t now = kvs_engine_now(tl->cur);
    /* a new branch: the recorded future is gone */
    size_t keep = 0;
    while (keep < tl->sw_len && tl->sw[keep].at < now)
        keep++;
    tl->sw_len = keep;
    if (tl->sw_len == tl->sw_cap) {
        tl->sw_cap = tl->sw_cap ? 2 * tl->sw_cap : 8;
        tl->sw = xrealloc(tl->sw, tl->sw_cap * sizeof *tl->sw);
    }
    tl->sw[tl->sw_len].at = now;
    tl->sw[tl->sw_len++].cfg = cfg;
    drop_snapshots_after(tl, now);
    /* a snapshot taken at `now` was taken before this switch; replay re-applies it, so it stays */
    tl->furthest = now;
    return 0;
}

int kvs_timeline_plan(kvs_timeline *tl, const kvs_switch *plan, size_t n)
{
    int64_t last = kvs_engine_now(tl->cur);
    if (tl->sw_len > 0 && tl->sw[tl->sw_len - 1].at > last)
        last = tl->sw[tl->sw_len - 1].at;
    for (size_t k = 0; k < n; k++) {
        if (plan[k].at <= last || !kvs_config_valid(plan[k].cfg, NULL, 0))
            return -1;
        last = plan[k].at;
    }
    if (tl->sw_len + n > tl->sw_cap) {
        tl->sw_cap = tl->sw_len + n;
        tl->sw = xrealloc(tl->sw, tl->sw_cap * sizeof *tl->sw);
    }
    memcpy(tl->sw + tl->sw_len, plan, n * sizeof *plan);
    tl->sw_len += n;
    return 0;
}

size_t kvs_timeline_switches(const kvs_timeline *tl, const kvs_switch **out)
{
    *out = tl->sw;
    return tl->sw_len;
}

void kvs_timeline_restart(kvs_timeline *tl, kvs_config cfg)
{
    kvs_config old = tl->initial;
    clear(tl);
    if (start(tl, cfg, NULL, 0) < 0) /* cfg invalid: keep the old initial config */
        start(tl, old, NULL, 0);
}
