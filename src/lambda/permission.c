/*
 * AddPermission, GetPolicy and RemovePermission: the function's resource
 * policy, stored per version ($LATEST or a number) with the row. Every
 * change gives the version a new RevisionId, which GetPolicy returns and
 * AddPermission and RemovePermission accept as a precondition.
 */
#include "lambda/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Loads the version ref names inside a write transaction and authorizes
 * action on it. Returns false after an error reply.
 */
static bool load_for_write(aws_call *call, sqlite3 *db, const char *action, const lambda_ref *ref,
                           lambda_function *fn)
{
    if (owl_store_begin(db) != SQLITE_OK) {
        lambda_api_store_failed(call);
        return false;
    }
    lambda_store_status status = lambda_api_load(call, db, ref, fn);
    if (status == LAMBDA_STORE_ERROR)
        return false;
    if (!lambda_api_authorize(call, action, ref, status == LAMBDA_STORE_OK ? fn : NULL))
        return false;
    if (status == LAMBDA_STORE_NOT_FOUND) {
        lambda_api_not_found(call, ref);
        return false;
    }
    return true;
}

static bool revision_precondition(aws_call *call, const lambda_function *fn, const char *revision_id)
{
    if (!revision_id)
        return true;
    const char *current = json_string_value(json_object_get(fn->config, "RevisionId"));
    if (current && strcmp(current, revision_id) == 0)
        return true;
    aws_call_error(call, 412, "PreconditionFailedException",
                   "The Revision Id provided does not match the latest Revision Id. Call the "
                   "GetFunction/GetAlias API to retrieve the latest Revision Id");
    return false;
}

/* Stores fn's new policy (NULL removes it) with a new RevisionId and commits. */
static bool store_policy(aws_call *call, sqlite3 *db, lambda_function *fn, char *policy)
{
    free(fn->policy);
    fn->policy = policy;
    lambda_api_touch(fn->config, false);
    if (lambda_function_update(db, fn) != LAMBDA_STORE_OK || owl_store_commit(db) != SQLITE_OK) {
        lambda_api_store_failed(call);
        return false;
    }
    return true;
}

static const char *member(json_t *body, const char *key)
{
    return json_string_value(json_object_get(body, key));
}

void lambda_add_permission(aws_call *call, const char *name)
{
    json_t *body = NULL;
    lambda_ref ref;
    if (!lambda_api_resolve(call, name, aws_form_get(&call->form, "Qualifier"), &ref))
        return;
    json_error_t error;
    body = json_loadb(call->req->body.data ? call->req->body.data : "", call->req->body.len, 0,
                      &error);
    if (!json_is_object(body)) {
        json_decref(body);
        aws_call_error(call, 400, "InvalidRequestContentException",
                       "Could not parse request body into json: %s", error.text);
        return;
    }

    sqlite3 *db = owl_store_acquire(call->store);
    lambda_function fn = {0};
    json_t *statement = NULL;
    if (!load_for_write(call, db, "lambda:AddPermission", &ref, &fn))
        goto out;
    if (!revision_precondition(call, &fn, member(body, "RevisionId")))
        goto out;

    char resource[256];
    lambda_function_arn(resource, sizeof resource, ref.region, ref.account_id, ref.name,
                        ref.qualifier);
    lambda_permission perm = {
        .statement_id = member(body, "StatementId"),
        .action = member(body, "Action"),
        .principal = member(body, "Principal"),
        .source_arn = member(body, "SourceArn"),
        .source_account = member(body, "SourceAccount"),
        .principal_org_id = member(body, "PrincipalOrgID"),
        .event_source_token = member(body, "EventSourceToken"),
        .resource = resource,
    };
    char err[512];
    statement = lambda_policy_statement(&perm, err, sizeof err);
    if (!statement) {
        aws_call_error(call, 400,
                       strncmp(err, "1 validation", 12) == 0 ? "ValidationException"
                                                              : "InvalidParameterValueException",
                       "%s", err);
        goto out;
    }

    char *policy = NULL;
    size_t size = 0;
    switch (lambda_policy_add(fn.policy, statement, &policy, &size)) {
    case LAMBDA_POLICY_OK:
        break;
    case LAMBDA_POLICY_DUPLICATE:
        aws_call_error(call, 409, "ResourceConflictException",
                       "The statement id (%s) provided already exists. Please provide a new "
                       "statement id, or remove the existing statement.",
                       perm.statement_id);
        goto out;
    case LAMBDA_POLICY_TOO_LARGE:
        aws_call_error(call, 400, "PolicyLengthExceededException",
                       "The final policy size (%zu) is bigger than the limit (%d).", size,
                       LAMBDA_POLICY_MAX);
        goto out;
    default:
        lambda_api_store_failed(call);
        goto out;
    }
    if (!store_policy(call, db, &fn, policy))
        goto out;

    char *text = json_dumps(statement, JSON_COMPACT);
    if (!text)
        abort();
    aws_call_json_result(call, 201, json_pack("{s:s}", "Statement", text));
    free(text);
out:
    owl_store_rollback(db);
    owl_store_release(call->store, db);
    json_decref(statement);
    lambda_function_free(&fn);
    json_decref(body);
}

void lambda_get_policy(aws_call *call, const char *name)
{
    lambda_ref ref;
    lambda_function fn;
    if (!lambda_api_load_for_read(call, name, "lambda:GetPolicy", &ref, &fn))
        return;
    if (!fn.policy) {
        aws_call_error(call, 404, "ResourceNotFoundException",
                       "The resource you requested does not exist.");
    } else {
        const char *revision = json_string_value(json_object_get(fn.config, "RevisionId"));
        aws_call_json_result(call, 200, json_pack("{s:s, s:s}", "Policy", fn.policy,
                                                  "RevisionId", revision ? revision : ""));
    }
    lambda_function_free(&fn);
}

void lambda_remove_permission(aws_call *call, const char *name, const char *statement_id)
{
    lambda_ref ref;
    if (!lambda_api_resolve(call, name, aws_form_get(&call->form, "Qualifier"), &ref))
        return;
    sqlite3 *db = owl_store_acquire(call->store);
    lambda_function fn = {0};
    if (!load_for_write(call, db, "lambda:RemovePermission", &ref, &fn))
        goto out;
    if (!revision_precondition(call, &fn, aws_form_get(&call->form, "RevisionId")))
        goto out;
    if (!fn.policy) {
        aws_call_error(call, 404, "ResourceNotFoundException",
                       "No policy is associated with the given resource.");
        goto out;
    }
    char *policy = NULL;
    if (lambda_policy_remove(fn.policy, statement_id, &policy) != LAMBDA_POLICY_OK) {
        aws_call_error(call, 404, "ResourceNotFoundException",
                       "Statement %.100s is not found in resource policy.", statement_id);
        goto out;
    }
    if (!store_policy(call, db, &fn, policy))
        goto out;
    http_response_set_body(call->resp, 204, NULL, "", 0);
out:
    owl_store_rollback(db);
    owl_store_release(call->store, db);
    lambda_function_free(&fn);
}
