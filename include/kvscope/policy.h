/* kvscope/policy.h: the plugin API for user policies (docs/PLUGINS.md).
 *
 * A user policy is a key function: the engine orders the waiting queue by the key, ascending,
 * ties broken by arrival and then by input position, exactly like the built-in policies
 * (MODEL.md §3). The function sees only what a scheduler may see: no true output length.
 *
 * As a shared object (`kvscope run S --policy-plugin ./mypolicy.so`), the plugin exports:
 *
 *     #include "kvscope/policy.h"
 *     unsigned kvscope_policy_abi(void) { return KVS_POLICY_ABI; }                  required
 *     int64_t kvscope_policy_key(const kvs_policy_request *r, void *user) { ... }   required
 *     const char *kvscope_policy_name(void) { return "my-rule"; }                   optional
 *
 * `user` is NULL for a loaded plugin (it is there for programs that embed the engine and set
 * kvs_config.key_fn themselves). The name (default: the file name without directory and
 * ".so") labels the policy in reports, the UI, the race and the decision log.
 *
 * Rules the key function must follow:
 *   - deterministic: the same fields give the same key (no clock, no randomness, no state that
 *     changes between calls), or runs stop being reproducible and stepping back in the UI lies;
 *   - cheap: it is called for every waiting request at every decision point (the key may depend
 *     on `waited` and `now`, so the engine re-keys the whole queue each time);
 *   - any int64_t is a valid key (smaller = served earlier); it must not call back into kvscope.
 *
 * Only headers of kvscope are needed to build a plugin: cc -shared -fPIC -Iinclude p.c -o p.so */
#ifndef KVSCOPE_POLICY_H
#define KVSCOPE_POLICY_H

#include <stdint.h>

#define KVS_POLICY_ABI 1u

/* The visible fields of a request at a decision point (all in tokens or steps). */
typedef struct {
    int64_t arrival;         /* a_i, the step it arrived */
    int64_t prompt;          /* tokens it must (re)build on admission: s_i plus the tokens it
                              * produced before its latest eviction (vLLM's recompute) */
    int64_t original_prompt; /* s_i as submitted */
    int64_t estimate;        /* the scheduler's estimate of its remaining output under the
                              * information mode in force, or -1 with information `none` */
    int64_t waited;          /* steps spent waiting so far (not counting steps it ran) */
    int64_t evictions;       /* how often it has been evicted so far */
    int64_t now;             /* the decision point being made */
} kvs_policy_request;

typedef int64_t (*kvs_policy_key_fn)(const kvs_policy_request *r, void *user);

/* The symbols a plugin exports (declared here so a plugin's definitions are checked). */
unsigned kvscope_policy_abi(void);
int64_t kvscope_policy_key(const kvs_policy_request *r, void *user);
const char *kvscope_policy_name(void);

#endif
