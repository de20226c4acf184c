/* Input reading with limits, and atomic output; see fs.h. */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmchoose/status.h"

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

/* Creates tmp (it must not exist), writes data, syncs and closes it; 0 or
 * an errno (tmp is removed on failure). */
static int write_temp(const char *tmp, const char *data, size_t len)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return errno;
    int err = write_all(fd, data, len);
    /* fsync fails with EINVAL or EROFS on some special filesystems, which
     * is no reason to fail the write. */
    if (err == 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (err != 0)
        unlink(tmp);
    return err;
}

/* "PATH.tmp.PID", malloc'd. */
static char *temp_name(const char *path)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (tmp != NULL)
        snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    return tmp;
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

int lm__write_atomic(const char *path, const char *data, size_t len,
                     struct lm_diags *diags)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return write_error(diags, NULL, errno);
        return LM_OK;
    }
    /* A device or FIFO (/dev/stdout, /dev/full, a pipe) is written in
     * place: renaming a temporary file over it would replace the node. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        int fd = open(path, O_WRONLY);
        if (fd < 0)
            return write_error(diags, path, errno);
        int err = write_all(fd, data, len);
        if (close(fd) != 0 && err == 0)
            err = errno;
        return err ? write_error(diags, path, err) : LM_OK;
    }
    char *tmp = temp_name(path);
    if (tmp == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    int err = write_temp(tmp, data, len);
    if (err == 0 && rename(tmp, path) != 0) {
        err = errno;
        unlink(tmp);
    }
    free(tmp);
    return err ? write_error(diags, path, err) : LM_OK;
}

int lm__write_new(const char *path, const char *data, size_t len, struct lm_diags *diags)
{
    char *tmp = temp_name(path);
    if (tmp == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    int err = write_temp(tmp, data, len);
    int exists = 0;
    /* link() fails when path exists, so an existing file is never replaced
     * even if it appears between a check and the write. */
    if (err == 0) {
        if (link(tmp, path) != 0) {
            if (errno == EEXIST)
                exists = 1;
            else
                err = errno;
        }
        unlink(tmp);
    }
    free(tmp);
    if (exists)
        return LM_EUSAGE;
    return err ? write_error(diags, path, err) : LM_OK;
}
