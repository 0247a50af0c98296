/*
 * Routing of Lambda API calls by method and path (the requestUri templates
 * of the 2015-03-31 service model), and the runtime's start and stop.
 */
#include "lambda/api.h"

#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUNCTIONS_PREFIX "/2015-03-31/functions"

/* Percent-decodes one path segment [start, start+len); NULL when malformed or empty. */
static char *decode_segment(const char *start, size_t len)
{
    if (len == 0)
        return NULL;
    size_t out_len;
    char *decoded = owl_percent_decode(start, len, false, &out_len);
    if (decoded && out_len != strlen(decoded)) {
        free(decoded);
        return NULL;
    }
    return decoded;
}

static void set_operation(aws_call *call, const char *operation)
{
    snprintf(call->operation, sizeof call->operation, "%s", operation);
}

/* Routes /2015-03-31/functions/NAME[/SUB[/ID]]; rest points after "functions/". */
static void route_function(aws_call *call, const char *method, const char *rest)
{
    size_t name_len = strcspn(rest, "/");
    char *name = decode_segment(rest, name_len);
    if (!name) {
        aws_call_error(call, 400, "ValidationException", "The function name in the path is empty or malformed");
        return;
    }
    const char *sub = rest[name_len] == '/' ? rest + name_len + 1 : NULL;
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    bool put = strcmp(method, "PUT") == 0, del = strcmp(method, "DELETE") == 0;

    if (!sub || *sub == '\0') {
        if (get) {
            set_operation(call, "GetFunction");
            lambda_get_function(call, name);
        } else if (del) {
            set_operation(call, "DeleteFunction");
            lambda_delete_function(call, name);
        } else {
            goto unknown;
        }
    } else if (strcmp(sub, "configuration") == 0 && (get || put)) {
        set_operation(call, get ? "GetFunctionConfiguration" : "UpdateFunctionConfiguration");
        if (get)
            lambda_get_function_configuration(call, name);
        else
            lambda_update_function_configuration(call, name);
    } else if (strcmp(sub, "code") == 0 && put) {
        set_operation(call, "UpdateFunctionCode");
        lambda_update_function_code(call, name);
    } else if (strcmp(sub, "versions") == 0 && (get || post)) {
        set_operation(call, get ? "ListVersionsByFunction" : "PublishVersion");
        if (get)
            lambda_list_versions(call, name);
        else
            lambda_publish_version(call, name);
    } else if (strcmp(sub, "invocations") == 0 && post) {
        set_operation(call, "Invoke");
        lambda_invoke(call, name);
    } else if (strcmp(sub, "policy") == 0 && (get || post)) {
        set_operation(call, get ? "GetPolicy" : "AddPermission");
        if (get)
            lambda_get_policy(call, name);
        else
            lambda_add_permission(call, name);
    } else if (strncmp(sub, "policy/", 7) == 0 && del) {
        set_operation(call, "RemovePermission");
        char *statement_id = decode_segment(sub + 7, strlen(sub + 7));
        if (!statement_id || strchr(statement_id, '/'))
            aws_call_error(call, 400, "ValidationException", "The statement id in the path is empty or malformed");
        else
            lambda_remove_permission(call, name, statement_id);
        free(statement_id);
    } else {
        goto unknown;
    }
    free(name);
    return;
unknown:
    free(name);
    aws_call_error(call, 404, "UnknownOperationException",
                   "No Lambda operation matches %s %.200s", method, call->req->raw_path);
}

void lambda_handle(aws_call *call)
{
    http_request *req = call->req;
    char err[256];
    aws_form_free(&call->form);
    if (!aws_form_parse(&call->form, req->raw_query, strlen(req->raw_query), err, sizeof err)) {
        aws_call_error(call, 400, "ValidationException", "Invalid query string: %s", err);
        return;
    }

    const char *path = req->raw_path;
    size_t prefix = strlen(FUNCTIONS_PREFIX);
    if (strncmp(path, FUNCTIONS_PREFIX, prefix) != 0 || (path[prefix] != '\0' && path[prefix] != '/')) {
        aws_call_error(call, 404, "UnknownOperationException",
                       "No Lambda operation matches %s %.200s", req->method, path);
        return;
    }
    const char *rest = path + prefix;
    if (*rest == '/')
        rest++;
    if (*rest == '\0') {
        if (strcmp(req->method, "POST") == 0) {
            set_operation(call, "CreateFunction");
            lambda_create_function(call);
        } else if (strcmp(req->method, "GET") == 0) {
            set_operation(call, "ListFunctions");
            lambda_list_functions(call);
        } else {
            aws_call_error(call, 404, "UnknownOperationException",
                           "No Lambda operation matches %s %.200s", req->method, path);
        }
        return;
    }
    route_function(call, req->method, rest);
}

bool lambda_service_start(owl_store *store, const char *endpoint_url, char *err, size_t errlen)
{
    if (!lambda_runtime_start(store, endpoint_url, err, errlen))
        return false;
    if (!lambda_event_start(err, errlen)) {
        lambda_runtime_stop();
        return false;
    }
    return true;
}

void lambda_service_stop(void)
{
    /* The runtime first: it fails running invocations, so the Event workers finish at once. */
    lambda_runtime_stop();
    lambda_event_stop();
}
