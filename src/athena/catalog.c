/*
 * Data catalogs: CreateDataCatalog, GetDataCatalog, ListDataCatalogs,
 * UpdateDataCatalog and DeleteDataCatalog, and their rows in the table
 * athena_catalogs, keyed by account, region and name. A catalog is visible
 * only in the region where it was created.
 *
 * Types and their parameters:
 *   HIVE    metadata-function (required), sdk-version (optional)
 *   LAMBDA  function, or metadata-function together with record-function
 *   GLUE    catalog-id (required): the 12-digit account owning the catalog
 * Every type may set metadata-cache-ttl-seconds (0-86400, default 0 = off),
 * owlery's switch for caching metadata responses per caller.
 *
 * AwsDataCatalog exists in every account and region: ListDataCatalogs lists
 * it first, and it cannot be created, updated or deleted. GetDataCatalog
 * reports it as not found, as Athena does for its built-in catalog.
 *
 * NOTE: the wording of the duplicate-name, reserved-name and parameter
 * messages is owlery's own; only the not-found message ("DataCatalog NAME
 * was not found.") is known to match Athena's.
 */
#include "athena/internal.h"

#include "common/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LIST_MAX 50
#define LIST_MIN 2

static const char *const catalog_types[] = {"LAMBDA", "GLUE", "HIVE"};

bool athena_catalog_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > ATHENA_CATALOG_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '@' && *p != '-')
            return false;
    return true;
}

static bool is_default_catalog(const char *name)
{
    return strcasecmp(name, ATHENA_DEFAULT_CATALOG) == 0;
}

void athena_catalog_free(athena_catalog *catalog)
{
    free(catalog->description);
    json_decref(catalog->parameters);
    json_decref(catalog->tags);
    catalog->description = NULL;
    catalog->parameters = NULL;
    catalog->tags = NULL;
}

/* ------------------------------------------------------------------------
 * Store
 * ---------------------------------------------------------------------- */

static json_t *column_json(sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);
    json_t *value = text ? json_loads(text, 0, NULL) : NULL;
    return json_is_object(value) ? value : (json_decref(value), json_object());
}

athena_store_status athena_catalog_load(sqlite3 *db, const char *account_id, const char *region,
                                        const char *name, athena_catalog *catalog)
{
    memset(catalog, 0, sizeof *catalog);
    sqlite3_stmt *stmt;
    /* Athena matches catalog names without regard to case, and SQL text
     * reaches here lowercased. An exact match wins when two stored names
     * differ only in case. */
    if (sqlite3_prepare_v2(db,
                           "SELECT name, type, description, parameters, tags FROM athena_catalogs "
                           "WHERE account_id = ?1 AND region = ?2 AND name = ?3 COLLATE NOCASE "
                           "ORDER BY name = ?3 DESC LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ATHENA_STORE_ERROR;
    sqlite3_bind_text(stmt, 1, account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    athena_store_status status = rc == SQLITE_ROW    ? ATHENA_STORE_OK
                                 : rc == SQLITE_DONE ? ATHENA_STORE_NOT_FOUND
                                                     : ATHENA_STORE_ERROR;
    if (status == ATHENA_STORE_OK) {
        snprintf(catalog->account_id, sizeof catalog->account_id, "%s", account_id);
        snprintf(catalog->region, sizeof catalog->region, "%s", region);
        snprintf(catalog->name, sizeof catalog->name, "%s", sqlite3_column_text(stmt, 0));
        snprintf(catalog->type, sizeof catalog->type, "%s", sqlite3_column_text(stmt, 1));
        const char *description = (const char *)sqlite3_column_text(stmt, 2);
        catalog->description = description ? athena_strdup(description) : NULL;
        catalog->parameters = column_json(stmt, 3);
        catalog->tags = column_json(stmt, 4);
    }
    sqlite3_finalize(stmt);
    return status;
}

/* Inserts a new catalog, or rewrites an existing one when replace is true. */
static athena_store_status catalog_save(sqlite3 *db, const athena_catalog *catalog, bool replace)
{
    char *parameters = json_dumps(catalog->parameters, JSON_COMPACT | JSON_SORT_KEYS);
    char *tags = json_dumps(catalog->tags, JSON_COMPACT | JSON_SORT_KEYS);
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)owl_now_ms());
    const char *params[] = {catalog->account_id, catalog->region, catalog->name, catalog->type,
                            catalog->description, parameters, tags, created};
    /* The UPDATE binds the first seven parameters, keeping created_ms. */
    int rc = replace ? owl_store_exec(db,
                                      "UPDATE athena_catalogs SET type = ?4, description = ?5, "
                                      "parameters = ?6, tags = ?7 WHERE account_id = ?1 AND "
                                      "region = ?2 AND name = ?3",
                                      7, params)
                     : owl_store_exec(db,
                                      "INSERT INTO athena_catalogs (account_id, region, name, "
                                      "type, description, parameters, tags, created_ms) VALUES "
                                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                      8, params);
    free(parameters);
    free(tags);
    if (rc == SQLITE_CONSTRAINT)
        return ATHENA_STORE_EXISTS;
    if (rc != SQLITE_OK)
        return ATHENA_STORE_ERROR;
    if (replace && sqlite3_changes(db) == 0)
        return ATHENA_STORE_NOT_FOUND;
    return ATHENA_STORE_OK;
}

athena_store_status athena_catalog_set_tags(sqlite3 *db, const athena_catalog *catalog)
{
    return catalog_save(db, catalog, true);
}

/* ------------------------------------------------------------------------
 * Validation
 * ---------------------------------------------------------------------- */

/* Returns false with a message in err when the function parameter key is malformed. */
static bool function_parameter_valid(json_t *parameters, const char *key, const char *region,
                                     const char *account_id, char *err, size_t errlen)
{
    const char *value = json_string_value(json_object_get(parameters, key));
    char arn[ATHENA_ARN_MAX];
    if (!value || athena_function_resolve(value, region, account_id, arn, sizeof arn))
        return true;
    snprintf(err, errlen,
             "Invalid %s '%.256s': expected a function name, ACCOUNT:function:NAME or a function "
             "ARN arn:aws:lambda:REGION:ACCOUNT:function:NAME",
             key, value);
    return false;
}

static bool cache_ttl_valid(json_t *parameters, char *err, size_t errlen)
{
    const char *value = json_string_value(json_object_get(parameters, ATHENA_CACHE_TTL_PARAMETER));
    if (!value)
        return true;
    char *end;
    long seconds = strtol(value, &end, 10);
    if (*value && *end == '\0' && seconds >= 0 && seconds <= ATHENA_CACHE_TTL_MAX)
        return true;
    snprintf(err, errlen, "Invalid %s '%.64s': expected whole seconds from 0 to %d",
             ATHENA_CACHE_TTL_PARAMETER, value, ATHENA_CACHE_TTL_MAX);
    return false;
}

static bool type_parameters_valid(const char *type, json_t *parameters, char *err, size_t errlen)
{
    bool has_metadata = json_object_get(parameters, "metadata-function") != NULL;
    bool has_record = json_object_get(parameters, "record-function") != NULL;
    bool has_function = json_object_get(parameters, "function") != NULL;

    if (strcmp(type, "HIVE") == 0 && !has_metadata) {
        snprintf(err, errlen,
                 "A HIVE data catalog requires the parameter metadata-function: the name or ARN "
                 "of the Lambda function that reaches the Hive metastore");
        return false;
    }
    if (strcmp(type, "LAMBDA") == 0) {
        if (has_function && (has_metadata || has_record)) {
            snprintf(err, errlen,
                     "A LAMBDA data catalog takes either the parameter function or the parameters "
                     "metadata-function and record-function, not both");
            return false;
        }
        if (!has_function && !(has_metadata && has_record)) {
            snprintf(err, errlen,
                     "A LAMBDA data catalog requires either the parameter function or both "
                     "metadata-function and record-function");
            return false;
        }
    }
    if (strcmp(type, "GLUE") == 0) {
        const char *id = json_string_value(json_object_get(parameters, "catalog-id"));
        if (!id) {
            snprintf(err, errlen,
                     "A GLUE data catalog requires the parameter catalog-id: the 12-digit ID of "
                     "the account that owns the Glue Data Catalog");
            return false;
        }
        bool digits = strlen(id) == 12;
        for (const char *p = id; digits && *p; p++)
            digits = isdigit((unsigned char)*p);
        if (!digits) {
            snprintf(err, errlen, "Invalid catalog-id '%.64s': expected a 12-digit account ID", id);
            return false;
        }
    }
    return true;
}

json_t *athena_catalog_parameters_validate(const char *type, json_t *parameters,
                                           const char *region, const char *account_id,
                                           char *err, size_t errlen)
{
    if (parameters && !json_is_object(parameters)) {
        snprintf(err, errlen, "Parameters must be a map of strings to strings");
        return NULL;
    }
    const char *key;
    json_t *value;
    json_object_foreach(parameters, key, value) {
        size_t key_len = strlen(key);
        if (key_len == 0 || key_len > 255 || !json_is_string(value) ||
            json_string_length(value) > 51200) {
            snprintf(err, errlen,
                     "Invalid parameter '%.64s': keys are 1-255 characters and values are "
                     "strings of at most 51200 characters",
                     key);
            return NULL;
        }
    }
    static const char *const function_keys[] = {"metadata-function", "record-function",
                                                "function"};
    for (size_t i = 0; i < sizeof function_keys / sizeof function_keys[0]; i++)
        if (!function_parameter_valid(parameters, function_keys[i], region, account_id, err,
                                      errlen))
            return NULL;
    if (!cache_ttl_valid(parameters, err, errlen) ||
        !type_parameters_valid(type, parameters, err, errlen))
        return NULL;
    return parameters ? json_deep_copy(parameters) : json_object();
}

/* Reads Type and checks it against the enum. Returns false after an error reply. */
static bool body_type(aws_call *call, json_t *body, const char **type)
{
    if (!athena_body_string(call, body, "Type", "type", 1, 16, true, type))
        return false;
    for (size_t i = 0; i < sizeof catalog_types / sizeof catalog_types[0]; i++)
        if (strcmp(*type, catalog_types[i]) == 0)
            return true;
    athena_error_invalid(call,
                         "1 validation error detected: Value '%.32s' at 'type' failed to satisfy "
                         "constraint: Member must satisfy enum value set: [LAMBDA, GLUE, HIVE]",
                         *type);
    return false;
}

static void reply_not_found(aws_call *call, const char *name)
{
    athena_error_invalid(call, "DataCatalog %s was not found.", name);
}

/* ------------------------------------------------------------------------
 * Operations
 * ---------------------------------------------------------------------- */

void athena_create_data_catalog(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name, *type, *description;
    if (!athena_body_string(call, body, "Name", "name", 1, 256, true, &name))
        goto out;
    if (!athena_authorize(call, "athena:CreateDataCatalog", "datacatalog", name))
        goto out;

    if (!body_type(call, body, &type) ||
        !athena_body_string(call, body, "Description", "description", 1, 1024, false,
                            &description))
        goto out;
    if (!athena_catalog_name_valid(name)) {
        athena_error_invalid(call,
                             "Invalid data catalog name '%.256s': use 1 to 127 letters, digits, "
                             "underscores (_), at signs (@) or hyphens (-)",
                             name);
        goto out;
    }
    if (is_default_catalog(name)) {
        athena_error_invalid(call, "DataCatalog %s already exists.", name);
        goto out;
    }
    char err[512];
    json_t *parameters = athena_catalog_parameters_validate(
        type, json_object_get(body, "Parameters"), call->region, call->identity->account_id, err,
        sizeof err);
    if (!parameters) {
        athena_error_invalid(call, "%s", err);
        goto out;
    }
    json_t *tags = athena_body_tags(call, body);
    if (!tags) {
        json_decref(parameters);
        goto out;
    }

    athena_catalog catalog = {.parameters = parameters, .tags = tags,
                              .description = description ? athena_strdup(description) : NULL};
    snprintf(catalog.account_id, sizeof catalog.account_id, "%s", call->identity->account_id);
    snprintf(catalog.region, sizeof catalog.region, "%s", call->region);
    snprintf(catalog.name, sizeof catalog.name, "%s", name);
    snprintf(catalog.type, sizeof catalog.type, "%s", type);
    sqlite3 *db = owl_store_acquire(call->store);
    athena_store_status status = db ? catalog_save(db, &catalog, false) : ATHENA_STORE_ERROR;
    owl_store_release(call->store, db);
    athena_catalog_free(&catalog);

    if (status == ATHENA_STORE_EXISTS)
        athena_error_invalid(call, "DataCatalog %s already exists.", name);
    else if (status != ATHENA_STORE_OK)
        athena_error_store(call);
    else
        aws_call_json_result(call, 200, json_object());
out:
    json_decref(body);
}

static json_t *catalog_json(const athena_catalog *catalog)
{
    json_t *out = json_pack("{s:s, s:s, s:O}", "Name", catalog->name, "Type", catalog->type,
                            "Parameters", catalog->parameters);
    if (catalog->description)
        json_object_set_new(out, "Description", json_string(catalog->description));
    return out;
}

void athena_get_data_catalog(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name;
    if (!athena_body_string(call, body, "Name", "name", 1, 256, true, &name))
        goto out;
    if (!athena_authorize(call, "athena:GetDataCatalog", "datacatalog", name))
        goto out;

    athena_catalog catalog;
    sqlite3 *db = owl_store_acquire(call->store);
    athena_store_status status =
        db ? athena_catalog_load(db, call->identity->account_id, call->region, name, &catalog)
           : ATHENA_STORE_ERROR;
    owl_store_release(call->store, db);
    if (status == ATHENA_STORE_NOT_FOUND)
        reply_not_found(call, name);
    else if (status != ATHENA_STORE_OK)
        athena_error_store(call);
    else
        aws_call_json_result(call, 200, json_pack("{s:o}", "DataCatalog", catalog_json(&catalog)));
    if (status == ATHENA_STORE_OK)
        athena_catalog_free(&catalog);
out:
    json_decref(body);
}

/*
 * Appends up to max summaries after the name `after` (NULL: from the start)
 * in name order, and sets *more when further catalogs exist.
 */
static bool list_stored(sqlite3 *db, const char *account_id, const char *region,
                        const char *after, int max, json_t *out, bool *more)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, type FROM athena_catalogs WHERE account_id = ?1 AND "
                           "region = ?2 AND (?3 IS NULL OR name > ?3) ORDER BY name LIMIT ?4",
                           -1, &stmt, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(stmt, 1, account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, region, -1, SQLITE_STATIC);
    if (after)
        sqlite3_bind_text(stmt, 3, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 4, max + 1);
    int rc, count = 0;
    *more = false;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (count == max) {
            *more = true;
            continue;
        }
        json_array_append_new(out, json_pack("{s:s, s:s}", "CatalogName",
                                             sqlite3_column_text(stmt, 0), "Type",
                                             sqlite3_column_text(stmt, 1)));
        count++;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE;
}

void athena_list_data_catalogs(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    if (!athena_authorize(call, "athena:ListDataCatalogs", "datacatalog", "*"))
        goto out;

    json_int_t max = LIST_MAX;
    const char *token;
    if (!athena_body_int(call, body, "MaxResults", "maxResults", LIST_MIN, LIST_MAX, &max) ||
        !athena_body_string(call, body, "NextToken", "nextToken", 1, 1024, false, &token))
        goto out;

    /* The token is the name of the last catalog returned. AwsDataCatalog
     * comes first and is never stored, so a token means "after this name". */
    json_t *summaries = json_array();
    if (!token) {
        json_array_append_new(summaries, json_pack("{s:s, s:s}", "CatalogName",
                                                   ATHENA_DEFAULT_CATALOG, "Type", "GLUE"));
        max--;
    }
    bool more = false;
    sqlite3 *db = owl_store_acquire(call->store);
    bool listed = db && list_stored(db, call->identity->account_id, call->region,
                                    token && !is_default_catalog(token) ? token : NULL, (int)max,
                                    summaries, &more);
    owl_store_release(call->store, db);
    if (!listed) {
        json_decref(summaries);
        athena_error_store(call);
        goto out;
    }
    json_t *result = json_object();
    if (more) {
        json_t *last = json_array_get(summaries, json_array_size(summaries) - 1);
        json_object_set(result, "NextToken", json_object_get(last, "CatalogName"));
    }
    json_object_set_new(result, "DataCatalogsSummary", summaries);
    aws_call_json_result(call, 200, result);
out:
    json_decref(body);
}

void athena_update_data_catalog(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name, *type, *description;
    if (!athena_body_string(call, body, "Name", "name", 1, 256, true, &name))
        goto out;
    if (!athena_authorize(call, "athena:UpdateDataCatalog", "datacatalog", name))
        goto out;

    if (!body_type(call, body, &type) ||
        !athena_body_string(call, body, "Description", "description", 1, 1024, false,
                            &description))
        goto out;
    if (is_default_catalog(name)) {
        athena_error_invalid(call, "The default data catalog %s cannot be updated",
                             ATHENA_DEFAULT_CATALOG);
        goto out;
    }
    athena_catalog catalog;
    sqlite3 *db = owl_store_acquire(call->store);
    athena_store_status status =
        db ? athena_catalog_load(db, call->identity->account_id, call->region, name, &catalog)
           : ATHENA_STORE_ERROR;
    if (status != ATHENA_STORE_OK) {
        owl_store_release(call->store, db);
        if (status == ATHENA_STORE_NOT_FOUND)
            reply_not_found(call, name);
        else
            athena_error_store(call);
        goto out;
    }

    /* Parameters absent: keep the stored ones, which must still suit the (new) type. */
    json_t *requested = json_object_get(body, "Parameters");
    char err[512];
    json_t *parameters = athena_catalog_parameters_validate(
        type, requested ? requested : catalog.parameters, call->region,
        call->identity->account_id, err, sizeof err);
    if (!parameters) {
        owl_store_release(call->store, db);
        athena_catalog_free(&catalog);
        athena_error_invalid(call, "%s", err);
        goto out;
    }
    json_decref(catalog.parameters);
    catalog.parameters = parameters;
    snprintf(catalog.type, sizeof catalog.type, "%s", type);
    if (description) {
        free(catalog.description);
        catalog.description = athena_strdup(description);
    }
    status = catalog_save(db, &catalog, true);
    owl_store_release(call->store, db);
    athena_catalog_free(&catalog);

    if (status == ATHENA_STORE_NOT_FOUND)
        reply_not_found(call, name);
    else if (status != ATHENA_STORE_OK)
        athena_error_store(call);
    else
        aws_call_json_result(call, 200, json_object());
out:
    json_decref(body);
}

void athena_delete_data_catalog(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name;
    if (!athena_body_string(call, body, "Name", "name", 1, 256, true, &name))
        goto out;
    if (!athena_authorize(call, "athena:DeleteDataCatalog", "datacatalog", name))
        goto out;

    if (is_default_catalog(name)) {
        athena_error_invalid(call, "The default data catalog %s cannot be deleted",
                             ATHENA_DEFAULT_CATALOG);
        goto out;
    }
    const char *params[] = {call->identity->account_id, call->region, name};
    sqlite3 *db = owl_store_acquire(call->store);
    int rc = db ? owl_store_exec(db,
                                 "DELETE FROM athena_catalogs WHERE account_id = ?1 AND "
                                 "region = ?2 AND name = ?3",
                                 3, params)
                : SQLITE_ERROR;
    int changes = rc == SQLITE_OK ? sqlite3_changes(db) : -1;
    owl_store_release(call->store, db);

    if (changes < 0)
        athena_error_store(call);
    else if (changes == 0)
        reply_not_found(call, name);
    else
        aws_call_json_result(call, 200, json_object());
out:
    json_decref(body);
}

/* Fills catalog with AwsDataCatalog of the caller's account in call->region. */
static void default_catalog(aws_call *call, athena_catalog *catalog)
{
    memset(catalog, 0, sizeof *catalog);
    snprintf(catalog->account_id, sizeof catalog->account_id, "%s", call->identity->account_id);
    snprintf(catalog->region, sizeof catalog->region, "%s", call->region);
    snprintf(catalog->name, sizeof catalog->name, "%s", ATHENA_DEFAULT_CATALOG);
    snprintf(catalog->type, sizeof catalog->type, "GLUE");
    catalog->parameters = json_pack("{s:s}", "catalog-id", call->identity->account_id);
    catalog->tags = json_object();
}

bool athena_catalog_for_metadata(aws_call *call, const char *name, athena_catalog *catalog)
{
    if (is_default_catalog(name)) {
        default_catalog(call, catalog);
        return true;
    }
    sqlite3 *db = owl_store_acquire(call->store);
    athena_store_status status =
        db ? athena_catalog_load(db, call->identity->account_id, call->region, name, catalog)
           : ATHENA_STORE_ERROR;
    owl_store_release(call->store, db);
    if (status == ATHENA_STORE_NOT_FOUND) {
        reply_not_found(call, name);
        return false;
    }
    if (status != ATHENA_STORE_OK) {
        athena_error_store(call);
        return false;
    }
    if (strcmp(catalog->type, "GLUE") == 0) {
        /* A GLUE catalog of the own account is AwsDataCatalog under another name. */
        const char *id = json_string_value(json_object_get(catalog->parameters, "catalog-id"));
        if (id && strcmp(id, catalog->account_id) == 0)
            return true;
        athena_error_invalid(call,
                             "Data catalog %s names the Glue Data Catalog of account %s: "
                             "cross-account Glue catalogs are not supported by owlery; use a "
                             "HIVE data catalog with that account's metastore function",
                             name, id ? id : "(missing)");
        athena_catalog_free(catalog);
        return false;
    }
    return true;
}
