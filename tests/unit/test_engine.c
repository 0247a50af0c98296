/*
 * Tests of src/engine against a real DuckDB: table extraction, Hive DDL,
 * binding of text, CSV, JSON and Parquet tables generated in a temporary
 * folder, partition pruning, queries, result files, errors and interruption.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/util.h"
#include "engine/engine.h"
#include "unit.h"

static char tmpdir[] = "/tmp/owl-engine-XXXXXX";
static engine_db *db;

static char *path_in_tmp(const char *name) {
    owl_buf b = OWL_BUF_INIT;
    owl_buf_printf(&b, "%s/%s", tmpdir, name);
    return owl_buf_detach(&b, NULL);
}

static char *write_tmp(const char *name, const char *data, size_t len) {
    char *p = path_in_tmp(name);
    FILE *f = fopen(p, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    return p;
}

/* A sink that joins every row as "a|b|NULL" lines. */
typedef struct collect {
    owl_buf out;
    owl_buf header;
} collect;

static bool collect_begin(void *ctx, const engine_result_column *cols, size_t n, char **err) {
    collect *c = ctx;
    for (size_t i = 0; i < n; i++)
        owl_buf_printf(&c->header, "%s%s:%s", i ? "|" : "", cols[i].name, cols[i].athena_type);
    return true;
}

static bool collect_row(void *ctx, const char *const *v, const size_t *len, size_t n, char **err) {
    collect *c = ctx;
    for (size_t i = 0; i < n; i++) {
        if (i)
            owl_buf_putc(&c->out, '|');
        if (v[i])
            owl_buf_append(&c->out, v[i], len[i]);
        else
            owl_buf_puts(&c->out, "NULL");
    }
    owl_buf_putc(&c->out, '\n');
    return true;
}

/* Runs sql and returns its rows as text (caller frees) or "ERROR: <message>". */
static char *run_opts(const char *sql, const engine_query_options *opts, char **header) {
    collect c = {OWL_BUF_INIT, OWL_BUF_INIT};
    engine_result_sink sink = {collect_begin, collect_row, NULL, &c};
    char *err = NULL;
    if (!engine_query_run(db, sql, opts, &sink, NULL, &err)) {
        owl_buf_reset(&c.out);
        owl_buf_printf(&c.out, "ERROR: %s", err);
        free(err);
    }
    if (header)
        *header = owl_buf_detach(&c.header, NULL);
    owl_buf_free(&c.header);
    return owl_buf_detach(&c.out, NULL);
}

static char *run(const char *sql) {
    return run_opts(sql, NULL, NULL);
}

#define CHECK_QUERY(sql, expected)                                                      \
    do {                                                                                \
        char *got_ = run(sql);                                                          \
        CHECK_STR(got_, expected);                                                      \
        free(got_);                                                                     \
    } while (0)

/* ------------------------------------------------------------------ */

static void tables_select_join_cte(void) {
    engine_table_refs refs;
    char *err = NULL;
    const char *sql =
        "WITH recent AS (SELECT * FROM \"EHMS\".\"Sales\".\"Flights\" WHERE y > 1)\n"
        "SELECT * FROM recent r JOIN sales.airports a ON r.o = a.code\n"
        "WHERE r.x IN (SELECT x FROM carriers) UNION ALL SELECT * FROM recent";
    CHECK(engine_sql_tables(db, sql, "AwsDataCatalog", "default", &refs, &err));
    CHECK_INT(refs.kind, ENGINE_STMT_SELECT);
    CHECK_INT(refs.count, 3);
    if (refs.count == 3) {
        CHECK_STR(refs.items[0].catalog, "ehms");
        CHECK_STR(refs.items[0].database, "sales");
        CHECK_STR(refs.items[0].table, "flights");
        CHECK_INT(refs.items[0].line, 1);
        CHECK_INT(refs.items[0].column, 31);
        CHECK_STR(refs.items[1].catalog, "awsdatacatalog");
        CHECK_STR(refs.items[1].database, "sales");
        CHECK_STR(refs.items[1].table, "airports");
        CHECK_INT(refs.items[1].line, 2);
        CHECK_STR(refs.items[2].database, "default");
        CHECK_STR(refs.items[2].table, "carriers");
    }
    engine_table_refs_free(&refs);
    free(err);
}

static void tables_syntax_error_position(void) {
    engine_table_refs refs;
    char *err = NULL;
    CHECK(!engine_sql_tables(db, "SELECT a FROM t WHERE", "c", "d", &refs, &err));
    CHECK_STR(err, "SYNTAX_ERROR: line 1:22: syntax error at end of input");
    free(err);
    err = NULL;
    CHECK(!engine_sql_tables(db, "SELECT a\nFROM t WHER x = 1", "c", "d", &refs, &err));
    CHECK_STR(err, "SYNTAX_ERROR: line 2:13: syntax error at or near \"x\"");
    free(err);
}

static void tables_ddl_and_ctas(void) {
    engine_table_refs refs;
    char *err = NULL;
    CHECK(engine_sql_tables(db, "DESCRIBE sales.flights", "ehms", "x", &refs, &err));
    CHECK_INT(refs.kind, ENGINE_STMT_DESCRIBE);
    CHECK_INT(refs.count, 1);
    if (refs.count == 1) {
        CHECK_STR(refs.items[0].catalog, "ehms");
        CHECK_STR(refs.items[0].database, "sales");
        CHECK_STR(refs.items[0].table, "flights");
    }
    engine_table_refs_free(&refs);

    CHECK(engine_sql_tables(db, "SHOW TABLES IN sales", "ehms", "x", &refs, &err));
    CHECK_INT(refs.kind, ENGINE_STMT_SHOW);
    CHECK_INT(refs.count, 0);
    engine_table_refs_free(&refs);

    CHECK(engine_sql_tables(db, "MSCK REPAIR TABLE `logs`", "ehms", "web", &refs, &err));
    CHECK_INT(refs.kind, ENGINE_STMT_MSCK_REPAIR);
    CHECK(refs.count == 1 && strcmp(refs.items[0].table, "logs") == 0 && refs.items[0].target);
    engine_table_refs_free(&refs);

    CHECK(engine_sql_tables(db, "ALTER TABLE t ADD PARTITION (dt='2020') LOCATION 's3://b/p/'",
                            "c", "d", &refs, &err));
    CHECK_INT(refs.kind, ENGINE_STMT_ALTER_TABLE);
    engine_table_refs_free(&refs);

    CHECK(engine_sql_tables(db,
                            "CREATE TABLE new_t WITH (format = 'PARQUET') AS SELECT * FROM src JOIN "
                            "other.o ON true",
                            "c", "d", &refs, &err));
    CHECK_INT(refs.kind, ENGINE_STMT_CTAS);
    CHECK_INT(refs.count, 3);
    if (refs.count == 3) {
        CHECK_STR(refs.items[0].table, "new_t");
        CHECK(refs.items[0].target);
        CHECK_STR(refs.items[1].table, "src");
        CHECK(!refs.items[1].target);
        CHECK_STR(refs.items[2].database, "other");
    }
    engine_table_refs_free(&refs);

    CHECK(engine_sql_tables(db, "INSERT INTO db2.t (a, b) SELECT a, b FROM s", "c", "d", &refs, &err));
    CHECK_INT(refs.kind, ENGINE_STMT_INSERT);
    CHECK(refs.count == 2 && strcmp(refs.items[0].database, "db2") == 0 &&
          strcmp(refs.items[1].table, "s") == 0);
    engine_table_refs_free(&refs);

    CHECK_INT(engine_sql_classify("create database if not exists x"), ENGINE_STMT_CREATE_DATABASE);
    CHECK_INT(engine_sql_classify("DROP TABLE IF EXISTS x"), ENGINE_STMT_DROP_TABLE);
    CHECK_INT(engine_sql_classify("SHOW PARTITIONS x"), ENGINE_STMT_SHOW);
    CHECK_INT(engine_sql_classify("(SELECT 1)"), ENGINE_STMT_SELECT);
    CHECK_STR(engine_stmt_kind_name(ENGINE_STMT_CREATE_EXTERNAL_TABLE), "create_external_table");
    free(err);
}

static void ddl_create_external_table(void) {
    const char *sql =
        "CREATE EXTERNAL TABLE IF NOT EXISTS `Sales`.flights (\n"
        "  id INT COMMENT 'row id',\n"
        "  Price DECIMAL(10, 2),\n"
        "  tags ARRAY<STRUCT<a:INT, b:STRING>>,\n"
        "  attrs MAP<STRING,INT>\n"
        ") PARTITIONED BY (year INT, month STRING)\n"
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\001' ESCAPED BY '\\\\' NULL DEFINED AS ''\n"
        "STORED AS TEXTFILE\n"
        "LOCATION 's3://athena-test/lambda/dataset/'\n"
        "TBLPROPERTIES ('skip.header.line.count'='1', 'has_encrypted_data'='false');";
    engine_ddl_table t;
    char *err = NULL;
    CHECK(engine_ddl_parse(sql, strlen(sql), &t, &err));
    CHECK(err == NULL);
    CHECK(t.external && t.if_not_exists);
    CHECK_STR(t.database, "sales");
    CHECK_STR(t.table, "flights");
    CHECK_INT(t.column_count, 4);
    if (t.column_count == 4) {
        CHECK_STR(t.columns[0].type, "int");
        CHECK_STR(t.columns[0].comment, "row id");
        CHECK_STR(t.columns[1].name, "price");
        CHECK_STR(t.columns[1].type, "decimal(10,2)");
        CHECK_STR(t.columns[2].type, "array<struct<a:int,b:string>>");
        CHECK_STR(t.columns[3].type, "map<string,int>");
    }
    CHECK_INT(t.partition_key_count, 2);
    if (t.partition_key_count == 2)
        CHECK_STR(t.partition_keys[1].name, "month");
    CHECK_STR(t.serde, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
    CHECK_STR(t.input_format, "org.apache.hadoop.mapred.TextInputFormat");
    CHECK_STR(t.location, "s3://athena-test/lambda/dataset/");
    CHECK_INT(t.serde_param_count, 4);
    if (t.serde_param_count == 4) {
        CHECK_STR(t.serde_params[0].key, "field.delim");
        CHECK_STR(t.serde_params[0].value, "\001");
        CHECK_STR(t.serde_params[2].key, "escape.delim");
        CHECK_STR(t.serde_params[2].value, "\\");
        CHECK_STR(t.serde_params[3].key, "serialization.null.format");
        CHECK_STR(t.serde_params[3].value, "");
    }
    CHECK_INT(t.table_param_count, 2);
    engine_ddl_table_free(&t);

    const char *serde =
        "create external table t (a string) row format serde "
        "'org.apache.hadoop.hive.serde2.OpenCSVSerde' with serdeproperties ('separatorChar' = '\\t', "
        "'quoteChar' = '\"') stored as inputformat 'org.apache.hadoop.mapred.TextInputFormat' "
        "outputformat 'x.Out' location 's3://b/'";
    CHECK(engine_ddl_parse(serde, strlen(serde), &t, &err));
    CHECK_STR(t.serde, "org.apache.hadoop.hive.serde2.OpenCSVSerde");
    CHECK(t.serde_param_count == 2 && strcmp(t.serde_params[0].value, "\t") == 0);
    CHECK_STR(t.output_format, "x.Out");
    engine_ddl_table_free(&t);

    const char *parquet = "CREATE EXTERNAL TABLE p (a bigint) STORED AS PARQUET LOCATION 's3://b/p/'";
    CHECK(engine_ddl_parse(parquet, strlen(parquet), &t, &err));
    CHECK_STR(t.serde, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
    engine_ddl_table_free(&t);

    const char *bad = "CREATE EXTERNAL TABLE t (a array<int) LOCATION 's3://b/'";
    CHECK(!engine_ddl_parse(bad, strlen(bad), &t, &err));
    CHECK(err && strncmp(err, "SYNTAX_ERROR: line 1:28: invalid Hive type", 42) == 0);
    free(err);
    err = NULL;
    const char *unterminated = "CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/";
    CHECK(!engine_ddl_parse(unterminated, strlen(unterminated), &t, &err));
    CHECK_STR(err, "SYNTAX_ERROR: line 1:42: unterminated quoted text");
    free(err);
}

static void hive_type_translation(void) {
    static const char *const cases[][2] = {
        {"int", "INTEGER"},
        {"tinyint", "TINYINT"},
        {"decimal(10,2)", "DECIMAL(10,2)"},
        {"decimal", "DECIMAL(10,0)"},
        {"varchar(20)", "VARCHAR"},
        {"array<struct<a:int,b:string>>", "STRUCT(\"a\" INTEGER, \"b\" VARCHAR)[]"},
        {"map<string,array<bigint>>", "MAP(VARCHAR, BIGINT[])"},
        {"struct<`Odd Name`:double>", "STRUCT(\"odd name\" DOUBLE)"},
        {"binary", "BLOB"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = engine_hive_type_to_duckdb(cases[i][0], NULL);
        CHECK_STR(got, cases[i][1]);
        free(got);
    }
    static const char *const invalid[] = {"", "int<", "array<int", "map<array<int>,int>", "decimal(40,2)",
                                          "varchar", "uniontype<int>", "struct<a int>", "int extra"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char *err = NULL;
        char *got = engine_hive_type_to_duckdb(invalid[i], &err);
        CHECK(got == NULL);
        CHECK(err && strstr(err, "invalid Hive type"));
        free(got);
        free(err);
    }
    char *athena = engine_hive_type_to_athena("float", NULL);
    CHECK_STR(athena, "real");
    free(athena);
}

/* ------------------------------------------------------------------ */

static const engine_kv no_params[1];

static engine_file one_file(const char *path) {
    struct stat st;
    stat(path, &st);
    return (engine_file){path, (uint64_t)st.st_size, NULL};
}

static void bind_text_tables(void) {
    char *err = NULL;
    /* \001 default delimiter, \N nulls, a bad integer, a short row, header skip. */
    const char data[] = "id\001name\001score\001tags\n"
                        "1\001alice\0011.5\001a\002b\n"
                        "2\001\\N\001x\001\n"
                        "3\001\0012.25\n"
                        "4\n";
    char *p = write_tmp("people.txt", data, sizeof data - 1);
    engine_column cols[] = {{"id", "int", NULL}, {"name", "string", NULL},
                            {"score", "double", NULL}, {"tags", "array<string>", NULL}};
    engine_kv tparams[] = {{"skip.header.line.count", "1"}};
    engine_file files[] = {one_file(p)};
    engine_table t = {cols, 4, NULL, 0, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      no_params, 0, "org.apache.hadoop.mapred.TextInputFormat", tparams, 1, files, 1};
    CHECK(engine_bind_table(db, "ehms", "sales", "people", &t, &err));
    CHECK(err == NULL);
    CHECK_QUERY("SELECT * FROM ehms.sales.people ORDER BY id",
                "1|alice|1.5|[a, b]\n2|NULL|NULL|[]\n3||2.25|NULL\n4|NULL|NULL|NULL\n");

    /* Tab-delimited through field.delim, with a custom null format. */
    const char tsv[] = "10\tx\n11\tNULL\n";
    char *p2 = write_tmp("tab.tsv", tsv, sizeof tsv - 1);
    engine_column cols2[] = {{"k", "bigint", NULL}, {"v", "varchar(10)", NULL}};
    engine_kv sparams[] = {{"field.delim", "\t"}, {"serialization.null.format", "NULL"}};
    engine_file files2[] = {one_file(p2)};
    engine_table t2 = {cols2, 2, NULL, 0, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                       sparams, 2, NULL, NULL, 0, files2, 1};
    CHECK(engine_bind_table(db, "ehms", "sales", "tabbed", &t2, &err));
    CHECK_QUERY("SELECT k, v, v IS NULL FROM ehms.sales.tabbed ORDER BY k", "10|x|false\n11|NULL|true\n");

    /* OpenCSVSerde: quoted fields with commas, empty strings stay ''. */
    const char csv[] = "\"a,1\",\"2\",\"\"\n\"b \\\"q\\\"\",\"x\",\"z\"\n";
    char *p3 = write_tmp("quoted.csv", csv, sizeof csv - 1);
    engine_column cols3[] = {{"s", "string", NULL}, {"n", "int", NULL}, {"e", "string", NULL}};
    engine_kv csvparams[] = {{"separatorChar", ","}, {"quoteChar", "\""}, {"escapeChar", "\\"}};
    engine_file files3[] = {one_file(p3)};
    engine_table t3 = {cols3, 3, NULL, 0, "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                       csvparams, 3, NULL, NULL, 0, files3, 1};
    CHECK(engine_bind_table(db, "ehms", "sales", "quoted", &t3, &err));
    CHECK_QUERY("SELECT s, n, e = '' FROM ehms.sales.quoted ORDER BY s",
                "a,1|2|true\nb \"q\"|NULL|false\n");
    free(p);
    free(p2);
    free(p3);
    free(err);
}

static void bind_json_and_parquet(void) {
    char *err = NULL;
    const char json[] = "{\"Id\": 1, \"Name\": \"x\", \"tags\": [1,2]}\n"
                        "{\"id\": 2, \"name\": \"y\", \"extra\": true}\n"
                        "{\"id\": \"bad\"}\n";
    char *p = write_tmp("rows.json", json, sizeof json - 1);
    engine_column cols[] = {{"id", "int", NULL}, {"name", "string", NULL}, {"tags", "array<int>", NULL}};
    engine_file files[] = {one_file(p)};
    engine_table t = {cols, 3, NULL, 0, "org.openx.data.jsonserde.JsonSerDe", NULL, 0, NULL, NULL, 0,
                      files, 1};
    CHECK(engine_bind_table(db, "awsdatacatalog", "default", "events", &t, &err));
    CHECK(err == NULL);
    CHECK_QUERY("SELECT id, name, tags FROM awsdatacatalog.default.events ORDER BY id NULLS LAST",
                "1|x|[1, 2]\n2|y|NULL\nNULL|NULL|NULL\n");

    /* Parquet written by DuckDB itself. */
    char *pq = path_in_tmp("nums.parquet");
    owl_buf sql = OWL_BUF_INIT;
    owl_buf_printf(&sql,
                   "SELECT i AS n, 'v' || i AS label, CAST(i * 1.25 AS DECIMAL(10,2)) AS amount "
                   "FROM range(1, 6) t(i)");
    uint64_t rows = 0;
    CHECK(engine_query_to_parquet(db, sql.data, NULL, pq, &rows, &err));
    CHECK_INT(rows, 5);
    owl_buf_free(&sql);
    engine_column pcols[] = {{"N", "bigint", NULL}, {"label", "string", NULL},
                             {"amount", "decimal(10,2)", NULL}, {"missing_col_is_error", "int", NULL}};
    engine_file pfiles[] = {one_file(pq)};
    engine_table pt = {pcols, 3, NULL, 0, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                       NULL, 0, NULL, NULL, 0, pfiles, 1};
    CHECK(engine_bind_table(db, "awsdatacatalog", "default", "nums", &pt, &err));
    char *header = NULL;
    char *got = run_opts("SELECT n, label, amount FROM nums WHERE n >= 4 ORDER BY n",
                         &(engine_query_options){"AwsDataCatalog", "default", NULL, 0}, &header);
    CHECK_STR(got, "4|v4|5.00\n5|v5|6.25\n");
    CHECK_STR(header, "n:bigint|label:varchar|amount:decimal(10,2)");
    free(got);
    free(header);

    /* An empty file list still has the columns. */
    engine_table empty = {pcols, 2, NULL, 0, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                          NULL, 0, NULL, NULL, 0, NULL, 0};
    CHECK(engine_bind_table(db, "awsdatacatalog", "default", "nothing", &empty, &err));
    got = run_opts("SELECT * FROM awsdatacatalog.default.nothing", NULL, &header);
    CHECK_STR(got, "");
    CHECK_STR(header, "n:bigint|label:varchar");
    free(got);
    free(header);
    free(p);
    free(pq);
    free(err);
}

static engine_column part_cols[] = {{"v", "int", NULL}};
static engine_column part_keys[] = {{"year", "int", NULL}, {"month", "string", NULL}};

static void partitions_bind_and_prune(void) {
    char *err = NULL;
    const char *const pv[3][2] = {{"2014", "12"}, {"2015", "01"}, {"2015", "__HIVE_DEFAULT_PARTITION__"}};
    engine_file files[3];
    char *paths[3];
    for (int i = 0; i < 3; i++) {
        char name[32], data[32];
        snprintf(name, sizeof name, "part%d.txt", i);
        snprintf(data, sizeof data, "%d\n%d\n", i * 10, i * 10 + 1);
        paths[i] = write_tmp(name, data, strlen(data));
        files[i] = one_file(paths[i]);
        files[i].partition_values = pv[i];
    }
    engine_table t = {part_cols, 1, part_keys, 2, NULL, NULL, 0, NULL, NULL, 0, files, 3};
    CHECK(engine_bind_table(db, "ehms", "web", "logs", &t, &err));
    CHECK(err == NULL);
    CHECK_QUERY("SELECT v, year, month FROM ehms.web.logs ORDER BY v",
                "0|2014|12\n1|2014|12\n10|2015|01\n11|2015|01\n20|2015|NULL\n21|2015|NULL\n");

    engine_table_ref ref = {"ehms", "web", "logs", 0, 0, false};
    const char *const *values[3] = {pv[0], pv[1], pv[2]};
    const char *const nullpart[2] = {"2015", NULL};
    values[2] = nullpart;
    static const struct {
        const char *where;
        const char *keep;
    } cases[] = {
        {"year = 2015", "011"},
        {"year > 2014 AND month = '01'", "010"},
        {"month IN ('12', '01')", "110"},
        {"month NOT IN ('12')", "010"},
        {"year BETWEEN 2010 AND 2014", "100"},
        {"month IS NULL", "001"},
        {"year = 2014 OR month = '01'", "110"},
        {"v > 3", "111"},
        {"lower(month) = '12'", "111"},
        {"l.year <> 2015", "100"},
        {"NOT (year = 2015)", "100"},
        {"2015 <= year AND month < '05'", "010"},
        {"CAST('2014' AS INTEGER) = year", "100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT * FROM web.logs l WHERE %s", cases[i].where);
        bool keep[3];
        CHECK(engine_prune_partitions(db, sql, &ref, "ehms", "default", part_keys, 2, values, 3, keep, &err));
        char got[4] = {keep[0] ? '1' : '0', keep[1] ? '1' : '0', keep[2] ? '1' : '0', 0};
        if (strcmp(got, cases[i].keep) != 0)
            fprintf(stderr, "prune case %s\n", cases[i].where);
        CHECK_STR(got, cases[i].keep);
    }
    /* A second, unfiltered use of the table keeps everything. */
    bool keep[3];
    CHECK(engine_prune_partitions(db,
                                  "SELECT * FROM ehms.web.logs WHERE year = 2014 UNION ALL "
                                  "SELECT * FROM ehms.web.logs",
                                  &ref, "x", "y", part_keys, 2, values, 3, keep, &err));
    CHECK(keep[0] && keep[1] && keep[2]);
    /* An outer join cannot be pruned from WHERE. */
    CHECK(engine_prune_partitions(db,
                                  "SELECT * FROM a LEFT JOIN ehms.web.logs l ON true WHERE l.year = 2014",
                                  &ref, "x", "y", part_keys, 2, values, 3, keep, &err));
    CHECK(keep[0] && keep[1] && keep[2]);

    char *filter = engine_metastore_filter(
        db, "SELECT * FROM logs WHERE month = '2015-01' AND year > 2014 AND v = 3 AND year IN (1, 2)",
        &ref, "ehms", "web", part_keys, 2, &err);
    CHECK_STR(filter, "month = '2015-01' and year > 2014 and (year = 1 or year = 2)");
    free(filter);
    filter = engine_metastore_filter(db, "SELECT * FROM logs WHERE month = 'it''s'", &ref, "ehms", "web",
                                     part_keys, 2, &err);
    CHECK_STR(filter, "");
    free(filter);
    for (int i = 0; i < 3; i++)
        free(paths[i]);
    free(err);
}

/* ------------------------------------------------------------------ */

static void queries_over_bound_tables(void) {
    /* Joins, aggregates, windows, CTEs, UNION, VALUES and subqueries over earlier bindings. */
    CHECK_QUERY("SELECT p.name, l.year FROM ehms.sales.people p JOIN ehms.web.logs l ON p.id = l.v "
                "ORDER BY 1",
                "alice|2014\n");
    CHECK_QUERY("SELECT year, count(*), sum(v) FROM ehms.web.logs GROUP BY year ORDER BY year",
                "2014|2|1\n2015|4|62\n");
    CHECK_QUERY("SELECT v, row_number() OVER (PARTITION BY year ORDER BY v DESC) FROM ehms.web.logs "
                "WHERE year = 2014 ORDER BY v",
                "0|2\n1|1\n");
    CHECK_QUERY("WITH t AS (SELECT v FROM ehms.web.logs WHERE v < 2) SELECT sum(v) FROM t", "1\n");
    CHECK_QUERY("SELECT id FROM ehms.sales.people WHERE id < 2 UNION ALL SELECT v FROM ehms.web.logs "
                "WHERE v = 20 ORDER BY 1",
                "1\n20\n");
    CHECK_QUERY("SELECT * FROM (VALUES (1, 'a'), (2, NULL)) AS t(x, y)", "1|a\n2|NULL\n");
    CHECK_QUERY("SELECT name FROM ehms.sales.people WHERE id IN (SELECT v FROM ehms.web.logs)", "alice\n");
    CHECK_QUERY("SELECT ? + 1, ?", "ERROR: INVALID_PARAMETER_USAGE: the query has 2 parameters but 0 values were given");
    const char *params[] = {"41", NULL};
    char *got = run_opts("SELECT CAST(? AS INTEGER) + 1, ? IS NULL",
                         &(engine_query_options){NULL, NULL, params, 2}, NULL);
    CHECK_STR(got, "42|true\n");
    free(got);
}

static void values_formatted_as_athena(void) {
    char *header = NULL;
    char *got = run_opts("SELECT 1.5::DOUBLE, 1e10::DOUBLE, 0.0001::DOUBLE, 100::DOUBLE, "
                         "CAST(12.5 AS DECIMAL(10,2)), TIMESTAMP '2026-12-04 19:50:01.5', "
                         "DATE '2026-12-04', true, CAST(0.1 AS REAL), [1, NULL], MAP(['k'], [2]), "
                         "{'a': 1, 'b': 'x'}, 'hi'::BLOB, 'nan'::DOUBLE, 123456789::BIGINT, "
                         "-0.5::DOUBLE, CAST(-1.05 AS DECIMAL(4,2))",
                         NULL, &header);
    CHECK_STR(got, "1.5|1.0E10|1.0E-4|100.0|12.50|2026-12-04 19:50:01.500|2026-12-04|true|0.1|"
                   "[1, null]|{k=2}|{a=1, b=x}|68 69|NaN|123456789|-0.5|-1.05\n");
    CHECK(header && strstr(header, ":double|") && strstr(header, ":decimal(10,2)|") &&
          strstr(header, ":timestamp|") && strstr(header, ":real|") && strstr(header, ":array|") &&
          strstr(header, ":map|") && strstr(header, ":row|") && strstr(header, ":varbinary|"));
    free(got);
    free(header);
}

static void errors_mapped_to_athena(void) {
    CHECK_QUERY("SELECT x FROM ehms.sales.people",
                "ERROR: COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved");
    CHECK_QUERY("SELECT * FROM ehms.sales.nope",
                "ERROR: TABLE_NOT_FOUND: line 1:15: Table 'ehms.sales.nope' does not exist");
    CHECK_QUERY("SELECT * FROM\n  nope",
                "ERROR: TABLE_NOT_FOUND: line 2:3: Table 'nope' does not exist");
    CHECK_QUERY("SELECT * FORM t", "ERROR: SYNTAX_ERROR: line 1:15: syntax error at or near \"t\"");
    CHECK_QUERY("SELECT nofunc(1)",
                "ERROR: FUNCTION_NOT_FOUND: line 1:8: Function 'nofunc' not registered");
    CHECK_QUERY("SELECT * FROM read_csv('/etc/passwd')",
                "ERROR: FUNCTION_NOT_FOUND: line 1:15: Table function 'read_csv' not registered");
    CHECK_QUERY("SELECT * FROM '/etc/hosts.csv'",
                "ERROR: TABLE_NOT_FOUND: line 1:15: Table '/etc/hosts.csv' does not exist");
    CHECK_QUERY("SELECT 1; SELECT 2", "ERROR: SYNTAX_ERROR: line 1:1: expected exactly one statement, found 2");
    CHECK_QUERY("SELECT CAST('x' AS INTEGER)",
                "ERROR: INVALID_CAST_ARGUMENT: line 1:8: Could not convert string 'x' to INT32");
    char *e = engine_error_from_duckdb("SELECT\n  é, zz FROM t",
                                       "Binder Error: Referenced column \"zz\" not found in FROM clause!", 13);
    CHECK_STR(e, "COLUMN_NOT_FOUND: line 2:6: Column 'zz' cannot be resolved");
    free(e);
}

/* ------------------------------------------------------------------ */

static void result_csv_round_trip(void) {
    char *csv = path_in_tmp("result.csv");
    char *meta = path_in_tmp("result.csv.metadata");
    char *err = NULL;
    engine_csv_writer *w = engine_csv_writer_open(csv, meta, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    engine_result_sink sink = engine_csv_writer_sink(w);
    engine_query_stats stats;
    CHECK(engine_query_run(db,
                           "SELECT * FROM (VALUES (1, 'plain', 'a,b'), (2, '', 'say \"hi\"'), "
                           "(3, NULL, 'line1\nline2')) t(\"id\", \"s\", \"Odd \"\"name\"\"\") ORDER BY 1",
                           NULL, &sink, &stats, &err));
    CHECK(engine_csv_writer_close(w, &err));
    CHECK_INT(stats.rows, 3);
    FILE *f = fopen(csv, "rb");
    char text[512] = {0};
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* Athena returns column names lowercased, quoted or not. */
    CHECK_STR(text, "\"id\",\"s\",\"odd \"\"name\"\"\"\n"
                    "\"1\",\"plain\",\"a,b\"\n"
                    "\"2\",\"\",\"say \"\"hi\"\"\"\n"
                    "\"3\",,\"line1\nline2\"\n");

    engine_result_page_t page;
    CHECK(engine_result_page(csv, 0, 2, &page, &err));
    CHECK_INT(page.row_count, 2);
    CHECK_INT(page.column_count, 3);
    uint64_t next = page.next_offset;
    CHECK(next > 0);
    if (page.row_count == 2) {
        CHECK_STR(page.rows[0][2], "odd \"name\"");
        CHECK_STR(page.rows[1][2], "a,b");
    }
    engine_result_page_free(&page);
    CHECK(engine_result_page(csv, next, 10, &page, &err));
    CHECK_INT(page.row_count, 2);
    CHECK_INT(page.next_offset, 0);
    if (page.row_count == 2) {
        CHECK_STR(page.rows[0][1], "");
        CHECK(page.rows[1][1] == NULL);
        CHECK_STR(page.rows[1][2], "line1\nline2");
    }
    engine_result_page_free(&page);
    CHECK(!engine_result_page(csv, 3, 10, &page, &err));
    CHECK(err && strstr(err, "not the start of a row"));

    size_t count = 0;
    engine_result_column *cols = engine_result_metadata_read(meta, &count, &err);
    CHECK_INT(count, 3);
    if (cols && count == 3) {
        CHECK_STR(cols[0].athena_type, "integer");
        CHECK_STR(cols[1].athena_type, "varchar");
        CHECK_STR(cols[2].name, "odd \"name\"");
    }
    engine_result_columns_free(cols, count);
    free(csv);
    free(meta);
    free(err);
}

static void *interrupt_later(void *arg) {
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    engine_db_interrupt(arg);
    return NULL;
}

static void interrupt_long_query(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, interrupt_later, db);
    int64_t started = owl_monotonic_ms();
    char *got = run("SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b");
    int64_t elapsed = owl_monotonic_ms() - started;
    pthread_join(thread, NULL);
    CHECK_STR(got, "ERROR: USER_CANCELLED: Query was cancelled");
    CHECK(elapsed < 1300);
    free(got);
    /* The next query runs normally. */
    CHECK_QUERY("SELECT 1", "1\n");
}

static void bind_many_partitions(void) {
    enum { N = 10000 };
    char *err = NULL;
    char *path = write_tmp("one.txt", "7\n", 2);
    engine_file *files = calloc(N, sizeof *files);
    char (*values)[16] = calloc(N, 16);
    const char **pv = calloc(N, sizeof *pv);
    char **paths = calloc(N, sizeof *paths);
    for (int i = 0; i < N; i++) {
        /* Distinct paths (DuckDB lists each file once), all pointing at the same bytes. */
        owl_buf b = OWL_BUF_INIT;
        owl_buf_printf(&b, "%s/many/d=%d.txt", tmpdir, i);
        paths[i] = owl_buf_detach(&b, NULL);
        snprintf(values[i], 16, "%d", i);
        pv[i] = values[i];
        files[i] = (engine_file){paths[i], 2, &pv[i]};
    }
    char *dir = path_in_tmp("many");
    mkdir(dir, 0700);
    for (int i = 0; i < N; i++)
        CHECK(link(path, paths[i]) == 0);
    engine_column key[] = {{"d", "int", NULL}};
    engine_table t = {part_cols, 1, key, 1, NULL, NULL, 0, NULL, NULL, 0, files, N};
    int64_t started = owl_monotonic_ms();
    CHECK(engine_bind_table(db, "ehms", "web", "many", &t, &err));
    int64_t bound = owl_monotonic_ms();
    /* A full scan opens all 10,000 files (about 4 s, and minutes under
     * ASan), so read a few rows only. */
    char *got = run("SELECT count(*), min(v) FROM (SELECT * FROM ehms.web.many LIMIT 3)");
    int64_t queried = owl_monotonic_ms();
    CHECK_STR(got, "3|7\n");
    printf("bind of %d single-file partitions: %lld ms; 3-row query: %lld ms\n", N,
           (long long)(bound - started), (long long)(queried - bound));
    free(got);
    for (int i = 0; i < N; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
    rmdir(dir);
    free(dir);
    free(paths);
    free(pv);
    free(values);
    free(files);
    free(path);
    free(err);
}

static void clear_bindings_hides_views(void) {
    char *err = NULL;
    CHECK(engine_db_clear_bindings(db, &err));
    CHECK_QUERY("SELECT * FROM ehms.sales.people",
                "ERROR: TABLE_NOT_FOUND: line 1:15: Table 'ehms.sales.people' does not exist");
    free(err);
}

int main(void) {
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char *err = NULL;
    db = engine_db_open(&(engine_db_options){2, "1GB"}, &err);
    if (!db) {
        fprintf(stderr, "engine_db_open: %s\n", err);
        return 1;
    }
    UNIT_RUN(tables_select_join_cte);
    UNIT_RUN(tables_syntax_error_position);
    UNIT_RUN(tables_ddl_and_ctas);
    UNIT_RUN(ddl_create_external_table);
    UNIT_RUN(hive_type_translation);
    UNIT_RUN(bind_text_tables);
    UNIT_RUN(bind_json_and_parquet);
    UNIT_RUN(partitions_bind_and_prune);
    UNIT_RUN(queries_over_bound_tables);
    UNIT_RUN(values_formatted_as_athena);
    UNIT_RUN(errors_mapped_to_athena);
    UNIT_RUN(result_csv_round_trip);
    UNIT_RUN(interrupt_long_query);
    UNIT_RUN(bind_many_partitions);
    UNIT_RUN(clear_bindings_hides_views);
    engine_db_close(db);
    owl_buf cmd = OWL_BUF_INIT;
    owl_buf_printf(&cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd.data) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    owl_buf_free(&cmd);
    return UNIT_SUMMARY();
}
