/*
 * Hive metastore client over the generic Thrift codec; see client.h.
 *
 * Connection handling:
 *   - connect: non-blocking connect(2) and poll(2) for connect_timeout_ms,
 *     trying each URI (and each address of its host) in order;
 *   - I/O: every recv/send first polls for socket_timeout_ms, so a
 *     metastore that accepts but never answers fails the call with
 *     HMS_ERROR_TIMEOUT after about that long;
 *   - before a call on a kept connection, a zero-timeout poll checks that
 *     the peer has not closed it (a metastore restart between two calls);
 *     a dead connection is replaced before anything is sent. A send that
 *     fails on a kept connection is retried once on a new connection,
 *     because the metastore cannot have read a request it never received.
 *   - any transport error or timeout closes the connection; the next call
 *     reconnects. A TApplicationException leaves it open.
 *
 * Replies are read with the configured thrift_limits; fields left 0 take
 * the codec's defaults, and the framed transport's frame limit is
 * max_message_size.
 */
#include "hms/client.h"

#include "hms/hms.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HMS_CLIENT_MAX_URIS 16

typedef struct hms_endpoint {
    char host[256];
    char port[8];
    char uri[300]; /* as written, for messages */
} hms_endpoint;

struct hms_client {
    hms_client_config config;
    hms_endpoint endpoints[HMS_CLIENT_MAX_URIS];
    size_t endpoint_count;

    int fd;
    const hms_endpoint *connected; /* endpoint of fd */
    thrift_transport *socket_transport; /* buffered, over fd */
    thrift_transport *transport; /* socket_transport, or framed over it */
    int32_t seqid;
    bool timed_out; /* set by the I/O callbacks */
};

bool hms_error_set(hms_error *err, hms_error_kind kind, const char *fmt, ...)
{
    if (err) {
        err->kind = kind;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- URIs ---- */

/* Parses one "thrift://host:port" (s[0..len), trimmed) into e. */
static bool parse_uri(const char *s, size_t len, hms_endpoint *e, hms_error *err)
{
    static const char scheme[] = "thrift://";
    snprintf(e->uri, sizeof e->uri, "%.*s", (int)len, s);
    if (len < sizeof scheme - 1 || strncmp(s, scheme, sizeof scheme - 1) != 0)
        return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI \"%s\" must start with thrift://", e->uri);
    const char *host = s + sizeof scheme - 1;
    const char *end = s + len;
    if (end > host && end[-1] == '/')
        end--;

    const char *host_end, *colon;
    if (host < end && *host == '[') {
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI \"%s\" has an unclosed '[' in its host", e->uri);
        colon = host_end + 1 < end && host_end[1] == ':' ? host_end + 1 : NULL;
        host++;
    } else {
        colon = memchr(host, ':', (size_t)(end - host));
        host_end = colon;
    }
    if (!colon)
        return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI \"%s\" has no port (expected thrift://host:port)",
                           e->uri);
    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0 || host_len >= sizeof e->host)
        return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI \"%s\" has an empty or overlong host", e->uri);
    memcpy(e->host, host, host_len);
    e->host[host_len] = '\0';

    const char *port = colon + 1;
    size_t port_len = (size_t)(end - port);
    unsigned value = 0;
    for (size_t i = 0; i < port_len; i++) {
        if (port[i] < '0' || port[i] > '9' || value > 65535)
            return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI \"%s\" has an invalid port", e->uri);
        value = value * 10 + (unsigned)(port[i] - '0');
    }
    if (port_len == 0 || value == 0 || value > 65535)
        return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI \"%s\" has a port outside 1-65535", e->uri);
    snprintf(e->port, sizeof e->port, "%u", value);
    return true;
}

static bool parse_uris(hms_client *client, const char *uris, hms_error *err)
{
    if (!uris)
        return hms_error_set(err, HMS_ERROR_CONFIG, "no metastore URI configured (expected thrift://host:port)");
    const char *s = uris;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *end = comma ? comma : s + strlen(s);
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (s == end)
            return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI list \"%s\" has an empty entry", uris);
        if (client->endpoint_count == HMS_CLIENT_MAX_URIS)
            return hms_error_set(err, HMS_ERROR_CONFIG, "metastore URI list has more than %d entries",
                               HMS_CLIENT_MAX_URIS);
        if (!parse_uri(s, (size_t)(end - s), &client->endpoints[client->endpoint_count], err))
            return false;
        client->endpoint_count++;
        if (!comma)
            return true;
        s = comma + 1;
    }
}

static thrift_limits client_limits(const thrift_limits *given)
{
    thrift_limits limits = thrift_limits_default();
    if (given->max_string_length)
        limits.max_string_length = given->max_string_length;
    if (given->max_container_count)
        limits.max_container_count = given->max_container_count;
    if (given->max_depth)
        limits.max_depth = given->max_depth > THRIFT_MAX_DEPTH_CEILING ? THRIFT_MAX_DEPTH_CEILING : given->max_depth;
    if (given->max_message_size)
        limits.max_message_size = given->max_message_size;
    return limits;
}

hms_client *hms_client_new(const hms_client_config *config, hms_error *err)
{
    if (err) {
        err->kind = HMS_ERROR_NONE;
        err->message[0] = '\0';
    }
    if (config->protocol != THRIFT_PROTOCOL_BINARY && config->protocol != THRIFT_PROTOCOL_COMPACT) {
        hms_error_set(err, HMS_ERROR_CONFIG, "metastore protocol must be binary or compact, not %s",
                    thrift_protocol_name(config->protocol) ? thrift_protocol_name(config->protocol) : "unknown");
        return NULL;
    }
    if (config->connect_timeout_ms <= 0 || config->socket_timeout_ms <= 0) {
        hms_error_set(err, HMS_ERROR_CONFIG, "metastore connect and socket timeouts must be positive (got %d ms and %d ms)",
                    config->connect_timeout_ms, config->socket_timeout_ms);
        return NULL;
    }
    hms_client *client = calloc(1, sizeof *client);
    if (!client)
        abort();
    client->config = *config;
    client->config.uris = NULL; /* parsed into endpoints; the caller's string is not kept */
    client->config.limits = client_limits(&config->limits);
    client->fd = -1;
    if (!parse_uris(client, config->uris, err)) {
        free(client);
        return NULL;
    }
    return client;
}

/* ---- Connection ---- */

static void client_close(hms_client *client)
{
    if (client->transport != client->socket_transport)
        thrift_transport_free(client->transport);
    thrift_transport_free(client->socket_transport);
    client->transport = client->socket_transport = NULL;
    if (client->fd >= 0)
        close(client->fd);
    client->fd = -1;
    client->connected = NULL;
}

void hms_client_free(hms_client *client)
{
    if (!client)
        return;
    client_close(client);
    free(client);
}

/* Waits up to timeout_ms for events on fd; returns 1 ready, 0 timed out, -1 error (errno set). */
static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {fd, events, 0};
    for (;;) {
        int n = poll(&p, 1, timeout_ms);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -1;
    }
}

static ssize_t client_io_read(void *ctx, void *buf, size_t len, thrift_error *err)
{
    hms_client *client = ctx;
    for (;;) {
        int ready = wait_fd(client->fd, POLLIN, client->config.socket_timeout_ms);
        if (ready == 0) {
            client->timed_out = true;
            thrift_error_set(err, "no reply within the socket timeout of %d ms", client->config.socket_timeout_ms);
            return -1;
        }
        ssize_t n = ready < 0 ? -1 : recv(client->fd, buf, len, 0);
        if (n >= 0)
            return n;
        if (errno != EINTR && errno != EAGAIN) {
            thrift_error_set(err, "recv failed: %s", strerror(errno));
            return -1;
        }
    }
}

static ssize_t client_io_write(void *ctx, const void *buf, size_t len, thrift_error *err)
{
    hms_client *client = ctx;
    for (;;) {
        int ready = wait_fd(client->fd, POLLOUT, client->config.socket_timeout_ms);
        if (ready == 0) {
            client->timed_out = true;
            thrift_error_set(err, "send blocked for the socket timeout of %d ms", client->config.socket_timeout_ms);
            return -1;
        }
        ssize_t n = ready < 0 ? -1 : send(client->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0)
            return n;
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
            thrift_error_set(err, "send failed: %s", strerror(errno));
            return -1;
        }
    }
}

/* Connects to one address; returns the fd, or -1 with *timed_out and *error set. */
static int connect_address(const struct addrinfo *ai, int timeout_ms, bool *timed_out, int *error)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *error = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            *error = errno;
            close(fd);
            return -1;
        }
        int ready = wait_fd(fd, POLLOUT, timeout_ms);
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (ready == 0) {
            *timed_out = true;
            *error = ETIMEDOUT;
            close(fd);
            return -1;
        }
        if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
            *error = ready < 0 ? errno : so_error ? so_error : errno;
            close(fd);
            return -1;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool client_connect(hms_client *client, hms_error *err)
{
    char failures[400] = "";
    size_t used = 0;
    bool all_timed_out = true;
    for (size_t i = 0; i < client->endpoint_count; i++) {
        const hms_endpoint *e = &client->endpoints[i];
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
        struct addrinfo *list = NULL;
        int rc = getaddrinfo(e->host, e->port, &hints, &list);
        const char *why = NULL;
        bool timed_out = false;
        int error = 0;
        if (rc != 0) {
            why = gai_strerror(rc);
            all_timed_out = false;
        }
        for (struct addrinfo *ai = list; ai && client->fd < 0; ai = ai->ai_next) {
            client->fd = connect_address(ai, client->config.connect_timeout_ms, &timed_out, &error);
            if (client->fd < 0 && !timed_out)
                all_timed_out = false;
        }
        freeaddrinfo(list);
        if (client->fd >= 0) {
            client->connected = e;
            break;
        }
        if (!why)
            why = timed_out ? "connect timed out" : strerror(error);
        int n = snprintf(failures + used, sizeof failures - used, "%s%s: %s", used ? "; " : "", e->uri, why);
        if (n > 0 && (size_t)n < sizeof failures - used)
            used += (size_t)n;
    }
    if (client->fd < 0) {
        return hms_error_set(err, all_timed_out ? HMS_ERROR_TIMEOUT : HMS_ERROR_CONNECT,
                           "cannot connect to the metastore (connect timeout %d ms): %s",
                           client->config.connect_timeout_ms, failures);
    }

    client->socket_transport = thrift_buffered_transport_new((thrift_io){client_io_read, client_io_write, client});
    client->transport = client->config.framed
                            ? thrift_framed_transport_new(client->socket_transport, client->config.limits.max_message_size)
                            : client->socket_transport;
    return true;
}

/*
 * Returns true when the kept connection has been closed or reset by the
 * peer, or holds bytes nobody asked for: either way it cannot carry a call.
 */
static bool client_connection_dead(hms_client *client)
{
    struct pollfd p = {client->fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0)
        return false;
    char byte;
    ssize_t n = recv(client->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EINTR);
}

/* ---- Calls ---- */

static bool client_send(hms_client *client, const char *method, const thrift_value *args, thrift_error *terr)
{
    thrift_protocol p;
    thrift_protocol_init(&p, client->config.protocol, client->transport);
    thrift_message m = {.name = (char *)method, .type = THRIFT_CALL, .seqid = ++client->seqid};
    return thrift_protocol_write_message_begin(&p, &m, terr) && thrift_protocol_write_struct(&p, args, terr) &&
           thrift_protocol_write_message_end(&p, terr) && thrift_transport_flush(client->transport, terr);
}

/* Reads a TApplicationException body into err. */
static void client_application_error(const hms_client *client, const char *method, const thrift_value *e,
                                     hms_error *err)
{
    const char *text = thrift_struct_get_string(e, HMS_APPLICATION_EXCEPTION_MESSAGE, NULL);
    int32_t type = HMS_APP_UNKNOWN;
    thrift_struct_get_i32(e, HMS_APPLICATION_EXCEPTION_TYPE, &type);
    hms_error_set(err, HMS_ERROR_APPLICATION, "metastore %s rejected %s: TApplicationException %s (%d): %s",
                client->connected->uri, method, hms_application_exception_type_name(type), (int)type,
                text ? text : "(no message)");
}

/*
 * Reads the reply of method. Returns 1 with *result set, 0 for a
 * TApplicationException (err filled, connection still usable), -1 for a
 * transport error (err filled; the caller closes the connection).
 */
static int client_receive(hms_client *client, const char *method, thrift_value **result, hms_error *err)
{
    thrift_protocol p;
    thrift_protocol_init(&p, client->config.protocol, client->transport);
    p.limits = client->config.limits;
    thrift_message m = {0};
    thrift_value *body = NULL;
    thrift_error terr = {{0}};
    int outcome = -1;

    if (!thrift_protocol_read_message_begin(&p, &m, &terr) || !thrift_protocol_read_struct(&p, &body, &terr) ||
        !thrift_protocol_read_message_end(&p, &terr)) {
        if (client->timed_out)
            hms_error_set(err, HMS_ERROR_TIMEOUT, "metastore %s: no reply to %s within the socket timeout of %d ms",
                        client->connected->uri, method, client->config.socket_timeout_ms);
        else
            hms_error_set(err, HMS_ERROR_TRANSPORT, "metastore %s: reading the reply to %s failed: %s",
                        client->connected->uri, method, terr.message);
        goto done;
    }
    if (m.seqid != client->seqid) {
        hms_error_set(err, HMS_ERROR_TRANSPORT, "metastore %s: reply to %s has sequence id %d, expected %d",
                    client->connected->uri, method, (int)m.seqid, (int)client->seqid);
        goto done;
    }
    if (m.type == THRIFT_EXCEPTION) {
        client_application_error(client, method, body, err);
        outcome = 0;
        goto done;
    }
    if (m.type != THRIFT_REPLY || strcmp(m.name, method) != 0) {
        hms_error_set(err, HMS_ERROR_TRANSPORT, "metastore %s: expected a reply to %s, got message type %d for \"%.100s\"",
                    client->connected->uri, method, (int)m.type, m.name);
        goto done;
    }
    *result = body;
    body = NULL;
    outcome = 1;
done:
    thrift_value_free(body);
    thrift_message_clear(&m);
    return outcome;
}

bool hms_client_call(hms_client *client, const char *method, const thrift_value *args, thrift_value **result,
                     hms_error *err)
{
    *result = NULL;
    if (err) {
        err->kind = HMS_ERROR_NONE;
        err->message[0] = '\0';
    }
    if (!args || args->type != THRIFT_STRUCT)
        return hms_error_set(err, HMS_ERROR_CONFIG, "arguments of %s must be a struct", method);

    if (client->fd >= 0 && client_connection_dead(client))
        client_close(client);
    for (int attempt = 0;; attempt++) {
        bool kept = client->fd >= 0;
        if (!kept && !client_connect(client, err))
            return false;
        client->timed_out = false;
        thrift_error terr = {{0}};
        if (client_send(client, method, args, &terr))
            break;
        bool timed_out = client->timed_out;
        const char *uri = client->connected->uri;
        hms_error_set(err, timed_out ? HMS_ERROR_TIMEOUT : HMS_ERROR_TRANSPORT,
                    "metastore %s: sending %s failed: %s", uri, method, terr.message);
        client_close(client);
        /* The request never reached a metastore that closed the kept connection: send it once more. */
        if (!kept || timed_out || attempt > 0)
            return false;
    }

    int outcome = client_receive(client, method, result, err);
    if (outcome < 0)
        client_close(client);
    return outcome == 1;
}
