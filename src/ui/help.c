/* ui/help.c: the overlay that lists every key (opened with ? or F1, closed by any key), and the
 * message shown instead of panels when the terminal is too small. */
#include <stdio.h>
#include <string.h>

#include "ui/view.h"

typedef struct {
    const char *key, *what;
} help_line;

/* NULL key = a section heading. */
static const help_line help_lines[] = {
    {NULL, "Time"},
    {"Space", "pause / resume"},
    {"Right  l", "one step forward (pauses)"},
    {"Left  h", "one step back (down to t = 0)"},
    {"+  -", "faster / slower (steps per second, up to max)"},
    {"r", "restart from t = 0 with the current policy (every lane)"},
    {NULL, "Scheduler (switch at any time; marked on the time axis)"},
    {"p  P", "next / previous queue order (fcfs sjf svf spf)"},
    {"1 .. 7", "fcfs sjf svf spf mcsf svf-1bit vllm"},
    {"a", "admission: lookahead <-> current"},
    {"i", "information: exact, predicted, onebit, none"},
    {"[  ]  click", "race: focus a lane; the keys above act on it"},
    {"c", "race: add a lane with the next policy (up to 4)"},
    {NULL, "View"},
    {"v", "stacked bands <-> one lane per request"},
    {"z  Z", "zoom time in / out"},
    {"PgUp  PgDn", "scroll back / forward in time"},
    {"Home  End", "go to t = 0 / follow the present"},
    {"f", "follow the present on / off"},
    {NULL, "Requests"},
    {"Tab  S-Tab", "select the next / previous request (also Down Up j k)"},
    {"click", "select the band or queue row under the mouse"},
    {"Esc", "clear the selection"},
    {NULL, "Other"},
    {"?  F1", "this help (any key closes it)"},
    {"Ctrl-L", "redraw the screen"},
    {"q  F10", "quit"},
};
#define NHELP (sizeof help_lines / sizeof help_lines[0])

void help_size(const ui_view *v, int *h, int *w)
{
    (void)v;
    *h = (int)NHELP + 2 + 2 + KVS_CHOICE_COUNT + 1;
    *w = 78;
}

void help_draw(WINDOW *w, const ui_view *v)
{
    const ui_palette *p = v->pal;
    int H = getmaxy(w), W = getmaxx(w);
    werase(w);
    ui_box(w, p, "kvscope keys (any key closes)", true);
    int y = 1;
    for (size_t i = 0; i < NHELP && y < H - 1; i++, y++) {
        if (!help_lines[i].key) {
            ui_put_text(w, y, 2, p, UI_ROLE_HEADING, help_lines[i].what, W - 4);
            continue;
        }
        ui_put_text(w, y, 4, p, UI_ROLE_KEY, help_lines[i].key, 13);
        ui_put_text(w, y, 18, p, UI_ROLE_NORMAL, help_lines[i].what, W - 20);
    }
    if (y + 2 >= H - 1)
        return;
    y++;
    ui_put_text(w, y++, 2, p, UI_ROLE_HEADING, "Policies", W - 4);
    for (int i = 0; i < KVS_CHOICE_COUNT && y < H - 1; i++, y++) {
        const kvs_choice *ch = kvs_choice_at(i);
        char key[16], line[160];
        snprintf(key, sizeof key, "%d", i + 1);
        ui_put_text(w, y, 4, p, UI_ROLE_KEY, key, 1);
        snprintf(line, sizeof line, "%-9s %s", ch->name, ch->summary);
        ui_put_text(w, y, 7, p, kvs_config_choice_index(v->cfg) == i ? UI_ROLE_VALUE
                                                                     : UI_ROLE_NORMAL,
                    line, W - 9);
    }
}

ui_action help_key(const ui_view *v, int key)
{
    ui_action a = {UI_ACT_HELP, 0};
    (void)v;
    (void)key;
    return a;
}

void too_small_draw(WINDOW *w, const ui_palette *p, int cols, int rows)
{
    char l1[64], l2[64];
    snprintf(l1, sizeof l1, "terminal too small: %dx%d", cols, rows);
    snprintf(l2, sizeof l2, "kvscope needs at least %dx%d", UI_MIN_W, UI_MIN_H);
    const char *l3 = "enlarge the window, or q to quit";
    const char *lines[3] = {l1, l2, l3};
    int y0 = rows >= 3 ? rows / 2 - 1 : 0;
    for (int i = 0; i < 3; i++) {
        int len = (int)strlen(lines[i]);
        /* Centered; when even the message does not fit, start at the left edge and clip. */
        int x = (cols - len) / 2;
        if (x < 0)
            x = 0;
        int y = y0 + i;
        if (y < 0 || y >= rows)
            continue;
        ui_put_text(w, y, x, p, i == 0 ? UI_ROLE_WARN : UI_ROLE_NORMAL, lines[i], cols - x);
    }
}
