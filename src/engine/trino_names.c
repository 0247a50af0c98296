/*
 * Trino's names for result columns. Trino names a select-list entry by its
 * alias, a column reference (a, t.a, s.field) or a field dereference
 * (CAST(x AS ROW(f int)).f) by its last name part, and any other
 * expression _col<N>, where N is the 0-based position of the column in the
 * result: SELECT 1, a, count(*) FROM t gives _col0, a, _col2.
 * Names are lowercase, as Athena returns them. DuckDB instead names an
 * expression after its text, so the engine derives the names from the
 * json_serialize_sql() tree of the query.
 *
 * SELECT * keeps DuckDB's names, which are the column names of the tables.
 * The exception is a star over one VALUES list, subquery or WITH query of
 * the same statement. There the inner select list names the columns, as in
 * Trino (SELECT * FROM (SELECT 1) s gives _col0). A set operation takes the
 * names of its first query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

/* Subqueries and WITH queries deeper than this keep DuckDB's names. */
#define NAMES_DEPTH_MAX 32

typedef enum name_kind {
    NAME_GIVEN,      /* an alias or column name */
    NAME_POSITIONAL, /* _col<position> */
    NAME_STAR        /* any number of columns named by DuckDB */
} name_kind;

typedef struct name_entry {
    name_kind kind;
    char *name; /* NAME_GIVEN only, lowercased */
} name_entry;

struct engine_name_plan {
    name_entry *entries;
    size_t count;
};

/* The WITH queries visible from a node, innermost first. */
typedef struct cte_scope {
    json_t *map;
    const struct cte_scope *parent;
} cte_scope;

static void plan_add(engine_name_plan *plan, name_kind kind, const char *name) {
    plan->entries = realloc(plan->entries, (plan->count + 1) * sizeof *plan->entries);
    if (!plan->entries)
        abort();
    plan->entries[plan->count++] = (name_entry){kind, name ? engine_lower_dup(name) : NULL};
}

static bool node_names(json_t *node, const cte_scope *scope, int depth, engine_name_plan *plan);

/* Finds the WITH query called name in scope, or NULL. */
static json_t *cte_lookup(const cte_scope *scope, const char *name, json_t **aliases) {
    for (; scope; scope = scope->parent) {
        size_t i;
        json_t *entry;
        json_array_foreach(scope->map, i, entry) {
            const char *key = json_string_value(json_object_get(entry, "key"));
            if (key && strcasecmp(key, name) == 0) {
                json_t *value = json_object_get(entry, "value");
                *aliases = json_object_get(value, "aliases");
                return json_object_get(json_object_get(value, "query"), "node");
            }
        }
    }
    return NULL;
}

/*
 * Adds the names of a relation whose columns are listed by an inner query:
 * aliases first (t(x, y)), then the inner query's names for the rest.
 */
static bool relation_names(json_t *inner, json_t *aliases, const cte_scope *scope, int depth,
                           engine_name_plan *plan) {
    engine_name_plan nested = {0};
    bool ok = node_names(inner, scope, depth + 1, &nested);
    size_t alias_count = json_array_size(aliases);
    for (size_t i = 0; ok && i < nested.count; i++) {
        const char *alias = json_string_value(json_array_get(aliases, i));
        if (i < alias_count && alias)
            plan_add(plan, NAME_GIVEN, alias);
        else
            plan_add(plan, nested.entries[i].kind, nested.entries[i].name);
    }
    engine_name_plan_free_entries(&nested);
    return ok;
}

/*
 * Adds the columns of SELECT * over from. Returns false when the star's
 * columns cannot be known from the tree, which keeps DuckDB's names.
 */
static bool star_names(json_t *from, const cte_scope *scope, int depth, engine_name_plan *plan) {
    const char *type = json_string_value(json_object_get(from, "type"));
    json_t *aliases = json_object_get(from, "column_name_alias");
    if (!type || depth >= NAMES_DEPTH_MAX)
        return false;
    if (strcmp(type, "EXPRESSION_LIST") == 0) {
        json_t *first_row = json_array_get(json_object_get(from, "values"), 0);
        json_t *expected = json_object_get(from, "expected_names");
        for (size_t i = 0; i < json_array_size(first_row); i++) {
            const char *name = json_string_value(json_array_get(expected, i));
            plan_add(plan, name ? NAME_GIVEN : NAME_POSITIONAL, name);
        }
        return json_array_size(first_row) > 0;
    }
    if (strcmp(type, "SUBQUERY") == 0) {
        json_t *inner = json_object_get(json_object_get(from, "subquery"), "node");
        return relation_names(inner, aliases, scope, depth, plan);
    }
    if (strcmp(type, "BASE_TABLE") == 0) {
        const char *schema = json_string_value(json_object_get(from, "schema_name"));
        const char *catalog = json_string_value(json_object_get(from, "catalog_name"));
        const char *table = json_string_value(json_object_get(from, "table_name"));
        if ((schema && *schema) || (catalog && *catalog) || !table)
            return false;
        json_t *cte_aliases = NULL;
        json_t *inner = cte_lookup(scope, table, &cte_aliases);
        if (!inner)
            return false;
        /* Aliases on the reference override those of the WITH query. */
        return relation_names(inner, json_array_size(aliases) ? aliases : cte_aliases, scope,
                              depth, plan);
    }
    return false;
}

static bool is_plain_star(json_t *item) {
    const char *relation = json_string_value(json_object_get(item, "relation_name"));
    return (!relation || !*relation) && !json_is_true(json_object_get(item, "columns")) &&
           json_array_size(json_object_get(item, "exclude_list")) == 0 &&
           json_array_size(json_object_get(item, "replace_list")) == 0 &&
           json_array_size(json_object_get(item, "rename_list")) == 0 &&
           json_array_size(json_object_get(item, "qualified_exclude_list")) == 0;
}

/* Returns the field name of a dereference such as CAST(... AS ROW(a int)).a, or NULL. */
static const char *dereference_field(json_t *item) {
    const char *type = json_string_value(json_object_get(item, "type"));
    if (!type || strcmp(type, "STRUCT_EXTRACT") != 0)
        return NULL;
    json_t *value = json_object_get(json_array_get(json_object_get(item, "children"), 1), "value");
    const char *value_type =
        json_string_value(json_object_get(json_object_get(value, "type"), "id"));
    if (!value_type || strcmp(value_type, "VARCHAR") != 0)
        return NULL;
    return json_string_value(json_object_get(value, "value"));
}

/* Adds the names of a query node's result columns. Returns false for an unknown node. */
static bool node_names(json_t *node, const cte_scope *scope, int depth, engine_name_plan *plan) {
    const char *type = json_string_value(json_object_get(node, "type"));
    if (!type || depth >= NAMES_DEPTH_MAX)
        return false;
    cte_scope inner_scope = {json_object_get(json_object_get(node, "cte_map"), "map"), scope};
    if (strcmp(type, "SET_OPERATION_NODE") == 0)
        return node_names(json_object_get(node, "left"), &inner_scope, depth + 1, plan);
    if (strcmp(type, "SELECT_NODE") != 0)
        return false;

    json_t *list = json_object_get(node, "select_list");
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *alias = json_string_value(json_object_get(item, "alias"));
        const char *kind = json_string_value(json_object_get(item, "class"));
        json_t *parts = json_object_get(item, "column_names");
        if (alias && *alias) {
            plan_add(plan, NAME_GIVEN, alias);
        } else if (kind && strcmp(kind, "COLUMN_REF") == 0 && json_array_size(parts) > 0) {
            plan_add(plan, NAME_GIVEN,
                     json_string_value(json_array_get(parts, json_array_size(parts) - 1)));
        } else if (dereference_field(item)) {
            plan_add(plan, NAME_GIVEN, dereference_field(item));
        } else if (kind && strcmp(kind, "STAR") == 0) {
            engine_name_plan star = {0};
            json_t *from = json_object_get(node, "from_table");
            bool known = is_plain_star(item) && star_names(from, &inner_scope, depth, &star);
            if (!known)
                plan_add(plan, NAME_STAR, NULL);
            for (size_t s = 0; known && s < star.count; s++)
                plan_add(plan, star.entries[s].kind, star.entries[s].name);
            engine_name_plan_free_entries(&star);
        } else {
            plan_add(plan, NAME_POSITIONAL, NULL);
        }
    }
    return true;
}

engine_name_plan *engine_name_plan_new(json_t *statement) {
    engine_name_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        abort();
    if (!node_names(json_object_get(statement, "node"), NULL, 0, plan)) {
        engine_name_plan_free(plan);
        return NULL;
    }
    return plan;
}

void engine_name_plan_free_entries(engine_name_plan *plan) {
    for (size_t i = 0; i < plan->count; i++)
        free(plan->entries[i].name);
    free(plan->entries);
    plan->entries = NULL;
    plan->count = 0;
}

void engine_name_plan_free(engine_name_plan *plan) {
    if (!plan)
        return;
    engine_name_plan_free_entries(plan);
    free(plan);
}

char *engine_name_plan_column(const engine_name_plan *plan, size_t column, size_t column_count,
                              const char *engine_name) {
    const name_entry *entry = NULL;
    size_t stars = 0, star_at = 0;
    for (size_t i = 0; plan && i < plan->count; i++) {
        if (plan->entries[i].kind == NAME_STAR) {
            stars++;
            star_at = i;
        }
    }
    if (plan && stars == 0 && plan->count == column_count) {
        entry = &plan->entries[column];
    } else if (plan && stars == 1 && plan->count - 1 <= column_count) {
        /* The star covers the columns between the entries before and after it. */
        size_t after = plan->count - 1 - star_at;
        if (column < star_at)
            entry = &plan->entries[column];
        else if (column >= column_count - after)
            entry = &plan->entries[plan->count - (column_count - column)];
    }
    if (entry && entry->kind == NAME_GIVEN)
        return strdup(entry->name);
    if (entry && entry->kind == NAME_POSITIONAL) {
        char positional[32];
        snprintf(positional, sizeof positional, "_col%zu", column);
        return strdup(positional);
    }
    return engine_lower_dup(engine_name ? engine_name : "");
}
