/*
 * Accounts and their credentials: the 12-digit account, its canonical user
 * ID (64 hex digits, the identity S3 ACLs grant to), and access keys that
 * resolve to a principal. The account root is the principal with every right
 * in its own account.
 */
#ifndef OWL_IAM_ACCOUNT_H
#define OWL_IAM_ACCOUNT_H

#include "iam/evaluate.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define IAM_ACCOUNT_ID_LEN 12
#define IAM_CANONICAL_ID_LEN 64
#define IAM_ACCESS_KEY_MAX 128
#define IAM_SECRET_KEY_MAX 128
#define IAM_ARN_MAX 2048

extern const owl_schema owl_iam_schema;

/* The authenticated caller of one request. */
typedef struct iam_identity {
    iam_principal_type type;
    char account_id[IAM_ACCOUNT_ID_LEN + 1];
    char arn[IAM_ARN_MAX];
    /*
     * aws:userid: the account ID for roots, the unique user ID (AIDA...) for
     * users, "ROLEID:SESSION" (AROA...:name) for assumed-role sessions.
     */
    char user_id[160];
    /* aws:username for users, empty otherwise. */
    char user_name[128];
    char access_key_id[IAM_ACCESS_KEY_MAX + 1];
    /*
     * Assumed-role sessions only, empty otherwise: the role's name, its IAM
     * ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME) and the session name.
     */
    char role_name[128];
    char role_arn[IAM_ARN_MAX];
    char session_name[128];
} iam_identity;

typedef struct iam_account {
    char account_id[IAM_ACCOUNT_ID_LEN + 1];
    char name[128];
    char canonical_user_id[IAM_CANONICAL_ID_LEN + 1];
    char arn[64];
    int64_t created_at;
} iam_account;

typedef enum iam_status {
    IAM_OK = 0,
    IAM_NOT_FOUND,
    IAM_ALREADY_EXISTS,
    IAM_INVALID,
    IAM_STORE_ERROR,
    IAM_EXPIRED,
} iam_status;

/* Returns true when id is exactly 12 ASCII digits. */
bool iam_account_id_valid(const char *id);

/*
 * Creates an account with a fresh canonical user ID and a root access key.
 * When access_key_id and secret are non-NULL they become the root key
 * (validated: key 16-128 chars of [A-Z0-9], secret 16-128 printable chars);
 * otherwise a key is generated. On success fills account and the key
 * buffers. Errors: IAM_INVALID (message in err), IAM_ALREADY_EXISTS,
 * IAM_STORE_ERROR.
 */
iam_status iam_account_create(sqlite3 *db, const char *account_id, const char *name,
                              const char *access_key_id, const char *secret,
                              iam_account *account, char key_out[IAM_ACCESS_KEY_MAX + 1],
                              char secret_out[IAM_SECRET_KEY_MAX + 1], char *err,
                              size_t errlen);

iam_status iam_account_get(sqlite3 *db, const char *account_id, iam_account *account);

/* Calls fn for each account in account ID order; stops early when fn returns false. */
iam_status iam_account_list(sqlite3 *db, bool (*fn)(const iam_account *, void *), void *arg);

/*
 * Resolves an access key to its principal and secret. Only active keys
 * resolve; temporary keys past their expiry return IAM_EXPIRED, and keys of
 * an IAM user or role that no longer exists return IAM_NOT_FOUND. A user's
 * key resolves to arn:aws:iam::ACCOUNT:user/PATH/NAME with the user's
 * AIDA... ID; a role session's key to
 * arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION. session_token_out,
 * when non-NULL, receives a malloc'ed token for temporary keys (NULL for
 * long-term keys); the caller frees it.
 */
iam_status iam_access_key_resolve(sqlite3 *db, const char *access_key_id, int64_t now,
                                  iam_identity *identity,
                                  char secret_out[IAM_SECRET_KEY_MAX + 1],
                                  char **session_token_out);

#endif
