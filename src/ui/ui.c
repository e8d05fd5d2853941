/* ui/ui.c: the main loop of the interactive UI. It owns the timeline (the engine plus the history
 * to step back), paces the simulation against the wall clock in short time slices so that keys
 * are always answered, turns keys into actions, carries them out, and draws a frame: layout,
 * then each panel from a read-only view, then one doupdate. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "kvscope/timeline.h"
#include "ui/term.h"
#include "kvscope/bound.h"
#include "ui/ui.h"
#include "ui/view.h"

/* Steps per second offered by + and -; "max" (speed <= 0) comes after the last one. */
static const double speed_levels[] = {1, 2, 3, 5, 10, 20, 30, 60, 120, 250, 500, 1000, 2500,
                                      5000, 10000, 25000, 100000};
#define NSPEED (sizeof speed_levels / sizeof speed_levels[0])

/* How long one slice of simulation may run before the loop looks at the keyboard again. A key
 * waits at most one slice and one frame, then its answer is drawn before the next slice: well
 * under 50 ms. */
#define SLICE_MS 12.0
/* Beyond this many steps per second every frame shows several steps. */
#define FRAME_MS 16

typedef struct {
    const kvs_scenario *sc;
    kvs_ui_options opt;
    kvs_timeline *tl;
    ui_palette pal;
    kvs_config initial_cfg;
    ui_view_mode mode;
    int zoom;
    bool zoom_user;        /* the user zoomed: stop fitting the run to the width */
    int64_t t0;
    bool follow;
    long selected;
    bool paused, help, finished;
    double speed;          /* <= 0: max */
    int64_t base_t;        /* pacing: at base_ms the clock was base_t */
    double base_ms;
    int64_t chunk;         /* steps per advance call, adapted to keep slices short */
    kvs_bound_profile *bound; /* of the workload (docs/OPTIMUM.md), built once; may be NULL */
    kvs_config plan_cfg0;  /* --switch: the config the plan starts from (lane 1's at start) */
    int64_t horizon;       /* a guess at the run's length, to fit it on screen */
    int zoom_cap;          /* never zoom out so far that a typical request is a sliver */
    int64_t lane_scale;
    int id_width;
    char status[256];
    ui_canvas_scratch *scratch;
    kvs_timeline *twin[3]; /* race lanes besides the main one (docs/RACE.md) */
    kvs_config twin_cfg[3]; /* each twin's config at t = 0 */
    size_t ntwin;
    size_t focus;          /* the focused lane, 0..ntwin: keys 1-7, p, a, i, Tab, the queue and
                            * the inspector act on it (0, the main timeline, outside a race) */
    ui_story *story[4];    /* per lane, so that going back to a lane continues its story */
    bool story_behind;     /* the focused story's replay has not reached the shown time yet */
    int rows, cols;
    ui_layout L;
    WINDOW *w_title, *w_canvas, *w_counters, *w_queue, *w_inspector, *w_status, *w_keys;
    bool dirty;
    int64_t drawn_t;
} ui_state;

/* ---- shared helpers ---- */

const char *ui_request_id(const ui_view *v, size_t i, char *buf, size_t n)
{
    const kvs_workload *w = kvs_engine_workload(v->engine);
    if (i < w->count && w->requests[i].id)
        snprintf(buf, n, "%s", w->requests[i].id);
    else
        snprintf(buf, n, "%zu", i + 1);
    return buf;
}

void ui_fmt_num(int64_t x, char *buf, size_t n)
{
    if (x >= 0 && x < 10000000)
        snprintf(buf, n, "%lld", (long long)x);
    else
        ui_fmt_count(x, buf, n);
}

static void set_status(ui_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_status(ui_state *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->status, sizeof st->status, fmt, ap);
    va_end(ap);
    st->dirty = true;
}

/* Race lanes: lane 0 is the main timeline, lane k > 0 is twin[k - 1]; outside a race there is
 * one lane. */
static size_t nlanes(const ui_state *st) { return st->ntwin + 1; }
static kvs_timeline *lane_tl(const ui_state *st, size_t k) { return k ? st->twin[k - 1] : st->tl; }
/* The config lane k started from at t = 0 (its first switch marker is labelled against it). */
static kvs_config lane_initial(const ui_state *st, size_t k)
{
    return k ? st->twin_cfg[k - 1] : st->initial_cfg;
}
/* The focused lane's engine (the only lane outside a race). */
/* --switch: lane 1's recorded switches are still exactly the plan (no key replaced it). */
static bool plan_intact(const ui_state *st)
{
    if (st->opt.nplan == 0)
        return false;
    const kvs_switch *sw;
    size_t n = kvs_timeline_switches(st->tl, &sw);
    if (n != st->opt.nplan)
        return false;
    for (size_t k = 0; k < n; k++)
        if (sw[k].at != st->opt.plan[k].at || !kvs_config_same(sw[k].cfg, st->opt.plan[k].cfg))
            return false;
    return true;
}

static const kvs_engine *engine(const ui_state *st)
{
    return kvs_timeline_engine(lane_tl(st, st->focus));
}
/* The clock; in a race, the furthest lane's (a lane that finished stays at its end). */
static int64_t now_t(const ui_state *st)
{
    int64_t t = 0;
    for (size_t k = 0; k < nlanes(st); k++)
        if (kvs_timeline_now(lane_tl(st, k)) > t)
            t = kvs_timeline_now(lane_tl(st, k));
    return t;
}
static bool all_done(const ui_state *st)
{
    bool d = true;
    for (size_t k = 0; k < nlanes(st); k++)
        d = d && kvs_engine_done(kvs_timeline_engine(lane_tl(st, k)));
    return d;
}
/* Every lane to time t (forward, or back; a finished lane stays at its end). */
static void race_to(ui_state *st, int64_t t)
{
    for (size_t k = 0; k < nlanes(st); k++) {
        kvs_timeline *tl = lane_tl(st, k);
        if (kvs_timeline_now(tl) < t)
            kvs_timeline_advance_to(tl, t);
        else if (kvs_timeline_now(tl) > t)
            kvs_timeline_seek(tl, t);
    }
}

static void rebase(ui_state *st)
{
    st->base_t = now_t(st);
    st->base_ms = ui_term_clock_ms();
}

static const char *config_name(kvs_config c)
{
    int ci = kvs_config_choice_index(c);
    const kvs_choice *ch = kvs_choice_at(ci);
    return ch && ci >= KVS_POLICY_COUNT ? ch->name : kvs_config_policy_name(c);
}

/* ", planned: svf@300, fcfs@600" for the status line when the plan is in force, else "". */
static void plan_text(const ui_state *st, bool in_force, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!in_force || st->opt.nplan == 0)
        return;
    size_t len = (size_t)snprintf(buf, n, ", planned:");
    for (size_t k = 0; k < st->opt.nplan && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, " %s@%lld", config_name(st->opt.plan[k].cfg),
                                (long long)st->opt.plan[k].at);
}

/* ---- windows ---- */

static void drop_windows(ui_state *st)
{
    WINDOW **ws[] = {&st->w_title, &st->w_canvas, &st->w_counters, &st->w_queue,
                     &st->w_inspector, &st->w_status, &st->w_keys};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
        if (*ws[i]) {
            delwin(*ws[i]);
            *ws[i] = NULL;
        }
}

static WINDOW *sub(ui_rect r)
{
    if (ui_rect_empty(r))
        return NULL;
    /* Sub-windows share stdscr's cells: one erase and one refresh of stdscr per frame. */
    return derwin(stdscr, r.h, r.w, r.y, r.x);
}

static void build_windows(ui_state *st)
{
    drop_windows(st);
    getmaxyx(stdscr, st->rows, st->cols);
    st->L = ui_layout_compute(st->cols, st->rows);
    st->dirty = true;
    if (st->L.too_small)
        return;
    st->w_title = sub(st->L.title);
    st->w_canvas = sub(st->L.canvas);
    st->w_counters = sub(st->L.counters);
    st->w_queue = sub(st->L.queue);
    st->w_inspector = sub(st->L.inspector);
    st->w_status = sub(st->L.status);
    st->w_keys = sub(st->L.keys);
}

/* ---- the view handed to panels ---- */

/* The view of the focused lane. `with_story`: bring the selected request's story up to date (a
 * frame needs it; turning a key into an action does not, and must not pay for its replay). */
static void make_view(ui_state *st, ui_view *v, kvs_counters *c, bool with_story)
{
    memset(v, 0, sizeof *v);
    v->engine = engine(st);
    kvs_engine_counters(v->engine, c);
    v->scenario = st->sc;
    v->pal = &st->pal;
    v->counters = c;
    v->cfg = kvs_engine_config(v->engine);
    v->initial_cfg = lane_initial(st, st->focus);
    v->bound = st->bound;
    v->mode = st->mode;
    v->follow = st->follow;
    v->selected = st->selected;
    v->paused = st->paused;
    v->finished = all_done(st);
    v->speed = st->speed;
    v->furthest = kvs_timeline_furthest(lane_tl(st, st->focus));
    v->lane = (int)st->focus;
    v->nlanes = (int)nlanes(st);
    v->lane_focused = st->ntwin > 0;
    v->lane_scale = st->lane_scale;
    v->id_width = st->id_width;
    v->status = st->status;
    v->scratch = st->scratch;
    /* The focused lane's story: each lane keeps its own, replayed from that lane's config at
     * t = 0 and its switches. */
    ui_story *story = st->story[st->focus];
    if (with_story && story && st->selected >= 0) {
        v->story_lines = ui_story_lines(story, v->engine, st->selected, v->initial_cfg, &v->story);
        st->story_behind = ui_story_behind(story);
    } else if (with_story) {
        st->story_behind = false;
    }
    /* Resolve the viewport for this frame's plot width. */
    int plot_cols = 80;
    if (st->w_canvas) {
        ui_canvas_geom g = canvas_geometry(v, st->L.canvas.w, st->L.canvas.h);
        if (g.ok)
            plot_cols = g.plot.w;
    }
    if (!st->zoom_user) {
        st->zoom = ui_zoom_fit(st->horizon, plot_cols);
        if (st->zoom > st->zoom_cap)
            st->zoom = st->zoom_cap;
    }
    /* Follow the race's clock (the furthest lane), whichever lane is focused. */
    if (st->follow)
        st->t0 = ui_vp_follow_origin(st->zoom, plot_cols, now_t(st));
    v->vp.t0 = st->t0;
    v->vp.zoom = st->zoom;
}

/* Lane k's strip of the canvas (screen coordinates); empty when too short to plot. */
static ui_rect lane_rect(const ui_state *st, size_t k)
{
    ui_rect r = st->L.canvas;
    int64_t n = (int64_t)nlanes(st);
    int y0 = r.y + (int)((int64_t)r.h * (int64_t)k / n);
    int y1 = r.y + (int)((int64_t)r.h * (int64_t)(k + 1) / n);
    ui_rect out = {r.x, y0, r.w, y1 - y0 < 4 ? 0 : y1 - y0};
    return out;
}

/* The view of lane k: the focused view (`base`, from make_view) with that lane's engine. */
static void lane_view(const ui_state *st, size_t k, const ui_view *base, ui_view *lv,
                      kvs_counters *c)
{
    *lv = *base;
    lv->lane = (int)k;
    lv->lane_focused = k == st->focus;
    lv->story = NULL;
    lv->story_lines = 0;
    if (k == st->focus)
        return;
    lv->engine = kvs_timeline_engine(lane_tl(st, k));
    kvs_engine_counters(lv->engine, c);
    lv->counters = c;
    lv->cfg = kvs_engine_config(lv->engine);
    lv->initial_cfg = lane_initial(st, k);
    lv->furthest = kvs_timeline_furthest(lane_tl(st, k));
}

/* Each lane: its own strip of the canvas, drawn by the canvas from that lane's engine; the
 * focused lane's title is marked. */
static void draw_lanes(ui_state *st, const ui_view *main_view, ui_view *lanes,
                       kvs_counters *lc)
{
    for (size_t k = 0; k < nlanes(st); k++) {
        ui_view *lv = &lanes[k];
        lane_view(st, k, main_view, lv, &lc[k]);
        ui_rect r = lane_rect(st, k);
        if (ui_rect_empty(r))
            continue;
        WINDOW *w = derwin(stdscr, r.h, r.w, r.y, r.x);
        if (!w)
            continue;
        char title[64];
        snprintf(title, sizeof title, "%s%slane %zu: %s", lv->lane_focused ? st->pal.g.focus : "",
                 lv->lane_focused ? " " : "", k + 1, config_name(lv->cfg));
        lv->title_prefix = title;
        canvas_draw(w, lv);
        lv->title_prefix = NULL;
        delwin(w);
    }
}

static void draw(ui_state *st)
{
    ui_view v;
    kvs_counters c;
    make_view(st, &v, &c, true);
    werase(stdscr);
    if (st->L.too_small) {
        too_small_draw(stdscr, &st->pal, st->cols, st->rows);
    } else if (st->ntwin > 0) {
        ui_view lanes[4];
        kvs_counters lc[4];
        bars_draw_title(st->w_title, &v);
        draw_lanes(st, &v, lanes, lc);
        race_counters_draw(st->w_counters, lanes, st->ntwin + 1);
    } else {
        bars_draw_title(st->w_title, &v);
        canvas_draw(st->w_canvas, &v);
        counters_draw(st->w_counters, &v);
    }
    if (!st->L.too_small) {
        /* Without an inspector slot, a selected request's story takes the queue's place. */
        if (!st->w_inspector && st->selected >= 0)
            inspector_draw(st->w_queue, &v);
        else
            queue_draw(st->w_queue, &v);
        if (st->w_inspector)
            inspector_draw(st->w_inspector, &v);
        bars_draw_status(st->w_status, &v);
        bars_draw_keys(st->w_keys, &v);
    }
    if (!st->L.too_small) {
        if (st->help) {
            int h, w;
            help_size(&v, &h, &w);
            if (h > st->rows - 2)
                h = st->rows - 2;
            if (w > st->cols - 2)
                w = st->cols - 2;
            WINDOW *hw = derwin(stdscr, h, w, (st->rows - h) / 2, (st->cols - w) / 2);
            if (hw) {
                help_draw(hw, &v);
                delwin(hw);
            }
        }
    }
    touchwin(stdscr);
    wnoutrefresh(stdscr);
    doupdate();
    st->dirty = false;
    st->drawn_t = now_t(st);
}

/* ---- simulation pacing ---- */

static void announce_finish(ui_state *st)
{
    kvs_counters c;
    kvs_engine_counters(engine(st), &c);
    st->paused = true;
    char lane[96] = "";
    if (st->ntwin > 0)
        snprintf(lane, sizeof lane, "lane %zu (%s) ", st->focus + 1,
                 config_name(kvs_engine_config(engine(st))));
    set_status(st, "finished at t=%lld: %s%zu requests, mean latency %.1f, p99 %lld "
                   "(r restarts, Left steps back)",
               (long long)now_t(st), lane, c.completed, c.latency_mean, (long long)c.latency_p99);
}

static void advance(ui_state *st)
{
    double start = ui_term_clock_ms();
    int64_t cur = now_t(st);
    int64_t target;
    if (st->speed <= 0) {
        target = INT64_MAX;
    } else {
        double due = (start - st->base_ms) * st->speed / 1000.0;
        target = st->base_t + (int64_t)due;
    }
    if (target <= cur)
        return;
    while (cur < target) {
        int64_t next = target - cur > st->chunk ? cur + st->chunk : target;
        double t0 = ui_term_clock_ms();
        race_to(st, next);
        double dt = ui_term_clock_ms() - t0;
        /* Adapt the chunk so one call takes a few milliseconds, whatever a step costs. */
        if (dt < 1.0 && st->chunk < ((int64_t)1 << 24))
            st->chunk *= 2;
        else if (dt > 3.0 && st->chunk > 1)
            st->chunk = st->chunk > 4 ? st->chunk / 4 : 1;
        int64_t got = now_t(st);
        if (got <= cur)
            break;
        cur = got;
        st->dirty = true;
        if (all_done(st) || ui_term_clock_ms() - start >= SLICE_MS)
            break;
    }
    if (all_done(st)) {
        announce_finish(st);
        return;
    }
    /* More than a second behind the requested pace: drop the backlog rather than sprint. */
    if (st->speed > 0 && target - cur > (int64_t)st->speed + 1)
        rebase(st);
}

static int wait_ms(const ui_state *st)
{
    if (st->paused || st->help || all_done(st))
        return 250;
    if (st->speed <= 0)
        return 0;
    if (st->speed > 1000.0 / FRAME_MS)
        return FRAME_MS;
    double due = st->base_ms + (double)(now_t(st) + 1 - st->base_t) * 1000.0 / st->speed;
    double left = due - ui_term_clock_ms();
    if (left < 1)
        return 1;
    return left > 250 ? 250 : (int)left;
}

/* ---- selection ---- */

/* The requests Tab walks through: the focused lane's batch (bottom of the stack first), then its
 * queue. */
static size_t candidates(const ui_state *st, uint32_t *out, size_t max)
{
    const kvs_engine *e = engine(st);
    const kvs_segment *sg;
    size_t n = kvs_engine_segments(e, &sg), got = 0;
    int64_t now = kvs_engine_now(e);
    int64_t from = now - kvs_engine_max_segment_length(e) - 1;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sg[mid].start < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && got < max; i++)
        if (sg[i].end == KVS_OPEN || sg[i].end > now) {
            kvs_req_info ri;
            kvs_engine_request(e, sg[i].req, &ri);
            if (ri.state == KVS_REQ_RUNNING)
                out[got++] = sg[i].req;
        }
    if (got < max) {
        kvs_queue_entry q[256];
        size_t m = kvs_engine_queue_head(e, q, max - got < 256 ? max - got : 256);
        for (size_t i = 0; i < m; i++)
            out[got++] = q[i].req;
    }
    return got;
}

static void select_step(ui_state *st, int dir)
{
    uint32_t *c = malloc(4096 * sizeof *c);
    if (!c)
        return;
    size_t n = candidates(st, c, 4096);
    if (n == 0) {
        set_status(st, "nothing running or waiting to select");
        free(c);
        return;
    }
    size_t at = n;
    for (size_t i = 0; i < n; i++)
        if ((long)c[i] == st->selected)
            at = i;
    size_t next = at == n ? (dir > 0 ? 0 : n - 1) : (at + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
    st->selected = (long)c[next];
    free(c);
    ui_view v;
    memset(&v, 0, sizeof v);
    v.engine = engine(st);
    char id[64];
    kvs_req_info ri;
    kvs_engine_request(v.engine, (size_t)st->selected, &ri);
    set_status(st, "selected request %s (%s)", ui_request_id(&v, (size_t)st->selected, id, sizeof id),
               kvs_req_state_name(ri.state));
}

/* ---- carrying out actions ---- */

/* Switch the focused lane (the only one outside a race) to `want`. */
static void switch_to(ui_state *st, kvs_config want, const char *what)
{
    kvs_timeline *tl = lane_tl(st, st->focus);
    kvs_config had = kvs_engine_config(engine(st));
    /* In a race every message says which lane it is about. */
    char lane[32] = "";
    if (st->ntwin > 0)
        snprintf(lane, sizeof lane, "lane %zu: ", st->focus + 1);
    if (kvs_config_same(had, want)) {
        set_status(st, "%salready %s%s%s", lane, config_name(had), st->pal.g.dot,
                   kvs_admission_name(had.admission));
        return;
    }
    char why[200];
    if (!kvs_config_valid(want, why, sizeof why)) {
        set_status(st, "%srefused: %s", lane, why);
        return;
    }
    if (kvs_timeline_set_config(tl, want) < 0) {
        set_status(st, "%srefused: the engine rejected %s", lane, config_name(want));
        return;
    }
    long long at = (long long)kvs_timeline_now(tl);
    /* Say what changed beyond what was asked for, so a repaired combination is never silent. */
    char extra[160] = "";
    size_t len = 0;
    if (had.admission != want.admission && strcmp(what, "admission") != 0)
        len += (size_t)snprintf(extra + len, sizeof extra - len, "%sadmission %s %s %s",
                                len ? ", " : "", kvs_admission_name(had.admission),
                                st->pal.g.arrow, kvs_admission_name(want.admission));
    if (had.information != want.information && strcmp(what, "information") != 0)
        len += (size_t)snprintf(extra + len, sizeof extra - len, "%sinformation %s %s %s",
                                len ? ", " : "", kvs_information_name(had.information),
                                st->pal.g.arrow, kvs_information_name(want.information));
    if (had.policy != want.policy && strcmp(what, "policy") != 0)
        len += (size_t)snprintf(extra + len, sizeof extra - len, "%spolicy %s %s %s",
                                len ? ", " : "", kvs_config_policy_name(had), st->pal.g.arrow,
                                kvs_config_policy_name(want));
    const char *name = strcmp(what, "admission") == 0 ? kvs_admission_name(want.admission)
                     : strcmp(what, "information") == 0 ? kvs_information_name(want.information)
                     : config_name(want);
    if (st->ntwin > 0 && len)
        set_status(st, "%s%s from t=%lld (also %s)", lane, name, at, extra);
    else if (st->ntwin > 0)
        set_status(st, "%s%s from t=%lld", lane, name, at);
    else if (len)
        set_status(st, "switched to %s at t=%lld (also %s)", name, at, extra);
    else
        set_status(st, "switched to %s at t=%lld", name, at);
    st->finished = false;
}

static void apply_speed(ui_state *st, int dir)
{
    if (dir > 0) {
        if (st->speed <= 0)
            ;
        else if (st->speed >= speed_levels[NSPEED - 1])
            st->speed = 0;
        else
            for (size_t i = 0; i < NSPEED; i++)
                if (speed_levels[i] > st->speed) {
                    st->speed = speed_levels[i];
                    break;
                }
    } else {
        if (st->speed <= 0)
            st->speed = speed_levels[NSPEED - 1];
        else
            for (size_t i = NSPEED; i-- > 0;)
                if (speed_levels[i] < st->speed) {
                    st->speed = speed_levels[i];
                    break;
                }
    }
    rebase(st);
    if (st->speed <= 0)
        set_status(st, "speed: max (as fast as the engine goes, frames skipped)");
    else
        set_status(st, "speed: %g steps/s", st->speed);
}

static void scroll_cols(ui_state *st, int64_t cols)
{
    int cps = ui_zoom_cols_per_step(st->zoom);
    int64_t steps = cps > 1 ? cols / cps : cols * ui_zoom_steps_per_col(st->zoom);
    if (steps == 0)
        steps = cols > 0 ? 1 : -1;
    int64_t limit = 0; /* in a race, as far as any lane has gone */
    for (size_t k = 0; k < nlanes(st); k++)
        if (kvs_timeline_furthest(lane_tl(st, k)) > limit)
            limit = kvs_timeline_furthest(lane_tl(st, k));
    int64_t t0 = st->t0 + steps;
    if (t0 > limit)
        t0 = limit;
    if (t0 < 0)
        t0 = 0;
    st->follow = false;
    st->t0 = ui_vp_align(st->zoom, t0);
    set_status(st, "viewing from t=%lld (End or f follows the present)", (long long)st->t0);
}

static void zoom_by(ui_state *st, int dz)
{
    int z = ui_zoom_clamp(st->zoom + dz);
    if (z == st->zoom) {
        set_status(st, "zoom: already at the %s", dz < 0 ? "closest" : "widest");
        return;
    }
    /* Keep the middle of the screen where it is when not following. */
    int cols = 80;
    if (st->w_canvas) {
        ui_view v;
        memset(&v, 0, sizeof v);
        v.scenario = st->sc;
        v.mode = st->mode;
        v.id_width = st->id_width;
        ui_canvas_geom g = canvas_geometry(&v, st->L.canvas.w, st->L.canvas.h);
        if (g.ok)
            cols = g.plot.w;
    }
    int64_t mid = st->t0 + ui_vp_span(st->zoom, cols) / 2;
    st->zoom = z;
    st->zoom_user = true;
    if (!st->follow) {
        int64_t t0 = mid - ui_vp_span(z, cols) / 2;
        st->t0 = ui_vp_align(z, t0 < 0 ? 0 : t0);
    }
    int cps = ui_zoom_cols_per_step(z);
    if (cps > 1)
        set_status(st, "zoom: %d columns per step", cps);
    else
        set_status(st, "zoom: %lld step%s per column", (long long)ui_zoom_steps_per_col(z),
                   ui_zoom_steps_per_col(z) == 1 ? "" : "s");
}

/* Focus race lane k: the keys that change the scheduler, Tab, the queue and the inspector now act
 * on it (its story continues where it was, or is replayed when the selection changed). */
static void focus_lane(ui_state *st, size_t k)
{
    st->focus = k;
    set_status(st, "lane %zu focused: %s (1-7, p, a, i act on it; the queue and inspector show it)",
               k + 1, config_name(kvs_engine_config(engine(st))));
}

/* Returns false when the UI should quit. */
static bool apply(ui_state *st, ui_action a)
{
    const kvs_engine *e = engine(st);
    kvs_config cfg = kvs_engine_config(e);
    char id[64];
    if (a.kind != UI_ACT_NONE)
        st->dirty = true;
    switch (a.kind) {
    case UI_ACT_NONE:
        break;
    case UI_ACT_QUIT:
        return false;
    case UI_ACT_PAUSE:
        if (st->paused && all_done(st)) {
            announce_finish(st);
            break;
        }
        st->paused = !st->paused;
        rebase(st);
        if (st->paused)
            set_status(st, "paused at t=%lld", (long long)now_t(st));
        else if (st->speed <= 0)
            set_status(st, "running at max speed");
        else
            set_status(st, "running at %g steps/s", st->speed);
        break;
    case UI_ACT_STEP:
        st->paused = true;
        if (all_done(st)) {
            set_status(st, "finished at t=%lld: nothing left to run", (long long)now_t(st));
            break;
        }
        race_to(st, now_t(st) + 1);
        set_status(st, "stepped to t=%lld", (long long)now_t(st));
        break;
    case UI_ACT_BACK:
        st->paused = true;
        if (now_t(st) == 0)
            set_status(st, "already at t=0");
        else
            race_to(st, now_t(st) - 1), set_status(st, "back to t=%lld", (long long)now_t(st));
        break;
    case UI_ACT_FASTER:
        apply_speed(st, +1);
        break;
    case UI_ACT_SLOWER:
        apply_speed(st, -1);
        break;
    case UI_ACT_POLICY_NEXT:
    case UI_ACT_POLICY_PREV: {
        /* p/P walk the four queue orders (fcfs, sjf, svf, spf) and keep admission and
         * information, so p then P always comes back; 1-7 pick presets too. */
        int ci = (int)cfg.policy;
        int next = (ci + (a.kind == UI_ACT_POLICY_NEXT ? 1 : KVS_POLICY_COUNT - 1)) %
                   KVS_POLICY_COUNT;
        switch_to(st, kvs_config_choose(cfg, next), "policy");
        break;
    }
    case UI_ACT_CHOOSE:
        if (a.arg >= 0 && a.arg < KVS_CHOICE_COUNT)
            switch_to(st, kvs_config_choose(cfg, (int)a.arg), "policy");
        break;
    case UI_ACT_ADMISSION: {
        kvs_config want = cfg;
        want.admission = cfg.admission == KVS_ADMIT_LOOKAHEAD ? KVS_ADMIT_CURRENT
                                                              : KVS_ADMIT_LOOKAHEAD;
        switch_to(st, want, "admission");
        break;
    }
    case UI_ACT_INFORMATION: {
        kvs_information next = (kvs_information)((cfg.information + 1) % KVS_INFORMATION_COUNT);
        switch_to(st, kvs_config_with_information(cfg, next), "information");
        break;
    }
    case UI_ACT_SELECT:
        st->selected = (long)a.arg;
        {
            ui_view v;
            memset(&v, 0, sizeof v);
            v.engine = e;
            set_status(st, "selected request %s", ui_request_id(&v, (size_t)a.arg, id, sizeof id));
        }
        break;
    case UI_ACT_SELECT_NEXT:
        select_step(st, +1);
        break;
    case UI_ACT_SELECT_PREV:
        select_step(st, -1);
        break;
    case UI_ACT_CLEAR:
        st->selected = -1;
        set_status(st, "selection cleared");
        break;
    case UI_ACT_VIEW:
        st->mode = st->mode == UI_VIEW_STACKED ? UI_VIEW_LANES : UI_VIEW_STACKED;
        set_status(st, st->mode == UI_VIEW_LANES ? "lanes: one lane per request, true shapes"
                                                 : "stacked: the top edge is the batch's memory");
        break;
    case UI_ACT_ZOOM_IN:
        zoom_by(st, -1);
        break;
    case UI_ACT_ZOOM_OUT:
        zoom_by(st, +1);
        break;
    case UI_ACT_SCROLL:
        scroll_cols(st, a.arg);
        break;
    case UI_ACT_HOME:
        st->follow = false;
        st->t0 = 0;
        set_status(st, "viewing from t=0 (End or f follows the present)");
        break;
    case UI_ACT_END:
        st->follow = true;
        set_status(st, "following the present");
        break;
    case UI_ACT_FOLLOW:
        st->follow = !st->follow;
        set_status(st, st->follow ? "following the present" : "view fixed (f follows again)");
        break;
    case UI_ACT_RESTART: {
        /* Every lane from t = 0 with the config it has now; lane 1 with its --switch plan, from
         * the plan's first config, when no key has replaced the plan (a lesson replays). */
        char names[200] = "";
        size_t len = 0;
        bool replan = plan_intact(st);
        for (size_t k = 0; k < nlanes(st); k++) {
            kvs_timeline *tl = lane_tl(st, k);
            kvs_timeline_restart(tl, k == 0 && replan ? st->plan_cfg0
                                                      : kvs_engine_config(kvs_timeline_engine(tl)));
            if (k == 0 && replan)
                kvs_timeline_plan(tl, st->opt.plan, st->opt.nplan);
            kvs_config now_cfg = kvs_engine_config(kvs_timeline_engine(tl));
            if (k)
                st->twin_cfg[k - 1] = now_cfg;
            else
                st->initial_cfg = now_cfg;
            if (len < sizeof names)
                len += (size_t)snprintf(names + len, sizeof names - len, "%slane %zu %s",
                                        k ? ", " : "", k + 1, config_name(now_cfg));
        }
        rebase(st);
        char planned[160];
        plan_text(st, replan, planned, sizeof planned);
        if (st->ntwin > 0)
            set_status(st, "restarted at t=0: %s%s", names, planned);
        else
            set_status(st, "restarted at t=0 with %s%s", config_name(st->initial_cfg), planned);
        break;
    }
    case UI_ACT_HELP:
        st->help = !st->help;
        break;
    case UI_ACT_REDRAW:
        clearok(curscr, TRUE);
        break;
    case UI_ACT_TWIN: {
        if (st->ntwin == 3) {
            set_status(st, "a race has at most 4 lanes");
            break;
        }
        kvs_config tw = kvs_config_choose(cfg, (kvs_config_choice_index(cfg) + 1) % KVS_CHOICE_COUNT);
        for (size_t k = 0; k < st->ntwin; k++) /* another policy than the lanes already there */
            if (kvs_config_choice_index(st->twin_cfg[k]) == kvs_config_choice_index(tw))
                tw = kvs_config_choose(tw, (kvs_config_choice_index(tw) + 1) % KVS_CHOICE_COUNT);
        char why[200];
        kvs_timeline *tl = kvs_timeline_new(&st->sc->workload, tw, why, sizeof why);
        if (!tl) {
            set_status(st, "no twin: %s", why);
            break;
        }
        int64_t t = now_t(st);
        st->twin[st->ntwin] = tl;
        st->twin_cfg[st->ntwin++] = tw;
        race_to(st, t);
        set_status(st, "race: added lane %zu with %s from t=0 (] focuses the next lane, c adds "
                       "another)",
                   st->ntwin + 1, config_name(tw));
        break;
    }
    case UI_ACT_FOCUS:
        if (st->ntwin == 0) {
            set_status(st, "one lane: c adds a race lane, then [ and ] pick the lane keys act on");
            break;
        }
        focus_lane(st, (st->focus + (a.arg < 0 ? nlanes(st) - 1 : 1)) % nlanes(st));
        break;
    }
    return true;
}

static ui_action global_key(int ch)
{
    ui_action a = {UI_ACT_NONE, 0};
    switch (ch) {
    case 'q': case 'Q': case KEY_F(10): a.kind = UI_ACT_QUIT; break;
    case ' ': a.kind = UI_ACT_PAUSE; break;
    case KEY_RIGHT: case 'l': a.kind = UI_ACT_STEP; break;
    case KEY_LEFT: case 'h': a.kind = UI_ACT_BACK; break;
    case '+': case '=': a.kind = UI_ACT_FASTER; break;
    case '-': case '_': a.kind = UI_ACT_SLOWER; break;
    case 'p': a.kind = UI_ACT_POLICY_NEXT; break;
    case 'P': a.kind = UI_ACT_POLICY_PREV; break;
    case 'a': a.kind = UI_ACT_ADMISSION; break;
    case 'i': a.kind = UI_ACT_INFORMATION; break;
    case 'r': a.kind = UI_ACT_RESTART; break;
    case 'c': a.kind = UI_ACT_TWIN; break;
    case ']': a.kind = UI_ACT_FOCUS; a.arg = 1; break;
    case '[': a.kind = UI_ACT_FOCUS; a.arg = -1; break;
    case '?': case KEY_F(1): a.kind = UI_ACT_HELP; break;
    case 12: a.kind = UI_ACT_REDRAW; break; /* Ctrl-L */
    default:
        if (ch >= '1' && ch < '1' + KVS_CHOICE_COUNT) {
            a.kind = UI_ACT_CHOOSE;
            a.arg = ch - '1';
        }
        break;
    }
    return a;
}

/* A click at screen (y, x) inside the race's canvas: it focuses the lane whose strip it is in,
 * and selects the request drawn there in that lane, if any. */
static ui_action lane_click(ui_state *st, const ui_view *v, int y, int x)
{
    ui_action a = {UI_ACT_NONE, 0};
    for (size_t k = 0; k < nlanes(st); k++) {
        ui_rect r = lane_rect(st, k);
        if (ui_rect_empty(r) || !ui_rect_contains(r, x, y))
            continue;
        ui_view lv;
        kvs_counters c;
        lane_view(st, k, v, &lv, &c);
        WINDOW *w = derwin(stdscr, r.h, r.w, r.y, r.x);
        if (w) {
            a = canvas_key(w, &lv, KEY_MOUSE, y - r.y, x - r.x);
            delwin(w);
        }
        if (k == st->focus)
            return a;
        focus_lane(st, k);
        if (a.kind == UI_ACT_SELECT) {
            /* Say both: which lane is focused now and what was selected. */
            char focused[sizeof st->status];
            snprintf(focused, sizeof focused, "%s", st->status);
            apply(st, a);
            char *cut = strstr(focused, " (");
            if (cut)
                *cut = '\0';
            char selected[sizeof st->status];
            snprintf(selected, sizeof selected, "%s", st->status);
            set_status(st, "%.100s; %.150s", focused, selected);
            a.kind = UI_ACT_NONE;
        }
        return a;
    }
    return a;
}

static ui_action mouse_action(ui_state *st, const ui_view *v)
{
    ui_action a = {UI_ACT_NONE, 0};
    MEVENT m;
    if (getmouse(&m) != OK || st->L.too_small)
        return a;
    if (m.bstate & BUTTON4_PRESSED) {
        a.kind = UI_ACT_SCROLL;
        a.arg = -4;
    } else if (m.bstate & BUTTON5_PRESSED) {
        a.kind = UI_ACT_SCROLL;
        a.arg = 4;
    } else if (m.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
        if (ui_rect_contains(st->L.canvas, m.x, m.y) && st->ntwin > 0)
            a = lane_click(st, v, m.y, m.x);
        else if (ui_rect_contains(st->L.canvas, m.x, m.y))
            a = canvas_key(st->w_canvas, v, KEY_MOUSE, m.y - st->L.canvas.y,
                           m.x - st->L.canvas.x);
        else if (ui_rect_contains(st->L.queue, m.x, m.y) &&
                 !(st->selected >= 0 && !st->w_inspector))
            a = queue_key(st->w_queue, v, KEY_MOUSE, m.y - st->L.queue.y, m.x - st->L.queue.x);
    }
    return a;
}

/* Returns false when the UI should quit. */
static bool handle_key(ui_state *st, int ch)
{
    if (ch == KEY_RESIZE) {
        build_windows(st);
        /* Repaint everything: terminals differ in what they keep of the old picture when they
         * shrink or grow, and a resize is rare enough to afford a full repaint. */
        clearok(curscr, TRUE);
        return true;
    }
    ui_view v;
    kvs_counters c;
    make_view(st, &v, &c, false);
    if (st->help) {
        if (ch == KEY_MOUSE) {
            MEVENT m;
            getmouse(&m);
        }
        return apply(st, help_key(&v, ch));
    }
    ui_action a;
    if (ch == KEY_MOUSE) {
        a = mouse_action(st, &v);
    } else {
        a = canvas_key(st->w_canvas, &v, ch, 0, 0);
        if (a.kind == UI_ACT_NONE)
            a = inspector_key(&v, ch);
        if (a.kind == UI_ACT_NONE)
            a = global_key(ch);
    }
    return apply(st, a);
}

/* ---- set-up ---- */

static void plan(ui_state *st)
{
    const kvs_workload *w = &st->sc->workload;
    int64_t last_arrival = 0, longest = 0, peak = 1, outputs = 0;
    for (size_t i = 0; i < w->count; i++) {
        const kvs_request *r = &w->requests[i];
        if (r->arrival > last_arrival)
            last_arrival = r->arrival;
        if (r->output > longest)
            longest = r->output;
        outputs += r->output;
        if (r->prompt + r->output > peak)
            peak = r->prompt + r->output;
        int idw = r->id ? (int)strlen(r->id) : snprintf(NULL, 0, "%zu", i + 1);
        if (idw > st->id_width)
            st->id_width = idw;
    }
    kvs_counters c;
    kvs_engine_counters(engine(st), &c);
    /* The run lasts at least until the last arrival finishes, and at least as long as the
     * volume takes to pass through memory M at full use; allow some slack for idle memory. */
    int64_t by_volume = c.memory_budget > 0 ? c.volume_total / c.memory_budget : 0;
    int64_t h = last_arrival + longest;
    if (by_volume + by_volume / 4 > h)
        h = by_volume + by_volume / 4;
    st->horizon = h > 8 ? h : 8;
    st->lane_scale = peak;
    /* The whole run on one screen, unless that squeezes an average request into fewer than
     * about three columns: then the view scrolls with the present instead. */
    int64_t mean_out = w->count ? outputs / (int64_t)w->count : 1;
    st->zoom_cap = 0;
    while (st->zoom_cap < UI_ZOOM_MAX && ui_zoom_steps_per_col(st->zoom_cap + 1) * 3 <= mean_out)
        st->zoom_cap++;
}

static double initial_speed(const ui_state *st)
{
    if (st->opt.speed > 0)
        return st->opt.speed;
    /* About forty seconds for the whole run, within 5..1000 steps per second. */
    double want = (double)st->horizon / 40.0;
    for (size_t i = 0; i < NSPEED; i++)
        if (speed_levels[i] >= want && speed_levels[i] >= 5)
            return speed_levels[i] > 1000 ? 1000 : speed_levels[i];
    return 1000;
}

static int ui_main(const kvs_scenario *s, kvs_config cfg, const kvs_config *twins, size_t ntw,
                   const kvs_ui_options *opt);

/* This process's CPU time in milliseconds. */
static double cpu_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int kvs_ui_run(const kvs_scenario *s, kvs_config cfg, const kvs_ui_options *opt)
{
    return ui_main(s, cfg, NULL, 0, opt);
}

int kvs_ui_race(const kvs_scenario *s, const kvs_config *cfg, size_t n, const kvs_ui_options *opt)
{
    return ui_main(s, cfg[0], cfg + 1, n > 4 ? 3 : n - 1, opt);
}

/* Stepping back restores a snapshot, a copy of the engine (megabytes for a big workload). glibc
 * serves such sizes with fresh mmap()s and gives them back on free(), so every copy page-faults
 * its way in: 29 ms for a 10 MB engine on the CI machine, against 0.3 ms when the memory is
 * reused (measured, docs/UI.md). The view keeps freed memory for reuse instead. */
static void keep_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

static int ui_main(const kvs_scenario *s, kvs_config cfg, const kvs_config *twins, size_t ntw,
                   const kvs_ui_options *opt)
{
    char why[256];
    keep_freed_memory();
    kvs_timeline *tl = kvs_timeline_new(&s->workload, cfg, why, sizeof why);
    if (!tl) {
        fprintf(stderr, "kvscope: %s\n", why);
        return 1;
    }
    if (opt->nplan > 0 && kvs_timeline_plan(tl, opt->plan, opt->nplan) < 0) {
        kvs_timeline_free(tl);
        fprintf(stderr, "kvscope: the --switch steps must increase and give valid configs\n");
        return 2;
    }
    if (ui_term_open(opt->mouse, why, sizeof why) < 0) {
        kvs_timeline_free(tl);
        fprintf(stderr, "kvscope: %s\n", why);
        return 2;
    }
    ui_state *st = calloc(1, sizeof *st);
    if (!st) {
        ui_term_close();
        kvs_timeline_free(tl);
        fprintf(stderr, "kvscope: out of memory\n");
        return 1;
    }
    st->sc = s;
    st->opt = *opt;
    st->tl = tl;
    st->initial_cfg = cfg;
    st->plan_cfg0 = cfg;
    st->follow = true;
    st->selected = -1;
    st->paused = opt->paused;
    st->chunk = 64;
    st->scratch = canvas_scratch_new();
    for (size_t k = 0; k < 4; k++)
        st->story[k] = ui_story_new();
    for (size_t k = 0; k < ntw; k++) {
        st->twin[st->ntwin] = kvs_timeline_new(&s->workload, twins[k], why, sizeof why);
        if (st->twin[st->ntwin])
            st->twin_cfg[st->ntwin++] = twins[k];
    }
    ui_palette_init(&st->pal, opt->color, opt->ascii);
    plan(st);
    st->bound = kvs_bound_profile_new(&s->workload); /* NULL (out of memory): no ratio shown */
    st->speed = initial_speed(st);
    rebase(st);
    char planned[160];
    plan_text(st, true, planned, sizeof planned);
    set_status(st, "%s: %zu requests, M = %lld tokens%s. %s",
               st->sc->name ? st->sc->name : "scenario", s->workload.count,
               (long long)s->workload.memory, planned,
               st->paused ? "Paused: Space runs, Right steps, ? lists every key."
                          : "Space pauses, ? lists every key.");
    build_windows(st);

    /* KVSCOPE_KEY_LOG=FILE: for each key, the milliseconds from reading it to the end of the
     * frame that answers it, wall-clock and this process's CPU time (the tmux tests check the
     * 50 ms promise with it; CPU time does not depend on what else the machine runs). */
    const char *key_log_path = getenv("KVSCOPE_KEY_LOG");
    FILE *key_log = key_log_path && *key_log_path ? fopen(key_log_path, "a") : NULL;
    double key_at = -1, key_cpu_at = 0;
    bool answer_first = false;
    int sig = 0;
    for (;;) {
        if ((sig = ui_term_quit_signal()) != 0)
            break;
        double busy_from = ui_term_clock_ms(), busy_cpu_from = cpu_ms();
        /* After a key, draw its answer before simulating further. */
        if (!answer_first && !st->paused && !st->help && !all_done(st))
            advance(st);
        answer_first = false;
        /* A key typed while simulating is answered before this frame is drawn: drawing a frame
         * the key is about to change would only make it wait longer. (Not while an answer is
         * still to be drawn, so held keys cannot starve the screen.) */
        int ch = ERR;
        if (key_at < 0) {
            wtimeout(stdscr, 0);
            ch = wgetch(stdscr);
        }
        bool early = ch != ERR;
        double wait_from = ui_term_clock_ms();
        if (!early) {
            if (st->dirty || st->drawn_t != now_t(st) || st->story_behind)
                draw(st);
            if (key_log && key_at >= 0) {
                fprintf(key_log, "%.3f %.3f\n", ui_term_clock_ms() - key_at,
                        cpu_ms() - key_cpu_at);
                fflush(key_log);
                key_at = -1;
            }
            /* A story still replaying goes on in the next frame (a slice at a time, keys
             * between). */
            wtimeout(stdscr, st->story_behind ? 1 : wait_ms(st));
            wait_from = ui_term_clock_ms();
            ch = wgetch(stdscr);
            if (ch == ERR)
                continue;
        }
        /* When the key came is not known: if wgetch waited, it came just now; if it was already
         * waiting in the input, it may have come as early as the start of this turn's
         * simulation and drawing, and the log counts from there (an upper bound). */
        double read_at = ui_term_clock_ms();
        bool waited = !early && read_at - wait_from > 1.0;
        key_at = waited ? read_at : busy_from;
        key_cpu_at = waited ? cpu_ms() : busy_cpu_from;
        answer_first = true;
        bool go = handle_key(st, ch);
        /* Take every key already typed before drawing again (a held arrow key, a paste). */
        wtimeout(stdscr, 0);
        while (go && (ch = wgetch(stdscr)) != ERR)
            go = handle_key(st, ch);
        if (!go)
            break;
    }
    if (key_log)
        fclose(key_log);
    drop_windows(st);
    ui_term_close();
    canvas_scratch_free(st->scratch);
    for (size_t k = 0; k < 4; k++)
        ui_story_free(st->story[k]);
    kvs_bound_profile_free(st->bound);
    for (size_t k = 0; k < st->ntwin; k++)
        kvs_timeline_free(st->twin[k]);
    kvs_timeline_free(st->tl);
    free(st);
    if (sig) {
        ui_term_reraise(sig);
        return 128 + sig;
    }
    return 0;
}
