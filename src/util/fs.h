/*
 * Reading inputs with the size cap enforced while reading (DESIGN §7a), so an
 * unbounded stdin stops at the cap, and file-level errors phrased the same way
 * everywhere (missing, unreadable, a directory, over the limit).
 */
#ifndef LMCHOOSE_FS_H
#define LMCHOOSE_FS_H

#include <stddef.h>

#include "lmchoose/diag.h"

/* Reads path ("-" = stdin, reported as "<stdin>") into a malloc'd buffer with
 * a NUL after the last byte. Returns LM_OK, or LM_EIO / LM_ELIMIT / LM_ENOMEM
 * with a file-level diagnostic naming display. */
int lm__read_input(const char *path, const char *display, size_t max_size,
                   struct lm_diags *diags, char **buf, size_t *len);

/* Writes data to path atomically: a temporary file ".lmc.XXXXXX" beside
 * the file, fsync, then rename. "-" writes to stdout. The replaced file's
 * mode is kept, a symbolic link is written through (it stays a link), and a
 * device or FIFO (/dev/stdout) is written in place. Returns LM_OK or
 * LM_EOUTPUT (diagnostic added; EPIPE adds none). */
int lm__write_atomic(const char *path, const char *data, size_t len,
                     struct lm_diags *diags);

/* Like lm__write_atomic, but never replaces an existing regular file: the
 * temporary file is hard-linked to path, which fails if path exists.
 * Returns LM_OK, LM_EUSAGE when path exists (no diagnostic added), or
 * LM_EOUTPUT with a diagnostic. A device or FIFO is written in place. */
int lm__write_new(const char *path, const char *data, size_t len, struct lm_diags *diags);

/* "4 MiB", "512 KiB", "100 bytes". */
void lm__format_size(size_t bytes, char *buf, size_t cap);

#endif
