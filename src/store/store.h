/*
 * The state store: one SQLite database in WAL mode under the data directory
 * (DATA_DIR/state.db) holding every piece of control-plane state.
 *
 * Durability: synchronous=FULL, so a transaction is on disk when COMMIT
 * returns; handlers commit before they send a response, so an acknowledged
 * write survives kill -9.
 *
 * Concurrency: a pool of connections; a request takes one with
 * owl_store_acquire() and gives it back with owl_store_release(). SQLite
 * serializes writers; BEGIN IMMEDIATE plus a busy timeout keeps concurrent
 * writers from failing with SQLITE_BUSY. Other processes (owlery account
 * create) may open the same database while owlery serve runs.
 *
 * Statements: owl_store_prepare() hands out statements from a cache kept per
 * pooled connection, so a hot query is compiled once per connection instead
 * of once per call.
 *
 * Each module owns its tables and migrates them with owl_store_migrate(),
 * which records a schema version per module in the table schema_versions.
 */
#ifndef OWL_STORE_STORE_H
#define OWL_STORE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct owl_store owl_store;

/* One schema step of a module: the SQL that takes it to `version`. */
typedef struct owl_migration {
    int version;
    const char *sql;
} owl_migration;

/* A module's schema: its name in schema_versions and its migrations. */
typedef struct owl_schema {
    const char *module;
    const owl_migration *migrations;
    size_t count;
} owl_schema;

/*
 * Opens (creating when missing) DATA_DIR and DATA_DIR/state.db, and applies
 * the given module schemas in order. Returns NULL with a message in err on
 * failure.
 */
owl_store *owl_store_open(const char *data_dir, const owl_schema *const *schemas,
                          size_t schema_count, char *err, size_t errlen);
void owl_store_close(owl_store *store);
const char *owl_store_data_dir(const owl_store *store);

/*
 * Takes a connection from the pool, opening one when none is free. Returns
 * NULL (after logging why) when no connection can be opened, for example
 * when the process is out of file descriptors; callers answer 500.
 */
sqlite3 *owl_store_acquire(owl_store *store);
void owl_store_release(owl_store *store, sqlite3 *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; return SQLITE_OK or an error code. */
int owl_store_begin(sqlite3 *db);
int owl_store_commit(sqlite3 *db);
void owl_store_rollback(sqlite3 *db);

/*
 * Applies the migrations of one module that are newer than its recorded
 * version, each in its own transaction. Migrations must be listed in
 * ascending version order.
 */
int owl_store_migrate(sqlite3 *db, const owl_schema *schema, char *err, size_t errlen);

/*
 * Returns a prepared statement for sql on db, or NULL on error (then
 * sqlite3_errmsg(db) describes it). On a connection of a store's pool the
 * statement comes from that connection's cache and is compiled only on
 * first use. sql should be a string constant: entries match by pointer
 * first, so SQL built per call compiles every time and pushes other
 * statements out of the cache. A statement already handed out and not yet
 * finished is never handed out twice: the caller then gets a fresh one.
 * Give it back with owl_store_finish(), never with sqlite3_finalize().
 */
sqlite3_stmt *owl_store_prepare(sqlite3 *db, const char *sql);
/*
 * Ends the use of a statement from owl_store_prepare(): resets it and clears
 * its bindings when it is cached, finalizes it otherwise. Accepts NULL.
 */
void owl_store_finish(sqlite3_stmt *stmt);

/* Executes sql with text parameters (NULL pointers bind NULL); returns the sqlite result code. */
int owl_store_exec(sqlite3 *db, const char *sql, int nparams, const char *const *params);

#endif
