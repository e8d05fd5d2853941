/* kvscope/decisions.h: the decision log and the story of one request.
 *
 * The recorder is a *client* of the engine: it drives an engine one decision point at a time
 * (kvs_engine_step) and reads the engine's public queries before and after each step (request
 * info, the block of the head, memory), so the engine itself knows nothing about logging. For
 * every decision point t it reports (docs/DECISIONS.md):
 *   - the requests that completed at t (phase 1) and arrived at t (phase 2);
 *   - the whole waiting queue in the policy's order after the arrivals (phase 3);
 *   - who was admitted, in the order of the walk (a prefix of that queue, phase 4);
 *   - the head that did not fit and why (kvs_block: the lookahead's failing step and tokens, or
 *     the current-memory shortfall);
 *   - each eviction with its victim, in eviction order, and the memory that forced it (phase 5).
 *
 * A story (kvs_story) follows one request through the records and tells its life in plain
 * sentences: arrival and rank, the decision points it was the blocked head or waited behind one,
 * admission and what freed the memory, evictions, completion. `kvscope explain` prints it; the
 * UI's inspector shows it for the selected request.
 *
 * Pure C: no I/O, no globals. Formatting is snprintf into caller buffers. */
#ifndef KVSCOPE_DECISIONS_H
#define KVSCOPE_DECISIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvscope/engine.h"

typedef struct {
    uint32_t req;
    int64_t admitted;  /* the decision point that began the residency that ended here */
    int64_t generated; /* output tokens produced in that residency (kept: recompute) */
    int64_t tokens;    /* KV tokens it would have held during step t+1 */
} kvs_eviction;

typedef struct {
    int64_t t;               /* the decision point */
    kvs_config cfg;          /* in force at t */
    const uint32_t *completed; size_t n_completed; /* completed at t, by request index */
    const uint32_t *arrived;   size_t n_arrived;   /* arrived at t, by request index */
    const kvs_queue_entry *queue; size_t queue_len; /* the queue after arrivals, policy order */
    const uint32_t *admitted;  size_t n_admitted;  /* = queue[0 .. n_admitted).req */
    kvs_block block;         /* the head that did not fit (kind NONE: none) */
    const kvs_eviction *evicted; size_t n_evicted; /* most recently admitted first */
    int64_t overflow;        /* memory step t+1 would have held before the evictions, or 0 */
    int64_t memory;          /* memory of step t+1 (after the evictions) */
    bool eventful;           /* anything of the above happened (else the log skips it) */
} kvs_decision;

typedef struct kvs_decisions kvs_decisions;

/* A recorder for engine e, in e's current state (normally a fresh engine at t = 0). It borrows
 * nothing from e but reads its workload size. NULL when out of memory. */
kvs_decisions *kvs_decisions_new(const kvs_engine *e);
void kvs_decisions_free(kvs_decisions *d);

/* Make decision point now of e (one kvs_engine_step) and describe it. The record and its arrays
 * stay valid until the next call. NULL when e is done. A config switch (kvs_engine_set_config)
 * made before the call is honoured like the engine honours it. */
const kvs_decision *kvs_decisions_step(kvs_decisions *d, kvs_engine *e);

/* Run e to completion, calling fn for every eventful decision point. Stretches with nothing
 * waiting, running or completing are skipped (kvs_engine_advance_to), as nothing can happen
 * there. Stops early and returns fn's value when fn returns non-zero; else 0. */
typedef int (*kvs_decision_fn)(const kvs_decision *d, void *user);
int kvs_decisions_run(kvs_decisions *d, kvs_engine *e, kvs_decision_fn fn, void *user);
/* kvs_decisions_run with config switches on the way (kvs_engine_run_plan's rules: plan ascending
 * by `at`; a switch after the end does nothing). Returns fn's non-zero value, -1 when a switch's
 * config is invalid (callers check them first), else 0. */
int kvs_decisions_run_plan(kvs_decisions *d, kvs_engine *e, const kvs_switch *plan, size_t n,
                           kvs_decision_fn fn, void *user);
/* Step e (recording) until now == t or done, with the same skipping; fn may be NULL. */
int kvs_decisions_advance_to(kvs_decisions *d, kvs_engine *e, int64_t t, kvs_decision_fn fn,
                             void *user);

/* ---- the story of one request ---- */

typedef struct kvs_story kvs_story;

/* A story of request `req` (input index). NULL when out of memory. */
kvs_story *kvs_story_new(uint32_t req);
void kvs_story_free(kvs_story *s);
uint32_t kvs_story_request(const kvs_story *s);
/* Feed every decision point in order (eventful or not; uneventful ones change nothing). */
void kvs_story_feed(kvs_story *s, const kvs_decision *d);

/* What the story counted (the test compares these with the log). */
typedef struct {
    int64_t arrival_rank;  /* 1-based rank at its arrival decision point, 0 if not yet arrived */
    size_t admissions, evictions;
    size_t blocked_head;   /* decision points at which it was the head that did not fit */
    size_t behind;         /* decision points it waited behind another blocked head */
    int64_t finished;      /* completion point, or -1 */
} kvs_story_totals;
void kvs_story_totals_get(const kvs_story *s, kvs_story_totals *out);

/* The story as sentences, one per emit call, for workload w (ids) and the current time now
 * (a request still waiting or running at now is said so). compact: shorter sentences for the
 * inspector. Numbers of four digits and more are grouped with spaces ("2 190"). */
typedef void (*kvs_story_emit)(const char *sentence, void *user);
void kvs_story_tell(const kvs_story *s, const kvs_workload *w, int64_t now, bool compact,
                    kvs_story_emit emit, void *user);

/* Request i's id as people see it: the workload's id, or its 1-based index. */
const char *kvs_request_label(const kvs_workload *w, size_t i, char *buf, size_t n);
/* What a config's key means in a sentence: "arrival", "estimated output", "volume", "prompt",
 * or "key" for a plugin. */
const char *kvs_key_phrase(kvs_config c);

#endif
