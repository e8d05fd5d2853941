/* ui/layout.h: the UI's geometry as pure functions of the terminal size and the viewport: where
 * each panel goes, how time maps to columns and tokens to rows, where axis ticks go, and how much
 * of a cell an eighth block fills. No ncurses here, so tests/unit/test_layout.c can check every
 * terminal size from 1x1 to 300x100. */
#ifndef KVSCOPE_UI_LAYOUT_H
#define KVSCOPE_UI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Below this the UI shows a "terminal too small" message instead of panels. */
#define UI_MIN_W 64
#define UI_MIN_H 18
/* At least this wide: the side panels form a column on the right; narrower: a strip below. */
#define UI_WIDE_W 100

typedef struct {
    int x, y, w, h;
} ui_rect;

bool ui_rect_empty(ui_rect r);
bool ui_rect_contains(ui_rect r, int x, int y);
bool ui_rect_overlap(ui_rect a, ui_rect b);

typedef struct {
    bool too_small;  /* everything below is empty */
    bool wide;       /* side column (true) or bottom strip (false) */
    ui_rect title;   /* one row at the top */
    ui_rect canvas;  /* time x memory, always the largest */
    ui_rect counters;
    ui_rect queue;
    ui_rect inspector; /* may be empty on small terminals: the UI then shows the selected
                        * request in the queue's place */
    ui_rect status;  /* what just happened */
    ui_rect keys;    /* key hints */
} ui_layout;

ui_layout ui_layout_compute(int w, int h);

/* ---- inside the canvas panel (coordinates relative to the panel, border included) ---- */
typedef struct {
    bool ok;           /* false when the panel is too small to plot anything */
    int label_w;       /* y labels occupy columns [1, 1 + label_w) */
    int axis_col;      /* the y axis line */
    int legend_row;    /* -1 when there is no room for the legend */
    ui_rect plot;      /* the bands; its top row is the budget line (stacked view) */
    int axis_row;      /* the time axis line, just below the plot */
    int ticks_row;     /* step labels */
    int seconds_row;   /* wall-clock labels, -1 when none */
} ui_canvas_geom;

ui_canvas_geom ui_canvas_geometry(int w, int h, int label_w, bool want_seconds, bool want_legend);

/* ---- time <-> columns ----
 * A zoom level z >= 0 shows ui_zoom_steps_per_col(z) steps per column (1, 2, 5, 10, 20, ...);
 * z < 0 shows 2^-z columns per step (zoomed in on a short run). Column c covers the time
 * interval [col_to_time(c), col_to_time(c + 1)); step u runs during [u - 1, u). */
#define UI_ZOOM_MIN (-3)
#define UI_ZOOM_MAX 45

typedef struct {
    int64_t t0; /* time at the left edge of column 0 */
    int zoom;
} ui_viewport;

int64_t ui_zoom_steps_per_col(int zoom); /* 1 for z <= 0 */
int ui_zoom_cols_per_step(int zoom);     /* 1 for z >= 0 */
int ui_zoom_clamp(int zoom);
/* Steps covered by `cols` columns. */
int64_t ui_vp_span(int zoom, int cols);
/* The column whose interval contains time t (may be < 0 or >= cols: off screen). */
int64_t ui_vp_time_to_col(ui_viewport vp, int64_t t);
/* The time at the left edge of column c. */
int64_t ui_vp_col_to_time(ui_viewport vp, int64_t c);
/* The steps u drawn in column c: u0 <= u <= u1 (u0 > u1 never happens). */
void ui_vp_col_steps(ui_viewport vp, int64_t c, int64_t *u0, int64_t *u1);
/* Where the left edge goes to keep `now` on screen: 0 while the run fits, then aligned to whole
 * columns so that history does not shimmer as it scrolls, with `now` at about 7/8 of the width. */
int64_t ui_vp_follow_origin(int zoom, int cols, int64_t now);
/* Align t down to a column boundary of this zoom (and clamp at 0). */
int64_t ui_vp_align(int zoom, int64_t t);
/* The most zoomed-in level whose span covers `horizon` steps in `cols` columns. */
int ui_zoom_fit(int64_t horizon, int cols);

/* ---- tokens <-> rows (rows counted from the bottom of the scale) ---- */
/* Eighths of a cell reached by `tokens` on a scale where `scale` tokens fill `rows` rows:
 * round(tokens * rows * 8 / scale), clamped to [0, rows * 8]. */
int64_t ui_eighths(double tokens, int64_t scale, int rows);
/* The row (from the bottom) whose band of values contains `tokens`; clamped to [0, rows). */
int ui_row_of_tokens(int64_t tokens, int64_t scale, int rows);
/* The smallest token count that lies in row r (inverse of ui_row_of_tokens). */
int64_t ui_tokens_of_row(int r, int64_t scale, int rows);

/* How many eighths of cell row r (from the bottom) a fill from eighth `bottom` up to eighth `top`
 * (exclusive) covers from the cell's own bottom: 0 when the fill does not reach the cell's bottom
 * eighth, 8 when it covers the whole cell. This is the k of the glyph "lower k eighths". */
int ui_cell_fill(int64_t bottom, int64_t top, int row);

/* ---- axis ticks ---- */
typedef struct {
    int pos;        /* column (time axes) or row from the bottom (token axis) */
    int64_t value;  /* steps or tokens; milliseconds for the seconds axis */
    char label[16];
} ui_tick;

/* Ticks along `cols` columns of the time axis at round step counts; labels are left-aligned at
 * pos, fit inside the axis and never touch. Returns the number written (<= max). */
int ui_ticks_time(ui_viewport vp, int cols, ui_tick *out, int max);
/* The same in wall-clock time ("500ms", "2s", "1.5m", "2h") when one step lasts step_ms. */
int ui_ticks_seconds(ui_viewport vp, int cols, double step_ms, ui_tick *out, int max);
/* Ticks up the token axis (0 .. below the budget), at least two rows apart. */
int ui_ticks_tokens(int64_t scale, int rows, ui_tick *out, int max);

/* "950", "1500", "12k", "12.5k", "1.5M", "2G": at most 5 characters for 0 <= v < 10^12. */
void ui_fmt_count(int64_t v, char *buf, size_t n);
/* A duration for humans: "850ms", "12.3s", "4m05s", "2h03m". */
void ui_fmt_duration(double ms, char *buf, size_t n);

/* ---- lanes (Gantt view) ---- */
/* Rows per lane (1..4) and how many lanes fit when n requests want a lane in `rows` rows. */
void ui_lanes_fit(int rows, size_t n, int *lane_rows, int *shown);
/* The first lane to show so that lane `want` (or the last one when want < 0) is visible. */
size_t ui_lanes_first(size_t n, int shown, long want);

#endif
