/*
 * Partition pruning from the WHERE clause, evaluated on DuckDB's parse tree
 * (json_serialize_sql) before any object is listed.
 *
 * Each occurrence of the table in a SELECT is judged on its own and a
 * partition is kept when any occurrence may need it. Expressions evaluate
 * to yes, no, SQL NULL or unknown; only no and NULL drop a partition, so
 * anything the evaluator does not understand (functions, column-to-column
 * comparisons, subqueries) keeps it. An occurrence
 * under an outer join or without WHERE keeps every partition.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

/* TRI_NULL is SQL's unknown (a comparison with a NULL partition value),
 * which WHERE drops; TRI_UNKNOWN means the evaluator cannot tell. */
typedef enum tri { TRI_NO, TRI_YES, TRI_NULL, TRI_UNKNOWN } tri;

typedef struct prune_ctx {
    const engine_table_ref *ref;
    const char *default_catalog, *default_database;
    const engine_column *keys;
    engine_hive_type **key_types;
    size_t key_count;
    const char *const *values;   /* the partition under evaluation */
    const char *alias;           /* qualifier of the current occurrence */
} prune_ctx;

/* Returns the partition key index a COLUMN_REF names for this occurrence, or -1. */
static int key_of(const prune_ctx *c, json_t *node) {
    const char *cls = json_string_value(json_object_get(node, "class"));
    if (!cls || strcmp(cls, "COLUMN_REF") != 0)
        return -1;
    json_t *names = json_object_get(node, "column_names");
    size_t n = json_array_size(names);
    if (n == 0 || n > 2)
        return -1;
    if (n == 2) {
        const char *q = json_string_value(json_array_get(names, 0));
        if (!q || strcasecmp(q, c->alias) != 0)
            return -1;
    }
    const char *col = json_string_value(json_array_get(names, n - 1));
    for (size_t k = 0; col && k < c->key_count; k++)
        if (strcasecmp(col, c->keys[k].name) == 0)
            return (int)k;
    return -1;
}

/* Returns a malloc'd text of a constant (through casts), or NULL if node is not one. */
static char *literal_of(json_t *node, bool *is_null) {
    *is_null = false;
    const char *cls = json_string_value(json_object_get(node, "class"));
    if (cls && strcmp(cls, "CAST") == 0)
        return literal_of(json_object_get(node, "child"), is_null);
    if (!cls || strcmp(cls, "CONSTANT") != 0)
        return NULL;
    json_t *value = json_object_get(node, "value");
    if (json_is_true(json_object_get(value, "is_null"))) {
        *is_null = true;
        return NULL;
    }
    json_t *v = json_object_get(value, "value");
    owl_buf b = OWL_BUF_INIT;
    if (json_is_string(v)) {
        owl_buf_puts(&b, json_string_value(v));
    } else if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        json_t *info = json_object_get(json_object_get(value, "type"), "type_info");
        int scale = (int)json_integer_value(json_object_get(info, "scale"));
        if (scale > 0 && scale < 19) {
            long long p = 1;
            for (int s = 0; s < scale; s++)
                p *= 10;
            owl_buf_printf(&b, "%s%lld.%0*lld", i < 0 ? "-" : "", llabs((long long)i) / p, scale,
                           llabs((long long)i) % p);
        } else {
            owl_buf_printf(&b, "%lld", (long long)i);
        }
    } else if (json_is_real(v)) {
        owl_buf_printf(&b, "%.17g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        owl_buf_puts(&b, json_is_true(v) ? "true" : "false");
    } else {
        owl_buf_free(&b);
        return NULL;
    }
    return owl_buf_detach(&b, NULL);
}

static bool is_numeric(const engine_hive_type *t) {
    return t->kind == HIVE_TINYINT || t->kind == HIVE_SMALLINT || t->kind == HIVE_INT ||
           t->kind == HIVE_BIGINT || t->kind == HIVE_FLOAT || t->kind == HIVE_DOUBLE ||
           t->kind == HIVE_DECIMAL;
}

/* Compares a partition value with a literal as the key's type orders them; false if it cannot. */
static bool compare(const prune_ctx *c, int key, const char *literal, int *order) {
    const char *value = c->values[key];
    const engine_hive_type *t = c->key_types[key];
    if (is_numeric(t)) {
        char *e1, *e2;
        double a = strtod(value, &e1), b = strtod(literal, &e2);
        if (*value == '\0' || *e1 || *literal == '\0' || *e2)
            return false;
        *order = a < b ? -1 : a > b ? 1 : 0;
        return true;
    }
    if (t->kind == HIVE_STRING || t->kind == HIVE_VARCHAR || t->kind == HIVE_CHAR ||
        ((t->kind == HIVE_DATE || t->kind == HIVE_TIMESTAMP) && strlen(value) == strlen(literal))) {
        int r = strcmp(value, literal);
        *order = r < 0 ? -1 : r > 0 ? 1 : 0;
        return true;
    }
    return false;
}

static tri from_order(const char *op, int order) {
    if (strcmp(op, "COMPARE_EQUAL") == 0) return order == 0 ? TRI_YES : TRI_NO;
    if (strcmp(op, "COMPARE_NOTEQUAL") == 0) return order != 0 ? TRI_YES : TRI_NO;
    if (strcmp(op, "COMPARE_LESSTHAN") == 0) return order < 0 ? TRI_YES : TRI_NO;
    if (strcmp(op, "COMPARE_LESSTHANOREQUALTO") == 0) return order <= 0 ? TRI_YES : TRI_NO;
    if (strcmp(op, "COMPARE_GREATERTHAN") == 0) return order > 0 ? TRI_YES : TRI_NO;
    if (strcmp(op, "COMPARE_GREATERTHANOREQUALTO") == 0) return order >= 0 ? TRI_YES : TRI_NO;
    return TRI_UNKNOWN;
}

static const char *flip(const char *op) {
    if (strcmp(op, "COMPARE_LESSTHAN") == 0) return "COMPARE_GREATERTHAN";
    if (strcmp(op, "COMPARE_LESSTHANOREQUALTO") == 0) return "COMPARE_GREATERTHANOREQUALTO";
    if (strcmp(op, "COMPARE_GREATERTHAN") == 0) return "COMPARE_LESSTHAN";
    if (strcmp(op, "COMPARE_GREATERTHANOREQUALTO") == 0) return "COMPARE_LESSTHANOREQUALTO";
    return op;
}

static tri compare_node(const prune_ctx *c, const char *op, json_t *left, json_t *right) {
    int key = key_of(c, left);
    json_t *other = right;
    if (key < 0) {
        key = key_of(c, right);
        other = left;
        op = flip(op);
    }
    bool is_null;
    char *lit = key >= 0 ? literal_of(other, &is_null) : NULL;
    if (!lit)
        return TRI_UNKNOWN;
    int order;
    tri r = !c->values[key] ? TRI_NULL
            : compare(c, key, lit, &order) ? from_order(op, order) : TRI_UNKNOWN;
    free(lit);
    return r;
}

static tri eval(const prune_ctx *c, json_t *node) {
    const char *type = json_string_value(json_object_get(node, "type"));
    if (!type)
        return TRI_UNKNOWN;
    json_t *children = json_object_get(node, "children");
    if (strcmp(type, "CONJUNCTION_AND") == 0 || strcmp(type, "CONJUNCTION_OR") == 0) {
        bool is_and = type[12] == 'A';
        tri acc = is_and ? TRI_YES : TRI_NO;
        size_t i;
        json_t *child;
        json_array_foreach(children, i, child) {
            tri r = eval(c, child);
            if (is_and && r == TRI_NO) return TRI_NO;
            if (!is_and && r == TRI_YES) return TRI_YES;
            if (r == TRI_UNKNOWN || (r == TRI_NULL && acc != TRI_UNKNOWN)) acc = r;
        }
        return acc;
    }
    if (strcmp(type, "OPERATOR_NOT") == 0) {
        tri r = eval(c, json_array_get(children, 0));
        return r == TRI_YES ? TRI_NO : r == TRI_NO ? TRI_YES : r;
    }
    if (strcmp(type, "OPERATOR_IS_NULL") == 0 || strcmp(type, "OPERATOR_IS_NOT_NULL") == 0) {
        int key = key_of(c, json_array_get(children, 0));
        if (key < 0)
            return TRI_UNKNOWN;
        bool null = c->values[key] == NULL;
        bool want_null = strcmp(type, "OPERATOR_IS_NULL") == 0;
        return null == want_null ? TRI_YES : TRI_NO;
    }
    if (strcmp(type, "COMPARE_IN") == 0 || strcmp(type, "COMPARE_NOT_IN") == 0) {
        bool negate = strcmp(type, "COMPARE_NOT_IN") == 0;
        json_t *col = json_array_get(children, 0);
        tri any = TRI_NO;
        for (size_t i = 1; i < json_array_size(children); i++) {
            tri r = compare_node(c, "COMPARE_EQUAL", col, json_array_get(children, i));
            if (r == TRI_YES) { any = TRI_YES; break; }
            if (r == TRI_UNKNOWN || (r == TRI_NULL && any != TRI_UNKNOWN)) any = r;
        }
        if (!negate || any == TRI_UNKNOWN || any == TRI_NULL)
            return any;
        return any == TRI_YES ? TRI_NO : TRI_YES;
    }
    if (strcmp(type, "COMPARE_BETWEEN") == 0) {
        json_t *input = json_object_get(node, "input");
        tri lo = compare_node(c, "COMPARE_GREATERTHANOREQUALTO", input, json_object_get(node, "lower"));
        tri hi = compare_node(c, "COMPARE_LESSTHANOREQUALTO", input, json_object_get(node, "upper"));
        if (lo == TRI_NO || hi == TRI_NO) return TRI_NO;
        if (lo == TRI_UNKNOWN || hi == TRI_UNKNOWN) return TRI_UNKNOWN;
        return lo == TRI_NULL || hi == TRI_NULL ? TRI_NULL : TRI_YES;
    }
    if (strncmp(type, "COMPARE_", 8) == 0 && json_object_get(node, "left"))
        return compare_node(c, type, json_object_get(node, "left"), json_object_get(node, "right"));
    return TRI_UNKNOWN;
}

/* ---------------------------------------------------------------- occurrences */

typedef struct occurrence {
    json_t *where;      /* NULL: no WHERE, or not prunable */
    char *alias;
    bool prunable;
} occurrence;

typedef struct occurrences {
    occurrence *items;
    size_t count;
} occurrences;

static bool names_ref(const prune_ctx *c, json_t *table) {
    const char *name = json_string_value(json_object_get(table, "table_name"));
    const char *schema = json_string_value(json_object_get(table, "schema_name"));
    const char *catalog = json_string_value(json_object_get(table, "catalog_name"));
    if (!name || strcasecmp(name, c->ref->table) != 0)
        return false;
    const char *db = schema && *schema ? schema : c->default_database;
    const char *cat = catalog && *catalog ? catalog : c->default_catalog;
    return db && cat && strcasecmp(db, c->ref->database) == 0 && strcasecmp(cat, c->ref->catalog) == 0;
}

/* Finds the table in one FROM tree (not inside subqueries) and records it. */
static void from_scan(const prune_ctx *c, json_t *from, json_t *where, bool outer, occurrences *out) {
    const char *type = json_string_value(json_object_get(from, "type"));
    if (!type)
        return;
    if (strcmp(type, "BASE_TABLE") == 0 && names_ref(c, from)) {
        const char *alias = json_string_value(json_object_get(from, "alias"));
        out->items = realloc(out->items, (out->count + 1) * sizeof *out->items);
        if (!out->items)
            abort();
        out->items[out->count++] = (occurrence){
            where, strdup(alias && *alias ? alias : c->ref->table), where != NULL && !outer};
    } else if (strcmp(type, "JOIN") == 0) {
        const char *jt = json_string_value(json_object_get(from, "join_type"));
        bool is_outer = outer || (jt && strcmp(jt, "INNER") != 0);
        from_scan(c, json_object_get(from, "left"), where, is_outer, out);
        from_scan(c, json_object_get(from, "right"), where, is_outer, out);
    }
}

static void find_occurrences(const prune_ctx *c, json_t *node, occurrences *out) {
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) find_occurrences(c, v, out);
        return;
    }
    if (!json_is_object(node))
        return;
    const char *type = json_string_value(json_object_get(node, "type"));
    if (type && strcmp(type, "SELECT_NODE") == 0) {
        json_t *where = json_object_get(node, "where_clause");
        from_scan(c, json_object_get(node, "from_table"), json_is_null(where) ? NULL : where, false, out);
    }
    const char *k;
    json_t *v;
    json_object_foreach(node, k, v) find_occurrences(c, v, out);
}

static void occurrences_free(occurrences *o) {
    for (size_t i = 0; i < o->count; i++)
        free(o->items[i].alias);
    free(o->items);
}

static bool prune_setup(prune_ctx *c, const engine_column *keys, size_t key_count, char **err) {
    c->key_types = calloc(key_count + 1, sizeof *c->key_types);
    if (!c->key_types)
        abort();
    for (size_t k = 0; k < key_count; k++) {
        c->key_types[k] = engine_hive_type_parse(keys[k].type ? keys[k].type : "", err);
        if (!c->key_types[k])
            return false;
    }
    return true;
}

static void prune_teardown(prune_ctx *c) {
    for (size_t k = 0; k < c->key_count; k++)
        engine_hive_type_free(c->key_types[k]);
    free(c->key_types);
}

bool engine_prune_partitions(engine_db *db, const char *sql, const engine_table_ref *ref,
                             const char *default_catalog, const char *default_database,
                             const engine_column *partition_keys, size_t key_count,
                             const char *const *const *values, size_t partition_count,
                             bool *keep, char **err) {
    for (size_t p = 0; p < partition_count; p++)
        keep[p] = true;
    prune_ctx c = {ref, default_catalog, default_database, partition_keys, NULL, key_count, NULL, NULL};
    if (!prune_setup(&c, partition_keys, key_count, err)) {
        prune_teardown(&c);
        return false;
    }
    json_t *root = engine_parse_json(db, sql, 0, err);
    if (!root) {
        prune_teardown(&c);
        return false;
    }
    occurrences occ = {0};
    find_occurrences(&c, json_object_get(root, "statements"), &occ);
    bool all = occ.count == 0;
    for (size_t i = 0; i < occ.count; i++)
        all = all || !occ.items[i].prunable;
    for (size_t p = 0; !all && p < partition_count; p++) {
        bool needed = false;
        c.values = values[p];
        for (size_t i = 0; i < occ.count && !needed; i++) {
            c.alias = occ.items[i].alias;
            tri r = eval(&c, occ.items[i].where);
            needed = r == TRI_YES || r == TRI_UNKNOWN;
        }
        keep[p] = needed;
    }
    occurrences_free(&occ);
    json_decref(root);
    prune_teardown(&c);
    return true;
}

/* ---------------------------------------------------------------- metastore filter */

static bool filter_literal(owl_buf *b, const prune_ctx *c, int key, json_t *node) {
    bool is_null;
    char *lit = literal_of(node, &is_null);
    if (!lit)
        return false;
    bool ok = true;
    if (is_numeric(c->key_types[key]) && c->key_types[key]->kind != HIVE_FLOAT &&
        c->key_types[key]->kind != HIVE_DOUBLE && c->key_types[key]->kind != HIVE_DECIMAL) {
        char *end;
        strtoll(lit, &end, 10);
        ok = *lit && !*end;
        if (ok)
            owl_buf_puts(b, lit);
    } else if (strpbrk(lit, "'\"\\")) {
        ok = false;   /* the metastore grammar has no escapes we can rely on */
    } else {
        owl_buf_printf(b, "'%s'", lit);
    }
    free(lit);
    return ok;
}

/* Hive's metastore filters support string and integer keys only. */
static bool filterable_key(const prune_ctx *c, int key) {
    engine_hive_kind k = c->key_types[key]->kind;
    return k == HIVE_STRING || k == HIVE_VARCHAR || k == HIVE_CHAR || k == HIVE_TINYINT ||
           k == HIVE_SMALLINT || k == HIVE_INT || k == HIVE_BIGINT;
}

static const char *filter_op(const char *type) {
    if (strcmp(type, "COMPARE_EQUAL") == 0) return "=";
    if (strcmp(type, "COMPARE_NOTEQUAL") == 0) return "<>";
    if (strcmp(type, "COMPARE_LESSTHAN") == 0) return "<";
    if (strcmp(type, "COMPARE_LESSTHANOREQUALTO") == 0) return "<=";
    if (strcmp(type, "COMPARE_GREATERTHAN") == 0) return ">";
    if (strcmp(type, "COMPARE_GREATERTHANOREQUALTO") == 0) return ">=";
    return NULL;
}

/* Renders node into b; false (b unspecified) when it has a part the grammar cannot express. */
static bool filter_render(owl_buf *b, const prune_ctx *c, json_t *node) {
    const char *type = json_string_value(json_object_get(node, "type"));
    if (!type)
        return false;
    json_t *children = json_object_get(node, "children");
    if (strcmp(type, "CONJUNCTION_AND") == 0 || strcmp(type, "CONJUNCTION_OR") == 0) {
        owl_buf_putc(b, '(');
        for (size_t i = 0; i < json_array_size(children); i++) {
            if (i)
                owl_buf_puts(b, type[12] == 'A' ? " and " : " or ");
            if (!filter_render(b, c, json_array_get(children, i)))
                return false;
        }
        owl_buf_putc(b, ')');
        return true;
    }
    if (strcmp(type, "COMPARE_IN") == 0) {
        int key = key_of(c, json_array_get(children, 0));
        if (key < 0 || !filterable_key(c, key))
            return false;
        owl_buf_putc(b, '(');
        for (size_t i = 1; i < json_array_size(children); i++) {
            owl_buf_printf(b, "%s%s = ", i > 1 ? " or " : "", c->keys[key].name);
            if (!filter_literal(b, c, key, json_array_get(children, i)))
                return false;
        }
        owl_buf_putc(b, ')');
        return true;
    }
    if (strcmp(type, "COMPARE_BETWEEN") == 0) {
        int key = key_of(c, json_object_get(node, "input"));
        if (key < 0 || !filterable_key(c, key))
            return false;
        owl_buf_printf(b, "(%s >= ", c->keys[key].name);
        if (!filter_literal(b, c, key, json_object_get(node, "lower")))
            return false;
        owl_buf_printf(b, " and %s <= ", c->keys[key].name);
        if (!filter_literal(b, c, key, json_object_get(node, "upper")))
            return false;
        owl_buf_putc(b, ')');
        return true;
    }
    const char *op = filter_op(type);
    if (op) {
        json_t *left = json_object_get(node, "left"), *right = json_object_get(node, "right");
        int key = key_of(c, left);
        if (key < 0) {
            key = key_of(c, right);
            json_t *t = left;
            left = right;
            right = t;
            op = filter_op(flip(type));
        }
        if (key < 0 || !filterable_key(c, key))
            return false;
        owl_buf_printf(b, "%s %s ", c->keys[key].name, op);
        return filter_literal(b, c, key, right);
    }
    return false;
}

char *engine_metastore_filter(engine_db *db, const char *sql, const engine_table_ref *ref,
                              const char *default_catalog, const char *default_database,
                              const engine_column *partition_keys, size_t key_count, char **err) {
    prune_ctx c = {ref, default_catalog, default_database, partition_keys, NULL, key_count, NULL, NULL};
    if (!prune_setup(&c, partition_keys, key_count, err)) {
        prune_teardown(&c);
        return NULL;
    }
    json_t *root = engine_parse_json(db, sql, 0, err);
    if (!root) {
        prune_teardown(&c);
        return NULL;
    }
    occurrences occ = {0};
    find_occurrences(&c, json_object_get(root, "statements"), &occ);
    owl_buf out = OWL_BUF_INIT;
    /* Only one prunable occurrence gives one filter; otherwise list everything. */
    if (occ.count == 1 && occ.items[0].prunable) {
        c.alias = occ.items[0].alias;
        json_t *where = occ.items[0].where;
        const char *type = json_string_value(json_object_get(where, "type"));
        json_t *conjuncts = json_array();
        if (type && strcmp(type, "CONJUNCTION_AND") == 0)
            json_array_extend(conjuncts, json_object_get(where, "children"));
        else
            json_array_append(conjuncts, where);
        size_t i;
        json_t *conjunct;
        json_array_foreach(conjuncts, i, conjunct) {
            owl_buf part = OWL_BUF_INIT;
            if (filter_render(&part, &c, conjunct)) {
                if (out.len)
                    owl_buf_puts(&out, " and ");
                owl_buf_append(&out, part.data, part.len);
            }
            owl_buf_free(&part);
        }
        json_decref(conjuncts);
    }
    occurrences_free(&occ);
    json_decref(root);
    prune_teardown(&c);
    return owl_buf_detach(&out, NULL);
}
