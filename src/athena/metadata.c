/*
 * Metadata operations on HIVE data catalogs: ListDatabases, GetDatabase,
 * ListTableMetadata and GetTableMetadata. Each one invokes the catalog's
 * metadata-function as the caller, speaking the metastore function protocol
 * of the reference connector (aws-samples/aws-athena-hive-metastore):
 *
 *   request  {"requestContext": {"id", "principal", "account"},
 *             "apiName": NAME, "apiRequest": {...}}
 *   response {"apiName": NAME, "spilled": false, "spillPath": null,
 *             "apiResponse": {...}}
 *
 *   apiName        apiRequest                            apiResponse
 *   listDatabases  {filter, nextToken, maxSize}           {databases: [TJSON], nextToken}
 *   getDatabase    {dbName}                               {database: TJSON}
 *   listTables     {dbName, filter, nextToken, maxSize}   {tables: [TJSON], nextToken}
 *   getTable       {dbName, tableName}                    {tableDesc: TJSON}
 *
 * A spilled response ("spilled": true) is the same apiResponse, serialized,
 * in the S3 object named by spillPath. Every failure is a MetadataException
 * that names the catalog, the function and the cause.
 */
#include "athena/internal.h"

#include "common/util.h"
#include "lambda/lambda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_DEFAULT 50
#define PAGE_MAX 50

/* The catalog a metadata call reads, and the function that serves it. */
typedef struct metadata_source {
    athena_catalog catalog;
    char function_arn[ATHENA_ARN_MAX];
    int64_t cache_ttl_ms;
} metadata_source;

/*
 * Authorizes action on the catalog CatalogName and loads it. Returns false
 * after an error reply. On true the caller frees source->catalog.
 */
static bool source_open(aws_call *call, json_t *body, const char *action,
                        metadata_source *source)
{
    const char *name;
    if (!athena_body_string(call, body, "CatalogName", "catalogName", 1, 256, true, &name))
        return false;
    if (!athena_authorize(call, action, "datacatalog", name))
        return false;
    if (!athena_catalog_for_metadata(call, name, &source->catalog))
        return false;

    const athena_catalog *catalog = &source->catalog;
    const char *function = json_string_value(json_object_get(catalog->parameters,
                                                             "metadata-function"));
    if (!function || !athena_function_resolve(function, catalog->region, catalog->account_id,
                                              source->function_arn,
                                              sizeof source->function_arn)) {
        athena_error_metadata(call, "Data catalog %s has no valid metadata-function: %s",
                              catalog->name, function ? function : "(missing)");
        athena_catalog_free(&source->catalog);
        return false;
    }
    const char *ttl = json_string_value(json_object_get(catalog->parameters,
                                                        ATHENA_CACHE_TTL_PARAMETER));
    source->cache_ttl_ms = ttl ? strtoll(ttl, NULL, 10) * 1000 : 0;
    return true;
}

/* Reads the function error document {errorType, errorMessage} for a message. */
static void describe_function_error(const char *payload, size_t len, owl_buf *out)
{
    json_t *error = json_loadb(payload, len, 0, NULL);
    const char *type = json_string_value(json_object_get(error, "errorType"));
    const char *message = json_string_value(json_object_get(error, "errorMessage"));
    if (type || message)
        owl_buf_printf(out, "%s: %s", type ? type : "Error", message ? message : "");
    else
        owl_buf_printf(out, "%.1000s", payload);
    json_decref(error);
}

/*
 * Returns the apiResponse object of one function response (a new
 * reference), reading a spilled one from S3. NULL after an error reply.
 */
static json_t *response_body(aws_call *call, const metadata_source *source, const char *api_name,
                             const char *payload, size_t len)
{
    const char *catalog = source->catalog.name, *function = source->function_arn;
    json_error_t error;
    json_t *response = json_loadb(payload, len, 0, &error);
    if (!json_is_object(response)) {
        athena_error_metadata(call,
                              "The metadata function %s of data catalog %s returned a response "
                              "that is not a JSON object: %s",
                              function, catalog, response ? "wrong type" : error.text);
        json_decref(response);
        return NULL;
    }

    json_t *body = NULL;
    if (json_is_true(json_object_get(response, "spilled"))) {
        const char *path = json_string_value(json_object_get(response, "spillPath"));
        owl_buf spilled = OWL_BUF_INIT;
        char err[512];
        if (!path) {
            athena_error_metadata(call,
                                  "The metadata function %s of data catalog %s spilled its %s "
                                  "response without a spillPath",
                                  function, catalog, api_name);
        } else if (!athena_spill_read(call, path, &spilled, err, sizeof err)) {
            athena_error_metadata(call,
                                  "Cannot read the %s response of data catalog %s spilled by "
                                  "the metadata function %s to %s: %s",
                                  api_name, catalog, function, path, err);
        } else {
            /* json_is_object() evaluates its argument twice, so parse first. */
            body = json_loadb(spilled.data, spilled.len, 0, &error);
            if (!json_is_object(body)) {
                athena_error_metadata(call,
                                      "The spilled %s response at %s of data catalog %s is not "
                                      "a JSON object",
                                      api_name, path, catalog);
                json_decref(body);
                body = NULL;
            }
        }
        owl_buf_free(&spilled);
    } else {
        body = json_object_get(response, "apiResponse");
        if (json_is_object(body))
            json_incref(body);
        else {
            athena_error_metadata(call,
                                  "The metadata function %s of data catalog %s returned no "
                                  "apiResponse object for %s",
                                  function, catalog, api_name);
            body = NULL;
        }
    }
    json_decref(response);
    return body;
}

/*
 * Invokes the catalog's function with api_name and api_request (borrowed)
 * as the caller, or takes the apiResponse from the cache. Returns it (a new
 * reference), or NULL after an error reply.
 */
static json_t *source_call(aws_call *call, const metadata_source *source, const char *api_name,
                           json_t *api_request)
{
    const iam_identity *caller = call->identity;
    char *request_text = json_dumps(api_request, JSON_COMPACT);
    owl_buf key = OWL_BUF_INIT;
    owl_buf_printf(&key, "%s\n%s:%s:%s\n%s\n%s\n%s", caller->arn, source->catalog.account_id,
                   source->catalog.region, source->catalog.name, source->function_arn, api_name,
                   request_text ? request_text : "");
    free(request_text);

    int64_t now = owl_monotonic_ms();
    json_t *body = NULL;
    char *cached = source->cache_ttl_ms > 0 ? athena_cache_get(key.data, now) : NULL;
    if (cached) {
        body = json_loads(cached, 0, NULL);
        free(cached);
        if (body)
            goto out;
    }

    char request_id[37];
    owl_uuid(request_id);
    json_t *envelope = json_pack("{s:{s:s, s:s, s:s}, s:s, s:O}", "requestContext", "id",
                                 request_id, "principal", caller->arn, "account",
                                 caller->account_id, "apiName", api_name, "apiRequest",
                                 api_request);
    char *payload = json_dumps(envelope, JSON_COMPACT);
    json_decref(envelope);

    lambda_caller_result result;
    athena_function_invoke(call, source->function_arn, payload, strlen(payload), &result);
    free(payload);
    owl_buf cause = OWL_BUF_INIT;
    switch (result.status) {
    case LAMBDA_CALLER_REJECTED:
        athena_error_metadata(call,
                              "Cannot invoke the metadata function %s of data catalog %s: %s: %s",
                              source->function_arn, source->catalog.name, result.error_code,
                              result.message);
        break;
    case LAMBDA_CALLER_FUNCTION_ERROR:
        describe_function_error(result.payload, result.payload_len, &cause);
        athena_error_metadata(call,
                              "The metadata function %s of data catalog %s failed on %s: %s",
                              source->function_arn, source->catalog.name, api_name, cause.data);
        break;
    case LAMBDA_CALLER_SUCCESS:
        body = response_body(call, source, api_name, result.payload, result.payload_len);
        break;
    }
    owl_buf_free(&cause);
    lambda_caller_result_free(&result);

    if (body && source->cache_ttl_ms > 0) {
        char *text = json_dumps(body, JSON_COMPACT);
        athena_cache_put(key.data, text, now, source->cache_ttl_ms);
        free(text);
    }
out:
    owl_buf_free(&key);
    return body;
}

/* Replies MetadataException for a metastore struct that cannot be decoded. */
static void reply_bad_struct(aws_call *call, const metadata_source *source, const char *api_name,
                             const char *err)
{
    athena_error_metadata(call,
                          "The metadata function %s of data catalog %s returned an invalid %s "
                          "response: %s",
                          source->function_arn, source->catalog.name, api_name, err);
}

/* Reads MaxResults (1-50) and NextToken. Returns false after an error reply. */
static bool page_parameters(aws_call *call, json_t *body, json_int_t *max, const char **token)
{
    *max = PAGE_DEFAULT;
    return athena_body_int(call, body, "MaxResults", "maxResults", 1, PAGE_MAX, max) &&
           athena_body_string(call, body, "NextToken", "nextToken", 1, 1024, false, token);
}

/* Copies a non-empty string nextToken of apiResponse into result as NextToken. */
static void copy_next_token(json_t *result, json_t *api_response)
{
    const char *next = json_string_value(json_object_get(api_response, "nextToken"));
    if (next && *next)
        json_object_set_new(result, "NextToken", json_string(next));
}

/* ------------------------------------------------------------------------
 * Operations
 * ---------------------------------------------------------------------- */

void athena_list_databases(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    metadata_source source;
    if (!source_open(call, body, "athena:ListDatabases", &source))
        goto out;
    json_int_t max;
    const char *token;
    if (!page_parameters(call, body, &max, &token))
        goto close;

    json_t *request = json_pack("{s:I}", "maxSize", (json_int_t)max);
    if (token)
        json_object_set_new(request, "nextToken", json_string(token));
    json_t *response = source_call(call, &source, "listDatabases", request);
    json_decref(request);
    if (!response)
        goto close;

    json_t *databases = json_array();
    json_t *list = json_object_get(response, "databases");
    size_t i;
    json_t *item;
    char err[512];
    json_array_foreach(list, i, item) {
        json_t *database = json_is_string(item)
                               ? athena_hive_database(json_string_value(item),
                                                      json_string_length(item), err, sizeof err)
                               : (snprintf(err, sizeof err, "databases[%zu] is not a string", i),
                                  NULL);
        if (!database) {
            reply_bad_struct(call, &source, "listDatabases", err);
            json_decref(databases);
            json_decref(response);
            goto close;
        }
        json_array_append_new(databases, database);
    }
    json_t *result = json_pack("{s:o}", "DatabaseList", databases);
    copy_next_token(result, response);
    json_decref(response);
    aws_call_json_result(call, 200, result);
close:
    athena_catalog_free(&source.catalog);
out:
    json_decref(body);
}

void athena_get_database(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    metadata_source source;
    if (!source_open(call, body, "athena:GetDatabase", &source))
        goto out;
    const char *database_name;
    if (!athena_body_string(call, body, "DatabaseName", "databaseName", 1, 128, true,
                            &database_name))
        goto close;

    json_t *request = json_pack("{s:s}", "dbName", database_name);
    json_t *response = source_call(call, &source, "getDatabase", request);
    json_decref(request);
    if (!response)
        goto close;

    json_t *text = json_object_get(response, "database");
    char err[512];
    json_t *database = NULL;
    if (!json_is_string(text))
        athena_error_metadata(call, "Database %s was not found in data catalog %s",
                              database_name, source.catalog.name);
    else if (!(database = athena_hive_database(json_string_value(text), json_string_length(text),
                                               err, sizeof err)))
        reply_bad_struct(call, &source, "getDatabase", err);
    else
        aws_call_json_result(call, 200, json_pack("{s:o}", "Database", database));
    json_decref(response);
close:
    athena_catalog_free(&source.catalog);
out:
    json_decref(body);
}

void athena_list_table_metadata(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    metadata_source source;
    if (!source_open(call, body, "athena:ListTableMetadata", &source))
        goto out;
    const char *database_name, *expression, *token;
    json_int_t max;
    if (!athena_body_string(call, body, "DatabaseName", "databaseName", 1, 128, true,
                            &database_name) ||
        !athena_body_string(call, body, "Expression", "expression", 0, 256, false, &expression) ||
        !page_parameters(call, body, &max, &token))
        goto close;

    /* The function filters with the metastore's pattern rules, which are the
     * rules of athena_expression_match. Filtering again here keeps the result
     * right for functions that ignore the filter. */
    json_t *request = json_pack("{s:s, s:I}", "dbName", database_name, "maxSize",
                                (json_int_t)max);
    if (expression && *expression)
        json_object_set_new(request, "filter", json_string(expression));
    if (token)
        json_object_set_new(request, "nextToken", json_string(token));
    json_t *response = source_call(call, &source, "listTables", request);
    json_decref(request);
    if (!response)
        goto close;

    json_t *tables = json_array();
    json_t *list = json_object_get(response, "tables");
    size_t i;
    json_t *item;
    char err[512];
    json_array_foreach(list, i, item) {
        json_t *table = json_is_string(item)
                            ? athena_hive_table(json_string_value(item), json_string_length(item),
                                                err, sizeof err)
                            : (snprintf(err, sizeof err, "tables[%zu] is not a string", i), NULL);
        if (!table) {
            reply_bad_struct(call, &source, "listTables", err);
            json_decref(tables);
            json_decref(response);
            goto close;
        }
        const char *name = json_string_value(json_object_get(table, "Name"));
        if (athena_expression_match(expression, name))
            json_array_append_new(tables, table);
        else
            json_decref(table);
    }
    json_t *result = json_pack("{s:o}", "TableMetadataList", tables);
    copy_next_token(result, response);
    json_decref(response);
    aws_call_json_result(call, 200, result);
close:
    athena_catalog_free(&source.catalog);
out:
    json_decref(body);
}

void athena_get_table_metadata(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    metadata_source source;
    if (!source_open(call, body, "athena:GetTableMetadata", &source))
        goto out;
    const char *database_name, *table_name;
    if (!athena_body_string(call, body, "DatabaseName", "databaseName", 1, 128, true,
                            &database_name) ||
        !athena_body_string(call, body, "TableName", "tableName", 1, 128, true, &table_name))
        goto close;

    json_t *request = json_pack("{s:s, s:s}", "dbName", database_name, "tableName", table_name);
    json_t *response = source_call(call, &source, "getTable", request);
    json_decref(request);
    if (!response)
        goto close;

    json_t *text = json_object_get(response, "tableDesc");
    char err[512];
    json_t *table = NULL;
    if (!json_is_string(text))
        athena_error_metadata(call, "Table %s.%s was not found in data catalog %s",
                              database_name, table_name, source.catalog.name);
    else if (!(table = athena_hive_table(json_string_value(text), json_string_length(text), err,
                                         sizeof err)))
        reply_bad_struct(call, &source, "getTable", err);
    else
        aws_call_json_result(call, 200, json_pack("{s:o}", "TableMetadata", table));
    json_decref(response);
close:
    athena_catalog_free(&source.catalog);
out:
    json_decref(body);
}
