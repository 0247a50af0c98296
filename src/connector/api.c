/*
 * One connector request: parse the request document, run its apiName,
 * serialize the apiResponse and either return it inline or spill it to S3.
 *
 * Request and response documents follow the aws-athena-hive-metastore
 * reference connector: MetadataRequest {requestContext, apiName, apiRequest}
 * and MetadataResponse {apiName, spilled, spillPath, apiResponse}. As in the
 * reference, a serialized apiResponse of SPILL_THRESHOLD bytes or more
 * spills, and a spilled response carries "apiResponse": null.
 *
 * Limits: the request document is whatever the Runtime API delivers (at most
 * 6 MB on Lambda); jansson rejects nesting deeper than 2048 levels.
 */
#include "connector/internal.h"

#include "common/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const api_entry *const api_tables[] = {
    api_database_entries,
    api_table_entries,
    api_partition_entries,
};

static const api_entry *api_find(const char *api_name)
{
    for (size_t t = 0; t < sizeof api_tables / sizeof api_tables[0]; t++)
        for (const api_entry *e = api_tables[t]; e->api_name; e++)
            if (strcmp(e->api_name, api_name) == 0)
                return e;
    return NULL;
}

const char *const *connector_api_names(void)
{
    static const char *names[64];
    if (!names[0]) {
        size_t n = 0;
        for (size_t t = 0; t < sizeof api_tables / sizeof api_tables[0]; t++)
            for (const api_entry *e = api_tables[t]; e->api_name && n + 1 < 64; e++)
                names[n++] = e->api_name;
        names[n] = NULL;
    }
    return names;
}

/* ---- apiRequest fields -------------------------------------------------- */

static json_t *field_of(api_call *call, const char *name)
{
    json_t *v = json_object_get(call->request, name);
    return json_is_null(v) ? NULL : v;
}

static bool field_missing(const char *name, connector_error *err)
{
    return connector_error_set(err, API_INVALID_REQUEST, "apiRequest.%s is missing", name);
}

static bool field_wrong_type(const char *name, const char *expected, connector_error *err)
{
    return connector_error_set(err, API_INVALID_REQUEST, "apiRequest.%s must be %s", name,
                               expected);
}

bool api_string(api_call *call, const char *name, bool required, const char **out,
                connector_error *err)
{
    json_t *v = field_of(call, name);
    if (!v)
        return required ? field_missing(name, err) : true;
    if (!json_is_string(v))
        return field_wrong_type(name, "a string", err);
    *out = json_string_value(v);
    return true;
}

bool api_string_list(api_call *call, const char *name, bool required, thrift_value **out,
                     connector_error *err)
{
    json_t *v = field_of(call, name);
    if (!v)
        return required ? field_missing(name, err) : true;
    if (!json_is_array(v))
        return field_wrong_type(name, "an array of strings", err);

    thrift_value *list = thrift_value_new_list(THRIFT_STRING);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        if (!json_is_string(item)) {
            thrift_value_free(list);
            return field_wrong_type(name, "an array of strings", err);
        }
        thrift_list_append(list, thrift_value_new_string(json_string_value(item),
                                                         json_string_length(item)));
    }
    *out = list;
    return true;
}

bool api_string_map(api_call *call, const char *name, thrift_value **out, connector_error *err)
{
    json_t *v = field_of(call, name);
    if (!v)
        return true;
    if (!json_is_object(v))
        return field_wrong_type(name, "an object of strings", err);

    thrift_value *map = thrift_value_new_map(THRIFT_STRING, THRIFT_STRING);
    const char *key;
    json_t *item;
    json_object_foreach(v, key, item) {
        if (!json_is_string(item)) {
            thrift_value_free(map);
            return field_wrong_type(name, "an object of strings", err);
        }
        thrift_map_put(map, thrift_value_new_cstring(key),
                       thrift_value_new_string(json_string_value(item), json_string_length(item)));
    }
    *out = map;
    return true;
}

bool api_integer(api_call *call, const char *name, long long min, long long max,
                 long long *out, connector_error *err)
{
    json_t *v = field_of(call, name);
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return connector_error_set(err, API_INVALID_REQUEST,
                                   "apiRequest.%s must be an integer from %lld to %lld", name,
                                   min, max);
    *out = json_integer_value(v);
    return true;
}

bool api_boolean(api_call *call, const char *name, bool *out, connector_error *err)
{
    json_t *v = field_of(call, name);
    if (!v)
        return true;
    if (!json_is_boolean(v))
        return field_wrong_type(name, "true or false", err);
    *out = json_is_true(v);
    return true;
}

static bool decode_tjson(const char *name, json_t *v, thrift_value **out, connector_error *err)
{
    if (!json_is_string(v))
        return field_wrong_type(name, "a TJSONProtocol string", err);

    thrift_error terr;
    if (!thrift_decode_struct(THRIFT_PROTOCOL_JSON, json_string_value(v), json_string_length(v),
                              NULL, NULL, out, &terr))
        return connector_error_set(err, API_INVALID_REQUEST,
                                   "apiRequest.%s is not a TJSONProtocol struct: %s", name,
                                   terr.message);
    return true;
}

bool api_struct(api_call *call, const char *name, bool required, thrift_value **out,
                connector_error *err)
{
    json_t *v = field_of(call, name);
    if (!v)
        return required ? field_missing(name, err) : true;
    return decode_tjson(name, v, out, err);
}

bool api_struct_list(api_call *call, const char *name, thrift_value **out, connector_error *err)
{
    json_t *v = field_of(call, name);
    if (!v)
        return field_missing(name, err);
    if (!json_is_array(v))
        return field_wrong_type(name, "an array of TJSONProtocol strings", err);

    thrift_value *list = thrift_value_new_list(THRIFT_STRUCT);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        thrift_value *s = NULL;
        if (!decode_tjson(name, item, &s, err)) {
            thrift_value_free(list);
            return false;
        }
        thrift_list_append(list, s);
    }
    *out = list;
    return true;
}

/* ---- the metastore ------------------------------------------------------ */

/* Declared exceptions of a metastore method, by result field id (Hive 2.3 and 3.1 IDL). */
typedef struct method_exceptions {
    const char *method;
    const char *names[5]; /* names[i] is the exception in field i + 1 */
} method_exceptions;

#define E_META "MetaException"
#define E_NO_SUCH "NoSuchObjectException"
#define E_EXISTS "AlreadyExistsException"
#define E_INVALID_OBJECT "InvalidObjectException"
#define E_INVALID_OPERATION "InvalidOperationException"

static const method_exceptions exception_table[] = {
    {"get_database", {E_NO_SUCH, E_META}},
    {"get_databases", {E_META}},
    {"get_all_databases", {E_META}},
    {"create_database", {E_EXISTS, E_INVALID_OBJECT, E_META}},
    {"alter_database", {E_META, E_NO_SUCH}},
    {"drop_database", {E_NO_SUCH, E_INVALID_OPERATION, E_META}},
    {"get_table", {E_META, E_NO_SUCH}},
    /* Hive 2.3 declares these three; 3.1 declares none. */
    {"get_table_objects_by_name", {E_META, E_INVALID_OPERATION, "UnknownDBException"}},
    {"get_tables", {E_META}},
    {"get_all_tables", {E_META}},
    {"create_table", {E_EXISTS, E_INVALID_OBJECT, E_META, E_NO_SUCH}},
    {"alter_table", {E_INVALID_OPERATION, E_META}},
    {"drop_table", {E_NO_SUCH, E_META}},
    {"get_partitions", {E_NO_SUCH, E_META}},
    {"get_partition_names", {E_NO_SUCH, E_META}},
    {"get_partitions_by_names", {E_META, E_NO_SUCH}},
    {"get_partitions_by_filter", {E_META, E_NO_SUCH}},
    {"get_partitions_by_expr", {E_META, E_NO_SUCH}},
    {"add_partition", {E_INVALID_OBJECT, E_EXISTS, E_META}},
    {"add_partitions", {E_INVALID_OBJECT, E_EXISTS, E_META}},
    {"append_partition", {E_INVALID_OBJECT, E_EXISTS, E_META}},
    {"alter_partition", {E_INVALID_OPERATION, E_META}},
    {"alter_partitions", {E_INVALID_OPERATION, E_META}},
    {"rename_partition", {E_INVALID_OPERATION, E_META}},
    {"drop_partition", {E_NO_SUCH, E_META}},
    {"drop_partitions_req", {E_NO_SUCH, E_META}},
};

static const char *exception_name(const char *method, int16_t id)
{
    for (size_t i = 0; i < sizeof exception_table / sizeof exception_table[0]; i++) {
        if (strcmp(exception_table[i].method, method) != 0)
            continue;
        if (id >= 1 && id <= 5)
            return exception_table[i].names[id - 1];
        return NULL;
    }
    return NULL;
}

static const char *hms_error_type(hms_error_kind kind)
{
    switch (kind) {
    case HMS_ERROR_CONFIG:
        return "InvalidConfiguration";
    case HMS_ERROR_CONNECT:
        return "MetastoreUnavailable";
    case HMS_ERROR_TIMEOUT:
        return "MetastoreTimeout";
    case HMS_ERROR_APPLICATION:
        return "MetastoreApplicationException";
    case HMS_ERROR_TRANSPORT:
    case HMS_ERROR_NONE:
        break;
    }
    return "MetastoreError";
}

bool api_metastore_call(api_call *call, const char *method, thrift_value *args,
                        thrift_value **result, connector_error *err)
{
    const connector *c = call->c;
    hms_error herr = {HMS_ERROR_NONE, ""};
    thrift_value *reply = NULL;

    call->outcome->metastore_calls++;
    bool ok = c->call(c->call_ctx, method, args, &reply, &herr);
    if (!ok && herr.kind == HMS_ERROR_TRANSPORT) {
        char quoted[600];
        owl_log_warn("event=metastore_retry method=%s error=%s", method,
                     owl_log_quote(quoted, sizeof quoted, herr.message));
        call->outcome->metastore_calls++;
        herr = (hms_error){HMS_ERROR_NONE, ""};
        ok = c->call(c->call_ctx, method, args, &reply, &herr);
    }
    thrift_value_free(args);
    if (!ok)
        return connector_error_set(err, hms_error_type(herr.kind), "metastore call %s failed: %s",
                                   method, herr.message);

    /* A declared exception is any field other than 0, the return value. */
    for (size_t i = 0; reply && reply->type == THRIFT_STRUCT && i < reply->u.fields.count; i++) {
        const thrift_field *f = &reply->u.fields.fields[i];
        if (f->id == 0)
            continue;
        const char *name = exception_name(method, f->id);
        size_t len = 0;
        const char *message = f->value->type == THRIFT_STRUCT
                                  ? thrift_struct_get_string(f->value, 1, &len)
                                  : NULL;
        if (name)
            connector_error_set(err, name, "%s", message ? message : "");
        else
            connector_error_set(err, "MetastoreException",
                                "metastore call %s returned undeclared exception field %d: %s",
                                method, f->id, message ? message : "");
        thrift_value_free(reply);
        return false;
    }

    *result = reply;
    return true;
}

const thrift_value *api_result_value(const thrift_value *result)
{
    return thrift_struct_get(result, 0);
}

thrift_value *api_string_args(int count, ...)
{
    thrift_value *args = thrift_value_new_struct();
    va_list ap;
    va_start(ap, count);
    for (int i = 0; i < count; i++) {
        int id = va_arg(ap, int);
        const char *value = va_arg(ap, const char *);
        thrift_struct_set(args, (int16_t)id, thrift_value_new_cstring(value));
    }
    va_end(ap);
    return args;
}

/* ---- apiResponse values ------------------------------------------------- */

json_t *api_tjson(const thrift_value *v, connector_error *err)
{
    owl_buf out = OWL_BUF_INIT;
    thrift_error terr;
    if (!v || v->type != THRIFT_STRUCT) {
        connector_error_set(err, "MetastoreError", "metastore returned no object where one was "
                                                   "expected");
        return NULL;
    }
    if (!thrift_encode_struct(THRIFT_PROTOCOL_JSON, v, &out, &terr)) {
        owl_buf_free(&out);
        connector_error_set(err, "MetastoreError", "cannot encode a metastore object: %s",
                            terr.message);
        return NULL;
    }
    json_t *s = json_stringn(out.data, out.len);
    owl_buf_free(&out);
    if (!s)
        connector_error_set(err, "MetastoreError",
                            "metastore returned an object with a string that is not UTF-8");
    return s;
}

json_t *api_tjson_list(const thrift_value *list, connector_error *err)
{
    json_t *array = json_array();
    for (size_t i = 0; list && i < thrift_value_count(list); i++) {
        json_t *s = api_tjson(thrift_list_get(list, i), err);
        if (!s) {
            json_decref(array);
            return NULL;
        }
        json_array_append_new(array, s);
    }
    return array;
}

json_t *api_string_array(const thrift_value *list, connector_error *err)
{
    json_t *array = json_array();
    for (size_t i = 0; list && i < thrift_value_count(list); i++) {
        size_t len = 0;
        const char *s = thrift_value_get_string(thrift_list_get(list, i), &len);
        json_t *item = s ? json_stringn(s, len) : NULL;
        if (!item) {
            json_decref(array);
            connector_error_set(err, "MetastoreError",
                                "metastore returned a name that is not a UTF-8 string");
            return NULL;
        }
        json_array_append_new(array, item);
    }
    return array;
}

void api_set(api_call *call, const char *key, json_t *value)
{
    json_object_set_new(call->response, key, value);
}

/* ---- pagination --------------------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
    const thrift_value *x = *(const thrift_value *const *)a;
    const thrift_value *y = *(const thrift_value *const *)b;
    size_t n = x->u.str.len < y->u.str.len ? x->u.str.len : y->u.str.len;
    int c = memcmp(x->u.str.data, y->u.str.data, n);
    if (c)
        return c;
    return (x->u.str.len > y->u.str.len) - (x->u.str.len < y->u.str.len);
}

bool api_page_cut(const thrift_value *all_names, const char *token, long long max_size,
                  api_page *page, connector_error *err)
{
    page->names = thrift_value_new_list(THRIFT_STRING);
    page->next_token = NULL;

    char *last = NULL;
    if (token && !(last = connector_token_decode(token, err))) {
        api_page_free(page);
        return false;
    }
    if (max_size == 0) {
        /* An empty page leaves the position where it was. */
        page->next_token = token ? strdup(token) : NULL;
        free(last);
        return true;
    }

    size_t count = all_names ? thrift_value_count(all_names) : 0;
    const thrift_value **sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (!sorted)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const thrift_value *name = thrift_list_get(all_names, i);
        if (name && name->type == THRIFT_STRING)
            sorted[n++] = name;
    }
    qsort(sorted, n, sizeof *sorted, compare_names);

    /* Binary search for the first name after the token. */
    size_t start = 0;
    if (last) {
        thrift_value *key = thrift_value_new_cstring(last);
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const thrift_value *k = key;
            if (compare_names(&sorted[mid], &k) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        start = lo;
        thrift_value_free(key);
        free(last);
    }

    size_t end = n;
    if (max_size > 0 && (unsigned long long)max_size < n - start)
        end = start + (size_t)max_size;
    for (size_t i = start; i < end; i++)
        thrift_list_append(page->names, thrift_value_copy(sorted[i]));
    if (end < n)
        page->next_token = connector_token_encode((const char *)sorted[end - 1]->u.str.data,
                                                  sorted[end - 1]->u.str.len);
    free(sorted);
    return true;
}

void api_page_free(api_page *page)
{
    thrift_value_free(page->names);
    free(page->next_token);
    page->names = NULL;
    page->next_token = NULL;
}

bool api_page_request(api_call *call, const char **token, long long *max_size,
                      connector_error *err)
{
    *token = NULL;
    *max_size = -1;
    if (!api_string(call, "nextToken", false, token, err))
        return false;
    if (*token && !**token)
        *token = NULL;

    /* Reject a bad token before any metastore call. */
    if (*token) {
        char *name = connector_token_decode(*token, err);
        if (!name)
            return false;
        free(name);
    }
    return api_integer(call, "maxSize", INT32_MIN, INT32_MAX, max_size, err);
}

/* ---- one request -------------------------------------------------------- */

static bool parse_request(const char *payload, size_t len, json_t **doc, const char **api_name,
                          json_t **api_request, connector_error *err)
{
    json_error_t jerr;
    *doc = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!*doc)
        return connector_error_set(err, API_INVALID_REQUEST,
                                   "request is not valid JSON: %s at line %d column %d",
                                   jerr.text, jerr.line, jerr.column);
    if (!json_is_object(*doc))
        return connector_error_set(err, API_INVALID_REQUEST, "request must be a JSON object");

    json_t *name = json_object_get(*doc, "apiName");
    if (!json_is_string(name))
        return connector_error_set(err, API_INVALID_REQUEST,
                                   "request.apiName is missing or not a string");
    *api_name = json_string_value(name);

    /* A missing or null apiRequest is an empty one: getDatabaseNames needs no fields. */
    json_t *request = json_object_get(*doc, "apiRequest");
    if (request && !json_is_null(request) && !json_is_object(request))
        return connector_error_set(err, API_INVALID_REQUEST,
                                   "request.apiRequest must be a JSON object");
    *api_request = json_is_object(request) ? request : NULL;
    return true;
}

static void list_api_names(char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *const *n = connector_api_names(); *n && o < outlen; n++) {
        int w = snprintf(out + o, outlen - o, "%s%s", o ? ", " : "", *n);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

/* Builds the spill key <prefix>/<function name>/<request id>. */
static char *spill_key(const connector *c, const char *request_id)
{
    owl_buf key = OWL_BUF_INIT;
    if (c->config->spill_prefix[0])
        owl_buf_printf(&key, "%s/", c->config->spill_prefix);
    owl_buf_printf(&key, "%s/%s", c->function_name ? c->function_name : "unknown-function",
                   request_id);
    return owl_buf_detach(&key, NULL);
}

static bool write_response(const connector *c, const char *request_id, const char *api_name,
                           const char *serialized, size_t serialized_len, owl_buf *out,
                           connector_outcome *outcome, connector_error *err)
{
    json_t *name = json_string(api_name);
    char *name_json = json_dumps(name, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(name);

    outcome->response_bytes = serialized_len;
    if ((uint64_t)serialized_len < c->config->spill_threshold) {
        owl_buf_printf(out, "{\"apiName\":%s,\"spilled\":false,\"spillPath\":null,\"apiResponse\":",
                       name_json);
        owl_buf_append(out, serialized, serialized_len);
        owl_buf_putc(out, '}');
        free(name_json);
        return true;
    }

    if (!c->config->spill_configured) {
        free(name_json);
        return connector_error_set(err, "InvalidConfiguration",
                                   "the response of %s is %zu bytes, at or above SPILL_THRESHOLD "
                                   "(%llu bytes), and SPILL_LOCATION is not set: set it to "
                                   "s3://bucket/prefix",
                                   api_name, serialized_len,
                                   (unsigned long long)c->config->spill_threshold);
    }

    char *key = spill_key(c, request_id);
    bool ok = c->spill(c->spill_ctx, c->config->spill_bucket, key, serialized, serialized_len,
                       err);
    if (ok) {
        json_t *path = json_sprintf("s3://%s/%s", c->config->spill_bucket, key);
        char *path_json = json_dumps(path, JSON_ENCODE_ANY | JSON_COMPACT);
        owl_buf_printf(out, "{\"apiName\":%s,\"spilled\":true,\"spillPath\":%s,\"apiResponse\":null}",
                       name_json, path_json);
        free(path_json);
        json_decref(path);
        outcome->spilled = true;
    }
    free(key);
    free(name_json);
    return ok;
}

bool connector_run(const connector *c, const char *api_name, json_t *api_request,
                   json_t **api_response, connector_outcome *outcome, connector_error *err)
{
    *api_response = NULL;
    const api_entry *entry = api_find(api_name);
    if (!entry) {
        char names[2048];
        list_api_names(names, sizeof names);
        return connector_error_set(err, API_INVALID_REQUEST,
                                   "unknown apiName \"%.64s\": expected one of %s", api_name,
                                   names);
    }
    if (!c->config) {
        *err = c->config_error;
        return false;
    }

    json_t *empty = json_object();
    api_call call = {
        .c = c,
        .request = json_is_object(api_request) ? api_request : empty,
        .response = json_object(),
        .outcome = outcome,
    };
    bool ok = entry->handler(&call, err);
    json_decref(empty);
    if (ok)
        *api_response = call.response;
    else
        json_decref(call.response);
    return ok;
}

bool connector_handle(const connector *c, const char *request_id, const char *payload,
                      size_t len, owl_buf *out, connector_outcome *outcome, connector_error *err)
{
    memset(outcome, 0, sizeof *outcome);
    json_t *doc = NULL;
    const char *api_name = NULL;
    json_t *api_request = NULL;

    if (!parse_request(payload, len, &doc, &api_name, &api_request, err)) {
        json_decref(doc);
        return false;
    }
    snprintf(outcome->api_name, sizeof outcome->api_name, "%s", api_name);

    json_t *response = NULL;
    bool ok = connector_run(c, api_name, api_request, &response, outcome, err);
    if (ok) {
        char *serialized = json_dumps(response, JSON_COMPACT);
        if (!serialized)
            abort();
        ok = write_response(c, request_id, api_name, serialized, strlen(serialized), out, outcome,
                            err);
        free(serialized);
    }

    json_decref(response);
    json_decref(doc);
    return ok;
}
