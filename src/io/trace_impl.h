/* io/trace_impl.h: what the trace readers (trace_*.c) share with trace.c: the streaming line
 * reader, the bad-row policy, the request accumulator and small parsers. Not a public API. */
#ifndef KVSCOPE_IO_TRACE_IMPL_H
#define KVSCOPE_IO_TRACE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cJSON.h>

#include "io/trace.h"

/* Lines end at LF, CRLF or a lone CR; the terminator is removed and a UTF-8 BOM at the start
 * of the file is dropped. Memory use is one read buffer plus the longest line. */
typedef struct {
    FILE *f;
    char *buf;
    size_t buf_len, buf_pos;
    char *line;        /* the current line, NUL-terminated */
    size_t len, cap;
    int lineno;        /* 1-based number of `line` in the file */
    int next_lineno;
    bool eof, after_cr, at_start, has_nul;
    int64_t consumed;  /* bytes consumed so far, for the progress bar */
    int64_t size;      /* file size, or -1 when unknown (a pipe) */
    /* progress bar */
    bool progress, shown;
    struct timespec t0;
    double drawn_at;   /* seconds after t0 of the last redraw */
    unsigned tick;
} trace_lines;

typedef struct {
    const kvs_trace_spec *spec;
    kvs_trace *out;
    kvs_error *err;
    const char *path;
    trace_lines in;
    /* kept requests; ids are offsets into `ids` until the end, when they become pointers */
    kvs_request *reqs;
    size_t n, cap;
    size_t *id_off;
    int *req_line;
    char *ids;
    size_t ids_len, ids_cap;
    /* the clock (nanoseconds of trace time) */
    bool have_first_row, have_prev, have_origin;
    int64_t first_row_ns, prev_ns, origin_ns, last_kept_ns;
    int prev_line;
    int64_t window_start_ns, window_end_ns;
    bool has_window_end;
    double unit_ns;    /* step_ms * rate_scale in ns */
    int64_t unit_int;  /* the same when it is a whole number of ns (exact integer division), or 0 */
    bool done;
    size_t row;        /* 1-based data row number of the current row */
    int clock;         /* kvscope format: 0 not yet known, CLOCK_STEPS or CLOCK_TIME */
    char *scratch;     /* a copy of the line for csv_split to cut up */
    size_t scratch_cap;
    char hint[256];    /* a reader's explanation for "no requests kept" (e.g. models seen) */
} trace_ctx;

enum { CLOCK_STEPS = 1, CLOCK_TIME = 2 };

/* One row after parsing, before the window / limit / order rules. */
typedef struct {
    bool steps;          /* the row gives `arrival` in steps (kvscope format), not a time */
    int64_t time_ns;     /* when !steps */
    int64_t arrival;     /* when steps */
    int time_line;       /* where the time is, for out-of-order messages (line 0 = the */
    int time_column;     /* current line) */
    int line;            /* the row's first line (a JSON object may span lines); 0 = current */
    int64_t prompt, output, predicted; /* predicted -1 = absent */
    const char *id;      /* NULL = the row number */
    size_t id_len;
    bool filtered;       /* left out by a filter (BurstGPT's model), after the order check */
} trace_row;

typedef struct {
    char *s;     /* not NUL-terminated in general: use len */
    size_t len;
    int column;  /* 1-based, in characters */
} csv_field;

#define CSV_MAX_FIELDS 64

/* Next non-blank line into c->in.line: 1, 0 at the end of the file, -1 on a read error (set). */
int trace_next_line(trace_ctx *c);

/* Start a data row: counts it and refuses a line holding a NUL byte. 0, or as trace_bad_row. */
int trace_row_begin(trace_ctx *c);
/* The current row is malformed. Strict: sets the error (with the hint to use lenient) and
 * returns -1. Lenient: counts it, remembers the first one, returns 1 (skip to the next row). */
int trace_bad_row(trace_ctx *c, int column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at another line (a JSON object spread over lines); the source line is shown only when
 * it is the current one. */
int trace_bad_row_at(trace_ctx *c, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A problem that stops loading whatever `lenient` says. line 0 = the file as a whole. */
int trace_fail(trace_ctx *c, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Apply order, failed, window and limit rules to a parsed row and keep it if it passes.
 * Returns 0 to go on, 1 when reading can stop (limit reached, past the window), -1 on error. */
int trace_add(trace_ctx *c, const trace_row *r);
/* Append a request as it is (r->id ignored; `id` NULL = the current row number). The lengths
 * reader builds its requests itself with this. Returns 0 or -1 (error set). */
int trace_push(trace_ctx *c, const kvs_request *r, const char *id, size_t id_len, int line);

/* Split a copy of the current line (quotes with "" escapes allowed, no newlines inside) into at
 * most `max` fields. Returns the count, or -1 (bad quoting or too many fields: *bad_column set),
 * or -2 when out of memory (error set). */
int csv_split(trace_ctx *c, csv_field *fields, int max, int *bad_column);
/* Read the current line as a data row of exactly `expect` fields, naming them in messages with
 * `header`. Returns 0, or as trace_bad_row (-1 / 1). */
int csv_row(trace_ctx *c, csv_field *fields, int expect, const char *header);
/* A token count field (0..KVS_MAX_MEMORY). Returns 0, or as trace_bad_row. */
int csv_count(trace_ctx *c, const csv_field *f, const char *name, int64_t *v);
/* Index of the header field named `name` (case-insensitive, surrounding blanks ignored), or -1. */
int csv_find(const csv_field *h, int n, const char *name);
/* A field as a NUL-terminated string in a static-size buffer (for messages). */
const char *csv_quote(const csv_field *f, char *buf, size_t n);
bool csv_equals(const csv_field *f, const char *s);

/* Parsers return NULL on success, otherwise what was wrong ("is not a whole number"). */
const char *trace_parse_count(const char *s, size_t len, int64_t max, int64_t *v);
const char *trace_parse_seconds(const char *s, size_t len, int64_t *ns);
const char *trace_parse_datetime(const char *s, size_t len, int64_t *ns);
/* Days since 1970-01-01 of a proleptic Gregorian date (year 1..9999). */
int64_t trace_days_from_civil(int year, int month, int day);

/* Column (1-based, in characters) of `at` inside `line`. */
int trace_column(const char *line, const char *at);

/* What the first line of a file looks like (KVS_TRACE_AUTO when nothing fits). */
kvs_trace_format trace_detect(const char *line);
/* ", or this looks like a BurstGPT trace: set format: burstgpt" when the first line suggests
 * another format than `expected`, else "". */
const char *trace_detect_hint(trace_ctx *c, kvs_trace_format expected, char *buf, size_t n);

/* JSON objects (Mooncake and kvscope): the text of one object and where it starts. */
typedef struct {
    const char *text;
    size_t len;
    int line, column;
} json_src;
/* A bad row pointing at `at` inside src->text (NULL: the object's start). As trace_bad_row. */
int json_bad(trace_ctx *c, const json_src *src, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Where "key" appears in the object's text, for a caret; NULL if it does not. */
const char *json_key_at(const json_src *src, const char *key);
/* Parse the object's text (NUL-terminated at len). NULL with *rc as trace_bad_row when it is
 * not valid JSON or not an object; the caller deletes the result. */
cJSON *json_parse_object(trace_ctx *c, const json_src *src, int *rc);
/* NULL when v is a whole number in [lo, hi]; otherwise what is wrong with it. */
const char *json_whole(const cJSON *v, double lo, double hi, int64_t *out);
/* A required whole-number field of `o` in [lo, hi]; 0 or as trace_bad_row. */
int json_count_field(trace_ctx *c, const json_src *src, const cJSON *o, const char *key,
                     double lo, double hi, const char *expected, int64_t *out);
/* A time in milliseconds (a number >= 0) into r->time_ns and r->time_column; 0 or as
 * trace_bad_row. */
int json_time_ms(trace_ctx *c, const json_src *src, const cJSON *v, const char *key,
                 trace_row *r);

/* The readers, called with the first non-blank line in c->in.line. */
int trace_read_azure(trace_ctx *c);
int trace_read_burstgpt(trace_ctx *c);
int trace_read_mooncake(trace_ctx *c);
int trace_read_lengths(trace_ctx *c);
int trace_read_kvscope(trace_ctx *c);

#endif
