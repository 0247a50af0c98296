/*
 * Bucket policy validation. See policy.h.
 */
#include "s3/policy.h"

#include <ctype.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool all_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* "*", a 12-digit account ID or arn:aws:iam::ACCOUNT:(root|user/..|role/..|...) or an STS ARN. */
static bool aws_principal_valid(const char *p)
{
    if (strcmp(p, "*") == 0 || all_digits(p, 12))
        return true;
    const char *account;
    if (strncmp(p, "arn:aws:iam::", 13) == 0)
        account = p + 13;
    else if (strncmp(p, "arn:aws:sts::", 13) == 0)
        account = p + 13;
    else
        return false;
    if (strlen(account) < 14 || account[12] != ':')
        return false;
    for (int i = 0; i < 12; i++)
        if (!isdigit((unsigned char)account[i]))
            return false;
    const char *resource = account + 13;
    return strcmp(resource, "root") == 0 || strncmp(resource, "user/", 5) == 0 ||
           strncmp(resource, "role/", 5) == 0 || strncmp(resource, "assumed-role/", 13) == 0 ||
           strncmp(resource, "federated-user/", 15) == 0;
}

/* Calls check on the string or each string of a list; false for any other JSON type. */
static bool each_string(json_t *value, bool (*check)(const char *, const void *), const void *arg)
{
    if (json_is_string(value))
        return check(json_string_value(value), arg);
    if (!json_is_array(value) || json_array_size(value) == 0)
        return false;
    size_t i;
    json_t *item;
    json_array_foreach(value, i, item) {
        if (!json_is_string(item) || !check(json_string_value(item), arg))
            return false;
    }
    return true;
}

static bool check_aws(const char *p, const void *arg)
{
    (void)arg;
    return aws_principal_valid(p);
}

static bool check_canonical(const char *p, const void *arg)
{
    (void)arg;
    return all_hex(p, 64);
}

static bool check_service(const char *p, const void *arg)
{
    (void)arg;
    size_t n = strlen(p);
    return n > 0 && n < 256 && strchr(p, '.') && !strchr(p, ' ');
}

static bool principal_valid(json_t *principal)
{
    if (json_is_string(principal))
        return strcmp(json_string_value(principal), "*") == 0;
    if (!json_is_object(principal) || json_object_size(principal) == 0)
        return false;
    const char *kind;
    json_t *value;
    json_object_foreach(principal, kind, value) {
        bool ok = strcmp(kind, "AWS") == 0             ? each_string(value, check_aws, NULL)
                  : strcmp(kind, "CanonicalUser") == 0 ? each_string(value, check_canonical, NULL)
                  : strcmp(kind, "Service") == 0       ? each_string(value, check_service, NULL)
                  : strcmp(kind, "Federated") == 0     ? each_string(value, check_service, NULL)
                                                       : false;
        if (!ok)
            return false;
    }
    return true;
}

static bool check_action(const char *action, const void *arg)
{
    (void)arg;
    if (strcmp(action, "*") == 0)
        return true;
    if (strncmp(action, "s3:", 3) != 0 || action[3] == '\0')
        return false;
    for (const char *p = action + 3; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '*' && *p != '?')
            return false;
    return true;
}

static bool check_resource(const char *resource, const void *arg)
{
    const char *bucket = arg;
    if (strcmp(resource, "*") == 0)
        return true;
    if (strncmp(resource, "arn:aws:s3:::", 13) != 0)
        return false;
    /* The bucket part of the ARN, which may hold wildcards, must match this bucket. */
    const char *rest = resource + 13;
    char pattern[256];
    size_t n = strcspn(rest, "/");
    if (n == 0 || n >= sizeof pattern)
        return false;
    memcpy(pattern, rest, n);
    pattern[n] = '\0';
    return fnmatch(pattern, bucket, 0) == 0;
}

static bool statement_valid(json_t *statement, const char *bucket, char *err, size_t errlen)
{
    if (!json_is_object(statement)) {
        snprintf(err, errlen, "Policies must be valid JSON and the first byte must be '{'");
        return false;
    }
    const char *effect = json_string_value(json_object_get(statement, "Effect"));
    if (!effect) {
        snprintf(err, errlen, "Missing required field Effect");
        return false;
    }
    if (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0) {
        snprintf(err, errlen, "Invalid effect: %.64s", effect);
        return false;
    }
    json_t *principal = json_object_get(statement, "Principal");
    json_t *not_principal = json_object_get(statement, "NotPrincipal");
    if (!principal && !not_principal) {
        snprintf(err, errlen, "Missing required field Principal");
        return false;
    }
    if (!principal_valid(principal ? principal : not_principal)) {
        snprintf(err, errlen, "Invalid principal in policy");
        return false;
    }
    json_t *action = json_object_get(statement, "Action");
    json_t *not_action = json_object_get(statement, "NotAction");
    if (!action && !not_action) {
        snprintf(err, errlen, "Missing required field Action");
        return false;
    }
    if (!each_string(action ? action : not_action, check_action, NULL)) {
        snprintf(err, errlen, "Policy has invalid action");
        return false;
    }
    json_t *resource = json_object_get(statement, "Resource");
    json_t *not_resource = json_object_get(statement, "NotResource");
    if (!resource && !not_resource) {
        snprintf(err, errlen, "Missing required field Resource");
        return false;
    }
    if (!each_string(resource ? resource : not_resource, check_resource, bucket)) {
        snprintf(err, errlen, "Policy has invalid resource");
        return false;
    }
    json_t *condition = json_object_get(statement, "Condition");
    if (condition && !json_is_object(condition)) {
        snprintf(err, errlen, "Policy has an invalid condition");
        return false;
    }
    return true;
}

bool s3_policy_validate(const char *text, size_t len, const char *bucket, char *err,
                        size_t errlen)
{
    if (len > S3_POLICY_MAX_BYTES) {
        snprintf(err, errlen, "Policy exceeds the maximum allowed document size.");
        return false;
    }
    json_error_t error;
    json_t *doc = len > 0 && text[0] == '{' ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &error)
                                            : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        snprintf(err, errlen, "Policies must be valid JSON and the first byte must be '{'");
        return false;
    }
    bool ok = true;
    json_t *version = json_object_get(doc, "Version");
    if (version && (!json_is_string(version) ||
                    (strcmp(json_string_value(version), "2012-10-17") != 0 &&
                     strcmp(json_string_value(version), "2008-10-17") != 0))) {
        snprintf(err, errlen, "Document is invalid: Invalid Version %.32s",
                 json_is_string(version) ? json_string_value(version) : "");
        ok = false;
    }
    json_t *statements = json_object_get(doc, "Statement");
    if (ok && (!statements || (json_is_array(statements) && json_array_size(statements) == 0))) {
        snprintf(err, errlen, "Missing required field Statement");
        ok = false;
    }
    if (ok && json_is_array(statements)) {
        size_t i;
        json_t *statement;
        json_array_foreach(statements, i, statement) {
            if (!statement_valid(statement, bucket, err, errlen)) {
                ok = false;
                break;
            }
        }
    } else if (ok) {
        ok = statement_valid(statements, bucket, err, errlen);
    }
    json_decref(doc);
    return ok;
}
