/*
 * STS operations: GetCallerIdentity and AssumeRole, and role sessions for
 * service principals. See sts.h.
 *
 * AssumeRole follows IAM's rules: the role's trust policy must allow the
 * caller, and unless it names the caller itself in the same account, the
 * caller's own identity policies must allow sts:AssumeRole on the role too
 * (always the case across accounts). Sessions last DurationSeconds, 900 up
 * to the role's MaxSessionDuration (default 3600), and at most one hour
 * when a role session assumes another role (role chaining).
 */
#include "iam/sts.h"

#include "common/buf.h"
#include "common/util.h"
#include "iam/authorize.h"
#include "iam/iam_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROLE_CHAINING_MAX_SECONDS 3600
#define SESSION_POLICY_MAX 2048

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

/* ---- Role sessions ---- */

/*
 * Splits arn:aws:iam::ACCOUNT:role/PATH/NAME into the account and the role
 * name; returns false when role_arn is not of that form.
 */
static bool role_arn_parse(const char *role_arn, char account_id[IAM_ACCOUNT_ID_LEN + 1],
                           const char **name)
{
    static const char prefix[] = "arn:aws:iam::";
    if (strncmp(role_arn, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *account = role_arn + sizeof prefix - 1;
    if (strlen(account) < IAM_ACCOUNT_ID_LEN + 6 ||
        strncmp(account + IAM_ACCOUNT_ID_LEN, ":role/", 6) != 0)
        return false;
    memcpy(account_id, account, IAM_ACCOUNT_ID_LEN);
    account_id[IAM_ACCOUNT_ID_LEN] = '\0';
    *name = strrchr(role_arn, '/') + 1;
    return iam_account_id_valid(account_id) && iam_name_valid(*name);
}

/* Looks up the role an ARN names, path included. */
static iam_status role_lookup(sqlite3 *db, const char *role_arn, iam_entity *role)
{
    char account_id[IAM_ACCOUNT_ID_LEN + 1];
    const char *name;
    memset(role, 0, sizeof *role);
    if (!role_arn_parse(role_arn, account_id, &name))
        return IAM_INVALID;
    iam_status status = iam_entity_get(db, account_id, IAM_KIND_ROLE, name, role);
    if (status == IAM_OK && strcmp(role->arn, role_arn) != 0) {
        iam_entity_clear(role);
        return IAM_NOT_FOUND;
    }
    return status;
}

static bool session_name_valid(const char *name)
{
    size_t n = strlen(name);
    return n >= 2 && n <= 64 && iam_name_valid(name);
}

/* Stores a new session of role (in the role's account) and fills creds. */
static iam_status session_create(sqlite3 *db, const iam_entity *role, const char *session_name,
                                 int duration_seconds, const char *session_policy,
                                 sts_credentials *creds)
{
    char account_id[IAM_ACCOUNT_ID_LEN + 1];
    const char *name;
    if (!role_arn_parse(role->arn, account_id, &name))
        return IAM_INVALID;

    memset(creds, 0, sizeof *creds);
    memcpy(creds->access_key_id, "ASIA", 4);
    owl_random_string(creds->access_key_id + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    owl_random_string(creds->secret_access_key, 40,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    owl_random_string(creds->session_token, STS_SESSION_TOKEN_LEN,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    int64_t now = time(NULL);
    creds->expiration = now + duration_seconds;
    snprintf(creds->assumed_role_id, sizeof creds->assumed_role_id, "%s:%s", role->id,
             session_name);
    snprintf(creds->assumed_role_arn, sizeof creds->assumed_role_arn,
             "arn:aws:sts::%s:assumed-role/%s/%s", account_id, role->name, session_name);

    char created[24], expires[24];
    snprintf(created, sizeof created, "%lld", (long long)now);
    snprintf(expires, sizeof expires, "%lld", (long long)creds->expiration);
    const char *params[] = {creds->access_key_id, creds->secret_access_key, account_id,
                            creds->session_token, expires, created, role->name, session_name,
                            session_policy};
    if (owl_store_begin(db) != SQLITE_OK)
        return IAM_STORE_ERROR;
    int rc = owl_store_exec(db,
                            "INSERT INTO access_keys(access_key_id, secret_access_key, account_id,"
                            " session_token, expires_at, created_at, role_name, session_name,"
                            " session_policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            9, params);
    if (rc != SQLITE_OK || owl_store_commit(db) != SQLITE_OK) {
        owl_store_rollback(db);
        return IAM_STORE_ERROR;
    }
    return IAM_OK;
}

iam_status iam_role_assume_for_service(sqlite3 *db, const char *role_arn, const char *service,
                                       const char *session_name, int duration_seconds,
                                       sts_credentials *creds)
{
    if (!role_arn || !service || !session_name || !session_name_valid(session_name))
        return IAM_INVALID;
    iam_entity role;
    iam_status status = role_lookup(db, role_arn, &role);
    if (status != IAM_OK)
        return status;
    if (duration_seconds < IAM_ROLE_SESSION_MIN || duration_seconds > role.max_session_duration ||
        iam_trust_policy_check(role.trust_policy, NULL, service, "sts:AssumeRole", NULL) ==
            IAM_TRUST_DENIED)
        status = IAM_INVALID;
    else
        status = session_create(db, &role, session_name, duration_seconds, NULL, creds);
    iam_entity_clear(&role);
    return status;
}

static void assume_role_denied(aws_call *call, const char *role_arn)
{
    aws_call_error(call, 403, "AccessDenied",
                   "User: %s is not authorized to perform: sts:AssumeRole on resource: %s",
                   call->identity->arn, role_arn);
}

/* Parses DurationSeconds (900-43200, default 3600); sends ValidationError and returns -1 when bad. */
static int duration_param(iam_api_request *request)
{
    const char *text = iam_param(request, "DurationSeconds");
    if (!text)
        return IAM_ROLE_SESSION_DEFAULT;
    char *end;
    long value = strtol(text, &end, 10);
    if (!*text || *end || value < IAM_ROLE_SESSION_MIN || value > IAM_ROLE_MAX_SESSION_MAX) {
        aws_call_error(request->call, 400, "ValidationError",
                       "1 validation error detected: Value '%s' at 'durationSeconds' failed to "
                       "satisfy constraint: Member must have value %s",
                       text,
                       value < IAM_ROLE_SESSION_MIN ? "greater than or equal to 900"
                                                    : "less than or equal to 43200");
        return -1;
    }
    return (int)value;
}

static void sts_assume_role(iam_api_request *request)
{
    aws_call *call = request->call;
    const char *role_arn = iam_param(request, "RoleArn");
    const char *session_name = iam_param(request, "RoleSessionName");
    const char *session_policy = iam_param(request, "Policy");
    iam_validation v = {0};
    iam_validate(&v, role_arn, "roleArn", true, 20, 2048, IAM_NAME_ANY);
    iam_validate(&v, session_name, "roleSessionName", true, 2, 64, IAM_NAME_SESSION);
    iam_validate(&v, session_policy, "policy", false, 1, SESSION_POLICY_MAX, IAM_NAME_ANY);
    if (iam_validation_failed(request, &v))
        return;
    int duration = duration_param(request);
    if (duration < 0)
        return;
    char err[256];
    if (session_policy &&
        iam_policy_document_check(session_policy, IAM_POLICY_IDENTITY, 0, err, sizeof err) !=
            IAM_DOCUMENT_VALID) {
        aws_call_error(call, 400, "MalformedPolicyDocument", "%s", err);
        return;
    }

    iam_entity role;
    iam_status status = role_lookup(request->db, role_arn, &role);
    if (status == IAM_INVALID) {
        aws_call_error(call, 400, "ValidationError",
                       "%s is not a valid role ARN: use arn:aws:iam::<account>:role/<name>",
                       role_arn);
        return;
    }
    if (status == IAM_STORE_ERROR) {
        iam_store_failure(request, "read the role");
        return;
    }
    /* A missing role is reported like a denial, as AWS does, so callers cannot probe for roles. */
    iam_trust_result trust = IAM_TRUST_DENIED;
    if (status == IAM_OK)
        trust = iam_trust_policy_check(role.trust_policy, call->identity, NULL, "sts:AssumeRole",
                                       iam_param(request, "ExternalId"));
    char role_account[IAM_ACCOUNT_ID_LEN + 1];
    const char *role_name;
    role_arn_parse(role_arn, role_account, &role_name);
    bool same_account = strcmp(role_account, request->account_id) == 0;
    if (trust == IAM_TRUST_DENIED) {
        iam_entity_clear(&role);
        assume_role_denied(call, role_arn);
        return;
    }
    /*
     * The caller's own account must allow the call unless the trust policy
     * names the caller itself in the same account. The trust policy was
     * checked above, so this checks only the identity side: the resource
     * is given the caller's account and no resource policy. The generic
     * same-account rule (either side suffices) would otherwise let a trust
     * policy that names only the account admit every user in it.
     */
    iam_resource resource = {.arn = role_arn, .account_id = request->account_id};
    if (!(same_account && trust == IAM_TRUST_PRINCIPAL) &&
        !iam_authorize(call, "sts:AssumeRole", &resource, "AccessDenied")) {
        iam_entity_clear(&role);
        return;
    }

    const char *limit_message = NULL;
    if (call->identity->type == IAM_PRINCIPAL_ASSUMED_ROLE && duration > ROLE_CHAINING_MAX_SECONDS)
        limit_message = "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                        "assumed by role chaining.";
    else if (duration > role.max_session_duration)
        limit_message = "The requested DurationSeconds exceeds the MaxSessionDuration set for this "
                        "role.";
    if (limit_message) {
        iam_entity_clear(&role);
        aws_call_error(call, 400, "ValidationError", "%s", limit_message);
        return;
    }

    sts_credentials creds;
    status = session_create(request->db, &role, session_name, duration, session_policy, &creds);
    iam_entity_clear(&role);
    if (status != IAM_OK) {
        iam_store_failure(request, "store the role session");
        return;
    }
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, "<Credentials>");
    iam_xml_text(&xml, "AccessKeyId", creds.access_key_id);
    iam_xml_text(&xml, "SecretAccessKey", creds.secret_access_key);
    iam_xml_text(&xml, "SessionToken", creds.session_token);
    iam_xml_time(&xml, "Expiration", creds.expiration);
    owl_buf_puts(&xml, "</Credentials><AssumedRoleUser>");
    iam_xml_text(&xml, "AssumedRoleId", creds.assumed_role_id);
    iam_xml_text(&xml, "Arn", creds.assumed_role_arn);
    owl_buf_puts(&xml, "</AssumedRoleUser>");
    if (session_policy)
        owl_buf_printf(&xml, "<PackedPolicySize>%zu</PackedPolicySize>",
                       strlen(session_policy) * 100 / SESSION_POLICY_MAX);
    aws_call_query_result(call, xml.data);
    owl_buf_free(&xml);
}

void sts_handle(aws_call *call)
{
    if (strcmp(call->operation, "GetCallerIdentity") == 0) {
        sts_get_caller_identity(call);
        return;
    }
    if (strcmp(call->operation, "AssumeRole") == 0) {
        iam_api_request request = {
            .call = call,
            .db = owl_store_acquire(call->store),
            .account_id = call->identity->account_id,
        };
        sts_assume_role(&request);
        owl_store_release(call->store, request.db);
        return;
    }
    aws_call_error(call, 400, "InvalidAction", "Could not find operation %s for version 2011-06-15",
                   call->operation);
}
