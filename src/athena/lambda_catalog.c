/*
 * LAMBDA data catalogs: metadata through a function written with the
 * Athena Query Federation SDK (awslabs/aws-athena-query-federation, JSON
 * serialization of SDK v2 and later). Requests and responses are JSON
 * objects whose "@type" names the class:
 *
 *   ListSchemasRequest {identity, queryId, catalogName}
 *     -> ListSchemasResponse {catalogName, schemas: [NAME]}
 *   ListTablesRequest {identity, queryId, catalogName, schemaName, nextToken, pageSize}
 *     -> ListTablesResponse {catalogName, tables: [{schemaName, tableName}], nextToken}
 *
 * identity is the caller {id, principal, account, arn, tags, groups}. The
 * function is invoked as the caller, like a HIVE catalog's function.
 *
 * This file translates four metastore apiNames of metastore.c to those
 * requests, and the responses back to the HIVE shape. Database structs and
 * the tables of listTables carry names only, and getTable adds the columns:
 *   listDatabases  ListSchemasRequest, paged here because the response has no pages
 *   getDatabase    ListSchemasRequest, then a lookup of the schema
 *   listTables     ListTablesRequest
 *   getTable       GetTableRequest {.., tableName: {schemaName, tableName}}
 *                  -> GetTableResponse {schema: base64 Arrow IPC message,
 *                     partitionColumns: [NAME]}, decoded by arrow_schema.c
 * Other apiNames (partitions, writes) are rejected: queries and DDL do not
 * run on LAMBDA catalogs.
 */
#include "athena/internal.h"

#include "common/util.h"
#include "connector/connector.h"
#include "lambda/lambda.h"
#include "thrift/protocol.h"

#include <limits.h>
#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Builds the request fields every MetadataRequest carries. */
static json_t *federation_request(aws_call *call, const athena_metastore *metastore,
                                  const char *type)
{
    const iam_identity *caller = call->identity;
    char query_id[37];
    owl_uuid(query_id);
    return json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:{}, s:[]}, s:s, s:s}", "@type", type,
                     "identity", "id", caller->arn, "principal", caller->arn, "account",
                     caller->account_id, "arn", caller->arn, "tags", "groups", "queryId",
                     query_id, "catalogName", metastore->catalog.name);
}

/* Replies MetadataException for a response that does not have the expected shape. */
static void reply_invalid(aws_call *call, const athena_metastore *metastore, const char *type,
                          const char *reason)
{
    athena_error_metadata(call,
                          "The metadata function %s of data catalog %s returned an invalid %s: "
                          "%s",
                          metastore->function_arn, metastore->catalog.name, type, reason);
}

/*
 * Invokes the function with request (taken) as the caller and returns the
 * response object (a new reference) whose "@type" is response_type, or
 * NULL after an error reply.
 */
static json_t *federation_invoke(aws_call *call, const athena_metastore *metastore,
                                 json_t *request, const char *response_type)
{
    const char *request_type = json_string_value(json_object_get(request, "@type"));
    char operation[64];
    snprintf(operation, sizeof operation, "%s", request_type);
    char *payload = json_dumps(request, JSON_COMPACT);
    json_decref(request);

    lambda_caller_result result;
    bool ran = athena_metastore_invoke(call, metastore, operation, payload, &result);
    free(payload);
    if (!ran)
        return NULL;

    json_error_t error;
    json_t *response = json_loadb(result.payload, result.payload_len, 0, &error);
    lambda_caller_result_free(&result);
    const char *type = json_string_value(json_object_get(response, "@type"));
    if (!json_is_object(response)) {
        reply_invalid(call, metastore, response_type, response ? "not a JSON object" : error.text);
    } else if (!type || strcmp(type, response_type) != 0) {
        char reason[160];
        snprintf(reason, sizeof reason, "\"@type\" is \"%.64s\"", type ? type : "(missing)");
        reply_invalid(call, metastore, response_type, reason);
    } else {
        return response;
    }
    json_decref(response);
    return NULL;
}

/* Returns the TJSONProtocol text of struct v (freed here) as a JSON string, or NULL. */
static json_t *tjson_string(thrift_value *v)
{
    owl_buf out = OWL_BUF_INIT;
    thrift_error error;
    json_t *text = NULL;
    if (thrift_encode_struct(THRIFT_PROTOCOL_JSON, v, &out, &error))
        text = json_stringn(out.data, out.len);
    owl_buf_free(&out);
    thrift_value_free(v);
    return text;
}

/* A Hive Database struct with only its name (field 1). */
static json_t *database_tjson(const char *name)
{
    thrift_value *database = thrift_value_new_struct();
    thrift_struct_set(database, 1, thrift_value_new_cstring(name));
    return tjson_string(database);
}

/* A Hive Table struct with only its name (field 1) and database (field 2). */
static json_t *table_tjson(const char *database, const char *name)
{
    thrift_value *table = thrift_value_new_struct();
    thrift_struct_set(table, 1, thrift_value_new_cstring(name));
    thrift_struct_set(table, 2, thrift_value_new_cstring(database));
    return tjson_string(table);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Lists the schemas of the catalog, sorted, into *out (a new JSON array of
 * strings). Returns false after an error reply.
 */
static bool list_schemas(aws_call *call, const athena_metastore *metastore, json_t **out)
{
    json_t *response = federation_invoke(
        call, metastore, federation_request(call, metastore, "ListSchemasRequest"),
        "ListSchemasResponse");
    if (!response)
        return false;
    json_t *schemas = json_object_get(response, "schemas");
    size_t count = json_array_size(schemas);
    const char **names = calloc(count ? count : 1, sizeof *names);
    if (!names)
        abort();
    bool ok = json_is_array(schemas);
    for (size_t i = 0; ok && i < count; i++) {
        names[i] = json_string_value(json_array_get(schemas, i));
        ok = names[i] && *names[i];
    }
    if (!ok) {
        reply_invalid(call, metastore, "ListSchemasResponse",
                      "schemas must be an array of non-empty strings");
    } else {
        qsort(names, count, sizeof *names, compare_strings);
        *out = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(*out, json_string(names[i]));
    }
    free(names);
    json_decref(response);
    return ok;
}

/* listDatabases {nextToken, maxSize} -> {databases: [TJSON], nextToken}. */
static json_t *list_databases(aws_call *call, const athena_metastore *metastore,
                              json_t *api_request)
{
    const char *token = json_string_value(json_object_get(api_request, "nextToken"));
    json_int_t max = json_integer_value(json_object_get(api_request, "maxSize"));
    char *after = NULL;
    if (token && *token) {
        connector_error error;
        if (!(after = connector_token_decode(token, &error))) {
            athena_error_invalid(call, "Invalid NextToken for data catalog %s: %s",
                                 metastore->catalog.name, error.message);
            return NULL;
        }
    }
    json_t *schemas;
    if (!list_schemas(call, metastore, &schemas)) {
        free(after);
        return NULL;
    }

    json_t *databases = json_array();
    json_t *next = json_null();
    size_t i;
    json_t *schema;
    json_array_foreach(schemas, i, schema) {
        const char *name = json_string_value(schema);
        if (after && strcmp(name, after) <= 0)
            continue;
        if (max > 0 && (json_int_t)json_array_size(databases) == max) {
            const char *last = json_string_value(json_array_get(schemas, i - 1));
            char *encoded = connector_token_encode(last, strlen(last));
            next = json_string(encoded);
            free(encoded);
            break;
        }
        json_array_append_new(databases, database_tjson(name));
    }
    free(after);
    json_decref(schemas);
    return json_pack("{s:o, s:o}", "databases", databases, "nextToken", next);
}

/* getDatabase {dbName} -> {database: TJSON}, when the function lists the schema. */
static json_t *get_database(aws_call *call, const athena_metastore *metastore,
                            json_t *api_request)
{
    const char *database = json_string_value(json_object_get(api_request, "dbName"));
    json_t *schemas;
    if (!database || !list_schemas(call, metastore, &schemas))
        return NULL;
    json_t *found = NULL;
    size_t i;
    json_t *schema;
    json_array_foreach(schemas, i, schema) {
        if (strcasecmp(json_string_value(schema), database) == 0) {
            found = schema;
            break;
        }
    }
    json_t *response = NULL;
    if (found)
        response = json_pack("{s:o}", "database", database_tjson(json_string_value(found)));
    else
        athena_error_metadata(call, "Database %s was not found in data catalog %s", database,
                              metastore->catalog.name);
    json_decref(schemas);
    return response;
}

/* listTables {dbName, nextToken, maxSize} -> {tables: [TJSON], nextToken}. */
static json_t *list_tables(aws_call *call, const athena_metastore *metastore, json_t *api_request)
{
    const char *database = json_string_value(json_object_get(api_request, "dbName"));
    json_t *token = json_object_get(api_request, "nextToken");
    json_t *max = json_object_get(api_request, "maxSize");
    json_t *request = federation_request(call, metastore, "ListTablesRequest");
    json_object_set_new(request, "schemaName", json_string(database ? database : ""));
    json_object_set_new(request, "nextToken", json_is_string(token) ? json_copy(token)
                                                                      : json_null());
    json_object_set_new(request, "pageSize",
                        json_integer(json_is_integer(max) ? json_integer_value(max) : -1));
    json_t *response = federation_invoke(call, metastore, request, "ListTablesResponse");
    if (!response)
        return NULL;

    json_t *tables = json_array();
    json_t *list = json_object_get(response, "tables");
    bool ok = json_is_array(list);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *schema = json_string_value(json_object_get(item, "schemaName"));
        const char *name = json_string_value(json_object_get(item, "tableName"));
        if (!name || !*name) {
            ok = false;
            break;
        }
        json_array_append_new(tables, table_tjson(schema ? schema : database, name));
    }
    json_t *next = json_object_get(response, "nextToken");
    if (!ok) {
        reply_invalid(call, metastore, "ListTablesResponse",
                      "tables must be an array of {schemaName, tableName} with non-empty names");
        json_decref(tables);
        json_decref(response);
        return NULL;
    }
    json_t *result = json_pack("{s:o, s:O}", "tables", tables, "nextToken",
                               json_is_string(next) ? next : json_null());
    json_decref(response);
    return result;
}

/* Decodes standard base64 into a new buffer (*len bytes); NULL when text is not base64. */
static uint8_t *base64_decode(const char *text, size_t text_len, size_t *len)
{
    if (text_len % 4 != 0 || text_len > INT_MAX)
        return NULL;
    uint8_t *out = malloc(text_len / 4 * 3 + 1);
    if (!out)
        abort();
    int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)text_len);
    if (n < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the bytes that padding stands for. */
    size_t padding = text_len >= 2 && text[text_len - 1] == '=' ? (text[text_len - 2] == '=' ? 2 : 1) : 0;
    *len = (size_t)n - padding;
    return out;
}

/* Builds a list<FieldSchema> of the columns [{Name, Type}] that are (or are not) partition columns. */
static thrift_value *field_schemas(json_t *columns, json_t *partition_columns, bool partitions)
{
    thrift_value *list = thrift_value_new_list(THRIFT_STRUCT);
    size_t i;
    json_t *column;
    json_array_foreach(columns, i, column) {
        const char *name = json_string_value(json_object_get(column, "Name"));
        bool is_partition = false;
        size_t k;
        json_t *key;
        json_array_foreach(partition_columns, k, key)
            is_partition = is_partition || strcmp(json_string_value(key), name) == 0;
        if (is_partition != partitions)
            continue;
        thrift_value *field = thrift_value_new_struct();
        thrift_struct_set(field, 1, thrift_value_new_cstring(name));
        thrift_struct_set(field, 2, thrift_value_new_cstring(
                                        json_string_value(json_object_get(column, "Type"))));
        thrift_list_append(list, field);
    }
    return list;
}

/*
 * getTable {dbName, tableName} -> {tableDesc: TJSON} with the columns of
 * the Arrow schema: partitionColumns become partition keys, the others
 * the storage descriptor's columns.
 */
static json_t *get_table(aws_call *call, const athena_metastore *metastore, json_t *api_request)
{
    const char *database = json_string_value(json_object_get(api_request, "dbName"));
    const char *table = json_string_value(json_object_get(api_request, "tableName"));
    json_t *request = federation_request(call, metastore, "GetTableRequest");
    json_object_set_new(request, "tableName", json_pack("{s:s, s:s}", "schemaName",
                                                        database ? database : "", "tableName",
                                                        table ? table : ""));
    json_t *response = federation_invoke(call, metastore, request, "GetTableResponse");
    if (!response)
        return NULL;

    json_t *schema = json_object_get(response, "schema");
    json_t *partition_columns = json_object_get(response, "partitionColumns");
    size_t len = 0;
    uint8_t *bytes = json_is_string(schema) ? base64_decode(json_string_value(schema),
                                                            json_string_length(schema), &len)
                                            : NULL;
    char err[256] = "schema is not a base64 string";
    json_t *columns = bytes ? athena_arrow_schema_columns(bytes, len, err, sizeof err) : NULL;
    free(bytes);
    bool keys_valid = partition_columns == NULL || json_is_null(partition_columns) ||
                      json_is_array(partition_columns);
    size_t i;
    json_t *key;
    json_array_foreach(partition_columns, i, key)
        keys_valid = keys_valid && json_is_string(key);
    if (!columns || !keys_valid) {
        reply_invalid(call, metastore, "GetTableResponse",
                      columns ? "partitionColumns must be an array of strings" : err);
        json_decref(columns);
        json_decref(response);
        return NULL;
    }

    thrift_value *desc = thrift_value_new_struct();
    thrift_struct_set(desc, 1, thrift_value_new_cstring(table ? table : ""));
    thrift_struct_set(desc, 2, thrift_value_new_cstring(database ? database : ""));
    thrift_value *sd = thrift_value_new_struct();
    thrift_struct_set(sd, 1, field_schemas(columns, partition_columns, false));
    thrift_struct_set(desc, 7, sd);
    thrift_struct_set(desc, 8, field_schemas(columns, partition_columns, true));
    json_decref(columns);
    json_decref(response);
    json_t *text = tjson_string(desc);
    if (!text) {
        athena_error_metadata(call, "Table %s.%s of data catalog %s has a column name that is "
                                    "not UTF-8", database, table, metastore->catalog.name);
        return NULL;
    }
    return json_pack("{s:o}", "tableDesc", text);
}

json_t *athena_lambda_catalog_call(aws_call *call, const athena_metastore *metastore,
                                   const char *api_name, json_t *api_request)
{
    if (strcmp(api_name, "listDatabases") == 0)
        return list_databases(call, metastore, api_request);
    if (strcmp(api_name, "getDatabase") == 0)
        return get_database(call, metastore, api_request);
    if (strcmp(api_name, "listTables") == 0)
        return list_tables(call, metastore, api_request);
    if (strcmp(api_name, "getTable") == 0)
        return get_table(call, metastore, api_request);
    athena_error_metadata(call,
                          "Data catalog %s has type LAMBDA: owlery reads only metadata from its "
                          "function %s, so %s is not supported",
                          metastore->catalog.name, metastore->function_arn, api_name);
    return NULL;
}
