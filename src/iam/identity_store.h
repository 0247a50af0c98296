/*
 * The identity side of authorization: every identity-based policy that
 * applies to an authenticated principal, and the principal's tags, read
 * from the IAM tables. iam_authorize() needs them for the caller of each
 * request. This module compiles policies but does not evaluate them.
 *
 * Which policies apply, by principal type:
 *   root          none: an account root may do anything in its own account,
 *                 by rule, and needs no policy.
 *   IAM user      the user's inline policies, the managed policies attached
 *                 to the user, and for each group the user belongs to, the
 *                 group's inline policies and attached managed policies.
 *   assumed role  the role's inline policies and attached managed policies,
 *                 plus the session policy passed to AssumeRole, if any.
 *   anonymous     none.
 *
 * A session policy is not a grant: the effective permissions of a session
 * are the intersection of the role's policies and the session policy, so
 * the evaluator must require an allow from both (and a deny in either
 * wins). It is reported with type IAM_IDENTITY_POLICY_SESSION for that
 * reason.
 *
 * Managed policies contribute their default version; AWS managed policies
 * their compiled-in document (managed_policies.h).
 */
#ifndef OWL_IAM_IDENTITY_STORE_H
#define OWL_IAM_IDENTITY_STORE_H

#include "iam/account.h"
#include "iam/evaluate.h"

#include <stdbool.h>

typedef enum iam_identity_policy_type {
    /* An inline policy of the user, one of its groups, or the role. */
    IAM_IDENTITY_POLICY_INLINE,
    /* A managed policy (customer or AWS) attached to the user, a group or the role. */
    IAM_IDENTITY_POLICY_MANAGED,
    /* The session policy of an assumed-role session: a limit, not a grant. */
    IAM_IDENTITY_POLICY_SESSION,
} iam_identity_policy_type;

/* One identity policy that applies to the principal. */
typedef struct iam_identity_policy {
    iam_identity_policy_type type;
    /*
     * Origin of the policy, for messages and logs: the policy ARN of
     * a managed policy (arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess), or
     * for inline policies the owner ARN plus "/policy/" and the policy name
     * (arn:aws:iam::111122223333:group/dev/policy/read-data), or
     * "session-policy".
     */
    const char *source;
    /* The policy document as stored: JSON that iam_policy_parse() accepted when it was stored. */
    const char *document;
} iam_identity_policy;

/*
 * Called once per policy; the strings are valid only during the call.
 * Return false to stop the walk early.
 */
typedef bool (*iam_identity_policy_fn)(const iam_identity_policy *policy, void *arg);

/*
 * Calls fn for every identity policy that applies to who. The order is
 * fixed: the user's or role's inline policies by name, then its attached
 * policies by ARN. For users, each group follows by name, with its inline
 * and then its attached policies. The session policy comes last. who must
 * come from
 * iam_access_key_resolve() (type, account_id, user_name or role_name, and
 * access_key_id for the session policy). Returns IAM_OK (also when fn
 * stopped the walk or there are no policies) or IAM_STORE_ERROR.
 */
iam_status iam_identity_store_policies(sqlite3 *db, const iam_identity *who,
                                      iam_identity_policy_fn fn, void *arg);

/* Called once per principal tag; the strings are valid only during the call. */
typedef bool (*iam_identity_tag_fn)(const char *key, const char *value, void *arg);

/*
 * Calls fn for each tag of the principal, for aws:PrincipalTag/<key>: the
 * user's tags, or the role's tags for an assumed-role session (session tags
 * are not supported). Roots and anonymous callers have none. Tag keys are
 * case-insensitive and arrive in the case they were stored with. Returns
 * IAM_OK or IAM_STORE_ERROR.
 */
iam_status iam_identity_store_tags(sqlite3 *db, const iam_identity *who, iam_identity_tag_fn fn,
                                  void *arg);

/*
 * Everything the evaluator needs from the store about one caller: the
 * compiled identity and session policies as an iam_policy_set, and the
 * principal tags. Owns every string and policy it points to. This is what
 * iam_identity_policies_load() (identity_policies.h) is meant to return for
 * users and assumed roles.
 */
typedef struct iam_identity_context {
    /* Pass &set to iam_evaluate(); its arrays point into the fields below. */
    iam_policy_set set;
    iam_policy_ref *policies;
    size_t policy_count;
    iam_policy_ref *session_policies;
    size_t session_count;
    /* Assign to iam_principal.tags and .tag_count. */
    iam_tag *tags;
    size_t tag_count;
} iam_identity_context;

/*
 * Loads and compiles everything iam_identity_store_policies() and
 * iam_identity_store_tags() report for who. set.has_session is true exactly
 * when the session has a session policy. Returns IAM_OK, IAM_STORE_ERROR,
 * or IAM_INVALID when a stored document no longer parses. Callers must
 * deny the request on any error, because a missing Deny would otherwise
 * allow it. Free with iam_identity_context_free(), also after an error.
 */
iam_status iam_identity_context_load(sqlite3 *db, const iam_identity *who,
                                     iam_identity_context *context);
void iam_identity_context_free(iam_identity_context *context);

#endif
