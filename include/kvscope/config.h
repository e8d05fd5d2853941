/* kvscope/config.h: the scheduler configuration (policy, admission rule, information mode)
 * and the named choices a user can pick (four policies and three presets, MODEL.md §3). */
#ifndef KVSCOPE_CONFIG_H
#define KVSCOPE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "kvscope/policy.h"

typedef enum {
    KVS_POLICY_FCFS, /* key: arrival */
    KVS_POLICY_SJF,  /* key: estimated output */
    KVS_POLICY_SVF,  /* key: estimated volume s*o + o(o+1)/2 */
    KVS_POLICY_SPF,  /* key: prompt */
    KVS_POLICY_PLUGIN, /* key: the user's kvs_config.key_fn (kvscope/policy.h) */
} kvs_policy;
/* The built-in policies (PLUGIN is not counted: it exists only with a key function). */
#define KVS_POLICY_COUNT 4

typedef enum { KVS_ADMIT_LOOKAHEAD, KVS_ADMIT_CURRENT } kvs_admission;
#define KVS_ADMISSION_COUNT 2

typedef enum { KVS_INFO_EXACT, KVS_INFO_PREDICTED, KVS_INFO_ONEBIT, KVS_INFO_NONE } kvs_information;
#define KVS_INFORMATION_COUNT 4

typedef struct {
    kvs_policy policy;
    kvs_admission admission;
    kvs_information information;
    /* Only for policy PLUGIN: the key function, its user data and the name to show. Ignored
     * (and best left NULL) for the built-in policies. */
    kvs_policy_key_fn key_fn;
    void *key_user;
    const char *key_name;
} kvs_config;

/* Names as written in scenarios and on the command line ("fcfs", "lookahead", "onebit", ...).
 * The returned strings are static. */
const char *kvs_policy_name(kvs_policy p);
const char *kvs_admission_name(kvs_admission a);
const char *kvs_information_name(kvs_information i);
/* What the policy's key means, for column headers: "arrival", "est.out", "volume", "prompt". */
const char *kvs_policy_key_name(kvs_policy p);
/* The policy's name as shown to people: key_name for a plugin, else kvs_policy_name. */
const char *kvs_config_policy_name(kvs_config c);
bool kvs_policy_needs_estimate(kvs_policy p);

/* Parse a name; return 0 and set *out, or -1 if unknown. */
int kvs_admission_parse(const char *name, kvs_admission *out);
int kvs_information_parse(const char *name, kvs_information *out);

/* A choice is a plain policy (changes only the policy) or a preset (sets all three).
 * Index order is fixed and is what the UI's keys 1..7 select:
 *   0 fcfs, 1 sjf, 2 svf, 3 spf, 4 mcsf, 5 svf-1bit, 6 vllm. */
#define KVS_CHOICE_COUNT 7
#define KVS_KEEP (-1)
typedef struct {
    const char *name;
    kvs_policy policy;
    int admission;   /* a kvs_admission, or KVS_KEEP */
    int information; /* a kvs_information, or KVS_KEEP */
    const char *summary; /* one line for --help and the UI's help overlay */
} kvs_choice;

const kvs_choice *kvs_choice_at(int index); /* NULL when out of range */
int kvs_choice_find(const char *name);      /* index, or -1 */

/* Apply choice `index` to `cur`. A plain policy that needs an estimate picked while the
 * information is `none` also switches information to `exact` (the smallest change that makes the
 * combination valid). Always returns a valid config. */
kvs_config kvs_config_choose(kvs_config cur, int index);
/* Switch the information mode, repairing the rest: `none` forces admission `current` and turns a
 * policy that needs an estimate into `fcfs`. Always returns a valid config. */
kvs_config kvs_config_with_information(kvs_config cur, kvs_information info);
/* The default admission for an information mode: lookahead when an estimate exists, else current. */
kvs_admission kvs_default_admission(kvs_information info);

/* The same scheduler: policy, admission, information and (for a plugin) key function. */
bool kvs_config_same(kvs_config a, kvs_config b);

/* Is the combination allowed (MODEL.md §4: `none` orders only with fcfs/spf and admits only with
 * `current`)? When not, writes a one-line reason with the fix into why[n] (if why != NULL). */
bool kvs_config_valid(kvs_config c, char *why, size_t n);

/* The index of the preset that equals c exactly, else the index of c's plain policy; -1 for a
 * plugin policy (it is no choice of the list). */
int kvs_config_choice_index(kvs_config c);

#endif
