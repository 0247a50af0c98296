/*
 * IAM roles and their trust policies.
 *
 * Role names are 1-64 characters of [\w+=,.@-], unique per account
 * regardless of case. Every role has a trust policy (AssumeRolePolicyDocument)
 * that AssumeRole reads, and a MaxSessionDuration of 3600-43200 seconds.
 * Documents are returned percent-encoded, as IAM returns them. Deleting a
 * role ends its sessions, so a new role with the same name never inherits
 * them.
 */
#include "iam/iam_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TRUST_QUOTA_MESSAGE "Cannot exceed quota for ACLSizePerRole: 2048"

static void role_xml(iam_api_request *request, owl_buf *xml, const iam_entity *role)
{
    iam_xml_text(xml, "Path", role->path);
    iam_xml_text(xml, "RoleName", role->name);
    iam_xml_text(xml, "RoleId", role->id);
    iam_xml_text(xml, "Arn", role->arn);
    iam_xml_time(xml, "CreateDate", role->created_at);
    iam_xml_document(xml, "AssumeRolePolicyDocument", role->trust_policy);
    if (role->description[0])
        iam_xml_text(xml, "Description", role->description);
    owl_buf_printf(xml, "<MaxSessionDuration>%d</MaxSessionDuration>", role->max_session_duration);
    iam_tags_write(request, IAM_KIND_ROLE, role->name, xml);
}

static const char *role_name_param(iam_api_request *request)
{
    const char *name = iam_param(request, "RoleName");
    iam_validation v = {0};
    iam_validate(&v, name, "roleName", true, 1, 64, IAM_NAME_ENTITY);
    return iam_validation_failed(request, &v) ? NULL : name;
}

void iam_op_create_role(iam_api_request *request)
{
    const char *name = iam_param(request, "RoleName");
    const char *path = iam_param(request, "Path");
    const char *document = iam_param(request, "AssumeRolePolicyDocument");
    const char *description = iam_param(request, "Description");
    const char *max_session = iam_param(request, "MaxSessionDuration");
    iam_validation v = {0};
    iam_validate(&v, name, "roleName", true, 1, 64, IAM_NAME_ENTITY);
    iam_validate(&v, path, "path", false, 1, 512, IAM_NAME_PATH);
    iam_validate(&v, description, "description", false, 0, 1000, IAM_NAME_ANY);
    int max_session_duration = IAM_ROLE_MAX_SESSION_MIN;
    if (max_session) {
        char *end;
        long value = strtol(max_session, &end, 10);
        if (!*max_session || *end || value < IAM_ROLE_MAX_SESSION_MIN ||
            value > IAM_ROLE_MAX_SESSION_MAX) {
            aws_call_error(request->call, 400, "ValidationError",
                           "1 validation error detected: Value '%s' at 'maxSessionDuration' failed "
                           "to satisfy constraint: Member must have value between %d and %d",
                           max_session, IAM_ROLE_MAX_SESSION_MIN, IAM_ROLE_MAX_SESSION_MAX);
            owl_buf_free(&v.messages);
            return;
        }
        max_session_duration = (int)value;
    }
    if (iam_validation_failed(request, &v) ||
        !iam_document_param(request, document, "assumeRolePolicyDocument", IAM_POLICY_TRUST,
                            IAM_TRUST_POLICY_SIZE_MAX, TRUST_QUOTA_MESSAGE))
        return;
    iam_tag tags[IAM_TAGS_PER_ENTITY];
    int tag_count = iam_tags_parse(request, tags);
    if (tag_count < 0)
        return;

    iam_entity role = {0};
    snprintf(role.name, sizeof role.name, "%s", name);
    snprintf(role.path, sizeof role.path, "%s", path ? path : "/");
    snprintf(role.description, sizeof role.description, "%s", description ? description : "");
    role.trust_policy = (char *)document;
    role.max_session_duration = max_session_duration;
    iam_entity_arn(request->account_id, IAM_KIND_ROLE, role.path, role.name, role.arn,
                   sizeof role.arn);
    if (!iam_authorize_action(request, "iam:CreateRole", role.arn))
        return;

    iam_unique_id("AROA", role.id);
    role.created_at = time(NULL);
    char created[24], duration[16];
    snprintf(created, sizeof created, "%lld", (long long)role.created_at);
    snprintf(duration, sizeof duration, "%d", role.max_session_duration);
    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    const char *params[] = {request->account_id, role.name, role.id, role.path, document,
                            description, duration, created};
    int rc = owl_store_exec(request->db,
                            "INSERT INTO iam_roles(account_id, role_name, role_id, path,"
                            " trust_policy, description, max_session_duration, created_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            8, params);
    if (rc == SQLITE_CONSTRAINT) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "EntityAlreadyExists", "Role with name %s already exists.",
                       name);
        return;
    }
    if (rc == SQLITE_OK)
        rc = iam_tags_store(request, IAM_KIND_ROLE, role.name, tags, tag_count);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "store the role");
        return;
    }

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Role>");
    role_xml(request, &xml, &role);
    owl_buf_puts(&xml, "</Role>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_get_role(iam_api_request *request)
{
    const char *name = role_name_param(request);
    iam_entity role;
    if (!name || !iam_entity_require(request, IAM_KIND_ROLE, name, &role))
        return;
    if (iam_authorize_action(request, "iam:GetRole", role.arn)) {
        owl_buf xml = OWL_BUF_INIT;
        owl_buf_puts(&xml, "<Role>");
        role_xml(request, &xml, &role);
        owl_buf_puts(&xml, "</Role>");
        aws_call_query_result(request->call, xml.data);
        owl_buf_free(&xml);
    }
    iam_entity_clear(&role);
}

void iam_op_list_roles(iam_api_request *request)
{
    const char *prefix = iam_param(request, "PathPrefix");
    iam_validation v = {0};
    iam_validate(&v, prefix, "pathPrefix", false, 1, 512, IAM_NAME_PATH_PREFIX);
    iam_page page;
    if (iam_validation_failed(request, &v) || !iam_page_init(request, &page))
        return;
    char resource[64];
    snprintf(resource, sizeof resource, "arn:aws:iam::%s:role/", request->account_id);
    if (!iam_authorize_action(request, "iam:ListRoles", resource))
        return;

    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT role_name, role_id, path, created_at, trust_policy, description,"
                           " max_session_duration FROM iam_roles"
                           " WHERE account_id = ? AND substr(path, 1, length(?2)) = ?2"
                           " ORDER BY role_name COLLATE BINARY",
                           -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "list roles");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, prefix ? prefix : "/", -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Roles>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        iam_entity role = {0};
        snprintf(role.name, sizeof role.name, "%s", (const char *)sqlite3_column_text(stmt, 0));
        if (!iam_page_take(&page, role.name))
            continue;
        snprintf(role.id, sizeof role.id, "%s", (const char *)sqlite3_column_text(stmt, 1));
        snprintf(role.path, sizeof role.path, "%s", (const char *)sqlite3_column_text(stmt, 2));
        role.created_at = sqlite3_column_int64(stmt, 3);
        role.trust_policy = (char *)sqlite3_column_text(stmt, 4);
        const char *description = (const char *)sqlite3_column_text(stmt, 5);
        snprintf(role.description, sizeof role.description, "%s", description ? description : "");
        role.max_session_duration = sqlite3_column_int(stmt, 6);
        iam_entity_arn(request->account_id, IAM_KIND_ROLE, role.path, role.name, role.arn,
                       sizeof role.arn);
        owl_buf_puts(&xml, "<member>");
        role_xml(request, &xml, &role);
        owl_buf_puts(&xml, "</member>");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list roles");
        return;
    }
    owl_buf_puts(&xml, "</Roles>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_delete_role(iam_api_request *request)
{
    const char *name = role_name_param(request);
    iam_entity role;
    if (!name || !iam_entity_require(request, IAM_KIND_ROLE, name, &role))
        return;
    iam_entity_clear(&role);
    if (!iam_authorize_action(request, "iam:DeleteRole", role.arn))
        return;

    static const struct {
        const char *sql;
        const char *message;
    } dependents[] = {
        {"SELECT count(*) FROM iam_inline_policies WHERE account_id = ?"
         " AND principal_kind = 'role' AND principal_name = ?",
         "Cannot delete entity, must delete policies first."},
        {"SELECT count(*) FROM iam_attachments WHERE account_id = ?"
         " AND principal_kind = 'role' AND principal_name = ?",
         "Cannot delete entity, must detach all policies first."},
    };
    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    for (size_t i = 0; i < sizeof dependents / sizeof dependents[0]; i++) {
        sqlite3_stmt *stmt = NULL;
        int count = -1;
        if (sqlite3_prepare_v2(request->db, dependents[i].sql, -1, &stmt, NULL) == SQLITE_OK) {
            sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(stmt, 2, role.name, -1, SQLITE_STATIC);
            if (sqlite3_step(stmt) == SQLITE_ROW)
                count = sqlite3_column_int(stmt, 0);
        }
        sqlite3_finalize(stmt);
        if (count != 0)
            owl_store_rollback(request->db);
        if (count < 0) {
            iam_store_failure(request, "check the role's dependents");
            return;
        }
        if (count > 0) {
            aws_call_error(request->call, 409, "DeleteConflict", "%s", dependents[i].message);
            return;
        }
    }

    const char *params[] = {request->account_id, role.name};
    int rc = owl_store_exec(request->db,
                            "DELETE FROM iam_roles WHERE account_id = ? AND role_name = ?", 2, params);
    if (rc == SQLITE_OK)
        rc = owl_store_exec(request->db,
                            "DELETE FROM iam_tags WHERE account_id = ? AND principal_kind = 'role'"
                            " AND principal_name = ?",
                            2, params);
    if (rc == SQLITE_OK)
        rc = owl_store_exec(request->db,
                            "DELETE FROM access_keys WHERE account_id = ? AND role_name = ?", 2,
                            params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "delete the role");
        return;
    }
    aws_call_query_result(request->call, "");
}

void iam_op_update_assume_role_policy(iam_api_request *request)
{
    const char *name = role_name_param(request);
    if (!name)
        return;
    const char *document = iam_param(request, "PolicyDocument");
    if (!iam_document_param(request, document, "policyDocument", IAM_POLICY_TRUST,
                            IAM_TRUST_POLICY_SIZE_MAX, TRUST_QUOTA_MESSAGE))
        return;
    iam_entity role;
    if (!iam_entity_require(request, IAM_KIND_ROLE, name, &role))
        return;
    iam_entity_clear(&role);
    if (!iam_authorize_action(request, "iam:UpdateAssumeRolePolicy", role.arn))
        return;
    const char *params[] = {document, request->account_id, role.name};
    if (iam_exec(request, "UPDATE iam_roles SET trust_policy = ? WHERE account_id = ? AND role_name = ?",
                 3, params) != SQLITE_OK) {
        iam_store_failure(request, "update the trust policy");
        return;
    }
    aws_call_query_result(request->call, "");
}
