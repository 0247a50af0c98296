/*
 * Hive column type strings, as the metastore stores them (Hive 3 type
 * grammar): primitives, decimal(p,s), varchar(n), char(n), array<T>,
 * map<K,V> and struct<name:T,...>. Parsed into a tree that the binder walks
 * and rendered as DuckDB types. uniontype and interval types are rejected.
 *
 * Limits: nesting deeper than ENGINE_HIVE_MAX_DEPTH levels is rejected so a
 * hostile type string cannot exhaust the stack; decimal precision is 1..38
 * and scale 0..precision, as in Hive.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

#define ENGINE_HIVE_MAX_DEPTH 64

typedef struct hive_parser {
    const char *text;
    size_t pos;
    char **err;
} hive_parser;

static void hive_skip_space(hive_parser *p) {
    while (p->text[p->pos] && isspace((unsigned char)p->text[p->pos]))
        p->pos++;
}

/* Reads a name ([A-Za-z0-9_]+ or `quoted`) into a malloc'd lowercase string. */
static char *hive_read_name(hive_parser *p) {
    hive_skip_space(p);
    owl_buf name = OWL_BUF_INIT;
    if (p->text[p->pos] == '`') {
        p->pos++;
        while (p->text[p->pos] && p->text[p->pos] != '`')
            owl_buf_putc(&name, (char)tolower((unsigned char)p->text[p->pos++]));
        if (p->text[p->pos] != '`') {
            owl_buf_free(&name);
            return NULL;
        }
        p->pos++;
    } else {
        while (isalnum((unsigned char)p->text[p->pos]) || p->text[p->pos] == '_')
            owl_buf_putc(&name, (char)tolower((unsigned char)p->text[p->pos++]));
    }
    if (name.len == 0) {
        owl_buf_free(&name);
        return NULL;
    }
    return owl_buf_detach(&name, NULL);
}

static bool hive_expect(hive_parser *p, char c) {
    hive_skip_space(p);
    if (p->text[p->pos] != c) {
        engine_set_err(p->err, "invalid Hive type \"%s\": expected '%c' at offset %zu", p->text,
                       c, p->pos);
        return false;
    }
    p->pos++;
    return true;
}

static bool hive_read_int(hive_parser *p, int *out) {
    hive_skip_space(p);
    long v = 0;
    size_t start = p->pos;
    while (isdigit((unsigned char)p->text[p->pos]) && v < 100000)
        v = v * 10 + (p->text[p->pos++] - '0');
    if (p->pos == start || v >= 100000) {
        engine_set_err(p->err, "invalid Hive type \"%s\": expected a number at offset %zu",
                       p->text, start);
        return false;
    }
    *out = (int)v;
    return true;
}

static engine_hive_type *hive_new(engine_hive_kind kind) {
    engine_hive_type *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->kind = kind;
    return t;
}

static void hive_add_child(engine_hive_type *t, engine_hive_type *child, char *field_name) {
    t->children = realloc(t->children, (t->child_count + 1) * sizeof *t->children);
    t->field_names = realloc(t->field_names, (t->child_count + 1) * sizeof *t->field_names);
    if (!t->children || !t->field_names)
        abort();
    t->children[t->child_count] = child;
    t->field_names[t->child_count] = field_name;
    t->child_count++;
}

static const struct {
    const char *name;
    engine_hive_kind kind;
} hive_primitives[] = {
    {"tinyint", HIVE_TINYINT},     {"smallint", HIVE_SMALLINT},   {"int", HIVE_INT},
    {"integer", HIVE_INT},         {"bigint", HIVE_BIGINT},       {"float", HIVE_FLOAT},
    {"real", HIVE_FLOAT},          {"double", HIVE_DOUBLE},       {"string", HIVE_STRING},
    {"boolean", HIVE_BOOLEAN},     {"date", HIVE_DATE},           {"timestamp", HIVE_TIMESTAMP},
    {"binary", HIVE_BINARY},
};

static engine_hive_type *hive_parse_type(hive_parser *p, int depth);

static engine_hive_type *hive_parse_params(hive_parser *p, engine_hive_type *t) {
    hive_skip_space(p);
    if (t->kind == HIVE_DECIMAL) {
        /* Hive's default for a bare "decimal" is decimal(10,0). */
        t->precision = 10;
        t->scale = 0;
        if (p->text[p->pos] == '(') {
            p->pos++;
            if (!hive_read_int(p, &t->precision))
                goto fail;
            hive_skip_space(p);
            if (p->text[p->pos] == ',') {
                p->pos++;
                if (!hive_read_int(p, &t->scale))
                    goto fail;
            }
            if (!hive_expect(p, ')'))
                goto fail;
        }
        if (t->precision < 1 || t->precision > 38 || t->scale > t->precision) {
            engine_set_err(p->err, "invalid Hive type \"%s\": decimal(%d,%d) is out of range",
                           p->text, t->precision, t->scale);
            goto fail;
        }
        return t;
    }
    /* varchar(n) and char(n) need a length in Hive. */
    if (!hive_expect(p, '(') || !hive_read_int(p, &t->precision) || !hive_expect(p, ')'))
        goto fail;
    if (t->precision < 1) {
        engine_set_err(p->err, "invalid Hive type \"%s\": length must be at least 1", p->text);
        goto fail;
    }
    return t;
fail:
    engine_hive_type_free(t);
    return NULL;
}

static engine_hive_type *hive_parse_nested(hive_parser *p, engine_hive_type *t, int depth) {
    if (!hive_expect(p, '<'))
        goto fail;
    if (t->kind == HIVE_STRUCT) {
        for (;;) {
            char *field = hive_read_name(p);
            if (!field) {
                engine_set_err(p->err, "invalid Hive type \"%s\": expected a field name at offset %zu",
                               p->text, p->pos);
                goto fail;
            }
            if (!hive_expect(p, ':')) {
                free(field);
                goto fail;
            }
            engine_hive_type *child = hive_parse_type(p, depth + 1);
            if (!child) {
                free(field);
                goto fail;
            }
            hive_add_child(t, child, field);
            hive_skip_space(p);
            if (p->text[p->pos] != ',')
                break;
            p->pos++;
        }
    } else {
        size_t want = t->kind == HIVE_MAP ? 2 : 1;
        for (size_t i = 0; i < want; i++) {
            if (i > 0 && !hive_expect(p, ','))
                goto fail;
            engine_hive_type *child = hive_parse_type(p, depth + 1);
            if (!child)
                goto fail;
            hive_add_child(t, child, NULL);
        }
        if (t->kind == HIVE_MAP && !engine_hive_type_is_primitive(t->children[0])) {
            engine_set_err(p->err, "invalid Hive type \"%s\": map keys must be primitive", p->text);
            goto fail;
        }
    }
    if (!hive_expect(p, '>'))
        goto fail;
    return t;
fail:
    engine_hive_type_free(t);
    return NULL;
}

static engine_hive_type *hive_parse_type(hive_parser *p, int depth) {
    if (depth > ENGINE_HIVE_MAX_DEPTH) {
        engine_set_err(p->err, "invalid Hive type: nesting deeper than %d levels",
                       ENGINE_HIVE_MAX_DEPTH);
        return NULL;
    }
    size_t start = p->pos;
    char *name = hive_read_name(p);
    if (!name) {
        engine_set_err(p->err, "invalid Hive type \"%s\": expected a type name at offset %zu",
                       p->text, start);
        return NULL;
    }
    for (size_t i = 0; i < sizeof hive_primitives / sizeof hive_primitives[0]; i++) {
        if (strcmp(name, hive_primitives[i].name) == 0) {
            free(name);
            engine_hive_type *t = hive_new(hive_primitives[i].kind);
            /* "double precision" is Hive's synonym for double. */
            if (t->kind == HIVE_DOUBLE) {
                size_t save = p->pos;
                char *next = hive_read_name(p);
                if (!next || strcmp(next, "precision") != 0)
                    p->pos = save;
                free(next);
            }
            return t;
        }
    }
    engine_hive_type *t = NULL;
    if (strcmp(name, "decimal") == 0 || strcmp(name, "numeric") == 0)
        t = hive_parse_params(p, hive_new(HIVE_DECIMAL));
    else if (strcmp(name, "varchar") == 0)
        t = hive_parse_params(p, hive_new(HIVE_VARCHAR));
    else if (strcmp(name, "char") == 0)
        t = hive_parse_params(p, hive_new(HIVE_CHAR));
    else if (strcmp(name, "array") == 0)
        t = hive_parse_nested(p, hive_new(HIVE_ARRAY), depth);
    else if (strcmp(name, "map") == 0)
        t = hive_parse_nested(p, hive_new(HIVE_MAP), depth);
    else if (strcmp(name, "struct") == 0)
        t = hive_parse_nested(p, hive_new(HIVE_STRUCT), depth);
    else
        engine_set_err(p->err, "invalid Hive type \"%s\": unknown type name \"%s\"", p->text, name);
    free(name);
    return t;
}

engine_hive_type *engine_hive_type_parse(const char *text, char **err) {
    hive_parser p = {text, 0, err};
    engine_hive_type *t = hive_parse_type(&p, 0);
    if (!t)
        return NULL;
    hive_skip_space(&p);
    if (text[p.pos] != '\0') {
        engine_set_err(err, "invalid Hive type \"%s\": unexpected text at offset %zu", text, p.pos);
        engine_hive_type_free(t);
        return NULL;
    }
    return t;
}

void engine_hive_type_free(engine_hive_type *type) {
    if (!type)
        return;
    for (size_t i = 0; i < type->child_count; i++) {
        engine_hive_type_free(type->children[i]);
        free(type->field_names[i]);
    }
    free(type->children);
    free(type->field_names);
    free(type);
}

bool engine_hive_type_is_primitive(const engine_hive_type *type) {
    return type->kind != HIVE_ARRAY && type->kind != HIVE_MAP && type->kind != HIVE_STRUCT;
}

void engine_hive_type_put_duckdb(owl_buf *b, const engine_hive_type *t) {
    switch (t->kind) {
    case HIVE_TINYINT: owl_buf_puts(b, "TINYINT"); break;
    case HIVE_SMALLINT: owl_buf_puts(b, "SMALLINT"); break;
    case HIVE_INT: owl_buf_puts(b, "INTEGER"); break;
    case HIVE_BIGINT: owl_buf_puts(b, "BIGINT"); break;
    case HIVE_FLOAT: owl_buf_puts(b, "FLOAT"); break;
    case HIVE_DOUBLE: owl_buf_puts(b, "DOUBLE"); break;
    case HIVE_DECIMAL: owl_buf_printf(b, "DECIMAL(%d,%d)", t->precision, t->scale); break;
    /* DuckDB has no length limit on VARCHAR; char(n) keeps Hive's padding-free
     * read value. NOTE: neither truncates values longer than n. */
    case HIVE_STRING:
    case HIVE_VARCHAR:
    case HIVE_CHAR: owl_buf_puts(b, "VARCHAR"); break;
    case HIVE_BOOLEAN: owl_buf_puts(b, "BOOLEAN"); break;
    case HIVE_DATE: owl_buf_puts(b, "DATE"); break;
    case HIVE_TIMESTAMP: owl_buf_puts(b, "TIMESTAMP"); break;
    case HIVE_BINARY: owl_buf_puts(b, "BLOB"); break;
    case HIVE_ARRAY:
        engine_hive_type_put_duckdb(b, t->children[0]);
        owl_buf_puts(b, "[]");
        break;
    case HIVE_MAP:
        owl_buf_puts(b, "MAP(");
        engine_hive_type_put_duckdb(b, t->children[0]);
        owl_buf_puts(b, ", ");
        engine_hive_type_put_duckdb(b, t->children[1]);
        owl_buf_putc(b, ')');
        break;
    case HIVE_STRUCT:
        owl_buf_puts(b, "STRUCT(");
        for (size_t i = 0; i < t->child_count; i++) {
            if (i)
                owl_buf_puts(b, ", ");
            engine_put_ident(b, t->field_names[i]);
            owl_buf_putc(b, ' ');
            engine_hive_type_put_duckdb(b, t->children[i]);
        }
        owl_buf_putc(b, ')');
        break;
    }
}

char *engine_hive_type_to_duckdb(const char *hive_type, char **err) {
    engine_hive_type *t = engine_hive_type_parse(hive_type, err);
    if (!t)
        return NULL;
    owl_buf b = OWL_BUF_INIT;
    engine_hive_type_put_duckdb(&b, t);
    engine_hive_type_free(t);
    return owl_buf_detach(&b, NULL);
}

char *engine_hive_type_to_athena(const char *hive_type, char **err) {
    engine_hive_type *t = engine_hive_type_parse(hive_type, err);
    if (!t)
        return NULL;
    owl_buf b = OWL_BUF_INIT;
    switch (t->kind) {
    case HIVE_TINYINT: owl_buf_puts(&b, "tinyint"); break;
    case HIVE_SMALLINT: owl_buf_puts(&b, "smallint"); break;
    case HIVE_INT: owl_buf_puts(&b, "integer"); break;
    case HIVE_BIGINT: owl_buf_puts(&b, "bigint"); break;
    case HIVE_FLOAT: owl_buf_puts(&b, "real"); break;
    case HIVE_DOUBLE: owl_buf_puts(&b, "double"); break;
    case HIVE_DECIMAL: owl_buf_printf(&b, "decimal(%d,%d)", t->precision, t->scale); break;
    case HIVE_STRING:
    case HIVE_VARCHAR: owl_buf_puts(&b, "varchar"); break;
    case HIVE_CHAR: owl_buf_puts(&b, "char"); break;
    case HIVE_BOOLEAN: owl_buf_puts(&b, "boolean"); break;
    case HIVE_DATE: owl_buf_puts(&b, "date"); break;
    case HIVE_TIMESTAMP: owl_buf_puts(&b, "timestamp"); break;
    case HIVE_BINARY: owl_buf_puts(&b, "varbinary"); break;
    case HIVE_ARRAY: owl_buf_puts(&b, "array"); break;
    case HIVE_MAP: owl_buf_puts(&b, "map"); break;
    case HIVE_STRUCT: owl_buf_puts(&b, "row"); break;
    }
    engine_hive_type_free(t);
    return owl_buf_detach(&b, NULL);
}
