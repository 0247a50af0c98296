/*
 * Unit tests for src/hms: name patterns, partition names, and the
 * metastore service's storage round trip, driven through
 * hms_service_handle_message with in-memory transports.
 */
#include "hms/hms.h"
#include "hms/service.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

/* ---- Patterns and names ---- */

static void test_pattern_match(void)
{
    CHECK(hms_pattern_match("*", "orders"));
    CHECK(hms_pattern_match("*", ""));
    CHECK(hms_pattern_match("orders", "orders"));
    CHECK(hms_pattern_match("ORDERS", "orders"));
    CHECK(!hms_pattern_match("order", "orders"));
    CHECK(hms_pattern_match("ord*", "orders"));
    CHECK(hms_pattern_match("*ers", "orders"));
    CHECK(hms_pattern_match("o*d*s", "orders"));
    CHECK(!hms_pattern_match("o*x*s", "orders"));
    CHECK(hms_pattern_match("sales|orders", "orders"));
    CHECK(hms_pattern_match("sales | ord*", "orders"));
    CHECK(!hms_pattern_match("sales|items", "orders"));
    CHECK(hms_pattern_match("a*a*a", "aaaaa"));
    CHECK(!hms_pattern_match("a*b", "aaaaa"));
    CHECK(!hms_pattern_match("", "orders"));
}

static void test_partition_name(void)
{
    const char *keys[] = {"dt", "path"};
    const char *values[] = {"2024-01-01", "a/b:c=d%"};
    owl_buf name = OWL_BUF_INIT;
    hms_partition_name(&name, keys, values, 2);
    CHECK_STR(name.data, "dt=2024-01-01/path=a%2Fb%3Ac%3Dd%25");

    char *parsed_keys[4], *parsed_values[4];
    CHECK_INT(hms_partition_name_parse(name.data, parsed_keys, parsed_values, 4), 2);
    CHECK_STR(parsed_keys[1], "path");
    CHECK_STR(parsed_values[1], "a/b:c=d%");
    for (int i = 0; i < 2; i++) {
        free(parsed_keys[i]);
        free(parsed_values[i]);
    }

    const char *empty[] = {"", "x"};
    owl_buf_reset(&name);
    hms_partition_name(&name, keys, empty, 2);
    CHECK_STR(name.data, "dt=__HIVE_DEFAULT_PARTITION__/path=x");

    CHECK_INT(hms_partition_name_parse("dt", parsed_keys, parsed_values, 4), -1);
    CHECK_INT(hms_partition_name_parse("dt=%4", parsed_keys, parsed_values, 4), -1);
    CHECK_INT(hms_partition_name_parse("dt=%zz", parsed_keys, parsed_values, 4), -1);
    CHECK_INT(hms_partition_name_parse("a=1/b=2/c=3", parsed_keys, parsed_values, 2), -1);
    CHECK_INT(hms_partition_name_parse("", parsed_keys, parsed_values, 2), -1);
    owl_buf_free(&name);
}

/* ---- Service round trip ---- */

static char data_dir[] = "/tmp/owlery-test-hms-XXXXXX";

/* Encodes a CALL of method with args into out. */
static void encode_call(const char *method, const thrift_value *args, owl_buf *out)
{
    thrift_transport *t = thrift_memory_transport_new(NULL, 0, out);
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, t);
    thrift_error err;
    thrift_message m = {.name = (char *)method, .type = THRIFT_CALL, .seqid = 7};
    bool ok = thrift_protocol_write_message_begin(&p, &m, &err) && thrift_protocol_write_struct(&p, args, &err) &&
              thrift_protocol_write_message_end(&p, &err);
    CHECK(ok);
    thrift_transport_free(t);
}

/*
 * Runs one call through the service and returns the reply struct (result
 * struct or TApplicationException); *type gets the message type. Takes
 * ownership of args.
 */
static thrift_value *call(hms_service *svc, const char *method, thrift_value *args, int *type)
{
    owl_buf request = OWL_BUF_INIT, reply = OWL_BUF_INIT;
    encode_call(method, args, &request);
    thrift_value_free(args);
    thrift_transport *in = thrift_memory_transport_new(request.data, request.len, NULL);
    thrift_transport *out = thrift_memory_transport_new(NULL, 0, &reply);
    CHECK(hms_service_handle_message(svc, in, out, "test"));
    thrift_transport_free(in);
    thrift_transport_free(out);

    thrift_transport *t = thrift_memory_transport_new(reply.data, reply.len, NULL);
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, t);
    thrift_message m = {0};
    thrift_value *result = NULL;
    thrift_error err;
    bool ok = thrift_protocol_read_message_begin(&p, &m, &err) && thrift_protocol_read_struct(&p, &result, &err);
    CHECK(ok);
    CHECK_STR(m.name, method);
    CHECK_INT(m.seqid, 7);
    *type = m.type;
    thrift_message_clear(&m);
    thrift_transport_free(t);
    owl_buf_free(&request);
    owl_buf_free(&reply);
    return result;
}

static thrift_value *args_new(void)
{
    return thrift_value_new_struct();
}

static thrift_value *string_map(const char *key, const char *value)
{
    thrift_value *m = thrift_value_new_map(THRIFT_STRING, THRIFT_STRING);
    thrift_map_put(m, thrift_value_new_cstring(key), thrift_value_new_cstring(value));
    return m;
}

static thrift_value *field_schema(const char *name, const char *type)
{
    thrift_value *f = thrift_value_new_struct();
    thrift_struct_set(f, HMS_FIELD_SCHEMA_NAME, thrift_value_new_cstring(name));
    thrift_struct_set(f, HMS_FIELD_SCHEMA_TYPE, thrift_value_new_cstring(type));
    return f;
}

static thrift_value *sample_table(void)
{
    thrift_value *sd = thrift_value_new_struct();
    thrift_value *cols = thrift_value_new_list(THRIFT_STRUCT);
    thrift_list_append(cols, field_schema("id", "bigint"));
    thrift_struct_set(sd, HMS_SD_COLS, cols);
    thrift_struct_set(sd, HMS_SD_LOCATION, thrift_value_new_cstring("s3://bucket/sales/orders"));
    thrift_struct_set(sd, HMS_SD_PARAMETERS, string_map("sd.k", "sd.v"));
    thrift_value *table = thrift_value_new_struct();
    thrift_struct_set(table, HMS_TABLE_TABLE_NAME, thrift_value_new_cstring("Orders"));
    thrift_struct_set(table, HMS_TABLE_DB_NAME, thrift_value_new_cstring("default"));
    thrift_struct_set(table, HMS_TABLE_SD, sd);
    thrift_value *keys = thrift_value_new_list(THRIFT_STRUCT);
    thrift_list_append(keys, field_schema("dt", "string"));
    thrift_struct_set(table, HMS_TABLE_PARTITION_KEYS, keys);
    thrift_struct_set(table, HMS_TABLE_PARAMETERS, string_map("EXTERNAL", "TRUE"));
    /* A field owlery does not know must come back unchanged. */
    thrift_struct_set(table, 99, thrift_value_new_i64(-42));
    return table;
}

static const char *exception_message(const thrift_value *result, int16_t id)
{
    return thrift_struct_get_string(thrift_struct_get(result, id), HMS_EXCEPTION_MESSAGE, NULL);
}

static void test_service_table_round_trip(void)
{
    char err[256];
    hms_service *svc = hms_service_open(data_dir, err, sizeof err);
    CHECK(svc != NULL);
    if (!svc)
        return;
    hms_service_set_call_log(svc, false);
    int type;

    thrift_value *args = args_new();
    thrift_struct_set(args, 1, sample_table());
    thrift_value *result = call(svc, "create_table", args, &type);
    CHECK_INT(type, THRIFT_REPLY);
    CHECK_INT(thrift_value_count(result), 0);
    thrift_value_free(result);

    args = args_new();
    thrift_struct_set(args, 1, thrift_value_new_cstring("DEFAULT"));
    thrift_struct_set(args, 2, thrift_value_new_cstring("orders"));
    result = call(svc, "get_table", args, &type);
    thrift_value *table = thrift_struct_get(result, 0);
    CHECK(table != NULL);
    CHECK_STR(thrift_struct_get_string(table, HMS_TABLE_TABLE_NAME, NULL), "orders");
    int64_t unknown = 0;
    CHECK(thrift_struct_get_i64(table, 99, &unknown));
    CHECK_INT(unknown, -42);
    int32_t create_time = 0;
    CHECK(thrift_struct_get_i32(table, HMS_TABLE_CREATE_TIME, &create_time));
    CHECK(create_time > 1700000000);
    const char *ddl_time = thrift_value_get_string(
        thrift_map_find_cstring(thrift_struct_get(table, HMS_TABLE_PARAMETERS), "transient_lastDdlTime"), NULL);
    CHECK(ddl_time != NULL);

    /* Everything else is what the client sent, in the order it sent it. */
    thrift_value *expected = sample_table();
    thrift_struct_set(expected, HMS_TABLE_TABLE_NAME, thrift_value_new_cstring("orders"));
    thrift_struct_set(expected, HMS_TABLE_CREATE_TIME, thrift_value_new_i32(create_time));
    thrift_map_put(thrift_struct_get(expected, HMS_TABLE_PARAMETERS), thrift_value_new_cstring("transient_lastDdlTime"),
                   thrift_value_new_cstring(ddl_time ? ddl_time : ""));
    CHECK(thrift_value_equal(expected, table));
    thrift_value_free(expected);
    thrift_value_free(result);

    args = args_new();
    thrift_struct_set(args, 1, sample_table());
    result = call(svc, "create_table", args, &type);
    CHECK_STR(exception_message(result, 1), "Table orders already exists");
    thrift_value_free(result);

    args = args_new();
    thrift_struct_set(args, 1, thrift_value_new_cstring("default"));
    thrift_struct_set(args, 2, thrift_value_new_cstring("flights"));
    result = call(svc, "get_table", args, &type);
    CHECK_STR(exception_message(result, 2), "default.flights table not found");
    thrift_value_free(result);

    result = call(svc, "no_such_call", args_new(), &type);
    CHECK_INT(type, THRIFT_EXCEPTION);
    CHECK_STR(thrift_struct_get_string(result, 1, NULL), "Invalid method name: 'no_such_call'");
    int32_t app_type = -1;
    CHECK(thrift_struct_get_i32(result, 2, &app_type));
    CHECK_INT(app_type, HMS_APP_UNKNOWN_METHOD);
    thrift_value_free(result);

    hms_service_close(svc);
}

static thrift_value *partition_values_list(const char *dt)
{
    return hms_string_list(&dt, 1);
}

static void test_service_partitions_persist(void)
{
    char err[256];
    hms_service *svc = hms_service_open(data_dir, err, sizeof err);
    CHECK(svc != NULL);
    if (!svc)
        return;
    hms_service_set_call_log(svc, false);
    int type;

    /* add_partitions with three partitions, one without a location. */
    thrift_value *parts = thrift_value_new_list(THRIFT_STRUCT);
    const char *days[] = {"2024-01-01", "2024-01-02", "2024-01-03"};
    for (int i = 0; i < 3; i++) {
        thrift_value *part = thrift_value_new_struct();
        thrift_struct_set(part, HMS_PARTITION_VALUES, partition_values_list(days[i]));
        thrift_struct_set(part, HMS_PARTITION_DB_NAME, thrift_value_new_cstring("default"));
        thrift_struct_set(part, HMS_PARTITION_TABLE_NAME, thrift_value_new_cstring("orders"));
        thrift_struct_set(part, HMS_PARTITION_SD, thrift_value_new_struct());
        thrift_struct_set(part, HMS_PARTITION_PARAMETERS, string_map("n", days[i]));
        thrift_list_append(parts, part);
    }
    thrift_value *args = args_new();
    thrift_struct_set(args, 1, parts);
    thrift_value *result = call(svc, "add_partitions", args, &type);
    int32_t added = 0;
    CHECK(thrift_struct_get_i32(result, 0, &added));
    CHECK_INT(added, 3);
    thrift_value_free(result);
    hms_service_close(svc);

    /* Reopened, the store still has them. */
    svc = hms_service_open(data_dir, err, sizeof err);
    CHECK(svc != NULL);
    if (!svc)
        return;
    hms_service_set_call_log(svc, false);
    args = args_new();
    thrift_struct_set(args, 1, thrift_value_new_cstring("default"));
    thrift_struct_set(args, 2, thrift_value_new_cstring("orders"));
    thrift_struct_set(args, 3, thrift_value_new_cstring("dt >= '2024-01-02'"));
    thrift_struct_set(args, 4, thrift_value_new_i16(-1));
    result = call(svc, "get_partitions_by_filter", args, &type);
    thrift_value *list = thrift_struct_get(result, 0);
    CHECK_INT(thrift_value_count(list), 2);
    thrift_value *second = thrift_list_get(list, 0);
    CHECK_STR(thrift_value_get_string(thrift_list_get(thrift_struct_get(second, HMS_PARTITION_VALUES), 0), NULL),
              "2024-01-02");
    CHECK_STR(thrift_struct_get_string(thrift_struct_get(second, HMS_PARTITION_SD), HMS_SD_LOCATION, NULL),
              "s3://bucket/sales/orders/dt=2024-01-02");
    thrift_value_free(result);

    args = args_new();
    thrift_struct_set(args, 1, thrift_value_new_cstring("default"));
    thrift_struct_set(args, 2, thrift_value_new_cstring("orders"));
    thrift_struct_set(args, 3, partition_values_list("2025-01-01"));
    result = call(svc, "get_partition", args, &type);
    CHECK_STR(exception_message(result, 2), "partition values=[2025-01-01]");
    thrift_value_free(result);

    args = args_new();
    thrift_struct_set(args, 1, thrift_value_new_cstring("default"));
    thrift_struct_set(args, 2, thrift_value_new_cstring("orders"));
    const char *two[] = {"a", "b"};
    thrift_struct_set(args, 3, hms_string_list(two, 2));
    result = call(svc, "get_partition", args, &type);
    CHECK_STR(exception_message(result, 1), "Invalid partition key & values; keys [dt, ], values [a, b, ]");
    thrift_value_free(result);

    args = args_new();
    thrift_struct_set(args, 1, thrift_value_new_cstring("default"));
    thrift_struct_set(args, 2, thrift_value_new_cstring("orders"));
    thrift_struct_set(args, 3, thrift_value_new_cstring("dt = "));
    result = call(svc, "get_partitions_by_filter", args, &type);
    CHECK_STR(exception_message(result, 1), "Error parsing partition filter : expected a string or integer after the "
                                              "operator, found end of filter at position 5");
    thrift_value_free(result);
    hms_service_close(svc);
}

static void test_service_malformed_message(void)
{
    char err[256];
    hms_service *svc = hms_service_open(data_dir, err, sizeof err);
    CHECK(svc != NULL);
    if (!svc)
        return;
    hms_service_set_call_log(svc, false);
    /* A strict header announcing a 1 GB method name: rejected, connection to be closed. */
    const unsigned char bad[] = {0x80, 0x01, 0x00, 0x01, 0x40, 0x00, 0x00, 0x00, 'x'};
    owl_buf reply = OWL_BUF_INIT;
    thrift_transport *in = thrift_memory_transport_new(bad, sizeof bad, NULL);
    thrift_transport *out = thrift_memory_transport_new(NULL, 0, &reply);
    CHECK(!hms_service_handle_message(svc, in, out, "test"));
    CHECK_INT(reply.len, 0);
    thrift_transport_free(in);
    thrift_transport_free(out);
    owl_buf_free(&reply);
    hms_service_close(svc);
}

int main(void)
{
    if (!mkdtemp(data_dir)) {
        perror("mkdtemp");
        return 1;
    }
    UNIT_RUN(test_pattern_match);
    UNIT_RUN(test_partition_name);
    UNIT_RUN(test_service_table_round_trip);
    UNIT_RUN(test_service_partitions_persist);
    UNIT_RUN(test_service_malformed_message);

    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", data_dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", data_dir);
    return UNIT_SUMMARY();
}
