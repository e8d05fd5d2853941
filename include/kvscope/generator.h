/* kvscope/generator.h: seeded synthetic workloads (arrival process + length distributions),
 * expanded into a request array. Pure computation, no I/O. */
#ifndef KVSCOPE_GENERATOR_H
#define KVSCOPE_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "kvscope/workload.h"

typedef enum { KVS_ARRIVAL_BURST, KVS_ARRIVAL_POISSON, KVS_ARRIVAL_GAMMA } kvs_arrival_kind;

typedef struct {
    kvs_arrival_kind kind;
    int64_t at;        /* burst: the step all requests arrive at (default 0); others: first step */
    double rate;       /* poisson/gamma: mean arrivals per step (> 0) */
    double burstiness; /* gamma: coefficient of variation of inter-arrival gaps (1 = poisson) */
} kvs_arrival_spec;

typedef enum {
    KVS_DIST_FIXED,     /* value */
    KVS_DIST_UNIFORM,   /* integers in [min, max] */
    KVS_DIST_NORMAL,    /* mean, stddev */
    KVS_DIST_LOGNORMAL, /* mean, sigma (sigma of the underlying normal) */
    KVS_DIST_GEOMETRIC, /* mean (>= 1): P(k) = p(1-p)^(k-1), k >= 1, p = 1/mean */
} kvs_dist_kind;

typedef struct {
    kvs_dist_kind kind;
    double value, mean, stddev, sigma;
    int64_t min, max;  /* uniform range; for every kind also the clamp range (max -1 = none) */
} kvs_length_spec;

typedef struct {
    size_t count;
    kvs_arrival_spec arrival;
    kvs_length_spec prompt, output;
} kvs_generator;

/* Fill out[0..g->count) from the seed. Each draw is rounded, clamped to the spec's own [min, max],
 * then to the valid range (prompt to [0, M-1], output to [1, M - prompt]) so every request fits;
 * ids are left NULL (meaning index+1) and predicted -1. poisson/gamma put the first arrival at `at`. Returns 0, or -1 with a reason in why[n] for an invalid spec. */
int kvs_generate(const kvs_generator *g, uint64_t seed, int64_t memory, kvs_request *out,
                 char *why, size_t n);

#endif
