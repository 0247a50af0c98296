/*
 * Authorization entry point for every service: turns the caller of an
 * aws_call into an evaluator request, gathers the caller's identity
 * policies, compiles the resource's policy, asks iam_evaluate() and, on a
 * denial, answers with the service's access-denied error. See authorize.h.
 */
#include "iam/authorize.h"

#include "common/log.h"
#include "common/util.h"
#include "iam/identity_policies.h"
#include "iam/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fixed condition keys every request carries, besides the service's own. */
#define AUTHORIZE_FIXED_KEYS 4

/* What the ACL adapter needs to call the service's ACL check. */
typedef struct acl_adapter {
    const iam_resource *resource;
    const iam_identity *caller;
} acl_adapter;

static iam_acl_result acl_adapter_check(const iam_request *request, void *arg)
{
    const acl_adapter *adapter = arg;
    return adapter->resource->acl_check(adapter->resource->acl_arg, adapter->caller,
                                        request->action);
}

static void principal_from_identity(const iam_identity *identity, const char *canonical_id,
                                    iam_principal *principal)
{
    memset(principal, 0, sizeof *principal);
    principal->type = identity->type;
    if (identity->type == IAM_PRINCIPAL_ANONYMOUS)
        return;
    principal->account = identity->account_id;
    principal->arn = identity->arn;
    principal->user_id = identity->user_id[0] ? identity->user_id : NULL;
    principal->user_name = identity->user_name[0] ? identity->user_name : NULL;
    principal->role_arn = identity->role_arn[0] ? identity->role_arn : NULL;
    principal->canonical_id = canonical_id;
}

/* Logs the denial with what decided it, so an operator can see why without the client. */
static void log_denial(const aws_call *call, const char *action, const char *resource,
                       const iam_decision *decision)
{
    char arn[300], resource_quoted[300], policy[300];
    owl_log_info("event=access_denied request_id=%s principal=%s action=%s resource=%s reason=%s "
                 "policy=%s statement=%d",
                 call->req->request_id, owl_log_quote(arn, sizeof arn, call->identity->arn), action,
                 owl_log_quote(resource_quoted, sizeof resource_quoted, resource),
                 iam_reason_name(decision->reason),
                 owl_log_quote(policy, sizeof policy, decision->policy), decision->statement);
}

bool iam_authorize(aws_call *call, const char *action, const iam_resource *resource,
                   const char *denied_code)
{
    const iam_identity *caller = call->identity;

    iam_identity_policies identity_policies;
    if (!iam_identity_policies_load(call, caller, &identity_policies)) {
        aws_call_error(call, 500, call->protocol == AWS_PROTOCOL_REST_XML ? "InternalError"
                                                                          : "InternalFailure",
                       "The identity policies of %s could not be read; try again", caller->arn);
        return false;
    }

    iam_policy *resource_policy = NULL;
    if (resource->policy) {
        iam_policy_error error;
        if (iam_policy_parse(resource->policy, strlen(resource->policy), IAM_POLICY_RESOURCE, 0,
                             &resource_policy, &error) != 0) {
            /* Policies are validated when stored; one that fails now grants nothing. */
            char message[300], quoted[340];
            iam_policy_error_format(&error, message, sizeof message);
            owl_log_error("event=resource_policy_invalid request_id=%s resource=%s error=%s",
                          call->req->request_id, resource->arn,
                          owl_log_quote(quoted, sizeof quoted, message));
            resource_policy = NULL;
        }
    }

    /* Condition keys: the request's own, then the service's. */
    char now_iso[21], now_epoch[24];
    time_t now = time(NULL);
    owl_time_iso8601(now, now_iso);
    snprintf(now_epoch, sizeof now_epoch, "%lld", (long long)now);
    const char *source_ip = call->req->remote_addr[0] ? call->req->remote_addr : "127.0.0.1";
    const char *secure = "false";
    size_t key_count = AUTHORIZE_FIXED_KEYS + resource->context_count;
    iam_context_key *keys = calloc(key_count, sizeof *keys);
    if (!keys)
        abort();
    keys[0] = (iam_context_key){"aws:CurrentTime", (const char *const[]){now_iso}, 1};
    keys[1] = (iam_context_key){"aws:EpochTime", (const char *const[]){now_epoch}, 1};
    keys[2] = (iam_context_key){"aws:SourceIp", (const char *const[]){source_ip}, 1};
    keys[3] = (iam_context_key){"aws:SecureTransport", (const char *const[]){secure}, 1};
    for (size_t i = 0; i < resource->context_count; i++)
        keys[AUTHORIZE_FIXED_KEYS + i] = resource->context[i];

    acl_adapter adapter = {resource, caller};
    iam_request request;
    memset(&request, 0, sizeof request);
    principal_from_identity(caller, identity_policies.canonical_id, &request.principal);
    request.principal.tags = identity_policies.tags;
    request.principal.tag_count = identity_policies.tag_count;
    request.action = action;
    request.resource = resource->arn;
    request.resource_account = resource->account_id;
    request.context = keys;
    request.context_count = key_count;
    if (resource->acl_check) {
        request.acl = acl_adapter_check;
        request.acl_arg = &adapter;
    }

    iam_decision decision =
        iam_evaluate(&request, &identity_policies.set, resource_policy, resource->arn);
    bool allowed = decision.effect == IAM_ALLOW;
    if (!allowed) {
        char message[2048];
        iam_decision_message(&request, &decision, message, sizeof message);
        log_denial(call, action, resource->arn, &decision);
        aws_call_error(call, 403, denied_code, "%s", message);
    }

    free(keys);
    iam_policy_free(resource_policy);
    iam_identity_policies_free(&identity_policies);
    return allowed;
}
