/*
 * The Trino function table: each row is a Trino expression and the text
 * Athena returns for it, run through the engine's DuckDB with its macros.
 * Names DuckDB already shares with Trino are listed too, so a DuckDB
 * upgrade that changes one of them fails here.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "engine/engine.h"
#include "unit.h"

static engine_db *db;

static bool first_value(void *ctx, const char *const *v, const size_t *len, size_t n, char **err) {
    owl_buf *out = ctx;
    owl_buf_reset(out);
    if (v[0])
        owl_buf_append(out, v[0], len[0]);
    else
        owl_buf_puts(out, "NULL");
    return true;
}

static const struct {
    const char *expr;
    const char *expected;
} trino_cases[] = {
    {"date_format(TIMESTAMP '2026-12-04 19:05:01', '%Y-%m-%d %H:%i:%s')", "2026-12-04 19:05:01"},
    {"date_format(TIMESTAMP '2026-03-04 09:05:01', '%e/%c %M %W')", "4/3 March Wednesday"},
    {"from_iso8601_timestamp('2026-12-04T19:50:01Z')", "2026-12-04 19:50:01.000 UTC"},
    {"from_iso8601_date('2026-12-04')", "2026-12-04"},
    {"to_iso8601(DATE '2026-12-04')", "2026-12-04"},
    {"to_iso8601(TIMESTAMP '2026-12-04 19:50:01.25')", "2026-12-04T19:50:01.250"},
    {"approx_distinct(x) FROM (VALUES (1), (2), (2), (3)) t(x)", "3"},
    {"approx_percentile(x, 0.5) FROM (VALUES (1), (2), (3)) t(x)", "2"},
    {"regexp_like('owlery', '^ow.*y$')", "true"},
    {"regexp_like('owlery', 'x')", "false"},
    {"cardinality(ARRAY[1, 2, 3])", "3"},
    {"element_at(ARRAY[1, 2, 3], -1)", "3"},
    {"element_at(MAP(ARRAY['a'], ARRAY[7]), 'a')", "7"},
    {"json_extract_scalar('{\"a\": {\"b\": 5}}', '$.a.b')", "5"},
    {"json_extract_scalar('{\"a\": {\"b\": 5}}', '$.a')", "NULL"},
    {"json_extract('{\"a\": {\"b\": 5}}', '$.a')", "{\"b\":5}"},
    {"json_size('{\"a\": [1, 2, 3]}', '$.a')", "3"},
    {"from_unixtime(1500000000)", "2017-07-14 02:40:00.000 UTC"},
    {"to_unixtime(TIMESTAMP '2017-07-14 02:40:00.5')", "1.5000000005E9"},
    {"date_diff('day', TIMESTAMP '2020-01-01 23:00', TIMESTAMP '2020-01-02 01:00')", "0"},
    {"date_diff('month', DATE '2020-01-31', DATE '2020-03-01')", "1"},
    {"date_add('day', 1, DATE '2020-02-28')", "2020-02-29"},
    {"date_add('hour', -2, TIMESTAMP '2020-01-01 01:00:00')", "2019-12-31 23:00:00.000"},
    {"date_add('month', 1, DATE '2020-01-31')", "2020-02-29"},
    {"day_of_week(DATE '2026-12-06')", "7"},
    {"dow(DATE '2026-12-07')", "1"},
    {"day_of_year(DATE '2026-02-01')", "32"},
    {"week_of_year(DATE '2026-01-01')", "1"},
    {"year(DATE '2026-12-04') * 100 + month(DATE '2026-12-04')", "202612"},
    {"day(DATE '2026-12-04')", "4"},
    {"try_cast('x' AS INTEGER)", "NULL"},
    {"split('a,b,,c', ',')", "[a, b, , c]"},
    {"array_join(ARRAY['a', NULL, 'c'], '-')", "a-c"},
    {"array_join(ARRAY['a', NULL, 'c'], '-', 'x')", "a-x-c"},
    {"contains(ARRAY[1, 2], 2)", "true"},
    {"strpos('owlery', 'le')", "3"},
    {"length('owlery')", "6"},
    {"nullif(1, 1)", "NULL"},
    {"if(1 > 2, 'yes', 'no')", "no"},
    {"array_max(ARRAY[3, 9, 1])", "9"},
    {"slice(ARRAY[1, 2, 3, 4], 2, 2)", "[2, 3]"},
    {"sequence(1, 4)", "[1, 2, 3, 4]"},
    {"is_nan(nan())", "true"},
    {"codepoint('A')", "65"},
    {"levenshtein_distance('kitten', 'sitting')", "3"},
    {"every(x) FROM (VALUES (true), (false)) t(x)", "false"},
    {"count_if(x > 1) FROM (VALUES (1), (2), (3)) t(x)", "2"},
    {"max_by(n, v) FROM (VALUES ('a', 1), ('b', 5)) t(n, v)", "b"},
    {"last_day_of_month(DATE '2024-02-10')", "2024-02-29"},
    {"regexp_extract('a1b22', '[0-9]+')", "1"},
    {"regexp_replace('a1b22', '[0-9]', '')", "ab"},
    {"regexp_replace('a1b22', '[0-9]')", "ab"},
    {"lower('OwL') || upper('x')", "owlX"},
    {"substr('owlery', 2, 3)", "wle"},
    {"round(2.345, 2)", "2.350"},
    {"typeof(1)", "INTEGER"},
};

static void trino_function_table(void) {
    owl_buf value = OWL_BUF_INIT;
    engine_result_sink sink = {NULL, first_value, NULL, &value};
    for (size_t i = 0; i < sizeof trino_cases / sizeof trino_cases[0]; i++) {
        owl_buf sql = OWL_BUF_INIT;
        owl_buf_printf(&sql, "SELECT %s", trino_cases[i].expr);
        char *err = NULL;
        owl_buf_reset(&value);
        if (!engine_query_run(db, sql.data, NULL, &sink, NULL, &err)) {
            fprintf(stderr, "%s: %s\n", sql.data, err);
            unit_failures_in_test++;
        } else if (strcmp(value.data ? value.data : "", trino_cases[i].expected) != 0) {
            fprintf(stderr, "%s is \"%s\", expected \"%s\"\n", sql.data, value.data ? value.data : "",
                    trino_cases[i].expected);
            unit_failures_in_test++;
        }
        free(err);
        owl_buf_free(&sql);
    }
    owl_buf_free(&value);
}

int main(void) {
    char *err = NULL;
    db = engine_db_open(NULL, &err);
    if (!db) {
        fprintf(stderr, "engine_db_open: %s\n", err);
        return 1;
    }
    UNIT_RUN(trino_function_table);
    engine_db_close(db);
    return UNIT_SUMMARY();
}
