/*
 * Partition apiNames, on the metastore's partition calls (parameter ids of
 * hive_metastore.thrift, Hive 2.3 and 3.1). Partition objects travel as
 * TJSONProtocol strings, under the reference connector's field names:
 * "partitions", "partitionDescs", "partitionDesc".
 */
#include "connector/internal.h"

#include <stdlib.h>
#include <string.h>

/* Field ids of the structs this file builds. */
#define TABLE_NAME 1
#define TABLE_DB_NAME 2
#define TABLE_SD 7
#define SD_LOCATION 2
#define PARTITION_VALUES 1
#define PARTITION_DB_NAME 2
#define PARTITION_TABLE_NAME 3
#define PARTITION_SD 6
#define PARTITION_PARAMETERS 7
#define EXPR_RESULT_PARTITIONS 1
#define EXPR_RESULT_HAS_UNKNOWN 2

/* Reads the dbName and tableName every partition apiName takes. */
static bool read_table_ref(api_call *call, const char **db_name, const char **table_name,
                           connector_error *err)
{
    return api_string(call, "dbName", true, db_name, err) &&
           api_string(call, "tableName", true, table_name, err);
}

/* Reads maxSize for a call whose max_parts parameter is an i16 (-1 means all). */
static bool read_max_parts(api_call *call, const char *name, int16_t *out, connector_error *err)
{
    long long value = -1;
    if (!api_integer(call, name, INT16_MIN, INT16_MAX, &value, err))
        return false;
    *out = (int16_t)value;
    return true;
}

static bool fetch_partition_names(api_call *call, const char *db_name, const char *table_name,
                                  int16_t max_parts, thrift_value **result,
                                  connector_error *err)
{
    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, thrift_value_new_i16(max_parts));
    return api_metastore_call(call, "get_partition_names", args, result, err);
}

/* Sets key in the apiResponse to the partitions named in names (borrowed). */
static bool answer_partitions_by_names(api_call *call, const char *key, const char *db_name,
                                       const char *table_name, const thrift_value *names,
                                       connector_error *err)
{
    if (thrift_value_count(names) == 0) {
        api_set(call, key, json_array());
        return true;
    }

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, thrift_value_copy(names));
    thrift_value *result = NULL;
    if (!api_metastore_call(call, "get_partitions_by_names", args, &result, err))
        return false;
    json_t *partitions = api_tjson_list(api_result_value(result), err);
    thrift_value_free(result);
    if (!partitions)
        return false;
    api_set(call, key, partitions);
    return true;
}

/* Sends args to method and sets key to the list<Partition> it returns. */
static bool answer_partition_list(api_call *call, const char *method, thrift_value *args,
                                  const char *key, connector_error *err)
{
    thrift_value *result = NULL;
    if (!api_metastore_call(call, method, args, &result, err))
        return false;
    json_t *partitions = api_tjson_list(api_result_value(result), err);
    thrift_value_free(result);
    if (!partitions)
        return false;
    api_set(call, key, partitions);
    return true;
}

/* Sends args to method and sets "partitionDesc" to the Partition it returns. */
static bool answer_partition(api_call *call, const char *method, thrift_value *args,
                             connector_error *err)
{
    thrift_value *result = NULL;
    if (!api_metastore_call(call, method, args, &result, err))
        return false;
    json_t *partition = api_tjson(api_result_value(result), err);
    thrift_value_free(result);
    if (!partition)
        return false;
    api_set(call, "partitionDesc", partition);
    return true;
}

/* Sends args to a method whose return value the response does not carry. */
static bool send_only(api_call *call, const char *method, thrift_value *args,
                      connector_error *err)
{
    thrift_value *result = NULL;
    if (!api_metastore_call(call, method, args, &result, err))
        return false;
    thrift_value_free(result);
    return true;
}

/* With "filter" (an owlery extension), uses get_partitions_by_filter. */
static bool get_partitions(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL, *filter = NULL;
    int16_t max_parts = -1;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !read_max_parts(call, "maxSize", &max_parts, err) ||
        !api_string(call, "filter", false, &filter, err))
        return false;

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    if (filter && *filter) {
        thrift_struct_set(args, 3, thrift_value_new_cstring(filter));
        thrift_struct_set(args, 4, thrift_value_new_i16(max_parts));
        return answer_partition_list(call, "get_partitions_by_filter", args, "partitions", err);
    }
    thrift_struct_set(args, 3, thrift_value_new_i16(max_parts));
    return answer_partition_list(call, "get_partitions", args, "partitions", err);
}

static bool get_partition_names(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    int16_t max_parts = -1;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !read_max_parts(call, "maxSize", &max_parts, err))
        return false;

    thrift_value *result = NULL;
    if (!fetch_partition_names(call, db_name, table_name, max_parts, &result, err))
        return false;
    json_t *names = api_string_array(api_result_value(result), err);
    thrift_value_free(result);
    if (!names)
        return false;
    api_set(call, "partitionNames", names);
    return true;
}

/* Without names, returns every partition, as the reference connector does. */
static bool get_partitions_by_names(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *names = NULL, *all = NULL;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_string_list(call, "names", false, &names, err))
        return false;

    if (!names && !fetch_partition_names(call, db_name, table_name, -1, &all, err))
        return false;
    bool ok = answer_partitions_by_names(call, "partitionDescs", db_name, table_name,
                                         names ? names : api_result_value(all), err);
    thrift_value_free(names);
    thrift_value_free(all);
    return ok;
}

/*
 * One page costs one get_partition_names call (the whole sorted name list)
 * and one get_partitions_by_names call for the page's names.
 */
static bool list_partitions(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL, *token = NULL;
    long long max_size = -1;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_page_request(call, &token, &max_size, err))
        return false;

    thrift_value *result = NULL;
    if (!fetch_partition_names(call, db_name, table_name, -1, &result, err))
        return false;
    api_page page;
    bool ok = api_page_cut(api_result_value(result), token, max_size, &page, err);
    thrift_value_free(result);
    if (!ok)
        return false;

    ok = answer_partitions_by_names(call, "partitions", db_name, table_name, page.names, err);
    if (ok)
        api_set(call, "nextToken", page.next_token ? json_string(page.next_token) : json_null());
    api_page_free(&page);
    return ok;
}

/* expr is the metastore's serialized filter expression, base64 in the request (Jackson's byte[] form). */
static bool list_partitions_by_expr(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL, *expr = NULL, *default_name = NULL;
    int16_t max_parts = -1;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_string(call, "expr", true, &expr, err) ||
        !api_string(call, "defaultPartitionName", false, &default_name, err) ||
        !read_max_parts(call, "maxParts", &max_parts, err))
        return false;

    size_t expr_len = 0;
    uint8_t *expr_bytes = api_base64_decode(expr, strlen(expr), &expr_len);
    if (!expr_bytes)
        return connector_error_set(err, API_INVALID_REQUEST, "apiRequest.expr must be base64");

    thrift_value *request = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(request, 3, thrift_value_new_string_owned(expr_bytes, expr_len, true));
    if (default_name)
        thrift_struct_set(request, 4, thrift_value_new_cstring(default_name));
    thrift_struct_set(request, 5, thrift_value_new_i16(max_parts));
    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, request);

    thrift_value *result = NULL;
    if (!api_metastore_call(call, "get_partitions_by_expr", args, &result, err))
        return false;
    const thrift_value *value = api_result_value(result);
    json_t *partitions = api_tjson_list(thrift_struct_get(value, EXPR_RESULT_PARTITIONS), err);
    /* An unset flag counts as true, as in the reference connector: the caller must filter again. */
    bool has_unknown = true;
    thrift_struct_get_bool(value, EXPR_RESULT_HAS_UNKNOWN, &has_unknown);
    thrift_value_free(result);
    if (!partitions)
        return false;
    api_set(call, "partitionDescs", partitions);
    api_set(call, "hasUnKnownPartitions", json_boolean(has_unknown));
    api_set(call, "successful", json_true());
    return true;
}

static bool add_partition(api_call *call, connector_error *err)
{
    thrift_value *partition = NULL;
    if (!api_struct(call, "partitionDesc", true, &partition, err))
        return false;

    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, partition);
    return answer_partition(call, "add_partition", args, err);
}

static bool add_partitions(api_call *call, connector_error *err)
{
    thrift_value *partitions = NULL;
    if (!api_struct_list(call, "partitionDescs", &partitions, err))
        return false;

    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, partitions);
    return send_only(call, "add_partitions", args, err);
}

/*
 * Builds the Partition of table with values: the table's storage
 * descriptor without its location, so the metastore places the partition
 * under the table's location, and empty parameters.
 */
static thrift_value *partition_of_table(const thrift_value *table, thrift_value *values)
{
    thrift_value *partition = thrift_value_new_struct();
    thrift_struct_set(partition, PARTITION_VALUES, values);
    const thrift_value *db_name = thrift_struct_get(table, TABLE_DB_NAME);
    const thrift_value *table_name = thrift_struct_get(table, TABLE_NAME);
    if (db_name)
        thrift_struct_set(partition, PARTITION_DB_NAME, thrift_value_copy(db_name));
    if (table_name)
        thrift_struct_set(partition, PARTITION_TABLE_NAME, thrift_value_copy(table_name));
    const thrift_value *sd = thrift_struct_get(table, TABLE_SD);
    if (sd && sd->type == THRIFT_STRUCT) {
        thrift_value *copy = thrift_value_copy(sd);
        thrift_struct_remove(copy, SD_LOCATION);
        thrift_struct_set(partition, PARTITION_SD, copy);
    }
    thrift_struct_set(partition, PARTITION_PARAMETERS,
                      thrift_value_new_map(THRIFT_STRING, THRIFT_STRING));
    return partition;
}

static bool create_partition(api_call *call, connector_error *err)
{
    thrift_value *table = NULL, *values = NULL;
    if (!api_struct(call, "tableDesc", true, &table, err))
        return false;
    if (!api_string_list(call, "values", true, &values, err)) {
        thrift_value_free(table);
        return false;
    }

    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, partition_of_table(table, values));
    thrift_value_free(table);
    return answer_partition(call, "add_partition", args, err);
}

static bool append_partition(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *values = NULL;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_string_list(call, "partitionValues", true, &values, err))
        return false;

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, values);
    return send_only(call, "append_partition", args, err);
}

static bool alter_partition(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *partition = NULL;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_struct(call, "partitionDesc", true, &partition, err))
        return false;

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, partition);
    return send_only(call, "alter_partition", args, err);
}

static bool alter_partitions(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *partitions = NULL;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_struct_list(call, "partitionDescs", &partitions, err))
        return false;

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, partitions);
    return send_only(call, "alter_partitions", args, err);
}

static bool rename_partition(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *values = NULL, *partition = NULL;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_string_list(call, "partitionValue", true, &values, err))
        return false;
    if (!api_struct(call, "partitionDesc", true, &partition, err)) {
        thrift_value_free(values);
        return false;
    }

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, values);
    thrift_struct_set(args, 4, partition);
    if (!send_only(call, "rename_partition", args, err))
        return false;
    api_set(call, "successful", json_true());
    return true;
}

/* "arguments" contains the partition values. deleteData (owlery extension) defaults to false. */
static bool drop_partition(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *values = NULL;
    bool delete_data = false;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_boolean(call, "deleteData", &delete_data, err) ||
        !api_string_list(call, "arguments", true, &values, err))
        return false;

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, values);
    thrift_struct_set(args, 4, thrift_value_new_bool(delete_data));
    thrift_value *result = NULL;
    if (!api_metastore_call(call, "drop_partition", args, &result, err))
        return false;
    bool dropped = false;
    thrift_value_get_bool(api_result_value(result), &dropped);
    thrift_value_free(result);
    api_set(call, "successful", json_boolean(dropped));
    return true;
}

/*
 * Without partNames, drops every partition; an empty partNames drops
 * nothing and returns "result": null, as the reference connector does.
 */
static bool drop_partitions(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *names = NULL, *all = NULL;
    if (!read_table_ref(call, &db_name, &table_name, err) ||
        !api_string_list(call, "partNames", false, &names, err))
        return false;

    if (!names) {
        if (!fetch_partition_names(call, db_name, table_name, -1, &all, err))
            return false;
        const thrift_value *all_names = api_result_value(all);
        names = all_names ? thrift_value_copy(all_names) : thrift_value_new_list(THRIFT_STRING);
        thrift_value_free(all);
    }
    if (thrift_value_count(names) == 0) {
        thrift_value_free(names);
        api_set(call, "result", json_null());
        return true;
    }

    thrift_value *spec = thrift_value_new_struct();
    thrift_struct_set(spec, 1, names);
    thrift_value *request = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(request, 3, spec);
    thrift_struct_set(request, 8, thrift_value_new_bool(true));
    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, request);

    thrift_value *result = NULL;
    if (!api_metastore_call(call, "drop_partitions_req", args, &result, err))
        return false;
    json_t *dropped = api_tjson(api_result_value(result), err);
    thrift_value_free(result);
    if (!dropped)
        return false;
    api_set(call, "result", dropped);
    return true;
}

const api_entry api_partition_entries[] = {
    {"getPartitions", get_partitions},
    {"getPartitionNames", get_partition_names},
    {"getPartitionsByNames", get_partitions_by_names},
    {"listPartitions", list_partitions},
    {"listPartitionsByExpr", list_partitions_by_expr},
    {"addPartition", add_partition},
    {"addPartitions", add_partitions},
    {"createPartition", create_partition},
    {"appendPartition", append_partition},
    {"alterPartition", alter_partition},
    {"alterPartitions", alter_partitions},
    {"renamePartition", rename_partition},
    {"dropPartition", drop_partition},
    {"dropPartitions", drop_partitions},
    {NULL, NULL},
};
