/* test_decisions.c: the decision log (kvscope/decisions.h, io/decisions_io.h) and explain.
 *  - on random scenarios under every policy/admission/information, the log's admissions,
 *    evictions and completions equal the engine's own per-request results of a plain run, and
 *    every record is consistent (admitted = a prefix of the queue, the blocked head is next,
 *    the queue is in (key, arrival, index) order, eviction victims were running);
 *  - the story explain tells counts exactly what the JSON lines say about that request;
 *  - a hand case (head-of-line) whose numbers are worked out in the comments. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "io/decisions_io.h"
#include "kvscope/decisions.h"
#include "kvscope/engine.h"
#include "kvscope/rng.h"

static int64_t rnd(kvs_rng *g, int64_t lo, int64_t hi)
{
    return hi <= lo ? lo : lo + (int64_t)(kvs_rng_next(g) % (uint64_t)(hi - lo + 1));
}

typedef struct {
    kvs_workload w;
    kvs_request req[40];
    char ids[40][24];
    kvs_config cfg;
} scen;

static void make_scen(scen *s, uint64_t seed)
{
    kvs_rng g;
    kvs_rng_seed(&g, seed, 1000);
    memset(s, 0, sizeof *s);
    s->w.memory = rnd(&g, 60, 400);
    s->w.seed = seed;
    s->w.info = kvs_info_params_default();
    s->w.info.sigma = 0.8;
    s->w.count = (size_t)rnd(&g, 1, 40);
    s->w.requests = s->req;
    for (size_t i = 0; i < s->w.count; i++) {
        kvs_request *r = &s->req[i];
        r->arrival = rnd(&g, 0, 60);
        r->output = rnd(&g, 1, s->w.memory / 3);
        r->prompt = rnd(&g, 0, s->w.memory - r->output);
        r->predicted = -1;
        snprintf(s->ids[i], sizeof s->ids[i], "r%zu", i);
        r->id = i % 3 ? s->ids[i] : NULL; /* some without ids: labelled by number */
    }
    kvs_config c = {.policy = (kvs_policy)rnd(&g, 0, KVS_POLICY_COUNT - 1),
                    .admission = (kvs_admission)rnd(&g, 0, 1),
                    .information = (kvs_information)rnd(&g, 0, 3)};
    s->cfg = kvs_config_with_information(c, c.information);
}

typedef struct {
    const kvs_workload *w;
    int64_t first[40], fin[40];
    int adm[40], ev[40];
    int64_t last_adm[40];
    size_t records;
} tally;

static bool before(const kvs_workload *w, const kvs_queue_entry *a, const kvs_queue_entry *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    if (w->requests[a->req].arrival != w->requests[b->req].arrival)
        return w->requests[a->req].arrival < w->requests[b->req].arrival;
    return a->req < b->req;
}

static int count(const kvs_decision *d, void *user)
{
    tally *t = user;
    t->records++;
    for (size_t k = 0; k < d->n_admitted; k++) {
        uint32_t i = d->admitted[k];
        assert_int_equal(d->queue[k].req, i); /* a prefix of the order */
        if (t->first[i] < 0)
            t->first[i] = d->t;
        t->adm[i]++;
        t->last_adm[i] = d->t;
    }
    if (d->block.kind != KVS_BLOCK_NONE) {
        assert_true(d->n_admitted < d->queue_len);
        assert_int_equal(d->block.req, d->queue[d->n_admitted].req);
        assert_int_equal(d->block.decided_at, d->t);
    } else {
        assert_int_equal(d->n_admitted, d->queue_len); /* nothing blocked: all went in */
    }
    for (size_t k = 1; k < d->queue_len; k++)
        assert_true(before(t->w, &d->queue[k - 1], &d->queue[k]));
    for (size_t k = 0; k < d->n_evicted; k++) {
        uint32_t i = d->evicted[k].req;
        assert_true(t->adm[i] > 0 && t->last_adm[i] == d->evicted[k].admitted);
        assert_true(d->evicted[k].admitted < d->t);
        if (k > 0) /* most recently admitted first */
            assert_true(d->evicted[k - 1].admitted >= d->evicted[k].admitted);
        t->ev[i]++;
    }
    if (d->n_evicted)
        assert_true(d->overflow > t->w->memory && d->memory <= t->w->memory);
    for (size_t k = 0; k < d->n_completed; k++) {
        assert_int_equal(t->fin[d->completed[k]], -1);
        t->fin[d->completed[k]] = d->t;
    }
    return 0;
}

static void test_log_matches_engine(void **state)
{
    (void)state;
    size_t with_evictions = 0;
    for (int c = 0; c < 400; c++) {
        scen s;
        make_scen(&s, 0xdec1000u + (uint64_t)c);
        char why[300];
        kvs_engine *plain = kvs_engine_new(&s.w, s.cfg, why, sizeof why);
        assert_non_null(plain);
        kvs_engine_run(plain);
        kvs_engine *e = kvs_engine_new(&s.w, s.cfg, why, sizeof why);
        kvs_decisions *d = kvs_decisions_new(e);
        tally t;
        memset(&t, 0, sizeof t);
        t.w = &s.w;
        for (size_t i = 0; i < 40; i++)
            t.first[i] = t.fin[i] = -1;
        assert_int_equal(kvs_decisions_run(d, e, count, &t), 0);
        assert_true(kvs_engine_done(e));
        for (size_t i = 0; i < s.w.count; i++) {
            kvs_req_info ri;
            kvs_engine_request(plain, i, &ri);
            assert_int_equal(t.first[i], ri.start);
            assert_int_equal(t.fin[i], ri.finish);
            assert_int_equal(t.ev[i], ri.evictions);
            assert_int_equal(t.adm[i], ri.evictions + 1);
        }
        kvs_counters k;
        kvs_engine_counters(plain, &k);
        with_evictions += k.evictions > 0;
        kvs_decisions_free(d);
        kvs_engine_free(e);
        kvs_engine_free(plain);
    }
    /* the random cases must exercise evictions (predicted/current) */
    assert_true(with_evictions > 20);
}

/* ---- explain against the JSON lines ---- */

static void test_explain_matches_log(void **state)
{
    (void)state;
    size_t checked_blocked = 0;
    for (int c = 0; c < 150; c++) {
        scen s;
        make_scen(&s, 0xe4a1000u + (uint64_t)c);
        char why[300];
        kvs_engine *e = kvs_engine_new(&s.w, s.cfg, why, sizeof why);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_int_equal(kvs_decisions_write_run(f, e, NULL, 0), 0);
        fclose(f);
        kvs_engine_free(e);
        for (size_t i = 0; i < s.w.count; i++) {
            char label[16];
            kvs_request_label(&s.w, i, label, sizeof label);
            /* what the log says about request i */
            size_t blocked = 0, adm = 0, ev = 0, behind = 0;
            int64_t fin = -1;
            bool waiting = false;
            for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                assert_non_null(nl);
                *nl = '\0';
                cJSON *o = cJSON_Parse(line);
                assert_non_null(o);
                *nl = '\n';
                cJSON *x;
                bool admitted_now = false;
                cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "arrived"))
                    if (strcmp(x->valuestring, label) == 0)
                        waiting = true;
                cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "admitted"))
                    if (strcmp(x->valuestring, label) == 0) {
                        adm++;
                        waiting = false;
                        admitted_now = true;
                    }
                cJSON *b = cJSON_GetObjectItem(o, "blocked");
                if (cJSON_IsObject(b)) {
                    if (strcmp(cJSON_GetObjectItem(b, "id")->valuestring, label) == 0)
                        blocked++;
                    else if (waiting && !admitted_now)
                        behind++;
                }
                cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "evicted"))
                    if (strcmp(cJSON_GetObjectItem(x, "id")->valuestring, label) == 0) {
                        ev++;
                        waiting = true;
                    }
                cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "completed"))
                    if (strcmp(x->valuestring, label) == 0)
                        fin = (int64_t)cJSON_GetObjectItem(o, "t")->valuedouble;
                cJSON_Delete(o);
                line = nl + 1;
            }
            /* what the story says */
            kvs_engine *e2 = kvs_engine_new(&s.w, s.cfg, why, sizeof why);
            kvs_decisions *d = kvs_decisions_new(e2);
            kvs_story *st = kvs_story_new((uint32_t)i);
            const kvs_decision *r;
            while ((r = kvs_decisions_step(d, e2)) != NULL)
                kvs_story_feed(st, r);
            kvs_story_totals tt;
            kvs_story_totals_get(st, &tt);
            assert_int_equal(tt.blocked_head, blocked);
            assert_int_equal(tt.behind, behind);
            assert_int_equal(tt.admissions, adm);
            assert_int_equal(tt.evictions, ev);
            assert_int_equal(tt.finished, fin);
            checked_blocked += blocked > 0;
            kvs_story_free(st);
            kvs_decisions_free(d);
            kvs_engine_free(e2);
        }
        free(buf);
    }
    assert_true(checked_blocked > 50);
}

/* ---- a hand case: scenarios/head-of-line.yaml's first requests, fcfs, lookahead, exact ----
 * M = 1000. medium (400, 200) at 0 runs 0..200. long (500, 300) arrives at 1: with medium, the
 * lookahead's first check point is medium's completion u = 200: 400+200 + 500+(200-1) = 1299
 * > 1000, so long is blocked at 1, and at every point up to 199 (its share shrinks by one a
 * step: 1299 - (t-1) > 1000 for t <= 199... and at t = 199 the point u = 200 holds
 * 600 + 500 + 1 = 1101). It goes in at 200 when medium finishes: blocked 199 times (1..199).
 * s (20, 12) arriving at 2 waits behind long from 2 to 199: 198 times; admitted 200, 2nd. */
static void sentences(const char *s, void *user)
{
    char *acc = user;
    strcat(acc, s);
    strcat(acc, "\n");
}

static void test_hand_head_of_line(void **state)
{
    (void)state;
    kvs_request req[3] = {{"medium", 0, 400, 200, -1}, {"long", 1, 500, 300, -1},
                          {"s", 2, 20, 12, -1}};
    kvs_workload w = {.memory = 1000, .seed = 1, .count = 3, .requests = req};
    w.info = kvs_info_params_default();
    kvs_config cfg = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_LOOKAHEAD,
                      .information = KVS_INFO_EXACT};
    char why[200], text[4096];
    for (uint32_t i = 1; i <= 2; i++) {
        kvs_engine *e = kvs_engine_new(&w, cfg, why, sizeof why);
        kvs_decisions *d = kvs_decisions_new(e);
        kvs_story *st = kvs_story_new(i);
        const kvs_decision *r;
        while ((r = kvs_decisions_step(d, e)) != NULL) {
            kvs_story_feed(st, r);
            if (r->t == 1) { /* long blocked at 1 by the point u = 200 */
                assert_int_equal(r->block.kind, KVS_BLOCK_LOOKAHEAD);
                assert_int_equal(r->block.at_step, 200);
                assert_int_equal(r->block.tokens, 1299);
            }
        }
        kvs_story_totals tt;
        kvs_story_totals_get(st, &tt);
        text[0] = '\0';
        kvs_story_tell(st, &w, kvs_engine_now(e), false, sentences, text);
        if (i == 1) {
            assert_int_equal(tt.blocked_head, 199);
            assert_int_equal(tt.finished, 500);
            assert_non_null(strstr(text, "blocked 199 times at the head of the queue, first at 1 "
                                         "by the lookahead at step 200 (1 299 > 1 000 tokens)"));
            assert_non_null(strstr(text, "admitted at 200 when #medium finished"));
        } else {
            assert_int_equal(tt.behind, 198);
            assert_int_equal(tt.blocked_head, 0);
            assert_non_null(strstr(text, "ranked 2nd of 2 in the queue by arrival 2"));
            assert_non_null(strstr(text, "waited behind a blocked head of the queue 198 times "
                                         "(last #long)"));
            assert_non_null(strstr(text, "admitted at 200 when #medium finished (2nd in the walk"));
            assert_non_null(strstr(text, "finished at 212: latency 210, TTFT 199, waited 198"));
        }
        kvs_story_free(st);
        kvs_decisions_free(d);
        kvs_engine_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_head_of_line),
        cmocka_unit_test(test_log_matches_engine),
        cmocka_unit_test(test_explain_matches_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
