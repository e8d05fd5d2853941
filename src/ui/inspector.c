/* ui/inspector.c: one request's story for the engineer: when it arrived, was admitted, evicted,
 * finished; how far along it is; what it holds now and what the scheduler believes about it. */
#include <stdio.h>
#include <string.h>

#include "ui/view.h"

/* A labelled row. A value too wide for the panel (40 columns on a 120-column terminal) first
 * loses its double spaces, then is cut with a visible '~' at the end, never silently. */
static void row(WINDOW *w, int y, const ui_palette *p, const char *label, ui_role r,
                const char *text)
{
    if (y >= getmaxy(w) - 1)
        return;
    int room = getmaxx(w) - 13;
    ui_put_text(w, y, 2, p, UI_ROLE_DIM, label, 9);
    char tight[256];
    if (ui_text_width(text) > room && strlen(text) < sizeof tight) {
        size_t n = 0;
        for (const char *s = text; *s; s++)
            if (!(s[0] == ' ' && s[1] == ' '))
                tight[n++] = *s;
        tight[n] = '\0';
        text = tight;
    }
    int used = ui_put_text(w, y, 11, p, r, text, room);
    if (ui_text_width(text) > room && room > 1 && used > 0)
        ui_put_text(w, y, 11 + room - 1, p, UI_ROLE_DIM, "~", 1);
}

static void fmt_opt(int64_t x, char *buf, size_t n)
{
    if (x < 0)
        snprintf(buf, n, "-");
    else
        ui_fmt_num(x, buf, n);
}

/* Draw text over rows y..last, breaking at spaces; returns the next free row. */
static int wrap_text(WINDOW *w, int y, int last, const ui_palette *p, ui_role role,
                     const char *text, int width)
{
    const char *s = text;
    char line[256];
    while (*s && y <= last) {
        int n = (int)strlen(s);
        if (n > width) {
            n = width;
            while (n > width / 2 && s[n] != ' ')
                n--;
            if (s[n] != ' ')
                n = width;
        }
        if (n >= (int)sizeof line)
            n = (int)sizeof line - 1;
        memcpy(line, s, (size_t)n);
        line[n] = '\0';
        ui_put_text(w, y++, 2, p, role, line, width);
        s += n;
        while (*s == ' ')
            s++;
    }
    return y;
}

void inspector_draw(WINDOW *w, const ui_view *v)
{
    const ui_palette *p = v->pal;
    int H = getmaxy(w), W = getmaxx(w);
    if (v->selected < 0 || (size_t)v->selected >= kvs_engine_request_count(v->engine)) {
        ui_box(w, p, "inspector", false);
        ui_put_text(w, 1, 2, p, UI_ROLE_DIM, "no request selected", W - 4);
        ui_put_text(w, 2, 2, p, UI_ROLE_DIM, "Tab: next request, click: pick one", W - 4);
        /* Meanwhile, where the workload and the budget came from, so a user can check them. */
        const kvs_scenario *sc = v->scenario;
        int y = 4, width = W - 4;
        if (!sc || width < 8)
            return;
        char text[700];
        if (sc->trace_file) {
            snprintf(text, sizeof text, "trace %s: %zu requests", sc->trace_file,
                     sc->workload.count);
            y = wrap_text(w, y, H - 2, p, UI_ROLE_NORMAL, text, width);
        }
        if (sc->memory_note && y < H - 1)
            wrap_text(w, y, H - 2, p, UI_ROLE_NORMAL, sc->memory_note, width);
        return;
    }
    size_t i = (size_t)v->selected;
    kvs_req_info ri;
    kvs_engine_request(v->engine, i, &ri);
    char id[64], title[96], line[160], a[32], b[32], c[32];
    ui_request_id(v, i, id, sizeof id);
    snprintf(title, sizeof title, "request %s%s%s", id, p->g.dot, kvs_req_state_name(ri.state));
    ui_box(w, p, title, true);
    int y = 1;

    ui_role sr = ri.state == KVS_REQ_RUNNING ? UI_ROLE_GOOD
               : ri.state == KVS_REQ_WAITING ? UI_ROLE_WARN : UI_ROLE_VALUE;
    fmt_opt(ri.arrival, a, sizeof a);
    fmt_opt(ri.start, b, sizeof b);
    fmt_opt(ri.finish, c, sizeof c);
    snprintf(line, sizeof line, "arrive %s  start %s  finish %s", a, b, c);
    row(w, y++, p, "times", UI_ROLE_VALUE, line);

    ui_fmt_num(ri.prompt, a, sizeof a);
    ui_fmt_num(ri.output, b, sizeof b);
    ui_fmt_count(ri.volume, c, sizeof c);
    snprintf(line, sizeof line, "prompt %s  out %s  vol %s", a, b, c);
    row(w, y++, p, "size", UI_ROLE_VALUE, line);

    /* Progress as a bar: output tokens produced across all residencies. */
    if (y < H - 1) {
        snprintf(line, sizeof line, "%lld/%lld ", (long long)ri.generated, (long long)ri.output);
        row(w, y, p, "progress", sr, line);
        int bx = 11 + ui_text_width(line), bw = W - 2 - bx;
        double frac = ri.output > 0 ? (double)ri.generated / (double)ri.output : 0;
        int e = (int)(frac * bw * 8 + 0.5);
        for (int k = 0; k < bw; k++) {
            int f = e - k * 8;
            f = f < 0 ? 0 : f > 8 ? 8 : f;
            if (f > 0 && p->g.hbar[f] != L' ')
                ui_put_glyph(w, y, bx + k, p, p->g.hbar[f], sr);
            else
                ui_put_glyph(w, y, bx + k, p, p->ascii ? L'.' : L'·', UI_ROLE_DIM);
        }
        y++;
    }

    switch (ri.state) {
    case KVS_REQ_RUNNING:
        ui_fmt_num(ri.tokens, a, sizeof a);
        ui_fmt_num(ri.residency_prompt, b, sizeof b);
        snprintf(line, sizeof line, "%s tokens (in at t=%lld with %s)", a, (long long)ri.admitted,
                 b);
        break;
    case KVS_REQ_WAITING:
        snprintf(line, sizeof line, "none: waiting, rebuilds %lld", (long long)ri.residency_prompt);
        break;
    case KVS_REQ_PENDING:
        snprintf(line, sizeof line, "none: arrives at t=%lld", (long long)ri.arrival);
        break;
    case KVS_REQ_DONE:
        snprintf(line, sizeof line, "none: finished at t=%lld", (long long)ri.finish);
        break;
    }
    row(w, y++, p, "holds", UI_ROLE_NORMAL, line);

    /* For a running request the engine's estimate covers its whole current residency (and
     * grows to g + 1 once overdue); what is left is that minus the tokens made since admission. */
    if (ri.state == KVS_REQ_DONE)
        snprintf(line, sizeof line, "-");
    else if (ri.estimate < 0)
        snprintf(line, sizeof line, "nothing (information: %s)",
                 kvs_information_name(v->cfg.information));
    else if (ri.state == KVS_REQ_RUNNING)
        snprintf(line, sizeof line, "%lld more (%s)",
                 (long long)(ri.estimate - (kvs_engine_now(v->engine) - ri.admitted)),
                 kvs_information_name(v->cfg.information));
    else
        snprintf(line, sizeof line, "%lld output tokens (%s)", (long long)ri.estimate,
                 kvs_information_name(v->cfg.information));
    row(w, y++, p, "expects", UI_ROLE_NORMAL, line);

    fmt_opt(ri.latency, a, sizeof a);
    fmt_opt(ri.ttft, b, sizeof b);
    fmt_opt(ri.waited, c, sizeof c);
    snprintf(line, sizeof line, "latency %s  TTFT %s  waited %s", a, b, c);
    row(w, y++, p, "metrics", UI_ROLE_VALUE, line);

    /* evictions only when there were some (the row below marks each one too): the story needs
     * the room on a short panel */
    if (ri.evictions > 0) {
        snprintf(line, sizeof line, "%lld", (long long)ri.evictions);
        row(w, y++, p, "evicted", UI_ROLE_BAD, line);
    }

    /* The residencies, from the engine's history: "15-40 evicted, 45-now". */
    if (y < H - 1) {
        const kvs_segment *sg;
        size_t n = kvs_engine_segments(v->engine, &sg);
        int64_t now = kvs_engine_now(v->engine);
        size_t len = 0;
        line[0] = '\0';
        for (size_t k = 0; k < n && len + 32 < sizeof line; k++) {
            if (sg[k].req != i)
                continue;
            if (sg[k].end == KVS_OPEN || sg[k].end > now)
                len += (size_t)snprintf(line + len, sizeof line - len, "%s%lld-now",
                                        len ? ", " : "", (long long)sg[k].start);
            else
                len += (size_t)snprintf(line + len, sizeof line - len, "%s%lld-%lld%s",
                                        len ? ", " : "", (long long)sg[k].start,
                                        (long long)sg[k].end, sg[k].evicted ? " evicted" : "");
        }
        row(w, y++, p, "ran", UI_ROLE_NORMAL, len ? line : "not yet");
    }

    /* Its story from the decision log (story.c), wrapped; the latest sentences matter most, so
     * when they do not all fit the first ones are dropped. */
    int room = H - 1 - y, width = W - 13;
    if (room <= 0 || width < 10 || v->story_lines == 0)
        return;
    int need = 0;
    for (size_t k = 0; k < v->story_lines; k++)
        need += (ui_text_width(v->story[k]) + width - 1) / width;
    size_t first = 0;
    while (need > room && first + 1 < v->story_lines)
        need -= (ui_text_width(v->story[first++]) + width - 1) / width;
    for (size_t k = first; k < v->story_lines && y < H - 1; k++) {
        const char *sp = v->story[k];
        bool label = true;
        while (*sp && y < H - 1) {
            int len = (int)strlen(sp);
            int cut = len <= width ? len : width;
            if (cut < len) /* break at a space */
                for (int bk = cut; bk > width / 2; bk--)
                    if (sp[bk] == ' ') {
                        cut = bk;
                        break;
                    }
            char part[200];
            snprintf(part, sizeof part, "%.*s", cut, sp);
            row(w, y++, p, label && k == first ? "story" : "", UI_ROLE_NORMAL, part);
            label = false;
            sp += cut;
            while (*sp == ' ')
                sp++;
        }
    }
}

ui_action inspector_key(const ui_view *v, int key)
{
    ui_action a = {UI_ACT_NONE, 0};
    (void)v;
    switch (key) {
    case '\t': a.kind = UI_ACT_SELECT_NEXT; break;
    case KEY_BTAB: a.kind = UI_ACT_SELECT_PREV; break;
    case KEY_DOWN: case 'j': a.kind = UI_ACT_SELECT_NEXT; break;
    case KEY_UP: case 'k': a.kind = UI_ACT_SELECT_PREV; break;
    case 27: a.kind = UI_ACT_CLEAR; break;
    default: break;
    }
    return a;
}
