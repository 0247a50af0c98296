/*
 * CREATE TABLE AS SELECT and INSERT INTO: binds the tables the query
 * reads, runs it on the engine into one local Parquet file (zstd) per
 * partition value, stores each as an object under the table location with
 * PutObject as the caller (<location>[k=v/]<query id>_00000), then
 * registers the table (createTable) and the partitions it lacks
 * (addPartitions) through the catalog. Data goes before metadata, so a
 * failed write leaves no table behind.
 *
 * INSERT INTO t (a, b) fills the columns it names and leaves the others
 * NULL. Limits: Parquet only; at most MAX_WRITTEN_PARTITIONS partitions per
 * statement, as Athena allows; CTAS columns of types Hive lacks (UNION,
 * INTERVAL, TIME) are rejected. Errors follow Trino: TABLE_ALREADY_EXISTS,
 * TABLE_NOT_FOUND, HIVE_PATH_ALREADY_EXISTS, TYPE_MISMATCH. The result is
 * Trino's one-column "rows" table in <id>.csv.
 */
#include "athena/query.h"

#include "common/util.h"
#include "s3/internal_read.h"
#include "thrift/protocol.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Partitions per addPartitions call. */
#define ADD_BATCH 100
/* Athena's limit of partitions one CTAS or INSERT INTO may write. */
#define MAX_WRITTEN_PARTITIONS 100

#define PARQUET_SERDE "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
#define PARQUET_INPUT "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
#define PARQUET_OUTPUT "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

/* Rows and columns of a small internal query, collected by collect_* callbacks. */
typedef struct collected {
    char **names;
    char **types; /* Athena type names */
    size_t column_count;
    char ***rows;
    size_t row_count;
} collected;

static bool collect_begin(void *ctx, const engine_result_column *columns, size_t count, char **err)
{
    (void)err;
    collected *c = ctx;
    c->names = calloc(count + 1, sizeof *c->names);
    c->types = calloc(count + 1, sizeof *c->types);
    if (!c->names || !c->types)
        abort();
    for (size_t i = 0; i < count; i++) {
        c->names[i] = strdup(columns[i].name);
        c->types[i] = strdup(columns[i].athena_type);
    }
    c->column_count = count;
    return true;
}

static bool collect_row(void *ctx, const char *const *values, const size_t *lengths,
                        size_t count, char **err)
{
    collected *c = ctx;
    if (c->row_count >= MAX_WRITTEN_PARTITIONS) {
        *err = strdup("HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for "
                      "partitions/buckets");
        return false;
    }
    c->rows = realloc(c->rows, (c->row_count + 1) * sizeof *c->rows);
    char **row = calloc(count + 1, sizeof *row);
    if (!c->rows || !row)
        abort();
    for (size_t i = 0; i < count; i++)
        row[i] = values[i] ? strndup(values[i], lengths[i]) : NULL;
    c->rows[c->row_count++] = row;
    return true;
}

static bool collect_end(void *ctx, char **err)
{
    (void)ctx;
    (void)err;
    return true;
}

static void collected_free(collected *c)
{
    for (size_t i = 0; i < c->column_count; i++) {
        free(c->names[i]);
        free(c->types[i]);
    }
    for (size_t r = 0; r < c->row_count; r++) {
        for (size_t i = 0; i < c->column_count; i++)
            free(c->rows[r][i]);
        free(c->rows[r]);
    }
    free(c->names);
    free(c->types);
    free(c->rows);
    memset(c, 0, sizeof *c);
}

/* Runs an internal query of the statement into c; false after athena_run_fail(). */
static bool collect(athena_ddl *d, const char *sql, collected *c)
{
    engine_result_sink sink = {collect_begin, collect_row, collect_end, c};
    engine_query_options options = {.default_catalog = d->run->job->catalog,
                                     .default_database = d->run->job->database};
    char *err = NULL;
    athena_query_engine_enter(d->run->job);
    bool ok = engine_query_run(d->run->db, sql, &options, &sink, NULL, &err);
    athena_query_engine_leave(d->run->job);
    if (!ok)
        athena_run_fail(d->run, ATHENA_ERROR_USER, "%s", err ? err : "the query failed");
    free(err);
    return ok;
}

static void put_ident(owl_buf *out, const char *name)
{
    owl_buf_putc(out, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            owl_buf_putc(out, '"');
        owl_buf_putc(out, *p);
    }
    owl_buf_putc(out, '"');
}

static void put_literal(owl_buf *out, const char *text)
{
    owl_buf_putc(out, '\'');
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            owl_buf_putc(out, '\'');
        owl_buf_putc(out, *p);
    }
    owl_buf_putc(out, '\'');
}

/*
 * Maps an Athena result type name to a Hive column type; NULL for the
 * nested types (array, map, row), whose element types the result metadata
 * does not carry, so nested_types() asks DuckDB for them.
 */
static const char *hive_type_of(const char *athena_type)
{
    static const struct {
        const char *athena, *hive;
    } types[] = {{"varchar", "string"}, {"char", "string"},     {"integer", "int"},
                 {"bigint", "bigint"},  {"smallint", "smallint"}, {"tinyint", "tinyint"},
                 {"double", "double"},  {"real", "float"},      {"float", "float"},
                 {"boolean", "boolean"}, {"date", "date"},      {"timestamp", "timestamp"},
                 {"varbinary", "binary"}, {"unknown", "string"}};
    if (strncmp(athena_type, "decimal", 7) == 0)
        return athena_type;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(athena_type, types[i].athena) == 0)
            return types[i].hive;
    return NULL;
}

/* The table a CTAS or INSERT writes: its columns, partition keys and location. */
typedef struct write_target {
    engine_column *columns; /* data columns, then keys */
    size_t column_count;
    engine_column *keys;
    size_t key_count;
    char *location; /* ends with '/' */
    owl_buf select; /* the query with its columns renamed and cast to the table's types */
    json_t *added;  /* TJSON partitions to register */
    json_t *existing;
    uint64_t rows;
} write_target;

/* Writes the rows of select to a Parquet object at uri; false after athena_run_fail(). */
static bool write_parquet(athena_ddl *d, const char *select, const char *uri, uint64_t *rows)
{
    owl_buf path = OWL_BUF_INIT;
    athena_run_local_path(d->run, ".parquet", &path);
    engine_query_options options = {.default_catalog = d->run->job->catalog,
                                    .default_database = d->run->job->database};
    char *err = NULL;
    athena_query_engine_enter(d->run->job);
    bool ok = engine_query_to_parquet(d->run->db, select, &options, path.data, rows, &err);
    athena_query_engine_leave(d->run->job);
    if (!ok)
        athena_run_fail(d->run, ATHENA_ERROR_USER, "%s", err ? err : "the query failed");
    free(err);
    ok = ok && athena_run_put_object(d->run, path.data, uri, "application/octet-stream",
                                     "the table data");
    unlink(path.data);
    owl_buf_free(&path);
    return ok;
}

/*
 * Writes the rows of target->select under the table location, one
 * Parquet object per partition, and queues the partitions the catalog
 * lacks in target->added. raw is the Hive Table struct for their storage.
 */
static bool write_rows(athena_ddl *d, write_target *target, const thrift_value *raw,
                       const char *database, const char *table)
{
    size_t data_count = target->column_count - target->key_count;
    if (target->key_count == 0) {
        owl_buf uri = OWL_BUF_INIT;
        owl_buf_printf(&uri, "%s%s_00000", target->location, d->run->job->id);
        bool ok = write_parquet(d, target->select.data, uri.data, &target->rows);
        owl_buf_free(&uri);
        return ok;
    }

    owl_buf distinct = OWL_BUF_INIT;
    owl_buf_puts(&distinct, "SELECT DISTINCT ");
    for (size_t k = 0; k < target->key_count; k++) {
        if (k)
            owl_buf_puts(&distinct, ", ");
        owl_buf_puts(&distinct, "CAST(");
        put_ident(&distinct, target->keys[k].name);
        owl_buf_puts(&distinct, " AS VARCHAR)");
    }
    owl_buf_printf(&distinct, " FROM (%s) AS \"target\" ORDER BY ALL", target->select.data);
    collected values = {0};
    bool ok = collect(d, distinct.data, &values);
    owl_buf_free(&distinct);

    for (size_t r = 0; ok && r < values.row_count; r++) {
        owl_buf select = OWL_BUF_INIT;
        owl_buf_puts(&select, "SELECT ");
        for (size_t c = 0; c < data_count; c++) {
            if (c)
                owl_buf_puts(&select, ", ");
            put_ident(&select, target->columns[c].name);
        }
        owl_buf_printf(&select, " FROM (%s) AS \"target\" WHERE ", target->select.data);
        for (size_t k = 0; k < target->key_count; k++) {
            if (k)
                owl_buf_puts(&select, " AND ");
            owl_buf_puts(&select, "CAST(");
            put_ident(&select, target->keys[k].name);
            if (values.rows[r][k]) {
                owl_buf_puts(&select, " AS VARCHAR) = ");
                put_literal(&select, values.rows[r][k]);
            } else {
                owl_buf_puts(&select, " AS VARCHAR) IS NULL");
            }
        }
        char *name = athena_ddl_partition_name(target->keys, target->key_count,
                                    (const char *const *)values.rows[r]);
        owl_buf dir = OWL_BUF_INIT, uri = OWL_BUF_INIT;
        /* NOTE: INSERT INTO writes under <location>k=v/ even when an existing
         * partition has another location, so such rows are not read back. */
        owl_buf_printf(&dir, "%s%s/", target->location, name);
        owl_buf_printf(&uri, "%s%s_00000", dir.data, d->run->job->id);
        uint64_t rows = 0;
        ok = write_parquet(d, select.data, uri.data, &rows);
        target->rows += rows;
        if (ok && !athena_ddl_names_contain(target->existing, name)) {
            json_array_append_new(target->existing, json_string(name));
            json_array_append_new(target->added,
                                  athena_ddl_tjson(athena_ddl_partition_struct(
                                      raw, database, table, (const char *const *)values.rows[r],
                                      target->key_count, dir.data)));
        }
        free(name);
        owl_buf_free(&dir);
        owl_buf_free(&uri);
        owl_buf_free(&select);
    }
    collected_free(&values);
    return ok;
}

/* Registers target->added in batches; false after athena_run_fail(). */
static bool register_partitions(athena_ddl *d, write_target *target)
{
    size_t count = json_array_size(target->added);
    for (size_t start = 0; start < count; start += ADD_BATCH) {
        json_t *batch = json_array();
        for (size_t i = start; i < count && i < start + ADD_BATCH; i++)
            json_array_append(batch, json_array_get(target->added, i));
        bool duplicate = false;
        if (!athena_ddl_add_partitions(d, batch, &duplicate)) {
            if (duplicate)
                athena_run_fail(d->run, ATHENA_ERROR_SYSTEM,
                                "HIVE_METASTORE_ERROR: a partition written by this query was "
                                "added by another one meanwhile");
            return false;
        }
    }
    return true;
}

/* Binds the tables the query of the statement reads; false after athena_run_fail(). */
static bool bind_query(athena_ddl *d, const char *query)
{
    engine_table_refs refs = {0};
    char *err = NULL;
    if (!engine_sql_tables(d->run->db, query, d->run->job->catalog, d->run->job->database, &refs,
                           &err)) {
        athena_run_fail(d->run, ATHENA_ERROR_USER, "%s", err ? err : "SYNTAX_ERROR");
        free(err);
        return false;
    }
    bool ok = true;
    d->run->sql = query;
    for (size_t i = 0; ok && i < refs.count; i++)
        ok = athena_run_bind_table(d->run, &refs.items[i]);
    d->run->sql = NULL;
    engine_table_refs_free(&refs);
    return ok;
}

static void write_target_free(write_target *t)
{
    for (size_t i = 0; i < t->column_count; i++) {
        free(t->columns[i].name);
        free(t->columns[i].type);
    }
    free(t->columns);
    free(t->location);
    owl_buf_free(&t->select);
    json_decref(t->added);
    json_decref(t->existing);
}

/*
 * Collects the DuckDB type of every column of query, as typeof() names it,
 * into the one row of types. The left join yields a row of typed NULLs
 * when the query has no rows.
 */
static bool nested_types(athena_ddl *d, const char *query, size_t count, collected *types)
{
    owl_buf sql = OWL_BUF_INIT;
    owl_buf_puts(&sql, "SELECT ");
    for (size_t i = 0; i < count; i++)
        owl_buf_printf(&sql, "%stypeof(\"source\".\"%zu\")", i ? ", " : "", i);
    owl_buf_printf(&sql, " FROM (SELECT 1) AS \"one\" LEFT JOIN (SELECT * FROM (%s\n) AS "
                         "\"source\"(", query);
    for (size_t i = 0; i < count; i++)
        owl_buf_printf(&sql, "%s\"%zu\"", i ? ", " : "", i);
    owl_buf_puts(&sql, ") LIMIT 1) AS \"source\" ON true");
    bool ok = collect(d, sql.data, types);
    owl_buf_free(&sql);
    if (ok && (types->row_count != 1 || types->column_count != count)) {
        athena_run_fail(d->run, ATHENA_ERROR_SYSTEM,
                        "INTERNAL_ERROR: the column types of the CTAS query were not returned");
        ok = false;
    }
    return ok;
}

/* Stores the Trino result of CTAS and INSERT: the one column "rows". */
static bool put_rows_result(athena_ddl *d, uint64_t rows)
{
    owl_buf text = OWL_BUF_INIT;
    owl_buf_printf(&text, "\"rows\"\n\"%llu\"\n", (unsigned long long)rows);
    json_t *columns = json_pack("[{s:s, s:s, s:i, s:i}]", "name", "rows", "type", "bigint",
                                "precision", 19, "scale", 0);
    bool ok = athena_ddl_put_result(d->run, ".csv", text.data, text.len, columns);
    json_decref(columns);
    owl_buf_free(&text);
    return ok;
}

/* Returns the query text of a CTAS or INSERT (malloc'ed). */
static char *statement_query(athena_ddl *d)
{
    return strndup(d->sql + d->stmt.query_offset, d->stmt.query_length);
}

bool athena_ddl_ctas(athena_ddl *d, engine_query_stats *stats)
{
    const char *format = NULL, *external = NULL;
    for (size_t i = 0; i < d->stmt.property_count; i++) {
        if (strcmp(d->stmt.properties[i].key, "format") == 0)
            format = d->stmt.properties[i].value;
        else if (strcmp(d->stmt.properties[i].key, "external_location") == 0)
            external = d->stmt.properties[i].value;
    }
    if (format && strcasecmp(format, "parquet") != 0) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "NOT_SUPPORTED: CREATE TABLE AS SELECT with format '%s' is not supported "
                        "by this owlery build; use format = 'PARQUET'",
                        format);
        return false;
    }
    bool missing = false, exists = false;
    if (!athena_ddl_database_exists(d, d->database, &exists))
        return false;
    if (!exists) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "SCHEMA_NOT_FOUND: line 1:1: Schema '%s' does not exist",
                        d->database);
        return false;
    }
    json_t *old = athena_ddl_get_table(d, d->database, d->stmt.table, NULL, &missing);
    json_decref(old);
    if (old && d->stmt.if_not_exists)
        return put_rows_result(d, 0);
    if (old) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "TABLE_ALREADY_EXISTS: line 1:1: Destination table '%s.%s.%s' already "
                        "exists",
                        d->catalog, d->database, d->stmt.table);
        return false;
    }
    if (!missing)
        return false;

    write_target target = {0};
    target.added = json_array();
    target.existing = json_array();
    if (external) {
        target.location = athena_ddl_with_slash(external);
    } else {
        owl_buf location = OWL_BUF_INIT;
        owl_buf_printf(&location, "%stables/%s/", d->run->job->output_location, d->run->job->id);
        target.location = owl_buf_detach(&location, NULL);
    }
    char *bucket = NULL, *prefix = NULL;
    bool ok = athena_s3_location_split(target.location, &bucket, &prefix);
    if (!ok)
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "INVALID_INPUT: external_location %s is not an S3 URI", target.location);
    if (ok && external) {
        s3_read_list list = {0};
        char err[1200];
        s3_read_status status = s3_read_prefix(&d->run->call, bucket, prefix, &list, err,
                                               sizeof err);
        if (status == S3_READ_OK && list.count > 0) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            "HIVE_PATH_ALREADY_EXISTS: Target directory for table '%s.%s' "
                            "already exists: %s",
                            d->database, d->stmt.table, external);
            ok = false;
        } else if (status != S3_READ_OK && status != S3_READ_NOT_FOUND) {
            athena_ddl_fail_listing(d, status, bucket, prefix, err);
            ok = false;
        }
        s3_read_list_free(&list);
    }
    free(bucket);
    free(prefix);

    char *query = statement_query(d);
    ok = ok && bind_query(d, query);
    collected shape = {0};
    if (ok) {
        owl_buf probe = OWL_BUF_INIT;
        owl_buf_printf(&probe, "SELECT * FROM (%s\n) AS \"source\" LIMIT 0", query);
        ok = collect(d, probe.data, &shape);
        owl_buf_free(&probe);
    }
    /* The partition columns are the last columns of the query, in partitioned_by order. */
    size_t key_count = d->stmt.partitioned_by_count;
    if (ok && key_count > 0) {
        bool last = key_count < shape.column_count;
        for (size_t k = 0; last && k < key_count; k++)
            last = strcasecmp(shape.names[shape.column_count - key_count + k],
                              d->stmt.partitioned_by[k]) == 0;
        if (!last) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            "HIVE_COLUMN_ORDER_MISMATCH: Partition keys must be the last columns "
                            "in the table and in the same order as the table properties: [%s]",
                            d->stmt.partitioned_by[0]);
            ok = false;
        }
    }
    if (ok) {
        target.column_count = shape.column_count;
        target.columns = calloc(shape.column_count + 1, sizeof *target.columns);
        if (!target.columns)
            abort();
        collected nested = {0};
        for (size_t i = 0; ok && i < shape.column_count; i++) {
            /* Hive stores column names in lowercase; DuckDB matches them in any case. */
            target.columns[i].name = strdup(shape.names[i]);
            for (char *p = target.columns[i].name; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            const char *type = hive_type_of(shape.types[i]);
            if (type) {
                target.columns[i].type = strdup(type);
                continue;
            }
            if (nested.column_count == 0)
                ok = nested_types(d, query, shape.column_count, &nested);
            char *err = NULL;
            if (ok && !(target.columns[i].type = engine_duckdb_type_to_hive(
                            nested.rows[0][i] ? nested.rows[0][i] : "", &err))) {
                athena_run_fail(d->run, ATHENA_ERROR_USER, "%s (column %s)",
                                err ? err : "NOT_SUPPORTED", shape.names[i]);
                ok = false;
            }
            free(err);
        }
        collected_free(&nested);
        target.key_count = key_count;
        target.keys = target.columns + (shape.column_count - key_count);
        owl_buf_printf(&target.select, "SELECT * FROM (%s\n) AS \"source\"", query);
    }
    collected_free(&shape);

    /* The data goes first, so a failed write leaves no table behind. */
    athena_table_spec spec = {.database = d->database, .table = d->stmt.table,
                       .location = target.location, .owner = d->run->job->identity.arn,
                       .columns = target.columns,
                       .column_count = target.column_count - target.key_count,
                       .keys = target.keys, .key_count = target.key_count,
                       .serde = PARQUET_SERDE, .input_format = PARQUET_INPUT,
                       .output_format = PARQUET_OUTPUT};
    engine_kv compression = {(char *)"parquet.compression", (char *)"ZSTD"};
    spec.params = &compression;
    spec.param_count = 1;
    thrift_value *raw = ok ? athena_ddl_table_struct(&spec) : NULL;
    if (ok && !d->stmt.with_no_data)
        ok = write_rows(d, &target, raw, d->database, d->stmt.table);
    bool existing = false;
    if (ok && (ok = athena_ddl_create_table(d, &spec, &existing)) == false && existing)
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "TABLE_ALREADY_EXISTS: line 1:1: Destination table '%s.%s.%s' already "
                        "exists",
                        d->catalog, d->database, d->stmt.table);
    ok = ok && register_partitions(d, &target);
    stats->rows = target.rows;
    ok = ok && put_rows_result(d, target.rows);
    thrift_value_free(raw);
    free(query);
    write_target_free(&target);
    return ok;
}

bool athena_ddl_insert(athena_ddl *d, engine_query_stats *stats)
{
    bool missing = false;
    thrift_value *raw = NULL;
    json_t *table = athena_ddl_get_table(d, d->database, d->stmt.table, &raw, &missing);
    if (!table && missing)
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "TABLE_NOT_FOUND: line 1:13: Table '%s.%s.%s' does not exist", d->catalog,
                        d->database, d->stmt.table);
    if (!table)
        return false;
    const char *serde = athena_ddl_parameter(table, "serde.serialization.lib");
    bool ok = true;
    if (!serde || strcmp(serde, PARQUET_SERDE) != 0) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "NOT_SUPPORTED: INSERT INTO table %s.%s with serde %s is not supported "
                        "by this owlery build; only Parquet tables can be written",
                        d->database, d->stmt.table, serde ? serde : "(none)");
        ok = false;
    }

    write_target target = {0};
    target.added = json_array();
    size_t data_count, key_count;
    engine_column *data = athena_ddl_columns(json_object_get(table, "Columns"), &data_count);
    engine_column *keys = athena_ddl_columns(json_object_get(table, "PartitionKeys"), &key_count);
    target.column_count = data_count + key_count;
    target.key_count = key_count;
    target.columns = calloc(target.column_count + 1, sizeof *target.columns);
    if (!target.columns)
        abort();
    for (size_t i = 0; i < target.column_count; i++) {
        const engine_column *c = i < data_count ? &data[i] : &keys[i - data_count];
        target.columns[i].name = strdup(c->name);
        target.columns[i].type = strdup(c->type);
    }
    target.keys = target.columns + data_count;
    target.location = athena_ddl_with_slash(athena_ddl_parameter(table, "location")
                                     ? athena_ddl_parameter(table, "location") : "");
    target.existing = key_count && ok ? athena_ddl_partition_names(d, d->database, d->stmt.table)
                                      : json_array();
    ok = ok && target.existing;

    char *query = statement_query(d);
    ok = ok && bind_query(d, query);
    collected shape = {0};
    if (ok) {
        owl_buf probe = OWL_BUF_INIT;
        owl_buf_printf(&probe, "SELECT * FROM (%s\n) AS \"source\" LIMIT 0", query);
        ok = collect(d, probe.data, &shape);
        owl_buf_free(&probe);
    }
    /* source[i] is the query column that fills table column i, or -1 for NULL. */
    long *source = calloc(target.column_count + 1, sizeof *source);
    if (!source)
        abort();
    for (size_t i = 0; i < target.column_count; i++)
        source[i] = d->stmt.column_count ? -1 : (long)i;
    for (size_t j = 0; ok && j < d->stmt.column_count; j++) {
        size_t i = 0;
        while (i < target.column_count && strcasecmp(target.columns[i].name, d->stmt.columns[j]))
            i++;
        if (i == target.column_count) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            "COLUMN_NOT_FOUND: line 1:1: Insert column name does not exist in "
                            "target table: %s",
                            d->stmt.columns[j]);
            ok = false;
        } else if (source[i] != -1) {
            athena_run_fail(d->run, ATHENA_ERROR_USER,
                            "DUPLICATE_COLUMN_NAME: line 1:1: Insert column name is specified "
                            "more than once: %s",
                            d->stmt.columns[j]);
            ok = false;
        } else {
            source[i] = (long)j;
        }
    }
    size_t expected = d->stmt.column_count ? d->stmt.column_count : target.column_count;
    if (ok && shape.column_count != expected) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "TYPE_MISMATCH: line 1:1: Insert query has %zu columns but table "
                        "%s.%s.%s has %zu",
                        shape.column_count, d->catalog, d->database, d->stmt.table, expected);
        ok = false;
    }

    /*
     * Rename the query's columns by position to "source"("0", "1", ...),
     * so duplicate or unnamed columns cannot clash, and cast each to the
     * type of the table column it fills.
     */
    if (ok) {
        owl_buf_puts(&target.select, "SELECT ");
        for (size_t i = 0; ok && i < target.column_count; i++) {
            char *err = NULL;
            char *duck = engine_hive_type_to_duckdb(target.columns[i].type, &err);
            if (!duck) {
                athena_run_fail(d->run, ATHENA_ERROR_USER, "HIVE_INVALID_METADATA: %s",
                                err ? err : "invalid column type");
                free(err);
                ok = false;
                break;
            }
            if (source[i] >= 0)
                owl_buf_printf(&target.select, "%sCAST(\"source\".\"%ld\" AS %s) AS ",
                               i ? ", " : "", source[i], duck);
            else
                owl_buf_printf(&target.select, "%sCAST(NULL AS %s) AS ", i ? ", " : "", duck);
            put_ident(&target.select, target.columns[i].name);
            free(duck);
        }
        owl_buf_printf(&target.select, " FROM (%s\n) AS \"source\"(", query);
        for (size_t j = 0; j < shape.column_count; j++)
            owl_buf_printf(&target.select, "%s\"%zu\"", j ? ", " : "", j);
        owl_buf_putc(&target.select, ')');
    }
    free(source);
    collected_free(&shape);
    ok = ok && write_rows(d, &target, raw, d->database, d->stmt.table);
    ok = ok && register_partitions(d, &target);
    stats->rows = target.rows;
    ok = ok && put_rows_result(d, target.rows);
    free(query);
    free(data);
    free(keys);
    write_target_free(&target);
    thrift_value_free(raw);
    json_decref(table);
    return ok;
}
