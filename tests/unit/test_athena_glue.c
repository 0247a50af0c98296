/*
 * Unit tests of AwsDataCatalog's building blocks: in-process metastore
 * calls (hms_local_call) against a real hms_service in a temporary
 * directory, the connector's apiNames run on it with connector_run(), the
 * per-account store cache and the Glue action of every apiName.
 */
#include "unit.h"

#include "athena/internal.h"
#include "connector/connector.h"
#include "hms/local.h"
#include "thrift/protocol.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char temp_dir[] = "/tmp/owlery-glue-XXXXXX";

static connector_config local_config = {.spill_threshold = UINT64_MAX};

static connector local_connector(hms_service *service)
{
    return (connector){.config = &local_config, .call = hms_local_call, .call_ctx = service};
}

/* Opens an hms_service in temp_dir/name without its call log. */
static hms_service *open_service(const char *name)
{
    char err[256], dir[128];
    snprintf(dir, sizeof dir, "%s/%s", temp_dir, name);
    hms_service *service = hms_service_open(dir, err, sizeof err);
    if (!service)
        fprintf(stderr, "cannot open the metastore in %s: %s\n", dir, err);
    else
        hms_service_set_call_log(service, false);
    return service;
}

/* Runs api_name with request_text (JSON) and returns the apiResponse, or NULL with err. */
static json_t *run_api(const connector *c, const char *api_name, const char *request_text,
                       connector_error *err)
{
    json_t *request = json_loads(request_text, 0, NULL);
    connector_outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    json_t *response = NULL;
    if (!connector_run(c, api_name, request, &response, &outcome, err))
        response = NULL;
    json_decref(request);
    return response;
}

/* Returns the TJSONProtocol text of v as a JSON string value (a new reference). */
static json_t *tjson_of(thrift_value *v)
{
    owl_buf out = OWL_BUF_INIT;
    thrift_error terr;
    CHECK(thrift_encode_struct(THRIFT_PROTOCOL_JSON, v, &out, &terr));
    json_t *s = json_stringn(out.data, out.len);
    owl_buf_free(&out);
    thrift_value_free(v);
    return s;
}

static thrift_value *storage(const char *location)
{
    thrift_value *sd = thrift_value_new_struct();
    thrift_value *cols = thrift_value_new_list(THRIFT_STRUCT);
    thrift_value *col = thrift_value_new_struct();
    thrift_struct_set(col, 1, thrift_value_new_cstring("id"));
    thrift_struct_set(col, 2, thrift_value_new_cstring("bigint"));
    thrift_list_append(cols, col);
    thrift_struct_set(sd, 1, cols);
    thrift_struct_set(sd, 2, thrift_value_new_cstring(location));
    thrift_value *serde = thrift_value_new_struct();
    thrift_struct_set(serde, 2,
                      thrift_value_new_cstring("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"));
    thrift_struct_set(sd, 7, serde);
    return sd;
}

static thrift_value *orders_table(void)
{
    thrift_value *table = thrift_value_new_struct();
    thrift_struct_set(table, 1, thrift_value_new_cstring("Orders"));
    thrift_struct_set(table, 2, thrift_value_new_cstring("sales"));
    thrift_struct_set(table, 7, storage("s3://bucket/orders"));
    thrift_value *keys = thrift_value_new_list(THRIFT_STRUCT);
    thrift_value *key = thrift_value_new_struct();
    thrift_struct_set(key, 1, thrift_value_new_cstring("dt"));
    thrift_struct_set(key, 2, thrift_value_new_cstring("string"));
    thrift_list_append(keys, key);
    thrift_struct_set(table, 8, keys);
    thrift_struct_set(table, 12, thrift_value_new_cstring("EXTERNAL_TABLE"));
    return table;
}

static thrift_value *orders_partition(const char *dt)
{
    thrift_value *partition = thrift_value_new_struct();
    thrift_value *values = thrift_value_new_list(THRIFT_STRING);
    thrift_list_append(values, thrift_value_new_cstring(dt));
    thrift_struct_set(partition, 1, values);
    thrift_struct_set(partition, 2, thrift_value_new_cstring("sales"));
    thrift_struct_set(partition, 3, thrift_value_new_cstring("orders"));
    char location[64];
    snprintf(location, sizeof location, "s3://bucket/orders/dt=%s", dt);
    thrift_struct_set(partition, 6, storage(location));
    return partition;
}

/* Returns the partition names of sales.orders as "a,b,..." (malloc'ed). */
static char *partition_names(const connector *c)
{
    connector_error err;
    json_t *r = run_api(c, "getPartitionNames", "{\"dbName\":\"sales\",\"tableName\":\"orders\"}",
                        &err);
    CHECK(r != NULL);
    owl_buf out = OWL_BUF_INIT;
    owl_buf_puts(&out, "");
    size_t i;
    json_t *name;
    json_array_foreach(json_object_get(r, "partitionNames"), i, name)
        owl_buf_printf(&out, "%s%s", i ? "," : "", json_string_value(name));
    json_decref(r);
    return owl_buf_detach(&out, NULL);
}

static void test_api_names_on_local_store(void)
{
    char err_text[256];
    hms_service *service = open_service("hms");
    CHECK(service != NULL);
    if (!service)
        return;
    connector c = local_connector(service);
    connector_error err;

    json_t *r = run_api(&c, "createDatabase",
                        "{\"name\":\"sales\",\"description\":\"Sales\",\"location\":\"s3://b/s\"}",
                        &err);
    CHECK(r != NULL);
    json_decref(r);
    r = run_api(&c, "getDatabase", "{\"dbName\":\"sales\"}", &err);
    CHECK(r != NULL);
    json_t *database = athena_hive_database(json_string_value(json_object_get(r, "database")),
                                            json_string_length(json_object_get(r, "database")),
                                            err_text, sizeof err_text);
    CHECK_STR(json_string_value(json_object_get(database, "Description")), "Sales");
    json_decref(database);
    json_decref(r);

    json_t *request = json_pack("{s:o}", "tableDesc", tjson_of(orders_table()));
    json_t *response = NULL;
    connector_outcome outcome = {0};
    CHECK(connector_run(&c, "createTable", request, &response, &outcome, &err));
    json_decref(response);
    json_decref(request);

    /* The metastore lowercases the table name, as Hive does. */
    r = run_api(&c, "tableExists", "{\"dbName\":\"sales\",\"tableName\":\"orders\"}", &err);
    CHECK(json_is_true(json_object_get(r, "exists")));
    json_decref(r);

    request = json_pack("{s:[o,o,o]}", "partitionDescs", tjson_of(orders_partition("a")),
                        tjson_of(orders_partition("b")), tjson_of(orders_partition("c")));
    CHECK(connector_run(&c, "addPartitions", request, &response, &outcome, &err));
    json_decref(response);
    json_decref(request);
    char *names = partition_names(&c);
    CHECK_STR(names, "dt=a,dt=b,dt=c");
    free(names);

    r = run_api(&c, "listPartitions",
                "{\"dbName\":\"sales\",\"tableName\":\"orders\",\"maxSize\":2}", &err);
    CHECK_INT(json_array_size(json_object_get(r, "partitions")), 2);
    const char *token = json_string_value(json_object_get(r, "nextToken"));
    CHECK(token != NULL);
    json_t *next = json_pack("{s:s, s:s, s:s}", "dbName", "sales", "tableName", "orders",
                             "nextToken", token ? token : "");
    json_decref(r);
    CHECK(connector_run(&c, "listPartitions", next, &response, &outcome, &err));
    CHECK_INT(json_array_size(json_object_get(response, "partitions")), 1);
    CHECK(json_is_null(json_object_get(response, "nextToken")));
    json_decref(response);
    json_decref(next);

    r = run_api(&c, "getPartitionsByNames",
                "{\"dbName\":\"sales\",\"tableName\":\"orders\",\"names\":[\"dt=b\"]}", &err);
    CHECK_INT(json_array_size(json_object_get(r, "partitionDescs")), 1);
    json_decref(r);

    r = run_api(&c, "dropPartitions",
                "{\"dbName\":\"sales\",\"tableName\":\"orders\",\"partNames\":[\"dt=a\"]}", &err);
    CHECK(r != NULL);
    json_decref(r);
    names = partition_names(&c);
    CHECK_STR(names, "dt=b,dt=c");
    free(names);

    r = run_api(&c, "dropTable", "{\"dbName\":\"sales\",\"tableName\":\"orders\"}", &err);
    CHECK(r != NULL);
    json_decref(r);
    r = run_api(&c, "getTable", "{\"dbName\":\"sales\",\"tableName\":\"orders\"}", &err);
    CHECK(r == NULL);
    CHECK_STR(err.type, "NoSuchObjectException");
    r = run_api(&c, "dropDatabase", "{\"dbName\":\"sales\"}", &err);
    CHECK(r != NULL);
    json_decref(r);
    r = run_api(&c, "dbExists", "{\"dbName\":\"sales\"}", &err);
    CHECK(json_is_false(json_object_get(r, "exists")));
    json_decref(r);

    hms_service_close(service);
}

static void test_local_call_unknown_method(void)
{
    hms_service *service = open_service("unknown");
    CHECK(service != NULL);
    if (!service)
        return;
    thrift_value *args = thrift_value_new_struct();
    thrift_value *result = NULL;
    hms_error err;
    CHECK(!hms_local_call(service, "no_such_method", args, &result, &err));
    CHECK_INT(err.kind, HMS_ERROR_APPLICATION);
    CHECK(strstr(err.message, "UNKNOWN_METHOD") != NULL);
    CHECK(result == NULL);

    CHECK(!hms_local_call(service, "get_database", NULL, &result, &err));
    CHECK_INT(err.kind, HMS_ERROR_CONFIG);
    thrift_value_free(args);
    hms_service_close(service);
}

static void test_glue_store_per_account_region(void)
{
    char err[256];
    hms_service *a = athena_glue_service(temp_dir, "111122223333", "eu-central-1", err, sizeof err);
    hms_service *b = athena_glue_service(temp_dir, "111122223333", "eu-central-1", err, sizeof err);
    hms_service *c = athena_glue_service(temp_dir, "444455556666", "eu-central-1", err, sizeof err);
    hms_service *d = athena_glue_service(temp_dir, "111122223333", "us-east-1", err, sizeof err);
    CHECK(a != NULL);
    CHECK(a == b);
    CHECK(c != NULL);
    CHECK(c != a);
    CHECK(d != NULL);
    CHECK(d != a);
    CHECK(d != c);

    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/glue/444455556666/eu-central-1/state.db", temp_dir);
    CHECK(stat(path, &st) == 0);

    CHECK(athena_glue_service(temp_dir, "111122223333", "../x", err, sizeof err) == NULL);
    CHECK_STR(err, "invalid account ID \"111122223333\" or region \"../x\" for a Glue store");
    CHECK(athena_glue_service(temp_dir, "1111/2222333", "us-east-1", err, sizeof err) == NULL);
}

static void test_glue_action_for_every_api_name(void)
{
    for (const char *const *name = connector_api_names(); *name; name++) {
        const char *action = athena_glue_action(*name);
        if (!action)
            fprintf(stderr, "apiName %s has no Glue action\n", *name);
        CHECK(action != NULL);
        CHECK(action == NULL || strncmp(action, "glue:", 5) == 0);
    }
    CHECK_STR(athena_glue_action("listDatabases"), "glue:GetDatabases");
    CHECK_STR(athena_glue_action("getTable"), "glue:GetTable");
    CHECK_STR(athena_glue_action("listPartitions"), "glue:GetPartitions");
    CHECK_STR(athena_glue_action("addPartitions"), "glue:BatchCreatePartition");
    CHECK_STR(athena_glue_action("dropPartitions"), "glue:BatchDeletePartition");
    CHECK_STR(athena_glue_action("alterTable"), "glue:UpdateTable");
    CHECK(athena_glue_action("noSuchApi") == NULL);
}

int main(void)
{
    if (!mkdtemp(temp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    UNIT_RUN(test_api_names_on_local_store);
    UNIT_RUN(test_local_call_unknown_method);
    UNIT_RUN(test_glue_store_per_account_region);
    UNIT_RUN(test_glue_action_for_every_api_name);
    char command[160];
    snprintf(command, sizeof command, "rm -rf %s", temp_dir);
    if (system(command) != 0)
        fprintf(stderr, "cannot remove %s\n", temp_dir);
    return UNIT_SUMMARY();
}
