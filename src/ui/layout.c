/* ui/layout.c: pure geometry for the UI (see layout.h). Everything here is integer arithmetic on
 * sizes and times so that it can be tested exhaustively without a terminal. */
#include "ui/layout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }
static int iclamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

bool ui_rect_empty(ui_rect r) { return r.w <= 0 || r.h <= 0; }

bool ui_rect_contains(ui_rect r, int x, int y)
{
    return !ui_rect_empty(r) && x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

bool ui_rect_overlap(ui_rect a, ui_rect b)
{
    if (ui_rect_empty(a) || ui_rect_empty(b))
        return false;
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static ui_rect rect(int x, int y, int w, int h)
{
    ui_rect r = {x, y, w, h};
    if (w <= 0 || h <= 0)
        r.w = r.h = 0;
    return r;
}

ui_layout ui_layout_compute(int w, int h)
{
    ui_layout L;
    memset(&L, 0, sizeof L);
    if (w < UI_MIN_W || h < UI_MIN_H) {
        L.too_small = true;
        return L;
    }
    L.title = rect(0, 0, w, 1);
    L.status = rect(0, h - 2, w, 1);
    L.keys = rect(0, h - 1, w, 1);
    int top = 1, body = h - 3; /* >= 15 */
    if (w >= UI_WIDE_W) {
        L.wide = true;
        /* The side column is wide enough for a queue row (id, key, prompt, est., waited) but
         * never more than 30% + a bit, so the canvas keeps at least two thirds of the width. */
        int side = iclamp(w * 3 / 10, 40, 56);
        L.canvas = rect(0, top, w - side, body);
        /* Counters first (the numbers a class reads), then the inspector when there is room for
         * both it and a useful queue, the queue gets the rest. */
        int want = body >= 38 ? 16 : 14;
        int ch = imin(want, body - 6);
        int rest = body - ch;
        /* 12 inspector rows leave a request's story two of them; on a tall terminal the
         * inspector also takes what the queue does not need beyond 20 rows. */
        int ih = rest >= 18 ? imax(imin(12, rest / 2), rest - 20) : 0;
        int qh = rest - ih;
        int x = w - side;
        L.counters = rect(x, top, side, ch);
        L.queue = rect(x, top + ch, side, qh);
        L.inspector = rect(x, top + ch + qh, side, ih);
    } else {
        /* Narrow: the canvas keeps the full width and at least 60% of the height; counters and
         * queue share a strip below it. */
        int strip = imin(13, imax(6, body * 2 / 5));
        L.canvas = rect(0, top, w, body - strip);
        L.counters = rect(0, top + body - strip, w / 2, strip);
        L.queue = rect(w / 2, top + body - strip, w - w / 2, strip);
        L.inspector = rect(0, 0, 0, 0);
    }
    return L;
}

ui_canvas_geom ui_canvas_geometry(int w, int h, int label_w, bool want_seconds, bool want_legend)
{
    ui_canvas_geom g;
    memset(&g, 0, sizeof g);
    g.legend_row = g.seconds_row = -1;
    int inner_w = w - 2, inner_h = h - 2;
    if (label_w < 1)
        label_w = 1;
    /* Shrink the labels before giving up on a narrow panel. */
    if (inner_w - label_w - 1 < 8)
        label_w = imax(1, inner_w - 1 - 8);
    int plot_w = inner_w - label_w - 1;
    /* The plot needs the budget row plus two rows of scale; then the axis and the step labels. */
    int fixed = 2;
    int plot_h = inner_h - fixed;
    if (want_legend && plot_h - 1 >= 10) {
        g.legend_row = 1;
        plot_h--;
    }
    if (want_seconds && plot_h - 1 >= 6)
        plot_h--;
    else
        want_seconds = false;
    if (plot_w < 8 || plot_h < 3)
        return g;
    g.ok = true;
    g.label_w = label_w;
    g.axis_col = 1 + label_w;
    int y0 = g.legend_row >= 0 ? 2 : 1;
    g.plot = rect(g.axis_col + 1, y0, plot_w, plot_h);
    g.axis_row = y0 + plot_h;
    g.ticks_row = g.axis_row + 1;
    g.seconds_row = want_seconds ? g.ticks_row + 1 : -1;
    return g;
}

/* ---- zoom and viewport ---- */

int ui_zoom_clamp(int zoom) { return iclamp(zoom, UI_ZOOM_MIN, UI_ZOOM_MAX); }

int64_t ui_zoom_steps_per_col(int zoom)
{
    zoom = ui_zoom_clamp(zoom);
    if (zoom <= 0)
        return 1;
    /* 1, 2, 5, 10, 20, 50, ... */
    static const int mant[3] = {1, 2, 5};
    int64_t p = 1;
    for (int i = 0; i < zoom / 3; i++)
        p *= 10;
    return p * mant[zoom % 3];
}

int ui_zoom_cols_per_step(int zoom)
{
    zoom = ui_zoom_clamp(zoom);
    return zoom >= 0 ? 1 : 1 << -zoom;
}

int64_t ui_vp_span(int zoom, int cols)
{
    if (cols <= 0)
        return 0;
    int cps = ui_zoom_cols_per_step(zoom);
    if (cps > 1)
        return imax(1, cols / cps);
    return (int64_t)cols * ui_zoom_steps_per_col(zoom);
}

/* Floor division that is right for negative numerators too. */
static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t ui_vp_time_to_col(ui_viewport vp, int64_t t)
{
    int cps = ui_zoom_cols_per_step(vp.zoom);
    if (cps > 1)
        return (t - vp.t0) * cps;
    return floordiv(t - vp.t0, ui_zoom_steps_per_col(vp.zoom));
}

int64_t ui_vp_col_to_time(ui_viewport vp, int64_t c)
{
    int cps = ui_zoom_cols_per_step(vp.zoom);
    if (cps > 1)
        return vp.t0 + floordiv(c, cps);
    return vp.t0 + c * ui_zoom_steps_per_col(vp.zoom);
}

void ui_vp_col_steps(ui_viewport vp, int64_t c, int64_t *u0, int64_t *u1)
{
    int cps = ui_zoom_cols_per_step(vp.zoom);
    int64_t left = ui_vp_col_to_time(vp, c);
    *u0 = left + 1;
    *u1 = cps > 1 ? left + 1 : ui_vp_col_to_time(vp, c + 1);
}

int64_t ui_vp_align(int zoom, int64_t t)
{
    if (t <= 0)
        return 0;
    int64_t spc = ui_zoom_steps_per_col(zoom);
    return t - t % spc;
}

int64_t ui_vp_follow_origin(int zoom, int cols, int64_t now)
{
    int64_t span = ui_vp_span(zoom, cols);
    if (span <= 0 || now < span)
        return 0;
    int64_t spc = ui_zoom_steps_per_col(zoom);
    int64_t t0 = ui_vp_align(zoom, now - span * 7 / 8);
    /* On a very narrow plot 7/8 may not leave a whole column for the present: keep it visible. */
    while (now - t0 >= span)
        t0 += spc;
    return t0;
}

int ui_zoom_fit(int64_t horizon, int cols)
{
    if (cols <= 0)
        return 0;
    for (int z = UI_ZOOM_MIN; z < UI_ZOOM_MAX; z++)
        if (ui_vp_span(z, cols) >= horizon)
            return z;
    return UI_ZOOM_MAX;
}

/* ---- tokens <-> rows ---- */

int64_t ui_eighths(double tokens, int64_t scale, int rows)
{
    if (scale <= 0 || rows <= 0 || !(tokens > 0))
        return 0;
    int64_t full = (int64_t)rows * 8;
    double e = floor(tokens * (double)full / (double)scale + 0.5);
    if (e >= (double)full)
        return full;
    return (int64_t)e;
}

int ui_row_of_tokens(int64_t tokens, int64_t scale, int rows)
{
    if (rows <= 0 || scale <= 0 || tokens <= 0)
        return 0;
    /* tokens * rows stays far inside int64: tokens <= M < 2^31 and rows is a screen size. */
    int64_t r = tokens * rows / scale;
    return r >= rows ? rows - 1 : (int)r;
}

int64_t ui_tokens_of_row(int r, int64_t scale, int rows)
{
    if (rows <= 0 || r <= 0)
        return 0;
    /* ceil(r * scale / rows) */
    return ((int64_t)r * scale + rows - 1) / rows;
}

int ui_cell_fill(int64_t bottom, int64_t top, int row)
{
    int64_t base = (int64_t)row * 8;
    if (bottom > base || top <= base)
        return 0;
    int64_t k = top - base;
    return k >= 8 ? 8 : (int)k;
}

/* ---- formatting ---- */

void ui_fmt_count(int64_t v, char *buf, size_t n)
{
    static const char suffix[] = {'k', 'M', 'G', 'T'};
    if (v < 0) {
        snprintf(buf, n, "-");
        return;
    }
    if (v < 10000) {
        snprintf(buf, n, "%d", (int)v);
        return;
    }
    double x = (double)v;
    int s = -1;
    while (x >= 1000.0 && s < 3) {
        x /= 1000.0;
        s++;
    }
    /* One decimal only when it carries information and fits in five characters. */
    double r1 = floor(x * 10.0 + 0.5) / 10.0;
    if (x < 100.0 && r1 != floor(r1))
        snprintf(buf, n, "%.1f%c", r1, suffix[s]);
    else
        snprintf(buf, n, "%.0f%c", floor(x + 0.5), suffix[s]);
}

void ui_fmt_duration(double ms, char *buf, size_t n)
{
    if (!(ms >= 0))
        ms = 0;
    if (ms < 1000.0) {
        snprintf(buf, n, "%.0fms", ms);
        return;
    }
    double s = ms / 1000.0;
    if (s < 60.0) {
        snprintf(buf, n, "%.1fs", s);
        return;
    }
    long long whole = (long long)s;
    if (whole < 3600)
        snprintf(buf, n, "%lldm%02llds", whole / 60, whole % 60);
    else
        snprintf(buf, n, "%lldh%02lldm", whole / 3600, (whole % 3600) / 60);
}

/* The next "nice" step (1, 2, 5 x 10^k) at or above x. */
static int64_t nice_at_least(double x)
{
    int64_t p = 1;
    for (;;) {
        if ((double)p >= x)
            return p;
        if ((double)(2 * p) >= x)
            return 2 * p;
        if ((double)(5 * p) >= x)
            return 5 * p;
        if (p > INT64_MAX / 100)
            return p * 10;
        p *= 10;
    }
}

int ui_ticks_time(ui_viewport vp, int cols, ui_tick *out, int max)
{
    if (cols <= 0 || max <= 0)
        return 0;
    int64_t span = ui_vp_span(vp.zoom, cols);
    int64_t end = vp.t0 + span;
    char last[16];
    ui_fmt_count(end, last, sizeof last);
    int gap = (int)strlen(last) + 3;
    /* Columns between ticks >= gap, in steps: gap * steps-per-column (or / columns-per-step). */
    double steps = (double)gap * (double)ui_zoom_steps_per_col(vp.zoom) /
                   (double)ui_zoom_cols_per_step(vp.zoom);
    int64_t step = nice_at_least(steps);
    int count = 0;
    int64_t first = vp.t0 <= 0 ? 0 : ((vp.t0 + step - 1) / step) * step;
    int prev_end = -1;
    for (int64_t t = first; t < end && count < max; t += step) {
        int64_t c = ui_vp_time_to_col(vp, t);
        if (c < 0 || c >= cols)
            continue;
        ui_tick tk;
        tk.pos = (int)c;
        tk.value = t;
        ui_fmt_count(t, tk.label, sizeof tk.label);
        int len = (int)strlen(tk.label);
        if (tk.pos + len > cols || tk.pos <= prev_end)
            continue;
        prev_end = tk.pos + len;
        out[count++] = tk;
        if (t > INT64_MAX - step)
            break;
    }
    return count;
}

/* Nice wall-clock steps in milliseconds, from 1 ms to a day. */
static const double nice_ms[] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500,
    1000, 2000, 5000, 10000, 15000, 30000,
    60000, 120000, 300000, 600000, 900000, 1800000,
    3600000, 7200000, 14400000, 21600000, 43200000, 86400000,
};

/* A tick's wall-clock label: "0", "500ms", "15s", "2m", "1m30s", "2h", "1h30m". Tick steps are
 * whole milliseconds, seconds or minutes, so the fractions below never show digits. */
static void fmt_clock(double ms, char *buf, size_t n)
{
    long long v = (long long)(ms + 0.5);
    if (v == 0)
        snprintf(buf, n, "0");
    else if (v < 1000)
        snprintf(buf, n, "%lldms", v);
    else if (v < 60000)
        snprintf(buf, n, v % 1000 ? "%.1fs" : "%.0fs", (double)v / 1000.0);
    else if (v < 3600000) {
        long long s = v / 1000;
        if (s % 60)
            snprintf(buf, n, "%lldm%02llds", s / 60, s % 60);
        else
            snprintf(buf, n, "%lldm", s / 60);
    } else {
        long long m = v / 60000;
        if (m % 60)
            snprintf(buf, n, "%lldh%02lldm", m / 60, m % 60);
        else
            snprintf(buf, n, "%lldh", m / 60);
    }
}

int ui_ticks_seconds(ui_viewport vp, int cols, double step_ms, ui_tick *out, int max)
{
    if (cols <= 0 || max <= 0 || !(step_ms > 0))
        return 0;
    int64_t span = ui_vp_span(vp.zoom, cols);
    double ms_per_col = step_ms * (double)ui_zoom_steps_per_col(vp.zoom) /
                        (double)ui_zoom_cols_per_step(vp.zoom);
    /* Labels are at most 6 characters ("1500ms" never happens: 1.5s is shorter), plus a gap. */
    double want = ms_per_col * 9.0;
    double step = 0;
    size_t nn = sizeof nice_ms / sizeof nice_ms[0];
    for (size_t i = 0; i < nn; i++)
        if (nice_ms[i] >= want) {
            step = nice_ms[i];
            break;
        }
    if (step == 0) {
        step = nice_ms[nn - 1];
        while (step < want)
            step *= 2;
    }
    double start_ms = (double)vp.t0 * step_ms;
    double end_ms = (double)(vp.t0 + span) * step_ms;
    double k0 = ceil(start_ms / step);
    int count = 0, prev_end = -1;
    for (double k = k0; k * step < end_ms && count < max; k += 1.0) {
        double ms = k * step;
        /* The column of the step during which this instant falls. */
        int64_t t = (int64_t)floor(ms / step_ms + 1e-9);
        int64_t c = ui_vp_time_to_col(vp, t);
        if (c < 0 || c >= cols)
            continue;
        ui_tick tk;
        tk.pos = (int)c;
        tk.value = (int64_t)ms;
        char clock[48];
        fmt_clock(ms, clock, sizeof clock);
        snprintf(tk.label, sizeof tk.label, "%.15s", clock);
        int len = (int)strlen(tk.label);
        if (tk.pos + len > cols || tk.pos <= prev_end)
            continue;
        prev_end = tk.pos + len;
        out[count++] = tk;
    }
    return count;
}

int ui_ticks_tokens(int64_t scale, int rows, ui_tick *out, int max)
{
    if (scale <= 0 || rows <= 0 || max <= 0)
        return 0;
    /* At least two rows between labels; a value's row is floor(v * rows / scale). */
    double want = 2.0 * (double)scale / (double)rows;
    int64_t step = nice_at_least(want < 1.0 ? 1.0 : want);
    int count = 0, prev = -1;
    for (int64_t v = 0; v < scale && count < max; v += step) {
        int r = ui_row_of_tokens(v, scale, rows);
        if (r <= prev || r >= rows)
            continue;
        ui_tick tk;
        tk.pos = r;
        tk.value = v;
        ui_fmt_count(v, tk.label, sizeof tk.label);
        prev = r;
        out[count++] = tk;
        if (v > INT64_MAX - step)
            break;
    }
    return count;
}

/* ---- lanes ---- */

void ui_lanes_fit(int rows, size_t n, int *lane_rows, int *shown)
{
    if (rows <= 0 || n == 0) {
        *lane_rows = 1;
        *shown = 0;
        return;
    }
    int per = (size_t)rows / n >= 4 ? 4 : (int)((size_t)rows / n);
    if (per < 1)
        per = 1;
    *lane_rows = per;
    size_t fit = (size_t)(rows / per);
    *shown = (int)(fit < n ? fit : n);
}

size_t ui_lanes_first(size_t n, int shown, long want)
{
    if (shown <= 0 || n <= (size_t)shown)
        return 0;
    size_t last_first = n - (size_t)shown;
    if (want < 0 || (size_t)want >= n)
        return last_first;
    /* Keep the wanted lane visible, as close to the present (the end) as possible. */
    if ((size_t)want >= last_first)
        return last_first;
    return (size_t)want;
}
