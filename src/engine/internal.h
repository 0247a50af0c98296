/*
 * Helpers shared by the files of the engine module; not part of its API.
 */
#ifndef OWL_ENGINE_INTERNAL_H
#define OWL_ENGINE_INTERNAL_H

#include <duckdb.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "common/buf.h"
#include "engine/engine.h"

struct engine_db {
    duckdb_database database;
    duckdb_connection conn;
    atomic_bool interrupt_requested;
    char **catalogs;            /* attached catalog names, lowercased */
    size_t catalog_count;
    uint64_t bound_bytes;       /* file bytes of every table bound since the last clear */
    char **views;               /* bound views as "catalog.database.table", lowercased */
    size_t view_count;
};

/* True when catalog.database.table was bound since the last clear. */
bool engine_db_has_view(const engine_db *db, const char *catalog, const char *database,
                        const char *table);

/* Stores a printf-formatted malloc'd message in *err when err is not NULL. */
void engine_set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as a double-quoted SQL identifier ("a""b"). */
void engine_put_ident(owl_buf *b, const char *s);
/* Appends s as a single-quoted SQL string literal ('it''s'). */
void engine_put_literal(owl_buf *b, const char *s);

/* Returns a malloc'd lowercase copy of s (ASCII only, as Athena folds names). */
char *engine_lower_dup(const char *s);

/*
 * Runs one statement on db's connection, discarding any result. On failure
 * returns false and sets *err to the DuckDB message mapped by
 * engine_error_from_duckdb().
 */
bool engine_exec(engine_db *db, const char *sql, char **err);

/*
 * Parses sql + base with DuckDB's json_serialize_sql() and returns the JSON
 * tree (caller decrefs), or NULL with an Athena-style SYNTAX_ERROR in *err
 * whose position counts from the start of sql.
 */
json_t *engine_parse_json(engine_db *db, const char *sql, size_t base, char **err);

/*
 * Adds the BASE_TABLE references of a json_serialize_sql() tree to refs
 * (CTE names excluded, defaults applied). Fails with FUNCTION_NOT_FOUND for
 * a table function other than unnest, range and generate_series, because
 * DuckDB's file readers would bypass the service's authorization.
 */
bool engine_refs_from_json(json_t *root, const char *sql, size_t base, const char *default_catalog,
                           const char *default_database, engine_table_refs *refs, char **err);
void engine_refs_add(engine_table_refs *refs, const char *catalog, const char *database,
                     const char *table, int line, int column, bool target);

/*
 * Returns the byte offset in sql of the caret that a DuckDB error message
 * shows under its "LINE n:" excerpt, or -1 when the message has none.
 */
long engine_error_offset(const char *sql, const char *duckdb_message);

/* Converts a 0-based character offset in sql to a 1-based line and column. */
void engine_offset_to_line_col(const char *sql, long offset, int *line, int *column);

/* ---- Trino functions (trino_functions.c, trino_datetime.c) ---- */

/* Registers the C scalar functions of the Trino dialect on conn. */
bool engine_trino_register_functions(duckdb_connection conn, char **err);
bool engine_trino_register_datetime(duckdb_connection conn, char **err);

/*
 * Parses text with a Trino date_parse() format into microseconds since
 * 1970-01-01 UTC, truncated to milliseconds as Trino's timestamp(3). Neither
 * string needs a terminator. Returns false with Trino's message in *err.
 */
bool engine_trino_date_parse(const char *text, size_t len, const char *format, size_t format_len,
                             int64_t *micros, char **err);
/* Appends micros (since 1970-01-01 UTC) formatted as Trino's date_format() does. */
bool engine_trino_date_format(int64_t micros, const char *format, size_t format_len, owl_buf *out,
                              char **err);
/* Appends micros formatted with a Joda-Time pattern, as Trino's format_datetime() does. */
bool engine_trino_format_datetime(int64_t micros, const char *format, size_t format_len,
                                  owl_buf *out, char **err);

/* ---- Trino syntax rewrites (trino_rewrite.c) ---- */

typedef struct engine_insertion {
    size_t offset;    /* byte offset in the input text */
    const char *text; /* static text inserted there */
} engine_insertion;

typedef struct engine_rewrite {
    char *sql;                    /* the rewritten text, NUL-terminated */
    engine_insertion *insertions; /* sorted by offset */
    size_t count;
} engine_rewrite;

/*
 * Rewrites the Trino syntax of sql[0..len) that DuckDB's parser rejects.
 * Returns true with rw->sql set when anything changed, false (rw empty)
 * when sql is fine as it is. Free with engine_rewrite_free() either way.
 */
bool engine_trino_rewrite(const char *sql, size_t len, engine_rewrite *rw);
/* Maps an offset in rw->sql back to the input; offsets inside an insertion map to its start. */
long engine_rewrite_map_back(const engine_rewrite *rw, long offset);
void engine_rewrite_free(engine_rewrite *rw);

/* ---- Result column names (trino_names.c) ---- */

/* Trino's names for the select list of one statement, before star expansion. */
typedef struct engine_name_plan engine_name_plan;

/*
 * Reads the select list of a json_serialize_sql() statement. Returns NULL
 * when the tree has no select list to name, which keeps DuckDB's names.
 */
engine_name_plan *engine_name_plan_new(json_t *statement);
void engine_name_plan_free(engine_name_plan *plan);
void engine_name_plan_free_entries(engine_name_plan *plan);

/*
 * Returns the malloc'd Trino name of result column `column` of
 * column_count, falling back to DuckDB's engine_name (lowercased) where the
 * plan cannot tell, including when plan is NULL.
 */
char *engine_name_plan_column(const engine_name_plan *plan, size_t column, size_t column_count,
                              const char *engine_name);

#endif

/* ---- Hive type trees (hive_type.c) ---- */

typedef enum engine_hive_kind {
    HIVE_TINYINT, HIVE_SMALLINT, HIVE_INT, HIVE_BIGINT, HIVE_FLOAT, HIVE_DOUBLE,
    HIVE_DECIMAL, HIVE_STRING, HIVE_VARCHAR, HIVE_CHAR, HIVE_BOOLEAN, HIVE_DATE,
    HIVE_TIMESTAMP, HIVE_BINARY, HIVE_ARRAY, HIVE_MAP, HIVE_STRUCT
} engine_hive_kind;

typedef struct engine_hive_type {
    engine_hive_kind kind;
    int precision, scale;             /* decimal; length for varchar and char */
    struct engine_hive_type **children; /* array: 1, map: key and value, struct: fields */
    char **field_names;               /* struct only, lowercased */
    size_t child_count;
} engine_hive_type;

/* Parses a Hive type string; NULL with *err set when invalid. */
engine_hive_type *engine_hive_type_parse(const char *text, char **err);
void engine_hive_type_free(engine_hive_type *type);
/* Appends the DuckDB type SQL of type to b. */
void engine_hive_type_put_duckdb(owl_buf *b, const engine_hive_type *type);
bool engine_hive_type_is_primitive(const engine_hive_type *type);

/* ---- Hive DDL tokens (ddl.c) ---- */

typedef enum engine_tok_kind {
    TOK_END, TOK_WORD, TOK_QUOTED_NAME, TOK_STRING, TOK_NUMBER, TOK_PUNCT
} engine_tok_kind;

typedef struct engine_tok {
    engine_tok_kind kind;
    char *text;      /* words lowercased; quoted names and strings unescaped */
    size_t offset;   /* byte offset in the SQL text */
} engine_tok;

typedef struct engine_toks {
    engine_tok *items;
    size_t count;    /* the last item is TOK_END */
} engine_toks;

/* Splits sql into tokens; false with a SYNTAX_ERROR in *err for an unterminated quote. */
bool engine_tokenize(const char *sql, size_t len, engine_toks *toks, char **err);
void engine_toks_free(engine_toks *toks);
/* Classifies from tokens; *name_at receives the index of the table name token or 0. */
engine_stmt_kind engine_classify_toks(const engine_toks *toks, size_t *name_at);

/* ---- Values (format.c) ---- */

/*
 * Appends the Athena text of vec[row] of type to b. Returns false for NULL,
 * which appends nothing at the top level and "null" when nested.
 */
bool engine_format_value(owl_buf *b, duckdb_vector vec, duckdb_logical_type type, idx_t row,
                         bool nested);
/* Appends the Athena type name of type to name and fills col's precision and scale. */
void engine_athena_type(duckdb_logical_type type, engine_result_column *col, owl_buf *name);
