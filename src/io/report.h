/* io/report.h: the headless reports of a finished (or partial) run: JSON per MODEL.md §7, CSV with
 * one row per request, a short human-readable text summary, and the `compare` table. Writers only
 * read the engine; they never change it. */
#ifndef KVSCOPE_IO_REPORT_H
#define KVSCOPE_IO_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kvscope/config.h"
#include "kvscope/engine.h"

typedef enum { KVS_FORMAT_TEXT, KVS_FORMAT_JSON, KVS_FORMAT_CSV } kvs_format;

/* "text", "json", "csv" -> *out; 0, or -1 when unknown. */
int kvs_format_parse(const char *name, kvs_format *out);
const char *kvs_format_name(kvs_format f);

/* What the report says about the run beyond what the engine knows. Strings are borrowed. */
typedef struct {
    const char *scenario; /* the scenario's name */
    double step_ms;       /* wall-clock length of one step; 0 = not given (then omitted) */
    int64_t dropped;      /* requests the loader dropped because they can never fit M */
    const char *memory_note; /* how M was derived from a model and GPU, or NULL */
    const char *trace_file;  /* the trace the requests came from, or NULL */
    int64_t trace_rows_bad;  /* malformed rows skipped (--lenient) */
    int64_t trace_rows_failed; /* failed requests (0 output tokens) skipped */
} kvs_report_meta;

/* Every writer returns 0, or -1 with errno set when writing to f failed (or out of memory). */

/* One JSON object {"summary", "config", "requests"} (MODEL.md §7, keys in that order). The
 * requests are streamed one per line, so the memory used does not grow with their number. */
int kvs_report_json(FILE *f, const kvs_engine *e, const kvs_report_meta *meta);
/* `id,arrival,prompt,output,start,finish,latency,ttft,volume,evictions`, one row per request in
 * input order; ids quoted as RFC 4180 asks; an undefined value (-1) is an empty field. Then
 * `total_latency_lower_bound,ratio_to_lower_bound`, the run's (docs/OPTIMUM.md), on every row.
 * JSON and text also carry the bound and the ratio (JSON: two more keys at the end of summary). */
int kvs_report_csv(FILE *f, const kvs_engine *e);
/* A short human summary. */
int kvs_report_text(FILE *f, const kvs_engine *e, const kvs_report_meta *meta);
/* Dispatch on fmt. */
int kvs_report_write(FILE *f, kvs_format fmt, const kvs_engine *e, const kvs_report_meta *meta);

/* ---- compare: one row per policy/preset over the same workload ---- */
typedef struct {
    const char *name;  /* the choice as the user named it ("sjf", "mcsf", ...), borrowed */
    kvs_config config; /* the config it resolved to */
    kvs_summary summary;
} kvs_compare_row;

typedef struct {
    kvs_report_meta meta;
    int64_t memory; /* M */
    uint64_t seed;
    int64_t lower_bound; /* kvs_bound_total_latency of the workload; <= 0: not shown */
} kvs_compare_info;

/* Text: an aligned table with units in the header and `*` on the best value of each column.
 * JSON: {"config": {...}, "results": [{name, policy, admission, information, <summary>}, ...]}.
 * CSV: a header and one row per result with the same columns. */
int kvs_compare_write(FILE *f, kvs_format fmt, const kvs_compare_info *info,
                      const kvs_compare_row *rows, size_t n);

/* A double as the reports print it: "%.6f", then trailing zeros and a trailing '.' removed, the
 * decimal point always '.', whatever the locale ("2.5", "3", "0.333333"); "null" when not finite.
 * Writes into buf[n] (n >= 32 is always enough for finite values below 1e24) and returns buf. */
char *kvs_format_double(double v, char *buf, size_t n);

/* Write s as one CSV field: as is, or in double quotes (inner quotes doubled) when it contains a
 * comma, a quote, CR or LF, or starts or ends with a space. Returns 0 or -1 as the writers. */
int kvs_csv_field(FILE *f, const char *s);

#endif
