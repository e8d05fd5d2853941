/* error.c: input errors that point into a file (file:line:col, the source line and a caret), shared
 * by every reader of user files so that all of them report problems the same way. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/scenario.h"

/* Long lines (a minified flow mapping) are shown as a window around the column, so the caret
 * stays on screen. Counted in characters, not bytes. */
#define WINDOW_BEFORE 60
#define WINDOW_AFTER 60

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void kvs_error_clear(kvs_error *err)
{
    if (!err)
        return;
    free(err->file);
    free(err->message);
    free(err->source_line);
    memset(err, 0, sizeof *err);
}

void kvs_error_set(kvs_error *err, const char *file, int line, int column, const char *fmt, ...)
{
    if (!err)
        return;
    kvs_error_clear(err);
    err->file = dup_or_null(file ? file : "<input>");
    err->line = line > 0 ? line : 0;
    err->column = line > 0 && column > 0 ? column : 0;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len >= 0) {
        err->message = malloc((size_t)len + 1);
        if (err->message) {
            va_start(ap, fmt);
            vsnprintf(err->message, (size_t)len + 1, fmt, ap);
            va_end(ap);
        }
    }
}

/* A UTF-8 continuation byte starts no character (libyaml counts columns in characters). */
static int is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Byte offset of character `chars` of s (or strlen(s) when s is shorter). */
static size_t char_offset(const char *s, size_t chars)
{
    size_t i = 0, seen = 0;
    while (s[i] && seen < chars) {
        i++;
        while (s[i] && is_continuation((unsigned char)s[i]))
            i++;
        seen++;
    }
    return i;
}

/* Control characters would move the terminal's cursor and misplace the caret. */
static void put_visible(FILE *f, const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c == '\t' || c >= 0x20 ? (int)c : '?', f);
    }
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if s does not start one. */
static size_t utf8_length(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F; /* beyond U+10FFFF */
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!is_continuation(s[i]))
            return 0;
    return n;
}

void kvs_fput_printable(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_length(p);
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7F))) {
            fprintf(f, "\\x%02X", *p);
            p++;
        } else if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
            fprintf(f, "\\u%04X", p[1]); /* a C1 control, e.g. U+009B (CSI) */
            p += 2;
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
}

/* The file name and the message quote what the file holds (ids, fields, names): a hostile file
 * could otherwise send escape sequences to the user's terminal through them. */
void kvs_error_print(FILE *f, const kvs_error *err)
{
    const char *file = err->file ? err->file : "<input>";
    const char *msg = err->message ? err->message : "out of memory while reporting an error";
    kvs_fput_printable(f, file);
    if (err->line > 0 && err->column > 0)
        fprintf(f, ":%d:%d", err->line, err->column);
    else if (err->line > 0)
        fprintf(f, ":%d", err->line);
    fputs(": error: ", f);
    kvs_fput_printable(f, msg);
    fputc('\n', f);
    if (err->line <= 0)
        return;
    if (!err->source_line)
        return;

    const char *src = err->source_line;
    size_t col = err->column > 0 ? (size_t)err->column - 1 : 0;
    size_t first_char = col > WINDOW_BEFORE ? col - WINDOW_BEFORE : 0;
    size_t from = char_offset(src, first_char);
    size_t at = char_offset(src, col);
    size_t to = at + char_offset(src + at, WINDOW_AFTER);
    const char *lead = from > 0 ? "..." : "";
    const char *tail = src[to] ? "..." : "";

    char gutter[24];
    int gw = snprintf(gutter, sizeof gutter, "%d", err->line);
    fprintf(f, " %s | %s", gutter, lead);
    put_visible(f, src, from, to);
    fprintf(f, "%s\n", tail);
    if (err->column <= 0)
        return;
    fprintf(f, " %*s | %s", gw, "", lead[0] ? "   " : "");
    /* Tabs are copied so that the caret lines up whatever the terminal's tab width. */
    for (size_t i = from; i < at; i++) {
        if (is_continuation((unsigned char)src[i]))
            continue;
        fputc(src[i] == '\t' ? '\t' : ' ', f);
    }
    fputs("^\n", f);
}
