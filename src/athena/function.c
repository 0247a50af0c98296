/*
 * Function references in catalog parameters (metadata-function,
 * record-function, function). Accepted forms, as the Lambda API's
 * FunctionName (API version 2015-03-31) allows them:
 *   NAME[:QUALIFIER]                                     catalog's region and account
 *   ACCOUNT:function:NAME[:QUALIFIER]                    catalog's region
 *   arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
 * NAME is 1-64 characters of [A-Za-z0-9_-]; QUALIFIER is 1-128 characters
 * of [A-Za-z0-9_$-]. Only the full ARN reaches another region, which is why
 * a catalog registered in eu-central-1 names a us-east-1 function by ARN.
 *
 * Also the invocation of a catalog's function as the caller, with retries
 * while Lambda throttles it.
 */
#include "athena/internal.h"

#include "common/log.h"
#include "common/util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FUNCTION_REF_MAX 256
#define FUNCTION_REF_PARTS 8

/*
 * Lambda throttles an invocation when every instance of the function is busy.
 * Athena retries it for up to THROTTLE_RETRY_MS, with a pause that doubles
 * from THROTTLE_PAUSE_MIN_MS to THROTTLE_PAUSE_MAX_MS. So a burst of
 * concurrent Athena calls waits for a free instance instead of failing.
 */
#define THROTTLE_RETRY_MS 10000
#define THROTTLE_PAUSE_MIN_MS 5
#define THROTTLE_PAUSE_MAX_MS 200

static bool chars_valid(const char *text, size_t max, const char *extra)
{
    size_t n = strlen(text);
    if (n == 0 || n > max)
        return false;
    for (const char *p = text; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
            return false;
    return true;
}

static bool account_valid(const char *text)
{
    if (strlen(text) != 12)
        return false;
    for (const char *p = text; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

static bool region_valid(const char *text)
{
    if (!chars_valid(text, 63, "-"))
        return false;
    for (const char *p = text; *p; p++)
        if (isupper((unsigned char)*p))
            return false;
    return true;
}

bool athena_function_resolve(const char *text, const char *region, const char *account_id,
                             char *arn, size_t arnlen)
{
    if (strlen(text) == 0 || strlen(text) > FUNCTION_REF_MAX)
        return false;
    char copy[FUNCTION_REF_MAX + 1];
    strcpy(copy, text);

    char *parts[FUNCTION_REF_PARTS];
    size_t n = 0;
    char *start = copy;
    for (char *p = copy;; p++) {
        if (*p != ':' && *p != '\0')
            continue;
        if (n == FUNCTION_REF_PARTS)
            return false;
        bool end = *p == '\0';
        *p = '\0';
        parts[n++] = start;
        start = p + 1;
        if (end)
            break;
    }

    const char *partition = "aws", *name, *qualifier = NULL;
    if (n <= 2) {
        name = parts[0];
        qualifier = n == 2 ? parts[1] : NULL;
    } else if (n == 3 || n == 4) {
        if (!account_valid(parts[0]) || strcmp(parts[1], "function") != 0)
            return false;
        account_id = parts[0];
        name = parts[2];
        qualifier = n == 4 ? parts[3] : NULL;
    } else if (n == 7 || n == 8) {
        if (strcmp(parts[0], "arn") != 0 || strncmp(parts[1], "aws", 3) != 0 ||
            strcmp(parts[2], "lambda") != 0 || !region_valid(parts[3]) ||
            !account_valid(parts[4]) || strcmp(parts[5], "function") != 0)
            return false;
        partition = parts[1];
        region = parts[3];
        account_id = parts[4];
        name = parts[6];
        qualifier = n == 8 ? parts[7] : NULL;
    } else {
        return false;
    }
    if (!chars_valid(name, 64, "-_") || (qualifier && !chars_valid(qualifier, 128, "-_$")))
        return false;

    int written = snprintf(arn, arnlen, "arn:%s:lambda:%s:%s:function:%s%s%s", partition, region,
                           account_id, name, qualifier ? ":" : "", qualifier ? qualifier : "");
    return written > 0 && (size_t)written < arnlen;
}

void athena_function_invoke(aws_call *call, const char *function_arn, const void *payload,
                            size_t len, lambda_caller_result *out)
{
    int64_t deadline = owl_monotonic_ms() + THROTTLE_RETRY_MS;
    long pause_ms = THROTTLE_PAUSE_MIN_MS;
    int retries = 0;
    for (;;) {
        lambda_invoke_as_caller(call, function_arn, payload, len, out);
        bool throttled = out->status == LAMBDA_CALLER_REJECTED && out->http_status == 429;
        if (!throttled || owl_monotonic_ms() + pause_ms > deadline)
            break;
        lambda_caller_result_free(out);
        struct timespec pause = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
        retries++;
        pause_ms = pause_ms * 2 > THROTTLE_PAUSE_MAX_MS ? THROTTLE_PAUSE_MAX_MS : pause_ms * 2;
    }
    if (retries > 0)
        owl_log_info("event=athena_function_throttled function=%s retries=%d status=%d",
                     function_arn, retries, out->http_status);
}
