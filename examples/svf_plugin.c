/* svf_plugin.c: Smallest Volume First written as a kvscope policy plugin, the worked example of
 * docs/PLUGINS.md. It must order exactly like the built-in svf (the test `make plugin-test`
 * compares every request's result):
 *
 *     key = s * o + o (o + 1) / 2
 *
 * with s the tokens the request must build on admission (r->prompt, which already includes the
 * tokens of an evicted request's earlier residencies) and o the scheduler's estimate of the
 * output still to come (r->estimate). Build: make examples, or
 *     cc -shared -fPIC -Iinclude examples/svf_plugin.c -o examples/svf_plugin.so
 * Run:   kvscope run scenarios/classroom.yaml --policy-plugin examples/svf_plugin.so
 *
 * To write your own rule, copy this file and change the return line; for instance an aging
 * variant  return volume - 50 * r->waited;  lets a long-waiting request overtake smaller ones. */
#include "kvscope/policy.h"

unsigned kvscope_policy_abi(void) { return KVS_POLICY_ABI; }

const char *kvscope_policy_name(void) { return "svf-plugin"; }

int64_t kvscope_policy_key(const kvs_policy_request *r, void *user)
{
    (void)user;
    int64_t s = r->prompt, o = r->estimate;
    if (o < 0) /* information `none`: no estimate; behave like fcfs */
        return r->arrival;
    return s * o + o * (o + 1) / 2;
}
