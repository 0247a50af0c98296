/*
 * The one authorization call every service handler makes: may the caller of
 * this request perform `action` on this resource? It gathers the caller's
 * identity policies from the store, takes the resource's own policy (bucket
 * policy, function policy) and ACL decision from the service, and asks the
 * policy evaluator. On denial it fills the response with the service's
 * access-denied error, whose message names the principal, the action and the
 * resource the way AWS words it.
 */
#ifndef OWL_IAM_AUTHORIZE_H
#define OWL_IAM_AUTHORIZE_H

#include "aws/call.h"
#include "iam/account.h"
#include "iam/evaluate.h"

#include <stdbool.h>

typedef struct iam_resource {
    /* The resource ARN, e.g. arn:aws:s3:::athena-test/lambda/dataset/x.csv. */
    const char *arn;
    /* The 12-digit account that owns the resource. */
    const char *account_id;
    /* The resource-based policy document (JSON), or NULL when there is none. */
    const char *policy;
    /* Optional ACL check (S3), consulted as part of the resource side. */
    iam_acl_result (*acl_check)(void *arg, const iam_identity *caller, const char *action);
    void *acl_arg;
    /* Service-specific condition keys. */
    const iam_context_key *context;
    size_t context_count;
} iam_resource;

/*
 * Decides whether call->identity may perform action (e.g. "s3:GetObject") on
 * resource. Returns true when allowed. When denied, fills call's response
 * with error `denied_code` (e.g. "AccessDenied", "AccessDeniedException")
 * and HTTP 403, with AWS's message, and returns false.
 */
bool iam_authorize(aws_call *call, const char *action, const iam_resource *resource,
                   const char *denied_code);

#endif
