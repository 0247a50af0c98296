/*
 * IAM policy documents: validation and compilation.
 *
 * iam_policy_parse() reads one JSON policy document in the IAM policy
 * language (Version 2012-10-17 or 2008-10-17). It rejects what IAM rejects,
 * with IAM's MalformedPolicyDocument wording. It compiles the rest into a
 * form that iam_evaluate() (evaluate.h) matches without allocating: actions
 * lowercased and indexed by service prefix, wildcard patterns classified
 * (literal, prefix, general), condition values parsed (numbers, dates,
 * booleans, IP CIDRs).
 *
 * Limits: the caller passes the size quota, because it depends on where the
 * document is attached. IAM's quotas page lists 2,048 characters for a user's
 * inline policies, 5,120 for a group's, 10,240 for a role's and 6,144 for a
 * managed policy. Whitespace does not count, as in IAM. JSON nested deeper
 * than jansson's limit (2048 levels) is rejected as a syntax error.
 */
#ifndef OWL_IAM_POLICY_H
#define OWL_IAM_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Where a document is attached; decides which elements it must and may use. */
typedef enum iam_policy_kind {
    IAM_POLICY_IDENTITY, /* user, group or role permissions, session policy: no Principal */
    IAM_POLICY_RESOURCE, /* bucket or function policy: Principal or NotPrincipal required */
    IAM_POLICY_TRUST,    /* role trust policy: Principal required, no Resource */
} iam_policy_kind;

/* A compiled, immutable policy. Safe to share between threads. */
typedef struct iam_policy iam_policy;

/*
 * Why a document was rejected. message is the text IAM returns in a
 * MalformedPolicyDocument error ("Missing required field Effect.").
 * statement is the 0-based index of the offending statement, or -1 for the
 * document as a whole, and sid is that statement's Sid or "". detail names
 * the offending value where IAM's own message does not, or is "".
 */
typedef struct iam_policy_error {
    char message[256];
    int statement;
    char sid[128];
    char detail[256];
} iam_policy_error;

/*
 * Parses and compiles the document json (len bytes, not necessarily
 * NUL-terminated). max_size is the quota in non-whitespace characters, 0 for
 * none. On success stores a new policy in *out (free with iam_policy_free)
 * and returns 0; on failure fills *error and returns -1, leaving *out NULL.
 */
int iam_policy_parse(const char *json, size_t len, iam_policy_kind kind, size_t max_size,
                     iam_policy **out, iam_policy_error *error);

void iam_policy_free(iam_policy *policy);

/*
 * Writes error as one line: the IAM message, then the statement and Sid and
 * the detail in brackets when known, e.g.
 *   Syntax errors in policy. (Statement[1], Sid "Read": unknown element "Actions")
 * Returns what snprintf returns.
 */
int iam_policy_error_format(const iam_policy_error *error, char *out, size_t outlen);

size_t iam_policy_statement_count(const iam_policy *policy);
/* Returns the Sid of statement index, or NULL when it has none or index is out of range. */
const char *iam_policy_statement_sid(const iam_policy *policy, size_t index);
/* True when the document uses Version 2012-10-17, which enables policy variables. */
bool iam_policy_has_variables(const iam_policy *policy);

#endif
