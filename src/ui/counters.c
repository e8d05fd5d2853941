/* ui/counters.c: the numbers a class reads off the projector: the clock (big when there is room),
 * the policy in force, memory against the budget, how many requests are where, volume, latency,
 * TTFT, throughput and evictions. Everything comes from kvs_engine_counters. */
#include <stdio.h>
#include <string.h>

#include "kvscope/bound.h"
#include "ui/view.h"

/* Digits three cells wide and three rows high, built from half blocks: each string is one row,
 * ' ' empty, 'u' upper half, 'f' full. */
static const char *const big_font[10][3] = {
    {"fuf", "f f", "uuu"}, /* 0 */
    {"uf ", " f ", "uuu"}, /* 1 */
    {"uuf", "fuu", "uuu"}, /* 2 */
    {"uuf", " uf", "uuu"}, /* 3 */
    {"f f", "uuf", "  u"}, /* 4 */
    {"fuu", "uuf", "uuu"}, /* 5 */
    {"fuu", "fuf", "uuu"}, /* 6 */
    {"uuf", "  f", "  u"}, /* 7 */
    {"fuf", "fuf", "uuu"}, /* 8 */
    {"fuf", "uuf", "uuu"}, /* 9 */
};

static int big_text(WINDOW *w, int y, int x, const ui_palette *p, const char *s, int maxw)
{
    int used = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            continue;
        int d = *s - '0';
        if (used + 3 > maxw)
            break;
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++) {
                char k = big_font[d][r][c];
                if (k != ' ')
                    ui_put_glyph(w, y + r, x + used + c, p, k == 'f' ? p->g.full : p->g.upper_half,
                                 UI_ROLE_BIG);
            }
        used += 4;
    }
    return used;
}

static void label(WINDOW *w, int y, int x, const ui_palette *p, const char *s)
{
    ui_put_text(w, y, x, p, UI_ROLE_DIM, s, getmaxx(w) - 1 - x);
}

static int value(WINDOW *w, int y, int x, const ui_palette *p, ui_role r, const char *s)
{
    return ui_put_text(w, y, x, p, r, s, getmaxx(w) - 1 - x);
}

/* A horizontal bar of `width` cells filled to frac, in eighths. */
static void hbar(WINDOW *w, int y, int x, int width, double frac, const ui_palette *p, ui_role r)
{
    if (width <= 0)
        return;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    int e = (int)(frac * width * 8 + 0.5);
    for (int i = 0; i < width; i++) {
        int k = e - i * 8;
        k = k < 0 ? 0 : k > 8 ? 8 : k;
        if (k > 0 && p->g.hbar[k] != L' ')
            ui_put_glyph(w, y, x + i, p, p->g.hbar[k], r);
        else
            ui_put_glyph(w, y, x + i, p, p->ascii ? L'.' : L'·', UI_ROLE_DIM);
    }
}

void counters_draw(WINDOW *w, const ui_view *v)
{
    const ui_palette *p = v->pal;
    const kvs_counters *c = v->counters;
    int H = getmaxy(w), W = getmaxx(w);
    ui_box(w, p, "counters", false);
    int y = 1, x = 2, iw = W - 4, last = H - 2;
    if (iw < 10 || last < 1)
        return;
    char a[48], b[48], line[160];
    double step_ms = v->scenario ? v->scenario->step_ms : 0;

    /* The clock: big digits when the panel has the rows for them (a projector's back row). */
    char secs[32] = "";
    if (step_ms > 0)
        ui_fmt_duration((double)c->now * step_ms, secs, sizeof secs);
    snprintf(a, sizeof a, "%lld", (long long)c->now);
    bool big = !p->ascii && H >= 16 && (int)strlen(a) * 4 + 4 <= iw;
    if (big) {
        value(w, y + 1, x, p, UI_ROLE_BIG, "t=");
        int used = big_text(w, y, x + 3, p, a, iw - 3);
        if (secs[0] && x + 3 + used + 1 + (int)strlen(secs) <= W - 2)
            value(w, y + 1, x + 3 + used + 1, p, UI_ROLE_DIM, secs);
        y += 3;
    } else {
        int n = value(w, y, x, p, UI_ROLE_BIG, "t=");
        n += value(w, y, x + n, p, UI_ROLE_BIG, a);
        if (secs[0]) {
            snprintf(line, sizeof line, "  (%s)", secs);
            value(w, y, x + n, p, UI_ROLE_DIM, line);
        }
        y++;
    }
    if (y > last)
        return;

    /* Policy + admission + information: what the scheduler is doing right now. */
    label(w, y, x, p, "policy");
    int cx = x + 10;
    int ci = kvs_config_choice_index(v->cfg);
    const kvs_choice *ch = kvs_choice_at(ci);
    cx += value(w, y, cx, p, UI_ROLE_VALUE, ch && ci >= KVS_POLICY_COUNT ? ch->name
                                                   : kvs_config_policy_name(v->cfg));
    snprintf(line, sizeof line, "%s%s%s%s", p->g.dot, kvs_admission_name(v->cfg.admission),
             p->g.dot, kvs_information_name(v->cfg.information));
    value(w, y, cx, p, UI_ROLE_NORMAL, line);
    if (++y > last)
        return;

    /* Memory against the budget, with a bar. */
    double frac = c->memory_budget > 0 ? (double)c->memory / (double)c->memory_budget : 0;
    label(w, y, x, p, "memory");
    ui_fmt_num(c->memory, a, sizeof a);
    ui_fmt_num(c->memory_budget, b, sizeof b);
    cx = x + 10;
    cx += value(w, y, cx, p, UI_ROLE_VALUE, a);
    snprintf(line, sizeof line, " / %s", b);
    cx += value(w, y, cx, p, UI_ROLE_NORMAL, line);
    snprintf(line, sizeof line, "  %.1f%%", 100.0 * frac);
    value(w, y, cx, p, frac > 0.95 ? UI_ROLE_WARN : UI_ROLE_VALUE, line);
    if (++y > last)
        return;
    hbar(w, y, x, iw, frac, p, frac > 0.95 ? UI_ROLE_WARN : UI_ROLE_GOOD);
    if (++y > last)
        return;

    label(w, y, x, p, "running");
    snprintf(a, sizeof a, "%zu", c->running);
    value(w, y, x + 10, p, UI_ROLE_VALUE, a);
    label(w, y, x + 17, p, "waiting");
    snprintf(a, sizeof a, "%zu", c->waiting);
    value(w, y, x + 26, p, c->waiting ? UI_ROLE_WARN : UI_ROLE_VALUE, a);
    if (++y > last)
        return;

    label(w, y, x, p, "done");
    snprintf(a, sizeof a, "%zu", c->completed);
    cx = x + 10 + value(w, y, x + 10, p, UI_ROLE_VALUE, a);
    snprintf(line, sizeof line, " / %zu", c->total);
    cx += value(w, y, cx, p, UI_ROLE_NORMAL, line);
    if (c->pending) {
        snprintf(line, sizeof line, "  (%zu to come)", c->pending);
        value(w, y, cx, p, UI_ROLE_DIM, line);
    }
    if (++y > last)
        return;

    label(w, y, x, p, "volume");
    ui_fmt_num(c->volume_done, a, sizeof a);
    ui_fmt_num(c->volume_total, b, sizeof b);
    cx = x + 10 + value(w, y, x + 10, p, UI_ROLE_VALUE, a);
    snprintf(line, sizeof line, " / %s  %.0f%%", b,
             c->volume_total ? 100.0 * (double)c->volume_done / (double)c->volume_total : 0.0);
    value(w, y, cx, p, UI_ROLE_NORMAL, line);
    if (++y > last)
        return;

    label(w, y, x, p, "latency");
    if (c->completed) {
        snprintf(line, sizeof line, "mean %.1f  p50 %lld", c->latency_mean,
                 (long long)c->latency_p50);
        value(w, y, x + 10, p, UI_ROLE_VALUE, line);
        if (++y > last)
            return;
        snprintf(line, sizeof line, "p99 %lld  max %lld", (long long)c->latency_p99,
                 (long long)c->latency_max);
        value(w, y, x + 10, p, UI_ROLE_VALUE, line);
    } else {
        value(w, y, x + 10, p, UI_ROLE_DIM, "none finished yet");
    }
    if (++y > last)
        return;

    label(w, y, x, p, "TTFT");
    if (c->ttft_mean > 0 || c->completed || c->running) {
        snprintf(line, sizeof line, "mean %.1f steps", c->ttft_mean);
        value(w, y, x + 10, p, UI_ROLE_VALUE, line);
    } else {
        value(w, y, x + 10, p, UI_ROLE_DIM, "-");
    }
    if (++y > last)
        return;

    /* Every running request makes one token per step: "now" is the batch size. */
    label(w, y, x, p, "tok/step");
    snprintf(line, sizeof line, "%zu now", c->running);
    cx = x + 10 + value(w, y, x + 10, p, UI_ROLE_VALUE, line);
    if (c->now > 0) {
        snprintf(line, sizeof line, "%s%.1f avg", p->g.dot,
                 (double)c->tokens_generated / (double)c->now);
        value(w, y, cx, p, UI_ROLE_NORMAL, line);
    }
    if (++y > last)
        return;

    /* Distance to the optimum, live: latency accrued so far over the least any schedule could
     * have accrued by now; at the end it is the report's total latency / lower bound. The
     * bound's profile is built once when the UI starts (O(n log n)); each frame asks it once
     * (O(log n)). */
    label(w, y, x, p, "vs LB");
    double ratio;
    if (ui_live_ratio(v, &ratio)) {
        bool done = c->completed == c->total;
        snprintf(line, sizeof line, "%s%.2f", p->g.times, ratio);
        cx = x + 10 + value(w, y, x + 10, p, UI_ROLE_VALUE, line);
        ui_fmt_num(kvs_bound_profile_total(v->bound), a, sizeof a);
        snprintf(line, sizeof line, "%s%sLB %s", done ? "" : " so far", p->g.dot, a);
        value(w, y, cx, p, UI_ROLE_DIM, line);
    } else {
        value(w, y, x + 10, p, UI_ROLE_DIM, "-");
    }
    if (++y > last)
        return;

    label(w, y, x, p, "evicted");
    snprintf(a, sizeof a, "%lld", (long long)c->evictions);
    cx = x + 10 + value(w, y, x + 10, p, c->evictions ? UI_ROLE_BAD : UI_ROLE_VALUE, a);
    ui_fmt_num(c->peak_memory, a, sizeof a);
    snprintf(line, sizeof line, "   peak mem %s", a);
    value(w, y, cx, p, UI_ROLE_DIM, line);
}

bool ui_live_ratio(const ui_view *v, double *ratio)
{
    if (!v->bound)
        return false;
    int64_t lb = kvs_bound_profile_at(v->bound, v->counters->now);
    if (lb <= 0)
        return false;
    *ratio = kvs_bound_ratio(v->counters->latency_accrued, lb);
    return true;
}
