/* ui/queue.c: the waiting queue exactly as the engine orders it (policy key, then arrival, then
 * input position), with the policy's key for each row, and the engine's own words for why the
 * head of the queue was not admitted at the last decision point. */
#include <stdio.h>
#include <string.h>

#include "ui/view.h"

#define QUEUE_MAX_ROWS 256

typedef struct {
    int header_y, first_y, rows;   /* entry rows: first_y .. first_y + rows - 1 */
    int reason_y, reason_rows;     /* the separator and the block reason below the entries */
    bool rank, prompt, waited;     /* optional columns, dropped on narrow panels */
    int id_w;
} queue_geom;

static queue_geom geometry(int H, int W)
{
    queue_geom g;
    memset(&g, 0, sizeof g);
    int inner = H - 2, iw = W - 4;
    g.reason_rows = inner >= 12 ? 4 : inner >= 8 ? 3 : inner >= 5 ? 2 : 0;
    g.header_y = 1;
    g.first_y = 2;
    g.rows = inner - 1 - g.reason_rows;
    if (g.rows < 0)
        g.rows = 0;
    if (g.rows > QUEUE_MAX_ROWS)
        g.rows = QUEUE_MAX_ROWS;
    g.reason_y = g.first_y + g.rows;
    /* The id and the policy's key matter most; then the estimate, the prompt, the wait, the
     * rank. key 7 and est 5 (+ a space each) always; prompt 7, waited 7, rank 5 when room. */
    g.rank = g.prompt = g.waited = true;
    int want_id = 8;
    int fixed = 8 + 6 + 7 + 7 + 5;
    if (iw - fixed < want_id) { g.rank = false; fixed -= 5; }
    if (iw - fixed < want_id) { g.waited = false; fixed -= 7; }
    if (iw - fixed < want_id) { g.prompt = false; fixed -= 7; }
    g.id_w = iw - fixed;
    if (g.id_w > 16)
        g.id_w = 16;
    if (g.id_w < 3)
        g.id_w = 3;
    return g;
}

/* One row of the table; the header passes strings, the rows too. */
static void table_row(char *buf, size_t n, const queue_geom *g, const char *rank, const char *id,
                      const char *key, const char *prompt, const char *est, const char *waited)
{
    size_t len = 0;
    if (g->rank)
        len += (size_t)snprintf(buf + len, n - len, "%4s ", rank);
    len += (size_t)snprintf(buf + len, n - len, "%-*.*s %7s", g->id_w, g->id_w, id, key);
    if (g->prompt && len < n)
        len += (size_t)snprintf(buf + len, n - len, " %6s", prompt);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len, " %5s", est);
    if (g->waited && len < n)
        snprintf(buf + len, n - len, " %6s", waited);
}

/* Word-wrap `s` into rows of width w starting at (y, x), at most `rows` rows. */
static void wrap(WINDOW *win, int y, int x, int w, int rows, const ui_palette *p, ui_role r,
                 const char *s)
{
    while (*s && rows > 0 && w > 0) {
        int len = (int)strlen(s);
        int cut = len;
        if (len > w) {
            cut = w;
            while (cut > 0 && s[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = w;
        }
        ui_put_text(win, y, x, p, r, s, cut);
        s += cut;
        while (*s == ' ')
            s++;
        y++;
        rows--;
    }
}

static void fmt_est(int64_t est, char *buf, size_t n)
{
    if (est < 0)
        snprintf(buf, n, "?");
    else
        ui_fmt_count(est, buf, n);
}

void queue_draw(WINDOW *w, const ui_view *v)
{
    const ui_palette *p = v->pal;
    const kvs_engine *e = v->engine;
    int H = getmaxy(w), W = getmaxx(w);
    size_t qlen = kvs_engine_queue_length(e);
    char title[96];
    snprintf(title, sizeof title, "queue%s%zu waiting%s%s order", p->g.dot, qlen, p->g.dot,
             kvs_config_policy_name(v->cfg));
    ui_box(w, p, title, false);
    queue_geom g = geometry(H, W);
    int x = 2;
    if (W < 20 || H < 4)
        return;

    char line[256], keyh[16];
    /* The key column is what the policy sorts by; fcfs's key is the arrival step. */
    snprintf(keyh, sizeof keyh, "%.7s", kvs_policy_key_name(v->cfg.policy));
    table_row(line, sizeof line, &g, "#", "id", keyh, "prompt", "est", "waited");
    ui_put_text(w, g.header_y, x, p, UI_ROLE_HEADING, line, W - 4);

    kvs_queue_entry ent[QUEUE_MAX_ROWS];
    size_t n = kvs_engine_queue_head(e, ent, (size_t)g.rows);
    kvs_block blk;
    kvs_engine_block(e, &blk);
    for (size_t i = 0; i < n; i++) {
        kvs_req_info ri;
        kvs_engine_request(e, ent[i].req, &ri);
        char id[64], key[16], prompt[16], est[16], waited[16];
        ui_request_id(v, ent[i].req, id, sizeof id);
        ui_fmt_count(ent[i].key, key, sizeof key);
        /* The prompt the scheduler sees: after an eviction it includes the tokens to rebuild. */
        ui_fmt_count(ri.residency_prompt, prompt, sizeof prompt);
        fmt_est(ri.estimate, est, sizeof est);
        ui_fmt_count(ri.waited < 0 ? 0 : ri.waited, waited, sizeof waited);
        char rank[24];
        snprintf(rank, sizeof rank, "%zu", i + 1);
        table_row(line, sizeof line, &g, rank, id, key, prompt, est, waited);
        ui_role r = (long)ent[i].req == v->selected ? UI_ROLE_SELECTED
                  : (i == 0 && blk.kind != KVS_BLOCK_NONE && blk.req == ent[i].req) ? UI_ROLE_WARN
                  : UI_ROLE_NORMAL;
        if (r == UI_ROLE_SELECTED)
            ui_fill(w, g.first_y + (int)i, 1, W - 2, p, L' ', r);
        ui_put_text(w, g.first_y + (int)i, x, p, r, line, W - 4);
    }
    if (qlen > n && n > 0 && g.rows > 0) {
        /* Say how many more there are on the last row rather than pretend the list ends. */
        snprintf(line, sizeof line, " +%zu more ", qlen - n);
        int len = ui_text_width(line);
        ui_put_text(w, H - 1, W - 2 - len, p, UI_ROLE_DIM, line, len);
    }
    if (n == 0 && g.rows > 0) {
        size_t pending = v->counters->pending;
        if (pending)
            snprintf(line, sizeof line, "empty; %zu request%s still to arrive", pending,
                     pending == 1 ? "" : "s");
        else
            snprintf(line, sizeof line, "empty");
        ui_put_text(w, g.first_y, x, p, UI_ROLE_DIM, line, W - 4);
    }

    if (g.reason_rows <= 0)
        return;
    ui_fill(w, g.reason_y, 1, W - 2, p, p->g.h, UI_ROLE_BORDER);
    char why[160], id[64];
    if (blk.kind == KVS_BLOCK_NONE) {
        snprintf(line, sizeof line, qlen ? "head: not blocked at the last decision point"
                                         : "nothing waits");
        wrap(w, g.reason_y + 1, x, W - 4, g.reason_rows - 1, p, UI_ROLE_DIM, line);
        return;
    }
    kvs_block_describe(&blk, why, sizeof why);
    ui_request_id(v, blk.req, id, sizeof id);
    snprintf(line, sizeof line, "%s waits (t=%lld, %s): %s", id, (long long)blk.decided_at,
             blk.kind == KVS_BLOCK_LOOKAHEAD ? "lookahead" : "current", why);
    wrap(w, g.reason_y + 1, x, W - 4, g.reason_rows - 1, p, UI_ROLE_WARN, line);
}

ui_action queue_key(WINDOW *w, const ui_view *v, int key, int y, int x)
{
    ui_action a = {UI_ACT_NONE, 0};
    (void)x;
    if (key != KEY_MOUSE || !w)
        return a;
    queue_geom g = geometry(getmaxy(w), getmaxx(w));
    int row = y - g.first_y;
    if (row < 0 || row >= g.rows)
        return a;
    kvs_queue_entry ent[QUEUE_MAX_ROWS];
    size_t n = kvs_engine_queue_head(v->engine, ent, (size_t)g.rows);
    if ((size_t)row < n) {
        a.kind = UI_ACT_SELECT;
        a.arg = ent[row].req;
    }
    return a;
}
