/* generator.c: expands a seeded synthetic workload spec (arrival process + length distributions)
 * into requests. The same (spec, seed, memory) always gives the same requests, on every platform
 * whose libm rounds exp/log/pow the same way. */
#include "kvscope/generator.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "kvscope/rng.h"

/* The random streams of docs/ENGINE.md "Randomness". Separate streams keep the prompts unchanged
 * when only the output distribution is edited, and vice versa. */
enum { STREAM_ARRIVALS = 3, STREAM_PROMPTS = 4, STREAM_OUTPUTS = 5 };

/* Gamma gaps with a shape outside this range make Marsaglia-Tsang lose all precision (a shape of
 * 1e-12 returns 0 or an astronomically large gap); a coefficient of variation beyond 1000 or below
 * 0.001 is not a workload anyone means anyway. */
#define BURSTINESS_MIN 0.001
#define BURSTINESS_MAX 1000.0

static int fail(char *why, size_t n, const char *fmt, ...)
{
    if (why && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int check_length_spec(const kvs_length_spec *s, const char *which, char *why, size_t n)
{
    if (s->min < 0)
        return fail(why, n, "%s min must be >= 0", which);
    if (s->max != -1 && s->max < s->min)
        return fail(why, n, "%s max must be >= min (or -1 for no upper clamp)", which);
    switch (s->kind) {
    case KVS_DIST_FIXED:
        if (!(isfinite(s->value) && s->value >= 0.0))
            return fail(why, n, "%s value must be a finite number >= 0", which);
        return 0;
    case KVS_DIST_UNIFORM:
        if (s->max == -1)
            return fail(why, n, "%s uniform needs both min and max", which);
        return 0;
    case KVS_DIST_NORMAL:
        if (!isfinite(s->mean) || !(isfinite(s->stddev) && s->stddev >= 0.0))
            return fail(why, n, "%s normal needs a finite mean and a finite stddev >= 0", which);
        return 0;
    case KVS_DIST_LOGNORMAL:
        if (!(isfinite(s->mean) && s->mean > 0.0) || !(isfinite(s->sigma) && s->sigma >= 0.0))
            return fail(why, n, "%s lognormal needs a finite mean > 0 and a finite sigma >= 0",
                        which);
        return 0;
    case KVS_DIST_GEOMETRIC:
        if (!(isfinite(s->mean) && s->mean >= 1.0))
            return fail(why, n, "%s geometric needs a finite mean >= 1", which);
        return 0;
    }
    return fail(why, n, "%s has an unknown distribution kind", which);
}

static int check_spec(const kvs_generator *g, int64_t memory, char *why, size_t n)
{
    if (memory < 1 || memory > KVS_MAX_MEMORY)
        return fail(why, n, "memory %lld is out of range: give 1 to %lld tokens",
                    (long long)memory, (long long)KVS_MAX_MEMORY);
    if (g->count < 1 || g->count > KVS_MAX_REQUESTS)
        return fail(why, n, "count must be from 1 to %zu", KVS_MAX_REQUESTS);
    const kvs_arrival_spec *a = &g->arrival;
    if (a->at < 0 || a->at > KVS_MAX_ARRIVAL)
        return fail(why, n, "arrival at must be from 0 to %lld", (long long)KVS_MAX_ARRIVAL);
    if (a->kind != KVS_ARRIVAL_BURST && a->kind != KVS_ARRIVAL_POISSON &&
        a->kind != KVS_ARRIVAL_GAMMA)
        return fail(why, n, "unknown arrival process");
    if (a->kind != KVS_ARRIVAL_BURST && !(isfinite(a->rate) && a->rate > 0.0))
        return fail(why, n, "arrival rate must be a finite number > 0 (requests per step)");
    if (a->kind == KVS_ARRIVAL_GAMMA &&
        !(isfinite(a->burstiness) && a->burstiness >= BURSTINESS_MIN &&
          a->burstiness <= BURSTINESS_MAX))
        return fail(why, n, "arrival burstiness must be from %g to %g (1 = poisson)",
                    BURSTINESS_MIN, BURSTINESS_MAX);
    if (check_length_spec(&g->prompt, "prompt", why, n) < 0)
        return -1;
    return check_length_spec(&g->output, "output", why, n);
}

static double draw(const kvs_length_spec *s, kvs_rng *r)
{
    switch (s->kind) {
    case KVS_DIST_FIXED:
        return s->value;
    case KVS_DIST_UNIFORM: {
        /* Every integer of [min, max] equally likely. */
        double span = (double)(s->max - s->min) + 1.0;
        return (double)s->min + floor(kvs_rng_uniform(r) * span);
    }
    case KVS_DIST_NORMAL:
        return s->mean + s->stddev * kvs_rng_normal(r);
    case KVS_DIST_LOGNORMAL: {
        /* mu chosen so that the mean of the log-normal (not its median) is `mean`. */
        double mu = log(s->mean) - s->sigma * s->sigma / 2.0;
        return exp(mu + s->sigma * kvs_rng_normal(r));
    }
    case KVS_DIST_GEOMETRIC: {
        if (s->mean <= 1.0)
            return 1.0;
        double p = 1.0 / s->mean;
        double u = 1.0 - kvs_rng_uniform(r); /* in (0, 1]: log is finite */
        return 1.0 + floor(log(u) / log1p(-p));
    }
    }
    return 0.0;
}

/* Round a draw into [lo, hi]. Clamping in double space first keeps llround away from values it
 * cannot represent (a lognormal tail, or NaN, which fmax turns into lo). */
static int64_t round_into(double x, int64_t lo, int64_t hi)
{
    x = fmin(fmax(x, (double)lo), (double)hi);
    int64_t v = llround(x);
    return v < lo ? lo : v > hi ? hi : v;
}

static int64_t clamp_length(const kvs_length_spec *s, double x, int64_t lo, int64_t hi)
{
    /* The spec's own clamp first, the model's valid range last, so the result always fits. */
    int64_t slo = s->min, shi = s->max == -1 ? INT64_MAX / 2 : s->max;
    int64_t v = round_into(x, slo, shi);
    return v < lo ? lo : v > hi ? hi : v;
}

int kvs_generate(const kvs_generator *g, uint64_t seed, int64_t memory, kvs_request *out,
                 char *why, size_t n)
{
    if (check_spec(g, memory, why, n) < 0)
        return -1;

    kvs_rng ra, rp, ro;
    kvs_rng_seed(&ra, seed, STREAM_ARRIVALS);
    kvs_rng_seed(&rp, seed, STREAM_PROMPTS);
    kvs_rng_seed(&ro, seed, STREAM_OUTPUTS);

    const kvs_arrival_spec *a = &g->arrival;
    double shape = 0.0, scale = 0.0;
    if (a->kind == KVS_ARRIVAL_GAMMA) {
        /* A gamma gap with shape k and scale 1/(rate k) has mean 1/rate and CV 1/sqrt(k). */
        shape = 1.0 / (a->burstiness * a->burstiness);
        scale = 1.0 / (a->rate * shape);
    }
    double time = (double)a->at;
    for (size_t i = 0; i < g->count; i++) {
        kvs_request *r = &out[i];
        if (i > 0 && a->kind != KVS_ARRIVAL_BURST) {
            double gap = a->kind == KVS_ARRIVAL_POISSON ? kvs_rng_exponential(&ra, a->rate)
                                                        : kvs_rng_gamma(&ra, shape, scale);
            time += gap;
        }
        if (!(time <= (double)KVS_MAX_ARRIVAL))
            return fail(why, n, "request %zu would arrive after step %lld, kvscope's limit: "
                        "raise the arrival rate or lower the count", i + 1,
                        (long long)KVS_MAX_ARRIVAL);
        r->arrival = (int64_t)floor(time);
        r->prompt = clamp_length(&g->prompt, draw(&g->prompt, &rp), 0, memory - 1);
        r->output = clamp_length(&g->output, draw(&g->output, &ro), 1, memory - r->prompt);
        r->id = NULL;
        r->predicted = -1;
    }
    return 0;
}
