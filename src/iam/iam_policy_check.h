/*
 * Policy checks of the IAM API and AssumeRole, on top of the policy parser
 * (policy.h) and evaluator (evaluate.h): accepting a policy document as IAM
 * does, and deciding whether a role's trust policy lets a principal or a
 * service assume the role.
 */
#ifndef OWL_IAM_POLICY_CHECK_H
#define OWL_IAM_POLICY_CHECK_H

#include "iam/account.h"
#include "iam/policy.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum iam_document_result {
    IAM_DOCUMENT_VALID,
    /* Rejected by the parser: IAM returns MalformedPolicyDocument. */
    IAM_DOCUMENT_MALFORMED,
    /* Over the size quota: IAM returns LimitExceeded. */
    IAM_DOCUMENT_TOO_LARGE,
} iam_document_result;

/*
 * Checks a policy document with iam_policy_parse(). kind is
 * IAM_POLICY_IDENTITY for inline, managed and session policies and
 * IAM_POLICY_TRUST for role trust policies. max_size is the quota in
 * non-whitespace characters (0 for none). On rejection err receives IAM's
 * message ("Missing required field Principal.").
 */
iam_document_result iam_policy_document_check(const char *json, iam_policy_kind kind,
                                              size_t max_size, char *err, size_t errlen);

typedef enum iam_trust_result {
    /* No statement allows the caller, or a statement denies it. */
    IAM_TRUST_DENIED,
    /* Allowed, and the allowing statement names the caller's account (its ID or :root ARN). */
    IAM_TRUST_ACCOUNT,
    /* Allowed, and the policy names the caller itself (its ARN or "*") or the service. */
    IAM_TRUST_PRINCIPAL,
} iam_trust_result;

/*
 * Decides whether a role's trust policy alone lets `caller` (an IAM
 * principal) or `service` (a service principal such as
 * "lambda.amazonaws.com"; pass exactly one of the two) perform `action`
 * ("sts:AssumeRole"). external_id, when not NULL, is the sts:ExternalId
 * that conditions see. The caller's own identity policies are not consulted.
 * A document that does not parse denies.
 */
iam_trust_result iam_trust_policy_check(const char *trust_policy, const iam_identity *caller,
                                        const char *service, const char *action,
                                        const char *external_id);

#endif
