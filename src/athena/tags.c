/*
 * Tags on data catalogs and work groups: TagResource, UntagResource and
 * ListTagsForResource, addressed by ARN
 * (arn:aws:athena:REGION:ACCOUNT:datacatalog/NAME or .../workgroup/NAME).
 * A resource carries at most 50 tags; keys are 1-128 characters and values
 * 0-256. AwsDataCatalog takes no tags.
 */
#include "athena/internal.h"

#include "iam/authorize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tag_target {
    char arn[ATHENA_ARN_MAX];
    char region[64];
    char account_id[13];
    bool catalog; /* a data catalog, otherwise a work group */
    char name[ATHENA_WORKGROUP_NAME_MAX + 1];
} tag_target;

/* Parses ResourceARN into target. Returns false unless it names a catalog or work group. */
static bool target_parse(const char *arn, tag_target *target)
{
    memset(target, 0, sizeof *target);
    if (strlen(arn) >= sizeof target->arn || strncmp(arn, "arn:aws:athena:", 15) != 0)
        return false;
    snprintf(target->arn, sizeof target->arn, "%s", arn);
    const char *region = arn + 15;
    const char *colon = strchr(region, ':');
    if (!colon || colon == region || (size_t)(colon - region) >= sizeof target->region)
        return false;
    memcpy(target->region, region, (size_t)(colon - region));
    const char *account = colon + 1;
    colon = strchr(account, ':');
    if (!colon || colon - account != 12)
        return false;
    memcpy(target->account_id, account, 12);
    const char *resource = colon + 1;
    const char *name;
    if (strncmp(resource, "datacatalog/", 12) == 0) {
        target->catalog = true;
        name = resource + 12;
    } else if (strncmp(resource, "workgroup/", 10) == 0) {
        name = resource + 10;
    } else {
        return false;
    }
    if (strlen(name) >= sizeof target->name)
        return false;
    snprintf(target->name, sizeof target->name, "%s", name);
    return target->catalog ? athena_catalog_name_valid(name) : athena_workgroup_name_valid(name);
}

/*
 * Parses ResourceARN and authorizes action on it. Returns false after an
 * error reply: the ARN is malformed, the caller may not act on it, or it
 * names a resource of another account or region.
 */
static bool target_open(aws_call *call, json_t *body, const char *action, tag_target *target)
{
    const char *arn;
    if (!athena_body_string(call, body, "ResourceARN", "resourceARN", 1, 1011, true, &arn))
        return false;
    if (!target_parse(arn, target)) {
        athena_error_invalid(call,
                             "Invalid ResourceARN %.300s: expected "
                             "arn:aws:athena:REGION:ACCOUNT:datacatalog/NAME or "
                             "arn:aws:athena:REGION:ACCOUNT:workgroup/NAME",
                             arn);
        return false;
    }
    iam_resource resource = {.arn = target->arn, .account_id = target->account_id};
    if (!iam_authorize(call, action, &resource, "AccessDeniedException")) {
        call->resp->status = 400; /* Athena's AccessDeniedException is HTTP 400 */
        return false;
    }
    if (strcmp(target->account_id, call->identity->account_id) != 0 ||
        strcmp(target->region, call->region) != 0) {
        athena_error_not_found(call, target->arn,
                               "%s is not a resource of account %s in region %s", target->arn,
                               call->identity->account_id, call->region);
        return false;
    }
    return true;
}

/* Returns the tags of the target (a new reference), or NULL after an error reply. */
static json_t *tags_load(aws_call *call, sqlite3 *db, const tag_target *target)
{
    json_t *tags = NULL;
    athena_store_status status;
    if (target->catalog) {
        athena_catalog catalog;
        status = athena_catalog_load(db, target->account_id, target->region, target->name,
                                     &catalog);
        if (status == ATHENA_STORE_OK) {
            tags = json_incref(catalog.tags);
            athena_catalog_free(&catalog);
        }
    } else {
        status = athena_workgroup_tags(db, target->account_id, target->region, target->name,
                                       &tags);
    }
    if (status == ATHENA_STORE_NOT_FOUND)
        athena_error_not_found(call, target->arn, "%s was not found.", target->arn);
    else if (status != ATHENA_STORE_OK)
        athena_error_store(call);
    return tags;
}

static athena_store_status tags_save(sqlite3 *db, const tag_target *target, json_t *tags)
{
    if (!target->catalog)
        return athena_workgroup_set_tags(db, target->account_id, target->region, target->name,
                                         tags);
    athena_catalog catalog;
    athena_store_status status =
        athena_catalog_load(db, target->account_id, target->region, target->name, &catalog);
    if (status != ATHENA_STORE_OK)
        return status;
    json_decref(catalog.tags);
    catalog.tags = json_incref(tags);
    status = athena_catalog_set_tags(db, &catalog);
    athena_catalog_free(&catalog);
    return status;
}

/* Loads the target's tags, lets change edit them, stores them and replies {}. */
static void tags_update(aws_call *call, const tag_target *target,
                        bool (*change)(aws_call *, json_t *tags, json_t *body), json_t *body)
{
    sqlite3 *db = owl_store_acquire(call->store);
    if (!db) {
        athena_error_store(call);
        return;
    }
    json_t *tags = NULL;
    if (owl_store_begin(db) != SQLITE_OK) {
        athena_error_store(call);
        goto out;
    }
    if (!(tags = tags_load(call, db, target)) || !change(call, tags, body)) {
        owl_store_rollback(db);
        goto out;
    }
    if (tags_save(db, target, tags) != ATHENA_STORE_OK || owl_store_commit(db) != SQLITE_OK) {
        owl_store_rollback(db);
        athena_error_store(call);
        goto out;
    }
    aws_call_json_result(call, 200, json_object());
out:
    json_decref(tags);
    owl_store_release(call->store, db);
}

static bool add_tags(aws_call *call, json_t *tags, json_t *body)
{
    json_t *added = athena_body_tags(call, body);
    if (!added)
        return false;
    json_object_update(tags, added);
    json_decref(added);
    if (json_object_size(tags) <= 50)
        return true;
    athena_error_invalid(call, "A resource may have at most 50 tags");
    return false;
}

static bool remove_tags(aws_call *call, json_t *tags, json_t *body)
{
    json_t *keys = json_object_get(body, "TagKeys");
    if (!json_is_array(keys)) {
        athena_error_invalid(call,
                             "1 validation error detected: Value null at 'tagKeys' failed to "
                             "satisfy constraint: Member must not be null");
        return false;
    }
    size_t i;
    json_t *key;
    json_array_foreach(keys, i, key) {
        if (json_is_string(key))
            json_object_del(tags, json_string_value(key));
    }
    return true;
}

void athena_tag_resource(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    tag_target target;
    if (target_open(call, body, "athena:TagResource", &target))
        tags_update(call, &target, add_tags, body);
    json_decref(body);
}

void athena_untag_resource(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    tag_target target;
    if (target_open(call, body, "athena:UntagResource", &target))
        tags_update(call, &target, remove_tags, body);
    json_decref(body);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void athena_list_tags_for_resource(aws_call *call)
{
    json_t *body = athena_request_body(call);
    if (!body)
        return;
    tag_target target;
    if (!target_open(call, body, "athena:ListTagsForResource", &target))
        goto out;
    sqlite3 *db = owl_store_acquire(call->store);
    if (!db) {
        athena_error_store(call);
        goto out;
    }
    json_t *tags = tags_load(call, db, &target);
    owl_store_release(call->store, db);
    if (!tags)
        goto out;

    /* Keys in sorted order, so pages of a listing are stable. */
    json_t *list = json_array();
    const char **keys = malloc(json_object_size(tags) * sizeof *keys + 1);
    if (!keys)
        abort();
    size_t count = 0;
    const char *key;
    json_t *value;
    json_object_foreach(tags, key, value) {
        keys[count++] = key;
    }
    qsort(keys, count, sizeof *keys, compare_strings);
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_pack("{s:s, s:O}", "Key", keys[i], "Value",
                                              json_object_get(tags, keys[i])));
    free(keys);
    json_decref(tags);
    aws_call_json_result(call, 200, json_pack("{s:o}", "Tags", list));
out:
    json_decref(body);
}
