/*
 * The Trino query table: whole queries with the result text that Athena
 * (Trino) returns for them, run on an engine_db. Rows are joined with
 * newlines, cells with " | ", and SQL NULL is written NULL. The cases pin
 * the places where DuckDB's semantics differ from Trino's: integer
 * division, 1-based arrays with NULL out of range, NULL handling, the sign
 * of date_diff, MySQL-style date formats and Trino's result column names.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "engine/engine.h"
#include "unit.h"

static engine_db *db;

typedef struct result_text {
    owl_buf rows;
    owl_buf names;
} result_text;

static bool text_begin(void *ctx, const engine_result_column *columns, size_t count, char **err) {
    (void)err;
    result_text *text = ctx;
    for (size_t i = 0; i < count; i++)
        owl_buf_printf(&text->names, "%s%s", i ? ", " : "", columns[i].name);
    return true;
}

static bool text_row(void *ctx, const char *const *values, const size_t *lengths, size_t count,
                     char **err) {
    (void)err;
    result_text *text = ctx;
    if (text->rows.len)
        owl_buf_putc(&text->rows, '\n');
    for (size_t i = 0; i < count; i++) {
        if (i)
            owl_buf_puts(&text->rows, " | ");
        if (values[i])
            owl_buf_append(&text->rows, values[i], lengths[i]);
        else
            owl_buf_puts(&text->rows, "NULL");
    }
    return true;
}

/* Runs sql; returns false with *err set when it fails. */
static bool run(const char *sql, result_text *text, char **err) {
    memset(text, 0, sizeof *text);
    engine_result_sink sink = {text_begin, text_row, NULL, text};
    return engine_query_run(db, sql, NULL, &sink, NULL, err);
}

static void result_text_free(result_text *text) {
    owl_buf_free(&text->rows);
    owl_buf_free(&text->names);
}

typedef struct trino_case {
    const char *sql;
    const char *expected;
} trino_case;

/* Runs each case and compares either its rows or its column names. */
static void check_cases(const trino_case *cases, size_t count, bool names) {
    for (size_t i = 0; i < count; i++) {
        result_text text;
        char *err = NULL;
        if (!run(cases[i].sql, &text, &err)) {
            fprintf(stderr, "%s: failed: %s\n", cases[i].sql, err);
            unit_failures_in_test++;
        } else {
            const owl_buf *actual = names ? &text.names : &text.rows;
            const char *value = actual->data ? actual->data : "";
            if (strcmp(value, cases[i].expected) != 0) {
                fprintf(stderr, "%s\n  is       \"%s\"\n  expected \"%s\"\n", cases[i].sql, value,
                        cases[i].expected);
                unit_failures_in_test++;
            }
        }
        free(err);
        result_text_free(&text);
    }
}

/* ------------------------------------------------------------------ */

static const trino_case arithmetic_cases[] = {
    {"SELECT 7 / 2", "3"},
    {"SELECT -7 / 2", "-3"},
    {"SELECT 7 % 3, -7 % 3", "1 | -1"},
    {"SELECT CAST(7 AS BIGINT) / 2", "3"},
    {"SELECT 7.0 / 2", "3.5"},
    {"SELECT 7 / 2.0", "3.5"},
    {"SELECT 1e0 / 3", "0.3333333333333333"},
    {"SELECT CAST(5 AS DOUBLE) / 2, 5 / CAST(2 AS DOUBLE)", "2.5 | 2.5"},
    {"SELECT 10 / 4 * 1.0", "2.0"},
    {"SELECT sum(x) / count(*) FROM (VALUES (1), (2)) t(x)", "1"},
    {"SELECT CAST(2147483647 AS BIGINT) + 1", "2147483648"},
    {"SELECT CAST(2.5 AS INTEGER), CAST(-1.5 AS INTEGER)", "3 | -2"},
    {"SELECT round(1.234, 2), round(9.995, 2), floor(-1.5), ceil(1.2)", "1.230 | 10.000 | -2 | 2"},
    {"SELECT round(2.5), round(-2.5), round(CAST(2.25 AS DOUBLE), 1), round(15, -1)",
     "3 | -3 | 2.3 | 20"},
    {"SELECT abs(-3), power(2, 10), sqrt(16), mod(-7, 3)", "3 | 1024.0 | 4.0 | -1"},
    {"SELECT greatest(1, 5, 3), least(1, 5, 3), greatest(1, NULL), least(4, 2, 9, 1, 7, 3)",
     "5 | 1 | NULL | 1"},
    {"SELECT CAST(0.1 AS DOUBLE) * 3, 1.0E10", "0.30000000000000004 | 1.0E10"},
    {"SELECT 0.1 + 0.2", "0.3"},
};

static void trino_arithmetic(void) {
    check_cases(arithmetic_cases, sizeof arithmetic_cases / sizeof arithmetic_cases[0], false);
}

static const trino_case datetime_cases[] = {
    {"SELECT date_parse('2026-12-04 19:05:01', '%Y-%m-%d %H:%i:%s')", "2026-12-04 19:05:01.000"},
    {"SELECT date_parse('04/Dec/2026:07:05:01 PM', '%d/%b/%Y:%r')", "2026-12-04 19:05:01.000"},
    {"SELECT date_parse('2026-12-04T19:05:01.123456', '%Y-%m-%dT%T.%f')", "2026-12-04 19:05:01.123"},
    {"SELECT date_parse('26-338', '%y-%j')", "2026-12-04 00:00:00.000"},
    {"SELECT date_parse('December 4, 2026', '%M %e, %Y')", "2026-12-04 00:00:00.000"},
    {"SELECT date_parse('1/2/2020 12:30 am', '%d/%m/%Y %h:%i %p')", "2020-02-01 00:30:00.000"},
    {"SELECT date_parse('99', '%y'), date_parse('69', '%y')",
     "1999-01-01 00:00:00.000 | 2069-01-01 00:00:00.000"},
    {"SELECT date_parse(s, '%Y%m%d') FROM (VALUES ('20261204'), (NULL)) t(s)",
     "2026-12-04 00:00:00.000\nNULL"},
    {"SELECT date_format(TIMESTAMP '2026-12-04 19:05:01.250', '%Y-%m-%d %H:%i:%s.%f')",
     "2026-12-04 19:05:01.250000"},
    {"SELECT date_format(TIMESTAMP '2026-12-04 07:05:01', '%a %b %e %l:%i %p')", "Fri Dec 4 7:05 AM"},
    {"SELECT date_format(DATE '2026-12-04', '%W, %M %d %Y')", "Friday, December 04 2026"},
    {"SELECT date_format(TIMESTAMP '2027-01-01 00:00:00', '%x-%v')", "2026-53"},
    {"SELECT date_format(TIMESTAMP '2026-12-04 19:05:01', '%T %r %j %y %c %k %h %I %S %%')",
     "19:05:01 07:05:01 PM 338 26 12 19 07 07 01 %"},
    {"SELECT date_format(from_iso8601_timestamp('2026-12-04T19:50:01Z'), '%Y-%m-%d %H')",
     "2026-12-04 19"},
    {"SELECT format_datetime(TIMESTAMP '2026-12-04 19:05:01.25', 'yyyy-MM-dd HH:mm:ss.SSS')",
     "2026-12-04 19:05:01.250"},
    {"SELECT format_datetime(TIMESTAMP '2026-12-04 07:05:01', 'EEE, d MMM yy h:mm a')",
     "Fri, 4 Dec 26 7:05 AM"},
    {"SELECT format_datetime(TIMESTAMP '2026-12-04 07:05:01', 'EEEE MMMM D ''T'' xxxx-ww e Z ZZ k G')",
     "Friday December 338 T 2026-49 5 +0000 +00:00 7 AD"},
    {"SELECT format_datetime(from_iso8601_timestamp('2026-12-04T19:50:01Z'), 'yyyyMMdd''T''HHmmss')",
     "20261204T195001"},
    {"SELECT from_iso8601_timestamp('2026-12-04T19:50:01Z')", "2026-12-04 19:50:01.000 UTC"},
    {"SELECT from_iso8601_date('2026-12-04')", "2026-12-04"},
    {"SELECT to_iso8601(TIMESTAMP '2026-12-04 19:50:01'), to_iso8601(DATE '2026-12-04')",
     "2026-12-04T19:50:01.000 | 2026-12-04"},
    {"SELECT from_unixtime(0)", "1970-01-01 00:00:00.000 UTC"},
    {"SELECT to_unixtime(TIMESTAMP '1970-01-02 00:00:00')", "86400.0"},
    {"SELECT date_diff('day', DATE '2026-01-01', DATE '2026-03-01')", "59"},
    {"SELECT date_diff('day', DATE '2026-03-01', DATE '2026-01-01')", "-59"},
    {"SELECT date_diff('hour', TIMESTAMP '2026-01-01 00:00', TIMESTAMP '2026-01-01 05:59')", "5"},
    {"SELECT date_diff('year', DATE '2020-06-01', DATE '2026-05-31')", "5"},
    {"SELECT date_diff('second', TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:01:30.9')",
     "90"},
    {"SELECT date_add('day', 1, DATE '2026-12-31')", "2027-01-01"},
    {"SELECT date_add('minute', 90, TIMESTAMP '2026-12-31 23:00:00')", "2027-01-01 00:30:00.000"},
    {"SELECT date_add('year', -1, DATE '2024-02-29')", "2023-02-28"},
    {"SELECT date_add('quarter', 1, DATE '2026-11-30')", "2027-02-28"},
    {"SELECT date_trunc('month', DATE '2026-12-04'), date_trunc('quarter', DATE '2026-12-04')",
     "2026-12-01 | 2026-10-01"},
    {"SELECT date_trunc('month', TIMESTAMP '2026-12-04 19:05:01')", "2026-12-01 00:00:00.000"},
    {"SELECT date_trunc('hour', TIMESTAMP '2026-12-04 19:05:01')", "2026-12-04 19:00:00.000"},
    {"SELECT date_trunc('week', DATE '2026-12-04')", "2026-11-30"},
    {"SELECT year(DATE '2026-12-04'), month(DATE '2026-12-04'), day(DATE '2026-12-04'), "
     "day_of_week(DATE '2026-12-04'), hour(TIMESTAMP '2026-12-04 19:05:01')",
     "2026 | 12 | 4 | 5 | 19"},
    {"SELECT minute(TIMESTAMP '2026-12-04 19:05:01'), second(TIMESTAMP '2026-12-04 19:05:01'), "
     "quarter(DATE '2026-12-04'), day_of_year(DATE '2026-12-04'), week(DATE '2026-12-04')",
     "5 | 1 | 4 | 338 | 49"},
    {"SELECT TIMESTAMP '2026-12-04 10:00:00' - INTERVAL '2' HOUR", "2026-12-04 08:00:00.000"},
    {"SELECT CAST('2026-12-04' AS DATE), CAST(TIMESTAMP '2026-12-04 01:02:03' AS DATE)",
     "2026-12-04 | 2026-12-04"},
};

static void trino_datetime(void) {
    check_cases(datetime_cases, sizeof datetime_cases / sizeof datetime_cases[0], false);
}

static const trino_case string_cases[] = {
    {"SELECT regexp_like('owlery', 'wl'), regexp_like('owlery', '^wl')", "true | false"},
    {"SELECT regexp_extract('a1b22c333', '[0-9]+')", "1"},
    {"SELECT regexp_extract('a1b22c333', '([a-z])([0-9]+)', 2)", "1"},
    {"SELECT regexp_extract('abc', '[0-9]+')", "NULL"},
    {"SELECT regexp_extract_all('a1b22c333', '[0-9]+')", "[1, 22, 333]"},
    {"SELECT regexp_replace('a1b22', '[0-9]+', '#')", "a#b#"},
    {"SELECT json_extract_scalar('{\"a\": {\"b\": \"x\"}}', '$.a.b')", "x"},
    {"SELECT json_extract_scalar('{\"a\": [1, 2]}', '$.a[1]')", "2"},
    {"SELECT json_extract_scalar('{\"a\": 1}', '$.missing')", "NULL"},
    {"SELECT json_extract_scalar('{\"a\": [1, 2]}', '$.a')", "NULL"},
    {"SELECT json_extract('{\"a\": [1, 2]}', '$.a')", "[1,2]"},
    {"SELECT json_array_length('[1, 2, 3]')", "3"},
    {"SELECT json_array_get('[1, \"a\", [2]]', 1), json_array_get('[1, 2, 3]', -1), "
     "json_array_get('[1, 2, 3]', 5), json_array_get('[1, [2]]', 1)",
     "\"a\" | 3 | NULL | [2]"},
    {"SELECT json_array_contains('[1, 2, 3]', 2), json_array_contains('[1, 2, 3]', 4), "
     "json_array_contains('[\"a\"]', 'a'), is_json_scalar('1'), is_json_scalar('[1]')",
     "true | false | true | true | false"},
    {"SELECT try_cast('12' AS INTEGER), try_cast('x' AS INTEGER)", "12 | NULL"},
    {"SELECT try(CAST('x' AS INTEGER))", "NULL"},
    {"SELECT split('a,b,,c', ',')", "[a, b, , c]"},
    {"SELECT strpos('owlery', 'l'), strpos('owlery', 'z')", "3 | 0"},
    {"SELECT length('owlery'), length('\xc3\xa9')", "6 | 1"},
    {"SELECT substr('owlery', 3), substr('owlery', 2, 3), substr('owlery', -3)", "lery | wle | ery"},
    {"SELECT substr('abc', 0), substr('abc', 0, 2), substr('abc', 5), substr('abc', -5)", " |  |  | "},
    {"SELECT substring('owlery' FROM 2 FOR 3), substr(NULL, 1)", "wle | NULL"},
    {"SELECT concat_ws('-', 'a', NULL, 'c'), concat('a', 'b', 'c')", "a-c | abc"},
    {"SELECT concat('a', NULL), concat(ARRAY[1], ARRAY[2])", "NULL | [1, 2]"},
    {"SELECT bitwise_and(12, 10), bitwise_or(12, 10), bitwise_xor(12, 10), bitwise_not(0)",
     "8 | 14 | 6 | -1"},
    {"SELECT 'a' || 'b' || 'c', 'a' || NULL", "abc | NULL"},
    {"SELECT upper('owl'), lower('OWL'), trim('  a  '), reverse('abc')", "OWL | owl | a | cba"},
    {"SELECT lpad('7', 3, '0'), rpad('7', 3, '0')", "007 | 700"},
    {"SELECT replace('a-b-c', '-', '+'), replace('abc', 'b')", "a+b+c | ac"},
    {"SELECT starts_with('owlery', 'owl'), position('l' IN 'owlery')", "true | 3"},
    {"SELECT split_part('a,b,c', ',', 2), split_part('a,b,c', ',', 5)", "b | NULL"},
    {"SELECT to_hex(to_utf8('ab')), chr(65), codepoint('A')", "6162 | A | 65"},
    {"SELECT 'abc' LIKE 'a%', 'abc' LIKE '_b_', 'abc' LIKE 'b%'", "true | true | false"},
    {"SELECT CAST(true AS VARCHAR), CAST('true' AS BOOLEAN)", "true | true"},
    {"SELECT regexp_split('a1b22c', '[0-9]+')", "[a, b, c]"},
    {"SELECT url_extract_protocol(u), url_extract_host(u), url_extract_port(u), url_extract_path(u), "
     "url_extract_query(u), url_extract_fragment(u) "
     "FROM (VALUES ('https://user@example.com:8080/a/b.html?x=1&y=two#frag')) t(u)",
     "https | example.com | 8080 | /a/b.html | x=1&y=two | frag"},
    {"SELECT url_extract_parameter('https://example.com/a?x=1&y=two&y=3', 'y'), "
     "url_extract_parameter('https://example.com/a?x=1', 'z'), url_extract_port('http://example.com/')",
     "two | NULL | NULL"},
};

static void trino_strings(void) {
    check_cases(string_cases, sizeof string_cases / sizeof string_cases[0], false);
}

static const trino_case collection_cases[] = {
    {"SELECT cardinality(ARRAY[1, 2, 3]), cardinality(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))", "3 | 2"},
    {"SELECT element_at(ARRAY['a', 'b'], 1), element_at(ARRAY['a', 'b'], 3), "
     "element_at(ARRAY['a', 'b'], -1)",
     "a | NULL | b"},
    {"SELECT element_at(MAP(ARRAY['a'], ARRAY[1]), 'a'), element_at(MAP(ARRAY['a'], ARRAY[1]), 'z')",
     "1 | NULL"},
    {"SELECT ARRAY[10, 20, 30][2]", "20"},
    {"SELECT array_join(ARRAY[1, 2, 3], ','), array_join(ARRAY['a', NULL, 'c'], ',', 'null')",
     "1,2,3 | a,null,c"},
    {"SELECT contains(ARRAY[1, 2, 3], 2), contains(ARRAY[1, 2, 3], 4), contains(ARRAY[1, NULL], 3)",
     "true | false | NULL"},
    {"SELECT sequence(1, 5), sequence(1, 10, 3), sequence(5, 1, -2)",
     "[1, 2, 3, 4, 5] | [1, 4, 7, 10] | [5, 3, 1]"},
    {"SELECT sequence(DATE '2026-12-01', DATE '2026-12-03', INTERVAL '1' DAY)",
     "[2026-12-01, 2026-12-02, 2026-12-03]"},
    {"SELECT ARRAY[1, 2] || ARRAY[3]", "[1, 2, 3]"},
    {"SELECT array_distinct(ARRAY[3, 1, 3, NULL, NULL])", "[3, 1, null]"},
    {"SELECT array_union(ARRAY[2, 1], ARRAY[1, 3]), array_except(ARRAY[1, 2, NULL], ARRAY[1])",
     "[2, 1, 3] | [2, null]"},
    {"SELECT array_sort(ARRAY[3, 1, 2]), array_max(ARRAY[1, 9]), array_min(ARRAY[1, 9])",
     "[1, 2, 3] | 9 | 1"},
    {"SELECT array_position(ARRAY[5, 6, 7], 6), array_position(ARRAY[5, 6], 9)", "2 | 0"},
    {"SELECT array_remove(ARRAY[1, 2, 1], 1), flatten(ARRAY[ARRAY[1], ARRAY[2, 3]])",
     "[2] | [1, 2, 3]"},
    {"SELECT filter(ARRAY[1, 2, 3], x -> x > 1)", "[2, 3]"},
    {"SELECT map_keys(MAP(ARRAY['a', 'b'], ARRAY[1, 2])), map_values(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))",
     "[a, b] | [1, 2]"},
    {"SELECT MAP(ARRAY['a'], ARRAY[1])", "{a=1}"},
    {"SELECT CAST(ROW(1, 'a') AS ROW(x INTEGER, y VARCHAR)).y", "a"},
    {"SELECT n FROM UNNEST(sequence(1, 3)) AS t(n) WHERE n > 1 ORDER BY n", "2\n3"},
    {"SELECT k, v FROM (VALUES (1, ARRAY['a', 'b'])) t(k, a) CROSS JOIN UNNEST(a) AS u(v) ORDER BY v",
     "1 | a\n1 | b"},
    {"SELECT v, o FROM UNNEST(ARRAY['a', 'b']) WITH ORDINALITY AS u(v, o) ORDER BY o", "a | 1\nb | 2"},
};

static void trino_collections(void) {
    check_cases(collection_cases, sizeof collection_cases / sizeof collection_cases[0], false);
}

static const trino_case aggregate_cases[] = {
    {"SELECT approx_distinct(x) FROM (VALUES (1), (2), (2), (NULL)) t(x)", "2"},
    {"SELECT approx_percentile(x, 0.5) FROM (VALUES (1), (2), (3), (4), (5)) t(x)", "3"},
    {"SELECT arbitrary(x) FROM (VALUES (5)) t(x)", "5"},
    {"SELECT bool_and(x > 0), bool_or(x > 2), every(x > 1) FROM (VALUES (1), (2), (3)) t(x)",
     "true | true | false"},
    {"SELECT count_if(x > 1), count(*), count(x) FROM (VALUES (1), (2), (NULL)) t(x)", "1 | 3 | 2"},
    {"SELECT max_by(n, v), min_by(n, v) FROM (VALUES ('a', 1), ('b', 5), ('c', 3)) t(n, v)", "b | a"},
    {"SELECT stddev(x), variance(x) FROM (VALUES (1), (2), (3), (4)) t(x)",
     "1.2909944487358056 | 1.6666666666666667"},
    {"SELECT stddev_pop(x), var_pop(x) FROM (VALUES (2), (4)) t(x)", "1.0 | 1.0"},
    {"SELECT avg(x), min(x), max(x) FROM (VALUES (1), (2), (4)) t(x)", "2.3333333333333335 | 1 | 4"},
    {"SELECT count(DISTINCT x) FROM (VALUES (1), (1), (2)) t(x)", "2"},
    {"SELECT array_agg(x ORDER BY x) FROM (VALUES (3), (1), (2)) t(x)", "[1, 2, 3]"},
    {"SELECT map_agg(k, v) FROM (VALUES ('a', 1)) t(k, v)", "{a=1}"},
    {"SELECT k, count(*) FROM (VALUES ('a'), ('b'), ('a')) t(k) GROUP BY k ORDER BY k", "a | 2\nb | 1"},
    {"SELECT k FROM (VALUES ('a'), ('b'), ('a')) t(k) GROUP BY 1 HAVING count(*) > 1", "a"},
    {"SELECT x, row_number() OVER (ORDER BY x DESC) FROM (VALUES (1), (2), (3)) t(x) ORDER BY x",
     "1 | 3\n2 | 2\n3 | 1"},
    {"SELECT x, sum(x) OVER (ORDER BY x) FROM (VALUES (1), (2), (3)) t(x) ORDER BY x",
     "1 | 1\n2 | 3\n3 | 6"},
    {"SELECT x, lag(x) OVER (ORDER BY x), lead(x, 1, 0) OVER (ORDER BY x) FROM (VALUES (1), (2)) t(x) "
     "ORDER BY x",
     "1 | NULL | 2\n2 | 1 | 0"},
};

static void trino_aggregates(void) {
    check_cases(aggregate_cases, sizeof aggregate_cases / sizeof aggregate_cases[0], false);
}

static const trino_case null_and_query_cases[] = {
    {"SELECT nullif(1, 1), nullif(1, 2), coalesce(NULL, 2, 3)", "NULL | 1 | 2"},
    {"SELECT if(1 < 2, 'yes', 'no')", "yes"},
    {"SELECT CASE WHEN 1 = 1 THEN 'a' ELSE 'b' END, CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END",
     "a | two"},
    {"SELECT NULL = NULL, 1 IN (1, NULL), 2 IN (1, NULL)", "NULL | true | NULL"},
    {"SELECT 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL", "true | true"},
    {"SELECT 5 BETWEEN 1 AND 10, 'b' BETWEEN 'a' AND 'c'", "true | true"},
    {"SELECT x FROM (VALUES (3), (1), (NULL), (2)) t(x) ORDER BY x", "1\n2\n3\nNULL"},
    {"SELECT x FROM (VALUES (3), (1), (NULL), (2)) t(x) ORDER BY x DESC", "3\n2\n1\nNULL"},
    {"SELECT x FROM (VALUES (1), (2)) t(x) UNION SELECT 2 ORDER BY 1", "1\n2"},
    {"SELECT x FROM (VALUES (1), (2), (3)) t(x) EXCEPT SELECT 2 ORDER BY 1", "1\n3"},
    {"SELECT x FROM (VALUES (1), (2), (3)) t(x) INTERSECT SELECT 2", "2"},
    {"SELECT x FROM (VALUES (1), (2), (3)) t(x) ORDER BY x OFFSET 1 LIMIT 1", "2"},
    {"WITH c AS (SELECT 1 AS a) SELECT a + 1 FROM c", "2"},
    {"SELECT (SELECT max(x) FROM (VALUES (1), (5)) t(x))", "5"},
    {"SELECT x FROM (VALUES (1), (2), (3)) t(x) WHERE x IN (SELECT 2)", "2"},
    /* Trino syntax that DuckDB's parser rejects, rewritten before parsing. */
    {"SELECT if(1 > 2, 'a'), if(1 < 2, 'a')", "NULL | a"},
    {"SELECT 'if(a, b)', if(x > 1, x) FROM (VALUES 1, 2) t(x) ORDER BY 2", "if(a, b) | 2\nif(a, b) | NULL"},
    {"VALUES 1, 2, 3", "1\n2\n3"},
    {"SELECT x FROM (VALUES 'a', 'b') t(x) WHERE x = 'b'", "b"},
    {"SELECT transform(ARRAY[1, 2], x -> x * 10)", "[10, 20]"},
};

static void trino_nulls_and_queries(void) {
    check_cases(null_and_query_cases, sizeof null_and_query_cases / sizeof null_and_query_cases[0],
                false);
}

/* ------------------------------------------------------------------ */

static const trino_case name_cases[] = {
    {"SELECT 1, x, count(*) FROM (VALUES (1)) t(x) GROUP BY x", "_col0, x, _col2"},
    {"SELECT t.x, x AS Renamed, x + 1 FROM (VALUES (1)) t(x)", "x, renamed, _col2"},
    {"SELECT 1 AS \"MixedCase\"", "mixedcase"},
    {"SELECT CAST(1 AS VARCHAR), upper('a') u", "_col0, u"},
    {"VALUES (1, 2)", "_col0, _col1"},
    {"SELECT * FROM (VALUES (1, 2)) t(a, b)", "a, b"},
    {"SELECT *, 5 FROM (VALUES (1, 2)) t(a, b)", "a, b, _col2"},
    {"SELECT 5, * FROM (VALUES (1, 2)) t(a, b)", "_col0, a, b"},
    {"SELECT * FROM (SELECT 1, 2 AS b) s", "_col0, b"},
    {"WITH c AS (SELECT 1) SELECT *, 2 FROM c", "_col0, _col1"},
    {"WITH c(a) AS (SELECT 1) SELECT * FROM c", "a"},
    {"SELECT 1 UNION ALL SELECT 2 AS two", "_col0"},
    {"SELECT s.*, 1 FROM (SELECT 1 AS q) s", "q, _col1"},
    {"SELECT CAST(ROW(1, 2) AS ROW(a INTEGER, b INTEGER)).b, ARRAY[1][1]", "b, _col1"},
};

static void trino_column_names(void) {
    check_cases(name_cases, sizeof name_cases / sizeof name_cases[0], true);
}

/* A Parquet file written for CTAS or INSERT carries the same names as a result. */
static void trino_parquet_column_names(void) {
    char path[] = "/tmp/owlery-test-trino-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    char *err = NULL;
    uint64_t rows = 0;
    CHECK(engine_query_to_parquet(db, "SELECT 7 / 2, 'a' AS Label, count(*) FROM (VALUES 1) t(x);",
                                  NULL, path, &rows, &err));
    CHECK_INT(rows, 1);

    engine_column columns[] = {{"_col0", "int", NULL}, {"label", "string", NULL},
                               {"_col2", "bigint", NULL}};
    engine_file file = {path, 1, NULL};
    engine_table table = {columns, 3, NULL, 0,
                          "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                          NULL, 0, NULL, NULL, 0, &file, 1};
    CHECK(engine_bind_table(db, "awsdatacatalog", "default", "ctas", &table, &err));
    result_text text;
    CHECK(run("SELECT * FROM awsdatacatalog.default.ctas", &text, &err));
    CHECK_STR(text.names.data, "_col0, label, _col2");
    CHECK_STR(text.rows.data, "3 | a | 1");
    result_text_free(&text);
    CHECK(engine_db_clear_bindings(db, &err));
    free(err);
    unlink(path);
}

/* ------------------------------------------------------------------ */

static const trino_case error_cases[] = {
    {"SELECT date_parse('2026-13-01', '%Y-%m-%d')",
     "INVALID_FUNCTION_ARGUMENT: Cannot parse \"2026-13-01\": Value 13 for monthOfYear must be in "
     "the range [1,12]"},
    {"SELECT date_parse('2026-02-30', '%Y-%m-%d')",
     "INVALID_FUNCTION_ARGUMENT: Cannot parse \"2026-02-30\": Value 30 for dayOfMonth must be in "
     "the range [1,28]"},
    {"SELECT date_parse('2026-12-04x', '%Y-%m-%d')",
     "INVALID_FUNCTION_ARGUMENT: Invalid format: \"2026-12-04x\" is malformed at \"x\""},
    {"SELECT date_parse('2026-12', '%Y-%m-%d')",
     "INVALID_FUNCTION_ARGUMENT: Invalid format: \"2026-12\" is too short"},
    {"SELECT date_format(DATE '2026-12-04', '%D')",
     "INVALID_FUNCTION_ARGUMENT: %D not supported in date format string"},
    {"SELECT date_parse('1', '%U')", "INVALID_FUNCTION_ARGUMENT: %U not supported in date format string"},
    {"SELECT format_datetime(TIMESTAMP '2026-12-04 07:05:01', 'yyyy-qq')",
     "INVALID_FUNCTION_ARGUMENT: Illegal pattern component: qq"},
    /* Positions count in the text as written, before the if() rewrite. */
    {"SELECT if(1 > 2, 'a') FROM nope.x.y",
     "TABLE_NOT_FOUND: line 1:28: Table 'nope.x.y' does not exist"},
    {"SELECT if(1 > 2, 'a'), nope FROM (VALUES 1) t(x)",
     "COLUMN_NOT_FOUND: line 1:24: Column 'nope' cannot be resolved"},
    {"SELECT if(1 > 2, 'a') FROM (VALUES 1) t(x) WHERE x = = 1",
     "SYNTAX_ERROR: line 1:54: syntax error at or near \"=\""},
};

static void trino_errors(void) {
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        result_text text;
        char *err = NULL;
        if (run(error_cases[i].sql, &text, &err)) {
            fprintf(stderr, "%s: succeeded, expected %s\n", error_cases[i].sql, error_cases[i].expected);
            unit_failures_in_test++;
        } else if (!err || strcmp(err, error_cases[i].expected) != 0) {
            fprintf(stderr, "%s\n  failed with \"%s\"\n  expected    \"%s\"\n", error_cases[i].sql,
                    err ? err : "(null)", error_cases[i].expected);
            unit_failures_in_test++;
        }
        free(err);
        result_text_free(&text);
    }
}

int main(void) {
    char *err = NULL;
    db = engine_db_open(NULL, &err);
    if (!db) {
        fprintf(stderr, "engine_db_open: %s\n", err);
        return 1;
    }
    UNIT_RUN(trino_arithmetic);
    UNIT_RUN(trino_datetime);
    UNIT_RUN(trino_strings);
    UNIT_RUN(trino_collections);
    UNIT_RUN(trino_aggregates);
    UNIT_RUN(trino_nulls_and_queries);
    UNIT_RUN(trino_column_names);
    UNIT_RUN(trino_parquet_column_names);
    UNIT_RUN(trino_errors);
    engine_db_close(db);
    return UNIT_SUMMARY();
}
