/*
 * Settings of owlery sql, resolved from the command line, the environment
 * and the shared config and credentials files. The order is the one the AWS
 * CLI v2 uses (botocore's session and credential provider chain), and
 * sql_settings_resolve() in sql.h lists it.
 *
 * Only static keys are supported. A profile that gets its credentials from
 * role_arn, credential_process or IAM Identity Center (sso_*) is reported
 * as such instead of being silently skipped.
 */
#include "cli/sql.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* One shared file: its path, whether it exists, and its parsed contents. */
typedef struct shared_file {
    char *path;
    sql_ini *ini; /* NULL when the file does not exist */
} shared_file;

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *copy(const char *s)
{
    if (!s)
        return NULL;
    char *out = strdup(s);
    if (!out)
        abort();
    return out;
}

/* Returns the value of environment variable name when it is set and not empty, else NULL. */
static const char *env(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

/* Returns the home folder: HOME, else the user's entry in the password database. */
static const char *home_dir(void)
{
    const char *home = env("HOME");
    if (home)
        return home;
    struct passwd *user = getpwuid(getuid());
    return user && user->pw_dir && *user->pw_dir ? user->pw_dir : NULL;
}

/* Returns variable's path with a leading "~/" expanded, or ~/.aws/<name> when it is unset. */
static char *file_path(const char *variable, const char *name)
{
    const char *home = home_dir();
    const char *path = env(variable);
    char *out;
    if (path && strncmp(path, "~/", 2) == 0 && home) {
        if (asprintf(&out, "%s/%s", home, path + 2) < 0)
            abort();
    } else if (path) {
        out = copy(path);
    } else if (asprintf(&out, "%s/.aws/%s", home ? home : ".", name) < 0) {
        abort();
    }
    return out;
}

/*
 * Loads a shared file. A missing file is an empty one, as for the AWS CLI.
 * Returns false with a message naming the file when it cannot be read or parsed.
 */
static bool shared_file_load(shared_file *file, const char *variable, const char *name,
                             char *err, size_t errlen)
{
    file->path = file_path(variable, name);
    file->ini = NULL;
    FILE *f = fopen(file->path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return true;
        set_error(err, errlen, "cannot read %s: %s", file->path, strerror(errno));
        return false;
    }
    char *text = malloc(SQL_INI_MAX_BYTES + 1);
    if (!text)
        abort();
    size_t len = fread(text, 1, SQL_INI_MAX_BYTES + 1, f);
    bool read_failed = ferror(f);
    fclose(f);
    if (read_failed) {
        set_error(err, errlen, "cannot read %s", file->path);
        free(text);
        return false;
    }
    char parse_error[256];
    file->ini = sql_ini_parse(text, len, parse_error, sizeof parse_error);
    free(text);
    if (!file->ini) {
        set_error(err, errlen, "cannot parse %s: %s", file->path, parse_error);
        return false;
    }
    return true;
}

static void shared_file_clear(shared_file *file)
{
    free(file->path);
    sql_ini_free(file->ini);
}

/* Returns the config file section of profile: "default" or "profile NAME". */
static char *config_section(const sql_ini *config, const char *profile)
{
    char *section;
    if (asprintf(&section, "profile %s", profile) < 0)
        abort();
    /* botocore reads [default] for the default profile, and also [profile default]. */
    if (strcmp(profile, "default") == 0 && !sql_ini_has_section(config, section)) {
        free(section);
        section = copy("default");
    }
    return section;
}

/*
 * Takes the keys of profile from section of file when it has any, and sets
 * *found when it did. Returns false with an error only for partial keys.
 */
static bool keys_from_file(const shared_file *file, const char *section, const char *profile,
                           sql_settings *out, bool *found, char *err, size_t errlen)
{
    const char *key = sql_ini_get(file->ini, section, "aws_access_key_id");
    const char *secret = sql_ini_get(file->ini, section, "aws_secret_access_key");
    *found = false;
    if (!key && !secret)
        return true;
    if (!key || !*key || !secret || !*secret) {
        set_error(err, errlen, "partial credentials for profile \"%s\" in %s: %s is missing",
                  profile, file->path, key && *key ? "aws_secret_access_key" : "aws_access_key_id");
        return false;
    }
    out->access_key_id = copy(key);
    out->secret_access_key = copy(secret);
    const char *token = sql_ini_get(file->ini, section, "aws_session_token");
    if (!token)
        token = sql_ini_get(file->ini, section, "aws_security_token");
    out->session_token = token && *token ? copy(token) : NULL;
    out->credentials_source = copy(file->path);
    *found = true;
    return true;
}

/* Takes the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; like keys_from_file(). */
static bool keys_from_environment(sql_settings *out, bool *found, char *err, size_t errlen)
{
    const char *key = env("AWS_ACCESS_KEY_ID");
    const char *secret = env("AWS_SECRET_ACCESS_KEY");
    *found = false;
    if (!key && !secret)
        return true;
    if (!key || !secret) {
        set_error(err, errlen, "partial credentials in the environment: %s is not set",
                  key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return false;
    }
    out->access_key_id = copy(key);
    out->secret_access_key = copy(secret);
    const char *token = env("AWS_SESSION_TOKEN");
    if (!token)
        token = env("AWS_SECURITY_TOKEN");
    out->session_token = copy(token);
    out->credentials_source = copy("environment");
    *found = true;
    return true;
}

/* Names the unsupported credential source a profile section uses, or returns NULL. */
static const char *unsupported_source(const sql_ini *config, const char *section)
{
    static const char *const keys[] = {"role_arn", "credential_process", "sso_session",
                                       "sso_start_url", "web_identity_token_file"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (sql_ini_get(config, section, keys[i]))
            return keys[i];
    return NULL;
}

/* Returns true when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true" (any case). */
static bool ignore_configured_endpoints(void)
{
    const char *value = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    return value && strcasecmp(value, "true") == 0;
}

/* Resolves the endpoint URL; see sql_settings_resolve(). Returns a malloc'd string. */
static char *resolve_endpoint(const sql_options *options, const shared_file *config,
                              const char *section)
{
    if (options->endpoint_url)
        return copy(options->endpoint_url);
    if (ignore_configured_endpoints())
        return copy(SQL_DEFAULT_ENDPOINT);
    if (env("AWS_ENDPOINT_URL_ATHENA"))
        return copy(env("AWS_ENDPOINT_URL_ATHENA"));
    if (env("AWS_ENDPOINT_URL"))
        return copy(env("AWS_ENDPOINT_URL"));
    const char *services = sql_ini_get(config->ini, section, "services");
    if (services) {
        char *services_section;
        if (asprintf(&services_section, "services %s", services) < 0)
            abort();
        char *url = sql_ini_get_nested(config->ini, services_section, "athena", "endpoint_url");
        free(services_section);
        if (url && *url)
            return url;
        free(url);
    }
    const char *url = sql_ini_get(config->ini, section, "endpoint_url");
    return copy(url && *url ? url : SQL_DEFAULT_ENDPOINT);
}

bool sql_settings_resolve(const sql_options *options, sql_settings *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    shared_file credentials = {0}, config = {0};
    char *section = NULL;
    bool ok = false;

    const char *profile = options->profile;
    if (!profile)
        profile = env("AWS_PROFILE");
    bool named = profile != NULL;
    if (!profile)
        profile = "default";
    out->profile = copy(profile);

    if (!shared_file_load(&credentials, "AWS_SHARED_CREDENTIALS_FILE", "credentials", err,
                          errlen) ||
        !shared_file_load(&config, "AWS_CONFIG_FILE", "config", err, errlen))
        goto out;
    section = config_section(config.ini, profile);
    bool in_config = sql_ini_has_section(config.ini, section);
    bool in_credentials = sql_ini_has_section(credentials.ini, profile);
    if (named && !in_config && !in_credentials) {
        set_error(err, errlen,
                  "profile \"%s\" not found: %s has no [%s] section and %s has no [%s] section",
                  profile, config.path, section, credentials.path, profile);
        goto out;
    }

    /* Credentials: the environment unless --profile names a profile, then the two files. */
    bool found = false;
    if (!options->profile && !keys_from_environment(out, &found, err, errlen))
        goto out;
    if (!found && !keys_from_file(&credentials, profile, profile, out, &found, err, errlen))
        goto out;
    if (!found && !keys_from_file(&config, section, profile, out, &found, err, errlen))
        goto out;
    if (!found) {
        const char *source = unsupported_source(config.ini, section);
        if (source)
            set_error(err, errlen,
                      "profile \"%s\" in %s gets its credentials through %s, which owlery sql "
                      "does not support; give it aws_access_key_id and aws_secret_access_key",
                      profile, config.path, source);
        else
            set_error(err, errlen,
                      "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                      "or give profile \"%s\" aws_access_key_id and aws_secret_access_key in %s",
                      profile, credentials.path);
        goto out;
    }

    const char *region = options->region;
    if (!region)
        region = env("AWS_REGION");
    if (!region)
        region = env("AWS_DEFAULT_REGION");
    if (!region)
        region = sql_ini_get(config.ini, section, "region");
    if (!region || !*region) {
        set_error(err, errlen,
                  "no region: pass --region, set AWS_REGION, or add region to profile \"%s\" "
                  "in %s",
                  profile, config.path);
        goto out;
    }
    out->region = copy(region);
    out->endpoint_url = resolve_endpoint(options, &config, section);
    ok = true;

out:
    free(section);
    shared_file_clear(&credentials);
    shared_file_clear(&config);
    if (!ok)
        sql_settings_free(out);
    return ok;
}

void sql_settings_free(sql_settings *settings)
{
    free(settings->profile);
    free(settings->region);
    free(settings->endpoint_url);
    free(settings->access_key_id);
    free(settings->secret_access_key);
    free(settings->session_token);
    free(settings->credentials_source);
    memset(settings, 0, sizeof *settings);
}
