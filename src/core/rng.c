/* rng.c: xoshiro256** seeded through splitmix64, plus the few distributions kvscope samples.
 * Everything random in a run flows from here, so a seed reproduces a run byte for byte. */
#include "kvscope/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void kvs_rng_seed(kvs_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mixing the stream in through a multiply keeps (seed, stream) pairs apart. */
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t kvs_rng_next(kvs_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double kvs_rng_uniform(kvs_rng *r)
{
    return (double)(kvs_rng_next(r) >> 11) * 0x1.0p-53;
}

double kvs_rng_normal(kvs_rng *r)
{
    /* 1 - u lies in (0, 1], so the log is finite. */
    double u1 = 1.0 - kvs_rng_uniform(r);
    double u2 = kvs_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double kvs_rng_exponential(kvs_rng *r, double rate)
{
    return -log(1.0 - kvs_rng_uniform(r)) / rate;
}

double kvs_rng_gamma(kvs_rng *r, double shape, double scale)
{
    if (shape < 1.0) {
        /* Boost: Gamma(a) = Gamma(a+1) * U^(1/a). */
        double u = 1.0 - kvs_rng_uniform(r);
        return kvs_rng_gamma(r, shape + 1.0, scale) * pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = kvs_rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = 1.0 - kvs_rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v * scale;
    }
}
