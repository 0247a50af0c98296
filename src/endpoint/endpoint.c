/*
 * Request routing, dispatch and the request log. See endpoint.h.
 */
#include "endpoint/endpoint.h"

#include "athena/athena.h"
#include "common/log.h"
#include "common/util.h"
#include "endpoint/internal.h"
#include "iam/iam_api.h"
#include "iam/sts.h"
#include "lambda/lambda.h"
#include "s3/s3.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATHENA_TARGET_PREFIX "AmazonAthena."
#define DEFAULT_REGION "us-east-1"

static const endpoint_service services[] = {
    {"sts", AWS_PROTOCOL_QUERY, STS_XML_NAMESPACE, sts_handle},
    {"iam", AWS_PROTOCOL_QUERY, IAM_XML_NAMESPACE, iam_handle},
    {"athena", AWS_PROTOCOL_JSON, NULL, athena_handle},
    {"lambda", AWS_PROTOCOL_REST_JSON, NULL, lambda_handle},
    {"s3", AWS_PROTOCOL_REST_XML, NULL, s3_handle},
};

static const endpoint_service *service_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].name, name) == 0)
            return &services[i];
    return NULL;
}

/* Returns true for a region name such as "eu-central-1": 1 to 63 of [a-z0-9-]. */
static bool region_valid(const char *region, size_t len)
{
    if (len == 0 || len > 63)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((region[i] >= 'a' && region[i] <= 'z') || (region[i] >= '0' && region[i] <= '9') ||
              region[i] == '-'))
            return false;
    return true;
}

/*
 * Copies the service and region of a credential scope
 * "AKID/20261204/us-east-1/sts/aws4_request" (the text after "Credential=")
 * into the call (the region only when it is a valid region name). Returns
 * the service, or NULL when the scope is not of that form or names a service
 * owlery does not serve (authentication then reports the precise problem).
 */
static const endpoint_service *scope_service(const char *credential, size_t len, aws_call *call)
{
    const char *parts[5];
    size_t lens[5];
    size_t n = 0;
    const char *start = credential, *end = credential + len;
    for (const char *p = credential; p <= end && n < 5; p++) {
        if (p == end || *p == '/' || *p == ',' || *p == ' ' || *p == '&') {
            parts[n] = start;
            lens[n] = (size_t)(p - start);
            n++;
            start = p + 1;
            if (p < end && *p != '/')
                break;
        }
    }
    if (n < 5)
        return NULL;
    if (region_valid(parts[2], lens[2])) {
        memcpy(call->region, parts[2], lens[2]);
        call->region[lens[2]] = '\0';
    }
    char service[32];
    if (lens[3] == 0 || lens[3] >= sizeof service)
        return NULL;
    memcpy(service, parts[3], lens[3]);
    service[lens[3]] = '\0';
    return service_by_name(service);
}

/* Routes a request from its headers and target alone; NULL when the body is needed. */
static const endpoint_service *route_from_headers(http_request *req, aws_call *call)
{
    const char *auth = http_request_header(req, "authorization");
    const char *credential = auth ? strstr(auth, "Credential=") : NULL;
    if (credential) {
        credential += strlen("Credential=");
        const endpoint_service *service = scope_service(credential, strlen(credential), call);
        if (service)
            return service;
    }
    const char *presigned = strstr(req->raw_query, "X-Amz-Credential=");
    if (presigned) {
        presigned += strlen("X-Amz-Credential=");
        size_t len = strcspn(presigned, "&");
        char *decoded = owl_percent_decode(presigned, len, false, &len);
        const endpoint_service *service = decoded ? scope_service(decoded, len, call) : NULL;
        free(decoded);
        if (service)
            return service;
    }

    const char *target = http_request_header(req, "x-amz-target");
    if (target && strncmp(target, ATHENA_TARGET_PREFIX, strlen(ATHENA_TARGET_PREFIX)) == 0)
        return service_by_name("athena");
    if (strncmp(req->raw_path, "/2015-03-31/", 12) == 0)
        return service_by_name("lambda");

    const char *type = http_request_header(req, "content-type");
    bool form = type && strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
    if ((strcmp(req->method, "POST") == 0 && form && strcmp(req->raw_path, "/") == 0) ||
        strncmp(req->raw_query, "Action=", 7) == 0 || strstr(req->raw_query, "&Action="))
        return NULL;
    return service_by_name("s3");
}

static uint64_t body_limit_for(const owl_endpoint *endpoint, const endpoint_service *service)
{
    if (service && strcmp(service->name, "lambda") == 0)
        return endpoint->config.max_lambda_body_bytes;
    if (service && strcmp(service->name, "s3") == 0)
        return endpoint->config.max_s3_body_bytes;
    return endpoint->config.max_body_bytes;
}

static void reject_too_large(endpoint_request *state, uint64_t limit)
{
    aws_call *call = &state->call;
    if (state->service && strcmp(state->service->name, "lambda") == 0)
        aws_call_error(call, 413, "RequestTooLargeException",
                       "Request must be smaller than %" PRIu64 " bytes", limit);
    else if (state->service && strcmp(state->service->name, "s3") == 0)
        aws_call_error(call, 400, "EntityTooLarge",
                       "Your proposed upload exceeds the maximum allowed size of %" PRIu64 " bytes",
                       limit);
    else
        aws_call_error(call, 413, "RequestEntityTooLarge",
                       "Request body must be at most %" PRIu64 " bytes", limit);
}

/*
 * Sends the request id the way each protocol's SDKs read it: S3 clients read
 * x-amz-request-id and x-amz-id-2, every other service x-amzn-RequestId.
 */
static void endpoint_add_request_id(endpoint_request *state)
{
    http_request *req = state->call.req;
    http_response *resp = state->call.resp;
    if (state->service && state->service->protocol == AWS_PROTOCOL_REST_XML) {
        http_response_add_header(resp, "x-amz-request-id", req->request_id);
        http_response_add_header(resp, "x-amz-id-2", req->request_id);
    } else {
        http_response_add_header(resp, "x-amzn-RequestId", req->request_id);
    }
}

static void apply_service(endpoint_request *state, const endpoint_service *service)
{
    state->service = service;
    state->call.service = service->name;
    state->call.protocol = service->protocol;
    state->call.xml_namespace = service->xml_namespace;
}

static int endpoint_begin(void *ctx, http_request *req, http_response *resp)
{
    owl_endpoint *endpoint = ctx;
    endpoint_request *state = calloc(1, sizeof *state);
    if (!state)
        abort();
    req->handler_state = state;

    aws_call *call = &state->call;
    call->req = req;
    call->resp = resp;
    call->store = endpoint->store;
    call->identity = &state->identity;
    call->service = "";
    call->protocol = AWS_PROTOCOL_QUERY;
    call->xml_namespace = IAM_XML_NAMESPACE;

    const endpoint_service *service = route_from_headers(req, call);
    if (service)
        apply_service(state, service);
    if (call->region[0] == '\0')
        snprintf(call->region, sizeof call->region, "%s", DEFAULT_REGION);
    if (service && strcmp(service->name, "s3") == 0) {
        /* S3 clients read x-amz-request-id; S3 request ids are 16 uppercase hex digits. */
        uint8_t id[8];
        owl_random_bytes(id, sizeof id);
        owl_hex_encode(id, sizeof id, req->request_id);
        for (char *p = req->request_id; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    } else {
        owl_uuid(req->request_id);
    }
    req->body_limit = body_limit_for(endpoint, service);
    endpoint_add_request_id(state);
    if (service && strcmp(service->name, "s3") == 0) {
        /*
         * An upload is authenticated and authorized before its body is read,
         * so a denied one is rejected without receiving or storing the body.
         */
        if (s3_is_upload(call)) {
            state->body_pending = true;
            bool authenticated = endpoint_authenticate(endpoint, state);
            state->body_pending = false;
            if (!authenticated)
                return resp->status;
            state->authenticated = true;
        }
        int status = s3_begin(call); /* may stream an upload to a file and raise the body limit */
        if (status != 0)
            return status;
    }

    const char *length = http_request_header(req, "content-length");
    if (length) {
        char *end;
        unsigned long long declared = strtoull(length, &end, 10);
        if (*end != '\0' || end == length) {
            aws_call_error(call, 400, "InvalidRequest", "Content-Length \"%s\" is not a number",
                           length);
            return resp->status;
        }
        if (declared > req->body_limit) {
            reject_too_large(state, req->body_limit);
            return resp->status;
        }
    }
    if (req->too_many_headers) {
        aws_call_error(call, 400, "InvalidRequest", "Too many headers: the limit is %d",
                       HTTP_MAX_HEADERS);
        return resp->status;
    }
    return 0;
}

static void endpoint_body_too_large(void *ctx, http_request *req, http_response *resp)
{
    (void)resp;
    endpoint_request *state = req->handler_state;
    reject_too_large(state, req->body_limit);
    (void)ctx;
}

/* Resolves the operation of a Query-protocol call and, when routing needed it, the service. */
static bool resolve_query_call(endpoint_request *state)
{
    aws_call *call = &state->call;
    http_request *req = call->req;
    char err[256];
    const char *type = http_request_header(req, "content-type");
    bool form_body = strcmp(req->method, "POST") == 0 && type &&
                     strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
    bool parsed = form_body ? aws_form_parse(&call->form, req->body.data ? req->body.data : "",
                                             req->body.len, err, sizeof err)
                            : aws_form_parse(&call->form, req->raw_query,
                                             strlen(req->raw_query), err, sizeof err);
    if (!parsed) {
        aws_call_error(call, 400, "MalformedQueryString", "%s", err);
        return false;
    }
    const char *action = aws_form_get(&call->form, "Action");
    if (!state->service)
        apply_service(state, service_by_name(action && sts_is_action(action) ? "sts" : "iam"));
    if (!action || !*action) {
        aws_call_error(call, 400, "MissingAction", "Missing Action parameter");
        return false;
    }
    size_t action_len = strlen(action);
    bool action_ok = action_len < sizeof call->operation;
    for (size_t i = 0; action_ok && i < action_len; i++)
        action_ok = isalnum((unsigned char)action[i]);
    if (!action_ok) {
        aws_call_error(call, 400, "InvalidAction",
                       "Action must be an operation name of letters and digits, such as GetCallerIdentity");
        return false;
    }
    snprintf(call->operation, sizeof call->operation, "%s", action);
    return true;
}

static bool resolve_json_call(endpoint_request *state)
{
    aws_call *call = &state->call;
    const char *target = http_request_header(call->req, "x-amz-target");
    size_t prefix = strlen(ATHENA_TARGET_PREFIX);
    if (!target || strncmp(target, ATHENA_TARGET_PREFIX, prefix) != 0 ||
        strlen(target + prefix) == 0 || strlen(target + prefix) >= sizeof call->operation) {
        aws_call_error(call, 400, "UnknownOperationException",
                       "X-Amz-Target must name an operation as AmazonAthena.<Operation>");
        return false;
    }
    snprintf(call->operation, sizeof call->operation, "%s", target + prefix);
    return true;
}

static void endpoint_finish(void *ctx, http_request *req, http_response *resp)
{
    owl_endpoint *endpoint = ctx;
    endpoint_request *state = req->handler_state;
    aws_call *call = &state->call;
    (void)resp;

    if (!state->service || state->service->protocol == AWS_PROTOCOL_QUERY) {
        if (!resolve_query_call(state))
            return;
    } else if (state->service->protocol == AWS_PROTOCOL_JSON) {
        if (!resolve_json_call(state))
            return;
    }

    if (!state->authenticated && !endpoint_authenticate(endpoint, state))
        return;

    state->service->handle(call);
}

static void endpoint_done(void *ctx, http_request *req, int status)
{
    (void)ctx;
    endpoint_request *state = req->handler_state;
    if (!state)
        return;
    aws_call *call = &state->call;
    char principal[256], operation[80], error[80], path[160], region[80];
    owl_log_info("event=request request_id=%s remote=%s method=%s path=%s service=%s operation=%s "
                 "region=%s account=%s principal=%s status=%d error=%s duration_ms=%" PRId64,
                 req->request_id, req->remote_addr[0] ? req->remote_addr : "-", req->method,
                 owl_log_quote(path, sizeof path, req->raw_path),
                 call->service[0] ? call->service : "-",
                 call->operation[0] ? owl_log_quote(operation, sizeof operation, call->operation) : "-",
                 owl_log_quote(region, sizeof region, call->region),
                 state->identity.account_id[0] ? state->identity.account_id : "-",
                 state->identity.arn[0] ? owl_log_quote(principal, sizeof principal, state->identity.arn)
                                        : "-",
                 status, call->error_code[0] ? owl_log_quote(error, sizeof error, call->error_code) : "-",
                 owl_monotonic_ms() - req->started_ms);
    aws_form_free(&call->form);
    aws_call_free_chunked(call);
    free(state);
    req->handler_state = NULL;
}

owl_endpoint *owl_endpoint_new(owl_store *store, const owl_endpoint_config *config)
{
    owl_endpoint *endpoint = calloc(1, sizeof *endpoint);
    if (!endpoint)
        abort();
    endpoint->store = store;
    endpoint->config = *config;
    return endpoint;
}

void owl_endpoint_free(owl_endpoint *endpoint)
{
    free(endpoint);
}

http_server_handler owl_endpoint_handler(owl_endpoint *endpoint)
{
    http_server_handler handler = {
        .begin = endpoint_begin,
        .body_too_large = endpoint_body_too_large,
        .finish = endpoint_finish,
        .done = endpoint_done,
        .ctx = endpoint,
    };
    return handler;
}
