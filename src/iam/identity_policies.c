/*
 * Gathers and compiles the identity-based policies of a caller. See
 * identity_policies.h.
 */
#include "iam/identity_policies.h"

#include "common/log.h"

#include <stdlib.h>
#include <string.h>

/* Everything iam_identity_policies points into. */
typedef struct policies_storage {
    iam_policy_ref *refs;
    size_t count;
    char canonical_id[IAM_CANONICAL_ID_LEN + 1];
} policies_storage;

bool iam_identity_policies_load(aws_call *call, const iam_identity *caller,
                                iam_identity_policies *out)
{
    memset(out, 0, sizeof *out);
    policies_storage *storage = calloc(1, sizeof *storage);
    if (!storage)
        abort();
    out->storage = storage;
    if (caller->type == IAM_PRINCIPAL_ANONYMOUS)
        return true;

    sqlite3 *db = owl_store_acquire(call->store);
    if (!db)
        return false;
    iam_account account;
    iam_status status = iam_account_get(db, caller->account_id, &account);
    owl_store_release(call->store, db);
    if (status == IAM_STORE_ERROR) {
        owl_log_error("event=identity_policies_failed request_id=%s account=%s",
                      call->req->request_id, caller->account_id);
        return false;
    }
    if (status == IAM_OK) {
        memcpy(storage->canonical_id, account.canonical_user_id, sizeof storage->canonical_id);
        out->canonical_id = storage->canonical_id;
    }

    /* TODO: users and assumed roles get their inline, attached and group policies here
     * once IAM users and roles are stored; until then they have no identity policies. */
    out->set.policies = storage->refs;
    out->set.count = storage->count;
    return true;
}

void iam_identity_policies_free(iam_identity_policies *policies)
{
    policies_storage *storage = policies->storage;
    if (storage) {
        for (size_t i = 0; i < storage->count; i++)
            iam_policy_free((iam_policy *)storage->refs[i].policy);
        free(storage->refs);
        free(storage);
    }
    memset(policies, 0, sizeof *policies);
}
