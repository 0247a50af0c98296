/*
 * HTTP server on libmicrohttpd 0.9.x: collects the request (raw target,
 * lowercased headers, body up to the handler's limit) and hands it to the
 * handler. See http.h for the request life cycle.
 *
 * The raw request target comes from MHD's URI log callback, because the
 * URL MHD passes to the access handler is already percent-decoded and SigV4
 * needs the bytes the client signed.
 */
#include "http/http.h"

#include "common/log.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *daemon;
    http_server_handler handler;
    uint16_t port;
};

/* Where a request is in its life cycle. */
typedef enum request_stage {
    STAGE_HEADERS,    /* nothing seen yet */
    STAGE_BODY,       /* collecting the body */
    STAGE_DISCARDING, /* body over its limit: the error reply waits for the upload to end */
    STAGE_ANSWERED,   /* a reply is queued */
} request_stage;

/* Per-connection-request state, created by the URI log callback. */
typedef struct request_state {
    http_request req;
    http_response resp;
    request_stage stage;
    bool overflow;
    uint64_t discarded;
} request_state;

const char *http_request_header(const http_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++)
        if (strcmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

void http_response_add_header(http_response *resp, const char *name, const char *value)
{
    if (resp->header_count >= sizeof resp->headers / sizeof resp->headers[0])
        return;
    http_header *h = &resp->headers[resp->header_count++];
    h->name = strdup(name);
    h->value = strdup(value);
    if (!h->name || !h->value)
        abort();
}

void http_response_set_body(http_response *resp, int status, const char *content_type,
                            const void *body, size_t len)
{
    resp->status = status;
    owl_buf_reset(&resp->body);
    owl_buf_append(&resp->body, body, len);
    if (content_type)
        http_response_add_header(resp, "Content-Type", content_type);
}

void http_response_set_body_fd(http_response *resp, int status, int fd, uint64_t offset,
                               uint64_t length)
{
    if (resp->has_body_fd)
        close(resp->body_fd);
    owl_buf_reset(&resp->body);
    resp->status = status;
    resp->has_body_fd = true;
    resp->body_fd = fd;
    resp->body_offset = offset;
    resp->body_length = length;
}

void http_response_reset(http_response *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    resp->header_count = 0;
    owl_buf_reset(&resp->body);
    if (resp->has_body_fd)
        close(resp->body_fd);
    resp->has_body_fd = false;
    resp->status = 0;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *connection)
{
    (void)cls;
    request_state *state = calloc(1, sizeof *state);
    if (!state)
        abort();
    const char *q = strchr(uri, '?');
    size_t path_len = q ? (size_t)(q - uri) : strlen(uri);
    state->req.raw_path = strndup(uri, path_len);
    state->req.raw_query = strdup(q ? q + 1 : "");
    if (!state->req.raw_path || !state->req.raw_query)
        abort();
    state->req.started_ms = owl_monotonic_ms();

    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info && info->client_addr && info->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)info->client_addr;
        inet_ntop(AF_INET, &sin->sin_addr, state->req.remote_addr, sizeof state->req.remote_addr);
    }
    return state;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    http_request *req = cls;
    if (req->header_count >= HTTP_MAX_HEADERS) {
        req->too_many_headers = true;
        return MHD_NO;
    }
    http_header *h = &req->headers[req->header_count++];
    h->name = strdup(key);
    h->value = strdup(value ? value : "");
    if (!h->name || !h->value)
        abort();
    for (char *p = h->name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return MHD_YES;
}

static enum MHD_Result send_response(struct MHD_Connection *connection, http_response *resp)
{
    struct MHD_Response *response;
    if (resp->has_body_fd) {
        /* MHD owns the descriptor from here on and closes it with the response. */
        response = MHD_create_response_from_fd_at_offset64(resp->body_length, resp->body_fd,
                                                           resp->body_offset);
        resp->has_body_fd = false;
        if (!response) {
            close(resp->body_fd);
            return MHD_NO;
        }
    } else {
        response = MHD_create_response_from_buffer(
            resp->body.len, resp->body.data ? resp->body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
    }
    if (!response)
        return MHD_NO;
    for (size_t i = 0; i < resp->header_count; i++)
        MHD_add_response_header(response, resp->headers[i].name, resp->headers[i].value);
    enum MHD_Result rc =
        MHD_queue_response(connection, (unsigned)(resp->status ? resp->status : 500), response);
    MHD_destroy_response(response);
    return rc;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *connection,
                                      const char *url, const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    (void)url;
    (void)version;
    http_server *server = cls;
    request_state *state = *con_cls;
    if (!state)
        return MHD_NO;
    http_request *req = &state->req;

    switch (state->stage) {
    case STAGE_HEADERS: {
        state->stage = STAGE_BODY;
        req->method = method;
        MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, req);
        int status = server->handler.begin(server->handler.ctx, req, &state->resp);
        if (status == 0)
            return MHD_YES;
        state->stage = STAGE_ANSWERED;
        state->resp.status = status;
        return send_response(connection, &state->resp);
    }

    case STAGE_BODY:
        if (*upload_data_size == 0) {
            server->handler.finish(server->handler.ctx, req, &state->resp);
            state->stage = STAGE_ANSWERED;
            return send_response(connection, &state->resp);
        }
        if (req->body_received + *upload_data_size <= req->body_limit) {
            req->body_received += *upload_data_size;
            if (!req->body_sink.write)
                owl_buf_append(&req->body, upload_data, *upload_data_size);
            else if (!req->body_sink_failed &&
                     !req->body_sink.write(req->body_sink.arg, upload_data, *upload_data_size))
                req->body_sink_failed = true;
            *upload_data_size = 0;
            return MHD_YES;
        }
        state->overflow = true;
        state->stage = STAGE_DISCARDING;
        server->handler.body_too_large(server->handler.ctx, req, &state->resp);
        /* The bytes that overflowed are the first discarded. */
        __attribute__((fallthrough));

    case STAGE_DISCARDING:
        /*
         * libmicrohttpd cannot send a reply while an upload is still arriving,
         * so the rest of the body is read and dropped and the reply goes out
         * when it ends; past HTTP_MAX_DISCARD_BYTES the connection is closed.
         */
        if (*upload_data_size == 0) {
            state->stage = STAGE_ANSWERED;
            return send_response(connection, &state->resp);
        }
        state->discarded += *upload_data_size;
        *upload_data_size = 0;
        return state->discarded > HTTP_MAX_DISCARD_BYTES ? MHD_NO : MHD_YES;

    case STAGE_ANSWERED:
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_NO;
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)connection;
    http_server *server = cls;
    request_state *state = *con_cls;
    if (!state)
        return;
    *con_cls = NULL;
    http_request *req = &state->req;
    if (req->method) {
        int status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? state->resp.status : 0;
        if (state->overflow && status == 0)
            status = state->resp.status;
        server->handler.done(server->handler.ctx, req, status);
    }
    if (req->body_sink.close)
        req->body_sink.close(req->body_sink.arg);
    for (size_t i = 0; i < req->header_count; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    http_response_reset(&state->resp);
    owl_buf_free(&req->body);
    owl_buf_free(&state->resp.body);
    free(req->raw_path);
    free(req->raw_query);
    free(state);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == '\r'))
        message[--n] = '\0';
    char quoted[600];
    owl_log_warn("event=http_error message=%s", owl_log_quote(quoted, sizeof quoted, message));
}

http_server *http_server_start(const http_server_config *config,
                               const http_server_handler *handler, char *err, size_t errlen)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(config->port);
    if (inet_pton(AF_INET, config->host, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "invalid listen address \"%s\": expected an IPv4 address such as 127.0.0.1",
                 config->host);
        return NULL;
    }

    http_server *server = calloc(1, sizeof *server);
    if (!server)
        abort();
    server->handler = *handler;
    server->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
            MHD_USE_ERROR_LOG,
        config->port, NULL, NULL, access_handler, server,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_URI_LOG_CALLBACK, uri_logger, server,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, server,
        MHD_OPTION_CONNECTION_LIMIT, config->connection_limit ? config->connection_limit : 1024,
        MHD_OPTION_CONNECTION_TIMEOUT, config->idle_timeout_seconds ? config->idle_timeout_seconds : 60,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
        MHD_OPTION_END);
    if (!server->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u: the address is in use or not available",
                 config->host, config->port);
        free(server);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : config->port;
    return server;
}

uint16_t http_server_port(const http_server *server)
{
    return server->port;
}

void http_server_stop(http_server *server)
{
    if (!server)
        return;
    MHD_stop_daemon(server->daemon);
    free(server);
}
