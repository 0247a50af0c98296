/*
 * IAM API dispatch and the helpers every IAM handler shares: parameter
 * validation worded like IAM's ValidationError, Marker/MaxItems
 * pagination, XML output and entity lookups.
 *
 * Every handler follows the same steps: validate the parameters, authorize
 * the action on the resource ARN with iam_authorize(), act in one
 * transaction, write the result. Limits enforced are in iam_internal.h.
 */
#include "iam/iam_api.h"

#include "common/log.h"
#include "common/util.h"
#include "iam/authorize.h"
#include "iam/iam_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct iam_operation {
    const char *name;
    iam_operation_fn handle;
} iam_operation;

static const iam_operation iam_operations[] = {
    {"CreateUser", iam_op_create_user},
    {"GetUser", iam_op_get_user},
    {"ListUsers", iam_op_list_users},
    {"DeleteUser", iam_op_delete_user},
    {"CreateAccessKey", iam_op_create_access_key},
    {"ListAccessKeys", iam_op_list_access_keys},
    {"UpdateAccessKey", iam_op_update_access_key},
    {"DeleteAccessKey", iam_op_delete_access_key},
    {"TagUser", iam_op_tag_user},
    {"UntagUser", iam_op_untag_user},
    {"ListUserTags", iam_op_list_user_tags},
    {"TagRole", iam_op_tag_role},
    {"UntagRole", iam_op_untag_role},
    {"ListRoleTags", iam_op_list_role_tags},
    {"CreateGroup", iam_op_create_group},
    {"GetGroup", iam_op_get_group},
    {"ListGroups", iam_op_list_groups},
    {"DeleteGroup", iam_op_delete_group},
    {"AddUserToGroup", iam_op_add_user_to_group},
    {"RemoveUserFromGroup", iam_op_remove_user_from_group},
    {"ListGroupsForUser", iam_op_list_groups_for_user},
    {"CreateRole", iam_op_create_role},
    {"GetRole", iam_op_get_role},
    {"ListRoles", iam_op_list_roles},
    {"DeleteRole", iam_op_delete_role},
    {"UpdateAssumeRolePolicy", iam_op_update_assume_role_policy},
    {"PutUserPolicy", iam_op_put_user_policy},
    {"GetUserPolicy", iam_op_get_user_policy},
    {"DeleteUserPolicy", iam_op_delete_user_policy},
    {"ListUserPolicies", iam_op_list_user_policies},
    {"PutGroupPolicy", iam_op_put_group_policy},
    {"GetGroupPolicy", iam_op_get_group_policy},
    {"DeleteGroupPolicy", iam_op_delete_group_policy},
    {"ListGroupPolicies", iam_op_list_group_policies},
    {"PutRolePolicy", iam_op_put_role_policy},
    {"GetRolePolicy", iam_op_get_role_policy},
    {"DeleteRolePolicy", iam_op_delete_role_policy},
    {"ListRolePolicies", iam_op_list_role_policies},
    {"CreatePolicy", iam_op_create_policy},
    {"GetPolicy", iam_op_get_policy},
    {"DeletePolicy", iam_op_delete_policy},
    {"ListPolicies", iam_op_list_policies},
    {"CreatePolicyVersion", iam_op_create_policy_version},
    {"GetPolicyVersion", iam_op_get_policy_version},
    {"DeletePolicyVersion", iam_op_delete_policy_version},
    {"ListPolicyVersions", iam_op_list_policy_versions},
    {"SetDefaultPolicyVersion", iam_op_set_default_policy_version},
    {"AttachUserPolicy", iam_op_attach_user_policy},
    {"DetachUserPolicy", iam_op_detach_user_policy},
    {"ListAttachedUserPolicies", iam_op_list_attached_user_policies},
    {"AttachGroupPolicy", iam_op_attach_group_policy},
    {"DetachGroupPolicy", iam_op_detach_group_policy},
    {"ListAttachedGroupPolicies", iam_op_list_attached_group_policies},
    {"AttachRolePolicy", iam_op_attach_role_policy},
    {"DetachRolePolicy", iam_op_detach_role_policy},
    {"ListAttachedRolePolicies", iam_op_list_attached_role_policies},
};

void iam_handle(aws_call *call)
{
    const iam_operation *operation = NULL;
    for (size_t i = 0; i < sizeof iam_operations / sizeof iam_operations[0]; i++)
        if (strcmp(iam_operations[i].name, call->operation) == 0)
            operation = &iam_operations[i];
    if (!operation) {
        aws_call_error(call, 400, "InvalidAction",
                       "Could not find operation %s for version 2010-05-08", call->operation);
        return;
    }

    iam_api_request request = {
        .call = call,
        .db = owl_store_acquire(call->store),
        .account_id = call->identity->account_id,
    };
    operation->handle(&request);
    owl_store_release(call->store, request.db);
}

/* ---- Parameters and validation ---- */

const char *iam_param(const iam_api_request *request, const char *name)
{
    return aws_form_get(&request->call->form, name);
}

static bool is_word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool iam_name_valid(const char *name)
{
    if (!*name)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (!is_word_char(*p) && !strchr("+=,.@-", *p))
            return false;
    return true;
}

static bool path_chars_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x21 || *p > 0x7f)
            return false;
    return true;
}

bool iam_path_valid(const char *path)
{
    size_t n = strlen(path);
    if (n == 1)
        return path[0] == '/';
    return n >= 3 && path[0] == '/' && path[n - 1] == '/' && path_chars_valid(path);
}

static bool tag_chars_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80 && !is_word_char(*p) && !strchr(" .:/=+-@", *p))
            return false;
    return true;
}

static void validation_add(iam_validation *v, const char *value, const char *member,
                           const char *constraint)
{
    if (v->count++)
        owl_buf_puts(&v->messages, "; ");
    if (value)
        owl_buf_printf(&v->messages, "Value '%s' at '%s' failed to satisfy constraint: %s", value,
                       member, constraint);
    else
        owl_buf_printf(&v->messages, "Value null at '%s' failed to satisfy constraint: %s", member,
                       constraint);
}

void iam_validate(iam_validation *v, const char *value, const char *member, bool required,
                  size_t min, size_t max, iam_name_kind kind)
{
    if (!value) {
        if (required)
            validation_add(v, NULL, member, "Member must not be null");
        return;
    }
    size_t n = strlen(value);
    char constraint[128];
    if (n < min) {
        snprintf(constraint, sizeof constraint,
                 "Member must have length greater than or equal to %zu", min);
        validation_add(v, value, member, constraint);
    }
    if (n > max) {
        snprintf(constraint, sizeof constraint, "Member must have length less than or equal to %zu",
                 max);
        validation_add(v, value, member, constraint);
    }
    if (n == 0)
        return;
    switch (kind) {
    case IAM_NAME_ANY:
        break;
    case IAM_NAME_ENTITY:
    case IAM_NAME_SESSION:
        if (!iam_name_valid(value))
            validation_add(v, value, member,
                           kind == IAM_NAME_ENTITY
                               ? "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
                               : "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
        break;
    case IAM_NAME_PATH:
        if (!iam_path_valid(value))
            validation_add(v, value, member,
                           "Member must satisfy regular expression pattern: "
                           "(\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)");
        break;
    case IAM_NAME_TAG:
        if (!tag_chars_valid(value))
            validation_add(v, value, member,
                           "Member must satisfy regular expression pattern: "
                           "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
        break;
    case IAM_NAME_PATH_PREFIX:
        if (value[0] != '/' || !path_chars_valid(value))
            validation_add(v, value, member,
                           "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
        break;
    }
}

bool iam_validation_failed(iam_api_request *request, iam_validation *v)
{
    bool failed = v->count > 0;
    if (failed)
        aws_call_error(request->call, 400, "ValidationError", "%d validation error%s detected: %s",
                       v->count, v->count == 1 ? "" : "s", v->messages.data);
    owl_buf_free(&v->messages);
    v->count = 0;
    return failed;
}

bool iam_document_param(iam_api_request *request, const char *document, const char *member,
                        iam_policy_kind kind, size_t max_size, const char *quota_message)
{
    iam_validation v = {0};
    if (!document || strlen(document) > 131072)
        iam_validate(&v, document, member, true, 1, 131072, IAM_NAME_ANY);
    if (iam_validation_failed(request, &v))
        return false;

    char err[256];
    switch (iam_policy_document_check(document, kind, max_size, err, sizeof err)) {
    case IAM_DOCUMENT_VALID:
        return true;
    case IAM_DOCUMENT_TOO_LARGE:
        aws_call_error(request->call, 409, "LimitExceeded", "%s", quota_message ? quota_message : err);
        return false;
    case IAM_DOCUMENT_MALFORMED:
        break;
    }
    aws_call_error(request->call, 400, "MalformedPolicyDocument", "%s", err);
    return false;
}

/* ---- Pagination ---- */

bool iam_page_init(iam_api_request *request, iam_page *page)
{
    memset(page, 0, sizeof *page);
    page->max_items = 100;
    page->marker = iam_param(request, "Marker");
    const char *max_items = iam_param(request, "MaxItems");
    if (max_items) {
        char *end;
        long value = strtol(max_items, &end, 10);
        if (*max_items == '\0' || *end != '\0' || value < 1 || value > 1000) {
            aws_call_error(request->call, 400, "ValidationError",
                           "1 validation error detected: Value '%s' at 'maxItems' failed to "
                           "satisfy constraint: Member must have value between 1 and 1000",
                           max_items);
            return false;
        }
        page->max_items = value;
    }
    if (page->marker && page->marker[0] == '\0') {
        aws_call_error(request->call, 400, "ValidationError",
                       "1 validation error detected: Value '' at 'marker' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 1");
        return false;
    }
    return true;
}

bool iam_page_take(iam_page *page, const char *key)
{
    if (page->truncated)
        return false;
    if (page->marker && strcmp(key, page->marker) < 0)
        return false;
    if (page->emitted == page->max_items) {
        page->truncated = true;
        snprintf(page->next_marker, sizeof page->next_marker, "%s", key);
        return false;
    }
    page->emitted++;
    return true;
}

void iam_page_finish(const iam_page *page, owl_buf *xml)
{
    iam_xml_text(xml, "IsTruncated", page->truncated ? "true" : "false");
    if (page->truncated)
        iam_xml_text(xml, "Marker", page->next_marker);
}

/* ---- Output ---- */

void iam_xml_text(owl_buf *xml, const char *tag, const char *value)
{
    owl_buf_printf(xml, "<%s>", tag);
    owl_buf_put_xml_escaped(xml, value ? value : "");
    owl_buf_printf(xml, "</%s>", tag);
}

void iam_xml_time(owl_buf *xml, const char *tag, int64_t unix_seconds)
{
    char text[21];
    owl_time_iso8601((time_t)unix_seconds, text);
    iam_xml_text(xml, tag, text);
}

void iam_xml_document(owl_buf *xml, const char *tag, const char *json)
{
    static const char hex[] = "0123456789ABCDEF";
    owl_buf encoded = OWL_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)json; *p; p++) {
        if (is_word_char(*p) || *p == '-' || *p == '.' || *p == '~') {
            owl_buf_putc(&encoded, (char)*p);
        } else {
            owl_buf_putc(&encoded, '%');
            owl_buf_putc(&encoded, hex[*p >> 4]);
            owl_buf_putc(&encoded, hex[*p & 15]);
        }
    }
    iam_xml_text(xml, tag, encoded.data);
    owl_buf_free(&encoded);
}

/* ---- Errors, authorization, ids ---- */

void iam_store_failure(iam_api_request *request, const char *step)
{
    char error[256];
    owl_log_error("event=iam_store_error request_id=%s operation=%s account=%s step=\"%s\" error=%s",
                  request->call->req->request_id, request->call->operation, request->account_id,
                  step, owl_log_quote(error, sizeof error, sqlite3_errmsg(request->db)));
    aws_call_error(request->call, 500, "ServiceFailure",
                   "The state database failed to %s. Retry the request.", step);
}

bool iam_authorize_action(iam_api_request *request, const char *action, const char *resource_arn)
{
    iam_resource resource = {.arn = resource_arn, .account_id = request->account_id};
    return iam_authorize(request->call, action, &resource, "AccessDenied");
}

void iam_unique_id(const char *prefix, char out[IAM_UNIQUE_ID_LEN + 1])
{
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    owl_random_string(out + n, IAM_UNIQUE_ID_LEN - n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
}

int iam_exec(iam_api_request *request, const char *sql, int nparams, const char *const *params)
{
    int rc = owl_store_begin(request->db);
    if (rc != SQLITE_OK)
        return rc;
    rc = owl_store_exec(request->db, sql, nparams, params);
    if (rc == SQLITE_OK)
        rc = owl_store_commit(request->db);
    if (rc != SQLITE_OK)
        owl_store_rollback(request->db);
    return rc;
}

/* ---- Entities ---- */

const char *iam_kind_name(iam_principal_kind kind)
{
    switch (kind) {
    case IAM_KIND_USER:
        return "user";
    case IAM_KIND_GROUP:
        return "group";
    case IAM_KIND_ROLE:
        return "role";
    }
    return "user";
}

void iam_entity_arn(const char *account_id, iam_principal_kind kind, const char *path,
                    const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "arn:aws:iam::%s:%s%s%s", account_id, iam_kind_name(kind),
             path ? path : "/", name);
}

iam_status iam_entity_get(sqlite3 *db, const char *account_id, iam_principal_kind kind,
                          const char *name, iam_entity *entity)
{
    static const char *const queries[] = {
        [IAM_KIND_USER] = "SELECT user_name, user_id, path, created_at, NULL, NULL, 0"
                          " FROM iam_users WHERE account_id = ? AND user_name = ?",
        [IAM_KIND_GROUP] = "SELECT group_name, group_id, path, created_at, NULL, NULL, 0"
                           " FROM iam_groups WHERE account_id = ? AND group_name = ?",
        [IAM_KIND_ROLE] = "SELECT role_name, role_id, path, created_at, trust_policy, description,"
                          " max_session_duration FROM iam_roles"
                          " WHERE account_id = ? AND role_name = ?",
    };
    memset(entity, 0, sizeof *entity);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, queries[kind], -1, &stmt, NULL) != SQLITE_OK)
        return IAM_STORE_ERROR;
    sqlite3_bind_text(stmt, 1, account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        snprintf(entity->name, sizeof entity->name, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(entity->id, sizeof entity->id, "%s", (const char *)sqlite3_column_text(stmt, 1));
        snprintf(entity->path, sizeof entity->path, "%s", (const char *)sqlite3_column_text(stmt, 2));
        entity->created_at = sqlite3_column_int64(stmt, 3);
        const char *trust = (const char *)sqlite3_column_text(stmt, 4);
        if (trust && !(entity->trust_policy = strdup(trust)))
            abort();
        const char *description = (const char *)sqlite3_column_text(stmt, 5);
        snprintf(entity->description, sizeof entity->description, "%s",
                 description ? description : "");
        entity->max_session_duration = sqlite3_column_int(stmt, 6);
        iam_entity_arn(account_id, kind, entity->path, entity->name, entity->arn, sizeof entity->arn);
    }
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW)
        return IAM_OK;
    return rc == SQLITE_DONE ? IAM_NOT_FOUND : IAM_STORE_ERROR;
}

void iam_entity_clear(iam_entity *entity)
{
    free(entity->trust_policy);
    entity->trust_policy = NULL;
}

bool iam_entity_require(iam_api_request *request, iam_principal_kind kind, const char *name,
                        iam_entity *entity)
{
    iam_status status = iam_entity_get(request->db, request->account_id, kind, name, entity);
    if (status == IAM_OK)
        return true;
    if (status == IAM_NOT_FOUND)
        aws_call_error(request->call, 404, "NoSuchEntity", "The %s with name %s cannot be found.",
                       iam_kind_name(kind), name);
    else
        iam_store_failure(request, "read an IAM entity");
    return false;
}
