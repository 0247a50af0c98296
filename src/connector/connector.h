/*
 * The Hive metastore connector function: a Lambda custom runtime that
 * serves Athena's HIVE catalog protocol (the JSON request and response
 * documents of the aws-athena-hive-metastore reference connector) by calling
 * a Hive metastore over Thrift.
 *
 * One invocation is
 *   {"requestContext": {...}, "apiName": "getTable", "apiRequest": {...}}
 * and its response is
 *   {"apiName": "getTable", "spilled": false, "spillPath": null, "apiResponse": {...}}
 * Metastore objects inside apiRequest and apiResponse are strings holding
 * the TJSONProtocol encoding of the Hive 2.3 / 3.1 structs (Database, Table,
 * Partition, DropPartitionsResult). When the serialized apiResponse reaches
 * the spill threshold it is written to S3 instead, and the response carries
 * "spilled": true, the s3:// path and "apiResponse": null.
 *
 * The pieces, each testable on its own:
 *   connector_config_load()   environment variables -> connector_config
 *   connector_handle()        one request document -> response document
 *   connector_spill_s3()      the S3 PUT of a spilled apiResponse (SigV4)
 *   connector_runtime_run()   the Lambda Runtime API loop (libcurl)
 * The metastore and the spill target are reached through function pointers,
 * so tests can replace them.
 */
#ifndef OWL_CONNECTOR_CONNECTOR_H
#define OWL_CONNECTOR_CONNECTOR_H

#include "common/buf.h"
#include "hms/client.h"
#include "thrift/protocol.h"
#include "thrift/value.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONNECTOR_DEFAULT_SPILL_THRESHOLD 4194304u
#define CONNECTOR_DEFAULT_CONNECT_TIMEOUT_MS 5000
#define CONNECTOR_DEFAULT_SOCKET_TIMEOUT_MS 10000
/* Largest timeout either HMS_*_TIMEOUT_MS variable accepts: one hour. */
#define CONNECTOR_MAX_TIMEOUT_MS 3600000
/*
 * Caps on one metastore reply. 64 MiB fits about 60,000 partitions of 1 KiB
 * each (an estimate; real partition sizes vary). The decoded tree takes up to about 60 bytes of heap per wire byte
 * (see thrift/protocol.h), so the cap also bounds memory.
 */
#define CONNECTOR_MAX_REPLY_BYTES (64u << 20)
#define CONNECTOR_MAX_REPLY_STRING (16u << 20)
#define CONNECTOR_MAX_REPLY_ELEMENTS 1000000u
/* Maximum nextToken length, in characters (the base64 of a 12 KiB name). */
#define CONNECTOR_MAX_TOKEN_LENGTH 16384

/* An invocation error: Lambda's errorType and errorMessage. */
typedef struct connector_error {
    char type[96];
    char message[1024];
} connector_error;

/* Fills err and returns false, for tail calls. */
bool connector_error_set(connector_error *err, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- configuration ------------------------------------------------------ */

typedef struct connector_config {
    char hms_uris[2048];
    bool spill_configured;        /* SPILL_LOCATION is set */
    char spill_location[1024];    /* s3://bucket/prefix without trailing slashes */
    char spill_bucket[64];
    char spill_prefix[1024];      /* key prefix without leading or trailing slashes; may be "" */
    uint64_t spill_threshold;     /* bytes; a serialized apiResponse this long or longer spills */
    int connect_timeout_ms;
    int socket_timeout_ms;
    bool framed;
    thrift_protocol_id protocol;
} connector_config;

/* Returns the value of an environment variable, or NULL when unset. */
typedef const char *(*connector_env_fn)(void *ctx, const char *name);

/*
 * Reads HMS_URIS (required), SPILL_LOCATION, SPILL_THRESHOLD,
 * HMS_CONNECT_TIMEOUT_MS, HMS_SOCKET_TIMEOUT_MS, HMS_FRAMED and HMS_PROTOCOL
 * through env. Returns false on the first missing or invalid variable, with
 * err->type "InvalidConfiguration" and a message that names the variable and
 * the expected form.
 */
bool connector_config_load(connector_config *config, connector_env_fn env, void *env_ctx,
                           connector_error *err);

/* Returns the hms_client_config for config; it borrows config->hms_uris. */
hms_client_config connector_config_hms(const connector_config *config);

/* ---- page tokens -------------------------------------------------------- */

/*
 * A nextToken is the standard base64 (with padding) of the last name on the
 * previous page. The next page starts at the first name sorted after it, so a
 * page stays stable when names before it are added or dropped.
 */
char *connector_token_encode(const char *name, size_t len);
/*
 * Decodes token into a new NUL-terminated name. Returns NULL with err filled
 * when the token is longer than CONNECTOR_MAX_TOKEN_LENGTH, not base64, or
 * decodes to bytes that are empty, contain NUL or are not UTF-8.
 */
char *connector_token_decode(const char *token, connector_error *err);

/* ---- handling one request ----------------------------------------------- */

/*
 * Calls a metastore method: the same contract as hms_client_call(). The
 * production implementation wraps an hms_client; tests pass a fake.
 */
typedef bool (*connector_call_fn)(void *ctx, const char *method, const thrift_value *args,
                                  thrift_value **result, hms_error *err);

/*
 * Stores body (the serialized apiResponse) as object key in bucket.
 * Returns false with err filled, and errorType is the S3 error code when
 * S3 returned one.
 */
typedef bool (*connector_spill_fn)(void *ctx, const char *bucket, const char *key,
                                   const char *body, size_t len, connector_error *err);

typedef struct connector {
    const connector_config *config;  /* NULL when the configuration is invalid */
    connector_error config_error;     /* why config is NULL */
    connector_call_fn call;
    void *call_ctx;
    connector_spill_fn spill;
    void *spill_ctx;
    const char *function_name;        /* AWS_LAMBDA_FUNCTION_NAME, for the spill key */
} connector;

/* What connector_handle() did, for the invocation log line. */
typedef struct connector_outcome {
    char api_name[64];
    size_t response_bytes;  /* bytes of the serialized apiResponse */
    bool spilled;
    int metastore_calls;
} connector_outcome;

/*
 * Handles one invocation: parses the request document, runs the apiName on
 * the metastore, and appends the response document to out. Returns false
 * with err filled when the invocation must fail (invalid configuration,
 * invalid request, metastore exception or failure, failed spill); out is
 * then unchanged.
 */
bool connector_handle(const connector *c, const char *request_id, const char *payload,
                      size_t len, owl_buf *out, connector_outcome *outcome,
                      connector_error *err);

/*
 * Runs api_name with api_request (borrowed; NULL is an empty request) on
 * the metastore and stores the apiResponse object in *api_response (a new
 * reference), without serializing or spilling it. connector_handle() uses
 * it for invocations; owlery serve calls it directly for catalogs whose
 * metastore is in process. Returns false with err filled, as
 * connector_handle() does; outcome counts the metastore calls.
 */
bool connector_run(const connector *c, const char *api_name, json_t *api_request,
                   json_t **api_response, connector_outcome *outcome, connector_error *err);

/* Returns the apiNames connector_handle() serves, NULL-terminated. */
const char *const *connector_api_names(void);

/* ---- spill to S3 -------------------------------------------------------- */

/*
 * Where and as whom connector_spill_s3() writes. endpoint_url NULL or ""
 * means https://s3.<region>.amazonaws.com. The key pair and token are
 * borrowed; NULL access keys make every spill fail without a request.
 */
typedef struct connector_s3_target {
    const char *endpoint_url;
    const char *region;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    long timeout_ms;
} connector_s3_target;

/* A connector_spill_fn: PUTs body with a path-style URL, signed with SigV4. ctx is a connector_s3_target. */
bool connector_spill_s3(void *ctx, const char *bucket, const char *key, const char *body,
                        size_t len, connector_error *err);

/* ---- the Lambda Runtime API loop ---------------------------------------- */

/*
 * Polls http://<runtime_api>/2018-06-01/runtime/invocation/next and posts
 * each result to /invocation/<id>/response or /invocation/<id>/error.
 * max_invocations < 0 means forever. Returns 0 after max_invocations, or 1
 * when the Runtime API cannot be reached (Lambda then restarts the
 * instance).
 */
int connector_runtime_run(const connector *c, const char *runtime_api, int max_invocations);

/*
 * Reports an initialization failure to /2018-06-01/runtime/init/error.
 * Returns false when the post failed.
 */
bool connector_runtime_init_error(const char *runtime_api, const char *type, const char *message);

#endif
