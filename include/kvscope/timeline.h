/* kvscope/timeline.h: an engine plus the history needed to move through time: snapshots every few
 * steps and the log of config switches, so that stepping back to any t >= 0 is "restore the nearest
 * snapshot, replay forward" (the engine is deterministic). The UI drives one of these. */
#ifndef KVSCOPE_TIMELINE_H
#define KVSCOPE_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "kvscope/engine.h"

typedef struct kvs_timeline kvs_timeline;

/* Borrowed workload as for kvs_engine_new. NULL with a reason in why[n] on error. */
kvs_timeline *kvs_timeline_new(const kvs_workload *w, kvs_config cfg, char *why, size_t n);
void kvs_timeline_free(kvs_timeline *tl);

/* The engine at the current position (read-only; valid until the next timeline call). */
const kvs_engine *kvs_timeline_engine(const kvs_timeline *tl);
int64_t kvs_timeline_now(const kvs_timeline *tl);

/* Forward one step / up to t (re-applying recorded switches when it passes them). */
void kvs_timeline_step(kvs_timeline *tl);
void kvs_timeline_advance_to(kvs_timeline *tl, int64_t t);
/* Move to any t in [0, furthest reached]; returns 0, or -1 when t is out of that range. */
int kvs_timeline_seek(kvs_timeline *tl, int64_t t);
/* One step back; -1 at t = 0. */
int kvs_timeline_back(kvs_timeline *tl);
/* The furthest time this timeline has been at (so the UI can offer "forward to where I was"). */
int64_t kvs_timeline_furthest(const kvs_timeline *tl);

/* Switch config at now. Switches recorded after now are discarded (a new branch of history), a
 * switch already at now is replaced. Returns -1 if the config is invalid. */
int kvs_timeline_set_config(kvs_timeline *tl, kvs_config cfg);
/* Planned switches (the view's --switch): recorded in the future as if made there, so going
 * forward applies them at plan[k].at and stepping back and forth replays them. plan ascending by
 * `at`, every `at` after now and after the last recorded switch. A switch made with
 * kvs_timeline_set_config before them discards them like any recorded future. Returns 0, or -1
 * (nothing recorded) when the plan is out of order or a config is invalid. */
int kvs_timeline_plan(kvs_timeline *tl, const kvs_switch *plan, size_t n);
/* The recorded switches, made or still ahead of now (planned, or kept after stepping back),
 * ascending by `at`. Valid until the next timeline call. */
size_t kvs_timeline_switches(const kvs_timeline *tl, const kvs_switch **out);
/* Back to t = 0 with cfg as the initial config and no switches. */
void kvs_timeline_restart(kvs_timeline *tl, kvs_config cfg);

#endif
