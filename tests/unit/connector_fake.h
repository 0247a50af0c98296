/*
 * A fake metastore for the connector's unit tests: records every call with
 * its arguments (rendered by thrift_value_print) and returns small
 * canned objects, an injected exception or an injected transport error.
 */
#ifndef OWL_TEST_CONNECTOR_FAKE_H
#define OWL_TEST_CONNECTOR_FAKE_H

#include "connector/connector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_CALLS 16

typedef struct fake_metastore {
    int call_count;
    char calls[FAKE_MAX_CALLS][1024]; /* "method {args}" */
    const char *const *names;         /* return value of the name-list methods */
    /* Injected failures. */
    const char *exception_method;     /* method that returns an exception */
    int16_t exception_field;
    int transport_failures;           /* fail this many calls with HMS_ERROR_TRANSPORT */
    hms_error_kind failure_kind;      /* fail every call with this kind when not NONE */
    size_t partition_padding;         /* bytes of padding in each returned partition */
} fake_metastore;

static thrift_value *fake_string_list(const char *const *names)
{
    thrift_value *list = thrift_value_new_list(THRIFT_STRING);
    for (size_t i = 0; names && names[i]; i++)
        thrift_list_append(list, thrift_value_new_cstring(names[i]));
    return list;
}

static thrift_value *fake_table(const thrift_value *db, const thrift_value *name)
{
    thrift_value *t = thrift_value_new_struct();
    thrift_struct_set(t, 1, thrift_value_copy(name));
    thrift_struct_set(t, 2, thrift_value_copy(db));
    return t;
}

static thrift_value *fake_partition(fake_metastore *fake, const thrift_value *name)
{
    thrift_value *p = thrift_value_new_struct();
    thrift_value *values = thrift_value_new_list(THRIFT_STRING);
    thrift_list_append(values, thrift_value_copy(name));
    thrift_struct_set(p, 1, values);
    if (fake->partition_padding) {
        char *padding = malloc(fake->partition_padding + 1);
        memset(padding, 'x', fake->partition_padding);
        padding[fake->partition_padding] = '\0';
        thrift_struct_set(p, 2, thrift_value_new_cstring(padding));
        free(padding);
    }
    return p;
}

/* Returns the return value (field 0) for method, or NULL for a void method. */
static thrift_value *fake_return_value(fake_metastore *fake, const char *method,
                                       const thrift_value *args)
{
    const thrift_value *a1 = thrift_struct_get(args, 1), *a2 = thrift_struct_get(args, 2),
                       *a3 = thrift_struct_get(args, 3);
    if (!strcmp(method, "get_all_databases") || !strcmp(method, "get_databases") ||
        !strcmp(method, "get_all_tables") || !strcmp(method, "get_tables") ||
        !strcmp(method, "get_partition_names"))
        return fake_string_list(fake->names);
    if (!strcmp(method, "get_database")) {
        thrift_value *db = thrift_value_new_struct();
        thrift_struct_set(db, 1, thrift_value_copy(a1));
        return db;
    }
    if (!strcmp(method, "get_table"))
        return fake_table(a1, a2);
    if (!strcmp(method, "get_table_objects_by_name")) {
        thrift_value *list = thrift_value_new_list(THRIFT_STRUCT);
        for (size_t i = 0; i < thrift_value_count(a2); i++)
            thrift_list_append(list, fake_table(a1, thrift_list_get(a2, i)));
        return list;
    }
    if (!strcmp(method, "get_partitions_by_names")) {
        thrift_value *list = thrift_value_new_list(THRIFT_STRUCT);
        for (size_t i = 0; i < thrift_value_count(a3); i++)
            thrift_list_append(list, fake_partition(fake, thrift_list_get(a3, i)));
        return list;
    }
    if (!strcmp(method, "get_partitions") || !strcmp(method, "get_partitions_by_filter")) {
        thrift_value *list = thrift_value_new_list(THRIFT_STRUCT);
        thrift_value *name = thrift_value_new_cstring("2024");
        thrift_list_append(list, fake_partition(fake, name));
        thrift_value_free(name);
        return list;
    }
    if (!strcmp(method, "get_partitions_by_expr")) {
        thrift_value *result = thrift_value_new_struct();
        thrift_struct_set(result, 1, thrift_value_new_list(THRIFT_STRUCT));
        thrift_struct_set(result, 2, thrift_value_new_bool(false));
        return result;
    }
    if (!strcmp(method, "add_partition"))
        return thrift_value_copy(a1);
    if (!strcmp(method, "append_partition"))
        return thrift_value_new_struct();
    if (!strcmp(method, "add_partitions"))
        return thrift_value_new_i32((int32_t)thrift_value_count(a1));
    if (!strcmp(method, "drop_partition"))
        return thrift_value_new_bool(true);
    if (!strcmp(method, "drop_partitions_req")) {
        thrift_value *result = thrift_value_new_struct();
        thrift_struct_set(result, 1, thrift_value_new_list(THRIFT_STRUCT));
        return result;
    }
    return NULL;
}

static bool fake_call(void *ctx, const char *method, const thrift_value *args,
                      thrift_value **result, hms_error *err)
{
    fake_metastore *fake = ctx;
    if (fake->call_count < FAKE_MAX_CALLS) {
        owl_buf line = OWL_BUF_INIT;
        owl_buf_printf(&line, "%s ", method);
        thrift_value_print(&line, args);
        snprintf(fake->calls[fake->call_count], sizeof fake->calls[0], "%s", line.data);
        owl_buf_free(&line);
    }
    fake->call_count++;

    if (fake->transport_failures > 0) {
        fake->transport_failures--;
        err->kind = HMS_ERROR_TRANSPORT;
        snprintf(err->message, sizeof err->message, "connection reset by peer");
        return false;
    }
    if (fake->failure_kind != HMS_ERROR_NONE) {
        err->kind = fake->failure_kind;
        snprintf(err->message, sizeof err->message, "injected failure");
        return false;
    }

    *result = thrift_value_new_struct();
    if (fake->exception_method && !strcmp(method, fake->exception_method)) {
        thrift_value *e = thrift_value_new_struct();
        thrift_struct_set(e, 1, thrift_value_new_cstring("db1.t1 table not found"));
        thrift_struct_set(*result, fake->exception_field, e);
        return true;
    }
    thrift_value *value = fake_return_value(fake, method, args);
    if (value)
        thrift_struct_set(*result, 0, value);
    return true;
}

#endif
