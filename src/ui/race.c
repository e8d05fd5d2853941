/* ui/race.c: race mode's shared counter table. One column per lane (policy), one row per
 * metric, the best value of each row highlighted; every number comes from kvs_engine_counters
 * of that lane's engine, so a lane shows exactly what a separate run of its policy would. */
#include <stdio.h>
#include <string.h>

#include "ui/view.h"

typedef struct {
    const char *name;
    bool lower_better;
    bool is_double;
} metric;

static const metric metrics[] = {
    {"completed", false, false}, {"waiting", true, false},   {"total lat", true, false},
    {"mean lat", true, true},    {"p99 lat", true, false},   {"mean TTFT", true, true},
    {"evictions", true, false},  {"mem util%", false, true}, {"memory", false, false},
    {"vs LB", true, true},
};
#define NMETRIC (sizeof metrics / sizeof metrics[0])

static double metric_value(const ui_view *v, size_t m)
{
    const kvs_counters *c = v->counters;
    double r;
    switch (m) {
    case 0: return (double)c->completed;
    case 1: return (double)c->waiting;
    case 2: return (double)c->latency_sum;
    case 3: return c->latency_mean;
    case 4: return (double)c->latency_p99;
    case 5: return c->ttft_mean;
    case 6: return (double)c->evictions;
    case 7:
        return c->now > 0 && c->memory_budget > 0
                   ? 100.0 * (double)c->volume_done / ((double)c->memory_budget * (double)c->now)
                   : 0;
    case 8: return (double)c->memory;
    case 9: return ui_live_ratio(v, &r) ? r : 0;
    }
    return 0;
}

/* Latency figures exist only once a lane has finished a request (TTFT once one started):
 * a lane with none shows "-" and does not take part in "best". */
static bool has_value(const ui_view *v, size_t m)
{
    const kvs_counters *c = v->counters;
    double r;
    if (m == 9)
        return ui_live_ratio(v, &r);
    if (m >= 2 && m <= 4)
        return c->completed > 0;
    if (m == 5)
        return c->completed > 0 || c->running > 0;
    return true;
}

void race_counters_draw(WINDOW *w, const ui_view *lanes, size_t n)
{
    const ui_palette *p = lanes[0].pal;
    int H = getmaxy(w), W = getmaxx(w);
    ui_box(w, p, "race", false);
    if (n == 0 || W < 14 || H < 4)
        return;
    int lw = 10, cw = (W - 3 - lw) / (int)n;
    if (cw < 5)
        cw = 5;
    char buf[48];
    snprintf(buf, sizeof buf, "t=%lld", (long long)lanes[0].counters->now);
    int64_t t = 0;
    for (size_t k = 0; k < n; k++)
        if (lanes[k].counters->now > t)
            t = lanes[k].counters->now;
    snprintf(buf, sizeof buf, "t=%lld", (long long)t);
    ui_put_text(w, 1, 2, p, UI_ROLE_BIG, buf, lw);
    for (size_t k = 0; k < n; k++) {
        int cfg_choice = kvs_config_choice_index(lanes[k].cfg);
        const kvs_choice *ch = kvs_choice_at(cfg_choice);
        const char *name = ch && cfg_choice >= KVS_POLICY_COUNT ? ch->name
                                                                : kvs_config_policy_name(lanes[k].cfg);
        /* The focused lane's column: "> svf" in the highlighted role, like its lane title. */
        bool focused = lanes[k].lane_focused && n > 1;
        char label[48];
        snprintf(label, sizeof label, "%s%s", focused ? p->g.focus : "", name);
        int pad = cw - 1 - ui_text_width(label);
        pad = pad > 0 ? pad : 0;
        ui_put_text(w, 1, 2 + lw + (int)k * cw + pad, p, focused ? UI_ROLE_TITLE : UI_ROLE_HEADING,
                    label, cw - 1 - pad);
    }
    for (size_t m = 0; m < NMETRIC && 2 + (int)m < H - 1; m++) {
        int y = 2 + (int)m;
        ui_put_text(w, y, 2, p, UI_ROLE_DIM, metrics[m].name, lw);
        double best = 0;
        bool any = false;
        for (size_t k = 0; k < n; k++) {
            if (!has_value(&lanes[k], m))
                continue;
            double x = metric_value(&lanes[k], m);
            if (!any || (metrics[m].lower_better ? x < best : x > best))
                best = x;
            any = true;
        }
        for (size_t k = 0; k < n; k++) {
            double x = metric_value(&lanes[k], m);
            if (!has_value(&lanes[k], m)) {
                snprintf(buf, sizeof buf, "%*s", cw - 1, "-");
                ui_put_text(w, y, 2 + lw + (int)k * cw, p, UI_ROLE_DIM, buf, cw);
                continue;
            }
            if (m == 9) /* a ratio: two decimals, as in the counters */
                snprintf(buf, sizeof buf, "%*.2f", cw - 1, x);
            else if (metrics[m].is_double)
                snprintf(buf, sizeof buf, "%*.1f", cw - 1, x);
            else
                snprintf(buf, sizeof buf, "%*lld", cw - 1, (long long)x);
            bool is_best = n > 1 && x == best && m != 8; /* memory now: no "best" */
            if (is_best && strlen(buf) > 0 && buf[0] == ' ')
                buf[0] = '*';
            ui_put_text(w, y, 2 + lw + (int)k * cw, p, is_best ? UI_ROLE_GOOD : UI_ROLE_VALUE,
                        buf, cw);
        }
    }
}
