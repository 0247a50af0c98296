/*
 * Query execution: checks that a statement is one SELECT over bound views
 * only, runs it as a prepared statement with ? parameters, and streams the
 * result chunk by chunk (duckdb_fetch_chunk on a streaming result) into an
 * engine_result_sink, so memory stays at one chunk of rows whatever the
 * result size.
 *
 * The reference check is a security boundary: DuckDB would otherwise read
 * any local file named in FROM (replacement scans and table functions such
 * as read_csv), bypassing the service's S3 authorization.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "engine/internal.h"

/*
 * Parses sql, rejects anything but a single SELECT, and checks that every
 * table it names was bound. On success returns true and, when names is not
 * NULL, stores the plan for Trino's column names (NULL to keep DuckDB's).
 */
static bool query_check(engine_db *db, const char *sql, const engine_query_options *options,
                        engine_name_plan **names, char **err) {
    json_t *root = engine_parse_json(db, sql, 0, err);
    if (!root)
        return false;
    json_t *statements = json_object_get(root, "statements");
    if (json_array_size(statements) != 1) {
        engine_set_err(err, "SYNTAX_ERROR: line 1:1: expected exactly one statement, found %zu",
                       json_array_size(statements));
        json_decref(root);
        return false;
    }
    engine_table_refs refs = {0};
    const char *dc = options ? options->default_catalog : NULL;
    const char *dd = options ? options->default_database : NULL;
    char *lc = dc ? engine_lower_dup(dc) : NULL;
    char *ld = dd ? engine_lower_dup(dd) : NULL;
    bool ok = engine_refs_from_json(root, sql, 0, lc, ld, &refs, err);
    if (ok && names)
        *names = engine_name_plan_new(json_array_get(statements, 0));
    json_decref(root);
    for (size_t i = 0; ok && i < refs.count; i++) {
        engine_table_ref *r = &refs.items[i];
        if (!engine_db_has_view(db, r->catalog, r->database, r->table)) {
            owl_buf name = OWL_BUF_INIT;
            if (*r->catalog)
                owl_buf_printf(&name, "%s.", r->catalog);
            if (*r->database)
                owl_buf_printf(&name, "%s.", r->database);
            owl_buf_puts(&name, r->table);
            if (r->line)
                engine_set_err(err, "TABLE_NOT_FOUND: line %d:%d: Table '%s' does not exist", r->line,
                               r->column, name.data);
            else
                engine_set_err(err, "TABLE_NOT_FOUND: Table '%s' does not exist", name.data);
            owl_buf_free(&name);
            ok = false;
        }
    }
    engine_table_refs_free(&refs);

    /* Unqualified names resolve in the default catalog and database. */
    if (ok) {
        owl_buf use = OWL_BUF_INIT;
        bool attached = false;
        for (size_t i = 0; lc && i < db->catalog_count; i++)
            attached = attached || strcmp(db->catalogs[i], lc) == 0;
        if (attached && ld) {
            owl_buf_puts(&use, "USE ");
            engine_put_ident(&use, lc);
            owl_buf_putc(&use, '.');
            engine_put_ident(&use, ld);
        } else if (attached) {
            /* Two-part names then resolve as database.table of the default catalog. */
            owl_buf_puts(&use, "USE ");
            engine_put_ident(&use, lc);
        } else {
            owl_buf_puts(&use, "USE memory.main");
        }
        /* The schema may not exist when no table of it was bound; that is not an error here. */
        if (!engine_exec(db, use.data, NULL))
            engine_exec(db, "USE memory.main", NULL);
        owl_buf_free(&use);
    }
    free(lc);
    free(ld);
    if (!ok && names) {
        engine_name_plan_free(*names);
        *names = NULL;
    }
    return ok;
}

/*
 * Prepares sql and binds the ? parameters. When sql starts with rw->sql
 * (rw not NULL), an error names its position in original, the text before
 * the rewrite.
 */
static bool query_prepare(engine_db *db, const char *sql, const char *original,
                          const engine_rewrite *rw, const engine_query_options *options,
                          duckdb_prepared_statement *stmt, char **err) {
    if (duckdb_prepare(db->conn, sql, stmt) == DuckDBError) {
        if (err) {
            const char *message = duckdb_prepare_error(*stmt);
            free(*err);
            if (rw) {
                long offset = engine_rewrite_map_back(rw, engine_error_offset(sql, message));
                *err = engine_error_from_duckdb(original, message, offset);
            } else {
                *err = engine_error_from_duckdb(sql, message, -1);
            }
        }
        duckdb_destroy_prepare(stmt);
        return false;
    }
    size_t given = options ? options->param_count : 0;
    idx_t wanted = duckdb_nparams(*stmt);
    if (wanted != given) {
        engine_set_err(err, "INVALID_PARAMETER_USAGE: the query has %llu parameters but %zu values were given",
                       (unsigned long long)wanted, given);
        duckdb_destroy_prepare(stmt);
        return false;
    }
    for (size_t i = 0; i < given; i++) {
        const char *v = options->params[i];
        duckdb_state st = v ? duckdb_bind_varchar(*stmt, i + 1, v) : duckdb_bind_null(*stmt, i + 1);
        if (st == DuckDBError) {
            engine_set_err(err, "INVALID_PARAMETER_USAGE: cannot bind parameter %zu", i + 1);
            duckdb_destroy_prepare(stmt);
            return false;
        }
    }
    return true;
}

static bool query_cancelled(engine_db *db, char **err) {
    if (atomic_exchange(&db->interrupt_requested, false)) {
        engine_set_err(err, "USER_CANCELLED: Query was cancelled");
        return true;
    }
    return false;
}

/* Streams the rows of result into sink, naming the columns as Trino does. */
static bool query_stream(engine_db *db, const char *sql, duckdb_result *result,
                         const engine_name_plan *names, const engine_result_sink *sink,
                         uint64_t *rows, char **err) {
    idx_t ncols = duckdb_column_count(result);
    engine_result_column *cols = calloc(ncols + 1, sizeof *cols);
    owl_buf *type_names = calloc(ncols + 1, sizeof *type_names);
    duckdb_logical_type *types = calloc(ncols + 1, sizeof *types);
    owl_buf *values = calloc(ncols + 1, sizeof *values);
    const char **cells = calloc(ncols + 1, sizeof *cells);
    size_t *lengths = calloc(ncols + 1, sizeof *lengths);
    if (!cols || !type_names || !types || !values || !cells || !lengths)
        abort();
    for (idx_t c = 0; c < ncols; c++) {
        types[c] = duckdb_column_logical_type(result, c);
        engine_athena_type(types[c], &cols[c], &type_names[c]);
        cols[c].name = engine_name_plan_column(names, c, ncols, duckdb_column_name(result, c));
        cols[c].athena_type = type_names[c].data;
    }
    bool ok = !sink->begin || sink->begin(sink->ctx, cols, ncols, err);
    while (ok) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(*result);
        if (!chunk) {
            const char *msg = duckdb_result_error(result);
            if (msg) {
                if (err) {
                    free(*err);
                    *err = engine_error_from_duckdb(sql, msg, -1);
                }
                ok = false;
            }
            break;
        }
        idx_t n = duckdb_data_chunk_get_size(chunk);
        duckdb_vector *vectors = calloc(ncols + 1, sizeof *vectors);
        if (!vectors)
            abort();
        for (idx_t c = 0; c < ncols; c++)
            vectors[c] = duckdb_data_chunk_get_vector(chunk, c);
        for (idx_t r = 0; ok && r < n; r++) {
            for (idx_t c = 0; c < ncols; c++) {
                owl_buf_reset(&values[c]);
                bool present = engine_format_value(&values[c], vectors[c], types[c], r, false);
                cells[c] = present ? (values[c].data ? values[c].data : "") : NULL;
                lengths[c] = present ? values[c].len : 0;
            }
            ok = sink->row(sink->ctx, cells, lengths, ncols, err);
            (*rows)++;
        }
        free(vectors);
        duckdb_destroy_data_chunk(&chunk);
        if (ok && query_cancelled(db, err))
            ok = false;
    }
    if (ok && sink->end)
        ok = sink->end(sink->ctx, err);
    for (idx_t c = 0; c < ncols; c++) {
        free((char *)cols[c].name);
        duckdb_destroy_logical_type(&types[c]);
        owl_buf_free(&type_names[c]);
        owl_buf_free(&values[c]);
    }
    free(cols);
    free(type_names);
    free(types);
    free(values);
    free(cells);
    free(lengths);
    return ok;
}

bool engine_query_run(engine_db *db, const char *sql, const engine_query_options *options,
                      const engine_result_sink *sink, engine_query_stats *stats, char **err) {
    int64_t started = owl_monotonic_ms();
    engine_query_stats local = {0};
    engine_name_plan *names = NULL;
    if (query_cancelled(db, err) || !query_check(db, sql, options, &names, err))
        return false;
    /* NOTE: an error raised while the query runs (not while DuckDB binds
     * it) gives its position in the rewritten text, which differs after an
     * insertion. */
    const char *original = sql;
    engine_rewrite rw;
    bool rewritten = engine_trino_rewrite(sql, strlen(sql), &rw);
    if (rewritten)
        sql = rw.sql;
    duckdb_prepared_statement stmt;
    if (!query_prepare(db, sql, original, rewritten ? &rw : NULL, options, &stmt, err)) {
        engine_name_plan_free(names);
        engine_rewrite_free(&rw);
        return false;
    }
    duckdb_result result;
    bool ok;
    if (duckdb_execute_prepared_streaming(stmt, &result) == DuckDBError) {
        if (err) {
            free(*err);
            *err = engine_error_from_duckdb(sql, duckdb_result_error(&result), -1);
        }
        ok = false;
    } else {
        ok = query_stream(db, sql, &result, names, sink, &local.rows, err);
    }
    engine_name_plan_free(names);
    duckdb_destroy_result(&result);
    duckdb_destroy_prepare(&stmt);
    engine_rewrite_free(&rw);
    /* A request that arrived after the last chunk has nothing left to stop. */
    atomic_store(&db->interrupt_requested, false);
    /* NOTE: an estimate: every byte of every bound table's (pruned) file
     * list, whether or not DuckDB opened the file. */
    local.bytes_scanned = db->bound_bytes;
    local.engine_ms = owl_monotonic_ms() - started;
    if (stats)
        *stats = local;
    return ok;
}

/*
 * Appends the Trino names of the result columns of query (text that
 * query_check() accepted) as a quoted column list: ("_col0", "x").
 */
static bool query_put_column_list(engine_db *db, const char *query, const char *original,
                                  const engine_rewrite *rw, const engine_query_options *options,
                                  const engine_name_plan *names, owl_buf *out, char **err) {
    duckdb_prepared_statement stmt;
    if (!query_prepare(db, query, original, rw, options, &stmt, err))
        return false;
    idx_t count = duckdb_prepared_statement_column_count(stmt);
    owl_buf_putc(out, '(');
    for (idx_t c = 0; c < count; c++) {
        const char *engine_name = duckdb_prepared_statement_column_name(stmt, c);
        char *name = engine_name_plan_column(names, c, count, engine_name);
        duckdb_free((void *)engine_name);
        if (c)
            owl_buf_puts(out, ", ");
        engine_put_ident(out, name);
        free(name);
    }
    owl_buf_putc(out, ')');
    duckdb_destroy_prepare(&stmt);
    return true;
}

bool engine_query_to_parquet(engine_db *db, const char *sql, const engine_query_options *options,
                             const char *output_path, uint64_t *rows, char **err) {
    engine_name_plan *names = NULL;
    if (query_cancelled(db, err) || !query_check(db, sql, options, &names, err))
        return false;
    const char *original = sql;
    engine_rewrite rw;
    bool rewritten = engine_trino_rewrite(sql, strlen(sql), &rw);
    if (rewritten)
        sql = rw.sql;
    /* query_check() proved sql is one SELECT, so wrapping it cannot change
     * its meaning; the newline ends a trailing -- comment and trailing
     * semicolons are dropped. */
    size_t len = strlen(sql);
    while (len > 0 && (sql[len - 1] == ';' || sql[len - 1] == ' ' || sql[len - 1] == '\n' ||
                       sql[len - 1] == '\t' || sql[len - 1] == '\r'))
        len--;
    owl_buf query = OWL_BUF_INIT;
    owl_buf_append(&query, sql, len);
    owl_buf_putc(&query, '\n');
    /* The file's columns carry Trino's names (_col0 for an unnamed expression). */
    owl_buf copy = OWL_BUF_INIT;
    owl_buf_puts(&copy, "COPY (SELECT * FROM (");
    owl_buf_append(&copy, query.data, query.len);
    owl_buf_puts(&copy, ") AS __owl_result ");
    bool ok = query_put_column_list(db, query.data, original, rewritten ? &rw : NULL, options,
                                    names, &copy, err);
    owl_buf_puts(&copy, ") TO ");
    engine_put_literal(&copy, output_path);
    owl_buf_puts(&copy, " (FORMAT parquet, COMPRESSION zstd)");
    duckdb_prepared_statement stmt;
    ok = ok && query_prepare(db, copy.data, NULL, NULL, options, &stmt, err);
    if (ok) {
        duckdb_result result;
        if (duckdb_execute_prepared(stmt, &result) == DuckDBError) {
            if (err) {
                free(*err);
                *err = engine_error_from_duckdb(NULL, duckdb_result_error(&result), -1);
            }
            ok = false;
        } else if (rows) {
            *rows = (uint64_t)duckdb_value_int64(&result, 0, 0);
        }
        duckdb_destroy_result(&result);
        duckdb_destroy_prepare(&stmt);
    }
    owl_buf_free(&copy);
    owl_buf_free(&query);
    engine_name_plan_free(names);
    engine_rewrite_free(&rw);
    atomic_store(&db->interrupt_requested, false);
    return ok;
}
