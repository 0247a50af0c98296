/*
 * Shared by the connector's apiName handlers: reading apiRequest fields,
 * calling the metastore, TJSONProtocol strings and pagination.
 */
#ifndef OWL_CONNECTOR_INTERNAL_H
#define OWL_CONNECTOR_INTERNAL_H

#include "connector/connector.h"

#include <jansson.h>

#define API_INVALID_REQUEST "InvalidRequestException"

/* One request in progress. */
typedef struct api_call {
    const connector *c;
    json_t *request;       /* the apiRequest object (borrowed) */
    json_t *response;      /* the apiResponse object being filled (owned by the caller) */
    connector_outcome *outcome;
} api_call;

typedef bool (*api_handler_fn)(api_call *call, connector_error *err);

typedef struct api_entry {
    const char *api_name;
    api_handler_fn handler;
} api_entry;

/* The handler tables of api_database.c, api_table.c and api_partition.c, each ending with {NULL, NULL}. */
extern const api_entry api_database_entries[];
extern const api_entry api_table_entries[];
extern const api_entry api_partition_entries[];

/* ---- apiRequest fields -------------------------------------------------- */

/*
 * Each reader fills *out from field name of the apiRequest. A missing or
 * null field is an error when required, else leaves the default (NULL, or
 * the value given). A field of another JSON type is always an error; the
 * message names the field, as in "apiRequest.dbName must be a string".
 */
bool api_string(api_call *call, const char *name, bool required, const char **out,
                connector_error *err);
/* Builds a list<string>; *out stays NULL when the optional field is absent. */
bool api_string_list(api_call *call, const char *name, bool required, thrift_value **out,
                     connector_error *err);
/* Builds a map<string,string>; *out stays NULL when the optional field is absent. */
bool api_string_map(api_call *call, const char *name, thrift_value **out, connector_error *err);
bool api_integer(api_call *call, const char *name, long long min, long long max,
                 long long *out, connector_error *err);
bool api_boolean(api_call *call, const char *name, bool *out, connector_error *err);
/* Decodes a TJSONProtocol string field into a struct. */
bool api_struct(api_call *call, const char *name, bool required, thrift_value **out,
                connector_error *err);
/* Decodes a list of TJSONProtocol strings into a list<struct>. */
bool api_struct_list(api_call *call, const char *name, thrift_value **out,
                     connector_error *err);

/* ---- the metastore ------------------------------------------------------ */

/*
 * Calls method with args (freed here) and returns its result struct in
 * *result (the caller frees it). A call that fails on a broken connection
 * is retried once, on the fresh connection the client opens for it.
 * Timeouts are not retried, so a hung metastore fails within the socket
 * timeout.
 * A declared exception in the result becomes err with errorType the
 * exception's name (NoSuchObjectException, ...) and its message.
 *
 * NOTE: a retried write may reach the metastore twice when the first
 * attempt broke after the metastore received it, and then fails with
 * AlreadyExistsException or NoSuchObjectException.
 */
bool api_metastore_call(api_call *call, const char *method, thrift_value *args,
                        thrift_value **result, connector_error *err);

/* Returns field 0 (the return value) of a result struct, or NULL for a void method. */
const thrift_value *api_result_value(const thrift_value *result);

/* Builds an args struct: api_args(2, 1, db, 2, table) sets string fields 1 and 2. */
thrift_value *api_string_args(int count, ...);

/* ---- apiResponse values ------------------------------------------------- */

/* Returns the TJSONProtocol encoding of struct v as a JSON string, or NULL with err filled. */
json_t *api_tjson(const thrift_value *v, connector_error *err);
/* Returns a JSON array of the TJSONProtocol strings of the structs in list (NULL list: empty array). */
json_t *api_tjson_list(const thrift_value *list, connector_error *err);
/* Returns a JSON array of the strings in list<string> (NULL list: empty array). */
json_t *api_string_array(const thrift_value *list, connector_error *err);
/* Sets key in the apiResponse, taking the reference to value. */
void api_set(api_call *call, const char *key, json_t *value);

/* ---- pagination --------------------------------------------------------- */

typedef struct api_page {
    thrift_value *names;  /* list<string> of this page, sorted */
    char *next_token;     /* NULL on the last page */
} api_page;

/*
 * Cuts the page after token (an encoded nextToken, or NULL for the first
 * page) out of all_names (a list<string> in any order). max_size 0 returns an
 * empty page whose next_token is token unchanged, and a negative max_size
 * returns every name after the token.
 */
bool api_page_cut(const thrift_value *all_names, const char *token, long long max_size,
                  api_page *page, connector_error *err);
void api_page_free(api_page *page);

/*
 * Decodes standard base64 with padding (canonical form, no whitespace) into
 * a new NUL-terminated buffer. Returns NULL when text is not base64.
 */
uint8_t *api_base64_decode(const char *text, size_t len, size_t *outlen);

/* Reads nextToken and maxSize (default -1) of a paginated request. */
bool api_page_request(api_call *call, const char **token, long long *max_size,
                      connector_error *err);

#endif
