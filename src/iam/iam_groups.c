/*
 * IAM groups and group membership.
 *
 * Group names are 1-128 characters of [\w+=,.@-], unique per account
 * regardless of case. A user belongs to at most IAM_GROUPS_PER_USER
 * groups. A group can be deleted once it has no members, inline policies
 * or attached policies.
 */
#include "iam/iam_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void group_xml(owl_buf *xml, const iam_entity *group)
{
    iam_xml_text(xml, "Path", group->path);
    iam_xml_text(xml, "GroupName", group->name);
    iam_xml_text(xml, "GroupId", group->id);
    iam_xml_text(xml, "Arn", group->arn);
    iam_xml_time(xml, "CreateDate", group->created_at);
}

/* Fills entity from columns name, id, path, created_at starting at column `first`. */
static void entity_from_row(iam_api_request *request, iam_principal_kind kind, sqlite3_stmt *stmt,
                            int first, iam_entity *entity)
{
    memset(entity, 0, sizeof *entity);
    snprintf(entity->name, sizeof entity->name, "%s", (const char *)sqlite3_column_text(stmt, first));
    snprintf(entity->id, sizeof entity->id, "%s", (const char *)sqlite3_column_text(stmt, first + 1));
    snprintf(entity->path, sizeof entity->path, "%s",
             (const char *)sqlite3_column_text(stmt, first + 2));
    entity->created_at = sqlite3_column_int64(stmt, first + 3);
    iam_entity_arn(request->account_id, kind, entity->path, entity->name, entity->arn,
                   sizeof entity->arn);
}

static const char *group_name_param(iam_api_request *request)
{
    const char *name = iam_param(request, "GroupName");
    iam_validation v = {0};
    iam_validate(&v, name, "groupName", true, 1, 128, IAM_NAME_ENTITY);
    return iam_validation_failed(request, &v) ? NULL : name;
}

void iam_op_create_group(iam_api_request *request)
{
    const char *name = iam_param(request, "GroupName");
    const char *path = iam_param(request, "Path");
    iam_validation v = {0};
    iam_validate(&v, name, "groupName", true, 1, 128, IAM_NAME_ENTITY);
    iam_validate(&v, path, "path", false, 1, 512, IAM_NAME_PATH);
    if (iam_validation_failed(request, &v))
        return;

    iam_entity group = {0};
    snprintf(group.name, sizeof group.name, "%s", name);
    snprintf(group.path, sizeof group.path, "%s", path ? path : "/");
    iam_entity_arn(request->account_id, IAM_KIND_GROUP, group.path, group.name, group.arn,
                   sizeof group.arn);
    if (!iam_authorize_action(request, "iam:CreateGroup", group.arn))
        return;

    iam_unique_id("AGPA", group.id);
    group.created_at = time(NULL);
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)group.created_at);
    const char *params[] = {request->account_id, group.name, group.id, group.path, created};
    int rc = iam_exec(request,
                      "INSERT INTO iam_groups(account_id, group_name, group_id, path, created_at)"
                      " VALUES (?, ?, ?, ?, ?)",
                      5, params);
    if (rc == SQLITE_CONSTRAINT) {
        aws_call_error(request->call, 409, "EntityAlreadyExists",
                       "Group with name %s already exists.", name);
        return;
    }
    if (rc != SQLITE_OK) {
        iam_store_failure(request, "store the group");
        return;
    }
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Group>");
    group_xml(&xml, &group);
    owl_buf_puts(&xml, "</Group>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_get_group(iam_api_request *request)
{
    const char *name = group_name_param(request);
    iam_page page;
    if (!name || !iam_page_init(request, &page))
        return;
    iam_entity group;
    if (!iam_entity_require(request, IAM_KIND_GROUP, name, &group) ||
        !iam_authorize_action(request, "iam:GetGroup", group.arn))
        return;

    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT u.user_name, u.user_id, u.path, u.created_at"
                           " FROM iam_group_members m JOIN iam_users u"
                           "   ON u.account_id = m.account_id AND u.user_name = m.user_name"
                           " WHERE m.account_id = ? AND m.group_name = ?"
                           " ORDER BY u.user_name COLLATE BINARY",
                           -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "list group members");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, group.name, -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Group>");
    group_xml(&xml, &group);
    owl_buf_puts(&xml, "</Group><Users>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        iam_entity user;
        entity_from_row(request, IAM_KIND_USER, stmt, 0, &user);
        if (!iam_page_take(&page, user.name))
            continue;
        owl_buf_puts(&xml, "<member>");
        iam_xml_text(&xml, "Path", user.path);
        iam_xml_text(&xml, "UserName", user.name);
        iam_xml_text(&xml, "UserId", user.id);
        iam_xml_text(&xml, "Arn", user.arn);
        iam_xml_time(&xml, "CreateDate", user.created_at);
        owl_buf_puts(&xml, "</member>");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list group members");
        return;
    }
    owl_buf_puts(&xml, "</Users>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

/* Lists groups: all of the account's (user_name NULL) or those user_name belongs to. */
static void list_groups(iam_api_request *request, const char *user_name, const char *prefix,
                        iam_page *page)
{
    sqlite3_stmt *stmt = NULL;
    const char *sql =
        user_name ? "SELECT g.group_name, g.group_id, g.path, g.created_at"
                    " FROM iam_group_members m JOIN iam_groups g"
                    "   ON g.account_id = m.account_id AND g.group_name = m.group_name"
                    " WHERE m.account_id = ?1 AND m.user_name = ?2"
                    " ORDER BY g.group_name COLLATE BINARY"
                  : "SELECT group_name, group_id, path, created_at FROM iam_groups"
                    " WHERE account_id = ?1 AND substr(path, 1, length(?3)) = ?3"
                    " ORDER BY group_name COLLATE BINARY";
    if (sqlite3_prepare_v2(request->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "list groups");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    if (user_name)
        sqlite3_bind_text(stmt, 2, user_name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_text(stmt, 3, prefix ? prefix : "/", -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Groups>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        iam_entity group;
        entity_from_row(request, IAM_KIND_GROUP, stmt, 0, &group);
        if (!iam_page_take(page, group.name))
            continue;
        owl_buf_puts(&xml, "<member>");
        group_xml(&xml, &group);
        owl_buf_puts(&xml, "</member>");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list groups");
        return;
    }
    owl_buf_puts(&xml, "</Groups>");
    iam_page_finish(page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_list_groups(iam_api_request *request)
{
    const char *prefix = iam_param(request, "PathPrefix");
    iam_validation v = {0};
    iam_validate(&v, prefix, "pathPrefix", false, 1, 512, IAM_NAME_PATH_PREFIX);
    iam_page page;
    if (iam_validation_failed(request, &v) || !iam_page_init(request, &page))
        return;
    char resource[64];
    snprintf(resource, sizeof resource, "arn:aws:iam::%s:group/", request->account_id);
    if (!iam_authorize_action(request, "iam:ListGroups", resource))
        return;
    list_groups(request, NULL, prefix, &page);
}

void iam_op_list_groups_for_user(iam_api_request *request)
{
    const char *name = iam_param(request, "UserName");
    iam_validation v = {0};
    iam_validate(&v, name, "userName", true, 1, 128, IAM_NAME_ENTITY);
    iam_page page;
    if (iam_validation_failed(request, &v) || !iam_page_init(request, &page))
        return;
    iam_entity user;
    if (!iam_entity_require(request, IAM_KIND_USER, name, &user) ||
        !iam_authorize_action(request, "iam:ListGroupsForUser", user.arn))
        return;
    list_groups(request, user.name, NULL, &page);
}

void iam_op_delete_group(iam_api_request *request)
{
    const char *name = group_name_param(request);
    if (!name)
        return;
    iam_entity group;
    if (!iam_entity_require(request, IAM_KIND_GROUP, name, &group) ||
        !iam_authorize_action(request, "iam:DeleteGroup", group.arn))
        return;

    static const struct {
        const char *sql;
        const char *message;
    } dependents[] = {
        {"SELECT count(*) FROM iam_group_members WHERE account_id = ? AND group_name = ?",
         "Cannot delete entity, must remove users from group first."},
        {"SELECT count(*) FROM iam_inline_policies WHERE account_id = ?"
         " AND principal_kind = 'group' AND principal_name = ?",
         "Cannot delete entity, must delete policies first."},
        {"SELECT count(*) FROM iam_attachments WHERE account_id = ?"
         " AND principal_kind = 'group' AND principal_name = ?",
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
            sqlite3_bind_text(stmt, 2, group.name, -1, SQLITE_STATIC);
            if (sqlite3_step(stmt) == SQLITE_ROW)
                count = sqlite3_column_int(stmt, 0);
        }
        sqlite3_finalize(stmt);
        if (count != 0)
            owl_store_rollback(request->db);
        if (count < 0) {
            iam_store_failure(request, "check the group's dependents");
            return;
        }
        if (count > 0) {
            aws_call_error(request->call, 409, "DeleteConflict", "%s", dependents[i].message);
            return;
        }
    }
    const char *params[] = {request->account_id, group.name};
    if (owl_store_exec(request->db, "DELETE FROM iam_groups WHERE account_id = ? AND group_name = ?",
                       2, params) != SQLITE_OK ||
        owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "delete the group");
        return;
    }
    aws_call_query_result(request->call, "");
}

/* Looks up the GroupName and UserName of a membership call; authorizes action on the group. */
static bool membership_params(iam_api_request *request, const char *action, iam_entity *group,
                              iam_entity *user)
{
    const char *group_name = iam_param(request, "GroupName");
    const char *user_name = iam_param(request, "UserName");
    iam_validation v = {0};
    iam_validate(&v, group_name, "groupName", true, 1, 128, IAM_NAME_ENTITY);
    iam_validate(&v, user_name, "userName", true, 1, 128, IAM_NAME_ENTITY);
    if (iam_validation_failed(request, &v))
        return false;
    return iam_entity_require(request, IAM_KIND_GROUP, group_name, group) &&
           iam_entity_require(request, IAM_KIND_USER, user_name, user) &&
           iam_authorize_action(request, action, group->arn);
}

void iam_op_add_user_to_group(iam_api_request *request)
{
    iam_entity group, user;
    if (!membership_params(request, "iam:AddUserToGroup", &group, &user))
        return;

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    sqlite3_stmt *stmt = NULL;
    int count = -1;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT count(*) FROM iam_group_members WHERE account_id = ?"
                           " AND user_name = ? AND group_name <> ?",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, user.name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, group.name, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            count = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (count >= IAM_GROUPS_PER_USER) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: %d",
                       IAM_GROUPS_PER_USER);
        return;
    }
    const char *params[] = {request->account_id, group.name, user.name};
    int rc = count < 0 ? SQLITE_ERROR
                       : owl_store_exec(request->db,
                                        "INSERT OR IGNORE INTO iam_group_members(account_id,"
                                        " group_name, user_name) VALUES (?, ?, ?)",
                                        3, params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "add the user to the group");
        return;
    }
    aws_call_query_result(request->call, "");
}

void iam_op_remove_user_from_group(iam_api_request *request)
{
    iam_entity group, user;
    if (!membership_params(request, "iam:RemoveUserFromGroup", &group, &user))
        return;
    const char *params[] = {request->account_id, group.name, user.name};
    if (iam_exec(request,
                 "DELETE FROM iam_group_members WHERE account_id = ? AND group_name = ?"
                 " AND user_name = ?",
                 3, params) != SQLITE_OK) {
        iam_store_failure(request, "remove the user from the group");
        return;
    }
    if (sqlite3_changes(request->db) == 0) {
        aws_call_error(request->call, 404, "NoSuchEntity",
                       "The user with name %s cannot be found in group %s.", user.name, group.name);
        return;
    }
    aws_call_query_result(request->call, "");
}
