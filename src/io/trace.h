/* io/trace.h: captured request traces (Azure LLM inference CSV, BurstGPT CSV, Mooncake JSONL,
 * length-only CSVs and kvscope's own JSON) -> an array of requests in arrival order.
 * docs/TRACES.md describes the formats, the options and every choice made here. */
#ifndef KVSCOPE_IO_TRACE_H
#define KVSCOPE_IO_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/scenario.h"
#include "kvscope/generator.h"
#include "kvscope/workload.h"

typedef enum {
    KVS_TRACE_AUTO,     /* detect from the header / first line */
    KVS_TRACE_AZURE,    /* TIMESTAMP,ContextTokens,GeneratedTokens (Azure LLM inference, 2023/24) */
    KVS_TRACE_BURSTGPT, /* Timestamp,Model,Request tokens,Response tokens,... (seconds) */
    KVS_TRACE_MOONCAKE, /* JSONL {"timestamp" (ms), "input_length", "output_length", ...} */
    KVS_TRACE_LENGTHS,  /* CSV of lengths only (num_prefill_tokens,num_decode_tokens,...) */
    KVS_TRACE_KVSCOPE,  /* JSON array or JSONL of {id?, arrival | time_ms, prompt, output, ...} */
    KVS_TRACE_FORMAT_COUNT
} kvs_trace_format;

/* What to read and how to turn it into steps. Fill it with kvs_trace_spec_init, then set what
 * the scenario gives. The strings are borrowed for the duration of kvs_trace_load. */
typedef struct {
    const char *path;        /* the trace file, already resolved by the caller */
    bool from_scenario;      /* path came from a scenario's `file:` (a missing file's message
                              * then says where relative paths are read from); default false */
    kvs_trace_format format; /* default KVS_TRACE_AUTO */
    double step_ms;          /* wall-clock length of one step (> 0); needed by every format with
                              * timestamps; 0 = not given */
    double start_s;          /* window start, seconds after the first valid row's time; default 0 */
    double duration_s;       /* window length in seconds; 0 = to the end of the file */
    size_t limit;            /* keep at most this many requests (the first ones); 0 = all */
    double rate_scale;       /* > 0; 10 = the trace's time runs 10x faster (10x the rate); def. 1 */
    const char *model;       /* BurstGPT only: keep rows whose Model is this (case-insensitive) */
    bool lenient;            /* skip malformed rows and count them instead of failing */
    bool keep_failed;        /* keep failed requests (0 output tokens) as 1-token outputs */
    bool progress;           /* progress bar on stderr if it is a terminal and loading takes more
                              * than a second; default true (set false while curses owns it) */
    /* The lengths format only (it has no timestamps): */
    kvs_arrival_spec arrival; /* arrival process (as in generator.h); default burst at 0 */
    uint64_t seed;            /* for the arrivals and for sampling */
    bool sample;              /* true: draw `count` rows at random (with replacement, seeded);
                               * false: the first `count` rows in file order */
    size_t count;             /* requests to make; 0 = every row (not allowed with sample) */
} kvs_trace_spec;

/* The requests read and what happened to the other rows. Owned by the caller once
 * kvs_trace_load returned 0; release with kvs_trace_free. `requests` and `id_storage` are plain
 * malloc blocks (every id points into id_storage): a caller may take both over (a scenario's
 * workload.requests and id_storage), set the two fields to NULL, then call kvs_trace_free. */
typedef struct {
    kvs_trace_format format; /* the format actually read (never AUTO) */
    kvs_request *requests;   /* `count` requests, arrival order; first arrival is step 0 for
                              * timestamped traces. ids point into private storage below. */
    size_t count;
    size_t rows_read;        /* data rows looked at (header and blank lines not counted) */
    size_t rows_bad;         /* malformed rows skipped (lenient only; otherwise loading fails) */
    size_t rows_failed;      /* failed requests (0 output tokens) skipped (0 with keep_failed) */
    size_t rows_filtered;    /* valid rows left out by `model` or before the window start */
    bool stopped_early;      /* reading stopped at `limit` or at the window's end */
    double span_s;           /* trace time from the first to the last kept request, seconds, as
                              * in the file (before rate_scale); 0 for the lengths format */
    kvs_error first_bad;     /* lenient: why the first skipped row was bad (message NULL if none) */
    /* private storage */
    char *id_storage;
} kvs_trace;

/* Defaults: auto format, step_ms 0, no window, no limit, rate_scale 1, no model filter, strict,
 * failed requests skipped, progress on, burst arrivals at step 0, seed 0, file order, every row. */
void kvs_trace_spec_init(kvs_trace_spec *spec);

/* Read and convert. Returns 0 with *out filled, or -1 with *err set ("file:line:col: what was
 * wrong and how to fix it"); *out is then empty and needs no kvs_trace_free (calling it is
 * harmless). Arrival of kept request i: floor((time_i - time_first) / (step_ms * rate_scale)),
 * time_first being the first kept request's time (docs/TRACES.md). */
int kvs_trace_load(const kvs_trace_spec *spec, kvs_trace *out, kvs_error *err);
void kvs_trace_free(kvs_trace *t);

/* "auto", "azure", "burstgpt", "mooncake", "lengths", "kvscope". */
const char *kvs_trace_format_name(kvs_trace_format f);
/* Parse a format name (case-insensitive). Returns 0, or -1 if unknown. */
int kvs_trace_format_parse(const char *name, kvs_trace_format *out);
/* "auto, azure, burstgpt, mooncake, lengths, kvscope", for error messages. */
const char *kvs_trace_format_list(void);

/* A human-readable summary for `kvscope trace info`: rows read/kept/skipped, time span, rate,
 * prompt and output statistics, the arrival steps. Returns 0, or -1 if writing failed. */
int kvs_trace_print_info(FILE *f, const kvs_trace_spec *spec, const kvs_trace *t);

#endif
