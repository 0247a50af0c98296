/*
 * Partition methods of the metastore service (see service.h). A partition
 * is stored as its binary-protocol Partition struct, keyed by the table
 * and its Hive partition name ("dt=2024-01-01/hr=05"), with one
 * hms_partition_values row per key value for filters.
 *
 * Listing order is the partition name's, as Hive's direct-SQL path sorts.
 * max_parts arguments below 0 mean no limit.
 */
#include "hms/service_internal.h"

#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HMS_DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"

/* The message get_partitions_by_expr and drop_partitions_req raise for a serialized Hive expression. */
#define HMS_EXPR_UNSUPPORTED "Failed to deserialize expression - ExprNodeDesc not present"

/* ---- Shared steps ---- */

static bool begin(hms_call *call)
{
    if (owl_store_begin(call->db) == SQLITE_OK)
        return true;
    hms_reply_storage_error(call, "starting a transaction");
    return false;
}

static bool commit(hms_call *call)
{
    if (hms_event_bump(call->db) && owl_store_commit(call->db) == SQLITE_OK)
        return true;
    hms_reply_storage_error(call, "committing");
    owl_store_rollback(call->db);
    return false;
}

/*
 * Loads the table named by string arguments db_id and table_id into row.
 * When it does not exist, raises kind with message missing (printf with
 * db and table) and returns false; also false after a storage error.
 */
static bool load_table(hms_call *call, const char *db_arg, const char *table_arg, hms_table_row *row,
                       hms_exception_kind kind, const char *missing)
{
    char db[HMS_NAME_MAX], table[HMS_NAME_MAX];
    int found = 0;
    memset(row, 0, sizeof *row);
    if (hms_name_copy(db, sizeof db, db_arg) && hms_name_copy(table, sizeof table, table_arg))
        found = hms_table_load(call, db, table, row);
    if (found == 0)
        hms_reply_exception(call, kind, missing, db_arg ? db_arg : "null", table_arg ? table_arg : "null");
    return found == 1;
}

#define TABLE_NOT_FOUND "%s.%s table not found"

static const char *table_db(const hms_table_row *row)
{
    return thrift_struct_get_string(row->table, HMS_TABLE_DB_NAME, NULL);
}

static const char *table_name(const hms_table_row *row)
{
    return thrift_struct_get_string(row->table, HMS_TABLE_TABLE_NAME, NULL);
}

/* Partition values of a Partition struct or list<string> argument; see hms_string_list_items. */
static const char **partition_values(const thrift_value *part, size_t *count)
{
    return hms_string_list_items(thrift_struct_get(part, HMS_PARTITION_VALUES), count);
}

/* Raises the message Hive uses for a missing partition: "partition values=[a, b]". */
static void reply_partition_not_found(hms_call *call, hms_exception_kind kind, const char *const *values,
                                      size_t count)
{
    owl_buf text = OWL_BUF_INIT;
    hms_format_values(&text, values, count);
    hms_reply_exception(call, kind, "partition values=%s", text.data);
    owl_buf_free(&text);
}

static void reply_partition_exists(hms_call *call, hms_exception_kind kind, const hms_table_row *row,
                                   const char *const *values, size_t count)
{
    owl_buf text = OWL_BUF_INIT;
    hms_format_values(&text, values, count);
    /* NOTE: Hive's add_partition prints the whole Partition struct here; owlery uses rename_partition's form. */
    hms_reply_exception(call, kind, "Partition already exists:%s.%s.%s", table_db(row), table_name(row), text.data);
    owl_buf_free(&text);
}

/* Prepared statements for writing partitions within one call. */
typedef struct partition_writer {
    sqlite3_stmt *insert;
    sqlite3_stmt *insert_value;
    sqlite3_stmt *update;
    owl_buf blob, name;
} partition_writer;

static bool writer_open(hms_call *call, partition_writer *w)
{
    memset(w, 0, sizeof *w);
    w->insert = hms_prepare(call, "INSERT INTO hms_partitions (table_id, name, object) VALUES (?1, ?2, ?3)");
    w->insert_value = w->insert ? hms_prepare(call, "INSERT INTO hms_partition_values"
                                                    " (table_id, position, value, partition_id) VALUES (?1, ?2, ?3, ?4)")
                                : NULL;
    w->update = w->insert_value ? hms_prepare(call, "UPDATE hms_partitions SET object = ?2 WHERE id = ?1") : NULL;
    return w->update != NULL;
}

static void writer_close(partition_writer *w)
{
    owl_store_finish(w->insert);
    owl_store_finish(w->insert_value);
    owl_store_finish(w->update);
    owl_buf_free(&w->blob);
    owl_buf_free(&w->name);
}

/* Sets the partition's sd.location to "<table location>/<partition name>" when the client left it out. */
static void default_location(const hms_table_row *row, thrift_value *part, const char *name)
{
    thrift_value *sd = thrift_struct_get(part, HMS_PARTITION_SD);
    const char *location = thrift_struct_get_string(sd, HMS_SD_LOCATION, NULL);
    const char *table_location =
        thrift_struct_get_string(thrift_struct_get(row->table, HMS_TABLE_SD), HMS_SD_LOCATION, NULL);
    if (!sd || sd->type != THRIFT_STRUCT || (location && *location) || !table_location || !*table_location)
        return;
    owl_buf b = OWL_BUF_INIT;
    owl_buf_printf(&b, "%s/%s", table_location, name);
    thrift_struct_set(sd, HMS_SD_LOCATION, thrift_value_new_cstring(b.data));
    owl_buf_free(&b);
}

/* Inserts the key-value index rows of one partition. */
static bool insert_values(partition_writer *w, int64_t table_id, int64_t partition_id, const char *const *values,
                          size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *value = *values[i] ? values[i] : HMS_DEFAULT_PARTITION;
        sqlite3_reset(w->insert_value);
        sqlite3_bind_int64(w->insert_value, 1, table_id);
        sqlite3_bind_int64(w->insert_value, 2, (int64_t)i);
        sqlite3_bind_text(w->insert_value, 3, value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(w->insert_value, 4, partition_id);
        if (sqlite3_step(w->insert_value) != SQLITE_DONE)
            return false;
    }
    return true;
}

/*
 * Adds part (which it completes: names, createTime, DDL time, location) to
 * the table inside the caller's transaction. Returns 1 when added, 0 when
 * it exists and if_not_exists is set, -1 after replying with an exception.
 * On success w->blob holds the stored encoding.
 */
static int partition_add(hms_call *call, partition_writer *w, const hms_table_row *row, thrift_value *part,
                         bool if_not_exists)
{
    if (!part || part->type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "a partition is not a Partition struct");
        return -1;
    }
    const char *part_db = thrift_struct_get_string(part, HMS_PARTITION_DB_NAME, NULL);
    const char *part_table = thrift_struct_get_string(part, HMS_PARTITION_TABLE_NAME, NULL);
    if ((part_db && strcasecmp(part_db, table_db(row)) != 0) ||
        (part_table && strcasecmp(part_table, table_name(row)) != 0)) {
        hms_reply_exception(call, HMS_EXCEPTION_META, "Partition does not belong to target table %s.%s: %s.%s",
                            table_db(row), table_name(row), part_db ? part_db : "null",
                            part_table ? part_table : "null");
        return -1;
    }
    size_t count;
    const char **values = partition_values(part, &count);
    int result = -1;
    if (!hms_partition_name_for(call, row, values, count, &w->name))
        goto done;

    thrift_struct_set(part, HMS_PARTITION_DB_NAME, thrift_value_new_cstring(table_db(row)));
    thrift_struct_set(part, HMS_PARTITION_TABLE_NAME, thrift_value_new_cstring(table_name(row)));
    hms_stamp_ddl_time(part, HMS_PARTITION_CREATE_TIME, HMS_PARTITION_PARAMETERS);
    default_location(row, part, w->name.data);
    if (!hms_encode(part, &w->blob)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "partition %s cannot be encoded", w->name.data);
        goto done;
    }

    sqlite3_reset(w->insert);
    sqlite3_bind_int64(w->insert, 1, row->id);
    sqlite3_bind_text(w->insert, 2, w->name.data, (int)w->name.len, SQLITE_STATIC);
    sqlite3_bind_blob(w->insert, 3, w->blob.data, (int)w->blob.len, SQLITE_STATIC);
    int rc = sqlite3_step(w->insert);
    if (rc == SQLITE_CONSTRAINT) {
        if (if_not_exists)
            result = 0;
        else
            reply_partition_exists(call, HMS_EXCEPTION_ALREADY_EXISTS, row, values, count);
        goto done;
    }
    if (rc != SQLITE_DONE || !insert_values(w, row->id, sqlite3_last_insert_rowid(call->db), values, count)) {
        hms_reply_storage_error(call, "inserting a partition");
        goto done;
    }
    result = 1;
done:
    free(values);
    return result;
}

/* Appends the stored partition blob named name to out; 1 found, 0 absent, -1 after a storage error reply. */
static int partition_append_blob(hms_call *call, sqlite3_stmt *select, int64_t table_id, const char *name,
                                 size_t name_len, owl_buf *out, int64_t *id)
{
    sqlite3_reset(select);
    sqlite3_bind_int64(select, 1, table_id);
    sqlite3_bind_text(select, 2, name, (int)name_len, SQLITE_TRANSIENT);
    int rc = sqlite3_step(select);
    if (rc == SQLITE_ROW) {
        if (id)
            *id = sqlite3_column_int64(select, 0);
        if (out)
            owl_buf_append(out, sqlite3_column_blob(select, 1), (size_t)sqlite3_column_bytes(select, 1));
        return 1;
    }
    if (rc == SQLITE_DONE)
        return 0;
    hms_reply_storage_error(call, "reading a partition");
    return -1;
}

static const char partition_select_sql[] = "SELECT id, object FROM hms_partitions WHERE table_id = ?1 AND name = ?2";

/* Starts a list<Partition> return value (field 0); the caller appends count blobs. */
static void reply_partition_list(hms_call *call, const owl_buf *blobs, size_t count)
{
    owl_buf_reset(&call->result);
    hms_reply_field_header(&call->result, THRIFT_LIST, 0);
    hms_reply_list_header(&call->result, THRIFT_STRUCT, count);
    owl_buf_append(&call->result, blobs->data, blobs->len);
    hms_reply_written(call);
}

/* Replies with a result struct {id: list<Partition>} as field 0. */
static void reply_partition_list_struct(hms_call *call, int16_t id, const owl_buf *blobs, size_t count)
{
    owl_buf_reset(&call->result);
    hms_reply_field_header(&call->result, THRIFT_STRUCT, 0);
    hms_reply_field_header(&call->result, THRIFT_LIST, id);
    hms_reply_list_header(&call->result, THRIFT_STRUCT, count);
    owl_buf_append(&call->result, blobs->data, blobs->len);
    owl_buf_putc(&call->result, THRIFT_STOP);
    hms_reply_written(call);
}

/* ---- Adding ---- */

void hms_handle_add_partition(hms_call *call)
{
    const thrift_value *arg = hms_arg(call, 1);
    hms_table_row row;
    if (!arg || arg->type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OBJECT, "add_partition needs a Partition in argument 1");
        return;
    }
    if (!begin(call))
        return;
    if (!load_table(call, thrift_struct_get_string(arg, HMS_PARTITION_DB_NAME, NULL),
                    thrift_struct_get_string(arg, HMS_PARTITION_TABLE_NAME, NULL), &row, HMS_EXCEPTION_INVALID_OBJECT,
                    "Unable to add partition because table or database do not exist")) {
        owl_store_rollback(call->db);
        return;
    }
    partition_writer w;
    thrift_value *part = thrift_value_copy(arg);
    if (writer_open(call, &w) && partition_add(call, &w, &row, part, false) == 1 && commit(call))
        hms_reply_struct_blob(call, w.blob.data, w.blob.len);
    else
        owl_store_rollback(call->db);
    writer_close(&w);
    thrift_value_free(part);
    hms_table_row_clear(&row);
}

/*
 * Adds every partition of list parts to db.table (NULL names: those of the
 * first partition) in one transaction. Appends the added partitions'
 * encodings to added (when not NULL) and sets *count. Returns false after
 * replying with an exception.
 */
static bool add_partition_list(hms_call *call, const char *db, const char *table, const thrift_value *parts,
                               bool if_not_exists, owl_buf *added, size_t *count)
{
    *count = 0;
    size_t n = parts && parts->type == THRIFT_LIST ? parts->u.list.count : 0;
    if (n == 0)
        return true;
    if (!db)
        db = thrift_struct_get_string(parts->u.list.items[0], HMS_PARTITION_DB_NAME, NULL);
    if (!table)
        table = thrift_struct_get_string(parts->u.list.items[0], HMS_PARTITION_TABLE_NAME, NULL);

    if (!begin(call))
        return false;
    hms_table_row row;
    if (!load_table(call, db, table, &row, HMS_EXCEPTION_INVALID_OBJECT,
                    "Unable to add partition because table or database do not exist")) {
        owl_store_rollback(call->db);
        return false;
    }
    partition_writer w;
    bool ok = writer_open(call, &w);
    for (size_t i = 0; ok && i < n; i++) {
        thrift_value *part = thrift_value_copy(parts->u.list.items[i]);
        int rc = partition_add(call, &w, &row, part, if_not_exists);
        thrift_value_free(part);
        ok = rc >= 0;
        if (rc == 1) {
            (*count)++;
            if (added)
                owl_buf_append(added, w.blob.data, w.blob.len);
        }
    }
    ok = ok && commit(call);
    if (!ok)
        owl_store_rollback(call->db);
    writer_close(&w);
    hms_table_row_clear(&row);
    return ok;
}

void hms_handle_add_partitions(hms_call *call)
{
    size_t count;
    if (!add_partition_list(call, NULL, NULL, hms_arg(call, 1), false, NULL, &count))
        return;
    thrift_value *v = thrift_value_new_i32((int32_t)count);
    hms_reply_value(call, v);
    thrift_value_free(v);
}

void hms_handle_add_partitions_req(hms_call *call)
{
    const thrift_value *req = hms_arg(call, 1);
    bool if_not_exists = false, need_result = true;
    thrift_struct_get_bool(req, HMS_ADD_PARTITIONS_REQUEST_IF_NOT_EXISTS, &if_not_exists);
    thrift_struct_get_bool(req, HMS_ADD_PARTITIONS_REQUEST_NEED_RESULT, &need_result);
    const char *db = thrift_struct_get_string(req, HMS_ADD_PARTITIONS_REQUEST_DB_NAME, NULL);
    const char *table = thrift_struct_get_string(req, HMS_ADD_PARTITIONS_REQUEST_TBL_NAME, NULL);
    owl_buf added = OWL_BUF_INIT;
    size_t count;
    if (add_partition_list(call, db ? db : "", table ? table : "", thrift_struct_get(req, HMS_ADD_PARTITIONS_REQUEST_PARTS),
                           if_not_exists, need_result ? &added : NULL, &count)) {
        if (need_result) {
            reply_partition_list_struct(call, HMS_ADD_PARTITIONS_RESULT_PARTITIONS, &added, count);
        } else {
            owl_buf_reset(&call->result);
            hms_reply_field_header(&call->result, THRIFT_STRUCT, 0);
            owl_buf_putc(&call->result, THRIFT_STOP);
            hms_reply_written(call);
        }
    }
    owl_buf_free(&added);
}

void hms_handle_append_partition(hms_call *call)
{
    size_t count;
    const char **values = hms_string_list_items(hms_arg(call, 3), &count);
    hms_table_row row;
    memset(&row, 0, sizeof row);
    partition_writer w = {0};
    thrift_value *part = NULL;
    if (!begin(call))
        goto done;
    if (!load_table(call, hms_arg_string(call, 1), hms_arg_string(call, 2), &row, HMS_EXCEPTION_INVALID_OBJECT,
                    "Unable to add partition because table or database do not exist"))
        goto fail;

    /* Hive builds the new partition from the table's storage descriptor. */
    part = thrift_value_new_struct();
    thrift_struct_set(part, HMS_PARTITION_VALUES, hms_string_list(values, count));
    thrift_struct_set(part, HMS_PARTITION_LAST_ACCESS_TIME, thrift_value_new_i32(0));
    const thrift_value *table_sd = thrift_struct_get(row.table, HMS_TABLE_SD);
    if (table_sd) {
        thrift_value *sd = thrift_value_copy(table_sd);
        thrift_struct_remove(sd, HMS_SD_LOCATION);
        thrift_struct_set(part, HMS_PARTITION_SD, sd);
    }
    if (!writer_open(call, &w))
        goto fail;
    int rc = partition_add(call, &w, &row, part, true);
    if (rc < 0)
        goto fail;
    if (rc == 0) {
        owl_buf text = OWL_BUF_INIT;
        hms_format_values(&text, values, count);
        hms_reply_exception(call, HMS_EXCEPTION_ALREADY_EXISTS, "Partition already exists:%s", text.data);
        owl_buf_free(&text);
        goto fail;
    }
    if (commit(call))
        hms_reply_struct_blob(call, w.blob.data, w.blob.len);
    goto done;
fail:
    owl_store_rollback(call->db);
done:
    writer_close(&w);
    thrift_value_free(part);
    hms_table_row_clear(&row);
    free(values);
}

/* ---- Reading ---- */

void hms_handle_get_partition(hms_call *call)
{
    hms_table_row row;
    if (!load_table(call, hms_arg_string(call, 1), hms_arg_string(call, 2), &row, HMS_EXCEPTION_NO_SUCH_OBJECT,
                    TABLE_NOT_FOUND))
        return;
    size_t count;
    const char **values = hms_string_list_items(hms_arg(call, 3), &count);
    owl_buf name = OWL_BUF_INIT, blob = OWL_BUF_INIT;
    if (!hms_partition_name_for(call, &row, values, count, &name))
        goto done;
    sqlite3_stmt *select = hms_prepare(call, partition_select_sql);
    if (!select)
        goto done;
    int found = partition_append_blob(call, select, row.id, name.data, name.len, &blob, NULL);
    owl_store_finish(select);
    if (found == 1)
        hms_reply_struct_blob(call, blob.data, blob.len);
    else if (found == 0)
        reply_partition_not_found(call, HMS_EXCEPTION_NO_SUCH_OBJECT, values, count);
done:
    owl_buf_free(&name);
    owl_buf_free(&blob);
    free(values);
    hms_table_row_clear(&row);
}

/* Lists all partitions (names_only: their names) of the table, up to max (< 0: all). */
static void list_partitions(hms_call *call, bool names_only)
{
    hms_table_row row;
    if (!load_table(call, hms_arg_string(call, 1), hms_arg_string(call, 2), &row, HMS_EXCEPTION_NO_SUCH_OBJECT,
                    TABLE_NOT_FOUND))
        return;
    int max = hms_arg_i16(call, 3, -1);
    sqlite3_stmt *stmt = hms_prepare(call, "SELECT name, object FROM hms_partitions WHERE table_id = ?1"
                                           " ORDER BY name LIMIT ?2");
    if (!stmt) {
        hms_table_row_clear(&row);
        return;
    }
    sqlite3_bind_int64(stmt, 1, row.id);
    sqlite3_bind_int64(stmt, 2, max < 0 ? -1 : max);
    owl_buf items = OWL_BUF_INIT;
    size_t count = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (names_only)
            hms_reply_string(&items, (const char *)sqlite3_column_text(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0));
        else
            owl_buf_append(&items, sqlite3_column_blob(stmt, 1), (size_t)sqlite3_column_bytes(stmt, 1));
        count++;
    }
    if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "listing partitions");
    } else if (names_only) {
        owl_buf_reset(&call->result);
        hms_reply_field_header(&call->result, THRIFT_LIST, 0);
        hms_reply_list_header(&call->result, THRIFT_STRING, count);
        owl_buf_append(&call->result, items.data, items.len);
        hms_reply_written(call);
    } else {
        reply_partition_list(call, &items, count);
    }
    owl_store_finish(stmt);
    owl_buf_free(&items);
    hms_table_row_clear(&row);
}

void hms_handle_get_partitions(hms_call *call)
{
    list_partitions(call, false);
}

void hms_handle_get_partition_names(hms_call *call)
{
    list_partitions(call, true);
}

/* Collects the named partitions that exist, in request order, into blobs. */
static bool partitions_by_names(hms_call *call, const char *db, const char *table, const thrift_value *names,
                                owl_buf *blobs, size_t *found)
{
    hms_table_row row;
    *found = 0;
    if (!load_table(call, db, table, &row, HMS_EXCEPTION_NO_SUCH_OBJECT, TABLE_NOT_FOUND))
        return false;
    sqlite3_stmt *select = hms_prepare(call, partition_select_sql);
    bool ok = select != NULL;
    size_t count;
    const char **items = hms_string_list_items(names, &count);
    for (size_t i = 0; ok && i < count; i++) {
        int rc = partition_append_blob(call, select, row.id, items[i], strlen(items[i]), blobs, NULL);
        ok = rc >= 0;
        *found += rc == 1;
    }
    free(items);
    owl_store_finish(select);
    hms_table_row_clear(&row);
    return ok;
}

void hms_handle_get_partitions_by_names(hms_call *call)
{
    owl_buf blobs = OWL_BUF_INIT;
    size_t found;
    if (partitions_by_names(call, hms_arg_string(call, 1), hms_arg_string(call, 2), hms_arg(call, 3), &blobs, &found))
        reply_partition_list(call, &blobs, found);
    owl_buf_free(&blobs);
}

void hms_handle_get_partitions_by_names_req(hms_call *call)
{
    const thrift_value *req = hms_arg(call, 1);
    owl_buf blobs = OWL_BUF_INIT;
    size_t found;
    if (partitions_by_names(call, thrift_struct_get_string(req, HMS_GET_PARTITIONS_BY_NAMES_REQUEST_DB_NAME, NULL),
                            thrift_struct_get_string(req, HMS_GET_PARTITIONS_BY_NAMES_REQUEST_TBL_NAME, NULL),
                            thrift_struct_get(req, HMS_GET_PARTITIONS_BY_NAMES_REQUEST_NAMES), &blobs, &found))
        reply_partition_list_struct(call, HMS_GET_PARTITIONS_BY_NAMES_RESULT_PARTITIONS, &blobs, found);
    owl_buf_free(&blobs);
}

/* Returns true when the partition named name (values unescaped from it) satisfies filter. */
static bool filter_matches(const hms_filter *filter, const char *name, size_t key_count)
{
    char *keys[64], *values[64];
    size_t lengths[64];
    if (key_count > 64)
        return false;
    int n = hms_partition_name_parse(name, keys, values, key_count);
    for (int i = 0; i < n; i++)
        lengths[i] = strlen(values[i]);
    bool match = n == (int)key_count && hms_filter_eval(filter, (const char *const *)values, lengths, key_count);
    for (int i = 0; i < n; i++) {
        free(keys[i]);
        free(values[i]);
    }
    return match;
}

void hms_handle_get_partitions_by_filter(hms_call *call)
{
    hms_table_row row;
    if (!load_table(call, hms_arg_string(call, 1), hms_arg_string(call, 2), &row, HMS_EXCEPTION_NO_SUCH_OBJECT,
                    TABLE_NOT_FOUND))
        return;
    size_t text_len = 0;
    const char *text = thrift_struct_get_string(call->args, 3, &text_len);
    int max = hms_arg_i16(call, 4, -1);
    hms_filter *filter = NULL;
    hms_filter_sql_param *params = NULL;
    size_t param_count = 0;
    owl_buf sql = OWL_BUF_INIT, blobs = OWL_BUF_INIT;
    sqlite3_stmt *stmt = NULL;

    bool blank = true;
    for (size_t i = 0; text && i < text_len; i++)
        blank = blank && strchr(" \t\r\n", text[i]) != NULL;
    owl_buf_puts(&sql, "SELECT p.name, p.object FROM hms_partitions p WHERE p.table_id = ?1");
    if (!blank) {
        hms_filter_error err;
        filter = hms_filter_parse(text, text_len, &err);
        if (!filter) {
            hms_reply_exception(call, HMS_EXCEPTION_META, "Error parsing partition filter : %s", err.message);
            goto done;
        }
        if (!hms_filter_bind(filter, row.keys, row.key_count, &err)) {
            hms_reply_exception(call, HMS_EXCEPTION_META, "%s", err.message);
            goto done;
        }
        owl_buf_puts(&sql, " AND ");
        if (!hms_filter_sql(filter, &sql, &params, &param_count, 30000)) {
            hms_reply_exception(call, HMS_EXCEPTION_META, "partition filter has too many comparisons");
            goto done;
        }
    }
    owl_buf_puts(&sql, " ORDER BY p.name");
    /* Built per call, so compiled without the statement cache; owl_store_finish() finalizes it. */
    if (sqlite3_prepare_v2(call->db, sql.data, -1, &stmt, NULL) != SQLITE_OK) {
        hms_reply_storage_error(call, "preparing a statement");
        goto done;
    }
    sqlite3_bind_int64(stmt, 1, row.id);
    for (size_t i = 0; i < param_count; i++) {
        if (params[i].is_text)
            sqlite3_bind_text(stmt, (int)i + 2, params[i].text, (int)params[i].text_len, SQLITE_STATIC);
        else
            sqlite3_bind_int64(stmt, (int)i + 2, params[i].integer);
    }
    size_t count = 0;
    int rc = SQLITE_DONE;
    while ((max < 0 || count < (size_t)max) && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (filter && !filter_matches(filter, (const char *)sqlite3_column_text(stmt, 0), row.key_count))
            continue;
        owl_buf_append(&blobs, sqlite3_column_blob(stmt, 1), (size_t)sqlite3_column_bytes(stmt, 1));
        count++;
    }
    if (max >= 0 && count >= (size_t)max)
        rc = SQLITE_DONE;
    if (rc != SQLITE_DONE)
        hms_reply_storage_error(call, "filtering partitions");
    else
        reply_partition_list(call, &blobs, count);
done:
    owl_store_finish(stmt);
    hms_filter_free(filter);
    free(params);
    owl_buf_free(&sql);
    owl_buf_free(&blobs);
    hms_table_row_clear(&row);
}

void hms_handle_get_partitions_by_expr(hms_call *call)
{
    const thrift_value *req = hms_arg(call, 1);
    hms_table_row row;
    if (!load_table(call, thrift_struct_get_string(req, HMS_PARTITIONS_BY_EXPR_REQUEST_DB_NAME, NULL),
                    thrift_struct_get_string(req, HMS_PARTITIONS_BY_EXPR_REQUEST_TBL_NAME, NULL), &row,
                    HMS_EXCEPTION_NO_SUCH_OBJECT, TABLE_NOT_FOUND))
        return;
    /* The expression is a Kryo-serialized Hive ExprNodeDesc; callers fall back to get_partitions_by_filter. */
    hms_reply_exception(call, HMS_EXCEPTION_META, HMS_EXPR_UNSUPPORTED);
    hms_table_row_clear(&row);
}

/* ---- Dropping ---- */

/* Deletes partition id (its values cascade). */
static bool delete_partition(hms_call *call, int64_t id)
{
    sqlite3_stmt *stmt = hms_prepare(call, "DELETE FROM hms_partitions WHERE id = ?1");
    if (!stmt)
        return false;
    sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    if (rc != SQLITE_DONE) {
        hms_reply_storage_error(call, "deleting a partition");
        return false;
    }
    return true;
}

void hms_handle_drop_partition(hms_call *call)
{
    size_t count;
    const char **values = hms_string_list_items(hms_arg(call, 3), &count);
    owl_buf name = OWL_BUF_INIT;
    hms_table_row row;
    memset(&row, 0, sizeof row);
    if (!begin(call))
        goto done;
    if (!load_table(call, hms_arg_string(call, 1), hms_arg_string(call, 2), &row, HMS_EXCEPTION_NO_SUCH_OBJECT,
                    TABLE_NOT_FOUND) ||
        !hms_partition_name_for(call, &row, values, count, &name))
        goto fail;
    sqlite3_stmt *select = hms_prepare(call, partition_select_sql);
    if (!select)
        goto fail;
    int64_t id = 0;
    int found = partition_append_blob(call, select, row.id, name.data, name.len, NULL, &id);
    owl_store_finish(select);
    if (found == 0)
        reply_partition_not_found(call, HMS_EXCEPTION_NO_SUCH_OBJECT, values, count);
    if (found != 1 || !delete_partition(call, id))
        goto fail;
    if (commit(call)) {
        thrift_value *v = thrift_value_new_bool(true);
        hms_reply_value(call, v);
        thrift_value_free(v);
    }
    goto done;
fail:
    owl_store_rollback(call->db);
done:
    owl_buf_free(&name);
    free(values);
    hms_table_row_clear(&row);
}

void hms_handle_drop_partitions_req(hms_call *call)
{
    const thrift_value *req = hms_arg(call, 1);
    const thrift_value *spec = thrift_struct_get(req, HMS_DROP_PARTITIONS_REQUEST_PARTS);
    bool if_exists = true, need_result = true;
    thrift_struct_get_bool(req, HMS_DROP_PARTITIONS_REQUEST_IF_EXISTS, &if_exists);
    thrift_struct_get_bool(req, HMS_DROP_PARTITIONS_REQUEST_NEED_RESULT, &need_result);
    hms_table_row row;
    memset(&row, 0, sizeof row);
    owl_buf dropped = OWL_BUF_INIT;
    size_t dropped_count = 0;
    sqlite3_stmt *select = NULL;

    if (!begin(call))
        goto done;
    if (!load_table(call, thrift_struct_get_string(req, HMS_DROP_PARTITIONS_REQUEST_DB_NAME, NULL),
                    thrift_struct_get_string(req, HMS_DROP_PARTITIONS_REQUEST_TBL_NAME, NULL), &row,
                    HMS_EXCEPTION_NO_SUCH_OBJECT, TABLE_NOT_FOUND))
        goto fail;
    if (thrift_struct_get(spec, HMS_REQUEST_PARTS_SPEC_EXPRS)) {
        hms_reply_exception(call, HMS_EXCEPTION_META, HMS_EXPR_UNSUPPORTED);
        goto fail;
    }
    size_t count;
    const char **names = hms_string_list_items(thrift_struct_get(spec, HMS_REQUEST_PARTS_SPEC_NAMES), &count);
    select = hms_prepare(call, partition_select_sql);
    bool ok = select != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        int64_t id;
        size_t before = dropped.len;
        int found = partition_append_blob(call, select, row.id, names[i], strlen(names[i]), &dropped, &id);
        ok = found >= 0;
        if (found == 0 && !if_exists) {
            hms_reply_exception(call, HMS_EXCEPTION_NO_SUCH_OBJECT, "Some partitions to drop are missing");
            ok = false;
        }
        if (found == 1) {
            ok = delete_partition(call, id);
            dropped_count++;
            if (!need_result)
                dropped.len = before;
        }
    }
    free(names);
    if (!ok || !commit(call))
        goto fail;
    if (need_result) {
        reply_partition_list_struct(call, HMS_DROP_PARTITIONS_RESULT_PARTITIONS, &dropped, dropped_count);
    } else {
        owl_buf_reset(&call->result);
        hms_reply_field_header(&call->result, THRIFT_STRUCT, 0);
        owl_buf_putc(&call->result, THRIFT_STOP);
        hms_reply_written(call);
    }
    goto done;
fail:
    owl_store_rollback(call->db);
done:
    owl_store_finish(select);
    owl_buf_free(&dropped);
    hms_table_row_clear(&row);
}

/* ---- Altering ---- */

/* Adds parameters["transient_lastDdlTime"] when missing, as Hive's alter does. */
static void ensure_ddl_time(thrift_value *part)
{
    thrift_value *params = thrift_struct_get(part, HMS_PARTITION_PARAMETERS);
    if (params && params->type == THRIFT_MAP && thrift_map_find_cstring(params, "transient_lastDdlTime"))
        return;
    int32_t create_time = 0;
    bool had = thrift_struct_get_i32(part, HMS_PARTITION_CREATE_TIME, &create_time);
    hms_stamp_ddl_time(part, HMS_PARTITION_CREATE_TIME, HMS_PARTITION_PARAMETERS);
    if (had)
        thrift_struct_set(part, HMS_PARTITION_CREATE_TIME, thrift_value_new_i32(create_time));
}

/*
 * Replaces the stored partition whose values are those of new_part.
 * Returns false after replying; missing is the InvalidOperationException
 * message for a partition that does not exist.
 */
static bool alter_one(hms_call *call, partition_writer *w, sqlite3_stmt *select, const hms_table_row *row,
                      const thrift_value *new_part, const char *missing)
{
    if (!new_part || new_part->type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "%s", missing);
        return false;
    }
    size_t count;
    const char **values = partition_values(new_part, &count);
    bool ok = false;
    int64_t id = 0;
    thrift_value *part = NULL;
    if (!hms_partition_name_for(call, row, values, count, &w->name))
        goto done;
    int found = partition_append_blob(call, select, row->id, w->name.data, w->name.len, NULL, &id);
    if (found == 0)
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "%s", missing);
    if (found != 1)
        goto done;
    part = thrift_value_copy(new_part);
    thrift_struct_set(part, HMS_PARTITION_DB_NAME, thrift_value_new_cstring(table_db(row)));
    thrift_struct_set(part, HMS_PARTITION_TABLE_NAME, thrift_value_new_cstring(table_name(row)));
    ensure_ddl_time(part);
    if (!hms_encode(part, &w->blob)) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "partition %s cannot be encoded", w->name.data);
        goto done;
    }
    sqlite3_reset(w->update);
    sqlite3_bind_int64(w->update, 1, id);
    sqlite3_bind_blob(w->update, 2, w->blob.data, (int)w->blob.len, SQLITE_STATIC);
    ok = sqlite3_step(w->update) == SQLITE_DONE;
    if (!ok)
        hms_reply_storage_error(call, "updating a partition");
done:
    thrift_value_free(part);
    free(values);
    return ok;
}

/* alter_partition and alter_partitions: parts is one Partition or a list of them. */
static void alter_partitions(hms_call *call, const thrift_value *const *parts, size_t count, const char *missing)
{
    hms_table_row row;
    memset(&row, 0, sizeof row);
    partition_writer w = {0};
    sqlite3_stmt *select = NULL;
    if (!begin(call))
        return;
    if (!load_table(call, hms_arg_string(call, 1), hms_arg_string(call, 2), &row, HMS_EXCEPTION_INVALID_OPERATION,
                    "Unable to alter partition because table or database does not exist."))
        goto fail;
    select = hms_prepare(call, partition_select_sql);
    if (!select || !writer_open(call, &w))
        goto fail;
    for (size_t i = 0; i < count; i++)
        if (!alter_one(call, &w, select, &row, parts[i], missing))
            goto fail;
    if (commit(call))
        hms_reply_void(call);
    goto done;
fail:
    owl_store_rollback(call->db);
done:
    owl_store_finish(select);
    writer_close(&w);
    hms_table_row_clear(&row);
}

void hms_handle_alter_partition(hms_call *call)
{
    const thrift_value *part = hms_arg(call, 3);
    alter_partitions(call, &part, 1, "Unable to alter partition because table or database does not exist.");
}

void hms_handle_alter_partitions(hms_call *call)
{
    const thrift_value *list = hms_arg(call, 3);
    if (!list || list->type != THRIFT_LIST || list->u.list.elem_type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "alter_partitions needs a list of Partition");
        return;
    }
    alter_partitions(call, (const thrift_value *const *)list->u.list.items, list->u.list.count,
                     "alter is not possible");
}

void hms_handle_rename_partition(hms_call *call)
{
    size_t old_count;
    const char **old_values = hms_string_list_items(hms_arg(call, 3), &old_count);
    const thrift_value *new_arg = hms_arg(call, 4);
    if (old_count == 0) {
        /* Hive's rename_partition with no old values is alter_partition. */
        free(old_values);
        hms_handle_alter_partition(call);
        return;
    }
    hms_table_row row;
    memset(&row, 0, sizeof row);
    partition_writer w = {0};
    sqlite3_stmt *select = NULL;
    thrift_value *part = NULL;
    owl_buf old_name = OWL_BUF_INIT;
    size_t new_count = 0;
    const char **new_values = NULL;

    if (!new_arg || new_arg->type != THRIFT_STRUCT) {
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION, "rename_partition needs a Partition in argument 4");
        goto done;
    }
    if (!begin(call))
        goto done;
    if (!load_table(call, hms_arg_string(call, 1), hms_arg_string(call, 2), &row, HMS_EXCEPTION_INVALID_OPERATION,
                    "Unable to rename partition because table or database do not exist"))
        goto fail;
    select = hms_prepare(call, partition_select_sql);
    if (!select || !writer_open(call, &w) || !hms_partition_name_for(call, &row, old_values, old_count, &old_name))
        goto fail;
    int64_t id = 0;
    int found = partition_append_blob(call, select, row.id, old_name.data, old_name.len, NULL, &id);
    if (found == 0)
        hms_reply_exception(call, HMS_EXCEPTION_INVALID_OPERATION,
                            "Unable to rename partition because old partition does not exist");
    if (found != 1 || !delete_partition(call, id))
        goto fail;

    new_values = partition_values(new_arg, &new_count);
    part = thrift_value_copy(new_arg);
    int rc = partition_add(call, &w, &row, part, true);
    if (rc == 0)
        reply_partition_exists(call, HMS_EXCEPTION_INVALID_OPERATION, &row, new_values, new_count);
    if (rc != 1)
        goto fail;
    if (commit(call))
        hms_reply_void(call);
    goto done;
fail:
    owl_store_rollback(call->db);
done:
    owl_store_finish(select);
    writer_close(&w);
    thrift_value_free(part);
    owl_buf_free(&old_name);
    free(old_values);
    free(new_values);
    hms_table_row_clear(&row);
}
