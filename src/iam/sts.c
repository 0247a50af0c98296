/*
 * STS operations: GetCallerIdentity.
 */
#include "iam/sts.h"

#include "common/buf.h"
#include "iam/account.h"

#include <string.h>

static const char *const sts_actions[] = {
    "GetCallerIdentity", "AssumeRole", "GetSessionToken", "AssumeRoleWithWebIdentity",
    "AssumeRoleWithSAML", "DecodeAuthorizationMessage", "GetAccessKeyInfo", "GetFederationToken",
};

bool sts_is_action(const char *action)
{
    for (size_t i = 0; i < sizeof sts_actions / sizeof sts_actions[0]; i++)
        if (strcmp(action, sts_actions[i]) == 0)
            return true;
    return false;
}

static void sts_get_caller_identity(aws_call *call)
{
    const iam_identity *identity = call->identity;
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "    <Arn>");
    owl_buf_put_xml_escaped(&xml, identity->arn);
    owl_buf_puts(&xml, "</Arn>\n    <UserId>");
    owl_buf_put_xml_escaped(&xml, identity->user_id);
    owl_buf_puts(&xml, "</UserId>\n    <Account>");
    owl_buf_put_xml_escaped(&xml, identity->account_id);
    owl_buf_puts(&xml, "</Account>\n");
    aws_call_query_result(call, xml.data);
    owl_buf_free(&xml);
}

void sts_handle(aws_call *call)
{
    if (strcmp(call->operation, "GetCallerIdentity") == 0) {
        sts_get_caller_identity(call);
        return;
    }
    aws_call_error(call, 400, "InvalidAction", "Could not find operation %s for version 2011-06-15",
                   call->operation);
}
