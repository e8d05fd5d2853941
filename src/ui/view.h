/* ui/view.h: what every panel gets to draw from (a read-only view of the engine and of the UI's
 * own state), what its key handler gives back (an action for the main loop to carry out), and the
 * panels' entry points. Panels never change the engine; only ui.c does, by carrying out actions. */
#ifndef KVSCOPE_UI_VIEW_H
#define KVSCOPE_UI_VIEW_H

#include <ncurses.h>
#include <stdbool.h>
#include <stdint.h>

#include "io/scenario.h"
#include "kvscope/bound.h"
#include "kvscope/engine.h"
#include "ui/layout.h"
#include "ui/palette.h"

typedef enum { UI_VIEW_STACKED, UI_VIEW_LANES } ui_view_mode;

/* Reusable buffers of the canvas (owned by ui.c through canvas_scratch_new/free), so that a frame
 * allocates nothing once the sizes have settled. */
typedef struct ui_canvas_scratch ui_canvas_scratch;
/* The selected request's story (story.c), replayed by the decision recorder. */
typedef struct ui_story ui_story;

typedef struct {
    const kvs_engine *engine;
    const kvs_scenario *scenario;
    const ui_palette *pal;
    const kvs_counters *counters;
    kvs_config cfg;           /* in force now */
    kvs_config initial_cfg;   /* in force at t = 0 (labels the first switch) */
    ui_view_mode mode;
    ui_viewport vp;           /* this frame's viewport (follow already applied) */
    bool follow;
    long selected;            /* request index, or -1 */
    bool paused;
    bool finished;            /* every request has completed */
    double speed;             /* steps per second; <= 0 means "max" */
    int64_t furthest;         /* the furthest t reached (stepping back leaves it ahead) */
    int64_t lane_scale;       /* tokens that fill a lane: the largest s + o in the workload */
    int id_width;             /* the longest request id (lane labels) */
    const char *status;       /* what just happened */
    ui_canvas_scratch *scratch;
    const char *const *story; /* the selected request's story, one sentence per line */
    size_t story_lines;
    const char *title_prefix; /* race lanes: "lane 1: svf", put before the canvas title */
    int lane, nlanes;         /* race: this view's lane (0-based) of nlanes; nlanes 1 = no race */
    bool lane_focused;        /* race: keys 1-7, p, a, i and the queue/inspector act on this lane */
    const kvs_bound_profile *bound; /* the workload's lower bound as time goes on; NULL = unknown */
} ui_view;

/* The distance to the optimum so far (docs/OPTIMUM.md): the latency the lane's requests have
 * accrued by now over the least any schedule could have accrued by then. False when there is
 * nothing to compare yet (no bound, or the bound is still 0 at this time). */
bool ui_live_ratio(const ui_view *v, double *ratio);

typedef enum {
    UI_ACT_NONE,
    UI_ACT_QUIT,
    UI_ACT_PAUSE,        /* toggle */
    UI_ACT_STEP,
    UI_ACT_BACK,
    UI_ACT_FASTER,
    UI_ACT_SLOWER,
    UI_ACT_POLICY_NEXT,
    UI_ACT_POLICY_PREV,
    UI_ACT_CHOOSE,       /* arg: choice index 0..6 */
    UI_ACT_ADMISSION,    /* toggle lookahead/current */
    UI_ACT_INFORMATION,  /* cycle */
    UI_ACT_SELECT,       /* arg: request index */
    UI_ACT_SELECT_NEXT,
    UI_ACT_SELECT_PREV,
    UI_ACT_CLEAR,
    UI_ACT_VIEW,         /* stacked <-> lanes */
    UI_ACT_ZOOM_IN,
    UI_ACT_ZOOM_OUT,
    UI_ACT_SCROLL,       /* arg: columns, negative = back in time */
    UI_ACT_HOME,         /* viewport to t = 0 */
    UI_ACT_END,          /* follow the present */
    UI_ACT_FOLLOW,       /* toggle following */
    UI_ACT_RESTART,
    UI_ACT_HELP,         /* toggle the overlay */
    UI_ACT_REDRAW,
    UI_ACT_TWIN,         /* add a race lane: the current config with the next policy */
    UI_ACT_FOCUS,        /* race: arg +1 / -1 focuses the next / previous lane (wrapping) */
} ui_action_kind;

typedef struct {
    ui_action_kind kind;
    int64_t arg;
} ui_action;

/* ---- canvas.c: time x memory ---- */
ui_canvas_scratch *canvas_scratch_new(void);
void canvas_scratch_free(ui_canvas_scratch *s);
/* The width of the y labels and whether there is a seconds row, for ui_canvas_geometry. */
ui_canvas_geom canvas_geometry(const ui_view *v, int w, int h);
void canvas_draw(WINDOW *w, const ui_view *v);
/* Keys of the canvas (view, zoom, scroll, follow) and mouse events inside it (y, x relative to
 * the window). */
ui_action canvas_key(WINDOW *w, const ui_view *v, int key, int y, int x);
/* The request drawn at (y, x) of the window, or -1. */
long canvas_hit(WINDOW *w, const ui_view *v, int y, int x);

/* ---- counters.c: the numbers ---- */
void counters_draw(WINDOW *w, const ui_view *v);

/* ---- queue.c: the waiting queue in policy order and why its head waits ---- */
void queue_draw(WINDOW *w, const ui_view *v);
/* A click on a row selects that request. */
ui_action queue_key(WINDOW *w, const ui_view *v, int key, int y, int x);

/* ---- inspector.c: the selected request's story ---- */
void inspector_draw(WINDOW *w, const ui_view *v);
ui_action inspector_key(const ui_view *v, int key);

/* ---- race.c: the shared counter table of race mode, one column per lane ---- */
void race_counters_draw(WINDOW *w, const ui_view *lanes, size_t n);

/* ---- story.c: the selected request's decisions, for the inspector ---- */
ui_story *ui_story_new(void);
void ui_story_free(ui_story *u);
/* Bring the story of request sel up to the shown engine's time (replaying from t = 0 with
 * initial and the shown engine's switches, for at most a few milliseconds per call) and return
 * its sentences (valid until the next call). */
size_t ui_story_lines(ui_story *u, const kvs_engine *shown, long sel, kvs_config initial,
                      const char *const **out);
/* The replay stopped short of the shown time (it has a time budget per call): call again soon. */
bool ui_story_behind(const ui_story *u);

/* ---- help.c: the key overlay and the too-small screen ---- */
void help_draw(WINDOW *w, const ui_view *v);
/* While the overlay is open every key closes it (the key is not passed on). */
ui_action help_key(const ui_view *v, int key);
/* The size the overlay wants (clamped to the screen by the caller). */
void help_size(const ui_view *v, int *h, int *w);
void too_small_draw(WINDOW *w, const ui_palette *p, int cols, int rows);

/* ---- bars.c: title, status line and key hints ---- */
void bars_draw_title(WINDOW *w, const ui_view *v);
void bars_draw_status(WINDOW *w, const ui_view *v);
void bars_draw_keys(WINDOW *w, const ui_view *v);

/* ---- shared helpers (ui.c) ---- */
/* The request's id as shown to people (the workload's id, or its 1-based index). */
const char *ui_request_id(const ui_view *v, size_t i, char *buf, size_t n);
/* A number as exact digits up to 9 999 999, then compact ("12.5M"). */
void ui_fmt_num(int64_t x, char *buf, size_t n);

#endif
