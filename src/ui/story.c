/* ui/story.c: the selected request's story for the inspector. A private engine replays the run
 * from t = 0 with the timeline's config switches, through the decision recorder
 * (kvscope/decisions.h), up to the shown time; it only moves forward, and is rebuilt when the
 * selection changes, the shown time goes back, or the history of switches is rewritten. */
#include <stdlib.h>
#include <string.h>

#include "kvscope/decisions.h"
#include "ui/term.h"
#include "ui/view.h"

/* Milliseconds of replay per call (per frame) at most: a jump far ahead catches up over several
 * frames, and keys are answered in between. A count of steps cannot bound it: with a long queue
 * the recorder costs tens of microseconds per step (tests/ui/big.yaml at t = 400 000). */
#define STORY_SLICE_MS 8.0
/* Steps per kvs_decisions_advance_to call: adapted so that one call takes about a millisecond. */
#define STORY_CHUNK_MIN 16
#define STORY_CHUNK_MAX ((int64_t)1 << 22)

#define STORY_MAX_LINES 24
struct ui_story {
    long req;
    kvs_config initial;
    kvs_engine *e;
    kvs_decisions *d;
    kvs_story *s;
    size_t applied; /* switches applied */
    kvs_switch sw[64];
    char lines[STORY_MAX_LINES][160];
    const char *ptr[STORY_MAX_LINES];
    size_t n;
    int64_t chunk;  /* steps per call to the recorder */
    bool behind;    /* the last call stopped short of the shown time */
};

ui_story *ui_story_new(void)
{
    ui_story *u = calloc(1, sizeof(ui_story));
    if (u)
        u->chunk = 1024;
    return u;
}

bool ui_story_behind(const ui_story *u) { return u && u->behind; }

static void drop(ui_story *u)
{
    kvs_story_free(u->s);
    kvs_decisions_free(u->d);
    kvs_engine_free(u->e);
    u->s = NULL;
    u->d = NULL;
    u->e = NULL;
    u->applied = 0;
}

void ui_story_free(ui_story *u)
{
    if (!u)
        return;
    drop(u);
    free(u);
}

static int feed(const kvs_decision *d, void *user)
{
    kvs_story_feed(user, d);
    return 0;
}

static void add_line(const char *s, void *user)
{
    ui_story *u = user;
    if (u->n < STORY_MAX_LINES) {
        snprintf(u->lines[u->n], sizeof u->lines[u->n], "%s", s);
        u->ptr[u->n] = u->lines[u->n];
        u->n++;
    }
}

size_t ui_story_lines(ui_story *u, const kvs_engine *shown, long sel, kvs_config initial,
                      const char *const **out)
{
    *out = u->ptr;
    u->n = 0;
    u->behind = false;
    if (sel < 0)
        return 0;
    /* The slice counts from here: setting up a new replay (an engine for the whole workload, some
     * 20 ms on 100 000 requests) leaves less of it, or none, to this call. */
    double until = ui_term_clock_ms() + STORY_SLICE_MS;
    const kvs_switch *sw;
    size_t nsw = kvs_engine_switches(shown, &sw);
    int64_t now = kvs_engine_now(shown);
    bool rebuild = !u->e || u->req != sel || !kvs_config_same(u->initial, initial) ||
                   kvs_engine_now(u->e) > now || nsw < u->applied || u->applied > 64;
    for (size_t k = 0; !rebuild && k < u->applied; k++)
        rebuild = sw[k].at != u->sw[k].at || !kvs_config_same(sw[k].cfg, u->sw[k].cfg);
    if (rebuild) {
        drop(u);
        u->req = sel;
        u->initial = initial;
        u->e = kvs_engine_new(kvs_engine_workload(shown), initial, NULL, 0);
        if (!u->e)
            return 0;
        kvs_engine_keep_history(u->e, false);
        u->d = kvs_decisions_new(u->e);
        u->s = kvs_story_new((uint32_t)sel);
        if (!u->d || !u->s) {
            drop(u);
            return 0;
        }
    }
    bool stalled = false; /* the replay cannot go further (it would only spin) */
    for (;;) {
        int64_t t = kvs_engine_now(u->e);
        while (u->applied < nsw && sw[u->applied].at <= t) {
            if (sw[u->applied].at == t)
                kvs_engine_set_config(u->e, sw[u->applied].cfg);
            if (u->applied < 64)
                u->sw[u->applied] = sw[u->applied];
            u->applied++;
        }
        int64_t target = now - t > u->chunk ? t + u->chunk : now;
        if (u->applied < nsw && sw[u->applied].at < target)
            target = sw[u->applied].at;
        if (target <= t) {
            /* flush the final completions when the run is over */
            if (kvs_engine_done(u->e))
                kvs_decisions_advance_to(u->d, u->e, t, feed, u->s);
            break;
        }
        double from = ui_term_clock_ms();
        if (from >= until)
            break;
        kvs_decisions_advance_to(u->d, u->e, target, feed, u->s);
        double took = ui_term_clock_ms() - from;
        if (took < 0.5 && u->chunk < STORY_CHUNK_MAX)
            u->chunk *= 2;
        else if (took > 2.0 && u->chunk > STORY_CHUNK_MIN)
            u->chunk = u->chunk / 4 > STORY_CHUNK_MIN ? u->chunk / 4 : STORY_CHUNK_MIN;
        if (kvs_engine_now(u->e) == t) {
            stalled = true;
            break;
        }
    }
    kvs_story_tell(u->s, kvs_engine_workload(shown), kvs_engine_now(u->e), true, add_line, u);
    if (kvs_engine_now(u->e) < now) {
        u->behind = !stalled;
        add_line("(replaying the run...)", u);
    }
    return u->n;
}
