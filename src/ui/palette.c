/* ui/palette.c: the colour pairs, attributes and glyph sets behind palette.h. Colour pairs are
 * allocated once at start-up; a pair shared by a band and a role is allocated once. */
#include "ui/palette.h"

#include <string.h>

#include "io/colors.h"

/* The 256-colour band hues are shared with the figure writers: io/colors.h. */
_Static_assert(UI_MAX_BANDS == KVS_BAND_COLORS, "one band colour table for the UI and figures");
static const short band8[] = {COLOR_BLUE, COLOR_YELLOW, COLOR_GREEN, COLOR_RED, COLOR_MAGENTA,
                              COLOR_CYAN};

typedef struct {
    short fg[512], bg[512];
    int n, max;
} pair_alloc;

/* The pair for (fg, bg), allocating it on first use; 0 (the terminal default) when out of pairs. */
static int pair_get(pair_alloc *a, short fg, short bg)
{
    for (int i = 0; i < a->n; i++)
        if (a->fg[i] == fg && a->bg[i] == bg)
            return i + 1;
    if (a->n + 1 >= a->max || a->n >= 512)
        return 0;
    int id = a->n + 1;
    if (init_pair((short)id, fg, bg) == ERR)
        return 0;
    a->fg[a->n] = fg;
    a->bg[a->n] = bg;
    a->n++;
    return id;
}

void ui_palette_glyphs(ui_palette *p, bool ascii)
{
    ui_glyphs *g = &p->g;
    p->ascii = ascii;
    if (!ascii) {
        const wchar_t e[9] = {L' ', L'▁', L'▂', L'▃', L'▄', L'▅', L'▆', L'▇', L'█'};
        const wchar_t hb[9] = {L' ', L'▏', L'▎', L'▍', L'▌', L'▋', L'▊', L'▉', L'█'};
        memcpy(g->eighth, e, sizeof e);
        memcpy(g->hbar, hb, sizeof hb);
        g->h = L'─'; g->v = L'│';
        g->tl = L'╭'; g->tr = L'╮'; g->bl = L'╰'; g->br = L'╯';
        g->axis_v = L'│'; g->axis_h = L'─'; g->axis_tick_y = L'┤'; g->axis_tick_x = L'┴';
        g->axis_corner = L'└';
        g->now = L'┃'; g->marker = L'┊'; g->budget = L'━';
        g->mono_band[0] = L'▓'; g->mono_band[1] = L'▒'; g->mono_band[2] = L'░';
        g->mono_band[3] = L'▚';
        g->mono_selected = L'█';
        g->upper_half = L'▀'; g->lower_half = L'▄'; g->full = L'█';
        g->dot = " · "; g->times = "×"; g->arrow = "→"; g->play = "▶"; g->pause = "‖";
        g->focus = "▶";
    } else {
        /* ASCII has no partial cells: a cell is a band's when the band covers at least half. */
        const wchar_t e[9] = {L' ', L'_', L'_', L'_', L'#', L'#', L'#', L'#', L'#'};
        const wchar_t hb[9] = {L' ', L' ', L' ', L' ', L'#', L'#', L'#', L'#', L'#'};
        memcpy(g->eighth, e, sizeof e);
        memcpy(g->hbar, hb, sizeof hb);
        g->h = L'-'; g->v = L'|';
        g->tl = g->tr = g->bl = g->br = L'+';
        g->axis_v = L'|'; g->axis_h = L'-'; g->axis_tick_y = L'+'; g->axis_tick_x = L'+';
        g->axis_corner = L'+';
        g->now = L'|'; g->marker = L':'; g->budget = L'=';
        g->mono_band[0] = L'%'; g->mono_band[1] = L'o'; g->mono_band[2] = L'*';
        g->mono_band[3] = L'x';
        g->mono_selected = L'#';
        g->upper_half = L'#'; g->lower_half = L'#'; g->full = L'#';
        g->dot = " | "; g->times = "x"; g->arrow = "->"; g->play = ">"; g->pause = "||";
        g->focus = ">";
    }
}

static void roles_mono(ui_palette *p)
{
    for (int r = 0; r < UI_ROLE_COUNT; r++) {
        p->role_pair[r] = 0;
        p->role_attr[r] = A_NORMAL;
    }
    p->role_attr[UI_ROLE_TITLE] = A_REVERSE | A_BOLD;
    p->role_attr[UI_ROLE_HEADING] = A_BOLD;
    p->role_attr[UI_ROLE_DIM] = A_DIM;
    p->role_attr[UI_ROLE_VALUE] = A_BOLD;
    p->role_attr[UI_ROLE_BIG] = A_BOLD;
    p->role_attr[UI_ROLE_WARN] = A_BOLD;
    p->role_attr[UI_ROLE_BAD] = A_BOLD | A_UNDERLINE;
    p->role_attr[UI_ROLE_NOW] = A_BOLD;
    p->role_attr[UI_ROLE_MARKER] = A_BOLD;
    p->role_attr[UI_ROLE_BUDGET] = A_BOLD;
    p->role_attr[UI_ROLE_SELECTED] = A_REVERSE;
    p->role_attr[UI_ROLE_KEY] = A_REVERSE;
    p->role_attr[UI_ROLE_STATUS] = A_BOLD;
}

void ui_palette_init(ui_palette *p, bool color, bool ascii)
{
    memset(p, 0, sizeof *p);
    ui_palette_glyphs(p, ascii);
    roles_mono(p);
    p->nbands = 4; /* mono patterns */
    if (!color || !has_colors() || start_color() == ERR || COLORS < 8) {
        p->color = false;
        return;
    }
    short empty = use_default_colors() == OK ? -1 : COLOR_BLACK;
    pair_alloc a;
    memset(&a, 0, sizeof a);
    a.max = COLOR_PAIRS > 32767 ? 32767 : COLOR_PAIRS;
    p->color = true;
    p->colors = COLORS >= 256 ? 256 : 8;
    bool c256 = p->colors == 256;
    int nb = c256 ? UI_MAX_BANDS : (int)(sizeof band8 / sizeof band8[0]);
    /* Fewer bands when the terminal has few pairs: (nb + 1) * (nb + 2) band pairs + ~12 roles. */
    while (nb > 2 && (nb + 1) * (nb + 2) + 12 >= a.max)
        nb--;
    p->nbands = nb;
    for (int i = 0; i < nb; i++)
        p->band_fg[i] = c256 ? kvs_band_xterm[i] : band8[i];
    p->band_fg[nb] = c256 ? 231 : COLOR_WHITE;
    for (int i = 0; i <= nb; i++) {
        for (int j = 0; j <= nb; j++)
            p->band_pair[i][j] = pair_get(&a, p->band_fg[i], p->band_fg[j]);
        p->band_pair[i][nb + 1] = pair_get(&a, p->band_fg[i], empty);
    }
    struct { ui_role r; short f256, b256, f8, b8; attr_t attr; } roles[] = {
        {UI_ROLE_TITLE, 231, 24, COLOR_WHITE, COLOR_BLUE, A_BOLD},
        {UI_ROLE_BORDER, 240, -1, COLOR_BLUE, -1, A_NORMAL},
        {UI_ROLE_HEADING, 81, -1, COLOR_CYAN, -1, A_BOLD},
        {UI_ROLE_DIM, 245, -1, COLOR_WHITE, -1, A_NORMAL},
        {UI_ROLE_VALUE, 231, -1, COLOR_WHITE, -1, A_BOLD},
        {UI_ROLE_BIG, 221, -1, COLOR_YELLOW, -1, A_BOLD},
        {UI_ROLE_GOOD, 114, -1, COLOR_GREEN, -1, A_NORMAL},
        {UI_ROLE_WARN, 214, -1, COLOR_YELLOW, -1, A_BOLD},
        {UI_ROLE_BAD, 203, -1, COLOR_RED, -1, A_BOLD},
        {UI_ROLE_NOW, 226, -1, COLOR_YELLOW, -1, A_BOLD},
        {UI_ROLE_MARKER, 213, -1, COLOR_MAGENTA, -1, A_BOLD},
        {UI_ROLE_BUDGET, 196, -1, COLOR_RED, -1, A_BOLD},
        {UI_ROLE_SELECTED, 16, 229, COLOR_BLACK, COLOR_WHITE, A_NORMAL},
        {UI_ROLE_KEY, 16, 81, COLOR_BLACK, COLOR_CYAN, A_NORMAL},
        {UI_ROLE_KEYTEXT, 252, -1, COLOR_WHITE, -1, A_NORMAL},
        {UI_ROLE_STATUS, 229, 236, COLOR_YELLOW, -1, A_BOLD},
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        short f = c256 ? roles[i].f256 : roles[i].f8;
        short b = c256 ? roles[i].b256 : roles[i].b8;
        if (b == -1)
            b = empty;
        p->role_pair[roles[i].r] = pair_get(&a, f, b);
        p->role_attr[roles[i].r] = roles[i].attr;
    }
    if (!c256)
        p->role_attr[UI_ROLE_DIM] = A_DIM;
}

int ui_band_slot(const ui_palette *p, uint32_t req, bool selected)
{
    if (selected)
        return p->nbands;
    return kvs_band_slot(req, p->nbands);
}

static void put_cchar(WINDOW *w, int y, int x, wchar_t ch, attr_t attr, int pair)
{
    cchar_t cc;
    wchar_t s[2] = {ch, L'\0'};
    setcchar(&cc, s, attr, (short)pair, NULL);
    mvwadd_wch(w, y, x, &cc);
}

void ui_put_band_cell(WINDOW *w, int y, int x, const ui_palette *p, wchar_t ch, int fg, int bg,
                      attr_t extra)
{
    int pair = 0;
    if (p->color && fg >= 0 && fg <= p->nbands) {
        int j = (bg < 0 || bg > p->nbands) ? p->nbands + 1 : bg;
        pair = p->band_pair[fg][j];
    }
    put_cchar(w, y, x, ch, extra, pair);
}

void ui_put_glyph(WINDOW *w, int y, int x, const ui_palette *p, wchar_t ch, ui_role role)
{
    put_cchar(w, y, x, ch, p->role_attr[role], p->role_pair[role]);
}

int ui_text_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int ui_put_text(WINDOW *w, int y, int x, const ui_palette *p, ui_role role, const char *s, int maxw)
{
    int room = getmaxx(w) - x;
    if (maxw < 0 || maxw > room)
        maxw = room;
    if (maxw <= 0 || y < 0 || y >= getmaxy(w) || x < 0)
        return 0;
    /* Clip at a character boundary: count lead bytes, never cut a UTF-8 sequence. */
    int cols = 0;
    size_t bytes = 0;
    while (s[bytes]) {
        if (((unsigned char)s[bytes] & 0xC0) != 0x80) {
            if (cols == maxw)
                break;
            cols++;
        }
        bytes++;
    }
    wattr_set(w, p->role_attr[role], (short)p->role_pair[role], NULL);
    mvwaddnstr(w, y, x, s, (int)bytes);
    wattr_set(w, A_NORMAL, 0, NULL);
    return cols;
}

void ui_fill(WINDOW *w, int y, int x, int n, const ui_palette *p, wchar_t ch, ui_role role)
{
    int maxx = getmaxx(w);
    for (int i = 0; i < n && x + i < maxx; i++)
        ui_put_glyph(w, y, x + i, p, ch, role);
}

void ui_box(WINDOW *w, const ui_palette *p, const char *title, bool focused)
{
    int h = getmaxy(w), wd = getmaxx(w);
    if (h < 2 || wd < 2)
        return;
    ui_role r = focused ? UI_ROLE_HEADING : UI_ROLE_BORDER;
    ui_fill(w, 0, 1, wd - 2, p, p->g.h, r);
    ui_fill(w, h - 1, 1, wd - 2, p, p->g.h, r);
    for (int y = 1; y < h - 1; y++) {
        ui_put_glyph(w, y, 0, p, p->g.v, r);
        ui_put_glyph(w, y, wd - 1, p, p->g.v, r);
    }
    ui_put_glyph(w, 0, 0, p, p->g.tl, r);
    ui_put_glyph(w, 0, wd - 1, p, p->g.tr, r);
    ui_put_glyph(w, h - 1, 0, p, p->g.bl, r);
    ui_put_glyph(w, h - 1, wd - 1, p, p->g.br, r);
    if (title && *title && wd > 6) {
        int x = 2;
        x += ui_put_text(w, 0, x, p, r, " ", wd - 3 - x);
        x += ui_put_text(w, 0, x, p, UI_ROLE_HEADING, title, wd - 4 - x);
        ui_put_text(w, 0, x, p, r, " ", wd - 2 - x);
    }
}
