/*
 * Unit tests of the state store's prepared-statement cache: reuse on a
 * pooled connection, nested use of one query, bindings cleared between
 * uses, eviction past the cache size, statements reclaimed when a caller
 * forgets to finish them, and connections the store did not open.
 */
#include "store/store.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const owl_migration test_migrations[] = {
    {1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"},
};
static const owl_schema test_schema = {"store_test", test_migrations, 1};
static const owl_schema *const test_schemas[] = {&test_schema};

static char data_dir[] = "/tmp/owl-store-XXXXXX";

static const char *const select_name = "SELECT name FROM items WHERE id = ?";

/* Returns the name of item id through a cached statement, or "" when there is none. */
static void item_name(sqlite3 *db, int id, char out[64])
{
    sqlite3_stmt *stmt = owl_store_prepare(db, select_name);
    out[0] = '\0';
    if (!stmt)
        return;
    sqlite3_bind_int(stmt, 1, id);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        snprintf(out, 64, "%s", (const char *)sqlite3_column_text(stmt, 0));
    owl_store_finish(stmt);
}

static owl_store *open_store(void)
{
    char err[512] = "";
    owl_store *store = owl_store_open(data_dir, test_schemas, 1, err, sizeof err);
    if (!store)
        fprintf(stderr, "owl_store_open: %s\n", err);
    return store;
}

static void test_statement_reused(void)
{
    owl_store *store = open_store();
    CHECK(store != NULL);
    if (!store)
        return;
    sqlite3 *db = owl_store_acquire(store);
    const char *params[] = {"alpha"};
    CHECK_INT(owl_store_exec(db, "INSERT INTO items (id, name) VALUES (1, ?)", 1, params),
              SQLITE_OK);

    sqlite3_stmt *first = owl_store_prepare(db, select_name);
    CHECK(first != NULL);
    owl_store_finish(first);
    sqlite3_stmt *second = owl_store_prepare(db, select_name);
    CHECK(second == first);
    owl_store_finish(second);

    char name[64];
    item_name(db, 1, name);
    CHECK_STR(name, "alpha");
    item_name(db, 2, name);
    CHECK_STR(name, "");
    owl_store_release(store, db);
    owl_store_close(store);
}

static void test_nested_use_gets_fresh_statement(void)
{
    owl_store *store = open_store();
    if (!store)
        return;
    sqlite3 *db = owl_store_acquire(store);
    const char *params[] = {"beta"};
    CHECK_INT(owl_store_exec(db, "INSERT OR REPLACE INTO items (id, name) VALUES (2, ?)", 1, params),
              SQLITE_OK);

    sqlite3_stmt *outer = owl_store_prepare(db, select_name);
    sqlite3_bind_int(outer, 1, 1);
    CHECK_INT(sqlite3_step(outer), SQLITE_ROW);
    sqlite3_stmt *inner = owl_store_prepare(db, select_name);
    CHECK(inner != NULL);
    CHECK(inner != outer);
    sqlite3_bind_int(inner, 1, 2);
    CHECK_INT(sqlite3_step(inner), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(inner, 0), "beta");
    CHECK_STR((const char *)sqlite3_column_text(outer, 0), "alpha");
    owl_store_finish(inner);
    owl_store_finish(outer);

    /* The cached statement is free again once the outer use finished. */
    sqlite3_stmt *again = owl_store_prepare(db, select_name);
    CHECK(again == outer);
    owl_store_finish(again);
    owl_store_release(store, db);
    owl_store_close(store);
}

static void test_bindings_cleared(void)
{
    owl_store *store = open_store();
    if (!store)
        return;
    sqlite3 *db = owl_store_acquire(store);
    sqlite3_stmt *stmt = owl_store_prepare(db, select_name);
    sqlite3_bind_int(stmt, 1, 1);
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    owl_store_finish(stmt);

    /* Unbound, the parameter is NULL, so the query matches nothing. */
    stmt = owl_store_prepare(db, select_name);
    CHECK_INT(sqlite3_step(stmt), SQLITE_DONE);
    owl_store_finish(stmt);
    owl_store_release(store, db);
    owl_store_close(store);
}

static void test_eviction_past_cache_size(void)
{
    owl_store *store = open_store();
    if (!store)
        return;
    sqlite3 *db = owl_store_acquire(store);
    /* 100 distinct queries, more than a connection caches, each run twice. */
    static char queries[100][64];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 100; i++) {
            snprintf(queries[i], sizeof queries[i], "SELECT %d + id FROM items WHERE id = 1", i);
            sqlite3_stmt *stmt = owl_store_prepare(db, queries[i]);
            CHECK(stmt != NULL);
            if (!stmt)
                continue;
            CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
            CHECK_INT(sqlite3_column_int(stmt, 0), i + 1);
            owl_store_finish(stmt);
        }
    }
    char name[64];
    item_name(db, 1, name);
    CHECK_STR(name, "alpha");
    owl_store_release(store, db);
    owl_store_close(store);
}

static void test_same_pointer_new_text(void)
{
    owl_store *store = open_store();
    if (!store)
        return;
    sqlite3 *db = owl_store_acquire(store);
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT 'first'");
    sqlite3_stmt *stmt = owl_store_prepare(db, sql);
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "first");
    owl_store_finish(stmt);

    /* A buffer reused for other SQL must not get the statement of its old text. */
    snprintf(sql, sizeof sql, "SELECT 'second'");
    stmt = owl_store_prepare(db, sql);
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "second");
    owl_store_finish(stmt);
    owl_store_release(store, db);
    owl_store_close(store);
}

static void test_unfinished_statement_reclaimed(void)
{
    owl_store *store = open_store();
    if (!store)
        return;
    sqlite3 *db = owl_store_acquire(store);
    sqlite3_stmt *stmt = owl_store_prepare(db, "SELECT id FROM items ORDER BY id");
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK(sqlite3_stmt_busy(stmt));
    /* Released without owl_store_finish(): the store resets it. */
    owl_store_release(store, db);
    CHECK(!sqlite3_stmt_busy(stmt));

    sqlite3 *again = owl_store_acquire(store);
    CHECK(again == db);
    sqlite3_stmt *reused = owl_store_prepare(again, "SELECT id FROM items ORDER BY id");
    CHECK(reused == stmt);
    CHECK_INT(sqlite3_step(reused), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(reused, 0), 1);
    owl_store_finish(reused);
    owl_store_release(store, again);
    owl_store_close(store);
}

static void test_transactions_through_cache(void)
{
    owl_store *store = open_store();
    if (!store)
        return;
    sqlite3 *db = owl_store_acquire(store);
    CHECK_INT(owl_store_begin(db), SQLITE_OK);
    CHECK(!sqlite3_get_autocommit(db));
    const char *params[] = {"gamma"};
    CHECK_INT(owl_store_exec(db, "INSERT INTO items (id, name) VALUES (3, ?)", 1, params), SQLITE_OK);
    owl_store_rollback(db);
    CHECK(sqlite3_get_autocommit(db));
    char name[64];
    item_name(db, 3, name);
    CHECK_STR(name, "");

    CHECK_INT(owl_store_begin(db), SQLITE_OK);
    CHECK_INT(owl_store_exec(db, "INSERT INTO items (id, name) VALUES (3, ?)", 1, params), SQLITE_OK);
    CHECK_INT(owl_store_commit(db), SQLITE_OK);
    item_name(db, 3, name);
    CHECK_STR(name, "gamma");
    owl_store_release(store, db);
    owl_store_close(store);
}

static void test_connection_not_from_store(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/state.db", data_dir);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char name[64];
    item_name(db, 1, name);
    CHECK_STR(name, "alpha");
    item_name(db, 1, name);
    CHECK_STR(name, "alpha");
    /* Every statement was finalized, so the connection closes cleanly. */
    CHECK_INT(sqlite3_close(db), SQLITE_OK);
}

int main(void)
{
    if (!mkdtemp(data_dir)) {
        perror("mkdtemp");
        return 1;
    }
    UNIT_RUN(test_statement_reused);
    UNIT_RUN(test_nested_use_gets_fresh_statement);
    UNIT_RUN(test_bindings_cleared);
    UNIT_RUN(test_eviction_past_cache_size);
    UNIT_RUN(test_same_pointer_new_text);
    UNIT_RUN(test_unfinished_statement_reclaimed);
    UNIT_RUN(test_transactions_through_cache);
    UNIT_RUN(test_connection_not_from_store);

    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", data_dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", data_dir);
    return UNIT_SUMMARY();
}
