/*
 * The function store: one row per function version in lambda_functions,
 * keyed by (account, region, name, version). Region is part of the key
 * because Lambda functions are regional: the same name in two regions is two
 * functions. The API configuration is kept as the JSON object the API
 * returns, so a read needs no reassembly.
 */
#include "lambda/internal.h"

#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const owl_migration lambda_migrations[] = {
    {1, "CREATE TABLE lambda_functions ("
        "  account_id TEXT NOT NULL,"
        "  region TEXT NOT NULL,"
        "  name TEXT NOT NULL,"
        "  version TEXT NOT NULL,"          /* '$LATEST' or a decimal number */
        "  version_number INTEGER NOT NULL," /* 0 for $LATEST, for ordering */
        "  config TEXT NOT NULL,"           /* FunctionConfiguration JSON */
        "  tags TEXT NOT NULL DEFAULT '{}',"
        "  policy TEXT,"                    /* resource policy JSON, NULL when none */
        "  PRIMARY KEY (account_id, region, name, version));"},
};

const owl_schema owl_lambda_schema = {"lambda", lambda_migrations,
                                      sizeof lambda_migrations / sizeof lambda_migrations[0]};

void lambda_function_free(lambda_function *fn)
{
    json_decref(fn->config);
    json_decref(fn->tags);
    free(fn->policy);
    fn->config = NULL;
    fn->tags = NULL;
    fn->policy = NULL;
}

static void bind_key(sqlite3_stmt *stmt, const char *account_id, const char *region,
                     const char *name)
{
    sqlite3_bind_text(stmt, 1, account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
}

static json_t *column_json(sqlite3_stmt *stmt, int col)
{
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    json_t *value = text ? json_loads(text, 0, NULL) : NULL;
    return value ? value : json_object();
}

lambda_store_status lambda_function_load(sqlite3 *db, const char *account_id,
                                         const char *region, const char *name,
                                         const char *version, lambda_function *fn)
{
    memset(fn, 0, sizeof *fn);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT config, policy, (SELECT tags FROM lambda_functions t"
                           "  WHERE t.account_id = f.account_id AND t.region = f.region"
                           "  AND t.name = f.name AND t.version = '$LATEST')"
                           " FROM lambda_functions f"
                           " WHERE account_id = ? AND region = ? AND name = ? AND version = ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        owl_log_error("event=lambda_store_failed error=\"%s\"", sqlite3_errmsg(db));
        return LAMBDA_STORE_ERROR;
    }
    bind_key(stmt, account_id, region, name);
    sqlite3_bind_text(stmt, 4, version, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    lambda_store_status status = LAMBDA_STORE_OK;
    if (rc == SQLITE_ROW) {
        snprintf(fn->account_id, sizeof fn->account_id, "%s", account_id);
        snprintf(fn->region, sizeof fn->region, "%s", region);
        snprintf(fn->name, sizeof fn->name, "%s", name);
        snprintf(fn->version, sizeof fn->version, "%s", version);
        fn->config = column_json(stmt, 0);
        const char *policy = (const char *)sqlite3_column_text(stmt, 1);
        fn->policy = policy ? strdup(policy) : NULL;
        fn->tags = column_json(stmt, 2);
    } else if (rc == SQLITE_DONE) {
        status = LAMBDA_STORE_NOT_FOUND;
    } else {
        owl_log_error("event=lambda_store_failed error=\"%s\"", sqlite3_errmsg(db));
        status = LAMBDA_STORE_ERROR;
    }
    sqlite3_finalize(stmt);
    return status;
}

static char *dump_compact(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT);
    if (!text)
        abort();
    return text;
}

lambda_store_status lambda_function_insert(sqlite3 *db, const lambda_function *fn)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO lambda_functions(account_id, region, name, version,"
                           " version_number, config, tags, policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return LAMBDA_STORE_ERROR;
    char *config = dump_compact(fn->config);
    char *tags = fn->tags ? dump_compact(fn->tags) : strdup("{}");
    bind_key(stmt, fn->account_id, fn->region, fn->name);
    sqlite3_bind_text(stmt, 4, fn->version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, strcmp(fn->version, LAMBDA_LATEST) == 0 ? 0 : atoll(fn->version));
    sqlite3_bind_text(stmt, 6, config, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, tags, -1, SQLITE_STATIC);
    if (fn->policy)
        sqlite3_bind_text(stmt, 8, fn->policy, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, 8);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    free(config);
    free(tags);
    if (rc == SQLITE_CONSTRAINT)
        return LAMBDA_STORE_EXISTS;
    if (rc != SQLITE_DONE) {
        owl_log_error("event=lambda_store_failed error=\"%s\"", sqlite3_errmsg(db));
        return LAMBDA_STORE_ERROR;
    }
    return LAMBDA_STORE_OK;
}

lambda_store_status lambda_function_update(sqlite3 *db, const lambda_function *fn)
{
    char *config = dump_compact(fn->config);
    char *tags = fn->tags ? dump_compact(fn->tags) : strdup("{}");
    const char *params[] = {config, tags, fn->policy, fn->account_id, fn->region, fn->name,
                            fn->version};
    int rc = owl_store_exec(db,
                            "UPDATE lambda_functions SET config = ?, tags = ?, policy = ?"
                            " WHERE account_id = ? AND region = ? AND name = ? AND version = ?",
                            7, params);
    free(config);
    free(tags);
    if (rc != SQLITE_OK) {
        owl_log_error("event=lambda_store_failed error=\"%s\"", sqlite3_errmsg(db));
        return LAMBDA_STORE_ERROR;
    }
    return sqlite3_changes(db) > 0 ? LAMBDA_STORE_OK : LAMBDA_STORE_NOT_FOUND;
}

lambda_store_status lambda_function_delete(sqlite3 *db, const char *account_id,
                                           const char *region, const char *name,
                                           const char *version)
{
    const char *params[] = {account_id, region, name, version};
    int rc = owl_store_exec(db,
                            version ? "DELETE FROM lambda_functions WHERE account_id = ?"
                                      " AND region = ? AND name = ? AND version = ?"
                                    : "DELETE FROM lambda_functions WHERE account_id = ?"
                                      " AND region = ? AND name = ?",
                            version ? 4 : 3, params);
    if (rc != SQLITE_OK) {
        owl_log_error("event=lambda_store_failed error=\"%s\"", sqlite3_errmsg(db));
        return LAMBDA_STORE_ERROR;
    }
    return sqlite3_changes(db) > 0 ? LAMBDA_STORE_OK : LAMBDA_STORE_NOT_FOUND;
}

int lambda_function_max_version(sqlite3 *db, const char *account_id, const char *region,
                                const char *name)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT COALESCE(MAX(version_number), 0) FROM lambda_functions"
                           " WHERE account_id = ? AND region = ? AND name = ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return 0;
    bind_key(stmt, account_id, region, name);
    int max = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return max;
}

lambda_store_status lambda_function_list(sqlite3 *db, const char *account_id, const char *region,
                                         const char *name, bool all_versions,
                                         const char *after_key, int max, json_t *out,
                                         char *next_key, size_t next_key_len)
{
    /* The key orders by name, then version number ($LATEST first). */
    sqlite3_stmt *stmt = NULL;
    const char *sql =
        "SELECT name, version, config FROM lambda_functions"
        " WHERE account_id = ?1 AND region = ?2"
        "   AND (?3 IS NULL OR name = ?3)"
        "   AND (?4 OR ?3 IS NOT NULL OR version = '$LATEST')"
        "   AND (?5 IS NULL OR name || ':' || printf('%010d', version_number) > ?5)"
        " ORDER BY name, version_number LIMIT ?6";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        owl_log_error("event=lambda_store_failed error=\"%s\"", sqlite3_errmsg(db));
        return LAMBDA_STORE_ERROR;
    }
    sqlite3_bind_text(stmt, 1, account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, region, -1, SQLITE_STATIC);
    if (name)
        sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 4, all_versions ? 1 : 0);
    if (after_key && *after_key)
        sqlite3_bind_text(stmt, 5, after_key, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 6, max + 1);

    next_key[0] = '\0';
    int count = 0, rc;
    char last_key[LAMBDA_NAME_MAX + 16] = "";
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (count == max) {
            snprintf(next_key, next_key_len, "%s", last_key);
            break;
        }
        const char *row_name = (const char *)sqlite3_column_text(stmt, 0);
        const char *row_version = (const char *)sqlite3_column_text(stmt, 1);
        long number = strcmp(row_version, LAMBDA_LATEST) == 0 ? 0 : atol(row_version);
        snprintf(last_key, sizeof last_key, "%s:%010ld", row_name, number);
        json_array_append_new(out, column_json(stmt, 2));
        count++;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        owl_log_error("event=lambda_store_failed error=\"%s\"", sqlite3_errmsg(db));
        return LAMBDA_STORE_ERROR;
    }
    return LAMBDA_STORE_OK;
}
