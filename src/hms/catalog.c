/*
 * Database and table methods of the metastore service (see service.h).
 * Messages follow Hive 2.3's HiveMetaStore and ObjectStore.
 */
#include "hms/service_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Shared steps ---- */

/* Replies with the names returned by a one-column query, keeping those that match pattern (NULL: all). */
static void reply_names(hms_call *call, sqlite3_stmt *stmt, const char *pattern)
{
    thrift_value *names = thrift_value_new_list(THRIFT_STRING);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        if (!pattern || hms_pattern_match(pattern, name))
            thrift_list_append(names, thrift_value_new_cstring(name));
    }
    if (rc != SQLITE_DONE)
        hms_reply_storage_error(call, "listing names");
    else
        hms_reply_value(call, names);
    thrift_value_free(names);
}

static bool begin(hms_call *call)
{
    if (owl_store_begin(call->db) == SQLITE_OK)
        return true;
    hms_reply_storage_error(call, "starting a transaction");
    return false;
}

/* Commits, bumping the notification event id; replies with a storage error on failure. */
static bool commit(hms_call *call)
{
    if (hms_event_bump(call->db) && owl_store_commit(call->db) == SQLITE_OK)
        return true;
    hms_reply_storage_error(call, "committing");
    owl_store_rollback(call->db);
    return false;
}

/* ---- Databases ---- */

void hms_handle_get_all_databases(hms_call *call)
{
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT name FROM hms_databases ORDER BY name");
    if (!stmt)
        return;
    reply_names(call, stmt, NULL);
    owl_store_finish(stmt);
}

void hms_handle_get_databases(hms_call *call)
{
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT name FROM hms_databases ORDER BY name");
    if (!stmt)
        return;
    reply_names(call, stmt, hms_arg_string(call, 1));
    owl_store_finish(stmt);
}

/* Loads the stored Database blob of name into out; 1 found, 0 absent, -1 after a storage error reply. */
static int database_load_blob(hms_call *call, const char *name, owl_buf *out)
{
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT object FROM hms_databases WHERE name = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    int found = 0;
    if (rc == SQLITE_ROW) {
        owl_buf_reset(out);
        owl_buf_append(out, sqlite3_column_blob(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0));
        found = 1;
    } else if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "reading a database");
        found = -1;
    }
    owl_store_finish(stmt);
    return found;
}

void hms_handle_get_database(hms_call *call)
{
    const char *arg = hms_arg_string(call, 1);
    char name[HMS_NAME_MAX];
    if (!hms_name_copy(name, sizeof name, arg)) {
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s", arg ? arg : "null");
        return;
    }
    owl_buf blob = OWL_BUF_INIT;
    int found = database_load_blob(call, name, &blob);
    if (found == 1)
        hms_reply_struct_blob(call, blob.data, blob.len);
    else if (found == 0)
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s", arg);
    owl_buf_free(&blob);
}

/* Returns "<default database location>/<name>.db", Hive's default database location (malloc'ed). */
static char *database_default_location(hms_call *call, const char *name)
{
    owl_buf blob = OWL_BUF_INIT, out = OWL_BUF_INIT;
    const char *base = NULL;
    thrift_value *def = NULL;
    if (database_load_blob(call, "default", &blob) == 1 && (def = hms_decode(blob.data, blob.len)))
        base = thrift_struct_get_string(def, HMS_DATABASE_LOCATION_URI, NULL);
    owl_buf_printf(&out, "%s/%s.db", base ? base : "file:/warehouse", name);
    thrift_value_free(def);
    owl_buf_free(&blob);
    return owl_buf_detach(&out, NULL);
}

void hms_handle_create_database(hms_call *call)
{
    const thrift_value *arg = hms_arg(call, 1);
    const char *given = thrift_struct_get_string(arg, HMS_DATABASE_NAME, NULL);
    char name[HMS_NAME_MAX];
    if (!given || !hms_name_valid(given) || !hms_name_copy(name, sizeof name, given)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "%s is not a valid database name",
                            given ? given : "null");
        return;
    }

    thrift_value *database = thrift_value_copy(arg);
    thrift_struct_set(database, HMS_DATABASE_NAME, thrift_value_new_cstring(name));
    const char *location = thrift_struct_get_string(database, HMS_DATABASE_LOCATION_URI, NULL);
    if (!location || !*location) {
        char *fallback = database_default_location(call, name);
        thrift_struct_set(database, HMS_DATABASE_LOCATION_URI, thrift_value_new_cstring(fallback));
        free(fallback);
    }
    owl_buf blob = OWL_BUF_INIT;
    if (!hms_encode(database, &blob)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "database %s cannot be encoded", name);
        goto done;
    }

    if (!begin(call))
        goto done;
    sqlite3_stmt *stmt = hms_prepare(call, "INSERT INTO hms_databases (name, object) VALUES (?1, ?2)");
    if (!stmt) {
        owl_store_rollback(call->db);
        goto done;
    }
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 2, blob.data, (int)blob.len, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc == SQLITE_CONSTRAINT) {
        owl_store_rollback(call->db);
        hms_reply_exception(call, HMS_EXCEPTION_ALREADY_EXISTS, "Database %s already exists", name);
    } else if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "inserting a database");
        owl_store_rollback(call->db);
    } else if (commit(call)) {
        hms_reply_void(call);
    }
done:
    owl_buf_free(&blob);
    thrift_value_free(database);
}

void hms_handle_drop_database(hms_call *call)
{
    const char *arg = hms_arg_string(call, 1);
    bool cascade = false;
    thrift_value_get_bool(hms_arg(call, 3), &cascade);
    char name[HMS_NAME_MAX];
    if (!hms_name_copy(name, sizeof name, arg)) {
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s", arg ? arg : "null");
        return;
    }
    if (strcmp(name, "default") == 0) {
        hms_reply_exception(call, HMS_EXCEPTION_META, "Can not drop default database");
        return;
    }

    if (!begin(call))
        return;
    int exists = hms_database_exists(call, name);
    if (exists != 1) {
        owl_store_rollback(call->db);
        if (exists == 0)
            hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s", arg);
        return;
    }
    if (!cascade) {
        sqlite3_stmt *stmt = hms_prepare(call, "SELECT 1 FROM hms_tables WHERE db_name = ?1 LIMIT 1");
        if (!stmt) {
            owl_store_rollback(call->db);
            return;
        }
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        owl_store_finish(stmt);
        if (rc == SQLITE_ROW) {
            owl_store_rollback(call->db);
            hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION,
                                "Database %s is not empty. One or more tables exist.", name);
            return;
        }
    }
    /* Foreign keys cascade to the tables, their partitions and partition values. */
    sqlite3_stmt *stmt = hms_prepare(call, "DELETE FROM hms_databases WHERE name = ?1");
    if (!stmt) {
        owl_store_rollback(call->db);
        return;
    }
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "deleting a database");
        owl_store_rollback(call->db);
        return;
    }
    if (commit(call))
        hms_reply_void(call);
}

void hms_handle_alter_database(hms_call *call)
{
    const char *arg = hms_arg_string(call, 1);
    const thrift_value *new_db = hms_arg(call, 2);
    char name[HMS_NAME_MAX];
    if (!hms_name_copy(name, sizeof name, arg)) {
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s", arg ? arg : "null");
        return;
    }
    if (!new_db || new_db->type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_META, "alter_database needs a Database in argument 2");
        return;
    }
    thrift_value *database = thrift_value_copy(new_db);
    thrift_struct_set(database, HMS_DATABASE_NAME, thrift_value_new_cstring(name));
    owl_buf blob = OWL_BUF_INIT;
    if (!hms_encode(database, &blob)) {
        hms_reply_exception(call, HMS_EXCEPTION_META, "database %s cannot be encoded", name);
        goto done;
    }
    if (!begin(call))
        goto done;
    sqlite3_stmt *stmt = hms_prepare(call, "UPDATE hms_databases SET object = ?2 WHERE name = ?1");
    if (!stmt) {
        owl_store_rollback(call->db);
        goto done;
    }
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 2, blob.data, (int)blob.len, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "updating a database");
        owl_store_rollback(call->db);
    } else if (sqlite3_changes(call->db) == 0) {
        owl_store_rollback(call->db);
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s", arg);
    } else if (commit(call)) {
        hms_reply_void(call);
    }
done:
    owl_buf_free(&blob);
    thrift_value_free(database);
}

/* ---- Tables: reads ---- */

void hms_handle_get_all_tables(hms_call *call)
{
    char db[HMS_NAME_MAX];
    if (!hms_name_copy(db, sizeof db, hms_arg_string(call, 1)))
        db[0] = '\0';
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT name FROM hms_tables WHERE db_name = ?1 ORDER BY name");
    if (!stmt)
        return;
    sqlite3_bind_text(stmt, 1, db, -1, SQLITE_STATIC);
    reply_names(call, stmt, NULL);
    owl_store_finish(stmt);
}

void hms_handle_get_tables(hms_call *call)
{
    char db[HMS_NAME_MAX];
    if (!hms_name_copy(db, sizeof db, hms_arg_string(call, 1)))
        db[0] = '\0';
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT name FROM hms_tables WHERE db_name = ?1 ORDER BY name");
    if (!stmt)
        return;
    sqlite3_bind_text(stmt, 1, db, -1, SQLITE_STATIC);
    reply_names(call, stmt, hms_arg_string(call, 2));
    owl_store_finish(stmt);
}

/*
 * Appends the stored Table blob of db.table to out. Returns 1 when found, 0
 * when absent, -1 after a storage error reply.
 */
static int table_append_blob(hms_call *call, sqlite3_stmt *stmt, const char *db_arg, const char *table_arg,
                             owl_buf *out)
{
    char db[HMS_NAME_MAX], table[HMS_NAME_MAX];
    if (!hms_name_copy(db, sizeof db, db_arg) || !hms_name_copy(table, sizeof table, table_arg))
        return 0;
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, db, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, table, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        owl_buf_append(out, sqlite3_column_blob(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0));
        return 1;
    }
    if (rc == SQLITE_DONE)
        return 0;
    hms_reply_storage_error(call, "reading a table");
    return -1;
}

static const char table_select_sql[] = "SELECT object FROM hms_tables WHERE db_name = ?1 AND name = ?2";

/* get_table and get_table_req: field 0 is the Table itself, or a GetTableResult wrapping it. */
static void get_table_common(hms_call *call, const char *db, const char *table, bool wrap)
{
    sqlite3_stmt *stmt = hms_prepare(call, table_select_sql);
    if (!stmt)
        return;
    owl_buf *r = &call->result;
    owl_buf_reset(r);
    hms_reply_field_header(r, THRIFT_STRUCT, 0);
    if (wrap)
        hms_reply_field_header(r, THRIFT_STRUCT, HMS_GET_TABLE_RESULT_TABLE);
    int found = table_append_blob(call, stmt, db, table, r);
    owl_store_finish(stmt);
    if (found == 1) {
        if (wrap)
            owl_buf_putc(r, THRIFT_STOP);
        hms_reply_written(call);
    } else if (found == 0) {
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "%s.%s table not found", db ? db : "null",
                            table ? table : "null");
    }
}

void hms_handle_get_table(hms_call *call)
{
    get_table_common(call, hms_arg_string(call, 1), hms_arg_string(call, 2), false);
}

void hms_handle_get_table_req(hms_call *call)
{
    const thrift_value *req = hms_arg(call, 1);
    get_table_common(call, thrift_struct_get_string(req, HMS_GET_TABLE_REQUEST_DB_NAME, NULL),
                     thrift_struct_get_string(req, HMS_GET_TABLE_REQUEST_TBL_NAME, NULL), true);
}

/* Writes list<Table> of the named tables that exist, in request order, at the end of call->result. */
static bool append_table_list(hms_call *call, const char *db, const thrift_value *names)
{
    sqlite3_stmt *stmt = hms_prepare(call, table_select_sql);
    if (!stmt)
        return false;
    size_t count;
    const char **items = hms_string_list_items(names, &count);
    owl_buf tables = OWL_BUF_INIT;
    size_t found = 0;
    bool ok = true;
    for (size_t i = 0; i < count && ok; i++) {
        int rc = table_append_blob(call, stmt, db, items[i], &tables);
        ok = rc >= 0;
        found += rc == 1;
    }
    free(items);
    owl_store_finish(stmt);
    if (ok) {
        hms_reply_list_header(&call->result, THRIFT_STRUCT, found);
        owl_buf_append(&call->result, tables.data, tables.len);
    }
    owl_buf_free(&tables);
    return ok;
}

void hms_handle_get_table_objects_by_name(hms_call *call)
{
    owl_buf_reset(&call->result);
    hms_reply_field_header(&call->result, THRIFT_LIST, 0);
    if (append_table_list(call, hms_arg_string(call, 1), hms_arg(call, 2)))
        hms_reply_written(call);
}

void hms_handle_get_table_objects_by_name_req(hms_call *call)
{
    const thrift_value *req = hms_arg(call, 1);
    const char *db_arg = thrift_struct_get_string(req, HMS_GET_TABLES_REQUEST_DB_NAME, NULL);
    char db[HMS_NAME_MAX];
    if (!db_arg || !*db_arg) {
        hms_reply_exception(call, HMS_EXCEPTION_UNKNOWN_DB, "DB name is null or empty");
        return;
    }
    int exists = hms_name_copy(db, sizeof db, db_arg) ? hms_database_exists(call, db) : 0;
    if (exists < 0)
        return;
    if (exists == 0) {
        hms_reply_exception(call, HMS_EXCEPTION_UNKNOWN_DB, "Could not find database %s", db_arg);
        return;
    }
    owl_buf_reset(&call->result);
    hms_reply_field_header(&call->result, THRIFT_STRUCT, 0);
    hms_reply_field_header(&call->result, THRIFT_LIST, HMS_GET_TABLES_RESULT_TABLES);
    if (!append_table_list(call, db_arg, thrift_struct_get(req, HMS_GET_TABLES_REQUEST_TBL_NAMES)))
        return;
    owl_buf_putc(&call->result, THRIFT_STOP);
    hms_reply_written(call);
}

/* ---- Tables: writes ---- */

void hms_handle_create_table(hms_call *call)
{
    const thrift_value *arg = hms_arg(call, 1);
    if (!arg || arg->type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "create_table needs a Table in argument 1");
        return;
    }
    const char *given = thrift_struct_get_string(arg, HMS_TABLE_TABLE_NAME, NULL);
    const char *given_db = thrift_struct_get_string(arg, HMS_TABLE_DB_NAME, NULL);
    char name[HMS_NAME_MAX], db[HMS_NAME_MAX];
    if (!given || !hms_name_valid(given) || !hms_name_copy(name, sizeof name, given)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "%s is not a valid object name",
                            given ? given : "null");
        return;
    }
    if (!hms_name_copy(db, sizeof db, given_db)) {
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s",
                            given_db ? given_db : "null");
        return;
    }

    thrift_value *table = thrift_value_copy(arg);
    thrift_struct_set(table, HMS_TABLE_TABLE_NAME, thrift_value_new_cstring(name));
    thrift_struct_set(table, HMS_TABLE_DB_NAME, thrift_value_new_cstring(db));
    hms_stamp_ddl_time(table, HMS_TABLE_CREATE_TIME, HMS_TABLE_PARAMETERS);
    owl_buf blob = OWL_BUF_INIT;
    if (!hms_encode(table, &blob)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "table %s.%s cannot be encoded", db, name);
        goto done;
    }

    if (!begin(call))
        goto done;
    int exists = hms_database_exists(call, db);
    if (exists != 1) {
        owl_store_rollback(call->db);
        if (exists == 0)
            hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "There is no database named %s", given_db);
        goto done;
    }
    sqlite3_stmt *stmt = hms_prepare(call, "INSERT INTO hms_tables (db_name, name, object) VALUES (?1, ?2, ?3)");
    if (!stmt) {
        owl_store_rollback(call->db);
        goto done;
    }
    sqlite3_bind_text(stmt, 1, db, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 3, blob.data, (int)blob.len, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc == SQLITE_CONSTRAINT) {
        owl_store_rollback(call->db);
        hms_reply_exception(call, HMS_EXCEPTION_ALREADY_EXISTS, "Table %s already exists", name);
    } else if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "inserting a table");
        owl_store_rollback(call->db);
    } else if (commit(call)) {
        hms_reply_void(call);
    }
done:
    owl_buf_free(&blob);
    thrift_value_free(table);
}

void hms_handle_drop_table(hms_call *call)
{
    const char *db_arg = hms_arg_string(call, 1), *name_arg = hms_arg_string(call, 2);
    char db[HMS_NAME_MAX], name[HMS_NAME_MAX];
    if (!hms_name_copy(db, sizeof db, db_arg) || !hms_name_copy(name, sizeof name, name_arg)) {
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "%s.%s table not found", db_arg ? db_arg : "null",
                            name_arg ? name_arg : "null");
        return;
    }
    if (!begin(call))
        return;
    /* Foreign keys cascade to the partitions and their values. */
    sqlite3_stmt *stmt = hms_prepare(call, "DELETE FROM hms_tables WHERE db_name = ?1 AND name = ?2");
    if (!stmt) {
        owl_store_rollback(call->db);
        return;
    }
    sqlite3_bind_text(stmt, 1, db, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "deleting a table");
        owl_store_rollback(call->db);
    } else if (sqlite3_changes(call->db) == 0) {
        owl_store_rollback(call->db);
        hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "%s.%s table not found", db_arg, name_arg);
    } else if (commit(call)) {
        hms_reply_void(call);
    }
}

/* Returns true when two partitionKeys lists have the same names and types. */
static bool same_partition_keys(const thrift_value *a, const thrift_value *b)
{
    size_t na = a && a->type == THRIFT_LIST ? a->u.list.count : 0;
    size_t nb = b && b->type == THRIFT_LIST ? b->u.list.count : 0;
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        const char *name_a = thrift_struct_get_string(a->u.list.items[i], HMS_FIELD_SCHEMA_NAME, NULL);
        const char *name_b = thrift_struct_get_string(b->u.list.items[i], HMS_FIELD_SCHEMA_NAME, NULL);
        const char *type_a = thrift_struct_get_string(a->u.list.items[i], HMS_FIELD_SCHEMA_TYPE, NULL);
        const char *type_b = thrift_struct_get_string(b->u.list.items[i], HMS_FIELD_SCHEMA_TYPE, NULL);
        if (!name_a || !name_b || strcasecmp(name_a, name_b) != 0 || !type_a || !type_b ||
            strcasecmp(type_a, type_b) != 0)
            return false;
    }
    return true;
}

/* After a rename, rewrites dbName and tableName in every stored partition of the table. */
static bool rename_partitions(hms_call *call, int64_t table_id, const char *db, const char *name)
{
    sqlite3_stmt *select = hms_prepare(call, "SELECT id, object FROM hms_partitions WHERE table_id = ?1");
    if (!select)
        return false;
    sqlite3_stmt *update = hms_prepare(call, "UPDATE hms_partitions SET object = ?2 WHERE id = ?1");
    if (!update) {
        owl_store_finish(select);
        return false;
    }
    sqlite3_bind_int64(select, 1, table_id);
    owl_buf blob = OWL_BUF_INIT;
    bool ok = true;
    int rc;
    while (ok && (rc = sqlite3_step(select)) == SQLITE_ROW) {
        thrift_value *part = hms_decode(sqlite3_column_blob(select, 1), (size_t)sqlite3_column_bytes(select, 1));
        if (!part)
            continue;
        thrift_struct_set(part, HMS_PARTITION_DB_NAME, thrift_value_new_cstring(db));
        thrift_struct_set(part, HMS_PARTITION_TABLE_NAME, thrift_value_new_cstring(name));
        ok = hms_encode(part, &blob);
        thrift_value_free(part);
        sqlite3_reset(update);
        sqlite3_bind_int64(update, 1, sqlite3_column_int64(select, 0));
        sqlite3_bind_blob(update, 2, blob.data, (int)blob.len, SQLITE_STATIC);
        ok = ok && sqlite3_step(update) == SQLITE_DONE;
    }
    if (ok && rc != SQLITE_DONE)
        ok = false;
    if (!ok)
        hms_reply_storage_error(call, "renaming partitions");
    owl_buf_free(&blob);
    owl_store_finish(select);
    owl_store_finish(update);
    return ok;
}

void hms_handle_alter_table(hms_call *call)
{
    const char *db_arg = hms_arg_string(call, 1), *name_arg = hms_arg_string(call, 2);
    const thrift_value *new_arg = hms_arg(call, 3);
    char db[HMS_NAME_MAX], name[HMS_NAME_MAX], new_db[HMS_NAME_MAX], new_name[HMS_NAME_MAX];
    if (!new_arg || new_arg->type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "New table is invalid: null");
        return;
    }
    const char *given = thrift_struct_get_string(new_arg, HMS_TABLE_TABLE_NAME, NULL);
    const char *given_db = thrift_struct_get_string(new_arg, HMS_TABLE_DB_NAME, NULL);
    if (!given || !hms_name_valid(given) || !hms_name_copy(new_name, sizeof new_name, given)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "%s is not a valid object name",
                            given ? given : "null");
        return;
    }
    if (!hms_name_copy(db, sizeof db, db_arg) || !hms_name_copy(name, sizeof name, name_arg) ||
        !hms_name_copy(new_db, sizeof new_db, given_db ? given_db : db_arg)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "table %s.%s doesn't exist",
                            db_arg ? db_arg : "null", name_arg ? name_arg : "null");
        return;
    }

    if (!begin(call))
        return;
    hms_table_row old;
    thrift_value *table = NULL;
    owl_buf blob = OWL_BUF_INIT;
    int found = hms_table_load(call, db, name, &old);
    if (found != 1) {
        if (found == 0)
            hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "table %s.%s doesn't exist", db_arg, name_arg);
        goto fail;
    }
    if (!same_partition_keys(thrift_struct_get(old.table, HMS_TABLE_PARTITION_KEYS),
                             thrift_struct_get(new_arg, HMS_TABLE_PARTITION_KEYS))) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "partition keys can not be changed.");
        goto fail;
    }
    bool renamed = strcmp(db, new_db) != 0 || strcmp(name, new_name) != 0;
    if (renamed) {
        int exists = hms_database_exists(call, new_db);
        if (exists != 1) {
            if (exists == 0)
                hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION,
                                    "Unable to change partition or table. Database %s does not exist", new_db);
            goto fail;
        }
    }

    table = thrift_value_copy(new_arg);
    thrift_struct_set(table, HMS_TABLE_TABLE_NAME, thrift_value_new_cstring(new_name));
    thrift_struct_set(table, HMS_TABLE_DB_NAME, thrift_value_new_cstring(new_db));
    if (!hms_encode(table, &blob)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "table %s.%s cannot be encoded", new_db, new_name);
        goto fail;
    }
    sqlite3_stmt *stmt = hms_prepare(call, "UPDATE hms_tables SET db_name = ?2, name = ?3, object = ?4 WHERE id = ?1");
    if (!stmt)
        goto fail;
    sqlite3_bind_int64(stmt, 1, old.id);
    sqlite3_bind_text(stmt, 2, new_db, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, new_name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 4, blob.data, (int)blob.len, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc == SQLITE_CONSTRAINT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "new table %s.%s already exists", new_db, new_name);
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "updating a table");
        goto fail;
    }
    if (renamed && !rename_partitions(call, old.id, new_db, new_name))
        goto fail;
    if (commit(call))
        hms_reply_void(call);
    hms_table_row_clear(&old);
    thrift_value_free(table);
    owl_buf_free(&blob);
    return;

fail:
    owl_store_rollback(call->db);
    hms_table_row_clear(&old);
    thrift_value_free(table);
    owl_buf_free(&blob);
}
