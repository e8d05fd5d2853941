/* io/scenario.h: scenario files (YAML, via libyaml) -> a validated workload + config.
 * Every error names file:line:column (1-based) and says what was expected and how to fix it. */
#ifndef KVSCOPE_IO_SCENARIO_H
#define KVSCOPE_IO_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvscope/config.h"
#include "kvscope/generator.h"
#include "kvscope/workload.h"

/* An input error pointing into a file. line/column are 1-based; 0 when not applicable
 * (e.g. a file that cannot be opened). All strings owned by the error. */
typedef struct {
    char *file;
    int line, column;
    char *message;     /* "unknown key 'polcy' in the top level: expected one of memory, policy, ..." */
    char *source_line; /* the offending line of the file, without newline, or NULL */
} kvs_error;

void kvs_error_set(kvs_error *err, const char *file, int line, int column, const char *fmt, ...);
/* Print "file:line:col: error: message", then the source line and a caret under the column. */
void kvs_error_print(FILE *f, const kvs_error *err);
void kvs_error_clear(kvs_error *err);
/* Write s for a terminal: control characters (C0, DEL, C1) and bytes that are not valid UTF-8
 * are written as \xHH or \u00HH escapes; everything else as is. */
void kvs_fput_printable(FILE *f, const char *s);

typedef struct {
    char *path;            /* as given (or "<default>" for the embedded one) */
    char *name;            /* `name:` or the file's stem */
    char *description;     /* the `description:` text, or NULL */
    kvs_config config;     /* from policy/admission/information (defaults: fcfs, by info, exact) */
    double step_ms;        /* wall-clock length of one step; 0 = not given */
    kvs_workload workload; /* requests owned by the scenario (and their ids) */
    size_t dropped;        /* requests removed by `oversize: drop` (they exceed memory) */
    char *memory_note;     /* how M was derived from `memory: {model, gpu, ...}`, or NULL */
    char *trace_file;      /* the trace read (path as opened), or NULL */
    size_t trace_rows_read, trace_rows_bad, trace_rows_failed, trace_rows_filtered;
    char *trace_first_bad; /* lenient: "file:line:col: why" of the first skipped row, or NULL */
    /* private storage */
    char *id_storage;
} kvs_scenario;

/* Command-line overrides, applied before generation and validation (a generated workload depends
 * on memory and seed). memory <= 0 and seed_set false mean "as in the file". */
typedef struct {
    int64_t memory;
    bool seed_set;
    uint64_t seed;
    bool lenient; /* traces: skip malformed rows (counted) instead of failing (--lenient) */
    bool quiet;   /* traces: no progress bar on stderr (e.g. while curses owns the terminal) */
} kvs_scenario_overrides;

/* Load and validate. `ov` may be NULL. Returns 0, or -1 with *err filled (the scenario is then
 * left empty and needs no free). */
int kvs_scenario_load(const char *path, const kvs_scenario_overrides *ov, kvs_scenario *out,
                      kvs_error *err);
/* The same from memory; `name` is used as the file name in errors. */
int kvs_scenario_load_string(const char *name, const char *text, size_t len,
                             const kvs_scenario_overrides *ov, kvs_scenario *out, kvs_error *err);
/* The bundled default scenario (scenarios/classroom.yaml compiled into the binary). */
int kvs_scenario_load_default(const kvs_scenario_overrides *ov, kvs_scenario *out, kvs_error *err);
void kvs_scenario_free(kvs_scenario *s);

#endif
