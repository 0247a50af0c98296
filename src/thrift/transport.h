/*
 * Thrift transports: byte streams under the protocols.
 *
 *   memory    reads from a caller's byte range and writes into an owl_buf.
 *   buffered  buffers reads and writes over a thrift_io callback pair, so
 *             that a socket with a timeout can plug in.
 *             thrift_fd_transport_new fills the callbacks with read(2) and
 *             write(2).
 *   framed    Thrift's TFramedTransport over another transport. Each
 *             message is a 4-byte big-endian length and that many bytes.
 *             Frames larger than max_frame_size are rejected before any
 *             allocation.
 *
 * A failing call fills a thrift_error with a message that names the
 * transport and the failing value, and returns false.
 */
#ifndef OWL_THRIFT_TRANSPORT_H
#define OWL_THRIFT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"

/* Apache Thrift's default max frame size (TConfiguration, 0.14 and later). */
#define THRIFT_DEFAULT_MAX_FRAME_SIZE 16384000u

typedef struct thrift_error {
    char message[256];
} thrift_error;

/* Formats into err->message when err is not NULL; returns false for tail calls. */
bool thrift_error_set(thrift_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Callbacks for a byte stream. read returns the bytes read (at most len), 0
 * at end of stream, or -1 after filling err. write returns the bytes written
 * (at least 1) or -1 after filling err. Timeouts are the callback's concern.
 */
typedef struct thrift_io {
    ssize_t (*read)(void *ctx, void *buf, size_t len, thrift_error *err);
    ssize_t (*write)(void *ctx, const void *buf, size_t len, thrift_error *err);
    void *ctx;
} thrift_io;

typedef struct thrift_transport thrift_transport;

/*
 * Returns a transport that reads the len bytes at data (borrowed: they must
 * outlive the transport) and appends writes to out (borrowed; NULL when the
 * transport is only read).
 */
thrift_transport *thrift_memory_transport_new(const void *data, size_t len, owl_buf *out);
/* Returns a buffered transport over io. */
thrift_transport *thrift_buffered_transport_new(thrift_io io);
/* Returns a buffered transport over fd, which the caller keeps and closes. */
thrift_transport *thrift_fd_transport_new(int fd);
/* Returns a framed transport over inner (borrowed). max_frame_size 0 means the default. */
thrift_transport *thrift_framed_transport_new(thrift_transport *inner, size_t max_frame_size);
/* Frees t, not the transports, buffers or descriptors it borrows. Unflushed writes are lost. */
void thrift_transport_free(thrift_transport *t);

/* Reads exactly len bytes; end of stream before that is an error. */
bool thrift_transport_read(thrift_transport *t, void *buf, size_t len, thrift_error *err);
bool thrift_transport_write(thrift_transport *t, const void *buf, size_t len, thrift_error *err);
/* Sends buffered writes; for the framed transport, sends them as one frame. */
bool thrift_transport_flush(thrift_transport *t, thrift_error *err);
/*
 * Returns an upper bound on the bytes left to read: the rest of a memory
 * buffer, the rest of the current frame plus what the inner transport
 * returns, or SIZE_MAX for a stream. Readers use it to reject a declared
 * length larger than the input before allocating.
 */
size_t thrift_transport_remaining(const thrift_transport *t);

#endif
