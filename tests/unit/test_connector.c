/*
 * Unit tests of the connector's request handling against a fake metastore:
 * configuration from the environment, page tokens, the metastore call of
 * every apiName with its Thrift arguments, response documents, exceptions,
 * retries and the spill decision at the threshold.
 */
#include "connector/internal.h"
#include "connector_fake.h"
#include "unit.h"

#include <jansson.h>
#include <stdlib.h>

/* ---- helpers ------------------------------------------------------------ */

typedef struct env_table {
    const char *pairs[16][2];
} env_table;

static const char *env_lookup(void *ctx, const char *name)
{
    const env_table *env = ctx;
    for (size_t i = 0; i < 16 && env->pairs[i][0]; i++)
        if (!strcmp(env->pairs[i][0], name))
            return env->pairs[i][1];
    return NULL;
}

typedef struct spill_capture {
    int count;
    char bucket[64];
    char key[256];
    size_t len;
    char *body;
    const char *fail_type; /* fail every spill with this errorType when set */
} spill_capture;

static bool capture_spill(void *ctx, const char *bucket, const char *key, const char *body,
                          size_t len, connector_error *err)
{
    spill_capture *capture = ctx;
    capture->count++;
    if (capture->fail_type)
        return connector_error_set(err, capture->fail_type, "Access Denied");
    snprintf(capture->bucket, sizeof capture->bucket, "%s", bucket);
    snprintf(capture->key, sizeof capture->key, "%s", key);
    free(capture->body);
    capture->body = strndup(body, len);
    capture->len = len;
    return true;
}

typedef struct harness {
    connector_config config;
    connector c;
    fake_metastore fake;
    spill_capture spill;
} harness;

static const char *const default_names[] = {"b", "a", "c", NULL};

static void harness_init(harness *h, uint64_t spill_threshold)
{
    memset(h, 0, sizeof *h);
    env_table env = {{{"HMS_URIS", "thrift://127.0.0.1:9083"},
                      {"SPILL_LOCATION", "s3://mybucket/spill/"}}};
    connector_error err;
    CHECK(connector_config_load(&h->config, env_lookup, &env, &err));
    h->config.spill_threshold = spill_threshold;
    h->fake.names = default_names;
    h->c = (connector){
        .config = &h->config,
        .call = fake_call,
        .call_ctx = &h->fake,
        .spill = capture_spill,
        .spill_ctx = &h->spill,
        .function_name = "external-hms-service-new",
    };
}

static void harness_free(harness *h)
{
    free(h->spill.body);
}

/*
 * Runs a request document given with single quotes for double quotes, so
 * tests read like JSON. Returns the response document (caller frees) or
 * NULL with err filled.
 */
static json_t *run(harness *h, const char *request, connector_error *err)
{
    char *text = strdup(request);
    for (char *p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    owl_buf out = OWL_BUF_INIT;
    connector_outcome outcome;
    bool ok = connector_handle(&h->c, "req-1", text, strlen(text), &out, &outcome, err);
    free(text);
    json_t *doc = NULL;
    if (ok) {
        doc = json_loadb(out.data, out.len, 0, NULL);
        CHECK(doc != NULL);
    } else {
        CHECK_INT(out.len, 0);
    }
    owl_buf_free(&out);
    return doc;
}

/* ---- configuration ------------------------------------------------------ */

static void test_config_defaults(void)
{
    env_table env = {{{"HMS_URIS", "thrift://10.0.0.5:9083,thrift://10.0.0.6:9083"}}};
    connector_config config;
    connector_error err;
    CHECK(connector_config_load(&config, env_lookup, &env, &err));
    CHECK_STR(config.hms_uris, "thrift://10.0.0.5:9083,thrift://10.0.0.6:9083");
    CHECK(!config.spill_configured);
    CHECK_INT(config.spill_threshold, 4194304);
    CHECK_INT(config.connect_timeout_ms, 5000);
    CHECK_INT(config.socket_timeout_ms, 10000);
    CHECK(!config.framed);
    CHECK_INT(config.protocol, THRIFT_PROTOCOL_BINARY);

    hms_client_config hms = connector_config_hms(&config);
    CHECK_STR(hms.uris, config.hms_uris);
    CHECK_INT(hms.limits.max_message_size, 64u << 20);
}

static void test_config_all_set(void)
{
    env_table env = {{{"HMS_URIS", "thrift://hms.internal:9083"},
                      {"SPILL_LOCATION", "s3://mybucket/spill/deep//"},
                      {"SPILL_THRESHOLD", "1024"},
                      {"HMS_CONNECT_TIMEOUT_MS", "250"},
                      {"HMS_SOCKET_TIMEOUT_MS", "1500"},
                      {"HMS_FRAMED", "TRUE"},
                      {"HMS_PROTOCOL", "compact"}}};
    connector_config config;
    connector_error err;
    CHECK(connector_config_load(&config, env_lookup, &env, &err));
    CHECK(config.spill_configured);
    CHECK_STR(config.spill_location, "s3://mybucket/spill/deep");
    CHECK_STR(config.spill_bucket, "mybucket");
    CHECK_STR(config.spill_prefix, "spill/deep");
    CHECK_INT(config.spill_threshold, 1024);
    CHECK_INT(config.connect_timeout_ms, 250);
    CHECK_INT(config.socket_timeout_ms, 1500);
    CHECK(config.framed);
    CHECK_INT(config.protocol, THRIFT_PROTOCOL_COMPACT);

    env_table bucket_only = {{{"HMS_URIS", "thrift://h:1"}, {"SPILL_LOCATION", "s3://mybucket"}}};
    CHECK(connector_config_load(&config, env_lookup, &bucket_only, &err));
    CHECK_STR(config.spill_bucket, "mybucket");
    CHECK_STR(config.spill_prefix, "");
}

static void test_config_errors(void)
{
    static const struct {
        const char *name, *value, *message;
    } cases[] = {
        {"HMS_URIS", NULL,
         "HMS_URIS is missing: set it to a comma-separated list of thrift://host:port URIs, "
         "such as thrift://10.0.0.5:9083"},
        {"HMS_URIS", "http://h:9083",
         "HMS_URIS contains the invalid URI \"http://h:9083\": expected thrift://host:port with "
         "a port from 1 to 65535"},
        {"HMS_URIS", "thrift://h:9083,thrift://h", NULL},
        {"HMS_URIS", "thrift://h:0", NULL},
        {"HMS_URIS", "thrift://h:65536", NULL},
        {"HMS_URIS", "thrift://:9083", NULL},
        {"HMS_URIS", "thrift://h:90x3", NULL},
        {"HMS_URIS", "thrift://h:9083/db", NULL},
        {"SPILL_LOCATION", "mybucket/spill",
         "SPILL_LOCATION \"mybucket/spill\" is invalid: expected s3://bucket/prefix, such as "
         "s3://mybucket/spill"},
        {"SPILL_LOCATION", "s3://", NULL},
        {"SPILL_LOCATION", "s3://My_Bucket/x",
         "SPILL_LOCATION \"s3://My_Bucket/x\" has an invalid bucket name: expected 3 to 63 "
         "lowercase letters, digits, '.' or '-'"},
        {"SPILL_THRESHOLD", "4MB",
         "SPILL_THRESHOLD \"4MB\" is invalid: expected a number of bytes from 1 to "
         "1099511627776, such as 4194304"},
        {"SPILL_THRESHOLD", "0", NULL},
        {"SPILL_THRESHOLD", "-5", NULL},
        {"SPILL_THRESHOLD", "99999999999999999999999", NULL},
        {"HMS_CONNECT_TIMEOUT_MS", "1.5",
         "HMS_CONNECT_TIMEOUT_MS \"1.5\" is invalid: expected milliseconds from 1 to 3600000, "
         "such as 5000"},
        {"HMS_SOCKET_TIMEOUT_MS", "3600001",
         "HMS_SOCKET_TIMEOUT_MS \"3600001\" is invalid: expected milliseconds from 1 to "
         "3600000, such as 10000"},
        {"HMS_SOCKET_TIMEOUT_MS", " 10", NULL},
        {"HMS_FRAMED", "yes", "HMS_FRAMED \"yes\" is invalid: expected true or false"},
        {"HMS_PROTOCOL", "json", "HMS_PROTOCOL \"json\" is invalid: expected binary or compact"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        env_table env = {{{"HMS_URIS", "thrift://127.0.0.1:9083"}}};
        if (!strcmp(cases[i].name, "HMS_URIS"))
            env.pairs[0][1] = cases[i].value;
        else {
            env.pairs[1][0] = cases[i].name;
            env.pairs[1][1] = cases[i].value;
        }
        connector_config config;
        connector_error err = {"", ""};
        CHECK(!connector_config_load(&config, env_lookup, &env, &err));
        CHECK_STR(err.type, "InvalidConfiguration");
        CHECK(strncmp(err.message, cases[i].name, strlen(cases[i].name)) == 0);
        if (cases[i].message)
            CHECK_STR(err.message, cases[i].message);
    }
}

static void test_config_error_fails_invocation(void)
{
    harness h;
    harness_init(&h, 4194304);
    h.c.config = NULL;
    connector_error_set(&h.c.config_error, "InvalidConfiguration", "HMS_URIS is missing");
    connector_error err;
    CHECK(run(&h, "{'apiName':'getTable','apiRequest':{'dbName':'d','tableName':'t'}}", &err) ==
          NULL);
    CHECK_STR(err.type, "InvalidConfiguration");
    CHECK_STR(err.message, "HMS_URIS is missing");
    CHECK_INT(h.fake.call_count, 0);
    harness_free(&h);
}

/* ---- page tokens -------------------------------------------------------- */

static void test_token_round_trip(void)
{
    static const char *const names[] = {"a", "ab", "abc", "year=2024/month=01", "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *token = connector_token_encode(names[i], strlen(names[i]));
        connector_error err;
        char *decoded = connector_token_decode(token, &err);
        CHECK_STR(decoded, names[i]);
        free(decoded);
        free(token);
    }
    char *token = connector_token_encode("b", 1);
    CHECK_STR(token, "Yg==");
    free(token);
}

static void test_token_rejects_hostile(void)
{
    static const char *const bad[] = {
        "", "Y", "Yg=", "Yg", "Y===", "====", "Yh==", "Yg==Yg==", "Y g=", "Yg=\n", "AA==",
        "/w==", "wA==", "Zm9v!A==",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        connector_error err = {"", ""};
        char *decoded = connector_token_decode(bad[i], &err);
        CHECK(decoded == NULL);
        free(decoded);
        CHECK_STR(err.type, "InvalidRequestException");
        CHECK_STR(err.message,
                  "nextToken is invalid: pass the nextToken of the previous page unchanged");
    }

    char *huge = malloc(CONNECTOR_MAX_TOKEN_LENGTH + 5);
    memset(huge, 'A', CONNECTOR_MAX_TOKEN_LENGTH + 4);
    huge[CONNECTOR_MAX_TOKEN_LENGTH + 4] = '\0';
    connector_error err;
    CHECK(connector_token_decode(huge, &err) == NULL);
    CHECK_STR(err.message, "nextToken is longer than 16384 characters");
    free(huge);
}

static void test_page_cut(void)
{
    static const char *const names[] = {"d", "b", "a", "e", "c", NULL};
    thrift_value *all = fake_string_list(names);
    connector_error err;
    api_page page;

    CHECK(api_page_cut(all, NULL, 2, &page, &err));
    owl_buf printed = OWL_BUF_INIT;
    thrift_value_print(&printed, page.names);
    CHECK_STR(printed.data, "list<str>[\"a\", \"b\"]");
    CHECK_STR(page.next_token, "Yg==");

    char *token = strdup(page.next_token);
    api_page_free(&page);
    CHECK(api_page_cut(all, token, 2, &page, &err));
    owl_buf_reset(&printed);
    thrift_value_print(&printed, page.names);
    CHECK_STR(printed.data, "list<str>[\"c\", \"d\"]");
    CHECK_STR(page.next_token, "ZA==");
    free(token);
    token = strdup(page.next_token);
    api_page_free(&page);

    CHECK(api_page_cut(all, token, 2, &page, &err));
    CHECK_INT(thrift_value_count(page.names), 1);
    CHECK(page.next_token == NULL);
    api_page_free(&page);

    /* A page that ends exactly at the last name has no next token. */
    CHECK(api_page_cut(all, NULL, 5, &page, &err));
    CHECK_INT(thrift_value_count(page.names), 5);
    CHECK(page.next_token == NULL);
    api_page_free(&page);

    /* maxSize 0 keeps the position; a negative maxSize takes the rest. */
    CHECK(api_page_cut(all, token, 0, &page, &err));
    CHECK_INT(thrift_value_count(page.names), 0);
    CHECK_STR(page.next_token, token);
    api_page_free(&page);
    CHECK(api_page_cut(all, "Yg==", -1, &page, &err));
    CHECK_INT(thrift_value_count(page.names), 3);
    CHECK(page.next_token == NULL);
    api_page_free(&page);

    /* The token names a position, so a name that vanished does not break paging. */
    CHECK(api_page_cut(all, "YmI=", 10, &page, &err)); /* "bb" */
    owl_buf_reset(&printed);
    thrift_value_print(&printed, page.names);
    CHECK_STR(printed.data, "list<str>[\"c\", \"d\", \"e\"]");
    api_page_free(&page);

    CHECK(!api_page_cut(all, "not base64", 2, &page, &err));
    CHECK_STR(err.type, "InvalidRequestException");

    free(token);
    owl_buf_free(&printed);
    thrift_value_free(all);
}

/* ---- apiRequest -> metastore calls --------------------------------------- */

#define TABLE_TJSON "{\"1\":{\"str\":\"t1\"},\"2\":{\"str\":\"db1\"},\"7\":{\"rec\":{\"1\":{\"lst\":[\"rec\",0]},\"2\":{\"str\":\"s3://b/t1\"}}}}"
#define TABLE_PRINT "{1: \"t1\", 2: \"db1\", 7: {1: list<rec>[], 2: \"s3://b/t1\"}}"
#define PART_TJSON "{\"1\":{\"lst\":[\"str\",1,\"2024\"]},\"2\":{\"str\":\"db1\"},\"3\":{\"str\":\"t1\"}}"
#define PART_PRINT "{1: list<str>[\"2024\"], 2: \"db1\", 3: \"t1\"}"
#define DB_TJSON "{\"1\":{\"str\":\"db1\"},\"2\":{\"str\":\"d\"}}"
#define DB_PRINT "{1: \"db1\", 2: \"d\"}"
#define DT "'dbName':'db1','tableName':'t1'"

typedef struct mapping_case {
    const char *api_name;
    const char *request;    /* apiRequest with ' for "; @TABLE@, @PART@, @DB@ insert TJSON strings */
    const char *calls[4];   /* expected "method {args}" lines */
    const char *keys;       /* expected apiResponse keys, sorted, comma-separated */
} mapping_case;

static const mapping_case mapping_cases[] = {
    {"getDatabase", "{'dbName':'db1'}", {"get_database {1: \"db1\"}"}, "database"},
    {"getDatabaseNames", "{}", {"get_all_databases {}"}, "databases"},
    {"getDatabaseNames", "{'filter':'d*'}", {"get_databases {1: \"d*\"}"}, "databases"},
    {"getDatabases", "{'filter':'d*'}",
     {"get_databases {1: \"d*\"}", "get_database {1: \"b\"}", "get_database {1: \"a\"}",
      "get_database {1: \"c\"}"},
     "databaseObjects"},
    {"listDatabases", "{'maxSize':2}",
     {"get_all_databases {}", "get_database {1: \"a\"}", "get_database {1: \"b\"}"},
     "databases,nextToken"},
    {"dbExists", "{'dbName':'db1'}", {"get_database {1: \"db1\"}"}, "exists"},
    {"createDatabase",
     "{'name':'db2','description':'d','location':'s3://x','params':{'k':'v'}}",
     {"create_database {1: {1: \"db2\", 2: \"d\", 3: \"s3://x\", 4: map<str,str>{\"k\": \"v\"}}}"},
     "successful"},
    {"createDatabase", "{'name':'db2'}",
     {"create_database {1: {1: \"db2\", 4: map<str,str>{}}}"}, "successful"},
    {"createDatabaseFromDB", "{'dbDesc':@DB@}", {"create_database {1: " DB_PRINT "}"},
     "successful"},
    {"alterDatabase", "{'dbName':'db1','dbDescription':@DB@}",
     {"alter_database {1: \"db1\", 2: " DB_PRINT "}"}, "successful"},
    {"dropDatabase", "{'dbName':'db1'}", {"drop_database {1: \"db1\", 2: false, 3: false}"},
     "successful"},
    {"dropDatabase", "{'dbName':'db1','deleteData':true,'cascade':true}",
     {"drop_database {1: \"db1\", 2: true, 3: true}"}, "successful"},
    {"getTable", "{" DT "}", {"get_table {1: \"db1\", 2: \"t1\"}"}, "tableDesc"},
    {"getTables", "{'dbName':'db1','tableNames':['t1','t2']}",
     {"get_table_objects_by_name {1: \"db1\", 2: list<str>[\"t1\", \"t2\"]}"}, "tables"},
    {"getTables", "{'dbName':'db1'}",
     {"get_all_tables {1: \"db1\"}",
      "get_table_objects_by_name {1: \"db1\", 2: list<str>[\"b\", \"a\", \"c\"]}"},
     "tables"},
    {"getTableNames", "{'dbName':'db1','filter':'t*'}", {"get_tables {1: \"db1\", 2: \"t*\"}"},
     "tables"},
    {"listTables", "{'dbName':'db1','maxSize':2,'nextToken':'YQ=='}",
     {"get_all_tables {1: \"db1\"}",
      "get_table_objects_by_name {1: \"db1\", 2: list<str>[\"b\", \"c\"]}"},
     "nextToken,tables"},
    {"tableExists", "{" DT "}", {"get_table {1: \"db1\", 2: \"t1\"}"}, "exists"},
    {"createTable", "{'tableDesc':@TABLE@}", {"create_table {1: " TABLE_PRINT "}"},
     "successful"},
    {"alterTable", "{" DT ",'tableDesc':@TABLE@}",
     {"alter_table {1: \"db1\", 2: \"t1\", 3: " TABLE_PRINT "}"}, "successful"},
    {"dropTable", "{" DT "}", {"drop_table {1: \"db1\", 2: \"t1\", 3: false}"}, "successful"},
    {"getPartitions", "{" DT ",'maxSize':5}",
     {"get_partitions {1: \"db1\", 2: \"t1\", 3: i16 5}"}, "partitions"},
    {"getPartitions", "{" DT ",'filter':'year=2024'}",
     {"get_partitions_by_filter {1: \"db1\", 2: \"t1\", 3: \"year=2024\", 4: i16 -1}"},
     "partitions"},
    {"getPartitionNames", "{" DT "}",
     {"get_partition_names {1: \"db1\", 2: \"t1\", 3: i16 -1}"}, "partitionNames"},
    {"getPartitionsByNames", "{" DT ",'names':['p=1']}",
     {"get_partitions_by_names {1: \"db1\", 2: \"t1\", 3: list<str>[\"p=1\"]}"},
     "partitionDescs"},
    {"listPartitions", "{" DT ",'maxSize':1}",
     {"get_partition_names {1: \"db1\", 2: \"t1\", 3: i16 -1}",
      "get_partitions_by_names {1: \"db1\", 2: \"t1\", 3: list<str>[\"a\"]}"},
     "nextToken,partitions"},
    {"listPartitionsByExpr", "{" DT ",'expr':'AQI=','defaultPartitionName':'__HIVE','maxParts':10}",
     {"get_partitions_by_expr {1: {1: \"db1\", 2: \"t1\", 3: binary:0102, 4: \"__HIVE\", 5: i16 10}}"},
     "hasUnKnownPartitions,partitionDescs,successful"},
    {"addPartition", "{'partitionDesc':@PART@}", {"add_partition {1: " PART_PRINT "}"},
     "partitionDesc"},
    {"addPartitions", "{'partitionDescs':[@PART@,@PART@]}",
     {"add_partitions {1: list<rec>[" PART_PRINT ", " PART_PRINT "]}"}, ""},
    {"createPartition", "{'tableDesc':@TABLE@,'values':['2024']}",
     {"add_partition {1: {1: list<str>[\"2024\"], 2: \"db1\", 3: \"t1\", 6: {1: list<rec>[]}, "
      "7: map<str,str>{}}}"},
     "partitionDesc"},
    {"appendPartition", "{" DT ",'partitionValues':['2024']}",
     {"append_partition {1: \"db1\", 2: \"t1\", 3: list<str>[\"2024\"]}"}, ""},
    {"alterPartition", "{" DT ",'partitionDesc':@PART@}",
     {"alter_partition {1: \"db1\", 2: \"t1\", 3: " PART_PRINT "}"}, ""},
    {"alterPartitions", "{" DT ",'partitionDescs':[@PART@]}",
     {"alter_partitions {1: \"db1\", 2: \"t1\", 3: list<rec>[" PART_PRINT "]}"}, ""},
    {"renamePartition", "{" DT ",'partitionValue':['2023'],'partitionDesc':@PART@}",
     {"rename_partition {1: \"db1\", 2: \"t1\", 3: list<str>[\"2023\"], 4: " PART_PRINT "}"},
     "successful"},
    {"dropPartition", "{" DT ",'arguments':['2024']}",
     {"drop_partition {1: \"db1\", 2: \"t1\", 3: list<str>[\"2024\"], 4: false}"},
     "successful"},
    {"dropPartitions", "{" DT ",'partNames':['p=1','p=2']}",
     {"drop_partitions_req {1: {1: \"db1\", 2: \"t1\", 3: {1: list<str>[\"p=1\", \"p=2\"]}, 8: true}}"},
     "result"},
    {"dropPartitions", "{" DT "}",
     {"get_partition_names {1: \"db1\", 2: \"t1\", 3: i16 -1}",
      "drop_partitions_req {1: {1: \"db1\", 2: \"t1\", 3: {1: list<str>[\"b\", \"a\", \"c\"]}, 8: true}}"},
     "result"},
    {"dropPartitions", "{" DT ",'partNames':[]}", {NULL}, "result"},
};

/* Replaces every placeholder with a JSON string of a TJSON struct. */
static char *expand_request(const mapping_case *mc)
{
    static const char *const placeholders[][2] = {
        {"@TABLE@", TABLE_TJSON}, {"@PART@", PART_TJSON}, {"@DB@", DB_TJSON}};
    owl_buf out = OWL_BUF_INIT;
    owl_buf_printf(&out, "{'apiName':'%s','requestContext':{'id':'x'},'apiRequest':", mc->api_name);
    for (const char *p = mc->request; *p;) {
        bool replaced = false;
        for (size_t i = 0; i < 3 && !replaced; i++) {
            size_t n = strlen(placeholders[i][0]);
            if (!strncmp(p, placeholders[i][0], n)) {
                json_t *s = json_string(placeholders[i][1]);
                char *quoted = json_dumps(s, JSON_ENCODE_ANY);
                for (char *q = quoted; *q; q++)
                    if (*q == '"')
                        *q = '\x01'; /* kept as " by run(), which maps only ' */
                owl_buf_puts(&out, quoted);
                free(quoted);
                json_decref(s);
                p += n;
                replaced = true;
            }
        }
        if (!replaced)
            owl_buf_putc(&out, *p++);
    }
    owl_buf_putc(&out, '}');
    for (char *q = out.data; *q; q++) {
        if (*q == '"')
            *q = '\'';
        else if (*q == '\x01')
            *q = '"';
    }
    return owl_buf_detach(&out, NULL);
}

static void test_api_mapping(void)
{
    for (size_t i = 0; i < sizeof mapping_cases / sizeof mapping_cases[0]; i++) {
        const mapping_case *mc = &mapping_cases[i];
        harness h;
        harness_init(&h, 4194304);
        char *request = expand_request(mc);
        connector_error err = {"", ""};
        json_t *doc = run(&h, request, &err);
        if (!doc)
            fprintf(stderr, "case %zu %s failed: %s: %s\n", i, mc->api_name, err.type,
                    err.message);
        CHECK(doc != NULL);

        int expected_calls = 0;
        while (expected_calls < 4 && mc->calls[expected_calls])
            expected_calls++;
        CHECK_INT(h.fake.call_count, expected_calls);
        for (int k = 0; k < expected_calls && k < h.fake.call_count; k++)
            CHECK_STR(h.fake.calls[k], mc->calls[k]);

        if (doc) {
            CHECK_STR(json_string_value(json_object_get(doc, "apiName")), mc->api_name);
            CHECK(json_is_false(json_object_get(doc, "spilled")));
            CHECK(json_is_null(json_object_get(doc, "spillPath")));
            json_t *response = json_object_get(doc, "apiResponse");
            CHECK(json_is_object(response));
            owl_buf keys = OWL_BUF_INIT;
            owl_buf_puts(&keys, "");
            json_t *sorted = json_deep_copy(response);
            char *dumped = json_dumps(sorted, JSON_SORT_KEYS | JSON_COMPACT);
            const char *key;
            json_t *value;
            /* Collect the keys in sorted order through the sorted dump. */
            json_t *reparsed = json_loads(dumped, JSON_PRESERVE_ORDER, NULL);
            json_object_foreach(reparsed, key, value) {
                owl_buf_printf(&keys, "%s%s", keys.len ? "," : "", key);
            }
            CHECK_STR(keys.data, mc->keys);
            json_decref(reparsed);
            free(dumped);
            json_decref(sorted);
            owl_buf_free(&keys);
        }
        json_decref(doc);
        free(request);
        harness_free(&h);
    }
}

static void test_api_names_cover_reference(void)
{
    static const char *const expected[] = {
        "getDatabase", "getDatabaseNames", "getDatabases", "listDatabases", "dbExists",
        "createDatabase", "createDatabaseFromDB", "alterDatabase", "dropDatabase", "getTable",
        "getTables", "getTableNames", "listTables", "tableExists", "createTable", "alterTable",
        "dropTable", "getPartitions", "getPartitionNames", "getPartitionsByNames",
        "listPartitions", "listPartitionsByExpr", "addPartition", "addPartitions",
        "createPartition", "appendPartition", "alterPartition", "alterPartitions",
        "renamePartition", "dropPartition", "dropPartitions",
    };
    size_t count = 0;
    for (const char *const *n = connector_api_names(); *n; n++)
        count++;
    CHECK_INT(count, sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        bool found = false;
        for (const char *const *n = connector_api_names(); *n; n++)
            found = found || !strcmp(*n, expected[i]);
        if (!found)
            fprintf(stderr, "apiName %s is not served\n", expected[i]);
        CHECK(found);
    }
}

/* ---- response documents ------------------------------------------------- */

static void test_get_table_response(void)
{
    harness h;
    harness_init(&h, 4194304);
    owl_buf out = OWL_BUF_INIT;
    connector_outcome outcome;
    connector_error err;
    const char *request = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\","
                          "\"tableName\":\"t1\"}}";
    CHECK(connector_handle(&h.c, "req-1", request, strlen(request), &out, &outcome, &err));
    CHECK_STR(out.data, "{\"apiName\":\"getTable\",\"spilled\":false,\"spillPath\":null,"
                        "\"apiResponse\":{\"tableDesc\":\"{\\\"1\\\":{\\\"str\\\":\\\"t1\\\"},"
                        "\\\"2\\\":{\\\"str\\\":\\\"db1\\\"}}\"}}");
    CHECK_STR(outcome.api_name, "getTable");
    CHECK_INT(outcome.metastore_calls, 1);
    CHECK(!outcome.spilled);
    owl_buf_free(&out);
    harness_free(&h);
}

static void test_list_databases_pages(void)
{
    harness h;
    harness_init(&h, 4194304);
    connector_error err;
    json_t *doc = run(&h, "{'apiName':'listDatabases','apiRequest':{'maxSize':2}}", &err);
    json_t *response = json_object_get(doc, "apiResponse");
    CHECK_STR(json_string_value(json_object_get(response, "nextToken")), "Yg==");
    CHECK_INT(json_array_size(json_object_get(response, "databases")), 2);
    CHECK_STR(json_string_value(json_array_get(json_object_get(response, "databases"), 0)),
              "{\"1\":{\"str\":\"a\"}}");
    json_decref(doc);

    doc = run(&h, "{'apiName':'listDatabases','apiRequest':{'maxSize':2,'nextToken':'Yg=='}}",
              &err);
    response = json_object_get(doc, "apiResponse");
    CHECK(json_is_null(json_object_get(response, "nextToken")));
    CHECK_INT(json_array_size(json_object_get(response, "databases")), 1);
    json_decref(doc);

    doc = run(&h, "{'apiName':'listDatabases','apiRequest':{'maxSize':0}}", &err);
    response = json_object_get(doc, "apiResponse");
    CHECK_INT(json_array_size(json_object_get(response, "databases")), 0);
    CHECK(json_is_null(json_object_get(response, "nextToken")));
    json_decref(doc);
    harness_free(&h);
}

static void test_exists_on_no_such_object(void)
{
    harness h;
    harness_init(&h, 4194304);
    h.fake.exception_method = "get_table";
    h.fake.exception_field = 2;
    connector_error err;
    json_t *doc = run(&h, "{'apiName':'tableExists','apiRequest':{" DT "}}", &err);
    CHECK(json_is_false(json_object_get(json_object_get(doc, "apiResponse"), "exists")));
    json_decref(doc);

    /* MetaException is a failure, not "does not exist". */
    h.fake.exception_field = 1;
    CHECK(run(&h, "{'apiName':'tableExists','apiRequest':{" DT "}}", &err) == NULL);
    CHECK_STR(err.type, "MetaException");
    harness_free(&h);
}

static void test_exception_becomes_error(void)
{
    harness h;
    harness_init(&h, 4194304);
    h.fake.exception_method = "get_table";
    h.fake.exception_field = 2;
    connector_error err;
    CHECK(run(&h, "{'apiName':'getTable','apiRequest':{" DT "}}", &err) == NULL);
    CHECK_STR(err.type, "NoSuchObjectException");
    CHECK_STR(err.message, "db1.t1 table not found");

    h.fake.exception_method = "create_table";
    h.fake.exception_field = 1;
    char *request = expand_request(&mapping_cases[18]);
    CHECK(run(&h, request, &err) == NULL);
    CHECK_STR(err.type, "AlreadyExistsException");
    free(request);

    h.fake.exception_method = "get_table";
    h.fake.exception_field = 9;
    CHECK(run(&h, "{'apiName':'getTable','apiRequest':{" DT "}}", &err) == NULL);
    CHECK_STR(err.type, "MetastoreException");
    CHECK_STR(err.message,
              "metastore call get_table returned undeclared exception field 9: db1.t1 table not "
              "found");
    harness_free(&h);
}

static void test_invalid_requests(void)
{
    static const struct {
        const char *request, *message;
    } cases[] = {
        {"not json", NULL},
        {"[1]", "request must be a JSON object"},
        {"{'apiRequest':{}}", "request.apiName is missing or not a string"},
        {"{'apiName':'getTable','apiRequest':[]}", "request.apiRequest must be a JSON object"},
        {"{'apiName':'getTable','apiRequest':{'dbName':'db1'}}", "apiRequest.tableName is missing"},
        {"{'apiName':'getTable','apiRequest':{'dbName':5,'tableName':'t'}}",
         "apiRequest.dbName must be a string"},
        {"{'apiName':'listTables','apiRequest':{'dbName':'d','maxSize':'10'}}",
         "apiRequest.maxSize must be an integer from -2147483648 to 2147483647"},
        {"{'apiName':'getPartitions','apiRequest':{" DT ",'maxSize':40000}}",
         "apiRequest.maxSize must be an integer from -32768 to 32767"},
        {"{'apiName':'listTables','apiRequest':{'dbName':'d','nextToken':'%%%'}}",
         "nextToken is invalid: pass the nextToken of the previous page unchanged"},
        {"{'apiName':'getTables','apiRequest':{'dbName':'d','tableNames':['a',1]}}",
         "apiRequest.tableNames must be an array of strings"},
        {"{'apiName':'createTable','apiRequest':{'tableDesc':'{}x'}}", NULL},
        {"{'apiName':'createTable','apiRequest':{'tableDesc':{}}}",
         "apiRequest.tableDesc must be a TJSONProtocol string"},
        {"{'apiName':'listPartitionsByExpr','apiRequest':{" DT ",'expr':'A'}}",
         "apiRequest.expr must be base64"},
        {"{'apiName':'dropTable','apiRequest':{" DT ",'deleteData':'yes'}}",
         "apiRequest.deleteData must be true or false"},
        {"{'apiName':'createDatabase','apiRequest':{'name':'d','params':{'k':1}}}",
         "apiRequest.params must be an object of strings"},
        {"{'apiName':'getTable','apiName':'getTable','apiRequest':{}}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        harness h;
        harness_init(&h, 4194304);
        connector_error err = {"", ""};
        CHECK(run(&h, cases[i].request, &err) == NULL);
        CHECK_STR(err.type, "InvalidRequestException");
        if (cases[i].message)
            CHECK_STR(err.message, cases[i].message);
        CHECK_INT(h.fake.call_count, 0);
        harness_free(&h);
    }

    harness h;
    harness_init(&h, 4194304);
    connector_error err;
    CHECK(run(&h, "{'apiName':'getCatalog','apiRequest':{}}", &err) == NULL);
    CHECK_STR(err.type, "InvalidRequestException");
    CHECK(strncmp(err.message, "unknown apiName \"getCatalog\": expected one of getDatabase, ",
                  59) == 0);
    harness_free(&h);
}

/* ---- resilience ---------------------------------------------------------- */

static void test_retry_once_on_broken_connection(void)
{
    harness h;
    harness_init(&h, 4194304);
    h.fake.transport_failures = 1;
    connector_error err;
    json_t *doc = run(&h, "{'apiName':'getTable','apiRequest':{" DT "}}", &err);
    CHECK(doc != NULL);
    CHECK_INT(h.fake.call_count, 2);
    json_decref(doc);

    h.fake.call_count = 0;
    h.fake.transport_failures = 2;
    CHECK(run(&h, "{'apiName':'getTable','apiRequest':{" DT "}}", &err) == NULL);
    CHECK_INT(h.fake.call_count, 2);
    CHECK_STR(err.type, "MetastoreError");
    CHECK_STR(err.message, "metastore call get_table failed: connection reset by peer");
    harness_free(&h);
}

static void test_no_retry_on_timeout(void)
{
    static const struct {
        hms_error_kind kind;
        const char *type;
    } cases[] = {
        {HMS_ERROR_TIMEOUT, "MetastoreTimeout"},
        {HMS_ERROR_CONNECT, "MetastoreUnavailable"},
        {HMS_ERROR_APPLICATION, "MetastoreApplicationException"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        harness h;
        harness_init(&h, 4194304);
        h.fake.failure_kind = cases[i].kind;
        connector_error err;
        CHECK(run(&h, "{'apiName':'getTable','apiRequest':{" DT "}}", &err) == NULL);
        CHECK_INT(h.fake.call_count, 1);
        CHECK_STR(err.type, cases[i].type);
        CHECK_STR(err.message, "metastore call get_table failed: injected failure");
        harness_free(&h);
    }
}

/* ---- spill decision ----------------------------------------------------- */

/* Returns the length of the serialized apiResponse of getTable db1.t1. */
static size_t get_table_response_length(void)
{
    harness h;
    harness_init(&h, 1u << 30);
    owl_buf out = OWL_BUF_INIT;
    connector_outcome outcome;
    connector_error err;
    const char *request = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\","
                          "\"tableName\":\"t1\"}}";
    CHECK(connector_handle(&h.c, "req-1", request, strlen(request), &out, &outcome, &err));
    owl_buf_free(&out);
    harness_free(&h);
    return outcome.response_bytes;
}

static void test_spill_at_threshold(void)
{
    size_t len = get_table_response_length();
    CHECK_INT(len, strlen("{\"tableDesc\":\"{\\\"1\\\":{\\\"str\\\":\\\"t1\\\"},\\\"2\\\":{\\\"str\\\":\\\"db1\\\"}}\"}"));
    const char *request = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\","
                          "\"tableName\":\"t1\"}}";

    /* One byte under the threshold stays inline. */
    harness h;
    harness_init(&h, len + 1);
    owl_buf out = OWL_BUF_INIT;
    connector_outcome outcome;
    connector_error err;
    CHECK(connector_handle(&h.c, "req-1", request, strlen(request), &out, &outcome, &err));
    CHECK(!outcome.spilled);
    CHECK_INT(h.spill.count, 0);
    owl_buf_free(&out);
    harness_free(&h);

    /* Exactly at the threshold spills. */
    harness_init(&h, len);
    CHECK(connector_handle(&h.c, "5f0c-41", request, strlen(request), &out, &outcome, &err));
    CHECK(outcome.spilled);
    CHECK_INT(h.spill.count, 1);
    CHECK_STR(h.spill.bucket, "mybucket");
    CHECK_STR(h.spill.key, "spill/external-hms-service-new/5f0c-41");
    CHECK_INT(h.spill.len, len);
    CHECK(h.spill.body != NULL);
    CHECK(h.spill.body && strncmp(h.spill.body, "{\"tableDesc\":", 13) == 0);
    CHECK_STR(out.data, "{\"apiName\":\"getTable\",\"spilled\":true,\"spillPath\":"
                        "\"s3://mybucket/spill/external-hms-service-new/5f0c-41\","
                        "\"apiResponse\":null}");
    owl_buf_free(&out);
    harness_free(&h);
}

static void test_spill_failure_fails_invocation(void)
{
    const char *request = "{\"apiName\":\"getTable\",\"apiRequest\":{\"dbName\":\"db1\","
                          "\"tableName\":\"t1\"}}";
    harness h;
    harness_init(&h, 1);
    h.spill.fail_type = "AccessDenied";
    owl_buf out = OWL_BUF_INIT;
    connector_outcome outcome;
    connector_error err;
    CHECK(!connector_handle(&h.c, "req-1", request, strlen(request), &out, &outcome, &err));
    CHECK_STR(err.type, "AccessDenied");
    CHECK_STR(err.message, "Access Denied");
    CHECK_INT(out.len, 0);
    harness_free(&h);

    /* Over the threshold without SPILL_LOCATION: the message names the variable. */
    harness_init(&h, 1);
    h.config.spill_configured = false;
    CHECK(!connector_handle(&h.c, "req-1", request, strlen(request), &out, &outcome, &err));
    CHECK_STR(err.type, "InvalidConfiguration");
    CHECK(strstr(err.message, "SPILL_LOCATION is not set") != NULL);
    CHECK_INT(h.spill.count, 0);
    owl_buf_free(&out);
    harness_free(&h);
}

int main(void)
{
    UNIT_RUN(test_config_defaults);
    UNIT_RUN(test_config_all_set);
    UNIT_RUN(test_config_errors);
    UNIT_RUN(test_config_error_fails_invocation);
    UNIT_RUN(test_token_round_trip);
    UNIT_RUN(test_token_rejects_hostile);
    UNIT_RUN(test_page_cut);
    UNIT_RUN(test_api_mapping);
    UNIT_RUN(test_api_names_cover_reference);
    UNIT_RUN(test_get_table_response);
    UNIT_RUN(test_list_databases_pages);
    UNIT_RUN(test_exists_on_no_such_object);
    UNIT_RUN(test_exception_becomes_error);
    UNIT_RUN(test_invalid_requests);
    UNIT_RUN(test_retry_once_on_broken_connection);
    UNIT_RUN(test_no_retry_on_timeout);
    UNIT_RUN(test_spill_at_threshold);
    UNIT_RUN(test_spill_failure_fails_invocation);
    return UNIT_SUMMARY();
}
