/*
 * Identity policies and principal tags from the IAM tables. See
 * identity_store.h for which policies apply to whom.
 */
#include "iam/identity_store.h"

#include "common/log.h"
#include "iam/managed_policies.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The walk over one principal's policies; stops at the first false from fn or a store error. */
typedef struct policy_walk {
    sqlite3 *db;
    const char *account_id;
    iam_identity_policy_fn fn;
    void *arg;
    bool stopped;
    bool failed;
} policy_walk;

static bool walk_emit(policy_walk *walk, iam_identity_policy_type type, const char *source,
                      const char *document)
{
    iam_identity_policy policy = {.type = type, .source = source, .document = document};
    if (!walk->fn(&policy, walk->arg))
        walk->stopped = true;
    return !walk->stopped;
}

static bool walk_active(const policy_walk *walk)
{
    return !walk->stopped && !walk->failed;
}

/* Emits the inline policies of one user, group or role (owner_arn names it in sources). */
static void walk_inline(policy_walk *walk, const char *kind, const char *name, const char *owner_arn)
{
    sqlite3_stmt *stmt = owl_store_prepare(
        walk->db, "SELECT policy_name, document FROM iam_inline_policies"
                  " WHERE account_id = ? AND principal_kind = ? AND principal_name = ?"
                  " ORDER BY policy_name COLLATE BINARY");
    if (!stmt) {
        walk->failed = true;
        return;
    }
    sqlite3_bind_text(stmt, 1, walk->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    while (walk_active(walk) && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        char source[IAM_ARN_MAX + 200];
        snprintf(source, sizeof source, "%s/policy/%s", owner_arn,
                 (const char *)sqlite3_column_text(stmt, 0));
        walk_emit(walk, IAM_IDENTITY_POLICY_INLINE, source,
                  (const char *)sqlite3_column_text(stmt, 1));
    }
    if (walk_active(walk) && rc != SQLITE_DONE)
        walk->failed = true;
    owl_store_finish(stmt);
}

/* Emits the default version of one attached customer managed policy of the account. */
static void walk_customer_policy(policy_walk *walk, const char *arn)
{
    const char *name = strrchr(arn, '/');
    sqlite3_stmt *stmt = NULL;
    if (!name)
        return;
    stmt = owl_store_prepare(
        walk->db, "SELECT v.document FROM iam_policies p JOIN iam_policy_versions v"
                  "   ON v.account_id = p.account_id AND v.policy_name = p.policy_name"
                  "   AND v.version_id = p.default_version"
                  " WHERE p.account_id = ? AND p.policy_name = ?");
    if (!stmt) {
        walk->failed = true;
        return;
    }
    sqlite3_bind_text(stmt, 1, walk->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, name + 1, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        walk_emit(walk, IAM_IDENTITY_POLICY_MANAGED, arn, (const char *)sqlite3_column_text(stmt, 0));
    else if (rc != SQLITE_DONE)
        walk->failed = true;
    owl_store_finish(stmt);
}

/* Emits the managed policies attached to one user, group or role, by ARN. */
static void walk_attached(policy_walk *walk, const char *kind, const char *name)
{
    sqlite3_stmt *stmt = owl_store_prepare(
        walk->db, "SELECT policy_arn FROM iam_attachments WHERE account_id = ?"
                  " AND principal_kind = ? AND principal_name = ? ORDER BY policy_arn");
    if (!stmt) {
        walk->failed = true;
        return;
    }
    sqlite3_bind_text(stmt, 1, walk->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    while (walk_active(walk) && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *arn = (const char *)sqlite3_column_text(stmt, 0);
        const iam_aws_policy *aws = iam_aws_policy_find(arn);
        if (aws)
            walk_emit(walk, IAM_IDENTITY_POLICY_MANAGED, aws->arn, aws->document);
        else
            walk_customer_policy(walk, arn);
    }
    if (walk_active(walk) && rc != SQLITE_DONE)
        walk->failed = true;
    owl_store_finish(stmt);
}

static void walk_principal(policy_walk *walk, const char *kind, const char *name, const char *arn)
{
    walk_inline(walk, kind, name, arn);
    if (walk_active(walk))
        walk_attached(walk, kind, name);
}

static void walk_user_groups(policy_walk *walk, const char *user_name)
{
    sqlite3_stmt *stmt = owl_store_prepare(
        walk->db, "SELECT g.group_name, g.path FROM iam_group_members m JOIN iam_groups g"
                  "   ON g.account_id = m.account_id AND g.group_name = m.group_name"
                  " WHERE m.account_id = ? AND m.user_name = ?"
                  " ORDER BY g.group_name COLLATE BINARY");
    if (!stmt) {
        walk->failed = true;
        return;
    }
    sqlite3_bind_text(stmt, 1, walk->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, user_name, -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    while (walk_active(walk) && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *group = (const char *)sqlite3_column_text(stmt, 0);
        char arn[IAM_ARN_MAX];
        snprintf(arn, sizeof arn, "arn:aws:iam::%s:group%s%s", walk->account_id,
                 (const char *)sqlite3_column_text(stmt, 1), group);
        walk_principal(walk, "group", group, arn);
    }
    if (walk_active(walk) && rc != SQLITE_DONE)
        walk->failed = true;
    owl_store_finish(stmt);
}

static void walk_session_policy(policy_walk *walk, const char *access_key_id)
{
    sqlite3_stmt *stmt = owl_store_prepare(
        walk->db, "SELECT session_policy FROM access_keys WHERE access_key_id = ?"
                  " AND session_policy IS NOT NULL");
    if (!stmt) {
        walk->failed = true;
        return;
    }
    sqlite3_bind_text(stmt, 1, access_key_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        walk_emit(walk, IAM_IDENTITY_POLICY_SESSION, "session-policy",
                  (const char *)sqlite3_column_text(stmt, 0));
    else if (rc != SQLITE_DONE)
        walk->failed = true;
    owl_store_finish(stmt);
}

iam_status iam_identity_store_policies(sqlite3 *db, const iam_identity *who,
                                      iam_identity_policy_fn fn, void *arg)
{
    policy_walk walk = {.db = db, .account_id = who->account_id, .fn = fn, .arg = arg};
    switch (who->type) {
    case IAM_PRINCIPAL_ANONYMOUS:
    case IAM_PRINCIPAL_ROOT:
    case IAM_PRINCIPAL_ROLE:
    case IAM_PRINCIPAL_FEDERATED:
    case IAM_PRINCIPAL_SERVICE:
        /* Roles act only through sessions, and owlery has no federated callers. */
        return IAM_OK;
    case IAM_PRINCIPAL_USER:
        walk_principal(&walk, "user", who->user_name, who->arn);
        if (walk_active(&walk))
            walk_user_groups(&walk, who->user_name);
        break;
    case IAM_PRINCIPAL_ASSUMED_ROLE:
        walk_principal(&walk, "role", who->role_name, who->role_arn);
        if (walk_active(&walk))
            walk_session_policy(&walk, who->access_key_id);
        break;
    }
    return walk.failed ? IAM_STORE_ERROR : IAM_OK;
}

iam_status iam_identity_store_tags(sqlite3 *db, const iam_identity *who, iam_identity_tag_fn fn,
                                  void *arg)
{
    const char *kind, *name;
    if (who->type == IAM_PRINCIPAL_USER) {
        kind = "user";
        name = who->user_name;
    } else if (who->type == IAM_PRINCIPAL_ASSUMED_ROLE) {
        kind = "role";
        name = who->role_name;
    } else {
        return IAM_OK;
    }

    sqlite3_stmt *stmt = owl_store_prepare(
        db, "SELECT tag_key, tag_value FROM iam_tags WHERE account_id = ?"
            " AND principal_kind = ? AND principal_name = ?"
            " ORDER BY tag_key COLLATE BINARY");
    if (!stmt)
        return IAM_STORE_ERROR;
    sqlite3_bind_text(stmt, 1, who->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    bool stopped = false;
    while (!stopped && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        stopped = !fn((const char *)sqlite3_column_text(stmt, 0),
                      (const char *)sqlite3_column_text(stmt, 1), arg);
    owl_store_finish(stmt);
    return stopped || rc == SQLITE_DONE ? IAM_OK : IAM_STORE_ERROR;
}

/* ---- Compiled context for the evaluator ---- */

typedef struct context_build {
    iam_identity_context *context;
    size_t policy_capacity;
    size_t session_capacity;
    size_t tag_capacity;
    bool invalid;
} context_build;

static char *copy_string(const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        abort();
    return copy;
}

static void *grow(void *array, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return array;
    *capacity = *capacity ? *capacity * 2 : 8;
    void *bigger = realloc(array, *capacity * size);
    if (!bigger)
        abort();
    return bigger;
}

static bool compile_policy(const iam_identity_policy *policy, void *arg)
{
    context_build *build = arg;
    iam_identity_context *context = build->context;
    iam_policy *compiled = NULL;
    iam_policy_error error;
    if (iam_policy_parse(policy->document, strlen(policy->document), IAM_POLICY_IDENTITY, 0,
                         &compiled, &error) != 0) {
        char message[512], quoted_message[600], source[256];
        iam_policy_error_format(&error, message, sizeof message);
        owl_log_error("event=stored_policy_invalid source=%s error=%s",
                      owl_log_quote(source, sizeof source, policy->source),
                      owl_log_quote(quoted_message, sizeof quoted_message, message));
        build->invalid = true;
        return false;
    }
    iam_policy_ref ref = {.name = copy_string(policy->source), .policy = compiled};
    if (policy->type == IAM_IDENTITY_POLICY_SESSION) {
        context->session_policies = grow(context->session_policies, &build->session_capacity,
                                         context->session_count, sizeof ref);
        context->session_policies[context->session_count++] = ref;
    } else {
        context->policies = grow(context->policies, &build->policy_capacity,
                                 context->policy_count, sizeof ref);
        context->policies[context->policy_count++] = ref;
    }
    return true;
}

static bool collect_tag(const char *key, const char *value, void *arg)
{
    context_build *build = arg;
    iam_identity_context *context = build->context;
    context->tags = grow(context->tags, &build->tag_capacity, context->tag_count, sizeof(iam_tag));
    context->tags[context->tag_count].key = copy_string(key);
    context->tags[context->tag_count].value = copy_string(value);
    context->tag_count++;
    return true;
}

iam_status iam_identity_context_load(sqlite3 *db, const iam_identity *who,
                                     iam_identity_context *context)
{
    memset(context, 0, sizeof *context);
    context_build build = {.context = context};
    iam_status status = iam_identity_store_policies(db, who, compile_policy, &build);
    if (status == IAM_OK && build.invalid)
        status = IAM_INVALID;
    if (status == IAM_OK)
        status = iam_identity_store_tags(db, who, collect_tag, &build);

    context->set.policies = context->policies;
    context->set.count = context->policy_count;
    context->set.session_policies = context->session_policies;
    context->set.session_count = context->session_count;
    context->set.has_session = context->session_count > 0;
    return status;
}

void iam_identity_context_free(iam_identity_context *context)
{
    for (size_t i = 0; i < context->policy_count; i++) {
        free((char *)context->policies[i].name);
        iam_policy_free((iam_policy *)context->policies[i].policy);
    }
    for (size_t i = 0; i < context->session_count; i++) {
        free((char *)context->session_policies[i].name);
        iam_policy_free((iam_policy *)context->session_policies[i].policy);
    }
    for (size_t i = 0; i < context->tag_count; i++) {
        free((char *)context->tags[i].key);
        free((char *)context->tags[i].value);
    }
    free(context->policies);
    free(context->session_policies);
    free(context->tags);
    memset(context, 0, sizeof *context);
}
