/*
 * IAM users, their access keys, and tags of users and roles.
 *
 * User names are 1-64 characters of [\w+=,.@-] and unique per account
 * regardless of case. Each user has at most IAM_ACCESS_KEYS_PER_USER
 * access keys (AKIA + 16 characters, 40-character secrets). A key stops
 * authenticating as soon as it is deleted or made Inactive. A user can be
 * deleted only once its keys, inline policies, attached policies and group
 * memberships are gone, as in IAM.
 */
#include "common/util.h"
#include "iam/iam_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACCESS_KEY_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define SECRET_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

static void user_xml(owl_buf *xml, const iam_entity *user)
{
    iam_xml_text(xml, "Path", user->path);
    iam_xml_text(xml, "UserName", user->name);
    iam_xml_text(xml, "UserId", user->id);
    iam_xml_text(xml, "Arn", user->arn);
    iam_xml_time(xml, "CreateDate", user->created_at);
}

/* ---- Tags (users and roles) ---- */

int iam_tags_parse(iam_api_request *request, iam_tag tags[IAM_TAGS_PER_ENTITY])
{
    int count = 0;
    for (int i = 1;; i++) {
        char key_param[48], value_param[48];
        snprintf(key_param, sizeof key_param, "Tags.member.%d.Key", i);
        snprintf(value_param, sizeof value_param, "Tags.member.%d.Value", i);
        const char *key = iam_param(request, key_param);
        const char *value = iam_param(request, value_param);
        if (!key && !value)
            break;
        if (count == IAM_TAGS_PER_ENTITY) {
            aws_call_error(request->call, 400, "ValidationError",
                           "1 validation error detected: Value at 'tags' failed to satisfy "
                           "constraint: Member must have length less than or equal to %d",
                           IAM_TAGS_PER_ENTITY);
            return -1;
        }

        char key_member[64], value_member[64];
        snprintf(key_member, sizeof key_member, "tags.%d.member.key", i);
        snprintf(value_member, sizeof value_member, "tags.%d.member.value", i);
        iam_validation v = {0};
        iam_validate(&v, key, key_member, true, 1, 128, IAM_NAME_TAG);
        iam_validate(&v, value, value_member, true, 0, 256, IAM_NAME_TAG);
        if (iam_validation_failed(request, &v))
            return -1;

        for (int j = 0; j < count; j++)
            if (strcasecmp(tags[j].key, key) == 0) {
                aws_call_error(request->call, 400, "InvalidInput",
                               "Duplicate tag keys found. Please note that Tag keys are case "
                               "insensitive.");
                return -1;
            }
        tags[count].key = key;
        tags[count].value = value;
        count++;
    }
    return count;
}

int iam_tags_store(iam_api_request *request, iam_principal_kind kind, const char *name,
                   const iam_tag *tags, int count)
{
    const char *kind_name = iam_kind_name(kind);
    for (int i = 0; i < count; i++) {
        const char *params[] = {request->account_id, kind_name, name, tags[i].key, tags[i].value};
        int rc = owl_store_exec(request->db,
                                "INSERT INTO iam_tags(account_id, principal_kind, principal_name,"
                                " tag_key, tag_value) VALUES (?, ?, ?, ?, ?)"
                                " ON CONFLICT DO UPDATE SET tag_value = excluded.tag_value",
                                5, params);
        if (rc != SQLITE_OK)
            return rc;
    }

    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT count(*) FROM iam_tags WHERE account_id = ?"
                           " AND principal_kind = ? AND principal_name = ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return sqlite3_errcode(request->db);
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, kind_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    int total = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW)
        return rc;
    return total > IAM_TAGS_PER_ENTITY ? SQLITE_FULL : SQLITE_OK;
}

/* Calls fn for each tag of the entity in key order; returns false on a store error. */
static bool tags_each(iam_api_request *request, iam_principal_kind kind, const char *name,
                      void (*fn)(const char *key, const char *value, void *arg), void *arg)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT tag_key, tag_value FROM iam_tags WHERE account_id = ?"
                           " AND principal_kind = ? AND principal_name = ?"
                           " ORDER BY tag_key COLLATE BINARY",
                           -1, &stmt, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, iam_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(stmt, 0), (const char *)sqlite3_column_text(stmt, 1),
           arg);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE;
}

static void tag_member_xml(const char *key, const char *value, void *arg)
{
    owl_buf *xml = arg;
    owl_buf_puts(xml, "<member>");
    iam_xml_text(xml, "Key", key);
    iam_xml_text(xml, "Value", value);
    owl_buf_puts(xml, "</member>");
}

bool iam_tags_write(iam_api_request *request, iam_principal_kind kind, const char *name, owl_buf *xml)
{
    owl_buf members = OWL_BUF_INIT;
    bool ok = tags_each(request, kind, name, tag_member_xml, &members);
    if (members.len) {
        owl_buf_puts(xml, "<Tags>");
        owl_buf_append(xml, members.data, members.len);
        owl_buf_puts(xml, "</Tags>");
    }
    owl_buf_free(&members);
    return ok;
}

/* Returns the validated UserName or RoleName parameter of a tag operation, or NULL after the error. */
static const char *tag_target_name(iam_api_request *request, iam_principal_kind kind)
{
    const char *param = kind == IAM_KIND_USER ? "UserName" : "RoleName";
    const char *member = kind == IAM_KIND_USER ? "userName" : "roleName";
    const char *name = iam_param(request, param);
    iam_validation v = {0};
    iam_validate(&v, name, member, true, 1, kind == IAM_KIND_USER ? 128 : 64, IAM_NAME_ENTITY);
    return iam_validation_failed(request, &v) ? NULL : name;
}

static void tag_entity(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    const char *name = tag_target_name(request, kind);
    if (!name)
        return;
    iam_tag tags[IAM_TAGS_PER_ENTITY];
    int count = iam_tags_parse(request, tags);
    if (count < 0)
        return;
    if (count == 0) {
        aws_call_error(request->call, 400, "ValidationError",
                       "1 validation error detected: Value null at 'tags' failed to satisfy "
                       "constraint: Member must not be null");
        return;
    }
    iam_entity entity;
    bool found = iam_entity_require(request, kind, name, &entity);
    iam_entity_clear(&entity);
    if (!found || !iam_authorize_action(request, action, entity.arn))
        return;

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    int rc = iam_tags_store(request, kind, entity.name, tags, count);
    if (rc == SQLITE_FULL) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "LimitExceeded",
                       "The number of tags has reached the maximum limit of %d.",
                       IAM_TAGS_PER_ENTITY);
        return;
    }
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "store tags");
        return;
    }
    aws_call_query_result(request->call, "");
}

static void untag_entity(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    const char *name = tag_target_name(request, kind);
    if (!name)
        return;
    if (!iam_param(request, "TagKeys.member.1")) {
        aws_call_error(request->call, 400, "ValidationError",
                       "1 validation error detected: Value null at 'tagKeys' failed to satisfy "
                       "constraint: Member must not be null");
        return;
    }
    iam_entity entity;
    bool found = iam_entity_require(request, kind, name, &entity);
    iam_entity_clear(&entity);
    if (!found || !iam_authorize_action(request, action, entity.arn))
        return;

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    int rc = SQLITE_OK;
    for (int i = 1; rc == SQLITE_OK; i++) {
        char param[48];
        snprintf(param, sizeof param, "TagKeys.member.%d", i);
        const char *key = iam_param(request, param);
        if (!key)
            break;
        const char *params[] = {request->account_id, iam_kind_name(kind), entity.name, key};
        rc = owl_store_exec(request->db,
                            "DELETE FROM iam_tags WHERE account_id = ? AND principal_kind = ?"
                            " AND principal_name = ? AND tag_key = ?",
                            4, params);
    }
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "delete tags");
        return;
    }
    aws_call_query_result(request->call, "");
}

typedef struct tag_page {
    iam_page *page;
    owl_buf *xml;
} tag_page;

static void tag_page_member(const char *key, const char *value, void *arg)
{
    tag_page *state = arg;
    if (iam_page_take(state->page, key))
        tag_member_xml(key, value, state->xml);
}

static void list_entity_tags(iam_api_request *request, iam_principal_kind kind, const char *action)
{
    const char *name = tag_target_name(request, kind);
    iam_page page;
    if (!name || !iam_page_init(request, &page))
        return;
    iam_entity entity;
    bool found = iam_entity_require(request, kind, name, &entity);
    iam_entity_clear(&entity);
    if (!found || !iam_authorize_action(request, action, entity.arn))
        return;

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Tags>");
    tag_page state = {&page, &xml};
    if (!tags_each(request, kind, entity.name, tag_page_member, &state)) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list tags");
        return;
    }
    owl_buf_puts(&xml, "</Tags>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_tag_user(iam_api_request *r) { tag_entity(r, IAM_KIND_USER, "iam:TagUser"); }
void iam_op_untag_user(iam_api_request *r) { untag_entity(r, IAM_KIND_USER, "iam:UntagUser"); }
void iam_op_list_user_tags(iam_api_request *r) { list_entity_tags(r, IAM_KIND_USER, "iam:ListUserTags"); }
void iam_op_tag_role(iam_api_request *r) { tag_entity(r, IAM_KIND_ROLE, "iam:TagRole"); }
void iam_op_untag_role(iam_api_request *r) { untag_entity(r, IAM_KIND_ROLE, "iam:UntagRole"); }
void iam_op_list_role_tags(iam_api_request *r) { list_entity_tags(r, IAM_KIND_ROLE, "iam:ListRoleTags"); }

/* ---- Users ---- */

void iam_op_create_user(iam_api_request *request)
{
    const char *name = iam_param(request, "UserName");
    const char *path = iam_param(request, "Path");
    iam_validation v = {0};
    iam_validate(&v, name, "userName", true, 1, 64, IAM_NAME_ENTITY);
    iam_validate(&v, path, "path", false, 1, 512, IAM_NAME_PATH);
    if (iam_validation_failed(request, &v))
        return;
    iam_tag tags[IAM_TAGS_PER_ENTITY];
    int tag_count = iam_tags_parse(request, tags);
    if (tag_count < 0)
        return;

    iam_entity user = {0};
    snprintf(user.name, sizeof user.name, "%s", name);
    snprintf(user.path, sizeof user.path, "%s", path ? path : "/");
    iam_entity_arn(request->account_id, IAM_KIND_USER, user.path, user.name, user.arn,
                   sizeof user.arn);
    if (!iam_authorize_action(request, "iam:CreateUser", user.arn))
        return;

    iam_unique_id("AIDA", user.id);
    user.created_at = time(NULL);
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)user.created_at);
    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    const char *params[] = {request->account_id, user.name, user.id, user.path, created};
    int rc = owl_store_exec(request->db,
                            "INSERT INTO iam_users(account_id, user_name, user_id, path, created_at)"
                            " VALUES (?, ?, ?, ?, ?)",
                            5, params);
    if (rc == SQLITE_CONSTRAINT) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "EntityAlreadyExists", "User with name %s already exists.",
                       name);
        return;
    }
    if (rc == SQLITE_OK)
        rc = iam_tags_store(request, IAM_KIND_USER, user.name, tags, tag_count);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "store the user");
        return;
    }

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<User>");
    user_xml(&xml, &user);
    iam_tags_write(request, IAM_KIND_USER, user.name, &xml);
    owl_buf_puts(&xml, "</User>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

/* GetUser without UserName describes the caller; for a root that is the account itself. */
static void get_root_user(iam_api_request *request)
{
    iam_account account;
    if (iam_account_get(request->db, request->account_id, &account) != IAM_OK) {
        iam_store_failure(request, "read the account");
        return;
    }
    if (!iam_authorize_action(request, "iam:GetUser", account.arn))
        return;
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<User>");
    iam_xml_text(&xml, "UserId", account.account_id);
    iam_xml_text(&xml, "Arn", account.arn);
    iam_xml_time(&xml, "CreateDate", account.created_at);
    owl_buf_puts(&xml, "</User>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_get_user(iam_api_request *request)
{
    const char *name = iam_param(request, "UserName");
    iam_validation v = {0};
    iam_validate(&v, name, "userName", false, 1, 128, IAM_NAME_ENTITY);
    if (iam_validation_failed(request, &v))
        return;
    const iam_identity *caller = request->call->identity;
    if (!name) {
        if (caller->type == IAM_PRINCIPAL_ROOT) {
            get_root_user(request);
            return;
        }
        if (caller->type != IAM_PRINCIPAL_USER) {
            aws_call_error(request->call, 400, "ValidationError",
                           "Must specify userName when calling with non-User credentials");
            return;
        }
        name = caller->user_name;
    }

    iam_entity user;
    if (!iam_entity_require(request, IAM_KIND_USER, name, &user) ||
        !iam_authorize_action(request, "iam:GetUser", user.arn))
        return;
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<User>");
    user_xml(&xml, &user);
    iam_tags_write(request, IAM_KIND_USER, user.name, &xml);
    owl_buf_puts(&xml, "</User>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_list_users(iam_api_request *request)
{
    const char *prefix = iam_param(request, "PathPrefix");
    iam_validation v = {0};
    iam_validate(&v, prefix, "pathPrefix", false, 1, 512, IAM_NAME_PATH_PREFIX);
    iam_page page;
    if (iam_validation_failed(request, &v) || !iam_page_init(request, &page))
        return;
    char resource[64];
    snprintf(resource, sizeof resource, "arn:aws:iam::%s:user/", request->account_id);
    if (!iam_authorize_action(request, "iam:ListUsers", resource))
        return;

    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db,
                           "SELECT user_name, user_id, path, created_at FROM iam_users"
                           " WHERE account_id = ? AND substr(path, 1, length(?2)) = ?2"
                           " ORDER BY user_name COLLATE BINARY",
                           -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "list users");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, prefix ? prefix : "/", -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Users>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        iam_entity user = {0};
        snprintf(user.name, sizeof user.name, "%s", (const char *)sqlite3_column_text(stmt, 0));
        if (!iam_page_take(&page, user.name))
            continue;
        snprintf(user.id, sizeof user.id, "%s", (const char *)sqlite3_column_text(stmt, 1));
        snprintf(user.path, sizeof user.path, "%s", (const char *)sqlite3_column_text(stmt, 2));
        user.created_at = sqlite3_column_int64(stmt, 3);
        iam_entity_arn(request->account_id, IAM_KIND_USER, user.path, user.name, user.arn,
                       sizeof user.arn);
        owl_buf_puts(&xml, "<member>");
        user_xml(&xml, &user);
        owl_buf_puts(&xml, "</member>");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list users");
        return;
    }
    owl_buf_puts(&xml, "</Users>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

/* Returns the number of rows sql (bound to account and name) counts, or -1 on a store error. */
static int count_rows(iam_api_request *request, const char *sql, const char *name)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(request->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    int count = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return count;
}

void iam_op_delete_user(iam_api_request *request)
{
    const char *name = iam_param(request, "UserName");
    iam_validation v = {0};
    iam_validate(&v, name, "userName", true, 1, 128, IAM_NAME_ENTITY);
    if (iam_validation_failed(request, &v))
        return;
    iam_entity user;
    if (!iam_entity_require(request, IAM_KIND_USER, name, &user) ||
        !iam_authorize_action(request, "iam:DeleteUser", user.arn))
        return;

    static const struct {
        const char *sql;
        const char *message;
    } dependents[] = {
        {"SELECT count(*) FROM access_keys WHERE account_id = ? AND user_name = ?",
         "Cannot delete entity, must delete access keys first."},
        {"SELECT count(*) FROM iam_inline_policies WHERE account_id = ?"
         " AND principal_kind = 'user' AND principal_name = ?",
         "Cannot delete entity, must delete policies first."},
        {"SELECT count(*) FROM iam_attachments WHERE account_id = ?"
         " AND principal_kind = 'user' AND principal_name = ?",
         "Cannot delete entity, must detach all policies first."},
        {"SELECT count(*) FROM iam_group_members WHERE account_id = ? AND user_name = ?",
         "Cannot delete entity, must remove users from group first."},
    };
    /* The checks run inside the transaction so no key or membership can slip in before the delete. */
    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    for (size_t i = 0; i < sizeof dependents / sizeof dependents[0]; i++) {
        int count = count_rows(request, dependents[i].sql, user.name);
        if (count != 0)
            owl_store_rollback(request->db);
        if (count < 0) {
            iam_store_failure(request, "check the user's dependents");
            return;
        }
        if (count > 0) {
            aws_call_error(request->call, 409, "DeleteConflict", "%s", dependents[i].message);
            return;
        }
    }

    const char *params[] = {request->account_id, user.name};
    int rc = owl_store_exec(request->db,
                            "DELETE FROM iam_users WHERE account_id = ? AND user_name = ?", 2, params);
    if (rc == SQLITE_OK)
        rc = owl_store_exec(request->db,
                            "DELETE FROM iam_tags WHERE account_id = ? AND principal_kind = 'user'"
                            " AND principal_name = ?",
                            2, params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "delete the user");
        return;
    }
    aws_call_query_result(request->call, "");
}

/* ---- Access keys ---- */

/*
 * Resolves the user an access key call acts on: UserName when given, else
 * the calling user. A root caller without UserName acts on its own root
 * keys. Fills user_name (empty for the root) and the resource ARN.
 */
static bool access_key_owner(iam_api_request *request, char user_name[129], char *arn, size_t arnlen)
{
    const char *name = iam_param(request, "UserName");
    iam_validation v = {0};
    iam_validate(&v, name, "userName", false, 1, 128, IAM_NAME_ENTITY);
    if (iam_validation_failed(request, &v))
        return false;
    const iam_identity *caller = request->call->identity;
    if (!name && caller->type == IAM_PRINCIPAL_USER)
        name = caller->user_name;
    if (!name) {
        if (caller->type != IAM_PRINCIPAL_ROOT) {
            aws_call_error(request->call, 400, "ValidationError",
                           "Must specify userName when calling with non-User credentials");
            return false;
        }
        user_name[0] = '\0';
        snprintf(arn, arnlen, "arn:aws:iam::%s:root", request->account_id);
        return true;
    }
    iam_entity user;
    if (!iam_entity_require(request, IAM_KIND_USER, name, &user))
        return false;
    snprintf(user_name, 129, "%s", user.name);
    snprintf(arn, arnlen, "%s", user.arn);
    return true;
}

void iam_op_create_access_key(iam_api_request *request)
{
    char user_name[129], arn[IAM_ARN_MAX];
    if (!access_key_owner(request, user_name, arn, sizeof arn) ||
        !iam_authorize_action(request, "iam:CreateAccessKey", arn))
        return;

    char key[IAM_ACCESS_KEY_MAX + 1], secret[IAM_SECRET_KEY_MAX + 1], created[24];
    memcpy(key, "AKIA", 4);
    owl_random_string(key + 4, 16, ACCESS_KEY_ALPHABET);
    owl_random_string(secret, 40, SECRET_ALPHABET);
    time_t now = time(NULL);
    snprintf(created, sizeof created, "%lld", (long long)now);

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    int count = count_rows(request,
                           user_name[0]
                               ? "SELECT count(*) FROM access_keys WHERE account_id = ?1"
                                 " AND user_name = ?2"
                               : "SELECT count(*) FROM access_keys WHERE account_id = ?1"
                                 " AND user_name IS NULL AND role_name IS NULL AND ?2 = ''",
                           user_name);
    if (count >= IAM_ACCESS_KEYS_PER_USER) {
        owl_store_rollback(request->db);
        aws_call_error(request->call, 409, "LimitExceeded",
                       "Cannot exceed quota for AccessKeysPerUser: %d", IAM_ACCESS_KEYS_PER_USER);
        return;
    }
    const char *params[] = {key, secret, request->account_id, user_name[0] ? user_name : NULL,
                            created};
    int rc = count < 0 ? SQLITE_ERROR
                       : owl_store_exec(request->db,
                                        "INSERT INTO access_keys(access_key_id, secret_access_key,"
                                        " account_id, user_name, created_at) VALUES (?, ?, ?, ?, ?)",
                                        5, params);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "store the access key");
        return;
    }

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<AccessKey>");
    if (user_name[0])
        iam_xml_text(&xml, "UserName", user_name);
    iam_xml_text(&xml, "AccessKeyId", key);
    iam_xml_text(&xml, "Status", "Active");
    iam_xml_text(&xml, "SecretAccessKey", secret);
    iam_xml_time(&xml, "CreateDate", now);
    owl_buf_puts(&xml, "</AccessKey>");
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

void iam_op_list_access_keys(iam_api_request *request)
{
    char user_name[129], arn[IAM_ARN_MAX];
    iam_page page;
    if (!access_key_owner(request, user_name, arn, sizeof arn) || !iam_page_init(request, &page) ||
        !iam_authorize_action(request, "iam:ListAccessKeys", arn))
        return;

    sqlite3_stmt *stmt = NULL;
    const char *sql = user_name[0]
                          ? "SELECT access_key_id, status, created_at FROM access_keys"
                            " WHERE account_id = ?1 AND user_name = ?2 ORDER BY access_key_id"
                          : "SELECT access_key_id, status, created_at FROM access_keys"
                            " WHERE account_id = ?1 AND user_name IS NULL AND role_name IS NULL"
                            " AND session_token IS NULL AND ?2 = '' ORDER BY access_key_id";
    if (sqlite3_prepare_v2(request->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        iam_store_failure(request, "list access keys");
        return;
    }
    sqlite3_bind_text(stmt, 1, request->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, user_name, -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<AccessKeyMetadata>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(stmt, 0);
        if (!iam_page_take(&page, key))
            continue;
        owl_buf_puts(&xml, "<member>");
        if (user_name[0])
            iam_xml_text(&xml, "UserName", user_name);
        iam_xml_text(&xml, "AccessKeyId", key);
        iam_xml_text(&xml, "Status", (const char *)sqlite3_column_text(stmt, 1));
        iam_xml_time(&xml, "CreateDate", sqlite3_column_int64(stmt, 2));
        owl_buf_puts(&xml, "</member>");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        owl_buf_free(&xml);
        iam_store_failure(request, "list access keys");
        return;
    }
    owl_buf_puts(&xml, "</AccessKeyMetadata>");
    iam_page_finish(&page, &xml);
    aws_call_query_result(request->call, xml.data);
    owl_buf_free(&xml);
}

/*
 * Runs sql (bound to key ID, account, user name and optionally status) on
 * one long-term key of the owner. Sends NoSuchEntity when no row changed.
 */
static void change_access_key(iam_api_request *request, const char *action, const char *sql,
                              const char *status)
{
    const char *key = iam_param(request, "AccessKeyId");
    iam_validation v = {0};
    iam_validate(&v, key, "accessKeyId", true, 16, 128, IAM_NAME_ENTITY);
    if (iam_validation_failed(request, &v))
        return;
    char user_name[129], arn[IAM_ARN_MAX];
    if (!access_key_owner(request, user_name, arn, sizeof arn) ||
        !iam_authorize_action(request, action, arn))
        return;

    if (owl_store_begin(request->db) != SQLITE_OK) {
        iam_store_failure(request, "begin a transaction");
        return;
    }
    const char *params[] = {key, request->account_id, user_name, status};
    int rc = owl_store_exec(request->db, sql, status ? 4 : 3, params);
    int changed = sqlite3_changes(request->db);
    if (rc != SQLITE_OK || owl_store_commit(request->db) != SQLITE_OK) {
        owl_store_rollback(request->db);
        iam_store_failure(request, "change the access key");
        return;
    }
    if (changed == 0) {
        aws_call_error(request->call, 404, "NoSuchEntity",
                       "The Access Key with id %s cannot be found.", key);
        return;
    }
    aws_call_query_result(request->call, "");
}

void iam_op_update_access_key(iam_api_request *request)
{
    const char *status = iam_param(request, "Status");
    if (!status || (strcmp(status, "Active") != 0 && strcmp(status, "Inactive") != 0)) {
        if (status)
            aws_call_error(request->call, 400, "ValidationError",
                           "1 validation error detected: Value '%s' at 'status' failed to satisfy "
                           "constraint: Member must satisfy enum value set: [Active, Inactive]",
                           status);
        else
            aws_call_error(request->call, 400, "ValidationError",
                           "1 validation error detected: Value null at 'status' failed to satisfy "
                           "constraint: Member must not be null");
        return;
    }
    change_access_key(request, "iam:UpdateAccessKey",
                      "UPDATE access_keys SET status = ?4 WHERE access_key_id = ?1"
                      " AND account_id = ?2 AND coalesce(user_name, '') = ?3"
                      " AND session_token IS NULL",
                      status);
}

void iam_op_delete_access_key(iam_api_request *request)
{
    change_access_key(request, "iam:DeleteAccessKey",
                      "DELETE FROM access_keys WHERE access_key_id = ?1 AND account_id = ?2"
                      " AND coalesce(user_name, '') = ?3 AND session_token IS NULL",
                      NULL);
}
