/*
 * The authorization decision shared by every service.
 *
 * iam_evaluate() applies AWS's documented policy evaluation logic to one
 * request. An explicit Deny in any applicable policy wins. Within one
 * account, an Allow in the identity policies or in the resource policy
 * suffices. Across accounts, both the caller's identity policies and the
 * resource owner's resource policy (or S3 ACL) must allow. Session policies,
 * when present, narrow the identity side. An account root has every identity
 * permission but still needs the resource policy of another account.
 *
 * The hot path does not allocate: every service calls it on every request.
 * All strings are borrowed from the caller and from the compiled policies;
 * the decision points into them and stays valid while they do.
 */
#ifndef OWL_IAM_EVALUATE_H
#define OWL_IAM_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>

#include "iam/policy.h"

typedef enum iam_principal_type {
    IAM_PRINCIPAL_ANONYMOUS,    /* unsigned request */
    IAM_PRINCIPAL_ROOT,         /* account root user, arn:aws:iam::ID:root */
    IAM_PRINCIPAL_USER,         /* IAM user */
    IAM_PRINCIPAL_ROLE,         /* a role acting directly (no session), e.g. in tests */
    IAM_PRINCIPAL_ASSUMED_ROLE, /* STS session of a role: arn is the session ARN */
    IAM_PRINCIPAL_FEDERATED,    /* web identity or SAML caller: arn is the provider */
    IAM_PRINCIPAL_SERVICE,      /* AWS service principal such as s3.amazonaws.com */
} iam_principal_type;

typedef struct iam_tag {
    const char *key;
    const char *value;
} iam_tag;

/* The authenticated caller. Unused fields are NULL. */
typedef struct iam_principal {
    iam_principal_type type;
    const char *account;      /* 12-digit account ID; NULL for anonymous and services */
    const char *arn;          /* user, role or root ARN; session ARN for assumed roles */
    const char *role_arn;     /* assumed roles: arn:aws:iam::ID:role/NAME */
    const char *user_name;    /* IAM users: the value of aws:username */
    const char *user_id;      /* aws:userid: AIDA... for users, AROA...:session for sessions */
    const char *canonical_id; /* S3 canonical user ID (64 hex digits) */
    const char *service;      /* service principals: s3.amazonaws.com */
    const iam_tag *tags;      /* principal tags, the aws:PrincipalTag/KEY values */
    size_t tag_count;
} iam_principal;

/*
 * One condition context key with its values (multi-valued keys such as
 * aws:TagKeys have several). Key names compare case-insensitively.
 */
typedef struct iam_context_key {
    const char *key;
    const char *const *values;
    size_t count;
} iam_context_key;

typedef struct iam_request iam_request;

typedef enum iam_acl_result { IAM_ACL_NO_OPINION, IAM_ACL_ALLOW } iam_acl_result;

/* S3 ACL check: returns IAM_ACL_ALLOW when an ACL grant covers the request. */
typedef iam_acl_result (*iam_acl_fn)(const iam_request *request, void *arg);

struct iam_request {
    iam_principal principal;
    const char *action;           /* service:Action, e.g. s3:GetObject */
    const char *resource;         /* ARN of the resource, or "*" */
    const char *resource_account; /* owner of the resource; NULL means the caller's account */
    const iam_context_key *context;
    size_t context_count;
    iam_acl_fn acl; /* optional, part of the resource side */
    void *acl_arg;
};

/* A policy with the name the decision reports: its ARN, or an inline policy's name. */
typedef struct iam_policy_ref {
    const char *name;
    const iam_policy *policy;
} iam_policy_ref;

/*
 * The caller's identity policies, and the session policies of an STS
 * session. has_session marks a session created with session policies: then
 * the identity side allows only what both the identity policies and some
 * session policy allow (zero session policies then allow nothing).
 */
typedef struct iam_policy_set {
    const iam_policy_ref *policies;
    size_t count;
    const iam_policy_ref *session_policies;
    size_t session_count;
    bool has_session;
} iam_policy_set;

typedef enum iam_effect { IAM_DENY = 0, IAM_ALLOW = 1 } iam_effect;

typedef enum iam_reason {
    IAM_REASON_ALLOW_IDENTITY,         /* an identity policy statement allows */
    IAM_REASON_ALLOW_RESOURCE,         /* a resource policy statement allows */
    IAM_REASON_ALLOW_ACL,              /* the ACL hook allows */
    IAM_REASON_ALLOW_ROOT,             /* account root in its own account */
    IAM_REASON_EXPLICIT_DENY_IDENTITY, /* a Deny statement in an identity policy */
    IAM_REASON_EXPLICIT_DENY_SESSION,  /* a Deny statement in a session policy */
    IAM_REASON_EXPLICIT_DENY_RESOURCE, /* a Deny statement in the resource policy */
    IAM_REASON_NO_IDENTITY_ALLOW,      /* implicit deny: no identity policy allows */
    IAM_REASON_NO_SESSION_ALLOW,       /* implicit deny: no session policy allows */
    IAM_REASON_NO_RESOURCE_ALLOW,      /* implicit deny: no resource policy or ACL allows */
    IAM_REASON_INVALID_REQUEST,        /* action or resource too long to evaluate */
} iam_reason;

/*
 * The outcome and the statement that decided it. For an allow across
 * accounts, policy/statement/sid name the resource policy statement (or the
 * ACL) and identity_policy/identity_statement the identity statement that
 * also allowed. Implicit denies have policy NULL and statement -1.
 */
typedef struct iam_decision {
    iam_effect effect;
    iam_reason reason;
    const char *policy;    /* iam_policy_ref.name or the resource policy label */
    int statement;         /* 0-based statement index in that policy, -1 if none */
    const char *sid;       /* that statement's Sid, NULL if it has none */
    const char *identity_policy;
    int identity_statement;
} iam_decision;

/*
 * Decides request. identity may be NULL (no identity policies).
 * resource_policy is the resource's own policy or NULL, and resource_label
 * names it in decisions (the bucket or function ARN). Never allocates.
 */
iam_decision iam_evaluate(const iam_request *request, const iam_policy_set *identity,
                          const iam_policy *resource_policy, const char *resource_label);

/*
 * Writes the AccessDenied message AWS uses for a denial, e.g.
 *   User: ARN is not authorized to perform: ACTION on resource: RESOURCE
 *   because no identity-based policy allows the ACTION action
 * and "with an explicit deny in a resource-based policy" for explicit
 * denies. For an allow it writes "". Returns what snprintf returns.
 */
int iam_decision_message(const iam_request *request, const iam_decision *decision, char *out,
                         size_t outlen);

/* Returns a stable lowercase name for reason, for logs and tests ("explicit-deny-identity"). */
const char *iam_reason_name(iam_reason reason);

#endif
