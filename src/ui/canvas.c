/* ui/canvas.c: the time x memory picture. Each residency (an engine segment) is a band whose
 * height in a column is the tokens it held there; stacked in segment order (admission order, so a
 * band never jumps when another one ends), the top edge is the batch's memory. Lanes view gives
 * each request its own strip so its trapezoid keeps its true shape. Cells are filled in eighths:
 * the glyph "lower k eighths" in the colour of the band below over the colour of the band above. */
#include <stdlib.h>
#include <string.h>

#include "ui/view.h"

/* What the bands left in one cell of the plot. A cell can show two bands at most (the glyph's
 * foreground below, its background above), so it also remembers which band covers most of it:
 * in a crowd of thin bands that one gets the whole cell. */
typedef struct {
    int32_t bot;   /* band covering the cell's bottom eighth, or -1 */
    int32_t top;   /* band covering the cell's top eighth, or -1 */
    int32_t maj;   /* band covering most of the cell (the selected request always wins) */
    uint8_t botk;  /* eighths covered by `bot`, from the cell's bottom */
    uint8_t majk;  /* eighths covered by `maj` */
    uint8_t fill;  /* eighths covered by all bands together */
    uint8_t n;     /* bands touching the cell (saturates) */
} cell;

struct ui_canvas_scratch {
    size_t *vis;              /* visible segment indices, in segment order */
    size_t nvis, cap_vis;
    cell *cells;              /* [col * rows + row-from-bottom] */
    size_t cap_cells;
    int64_t *cu0, *cu1;       /* per column: its steps u0..u1 that have run (u1 < u0: none) */
    double *cinv;             /* per column: 1 / (steps that have run in it) */
    size_t cap_cu;
    double *cum;              /* per column: tokens stacked so far */
    int64_t *cum_e;           /* per column: eighths stacked so far */
    size_t cap_cols;
    /* lanes */
    struct lane { uint32_t req; size_t first; } *lanes;
    size_t nlanes, cap_lanes;
    double *lane_tok;         /* per shown lane and column */
    size_t cap_lane_tok;
};

static void *grow(void *p, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < want)
        n *= 2;
    void *q = realloc(p, n * elem);
    if (!q) {
        /* A frame we cannot draw is not worth a crash of the whole UI, but there is no sensible
         * way on: fail loudly like the rest of the project does on allocation failure. */
        endwin();
        abort();
    }
    *cap = n;
    return q;
}

ui_canvas_scratch *canvas_scratch_new(void)
{
    ui_canvas_scratch *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    return s;
}

void canvas_scratch_free(ui_canvas_scratch *s)
{
    if (!s)
        return;
    free(s->vis);
    free(s->cells);
    free(s->cum);
    free(s->cu0);
    free(s->cu1);
    free(s->cinv);
    free(s->cum_e);
    free(s->lanes);
    free(s->lane_tok);
    free(s);
}

ui_canvas_geom canvas_geometry(const ui_view *v, int w, int h)
{
    bool seconds = v->scenario && v->scenario->step_ms > 0;
    /* Token labels need 5 columns ("12.5k") plus "M"; lanes are labelled with ids. */
    int label_w = 6;
    if (v->mode == UI_VIEW_LANES && v->id_width > label_w)
        label_w = v->id_width > 12 ? 12 : v->id_width;
    return ui_canvas_geometry(w, h, label_w, seconds, true);
}

/* ---- what is on screen ---- */

typedef struct {
    ui_canvas_geom g;
    int cols, rows;           /* plot columns; scale rows (stacked: below the budget row) */
    int64_t now;
    int64_t t_end;            /* last step drawn */
    const kvs_segment *segs;
    size_t nsegs;
} frame;

/* Segments that hold at least one step u with t0 < u <= t_end. Segments are in admission order,
 * so their starts never decrease and none lasts longer than the longest output: a binary search
 * for start >= t0 - longest bounds the scan, whatever the history's length. */
static void collect_visible(const ui_view *v, frame *f)
{
    ui_canvas_scratch *s = v->scratch;
    f->nsegs = kvs_engine_segments(v->engine, &f->segs);
    s->nvis = 0;
    int64_t t0 = v->vp.t0;
    int64_t longest = kvs_engine_max_segment_length(v->engine);
    int64_t from = t0 - longest - 1;
    size_t lo = 0, hi = f->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->segs[mid].start < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < f->nsegs; i++) {
        const kvs_segment *sg = &f->segs[i];
        if (sg->start >= f->t_end)
            break;
        int64_t end = sg->end < f->now ? sg->end : f->now;
        if (end <= t0 || end <= sg->start)
            continue;
        s->vis = grow(s->vis, &s->cap_vis, s->nvis + 1, sizeof *s->vis);
        s->vis[s->nvis++] = i;
    }
}

static bool frame_init(const ui_view *v, int w, int h, frame *f)
{
    memset(f, 0, sizeof *f);
    f->g = canvas_geometry(v, w, h);
    if (!f->g.ok)
        return false;
    f->cols = f->g.plot.w;
    f->rows = f->g.plot.h - 1;
    f->now = kvs_engine_now(v->engine);
    int64_t end = v->vp.t0 + ui_vp_span(v->vp.zoom, f->cols);
    f->t_end = end < f->now ? end : f->now;
    collect_visible(v, f);
    /* Each column's steps once per frame, not once per band and column. */
    ui_canvas_scratch *s = v->scratch;
    size_t cap = s->cap_cu;
    s->cu0 = grow(s->cu0, &cap, (size_t)f->cols, sizeof *s->cu0);
    cap = s->cap_cu;
    s->cu1 = grow(s->cu1, &cap, (size_t)f->cols, sizeof *s->cu1);
    s->cinv = grow(s->cinv, &s->cap_cu, (size_t)f->cols, sizeof *s->cinv);
    for (int c = 0; c < f->cols; c++) {
        int64_t u0, u1;
        ui_vp_col_steps(v->vp, c, &u0, &u1);
        if (u1 > f->now)
            u1 = f->now;
        s->cu0[c] = u0;
        s->cu1[c] = u1;
        s->cinv[c] = u1 >= u0 ? 1.0 / (double)(u1 - u0 + 1) : 0.0;
    }
    return true;
}

/* Mean tokens segment `sg` held over the steps of column c (steps after now do not exist yet).
 * Averaging keeps area = volume when a column holds many steps. */
static double column_tokens(const ui_view *v, const frame *f, const kvs_segment *sg, int64_t c)
{
    const ui_canvas_scratch *s = v->scratch;
    int64_t u0 = s->cu0[c], u1 = s->cu1[c];
    if (u1 < u0)
        return 0;
    int64_t end = sg->end < f->now ? sg->end : f->now;
    int64_t a = u0 > sg->start + 1 ? u0 : sg->start + 1;
    int64_t b = u1 < end ? u1 : end;
    if (a > b)
        return 0;
    if (a == b && u0 == u1) /* one step per column: its tokens, no averaging */
        return (double)(sg->prompt + (a - sg->start));
    int64_t n = b - a + 1;
    /* sum over u = a..b of prompt + (u - start); (x + y) * n / 2 with n = y - x + 1 is exact. */
    double sum = (double)n * (double)sg->prompt +
                 (double)((a - sg->start) + (b - sg->start)) * (double)n / 2.0;
    return sum * s->cinv[c];
}

static void column_range(const ui_view *v, const frame *f, const kvs_segment *sg, int64_t *c0,
                         int64_t *c1)
{
    int64_t end = sg->end < f->now ? sg->end : f->now;
    /* Step u occupies the time interval [u - 1, u): the segment covers [start, end). */
    *c0 = ui_vp_time_to_col(v->vp, sg->start);
    *c1 = ui_vp_time_to_col(v->vp, end - 1);
    if (*c0 < 0)
        *c0 = 0;
    if (*c1 >= f->cols)
        *c1 = f->cols - 1;
}

/* Record that request `req` fills eighths [b, t) of column c. */
static void paint(ui_canvas_scratch *s, int rows, int64_t c, int64_t b, int64_t t, int32_t req,
                  long selected)
{
    if (t <= b)
        return;
    int r0 = (int)(b / 8), r1 = (int)((t - 1) / 8);
    if (r1 >= rows)
        r1 = rows - 1;
    for (int r = r0; r <= r1; r++) {
        cell *x = &s->cells[(size_t)c * (size_t)rows + (size_t)r];
        int64_t lo = b > (int64_t)r * 8 ? b : (int64_t)r * 8;
        int64_t hi = t < (int64_t)r * 8 + 8 ? t : (int64_t)r * 8 + 8;
        int cov = (int)(hi - lo);
        if (cov <= 0)
            continue;
        if (b <= (int64_t)r * 8) {
            x->bot = req;
            x->botk = (uint8_t)cov;
        }
        if (t >= (int64_t)r * 8 + 8)
            x->top = req;
        x->fill = (uint8_t)(x->fill + cov > 8 ? 8 : x->fill + cov);
        if (x->n < 255)
            x->n++;
        if (req == selected || (x->maj != selected && cov > x->majk) || x->maj < 0) {
            x->maj = req;
            x->majk = (uint8_t)cov;
        }
    }
}

static void reset_cells(ui_canvas_scratch *s, int cols, int rows)
{
    size_t n = (size_t)cols * (size_t)rows;
    s->cells = grow(s->cells, &s->cap_cells, n, sizeof *s->cells);
    const cell empty = {-1, -1, -1, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        s->cells[i] = empty;
    size_t ccap = s->cap_cols;
    s->cum = grow(s->cum, &ccap, (size_t)cols, sizeof *s->cum);
    s->cum_e = grow(s->cum_e, &s->cap_cols, (size_t)cols, sizeof *s->cum_e);
    for (int c = 0; c < cols; c++) {
        s->cum[c] = 0;
        s->cum_e[c] = 0;
    }
}

static void stack_bands(const ui_view *v, const frame *f)
{
    ui_canvas_scratch *s = v->scratch;
    reset_cells(s, f->cols, f->rows);
    int64_t M = kvs_engine_memory_budget(v->engine);
    for (size_t k = 0; k < s->nvis; k++) {
        const kvs_segment *sg = &f->segs[s->vis[k]];
        int64_t c0, c1;
        column_range(v, f, sg, &c0, &c1);
        for (int64_t c = c0; c <= c1; c++) {
            double h = column_tokens(v, f, sg, c);
            if (h <= 0)
                continue;
            s->cum[c] += h;
            int64_t e = ui_eighths(s->cum[c], M, f->rows);
            paint(s, f->rows, c, s->cum_e[c], e, (int32_t)sg->req, v->selected);
            s->cum_e[c] = e;
        }
    }
}

/* ---- lanes ---- */

static int cmp_lane_req(const void *a, const void *b)
{
    const struct lane *x = a, *y = b;
    if (x->req != y->req)
        return x->req < y->req ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int cmp_lane_first(const void *a, const void *b)
{
    const struct lane *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* One lane per request on screen, in the order of its first visible residency (admission order,
 * like a Gantt chart read top to bottom). */
static void build_lanes(const ui_view *v, const frame *f)
{
    ui_canvas_scratch *s = v->scratch;
    s->lanes = grow(s->lanes, &s->cap_lanes, s->nvis + 1, sizeof *s->lanes);
    for (size_t k = 0; k < s->nvis; k++) {
        s->lanes[k].req = f->segs[s->vis[k]].req;
        s->lanes[k].first = k;
    }
    qsort(s->lanes, s->nvis, sizeof *s->lanes, cmp_lane_req);
    size_t n = 0;
    for (size_t k = 0; k < s->nvis; k++)
        if (n == 0 || s->lanes[n - 1].req != s->lanes[k].req)
            s->lanes[n++] = s->lanes[k];
    qsort(s->lanes, n, sizeof *s->lanes, cmp_lane_first);
    s->nlanes = n;
}

typedef struct {
    int lane_rows, shown;
    size_t first;
} lane_window;

static lane_window lanes_window(const ui_view *v, const frame *f)
{
    ui_canvas_scratch *s = v->scratch;
    lane_window lw;
    ui_lanes_fit(f->rows, s->nlanes, &lw.lane_rows, &lw.shown);
    long want = -1;
    if (v->selected >= 0)
        for (size_t i = 0; i < s->nlanes; i++)
            if ((long)s->lanes[i].req == v->selected) {
                want = (long)i;
                break;
            }
    lw.first = ui_lanes_first(s->nlanes, lw.shown, want);
    return lw;
}

/* The lane (index into s->lanes) of request req among those shown, or -1. */
static long lane_of(const ui_canvas_scratch *s, const lane_window *lw, uint32_t req)
{
    for (size_t i = lw->first; i < lw->first + (size_t)lw->shown && i < s->nlanes; i++)
        if (s->lanes[i].req == req)
            return (long)i;
    return -1;
}

static void fill_lanes(const ui_view *v, const frame *f, const lane_window *lw)
{
    ui_canvas_scratch *s = v->scratch;
    reset_cells(s, f->cols, f->rows);
    size_t n = (size_t)lw->shown * (size_t)f->cols;
    s->lane_tok = grow(s->lane_tok, &s->cap_lane_tok, n + 1, sizeof *s->lane_tok);
    for (size_t i = 0; i < n; i++)
        s->lane_tok[i] = 0;
    /* A request evicted and re-admitted within one column has two segments there: add them. */
    for (size_t k = 0; k < s->nvis; k++) {
        const kvs_segment *sg = &f->segs[s->vis[k]];
        long lane = lane_of(s, lw, sg->req);
        if (lane < 0)
            continue;
        int64_t c0, c1;
        column_range(v, f, sg, &c0, &c1);
        for (int64_t c = c0; c <= c1; c++)
            s->lane_tok[(size_t)(lane - (long)lw->first) * (size_t)f->cols + (size_t)c] +=
                column_tokens(v, f, sg, c);
    }
    /* Lanes top to bottom; inside a lane rows count from the lane's bottom. */
    for (int li = 0; li < lw->shown; li++) {
        uint32_t req = s->lanes[lw->first + (size_t)li].req;
        int bottom_row = f->rows - 1 - li * lw->lane_rows - (lw->lane_rows - 1);
        for (int c = 0; c < f->cols; c++) {
            double tok = s->lane_tok[(size_t)li * (size_t)f->cols + (size_t)c];
            if (tok <= 0)
                continue;
            int64_t e = ui_eighths(tok, v->lane_scale, lw->lane_rows);
            if (e == 0)
                e = 1; /* a running request is never invisible */
            paint(s, f->rows, c, (int64_t)bottom_row * 8, (int64_t)bottom_row * 8 + e,
                  (int32_t)req, v->selected);
        }
    }
}

/* ---- drawing ---- */

static wchar_t mono_pattern(const ui_palette *p, int32_t req, bool sel)
{
    return sel ? p->g.mono_selected : p->g.mono_band[(uint32_t)req % 4u];
}

/* One plot cell. Two bands meeting in a cell share it through an eighth block; the top of the
 * stack is an eighth block over the empty background; a cell crossed by three or more bands
 * belongs to the one that covers most of it. */
static void draw_cell(WINDOW *w, const ui_view *v, int y, int x, const cell *c)
{
    const ui_palette *p = v->pal;
    if (c->n == 0)
        return;
    bool two = c->fill == 8 && c->n == 2 && c->bot >= 0 && c->top >= 0 && c->bot != c->top;
    int32_t main = two ? (c->botk >= 4 ? c->bot : c->top) : c->maj;
    bool msel = main == v->selected;
    attr_t attr = msel ? A_BOLD : A_NORMAL;
    if (!p->color) {
        wchar_t ch = mono_pattern(p, main, msel);
        if (c->fill < 8)
            ch = p->ascii ? (c->fill >= 4 ? ch : L'_') : p->g.eighth[c->fill];
        ui_put_band_cell(w, y, x, p, ch, -1, -1, attr);
        return;
    }
    int fm = ui_band_slot(p, (uint32_t)main, msel);
    if (p->ascii) {
        /* No partial glyphs: a cell is a band's when that band covers at least half of it. */
        if (c->fill < 4)
            ui_put_band_cell(w, y, x, p, L'_', fm, -1, attr);
        else
            ui_put_band_cell(w, y, x, p, L' ', fm, fm, attr);
        return;
    }
    if (c->fill < 8) {
        ui_put_band_cell(w, y, x, p, p->g.eighth[c->fill], fm, -1, attr);
    } else if (two) {
        int fb = ui_band_slot(p, (uint32_t)c->bot, c->bot == v->selected);
        int ft = ui_band_slot(p, (uint32_t)c->top, c->top == v->selected);
        ui_put_band_cell(w, y, x, p, p->g.eighth[c->botk], fb, ft,
                         c->bot == v->selected ? A_BOLD : A_NORMAL);
    } else {
        ui_put_band_cell(w, y, x, p, p->g.full, fm, fm, attr);
    }
}

static void draw_cells(WINDOW *w, const ui_view *v, const frame *f)
{
    const ui_canvas_scratch *s = v->scratch;
    int ybot = f->g.plot.y + f->g.plot.h - 1;
    for (int c = 0; c < f->cols; c++)
        for (int r = 0; r < f->rows; r++)
            draw_cell(w, v, ybot - r, f->g.plot.x + c,
                      &s->cells[(size_t)c * (size_t)f->rows + (size_t)r]);
}

static bool cell_empty(const ui_canvas_scratch *s, const frame *f, int c, int r)
{
    return s->cells[(size_t)c * (size_t)f->rows + (size_t)r].n == 0;
}

/* A vertical line through the empty cells of column c (and through full band cells, keeping the
 * band's colour behind it, so a switch stays visible inside a busy batch). */
static void plot_vline(WINDOW *w, const ui_view *v, const frame *f, int c, wchar_t ch, ui_role role)
{
    const ui_palette *p = v->pal;
    const ui_canvas_scratch *s = v->scratch;
    int ybot = f->g.plot.y + f->g.plot.h - 1;
    for (int r = 0; r < f->rows; r++) {
        const cell *x = &s->cells[(size_t)c * (size_t)f->rows + (size_t)r];
        if (cell_empty(s, f, c, r))
            ui_put_glyph(w, ybot - r, f->g.plot.x + c, p, ch, role);
        else if (p->color && x->fill == 8 && role == UI_ROLE_MARKER) {
            int bg = ui_band_slot(p, (uint32_t)x->maj, x->maj == v->selected);
            ui_put_band_cell(w, ybot - r, f->g.plot.x + c, p, ch, p->nbands, bg, A_BOLD);
        }
    }
    ui_put_glyph(w, f->g.plot.y, f->g.plot.x + c, p, ch, role);
}

static const char *switch_label(const kvs_config *prev, const kvs_config *cur)
{
    int ci = kvs_config_choice_index(*cur);
    const kvs_choice *ch = kvs_choice_at(ci);
    if (prev->policy != cur->policy || (ch && ci >= KVS_POLICY_COUNT))
        return ch ? ch->name : kvs_config_policy_name(*cur);
    if (prev->information != cur->information)
        return kvs_information_name(cur->information);
    if (prev->admission != cur->admission)
        return kvs_admission_name(cur->admission);
    return ch ? ch->name : kvs_config_policy_name(*cur);
}

static void draw_markers(WINDOW *w, const ui_view *v, const frame *f)
{
    const kvs_switch *sw;
    size_t n = kvs_engine_switches(v->engine, &sw);
    for (size_t i = 0; i < n; i++) {
        int64_t c = ui_vp_time_to_col(v->vp, sw[i].at);
        if (c < 0 || c >= f->cols || sw[i].at > f->now)
            continue;
        plot_vline(w, v, f, (int)c, v->pal->g.marker, UI_ROLE_MARKER);
    }
}

/* Labels after every line, so that the present line never cuts a label in two. */
static void draw_marker_labels(WINDOW *w, const ui_view *v, const frame *f)
{
    const kvs_switch *sw;
    size_t n = kvs_engine_switches(v->engine, &sw);
    kvs_config prev = v->initial_cfg;
    for (size_t i = 0; i < n; i++) {
        const char *label = switch_label(&prev, &sw[i].cfg);
        prev = sw[i].cfg;
        int64_t c = ui_vp_time_to_col(v->vp, sw[i].at);
        if (c < 0 || c >= f->cols || sw[i].at > f->now)
            continue;
        char buf[40];
        snprintf(buf, sizeof buf, "%s@%lld", label, (long long)sw[i].at);
        int len = ui_text_width(buf);
        int x = (int)c + 1;
        if (x + len > f->cols)
            x = (int)c - len;
        if (x >= 0)
            ui_put_text(w, f->g.plot.y, f->g.plot.x + x, v->pal, UI_ROLE_MARKER, buf, len);
    }
}

static void draw_present(WINDOW *w, const ui_view *v, const frame *f)
{
    int64_t c = ui_vp_time_to_col(v->vp, f->now);
    if (c < 0 || c >= f->cols)
        return;
    plot_vline(w, v, f, (int)c, v->pal->g.now, UI_ROLE_NOW);
    ui_put_glyph(w, f->g.axis_row, f->g.plot.x + (int)c, v->pal, v->pal->g.axis_tick_x,
                 UI_ROLE_NOW);
}

static void draw_axes(WINDOW *w, const ui_view *v, const frame *f, bool stacked)
{
    const ui_palette *p = v->pal;
    const ui_canvas_geom *g = &f->g;
    int ybot = g->plot.y + g->plot.h - 1;
    for (int y = g->plot.y; y <= ybot; y++)
        ui_put_glyph(w, y, g->axis_col, p, p->g.axis_v, UI_ROLE_BORDER);
    ui_put_glyph(w, g->axis_row, g->axis_col, p, p->g.axis_corner, UI_ROLE_BORDER);
    ui_fill(w, g->axis_row, g->plot.x, f->cols, p, p->g.axis_h, UI_ROLE_BORDER);
    ui_tick ticks[64];
    if (stacked) {
        int64_t M = kvs_engine_memory_budget(v->engine);
        int n = ui_ticks_tokens(M, f->rows, ticks, 64);
        for (int i = 0; i < n; i++) {
            int y = ybot - ticks[i].pos;
            ui_put_glyph(w, y, g->axis_col, p, p->g.axis_tick_y, UI_ROLE_BORDER);
            int len = ui_text_width(ticks[i].label);
            ui_put_text(w, y, g->axis_col - len, p, UI_ROLE_DIM, ticks[i].label, len);
        }
        /* The budget: a line across the top with its value, labelled "M" on the axis. */
        ui_fill(w, g->plot.y, g->plot.x, f->cols, p, p->g.budget, UI_ROLE_BUDGET);
        ui_put_glyph(w, g->plot.y, g->axis_col, p, p->g.axis_tick_y, UI_ROLE_BUDGET);
        ui_put_text(w, g->plot.y, g->axis_col - 1, p, UI_ROLE_BUDGET, "M", 1);
        char buf[64], m[24];
        ui_fmt_num(M, m, sizeof m);
        snprintf(buf, sizeof buf, " budget M = %s tokens ", m);
        int len = ui_text_width(buf);
        if (len < f->cols)
            ui_put_text(w, g->plot.y, g->plot.x + f->cols - len, p, UI_ROLE_BUDGET, buf, len);
    }
    int n = ui_ticks_time(v->vp, f->cols, ticks, 64);
    for (int i = 0; i < n; i++) {
        ui_put_glyph(w, g->axis_row, g->plot.x + ticks[i].pos, p, p->g.axis_tick_x,
                     UI_ROLE_BORDER);
        ui_put_text(w, g->ticks_row, g->plot.x + ticks[i].pos, p, UI_ROLE_DIM, ticks[i].label,
                    f->cols - ticks[i].pos);
    }
    ui_put_text(w, g->ticks_row, 1, p, UI_ROLE_DIM, "step", g->label_w);
    if (g->seconds_row >= 0) {
        n = ui_ticks_seconds(v->vp, f->cols, v->scenario->step_ms, ticks, 64);
        for (int i = 0; i < n; i++)
            ui_put_text(w, g->seconds_row, g->plot.x + ticks[i].pos, p, UI_ROLE_DIM,
                        ticks[i].label, f->cols - ticks[i].pos);
        ui_put_text(w, g->seconds_row, 1, p, UI_ROLE_DIM, "time", g->label_w);
    }
}

static void draw_legend(WINDOW *w, const ui_view *v, const frame *f, bool stacked)
{
    const ui_palette *p = v->pal;
    int y = f->g.legend_row;
    if (y < 0)
        return;
    int x = 2, maxx = getmaxx(w) - 2;
    /* A sample band in the first two band colours, or the first pattern without colour. */
    if (p->color) {
        ui_put_band_cell(w, y, x, p, p->ascii ? L' ' : p->g.eighth[5], 0, -1, 0);
        ui_put_band_cell(w, y, x + 1, p, p->ascii ? L' ' : p->g.full, 1, 1, 0);
    } else {
        ui_put_band_cell(w, y, x, p, p->g.mono_band[0], -1, -1, 0);
        ui_put_band_cell(w, y, x + 1, p, p->g.mono_band[1], -1, -1, 0);
    }
    x += 3;
    x += ui_put_text(w, y, x, p, UI_ROLE_NORMAL,
                     stacked ? "request: height = its KV tokens, top edge = batch memory"
                             : "one lane per request: its own trapezoid",
                     maxx - x);
    struct { wchar_t ch; ui_role role; const char *text; } items[] = {
        {p->g.budget, UI_ROLE_BUDGET, "budget"},
        {p->g.now, UI_ROLE_NOW, "now"},
        {p->g.marker, UI_ROLE_MARKER, "policy switch"},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if (!stacked && items[i].role == UI_ROLE_BUDGET)
            continue;
        int len = ui_text_width(items[i].text);
        if (x + 3 + len >= maxx)
            return;
        x += 2;
        ui_put_glyph(w, y, x, p, items[i].ch, items[i].role);
        x += 2;
        x += ui_put_text(w, y, x, p, UI_ROLE_NORMAL, items[i].text, maxx - x);
    }
    if (v->selected >= 0 && x + 12 < maxx) {
        x += 2;
        if (p->color)
            ui_put_band_cell(w, y, x, p, p->ascii ? L' ' : p->g.full, p->nbands, p->nbands, 0);
        else
            ui_put_band_cell(w, y, x, p, p->g.mono_selected, -1, -1, A_BOLD);
        x += 2;
        ui_put_text(w, y, x, p, UI_ROLE_NORMAL, "selected", maxx - x);
    }
}

static void draw_lane_labels(WINDOW *w, const ui_view *v, const frame *f, const lane_window *lw)
{
    const ui_canvas_scratch *s = v->scratch;
    const ui_palette *p = v->pal;
    int ybot = f->g.plot.y + f->g.plot.h - 1;
    for (int li = 0; li < lw->shown; li++) {
        uint32_t req = s->lanes[lw->first + (size_t)li].req;
        int bottom_row = f->rows - 1 - li * lw->lane_rows - (lw->lane_rows - 1);
        int y = ybot - bottom_row;
        char id[32];
        ui_request_id(v, req, id, sizeof id);
        int len = ui_text_width(id);
        if (len > f->g.label_w)
            len = f->g.label_w;
        ui_put_text(w, y, f->g.axis_col - len, p,
                    (long)req == v->selected ? UI_ROLE_SELECTED : UI_ROLE_DIM, id, len);
        ui_put_glyph(w, y, f->g.axis_col, p, p->g.axis_tick_y, UI_ROLE_BORDER);
    }
    /* The top row says which lanes these are and what a full lane means. */
    char buf[128], sc[24];
    ui_fmt_num(v->lane_scale, sc, sizeof sc);
    if (s->nlanes == 0)
        snprintf(buf, sizeof buf, " nothing ran in this window ");
    else
        snprintf(buf, sizeof buf, " lanes %zu-%zu of %zu%sfull lane = %s tokens ",
                 lw->first + 1, lw->first + (size_t)lw->shown, s->nlanes, p->g.dot, sc);
    int len = ui_text_width(buf);
    if (len < f->cols)
        ui_put_text(w, f->g.plot.y, f->g.plot.x + f->cols - len, p, UI_ROLE_DIM, buf, len);
}

void canvas_draw(WINDOW *w, const ui_view *v)
{
    int h = getmaxy(w), wd = getmaxx(w);
    bool stacked = v->mode == UI_VIEW_STACKED;
    char title[160];
    int64_t spc = ui_zoom_steps_per_col(v->vp.zoom);
    int cps = ui_zoom_cols_per_step(v->vp.zoom);
    char zoom[32];
    if (cps > 1)
        snprintf(zoom, sizeof zoom, "%d cols/step", cps);
    else
        snprintf(zoom, sizeof zoom, "%lld step%s/col", (long long)spc, spc == 1 ? "" : "s");
    snprintf(title, sizeof title, "%s%smemory %s time%s%s%s%s%s",
             v->title_prefix ? v->title_prefix : "", v->title_prefix ? v->pal->g.dot : "",
             v->pal->g.times, v->pal->g.dot, stacked ? "stacked" : "lanes", v->pal->g.dot, zoom,
             v->follow ? "" : (v->pal->ascii ? " | scrolled (f: follow)" : " · scrolled (f: follow)"));
    /* A focused race lane: its frame and its "> lane 2: svf" in the highlighted roles. */
    ui_box(w, v->pal, title, v->lane_focused);
    if (v->lane_focused && v->title_prefix && wd > 7)
        ui_put_text(w, 0, 3, v->pal, UI_ROLE_TITLE, v->title_prefix, wd - 7);
    frame f;
    if (!frame_init(v, wd, h, &f)) {
        ui_put_text(w, 1, 1, v->pal, UI_ROLE_DIM, "(too small to plot)", wd - 2);
        return;
    }
    lane_window lw = {1, 0, 0};
    if (stacked) {
        stack_bands(v, &f);
    } else {
        build_lanes(v, &f);
        lw = lanes_window(v, &f);
        fill_lanes(v, &f, &lw);
    }
    draw_axes(w, v, &f, stacked);
    draw_cells(w, v, &f);
    if (!stacked)
        draw_lane_labels(w, v, &f, &lw);
    draw_markers(w, v, &f);
    draw_present(w, v, &f);
    draw_marker_labels(w, v, &f);
    draw_legend(w, v, &f, stacked);
}

long canvas_hit(WINDOW *w, const ui_view *v, int y, int x)
{
    frame f;
    if (!frame_init(v, getmaxx(w), getmaxy(w), &f))
        return -1;
    int c = x - f.g.plot.x;
    int r = f.g.plot.y + f.g.plot.h - 1 - y;
    if (c < 0 || c >= f.cols || r < 0 || r >= f.rows)
        return -1;
    const ui_canvas_scratch *s = v->scratch;
    if (v->mode == UI_VIEW_STACKED) {
        stack_bands(v, &f);
    } else {
        build_lanes(v, &f);
        lane_window lw = lanes_window(v, &f);
        /* Anywhere in a lane's rows selects that lane's request, even where it has no band. */
        int from_top = f.rows - 1 - r;
        int li = from_top / lw.lane_rows;
        if (li >= lw.shown)
            return -1;
        return (long)s->lanes[lw.first + (size_t)li].req;
    }
    /* The band that covers most of the cell is the one the eye sees there. */
    const cell *hit = &s->cells[(size_t)c * (size_t)f.rows + (size_t)r];
    return hit->n ? hit->maj : -1;
}

ui_action canvas_key(WINDOW *w, const ui_view *v, int key, int y, int x)
{
    ui_action a = {UI_ACT_NONE, 0};
    int half = w ? (getmaxx(w) - 10) / 2 : 20;
    if (half < 1)
        half = 1;
    switch (key) {
    case 'v': a.kind = UI_ACT_VIEW; break;
    case 'z': a.kind = UI_ACT_ZOOM_IN; break;
    case 'Z': a.kind = UI_ACT_ZOOM_OUT; break;
    case KEY_PPAGE: a.kind = UI_ACT_SCROLL; a.arg = -half; break;
    case KEY_NPAGE: a.kind = UI_ACT_SCROLL; a.arg = half; break;
    case KEY_HOME: a.kind = UI_ACT_HOME; break;
    case KEY_END: a.kind = UI_ACT_END; break;
    case 'f': a.kind = UI_ACT_FOLLOW; break;
    case KEY_MOUSE: { /* a click at (y, x): select what is drawn there */
        long req = w ? canvas_hit(w, v, y, x) : -1;
        if (req >= 0) {
            a.kind = UI_ACT_SELECT;
            a.arg = req;
        }
        break;
    }
    default: break;
    }
    return a;
}
