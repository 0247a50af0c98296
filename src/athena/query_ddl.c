/*
 * Statements other than SELECT, run against the catalog through the
 * metastore function protocol (createDatabase, dropDatabase, createTable,
 * alterTable, dropTable, getTable, getPartitionNames, addPartitions,
 * dropPartition), as the query's caller:
 *
 *   CREATE DATABASE, CREATE EXTERNAL TABLE, DROP TABLE, DROP DATABASE,
 *   ALTER TABLE ADD/REPLACE COLUMNS, SET LOCATION and SET TBLPROPERTIES
 *   (getTable, change, alterTable), ALTER TABLE ADD/DROP PARTITION, and
 *   MSCK REPAIR TABLE (lists the table location in S3 and adds the
 *   key=value/ prefixes the catalog lacks, in batches of ADD_BATCH).
 *
 * SHOW and DESCRIBE are in query_show.c, CREATE TABLE AS SELECT and INSERT
 * INTO in query_write.c.
 *
 * Hive DDL fails with Hive's messages ("FAILED: SemanticException [Error
 * 10001]: Table not found sales.nope"). The result of a DDL statement is
 * <OutputLocation><id>.txt with its .metadata: rows without a header.
 *
 * The code does not depend on the kind of catalog: every call goes
 * through athena_run_metastore_open() and athena_run_metastore_call().
 */
#include "athena/query.h"

#include "common/log.h"
#include "common/util.h"
#include "s3/internal_read.h"
#include "thrift/protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Partitions per addPartitions call of MSCK REPAIR TABLE. */
#define ADD_BATCH 100

/* Hive metastore field ids (hive_metastore.thrift, Hive 2.3 and 3.1). */
enum {
    TABLE_NAME = 1,
    TABLE_DB_NAME = 2,
    TABLE_OWNER = 3,
    TABLE_CREATE_TIME = 4,
    TABLE_LAST_ACCESS_TIME = 5,
    TABLE_RETENTION = 6,
    TABLE_SD = 7,
    TABLE_PARTITION_KEYS = 8,
    TABLE_PARAMETERS = 9,
    TABLE_TYPE = 12,
    SD_COLS = 1,
    SD_LOCATION = 2,
    SD_INPUT_FORMAT = 3,
    SD_OUTPUT_FORMAT = 4,
    SD_COMPRESSED = 5,
    SD_NUM_BUCKETS = 6,
    SD_SERDE_INFO = 7,
    SD_BUCKET_COLS = 8,
    SD_SORT_COLS = 9,
    SD_PARAMETERS = 10,
    SERDE_NAME = 1,
    SERDE_LIB = 2,
    SERDE_PARAMETERS = 3,
    FIELD_NAME = 1,
    FIELD_TYPE = 2,
    FIELD_COMMENT = 3,
    PARTITION_VALUES = 1,
    PARTITION_DB_NAME = 2,
    PARTITION_TABLE_NAME = 3,
    PARTITION_CREATE_TIME = 4,
    PARTITION_LAST_ACCESS_TIME = 5,
    PARTITION_SD = 6,
    PARTITION_PARAMETERS = 7,
};

#define HIVE_NULL_PARTITION "__HIVE_DEFAULT_PARTITION__"

/* ------------------------------------------------------------------------
 * Catalog helpers
 * ---------------------------------------------------------------------- */

bool athena_ddl_metastore(athena_ddl *d)
{
    if (d->metastore_open)
        return true;
    d->metastore_open = athena_run_metastore_open(d->run, d->catalog, &d->metastore);
    return d->metastore_open;
}

/* True when a metastore error message reports exception name (or Glue's equivalent). */
static bool message_says(const char *message, const char *name)
{
    return message && strstr(message, name) != NULL;
}

static bool message_not_found(const char *message)
{
    return message_says(message, "NoSuchObjectException") ||
           message_says(message, "EntityNotFoundException");
}

static bool message_exists(const char *message)
{
    return message_says(message, "AlreadyExistsException");
}

/* Fails the run with the metastore's message as a HIVE_METASTORE_ERROR. */
static void fail_metastore(athena_ddl *d, const char *message)
{
    athena_run_fail(d->run, ATHENA_ERROR_SYSTEM, "HIVE_METASTORE_ERROR: %s", message);
}

bool athena_ddl_database_exists(athena_ddl *d, const char *database, bool *exists)
{
    if (!athena_ddl_metastore(d))
        return false;
    char *message = NULL;
    json_t *request = json_pack("{s:s}", "dbName", database);
    json_t *response = athena_run_metastore_try(d->run, &d->metastore, "getDatabase", request,
                                                &message);
    json_decref(request);
    *exists = response != NULL;
    bool ok = response || message_not_found(message);
    if (!ok)
        fail_metastore(d, message);
    free(message);
    json_decref(response);
    return ok;
}

json_t *athena_ddl_get_table(athena_ddl *d, const char *database, const char *table,
                             thrift_value **raw, bool *missing)
{
    if (missing)
        *missing = false;
    if (raw)
        *raw = NULL;
    if (!athena_ddl_metastore(d))
        return NULL;
    char *message = NULL;
    json_t *request = json_pack("{s:s, s:s}", "dbName", database, "tableName", table);
    json_t *response = athena_run_metastore_try(d->run, &d->metastore, "getTable", request,
                                                &message);
    json_decref(request);
    if (!response) {
        if (message_not_found(message) && missing)
            *missing = true;
        else if (message_not_found(message))
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            "FAILED: SemanticException [Error 10001]: Table not found %s.%s",
                            database, table);
        else
            fail_metastore(d, message);
        free(message);
        return NULL;
    }
    json_t *text = json_object_get(response, "tableDesc");
    char err[512] = "tableDesc is missing";
    json_t *metadata = json_is_string(text) ? athena_hive_table(json_string_value(text),
                                                                json_string_length(text), err,
                                                                sizeof err)
                                            : NULL;
    if (metadata && raw) {
        thrift_error error = {{0}};
        if (!thrift_decode_struct(THRIFT_PROTOCOL_JSON, json_string_value(text),
                                  json_string_length(text), NULL, NULL, raw, &error)) {
            json_decref(metadata);
            metadata = NULL;
            snprintf(err, sizeof err, "%s", error.message);
        }
    }
    if (!metadata)
        athena_run_fail(d->run, ATHENA_ERROR_SYSTEM,
                        "HIVE_METASTORE_ERROR: the metastore of data catalog %s returned an "
                        "invalid table %s.%s: %s",
                        d->catalog, database, table, err);
    json_decref(response);
    return metadata;
}

/* Runs api_name; false after athena_run_fail() with the metastore's message. */
static bool call_void(athena_ddl *d, const char *api_name, json_t *request)
{
    json_t *response = athena_run_metastore_call(d->run, &d->metastore, api_name, request);
    json_decref(request);
    json_decref(response);
    return response != NULL;
}

/* Encodes struct value (taken) as a TJSONProtocol JSON string. */
json_t *athena_ddl_tjson(thrift_value *value)
{
    owl_buf out = OWL_BUF_INIT;
    thrift_error error = {{0}};
    json_t *text = NULL;
    if (thrift_encode_struct(THRIFT_PROTOCOL_JSON, value, &out, &error))
        text = json_stringn(out.data ? out.data : "", out.len);
    owl_buf_free(&out);
    thrift_value_free(value);
    return text;
}

static thrift_value *string_map(const engine_kv *items, size_t count)
{
    thrift_value *map = thrift_value_new_map(THRIFT_STRING, THRIFT_STRING);
    for (size_t i = 0; i < count; i++)
        thrift_map_put(map, thrift_value_new_cstring(items[i].key),
                       thrift_value_new_cstring(items[i].value));
    return map;
}

static thrift_value *field_schemas(const engine_column *columns, size_t count)
{
    thrift_value *list = thrift_value_new_list(THRIFT_STRUCT);
    for (size_t i = 0; i < count; i++) {
        thrift_value *field = thrift_value_new_struct();
        thrift_struct_set(field, FIELD_NAME, thrift_value_new_cstring(columns[i].name));
        thrift_struct_set(field, FIELD_TYPE, thrift_value_new_cstring(columns[i].type));
        if (columns[i].comment)
            thrift_struct_set(field, FIELD_COMMENT, thrift_value_new_cstring(columns[i].comment));
        thrift_list_append(list, field);
    }
    return list;
}


thrift_value *athena_ddl_table_struct(const athena_table_spec *spec)
{
    thrift_value *serde = thrift_value_new_struct();
    thrift_struct_set(serde, SERDE_NAME, thrift_value_new_cstring(spec->table));
    if (spec->serde)
        thrift_struct_set(serde, SERDE_LIB, thrift_value_new_cstring(spec->serde));
    thrift_struct_set(serde, SERDE_PARAMETERS,
                      string_map(spec->serde_params, spec->serde_param_count));

    thrift_value *sd = thrift_value_new_struct();
    thrift_struct_set(sd, SD_COLS, field_schemas(spec->columns, spec->column_count));
    thrift_struct_set(sd, SD_LOCATION, thrift_value_new_cstring(spec->location));
    if (spec->input_format)
        thrift_struct_set(sd, SD_INPUT_FORMAT, thrift_value_new_cstring(spec->input_format));
    if (spec->output_format)
        thrift_struct_set(sd, SD_OUTPUT_FORMAT, thrift_value_new_cstring(spec->output_format));
    thrift_struct_set(sd, SD_COMPRESSED, thrift_value_new_bool(false));
    thrift_struct_set(sd, SD_NUM_BUCKETS, thrift_value_new_i32(-1));
    thrift_struct_set(sd, SD_SERDE_INFO, serde);
    thrift_struct_set(sd, SD_BUCKET_COLS, thrift_value_new_list(THRIFT_STRING));
    thrift_struct_set(sd, SD_SORT_COLS, thrift_value_new_list(THRIFT_STRUCT));
    thrift_struct_set(sd, SD_PARAMETERS, thrift_value_new_map(THRIFT_STRING, THRIFT_STRING));

    thrift_value *parameters = thrift_value_new_map(THRIFT_STRING, THRIFT_STRING);
    thrift_map_put(parameters, thrift_value_new_cstring("EXTERNAL"),
                   thrift_value_new_cstring("TRUE"));
    for (size_t i = 0; i < spec->param_count; i++)
        if (strcmp(spec->params[i].key, "EXTERNAL") != 0)
            thrift_map_put(parameters, thrift_value_new_cstring(spec->params[i].key),
                           thrift_value_new_cstring(spec->params[i].value));

    thrift_value *table = thrift_value_new_struct();
    thrift_struct_set(table, TABLE_NAME, thrift_value_new_cstring(spec->table));
    thrift_struct_set(table, TABLE_DB_NAME, thrift_value_new_cstring(spec->database));
    thrift_struct_set(table, TABLE_OWNER, thrift_value_new_cstring(spec->owner));
    thrift_struct_set(table, TABLE_CREATE_TIME, thrift_value_new_i32((int32_t)time(NULL)));
    thrift_struct_set(table, TABLE_LAST_ACCESS_TIME, thrift_value_new_i32(0));
    thrift_struct_set(table, TABLE_RETENTION, thrift_value_new_i32(0));
    thrift_struct_set(table, TABLE_SD, sd);
    thrift_struct_set(table, TABLE_PARTITION_KEYS, field_schemas(spec->keys, spec->key_count));
    thrift_struct_set(table, TABLE_PARAMETERS, parameters);
    thrift_struct_set(table, TABLE_TYPE, thrift_value_new_cstring("EXTERNAL_TABLE"));
    return table;
}

/* Runs createTable; existing reports whether it failed because the table exists. */
bool athena_ddl_create_table(athena_ddl *d, const athena_table_spec *spec, bool *existing)
{
    *existing = false;
    json_t *table = athena_ddl_tjson(athena_ddl_table_struct(spec));
    json_t *request = json_pack("{s:o}", "tableDesc", table);
    char *message = NULL;
    json_t *response = athena_run_metastore_try(d->run, &d->metastore, "createTable", request,
                                                &message);
    json_decref(request);
    json_decref(response);
    if (!response && message_exists(message))
        *existing = true;
    else if (!response && message_not_found(message))
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "FAILED: SemanticException [Error 10072]: Database does not exist: %s",
                        spec->database);
    else if (!response)
        fail_metastore(d, message);
    free(message);
    return response != NULL;
}

/* ------------------------------------------------------------------------
 * Partition names and locations
 * ---------------------------------------------------------------------- */

/* Characters Hive escapes as %XX in partition path names (FileUtils.escapePathName). */
static bool hive_escaped(unsigned char c)
{
    return c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c) != NULL;
}

static void put_escaped(owl_buf *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (hive_escaped(*p))
            owl_buf_printf(out, "%%%02X", *p);
        else
            owl_buf_putc(out, (char)*p);
    }
}

/* Returns the Hive partition name k1=v1/k2=v2 (malloc'ed) of keys and values. */
char *athena_ddl_partition_name(const engine_column *keys, size_t count, const char *const *values)
{
    owl_buf name = OWL_BUF_INIT;
    for (size_t i = 0; i < count; i++) {
        if (i)
            owl_buf_putc(&name, '/');
        put_escaped(&name, keys[i].name);
        owl_buf_putc(&name, '=');
        put_escaped(&name, values[i] ? values[i] : HIVE_NULL_PARTITION);
    }
    return owl_buf_detach(&name, NULL);
}

/* Decodes %XX escapes of a path segment in place; false for a malformed escape. */
static bool unescape_path(char *text)
{
    char *out = text;
    for (char *p = text; *p; p++) {
        if (*p == '%') {
            unsigned v;
            if (!p[1] || !p[2] || sscanf(p + 1, "%2x", &v) != 1)
                return false;
            *out++ = (char)v;
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
    return true;
}

/* Returns location with exactly one trailing '/' (malloc'ed). */
char *athena_ddl_with_slash(const char *location)
{
    owl_buf out = OWL_BUF_INIT;
    owl_buf_puts(&out, location);
    if (out.len == 0 || out.data[out.len - 1] != '/')
        owl_buf_putc(&out, '/');
    return owl_buf_detach(&out, NULL);
}

/* Fills columns from Athena's [{Name, Type, Comment}] (strings borrowed from list). */
engine_column *athena_ddl_columns(json_t *list, size_t *count)
{
    *count = json_array_size(list);
    engine_column *columns = calloc(*count + 1, sizeof *columns);
    if (!columns)
        abort();
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        columns[i].name = (char *)json_string_value(json_object_get(item, "Name"));
        const char *type = json_string_value(json_object_get(item, "Type"));
        columns[i].type = (char *)(type ? type : "string");
        columns[i].comment = (char *)json_string_value(json_object_get(item, "Comment"));
    }
    return columns;
}

const char *athena_ddl_parameter(json_t *table, const char *key)
{
    return json_string_value(json_object_get(json_object_get(table, "Parameters"), key));
}

/* Returns the names of every partition of database.table (a new reference), or NULL. */
json_t *athena_ddl_partition_names(athena_ddl *d, const char *database, const char *table)
{
    json_t *request = json_pack("{s:s, s:s, s:i}", "dbName", database, "tableName", table,
                                "maxSize", -1);
    json_t *response = athena_run_metastore_call(d->run, &d->metastore, "getPartitionNames",
                                                 request);
    json_decref(request);
    json_t *names = response ? json_incref(json_object_get(response, "partitionNames")) : NULL;
    json_decref(response);
    if (response && !names)
        names = json_array();
    return names;
}

bool athena_ddl_names_contain(json_t *names, const char *name)
{
    size_t i;
    json_t *item;
    json_array_foreach(names, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), name) == 0)
            return true;
    }
    return false;
}

/*
 * Builds a Partition of table raw (a decoded Hive Table) with values at
 * location: the table's storage descriptor with that location.
 */
thrift_value *athena_ddl_partition_struct(const thrift_value *raw, const char *database,
                                      const char *table, const char *const *values, size_t count,
                                      const char *location)
{
    thrift_value *list = thrift_value_new_list(THRIFT_STRING);
    for (size_t i = 0; i < count; i++)
        thrift_list_append(list, thrift_value_new_cstring(values[i] ? values[i]
                                                                    : HIVE_NULL_PARTITION));
    thrift_value *partition = thrift_value_new_struct();
    thrift_struct_set(partition, PARTITION_VALUES, list);
    thrift_struct_set(partition, PARTITION_DB_NAME, thrift_value_new_cstring(database));
    thrift_struct_set(partition, PARTITION_TABLE_NAME, thrift_value_new_cstring(table));
    thrift_struct_set(partition, PARTITION_CREATE_TIME, thrift_value_new_i32((int32_t)time(NULL)));
    thrift_struct_set(partition, PARTITION_LAST_ACCESS_TIME, thrift_value_new_i32(0));
    const thrift_value *sd = thrift_struct_get(raw, TABLE_SD);
    thrift_value *copy = sd && sd->type == THRIFT_STRUCT ? thrift_value_copy(sd)
                                                         : thrift_value_new_struct();
    thrift_struct_set(copy, SD_LOCATION, thrift_value_new_cstring(location));
    thrift_struct_set(partition, PARTITION_SD, copy);
    thrift_struct_set(partition, PARTITION_PARAMETERS,
                      thrift_value_new_map(THRIFT_STRING, THRIFT_STRING));
    return partition;
}

/* Sends the TJSON partitions of batch (a JSON array, taken) with addPartitions. */
bool athena_ddl_add_partitions(athena_ddl *d, json_t *batch, bool *existing)
{
    *existing = false;
    if (json_array_size(batch) == 0) {
        json_decref(batch);
        return true;
    }
    json_t *request = json_pack("{s:o}", "partitionDescs", batch);
    char *message = NULL;
    json_t *response = athena_run_metastore_try(d->run, &d->metastore, "addPartitions", request,
                                                &message);
    json_decref(request);
    json_decref(response);
    if (!response && message_exists(message))
        *existing = true;
    else if (!response)
        fail_metastore(d, message);
    free(message);
    return response != NULL;
}

/* ------------------------------------------------------------------------
 * Results
 * ---------------------------------------------------------------------- */

void athena_ddl_row(athena_ddl *d, const char *const *fields, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i)
            owl_buf_putc(&d->lines, '\t');
        /* A line break inside a field would split the row in the file. */
        for (const char *p = fields[i] ? fields[i] : ""; *p; p++)
            owl_buf_putc(&d->lines, *p == '\n' ? ' ' : *p);
    }
    owl_buf_putc(&d->lines, '\n');
}

/* Writes text to a new local file at path; false after athena_run_fail(). */
static bool write_local(athena_run *run, const char *path, const char *text, size_t len)
{
    FILE *file = fopen(path, "wb");
    bool ok = file && fwrite(text, 1, len, file) == len;
    if (file && fclose(file) != 0)
        ok = false;
    if (!ok)
        athena_run_fail(run, ATHENA_ERROR_SYSTEM, "INTERNAL_ERROR: writing %s failed: %s", path,
                        strerror(errno));
    return ok;
}

/*
 * Stores a result as <output><id><extension> and its .metadata (the
 * column list in the engine's metadata format), as the caller.
 */
bool athena_ddl_put_result(athena_run *run, const char *extension, const char *text,
                             size_t len, json_t *columns)
{
    owl_buf path = OWL_BUF_INIT, metadata = OWL_BUF_INIT, uri = OWL_BUF_INIT;
    athena_run_local_path(run, extension, &path);
    owl_buf_printf(&metadata, "%s.metadata", path.data);

    json_t *doc = json_pack("{s:i, s:O}", "version", 1, "columns", columns);
    char *doc_text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    bool ok = write_local(run, path.data, text ? text : "", len) &&
              write_local(run, metadata.data, doc_text, strlen(doc_text));
    free(doc_text);
    owl_buf_printf(&uri, "%s%s%s", run->job->output_location, run->job->id, extension);
    const char *type = strcmp(extension, ".csv") == 0 ? "text/csv" : "text/plain";
    ok = ok && athena_run_put_object(run, path.data, uri.data, type, "the query result");
    owl_buf_puts(&uri, ".metadata");
    ok = ok && athena_run_put_object(run, metadata.data, uri.data, "application/json",
                                     "the query result");
    unlink(path.data);
    unlink(metadata.data);
    owl_buf_free(&path);
    owl_buf_free(&metadata);
    owl_buf_free(&uri);
    return ok;
}

static bool put_ddl_result(athena_ddl *d)
{
    json_t *columns = json_array();
    for (size_t i = 0; i < d->column_count; i++)
        json_array_append_new(columns, json_pack("{s:s, s:s, s:i, s:i}", "name", d->columns[i],
                                                 "type", "string", "precision", 0, "scale", 0));
    bool ok = athena_ddl_put_result(d->run, ".txt", d->lines.data, d->lines.len, columns);
    json_decref(columns);
    return ok;
}

/* ------------------------------------------------------------------------
 * CREATE and DROP
 * ---------------------------------------------------------------------- */

/* The prefix of Hive's messages for a metastore call that failed. */
#define DDL_TASK_ERROR                                                                            \
    "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "

static bool create_database(athena_ddl *d)
{
    if (!athena_ddl_metastore(d))
        return false;
    json_t *request = json_pack("{s:s, s:o}", "name", d->stmt.database, "params", json_object());
    if (d->stmt.comment)
        json_object_set_new(request, "description", json_string(d->stmt.comment));
    if (d->stmt.location)
        json_object_set_new(request, "location", json_string(d->stmt.location));
    for (size_t i = 0; i < d->stmt.property_count; i++)
        json_object_set_new(json_object_get(request, "params"), d->stmt.properties[i].key,
                            json_string(d->stmt.properties[i].value));
    char *message = NULL;
    json_t *response = athena_run_metastore_try(d->run, &d->metastore, "createDatabase", request,
                                                &message);
    json_decref(request);
    json_decref(response);
    bool ok = response != NULL;
    if (!ok && message_exists(message) && d->stmt.if_not_exists)
        ok = true;
    else if (!ok && message_exists(message))
        athena_run_fail(d->run, ATHENA_ERROR_USER, DDL_TASK_ERROR "Database %s already exists",
                        d->stmt.database);
    else if (!ok)
        fail_metastore(d, message);
    free(message);
    return ok;
}

static bool create_external_table(athena_ddl *d)
{
    engine_ddl_table t;
    char *err = NULL;
    if (!engine_ddl_parse(d->sql, strlen(d->sql), &t, &err)) {
        athena_run_fail(d->run, ATHENA_ERROR_USER, "%s", err ? err : "SYNTAX_ERROR");
        free(err);
        return false;
    }
    const char *database = t.database ? t.database : d->database;
    bool ok = true, exists = false;
    if (!t.external) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "NOT_SUPPORTED: Only external table creation is supported; write CREATE "
                        "EXTERNAL TABLE");
        ok = false;
    } else if (!t.location || strncmp(t.location, "s3://", 5) != 0) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "INVALID_INPUT: CREATE EXTERNAL TABLE %s.%s needs a LOCATION "
                        "'s3://bucket/prefix/' clause, got %s",
                        database, t.table, t.location ? t.location : "none");
        ok = false;
    }
    ok = ok && athena_ddl_database_exists(d, database, &exists);
    if (ok && !exists) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "FAILED: SemanticException [Error 10072]: Database does not exist: %s",
                        database);
        ok = false;
    }
    if (ok) {
        engine_kv *params = calloc(t.table_param_count + 1, sizeof *params);
        if (!params)
            abort();
        size_t param_count = 0;
        for (size_t i = 0; i < t.table_param_count; i++)
            params[param_count++] = t.table_params[i];
        if (t.comment)
            params[param_count++] = (engine_kv){(char *)"comment", t.comment};
        athena_table_spec spec = {
            .database = database, .table = t.table, .location = t.location,
            .owner = d->run->job->identity.arn, .columns = t.columns,
            .column_count = t.column_count, .keys = t.partition_keys,
            .key_count = t.partition_key_count, .serde = t.serde, .input_format = t.input_format,
            .output_format = t.output_format, .serde_params = t.serde_params,
            .serde_param_count = t.serde_param_count, .params = params,
            .param_count = param_count};
        bool existing = false;
        ok = athena_ddl_create_table(d, &spec, &existing);
        if (existing && (t.if_not_exists)) {
            ok = true;
        } else if (existing) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            DDL_TASK_ERROR "AlreadyExistsException(message:Table %s.%s already "
                            "exists)",
                            database, t.table);
        }
        free(params);
    }
    engine_ddl_table_free(&t);
    return ok;
}

static bool drop_table(athena_ddl *d)
{
    bool missing = false;
    json_t *table = athena_ddl_get_table(d, d->database, d->stmt.table, NULL,
                                         d->stmt.if_exists ? &missing : NULL);
    if (!table)
        return missing;
    json_decref(table);
    return call_void(d, "dropTable",
                     json_pack("{s:s, s:s, s:b}", "dbName", d->database, "tableName",
                               d->stmt.table, "deleteData", 0));
}

static bool drop_database(athena_ddl *d)
{
    bool exists = false;
    if (!athena_ddl_database_exists(d, d->stmt.database, &exists))
        return false;
    if (!exists && d->stmt.if_exists)
        return true;
    if (!exists) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "FAILED: SemanticException [Error 10072]: Database does not exist: %s",
                        d->stmt.database);
        return false;
    }
    if (!d->stmt.cascade) {
        json_t *request = json_pack("{s:s}", "dbName", d->stmt.database);
        json_t *response = athena_run_metastore_call(d->run, &d->metastore, "getTableNames",
                                                     request);
        json_decref(request);
        if (!response)
            return false;
        size_t tables = json_array_size(json_object_get(response, "tables"));
        json_decref(response);
        if (tables > 0) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            DDL_TASK_ERROR "InvalidOperationException(message:Database %s is not "
                            "empty. One or more tables exist.)",
                            d->stmt.database);
            return false;
        }
    }
    return call_void(d, "dropDatabase",
                     json_pack("{s:s, s:b, s:b}", "dbName", d->stmt.database, "deleteData", 0,
                               "cascade", d->stmt.cascade));
}

/* ------------------------------------------------------------------------
 * ALTER TABLE ADD/DROP PARTITION, MSCK REPAIR TABLE
 * ---------------------------------------------------------------------- */

/* Writes "(k1='v1', k2='v2')" of spec for messages. */
static void describe_spec(owl_buf *out, const engine_partition_spec *spec)
{
    owl_buf_putc(out, '(');
    for (size_t i = 0; i < spec->count; i++)
        owl_buf_printf(out, "%s%s='%s'", i ? ", " : "", spec->values[i].key,
                       spec->values[i].value);
    owl_buf_putc(out, ')');
}

/*
 * Orders the values of spec by the table's partition keys into values[].
 * False after athena_run_fail() when spec names a column that is not a
 * partition key or leaves one out.
 */
static bool spec_values(athena_ddl *d, const engine_partition_spec *spec,
                        const engine_column *keys, size_t key_count, const char **values)
{
    for (size_t i = 0; i < spec->count; i++) {
        size_t k = 0;
        while (k < key_count && strcasecmp(keys[k].name, spec->values[i].key) != 0)
            k++;
        if (k == key_count) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            "FAILED: SemanticException [Error 10098]: Non-Partition column "
                            "appears in the partition specification:  %s",
                            spec->values[i].key);
            return false;
        }
        values[k] = spec->values[i].value;
    }
    if (spec->count != key_count) {
        owl_buf text = OWL_BUF_INIT;
        describe_spec(&text, spec);
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "FAILED: ValidationFailureSemanticException partition spec %s does not "
                        "contain all (%zu) partition columns of table %s.%s",
                        text.data, key_count, d->database, d->stmt.table);
        owl_buf_free(&text);
        return false;
    }
    return true;
}

static bool add_partitions(athena_ddl *d)
{
    thrift_value *raw = NULL;
    json_t *table = athena_ddl_get_table(d, d->database, d->stmt.table, &raw, NULL);
    if (!table)
        return false;
    size_t key_count;
    engine_column *keys = athena_ddl_columns(json_object_get(table, "PartitionKeys"), &key_count);
    const char *location = athena_ddl_parameter(table, "location");
    json_t *existing = athena_ddl_partition_names(d, d->database, d->stmt.table);
    json_t *batch = json_array();
    const char **values = calloc(key_count + 1, sizeof *values);
    if (!values)
        abort();
    bool ok = existing != NULL;
    for (size_t s = 0; ok && s < d->stmt.partition_count; s++) {
        const engine_partition_spec *spec = &d->stmt.partitions[s];
        ok = spec_values(d, spec, keys, key_count, values);
        if (!ok)
            break;
        char *name = athena_ddl_partition_name(keys, key_count, values);
        if (athena_ddl_names_contain(existing, name) && !d->stmt.if_not_exists) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            DDL_TASK_ERROR "AlreadyExistsException(message:Partition already "
                            "exists: %s.%s %s)",
                            d->database, d->stmt.table, name);
            ok = false;
        } else if (!athena_ddl_names_contain(existing, name)) {
            owl_buf path = OWL_BUF_INIT;
            if (spec->location) {
                owl_buf_puts(&path, spec->location);
            } else {
                char *base = athena_ddl_with_slash(location ? location : "");
                owl_buf_printf(&path, "%s%s/", base, name);
                free(base);
            }
            json_array_append_new(existing, json_string(name));
            json_array_append_new(batch, athena_ddl_tjson(athena_ddl_partition_struct(
                                             raw, d->database, d->stmt.table, values, key_count,
                                             path.data)));
            owl_buf_free(&path);
        }
        free(name);
    }
    bool duplicate = false;
    if (ok)
        ok = athena_ddl_add_partitions(d, json_incref(batch), &duplicate);
    if (duplicate)
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        DDL_TASK_ERROR "AlreadyExistsException(message:Partition already exists "
                        "in table %s.%s)",
                        d->database, d->stmt.table);
    json_decref(batch);
    json_decref(existing);
    free(values);
    free(keys);
    thrift_value_free(raw);
    json_decref(table);
    return ok;
}

/*
 * Splits the Hive partition name k1=v1/k2=v2 into key_count unescaped
 * values (malloc'ed). False when the name has another shape.
 */
static bool name_values(const char *name, size_t key_count, char **values)
{
    const char *p = name;
    for (size_t k = 0; k < key_count; k++) {
        const char *end = strchr(p, '/');
        if (!end)
            end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        values[k] = eq ? strndup(eq + 1, (size_t)(end - eq - 1)) : NULL;
        if (!values[k] || !unescape_path(values[k]) || (k + 1 < key_count && !*end)) {
            for (size_t j = 0; j <= k; j++)
                free(values[j]);
            return false;
        }
        p = *end ? end + 1 : end;
    }
    return true;
}

/*
 * DROP PARTITION takes full or partial specs, as Hive does: a spec naming
 * some of the keys drops every partition with those values.
 */
static bool drop_partitions(athena_ddl *d)
{
    json_t *table = athena_ddl_get_table(d, d->database, d->stmt.table, NULL, NULL);
    if (!table)
        return false;
    size_t key_count;
    engine_column *keys = athena_ddl_columns(json_object_get(table, "PartitionKeys"), &key_count);
    json_t *existing = athena_ddl_partition_names(d, d->database, d->stmt.table);
    json_t *dropping = json_array();
    char **values = calloc(key_count + 1, sizeof *values);
    if (!values)
        abort();
    bool ok = existing != NULL;

    for (size_t s = 0; ok && s < d->stmt.partition_count; s++) {
        const engine_partition_spec *spec = &d->stmt.partitions[s];
        size_t *index = calloc(spec->count + 1, sizeof *index);
        if (!index)
            abort();
        for (size_t i = 0; ok && i < spec->count; i++) {
            while (index[i] < key_count && strcasecmp(keys[index[i]].name, spec->values[i].key))
                index[i]++;
            if (index[i] == key_count) {
                athena_run_fail(d->run, ATHENA_ERROR_USER,
                                "FAILED: SemanticException [Error 10098]: Non-Partition column "
                                "appears in the partition specification:  %s",
                                spec->values[i].key);
                ok = false;
            }
        }
        size_t matched = 0;
        size_t n;
        json_t *item;
        json_array_foreach(existing, n, item) {
            if (!ok || !json_is_string(item) ||
                !name_values(json_string_value(item), key_count, values))
                continue;
            bool match = true;
            for (size_t i = 0; i < spec->count; i++)
                match = match && strcmp(values[index[i]], spec->values[i].value) == 0;
            if (match && !athena_ddl_names_contain(dropping, json_string_value(item)))
                json_array_append(dropping, item);
            matched += match;
            for (size_t k = 0; k < key_count; k++)
                free(values[k]);
        }
        free(index);
        if (ok && matched == 0 && !d->stmt.if_exists) {
            owl_buf text = OWL_BUF_INIT;
            describe_spec(&text, spec);
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            "FAILED: SemanticException [Error 10006]: Partition not found %s",
                            text.data);
            owl_buf_free(&text);
            ok = false;
        }
    }

    /* Nothing is dropped unless every spec matched. */
    size_t n;
    json_t *item;
    json_array_foreach(dropping, n, item) {
        if (!ok || !name_values(json_string_value(item), key_count, values))
            continue;
        json_t *arguments = json_array();
        for (size_t k = 0; k < key_count; k++) {
            json_array_append_new(arguments, json_string(values[k]));
            free(values[k]);
        }
        ok = call_void(d, "dropPartition",
                       json_pack("{s:s, s:s, s:b, s:o}", "dbName", d->database, "tableName",
                                 d->stmt.table, "deleteData", 0, "arguments", arguments));
    }
    json_decref(dropping);
    json_decref(existing);
    free(values);
    free(keys);
    json_decref(table);
    return ok;
}

/* ------------------------------------------------------------------------
 * ALTER TABLE ADD/REPLACE COLUMNS, SET LOCATION, SET TBLPROPERTIES
 * ---------------------------------------------------------------------- */

/* Sets key to value in the string map, replacing an entry with that key. */
static void map_set(thrift_value *map, const char *key, const char *value)
{
    for (size_t i = 0; i < map->u.map.count; i++) {
        const char *name = thrift_value_get_string(map->u.map.entries[i].key, NULL);
        if (name && strcmp(name, key) == 0) {
            thrift_value_free(map->u.map.entries[i].value);
            map->u.map.entries[i].value = thrift_value_new_cstring(value);
            return;
        }
    }
    thrift_map_put(map, thrift_value_new_cstring(key), thrift_value_new_cstring(value));
}

/* Changes the decoded Hive Table raw as the statement says; false after athena_run_fail(). */
static bool alter_struct(athena_ddl *d, json_t *table, thrift_value *raw)
{
    thrift_value *sd = thrift_struct_get(raw, TABLE_SD);
    if (!sd || sd->type != THRIFT_STRUCT) {
        athena_run_fail(d->run, ATHENA_ERROR_SYSTEM,
                        "HIVE_METASTORE_ERROR: table %s.%s has no storage descriptor",
                        d->database, d->stmt.table);
        return false;
    }
    const engine_column *added = d->stmt.table_columns;
    size_t added_count = d->stmt.table_column_count;
    switch (d->stmt.op) {
    case ENGINE_DDL_ADD_COLUMNS: {
        const char *lists[] = {"Columns", "PartitionKeys"};
        for (size_t c = 0; c < added_count; c++) {
            for (size_t l = 0; l < 2; l++) {
                size_t i;
                json_t *column;
                json_array_foreach(json_object_get(table, lists[l]), i, column) {
                    const char *name = json_string_value(json_object_get(column, "Name"));
                    if (name && strcasecmp(name, added[c].name) == 0) {
                        athena_run_fail(d->run, ATHENA_ERROR_USER,
                                        "FAILED: SemanticException [Error 10036]: Duplicate "
                                        "column name: %s",
                                        added[c].name);
                        return false;
                    }
                }
            }
        }
        thrift_value *cols = thrift_struct_get(sd, SD_COLS);
        thrift_value *list = cols ? thrift_value_copy(cols) : thrift_value_new_list(THRIFT_STRUCT);
        thrift_value *fields = field_schemas(added, added_count);
        for (size_t i = 0; i < fields->u.list.count; i++)
            thrift_list_append(list, thrift_value_copy(fields->u.list.items[i]));
        thrift_value_free(fields);
        thrift_struct_set(sd, SD_COLS, list);
        return true;
    }
    case ENGINE_DDL_REPLACE_COLUMNS:
        thrift_struct_set(sd, SD_COLS, field_schemas(added, added_count));
        return true;
    case ENGINE_DDL_SET_LOCATION:
        thrift_struct_set(sd, SD_LOCATION, thrift_value_new_cstring(d->stmt.location));
        return true;
    case ENGINE_DDL_SET_TBLPROPERTIES: {
        thrift_value *parameters = thrift_struct_get(raw, TABLE_PARAMETERS);
        if (!parameters || parameters->type != THRIFT_MAP) {
            thrift_struct_set(raw, TABLE_PARAMETERS,
                              thrift_value_new_map(THRIFT_STRING, THRIFT_STRING));
            parameters = thrift_struct_get(raw, TABLE_PARAMETERS);
        }
        for (size_t i = 0; i < d->stmt.property_count; i++)
            map_set(parameters, d->stmt.properties[i].key, d->stmt.properties[i].value);
        return true;
    }
    default:
        athena_run_fail(d->run, ATHENA_ERROR_SYSTEM,
                        "INTERNAL_ERROR: ALTER TABLE operation %d has no handler", (int)d->stmt.op);
        return false;
    }
}

/* Reads the table, changes it and stores it back with alterTable. */
static bool alter_table(athena_ddl *d)
{
    thrift_value *raw = NULL;
    json_t *table = athena_ddl_get_table(d, d->database, d->stmt.table, &raw, NULL);
    if (!table)
        return false;
    bool ok = alter_struct(d, table, raw);
    if (ok) {
        json_t *text = athena_ddl_tjson(raw);
        raw = NULL;
        ok = call_void(d, "alterTable",
                       json_pack("{s:s, s:s, s:o}", "dbName", d->database, "tableName",
                                 d->stmt.table, "tableDesc", text));
    }
    thrift_value_free(raw);
    json_decref(table);
    return ok;
}

/* Fails the run for a listing of s3://bucket/prefix that did not succeed. */
void athena_ddl_fail_listing(athena_ddl *d, int status, const char *bucket, const char *prefix,
                             const char *err)
{
    if (status == S3_READ_DENIED)
        athena_run_fail(d->run, ATHENA_ERROR_USER, "PERMISSION_DENIED: reading s3://%s/%s: %s",
                        bucket, prefix, err);
    else if (status == S3_READ_NOT_FOUND)
        athena_run_fail(d->run, ATHENA_ERROR_USER, "HIVE_INVALID_METADATA: s3://%s/%s: %s",
                        bucket, prefix, err);
    else
        athena_run_fail(d->run, ATHENA_ERROR_SYSTEM, "INTERNAL_ERROR: %s", err);
}

/*
 * Parses the partition directory at the start of relative key rel
 * ("k1=v1/k2=v2/file") into values (malloc'ed, unescaped) and the directory
 * length. False when the key does not lie in a directory of the keys.
 */
static bool key_partition(const char *rel, const engine_column *keys, size_t key_count,
                          char **values, size_t *dir_len)
{
    const char *p = rel;
    for (size_t k = 0; k < key_count; k++) {
        const char *slash = strchr(p, '/');
        const char *eq = memchr(p, '=', slash ? (size_t)(slash - p) : 0);
        if (!slash || !eq) {
            for (size_t j = 0; j < k; j++)
                free(values[j]);
            return false;
        }
        char *key = strndup(p, (size_t)(eq - p));
        values[k] = strndup(eq + 1, (size_t)(slash - eq - 1));
        bool ok = key && values[k] && unescape_path(key) && unescape_path(values[k]) &&
                  strcasecmp(key, keys[k].name) == 0 && *values[k];
        free(key);
        if (!ok) {
            for (size_t j = 0; j <= k; j++)
                free(values[j]);
            return false;
        }
        p = slash + 1;
    }
    *dir_len = (size_t)(p - rel);
    return true;
}

static bool msck_repair(athena_ddl *d)
{
    thrift_value *raw = NULL;
    json_t *table = athena_ddl_get_table(d, d->database, d->stmt.table, &raw, NULL);
    if (!table)
        return false;
    size_t key_count;
    engine_column *keys = athena_ddl_columns(json_object_get(table, "PartitionKeys"), &key_count);
    const char *location = athena_ddl_parameter(table, "location");
    char *bucket = NULL, *prefix = NULL;
    bool ok = key_count == 0 || athena_s3_location_split(location, &bucket, &prefix);
    bool duplicate = false;
    if (!ok)
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "HIVE_METASTORE_ERROR: location %s of table %s.%s is not an S3 URI",
                        location ? location : "(missing)", d->database, d->stmt.table);
    json_t *existing = NULL;
    if (ok && key_count)
        existing = athena_ddl_partition_names(d, d->database, d->stmt.table);
    ok = ok && (key_count == 0 || existing);

    s3_read_list list = {0};
    if (ok && key_count) {
        char err[1200];
        s3_read_status status = s3_read_prefix(&d->run->call, bucket, prefix, &list, err,
                                               sizeof err);
        if (status != S3_READ_OK) {
            athena_ddl_fail_listing(d, status, bucket, prefix, err);
            ok = false;
        }
    }

    json_t *batch = json_array();
    owl_buf missing = OWL_BUF_INIT, added = OWL_BUF_INIT;
    char **values = calloc(key_count + 1, sizeof *values);
    if (!values)
        abort();
    size_t prefix_len = prefix ? strlen(prefix) : 0;
    for (size_t i = 0; ok && i < list.count; i++) {
        const char *rel = list.items[i].key + prefix_len;
        size_t dir_len;
        if (!key_partition(rel, keys, key_count, values, &dir_len))
            continue;
        char *name = athena_ddl_partition_name(keys, key_count, (const char *const *)values);
        if (!athena_ddl_names_contain(existing, name)) {
            owl_buf path = OWL_BUF_INIT;
            owl_buf_printf(&path, "s3://%s/%s%.*s", bucket, prefix, (int)dir_len, rel);
            json_array_append_new(existing, json_string(name));
            json_array_append_new(batch, athena_ddl_tjson(athena_ddl_partition_struct(
                                             raw, d->database, d->stmt.table,
                                             (const char *const *)values, key_count, path.data)));
            owl_buf_printf(&missing, "\t%s:%s", d->stmt.table, name);
            owl_buf_printf(&added, "Repair: Added partition to metastore %s:%s\n", d->stmt.table,
                           name);
            owl_buf_free(&path);
        }
        free(name);
        for (size_t k = 0; k < key_count; k++)
            free(values[k]);
        if (json_array_size(batch) == ADD_BATCH) {
            ok = athena_ddl_add_partitions(d, batch, &duplicate);
            batch = json_array();
        }
    }
    if (ok)
        ok = athena_ddl_add_partitions(d, json_incref(batch), &duplicate);
    if (duplicate)
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        DDL_TASK_ERROR "AlreadyExistsException(message:a partition of %s.%s was "
                        "added while MSCK REPAIR TABLE ran)",
                        d->database, d->stmt.table);
    /* Hive's report: the partitions missing from the metastore, then each one added. */
    if (ok && missing.len) {
        owl_buf_printf(&d->lines, "Partitions not in metastore:%s\n", missing.data);
        owl_buf_append(&d->lines, added.data, added.len);
    }
    json_decref(batch);
    owl_buf_free(&missing);
    owl_buf_free(&added);
    free(values);
    s3_read_list_free(&list);
    json_decref(existing);
    free(bucket);
    free(prefix);
    free(keys);
    thrift_value_free(raw);
    json_decref(table);
    return ok;
}

/* ------------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------- */

void athena_run_statement(athena_run *run, engine_stmt_kind kind, engine_query_stats *stats)
{
    athena_ddl d = {.run = run, .sql = run->job->sql, .lines = OWL_BUF_INIT};
    char *err = NULL;
    if (kind == ENGINE_STMT_CREATE_VIEW || kind == ENGINE_STMT_DROP_VIEW ||
        kind == ENGINE_STMT_OTHER_DDL) {
        athena_run_fail(run, ATHENA_ERROR_USER,
                        "NOT_SUPPORTED: %s statements are not supported by this owlery build",
                        engine_stmt_kind_name(kind));
        return;
    }
    if (kind != ENGINE_STMT_CREATE_EXTERNAL_TABLE &&
        !engine_ddl_stmt_parse(d.sql, strlen(d.sql), &d.stmt, &err)) {
        athena_run_fail(run, ATHENA_ERROR_USER, "%s", err ? err : "SYNTAX_ERROR");
        free(err);
        return;
    }
    /* Tables and partitions live in S3: a local path would never be read. */
    const char *bad_location = NULL;
    if (d.stmt.location && strncmp(d.stmt.location, "s3://", 5) != 0)
        bad_location = d.stmt.location;
    for (size_t i = 0; !bad_location && i < d.stmt.partition_count; i++)
        if (d.stmt.partitions[i].location &&
            strncmp(d.stmt.partitions[i].location, "s3://", 5) != 0)
            bad_location = d.stmt.partitions[i].location;
    if (bad_location) {
        athena_run_fail(run, ATHENA_ERROR_USER,
                        "INVALID_INPUT: location %.1024s is not an S3 location of the form "
                        "s3://bucket/prefix/",
                        bad_location);
        engine_ddl_stmt_free(&d.stmt);
        return;
    }
    d.catalog = d.stmt.catalog ? d.stmt.catalog : run->job->catalog;
    d.database = d.stmt.database ? d.stmt.database
                 : run->job->database ? run->job->database : "default";

    bool ok = false, table_result = false;
    if (kind == ENGINE_STMT_CREATE_EXTERNAL_TABLE) {
        ok = athena_ddl_metastore(&d) && create_external_table(&d);
    } else {
        switch (d.stmt.op) {
        case ENGINE_DDL_SHOW_DATABASES:
        case ENGINE_DDL_SHOW_TABLES:
        case ENGINE_DDL_SHOW_COLUMNS:
        case ENGINE_DDL_SHOW_PARTITIONS:
        case ENGINE_DDL_SHOW_CREATE_TABLE:
        case ENGINE_DDL_SHOW_TBLPROPERTIES:
        case ENGINE_DDL_DESCRIBE: ok = athena_ddl_show(&d); break;
        case ENGINE_DDL_CREATE_DATABASE: ok = create_database(&d); break;
        case ENGINE_DDL_DROP_TABLE: ok = drop_table(&d); break;
        case ENGINE_DDL_DROP_DATABASE: ok = drop_database(&d); break;
        case ENGINE_DDL_ADD_PARTITION: ok = add_partitions(&d); break;
        case ENGINE_DDL_DROP_PARTITION: ok = drop_partitions(&d); break;
        case ENGINE_DDL_MSCK_REPAIR: ok = msck_repair(&d); break;
        case ENGINE_DDL_ADD_COLUMNS:
        case ENGINE_DDL_REPLACE_COLUMNS:
        case ENGINE_DDL_SET_LOCATION:
        case ENGINE_DDL_SET_TBLPROPERTIES: ok = alter_table(&d); break;
        case ENGINE_DDL_CTAS:
            table_result = true;
            ok = athena_ddl_metastore(&d) && athena_ddl_ctas(&d, stats);
            break;
        case ENGINE_DDL_INSERT:
            table_result = true;
            ok = athena_ddl_metastore(&d) && athena_ddl_insert(&d, stats);
            break;
        }
    }
    if (!ok && !run->failure)
        /* Every failing path records its reason; a missing one must not read as success. */
        athena_run_fail(run, ATHENA_ERROR_SYSTEM,
                        "INTERNAL_ERROR: the %s statement failed without a recorded reason",
                        engine_stmt_kind_name(kind));
    if (ok && !table_result)
        put_ddl_result(&d);
    owl_log_info("event=athena_statement query_execution_id=%s kind=%s catalog=%s ok=%d",
                 run->job->id, engine_stmt_kind_name(kind), d.catalog, ok);
    if (d.metastore_open)
        athena_metastore_close(&d.metastore);
    engine_ddl_stmt_free(&d.stmt);
    owl_buf_free(&d.lines);
}
