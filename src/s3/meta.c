/*
 * The s3 module's tables in the state store and the row helpers the
 * handlers share. Keys are TEXT compared with SQLite's BINARY collation,
 * which orders UTF-8 by byte value: S3's listing order.
 */
#include "s3/internal.h"
#include "s3/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const owl_migration s3_migrations[] = {
    {1, "CREATE TABLE s3_buckets ("
        "  name TEXT PRIMARY KEY,"
        "  account_id TEXT NOT NULL,"
        "  region TEXT NOT NULL,"
        "  created_ms INTEGER NOT NULL,"
        "  ownership TEXT NOT NULL,"        /* '' when the bucket has no ownership controls */
        "  acl TEXT NOT NULL,"              /* JSON, see s3_acl_to_json() */
        "  policy TEXT);"
        "CREATE INDEX s3_buckets_by_account ON s3_buckets(account_id, name);"
        "CREATE TABLE s3_objects ("
        "  bucket TEXT NOT NULL,"
        "  key TEXT NOT NULL,"
        "  data_id TEXT NOT NULL,"          /* file DATA_DIR/objects/<data_id> */
        "  size INTEGER NOT NULL,"
        "  etag TEXT NOT NULL,"             /* without quotes */
        "  last_modified_ms INTEGER NOT NULL,"
        "  headers TEXT NOT NULL,"          /* JSON object of headers GET returns */
        "  acl TEXT NOT NULL,"
        "  owner_account TEXT NOT NULL,"
        "  PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
        "CREATE INDEX s3_objects_by_data ON s3_objects(data_id);"
        "CREATE TABLE s3_uploads ("
        "  upload_id TEXT PRIMARY KEY,"
        "  bucket TEXT NOT NULL,"
        "  key TEXT NOT NULL,"
        "  initiated_ms INTEGER NOT NULL,"
        "  headers TEXT NOT NULL,"
        "  acl TEXT NOT NULL,"
        "  owner_account TEXT NOT NULL);"
        "CREATE INDEX s3_uploads_by_key ON s3_uploads(bucket, key, upload_id);"
        "CREATE TABLE s3_parts ("
        "  upload_id TEXT NOT NULL,"
        "  part_number INTEGER NOT NULL,"
        "  data_id TEXT NOT NULL,"
        "  size INTEGER NOT NULL,"
        "  etag TEXT NOT NULL,"             /* MD5 hex, without quotes */
        "  last_modified_ms INTEGER NOT NULL,"
        "  PRIMARY KEY (upload_id, part_number));"
        "CREATE INDEX s3_parts_by_data ON s3_parts(data_id);"},
};

const owl_schema owl_s3_schema = {"s3", s3_migrations,
                                  sizeof s3_migrations / sizeof s3_migrations[0]};

static const char *column_text(sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);
    return text ? text : "";
}

s3_db_status s3_bucket_load(sqlite3 *db, const char *name, s3_bucket *bucket)
{
    memset(bucket, 0, sizeof *bucket);
    sqlite3_stmt *stmt = owl_store_prepare(
        db, "SELECT name, account_id, region, created_ms, ownership, acl, policy "
            "FROM s3_buckets WHERE name = ?");
    if (!stmt)
        return S3_DB_ERROR;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    s3_db_status status = rc == SQLITE_ROW ? S3_DB_OK : rc == SQLITE_DONE ? S3_DB_NOT_FOUND
                                                                          : S3_DB_ERROR;
    if (status == S3_DB_OK) {
        snprintf(bucket->name, sizeof bucket->name, "%s", column_text(stmt, 0));
        snprintf(bucket->account_id, sizeof bucket->account_id, "%s", column_text(stmt, 1));
        snprintf(bucket->region, sizeof bucket->region, "%s", column_text(stmt, 2));
        bucket->created_ms = sqlite3_column_int64(stmt, 3);
        snprintf(bucket->ownership, sizeof bucket->ownership, "%s", column_text(stmt, 4));
        s3_acl_from_json(&bucket->acl, column_text(stmt, 5));
        if (sqlite3_column_type(stmt, 6) != SQLITE_NULL) {
            bucket->policy = strdup(column_text(stmt, 6));
            if (!bucket->policy)
                abort();
        }
    }
    owl_store_finish(stmt);
    return status;
}

void s3_bucket_clear(s3_bucket *bucket)
{
    free(bucket->policy);
    memset(bucket, 0, sizeof *bucket);
}

s3_db_status s3_object_load(sqlite3 *db, const char *bucket, const char *key, s3_object *object)
{
    memset(object, 0, sizeof *object);
    sqlite3_stmt *stmt = owl_store_prepare(
        db, "SELECT data_id, size, etag, last_modified_ms, headers, acl, owner_account "
            "FROM s3_objects WHERE bucket = ? AND key = ?");
    if (!stmt)
        return S3_DB_ERROR;
    sqlite3_bind_text(stmt, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    s3_db_status status = rc == SQLITE_ROW ? S3_DB_OK : rc == SQLITE_DONE ? S3_DB_NOT_FOUND
                                                                          : S3_DB_ERROR;
    if (status == S3_DB_OK) {
        object->key = strdup(key);
        snprintf(object->data_id, sizeof object->data_id, "%s", column_text(stmt, 0));
        object->size = sqlite3_column_int64(stmt, 1);
        snprintf(object->etag, sizeof object->etag, "%s", column_text(stmt, 2));
        object->last_modified_ms = sqlite3_column_int64(stmt, 3);
        object->headers = strdup(column_text(stmt, 4));
        s3_acl_from_json(&object->acl, column_text(stmt, 5));
        snprintf(object->owner_account, sizeof object->owner_account, "%s", column_text(stmt, 6));
        if (!object->key || !object->headers)
            abort();
    }
    owl_store_finish(stmt);
    return status;
}

void s3_object_clear(s3_object *object)
{
    free(object->key);
    free(object->headers);
    memset(object, 0, sizeof *object);
}

/* Copies the data id of the current row of (bucket, key) to out, "" when none. */
static bool current_data_id(sqlite3 *db, const char *bucket, const char *key,
                            char out[S3_DATA_ID_LEN + 1])
{
    out[0] = '\0';
    sqlite3_stmt *stmt =
        owl_store_prepare(db, "SELECT data_id FROM s3_objects WHERE bucket = ? AND key = ?");
    if (!stmt)
        return false;
    sqlite3_bind_text(stmt, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        snprintf(out, S3_DATA_ID_LEN + 1, "%s", column_text(stmt, 0));
    owl_store_finish(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool s3_object_store(sqlite3 *db, const char *bucket, const s3_object *object,
                     char old_data_id[S3_DATA_ID_LEN + 1])
{
    if (!current_data_id(db, bucket, object->key, old_data_id))
        return false;
    owl_buf acl = OWL_BUF_INIT;
    s3_acl_to_json(&object->acl, &acl);
    sqlite3_stmt *stmt = owl_store_prepare(
        db, "INSERT OR REPLACE INTO s3_objects (bucket, key, data_id, size, etag, "
            "last_modified_ms, headers, acl, owner_account) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    bool ok = stmt != NULL;
    if (ok) {
        sqlite3_bind_text(stmt, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, object->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, object->data_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, object->size);
        sqlite3_bind_text(stmt, 5, object->etag, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 6, object->last_modified_ms);
        sqlite3_bind_text(stmt, 7, object->headers, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 8, acl.data, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 9, object->owner_account, -1, SQLITE_STATIC);
        ok = sqlite3_step(stmt) == SQLITE_DONE;
    }
    owl_store_finish(stmt);
    owl_buf_free(&acl);
    return ok;
}

bool s3_object_remove(sqlite3 *db, const char *bucket, const char *key,
                      char old_data_id[S3_DATA_ID_LEN + 1])
{
    if (!current_data_id(db, bucket, key, old_data_id))
        return false;
    const char *params[] = {bucket, key};
    return owl_store_exec(db, "DELETE FROM s3_objects WHERE bucket = ? AND key = ?", 2, params) ==
           SQLITE_OK;
}

bool s3_object_seek(void *arg, const char *from, bool exclusive, s3_list_entry *entry)
{
    s3_seek_arg *seek = arg;
    const char *sql = exclusive
                          ? "SELECT key, size, etag, last_modified_ms, owner_account FROM s3_objects "
                            "WHERE bucket = ? AND key > ? ORDER BY key LIMIT 1"
                          : "SELECT key, size, etag, last_modified_ms, owner_account FROM s3_objects "
                            "WHERE bucket = ? AND key >= ? ORDER BY key LIMIT 1";
    sqlite3_stmt *stmt = owl_store_prepare(seek->db, sql);
    if (!stmt) {
        seek->failed = true;
        return false;
    }
    sqlite3_bind_text(stmt, 1, seek->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, from, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        entry->key = strdup(column_text(stmt, 0));
        if (!entry->key)
            abort();
        entry->size = sqlite3_column_int64(stmt, 1);
        snprintf(entry->etag, sizeof entry->etag, "%s", column_text(stmt, 2));
        entry->last_modified_ms = sqlite3_column_int64(stmt, 3);
        snprintf(entry->owner_account, sizeof entry->owner_account, "%s", column_text(stmt, 4));
    } else if (rc != SQLITE_DONE) {
        seek->failed = true;
    }
    owl_store_finish(stmt);
    return rc == SQLITE_ROW;
}

bool s3_canonical_id(sqlite3 *db, const char *account_id, char out[65], char *name,
                     size_t name_len)
{
    iam_account account;
    if (!account_id[0] || iam_account_get(db, account_id, &account) != IAM_OK) {
        out[0] = '\0';
        if (name)
            snprintf(name, name_len, "%s", account_id);
        return false;
    }
    snprintf(out, 65, "%s", account.canonical_user_id);
    if (name)
        snprintf(name, name_len, "%s", account.name);
    return true;
}
