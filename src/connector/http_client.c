/*
 * The connector's HTTP/1.1 client and response parser (RFC 9112), used for
 * the Lambda Runtime API; see http_client.h for the contract and limits.
 *
 * The parser rejects what it cannot frame safely. That is an obsolete line
 * folding in a header field (RFC 9112 section 5.2 lets a client replace it
 * with a space instead, but the Runtime API never sends one), conflicting
 * Content-Length values, a Transfer-Encoding whose final coding is not
 * chunked, control characters other than HTAB in the head, and a 101
 * Switching Protocols. A response with both Transfer-Encoding and
 * Content-Length is read as chunked, and the connection is closed after it,
 * as section 6.3 requires.
 */
#include "connector/http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Maximum bytes of one chunk-size line, chunk extensions included. */
#define HTTP_MAX_CHUNK_LINE 4096u
/* Content-Length and chunk sizes above this are rejected (2^62 bytes). */
#define HTTP_MAX_LENGTH (UINT64_C(1) << 62)
#define HTTP_READ_BUFFER 16384

void connector_http_parser_init(connector_http_parser *p)
{
    memset(p, 0, sizeof *p);
    p->body = (owl_buf)OWL_BUF_INIT;
    p->line = (owl_buf)OWL_BUF_INIT;
    p->phase = CONNECTOR_HTTP_PHASE_HEAD;
}

void connector_http_parser_free(connector_http_parser *p)
{
    owl_buf_free(&p->body);
    owl_buf_free(&p->line);
}

static connector_http_result parse_fail(connector_http_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static connector_http_result parse_fail(connector_http_parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof p->error, fmt, ap);
    va_end(ap);
    if (!p->error[0])
        snprintf(p->error, sizeof p->error, "malformed HTTP response");
    p->phase = CONNECTOR_HTTP_PHASE_DONE;
    p->keep_alive = false;
    return CONNECTOR_HTTP_ERROR;
}

static void body_append(connector_http_parser *p, const char *data, size_t len)
{
    p->body_bytes += len;
    if (p->body.len < p->body_limit) {
        size_t room = p->body_limit - p->body.len;
        owl_buf_append(&p->body, data, len < room ? len : room);
    }
    if (p->body_bytes > p->body_limit)
        p->body_too_large = true;
}

/* ---- the head ----------------------------------------------------------- */

/* Framing facts gathered from the header fields of one head. */
typedef struct head_fields {
    bool has_length;
    uint64_t length;
    bool has_transfer_encoding;
    bool chunked_last;       /* the last transfer coding seen is "chunked" */
    bool connection_close;
    bool connection_keep_alive;
} head_fields;

static bool is_token_char(unsigned char ch)
{
    if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
        return true;
    return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Parses a decimal number of at most HTTP_MAX_LENGTH from len bytes, digits only. */
static bool parse_decimal(const char *s, size_t len, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        value = value * 10 + (uint64_t)(s[i] - '0');
        if (value > HTTP_MAX_LENGTH)
            return false;
    }
    *out = value;
    return true;
}

/*
 * Calls fn for each comma-separated, whitespace-trimmed, non-empty element
 * of a list-valued field.
 */
static void for_each_element(const char *value, size_t len, head_fields *fields,
                             void (*fn)(head_fields *, const char *, size_t))
{
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && value[end] != ',')
            end++;
        size_t a = start, b = end;
        while (a < b && (value[a] == ' ' || value[a] == '\t'))
            a++;
        while (b > a && (value[b - 1] == ' ' || value[b - 1] == '\t'))
            b--;
        if (b > a)
            fn(fields, value + a, b - a);
        start = end + 1;
    }
}

static void note_transfer_coding(head_fields *fields, const char *coding, size_t len)
{
    fields->chunked_last = len == 7 && strncasecmp(coding, "chunked", 7) == 0;
}

static void note_connection_option(head_fields *fields, const char *option, size_t len)
{
    if (len == 5 && strncasecmp(option, "close", 5) == 0)
        fields->connection_close = true;
    else if (len == 10 && strncasecmp(option, "keep-alive", 10) == 0)
        fields->connection_keep_alive = true;
}

/* Handles one "name: value" line (without its line ending). */
static connector_http_result parse_field(connector_http_parser *p, head_fields *fields,
                                         const char *line, size_t len)
{
    if (line[0] == ' ' || line[0] == '\t')
        return parse_fail(p, "the response uses obsolete header line folding");
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line)
        return parse_fail(p, "header line \"%.*s\" has no field name and colon",
                          (int)(len > 40 ? 40 : len), line);
    size_t name_len = (size_t)(colon - line);
    for (size_t i = 0; i < name_len; i++)
        if (!is_token_char((unsigned char)line[i]))
            return parse_fail(p, "header field name \"%.*s\" contains an invalid character",
                              (int)(name_len > 40 ? 40 : name_len), line);

    const char *value = colon + 1;
    const char *end = line + len;
    while (value < end && (*value == ' ' || *value == '\t'))
        value++;
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t value_len = (size_t)(end - value);

    if (name_len == 14 && strncasecmp(line, "content-length", 14) == 0) {
        uint64_t length;
        if (!parse_decimal(value, value_len, &length))
            return parse_fail(p, "Content-Length \"%.*s\" is not a number of bytes",
                              (int)(value_len > 40 ? 40 : value_len), value);
        if (fields->has_length && fields->length != length)
            return parse_fail(p, "the response has two different Content-Length values");
        fields->has_length = true;
        fields->length = length;
    } else if (name_len == 17 && strncasecmp(line, "transfer-encoding", 17) == 0) {
        fields->has_transfer_encoding = true;
        for_each_element(value, value_len, fields, note_transfer_coding);
    } else if (name_len == 10 && strncasecmp(line, "connection", 10) == 0) {
        for_each_element(value, value_len, fields, note_connection_option);
    }

    if (p->on_header)
        p->on_header(p->header_ctx, line, name_len, value, value_len);
    return CONNECTOR_HTTP_MORE;
}

/* Parses "HTTP/1.x NNN reason" and returns the minor version, or -1. */
static int parse_status_line(connector_http_parser *p, const char *line, size_t len)
{
    if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' || line[7] > '9' ||
        line[8] != ' ')
        return -1;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (line[i] < '0' || line[i] > '9')
            return -1;
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599 || (len > 12 && line[12] != ' '))
        return -1;
    p->status = status;
    return line[7] - '0';
}

/* Parses the complete head in p->line and chooses how the body is framed. */
static connector_http_result parse_head(connector_http_parser *p)
{
    head_fields fields;
    memset(&fields, 0, sizeof fields);
    const char *pos = p->line.data;
    const char *end = p->line.data + p->line.len;
    int minor = -1;

    while (pos < end) {
        const char *newline = memchr(pos, '\n', (size_t)(end - pos));
        size_t len = (size_t)(newline - pos);
        if (len > 0 && pos[len - 1] == '\r')
            len--;
        for (size_t i = 0; i < len; i++) {
            unsigned char ch = (unsigned char)pos[i];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                return parse_fail(p, "the response head contains the control character 0x%02x",
                                  ch);
        }
        if (minor < 0) {
            minor = parse_status_line(p, pos, len);
            if (minor < 0)
                return parse_fail(p, "invalid status line \"%.*s\"", (int)(len > 60 ? 60 : len),
                                  pos);
        } else if (len > 0 && parse_field(p, &fields, pos, len) == CONNECTOR_HTTP_ERROR) {
            return CONNECTOR_HTTP_ERROR;
        }
        pos = newline + 1;
    }
    owl_buf_reset(&p->line);

    if (p->status == 101)
        return parse_fail(p, "the server switched protocols (HTTP 101), which this client "
                             "does not support");
    if (p->status < 200)
        return CONNECTOR_HTTP_MORE; /* an interim response: the final one follows */

    p->keep_alive = minor >= 1 ? !fields.connection_close
                               : fields.connection_keep_alive && !fields.connection_close;
    if (p->head_only || p->status == 204 || p->status == 304) {
        p->phase = CONNECTOR_HTTP_PHASE_DONE;
        return CONNECTOR_HTTP_DONE;
    }
    if (fields.has_transfer_encoding) {
        if (!fields.chunked_last)
            return parse_fail(p, "the response's Transfer-Encoding does not end in chunked");
        if (fields.has_length)
            p->keep_alive = false;
        p->phase = CONNECTOR_HTTP_PHASE_CHUNK_SIZE;
        return CONNECTOR_HTTP_MORE;
    }
    if (fields.has_length) {
        p->remaining = fields.length;
        p->phase = fields.length ? CONNECTOR_HTTP_PHASE_LENGTH_BODY : CONNECTOR_HTTP_PHASE_DONE;
        return fields.length ? CONNECTOR_HTTP_MORE : CONNECTOR_HTTP_DONE;
    }
    p->keep_alive = false;
    p->phase = CONNECTOR_HTTP_PHASE_CLOSE_BODY;
    return CONNECTOR_HTTP_MORE;
}

/* True when line (the head so far, ending in '\n') ends with an empty line. */
static bool ends_with_empty_line(const owl_buf *line)
{
    const char *d = line->data;
    size_t n = line->len;
    if (n >= 2 && d[n - 2] == '\n')
        return true;
    return n >= 3 && d[n - 2] == '\r' && d[n - 3] == '\n';
}

/* ---- chunked transfer coding -------------------------------------------- */

static connector_http_result parse_chunk_size(connector_http_parser *p)
{
    const char *s = p->line.data;
    size_t len = p->line.len - 1; /* without '\n' */
    if (len > 0 && s[len - 1] == '\r')
        len--;
    uint64_t size = 0;
    size_t i = 0;
    for (; i < len; i++) {
        char ch = s[i];
        int digit = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : -1;
        if (digit < 0)
            break;
        if (size > (HTTP_MAX_LENGTH - (uint64_t)digit) / 16)
            return parse_fail(p, "a chunk is larger than %llu bytes",
                              (unsigned long long)HTTP_MAX_LENGTH);
        size = size * 16 + (uint64_t)digit;
    }
    size_t digits = i;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (digits == 0 || (i < len && s[i] != ';'))
        return parse_fail(p, "invalid chunk size line \"%.*s\"", (int)(len > 40 ? 40 : len), s);

    owl_buf_reset(&p->line);
    p->remaining = size;
    p->phase = size ? CONNECTOR_HTTP_PHASE_CHUNK_DATA : CONNECTOR_HTTP_PHASE_TRAILERS;
    return CONNECTOR_HTTP_MORE;
}

/* ---- feeding bytes ------------------------------------------------------ */

/* Takes bytes into p->line up to and including a '\n'; returns the count taken. */
static size_t take_line_bytes(connector_http_parser *p, const char *data, size_t len,
                              bool *complete)
{
    const char *newline = memchr(data, '\n', len);
    size_t n = newline ? (size_t)(newline - data) + 1 : len;
    owl_buf_append(&p->line, data, n);
    *complete = newline != NULL;
    return n;
}

connector_http_result connector_http_parse(connector_http_parser *p, const char *data,
                                           size_t len, size_t *consumed)
{
    size_t used = 0;
    connector_http_result result = CONNECTOR_HTTP_MORE;
    *consumed = 0;
    if (p->error[0])
        return CONNECTOR_HTTP_ERROR;
    if (p->phase == CONNECTOR_HTTP_PHASE_DONE)
        return CONNECTOR_HTTP_DONE;

    while (used < len && result == CONNECTOR_HTTP_MORE) {
        const char *at = data + used;
        size_t left = len - used;
        bool complete = false;

        switch (p->phase) {
        case CONNECTOR_HTTP_PHASE_HEAD:
            /* Line by line, so the end of the head is found wherever the input splits. */
            used += take_line_bytes(p, at, left, &complete);
            if (p->line.len > CONNECTOR_HTTP_MAX_HEAD)
                result = parse_fail(p, "the response head is longer than %u bytes",
                                    CONNECTOR_HTTP_MAX_HEAD);
            else if (complete && p->line.len <= 2 && (p->line.len == 1 || p->line.data[0] == '\r'))
                owl_buf_reset(&p->line); /* RFC 9112 2.2: skip empty lines before the status */
            else if (complete && ends_with_empty_line(&p->line))
                result = parse_head(p);
            break;

        case CONNECTOR_HTTP_PHASE_LENGTH_BODY:
        case CONNECTOR_HTTP_PHASE_CHUNK_DATA: {
            size_t n = left < p->remaining ? left : (size_t)p->remaining;
            body_append(p, at, n);
            used += n;
            p->remaining -= n;
            if (p->remaining == 0 && p->phase == CONNECTOR_HTTP_PHASE_LENGTH_BODY) {
                p->phase = CONNECTOR_HTTP_PHASE_DONE;
                result = CONNECTOR_HTTP_DONE;
            } else if (p->remaining == 0) {
                p->phase = CONNECTOR_HTTP_PHASE_CHUNK_END;
            }
            break;
        }

        case CONNECTOR_HTTP_PHASE_CLOSE_BODY:
            body_append(p, at, left);
            used += left;
            break;

        case CONNECTOR_HTTP_PHASE_CHUNK_SIZE:
            used += take_line_bytes(p, at, left, &complete);
            if (p->line.len > HTTP_MAX_CHUNK_LINE)
                result = parse_fail(p, "a chunk size line is longer than %u bytes",
                                    HTTP_MAX_CHUNK_LINE);
            else if (complete)
                result = parse_chunk_size(p);
            break;

        case CONNECTOR_HTTP_PHASE_CHUNK_END:
            used += take_line_bytes(p, at, left, &complete);
            if (p->line.len > 2 || (p->line.len == 2 && p->line.data[0] != '\r') ||
                (p->line.len == 1 && p->line.data[0] != '\r' && p->line.data[0] != '\n')) {
                result = parse_fail(p, "chunk data is not followed by CRLF");
            } else if (complete) {
                owl_buf_reset(&p->line);
                p->phase = CONNECTOR_HTTP_PHASE_CHUNK_SIZE;
            }
            break;

        case CONNECTOR_HTTP_PHASE_TRAILERS: {
            used += take_line_bytes(p, at, left, &complete);
            if (p->line.len > CONNECTOR_HTTP_MAX_HEAD) {
                result = parse_fail(p, "the response trailers are longer than %u bytes",
                                    CONNECTOR_HTTP_MAX_HEAD);
            } else if (complete) {
                /* The trailer section ends at an empty line; trailer fields are ignored. */
                size_t n = p->line.len;
                bool empty = n == 1 || (n == 2 && p->line.data[0] == '\r') ||
                             ends_with_empty_line(&p->line);
                if (empty) {
                    owl_buf_reset(&p->line);
                    p->phase = CONNECTOR_HTTP_PHASE_DONE;
                    result = CONNECTOR_HTTP_DONE;
                }
            }
            break;
        }

        case CONNECTOR_HTTP_PHASE_DONE:
            result = CONNECTOR_HTTP_DONE;
            break;
        }
    }
    *consumed = used;
    return result;
}

connector_http_result connector_http_parse_eof(connector_http_parser *p)
{
    if (p->error[0])
        return CONNECTOR_HTTP_ERROR;
    switch (p->phase) {
    case CONNECTOR_HTTP_PHASE_DONE:
        return CONNECTOR_HTTP_DONE;
    case CONNECTOR_HTTP_PHASE_CLOSE_BODY:
        p->phase = CONNECTOR_HTTP_PHASE_DONE;
        return CONNECTOR_HTTP_DONE;
    case CONNECTOR_HTTP_PHASE_HEAD:
        return parse_fail(p, p->line.len || p->status ? "the connection closed in the response head"
                                                      : "the connection closed before a response");
    case CONNECTOR_HTTP_PHASE_LENGTH_BODY:
        return parse_fail(p, "the connection closed %llu bytes before the end of the body",
                          (unsigned long long)p->remaining);
    default:
        return parse_fail(p, "the connection closed inside the chunked body");
    }
}

/* ---- the client --------------------------------------------------------- */

static bool client_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool client_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

bool connector_http_client_init(connector_http_client *client, const char *authority, char *err,
                                size_t errlen)
{
    memset(client, 0, sizeof *client);
    client->fd = -1;

    const char *host = authority, *host_end, *colon;
    if (authority[0] == '[') {
        host = authority + 1;
        host_end = strchr(host, ']');
        colon = host_end && host_end[1] == ':' ? host_end + 1 : NULL;
    } else {
        colon = strrchr(authority, ':');
        host_end = colon;
        if (colon && memchr(authority, ':', (size_t)(colon - authority)))
            colon = NULL; /* an IPv6 literal must be bracketed */
    }
    uint64_t port = 0;
    bool valid = colon && host_end > host && parse_decimal(colon + 1, strlen(colon + 1), &port) &&
                 port >= 1 && port <= 65535 && (size_t)(host_end - host) < sizeof client->host &&
                 strlen(authority) < sizeof client->authority;
    if (!valid)
        return client_fail(err, errlen,
                           "\"%.200s\" is not host:port with a port from 1 to 65535, such as "
                           "127.0.0.1:9001",
                           authority);

    snprintf(client->host, sizeof client->host, "%.*s", (int)(host_end - host), host);
    snprintf(client->port, sizeof client->port, "%u", (unsigned)port);
    snprintf(client->authority, sizeof client->authority, "%s", authority);
    return true;
}

void connector_http_client_close(connector_http_client *client)
{
    if (client->fd >= 0)
        close(client->fd);
    client->fd = -1;
    client->reused = false;
}

static int connect_address(const struct sockaddr *address, socklen_t address_len)
{
    int fd = socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc;
    do
        rc = connect(fd, address, address_len);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    /* Requests go out in one sendmsg, so Nagle's algorithm could only delay them. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/*
 * Connects to the client's host and port. An IP literal (the Runtime API's
 * usual form) skips getaddrinfo, which would otherwise read the resolver's
 * configuration during the cold start.
 */
static bool client_connect(connector_http_client *client, char *err, size_t errlen)
{
    uint16_t port = (uint16_t)atoi(client->port);
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    int fd = -1;

    if (inet_pton(AF_INET, client->host, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port);
        fd = connect_address((struct sockaddr *)&v4, sizeof v4);
    } else if (inet_pton(AF_INET6, client->host, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(port);
        fd = connect_address((struct sockaddr *)&v6, sizeof v6);
    } else {
        struct addrinfo hints, *list = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        int rc = getaddrinfo(client->host, client->port, &hints, &list);
        if (rc != 0)
            return client_fail(err, errlen, "cannot resolve %s: %s", client->host,
                               gai_strerror(rc));
        errno = EADDRNOTAVAIL;
        for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next)
            fd = connect_address(ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(list);
    }
    if (fd < 0)
        return client_fail(err, errlen, "cannot connect to %s: %s", client->authority,
                           strerror(errno));
    client->fd = fd;
    client->reused = false;
    return true;
}

/* Sends all of the iovecs; returns false with errno set. */
static bool send_all(int fd, struct iovec *iov, int count)
{
    while (count > 0) {
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t)count;
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        size_t sent = (size_t)n;
        while (count > 0 && sent >= iov->iov_len) {
            sent -= iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + sent;
            iov->iov_len -= sent;
        }
    }
    return true;
}

typedef enum exchange_result { EXCHANGE_OK, EXCHANGE_FAILED, EXCHANGE_STALE } exchange_result;

/*
 * Writes the request and reads the response over the open connection.
 * Returns EXCHANGE_STALE when the server had closed a reused connection:
 * the request then failed to send or got no response byte, so it can be
 * sent again.
 */
static exchange_result client_exchange(connector_http_client *client, const owl_buf *head,
                                       const char *body, size_t body_len,
                                       connector_http_parser *p, char *err, size_t errlen)
{
    struct iovec iov[2] = {{head->data, head->len}, {(void *)body, body_len}};
    if (!send_all(client->fd, iov, body_len ? 2 : 1)) {
        if (client->reused && (errno == EPIPE || errno == ECONNRESET))
            return EXCHANGE_STALE;
        client_fail(err, errlen, "cannot send the request to %s: %s", client->authority,
                    strerror(errno));
        return EXCHANGE_FAILED;
    }

    char buffer[HTTP_READ_BUFFER];
    uint64_t received = 0;
    for (;;) {
        ssize_t n = recv(client->fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && received == 0 && client->reused && errno == ECONNRESET)
            return EXCHANGE_STALE;
        if (n < 0) {
            client_fail(err, errlen, "cannot read the response from %s: %s", client->authority,
                        strerror(errno));
            return EXCHANGE_FAILED;
        }
        if (n == 0) {
            if (received == 0 && client->reused)
                return EXCHANGE_STALE;
            if (connector_http_parse_eof(p) == CONNECTOR_HTTP_DONE)
                return EXCHANGE_OK;
            client_fail(err, errlen, "invalid response from %s: %s", client->authority, p->error);
            return EXCHANGE_FAILED;
        }

        received += (uint64_t)n;
        size_t consumed;
        connector_http_result result = connector_http_parse(p, buffer, (size_t)n, &consumed);
        if (result == CONNECTOR_HTTP_ERROR) {
            client_fail(err, errlen, "invalid response from %s: %s", client->authority, p->error);
            return EXCHANGE_FAILED;
        }
        if (result == CONNECTOR_HTTP_DONE) {
            /* Bytes after the response were not asked for: do not reuse the connection. */
            if (consumed < (size_t)n)
                p->keep_alive = false;
            return EXCHANGE_OK;
        }
    }
}

bool connector_http_client_request(connector_http_client *client, const char *method,
                                   const char *path, const char *headers, const char *body,
                                   size_t body_len, connector_http_parser *p, char *err,
                                   size_t errlen)
{
    owl_buf head = OWL_BUF_INIT;
    owl_buf_printf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n%s", method, path, client->authority,
                   headers);
    if (body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
        owl_buf_printf(&head, "Content-Length: %zu\r\n", body_len);
    owl_buf_puts(&head, "\r\n");

    exchange_result result = EXCHANGE_FAILED;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (client->fd < 0 && !client_connect(client, err, errlen))
            break;
        result = client_exchange(client, &head, body, body_len, p, err, errlen);
        if (result != EXCHANGE_STALE)
            break;
        connector_http_client_close(client);
        client_fail(err, errlen, "%s closed the connection before responding",
                    client->authority);
    }
    owl_buf_free(&head);

    if (result != EXCHANGE_OK || !p->keep_alive) {
        connector_http_client_close(client);
        return result == EXCHANGE_OK;
    }
    client->reused = true;
    return true;
}
