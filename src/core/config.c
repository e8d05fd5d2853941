/* config.c: names of policies, admission rules and information modes, the user-pickable choices
 * (policies and presets), and the rules for which combinations are valid (MODEL.md §3-§5). */
#include "kvscope/config.h"

#include <stdio.h>
#include <string.h>

static const char *const policy_names[KVS_POLICY_COUNT] = {"fcfs", "sjf", "svf", "spf"};
static const char *const policy_keys[KVS_POLICY_COUNT] = {"arrival", "est.out", "volume", "prompt"};
static const char *const admission_names[KVS_ADMISSION_COUNT] = {"lookahead", "current"};
static const char *const information_names[KVS_INFORMATION_COUNT] = {"exact", "predicted", "onebit",
                                                                       "none"};

static const kvs_choice choices[KVS_CHOICE_COUNT] = {
    {"fcfs", KVS_POLICY_FCFS, KVS_KEEP, KVS_KEEP, "first come, first served (order by arrival)"},
    {"sjf", KVS_POLICY_SJF, KVS_KEEP, KVS_KEEP, "shortest job first (order by estimated output)"},
    {"svf", KVS_POLICY_SVF, KVS_KEEP, KVS_KEEP,
     "smallest volume first (order by estimated KV volume s*o + o(o+1)/2)"},
    {"spf", KVS_POLICY_SPF, KVS_KEEP, KVS_KEEP, "shortest prompt first (memory-only baseline)"},
    {"mcsf", KVS_POLICY_SJF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_EXACT,
     "preset: sjf + lookahead + exact (MC-SF, Jaillet et al.)"},
    {"svf-1bit", KVS_POLICY_SVF, KVS_ADMIT_LOOKAHEAD, KVS_INFO_ONEBIT,
     "preset: svf + lookahead knowing only short/long (1-bit SVF)"},
    {"vllm", KVS_POLICY_FCFS, KVS_ADMIT_CURRENT, KVS_INFO_NONE,
     "preset: fcfs + current memory + no estimate (vLLM-like, evicts)"},
};

const char *kvs_policy_name(kvs_policy p)
{
    if (p == KVS_POLICY_PLUGIN)
        return "plugin";
    return (unsigned)p < KVS_POLICY_COUNT ? policy_names[p] : "?";
}

const char *kvs_config_policy_name(kvs_config c)
{
    if (c.policy == KVS_POLICY_PLUGIN)
        return c.key_name && *c.key_name ? c.key_name : "plugin";
    return kvs_policy_name(c.policy);
}
const char *kvs_admission_name(kvs_admission a)
{
    return (unsigned)a < KVS_ADMISSION_COUNT ? admission_names[a] : "?";
}
const char *kvs_information_name(kvs_information i)
{
    return (unsigned)i < KVS_INFORMATION_COUNT ? information_names[i] : "?";
}
const char *kvs_policy_key_name(kvs_policy p)
{
    if (p == KVS_POLICY_PLUGIN)
        return "key";
    return (unsigned)p < KVS_POLICY_COUNT ? policy_keys[p] : "?";
}

bool kvs_policy_needs_estimate(kvs_policy p)
{
    return p == KVS_POLICY_SJF || p == KVS_POLICY_SVF;
}

int kvs_admission_parse(const char *name, kvs_admission *out)
{
    for (int i = 0; i < KVS_ADMISSION_COUNT; i++)
        if (strcmp(name, admission_names[i]) == 0) {
            *out = (kvs_admission)i;
            return 0;
        }
    return -1;
}

int kvs_information_parse(const char *name, kvs_information *out)
{
    for (int i = 0; i < KVS_INFORMATION_COUNT; i++)
        if (strcmp(name, information_names[i]) == 0) {
            *out = (kvs_information)i;
            return 0;
        }
    return -1;
}

const kvs_choice *kvs_choice_at(int index)
{
    return index >= 0 && index < KVS_CHOICE_COUNT ? &choices[index] : NULL;
}

int kvs_choice_find(const char *name)
{
    for (int i = 0; i < KVS_CHOICE_COUNT; i++)
        if (strcmp(name, choices[i].name) == 0)
            return i;
    return -1;
}

kvs_admission kvs_default_admission(kvs_information info)
{
    return info == KVS_INFO_NONE ? KVS_ADMIT_CURRENT : KVS_ADMIT_LOOKAHEAD;
}

kvs_config kvs_config_choose(kvs_config cur, int index)
{
    const kvs_choice *c = kvs_choice_at(index);
    if (!c)
        return cur;
    cur.policy = c->policy;
    if (c->information != KVS_KEEP)
        cur.information = (kvs_information)c->information;
    if (c->admission != KVS_KEEP)
        cur.admission = (kvs_admission)c->admission;
    if (cur.information == KVS_INFO_NONE && kvs_policy_needs_estimate(cur.policy))
        cur.information = KVS_INFO_EXACT;
    if (cur.information == KVS_INFO_NONE)
        cur.admission = KVS_ADMIT_CURRENT;
    return cur;
}

kvs_config kvs_config_with_information(kvs_config cur, kvs_information info)
{
    cur.information = info;
    if (info == KVS_INFO_NONE) {
        cur.admission = KVS_ADMIT_CURRENT;
        if (kvs_policy_needs_estimate(cur.policy))
            cur.policy = KVS_POLICY_FCFS;
    }
    return cur;
}

bool kvs_config_valid(kvs_config c, char *why, size_t n)
{
    const char *msg = NULL;
    char buf[200];
    if (((unsigned)c.policy >= KVS_POLICY_COUNT && c.policy != KVS_POLICY_PLUGIN) ||
        (unsigned)c.admission >= KVS_ADMISSION_COUNT ||
        (unsigned)c.information >= KVS_INFORMATION_COUNT) {
        msg = "unknown policy, admission or information value";
    } else if (c.policy == KVS_POLICY_PLUGIN && !c.key_fn) {
        msg = "policy 'plugin' needs a key function: load one with --policy-plugin FILE.so";
    } else if (c.information == KVS_INFO_NONE && kvs_policy_needs_estimate(c.policy)) {
        snprintf(buf, sizeof buf,
                 "policy %s orders by an output estimate, but information 'none' gives none: "
                 "use information exact, predicted or onebit, or policy fcfs or spf",
                 kvs_policy_name(c.policy));
        msg = buf;
    } else if (c.information == KVS_INFO_NONE && c.admission == KVS_ADMIT_LOOKAHEAD) {
        msg = "admission 'lookahead' needs an output estimate, but information 'none' gives none: "
              "use admission current, or information exact, predicted or onebit";
    }
    if (msg && why && n)
        snprintf(why, n, "%s", msg);
    return msg == NULL;
}

int kvs_config_choice_index(kvs_config c)
{
    if (c.policy == KVS_POLICY_PLUGIN)
        return -1;
    for (int i = 0; i < KVS_CHOICE_COUNT; i++) {
        const kvs_choice *ch = &choices[i];
        if (ch->admission == KVS_KEEP) /* a plain policy, not a preset */
            continue;
        if (ch->policy == c.policy && ch->admission == (int)c.admission &&
            ch->information == (int)c.information)
            return i;
    }
    return (int)c.policy;
}

bool kvs_config_same(kvs_config a, kvs_config b)
{
    return a.policy == b.policy && a.admission == b.admission && a.information == b.information &&
           a.key_fn == b.key_fn && a.key_user == b.key_user;
}
