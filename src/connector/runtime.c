/*
 * The Lambda Runtime API client (API version 2018-06-01), over the
 * connector's own HTTP/1.1 client (http_client.h) on one keep-alive
 * connection, so the cold start loads no HTTP library:
 *   GET  /2018-06-01/runtime/invocation/next         long poll for an event
 *   POST /2018-06-01/runtime/invocation/ID/response  the result
 *   POST /2018-06-01/runtime/invocation/ID/error     {"errorMessage","errorType"}
 *   POST /2018-06-01/runtime/init/error              a failure before the loop
 * One invocation runs at a time, as Lambda delivers them. Every invocation
 * logs one line with its request id, apiName, status, duration, response
 * bytes and whether it spilled.
 */
#include "connector/connector.h"
#include "connector/http_client.h"

#include "common/log.h"
#include "common/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define RUNTIME_PREFIX "/2018-06-01/runtime"
/* Largest event accepted: Lambda's synchronous payload limit is 6 MB. */
#define RUNTIME_MAX_EVENT_BYTES (8u << 20)
/* Bytes kept of the Runtime API's response to a post; Lambda's are small JSON documents. */
#define RUNTIME_MAX_POST_RESPONSE 4096u
/* Failed polls in a row before the loop gives up and exits. */
#define RUNTIME_MAX_POLL_FAILURES 5
#define RUNTIME_POLL_RETRY_DELAY_US 200000

typedef struct runtime_event {
    owl_buf body;
    bool too_large;
    char request_id[128];
    long long deadline_ms;
} runtime_event;

/* Copies value into out when the field is name; names compare case-insensitively. */
static void match_header(const char *field, size_t field_len, const char *value,
                         size_t value_len, const char *name, char *out, size_t outlen)
{
    if (field_len != strlen(name) || strncasecmp(field, name, field_len) != 0)
        return;
    snprintf(out, outlen, "%.*s", (int)value_len, value);
}

static void collect_header(void *ctx, const char *name, size_t name_len, const char *value,
                           size_t value_len)
{
    runtime_event *event = ctx;
    char deadline[32] = "";
    match_header(name, name_len, value, value_len, "Lambda-Runtime-Aws-Request-Id",
                 event->request_id, sizeof event->request_id);
    match_header(name, name_len, value, value_len, "Lambda-Runtime-Deadline-Ms", deadline,
                 sizeof deadline);
    if (deadline[0])
        event->deadline_ms = atoll(deadline);
}

/* A request id goes into a URL path, so it must be a plain token (Lambda's are UUIDs). */
static bool request_id_valid(const char *id)
{
    if (!*id)
        return false;
    for (const char *p = id; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* POSTs body to path; returns the HTTP status, or 0 on a transport error. */
static long runtime_post(connector_http_client *client, const char *path, const char *body,
                         size_t len, const char *error_type)
{
    owl_buf headers = OWL_BUF_INIT;
    owl_buf_puts(&headers, "Content-Type: application/json\r\n");
    if (error_type) {
        /* The type may come from an S3 error document: keep only visible ASCII in the header. */
        owl_buf_puts(&headers, "Lambda-Runtime-Function-Error-Type: ");
        for (const char *ch = error_type; *ch; ch++)
            if (*ch >= 0x21 && *ch <= 0x7e)
                owl_buf_putc(&headers, *ch);
        owl_buf_puts(&headers, "\r\n");
    }

    connector_http_parser response;
    connector_http_parser_init(&response);
    response.body_limit = RUNTIME_MAX_POST_RESPONSE;
    char error[256], quoted[600];
    long status = 0;
    if (connector_http_client_request(client, "POST", path, headers.data, body, len, &response,
                                      error, sizeof error))
        status = response.status;
    else
        owl_log_error("event=runtime_post_failed url=http://%s%s error=%s", client->authority,
                      path, owl_log_quote(quoted, sizeof quoted, error));
    connector_http_parser_free(&response);
    owl_buf_free(&headers);
    return status;
}

static char *error_document(const connector_error *err)
{
    json_t *doc = json_pack("{s:s, s:s}", "errorMessage", err->message, "errorType", err->type);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        text = strdup("{\"errorMessage\":\"the error message is not UTF-8\","
                      "\"errorType\":\"InternalError\"}");
    return text;
}

/* Long-polls for the next event; returns false when the Runtime API failed. */
static bool runtime_next(connector_http_client *client, runtime_event *event)
{
    connector_http_parser response;
    connector_http_parser_init(&response);
    response.body_limit = RUNTIME_MAX_EVENT_BYTES;
    response.on_header = collect_header;
    response.header_ctx = event;
    char error[256] = "";

    bool sent = connector_http_client_request(client, "GET", RUNTIME_PREFIX "/invocation/next",
                                              "", NULL, 0, &response, error, sizeof error);
    if (!sent || response.status != 200) {
        char quoted[600];
        owl_log_error("event=runtime_next_failed url=http://%s" RUNTIME_PREFIX
                      "/invocation/next status=%d error=%s",
                      client->authority, sent ? response.status : 0,
                      owl_log_quote(quoted, sizeof quoted, sent ? "unexpected status" : error));
        connector_http_parser_free(&response);
        return false;
    }
    /* The parser's body becomes the event's: the caller frees it. */
    event->body = response.body;
    event->too_large = response.body_too_large;
    response.body = (owl_buf)OWL_BUF_INIT;
    connector_http_parser_free(&response);
    return true;
}

/* Runs one event and posts its result. */
static void runtime_invoke(const connector *c, connector_http_client *client,
                           runtime_event *event)
{
    int64_t started = owl_monotonic_ms();
    owl_buf out = OWL_BUF_INIT;
    connector_outcome outcome;
    connector_error err = {"", ""};
    memset(&outcome, 0, sizeof outcome);

    bool ok;
    if (event->too_large)
        ok = connector_error_set(&err, "InvalidRequestException",
                                 "request is larger than %u bytes", RUNTIME_MAX_EVENT_BYTES);
    else
        ok = connector_handle(c, event->request_id, event->body.data ? event->body.data : "",
                              event->body.len, &out, &outcome, &err);

    owl_buf path = OWL_BUF_INIT;
    long status;
    if (ok) {
        owl_buf_printf(&path, RUNTIME_PREFIX "/invocation/%s/response", event->request_id);
        status = runtime_post(client, path.data, out.data ? out.data : "", out.len, NULL);
    } else {
        char *doc = error_document(&err);
        owl_buf_printf(&path, RUNTIME_PREFIX "/invocation/%s/error", event->request_id);
        status = runtime_post(client, path.data, doc, strlen(doc), err.type);
        free(doc);
    }

    char api[96], type[120], message[600];
    owl_log_quote(api, sizeof api, outcome.api_name[0] ? outcome.api_name : NULL);
    if (ok)
        owl_log_info("event=invocation request_id=%s api=%s status=ok duration_ms=%lld "
                     "response_bytes=%zu spilled=%s metastore_calls=%d post_status=%ld",
                     event->request_id, api, (long long)(owl_monotonic_ms() - started),
                     outcome.response_bytes, outcome.spilled ? "true" : "false",
                     outcome.metastore_calls, status);
    else
        owl_log_info("event=invocation request_id=%s api=%s status=error error_type=%s "
                     "error=%s duration_ms=%lld response_bytes=0 spilled=false "
                     "metastore_calls=%d post_status=%ld",
                     event->request_id, api, owl_log_quote(type, sizeof type, err.type),
                     owl_log_quote(message, sizeof message, err.message),
                     (long long)(owl_monotonic_ms() - started), outcome.metastore_calls, status);
    owl_buf_free(&path);
    owl_buf_free(&out);
}

/* Logs why AWS_LAMBDA_RUNTIME_API cannot be used; error is from connector_http_client_init(). */
static void runtime_log_invalid_api(const char *error)
{
    char message[400], quoted[800];
    snprintf(message, sizeof message, "AWS_LAMBDA_RUNTIME_API %s", error);
    owl_log_error("event=runtime_api_invalid error=%s",
                  owl_log_quote(quoted, sizeof quoted, message));
}

int connector_runtime_run(const connector *c, const char *runtime_api, int max_invocations)
{
    connector_http_client client;
    char error[320];
    if (!connector_http_client_init(&client, runtime_api, error, sizeof error)) {
        runtime_log_invalid_api(error);
        return 1;
    }

    int failures = 0, done = 0, rc = 0;
    while (max_invocations < 0 || done < max_invocations) {
        runtime_event event = {OWL_BUF_INIT, false, "", 0};
        if (!runtime_next(&client, &event)) {
            owl_buf_free(&event.body);
            if (++failures >= RUNTIME_MAX_POLL_FAILURES) {
                rc = 1;
                break;
            }
            usleep(RUNTIME_POLL_RETRY_DELAY_US);
            continue;
        }
        failures = 0;

        if (!request_id_valid(event.request_id)) {
            char quoted[160];
            owl_log_error("event=runtime_bad_event request_id=%s error=\"the event has no valid "
                          "Lambda-Runtime-Aws-Request-Id header\"",
                          owl_log_quote(quoted, sizeof quoted, event.request_id));
        } else {
            runtime_invoke(c, &client, &event);
        }
        owl_buf_free(&event.body);
        done++;
    }

    connector_http_client_close(&client);
    return rc;
}

bool connector_runtime_init_error(const char *runtime_api, const char *type, const char *message)
{
    connector_http_client client;
    char error[320];
    if (!connector_http_client_init(&client, runtime_api, error, sizeof error)) {
        runtime_log_invalid_api(error);
        return false;
    }
    connector_error err;
    connector_error_set(&err, type, "%s", message);
    char *doc = error_document(&err);
    long status = runtime_post(&client, RUNTIME_PREFIX "/init/error", doc, strlen(doc), type);
    connector_http_client_close(&client);
    free(doc);
    return status >= 200 && status < 300;
}
