/*
 * Growable byte buffer. See buf.h for the contract.
 */
#include "common/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void owl_buf_reserve(owl_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    if (extra > SIZE_MAX / 2 - b->len)
        abort();
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            abort();
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (!data)
        abort();
    b->data = data;
    b->cap = cap;
}

void owl_buf_append(owl_buf *b, const void *data, size_t len)
{
    owl_buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void owl_buf_puts(owl_buf *b, const char *s)
{
    owl_buf_append(b, s, strlen(s));
}

void owl_buf_putc(owl_buf *b, char c)
{
    owl_buf_append(b, &c, 1);
}

void owl_buf_vprintf(owl_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    owl_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void owl_buf_printf(owl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    owl_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void owl_buf_put_xml_escaped(owl_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': owl_buf_puts(b, "&amp;"); break;
        case '<': owl_buf_puts(b, "&lt;"); break;
        case '>': owl_buf_puts(b, "&gt;"); break;
        case '"': owl_buf_puts(b, "&quot;"); break;
        case '\'': owl_buf_puts(b, "&apos;"); break;
        case '\r': owl_buf_puts(b, "&#13;"); break;
        case '\t':
        case '\n': owl_buf_putc(b, *s); break;
        default:
            /* XML 1.0 forbids other control characters even as references. */
            if ((unsigned char)*s < 0x20)
                owl_buf_puts(b, "\xef\xbf\xbd");
            else
                owl_buf_putc(b, *s);
            break;
        }
    }
}

void owl_buf_reset(owl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *owl_buf_detach(owl_buf *b, size_t *len)
{
    if (!b->data)
        owl_buf_reserve(b, 0), b->data[0] = '\0';
    char *data = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

void owl_buf_free(owl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
