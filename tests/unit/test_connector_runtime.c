/*
 * Unit tests of the connector's network edges against in-test HTTP servers
 * (src/http on loopback): the Lambda Runtime API loop, and the spill PUT to
 * an S3 sink whose SigV4 signature the test verifies with src/aws.
 */
#include "aws/sigv4.h"
#include "common/util.h"
#include "connector_fake.h"
#include "http/http.h"
#include "unit.h"

#include <jansson.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

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
    UNIT_RUN(test_runtime_posts_response_and_error);
    UNIT_RUN(test_runtime_invalid_config_fails_each_invocation);
    UNIT_RUN(test_runtime_init_error);
    UNIT_RUN(test_runtime_exits_when_api_is_gone);
    UNIT_RUN(test_spill_put_is_signed);
    UNIT_RUN(test_spill_put_access_denied);
    UNIT_RUN(test_spill_put_failures);
    return UNIT_SUMMARY();
}
