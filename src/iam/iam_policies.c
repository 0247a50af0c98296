/*
 * IAM policies: inline policies of users, groups and roles, customer
 * managed policies with their versions, the read-only AWS managed policies
 * (managed_policies.h), and attachments of managed policies.
 *
 * The limits are IAM's defaults. A managed policy keeps at most
 * IAM_POLICY_VERSIONS_MAX versions, and a user, group or role has at most
 * IAM_ATTACHED_POLICIES_MAX attached policies. A managed policy can be
 * deleted only when nothing is attached to it and only its default version
 * is left. Documents are stored as sent and returned percent-encoded.
 */
#include "iam/iam_internal.h"
#include "iam/managed_policies.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The per-kind names that parameters, XML elements and messages use. */
typedef struct kind_names {
    const char *param;   /* "UserName" */
    const char *member;  /* "userName" */
    size_t max_length;
    const char *quota;   /* "PoliciesPerUser" */
    size_t inline_size_max;
} kind_names;

static const kind_names names_of[] = {
    [IAM_KIND_USER] = {"UserName", "userName", 128, "PoliciesPerUser", IAM_USER_POLICY_SIZE_MAX},
    [IAM_KIND_GROUP] = {"GroupName", "groupName", 128, "PoliciesPerGroup", IAM_GROUP_POLICY_SIZE_MAX},
    [IAM_KIND_ROLE] = {"RoleName", "roleName", 64, "PoliciesPerRole", IAM_ROLE_POLICY_SIZE_MAX},
};

/* Reads and validates the entity name parameter, then looks the entity up. */
static bool principal_param(iam_api_request *request, iam_principal_kind kind, iam_validation *v,
                            iam_entity *entity)
{
    const char *name = iam_param(request, names_of[kind].param);
    iam_validate(v, name, names_of[kind].member, true, 1, names_of[kind].max_length,
                 IAM_NAME_ENTITY);
    if (iam_validation_failed(request, v))
        return false;
    bool found = iam_entity_require(request, kind, name, entity);
    iam_entity_clear(entity);
    return found;
}

/* ---- Inline policies ---- */

static void put_inline_policy(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    const char *policy_name = iam_param(request, "PolicyName");
    const char *document = iam_param(request, "PolicyDocument");
    iam_validation v = {0};
    iam_validate(&v, policy_name, "policyName", true, 1, 128, IAM_NAME_ENTITY);
    iam_entity entity;
    if (!principal_param(request, kind, &v, &entity))
        return;
    char quota_message[256];
    snprintf(quota_message, sizeof quota_message, "Maximum policy size of %zu bytes exceeded for %s %s",
             names_of[kind].inline_size_max, iam_kind_name(kind), entity.name);
    if (!iam_document_param(request, document, "policyDocument", IAM_POLICY_IDENTITY,
                            names_of[kind].inline_size_max, quota_message) ||
        !iam_authorize_action(request, action, entity.arn))
        return;
    const char *params[] = {request->account_id, iam_kind_name(kind), entity.name, policy_name,
                            document};
    if (iam_exec(request,
                 "INSERT INTO iam_inline_policies(account_id, principal_kind, principal_name,"
                 " policy_name, document) VALUES (?, ?, ?, ?, ?)"
                 " ON CONFLICT DO UPDATE SET document = excluded.document",
                 5, params) != SQLITE_OK) {
        iam_store_failure(request, "store the inline policy");
        return;
    }
    aws_call_query_result(request->call, "");
}

static void get_inline_policy(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    const char *policy_name = iam_param(request, "PolicyName");
    iam_validation v = {0};
    iam_validate(&v, policy_name, "policyName", true, 1, 128, IAM_NAME_ENTITY);
    iam_entity entity;
    if (!principal_param(request, kind, &v, &entity) ||
        !iam_authorize_action(request, action, entity.arn))
        return;

    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT policy_name, document FROM iam_inline_policies"
                           " WHERE account_id = ? AND principal_kind = ? AND principal_name = ?"
                           " AND policy_name = ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "read the inline policy");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, iam_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, entity.name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, policy_name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        owl_buf xml = OWL_BUF_INIT;
        iam_xml_text(&xml, names_of[kind].param, entity.name);
        iam_xml_text(&xml, "PolicyName", (const char *)sqlite3_column_text(stmt, 0));
        iam_xml_document(&xml, "PolicyDocument", (const char *)sqlite3_column_text(stmt, 1));
        aws_call_query_result(request->call, xml.data);
        owl_buf_free(&xml);
    } else if (rc == SQLITE_DONE) {
        aws_call_error(request->call, 404, "NoSuchEntity",
                       "The %s policy with name %s cannot be found.", iam_kind_name(kind),
                       policy_name);
    } else {
        iam_store_failure(request, "read the inline policy");
    }
    sqlite3_finalize(stmt);
}

static void delete_inline_policy(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    const char *policy_name = iam_param(request, "PolicyName");
    iam_validation v = {0};
    iam_validate(&v, policy_name, "policyName", true, 1, 128, IAM_NAME_ENTITY);
    iam_entity entity;
    if (!principal_param(request, kind, &v, &entity) ||
        !iam_authorize_action(request, action, entity.arn))
        return;
    const char *params[] = {request->account_id, iam_kind_name(kind), entity.name, policy_name};
    if (iam_exec(request,
                 "DELETE FROM iam_inline_policies WHERE account_id = ? AND principal_kind = ?"
                 " AND principal_name = ? AND policy_name = ?",
                 4, params) != SQLITE_OK) {
        iam_store_failure(request, "delete the inline policy");
        return;
    }
    if (sqlite3_changes(request->db) == 0) {
        aws_call_error(request->call, 404, "NoSuchEntity",
                       "The %s policy with name %s cannot be found.", iam_kind_name(kind),
                       policy_name);
        return;
    }
    aws_call_query_result(request->call, "");
}

static void list_inline_policies(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    iam_validation v = {0};
    iam_entity entity;
    iam_page page;
    if (!iam_page_init(request, &page) || !principal_param(request, kind, &v, &entity) ||
        !iam_authorize_action(request, action, entity.arn))
        return;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT policy_name FROM iam_inline_policies WHERE account_id = ?"
                           " AND principal_kind = ? AND principal_name = ?"
                           " ORDER BY policy_name COLLATE BINARY",
                           -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "list inline policies");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, iam_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, entity.name, -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<PolicyNames>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        if (iam_page_take(&page, name))
            iam_xml_text(&xml, "member", name);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list inline policies");
        return;
    }
    owl_buf_puts(&xml, "</PolicyNames>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_put_user_policy(iam_api_request *r) { put_inline_policy(r, IAM_KIND_USER, "iam:PutUserPolicy"); }
void iam_op_get_user_policy(iam_api_request *r) { get_inline_policy(r, IAM_KIND_USER, "iam:GetUserPolicy"); }
void iam_op_delete_user_policy(iam_api_request *r) { delete_inline_policy(r, IAM_KIND_USER, "iam:DeleteUserPolicy"); }
void iam_op_list_user_policies(iam_api_request *r) { list_inline_policies(r, IAM_KIND_USER, "iam:ListUserPolicies"); }
void iam_op_put_group_policy(iam_api_request *r) { put_inline_policy(r, IAM_KIND_GROUP, "iam:PutGroupPolicy"); }
void iam_op_get_group_policy(iam_api_request *r) { get_inline_policy(r, IAM_KIND_GROUP, "iam:GetGroupPolicy"); }
void iam_op_delete_group_policy(iam_api_request *r) { delete_inline_policy(r, IAM_KIND_GROUP, "iam:DeleteGroupPolicy"); }
void iam_op_list_group_policies(iam_api_request *r) { list_inline_policies(r, IAM_KIND_GROUP, "iam:ListGroupPolicies"); }
void iam_op_put_role_policy(iam_api_request *r) { put_inline_policy(r, IAM_KIND_ROLE, "iam:PutRolePolicy"); }
void iam_op_get_role_policy(iam_api_request *r) { get_inline_policy(r, IAM_KIND_ROLE, "iam:GetRolePolicy"); }
void iam_op_delete_role_policy(iam_api_request *r) { delete_inline_policy(r, IAM_KIND_ROLE, "iam:DeleteRolePolicy"); }
void iam_op_list_role_policies(iam_api_request *r) { list_inline_policies(r, IAM_KIND_ROLE, "iam:ListRolePolicies"); }

/* ---- Managed policies ---- */

/* A customer managed policy row, or an entry of the AWS managed policy table. */
typedef struct managed_policy {
    /* NULL for customer managed policies. */
    const iam_aws_policy *aws;
    char name[129];
    char id[IAM_UNIQUE_ID_LEN + 1];
    char path[513];
    char arn[IAM_ARN_MAX];
    char default_version[24];
    int next_version;
    char description[1001];
    int64_t created_at;
    int64_t updated_at;
} managed_policy;

static void managed_from_aws(const iam_aws_policy *aws, managed_policy *policy)
{
    memset(policy, 0, sizeof *policy);
    policy->aws = aws;
    snprintf(policy->name, sizeof policy->name, "%s", aws->name);
    snprintf(policy->id, sizeof policy->id, "%s", aws->policy_id);
    snprintf(policy->path, sizeof policy->path, "%s", aws->path);
    snprintf(policy->arn, sizeof policy->arn, "%s", aws->arn);
    snprintf(policy->default_version, sizeof policy->default_version, "%s", aws->version_id);
    snprintf(policy->description, sizeof policy->description, "%s", aws->description);
    policy->created_at = aws->created_at;
    policy->updated_at = aws->updated_at;
}

#define MANAGED_COLUMNS                                                                   \
    "policy_name, policy_id, path, default_version, next_version, description, created_at," \
    " updated_at"

static void managed_from_row(iam_api_request *request, sqlite3_stmt *stmt, managed_policy *policy)
{
    memset(policy, 0, sizeof *policy);
    snprintf(policy->name, sizeof policy->name, "%s", (const char *)sqlite3_column_text(stmt, 0));
    snprintf(policy->id, sizeof policy->id, "%s", (const char *)sqlite3_column_text(stmt, 1));
    snprintf(policy->path, sizeof policy->path, "%s", (const char *)sqlite3_column_text(stmt, 2));
    snprintf(policy->default_version, sizeof policy->default_version, "%s",
             (const char *)sqlite3_column_text(stmt, 3));
    policy->next_version = sqlite3_column_int(stmt, 4);
    const char *description = (const char *)sqlite3_column_text(stmt, 5);
    snprintf(policy->description, sizeof policy->description, "%s", description ? description : "");
    policy->created_at = sqlite3_column_int64(stmt, 6);
    policy->updated_at = sqlite3_column_int64(stmt, 7);
    snprintf(policy->arn, sizeof policy->arn, "arn:aws:iam::%s:policy%s%s", request->account_id,
             policy->path, policy->name);
}

/*
 * Finds the managed policy an ARN names: an AWS managed policy, or a
 * customer managed policy of the caller's account. Sends InvalidInput for a
 * malformed ARN and NoSuchEntity for an unknown policy.
 */
static bool managed_policy_require(iam_api_request *request, const char *arn, managed_policy *policy)
{
    iam_validation v = {0};
    iam_validate(&v, arn, "policyArn", true, 20, 2048, IAM_NAME_ANY);
    if (iam_validation_failed(request, &v))
        return false;
    const iam_aws_policy *aws = iam_aws_policy_find(arn);
    if (aws) {
        managed_from_aws(aws, policy);
        return true;
    }

    static const char prefix[] = "arn:aws:iam::";
    const char *rest = strncmp(arn, prefix, sizeof prefix - 1) == 0 ? arn + sizeof prefix - 1 : NULL;
    const char *colon = rest ? strchr(rest, ':') : NULL;
    const char *slash = strrchr(arn, '/');
    if (!colon || strncmp(colon + 1, "policy/", 7) != 0 || !slash || !slash[1]) {
        aws_call_error(request->call, 400, "InvalidInput", "ARN %s is not valid.", arn);
        return false;
    }
    bool own_account = (size_t)(colon - rest) == strlen(request->account_id) &&
                       strncmp(rest, request->account_id, (size_t)(colon - rest)) == 0;
    int rc = SQLITE_DONE;
    if (own_account) {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(request->db,
                               "SELECT " MANAGED_COLUMNS " FROM iam_policies"
                               " WHERE account_id = ? AND policy_name = ?",
                               -1, &stmt, NULL) != SQLITE_OK) {
            iam_store_failure(request, "read the policy");
            return false;
        }
        sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, slash + 1, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
            managed_from_row(request, stmt, policy);
        sqlite3_finalize(stmt);
        /* The ARN must name the policy's path too, though names are unique per account. */
        if (rc == SQLITE_ROW && strcmp(policy->arn, arn) != 0)
            rc = SQLITE_DONE;
    }
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE) {
        iam_store_failure(request, "read the policy");
        return false;
    }
    aws_call_error(request->call, 404, "NoSuchEntity",
                   "Policy %s does not exist or is not attachable.", arn);
    return false;
}

/* Rejects changes to AWS managed policies, which belong to the account "aws". */
static bool managed_policy_writable(iam_api_request *request, const managed_policy *policy,
                                    const char *action)
{
    if (!policy->aws)
        return true;
    aws_call_error(request->call, 403, "AccessDenied",
                   "User: %s is not authorized to perform: %s on resource: policy %s because no "
                   "resource-based policy allows the %s action",
                   request->call->identity->arn, action, policy->arn, action);
    return false;
}

static int attachment_count(iam_api_request *request, const char *arn)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT count(*) FROM iam_attachments WHERE account_id = ?"
                           " AND policy_arn = ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, arn, -1, SQLITE_STATIC);
    int count = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return count;
}

static void policy_xml(owl_buf *xml, const managed_policy *policy, int attachments,
                       bool with_description)
{
    iam_xml_text(xml, "PolicyName", policy->name);
    iam_xml_text(xml, "PolicyId", policy->id);
    iam_xml_text(xml, "Arn", policy->arn);
    iam_xml_text(xml, "Path", policy->path);
    iam_xml_text(xml, "DefaultVersionId", policy->default_version);
    owl_buf_printf(xml, "<AttachmentCount>%d</AttachmentCount>", attachments);
    owl_buf_puts(xml, "<PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount>");
    owl_buf_puts(xml, "<IsAttachable>true</IsAttachable>");
    if (with_description && policy->description[0])
        iam_xml_text(xml, "Description", policy->description);
    iam_xml_time(xml, "CreateDate", policy->created_at);
    iam_xml_time(xml, "UpdateDate", policy->updated_at);
}

void iam_op_create_policy(iam_api_request *request)
{
    const char *name = iam_param(request, "PolicyName");
    const char *path = iam_param(request, "Path");
    const char *description = iam_param(request, "Description");
    const char *document = iam_param(request, "PolicyDocument");
    iam_validation v = {0};
    iam_validate(&v, name, "policyName", true, 1, 128, IAM_NAME_ENTITY);
    iam_validate(&v, path, "path", false, 1, 512, IAM_NAME_PATH);
    iam_validate(&v, description, "description", false, 0, 1000, IAM_NAME_ANY);
    if (iam_validation_failed(request, &v) ||
        !iam_document_param(request, document, "policyDocument", IAM_POLICY_IDENTITY,
                            IAM_MANAGED_POLICY_SIZE_MAX, NULL))
        return;
    /* TODO: Tags of managed policies are not stored yet. */

    managed_policy policy = {0};
    snprintf(policy.name, sizeof policy.name, "%s", name);
    snprintf(policy.path, sizeof policy.path, "%s", path ? path : "/");
    snprintf(policy.description, sizeof policy.description, "%s", description ? description : "");
    snprintf(policy.default_version, sizeof policy.default_version, "v1");
    snprintf(policy.arn, sizeof policy.arn, "arn:aws:iam::%s:policy%s%s", request->account_id,
             policy.path, policy.name);
    if (!iam_authorize_action(request, "iam:CreatePolicy", policy.arn))
        return;

    iam_unique_id("ANPA", policy.id);
    policy.created_at = policy.updated_at = time(NULL);
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)policy.created_at);
    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    const char *params[] = {request->account_id, policy.name, policy.id, policy.path,
                            description, created};
    int rc = owl_store_exec(request->db,
                            "INSERT INTO iam_policies(account_id, policy_name, policy_id, path,"
                            " description, default_version, next_version, created_at, updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, 'v1', 2, ?6, ?6)",
                            6, params);
    if (rc == SQLITE_CONSTRAINT) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "EntityAlreadyExists",
                       "A policy called %s already exists. Duplicate names are not allowed.", name);
        return;
    }
    const char *version_params[] = {request->account_id, policy.name, document, created};
    if (rc == SQLITE_OK)
        rc = owl_store_exec(request->db,
                            "INSERT INTO iam_policy_versions(account_id, policy_name, version_id,"
                            " document, created_at) VALUES (?, ?, 'v1', ?, ?)",
                            4, version_params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "store the policy");
        return;
    }
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Policy>");
    policy_xml(&xml, &policy, 0, true);
    owl_buf_puts(&xml, "</Policy>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_get_policy(iam_api_request *request)
{
    managed_policy policy;
    if (!managed_policy_require(request, iam_param(request, "PolicyArn"), &policy) ||
        !iam_authorize_action(request, "iam:GetPolicy", policy.arn))
        return;
    int attachments = attachment_count(request, policy.arn);
    if (attachments < 0) {
        iam_store_failure(request, "count attachments");
        return;
    }
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Policy>");
    policy_xml(&xml, &policy, attachments, true);
    owl_buf_puts(&xml, "</Policy>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_delete_policy(iam_api_request *request)
{
    managed_policy policy;
    if (!managed_policy_require(request, iam_param(request, "PolicyArn"), &policy) ||
        !managed_policy_writable(request, &policy, "iam:DeletePolicy") ||
        !iam_authorize_action(request, "iam:DeletePolicy", policy.arn))
        return;

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    int attachments = attachment_count(request, policy.arn);
    sqlite3_stmt *stmt = NULL;
    int versions = -1;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT count(*) FROM iam_policy_versions WHERE account_id = ?"
                           " AND policy_name = ?",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, policy.name, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            versions = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (attachments < 0 || versions < 0) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "check the policy's attachments");
        return;
    }
    if (attachments > 0 || versions > 1) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "DeleteConflict", "%s",
                       attachments > 0
                           ? "Cannot delete a policy attached to entities."
                           : "This policy has more than one version. Before you delete a policy, "
                             "you must delete the policy's versions. The default version is "
                             "deleted with the policy.");
        return;
    }
    const char *params[] = {request->account_id, policy.name};
    int rc = owl_store_exec(request->db,
                            "DELETE FROM iam_policy_versions WHERE account_id = ? AND policy_name = ?",
                            2, params);
    if (rc == SQLITE_OK)
        rc = owl_store_exec(request->db,
                            "DELETE FROM iam_policies WHERE account_id = ? AND policy_name = ?", 2,
                            params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "delete the policy");
        return;
    }
    aws_call_query_result(request->call, "");
}

static int managed_policy_compare(const void *a, const void *b)
{
    return strcmp(((const managed_policy *)a)->arn, ((const managed_policy *)b)->arn);
}

void iam_op_list_policies(iam_api_request *request)
{
    const char *scope = iam_param(request, "Scope");
    const char *only_attached = iam_param(request, "OnlyAttached");
    const char *prefix = iam_param(request, "PathPrefix");
    iam_validation v = {0};
    iam_validate(&v, prefix, "pathPrefix", false, 1, 512, IAM_NAME_PATH_PREFIX);
    iam_page page;
    if (iam_validation_failed(request, &v) || !iam_page_init(request, &page))
        return;
    if (scope && strcmp(scope, "All") != 0 && strcmp(scope, "AWS") != 0 &&
        strcmp(scope, "Local") != 0) {
        aws_call_error(request->call, 400, "ValidationError",
                       "1 validation error detected: Value '%s' at 'scope' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [All, AWS, Local]",
                       scope);
        return;
    }
    bool want_aws = !scope || strcmp(scope, "Local") != 0;
    bool want_local = !scope || strcmp(scope, "AWS") != 0;
    bool attached_only = only_attached && strcasecmp(only_attached, "true") == 0;
    char resource[64];
    snprintf(resource, sizeof resource, "arn:aws:iam::%s:policy/", request->account_id);
    if (!iam_authorize_action(request, "iam:ListPolicies", resource))
        return;

    size_t count = 0, capacity = iam_aws_policy_count() + 16;
    managed_policy *policies = malloc(capacity * sizeof *policies);
    if (!policies)
        abort();
    for (size_t i = 0; want_aws && i < iam_aws_policy_count(); i++)
        managed_from_aws(iam_aws_policy_at(i), &policies[count++]);
    sqlite3_stmt *stmt = NULL;
    int rc = SQLITE_DONE;
    if (want_local) {
        rc = sqlite3_prepare_v2(request->db,
                                "SELECT " MANAGED_COLUMNS " FROM iam_policies WHERE account_id = ?",
                                -1, &stmt, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                if (count == capacity) {
                    capacity *= 2;
                    policies = realloc(policies, capacity * sizeof *policies);
                    if (!policies)
                        abort();
                }
                managed_from_row(request, stmt, &policies[count++]);
            }
        }
        sqlite3_finalize(stmt);
    }
    if (rc != SQLITE_DONE) {
        free(policies);
        iam_store_failure(request, "list policies");
        return;
    }
    qsort(policies, count, sizeof *policies, managed_policy_compare);

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Policies>");
    bool ok = true;
    for (size_t i = 0; i < count && ok; i++) {
        const managed_policy *policy = &policies[i];
        if (prefix && strncmp(policy->path, prefix, strlen(prefix)) != 0)
            continue;
        int attachments = attachment_count(request, policy->arn);
        ok = attachments >= 0;
        if (!ok || (attached_only && attachments == 0) || !iam_page_take(&page, policy->arn))
            continue;
        owl_buf_puts(&xml, "<member>");
        policy_xml(&xml, policy, attachments, false);
        owl_buf_puts(&xml, "</member>");
    }
    free(policies);
    if (!ok) {
        owl_buf_free(&xml);
        iam_store_failure(request, "count attachments");
        return;
    }
    owl_buf_puts(&xml, "</Policies>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

/* ---- Policy versions ---- */

static void version_xml(owl_buf *xml, const char *version_id, bool is_default, int64_t created_at,
                        const char *document)
{
    if (document)
        iam_xml_document(xml, "Document", document);
    iam_xml_text(xml, "VersionId", version_id);
    iam_xml_text(xml, "IsDefaultVersion", is_default ? "true" : "false");
    iam_xml_time(xml, "CreateDate", created_at);
}

static const char *version_id_param(iam_api_request *request)
{
    const char *version = iam_param(request, "VersionId");
    bool valid = version && version[0] == 'v' && version[1] >= '1' && version[1] <= '9' &&
                 strspn(version + 1, "0123456789") == strlen(version + 1);
    if (!valid) {
        if (version)
            aws_call_error(request->call, 400, "ValidationError",
                           "1 validation error detected: Value '%s' at 'versionId' failed to "
                           "satisfy constraint: Member must satisfy regular expression pattern: "
                           "v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
                           version);
        else
            aws_call_error(request->call, 400, "ValidationError",
                           "1 validation error detected: Value null at 'versionId' failed to "
                           "satisfy constraint: Member must not be null");
        return NULL;
    }
    return version;
}

static void version_not_found(iam_api_request *request, const managed_policy *policy,
                              const char *version)
{
    aws_call_error(request->call, 404, "NoSuchEntity",
                   "Policy %s version %s does not exist or is not attachable.", policy->arn, version);
}

void iam_op_get_policy_version(iam_api_request *request)
{
    managed_policy policy;
    if (!managed_policy_require(request, iam_param(request, "PolicyArn"), &policy))
        return;
    const char *version = version_id_param(request);
    if (!version || !iam_authorize_action(request, "iam:GetPolicyVersion", policy.arn))
        return;

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<PolicyVersion>");
    if (policy.aws) {
        if (strcmp(version, policy.aws->version_id) != 0) {
            owl_buf_free(&xml);
            version_not_found(request, &policy, version);
            return;
        }
        version_xml(&xml, version, true, policy.aws->updated_at, policy.aws->document);
    } else {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(request->db,
                               "SELECT document, created_at FROM iam_policy_versions"
                               " WHERE account_id = ? AND policy_name = ? AND version_id = ?",
                               -1, &stmt, NULL) != SQLITE_OK) {
            owl_buf_free(&xml);
            iam_store_failure(request, "read the policy version");
            return;
        }
        sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, policy.name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, version, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
            version_xml(&xml, version, strcmp(version, policy.default_version) == 0,
                        sqlite3_column_int64(stmt, 1), (const char *)sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        if (rc != SQLITE_ROW) {
            owl_buf_free(&xml);
            if (rc == SQLITE_DONE)
                version_not_found(request, &policy, version);
            else
                iam_store_failure(request, "read the policy version");
            return;
        }
    }
    owl_buf_puts(&xml, "</PolicyVersion>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_create_policy_version(iam_api_request *request)
{
    managed_policy policy;
    const char *document = iam_param(request, "PolicyDocument");
    const char *set_default = iam_param(request, "SetAsDefault");
    if (!managed_policy_require(request, iam_param(request, "PolicyArn"), &policy) ||
        !iam_document_param(request, document, "policyDocument", IAM_POLICY_IDENTITY,
                            IAM_MANAGED_POLICY_SIZE_MAX, NULL) ||
        !managed_policy_writable(request, &policy, "iam:CreatePolicyVersion") ||
        !iam_authorize_action(request, "iam:CreatePolicyVersion", policy.arn))
        return;
    bool make_default = set_default && strcasecmp(set_default, "true") == 0;

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    /* Re-read inside the transaction so concurrent calls get distinct version IDs. */
    sqlite3_stmt *stmt = NULL;
    int next_version = -1, versions = -1;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT next_version, (SELECT count(*) FROM iam_policy_versions v"
                           "   WHERE v.account_id = p.account_id AND v.policy_name = p.policy_name)"
                           " FROM iam_policies p WHERE account_id = ? AND policy_name = ?",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, policy.name, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            next_version = sqlite3_column_int(stmt, 0);
            versions = sqlite3_column_int(stmt, 1);
        }
    }
    sqlite3_finalize(stmt);
    if (versions >= IAM_POLICY_VERSIONS_MAX) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "LimitExceeded",
                       "A managed policy can have up to %d versions. Before you create a new "
                       "version, you must delete an existing version.",
                       IAM_POLICY_VERSIONS_MAX);
        return;
    }
    char version[24], next[24], now_text[24];
    int64_t now = time(NULL);
    snprintf(version, sizeof version, "v%d", next_version);
    snprintf(next, sizeof next, "%d", next_version + 1);
    snprintf(now_text, sizeof now_text, "%lld", (long long)now);
    const char *version_params[] = {request->account_id, policy.name, version, document, now_text};
    int rc = next_version < 0 ? SQLITE_ERROR
                              : owl_store_exec(request->db,
                                               "INSERT INTO iam_policy_versions(account_id,"
                                               " policy_name, version_id, document, created_at)"
                                               " VALUES (?, ?, ?, ?, ?)",
                                               5, version_params);
    const char *policy_params[] = {next, now_text, make_default ? version : NULL,
                                   request->account_id, policy.name};
    if (rc == SQLITE_OK)
        rc = owl_store_exec(request->db,
                            "UPDATE iam_policies SET next_version = ?1, updated_at = ?2,"
                            " default_version = coalesce(?3, default_version)"
                            " WHERE account_id = ?4 AND policy_name = ?5",
                            5, policy_params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "store the policy version");
        return;
    }
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<PolicyVersion>");
    version_xml(&xml, version, make_default, now, NULL);
    owl_buf_puts(&xml, "</PolicyVersion>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_delete_policy_version(iam_api_request *request)
{
    managed_policy policy;
    if (!managed_policy_require(request, iam_param(request, "PolicyArn"), &policy))
        return;
    const char *version = version_id_param(request);
    if (!version || !managed_policy_writable(request, &policy, "iam:DeletePolicyVersion") ||
        !iam_authorize_action(request, "iam:DeletePolicyVersion", policy.arn))
        return;
    if (strcmp(version, policy.default_version) == 0) {
        aws_call_error(request->call, 409, "DeleteConflict",
                       "Cannot delete the default version of a policy.");
        return;
    }
    const char *params[] = {request->account_id, policy.name, version};
    if (iam_exec(request,
                 "DELETE FROM iam_policy_versions WHERE account_id = ? AND policy_name = ?"
                 " AND version_id = ?",
                 3, params) != SQLITE_OK) {
        iam_store_failure(request, "delete the policy version");
        return;
    }
    if (sqlite3_changes(request->db) == 0) {
        version_not_found(request, &policy, version);
        return;
    }
    aws_call_query_result(request->call, "");
}

void iam_op_list_policy_versions(iam_api_request *request)
{
    managed_policy policy;
    iam_page page;
    if (!managed_policy_require(request, iam_param(request, "PolicyArn"), &policy) ||
        !iam_page_init(request, &page) ||
        !iam_authorize_action(request, "iam:ListPolicyVersions", policy.arn))
        return;

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Versions>");
    if (policy.aws) {
        if (iam_page_take(&page, policy.aws->version_id)) {
            owl_buf_puts(&xml, "<member>");
            version_xml(&xml, policy.aws->version_id, true, policy.aws->updated_at, NULL);
            owl_buf_puts(&xml, "</member>");
        }
    } else {
        sqlite3_stmt *stmt = NULL;
        int rc = sqlite3_prepare_v2(request->db,
                                    "SELECT version_id, created_at FROM iam_policy_versions"
                                    " WHERE account_id = ? AND policy_name = ?"
                                    " ORDER BY CAST(substr(version_id, 2) AS INTEGER)",
                                    -1, &stmt, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(stmt, 2, policy.name, -1, SQLITE_STATIC);
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                const char *version = (const char *)sqlite3_column_text(stmt, 0);
                /* Zero-padded numbers sort like the versions, as iam_page_take needs. */
                char key[24];
                snprintf(key, sizeof key, "%010ld", strtol(version + 1, NULL, 10));
                if (!iam_page_take(&page, key))
                    continue;
                owl_buf_puts(&xml, "<member>");
                version_xml(&xml, version, strcmp(version, policy.default_version) == 0,
                            sqlite3_column_int64(stmt, 1), NULL);
                owl_buf_puts(&xml, "</member>");
            }
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE) {
            owl_buf_free(&xml);
            iam_store_failure(request, "list policy versions");
            return;
        }
    }
    owl_buf_puts(&xml, "</Versions>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_set_default_policy_version(iam_api_request *request)
{
    managed_policy policy;
    if (!managed_policy_require(request, iam_param(request, "PolicyArn"), &policy))
        return;
    const char *version = version_id_param(request);
    if (!version || !managed_policy_writable(request, &policy, "iam:SetDefaultPolicyVersion") ||
        !iam_authorize_action(request, "iam:SetDefaultPolicyVersion", policy.arn))
        return;
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    const char *params[] = {version, now, request->account_id, policy.name};
    if (iam_exec(request,
                 "UPDATE iam_policies SET default_version = ?1, updated_at = ?2"
                 " WHERE account_id = ?3 AND policy_name = ?4 AND EXISTS (SELECT 1 FROM"
                 " iam_policy_versions v WHERE v.account_id = ?3 AND v.policy_name = ?4"
                 " AND v.version_id = ?1)",
                 4, params) != SQLITE_OK) {
        iam_store_failure(request, "set the default version");
        return;
    }
    if (sqlite3_changes(request->db) == 0) {
        version_not_found(request, &policy, version);
        return;
    }
    aws_call_query_result(request->call, "");
}

/* ---- Attachments ---- */

static void attach_policy(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    iam_validation v = {0};
    iam_entity entity;
    managed_policy policy;
    if (!principal_param(request, kind, &v, &entity) ||
        !managed_policy_require(request, iam_param(request, "PolicyArn"), &policy) ||
        !iam_authorize_action(request, action, entity.arn))
        return;

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    sqlite3_stmt *stmt = NULL;
    int attached = -1;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT count(*) FROM iam_attachments WHERE account_id = ?"
                           " AND principal_kind = ? AND principal_name = ? AND policy_arn <> ?",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, iam_kind_name(kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, entity.name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, policy.arn, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            attached = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (attached >= IAM_ATTACHED_POLICIES_MAX) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "LimitExceeded", "Cannot exceed quota for %s: %d",
                       names_of[kind].quota, IAM_ATTACHED_POLICIES_MAX);
        return;
    }
    const char *params[] = {request->account_id, iam_kind_name(kind), entity.name, policy.arn};
    int rc = attached < 0 ? SQLITE_ERROR
                          : owl_store_exec(request->db,
                                           "INSERT OR IGNORE INTO iam_attachments(account_id,"
                                           " principal_kind, principal_name, policy_arn)"
                                           " VALUES (?, ?, ?, ?)",
                                           4, params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "attach the policy");
        return;
    }
    aws_call_query_result(request->call, "");
}

static void detach_policy(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    iam_validation v = {0};
    iam_entity entity;
    const char *arn = iam_param(request, "PolicyArn");
    iam_validate(&v, arn, "policyArn", true, 20, 2048, IAM_NAME_ANY);
    if (!principal_param(request, kind, &v, &entity) ||
        !iam_authorize_action(request, action, entity.arn))
        return;
    const char *params[] = {request->account_id, iam_kind_name(kind), entity.name, arn};
    if (iam_exec(request,
                 "DELETE FROM iam_attachments WHERE account_id = ? AND principal_kind = ?"
                 " AND principal_name = ? AND policy_arn = ?",
                 4, params) != SQLITE_OK) {
        iam_store_failure(request, "detach the policy");
        return;
    }
    if (sqlite3_changes(request->db) == 0) {
        aws_call_error(request->call, 404, "NoSuchEntity", "Policy %s was not found.", arn);
        return;
    }
    aws_call_query_result(request->call, "");
}

static void list_attached_policies(iam_api_request *request, iam_principal_kind kind,
                                   const char *action)
{
    const char *prefix = iam_param(request, "PathPrefix");
    iam_validation v = {0};
    iam_validate(&v, prefix, "pathPrefix", false, 1, 512, IAM_NAME_PATH_PREFIX);
    iam_entity entity;
    iam_page page;
    if (!iam_page_init(request, &page) || !principal_param(request, kind, &v, &entity) ||
        !iam_authorize_action(request, action, entity.arn))
        return;

    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT policy_arn FROM iam_attachments WHERE account_id = ?"
                           " AND principal_kind = ? AND principal_name = ? ORDER BY policy_arn",
                           -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "list attached policies");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, iam_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, entity.name, -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<AttachedPolicies>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *arn = (const char *)sqlite3_column_text(stmt, 0);
        /* The ARN is .../policy/PATH/NAME: the path starts after "policy". */
        const char *policy_path = strstr(arn, ":policy/");
        const char *name = strrchr(arn, '/') + 1;
        if (prefix && (!policy_path || strncmp(policy_path + 7, prefix, strlen(prefix)) != 0))
            continue;
        if (!iam_page_take(&page, arn))
            continue;
        owl_buf_puts(&xml, "<member>");
        iam_xml_text(&xml, "PolicyName", name);
        iam_xml_text(&xml, "PolicyArn", arn);
        owl_buf_puts(&xml, "</member>");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list attached policies");
        return;
    }
    owl_buf_puts(&xml, "</AttachedPolicies>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_attach_user_policy(iam_api_request *r) { attach_policy(r, IAM_KIND_USER, "iam:AttachUserPolicy"); }
void iam_op_detach_user_policy(iam_api_request *r) { detach_policy(r, IAM_KIND_USER, "iam:DetachUserPolicy"); }
void iam_op_list_attached_user_policies(iam_api_request *r) { list_attached_policies(r, IAM_KIND_USER, "iam:ListAttachedUserPolicies"); }
void iam_op_attach_group_policy(iam_api_request *r) { attach_policy(r, IAM_KIND_GROUP, "iam:AttachGroupPolicy"); }
void iam_op_detach_group_policy(iam_api_request *r) { detach_policy(r, IAM_KIND_GROUP, "iam:DetachGroupPolicy"); }
void iam_op_list_attached_group_policies(iam_api_request *r) { list_attached_policies(r, IAM_KIND_GROUP, "iam:ListAttachedGroupPolicies"); }
void iam_op_attach_role_policy(iam_api_request *r) { attach_policy(r, IAM_KIND_ROLE, "iam:AttachRolePolicy"); }
void iam_op_detach_role_policy(iam_api_request *r) { detach_policy(r, IAM_KIND_ROLE, "iam:DetachRolePolicy"); }
void iam_op_list_attached_role_policies(iam_api_request *r) { list_attached_policies(r, IAM_KIND_ROLE, "iam:ListAttachedRolePolicies"); }
