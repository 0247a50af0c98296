/*
 * Evaluation cases for test_iam_evaluate.c, written from the policy
 * evaluation logic, condition operators and policy variables documented in
 * AWS's IAM User Guide.
 *
 * Accounts: P = 111122223333 (producer, owns the bucket athena-test and the
 * function external-hms-service-new), C = 444455556666 (consumer, user
 * perf1-test). Principals are named fixtures defined in the test. Policies
 * use single quotes, which the test turns into double quotes, and
 * backquotes for the single quotes of a variable's default value.
 *
 * by names the deciding statement as "POLICY/Sid", or "POLICY/#INDEX" when
 * the statement has no Sid, or "POLICY" when no statement decided (ACL);
 * NULL means no policy decided (root allow, implicit deny). Identity
 * policies are "id1" and "id2", the session policy "sess1", the resource
 * policy "res".
 */
#ifndef OWL_TEST_IAM_CASES_H
#define OWL_TEST_IAM_CASES_H

#define P "111122223333"
#define C "444455556666"
#define OBJ "arn:aws:s3:::athena-test/lambda/dataset/part-0.parquet"
#define BUCKET "arn:aws:s3:::athena-test"
#define FN "arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new"
#define CATALOG "arn:aws:athena:eu-central-1:444455556666:datacatalog/ehms"
#define ROLE_P "arn:aws:iam::111122223333:role/hms-fn"

/* Statements are joined with "," by the caller: POL(ALLOW(...) "," DENY(...)). */
#define POL(statements) "{'Version':'2012-10-17','Statement':[" statements "]}"
#define POL08(statements) "{'Version':'2008-10-17','Statement':[" statements "]}"
#define ALLOW(sid, body) "{'Sid':'" sid "','Effect':'Allow'," body "}"
#define DENY(sid, body) "{'Sid':'" sid "','Effect':'Deny'," body "}"
#define COND(op, key, values) "'Condition':{'" op "':{'" key "':" values "}}"
#define WHO(principal) "'Principal':{'AWS':'" principal "'}"
#define ANYONE "'Principal':'*'"
#define ALL_S3 "'Action':'s3:*','Resource':'*'"
#define GET_ALL "'Action':'s3:GetObject','Resource':'*'"

/* The AmazonAthenaFullAccess statements these cases rely on, shortened. */
#define ATHENA_FULL                                                                                \
    POL(ALLOW("BaseAthenaPermissions", "'Action':['athena:*'],'Resource':['*']") ","                  \
        ALLOW("BaseGluePermissions", "'Action':['glue:GetTable','glue:GetTables','glue:GetDatabase'],'Resource':['*']") "," \
        ALLOW("BaseQueryResultsPermissions",                                                       \
              "'Action':['s3:GetBucketLocation','s3:GetObject','s3:ListBucket','s3:PutObject'],"   \
              "'Resource':['arn:aws:s3:::aws-athena-query-results-*']") ","                           \
        ALLOW("BaseS3BucketPermissions", "'Action':['s3:ListBucket','s3:GetBucketLocation','s3:ListAllMyBuckets'],'Resource':['*']"))

#define BUCKET_POLICY_PERF1                                                                        \
    POL(ALLOW("Stmt1234567890123", WHO("arn:aws:iam::444455556666:user/perf1-test") ","           \
                                   "'Action':'s3:GetObject','Resource':'arn:aws:s3:::athena-test/lambda/dataset/*'"))

#define FUNCTION_POLICY_PERF1                                                                      \
    POL(ALLOW("Id-ehms-invocation2", WHO("arn:aws:iam::444455556666:user/perf1-test") ","         \
                                     "'Action':'lambda:InvokeFunction','Resource':'" FN "'"))

typedef struct eval_case {
    const char *name;
    const char *principal;
    const char *id1, *id2;
    const char *session; /* NULL: no session; "": session without session policies */
    const char *resource_policy; /* prefix "T:" parses it as a trust policy */
    const char *action;
    const char *resource;
    const char *owner;
    const char *context; /* "key=v1|v2;key=v" */
    int acl;             /* 0 no hook, 1 hook without opinion, 2 hook allows */
    int allow;
    const char *reason;
    const char *by;
} eval_case;

/* Identity-side helpers: alice (user in P) reads OBJ in P. */
#define ID_CASE(name, id1, action, resource, allow, reason, by) \
    {name, "alice", id1, NULL, NULL, NULL, action, resource, P, NULL, 0, allow, reason, by}
#define ID_ALLOW(name, id1, action, resource, by) ID_CASE(name, id1, action, resource, 1, "allow-identity", by)
#define ID_NONE(name, id1, action, resource) ID_CASE(name, id1, action, resource, 0, "no-identity-allow", NULL)

/* Condition helpers: alice may do s3:* when the condition holds. */
#define COND_ALLOW(name, cond, ctx) \
    {name, "alice", POL(ALLOW("C", ALL_S3 "," cond)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, ctx, 0, 1, "allow-identity", "id1/C"}
#define COND_NONE(name, cond, ctx) \
    {name, "alice", POL(ALLOW("C", ALL_S3 "," cond)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, ctx, 0, 0, "no-identity-allow", NULL}
/* Deny-with-condition helpers: alice may do s3:*, except when the condition holds. */
#define DENY_APPLIES(name, cond, ctx) \
    {name, "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", ALL_S3 "," cond)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, ctx, 0, 0, "explicit-deny-identity", "id1/D"}
#define DENY_SKIPPED(name, cond, ctx) \
    {name, "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", ALL_S3 "," cond)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, ctx, 0, 1, "allow-identity", "id1/A"}

#define NOW "2026-12-04T19:50:01Z"

static const eval_case eval_cases[] = {
    /* ---- Actions: case-insensitive, '*' and '?' wildcards, service prefix ---- */
    ID_ALLOW("action exact", POL(ALLOW("A", GET_ALL)), "s3:GetObject", OBJ, "id1/A"),
    ID_ALLOW("action policy case", POL(ALLOW("A", "'Action':'S3:getobject','Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_ALLOW("action request case", POL(ALLOW("A", GET_ALL)), "S3:GETOBJECT", OBJ, "id1/A"),
    ID_NONE("action other", POL(ALLOW("A", GET_ALL)), "s3:PutObject", OBJ),
    ID_ALLOW("action prefix wildcard", POL(ALLOW("A", "'Action':'s3:Get*','Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("action prefix wildcard miss", POL(ALLOW("A", "'Action':'s3:Get*','Resource':'*'")), "s3:PutObject", OBJ),
    ID_ALLOW("action suffix wildcard", POL(ALLOW("A", "'Action':'s3:*Object','Resource':'*'")), "s3:PutObject", OBJ, "id1/A"),
    ID_NONE("action suffix wildcard miss", POL(ALLOW("A", "'Action':'s3:*Object','Resource':'*'")), "s3:GetObjectAcl", OBJ),
    ID_ALLOW("action question mark", POL(ALLOW("A", "'Action':'s3:?etObject','Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("action question mark one char", POL(ALLOW("A", "'Action':'s3:?etObject','Resource':'*'")), "s3:GGetObject", OBJ),
    ID_ALLOW("action star", POL(ALLOW("A", "'Action':'*','Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_ALLOW("action service wildcard", POL(ALLOW("A", "'Action':'*:GetObject','Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("action service wildcard miss", POL(ALLOW("A", "'Action':'*:GetObject','Resource':'*'")), "athena:GetDataCatalog", CATALOG),
    ID_ALLOW("action service prefix wildcard", POL(ALLOW("A", "'Action':'s*:Get*','Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("action other service", POL(ALLOW("A", "'Action':'s3x:GetObject','Resource':'*'")), "s3:GetObject", OBJ),
    ID_NONE("action service is prefix", POL(ALLOW("A", "'Action':'s:GetObject','Resource':'*'")), "s3:GetObject", OBJ),
    ID_NONE("action literal is prefix", POL(ALLOW("A", "'Action':'s3:GetObjec','Resource':'*'")), "s3:GetObject", OBJ),
    ID_ALLOW("action trailing star", POL(ALLOW("A", "'Action':'s3:GetObject*','Resource':'*'")), "s3:GetObjectAcl", OBJ, "id1/A"),
    ID_ALLOW("action list second", POL(ALLOW("A", "'Action':['athena:*','s3:GetObject'],'Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_ALLOW("action middle star", POL(ALLOW("A", "'Action':'s3:Get*Acl','Resource':'*'")), "s3:GetObjectAcl", OBJ, "id1/A"),
    ID_NONE("action middle star miss", POL(ALLOW("A", "'Action':'s3:Get*Acl','Resource':'*'")), "s3:GetObjectTagging", OBJ),

    /* ---- Resources: case-sensitive, wildcards per ARN component ---- */
    ID_ALLOW("resource exact", POL(ALLOW("A", "'Action':'s3:GetObject','Resource':'" OBJ "'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("resource case", POL(ALLOW("A", "'Action':'s3:GetObject','Resource':'arn:aws:s3:::Athena-test/lambda/dataset/part-0.parquet'")), "s3:GetObject", OBJ),
    ID_ALLOW("resource prefix", POL(ALLOW("A", "'Action':'s3:GetObject','Resource':'arn:aws:s3:::athena-test/*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("resource prefix not bucket", POL(ALLOW("A", "'Action':'s3:ListBucket','Resource':'arn:aws:s3:::athena-test/*'")), "s3:ListBucket", BUCKET),
    ID_ALLOW("resource bucket wildcard", POL(ALLOW("A", "'Action':'s3:ListBucket','Resource':'arn:aws:s3:::athena-*'")), "s3:ListBucket", BUCKET, "id1/A"),
    ID_ALLOW("resource question mark", POL(ALLOW("A", "'Action':'s3:ListBucket','Resource':'arn:aws:s3:::athena-tes?'")), "s3:ListBucket", BUCKET, "id1/A"),
    ID_NONE("resource question mark length", POL(ALLOW("A", "'Action':'s3:ListBucket','Resource':'arn:aws:s3:::athena-tes?'")), "s3:ListBucket", "arn:aws:s3:::athena-tests"),
    ID_ALLOW("resource region wildcard", POL(ALLOW("A", "'Action':'lambda:*','Resource':'arn:aws:lambda:*:111122223333:function:*'")), "lambda:InvokeFunction", FN, "id1/A"),
    ID_ALLOW("resource account wildcard", POL(ALLOW("A", "'Action':'lambda:*','Resource':'arn:aws:lambda:*:*:function:external-*'")), "lambda:InvokeFunction", FN, "id1/A"),
    ID_NONE("resource other region", POL(ALLOW("A", "'Action':'lambda:*','Resource':'arn:aws:lambda:us-west-2:*:function:*'")), "lambda:InvokeFunction", FN),
    ID_ALLOW("resource service wildcard", POL(ALLOW("A", "'Action':'lambda:*','Resource':'arn:aws:*:us-east-1:111122223333:*'")), "lambda:InvokeFunction", FN, "id1/A"),
    ID_NONE("resource component star stops at colon", POL(ALLOW("A", "'Action':'lambda:*','Resource':'arn:aws:*:111122223333:function:*'")), "lambda:InvokeFunction", FN),
    ID_ALLOW("resource star crosses colons in resource part", POL(ALLOW("A", "'Action':'s3:*','Resource':'arn:aws:s3:::*'")), "s3:GetObject", "arn:aws:s3:::athena-test/a:b:c", "id1/A"),
    ID_NONE("resource qualifier not covered", POL(ALLOW("A", "'Action':'lambda:*','Resource':'" FN "'")), "lambda:InvokeFunction", FN ":1"),
    ID_ALLOW("resource qualifier wildcard", POL(ALLOW("A", "'Action':'lambda:*','Resource':'" FN ":*'")), "lambda:InvokeFunction", FN ":prod", "id1/A"),
    ID_ALLOW("resource list second", POL(ALLOW("A", "'Action':'s3:*','Resource':['arn:aws:s3:::other/*','arn:aws:s3:::athena-test/*']")), "s3:GetObject", OBJ, "id1/A"),
    ID_ALLOW("resource star request star", POL(ALLOW("A", "'Action':'s3:ListAllMyBuckets','Resource':'*'")), "s3:ListAllMyBuckets", "*", "id1/A"),
    ID_NONE("resource arn pattern request star", POL(ALLOW("A", "'Action':'s3:ListAllMyBuckets','Resource':'arn:aws:s3:::*'")), "s3:ListAllMyBuckets", "*"),
    ID_NONE("resource other partition", POL(ALLOW("A", "'Action':'s3:*','Resource':'arn:aws-cn:s3:::athena-test/*'")), "s3:GetObject", OBJ),
    ID_ALLOW("resource partition wildcard", POL(ALLOW("A", "'Action':'s3:*','Resource':'arn:aws*:s3:::athena-test/*'")), "s3:GetObject", OBJ, "id1/A"),

    /* ---- Several statements and policies; explicit deny wins ---- */
    ID_ALLOW("first allow reported", POL(ALLOW("First", GET_ALL) "," ALLOW("Second", ALL_S3)), "s3:GetObject", OBJ, "id1/First"),
    ID_ALLOW("later allow when first misses", POL(ALLOW("First", "'Action':'athena:*','Resource':'*'") "," ALLOW("Second", ALL_S3)), "s3:GetObject", OBJ, "id1/Second"),
    ID_ALLOW("allow without sid", POL("{'Effect':'Allow','Action':'athena:*','Resource':'*'}" "," "{'Effect':'Allow'," ALL_S3 "}"), "s3:GetObject", OBJ, "id1/#1"),
    {"allow in second policy", "alice", POL(ALLOW("A", "'Action':'athena:*','Resource':'*'")), POL(ALLOW("B", GET_ALL)), NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id2/B"},
    {"deny in first policy allow in second", "alice", POL(DENY("D", GET_ALL)), POL(ALLOW("B", GET_ALL)), NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"allow in first deny in second", "alice", POL(ALLOW("A", GET_ALL)), POL(DENY("D", ALL_S3)), NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id2/D"},
    {"deny before allow in one policy", "alice", POL(DENY("D", GET_ALL) "," ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"deny after allow in one policy", "alice", POL(ALLOW("A", GET_ALL) "," DENY("D", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"deny without sid", "alice", POL(ALLOW("A", GET_ALL) "," "{'Effect':'Deny'," GET_ALL "}"), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/#1"},
    {"deny other action", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'Action':'s3:Delete*','Resource':'*'")), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"deny same action other resource", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'Action':'s3:*','Resource':'arn:aws:s3:::secret/*'")), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"deny everything", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'Action':'*','Resource':'*'")), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"deny only without allow", "alice", POL(DENY("D", "'Action':'s3:Delete*','Resource':'*'")), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"no identity policies", "alice", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"deny wildcard service", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'Action':'*:Get*','Resource':'*'")), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},

    /* ---- NotAction, NotResource ---- */
    {"deny notaction spares listed", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'NotAction':'s3:Get*','Resource':'*'")), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"deny notaction hits others", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'NotAction':'s3:Get*','Resource':'*'")), NULL, NULL, NULL, "s3:PutObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    ID_ALLOW("allow notaction other service", POL(ALLOW("A", "'NotAction':'iam:*','Resource':'*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("allow notaction excluded", POL(ALLOW("A", "'NotAction':'iam:*','Resource':'*'")), "iam:CreateUser", "arn:aws:iam::111122223333:user/x"),
    ID_NONE("allow notaction excluded case", POL(ALLOW("A", "'NotAction':'iam:*','Resource':'*'")), "IAM:createuser", "arn:aws:iam::111122223333:user/x"),
    ID_ALLOW("allow notaction list", POL(ALLOW("A", "'NotAction':['iam:*','sts:*'],'Resource':'*'")), "athena:GetDataCatalog", CATALOG, "id1/A"),
    ID_NONE("allow notaction list excluded", POL(ALLOW("A", "'NotAction':['iam:*','sts:*'],'Resource':'*'")), "sts:AssumeRole", ROLE_P),
    ID_ALLOW("allow notresource other", POL(ALLOW("A", "'Action':'s3:*','NotResource':'arn:aws:s3:::secret/*'")), "s3:GetObject", OBJ, "id1/A"),
    ID_NONE("allow notresource excluded", POL(ALLOW("A", "'Action':'s3:*','NotResource':'arn:aws:s3:::secret/*'")), "s3:GetObject", "arn:aws:s3:::secret/k"),
    {"deny notresource spares listed", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'Action':'s3:*','NotResource':'arn:aws:s3:::athena-test/*'")), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"deny notresource hits others", "alice", POL(ALLOW("A", ALL_S3) "," DENY("D", "'Action':'s3:*','NotResource':'arn:aws:s3:::athena-test/*'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::other/k", P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"deny notaction notresource both outside", "alice", POL(ALLOW("A", "'Action':'*','Resource':'*'") "," DENY("D", "'NotAction':'s3:GetObject','NotResource':'arn:aws:s3:::athena-test/*'")), NULL, NULL, NULL, "s3:PutObject", "arn:aws:s3:::other/k", P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"deny notaction notresource action listed", "alice", POL(ALLOW("A", "'Action':'*','Resource':'*'") "," DENY("D", "'NotAction':'s3:GetObject','NotResource':'arn:aws:s3:::athena-test/*'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::other/k", P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"deny notaction notresource resource listed", "alice", POL(ALLOW("A", "'Action':'*','Resource':'*'") "," DENY("D", "'NotAction':'s3:GetObject','NotResource':'arn:aws:s3:::athena-test/*'")), NULL, NULL, NULL, "s3:PutObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},

    /* ---- Resource policies in the same account ---- */
    {"same account resource policy names user", "bob", NULL, NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::111122223333:user/bob") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"same account resource policy names account", "bob", NULL, NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::111122223333:root") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"same account resource policy names other user", "bob", NULL, NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::111122223333:user/alice") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"same account resource policy star", "bob", NULL, NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"same account resource policy aws star", "bob", NULL, NULL, NULL, POL(ALLOW("R", WHO("*") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"same account identity preferred", "alice", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"same account resource deny beats identity", "alice", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(DENY("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/R"},
    {"same account resource deny other principal", "alice", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(DENY("R", WHO("arn:aws:iam::111122223333:user/bob") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"notprincipal deny spares listed", "alice", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(DENY("R", "'NotPrincipal':{'AWS':'arn:aws:iam::111122223333:user/alice'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"notprincipal deny hits others", "bob", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(DENY("R", "'NotPrincipal':{'AWS':'arn:aws:iam::111122223333:user/alice'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/R"},
    {"notprincipal allow others", "alice", NULL, NULL, NULL, POL(ALLOW("R", "'NotPrincipal':{'AWS':'arn:aws:iam::111122223333:user/bob'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"notprincipal allow excluded", "bob", NULL, NULL, NULL, POL(ALLOW("R", "'NotPrincipal':{'AWS':'arn:aws:iam::111122223333:user/bob'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"notprincipal deny hits root", "rootP", NULL, NULL, NULL, POL(DENY("R", "'NotPrincipal':{'AWS':'arn:aws:iam::111122223333:user/alice'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/R"},
    {"notprincipal deny hits anonymous", "anon", NULL, NULL, NULL, POL(ALLOW("A", ANYONE "," GET_ALL) "," DENY("R", "'NotPrincipal':{'AWS':'111122223333'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/R"},
    {"resource policy other action", "bob", NULL, NULL, NULL, POL(ALLOW("R", ANYONE ",'Action':'s3:PutObject','Resource':'*'")), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"resource policy other resource", "bob", NULL, NULL, NULL, POL(ALLOW("R", ANYONE ",'Action':'s3:GetObject','Resource':'arn:aws:s3:::athena-test/other/*'")), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"resource policy second statement", "bob", NULL, NULL, NULL, POL(ALLOW("R1", WHO("arn:aws:iam::111122223333:user/alice") "," GET_ALL) "," ALLOW("R2", WHO("arn:aws:iam::111122223333:user/bob") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R2"},
    {"resource policy principal list", "bob", NULL, NULL, NULL, POL(ALLOW("R", "'Principal':{'AWS':['arn:aws:iam::111122223333:user/alice','arn:aws:iam::111122223333:user/bob']}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"resource policy insecure transport deny", "alice", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(DENY("TLS", ANYONE ",'Action':'s3:*','Resource':'*'," COND("Bool", "aws:SecureTransport", "'false'"))), "s3:GetObject", OBJ, P, "aws:SecureTransport=false", 0, 0, "explicit-deny-resource", "res/TLS"},
    {"resource policy secure transport", "alice", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(DENY("TLS", ANYONE ",'Action':'s3:*','Resource':'*'," COND("Bool", "aws:SecureTransport", "'false'"))), "s3:GetObject", OBJ, P, "aws:SecureTransport=true", 0, 1, "allow-identity", "id1/A"},
    {"resource owner defaults to caller account", "bob", NULL, NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::111122223333:user/bob") "," GET_ALL)), "s3:GetObject", OBJ, NULL, NULL, 0, 1, "allow-resource", "res/R"},
    {"canonical user grant", "bob", NULL, NULL, NULL, POL(ALLOW("R", "'Principal':{'CanonicalUser':'79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"canonical user other", "alice", NULL, NULL, NULL, POL(ALLOW("R", "'Principal':{'CanonicalUser':'79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'}," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"unique id principal", "alice", NULL, NULL, NULL, POL(ALLOW("R", WHO("AIDAALICE00000000001") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},

    /* ---- Cross account: both sides must allow ---- */
    {"cross account both allow", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, BUCKET_POLICY_PERF1, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/Stmt1234567890123"},
    {"cross account no resource policy", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"cross account resource policy other user", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::444455556666:user/other") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"cross account no identity allow", "perf1", NULL, NULL, NULL, BUCKET_POLICY_PERF1, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"cross account resource outside prefix", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, BUCKET_POLICY_PERF1, "s3:GetObject", "arn:aws:s3:::athena-test/other/x", P, NULL, 0, 0, "no-resource-allow", NULL},
    {"cross account names account root", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::444455556666:root") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"cross account names bare account", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("444455556666") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"cross account names account without identity", "perf1", NULL, NULL, NULL, POL(ALLOW("R", WHO("444455556666") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"cross account names other account", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("999988887777") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"cross account star with identity", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"cross account star without identity", "perf1", NULL, NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"cross account resource deny", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL) "," DENY("D", WHO("arn:aws:iam::444455556666:user/perf1-test") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/D"},
    {"cross account identity deny", "perf1", POL(DENY("D", GET_ALL)), NULL, NULL, BUCKET_POLICY_PERF1, "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"cross account identity deny before resource deny", "perf1", POL(DENY("D", GET_ALL)), NULL, NULL, POL(DENY("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-identity", "id1/D"},
    {"cross account resource deny without identity allow", "perf1", NULL, NULL, NULL, POL(DENY("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/R"},
    {"cross account own bucket no resource policy", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 1, "allow-identity", "id1/A"},
    {"cross account athena without lambda permission", "perf1", ATHENA_FULL, NULL, NULL, FUNCTION_POLICY_PERF1, "lambda:InvokeFunction", FN, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"cross account lambda invoke allowed", "perf1", ATHENA_FULL, POL(ALLOW("InvokeEhms", "'Action':'lambda:InvokeFunction','Resource':'" FN "'")), NULL, FUNCTION_POLICY_PERF1, "lambda:InvokeFunction", FN, P, NULL, 0, 1, "allow-resource", "res/Id-ehms-invocation2"},
    {"cross account lambda no function policy", "perf1", POL(ALLOW("InvokeEhms", "'Action':'lambda:InvokeFunction','Resource':'" FN "'")), NULL, NULL, NULL, "lambda:InvokeFunction", FN, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"cross account lambda other action", "perf1", POL(ALLOW("A", "'Action':'lambda:*','Resource':'*'")), NULL, NULL, FUNCTION_POLICY_PERF1, "lambda:GetFunction", FN, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"athena full access catalog", "perf1", ATHENA_FULL, NULL, NULL, NULL, "athena:GetDataCatalog", CATALOG, C, NULL, 0, 1, "allow-identity", "id1/BaseAthenaPermissions"},
    {"athena catalog without policy", "perf1", NULL, NULL, NULL, NULL, "athena:GetDataCatalog", CATALOG, C, NULL, 0, 0, "no-identity-allow", NULL},
    {"athena full access query results", "perf1", ATHENA_FULL, NULL, NULL, NULL, "s3:PutObject", "arn:aws:s3:::aws-athena-query-results-444455556666-eu-central-1/q.csv", C, NULL, 0, 1, "allow-identity", "id1/BaseQueryResultsPermissions"},
    {"athena full access other bucket", "perf1", ATHENA_FULL, NULL, NULL, BUCKET_POLICY_PERF1, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"athena full access list cross account", "perf1", ATHENA_FULL, NULL, NULL, POL(ALLOW("List", WHO("444455556666") ",'Action':'s3:ListBucket','Resource':'" BUCKET "'")), "s3:ListBucket", BUCKET, P, NULL, 0, 1, "allow-resource", "res/List"},
    {"athena full access glue", "perf1", ATHENA_FULL, NULL, NULL, NULL, "glue:GetTable", "arn:aws:glue:eu-central-1:444455556666:table/db/t", C, NULL, 0, 1, "allow-identity", "id1/BaseGluePermissions"},
    {"athena full access glue other", "perf1", ATHENA_FULL, NULL, NULL, NULL, "glue:DeleteTableVersion", "arn:aws:glue:eu-central-1:444455556666:table/db/t", C, NULL, 0, 0, "no-identity-allow", NULL},
    {"athena full access list buckets", "perf1", ATHENA_FULL, NULL, NULL, NULL, "s3:ListAllMyBuckets", "*", C, NULL, 0, 1, "allow-identity", "id1/BaseS3BucketPermissions"},

    /* ---- Account roots ---- */
    {"root own account", "rootP", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-root", NULL},
    {"root own account any action", "rootP", NULL, NULL, NULL, NULL, "iam:CreateUser", "arn:aws:iam::111122223333:user/x", P, NULL, 0, 1, "allow-root", NULL},
    {"root own account resource deny", "rootP", NULL, NULL, NULL, POL(DENY("D", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/D"},
    {"root own account deny other", "rootP", NULL, NULL, NULL, POL(DENY("D", WHO("arn:aws:iam::111122223333:user/bob") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-root", NULL},
    {"root own account deny account", "rootP", NULL, NULL, NULL, POL(DENY("D", WHO("111122223333") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/D"},
    {"root other account no policy", "rootC", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"root other account allowed by account", "rootC", NULL, NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::444455556666:root") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"root other account named user only", "rootC", NULL, NULL, NULL, BUCKET_POLICY_PERF1, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"root other account star", "rootC", NULL, NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"root identity policies ignored", "rootP", POL(DENY("D", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-root", NULL},

    /* ---- Assumed-role sessions and session policies ---- */
    {"session own account identity", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 1, "allow-identity", "id1/A"},
    {"session cross account role arn", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::444455556666:role/analyst") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"session cross account session arn", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("arn:aws:sts::444455556666:assumed-role/analyst/s1") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"session cross account other session", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("arn:aws:sts::444455556666:assumed-role/analyst/s2") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"session cross account other role", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::444455556666:role/admin") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"session cross account account", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("444455556666") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"session role unique id", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("AROAANALYST000000001") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"session user arn does not match role", "sessC", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::444455556666:user/analyst") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"session policy allows", "sessC", POL(ALLOW("A", ALL_S3)), NULL, POL(ALLOW("S", GET_ALL)), NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 1, "allow-identity", "id1/A"},
    {"session policy narrows", "sessC", POL(ALLOW("A", ALL_S3)), NULL, POL(ALLOW("S", GET_ALL)), NULL, "s3:PutObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 0, "no-session-allow", NULL},
    {"session policy deny", "sessC", POL(ALLOW("A", ALL_S3)), NULL, POL(ALLOW("S", ALL_S3) "," DENY("SD", GET_ALL)), NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 0, "explicit-deny-session", "sess1/SD"},
    {"session without session policies", "sessC", POL(ALLOW("A", ALL_S3)), NULL, "", NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 0, "no-session-allow", NULL},
    {"session policy cannot grant", "sessC", NULL, NULL, POL(ALLOW("S", ALL_S3)), NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 0, "no-identity-allow", NULL},
    {"session policy cross account narrows", "sessC", POL(ALLOW("A", ALL_S3)), NULL, POL(ALLOW("S", "'Action':'s3:PutObject','Resource':'*'")), POL(ALLOW("R", WHO("444455556666") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-session-allow", NULL},
    {"session policy cross account allows", "sessC", POL(ALLOW("A", ALL_S3)), NULL, POL(ALLOW("S", GET_ALL)), POL(ALLOW("R", WHO("444455556666") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"producer role session same account", "sessP", POL(ALLOW("Spill", "'Action':['s3:PutObject','s3:GetObject'],'Resource':'arn:aws:s3:::mybucket/spill/*'")), NULL, NULL, NULL, "s3:PutObject", "arn:aws:s3:::mybucket/spill/q1", P, NULL, 0, 1, "allow-identity", "id1/Spill"},
    {"producer role session outside spill", "sessP", POL(ALLOW("Spill", "'Action':['s3:PutObject','s3:GetObject'],'Resource':'arn:aws:s3:::mybucket/spill/*'")), NULL, NULL, NULL, "s3:PutObject", "arn:aws:s3:::mybucket/other", P, NULL, 0, 0, "no-identity-allow", NULL},
    {"producer role session resource names role", "sessP", NULL, NULL, NULL, POL(ALLOW("R", WHO(ROLE_P) "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"role without session", "roleP", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-identity", "id1/A"},
    {"role resource policy names role", "roleP", NULL, NULL, NULL, POL(ALLOW("R", WHO("arn:aws:iam::111122223333:role/direct") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},

    /* ---- Anonymous callers ---- */
    {"anonymous public read", "anon", NULL, NULL, NULL, POL(ALLOW("Public", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/Public"},
    {"anonymous aws star", "anon", NULL, NULL, NULL, POL(ALLOW("Public", WHO("*") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/Public"},
    {"anonymous account grant", "anon", NULL, NULL, NULL, POL(ALLOW("R", WHO("111122223333") "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"anonymous no policy", "anon", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"anonymous deny", "anon", NULL, NULL, NULL, POL(ALLOW("Public", ANYONE "," GET_ALL) "," DENY("D", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 0, 0, "explicit-deny-resource", "res/D"},
    {"anonymous identity policies ignored", "anon", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"anonymous source ip inside", "anon", NULL, NULL, NULL, POL(ALLOW("Office", ANYONE "," GET_ALL "," COND("IpAddress", "aws:SourceIp", "'127.0.0.0/8'"))), "s3:GetObject", OBJ, P, "aws:SourceIp=127.0.0.1", 0, 1, "allow-resource", "res/Office"},
    {"anonymous source ip outside", "anon", NULL, NULL, NULL, POL(ALLOW("Office", ANYONE "," GET_ALL "," COND("IpAddress", "aws:SourceIp", "'127.0.0.0/8'"))), "s3:GetObject", OBJ, P, "aws:SourceIp=192.0.2.10", 0, 0, "no-resource-allow", NULL},
    {"anonymous principal type", "anon", NULL, NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL "," COND("StringEquals", "aws:PrincipalType", "'Anonymous'"))), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"anonymous no principal arn", "anon", NULL, NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL "," COND("Null", "aws:PrincipalArn", "'true'"))), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},

    /* ---- Service principals ---- */
    {"service invoke with source arn", "s3svc", NULL, NULL, NULL, POL(ALLOW("s3-invoke", "'Principal':{'Service':'s3.amazonaws.com'},'Action':'lambda:InvokeFunction','Resource':'" FN "'," COND("ArnLike", "AWS:SourceArn", "'arn:aws:s3:::athena-test'"))), "lambda:InvokeFunction", FN, P, "aws:SourceArn=arn:aws:s3:::athena-test;aws:SourceAccount=111122223333", 0, 1, "allow-resource", "res/s3-invoke"},
    {"service invoke other source", "s3svc", NULL, NULL, NULL, POL(ALLOW("s3-invoke", "'Principal':{'Service':'s3.amazonaws.com'},'Action':'lambda:InvokeFunction','Resource':'" FN "'," COND("ArnLike", "AWS:SourceArn", "'arn:aws:s3:::athena-test'"))), "lambda:InvokeFunction", FN, P, "aws:SourceArn=arn:aws:s3:::evil", 0, 0, "no-resource-allow", NULL},
    {"service source account mismatch", "s3svc", NULL, NULL, NULL, POL(ALLOW("R", "'Principal':{'Service':'s3.amazonaws.com'},'Action':'lambda:InvokeFunction','Resource':'*'," COND("StringEquals", "aws:SourceAccount", "'111122223333'"))), "lambda:InvokeFunction", FN, P, "aws:SourceAccount=999988887777", 0, 0, "no-resource-allow", NULL},
    {"service other service", "s3svc", NULL, NULL, NULL, POL(ALLOW("R", "'Principal':{'Service':'sns.amazonaws.com'},'Action':'lambda:InvokeFunction','Resource':'*'")), "lambda:InvokeFunction", FN, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"service star principal", "s3svc", NULL, NULL, NULL, POL(ALLOW("R", ANYONE ",'Action':'lambda:InvokeFunction','Resource':'*'")), "lambda:InvokeFunction", FN, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"service not an account member", "s3svc", NULL, NULL, NULL, POL(ALLOW("R", WHO("111122223333") ",'Action':'lambda:InvokeFunction','Resource':'*'")), "lambda:InvokeFunction", FN, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"service principal service name key", "s3svc", NULL, NULL, NULL, POL(ALLOW("R", ANYONE ",'Action':'lambda:InvokeFunction','Resource':'*'," COND("StringEquals", "aws:PrincipalServiceName", "'s3.amazonaws.com'"))), "lambda:InvokeFunction", FN, P, NULL, 0, 1, "allow-resource", "res/R"},

    /* ---- Trust policies (the role is the resource) ---- */
    {"trust lambda service", "lambdasvc", NULL, NULL, NULL, "T:" POL(ALLOW("Trust", "'Principal':{'Service':'lambda.amazonaws.com'},'Action':'sts:AssumeRole'")), "sts:AssumeRole", ROLE_P, P, NULL, 0, 1, "allow-resource", "res/Trust"},
    {"trust other service", "s3svc", NULL, NULL, NULL, "T:" POL(ALLOW("Trust", "'Principal':{'Service':'lambda.amazonaws.com'},'Action':'sts:AssumeRole'")), "sts:AssumeRole", ROLE_P, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"trust cross account with identity", "perf1", POL(ALLOW("Assume", "'Action':'sts:AssumeRole','Resource':'" ROLE_P "'")), NULL, NULL, "T:" POL(ALLOW("Trust", WHO("444455556666") ",'Action':'sts:AssumeRole'")), "sts:AssumeRole", ROLE_P, P, NULL, 0, 1, "allow-resource", "res/Trust"},
    {"trust cross account without identity", "perf1", NULL, NULL, NULL, "T:" POL(ALLOW("Trust", WHO("444455556666") ",'Action':'sts:AssumeRole'")), "sts:AssumeRole", ROLE_P, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"trust saml federation", "fed", NULL, NULL, NULL, "T:" POL(ALLOW("Saml", "'Principal':{'Federated':'arn:aws:iam::111122223333:saml-provider/corp'},'Action':'sts:AssumeRoleWithSAML'")), "sts:AssumeRoleWithSAML", ROLE_P, P, NULL, 0, 1, "allow-resource", "res/Saml"},
    {"trust other federation", "fed", NULL, NULL, NULL, "T:" POL(ALLOW("Oidc", "'Principal':{'Federated':'accounts.google.com'},'Action':'sts:AssumeRoleWithWebIdentity'")), "sts:AssumeRoleWithWebIdentity", ROLE_P, P, NULL, 0, 0, "no-resource-allow", NULL},
    {"trust wrong action", "perf1", POL(ALLOW("Assume", "'Action':'sts:*','Resource':'*'")), NULL, NULL, "T:" POL(ALLOW("Trust", WHO("444455556666") ",'Action':'sts:AssumeRole'")), "sts:TagSession", ROLE_P, P, NULL, 0, 0, "no-resource-allow", NULL},

    /* ---- S3 ACL hook, part of the resource side ---- */
    {"acl grant cross account", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 2, 1, "allow-acl", "res"},
    {"acl no opinion cross account", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 1, 0, "no-resource-allow", NULL},
    {"acl grant with resource deny", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(DENY("D", ANYONE "," GET_ALL)), "s3:GetObject", OBJ, P, NULL, 2, 0, "explicit-deny-resource", "res/D"},
    {"acl grant without identity", "perf1", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 2, 0, "no-identity-allow", NULL},
    {"acl grant with identity deny", "perf1", POL(DENY("D", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 2, 0, "explicit-deny-identity", "id1/D"},
    {"acl grant anonymous", "anon", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 2, 1, "allow-acl", "res"},
    {"acl grant same account", "bob", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 2, 1, "allow-acl", "res"},
    {"acl no opinion same account", "bob", NULL, NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 1, 0, "no-identity-allow", NULL},
    {"bucket policy preferred over acl", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, BUCKET_POLICY_PERF1, "s3:GetObject", OBJ, P, NULL, 2, 1, "allow-resource", "res/Stmt1234567890123"},
    {"identity preferred over acl same account", "alice", POL(ALLOW("A", GET_ALL)), NULL, NULL, NULL, "s3:GetObject", OBJ, P, NULL, 2, 1, "allow-identity", "id1/A"},

    /* ---- String operators ---- */
    COND_ALLOW("StringEquals match", COND("StringEquals", "s3:prefix", "'home/'"), "s3:prefix=home/"),
    COND_NONE("StringEquals case differs", COND("StringEquals", "s3:prefix", "'home/'"), "s3:prefix=Home/"),
    COND_NONE("StringEquals missing key", COND("StringEquals", "s3:prefix", "'home/'"), NULL),
    COND_ALLOW("StringEquals values ored", COND("StringEquals", "s3:prefix", "['tmp/','home/']"), "s3:prefix=home/"),
    COND_ALLOW("StringEquals key case insensitive", COND("StringEquals", "S3:Prefix", "'home/'"), "s3:prefix=home/"),
    COND_NONE("StringEquals no wildcard", COND("StringEquals", "s3:prefix", "'home/*'"), "s3:prefix=home/a"),
    COND_NONE("StringNotEquals equal", COND("StringNotEquals", "s3:prefix", "'home/'"), "s3:prefix=home/"),
    COND_ALLOW("StringNotEquals different", COND("StringNotEquals", "s3:prefix", "'home/'"), "s3:prefix=tmp/"),
    COND_ALLOW("StringNotEquals missing key", COND("StringNotEquals", "s3:prefix", "'home/'"), NULL),
    COND_NONE("StringNotEquals any listed", COND("StringNotEquals", "s3:prefix", "['a','b']"), "s3:prefix=b"),
    COND_ALLOW("StringNotEquals none listed", COND("StringNotEquals", "s3:prefix", "['a','b']"), "s3:prefix=c"),
    COND_ALLOW("StringEqualsIgnoreCase match", COND("StringEqualsIgnoreCase", "s3:prefix", "'HOME/'"), "s3:prefix=home/"),
    COND_NONE("StringEqualsIgnoreCase different", COND("StringEqualsIgnoreCase", "s3:prefix", "'HOME/'"), "s3:prefix=other/"),
    COND_NONE("StringEqualsIgnoreCase missing", COND("StringEqualsIgnoreCase", "s3:prefix", "'HOME/'"), NULL),
    COND_NONE("StringNotEqualsIgnoreCase equal", COND("StringNotEqualsIgnoreCase", "s3:prefix", "'HOME/'"), "s3:prefix=home/"),
    COND_ALLOW("StringNotEqualsIgnoreCase different", COND("StringNotEqualsIgnoreCase", "s3:prefix", "'HOME/'"), "s3:prefix=x"),
    COND_ALLOW("StringNotEqualsIgnoreCase missing", COND("StringNotEqualsIgnoreCase", "s3:prefix", "'HOME/'"), NULL),
    COND_ALLOW("StringLike star", COND("StringLike", "s3:prefix", "'home/*'"), "s3:prefix=home/a/b"),
    COND_ALLOW("StringLike star empty", COND("StringLike", "s3:prefix", "'home/*'"), "s3:prefix=home/"),
    COND_NONE("StringLike question one char", COND("StringLike", "s3:prefix", "'home/?'"), "s3:prefix=home/ab"),
    COND_ALLOW("StringLike two questions", COND("StringLike", "s3:prefix", "'home/?" "?'"), "s3:prefix=home/ab"),
    COND_NONE("StringLike case sensitive", COND("StringLike", "s3:prefix", "'home*'"), "s3:prefix=Home"),
    COND_NONE("StringLike missing", COND("StringLike", "s3:prefix", "'*'"), NULL),
    COND_ALLOW("StringLike inner star", COND("StringLike", "s3:prefix", "'a*c*e'"), "s3:prefix=abcde"),
    COND_NONE("StringLike inner star miss", COND("StringLike", "s3:prefix", "'a*c*e'"), "s3:prefix=abcdf"),
    COND_NONE("StringNotLike match", COND("StringNotLike", "s3:prefix", "'home/*'"), "s3:prefix=home/x"),
    COND_ALLOW("StringNotLike other", COND("StringNotLike", "s3:prefix", "'home/*'"), "s3:prefix=tmp/x"),
    COND_ALLOW("StringNotLike missing", COND("StringNotLike", "s3:prefix", "'home/*'"), NULL),

    /* ---- Numeric operators ---- */
    COND_ALLOW("NumericEquals match", COND("NumericEquals", "s3:max-keys", "'10'"), "s3:max-keys=10"),
    COND_ALLOW("NumericEquals decimal", COND("NumericEquals", "s3:max-keys", "10"), "s3:max-keys=10.0"),
    COND_NONE("NumericEquals other", COND("NumericEquals", "s3:max-keys", "'10'"), "s3:max-keys=11"),
    COND_NONE("NumericEquals not a number", COND("NumericEquals", "s3:max-keys", "'10'"), "s3:max-keys=ten"),
    COND_NONE("NumericEquals missing", COND("NumericEquals", "s3:max-keys", "'10'"), NULL),
    COND_NONE("NumericEquals policy not a number", COND("NumericEquals", "s3:max-keys", "'ten'"), "s3:max-keys=10"),
    COND_ALLOW("NumericNotEquals other", COND("NumericNotEquals", "s3:max-keys", "'10'"), "s3:max-keys=11"),
    COND_NONE("NumericNotEquals equal", COND("NumericNotEquals", "s3:max-keys", "'10'"), "s3:max-keys=10"),
    COND_ALLOW("NumericNotEquals missing", COND("NumericNotEquals", "s3:max-keys", "'10'"), NULL),
    COND_ALLOW("NumericLessThan below", COND("NumericLessThan", "s3:max-keys", "'10'"), "s3:max-keys=9"),
    COND_NONE("NumericLessThan equal", COND("NumericLessThan", "s3:max-keys", "'10'"), "s3:max-keys=10"),
    COND_ALLOW("NumericLessThanEquals equal", COND("NumericLessThanEquals", "s3:max-keys", "'10'"), "s3:max-keys=10"),
    COND_NONE("NumericLessThanEquals above", COND("NumericLessThanEquals", "s3:max-keys", "'10'"), "s3:max-keys=11"),
    COND_ALLOW("NumericGreaterThan above", COND("NumericGreaterThan", "s3:max-keys", "'10'"), "s3:max-keys=11"),
    COND_NONE("NumericGreaterThan equal", COND("NumericGreaterThan", "s3:max-keys", "'10'"), "s3:max-keys=10"),
    COND_ALLOW("NumericGreaterThanEquals equal", COND("NumericGreaterThanEquals", "s3:max-keys", "'10'"), "s3:max-keys=10"),
    COND_NONE("NumericGreaterThanEquals below", COND("NumericGreaterThanEquals", "s3:max-keys", "'10'"), "s3:max-keys=9"),
    COND_ALLOW("NumericLessThan values ored", COND("NumericLessThan", "s3:max-keys", "['5','10']"), "s3:max-keys=7"),
    COND_ALLOW("NumericLessThan negative", COND("NumericLessThan", "s3:max-keys", "'-1.5'"), "s3:max-keys=-2"),
    COND_NONE("NumericLessThan missing", COND("NumericLessThan", "s3:max-keys", "'10'"), NULL),

    /* ---- Date operators ---- */
    COND_ALLOW("DateLessThan before", COND("DateLessThan", "aws:CurrentTime", "'2027-01-01T00:00:00Z'"), "aws:CurrentTime=" NOW),
    COND_NONE("DateLessThan after", COND("DateLessThan", "aws:CurrentTime", "'2027-01-01T00:00:00Z'"), "aws:CurrentTime=2027-06-01T00:00:00Z"),
    COND_ALLOW("DateGreaterThan date only", COND("DateGreaterThan", "aws:CurrentTime", "'2026-01-01'"), "aws:CurrentTime=" NOW),
    COND_NONE("DateGreaterThan before", COND("DateGreaterThan", "aws:CurrentTime", "'2026-12-05'"), "aws:CurrentTime=" NOW),
    COND_ALLOW("DateEquals same", COND("DateEquals", "aws:CurrentTime", "'" NOW "'"), "aws:CurrentTime=" NOW),
    COND_ALLOW("DateEquals epoch request", COND("DateEquals", "aws:CurrentTime", "'" NOW "'"), "aws:CurrentTime=1796413801"),
    COND_ALLOW("DateEquals epoch policy", COND("DateEquals", "aws:EpochTime", "1796413801"), "aws:EpochTime=" NOW),
    COND_ALLOW("DateEquals offset", COND("DateEquals", "aws:CurrentTime", "'2026-12-04T20:50:01+01:00'"), "aws:CurrentTime=" NOW),
    COND_NONE("DateEquals one second off", COND("DateEquals", "aws:CurrentTime", "'2026-12-04T19:50:02Z'"), "aws:CurrentTime=" NOW),
    COND_NONE("DateNotEquals same", COND("DateNotEquals", "aws:CurrentTime", "'" NOW "'"), "aws:CurrentTime=" NOW),
    COND_ALLOW("DateNotEquals other", COND("DateNotEquals", "aws:CurrentTime", "'2020-01-01'"), "aws:CurrentTime=" NOW),
    COND_ALLOW("DateNotEquals missing", COND("DateNotEquals", "aws:CurrentTime", "'2020-01-01'"), NULL),
    COND_ALLOW("DateLessThanEquals equal", COND("DateLessThanEquals", "aws:CurrentTime", "'" NOW "'"), "aws:CurrentTime=" NOW),
    COND_NONE("DateLessThanEquals after", COND("DateLessThanEquals", "aws:CurrentTime", "'2026-12-04T19:50:00Z'"), "aws:CurrentTime=" NOW),
    COND_ALLOW("DateGreaterThanEquals equal", COND("DateGreaterThanEquals", "aws:CurrentTime", "'" NOW "'"), "aws:CurrentTime=" NOW),
    COND_NONE("DateGreaterThanEquals before", COND("DateGreaterThanEquals", "aws:CurrentTime", "'2026-12-04T19:50:02Z'"), "aws:CurrentTime=" NOW),
    COND_ALLOW("DateLessThan fractional", COND("DateLessThan", "aws:CurrentTime", "'2026-12-04T19:50:01.5Z'"), "aws:CurrentTime=" NOW),
    COND_NONE("DateLessThan request not a date", COND("DateLessThan", "aws:CurrentTime", "'2027-01-01'"), "aws:CurrentTime=yesterday"),
    COND_NONE("DateLessThan missing", COND("DateLessThan", "aws:CurrentTime", "'2027-01-01'"), NULL),
    COND_ALLOW("DateLessThan minutes only", COND("DateLessThan", "aws:CurrentTime", "'2026-12-04T19:51Z'"), "aws:CurrentTime=" NOW),

    /* ---- Bool and BinaryEquals ---- */
    COND_ALLOW("Bool true", COND("Bool", "aws:SecureTransport", "'true'"), "aws:SecureTransport=true"),
    COND_ALLOW("Bool json true", COND("Bool", "aws:SecureTransport", "true"), "aws:SecureTransport=true"),
    COND_ALLOW("Bool case insensitive", COND("Bool", "aws:SecureTransport", "'true'"), "aws:SecureTransport=TRUE"),
    COND_NONE("Bool false", COND("Bool", "aws:SecureTransport", "'true'"), "aws:SecureTransport=false"),
    COND_NONE("Bool missing", COND("Bool", "aws:SecureTransport", "'true'"), NULL),
    COND_NONE("Bool not boolean", COND("Bool", "aws:SecureTransport", "'true'"), "aws:SecureTransport=yes"),
    DENY_APPLIES("deny insecure transport", COND("Bool", "aws:SecureTransport", "'false'"), "aws:SecureTransport=false"),
    DENY_SKIPPED("deny insecure transport secure", COND("Bool", "aws:SecureTransport", "'false'"), "aws:SecureTransport=true"),
    DENY_SKIPPED("deny insecure transport missing", COND("Bool", "aws:SecureTransport", "'false'"), NULL),
    DENY_APPLIES("deny insecure ifexists missing", COND("BoolIfExists", "aws:SecureTransport", "'false'"), NULL),
    DENY_APPLIES("deny without mfa ifexists missing", COND("BoolIfExists", "aws:MultiFactorAuthPresent", "'false'"), NULL),
    DENY_SKIPPED("deny without mfa ifexists present", COND("BoolIfExists", "aws:MultiFactorAuthPresent", "'false'"), "aws:MultiFactorAuthPresent=true"),
    COND_ALLOW("BinaryEquals match", COND("BinaryEquals", "x:key", "'QmluYXJ5'"), "x:key=QmluYXJ5"),
    COND_NONE("BinaryEquals other", COND("BinaryEquals", "x:key", "'QmluYXJ5'"), "x:key=QmluYXJ6"),

    /* ---- IP address operators ---- */
    COND_ALLOW("IpAddress in cidr", COND("IpAddress", "aws:SourceIp", "'203.0.113.0/24'"), "aws:SourceIp=203.0.113.7"),
    COND_NONE("IpAddress outside cidr", COND("IpAddress", "aws:SourceIp", "'203.0.113.0/24'"), "aws:SourceIp=203.0.114.1"),
    COND_NONE("IpAddress missing", COND("IpAddress", "aws:SourceIp", "'203.0.113.0/24'"), NULL),
    COND_ALLOW("IpAddress single host", COND("IpAddress", "aws:SourceIp", "'203.0.113.7'"), "aws:SourceIp=203.0.113.7"),
    COND_NONE("IpAddress single host other", COND("IpAddress", "aws:SourceIp", "'203.0.113.7'"), "aws:SourceIp=203.0.113.8"),
    COND_ALLOW("IpAddress ipv6", COND("IpAddress", "aws:SourceIp", "'2001:db8::/32'"), "aws:SourceIp=2001:db8:1::5"),
    COND_NONE("IpAddress ipv6 outside", COND("IpAddress", "aws:SourceIp", "'2001:db8::/32'"), "aws:SourceIp=2001:db9::1"),
    COND_NONE("IpAddress ipv4 cidr ipv6 request", COND("IpAddress", "aws:SourceIp", "'0.0.0.0/0'"), "aws:SourceIp=2001:db8::1"),
    COND_ALLOW("IpAddress all ipv4", COND("IpAddress", "aws:SourceIp", "'0.0.0.0/0'"), "aws:SourceIp=198.51.100.1"),
    COND_ALLOW("IpAddress slash 25 low", COND("IpAddress", "aws:SourceIp", "'10.0.0.0/25'"), "aws:SourceIp=10.0.0.127"),
    COND_NONE("IpAddress slash 25 high", COND("IpAddress", "aws:SourceIp", "'10.0.0.0/25'"), "aws:SourceIp=10.0.0.128"),
    COND_NONE("IpAddress request not an address", COND("IpAddress", "aws:SourceIp", "'10.0.0.0/8'"), "aws:SourceIp=not-an-ip"),
    COND_ALLOW("IpAddress values ored", COND("IpAddress", "aws:SourceIp", "['10.0.0.0/8','192.0.2.0/24']"), "aws:SourceIp=192.0.2.44"),
    COND_ALLOW("NotIpAddress outside", COND("NotIpAddress", "aws:SourceIp", "'10.0.0.0/8'"), "aws:SourceIp=192.0.2.1"),
    COND_NONE("NotIpAddress inside", COND("NotIpAddress", "aws:SourceIp", "'10.0.0.0/8'"), "aws:SourceIp=10.1.1.1"),
    COND_ALLOW("NotIpAddress missing", COND("NotIpAddress", "aws:SourceIp", "'10.0.0.0/8'"), NULL),

    /* ---- ARN operators ---- */
    COND_ALLOW("ArnLike wildcard", COND("ArnLike", "aws:SourceArn", "'arn:aws:s3:::athena-*'"), "aws:SourceArn=" BUCKET),
    COND_ALLOW("ArnEquals exact", COND("ArnEquals", "aws:SourceArn", "'" BUCKET "'"), "aws:SourceArn=" BUCKET),
    COND_NONE("ArnEquals other", COND("ArnEquals", "aws:SourceArn", "'" BUCKET "'"), "aws:SourceArn=arn:aws:s3:::other"),
    COND_ALLOW("ArnLike components", COND("ArnLike", "aws:SourceArn", "'arn:aws:lambda:*:111122223333:function:*'"), "aws:SourceArn=" FN),
    COND_NONE("ArnLike other account", COND("ArnLike", "aws:SourceArn", "'arn:aws:lambda:*:111122223333:function:*'"), "aws:SourceArn=arn:aws:lambda:us-east-1:444455556666:function:f"),
    COND_NONE("ArnLike not an arn", COND("ArnLike", "aws:SourceArn", "'arn:aws:s3:::*'"), "aws:SourceArn=athena-test"),
    COND_NONE("ArnLike case sensitive", COND("ArnLike", "aws:SourceArn", "'arn:aws:s3:::Athena-*'"), "aws:SourceArn=" BUCKET),
    COND_NONE("ArnLike missing", COND("ArnLike", "aws:SourceArn", "'arn:aws:s3:::*'"), NULL),
    COND_NONE("ArnNotEquals same", COND("ArnNotEquals", "aws:SourceArn", "'" BUCKET "'"), "aws:SourceArn=" BUCKET),
    COND_ALLOW("ArnNotEquals other", COND("ArnNotEquals", "aws:SourceArn", "'" BUCKET "'"), "aws:SourceArn=arn:aws:s3:::other"),
    COND_ALLOW("ArnNotEquals missing", COND("ArnNotEquals", "aws:SourceArn", "'" BUCKET "'"), NULL),
    COND_ALLOW("ArnNotLike other", COND("ArnNotLike", "aws:SourceArn", "'arn:aws:s3:::athena-*'"), "aws:SourceArn=arn:aws:s3:::other"),
    COND_NONE("ArnNotLike match", COND("ArnNotLike", "aws:SourceArn", "'arn:aws:s3:::athena-*'"), "aws:SourceArn=" BUCKET),

    /* ---- Null ---- */
    COND_ALLOW("Null true missing", COND("Null", "aws:TokenIssueTime", "'true'"), NULL),
    COND_NONE("Null true present", COND("Null", "aws:TokenIssueTime", "'true'"), "aws:TokenIssueTime=" NOW),
    COND_ALLOW("Null false present", COND("Null", "aws:TokenIssueTime", "'false'"), "aws:TokenIssueTime=" NOW),
    COND_NONE("Null false missing", COND("Null", "aws:TokenIssueTime", "'false'"), NULL),
    COND_ALLOW("Null json boolean", COND("Null", "aws:TokenIssueTime", "true"), NULL),
    DENY_APPLIES("deny untagged request", COND("Null", "aws:RequestTag/project", "'true'"), NULL),
    DENY_SKIPPED("deny untagged request tagged", COND("Null", "aws:RequestTag/project", "'true'"), "aws:RequestTag/project=ehms"),

    /* ---- IfExists ---- */
    COND_ALLOW("IfExists missing", COND("StringEqualsIfExists", "s3:prefix", "'home/'"), NULL),
    COND_NONE("IfExists present other", COND("StringEqualsIfExists", "s3:prefix", "'home/'"), "s3:prefix=x"),
    COND_ALLOW("IfExists present match", COND("StringEqualsIfExists", "s3:prefix", "'home/'"), "s3:prefix=home/"),
    COND_ALLOW("NumericIfExists missing", COND("NumericLessThanIfExists", "s3:max-keys", "'10'"), NULL),
    COND_NONE("NumericIfExists present", COND("NumericLessThanIfExists", "s3:max-keys", "'10'"), "s3:max-keys=50"),
    COND_NONE("StringNotEqualsIfExists equal", COND("StringNotEqualsIfExists", "s3:prefix", "'home/'"), "s3:prefix=home/"),
    COND_ALLOW("IpAddressIfExists missing", COND("IpAddressIfExists", "aws:SourceIp", "'10.0.0.0/8'"), NULL),
    COND_ALLOW("ArnLikeIfExists missing", COND("ArnLikeIfExists", "aws:SourceArn", "'arn:aws:s3:::x'"), NULL),

    /* ---- Set operators on multi-valued keys ---- */
    COND_ALLOW("ForAllValues subset", COND("ForAllValues:StringEquals", "aws:TagKeys", "['a','b']"), "aws:TagKeys=a"),
    COND_ALLOW("ForAllValues equal set", COND("ForAllValues:StringEquals", "aws:TagKeys", "['a','b']"), "aws:TagKeys=a|b"),
    COND_NONE("ForAllValues extra value", COND("ForAllValues:StringEquals", "aws:TagKeys", "['a','b']"), "aws:TagKeys=a|c"),
    COND_ALLOW("ForAllValues missing", COND("ForAllValues:StringEquals", "aws:TagKeys", "['a','b']"), NULL),
    COND_ALLOW("ForAnyValue one matches", COND("ForAnyValue:StringEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=c|a"),
    COND_NONE("ForAnyValue none match", COND("ForAnyValue:StringEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=c"),
    COND_NONE("ForAnyValue missing", COND("ForAnyValue:StringEquals", "aws:TagKeys", "'a'"), NULL),
    COND_ALLOW("ForAnyValue StringLike", COND("ForAnyValue:StringLike", "aws:TagKeys", "'env*'"), "aws:TagKeys=team|environment"),
    COND_ALLOW("ForAllValues StringLike", COND("ForAllValues:StringLike", "aws:TagKeys", "['env*','team']"), "aws:TagKeys=environment|team"),
    COND_NONE("ForAllValues StringLike extra", COND("ForAllValues:StringLike", "aws:TagKeys", "['env*','team']"), "aws:TagKeys=owner|team"),
    COND_NONE("ForAnyValue negated all listed", COND("ForAnyValue:StringNotEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=a"),
    COND_ALLOW("ForAnyValue negated one unlisted", COND("ForAnyValue:StringNotEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=a|b"),
    COND_ALLOW("ForAllValues negated none listed", COND("ForAllValues:StringNotEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=b|c"),
    COND_NONE("ForAllValues negated one listed", COND("ForAllValues:StringNotEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=b|a"),
    COND_ALLOW("ForAllValues negated missing", COND("ForAllValues:StringNotEquals", "aws:TagKeys", "'a'"), NULL),
    COND_ALLOW("no set operator multi value any", COND("StringEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=c|a"),
    COND_NONE("no set operator negated multi value", COND("StringNotEquals", "aws:TagKeys", "'a'"), "aws:TagKeys=c|a"),
    COND_ALLOW("ForAnyValue IfExists missing", COND("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", "'a'"), NULL),
    COND_ALLOW("ForAnyValue numeric", COND("ForAnyValue:NumericGreaterThan", "x:sizes", "'100'"), "x:sizes=5|500"),
    COND_NONE("ForAllValues numeric", COND("ForAllValues:NumericGreaterThan", "x:sizes", "'100'"), "x:sizes=5|500"),
    DENY_SKIPPED("deny ForAnyValue missing key", COND("ForAnyValue:StringEquals", "aws:TagKeys", "'secret'"), NULL),
    DENY_APPLIES("deny ForAnyValue present", COND("ForAnyValue:StringEquals", "aws:TagKeys", "'secret'"), "aws:TagKeys=a|secret"),

    /* ---- Several keys and operators: AND; several values: OR ---- */
    COND_ALLOW("two keys both match", "'Condition':{'StringEquals':{'s3:prefix':'home/','aws:SourceVpc':'vpc-1'}}", "s3:prefix=home/;aws:SourceVpc=vpc-1"),
    COND_NONE("two keys one fails", "'Condition':{'StringEquals':{'s3:prefix':'home/','aws:SourceVpc':'vpc-1'}}", "s3:prefix=home/;aws:SourceVpc=vpc-2"),
    COND_ALLOW("two operators both match", "'Condition':{'StringEquals':{'s3:prefix':'home/'},'IpAddress':{'aws:SourceIp':'10.0.0.0/8'}}", "s3:prefix=home/;aws:SourceIp=10.2.3.4"),
    COND_NONE("two operators one fails", "'Condition':{'StringEquals':{'s3:prefix':'home/'},'IpAddress':{'aws:SourceIp':'10.0.0.0/8'}}", "s3:prefix=home/;aws:SourceIp=11.2.3.4"),
    COND_NONE("two operators one missing", "'Condition':{'StringEquals':{'s3:prefix':'home/'},'IpAddress':{'aws:SourceIp':'10.0.0.0/8'}}", "s3:prefix=home/"),
    COND_ALLOW("context key case insensitive", COND("IpAddress", "AWS:SourceIp", "'10.0.0.0/8'"), "aws:sourceip=10.0.0.1"),

    /* ---- Keys derived from the principal ---- */
    COND_ALLOW("username key", COND("StringEquals", "aws:username", "'alice'"), NULL),
    COND_NONE("username key other", COND("StringEquals", "aws:username", "'bob'"), NULL),
    COND_ALLOW("principal account key", COND("StringEquals", "aws:PrincipalAccount", "'111122223333'"), NULL),
    COND_ALLOW("principal arn key", COND("ArnEquals", "aws:PrincipalArn", "'arn:aws:iam::111122223333:user/alice'"), NULL),
    COND_ALLOW("principal tag key", COND("StringEquals", "aws:PrincipalTag/team", "'data'"), NULL),
    COND_ALLOW("principal tag name case", COND("StringEquals", "aws:PrincipalTag/TEAM", "'data'"), NULL),
    COND_NONE("principal tag value", COND("StringEquals", "aws:PrincipalTag/team", "'ops'"), NULL),
    COND_NONE("principal tag missing", COND("StringEquals", "aws:PrincipalTag/cost-center", "'1'"), NULL),
    COND_ALLOW("principal type key", COND("StringEquals", "aws:PrincipalType", "'User'"), NULL),
    COND_ALLOW("userid key", COND("StringEquals", "aws:userid", "'AIDAALICE00000000001'"), NULL),
    {"session principal arn is role", "sessC", POL(ALLOW("A", ALL_S3 "," COND("ArnLike", "aws:PrincipalArn", "'arn:aws:iam::444455556666:role/*'"))), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 1, "allow-identity", "id1/A"},
    {"session has no username", "sessC", POL(ALLOW("A", ALL_S3 "," COND("StringLike", "aws:username", "'*'"))), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 0, "no-identity-allow", NULL},
    {"session userid", "sessC", POL(ALLOW("A", ALL_S3 "," COND("StringLike", "aws:userid", "'AROAANALYST000000001:*'"))), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 1, "allow-identity", "id1/A"},
    {"session principal type", "sessC", POL(ALLOW("A", ALL_S3 "," COND("StringEquals", "aws:PrincipalType", "'AssumedRole'"))), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::consumer-bucket/k", C, NULL, 0, 1, "allow-identity", "id1/A"},
    {"resource policy principal account condition", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL "," COND("StringEquals", "aws:PrincipalAccount", "'444455556666'"))), "s3:GetObject", OBJ, P, NULL, 0, 1, "allow-resource", "res/R"},
    {"resource policy principal account other", "alice", NULL, NULL, NULL, POL(ALLOW("R", ANYONE "," GET_ALL "," COND("StringEquals", "aws:PrincipalAccount", "'444455556666'"))), "s3:GetObject", OBJ, P, NULL, 0, 0, "no-identity-allow", NULL},
    {"context key supplements principal keys", "alice", POL(ALLOW("A", ALL_S3 "," COND("StringEquals", "lambda:FunctionArn", "'" FN "'"))), NULL, NULL, NULL, "s3:GetObject", OBJ, P, "lambda:FunctionArn=" FN, 0, 1, "allow-identity", "id1/A"},

    /* ---- Policy variables ---- */
    ID_ALLOW("variable username", POL(ALLOW("Home", "'Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username}/*'")), "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt", "id1/Home"),
    ID_NONE("variable username other home", POL(ALLOW("Home", "'Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username}/*'")), "s3:GetObject", "arn:aws:s3:::home/bob/notes.txt"),
    ID_NONE("variable in 2008 policy", POL08(ALLOW("Home", "'Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username}/*'")), "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt"),
    ID_ALLOW("variable in 2008 policy literal", POL08(ALLOW("Home", "'Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username}/*'")), "s3:GetObject", "arn:aws:s3:::home/${aws:username}/x", "id1/Home"),
    ID_NONE("variable without version", "{'Statement':{'Sid':'Home','Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username}/*'}}", "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt"),
    {"variable missing for session", "sessC", POL(ALLOW("Home", "'Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username}/*'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::home/alice/x", C, NULL, 0, 0, "no-identity-allow", NULL},
    {"variable default for session", "sessC", POL(ALLOW("Home", "'Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username, `nobody`}/*'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::home/nobody/x", C, NULL, 0, 1, "allow-identity", "id1/Home"},
    ID_ALLOW("variable principal tag", POL(ALLOW("Team", "'Action':'s3:*','Resource':'arn:aws:s3:::teams/${aws:PrincipalTag/team}/*'")), "s3:GetObject", "arn:aws:s3:::teams/data/x", "id1/Team"),
    ID_NONE("variable principal tag other", POL(ALLOW("Team", "'Action':'s3:*','Resource':'arn:aws:s3:::teams/${aws:PrincipalTag/team}/*'")), "s3:GetObject", "arn:aws:s3:::teams/ops/x"),
    ID_ALLOW("variable literal star", POL(ALLOW("Star", "'Action':'s3:*','Resource':'arn:aws:s3:::b/${*}'")), "s3:GetObject", "arn:aws:s3:::b/*", "id1/Star"),
    ID_NONE("variable literal star not wildcard", POL(ALLOW("Star", "'Action':'s3:*','Resource':'arn:aws:s3:::b/${*}'")), "s3:GetObject", "arn:aws:s3:::b/x"),
    ID_ALLOW("variable literal question", POL(ALLOW("Q", "'Action':'s3:*','Resource':'arn:aws:s3:::b/${?}'")), "s3:GetObject", "arn:aws:s3:::b/?", "id1/Q"),
    ID_NONE("variable literal question not wildcard", POL(ALLOW("Q", "'Action':'s3:*','Resource':'arn:aws:s3:::b/${?}'")), "s3:GetObject", "arn:aws:s3:::b/x"),
    ID_ALLOW("variable literal dollar", POL(ALLOW("D", "'Action':'s3:*','Resource':'arn:aws:s3:::b/${$}x'")), "s3:GetObject", "arn:aws:s3:::b/$x", "id1/D"),
    ID_ALLOW("variable with wildcard after", POL(ALLOW("Home", "'Action':'s3:*','Resource':'arn:aws:s3:::home/${aws:username}*'")), "s3:GetObject", "arn:aws:s3:::home/alice-old/x", "id1/Home"),
    {"variable tag value star is literal", "mallory", POL(ALLOW("Team", "'Action':'s3:*','Resource':'arn:aws:s3:::teams/${aws:PrincipalTag/team}/x'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::teams/data/x", P, NULL, 0, 0, "no-identity-allow", NULL},
    {"variable tag value star matches itself", "mallory", POL(ALLOW("Team", "'Action':'s3:*','Resource':'arn:aws:s3:::teams/${aws:PrincipalTag/team}/x'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::teams/*/x", P, NULL, 0, 1, "allow-identity", "id1/Team"},
    {"variable userid for session", "sessC", POL(ALLOW("U", "'Action':'s3:*','Resource':'arn:aws:s3:::u/${aws:userid}/*'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::u/AROAANALYST000000001:s1/f", C, NULL, 0, 1, "allow-identity", "id1/U"},
    COND_ALLOW("variable in condition", COND("StringLike", "s3:prefix", "'home/${aws:username}/*'"), "s3:prefix=home/alice/docs"),
    COND_NONE("variable in condition other", COND("StringLike", "s3:prefix", "'home/${aws:username}/*'"), "s3:prefix=home/bob/docs"),
    COND_ALLOW("variable in StringEquals", COND("StringEquals", "s3:prefix", "'${aws:username}'"), "s3:prefix=alice"),
    COND_ALLOW("variable in ArnLike", COND("ArnLike", "aws:SourceArn", "'arn:aws:s3:::${aws:username}-*'"), "aws:SourceArn=arn:aws:s3:::alice-data"),
    COND_ALLOW("variable request context key", COND("StringEquals", "s3:prefix", "'${aws:SourceVpc}'"), "s3:prefix=vpc-1;aws:SourceVpc=vpc-1"),
    {"variable in 2008 condition", "alice", POL08(ALLOW("C", ALL_S3 "," COND("StringEquals", "s3:prefix", "'${aws:username}'"))), NULL, NULL, NULL, "s3:GetObject", OBJ, P, "s3:prefix=alice", 0, 0, "no-identity-allow", NULL},
    {"variable in resource policy", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", ANYONE ",'Action':'s3:GetObject','Resource':'arn:aws:s3:::shared/${aws:PrincipalAccount}/*'")), "s3:GetObject", "arn:aws:s3:::shared/444455556666/x", P, NULL, 0, 1, "allow-resource", "res/R"},
    {"variable in resource policy other account", "perf1", POL(ALLOW("A", GET_ALL)), NULL, NULL, POL(ALLOW("R", ANYONE ",'Action':'s3:GetObject','Resource':'arn:aws:s3:::shared/${aws:PrincipalAccount}/*'")), "s3:GetObject", "arn:aws:s3:::shared/111122223333/x", P, NULL, 0, 0, "no-resource-allow", NULL},
    {"unclosed variable is literal", "alice", POL(ALLOW("A", "'Action':'s3:*','Resource':'arn:aws:s3:::b/${aws:username'")), NULL, NULL, NULL, "s3:GetObject", "arn:aws:s3:::b/${aws:username", P, NULL, 0, 1, "allow-identity", "id1/A"},
};

/*
 * Principal by scenario, for P's object OBJ. Scenarios (columns):
 *   0 no policies                      4 identity allow + bucket allows account C
 *   1 identity allow only              5 identity allow + bucket denies "*"
 *   2 bucket allows "*" only           6 bucket allows account P only
 *   3 bucket allows account C only     7 identity allow + bucket allows "*"
 * Identity policies apply only to users and roles; roots, anonymous callers
 * and services have none.
 */
static const char *const matrix_principals[] = {"alice", "perf1", "rootP", "rootC", "sessC", "anon", "s3svc"};
static const char *const matrix_expected[7][8] = {
    /* alice, same account */
    {"no-identity-allow", "allow-identity", "allow-resource", "no-identity-allow", "allow-identity", "explicit-deny-resource", "allow-resource", "allow-identity"},
    /* perf1, other account */
    {"no-identity-allow", "no-resource-allow", "no-identity-allow", "no-identity-allow", "allow-resource", "explicit-deny-resource", "no-identity-allow", "allow-resource"},
    /* root of P */
    {"allow-root", "allow-root", "allow-root", "allow-root", "allow-root", "explicit-deny-resource", "allow-root", "allow-root"},
    /* root of C */
    {"no-resource-allow", "no-resource-allow", "allow-resource", "allow-resource", "allow-resource", "explicit-deny-resource", "no-resource-allow", "allow-resource"},
    /* session of C's role */
    {"no-identity-allow", "no-resource-allow", "no-identity-allow", "no-identity-allow", "allow-resource", "explicit-deny-resource", "no-identity-allow", "allow-resource"},
    /* anonymous */
    {"no-resource-allow", "no-resource-allow", "allow-resource", "no-resource-allow", "no-resource-allow", "explicit-deny-resource", "no-resource-allow", "allow-resource"},
    /* s3.amazonaws.com */
    {"no-resource-allow", "no-resource-allow", "allow-resource", "no-resource-allow", "no-resource-allow", "explicit-deny-resource", "no-resource-allow", "allow-resource"},
};

#endif
