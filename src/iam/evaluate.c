/*
 * The policy evaluator (see evaluate.h for the decision rules).
 *
 * Workload: every request of every service passes through iam_evaluate()
 * once, typically with ten or so identity policies of tens of statements and
 * one resource policy. The cost is kept low by looking only at statements
 * indexed under the requested service (policy.c builds that index), by
 * skipping Allow statements once an allow is found, and by skipping policies
 * without Deny statements when only denies still matter. Nothing allocates.
 *
 * NOTE: two documented refinements are not modelled: a resource policy that
 * names an assumed-role session ARN directly is not limited by the session's
 * session policies, and NotPrincipal with an account ARN excludes only the
 * account's root. Here session policies limit only the identity side, and a
 * NotPrincipal account entry excludes every principal of the account.
 */
#include "iam/evaluate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "iam/policy_internal.h"

static bool bytes_equal(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

/* Returns the statements of policy that can match the requested service. */
static const iam_statement_list *candidates(const iam_policy *policy, const iam_eval_context *ctx)
{
    uint32_t slot = (uint32_t)ctx->service_hash & policy->service_mask;

    for (uint32_t s; policy->service_table && (s = policy->service_table[slot]) != UINT32_MAX;
         slot = (slot + 1) & policy->service_mask) {
        const iam_service_index *index = &policy->services[s];
        if (index->hash == ctx->service_hash && index->service_len == ctx->service_len &&
            bytes_equal(index->service, ctx->action, ctx->service_len))
            return &index->list;
    }
    return &policy->generic;
}

static bool same_string(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* A session's aws:userid is "AROA...:session"; its unique ID is the part before the colon. */
static bool unique_id_matches(const char *policy_id, const char *user_id)
{
    size_t n = strlen(policy_id);
    return user_id != NULL && strncmp(policy_id, user_id, n) == 0 &&
           (user_id[n] == '\0' || user_id[n] == ':');
}

static bool same_text(const iam_principal_entry *entry, const char *s, size_t len, uint64_t hash)
{
    return s != NULL && entry->hash == hash && entry->len == len && memcmp(entry->value, s, len) == 0;
}

static bool entry_matches(const iam_principal_entry *entry, const iam_eval_context *ctx)
{
    const iam_principal *principal = &ctx->request->principal;
    bool iam_identity = principal->type != IAM_PRINCIPAL_ANONYMOUS &&
                        principal->type != IAM_PRINCIPAL_SERVICE &&
                        principal->type != IAM_PRINCIPAL_FEDERATED;

    switch (entry->kind) {
    case IAM_PRINCIPAL_ENTRY_ANY:
        return true;
    case IAM_PRINCIPAL_ENTRY_ACCOUNT:
        return iam_identity && same_string(entry->value, principal->account);
    case IAM_PRINCIPAL_ENTRY_ARN:
        return iam_identity && (same_text(entry, principal->arn, ctx->arn_len, ctx->arn_hash) ||
                                (principal->type == IAM_PRINCIPAL_ASSUMED_ROLE &&
                                 same_text(entry, principal->role_arn, ctx->role_arn_len, ctx->role_arn_hash)));
    case IAM_PRINCIPAL_ENTRY_UNIQUE_ID:
        return iam_identity && unique_id_matches(entry->value, principal->user_id);
    case IAM_PRINCIPAL_ENTRY_SERVICE:
        return principal->type == IAM_PRINCIPAL_SERVICE && same_string(entry->value, principal->service);
    case IAM_PRINCIPAL_ENTRY_CANONICAL:
        return principal->canonical_id != NULL && strcasecmp(entry->value, principal->canonical_id) == 0;
    default:
        return principal->type == IAM_PRINCIPAL_FEDERATED && same_string(entry->value, principal->arn);
    }
}

static bool statement_matches(const iam_policy *policy, const iam_statement *st,
                              const iam_eval_context *ctx)
{
    bool any = false;

    /* The principal goes first: in resource policies it is the most selective element. */
    if (st->has_principal) {
        if (!st->not_principal && (st->principal_filter & ctx->principal_bits) == 0)
            return false;
        for (uint32_t i = 0; i < st->principal_count && !any; i++)
            any = entry_matches(&st->principals[i], ctx);
        if (any == st->not_principal)
            return false;
    }

    /* The head compare is repeated here so that most patterns are rejected without a call. */
    any = false;
    for (uint32_t i = 0; i < st->action_count && !any; i++) {
        const iam_pattern *action = &st->actions[i];
        any = (ctx->action_head & action->head_mask) == action->head && iam_action_matches(action, ctx);
    }
    if (any == st->not_action)
        return false;

    if (st->has_resource) {
        any = false;
        for (uint32_t i = 0; i < st->resource_count && !any; i++)
            any = iam_resource_matches(&st->resources[i], policy->variables, ctx);
        if (any == st->not_resource)
            return false;
    }

    return iam_conditions_match(st, policy->variables, ctx);
}

/*
 * Looks for the first matching Deny statement (*deny) and, when want_allow,
 * the first matching Allow statement (*allow). Both stay -1 when not found.
 * Stops at the first deny, because an explicit deny decides the request.
 */
static void scan_policy(const iam_policy *policy, const iam_eval_context *ctx, bool want_allow,
                        int *deny, int *allow)
{
    const iam_statement_list *list;
    const uint32_t *indexes, *letters;
    uint32_t count;

    *deny = -1;
    *allow = -1;
    if (policy == NULL || (!want_allow && !policy->has_deny))
        return;
    list = candidates(policy, ctx);
    indexes = want_allow ? list->statements : list->denies;
    letters = want_allow ? list->letters : list->deny_letters;
    count = want_allow ? list->count : list->deny_count;
    for (uint32_t i = 0; i < count; i++) {
        if ((letters[i] & ctx->action_letter) == 0)
            continue;
        const iam_statement *st = &policy->statements[indexes[i]];
        if (!st->deny && *allow >= 0)
            continue;
        if (!statement_matches(policy, st, ctx))
            continue;
        if (st->deny) {
            *deny = (int)indexes[i];
            return;
        }
        *allow = (int)indexes[i];
        if (!policy->has_deny)
            return;
    }
}

static const char *principal_type_name(iam_principal_type type)
{
    switch (type) {
    case IAM_PRINCIPAL_ROOT:
        return "Account";
    case IAM_PRINCIPAL_USER:
        return "User";
    case IAM_PRINCIPAL_ROLE:
    case IAM_PRINCIPAL_ASSUMED_ROLE:
        return "AssumedRole";
    case IAM_PRINCIPAL_FEDERATED:
        return "FederatedUser";
    case IAM_PRINCIPAL_SERVICE:
        return "Service";
    default:
        return "Anonymous";
    }
}

static void hash_principal(iam_eval_context *ctx, const iam_principal *principal)
{
    ctx->arn_hash = iam_hash_text(principal->arn ? principal->arn : "", ctx->arn_len);
    ctx->role_arn_hash = iam_hash_text(principal->role_arn ? principal->role_arn : "", ctx->role_arn_len);
    ctx->principal_bits = UINT64_C(1) << (ctx->arn_hash % 64) | UINT64_C(1) << (ctx->role_arn_hash % 64);
    if (principal->account)
        ctx->principal_bits |= UINT64_C(1) << (iam_hash_text(principal->account, strlen(principal->account)) % 64);
    if (principal->service)
        ctx->principal_bits |= UINT64_C(1) << (iam_hash_text(principal->service, strlen(principal->service)) % 64);
}

/*
 * Prepares the per-request state; returns false when the action or resource
 * is too long. The principal hashes are needed only to match Principal
 * elements, so they are computed only when with_principals.
 */
static bool context_init(iam_eval_context *ctx, const iam_request *request, bool with_principals)
{
    const iam_principal *principal = &request->principal;
    size_t len = strlen(request->action);
    const char *colon;

    if (len >= IAM_TEXT_MAX || request->resource == NULL)
        return false;
    ctx->request = request;
    for (size_t i = 0; i < len; i++) {
        char c = request->action[i];
        ctx->action[i] = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
    }
    ctx->action[len] = '\0';
    ctx->action_len = len;
    colon = memchr(ctx->action, ':', len);
    ctx->service_len = colon ? (size_t)(colon - ctx->action) : len;
    ctx->service_hash = iam_hash_text(ctx->action, ctx->service_len);
    if (colon) {
        size_t unused;
        ctx->action_head = iam_action_head(colon + 1, len - ctx->service_len - 1, &unused);
        ctx->action_letter = iam_action_letter(colon[1]);
    } else {
        ctx->action_head = 0;
        ctx->action_letter = iam_action_letter('\0');
    }
    ctx->resource_len = strlen(request->resource);
    ctx->arn_len = principal->arn ? strlen(principal->arn) : 0;
    ctx->role_arn_len = principal->role_arn ? strlen(principal->role_arn) : 0;
    if (with_principals)
        hash_principal(ctx, principal);
    ctx->principal_arn_value[0] =
        principal->type == IAM_PRINCIPAL_ASSUMED_ROLE ? principal->role_arn
        : principal->type == IAM_PRINCIPAL_ANONYMOUS  ? NULL
                                                      : principal->arn;
    ctx->principal_type_value[0] = principal_type_name(principal->type);
    return true;
}

static iam_decision decide(iam_effect effect, iam_reason reason, const char *policy_name,
                           const iam_policy *policy, int statement)
{
    iam_decision decision = {effect, reason, policy_name, statement, NULL, NULL, -1};
    if (policy && statement >= 0)
        decision.sid = policy->statements[statement].sid;
    return decision;
}

iam_decision iam_evaluate(const iam_request *request, const iam_policy_set *identity,
                          const iam_policy *resource_policy, const char *resource_label)
{
    const iam_principal *principal = &request->principal;
    iam_eval_context ctx;
    int deny, allow;
    bool has_identity_policies = principal->type == IAM_PRINCIPAL_USER ||
                                 principal->type == IAM_PRINCIPAL_ROLE ||
                                 principal->type == IAM_PRINCIPAL_ASSUMED_ROLE;
    bool is_root = principal->type == IAM_PRINCIPAL_ROOT;
    bool same_account = principal->account != NULL &&
                        (request->resource_account == NULL ||
                         strcmp(principal->account, request->resource_account) == 0);
    bool session = false, session_allow = false;
    const iam_policy_ref *identity_ref = NULL;
    int identity_statement = -1;

    if (!context_init(&ctx, request, resource_policy != NULL))
        return decide(IAM_DENY, IAM_REASON_INVALID_REQUEST, NULL, NULL, -1);

    /* Identity side: the caller's policies, then its session policies. */
    if (has_identity_policies && identity) {
        for (size_t i = 0; i < identity->count; i++) {
            const iam_policy_ref *ref = &identity->policies[i];
            scan_policy(ref->policy, &ctx, identity_ref == NULL, &deny, &allow);
            if (deny >= 0)
                return decide(IAM_DENY, IAM_REASON_EXPLICIT_DENY_IDENTITY, ref->name, ref->policy, deny);
            if (allow >= 0 && identity_ref == NULL) {
                identity_ref = ref;
                identity_statement = allow;
            }
        }
        session = identity->has_session;
        for (size_t i = 0; session && i < identity->session_count; i++) {
            const iam_policy_ref *ref = &identity->session_policies[i];
            scan_policy(ref->policy, &ctx, !session_allow, &deny, &allow);
            if (deny >= 0)
                return decide(IAM_DENY, IAM_REASON_EXPLICIT_DENY_SESSION, ref->name, ref->policy, deny);
            session_allow = session_allow || allow >= 0;
        }
    }
    bool identity_allow = is_root || identity_ref != NULL;
    bool identity_effective = identity_allow && (!session || session_allow);

    /*
     * Resource side: its denies always apply. Its allows matter unless the
     * identity side already suffices (same account) or has already failed
     * where it is required (across accounts).
     */
    bool needs_identity = !same_account && (has_identity_policies || is_root);
    bool want_resource_allow = same_account ? !identity_effective : identity_effective || !needs_identity;
    scan_policy(resource_policy, &ctx, want_resource_allow, &deny, &allow);
    if (deny >= 0)
        return decide(IAM_DENY, IAM_REASON_EXPLICIT_DENY_RESOURCE, resource_label, resource_policy, deny);

    if (same_account && identity_effective) {
        if (identity_ref == NULL)
            return decide(IAM_ALLOW, IAM_REASON_ALLOW_ROOT, NULL, NULL, -1);
        return decide(IAM_ALLOW, IAM_REASON_ALLOW_IDENTITY, identity_ref->name, identity_ref->policy,
                      identity_statement);
    }

    iam_reason identity_failure =
        identity_allow && !identity_effective ? IAM_REASON_NO_SESSION_ALLOW : IAM_REASON_NO_IDENTITY_ALLOW;
    if (needs_identity && !identity_effective)
        return decide(IAM_DENY, identity_failure, NULL, NULL, -1);

    iam_decision decision;
    if (allow >= 0) {
        decision = decide(IAM_ALLOW, IAM_REASON_ALLOW_RESOURCE, resource_label, resource_policy, allow);
    } else if (request->acl && request->acl(request, request->acl_arg) == IAM_ACL_ALLOW) {
        decision = decide(IAM_ALLOW, IAM_REASON_ALLOW_ACL, resource_label, NULL, -1);
    } else if (same_account) {
        return decide(IAM_DENY, identity_failure, NULL, NULL, -1);
    } else {
        return decide(IAM_DENY, IAM_REASON_NO_RESOURCE_ALLOW, NULL, NULL, -1);
    }
    if (identity_ref) {
        decision.identity_policy = identity_ref->name;
        decision.identity_statement = identity_statement;
    }
    return decision;
}

static const char *principal_display(const iam_principal *principal)
{
    if (principal->type == IAM_PRINCIPAL_ANONYMOUS)
        return "anonymous";
    if (principal->type == IAM_PRINCIPAL_SERVICE && principal->service)
        return principal->service;
    return principal->arn ? principal->arn : "(unknown)";
}

int iam_decision_message(const iam_request *request, const iam_decision *decision, char *out,
                         size_t outlen)
{
    const char *principal = principal_display(&request->principal);
    const char *action = request->action, *resource = request->resource ? request->resource : "*";

    switch (decision->reason) {
    case IAM_REASON_EXPLICIT_DENY_IDENTITY:
    case IAM_REASON_EXPLICIT_DENY_SESSION:
    case IAM_REASON_EXPLICIT_DENY_RESOURCE:
        return snprintf(out, outlen,
                        "User: %s is not authorized to perform: %s on resource: %s with an explicit "
                        "deny in %s policy",
                        principal, action, resource,
                        decision->reason == IAM_REASON_EXPLICIT_DENY_IDENTITY  ? "an identity-based"
                        : decision->reason == IAM_REASON_EXPLICIT_DENY_SESSION ? "a session"
                                                                               : "a resource-based");
    case IAM_REASON_NO_IDENTITY_ALLOW:
    case IAM_REASON_NO_SESSION_ALLOW:
    case IAM_REASON_NO_RESOURCE_ALLOW:
        return snprintf(out, outlen,
                        "User: %s is not authorized to perform: %s on resource: %s because no %s "
                        "policy allows the %s action",
                        principal, action, resource,
                        decision->reason == IAM_REASON_NO_IDENTITY_ALLOW  ? "identity-based"
                        : decision->reason == IAM_REASON_NO_SESSION_ALLOW ? "session"
                                                                          : "resource-based",
                        action);
    case IAM_REASON_INVALID_REQUEST:
        return snprintf(out, outlen,
                        "User: %s is not authorized to perform: %.100s on resource: %.100s because "
                        "the action or resource is longer than %d characters",
                        principal, action, resource, IAM_TEXT_MAX - 1);
    default:
        if (outlen)
            out[0] = '\0';
        return 0;
    }
}

const char *iam_reason_name(iam_reason reason)
{
    static const char *const names[] = {
        [IAM_REASON_ALLOW_IDENTITY] = "allow-identity",
        [IAM_REASON_ALLOW_RESOURCE] = "allow-resource",
        [IAM_REASON_ALLOW_ACL] = "allow-acl",
        [IAM_REASON_ALLOW_ROOT] = "allow-root",
        [IAM_REASON_EXPLICIT_DENY_IDENTITY] = "explicit-deny-identity",
        [IAM_REASON_EXPLICIT_DENY_SESSION] = "explicit-deny-session",
        [IAM_REASON_EXPLICIT_DENY_RESOURCE] = "explicit-deny-resource",
        [IAM_REASON_NO_IDENTITY_ALLOW] = "no-identity-allow",
        [IAM_REASON_NO_SESSION_ALLOW] = "no-session-allow",
        [IAM_REASON_NO_RESOURCE_ALLOW] = "no-resource-allow",
        [IAM_REASON_INVALID_REQUEST] = "invalid-request",
    };
    if ((unsigned)reason >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[reason];
}
