/* kvscope/bound.h: lower bounds on the total end-to-end latency Σ (c_i − a_i) that ANY schedule of
 * MODEL.md's model can reach on a workload: the hindsight optimum, with or without preemption
 * (eviction), is never below them. Pure functions; the proofs are in docs/OPTIMUM.md.
 *
 *  - kvs_bound_burst: Kong et al., Prop. 3.1, for a burst (arrivals ignored, i.e. all at 0):
 *      ceil(max(Σ o_i, (1/M) Σ_j Σ_{i<=j} v_(i))), volumes sorted ascending.
 *  - kvs_bound_total_latency: the bound the reports use, valid for online arrivals:
 *      Σ_k max(ceil(C_(k)), e_(k)) − Σ a_i
 *    where C_(k) is the k-th completion time of SRPT run on the volumes (released at a_i) by one
 *    server of speed M, and e_(k) the k-th smallest a_i + o_i. For a burst it is >= Prop. 3.1. */
#ifndef KVSCOPE_BOUND_H
#define KVSCOPE_BOUND_H

#include <stddef.h>
#include <stdint.h>

#include "kvscope/workload.h"

/* Prop. 3.1 on requests r[0..n) with budget M (> 0). Arrivals are ignored. Returns -1 only when
 * out of memory. Saturates at INT64_MAX. */
int64_t kvs_bound_burst(const kvs_request *r, size_t n, int64_t memory);

/* The online lower bound on total latency for the workload (its requests, arrivals and M).
 * 0 for an empty workload; -1 only when out of memory. Saturates at INT64_MAX. O(n log n). */
int64_t kvs_bound_total_latency(const kvs_workload *w);

/* The engine of both, for callers that bound what is left of a partial schedule (kvs_opt's search):
 * jobs with a release time (no work before it), a volume of token-steps still to do (>= 0) and an
 * earliest possible completion step. Returns a lower bound on Σ completion steps, or -1 when out
 * of memory. `jobs` is reordered. */
typedef struct {
    int64_t release;
    int64_t volume;
    int64_t min_finish;
} kvs_bound_job;
int64_t kvs_bound_completion_sum(kvs_bound_job *jobs, size_t n, int64_t memory);

/* The same bound as time goes on, for a live ratio. With L_k = max(ceil(C_(k)), e_(k)) (the k-th
 * completion of any schedule is >= L_k), the latency any schedule has accrued by time t,
 *     Σ_i (min(c_i, t) - min(a_i, t))   (each request counts the steps it has been in the system),
 * is at least
 *     kvs_bound_profile_at(p, t) = Σ_k min(L_k, t) - Σ_i min(a_i, t),
 * which grows to kvs_bound_total_latency once t passes the last L_k. O(n log n) to build,
 * O(log n) per query, 16 bytes per request. The profile owns its memory; free it with
 * kvs_bound_profile_free. NULL when out of memory. */
typedef struct kvs_bound_profile kvs_bound_profile;
kvs_bound_profile *kvs_bound_profile_new(const kvs_workload *w);
/* -1 when a sum saturated (absurd inputs): no partial bound is known then. */
int64_t kvs_bound_profile_at(const kvs_bound_profile *p, int64_t t);
/* = kvs_bound_total_latency of the workload */
int64_t kvs_bound_profile_total(const kvs_bound_profile *p);
void kvs_bound_profile_free(kvs_bound_profile *p);

/* The ratio a report shows: total / bound, or 0 when bound <= 0 (nothing to compare). */
double kvs_bound_ratio(int64_t total_latency, int64_t bound);

#endif
