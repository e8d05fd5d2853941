/* workload.c: validation of a workload against the model (MODEL.md §1) and kvscope's limits, so the
 * engine can do all its arithmetic in int64 without overflow checks in the hot loop. */
#include "kvscope/workload.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

kvs_info_params kvs_info_params_default(void)
{
    kvs_info_params p = {.sigma = 0.5, .theta = -1, .flip_probability = 0.0,
                         .short_estimate = -1, .long_estimate = -1};
    return p;
}

int64_t kvs_volume(int64_t prompt, int64_t output)
{
    return prompt * output + output * (output + 1) / 2;
}

static const char *req_name(const kvs_request *r, size_t i, char *buf, size_t n)
{
    if (r->id)
        snprintf(buf, n, "'%s'", r->id);
    else
        snprintf(buf, n, "#%zu", i + 1);
    return buf;
}

size_t kvs_workload_validate(const kvs_workload *w, char *why, size_t n)
{
    char name[96];
    const kvs_info_params *ip = &w->info;
    if (w->memory < 1 || w->memory > KVS_MAX_MEMORY) {
        snprintf(why, n, "memory %" PRId64 " is out of range: give 1 to %" PRId64 " tokens",
                 w->memory, KVS_MAX_MEMORY);
        return w->count;
    }
    if (w->count > KVS_MAX_REQUESTS) {
        snprintf(why, n, "%zu requests is more than kvscope's limit of %zu: use a time window or "
                 "a limit", w->count, KVS_MAX_REQUESTS);
        return w->count;
    }
    if (!(ip->sigma >= 0.0 && ip->sigma <= 10.0)) {
        snprintf(why, n, "predicted sigma must be a number from 0 to 10");
        return w->count;
    }
    if (!(ip->flip_probability >= 0.0 && ip->flip_probability <= 1.0)) {
        snprintf(why, n, "onebit flip_probability must be a number from 0 to 1");
        return w->count;
    }
    if (ip->theta < -1 || ip->short_estimate == 0 || ip->short_estimate < -1 ||
        ip->long_estimate == 0 || ip->long_estimate < -1) {
        snprintf(why, n, "onebit theta must be >= 0 and the estimates >= 1");
        return w->count;
    }
    int64_t volume = 0, outputs = 0, last_arrival = 0;
    for (size_t i = 0; i < w->count; i++) {
        const kvs_request *r = &w->requests[i];
        if (r->arrival < 0 || r->arrival > KVS_MAX_ARRIVAL) {
            snprintf(why, n, "request %s: arrival %" PRId64 " must be from 0 to %" PRId64,
                     req_name(r, i, name, sizeof name), r->arrival, KVS_MAX_ARRIVAL);
            return i;
        }
        if (r->prompt < 0) {
            snprintf(why, n, "request %s: prompt %" PRId64 " must be >= 0",
                     req_name(r, i, name, sizeof name), r->prompt);
            return i;
        }
        if (r->output < 1) {
            snprintf(why, n, "request %s: output %" PRId64 " must be >= 1 (every request produces "
                     "at least one token)", req_name(r, i, name, sizeof name), r->output);
            return i;
        }
        if (r->prompt > w->memory || r->output > w->memory - r->prompt) {
            snprintf(why, n, "request %s can never run: prompt %" PRId64 " + output %" PRId64
                     " exceeds memory %" PRId64 "; raise memory, shorten the request, or drop "
                     "oversize requests", req_name(r, i, name, sizeof name), r->prompt, r->output,
                     w->memory);
            return i;
        }
        if (r->predicted != -1 && r->predicted < 1) {
            snprintf(why, n, "request %s: predicted_output %" PRId64 " must be >= 1",
                     req_name(r, i, name, sizeof name), r->predicted);
            return i;
        }
        int64_t v = kvs_volume(r->prompt, r->output);
        if (volume > INT64_MAX - v) {
            snprintf(why, n, "the total volume of the requests up to %s overflows 64 bits: "
                     "use fewer or shorter requests", req_name(r, i, name, sizeof name));
            return i;
        }
        volume += v;
        outputs += r->output; /* <= count * M < 2^57: no overflow */
        if (r->arrival > last_arrival)
            last_arrival = r->arrival;
    }
    /* Every finish is at most last_arrival + sum of outputs (requests running one after another in
     * the worst case). The engine keeps the batch's memory as sum(s - k) + t * count, so
     * horizon * (most requests that can run at once) must fit, and so must the sum of latencies. */
    int64_t horizon = last_arrival + outputs + 1;
    int64_t max_running = w->memory < (int64_t)w->count ? w->memory : (int64_t)w->count;
    if (max_running < 1)
        max_running = 1;
    if (horizon > INT64_MAX / 4 / max_running || horizon > INT64_MAX / 4 / (int64_t)(w->count + 1)) {
        snprintf(why, n, "the workload spans too many steps for exact 64-bit arithmetic: "
                 "use a shorter time window or fewer requests");
        return w->count;
    }
    return (size_t)-1;
}
