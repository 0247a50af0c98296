/*
 * Policy document validation: every rejected form with IAM's exact
 * MalformedPolicyDocument message and the statement it names, and the
 * accepted forms, including the AWS managed policy AmazonAthenaFullAccess
 * (version v13, kept in tests/unit/data).
 *
 * Policies are written with single quotes, which parse_q() turns into
 * double quotes before parsing, to keep the table readable.
 */
#include "iam/policy.h"
#include "unit.h"

#include <stdlib.h>

static iam_policy *parse_q(const char *text, iam_policy_kind kind, size_t max_size,
                           iam_policy_error *error)
{
    size_t len = strlen(text);
    char *json = malloc(len + 1);
    iam_policy *policy = NULL;

    for (size_t i = 0; i <= len; i++)
        json[i] = text[i] == '\'' ? '"' : text[i];
    if (iam_policy_parse(json, len, kind, max_size, &policy, error) != 0)
        policy = NULL;
    free(json);
    return policy;
}

typedef struct reject_case {
    const char *name;
    iam_policy_kind kind;
    size_t max_size;
    const char *json;
    const char *message;
    int statement;
    const char *sid;
} reject_case;

#define ID IAM_POLICY_IDENTITY
#define RES IAM_POLICY_RESOURCE
#define TRUST IAM_POLICY_TRUST
#define ALLOW_ALL "'Effect':'Allow','Action':'*','Resource':'*'"
#define BOB "'Principal':{'AWS':'arn:aws:iam::444455556666:user/bob'}"

static const reject_case reject_cases[] = {
    {"not json", ID, 0, "{'Version':", "Syntax errors in policy.", -1, ""},
    {"trailing garbage", ID, 0, "{'Statement':{" ALLOW_ALL "}} x", "Syntax errors in policy.", -1, ""},
    {"duplicate key", ID, 0, "{'Statement':{" ALLOW_ALL ",'Effect':'Deny'}}", "Syntax errors in policy.", -1, ""},
    {"top level array", ID, 0, "[{" ALLOW_ALL "}]", "Syntax errors in policy.", -1, ""},
    {"unknown top element", ID, 0, "{'Version':'2012-10-17','Statements':[]}", "Syntax errors in policy.", -1, ""},
    {"bad version", ID, 0, "{'Version':'2012-10-18','Statement':{" ALLOW_ALL "}}", "Syntax errors in policy.", -1, ""},
    {"numeric version", ID, 0, "{'Version':2012,'Statement':{" ALLOW_ALL "}}", "Syntax errors in policy.", -1, ""},
    {"missing statement", ID, 0, "{'Version':'2012-10-17'}", "Missing required field Statement.", -1, ""},
    {"empty statement list", ID, 0, "{'Statement':[]}", "Syntax errors in policy.", -1, ""},
    {"statement string", ID, 0, "{'Statement':'Allow'}", "Syntax errors in policy.", -1, ""},
    {"statement item not object", ID, 0, "{'Statement':[{" ALLOW_ALL "},7]}", "Syntax errors in policy.", 1, ""},
    {"missing effect", ID, 0, "{'Statement':[{'Sid':'A1','Action':'s3:*','Resource':'*'}]}", "Missing required field Effect.", 0, "A1"},
    {"lowercase effect", ID, 0, "{'Statement':{'Effect':'allow','Action':'*','Resource':'*'}}", "Invalid effect: allow", 0, ""},
    {"unknown statement element", ID, 0, "{'Statement':[{" ALLOW_ALL "},{'Sid':'Two','Effect':'Allow','Actions':'*','Resource':'*'}]}", "Syntax errors in policy.", 1, "Two"},
    {"identity with principal", ID, 0, "{'Statement':{" ALLOW_ALL "," BOB "}}", "Policy document should not specify a principal.", 0, ""},
    {"identity with notprincipal", ID, 0, "{'Statement':{" ALLOW_ALL ",'NotPrincipal':'*'}}", "Policy document should not specify a principal.", 0, ""},
    {"resource missing principal", RES, 0, "{'Statement':{" ALLOW_ALL "}}", "Missing required field Principal.", 0, ""},
    {"trust missing principal", TRUST, 0, "{'Statement':{'Effect':'Allow','Action':'sts:AssumeRole'}}", "Missing required field Principal.", 0, ""},
    {"trust with resource", TRUST, 0, "{'Statement':{'Effect':'Allow','Action':'sts:AssumeRole','Resource':'*'," BOB "}}", "Has prohibited field Resource.", 0, ""},
    {"trust with notresource", TRUST, 0, "{'Statement':{'Effect':'Allow','Action':'sts:AssumeRole','NotResource':'*'," BOB "}}", "Has prohibited field NotResource.", 0, ""},
    {"principal bare name", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'AWS':'bob'}}}", "Invalid principal in policy: \"AWS\":\"bob\"", 0, ""},
    {"principal string not star", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':'bob'}}", "Invalid principal in policy: \"bob\"", 0, ""},
    {"principal short account", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'AWS':'44445555666'}}}", "Invalid principal in policy: \"AWS\":\"44445555666\"", 0, ""},
    {"principal group arn", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'AWS':'arn:aws:iam::444455556666:group/admins'}}}", "Invalid principal in policy: \"AWS\":\"arn:aws:iam::444455556666:group/admins\"", 0, ""},
    {"principal arn with region", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'AWS':'arn:aws:iam:us-east-1:444455556666:user/bob'}}}", "Invalid principal in policy: \"AWS\":\"arn:aws:iam:us-east-1:444455556666:user/bob\"", 0, ""},
    {"principal second in list", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'AWS':['444455556666','arn:aws:s3:::b']}}}", "Invalid principal in policy: \"AWS\":\"arn:aws:s3:::b\"", 0, ""},
    {"principal bad service", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'Service':'lambda'}}}", "Invalid principal in policy: \"Service\":\"lambda\"", 0, ""},
    {"principal short canonical", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'CanonicalUser':'79a59df900b949e5'}}}", "Invalid principal in policy: \"CanonicalUser\":\"79a59df900b949e5\"", 0, ""},
    {"principal unknown type", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'User':'bob'}}}", "Invalid principal in policy: \"User\":\"bob\"", 0, ""},
    {"principal empty object", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{}}}", "Syntax errors in policy.", 0, ""},
    {"principal empty list", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':{'AWS':[]}}}", "Syntax errors in policy.", 0, ""},
    {"principal and notprincipal", RES, 0, "{'Statement':{" ALLOW_ALL ",'Principal':'*','NotPrincipal':'*'}}", "Syntax errors in policy.", 0, ""},
    {"missing action", ID, 0, "{'Statement':{'Effect':'Allow','Resource':'*'}}", "Policy statement must contain actions.", 0, ""},
    {"empty action list", ID, 0, "{'Statement':{'Effect':'Allow','Action':[],'Resource':'*'}}", "Policy statement must contain actions.", 0, ""},
    {"action and notaction", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:*','NotAction':'iam:*','Resource':'*'}}", "Syntax errors in policy.", 0, ""},
    {"action without vendor", ID, 0, "{'Statement':{'Effect':'Allow','Action':'GetObject','Resource':'*'}}", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", 0, ""},
    {"action empty vendor", ID, 0, "{'Statement':{'Effect':'Allow','Action':':GetObject','Resource':'*'}}", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", 0, ""},
    {"action two colons", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:Get:Object','Resource':'*'}}", "Actions/Condition can contain only one colon.", 0, ""},
    {"action with space", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:Get Object','Resource':'*'}}", "Syntax errors in policy.", 0, ""},
    {"action number", ID, 0, "{'Statement':{'Effect':'Allow','Action':5,'Resource':'*'}}", "Syntax errors in policy.", 0, ""},
    {"missing resource", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:*'}}", "Policy statement must contain resources.", 0, ""},
    {"empty resource list", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:*','Resource':[]}}", "Policy statement must contain resources.", 0, ""},
    {"resource and notresource", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*','NotResource':'*'}}", "Syntax errors in policy.", 0, ""},
    {"resource bucket name", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:*','Resource':'athena-test'}}", "Resource athena-test must be in ARN format or \"*\".", 0, ""},
    {"resource short arn", ID, 0, "{'Statement':{'Effect':'Allow','Action':'s3:*','Resource':['*','arn:aws:s3::athena-test']}}", "Resource arn:aws:s3::athena-test must be in ARN format or \"*\".", 0, ""},
    {"sid with dash identity", ID, 0, "{'Statement':{'Sid':'Id-ehms','Effect':'Allow','Action':'*','Resource':'*'}}", "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*", 0, "Id-ehms"},
    {"sid not string", ID, 0, "{'Statement':{'Sid':1,'Effect':'Allow','Action':'*','Resource':'*'}}", "Syntax errors in policy.", 0, ""},
    {"duplicate sid", ID, 0, "{'Statement':[{'Sid':'A'," ALLOW_ALL "},{'Sid':'B'," ALLOW_ALL "},{'Sid':'A'," ALLOW_ALL "}]}", "Statement IDs (SID) in a single policy must be unique.", 2, "A"},
    {"condition not object", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':'x'}}", "Syntax errors in policy.", 0, ""},
    {"condition unknown operator", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'StringEqual':{'aws:username':'bob'}}}}", "Invalid Condition type : StringEqual.", 0, ""},
    {"condition null ifexists", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'NullIfExists':{'aws:username':'true'}}}}", "Invalid Condition type : NullIfExists.", 0, ""},
    {"condition operator case", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'stringequals':{'aws:username':'bob'}}}}", "Invalid Condition type : stringequals.", 0, ""},
    {"condition key without vendor", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'StringEquals':{'username':'bob'}}}}", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", 0, ""},
    {"condition value object", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'StringEquals':{'aws:username':{'a':1}}}}}", "Syntax errors in policy.", 0, ""},
    {"condition value null", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'StringEquals':{'aws:username':null}}}}", "Syntax errors in policy.", 0, ""},
    {"condition empty values", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'StringEquals':{'aws:username':[]}}}}", "Syntax errors in policy.", 0, ""},
    {"condition block not map", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'StringEquals':'bob'}}}", "Syntax errors in policy.", 0, ""},
    {"null value not boolean", ID, 0, "{'Statement':{" ALLOW_ALL ",'Condition':{'Null':{'aws:username':'maybe'}}}}", "Syntax errors in policy.", 0, ""},
    {"over size quota", ID, 30, "{'Statement':{" ALLOW_ALL "}}", "Cannot exceed quota for PolicySize: 30", -1, ""},
};

static void test_policy_rejects(void)
{
    for (size_t i = 0; i < sizeof(reject_cases) / sizeof(reject_cases[0]); i++) {
        const reject_case *c = &reject_cases[i];
        iam_policy_error error;
        iam_policy *policy = parse_q(c->json, c->kind, c->max_size, &error);
        int before = unit_failures_in_test;

        CHECK(policy == NULL);
        iam_policy_free(policy);
        if (policy)
            continue;
        CHECK_STR(error.message, c->message);
        CHECK_INT(error.statement, c->statement);
        CHECK_STR(error.sid, c->sid);
        if (unit_failures_in_test != before)
            fprintf(stderr, "  in reject case \"%s\"\n", c->name);
    }
}

static void test_policy_error_format(void)
{
    iam_policy_error error;
    char text[600];

    CHECK(parse_q("{'Statement':[{" ALLOW_ALL "},{'Sid':'Read','Effect':'Allow','Actions':'*','Resource':'*'}]}",
                  ID, 0, &error) == NULL);
    iam_policy_error_format(&error, text, sizeof(text));
    CHECK_STR(text, "Syntax errors in policy. (Statement[1], Sid \"Read\": unknown element \"Actions\")");

    CHECK(parse_q("{'Statement':{'Effect':'Allow','Resource':'*'}}", ID, 0, &error) == NULL);
    iam_policy_error_format(&error, text, sizeof(text));
    CHECK_STR(text, "Policy statement must contain actions. (Statement[0])");

    CHECK(parse_q("{'Statement':{" ALLOW_ALL "}}", ID, 20, &error) == NULL);
    iam_policy_error_format(&error, text, sizeof(text));
    CHECK_STR(text, "Cannot exceed quota for PolicySize: 20 (the policy has 60 characters without whitespace)");

    CHECK(parse_q("{'Version':", ID, 0, &error) == NULL);
    CHECK_STR(error.detail, "invalid JSON at line 1, column 11: unexpected token near end of file");
}

static void test_policy_size_ignores_whitespace(void)
{
    iam_policy_error error;
    const char *compact = "{'Statement':{" ALLOW_ALL "}}";
    const char *spaced = "{ 'Statement' : {\n\t'Effect' : 'Allow' ,\n 'Action' : '*' , 'Resource' : '*' } }";
    iam_policy *a = parse_q(compact, ID, 60, &error);
    iam_policy *b = parse_q(spaced, ID, 60, &error);

    CHECK(a != NULL);
    CHECK(b != NULL);
    iam_policy_free(a);
    iam_policy_free(b);
    CHECK(parse_q(spaced, ID, 59, &error) == NULL);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long size;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)size + 1);
    *len = fread(data, 1, (size_t)size, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

static void test_policy_athena_full_access(void)
{
    size_t len = 0;
    char *json = read_file("tests/unit/data/iam_AmazonAthenaFullAccess.json", &len);
    iam_policy_error error;
    iam_policy *policy = NULL;

    CHECK(json != NULL);
    if (json == NULL)
        return;
    /* The managed policy quota is 6,144 characters without whitespace. */
    CHECK_INT(iam_policy_parse(json, len, IAM_POLICY_IDENTITY, 6144, &policy, &error), 0);
    CHECK(policy != NULL);
    if (policy) {
        CHECK_INT(iam_policy_statement_count(policy), 10);
        CHECK_STR(iam_policy_statement_sid(policy, 0), "BaseAthenaPermissions");
        CHECK_STR(iam_policy_statement_sid(policy, 9), "BasePricingPermissions");
        CHECK(iam_policy_statement_sid(policy, 10) == NULL);
        CHECK(iam_policy_has_variables(policy));
    }
    iam_policy_free(policy);
    free(json);
}

typedef struct accept_case {
    const char *name;
    iam_policy_kind kind;
    const char *json;
    size_t statements;
} accept_case;

static const accept_case accept_cases[] = {
    {"s3 bucket policy", RES,
     "{'Version':'2012-10-17','Statement':[{'Sid':'Stmt1234567890123','Effect':'Allow',"
     "'Principal':{'AWS':'arn:aws:iam::444455556666:user/perf1-test'},'Action':'s3:GetObject',"
     "'Resource':'arn:aws:s3:::athena-test/lambda/dataset/*'}]}", 1},
    {"lambda function policy", RES,
     "{'Version':'2012-10-17','Id':'default','Statement':[{'Sid':'Id-ehms-invocation2','Effect':'Allow',"
     "'Principal':{'AWS':'arn:aws:iam::444455556666:user/perf1-test'},'Action':'lambda:InvokeFunction',"
     "'Resource':'arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new'}]}", 1},
    {"lambda service principal", RES,
     "{'Version':'2012-10-17','Statement':{'Sid':'s3-invoke','Effect':'Allow',"
     "'Principal':{'Service':'s3.amazonaws.com'},'Action':'lambda:InvokeFunction',"
     "'Resource':'arn:aws:lambda:us-east-1:111122223333:function:f',"
     "'Condition':{'ArnLike':{'AWS:SourceArn':'arn:aws:s3:::athena-test'},"
     "'StringEquals':{'AWS:SourceAccount':'111122223333'}}}}", 1},
    {"trust policy", TRUST,
     "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Principal':{'Service':['lambda.amazonaws.com']},"
     "'Action':'sts:AssumeRole'},{'Effect':'Allow','Principal':{'AWS':'444455556666'},"
     "'Action':['sts:AssumeRole','sts:TagSession']}]}", 2},
    {"trust federated", TRUST,
     "{'Statement':{'Effect':'Allow','Principal':{'Federated':'arn:aws:iam::111122223333:saml-provider/corp'},"
     "'Action':'sts:AssumeRoleWithSAML'}}", 1},
    {"every principal form", RES,
     "{'Statement':{'Effect':'Deny','NotPrincipal':{'AWS':['*','111122223333','arn:aws:iam::111122223333:root',"
     "'arn:aws:iam::111122223333:role/r','arn:aws:sts::111122223333:assumed-role/r/s',"
     "'AROA1234567890ABCDEFG'],'CanonicalUser':"
     "'79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be','Federated':'accounts.google.com'},"
     "'NotAction':'s3:Get*','NotResource':['arn:aws:s3:::b','arn:aws:s3:::b/*']}}", 1},
    {"statement object not list", ID, "{'Statement':{'Effect':'Deny','Action':'*','Resource':'*'}}", 1},
    {"version 2008 without variables", ID,
     "{'Version':'2008-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::b/${aws:username}/*'}}", 1},
    {"every condition operator", ID,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*','Condition':{"
     "'StringEquals':{'aws:username':'a'},'StringNotEquals':{'aws:username':'a'},"
     "'StringEqualsIgnoreCase':{'aws:username':'a'},'StringNotEqualsIgnoreCase':{'aws:username':'a'},"
     "'StringLike':{'s3:prefix':['a/*','b?']},'StringNotLike':{'s3:prefix':'c*'},"
     "'NumericEquals':{'s3:max-keys':10},'NumericNotEquals':{'s3:max-keys':'10'},"
     "'NumericLessThan':{'s3:max-keys':1.5},'NumericLessThanEquals':{'s3:max-keys':1},"
     "'NumericGreaterThan':{'s3:max-keys':1},'NumericGreaterThanEquals':{'s3:max-keys':1},"
     "'DateEquals':{'aws:CurrentTime':'2026-12-04'},'DateNotEquals':{'aws:CurrentTime':'2026-12-04T00:00:00Z'},"
     "'DateLessThan':{'aws:CurrentTime':'2026-12-04T19:50:01.5+01:00'},'DateLessThanEquals':{'aws:EpochTime':1764877801},"
     "'DateGreaterThan':{'aws:CurrentTime':'2020-01-01'},'DateGreaterThanEquals':{'aws:CurrentTime':'2020-01-01'},"
     "'Bool':{'aws:SecureTransport':true},'BinaryEquals':{'x:key':'QmluYXJ5'},"
     "'IpAddress':{'aws:SourceIp':['10.0.0.0/8','2001:db8::/32']},'NotIpAddress':{'aws:SourceIp':'192.0.2.1'},"
     "'ArnEquals':{'aws:SourceArn':'arn:aws:s3:::b'},'ArnLike':{'aws:SourceArn':'arn:aws:s3:::*'},"
     "'ArnNotEquals':{'aws:SourceArn':'arn:aws:s3:::b'},'ArnNotLike':{'aws:SourceArn':'arn:aws:s3:::*'},"
     "'Null':{'aws:TokenIssueTime':'true'},'ForAnyValue:StringLike':{'aws:TagKeys':'a*'},"
     "'ForAllValues:StringEqualsIfExists':{'aws:TagKeys':['a','b']},'StringLikeIfExists':{'s3:prefix':'x'}}}}", 1},
};

static void test_policy_accepts(void)
{
    for (size_t i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]); i++) {
        const accept_case *c = &accept_cases[i];
        iam_policy_error error;
        iam_policy *policy = parse_q(c->json, c->kind, 0, &error);

        if (policy == NULL) {
            char text[600];
            iam_policy_error_format(&error, text, sizeof(text));
            fprintf(stderr, "  accept case \"%s\" rejected: %s\n", c->name, text);
        }
        CHECK(policy != NULL);
        if (policy)
            CHECK_INT(iam_policy_statement_count(policy), c->statements);
        iam_policy_free(policy);
    }
}

static void test_policy_sid_rules_by_kind(void)
{
    iam_policy_error error;
    iam_policy *policy;

    /* Lambda and S3 policies accept any Sid text, but IAM documents accept only [0-9A-Za-z]. */
    policy = parse_q("{'Statement':{'Sid':'Id-ehms invocation_2','Effect':'Allow','Principal':'*',"
                     "'Action':'lambda:InvokeFunction','Resource':'*'}}", RES, 0, &error);
    CHECK(policy != NULL);
    iam_policy_free(policy);
    CHECK(parse_q("{'Statement':{'Sid':'a_b','Effect':'Allow','Principal':'*','Action':'sts:AssumeRole'}}",
                  TRUST, 0, &error) == NULL);
    CHECK_STR(error.sid, "a_b");
    policy = parse_q("{'Statement':[{'Sid':''," ALLOW_ALL "},{'Sid':''," ALLOW_ALL "}]}", ID, 0, &error);
    CHECK(policy != NULL);
    iam_policy_free(policy);
}

static void test_policy_rejects_binary_garbage(void)
{
    static const char garbage[] = {'{', '"', 'S', '\0', '"', ':', 1, 2, (char)0xff, '}'};
    static const char nul_string[] = "{\"Statement\":{\"Effect\":\"Allow\\u0000\",\"Action\":\"*\",\"Resource\":\"*\"}}";
    iam_policy_error error;
    iam_policy *policy = (iam_policy *)1;

    CHECK_INT(iam_policy_parse(garbage, sizeof(garbage), ID, 0, &policy, &error), -1);
    CHECK(policy == NULL);
    CHECK_STR(error.message, "Syntax errors in policy.");
    CHECK_INT(iam_policy_parse(nul_string, strlen(nul_string), ID, 0, &policy, &error), -1);
    CHECK_STR(error.message, "Syntax errors in policy.");
    CHECK_INT(iam_policy_parse("", 0, ID, 0, &policy, &error), -1);
    CHECK_STR(error.message, "Syntax errors in policy.");
}

static void test_policy_deep_nesting(void)
{
    size_t depth = 100000, len = 2 * depth + 40;
    char *json = malloc(len);
    iam_policy_error error;
    iam_policy *policy = NULL;
    size_t n = (size_t)sprintf(json, "{\"Statement\":");

    for (size_t i = 0; i < depth; i++)
        json[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        json[n++] = ']';
    json[n++] = '}';
    CHECK_INT(iam_policy_parse(json, n, ID, 0, &policy, &error), -1);
    CHECK_STR(error.message, "Syntax errors in policy.");
    free(json);
}

int main(void)
{
    UNIT_RUN(test_policy_rejects);
    UNIT_RUN(test_policy_error_format);
    UNIT_RUN(test_policy_size_ignores_whitespace);
    UNIT_RUN(test_policy_athena_full_access);
    UNIT_RUN(test_policy_accepts);
    UNIT_RUN(test_policy_sid_rules_by_kind);
    UNIT_RUN(test_policy_rejects_binary_garbage);
    UNIT_RUN(test_policy_deep_nesting);
    return UNIT_SUMMARY();
}
