/* io/opt_report.h: the text `kvscope opt` prints: the lower bound, the two exact optima, the SVF
 * guarantee of the theory for this instance, the optimal schedules and each policy's ratios. */
#ifndef KVSCOPE_IO_OPT_REPORT_H
#define KVSCOPE_IO_OPT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kvscope/config.h"
#include "kvscope/opt.h"
#include "kvscope/workload.h"

typedef struct {
    const char *name;  /* as the user named it ("svf", "vllm") */
    kvs_config config;
    int64_t total_latency, evictions;
} kvs_opt_row;

typedef struct {
    const char *scenario;
    const kvs_workload *w;
    int64_t lower_bound;
    const kvs_opt_result *np; /* without preemption */
    const kvs_opt_result *pp; /* with pauses (eviction) */
    const kvs_opt_row *rows;
    size_t nrows;
} kvs_opt_report;

/* Returns 0, or -1 with errno set when writing failed. */
int kvs_opt_report_text(FILE *f, const kvs_opt_report *r);

#endif
