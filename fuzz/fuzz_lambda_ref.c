/*
 * libFuzzer target for the Lambda parsers that read bytes from clients:
 * function references (FunctionName), role ARNs, base64 (ZipFile), and
 * resource policy documents as stored and edited by AddPermission and
 * RemovePermission. The input's first line is the reference; the rest is
 * used as base64 text and as a policy document.
 */
#include "lambda/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *rest = strchr(text, '\n');
    if (rest)
        *rest++ = '\0';
    else
        rest = text + strlen(text);

    lambda_ref ref;
    char err[512];
    if (lambda_ref_parse(text, "us-east-1", "111122223333", &ref, err, sizeof err)) {
        char arn[256];
        lambda_function_arn(arn, sizeof arn, ref.region, ref.account_id, ref.name, ref.qualifier);
    }
    lambda_role_arn_valid(text);

    size_t decoded_len;
    uint8_t *decoded = lambda_base64_decode(rest, strlen(rest), &decoded_len);
    free(decoded);

    lambda_permission perm = {.statement_id = "fuzz", .action = "lambda:InvokeFunction",
                              .principal = text, .source_arn = rest, .resource = "arn"};
    json_t *statement = lambda_policy_statement(&perm, err, sizeof err);
    if (statement) {
        char *policy = NULL;
        size_t policy_size;
        if (lambda_policy_add(rest, statement, &policy, &policy_size) == LAMBDA_POLICY_OK) {
            char *after = NULL;
            lambda_policy_remove(policy, "fuzz", &after);
            free(after);
        }
        free(policy);
        json_decref(statement);
    }
    char *removed = NULL;
    lambda_policy_remove(rest, text, &removed);
    free(removed);
    free(text);
    return 0;
}
