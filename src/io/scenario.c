/* scenario.c: reads a scenario file (YAML, docs/SCENARIOS.md) into a validated workload + config.
 * libyaml's events are gathered into a small tree (so cross-key rules can look anywhere), except
 * the items of `requests:`, converted as they arrive; every complaint points at its node. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "io/hardware.h"
#include "io/scenario.h"
#include "io/trace.h"
#include "kvscope/generator.h"

/* Defined in the file build/gen/default_scenario.c that scripts/embed.sh generates. */
extern const char kvs_default_scenario[];
extern const char kvs_default_scenario_path[];
extern const unsigned long kvs_default_scenario_len;

/* Deeper nesting has no meaning in a scenario; the cap also bounds the recursion over the tree. */
#define MAX_DEPTH 32
/* A scenario is typed by hand; anything this large is a mistake (a trace given as a scenario). */
#define MAX_FILE_BYTES ((size_t)1 << 30)
/* How much of a found value a message quotes. */
#define QUOTE_MAX 40
/* Mirror the limits of generator.c and workload.c, checked here so the caret lands on the value. */
#define BURSTINESS_MIN 0.001
#define BURSTINESS_MAX 1000.0
#define SIGMA_MAX 10.0

/* ------------------------------------------------------------------------------------------------
 * The tree */

typedef enum { NODE_SCALAR, NODE_SEQUENCE, NODE_MAPPING } node_kind;

typedef struct node node;
struct node {
    node_kind kind;
    int line, column; /* 1-based */
    bool quoted;      /* scalar written in quotes or as a block: a string, never a number */
    char *text;       /* scalar text, NUL-terminated (may hold NULs of its own: see len) */
    size_t len;
    node **items;     /* sequence: the items; mapping: key, value, key, value, ... */
    size_t count, cap;
};

static void node_free(node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->count; i++)
        node_free(n->items[i]);
    free(n->items);
    free(n->text);
    free(n);
}

static size_t map_pairs(const node *map) { return map->count / 2; }
static const node *map_key(const node *map, size_t i) { return map->items[2 * i]; }
static const node *map_value(const node *map, size_t i) { return map->items[2 * i + 1]; }

static bool key_is(const node *key, const char *name)
{
    return key->kind == NODE_SCALAR && strlen(key->text) == key->len &&
           strcmp(key->text, name) == 0;
}

/* The value of `name` in map (keys are unique once check_keys has passed), or NULL. */
static const node *map_get(const node *map, const char *name, const node **key_out)
{
    for (size_t i = 0; i < map_pairs(map); i++)
        if (key_is(map_key(map, i), name)) {
            if (key_out)
                *key_out = map_key(map, i);
            return map_value(map, i);
        }
    return NULL;
}

static bool is_null(const node *n)
{
    if (n->kind != NODE_SCALAR || n->quoted)
        return false;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

/* ------------------------------------------------------------------------------------------------
 * Reader state and errors */

/* Where a request came from, for messages once its nodes are gone. */
typedef struct {
    int line, column;       /* the request's mapping */
    int id_line, id_column; /* its id value; 0 when the id is its position */
    size_t id_offset;       /* into request_list.ids */
} request_src;

/* The top-level `requests:` list. Its items are converted as soon as libyaml has delivered each
 * one and are not kept in the tree, so a long list costs ~70 bytes a request, not a tree. */
typedef struct {
    kvs_request *reqs;
    request_src *src;
    size_t count, cap;
    char *ids; /* every id, NUL-terminated, one after another */
    size_t ids_len, ids_cap;
} request_list;

typedef struct {
    const char *file; /* the name used in messages */
    const char *text; /* the whole input, to quote the offending line */
    size_t len;
    kvs_error *err;
    bool memory_from_command_line;
    const char *dir;          /* the scenario's directory (trace files are relative to it) */
    const kvs_scenario_overrides *ov;
    request_list requests;
    const node *requests_seq; /* the streamed sequence (it stays in the tree, empty) */
    node *requests_item;      /* the item being read: owned here, not by the tree */
} ctx;

static char *line_of(const char *text, size_t len, int line)
{
    if (line < 1)
        return NULL;
    size_t i = 0;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl)
            return NULL;
        i = (size_t)(nl - text) + 1;
    }
    size_t end = i;
    while (end < len && text[end] != '\n')
        end++;
    if (end > i && text[end - 1] == '\r')
        end--;
    char *s = malloc(end - i + 1);
    if (!s)
        return NULL;
    memcpy(s, text + i, end - i);
    s[end - i] = '\0';
    /* A NUL inside the line would cut it short; show it as something visible instead. */
    for (size_t k = 0; k < end - i; k++)
        if (s[k] == '\0')
            s[k] = '?';
    return s;
}

static void vfail_at(ctx *c, int line, int column, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    kvs_error_set(c->err, c->file, line, column, "%s", buf);
    if (c->err && line > 0)
        c->err->source_line = line_of(c->text, c->len, line);
}

static int fail_at(ctx *c, int line, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(c, line, column, fmt, ap);
    va_end(ap);
    return -1;
}

static int fail(ctx *c, const node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(c, n ? n->line : 0, n ? n->column : 0, fmt, ap);
    va_end(ap);
    return -1;
}

/* "a mapping", "a list", "nothing", "the string \"12\"", "'abc'": what a message says it found. */
static const char *describe(const node *n, char *buf, size_t size)
{
    if (n->kind == NODE_MAPPING)
        return "a mapping";
    if (n->kind == NODE_SEQUENCE)
        return "a list";
    if (is_null(n))
        return "nothing (an empty value)";
    const char *dots = n->len > QUOTE_MAX ? "..." : "";
    if (n->quoted)
        snprintf(buf, size, "the quoted string \"%.*s%s\"", QUOTE_MAX, n->text, dots);
    else
        snprintf(buf, size, "'%.*s%s'", QUOTE_MAX, n->text, dots);
    return buf;
}

/* Optimal string alignment distance (a swap of two neighbours counts once), for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* The closest of names[] to word if it is a plausible typo (distance <= 2, and not so short
 * that any two words are that close), else NULL. */
static const char *closest(const char *word, const char *const *names, size_t count)
{
    const char *best = NULL;
    size_t best_d = 3, lw = strlen(word);
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(word, names[i]);
        if (d < best_d && d < lw && d < strlen(names[i])) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

static void join(char *buf, size_t size, const char *const *names, size_t count)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* ------------------------------------------------------------------------------------------------
 * YAML text -> tree */

static int syntax_error(ctx *c, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "unknown problem";
    if (p->error == YAML_MEMORY_ERROR)
        return fail_at(c, 0, 0, "out of memory while reading the file");
    if (p->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset, not a mark: count lines and characters up to it. */
        int line = 1, column = 1;
        for (size_t i = 0; i < p->problem_offset && i < c->len; i++) {
            unsigned char ch = (unsigned char)c->text[i];
            if (ch == '\n') {
                line++;
                column = 1;
            } else if ((ch & 0xC0) != 0x80) {
                column++;
            }
        }
        return fail_at(c, line, column,
                       "the file is not valid YAML text: %s (byte %zu): save it as UTF-8 "
                       "without control characters", problem, p->problem_offset);
    }
    int line = (int)p->problem_mark.line + 1, column = (int)p->problem_mark.column + 1;
    char context[160] = "";
    /* "while scanning for the next token" says nothing the position does not. */
    if (p->context && !strstr(p->context, "next token"))
        snprintf(context, sizeof context, " (%s that starts at line %d)", p->context,
                 (int)p->context_mark.line + 1);

    const char *hint = "check the indentation and the quoting near here";
    char *src = line_of(c->text, c->len, line);
    bool tab = false;
    if (src) {
        for (const char *s = src; *s == ' ' || *s == '\t'; s++)
            tab = tab || *s == '\t';
        if (!tab && p->problem_mark.column < strlen(src) && src[p->problem_mark.column] == '\t')
            tab = true;
    }
    free(src);
    if (tab)
        hint = "YAML does not allow tabs for indentation: indent with spaces";
    else if (strstr(problem, "mapping values are not allowed"))
        hint = "a 'key: value' appears where a plain value was expected: check the indentation, "
               "or quote a value that contains ': '";
    else if (strstr(problem, "did not find expected key"))
        hint = "indent every key of one mapping by the same number of spaces";
    else if (strstr(problem, "end of stream") || strstr(problem, "did not find expected ','"))
        hint = "a quote or bracket is not closed";
    else if (strstr(problem, "cannot start any token"))
        hint = "quote the value if it starts with a special character such as @ or `";
    return fail_at(c, line, column, "invalid YAML: %s%s: %s", problem, context, hint);
}

static node *node_new(ctx *c, node_kind kind, const yaml_mark_t *mark)
{
    node *n = calloc(1, sizeof *n);
    if (!n) {
        fail_at(c, 0, 0, "out of memory while reading the file");
        return NULL;
    }
    n->kind = kind;
    n->line = (int)mark->line + 1;
    n->column = (int)mark->column + 1;
    return n;
}

static int node_append(ctx *c, node *parent, node *child)
{
    if (parent->count == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        node **items = realloc(parent->items, cap * sizeof *items);
        if (!items) {
            node_free(child);
            return fail_at(c, 0, 0, "out of memory while reading the file");
        }
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->count++] = child;
    return 0;
}

/* Refuse what a scenario has no use for, before it can do harm: anchors and aliases (an alias
 * bomb expands exponentially) and tags (they would change how a value is typed). */
static int check_node_event(ctx *c, const yaml_event_t *e, const yaml_char_t *anchor,
                            const yaml_char_t *tag)
{
    int line = (int)e->start_mark.line + 1, column = (int)e->start_mark.column + 1;
    if (anchor)
        return fail_at(c, line, column,
                       "anchors and aliases are not supported (found the anchor '&%s'): write "
                       "the value out in full", (const char *)anchor);
    if (tag) {
        /* Show the tag as it was written, not as libyaml expands it. */
        const char *t = (const char *)tag, *std = "tag:yaml.org,2002:";
        bool short_form = strncmp(t, std, strlen(std)) == 0;
        return fail_at(c, line, column,
                       "YAML tags are not supported (found '%s%s'): remove the tag; numbers and "
                       "names are recognised without one", short_form ? "!!" : "",
                       short_form ? t + strlen(std) : t);
    }
    return 0;
}

static int requests_add(ctx *c, const node *item);

/* Is n, about to be opened at `depth`, the value of the first top-level `requests:` key? */
static bool starts_requests_list(const ctx *c, node *const *stack, size_t depth, const node *n)
{
    if (c->requests_seq || depth != 1 || n->kind != NODE_SEQUENCE)
        return false;
    const node *top = stack[0];
    if (top->kind != NODE_MAPPING || top->count % 2 == 0 || !key_is(top->items[top->count - 1],
                                                                      "requests"))
        return false;
    /* A second `requests:` stays in the tree, for check_keys to report as a duplicate. */
    for (size_t i = 0; i + 1 < top->count; i += 2)
        if (key_is(top->items[i], "requests"))
            return false;
    return true;
}

/* Parse the whole text into *root (NULL for an empty document). */
static int build_tree(ctx *c, node **root)
{
    yaml_parser_t parser;
    yaml_event_t event;
    node *stack[MAX_DEPTH];
    size_t depth = 0;
    int documents = 0, rc = 0;
    bool done = false;

    *root = NULL;
    if (!yaml_parser_initialize(&parser))
        return fail_at(c, 0, 0, "out of memory while reading the file");
    yaml_parser_set_input_string(&parser, (const unsigned char *)c->text, c->len);

    while (!done && rc == 0) {
        if (!yaml_parser_parse(&parser, &event)) {
            rc = syntax_error(c, &parser);
            break;
        }
        node *n = NULL;
        int line = (int)event.start_mark.line + 1, column = (int)event.start_mark.column + 1;
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                rc = fail_at(c, line, column,
                             "a second YAML document starts here: a scenario file holds exactly "
                             "one; remove this '---' and what follows, or split the file");
            break;
        case YAML_ALIAS_EVENT:
            rc = fail_at(c, line, column,
                         "anchors and aliases are not supported (found the alias '*%s'): write "
                         "the value out in full", (const char *)event.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            rc = check_node_event(c, &event, event.data.scalar.anchor, event.data.scalar.tag);
            if (rc == 0 && (n = node_new(c, NODE_SCALAR, &event.start_mark)) == NULL)
                rc = -1;
            if (rc == 0) {
                n->len = event.data.scalar.length;
                n->text = malloc(n->len + 1);
                if (!n->text) {
                    node_free(n);
                    n = NULL;
                    rc = fail_at(c, 0, 0, "out of memory while reading the file");
                    break;
                }
                memcpy(n->text, event.data.scalar.value, n->len);
                n->text[n->len] = '\0';
                n->quoted = event.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            bool seq = event.type == YAML_SEQUENCE_START_EVENT;
            rc = seq ? check_node_event(c, &event, event.data.sequence_start.anchor,
                                        event.data.sequence_start.tag)
                     : check_node_event(c, &event, event.data.mapping_start.anchor,
                                        event.data.mapping_start.tag);
            if (rc == 0 && depth == MAX_DEPTH)
                rc = fail_at(c, line, column,
                             "the file nests deeper than %d levels here: a scenario needs at "
                             "most 4; check the indentation", MAX_DEPTH);
            if (rc == 0 && (n = node_new(c, seq ? NODE_SEQUENCE : NODE_MAPPING,
                                         &event.start_mark)) == NULL)
                rc = -1;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0 && stack[--depth] == c->requests_item) {
                node *item = c->requests_item;
                c->requests_item = NULL;
                rc = requests_add(c, item);
                node_free(item);
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
        if (!n)
            continue;
        if (depth > 0 && stack[depth - 1] == c->requests_seq) {
            /* An item of the streamed requests list: handled when complete, never attached. */
            if (n->kind == NODE_SCALAR) {
                rc = requests_add(c, n);
                node_free(n);
            } else {
                c->requests_item = n;
                stack[depth++] = n;
            }
            continue;
        }
        bool requests_list = starts_requests_list(c, stack, depth, n);
        /* Attach the new node, then open it if it is a container. */
        if (depth == 0) {
            if (*root) { /* cannot happen within one document; be safe anyway */
                node_free(n);
                continue;
            }
            *root = n;
        } else if (node_append(c, stack[depth - 1], n) < 0) {
            rc = -1;
            break;
        }
        if (n->kind != NODE_SCALAR) {
            if (requests_list)
                c->requests_seq = n;
            stack[depth++] = n;
        }
    }
    yaml_parser_delete(&parser);
    node_free(c->requests_item);
    c->requests_item = NULL;
    if (rc != 0) {
        node_free(*root);
        *root = NULL;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Reading values */

/* `where` completes "unknown key 'x' ...": "at the top level", "in request #3", ... */
static int check_keys(ctx *c, const node *map, const char *where, const char *const *keys,
                      size_t nkeys)
{
    char buf[128], list[512];
    for (size_t i = 0; i < map_pairs(map); i++) {
        const node *k = map_key(map, i);
        if (k->kind != NODE_SCALAR || is_null(k))
            return fail(c, k, "a key %s must be a name, found %s", where,
                        describe(k, buf, sizeof buf));
        bool known = false;
        for (size_t j = 0; j < nkeys && !known; j++)
            known = key_is(k, keys[j]);
        if (!known) {
            join(list, sizeof list, keys, nkeys);
            const char *guess = closest(k->text, keys, nkeys);
            if (guess)
                return fail(c, k, "unknown key '%.*s' %s: did you mean '%s'? Valid keys: %s",
                            QUOTE_MAX, k->text, where, guess, list);
            return fail(c, k, "unknown key '%.*s' %s: valid keys are %s", QUOTE_MAX, k->text,
                        where, list);
        }
        for (size_t j = 0; j < i; j++)
            if (key_is(map_key(map, j), k->text))
                return fail(c, k, "duplicate key '%s' %s (first given at line %d): keep only "
                            "one of them", k->text, where, map_key(map, j)->line);
    }
    return 0;
}

static int expect_mapping(ctx *c, const node *n, const char *what, const char *example)
{
    char buf[128];
    if (n->kind == NODE_MAPPING)
        return 0;
    return fail(c, n, "%s must be a mapping of keys, found %s: write e.g. %s", what,
                describe(n, buf, sizeof buf), example);
}

/* The range an integer must lie in, in words. */
static const char *int_range(int64_t lo, int64_t hi, char *buf, size_t size)
{
    if (hi == INT64_MAX)
        snprintf(buf, size, ">= %lld", (long long)lo);
    else
        snprintf(buf, size, "from %lld to %lld", (long long)lo, (long long)hi);
    return buf;
}

static bool all_digits(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A decimal number as YAML writes one (no hex, no words). */
static bool looks_decimal(const char *s)
{
    bool digit = false;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digit = true;
        else if (!strchr("+-.eE", *p))
            return false;
    }
    return digit;
}

static bool is_special_float(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    static const char *const words[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN",
                                        "inf",  "Inf",  "INF",  "nan",  "NaN",  "NAN",
                                        "infinity", "Infinity"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

/* Checks shared by every number: a plain scalar with a value. */
static int number_scalar(ctx *c, const node *n, const char *what, const char *kind,
                         const char *range)
{
    char buf[128];
    if (n->kind != NODE_SCALAR)
        return fail(c, n, "%s must be %s %s, found %s", what, kind, range,
                    describe(n, buf, sizeof buf));
    if (is_null(n))
        return fail(c, n, "%s needs a value: write %s %s after the colon", what, kind, range);
    if (strlen(n->text) != n->len)
        return fail(c, n, "%s must be %s %s, found text with a NUL character", what, kind, range);
    if (n->quoted && (all_digits(n->text) || looks_decimal(n->text)))
        return fail(c, n, "%s must be %s %s, found %s: remove the quotes", what, kind, range,
                    describe(n, buf, sizeof buf));
    if (n->quoted)
        return fail(c, n, "%s must be %s %s, found %s", what, kind, range,
                    describe(n, buf, sizeof buf));
    return 0;
}

/* An integer in [lo, hi]; `hint` (may be NULL) explains the limit. */
static int get_int(ctx *c, const node *n, const char *what, int64_t lo, int64_t hi,
                   const char *hint, int64_t *out)
{
    char range[96], buf[128];
    int_range(lo, hi, range, sizeof range);
    if (number_scalar(c, n, what, "a whole number", range) < 0)
        return -1;
    const char *s = n->text;
    if (all_digits(s)) {
        errno = 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (errno == ERANGE)
            return fail(c, n, "%s: %.*s is %s for a 64-bit integer; %s must be %s", what,
                        QUOTE_MAX, s, v < 0 ? "too small" : "too large", what, range);
        if (v < lo || v > hi)
            return fail(c, n, "%s must be %s, found %lld%s%s%s", what, range, v,
                        hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
        *out = v;
        return 0;
    }
    if (is_special_float(s))
        return fail(c, n, "%s must be a whole number %s, found %s, which is not a finite number",
                    what, range, s);
    if (looks_decimal(s)) {
        char *end;
        double d = strtod(s, &end);
        if (*end == '\0' && isfinite(d) && d != floor(d))
            return fail(c, n, "%s must be a whole number %s, found %.*s: round it", what, range,
                        QUOTE_MAX, s);
        if (*end == '\0')
            return fail(c, n, "%s must be a whole number written with digits only (no decimal "
                        "point or exponent), found %.*s", what, QUOTE_MAX, s);
    }
    return fail(c, n, "%s must be a whole number %s, found %s", what, range,
                describe(n, buf, sizeof buf));
}

/* A finite number > lo (or >= lo when lo_inclusive) and <= hi. */
static int get_number(ctx *c, const node *n, const char *what, double lo, bool lo_inclusive,
                      double hi, double *out)
{
    char range[96], buf[128];
    if (isfinite(hi))
        snprintf(range, sizeof range, "%s %g and <= %g", lo_inclusive ? ">=" : ">", lo, hi);
    else
        snprintf(range, sizeof range, "%s %g", lo_inclusive ? ">=" : ">", lo);
    if (number_scalar(c, n, what, "a number", range) < 0)
        return -1;
    const char *s = n->text;
    if (is_special_float(s))
        return fail(c, n, "%s must be a finite number %s, found %s", what, range, s);
    if (!looks_decimal(s))
        return fail(c, n, "%s must be a number %s, found %s", what, range,
                    describe(n, buf, sizeof buf));
    errno = 0;
    char *end;
    double d = strtod(s, &end);
    if (*end != '\0')
        return fail(c, n, "%s must be a number %s, found %s", what, range,
                    describe(n, buf, sizeof buf));
    if (!isfinite(d))
        return fail(c, n, "%s must be a finite number %s, found %.*s, which is too large for a "
                    "double", what, range, QUOTE_MAX, s);
    if (d < lo || (d == lo && !lo_inclusive) || d > hi)
        return fail(c, n, "%s must be %s, found %.*s", what, range, QUOTE_MAX, s);
    *out = d;
    return 0;
}

static int get_u64(ctx *c, const node *n, const char *what, uint64_t *out)
{
    const char *range = "from 0 to 18446744073709551615";
    if (number_scalar(c, n, what, "a whole number", range) < 0)
        return -1;
    const char *s = n->text;
    if (all_digits(s) && s[0] != '-') {
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
            return fail(c, n, "%s: %.*s is too large; %s must be %s", what, QUOTE_MAX, s, what,
                        range);
        *out = v;
        return 0;
    }
    char buf[128];
    return fail(c, n, "%s must be a whole number %s, found %s", what, range,
                describe(n, buf, sizeof buf));
}

/* A text value (quoted or not); NULL *out for an empty value. */
static int get_string(ctx *c, const node *n, const char *what, char **out)
{
    char buf[128];
    *out = NULL;
    if (n->kind != NODE_SCALAR)
        return fail(c, n, "%s must be text, found %s: quote it if it contains ': ' or starts "
                    "with [ or {", what, describe(n, buf, sizeof buf));
    if (is_null(n))
        return 0;
    if (strlen(n->text) != n->len)
        return fail(c, n, "%s must not contain a NUL character", what);
    *out = malloc(n->len + 1);
    if (!*out)
        return fail(c, n, "out of memory");
    memcpy(*out, n->text, n->len + 1);
    return 0;
}

/* One of names[]; returns its index. `what` is "policy", "admission", ... */
static int get_name(ctx *c, const node *n, const char *what, const char *const *names,
                    size_t count, int *out)
{
    char buf[128], list[256];
    join(list, sizeof list, names, count);
    if (n->kind != NODE_SCALAR || is_null(n))
        return fail(c, n, "%s must be one of %s, found %s", what, list,
                    describe(n, buf, sizeof buf));
    for (size_t i = 0; i < count; i++)
        if (strlen(n->text) == n->len && strcmp(n->text, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    const char *guess = closest(n->text, names, count);
    if (guess)
        return fail(c, n, "unknown %s %s: did you mean '%s'? Expected one of %s", what,
                    describe(n, buf, sizeof buf), guess, list);
    return fail(c, n, "unknown %s %s: expected one of %s", what, describe(n, buf, sizeof buf),
                list);
}

static int get_bool(ctx *c, const node *n, const char *what, bool *out)
{
    char buf[128];
    if (n->kind == NODE_SCALAR && !is_null(n) && strlen(n->text) == n->len) {
        if (strcmp(n->text, "true") == 0 || strcmp(n->text, "yes") == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(n->text, "false") == 0 || strcmp(n->text, "no") == 0) {
            *out = false;
            return 0;
        }
    }
    return fail(c, n, "%s must be true or false, found %s", what, describe(n, buf, sizeof buf));
}

/* ------------------------------------------------------------------------------------------------
 * Sections */

static int parse_predicted(ctx *c, const node *n, kvs_info_params *info)
{
    static const char *const keys[] = {"sigma"};
    if (expect_mapping(c, n, "predicted", "'predicted: {sigma: 0.5}'") < 0 ||
        check_keys(c, n, "in predicted", keys, 1) < 0)
        return -1;
    const node *v = map_get(n, "sigma", NULL);
    return v ? get_number(c, v, "sigma", 0.0, true, SIGMA_MAX, &info->sigma) : 0;
}

static int parse_onebit(ctx *c, const node *n, kvs_info_params *info)
{
    static const char *const keys[] = {"theta", "flip_probability", "short_estimate",
                                       "long_estimate"};
    if (expect_mapping(c, n, "onebit", "'onebit: {theta: 100, flip_probability: 0.1}'") < 0 ||
        check_keys(c, n, "in onebit", keys, 4) < 0)
        return -1;
    const node *v;
    if ((v = map_get(n, "theta", NULL)) &&
        get_int(c, v, "theta", 0, INT64_MAX, "outputs <= theta are 'short'", &info->theta) < 0)
        return -1;
    if ((v = map_get(n, "flip_probability", NULL)) &&
        get_number(c, v, "flip_probability", 0.0, true, 1.0, &info->flip_probability) < 0)
        return -1;
    if ((v = map_get(n, "short_estimate", NULL)) &&
        get_int(c, v, "short_estimate", 1, INT64_MAX, NULL, &info->short_estimate) < 0)
        return -1;
    if ((v = map_get(n, "long_estimate", NULL)) &&
        get_int(c, v, "long_estimate", 1, INT64_MAX, NULL, &info->long_estimate) < 0)
        return -1;
    return 0;
}

/* A request's name in messages (every explicit request has an id now, if only its position). */
static const char *request_name(const kvs_request *r, char *buf, size_t size)
{
    snprintf(buf, size, "'%.*s'", QUOTE_MAX, r->id);
    return buf;
}

/* qsort has no context argument in C11: sort (id, index) pairs that carry the id themselves. */
typedef struct {
    const char *id;
    size_t index;
} id_entry;

static int compare_id_entries(const void *pa, const void *pb)
{
    const id_entry *a = pa, *b = pb;
    int d = strcmp(a->id, b->id);
    if (d)
        return d;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int check_duplicate_ids(ctx *c, const kvs_request *reqs, const request_src *src,
                               size_t count)
{
    id_entry *e = malloc(count * sizeof *e);
    if (!e)
        return fail_at(c, 0, 0, "out of memory");
    for (size_t i = 0; i < count; i++) {
        e[i].id = reqs[i].id;
        e[i].index = i;
    }
    qsort(e, count, sizeof *e, compare_id_entries);
    /* Report the duplicate that comes first in the file: the smallest second occurrence. */
    size_t second = count, first = count;
    for (size_t i = 1; i < count; i++)
        if (strcmp(e[i].id, e[i - 1].id) == 0 && (i < 2 || strcmp(e[i - 1].id, e[i - 2].id)) &&
            e[i].index < second) {
            second = e[i].index;
            first = e[i - 1].index;
        }
    free(e);
    if (second == count)
        return 0;
    const request_src *s = &src[second];
    bool has_id = s->id_line > 0;
    char buf[96];
    return fail_at(c, has_id ? s->id_line : s->line, has_id ? s->id_column : s->column,
                   "duplicate id %s: request #%zu at line %d already has it%s; give every "
                   "request its own id%s", request_name(&reqs[second], buf, sizeof buf),
                   first + 1, src[first].line,
                   src[first].id_line ? "" : " (its position, as it has no 'id:')",
                   has_id ? "" : " (a request without 'id:' gets its position as its id)");
}

static void request_list_free(request_list *l)
{
    free(l->reqs);
    free(l->src);
    free(l->ids);
    memset(l, 0, sizeof *l);
}

static int parse_request(ctx *c, const node *item, size_t index, kvs_request *r,
                         const node **id_node)
{
    static const char *const keys[] = {"id", "arrival", "prompt", "output", "predicted_output"};
    char where[64], buf[128];
    snprintf(where, sizeof where, "in request #%zu", index + 1);
    *id_node = NULL;
    if (item->kind != NODE_MAPPING)
        return fail(c, item, "request #%zu must be a mapping, found %s: write e.g. "
                    "'- {id: a, arrival: 0, prompt: 100, output: 50}'", index + 1,
                    describe(item, buf, sizeof buf));
    if (check_keys(c, item, where, keys, 5) < 0)
        return -1;
    const node *v;
    if ((v = map_get(item, "id", NULL))) {
        if (v->kind != NODE_SCALAR || is_null(v) || v->len == 0)
            return fail(c, v, "id must be a name or a number, found %s: write e.g. 'id: chat-1', "
                        "or leave the key out to use the position (%zu)",
                        v->kind == NODE_SCALAR && v->len == 0 && v->quoted
                            ? "an empty string" : describe(v, buf, sizeof buf), index + 1);
        if (strlen(v->text) != v->len)
            return fail(c, v, "id must not contain a NUL character");
        *id_node = v;
    }
    r->arrival = 0;
    r->predicted = -1;
    r->id = NULL;
    if ((v = map_get(item, "arrival", NULL)) &&
        get_int(c, v, "arrival", 0, KVS_MAX_ARRIVAL, "the step at which the request arrives",
                &r->arrival) < 0)
        return -1;
    if (!(v = map_get(item, "prompt", NULL)))
        return fail(c, item, "request #%zu has no 'prompt:': every request needs prompt "
                    "(tokens, >= 0) and output (tokens, >= 1)", index + 1);
    if (get_int(c, v, "prompt", 0, KVS_MAX_MEMORY, NULL, &r->prompt) < 0)
        return -1;
    if (!(v = map_get(item, "output", NULL)))
        return fail(c, item, "request #%zu has no 'output:': every request needs prompt "
                    "(tokens, >= 0) and output (tokens, >= 1)", index + 1);
    if (get_int(c, v, "output", 1, KVS_MAX_MEMORY, "every request produces at least one token",
                &r->output) < 0)
        return -1;
    if ((v = map_get(item, "predicted_output", NULL)) &&
        get_int(c, v, "predicted_output", 1, KVS_MAX_MEMORY, NULL, &r->predicted) < 0)
        return -1;
    return 0;
}

static int ids_append(ctx *c, request_list *l, const char *text, size_t len)
{
    if (l->ids_cap - l->ids_len < len + 1) {
        size_t cap = l->ids_cap ? l->ids_cap : 4096;
        while (cap - l->ids_len < len + 1)
            cap *= 2;
        char *ids = realloc(l->ids, cap);
        if (!ids)
            return fail_at(c, 0, 0, "out of memory for the request ids");
        l->ids = ids;
        l->ids_cap = cap;
    }
    memcpy(l->ids + l->ids_len, text, len);
    l->ids[l->ids_len + len] = '\0';
    l->ids_len += len + 1;
    return 0;
}

/* Convert one item of the requests list and append it. */
static int requests_add(ctx *c, const node *item)
{
    request_list *l = &c->requests;
    if (l->count == KVS_MAX_REQUESTS)
        return fail(c, item, "more than kvscope's limit of %zu requests", KVS_MAX_REQUESTS);
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        kvs_request *reqs = realloc(l->reqs, cap * sizeof *reqs);
        if (reqs)
            l->reqs = reqs;
        request_src *src = realloc(l->src, cap * sizeof *src);
        if (src)
            l->src = src;
        if (!reqs || !src)
            return fail(c, item, "out of memory after %zu requests", l->count);
        l->cap = cap;
    }
    const node *id;
    size_t i = l->count;
    if (parse_request(c, item, i, &l->reqs[i], &id) < 0)
        return -1;
    request_src *src = &l->src[i];
    src->line = item->line;
    src->column = item->column;
    src->id_line = id ? id->line : 0;
    src->id_column = id ? id->column : 0;
    src->id_offset = l->ids_len;
    char position[24];
    int plen = snprintf(position, sizeof position, "%zu", i + 1);
    if (id ? ids_append(c, l, id->text, id->len) : ids_append(c, l, position, (size_t)plen))
        return -1;
    l->count++;
    return 0;
}

/* The `requests:` list read while parsing: check it as a whole and point the ids into place. */
static int finish_requests(ctx *c, const node *key, const node *seq)
{
    char buf[128];
    request_list *l = &c->requests;
    if (seq->kind != NODE_SEQUENCE)
        return fail(c, seq, "requests must be a list, found %s: write one '- {arrival: 0, "
                    "prompt: 100, output: 50}' per line", describe(seq, buf, sizeof buf));
    if (seq != c->requests_seq) /* not streamed: only a duplicate key, refused before here */
        for (size_t i = 0; i < seq->count; i++)
            if (requests_add(c, seq->items[i]) < 0)
                return -1;
    if (l->count == 0)
        return fail(c, key, "requests is empty: give at least one request");
    for (size_t i = 0; i < l->count; i++)
        l->reqs[i].id = l->ids + l->src[i].id_offset;
    return check_duplicate_ids(c, l->reqs, l->src, l->count);
}

/* Which keys each distribution uses, beside its `dist:` (every kind may clamp with min/max). */
static const char *const dist_names[] = {"fixed", "uniform", "normal", "lognormal", "geometric"};
static const char *const dist_params[] = {"value, min, max", "min, max", "mean, stddev, min, max",
                                          "mean, sigma, min, max", "mean, min, max"};
static const char *const dist_required[][2] = {
    {"value", NULL}, {"min", "max"}, {"mean", "stddev"}, {"mean", "sigma"}, {"mean", NULL}};

static bool dist_uses(int kind, const char *key)
{
    if (strcmp(key, "dist") == 0 || strcmp(key, "min") == 0 || strcmp(key, "max") == 0)
        return true;
    switch (kind) {
    case KVS_DIST_FIXED:
        return strcmp(key, "value") == 0;
    case KVS_DIST_NORMAL:
        return strcmp(key, "mean") == 0 || strcmp(key, "stddev") == 0;
    case KVS_DIST_LOGNORMAL:
        return strcmp(key, "mean") == 0 || strcmp(key, "sigma") == 0;
    case KVS_DIST_GEOMETRIC:
        return strcmp(key, "mean") == 0;
    default:
        return false;
    }
}

static int parse_dist(ctx *c, const node *key, const node *n, kvs_length_spec *s)
{
    static const char *const keys[] = {"dist", "value", "min", "max", "mean", "stddev", "sigma"};
    char where[64], what[64];
    const char *name = key->text; /* "prompt" or "output" */
    snprintf(where, sizeof where, "in generate.%s", name);
    snprintf(what, sizeof what, "generate.%s", name);
    if (expect_mapping(c, n, what, "'{dist: uniform, min: 10, max: 200}'") < 0 ||
        check_keys(c, n, where, keys, 7) < 0)
        return -1;
    const node *v = map_get(n, "dist", NULL);
    if (!v)
        return fail(c, n, "%s has no 'dist:': give one of fixed, uniform, normal, lognormal, "
                    "geometric", what);
    int kind;
    if (get_name(c, v, "dist", dist_names, 5, &kind) < 0)
        return -1;
    memset(s, 0, sizeof *s);
    s->kind = (kvs_dist_kind)kind;
    s->min = 0;
    s->max = -1;
    for (size_t i = 0; i < map_pairs(n); i++)
        if (!dist_uses(kind, map_key(n, i)->text))
            return fail(c, map_key(n, i), "'%s' is not used by 'dist: %s' (it takes %s): "
                        "remove it", map_key(n, i)->text, dist_names[kind], dist_params[kind]);
    for (int r = 0; r < 2; r++)
        if (dist_required[kind][r] && !map_get(n, dist_required[kind][r], NULL))
            return fail(c, n, "'dist: %s' needs '%s:' (it takes %s)", dist_names[kind],
                        dist_required[kind][r], dist_params[kind]);
    const node *vmin = map_get(n, "min", NULL), *vmax = map_get(n, "max", NULL);
    if (vmin && get_int(c, vmin, "min", 0, KVS_MAX_MEMORY, NULL, &s->min) < 0)
        return -1;
    if (vmax && get_int(c, vmax, "max", 0, KVS_MAX_MEMORY, NULL, &s->max) < 0)
        return -1;
    if (vmax && s->max < s->min)
        return fail(c, vmax, "max (%lld) must be >= min (%lld)", (long long)s->max,
                    (long long)s->min);
    if ((v = map_get(n, "value", NULL)) &&
        get_number(c, v, "value", 0.0, true, INFINITY, &s->value) < 0)
        return -1;
    if ((v = map_get(n, "mean", NULL))) {
        double lo = kind == KVS_DIST_GEOMETRIC ? 1.0 : 0.0;
        bool incl = kind != KVS_DIST_LOGNORMAL;
        if (get_number(c, v, "mean", lo, incl, INFINITY, &s->mean) < 0)
            return -1;
    }
    if ((v = map_get(n, "stddev", NULL)) &&
        get_number(c, v, "stddev", 0.0, true, INFINITY, &s->stddev) < 0)
        return -1;
    if ((v = map_get(n, "sigma", NULL)) &&
        get_number(c, v, "sigma", 0.0, true, INFINITY, &s->sigma) < 0)
        return -1;
    return 0;
}

static int parse_arrival(ctx *c, const node *n, const char *where, kvs_arrival_spec *a)
{
    static const char *const keys[] = {"process", "at", "rate", "burstiness"};
    static const char *const processes[] = {"burst", "poisson", "gamma"};
    char in_where[64];
    snprintf(in_where, sizeof in_where, "in %s", where);
    if (expect_mapping(c, n, where, "'{process: poisson, rate: 0.5}'") < 0 ||
        check_keys(c, n, in_where, keys, 4) < 0)
        return -1;
    const node *v = map_get(n, "process", NULL);
    if (!v)
        return fail(c, n, "%s has no 'process:': give burst, poisson or gamma", where);
    int kind;
    if (get_name(c, v, "process", processes, 3, &kind) < 0)
        return -1;
    memset(a, 0, sizeof *a);
    a->kind = (kvs_arrival_kind)kind;
    const node *k;
    if ((v = map_get(n, "at", NULL)) &&
        get_int(c, v, "at", 0, KVS_MAX_ARRIVAL, NULL, &a->at) < 0)
        return -1;
    if ((v = map_get(n, "rate", &k))) {
        if (kind == KVS_ARRIVAL_BURST)
            return fail(c, k, "'rate' is not used by 'process: burst' (every request arrives at "
                        "'at'): remove it, or use process poisson or gamma");
        if (get_number(c, v, "rate", 0.0, false, INFINITY, &a->rate) < 0)
            return -1;
    } else if (kind != KVS_ARRIVAL_BURST) {
        return fail(c, n, "'process: %s' needs 'rate:' (mean arrivals per step, > 0)",
                    processes[kind]);
    }
    if ((v = map_get(n, "burstiness", &k))) {
        if (kind != KVS_ARRIVAL_GAMMA)
            return fail(c, k, "'burstiness' is used only by 'process: gamma' (%s): remove it, "
                        "or use process gamma", kind == KVS_ARRIVAL_POISSON
                            ? "poisson gaps have burstiness 1" : "a burst has no gaps");
        if (get_number(c, v, "burstiness", BURSTINESS_MIN, true, BURSTINESS_MAX,
                       &a->burstiness) < 0)
            return -1;
    } else if (kind == KVS_ARRIVAL_GAMMA) {
        return fail(c, n, "'process: gamma' needs 'burstiness:' (the coefficient of variation "
                    "of the gaps; 1 = poisson, larger = burstier)");
    }
    return 0;
}

static int parse_generate(ctx *c, const node *n, kvs_generator *g)
{
    static const char *const keys[] = {"count", "arrival", "prompt", "output"};
    if (expect_mapping(c, n, "generate",
                       "'generate: {count: 100, prompt: {dist: fixed, value: 100}, ...}'") < 0 ||
        check_keys(c, n, "in generate", keys, 4) < 0)
        return -1;
    memset(g, 0, sizeof *g);
    g->arrival.kind = KVS_ARRIVAL_BURST;
    const node *v, *k;
    if (!(v = map_get(n, "count", NULL)))
        return fail(c, n, "generate has no 'count:': say how many requests to generate");
    int64_t count;
    if (get_int(c, v, "count", 1, (int64_t)KVS_MAX_REQUESTS, NULL, &count) < 0)
        return -1;
    g->count = (size_t)count;
    if ((v = map_get(n, "arrival", NULL)) && parse_arrival(c, v, "generate.arrival", &g->arrival) < 0)
        return -1;
    if (!(v = map_get(n, "prompt", &k)))
        return fail(c, n, "generate has no 'prompt:': give a distribution, e.g. "
                    "'prompt: {dist: uniform, min: 10, max: 500}'");
    if (parse_dist(c, k, v, &g->prompt) < 0)
        return -1;
    if (!(v = map_get(n, "output", &k)))
        return fail(c, n, "generate has no 'output:': give a distribution, e.g. "
                    "'output: {dist: geometric, mean: 100}'");
    return parse_dist(c, k, v, &g->output);
}

/* ------------------------------------------------------------------------------------------------
 * The top level */

static const char *const top_keys[] = {"name",     "description", "memory",    "policy",
                                       "admission", "information", "predicted", "onebit",
                                       "seed",     "step_ms",     "oversize",  "requests",
                                       "generate", "trace"};
#define TOP_KEYS (sizeof top_keys / sizeof *top_keys)

typedef struct {
    const node *memory, *policy, *admission, *information, *requests, *generate, *trace;
    const node *requests_key, *generate_key, *trace_key;
} top_nodes;

static int resolve_config(ctx *c, const top_nodes *t, kvs_config *out)
{
    const char *choice_names[KVS_CHOICE_COUNT];
    for (int i = 0; i < KVS_CHOICE_COUNT; i++)
        choice_names[i] = kvs_choice_at(i)->name;
    kvs_config cfg = {.policy = KVS_POLICY_FCFS, .admission = KVS_ADMIT_LOOKAHEAD,
                      .information = KVS_INFO_EXACT};
    bool admission_set = false;
    if (t->policy) {
        int idx;
        if (get_name(c, t->policy, "policy", choice_names, KVS_CHOICE_COUNT, &idx) < 0)
            return -1;
        cfg = kvs_config_choose(cfg, idx);
        admission_set = kvs_choice_at(idx)->admission != KVS_KEEP;
    }
    if (t->information) {
        const char *names[KVS_INFORMATION_COUNT];
        for (int i = 0; i < KVS_INFORMATION_COUNT; i++)
            names[i] = kvs_information_name((kvs_information)i);
        int v;
        if (get_name(c, t->information, "information", names, KVS_INFORMATION_COUNT, &v) < 0)
            return -1;
        cfg.information = (kvs_information)v;
    }
    if (t->admission) {
        const char *names[KVS_ADMISSION_COUNT];
        for (int i = 0; i < KVS_ADMISSION_COUNT; i++)
            names[i] = kvs_admission_name((kvs_admission)i);
        int v;
        if (get_name(c, t->admission, "admission", names, KVS_ADMISSION_COUNT, &v) < 0)
            return -1;
        cfg.admission = (kvs_admission)v;
        admission_set = true;
    }
    if (!admission_set)
        cfg.admission = kvs_default_admission(cfg.information);
    char why[256];
    if (!kvs_config_valid(cfg, why, sizeof why)) {
        /* Blame the key applied last among those that took part in the conflict. */
        bool policy_conflict =
            cfg.information == KVS_INFO_NONE && kvs_policy_needs_estimate(cfg.policy);
        const node *culprit = t->information ? t->information : t->policy;
        if (!policy_conflict && t->admission)
            culprit = t->admission;
        if (!culprit)
            culprit = t->admission ? t->admission : t->policy;
        return fail(c, culprit, "%s", why);
    }
    *out = cfg;
    return 0;
}

static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        len = (size_t)(dot - base);
    if (len == 0) {
        base = "scenario";
        len = strlen(base);
    }
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, base, len);
        s[len] = '\0';
    }
    return s;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Fill workload->requests from the explicit list, applying the oversize rule. */
static int build_explicit(ctx *c, const top_nodes *t, bool drop_oversize, kvs_scenario *s)
{
    if (finish_requests(c, t->requests_key, t->requests) < 0)
        return -1;
    request_list *l = &c->requests;
    int64_t m = s->workload.memory;
    size_t kept = 0;
    for (size_t i = 0; i < l->count; i++) {
        kvs_request *r = &l->reqs[i];
        if (r->prompt + r->output > m) {
            if (drop_oversize) {
                s->dropped++;
                continue;
            }
            char buf[96];
            return fail_at(c, l->src[i].line, l->src[i].column,
                           "request %s can never run: prompt %lld + output %lld = %lld tokens is "
                           "more than memory %lld%s: raise memory to at least %lld, shorten the "
                           "request, or add 'oversize: drop' to skip such requests",
                           request_name(r, buf, sizeof buf), (long long)r->prompt,
                           (long long)r->output, (long long)(r->prompt + r->output),
                           (long long)m,
                           c->memory_from_command_line ? " (set on the command line)" : "",
                           (long long)(r->prompt + r->output));
        }
        /* Compacting keeps src[] parallel to reqs[], so later errors still find their line. */
        l->reqs[kept] = *r;
        l->src[kept] = l->src[i];
        kept++;
    }
    if (kept == 0)
        return fail(c, t->requests_key, "all %zu requests need more than memory %lld and were "
                    "dropped (oversize: drop): raise memory", l->count, (long long)m);
    char why[256];
    s->workload.count = kept;
    s->workload.requests = l->reqs;
    size_t bad = kvs_workload_validate(&s->workload, why, sizeof why);
    if (bad != (size_t)-1) {
        s->workload.requests = NULL; /* still owned by the list */
        s->workload.count = 0;
        if (bad < kept)
            return fail_at(c, l->src[bad].line, l->src[bad].column, "%s", why);
        return fail(c, t->requests_key, "%s", why);
    }
    /* The scenario takes the requests and their ids over from the list. */
    s->id_storage = l->ids;
    l->reqs = NULL;
    l->ids = NULL;
    return 0;
}

static int build_generated(ctx *c, const top_nodes *t, kvs_scenario *s)
{
    kvs_generator g;
    if (parse_generate(c, t->generate, &g) < 0)
        return -1;
    s->workload.requests = calloc(g.count, sizeof *s->workload.requests);
    if (!s->workload.requests)
        return fail(c, t->generate_key, "out of memory for %zu requests", g.count);
    char why[256];
    if (kvs_generate(&g, s->workload.seed, s->workload.memory, s->workload.requests, why,
                     sizeof why) < 0)
        return fail(c, t->generate_key, "generate: %s", why);
    s->workload.count = g.count;
    if (kvs_workload_validate(&s->workload, why, sizeof why) != (size_t)-1)
        return fail(c, t->generate_key, "generate: %s", why);
    return 0;
}

/* `memory: {model, gpu, gpus, utilization}`: M from a real serving setup (io/hardware.h). */
static int parse_memory_setup(ctx *c, const node *n, int64_t *memory, char **note)
{
    static const char *const keys[] = {"model", "gpu", "gpus", "utilization"};
    if (check_keys(c, n, "in memory", keys, 4) < 0)
        return -1;
    const node *vm = map_get(n, "model", NULL), *vg = map_get(n, "gpu", NULL), *v;
    if (!vm || !vg)
        return fail(c, n, "memory as a mapping needs 'model:' and 'gpu:', e.g. '{model: "
                    "llama-3.1-8b, gpu: h100-80gb}' (or give a number of tokens: 'memory: 2048')");
    char *model = NULL, *gpu = NULL;
    int64_t gpus = 1;
    double util = 0.9;
    int rc = -1;
    if (get_string(c, vm, "memory.model", &model) < 0 || get_string(c, vg, "memory.gpu", &gpu) < 0)
        goto out;
    if (!model || !gpu) {
        fail(c, !model ? vm : vg, "memory.%s must not be empty", !model ? "model" : "gpu");
        goto out;
    }
    if ((v = map_get(n, "gpus", NULL)) &&
        get_int(c, v, "memory.gpus", 1, KVS_MAX_GPUS, "the number of GPUs serving the model", &gpus) < 0)
        goto out;
    if ((v = map_get(n, "utilization", NULL)) &&
        get_number(c, v, "memory.utilization", 0.0, false, 1.0, &util) < 0)
        goto out;
    char why[512];
    kvs_memory_breakdown how;
    if (kvs_memory_from_setup(model, gpu, (int)gpus, util, memory, &how, why, sizeof why) < 0) {
        const node *blame = !kvs_hardware_model(model) ? vm : !kvs_hardware_gpu(gpu) ? vg : n;
        fail(c, blame, "%s", why);
        goto out;
    }
    char line[512];
    kvs_memory_breakdown_format(&how, line, sizeof line);
    *note = dup_string(line);
    if (!*note) {
        fail(c, n, "out of memory");
        goto out;
    }
    rc = 0;
out:
    free(model);
    free(gpu);
    return rc;
}

/* `trace:`: requests from a captured trace (io/trace.h, docs/TRACES.md). */
static int build_trace(ctx *c, const top_nodes *t, bool drop_oversize, double step_ms,
                       kvs_scenario *s)
{
    static const char *const keys[] = {"file",  "format",      "step_ms", "start_s",
                                       "duration_s", "limit", "rate_scale", "model",
                                       "lenient", "keep_failed", "count", "sample", "arrival"};
    const node *n = t->trace, *v, *k;
    if (expect_mapping(c, n, "trace", "'trace: {file: traces/azure-conv-1h.csv, step_ms: 25}'") < 0 ||
        check_keys(c, n, "in trace", keys, sizeof keys / sizeof *keys) < 0)
        return -1;
    kvs_trace_spec sp;
    kvs_trace_spec_init(&sp);
    sp.from_scenario = true;
    sp.seed = s->workload.seed;
    sp.progress = !(c->ov && c->ov->quiet);
    sp.lenient = c->ov && c->ov->lenient;
    sp.step_ms = step_ms;
    char *file = NULL, *model = NULL, *fmt = NULL, *path = NULL;
    int rc = -1;
    int64_t i64;
    if (!(v = map_get(n, "file", NULL))) {
        fail(c, n, "trace has no 'file:': name the trace file, relative to the scenario's folder");
        goto out;
    }
    if (get_string(c, v, "trace.file", &file) < 0)
        goto out;
    if (!file) {
        fail(c, v, "trace.file must not be empty");
        goto out;
    }
    if ((v = map_get(n, "format", NULL))) {
        if (get_string(c, v, "trace.format", &fmt) < 0)
            goto out;
        if (fmt && kvs_trace_format_parse(fmt, &sp.format) < 0) {
            fail(c, v, "unknown trace format '%s': expected one of %s", fmt, kvs_trace_format_list());
            goto out;
        }
    }
    if ((v = map_get(n, "step_ms", NULL)) &&
        get_number(c, v, "trace.step_ms", 0.0, false, INFINITY, &sp.step_ms) < 0)
        goto out;
    if ((v = map_get(n, "start_s", NULL)) &&
        get_number(c, v, "trace.start_s", 0.0, true, 1e9, &sp.start_s) < 0)
        goto out;
    if ((v = map_get(n, "duration_s", NULL)) &&
        get_number(c, v, "trace.duration_s", 0.0, false, 1e9, &sp.duration_s) < 0)
        goto out;
    if ((v = map_get(n, "limit", NULL))) {
        if (get_int(c, v, "trace.limit", 1, (int64_t)KVS_MAX_REQUESTS, NULL, &i64) < 0)
            goto out;
        sp.limit = (size_t)i64;
    }
    if ((v = map_get(n, "rate_scale", NULL)) &&
        get_number(c, v, "trace.rate_scale", 0.0, false, 1e6, &sp.rate_scale) < 0)
        goto out;
    if ((v = map_get(n, "model", NULL))) {
        if (get_string(c, v, "trace.model", &model) < 0)
            goto out;
        sp.model = model;
    }
    if ((v = map_get(n, "lenient", NULL))) {
        bool b;
        if (get_bool(c, v, "trace.lenient", &b) < 0)
            goto out;
        sp.lenient = sp.lenient || b;
    }
    if ((v = map_get(n, "keep_failed", NULL)) && get_bool(c, v, "trace.keep_failed", &sp.keep_failed) < 0)
        goto out;
    if ((v = map_get(n, "count", NULL))) {
        if (get_int(c, v, "trace.count", 1, (int64_t)KVS_MAX_REQUESTS, NULL, &i64) < 0)
            goto out;
        sp.count = (size_t)i64;
    }
    if ((v = map_get(n, "sample", NULL)) && get_bool(c, v, "trace.sample", &sp.sample) < 0)
        goto out;
    if ((v = map_get(n, "arrival", NULL)) && parse_arrival(c, v, "trace.arrival", &sp.arrival) < 0)
        goto out;
    /* Options that only one kind of trace uses: say so instead of ignoring them. */
    bool lengths = sp.format == KVS_TRACE_LENGTHS;
    const char *const only_lengths[] = {"count", "sample", "arrival"};
    for (size_t i = 0; i < 3; i++)
        if (map_get(n, only_lengths[i], &k) && !lengths) {
            fail(c, k, "'%s' is used only by 'format: lengths' (a trace without timestamps): "
                 "remove it, or add 'format: lengths'", only_lengths[i]);
            goto out;
        }
    if (sp.sample && sp.count == 0) {
        fail(c, n, "'sample: true' needs 'count:' (how many rows to draw)");
        goto out;
    }

    /* Resolve the file against the scenario's folder. */
    if (file[0] == '/' || !c->dir || strcmp(c->dir, ".") == 0) {
        path = dup_string(file);
    } else {
        size_t len = strlen(c->dir) + 1 + strlen(file) + 1;
        path = malloc(len);
        if (path)
            snprintf(path, len, "%s/%s", c->dir, file);
    }
    if (!path) {
        fail(c, n, "out of memory");
        goto out;
    }
    sp.path = path;
    kvs_trace tr;
    kvs_error terr = {0};
    if (kvs_trace_load(&sp, &tr, &terr) < 0) {
        /* The trace's own error already names its file:line:col; pass it on unchanged. */
        kvs_error_clear(c->err);
        *c->err = terr;
        goto out;
    }
    s->trace_rows_read = tr.rows_read;
    s->trace_rows_bad = tr.rows_bad;
    s->trace_rows_failed = tr.rows_failed;
    s->trace_rows_filtered = tr.rows_filtered;
    if (tr.first_bad.message) {
        char line[600];
        snprintf(line, sizeof line, "%s:%d:%d: %s", tr.first_bad.file ? tr.first_bad.file : path,
                 tr.first_bad.line, tr.first_bad.column, tr.first_bad.message);
        s->trace_first_bad = dup_string(line);
    }
    if (tr.count == 0) {
        fail(c, t->trace_key, "the trace %s gave no requests (%zu rows read, %zu filtered, %zu "
             "failed, %zu bad): check the window (start_s, duration_s) and the model filter",
             path, tr.rows_read, tr.rows_filtered, tr.rows_failed, tr.rows_bad);
        kvs_trace_free(&tr);
        goto out;
    }
    /* The scenario takes the requests and their ids over. */
    s->workload.requests = tr.requests;
    s->workload.count = tr.count;
    s->id_storage = tr.id_storage;
    tr.requests = NULL;
    tr.id_storage = NULL;
    kvs_trace_free(&tr);
    s->trace_file = path;
    path = NULL;
    if (s->step_ms == 0) /* the UI and reports show seconds with the trace's step length */
        s->step_ms = sp.step_ms;

    int64_t m = s->workload.memory;
    size_t kept = 0;
    for (size_t i = 0; i < s->workload.count; i++) {
        kvs_request *r = &s->workload.requests[i];
        if (r->prompt + r->output > m) {
            if (drop_oversize) {
                s->dropped++;
                continue;
            }
            fail(c, t->trace_key, "request %s of %s can never run: prompt %lld + output %lld = "
                 "%lld tokens is more than memory %lld%s: raise memory (a larger GPU, more "
                 "gpus) or add 'oversize: drop' to skip such requests",
                 r->id ? r->id : "?", s->trace_file, (long long)r->prompt, (long long)r->output,
                 (long long)(r->prompt + r->output), (long long)m,
                 c->memory_from_command_line ? " (set on the command line)" : "");
            goto out;
        }
        s->workload.requests[kept++] = *r;
    }
    if (kept == 0) {
        fail(c, t->trace_key, "all %zu requests of the trace need more than memory %lld and were "
             "dropped (oversize: drop): raise memory", s->workload.count, (long long)m);
        goto out;
    }
    s->workload.count = kept;
    char why[256];
    size_t bad = kvs_workload_validate(&s->workload, why, sizeof why);
    if (bad != (size_t)-1) {
        fail(c, t->trace_key, "%s: %s", s->trace_file, why);
        goto out;
    }
    rc = 0;
out:
    free(file);
    free(model);
    free(fmt);
    free(path);
    return rc;
}

static int load_tree(ctx *c, const node *root, const kvs_scenario_overrides *ov, kvs_scenario *s)
{
    char buf[128];
    if (root->kind != NODE_MAPPING)
        return fail(c, root, "the top level of a scenario must be a mapping of keys such as "
                    "'memory: 2048' and 'requests:', found %s", describe(root, buf, sizeof buf));
    if (check_keys(c, root, "at the top level", top_keys, TOP_KEYS) < 0)
        return -1;

    top_nodes t = {0};
    const node *memory_key = NULL;
    bool drop_oversize = false;
    int64_t memory = 0;
    s->workload.seed = 1;
    s->workload.info = kvs_info_params_default();
    for (size_t i = 0; i < map_pairs(root); i++) {
        const node *k = map_key(root, i), *v = map_value(root, i);
        int rc = 0;
        if (key_is(k, "name"))
            rc = get_string(c, v, "name", &s->name);
        else if (key_is(k, "description"))
            rc = get_string(c, v, "description", &s->description);
        else if (key_is(k, "memory")) {
            memory_key = k;
            t.memory = v;
            if (v->kind == NODE_MAPPING)
                rc = parse_memory_setup(c, v, &memory, &s->memory_note);
            else if (v->kind != NODE_SCALAR)
                rc = fail(c, v, "memory must be a number of tokens ('memory: 2048') or a serving "
                          "setup ('memory: {model: llama-3.1-8b, gpu: h100-80gb}'), found %s",
                          describe(v, buf, sizeof buf));
            else
                rc = get_int(c, v, "memory", 1, KVS_MAX_MEMORY,
                             "it is the KV cache budget in tokens", &memory);
        } else if (key_is(k, "policy"))
            t.policy = v;
        else if (key_is(k, "admission"))
            t.admission = v;
        else if (key_is(k, "information"))
            t.information = v;
        else if (key_is(k, "predicted"))
            rc = parse_predicted(c, v, &s->workload.info);
        else if (key_is(k, "onebit"))
            rc = parse_onebit(c, v, &s->workload.info);
        else if (key_is(k, "seed"))
            rc = get_u64(c, v, "seed", &s->workload.seed);
        else if (key_is(k, "step_ms"))
            rc = get_number(c, v, "step_ms", 0.0, false, INFINITY, &s->step_ms);
        else if (key_is(k, "oversize")) {
            static const char *const modes[] = {"error", "drop"};
            int mode;
            rc = get_name(c, v, "oversize", modes, 2, &mode);
            drop_oversize = mode == 1;
        } else if (key_is(k, "requests")) {
            t.requests = v;
            t.requests_key = k;
        } else if (key_is(k, "generate")) {
            t.generate = v;
            t.generate_key = k;
        } else if (key_is(k, "trace")) {
            t.trace = v;
            t.trace_key = k;
        }
        if (rc < 0)
            return -1;
    }
    if (resolve_config(c, &t, &s->config) < 0)
        return -1;

    if (ov && ov->memory > 0) {
        if (ov->memory > KVS_MAX_MEMORY)
            return fail_at(c, 0, 0, "memory %lld from the command line is out of range: give 1 "
                           "to %lld tokens", (long long)ov->memory, (long long)KVS_MAX_MEMORY);
        memory = ov->memory;
        c->memory_from_command_line = true;
        free(s->memory_note); /* the command line's number replaces the derived budget */
        s->memory_note = NULL;
    } else if (!memory_key) {
        return fail(c, root, "missing required key 'memory': add e.g. 'memory: 2048' (the KV "
                    "cache budget in tokens)");
    }
    s->workload.memory = memory;
    if (ov && ov->seed_set)
        s->workload.seed = ov->seed;

    /* Exactly one workload source. */
    const node *sources[3] = {t.requests_key, t.generate_key, t.trace_key};
    const node *first = NULL, *second = NULL;
    for (int i = 0; i < 3; i++) {
        const node *q = sources[i];
        if (!q)
            continue;
        if (!first || q->line < first->line ||
            (q->line == first->line && q->column < first->column)) {
            second = first;
            first = q;
        } else if (!second || q->line < second->line ||
                   (q->line == second->line && q->column < second->column)) {
            second = q;
        }
    }
    if (second)
        return fail(c, second, "give one workload: 'requests:', 'generate:' or 'trace:', not "
                    "several ('%s:' is at line %d): remove one", first->text, first->line);
    if (t.requests)
        return build_explicit(c, &t, drop_oversize, s);
    if (t.generate)
        return build_generated(c, &t, s);
    if (t.trace) {
        if (build_trace(c, &t, drop_oversize, s->step_ms, s) < 0)
            return -1;
        return 0;
    }
    return fail(c, root, "no workload: add a 'requests:' list, a 'generate:' mapping or a 'trace:' (see "
                "docs/SCENARIOS.md)");
}

/* ------------------------------------------------------------------------------------------------
 * Entry points */

static int load_text_in(const char *dir, const char *errname, const char *path, const char *stem_of, const char *text,
                     size_t len, const kvs_scenario_overrides *ov, kvs_scenario *out,
                     kvs_error *err)
{
    ctx c = {.file = errname, .text = text, .len = len, .err = err, .dir = dir, .ov = ov};
    kvs_scenario s;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    node *root = NULL;
    if (build_tree(&c, &root) < 0) {
        request_list_free(&c.requests);
        return -1;
    }
    if (!root || is_null(root)) {
        node_free(root);
        request_list_free(&c.requests);
        return fail_at(&c, 0, 0, "the file is empty: a scenario needs at least 'memory:' and "
                       "a 'requests:' list or a 'generate:' mapping (see docs/SCENARIOS.md)");
    }
    int rc = load_tree(&c, root, ov, &s);
    node_free(root);
    request_list_free(&c.requests);
    if (rc == 0) {
        s.path = dup_string(path);
        if (!s.name)
            s.name = file_stem(stem_of);
        if (!s.path || !s.name)
            rc = fail_at(&c, 0, 0, "out of memory");
    }
    if (rc < 0) {
        kvs_scenario_free(&s);
        return -1;
    }
    *out = s;
    return 0;
}

static int load_text(const char *errname, const char *path, const char *stem_of, const char *text,
                     size_t len, const kvs_scenario_overrides *ov, kvs_scenario *out,
                     kvs_error *err)
{
    /* Trace files are named relative to the scenario's folder (the current one for the
     * embedded default and for text given in memory without a path). */
    char *dir = NULL;
    const char *slash = strcmp(path, "<default>") == 0 ? NULL : strrchr(path, '/');
    if (slash) {
        size_t dl = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(dl + 1);
        if (dir) {
            memcpy(dir, path, dl);
            dir[dl] = '\0';
        }
    }
    int rc = load_text_in(dir ? dir : ".", errname, path, stem_of, text, len, ov, out, err);
    free(dir);
    return rc;
}

int kvs_scenario_load_string(const char *name, const char *text, size_t len,
                             const kvs_scenario_overrides *ov, kvs_scenario *out, kvs_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!name)
        name = "<string>";
    return load_text(name, name, name, text, len, ov, out, err);
}

int kvs_scenario_load_default(const kvs_scenario_overrides *ov, kvs_scenario *out, kvs_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    return load_text("<default>", "<default>", kvs_default_scenario_path, kvs_default_scenario,
                     kvs_default_scenario_len, ov, out, err);
}

int kvs_scenario_load(const char *path, const kvs_scenario_overrides *ov, kvs_scenario *out,
                      kvs_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            kvs_error_set(err, path, 0, 0, "cannot open the scenario: no such file (check the "
                          "path; the bundled scenarios are in scenarios/)");
        else
            kvs_error_set(err, path, 0, 0, "cannot open the scenario: %s", strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        kvs_error_set(err, path, 0, 0, "is a directory, not a scenario file: give the path of a "
                      ".yaml file");
        return -1;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > (uint64_t)MAX_FILE_BYTES) {
        kvs_error_set(err, path, 0, 0, "the file is larger than 1 GiB: a scenario is "
                      "hand-written YAML; is this a trace?");
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        kvs_error_set(err, path, 0, 0, "cannot open the scenario: %s", strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int rc = -1;
    while (buf) {
        if (len == cap) {
            if (cap >= MAX_FILE_BYTES) {
                kvs_error_set(err, path, 0, 0, "the file is larger than 1 GiB: a scenario is "
                              "hand-written YAML; is this a trace?");
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        /* YAML text never holds a NUL byte: stop reading after the first one and let the
         * parser report it with its position. Without this, a device such as /dev/zero was
         * read up to the 1 GiB limit before anything was said. */
        const char *nul = got ? memchr(buf + len, '\0', got) : NULL;
        if (nul != NULL) {
            len = (size_t)(nul - buf) + 1;
            rc = 0;
            break;
        }
        len += got;
        if (got == 0) {
            if (ferror(f))
                kvs_error_set(err, path, 0, 0, "cannot read the scenario: %s", strerror(errno));
            else
                rc = 0;
            break;
        }
    }
    fclose(f);
    if (!buf || (rc < 0 && err && !err->message)) {
        free(buf);
        kvs_error_set(err, path, 0, 0, "out of memory while reading the file");
        return -1;
    }
    if (rc == 0)
        rc = load_text(path, path, path, buf, len, ov, out, err);
    free(buf);
    return rc;
}

void kvs_scenario_free(kvs_scenario *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->name);
    free(s->description);
    free(s->memory_note);
    free(s->trace_file);
    free(s->trace_first_bad);
    free(s->workload.requests);
    free(s->id_storage);
    memset(s, 0, sizeof *s);
}
