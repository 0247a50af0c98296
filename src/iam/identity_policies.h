/*
 * The identity-based policies that apply to one caller, compiled for the
 * evaluator: for an IAM user its inline and attached policies and those of
 * its groups; for an assumed-role session the role's inline and attached
 * policies plus the session policy; nothing for account roots (they are
 * allowed in their own account by rule) or anonymous callers.
 */
#ifndef OWL_IAM_IDENTITY_POLICIES_H
#define OWL_IAM_IDENTITY_POLICIES_H

#include "aws/call.h"
#include "iam/account.h"
#include "iam/evaluate.h"

typedef struct iam_identity_policies {
    iam_policy_set set;
    /* The caller's tags, for aws:PrincipalTag/KEY. */
    const iam_tag *tags;
    size_t tag_count;
    /* The canonical user ID of the caller's account, for S3 ACL grants. */
    const char *canonical_id;
    /* Storage behind the pointers above; freed by iam_identity_policies_free(). */
    void *storage;
} iam_identity_policies;

/*
 * Loads and compiles the policies of caller from call->store. Returns false
 * when the store cannot be read (logged); out is then empty and safe to free.
 */
bool iam_identity_policies_load(aws_call *call, const iam_identity *caller,
                                iam_identity_policies *out);
void iam_identity_policies_free(iam_identity_policies *policies);

#endif
