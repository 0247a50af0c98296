/*
 * Interim policy document checks with jansson. See iam_policy_check.h.
 *
 * TODO: replace both bodies with calls into the policy parser and
 * evaluator once iam/policy.h and iam/evaluate.h exist. Keep the
 * signatures, because the IAM API and AssumeRole depend on them.
 */
#include "iam/iam_policy_check.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static bool string_or_string_list(const json_t *value)
{
    if (json_is_string(value))
        return true;
    if (!json_is_array(value) || json_array_size(value) == 0)
        return false;
    size_t i;
    const json_t *item;
    json_array_foreach(value, i, item)
        if (!json_is_string(item))
            return false;
    return true;
}

static bool principal_valid(const json_t *principal)
{
    if (json_is_string(principal))
        return strcmp(json_string_value(principal), "*") == 0;
    if (!json_is_object(principal) || json_object_size(principal) == 0)
        return false;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)principal, key, value) {
        if (strcmp(key, "AWS") != 0 && strcmp(key, "Service") != 0 &&
            strcmp(key, "Federated") != 0 && strcmp(key, "CanonicalUser") != 0)
            return false;
        if (!string_or_string_list(value))
            return false;
    }
    return true;
}

static bool statement_check(const json_t *statement, iam_policy_kind kind, char *err, size_t errlen)
{
    if (!json_is_object(statement)) {
        snprintf(err, errlen, "Syntax errors in policy.");
        return false;
    }
    const json_t *effect = json_object_get(statement, "Effect");
    if (!json_is_string(effect)) {
        snprintf(err, errlen, "Missing required field Effect");
        return false;
    }
    if (strcmp(json_string_value(effect), "Allow") != 0 &&
        strcmp(json_string_value(effect), "Deny") != 0) {
        snprintf(err, errlen, "Invalid effect: %s", json_string_value(effect));
        return false;
    }

    const json_t *action = json_object_get(statement, "Action");
    const json_t *not_action = json_object_get(statement, "NotAction");
    if ((action == NULL) == (not_action == NULL) ||
        !string_or_string_list(action ? action : not_action)) {
        snprintf(err, errlen, "Policy statement must contain actions.");
        return false;
    }

    const json_t *resource = json_object_get(statement, "Resource");
    const json_t *not_resource = json_object_get(statement, "NotResource");
    const json_t *principal = json_object_get(statement, "Principal");
    const json_t *not_principal = json_object_get(statement, "NotPrincipal");
    if (kind == IAM_POLICY_TRUST) {
        if (resource || not_resource) {
            snprintf(err, errlen, "Has prohibited field Resource");
            return false;
        }
        if (!principal && !not_principal) {
            snprintf(err, errlen, "Missing required field Principal");
            return false;
        }
        if (!principal_valid(principal ? principal : not_principal)) {
            snprintf(err, errlen, "Invalid principal in policy");
            return false;
        }
    } else {
        if (principal || not_principal) {
            snprintf(err, errlen, "Policy document should not specify a principal.");
            return false;
        }
        if ((resource == NULL) == (not_resource == NULL) ||
            !string_or_string_list(resource ? resource : not_resource)) {
            snprintf(err, errlen, "Policy statement must contain resources.");
            return false;
        }
    }
    const json_t *condition = json_object_get(statement, "Condition");
    if (condition && !json_is_object(condition)) {
        snprintf(err, errlen, "Syntax errors in policy.");
        return false;
    }
    return true;
}

bool iam_policy_document_check(const char *json, iam_policy_kind kind, char *err, size_t errlen)
{
    json_error_t parse_error;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &parse_error);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, "Syntax errors in policy.");
        return false;
    }

    bool ok = true;
    const json_t *version = json_object_get(root, "Version");
    const json_t *statement = json_object_get(root, "Statement");
    if (version && (!json_is_string(version) ||
                    (strcmp(json_string_value(version), "2012-10-17") != 0 &&
                     strcmp(json_string_value(version), "2008-10-17") != 0))) {
        snprintf(err, errlen, "The policy failed legacy parsing");
        ok = false;
    } else if (!statement || (json_is_array(statement) && json_array_size(statement) == 0)) {
        snprintf(err, errlen, "Missing required field Statement");
        ok = false;
    } else if (json_is_array(statement)) {
        size_t i;
        const json_t *item;
        json_array_foreach(statement, i, item)
            if (ok && !statement_check(item, kind, err, errlen))
                ok = false;
    } else {
        ok = statement_check(statement, kind, err, errlen);
    }
    json_decref(root);
    return ok;
}

/* ---- Trust policies ---- */

/* Calls match(value) for a string or each string of a list; true when any matches. */
static bool any_string(const json_t *value, bool (*match)(const char *, const void *),
                       const void *arg)
{
    if (json_is_string(value))
        return match(json_string_value(value), arg);
    size_t i;
    const json_t *item;
    json_array_foreach(value, i, item)
        if (json_is_string(item) && match(json_string_value(item), arg))
            return true;
    return false;
}

static bool action_matches(const char *pattern, const void *action)
{
    /* Action names compare case-insensitively; * and ? are wildcards. */
    return fnmatch(pattern, action, FNM_CASEFOLD) == 0;
}

static bool string_equals(const char *value, const void *expected)
{
    return strcmp(value, expected) == 0;
}

typedef struct trust_caller {
    const iam_identity *identity;
    iam_trust_result match;
} trust_caller;

static bool aws_principal_matches(const char *entry, const void *arg)
{
    trust_caller *caller = (trust_caller *)arg;
    const iam_identity *identity = caller->identity;
    char root_arn[64];
    snprintf(root_arn, sizeof root_arn, "arn:aws:iam::%s:root", identity->account_id);
    /* The account root's ARN names the whole account, also when the caller is that root. */
    if (strcmp(entry, identity->account_id) == 0 || strcmp(entry, root_arn) == 0) {
        if (caller->match != IAM_TRUST_PRINCIPAL)
            caller->match = IAM_TRUST_ACCOUNT;
        return true;
    }
    if (strcmp(entry, "*") == 0 || strcmp(entry, identity->arn) == 0 ||
        (identity->role_arn[0] && strcmp(entry, identity->role_arn) == 0)) {
        caller->match = IAM_TRUST_PRINCIPAL;
        return true;
    }
    return false;
}

/* Returns how the statement's Principal names the caller, or IAM_TRUST_DENIED when it does not. */
static iam_trust_result principal_match(const json_t *principal, const iam_identity *caller,
                                        const char *service)
{
    if (json_is_string(principal))
        return strcmp(json_string_value(principal), "*") == 0 ? IAM_TRUST_PRINCIPAL
                                                             : IAM_TRUST_DENIED;
    if (!json_is_object(principal))
        return IAM_TRUST_DENIED;
    if (service)
        return any_string(json_object_get(principal, "Service"), string_equals, service)
                   ? IAM_TRUST_PRINCIPAL
                   : IAM_TRUST_DENIED;
    trust_caller match = {.identity = caller, .match = IAM_TRUST_DENIED};
    const json_t *aws = json_object_get(principal, "AWS");
    if (json_is_string(aws))
        aws_principal_matches(json_string_value(aws), &match);
    else if (json_is_array(aws)) {
        size_t i;
        const json_t *item;
        json_array_foreach(aws, i, item)
            if (json_is_string(item))
                aws_principal_matches(json_string_value(item), &match);
    }
    return match.match;
}

iam_trust_result iam_trust_policy_check(const char *trust_policy, const iam_identity *caller,
                                        const char *service, const char *action)
{
    json_t *root = json_loads(trust_policy, 0, NULL);
    const json_t *statements = root ? json_object_get(root, "Statement") : NULL;
    json_t *single = NULL;
    if (json_is_object(statements)) {
        single = json_array();
        json_array_append(single, (json_t *)statements);
        statements = single;
    }

    iam_trust_result result = IAM_TRUST_DENIED;
    bool denied = false;
    size_t i;
    const json_t *statement;
    json_array_foreach(statements, i, statement) {
        const json_t *effect = json_object_get(statement, "Effect");
        const json_t *principal = json_object_get(statement, "Principal");
        if (!json_is_string(effect) || !principal ||
            !any_string(json_object_get(statement, "Action"), action_matches, action))
            continue;
        iam_trust_result match = principal_match(principal, caller, service);
        if (match == IAM_TRUST_DENIED)
            continue;
        if (strcmp(json_string_value(effect), "Deny") == 0)
            denied = true;
        else if (!json_object_get(statement, "Condition") && match > result)
            result = match;
    }
    json_decref(single);
    json_decref(root);
    return denied ? IAM_TRUST_DENIED : result;
}
