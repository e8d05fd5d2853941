/* io/hardware.h: the memory budget M (tokens of KV cache) of a real serving setup: a model from
 * a table of published configs on one or more GPUs from a table of vendor memory sizes.
 * docs/TRACES.md lists both tables and works an example through. */
#ifndef KVSCOPE_IO_HARDWARE_H
#define KVSCOPE_IO_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/* Memory the serving engine keeps per GPU for activations, the CUDA context and the allocator's
 * slack, outside the KV cache: 1 GiB (a round figure; vLLM profiles it at start-up). */
#define KVS_ACTIVATION_RESERVE_BYTES ((int64_t)1 << 30)
/* A setup can have at most this many GPUs (a node of 8 is common; 1024 is far beyond). */
#define KVS_MAX_GPUS 1024

typedef struct {
    const char *name;      /* "llama-3.1-8b" */
    const char *source;    /* the Hugging Face repository whose config.json gave the numbers */
    int layers;            /* num_hidden_layers */
    int kv_heads;          /* num_key_value_heads */
    int head_dim;          /* hidden_size / num_attention_heads (or head_dim) */
    int64_t params;        /* parameter count (embeddings included, tied ones once) */
    int bytes_per_element; /* 2: bf16/fp16 weights and KV cache */
} kvs_model_spec;

typedef struct {
    const char *name;      /* "h100-80gb" */
    const char *label;     /* "NVIDIA H100 80GB" */
    int64_t memory_gb;     /* the vendor's figure; GB = 10^9 bytes */
} kvs_gpu_spec;

/* The tables, in a fixed order (for listings). Static storage. */
const kvs_model_spec *kvs_hardware_models(size_t *count);
const kvs_gpu_spec *kvs_hardware_gpus(size_t *count);
/* Look a name up, case-insensitively; NULL if unknown. */
const kvs_model_spec *kvs_hardware_model(const char *name);
const kvs_gpu_spec *kvs_hardware_gpu(const char *name);

/* How M was derived, for the UI and the reports. The pointers are to the static tables. */
typedef struct {
    const kvs_model_spec *model;
    const kvs_gpu_spec *gpu;
    int gpus;
    double utilization;
    int64_t gpu_bytes;          /* memory_gb * 10^9 * gpus */
    int64_t usable_bytes;       /* floor(gpu_bytes * utilization) */
    int64_t weight_bytes;       /* params * bytes_per_element */
    int64_t activation_bytes;   /* KVS_ACTIVATION_RESERVE_BYTES * gpus */
    int64_t kv_cache_bytes;     /* usable - weights - activation */
    int64_t kv_bytes_per_token; /* 2 (K and V) * layers * kv_heads * head_dim * bytes */
    int64_t memory;             /* M = floor(kv_cache_bytes / kv_bytes_per_token) */
} kvs_memory_breakdown;

/* M = floor((GPU memory x gpus x utilization - weights - activation reserve x gpus)
 *           / KV bytes per token).
 * gpus in 1..KVS_MAX_GPUS, utilization in (0, 1] (used to 6 decimals, as a whole number of
 * millionths, so that M is exact integer arithmetic). Returns 0 with *M and (if not NULL) *how
 * filled; or -1 with a one-line reason and its fix in why[n]: an unknown name (the valid ones are
 * listed and the closest suggested), weights that do not fit (with the number of GPUs that would
 * do), a budget beyond kvscope's limit. */
int kvs_memory_from_setup(const char *model, const char *gpu, int gpus, double utilization,
                          int64_t *M, kvs_memory_breakdown *how, char *why, size_t n);

/* One line saying how M was derived, e.g. "M = 418592 tokens: llama-3.1-8b on 1 x h100-80gb (80 GB) x 0.9 =
 * 72.00 GB - weights 16.06 GB - reserve 1.07 GB = 54.87 GB of KV cache / 131072 bytes per token
 * (2 x 32 layers x 8 KV heads x 128 x 2 bytes)". Returns what snprintf returns. */
int kvs_memory_breakdown_format(const kvs_memory_breakdown *how, char *buf, size_t n);

#endif
