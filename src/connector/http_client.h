/*
 * A small HTTP/1.1 client (RFC 9112) for the Lambda Runtime API: one
 * keep-alive connection to a plain-HTTP "host:port", one request at a time.
 * It exists so that the connector's cold start loads no HTTP library: the
 * Runtime API is plain HTTP on a local address, so libcurl is only needed
 * for the spill PUT to S3 (see spill.c), and is loaded on first use there.
 *
 * The response parser is separate and incremental, so it can be fed any
 * split of the bytes (and fuzzed that way). It accepts a status line,
 * header fields, and a body framed by Content-Length, by chunked transfer
 * coding, or by the end of the connection. Limits: CONNECTOR_HTTP_MAX_HEAD
 * bytes for the status line and header fields together (and again for
 * chunked trailers), and a caller-chosen body_limit beyond which body bytes
 * are read and dropped, so the connection stays usable.
 */
#ifndef OWL_CONNECTOR_HTTP_CLIENT_H
#define OWL_CONNECTOR_HTTP_CLIENT_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maximum bytes of a response's status line and header fields together. */
#define CONNECTOR_HTTP_MAX_HEAD 65536u

typedef enum connector_http_result {
    CONNECTOR_HTTP_MORE,  /* the response is incomplete: feed more bytes */
    CONNECTOR_HTTP_DONE,  /* the response is complete */
    CONNECTOR_HTTP_ERROR, /* malformed response: see parser.error */
} connector_http_result;

/* Receives each header field of a response; name and value are not NUL-terminated. */
typedef void (*connector_http_header_fn)(void *ctx, const char *name, size_t name_len,
                                         const char *value, size_t value_len);

typedef enum connector_http_phase {
    CONNECTOR_HTTP_PHASE_HEAD,
    CONNECTOR_HTTP_PHASE_LENGTH_BODY,
    CONNECTOR_HTTP_PHASE_CLOSE_BODY,
    CONNECTOR_HTTP_PHASE_CHUNK_SIZE,
    CONNECTOR_HTTP_PHASE_CHUNK_DATA,
    CONNECTOR_HTTP_PHASE_CHUNK_END,
    CONNECTOR_HTTP_PHASE_TRAILERS,
    CONNECTOR_HTTP_PHASE_DONE,
} connector_http_phase;

typedef struct connector_http_parser {
    /* Set by the caller before the first byte. */
    size_t body_limit;               /* body bytes kept; the rest are dropped */
    bool head_only;                  /* the request was HEAD: no body follows */
    connector_http_header_fn on_header;
    void *header_ctx;

    /* Results. */
    int status;                      /* e.g. 200 */
    bool keep_alive;                 /* the connection may carry another request */
    owl_buf body;                    /* the body (decoded from chunks), up to body_limit */
    uint64_t body_bytes;             /* body bytes received, including dropped ones */
    bool body_too_large;             /* body_bytes > body_limit */
    char error[160];                 /* why CONNECTOR_HTTP_ERROR was returned */

    /* State. */
    connector_http_phase phase;
    owl_buf line;                    /* head, chunk-size line or trailer bytes so far */
    uint64_t remaining;              /* bytes left in a Content-Length body or a chunk */
} connector_http_parser;

/* Prepares p for one response. Set the caller fields after this call. */
void connector_http_parser_init(connector_http_parser *p);
void connector_http_parser_free(connector_http_parser *p);

/*
 * Feeds len bytes of the response. Sets *consumed to the bytes used, which
 * is less than len only when the response ended (CONNECTOR_HTTP_DONE)
 * before the input did. Once DONE or ERROR is returned, the parser takes no
 * more bytes.
 */
connector_http_result connector_http_parse(connector_http_parser *p, const char *data,
                                           size_t len, size_t *consumed);

/*
 * Tells the parser that the connection ended. Returns DONE for a body that
 * runs to the end of the connection, ERROR (with p->error) when the
 * response was cut short.
 */
connector_http_result connector_http_parse_eof(connector_http_parser *p);

/* ---- the client --------------------------------------------------------- */

typedef struct connector_http_client {
    char host[256];       /* without the brackets of an IPv6 literal */
    char port[8];
    char authority[272];  /* the Host header: "host:port" as given */
    int fd;               /* -1 when not connected */
    bool reused;          /* fd carried an earlier request */
} connector_http_client;

/*
 * Sets up a client for authority "host:port" or "[v6-address]:port"
 * without connecting. Returns false with a message in err when authority
 * has another form.
 */
bool connector_http_client_init(connector_http_client *client, const char *authority, char *err,
                                size_t errlen);

/*
 * Sends one request and reads its response into p (which the caller has
 * prepared with connector_http_parser_init). headers is "" or more header
 * lines, each ending in "\r\n"; Host, Content-Length (for a body or a
 * POST/PUT) are added. Waits for the response without a time limit, as a
 * Runtime API long poll must. Connects when needed; when a reused
 * connection was closed by the server before any response byte arrived, it
 * reconnects and sends once more. Returns false with a message in err on a
 * connection failure or a malformed response; the connection is then
 * closed.
 */
bool connector_http_client_request(connector_http_client *client, const char *method,
                                   const char *path, const char *headers, const char *body,
                                   size_t body_len, connector_http_parser *p, char *err,
                                   size_t errlen);

/* Closes the connection, if any. The client can be used again afterwards. */
void connector_http_client_close(connector_http_client *client);

#endif
