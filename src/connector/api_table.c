/*
 * Table apiNames, on the metastore's get_table, get_table_objects_by_name,
 * get_tables, get_all_tables, create_table, alter_table and drop_table
 * (parameter ids of hive_metastore.thrift, Hive 2.3 and 3.1). Table objects
 * travel as TJSONProtocol strings: "tableDesc" for one, "tables" for a list.
 */
#include "connector/internal.h"

#include <string.h>

/* Fetches the table names of db matching a Hive pattern, or all when filter is NULL or empty. */
static bool fetch_table_names(api_call *call, const char *db_name, const char *filter,
                              thrift_value **result, connector_error *err)
{
    if (!filter || !*filter)
        return api_metastore_call(call, "get_all_tables", api_string_args(1, 1, db_name), result,
                                  err);
    return api_metastore_call(call, "get_tables", api_string_args(2, 1, db_name, 2, filter),
                              result, err);
}

/* Sets key in the apiResponse to the Table objects of db named in names (borrowed). */
static bool answer_tables(api_call *call, const char *key, const char *db_name,
                          const thrift_value *names, connector_error *err)
{
    thrift_value *args = api_string_args(1, 1, db_name);
    thrift_struct_set(args, 2, thrift_value_copy(names));
    thrift_value *result = NULL;
    if (!api_metastore_call(call, "get_table_objects_by_name", args, &result, err))
        return false;
    json_t *tables = api_tjson_list(api_result_value(result), err);
    thrift_value_free(result);
    if (!tables)
        return false;
    api_set(call, key, tables);
    return true;
}

static bool get_table(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_string(call, "tableName", true, &table_name, err))
        return false;

    thrift_value *result = NULL;
    if (!api_metastore_call(call, "get_table", api_string_args(2, 1, db_name, 2, table_name),
                            &result, err))
        return false;
    json_t *table = api_tjson(api_result_value(result), err);
    thrift_value_free(result);
    if (!table)
        return false;
    api_set(call, "tableDesc", table);
    return true;
}

/* Without tableNames, returns every table of the database. */
static bool get_tables(api_call *call, connector_error *err)
{
    const char *db_name = NULL;
    thrift_value *names = NULL;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_string_list(call, "tableNames", false, &names, err))
        return false;

    thrift_value *all = NULL;
    if (!names) {
        if (!fetch_table_names(call, db_name, NULL, &all, err))
            return false;
    }
    bool ok = answer_tables(call, "tables", db_name, names ? names : api_result_value(all), err);
    thrift_value_free(names);
    thrift_value_free(all);
    return ok;
}

static bool get_table_names(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *filter = NULL;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_string(call, "filter", false, &filter, err))
        return false;

    thrift_value *result = NULL;
    if (!fetch_table_names(call, db_name, filter, &result, err))
        return false;
    json_t *names = api_string_array(api_result_value(result), err);
    thrift_value_free(result);
    if (!names)
        return false;
    api_set(call, "tables", names);
    return true;
}

static bool list_tables(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *filter = NULL, *token = NULL;
    long long max_size = -1;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_string(call, "filter", false, &filter, err) ||
        !api_page_request(call, &token, &max_size, err))
        return false;

    thrift_value *result = NULL;
    if (!fetch_table_names(call, db_name, filter, &result, err))
        return false;
    api_page page;
    bool ok = api_page_cut(api_result_value(result), token, max_size, &page, err);
    thrift_value_free(result);
    if (!ok)
        return false;

    if (thrift_value_count(page.names) > 0)
        ok = answer_tables(call, "tables", db_name, page.names, err);
    else
        api_set(call, "tables", json_array());
    if (ok)
        api_set(call, "nextToken", page.next_token ? json_string(page.next_token) : json_null());
    api_page_free(&page);
    return ok;
}

static bool table_exists(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_string(call, "tableName", true, &table_name, err))
        return false;

    thrift_value *result = NULL;
    bool exists = api_metastore_call(call, "get_table", api_string_args(2, 1, db_name, 2, table_name),
                                     &result, err);
    thrift_value_free(result);
    if (!exists && strcmp(err->type, "NoSuchObjectException") != 0)
        return false;
    api_set(call, "exists", json_boolean(exists));
    return true;
}

/* Sends args to a void method and sets "successful": true. */
static bool answer_successful(api_call *call, const char *method, thrift_value *args,
                              connector_error *err)
{
    thrift_value *result = NULL;
    if (!api_metastore_call(call, method, args, &result, err))
        return false;
    thrift_value_free(result);
    api_set(call, "successful", json_true());
    return true;
}

static bool create_table(api_call *call, connector_error *err)
{
    thrift_value *table = NULL;
    if (!api_struct(call, "tableDesc", true, &table, err))
        return false;

    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, table);
    return answer_successful(call, "create_table", args, err);
}

static bool alter_table(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    thrift_value *table = NULL;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_string(call, "tableName", true, &table_name, err) ||
        !api_struct(call, "tableDesc", true, &table, err))
        return false;

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, table);
    return answer_successful(call, "alter_table", args, err);
}

/* deleteData is an owlery extension; it defaults to false, as in the reference connector. */
static bool drop_table(api_call *call, connector_error *err)
{
    const char *db_name = NULL, *table_name = NULL;
    bool delete_data = false;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_string(call, "tableName", true, &table_name, err) ||
        !api_boolean(call, "deleteData", &delete_data, err))
        return false;

    thrift_value *args = api_string_args(2, 1, db_name, 2, table_name);
    thrift_struct_set(args, 3, thrift_value_new_bool(delete_data));
    return answer_successful(call, "drop_table", args, err);
}

const api_entry api_table_entries[] = {
    {"getTable", get_table},
    {"getTables", get_tables},
    {"getTableNames", get_table_names},
    {"listTables", list_tables},
    {"tableExists", table_exists},
    {"createTable", create_table},
    {"alterTable", alter_table},
    {"dropTable", drop_table},
    {NULL, NULL},
};
