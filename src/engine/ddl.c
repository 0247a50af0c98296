/*
 * A small tokenizer and parser for the Hive DDL that Athena accepts and
 * DuckDB cannot parse: statement classification by leading keywords, and a
 * full parse of CREATE [EXTERNAL] TABLE (Hive 3 DDL grammar: columns,
 * COMMENT, PARTITIONED BY, ROW FORMAT DELIMITED | SERDE ... WITH
 * SERDEPROPERTIES, STORED AS <name> | INPUTFORMAT ... OUTPUTFORMAT ...,
 * LOCATION, TBLPROPERTIES).
 *
 * The input comes from API callers, so every path is bounded: strings and
 * names are copied with their lengths, nesting in column types is checked by
 * the Hive type parser, and a malformed statement returns an error naming
 * the line and column. fuzz/fuzz_engine_ddl.c exercises it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

/* ---------------------------------------------------------------- tokens */

static void tok_push(engine_toks *toks, engine_tok_kind kind, char *text, size_t offset) {
    toks->items = realloc(toks->items, (toks->count + 1) * sizeof *toks->items);
    if (!toks->items)
        abort();
    toks->items[toks->count++] = (engine_tok){kind, text, offset};
}

static void syntax_error_at(char **err, const char *sql, size_t offset, const char *what) {
    int line, column;
    engine_offset_to_line_col(sql, (long)offset, &line, &column);
    engine_set_err(err, "SYNTAX_ERROR: line %d:%d: %s", line, column, what);
}

/*
 * Appends the character a Hive string escape stands for: \t \n \r \0 \\ \'
 * \" and octal \NNN (so '\001' is byte 1, as Hive reads delimiters).
 * Returns how many input bytes after the backslash it consumed.
 */
static size_t tok_unescape(owl_buf *out, const char *s, size_t avail) {
    if (avail == 0)
        return 0;
    if (s[0] >= '0' && s[0] <= '7') {
        unsigned v = 0;
        size_t n = 0;
        while (n < 3 && n < avail && s[n] >= '0' && s[n] <= '7')
            v = v * 8 + (unsigned)(s[n++] - '0');
        owl_buf_putc(out, (char)(v & 0xff));
        return n;
    }
    switch (s[0]) {
    case 't': owl_buf_putc(out, '\t'); break;
    case 'n': owl_buf_putc(out, '\n'); break;
    case 'r': owl_buf_putc(out, '\r'); break;
    default: owl_buf_putc(out, s[0]); break;
    }
    return 1;
}

bool engine_tokenize(const char *sql, size_t len, engine_toks *toks, char **err) {
    memset(toks, 0, sizeof *toks);
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)sql[i];
        if (isspace(c)) {
            i++;
        } else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
            while (i < len && sql[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
            size_t start = i;
            i += 2;
            while (i + 1 < len && !(sql[i] == '*' && sql[i + 1] == '/'))
                i++;
            if (i + 1 >= len) {
                syntax_error_at(err, sql, start, "unterminated comment");
                goto fail;
            }
            i += 2;
        } else if (isalpha(c) || c == '_' || isdigit(c)) {
            size_t start = i;
            bool all_digits = true;
            while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '_' ||
                               (all_digits && sql[i] == '.'))) {
                if (!isdigit((unsigned char)sql[i]) && sql[i] != '.')
                    all_digits = false;
                i++;
            }
            /* A word may not end with a dot it took as a decimal point. */
            owl_buf word = OWL_BUF_INIT;
            for (size_t k = start; k < i; k++)
                owl_buf_putc(&word, (char)tolower((unsigned char)sql[k]));
            tok_push(toks, all_digits ? TOK_NUMBER : TOK_WORD, owl_buf_detach(&word, NULL), start);
        } else if (c == '\'' || c == '"' || c == '`') {
            size_t start = i++;
            owl_buf text = OWL_BUF_INIT;
            bool closed = false;
            while (i < len) {
                if (sql[i] == (char)c) {
                    /* A doubled quote is a literal quote in SQL strings and names. */
                    if (i + 1 < len && sql[i + 1] == (char)c) {
                        owl_buf_putc(&text, (char)c);
                        i += 2;
                        continue;
                    }
                    closed = true;
                    i++;
                    break;
                }
                if (sql[i] == '\\' && c != '`') {
                    i++;
                    i += tok_unescape(&text, sql + i, len - i);
                    continue;
                }
                owl_buf_putc(&text, sql[i++]);
            }
            if (!closed) {
                owl_buf_free(&text);
                syntax_error_at(err, sql, start, "unterminated quoted text");
                goto fail;
            }
            if (c != '\'') {
                char *lower = engine_lower_dup(text.data ? text.data : "");
                owl_buf_free(&text);
                tok_push(toks, TOK_QUOTED_NAME, lower, start);
            } else {
                tok_push(toks, TOK_STRING, owl_buf_detach(&text, NULL), start);
            }
        } else {
            char *p = malloc(2);
            if (!p)
                abort();
            p[0] = (char)c;
            p[1] = '\0';
            tok_push(toks, TOK_PUNCT, p, i);
            i++;
        }
    }
    tok_push(toks, TOK_END, NULL, len);
    return true;
fail:
    engine_toks_free(toks);
    return false;
}

void engine_toks_free(engine_toks *toks) {
    for (size_t i = 0; i < toks->count; i++)
        free(toks->items[i].text);
    free(toks->items);
    memset(toks, 0, sizeof *toks);
}

/* ---------------------------------------------------------------- classify */

static bool tok_is(const engine_toks *t, size_t i, const char *word) {
    return i < t->count && t->items[i].kind == TOK_WORD && strcmp(t->items[i].text, word) == 0;
}

static bool tok_punct(const engine_toks *t, size_t i, char c) {
    return i < t->count && t->items[i].kind == TOK_PUNCT && t->items[i].text[0] == c;
}

/* Skips IF [NOT] EXISTS at i. */
static size_t skip_if_exists(const engine_toks *t, size_t i) {
    if (tok_is(t, i, "if") && tok_is(t, i + 1, "not") && tok_is(t, i + 2, "exists"))
        return i + 3;
    if (tok_is(t, i, "if") && tok_is(t, i + 1, "exists"))
        return i + 2;
    return i;
}

engine_stmt_kind engine_classify_toks(const engine_toks *t, size_t *name_at) {
    size_t at = 0;
    engine_stmt_kind kind = ENGINE_STMT_SELECT;
    size_t i = 0;
    while (tok_punct(t, i, '('))
        i++;
    if (tok_is(t, i, "create")) {
        size_t j = i + 1;
        if (tok_is(t, j, "or") && tok_is(t, j + 1, "replace"))
            j += 2;
        if (tok_is(t, j, "external") && tok_is(t, j + 1, "table")) {
            kind = ENGINE_STMT_CREATE_EXTERNAL_TABLE;
            at = skip_if_exists(t, j + 2);
        } else if (tok_is(t, j, "table")) {
            at = skip_if_exists(t, j + 1);
            /* CTAS has a top-level AS before its query; a plain CREATE TABLE has columns. */
            kind = ENGINE_STMT_CREATE_EXTERNAL_TABLE;
            for (size_t k = at; k < t->count; k++) {
                if (tok_punct(t, k, '('))
                    break;
                if (tok_is(t, k, "as")) {
                    kind = ENGINE_STMT_CTAS;
                    break;
                }
            }
            /* "CREATE TABLE db.t WITH (format = 'PARQUET') AS SELECT" has a parenthesis first. */
            size_t after_name = at;
            while (after_name + 1 < t->count && tok_punct(t, after_name + 1, '.'))
                after_name += 2;
            if (kind != ENGINE_STMT_CTAS && tok_is(t, after_name + 1, "with")) {
                for (size_t k = at; k < t->count; k++) {
                    if (tok_is(t, k, "as") && (tok_is(t, k + 1, "select") || tok_is(t, k + 1, "with") ||
                                               tok_punct(t, k + 1, '('))) {
                        kind = ENGINE_STMT_CTAS;
                        break;
                    }
                }
            }
        } else if (tok_is(t, j, "database") || tok_is(t, j, "schema")) {
            kind = ENGINE_STMT_CREATE_DATABASE;
        } else if (tok_is(t, j, "view")) {
            kind = ENGINE_STMT_CREATE_VIEW;
            at = skip_if_exists(t, j + 1);
        } else {
            kind = ENGINE_STMT_OTHER_DDL;
        }
    } else if (tok_is(t, i, "drop")) {
        if (tok_is(t, i + 1, "table")) {
            kind = ENGINE_STMT_DROP_TABLE;
            at = skip_if_exists(t, i + 2);
        } else if (tok_is(t, i + 1, "database") || tok_is(t, i + 1, "schema")) {
            kind = ENGINE_STMT_DROP_DATABASE;
        } else if (tok_is(t, i + 1, "view")) {
            kind = ENGINE_STMT_DROP_VIEW;
            at = skip_if_exists(t, i + 2);
        } else {
            kind = ENGINE_STMT_OTHER_DDL;
        }
    } else if (tok_is(t, i, "show")) {
        kind = ENGINE_STMT_SHOW;
        if (tok_is(t, i + 1, "partitions"))
            at = i + 2;
        else if (tok_is(t, i + 1, "create") && tok_is(t, i + 2, "table"))
            at = i + 3;
        else if (tok_is(t, i + 1, "tblproperties"))
            at = i + 2;
        else if (tok_is(t, i + 1, "columns") && (tok_is(t, i + 2, "in") || tok_is(t, i + 2, "from")))
            at = i + 3;
    } else if (tok_is(t, i, "describe") || tok_is(t, i, "desc")) {
        kind = ENGINE_STMT_DESCRIBE;
        at = i + 1;
        if (tok_is(t, at, "formatted") || tok_is(t, at, "extended"))
            at++;
    } else if (tok_is(t, i, "msck") && tok_is(t, i + 1, "repair") && tok_is(t, i + 2, "table")) {
        kind = ENGINE_STMT_MSCK_REPAIR;
        at = i + 3;
    } else if (tok_is(t, i, "alter")) {
        kind = tok_is(t, i + 1, "table") ? ENGINE_STMT_ALTER_TABLE : ENGINE_STMT_OTHER_DDL;
        if (kind == ENGINE_STMT_ALTER_TABLE)
            at = i + 2;
    } else if (tok_is(t, i, "insert") && tok_is(t, i + 1, "into")) {
        kind = ENGINE_STMT_INSERT;
        at = i + 2;
    } else if (tok_is(t, i, "explain")) {
        kind = ENGINE_STMT_EXPLAIN;
    } else if (tok_is(t, i, "use") || tok_is(t, i, "set") || tok_is(t, i, "grant") ||
               tok_is(t, i, "revoke") || tok_is(t, i, "load") || tok_is(t, i, "unload") ||
               tok_is(t, i, "update") || tok_is(t, i, "delete") || tok_is(t, i, "merge") ||
               tok_is(t, i, "vacuum") || tok_is(t, i, "optimize")) {
        kind = ENGINE_STMT_OTHER_DDL;
    }
    if (name_at)
        *name_at = at < t->count && (t->items[at].kind == TOK_WORD || t->items[at].kind == TOK_QUOTED_NAME)
                       ? at : 0;
    return kind;
}

engine_stmt_kind engine_sql_classify(const char *sql) {
    engine_toks toks;
    if (!engine_tokenize(sql, strlen(sql), &toks, NULL))
        return ENGINE_STMT_INVALID;
    engine_stmt_kind kind = engine_classify_toks(&toks, NULL);
    engine_toks_free(&toks);
    return kind;
}

const char *engine_stmt_kind_name(engine_stmt_kind kind) {
    static const char *const names[] = {
        "invalid", "select", "explain", "insert", "ctas", "create_external_table",
        "create_database", "create_view", "drop_table", "drop_database", "drop_view", "show",
        "describe", "msck_repair", "alter_table", "other_ddl"};
    return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "invalid";
}

bool engine_stmt_is_ddl(engine_stmt_kind kind) {
    return kind >= ENGINE_STMT_CREATE_EXTERNAL_TABLE;
}

/* ---------------------------------------------------------------- CREATE TABLE */

typedef struct ddl_parser {
    const char *sql;
    const engine_toks *t;
    size_t i;
    char **err;
} ddl_parser;

static bool ddl_fail(ddl_parser *p, const char *expected) {
    const engine_tok *tok = &p->t->items[p->i];
    owl_buf msg = OWL_BUF_INIT;
    if (tok->kind == TOK_END)
        owl_buf_printf(&msg, "expected %s but the statement ended", expected);
    else
        owl_buf_printf(&msg, "expected %s near '%.40s'", expected, tok->text);
    syntax_error_at(p->err, p->sql, tok->offset, msg.data);
    owl_buf_free(&msg);
    return false;
}

static bool ddl_word(ddl_parser *p, const char *word) {
    if (!tok_is(p->t, p->i, word))
        return false;
    p->i++;
    return true;
}

static bool ddl_expect_word(ddl_parser *p, const char *word) {
    return ddl_word(p, word) || ddl_fail(p, word);
}

static bool ddl_punct(ddl_parser *p, char c) {
    if (!tok_punct(p->t, p->i, c))
        return false;
    p->i++;
    return true;
}

static bool ddl_expect_punct(ddl_parser *p, char c) {
    char what[4] = {'\'', c, '\'', 0};
    return ddl_punct(p, c) || ddl_fail(p, what);
}

static char *ddl_name(ddl_parser *p) {
    const engine_tok *tok = &p->t->items[p->i];
    if (tok->kind != TOK_WORD && tok->kind != TOK_QUOTED_NAME) {
        ddl_fail(p, "a name");
        return NULL;
    }
    p->i++;
    return strdup(tok->text);
}

static char *ddl_string(ddl_parser *p) {
    const engine_tok *tok = &p->t->items[p->i];
    if (tok->kind != TOK_STRING) {
        ddl_fail(p, "a quoted string");
        return NULL;
    }
    p->i++;
    return strdup(tok->text);
}

static void kv_add(engine_kv **items, size_t *count, char *key, char *value) {
    for (size_t i = 0; i < *count; i++) {
        if (strcmp((*items)[i].key, key) == 0) {
            free((*items)[i].value);
            (*items)[i].value = value;
            free(key);
            return;
        }
    }
    *items = realloc(*items, (*count + 1) * sizeof **items);
    if (!*items)
        abort();
    (*items)[(*count)++] = (engine_kv){key, value};
}

/* Reads ('k' = 'v', ...) into items. */
static bool ddl_properties(ddl_parser *p, engine_kv **items, size_t *count) {
    if (!ddl_expect_punct(p, '('))
        return false;
    if (ddl_punct(p, ')'))
        return true;
    do {
        char *key = ddl_string(p);
        if (!key)
            return false;
        if (!ddl_expect_punct(p, '=')) {
            free(key);
            return false;
        }
        char *value = ddl_string(p);
        if (!value) {
            free(key);
            return false;
        }
        kv_add(items, count, key, value);
    } while (ddl_punct(p, ','));
    return ddl_expect_punct(p, ')');
}

/*
 * Reads a column type by joining tokens up to the ',' or ')' that ends the
 * column at depth 0, then checks it with the Hive type parser.
 */
static char *ddl_type(ddl_parser *p) {
    owl_buf type = OWL_BUF_INIT;
    int depth = 0;
    size_t start = p->i;
    for (;;) {
        const engine_tok *tok = &p->t->items[p->i];
        if (tok->kind == TOK_END)
            break;
        if (tok->kind == TOK_PUNCT && depth == 0 && (tok->text[0] == ',' || tok->text[0] == ')'))
            break;
        if (tok->kind == TOK_WORD && depth == 0 && strcmp(tok->text, "comment") == 0)
            break;
        if (tok->kind == TOK_PUNCT && (tok->text[0] == '<' || tok->text[0] == '('))
            depth++;
        if (tok->kind == TOK_PUNCT && (tok->text[0] == '>' || tok->text[0] == ')'))
            depth--;
        if (tok->kind == TOK_QUOTED_NAME || tok->kind == TOK_STRING) {
            owl_buf_putc(&type, '`');
            owl_buf_puts(&type, tok->text);
            owl_buf_putc(&type, '`');
        } else {
            /* "double precision" keeps its space; every other token joins tightly. */
            if (type.len && tok->kind == TOK_WORD && isalnum((unsigned char)type.data[type.len - 1]))
                owl_buf_putc(&type, ' ');
            owl_buf_puts(&type, tok->text);
        }
        p->i++;
    }
    if (p->i == start) {
        owl_buf_free(&type);
        ddl_fail(p, "a column type");
        return NULL;
    }
    char *text = owl_buf_detach(&type, NULL);
    char *type_err = NULL;
    engine_hive_type *parsed = engine_hive_type_parse(text, &type_err);
    if (!parsed) {
        syntax_error_at(p->err, p->sql, p->t->items[start].offset, type_err);
        free(type_err);
        free(text);
        return NULL;
    }
    engine_hive_type_free(parsed);
    return text;
}

/* Reads (name type [COMMENT 'text'], ...). */
static bool ddl_columns(ddl_parser *p, engine_column **items, size_t *count) {
    if (!ddl_expect_punct(p, '('))
        return false;
    do {
        engine_column col = {0};
        col.name = ddl_name(p);
        if (!col.name)
            return false;
        col.type = ddl_type(p);
        if (col.type && ddl_word(p, "comment"))
            col.comment = ddl_string(p);
        *items = realloc(*items, (*count + 1) * sizeof **items);
        if (!*items)
            abort();
        (*items)[(*count)++] = col;
        if (!col.type || (tok_is(p->t, p->i - 1, "comment") && !col.comment))
            return false;
    } while (ddl_punct(p, ','));
    return ddl_expect_punct(p, ')');
}

#define SERDE_LAZY "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
#define FORMAT_TEXT_IN "org.apache.hadoop.mapred.TextInputFormat"
#define FORMAT_TEXT_OUT "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

static const struct {
    const char *name, *serde, *input, *output;
} stored_as[] = {
    {"textfile", SERDE_LAZY, FORMAT_TEXT_IN, FORMAT_TEXT_OUT},
    {"parquet", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
     "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
     "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"},
    {"orc", "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
     "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
     "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"},
    {"avro", "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
     "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
     "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"},
    {"sequencefile", SERDE_LAZY, "org.apache.hadoop.mapred.SequenceFileInputFormat",
     "org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat"},
    {"jsonfile", "org.apache.hive.hcatalog.data.JsonSerDe", FORMAT_TEXT_IN, FORMAT_TEXT_OUT},
};

/* ROW FORMAT DELIMITED [FIELDS TERMINATED BY 'c' [ESCAPED BY 'c']] [COLLECTION ITEMS ...] ... */
static bool ddl_delimited(ddl_parser *p, engine_ddl_table *out) {
    for (;;) {
        const char *key = NULL;
        if (ddl_word(p, "fields")) {
            if (!ddl_expect_word(p, "terminated") || !ddl_expect_word(p, "by"))
                return false;
            key = "field.delim";
        } else if (ddl_word(p, "collection")) {
            if (!ddl_expect_word(p, "items") || !ddl_expect_word(p, "terminated") ||
                !ddl_expect_word(p, "by"))
                return false;
            key = "colelction.delim"; /* Hive's own spelling of the key */
        } else if (ddl_word(p, "map")) {
            if (!ddl_expect_word(p, "keys") || !ddl_expect_word(p, "terminated") ||
                !ddl_expect_word(p, "by"))
                return false;
            key = "mapkey.delim";
        } else if (ddl_word(p, "lines")) {
            if (!ddl_expect_word(p, "terminated") || !ddl_expect_word(p, "by"))
                return false;
            key = "line.delim";
        } else if (ddl_word(p, "escaped")) {
            if (!ddl_expect_word(p, "by"))
                return false;
            key = "escape.delim";
        } else if (ddl_word(p, "null")) {
            if (!ddl_expect_word(p, "defined") || !ddl_expect_word(p, "as"))
                return false;
            key = "serialization.null.format";
        } else {
            return true;
        }
        char *value = ddl_string(p);
        if (!value)
            return false;
        kv_add(&out->serde_params, &out->serde_param_count, strdup(key), value);
        if (strcmp(key, "field.delim") == 0)
            kv_add(&out->serde_params, &out->serde_param_count, strdup("serialization.format"),
                   strdup(value));
    }
}

static bool ddl_clauses(ddl_parser *p, engine_ddl_table *out) {
    while (p->t->items[p->i].kind != TOK_END && !tok_punct(p->t, p->i, ';')) {
        if (ddl_word(p, "comment")) {
            free(out->comment);
            if (!(out->comment = ddl_string(p)))
                return false;
        } else if (ddl_word(p, "partitioned")) {
            if (!ddl_expect_word(p, "by") ||
                !ddl_columns(p, &out->partition_keys, &out->partition_key_count))
                return false;
        } else if (ddl_word(p, "row")) {
            if (!ddl_expect_word(p, "format"))
                return false;
            if (ddl_word(p, "delimited")) {
                free(out->serde);
                out->serde = strdup(SERDE_LAZY);
                if (!ddl_delimited(p, out))
                    return false;
            } else if (ddl_word(p, "serde")) {
                free(out->serde);
                if (!(out->serde = ddl_string(p)))
                    return false;
                if (ddl_word(p, "with")) {
                    if (!ddl_expect_word(p, "serdeproperties") ||
                        !ddl_properties(p, &out->serde_params, &out->serde_param_count))
                        return false;
                }
            } else {
                return ddl_fail(p, "DELIMITED or SERDE");
            }
        } else if (ddl_word(p, "stored")) {
            if (!ddl_expect_word(p, "as"))
                return false;
            if (ddl_word(p, "inputformat")) {
                free(out->input_format);
                if (!(out->input_format = ddl_string(p)) || !ddl_expect_word(p, "outputformat"))
                    return false;
                free(out->output_format);
                if (!(out->output_format = ddl_string(p)))
                    return false;
            } else {
                const engine_tok *tok = &p->t->items[p->i];
                size_t k = 0;
                size_t n = sizeof stored_as / sizeof stored_as[0];
                while (tok->kind == TOK_WORD && k < n && strcmp(tok->text, stored_as[k].name) != 0)
                    k++;
                if (tok->kind != TOK_WORD || k == n)
                    return ddl_fail(p, "TEXTFILE, PARQUET, ORC, AVRO, SEQUENCEFILE, JSONFILE or INPUTFORMAT");
                p->i++;
                free(out->input_format);
                free(out->output_format);
                out->input_format = strdup(stored_as[k].input);
                out->output_format = strdup(stored_as[k].output);
                /* An explicit ROW FORMAT wins over the format's default serde. */
                if (!out->serde)
                    out->serde = strdup(stored_as[k].serde);
            }
        } else if (ddl_word(p, "location")) {
            free(out->location);
            if (!(out->location = ddl_string(p)))
                return false;
        } else if (ddl_word(p, "tblproperties")) {
            if (!ddl_properties(p, &out->table_params, &out->table_param_count))
                return false;
        } else {
            return ddl_fail(p, "COMMENT, PARTITIONED BY, ROW FORMAT, STORED AS, LOCATION or TBLPROPERTIES");
        }
    }
    if (ddl_punct(p, ';') && p->t->items[p->i].kind != TOK_END)
        return ddl_fail(p, "the end of the statement");
    return true;
}

bool engine_ddl_parse(const char *sql, size_t len, engine_ddl_table *out, char **err) {
    memset(out, 0, sizeof *out);
    /* The tokenizer and error positions need a NUL-terminated copy. */
    char *text = malloc(len + 1);
    if (!text)
        abort();
    memcpy(text, sql, len);
    text[len] = '\0';
    engine_toks toks;
    if (!engine_tokenize(text, len, &toks, err)) {
        free(text);
        return false;
    }
    ddl_parser p = {text, &toks, 0, err};
    bool ok = ddl_expect_word(&p, "create");
    if (ok && ddl_word(&p, "or"))
        ok = ddl_expect_word(&p, "replace");
    if (ok)
        out->external = ddl_word(&p, "external");
    ok = ok && ddl_expect_word(&p, "table");
    if (ok && ddl_word(&p, "if")) {
        ok = ddl_expect_word(&p, "not") && ddl_expect_word(&p, "exists");
        out->if_not_exists = ok;
    }
    if (ok)
        ok = (out->table = ddl_name(&p)) != NULL;
    if (ok && ddl_punct(&p, '.')) {
        out->database = out->table;
        ok = (out->table = ddl_name(&p)) != NULL;
    }
    if (ok && tok_punct(&toks, p.i, '('))
        ok = ddl_columns(&p, &out->columns, &out->column_count);
    if (ok)
        ok = ddl_clauses(&p, out);
    /* Hive's defaults: a text table read by LazySimpleSerDe, also under ROW FORMAT alone. */
    if (ok && !out->serde)
        out->serde = strdup(SERDE_LAZY);
    if (ok && !out->input_format) {
        out->input_format = strdup(FORMAT_TEXT_IN);
        out->output_format = strdup(FORMAT_TEXT_OUT);
    }
    engine_toks_free(&toks);
    free(text);
    if (!ok)
        engine_ddl_table_free(out);
    return ok;
}

static void columns_free(engine_column *cols, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(cols[i].name);
        free(cols[i].type);
        free(cols[i].comment);
    }
    free(cols);
}

static void kvs_free(engine_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void engine_ddl_table_free(engine_ddl_table *t) {
    free(t->database);
    free(t->table);
    columns_free(t->columns, t->column_count);
    columns_free(t->partition_keys, t->partition_key_count);
    free(t->serde);
    kvs_free(t->serde_params, t->serde_param_count);
    free(t->input_format);
    free(t->output_format);
    free(t->location);
    kvs_free(t->table_params, t->table_param_count);
    free(t->comment);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- other statements */

/*
 * Reads a one- to three-part name ([catalog.][database.]table) into out.
 * A two-part name is database.table; a one-part name leaves catalog and
 * database NULL.
 */
static bool ddl_qualified_name(ddl_parser *p, engine_ddl_stmt *out) {
    char *parts[3] = {NULL, NULL, NULL};
    size_t n = 0;
    do {
        if (n == 3) {
            for (size_t i = 0; i < n; i++)
                free(parts[i]);
            return ddl_fail(p, "at most three name parts");
        }
        if (!(parts[n] = ddl_name(p))) {
            for (size_t i = 0; i < n; i++)
                free(parts[i]);
            return false;
        }
        n++;
    } while (ddl_punct(p, '.'));
    out->table = parts[n - 1];
    out->database = n >= 2 ? parts[n - 2] : NULL;
    out->catalog = n == 3 ? parts[0] : NULL;
    return true;
}

/* Reads a literal value: 'string', a number (optionally negative), TRUE or FALSE. */
static char *ddl_value(ddl_parser *p) {
    const engine_tok *tok = &p->t->items[p->i];
    bool negative = false;
    if (tok->kind == TOK_PUNCT && tok->text[0] == '-' && p->t->items[p->i + 1].kind == TOK_NUMBER) {
        negative = true;
        tok = &p->t->items[++p->i];
    }
    if (tok->kind == TOK_STRING || tok->kind == TOK_NUMBER ||
        (tok->kind == TOK_WORD &&
         (strcmp(tok->text, "true") == 0 || strcmp(tok->text, "false") == 0))) {
        p->i++;
        owl_buf value = OWL_BUF_INIT;
        if (negative)
            owl_buf_putc(&value, '-');
        owl_buf_puts(&value, tok->text);
        return owl_buf_detach(&value, NULL);
    }
    ddl_fail(p, "a literal value");
    return NULL;
}

/* Reads PARTITION (k = v, ...) after the PARTITION keyword, into a new spec of out. */
static bool ddl_partition_spec(ddl_parser *p, engine_ddl_stmt *out) {
    size_t size = (out->partition_count + 1) * sizeof *out->partitions;
    out->partitions = realloc(out->partitions, size);
    if (!out->partitions)
        abort();
    engine_partition_spec *spec = &out->partitions[out->partition_count++];
    memset(spec, 0, sizeof *spec);
    if (!ddl_expect_punct(p, '('))
        return false;
    do {
        char *key = ddl_name(p);
        if (!key)
            return false;
        if (!ddl_expect_punct(p, '=')) {
            free(key);
            return false;
        }
        char *value = ddl_value(p);
        if (!value) {
            free(key);
            return false;
        }
        for (size_t i = 0; i < spec->count; i++) {
            if (strcmp(spec->values[i].key, key) == 0) {
                free(key);
                free(value);
                return ddl_fail(p, "each partition column once");
            }
        }
        spec->values = realloc(spec->values, (spec->count + 1) * sizeof *spec->values);
        if (!spec->values)
            abort();
        spec->values[spec->count++] = (engine_kv){key, value};
    } while (ddl_punct(p, ','));
    return ddl_expect_punct(p, ')');
}

/* Accepts an optional ';' and then requires the end of the text. */
static bool ddl_end(ddl_parser *p) {
    ddl_punct(p, ';');
    if (p->t->items[p->i].kind != TOK_END)
        return ddl_fail(p, "the end of the statement");
    return true;
}

/* SHOW ... after the SHOW keyword. */
static bool ddl_show(ddl_parser *p, engine_ddl_stmt *out) {
    if (ddl_word(p, "databases") || ddl_word(p, "schemas")) {
        out->op = ENGINE_DDL_SHOW_DATABASES;
        if (ddl_word(p, "like") || p->t->items[p->i].kind == TOK_STRING)
            if (!(out->pattern = ddl_string(p)))
                return false;
        return ddl_end(p);
    }
    if (ddl_word(p, "tables")) {
        out->op = ENGINE_DDL_SHOW_TABLES;
        if (ddl_word(p, "in") || ddl_word(p, "from"))
            if (!(out->database = ddl_name(p)))
                return false;
        ddl_word(p, "like");
        if (p->t->items[p->i].kind == TOK_STRING && !(out->pattern = ddl_string(p)))
            return false;
        return ddl_end(p);
    }
    if (ddl_word(p, "columns")) {
        out->op = ENGINE_DDL_SHOW_COLUMNS;
        if (!(ddl_word(p, "in") || ddl_word(p, "from")))
            return ddl_fail(p, "IN or FROM");
        if (!ddl_qualified_name(p, out))
            return false;
        if (ddl_word(p, "in") || ddl_word(p, "from")) {
            free(out->database);
            if (!(out->database = ddl_name(p)))
                return false;
        }
        return ddl_end(p);
    }
    if (ddl_word(p, "partitions")) {
        out->op = ENGINE_DDL_SHOW_PARTITIONS;
        return ddl_qualified_name(p, out) && ddl_end(p);
    }
    if (ddl_word(p, "create")) {
        out->op = ENGINE_DDL_SHOW_CREATE_TABLE;
        return ddl_expect_word(p, "table") && ddl_qualified_name(p, out) && ddl_end(p);
    }
    if (ddl_word(p, "tblproperties")) {
        out->op = ENGINE_DDL_SHOW_TBLPROPERTIES;
        if (!ddl_qualified_name(p, out))
            return false;
        if (ddl_punct(p, '(')) {
            if (!(out->pattern = ddl_string(p)) || !ddl_expect_punct(p, ')'))
                return false;
        }
        return ddl_end(p);
    }
    return ddl_fail(p, "DATABASES, SCHEMAS, TABLES, COLUMNS, PARTITIONS, CREATE TABLE or "
                       "TBLPROPERTIES");
}

/* CREATE DATABASE|SCHEMA after the keyword. */
static bool ddl_create_database(ddl_parser *p, engine_ddl_stmt *out) {
    out->op = ENGINE_DDL_CREATE_DATABASE;
    if (ddl_word(p, "if")) {
        if (!ddl_expect_word(p, "not") || !ddl_expect_word(p, "exists"))
            return false;
        out->if_not_exists = true;
    }
    if (!(out->database = ddl_name(p)))
        return false;
    while (p->t->items[p->i].kind != TOK_END && !tok_punct(p->t, p->i, ';')) {
        if (ddl_word(p, "comment")) {
            free(out->comment);
            if (!(out->comment = ddl_string(p)))
                return false;
        } else if (ddl_word(p, "location")) {
            free(out->location);
            if (!(out->location = ddl_string(p)))
                return false;
        } else if (ddl_word(p, "with")) {
            if (!ddl_expect_word(p, "dbproperties") ||
                !ddl_properties(p, &out->properties, &out->property_count))
                return false;
        } else {
            return ddl_fail(p, "COMMENT, LOCATION or WITH DBPROPERTIES");
        }
    }
    return ddl_end(p);
}

/* DROP TABLE|DATABASE|SCHEMA after DROP. */
static bool ddl_drop(ddl_parser *p, engine_ddl_stmt *out) {
    bool table = ddl_word(p, "table");
    if (!table && !ddl_word(p, "database") && !ddl_word(p, "schema"))
        return ddl_fail(p, "TABLE, DATABASE or SCHEMA");
    out->op = table ? ENGINE_DDL_DROP_TABLE : ENGINE_DDL_DROP_DATABASE;
    if (ddl_word(p, "if")) {
        if (!ddl_expect_word(p, "exists"))
            return false;
        out->if_exists = true;
    }
    if (table) {
        if (!ddl_qualified_name(p, out))
            return false;
        ddl_word(p, "purge");
        return ddl_end(p);
    }
    if (!(out->database = ddl_name(p)))
        return false;
    if (ddl_word(p, "cascade"))
        out->cascade = true;
    else
        ddl_word(p, "restrict");
    return ddl_end(p);
}

/* ALTER TABLE t ADD|DROP ... PARTITION after ALTER TABLE. */
static bool ddl_alter_table(ddl_parser *p, engine_ddl_stmt *out) {
    if (!ddl_qualified_name(p, out))
        return false;
    if (tok_is(p->t, p->i, "add") && tok_is(p->t, p->i + 1, "columns")) {
        p->i += 2;
        out->op = ENGINE_DDL_ADD_COLUMNS;
        return ddl_columns(p, &out->table_columns, &out->table_column_count) && ddl_end(p);
    }
    if (ddl_word(p, "replace")) {
        out->op = ENGINE_DDL_REPLACE_COLUMNS;
        return ddl_expect_word(p, "columns") &&
               ddl_columns(p, &out->table_columns, &out->table_column_count) && ddl_end(p);
    }
    if (ddl_word(p, "set")) {
        if (ddl_word(p, "location")) {
            out->op = ENGINE_DDL_SET_LOCATION;
            return (out->location = ddl_string(p)) != NULL && ddl_end(p);
        }
        out->op = ENGINE_DDL_SET_TBLPROPERTIES;
        return ddl_expect_word(p, "tblproperties") &&
               ddl_properties(p, &out->properties, &out->property_count) && ddl_end(p);
    }
    if (ddl_word(p, "add")) {
        out->op = ENGINE_DDL_ADD_PARTITION;
        if (ddl_word(p, "if")) {
            if (!ddl_expect_word(p, "not") || !ddl_expect_word(p, "exists"))
                return false;
            out->if_not_exists = true;
        }
        if (!tok_is(p->t, p->i, "partition")) {
            int line, column;
            engine_offset_to_line_col(p->sql, (long)p->t->items[p->i].offset, &line, &column);
            engine_set_err(p->err,
                           "NOT_SUPPORTED: line %d:%d: ALTER TABLE ADD supports PARTITION and "
                           "COLUMNS in this owlery build",
                           line, column);
            return false;
        }
        while (ddl_word(p, "partition")) {
            if (!ddl_partition_spec(p, out))
                return false;
            if (ddl_word(p, "location") &&
                !(out->partitions[out->partition_count - 1].location = ddl_string(p)))
                return false;
        }
        return ddl_end(p);
    }
    if (ddl_word(p, "drop")) {
        out->op = ENGINE_DDL_DROP_PARTITION;
        if (ddl_word(p, "if")) {
            if (!ddl_expect_word(p, "exists"))
                return false;
            out->if_exists = true;
        }
        do {
            if (!ddl_expect_word(p, "partition") || !ddl_partition_spec(p, out))
                return false;
        } while (ddl_punct(p, ','));
        ddl_word(p, "purge");
        return ddl_end(p);
    }
    int line, column;
    engine_offset_to_line_col(p->sql, (long)p->t->items[p->i].offset, &line, &column);
    engine_set_err(p->err,
                   "NOT_SUPPORTED: line %d:%d: ALTER TABLE supports ADD/DROP PARTITION, ADD/REPLACE "
                   "COLUMNS, SET LOCATION and SET TBLPROPERTIES in this owlery build",
                   line, column);
    return false;
}

/* Reads a CTAS property value: a literal or ARRAY['a', 'b'] (joined with ','). */
static char *ddl_property_value(ddl_parser *p, char ***list, size_t *list_count) {
    if (!ddl_word(p, "array"))
        return ddl_value(p);
    if (!ddl_expect_punct(p, '['))
        return NULL;
    owl_buf joined = OWL_BUF_INIT;
    owl_buf_puts(&joined, "");
    if (!tok_punct(p->t, p->i, ']')) {
        do {
            char *item = ddl_string(p);
            if (!item) {
                owl_buf_free(&joined);
                return NULL;
            }
            if (joined.len)
                owl_buf_putc(&joined, ',');
            owl_buf_puts(&joined, item);
            if (list) {
                *list = realloc(*list, (*list_count + 1) * sizeof **list);
                if (!*list)
                    abort();
                (*list)[(*list_count)++] = engine_lower_dup(item);
            }
            free(item);
        } while (ddl_punct(p, ','));
    }
    if (!ddl_expect_punct(p, ']')) {
        owl_buf_free(&joined);
        return NULL;
    }
    return owl_buf_detach(&joined, NULL);
}

/* Records where the query of a CTAS or INSERT starts and ends in the text. */
static bool ddl_query_span(ddl_parser *p, engine_ddl_stmt *out, bool ctas) {
    const engine_tok *first = &p->t->items[p->i];
    if (first->kind == TOK_END)
        return ddl_fail(p, "a query");
    size_t end = p->t->count - 1; /* the TOK_END token */
    while (end > p->i && tok_punct(p->t, end - 1, ';'))
        end--;
    /* CTAS may end with WITH [NO] DATA. */
    if (ctas && end >= p->i + 2 && tok_is(p->t, end - 1, "data")) {
        if (tok_is(p->t, end - 2, "with")) {
            end -= 2;
        } else if (end >= p->i + 3 && tok_is(p->t, end - 2, "no") &&
                   tok_is(p->t, end - 3, "with")) {
            out->with_no_data = true;
            end -= 3;
        }
    }
    if (end <= p->i)
        return ddl_fail(p, "a query");
    out->query_offset = first->offset;
    out->query_length = p->t->items[end].offset - first->offset;
    /* The last token's text may extend past its own offset: use the next token's offset. */
    p->i = p->t->count - 1;
    return true;
}

/* CREATE TABLE [IF NOT EXISTS] t [WITH (...)] AS query after CREATE TABLE. */
static bool ddl_ctas(ddl_parser *p, engine_ddl_stmt *out) {
    out->op = ENGINE_DDL_CTAS;
    if (ddl_word(p, "if")) {
        if (!ddl_expect_word(p, "not") || !ddl_expect_word(p, "exists"))
            return false;
        out->if_not_exists = true;
    }
    if (!ddl_qualified_name(p, out))
        return false;
    if (ddl_word(p, "with")) {
        if (!ddl_expect_punct(p, '('))
            return false;
        do {
            char *key = ddl_name(p);
            if (!key)
                return false;
            if (!ddl_expect_punct(p, '=')) {
                free(key);
                return false;
            }
            bool partitioned = strcmp(key, "partitioned_by") == 0;
            char *value = ddl_property_value(p, partitioned ? &out->partitioned_by : NULL,
                                             &out->partitioned_by_count);
            if (!value) {
                free(key);
                return false;
            }
            kv_add(&out->properties, &out->property_count, key, value);
        } while (ddl_punct(p, ','));
        if (!ddl_expect_punct(p, ')'))
            return false;
    }
    if (!ddl_expect_word(p, "as"))
        return false;
    /* A parenthesized query is still a query. */
    return ddl_query_span(p, out, true);
}

/* INSERT INTO t [(a, b)] query after INSERT INTO. */
static bool ddl_insert(ddl_parser *p, engine_ddl_stmt *out) {
    out->op = ENGINE_DDL_INSERT;
    if (!ddl_qualified_name(p, out))
        return false;
    if (tok_punct(p->t, p->i, '(') && !tok_is(p->t, p->i + 1, "select") &&
        !tok_is(p->t, p->i + 1, "with") && !tok_is(p->t, p->i + 1, "values")) {
        p->i++;
        do {
            char *name = ddl_name(p);
            if (!name)
                return false;
            out->columns = realloc(out->columns, (out->column_count + 1) * sizeof *out->columns);
            if (!out->columns)
                abort();
            out->columns[out->column_count++] = name;
        } while (ddl_punct(p, ','));
        if (!ddl_expect_punct(p, ')'))
            return false;
    }
    return ddl_query_span(p, out, false);
}

bool engine_ddl_stmt_parse(const char *sql, size_t len, engine_ddl_stmt *out, char **err) {
    memset(out, 0, sizeof *out);
    char *text = malloc(len + 1);
    if (!text)
        abort();
    memcpy(text, sql, len);
    text[len] = '\0';
    engine_toks toks;
    if (!engine_tokenize(text, len, &toks, err)) {
        free(text);
        return false;
    }
    ddl_parser p = {text, &toks, 0, err};
    bool ok;
    if (ddl_word(&p, "show")) {
        ok = ddl_show(&p, out);
    } else if (ddl_word(&p, "describe") || ddl_word(&p, "desc")) {
        out->op = ENGINE_DDL_DESCRIBE;
        if (ddl_word(&p, "formatted"))
            out->formatted = true;
        else if (ddl_word(&p, "extended"))
            out->extended = true;
        ok = ddl_qualified_name(&p, out) && ddl_end(&p);
    } else if (ddl_word(&p, "create")) {
        if (ddl_word(&p, "database") || ddl_word(&p, "schema"))
            ok = ddl_create_database(&p, out);
        else
            ok = ddl_expect_word(&p, "table") && ddl_ctas(&p, out);
    } else if (ddl_word(&p, "drop")) {
        ok = ddl_drop(&p, out);
    } else if (ddl_word(&p, "alter")) {
        ok = ddl_expect_word(&p, "table") && ddl_alter_table(&p, out);
    } else if (ddl_word(&p, "msck")) {
        out->op = ENGINE_DDL_MSCK_REPAIR;
        ok = ddl_expect_word(&p, "repair") && ddl_expect_word(&p, "table") &&
             ddl_qualified_name(&p, out) && ddl_end(&p);
    } else if (ddl_word(&p, "insert")) {
        ok = ddl_expect_word(&p, "into") && ddl_insert(&p, out);
    } else {
        ok = ddl_fail(&p, "SHOW, DESCRIBE, CREATE, DROP, ALTER TABLE, MSCK REPAIR TABLE or "
                          "INSERT INTO");
    }
    engine_toks_free(&toks);
    free(text);
    if (!ok)
        engine_ddl_stmt_free(out);
    return ok;
}

void engine_ddl_stmt_free(engine_ddl_stmt *stmt) {
    free(stmt->catalog);
    free(stmt->database);
    free(stmt->table);
    free(stmt->pattern);
    free(stmt->comment);
    free(stmt->location);
    kvs_free(stmt->properties, stmt->property_count);
    for (size_t i = 0; i < stmt->partitioned_by_count; i++)
        free(stmt->partitioned_by[i]);
    free(stmt->partitioned_by);
    for (size_t i = 0; i < stmt->partition_count; i++) {
        kvs_free(stmt->partitions[i].values, stmt->partitions[i].count);
        free(stmt->partitions[i].location);
    }
    free(stmt->partitions);
    for (size_t i = 0; i < stmt->column_count; i++)
        free(stmt->columns[i]);
    free(stmt->columns);
    columns_free(stmt->table_columns, stmt->table_column_count);
    memset(stmt, 0, sizeof *stmt);
}

/* ---------------------------------------------------------------- DuckDB types */

static void type_skip_spaces(const char **p) {
    while (**p == ' ')
        (*p)++;
}

/* Reads a STRUCT field name: "quoted" (doubled quotes inside) or a bare word. */
static bool type_field_name(const char **p, owl_buf *out) {
    if (**p == '"') {
        (*p)++;
        for (;;) {
            if (**p == '\0')
                return false;
            if (**p == '"' && (*p)[1] == '"') {
                owl_buf_putc(out, '"');
                *p += 2;
            } else if (**p == '"') {
                (*p)++;
                return true;
            } else {
                owl_buf_putc(out, (char)tolower((unsigned char)**p));
                (*p)++;
            }
        }
    }
    const char *start = *p;
    while (isalnum((unsigned char)**p) || **p == '_')
        owl_buf_putc(out, (char)tolower((unsigned char)*(*p)++));
    return *p > start;
}

static bool type_expect(const char **p, char c) {
    type_skip_spaces(p);
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* Appends the Hive form of the DuckDB type at *p to out. */
static bool duckdb_type_parse(const char **p, owl_buf *out, int depth) {
    static const struct {
        const char *duckdb, *hive;
    } scalars[] = {
        {"BOOLEAN", "boolean"},  {"TINYINT", "tinyint"},    {"SMALLINT", "smallint"},
        {"INTEGER", "int"},      {"BIGINT", "bigint"},      {"HUGEINT", "decimal(38,0)"},
        {"UTINYINT", "smallint"}, {"USMALLINT", "int"},     {"UINTEGER", "bigint"},
        {"UBIGINT", "decimal(20,0)"}, {"FLOAT", "float"},   {"DOUBLE", "double"},
        {"VARCHAR", "string"},   {"UUID", "string"},        {"NULL", "string"},
        {"DATE", "date"},        {"TIMESTAMP", "timestamp"}, {"TIMESTAMP_S", "timestamp"},
        {"TIMESTAMP_MS", "timestamp"}, {"TIMESTAMP_NS", "timestamp"}, {"BLOB", "binary"},
    };
    if (depth > 64)
        return false;
    type_skip_spaces(p);
    char word[32];
    size_t n = 0;
    while ((isalnum((unsigned char)**p) || **p == '_') && n + 1 < sizeof word)
        word[n++] = *(*p)++;
    word[n] = '\0';
    if (n == 0)
        return false;

    owl_buf inner = OWL_BUF_INIT;
    bool ok = true;
    if (strcmp(word, "STRUCT") == 0) {
        ok = type_expect(p, '(');
        owl_buf_puts(&inner, "struct<");
        for (bool first = true; ok; first = false) {
            if (!first)
                owl_buf_putc(&inner, ',');
            type_skip_spaces(p);
            ok = type_field_name(p, &inner);
            owl_buf_putc(&inner, ':');
            ok = ok && duckdb_type_parse(p, &inner, depth + 1);
            type_skip_spaces(p);
            if (!ok || **p != ',')
                break;
            (*p)++;
        }
        ok = ok && type_expect(p, ')');
        owl_buf_putc(&inner, '>');
    } else if (strcmp(word, "MAP") == 0) {
        owl_buf_puts(&inner, "map<");
        ok = type_expect(p, '(') && duckdb_type_parse(p, &inner, depth + 1) && type_expect(p, ',');
        owl_buf_putc(&inner, ',');
        ok = ok && duckdb_type_parse(p, &inner, depth + 1) && type_expect(p, ')');
        owl_buf_putc(&inner, '>');
    } else if (strcmp(word, "DECIMAL") == 0) {
        unsigned precision = 18, scale = 3;
        if (type_expect(p, '(')) {
            char *end;
            precision = (unsigned)strtoul(*p, &end, 10);
            *p = end;
            ok = type_expect(p, ',');
            scale = ok ? (unsigned)strtoul(*p, &end, 10) : 0;
            *p = ok ? end : *p;
            ok = ok && type_expect(p, ')') && precision >= 1 && precision <= 38 &&
                 scale <= precision;
        }
        owl_buf_printf(&inner, "decimal(%u,%u)", precision, scale);
    } else {
        size_t k = 0, count = sizeof scalars / sizeof scalars[0];
        while (k < count && strcmp(word, scalars[k].duckdb) != 0)
            k++;
        ok = k < count;
        if (ok)
            owl_buf_puts(&inner, scalars[k].hive);
        /* TIMESTAMP WITH TIME ZONE */
        if (ok && strcmp(word, "TIMESTAMP") == 0 && strncmp(*p, " WITH TIME ZONE", 15) == 0)
            *p += 15;
    }

    /* T[] and T[N] are lists (arrays) of T. */
    while (ok && **p == '[') {
        (*p)++;
        while (isdigit((unsigned char)**p))
            (*p)++;
        ok = **p == ']';
        if (ok) {
            (*p)++;
            owl_buf wrapped = OWL_BUF_INIT;
            owl_buf_printf(&wrapped, "array<%s>", inner.data ? inner.data : "");
            owl_buf_free(&inner);
            inner = wrapped;
        }
    }
    if (ok)
        owl_buf_append(out, inner.data ? inner.data : "", inner.len);
    owl_buf_free(&inner);
    return ok;
}

char *engine_duckdb_type_to_hive(const char *duckdb_type, char **err) {
    const char *p = duckdb_type;
    owl_buf out = OWL_BUF_INIT;
    bool ok = duckdb_type_parse(&p, &out, 0);
    type_skip_spaces(&p);
    if (!ok || *p != '\0') {
        owl_buf_free(&out);
        engine_set_err(err, "NOT_SUPPORTED: the DuckDB type %.200s has no Hive equivalent",
                       duckdb_type);
        return NULL;
    }
    return owl_buf_detach(&out, NULL);
}
