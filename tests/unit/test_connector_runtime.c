/*
 * Unit tests of the connector's network edges against in-test HTTP servers
 * (src/http on loopback, and a raw socket server for framing cases): the
 * HTTP/1.1 response parser and client, the Lambda Runtime API loop, and the
 * spill PUT to an S3 sink whose SigV4 signature the test verifies with
 * src/aws.
 */
#include "aws/sigv4.h"
#include "common/util.h"
#include "connector/http_client.h"
#include "connector_fake.h"
#include "http/http.h"
#include "unit.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the response parser ------------------------------------------------ */

typedef struct parsed {
    connector_http_result result;
    int status;
    bool keep_alive;
    char body[256];
    size_t body_len;
    bool too_large;
    char request_id[64];
    char error[160];
    size_t consumed;
} parsed;

static void parsed_header(void *ctx, const char *name, size_t name_len, const char *value,
                          size_t value_len)
{
    parsed *out = ctx;
    if (name_len == 29 && strncasecmp(name, "lambda-runtime-aws-request-id", 29) == 0)
        snprintf(out->request_id, sizeof out->request_id, "%.*s", (int)value_len, value);
}

/*
 * Parses text fed in pieces of step bytes (0: all at once), then the end of
 * the connection when eof is set and the response is not complete.
 */
static parsed parse_in_steps(const char *text, size_t step, size_t body_limit, bool eof)
{
    parsed out;
    memset(&out, 0, sizeof out);
    connector_http_parser p;
    connector_http_parser_init(&p);
    p.body_limit = body_limit;
    p.on_header = parsed_header;
    p.header_ctx = &out;

    size_t len = strlen(text), at = 0;
    connector_http_result result = CONNECTOR_HTTP_MORE;
    while (at < len && result == CONNECTOR_HTTP_MORE) {
        size_t n = step && len - at > step ? step : len - at;
        size_t consumed;
        result = connector_http_parse(&p, text + at, n, &consumed);
        at += consumed;
    }
    if (result == CONNECTOR_HTTP_MORE && eof)
        result = connector_http_parse_eof(&p);

    out.result = result;
    out.status = p.status;
    out.keep_alive = p.keep_alive;
    out.body_len = p.body.len;
    snprintf(out.body, sizeof out.body, "%.*s", (int)p.body.len, p.body.data ? p.body.data : "");
    out.too_large = p.body_too_large;
    snprintf(out.error, sizeof out.error, "%s", p.error);
    out.consumed = at;
    connector_http_parser_free(&p);
    return out;
}

static void test_http_parse_content_length_any_split(void)
{
    const char *text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Lambda-Runtime-Aws-Request-Id:  req-7 \r\nContent-Length: 11\r\n\r\n"
                       "{\"a\":\"xyz\"}";
    for (size_t step = 0; step <= 8; step++) {
        parsed out = parse_in_steps(text, step, 1024, false);
        CHECK_INT(out.result, CONNECTOR_HTTP_DONE);
        CHECK_INT(out.status, 200);
        CHECK(out.keep_alive);
        CHECK_STR(out.body, "{\"a\":\"xyz\"}");
        CHECK_STR(out.request_id, "req-7");
        CHECK_INT(out.consumed, strlen(text));
    }
}

static void test_http_parse_chunked_with_trailers(void)
{
    const char *text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
                       "5;name=value\r\nhello\r\n1 \r\n \r\n0\r\nX-Trailer: 1\r\n\r\nEXTRA";
    for (size_t step = 0; step <= 5; step++) {
        parsed out = parse_in_steps(text, step, 1024, false);
        CHECK_INT(out.result, CONNECTOR_HTTP_DONE);
        CHECK_STR(out.body, "hello ");
        CHECK_INT(out.consumed, strlen(text) - 5);
        CHECK(out.keep_alive);
    }
    parsed bare_lf = parse_in_steps("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
                                    "3\nabc\n0\n\n",
                                    0, 1024, false);
    CHECK_INT(bare_lf.result, CONNECTOR_HTTP_DONE);
    CHECK_STR(bare_lf.body, "abc");
}

static void test_http_parse_framing_variants(void)
{
    parsed closed = parse_in_steps("HTTP/1.1 200 OK\r\n\r\nuntil the end", 3, 1024, true);
    CHECK_INT(closed.result, CONNECTOR_HTTP_DONE);
    CHECK_STR(closed.body, "until the end");
    CHECK(!closed.keep_alive);

    parsed interim = parse_in_steps("\r\nHTTP/1.1 100 Continue\r\n\r\n"
                                    "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}",
                                    0, 1024, false);
    CHECK_INT(interim.result, CONNECTOR_HTTP_DONE);
    CHECK_INT(interim.status, 202);
    CHECK_STR(interim.body, "{}");

    parsed no_content = parse_in_steps("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n",
                                       0, 1024, false);
    CHECK_INT(no_content.result, CONNECTOR_HTTP_DONE);
    CHECK_INT(no_content.body_len, 0);

    parsed close = parse_in_steps("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n"
                                  "Content-Length: 0\r\n\r\n",
                                  0, 1024, false);
    CHECK_INT(close.result, CONNECTOR_HTTP_DONE);
    CHECK(!close.keep_alive);

    parsed old = parse_in_steps("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 1024, false);
    CHECK(!old.keep_alive);
    parsed old_kept = parse_in_steps("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
                                     "Content-Length: 1\r\n\r\nx",
                                     0, 1024, false);
    CHECK(old_kept.keep_alive);

    /* Transfer-Encoding wins over Content-Length, and the connection is not reused. */
    parsed both = parse_in_steps("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
                                 0, 1024, false);
    CHECK_INT(both.result, CONNECTOR_HTTP_DONE);
    CHECK_STR(both.body, "ok");
    CHECK(!both.keep_alive);

    parsed same_length = parse_in_steps("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                        "content-length: 2\r\n\r\nok",
                                        0, 1024, false);
    CHECK_INT(same_length.result, CONNECTOR_HTTP_DONE);
}

static void test_http_parse_body_limit(void)
{
    const char *text = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    for (size_t step = 0; step <= 4; step++) {
        parsed out = parse_in_steps(text, step, 4, false);
        CHECK_INT(out.result, CONNECTOR_HTTP_DONE);
        CHECK_STR(out.body, "0123");
        CHECK(out.too_large);
        CHECK(out.keep_alive);
    }
    parsed exact = parse_in_steps(text, 0, 10, false);
    CHECK(!exact.too_large);
    CHECK_STR(exact.body, "0123456789");
}

static void test_http_parse_rejects_malformed(void)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"HTTP/2 200 OK\r\n\r\n", "invalid status line \"HTTP/2 200 OK\""},
        {"HTTP/1.1 20 OK\r\n\r\n", "invalid status line \"HTTP/1.1 20 OK\""},
        {"HTTP/1.1 200OK\r\n\r\n", "invalid status line \"HTTP/1.1 200OK\""},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
         "the response has two different Content-Length values"},
        {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
         "Content-Length \"-1\" is not a number of bytes"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
         "Content-Length \"99999999999999999999\" is not a number of bytes"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
         "the response's Transfer-Encoding does not end in chunked"},
        {"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
         "the response uses obsolete header line folding"},
        {"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
         "header line \"No colon here\" has no field name and colon"},
        {"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
         "header field name \"Bad Name\" contains an invalid character"},
        {"HTTP/1.1 200 OK\r\nX-A: a\x01" "b\r\n\r\n",
         "the response head contains the control character 0x01"},
        {"HTTP/1.1 101 Switching Protocols\r\n\r\n",
         "the server switched protocols (HTTP 101), which this client does not support"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         "invalid chunk size line \"zz\""},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n",
         "chunk data is not followed by CRLF"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
         "a chunk is larger than 4611686018427387904 bytes"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok",
         "the connection closed 3 bytes before the end of the body"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok",
         "the connection closed inside the chunked body"},
        {"HTTP/1.1 200 OK\r\n", "the connection closed in the response head"},
        {"", "the connection closed before a response"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed out = parse_in_steps(cases[i].text, 0, 1024, true);
        CHECK_INT(out.result, CONNECTOR_HTTP_ERROR);
        CHECK_STR(out.error, cases[i].error);
        CHECK(!out.keep_alive);
    }
}

static void test_http_parse_head_limit(void)
{
    owl_buf text = OWL_BUF_INIT;
    owl_buf_puts(&text, "HTTP/1.1 200 OK\r\n");
    while (text.len <= CONNECTOR_HTTP_MAX_HEAD)
        owl_buf_puts(&text, "X-Padding: 0123456789012345678901234567890123456789\r\n");
    owl_buf_puts(&text, "\r\n");
    parsed out = parse_in_steps(text.data, 1000, 1024, true);
    CHECK_INT(out.result, CONNECTOR_HTTP_ERROR);
    CHECK_STR(out.error, "the response head is longer than 65536 bytes");
    owl_buf_free(&text);
}

static void test_http_client_authority(void)
{
    connector_http_client client;
    char err[320];
    CHECK(connector_http_client_init(&client, "127.0.0.1:9001", err, sizeof err));
    CHECK_STR(client.host, "127.0.0.1");
    CHECK_STR(client.port, "9001");
    CHECK(connector_http_client_init(&client, "[::1]:9001", err, sizeof err));
    CHECK_STR(client.host, "::1");
    CHECK_STR(client.authority, "[::1]:9001");
    CHECK(connector_http_client_init(&client, "localhost:80", err, sizeof err));

    static const char *const invalid[] = {"127.0.0.1", "127.0.0.1:", ":9001", "::1:9001",
                                          "127.0.0.1:0", "127.0.0.1:65536", "host:9x", "[::1]9001"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        CHECK(!connector_http_client_init(&client, invalid[i], err, sizeof err));
        char expected[320];
        snprintf(expected, sizeof expected,
                 "\"%s\" is not host:port with a port from 1 to 65535, such as 127.0.0.1:9001",
                 invalid[i]);
        CHECK_STR(err, expected);
    }
}

/* ---- a raw socket server, for connection handling ----------------------- */

/*
 * Sends response to each connection's first request, then closes the
 * connection without a "Connection: close" header, the way a server ends an
 * idle keep-alive connection. Serves connections until stopped.
 */
typedef struct raw_server {
    int listen_fd;
    unsigned port;
    const char *response;
    int connections;
    char first_request[512];
    pthread_t thread;
} raw_server;

static void *raw_server_main(void *arg)
{
    raw_server *server = arg;
    for (;;) {
        int fd = accept(server->listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        char request[2048] = "";
        size_t len = 0;
        while (len < sizeof request - 1 && !strstr(request, "\r\n\r\n")) {
            ssize_t n = recv(fd, request + len, sizeof request - 1 - len, 0);
            if (n <= 0)
                break;
            len += (size_t)n;
            request[len] = '\0';
        }
        if (server->connections++ == 0)
            snprintf(server->first_request, sizeof server->first_request, "%.*s", (int)len,
                     request);
        if (send(fd, server->response, strlen(server->response), MSG_NOSIGNAL) < 0)
            perror("raw server send");
        close(fd);
    }
}

static bool raw_server_start(raw_server *server, const char *response)
{
    memset(server, 0, sizeof *server);
    server->response = response;
    server->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t address_len = sizeof address;
    if (server->listen_fd < 0 ||
        bind(server->listen_fd, (struct sockaddr *)&address, sizeof address) ||
        listen(server->listen_fd, 8) ||
        getsockname(server->listen_fd, (struct sockaddr *)&address, &address_len))
        return false;
    server->port = ntohs(address.sin_port);
    return pthread_create(&server->thread, NULL, raw_server_main, server) == 0;
}

static void raw_server_stop(raw_server *server)
{
    shutdown(server->listen_fd, SHUT_RDWR);
    close(server->listen_fd);
    pthread_join(server->thread, NULL);
}

static void test_http_client_reconnects_after_server_close(void)
{
    raw_server server;
    CHECK(raw_server_start(&server, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"));
    char authority[64], err[320] = "";
    snprintf(authority, sizeof authority, "127.0.0.1:%u", server.port);
    connector_http_client client;
    CHECK(connector_http_client_init(&client, authority, err, sizeof err));

    for (int i = 0; i < 3; i++) {
        connector_http_parser p;
        connector_http_parser_init(&p);
        p.body_limit = 64;
        CHECK(connector_http_client_request(&client, "POST", "/2018-06-01/runtime/init/error",
                                            "Content-Type: application/json\r\n", "{}", 2, &p,
                                            err, sizeof err));
        CHECK_INT(p.status, 202);
        CHECK_STR(p.body.data, "{}");
        connector_http_parser_free(&p);
    }
    connector_http_client_close(&client);
    raw_server_stop(&server);

    /* Each request found the previous connection closed and sent again on a new one. */
    CHECK_INT(server.connections, 3);
    char expected[256];
    snprintf(expected, sizeof expected,
             "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
             authority);
    CHECK_STR(server.first_request, expected);
}

static void test_http_client_malformed_response(void)
{
    raw_server server;
    CHECK(raw_server_start(&server, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"));
    char authority[64], err[320] = "";
    snprintf(authority, sizeof authority, "127.0.0.1:%u", server.port);
    connector_http_client client;
    CHECK(connector_http_client_init(&client, authority, err, sizeof err));
    connector_http_parser p;
    connector_http_parser_init(&p);
    p.body_limit = 64;
    CHECK(!connector_http_client_request(&client, "GET", "/x", "", NULL, 0, &p, err, sizeof err));
    char expected[320];
    snprintf(expected, sizeof expected,
             "invalid response from %s: the connection closed 4 bytes before the end of the body",
             authority);
    CHECK_STR(err, expected);
    CHECK_INT(client.fd, -1);
    connector_http_parser_free(&p);
    raw_server_stop(&server);
}

/* ---- a recording HTTP server -------------------------------------------- */

#define MAX_RECORDED 16

typedef struct recorded {
    char method[8];
    char path[256];
    char *body;
    size_t body_len;
    char error_type[96];
    char authorization[1024];
    char amz_date[32];
    char content_sha256[80];
    char security_token[128];
    char host[128];
    char content_type[64];
} recorded;

typedef struct recorder {
    pthread_mutex_t lock;
    recorded requests[MAX_RECORDED];
    int count;
    /* Runtime API: events served by /invocation/next, in order. */
    const char *events[4];
    int next_event;
    /* S3 sink: the status and body of every response. */
    int status;
    const char *answer;
} recorder;

static void copy_header(const http_request *req, const char *name, char *out, size_t outlen)
{
    const char *value = http_request_header(req, name);
    snprintf(out, outlen, "%s", value ? value : "");
}

static int recorder_begin(void *ctx, http_request *req, http_response *resp)
{
    (void)ctx;
    (void)resp;
    req->body_limit = 16u << 20;
    return 0;
}

static void recorder_finish(void *ctx, http_request *req, http_response *resp)
{
    recorder *r = ctx;
    pthread_mutex_lock(&r->lock);
    int index = r->count < MAX_RECORDED ? r->count++ : MAX_RECORDED - 1;
    recorded *rec = &r->requests[index];
    snprintf(rec->method, sizeof rec->method, "%s", req->method);
    snprintf(rec->path, sizeof rec->path, "%s", req->raw_path);
    free(rec->body);
    rec->body = strndup(req->body.data ? req->body.data : "", req->body.len);
    rec->body_len = req->body.len;
    copy_header(req, "lambda-runtime-function-error-type", rec->error_type, sizeof rec->error_type);
    copy_header(req, "authorization", rec->authorization, sizeof rec->authorization);
    copy_header(req, "x-amz-date", rec->amz_date, sizeof rec->amz_date);
    copy_header(req, "x-amz-content-sha256", rec->content_sha256, sizeof rec->content_sha256);
    copy_header(req, "x-amz-security-token", rec->security_token, sizeof rec->security_token);
    copy_header(req, "host", rec->host, sizeof rec->host);
    copy_header(req, "content-type", rec->content_type, sizeof rec->content_type);

    if (!strcmp(req->raw_path, "/2018-06-01/runtime/invocation/next")) {
        const char *event = r->next_event < 4 ? r->events[r->next_event] : NULL;
        if (event) {
            char id[32];
            snprintf(id, sizeof id, "req-%d", r->next_event + 1);
            r->next_event++;
            http_response_add_header(resp, "Lambda-Runtime-Aws-Request-Id", id);
            http_response_add_header(resp, "Lambda-Runtime-Deadline-Ms", "1999999999999");
            http_response_set_body(resp, 200, "application/json", event, strlen(event));
        } else {
            http_response_set_body(resp, 500, "text/plain", "no event", 8);
        }
    } else if (!strncmp(req->raw_path, "/2018-06-01/", 12)) {
        http_response_set_body(resp, 202, "application/json", "{}", 2);
    } else {
        const char *answer = r->answer ? r->answer : "";
        http_response_set_body(resp, r->status ? r->status : 200, "application/xml", answer,
                               strlen(answer));
    }
    pthread_mutex_unlock(&r->lock);
}

static void recorder_too_large(void *ctx, http_request *req, http_response *resp)
{
    (void)ctx;
    (void)req;
    http_response_set_body(resp, 413, "text/plain", "too large", 9);
}

static void recorder_done(void *ctx, http_request *req, int status)
{
    (void)ctx;
    (void)req;
    (void)status;
}

static http_server *recorder_start(recorder *r)
{
    pthread_mutex_init(&r->lock, NULL);
    static http_server_handler handler;
    handler = (http_server_handler){.begin = recorder_begin,
                                    .body_too_large = recorder_too_large,
                                    .finish = recorder_finish,
                                    .done = recorder_done,
                                    .ctx = r};
    http_server_config config = {"127.0.0.1", 0, 16, 30};
    char err[256];
    http_server *server = http_server_start(&config, &handler, err, sizeof err);
    if (!server)
        fprintf(stderr, "cannot start the test server: %s\n", err);
    return server;
}

static void recorder_free(recorder *r)
{
    for (int i = 0; i < MAX_RECORDED; i++)
        free(r->requests[i].body);
    pthread_mutex_destroy(&r->lock);
}

/* ---- the Runtime API loop ----------------------------------------------- */

static const char *env_hms(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "HMS_URIS") == 0 ? "thrift://127.0.0.1:9083" : NULL;
}

static void test_runtime_posts_response_and_error(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    r.events[0] = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\",\"tableName\":\"t1\"}}";
    r.events[1] = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\"}}";
    r.events[2] = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\",\"tableName\":\"t1\"}}";
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;

    connector_config config;
    connector_error err;
    CHECK(connector_config_load(&config, env_hms, NULL, &err));
    fake_metastore fake;
    memset(&fake, 0, sizeof fake);
    fake.exception_method = "nothing";
    connector c = {.config = &config, .call = fake_call, .call_ctx = &fake,
                   .function_name = "fn"};
    char api[64];
    snprintf(api, sizeof api, "127.0.0.1:%u", http_server_port(server));
    CHECK_INT(connector_runtime_run(&c, api, 3), 0);
    http_server_stop(server);

    CHECK_INT(r.count, 6);
    CHECK_STR(r.requests[0].method, "GET");
    CHECK_STR(r.requests[0].path, "/2018-06-01/runtime/invocation/next");
    CHECK_STR(r.requests[1].method, "POST");
    CHECK_STR(r.requests[1].path, "/2018-06-01/runtime/invocation/req-1/response");
    CHECK_STR(r.requests[1].content_type, "application/json");
    json_t *response = json_loads(r.requests[1].body, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(response, "apiName")), "getTable");
    CHECK(json_is_string(json_object_get(json_object_get(response, "apiResponse"), "tableDesc")));
    json_decref(response);

    CHECK_STR(r.requests[3].path, "/2018-06-01/runtime/invocation/req-2/error");
    CHECK_STR(r.requests[3].error_type, "InvalidRequestException");
    CHECK_STR(r.requests[3].body, "{\"errorMessage\":\"apiRequest.tableName is missing\","
                                  "\"errorType\":\"InvalidRequestException\"}");
    /* The metastore connection is the caller's: both good invocations used the same fake. */
    CHECK_STR(r.requests[5].path, "/2018-06-01/runtime/invocation/req-3/response");
    CHECK_INT(fake.call_count, 2);
    recorder_free(&r);
}

static const char *env_spill_everything(void *ctx, const char *name)
{
    (void)ctx;
    if (!strcmp(name, "HMS_URIS"))
        return "thrift://127.0.0.1:9083";
    if (!strcmp(name, "SPILL_LOCATION"))
        return "s3://mybucket/spill";
    return !strcmp(name, "SPILL_THRESHOLD") ? "1" : NULL;
}

/* A spill whose S3 error code carries a line break, as a hostile endpoint could send. */
static bool spill_with_crlf_code(void *ctx, const char *bucket, const char *key, const char *body,
                                 size_t len, connector_error *err)
{
    (void)ctx;
    (void)body;
    (void)len;
    return connector_error_set(err, "Access\r\nX-Injected: 1", "cannot spill to s3://%s/%s",
                               bucket, key);
}

static void test_runtime_error_type_header_stays_one_line(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    r.events[0] = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\",\"tableName\":\"t1\"}}";
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;

    connector_config config;
    connector_error err;
    CHECK(connector_config_load(&config, env_spill_everything, NULL, &err));
    fake_metastore fake;
    memset(&fake, 0, sizeof fake);
    fake.exception_method = "nothing";
    connector c = {.config = &config, .call = fake_call, .call_ctx = &fake,
                   .spill = spill_with_crlf_code, .function_name = "fn"};
    char api[64];
    snprintf(api, sizeof api, "127.0.0.1:%u", http_server_port(server));
    CHECK_INT(connector_runtime_run(&c, api, 1), 0);
    http_server_stop(server);

    CHECK_INT(r.count, 2);
    CHECK_STR(r.requests[1].path, "/2018-06-01/runtime/invocation/req-1/error");
    CHECK_STR(r.requests[1].error_type, "AccessX-Injected:1");
    recorder_free(&r);
}

static void test_runtime_invalid_config_fails_each_invocation(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    r.events[0] = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\",\"tableName\":\"t1\"}}";
    r.events[1] = "{\"apiName\":\"listTables\",\"apiRequest\":{\"dbName\":\"db1\"}}";
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;

    connector c = {.config = NULL};
    connector_error_set(&c.config_error, "InvalidConfiguration",
                        "HMS_URIS is missing: set it to a comma-separated list of "
                        "thrift://host:port URIs, such as thrift://10.0.0.5:9083");
    char api[64];
    snprintf(api, sizeof api, "127.0.0.1:%u", http_server_port(server));
    CHECK_INT(connector_runtime_run(&c, api, 2), 0);
    http_server_stop(server);

    CHECK_INT(r.count, 4);
    for (int i = 1; i < 4; i += 2) {
        CHECK(strstr(r.requests[i].path, "/error") != NULL);
        CHECK_STR(r.requests[i].error_type, "InvalidConfiguration");
        CHECK(strstr(r.requests[i].body, "HMS_URIS is missing") != NULL);
    }
    recorder_free(&r);
}

static void test_runtime_init_error(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;
    char api[64];
    snprintf(api, sizeof api, "127.0.0.1:%u", http_server_port(server));
    CHECK(connector_runtime_init_error(api, "Runtime.ExitError", "cannot start"));
    http_server_stop(server);

    CHECK_INT(r.count, 1);
    CHECK_STR(r.requests[0].path, "/2018-06-01/runtime/init/error");
    CHECK_STR(r.requests[0].error_type, "Runtime.ExitError");
    CHECK_STR(r.requests[0].body,
              "{\"errorMessage\":\"cannot start\",\"errorType\":\"Runtime.ExitError\"}");
    recorder_free(&r);
}

static void test_runtime_exits_when_api_is_gone(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;
    char api[64];
    snprintf(api, sizeof api, "127.0.0.1:%u", http_server_port(server));
    http_server_stop(server); /* the port is now closed */

    connector c = {.config = NULL};
    int64_t started = owl_monotonic_ms();
    CHECK_INT(connector_runtime_run(&c, api, -1), 1);
    CHECK(owl_monotonic_ms() - started < 5000);
    recorder_free(&r);
}

static void test_runtime_invalid_api_address(void)
{
    connector c = {.config = NULL};
    int64_t started = owl_monotonic_ms();
    CHECK_INT(connector_runtime_run(&c, "127.0.0.1", -1), 1);
    CHECK(owl_monotonic_ms() - started < 100);
    CHECK(!connector_runtime_init_error("127.0.0.1:99999", "Runtime.ExitError", "cannot start"));
}

/* ---- the spill PUT ------------------------------------------------------- */

#define TEST_ACCESS_KEY "AKIDSPILLTEST0000001"
#define TEST_SECRET "spill-secret-000000000000000000000000001"
#define TEST_TOKEN "session-token-value"

static void test_spill_put_is_signed(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%u/", http_server_port(server));
    connector_s3_target target = {endpoint, "us-east-1", TEST_ACCESS_KEY, TEST_SECRET,
                                  TEST_TOKEN, 5000};
    const char *body = "{\"tableDesc\":\"x\"}";
    connector_error err;
    CHECK(connector_spill_s3(&target, "mybucket", "spill/fn name/req-1", body, strlen(body), &err));
    http_server_stop(server);

    CHECK_INT(r.count, 1);
    recorded *rec = &r.requests[0];
    CHECK_STR(rec->method, "PUT");
    CHECK_STR(rec->path, "/mybucket/spill/fn%20name/req-1");
    CHECK_STR(rec->body, body);
    CHECK_STR(rec->security_token, TEST_TOKEN);
    CHECK_STR(rec->content_type, "application/json");

    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)body, strlen(body), digest);
    char hash[65];
    owl_hex_encode(digest, sizeof digest, hash);
    CHECK_STR(rec->content_sha256, hash);

    char prefix[320];
    snprintf(prefix, sizeof prefix, "AWS4-HMAC-SHA256 Credential=" TEST_ACCESS_KEY "/%.8s/us-east-1/s3/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=",
             rec->amz_date);
    CHECK(strncmp(rec->authorization, prefix, strlen(prefix)) == 0);

    /* The signature verifies with the secret, as S3 would check it. */
    sigv4_header headers[] = {
        {"authorization", rec->authorization}, {"content-type", rec->content_type},
        {"host", rec->host}, {"x-amz-content-sha256", rec->content_sha256},
        {"x-amz-date", rec->amz_date}, {"x-amz-security-token", rec->security_token},
    };
    sigv4_request request = {"PUT", rec->path, "", headers, 6};
    sigv4_auth auth;
    char message[256];
    CHECK_INT(sigv4_parse(&request, &auth, message, sizeof message), SIGV4_OK);
    CHECK_INT(sigv4_verify(&auth, &request, "s3", NULL, TEST_SECRET, time(NULL), NULL, NULL,
                           message, sizeof message),
              SIGV4_OK);
    sigv4_auth_free(&auth);
    recorder_free(&r);
}

static void test_spill_put_access_denied(void)
{
    recorder r;
    memset(&r, 0, sizeof r);
    r.status = 403;
    r.answer = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
               "<Message>Access Denied</Message><RequestId>1</RequestId></Error>";
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%u", http_server_port(server));
    connector_s3_target target = {endpoint, "us-east-1", TEST_ACCESS_KEY, TEST_SECRET, NULL, 5000};
    connector_error err;
    CHECK(!connector_spill_s3(&target, "mybucket", "spill/fn/req-1", "{}", 2, &err));
    http_server_stop(server);
    CHECK_STR(err.type, "AccessDenied");
    CHECK_STR(err.message, "cannot spill the response to s3://mybucket/spill/fn/req-1: S3 returned "
                           "HTTP 403: Access Denied");
    CHECK_STR(r.requests[0].security_token, "");
    recorder_free(&r);
}

static void test_spill_put_failures(void)
{
    connector_error err;
    connector_s3_target no_keys = {"http://127.0.0.1:9", "us-east-1", NULL, NULL, NULL, 2000};
    CHECK(!connector_spill_s3(&no_keys, "mybucket", "k", "{}", 2, &err));
    CHECK_STR(err.type, "SpillFailed");
    CHECK(strstr(err.message, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set") != NULL);

    /* A stopped test server leaves a closed loopback port, so the connection is refused. */
    recorder r;
    memset(&r, 0, sizeof r);
    http_server *server = recorder_start(&r);
    CHECK(server != NULL);
    if (!server)
        return;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%u", http_server_port(server));
    http_server_stop(server);
    connector_s3_target closed = {endpoint, "us-east-1", TEST_ACCESS_KEY, TEST_SECRET, NULL, 2000};
    CHECK(!connector_spill_s3(&closed, "mybucket", "k", "{}", 2, &err));
    CHECK_STR(err.type, "SpillFailed");
    CHECK(strncmp(err.message, "cannot spill the response to s3://mybucket/k: ", 46) == 0);

    connector_s3_target bad_url = {"127.0.0.1:4566", "us-east-1", TEST_ACCESS_KEY, TEST_SECRET, NULL, 2000};
    CHECK(!connector_spill_s3(&bad_url, "mybucket", "k", "{}", 2, &err));
    CHECK_STR(err.type, "SpillFailed");
    CHECK(strstr(err.message, "is not a URL") != NULL);
    recorder_free(&r);
}

int main(void)
{
    UNIT_RUN(test_http_parse_content_length_any_split);
    UNIT_RUN(test_http_parse_chunked_with_trailers);
    UNIT_RUN(test_http_parse_framing_variants);
    UNIT_RUN(test_http_parse_body_limit);
    UNIT_RUN(test_http_parse_rejects_malformed);
    UNIT_RUN(test_http_parse_head_limit);
    UNIT_RUN(test_http_client_authority);
    UNIT_RUN(test_http_client_reconnects_after_server_close);
    UNIT_RUN(test_http_client_malformed_response);
    UNIT_RUN(test_runtime_posts_response_and_error);
    UNIT_RUN(test_runtime_invalid_config_fails_each_invocation);
    UNIT_RUN(test_runtime_error_type_header_stays_one_line);
    UNIT_RUN(test_runtime_init_error);
    UNIT_RUN(test_runtime_exits_when_api_is_gone);
    UNIT_RUN(test_runtime_invalid_api_address);
    UNIT_RUN(test_spill_put_is_signed);
    UNIT_RUN(test_spill_put_access_denied);
    UNIT_RUN(test_spill_put_failures);
    return UNIT_SUMMARY();
}
