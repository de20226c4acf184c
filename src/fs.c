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

int lm__write_atomic(const char *path, const char *data, size_t len,
                     struct lm_diags *diags)
{
    char err[128];
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            if (errno == EPIPE)
                return LM_EOUTPUT;
            errno_text(errno, err, sizeof(err));
            return lm_diag_error(diags, LM_EOUTPUT, NULL,
                                 "cannot write output: %s", err);
        }
        return LM_OK;
    }
    /* A device or FIFO (/dev/stdout, /dev/full, a pipe) is written in
     * place: renaming a temporary file over it would replace the node. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        int dfd = open(path, O_WRONLY);
        int derr = 0;
        if (dfd < 0)
            derr = errno;
        for (size_t off = 0; dfd >= 0 && off < len;) {
            ssize_t n = write(dfd, data + off, len - off);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                derr = errno;
                break;
            }
            off += (size_t)n;
        }
        if (dfd >= 0 && close(dfd) != 0 && derr == 0)
            derr = errno;
        if (derr == EPIPE)
            return LM_EOUTPUT;
        if (derr != 0) {
            errno_text(derr, err, sizeof(err));
            return lm_diag_error(diags, LM_EOUTPUT, NULL, "cannot write %s: %s",
                                 path, err);
        }
        return LM_OK;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (tmp == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0) {
        errno_text(errno, err, sizeof(err));
        free(tmp);
        return lm_diag_error(diags, LM_EOUTPUT, NULL, "cannot write %s: %s",
                             path, err);
    }
    size_t off = 0;
    int saved = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            saved = errno;
            break;
        }
        off += (size_t)n;
    }
    if (saved == 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        saved = errno;
    if (close(fd) != 0 && saved == 0)
        saved = errno;
    if (saved == 0 && rename(tmp, path) != 0)
        saved = errno;
    if (saved != 0) {
        unlink(tmp);
        free(tmp);
        errno_text(saved, err, sizeof(err));
        return lm_diag_error(diags, LM_EOUTPUT, NULL, "cannot write %s: %s",
                             path, err);
    }
    free(tmp);
    return LM_OK;
}

int lm__write_new(const char *path, const char *data, size_t len, struct lm_diags *diags)
{
    char err[128];
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (tmp == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    int saved = fd < 0 ? errno : 0;
    for (size_t off = 0; fd >= 0 && saved == 0 && off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno != EINTR)
            saved = errno;
        else if (n > 0)
            off += (size_t)n;
    }
    if (fd >= 0 && saved == 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        saved = errno;
    if (fd >= 0 && close(fd) != 0 && saved == 0)
        saved = errno;
    int exists = 0;
    if (saved == 0 && link(tmp, path) != 0) {
        if (errno == EEXIST)
            exists = 1;
        else
            saved = errno;
    }
    if (fd >= 0)
        unlink(tmp);
    free(tmp);
    if (exists)
        return LM_EUSAGE;
    if (saved != 0) {
        errno_text(saved, err, sizeof(err));
        return lm_diag_error(diags, LM_EOUTPUT, NULL, "cannot write %s: %s", path, err);
    }
    return LM_OK;
}
