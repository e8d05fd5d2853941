/* ui/ui.h: the interactive ncursesw front end. It reads engine state through kvscope/timeline.h
 * and kvscope/engine.h and never reimplements engine logic. */
#ifndef KVSCOPE_UI_H
#define KVSCOPE_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "io/scenario.h"
#include "kvscope/config.h"

typedef struct {
    bool color;        /* false with --no-color or NO_COLOR set */
    bool ascii;        /* --ascii, or forced when the locale is not UTF-8 */
    bool mouse;        /* false with --no-mouse */
    double speed;      /* initial steps per second; <= 0 means the default */
    bool paused;       /* start paused (--paused) */
    const kvs_switch *plan; /* --switch: switches planned ahead (kvs_timeline_plan), valid and */
    size_t nplan;           /* ascending; the view only (not race) */
} kvs_ui_options;

/* Run the UI on the scenario with the initial config until the user quits. Returns the process
 * exit status: 0 on quit, 2 when it cannot run here (stdout is not a terminal, terminal too small
 * to start is NOT an error: it shows a message and waits for a resize), 1 on a runtime failure.
 * Messages go to stderr after the terminal has been restored. */
int kvs_ui_run(const kvs_scenario *s, kvs_config cfg, const kvs_ui_options *opt);
/* Race mode (docs/RACE.md): one lane per config (2 to 4) on the same workload and clock.
 * Same exit statuses. */
int kvs_ui_race(const kvs_scenario *s, const kvs_config *cfg, size_t n, const kvs_ui_options *opt);

#endif
