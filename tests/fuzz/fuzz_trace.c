/* tests/fuzz/fuzz_trace.c: one trace reader (compiled once per format, TRACE_FORMAT set to a
 * kvs_trace_format) through kvs_trace_load, the only entry point: the input is written to a
 * private file that is then loaded.
 *
 * A first byte below 0x20 (other than TAB, LF, CR) is not part of the file but selects spec
 * options, so one corpus explores both the parser and the option paths:
 *   bit 0 lenient, bit 1 keep_failed, bit 2 limit 3, bit 3 window (start 0.5 s, duration 2 s),
 *   bit 4 rate_scale 7.5 and step_ms 0.3 (else step_ms 50); BurstGPT: bit 3 also filters model
 *   "ChatGPT"; lengths: bit 2 sample 5 rows, bit 3 count 2, bit 4 poisson arrivals.
 * On success the result must be sane: requests in arrival order, lengths in range, unique ids,
 * row accounting adding up; the info printer must not fail. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "io/trace.h"

#ifndef TRACE_FORMAT
#error "compile with -DTRACE_FORMAT=KVS_TRACE_..."
#endif

static char dir[64];
static char path[96];

static void cleanup(void)
{
    if (path[0])
        unlink(path);
    if (dir[0])
        rmdir(dir);
}

static void setup(void)
{
    if (path[0])
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/kvs-fuzz-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    snprintf(path, sizeof path, "%s/trace", dir);
    atexit(cleanup);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    unsigned opt = 0;
    if (size > 0 && data[0] < 0x20 && data[0] != '\t' && data[0] != '\n' && data[0] != '\r') {
        opt = data[0];
        data++;
        size--;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot write %s", path);
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        FUZZ_CHECK(w > 0, "short write");
        off += (size_t)w;
    }
    close(fd);

    kvs_trace_spec spec;
    kvs_trace_spec_init(&spec);
    spec.path = path;
    spec.format = TRACE_FORMAT;
    spec.progress = false;
    spec.lenient = opt & 1;
    spec.keep_failed = opt & 2;
    spec.step_ms = opt & 16 ? 0.3 : 50;
    spec.seed = 7;
    if (TRACE_FORMAT == KVS_TRACE_LENGTHS) {
        if (opt & 4) {
            spec.sample = true;
            spec.count = 5;
        } else if (opt & 8) {
            spec.count = 2;
        }
        if (opt & 16) {
            spec.arrival.kind = KVS_ARRIVAL_POISSON;
            spec.arrival.rate = 0.5;
        }
    } else {
        if (opt & 4)
            spec.limit = 3;
        if (opt & 8) {
            spec.start_s = 0.5;
            spec.duration_s = 2;
            if (TRACE_FORMAT == KVS_TRACE_BURSTGPT)
                spec.model = "ChatGPT";
        }
        if (opt & 16)
            spec.rate_scale = 7.5;
    }

    kvs_trace t;
    kvs_error err;
    memset(&err, 0, sizeof err);
    if (kvs_trace_load(&spec, &t, &err) != 0) {
        FUZZ_CHECK(err.message != NULL && err.message[0] != '\0', "a failed load gives a reason");
        FUZZ_CHECK(err.line >= 0 && err.column >= 0, "line %d column %d", err.line, err.column);
        FILE *null = fopen("/dev/null", "w");
        if (null != NULL) {
            kvs_error_print(null, &err);
            fclose(null);
        }
        kvs_error_clear(&err);
        kvs_trace_free(&t); /* documented as harmless after a failure */
        return 0;
    }
    FUZZ_CHECK(t.format == TRACE_FORMAT, "read as %s", kvs_trace_format_name(t.format));
    FUZZ_CHECK(t.count >= 1, "a successful load keeps at least one request");
    FUZZ_CHECK(t.requests != NULL, "requests");
    if (spec.limit)
        FUZZ_CHECK(t.count <= spec.limit, "%zu requests > limit %zu", t.count, spec.limit);
    if (!spec.lenient)
        FUZZ_CHECK(t.rows_bad == 0, "%zu bad rows while strict", t.rows_bad);
    if (TRACE_FORMAT != KVS_TRACE_LENGTHS || !spec.sample)
        FUZZ_CHECK(t.count + t.rows_bad + t.rows_failed + t.rows_filtered <= t.rows_read,
                   "kept %zu + bad %zu + failed %zu + filtered %zu > read %zu", t.count,
                   t.rows_bad, t.rows_failed, t.rows_filtered, t.rows_read);
    FUZZ_CHECK(t.span_s >= 0, "span %g", t.span_s);
    const char **ids = malloc(t.count * sizeof *ids);
    FUZZ_CHECK(ids != NULL, "out of memory");
    for (size_t i = 0; i < t.count; i++) {
        const kvs_request *r = &t.requests[i];
        FUZZ_CHECK(r->arrival >= 0 && r->arrival <= KVS_MAX_ARRIVAL, "arrival %lld",
                   (long long)r->arrival);
        if (i > 0)
            FUZZ_CHECK(r->arrival >= t.requests[i - 1].arrival, "request %zu arrives at %lld "
                       "before request %zu at %lld", i, (long long)r->arrival, i - 1,
                       (long long)t.requests[i - 1].arrival);
        FUZZ_CHECK(r->prompt >= 0 && r->prompt <= KVS_MAX_MEMORY, "prompt %lld",
                   (long long)r->prompt);
        FUZZ_CHECK(r->output >= 1 && r->output <= KVS_MAX_MEMORY, "output %lld",
                   (long long)r->output);
        FUZZ_CHECK(r->predicted == -1 || (r->predicted >= 1 && r->predicted <= KVS_MAX_MEMORY),
                   "predicted %lld", (long long)r->predicted);
        FUZZ_CHECK(r->id != NULL && r->id[0] != '\0', "request %zu has no id", i);
        ids[i] = r->id;
    }
    qsort(ids, t.count, sizeof *ids, cmp_str);
    for (size_t i = 1; i < t.count; i++)
        FUZZ_CHECK(strcmp(ids[i - 1], ids[i]) != 0, "duplicate id '%s'", ids[i]);
    free(ids);
    FILE *null = fopen("/dev/null", "w");
    if (null != NULL) {
        FUZZ_CHECK(kvs_trace_print_info(null, &spec, &t) == 0, "trace info failed");
        fclose(null);
    }
    kvs_trace_free(&t);
    return 0;
}
