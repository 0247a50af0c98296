/*
 * Metadata operations: ListDatabases, GetDatabase, ListTableMetadata and
 * GetTableMetadata. Each one authorizes its athena action on the catalog,
 * then asks the catalog's metastore (metastore.c) as the caller:
 *
 *   apiName        apiRequest                            apiResponse
 *   listDatabases  {filter, nextToken, maxSize}           {databases: [TJSON], nextToken}
 *   getDatabase    {dbName}                               {database: TJSON}
 *   listTables     {dbName, filter, nextToken, maxSize}   {tables: [TJSON], nextToken}
 *   getTable       {dbName, tableName}                    {tableDesc: TJSON}
 *
 * and maps the TJSONProtocol structs to Athena's shapes (hive.c).
 */
#include "athena/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_DEFAULT 50
#define PAGE_MAX 50

/*
 * Authorizes action on the catalog CatalogName and opens its metastore.
 * Returns false after an error reply; on true the caller closes metastore.
 */
static bool source_open(aws_call *call, json_t *body, const char *action,
                        athena_metastore *metastore)
{
    const char *name;
    if (!athena_body_string(call, body, "CatalogName", "catalogName", 1, 256, true, &name))
        return false;
    if (!athena_authorize(call, action, "datacatalog", name))
        return false;
    return athena_metastore_open(call, name, metastore);
}

/* Replies MetadataException for a metastore struct that cannot be decoded. */
static void reply_bad_struct(aws_call *call, const athena_metastore *source, const char *api_name,
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
    athena_metastore source;
    if (!source_open(call, body, "athena:ListDatabases", &source))
        goto out;
    json_int_t max;
    const char *token;
    if (!page_parameters(call, body, &max, &token))
        goto close;

    json_t *request = json_pack("{s:I}", "maxSize", (json_int_t)max);
    if (token)
        json_object_set_new(request, "nextToken", json_string(token));
    json_t *response = athena_metastore_call(call, &source, "listDatabases", request);
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
    athena_metastore_close(&source);
out:
    json_decref(body);
}

void athena_get_database(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    athena_metastore source;
    if (!source_open(call, body, "athena:GetDatabase", &source))
        goto out;
    const char *database_name;
    if (!athena_body_string(call, body, "DatabaseName", "databaseName", 1, 128, true,
                            &database_name))
        goto close;

    json_t *request = json_pack("{s:s}", "dbName", database_name);
    json_t *response = athena_metastore_call(call, &source, "getDatabase", request);
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
    athena_metastore_close(&source);
out:
    json_decref(body);
}

void athena_list_table_metadata(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    athena_metastore source;
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
    json_t *response = athena_metastore_call(call, &source, "listTables", request);
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
    athena_metastore_close(&source);
out:
    json_decref(body);
}

void athena_get_table_metadata(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    athena_metastore source;
    if (!source_open(call, body, "athena:GetTableMetadata", &source))
        goto out;
    const char *database_name, *table_name;
    if (!athena_body_string(call, body, "DatabaseName", "databaseName", 1, 128, true,
                            &database_name) ||
        !athena_body_string(call, body, "TableName", "tableName", 1, 128, true, &table_name))
        goto close;

    json_t *request = json_pack("{s:s, s:s}", "dbName", database_name, "tableName", table_name);
    json_t *response = athena_metastore_call(call, &source, "getTable", request);
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
    athena_metastore_close(&source);
out:
    json_decref(body);
}
