/*
 * The state store on SQLite: a connection pool, a prepared-statement cache
 * per connection, transactions and per-module schema migrations. See
 * store.h for the durability and concurrency rules.
 *
 * Compiling a statement costs far more than running a point lookup (in a
 * perf profile of owlery serve under GetCallerIdentity load,
 * sqlite3_prepare_v2 took about a third of the CPU time), so every connection the store opens
 * keeps the statements owl_store_prepare() compiled on it. A registry maps
 * each connection to its cache. A connection is used by one thread at a
 * time (the pool hands it to one caller), so only the registry needs a
 * lock; the cache itself is touched only by the connection's holder.
 */
#include "store/store.h"

#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Connections kept open for reuse; more are opened when all are busy. */
#define STORE_POOL_MAX 32
/* How long a writer waits for another writer's transaction, in ms. */
#define STORE_BUSY_TIMEOUT_MS 10000

/* Statements kept per connection; past this the least recently used idle one is finalized. */
#define STORE_STMT_CACHE_MAX 64

typedef struct store_cached_stmt {
    const char *sql; /* the caller's pointer, checked against the statement's text on a hit */
    sqlite3_stmt *stmt;
    uint64_t last_used;
    bool in_use;
} store_cached_stmt;

/* The statement cache of one connection the store opened. */
typedef struct store_conn {
    sqlite3 *db;
    size_t count;
    uint64_t clock;
    store_cached_stmt entries[STORE_STMT_CACHE_MAX];
} store_conn;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static store_conn **registry;
static size_t registry_count, registry_capacity;

struct owl_store {
    char *data_dir;
    char *path;
    pthread_mutex_t lock;
    sqlite3 *pool[STORE_POOL_MAX];
    int pool_count;
};

static void registry_add(store_conn *conn)
{
    pthread_mutex_lock(&registry_lock);
    if (registry_count == registry_capacity) {
        size_t capacity = registry_capacity ? 2 * registry_capacity : 64;
        store_conn **grown = realloc(registry, capacity * sizeof *grown);
        if (!grown)
            abort();
        registry = grown;
        registry_capacity = capacity;
    }
    registry[registry_count++] = conn;
    pthread_mutex_unlock(&registry_lock);
}

/* Returns the cache of db, or NULL when the store did not open db. */
static store_conn *registry_find(sqlite3 *db)
{
    store_conn *found = NULL;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < registry_count; i++) {
        if (registry[i]->db == db) {
            found = registry[i];
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return found;
}

/* Removes the cache of db from the registry and returns it, or NULL when there is none. */
static store_conn *registry_remove(sqlite3 *db)
{
    store_conn *found = NULL;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < registry_count; i++) {
        if (registry[i]->db == db) {
            found = registry[i];
            registry[i] = registry[--registry_count];
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return found;
}

/* Finalizes the cached statements of db and closes it. */
static void store_disconnect(sqlite3 *db)
{
    store_conn *conn = registry_remove(db);
    if (conn) {
        for (size_t i = 0; i < conn->count; i++)
            sqlite3_finalize(conn->entries[i].stmt);
        free(conn);
    }
    sqlite3_close(db);
}

/*
 * Turns off SQLite's memory statistics, which take a process-wide mutex on
 * every allocation. Must run before SQLite initializes; when something
 * else initialized it first, sqlite3_config() fails and the default stays.
 */
static void store_configure_sqlite(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

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
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, store_configure_sqlite);
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
    store_conn *conn = calloc(1, sizeof *conn);
    if (!conn)
        abort();
    conn->db = db;
    registry_add(conn);
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
            store_disconnect(db);
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
        store_disconnect(store->pool[i]);
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

/*
 * Resets every cached statement of db that a caller took and never
 * finished, so a forgotten owl_store_finish() can neither keep a read
 * transaction open nor use up the cache. Returns how many there were.
 */
static unsigned store_reclaim_statements(sqlite3 *db)
{
    store_conn *conn = registry_find(db);
    unsigned leaked = 0;
    for (size_t i = 0; conn && i < conn->count; i++) {
        if (conn->entries[i].in_use) {
            sqlite3_reset(conn->entries[i].stmt);
            sqlite3_clear_bindings(conn->entries[i].stmt);
            conn->entries[i].in_use = false;
            leaked++;
        }
    }
    return leaked;
}

void owl_store_release(owl_store *store, sqlite3 *db)
{
    if (!db)
        return;
    unsigned leaked = store_reclaim_statements(db);
    if (leaked)
        owl_log_error("event=store_statement_leaked count=%u", leaked);
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
        store_disconnect(db);
}

sqlite3_stmt *owl_store_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    store_conn *conn = registry_find(db);
    if (!conn) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
            sqlite3_finalize(stmt);
            return NULL;
        }
        return stmt;
    }

    store_cached_stmt *victim = NULL;
    for (size_t i = 0; i < conn->count; i++) {
        store_cached_stmt *entry = &conn->entries[i];
        if (entry->sql == sql && strcmp(sqlite3_sql(entry->stmt), sql) == 0) {
            if (entry->in_use)
                break; /* nested use of the same query: a fresh statement below */
            entry->in_use = true;
            entry->last_used = ++conn->clock;
            return entry->stmt;
        }
        if (!entry->in_use && (!victim || entry->last_used < victim->last_used))
            victim = entry;
    }

    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return NULL;
    }
    store_cached_stmt *slot = NULL;
    if (conn->count < STORE_STMT_CACHE_MAX) {
        slot = &conn->entries[conn->count++];
    } else if (victim) {
        sqlite3_finalize(victim->stmt);
        slot = victim;
    }
    if (slot) /* else every entry is in use: the statement stays uncached */
        *slot = (store_cached_stmt){.sql = sql, .stmt = stmt, .last_used = ++conn->clock, .in_use = true};
    return stmt;
}

void owl_store_finish(sqlite3_stmt *stmt)
{
    if (!stmt)
        return;
    store_conn *conn = registry_find(sqlite3_db_handle(stmt));
    for (size_t i = 0; conn && i < conn->count; i++) {
        if (conn->entries[i].stmt == stmt) {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
            conn->entries[i].in_use = false;
            return;
        }
    }
    sqlite3_finalize(stmt);
}

/* Runs a statement that returns no rows through the cache; returns the sqlite result code. */
static int store_run(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = owl_store_prepare(db, sql);
    if (!stmt)
        return sqlite3_errcode(db);
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int owl_store_begin(sqlite3 *db)
{
    return store_run(db, "BEGIN IMMEDIATE");
}

int owl_store_commit(sqlite3 *db)
{
    int rc = store_run(db, "COMMIT");
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
        store_run(db, "ROLLBACK");
}

int owl_store_exec(sqlite3 *db, const char *sql, int nparams, const char *const *params)
{
    sqlite3_stmt *stmt = owl_store_prepare(db, sql);
    if (!stmt)
        return sqlite3_errcode(db);
    for (int i = 0; i < nparams; i++) {
        if (params[i])
            sqlite3_bind_text(stmt, i + 1, params[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(stmt, i + 1);
    }
    int rc = sqlite3_step(stmt);
    owl_store_finish(stmt);
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
