/* opt_report.c: the text of `kvscope opt` (see opt_report.h; docs/OPTIMUM.md). */
#include "io/opt_report.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvscope/bound.h"

static const char *rid(const kvs_workload *w, size_t i, char *buf, size_t n)
{
    if (w->requests[i].id)
        return w->requests[i].id;
    snprintf(buf, n, "%zu", i + 1);
    return buf;
}

static void schedule(FILE *f, const kvs_workload *w, const kvs_opt_result *r)
{
    int idw = 2;
    char b[32];
    for (size_t i = 0; i < w->count; i++) {
        int len = (int)strlen(rid(w, i, b, sizeof b));
        idw = len > idw ? len : idw;
    }
    fprintf(f, "  %-*s  %7s  %6s  %6s  %5s  %6s  %7s  %s\n", idw, "id", "arrival", "prompt",
            "output", "start", "finish", "latency", "steps run");
    for (size_t i = 0; i < w->count; i++) {
        const kvs_request *q = &w->requests[i];
        fprintf(f, "  %-*s  %7" PRId64 "  %6" PRId64 "  %6" PRId64 "  %5" PRId64 "  %6" PRId64
                   "  %7" PRId64 " ",
                idw, rid(w, i, b, sizeof b), q->arrival, q->prompt, q->output, r->start[i],
                r->finish[i], r->finish[i] - q->arrival);
        for (size_t s = 0; s < r->nsegments; s++)
            if (r->segments[s].req == i)
                fprintf(f, " %" PRId64 "..%" PRId64, r->segments[s].start + 1,
                        r->segments[s].end);
        fputc('\n', f);
    }
}

static void ratio(FILE *f, int64_t total, int64_t best, bool ok)
{
    if (ok && best > 0)
        fprintf(f, "  %7.3f", kvs_bound_ratio(total, best));
    else
        fprintf(f, "  %7s", "-");
}

int kvs_opt_report_text(FILE *f, const kvs_opt_report *r)
{
    const kvs_workload *w = r->w;
    bool np_ok = r->np->status == KVS_OPT_OK, pp_ok = r->pp->status == KVS_OPT_OK;
    int64_t peak = 0;
    for (size_t i = 0; i < w->count; i++)
        if (w->requests[i].prompt + w->requests[i].output > peak)
            peak = w->requests[i].prompt + w->requests[i].output;
    double alpha = w->memory > 0 ? (double)peak / (double)w->memory : 0;

    fprintf(f, "scenario %s: M = %" PRId64 " tokens, %zu requests\n\n", r->scenario ? r->scenario : "",
            w->memory, w->count);
    fprintf(f, "lower bound on total latency     %8" PRId64 "   (docs/OPTIMUM.md)\n",
            r->lower_bound);
    if (np_ok)
        fprintf(f, "optimum without preemption  OPT  %8" PRId64 "   (%" PRIu64 " search states)\n",
                r->np->total_latency, r->np->expanded);
    else
        fprintf(f, "optimum without preemption  OPT  not found: %s\n",
                kvs_opt_status_describe(r->np->status));
    if (pp_ok)
        fprintf(f, "optimum with pauses         OPT* %8" PRId64 "   (%" PRIu64 " search states)\n",
                r->pp->total_latency, r->pp->expanded);
    else
        fprintf(f, "optimum with pauses         OPT* not found: %s\n",
                kvs_opt_status_describe(r->pp->status));
    if (alpha < 1)
        fprintf(f, "theory (Kong et al.): SVF <= (1 + 2/(1 - alpha)) OPT = %.3f OPT, "
                   "alpha = max(s+o)/M = %" PRId64 "/%" PRId64 " = %.3f\n",
                1 + 2 / (1 - alpha), peak, w->memory, alpha);
    else
        fprintf(f, "theory (Kong et al.): no SVF guarantee, alpha = max(s+o)/M = 1\n");

    if (np_ok) {
        fputs("\noptimal schedule without preemption:\n", f);
        schedule(f, w, r->np);
    }
    if (pp_ok && (!np_ok || r->pp->total_latency < r->np->total_latency)) {
        fputs("\noptimal schedule with pauses (a request paused keeps its tokens, as after an "
              "eviction):\n",
              f);
        schedule(f, w, r->pp);
    }

    int nw = 6;
    for (size_t k = 0; k < r->nrows; k++)
        nw = (int)strlen(r->rows[k].name) > nw ? (int)strlen(r->rows[k].name) : nw;
    fprintf(f, "\n%-*s  %-9s  %-11s  %9s  %9s  %7s  %7s  %7s\n", nw, "policy", "admission",
            "information", "total lat", "evictions", "vs OPT", "vs OPT*", "vs LB");
    for (size_t k = 0; k < r->nrows; k++) {
        const kvs_opt_row *row = &r->rows[k];
        fprintf(f, "%-*s  %-9s  %-11s  %9" PRId64 "  %9" PRId64, nw, row->name,
                kvs_admission_name(row->config.admission),
                kvs_information_name(row->config.information), row->total_latency,
                row->evictions);
        ratio(f, row->total_latency, np_ok ? r->np->total_latency : 0, np_ok);
        ratio(f, row->total_latency, pp_ok ? r->pp->total_latency : 0, pp_ok);
        ratio(f, row->total_latency, r->lower_bound, true);
        fputs(row->evictions > 0 && np_ok && row->total_latency < r->np->total_latency
                  ? "  (beats OPT by pausing)\n"
                  : "\n",
              f);
    }
    fputs("\nOPT: each request admitted once, runs to completion (exact information and lookahead\n"
          "give such schedules). OPT*: requests may also be paused and resumed, as an eviction\n"
          "does; every policy, evictions included, is >= OPT*. LB <= OPT* <= OPT.\n",
          f);
    if (ferror(f)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}
