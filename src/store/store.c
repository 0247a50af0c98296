/*
 * The state store on SQLite: a connection pool, transactions and per-module
 * schema migrations. See store.h for the durability and concurrency rules.
 */
#include "store/store.h"

#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Connections kept open for reuse; more are opened when all are busy. */
#define STORE_POOL_MAX 32
/* How long a writer waits for another writer's transaction, in ms. */
#define STORE_BUSY_TIMEOUT_MS 10000

struct owl_store {
    char *data_dir;
    char *path;
    pthread_mutex_t lock;
    sqlite3 *pool[STORE_POOL_MAX];
    int pool_count;
};

/* Switches db to WAL and checks that it took: some file systems cannot do WAL. */
static bool store_enable_wal(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *stmt = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(stmt, 0);
        ok = mode && strcmp(mode, "wal") == 0;
        if (!ok)
            snprintf(err, errlen,
                     "state database %s cannot use WAL mode (got %s): put the data directory on a local file system",
                     path, mode ? mode : "nothing");
    } else {
        snprintf(err, errlen, "cannot set WAL mode on state database %s: %s", path,
                 sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
    return ok;
}

static sqlite3 *store_connect(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open state database %s: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    if (!store_enable_wal(db, path, err, errlen)) {
        sqlite3_close(db);
        return NULL;
    }
    char *msg = NULL;
    rc = sqlite3_exec(db,
                      "PRAGMA synchronous=FULL;"
                      "PRAGMA foreign_keys=ON;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot configure state database %s: %s", path,
                 msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

owl_store *owl_store_open(const char *data_dir, const owl_schema *const *schemas,
                          size_t schema_count, char *err, size_t errlen)
{
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data directory %s: %s", data_dir, strerror(errno));
        return NULL;
    }

    owl_store *store = calloc(1, sizeof *store);
    if (!store)
        abort();
    store->data_dir = strdup(data_dir);
    size_t n = strlen(data_dir) + sizeof "/state.db";
    store->path = malloc(n);
    if (!store->data_dir || !store->path)
        abort();
    snprintf(store->path, n, "%s/state.db", data_dir);
    pthread_mutex_init(&store->lock, NULL);

    sqlite3 *db = store_connect(store->path, err, errlen);
    if (!db) {
        owl_store_close(store);
        return NULL;
    }
    /* Other connections of the pool open lazily; check the first can be had again. */
    for (size_t i = 0; i < schema_count; i++) {
        if (owl_store_migrate(db, schemas[i], err, errlen) != SQLITE_OK) {
            sqlite3_close(db);
            owl_store_close(store);
            return NULL;
        }
    }
    owl_store_release(store, db);
    return store;
}

void owl_store_close(owl_store *store)
{
    if (!store)
        return;
    for (int i = 0; i < store->pool_count; i++)
        sqlite3_close(store->pool[i]);
    pthread_mutex_destroy(&store->lock);
    free(store->data_dir);
    free(store->path);
    free(store);
}

const char *owl_store_data_dir(const owl_store *store)
{
    return store->data_dir;
}

sqlite3 *owl_store_acquire(owl_store *store)
{
    pthread_mutex_lock(&store->lock);
    sqlite3 *db = store->pool_count ? store->pool[--store->pool_count] : NULL;
    pthread_mutex_unlock(&store->lock);
    if (db)
        return db;

    char err[512], quoted[600];
    db = store_connect(store->path, err, sizeof err);
    if (!db)
        owl_log_error("event=store_connect_failed error=%s", owl_log_quote(quoted, sizeof quoted, err));
    return db;
}

void owl_store_release(owl_store *store, sqlite3 *db)
{
    if (!db)
        return;
    if (!sqlite3_get_autocommit(db)) {
        /* A handler returned inside a transaction: never let it leak to the next request. */
        owl_log_error("event=store_transaction_leaked");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_lock(&store->lock);
    if (store->pool_count < STORE_POOL_MAX) {
        store->pool[store->pool_count++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&store->lock);
    if (db)
        sqlite3_close(db);
}

int owl_store_begin(sqlite3 *db)
{
    return sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

int owl_store_commit(sqlite3 *db)
{
    int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        char quoted[300];
        owl_log_error("event=store_commit_failed error=%s",
                      owl_log_quote(quoted, sizeof quoted, sqlite3_errmsg(db)));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

void owl_store_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int owl_store_exec(sqlite3 *db, const char *sql, int nparams, const char *const *params)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return rc;
    for (int i = 0; i < nparams; i++) {
        if (params[i])
            sqlite3_bind_text(stmt, i + 1, params[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(stmt, i + 1);
    }
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int store_schema_version(sqlite3 *db, const char *module, int *version)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_versions WHERE module = ?", -1,
                                &stmt, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(stmt, 1, module, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int owl_store_migrate(sqlite3 *db, const owl_schema *schema, char *err, size_t errlen)
{
    int rc = sqlite3_exec(db,
                          "CREATE TABLE IF NOT EXISTS schema_versions ("
                          " module TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot create schema_versions: %s", sqlite3_errmsg(db));
        return rc;
    }

    for (size_t i = 0; i < schema->count; i++) {
        const owl_migration *m = &schema->migrations[i];
        if (i > 0 && m->version <= schema->migrations[i - 1].version) {
            snprintf(err, errlen, "schema %s: migration %d is out of order", schema->module,
                     m->version);
            return SQLITE_MISUSE;
        }
        if ((rc = owl_store_begin(db)) != SQLITE_OK)
            goto failed;
        int current;
        if ((rc = store_schema_version(db, schema->module, &current)) != SQLITE_OK)
            goto failed;
        if (current >= m->version) {
            owl_store_rollback(db);
            continue;
        }
        if ((rc = sqlite3_exec(db, m->sql, NULL, NULL, NULL)) != SQLITE_OK)
            goto failed;
        char version[16];
        snprintf(version, sizeof version, "%d", m->version);
        const char *params[] = {schema->module, version};
        rc = owl_store_exec(db,
                            "INSERT INTO schema_versions(module, version) VALUES (?, ?)"
                            " ON CONFLICT(module) DO UPDATE SET version = excluded.version",
                            2, params);
        if (rc != SQLITE_OK)
            goto failed;
        if ((rc = owl_store_commit(db)) != SQLITE_OK)
            goto failed;
        owl_log_info("event=schema_migrated module=%s version=%d", schema->module, m->version);
        continue;
    failed:
        snprintf(err, errlen, "schema %s: migration to version %d failed: %s", schema->module,
                 m->version, sqlite3_errmsg(db));
        owl_store_rollback(db);
        return rc;
    }
    return SQLITE_OK;
}
