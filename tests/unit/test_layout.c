/* test_layout.c: the UI's pure geometry (src/ui/layout.c) checked for invariants over every
 * terminal size from 1x1 to 300x100 and over many viewports: panels inside the screen, tiling it
 * without overlap, the canvas the largest; time <-> column and tokens <-> row round trips; axis
 * ticks strictly monotone, inside their axis and never touching; eighth blocks right at their
 * boundaries. layout.c has no ncurses in it, so the test compiles it in directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ui/layout.c"

static void check(bool ok, const char *what, long a, long b)
{
    if (!ok) {
        print_error("%s (at %ld, %ld)\n", what, a, b);
        fail();
    }
}

static long area(ui_rect r) { return ui_rect_empty(r) ? 0 : (long)r.w * r.h; }

static bool inside(ui_rect r, int w, int h)
{
    return ui_rect_empty(r) || (r.x >= 0 && r.y >= 0 && r.x + r.w <= w && r.y + r.h <= h);
}

/* ---- layout ---- */

static void test_layout_every_size(void **state)
{
    (void)state;
    for (int w = 1; w <= 300; w++)
        for (int h = 1; h <= 100; h++) {
            ui_layout L = ui_layout_compute(w, h);
            ui_rect all[7] = {L.title, L.canvas, L.counters, L.queue, L.inspector, L.status,
                              L.keys};
            if (w < UI_MIN_W || h < UI_MIN_H) {
                check(L.too_small, "below the minimum the layout says too small", w, h);
                for (int i = 0; i < 7; i++)
                    check(ui_rect_empty(all[i]), "too small: no panel", w, h);
                continue;
            }
            check(!L.too_small, "at or above the minimum the layout draws", w, h);
            long sum = 0;
            for (int i = 0; i < 7; i++) {
                check(inside(all[i], w, h), "panel inside the screen", w, h);
                sum += area(all[i]);
                for (int j = i + 1; j < 7; j++)
                    check(!ui_rect_overlap(all[i], all[j]), "panels do not overlap", w, h);
            }
            /* Inside, disjoint, and the areas add up: the panels tile the screen, no gaps. */
            check(sum == (long)w * h, "panels tile the whole screen", w, h);
            for (int i = 0; i < 7; i++)
                if (i != 1)
                    check(area(L.canvas) > area(all[i]), "the canvas is the largest panel", w, h);
            check(L.title.h == 1 && L.status.h == 1 && L.keys.h == 1, "bars are one row", w, h);
            check(L.title.y == 0 && L.keys.y == h - 1 && L.status.y == h - 2,
                  "title on top, status and keys at the bottom", w, h);
            check(!ui_rect_empty(L.counters) && !ui_rect_empty(L.queue),
                  "counters and queue always shown", w, h);
            check(L.counters.w >= 32 && L.queue.w >= 32, "side panels wide enough for text", w, h);
            check(L.queue.h >= 6, "queue has room for a few rows", w, h);
            check(L.wide == (w >= UI_WIDE_W), "side column exactly when wide", w, h);
            /* The canvas must always be able to plot. */
            for (int sec = 0; sec < 2; sec++)
                for (int leg = 0; leg < 2; leg++) {
                    ui_canvas_geom g =
                        ui_canvas_geometry(L.canvas.w, L.canvas.h, 6, sec != 0, leg != 0);
                    check(g.ok, "the canvas can plot at every allowed size", w, h);
                }
        }
}

static void test_canvas_geometry(void **state)
{
    (void)state;
    for (int w = 1; w <= 300; w++)
        for (int h = 1; h <= 100; h++)
            for (int label = 1; label <= 12; label += 5)
                for (int mode = 0; mode < 4; mode++) {
                    bool sec = mode & 1, leg = mode & 2;
                    ui_canvas_geom g = ui_canvas_geometry(w, h, label, sec, leg);
                    if (!g.ok)
                        continue;
                    ui_rect inner = {1, 1, w - 2, h - 2};
                    check(g.plot.w >= 8 && g.plot.h >= 3, "a plot has a minimum size", w, h);
                    check(g.plot.x >= inner.x && g.plot.x + g.plot.w <= inner.x + inner.w,
                          "plot inside the frame horizontally", w, h);
                    check(g.plot.y >= inner.y, "plot below the top edge", w, h);
                    int last = g.seconds_row >= 0 ? g.seconds_row : g.ticks_row;
                    check(last <= h - 2, "axis rows inside the frame", w, h);
                    check(g.axis_row == g.plot.y + g.plot.h && g.ticks_row == g.axis_row + 1,
                          "axis just below the plot, labels below it", w, h);
                    check(g.axis_col == 1 + g.label_w && g.plot.x == g.axis_col + 1,
                          "y axis between labels and plot", w, h);
                    check(g.label_w >= 1, "room for labels", w, h);
                    check(g.legend_row < 0 || (leg && g.legend_row == 1 && g.plot.y == 2),
                          "legend only when asked, on the first inner row", w, h);
                    check(g.seconds_row < 0 || sec, "seconds row only when asked", w, h);
                }
}

/* ---- time <-> columns ---- */

static const int64_t origins[] = {0, 1, 7, 100, 12345, (int64_t)1 << 40};

static void test_time_columns_round_trip(void **state)
{
    (void)state;
    for (int z = UI_ZOOM_MIN; z <= UI_ZOOM_MAX; z++)
        for (size_t o = 0; o < sizeof origins / sizeof origins[0]; o++) {
            ui_viewport vp = {ui_vp_align(z, origins[o]), z};
            int64_t spc = ui_zoom_steps_per_col(z);
            int cps = ui_zoom_cols_per_step(z);
            check(spc >= 1 && cps >= 1 && (spc == 1 || cps == 1), "zoom is one or the other", z,
                  (long)o);
            for (int64_t c = -3; c < 300; c++) {
                int64_t t = ui_vp_col_to_time(vp, c);
                if (cps == 1)
                    check(ui_vp_time_to_col(vp, t) == c, "col -> time -> col", z, (long)c);
                /* Every instant of a column maps back to it. */
                int64_t next = ui_vp_col_to_time(vp, c + 1);
                check(next >= t && next - t == (cps > 1 ? ((c + 1) % cps == 0) : spc),
                      "columns are spc steps (or 1/cps step) wide", z, (long)c);
                if (cps == 1)
                    check(ui_vp_time_to_col(vp, next - 1) == c, "last instant stays", z, (long)c);
                int64_t u0, u1;
                ui_vp_col_steps(vp, c, &u0, &u1);
                check(u0 <= u1 && u0 == t + 1, "a column's steps start after its left edge", z,
                      (long)c);
                int64_t v0, v1;
                ui_vp_col_steps(vp, c + 1, &v0, &v1);
                check(cps > 1 ? (v0 == u0 || v0 == u1 + 1) : v0 == u1 + 1,
                      "columns' steps tile time", z, (long)c);
            }
            for (int64_t t = vp.t0; t < vp.t0 + 500; t += 1 + (t % 7)) {
                int64_t c = ui_vp_time_to_col(vp, t);
                int64_t back = ui_vp_col_to_time(vp, c);
                check(back <= t && t < ui_vp_col_to_time(vp, c + 1) + (cps > 1 ? 1 : 0),
                      "time -> col -> time stays in the column", z, (long)t);
                if (cps > 1)
                    check(back == t, "zoomed in, time -> col -> time is exact", z, (long)t);
            }
        }
}

static void test_follow_keeps_now_visible(void **state)
{
    (void)state;
    int widths[] = {1, 2, 7, 8, 9, 40, 75, 200, 297};
    for (int z = UI_ZOOM_MIN; z <= 20; z++)
        for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
            int cols = widths[k];
            int64_t span = ui_vp_span(z, cols);
            check(span >= 1, "a plot shows at least one step", z, cols);
            int64_t prev = 0;
            for (int64_t now = 0; now < 5000; now += 1 + now / 50) {
                int64_t t0 = ui_vp_follow_origin(z, cols, now);
                ui_viewport vp = {t0, z};
                int64_t c = ui_vp_time_to_col(vp, now);
                check(t0 >= 0 && t0 % ui_zoom_steps_per_col(z) == 0, "origin aligned", z, now);
                check(c >= 0 && c < cols, "the present stays on screen", z, now);
                check(t0 >= prev, "following never scrolls back", z, now);
                check(now >= span || t0 == 0, "while the run fits it starts at 0", z, now);
                prev = t0;
            }
        }
}

static void test_zoom_fit(void **state)
{
    (void)state;
    int widths[] = {1, 8, 75, 200};
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++)
        for (int64_t h = 1; h < ((int64_t)1 << 40); h = h * 3 + 1) {
            int z = ui_zoom_fit(h, widths[k]);
            check(ui_vp_span(z, widths[k]) >= h, "the fitted zoom covers the horizon", widths[k],
                  (long)h);
            if (z > UI_ZOOM_MIN)
                check(ui_vp_span(z - 1, widths[k]) < h, "and is the closest that does",
                      widths[k], (long)h);
        }
}

/* ---- tokens <-> rows and eighths ---- */

static const int64_t budgets[] = {1, 3, 7, 100, 1000, 2048, 65536, 2000000000};

static void test_tokens_rows_round_trip(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof budgets / sizeof budgets[0]; m++)
        for (int rows = 1; rows <= 100; rows++) {
            int64_t M = budgets[m];
            for (int r = 0; r < rows; r++) {
                int64_t t = ui_tokens_of_row(r, M, rows);
                /* With more rows than tokens some rows hold no whole token: skip those. */
                if (t >= M || ui_tokens_of_row(r + 1, M, rows) <= t)
                    continue;
                check(ui_row_of_tokens(t, M, rows) == r, "row -> tokens -> row", rows, r);
                if (r > 0 && t > 0)
                    check(ui_row_of_tokens(t - 1, M, rows) < r, "the smallest token of a row",
                          rows, r);
            }
            check(ui_row_of_tokens(0, M, rows) == 0, "0 on the bottom row", rows, (long)m);
            check(ui_row_of_tokens(M, M, rows) == rows - 1, "M on the top row", rows, (long)m);
            int prev = 0;
            for (int64_t t = 0; t <= M; t += 1 + M / 997) {
                int r = ui_row_of_tokens(t, M, rows);
                check(r >= prev && r < rows, "rows grow with tokens", rows, (long)t);
                prev = r;
            }
        }
}

static void test_eighths(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof budgets / sizeof budgets[0]; m++)
        for (int rows = 1; rows <= 60; rows++) {
            int64_t M = budgets[m];
            check(ui_eighths(0, M, rows) == 0, "nothing is empty", rows, (long)m);
            check(ui_eighths((double)M, M, rows) == rows * 8, "M fills the scale", rows, (long)m);
            check(ui_eighths((double)M * 3, M, rows) == rows * 8, "clamped at the top", rows,
                  (long)m);
            check(ui_eighths(-5, M, rows) == 0, "clamped at the bottom", rows, (long)m);
            int64_t prev = 0;
            for (int64_t t = 0; t <= M; t += 1 + M / 1009) {
                int64_t e = ui_eighths((double)t, M, rows);
                check(e >= prev, "eighths grow with tokens", rows, (long)t);
                /* Rounding to the nearest eighth: off by at most half an eighth. */
                double exact = (double)t * rows * 8 / (double)M;
                check(e - exact <= 0.5 + 1e-9 && exact - e <= 0.5 + 1e-9, "nearest eighth", rows,
                      (long)t);
                prev = e;
            }
        }
    /* Exact boundaries: with M = 8 * rows tokens one token is one eighth. */
    check(ui_eighths(7, 8, 1) == 7 && ui_eighths(8, 8, 1) == 8 && ui_eighths(1, 8, 1) == 1,
          "one token, one eighth", 0, 0);
    check(ui_eighths(0.49, 8, 1) == 0 && ui_eighths(0.5, 8, 1) == 1, "halves round up", 0, 0);
}

static void test_cell_fill(void **state)
{
    (void)state;
    /* The glyph of each cell: a fill from eighth 0 to t covers t eighths in total. */
    for (int64_t t = 0; t <= 80; t++) {
        int64_t sum = 0;
        for (int r = 0; r < 10; r++) {
            int k = ui_cell_fill(0, t, r);
            check(k >= 0 && k <= 8, "0..8 eighths per cell", (long)t, r);
            sum += k;
            /* Full below the top, the remainder in the top cell, empty above. */
            if ((int64_t)r * 8 + 8 <= t)
                check(k == 8, "cells below the top are full", (long)t, r);
            else if ((int64_t)r * 8 >= t)
                check(k == 0, "cells above the top are empty", (long)t, r);
            else
                check(k == t - (int64_t)r * 8, "the top cell holds the remainder", (long)t, r);
        }
        check(sum == t, "the cells add up to the fill", (long)t, 0);
    }
    /* A band starting above a cell's bottom eighth does not own the cell's bottom. */
    for (int64_t b = 0; b <= 24; b++)
        for (int64_t t = b; t <= 24; t++)
            for (int r = 0; r < 3; r++) {
                int k = ui_cell_fill(b, t, r);
                if (b > (int64_t)r * 8 || t <= (int64_t)r * 8)
                    check(k == 0, "only the band at the cell's bottom fills from it", (long)b, r);
                else
                    check(k == (t >= r * 8 + 8 ? 8 : t - r * 8), "fill from the bottom", (long)b,
                          r);
            }
    check(ui_cell_fill(0, 8, 0) == 8 && ui_cell_fill(0, 8, 1) == 0, "boundary at a cell edge",
          8, 0);
    check(ui_cell_fill(0, 9, 1) == 1 && ui_cell_fill(0, 15, 1) == 7, "one and seven eighths", 9,
          15);
}

/* ---- ticks ---- */

static void check_ticks(const ui_tick *t, int n, int len_axis, bool time_axis, ui_viewport vp,
                        long a, long b)
{
    for (int i = 0; i < n; i++) {
        int len = (int)strlen(t[i].label);
        check(len >= 1, "a tick has a label", a, b);
        check(t[i].pos >= 0 && t[i].pos + (time_axis ? len : 1) <= len_axis,
              "tick and label inside the axis", a, b);
        if (i > 0) {
            check(t[i].pos > t[i - 1].pos, "ticks strictly monotone", a, b);
            check(t[i].value > t[i - 1].value, "tick values strictly increase", a, b);
            if (time_axis)
                check(t[i].pos > t[i - 1].pos + (int)strlen(t[i - 1].label),
                      "labels never touch", a, b);
        }
        if (time_axis && vp.zoom != INT32_MIN)
            check(ui_vp_time_to_col(vp, t[i].value) == t[i].pos, "a tick sits at its time", a,
                  b);
    }
}

static void test_time_ticks(void **state)
{
    (void)state;
    int widths[] = {1, 5, 8, 20, 75, 200, 297};
    for (int z = UI_ZOOM_MIN; z <= 30; z++)
        for (size_t o = 0; o < sizeof origins / sizeof origins[0]; o++)
            for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
                ui_viewport vp = {ui_vp_align(z, origins[o]), z};
                ui_tick t[64];
                int n = ui_ticks_time(vp, widths[k], t, 64);
                check_ticks(t, n, widths[k], true, vp, z, widths[k]);
                if (widths[k] >= 75)
                    check(n >= 2, "a wide axis has at least two ticks", z, widths[k]);
                ui_viewport none = {0, INT32_MIN};
                double step_ms[] = {0.5, 1, 37.5, 1000, 60000};
                for (size_t s = 0; s < sizeof step_ms / sizeof step_ms[0]; s++) {
                    n = ui_ticks_seconds(vp, widths[k], step_ms[s], t, 64);
                    check_ticks(t, n, widths[k], true, none, z, (long)s);
                    for (int i = 0; i < n; i++) {
                        check(!strchr(t[i].label, 'e'), "clock labels never scientific", z,
                              (long)s);
                        if (t[i].value < 100LL * 3600000) /* below 100 hours */
                            check(strlen(t[i].label) <= 6, "clock labels are short", z, (long)s);
                        /* The instant lies in the step drawn in that column. */
                        int64_t step = (int64_t)((double)t[i].value / step_ms[s] + 1e-9);
                        int64_t c = ui_vp_time_to_col(vp, step);
                        check(c == t[i].pos || (double)t[i].value != (double)(int64_t)t[i].value,
                              "a seconds tick sits at its instant", z, (long)s);
                    }
                }
            }
}

static void test_token_ticks(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof budgets / sizeof budgets[0]; m++)
        for (int rows = 1; rows <= 100; rows++) {
            ui_tick t[64];
            ui_viewport none = {0, INT32_MIN};
            int n = ui_ticks_tokens(budgets[m], rows, t, 64);
            check_ticks(t, n, rows, false, none, rows, (long)m);
            for (int i = 0; i < n; i++) {
                check(t[i].pos == ui_row_of_tokens(t[i].value, budgets[m], rows),
                      "a token tick sits on its row", rows, (long)m);
                check(strlen(t[i].label) <= 5, "token labels fit the 6-column label area", rows,
                      (long)m);
                check(t[i].value < budgets[m], "ticks below the budget line", rows, (long)m);
                if (i > 0)
                    check(t[i].pos >= t[i - 1].pos + 2, "token labels two rows apart", rows,
                          (long)m);
            }
            if (n > 0)
                check(t[0].value == 0 && t[0].pos == 0, "the axis starts at 0", rows, (long)m);
        }
}

/* ---- formatting and lanes ---- */

static void test_fmt_count(void **state)
{
    (void)state;
    char buf[32];
    for (int64_t v = 0; v < ((int64_t)1 << 40); v = v * 2 + 1 + v / 3) {
        ui_fmt_count(v, buf, sizeof buf);
        check(strlen(buf) <= 5, "compact numbers are at most 5 characters", (long)v, 0);
        if (v < 10000) {
            char exact[32];
            snprintf(exact, sizeof exact, "%lld", (long long)v);
            check(strcmp(buf, exact) == 0, "small numbers are exact", (long)v, 0);
        }
    }
    ui_fmt_count(12000, buf, sizeof buf);
    check(strcmp(buf, "12k") == 0, "12k", 0, 0);
    ui_fmt_count(12500, buf, sizeof buf);
    check(strcmp(buf, "12.5k") == 0, "12.5k", 0, 0);
    ui_fmt_count(1500000, buf, sizeof buf);
    check(strcmp(buf, "1.5M") == 0, "1.5M", 0, 0);
    ui_fmt_count(2000000000, buf, sizeof buf);
    check(strcmp(buf, "2G") == 0, "2G", 0, 0);
    ui_fmt_duration(850, buf, sizeof buf);
    check(strcmp(buf, "850ms") == 0, "850ms", 0, 0);
    ui_fmt_duration(12300, buf, sizeof buf);
    check(strcmp(buf, "12.3s") == 0, "12.3s", 0, 0);
    ui_fmt_duration(245000, buf, sizeof buf);
    check(strcmp(buf, "4m05s") == 0, "4m05s", 0, 0);
    ui_fmt_duration(7380000, buf, sizeof buf);
    check(strcmp(buf, "2h03m") == 0, "2h03m", 0, 0);
}

static void test_lanes(void **state)
{
    (void)state;
    for (int rows = 0; rows <= 100; rows++)
        for (size_t n = 0; n <= 300; n++) {
            int per, shown;
            ui_lanes_fit(rows, n, &per, &shown);
            check(per >= 1 && per <= 4, "1 to 4 rows per lane", rows, (long)n);
            check(shown >= 0 && (size_t)shown <= n && shown * per <= rows, "lanes fit", rows,
                  (long)n);
            if (n > 0 && rows > 0)
                check(shown >= 1, "at least one lane shows", rows, (long)n);
            for (long want = -1; want < (long)n; want += 1 + (long)n / 7) {
                size_t first = ui_lanes_first(n, shown, want);
                check(first + (size_t)shown <= n || n <= (size_t)shown, "window inside", rows,
                      want);
                if (want >= 0 && shown > 0)
                    check((size_t)want >= first && (size_t)want < first + (size_t)shown,
                          "the wanted lane is shown", rows, want);
                if (want < 0 && shown > 0)
                    check(first + (size_t)shown == n || n <= (size_t)shown,
                          "without a wish, the newest lanes", rows, want);
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_every_size),
        cmocka_unit_test(test_canvas_geometry),
        cmocka_unit_test(test_time_columns_round_trip),
        cmocka_unit_test(test_follow_keeps_now_visible),
        cmocka_unit_test(test_zoom_fit),
        cmocka_unit_test(test_tokens_rows_round_trip),
        cmocka_unit_test(test_eighths),
        cmocka_unit_test(test_cell_fill),
        cmocka_unit_test(test_time_ticks),
        cmocka_unit_test(test_token_ticks),
        cmocka_unit_test(test_fmt_count),
        cmocka_unit_test(test_lanes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
