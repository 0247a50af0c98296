/*
 * The evaluator against a table of cases written from AWS's documented
 * evaluation logic (iam_cases.h), a principal-by-scenario matrix, and the
 * AccessDenied message formats. A failing case prints its name.
 */
#include "iam/evaluate.h"
#include "unit.h"

#include <stdlib.h>

#include "iam_cases.h"

#define MAX_KEYS 8
#define MAX_VALUES 8

static const iam_tag alice_tags[] = {{"team", "data"}, {"project", "ehms"}};
static const iam_tag analyst_tags[] = {{"team", "data"}};
static const iam_tag mallory_tags[] = {{"team", "*"}};

typedef struct fixture {
    const char *name;
    iam_principal principal;
} fixture;

static const fixture fixtures[] = {
    {"alice", {IAM_PRINCIPAL_USER, P, "arn:aws:iam::111122223333:user/alice", NULL, "alice", "AIDAALICE00000000001", NULL, NULL, alice_tags, 2}},
    {"bob", {IAM_PRINCIPAL_USER, P, "arn:aws:iam::111122223333:user/bob", NULL, "bob", "AIDABOB0000000000001",
             "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", NULL, NULL, 0}},
    {"mallory", {IAM_PRINCIPAL_USER, P, "arn:aws:iam::111122223333:user/mallory", NULL, "mallory", "AIDAMALLORY000000001", NULL, NULL, mallory_tags, 1}},
    {"perf1", {IAM_PRINCIPAL_USER, C, "arn:aws:iam::444455556666:user/perf1-test", NULL, "perf1-test", "AIDAPERF100000000001", NULL, NULL, NULL, 0}},
    {"rootP", {IAM_PRINCIPAL_ROOT, P, "arn:aws:iam::111122223333:root", NULL, NULL, P, NULL, NULL, NULL, 0}},
    {"rootC", {IAM_PRINCIPAL_ROOT, C, "arn:aws:iam::444455556666:root", NULL, NULL, C, NULL, NULL, NULL, 0}},
    {"sessC", {IAM_PRINCIPAL_ASSUMED_ROLE, C, "arn:aws:sts::444455556666:assumed-role/analyst/s1",
               "arn:aws:iam::444455556666:role/analyst", NULL, "AROAANALYST000000001:s1", NULL, NULL, analyst_tags, 1}},
    {"sessP", {IAM_PRINCIPAL_ASSUMED_ROLE, P, "arn:aws:sts::111122223333:assumed-role/hms-fn/exec", ROLE_P, NULL,
               "AROAHMSFN00000000001:exec", NULL, NULL, NULL, 0}},
    {"roleP", {IAM_PRINCIPAL_ROLE, P, "arn:aws:iam::111122223333:role/direct", NULL, NULL, "AROADIRECT0000000001", NULL, NULL, NULL, 0}},
    {"anon", {IAM_PRINCIPAL_ANONYMOUS, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0}},
    {"s3svc", {IAM_PRINCIPAL_SERVICE, NULL, NULL, NULL, NULL, NULL, NULL, "s3.amazonaws.com", NULL, 0}},
    {"lambdasvc", {IAM_PRINCIPAL_SERVICE, NULL, NULL, NULL, NULL, NULL, NULL, "lambda.amazonaws.com", NULL, 0}},
    {"fed", {IAM_PRINCIPAL_FEDERATED, NULL, "arn:aws:iam::111122223333:saml-provider/corp", NULL, NULL, NULL, NULL, NULL, NULL, 0}},
};

static const iam_principal *find_principal(const char *name)
{
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        if (strcmp(fixtures[i].name, name) == 0)
            return &fixtures[i].principal;
    }
    return NULL;
}

/* Parses a single-quoted policy; "T:" selects a trust policy. Reports and returns NULL on error. */
static iam_policy *load(const char *text, iam_policy_kind kind, const char *case_name)
{
    iam_policy *policy = NULL;
    iam_policy_error error;
    char message[600];
    size_t len;
    char *json;

    if (strncmp(text, "T:", 2) == 0) {
        text += 2;
        kind = IAM_POLICY_TRUST;
    }
    len = strlen(text);
    json = malloc(len + 1);
    for (size_t i = 0; i <= len; i++)
        json[i] = text[i] == '\'' ? '"' : text[i] == '`' ? '\'' : text[i];
    if (iam_policy_parse(json, len, kind, 0, &policy, &error) != 0) {
        iam_policy_error_format(&error, message, sizeof(message));
        fprintf(stderr, "  case \"%s\": policy rejected: %s\n", case_name, message);
        policy = NULL;
    }
    free(json);
    return policy;
}

/* Context "k=v1|v2;k2=v" split into owned storage. */
typedef struct context_storage {
    char text[1024];
    const char *values[MAX_KEYS][MAX_VALUES];
    iam_context_key keys[MAX_KEYS];
    size_t count;
} context_storage;

static void parse_context(const char *spec, context_storage *storage)
{
    char *save_key = NULL;

    storage->count = 0;
    if (spec == NULL)
        return;
    snprintf(storage->text, sizeof(storage->text), "%s", spec);
    for (char *item = strtok_r(storage->text, ";", &save_key); item && storage->count < MAX_KEYS;
         item = strtok_r(NULL, ";", &save_key)) {
        char *equals = strchr(item, '='), *save_value = NULL;
        iam_context_key *key = &storage->keys[storage->count];
        size_t n = 0;
        if (equals == NULL)
            continue;
        *equals = '\0';
        for (char *v = strtok_r(equals + 1, "|", &save_value); v && n < MAX_VALUES; v = strtok_r(NULL, "|", &save_value))
            storage->values[storage->count][n++] = v;
        key->key = item;
        key->values = storage->values[storage->count];
        key->count = n;
        storage->count++;
    }
}

static iam_acl_result acl_allow(const iam_request *request, void *arg)
{
    (*(int *)arg)++;
    return IAM_ACL_ALLOW;
}

static iam_acl_result acl_no_opinion(const iam_request *request, void *arg)
{
    (*(int *)arg)++;
    return IAM_ACL_NO_OPINION;
}

static void describe(const iam_decision *d, char *out, size_t outlen)
{
    if (d->policy == NULL)
        snprintf(out, outlen, "(none)");
    else if (d->statement < 0)
        snprintf(out, outlen, "%s", d->policy);
    else if (d->sid && d->sid[0])
        snprintf(out, outlen, "%s/%s", d->policy, d->sid);
    else
        snprintf(out, outlen, "%s/#%d", d->policy, d->statement);
}

/* Runs one case; returns true when the decision, reason and deciding statement match. */
static bool run_case(const eval_case *c)
{
    iam_policy *id1 = c->id1 ? load(c->id1, IAM_POLICY_IDENTITY, c->name) : NULL;
    iam_policy *id2 = c->id2 ? load(c->id2, IAM_POLICY_IDENTITY, c->name) : NULL;
    iam_policy *sess = c->session && c->session[0] ? load(c->session, IAM_POLICY_IDENTITY, c->name) : NULL;
    iam_policy *res = c->resource_policy ? load(c->resource_policy, IAM_POLICY_RESOURCE, c->name) : NULL;
    const iam_principal *principal = find_principal(c->principal);
    iam_policy_ref refs[2], session_refs[1];
    iam_policy_set set = {refs, 0, session_refs, 0, c->session != NULL};
    context_storage context;
    int acl_calls = 0;
    char by[300];
    bool ok = principal != NULL && (c->id1 == NULL || id1) && (c->id2 == NULL || id2) &&
              (c->session == NULL || !c->session[0] || sess) && (c->resource_policy == NULL || res);

    if (ok) {
        if (id1)
            refs[set.count++] = (iam_policy_ref){"id1", id1};
        if (id2)
            refs[set.count++] = (iam_policy_ref){"id2", id2};
        if (sess)
            session_refs[set.session_count++] = (iam_policy_ref){"sess1", sess};
        parse_context(c->context, &context);

        iam_request request = {*principal, c->action, c->resource, c->owner, context.keys, context.count,
                               NULL, &acl_calls};
        if (c->acl == 1)
            request.acl = acl_no_opinion;
        else if (c->acl == 2)
            request.acl = acl_allow;
        iam_decision d = iam_evaluate(&request, &set, res, "res");
        describe(&d, by, sizeof(by));

        ok = (int)d.effect == c->allow && strcmp(iam_reason_name(d.reason), c->reason) == 0 &&
             strcmp(by, c->by ? c->by : "(none)") == 0;
        if (!ok)
            fprintf(stderr, "  case \"%s\": got %s %s by %s, expected %s %s by %s\n", c->name,
                    d.effect ? "allow" : "deny", iam_reason_name(d.reason), by,
                    c->allow ? "allow" : "deny", c->reason, c->by ? c->by : "(none)");
    } else {
        fprintf(stderr, "  case \"%s\": fixture missing or policy rejected\n", c->name);
    }
    iam_policy_free(id1);
    iam_policy_free(id2);
    iam_policy_free(sess);
    iam_policy_free(res);
    return ok;
}

static void test_evaluate_case_table(void)
{
    size_t count = sizeof(eval_cases) / sizeof(eval_cases[0]);
    for (size_t i = 0; i < count; i++)
        CHECK(run_case(&eval_cases[i]));
    printf("%zu evaluation cases\n", count);
}

static void test_evaluate_principal_matrix(void)
{
    static const char *const identity = POL(ALLOW("A", GET_ALL));
    static const char *const bucket[8] = {
        NULL, NULL, POL(ALLOW("Any", ANYONE "," GET_ALL)), POL(ALLOW("AcctC", WHO(C) "," GET_ALL)),
        POL(ALLOW("AcctC", WHO(C) "," GET_ALL)), POL(DENY("DenyAll", ANYONE "," GET_ALL)),
        POL(ALLOW("AcctP", WHO(P) "," GET_ALL)), POL(ALLOW("Any", ANYONE "," GET_ALL)),
    };
    static const bool with_identity[8] = {false, true, false, false, true, true, false, true};
    size_t count = 0;

    for (size_t p = 0; p < 7; p++) {
        for (size_t s = 0; s < 8; s++) {
            char name[80];
            snprintf(name, sizeof(name), "matrix %s scenario %zu", matrix_principals[p], s);
            const char *reason = matrix_expected[p][s];
            bool allow = strncmp(reason, "allow", 5) == 0;
            static const char *const bucket_statement[8] = {NULL, NULL, "res/Any", "res/AcctC", "res/AcctC",
                                                            "res/DenyAll", "res/AcctP", "res/Any"};
            const char *by = NULL;
            if (strcmp(reason, "allow-identity") == 0)
                by = "id1/A";
            else if (strcmp(reason, "allow-resource") == 0 || strcmp(reason, "explicit-deny-resource") == 0)
                by = bucket_statement[s];
            eval_case c = {name, matrix_principals[p], with_identity[s] ? identity : NULL, NULL, NULL,
                           bucket[s], "s3:GetObject", OBJ, P, NULL, 0, allow, reason, by};
            CHECK(run_case(&c));
            count++;
        }
    }
    printf("%zu matrix cases\n", count);
}

static void test_evaluate_acl_called_only_when_needed(void)
{
    iam_request request = {*find_principal("alice"), "s3:GetObject", OBJ, P, NULL, 0, acl_allow, NULL};
    int calls = 0;
    iam_policy *id1 = load(POL(ALLOW("A", GET_ALL)), IAM_POLICY_IDENTITY, "acl calls");
    iam_policy_ref ref = {"id1", id1};
    iam_policy_set set = {&ref, 1, NULL, 0, false};

    request.acl_arg = &calls;
    CHECK_INT(iam_evaluate(&request, &set, NULL, "res").effect, IAM_ALLOW);
    CHECK_INT(calls, 0);
    set.count = 0;
    CHECK_INT(iam_evaluate(&request, &set, NULL, "res").reason, IAM_REASON_ALLOW_ACL);
    CHECK_INT(calls, 1);
    iam_policy_free(id1);
}

static void test_evaluate_cross_account_reports_both(void)
{
    iam_policy *id1 = load(POL(ALLOW("A", GET_ALL)), IAM_POLICY_IDENTITY, "both");
    iam_policy *res = load(BUCKET_POLICY_PERF1, IAM_POLICY_RESOURCE, "both");
    iam_policy_ref ref = {"arn:aws:iam::444455556666:policy/ReadProducer", id1};
    iam_policy_set set = {&ref, 1, NULL, 0, false};
    iam_request request = {*find_principal("perf1"), "s3:GetObject", OBJ, P, NULL, 0, NULL, NULL};
    iam_decision d = iam_evaluate(&request, &set, res, "arn:aws:s3:::athena-test");

    CHECK_INT(d.effect, IAM_ALLOW);
    CHECK_STR(d.policy, "arn:aws:s3:::athena-test");
    CHECK_INT(d.statement, 0);
    CHECK_STR(d.sid, "Stmt1234567890123");
    CHECK_STR(d.identity_policy, "arn:aws:iam::444455556666:policy/ReadProducer");
    CHECK_INT(d.identity_statement, 0);
    iam_policy_free(id1);
    iam_policy_free(res);
}

static void test_evaluate_long_action(void)
{
    char action[3000];
    iam_request request = {*find_principal("rootP"), action, OBJ, P, NULL, 0, NULL, NULL};
    char message[400];

    memset(action, 'a', sizeof(action) - 1);
    action[sizeof(action) - 1] = '\0';
    iam_decision d = iam_evaluate(&request, NULL, NULL, NULL);
    CHECK_INT(d.effect, IAM_DENY);
    CHECK_STR(iam_reason_name(d.reason), "invalid-request");
    iam_decision_message(&request, &d, message, sizeof(message));
    CHECK(strstr(message, "because the action or resource is longer than 2047 characters") != NULL);
}

/* ---- AccessDenied messages ---- */

static void check_message(const char *principal, const char *id, const char *session, const char *resource_policy,
                          const char *action, const char *resource, const char *owner, const char *expected)
{
    iam_policy *id1 = id ? load(id, IAM_POLICY_IDENTITY, expected) : NULL;
    iam_policy *sess = session ? load(session, IAM_POLICY_IDENTITY, expected) : NULL;
    iam_policy *res = resource_policy ? load(resource_policy, IAM_POLICY_RESOURCE, expected) : NULL;
    iam_policy_ref ref = {"id1", id1}, session_ref = {"sess1", sess};
    iam_policy_set set = {&ref, id1 ? 1 : 0, &session_ref, sess ? 1 : 0, sess != NULL};
    iam_request request = {*find_principal(principal), action, resource, owner, NULL, 0, NULL, NULL};
    iam_decision d = iam_evaluate(&request, &set, res, "res");
    char message[600];

    iam_decision_message(&request, &d, message, sizeof(message));
    CHECK_STR(message, expected);
    iam_policy_free(id1);
    iam_policy_free(sess);
    iam_policy_free(res);
}

static void test_message_no_identity_allow(void)
{
    check_message("perf1", NULL, NULL, NULL, "athena:GetDataCatalog", CATALOG, C,
                  "User: arn:aws:iam::444455556666:user/perf1-test is not authorized to perform: "
                  "athena:GetDataCatalog on resource: arn:aws:athena:eu-central-1:444455556666:datacatalog/ehms "
                  "because no identity-based policy allows the athena:GetDataCatalog action");
}

static void test_message_explicit_deny_identity(void)
{
    check_message("perf1", POL(DENY("D", "'Action':'athena:*','Resource':'*'")), NULL, NULL,
                  "athena:GetDataCatalog", CATALOG, C,
                  "User: arn:aws:iam::444455556666:user/perf1-test is not authorized to perform: "
                  "athena:GetDataCatalog on resource: arn:aws:athena:eu-central-1:444455556666:datacatalog/ehms "
                  "with an explicit deny in an identity-based policy");
}

static void test_message_no_resource_allow(void)
{
    check_message("perf1", POL(ALLOW("A", "'Action':'lambda:InvokeFunction','Resource':'*'")), NULL, NULL,
                  "lambda:InvokeFunction", FN, P,
                  "User: arn:aws:iam::444455556666:user/perf1-test is not authorized to perform: "
                  "lambda:InvokeFunction on resource: "
                  "arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new "
                  "because no resource-based policy allows the lambda:InvokeFunction action");
}

static void test_message_explicit_deny_resource(void)
{
    check_message("perf1", POL(ALLOW("A", GET_ALL)), NULL, POL(DENY("D", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P,
                  "User: arn:aws:iam::444455556666:user/perf1-test is not authorized to perform: "
                  "s3:GetObject on resource: arn:aws:s3:::athena-test/lambda/dataset/part-0.parquet "
                  "with an explicit deny in a resource-based policy");
}

static void test_message_session(void)
{
    check_message("sessC", POL(ALLOW("A", ALL_S3)), POL(ALLOW("S", GET_ALL)), NULL, "s3:PutObject",
                  "arn:aws:s3:::consumer-bucket/k", C,
                  "User: arn:aws:sts::444455556666:assumed-role/analyst/s1 is not authorized to perform: "
                  "s3:PutObject on resource: arn:aws:s3:::consumer-bucket/k "
                  "because no session policy allows the s3:PutObject action");
    check_message("sessC", POL(ALLOW("A", ALL_S3)), POL(DENY("S", GET_ALL)), NULL, "s3:GetObject",
                  "arn:aws:s3:::consumer-bucket/k", C,
                  "User: arn:aws:sts::444455556666:assumed-role/analyst/s1 is not authorized to perform: "
                  "s3:GetObject on resource: arn:aws:s3:::consumer-bucket/k "
                  "with an explicit deny in a session policy");
}

static void test_message_anonymous_and_allow(void)
{
    check_message("anon", NULL, NULL, NULL, "s3:GetObject", OBJ, P,
                  "User: anonymous is not authorized to perform: s3:GetObject on resource: "
                  "arn:aws:s3:::athena-test/lambda/dataset/part-0.parquet "
                  "because no resource-based policy allows the s3:GetObject action");
    check_message("rootP", NULL, NULL, NULL, "s3:GetObject", OBJ, P, "");
}

static void test_message_truncates(void)
{
    iam_request request = {*find_principal("perf1"), "s3:GetObject", OBJ, P, NULL, 0, NULL, NULL};
    iam_decision d = iam_evaluate(&request, NULL, NULL, NULL);
    char small[16];
    int n = iam_decision_message(&request, &d, small, sizeof(small));

    CHECK(n > (int)sizeof(small));
    CHECK_STR(small, "User: arn:aws:i");
}

int main(void)
{
    UNIT_RUN(test_evaluate_case_table);
    UNIT_RUN(test_evaluate_principal_matrix);
    UNIT_RUN(test_evaluate_acl_called_only_when_needed);
    UNIT_RUN(test_evaluate_cross_account_reports_both);
    UNIT_RUN(test_evaluate_long_action);
    UNIT_RUN(test_message_no_identity_allow);
    UNIT_RUN(test_message_explicit_deny_identity);
    UNIT_RUN(test_message_no_resource_allow);
    UNIT_RUN(test_message_explicit_deny_resource);
    UNIT_RUN(test_message_session);
    UNIT_RUN(test_message_anonymous_and_allow);
    UNIT_RUN(test_message_truncates);
    return UNIT_SUMMARY();
}
