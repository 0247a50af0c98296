/*
 * SQL text analysis on top of DuckDB's parser: the table references of a
 * statement (through json_serialize_sql(), whose JSON form of the parse
 * tree is part of DuckDB 1.4's json extension), statement classification
 * for the DDL DuckDB cannot parse, and the mapping of DuckDB error messages
 * onto Athena's error names ("TABLE_NOT_FOUND: line 1:15: ...").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

void engine_offset_to_line_col(const char *sql, long offset, int *line, int *column) {
    *line = 1;
    *column = 1;
    for (long i = 0; i < offset && sql[i]; i++) {
        if (sql[i] == '\n') {
            (*line)++;
            *column = 1;
        } else if (((unsigned char)sql[i] & 0xC0) != 0x80) {
            /* Trino counts characters, so UTF-8 continuation bytes do not count. */
            (*column)++;
        }
    }
}

/* ---------------------------------------------------------------- errors */

/* Copies the first line of a DuckDB message after its "Xxx Error: " prefix. */
static char *first_line_after(const char *msg, const char *prefix) {
    const char *s = msg + strlen(prefix);
    size_t n = strcspn(s, "\n");
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return strndup(s, n);
}

/*
 * Finds the error offset that DuckDB shows as "LINE n: <text>" followed by
 * a line with a caret under the failing character. Returns -1 when absent.
 */
static long offset_from_caret(const char *sql, const char *msg) {
    const char *at = strstr(msg, "\nLINE ");
    if (!at)
        return -1;
    at++;
    char *end;
    long line = strtol(at + 5, &end, 10);
    if (line < 1 || *end != ':')
        return -1;
    size_t prefix = (size_t)(end + 2 - at);
    const char *shown = at + prefix;
    size_t shown_len = strcspn(shown, "\n");
    if (shown[shown_len] != '\n')
        return -1;
    const char *caret_line = shown + shown_len + 1;
    size_t caret = strspn(caret_line, " ");
    if (caret_line[caret] != '^' || caret < prefix)
        return -1;
    size_t caret_col = caret - prefix;

    /* The start of line n in sql. */
    const char *line_start = sql;
    for (long l = 1; l < line && line_start; l++) {
        line_start = strchr(line_start, '\n');
        if (line_start)
            line_start++;
    }
    if (!line_start)
        return -1;
    /* DuckDB abbreviates long lines with "..."; find the shown text in the line. */
    size_t skip = 0;
    if (shown_len >= 3 && strncmp(shown, "...", 3) == 0)
        skip = 3;
    size_t probe_len = shown_len - skip < 16 ? shown_len - skip : 16;
    const char *found = line_start;
    if (skip) {
        char *probe = strndup(shown + skip, probe_len);
        found = probe_len ? strstr(line_start, probe) : NULL;
        free(probe);
        if (!found || caret_col < skip)
            return -1;
        caret_col -= skip;
    }
    /* caret_col counts display characters; step over UTF-8 characters. */
    const char *p = found;
    for (size_t c = 0; c < caret_col && *p && *p != '\n'; c++) {
        p++;
        while (((unsigned char)*p & 0xC0) == 0x80)
            p++;
    }
    return (long)(p - sql);
}

long engine_error_offset(const char *sql, const char *duckdb_message) {
    return duckdb_message ? offset_from_caret(sql, duckdb_message) : -1;
}

static char *quoted_between(const char *s, const char *open, const char *close) {
    const char *a = strstr(s, open);
    if (!a)
        return NULL;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b)
        return NULL;
    return strndup(a, (size_t)(b - a));
}

char *engine_error_from_duckdb(const char *sql, const char *msg, long offset) {
    if (!msg)
        msg = "unknown error";
    if (offset < 0 && sql)
        offset = offset_from_caret(sql, msg);
    char *text = NULL;
    const char *code = "GENERIC_INTERNAL_ERROR";
    char *name;

    if (strncmp(msg, "Parser Error: ", 14) == 0) {
        code = "SYNTAX_ERROR";
        text = first_line_after(msg, "Parser Error: ");
    } else if (strncmp(msg, "INTERRUPT Error: ", 17) == 0) {
        return strdup("USER_CANCELLED: Query was cancelled");
    } else if (strncmp(msg, "Catalog Error: Table with name ", 31) == 0 &&
               (name = quoted_between(msg, "Table with name ", " does not exist"))) {
        code = "TABLE_NOT_FOUND";
        owl_buf b = OWL_BUF_INIT;
        owl_buf_printf(&b, "Table '%s' does not exist", name);
        free(name);
        text = owl_buf_detach(&b, NULL);
    } else if (strncmp(msg, "Catalog Error: Scalar Function with name ", 41) == 0 &&
               (name = quoted_between(msg, "Function with name ", " does not exist"))) {
        code = "FUNCTION_NOT_FOUND";
        owl_buf b = OWL_BUF_INIT;
        owl_buf_printf(&b, "Function '%s' not registered", name);
        free(name);
        text = owl_buf_detach(&b, NULL);
    } else if (strncmp(msg, "Binder Error: Referenced column ", 32) == 0 &&
               (name = quoted_between(msg, "Referenced column \"", "\" not found"))) {
        code = "COLUMN_NOT_FOUND";
        owl_buf b = OWL_BUF_INIT;
        owl_buf_printf(&b, "Column '%s' cannot be resolved", name);
        free(name);
        text = owl_buf_detach(&b, NULL);
    } else if (strncmp(msg, "Binder Error: Values list ", 26) == 0 ||
               strstr(msg, "Referenced table ")) {
        code = "COLUMN_NOT_FOUND";
        text = first_line_after(msg, "Binder Error: ");
    } else if (strncmp(msg, "Binder Error: No function matches", 33) == 0 ||
               strncmp(msg, "Binder Error: Cannot compare", 28) == 0 ||
               strncmp(msg, "Binder Error: Cannot mix", 24) == 0) {
        code = "TYPE_MISMATCH";
        text = first_line_after(msg, "Binder Error: ");
    } else if (strncmp(msg, "Binder Error: ", 14) == 0) {
        code = "SEMANTIC_ERROR";
        text = first_line_after(msg, "Binder Error: ");
    } else if (strncmp(msg, "Conversion Error: ", 18) == 0) {
        code = "INVALID_CAST_ARGUMENT";
        text = first_line_after(msg, "Conversion Error: ");
    } else if (strncmp(msg, "Out of Range Error: ", 20) == 0) {
        code = "NUMERIC_VALUE_OUT_OF_RANGE";
        text = first_line_after(msg, "Out of Range Error: ");
    } else if (strncmp(msg, "Out of Memory Error: ", 21) == 0) {
        code = "EXCEEDED_LOCAL_MEMORY_LIMIT";
        text = first_line_after(msg, "Out of Memory Error: ");
    } else if (strncmp(msg, "Invalid Input Error: ", 21) == 0) {
        /* Readers report malformed data files this way; Athena calls that HIVE_BAD_DATA. */
        code = strstr(msg, "CSV Error") || strstr(msg, "JSON") || strstr(msg, "arquet")
                   ? "HIVE_BAD_DATA" : "INVALID_FUNCTION_ARGUMENT";
        text = first_line_after(msg, "Invalid Input Error: ");
    } else if (strncmp(msg, "IO Error: ", 10) == 0) {
        code = "HIVE_CANNOT_OPEN_SPLIT";
        text = first_line_after(msg, "IO Error: ");
    } else if (strncmp(msg, "Not implemented Error: ", 23) == 0) {
        code = "NOT_SUPPORTED";
        text = first_line_after(msg, "Not implemented Error: ");
    } else {
        const char *colon = strstr(msg, "Error: ");
        text = first_line_after(msg, colon ? (char[]){0} : "");
        if (colon) {
            free(text);
            text = first_line_after(colon, "Error: ");
        }
    }
    /* error() in a macro produces messages that already carry Athena's code. */
    if (text && strncmp(text, "INVALID_FUNCTION_ARGUMENT: ", 27) == 0) {
        char *inner = strdup(text + 27);
        free(text);
        text = inner;
        code = "INVALID_FUNCTION_ARGUMENT";
    }
    owl_buf out = OWL_BUF_INIT;
    owl_buf_puts(&out, code);
    owl_buf_puts(&out, ": ");
    if (offset >= 0 && sql) {
        int line, column;
        engine_offset_to_line_col(sql, offset, &line, &column);
        owl_buf_printf(&out, "line %d:%d: ", line, column);
    }
    owl_buf_puts(&out, text ? text : msg);
    free(text);
    return owl_buf_detach(&out, NULL);
}

/* ---------------------------------------------------------------- parse */

static json_t *engine_parse_json_text(engine_db *db, const char *sql, size_t base,
                                      const engine_rewrite *rw, char **err);

/* Moves every query_location of a tree parsed from rw->sql back to the original text. */
static void map_locations_back(json_t *node, const engine_rewrite *rw) {
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) map_locations_back(v, rw);
        return;
    }
    if (!json_is_object(node))
        return;
    const char *key;
    json_t *v;
    json_object_foreach(node, key, v) {
        if (strcmp(key, "query_location") == 0 && json_is_integer(v) && json_integer_value(v) >= 0)
            json_integer_set(v, engine_rewrite_map_back(rw, (long)json_integer_value(v)));
        else
            map_locations_back(v, rw);
    }
}

json_t *engine_parse_json(engine_db *db, const char *sql, size_t base, char **err) {
    engine_rewrite rw;
    bool rewritten = engine_trino_rewrite(sql + base, strlen(sql + base), &rw);
    json_t *root = engine_parse_json_text(db, sql, base, rewritten ? &rw : NULL, err);
    if (root && rewritten)
        map_locations_back(root, &rw);
    engine_rewrite_free(&rw);
    return root;
}

/*
 * Runs json_serialize_sql() on rw->sql when rw is not NULL, else on
 * sql + base. Error positions are reported in sql.
 */
static json_t *engine_parse_json_text(engine_db *db, const char *sql, size_t base,
                                      const engine_rewrite *rw, char **err) {
    duckdb_prepared_statement stmt;
    if (duckdb_prepare(db->conn, "SELECT json_serialize_sql(CAST($1 AS VARCHAR))", &stmt) ==
        DuckDBError) {
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: json_serialize_sql is unavailable: %s",
                       duckdb_prepare_error(stmt));
        duckdb_destroy_prepare(&stmt);
        return NULL;
    }
    duckdb_bind_varchar(stmt, 1, rw ? rw->sql : sql + base);
    duckdb_result result;
    if (duckdb_execute_prepared(stmt, &result) == DuckDBError) {
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: %s", duckdb_result_error(&result));
        duckdb_destroy_result(&result);
        duckdb_destroy_prepare(&stmt);
        return NULL;
    }
    char *text = duckdb_value_varchar(&result, 0, 0);
    duckdb_destroy_result(&result);
    duckdb_destroy_prepare(&stmt);
    /* DuckDB writes an unknown query_location as 2^64-1, which jansson
     * cannot hold as an integer; spell it -1 before parsing. */
    if (text) {
        static const char unknown[] = "18446744073709551615";
        char *at;
        while ((at = strstr(text, unknown)) != NULL) {
            memcpy(at, "-1", 2);
            memmove(at + 2, at + sizeof unknown - 1, strlen(at + sizeof unknown - 1) + 1);
        }
    }
    json_error_t jerr;
    json_t *root = text ? json_loads(text, 0, &jerr) : NULL;
    duckdb_free(text);
    if (!root) {
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: json_serialize_sql returned no JSON");
        return NULL;
    }
    if (json_is_true(json_object_get(root, "error"))) {
        const char *message = json_string_value(json_object_get(root, "error_message"));
        const char *type = json_string_value(json_object_get(root, "error_type"));
        const char *pos = json_string_value(json_object_get(root, "position"));
        long offset = pos ? (long)base + engine_rewrite_map_back(rw, strtol(pos, NULL, 10)) : -1;
        owl_buf msg = OWL_BUF_INIT;
        /* json_serialize_sql reports only parser errors and "not a SELECT". */
        owl_buf_printf(&msg, "%s Error: %s", type && strcmp(type, "parser") == 0 ? "Parser" : "Not implemented",
                       message ? message : "unknown parser error");
        char *mapped = engine_error_from_duckdb(sql, msg.data, offset);
        owl_buf_free(&msg);
        if (err) {
            free(*err);
            *err = mapped;
        } else {
            free(mapped);
        }
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---------------------------------------------------------------- references */

typedef struct ref_walk {
    const char *sql;
    size_t base;                /* offset of the parsed text inside sql */
    const char *default_catalog, *default_database;
    engine_table_refs *refs;
    char **cte_names;
    size_t cte_count;
    bool bad_function;          /* a table function other than unnest/range */
    long bad_function_offset;
    char *bad_function_name;
} ref_walk;

static void walk_collect_ctes(ref_walk *w, json_t *node) {
    if (json_is_object(node)) {
        json_t *cte_map = json_object_get(node, "cte_map");
        json_t *map = json_object_get(cte_map, "map");
        size_t i;
        json_t *entry;
        json_array_foreach(map, i, entry) {
            const char *key = json_string_value(json_object_get(entry, "key"));
            if (key) {
                w->cte_names = realloc(w->cte_names, (w->cte_count + 1) * sizeof *w->cte_names);
                if (!w->cte_names)
                    abort();
                w->cte_names[w->cte_count++] = engine_lower_dup(key);
            }
        }
        const char *k;
        json_t *v;
        json_object_foreach(node, k, v) walk_collect_ctes(w, v);
    } else if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) walk_collect_ctes(w, v);
    }
}

/*
 * Returns true when DuckDB could read name as a file: a name with a dot,
 * a slash or a glob character falls through to its file readers when no
 * table or visible CTE has it.
 */
static bool path_like(const char *name) {
    return strpbrk(name, "./\\*?[{:~") != NULL;
}

static bool is_cte(const ref_walk *w, const char *name) {
    /* A CTE of the same name may be out of scope where the name is used, so
     * a name DuckDB could read as a file must be bound through a catalog. */
    if (path_like(name))
        return false;
    for (size_t i = 0; i < w->cte_count; i++)
        if (strcmp(w->cte_names[i], name) == 0)
            return true;
    return false;
}

void engine_refs_add(engine_table_refs *refs, const char *catalog, const char *database,
                     const char *table, int line, int column, bool target) {
    for (size_t i = 0; i < refs->count; i++) {
        engine_table_ref *r = &refs->items[i];
        if (strcmp(r->catalog, catalog) == 0 && strcmp(r->database, database) == 0 &&
            strcmp(r->table, table) == 0) {
            r->target = r->target || target;
            return;
        }
    }
    refs->items = realloc(refs->items, (refs->count + 1) * sizeof *refs->items);
    if (!refs->items)
        abort();
    refs->items[refs->count++] = (engine_table_ref){engine_lower_dup(catalog), engine_lower_dup(database),
                                                    engine_lower_dup(table), line, column, target};
}

static void walk_refs(ref_walk *w, json_t *node) {
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) walk_refs(w, v);
        return;
    }
    if (!json_is_object(node))
        return;
    const char *type = json_string_value(json_object_get(node, "type"));
    if (type && strcmp(type, "BASE_TABLE") == 0) {
        const char *table = json_string_value(json_object_get(node, "table_name"));
        const char *schema = json_string_value(json_object_get(node, "schema_name"));
        const char *catalog = json_string_value(json_object_get(node, "catalog_name"));
        if (table && *table) {
            char *lower = engine_lower_dup(table);
            bool qualified = (schema && *schema) || (catalog && *catalog);
            if (qualified || !is_cte(w, lower)) {
                json_int_t loc = json_integer_value(json_object_get(node, "query_location"));
                int line = 0, column = 0;
                if (json_is_integer(json_object_get(node, "query_location")) && loc >= 0)
                    engine_offset_to_line_col(w->sql, (long)(w->base + (size_t)loc), &line, &column);
                const char *cat = catalog && *catalog ? catalog : w->default_catalog;
                const char *db = schema && *schema ? schema : w->default_database;
                engine_refs_add(w->refs, cat ? cat : "", db ? db : "", lower, line, column, false);
            }
            free(lower);
        }
    } else if (type && strcmp(type, "TABLE_FUNCTION") == 0 && !w->bad_function) {
        json_t *function = json_object_get(node, "function");
        const char *fname = json_string_value(json_object_get(function, "function_name"));
        if (!fname || (strcmp(fname, "unnest") != 0 && strcmp(fname, "range") != 0 &&
                       strcmp(fname, "generate_series") != 0)) {
            w->bad_function = true;
            json_int_t loc = json_integer_value(json_object_get(node, "query_location"));
            w->bad_function_offset = (long)w->base + (long)loc;
            w->bad_function_name = strdup(fname ? fname : "?");
        }
    }
    const char *k;
    json_t *v;
    json_object_foreach(node, k, v) walk_refs(w, v);
}

bool engine_refs_from_json(json_t *root, const char *sql, size_t base, const char *default_catalog,
                           const char *default_database, engine_table_refs *refs, char **err) {
    ref_walk w = {sql, base, default_catalog, default_database, refs, NULL, 0, false, -1, NULL};
    json_t *statements = json_object_get(root, "statements");
    walk_collect_ctes(&w, statements);
    walk_refs(&w, statements);
    for (size_t i = 0; i < w.cte_count; i++)
        free(w.cte_names[i]);
    free(w.cte_names);
    if (w.bad_function) {
        int line, column;
        engine_offset_to_line_col(sql, w.bad_function_offset, &line, &column);
        engine_set_err(err, "FUNCTION_NOT_FOUND: line %d:%d: Table function '%s' not registered",
                       line, column, w.bad_function_name);
        free(w.bad_function_name);
        return false;
    }
    return true;
}

void engine_table_refs_free(engine_table_refs *refs) {
    for (size_t i = 0; i < refs->count; i++) {
        free(refs->items[i].catalog);
        free(refs->items[i].database);
        free(refs->items[i].table);
    }
    free(refs->items);
    memset(refs, 0, sizeof *refs);
}

/* Reads a one- to three-part name from toks at *i. */
static bool name_from_toks(const engine_toks *t, size_t *i, const char *sql, const char *default_catalog,
                           const char *default_database, engine_table_refs *refs, bool target) {
    const char *parts[3];
    size_t n = 0;
    size_t first = *i;
    while (n < 3 && *i < t->count &&
           (t->items[*i].kind == TOK_WORD || t->items[*i].kind == TOK_QUOTED_NAME)) {
        parts[n++] = t->items[(*i)++].text;
        if (!(t->items[*i].kind == TOK_PUNCT && t->items[*i].text[0] == '.'))
            break;
        (*i)++;
    }
    if (n == 0)
        return false;
    int line, column;
    engine_offset_to_line_col(sql, (long)t->items[first].offset, &line, &column);
    const char *cat = n == 3 ? parts[0] : default_catalog ? default_catalog : "";
    const char *db = n >= 2 ? parts[n - 2] : default_database ? default_database : "";
    engine_refs_add(refs, cat, db, parts[n - 1], line, column, target);
    return true;
}

/* Returns the token index where the query of an INSERT or CTAS starts, or 0. */
static size_t query_start(const engine_toks *t, engine_stmt_kind kind, size_t after_name) {
    int depth = 0;
    for (size_t i = after_name; i < t->count; i++) {
        const engine_tok *tok = &t->items[i];
        if (tok->kind == TOK_PUNCT && tok->text[0] == '(') {
            /* INSERT INTO t (a, b) SELECT: a column list, not the query. */
            if (depth == 0 && kind == ENGINE_STMT_INSERT && i + 1 < t->count &&
                t->items[i + 1].kind == TOK_WORD && strcmp(t->items[i + 1].text, "select") != 0 &&
                strcmp(t->items[i + 1].text, "with") != 0 && strcmp(t->items[i + 1].text, "values") != 0) {
                depth++;
                continue;
            }
            if (depth == 0 && kind == ENGINE_STMT_INSERT)
                return i;
            depth++;
        } else if (tok->kind == TOK_PUNCT && tok->text[0] == ')') {
            depth--;
        } else if (depth == 0 && tok->kind == TOK_WORD) {
            if (kind == ENGINE_STMT_CTAS && strcmp(tok->text, "as") == 0)
                return i + 1;
            if (kind == ENGINE_STMT_INSERT &&
                (strcmp(tok->text, "select") == 0 || strcmp(tok->text, "with") == 0 ||
                 strcmp(tok->text, "values") == 0 || strcmp(tok->text, "table") == 0))
                return i;
        }
    }
    return 0;
}

bool engine_sql_tables(engine_db *db, const char *sql, const char *default_catalog,
                       const char *default_database, engine_table_refs *refs, char **err) {
    memset(refs, 0, sizeof *refs);
    engine_toks toks;
    if (!engine_tokenize(sql, strlen(sql), &toks, err))
        return false;
    size_t name_at = 0;
    engine_stmt_kind kind = engine_classify_toks(&toks, &name_at);
    refs->kind = kind;
    size_t base = 0;
    bool ok = true;

    if (engine_stmt_is_ddl(kind) || kind == ENGINE_STMT_INSERT || kind == ENGINE_STMT_CTAS) {
        size_t i = name_at;
        if (name_at && kind != ENGINE_STMT_CREATE_VIEW)
            name_from_toks(&toks, &i, sql, default_catalog, default_database, refs, true);
        if (kind == ENGINE_STMT_INSERT || kind == ENGINE_STMT_CTAS) {
            size_t q = query_start(&toks, kind, i);
            if (q == 0 || toks.items[q].kind == TOK_END) {
                size_t at = q ? toks.items[q].offset : strlen(sql);
                int line, column;
                engine_offset_to_line_col(sql, (long)at, &line, &column);
                engine_set_err(err, "SYNTAX_ERROR: line %d:%d: expected a query after the table name",
                               line, column);
                ok = false;
            } else {
                base = toks.items[q].offset;
            }
        } else {
            engine_toks_free(&toks);
            return true;
        }
    } else if (kind == ENGINE_STMT_EXPLAIN) {
        /* EXPLAIN [ANALYZE] [(options)] query */
        size_t q = 1;
        if (q < toks.count && toks.items[q].kind == TOK_WORD && strcmp(toks.items[q].text, "analyze") == 0)
            q++;
        if (q < toks.count && toks.items[q].kind == TOK_PUNCT && toks.items[q].text[0] == '(' &&
            q + 1 < toks.count && toks.items[q + 1].kind == TOK_WORD &&
            strcmp(toks.items[q + 1].text, "select") != 0 && strcmp(toks.items[q + 1].text, "with") != 0) {
            while (q < toks.count && !(toks.items[q].kind == TOK_PUNCT && toks.items[q].text[0] == ')'))
                q++;
            q++;
        }
        base = q < toks.count ? toks.items[q].offset : strlen(sql);
    }
    engine_toks_free(&toks);
    if (!ok) {
        engine_table_refs_free(refs);
        return false;
    }

    json_t *root = engine_parse_json(db, sql, base, err);
    if (!root) {
        engine_table_refs_free(refs);
        return false;
    }
    ok = engine_refs_from_json(root, sql, base, default_catalog, default_database, refs, err);
    json_decref(root);
    refs->kind = kind;
    if (!ok)
        engine_table_refs_free(refs);
    return ok;
}
