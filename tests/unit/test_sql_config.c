/*
 * Unit tests of owlery sql's settings: the parser of the AWS CLI's shared
 * config and credentials files, and the order in which the command line,
 * the environment and the two files decide profile, credentials, region
 * and endpoint. Files are written to a temporary directory that HOME,
 * AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE point at.
 */
#include "cli/sql.h"
#include "common/buf.h"
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char temp_dir[64];
static char config_path[128], credentials_path[128];

static sql_ini *parse(const char *text, char *err, size_t errlen)
{
    return sql_ini_parse(text, strlen(text), err, errlen);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

/* Clears every variable the resolver reads and points it at the temporary files. */
static void reset_environment(const char *config, const char *credentials)
{
    static const char *const names[] = {
        "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ATHENA", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unsetenv(names[i]);
    setenv("HOME", temp_dir, 1);
    setenv("AWS_CONFIG_FILE", config_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", credentials_path, 1);
    write_file(config_path, config);
    write_file(credentials_path, credentials);
}

static void test_ini_sections_and_options(void)
{
    char err[256];
    sql_ini *ini = parse("# comment\n"
                         "[default]\n"
                         "region = eu-central-1\n"
                         "  \n"
                         "; another comment\n"
                         "[profile perf-test-1]\n"
                         "Region: us-east-1\n"
                         "aws_access_key_id=AKIA1\n"
                         "output = json # not a comment\n",
                         err, sizeof err);
    CHECK(ini != NULL);
    CHECK_STR(sql_ini_get(ini, "default", "region"), "eu-central-1");
    CHECK_STR(sql_ini_get(ini, "profile perf-test-1", "region"), "us-east-1");
    CHECK_STR(sql_ini_get(ini, "profile perf-test-1", "aws_access_key_id"), "AKIA1");
    CHECK_STR(sql_ini_get(ini, "profile perf-test-1", "output"), "json # not a comment");
    CHECK(sql_ini_get(ini, "default", "output") == NULL);
    CHECK(sql_ini_has_section(ini, "profile perf-test-1"));
    CHECK(!sql_ini_has_section(ini, "perf-test-1"));
    sql_ini_free(ini);
}

static void test_ini_nested_values(void)
{
    char err[256];
    sql_ini *ini = parse("[services local]\n"
                         "athena =\n"
                         "  endpoint_url = http://127.0.0.1:4566\n"
                         "  # comment inside\n"
                         "s3 =\n"
                         "    endpoint_url = http://127.0.0.1:9000\n"
                         "after = 1\n",
                         err, sizeof err);
    CHECK(ini != NULL);
    char *url = sql_ini_get_nested(ini, "services local", "athena", "endpoint_url");
    CHECK_STR(url, "http://127.0.0.1:4566");
    free(url);
    url = sql_ini_get_nested(ini, "services local", "s3", "endpoint_url");
    CHECK_STR(url, "http://127.0.0.1:9000");
    free(url);
    CHECK(sql_ini_get_nested(ini, "services local", "athena", "region") == NULL);
    CHECK_STR(sql_ini_get(ini, "services local", "after"), "1");
    sql_ini_free(ini);
}

static void test_ini_later_value_wins(void)
{
    char err[256];
    sql_ini *ini = parse("[a]\nkey = 1\n[b]\nkey = 2\n[a]\nKEY = 3\n", err, sizeof err);
    CHECK(ini != NULL);
    CHECK_STR(sql_ini_get(ini, "a", "key"), "3");
    CHECK_STR(sql_ini_get(ini, "b", "key"), "2");
    sql_ini_free(ini);
}

static void test_ini_errors(void)
{
    char err[256];
    CHECK(parse("key = 1\n", err, sizeof err) == NULL);
    CHECK_STR(err, "line 1: option before the first [section] header");
    CHECK(parse("[default]\nregion\n", err, sizeof err) == NULL);
    CHECK_STR(err, "line 2: region is not a \"key = value\" option");
    CHECK(parse("[default\n", err, sizeof err) == NULL);
    CHECK_STR(err, "line 1: section header [default is not of the form [name]");
    CHECK(parse("[default]\n= value\n", err, sizeof err) == NULL);
    CHECK_STR(err, "line 2: = value is not a \"key = value\" option");
    CHECK(sql_ini_parse("[a]\nk = v\0x\n", 11, err, sizeof err) == NULL);
    CHECK_STR(err, "file contains a NUL byte; it is not a text file");
}

static void test_ini_entry_limit(void)
{
    char err[256];
    owl_buf text = OWL_BUF_INIT;
    owl_buf_puts(&text, "[default]\n");
    for (int i = 1; i < SQL_INI_MAX_ENTRIES; i++)
        owl_buf_printf(&text, "key%d = %d\n", i, i);
    sql_ini *ini = sql_ini_parse(text.data, text.len, err, sizeof err);
    CHECK(ini != NULL);
    CHECK_STR(sql_ini_get(ini, "default", "key9999"), "9999");
    sql_ini_free(ini);

    owl_buf_puts(&text, "one = more\n");
    CHECK(sql_ini_parse(text.data, text.len, err, sizeof err) == NULL);
    CHECK_STR(err, "line 10001: more than 10000 sections and options");
    owl_buf_free(&text);
}

static void test_ini_empty_and_crlf(void)
{
    char err[256];
    sql_ini *ini = parse("", err, sizeof err);
    CHECK(ini != NULL);
    CHECK(!sql_ini_has_section(ini, "default"));
    sql_ini_free(ini);
    ini = parse("[default]\r\nregion = us-east-1\r\n", err, sizeof err);
    CHECK(ini != NULL);
    CHECK_STR(sql_ini_get(ini, "default", "region"), "us-east-1");
    sql_ini_free(ini);
}

static void test_resolve_environment(void)
{
    reset_environment("", "");
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_SESSION_TOKEN", "env-token", 1);
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    sql_options options = {0};
    sql_settings settings;
    char err[512];
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.profile, "default");
    CHECK_STR(settings.access_key_id, "AKIAENV");
    CHECK_STR(settings.secret_access_key, "env-secret");
    CHECK_STR(settings.session_token, "env-token");
    CHECK_STR(settings.region, "eu-west-1");
    CHECK_STR(settings.endpoint_url, SQL_DEFAULT_ENDPOINT);
    CHECK_STR(settings.credentials_source, "environment");
    sql_settings_free(&settings);

    setenv("AWS_REGION", "ap-south-1", 1);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000", 1);
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.region, "ap-south-1");
    CHECK_STR(settings.endpoint_url, "http://127.0.0.1:5000");
    sql_settings_free(&settings);

    setenv("AWS_ENDPOINT_URL_ATHENA", "http://127.0.0.1:6000", 1);
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.endpoint_url, "http://127.0.0.1:6000");
    sql_settings_free(&settings);

    options.region = "us-west-2";
    options.endpoint_url = "http://127.0.0.1:7000";
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.region, "us-west-2");
    CHECK_STR(settings.endpoint_url, "http://127.0.0.1:7000");
    sql_settings_free(&settings);
}

static const char CONFIG[] = "[default]\n"
                             "region = us-east-1\n"
                             "[profile perf-test-1]\n"
                             "region = eu-central-1\n"
                             "endpoint_url = http://127.0.0.1:4600\n"
                             "[profile keys-in-config]\n"
                             "region = us-east-2\n"
                             "aws_access_key_id = AKIACONFIG\n"
                             "aws_secret_access_key = config-secret\n"
                             "[profile assumed]\n"
                             "role_arn = arn:aws:iam::111122223333:role/r\n"
                             "region = us-east-1\n"
                             "[profile via-services]\n"
                             "region = us-east-1\n"
                             "services = local\n"
                             "endpoint_url = http://127.0.0.1:4700\n"
                             "[services local]\n"
                             "athena =\n"
                             "  endpoint_url = http://127.0.0.1:4800\n";

static const char CREDENTIALS[] = "[default]\n"
                                  "aws_access_key_id = AKIADEFAULT\n"
                                  "aws_secret_access_key = default-secret\n"
                                  "[perf-test-1]\n"
                                  "aws_access_key_id = AKIAPERF\n"
                                  "aws_secret_access_key = perf-secret\n"
                                  "aws_session_token = perf-token\n"
                                  "[via-services]\n"
                                  "aws_access_key_id = AKIASERVICES\n"
                                  "aws_secret_access_key = services-secret\n"
                                  "[partial]\n"
                                  "aws_access_key_id = AKIAPARTIAL\n";

static void test_resolve_profiles(void)
{
    reset_environment(CONFIG, CREDENTIALS);
    sql_options options = {0};
    sql_settings settings;
    char err[512];

    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.access_key_id, "AKIADEFAULT");
    CHECK_STR(settings.region, "us-east-1");
    CHECK(settings.session_token == NULL);
    CHECK_STR(settings.credentials_source, credentials_path);
    sql_settings_free(&settings);

    options.profile = "perf-test-1";
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.profile, "perf-test-1");
    CHECK_STR(settings.access_key_id, "AKIAPERF");
    CHECK_STR(settings.session_token, "perf-token");
    CHECK_STR(settings.region, "eu-central-1");
    CHECK_STR(settings.endpoint_url, "http://127.0.0.1:4600");
    sql_settings_free(&settings);

    options.profile = "keys-in-config";
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.access_key_id, "AKIACONFIG");
    CHECK_STR(settings.region, "us-east-2");
    CHECK_STR(settings.credentials_source, config_path);
    sql_settings_free(&settings);

    options.profile = "via-services";
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.endpoint_url, "http://127.0.0.1:4800");
    sql_settings_free(&settings);

    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.endpoint_url, SQL_DEFAULT_ENDPOINT);
    sql_settings_free(&settings);
}

static void test_resolve_profile_precedence(void)
{
    reset_environment(CONFIG, CREDENTIALS);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    sql_settings settings;
    char err[512];

    /* AWS_PROFILE picks the profile, but keys in the environment still win. */
    setenv("AWS_PROFILE", "perf-test-1", 1);
    sql_options options = {0};
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.profile, "perf-test-1");
    CHECK_STR(settings.access_key_id, "AKIAENV");
    CHECK_STR(settings.region, "eu-central-1");
    sql_settings_free(&settings);

    /* --profile skips the keys in the environment, as the AWS CLI does. */
    options.profile = "perf-test-1";
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.access_key_id, "AKIAPERF");
    sql_settings_free(&settings);
}

static void test_resolve_errors(void)
{
    reset_environment(CONFIG, CREDENTIALS);
    sql_options options = {.profile = "nope"};
    sql_settings settings;
    char err[512], expected[512];

    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    snprintf(expected, sizeof expected,
             "profile \"nope\" not found: %s has no [profile nope] section and %s has no [nope] "
             "section",
             config_path, credentials_path);
    CHECK_STR(err, expected);

    setenv("AWS_PROFILE", "nope", 1);
    options.profile = NULL;
    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(err, expected);
    unsetenv("AWS_PROFILE");

    options.profile = "partial";
    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    snprintf(expected, sizeof expected,
             "partial credentials for profile \"partial\" in %s: aws_secret_access_key is missing",
             credentials_path);
    CHECK_STR(err, expected);

    options.profile = "assumed";
    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    snprintf(expected, sizeof expected,
             "profile \"assumed\" in %s gets its credentials through role_arn, which owlery sql "
             "does not support; give it aws_access_key_id and aws_secret_access_key",
             config_path);
    CHECK_STR(err, expected);

    options.profile = NULL;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(err, "partial credentials in the environment: AWS_SECRET_ACCESS_KEY is not set");
    unsetenv("AWS_ACCESS_KEY_ID");

    reset_environment("", "");
    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    snprintf(expected, sizeof expected,
             "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give "
             "profile \"default\" aws_access_key_id and aws_secret_access_key in %s",
             credentials_path);
    CHECK_STR(err, expected);

    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    snprintf(expected, sizeof expected,
             "no region: pass --region, set AWS_REGION, or add region to profile \"default\" in "
             "%s",
             config_path);
    CHECK_STR(err, expected);

    reset_environment("[default]\nregion\n", "");
    CHECK(!sql_settings_resolve(&options, &settings, err, sizeof err));
    snprintf(expected, sizeof expected,
             "cannot parse %s: line 2: region is not a \"key = value\" option", config_path);
    CHECK_STR(err, expected);
}

static void test_resolve_default_files_under_home(void)
{
    reset_environment("", "");
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    char dir[160], path[200];
    snprintf(dir, sizeof dir, "%s/.aws", temp_dir);
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(path, sizeof path, "%s/credentials", dir);
    write_file(path, "[home]\naws_access_key_id = AKIAHOME\naws_secret_access_key = s\n");
    snprintf(path, sizeof path, "%s/config", dir);
    write_file(path, "[profile home]\nregion = sa-east-1\n");
    sql_options options = {.profile = "home"};
    sql_settings settings;
    char err[512];
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.access_key_id, "AKIAHOME");
    CHECK_STR(settings.region, "sa-east-1");
    sql_settings_free(&settings);

    setenv("AWS_CONFIG_FILE", "~/.aws/config", 1);
    CHECK(sql_settings_resolve(&options, &settings, err, sizeof err));
    CHECK_STR(settings.region, "sa-east-1");
    sql_settings_free(&settings);
}

int main(void)
{
    snprintf(temp_dir, sizeof temp_dir, "/tmp/owlery-sql-config-XXXXXX");
    if (!mkdtemp(temp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(config_path, sizeof config_path, "%s/config", temp_dir);
    snprintf(credentials_path, sizeof credentials_path, "%s/credentials", temp_dir);

    UNIT_RUN(test_ini_sections_and_options);
    UNIT_RUN(test_ini_nested_values);
    UNIT_RUN(test_ini_later_value_wins);
    UNIT_RUN(test_ini_errors);
    UNIT_RUN(test_ini_entry_limit);
    UNIT_RUN(test_ini_empty_and_crlf);
    UNIT_RUN(test_resolve_environment);
    UNIT_RUN(test_resolve_profiles);
    UNIT_RUN(test_resolve_profile_precedence);
    UNIT_RUN(test_resolve_errors);
    UNIT_RUN(test_resolve_default_files_under_home);

    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", temp_dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", temp_dir);
    return UNIT_SUMMARY();
}
