/*
 * Growable byte buffer, used for response bodies, canonical requests and
 * encoders. The contents are always NUL-terminated so text can be passed to
 * C string functions; binary data may contain NULs, so use len.
 *
 * Allocation failure aborts the process: every caller would otherwise need a
 * path for it, and the server cannot do anything useful without memory.
 */
#ifndef OWL_COMMON_BUF_H
#define OWL_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct owl_buf {
    char *data;
    size_t len;
    size_t cap;
} owl_buf;

#define OWL_BUF_INIT {NULL, 0, 0}

void owl_buf_reserve(owl_buf *b, size_t extra);
void owl_buf_append(owl_buf *b, const void *data, size_t len);
void owl_buf_puts(owl_buf *b, const char *s);
void owl_buf_putc(owl_buf *b, char c);
void owl_buf_printf(owl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void owl_buf_vprintf(owl_buf *b, const char *fmt, va_list ap);
/*
 * Appends s with &, <, >, ", ' and CR replaced by XML references and the
 * control characters XML 1.0 forbids (below 0x20 except TAB and LF) replaced
 * by U+FFFD, so any text yields well-formed XML.
 */
void owl_buf_put_xml_escaped(owl_buf *b, const char *s);
void owl_buf_reset(owl_buf *b);
/* Returns the contents (never NULL) and leaves b empty; the caller frees it. */
char *owl_buf_detach(owl_buf *b, size_t *len);
void owl_buf_free(owl_buf *b);

#endif
