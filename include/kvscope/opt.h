/* kvscope/opt.h: the exact hindsight optimum of MODEL.md's model for tiny workloads (at most
 * KVS_OPT_MAX_REQUESTS requests), by exhaustive best-first search with pruning (docs/OPTIMUM.md).
 *
 * A schedule says, for every step u, which requests run in it. Request i may run in step u only if
 * a_i < u (admitted at a decision point >= a_i); running it in a step produces one token, and it
 * then holds s_i + (tokens produced so far, this one included); at every step the requests run hold
 * at most M tokens; i completes at the step of its o_i-th token. Two classes of schedules:
 *  - KVS_OPT_NO_PREEMPTION: once admitted a request runs every step until it completes (one
 *    residency, as with exact information and lookahead admission). The theory's benchmark.
 *  - KVS_OPT_PREEMPTION: a request may also be paused and resumed later, keeping its tokens —
 *    exactly what MODEL.md's eviction (§2.5: recompute, prefill free) allows. Every policy's run,
 *    evictions included, is such a schedule, so this optimum is <= every policy.
 * Both minimise the total latency Σ (c_i − a_i). */
#ifndef KVSCOPE_OPT_H
#define KVSCOPE_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "kvscope/engine.h"
#include "kvscope/workload.h"

#define KVS_OPT_MAX_REQUESTS 10

typedef enum { KVS_OPT_NO_PREEMPTION, KVS_OPT_PREEMPTION } kvs_opt_mode;

typedef enum {
    KVS_OPT_OK,
    KVS_OPT_TOO_MANY,  /* more than KVS_OPT_MAX_REQUESTS requests */
    KVS_OPT_TOO_BIG,   /* the search went past its node budget (outputs too long) */
    KVS_OPT_NO_MEMORY,
    KVS_OPT_INVALID,   /* the workload fails kvs_workload_validate */
} kvs_opt_status;

typedef struct {
    kvs_opt_status status;
    int64_t total_latency;  /* the optimum */
    int64_t makespan;
    size_t count;           /* requests */
    int64_t start[KVS_OPT_MAX_REQUESTS];  /* first admission, input order */
    int64_t finish[KVS_OPT_MAX_REQUESTS];
    /* The optimal schedule as the engine's history: one segment per residency in admission
     * order (evicted = 1 when a pause ends it). Owned; free with kvs_opt_result_free. */
    kvs_segment *segments;
    size_t nsegments;
    uint64_t expanded;      /* search states expanded */
    uint64_t generated;     /* search states stored */
} kvs_opt_result;

/* Default budget of stored search states (about 50 bytes each). */
#define KVS_OPT_DEFAULT_NODES ((uint64_t)2000000)

/* Solve; out->status says how it went (and is returned). max_nodes = 0 means the default. */
kvs_opt_status kvs_opt_solve(const kvs_workload *w, kvs_opt_mode mode, uint64_t max_nodes,
                             kvs_opt_result *out);
void kvs_opt_result_free(kvs_opt_result *r);
/* "ok", "more than 10 requests", ... (static strings). */
const char *kvs_opt_status_describe(kvs_opt_status s);

#endif
