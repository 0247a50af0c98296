/*
 * libFuzzer target for the policy compiler and evaluator. The first byte
 * picks the policy kind (identity, resource, trust); the rest is the
 * document. A document that compiles is then evaluated against requests
 * from several principal types, so malformed patterns, conditions and
 * variables that the validator accepts also reach the matchers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iam/evaluate.h"
#include "iam/policy.h"

static const char *const tag_keys_values[] = {"a", "env*", "b"};
static const char *const ip_values[] = {"10.1.2.3"};
static const char *const time_values[] = {"2026-12-04T19:50:01Z"};
static const char *const prefix_values[] = {"home/alice/x"};
static const iam_context_key context[] = {
    {"aws:TagKeys", tag_keys_values, 3},
    {"aws:SourceIp", ip_values, 1},
    {"aws:CurrentTime", time_values, 1},
    {"s3:prefix", prefix_values, 1},
};
static const iam_tag tags[] = {{"team", "*"}};

static void evaluate_all(const iam_policy *policy, iam_policy_kind kind)
{
    static const iam_principal principals[] = {
        {IAM_PRINCIPAL_USER, "111122223333", "arn:aws:iam::111122223333:user/alice", NULL, "alice",
         "AIDAALICE00000000001", NULL, NULL, tags, 1},
        {IAM_PRINCIPAL_ASSUMED_ROLE, "444455556666", "arn:aws:sts::444455556666:assumed-role/r/s",
         "arn:aws:iam::444455556666:role/r", NULL, "AROAR000000000000001:s", NULL, NULL, NULL, 0},
        {IAM_PRINCIPAL_ANONYMOUS, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0},
        {IAM_PRINCIPAL_SERVICE, NULL, NULL, NULL, NULL, NULL, NULL, "s3.amazonaws.com", NULL, 0},
    };
    static const char *const actions[] = {"s3:GetObject", "lambda:InvokeFunction", "sts:AssumeRole", "x"};
    static const char *const resources[] = {"arn:aws:s3:::athena-test/home/alice/x",
                                            "arn:aws:lambda:us-east-1:111122223333:function:f", "*"};
    iam_policy_ref ref = {"fuzz", policy};
    iam_policy_set set = {&ref, 1, &ref, 1, true};
    char message[512];

    for (size_t p = 0; p < sizeof(principals) / sizeof(principals[0]); p++) {
        for (size_t a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
            for (size_t r = 0; r < sizeof(resources) / sizeof(resources[0]); r++) {
                iam_request request = {principals[p], actions[a], resources[r], "111122223333", context,
                                       sizeof(context) / sizeof(context[0]), NULL, NULL};
                iam_decision d = kind == IAM_POLICY_IDENTITY ? iam_evaluate(&request, &set, NULL, NULL)
                                                             : iam_evaluate(&request, NULL, policy, "res");
                iam_decision_message(&request, &d, message, sizeof(message));
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iam_policy *policy = NULL;
    iam_policy_error error;
    iam_policy_kind kind;
    char text[600];

    if (size == 0)
        return 0;
    kind = (iam_policy_kind)(data[0] % 3);
    if (iam_policy_parse((const char *)data + 1, size - 1, kind, 0, &policy, &error) != 0) {
        iam_policy_error_format(&error, text, sizeof(text));
        return 0;
    }
    evaluate_all(policy, kind);
    iam_policy_free(policy);
    return 0;
}
