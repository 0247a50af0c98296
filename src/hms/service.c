/*
 * The metastore service: schema, message loop, method table, reply writer
 * and the small configuration methods. Database and table methods are in
 * catalog.c, partition methods in partitions.c. See service.h.
 *
 * Protocol: Apache Thrift binary protocol, ThriftHiveMetastore method
 * names and argument ids of Hive 2.3 / 3.1. Each call logs one line:
 *   event=call method=get_table peer=127.0.0.1:50312 seqid=3 duration_us=41 result=ok
 */
#include "hms/service_internal.h"

#include "common/log.h"
#include "common/util.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Schema ---- */

static const owl_migration hms_migrations[] = {
    {1,
     "CREATE TABLE hms_databases ("
     "  name TEXT PRIMARY KEY,"
     "  object BLOB NOT NULL);"
     "CREATE TABLE hms_tables ("
     "  id INTEGER PRIMARY KEY,"
     "  db_name TEXT NOT NULL REFERENCES hms_databases(name) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  object BLOB NOT NULL,"
     "  UNIQUE (db_name, name));"
     "CREATE TABLE hms_partitions ("
     "  id INTEGER PRIMARY KEY,"
     "  table_id INTEGER NOT NULL REFERENCES hms_tables(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  object BLOB NOT NULL,"
     "  UNIQUE (table_id, name));"
     /* One row per partition key value, so filters on any key use an index. */
     "CREATE TABLE hms_partition_values ("
     "  table_id INTEGER NOT NULL,"
     "  position INTEGER NOT NULL,"
     "  value TEXT NOT NULL,"
     "  partition_id INTEGER NOT NULL REFERENCES hms_partitions(id) ON DELETE CASCADE,"
     "  PRIMARY KEY (table_id, position, value, partition_id)) WITHOUT ROWID;"
     "CREATE INDEX hms_partition_values_by_partition ON hms_partition_values(partition_id);"
     "CREATE TABLE hms_events ("
     "  id INTEGER PRIMARY KEY CHECK (id = 1),"
     "  last_event_id INTEGER NOT NULL);"
     "INSERT INTO hms_events VALUES (1, 0);"},
};

static const owl_schema hms_schema = {"hms", hms_migrations, sizeof hms_migrations / sizeof hms_migrations[0]};

/* Creates the "default" database as Hive does on first start, unless it exists. */
static bool service_create_default_database(hms_service *service, char *err, size_t errlen)
{
    sqlite3 *db = owl_store_acquire(service->store);
    if (!db) {
        snprintf(err, errlen, "cannot open the state database in %s", owl_store_data_dir(service->store));
        return false;
    }

    char *location = NULL;
    char *absolute = realpath(owl_store_data_dir(service->store), NULL);
    owl_buf loc = OWL_BUF_INIT;
    owl_buf_printf(&loc, "file:%s/warehouse", absolute ? absolute : owl_store_data_dir(service->store));
    free(absolute);
    location = owl_buf_detach(&loc, NULL);

    thrift_value *database = thrift_value_new_struct();
    thrift_struct_set(database, HMS_DATABASE_NAME, thrift_value_new_cstring("default"));
    thrift_struct_set(database, HMS_DATABASE_DESCRIPTION, thrift_value_new_cstring("Default Hive database"));
    thrift_struct_set(database, HMS_DATABASE_LOCATION_URI, thrift_value_new_cstring(location));
    thrift_struct_set(database, HMS_DATABASE_PARAMETERS, thrift_value_new_map(THRIFT_STRING, THRIFT_STRING));
    thrift_struct_set(database, HMS_DATABASE_OWNER_NAME, thrift_value_new_cstring("public"));
    thrift_struct_set(database, HMS_DATABASE_OWNER_TYPE, thrift_value_new_i32(2)); /* ROLE */
    free(location);

    owl_buf blob = OWL_BUF_INIT;
    bool ok = hms_encode(database, &blob);
    thrift_value_free(database);
    sqlite3_stmt *stmt = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO hms_databases (name, object) VALUES ('default', ?1)",
                                  -1, &stmt, NULL) == SQLITE_OK;
    ok = ok && sqlite3_bind_blob(stmt, 1, blob.data, (int)blob.len, SQLITE_STATIC) == SQLITE_OK;
    ok = ok && sqlite3_step(stmt) == SQLITE_DONE;
    if (!ok)
        snprintf(err, errlen, "cannot create the default database: %s", sqlite3_errmsg(db));
    owl_store_finish(stmt);
    owl_buf_free(&blob);
    owl_store_release(service->store, db);
    return ok;
}

hms_service *hms_service_open(const char *data_dir, char *err, size_t errlen)
{
    const owl_schema *schemas[] = {&hms_schema};
    owl_store *store = owl_store_open(data_dir, schemas, 1, err, errlen);
    if (!store)
        return NULL;
    hms_service *service = calloc(1, sizeof *service);
    if (!service)
        abort();
    service->store = store;
    service->limits = thrift_limits_default();
    service->call_log = true;
    if (!service_create_default_database(service, err, errlen)) {
        hms_service_close(service);
        return NULL;
    }
    return service;
}

void hms_service_close(hms_service *service)
{
    if (!service)
        return;
    owl_store_close(service->store);
    free(service);
}

void hms_service_set_limits(hms_service *service, const thrift_limits *limits)
{
    service->limits = *limits;
}

void hms_service_set_call_log(hms_service *service, bool enabled)
{
    service->call_log = enabled;
}

/* ---- Reply writer ---- */

static void put_be16(owl_buf *b, uint16_t v)
{
    uint8_t bytes[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    owl_buf_append(b, bytes, 2);
}

static void put_be32(owl_buf *b, uint32_t v)
{
    uint8_t bytes[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    owl_buf_append(b, bytes, 4);
}

void hms_reply_field_header(owl_buf *b, thrift_type type, int16_t id)
{
    owl_buf_putc(b, (char)type);
    put_be16(b, (uint16_t)id);
}

void hms_reply_i32(owl_buf *b, int32_t v)
{
    put_be32(b, (uint32_t)v);
}

void hms_reply_string(owl_buf *b, const char *s, size_t len)
{
    put_be32(b, (uint32_t)len);
    owl_buf_append(b, s, len);
}

void hms_reply_list_header(owl_buf *b, thrift_type elem_type, size_t count)
{
    assert(count <= INT32_MAX);
    owl_buf_putc(b, (char)elem_type);
    put_be32(b, (uint32_t)count);
}

void hms_reply_void(hms_call *call)
{
    assert(!call->replied);
    owl_buf_reset(&call->result);
    call->replied = true;
    call->outcome = "ok";
}

void hms_reply_written(hms_call *call)
{
    assert(!call->replied);
    call->replied = true;
    call->outcome = "ok";
}

void hms_reply_value(hms_call *call, const thrift_value *value)
{
    owl_buf_reset(&call->result);
    hms_reply_field_header(&call->result, value->type, 0);
    thrift_transport *t = thrift_memory_transport_new(NULL, 0, &call->result);
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, t);
    thrift_error err;
    bool ok = thrift_protocol_write_value(&p, value, &err);
    thrift_transport_free(t);
    if (!ok) {
        owl_buf_reset(&call->result);
        hms_reply_exception(call, HMS_EXCEPTION_META, "owlery-metastore: cannot encode the result: %s",
                            err.message);
        return;
    }
    hms_reply_written(call);
}

void hms_reply_struct_blob(hms_call *call, const void *blob, size_t len)
{
    owl_buf_reset(&call->result);
    hms_reply_field_header(&call->result, THRIFT_STRUCT, 0);
    owl_buf_append(&call->result, blob, len);
    hms_reply_written(call);
}

void hms_reply_exception(hms_call *call, hms_exception_kind kind, const char *fmt, ...)
{
    assert(!call->replied);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->message, sizeof call->message, fmt, ap);
    va_end(ap);

    int16_t id = 0;
    for (int i = 0; i < 4 && !id; i++)
        if (call->method->throws[i] == kind)
            id = (int16_t)(i + 1);
    for (int i = 0; i < 4 && !id; i++)
        if (call->method->throws[i] == HMS_EXCEPTION_META) {
            id = (int16_t)(i + 1);
            kind = HMS_EXCEPTION_META;
        }
    call->replied = true;
    call->outcome = hms_exception_name(kind);
    owl_buf_reset(&call->result);
    if (!id) {
        call->internal_error = true;
        return;
    }
    hms_reply_field_header(&call->result, THRIFT_STRUCT, id);
    hms_reply_field_header(&call->result, THRIFT_STRING, HMS_EXCEPTION_MESSAGE);
    hms_reply_string(&call->result, call->message, strlen(call->message));
    owl_buf_putc(&call->result, THRIFT_STOP);
}

void hms_reply_storage_error(hms_call *call, const char *step)
{
    hms_reply_exception(call, HMS_EXCEPTION_META, "owlery-metastore: storage error while %s: %s", step,
                        sqlite3_errmsg(call->db));
}

/* ---- Arguments and names ---- */

const thrift_value *hms_arg(const hms_call *call, int16_t id)
{
    return thrift_struct_get(call->args, id);
}

const char *hms_arg_string(const hms_call *call, int16_t id)
{
    return thrift_struct_get_string(call->args, id, NULL);
}

int hms_arg_i16(const hms_call *call, int16_t id, int fallback)
{
    int16_t v;
    return thrift_value_get_i16(hms_arg(call, id), &v) ? v : fallback;
}

bool hms_name_copy(char *out, size_t outlen, const char *name)
{
    if (!name || strlen(name) >= outlen)
        return false;
    strcpy(out, name);
    hms_lowercase(out);
    return true;
}

bool hms_name_valid(const char *name)
{
    if (!name || !*name)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

/* ---- Storage helpers ---- */

bool hms_encode(const thrift_value *v, owl_buf *out)
{
    thrift_error err;
    owl_buf_reset(out);
    return thrift_encode_struct(THRIFT_PROTOCOL_BINARY, v, out, &err);
}

thrift_value *hms_decode(const void *blob, size_t len)
{
    thrift_value *v = NULL;
    thrift_error err;
    if (!thrift_decode_struct(THRIFT_PROTOCOL_BINARY, blob, len, NULL, NULL, &v, &err)) {
        owl_log_error("event=hms_corrupt_object error=\"%s\"", err.message);
        return NULL;
    }
    return v;
}

sqlite3_stmt *hms_prepare(hms_call *call, const char *sql)
{
    sqlite3_stmt *stmt = owl_store_prepare(call->db, sql);
    if (!stmt)
        hms_reply_storage_error(call, "preparing a statement");
    return stmt;
}

bool hms_event_bump(sqlite3 *db)
{
    return sqlite3_exec(db, "UPDATE hms_events SET last_event_id = last_event_id + 1 WHERE id = 1", NULL, NULL,
                        NULL) == SQLITE_OK;
}

int32_t hms_now_seconds(void)
{
    return (int32_t)time(NULL);
}

void hms_stamp_ddl_time(thrift_value *object, int16_t create_time_id, int16_t parameters_id)
{
    int32_t now = hms_now_seconds();
    thrift_struct_set(object, create_time_id, thrift_value_new_i32(now));
    thrift_value *params = thrift_struct_get(object, parameters_id);
    if (!params || params->type != THRIFT_MAP) {
        params = thrift_value_new_map(THRIFT_STRING, THRIFT_STRING);
        thrift_struct_set(object, parameters_id, params);
    }
    if (params->u.map.key_type != THRIFT_STOP && params->u.map.key_type != THRIFT_STRING)
        return;
    if (!thrift_map_find_cstring(params, "transient_lastDdlTime")) {
        char text[16];
        snprintf(text, sizeof text, "%d", now);
        thrift_map_put(params, thrift_value_new_cstring("transient_lastDdlTime"), thrift_value_new_cstring(text));
    }
}

int hms_database_exists(hms_call *call, const char *name)
{
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT 1 FROM hms_databases WHERE name = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    hms_reply_storage_error(call, "looking up a database");
    return -1;
}

void hms_table_row_clear(hms_table_row *row)
{
    thrift_value_free(row->table);
    free(row->keys);
    memset(row, 0, sizeof *row);
}

int hms_table_load(hms_call *call, const char *db_name, const char *table_name, hms_table_row *row)
{
    memset(row, 0, sizeof *row);
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT id, object FROM hms_tables WHERE db_name = ?1 AND name = ?2");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, db_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, table_name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        owl_store_finish(stmt);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        hms_reply_storage_error(call, "looking up a table");
        owl_store_finish(stmt);
        return -1;
    }
    row->id = sqlite3_column_int64(stmt, 0);
    row->table = hms_decode(sqlite3_column_blob(stmt, 1), (size_t)sqlite3_column_bytes(stmt, 1));
    owl_store_finish(stmt);
    if (!row->table) {
        hms_reply_exception(call, HMS_EXCEPTION_META, "owlery-metastore: stored table %s.%s is corrupt", db_name,
                            table_name);
        return -1;
    }

    const thrift_value *keys = thrift_struct_get(row->table, HMS_TABLE_PARTITION_KEYS);
    size_t count = keys && keys->type == THRIFT_LIST ? keys->u.list.count : 0;
    if (count > 0) {
        row->keys = calloc(count, sizeof *row->keys);
        if (!row->keys)
            abort();
        for (size_t i = 0; i < count; i++) {
            const thrift_value *key = keys->u.list.items[i];
            row->keys[i].name = thrift_struct_get_string(key, HMS_FIELD_SCHEMA_NAME, NULL);
            row->keys[i].type = thrift_struct_get_string(key, HMS_FIELD_SCHEMA_TYPE, NULL);
            if (!row->keys[i].name)
                row->keys[i].name = "";
        }
    }
    row->key_count = count;
    return 1;
}

void hms_format_values(owl_buf *out, const char *const *values, size_t count)
{
    owl_buf_putc(out, '[');
    for (size_t i = 0; i < count; i++)
        owl_buf_printf(out, "%s%s", i ? ", " : "", values[i]);
    owl_buf_putc(out, ']');
}

bool hms_partition_name_for(hms_call *call, const hms_table_row *row, const char *const *values, size_t count,
                            owl_buf *out)
{
    if (count != row->key_count || count == 0) {
        /* Hive's Warehouse.makePartName message, trailing separators included. */
        owl_buf msg = OWL_BUF_INIT;
        owl_buf_puts(&msg, "Invalid partition key & values; keys [");
        for (size_t i = 0; i < row->key_count; i++)
            owl_buf_printf(&msg, "%s, ", row->keys[i].name);
        owl_buf_puts(&msg, "], values [");
        for (size_t i = 0; i < count; i++)
            owl_buf_printf(&msg, "%s, ", values[i]);
        owl_buf_puts(&msg, "]");
        hms_reply_exception(call, HMS_EXCEPTION_META, "%s", msg.data);
        owl_buf_free(&msg);
        return false;
    }
    const char **names = malloc(count * sizeof *names);
    if (!names)
        abort();
    for (size_t i = 0; i < count; i++)
        names[i] = row->keys[i].name;
    owl_buf_reset(out);
    hms_partition_name(out, names, values, count);
    free(names);
    return true;
}

/* ---- Configuration and session methods ---- */

/* Metastore settings that clients read with getMetaConf and get_config_value. */
static const struct {
    const char *key;
    const char *value;
} service_settings[] = {
    {"hive.metastore.try.direct.sql", "true"},
    {"hive.metastore.try.direct.sql.ddl", "true"},
    {"hive.metastore.batch.retrieve.max", "300"},
    {"hive.metastore.client.capability.check", "false"},
    {"hive.default.partition.name", "__HIVE_DEFAULT_PARTITION__"},
    {"metastore.try.direct.sql", "true"},
    {"metastore.batch.retrieve.max", "300"},
};

static const char *service_setting(const char *key)
{
    for (size_t i = 0; i < sizeof service_settings / sizeof service_settings[0]; i++)
        if (strcmp(service_settings[i].key, key) == 0)
            return service_settings[i].value;
    return NULL;
}

static void handle_get_meta_conf(hms_call *call)
{
    const char *key = hms_arg_string(call, 1);
    const char *value = key ? service_setting(key) : NULL;
    if (!value) {
        hms_reply_exception(call, HMS_EXCEPTION_META, "Invalid configuration key %s", key ? key : "null");
        return;
    }
    thrift_value *v = thrift_value_new_cstring(value);
    hms_reply_value(call, v);
    thrift_value_free(v);
}

static void handle_get_config_value(hms_call *call)
{
    const char *name = hms_arg_string(call, 1);
    const char *fallback = hms_arg_string(call, 2);
    /* Hive 2.3 only reveals keys that start with hive, hdfs, mapred or metastore. */
    static const char *const prefixes[] = {"hive", "hdfs", "mapred", "metastore"};
    bool allowed = false;
    for (size_t i = 0; name && i < 4; i++)
        allowed = allowed || strncmp(name, prefixes[i], strlen(prefixes[i])) == 0;
    if (!allowed) {
        hms_reply_exception(call, HMS_EXCEPTION_CONFIG_VAL_SECURITY,
                            "For security reasons, the config key %s cannot be accessed", name ? name : "null");
        return;
    }
    const char *value = service_setting(name);
    thrift_value *v = thrift_value_new_cstring(value ? value : fallback ? fallback : "");
    hms_reply_value(call, v);
    thrift_value_free(v);
}

/* Returns the group names followed by the user name, as Hive's set_ugi does. */
static void handle_set_ugi(hms_call *call)
{
    const char *user = hms_arg_string(call, 1);
    const thrift_value *groups = hms_arg(call, 2);
    thrift_value *result = thrift_value_new_list(THRIFT_STRING);
    size_t count;
    const char **items = hms_string_list_items(groups, &count);
    for (size_t i = 0; i < count; i++)
        thrift_list_append(result, thrift_value_new_cstring(items[i]));
    free(items);
    if (user)
        thrift_list_append(result, thrift_value_new_cstring(user));
    hms_reply_value(call, result);
    thrift_value_free(result);
}

static void handle_get_current_notification_event_id(hms_call *call)
{
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT last_event_id FROM hms_events WHERE id = 1");
    if (!stmt)
        return;
    int64_t id = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    owl_store_finish(stmt);
    thrift_value *result = thrift_value_new_struct();
    thrift_struct_set(result, HMS_CURRENT_NOTIFICATION_EVENT_ID_EVENT_ID, thrift_value_new_i64(id));
    hms_reply_value(call, result);
    thrift_value_free(result);
}

/* ---- Method table ---- */

#define META HMS_EXCEPTION_META
#define NSO HMS_EXCEPTION_NO_SUCH_OBJECT
#define AE HMS_EXCEPTION_ALREADY_EXISTS
#define IOBJ HMS_EXCEPTION_INVALID_OBJECT
#define IOP HMS_EXCEPTION_INVALID_OPERATION
#define UDB HMS_EXCEPTION_UNKNOWN_DB
#define CVS HMS_EXCEPTION_CONFIG_VAL_SECURITY

/* Exception field ids follow each method's throws clause in hive_metastore.thrift. */
static const hms_method service_methods[] = {
    {"getMetaConf", handle_get_meta_conf, {META}},
    {"get_config_value", handle_get_config_value, {CVS}},
    {"set_ugi", handle_set_ugi, {META}},
    {"get_current_notificationEventId", handle_get_current_notification_event_id, {0}},

    {"get_all_databases", hms_handle_get_all_databases, {META}},
    {"get_databases", hms_handle_get_databases, {META}},
    {"get_database", hms_handle_get_database, {NSO, META}},
    {"create_database", hms_handle_create_database, {AE, IOBJ, META}},
    {"drop_database", hms_handle_drop_database, {NSO, IOP, META}},
    {"alter_database", hms_handle_alter_database, {META, NSO}},

    {"get_all_tables", hms_handle_get_all_tables, {META}},
    {"get_tables", hms_handle_get_tables, {META}},
    {"get_table", hms_handle_get_table, {META, NSO}},
    {"get_table_req", hms_handle_get_table_req, {META, NSO}},
    {"get_table_objects_by_name", hms_handle_get_table_objects_by_name, {0}},
    {"get_table_objects_by_name_req", hms_handle_get_table_objects_by_name_req, {META, IOP, UDB}},
    {"create_table", hms_handle_create_table, {AE, IOBJ, META, NSO}},
    {"create_table_with_environment_context", hms_handle_create_table, {AE, IOBJ, META, NSO}},
    {"drop_table", hms_handle_drop_table, {NSO, META}},
    {"drop_table_with_environment_context", hms_handle_drop_table, {NSO, META}},
    {"alter_table", hms_handle_alter_table, {IOP, META}},
    {"alter_table_with_environment_context", hms_handle_alter_table, {IOP, META}},

    {"add_partition", hms_handle_add_partition, {IOBJ, AE, META}},
    {"add_partition_with_environment_context", hms_handle_add_partition, {IOBJ, AE, META}},
    {"add_partitions", hms_handle_add_partitions, {IOBJ, AE, META}},
    {"add_partitions_req", hms_handle_add_partitions_req, {IOBJ, AE, META}},
    {"append_partition", hms_handle_append_partition, {IOBJ, AE, META}},
    {"get_partition", hms_handle_get_partition, {META, NSO}},
    {"get_partitions", hms_handle_get_partitions, {NSO, META}},
    {"get_partition_names", hms_handle_get_partition_names, {NSO, META}},
    {"get_partitions_by_names", hms_handle_get_partitions_by_names, {META, NSO}},
    {"get_partitions_by_names_req", hms_handle_get_partitions_by_names_req, {META, NSO}},
    {"get_partitions_by_filter", hms_handle_get_partitions_by_filter, {META, NSO}},
    {"get_partitions_by_expr", hms_handle_get_partitions_by_expr, {META, NSO}},
    {"drop_partition", hms_handle_drop_partition, {NSO, META}},
    {"drop_partitions_req", hms_handle_drop_partitions_req, {NSO, META}},
    {"alter_partition", hms_handle_alter_partition, {IOP, META}},
    {"alter_partitions", hms_handle_alter_partitions, {IOP, META}},
    {"rename_partition", hms_handle_rename_partition, {IOP, META}},
};

static const hms_method *service_find_method(const char *name)
{
    for (size_t i = 0; i < sizeof service_methods / sizeof service_methods[0]; i++)
        if (strcmp(service_methods[i].name, name) == 0)
            return &service_methods[i];
    return NULL;
}

/* ---- Message loop ---- */

static int64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Writes a TApplicationException reply of the given type. */
static bool service_write_application_exception(thrift_transport *out, const thrift_message *request, int type,
                                                const char *message, thrift_error *err)
{
    thrift_value *e = thrift_value_new_struct();
    thrift_struct_set(e, HMS_APPLICATION_EXCEPTION_MESSAGE, thrift_value_new_cstring(message));
    thrift_struct_set(e, HMS_APPLICATION_EXCEPTION_TYPE, thrift_value_new_i32(type));
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, out);
    thrift_message reply = {.name = request->name, .type = THRIFT_EXCEPTION, .seqid = request->seqid};
    bool ok = thrift_protocol_write_message_begin(&p, &reply, err) && thrift_protocol_write_struct(&p, e, err) &&
              thrift_protocol_write_message_end(&p, err) && thrift_transport_flush(out, err);
    thrift_value_free(e);
    return ok;
}

static bool service_write_reply(thrift_transport *out, const thrift_message *request, const owl_buf *result,
                                thrift_error *err)
{
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, out);
    thrift_message reply = {.name = request->name, .type = THRIFT_REPLY, .seqid = request->seqid};
    uint8_t stop = THRIFT_STOP;
    return thrift_protocol_write_message_begin(&p, &reply, err) &&
           thrift_transport_write(out, result->data, result->len, err) &&
           thrift_transport_write(out, &stop, 1, err) && thrift_protocol_write_message_end(&p, err) &&
           thrift_transport_flush(out, err);
}

static void service_log_call(const hms_service *service, const char *peer, const thrift_message *m,
                             const hms_call *call, int64_t duration_us)
{
    if (!service->call_log)
        return;
    char method[160], peer_q[80], message[600];
    owl_log_quote(method, sizeof method, m->name);
    owl_log_quote(peer_q, sizeof peer_q, peer);
    if (call->message[0]) {
        owl_log_info("event=call method=%s peer=%s seqid=%d duration_us=%lld result=%s message=%s", method, peer_q,
                     m->seqid, (long long)duration_us, call->outcome ? call->outcome : "none",
                     owl_log_quote(message, sizeof message, call->message));
    } else {
        owl_log_info("event=call method=%s peer=%s seqid=%d duration_us=%lld result=%s", method, peer_q,
                     m->seqid, (long long)duration_us, call->outcome ? call->outcome : "none");
    }
}

/* Runs a known method; fills call->result and call->outcome. */
static void service_run(hms_service *service, hms_call *call)
{
    call->db = owl_store_acquire(service->store);
    if (!call->db) {
        hms_reply_exception(call, HMS_EXCEPTION_META,
                            "owlery-metastore: cannot open the state database; see the metastore log");
        return;
    }
    call->method->handler(call);
    if (!sqlite3_get_autocommit(call->db))
        owl_store_rollback(call->db); /* a handler that failed mid-transaction */
    owl_store_release(service->store, call->db);
    call->db = NULL;
    if (!call->replied)
        hms_reply_exception(call, HMS_EXCEPTION_META, "owlery-metastore: %s returned no result", call->method->name);
}

bool hms_service_handle_message(hms_service *service, thrift_transport *in, thrift_transport *out,
                                const char *peer)
{
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, in);
    p.limits = service->limits;
    thrift_message m = {0};
    thrift_value *args = NULL;
    thrift_error err = {{0}};
    char quoted[300], peer_q[80];

    if (!thrift_protocol_read_message_begin(&p, &m, &err)) {
        /* Nothing read: the client closed the connection between calls. */
        if (p.offset > 0)
            owl_log_warn("event=bad_request peer=%s error=%s", owl_log_quote(peer_q, sizeof peer_q, peer),
                         owl_log_quote(quoted, sizeof quoted, err.message));
        return false;
    }
    char method_q[160];
    owl_log_quote(method_q, sizeof method_q, m.name);
    if (!thrift_protocol_read_struct(&p, &args, &err) || !thrift_protocol_read_message_end(&p, &err)) {
        owl_log_warn("event=bad_request peer=%s method=%s error=%s", owl_log_quote(peer_q, sizeof peer_q, peer),
                     method_q, owl_log_quote(quoted, sizeof quoted, err.message));
        thrift_message_clear(&m);
        return false;
    }

    int64_t start = monotonic_us();
    bool keep = true;
    if (m.type != THRIFT_CALL && m.type != THRIFT_ONEWAY) {
        char text[128];
        snprintf(text, sizeof text, "Invalid message type %d for method %.64s", (int)m.type, m.name);
        keep = service_write_application_exception(out, &m, HMS_APP_INVALID_MESSAGE_TYPE, text, &err);
        hms_call call = {.outcome = "INVALID_MESSAGE_TYPE"};
        service_log_call(service, peer, &m, &call, monotonic_us() - start);
        thrift_value_free(args);
        thrift_message_clear(&m);
        return keep;
    }

    const hms_method *method = service_find_method(m.name);
    hms_call call = {.service = service, .method = method, .args = args};
    if (!method) {
        owl_buf text = OWL_BUF_INIT;
        owl_buf_printf(&text, "Invalid method name: '%s'", m.name);
        call.outcome = "UNKNOWN_METHOD";
        if (m.type == THRIFT_CALL)
            keep = service_write_application_exception(out, &m, HMS_APP_UNKNOWN_METHOD, text.data, &err);
        owl_buf_free(&text);
    } else {
        service_run(service, &call);
        if (m.type == THRIFT_ONEWAY) {
            /* no reply */
        } else if (call.internal_error) {
            char text[700];
            snprintf(text, sizeof text, "Internal error processing %s: %s", m.name, call.message);
            keep = service_write_application_exception(out, &m, HMS_APP_INTERNAL_ERROR, text, &err);
        } else {
            keep = service_write_reply(out, &m, &call.result, &err);
        }
    }
    service_log_call(service, peer, &m, &call, monotonic_us() - start);
    if (!keep)
        owl_log_warn("event=reply_failed peer=%s method=%s error=%s", owl_log_quote(peer_q, sizeof peer_q, peer),
                     method_q, owl_log_quote(quoted, sizeof quoted, err.message));
    owl_buf_free(&call.result);
    thrift_value_free(args);
    thrift_message_clear(&m);
    return keep;
}
