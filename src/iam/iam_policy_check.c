/*
 * Policy document checks and trust policy decisions for the IAM API and
 * AssumeRole. See iam_policy_check.h.
 */
#include "iam/iam_policy_check.h"

#include "iam/evaluate.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

iam_document_result iam_policy_document_check(const char *json, iam_policy_kind kind,
                                              size_t max_size, char *err, size_t errlen)
{
    iam_policy *policy = NULL;
    iam_policy_error error;
    if (iam_policy_parse(json, strlen(json), kind, max_size, &policy, &error) == 0) {
        iam_policy_free(policy);
        return IAM_DOCUMENT_VALID;
    }
    snprintf(err, errlen, "%s", error.message);
    /* The parser words a quota overrun as IAM's "Cannot exceed quota for PolicySize: N". */
    if (strncmp(error.message, "Cannot exceed quota", 19) == 0)
        return IAM_DOCUMENT_TOO_LARGE;
    return IAM_DOCUMENT_MALFORMED;
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

/*
 * Classifies how the trust policy's unconditional Allow statements name the
 * caller: its account, itself, or not at all. Only called once the
 * evaluator has allowed, to tell the two kinds of allow apart.
 */
static iam_trust_result trust_classify(const char *trust_policy, const iam_identity *caller,
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

/* Fills the evaluator's view of an IAM caller from the resolved identity. */
static iam_principal principal_of(const iam_identity *caller)
{
    iam_principal principal = {
        .type = caller->type,
        .account = caller->account_id,
        .arn = caller->arn,
        .role_arn = caller->role_arn[0] ? caller->role_arn : NULL,
        .user_name = caller->user_name[0] ? caller->user_name : NULL,
        .user_id = caller->user_id[0] ? caller->user_id : NULL,
    };
    return principal;
}

iam_trust_result iam_trust_policy_check(const char *trust_policy, const iam_identity *caller,
                                        const char *service, const char *action,
                                        const char *external_id)
{
    iam_policy *policy = NULL;
    iam_policy_error error;
    if (!trust_policy ||
        iam_policy_parse(trust_policy, strlen(trust_policy), IAM_POLICY_TRUST, 0, &policy,
                         &error) != 0)
        return IAM_TRUST_DENIED;

    iam_request request = {.action = action, .resource = "*"};
    if (service) {
        request.principal.type = IAM_PRINCIPAL_SERVICE;
        request.principal.service = service;
    } else {
        request.principal = principal_of(caller);
        /*
         * Only the trust policy may decide. With no identity policies, a
         * user or session in the resource's own account is allowed exactly
         * when the resource policy allows. A root would be allowed in its
         * own account by rule, so for roots the role is put in another
         * account, where a root still needs the resource policy's allow.
         */
        if (caller->type == IAM_PRINCIPAL_ROOT)
            request.resource_account = "aws";
    }
    const char *const external_ids[] = {external_id};
    iam_context_key context = {.key = "sts:ExternalId", .values = external_ids, .count = 1};
    if (external_id) {
        request.context = &context;
        request.context_count = 1;
    }
    iam_decision decision = iam_evaluate(&request, NULL, policy, "trust policy");
    iam_policy_free(policy);
    if (decision.effect != IAM_ALLOW)
        return IAM_TRUST_DENIED;

    iam_trust_result kind = trust_classify(trust_policy, caller, service, action);
    return kind == IAM_TRUST_PRINCIPAL ? IAM_TRUST_PRINCIPAL : IAM_TRUST_ACCOUNT;
}
