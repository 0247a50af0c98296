/*
 * Policy evaluation benchmark: decisions per second on one core.
 *
 * Workload: a user in account 444455556666 has 10 attached policies of 20
 * statements each, with ten services, wildcard actions, specific resource
 * ARNs, two Deny statements and some conditions per policy. The user reads
 * objects in a bucket of account 111122223333 whose bucket policy has 50
 * statements, so every decision needs both the identity and resource sides. The
 * requests rotate through allowed, implicitly denied and explicitly denied
 * actions. Build and run with bench/policy.sh after building build/.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iam/evaluate.h"
#include "iam/policy.h"

#define POLICIES 10
#define STATEMENTS 20
#define BUCKET_STATEMENTS 50

static const char *const services[] = {"s3", "athena", "glue", "lambda", "dynamodb",
                                       "ec2", "sqs", "sns", "kms", "logs"};

static iam_policy *compile(const char *json, iam_policy_kind kind)
{
    iam_policy *policy = NULL;
    iam_policy_error error;
    char message[600];

    if (iam_policy_parse(json, strlen(json), kind, 0, &policy, &error) != 0) {
        iam_policy_error_format(&error, message, sizeof(message));
        fprintf(stderr, "bench_policy: policy rejected: %s\n", message);
        exit(1);
    }
    return policy;
}

/* Appends statement number statement of identity policy number policy to json. */
static void identity_statement(char *json, size_t cap, int policy, int statement)
{
    const char *service = services[(policy + statement) % 10];
    size_t n = strlen(json);

    if (statement < 2) {
        snprintf(json + n, cap - n,
                 "%s{\"Sid\":\"Deny%d\",\"Effect\":\"Deny\",\"Action\":\"%s:Delete*\",\"Resource\":\"*\"}",
                 statement ? "," : "", statement, service);
    } else if (policy == 7 && statement == 19) {
        snprintf(json + n, cap - n,
                 ",{\"Sid\":\"ReadProducer\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],"
                 "\"Resource\":[\"arn:aws:s3:::athena-test\",\"arn:aws:s3:::athena-test/*\"]}");
    } else if (statement % 4 == 0) {
        snprintf(json + n, cap - n,
                 ",{\"Sid\":\"Tagged%d\",\"Effect\":\"Allow\",\"Action\":\"%s:Get*\","
                 "\"Resource\":\"arn:aws:%s:eu-central-1:444455556666:thing/p%d-s%d/*\","
                 "\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/team\":\"data\"},"
                 "\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}}",
                 statement, service, service, policy, statement);
    } else {
        snprintf(json + n, cap - n,
                 ",{\"Sid\":\"Read%d\",\"Effect\":\"Allow\",\"Action\":[\"%s:List*\",\"%s:Describe*\",\"%s:Get%d*\"],"
                 "\"Resource\":[\"arn:aws:%s:eu-central-1:444455556666:thing/p%d-s%d\","
                 "\"arn:aws:%s:eu-central-1:444455556666:thing/p%d-s%d/*\"]}",
                 statement, service, service, service, statement, service, policy, statement, service,
                 policy, statement);
    }
}

static iam_policy *bucket_policy(void)
{
    static char json[64 * 1024];
    size_t n = (size_t)snprintf(json, sizeof(json), "{\"Version\":\"2012-10-17\",\"Statement\":[");

    n += (size_t)snprintf(json + n, sizeof(json) - n,
                          "{\"Sid\":\"DenyInsecure\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
                          "\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}");
    for (int i = 1; i < BUCKET_STATEMENTS; i++) {
        const char *user = i == 40 ? "perf1-test" : "consumer";
        n += (size_t)snprintf(json + n, sizeof(json) - n,
                              ",{\"Sid\":\"Grant%d\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
                              "\"arn:aws:iam::444455556666:user/%s%s\"},\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],"
                              "\"Resource\":\"arn:aws:s3:::athena-test/%s*\"}",
                              i, user, i == 40 ? "" : (char[]){(char)('a' + i % 26), 0},
                              i == 40 ? "lambda/" : "other/");
    }
    snprintf(json + n, sizeof(json) - n, "]}");
    return compile(json, IAM_POLICY_RESOURCE);
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 5000000;
    static char json[POLICIES][32 * 1024];
    iam_policy *policies[POLICIES];
    iam_policy_ref refs[POLICIES];
    static const iam_tag tags[] = {{"team", "data"}};
    static const char *const secure[] = {"true"}, *const ip[] = {"10.20.30.40"};
    static const iam_context_key context[] = {{"aws:SecureTransport", secure, 1}, {"aws:SourceIp", ip, 1}};
    static const char *const actions[] = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "athena:GetQueryExecution"};
    static const iam_effect expected[] = {IAM_ALLOW, IAM_DENY, IAM_DENY, IAM_DENY};
    struct timespec start, end, cpu_start, cpu_end;
    long allowed = 0;

    for (int p = 0; p < POLICIES; p++) {
        snprintf(json[p], sizeof(json[p]), "{\"Version\":\"2012-10-17\",\"Statement\":[");
        for (int s = 0; s < STATEMENTS; s++)
            identity_statement(json[p], sizeof(json[p]), p, s);
        strcat(json[p], "]}");
        policies[p] = compile(json[p], IAM_POLICY_IDENTITY);
        refs[p] = (iam_policy_ref){"arn:aws:iam::444455556666:policy/p", policies[p]};
    }
    iam_policy *resource = bucket_policy();
    iam_policy_set set = {refs, POLICIES, NULL, 0, false};
    iam_request request = {
        {IAM_PRINCIPAL_USER, "444455556666", "arn:aws:iam::444455556666:user/perf1-test", NULL, "perf1-test",
         "AIDAPERF100000000001", NULL, NULL, tags, 1},
        NULL, "arn:aws:s3:::athena-test/lambda/dataset/part-0.parquet", "111122223333", context, 2, NULL, NULL};

    for (int a = 0; a < 4; a++) {
        request.action = actions[a];
        iam_decision d = iam_evaluate(&request, &set, resource, "arn:aws:s3:::athena-test");
        if (d.effect != expected[a]) {
            fprintf(stderr, "bench_policy: %s decided %s (%s), expected %s\n", actions[a],
                    d.effect ? "allow" : "deny", iam_reason_name(d.reason), expected[a] ? "allow" : "deny");
            return 1;
        }
    }

    clock_gettime(CLOCK_MONOTONIC, &start);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_start);
    for (long i = 0; i < iterations; i++) {
        request.action = actions[i & 3];
        allowed += iam_evaluate(&request, &set, resource, "arn:aws:s3:::athena-test").effect;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_end);
    clock_gettime(CLOCK_MONOTONIC, &end);

    /*
     * CPU time counts only the time this thread ran, so the rate stays per
     * core when other work shares the machine. Wall time is printed as well.
     */
    double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    double cpu = (double)(cpu_end.tv_sec - cpu_start.tv_sec) +
                 (double)(cpu_end.tv_nsec - cpu_start.tv_nsec) / 1e9;
    printf("policies=%d statements_each=%d resource_statements=%d decisions=%ld allowed=%ld\n", POLICIES,
           STATEMENTS, BUCKET_STATEMENTS, iterations, allowed);
    printf("%.0f decisions/s per core of CPU time (%.1f ns per decision); %.0f decisions/s wall clock\n",
           (double)iterations / cpu, cpu * 1e9 / (double)iterations, (double)iterations / wall);
    /* Lines scripts/bench collects: metric NAME VALUE UNIT TARGET. */
    printf("metric policy_decisions_cpu %.0f decisions/s/core >=1000000\n", (double)iterations / cpu);
    printf("metric policy_decisions_wall %.0f decisions/s -\n", (double)iterations / wall);

    for (int p = 0; p < POLICIES; p++)
        iam_policy_free(policies[p]);
    iam_policy_free(resource);
    return 0;
}
