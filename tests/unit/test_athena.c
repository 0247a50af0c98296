/*
 * Unit tests of the Athena module's pure parts: the table-name expression,
 * function references, Hive struct decoding, catalog parameter validation,
 * catalog and work group names, and the metadata cache.
 */
#include "athena/internal.h"
#include "unit.h"

#include <stdlib.h>

static void test_expression_match(void)
{
    static const struct {
        const char *expression, *name;
        bool match;
    } cases[] = {
        {"", "orders", true},
        {NULL, "orders", true},
        {"orders", "orders", true},
        {"orders", "orders2", false},
        {"ORDERS", "orders", true},
        {"order*", "order_items", true},
        {"order*", "customers", false},
        {"*s", "orders", true},
        {"*", "", true},
        {"e*t*", "events", true},
        {"e*t*", "errors", false},
        {"a*b*c", "aXbYbZc", true},
        {"a*b*c", "aXbYbZ", false},
        {"err*|metrics", "metrics", true},
        {"err*|metrics", "errors", true},
        {"err*|metrics", "events", false},
        {"x||y", "", true},
        {"|", "any", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool match = athena_expression_match(cases[i].expression, cases[i].name);
        if (match != cases[i].match)
            fprintf(stderr, "expression \"%s\" on \"%s\": got %d\n",
                    cases[i].expression ? cases[i].expression : "(null)", cases[i].name, match);
        CHECK(match == cases[i].match);
    }
}

static void test_function_resolve(void)
{
    static const struct {
        const char *text, *arn;
    } valid[] = {
        {"hms", "arn:aws:lambda:eu-central-1:444455556666:function:hms"},
        {"hms:live", "arn:aws:lambda:eu-central-1:444455556666:function:hms:live"},
        {"111122223333:function:hms", "arn:aws:lambda:eu-central-1:111122223333:function:hms"},
        {"arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new",
         "arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new"},
        {"arn:aws:lambda:us-east-1:111122223333:function:hms:$LATEST",
         "arn:aws:lambda:us-east-1:111122223333:function:hms:$LATEST"},
    };
    char arn[ATHENA_ARN_MAX];
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        CHECK(athena_function_resolve(valid[i].text, "eu-central-1", "444455556666", arn,
                                      sizeof arn));
        CHECK_STR(arn, valid[i].arn);
    }
    static const char *const invalid[] = {
        "",
        "bad name",
        "arn:aws:s3:::bucket",
        "12345:function:hms",
        "111122223333:layer:hms",
        "arn:aws:lambda:US-EAST-1:111122223333:function:hms",
        "arn:aws:lambda:us-east-1:111122223333:function:hms:q:extra",
        "a:b:c:d:e:f:g:h:i",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        CHECK(!athena_function_resolve(invalid[i], "eu-central-1", "444455556666", arn,
                                       sizeof arn));
    char tiny[16];
    CHECK(!athena_function_resolve("hms", "eu-central-1", "444455556666", tiny, sizeof tiny));
}

static const char database_tjson[] =
    "{\"1\":{\"str\":\"sales\"},\"2\":{\"str\":\"Sales data\"},"
    "\"3\":{\"str\":\"s3://athena-test/lambda/dataset\"},"
    "\"4\":{\"map\":[\"str\",\"str\",1,{\"team\":\"producer\"}]}}";

static const char table_tjson[] =
    "{\"1\":{\"str\":\"orders\"},\"2\":{\"str\":\"sales\"},\"4\":{\"i32\":1700000000},"
    "\"5\":{\"i32\":0},"
    "\"7\":{\"rec\":{\"1\":{\"lst\":[\"rec\",2,{\"1\":{\"str\":\"id\"},\"2\":{\"str\":\"bigint\"},"
    "\"3\":{\"str\":\"order id\"}},{\"1\":{\"str\":\"note\"},\"2\":{\"str\":\"string\"}}]},"
    "\"2\":{\"str\":\"s3://b/orders\"},\"3\":{\"str\":\"in.Format\"},\"4\":{\"str\":\"out.Format\"},"
    "\"7\":{\"rec\":{\"2\":{\"str\":\"lib.SerDe\"},"
    "\"3\":{\"map\":[\"str\",\"str\",1,{\"field.delim\":\",\"}]}}}}},"
    "\"8\":{\"lst\":[\"rec\",1,{\"1\":{\"str\":\"dt\"},\"2\":{\"str\":\"string\"}}]},"
    "\"9\":{\"map\":[\"str\",\"str\",1,{\"EXTERNAL\":\"TRUE\"}]},"
    "\"12\":{\"str\":\"EXTERNAL_TABLE\"}}";

static void check_json(json_t *actual, const char *expected_text)
{
    json_t *expected = json_loads(expected_text, 0, NULL);
    CHECK(expected != NULL);
    bool equal = json_equal(actual, expected);
    if (!equal) {
        char *text = json_dumps(actual, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "got %s\nexpected %s\n", text ? text : "(null)", expected_text);
        free(text);
    }
    CHECK(equal);
    json_decref(expected);
}

static void test_hive_database(void)
{
    char err[256];
    json_t *database = athena_hive_database(database_tjson, sizeof database_tjson - 1, err,
                                            sizeof err);
    CHECK(database != NULL);
    check_json(database, "{\"Name\":\"sales\",\"Description\":\"Sales data\","
                         "\"Parameters\":{\"team\":\"producer\"}}");
    json_decref(database);

    static const char nameless[] = "{\"2\":{\"str\":\"x\"}}";
    CHECK(athena_hive_database(nameless, sizeof nameless - 1, err, sizeof err) == NULL);
    CHECK_STR(err, "the database has no name (field 1)");
    CHECK(athena_hive_database("{", 1, err, sizeof err) == NULL);
    CHECK(strncmp(err, "the database is not a TJSONProtocol struct: ", 44) == 0);
}

static void test_hive_table(void)
{
    char err[256];
    json_t *table = athena_hive_table(table_tjson, sizeof table_tjson - 1, err, sizeof err);
    CHECK(table != NULL);
    check_json(table,
               "{\"Name\":\"orders\",\"CreateTime\":1700000000,\"TableType\":\"EXTERNAL_TABLE\","
               "\"Columns\":[{\"Name\":\"id\",\"Type\":\"bigint\",\"Comment\":\"order id\"},"
               "{\"Name\":\"note\",\"Type\":\"string\"}],"
               "\"PartitionKeys\":[{\"Name\":\"dt\",\"Type\":\"string\"}],"
               "\"Parameters\":{\"EXTERNAL\":\"TRUE\",\"location\":\"s3://b/orders\","
               "\"inputformat\":\"in.Format\",\"outputformat\":\"out.Format\","
               "\"serde.serialization.lib\":\"lib.SerDe\",\"serde.param.field.delim\":\",\"}}");
    json_decref(table);

    /* A view has no storage descriptor: no columns, no storage parameters. */
    static const char view[] = "{\"1\":{\"str\":\"v\"},\"12\":{\"str\":\"VIRTUAL_VIEW\"}}";
    table = athena_hive_table(view, sizeof view - 1, err, sizeof err);
    check_json(table, "{\"Name\":\"v\",\"TableType\":\"VIRTUAL_VIEW\",\"Columns\":[],"
                      "\"PartitionKeys\":[],\"Parameters\":{}}");
    json_decref(table);

    /* A field of the wrong type is ignored, as if absent. */
    static const char odd[] = "{\"1\":{\"str\":\"t\"},\"4\":{\"str\":\"yesterday\"},"
                              "\"7\":{\"i32\":3}}";
    table = athena_hive_table(odd, sizeof odd - 1, err, sizeof err);
    check_json(table, "{\"Name\":\"t\",\"Columns\":[],\"PartitionKeys\":[],\"Parameters\":{}}");
    json_decref(table);

    CHECK(athena_hive_table("[]", 2, err, sizeof err) == NULL);
}

static json_t *validate(const char *type, const char *parameters_text, char *err, size_t errlen)
{
    json_t *parameters = json_loads(parameters_text, 0, NULL);
    json_t *out = athena_catalog_parameters_validate(type, parameters, "eu-central-1",
                                                     "444455556666", err, errlen);
    json_decref(parameters);
    return out;
}

static void test_catalog_parameters(void)
{
    char err[512];
    json_t *out = validate("HIVE", "{\"metadata-function\":\"hms\",\"sdk-version\":\"1\"}", err,
                           sizeof err);
    check_json(out, "{\"metadata-function\":\"hms\",\"sdk-version\":\"1\"}");
    json_decref(out);
    out = validate("LAMBDA", "{\"function\":\"f\"}", err, sizeof err);
    CHECK(out != NULL);
    json_decref(out);
    out = validate("LAMBDA", "{\"metadata-function\":\"m\",\"record-function\":\"r\"}", err,
                   sizeof err);
    CHECK(out != NULL);
    json_decref(out);
    out = validate("GLUE", "{\"catalog-id\":\"111122223333\"}", err, sizeof err);
    CHECK(out != NULL);
    json_decref(out);

    static const struct {
        const char *type, *parameters, *message_start;
    } invalid[] = {
        {"HIVE", "{}", "A HIVE data catalog requires the parameter metadata-function"},
        {"HIVE", "{\"metadata-function\":7}", "Invalid parameter 'metadata-function'"},
        {"HIVE", "{\"metadata-function\":\"a b\"}", "Invalid metadata-function 'a b'"},
        {"HIVE", "{\"metadata-function\":\"f\",\"metadata-cache-ttl-seconds\":\"-1\"}",
         "Invalid metadata-cache-ttl-seconds '-1'"},
        {"HIVE", "{\"metadata-function\":\"f\",\"metadata-cache-ttl-seconds\":\"\"}",
         "Invalid metadata-cache-ttl-seconds ''"},
        {"LAMBDA", "{}", "A LAMBDA data catalog requires either"},
        {"LAMBDA", "{\"record-function\":\"r\"}", "A LAMBDA data catalog requires either"},
        {"LAMBDA", "{\"function\":\"f\",\"metadata-function\":\"m\"}",
         "A LAMBDA data catalog takes either"},
        {"GLUE", "{\"catalog-id\":\"11112222333a\"}", "Invalid catalog-id '11112222333a'"},
        {"GLUE", "[]", "Parameters must be a map of strings to strings"},
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        err[0] = '\0';
        out = validate(invalid[i].type, invalid[i].parameters, err, sizeof err);
        CHECK(out == NULL);
        if (strncmp(err, invalid[i].message_start, strlen(invalid[i].message_start)) != 0)
            fprintf(stderr, "case %zu: message \"%s\"\n", i, err);
        CHECK(strncmp(err, invalid[i].message_start, strlen(invalid[i].message_start)) == 0);
        json_decref(out);
    }
}

static void test_names(void)
{
    CHECK(athena_catalog_name_valid("ehms"));
    CHECK(athena_catalog_name_valid("a_b@c-9"));
    CHECK(!athena_catalog_name_valid(""));
    CHECK(!athena_catalog_name_valid("a.b"));
    char name[ATHENA_CATALOG_NAME_MAX + 2];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    CHECK(!athena_catalog_name_valid(name));
    name[ATHENA_CATALOG_NAME_MAX] = '\0';
    CHECK(athena_catalog_name_valid(name));

    CHECK(athena_workgroup_name_valid("primary"));
    CHECK(athena_workgroup_name_valid("a.b_c-d"));
    CHECK(!athena_workgroup_name_valid("a/b"));
    CHECK(!athena_workgroup_name_valid(""));
}

static void test_cache(void)
{
    athena_cache_clear();
    CHECK(athena_cache_get("k", 0) == NULL);
    athena_cache_put("k", "{\"a\":1}", 1000, 500);
    char *hit = athena_cache_get("k", 1499);
    CHECK_STR(hit, "{\"a\":1}");
    free(hit);
    CHECK(athena_cache_get("k", 1500) == NULL);
    CHECK(athena_cache_get("k", 1000) == NULL); /* the expired entry was dropped */

    athena_cache_put("off", "x", 0, 0);
    CHECK(athena_cache_get("off", 0) == NULL);

    /* Overwriting a key replaces its text and expiry. */
    athena_cache_put("k", "one", 0, 100);
    athena_cache_put("k", "two", 0, 200);
    hit = athena_cache_get("k", 150);
    CHECK_STR(hit, "two");
    free(hit);

    /* A full cache evicts; the newest entry always fits. */
    char key[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        athena_cache_put(key, "v", 0, 10000 + i);
    }
    hit = athena_cache_get("key-1999", 0);
    CHECK_STR(hit, "v");
    free(hit);
    CHECK(athena_cache_get("key-0", 0) == NULL);
    athena_cache_clear();
}

int main(void)
{
    UNIT_RUN(test_expression_match);
    UNIT_RUN(test_function_resolve);
    UNIT_RUN(test_hive_database);
    UNIT_RUN(test_hive_table);
    UNIT_RUN(test_catalog_parameters);
    UNIT_RUN(test_names);
    UNIT_RUN(test_cache);
    return UNIT_SUMMARY();
}
