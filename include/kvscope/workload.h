/* kvscope/workload.h: what the engine simulates: the requests, the memory budget M, the seed and
 * the parameters of the information modes. Pure data; the I/O layer fills it, the engine borrows it. */
#ifndef KVSCOPE_WORKLOAD_H
#define KVSCOPE_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Hard limits, enforced by kvs_workload_validate (documented in docs/ENGINE.md). They keep every
 * key and sum inside int64: a volume is at most M^2 and M < 2^31. */
#define KVS_MAX_MEMORY   ((int64_t)2000000000)        /* tokens */
#define KVS_MAX_ARRIVAL  ((int64_t)1 << 50)           /* steps */
#define KVS_MAX_REQUESTS ((size_t)50000000)

typedef struct {
    const char *id;    /* NUL-terminated, owned by whoever owns the workload; NULL means "index+1" */
    int64_t arrival;   /* a_i, step >= 0 */
    int64_t prompt;    /* s_i >= 0 */
    int64_t output;    /* o_i >= 1 */
    int64_t predicted; /* predicted_output (>= 1), or -1 when absent */
} kvs_request;

typedef struct {
    double sigma;            /* predicted: sigma of the log-normal noise factor; default 0.5 */
    int64_t theta;           /* onebit: short iff output <= theta; -1 = lower median of outputs */
    double flip_probability; /* onebit: probability that a label is flipped; default 0 */
    int64_t short_estimate;  /* onebit proxy for "short"; -1 = mean output of the short requests */
    int64_t long_estimate;   /* onebit proxy for "long";  -1 = mean output of the long requests */
} kvs_info_params;

typedef struct {
    int64_t memory;          /* M, tokens */
    uint64_t seed;
    kvs_info_params info;
    size_t count;
    kvs_request *requests;   /* input order = position used for tie-breaking */
} kvs_workload;

/* The defaults above (sigma 0.5, theta -1, flip 0, estimates -1). */
kvs_info_params kvs_info_params_default(void);

/* Check every request against the model and the limits. Returns (size_t)-1 when all is well;
 * otherwise the index of the first bad request (or count when the problem is not one request's),
 * with a one-line reason and its fix in why[n]. */
size_t kvs_workload_validate(const kvs_workload *w, char *why, size_t n);

/* v = s*o + o(o+1)/2 (MODEL.md §1). Inputs within the limits never overflow. */
int64_t kvs_volume(int64_t prompt, int64_t output);

#endif
