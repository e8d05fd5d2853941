/* ui/palette.h: colours, attributes and glyphs, chosen once from the terminal's abilities and the
 * user's options (colour or not, 256 or 8 colours, Unicode or ASCII), so that panels draw with
 * roles ("the present", "a band of request 17") and never test the terminal themselves. */
#ifndef KVSCOPE_UI_PALETTE_H
#define KVSCOPE_UI_PALETTE_H

#include <ncurses.h>
#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

typedef enum {
    UI_ROLE_NORMAL,
    UI_ROLE_TITLE,    /* the top bar */
    UI_ROLE_BORDER,   /* panel frames */
    UI_ROLE_HEADING,  /* panel titles, column headers */
    UI_ROLE_DIM,      /* secondary text */
    UI_ROLE_VALUE,    /* numbers */
    UI_ROLE_BIG,      /* the big clock */
    UI_ROLE_GOOD,
    UI_ROLE_WARN,
    UI_ROLE_BAD,
    UI_ROLE_NOW,      /* the present line */
    UI_ROLE_MARKER,   /* policy switch lines */
    UI_ROLE_BUDGET,   /* the memory budget line */
    UI_ROLE_SELECTED, /* the selected request's text */
    UI_ROLE_KEY,      /* key names in the hint bar */
    UI_ROLE_KEYTEXT,  /* text of the hint bar */
    UI_ROLE_STATUS,   /* the status line */
    UI_ROLE_COUNT
} ui_role;

#define UI_MAX_BANDS 16

/* Glyphs, as wide characters so that ASCII and Unicode go through the same code. */
typedef struct {
    wchar_t eighth[9];     /* " " and lower one..eight eighths (ASCII: rounded) */
    wchar_t hbar[9];       /* left one..eight eighths, for horizontal bars */
    wchar_t h, v, tl, tr, bl, br;  /* box */
    wchar_t axis_v, axis_h, axis_tick_y, axis_tick_x, axis_corner;
    wchar_t now, marker, budget;
    wchar_t mono_band[4];  /* patterns telling bands apart without colour */
    wchar_t mono_selected;
    wchar_t upper_half, lower_half, full; /* big digits */
    const char *dot;       /* separator in text: " · " or " | " */
    const char *times;     /* "×" or "x" */
    const char *arrow;     /* "→" or "->" */
    const char *play, *pause;
    const char *focus;     /* marks the focused race lane: "▶" or ">" */
} ui_glyphs;

typedef struct {
    bool color;       /* colours in use */
    bool ascii;
    int colors;       /* 256, 8, or 0 */
    int nbands;       /* band colours (>= 1) */
    short band_fg[UI_MAX_BANDS + 1]; /* terminal colours; [nbands] = the selected request */
    /* pair[i][j]: foreground band i (nbands = selected) on background j (nbands + 1 = empty) */
    int band_pair[UI_MAX_BANDS + 1][UI_MAX_BANDS + 2];
    int role_pair[UI_ROLE_COUNT];
    attr_t role_attr[UI_ROLE_COUNT];
    ui_glyphs g;
} ui_palette;

/* Set up colours (after initscr) for `color` and `ascii` as the user asked; falls back to 8
 * colours or none as the terminal allows. */
void ui_palette_init(ui_palette *p, bool color, bool ascii);
/* The same without touching the terminal's colour tables (tests, benchmarks). */
void ui_palette_glyphs(ui_palette *p, bool ascii);

/* The band slot of request `req` (stable: by input index), or the selected slot. */
int ui_band_slot(const ui_palette *p, uint32_t req, bool selected);

/* One cell: glyph `ch` with band `fg` over band `bg` (-1 = empty background). */
void ui_put_band_cell(WINDOW *w, int y, int x, const ui_palette *p, wchar_t ch, int fg, int bg,
                      attr_t extra);
/* One cell of any glyph in a role. */
void ui_put_glyph(WINDOW *w, int y, int x, const ui_palette *p, wchar_t ch, ui_role role);
/* Text in a role, clipped to `maxw` columns (bytes are UTF-8; our strings are one column per
 * character). Returns the number of columns written. */
int ui_put_text(WINDOW *w, int y, int x, const ui_palette *p, ui_role role, const char *s, int maxw);
/* Fill columns [x, x + n) of row y with a glyph in a role. */
void ui_fill(WINDOW *w, int y, int x, int n, const ui_palette *p, wchar_t ch, ui_role role);
/* A frame around the whole window with `title` embedded in the top edge. */
void ui_box(WINDOW *w, const ui_palette *p, const char *title, bool focused);
/* Count display columns of a UTF-8 string of one-column characters. */
int ui_text_width(const char *s);

#endif
