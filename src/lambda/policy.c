/*
 * Function resource policies, as AddPermission, GetPolicy and
 * RemovePermission manage them. The document is
 *   {"Version":"2012-10-17","Id":"default","Statement":[...]}
 * in compact JSON, and each statement keeps Lambda's key order: Sid,
 * Effect, Principal, Action, Resource, Condition. The AWS CLI prints these
 * strings as they are, so the order and spacing are part of the API.
 *
 * Principals: "*" stays "*"; a 12-digit account ID becomes
 * {"AWS":"arn:aws:iam::ID:root"}; an IAM ARN becomes {"AWS": ARN}; a service
 * name (s3.amazonaws.com) becomes {"Service": NAME}.
 *
 * Limit: the whole document may be at most 20480 bytes.
 */
#include "lambda/internal.h"

#include "iam/account.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_space(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s))
            return true;
    return false;
}

static json_t *principal_json(const char *principal)
{
    if (strcmp(principal, "*") == 0)
        return json_string("*");
    if (iam_account_id_valid(principal)) {
        char arn[64];
        snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", principal);
        return json_pack("{s:s}", "AWS", arn);
    }
    if (strncmp(principal, "arn:", 4) == 0) {
        const char *service = strchr(principal + 4, ':');
        if (!service || strncmp(service, ":iam::", 6) != 0)
            return NULL;
        return json_pack("{s:s}", "AWS", principal);
    }
    if (strchr(principal, '.') && principal[0] != '.')
        return json_pack("{s:s}", "Service", principal);
    return NULL;
}

static bool action_valid(const char *action)
{
    /* (lambda:[*]|lambda:[a-zA-Z]+|[*]) */
    if (strcmp(action, "*") == 0 || strcmp(action, "lambda:*") == 0)
        return true;
    if (strncmp(action, "lambda:", 7) != 0 || action[7] == '\0')
        return false;
    for (const char *p = action + 7; *p; p++)
        if (!isalpha((unsigned char)*p))
            return false;
    return true;
}

static bool statement_id_valid(const char *sid)
{
    size_t n = strlen(sid);
    if (n == 0 || n > 100)
        return false;
    for (const char *p = sid; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return false;
    return true;
}

/* Adds key: value under condition[op], creating the operator block when needed. */
static void condition_add(json_t *condition, const char *op, const char *key, const char *value)
{
    json_t *block = json_object_get(condition, op);
    if (!block) {
        block = json_object();
        json_object_set_new(condition, op, block);
    }
    json_object_set_new(block, key, json_string(value));
}

json_t *lambda_policy_statement(const lambda_permission *perm, char *err, size_t errlen)
{
    if (!perm->statement_id || !statement_id_valid(perm->statement_id)) {
        snprintf(err, errlen,
                 "1 validation error detected: Value '%.120s' at 'statementId' failed to "
                 "satisfy constraint: Member must satisfy regular expression pattern: "
                 "([a-zA-Z0-9-_]+) and have length between 1 and 100",
                 perm->statement_id ? perm->statement_id : "");
        return NULL;
    }
    if (!perm->action || !action_valid(perm->action)) {
        snprintf(err, errlen,
                 "1 validation error detected: Value '%.120s' at 'action' failed to satisfy "
                 "constraint: Member must satisfy regular expression pattern: "
                 "(lambda:[*]|lambda:[a-zA-Z]+|[*])",
                 perm->action ? perm->action : "");
        return NULL;
    }
    json_t *principal = perm->principal && *perm->principal && !has_space(perm->principal)
                            ? principal_json(perm->principal)
                            : NULL;
    if (!principal) {
        snprintf(err, errlen,
                 "The provided principal was invalid. Please check the principal and try again.");
        return NULL;
    }
    if (perm->source_account && !iam_account_id_valid(perm->source_account)) {
        json_decref(principal);
        snprintf(err, errlen,
                 "1 validation error detected: Value '%.40s' at 'sourceAccount' failed to "
                 "satisfy constraint: Member must satisfy regular expression pattern: \\d{12}",
                 perm->source_account);
        return NULL;
    }

    json_t *statement = json_object();
    json_object_set_new(statement, "Sid", json_string(perm->statement_id));
    json_object_set_new(statement, "Effect", json_string("Allow"));
    json_object_set_new(statement, "Principal", principal);
    json_object_set_new(statement, "Action", json_string(perm->action));
    json_object_set_new(statement, "Resource", json_string(perm->resource));

    json_t *condition = json_object();
    if (perm->source_account)
        condition_add(condition, "StringEquals", "AWS:SourceAccount", perm->source_account);
    if (perm->principal_org_id)
        condition_add(condition, "StringEquals", "aws:PrincipalOrgID", perm->principal_org_id);
    if (perm->event_source_token)
        condition_add(condition, "StringEquals", "lambda:EventSourceToken",
                      perm->event_source_token);
    if (perm->source_arn)
        condition_add(condition, "ArnLike", "AWS:SourceArn", perm->source_arn);
    if (json_object_size(condition) > 0)
        json_object_set_new(statement, "Condition", condition);
    else
        json_decref(condition);
    return statement;
}

/* Parses a stored document; a missing or unreadable one starts empty. */
static json_t *policy_load(const char *policy_text)
{
    json_t *policy = policy_text ? json_loads(policy_text, 0, NULL) : NULL;
    if (policy && json_is_array(json_object_get(policy, "Statement")))
        return policy;
    json_decref(policy);
    return json_pack("{s:s, s:s, s:[]}", "Version", "2012-10-17", "Id", "default", "Statement");
}

static json_t *statement_find(json_t *statements, const char *sid, size_t *index)
{
    size_t i;
    json_t *statement;
    json_array_foreach(statements, i, statement) {
        const char *existing = json_string_value(json_object_get(statement, "Sid"));
        if (existing && strcmp(existing, sid) == 0) {
            *index = i;
            return statement;
        }
    }
    return NULL;
}

lambda_policy_status lambda_policy_add(const char *policy_text, json_t *statement, char **out,
                                       size_t *size_out)
{
    *out = NULL;
    json_t *policy = policy_load(policy_text);
    json_t *statements = json_object_get(policy, "Statement");
    const char *sid = json_string_value(json_object_get(statement, "Sid"));
    size_t index;
    if (!sid || statement_find(statements, sid, &index)) {
        json_decref(policy);
        return LAMBDA_POLICY_DUPLICATE;
    }
    json_array_append(statements, statement);
    char *text = json_dumps(policy, JSON_COMPACT);
    json_decref(policy);
    if (!text)
        abort();
    *size_out = strlen(text);
    if (*size_out > LAMBDA_POLICY_MAX) {
        free(text);
        return LAMBDA_POLICY_TOO_LARGE;
    }
    *out = text;
    return LAMBDA_POLICY_OK;
}

lambda_policy_status lambda_policy_remove(const char *policy_text, const char *statement_id,
                                          char **out)
{
    *out = NULL;
    if (!policy_text)
        return LAMBDA_POLICY_NOT_FOUND;
    json_t *policy = policy_load(policy_text);
    json_t *statements = json_object_get(policy, "Statement");
    size_t index;
    if (!statement_find(statements, statement_id, &index)) {
        json_decref(policy);
        return LAMBDA_POLICY_NOT_FOUND;
    }
    json_array_remove(statements, index);
    if (json_array_size(statements) > 0) {
        *out = json_dumps(policy, JSON_COMPACT);
        if (!*out)
            abort();
    }
    json_decref(policy);
    return LAMBDA_POLICY_OK;
}
