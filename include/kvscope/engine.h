/* kvscope/engine.h: the simulation engine of MODEL.md as a library. An opaque engine is created
 * from a workload and a config, stepped one decision point at a time (or run to the end), queried
 * read-only by its clients (the headless runner, the UI, the tests), and freed.
 *
 * Time. The engine's clock `now` is t. State "at t" means: steps 1..t have run and decision point
 * t has NOT been made yet. kvs_engine_step() makes decision point t (MODEL.md §2, phases 1-5),
 * runs step t+1 and sets now = t+1. A freshly created engine is at t = 0 with nothing decided.
 * So at t the running set is the batch that ran during step t (including requests whose last
 * token was step t: they complete at decision point t, and already report state DONE), the
 * queue is what waited through step t, and kvs_engine_memory() is the memory of step t.
 *
 * Ownership: the engine borrows the workload (its requests and ids must outlive the engine and its
 * clones) and owns everything else. Pointers returned by queries stay valid until the next call
 * that changes the engine (step, run, set_config, free). */
#ifndef KVSCOPE_ENGINE_H
#define KVSCOPE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvscope/config.h"
#include "kvscope/workload.h"

typedef struct kvs_engine kvs_engine;

/* Create an engine at t = 0. Returns NULL with a reason in why[n] when the workload is invalid
 * (see kvs_workload_validate) or the config is not (see kvs_config_valid). */
kvs_engine *kvs_engine_new(const kvs_workload *w, kvs_config cfg, char *why, size_t n);
void kvs_engine_free(kvs_engine *e);
/* A deep copy (for snapshots). NULL only when out of memory. */
kvs_engine *kvs_engine_clone(const kvs_engine *e);

/* Keep the per-residency history (kvs_engine_segments) for drawing; on by default. A headless run
 * can turn it off before the first step to save 32 bytes per residency. */
void kvs_engine_keep_history(kvs_engine *e, bool keep);

/* Change the config; it takes effect at the next decision point (= now). Running requests are not
 * touched, but an information switch re-derives every unfinished request's estimate. Every switch
 * that changes the config is recorded (see kvs_engine_switches); several at one decision point
 * count as the last of them. Returns 0, or -1 (and changes nothing) if invalid. */
int kvs_engine_set_config(kvs_engine *e, kvs_config cfg);
kvs_config kvs_engine_config(const kvs_engine *e);

typedef struct {
    int64_t at;     /* the decision point from which cfg applies */
    kvs_config cfg;
} kvs_switch;
size_t kvs_engine_switches(const kvs_engine *e, const kvs_switch **out);
/* The config the engine was created with (in force at t = 0 unless a switch came at 0). */
kvs_config kvs_engine_initial_config(const kvs_engine *e);
/* The config decision point 0 used: the initial one, or a switch made at 0. *later (may be NULL)
 * is the index in kvs_engine_switches of the first switch made after 0. */
kvs_config kvs_engine_start_config(const kvs_engine *e, size_t *later);

/* For callers that keep snapshots (kvscope/timeline.h): a deterministic count of the operations
 * the engine has done so far (what replaying them costs, roughly one heap move each), and the
 * bytes kvs_engine_clone copies now. */
uint64_t kvs_engine_work(const kvs_engine *e);
size_t kvs_engine_footprint(const kvs_engine *e);

/* Run to completion, switching to plan[k].cfg at decision point plan[k].at (ascending `at`;
 * equal to advancing to each `at` and calling kvs_engine_set_config there). A switch whose time
 * comes after the run has ended does nothing. Returns the number of switches that were applied,
 * or -1 - k when plan[k].cfg is invalid (the engine is then left at plan[k].at). */
long kvs_engine_run_plan(kvs_engine *e, const kvs_switch *plan, size_t n);

/* One decision point and one step. No-op when done. */
void kvs_engine_step(kvs_engine *e);
/* Advance until now == t or done, skipping stretches where provably nothing changes. The result
 * equals calling kvs_engine_step() the same number of times. */
void kvs_engine_advance_to(kvs_engine *e, int64_t t);
/* Run to completion (fast path). */
void kvs_engine_run(kvs_engine *e);
/* Every request has completed. */
bool kvs_engine_done(const kvs_engine *e);

int64_t kvs_engine_now(const kvs_engine *e);
int64_t kvs_engine_memory_budget(const kvs_engine *e); /* M */
/* Memory (tokens) held during step now (0 at t = 0). */
int64_t kvs_engine_memory(const kvs_engine *e);
size_t kvs_engine_request_count(const kvs_engine *e);
const kvs_workload *kvs_engine_workload(const kvs_engine *e);

/* ---- live counters ---- */
typedef struct {
    int64_t now;
    int64_t memory;          /* tokens held during step now */
    int64_t memory_budget;   /* M */
    int64_t peak_memory;     /* max over steps 1..now */
    size_t pending;          /* not yet arrived (arrival >= now) */
    size_t waiting;
    size_t running;          /* requests that ran during step now and are not done */
    size_t completed;
    size_t total;
    int64_t volume_done;     /* sum of memory over steps 1..now (token-steps) */
    int64_t volume_total;    /* sum of v_i over all requests */
    int64_t tokens_generated;/* output tokens produced over steps 1..now */
    int64_t evictions;
    /* latency over the completed requests (0 when none) */
    int64_t latency_sum;
    /* Σ_i (min(c_i, now) - min(a_i, now)): the steps every request has spent in the system so
     * far, done or not; latency_sum once all are done (kvs_bound_profile_at bounds it below) */
    int64_t latency_accrued;
    double latency_mean;
    int64_t latency_p50, latency_p90, latency_p99, latency_max;
    double ttft_mean;        /* over requests admitted at least once */
} kvs_counters;
void kvs_engine_counters(const kvs_engine *e, kvs_counters *out);

/* ---- requests ---- */
typedef enum { KVS_REQ_PENDING, KVS_REQ_WAITING, KVS_REQ_RUNNING, KVS_REQ_DONE } kvs_req_state;
const char *kvs_req_state_name(kvs_req_state s);

typedef struct {
    kvs_req_state state;
    int64_t arrival, prompt, output; /* as given */
    int64_t volume;       /* v_i of the original request */
    int64_t start;        /* first admission k, or -1 */
    int64_t admitted;     /* latest admission, or -1 */
    int64_t finish;       /* c_i, or -1 */
    int64_t generated;    /* output tokens produced so far (all residencies) */
    int64_t tokens;       /* KV tokens held during step now (0 unless running) */
    int64_t residency_prompt; /* s_i + tokens generated before the latest eviction */
    int64_t estimate;     /* the scheduler's current remaining-output estimate, or -1 (none) */
    int64_t key;          /* the current policy's key for this request (meaningful when waiting) */
    int64_t evictions;
    int64_t latency, ttft, waited; /* -1 when not yet defined; waited = time in queue so far */
} kvs_req_info;
/* Describe request i (input order). */
void kvs_engine_request(const kvs_engine *e, size_t i, kvs_req_info *out);

/* ---- the waiting queue in the current policy's order ---- */
typedef struct {
    uint32_t req;  /* request index */
    int64_t key;   /* the policy's key (fcfs: arrival, sjf: estimate, svf: est. volume, spf: prompt) */
} kvs_queue_entry;
size_t kvs_engine_queue_length(const kvs_engine *e);
/* Copy the first min(max, length) entries in order into out; return how many. O(max log max). */
size_t kvs_engine_queue_head(const kvs_engine *e, kvs_queue_entry *out, size_t max);

/* ---- why the head of the queue was not admitted at the last decision point ---- */
typedef enum {
    KVS_BLOCK_NONE,      /* the queue was empty, or everything fitted */
    KVS_BLOCK_LOOKAHEAD, /* at step `at_step` the batch would hold `tokens` > M */
    KVS_BLOCK_CURRENT,   /* step decided_at+1 would hold `tokens` > M */
} kvs_block_kind;
typedef struct {
    kvs_block_kind kind;
    uint32_t req;        /* the blocked head */
    int64_t decided_at;  /* the decision point */
    int64_t at_step;     /* the step where memory would exceed M */
    int64_t tokens;      /* the memory it would reach */
    int64_t memory_budget;
} kvs_block;
void kvs_engine_block(const kvs_engine *e, kvs_block *out);
/* "at step 151 the batch would hold 2190 tokens > M = 2048", into buf[n]; returns buf. */
char *kvs_block_describe(const kvs_block *b, char *buf, size_t n);

/* ---- history: one segment per residency, in admission order (for drawing) ----
 * During step u with start < u <= end the request holds prompt + (u - start) tokens.
 * An open segment (request still running) has end = KVS_OPEN; draw it up to now. */
#define KVS_OPEN INT64_MAX
typedef struct {
    uint32_t req;
    uint32_t evicted; /* 1 if the residency ended by eviction */
    int64_t start;    /* admission decision point k */
    int64_t end;      /* last step held (finish or eviction point), or KVS_OPEN */
    int64_t prompt;   /* tokens at admission (s_i plus tokens of earlier residencies) */
} kvs_segment;
size_t kvs_engine_segments(const kvs_engine *e, const kvs_segment **out);
/* The longest a segment can last (max output over requests), to bound history scans. */
int64_t kvs_engine_max_segment_length(const kvs_engine *e);

/* ---- final report ---- */
typedef struct {
    size_t requests, completed;
    int64_t makespan, total_latency;
    double mean_latency;
    int64_t p50_latency, p90_latency, p99_latency, max_latency;
    double mean_ttft;
    int64_t total_volume, peak_memory;
    double mean_memory_utilization;
    int64_t evictions;
} kvs_summary;
/* The summary of MODEL.md §7 (valid at any time; final when done). */
void kvs_engine_summary(const kvs_engine *e, kvs_summary *out);

#endif
