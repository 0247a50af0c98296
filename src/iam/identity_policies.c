/*
 * Gathers and compiles the identity-based policies of a caller. See
 * identity_policies.h.
 */
#include "iam/identity_policies.h"

#include "common/log.h"
#include "iam/identity_store.h"

#include <stdlib.h>
#include <string.h>

/* Everything iam_identity_policies points into. */
typedef struct policies_storage {
    iam_identity_context context;
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
    if (status == IAM_OK) {
        memcpy(storage->canonical_id, account.canonical_user_id, sizeof storage->canonical_id);
        out->canonical_id = storage->canonical_id;
        status = iam_identity_context_load(db, caller, &storage->context);
    }
    owl_store_release(call->store, db);
    if (status == IAM_STORE_ERROR || status == IAM_INVALID) {
        /* IAM_INVALID: a stored document no longer parses, so nothing may be granted. */
        owl_log_error("event=identity_policies_failed request_id=%s account=%s status=%d",
                      call->req->request_id, caller->account_id, (int)status);
        return false;
    }

    out->set = storage->context.set;
    out->tags = storage->context.tags;
    out->tag_count = storage->context.tag_count;
    return true;
}

void iam_identity_policies_free(iam_identity_policies *policies)
{
    policies_storage *storage = policies->storage;
    if (storage) {
        iam_identity_context_free(&storage->context);
        free(storage);
    }
    memset(policies, 0, sizeof *policies);
}
