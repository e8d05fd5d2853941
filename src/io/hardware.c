/* hardware.c: from a model and a GPU setup to the memory budget M in tokens of KV cache, with
 * the derivation kept so that the UI and the reports can show where the number comes from. */
#include "io/hardware.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kvscope/workload.h"

/* Layers, KV heads and head dim are the models' config.json values (num_hidden_layers,
 * num_key_value_heads, hidden_size / num_attention_heads). Parameter counts are computed from
 * the same configs (embeddings, attention incl. Qwen's QKV biases, gated MLP, norms, an untied
 * LM head where there is one) and agree with the published totals (8.03B, 70.6B, 405.9B, 1.24B,
 * 3.21B, 7.25B, 7.61B, 72.7B). */
static const kvs_model_spec models[] = {
    {"llama-3.1-8b", "meta-llama/Llama-3.1-8B", 32, 8, 128, 8030261248LL, 2},
    {"llama-3.1-70b", "meta-llama/Llama-3.1-70B", 80, 8, 128, 70553706496LL, 2},
    {"llama-3.1-405b", "meta-llama/Llama-3.1-405B", 126, 8, 128, 405853388800LL, 2},
    {"llama-3.2-1b", "meta-llama/Llama-3.2-1B", 16, 8, 64, 1235814400LL, 2},
    {"llama-3.2-3b", "meta-llama/Llama-3.2-3B", 28, 8, 128, 3212749824LL, 2},
    {"mistral-7b", "mistralai/Mistral-7B-v0.3", 32, 8, 128, 7248023552LL, 2},
    {"qwen2.5-7b", "Qwen/Qwen2.5-7B", 28, 4, 128, 7615616512LL, 2},
    {"qwen2.5-72b", "Qwen/Qwen2.5-72B", 80, 8, 128, 72706203648LL, 2},
};
#define MODEL_COUNT (sizeof models / sizeof *models)

/* The vendors' nominal sizes in GB (10^9 bytes). nvidia-smi shows a little more for most (an
 * H100 80GB reports 81559 MiB = 85.5e9 bytes), so M here errs on the safe side. */
static const kvs_gpu_spec gpus_table[] = {
    {"a100-40gb", "NVIDIA A100 40GB", 40},
    {"a100-80gb", "NVIDIA A100 80GB", 80},
    {"h100-80gb", "NVIDIA H100 80GB", 80},
    {"h200-141gb", "NVIDIA H200 141GB", 141},
    {"l40s", "NVIDIA L40S 48GB", 48},
    {"rtx-4090", "NVIDIA GeForce RTX 4090 24GB", 24},
};
#define GPU_COUNT (sizeof gpus_table / sizeof *gpus_table)

#define GB 1000000000LL
#define MILLIONTHS 1000000LL

const kvs_model_spec *kvs_hardware_models(size_t *count)
{
    *count = MODEL_COUNT;
    return models;
}

const kvs_gpu_spec *kvs_hardware_gpus(size_t *count)
{
    *count = GPU_COUNT;
    return gpus_table;
}

static int lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; }

static bool same_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
    return *a == *b;
}

const kvs_model_spec *kvs_hardware_model(const char *name)
{
    for (size_t i = 0; name && i < MODEL_COUNT; i++)
        if (same_nocase(name, models[i].name))
            return &models[i];
    return NULL;
}

const kvs_gpu_spec *kvs_hardware_gpu(const char *name)
{
    for (size_t i = 0; name && i < GPU_COUNT; i++)
        if (same_nocase(name, gpus_table[i].name))
            return &gpus_table[i];
    return NULL;
}

/* Edit distance (insert, delete, substitute), case-insensitive; names are short, so one row of
 * the table on the stack suffices. Longer inputs are cut, which only weakens the suggestion. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 63 };
    size_t la = strlen(a), lb = strlen(b);
    la = la > MAXLEN ? MAXLEN : la;
    lb = lb > MAXLEN ? MAXLEN : lb;
    size_t row[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t sub = diag + (lower((unsigned char)a[i - 1]) != lower((unsigned char)b[j - 1]));
            size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[lb];
}

/* "unknown model 'x': did you mean 'y'? Known models: a, b, c". A suggestion is made only when
 * the name is close (a third of its letters may differ, or 2) or starts just one known name. */
static void unknown_name(const char *what, const char *name, const char *const *names, size_t count,
                         char *why, size_t n)
{
    size_t best = (size_t)-1, best_i = 0;
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(name, names[i]);
        if (d < best) {
            best = d;
            best_i = i;
        }
    }
    /* "h100" for "h100-80gb": a name that starts exactly one known name is what was meant. */
    size_t prefix_of = 0, prefix_i = 0, len = strlen(name);
    for (size_t i = 0; len > 0 && i < count; i++) {
        size_t k = 0;
        while (k < len && names[i][k] && lower((unsigned char)name[k]) == names[i][k])
            k++;
        if (k == len) {
            prefix_of++;
            prefix_i = i;
        }
    }
    if (prefix_of == 1) {
        best = 0;
        best_i = prefix_i;
    }
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    int used = snprintf(why, n, "unknown %s '%s'", what, name);
    bool suggested = best <= limit && used >= 0 && (size_t)used < n;
    if (suggested)
        used += snprintf(why + used, n - (size_t)used, ": did you mean '%s'?", names[best_i]);
    if (used >= 0 && (size_t)used < n)
        used += snprintf(why + used, n - (size_t)used, "%s Known %ss:", suggested ? "" : ".",
                         what);
    for (size_t i = 0; i < count && used >= 0 && (size_t)used < n; i++)
        used += snprintf(why + used, n - (size_t)used, "%s %s", i ? "," : "", names[i]);
}

/* KV cache bytes of g GPUs: usable memory minus weights minus the reserves. */
static int64_t kv_bytes_for(const kvs_model_spec *m, const kvs_gpu_spec *g, int64_t count,
                            int64_t util_millionths)
{
    /* memory_gb * count * millionths stays below 2^63 (141 * 1024 * 10^6 ~ 1.4e11), and a whole
     * number of GB times millionths is a whole number of kB: exact. */
    int64_t usable = g->memory_gb * count * util_millionths * (GB / MILLIONTHS);
    return usable - m->params * m->bytes_per_element - KVS_ACTIVATION_RESERVE_BYTES * count;
}

int kvs_memory_from_setup(const char *model, const char *gpu, int gpus, double utilization,
                          int64_t *M, kvs_memory_breakdown *how, char *why, size_t n)
{
    const kvs_model_spec *m = kvs_hardware_model(model);
    if (!m) {
        const char *names[MODEL_COUNT];
        for (size_t i = 0; i < MODEL_COUNT; i++)
            names[i] = models[i].name;
        unknown_name("model", model ? model : "", names, MODEL_COUNT, why, n);
        return -1;
    }
    const kvs_gpu_spec *g = kvs_hardware_gpu(gpu);
    if (!g) {
        const char *names[GPU_COUNT];
        for (size_t i = 0; i < GPU_COUNT; i++)
            names[i] = gpus_table[i].name;
        unknown_name("gpu", gpu ? gpu : "", names, GPU_COUNT, why, n);
        return -1;
    }
    if (gpus < 1 || gpus > KVS_MAX_GPUS) {
        if (why && n)
            snprintf(why, n, "gpus must be from 1 to %d (got %d)", KVS_MAX_GPUS, gpus);
        return -1;
    }
    if (!(isfinite(utilization) && utilization > 0.0 && utilization <= 1.0)) {
        if (why && n)
            snprintf(why, n, "utilization must be a fraction of the GPU memory in (0, 1], e.g. "
                     "0.9 as vLLM's default gpu_memory_utilization");
        return -1;
    }
    int64_t util = llround(utilization * (double)MILLIONTHS);
    if (util < 1) {
        if (why && n)
            snprintf(why, n, "utilization must be at least 0.000001");
        return -1;
    }
    kvs_memory_breakdown b;
    memset(&b, 0, sizeof b);
    b.model = m;
    b.gpu = g;
    b.gpus = gpus;
    b.utilization = (double)util / (double)MILLIONTHS;
    b.gpu_bytes = g->memory_gb * GB * gpus;
    b.usable_bytes = g->memory_gb * gpus * util * (GB / MILLIONTHS);
    b.weight_bytes = m->params * m->bytes_per_element;
    b.activation_bytes = KVS_ACTIVATION_RESERVE_BYTES * gpus;
    b.kv_cache_bytes = kv_bytes_for(m, g, gpus, util);
    b.kv_bytes_per_token = 2LL * m->layers * m->kv_heads * m->head_dim * m->bytes_per_element;
    if (b.kv_cache_bytes < b.kv_bytes_per_token) {
        int need = 0;
        for (int k = gpus + 1; k <= KVS_MAX_GPUS && !need; k++)
            if (kv_bytes_for(m, g, k, util) >= b.kv_bytes_per_token)
                need = k;
        if (why && n) {
            int used = snprintf(why, n, "%s does not fit: its weights take %.2f GB and the "
                                "activation reserve %.2f GB, but %d x %s at utilization %g "
                                "gives %.2f GB", m->name, (double)b.weight_bytes / 1e9,
                                (double)b.activation_bytes / 1e9, gpus, g->name, b.utilization,
                                (double)b.usable_bytes / 1e9);
            if (used >= 0 && (size_t)used < n) {
                if (need)
                    snprintf(why + used, n - (size_t)used, ": use at least %d GPUs, a larger GPU "
                             "or a higher utilization", need);
                else
                    snprintf(why + used, n - (size_t)used, ": use a larger GPU");
            }
        }
        return -1;
    }
    b.memory = b.kv_cache_bytes / b.kv_bytes_per_token;
    if (b.memory > KVS_MAX_MEMORY) {
        if (why && n)
            snprintf(why, n, "this setup holds %lld tokens of KV cache, above kvscope's limit "
                     "of %lld: use fewer GPUs or a lower utilization", (long long)b.memory,
                     (long long)KVS_MAX_MEMORY);
        return -1;
    }
    *M = b.memory;
    if (how)
        *how = b;
    return 0;
}

int kvs_memory_breakdown_format(const kvs_memory_breakdown *b, char *buf, size_t n)
{
    return snprintf(buf, n, "M = %lld tokens: %s on %d x %s (%lld GB) x %g = %.2f GB - weights "
                    "%.2f GB - reserve %.2f GB = %.2f GB of KV cache / %lld bytes per token (2 x "
                    "%d layers x %d KV heads x %d x %d bytes)", (long long)b->memory,
                    b->model->name, b->gpus, b->gpu->name, (long long)b->gpu->memory_gb, b->utilization,
                    (double)b->usable_bytes / 1e9, (double)b->weight_bytes / 1e9,
                    (double)b->activation_bytes / 1e9, (double)b->kv_cache_bytes / 1e9,
                    (long long)b->kv_bytes_per_token, b->model->layers, b->model->kv_heads,
                    b->model->head_dim, b->model->bytes_per_element);
}
