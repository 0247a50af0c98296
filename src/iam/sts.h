/*
 * STS, Query protocol (API version 2011-06-15): GetCallerIdentity and
 * AssumeRole, plus role assumption by a service principal (the Lambda
 * runtime running a function as its execution role).
 *
 * A role session is a row of access_keys with an ASIA... key, a secret, a
 * session token and an expiry; iam_access_key_resolve() turns it back into
 * the assumed-role identity until it expires.
 */
#ifndef OWL_IAM_STS_H
#define OWL_IAM_STS_H

#include "aws/call.h"
#include "iam/account.h"

#include <stdint.h>

#define STS_XML_NAMESPACE "https://sts.amazonaws.com/doc/2011-06-15/"
/* Characters in a session token. */
#define STS_SESSION_TOKEN_LEN 256

/* Returns true when action is an STS operation name (routing of unsigned Query calls). */
bool sts_is_action(const char *action);

/* Handles one authenticated STS call: call->form holds the parameters. */
void sts_handle(aws_call *call);

/* Temporary credentials of one role session. */
typedef struct sts_credentials {
    char access_key_id[IAM_ACCESS_KEY_MAX + 1];
    char secret_access_key[IAM_SECRET_KEY_MAX + 1];
    char session_token[STS_SESSION_TOKEN_LEN + 1];
    /* Unix seconds after which the credentials stop working. */
    int64_t expiration;
    /* aws:userid of the session: ROLEID:SESSION. */
    char assumed_role_id[160];
    /* arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION. */
    char assumed_role_arn[IAM_ARN_MAX];
} sts_credentials;

/*
 * Assumes role_arn (arn:aws:iam::ACCOUNT:role/PATH/NAME) for a service
 * principal such as "lambda.amazonaws.com": the role's trust policy must
 * allow that service to perform sts:AssumeRole. session_name follows
 * RoleSessionName's rules (2-64 characters of [\w+=,.@-]);
 * duration_seconds is 900 up to the role's MaxSessionDuration. Fills creds.
 * Errors: IAM_NOT_FOUND (no such role), IAM_INVALID (trust policy does not
 * name the service, or an invalid argument), IAM_STORE_ERROR.
 */
iam_status iam_role_assume_for_service(sqlite3 *db, const char *role_arn, const char *service,
                                       const char *session_name, int duration_seconds,
                                       sts_credentials *creds);

#endif
