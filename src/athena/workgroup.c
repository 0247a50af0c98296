/*
 * Work groups: CreateWorkGroup, GetWorkGroup, ListWorkGroups,
 * UpdateWorkGroup and DeleteWorkGroup, and their rows in the table
 * athena_workgroups, keyed by account, region and name. The configuration
 * is stored as the WorkGroupConfiguration object of the API; queries that
 * run in a work group take its ResultConfiguration.OutputLocation when they
 * name no output location themselves (athena_workgroup_output_location).
 *
 * The work group primary exists in every account and region: its row is
 * written the first time any work group call of that account and region
 * needs it, so its CreationTime stays the same afterwards. It can be
 * updated but not deleted.
 *
 * NOTE: "WorkGroup is not found." is Athena's message for a missing work
 * group; the duplicate-name and primary-deletion messages are owlery's own.
 */
#include "athena/internal.h"

#include "common/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 50
#define ENGINE_VERSION_DEFAULT "AUTO"
#define ENGINE_VERSION_EFFECTIVE "Athena engine version 3"
#define BYTES_SCANNED_CUTOFF_MIN 10000000

bool athena_workgroup_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > ATHENA_WORKGROUP_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return false;
    return true;
}

typedef struct workgroup {
    char name[ATHENA_WORKGROUP_NAME_MAX + 1];
    char state[16];
    char *description;
    json_t *configuration;
    json_t *tags;
    int64_t created_ms;
} workgroup;

static void workgroup_free(workgroup *group)
{
    free(group->description);
    json_decref(group->configuration);
    json_decref(group->tags);
    memset(group, 0, sizeof *group);
}

/* ------------------------------------------------------------------------
 * Store
 * ---------------------------------------------------------------------- */

/* Writes the row of the work group primary unless it exists. */
static bool ensure_primary(sqlite3 *db, const char *account_id, const char *region)
{
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)owl_now_ms());
    const char *params[] = {account_id, region, ATHENA_PRIMARY_WORKGROUP, created};
    return owl_store_exec(db,
                          "INSERT OR IGNORE INTO athena_workgroups (account_id, region, name, "
                          "state, description, configuration, tags, created_ms) VALUES "
                          "(?1, ?2, ?3, 'ENABLED', NULL, '{}', '{}', ?4)",
                          4, params) == SQLITE_OK;
}

static json_t *text_json(const unsigned char *text)
{
    json_t *value = text ? json_loads((const char *)text, 0, NULL) : NULL;
    if (json_is_object(value))
        return value;
    json_decref(value);
    return json_object();
}

static athena_store_status workgroup_load(sqlite3 *db, const char *account_id,
                                          const char *region, const char *name, workgroup *group)
{
    memset(group, 0, sizeof *group);
    if (strcmp(name, ATHENA_PRIMARY_WORKGROUP) == 0 && !ensure_primary(db, account_id, region))
        return ATHENA_STORE_ERROR;
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, state, description, configuration, tags, created_ms "
                           "FROM athena_workgroups WHERE account_id = ?1 AND region = ?2 AND "
                           "name = ?3",
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
        snprintf(group->name, sizeof group->name, "%s", sqlite3_column_text(stmt, 0));
        snprintf(group->state, sizeof group->state, "%s", sqlite3_column_text(stmt, 1));
        const char *description = (const char *)sqlite3_column_text(stmt, 2);
        group->description = description ? athena_strdup(description) : NULL;
        group->configuration = text_json(sqlite3_column_text(stmt, 3));
        group->tags = text_json(sqlite3_column_text(stmt, 4));
        group->created_ms = sqlite3_column_int64(stmt, 5);
    }
    sqlite3_finalize(stmt);
    return status;
}

/* Inserts a new work group, or rewrites an existing one when replace is true. */
static athena_store_status workgroup_save(sqlite3 *db, const char *account_id,
                                          const char *region, const workgroup *group,
                                          bool replace)
{
    char *configuration = json_dumps(group->configuration, JSON_COMPACT);
    char *tags = json_dumps(group->tags, JSON_COMPACT | JSON_SORT_KEYS);
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)group->created_ms);
    const char *params[] = {account_id, region,        group->name, group->state,
                            group->description, configuration, tags,  created};
    /* The UPDATE binds the first seven parameters, keeping created_ms. */
    int rc = replace ? owl_store_exec(db,
                                      "UPDATE athena_workgroups SET state = ?4, description = ?5, "
                                      "configuration = ?6, tags = ?7 WHERE account_id = ?1 AND "
                                      "region = ?2 AND name = ?3",
                                      7, params)
                     : owl_store_exec(db,
                                      "INSERT INTO athena_workgroups (account_id, region, name, "
                                      "state, description, configuration, tags, created_ms) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                      8, params);
    free(configuration);
    free(tags);
    if (rc == SQLITE_CONSTRAINT)
        return ATHENA_STORE_EXISTS;
    if (rc != SQLITE_OK)
        return ATHENA_STORE_ERROR;
    if (replace && sqlite3_changes(db) == 0)
        return ATHENA_STORE_NOT_FOUND;
    return ATHENA_STORE_OK;
}

athena_store_status athena_workgroup_tags(sqlite3 *db, const char *account_id, const char *region,
                                          const char *name, json_t **tags)
{
    workgroup group;
    athena_store_status status = workgroup_load(db, account_id, region, name, &group);
    *tags = status == ATHENA_STORE_OK ? json_incref(group.tags) : NULL;
    if (status == ATHENA_STORE_OK)
        workgroup_free(&group);
    return status;
}

athena_store_status athena_workgroup_set_tags(sqlite3 *db, const char *account_id,
                                              const char *region, const char *name, json_t *tags)
{
    workgroup group;
    athena_store_status status = workgroup_load(db, account_id, region, name, &group);
    if (status != ATHENA_STORE_OK)
        return status;
    json_decref(group.tags);
    group.tags = json_incref(tags);
    status = workgroup_save(db, account_id, region, &group, true);
    workgroup_free(&group);
    return status;
}

athena_workgroup_status athena_workgroup_output_location(sqlite3 *db, const char *account_id,
                                                         const char *region, const char *name,
                                                         char *out, size_t outlen)
{
    workgroup group;
    athena_store_status status = workgroup_load(db, account_id, region, name, &group);
    if (status == ATHENA_STORE_NOT_FOUND)
        return ATHENA_WORKGROUP_NOT_FOUND;
    if (status != ATHENA_STORE_OK)
        return ATHENA_WORKGROUP_STORE_ERROR;
    json_t *result = json_object_get(group.configuration, "ResultConfiguration");
    const char *location = json_string_value(json_object_get(result, "OutputLocation"));
    snprintf(out, outlen, "%s", location ? location : "");
    workgroup_free(&group);
    return ATHENA_WORKGROUP_FOUND;
}

/* ------------------------------------------------------------------------
 * Validation and output
 * ---------------------------------------------------------------------- */

/* Reads the work group name member key. Returns false after an error reply. */
static bool body_name(aws_call *call, json_t *body, const char *key, const char *member,
                      const char **name)
{
    if (!athena_body_string(call, body, key, member, 1, ATHENA_WORKGROUP_NAME_MAX, true, name))
        return false;
    if (athena_workgroup_name_valid(*name))
        return true;
    athena_error_invalid(call,
                         "1 validation error detected: Value '%.200s' at '%s' failed to satisfy "
                         "constraint: Member must satisfy regular expression pattern: "
                         "[a-zA-Z0-9._-]{1,128}",
                         *name, member);
    return false;
}

static bool output_location_valid(aws_call *call, json_t *location)
{
    if (!location)
        return true;
    if (json_is_string(location) && strncmp(json_string_value(location), "s3://", 5) == 0 &&
        json_string_length(location) > 5)
        return true;
    athena_error_invalid(call,
                         "Invalid OutputLocation %s: expected an S3 URI such as "
                         "s3://bucket/prefix/",
                         json_is_string(location) ? json_string_value(location) : "(not a string)");
    return false;
}

static bool state_valid(aws_call *call, const char *state)
{
    if (!state || strcmp(state, "ENABLED") == 0 || strcmp(state, "DISABLED") == 0)
        return true;
    athena_error_invalid(call,
                         "1 validation error detected: Value '%.32s' at 'state' failed to satisfy "
                         "constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
                         state);
    return false;
}

static bool cutoff_valid(aws_call *call, json_t *cutoff)
{
    if (!cutoff || (json_is_integer(cutoff) && json_integer_value(cutoff) >= BYTES_SCANNED_CUTOFF_MIN))
        return true;
    athena_error_invalid(call,
                         "1 validation error detected: Value at 'bytesScannedCutoffPerQuery' "
                         "failed to satisfy constraint: Member must have value greater than or "
                         "equal to %d",
                         BYTES_SCANNED_CUTOFF_MIN);
    return false;
}

/* Checks a WorkGroupConfiguration of CreateWorkGroup. Returns false after an error reply. */
static bool configuration_valid(aws_call *call, json_t *configuration)
{
    if (!json_is_object(configuration)) {
        aws_call_error(call, 400, "SerializationException", "Configuration must be an object");
        return false;
    }
    json_t *result = json_object_get(configuration, "ResultConfiguration");
    if (result && !json_is_object(result)) {
        aws_call_error(call, 400, "SerializationException",
                       "Configuration.ResultConfiguration must be an object");
        return false;
    }
    return output_location_valid(call, json_object_get(result, "OutputLocation")) &&
           cutoff_valid(call, json_object_get(configuration, "BytesScannedCutoffPerQuery"));
}

/* Returns the configuration as GetWorkGroup shows it, with Athena's defaults filled in. */
static json_t *configuration_json(json_t *stored)
{
    json_t *out = json_deep_copy(stored);
    static const char *const flags[] = {"EnforceWorkGroupConfiguration",
                                        "PublishCloudWatchMetricsEnabled", "RequesterPaysEnabled"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!json_object_get(out, flags[i]))
            json_object_set_new(out, flags[i], json_false());
    json_t *engine = json_object_get(out, "EngineVersion");
    const char *selected = json_string_value(json_object_get(engine, "SelectedEngineVersion"));
    json_object_set_new(out, "EngineVersion",
                        json_pack("{s:s, s:s}", "SelectedEngineVersion",
                                  selected ? selected : ENGINE_VERSION_DEFAULT,
                                  "EffectiveEngineVersion", ENGINE_VERSION_EFFECTIVE));
    return out;
}

static json_t *creation_time(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

static void reply_not_found(aws_call *call)
{
    athena_error_invalid(call, "WorkGroup is not found.");
}

/* ------------------------------------------------------------------------
 * Operations
 * ---------------------------------------------------------------------- */

void athena_create_work_group(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name, *description;
    if (!body_name(call, body, "Name", "name", &name))
        goto out;
    if (!athena_authorize(call, "athena:CreateWorkGroup", "workgroup", name))
        goto out;

    json_t *configuration = json_object_get(body, "Configuration");
    if (!athena_body_string(call, body, "Description", "description", 0, 1024, false,
                            &description) ||
        (configuration && !configuration_valid(call, configuration)))
        goto out;
    json_t *tags = athena_body_tags(call, body);
    if (!tags)
        goto out;

    workgroup group = {
        .description = description ? athena_strdup(description) : NULL,
        .configuration = configuration ? json_deep_copy(configuration) : json_object(),
        .tags = tags,
        .created_ms = owl_now_ms(),
    };
    snprintf(group.name, sizeof group.name, "%s", name);
    snprintf(group.state, sizeof group.state, "ENABLED");
    sqlite3 *db = owl_store_acquire(call->store);
    athena_store_status status = ATHENA_STORE_ERROR;
    if (db && ensure_primary(db, call->identity->account_id, call->region))
        status = workgroup_save(db, call->identity->account_id, call->region, &group, false);
    owl_store_release(call->store, db);
    workgroup_free(&group);

    if (status == ATHENA_STORE_EXISTS)
        athena_error_invalid(call, "WorkGroup %s already exists.", name);
    else if (status != ATHENA_STORE_OK)
        athena_error_store(call);
    else
        aws_call_json_result(call, 200, json_object());
out:
    json_decref(body);
}

void athena_get_work_group(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name;
    if (!body_name(call, body, "WorkGroup", "workGroup", &name))
        goto out;
    if (!athena_authorize(call, "athena:GetWorkGroup", "workgroup", name))
        goto out;

    workgroup group;
    sqlite3 *db = owl_store_acquire(call->store);
    athena_store_status status =
        db ? workgroup_load(db, call->identity->account_id, call->region, name, &group)
           : ATHENA_STORE_ERROR;
    owl_store_release(call->store, db);
    if (status == ATHENA_STORE_NOT_FOUND) {
        reply_not_found(call);
    } else if (status != ATHENA_STORE_OK) {
        athena_error_store(call);
    } else {
        json_t *out = json_pack("{s:s, s:s, s:o, s:o}", "Name", group.name, "State", group.state,
                                "Configuration", configuration_json(group.configuration),
                                "CreationTime", creation_time(group.created_ms));
        if (group.description)
            json_object_set_new(out, "Description", json_string(group.description));
        aws_call_json_result(call, 200, json_pack("{s:o}", "WorkGroup", out));
        workgroup_free(&group);
    }
out:
    json_decref(body);
}

void athena_list_work_groups(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    if (!athena_authorize(call, "athena:ListWorkGroups", "workgroup", "*"))
        goto out;
    json_int_t max = LIST_MAX;
    const char *token;
    if (!athena_body_int(call, body, "MaxResults", "maxResults", 1, LIST_MAX, &max) ||
        !athena_body_string(call, body, "NextToken", "nextToken", 1, 1024, false, &token))
        goto out;

    /* The token is the name of the last work group returned. */
    sqlite3 *db = owl_store_acquire(call->store);
    sqlite3_stmt *stmt = NULL;
    bool listed = db && ensure_primary(db, call->identity->account_id, call->region) &&
                  sqlite3_prepare_v2(db,
                                     "SELECT name, state, description, configuration, created_ms "
                                     "FROM athena_workgroups WHERE account_id = ?1 AND "
                                     "region = ?2 AND (?3 IS NULL OR name > ?3) ORDER BY name "
                                     "LIMIT ?4",
                                     -1, &stmt, NULL) == SQLITE_OK;
    json_t *groups = json_array();
    bool more = false;
    if (listed) {
        sqlite3_bind_text(stmt, 1, call->identity->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, call->region, -1, SQLITE_STATIC);
        if (token)
            sqlite3_bind_text(stmt, 3, token, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, max + 1);
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            if ((json_int_t)json_array_size(groups) == max) {
                more = true;
                continue;
            }
            json_t *configuration = text_json(sqlite3_column_text(stmt, 3));
            json_t *shown = configuration_json(configuration);
            json_t *summary = json_pack("{s:s, s:s, s:o, s:O}", "Name",
                                        sqlite3_column_text(stmt, 0), "State",
                                        sqlite3_column_text(stmt, 1), "CreationTime",
                                        creation_time(sqlite3_column_int64(stmt, 4)),
                                        "EngineVersion", json_object_get(shown, "EngineVersion"));
            const unsigned char *description = sqlite3_column_text(stmt, 2);
            if (description)
                json_object_set_new(summary, "Description",
                                    json_string((const char *)description));
            json_array_append_new(groups, summary);
            json_decref(shown);
            json_decref(configuration);
        }
        listed = rc == SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    owl_store_release(call->store, db);
    if (!listed) {
        json_decref(groups);
        athena_error_store(call);
        goto out;
    }
    json_t *result = json_object();
    if (more) {
        json_t *last = json_array_get(groups, json_array_size(groups) - 1);
        json_object_set(result, "NextToken", json_object_get(last, "Name"));
    }
    json_object_set_new(result, "WorkGroups", groups);
    aws_call_json_result(call, 200, result);
out:
    json_decref(body);
}

/* Applies one "X" / "RemoveX" pair of an update to target. */
static void apply_member(json_t *target, json_t *updates, const char *key, const char *remove_key)
{
    json_t *value = json_object_get(updates, key);
    if (value)
        json_object_set(target, key, value);
    if (remove_key && json_is_true(json_object_get(updates, remove_key)))
        json_object_del(target, key);
}

/* Applies WorkGroupConfigurationUpdates to a configuration. Returns false after an error reply. */
static bool apply_configuration_updates(aws_call *call, json_t *configuration, json_t *updates)
{
    if (!json_is_object(updates)) {
        aws_call_error(call, 400, "SerializationException",
                       "ConfigurationUpdates must be an object");
        return false;
    }
    json_t *result_updates = json_object_get(updates, "ResultConfigurationUpdates");
    if (result_updates && !json_is_object(result_updates)) {
        aws_call_error(call, 400, "SerializationException",
                       "ConfigurationUpdates.ResultConfigurationUpdates must be an object");
        return false;
    }
    if (!output_location_valid(call, json_object_get(result_updates, "OutputLocation")) ||
        !cutoff_valid(call, json_object_get(updates, "BytesScannedCutoffPerQuery")))
        return false;

    static const char *const plain[] = {"EnforceWorkGroupConfiguration",
                                        "PublishCloudWatchMetricsEnabled", "RequesterPaysEnabled",
                                        "EngineVersion", "AdditionalConfiguration",
                                        "ExecutionRole"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        apply_member(configuration, updates, plain[i], NULL);
    apply_member(configuration, updates, "BytesScannedCutoffPerQuery",
                 "RemoveBytesScannedCutoffPerQuery");
    apply_member(configuration, updates, "CustomerContentEncryptionConfiguration",
                 "RemoveCustomerContentEncryptionConfiguration");

    if (result_updates) {
        json_t *result = json_object_get(configuration, "ResultConfiguration");
        if (!json_is_object(result)) {
            result = json_object();
            json_object_set_new(configuration, "ResultConfiguration", result);
        }
        apply_member(result, result_updates, "OutputLocation", "RemoveOutputLocation");
        apply_member(result, result_updates, "EncryptionConfiguration",
                     "RemoveEncryptionConfiguration");
        apply_member(result, result_updates, "ExpectedBucketOwner", "RemoveExpectedBucketOwner");
        apply_member(result, result_updates, "AclConfiguration", "RemoveAclConfiguration");
    }
    return true;
}

void athena_update_work_group(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name, *description, *state;
    if (!body_name(call, body, "WorkGroup", "workGroup", &name))
        goto out;
    if (!athena_authorize(call, "athena:UpdateWorkGroup", "workgroup", name))
        goto out;
    if (!athena_body_string(call, body, "Description", "description", 0, 1024, false,
                            &description) ||
        !athena_body_string(call, body, "State", "state", 1, 16, false, &state) ||
        !state_valid(call, state))
        goto out;

    workgroup group;
    sqlite3 *db = owl_store_acquire(call->store);
    athena_store_status status =
        db ? workgroup_load(db, call->identity->account_id, call->region, name, &group)
           : ATHENA_STORE_ERROR;
    if (status != ATHENA_STORE_OK) {
        owl_store_release(call->store, db);
        if (status == ATHENA_STORE_NOT_FOUND)
            reply_not_found(call);
        else
            athena_error_store(call);
        goto out;
    }
    json_t *updates = json_object_get(body, "ConfigurationUpdates");
    if (updates && !apply_configuration_updates(call, group.configuration, updates)) {
        owl_store_release(call->store, db);
        workgroup_free(&group);
        goto out;
    }
    if (description) {
        free(group.description);
        group.description = athena_strdup(description);
    }
    if (state)
        snprintf(group.state, sizeof group.state, "%s", state);
    status = workgroup_save(db, call->identity->account_id, call->region, &group, true);
    owl_store_release(call->store, db);
    workgroup_free(&group);

    if (status == ATHENA_STORE_NOT_FOUND)
        reply_not_found(call);
    else if (status != ATHENA_STORE_OK)
        athena_error_store(call);
    else
        aws_call_json_result(call, 200, json_object());
out:
    json_decref(body);
}

void athena_delete_work_group(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    const char *name;
    if (!body_name(call, body, "WorkGroup", "workGroup", &name))
        goto out;
    if (!athena_authorize(call, "athena:DeleteWorkGroup", "workgroup", name))
        goto out;
    if (strcmp(name, ATHENA_PRIMARY_WORKGROUP) == 0) {
        athena_error_invalid(call, "The primary work group cannot be deleted");
        goto out;
    }

    /* NOTE: RecursiveDeleteOption has nothing to delete yet: named queries and
     * query executions do not belong to work groups in this build. */
    const char *params[] = {call->identity->account_id, call->region, name};
    sqlite3 *db = owl_store_acquire(call->store);
    int rc = db ? owl_store_exec(db,
                                 "DELETE FROM athena_workgroups WHERE account_id = ?1 AND "
                                 "region = ?2 AND name = ?3",
                                 3, params)
                : SQLITE_ERROR;
    int changes = rc == SQLITE_OK ? sqlite3_changes(db) : -1;
    owl_store_release(call->store, db);

    if (changes < 0)
        athena_error_store(call);
    else if (changes == 0)
        reply_not_found(call);
    else
        aws_call_json_result(call, 200, json_object());
out:
    json_decref(body);
}
