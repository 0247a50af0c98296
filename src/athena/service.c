/*
 * The Athena service entry point: the state store schema, the operation
 * table, Athena's error shapes and request-body parsing shared by the
 * handlers.
 *
 * Errors follow the JSON 1.1 protocol with Athena's members:
 * {"__type": CODE, "Message": ..., "AthenaErrorCode": ...}. Bad input,
 * missing catalogs and missing work groups are HTTP 400
 * InvalidRequestException with AthenaErrorCode INVALID_INPUT; failures of a
 * catalog's metastore function are HTTP 400 MetadataException.
 */
#include "athena/internal.h"
#include "athena/query.h"

#include "common/log.h"
#include "iam/authorize.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const owl_migration athena_migrations[] = {
    {1, "CREATE TABLE athena_catalogs ("
        "  account_id TEXT NOT NULL,"
        "  region TEXT NOT NULL,"
        "  name TEXT NOT NULL,"
        "  type TEXT NOT NULL,"
        "  description TEXT,"
        "  parameters TEXT NOT NULL,"
        "  tags TEXT NOT NULL,"
        "  created_ms INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, region, name));"
        "CREATE TABLE athena_workgroups ("
        "  account_id TEXT NOT NULL,"
        "  region TEXT NOT NULL,"
        "  name TEXT NOT NULL,"
        "  state TEXT NOT NULL,"
        "  description TEXT,"
        "  configuration TEXT NOT NULL,"
        "  tags TEXT NOT NULL,"
        "  created_ms INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, region, name));"},
    {2, ATHENA_QUERY_MIGRATION_SQL},
    {3, "ALTER TABLE athena_query_executions ADD COLUMN execution_parameters TEXT;"},
};

const owl_schema owl_athena_schema = {
    .module = "athena",
    .migrations = athena_migrations,
    .count = sizeof athena_migrations / sizeof athena_migrations[0],
};

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

static void athena_verror(aws_call *call, int status, const char *code,
                          const char *athena_error_code, const char *fmt, va_list ap)
{
    owl_buf message = OWL_BUF_INIT;
    owl_buf_vprintf(&message, fmt, ap);
    snprintf(call->error_code, sizeof call->error_code, "%s", code);

    json_t *error = json_pack("{s:s, s:s}", "__type", code, "Message", message.data);
    if (athena_error_code)
        json_object_set_new(error, "AthenaErrorCode", json_string(athena_error_code));
    char *text = json_dumps(error, JSON_COMPACT);
    http_response_set_body(call->resp, status, "application/x-amz-json-1.1", text ? text : "{}",
                           text ? strlen(text) : 2);
    free(text);
    json_decref(error);
    owl_buf_free(&message);
}

void athena_error_invalid(aws_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    athena_verror(call, 400, "InvalidRequestException", "INVALID_INPUT", fmt, ap);
    va_end(ap);
}

void athena_error_metadata(aws_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    athena_verror(call, 400, "MetadataException", NULL, fmt, ap);
    va_end(ap);

    /* A metastore or function failure is worth a log line of its own: the
     * request log shows only the error code. */
    json_t *error = json_loadb(call->resp->body.data, call->resp->body.len, 0, NULL);
    const char *message = json_string_value(json_object_get(error, "Message"));
    char quoted[1200];
    owl_log_warn("event=athena_metadata_failed request_id=%s operation=%s principal=%s "
                 "message=%s",
                 call->req->request_id, call->operation, call->identity->arn,
                 owl_log_quote(quoted, sizeof quoted, message ? message : ""));
    json_decref(error);
}

void athena_error_not_found(aws_call *call, const char *resource_name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    athena_verror(call, 400, "ResourceNotFoundException", NULL, fmt, ap);
    va_end(ap);

    /* Add ResourceName to the body just written. */
    json_t *error = json_loadb(call->resp->body.data, call->resp->body.len, 0, NULL);
    json_object_set_new(error, "ResourceName", json_string(resource_name));
    char *text = json_dumps(error, JSON_COMPACT);
    if (text)
        http_response_set_body(call->resp, 400, "application/x-amz-json-1.1", text,
                               strlen(text));
    free(text);
    json_decref(error);
}

void athena_error_store(aws_call *call)
{
    owl_log_error("event=athena_store_failed request_id=%s operation=%s account=%s region=%s",
                  call->req->request_id, call->operation, call->identity->account_id,
                  call->region);
    aws_call_error(call, 500, "InternalServerException",
                   "The Athena state store failed; see owlery's log for the cause and retry");
}

/* ------------------------------------------------------------------------
 * Request parsing
 * ---------------------------------------------------------------------- */

char *athena_strdup(const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        abort();
    return copy;
}

json_t *athena_request_body(aws_call *call)
{
    const owl_buf *body = &call->req->body;
    if (body->len == 0)
        return json_object();
    json_error_t error;
    json_t *value = json_loadb(body->data, body->len, 0, &error);
    if (!json_is_object(value)) {
        json_decref(value);
        aws_call_error(call, 400, "SerializationException",
                       "The request body is not a JSON object: %s", error.text);
        return NULL;
    }
    return value;
}

/* Counts the characters (code points) of UTF-8 text. */
static size_t utf8_length(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

bool athena_body_string(aws_call *call, json_t *body, const char *key, const char *member,
                        size_t min, size_t max, bool required, const char **out)
{
    json_t *value = json_object_get(body, key);
    *out = NULL;
    if (!value || json_is_null(value)) {
        if (!required)
            return true;
        athena_error_invalid(call,
                             "1 validation error detected: Value null at '%s' failed to satisfy "
                             "constraint: Member must not be null",
                             member);
        return false;
    }
    if (!json_is_string(value)) {
        aws_call_error(call, 400, "SerializationException", "%s must be a string", key);
        return false;
    }
    const char *text = json_string_value(value);
    size_t length = utf8_length(text);
    if (length < min || length > max) {
        athena_error_invalid(call,
                             "1 validation error detected: Value '%.300s' at '%s' failed to "
                             "satisfy constraint: Member must have length %s %zu",
                             text, member,
                             length < min ? "greater than or equal to" : "less than or equal to",
                             length < min ? min : max);
        return false;
    }
    *out = text;
    return true;
}

bool athena_body_int(aws_call *call, json_t *body, const char *key, const char *member,
                     json_int_t min, json_int_t max, json_int_t *out)
{
    json_t *value = json_object_get(body, key);
    if (!value || json_is_null(value))
        return true;
    if (!json_is_integer(value)) {
        aws_call_error(call, 400, "SerializationException", "%s must be an integer", key);
        return false;
    }
    json_int_t n = json_integer_value(value);
    if (n < min || n > max) {
        athena_error_invalid(call,
                             "1 validation error detected: Value '%" JSON_INTEGER_FORMAT
                             "' at '%s' failed to satisfy constraint: Member must have value %s "
                             "%" JSON_INTEGER_FORMAT,
                             n, member,
                             n < min ? "greater than or equal to" : "less than or equal to",
                             n < min ? min : max);
        return false;
    }
    *out = n;
    return true;
}

json_t *athena_body_tags(aws_call *call, json_t *body)
{
    json_t *list = json_object_get(body, "Tags");
    json_t *tags = json_object();
    if (!list || json_is_null(list))
        return tags;
    if (!json_is_array(list)) {
        json_decref(tags);
        aws_call_error(call, 400, "SerializationException", "Tags must be a list of {Key, Value}");
        return NULL;
    }
    size_t i;
    json_t *tag;
    json_array_foreach(list, i, tag) {
        const char *key, *value;
        if (!json_is_object(tag) ||
            !athena_body_string(call, tag, "Key", "tags.member.key", 1, 128, true, &key) ||
            !athena_body_string(call, tag, "Value", "tags.member.value", 0, 256, false, &value)) {
            json_decref(tags);
            if (!json_is_object(tag))
                aws_call_error(call, 400, "SerializationException",
                               "Tags must be a list of {Key, Value}");
            return NULL;
        }
        json_object_set_new(tags, key, json_string(value ? value : ""));
    }
    if (json_object_size(tags) > 50) {
        json_decref(tags);
        athena_error_invalid(call, "A resource may have at most 50 tags");
        return NULL;
    }
    return tags;
}

/* ------------------------------------------------------------------------
 * Authorization
 * ---------------------------------------------------------------------- */

void athena_resource_arn(char *out, size_t outlen, const char *region, const char *account_id,
                         const char *kind, const char *name)
{
    snprintf(out, outlen, "arn:aws:athena:%s:%s:%s/%s", region, account_id, kind, name);
}

bool athena_authorize(aws_call *call, const char *action, const char *kind, const char *name)
{
    char arn[ATHENA_ARN_MAX];
    athena_resource_arn(arn, sizeof arn, call->region, call->identity->account_id, kind, name);
    iam_resource resource = {.arn = arn, .account_id = call->identity->account_id};
    if (iam_authorize(call, action, &resource, "AccessDeniedException"))
        return true;
    /* Athena sends AccessDeniedException with HTTP 400, not 403. */
    call->resp->status = 400;
    return false;
}

/* ------------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------- */

typedef struct athena_operation {
    const char *name;
    void (*handle)(aws_call *call);
} athena_operation;

static const athena_operation operations[] = {
    {"CreateDataCatalog", athena_create_data_catalog},
    {"GetDataCatalog", athena_get_data_catalog},
    {"ListDataCatalogs", athena_list_data_catalogs},
    {"UpdateDataCatalog", athena_update_data_catalog},
    {"DeleteDataCatalog", athena_delete_data_catalog},
    {"ListDatabases", athena_list_databases},
    {"GetDatabase", athena_get_database},
    {"ListTableMetadata", athena_list_table_metadata},
    {"GetTableMetadata", athena_get_table_metadata},
    {"CreateWorkGroup", athena_create_work_group},
    {"GetWorkGroup", athena_get_work_group},
    {"ListWorkGroups", athena_list_work_groups},
    {"UpdateWorkGroup", athena_update_work_group},
    {"DeleteWorkGroup", athena_delete_work_group},
    {"TagResource", athena_tag_resource},
    {"UntagResource", athena_untag_resource},
    {"ListTagsForResource", athena_list_tags_for_resource},
    {"StartQueryExecution", athena_start_query_execution},
    {"GetQueryExecution", athena_get_query_execution},
    {"BatchGetQueryExecution", athena_batch_get_query_execution},
    {"ListQueryExecutions", athena_list_query_executions},
    {"GetQueryResults", athena_get_query_results},
    {"StopQueryExecution", athena_stop_query_execution},
    {"GetQueryRuntimeStatistics", athena_get_query_runtime_statistics},
};

void athena_handle(aws_call *call)
{
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++) {
        if (strcmp(operations[i].name, call->operation) == 0) {
            operations[i].handle(call);
            return;
        }
    }
    aws_call_error(call, 400, "UnknownOperationException",
                   "Athena operation %.64s is not supported by this owlery build", call->operation);
}
