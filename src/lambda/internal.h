/*
 * Shared between the files of the Lambda module: function references and
 * ARNs, the function store, resource policies, code packages and the
 * instance runtime. Unit tests include this header; the rest of owlery uses
 * lambda.h only.
 */
#ifndef OWL_LAMBDA_INTERNAL_H
#define OWL_LAMBDA_INTERNAL_H

#include "common/buf.h"
#include "lambda/lambda.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define LAMBDA_NAME_MAX 64
#define LAMBDA_QUALIFIER_MAX 128
#define LAMBDA_LATEST "$LATEST"

/* Payload limits of synchronous and asynchronous invocations, in bytes. */
#define LAMBDA_SYNC_REQUEST_MAX 6291456
#define LAMBDA_SYNC_RESPONSE_MAX 6291556
#define LAMBDA_EVENT_REQUEST_MAX 262144
/* Resource policy size limit, in bytes of compact JSON. */
#define LAMBDA_POLICY_MAX 20480

/* ------------------------------------------------------------------------
 * Function references (name.c)
 * ---------------------------------------------------------------------- */

/*
 * A function as a caller names it: "NAME", "ACCOUNT:function:NAME" or
 * "arn:aws:lambda:REGION:ACCOUNT:function:NAME", each with an optional
 * ":QUALIFIER". Missing parts default to the caller's region and account.
 */
typedef struct lambda_ref {
    char account_id[13];
    char region[64];
    char name[LAMBDA_NAME_MAX + 1];
    /* "" when the reference names no version. */
    char qualifier[LAMBDA_QUALIFIER_MAX + 1];
} lambda_ref;

/*
 * Parses text into ref. Returns false with a message in err when text does
 * not match the FunctionName pattern of the Lambda API.
 */
bool lambda_ref_parse(const char *text, const char *default_region,
                      const char *default_account, lambda_ref *ref, char *err, size_t errlen);

/* Returns true when name is 1-64 characters of [A-Za-z0-9_-]. */
bool lambda_name_valid(const char *name);
/* Returns true when q is $LATEST, a version number or an alias name. */
bool lambda_qualifier_valid(const char *q);
/* Returns true when arn matches arn:aws[-partition]:iam::ACCOUNT:role/NAME. */
bool lambda_role_arn_valid(const char *arn);

/* Writes the function ARN, with ":qualifier" when qualifier is non-empty. */
void lambda_function_arn(char *out, size_t outlen, const char *region, const char *account_id,
                         const char *name, const char *qualifier);

/* ------------------------------------------------------------------------
 * The function store (function.c)
 * ---------------------------------------------------------------------- */

/*
 * One version of a function: $LATEST or a published number. config is the
 * FunctionConfiguration object of the API, exactly as GetFunctionConfiguration
 * returns it; tags is a JSON object (shared by all versions, read from
 * $LATEST); policy is the resource policy JSON text or NULL.
 */
typedef struct lambda_function {
    char account_id[13];
    char region[64];
    char name[LAMBDA_NAME_MAX + 1];
    char version[LAMBDA_QUALIFIER_MAX + 1];
    json_t *config;
    json_t *tags;
    char *policy;
} lambda_function;

typedef enum lambda_store_status {
    LAMBDA_STORE_OK,
    LAMBDA_STORE_NOT_FOUND,
    LAMBDA_STORE_EXISTS,
    LAMBDA_STORE_ERROR,
} lambda_store_status;

void lambda_function_free(lambda_function *fn);

/* Reads one version; on LAMBDA_STORE_OK fn owns new references the caller frees. */
lambda_store_status lambda_function_load(sqlite3 *db, const char *account_id,
                                         const char *region, const char *name,
                                         const char *version, lambda_function *fn);
/* Inserts a new version row; LAMBDA_STORE_EXISTS when it is already there. */
lambda_store_status lambda_function_insert(sqlite3 *db, const lambda_function *fn);
/* Rewrites config, tags and policy of an existing version row. */
lambda_store_status lambda_function_update(sqlite3 *db, const lambda_function *fn);
/* Deletes one version, or every version when version is NULL. */
lambda_store_status lambda_function_delete(sqlite3 *db, const char *account_id,
                                           const char *region, const char *name,
                                           const char *version);
/* Returns the highest published version number of a function, 0 when none. */
int lambda_function_max_version(sqlite3 *db, const char *account_id, const char *region,
                                const char *name);

/*
 * Lists configurations (new references appended to out, a JSON array) in
 * name order, then version order. name NULL lists every function of the
 * account and region (only $LATEST unless all_versions); a name lists that
 * function's versions. after_key skips entries up to and including that
 * key, an opaque marker of the form NAME:0000000007 (version number, 0 for
 * $LATEST). When more than max entries exist, next_key receives the key of
 * the last entry returned; otherwise it is set to "".
 */
lambda_store_status lambda_function_list(sqlite3 *db, const char *account_id, const char *region,
                                         const char *name, bool all_versions,
                                         const char *after_key, int max, json_t *out,
                                         char *next_key, size_t next_key_len);

/* ------------------------------------------------------------------------
 * Resource policies (policy.c)
 * ---------------------------------------------------------------------- */

typedef struct lambda_permission {
    const char *statement_id;
    const char *action;
    const char *principal;
    const char *source_arn;
    const char *source_account;
    const char *principal_org_id;
    const char *event_source_token;
    /* The function ARN (qualified when the permission is). */
    const char *resource;
} lambda_permission;

typedef enum lambda_policy_status {
    LAMBDA_POLICY_OK,
    LAMBDA_POLICY_INVALID,      /* bad parameter; message in err */
    LAMBDA_POLICY_DUPLICATE,    /* statement id already present */
    LAMBDA_POLICY_NOT_FOUND,    /* statement id absent */
    LAMBDA_POLICY_TOO_LARGE,    /* final size in *size_out */
} lambda_policy_status;

/*
 * Builds the statement for one AddPermission call, keys in Lambda's order
 * (Sid, Effect, Principal, Action, Resource, Condition). Returns a new
 * reference, or NULL with a message in err for an invalid principal.
 */
json_t *lambda_policy_statement(const lambda_permission *perm, char *err, size_t errlen);

/*
 * Adds statement to the policy document policy_text (NULL when there is
 * none yet) and stores the new compact document in *out (malloc'ed).
 */
lambda_policy_status lambda_policy_add(const char *policy_text, json_t *statement, char **out,
                                       size_t *size_out);

/*
 * Removes the statement statement_id; *out is the new document, or NULL when
 * no statement is left.
 */
lambda_policy_status lambda_policy_remove(const char *policy_text, const char *statement_id,
                                          char **out);

/* ------------------------------------------------------------------------
 * Code packages (code.c)
 * ---------------------------------------------------------------------- */

/* Writes the base64 SHA-256 (CodeSha256) and lowercase hex SHA-256 of data. */
void lambda_code_digest(const void *data, size_t len, char b64[45], char hex[65]);

/*
 * Decodes standard base64 (with padding, whitespace not allowed) into a new
 * buffer. Returns NULL when text is not base64.
 */
uint8_t *lambda_base64_decode(const char *text, size_t len, size_t *outlen);
/* Returns a new NUL-terminated base64 encoding of data. */
char *lambda_base64_encode(const void *data, size_t len);

/*
 * Stores a zip package under DATA_DIR/lambda: the archive as
 * zips/<hex>.zip and its extraction as code/<hex>/ (read-only). Entries
 * whose path is absolute or leaves the tree with "..", and symbolic links
 * whose target leaves it, are rejected. Returns false with a message in err
 * (an InvalidParameterValueException message).
 */
bool lambda_code_store(const char *data_dir, const void *zip, size_t len, const char *hex,
                       char *err, size_t errlen);

/* Extracts zip into dest (which must not exist); the core of lambda_code_store. */
bool lambda_code_extract(const void *zip, size_t len, const char *dest, char *err,
                         size_t errlen);

/* ------------------------------------------------------------------------
 * Instance runtime (runtime.c)
 * ---------------------------------------------------------------------- */

typedef enum lambda_invoke_outcome {
    LAMBDA_INVOKE_SUCCESS,        /* payload is the function's response */
    LAMBDA_INVOKE_FUNCTION_ERROR, /* payload is the error document (errorMessage, errorType) */
    LAMBDA_INVOKE_THROTTLED,      /* every instance busy; payload empty */
    LAMBDA_INVOKE_UNAVAILABLE,    /* runtime stopped; payload empty */
} lambda_invoke_outcome;

typedef struct lambda_invoke_result {
    lambda_invoke_outcome outcome;
    owl_buf payload;
    /* The invocation's log: START, the instance's output, END and REPORT. */
    owl_buf log;
} lambda_invoke_result;

/*
 * Runs one invocation of fn (config fixed at call time) on a warm instance or
 * a new one, and waits for the response, an error, the instance's exit or
 * the function timeout. request_id is the invocation's id. The caller frees
 * result->payload and result->log.
 */
void lambda_runtime_invoke(const lambda_function *fn, const char *request_id, const void *payload,
                           size_t payload_len, lambda_invoke_result *result);

/* Kills every instance of the function (all versions). */
void lambda_runtime_kill_function(const char *account_id, const char *region, const char *name);

/* Fills the runtime state used by lambda_runtime_invoke; see lambda_service_start. */
bool lambda_runtime_start(owl_store *store, const char *endpoint_url, char *err, size_t errlen);
void lambda_runtime_stop(void);
bool lambda_runtime_running(void);

/* Queues an Event invocation; returns false when the runtime is stopped. */
bool lambda_event_enqueue(const lambda_function *fn, const char *request_id, const void *payload,
                          size_t payload_len);
bool lambda_event_start(char *err, size_t errlen);
void lambda_event_stop(void);

#endif
