/*
 * Unit tests of engine_ddl_stmt_parse() (src/engine/ddl.c): every statement
 * form the service runs against the catalog, quoting and escapes, and the
 * positions of syntax errors.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "unit.h"

/* Parses sql and checks that it succeeds; the caller frees *out. */
static bool parse(const char *sql, engine_ddl_stmt *out) {
    char *err = NULL;
    bool ok = engine_ddl_stmt_parse(sql, strlen(sql), out, &err);
    if (!ok)
        fprintf(stderr, "parse of [%s] failed: %s\n", sql, err ? err : "(no message)");
    free(err);
    return ok;
}

/* Parses sql, which must fail, and returns the message (caller frees). */
static char *parse_error(const char *sql) {
    engine_ddl_stmt s;
    char *err = NULL;
    if (engine_ddl_stmt_parse(sql, strlen(sql), &s, &err)) {
        engine_ddl_stmt_free(&s);
        return strdup("(parsed)");
    }
    return err;
}

static void test_show_databases_and_tables(void) {
    engine_ddl_stmt s;
    CHECK(parse("SHOW DATABASES", &s));
    CHECK_INT(s.op, ENGINE_DDL_SHOW_DATABASES);
    CHECK(s.pattern == NULL);
    engine_ddl_stmt_free(&s);

    CHECK(parse("show schemas like 'sal*';", &s));
    CHECK_INT(s.op, ENGINE_DDL_SHOW_DATABASES);
    CHECK_STR(s.pattern, "sal*");
    engine_ddl_stmt_free(&s);

    CHECK(parse("SHOW TABLES IN `Sales` 'it*|or*'", &s));
    CHECK_INT(s.op, ENGINE_DDL_SHOW_TABLES);
    CHECK_STR(s.database, "sales");
    CHECK_STR(s.pattern, "it*|or*");
    engine_ddl_stmt_free(&s);

    CHECK(parse("SHOW TABLES", &s));
    CHECK(s.database == NULL);
    CHECK(s.pattern == NULL);
    engine_ddl_stmt_free(&s);
}

static void test_show_table_forms(void) {
    engine_ddl_stmt s;
    CHECK(parse("SHOW COLUMNS FROM sales.items", &s));
    CHECK_INT(s.op, ENGINE_DDL_SHOW_COLUMNS);
    CHECK_STR(s.database, "sales");
    CHECK_STR(s.table, "items");
    engine_ddl_stmt_free(&s);

    CHECK(parse("SHOW COLUMNS IN items IN sales", &s));
    CHECK_STR(s.database, "sales");
    CHECK_STR(s.table, "items");
    engine_ddl_stmt_free(&s);

    CHECK(parse("SHOW PARTITIONS \"ehms\".\"sales\".\"orders\"", &s));
    CHECK_INT(s.op, ENGINE_DDL_SHOW_PARTITIONS);
    CHECK_STR(s.catalog, "ehms");
    CHECK_STR(s.database, "sales");
    CHECK_STR(s.table, "orders");
    engine_ddl_stmt_free(&s);

    CHECK(parse("SHOW CREATE TABLE orders", &s));
    CHECK_INT(s.op, ENGINE_DDL_SHOW_CREATE_TABLE);
    CHECK(s.database == NULL);
    engine_ddl_stmt_free(&s);

    CHECK(parse("SHOW TBLPROPERTIES orders ('EXTERNAL')", &s));
    CHECK_INT(s.op, ENGINE_DDL_SHOW_TBLPROPERTIES);
    CHECK_STR(s.pattern, "EXTERNAL");
    engine_ddl_stmt_free(&s);

    CHECK(parse("DESCRIBE FORMATTED sales.orders", &s));
    CHECK_INT(s.op, ENGINE_DDL_DESCRIBE);
    CHECK(s.formatted);
    CHECK(!s.extended);
    engine_ddl_stmt_free(&s);

    CHECK(parse("desc extended orders", &s));
    CHECK(s.extended);
    CHECK(!s.formatted);
    engine_ddl_stmt_free(&s);
}

static void test_databases(void) {
    engine_ddl_stmt s;
    CHECK(parse("CREATE DATABASE IF NOT EXISTS analytics COMMENT 'It''s \\'ours\\'' "
                "LOCATION 's3://b/analytics/' WITH DBPROPERTIES ('creator'='me', 'team'='x')",
                &s));
    CHECK_INT(s.op, ENGINE_DDL_CREATE_DATABASE);
    CHECK(s.if_not_exists);
    CHECK_STR(s.database, "analytics");
    CHECK_STR(s.comment, "It's 'ours'");
    CHECK_STR(s.location, "s3://b/analytics/");
    CHECK_INT(s.property_count, 2);
    if (s.property_count == 2) {
        CHECK_STR(s.properties[0].key, "creator");
        CHECK_STR(s.properties[1].value, "x");
    }
    engine_ddl_stmt_free(&s);

    CHECK(parse("DROP SCHEMA IF EXISTS analytics CASCADE", &s));
    CHECK_INT(s.op, ENGINE_DDL_DROP_DATABASE);
    CHECK(s.if_exists);
    CHECK(s.cascade);
    engine_ddl_stmt_free(&s);

    CHECK(parse("DROP DATABASE analytics RESTRICT", &s));
    CHECK(!s.if_exists);
    CHECK(!s.cascade);
    engine_ddl_stmt_free(&s);

    CHECK(parse("DROP TABLE IF EXISTS `analytics`.`t1`", &s));
    CHECK_INT(s.op, ENGINE_DDL_DROP_TABLE);
    CHECK(s.if_exists);
    CHECK_STR(s.database, "analytics");
    CHECK_STR(s.table, "t1");
    engine_ddl_stmt_free(&s);
}

static void test_partitions(void) {
    engine_ddl_stmt s;
    CHECK(parse("ALTER TABLE orders ADD IF NOT EXISTS PARTITION (dt='2024-01-03', n=-5) "
                "LOCATION 's3://b/o/x/' PARTITION (dt = '2024-01-04', n = 6)",
                &s));
    CHECK_INT(s.op, ENGINE_DDL_ADD_PARTITION);
    CHECK(s.if_not_exists);
    CHECK_INT(s.partition_count, 2);
    if (s.partition_count == 2) {
        CHECK_INT(s.partitions[0].count, 2);
        CHECK_STR(s.partitions[0].values[0].key, "dt");
        CHECK_STR(s.partitions[0].values[0].value, "2024-01-03");
        CHECK_STR(s.partitions[0].values[1].value, "-5");
        CHECK_STR(s.partitions[0].location, "s3://b/o/x/");
        CHECK(s.partitions[1].location == NULL);
        CHECK_STR(s.partitions[1].values[1].value, "6");
    }
    engine_ddl_stmt_free(&s);

    CHECK(parse("ALTER TABLE sales.orders DROP IF EXISTS PARTITION (dt='a'), PARTITION (dt='b')",
                &s));
    CHECK_INT(s.op, ENGINE_DDL_DROP_PARTITION);
    CHECK(s.if_exists);
    CHECK_INT(s.partition_count, 2);
    engine_ddl_stmt_free(&s);

    CHECK(parse("MSCK REPAIR TABLE sales.orders;", &s));
    CHECK_INT(s.op, ENGINE_DDL_MSCK_REPAIR);
    CHECK_STR(s.table, "orders");
    engine_ddl_stmt_free(&s);
}

static void test_alter_table_forms(void) {
    engine_ddl_stmt s;
    CHECK(parse("ALTER TABLE sales.orders ADD COLUMNS (tags array<string> COMMENT 'labels', n int)",
                &s));
    CHECK_INT(s.op, ENGINE_DDL_ADD_COLUMNS);
    CHECK_INT(s.table_column_count, 2);
    if (s.table_column_count == 2) {
        CHECK_STR(s.table_columns[0].name, "tags");
        CHECK_STR(s.table_columns[0].type, "array<string>");
        CHECK_STR(s.table_columns[0].comment, "labels");
        CHECK_STR(s.table_columns[1].type, "int");
    }
    engine_ddl_stmt_free(&s);

    CHECK(parse("ALTER TABLE t REPLACE COLUMNS (a bigint)", &s));
    CHECK_INT(s.op, ENGINE_DDL_REPLACE_COLUMNS);
    CHECK_INT(s.table_column_count, 1);
    engine_ddl_stmt_free(&s);

    CHECK(parse("ALTER TABLE t SET LOCATION 's3://b/new/'", &s));
    CHECK_INT(s.op, ENGINE_DDL_SET_LOCATION);
    CHECK_STR(s.location, "s3://b/new/");
    engine_ddl_stmt_free(&s);

    CHECK(parse("ALTER TABLE t SET TBLPROPERTIES ('a'='1', 'b'='2')", &s));
    CHECK_INT(s.op, ENGINE_DDL_SET_TBLPROPERTIES);
    CHECK_INT(s.property_count, 2);
    engine_ddl_stmt_free(&s);

    char *err = parse_error("ALTER TABLE t ADD COLUMNS (a array<int)");
    CHECK(err && strncmp(err, "SYNTAX_ERROR: line 1:30: invalid Hive type", 42) == 0);
    free(err);
}

static void test_ctas_and_insert(void) {
    const char *sql = "CREATE TABLE IF NOT EXISTS sales.summary WITH (format = 'PARQUET', "
                      "external_location = 's3://b/summary/', partitioned_by = ARRAY['Note'], "
                      "bucket_count = 3) AS SELECT amount, note FROM items WITH DATA;";
    engine_ddl_stmt s;
    CHECK(parse(sql, &s));
    CHECK_INT(s.op, ENGINE_DDL_CTAS);
    CHECK(s.if_not_exists);
    CHECK(!s.with_no_data);
    CHECK_STR(s.database, "sales");
    CHECK_STR(s.table, "summary");
    CHECK_INT(s.property_count, 4);
    if (s.property_count == 4) {
        CHECK_STR(s.properties[0].key, "format");
        CHECK_STR(s.properties[1].value, "s3://b/summary/");
        CHECK_STR(s.properties[2].value, "Note");
        CHECK_STR(s.properties[3].value, "3");
    }
    CHECK_INT(s.partitioned_by_count, 1);
    if (s.partitioned_by_count == 1)
        CHECK_STR(s.partitioned_by[0], "note");
    CHECK_MEM(sql + s.query_offset, s.query_length, "SELECT amount, note FROM items ", 31);
    engine_ddl_stmt_free(&s);

    const char *nodata = "create table t as (select 1 as a) with no data";
    CHECK(parse(nodata, &s));
    CHECK(s.with_no_data);
    CHECK_MEM(nodata + s.query_offset, s.query_length, "(select 1 as a) ", 16);
    engine_ddl_stmt_free(&s);

    const char *insert = "INSERT INTO sales.summary (note, amount) SELECT 'x', 1.5";
    CHECK(parse(insert, &s));
    CHECK_INT(s.op, ENGINE_DDL_INSERT);
    CHECK_INT(s.column_count, 2);
    if (s.column_count == 2)
        CHECK_STR(s.columns[1], "amount");
    CHECK_STR(insert + s.query_offset, "SELECT 'x', 1.5");
    CHECK_INT(s.query_length, strlen("SELECT 'x', 1.5"));
    engine_ddl_stmt_free(&s);

    const char *paren = "INSERT INTO t (SELECT 1)";
    CHECK(parse(paren, &s));
    CHECK_INT(s.column_count, 0);
    CHECK_STR(paren + s.query_offset, "(SELECT 1)");
    engine_ddl_stmt_free(&s);
}

static void test_errors(void) {
    char *err = parse_error("SHOW TABLES IN");
    CHECK_STR(err, "SYNTAX_ERROR: line 1:15: expected a name but the statement ended");
    free(err);
    err = parse_error("SHOW VIEWS");
    CHECK_STR(err, "SYNTAX_ERROR: line 1:6: expected DATABASES, SCHEMAS, TABLES, COLUMNS, "
                   "PARTITIONS, CREATE TABLE or TBLPROPERTIES near 'views'");
    free(err);
    err = parse_error("ALTER TABLE t\n  RENAME TO u");
    CHECK_STR(err, "NOT_SUPPORTED: line 2:3: ALTER TABLE supports ADD/DROP PARTITION, "
                   "ADD/REPLACE COLUMNS, SET LOCATION and SET TBLPROPERTIES in this owlery build");
    free(err);
    err = parse_error("ALTER TABLE t ADD PARTITION (dt='a', dt='b')");
    CHECK_STR(err, "SYNTAX_ERROR: line 1:44: expected each partition column once near ')'");
    free(err);
    err = parse_error("DROP TABLE a.b.c.d");
    CHECK_STR(err, "SYNTAX_ERROR: line 1:18: expected at most three name parts near 'd'");
    free(err);
    err = parse_error("CREATE TABLE t AS ;");
    CHECK_STR(err, "SYNTAX_ERROR: line 1:19: expected a query near ';'");
    free(err);
    err = parse_error("DESCRIBE t extra");
    CHECK_STR(err, "SYNTAX_ERROR: line 1:12: expected the end of the statement near 'extra'");
    free(err);
    err = parse_error("SHOW TABLES 'unterminated");
    CHECK_STR(err, "SYNTAX_ERROR: line 1:13: unterminated quoted text");
    free(err);
}

static void test_classify_ctas_with_qualified_name(void) {
    CHECK_INT(engine_sql_classify("CREATE TABLE db.t WITH (format='PARQUET') AS SELECT 1"),
              ENGINE_STMT_CTAS);
    CHECK_INT(engine_sql_classify("CREATE TABLE t WITH (format='PARQUET') AS SELECT 1"),
              ENGINE_STMT_CTAS);
    CHECK_INT(engine_sql_classify("CREATE TABLE db.t (a int) LOCATION 's3://b/'"),
              ENGINE_STMT_CREATE_EXTERNAL_TABLE);
}

static void test_row_format_alone_is_text(void) {
    const char *sql = "CREATE EXTERNAL TABLE t (a int) ROW FORMAT DELIMITED FIELDS TERMINATED "
                      "BY ',' LOCATION 's3://b/t/'";
    engine_ddl_table t;
    char *err = NULL;
    CHECK(engine_ddl_parse(sql, strlen(sql), &t, &err));
    CHECK_STR(t.serde, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
    CHECK_STR(t.input_format, "org.apache.hadoop.mapred.TextInputFormat");
    CHECK_STR(t.output_format, "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat");
    engine_ddl_table_free(&t);
}

static void test_duckdb_types_to_hive(void) {
    static const struct {
        const char *duckdb, *hive;
    } cases[] = {
        {"INTEGER", "int"},
        {"DECIMAL(10,2)", "decimal(10,2)"},
        {"TIMESTAMP WITH TIME ZONE", "timestamp"},
        {"VARCHAR[]", "array<string>"},
        {"INTEGER[3][]", "array<array<int>>"},
        {"MAP(VARCHAR, BIGINT[])", "map<string,array<bigint>>"},
        {"STRUCT(a INTEGER, \"B \"\"c\"\"\" VARCHAR)[]", "array<struct<a:int,b \"c\":string>>"},
        {"STRUCT(x STRUCT(y DOUBLE))", "struct<x:struct<y:double>>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        char *hive = engine_duckdb_type_to_hive(cases[i].duckdb, &err);
        CHECK_STR(hive, cases[i].hive);
        CHECK(err == NULL);
        free(hive);
        free(err);
    }
    const char *bad[] = {"INTERVAL", "UNION(a INTEGER)", "STRUCT(", "MAP(VARCHAR)", "INTEGER[",
                         "DECIMAL(40,2)", "INTEGER extra", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        char *hive = engine_duckdb_type_to_hive(bad[i], &err);
        CHECK(hive == NULL);
        CHECK(err && strncmp(err, "NOT_SUPPORTED: the DuckDB type ", 31) == 0);
        free(hive);
        free(err);
    }
    /* err may be NULL. */
    CHECK(engine_duckdb_type_to_hive("INTERVAL", NULL) == NULL);
}

int main(void) {
    UNIT_RUN(test_duckdb_types_to_hive);
    UNIT_RUN(test_row_format_alone_is_text);
    UNIT_RUN(test_show_databases_and_tables);
    UNIT_RUN(test_show_table_forms);
    UNIT_RUN(test_databases);
    UNIT_RUN(test_partitions);
    UNIT_RUN(test_alter_table_forms);
    UNIT_RUN(test_ctas_and_insert);
    UNIT_RUN(test_errors);
    UNIT_RUN(test_classify_ctas_with_qualified_name);
    return UNIT_SUMMARY();
}
