/*
 * Shared between the files of the Athena module: errors and request
 * parsing (service.c), data catalogs (catalog.c), function references
 * (function.c), catalog metastores (metastore.c), metadata operations and
 * Hive structs (metadata.c, hive.c), AwsDataCatalog (glue.c), the metadata
 * cache (cache.c), spilled responses
 * (spill.c), work groups (workgroup.c) and tags (tags.c). Unit tests
 * include this header; the rest of owlery uses athena.h only.
 */
#ifndef OWL_ATHENA_INTERNAL_H
#define OWL_ATHENA_INTERNAL_H

#include "athena/athena.h"
#include "common/buf.h"
#include "iam/account.h"
#include "lambda/lambda.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define ATHENA_DEFAULT_CATALOG "AwsDataCatalog"
#define ATHENA_PRIMARY_WORKGROUP "primary"
/* Catalog names: the API allows 256 characters, of which users may choose 127. */
#define ATHENA_CATALOG_NAME_MAX 127
#define ATHENA_WORKGROUP_NAME_MAX 128
#define ATHENA_ARN_MAX 512
/* The catalog parameter that turns on the metadata cache, in seconds (0: off). */
#define ATHENA_CACHE_TTL_PARAMETER "metadata-cache-ttl-seconds"
#define ATHENA_CACHE_TTL_MAX 86400

/* ------------------------------------------------------------------------
 * Errors and request parsing (service.c)
 * ---------------------------------------------------------------------- */

/*
 * Replies 400 InvalidRequestException with AthenaErrorCode INVALID_INPUT,
 * the error Athena returns for bad input and for missing catalogs and work
 * groups.
 */
void athena_error_invalid(aws_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replies 400 MetadataException: a catalog's metastore or its function failed. */
void athena_error_metadata(aws_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replies 400 ResourceNotFoundException naming resource_name (an ARN). */
void athena_error_not_found(aws_call *call, const char *resource_name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replies 500 InternalServerException after a state store failure. */
void athena_error_store(aws_call *call);

/* Returns a malloc'ed copy of text, aborting when memory runs out as owl_buf does. */
char *athena_strdup(const char *text);

/* Parses the JSON request body (an empty body is {}). Returns NULL after an error reply. */
json_t *athena_request_body(aws_call *call);

/*
 * Reads the string member key of body into *out (NULL when absent or null).
 * member is the name in validation messages ("name", "catalogName").
 * Checks that a present value is a string of min..max characters and that a
 * required one is present. Returns false after an error reply.
 */
bool athena_body_string(aws_call *call, json_t *body, const char *key, const char *member,
                        size_t min, size_t max, bool required, const char **out);

/*
 * Reads the integer member key into *out (unchanged when absent), checking
 * min..max. Returns false after an error reply.
 */
bool athena_body_int(aws_call *call, json_t *body, const char *key, const char *member,
                     json_int_t min, json_int_t max, json_int_t *out);

/*
 * Reads an optional Tags list [{Key, Value}] into a new JSON object of
 * key -> value (empty when absent). Returns NULL after an error reply.
 */
json_t *athena_body_tags(aws_call *call, json_t *body);

/* Writes arn:aws:athena:REGION:ACCOUNT:KIND/NAME (KIND "datacatalog" or "workgroup"). */
void athena_resource_arn(char *out, size_t outlen, const char *region, const char *account_id,
                         const char *kind, const char *name);

/*
 * Authorizes action (e.g. "athena:GetDataCatalog") for the caller on the
 * caller's own catalog or work group name in call->region. Returns false
 * after the AccessDeniedException reply.
 */
bool athena_authorize(aws_call *call, const char *action, const char *kind, const char *name);

/* ------------------------------------------------------------------------
 * Data catalogs (catalog.c)
 * ---------------------------------------------------------------------- */

typedef struct athena_catalog {
    char account_id[13];
    char region[64];
    char name[ATHENA_CATALOG_NAME_MAX + 1];
    char type[8]; /* "HIVE", "LAMBDA" or "GLUE" */
    char *description; /* NULL when none */
    json_t *parameters; /* object of string -> string */
    json_t *tags;       /* object of string -> string */
} athena_catalog;

typedef enum athena_store_status {
    ATHENA_STORE_OK,
    ATHENA_STORE_NOT_FOUND,
    ATHENA_STORE_EXISTS,
    ATHENA_STORE_ERROR,
} athena_store_status;

void athena_catalog_free(athena_catalog *catalog);

/* Reads a stored catalog, which the caller frees on ATHENA_STORE_OK. */
athena_store_status athena_catalog_load(sqlite3 *db, const char *account_id, const char *region,
                                        const char *name, athena_catalog *catalog);
/* Rewrites the tags of a stored catalog. */
athena_store_status athena_catalog_set_tags(sqlite3 *db, const athena_catalog *catalog);

/*
 * Loads the catalog CatalogName of a metadata call (for which the caller
 * was already authorized). AwsDataCatalog loads as a GLUE catalog whose
 * catalog-id is the caller's account. Returns false after an error reply:
 * the catalog is missing, or it is a GLUE catalog of another account.
 */
bool athena_catalog_for_metadata(aws_call *call, const char *name, athena_catalog *catalog);

/*
 * Validates the Parameters of a catalog of type type and returns the
 * stored form (a new reference), or NULL with an InvalidRequestException
 * message in err. region and account_id are the catalog's own, in which
 * a function name or partial ARN resolves.
 */
json_t *athena_catalog_parameters_validate(const char *type, json_t *parameters,
                                           const char *region, const char *account_id,
                                           char *err, size_t errlen);

/* Returns true when name is 1-127 characters of [A-Za-z0-9_@-]. */
bool athena_catalog_name_valid(const char *name);

void athena_create_data_catalog(aws_call *call);
void athena_get_data_catalog(aws_call *call);
void athena_list_data_catalogs(aws_call *call);
void athena_update_data_catalog(aws_call *call);
void athena_delete_data_catalog(aws_call *call);

/* ------------------------------------------------------------------------
 * Function references (function.c)
 * ---------------------------------------------------------------------- */

/*
 * Resolves a catalog's function parameter to a full, unqualified-or-
 * qualified function ARN: "NAME[:QUALIFIER]" and
 * "ACCOUNT:function:NAME[:QUALIFIER]" resolve in the catalog's region (and
 * account), "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]" may
 * name any region and account. Returns false when text is none of these.
 */
bool athena_function_resolve(const char *text, const char *region, const char *account_id,
                             char *arn, size_t arnlen);

/*
 * Invokes function_arn as call's caller, as lambda_invoke_as_caller() does,
 * but retries for up to 10 s while Lambda throttles the invocation (429
 * TooManyRequestsException). The caller frees *out with
 * lambda_caller_result_free().
 */
void athena_function_invoke(aws_call *call, const char *function_arn, const void *payload,
                            size_t len, lambda_caller_result *out);

/* ------------------------------------------------------------------------
 * Hive metastore structs (hive.c)
 * ---------------------------------------------------------------------- */

/*
 * Decodes a TJSONProtocol Database struct (Hive 2.3/3.1 field ids) into
 * Athena's Database shape {Name, Description, Parameters}. Returns a new
 * reference, or NULL with the reason in err.
 */
json_t *athena_hive_database(const char *tjson, size_t len, char *err, size_t errlen);

/*
 * Decodes a TJSONProtocol Table struct into Athena's TableMetadata shape
 * {Name, CreateTime, LastAccessTime, TableType, Columns, PartitionKeys,
 * Parameters}, where Parameters adds location, inputformat, outputformat,
 * serde.serialization.lib and serde.param.KEY from the storage descriptor to
 * the table parameters. Returns a new reference, or NULL with the reason in err.
 */
json_t *athena_hive_table(const char *tjson, size_t len, char *err, size_t errlen);

/*
 * Returns true when name matches expression, Athena's table-name filter:
 * alternatives separated by '|', each matched against the whole name with
 * '*' standing for any run of characters, ignoring ASCII case.
 * An empty expression matches every name.
 */
bool athena_expression_match(const char *expression, const char *name);

/* ------------------------------------------------------------------------
 * Catalog metastores (metastore.c)
 * ---------------------------------------------------------------------- */

struct hms_service;

/* The metastore behind one data catalog, as the caller of a request reaches it. */
typedef struct athena_metastore {
    athena_catalog catalog;
    /* The catalog's resolved metadata-function. For a GLUE catalog, which has
     * none, the Glue catalog ARN, so messages still name the metastore. */
    char function_arn[ATHENA_ARN_MAX];
    int64_t cache_ttl_ms;              /* 0: answers are not cached */
    struct hms_service *glue;          /* the account's Glue store for GLUE catalogs, else NULL */
    bool federation; /* a LAMBDA catalog: the function speaks the Query Federation SDK protocol */
} athena_metastore;

/*
 * Loads the caller's catalog name in call->region (the caller was already
 * authorized) and resolves its metastore. Returns false after an error
 * reply; on true the caller calls athena_metastore_close().
 */
bool athena_metastore_open(aws_call *call, const char *name, athena_metastore *metastore);
void athena_metastore_close(athena_metastore *metastore);

/*
 * Runs api_name with api_request (borrowed) on the metastore as
 * call->identity, following a spilled response. A GLUE catalog runs it in
 * process after authorizing its Glue action (athena_glue_call). Returns the
 * apiResponse object (a new reference), or NULL after an error reply:
 * AccessDeniedException, or a MetadataException that names the catalog,
 * the function and the cause.
 */
json_t *athena_metastore_call(aws_call *call, const athena_metastore *metastore,
                              const char *api_name, json_t *api_request);

struct lambda_caller_result;

/*
 * Invokes the catalog's function with payload as the caller. Returns true
 * when the function ran without a function error, with its response in
 * *result (the caller frees it). Otherwise replies MetadataException naming
 * the catalog, the function and operation, and returns false.
 */
bool athena_metastore_invoke(aws_call *call, const athena_metastore *metastore,
                             const char *operation, const char *payload,
                             struct lambda_caller_result *result);

/* ------------------------------------------------------------------------
 * LAMBDA catalogs: the Query Federation SDK protocol (lambda_catalog.c)
 * ---------------------------------------------------------------------- */

/*
 * Runs the metadata apiNames listDatabases, getDatabase and listTables on
 * a LAMBDA catalog's function, as the caller, and returns the apiResponse
 * a HIVE catalog's function would return (a new reference), or NULL after
 * an error reply. Other apiNames are rejected with a MetadataException.
 */
json_t *athena_lambda_catalog_call(aws_call *call, const athena_metastore *metastore,
                                   const char *api_name, json_t *api_request);

/*
 * Decodes an Arrow IPC message holding a Schema (as GetTableResponse
 * carries it) into [{Name, Type}] of its top-level fields, with Hive type
 * names such as bigint, string or array<int>. Returns a new reference, or
 * NULL with the reason in err for any input that is not such a message.
 * (arrow_schema.c)
 */
json_t *athena_arrow_schema_columns(const uint8_t *data, size_t len, char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * AwsDataCatalog: the account's Glue store (glue.c)
 * ---------------------------------------------------------------------- */

/*
 * Returns the metastore service of DATA_DIR/glue/ACCOUNT/REGION, opening
 * and creating it on first use (thread-safe; the service stays open until
 * the process ends). Returns NULL with the reason in err.
 */
struct hms_service *athena_glue_service(const char *data_dir, const char *account_id,
                                        const char *region, char *err, size_t errlen);

/* Returns the Glue action ("glue:GetTable") an apiName needs, or NULL for an unknown apiName. */
const char *athena_glue_action(const char *api_name);

/*
 * Authorizes the Glue action of api_name on the Glue catalog, database and
 * table ARNs that api_request (borrowed) names, in catalog's account and
 * region. Returns false after the AccessDeniedException reply.
 */
bool athena_glue_authorize(aws_call *call, const athena_catalog *catalog, const char *api_name,
                           json_t *api_request);

/*
 * Authorizes and runs api_name on the Glue store of metastore (whose glue
 * is set) with the connector's handlers, in process. Returns the
 * apiResponse (a new reference), or NULL after an error reply.
 */
json_t *athena_glue_call(aws_call *call, const athena_metastore *metastore, const char *api_name,
                         json_t *api_request);

/* ------------------------------------------------------------------------
 * Metadata operations (metadata.c)
 * ---------------------------------------------------------------------- */

void athena_list_databases(aws_call *call);
void athena_get_database(aws_call *call);
void athena_list_table_metadata(aws_call *call);
void athena_get_table_metadata(aws_call *call);

/* ------------------------------------------------------------------------
 * Metadata cache (cache.c)
 * ---------------------------------------------------------------------- */

/*
 * Returns a copy (malloc'ed) of the cached text for key, or NULL when it is
 * absent or older than its time to live.
 */
char *athena_cache_get(const char *key, int64_t now_ms);
/* Stores a copy of text under key until now_ms + ttl_ms. */
void athena_cache_put(const char *key, const char *text, int64_t now_ms, int64_t ttl_ms);
/* Drops every entry (unit tests). */
void athena_cache_clear(void);

/* ------------------------------------------------------------------------
 * Spilled responses (spill.c)
 * ---------------------------------------------------------------------- */

/*
 * Reads the object at s3_path ("s3://bucket/key") as call->identity into out.
 * Returns false with the reason in err.
 */
bool athena_spill_read(aws_call *call, const char *s3_path, owl_buf *out, char *err,
                       size_t errlen);

/* ------------------------------------------------------------------------
 * Work groups (workgroup.c) and tags (tags.c)
 * ---------------------------------------------------------------------- */

/* Returns true when name is 1-128 characters of [A-Za-z0-9._-]. */
bool athena_workgroup_name_valid(const char *name);
/* Reads the tags of a stored work group (a new reference into *tags). */
athena_store_status athena_workgroup_tags(sqlite3 *db, const char *account_id, const char *region,
                                          const char *name, json_t **tags);
/* Rewrites the tags of a work group, storing the work group primary when it is not yet. */
athena_store_status athena_workgroup_set_tags(sqlite3 *db, const char *account_id,
                                              const char *region, const char *name, json_t *tags);

void athena_create_work_group(aws_call *call);
void athena_get_work_group(aws_call *call);
void athena_list_work_groups(aws_call *call);
void athena_update_work_group(aws_call *call);
void athena_delete_work_group(aws_call *call);

void athena_tag_resource(aws_call *call);
void athena_untag_resource(aws_call *call);
void athena_list_tags_for_resource(aws_call *call);

#endif
