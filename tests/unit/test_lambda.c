/*
 * Unit tests of the Lambda module's pure parts: function references, role
 * ARNs, resource policy statements, base64 and zip extraction.
 */
#include "lambda/internal.h"
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

static void test_ref_forms(void)
{
    lambda_ref ref;
    char err[512];
    CHECK(lambda_ref_parse("fn", "eu-central-1", "111122223333", &ref, err, sizeof err));
    CHECK_STR(ref.region, "eu-central-1");
    CHECK_STR(ref.account_id, "111122223333");
    CHECK_STR(ref.name, "fn");
    CHECK_STR(ref.qualifier, "");

    CHECK(lambda_ref_parse("fn:$LATEST", "us-east-1", "111122223333", &ref, err, sizeof err));
    CHECK_STR(ref.qualifier, "$LATEST");

    CHECK(lambda_ref_parse("444455556666:function:fn:3", "us-east-1", "111122223333", &ref, err,
                           sizeof err));
    CHECK_STR(ref.account_id, "444455556666");
    CHECK_STR(ref.qualifier, "3");

    CHECK(lambda_ref_parse("arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new",
                           "eu-central-1", "444455556666", &ref, err, sizeof err));
    CHECK_STR(ref.region, "us-east-1");
    CHECK_STR(ref.account_id, "111122223333");
    CHECK_STR(ref.name, "external-hms-service-new");
}

static void test_ref_rejects(void)
{
    static const char *const bad[] = {
        "", "a:b:c", "fn:", ":fn", "fn/x", "12345:function:fn",
        "arn:aws:s3:us-east-1:111122223333:function:fn",
        "arn:aws:lambda:useast1:111122223333:function:fn",
        "arn:aws:lambda:us-east-1:111122223333:layer:fn",
        "arn:aws:lambda:us-east-1:111122223333:function:fn:1:2",
        "fn:bad/qualifier",
        "a-very-long-function-name-that-goes-on-and-on-beyond-sixty-four-chars",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lambda_ref ref;
        char err[512] = "";
        CHECK(!lambda_ref_parse(bad[i], "us-east-1", "111122223333", &ref, err, sizeof err));
        CHECK(strstr(err, "failed to satisfy constraint") != NULL);
    }
}

static void test_role_arn(void)
{
    CHECK(lambda_role_arn_valid("arn:aws:iam::111122223333:role/lambda-exec"));
    CHECK(lambda_role_arn_valid("arn:aws:iam::111122223333:role/service-role/x+y=z,a.b@c-d_e"));
    CHECK(!lambda_role_arn_valid("arn:aws:iam::111122223333:user/x"));
    CHECK(!lambda_role_arn_valid("arn:aws:iam::11112222333:role/x"));
    CHECK(!lambda_role_arn_valid("arn:aws:iam::111122223333:role/"));
    CHECK(!lambda_role_arn_valid("arn:aws:iam::111122223333:role/a b"));
}

static void test_policy_reference_statement(void)
{
    lambda_permission perm = {
        .statement_id = "Id-ehms-invocation2",
        .action = "lambda:InvokeFunction",
        .principal = "arn:aws:iam::444455556666:user/perf1-test",
        .resource = "arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new",
    };
    char err[256];
    json_t *statement = lambda_policy_statement(&perm, err, sizeof err);
    CHECK(statement != NULL);
    char *text = json_dumps(statement, JSON_COMPACT);
    CHECK_STR(text,
              "{\"Sid\":\"Id-ehms-invocation2\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
              "\"arn:aws:iam::444455556666:user/perf1-test\"},\"Action\":\"lambda:InvokeFunction\","
              "\"Resource\":\"arn:aws:lambda:us-east-1:111122223333:function:"
              "external-hms-service-new\"}");

    char *policy = NULL;
    size_t size = 0;
    CHECK_INT(lambda_policy_add(NULL, statement, &policy, &size), LAMBDA_POLICY_OK);
    char expected[1024];
    snprintf(expected, sizeof expected, "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[%s]}",
             text);
    CHECK_STR(policy, expected);
    CHECK_INT(size, strlen(expected));

    char *again = NULL;
    CHECK_INT(lambda_policy_add(policy, statement, &again, &size), LAMBDA_POLICY_DUPLICATE);
    CHECK(again == NULL);

    char *removed = (char *)"unchanged";
    CHECK_INT(lambda_policy_remove(policy, "nope", &removed), LAMBDA_POLICY_NOT_FOUND);
    CHECK_INT(lambda_policy_remove(policy, "Id-ehms-invocation2", &removed), LAMBDA_POLICY_OK);
    CHECK(removed == NULL);
    free(text);
    free(policy);
    json_decref(statement);
}

static void test_policy_principals(void)
{
    struct {
        const char *principal;
        const char *expected; /* NULL: invalid */
    } cases[] = {
        {"*", "\"*\""},
        {"444455556666", "{\"AWS\":\"arn:aws:iam::444455556666:root\"}"},
        {"s3.amazonaws.com", "{\"Service\":\"s3.amazonaws.com\"}"},
        {"arn:aws:iam::444455556666:role/r", "{\"AWS\":\"arn:aws:iam::444455556666:role/r\"}"},
        {"arn:aws:s3:::bucket", NULL},
        {"nobody", NULL},
        {"has space.com", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lambda_permission perm = {.statement_id = "s", .action = "lambda:*",
                                  .principal = cases[i].principal, .resource = "arn"};
        char err[256];
        json_t *statement = lambda_policy_statement(&perm, err, sizeof err);
        if (!cases[i].expected) {
            CHECK(statement == NULL);
            continue;
        }
        char *text = json_dumps(json_object_get(statement, "Principal"), JSON_COMPACT | JSON_ENCODE_ANY);
        CHECK_STR(text, cases[i].expected);
        free(text);
        json_decref(statement);
    }
}

static void test_policy_size_limit(void)
{
    char *policy = NULL;
    bool limited = false;
    for (int i = 0; i < 400 && !limited; i++) {
        char sid[32];
        snprintf(sid, sizeof sid, "statement-%d", i);
        lambda_permission perm = {.statement_id = sid, .action = "lambda:InvokeFunction",
                                  .principal = "444455556666",
                                  .resource = "arn:aws:lambda:us-east-1:111122223333:function:f"};
        char err[256];
        json_t *statement = lambda_policy_statement(&perm, err, sizeof err);
        char *next = NULL;
        size_t size = 0;
        lambda_policy_status status = lambda_policy_add(policy, statement, &next, &size);
        json_decref(statement);
        if (status == LAMBDA_POLICY_TOO_LARGE) {
            CHECK(size > LAMBDA_POLICY_MAX);
            CHECK(strlen(policy) <= LAMBDA_POLICY_MAX);
            limited = true;
        } else {
            CHECK_INT(status, LAMBDA_POLICY_OK);
            free(policy);
            policy = next;
        }
    }
    CHECK(limited);
    free(policy);
}

static void test_base64(void)
{
    size_t len = 0;
    uint8_t *data = lambda_base64_decode("aGVsbG8=", 8, &len);
    CHECK_MEM(data, len, "hello", 5);
    free(data);
    CHECK(lambda_base64_decode("aGVsbG8", 7, &len) == NULL);
    CHECK(lambda_base64_decode("a=Vs", 4, &len) == NULL);
    CHECK(lambda_base64_decode("aGVs\nbG8=", 9, &len) == NULL);
    char *text = lambda_base64_encode("hello", 5);
    CHECK_STR(text, "aGVsbG8=");
    free(text);
}

/* Builds a zip in memory with one entry; mode is the Unix mode in the external attributes. */
static void *zip_one(const char *name, const char *data, unsigned mode, size_t *len)
{
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &error);
    zip_source_keep(out);
    zip_t *archive = zip_open_from_source(out, ZIP_TRUNCATE, &error);
    zip_source_t *content = zip_source_buffer(archive, data, strlen(data), 0);
    zip_int64_t index = zip_file_add(archive, name, content, ZIP_FL_ENC_UTF_8);
    zip_file_set_external_attributes(archive, (zip_uint64_t)index, 0, ZIP_OPSYS_UNIX, mode << 16);
    zip_close(archive);
    zip_source_open(out);
    zip_source_seek(out, 0, SEEK_END);
    *len = (size_t)zip_source_tell(out);
    zip_source_seek(out, 0, SEEK_SET);
    void *bytes = malloc(*len);
    zip_source_read(out, bytes, *len);
    zip_source_close(out);
    zip_source_free(out);
    zip_error_fini(&error);
    return bytes;
}

static void test_zip_extract(void)
{
    char dir[] = "/tmp/owlery-test-lambda-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char dest[300], path[400], err[512];

    size_t len;
    void *zip = zip_one("bin/bootstrap", "#!/bin/sh\n", 0100755, &len);
    snprintf(dest, sizeof dest, "%s/ok", dir);
    CHECK(lambda_code_extract(zip, len, dest, err, sizeof err));
    snprintf(path, sizeof path, "%s/bin/bootstrap", dest);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0555);
    CHECK_INT(stat(dest, &st), 0);
    CHECK_INT(st.st_mode & 0222, 0);
    free(zip);

    struct {
        const char *name, *data;
        unsigned mode;
    } evil[] = {
        {"../escape", "x", 0100644},
        {"a/../../escape", "x", 0100644},
        {"/etc/evil", "x", 0100644},
        {"link", "/etc/passwd", 0120777},
        {"d/link", "../../outside", 0120777},
        {"dangling", "missing", 0120777},
    };
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        zip = zip_one(evil[i].name, evil[i].data, evil[i].mode, &len);
        snprintf(dest, sizeof dest, "%s/evil%zu", dir, i);
        err[0] = '\0';
        CHECK(!lambda_code_extract(zip, len, dest, err, sizeof err));
        CHECK(err[0] != '\0');
        free(zip);
    }
    snprintf(path, sizeof path, "%s/escape", dir);
    CHECK(access(path, F_OK) != 0);

    CHECK(!lambda_code_extract("not a zip", 9, "/nonexistent/never", err, sizeof err));
    CHECK_STR(err, "Could not unzip uploaded file. Please check your file, then try to upload again.");

    char command[400];
    snprintf(command, sizeof command, "chmod -R u+w %s && rm -rf %s", dir, dir);
    CHECK_INT(system(command), 0);
}

int main(void)
{
    UNIT_RUN(test_ref_forms);
    UNIT_RUN(test_ref_rejects);
    UNIT_RUN(test_role_arn);
    UNIT_RUN(test_policy_reference_statement);
    UNIT_RUN(test_policy_principals);
    UNIT_RUN(test_policy_size_limit);
    UNIT_RUN(test_base64);
    UNIT_RUN(test_zip_extract);
    return UNIT_SUMMARY();
}
