/*
 * One query run on a worker, acting as the query's caller throughout:
 *
 *   1. engine_sql_tables(): the statement kind and its table references.
 *   2. For each reference, the table through the catalog: GetTableMetadata
 *      through the catalog's function, run by the operation's own handler on
 *      a private call. A partitioned table's partitions come from
 *      listPartitions and are pruned with engine_prune_partitions() before
 *      any prefix is listed. The data files come from listing the table or
 *      partition location in S3 (s3:ListBucket, then s3:GetObject on every
 *      object).
 *   3. engine_bind_table() and engine_query_run() into an engine_csv_writer.
 *   4. PutObject of <OutputLocation><id>.csv and .csv.metadata through the
 *      S3 service's own handler, as the caller.
 *
 * Statements other than SELECT skip these steps: athena_run_statement()
 * (query_ddl.c) runs them against the catalog and writes their results.
 *
 * Every failure becomes state FAILED with an Athena-style reason: the
 * engine's SYNTAX_ERROR, TABLE_NOT_FOUND or COLUMN_NOT_FOUND,
 * HIVE_METASTORE_ERROR naming the catalog and function, PERMISSION_DENIED
 * naming the object. USER_CANCELLED becomes CANCELLED.
 */
#include "athena/query.h"

#include "common/log.h"
#include "common/util.h"
#include "engine/engine.h"
#include "lambda/lambda.h"
#include "s3/internal_read.h"
#include "s3/s3.h"
#include "thrift/protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Partitions per listPartitions page. */
#define PARTITION_PAGE 1000
/* Hive Partition field ids: 1 values, 6 sd; StorageDescriptor 2 location. */
#define PARTITION_VALUES 1
#define PARTITION_SD 6
#define SD_LOCATION 2

void athena_run_fail(athena_run *run, int category, const char *fmt, ...)
{
    if (run->failure)
        return;
    owl_buf text = OWL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    owl_buf_vprintf(&text, fmt, ap);
    va_end(ap);
    run->failure = text.data;
    run->category = category;
}

bool athena_s3_location_split(const char *location, char **bucket, char **prefix)
{
    if (!location || strncmp(location, "s3://", 5) != 0)
        return false;
    const char *start = location + 5;
    const char *slash = strchr(start, '/');
    size_t bucket_len = slash ? (size_t)(slash - start) : strlen(start);
    if (bucket_len == 0)
        return false;
    *bucket = strndup(start, bucket_len);
    const char *rest = slash ? slash + 1 : "";
    size_t rest_len = strlen(rest);
    owl_buf out = OWL_BUF_INIT;
    owl_buf_append(&out, rest, rest_len);
    if (rest_len > 0 && rest[rest_len - 1] != '/')
        owl_buf_putc(&out, '/');
    *prefix = out.data ? out.data : strdup("");
    if (!*bucket || !*prefix)
        abort();
    return true;
}

/* ------------------------------------------------------------------------
 * Table metadata through the catalog
 * ---------------------------------------------------------------------- */

static void fail_from_reply(athena_run *run, json_t *reply, const engine_table_ref *ref);

/*
 * Runs GetTableMetadata for ref on a private call as the caller. Returns the
 * TableMetadata (a new reference), or NULL after athena_run_fail().
 */
static json_t *fetch_table(athena_run *run, const engine_table_ref *ref)
{
    http_request request = run->request;
    http_response response = {0};
    request.body = (owl_buf)OWL_BUF_INIT;
    json_t *body = json_pack("{s:s, s:s, s:s}", "CatalogName", ref->catalog, "DatabaseName",
                             ref->database, "TableName", ref->table);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    owl_buf_append(&request.body, text, strlen(text));
    free(text);
    aws_call call = run->call;
    call.req = &request;
    call.resp = &response;
    snprintf(call.operation, sizeof call.operation, "GetTableMetadata");
    athena_get_table_metadata(&call);

    json_t *reply = json_loadb(response.body.data ? response.body.data : "", response.body.len,
                               0, NULL);
    json_t *table = NULL;
    if (response.status == 200)
        table = json_incref(json_object_get(reply, "TableMetadata"));
    else
        fail_from_reply(run, reply, ref);
    json_decref(reply);
    owl_buf_free(&request.body);
    http_response_reset(&response);
    owl_buf_free(&response.body);
    return table;
}

/*
 * Records the error reply of a private metadata call as the run's failure;
 * ref, when not NULL, is the table reference the call was about.
 */
static void fail_from_reply(athena_run *run, json_t *reply, const engine_table_ref *ref)
{
    /* Athena's own errors carry "Message", IAM denials (aws_call_error) "message". */
    json_t *text = json_object_get(reply, "Message");
    const char *message = json_string_value(text ? text : json_object_get(reply, "message"));
    const char *type = json_string_value(json_object_get(reply, "__type"));
    if (!message)
        message = "";
    if (!type)
        type = "";
    bool metadata = strcmp(type, "MetadataException") == 0;
    if (strcmp(type, "AccessDeniedException") == 0) {
        athena_run_fail(run, ATHENA_ERROR_USER, "PERMISSION_DENIED: %s", message);
    } else if (ref && metadata &&
               (strstr(message, "NoSuchObjectException") || strstr(message, "was not found"))) {
        athena_run_fail(run, ATHENA_ERROR_USER,
                        "TABLE_NOT_FOUND: line %d:%d: Table '%s.%s.%s' does not exist", ref->line,
                        ref->column, ref->catalog, ref->database, ref->table);
    } else if (metadata) {
        athena_run_fail(run, ATHENA_ERROR_SYSTEM, "HIVE_METASTORE_ERROR: %s", message);
    } else if (ref && strcmp(type, "ResourceNotFoundException") == 0) {
        athena_run_fail(run, ATHENA_ERROR_USER,
                        "CATALOG_NOT_FOUND: line %d:%d: Catalog '%s' does not exist", ref->line,
                        ref->column, ref->catalog);
    } else if (strcmp(type, "ResourceNotFoundException") == 0) {
        athena_run_fail(run, ATHENA_ERROR_USER, "CATALOG_NOT_FOUND: %s", message);
    } else {
        athena_run_fail(run, ATHENA_ERROR_USER, "INVALID_INPUT: %s",
                        *message ? message : "reading the table metadata failed");
    }
}

/* A private call of the run: the caller's identity, its own request and response. */
typedef struct private_call {
    aws_call call;
    http_request request;
    http_response response;
} private_call;

static void private_call_init(athena_run *run, private_call *p, const char *operation)
{
    p->request = run->request;
    p->request.body = (owl_buf)OWL_BUF_INIT;
    memset(&p->response, 0, sizeof p->response);
    p->call = run->call;
    p->call.req = &p->request;
    p->call.resp = &p->response;
    snprintf(p->call.operation, sizeof p->call.operation, "%s", operation);
}

/* Turns the private call's error reply, if failed, into the run's failure; frees the call. */
static void private_call_finish(athena_run *run, private_call *p, bool failed)
{
    if (failed) {
        json_t *reply = json_loadb(p->response.body.data ? p->response.body.data : "",
                                   p->response.body.len, 0, NULL);
        fail_from_reply(run, reply, NULL);
        json_decref(reply);
    }
    owl_buf_free(&p->request.body);
    http_response_reset(&p->response);
    owl_buf_free(&p->response.body);
}

bool athena_run_metastore_open(athena_run *run, const char *catalog, athena_metastore *metastore)
{
    private_call p;
    private_call_init(run, &p, "GetTableMetadata");
    bool ok = athena_metastore_open(&p.call, catalog, metastore);
    private_call_finish(run, &p, !ok);
    return ok;
}

json_t *athena_run_metastore_try(athena_run *run, const athena_metastore *metastore,
                                 const char *api_name, json_t *api_request, char **message)
{
    private_call p;
    private_call_init(run, &p, "GetTableMetadata");
    json_t *response = athena_metastore_call(&p.call, metastore, api_name, api_request);
    *message = NULL;
    if (!response) {
        json_t *reply = json_loadb(p.response.body.data ? p.response.body.data : "",
                                   p.response.body.len, 0, NULL);
        const char *text = json_string_value(json_object_get(reply, "Message"));
        *message = strdup(text ? text : "the metastore call failed");
        json_decref(reply);
    }
    private_call_finish(run, &p, false);
    return response;
}

json_t *athena_run_metastore_call(athena_run *run, const athena_metastore *metastore,
                                  const char *api_name, json_t *api_request)
{
    private_call p;
    private_call_init(run, &p, "GetTableMetadata");
    json_t *response = athena_metastore_call(&p.call, metastore, api_name, api_request);
    private_call_finish(run, &p, response == NULL);
    return response;
}

/* ------------------------------------------------------------------------
 * Partitions through the catalog's function
 * ---------------------------------------------------------------------- */

typedef struct partition {
    char **values; /* one per partition key, NULL for a NULL value */
    char *location;
} partition;

typedef struct partition_list {
    partition *items;
    size_t count;
    size_t key_count;
} partition_list;

static void partitions_free(partition_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        for (size_t k = 0; k < list->key_count; k++)
            free(list->items[i].values[k]);
        free(list->items[i].values);
        free(list->items[i].location);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* Decodes one TJSON Partition into out; false when it is not one. */
static bool partition_decode(const char *tjson, size_t len, size_t key_count, partition *out)
{
    thrift_value *value = NULL;
    thrift_error error = {{0}};
    if (!thrift_decode_struct(THRIFT_PROTOCOL_JSON, tjson, len, NULL, NULL, &value, &error))
        return false;
    const thrift_value *values = thrift_struct_get(value, PARTITION_VALUES);
    const char *location = thrift_struct_get_string(thrift_struct_get(value, PARTITION_SD),
                                                    SD_LOCATION, NULL);
    bool ok = values && (values->type == THRIFT_LIST) && values->u.list.count == key_count &&
              location;
    if (ok) {
        out->values = calloc(key_count, sizeof *out->values);
        for (size_t k = 0; k < key_count; k++)
            out->values[k] = strdup(thrift_value_get_string(values->u.list.items[k], NULL)
                                        ? thrift_value_get_string(values->u.list.items[k], NULL)
                                        : "");
        out->location = strdup(location);
    }
    thrift_value_free(value);
    return ok;
}

/*
 * Appends the TJSON partitions of one response's "partitions" list to out.
 * Returns false after athena_run_fail() for a partition that is not one.
 */
static bool append_partitions(athena_run *run, const athena_metastore *metastore,
                              const engine_table_ref *ref, json_t *response, partition_list *out,
                              size_t *capacity)
{
    json_t *list = json_object_get(response, "partitions");
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        if (out->count == *capacity) {
            *capacity = *capacity ? *capacity * 2 : 16;
            out->items = realloc(out->items, *capacity * sizeof *out->items);
            if (!out->items)
                abort();
        }
        partition *p = &out->items[out->count];
        memset(p, 0, sizeof *p);
        if (!json_is_string(item) ||
            !partition_decode(json_string_value(item), json_string_length(item), out->key_count,
                              p)) {
            athena_run_fail(run, ATHENA_ERROR_SYSTEM,
                            "HIVE_METASTORE_ERROR: the metadata function %s of data catalog "
                            "%s returned an invalid partition %zu of %s.%s",
                            metastore->function_arn, ref->catalog, i, ref->database, ref->table);
            return false;
        }
        out->count++;
    }
    return true;
}

/*
 * Asks the metastore for the partitions that filter (a metastore filter
 * expression) matches, with getPartitions. Returns false, leaving the run's
 * failure alone, when the metastore cannot evaluate the filter.
 */
static bool fetch_filtered_partitions(athena_run *run, const athena_metastore *metastore,
                                      const engine_table_ref *ref, const char *filter,
                                      partition_list *out)
{
    json_t *request = json_pack("{s:s, s:s, s:s, s:i}", "dbName", ref->database, "tableName",
                                ref->table, "filter", filter, "maxSize", -1);
    char *message = NULL;
    json_t *response = athena_run_metastore_try(run, metastore, "getPartitions", request, &message);
    json_decref(request);
    if (!response) {
        char quoted_filter[600], quoted_message[1200];
        owl_log_warn("event=athena_partition_filter_failed query_execution_id=%s table=%s.%s.%s "
                     "filter=%s error=%s",
                     run->job->id, ref->catalog, ref->database, ref->table,
                     owl_log_quote(quoted_filter, sizeof quoted_filter, filter),
                     owl_log_quote(quoted_message, sizeof quoted_message, message ? message : ""));
        free(message);
        return false;
    }
    size_t capacity = 0;
    bool ok = append_partitions(run, metastore, ref, response, out, &capacity);
    json_decref(response);
    owl_log_info("event=athena_partitions_filtered query_execution_id=%s table=%s.%s.%s "
                 "partitions=%zu",
                 run->job->id, ref->catalog, ref->database, ref->table, out->count);
    return ok;
}

/*
 * Lists the partitions of the table that filter may match (every partition
 * when filter is empty or the metastore cannot evaluate it). Returns false
 * after athena_run_fail().
 */
static bool fetch_partitions(athena_run *run, const engine_table_ref *ref, size_t key_count,
                             const char *filter, partition_list *out)
{
    memset(out, 0, sizeof *out);
    out->key_count = key_count;
    athena_metastore metastore;
    if (!athena_run_metastore_open(run, ref->catalog, &metastore))
        return false;
    if (filter && *filter) {
        bool ok = fetch_filtered_partitions(run, &metastore, ref, filter, out);
        if (ok || run->failure) {
            athena_metastore_close(&metastore);
            return ok;
        }
        partitions_free(out);
        out->key_count = key_count;
    }
    char *token = NULL;
    size_t capacity = 0;
    do {
        json_t *request = json_pack("{s:s, s:s, s:i}", "dbName", ref->database, "tableName",
                                    ref->table, "maxSize", PARTITION_PAGE);
        if (token)
            json_object_set_new(request, "nextToken", json_string(token));
        json_t *response = athena_run_metastore_call(run, &metastore, "listPartitions", request);
        json_decref(request);
        free(token);
        token = NULL;
        if (!response)
            break;
        if (!append_partitions(run, &metastore, ref, response, out, &capacity)) {
            json_decref(response);
            break;
        }
        const char *next = json_string_value(json_object_get(response, "nextToken"));
        token = next && *next ? strdup(next) : NULL;
        json_decref(response);
    } while (token);
    athena_metastore_close(&metastore);
    return !run->failure;
}

/* ------------------------------------------------------------------------
 * Binding
 * ---------------------------------------------------------------------- */

/* The engine_table being built for one reference, with the storage behind it. */
typedef struct binding {
    engine_column *columns;
    size_t column_count;
    engine_column *keys;
    size_t key_count;
    engine_kv *serde_params;
    size_t serde_param_count;
    engine_kv *table_params;
    size_t table_param_count;
    engine_file *files;
    size_t file_count;
    s3_read_list *listings;
    size_t listing_count;
} binding;

static void binding_free(binding *b)
{
    for (size_t i = 0; i < b->column_count; i++)
        free(b->columns[i].type);
    for (size_t i = 0; i < b->key_count; i++)
        free(b->keys[i].type);
    free(b->columns);
    free(b->keys);
    free(b->serde_params);
    free(b->table_params);
    free(b->files);
    for (size_t i = 0; i < b->listing_count; i++)
        s3_read_list_free(&b->listings[i]);
    free(b->listings);
}

/* Fills columns from Athena's [{Name, Type}] (types lowercased without spaces). */
static engine_column *columns_from_json(json_t *list, size_t *count)
{
    *count = json_array_size(list);
    engine_column *columns = calloc(*count ? *count : 1, sizeof *columns);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        columns[i].name = (char *)json_string_value(json_object_get(item, "Name"));
        const char *type = json_string_value(json_object_get(item, "Type"));
        owl_buf clean = OWL_BUF_INIT;
        for (const char *p = type ? type : "string"; *p; p++)
            if (*p != ' ')
                owl_buf_putc(&clean, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
        columns[i].type = clean.data;
    }
    return columns;
}

/* Lists location as the caller and appends its objects as files with values. */
static bool add_location(athena_run *run, const engine_table_ref *table_ref, binding *b,
                         const char *location, const char *const *values)
{
    char *bucket = NULL, *prefix = NULL;
    if (!athena_s3_location_split(location, &bucket, &prefix)) {
        athena_run_fail(run, ATHENA_ERROR_USER,
                        "HIVE_METASTORE_ERROR: location %s is not an S3 URI",
                        location ? location : "(missing)");
        return false;
    }
    b->listings = realloc(b->listings, (b->listing_count + 1) * sizeof *b->listings);
    if (!b->listings)
        abort();
    s3_read_list *list = &b->listings[b->listing_count++];
    char err[1200];
    s3_read_status status = s3_read_prefix(&run->call, bucket, prefix, list, err, sizeof err);
    if (status == S3_READ_DENIED)
        athena_run_fail(run, ATHENA_ERROR_USER, "PERMISSION_DENIED: reading s3://%s/%s: %s", bucket,
                        prefix, err);
    else if (status == S3_READ_NOT_FOUND)
        athena_run_fail(run, ATHENA_ERROR_USER,
                        "HIVE_INVALID_METADATA: the location of table %s.%s.%s cannot be read: %s",
                        table_ref->catalog, table_ref->database, table_ref->table, err);
    else if (status != S3_READ_OK)
        athena_run_fail(run, ATHENA_ERROR_SYSTEM, "INTERNAL_ERROR: %s", err);
    if (status == S3_READ_OK) {
        char uri[1100], quoted[1200];
        snprintf(uri, sizeof uri, "s3://%s/%s", bucket, prefix);
        owl_log_info("event=athena_location_listed query_execution_id=%s table=%s.%s.%s "
                     "location=%s objects=%zu",
                     run->job->id, table_ref->catalog, table_ref->database, table_ref->table,
                     owl_log_quote(quoted, sizeof quoted, uri), list->count);
    }
    free(bucket);
    free(prefix);
    if (status != S3_READ_OK)
        return false;
    b->files = realloc(b->files, (b->file_count + list->count + 1) * sizeof *b->files);
    if (!b->files)
        abort();
    for (size_t i = 0; i < list->count; i++)
        b->files[b->file_count++] = (engine_file){list->items[i].path, list->items[i].size,
                                                   values};
    return true;
}

/* Copies Parameters into serde parameters (serde.param.KEY) and table parameters. */
static void parameters_split(json_t *parameters, binding *b)
{
    size_t n = json_object_size(parameters);
    b->serde_params = calloc(n + 1, sizeof *b->serde_params);
    b->table_params = calloc(n + 1, sizeof *b->table_params);
    const char *key;
    json_t *value;
    json_object_foreach(parameters, key, value) {
        if (strncmp(key, "serde.param.", 12) == 0)
            b->serde_params[b->serde_param_count++] =
                (engine_kv){(char *)key + 12, (char *)json_string_value(value)};
        else
            b->table_params[b->table_param_count++] =
                (engine_kv){(char *)key, (char *)json_string_value(value)};
    }
}

bool athena_run_bind_table(athena_run *run, const engine_table_ref *ref)
{
    json_t *table = fetch_table(run, ref);
    if (!table)
        return false;
    json_t *parameters = json_object_get(table, "Parameters");
    binding b = {0};
    b.columns = columns_from_json(json_object_get(table, "Columns"), &b.column_count);
    b.keys = columns_from_json(json_object_get(table, "PartitionKeys"), &b.key_count);
    parameters_split(parameters, &b);
    const char *location = json_string_value(json_object_get(parameters, "location"));

    bool ok = true;
    partition_list partitions = {0};
    const char *sql = run->sql ? run->sql : run->job->sql;
    char *filter = NULL;
    if (b.key_count > 0) {
        char *filter_err = NULL;
        filter = engine_metastore_filter(run->db, sql, ref, run->job->catalog, run->job->database,
                                         b.keys, b.key_count, &filter_err);
        free(filter_err); /* without a filter every partition is listed, then pruned */
    }
    if (b.key_count == 0) {
        ok = add_location(run, ref, &b, location, NULL);
    } else if ((ok = fetch_partitions(run, ref, b.key_count, filter, &partitions))) {
        bool *keep = calloc(partitions.count + 1, sizeof *keep);
        const char *const **values = calloc(partitions.count + 1, sizeof *values);
        for (size_t i = 0; i < partitions.count; i++)
            values[i] = (const char *const *)partitions.items[i].values;
        char *err = NULL;
        ok = engine_prune_partitions(run->db, sql, ref, run->job->catalog,
                                     run->job->database, b.keys, b.key_count, values,
                                     partitions.count, keep, &err);
        if (!ok)
            athena_run_fail(run, ATHENA_ERROR_USER, "%s", err ? err : "SYNTAX_ERROR");
        free(err);
        for (size_t i = 0; ok && i < partitions.count; i++)
            if (keep[i])
                ok = add_location(run, ref, &b, partitions.items[i].location, values[i]);
        free(keep);
        free(values);
    }

    if (ok) {
        engine_table bound = {
            .columns = b.columns,
            .column_count = b.column_count,
            .partition_keys = b.keys,
            .partition_key_count = b.key_count,
            .serde = json_string_value(json_object_get(parameters, "serde.serialization.lib")),
            .serde_params = b.serde_params,
            .serde_param_count = b.serde_param_count,
            .input_format = json_string_value(json_object_get(parameters, "inputformat")),
            .table_params = b.table_params,
            .table_param_count = b.table_param_count,
            .files = b.files,
            .file_count = b.file_count,
        };
        char *err = NULL;
        ok = engine_bind_table(run->db, ref->catalog, ref->database, ref->table, &bound, &err);
        if (!ok)
            athena_run_fail(run, ATHENA_ERROR_USER, "%s", err ? err : "binding the table failed");
        free(err);
    }
    /* The engine copied the file list into its view, so the storage can go. */
    partitions_free(&partitions);
    free(filter);
    binding_free(&b);
    json_decref(table);
    return ok;
}

/* ------------------------------------------------------------------------
 * Results
 * ---------------------------------------------------------------------- */

static bool put_result(athena_run *run, const char *path, const char *uri, const char *type)
{
    return athena_run_put_object(run, path, uri, type, "the query result");
}

bool athena_run_put_object(athena_run *run, const char *path, const char *uri, const char *type,
                           const char *what)
{
    char *bucket = NULL, *key = NULL;
    if (!athena_s3_location_split(uri, &bucket, &key)) {
        athena_run_fail(run, ATHENA_ERROR_USER,
                        "INVALID_INPUT: output location %s is not an S3 URI", uri);
        return false;
    }
    /* athena_s3_location_split adds a trailing '/' for prefixes; an object key has none. */
    size_t key_len = strlen(key);
    if (key_len > 0)
        key[key_len - 1] = '\0';

    http_request request = run->request;
    request.method = "PUT";
    owl_buf target = OWL_BUF_INIT;
    owl_buf_printf(&target, "/%s/", bucket);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            owl_buf_putc(&target, (char)*p);
        else
            owl_buf_printf(&target, "%%%02X", *p);
    }
    request.raw_path = target.data;
    request.raw_query = (char *)"";
    request.body = (owl_buf)OWL_BUF_INIT;
    bool ok = true;
    FILE *file = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    while (file && (n = fread(chunk, 1, sizeof chunk, file)) > 0)
        owl_buf_append(&request.body, chunk, n);
    if (!file || ferror(file)) {
        athena_run_fail(run, ATHENA_ERROR_SYSTEM,
                        "INTERNAL_ERROR: reading the local file %s failed", path);
        ok = false;
    }
    if (file)
        fclose(file);

    char length[32];
    snprintf(length, sizeof length, "%zu", request.body.len);
    char length_name[] = "content-length", type_name[] = "content-type";
    request.headers[0] = (http_header){length_name, length};
    request.headers[1] = (http_header){type_name, (char *)type};
    request.header_count = 2;
    http_response response = {0};
    aws_call call = run->call;
    call.req = &request;
    call.resp = &response;
    call.protocol = AWS_PROTOCOL_REST_XML;
    call.service = "s3";
    call.form = (aws_form){0};
    call.operation[0] = '\0';
    if (ok) {
        s3_handle(&call);
        if (response.status != 200) {
            const char *xml = response.body.data ? response.body.data : "";
            const char *start = strstr(xml, "<Message>");
            const char *end = start ? strstr(start, "</Message>") : NULL;
            int message_len = start && end ? (int)(end - start - 9) : 0;
            athena_run_fail(run, response.status >= 500 ? ATHENA_ERROR_SYSTEM : ATHENA_ERROR_USER,
                            "%s: writing %s %s failed with HTTP %d: %.*s",
                            response.status == 403 ? "PERMISSION_DENIED" : "INVALID_INPUT", what,
                            uri,
                            response.status, message_len, start ? start + 9 : "");
            ok = false;
        }
    }
    aws_form_free(&call.form);
    http_response_reset(&response);
    owl_buf_free(&response.body);
    owl_buf_free(&request.body);
    owl_buf_free(&target);
    free(bucket);
    free(key);
    return ok;
}

void athena_run_local_path(athena_run *run, const char *suffix, owl_buf *out)
{
    owl_buf_printf(out, "%s/athena-results", owl_store_data_dir(run->job->store));
    if (mkdir(out->data, 0700) != 0 && errno != EEXIST)
        owl_log_warn("event=athena_results_dir_failed query_execution_id=%s path=%s error=\"%s\"",
                     run->job->id, out->data, strerror(errno));
    owl_buf_printf(out, "/%s%s", run->job->id, suffix);
}

/* Runs the SELECT into temporary CSV files and stores them; false after athena_run_fail(). */
static bool execute(athena_run *run, engine_query_stats *stats)
{
    owl_buf csv = OWL_BUF_INIT, metadata = OWL_BUF_INIT;
    athena_run_local_path(run, ".csv", &csv);
    owl_buf_printf(&metadata, "%s.metadata", csv.data);

    bool ok = false;
    char *err = NULL;
    engine_csv_writer *writer = engine_csv_writer_open(csv.data, metadata.data, &err);
    if (writer) {
        engine_result_sink sink = engine_csv_writer_sink(writer);
        engine_query_options options = {.default_catalog = run->job->catalog,
                                        .default_database = run->job->database};
        athena_query_engine_enter(run->job);
        ok = !atomic_load(&run->job->cancel_requested) &&
             engine_query_run(run->db, run->job->sql, &options, &sink, stats, &err);
        athena_query_engine_leave(run->job);
        if (!ok && !err && atomic_load(&run->job->cancel_requested))
            err = strdup("USER_CANCELLED: Query was cancelled");
        char *close_err = NULL;
        if (!engine_csv_writer_close(writer, &close_err) && ok) {
            ok = false;
            err = close_err;
            close_err = NULL;
        }
        free(close_err);
    }
    if (!ok)
        athena_run_fail(run, ATHENA_ERROR_USER, "%s", err ? err : "the query failed");
    free(err);

    if (ok) {
        owl_buf uri = OWL_BUF_INIT;
        owl_buf_printf(&uri, "%s%s.csv", run->job->output_location, run->job->id);
        ok = put_result(run, csv.data, uri.data, "text/csv");
        owl_buf_printf(&uri, ".metadata");
        ok = ok && put_result(run, metadata.data, uri.data, "application/json");
        owl_buf_free(&uri);
    }
    unlink(csv.data);
    unlink(metadata.data);
    owl_buf_free(&csv);
    owl_buf_free(&metadata);
    return ok;
}

/* ------------------------------------------------------------------------
 * The run
 * ---------------------------------------------------------------------- */

void athena_query_run(athena_query_job *job, engine_db *db)
{
    if (!athena_query_mark_running(job->store, job->id))
        return; /* stopped while queued */
    athena_run run = {.job = job, .db = db};
    snprintf(run.request.request_id, sizeof run.request.request_id, "%s", job->request_id);
    snprintf(run.request.remote_addr, sizeof run.request.remote_addr, "%s", job->remote_addr);
    run.request.method = "POST";
    run.request.raw_path = (char *)"/";
    run.request.raw_query = (char *)"";
    run.call.req = &run.request;
    run.call.resp = &run.response;
    run.call.protocol = AWS_PROTOCOL_JSON;
    run.call.service = "athena";
    snprintf(run.call.region, sizeof run.call.region, "%s", job->region);
    snprintf(run.call.operation, sizeof run.call.operation, "StartQueryExecution");
    run.call.identity = &job->identity;
    run.call.store = job->store;

    char *err = NULL;
    if (!engine_db_clear_bindings(db, &err))
        athena_run_fail(&run, ATHENA_ERROR_SYSTEM, "INTERNAL_ERROR: %s", err ? err : "");
    free(err);
    err = NULL;

    /* Statements other than SELECT run against the catalog (query_ddl.c). */
    engine_stmt_kind kind = engine_sql_classify(job->sql);
    bool statement = kind != ENGINE_STMT_SELECT && kind != ENGINE_STMT_EXPLAIN &&
                     kind != ENGINE_STMT_INVALID;
    engine_query_stats stats = {0};
    if (!run.failure && statement)
        athena_run_statement(&run, kind, &stats);

    engine_table_refs refs = {0};
    if (!run.failure && !statement &&
        !engine_sql_tables(db, job->sql, job->catalog, job->database, &refs, &err))
        athena_run_fail(&run, ATHENA_ERROR_USER, "%s", err ? err : "SYNTAX_ERROR");
    free(err);
    if (!run.failure && !statement && refs.kind != ENGINE_STMT_SELECT)
        athena_run_fail(&run, ATHENA_ERROR_USER,
                        "NOT_SUPPORTED: %s statements are not supported by this owlery build",
                        engine_stmt_kind_name(refs.kind));
    for (size_t i = 0; !run.failure && i < refs.count; i++)
        athena_run_bind_table(&run, &refs.items[i]);
    engine_table_refs_free(&refs);

    if (!run.failure && atomic_load(&job->cancel_requested))
        athena_run_fail(&run, ATHENA_ERROR_USER, "USER_CANCELLED: Query was cancelled");
    if (!run.failure && !statement)
        execute(&run, &stats);

    char *clear_err = NULL;
    if (!engine_db_clear_bindings(db, &clear_err))
        owl_log_error("event=athena_clear_bindings_failed query_execution_id=%s error=\"%s\"",
                      job->id, clear_err ? clear_err : "");
    free(clear_err);

    char quoted[1200];
    if (run.failure && atomic_load(&job->timed_out)) {
        free(run.failure);
        run.failure = NULL;
        athena_run_fail(&run, ATHENA_ERROR_USER,
                        "EXCEEDED_TIME_LIMIT: Query exceeded the maximum execution time of %d "
                        "seconds",
                        job->timeout_seconds);
    }
    if (!run.failure) {
        athena_query_mark_final(job->store, job->id, "SUCCEEDED", NULL, 0, stats.engine_ms,
                                stats.bytes_scanned);
    } else if (strncmp(run.failure, "EXCEEDED_TIME_LIMIT", 19) == 0) {
        athena_query_mark_final(job->store, job->id, "FAILED", run.failure, run.category,
                                stats.engine_ms, stats.bytes_scanned);
        owl_log_warn("event=athena_query_timed_out query_execution_id=%s principal=%s "
                     "timeout_seconds=%d",
                     job->id, job->identity.arn, job->timeout_seconds);
    } else if (strncmp(run.failure, "USER_CANCELLED", 14) == 0 ||
               atomic_load(&job->cancel_requested)) {
        /* A stop can interrupt DuckDB in any step, and some steps report that
         * as GENERIC_INTERNAL_ERROR, so a failure after a stop is a cancel. */
        athena_query_mark_final(job->store, job->id, "CANCELLED", NULL, 0, stats.engine_ms, 0);
    } else {
        athena_query_mark_final(job->store, job->id, "FAILED", run.failure, run.category,
                                stats.engine_ms, stats.bytes_scanned);
        owl_log_warn("event=athena_query_failed query_execution_id=%s principal=%s reason=%s",
                     job->id, job->identity.arn,
                     owl_log_quote(quoted, sizeof quoted, run.failure));
    }
    owl_log_info("event=athena_query_finished query_execution_id=%s rows=%llu scanned_bytes=%llu "
                 "engine_ms=%lld",
                 job->id, (unsigned long long)stats.rows, (unsigned long long)stats.bytes_scanned,
                 (long long)stats.engine_ms);
    free(run.failure);
    http_response_reset(&run.response);
    owl_buf_free(&run.response.body);
}
