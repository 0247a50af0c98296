/*
 * The query engine behind Athena: an embedded DuckDB database (DuckDB 1.4 C
 * API) that runs Athena's SQL, which is Trino's dialect, over local files.
 *
 * The Athena service drives one query through these steps:
 *
 *   1. engine_sql_classify() and engine_sql_tables(): which statement it is
 *      and which catalog.database.table references it needs. Hive DDL
 *      (CREATE EXTERNAL TABLE, MSCK, ALTER TABLE ADD PARTITION, ...) comes
 *      back classified and, for CREATE EXTERNAL TABLE, parsed; the service
 *      runs DDL against the catalog, never through the engine.
 *   2. engine_prune_partitions() and engine_metastore_filter(): which
 *      partitions of each table the WHERE clause can match.
 *   3. engine_bind_table(): one view per table over the authorized files.
 *   4. engine_query_run(): executes, streaming rows into a result sink, most
 *      often the CSV writer that produces <QueryExecutionId>.csv and its
 *      metadata. engine_db_interrupt() stops it from another thread.
 *   5. engine_result_page(): GetQueryResults paging over that CSV file.
 *
 * Threads: an engine_db serves one query at a time (one per worker);
 * engine_db_interrupt() is the only call that may come from another thread.
 * Views bound for one query stay visible to the next query on the same
 * engine_db until engine_db_clear_bindings(), which the service must call
 * between queries so one caller's tables never serve another caller.
 *
 * Errors: every fallible call returns false (or NULL) and, when err is not
 * NULL, stores a malloc'd Athena-style message that the caller frees, such as
 * "TABLE_NOT_FOUND: line 1:15: Table 'ehms.sales.nope' does not exist".
 */
#ifndef OWL_ENGINE_ENGINE_H
#define OWL_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Database                                                            */
/* ------------------------------------------------------------------ */

typedef struct engine_db engine_db;

typedef struct engine_db_options {
    int threads;              /* DuckDB worker threads; 0 keeps DuckDB's default */
    const char *memory_limit; /* DuckDB syntax such as "2GB"; NULL keeps the default */
} engine_db_options;

/*
 * Opens an in-memory DuckDB database with the session time zone set to UTC
 * and the Trino function macros installed. Returns NULL and sets *err on
 * failure. Free with engine_db_close().
 */
engine_db *engine_db_open(const engine_db_options *options, char **err);
void engine_db_close(engine_db *db);

/*
 * Detaches every catalog that engine_bind_table() attached, so no view of
 * a previous query remains. Returns false and sets *err if DuckDB refuses.
 */
bool engine_db_clear_bindings(engine_db *db, char **err);

/*
 * Requests that the running query stop; safe from any thread. The query
 * fails with "USER_CANCELLED: Query was cancelled". A request made while no
 * query runs cancels the next engine_query_run() at its start.
 */
void engine_db_interrupt(engine_db *db);

/* ------------------------------------------------------------------ */
/* Statements and table references                                     */
/* ------------------------------------------------------------------ */

typedef enum engine_stmt_kind {
    ENGINE_STMT_INVALID = 0,
    ENGINE_STMT_SELECT,         /* SELECT, WITH, VALUES, TABLE, set operations */
    ENGINE_STMT_EXPLAIN,
    ENGINE_STMT_INSERT,         /* INSERT INTO t SELECT ... */
    ENGINE_STMT_CTAS,           /* CREATE TABLE t [WITH (...)] AS SELECT ... */
    ENGINE_STMT_CREATE_EXTERNAL_TABLE,
    ENGINE_STMT_CREATE_DATABASE,
    ENGINE_STMT_CREATE_VIEW,
    ENGINE_STMT_DROP_TABLE,
    ENGINE_STMT_DROP_DATABASE,
    ENGINE_STMT_DROP_VIEW,
    ENGINE_STMT_SHOW,           /* SHOW TABLES/DATABASES/PARTITIONS/COLUMNS/CREATE TABLE/... */
    ENGINE_STMT_DESCRIBE,
    ENGINE_STMT_MSCK_REPAIR,
    ENGINE_STMT_ALTER_TABLE,    /* ADD/DROP PARTITION, SET LOCATION, ... */
    ENGINE_STMT_OTHER_DDL
} engine_stmt_kind;

/* Returns a stable lowercase name such as "select" or "create_external_table". */
const char *engine_stmt_kind_name(engine_stmt_kind kind);

/* True for statements the service answers from the catalog (DDL, SHOW, DESCRIBE). */
bool engine_stmt_is_ddl(engine_stmt_kind kind);

/* A fully qualified, lowercased table name. */
typedef struct engine_table_ref {
    char *catalog;
    char *database;
    char *table;
    int line;   /* 1-based position of the reference in the SQL text, 0 if unknown */
    int column;
    bool target; /* written by the statement: INSERT INTO, CTAS, DDL on this table */
} engine_table_ref;

typedef struct engine_table_refs {
    engine_table_ref *items;
    size_t count;
    engine_stmt_kind kind;
} engine_table_refs;

/*
 * Lists the distinct tables that sql reads or writes, with default_catalog
 * and default_database filled in for one- and two-part names. CTE names are
 * not tables. Identifiers are lowercased, quoted or not, as Athena does.
 * Hive DDL is classified with refs->count possibly 0 (see engine_ddl_parse()
 * for the details of CREATE EXTERNAL TABLE). Parses with DuckDB, so db is
 * needed; a syntax error returns false with a "SYNTAX_ERROR: line L:C: ..."
 * message. Free refs with engine_table_refs_free().
 */
bool engine_sql_tables(engine_db *db, const char *sql, const char *default_catalog,
                       const char *default_database, engine_table_refs *refs, char **err);
void engine_table_refs_free(engine_table_refs *refs);

/*
 * Classifies sql by its leading keywords only, without DuckDB; returns
 * ENGINE_STMT_SELECT for anything that is not recognized DDL.
 */
engine_stmt_kind engine_sql_classify(const char *sql);

/* ------------------------------------------------------------------ */
/* Hive DDL: CREATE EXTERNAL TABLE                                     */
/* ------------------------------------------------------------------ */

typedef struct engine_kv {
    char *key;
    char *value;
} engine_kv;

typedef struct engine_column {
    char *name;      /* lowercased */
    char *type;      /* Hive type string, lowercased and without spaces: array<struct<a:int>> */
    char *comment;   /* NULL when absent */
} engine_column;

typedef struct engine_ddl_table {
    bool external;
    bool if_not_exists;
    char *database;      /* NULL when the name had one part */
    char *table;
    engine_column *columns;
    size_t column_count;
    engine_column *partition_keys;
    size_t partition_key_count;
    char *serde;         /* serialization library class name, NULL when unset */
    engine_kv *serde_params;
    size_t serde_param_count;
    char *input_format;
    char *output_format;
    char *location;
    engine_kv *table_params;
    size_t table_param_count;
    char *comment;
} engine_ddl_table;

/*
 * Parses a Hive CREATE [EXTERNAL] TABLE statement. ROW FORMAT DELIMITED
 * clauses become serde parameters of LazySimpleSerDe (field.delim,
 * escape.delim, colelction.delim as Hive spells it, mapkey.delim,
 * line.delim, serialization.null.format) and STORED AS names become input
 * and output format classes plus the matching serde. Returns false with a
 * "SYNTAX_ERROR: line L:C: ..." message on malformed input. The input is
 * untrusted bytes of any length; the parser is fuzzed.
 */
bool engine_ddl_parse(const char *sql, size_t len, engine_ddl_table *out, char **err);
void engine_ddl_table_free(engine_ddl_table *table);

/* ------------------------------------------------------------------ */
/* Other statements the service runs against the catalog               */
/* ------------------------------------------------------------------ */

typedef enum engine_ddl_op {
    ENGINE_DDL_SHOW_DATABASES = 1, /* SHOW DATABASES|SCHEMAS [LIKE 'pattern'] */
    ENGINE_DDL_SHOW_TABLES,        /* SHOW TABLES [IN db] ['pattern'] */
    ENGINE_DDL_SHOW_COLUMNS,       /* SHOW COLUMNS IN|FROM t [IN|FROM db] */
    ENGINE_DDL_SHOW_PARTITIONS,
    ENGINE_DDL_SHOW_CREATE_TABLE,
    ENGINE_DDL_SHOW_TBLPROPERTIES, /* pattern holds the one property asked for, if any */
    ENGINE_DDL_DESCRIBE,           /* [FORMATTED | EXTENDED] t */
    ENGINE_DDL_CREATE_DATABASE,
    ENGINE_DDL_DROP_TABLE,
    ENGINE_DDL_DROP_DATABASE,
    ENGINE_DDL_ADD_PARTITION,      /* ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (...) ... */
    ENGINE_DDL_DROP_PARTITION,     /* ALTER TABLE t DROP [IF EXISTS] PARTITION (...), ... */
    ENGINE_DDL_MSCK_REPAIR,
    ENGINE_DDL_CTAS,               /* CREATE TABLE t [WITH (...)] AS query [WITH [NO] DATA] */
    ENGINE_DDL_INSERT,             /* INSERT INTO t [(columns)] query */
    ENGINE_DDL_ADD_COLUMNS,        /* ALTER TABLE t ADD COLUMNS (name type [COMMENT '...'], ...) */
    ENGINE_DDL_REPLACE_COLUMNS,    /* ALTER TABLE t REPLACE COLUMNS (...) */
    ENGINE_DDL_SET_LOCATION,       /* ALTER TABLE t SET LOCATION 's3://...' */
    ENGINE_DDL_SET_TBLPROPERTIES,  /* ALTER TABLE t SET TBLPROPERTIES ('k' = 'v', ...) */
} engine_ddl_op;

/* One PARTITION (k = 'v', ...) clause, keys lowercased, values as written. */
typedef struct engine_partition_spec {
    engine_kv *values;
    size_t count;
    char *location; /* NULL when the clause has no LOCATION */
} engine_partition_spec;

typedef struct engine_ddl_stmt {
    engine_ddl_op op;
    char *catalog;  /* lowercased name parts; NULL when the name did not give them */
    char *database; /* also the database of CREATE/DROP DATABASE and SHOW TABLES IN */
    char *table;
    char *pattern;  /* SHOW ... LIKE pattern, SHOW TBLPROPERTIES t ('name'); NULL when absent */
    bool if_exists, if_not_exists, cascade, formatted, extended;
    char *comment;  /* CREATE DATABASE */
    char *location;
    engine_kv *properties; /* DBPROPERTIES, or CTAS WITH properties (arrays joined by ',') */
    size_t property_count;
    char **partitioned_by; /* CTAS partitioned_by, lowercased */
    size_t partitioned_by_count;
    engine_partition_spec *partitions; /* ALTER TABLE ADD/DROP PARTITION */
    size_t partition_count;
    char **columns;        /* INSERT INTO t (columns) */
    size_t column_count;
    engine_column *table_columns; /* ALTER TABLE ADD/REPLACE COLUMNS */
    size_t table_column_count;
    size_t query_offset;   /* CTAS and INSERT: the query is sql[query_offset, +query_length) */
    size_t query_length;
    bool with_no_data;     /* CTAS ... WITH NO DATA */
} engine_ddl_stmt;

/*
 * Parses the statements other than SELECT and CREATE [EXTERNAL] TABLE
 * with columns that the service runs itself (see engine_ddl_op). Names
 * may be quoted with double quotes or backticks; strings take Hive's
 * backslash escapes and doubled quotes. Returns false with a
 * "SYNTAX_ERROR: line L:C: ..." message on malformed input, or a
 * "NOT_SUPPORTED: ..." one for another ALTER TABLE form (RENAME, CHANGE
 * COLUMN, ...). The input is untrusted bytes of any length; the parser is
 * fuzzed. Free with engine_ddl_stmt_free().
 */
bool engine_ddl_stmt_parse(const char *sql, size_t len, engine_ddl_stmt *out, char **err);
void engine_ddl_stmt_free(engine_ddl_stmt *stmt);

/* ------------------------------------------------------------------ */
/* Hive types                                                          */
/* ------------------------------------------------------------------ */

/*
 * Translates a Hive type string (int, decimal(10,2), varchar(20),
 * array<struct<a:int,b:string>>, map<string,int>, ...) into DuckDB type SQL
 * such as STRUCT("a" INTEGER, "b" VARCHAR)[]. Returns a malloc'd string, or
 * NULL with *err set ("invalid Hive type ...") for anything else. Nesting
 * deeper than 64 levels is rejected.
 */
char *engine_hive_type_to_duckdb(const char *hive_type, char **err);

/*
 * Translates a DuckDB type name as typeof() returns it (INTEGER,
 * DECIMAL(10,2), VARCHAR[], STRUCT(a INTEGER, "b c" VARCHAR), MAP(VARCHAR,
 * BIGINT), ...) into a Hive type string such as struct<a:int,b c:string>,
 * for tables that CTAS creates. Returns a malloc'd string, or NULL with a
 * "NOT_SUPPORTED: ..." *err for types Hive lacks (UNION, INTERVAL, TIME,
 * ...). Nesting deeper than 64 levels is rejected; the parser is fuzzed.
 */
char *engine_duckdb_type_to_hive(const char *duckdb_type, char **err);

/* Returns the Athena result type name for a Hive type: int -> integer, string -> varchar, ... */
char *engine_hive_type_to_athena(const char *hive_type, char **err);

/* ------------------------------------------------------------------ */
/* Table binding                                                       */
/* ------------------------------------------------------------------ */

typedef struct engine_file {
    const char *path;               /* local path DuckDB reads */
    uint64_t size;                  /* bytes, for the scanned-bytes statistic */
    const char *const *partition_values; /* one per partition key; NULL entry = NULL value */
} engine_file;

typedef struct engine_table {
    const engine_column *columns;
    size_t column_count;
    const engine_column *partition_keys;
    size_t partition_key_count;
    const char *serde;          /* e.g. org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe */
    const engine_kv *serde_params;
    size_t serde_param_count;
    const char *input_format;   /* e.g. org.apache.hadoop.mapred.TextInputFormat */
    const engine_kv *table_params;
    size_t table_param_count;
    const engine_file *files;
    size_t file_count;
} engine_table;

/*
 * Creates (or replaces) the view "catalog"."database"."name" over the
 * table's files, attaching an in-memory DuckDB catalog for the Athena
 * catalog name when it is new. Columns carry the table's names and types,
 * then the partition keys in order, each with its file's value
 * ("__HIVE_DEFAULT_PARTITION__" reads as NULL). Values that do not parse as
 * the column type read as NULL, as Hive does. No file is opened here.
 * Returns false with *err set for an unsupported serde or invalid type.
 */
bool engine_bind_table(engine_db *db, const char *catalog, const char *database,
                       const char *name, const engine_table *table, char **err);

/* ------------------------------------------------------------------ */
/* Partition pruning                                                   */
/* ------------------------------------------------------------------ */

/*
 * Decides for each partition whether sql's WHERE clause may select rows of
 * it from table ref (a reference from engine_sql_tables()). keep[i] is set
 * for partition i, whose values are values[i][0..key_count-1] (strings,
 * NULL for a NULL partition value). Only conjuncts that compare a partition
 * key of ref with literals are evaluated (=, <>, <, <=, >, >=, IN, NOT IN,
 * BETWEEN, IS [NOT] NULL, AND, OR, NOT, casts of literals); anything else
 * keeps the partition. Returns false with *err set if sql does not parse.
 */
bool engine_prune_partitions(engine_db *db, const char *sql, const engine_table_ref *ref,
                             const char *default_catalog, const char *default_database,
                             const engine_column *partition_keys, size_t key_count,
                             const char *const *const *values, size_t partition_count,
                             bool *keep, char **err);

/*
 * Renders the WHERE conjuncts of sql that only involve partition keys of
 * ref as a Hive metastore filter (get_partitions_by_filter grammar), such as
 * "month = '2015-01' and year > 2014". Returns a malloc'd string, "" when
 * nothing is usable (list all partitions), or NULL with *err set.
 */
char *engine_metastore_filter(engine_db *db, const char *sql, const engine_table_ref *ref,
                              const char *default_catalog, const char *default_database,
                              const engine_column *partition_keys, size_t key_count,
                              char **err);

/* ------------------------------------------------------------------ */
/* Execution                                                           */
/* ------------------------------------------------------------------ */

/* One result column: name and Athena type name (varchar, integer, decimal(10,2), array, ...). */
typedef struct engine_result_column {
    const char *name;
    const char *athena_type;
    int precision;  /* for decimals; 0 otherwise */
    int scale;
} engine_result_column;

/*
 * Receives a result as it streams. begin is called once with the columns,
 * row once per row with values[i] NULL for SQL NULL (formatted as Athena
 * prints them), end once after the last row. A false return stops the query
 * with that callback's *err message.
 */
typedef struct engine_result_sink {
    bool (*begin)(void *ctx, const engine_result_column *columns, size_t count, char **err);
    bool (*row)(void *ctx, const char *const *values, const size_t *lengths, size_t count,
                char **err);
    bool (*end)(void *ctx, char **err);
    void *ctx;
} engine_result_sink;

typedef struct engine_query_stats {
    uint64_t rows;
    uint64_t bytes_scanned;   /* sum of the sizes of the files of every bound table */
    int64_t engine_ms;        /* wall time inside DuckDB, from prepare to the last row */
} engine_query_stats;

typedef struct engine_query_options {
    const char *default_catalog;  /* resolves unqualified names; NULL for none */
    const char *default_database;
    const char *const *params;    /* values for ? placeholders, as varchar; NULL entry = NULL */
    size_t param_count;
} engine_query_options;

/*
 * Runs one SELECT (or VALUES, WITH ...) and streams the rows into sink.
 * Returns false with an Athena-style *err (SYNTAX_ERROR, TABLE_NOT_FOUND,
 * COLUMN_NOT_FOUND, USER_CANCELLED, ...) on failure, after which sink->end
 * has not been called. stats may be NULL.
 * Result columns carry Trino's names, lowercased: the alias, the column name,
 * or _col<N> (N the 0-based position) for any other expression.
 */
bool engine_query_run(engine_db *db, const char *sql, const engine_query_options *options,
                      const engine_result_sink *sink, engine_query_stats *stats, char **err);

/*
 * Runs sql and writes its result to a Parquet file at output_path (zstd), for
 * CTAS and INSERT INTO. Returns the number of rows in *rows when not NULL.
 * The file's columns carry the same names as engine_query_run()'s result.
 */
bool engine_query_to_parquet(engine_db *db, const char *sql, const engine_query_options *options,
                             const char *output_path, uint64_t *rows, char **err);

/*
 * Maps a DuckDB error message to Athena's form, with line:column from the
 * character offset (0-based) when offset >= 0. Returns a malloc'd string.
 */
char *engine_error_from_duckdb(const char *sql, const char *duckdb_message, long offset);

/* ------------------------------------------------------------------ */
/* Result files                                                        */
/* ------------------------------------------------------------------ */

typedef struct engine_csv_writer engine_csv_writer;

/*
 * Opens <csv_path> for writing and, at the end, <metadata_path> (the
 * column list as JSON). Fill an engine_result_sink with
 * engine_csv_writer_sink() and pass it to engine_query_run().
 */
engine_csv_writer *engine_csv_writer_open(const char *csv_path, const char *metadata_path,
                                          char **err);
engine_result_sink engine_csv_writer_sink(engine_csv_writer *writer);
/* Closes the files; returns false if a write failed. Frees writer. */
bool engine_csv_writer_close(engine_csv_writer *writer, char **err);

/* One page of a result CSV file. */
typedef struct engine_result_page_t {
    char ***rows;          /* rows[r][c], NULL for SQL NULL */
    size_t row_count;
    size_t column_count;
    uint64_t next_offset;  /* byte offset of the next row; 0 when the file is done */
} engine_result_page_t;

/*
 * Reads up to max_rows rows of csv_path starting at byte offset (0 = the
 * header row, which is returned as the first row). Returns false with *err
 * set for an unreadable file, an offset that is not a row start or malformed
 * CSV. Free with engine_result_page_free().
 */
bool engine_result_page(const char *csv_path, uint64_t offset, size_t max_rows,
                        engine_result_page_t *page, char **err);
void engine_result_page_free(engine_result_page_t *page);

/*
 * Reads the metadata JSON written by the CSV writer. Returns a malloc'd
 * array of *count columns (free with engine_result_columns_free()).
 */
engine_result_column *engine_result_metadata_read(const char *metadata_path, size_t *count,
                                                  char **err);
void engine_result_columns_free(engine_result_column *columns, size_t count);

#endif
