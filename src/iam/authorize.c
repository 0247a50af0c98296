/*
 * Authorization entry point for every service. See authorize.h.
 */
#include "iam/authorize.h"

#include <string.h>

bool iam_authorize(aws_call *call, const char *action, const iam_resource *resource,
                   const char *denied_code)
{
    const iam_identity *caller = call->identity;
    /* TODO: evaluate identity, resource and ACL policies; until then only account roots
     * acting in their own account are allowed. */
    if (caller->type == IAM_PRINCIPAL_ROOT && strcmp(caller->account_id, resource->account_id) == 0)
        return true;
    aws_call_error(call, 403, denied_code,
                   "User: %s is not authorized to perform: %s on resource: %s because no "
                   "identity-based policy allows the %s action",
                   caller->arn[0] ? caller->arn : "anonymous", action, resource->arn, action);
    return false;
}
