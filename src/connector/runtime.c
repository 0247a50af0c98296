/*
 * The Lambda Runtime API client (API version 2018-06-01), on one libcurl
 * handle so the connection to the Runtime API stays open between calls:
 *   GET  /2018-06-01/runtime/invocation/next         long poll for an event
 *   POST /2018-06-01/runtime/invocation/ID/response  the result
 *   POST /2018-06-01/runtime/invocation/ID/error     {"errorMessage","errorType"}
 *   POST /2018-06-01/runtime/init/error              a failure before the loop
 * One invocation runs at a time, as Lambda delivers them. Every invocation
 * logs one line with its request id, apiName, status, duration, response
 * bytes and whether it spilled.
 */
#include "connector/connector.h"

#include "common/log.h"
#include "common/util.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define RUNTIME_PREFIX "/2018-06-01/runtime"
/* Largest event accepted: Lambda's synchronous payload limit is 6 MB. */
#define RUNTIME_MAX_EVENT_BYTES (8u << 20)
/* Failed polls in a row before the loop gives up and exits. */
#define RUNTIME_MAX_POLL_FAILURES 5
#define RUNTIME_POLL_RETRY_DELAY_US 200000

typedef struct runtime_event {
    owl_buf body;
    bool too_large;
    char request_id[128];
    long long deadline_ms;
} runtime_event;

static size_t collect_event(char *data, size_t size, size_t count, void *ctx)
{
    runtime_event *event = ctx;
    size_t len = size * count;
    if (event->body.len + len > RUNTIME_MAX_EVENT_BYTES)
        event->too_large = true;
    else
        owl_buf_append(&event->body, data, len);
    return len;
}

static size_t discard_body(char *data, size_t size, size_t count, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * count;
}

/* Copies the value of "name: value" into out when line carries header name. */
static void match_header(const char *line, size_t len, const char *name, char *out,
                         size_t outlen)
{
    size_t name_len = strlen(name);
    if (len <= name_len + 1 || strncasecmp(line, name, name_len) != 0 || line[name_len] != ':')
        return;
    const char *value = line + name_len + 1;
    const char *end = line + len;
    while (value < end && (*value == ' ' || *value == '\t'))
        value++;
    while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    snprintf(out, outlen, "%.*s", (int)(end - value), value);
}

static size_t collect_header(char *data, size_t size, size_t count, void *ctx)
{
    runtime_event *event = ctx;
    size_t len = size * count;
    char deadline[32] = "";
    match_header(data, len, "Lambda-Runtime-Aws-Request-Id", event->request_id,
                 sizeof event->request_id);
    match_header(data, len, "Lambda-Runtime-Deadline-Ms", deadline, sizeof deadline);
    if (deadline[0])
        event->deadline_ms = atoll(deadline);
    return len;
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

/* POSTs body to url; returns the HTTP status, or 0 on a transport error. */
static long runtime_post(CURL *curl, const char *url, const char *body, size_t len,
                         const char *error_type)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (error_type) {
        owl_buf line = OWL_BUF_INIT;
        owl_buf_printf(&line, "Lambda-Runtime-Function-Error-Type: %s", error_type);
        headers = curl_slist_append(headers, line.data);
        owl_buf_free(&line);
    }

    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);

    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    else
        owl_log_error("event=runtime_post_failed url=%s error=\"%s\"", url,
                      curl_easy_strerror(rc));
    curl_slist_free_all(headers);
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
static bool runtime_next(CURL *curl, const char *base, runtime_event *event)
{
    owl_buf url = OWL_BUF_INIT;
    owl_buf_printf(&url, "%s/invocation/next", base);
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.data);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_event);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, event);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, event);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);

    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
        owl_log_error("event=runtime_next_failed url=%s status=%ld error=\"%s\"", url.data, status,
                      rc == CURLE_OK ? "unexpected status" : curl_easy_strerror(rc));
        owl_buf_free(&url);
        return false;
    }
    owl_buf_free(&url);
    return true;
}

/* Runs one event and posts its result. */
static void runtime_invoke(const connector *c, CURL *curl, const char *base, runtime_event *event)
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

    owl_buf url = OWL_BUF_INIT;
    long status;
    if (ok) {
        owl_buf_printf(&url, "%s/invocation/%s/response", base, event->request_id);
        status = runtime_post(curl, url.data, out.data, out.len, NULL);
    } else {
        char *doc = error_document(&err);
        owl_buf_printf(&url, "%s/invocation/%s/error", base, event->request_id);
        status = runtime_post(curl, url.data, doc, strlen(doc), err.type);
        free(doc);
    }

    char api[96], message[600];
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
                     event->request_id, api, err.type,
                     owl_log_quote(message, sizeof message, err.message),
                     (long long)(owl_monotonic_ms() - started), outcome.metastore_calls, status);
    owl_buf_free(&url);
    owl_buf_free(&out);
}

int connector_runtime_run(const connector *c, const char *runtime_api, int max_invocations)
{
    owl_buf base = OWL_BUF_INIT;
    owl_buf_printf(&base, "http://%s" RUNTIME_PREFIX, runtime_api);
    CURL *curl = curl_easy_init();
    if (!curl)
        abort();

    int failures = 0, done = 0, rc = 0;
    while (max_invocations < 0 || done < max_invocations) {
        runtime_event event = {OWL_BUF_INIT, false, "", 0};
        if (!runtime_next(curl, base.data, &event)) {
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
            runtime_invoke(c, curl, base.data, &event);
        }
        owl_buf_free(&event.body);
        done++;
    }

    curl_easy_cleanup(curl);
    owl_buf_free(&base);
    return rc;
}

bool connector_runtime_init_error(const char *runtime_api, const char *type, const char *message)
{
    connector_error err;
    connector_error_set(&err, type, "%s", message);
    char *doc = error_document(&err);
    owl_buf url = OWL_BUF_INIT;
    owl_buf_printf(&url, "http://%s" RUNTIME_PREFIX "/init/error", runtime_api);

    CURL *curl = curl_easy_init();
    if (!curl)
        abort();
    long status = runtime_post(curl, url.data, doc, strlen(doc), type);
    curl_easy_cleanup(curl);
    owl_buf_free(&url);
    free(doc);
    return status >= 200 && status < 300;
}
