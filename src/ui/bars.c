/* ui/bars.c: the three one-line bars: the title (scenario, policy, clock, play state), the status
 * line (what just happened, in words a class can follow) and the key hints (htop's bottom row). */
#include <stdio.h>
#include <string.h>

#include "ui/view.h"

static void speed_text(const ui_view *v, char *buf, size_t n)
{
    if (v->speed <= 0)
        snprintf(buf, n, "max speed");
    else
        snprintf(buf, n, "%g steps/s", v->speed);
}

void bars_draw_title(WINDOW *w, const ui_view *v)
{
    const ui_palette *p = v->pal;
    int W = getmaxx(w);
    ui_fill(w, 0, 0, W, p, L' ', UI_ROLE_TITLE);
    char left[256], right[128], sp[32], secs[32] = "";
    const char *name = v->scenario && v->scenario->name ? v->scenario->name : "scenario";
    int ci = kvs_config_choice_index(v->cfg);
    const kvs_choice *ch = kvs_choice_at(ci);
    if (v->scenario && v->scenario->step_ms > 0) {
        char d[24];
        ui_fmt_duration((double)kvs_engine_now(v->engine) * v->scenario->step_ms, d, sizeof d);
        snprintf(secs, sizeof secs, " (%s)", d);
    }
    /* In a race the policy shown is the focused lane's, and says so. */
    char lane[24] = "";
    if (v->nlanes > 1)
        snprintf(lane, sizeof lane, "lane %d: ", v->lane + 1);
    snprintf(left, sizeof left, " kvscope%s%s%s%s%s%s%s%s%s%st=%lld%s", p->g.dot, name, p->g.dot,
             lane, ch && ci >= KVS_POLICY_COUNT ? ch->name : kvs_config_policy_name(v->cfg),
             p->g.dot,
             kvs_admission_name(v->cfg.admission), p->g.dot,
             kvs_information_name(v->cfg.information), p->g.dot,
             (long long)kvs_engine_now(v->engine), secs);
    speed_text(v, sp, sizeof sp);
    if (v->finished)
        snprintf(right, sizeof right, "finished%s? help ", p->g.dot);
    else if (v->paused)
        snprintf(right, sizeof right, "%s paused%s? help ", p->g.pause, p->g.dot);
    else
        snprintf(right, sizeof right, "%s %s%s? help ", p->g.play, sp, p->g.dot);
    int lw = ui_put_text(w, 0, 0, p, UI_ROLE_TITLE, left, W);
    int rw = ui_text_width(right);
    if (lw + rw + 1 <= W)
        ui_put_text(w, 0, W - rw, p, UI_ROLE_TITLE, right, rw);
}

void bars_draw_status(WINDOW *w, const ui_view *v)
{
    const ui_palette *p = v->pal;
    int W = getmaxx(w);
    ui_fill(w, 0, 0, W, p, L' ', UI_ROLE_STATUS);
    char msg[256];
    snprintf(msg, sizeof msg, " %s", v->status && *v->status ? v->status : "");
    int used = ui_put_text(w, 0, 0, p, UI_ROLE_STATUS, msg, W);
    /* On the right: how to get back to where we were after stepping back. */
    char right[96] = "";
    int64_t now = kvs_engine_now(v->engine);
    if (v->furthest > now)
        snprintf(right, sizeof right, "history to t=%lld (Right/Space replays) ",
                 (long long)v->furthest);
    int rw = ui_text_width(right);
    if (rw && used + rw + 2 <= W)
        ui_put_text(w, 0, W - rw, p, UI_ROLE_STATUS, right, rw);
}

void bars_draw_keys(WINDOW *w, const ui_view *v)
{
    const ui_palette *p = v->pal;
    int W = getmaxx(w);
    ui_fill(w, 0, 0, W, p, L' ', UI_ROLE_KEYTEXT);
    /* prio: which hints go first when the row is short (Quit and Help never do); -1: not shown
     * (the lane keys outside a race). */
    struct { const char *key, *what; int prio; } hints[] = {
        {"Spc", v->paused ? "Run" : "Pause", 1},
        {p->ascii ? "->" : "→", "Step", 2},
        {p->ascii ? "<-" : "←", "Back", 2},
        {"+-", "Speed", 3},
        {"[]", "Lane", v->nlanes > 1 ? 1 : -1},
        {"p", "Policy", 1},
        {"a", "Admit", 4},
        {"i", "Info", 4},
        {"v", "View", 3},
        {"z", "Zoom", 5},
        {"Tab", "Select", 5},
        {"r", "Restart", 6},
        {"?", "Help", 0},
        {"q", "Quit", 0},
    };
    enum { NH = sizeof hints / sizeof hints[0] };
    int need[NH], total = 0, cut = 7;
    for (int i = 0; i < NH; i++) {
        need[i] = ui_text_width(hints[i].key) + ui_text_width(hints[i].what) + 3;
        if (hints[i].prio < 0)
            need[i] = 0;
        total += need[i];
    }
    while (total > W && cut > 1) {
        cut--;
        for (int i = 0; i < NH; i++)
            if (hints[i].prio == cut)
                total -= need[i];
    }
    int x = 0;
    for (int i = 0; i < NH; i++) {
        if (hints[i].prio < 0 || hints[i].prio >= cut || x + need[i] - 2 > W)
            continue;
        x += ui_put_text(w, 0, x, p, UI_ROLE_KEY, hints[i].key, W - x);
        x += ui_put_text(w, 0, x, p, UI_ROLE_KEYTEXT, " ", W - x);
        x += ui_put_text(w, 0, x, p, UI_ROLE_KEYTEXT, hints[i].what, W - x);
        x += ui_put_text(w, 0, x, p, UI_ROLE_KEYTEXT, "  ", W - x);
    }
}
