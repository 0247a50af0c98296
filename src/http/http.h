/*
 * The HTTP/1.1 server owlery serve listens with, on libmicrohttpd
 * (thread per connection, so a handler may block on a function invocation
 * without stalling other clients).
 *
 * A request arrives in two steps: http_server_handler.begin() receives the method,
 * raw target and headers before any body byte and may reject the request at
 * once (a 413 for a declared Content-Length over the limit) or choose the
 * body limit; then .finish() sees the whole body and fills the response.
 * Bodies are kept in memory up to the limit, unless begin() installs a body
 * sink (req->body_sink), which then receives the body chunk by chunk (S3
 * streams object uploads to a file that way). A declared Content-Length over
 * the limit is rejected before any body byte is read; a body that grows past
 * it (chunked encoding) is read and dropped until it ends and then rejected,
 * or the connection is closed once HTTP_MAX_DISCARD_BYTES were dropped.
 *
 * A response body is either in memory (resp->body) or, when
 * resp->has_body_fd is set, a byte range of an open file that the server
 * sends and closes.
 *
 * Limits: HTTP_MAX_HEADERS request headers, 128 KiB for the request line and
 * headers together, 1024 connections and a 60 s idle timeout by default.
 */
#ifndef OWL_HTTP_HTTP_H
#define OWL_HTTP_HTTP_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Headers a request may carry. */
#define HTTP_MAX_HEADERS 128
/* Body bytes read and dropped after a body went over its limit, before closing. */
#define HTTP_MAX_DISCARD_BYTES (64u << 20)

typedef struct http_header {
    char *name; /* lowercased */
    char *value;
} http_header;

/*
 * Receiver of a request body that is not kept in memory. write() gets each
 * chunk in order and returns false to fail the request: the server then
 * drops the rest of the body, sets req->body_sink_failed and still calls
 * .finish(). close() runs exactly once when the request ends, whatever
 * happened, after .done().
 */
typedef struct http_body_sink {
    bool (*write)(void *arg, const void *data, size_t len);
    void (*close)(void *arg);
    void *arg;
} http_body_sink;

typedef struct http_request {
    const char *method;
    /* Request target as received: raw_path is still percent-encoded. */
    char *raw_path;
    char *raw_query; /* without '?'; empty string when absent */
    http_header headers[HTTP_MAX_HEADERS];
    size_t header_count;
    bool too_many_headers;
    owl_buf body;
    /* Longest body .begin() accepts for this request, in bytes. */
    uint64_t body_limit;
    /* Set by .begin() to stream the body instead of filling req->body. */
    http_body_sink body_sink;
    /* Body bytes received so far, whether in memory or sent to the sink. */
    uint64_t body_received;
    bool body_sink_failed;
    char remote_addr[64];
    char request_id[40];
    int64_t started_ms;
    /* Per-request state of the handler, freed by its .done() callback. */
    void *handler_state;
} http_request;

/* Response header count; S3 objects carry up to 2 KB of x-amz-meta-* headers. */
#define HTTP_MAX_RESPONSE_HEADERS 64

typedef struct http_response {
    int status;
    http_header headers[HTTP_MAX_RESPONSE_HEADERS];
    size_t header_count;
    owl_buf body;
    /*
     * When has_body_fd is true, the body is body_length bytes of body_fd
     * from body_offset instead of `body`; the server closes body_fd.
     */
    bool has_body_fd;
    int body_fd;
    uint64_t body_offset;
    uint64_t body_length;
} http_response;

/* Returns the first value of header name (lowercase), or NULL. */
const char *http_request_header(const http_request *req, const char *name);
/* Adds a header to the response; name and value are copied. */
void http_response_add_header(http_response *resp, const char *name, const char *value);
void http_response_set_body(http_response *resp, int status, const char *content_type,
                            const void *body, size_t len);
/*
 * Sends length bytes of fd from offset as the body; takes ownership of fd.
 * Replaces an in-memory body.
 */
void http_response_set_body_fd(http_response *resp, int status, int fd, uint64_t offset,
                               uint64_t length);
/* Drops every header, the body and the status, closing a body file. */
void http_response_reset(http_response *resp);

typedef struct http_server_handler {
    /*
     * Called once the headers are in. Returns 0 to continue (after setting
     * req->body_limit), or an HTTP status to stop: the handler then filled
     * resp and the body is not read.
     */
    int (*begin)(void *ctx, http_request *req, http_response *resp);
    /*
     * Called when the body grows past req->body_limit; fills resp with the
     * service's error (the server sends it with the status set in resp and
     * closes the connection without reading the rest).
     */
    void (*body_too_large)(void *ctx, http_request *req, http_response *resp);
    /* Called with the complete body; fills resp. */
    void (*finish)(void *ctx, http_request *req, http_response *resp);
    /* Called after the response went out (or the connection broke). */
    void (*done)(void *ctx, http_request *req, int status);
    void *ctx;
} http_server_handler;

typedef struct http_server http_server;

typedef struct http_server_config {
    const char *host; /* IPv4 address to bind, e.g. "127.0.0.1" */
    uint16_t port;    /* 0 picks a free port; see http_server_port() */
    unsigned connection_limit;
    unsigned idle_timeout_seconds;
} http_server_config;

/* Starts listening; returns NULL with a message in err on failure. */
http_server *http_server_start(const http_server_config *config,
                               const http_server_handler *handler, char *err, size_t errlen);
uint16_t http_server_port(const http_server *server);
/* Stops accepting, waits for in-flight requests, frees the server. */
void http_server_stop(http_server *server);

#endif
