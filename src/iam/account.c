/*
 * Accounts and access keys in the state store. See account.h.
 */
#include "iam/account.h"

#include "common/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const owl_migration iam_migrations[] = {
    {1, "CREATE TABLE accounts ("
        "  account_id TEXT PRIMARY KEY,"
        "  name TEXT NOT NULL,"
        "  canonical_user_id TEXT NOT NULL UNIQUE,"
        "  created_at INTEGER NOT NULL);"
        "CREATE TABLE access_keys ("
        "  access_key_id TEXT PRIMARY KEY,"
        "  secret_access_key TEXT NOT NULL,"
        "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
        "  user_name TEXT,"                 /* NULL for the account root */
        "  status TEXT NOT NULL DEFAULT 'Active',"
        "  session_token TEXT,"             /* temporary credentials only */
        "  expires_at INTEGER,"             /* Unix seconds, temporary credentials only */
        "  created_at INTEGER NOT NULL);"
        "CREATE INDEX access_keys_by_account ON access_keys(account_id, user_name);"},
    /*
     * IAM entities. Names compare case-insensitively, as IAM's do ("Bob" and
     * "bob" are the same user). principal_kind is 'user', 'group' or 'role'.
     * Customer managed policy ARNs are built from account, path and name;
     * attachments store the policy ARN so AWS managed policies need no row.
     * Role sessions are access_keys rows with role_name and session_name set.
     */
    {2, "CREATE TABLE iam_users ("
        "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
        "  user_name TEXT NOT NULL COLLATE NOCASE,"
        "  user_id TEXT NOT NULL UNIQUE,"
        "  path TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, user_name));"
        "CREATE TABLE iam_groups ("
        "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
        "  group_name TEXT NOT NULL COLLATE NOCASE,"
        "  group_id TEXT NOT NULL UNIQUE,"
        "  path TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, group_name));"
        "CREATE TABLE iam_group_members ("
        "  account_id TEXT NOT NULL,"
        "  group_name TEXT NOT NULL COLLATE NOCASE,"
        "  user_name TEXT NOT NULL COLLATE NOCASE,"
        "  PRIMARY KEY (account_id, group_name, user_name));"
        "CREATE INDEX iam_group_members_by_user ON iam_group_members(account_id, user_name);"
        "CREATE TABLE iam_roles ("
        "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
        "  role_name TEXT NOT NULL COLLATE NOCASE,"
        "  role_id TEXT NOT NULL UNIQUE,"
        "  path TEXT NOT NULL,"
        "  trust_policy TEXT NOT NULL,"
        "  description TEXT,"
        "  max_session_duration INTEGER NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, role_name));"
        "CREATE TABLE iam_inline_policies ("
        "  account_id TEXT NOT NULL,"
        "  principal_kind TEXT NOT NULL,"
        "  principal_name TEXT NOT NULL COLLATE NOCASE,"
        "  policy_name TEXT NOT NULL COLLATE NOCASE,"
        "  document TEXT NOT NULL,"
        "  PRIMARY KEY (account_id, principal_kind, principal_name, policy_name));"
        "CREATE TABLE iam_policies ("
        "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
        "  policy_name TEXT NOT NULL COLLATE NOCASE,"
        "  policy_id TEXT NOT NULL UNIQUE,"
        "  path TEXT NOT NULL,"
        "  description TEXT,"
        "  default_version TEXT NOT NULL,"
        "  next_version INTEGER NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  updated_at INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, policy_name));"
        "CREATE TABLE iam_policy_versions ("
        "  account_id TEXT NOT NULL,"
        "  policy_name TEXT NOT NULL COLLATE NOCASE,"
        "  version_id TEXT NOT NULL,"
        "  document TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, policy_name, version_id));"
        "CREATE TABLE iam_attachments ("
        "  account_id TEXT NOT NULL,"
        "  principal_kind TEXT NOT NULL,"
        "  principal_name TEXT NOT NULL COLLATE NOCASE,"
        "  policy_arn TEXT NOT NULL,"
        "  PRIMARY KEY (account_id, principal_kind, principal_name, policy_arn));"
        "CREATE INDEX iam_attachments_by_policy ON iam_attachments(account_id, policy_arn);"
        "CREATE TABLE iam_tags ("
        "  account_id TEXT NOT NULL,"
        "  principal_kind TEXT NOT NULL,"
        "  principal_name TEXT NOT NULL COLLATE NOCASE,"
        "  tag_key TEXT NOT NULL COLLATE NOCASE,"
        "  tag_value TEXT NOT NULL,"
        "  PRIMARY KEY (account_id, principal_kind, principal_name, tag_key));"
        "ALTER TABLE access_keys ADD COLUMN role_name TEXT;"
        "ALTER TABLE access_keys ADD COLUMN session_name TEXT;"
        "ALTER TABLE access_keys ADD COLUMN session_policy TEXT;"},
};

const owl_schema owl_iam_schema = {"iam", iam_migrations,
                                   sizeof iam_migrations / sizeof iam_migrations[0]};

static const char key_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char secret_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool iam_account_id_valid(const char *id)
{
    if (!id || strlen(id) != IAM_ACCOUNT_ID_LEN)
        return false;
    for (const char *p = id; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

static bool access_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n < 16 || n > IAM_ACCESS_KEY_MAX)
        return false;
    for (const char *p = key; *p; p++)
        if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p)))
            return false;
    return true;
}

static bool secret_valid(const char *secret)
{
    size_t n = strlen(secret);
    if (n < 16 || n > IAM_SECRET_KEY_MAX)
        return false;
    for (const char *p = secret; *p; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return false;
    return true;
}

static void account_from_row(sqlite3_stmt *stmt, iam_account *account)
{
    memset(account, 0, sizeof *account);
    snprintf(account->account_id, sizeof account->account_id, "%s",
             (const char *)sqlite3_column_text(stmt, 0));
    snprintf(account->name, sizeof account->name, "%s",
             (const char *)sqlite3_column_text(stmt, 1));
    snprintf(account->canonical_user_id, sizeof account->canonical_user_id, "%s",
             (const char *)sqlite3_column_text(stmt, 2));
    account->created_at = sqlite3_column_int64(stmt, 3);
    snprintf(account->arn, sizeof account->arn, "arn:aws:iam::%s:root", account->account_id);
}

iam_status iam_account_create(sqlite3 *db, const char *account_id, const char *name,
                              const char *access_key_id, const char *secret,
                              iam_account *account, char key_out[IAM_ACCESS_KEY_MAX + 1],
                              char secret_out[IAM_SECRET_KEY_MAX + 1], char *err,
                              size_t errlen)
{
    if (!iam_account_id_valid(account_id)) {
        snprintf(err, errlen, "invalid account ID \"%s\": an account ID is exactly 12 digits",
                 account_id ? account_id : "");
        return IAM_INVALID;
    }
    if ((access_key_id == NULL) != (secret == NULL)) {
        snprintf(err, errlen, "an access key ID and a secret access key go together: give both or neither");
        return IAM_INVALID;
    }
    if (access_key_id && !access_key_valid(access_key_id)) {
        snprintf(err, errlen,
                 "invalid access key ID \"%s\": use 16 to 128 characters from A-Z and 0-9",
                 access_key_id);
        return IAM_INVALID;
    }
    if (secret && !secret_valid(secret)) {
        snprintf(err, errlen,
                 "invalid secret access key: use 16 to 128 printable ASCII characters without spaces");
        return IAM_INVALID;
    }
    if (name && !owl_utf8_valid(name, strlen(name))) {
        snprintf(err, errlen, "account name is not valid UTF-8");
        return IAM_INVALID;
    }
    if (name && strlen(name) >= sizeof account->name) {
        snprintf(err, errlen, "account name is longer than %zu characters", sizeof account->name - 1);
        return IAM_INVALID;
    }

    uint8_t canonical[32];
    owl_random_bytes(canonical, sizeof canonical);
    memset(account, 0, sizeof *account);
    snprintf(account->account_id, sizeof account->account_id, "%s", account_id);
    snprintf(account->name, sizeof account->name, "%s", name ? name : account_id);
    owl_hex_encode(canonical, sizeof canonical, account->canonical_user_id);
    snprintf(account->arn, sizeof account->arn, "arn:aws:iam::%s:root", account_id);
    account->created_at = time(NULL);

    if (access_key_id) {
        snprintf(key_out, IAM_ACCESS_KEY_MAX + 1, "%s", access_key_id);
        snprintf(secret_out, IAM_SECRET_KEY_MAX + 1, "%s", secret);
    } else {
        memcpy(key_out, "AKIA", 4);
        owl_random_string(key_out + 4, 16, key_alphabet);
        owl_random_string(secret_out, 40, secret_alphabet);
    }

    if (owl_store_begin(db) != SQLITE_OK) {
        snprintf(err, errlen, "cannot start a transaction: %s", sqlite3_errmsg(db));
        return IAM_STORE_ERROR;
    }
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)account->created_at);
    const char *account_params[] = {account->account_id, account->name,
                                    account->canonical_user_id, created};
    int rc = owl_store_exec(db,
                            "INSERT INTO accounts(account_id, name, canonical_user_id, created_at)"
                            " VALUES (?, ?, ?, ?)",
                            4, account_params);
    if (rc == SQLITE_CONSTRAINT) {
        owl_store_rollback(db);
        snprintf(err, errlen, "account %s already exists", account_id);
        return IAM_ALREADY_EXISTS;
    }
    if (rc == SQLITE_OK) {
        const char *key_params[] = {key_out, secret_out, account->account_id, created};
        rc = owl_store_exec(db,
                            "INSERT INTO access_keys(access_key_id, secret_access_key, account_id,"
                            " created_at) VALUES (?, ?, ?, ?)",
                            4, key_params);
        if (rc == SQLITE_CONSTRAINT) {
            owl_store_rollback(db);
            snprintf(err, errlen, "access key %s is already in use", key_out);
            return IAM_ALREADY_EXISTS;
        }
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot store account %s: %s", account_id, sqlite3_errmsg(db));
        owl_store_rollback(db);
        return IAM_STORE_ERROR;
    }
    if ((rc = owl_store_commit(db)) != SQLITE_OK) {
        snprintf(err, errlen, "cannot store account %s: commit failed: %s", account_id,
                 sqlite3_errstr(rc));
        return IAM_STORE_ERROR;
    }
    return IAM_OK;
}

iam_status iam_account_get(sqlite3 *db, const char *account_id, iam_account *account)
{
    sqlite3_stmt *stmt = owl_store_prepare(
        db, "SELECT account_id, name, canonical_user_id, created_at FROM accounts"
            " WHERE account_id = ?");
    if (!stmt)
        return IAM_STORE_ERROR;
    sqlite3_bind_text(stmt, 1, account_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        account_from_row(stmt, account);
    owl_store_finish(stmt);
    return rc == SQLITE_ROW ? IAM_OK : rc == SQLITE_DONE ? IAM_NOT_FOUND : IAM_STORE_ERROR;
}

iam_status iam_account_list(sqlite3 *db, bool (*fn)(const iam_account *, void *), void *arg)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT account_id, name, canonical_user_id, created_at FROM accounts"
                           " ORDER BY account_id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return IAM_STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        iam_account account;
        account_from_row(stmt, &account);
        if (!fn(&account, arg)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? IAM_OK : IAM_STORE_ERROR;
}

iam_status iam_access_key_resolve(sqlite3 *db, const char *access_key_id, int64_t now,
                                  iam_identity *identity,
                                  char secret_out[IAM_SECRET_KEY_MAX + 1],
                                  char **session_token_out)
{
    sqlite3_stmt *stmt = owl_store_prepare(
        db, "SELECT k.secret_access_key, k.account_id, k.user_name, k.session_token,"
            " k.expires_at, u.user_id, u.path, k.role_name, k.session_name,"
            " r.role_id, r.path, u.user_name, r.role_name"
            " FROM access_keys k"
            " LEFT JOIN iam_users u"
            "   ON u.account_id = k.account_id AND u.user_name = k.user_name"
            " LEFT JOIN iam_roles r"
            "   ON r.account_id = k.account_id AND r.role_name = k.role_name"
            " WHERE k.access_key_id = ? AND k.status = 'Active'");
    if (!stmt)
        return IAM_STORE_ERROR;
    sqlite3_bind_text(stmt, 1, access_key_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        owl_store_finish(stmt);
        return rc == SQLITE_DONE ? IAM_NOT_FOUND : IAM_STORE_ERROR;
    }
    if (sqlite3_column_type(stmt, 4) != SQLITE_NULL && sqlite3_column_int64(stmt, 4) <= now) {
        owl_store_finish(stmt);
        return IAM_EXPIRED;
    }
    const char *user = (const char *)sqlite3_column_text(stmt, 2);
    const char *role = (const char *)sqlite3_column_text(stmt, 7);
    /* A key whose user or role was deleted stops working at once. */
    if ((user && sqlite3_column_type(stmt, 5) == SQLITE_NULL) ||
        (role && sqlite3_column_type(stmt, 9) == SQLITE_NULL)) {
        owl_store_finish(stmt);
        return IAM_NOT_FOUND;
    }

    memset(identity, 0, sizeof *identity);
    snprintf(secret_out, IAM_SECRET_KEY_MAX + 1, "%s", (const char *)sqlite3_column_text(stmt, 0));
    snprintf(identity->account_id, sizeof identity->account_id, "%s",
             (const char *)sqlite3_column_text(stmt, 1));
    snprintf(identity->access_key_id, sizeof identity->access_key_id, "%s", access_key_id);
    if (user) {
        /* The stored spelling of the name, which may differ in case from the key's row. */
        const char *name = (const char *)sqlite3_column_text(stmt, 11);
        identity->type = IAM_PRINCIPAL_USER;
        snprintf(identity->user_name, sizeof identity->user_name, "%s", name);
        snprintf(identity->arn, sizeof identity->arn, "arn:aws:iam::%s:user%s%s",
                 identity->account_id, (const char *)sqlite3_column_text(stmt, 6), name);
        snprintf(identity->user_id, sizeof identity->user_id, "%s",
                 (const char *)sqlite3_column_text(stmt, 5));
    } else if (role) {
        const char *name = (const char *)sqlite3_column_text(stmt, 12);
        const char *session = (const char *)sqlite3_column_text(stmt, 8);
        identity->type = IAM_PRINCIPAL_ASSUMED_ROLE;
        snprintf(identity->role_name, sizeof identity->role_name, "%s", name);
        snprintf(identity->session_name, sizeof identity->session_name, "%s", session ? session : "");
        snprintf(identity->role_arn, sizeof identity->role_arn, "arn:aws:iam::%s:role%s%s",
                 identity->account_id, (const char *)sqlite3_column_text(stmt, 10), name);
        snprintf(identity->arn, sizeof identity->arn, "arn:aws:sts::%s:assumed-role/%s/%s",
                 identity->account_id, name, identity->session_name);
        snprintf(identity->user_id, sizeof identity->user_id, "%s:%s",
                 (const char *)sqlite3_column_text(stmt, 9), identity->session_name);
    } else {
        identity->type = IAM_PRINCIPAL_ROOT;
        snprintf(identity->arn, sizeof identity->arn, "arn:aws:iam::%s:root", identity->account_id);
        snprintf(identity->user_id, sizeof identity->user_id, "%s", identity->account_id);
    }
    if (session_token_out) {
        const char *token = (const char *)sqlite3_column_text(stmt, 3);
        *session_token_out = token ? strdup(token) : NULL;
    }
    owl_store_finish(stmt);
    return IAM_OK;
}
