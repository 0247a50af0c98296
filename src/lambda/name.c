/*
 * Function references and ARNs. The accepted forms follow the FunctionName
 * pattern of the Lambda API model (2015-03-31):
 *   NAME[:QUALIFIER]
 *   ACCOUNT:function:NAME[:QUALIFIER]
 *   arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
 * NAME is 1-64 characters of [A-Za-z0-9_-]; QUALIFIER is $LATEST, a version
 * number or an alias name (1-128 characters of [A-Za-z0-9_$-]).
 */
#include "lambda/internal.h"

#include "iam/account.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define REF_MAX_PARTS 8

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

bool lambda_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LAMBDA_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!name_char(*p))
            return false;
    return true;
}

bool lambda_qualifier_valid(const char *q)
{
    size_t n = strlen(q);
    if (n == 0 || n > LAMBDA_QUALIFIER_MAX)
        return false;
    for (const char *p = q; *p; p++)
        if (!name_char(*p) && *p != '$')
            return false;
    return true;
}

/* Region names such as us-east-1 or us-gov-west-1: [a-z]{2}(-gov)?-[a-z]+-\d. */
static bool region_valid(const char *r)
{
    if (strlen(r) < 6 || !islower((unsigned char)r[0]) || !islower((unsigned char)r[1]) ||
        r[2] != '-')
        return false;
    const char *p = r + 3;
    if (strncmp(p, "gov-", 4) == 0)
        p += 4;
    const char *word = p;
    while (islower((unsigned char)*p))
        p++;
    return p > word && p[0] == '-' && isdigit((unsigned char)p[1]) && p[2] == '\0';
}

static bool partition_valid(const char *p)
{
    if (strncmp(p, "aws", 3) != 0)
        return false;
    for (p += 3; *p; p++)
        if (!isalpha((unsigned char)*p) && *p != '-')
            return false;
    return true;
}

bool lambda_role_arn_valid(const char *arn)
{
    /* arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+ */
    if (strncmp(arn, "arn:", 4) != 0)
        return false;
    const char *p = arn + 4;
    const char *colon = strchr(p, ':');
    if (!colon || colon - p > 32)
        return false;
    char partition[33];
    memcpy(partition, p, (size_t)(colon - p));
    partition[colon - p] = '\0';
    if (partition[0] && !partition_valid(partition))
        return false;
    p = colon + 1;
    if (strncmp(p, "iam::", 5) != 0)
        return false;
    p += 5;
    for (int i = 0; i < 12; i++, p++)
        if (!isdigit((unsigned char)*p))
            return false;
    if (strncmp(p, ":role", 5) != 0)
        return false;
    p += 5;
    if (*p == '/')
        p++;
    if (*p == '\0')
        return false;
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_+=,.@-/", *p))
            return false;
    return true;
}

static bool ref_fail(const char *text, char *err, size_t errlen)
{
    snprintf(err, errlen,
             "1 validation error detected: Value '%.200s' at 'functionName' failed to satisfy "
             "constraint: Member must satisfy regular expression pattern: "
             "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
             "(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
             text);
    return false;
}

static bool copy_part(char *out, size_t outlen, const char *part)
{
    if (strlen(part) >= outlen)
        return false;
    strcpy(out, part);
    return true;
}

bool lambda_ref_parse(const char *text, const char *default_region,
                      const char *default_account, lambda_ref *ref, char *err, size_t errlen)
{
    memset(ref, 0, sizeof *ref);
    if (strlen(text) == 0 || strlen(text) > 170)
        return ref_fail(text, err, errlen);

    /* Split on ':' into at most REF_MAX_PARTS parts, in a private copy. */
    char copy[171];
    strcpy(copy, text);
    char *parts[REF_MAX_PARTS + 1];
    size_t n = 0;
    char *start = copy;
    for (char *p = copy;; p++) {
        if (*p == ':' || *p == '\0') {
            if (n == REF_MAX_PARTS)
                return ref_fail(text, err, errlen);
            bool end = *p == '\0';
            *p = '\0';
            parts[n++] = start;
            start = p + 1;
            if (end)
                break;
        }
    }

    const char *account = default_account, *region = default_region;
    const char *name = NULL, *qualifier = NULL;
    if (n <= 2) {
        name = parts[0];
        qualifier = n == 2 ? parts[1] : NULL;
    } else if (n == 3 || n == 4) {
        if (!iam_account_id_valid(parts[0]) || strcmp(parts[1], "function") != 0)
            return ref_fail(text, err, errlen);
        account = parts[0];
        name = parts[2];
        qualifier = n == 4 ? parts[3] : NULL;
    } else if (n == 7 || n == 8) {
        if (strcmp(parts[0], "arn") != 0 || !partition_valid(parts[1]) ||
            strcmp(parts[2], "lambda") != 0 || !region_valid(parts[3]) ||
            !iam_account_id_valid(parts[4]) || strcmp(parts[5], "function") != 0)
            return ref_fail(text, err, errlen);
        region = parts[3];
        account = parts[4];
        name = parts[6];
        qualifier = n == 8 ? parts[7] : NULL;
    } else {
        return ref_fail(text, err, errlen);
    }

    if (!lambda_name_valid(name) || (qualifier && !lambda_qualifier_valid(qualifier)))
        return ref_fail(text, err, errlen);
    if (!copy_part(ref->account_id, sizeof ref->account_id, account) ||
        !copy_part(ref->region, sizeof ref->region, region) ||
        !copy_part(ref->name, sizeof ref->name, name) ||
        !copy_part(ref->qualifier, sizeof ref->qualifier, qualifier ? qualifier : ""))
        return ref_fail(text, err, errlen);
    return true;
}

void lambda_function_arn(char *out, size_t outlen, const char *region, const char *account_id,
                         const char *name, const char *qualifier)
{
    snprintf(out, outlen, "arn:aws:lambda:%s:%s:function:%s%s%s", region, account_id, name,
             qualifier && *qualifier ? ":" : "", qualifier ? qualifier : "");
}
