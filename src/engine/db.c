/*
 * The engine's DuckDB database: opening it with the Trino function macros,
 * the attached catalogs that hold bound views, interruption, and the small
 * quoting and error helpers the other engine files share.
 *
 * Trino names that DuckDB 1.4 already provides with the same meaning (year,
 * month, day, hour, strpos, length, split, nullif, if, try_cast, json_extract,
 * count_if, max_by, array_agg, ...) are left alone. The macros below cover names DuckDB
 * lacks or defines differently, trino_functions.c adds the C functions that
 * a macro cannot express, and trino_rewrite.c the syntax (two-argument if,
 * VALUES rows without parentheses) that DuckDB's parser rejects. The
 * test tables in tests/unit/test_engine_macros.c and test_engine_trino.c pin
 * each one to Trino's result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

static const char *const engine_macros[] = {
    "CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
    "CREATE MACRO from_iso8601_date(s) AS CAST(s AS DATE)",
    /* Trino prints timestamps with milliseconds and a Z only when zoned. */
    "CREATE MACRO to_iso8601(x) AS CASE"
    " WHEN typeof(x) = 'DATE' THEN strftime(CAST(x AS DATE), '%Y-%m-%d')"
    " WHEN typeof(x) = 'TIMESTAMP WITH TIME ZONE'"
    "  THEN strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'"
    " ELSE strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') END",
    "CREATE MACRO approx_distinct(x) AS approx_count_distinct(x)",
    "CREATE MACRO approx_percentile(x, p) AS approx_quantile(x, p)",
    "CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    /* DuckDB's own cardinality() takes only maps and len() only lists. */
    "CREATE MACRO cardinality(x) AS __owl_cardinality(x)",
    /* Trino returns NULL when the path selects an object or array. */
    "CREATE MACRO json_extract_scalar(j, p) AS CASE"
    " WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL"
    " ELSE json_extract_string(j, p) END",
    /* DuckDB's element_at(map) returns a list of values; Trino returns the value. */
    "CREATE MACRO element_at(c, k) AS c[k]",
    /* Trino replaces every match. NOTE: Trino writes groups in the
     * replacement as $1 and DuckDB as \1; they are not translated. */
    "CREATE MACRO regexp_replace(s, p) AS system.main.regexp_replace(s, p, '', 'g'),"
    " (s, p, r) AS system.main.regexp_replace(s, p, r, 'g')",
    "CREATE MACRO json_array_length(j) AS CAST(system.main.json_array_length(j) AS BIGINT)",
    /* Trino returns NULL when nothing matches; DuckDB returns ''. */
    "CREATE MACRO regexp_extract(s, p) AS"
    " CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p) END,"
    " (s, p, g) AS CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p, g) END",
    /* Trino returns NULL past the last field, and replace(s, f) deletes f. */
    "CREATE MACRO split_part(s, d, i) AS"
    " CASE WHEN i <= len(string_split(s, d)) THEN system.main.split_part(s, d, i) END",
    "CREATE MACRO replace(s, f) AS system.main.replace(s, f, ''),"
    " (s, f, r) AS system.main.replace(s, f, r)",
    "CREATE MACRO regexp_split(s, p) AS regexp_split_to_array(s, p)",
    /* URL parts as Trino's url_extract_* return them (RFC 3986 syntax),
     * NULL when the part is absent. */
    "CREATE MACRO url_extract_protocol(u) AS regexp_extract(u, '^([a-zA-Z][a-zA-Z0-9+.-]*):', 1)",
    "CREATE MACRO url_extract_host(u) AS"
    " regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]*)', 1)",
    "CREATE MACRO url_extract_port(u) AS TRY_CAST(regexp_extract(u,"
    " '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?[^:/?#]*:([0-9]+)', 1) AS BIGINT)",
    "CREATE MACRO url_extract_path(u) AS"
    " regexp_extract(u, '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*)?([^?#]*)', 1)",
    "CREATE MACRO url_extract_query(u) AS regexp_extract(u, '^[^?#]*[?]([^#]*)', 1)",
    "CREATE MACRO url_extract_fragment(u) AS regexp_extract(u, '#(.*)$', 1)",
    "CREATE MACRO url_extract_parameter(u, name) AS list_transform(list_filter("
    "string_split(url_extract_query(u), '&'), p -> split_part(p, '=', 1) = name),"
    " p -> substr(p, length(name) + 2))[1]",
    /* Trino's concat returns NULL when any argument is NULL. Macros are not
     * variadic, so it exists for two to eight arguments. */
    "CREATE MACRO concat(a, b) AS a || b, (a, b, c) AS a || b || c,"
    " (a, b, c, d) AS a || b || c || d, (a, b, c, d, e) AS a || b || c || d || e,"
    " (a, b, c, d, e, f) AS a || b || c || d || e || f,"
    " (a, b, c, d, e, f, g) AS a || b || c || d || e || f || g,"
    " (a, b, c, d, e, f, g, h) AS a || b || c || d || e || f || g || h",
    /* Trino returns '' for start 0 or before the first character; DuckDB
     * counts such a start as position 1 or earlier. */
    "CREATE MACRO substr(s, i) AS CASE WHEN i = 0 OR i < -length(s) THEN ''"
    " ELSE system.main.substr(s, i) END,"
    " (s, i, n) AS CASE WHEN i = 0 OR i < -length(s) THEN '' ELSE system.main.substr(s, i, n) END",
    "CREATE MACRO substring(s, i) AS substr(s, i), (s, i, n) AS substr(s, i, n)",
    /* Trino's greatest and least return NULL when any argument is NULL;
     * DuckDB's skip NULL. Defined for two to six arguments, and
     * list_position finds a NULL element. */
    "CREATE MACRO greatest(a, b) AS CASE WHEN list_position([a, b], NULL) IS NULL"
    " THEN system.main.greatest(a, b) END,"
    " (a, b, c) AS CASE WHEN list_position([a, b, c], NULL) IS NULL"
    " THEN system.main.greatest(a, b, c) END,"
    " (a, b, c, d) AS CASE WHEN list_position([a, b, c, d], NULL) IS NULL"
    " THEN system.main.greatest(a, b, c, d) END,"
    " (a, b, c, d, e) AS CASE WHEN list_position([a, b, c, d, e], NULL) IS NULL"
    " THEN system.main.greatest(a, b, c, d, e) END,"
    " (a, b, c, d, e, f) AS CASE WHEN list_position([a, b, c, d, e, f], NULL) IS NULL"
    " THEN system.main.greatest(a, b, c, d, e, f) END",
    "CREATE MACRO least(a, b) AS CASE WHEN list_position([a, b], NULL) IS NULL"
    " THEN system.main.least(a, b) END,"
    " (a, b, c) AS CASE WHEN list_position([a, b, c], NULL) IS NULL"
    " THEN system.main.least(a, b, c) END,"
    " (a, b, c, d) AS CASE WHEN list_position([a, b, c, d], NULL) IS NULL"
    " THEN system.main.least(a, b, c, d) END,"
    " (a, b, c, d, e) AS CASE WHEN list_position([a, b, c, d, e], NULL) IS NULL"
    " THEN system.main.least(a, b, c, d, e) END,"
    " (a, b, c, d, e, f) AS CASE WHEN list_position([a, b, c, d, e, f], NULL) IS NULL"
    " THEN system.main.least(a, b, c, d, e, f) END",
    "CREATE MACRO bitwise_and(a, b) AS a & b",
    "CREATE MACRO bitwise_or(a, b) AS a | b",
    "CREATE MACRO bitwise_xor(a, b) AS xor(a, b)",
    "CREATE MACRO bitwise_not(a) AS ~a",
    /* json_array_get counts from 0, and from the end when negative. */
    /* Both paths must be valid for every i, because DuckDB evaluates both. */
    "CREATE MACRO json_array_get(j, i) AS CASE"
    " WHEN i >= 0 THEN json_extract(j, '$[' || abs(i) || ']')"
    " ELSE json_extract(j, '$[#-' || abs(i) || ']') END",
    "CREATE MACRO json_array_contains(j, v) AS CASE WHEN json_type(j) = 'ARRAY'"
    " THEN list_contains(json_extract(j, '$[*]'), to_json(v)) END",
    "CREATE MACRO is_json_scalar(j) AS json_type(j) NOT IN ('OBJECT', 'ARRAY')",
    "CREATE MACRO json_parse(s) AS json(s)",
    "CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)",
    "CREATE MACRO json_size(j, p) AS CASE"
    " WHEN json_type(j, p) = 'ARRAY' THEN system.main.json_array_length(j, p)"
    " WHEN json_type(j, p) = 'OBJECT' THEN len(json_keys(j, p)) ELSE 0 END",
    /* The session time zone is UTC, so a plain timestamp is the UTC time. */
    /* Trino returns timestamp(3) with time zone. */
    "CREATE MACRO from_unixtime(x) AS"
    " CAST(make_timestamp(CAST(round(CAST(x AS DOUBLE) * 1000000) AS BIGINT)) AS TIMESTAMPTZ)",
    "CREATE MACRO to_unixtime(t) AS epoch(t)",
    /* Trino counts whole units between the two values, which is DuckDB's date_sub. */
    "CREATE MACRO date_diff(u, a, b) AS date_sub(u, a, b)",
    "CREATE MACRO __owl_interval(u, n) AS CASE lower(u)"
    " WHEN 'millisecond' THEN to_milliseconds(CAST(n AS BIGINT))"
    " WHEN 'second' THEN to_seconds(CAST(n AS BIGINT))"
    " WHEN 'minute' THEN to_minutes(CAST(n AS BIGINT))"
    " WHEN 'hour' THEN to_hours(CAST(n AS BIGINT))"
    " WHEN 'day' THEN to_days(CAST(n AS INTEGER))"
    " WHEN 'week' THEN to_weeks(CAST(n AS INTEGER))"
    " WHEN 'month' THEN to_months(CAST(n AS INTEGER))"
    " WHEN 'quarter' THEN to_months(CAST(n AS INTEGER) * 3)"
    " WHEN 'year' THEN to_years(CAST(n AS INTEGER))"
    " ELSE error('INVALID_FUNCTION_ARGUMENT: ''' || u || ''' is not a valid unit') END",
    /* Keeps DuckDB's date_add(date, interval) and adds Trino's form, whose
     * result has the type of its third argument. */
    "CREATE MACRO date_add(d, i) AS d + i,"
    " (u, n, t) AS cast_to_type(t + __owl_interval(u, n), t)",
    /* DuckDB truncates a timestamp to a date for units of a day or more;
     * Trino keeps the argument's type. */
    "CREATE MACRO date_trunc(u, t) AS cast_to_type(system.main.date_trunc(u, t), t)",
    "CREATE MACRO day_of_week(x) AS isodow(x)",
    "CREATE MACRO dow(x) AS isodow(x)",
    "CREATE MACRO day_of_month(x) AS day(x)",
    "CREATE MACRO day_of_year(x) AS dayofyear(x)",
    "CREATE MACRO doy(x) AS dayofyear(x)",
    "CREATE MACRO week_of_year(x) AS week(x)",
    "CREATE MACRO year_of_week(x) AS isoyear(x)",
    "CREATE MACRO yow(x) AS isoyear(x)",
    "CREATE MACRO last_day_of_month(x) AS last_day(x)",
    /* Trino skips NULL elements unless a replacement is given. DuckDB's
     * array_to_string needs a constant separator, which a macro body is not. */
    "CREATE MACRO array_join(a, d) AS coalesce(list_reduce(list_transform(list_filter(a,"
    " x -> x IS NOT NULL), x -> CAST(x AS VARCHAR)), (x, y) -> x || d || y), ''),"
    " (a, d, n) AS coalesce(list_reduce(list_transform(a, x -> coalesce(CAST(x AS VARCHAR), n)),"
    " (x, y) -> x || d || y), '')",
    "CREATE MACRO array_max(a) AS list_max(a)",
    "CREATE MACRO array_min(a) AS list_min(a)",
    /* Trino keeps the first occurrence of each element, NULL included, in
     * order; list_distinct does neither. list_position finds NULL. */
    "CREATE MACRO array_distinct(a) AS list_filter(a, (x, i) -> list_position(a, x) = i)",
    "CREATE MACRO array_union(a, b) AS array_distinct(list_concat(a, b))",
    "CREATE MACRO array_except(a, b) AS"
    " list_filter(array_distinct(a), x -> list_position(b, x) IS NULL)",
    "CREATE MACRO array_intersect(a, b) AS"
    " list_filter(array_distinct(a), x -> list_position(b, x) IS NOT NULL)",
    "CREATE MACRO array_remove(a, e) AS list_filter(a, x -> x IS DISTINCT FROM e)",
    /* Trino returns 0 for a missing element, and NULL from contains when
     * the element is missing but the array has a NULL. Trino has no
     * contains(varchar, varchar), so DuckDB's string form is given up. */
    "CREATE MACRO array_position(a, e) AS"
    " CASE WHEN e IS NOT NULL THEN coalesce(list_position(a, e), 0) END",
    "CREATE MACRO contains(a, e) AS CASE WHEN list_contains(a, e) THEN true"
    " WHEN e IS NULL OR list_position(a, NULL) IS NOT NULL THEN NULL ELSE false END",
    "CREATE MACRO slice(a, s, n) AS list_slice(a, s, s + n - 1)",
    /* The cast keeps dates dates: DuckDB steps dates as timestamps. */
    "CREATE MACRO sequence(a, b) AS generate_series(a, b),"
    " (a, b, s) AS cast_to_type(generate_series(a, b, s), [a])",
    "CREATE MACRO is_nan(x) AS isnan(x)",
    "CREATE MACRO is_finite(x) AS isfinite(x)",
    "CREATE MACRO is_infinite(x) AS isinf(x)",
    "CREATE MACRO infinity() AS CAST('inf' AS DOUBLE)",
    "CREATE MACRO nan() AS CAST('nan' AS DOUBLE)",
    "CREATE MACRO codepoint(s) AS unicode(s)",
    "CREATE MACRO to_utf8(s) AS encode(s)",
    "CREATE MACRO from_utf8(b) AS decode(b)",
    "CREATE MACRO levenshtein_distance(a, b) AS levenshtein(a, b)",
    "CREATE MACRO hamming_distance(a, b) AS hamming(a, b)",
    "CREATE MACRO every(x) AS bool_and(x)",
    "CREATE MACRO map_agg(k, v) AS map(list(k), list(v))",
    "CREATE MACRO truncate(x) AS trunc(x)",
    /* Trino's round(x, d) keeps the scale of a decimal x: round(1.234, 2) is
     * 1.230. x * 1 has x's scale with room for a carry into a new digit. */
    "CREATE MACRO round(x) AS system.main.round(x),"
    " (x, d) AS cast_to_type(system.main.round(x, d), x * 1)",
    "CREATE MACRO current_timezone() AS 'UTC'",
    "CREATE MACRO rand() AS random()",
};

void engine_set_err(char **err, const char *fmt, ...) {
    if (!err)
        return;
    owl_buf b = OWL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    owl_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(*err);
    *err = owl_buf_detach(&b, NULL);
}

void engine_put_ident(owl_buf *b, const char *s) {
    owl_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            owl_buf_putc(b, '"');
        owl_buf_putc(b, *s);
    }
    owl_buf_putc(b, '"');
}

void engine_put_literal(owl_buf *b, const char *s) {
    owl_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            owl_buf_putc(b, '\'');
        owl_buf_putc(b, *s);
    }
    owl_buf_putc(b, '\'');
}

char *engine_lower_dup(const char *s) {
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (!out)
        abort();
    for (size_t i = 0; i <= n; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    return out;
}

bool engine_exec(engine_db *db, const char *sql, char **err) {
    duckdb_result result;
    if (duckdb_query(db->conn, sql, &result) == DuckDBError) {
        if (err) {
            free(*err);
            *err = engine_error_from_duckdb(sql, duckdb_result_error(&result), -1);
        }
        duckdb_destroy_result(&result);
        return false;
    }
    duckdb_destroy_result(&result);
    return true;
}

static bool engine_db_set(duckdb_config config, const char *name, const char *value, char **err) {
    if (duckdb_set_config(config, name, value) == DuckDBError) {
        engine_set_err(err, "invalid DuckDB setting %s=%s", name, value);
        return false;
    }
    return true;
}

engine_db *engine_db_open(const engine_db_options *options, char **err) {
    engine_db *db = calloc(1, sizeof *db);
    if (!db)
        abort();
    atomic_init(&db->interrupt_requested, false);

    duckdb_config config;
    if (duckdb_create_config(&config) == DuckDBError) {
        engine_set_err(err, "cannot create a DuckDB configuration");
        free(db);
        return NULL;
    }
    bool ok = true;
    if (options && options->threads > 0) {
        char threads[16];
        snprintf(threads, sizeof threads, "%d", options->threads);
        ok = engine_db_set(config, "threads", threads, err);
    }
    if (ok && options && options->memory_limit)
        ok = engine_db_set(config, "memory_limit", options->memory_limit, err);
    /* The engine only reads files the service authorized; refuse remote
     * readers and extension downloads. */
    if (ok)
        ok = engine_db_set(config, "autoinstall_known_extensions", "false", err) &&
             engine_db_set(config, "autoload_known_extensions", "false", err);
    char *open_err = NULL;
    if (ok && duckdb_open_ext(NULL, &db->database, config, &open_err) == DuckDBError) {
        engine_set_err(err, "cannot open DuckDB: %s", open_err ? open_err : "unknown error");
        duckdb_free(open_err);
        ok = false;
    }
    duckdb_destroy_config(&config);
    if (!ok) {
        free(db);
        return NULL;
    }
    if (duckdb_connect(db->database, &db->conn) == DuckDBError) {
        engine_set_err(err, "cannot connect to DuckDB");
        duckdb_close(&db->database);
        free(db);
        return NULL;
    }
    /* TimeZone exists only when DuckDB has its ICU extension; without it
     * TIMESTAMPTZ values are already UTC. */
    engine_exec(db, "SET TimeZone = 'UTC'", NULL);
    /* Trino's / on two integers truncates toward zero, as DuckDB's // does. */
    if (!engine_exec(db, "SET integer_division = true", err) ||
        !engine_trino_register_functions(db->conn, err)) {
        engine_db_close(db);
        return NULL;
    }
    for (size_t i = 0; i < sizeof engine_macros / sizeof engine_macros[0]; i++) {
        if (!engine_exec(db, engine_macros[i], err)) {
            engine_db_close(db);
            return NULL;
        }
    }
    return db;
}

void engine_db_close(engine_db *db) {
    if (!db)
        return;
    for (size_t i = 0; i < db->catalog_count; i++)
        free(db->catalogs[i]);
    free(db->catalogs);
    for (size_t i = 0; i < db->view_count; i++)
        free(db->views[i]);
    free(db->views);
    duckdb_disconnect(&db->conn);
    duckdb_close(&db->database);
    free(db);
}

bool engine_db_clear_bindings(engine_db *db, char **err) {
    bool ok = engine_exec(db, "USE memory.main", err);
    for (size_t i = 0; i < db->catalog_count; i++) {
        owl_buf sql = OWL_BUF_INIT;
        owl_buf_puts(&sql, "DETACH DATABASE IF EXISTS ");
        engine_put_ident(&sql, db->catalogs[i]);
        if (!engine_exec(db, sql.data, err))
            ok = false;
        owl_buf_free(&sql);
        free(db->catalogs[i]);
    }
    free(db->catalogs);
    db->catalogs = NULL;
    db->catalog_count = 0;
    for (size_t i = 0; i < db->view_count; i++)
        free(db->views[i]);
    free(db->views);
    db->views = NULL;
    db->view_count = 0;
    db->bound_bytes = 0;
    return ok;
}

void engine_db_interrupt(engine_db *db) {
    atomic_store(&db->interrupt_requested, true);
    duckdb_interrupt(db->conn);
}

bool engine_db_has_view(const engine_db *db, const char *catalog, const char *database,
                        const char *table) {
    size_t cl = strlen(catalog), dl = strlen(database);
    for (size_t i = 0; i < db->view_count; i++) {
        const char *v = db->views[i];
        if (strncmp(v, catalog, cl) == 0 && v[cl] == '.' && strncmp(v + cl + 1, database, dl) == 0 &&
            v[cl + 1 + dl] == '.' && strcmp(v + cl + dl + 2, table) == 0)
            return true;
    }
    return false;
}
