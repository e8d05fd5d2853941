/* trace.c: loading a captured trace: opening and streaming the file line by line, detecting the
 * format, the rules every format shares (order, window, limit, failed rows, bad rows), and the
 * conversion of times into steps. The per-format readers are trace_*.c. */
#include "io/trace.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/trace_impl.h"

#define READ_CHUNK ((size_t)1 << 16)
/* A longer line is not a trace row (a binary file, or a JSON array written on one line, which
 * should be JSONL instead); refusing it bounds memory. */
#define MAX_LINE_BYTES ((size_t)64 << 20)
/* Progress is checked every this many lines: cheap enough to not show in profiles. */
#define PROGRESS_EVERY 4096u
#define NS_PER_S 1000000000LL

static const char *const format_names[KVS_TRACE_FORMAT_COUNT] = {
    "auto", "azure", "burstgpt", "mooncake", "lengths", "kvscope",
};

void kvs_trace_spec_init(kvs_trace_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->format = KVS_TRACE_AUTO;
    spec->rate_scale = 1.0;
    spec->progress = true;
    spec->arrival.kind = KVS_ARRIVAL_BURST;
}

const char *kvs_trace_format_name(kvs_trace_format f)
{
    return f >= 0 && f < KVS_TRACE_FORMAT_COUNT ? format_names[f] : "?";
}

static int ascii_lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; }

static bool same_text_nocase(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return false;
    return true;
}

int kvs_trace_format_parse(const char *name, kvs_trace_format *out)
{
    for (int i = 0; i < KVS_TRACE_FORMAT_COUNT; i++)
        if (name && same_text_nocase(name, strlen(name), format_names[i])) {
            *out = (kvs_trace_format)i;
            return 0;
        }
    return -1;
}

const char *kvs_trace_format_list(void)
{
    return "auto, azure, burstgpt, mooncake, lengths, kvscope";
}

/* ------------------------------------------------------------------------------------------------
 * Errors */

static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len < 0)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (s)
        vsnprintf(s, (size_t)len + 1, fmt, ap);
    return s;
}

static char *dup_text(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* The message, plus the current line as the source when the error is on it. */
static void set_error(trace_ctx *c, kvs_error *e, int line, int column, const char *msg,
                      const char *suffix)
{
    if (!e)
        return;
    kvs_error_set(e, c->path, line, column, "%s%s", msg ? msg : "out of memory", suffix);
    if (line > 0 && line == c->in.lineno && c->in.line)
        e->source_line = dup_text(c->in.line, c->in.len);
}

int trace_fail(trace_ctx *c, int line, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    set_error(c, c->err, line, column, msg, "");
    free(msg);
    return -1;
}

static int bad_row_va(trace_ctx *c, int line, int column, const char *fmt, va_list ap)
{
    char *msg = vformat(fmt, ap);
    if (!c->spec->lenient) {
        set_error(c, c->err, line, column, msg,
                  "; fix the row, or set `lenient: true` to skip malformed rows and count them");
        free(msg);
        return -1;
    }
    c->out->rows_bad++;
    if (!c->out->first_bad.message)
        set_error(c, &c->out->first_bad, line, column, msg, "");
    free(msg);
    return 1;
}

int trace_bad_row(trace_ctx *c, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bad_row_va(c, c->in.lineno, column, fmt, ap);
    va_end(ap);
    return rc;
}

int trace_bad_row_at(trace_ctx *c, int line, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bad_row_va(c, line, column, fmt, ap);
    va_end(ap);
    return rc;
}

int trace_column(const char *line, const char *at)
{
    int col = 1;
    for (const char *p = line; p < at && *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            col++;
    return col;
}

/* ------------------------------------------------------------------------------------------------
 * Reading lines */

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_show(trace_ctx *c)
{
    trace_lines *l = &c->in;
    if (!l->progress)
        return;
    /* Nothing for the first second (most traces load faster), then ten redraws a second. */
    double now = seconds_since(&l->t0);
    if (now < 1.0 || (l->shown && now - l->drawn_at < 0.1))
        return;
    l->drawn_at = now;
    const char *name = strrchr(c->path, '/');
    name = name ? name + 1 : c->path;
    if (l->size > 0) {
        enum { WIDTH = 30 };
        double frac = (double)l->consumed / (double)l->size;
        frac = frac > 1.0 ? 1.0 : frac;
        int fill = (int)(frac * WIDTH);
        char bar[WIDTH + 1];
        for (int i = 0; i < WIDTH; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[WIDTH] = '\0';
        fprintf(stderr, "\rreading %s [%s] %3d%%  %zu rows", name, bar, (int)(frac * 100.0),
                c->row);
    } else {
        fprintf(stderr, "\rreading %s: %zu rows", name, c->row);
    }
    fflush(stderr);
    l->shown = true;
}

static void progress_clear(trace_lines *l)
{
    if (l->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        l->shown = false;
    }
}

static int lines_append(trace_ctx *c, const char *p, size_t n)
{
    trace_lines *l = &c->in;
    if (l->len + n + 1 > MAX_LINE_BYTES)
        return trace_fail(c, l->next_lineno, 0,
                          "line %d is longer than %zu MiB: this is not a text trace with one "
                          "request per line (a JSON array must be pretty-printed or JSONL)",
                          l->next_lineno, MAX_LINE_BYTES >> 20);
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 256;
        while (cap < l->len + n + 1)
            cap *= 2;
        char *bigger = realloc(l->line, cap);
        if (!bigger)
            return trace_fail(c, l->next_lineno, 0, "out of memory reading line %d",
                              l->next_lineno);
        l->line = bigger;
        l->cap = cap;
    }
    if (memchr(p, '\0', n))
        l->has_nul = true;
    memcpy(l->line + l->len, p, n);
    l->len += n;
    l->line[l->len] = '\0';
    return 0;
}

/* One raw line (possibly blank): 1, 0 at the end, -1 on error. */
static int lines_read(trace_ctx *c)
{
    trace_lines *l = &c->in;
    l->len = 0;
    l->has_nul = false;
    if (l->line)
        l->line[0] = '\0';
    bool any = false;
    for (;;) {
        if (l->buf_pos == l->buf_len) {
            if (l->eof)
                break;
            size_t got = fread(l->buf, 1, READ_CHUNK, l->f);
            if (got == 0) {
                if (ferror(l->f))
                    return trace_fail(c, 0, 0, "cannot read the trace: %s", strerror(errno));
                l->eof = true;
                break;
            }
            l->buf_len = got;
            l->buf_pos = 0;
        }
        /* The LF of a CRLF pair may arrive in the next chunk. */
        if (l->after_cr) {
            l->after_cr = false;
            if (l->buf[l->buf_pos] == '\n') {
                l->buf_pos++;
                l->consumed++;
                continue;
            }
        }
        const char *p = l->buf + l->buf_pos;
        size_t avail = l->buf_len - l->buf_pos, k = 0;
        while (k < avail && p[k] != '\n' && p[k] != '\r')
            k++;
        if (lines_append(c, p, k) < 0)
            return -1;
        any = true;
        if (k < avail) {
            l->after_cr = p[k] == '\r';
            l->buf_pos += k + 1;
            l->consumed += (int64_t)k + 1;
            break;
        }
        l->buf_pos = l->buf_len;
        l->consumed += (int64_t)k;
    }
    if (!any) {
        l->lineno = 0; /* no current line: errors from now on show no source line */
        return 0;
    }
    l->lineno = l->next_lineno < INT_MAX ? l->next_lineno++ : INT_MAX;
    if (l->at_start) {
        l->at_start = false;
        if (l->len >= 3 && memcmp(l->line, "\xEF\xBB\xBF", 3) == 0) {
            memmove(l->line, l->line + 3, l->len - 2);
            l->len -= 3;
        }
    }
    return 1;
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

int trace_next_line(trace_ctx *c)
{
    for (;;) {
        int rc = lines_read(c);
        if (rc <= 0)
            return rc;
        if ((++c->in.tick % PROGRESS_EVERY) == 0)
            progress_show(c);
        if (!is_blank(c->in.line, c->in.len))
            return 1;
    }
}

int trace_row_begin(trace_ctx *c)
{
    c->row++;
    c->out->rows_read++;
    if (c->in.has_nul)
        return trace_bad_row(c, 0, "the line holds a NUL byte: is this a binary file or a "
                             "UTF-16 text? Save the trace as UTF-8 text");
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * CSV */

int csv_split(trace_ctx *c, csv_field *f, int max, int *bad_column)
{
    const char *line = c->in.line;
    if (c->in.len + 1 > c->scratch_cap) {
        char *bigger = realloc(c->scratch, c->in.len + 1);
        if (!bigger) {
            trace_fail(c, c->in.lineno, 0, "out of memory");
            return -2;
        }
        c->scratch = bigger;
        c->scratch_cap = c->in.len + 1;
    }
    memcpy(c->scratch, line, c->in.len + 1);
    char *p = c->scratch;
    int n = 0;
    for (;;) {
        if (n == max) {
            *bad_column = trace_column(line, line + (p - c->scratch));
            return -1;
        }
        char *start = p;
        int col = trace_column(line, line + (start - c->scratch));
        if (*p == '"') {
            /* Unquote in place: the text only shrinks, so later fields are not disturbed. */
            char *w = p;
            p++;
            for (;;) {
                if (*p == '\0') {
                    *bad_column = col;
                    return -1;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            f[n].s = start;
            f[n].len = (size_t)(w - start);
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p != ',' && *p != '\0') {
                *bad_column = trace_column(line, line + (p - c->scratch));
                return -1;
            }
        } else {
            while (*p && *p != ',')
                p++;
            f[n].s = start;
            f[n].len = (size_t)(p - start);
        }
        f[n].column = col;
        n++;
        if (*p != ',')
            return n;
        p++;
    }
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

bool csv_equals(const csv_field *f, const char *name)
{
    const char *s = f->s;
    size_t len = f->len;
    trim(&s, &len);
    return same_text_nocase(s, len, name);
}

int csv_find(const csv_field *h, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (csv_equals(&h[i], name))
            return i;
    return -1;
}

const char *csv_quote(const csv_field *f, char *buf, size_t n)
{
    size_t len = f->len < n - 1 ? f->len : n - 1;
    memcpy(buf, f->s, len);
    buf[len] = '\0';
    return buf;
}

int csv_row(trace_ctx *c, csv_field *f, int expect, const char *header)
{
    int rc = trace_row_begin(c);
    if (rc)
        return rc;
    int bad = 0;
    int n = csv_split(c, f, CSV_MAX_FIELDS, &bad);
    if (n == -2)
        return -1;
    if (n < 0)
        return trace_bad_row(c, bad, "bad CSV quoting or more than %d fields (the header "
                             "has %d: %s)", CSV_MAX_FIELDS, expect, header);
    if (n != expect)
        return trace_bad_row(c, n < expect ? (int)(trace_column(c->in.line, c->in.line +
                                                                c->in.len)) : f[expect].column,
                             "the row has %d field%s but the header has %d (%s)", n,
                             n == 1 ? "" : "s", expect, header);
    return 0;
}

int csv_count(trace_ctx *c, const csv_field *f, const char *name, int64_t *v)
{
    const char *why = trace_parse_count(f->s, f->len, KVS_MAX_MEMORY, v);
    if (!why)
        return 0;
    char q[48];
    return trace_bad_row(c, f->column, "%s '%s' %s: expected a token count, a whole number "
                         ">= 0", name, csv_quote(f, q, sizeof q), why);
}

/* ------------------------------------------------------------------------------------------------
 * Numbers and times */

const char *trace_parse_count(const char *s, size_t len, int64_t max, int64_t *v)
{
    trim(&s, &len);
    if (len == 0)
        return "is empty";
    if (s[0] == '-')
        return "is negative";
    size_t i = 0;
    int64_t x = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (x > (max - (s[i] - '0')) / 10)
            return "is too large (kvscope's limit is 2000000000 tokens)";
        x = x * 10 + (s[i] - '0');
    }
    if (i == 0)
        return "is not a number";
    /* Exporters that went through floating point write 472.0; that is still a whole number. */
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] == '0'; i++)
            ;
        if (i < len && s[i] >= '1' && s[i] <= '9')
            return "is not a whole number";
    }
    if (i < len)
        return "is not a number";
    *v = x;
    return NULL;
}

/* Up to 9 fractional digits as nanoseconds; further digits are below a nanosecond and dropped. */
static const char *parse_fraction(const char **p, const char *end, int64_t *ns)
{
    int64_t frac = 0;
    int digits = 0;
    const char *q = *p;
    for (; q < end && *q >= '0' && *q <= '9'; q++) {
        if (digits < 9) {
            frac = frac * 10 + (*q - '0');
            digits++;
        }
    }
    if (q == *p)
        return "has a '.' without digits after it";
    for (; digits < 9; digits++)
        frac *= 10;
    *ns = frac;
    *p = q;
    return NULL;
}

const char *trace_parse_seconds(const char *s, size_t len, int64_t *ns)
{
    trim(&s, &len);
    if (len == 0)
        return "is empty";
    if (s[0] == '-')
        return "is negative";
    const char *p = s, *end = s + len;
    int64_t sec = 0;
    /* 9e9 s (285 years) keeps sec * 1e9 inside int64. */
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        sec = sec * 10 + (*p - '0');
        if (sec > 9000000000LL)
            return "is too large (more than 9e9 seconds)";
    }
    if (p == s)
        return "is not a number";
    int64_t frac = 0;
    if (p < end && *p == '.') {
        p++;
        if (p < end) {
            const char *why = parse_fraction(&p, end, &frac);
            if (why)
                return why;
        }
    }
    if (p < end)
        return "is not a number";
    *ns = sec * NS_PER_S + frac;
    return NULL;
}

int64_t trace_days_from_civil(int year, int month, int day)
{
    static const int before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    /* Leap days in years 1..y: every 4th year, except centuries not divisible by 400. */
    int64_t y = year - 1;
    int64_t leaps_before = y / 4 - y / 100 + y / 400;
    const int64_t leaps_before_1970 = 1969 / 4 - 1969 / 100 + 1969 / 400; /* 477 */
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int64_t days = (int64_t)(year - 1970) * 365 + (leaps_before - leaps_before_1970);
    days += before_month[month - 1] + (leap && month > 2) + (day - 1);
    return days;
}

static bool digits(const char *p, const char *end, int n, int *v)
{
    if (end - p < n)
        return false;
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return true;
}

const char *trace_parse_datetime(const char *s, size_t len, int64_t *ns)
{
    trim(&s, &len);
    if (len == 0)
        return "is empty";
    const char *p = s, *end = s + len;
    int year, month, day, hour, minute, second;
    if (!digits(p, end, 4, &year) || end - p < 5 || p[4] != '-' ||
        !digits(p + 5, end, 2, &month) || end - p < 8 || p[7] != '-' ||
        !digits(p + 8, end, 2, &day))
        return "is not a date-time (YYYY-MM-DD HH:MM:SS[.fraction][+00:00])";
    p += 10;
    if (p >= end || (*p != ' ' && *p != 'T') || !digits(p + 1, end, 2, &hour) ||
        end - p < 4 || p[3] != ':' || !digits(p + 4, end, 2, &minute) || end - p < 7 ||
        p[6] != ':' || !digits(p + 7, end, 2, &second))
        return "has no time HH:MM:SS after the date";
    p += 9;
    if (year < 1900 || year > 2200)
        return "has a year outside 1900..2200";
    static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12)
        return "has a month outside 1..12";
    if (day < 1 || day > month_days[month - 1] || (month == 2 && day == 29 && !leap))
        return "has a day that the month does not have";
    if (hour > 23 || minute > 59 || second > 59)
        return "has an hour, minute or second out of range";
    int64_t frac = 0;
    if (p < end && *p == '.') {
        p++;
        const char *why = parse_fraction(&p, end, &frac);
        if (why)
            return why;
    }
    int64_t offset_s = 0;
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (!digits(p, end, 2, &oh))
            return "has a time-zone offset that is not +HH:MM";
        p += 2;
        if (p < end && *p == ':')
            p++;
        if (p < end) {
            if (!digits(p, end, 2, &om))
                return "has a time-zone offset that is not +HH:MM";
            p += 2;
        }
        if (oh > 23 || om > 59)
            return "has a time-zone offset out of range";
        offset_s = sign * (oh * 3600 + om * 60);
    }
    if (p < end)
        return "has unexpected text after the time";
    int64_t secs = trace_days_from_civil(year, month, day) * 86400 + hour * 3600 +
                   minute * 60 + second - offset_s;
    *ns = secs * NS_PER_S + frac;
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Keeping requests */

static int grow(trace_ctx *c, int line)
{
    if (c->n < c->cap)
        return 0;
    if (c->n >= KVS_MAX_REQUESTS)
        return trace_fail(c, line, 0, "more than %zu requests: kvscope's limit. Use `limit` or "
                          "`duration_s` to take a part of the trace", KVS_MAX_REQUESTS);
    size_t cap = c->cap ? c->cap * 2 : 1024;
    kvs_request *r = realloc(c->reqs, cap * sizeof *r);
    if (r)
        c->reqs = r;
    size_t *o = realloc(c->id_off, cap * sizeof *o);
    if (o)
        c->id_off = o;
    int *l = realloc(c->req_line, cap * sizeof *l);
    if (l)
        c->req_line = l;
    if (!r || !o || !l)
        return trace_fail(c, line, 0, "out of memory after %zu requests: use `limit` or "
                          "`duration_s` to take a part of the trace", c->n);
    c->cap = cap;
    return 0;
}

static int push_id(trace_ctx *c, const char *id, size_t len, int line)
{
    while (c->ids_len + len + 1 > c->ids_cap) {
        size_t cap = c->ids_cap ? c->ids_cap * 2 : 8192;
        char *b = realloc(c->ids, cap);
        if (!b)
            return trace_fail(c, line, 0, "out of memory after %zu requests", c->n);
        c->ids = b;
        c->ids_cap = cap;
    }
    c->id_off[c->n] = c->ids_len;
    memcpy(c->ids + c->ids_len, id, len);
    c->ids[c->ids_len + len] = '\0';
    c->ids_len += len + 1;
    return 0;
}

int trace_push(trace_ctx *c, const kvs_request *r, const char *id, size_t id_len, int line)
{
    char num[24];
    if (!id) {
        id_len = (size_t)snprintf(num, sizeof num, "%zu", c->row);
        id = num;
    }
    if (grow(c, line) < 0 || push_id(c, id, id_len, line) < 0)
        return -1;
    c->reqs[c->n] = *r;
    c->reqs[c->n].id = NULL;
    c->req_line[c->n] = line;
    c->n++;
    return 0;
}

static void trace_filtered(trace_ctx *c) { c->out->rows_filtered++; }

static int64_t steps_of(const trace_ctx *c, int64_t delta_ns)
{
    if (c->unit_int > 0)
        return delta_ns / c->unit_int;
    double a = floor((double)delta_ns / c->unit_ns);
    return a > (double)KVS_MAX_ARRIVAL ? KVS_MAX_ARRIVAL + 1 : (int64_t)a;
}

static void describe_ns(int64_t ns, char *buf, size_t n)
{
    snprintf(buf, n, "%.3f s", (double)ns / 1e9);
}

/* trace_add's callers read 1 as "stop reading": a skipped bad row must go on instead. */
static int skip_or_fail(int bad_row_rc) { return bad_row_rc < 0 ? -1 : 0; }

static int row_line(const trace_ctx *c, const trace_row *r)
{
    return r->line ? r->line : c->in.lineno;
}

static int time_line(const trace_ctx *c, const trace_row *r)
{
    return r->time_line ? r->time_line : c->in.lineno;
}

/* Times near the end of int64's range (a date in 2200 plus a long window) must not wrap. */
static int64_t add_saturated(int64_t a, int64_t b)
{
    return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* The kvscope format's `arrival` rows: the clock is the step itself (see docs/TRACES.md). */
static int add_steps(trace_ctx *c, const trace_row *r)
{
    const kvs_trace_spec *s = c->spec;
    int line = row_line(c, r);
    if (c->have_prev && r->arrival < c->prev_ns)
        return skip_or_fail(trace_bad_row_at(
            c, time_line(c, r), r->time_column, "arrival %lld is before the previous row's (%lld, line %d): "
            "requests must be in arrival order; sort the trace (e.g. jq 'sort_by(.arrival)')",
            (long long)r->arrival, (long long)c->prev_ns, c->prev_line));
    c->have_prev = true;
    c->prev_ns = r->arrival;
    c->prev_line = line;
    double per_s = s->step_ms > 0.0 ? 1000.0 / s->step_ms : 0.0; /* steps per second */
    double start = s->start_s * per_s;
    if ((double)r->arrival < start) {
        trace_filtered(c);
        return 0;
    }
    if (s->duration_s > 0.0 && (double)r->arrival >= start + s->duration_s * per_s) {
        c->out->stopped_early = true;
        return 1;
    }
    kvs_request q = {NULL, r->arrival, r->prompt, r->output, r->predicted};
    if (q.output == 0) {
        if (!s->keep_failed) {
            c->out->rows_failed++;
            return 0;
        }
        q.output = 1;
    }
    if (s->start_s > 0.0 || s->rate_scale != 1.0)
        q.arrival = (int64_t)floor(((double)r->arrival - start) / s->rate_scale);
    if (!c->have_origin) {
        c->have_origin = true;
        c->origin_ns = r->arrival;
    }
    c->last_kept_ns = r->arrival;
    if (trace_push(c, &q, r->id, r->id_len, line) < 0)
        return -1;
    if (s->limit && c->n >= s->limit) {
        c->out->stopped_early = true;
        return 1;
    }
    return 0;
}

int trace_add(trace_ctx *c, const trace_row *r)
{
    if (r->steps)
        return add_steps(c, r);
    const kvs_trace_spec *s = c->spec;
    int line = row_line(c, r);
    int64_t t = r->time_ns;
    if (c->have_prev && t < c->prev_ns) {
        char d[48];
        describe_ns(c->prev_ns - t, d, sizeof d);
        return skip_or_fail(trace_bad_row_at(
            c, time_line(c, r), r->time_column, "the time goes back %s from the previous row (line %d): the "
            "trace must be sorted by time; sort it first (keep the header, `sort` the rest)",
            d, c->prev_line));
    }
    c->have_prev = true;
    c->prev_ns = t;
    c->prev_line = line;
    if (r->filtered) {
        trace_filtered(c);
        return 0;
    }
    if (!c->have_first_row) {
        c->have_first_row = true;
        c->first_row_ns = t;
        c->window_start_ns = add_saturated(t, (int64_t)llround(s->start_s * 1e9));
        c->has_window_end = s->duration_s > 0.0;
        if (c->has_window_end)
            c->window_end_ns = add_saturated(c->window_start_ns,
                                             (int64_t)llround(s->duration_s * 1e9));
    }
    if (t < c->window_start_ns) {
        trace_filtered(c);
        return 0;
    }
    if (c->has_window_end && t >= c->window_end_ns) {
        c->out->stopped_early = true;
        return 1;
    }
    kvs_request q = {NULL, 0, r->prompt, r->output, r->predicted};
    if (q.output == 0) {
        if (!s->keep_failed) {
            c->out->rows_failed++;
            return 0;
        }
        q.output = 1;
    }
    if (!c->have_origin) {
        c->have_origin = true;
        c->origin_ns = t;
    }
    q.arrival = steps_of(c, t - c->origin_ns);
    if (q.arrival > KVS_MAX_ARRIVAL)
        return trace_fail(c, time_line(c, r), r->time_column, "this request would arrive at a step beyond "
                          "kvscope's limit (2^50): raise step_ms or take a shorter window "
                          "(duration_s)");
    c->last_kept_ns = t;
    if (trace_push(c, &q, r->id, r->id_len, line) < 0)
        return -1;
    if (s->limit && c->n >= s->limit) {
        c->out->stopped_early = true;
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Detection */

kvs_trace_format trace_detect(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '[')
        return KVS_TRACE_KVSCOPE;
    if (*line == '{')
        return strstr(line, "\"input_length\"") ? KVS_TRACE_MOONCAKE : KVS_TRACE_KVSCOPE;
    /* A CSV header: look for the columns that name each format. */
    bool ts = false, ctx = false, gen = false, req = false, resp = false, prefill = false;
    bool prompt = false, output = false;
    const char *p = line;
    while (*p) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *s = p;
        size_t len = (size_t)(e - p);
        trim(&s, &len);
        if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
            s++;
            len -= 2;
        }
        ts |= same_text_nocase(s, len, "timestamp");
        ctx |= same_text_nocase(s, len, "contexttokens");
        gen |= same_text_nocase(s, len, "generatedtokens");
        req |= same_text_nocase(s, len, "request tokens");
        resp |= same_text_nocase(s, len, "response tokens");
        prefill |= same_text_nocase(s, len, "num_prefill_tokens");
        prompt |= same_text_nocase(s, len, "prompt");
        output |= same_text_nocase(s, len, "output");
        p = *e ? e + 1 : e;
    }
    if (ts && ctx && gen)
        return KVS_TRACE_AZURE;
    if (ts && req && resp)
        return KVS_TRACE_BURSTGPT;
    if (prefill || (prompt && output))
        return KVS_TRACE_LENGTHS;
    return KVS_TRACE_AUTO;
}

const char *trace_detect_hint(trace_ctx *c, kvs_trace_format expected, char *buf, size_t n)
{
    kvs_trace_format seen = trace_detect(c->in.line);
    if (seen == KVS_TRACE_AUTO || seen == expected) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, n, "; the first line looks like `format: %s` (set that, or `auto`)",
             kvs_trace_format_name(seen));
    return buf;
}

/* ------------------------------------------------------------------------------------------------
 * Loading */

static int check_spec(trace_ctx *c)
{
    const kvs_trace_spec *s = c->spec;
    if (!(s->format >= KVS_TRACE_AUTO && s->format < KVS_TRACE_FORMAT_COUNT))
        return trace_fail(c, 0, 0, "unknown trace format: use one of %s",
                          kvs_trace_format_list());
    if (!(isfinite(s->step_ms) && s->step_ms >= 0.0))
        return trace_fail(c, 0, 0, "step_ms must be a number > 0 (milliseconds per step)");
    if (!(isfinite(s->rate_scale) && s->rate_scale > 0.0))
        return trace_fail(c, 0, 0, "rate_scale must be a number > 0 (10 = ten times the rate)");
    if (!(isfinite(s->start_s) && s->start_s >= 0.0 && s->start_s < 9e9))
        return trace_fail(c, 0, 0, "start_s must be a number of seconds >= 0");
    if (!(isfinite(s->duration_s) && s->duration_s >= 0.0 && s->duration_s < 9e9))
        return trace_fail(c, 0, 0, "duration_s must be a number of seconds > 0 (or 0 for "
                          "the whole trace)");
    if (s->step_ms > 0.0) {
        double unit = s->step_ms * 1e6 * s->rate_scale;
        if (!(unit >= 1e-3 && unit < 9e18))
            return trace_fail(c, 0, 0, "step_ms x rate_scale is out of range: one step must "
                              "cover between 1 picosecond and 285 years of trace time");
        c->unit_ns = unit;
        c->unit_int = unit == floor(unit) && unit >= 1.0 ? (int64_t)unit : 0;
    }
    return 0;
}

/* Options that only some formats understand: refuse the others instead of ignoring them. */
static int check_format_options(trace_ctx *c, kvs_trace_format f)
{
    const kvs_trace_spec *s = c->spec;
    const char *name = kvs_trace_format_name(f);
    if (s->model && f != KVS_TRACE_BURSTGPT)
        return trace_fail(c, 0, 0, "`model` filters BurstGPT traces; this is a%s %s trace: "
                          "remove `model`", f == KVS_TRACE_AZURE ? "n" : "", name);
    if (f == KVS_TRACE_LENGTHS) {
        if (s->limit)
            return trace_fail(c, 0, 0, "a lengths trace takes `count` (how many requests to "
                              "make), not `limit`");
        if (s->start_s > 0.0 || s->duration_s > 0.0 || s->rate_scale != 1.0)
            return trace_fail(c, 0, 0, "a lengths trace has no timestamps, so start_s, "
                              "duration_s and rate_scale do not apply: set the arrival "
                              "process (e.g. arrival: {process: poisson, rate: 0.5}) instead");
        if (s->sample && s->count == 0)
            return trace_fail(c, 0, 0, "`sample: true` needs `count`: how many rows to draw");
        return 0;
    }
    if (s->sample || s->count)
        return trace_fail(c, 0, 0, "`count` and `sample` apply to lengths traces; this is "
                          "a%s %s trace: use `limit` to keep the first N requests",
                          f == KVS_TRACE_AZURE ? "n" : "", name);
    if (f != KVS_TRACE_KVSCOPE && !(s->step_ms > 0.0))
        return trace_fail(c, 0, 0, "step_ms is needed to turn the trace's timestamps into "
                          "steps: give step_ms > 0, the wall-clock length of one decode step "
                          "(e.g. 25)");
    return 0;
}

typedef struct {
    const char *id;
    size_t index;
} id_ref;

static int cmp_id_ref(const void *pa, const void *pb)
{
    const id_ref *a = pa, *b = pb;
    int d = strcmp(a->id, b->id);
    return d ? d : (a->index > b->index) - (a->index < b->index);
}

/* Duplicate ids can only come from the kvscope format's own `id`s. Sorting by (id, position)
 * finds them in n log n; the message names the duplicate that comes first in the file. */
static int check_duplicate_ids(trace_ctx *c)
{
    if (c->n < 2)
        return 0;
    id_ref *refs = malloc(c->n * sizeof *refs);
    if (!refs)
        return trace_fail(c, 0, 0, "out of memory checking ids");
    for (size_t i = 0; i < c->n; i++)
        refs[i] = (id_ref){c->ids + c->id_off[i], i};
    qsort(refs, c->n, sizeof *refs, cmp_id_ref);
    size_t second = (size_t)-1, first = 0, group = 0;
    for (size_t i = 1; i < c->n; i++) {
        if (strcmp(refs[i].id, refs[group].id) != 0) {
            group = i;
            continue;
        }
        if (i == group + 1 && refs[i].index < second) {
            second = refs[i].index;
            first = refs[group].index;
        }
    }
    free(refs);
    if (second == (size_t)-1)
        return 0;
    return trace_fail(c, c->req_line[second], 0, "duplicate id '%s' (request #%zu at line %d "
                      "already has it): give every request its own id, or leave `id` out to "
                      "use row numbers", c->ids + c->id_off[second], first + 1,
                      c->req_line[first]);
}

static void ctx_free(trace_ctx *c)
{
    progress_clear(&c->in);
    if (c->in.f)
        fclose(c->in.f);
    free(c->in.buf);
    free(c->in.line);
    free(c->reqs);
    free(c->id_off);
    free(c->req_line);
    free(c->ids);
    free(c->scratch);
}

static int open_trace(trace_ctx *c)
{
    const char *path = c->path;
    struct stat st;
    if (stat(path, &st) != 0)
        return trace_fail(c, 0, 0, "cannot open the trace: %s%s", strerror(errno),
                          errno == ENOENT && c->spec->from_scenario && path[0] != '/'
                              ? " (a relative `file:` is read from the scenario's directory)"
                              : "");
    if (S_ISDIR(st.st_mode))
        return trace_fail(c, 0, 0, "is a directory: give the trace file inside it");
    c->in.f = fopen(path, "rb");
    if (!c->in.f)
        return trace_fail(c, 0, 0, "cannot open the trace: %s", strerror(errno));
    c->in.size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
    c->in.buf = malloc(READ_CHUNK);
    if (!c->in.buf)
        return trace_fail(c, 0, 0, "out of memory");
    c->in.at_start = true;
    c->in.next_lineno = 1;
    c->in.progress = c->spec->progress && isatty(STDERR_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &c->in.t0);
    return 0;
}

static int finish(trace_ctx *c)
{
    kvs_trace *t = c->out;
    if (c->n == 0) {
        char why[640];
        if (t->rows_read == 0)
            snprintf(why, sizeof why, "the file has no data rows after its header");
        else
            snprintf(why, sizeof why, "%zu row%s read: %zu malformed, %zu failed (0 output "
                     "tokens; `keep_failed: true` keeps them), %zu outside the window or "
                     "filtered%s%s", t->rows_read, t->rows_read == 1 ? "" : "s", t->rows_bad,
                     t->rows_failed, t->rows_filtered, c->hint[0] ? "; " : "", c->hint);
        return trace_fail(c, 0, 0, "no requests kept from the trace: %s", why);
    }
    if (t->format == KVS_TRACE_KVSCOPE && check_duplicate_ids(c) < 0)
        return -1;
    /* Hand the arrays over, shrunk to size, and turn id offsets into pointers. */
    kvs_request *r = realloc(c->reqs, c->n * sizeof *r);
    if (r)
        c->reqs = r;
    for (size_t i = 0; i < c->n; i++)
        c->reqs[i].id = c->ids + c->id_off[i];
    t->requests = c->reqs;
    t->count = c->n;
    t->id_storage = c->ids;
    c->reqs = NULL;
    c->ids = NULL;
    if (c->clock == CLOCK_STEPS)
        t->span_s = c->spec->step_ms > 0.0
                        ? (double)(c->last_kept_ns - c->origin_ns) * c->spec->step_ms / 1000.0
                        : 0.0;
    else if (t->format != KVS_TRACE_LENGTHS)
        t->span_s = (double)(c->last_kept_ns - c->origin_ns) / 1e9;
    return 0;
}

int kvs_trace_load(const kvs_trace_spec *spec, kvs_trace *out, kvs_error *err)
{
    memset(out, 0, sizeof *out);
    trace_ctx c;
    memset(&c, 0, sizeof c);
    c.spec = spec;
    c.out = out;
    c.err = err;
    c.path = spec->path ? spec->path : "<trace>";
    int rc = -1;
    if (!spec->path) {
        trace_fail(&c, 0, 0, "no trace file given: set `file:`");
        goto done;
    }
    if (check_spec(&c) < 0 || open_trace(&c) < 0)
        goto done;
    int got = trace_next_line(&c);
    if (got < 0)
        goto done;
    if (got == 0) {
        trace_fail(&c, 0, 0, "the trace file is empty");
        goto done;
    }
    kvs_trace_format f = spec->format;
    if (f == KVS_TRACE_AUTO) {
        f = trace_detect(c.in.line);
        if (f == KVS_TRACE_AUTO && c.in.has_nul) {
            trace_fail(&c, c.in.lineno, 0, "the first line holds NUL bytes: is this UTF-16 text "
                       "or a compressed file? Save the trace as UTF-8 text (e.g. iconv -f "
                       "UTF-16 -t UTF-8), uncompressed");
            goto done;
        }
        if (f == KVS_TRACE_AUTO) {
            trace_fail(&c, c.in.lineno, 1, "cannot tell the trace's format from its first line: "
                       "expected an Azure header (TIMESTAMP,ContextTokens,GeneratedTokens), a "
                       "BurstGPT header (Timestamp,Model,Request tokens,Response tokens,...), "
                       "a lengths header (num_prefill_tokens,num_decode_tokens,...), a JSON "
                       "object per line (Mooncake or kvscope) or a JSON array (kvscope); or set "
                       "`format:` to one of %s", kvs_trace_format_list());
            goto done;
        }
    }
    out->format = f;
    if (check_format_options(&c, f) < 0)
        goto done;
    switch (f) {
    case KVS_TRACE_AZURE:
        rc = trace_read_azure(&c);
        break;
    case KVS_TRACE_BURSTGPT:
        rc = trace_read_burstgpt(&c);
        break;
    case KVS_TRACE_MOONCAKE:
        rc = trace_read_mooncake(&c);
        break;
    case KVS_TRACE_LENGTHS:
        rc = trace_read_lengths(&c);
        break;
    case KVS_TRACE_KVSCOPE:
        rc = trace_read_kvscope(&c);
        break;
    default:
        rc = trace_fail(&c, 0, 0, "unknown trace format");
        break;
    }
    if (rc >= 0)
        rc = finish(&c);
done:
    ctx_free(&c);
    if (rc < 0) {
        kvs_error_clear(&out->first_bad);
        free(out->requests);
        free(out->id_storage);
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

void kvs_trace_free(kvs_trace *t)
{
    if (!t)
        return;
    free(t->requests);
    free(t->id_storage);
    kvs_error_clear(&t->first_bad);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------------------------------------
 * `kvscope trace info` */

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Nearest rank, as the reports use (MODEL.md §7): the value of rank ceil(p n / 100). */
static int64_t rank(const int64_t *sorted, size_t n, int p)
{
    size_t r = ((size_t)p * n + 99) / 100;
    return sorted[r ? r - 1 : 0];
}

static int print_lengths(FILE *f, const char *what, int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i];
    return fprintf(f, "%-14s min %lld  mean %.1f  p50 %lld  p90 %lld  p99 %lld  max %lld\n",
                   what, (long long)v[0], sum / (double)n, (long long)rank(v, n, 50),
                   (long long)rank(v, n, 90), (long long)rank(v, n, 99),
                   (long long)v[n - 1]) < 0 ? -1 : 0;
}

int kvs_trace_print_info(FILE *f, const kvs_trace_spec *spec, const kvs_trace *t)
{
    size_t n = t->count;
    int bad = 0;
    bad |= fprintf(f, "trace:         %s\nformat:        %s\n", spec->path ? spec->path : "-",
                   kvs_trace_format_name(t->format)) < 0;
    bad |= fprintf(f, "rows:          %zu read, %zu kept, %zu malformed (skipped), %zu failed "
                   "(skipped), %zu filtered%s\n", t->rows_read, n, t->rows_bad, t->rows_failed,
                   t->rows_filtered, t->stopped_early ? "; stopped early at the limit or "
                   "window end" : "") < 0;
    if (n == 0)
        return bad ? -1 : 0;
    int64_t last = t->requests[n - 1].arrival;
    if (t->format != KVS_TRACE_LENGTHS && t->span_s > 0.0) {
        bad |= fprintf(f, "time span:     %.3f s of trace time (%.3f requests/s)", t->span_s,
                       (double)(n - 1) / t->span_s) < 0;
        if (spec->rate_scale != 1.0)
            bad |= fprintf(f, "; at rate_scale %g: %.3f s", spec->rate_scale,
                           t->span_s / spec->rate_scale) < 0;
        bad |= fputc('\n', f) == EOF;
    }
    bad |= fprintf(f, "arrivals:      steps %lld..%lld", (long long)t->requests[0].arrival,
                   (long long)last) < 0;
    if (spec->step_ms > 0.0)
        bad |= fprintf(f, " at step_ms %g", spec->step_ms) < 0;
    if (last > 0)
        bad |= fprintf(f, " (%.4f requests/step)", (double)n / (double)(last + 1)) < 0;
    bad |= fputc('\n', f) == EOF;
    int64_t *v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    int64_t most = 0;
    for (size_t i = 0; i < n; i++) {
        const kvs_request *r = &t->requests[i];
        v[i] = r->prompt;
        most = r->prompt + r->output > most ? r->prompt + r->output : most;
    }
    bad |= print_lengths(f, "prompt tokens:", v, n) < 0;
    for (size_t i = 0; i < n; i++)
        v[i] = t->requests[i].output;
    bad |= print_lengths(f, "output tokens:", v, n) < 0;
    free(v);
    bad |= fprintf(f, "largest s+o:   %lld tokens (the memory budget M must be at least this, "
                   "or use `oversize: drop`)\n", (long long)most) < 0;
    if (t->first_bad.message) {
        bad |= fputs("first skipped malformed row:\n", f) == EOF;
        kvs_error_print(f, &t->first_bad);
    }
    return bad ? -1 : 0;
}
