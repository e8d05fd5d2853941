/* ui/race.c: race mode (placeholder until the lanes land). */
#include "ui/ui.h"

int kvs_ui_race(const kvs_scenario *s, const kvs_config *cfg, size_t n, const kvs_ui_options *opt)
{
    (void)n;
    return kvs_ui_run(s, cfg[0], opt);
}
