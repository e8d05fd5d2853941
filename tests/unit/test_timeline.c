/* test_timeline.c: the engine's skipping fast path against plain stepping, and the timeline's
 * seek/back/switch replay against engines driven directly, on seeded random workloads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope/engine.h"
#include "kvscope/rng.h"
#include "kvscope/timeline.h"

static int64_t rnd(kvs_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(kvs_rng_next(r) % (uint64_t)(hi - lo + 1));
}

static kvs_config random_config(kvs_rng *r)
{
    kvs_config c = {.policy = (kvs_policy)rnd(r, 0, 3), .admission = (kvs_admission)rnd(r, 0, 1),
                    .information = (kvs_information)rnd(r, 0, 3)};
    return kvs_config_with_information(c, c.information);
}

typedef struct {
    kvs_request *rq;
    kvs_workload w;
    kvs_config cfg, cfg2;
    int64_t switch_at;
} random_case;

static void make_case(random_case *c, uint64_t seed)
{
    kvs_rng r;
    kvs_rng_seed(&r, seed, 99);
    size_t n = (size_t)rnd(&r, 1, 30);
    int64_t M = rnd(&r, 5, 200);
    c->rq = calloc(n, sizeof *c->rq);
    for (size_t i = 0; i < n; i++) {
        c->rq[i].arrival = rnd(&r, 0, 40);
        c->rq[i].prompt = rnd(&r, 0, M - 1);
        c->rq[i].output = rnd(&r, 1, M - c->rq[i].prompt);
        c->rq[i].predicted = rnd(&r, 0, 3) == 0 ? rnd(&r, 1, M) : -1;
    }
    c->w = (kvs_workload){.memory = M, .seed = seed, .info = kvs_info_params_default(),
                          .count = n, .requests = c->rq};
    c->w.info.flip_probability = (double)rnd(&r, 0, 2) * 0.25;
    c->w.info.sigma = (double)rnd(&r, 0, 3) * 0.4;
    c->cfg = random_config(&r);
    c->cfg2 = random_config(&r);
    c->switch_at = rnd(&r, 0, 60);
}

static kvs_engine *new_engine(const random_case *c)
{
    char why[256];
    kvs_engine *e = kvs_engine_new(&c->w, c->cfg, why, sizeof why);
    if (!e)
        fail_msg("engine refused a valid workload: %s", why);
    return e;
}

/* An engine driven to t the obvious way: advance, switching at switch_at (if reached). */
static kvs_engine *direct_at(const random_case *c, int64_t t)
{
    kvs_engine *e = new_engine(c);
    if (c->switch_at <= t) {
        kvs_engine_advance_to(e, c->switch_at);
        if (kvs_engine_now(e) == c->switch_at)
            kvs_engine_set_config(e, c->cfg2);
    }
    kvs_engine_advance_to(e, t);
    return e;
}

static void test_skipping_equals_stepping(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 1500; seed++) {
        random_case c;
        make_case(&c, seed);
        kvs_engine *a = new_engine(&c), *b = new_engine(&c);
        int64_t volume = 0, steps = 0, M = c.w.memory;
        while (!kvs_engine_done(a)) {
            if (kvs_engine_now(a) == c.switch_at)
                kvs_engine_set_config(a, c.cfg2);
            kvs_engine_step(a);
            int64_t mem = kvs_engine_memory(a);
            if (mem > M)
                fail_msg("seed %" PRIu64 ": step %" PRId64 " holds %" PRId64 " > M", seed,
                         kvs_engine_now(a), mem);
            volume += mem;
            if (++steps > 1000000)
                fail_msg("seed %" PRIu64 ": no progress", seed);
        }
        kvs_engine_advance_to(b, c.switch_at);
        if (kvs_engine_now(b) == c.switch_at)
            kvs_engine_set_config(b, c.cfg2);
        kvs_engine_run(b);

        kvs_summary sa, sb;
        kvs_engine_summary(a, &sa);
        kvs_engine_summary(b, &sb);
        if (memcmp(&sa, &sb, sizeof sa) != 0)
            fail_msg("seed %" PRIu64 ": summaries differ (makespan %" PRId64 "/%" PRId64
                     ", latency %" PRId64 "/%" PRId64 ")", seed, sa.makespan, sb.makespan,
                     sa.total_latency, sb.total_latency);
        if (volume != sa.total_volume)
            fail_msg("seed %" PRIu64 ": memory-time %" PRId64 " != total volume %" PRId64, seed,
                     volume, sa.total_volume);
        for (size_t i = 0; i < c.w.count; i++) {
            kvs_req_info x, y;
            kvs_engine_request(a, i, &x);
            kvs_engine_request(b, i, &y);
            if (x.start != y.start || x.finish != y.finish || x.evictions != y.evictions)
                fail_msg("seed %" PRIu64 ": request %zu differs: start %" PRId64 "/%" PRId64
                         " finish %" PRId64 "/%" PRId64, seed, i, x.start, y.start, x.finish,
                         y.finish);
            if (x.finish < c.rq[i].arrival + c.rq[i].output)
                fail_msg("seed %" PRIu64 ": request %zu finished too early", seed, i);
        }
        kvs_engine_free(a);
        kvs_engine_free(b);
        free(c.rq);
    }
}

static void assert_same_state(const kvs_engine *x, const kvs_engine *y, uint64_t seed, int64_t t)
{
    kvs_counters a, b;
    kvs_engine_counters(x, &a);
    kvs_engine_counters(y, &b);
    if (memcmp(&a, &b, sizeof a) != 0)
        fail_msg("seed %" PRIu64 ": at t=%" PRId64 " the timeline differs (memory %" PRId64
                 " vs %" PRId64 ", waiting %zu vs %zu)", seed, t, a.memory, b.memory, a.waiting,
                 b.waiting);
    kvs_config ca = kvs_engine_config(x), cb = kvs_engine_config(y);
    assert_memory_equal(&ca, &cb, sizeof ca);
    kvs_queue_entry qa[8], qb[8];
    size_t na = kvs_engine_queue_head(x, qa, 8), nb = kvs_engine_queue_head(y, qb, 8);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) { /* field by field: the struct has padding */
        assert_int_equal(qa[i].req, qb[i].req);
        assert_int_equal(qa[i].key, qb[i].key);
    }
}

static void test_timeline_seek_matches_direct_runs(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 400; seed++) {
        random_case c;
        make_case(&c, seed);
        char why[256];
        kvs_timeline *tl = kvs_timeline_new(&c.w, c.cfg, why, sizeof why);
        assert_non_null(tl);
        kvs_timeline_advance_to(tl, c.switch_at);
        if (kvs_timeline_now(tl) == c.switch_at)
            assert_int_equal(kvs_timeline_set_config(tl, c.cfg2), 0);
        kvs_timeline_advance_to(tl, INT64_MAX);
        int64_t end = kvs_timeline_now(tl);
        assert_int_equal(kvs_timeline_furthest(tl), end);

        kvs_rng r;
        kvs_rng_seed(&r, seed, 5);
        for (int k = 0; k < 6; k++) {
            int64_t t = rnd(&r, 0, end);
            assert_int_equal(kvs_timeline_seek(tl, t), 0);
            assert_int_equal(kvs_timeline_now(tl), t);
            kvs_engine *d = direct_at(&c, t);
            assert_same_state(kvs_timeline_engine(tl), d, seed, t);
            kvs_engine_free(d);
        }
        /* back one step at a time from the end to 0 */
        assert_int_equal(kvs_timeline_seek(tl, end), 0);
        for (int64_t t = end; t > 0; t--) {
            assert_int_equal(kvs_timeline_back(tl), 0);
            assert_int_equal(kvs_timeline_now(tl), t - 1);
        }
        assert_int_equal(kvs_timeline_back(tl), -1);
        kvs_engine *d = direct_at(&c, 0);
        assert_same_state(kvs_timeline_engine(tl), d, seed, 0);
        kvs_engine_free(d);
        /* out of range */
        assert_int_equal(kvs_timeline_seek(tl, end + 1), -1);
        assert_int_equal(kvs_timeline_seek(tl, -1), -1);
        kvs_timeline_free(tl);
        free(c.rq);
    }
}

/* A switch made after stepping back discards the recorded future (a new branch). */
static void test_switch_after_back_discards_future(void **state)
{
    (void)state;
    kvs_request rq[] = {{"a", 0, 5, 20, -1}, {"b", 0, 5, 3, -1}, {"c", 2, 1, 2, -1}};
    kvs_workload w = {.memory = 30, .seed = 1, .info = kvs_info_params_default(), .count = 3,
                      .requests = rq};
    kvs_config fcfs = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_LOOKAHEAD,
                       .information = KVS_INFO_EXACT};
    kvs_config svf = kvs_config_choose(fcfs, kvs_choice_find("svf"));
    kvs_timeline *tl = kvs_timeline_new(&w, fcfs, NULL, 0);
    assert_non_null(tl);
    kvs_timeline_advance_to(tl, 5);
    assert_int_equal(kvs_timeline_set_config(tl, svf), 0);
    kvs_timeline_advance_to(tl, 10);
    assert_int_equal(kvs_timeline_seek(tl, 3), 0);
    /* the switch at 5 is in the recorded future: going forward re-applies it */
    kvs_timeline_advance_to(tl, 6);
    const kvs_switch *sw;
    assert_int_equal(kvs_engine_switches(kvs_timeline_engine(tl), &sw), 1);
    assert_int_equal(sw[0].at, 5);
    /* a new switch at 3 drops the one at 5 */
    assert_int_equal(kvs_timeline_seek(tl, 3), 0);
    assert_int_equal(kvs_timeline_set_config(tl, kvs_config_choose(fcfs, kvs_choice_find("spf"))),
                     0);
    assert_int_equal(kvs_timeline_furthest(tl), 3);
    kvs_timeline_advance_to(tl, 8);
    assert_int_equal(kvs_engine_switches(kvs_timeline_engine(tl), &sw), 1);
    assert_int_equal(sw[0].at, 3);
    assert_int_equal(sw[0].cfg.policy, KVS_POLICY_SPF);
    /* restart: t = 0, no switches, the given config */
    kvs_timeline_restart(tl, svf);
    assert_int_equal(kvs_timeline_now(tl), 0);
    assert_int_equal(kvs_engine_switches(kvs_timeline_engine(tl), &sw), 0);
    assert_int_equal(kvs_engine_config(kvs_timeline_engine(tl)).policy, KVS_POLICY_SVF);
    kvs_timeline_free(tl);
}

/* Planned switches (the view's --switch) apply when the clock passes them, survive stepping back
 * over them, give the same run as kvs_engine_run_plan, and are dropped by an earlier key switch. */
static void test_planned_switches(void **state)
{
    (void)state;
    kvs_request rq[] = {{"big", 0, 60, 30, -1}, {"x", 0, 30, 20, -1}, {"y", 0, 5, 5, -1},
                        {"z", 0, 10, 10, -1}};
    kvs_workload w = {.memory = 100, .seed = 1, .info = kvs_info_params_default(), .count = 4,
                      .requests = rq};
    kvs_config fcfs = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_LOOKAHEAD,
                       .information = KVS_INFO_EXACT};
    kvs_config svf = kvs_config_choose(fcfs, kvs_choice_find("svf"));
    kvs_switch plan[2] = {{10, svf}, {12, fcfs}};
    kvs_timeline *tl = kvs_timeline_new(&w, fcfs, NULL, 0);
    assert_non_null(tl);
    kvs_switch bad[2] = {{12, svf}, {10, fcfs}};
    assert_int_equal(kvs_timeline_plan(tl, bad, 2), -1);
    assert_int_equal(kvs_timeline_plan(tl, plan, 2), 0);
    const kvs_switch *rec;
    assert_int_equal(kvs_timeline_switches(tl, &rec), 2); /* recorded ahead of now */
    assert_int_equal(rec[1].at, 12);
    kvs_timeline_advance_to(tl, 11);
    assert_int_equal(kvs_engine_config(kvs_timeline_engine(tl)).policy, KVS_POLICY_SVF);
    kvs_timeline_advance_to(tl, INT64_MAX);
    kvs_summary a, b;
    kvs_engine_summary(kvs_timeline_engine(tl), &a);
    kvs_engine *ref = kvs_engine_new(&w, fcfs, NULL, 0);
    assert_int_equal(kvs_engine_run_plan(ref, plan, 2), 2);
    kvs_engine_summary(ref, &b);
    assert_int_equal(a.total_latency, b.total_latency);
    assert_int_equal(a.total_latency, 115); /* tests/golden/hand-switch.yaml: y, z join at 10 */
    kvs_engine_free(ref);
    const kvs_switch *sw;
    /* back before both and forward again: both replayed */
    assert_int_equal(kvs_timeline_seek(tl, 5), 0);
    assert_int_equal(kvs_engine_switches(kvs_timeline_engine(tl), &sw), 0);
    kvs_timeline_advance_to(tl, 20);
    assert_int_equal(kvs_engine_switches(kvs_timeline_engine(tl), &sw), 2);
    /* a key switch at 5 drops the plan */
    assert_int_equal(kvs_timeline_seek(tl, 5), 0);
    assert_int_equal(kvs_timeline_set_config(tl, kvs_config_choose(fcfs, kvs_choice_find("spf"))),
                     0);
    kvs_timeline_advance_to(tl, 20);
    assert_int_equal(kvs_engine_switches(kvs_timeline_engine(tl), &sw), 1);
    assert_int_equal(sw[0].at, 5);
    kvs_timeline_free(tl);
}

/* Snapshots are thinned, so a long run keeps a bounded number, and stepping back still works. */
static void test_long_run_back_to_zero(void **state)
{
    (void)state;
    enum { N = 400 };
    kvs_request rq[N];
    for (int i = 0; i < N; i++)
        rq[i] = (kvs_request){NULL, i * 3, 10 + i % 7, 5 + (i * 13) % 40, -1};
    kvs_workload w = {.memory = 120, .seed = 3, .info = kvs_info_params_default(), .count = N,
                      .requests = rq};
    kvs_config cfg = {.policy = KVS_POLICY_SVF, .admission = KVS_ADMIT_LOOKAHEAD,
                      .information = KVS_INFO_EXACT};
    kvs_timeline *tl = kvs_timeline_new(&w, cfg, NULL, 0);
    kvs_timeline_advance_to(tl, INT64_MAX);
    int64_t end = kvs_timeline_now(tl);
    assert_true(end > 1000);
    kvs_engine *ref = kvs_engine_new(&w, cfg, NULL, 0);
    for (int64_t t = 0; t <= end; t += end / 7) {
        assert_int_equal(kvs_timeline_seek(tl, t), 0);
        kvs_engine_advance_to(ref, t);
        assert_int_equal(kvs_engine_memory(kvs_timeline_engine(tl)), kvs_engine_memory(ref));
    }
    kvs_engine_free(ref);
    kvs_timeline_free(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skipping_equals_stepping),
        cmocka_unit_test(test_timeline_seek_matches_direct_runs),
        cmocka_unit_test(test_switch_after_back_discards_future),
        cmocka_unit_test(test_long_run_back_to_zero),
        cmocka_unit_test(test_planned_switches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
