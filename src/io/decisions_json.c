/* decisions_json.c: the decision log as JSON lines and `kvscope explain` (both drive the engine
 * through kvscope/decisions.h; nothing here knows scheduling rules). Numbers are exact int64 text
 * and strings are escaped by hand, so the bytes never depend on the locale. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/decisions_io.h"

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void put_id(FILE *f, const kvs_workload *w, size_t i)
{
    char buf[32];
    if (w->requests[i].id)
        put_string(f, w->requests[i].id);
    else {
        snprintf(buf, sizeof buf, "%zu", i + 1);
        put_string(f, buf);
    }
}

static void put_ids(FILE *f, const char *key, const uint32_t *ids, size_t n, const kvs_workload *w)
{
    fprintf(f, ",\"%s\":[", key);
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputc(',', f);
        put_id(f, w, ids[k]);
    }
    fputc(']', f);
}

int kvs_decision_jsonl(FILE *f, const kvs_decision *d, const kvs_workload *w)
{
    fprintf(f, "{\"t\":%" PRId64 ",\"policy\":", d->t);
    put_string(f, kvs_config_policy_name(d->cfg));
    fprintf(f, ",\"admission\":\"%s\",\"information\":\"%s\"", kvs_admission_name(d->cfg.admission),
            kvs_information_name(d->cfg.information));
    put_ids(f, "completed", d->completed, d->n_completed, w);
    put_ids(f, "arrived", d->arrived, d->n_arrived, w);
    fprintf(f, ",\"queue_length\":%zu,\"queue\":[", d->queue_len);
    size_t nq = d->queue_len < KVS_DECISIONS_QUEUE_MAX ? d->queue_len : KVS_DECISIONS_QUEUE_MAX;
    for (size_t k = 0; k < nq; k++) {
        fputs(k ? ",[" : "[", f);
        put_id(f, w, d->queue[k].req);
        fprintf(f, ",%" PRId64 "]", d->queue[k].key);
    }
    fputc(']', f);
    put_ids(f, "admitted", d->admitted, d->n_admitted, w);
    fputs(",\"blocked\":", f);
    if (d->block.kind == KVS_BLOCK_NONE) {
        fputs("null", f);
    } else {
        fputs("{\"id\":", f);
        put_id(f, w, d->block.req);
        fprintf(f, ",\"rule\":\"%s\",\"at_step\":%" PRId64 ",\"tokens\":%" PRId64
                   ",\"budget\":%" PRId64 "}",
                d->block.kind == KVS_BLOCK_LOOKAHEAD ? "lookahead" : "current", d->block.at_step,
                d->block.tokens, d->block.memory_budget);
    }
    fputs(",\"evicted\":[", f);
    for (size_t k = 0; k < d->n_evicted; k++) {
        const kvs_eviction *v = &d->evicted[k];
        fputs(k ? ",{\"id\":" : "{\"id\":", f);
        put_id(f, w, v->req);
        fprintf(f, ",\"admitted\":%" PRId64 ",\"generated\":%" PRId64 ",\"tokens\":%" PRId64 "}",
                v->admitted, v->generated, v->tokens);
    }
    fprintf(f, "],\"overflow\":%" PRId64 ",\"memory\":%" PRId64 "}\n", d->overflow, d->memory);
    return ferror(f) ? -1 : 0;
}

typedef struct {
    FILE *f;
    const kvs_workload *w;
} line_ctx;

static int write_line(const kvs_decision *d, void *user)
{
    line_ctx *c = user;
    return kvs_decision_jsonl(c->f, d, c->w);
}

int kvs_decisions_write_run(FILE *f, kvs_engine *e, const kvs_switch *plan, size_t n)
{
    kvs_decisions *d = kvs_decisions_new(e);
    if (!d)
        return -1;
    line_ctx c = {f, kvs_engine_workload(e)};
    int rc = kvs_decisions_run_plan(d, e, plan, n, write_line, &c);
    kvs_decisions_free(d);
    return rc || ferror(f) ? -1 : 0;
}

typedef struct {
    kvs_story *s;
} story_ctx;

static int feed(const kvs_decision *d, void *user)
{
    kvs_story_feed(((story_ctx *)user)->s, d);
    return 0;
}

static void print_sentence(const char *s, void *user)
{
    fprintf((FILE *)user, "%s\n", s);
}

int kvs_explain_write(FILE *f, kvs_engine *e, size_t req, const kvs_switch *plan, size_t n)
{
    kvs_decisions *d = kvs_decisions_new(e);
    kvs_story *s = kvs_story_new((uint32_t)req);
    if (!d || !s) {
        kvs_decisions_free(d);
        kvs_story_free(s);
        return -1;
    }
    story_ctx c = {s};
    int rc = kvs_decisions_run_plan(d, e, plan, n, feed, &c);
    const kvs_workload *w = kvs_engine_workload(e);
    char id[64];
    size_t later;
    kvs_config cfg = kvs_engine_start_config(e, &later);
    fprintf(f, "request %s under %s (admission %s, information %s)",
            kvs_request_label(w, req, id, sizeof id), kvs_config_policy_name(cfg),
            kvs_admission_name(cfg.admission), kvs_information_name(cfg.information));
    const kvs_switch *sw;
    size_t nsw = kvs_engine_switches(e, &sw);
    for (size_t k = later; k < nsw; k++)
        fprintf(f, "%s %s (%s, %s) from %lld", k > later ? "," : ", then",
                kvs_config_policy_name(sw[k].cfg),
                kvs_admission_name(sw[k].cfg.admission),
                kvs_information_name(sw[k].cfg.information), (long long)sw[k].at);
    fputs(":\n", f);
    kvs_story_tell(s, w, kvs_engine_now(e), false, print_sentence, f);
    kvs_decisions_free(d);
    kvs_story_free(s);
    return rc || ferror(f) ? -1 : 0;
}

long kvs_find_request(const kvs_workload *w, const char *id)
{
    for (size_t i = 0; i < w->count; i++)
        if (w->requests[i].id && strcmp(w->requests[i].id, id) == 0)
            return (long)i;
    char *end;
    long k = strtol(id, &end, 10);
    if (*id && *end == '\0' && k >= 1 && (size_t)k <= w->count && !w->requests[k - 1].id)
        return k - 1;
    return -1;
}
