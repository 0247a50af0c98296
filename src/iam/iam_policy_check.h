/*
 * Interim policy checks, until the policy parser and evaluator
 * (iam/policy.h, iam/evaluate.h) replace the bodies of these functions:
 * a JSON syntax and shape check of policy documents, and a minimal reading
 * of role trust policies for AssumeRole.
 */
#ifndef OWL_IAM_POLICY_CHECK_H
#define OWL_IAM_POLICY_CHECK_H

#include "iam/account.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum iam_policy_kind {
    /* Identity policies, inline and managed: no Principal, Resource required. */
    IAM_POLICY_IDENTITY,
    /* Role trust policies: Principal required, no Resource. */
    IAM_POLICY_TRUST,
    /* Session policies passed to AssumeRole: checked like identity policies. */
    IAM_POLICY_SESSION,
} iam_policy_kind;

/*
 * Checks a policy document's JSON syntax and basic shape: an object with
 * Version "2012-10-17" or "2008-10-17" (when present) and a Statement
 * (object or non-empty list) whose entries have Effect Allow or Deny,
 * Action or NotAction, and Resource/NotResource and Principal as `kind`
 * requires. Returns true when acceptable; otherwise writes IAM's
 * MalformedPolicyDocument message to err.
 */
bool iam_policy_document_check(const char *json, iam_policy_kind kind, char *err, size_t errlen);

typedef enum iam_trust_result {
    /* No statement allows the caller, or a statement denies it. */
    IAM_TRUST_DENIED,
    /* Allowed because the policy names the caller's account ("123456789012" or its :root ARN). */
    IAM_TRUST_ACCOUNT,
    /* Allowed because the policy names the caller itself (its ARN, or "*"), or the service. */
    IAM_TRUST_PRINCIPAL,
} iam_trust_result;

/*
 * Decides whether a role's trust policy lets `caller` (an IAM principal) or
 * `service` (a service principal such as "lambda.amazonaws.com"; pass
 * exactly one of the two) perform `action` ("sts:AssumeRole"). Statements
 * with a Condition are skipped when they allow and applied when they deny,
 * because conditions are not evaluated yet.
 */
iam_trust_result iam_trust_policy_check(const char *trust_policy, const iam_identity *caller,
                                        const char *service, const char *action);

#endif
