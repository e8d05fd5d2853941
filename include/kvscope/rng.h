/* kvscope/rng.h: a small seeded PRNG (splitmix64 seeding xoshiro256**) so that every random choice
 * is reproducible from the scenario's seed, independent of libc's rand(). */
#ifndef KVSCOPE_RNG_H
#define KVSCOPE_RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } kvs_rng;

/* Seed a stream; different `stream` values give independent sequences for the same seed. */
void kvs_rng_seed(kvs_rng *r, uint64_t seed, uint64_t stream);
uint64_t kvs_rng_next(kvs_rng *r);
double kvs_rng_uniform(kvs_rng *r);           /* in [0, 1) */
double kvs_rng_normal(kvs_rng *r);            /* standard normal (Box-Muller, one value per call) */
double kvs_rng_exponential(kvs_rng *r, double rate);
double kvs_rng_gamma(kvs_rng *r, double shape, double scale); /* Marsaglia-Tsang */

#endif
