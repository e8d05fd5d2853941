/* render_svg.c: the time x memory figure as SVG (see render_svg.h; docs/RENDER.md).
 * The picture is exact, not sampled: during step u (the interval u-1 .. u on the time axis) a
 * request holds a constant number of tokens, so each band is a staircase; the requests running in
 * a step are stacked bottom-up in admission order. Coordinates are printed with "%.2f"; the
 * process never sets LC_NUMERIC for this command, so the decimal point is '.'. */
#include "io/render_svg.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "io/colors.h"
#include "kvscope/bound.h"
#include "kvscope/config.h"

/* page geometry, px */
#define W 1000.0
#define H 560.0
#define PX0 72.0
#define PX1 800.0
#define PY0 64.0
#define PY1 480.0
#define LEGEND_X 830.0
#define LEGEND_MAX 22

typedef struct {
    int64_t t0, t1;
    double ymax;
} frame;

static double fx(const frame *fr, double u)
{
    return PX0 + (u - (double)fr->t0) / (double)(fr->t1 - fr->t0) * (PX1 - PX0);
}

static double fy(const frame *fr, double tokens)
{
    return PY1 - tokens / fr->ymax * (PY1 - PY0);
}

static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            /* control characters are not allowed in XML 1.0 */
            fputc((unsigned char)*s < 0x20 && *s != '\t' ? ' ' : *s, f);
        }
    }
}

static const char *request_id(const kvs_workload *w, size_t i, char *buf, size_t n)
{
    if (w->requests[i].id)
        return w->requests[i].id;
    snprintf(buf, n, "%zu", i + 1);
    return buf;
}

/* A tick spacing of 1, 2 or 5 times a power of ten giving at most `want` intervals. */
static double nice_step(double range, int want)
{
    if (range <= 0)
        return 1;
    double raw = range / want;
    double p = pow(10.0, floor(log10(raw)));
    double steps[] = {1, 2, 5, 10};
    for (int i = 0; i < 4; i++)
        if (steps[i] * p >= raw)
            return steps[i] * p;
    return 10 * p;
}

/* ---------------------------------------------------------------- the band outline */

/* Points of one closed outline, dropping repeats and the middle of collinear runs. */
typedef struct {
    FILE *f;
    double x[2], y[2];
    int n;       /* points held back (0..2) */
    bool first;  /* the next point printed starts the subpath */
} outline;

static void ol_print(outline *o, double x, double y)
{
    fprintf(o->f, "%s%.2f %.2f", o->first ? "M" : " L", x, y);
    o->first = false;
}

static void ol_point(outline *o, double x, double y)
{
    if (o->n > 0 && o->x[o->n - 1] == x && o->y[o->n - 1] == y)
        return;
    if (o->n == 2) {
        bool same_row = o->y[0] == o->y[1] && o->y[1] == y;
        bool same_col = o->x[0] == o->x[1] && o->x[1] == x;
        if (same_row || same_col) {
            o->x[1] = x;
            o->y[1] = y;
            return;
        }
        ol_print(o, o->x[0], o->y[0]);
        o->x[0] = o->x[1];
        o->y[0] = o->y[1];
        o->n = 1;
    }
    o->x[o->n] = x;
    o->y[o->n] = y;
    o->n++;
}

static void ol_close(outline *o)
{
    for (int i = 0; i < o->n; i++)
        ol_print(o, o->x[i], o->y[i]);
    fputs(" Z", o->f);
    o->n = 0;
    o->first = true;
}

/* ---------------------------------------------------------------- the figure */

int kvs_render_svg(FILE *f, const kvs_engine *e, const kvs_svg_options *o)
{
    const kvs_workload *w = kvs_engine_workload(e);
    const kvs_segment *seg;
    size_t nseg = kvs_engine_segments(e, &seg);
    size_t n = w->count;
    kvs_summary sum;
    kvs_engine_summary(e, &sum);
    int64_t M = kvs_engine_memory_budget(e);

    frame fr;
    fr.t0 = o->from > 0 ? o->from : 0;
    fr.t1 = o->to >= 0 ? o->to : sum.makespan;
    if (fr.t1 <= fr.t0)
        fr.t1 = fr.t0 + 1;

    /* Pass 1: the steps of each segment inside the window -> offsets into one pool. */
    size_t *off = malloc((nseg + 1) * sizeof *off);
    size_t *active = malloc((nseg ? nseg : 1) * sizeof *active);
    size_t *next = malloc((nseg ? nseg : 1) * sizeof *next);
    size_t *head = malloc((n ? n : 1) * sizeof *head);
    if (!off || !active || !next || !head) {
        free(off);
        free(active);
        free(next);
        free(head);
        errno = ENOMEM;
        return -1;
    }
    off[0] = 0;
    for (size_t s = 0; s < nseg; s++) {
        int64_t a = seg[s].start + 1 > fr.t0 + 1 ? seg[s].start + 1 : fr.t0 + 1;
        int64_t b = seg[s].end < fr.t1 ? seg[s].end : fr.t1;
        off[s + 1] = off[s] + (size_t)(b >= a ? b - a + 1 : 0);
    }
    int64_t *base = malloc((off[nseg] ? off[nseg] : 1) * sizeof *base);
    if (!base) {
        free(off);
        free(active);
        free(next);
        free(head);
        errno = ENOMEM;
        return -1;
    }

    /* Pass 2: sweep the steps of the window, stacking the running segments in admission order. */
    int64_t peak = 0;
    size_t nact = 0, s_next = 0;
    for (int64_t u = fr.t0 + 1; u <= fr.t1; u++) {
        size_t k = 0;
        for (size_t i = 0; i < nact; i++) /* drop those that ended */
            if (seg[active[i]].end >= u)
                active[k++] = active[i];
        nact = k;
        while (s_next < nseg && seg[s_next].start < u) {
            if (seg[s_next].end >= u)
                active[nact++] = s_next;
            s_next++;
        }
        int64_t level = 0;
        for (size_t i = 0; i < nact; i++) {
            const kvs_segment *sg = &seg[active[i]];
            int64_t first = sg->start + 1 > fr.t0 + 1 ? sg->start + 1 : fr.t0 + 1;
            base[off[active[i]] + (size_t)(u - first)] = level;
            level += sg->prompt + (u - sg->start);
        }
        if (level > peak)
            peak = level;
    }
    fr.ymax = (double)(peak > M ? peak : M) * 1.08;
    if (fr.ymax <= 0)
        fr.ymax = 1;

    /* ---- header */
    kvs_config cfg0 = kvs_engine_start_config(e, NULL);
    const kvs_switch *sw;
    size_t nsw = kvs_engine_switches(e, &sw);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, "
               "sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fputs("<title>", f);
    xml_text(f, o->scenario ? o->scenario : "kvscope");
    fputs(": time x memory</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", f);
    fputs("<text x=\"72\" y=\"24\" font-size=\"15\" font-weight=\"bold\">", f);
    xml_text(f, o->scenario ? o->scenario : "kvscope");
    fprintf(f, ": policy %s, admission %s, information %s</text>\n", kvs_policy_name(cfg0.policy),
            kvs_admission_name(cfg0.admission), kvs_information_name(cfg0.information));
    fprintf(f, "<text x=\"72\" y=\"44\" fill=\"#444444\">%zu requests, M = %" PRId64
               " tokens, makespan %" PRId64 " steps, total latency %" PRId64 " steps",
            n, M, sum.makespan, sum.total_latency);
    if (o->lower_bound > 0)
        fprintf(f, " (\xc3\x97%.3f the lower bound %" PRId64 ")",
                kvs_bound_ratio(sum.total_latency, o->lower_bound), o->lower_bound);
    if (sum.evictions > 0)
        fprintf(f, ", %" PRId64 " evictions", sum.evictions);
    fputs("</text>\n", f);

    /* ---- grid and axes */
    fputs("<g class=\"axes\" stroke=\"#000000\" stroke-width=\"1\">\n", f);
    double ystep = nice_step(fr.ymax, 6);
    for (double v = 0; v <= fr.ymax; v += ystep) {
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#dddddd\"/>\n",
                PX0, fy(&fr, v), PX1, fy(&fr, v));
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" stroke=\"none\">%.0f</text>\n",
                PX0 - 6, fy(&fr, v) + 4, v);
    }
    double xstep = nice_step((double)(fr.t1 - fr.t0), 10);
    double xfirst = ceil((double)fr.t0 / xstep) * xstep;
    for (double u = xfirst; u <= (double)fr.t1; u += xstep) {
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", fx(&fr, u), PY1,
                fx(&fr, u), PY1 + 5);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" stroke=\"none\">%.0f</text>\n",
                fx(&fr, u), PY1 + 18, u);
        if (o->step_ms > 0)
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" stroke=\"none\" "
                       "fill=\"#555555\">%.6g s</text>\n",
                    fx(&fr, u), PY1 + 34, u * o->step_ms / 1000.0);
    }
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", PX0, PY1, PX1, PY1);
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", PX0, PY0, PX0, PY1);
    fputs("</g>\n", f);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">time (steps)", (PX0 + PX1) / 2,
            PY1 + (o->step_ms > 0 ? 54 : 38));
    if (o->step_ms > 0)
        fprintf(f, "; seconds at %.6g ms per step", o->step_ms);
    fputs("</text>\n", f);
    fprintf(f, "<text transform=\"translate(18 %.2f) rotate(-90)\" text-anchor=\"middle\">"
               "KV cache (tokens)</text>\n",
            (PY0 + PY1) / 2);

    /* ---- the bands: one path per request */
    for (size_t i = 0; i < n; i++)
        head[i] = SIZE_MAX;
    for (size_t s = nseg; s-- > 0;) {
        next[s] = head[seg[s].req];
        head[seg[s].req] = s;
    }
    fputs("<g class=\"bands\">\n", f);
    outline ol = {f, {0, 0}, {0, 0}, 0, true};
    for (size_t i = 0; i < n; i++) {
        bool any = false;
        for (size_t s = head[i]; s != SIZE_MAX; s = next[s])
            any = any || off[s + 1] > off[s];
        if (!any)
            continue;
        char idbuf[32];
        const char *id = request_id(w, i, idbuf, sizeof idbuf);
        fprintf(f, "<path class=\"request\" data-request=\"");
        xml_text(f, id);
        fprintf(f, "\" data-index=\"%zu\" fill=\"#%06" PRIx32 "\" d=\"", i, kvs_band_rgb((uint32_t)i));
        for (size_t s = head[i]; s != SIZE_MAX; s = next[s]) {
            size_t len = off[s + 1] - off[s];
            if (len == 0)
                continue;
            const kvs_segment *sg = &seg[s];
            int64_t first = sg->start + 1 > fr.t0 + 1 ? sg->start + 1 : fr.t0 + 1;
            for (size_t k = 0; k < len; k++) { /* top edge, forward */
                int64_t u = first + (int64_t)k;
                double top = (double)(base[off[s] + k] + sg->prompt + (u - sg->start));
                ol_point(&ol, fx(&fr, (double)(u - 1)), fy(&fr, top));
                ol_point(&ol, fx(&fr, (double)u), fy(&fr, top));
            }
            for (size_t k = len; k-- > 0;) { /* bottom edge, back */
                int64_t u = first + (int64_t)k;
                double bot = (double)base[off[s] + k];
                ol_point(&ol, fx(&fr, (double)u), fy(&fr, bot));
                ol_point(&ol, fx(&fr, (double)(u - 1)), fy(&fr, bot));
            }
            ol_close(&ol);
        }
        fputs("\"><title>", f);
        xml_text(f, id);
        kvs_req_info r;
        kvs_engine_request(e, i, &r);
        fprintf(f, ": arrival %" PRId64 ", prompt %" PRId64 ", output %" PRId64 ", start %" PRId64
                   ", finish %" PRId64 "</title></path>\n",
                r.arrival, r.prompt, r.output, r.start, r.finish);
    }
    fputs("</g>\n", f);

    /* ---- the budget and the policy switches */
    fprintf(f, "<line class=\"budget\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
               "stroke=\"#ff0000\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/>\n",
            PX0, fy(&fr, (double)M), PX1, fy(&fr, (double)M));
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" fill=\"#cc0000\">M = %" PRId64
               " tokens</text>\n",
            PX1 - 4, fy(&fr, (double)M) - 5, M);
    for (size_t i = 0; i < nsw; i++) {
        if (sw[i].at <= fr.t0 || sw[i].at >= fr.t1)
            continue;
        double x = fx(&fr, (double)sw[i].at);
        fprintf(f, "<line class=\"switch\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                   "stroke=\"#d000d0\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>\n",
                x, PY0, x, PY1);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" fill=\"#a000a0\">%s</text>\n", x + 3, PY0 + 12,
                kvs_policy_name(sw[i].cfg.policy));
    }

    /* ---- legend */
    double ly = PY0;
    fprintf(f, "<g class=\"legend\">\n<text x=\"%.0f\" y=\"%.2f\" font-weight=\"bold\">"
               "requests</text>\n",
            LEGEND_X, ly);
    size_t shown = n <= LEGEND_MAX ? n : LEGEND_MAX - 1;
    for (size_t i = 0; i < shown; i++) {
        ly += 16;
        char idbuf[32];
        fprintf(f, "<rect x=\"%.0f\" y=\"%.2f\" width=\"14\" height=\"10\" fill=\"#%06" PRIx32
                   "\"/><text x=\"%.0f\" y=\"%.2f\">",
                LEGEND_X, ly - 9, kvs_band_rgb((uint32_t)i), LEGEND_X + 20, ly);
        xml_text(f, request_id(w, i, idbuf, sizeof idbuf));
        fputs("</text>\n", f);
    }
    if (shown < n) {
        ly += 16;
        fprintf(f, "<text x=\"%.0f\" y=\"%.2f\" fill=\"#555555\">\xe2\x80\xa6 %zu more</text>\n",
                LEGEND_X, ly, n - shown);
    }
    ly += 26;
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.2f\" x2=\"%.0f\" y2=\"%.2f\" stroke=\"#ff0000\" "
               "stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/><text x=\"%.0f\" y=\"%.2f\">"
               "budget M</text>\n",
            LEGEND_X, ly - 4, LEGEND_X + 14, ly - 4, LEGEND_X + 20, ly);
    ly += 16;
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.2f\" x2=\"%.0f\" y2=\"%.2f\" stroke=\"#d000d0\" "
               "stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/><text x=\"%.0f\" y=\"%.2f\">"
               "policy switch</text>\n</g>\n</svg>\n",
            LEGEND_X + 7, ly - 12, LEGEND_X + 7, ly, LEGEND_X + 20, ly);

    free(off);
    free(active);
    free(next);
    free(head);
    free(base);
    if (ferror(f)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}
