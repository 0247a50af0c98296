/*
 * Table binding: turns a Hive table definition plus the list of files the
 * service authorized into a DuckDB view "catalog"."database"."table".
 *
 * Readers, by serde (Hive 3 class names):
 *   LazySimpleSerDe  read_csv, no quoting, field.delim (default \001),
 *                    serialization.null.format (default \N),
 *                    skip.header.line.count; arrays, maps and structs split
 *                    on colelction.delim (\002) and mapkey.delim (\003).
 *   OpenCSVSerde     read_csv with separatorChar, quoteChar, escapeChar;
 *                    every field is read as text, empty fields are '' and
 *                    not NULL, then cast to the declared type. NOTE: DuckDB
 *                    has one escape character, so a doubled quote ("") is
 *                    not read as a quote when escapeChar is not the quote.
 *   JsonSerDe        read_ndjson_objects, keys matched case-insensitively
 *                    (openx and hcatalog serdes both lowercase keys).
 *   ParquetHiveSerDe read_parquet, columns matched by name.
 * Text and JSON files ending in .gz or .zst are decompressed (DuckDB's
 * compression='auto').
 *
 * Every value is converted with TRY_CAST, so a value that does not parse as
 * its column type reads as NULL, as Hive does. Partition values come from a
 * table of (file, value...) rows joined on the reader's filename column, so
 * a table with thousands of partitions is still one reader call per view.
 * All outside text reaches SQL through engine_put_ident/engine_put_literal.
 *
 * NOTE: escape.delim and line.delim of LazySimpleSerDe are not applied:
 * DuckDB's CSV reader has no backslash escapes outside quotes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

#define HIVE_DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"
#define FILE_COLUMN "__owl_file"

typedef enum bind_format { FORMAT_TEXT, FORMAT_OPENCSV, FORMAT_JSON, FORMAT_PARQUET } bind_format;

static const char *kv_get(const engine_kv *kv, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (kv[i].key && strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}

static bool contains_ci(const char *s, const char *needle) {
    return s && strcasestr(s, needle) != NULL;
}

static bool bind_pick_format(const engine_table *t, bind_format *out, char **err) {
    if (contains_ci(t->serde, "parquet") || (!t->serde && contains_ci(t->input_format, "parquet")))
        *out = FORMAT_PARQUET;
    else if (contains_ci(t->serde, "OpenCSVSerde"))
        *out = FORMAT_OPENCSV;
    else if (contains_ci(t->serde, "JsonSerDe"))
        *out = FORMAT_JSON;
    else if (contains_ci(t->serde, "LazySimpleSerDe") ||
             (!t->serde && (!t->input_format || contains_ci(t->input_format, "TextInputFormat"))))
        *out = FORMAT_TEXT;
    else {
        engine_set_err(err, "HIVE_UNSUPPORTED_FORMAT: serde '%s' with input format '%s' is not supported; "
                            "use LazySimpleSerDe, OpenCSVSerde, JsonSerDe or ParquetHiveSerDe",
                       t->serde ? t->serde : "(none)", t->input_format ? t->input_format : "(none)");
        return false;
    }
    if (*out == FORMAT_TEXT && t->input_format && !contains_ci(t->input_format, "TextInputFormat")) {
        engine_set_err(err, "HIVE_UNSUPPORTED_FORMAT: input format '%s' is not supported for text tables",
                       t->input_format);
        return false;
    }
    return true;
}

/* Appends s as a SQL string expression, spelling control bytes with chr(). */
static void put_text_expr(owl_buf *b, const char *s) {
    bool any = false;
    owl_buf part = OWL_BUF_INIT;
    owl_buf_putc(b, '(');
    for (const char *p = s;; p++) {
        if (*p == '\0' || (unsigned char)*p < 0x20) {
            if (part.len || (*p == '\0' && !any)) {
                if (any)
                    owl_buf_puts(b, " || ");
                engine_put_literal(b, part.data ? part.data : "");
                any = true;
                owl_buf_reset(&part);
            }
            if (*p == '\0')
                break;
            if (any)
                owl_buf_puts(b, " || ");
            owl_buf_printf(b, "chr(%d)", (unsigned char)*p);
            any = true;
        } else {
            owl_buf_putc(&part, *p);
        }
    }
    owl_buf_putc(b, ')');
    owl_buf_free(&part);
}

/*
 * Hive's delimiters may be given as the character itself or as its decimal
 * code ("1" for \001, as serialization.format usually is). Returns a
 * malloc'd one-character string.
 */
static char *hive_delim(const char *value, char fallback) {
    char out[2] = {fallback, 0};
    if (value && *value) {
        if (strlen(value) > 1 && isdigit((unsigned char)value[0])) {
            long code = strtol(value, NULL, 10);
            if (code > 0 && code < 256)
                out[0] = (char)code;
        } else if (strlen(value) == 1 && isdigit((unsigned char)value[0]) && value[0] != '0') {
            out[0] = (char)(value[0] - '0');
        } else {
            out[0] = value[0];
        }
    }
    return strdup(out);
}

/* ---------------------------------------------------------------- text values */

/*
 * Appends the expression that converts text expr to type t, splitting
 * nested values on the LazySimpleSerDe separator of their level.
 */
static void put_text_value(owl_buf *b, const char *expr, const engine_hive_type *t,
                           const char *separators, int level) {
    char sep = separators[level < 8 ? level : 7];
    char next = separators[level + 1 < 8 ? level + 1 : 7];
    switch (t->kind) {
    case HIVE_STRING:
    case HIVE_VARCHAR:
    case HIVE_CHAR:
        owl_buf_puts(b, expr);
        return;
    case HIVE_BOOLEAN:
        owl_buf_printf(b, "(CASE lower(%s) WHEN 'true' THEN true WHEN 'false' THEN false END)", expr);
        return;
    case HIVE_BINARY:
        /* Hive text tables store binary as base64. */
        owl_buf_printf(b, "TRY(from_base64(%s))", expr);
        return;
    case HIVE_ARRAY:
        owl_buf_printf(b, "list_transform(string_split(%s, chr(%d)), x%d -> ", expr, (unsigned char)sep, level);
        {
            char var[16];
            snprintf(var, sizeof var, "x%d", level);
            put_text_value(b, var, t->children[0], separators, level + 1);
        }
        owl_buf_putc(b, ')');
        return;
    case HIVE_MAP: {
        char var[16];
        snprintf(var, sizeof var, "x%d", level);
        owl_buf key = OWL_BUF_INIT, value = OWL_BUF_INIT;
        owl_buf_printf(&key, "split_part(%s, chr(%d), 1)", var, (unsigned char)next);
        owl_buf_printf(&value, "split_part(%s, chr(%d), 2)", var, (unsigned char)next);
        owl_buf_printf(b, "map_from_entries(list_transform(string_split(%s, chr(%d)), %s -> {'key': ",
                       expr, (unsigned char)sep, var);
        put_text_value(b, key.data, t->children[0], separators, level + 2);
        owl_buf_puts(b, ", 'value': ");
        put_text_value(b, value.data, t->children[1], separators, level + 2);
        owl_buf_puts(b, "}))");
        owl_buf_free(&key);
        owl_buf_free(&value);
        return;
    }
    case HIVE_STRUCT:
        owl_buf_puts(b, "struct_pack(");
        for (size_t i = 0; i < t->child_count; i++) {
            owl_buf field = OWL_BUF_INIT;
            owl_buf_printf(&field, "string_split(%s, chr(%d))[%zu]", expr, (unsigned char)sep, i + 1);
            if (i)
                owl_buf_puts(b, ", ");
            engine_put_ident(b, t->field_names[i]);
            owl_buf_puts(b, " := ");
            put_text_value(b, field.data, t->children[i], separators, level + 1);
            owl_buf_free(&field);
        }
        owl_buf_putc(b, ')');
        return;
    default:
        owl_buf_printf(b, "TRY_CAST(%s AS ", expr);
        engine_hive_type_put_duckdb(b, t);
        owl_buf_putc(b, ')');
        return;
    }
}

/* ---------------------------------------------------------------- readers */

static void put_file_list(owl_buf *b, const engine_table *t) {
    owl_buf_putc(b, '[');
    for (size_t i = 0; i < t->file_count; i++) {
        if (i)
            owl_buf_putc(b, ',');
        engine_put_literal(b, t->files[i].path);
    }
    owl_buf_putc(b, ']');
}

static void put_csv_columns(owl_buf *b, size_t n) {
    owl_buf_puts(b, "columns={");
    for (size_t i = 0; i < n; i++)
        owl_buf_printf(b, "%s'c%zu':'VARCHAR'", i ? "," : "", i);
    owl_buf_putc(b, '}');
}

static long skip_lines(const engine_table *t) {
    const char *skip = kv_get(t->table_params, t->table_param_count, "skip.header.line.count");
    if (!skip)
        skip = kv_get(t->serde_params, t->serde_param_count, "skip.header.line.count");
    long n = skip ? strtol(skip, NULL, 10) : 0;
    return n > 0 && n < 1000000 ? n : 0;
}

static void put_reader(owl_buf *b, const engine_table *t, bind_format format) {
    const engine_kv *sp = t->serde_params;
    size_t sn = t->serde_param_count;
    switch (format) {
    case FORMAT_TEXT: {
        const char *fd = kv_get(sp, sn, "field.delim");
        char *delim = hive_delim(fd ? fd : kv_get(sp, sn, "serialization.format"), '\001');
        const char *null_format = kv_get(sp, sn, "serialization.null.format");
        owl_buf_puts(b, "read_csv(");
        put_file_list(b, t);
        owl_buf_puts(b, ", delim=");
        put_text_expr(b, delim);
        owl_buf_puts(b, ", quote='', escape='', header=false, auto_detect=false, strict_mode=false, "
                        "null_padding=true, compression='auto', nullstr=");
        put_text_expr(b, null_format ? null_format : "\\N");
        owl_buf_printf(b, ", skip=%ld, filename='" FILE_COLUMN "', ", skip_lines(t));
        put_csv_columns(b, t->column_count);
        owl_buf_putc(b, ')');
        free(delim);
        break;
    }
    case FORMAT_OPENCSV: {
        char *sep = hive_delim(kv_get(sp, sn, "separatorChar"), ',');
        char *quote = hive_delim(kv_get(sp, sn, "quoteChar"), '"');
        char *escape = hive_delim(kv_get(sp, sn, "escapeChar"), '\\');
        owl_buf_puts(b, "read_csv(");
        put_file_list(b, t);
        owl_buf_puts(b, ", delim=");
        put_text_expr(b, sep);
        owl_buf_puts(b, ", quote=");
        put_text_expr(b, quote);
        owl_buf_puts(b, ", escape=");
        put_text_expr(b, escape);
        owl_buf_printf(b, ", header=false, auto_detect=false, strict_mode=false, null_padding=true, "
                          "compression='auto', skip=%ld, filename='" FILE_COLUMN "', ",
                       skip_lines(t));
        put_csv_columns(b, t->column_count);
        owl_buf_putc(b, ')');
        free(sep);
        free(quote);
        free(escape);
        break;
    }
    case FORMAT_JSON:
        owl_buf_puts(b, "read_ndjson_objects(");
        put_file_list(b, t);
        owl_buf_puts(b, ", filename='" FILE_COLUMN "')");
        break;
    case FORMAT_PARQUET:
        owl_buf_puts(b, "read_parquet(");
        put_file_list(b, t);
        owl_buf_puts(b, ", union_by_name=true, filename='" FILE_COLUMN "')");
        break;
    }
}

/* Appends the expression for data column i of a table read with format. */
static void put_column(owl_buf *b, const engine_table *t, size_t i, const engine_hive_type *type,
                       bind_format format) {
    char *name = engine_lower_dup(t->columns[i].name);
    char ref[32];
    snprintf(ref, sizeof ref, "r.c%zu", i);
    switch (format) {
    case FORMAT_TEXT: {
        const engine_kv *sp = t->serde_params;
        size_t sn = t->serde_param_count;
        char separators[9] = {'\001', '\002', '\003', '\004', '\005', '\006', '\007', '\010', 0};
        char *c = hive_delim(kv_get(sp, sn, "colelction.delim"), '\002');
        char *m = hive_delim(kv_get(sp, sn, "mapkey.delim"), '\003');
        separators[1] = c[0];
        separators[2] = m[0];
        free(c);
        free(m);
        put_text_value(b, ref, type, separators, 1);
        break;
    }
    case FORMAT_OPENCSV:
        if (type->kind == HIVE_STRING || type->kind == HIVE_VARCHAR || type->kind == HIVE_CHAR) {
            owl_buf_printf(b, "coalesce(%s, '')", ref);
        } else {
            owl_buf_printf(b, "TRY_CAST(%s AS ", ref);
            engine_hive_type_put_duckdb(b, type);
            owl_buf_putc(b, ')');
        }
        break;
    case FORMAT_JSON: {
        /* Exact key first; otherwise the first key equal ignoring case. */
        owl_buf path = OWL_BUF_INIT;
        owl_buf_puts(&path, "$.\"");
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                owl_buf_putc(&path, '\\');
            owl_buf_putc(&path, *p);
        }
        owl_buf_putc(&path, '"');
        owl_buf value = OWL_BUF_INIT;
        owl_buf_puts(&value, "coalesce(json_extract(r.json, ");
        engine_put_literal(&value, path.data);
        owl_buf_puts(&value, "), list_filter(map_entries(TRY_CAST(r.json AS MAP(VARCHAR, JSON))), "
                             "e -> lower(e.key) = ");
        engine_put_literal(&value, name);
        owl_buf_puts(&value, ")[1].value)");
        if (engine_hive_type_is_primitive(type)) {
            if (type->kind == HIVE_STRING || type->kind == HIVE_VARCHAR || type->kind == HIVE_CHAR)
                owl_buf_printf(b, "json_extract_string(%s, '$')", value.data);
            else {
                owl_buf_printf(b, "TRY_CAST(json_extract_string(%s, '$') AS ", value.data);
                engine_hive_type_put_duckdb(b, type);
                owl_buf_putc(b, ')');
            }
        } else {
            owl_buf_printf(b, "TRY_CAST(%s AS ", value.data);
            engine_hive_type_put_duckdb(b, type);
            owl_buf_putc(b, ')');
        }
        owl_buf_free(&path);
        owl_buf_free(&value);
        break;
    }
    case FORMAT_PARQUET:
        owl_buf_puts(b, "TRY_CAST(r.");
        engine_put_ident(b, name);
        owl_buf_puts(b, " AS ");
        engine_hive_type_put_duckdb(b, type);
        owl_buf_putc(b, ')');
        break;
    }
    owl_buf_puts(b, " AS ");
    engine_put_ident(b, name);
    free(name);
}

/* ---------------------------------------------------------------- catalogs */

static bool bind_attach(engine_db *db, const char *catalog, const char *database, char **err) {
    bool attached = false;
    for (size_t i = 0; i < db->catalog_count && !attached; i++)
        attached = strcmp(db->catalogs[i], catalog) == 0;
    owl_buf sql = OWL_BUF_INIT;
    bool ok = true;
    if (!attached) {
        owl_buf_puts(&sql, "ATTACH ':memory:' AS ");
        engine_put_ident(&sql, catalog);
        ok = engine_exec(db, sql.data, err);
        if (ok) {
            db->catalogs = realloc(db->catalogs, (db->catalog_count + 1) * sizeof *db->catalogs);
            if (!db->catalogs)
                abort();
            db->catalogs[db->catalog_count++] = strdup(catalog);
        }
    }
    const char *schemas[2] = {database, "__owl_files"};
    for (int i = 0; ok && i < 2; i++) {
        owl_buf_reset(&sql);
        owl_buf_puts(&sql, "CREATE SCHEMA IF NOT EXISTS ");
        engine_put_ident(&sql, catalog);
        owl_buf_putc(&sql, '.');
        engine_put_ident(&sql, schemas[i]);
        ok = engine_exec(db, sql.data, err);
    }
    owl_buf_free(&sql);
    return ok;
}

/* Appends "catalog"."__owl_files"."database.name", the file-to-partition table. */
static void put_files_table(owl_buf *b, const char *catalog, const char *database, const char *name) {
    engine_put_ident(b, catalog);
    owl_buf_puts(b, ".\"__owl_files\".");
    owl_buf key = OWL_BUF_INIT;
    owl_buf_printf(&key, "%s.%s", database, name);
    engine_put_ident(b, key.data);
    owl_buf_free(&key);
}

/* Creates and fills the (file, partition values...) table with an appender. */
static bool bind_files_table(engine_db *db, const char *catalog, const char *database,
                             const char *name, const engine_table *t, char **err) {
    owl_buf sql = OWL_BUF_INIT;
    owl_buf_puts(&sql, "CREATE OR REPLACE TABLE ");
    put_files_table(&sql, catalog, database, name);
    owl_buf_puts(&sql, " (" FILE_COLUMN " VARCHAR");
    for (size_t k = 0; k < t->partition_key_count; k++)
        owl_buf_printf(&sql, ", p%zu VARCHAR", k);
    owl_buf_putc(&sql, ')');
    bool ok = engine_exec(db, sql.data, err);
    owl_buf_free(&sql);
    if (!ok)
        return false;

    owl_buf table = OWL_BUF_INIT;
    owl_buf_printf(&table, "%s.%s", database, name);
    duckdb_appender appender;
    if (duckdb_appender_create_ext(db->conn, catalog, "__owl_files", table.data, &appender) == DuckDBError) {
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: cannot append partitions of %s: %s", table.data,
                       duckdb_appender_error(appender));
        duckdb_appender_destroy(&appender);
        owl_buf_free(&table);
        return false;
    }
    owl_buf_free(&table);
    for (size_t f = 0; ok && f < t->file_count; f++) {
        ok = duckdb_append_varchar(appender, t->files[f].path) == DuckDBSuccess;
        for (size_t k = 0; ok && k < t->partition_key_count; k++) {
            const char *v = t->files[f].partition_values ? t->files[f].partition_values[k] : NULL;
            if (!v || strcmp(v, HIVE_DEFAULT_PARTITION) == 0)
                ok = duckdb_append_null(appender) == DuckDBSuccess;
            else
                ok = duckdb_append_varchar(appender, v) == DuckDBSuccess;
        }
        ok = ok && duckdb_appender_end_row(appender) == DuckDBSuccess;
    }
    if (!ok || duckdb_appender_close(appender) == DuckDBError) {
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: cannot append partitions: %s",
                       duckdb_appender_error(appender));
        ok = false;
    }
    duckdb_appender_destroy(&appender);
    return ok;
}

static bool bind_parse_types(const engine_column *cols, size_t n, engine_hive_type **types, char **err) {
    for (size_t i = 0; i < n; i++) {
        char *type_err = NULL;
        types[i] = engine_hive_type_parse(cols[i].type ? cols[i].type : "", &type_err);
        if (!types[i]) {
            engine_set_err(err, "HIVE_INVALID_METADATA: column '%s': %s", cols[i].name,
                           type_err ? type_err : "invalid type");
            free(type_err);
            return false;
        }
    }
    return true;
}

bool engine_bind_table(engine_db *db, const char *catalog_in, const char *database_in,
                       const char *name_in, const engine_table *t, char **err) {
    bind_format format;
    if (!bind_pick_format(t, &format, err))
        return false;
    char *catalog = engine_lower_dup(catalog_in);
    char *database = engine_lower_dup(database_in);
    char *name = engine_lower_dup(name_in);
    size_t ntypes = t->column_count + t->partition_key_count;
    engine_hive_type **types = calloc(ntypes + 1, sizeof *types);
    if (!types)
        abort();
    owl_buf sql = OWL_BUF_INIT;
    bool ok = bind_parse_types(t->columns, t->column_count, types, err) &&
              bind_parse_types(t->partition_keys, t->partition_key_count, types + t->column_count, err) &&
              bind_attach(db, catalog, database, err);
    bool partitioned = t->partition_key_count > 0 && t->file_count > 0;
    if (ok && partitioned)
        ok = bind_files_table(db, catalog, database, name, t, err);
    if (!ok)
        goto done;

    owl_buf_puts(&sql, "CREATE OR REPLACE VIEW ");
    engine_put_ident(&sql, catalog);
    owl_buf_putc(&sql, '.');
    engine_put_ident(&sql, database);
    owl_buf_putc(&sql, '.');
    engine_put_ident(&sql, name);
    owl_buf_puts(&sql, " AS SELECT ");
    for (size_t i = 0; i < ntypes; i++) {
        const engine_column *col = i < t->column_count ? &t->columns[i]
                                                       : &t->partition_keys[i - t->column_count];
        if (i)
            owl_buf_puts(&sql, ", ");
        char *col_name = engine_lower_dup(col->name);
        if (t->file_count == 0) {
            owl_buf_puts(&sql, "CAST(NULL AS ");
            engine_hive_type_put_duckdb(&sql, types[i]);
            owl_buf_puts(&sql, ") AS ");
            engine_put_ident(&sql, col_name);
        } else if (i < t->column_count) {
            put_column(&sql, t, i, types[i], format);
        } else {
            char ref[32];
            snprintf(ref, sizeof ref, "p.p%zu", i - t->column_count);
            put_text_value(&sql, ref, types[i], "\001\002\003\004\005\006\007\010", 1);
            owl_buf_puts(&sql, " AS ");
            engine_put_ident(&sql, col_name);
        }
        free(col_name);
    }
    if (t->file_count == 0) {
        owl_buf_puts(&sql, " WHERE false");
    } else {
        owl_buf_puts(&sql, " FROM ");
        put_reader(&sql, t, format);
        owl_buf_puts(&sql, " AS r");
        if (partitioned) {
            owl_buf_puts(&sql, " JOIN ");
            put_files_table(&sql, catalog, database, name);
            owl_buf_puts(&sql, " AS p ON r." FILE_COLUMN " = p." FILE_COLUMN);
        }
    }
    ok = engine_exec(db, sql.data, err);
    if (ok) {
        for (size_t f = 0; f < t->file_count; f++)
            db->bound_bytes += t->files[f].size;
        if (!engine_db_has_view(db, catalog, database, name)) {
            owl_buf key = OWL_BUF_INIT;
            owl_buf_printf(&key, "%s.%s.%s", catalog, database, name);
            db->views = realloc(db->views, (db->view_count + 1) * sizeof *db->views);
            if (!db->views)
                abort();
            db->views[db->view_count++] = owl_buf_detach(&key, NULL);
        }
    }
done:
    for (size_t i = 0; i < ntypes; i++)
        engine_hive_type_free(types[i]);
    free(types);
    owl_buf_free(&sql);
    free(catalog);
    free(database);
    free(name);
    return ok;
}
