/* frame_bench.c: how long the UI takes to draw one canvas frame with many bands on screen. The
 * canvas is drawn into an off-screen curses terminal (newterm on /dev/null, xterm-256color,
 * 200x60) from a real engine with 1 200 requests running side by side, so about 1 000 bands cross
 * every column. Prints the median (and min, max) frame time of several runs, for the stacked and
 * the lanes view; the UI aims for under 2 ms.
 *
 * Build (from the repository root, after `make`): compile this file with the application flags
 * (-Iinclude -Isrc, ncursesw's cflags, -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE_EXTENDED) and
 * link it with every object of src/ui, build/libkvscope-app.a, build/libkvscope.a and the
 * ncursesw, libcjson and yaml-0.1 libraries (see docs/UI.md for the exact command).
 * Run: build/frame_bench [frames-per-run] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvscope/engine.h"
#include "ui/term.h"
#include "ui/view.h"

#define COLS_W 200
#define ROWS_H 60
#define REQUESTS 1200
#define RUNS 5

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One frame as the UI draws it: erase, draw, hand the changes to the (null) terminal. */
static double frame(WINDOW *w, const ui_view *v)
{
    double t0 = ui_term_clock_ms();
    werase(w);
    canvas_draw(w, v);
    wnoutrefresh(w);
    doupdate();
    return ui_term_clock_ms() - t0;
}

static void bench(const char *name, WINDOW *w, ui_view *v, int frames)
{
    double *med = malloc(sizeof(double) * RUNS), *all = malloc(sizeof(double) * (size_t)frames);
    double lo = 1e9, hi = 0;
    if (!med || !all)
        abort();
    frame(w, v); /* warm up: scratch buffers reach their size */
    for (int r = 0; r < RUNS; r++) {
        for (int i = 0; i < frames; i++) {
            /* Alternate the selection so that every frame really changes cells. */
            v->selected = (i % 2) ? (long)(i % REQUESTS) : -1;
            all[i] = frame(w, v);
            lo = all[i] < lo ? all[i] : lo;
            hi = all[i] > hi ? all[i] : hi;
        }
        qsort(all, (size_t)frames, sizeof *all, cmp_double);
        med[r] = all[frames / 2];
    }
    qsort(med, RUNS, sizeof *med, cmp_double);
    printf("frame_bench: %-7s %dx%d, %d bands: median %.3f ms (min %.3f, max %.3f; %d runs x %d "
           "frames)\n",
           name, COLS_W, ROWS_H, REQUESTS, med[RUNS / 2], lo, hi, RUNS, frames);
    free(med);
    free(all);
}

int main(int argc, char **argv)
{
    int frames = argc > 1 ? atoi(argv[1]) : 40;
    if (frames < 1)
        frames = 1;
    /* A wide batch: every request arrives at 0 and fits, so all run at once for 400+ steps. */
    kvs_request *reqs = calloc(REQUESTS, sizeof *reqs);
    if (!reqs)
        return 1;
    for (int i = 0; i < REQUESTS; i++) {
        reqs[i].arrival = 0;
        reqs[i].prompt = 10 + (i * 37) % 200;
        reqs[i].output = 400 + (i * 53) % 300;
        reqs[i].predicted = -1;
    }
    kvs_workload wl;
    memset(&wl, 0, sizeof wl);
    wl.memory = 2000000;
    wl.seed = 1;
    wl.info = kvs_info_params_default();
    wl.count = REQUESTS;
    wl.requests = reqs;
    kvs_config cfg = {.policy = KVS_POLICY_SVF, .admission = KVS_ADMIT_LOOKAHEAD, .information = KVS_INFO_EXACT};
    char why[256];
    kvs_engine *e = kvs_engine_new(&wl, cfg, why, sizeof why);
    if (!e) {
        fprintf(stderr, "frame_bench: %s\n", why);
        return 1;
    }
    kvs_engine_advance_to(e, 180);

    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    if (!out || !in)
        return 1;
    char lines[16], cols[16];
    snprintf(lines, sizeof lines, "%d", ROWS_H);
    snprintf(cols, sizeof cols, "%d", COLS_W);
    setenv("LINES", lines, 1);
    setenv("COLUMNS", cols, 1);
    SCREEN *scr = newterm("xterm-256color", out, in);
    if (!scr) {
        fprintf(stderr, "frame_bench: no terminfo entry for xterm-256color\n");
        return 1;
    }
    set_term(scr);
    ui_palette pal;
    ui_palette_init(&pal, true, false);
    WINDOW *w = newwin(ROWS_H, COLS_W, 0, 0);

    kvs_counters c;
    kvs_engine_counters(e, &c);
    ui_view v;
    memset(&v, 0, sizeof v);
    v.engine = e;
    v.pal = &pal;
    v.counters = &c;
    v.cfg = cfg;
    v.initial_cfg = cfg;
    v.follow = true;
    v.selected = -1;
    v.lane_scale = 1000;
    v.id_width = 4;
    v.scratch = canvas_scratch_new();
    v.vp.t0 = 0;
    v.vp.zoom = 0; /* one step per column: 180 columns of history */

    v.mode = UI_VIEW_STACKED;
    bench("stacked", w, &v, frames);
    v.mode = UI_VIEW_LANES;
    bench("lanes", w, &v, frames);
    v.mode = UI_VIEW_STACKED;
    v.vp.zoom = 2; /* 5 steps per column: averaging over steps */
    bench("zoomed", w, &v, frames);

    canvas_scratch_free(v.scratch);
    delwin(w);
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
    kvs_engine_free(e);
    free(reqs);
    return 0;
}
