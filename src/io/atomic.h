/* io/atomic.h: write an output file all-or-nothing (`-o FILE`), so that a failed or interrupted
 * run never leaves a truncated report where a good one used to be. */
#ifndef KVSCOPE_IO_ATOMIC_H
#define KVSCOPE_IO_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

/* Writes the content to f; returns 0, or -1 with errno set. */
typedef int (*kvs_write_fn)(FILE *f, void *ctx);

/* Write `path` through `fn`: into a temporary file in the same directory (so the rename cannot
 * cross file systems), then fflush, fsync and rename over `path`. On any failure the temporary
 * file is removed, an existing `path` is left untouched, and why[n] gets a one-line reason with
 * the errno text; returns -1. Returns 0 on success.
 * A new file gets mode 0666 minus the umask; a replaced regular file keeps its mode. If `path`
 * is a symbolic link, the file it points to is replaced (the link stays). If `path` exists and
 * is not a regular file (/dev/null, a FIFO), there is nothing to replace atomically: it is
 * written in place. */
int kvs_write_atomic(const char *path, kvs_write_fn fn, void *ctx, char *why, size_t n);

#endif
