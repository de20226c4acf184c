/* Input reading with limits, and atomic output; see fs.h. */
/* realpath() is XSI: the output path is resolved through symbolic links. */
#define _XOPEN_SOURCE 700
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmchoose/status.h"
#include "util/strutil.h"

void lm__format_size(size_t bytes, char *buf, size_t cap)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        snprintf(buf, cap, "%zu MiB", bytes / (1024 * 1024));
    else if (bytes >= 1024 && bytes % 1024 == 0)
        snprintf(buf, cap, "%zu KiB", bytes / 1024);
    else
        snprintf(buf, cap, "%zu bytes", bytes);
}

/* strerror with a lower-case first letter, as diagnostics are worded. */
static void errno_text(int err, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

int lm__read_input(const char *path, const char *display, size_t max_size,
                   struct lm_diags *diags, char **out, size_t *outlen)
{
    struct lm_loc loc = { display, 0, 0 };
    char err[128];
    int fd;
    int is_stdin = strcmp(path, "-") == 0;
    *out = NULL;
    *outlen = 0;
    if (is_stdin) {
        fd = STDIN_FILENO;
    } else {
        fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fd < 0) {
            errno_text(errno, err, sizeof(err));
            return lm_diag_error(diags, LM_EIO, &loc, "cannot read: %s", err);
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            errno_text(errno, err, sizeof(err));
            close(fd);
            return lm_diag_error(diags, LM_EIO, &loc, "cannot read: %s", err);
        }
        if (S_ISDIR(st.st_mode)) {
            close(fd);
            return lm_diag_error(diags, LM_EIO, &loc, "cannot read: is a directory");
        }
        if (!S_ISREG(st.st_mode)) {
            close(fd);
            return lm_diag_error(diags, LM_EIO, &loc,
                                 "cannot read: not a regular file");
        }
        /* Back to blocking reads: O_NONBLOCK only kept open() from hanging
         * on a FIFO, which is refused above anyway. */
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap + 1);
    int rc = LM_OK;
    if (buf == NULL) {
        rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap > max_size)
                break;
            size_t ncap = cap * 2;
            if (ncap > max_size + 1)
                ncap = max_size + 1;
            char *nb = realloc(buf, ncap + 1);
            if (nb == NULL) {
                rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            errno_text(errno, err, sizeof(err));
            rc = lm_diag_error(diags, LM_EIO, &loc, "cannot read: %s", err);
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_size)
            break;
    }
    if (len > max_size) {
        char sz[32];
        lm__format_size(max_size, sz, sizeof(sz));
        rc = lm_diag_error(diags, LM_ELIMIT, &loc,
                           "file exceeds --max-input-size (%s)", sz);
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    buf = NULL;
out:
    free(buf);
    if (!is_stdin)
        close(fd);
    return rc;
}

/* Writes all of data to fd, retrying on EINTR; 0 or an errno. */
static int write_all(int fd, const char *data, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        off += (size_t)n;
    }
    return 0;
}

/* The directory part of path ("." when there is none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* Creates a temporary file ".lmc.XXXXXX" in dir (a short name, so any
 * target name up to NAME_MAX works), writes data, sets mode, syncs and
 * closes it. Returns 0 with *tmp malloc'd, or an errno (nothing left
 * behind). */
static int write_temp(const char *dir, const char *data, size_t len, mode_t mode, char **tmp)
{
    *tmp = lm__asprintf("%s/.lmc.XXXXXX", dir);
    if (*tmp == NULL)
        return ENOMEM;
    int fd = mkstemp(*tmp); /* mode 0600 until fchmod below */
    if (fd < 0) {
        int err = errno;
        free(*tmp);
        *tmp = NULL;
        return err;
    }
    int err = write_all(fd, data, len);
    if (err == 0 && fchmod(fd, mode) != 0)
        err = errno;
    /* fsync fails with EINVAL or EROFS on some special filesystems, which
     * is no reason to fail the write. */
    if (err == 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (err != 0) {
        unlink(*tmp);
        free(*tmp);
        *tmp = NULL;
    }
    return err;
}

/* The mode a new file gets from open(..., 0666): 0666 less the umask. */
static mode_t new_file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return (mode_t)(0666 & ~mask);
}

static int write_error(struct lm_diags *diags, const char *path, int err)
{
    char text[128];
    if (err == EPIPE)
        return LM_EOUTPUT; /* a closed pipe ends the run without a message */
    errno_text(err, text, sizeof(text));
    if (path == NULL)
        return lm_diag_error(diags, LM_EOUTPUT, NULL, "cannot write output: %s", text);
    return lm_diag_error(diags, LM_EOUTPUT, NULL, "cannot write %s: %s", path, text);
}

/* Writes data into an existing file or device in place (O_TRUNC for a
 * regular file); 0 or an errno. */
static int write_in_place(const char *path, const char *data, size_t len, int create)
{
    int fd = open(path, O_WRONLY | (create ? O_CREAT | O_TRUNC : 0), 0666);
    if (fd < 0)
        return errno;
    int err = write_all(fd, data, len);
    if (close(fd) != 0 && err == 0)
        err = errno;
    return err;
}

/* How --output and init write (issue 15):
 *   - a symbolic link under /dev/ or /proc/ (/dev/stdout) and any
 *     non-regular file (a device, a FIFO) is written in place: renaming
 *     over it would replace the node;
 *   - a regular file, or a symbolic link to one, is replaced atomically: a
 *     temporary file in the directory of the link's target, with the mode
 *     of the file it replaces (a 0600 file stays 0600), renamed over the
 *     target, so the link stays a link;
 *   - a dangling symbolic link is written through (its target is created);
 *   - a new file gets 0666 less the umask, as open() would give it.
 * With keep_existing, an existing regular file is left untouched and
 * LM_EUSAGE is returned (no diagnostic); the temporary file is linked, not
 * renamed, so a file that appears meanwhile is not replaced either. */
static int write_file(const char *path, const char *data, size_t len, int keep_existing,
                      struct lm_diags *diags)
{
    struct stat st, lst;
    /* /dev/stdout, /dev/fd/N and /proc/self/fd/N are links to an open
     * descriptor, even when it is a regular file (stdout redirected with >
     * or >>): appended to in place, as a shell's `>> /dev/stdout` would.
     * (A regular file such as /dev/shm/x.json is replaced as usual.) */
    if ((strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0) &&
        lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        int fd = open(path, O_WRONLY | O_APPEND);
        int err = fd < 0 ? errno : write_all(fd, data, len);
        if (fd >= 0 && close(fd) != 0 && err == 0)
            err = errno;
        return err ? write_error(diags, path, err) : LM_OK;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        int err = write_in_place(path, data, len, 0);
        return err ? write_error(diags, path, err) : LM_OK;
    }
    int exists = stat(path, &st) == 0;
    if (exists && keep_existing)
        return LM_EUSAGE;
    if (!exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        int err = write_in_place(path, data, len, 1);
        return err ? write_error(diags, path, err) : LM_OK;
    }
    /* The file to replace: the link's target when path is a link. */
    char *target = exists ? realpath(path, NULL) : strdup(path);
    char *dir = target ? dir_of(target) : NULL;
    char *tmp = NULL;
    int err = dir ? write_temp(dir, data, len, exists ? st.st_mode & 07777 : new_file_mode(), &tmp)
                  : ENOMEM;
    int already = 0;
    if (err == 0 && keep_existing) {
        if (link(tmp, target) != 0) {
            if (errno == EEXIST)
                already = 1;
            else
                err = errno;
        }
        unlink(tmp);
    } else if (err == 0 && rename(tmp, target) != 0) {
        err = errno;
        unlink(tmp);
    }
    free(tmp);
    free(dir);
    free(target);
    if (already)
        return LM_EUSAGE;
    return err ? write_error(diags, path, err) : LM_OK;
}

int lm__write_atomic(const char *path, const char *data, size_t len,
                     struct lm_diags *diags)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return write_error(diags, NULL, errno);
        return LM_OK;
    }
    return write_file(path, data, len, 0, diags);
}

int lm__write_new(const char *path, const char *data, size_t len, struct lm_diags *diags)
{
    return write_file(path, data, len, 1, diags);
}
