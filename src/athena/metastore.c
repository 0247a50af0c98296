/*
 * A data catalog's metastore as one caller reaches it. Metadata operations
 * (metadata.c) and queries (query_run.c) speak to every catalog with the
 * metastore function protocol of the reference connector
 * (aws-samples/aws-athena-hive-metastore):
 *
 *   request  {"requestContext": {"id", "principal", "account"},
 *             "apiName": NAME, "apiRequest": {...}}
 *   response {"apiName": NAME, "spilled": false, "spillPath": null,
 *             "apiResponse": {...}}
 *
 * For a HIVE catalog the request goes to the catalog's metadata-function,
 * invoked as the caller (the caller's identity policy and the function's
 * resource policy both apply), and a spilled response ("spilled": true) is
 * read from S3 as the caller. Responses may be cached per caller for the
 * catalog's metadata-cache-ttl-seconds.
 *
 * A LAMBDA catalog's function speaks the Athena Query Federation SDK
 * protocol instead; lambda_catalog.c translates the apiNames to it.
 *
 * A GLUE catalog (AwsDataCatalog, or one whose catalog-id is the caller's
 * account) has no function: its calls run in process on the account's
 * Glue store (glue.c), never spill and are not cached.
 *
 * Every failure is a MetadataException reply that names the catalog, the
 * function and the cause, or AccessDeniedException.
 */
#include "athena/internal.h"

#include "common/util.h"
#include "lambda/lambda.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool athena_metastore_open(aws_call *call, const char *name, athena_metastore *metastore)
{
    memset(metastore, 0, sizeof *metastore);
    if (!athena_catalog_for_metadata(call, name, &metastore->catalog))
        return false;

    const athena_catalog *catalog = &metastore->catalog;
    if (strcmp(catalog->type, "GLUE") == 0) {
        char err[512];
        snprintf(metastore->function_arn, sizeof metastore->function_arn,
                 "arn:aws:glue:%s:%s:catalog", catalog->region, catalog->account_id);
        metastore->glue = athena_glue_service(owl_store_data_dir(call->store),
                                              catalog->account_id, catalog->region, err,
                                              sizeof err);
        if (!metastore->glue) {
            athena_error_metadata(call, "Cannot open the Glue store of data catalog %s: %s",
                                  catalog->name, err);
            athena_catalog_free(&metastore->catalog);
            return false;
        }
        return true;
    }
    /* A LAMBDA catalog names one function, or a metadata-function next to a record-function. */
    metastore->federation = strcmp(catalog->type, "LAMBDA") == 0;
    const char *function =
        json_string_value(json_object_get(catalog->parameters, "metadata-function"));
    if (!function && metastore->federation)
        function = json_string_value(json_object_get(catalog->parameters, "function"));
    if (!function ||
        !athena_function_resolve(function, catalog->region, catalog->account_id,
                                 metastore->function_arn, sizeof metastore->function_arn)) {
        athena_error_metadata(call, "Data catalog %s has no valid metadata-function: %s",
                              catalog->name, function ? function : "(missing)");
        athena_catalog_free(&metastore->catalog);
        return false;
    }
    const char *ttl =
        json_string_value(json_object_get(catalog->parameters, ATHENA_CACHE_TTL_PARAMETER));
    metastore->cache_ttl_ms = ttl ? strtoll(ttl, NULL, 10) * 1000 : 0;
    return true;
}

void athena_metastore_close(athena_metastore *metastore)
{
    athena_catalog_free(&metastore->catalog);
}

/* Reads the function error document {errorType, errorMessage} for a message. */
static void describe_function_error(const char *payload, size_t len, owl_buf *out)
{
    json_t *error = json_loadb(payload, len, 0, NULL);
    const char *type = json_string_value(json_object_get(error, "errorType"));
    const char *message = json_string_value(json_object_get(error, "errorMessage"));
    if (type || message)
        owl_buf_printf(out, "%s: %s", type ? type : "Error", message ? message : "");
    else
        owl_buf_printf(out, "%.1000s", payload);
    json_decref(error);
}

/*
 * Returns the apiResponse object of one function response (a new
 * reference), reading a spilled one from S3. NULL after an error reply.
 */
static json_t *response_body(aws_call *call, const athena_metastore *metastore,
                             const char *api_name, const char *payload, size_t len)
{
    const char *catalog = metastore->catalog.name, *function = metastore->function_arn;
    json_error_t error;
    json_t *response = json_loadb(payload, len, 0, &error);
    if (!json_is_object(response)) {
        athena_error_metadata(call,
                              "The metadata function %s of data catalog %s returned a response "
                              "that is not a JSON object: %s",
                              function, catalog, response ? "wrong type" : error.text);
        json_decref(response);
        return NULL;
    }

    json_t *body = NULL;
    if (json_is_true(json_object_get(response, "spilled"))) {
        const char *path = json_string_value(json_object_get(response, "spillPath"));
        owl_buf spilled = OWL_BUF_INIT;
        char err[512];
        if (!path) {
            athena_error_metadata(call,
                                  "The metadata function %s of data catalog %s spilled its %s "
                                  "response without a spillPath",
                                  function, catalog, api_name);
        } else if (!athena_spill_read(call, path, &spilled, err, sizeof err)) {
            athena_error_metadata(call,
                                  "Cannot read the %s response of data catalog %s spilled by "
                                  "the metadata function %s to %s: %s",
                                  api_name, catalog, function, path, err);
        } else {
            /* json_is_object() evaluates its argument twice, so parse first. */
            body = json_loadb(spilled.data, spilled.len, 0, &error);
            if (!json_is_object(body)) {
                athena_error_metadata(call,
                                      "The spilled %s response at %s of data catalog %s is not "
                                      "a JSON object",
                                      api_name, path, catalog);
                json_decref(body);
                body = NULL;
            }
        }
        owl_buf_free(&spilled);
    } else {
        body = json_object_get(response, "apiResponse");
        if (json_is_object(body))
            json_incref(body);
        else {
            athena_error_metadata(call,
                                  "The metadata function %s of data catalog %s returned no "
                                  "apiResponse object for %s",
                                  function, catalog, api_name);
            body = NULL;
        }
    }
    json_decref(response);
    return body;
}

bool athena_metastore_invoke(aws_call *call, const athena_metastore *metastore,
                             const char *operation, const char *payload,
                             lambda_caller_result *result)
{
    athena_function_invoke(call, metastore->function_arn, payload, strlen(payload), result);
    owl_buf cause = OWL_BUF_INIT;
    switch (result->status) {
    case LAMBDA_CALLER_REJECTED:
        athena_error_metadata(
            call, "Cannot invoke the metadata function %s of data catalog %s: %s: %s",
            metastore->function_arn, metastore->catalog.name, result->error_code, result->message);
        break;
    case LAMBDA_CALLER_FUNCTION_ERROR:
        describe_function_error(result->payload, result->payload_len, &cause);
        athena_error_metadata(call, "The metadata function %s of data catalog %s failed on %s: %s",
                              metastore->function_arn, metastore->catalog.name, operation,
                              cause.data);
        break;
    case LAMBDA_CALLER_SUCCESS:
        break;
    }
    owl_buf_free(&cause);
    if (result->status == LAMBDA_CALLER_SUCCESS)
        return true;
    lambda_caller_result_free(result);
    return false;
}

/* Invokes a HIVE catalog's function with one apiName; see athena_metastore_call. */
static json_t *hive_call(aws_call *call, const athena_metastore *metastore, const char *api_name,
                         json_t *api_request)
{
    const iam_identity *caller = call->identity;
    char request_id[37];
    owl_uuid(request_id);
    json_t *envelope = json_pack(
        "{s:{s:s, s:s, s:s}, s:s, s:O}", "requestContext", "id", request_id, "principal",
        caller->arn, "account", caller->account_id, "apiName", api_name, "apiRequest", api_request);
    char *payload = envelope ? json_dumps(envelope, JSON_COMPACT) : NULL;
    json_decref(envelope);
    if (!payload) {
        /* json_pack() refuses strings that are not UTF-8. */
        athena_error_metadata(call, "Cannot encode the %s request for the metadata function %s "
                                    "of data catalog %s",
                              api_name, metastore->function_arn, metastore->catalog.name);
        return NULL;
    }

    lambda_caller_result result;
    bool ran = athena_metastore_invoke(call, metastore, api_name, payload, &result);
    free(payload);
    if (!ran)
        return NULL;
    json_t *body = response_body(call, metastore, api_name, result.payload, result.payload_len);
    lambda_caller_result_free(&result);
    return body;
}

/*
 * Runs api_name on the catalog's metastore as the caller, or takes the
 * apiResponse from the cache. Returns it (a new reference), or NULL after
 * an error reply.
 */
json_t *athena_metastore_call(aws_call *call, const athena_metastore *metastore,
                              const char *api_name, json_t *api_request)
{
    if (metastore->glue)
        return athena_glue_call(call, metastore, api_name, api_request);

    const iam_identity *caller = call->identity;
    char *request_text = json_dumps(api_request, JSON_COMPACT);
    owl_buf key = OWL_BUF_INIT;
    owl_buf_printf(&key, "%s\n%s:%s:%s\n%s\n%s\n%s", caller->arn, metastore->catalog.account_id,
                   metastore->catalog.region, metastore->catalog.name, metastore->function_arn,
                   api_name, request_text ? request_text : "");
    free(request_text);

    int64_t now = owl_monotonic_ms();
    json_t *body = NULL;
    char *cached = metastore->cache_ttl_ms > 0 ? athena_cache_get(key.data, now) : NULL;
    if (cached) {
        body = json_loads(cached, 0, NULL);
        free(cached);
        if (body)
            goto out;
    }

    if (metastore->federation)
        body = athena_lambda_catalog_call(call, metastore, api_name, api_request);
    else
        body = hive_call(call, metastore, api_name, api_request);

    if (body && metastore->cache_ttl_ms > 0) {
        char *text = json_dumps(body, JSON_COMPACT);
        athena_cache_put(key.data, text, now, metastore->cache_ttl_ms);
        free(text);
    }
out:
    owl_buf_free(&key);
    return body;
}
