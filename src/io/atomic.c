/* atomic.c: all-or-nothing output files: temp file in the target's directory, fsync, rename.
 * rename(2) within one directory is atomic, so readers see the old file or the new one, never a
 * partial one, and a failure (disk full, a writer error) leaves the old file as it was. */
#include "io/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The errno of a failed writer; a writer that forgot to set it still gets a readable reason. */
static const char *errno_text(int err)
{
    return err ? strerror(err) : "the write failed";
}

/* The directory part of path ("." when there is none), in buf[n]. */
static void directory_of(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, n, ".");
    else if (slash == path)
        snprintf(buf, n, "/");
    else
        snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

/* Make the rename itself durable; a failure here cannot be undone, so it is not reported. */
static void sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* A non-regular target (/dev/null, a FIFO, a terminal) cannot be replaced by rename, and must not
 * be: renaming over /dev/null as root would replace the device. Write it in place. */
static int write_in_place(const char *path, kvs_write_fn fn, void *ctx, char *why, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(why, n, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    errno = 0;
    int rc = fn(f, ctx);
    int err = errno;
    if (rc == 0 && fflush(f) != 0) {
        rc = -1;
        err = errno;
    }
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc != 0)
        snprintf(why, n, "cannot write '%s': %s", path, errno_text(err));
    return rc;
}

int kvs_write_atomic(const char *path, kvs_write_fn fn, void *ctx, char *why, size_t n)
{
    char dummy[1];
    if (!why || n == 0) {
        why = dummy;
        n = sizeof dummy;
    }
    why[0] = '\0';
    if (!path || !*path) {
        snprintf(why, n, "no output file name given");
        return -1;
    }

    /* Replace what a symbolic link points to, not the link. */
    char *resolved = NULL;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        resolved = realpath(path, NULL);
    const char *target = resolved ? resolved : path;

    bool exists = stat(target, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        snprintf(why, n, "cannot write '%s': %s", path, strerror(EISDIR));
        free(resolved);
        return -1;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        int rc = write_in_place(target, fn, ctx, why, n);
        free(resolved);
        return rc;
    }

    char dir[PATH_MAX];
    directory_of(target, dir, sizeof dir);
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    size_t tmp_len = strlen(dir) + strlen(base) + 16;
    char *tmp = malloc(tmp_len);
    if (!tmp) {
        snprintf(why, n, "cannot write '%s': %s", path, strerror(ENOMEM));
        free(resolved);
        return -1;
    }
    /* A hidden name next to the target: same file system, and not picked up by `*.json` globs. */
    snprintf(tmp, tmp_len, "%s/.%s.XXXXXX", dir, base);

    int err = 0;
    const char *stage = "cannot create a temporary file in";
    FILE *f = NULL;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        err = errno;
        snprintf(why, n, "%s '%s' to write '%s': %s", stage, dir, path, strerror(err));
        free(tmp);
        free(resolved);
        return -1;
    }

    /* mkstemp makes the file 0600; give it the mode the file would have had without us. */
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(fd, mode) != 0) {
        err = errno;
        stage = "cannot set the mode of";
        goto fail;
    }

    f = fdopen(fd, "w");
    if (!f) {
        err = errno;
        stage = "cannot write";
        goto fail;
    }
    errno = 0;
    if (fn(f, ctx) != 0) {
        err = errno ? errno : EIO;
        stage = "cannot write";
        goto fail;
    }
    if (fflush(f) != 0 || ferror(f)) {
        err = errno ? errno : EIO;
        stage = "cannot write";
        goto fail;
    }
    if (fsync(fileno(f)) != 0) {
        err = errno;
        stage = "cannot sync";
        goto fail;
    }
    int rc = fclose(f);
    f = NULL;
    fd = -1;
    if (rc != 0) {
        err = errno;
        stage = "cannot write";
        goto fail;
    }
    if (rename(tmp, target) != 0) {
        err = errno;
        stage = "cannot replace";
        goto fail;
    }
    sync_directory(dir);
    free(tmp);
    free(resolved);
    return 0;

fail:
    if (f)
        fclose(f);
    else if (fd >= 0)
        close(fd);
    unlink(tmp);
    snprintf(why, n, "%s '%s': %s (the file was left unchanged)", stage, path, errno_text(err));
    free(tmp);
    free(resolved);
    return -1;
}
