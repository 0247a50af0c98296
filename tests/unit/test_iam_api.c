/*
 * Unit tests of the IAM API helpers (name, path and parameter validation,
 * pagination), the interim policy checks, the identity store, access key
 * resolution of users and role sessions, and service role sessions.
 */
#include "iam/iam_internal.h"
#include "iam/identity_store.h"
#include "iam/managed_policies.h"
#include "iam/sts.h"
#include "store/store.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ACCOUNT "111122223333"
#define OTHER_ACCOUNT "444455556666"

static void test_entity_names(void)
{
    CHECK(iam_name_valid("alice"));
    CHECK(iam_name_valid("a+b=c,d.e@f-g_h"));
    CHECK(iam_name_valid("X1"));
    CHECK(!iam_name_valid(""));
    CHECK(!iam_name_valid("a b"));
    CHECK(!iam_name_valid("a/b"));
    CHECK(!iam_name_valid("caf\xc3\xa9"));
    CHECK(!iam_name_valid("semi;colon"));
}

static void test_paths(void)
{
    CHECK(iam_path_valid("/"));
    CHECK(iam_path_valid("/division/"));
    CHECK(iam_path_valid("/a/b/c/"));
    CHECK(!iam_path_valid(""));
    CHECK(!iam_path_valid("//"));
    CHECK(!iam_path_valid("division/"));
    CHECK(!iam_path_valid("/division"));
    CHECK(!iam_path_valid("/with space/"));
}

static void test_validation_messages(void)
{
    iam_validation v = {0};
    iam_validate(&v, "a b", "userName", true, 1, 64, IAM_NAME_ENTITY);
    CHECK_INT(v.count, 1);
    CHECK_STR(v.messages.data, "Value 'a b' at 'userName' failed to satisfy constraint: Member "
                               "must satisfy regular expression pattern: [\\w+=,.@-]+");
    owl_buf_free(&v.messages);

    iam_validation two = {0};
    iam_validate(&two, NULL, "roleName", true, 1, 64, IAM_NAME_ENTITY);
    iam_validate(&two, "x", "path", false, 1, 512, IAM_NAME_PATH);
    iam_validate(&two, NULL, "description", false, 0, 1000, IAM_NAME_ANY);
    CHECK_INT(two.count, 2);
    CHECK_STR(two.messages.data,
              "Value null at 'roleName' failed to satisfy constraint: Member must not be null; "
              "Value 'x' at 'path' failed to satisfy constraint: Member must satisfy regular "
              "expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)");
    owl_buf_free(&two.messages);

    char long_name[66];
    memset(long_name, 'u', 65);
    long_name[65] = '\0';
    iam_validation length = {0};
    iam_validate(&length, long_name, "userName", true, 1, 64, IAM_NAME_ENTITY);
    CHECK_INT(length.count, 1);
    CHECK(strstr(length.messages.data, "Member must have length less than or equal to 64") != NULL);
    owl_buf_free(&length.messages);

    iam_validation session = {0};
    iam_validate(&session, "s", "roleSessionName", true, 2, 64, IAM_NAME_SESSION);
    CHECK_INT(session.count, 1);
    CHECK(strstr(session.messages.data, "greater than or equal to 2") != NULL);
    owl_buf_free(&session.messages);
}

static void test_pagination(void)
{
    const char *keys[] = {"a", "b", "c", "d", "e"};
    iam_page page = {.max_items = 2};
    int taken_count = 0;
    for (int i = 0; i < 5; i++)
        taken_count += iam_page_take(&page, keys[i]);
    CHECK_INT(taken_count, 2);
    CHECK(page.truncated);
    CHECK_STR(page.next_marker, "c");

    iam_page next = {.max_items = 2, .marker = "c"};
    const char *emitted[5];
    int count = 0;
    for (int i = 0; i < 5; i++)
        if (iam_page_take(&next, keys[i]))
            emitted[count++] = keys[i];
    CHECK_INT(count, 2);
    CHECK_STR(emitted[0], "c");
    CHECK_STR(emitted[1], "d");
    CHECK_STR(next.next_marker, "e");

    /* A marker whose item was deleted resumes at the next key. */
    iam_page deleted_marker = {.max_items = 10, .marker = "bb"};
    count = 0;
    for (int i = 0; i < 5; i++)
        count += iam_page_take(&deleted_marker, keys[i]);
    CHECK_INT(count, 3);
    CHECK(!deleted_marker.truncated);
}

static void test_policy_document_check(void)
{
    char err[256];
    const char *read_all = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
                           "\"Action\":\"s3:*\",\"Resource\":\"*\"}}";
    CHECK_INT(iam_policy_document_check(read_all, IAM_POLICY_IDENTITY, 0, err, sizeof err),
              IAM_DOCUMENT_VALID);
    CHECK_INT(iam_policy_document_check("{nope", IAM_POLICY_IDENTITY, 0, err, sizeof err),
              IAM_DOCUMENT_MALFORMED);
    CHECK_STR(err, "Syntax errors in policy.");
    CHECK_INT(iam_policy_document_check(
                  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                  "\"Action\":\"s3:*\"}]}",
                  IAM_POLICY_IDENTITY, 0, err, sizeof err),
              IAM_DOCUMENT_MALFORMED);
    CHECK_STR(err, "Policy statement must contain resources.");
    CHECK_INT(iam_policy_document_check(read_all, IAM_POLICY_IDENTITY, 20, err, sizeof err),
              IAM_DOCUMENT_TOO_LARGE);
    CHECK_STR(err, "Cannot exceed quota for PolicySize: 20");

    const char *trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        "\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},"
                        "\"Action\":\"sts:AssumeRole\"}]}";
    CHECK_INT(iam_policy_document_check(trust, IAM_POLICY_TRUST, 0, err, sizeof err),
              IAM_DOCUMENT_VALID);
    CHECK_INT(iam_policy_document_check(trust, IAM_POLICY_IDENTITY, 0, err, sizeof err),
              IAM_DOCUMENT_MALFORMED);
    CHECK_STR(err, "Policy document should not specify a principal.");
    CHECK_INT(iam_policy_document_check(
                  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                  "\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}",
                  IAM_POLICY_TRUST, 0, err, sizeof err),
              IAM_DOCUMENT_MALFORMED);
    CHECK_STR(err, "Has prohibited field Resource.");
}

static iam_identity identity_of(iam_principal_type type, const char *account, const char *arn)
{
    iam_identity identity;
    memset(&identity, 0, sizeof identity);
    identity.type = type;
    snprintf(identity.account_id, sizeof identity.account_id, "%s", account);
    snprintf(identity.arn, sizeof identity.arn, "%s", arn);
    return identity;
}

static void test_trust_policy_check(void)
{
    const char *trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        "\"Principal\":{\"AWS\":[\"arn:aws:iam::" OTHER_ACCOUNT ":root\","
                        "\"arn:aws:iam::" ACCOUNT ":user/ops\"]},\"Action\":\"sts:AssumeRole\"},"
                        "{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"lambda.amazonaws.com\"]},"
                        "\"Action\":\"sts:*\"}]}";
    iam_identity other_root =
        identity_of(IAM_PRINCIPAL_ROOT, OTHER_ACCOUNT, "arn:aws:iam::" OTHER_ACCOUNT ":root");
    iam_identity other_user = identity_of(IAM_PRINCIPAL_USER, OTHER_ACCOUNT,
                                          "arn:aws:iam::" OTHER_ACCOUNT ":user/anyone");
    iam_identity ops = identity_of(IAM_PRINCIPAL_USER, ACCOUNT, "arn:aws:iam::" ACCOUNT ":user/ops");
    iam_identity own_root = identity_of(IAM_PRINCIPAL_ROOT, ACCOUNT, "arn:aws:iam::" ACCOUNT ":root");
    CHECK_INT(iam_trust_policy_check(trust, &other_root, NULL, "sts:AssumeRole", NULL), IAM_TRUST_ACCOUNT);
    CHECK_INT(iam_trust_policy_check(trust, &other_user, NULL, "sts:AssumeRole", NULL), IAM_TRUST_ACCOUNT);
    CHECK_INT(iam_trust_policy_check(trust, &ops, NULL, "sts:AssumeRole", NULL), IAM_TRUST_PRINCIPAL);
    CHECK_INT(iam_trust_policy_check(trust, &own_root, NULL, "sts:AssumeRole", NULL), IAM_TRUST_DENIED);
    CHECK_INT(iam_trust_policy_check(trust, &other_root, NULL, "sts:TagSession", NULL), IAM_TRUST_DENIED);
    CHECK_INT(iam_trust_policy_check(trust, NULL, "lambda.amazonaws.com", "sts:AssumeRole", NULL),
              IAM_TRUST_PRINCIPAL);
    CHECK_INT(iam_trust_policy_check(trust, NULL, "ec2.amazonaws.com", "sts:AssumeRole", NULL),
              IAM_TRUST_DENIED);

    const char *denying = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
                          "\"Action\":\"sts:AssumeRole\"},{\"Effect\":\"Deny\",\"Principal\":"
                          "{\"AWS\":\"" OTHER_ACCOUNT "\"},\"Action\":\"sts:AssumeRole\"}]}";
    CHECK_INT(iam_trust_policy_check(denying, &own_root, NULL, "sts:AssumeRole", NULL),
              IAM_TRUST_PRINCIPAL);
    CHECK_INT(iam_trust_policy_check(denying, &other_root, NULL, "sts:AssumeRole", NULL),
              IAM_TRUST_DENIED);

    const char *conditional = "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                              OTHER_ACCOUNT "\"},\"Action\":\"sts:AssumeRole\",\"Condition\":"
                              "{\"StringEquals\":{\"sts:ExternalId\":\"x\"}}}}";
    CHECK_INT(iam_trust_policy_check(conditional, &other_root, NULL, "sts:AssumeRole", NULL),
              IAM_TRUST_DENIED);
    CHECK_INT(iam_trust_policy_check(conditional, &other_root, NULL, "sts:AssumeRole", "y"),
              IAM_TRUST_DENIED);
    /* The evaluator checks the condition, and an allow it grants counts as naming the account. */
    CHECK_INT(iam_trust_policy_check(conditional, &other_root, NULL, "sts:AssumeRole", "x"),
              IAM_TRUST_ACCOUNT);
    CHECK_INT(iam_trust_policy_check("{not json", &other_root, NULL, "sts:AssumeRole", NULL),
              IAM_TRUST_DENIED);
}

/* ---- The identity store, on a real state database ---- */

typedef struct test_store {
    char dir[64];
    owl_store *store;
    sqlite3 *db;
} test_store;

static bool test_store_open(test_store *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/owlery-iam-unit-XXXXXX");
    if (!mkdtemp(t->dir))
        return false;
    static const owl_schema *const schemas[] = {&owl_iam_schema};
    char err[256];
    t->store = owl_store_open(t->dir, schemas, 1, err, sizeof err);
    if (!t->store) {
        fprintf(stderr, "cannot open the test store: %s\n", err);
        return false;
    }
    t->db = owl_store_acquire(t->store);
    iam_account account;
    char key[IAM_ACCESS_KEY_MAX + 1], secret[IAM_SECRET_KEY_MAX + 1];
    return iam_account_create(t->db, ACCOUNT, "producer", NULL, NULL, &account, key, secret, err,
                              sizeof err) == IAM_OK;
}

static void test_store_close(test_store *t)
{
    owl_store_release(t->store, t->db);
    owl_store_close(t->store);
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", t->dir);
    CHECK_INT(system(command), 0);
}

static void sql(test_store *t, const char *text)
{
    char *message = NULL;
    int rc = sqlite3_exec(t->db, text, NULL, NULL, &message);
    if (rc != SQLITE_OK)
        fprintf(stderr, "SQL failed: %s: %s\n", text, message ? message : "");
    CHECK_INT(rc, SQLITE_OK);
    sqlite3_free(message);
}

#define DOC(sid) "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"" sid "\",\"Effect\":" \
                 "\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"

/* Seeds a user in two groups, a role with a session, and policies of every kind. */
static void seed_entities(test_store *t)
{
    sql(t, "INSERT INTO iam_users VALUES ('" ACCOUNT "', 'alice', 'AIDAAAAAAAAAAAAAAAAAA',"
           " '/data/', 1);"
           "INSERT INTO iam_groups VALUES ('" ACCOUNT "', 'readers', 'AGPAAAAAAAAAAAAAAAAAA', '/', 1);"
           "INSERT INTO iam_groups VALUES ('" ACCOUNT "', 'analysts', 'AGPABBBBBBBBBBBBBBBBB',"
           " '/teams/', 1);"
           "INSERT INTO iam_group_members VALUES ('" ACCOUNT "', 'readers', 'alice');"
           "INSERT INTO iam_group_members VALUES ('" ACCOUNT "', 'analysts', 'alice');"
           "INSERT INTO iam_inline_policies VALUES ('" ACCOUNT "', 'user', 'alice', 'own', '" DOC("U") "');"
           "INSERT INTO iam_inline_policies VALUES ('" ACCOUNT "', 'group', 'readers', 'read', '" DOC("G") "');"
           "INSERT INTO iam_policies VALUES ('" ACCOUNT "', 'custom', 'ANPAAAAAAAAAAAAAAAAAA', '/',"
           " NULL, 'v2', 3, 1, 1);"
           "INSERT INTO iam_policy_versions VALUES ('" ACCOUNT "', 'custom', 'v1', '" DOC("old") "', 1);"
           "INSERT INTO iam_policy_versions VALUES ('" ACCOUNT "', 'custom', 'v2', '" DOC("new") "', 1);"
           "INSERT INTO iam_attachments VALUES ('" ACCOUNT "', 'user', 'alice',"
           " 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess');"
           "INSERT INTO iam_attachments VALUES ('" ACCOUNT "', 'group', 'analysts',"
           " 'arn:aws:iam::" ACCOUNT ":policy/custom');"
           "INSERT INTO iam_tags VALUES ('" ACCOUNT "', 'user', 'alice', 'team', 'data');"
           "INSERT INTO access_keys(access_key_id, secret_access_key, account_id, user_name,"
           " created_at) VALUES ('AKIAALICE00000000001', 'alice-secret-000000000000000000000000001',"
           " '" ACCOUNT "', 'alice', 1);"
           "INSERT INTO iam_roles VALUES ('" ACCOUNT "', 'runner', 'AROAAAAAAAAAAAAAAAAAA', '/svc/',"
           " '{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
           "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}', NULL, 3600, 1);"
           "INSERT INTO iam_inline_policies VALUES ('" ACCOUNT "', 'role', 'runner', 'logs', '" DOC("R") "');"
           "INSERT INTO iam_attachments VALUES ('" ACCOUNT "', 'role', 'runner',"
           " 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');");
}

typedef struct collected {
    int count;
    iam_identity_policy_type types[16];
    char sources[16][256];
    char sids[16][16];
    int stop_after;
} collected;

static bool collect_policy(const iam_identity_policy *policy, void *arg)
{
    collected *c = arg;
    if (c->count < 16) {
        c->types[c->count] = policy->type;
        snprintf(c->sources[c->count], sizeof c->sources[0], "%s", policy->source);
        const char *sid = strstr(policy->document, "\"Sid\":\"");
        snprintf(c->sids[c->count], sizeof c->sids[0], "%.*s",
                 sid ? (int)strcspn(sid + 7, "\"") : 0, sid ? sid + 7 : "");
    }
    c->count++;
    return c->stop_after == 0 || c->count < c->stop_after;
}

static void test_identity_store_user(void)
{
    test_store t;
    if (!test_store_open(&t)) {
        CHECK(!"test store");
        return;
    }
    seed_entities(&t);

    iam_identity alice;
    char secret[IAM_SECRET_KEY_MAX + 1];
    char *token = NULL;
    CHECK_INT(iam_access_key_resolve(t.db, "AKIAALICE00000000001", time(NULL), &alice, secret,
                                     &token),
              IAM_OK);
    CHECK(token == NULL);
    CHECK_INT(alice.type, IAM_PRINCIPAL_USER);
    CHECK_STR(alice.arn, "arn:aws:iam::" ACCOUNT ":user/data/alice");
    CHECK_STR(alice.user_id, "AIDAAAAAAAAAAAAAAAAAA");
    CHECK_STR(alice.user_name, "alice");

    collected c = {0};
    CHECK_INT(iam_identity_store_policies(t.db, &alice, collect_policy, &c), IAM_OK);
    CHECK_INT(c.count, 4);
    CHECK_STR(c.sources[0], "arn:aws:iam::" ACCOUNT ":user/data/alice/policy/own");
    CHECK_INT(c.types[0], IAM_IDENTITY_POLICY_INLINE);
    CHECK_STR(c.sids[0], "U");
    CHECK_STR(c.sources[1], "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess");
    CHECK_INT(c.types[1], IAM_IDENTITY_POLICY_MANAGED);
    /* Groups in name order: analysts (attached custom policy, default v2), then readers. */
    CHECK_STR(c.sources[2], "arn:aws:iam::" ACCOUNT ":policy/custom");
    CHECK_STR(c.sids[2], "new");
    CHECK_STR(c.sources[3], "arn:aws:iam::" ACCOUNT ":group/readers/policy/read");
    CHECK_STR(c.sids[3], "G");

    collected first = {.stop_after = 1};
    CHECK_INT(iam_identity_store_policies(t.db, &alice, collect_policy, &first), IAM_OK);
    CHECK_INT(first.count, 1);

    iam_identity root = identity_of(IAM_PRINCIPAL_ROOT, ACCOUNT, "arn:aws:iam::" ACCOUNT ":root");
    collected none = {0};
    CHECK_INT(iam_identity_store_policies(t.db, &root, collect_policy, &none), IAM_OK);
    CHECK_INT(none.count, 0);

    /* Deleting the user makes its key stop resolving at once. */
    sql(&t, "DELETE FROM iam_users WHERE user_name = 'alice'");
    CHECK_INT(iam_access_key_resolve(t.db, "AKIAALICE00000000001", time(NULL), &alice, secret,
                                     NULL),
              IAM_NOT_FOUND);
    test_store_close(&t);
}

static bool collect_tag(const char *key, const char *value, void *arg)
{
    owl_buf *out = arg;
    owl_buf_printf(out, "%s=%s;", key, value);
    return true;
}

static void test_identity_store_tags(void)
{
    test_store t;
    if (!test_store_open(&t)) {
        CHECK(!"test store");
        return;
    }
    seed_entities(&t);
    iam_identity alice = identity_of(IAM_PRINCIPAL_USER, ACCOUNT,
                                     "arn:aws:iam::" ACCOUNT ":user/data/alice");
    snprintf(alice.user_name, sizeof alice.user_name, "alice");
    owl_buf tags = OWL_BUF_INIT;
    CHECK_INT(iam_identity_store_tags(t.db, &alice, collect_tag, &tags), IAM_OK);
    CHECK_STR(tags.data, "team=data;");
    owl_buf_free(&tags);
    test_store_close(&t);
}

static void test_service_role_session(void)
{
    test_store t;
    if (!test_store_open(&t)) {
        CHECK(!"test store");
        return;
    }
    seed_entities(&t);
    const char *role_arn = "arn:aws:iam::" ACCOUNT ":role/svc/runner";
    sts_credentials creds;
    CHECK_INT(iam_role_assume_for_service(t.db, role_arn, "lambda.amazonaws.com", "fn-1", 900,
                                          &creds),
              IAM_OK);
    CHECK(strncmp(creds.access_key_id, "ASIA", 4) == 0);
    CHECK_INT(strlen(creds.session_token), STS_SESSION_TOKEN_LEN);
    CHECK_STR(creds.assumed_role_arn, "arn:aws:sts::" ACCOUNT ":assumed-role/runner/fn-1");
    CHECK_STR(creds.assumed_role_id, "AROAAAAAAAAAAAAAAAAAA:fn-1");

    iam_identity session;
    char secret[IAM_SECRET_KEY_MAX + 1];
    char *token = NULL;
    CHECK_INT(iam_access_key_resolve(t.db, creds.access_key_id, time(NULL), &session, secret,
                                     &token),
              IAM_OK);
    CHECK_STR(token, creds.session_token);
    free(token);
    CHECK_STR(secret, creds.secret_access_key);
    CHECK_INT(session.type, IAM_PRINCIPAL_ASSUMED_ROLE);
    CHECK_STR(session.arn, creds.assumed_role_arn);
    CHECK_STR(session.role_arn, role_arn);
    CHECK_STR(session.user_id, "AROAAAAAAAAAAAAAAAAAA:fn-1");
    CHECK_INT(iam_access_key_resolve(t.db, creds.access_key_id, creds.expiration, &session,
                                     secret, NULL),
              IAM_EXPIRED);

    collected c = {0};
    CHECK_INT(iam_identity_store_policies(t.db, &session, collect_policy, &c), IAM_OK);
    CHECK_INT(c.count, 2);
    CHECK_STR(c.sources[0], "arn:aws:iam::" ACCOUNT ":role/svc/runner/policy/logs");
    CHECK_STR(c.sources[1], "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");

    sql(&t, "UPDATE access_keys SET session_policy = '" DOC("S") "' WHERE role_name = 'runner'");
    collected with_session = {0};
    CHECK_INT(iam_identity_store_policies(t.db, &session, collect_policy, &with_session), IAM_OK);
    CHECK_INT(with_session.count, 3);
    CHECK_INT(with_session.types[2], IAM_IDENTITY_POLICY_SESSION);
    CHECK_STR(with_session.sources[2], "session-policy");

    CHECK_INT(iam_role_assume_for_service(t.db, role_arn, "ec2.amazonaws.com", "fn-1", 900, &creds),
              IAM_INVALID);
    CHECK_INT(iam_role_assume_for_service(t.db, role_arn, "lambda.amazonaws.com", "fn-1", 7200,
                                          &creds),
              IAM_INVALID);
    CHECK_INT(iam_role_assume_for_service(t.db, role_arn, "lambda.amazonaws.com", "a b", 900, &creds),
              IAM_INVALID);
    CHECK_INT(iam_role_assume_for_service(t.db, "arn:aws:iam::" ACCOUNT ":role/runner",
                                          "lambda.amazonaws.com", "fn-1", 900, &creds),
              IAM_NOT_FOUND);
    test_store_close(&t);
}

/* Evaluates action on resource for who with the compiled identity context. */
static iam_effect evaluate_for(const iam_identity *who, const iam_identity_context *context,
                               const char *action, const char *resource)
{
    iam_request request = {
        .principal = {.type = who->type, .account = who->account_id, .arn = who->arn,
                      .user_name = who->user_name, .user_id = who->user_id,
                      .tags = context->tags, .tag_count = context->tag_count},
        .action = action,
        .resource = resource,
    };
    return iam_evaluate(&request, &context->set, NULL, NULL).effect;
}

static void test_identity_context_evaluates(void)
{
    test_store t;
    if (!test_store_open(&t)) {
        CHECK(!"test store");
        return;
    }
    seed_entities(&t);
    iam_identity alice;
    char secret[IAM_SECRET_KEY_MAX + 1];
    CHECK_INT(iam_access_key_resolve(t.db, "AKIAALICE00000000001", time(NULL), &alice, secret,
                                     NULL),
              IAM_OK);
    iam_identity_context context;
    CHECK_INT(iam_identity_context_load(t.db, &alice, &context), IAM_OK);
    CHECK_INT(context.set.count, 4);
    CHECK(!context.set.has_session);
    CHECK_INT(context.tag_count, 1);
    CHECK_STR(context.tags[0].key, "team");
    CHECK_INT(evaluate_for(&alice, &context, "s3:ListBucket", "arn:aws:s3:::athena-test"), IAM_ALLOW);
    CHECK_INT(evaluate_for(&alice, &context, "s3:PutObject", "arn:aws:s3:::athena-test/x"),
              IAM_DENY);
    CHECK_INT(evaluate_for(&alice, &context, "iam:CreateUser", "arn:aws:iam::" ACCOUNT ":user/x"),
              IAM_DENY);
    iam_identity_context_free(&context);

    /* A session policy narrows the role: only what both allow remains. */
    sts_credentials creds;
    CHECK_INT(iam_role_assume_for_service(t.db, "arn:aws:iam::" ACCOUNT ":role/svc/runner",
                                          "lambda.amazonaws.com", "fn-2", 900, &creds),
              IAM_OK);
    sql(&t, "UPDATE access_keys SET session_policy = '{\"Version\":\"2012-10-17\",\"Statement\":"
            "[{\"Effect\":\"Allow\",\"Action\":\"logs:PutLogEvents\",\"Resource\":\"*\"}]}'"
            " WHERE role_name = 'runner'");
    iam_identity session;
    CHECK_INT(iam_access_key_resolve(t.db, creds.access_key_id, time(NULL), &session, secret, NULL),
              IAM_OK);
    CHECK_INT(iam_identity_context_load(t.db, &session, &context), IAM_OK);
    CHECK(context.set.has_session);
    CHECK_INT(context.set.session_count, 1);
    CHECK_INT(evaluate_for(&session, &context, "logs:PutLogEvents", "*"), IAM_ALLOW);
    CHECK_INT(evaluate_for(&session, &context, "logs:CreateLogGroup", "*"), IAM_DENY);
    iam_identity_context_free(&context);

    /* A stored document that no longer parses makes the load fail, so the caller denies. */
    sql(&t, "UPDATE iam_inline_policies SET document = '{broken' WHERE principal_name = 'alice'");
    CHECK_INT(iam_identity_context_load(t.db, &alice, &context), IAM_INVALID);
    iam_identity_context_free(&context);
    test_store_close(&t);
}

static void test_aws_managed_policies(void)
{
    CHECK_INT(iam_aws_policy_count(), 8);
    for (size_t i = 0; i < iam_aws_policy_count(); i++) {
        const iam_aws_policy *policy = iam_aws_policy_at(i);
        char err[256];
        CHECK_INT(iam_policy_document_check(policy->document, IAM_POLICY_IDENTITY,
                                            IAM_MANAGED_POLICY_SIZE_MAX, err, sizeof err),
                  IAM_DOCUMENT_VALID);
        CHECK_INT(strlen(policy->policy_id), IAM_UNIQUE_ID_LEN);
        CHECK(iam_aws_policy_find(policy->arn) == policy);
        if (i > 0)
            CHECK(strcmp(iam_aws_policy_at(i - 1)->arn, policy->arn) < 0);
    }
    CHECK(iam_aws_policy_at(iam_aws_policy_count()) == NULL);
    CHECK(iam_aws_policy_find("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole") == NULL);
}

int main(void)
{
    UNIT_RUN(test_entity_names);
    UNIT_RUN(test_paths);
    UNIT_RUN(test_validation_messages);
    UNIT_RUN(test_pagination);
    UNIT_RUN(test_policy_document_check);
    UNIT_RUN(test_trust_policy_check);
    UNIT_RUN(test_identity_store_user);
    UNIT_RUN(test_identity_store_tags);
    UNIT_RUN(test_service_role_session);
    UNIT_RUN(test_identity_context_evaluates);
    UNIT_RUN(test_aws_managed_policies);
    return UNIT_SUMMARY();
}
