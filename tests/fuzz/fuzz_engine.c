/* tests/fuzz/fuzz_engine.c: the engine on fuzzed workloads with fuzzed mid-run switches of
 * policy, admission and information. The input is a compact binary scenario (values kept small
 * so that a run takes at most a few thousand steps):
 *   0-1   M = 1 + (u16 % 1024)
 *   2     initial config: policy bits 0-1, admission bit 2, information bits 3-4 (an invalid
 *         combination must be refused by kvs_engine_new, then is repaired); bit 5: big mode,
 *         where M = 1 + u16 * 30517 (up to 2e9), arrivals and switch gaps are shifted left by
 *         42 (up to 2^50), prompts and outputs scale with M, and engine A advances in strides
 *         with kvs_engine_advance_to instead of single steps (checked at every stop)
 *   3     sigma = (b & 7) / 4, flip = ((b >> 3) & 3) / 4, theta = (b >> 5) ? (b >> 5) * 8 : auto
 *   4-5   short / long estimate (0 = auto)
 *   6-13  seed
 *   14    number of switches (% 17), then 3 bytes each: gap in steps, kind, value (kind 3 with
 *         value bit 7: a plugin policy, kvscope/policy.h, keyed by weights from the seed's low
 *         20 bits; with bit 6 also set it has no key function and must be refused)
 *   then  5 bytes per request (at most 40): arrival, prompt u16 % (M + 2), output u8 % (M + 2),
 *         predicted (0 = none); a request that cannot fit must be refused by kvs_engine_new.
 * tests/fuzz/mkseed.c turns shipped scenarios into this format for the seed corpus.
 *
 * Engine A is stepped one step at a time and checked after every step:
 *   memory <= M and equal to the tokens of the running requests plus s + o of those that
 *   finished in this step, peak >= memory;
 *   pending + waiting + running + completed = total, each equal to a count of request states;
 *   the queue holds exactly the waiting requests; a finished request stays finished with the same
 *   finish time (it finishes exactly once), never before arrival + output;
 *   evictions never decrease and equal the sum over requests;
 *   generated <= output, and = output once done.
 * At the end: every request done (none lost across evictions), volume done = volume total =
 * sum of v_i, tokens generated = sum of outputs, the summary agrees with the counters.
 * Also after every step: the queue listing holds each waiting request once in key order, a
 * recorded block is a real overflow of M, the history has one open segment per running request,
 * closed segments stay within M and the evicted ones count the evictions.
 * Engine B (a clone at t = 0, history off) takes the same switches through kvs_engine_advance_to and
 * kvs_engine_run; engine C (a clone made mid-run) runs to the end alone. Both must match A
 * request by request. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "kvscope/engine.h"
#include "kvscope/policy.h"

#define MAX_REQ 40
#define MAX_SW 16
#define MAX_STEPS 2000000

typedef struct {
    int64_t at;
    uint8_t kind, value;
} sw;

typedef struct {
    const uint8_t *d;
    size_t n, pos;
} rd;

static unsigned byte(rd *r) { return r->pos < r->n ? r->d[r->pos++] : 0; }
static unsigned u16(rd *r)
{
    unsigned hi = byte(r);
    return hi << 8 | byte(r);
}

/* A user policy (kvscope/policy.h) whose key mixes what a plugin may see, with coefficients
 * from the input (small, so the key cannot overflow: |key| < 2^58). */
typedef struct {
    int64_t prompt, estimate, waited, evictions, original;
} key_weights;

static int64_t fuzz_key(const kvs_policy_request *r, void *user)
{
    const key_weights *k = user;
    int64_t est = r->estimate < 0 ? 0 : r->estimate;
    return k->prompt * r->prompt + k->estimate * est - k->waited * r->waited +
           k->evictions * r->evictions + k->original * r->original_prompt;
}

static kvs_config apply_switch(kvs_config cur, const sw *s, key_weights *kw)
{
    switch (s->kind % 4) {
    case 0:
        return kvs_config_choose(cur, s->value % KVS_CHOICE_COUNT);
    case 1:
        return kvs_config_with_information(cur, (kvs_information)(s->value % KVS_INFORMATION_COUNT));
    case 2: {
        kvs_config c = cur;
        c.admission = (kvs_admission)(s->value % KVS_ADMISSION_COUNT);
        return c; /* may be invalid: set_config must refuse it and change nothing */
    }
    default: {
        kvs_config c;
        memset(&c, 0, sizeof c);
        c.policy = (kvs_policy)(s->value & 3);
        c.admission = (kvs_admission)((s->value >> 2) & 1);
        c.information = (kvs_information)((s->value >> 3) & 3);
        if (s->value & 0x80) { /* a plugin policy; without a key function it must be refused */
            c.policy = KVS_POLICY_PLUGIN;
            c.key_fn = s->value & 0x40 ? NULL : fuzz_key;
            c.key_user = kw;
            c.key_name = "fuzz-key";
        }
        return c;
    }
    }
}

static bool same_config(kvs_config a, kvs_config b)
{
    return a.policy == b.policy && a.admission == b.admission && a.information == b.information &&
           (a.policy != KVS_POLICY_PLUGIN ||
            (a.key_fn == b.key_fn && a.key_user == b.key_user && a.key_name == b.key_name));
}

static void do_switch(kvs_engine *e, const sw *s, key_weights *kw)
{
    kvs_config before = kvs_engine_config(e);
    kvs_config want = apply_switch(before, s, kw);
    bool valid = kvs_config_valid(want, NULL, 0);
    int rc = kvs_engine_set_config(e, want);
    FUZZ_CHECK((rc == 0) == valid, "set_config returned %d for a %s config", rc,
               valid ? "valid" : "invalid");
    FUZZ_CHECK(same_config(kvs_engine_config(e), valid ? want : before), "config after switch");
}

static void same_outcome(const kvs_engine *a, const kvs_engine *b, size_t n, const char *what)
{
    FUZZ_CHECK(kvs_engine_now(a) == kvs_engine_now(b), "%s: now %lld vs %lld", what,
               (long long)kvs_engine_now(a), (long long)kvs_engine_now(b));
    for (size_t i = 0; i < n; i++) {
        kvs_req_info x, y;
        kvs_engine_request(a, i, &x);
        kvs_engine_request(b, i, &y);
        FUZZ_CHECK(x.start == y.start && x.finish == y.finish && x.evictions == y.evictions,
                   "%s: request %zu start %lld/%lld finish %lld/%lld evictions %lld/%lld", what, i,
                   (long long)x.start, (long long)y.start, (long long)x.finish,
                   (long long)y.finish, (long long)x.evictions, (long long)y.evictions);
    }
    kvs_summary s, t;
    kvs_engine_summary(a, &s);
    kvs_engine_summary(b, &t);
    FUZZ_CHECK(s.makespan == t.makespan && s.total_latency == t.total_latency &&
                   s.peak_memory == t.peak_memory && s.evictions == t.evictions &&
                   s.completed == t.completed && s.total_volume == t.total_volume,
               "%s: summaries differ", what);
    const kvs_switch *sa, *sb;
    size_t na = kvs_engine_switches(a, &sa), nb = kvs_engine_switches(b, &sb);
    FUZZ_CHECK(na == nb, "%s: %zu vs %zu switches recorded", what, na, nb);
    for (size_t i = 0; i < na; i++)
        FUZZ_CHECK(sa[i].at == sb[i].at, "%s: switch %zu at %lld vs %lld", what, i,
                   (long long)sa[i].at, (long long)sb[i].at);
}

static void check_step(const kvs_engine *e, const kvs_workload *w, int64_t *finish,
                       int64_t *last_evictions)
{
    int64_t M = w->memory, now = kvs_engine_now(e);
    kvs_counters c;
    kvs_engine_counters(e, &c);
    int64_t mem = kvs_engine_memory(e);
    FUZZ_CHECK(mem == c.memory && c.now == now && c.memory_budget == M, "counters header");
    FUZZ_CHECK(mem >= 0 && mem <= M, "step %lld holds %lld tokens > M = %lld", (long long)now,
               (long long)mem, (long long)M);
    FUZZ_CHECK(c.peak_memory >= mem && c.peak_memory <= M, "peak %lld", (long long)c.peak_memory);
    FUZZ_CHECK(c.total == w->count, "total");
    FUZZ_CHECK(c.pending + c.waiting + c.running + c.completed == c.total,
               "%zu pending + %zu waiting + %zu running + %zu completed != %zu", c.pending,
               c.waiting, c.running, c.completed, c.total);
    FUZZ_CHECK(kvs_engine_queue_length(e) == c.waiting, "queue %zu != waiting %zu",
               kvs_engine_queue_length(e), c.waiting);
    size_t count[4] = {0, 0, 0, 0};
    int64_t tokens = 0, evictions = 0;
    for (size_t i = 0; i < w->count; i++) {
        kvs_req_info r;
        kvs_engine_request(e, i, &r);
        const kvs_request *q = &w->requests[i];
        FUZZ_CHECK(r.state <= KVS_REQ_DONE, "state");
        count[r.state]++;
        /* a request whose last token was step now is already done and reports no tokens,
         * but held s + o during that step */
        tokens += r.state == KVS_REQ_DONE && r.finish == now ? q->prompt + q->output : r.tokens;
        evictions += r.evictions;
        FUZZ_CHECK(r.generated >= 0 && r.generated <= q->output, "request %zu generated %lld of "
                   "%lld", i, (long long)r.generated, (long long)q->output);
        FUZZ_CHECK(r.evictions >= 0, "evictions");
        if (r.state == KVS_REQ_RUNNING)
            FUZZ_CHECK(r.tokens > 0, "running request %zu holds no tokens", i);
        else
            FUZZ_CHECK(r.tokens == 0, "request %zu in state %s holds %lld tokens", i,
                       kvs_req_state_name(r.state), (long long)r.tokens);
        if (r.state == KVS_REQ_PENDING)
            FUZZ_CHECK(q->arrival >= now, "request %zu pending after its arrival", i);
        if (finish[i] >= 0)
            FUZZ_CHECK(r.state == KVS_REQ_DONE && r.finish == finish[i],
                       "request %zu finished at %lld, now state %s finish %lld", i,
                       (long long)finish[i], kvs_req_state_name(r.state), (long long)r.finish);
        if (r.state == KVS_REQ_DONE) {
            FUZZ_CHECK(r.generated == q->output, "done with %lld of %lld tokens",
                       (long long)r.generated, (long long)q->output);
            FUZZ_CHECK(r.finish <= now && r.finish >= q->arrival + q->output,
                       "request %zu (arrival %lld, output %lld) finished at %lld", i,
                       (long long)q->arrival, (long long)q->output, (long long)r.finish);
            FUZZ_CHECK(r.start >= q->arrival && r.latency == r.finish - q->arrival, "start");
            finish[i] = r.finish;
        } else {
            FUZZ_CHECK(r.finish == -1, "unfinished request %zu has finish %lld", i,
                       (long long)r.finish);
        }
    }
    FUZZ_CHECK(tokens == mem, "requests hold %lld tokens, memory says %lld", (long long)tokens,
               (long long)mem);
    FUZZ_CHECK(count[KVS_REQ_PENDING] == c.pending && count[KVS_REQ_WAITING] == c.waiting &&
                   count[KVS_REQ_RUNNING] == c.running && count[KVS_REQ_DONE] == c.completed,
               "state counts %zu/%zu/%zu/%zu vs counters %zu/%zu/%zu/%zu", count[0], count[1],
               count[2], count[3], c.pending, c.waiting, c.running, c.completed);
    FUZZ_CHECK(evictions == c.evictions && c.evictions >= *last_evictions, "evictions %lld, sum %lld",
               (long long)c.evictions, (long long)evictions);
    *last_evictions = c.evictions;

    /* the queue as the UI lists it: every waiting request once, in the policy's order */
    kvs_queue_entry head[MAX_REQ];
    size_t nh = kvs_engine_queue_head(e, head, MAX_REQ);
    FUZZ_CHECK(nh == c.waiting, "queue head lists %zu of %zu waiting", nh, c.waiting);
    bool seen[MAX_REQ] = {false};
    for (size_t i = 0; i < nh; i++) {
        FUZZ_CHECK(head[i].req < w->count && !seen[head[i].req], "queue entry %zu", i);
        seen[head[i].req] = true;
        kvs_req_info r;
        kvs_engine_request(e, head[i].req, &r);
        /* the key the inspector shows is the queue's, a time-dependent plugin key included
         * (both taken at the last decision point; this harness found them apart once) */
        FUZZ_CHECK(r.state == KVS_REQ_WAITING && r.key == head[i].key,
                   "queue entry %zu: request "
                   "%u in state %s, key %lld vs %lld", i, head[i].req, kvs_req_state_name(r.state),
                   (long long)r.key, (long long)head[i].key);
        if (i > 0)
            FUZZ_CHECK(head[i - 1].key <= head[i].key, "queue out of order at %zu", i);
    }
    /* why the head was blocked: a real overflow, describable */
    kvs_block b;
    kvs_engine_block(e, &b);
    char text[160];
    kvs_block_describe(&b, text, sizeof text);
    FUZZ_CHECK(text[0] != '\0' && b.memory_budget == M, "block description");
    if (b.kind != KVS_BLOCK_NONE)
        FUZZ_CHECK(b.tokens > M && b.req < w->count && b.decided_at < now, "block %d: %s",
                   (int)b.kind, text);
    /* history: one segment per residency, closed ones within M, evicted ones = evictions */
    const kvs_segment *seg;
    size_t ns = kvs_engine_segments(e, &seg);
    int64_t evicted = 0;
    size_t open = 0;
    for (size_t i = 0; i < ns; i++) {
        FUZZ_CHECK(seg[i].req < w->count, "segment %zu", i);
        if (seg[i].end == KVS_OPEN) {
            open++;
        } else {
            FUZZ_CHECK(seg[i].end > seg[i].start && seg[i].end <= now &&
                           seg[i].prompt + (seg[i].end - seg[i].start) <= M,
                       "segment %zu: start %lld end %lld prompt %lld", i,
                       (long long)seg[i].start, (long long)seg[i].end, (long long)seg[i].prompt);
            FUZZ_CHECK(seg[i].end - seg[i].start <= kvs_engine_max_segment_length(e), "too long");
        }
        evicted += seg[i].evicted;
    }
    FUZZ_CHECK(open == c.running, "%zu open segments, %zu running", open, c.running);
    FUZZ_CHECK(evicted == c.evictions, "%lld evicted segments, %lld evictions",
               (long long)evicted, (long long)c.evictions);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd r = {data, size, 0};
    kvs_workload w;
    memset(&w, 0, sizeof w);
    unsigned m16 = u16(&r);
    unsigned c0 = byte(&r);
    /* big mode: values near the limits, stepped in strides (overflow paths, UBSan) */
    bool big = (c0 >> 5) & 1;
    w.memory = big ? 1 + (int64_t)m16 * 30517 : 1 + (int64_t)(m16 % 1024);
    kvs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.policy = (kvs_policy)(c0 & 3);
    cfg.admission = (kvs_admission)((c0 >> 2) & 1);
    cfg.information = (kvs_information)((c0 >> 3) & 3);
    w.info = kvs_info_params_default();
    unsigned ib = byte(&r);
    w.info.sigma = (ib & 7) / 4.0;
    w.info.flip_probability = ((ib >> 3) & 3) / 4.0;
    w.info.theta = (ib >> 5) ? (int64_t)(ib >> 5) * 8 : -1;
    unsigned se = byte(&r), le = byte(&r);
    w.info.short_estimate = se ? (int64_t)se : -1;
    w.info.long_estimate = le ? (int64_t)le * 4 : -1;
    for (int i = 0; i < 8; i++)
        w.seed = w.seed << 8 | byte(&r);
    /* the plugin's weights, -8..7 each, from the seed's bits */
    key_weights kw = {(int64_t)(w.seed & 15) - 8, (int64_t)(w.seed >> 4 & 15) - 8,
                      (int64_t)(w.seed >> 8 & 15) - 8, (int64_t)(w.seed >> 12 & 15) - 8,
                      (int64_t)(w.seed >> 16 & 15) - 8};
    sw sws[MAX_SW];
    size_t nsw = byte(&r) % (MAX_SW + 1);
    int64_t at = 0;
    for (size_t i = 0; i < nsw; i++) {
        at += (int64_t)byte(&r) << (big ? 42 : 0);
        sws[i].at = at;
        sws[i].kind = (uint8_t)byte(&r);
        sws[i].value = (uint8_t)byte(&r);
    }
    kvs_request reqs[MAX_REQ];
    bool fits = true;
    while (w.count < MAX_REQ && r.pos + 5 <= r.n) {
        kvs_request *q = &reqs[w.count++];
        q->id = NULL;
        q->arrival = (int64_t)byte(&r) << (big ? 42 : 0);
        if (big) {
            q->prompt = (int64_t)((double)u16(&r) / 65535.0 * (double)(w.memory + 1));
            q->output = (int64_t)((double)byte(&r) / 255.0 * (double)(w.memory + 1));
        } else {
            q->prompt = u16(&r) % (w.memory + 2);
            q->output = byte(&r) % (w.memory + 2);
        }
        unsigned p = byte(&r);
        q->predicted = !p ? -1 : big ? (int64_t)p * 7812500 : (int64_t)p;
        if (q->output < 1 || q->prompt + q->output > w.memory)
            fits = false;
    }
    w.requests = reqs;
    if (w.count == 0)
        return 0;

    char why[512];
    kvs_engine *a = kvs_engine_new(&w, cfg, why, sizeof why);
    bool cfg_ok = kvs_config_valid(cfg, NULL, 0);
    if (!fits || !cfg_ok) {
        FUZZ_CHECK(a == NULL, "kvs_engine_new accepted an invalid %s",
                   fits ? "config" : "request");
        FUZZ_CHECK(why[0] != '\0', "no reason given");
        if (!fits)
            return 0;
        cfg = kvs_config_with_information(cfg, cfg.information);
        FUZZ_CHECK(kvs_config_valid(cfg, why, sizeof why), "repaired config invalid: %s", why);
        a = kvs_engine_new(&w, cfg, why, sizeof why);
    }
    FUZZ_CHECK(a != NULL, "kvs_engine_new refused a valid workload: %s", why);
    kvs_engine *b = kvs_engine_clone(a);
    FUZZ_CHECK(b != NULL, "clone");
    kvs_engine_keep_history(b, false); /* must not change any result */
    kvs_engine *c = NULL;

    int64_t finish[MAX_REQ];
    for (size_t i = 0; i < w.count; i++)
        finish[i] = -1;
    int64_t evictions = 0;
    size_t next = 0;
    int64_t clone_at = nsw ? sws[0].at + 1 : 3, cloned_at = -1;
    check_step(a, &w, finish, &evictions);
    for (long iter = 0; !kvs_engine_done(a); iter++) {
        int64_t now = kvs_engine_now(a);
        while (next < nsw && sws[next].at == now)
            do_switch(a, &sws[next++], &kw);
        if (c == NULL && now >= clone_at) {
            c = kvs_engine_clone(a);
            cloned_at = now;
        }
        if (big) {
            /* a stride that shrinks and grows again, stopping exactly at each switch */
            int64_t target = now + 1 + (((int64_t)1 << 51) >> (iter % 52));
            if (next < nsw && sws[next].at < target)
                target = sws[next].at;
            kvs_engine_advance_to(a, target);
            FUZZ_CHECK(kvs_engine_done(a) || kvs_engine_now(a) == target,
                       "advance_to(%lld) stopped at %lld", (long long)target,
                       (long long)kvs_engine_now(a));
            FUZZ_CHECK(iter < 200000, "not done after 200000 strides");
        } else {
            kvs_engine_step(a);
            FUZZ_CHECK(kvs_engine_now(a) == now + 1, "step went from %lld to %lld",
                       (long long)now, (long long)kvs_engine_now(a));
            FUZZ_CHECK(now < MAX_STEPS, "not done after %d steps", MAX_STEPS);
        }
        check_step(a, &w, finish, &evictions);
    }
    /* switches scheduled after the end are still accepted (they change nothing) */
    while (next < nsw)
        do_switch(a, &sws[next++], &kw);

    kvs_counters k;
    kvs_engine_counters(a, &k);
    int64_t volume = 0, outputs = 0;
    for (size_t i = 0; i < w.count; i++) {
        FUZZ_CHECK(finish[i] >= 0, "request %zu never finished", i);
        volume += kvs_volume(reqs[i].prompt, reqs[i].output);
        outputs += reqs[i].output;
    }
    FUZZ_CHECK(k.completed == w.count, "completed");
    FUZZ_CHECK(k.volume_total == volume && k.volume_done == volume,
               "volume done %lld, total %lld, sum of v_i %lld", (long long)k.volume_done,
               (long long)k.volume_total, (long long)volume);
    FUZZ_CHECK(k.tokens_generated == outputs, "tokens generated %lld, outputs %lld",
               (long long)k.tokens_generated, (long long)outputs);
    kvs_summary s;
    kvs_engine_summary(a, &s);
    FUZZ_CHECK(s.completed == w.count && s.requests == w.count && s.total_volume == volume &&
                   s.evictions == k.evictions && s.peak_memory == k.peak_memory &&
                   s.total_latency == k.latency_sum,
               "summary disagrees with counters");

    /* B: the same switches, with skipping */
    next = 0;
    while (next < nsw) {
        kvs_engine_advance_to(b, sws[next].at);
        while (next < nsw && (kvs_engine_done(b) || sws[next].at == kvs_engine_now(b)))
            do_switch(b, &sws[next++], &kw);
    }
    kvs_engine_run(b);
    same_outcome(a, b, w.count, "stepped vs advance_to/run");
    if (c != NULL) {
        kvs_engine_run(c);
        FUZZ_CHECK(kvs_engine_done(c), "clone not done");
        kvs_summary t;
        kvs_engine_summary(c, &t);
        kvs_summary sa2;
        kvs_engine_summary(a, &sa2);
        /* the clone saw the switches up to clone_at only; compare when none came later */
        bool later = false;
        for (size_t i = 0; i < nsw; i++)
            later |= sws[i].at >= cloned_at;
        if (!later)
            same_outcome(a, c, w.count, "mid-run clone");
        kvs_engine_free(c);
    }
    kvs_engine_free(b);
    kvs_engine_free(a);
    return 0;
}
