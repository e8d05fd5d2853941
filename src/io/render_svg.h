/* io/render_svg.h: a finished run as an SVG figure of the time x memory geometry (docs/RENDER.md):
 * one band per request, stacked in admission order, each step's height the tokens it held; the
 * budget line M; axes in steps (and seconds when step_ms is known); a legend; policy switches as
 * dashed vertical lines. Colours are the UI's (io/colors.h).
 * Shapes: exactly one <path class="request" data-request="ID"> per request that holds memory in the
 * window (its residencies are subpaths of that one path), so tools can select a request. */
#ifndef KVSCOPE_IO_RENDER_SVG_H
#define KVSCOPE_IO_RENDER_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "kvscope/engine.h"

typedef struct {
    const char *scenario; /* for the title; may be NULL */
    double step_ms;       /* > 0: a second axis row in seconds */
    int64_t from, to;     /* the window in steps; to < 0 means the makespan */
    int64_t lower_bound;  /* > 0: the title shows the ratio of total latency to it */
} kvs_svg_options;

/* Write the figure of engine e (run to the end, history kept) to f. Returns 0, or -1 with errno
 * set when writing failed or memory ran out. */
int kvs_render_svg(FILE *f, const kvs_engine *e, const kvs_svg_options *o);

#endif
