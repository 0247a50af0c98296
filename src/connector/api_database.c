/*
 * Database apiNames. Each handler reads its apiRequest fields, calls the
 * metastore (Thrift parameter ids of hive_metastore.thrift, Hive 2.3 and
 * 3.1) and fills the apiResponse with the reference connector's field
 * names. Database objects travel as TJSONProtocol strings.
 */
#include "connector/internal.h"

#include <stdlib.h>
#include <string.h>

/* Database struct field ids. */
#define DATABASE_NAME 1
#define DATABASE_DESCRIPTION 2
#define DATABASE_LOCATION_URI 3
#define DATABASE_PARAMETERS 4

/*
 * Fetches the database names matching a Hive pattern ('*' wildcards, '|'
 * alternatives), or every name when filter is NULL or empty.
 */
static bool fetch_database_names(api_call *call, const char *filter, thrift_value **result,
                                 connector_error *err)
{
    if (!filter || !*filter)
        return api_metastore_call(call, "get_all_databases", thrift_value_new_struct(), result,
                                  err);
    return api_metastore_call(call, "get_databases", api_string_args(1, 1, filter), result, err);
}

/* Fetches the Database objects named in names, in that order, into a new list<struct>. */
static bool fetch_databases(api_call *call, const thrift_value *names, thrift_value **out,
                            connector_error *err)
{
    thrift_value *list = thrift_value_new_list(THRIFT_STRUCT);
    for (size_t i = 0; i < thrift_value_count(names); i++) {
        const char *name = thrift_value_get_string(thrift_list_get(names, i), NULL);
        thrift_value *result = NULL;
        if (!name || !api_metastore_call(call, "get_database", api_string_args(1, 1, name),
                                          &result, err)) {
            thrift_value_free(list);
            return name ? false
                        : connector_error_set(err, "MetastoreError",
                                              "metastore returned a database name that is not a "
                                              "string");
        }
        const thrift_value *db = api_result_value(result);
        if (db && db->type == THRIFT_STRUCT)
            thrift_list_append(list, thrift_value_copy(db));
        thrift_value_free(result);
    }
    *out = list;
    return true;
}

static bool get_database(api_call *call, connector_error *err)
{
    const char *db_name = NULL;
    if (!api_string(call, "dbName", true, &db_name, err))
        return false;

    thrift_value *result = NULL;
    if (!api_metastore_call(call, "get_database", api_string_args(1, 1, db_name), &result, err))
        return false;
    json_t *db = api_tjson(api_result_value(result), err);
    thrift_value_free(result);
    if (!db)
        return false;
    api_set(call, "database", db);
    return true;
}

static bool get_database_names(api_call *call, connector_error *err)
{
    const char *filter = NULL;
    if (!api_string(call, "filter", false, &filter, err))
        return false;

    thrift_value *result = NULL;
    if (!fetch_database_names(call, filter, &result, err))
        return false;
    json_t *names = api_string_array(api_result_value(result), err);
    thrift_value_free(result);
    if (!names)
        return false;
    api_set(call, "databases", names);
    return true;
}

static bool get_databases(api_call *call, connector_error *err)
{
    const char *filter = NULL;
    if (!api_string(call, "filter", false, &filter, err))
        return false;

    thrift_value *result = NULL, *databases = NULL;
    if (!fetch_database_names(call, filter, &result, err))
        return false;
    bool ok = fetch_databases(call, api_result_value(result), &databases, err);
    thrift_value_free(result);
    if (!ok)
        return false;

    json_t *objects = api_tjson_list(databases, err);
    thrift_value_free(databases);
    if (!objects)
        return false;
    api_set(call, "databaseObjects", objects);
    return true;
}

static bool list_databases(api_call *call, connector_error *err)
{
    const char *filter = NULL, *token = NULL;
    long long max_size = -1;
    if (!api_string(call, "filter", false, &filter, err) ||
        !api_page_request(call, &token, &max_size, err))
        return false;

    thrift_value *result = NULL, *databases = NULL;
    if (!fetch_database_names(call, filter, &result, err))
        return false;
    api_page page;
    bool ok = api_page_cut(api_result_value(result), token, max_size, &page, err);
    thrift_value_free(result);
    if (!ok)
        return false;

    ok = fetch_databases(call, page.names, &databases, err);
    json_t *objects = ok ? api_tjson_list(databases, err) : NULL;
    thrift_value_free(databases);
    if (objects) {
        api_set(call, "databases", objects);
        api_set(call, "nextToken", page.next_token ? json_string(page.next_token) : json_null());
    }
    api_page_free(&page);
    return objects != NULL;
}

static bool db_exists(api_call *call, connector_error *err)
{
    const char *db_name = NULL;
    if (!api_string(call, "dbName", true, &db_name, err))
        return false;

    thrift_value *result = NULL;
    bool exists = api_metastore_call(call, "get_database", api_string_args(1, 1, db_name),
                                     &result, err);
    thrift_value_free(result);
    if (!exists && strcmp(err->type, "NoSuchObjectException") != 0)
        return false;
    api_set(call, "exists", json_boolean(exists));
    return true;
}

/* Sends create_database with database (taken) and sets "successful": true. */
static bool create_database_object(api_call *call, thrift_value *database, connector_error *err)
{
    thrift_value *args = thrift_value_new_struct();
    thrift_struct_set(args, 1, database);
    thrift_value *result = NULL;
    if (!api_metastore_call(call, "create_database", args, &result, err))
        return false;
    thrift_value_free(result);
    api_set(call, "successful", json_true());
    return true;
}

static bool create_database(api_call *call, connector_error *err)
{
    const char *name = NULL, *description = NULL, *location = NULL;
    thrift_value *params = NULL;
    if (!api_string(call, "name", true, &name, err) ||
        !api_string(call, "description", false, &description, err) ||
        !api_string(call, "location", false, &location, err) ||
        !api_string_map(call, "params", &params, err))
        return false;

    thrift_value *db = thrift_value_new_struct();
    thrift_struct_set(db, DATABASE_NAME, thrift_value_new_cstring(name));
    if (description)
        thrift_struct_set(db, DATABASE_DESCRIPTION, thrift_value_new_cstring(description));
    if (location)
        thrift_struct_set(db, DATABASE_LOCATION_URI, thrift_value_new_cstring(location));
    thrift_struct_set(db, DATABASE_PARAMETERS,
                      params ? params : thrift_value_new_map(THRIFT_STRING, THRIFT_STRING));
    return create_database_object(call, db, err);
}

static bool create_database_from_db(api_call *call, connector_error *err)
{
    thrift_value *db = NULL;
    if (!api_struct(call, "dbDesc", true, &db, err))
        return false;
    return create_database_object(call, db, err);
}

static bool alter_database(api_call *call, connector_error *err)
{
    const char *db_name = NULL;
    thrift_value *db = NULL;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_struct(call, "dbDescription", true, &db, err))
        return false;

    thrift_value *args = api_string_args(1, 1, db_name);
    thrift_struct_set(args, 2, db);
    thrift_value *result = NULL;
    if (!api_metastore_call(call, "alter_database", args, &result, err))
        return false;
    thrift_value_free(result);
    api_set(call, "successful", json_true());
    return true;
}

/* deleteData and cascade are owlery extensions; both default to false. */
static bool drop_database(api_call *call, connector_error *err)
{
    const char *db_name = NULL;
    bool delete_data = false, cascade = false;
    if (!api_string(call, "dbName", true, &db_name, err) ||
        !api_boolean(call, "deleteData", &delete_data, err) ||
        !api_boolean(call, "cascade", &cascade, err))
        return false;

    thrift_value *args = api_string_args(1, 1, db_name);
    thrift_struct_set(args, 2, thrift_value_new_bool(delete_data));
    thrift_struct_set(args, 3, thrift_value_new_bool(cascade));
    thrift_value *result = NULL;
    if (!api_metastore_call(call, "drop_database", args, &result, err))
        return false;
    thrift_value_free(result);
    api_set(call, "successful", json_true());
    return true;
}

const api_entry api_database_entries[] = {
    {"getDatabase", get_database},
    {"getDatabaseNames", get_database_names},
    {"getDatabases", get_databases},
    {"listDatabases", list_databases},
    {"dbExists", db_exists},
    {"createDatabase", create_database},
    {"createDatabaseFromDB", create_database_from_db},
    {"alterDatabase", alter_database},
    {"dropDatabase", drop_database},
    {NULL, NULL},
};
