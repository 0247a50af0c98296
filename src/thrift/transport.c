/*
 * Memory, buffered and framed transports for the Thrift protocols; see
 * transport.h. The framed layout is Apache Thrift's TFramedTransport: a
 * 4-byte big-endian signed length, then the frame.
 *
 * This is hand-written rather than taken from a Thrift library: Debian's
 * C library (c_glib) has no JSON protocol, and the connector transcodes
 * between the binary protocol and TJSONProtocol without per-struct code.
 */
#include "thrift/transport.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFFERED_SIZE 65536

enum transport_kind { TRANSPORT_MEMORY, TRANSPORT_BUFFERED, TRANSPORT_FRAMED };

struct thrift_transport {
    enum transport_kind kind;
    /* memory: the input range and the output buffer */
    const uint8_t *in;
    size_t in_len, in_pos;
    owl_buf *out;
    /* buffered: io plus a read buffer [rbuf + rpos, rbuf + rlen) and wbuf */
    thrift_io io;
    int fd;
    uint8_t *rbuf;
    size_t rpos, rlen;
    owl_buf wbuf;
    /* framed: inner transport, current frame [frame + fpos, frame + flen) */
    thrift_transport *inner;
    size_t max_frame_size;
    uint8_t *frame;
    size_t fpos, flen;
};

bool thrift_error_set(thrift_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return false;
}

static thrift_transport *transport_alloc(enum transport_kind kind)
{
    thrift_transport *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->kind = kind;
    t->fd = -1;
    return t;
}

thrift_transport *thrift_memory_transport_new(const void *data, size_t len, owl_buf *out)
{
    thrift_transport *t = transport_alloc(TRANSPORT_MEMORY);
    t->in = data;
    t->in_len = data ? len : 0;
    t->out = out;
    return t;
}

thrift_transport *thrift_buffered_transport_new(thrift_io io)
{
    thrift_transport *t = transport_alloc(TRANSPORT_BUFFERED);
    t->io = io;
    t->rbuf = malloc(BUFFERED_SIZE);
    if (!t->rbuf)
        abort();
    return t;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, thrift_error *err)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            thrift_error_set(err, "thrift transport: read from fd %d failed: %s", fd, strerror(errno));
            return -1;
        }
    }
}

static ssize_t fd_write(void *ctx, const void *buf, size_t len, thrift_error *err)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t n = write(fd, buf, len);
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        thrift_error_set(err, "thrift transport: write to fd %d failed: %s", fd,
                         n < 0 ? strerror(errno) : "wrote 0 bytes");
        return -1;
    }
}

thrift_transport *thrift_fd_transport_new(int fd)
{
    thrift_transport *t = thrift_buffered_transport_new((thrift_io){fd_read, fd_write, NULL});
    t->fd = fd;
    t->io.ctx = &t->fd;
    return t;
}

thrift_transport *thrift_framed_transport_new(thrift_transport *inner, size_t max_frame_size)
{
    thrift_transport *t = transport_alloc(TRANSPORT_FRAMED);
    t->inner = inner;
    t->max_frame_size = max_frame_size ? max_frame_size : THRIFT_DEFAULT_MAX_FRAME_SIZE;
    return t;
}

void thrift_transport_free(thrift_transport *t)
{
    if (!t)
        return;
    free(t->rbuf);
    owl_buf_free(&t->wbuf);
    free(t->frame);
    free(t);
}

static bool memory_read(thrift_transport *t, uint8_t *buf, size_t len, thrift_error *err)
{
    if (len > t->in_len - t->in_pos)
        return thrift_error_set(err, "thrift transport: end of input at offset %zu, %zu more bytes expected",
                                t->in_len, len - (t->in_len - t->in_pos));
    memcpy(buf, t->in + t->in_pos, len);
    t->in_pos += len;
    return true;
}

static bool buffered_read(thrift_transport *t, uint8_t *buf, size_t len, thrift_error *err)
{
    while (len > 0) {
        if (t->rpos < t->rlen) {
            size_t n = t->rlen - t->rpos < len ? t->rlen - t->rpos : len;
            memcpy(buf, t->rbuf + t->rpos, n);
            t->rpos += n;
            buf += n;
            len -= n;
            continue;
        }
        /* Large reads bypass the buffer; small ones refill it. */
        bool direct = len >= BUFFERED_SIZE;
        ssize_t n = t->io.read(t->io.ctx, direct ? buf : t->rbuf, direct ? len : BUFFERED_SIZE, err);
        if (n < 0)
            return false;
        if (n == 0)
            return thrift_error_set(err, "thrift transport: connection closed, %zu more bytes expected", len);
        if (direct) {
            buf += n;
            len -= (size_t)n;
        } else {
            t->rpos = 0;
            t->rlen = (size_t)n;
        }
    }
    return true;
}

static bool io_write_all(thrift_io *io, const uint8_t *buf, size_t len, thrift_error *err)
{
    while (len > 0) {
        ssize_t n = io->write(io->ctx, buf, len, err);
        if (n <= 0)
            return n < 0 ? false : thrift_error_set(err, "thrift transport: write made no progress");
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Loads the next frame; the frame length is checked before allocating. */
static bool framed_next(thrift_transport *t, thrift_error *err)
{
    uint8_t header[4];
    if (!thrift_transport_read(t->inner, header, 4, err))
        return false;
    int32_t len = (int32_t)((uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 |
                            header[3]);
    if (len < 0)
        return thrift_error_set(err, "thrift framed: frame length %d is negative", len);
    if ((size_t)len > t->max_frame_size)
        return thrift_error_set(err, "thrift framed: frame length %d exceeds max frame size %zu", len,
                                t->max_frame_size);
    size_t remaining = thrift_transport_remaining(t->inner);
    if ((size_t)len > remaining)
        return thrift_error_set(err, "thrift framed: frame length %d exceeds the %zu bytes remaining", len,
                                remaining);
    free(t->frame);
    t->frame = malloc(len ? (size_t)len : 1);
    if (!t->frame)
        abort();
    t->fpos = 0;
    t->flen = (size_t)len;
    return thrift_transport_read(t->inner, t->frame, (size_t)len, err);
}

static bool framed_read(thrift_transport *t, uint8_t *buf, size_t len, thrift_error *err)
{
    while (len > 0) {
        if (t->fpos == t->flen) {
            if (!framed_next(t, err))
                return false;
            continue;
        }
        size_t n = t->flen - t->fpos < len ? t->flen - t->fpos : len;
        memcpy(buf, t->frame + t->fpos, n);
        t->fpos += n;
        buf += n;
        len -= n;
    }
    return true;
}

bool thrift_transport_read(thrift_transport *t, void *buf, size_t len, thrift_error *err)
{
    switch (t->kind) {
    case TRANSPORT_MEMORY: return memory_read(t, buf, len, err);
    case TRANSPORT_BUFFERED: return buffered_read(t, buf, len, err);
    case TRANSPORT_FRAMED: return framed_read(t, buf, len, err);
    }
    return false;
}

bool thrift_transport_write(thrift_transport *t, const void *buf, size_t len, thrift_error *err)
{
    switch (t->kind) {
    case TRANSPORT_MEMORY:
        if (!t->out)
            return thrift_error_set(err, "thrift transport: memory transport has no output buffer");
        owl_buf_append(t->out, buf, len);
        return true;
    case TRANSPORT_BUFFERED:
        owl_buf_append(&t->wbuf, buf, len);
        if (t->wbuf.len >= BUFFERED_SIZE)
            return thrift_transport_flush(t, err);
        return true;
    case TRANSPORT_FRAMED:
        if (t->wbuf.len + len > t->max_frame_size)
            return thrift_error_set(err, "thrift framed: frame of %zu bytes exceeds max frame size %zu",
                                    t->wbuf.len + len, t->max_frame_size);
        owl_buf_append(&t->wbuf, buf, len);
        return true;
    }
    return false;
}

bool thrift_transport_flush(thrift_transport *t, thrift_error *err)
{
    bool ok = true;
    switch (t->kind) {
    case TRANSPORT_MEMORY:
        return true;
    case TRANSPORT_BUFFERED:
        ok = io_write_all(&t->io, (const uint8_t *)t->wbuf.data, t->wbuf.len, err);
        break;
    case TRANSPORT_FRAMED: {
        uint32_t len = (uint32_t)t->wbuf.len;
        uint8_t header[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
        ok = thrift_transport_write(t->inner, header, 4, err) &&
             thrift_transport_write(t->inner, t->wbuf.data, t->wbuf.len, err) &&
             thrift_transport_flush(t->inner, err);
        break;
    }
    }
    owl_buf_reset(&t->wbuf);
    return ok;
}

size_t thrift_transport_remaining(const thrift_transport *t)
{
    switch (t->kind) {
    case TRANSPORT_MEMORY:
        return t->in_len - t->in_pos;
    case TRANSPORT_BUFFERED:
        return SIZE_MAX;
    case TRANSPORT_FRAMED: {
        /* A read may continue into the next frame, so the inner rest counts too. */
        size_t inner = thrift_transport_remaining(t->inner);
        size_t frame = t->flen - t->fpos;
        return inner > SIZE_MAX - frame ? SIZE_MAX : inner + frame;
    }
    }
    return SIZE_MAX;
}
