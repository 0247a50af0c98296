/*
 * libFuzzer target for the service endpoint: request routing, header
 * handling, Query form parsing and SigV4 header parsing, without the HTTP
 * server. The input is a request in a simple text layout:
 *
 *   METHOD\n TARGET\n (NAME: VALUE\n)* \n BODY
 *
 * Each run goes through the same begin/finish/done calls the server makes.
 */
#include "cli/cli.h"
#include "common/log.h"
#include "endpoint/endpoint.h"
#include "http/http.h"
#include "iam/account.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static owl_endpoint *endpoint;
static http_server_handler handler;

static void fuzz_setup(void)
{
    owl_log_set_level(OWL_LOG_ERROR);
    char dir[] = "/tmp/owlery-fuzz-endpoint-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char err[256];
    owl_store *store = owl_cli_open_store(dir, err, sizeof err);
    if (!store) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    /* A known key lets signed inputs get past the key lookup into signature checks. */
    sqlite3 *db = owl_store_acquire(store);
    iam_account account;
    char key[IAM_ACCESS_KEY_MAX + 1], secret[IAM_SECRET_KEY_MAX + 1];
    if (iam_account_create(db, "111122223333", "fuzz", "AKIAPRODUCER00000001",
                           "producer-secret-0000000000000000000000001", &account, key, secret, err,
                           sizeof err) != IAM_OK)
        abort();
    owl_store_release(store, db);

    owl_endpoint_config config = {
        .max_body_bytes = 4096, .max_lambda_body_bytes = 4096, .max_s3_body_bytes = 4096};
    endpoint = owl_endpoint_new(store, &config);
    handler = owl_endpoint_handler(endpoint);
}

/* Returns the next line of [*pos, end) as a new string and advances *pos; NULL at the end. */
static char *next_line(const char **pos, const char *end)
{
    if (*pos >= end)
        return NULL;
    const char *nl = memchr(*pos, '\n', (size_t)(end - *pos));
    const char *stop = nl ? nl : end;
    char *line = strndup(*pos, (size_t)(stop - *pos));
    *pos = nl ? nl + 1 : end;
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!endpoint)
        fuzz_setup();

    const char *pos = (const char *)data, *end = pos + size;
    char *method = next_line(&pos, end);
    char *target = next_line(&pos, end);
    if (!method || !target) {
        free(method);
        free(target);
        return 0;
    }

    http_request req;
    http_response resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    req.method = method;
    char *q = strchr(target, '?');
    req.raw_path = strndup(target, q ? (size_t)(q - target) : strlen(target));
    req.raw_query = strdup(q ? q + 1 : "");

    char *line;
    while ((line = next_line(&pos, end)) != NULL) {
        if (line[0] == '\0') {
            free(line);
            break;
        }
        char *colon = strchr(line, ':');
        if (!colon || req.header_count == HTTP_MAX_HEADERS) {
            free(line);
            continue;
        }
        *colon = '\0';
        for (char *p = line; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        char *value = colon + 1;
        while (*value == ' ')
            value++;
        req.headers[req.header_count].name = strdup(line);
        req.headers[req.header_count].value = strdup(value);
        req.header_count++;
        free(line);
    }

    int status = handler.begin(handler.ctx, &req, &resp);
    if (status != 0)
        resp.status = status;
    if (status == 0) {
        size_t body_len = (size_t)(end - pos);
        req.body_received = body_len;
        if (body_len > req.body_limit) {
            handler.body_too_large(handler.ctx, &req, &resp);
        } else {
            /* As the server does: a body sink set by begin() gets the body instead of req.body. */
            if (req.body_sink.write) {
                if (!req.body_sink.write(req.body_sink.arg, pos, body_len))
                    req.body_sink_failed = true;
            } else {
                owl_buf_append(&req.body, pos, body_len);
            }
            handler.finish(handler.ctx, &req, &resp);
        }
    }
    handler.done(handler.ctx, &req, resp.status);
    if (req.body_sink.close)
        req.body_sink.close(req.body_sink.arg);
    if (resp.has_body_fd)
        close(resp.body_fd);

    for (size_t i = 0; i < req.header_count; i++) {
        free(req.headers[i].name);
        free(req.headers[i].value);
    }
    for (size_t i = 0; i < resp.header_count; i++) {
        free(resp.headers[i].name);
        free(resp.headers[i].value);
    }
    owl_buf_free(&req.body);
    owl_buf_free(&resp.body);
    free(req.raw_path);
    free(req.raw_query);
    free(method);
    free(target);
    return 0;
}
