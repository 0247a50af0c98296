/*
 * Shared by the IAM API files (iam_api.c and the iam_<family>.c files):
 * the per-request context, input validation that words its errors the way
 * IAM does, pagination, XML output helpers and lookups of IAM entities.
 * Not a public interface: other modules use iam_api.h, identity_store.h
 * and sts.h.
 */
#ifndef OWL_IAM_INTERNAL_H
#define OWL_IAM_INTERNAL_H

#include "aws/call.h"
#include "common/buf.h"
#include "iam/account.h"
#include "iam/iam_policy_check.h"

#include <stdbool.h>
#include <stdint.h>

/* IAM quotas that owlery enforces, with AWS's default values. */
#define IAM_ACCESS_KEYS_PER_USER 2
#define IAM_POLICY_VERSIONS_MAX 5
#define IAM_ATTACHED_POLICIES_MAX 10
#define IAM_GROUPS_PER_USER 10
#define IAM_TAGS_PER_ENTITY 50
#define IAM_ROLE_SESSION_DEFAULT 3600
#define IAM_ROLE_SESSION_MIN 900
#define IAM_ROLE_MAX_SESSION_MIN 3600
#define IAM_ROLE_MAX_SESSION_MAX 43200
/*
 * Policy size quotas in non-whitespace characters, from IAM's quotas page.
 * NOTE: IAM counts a user's, group's or role's inline policies together;
 * owlery applies the quota to each document.
 */
#define IAM_USER_POLICY_SIZE_MAX 2048
#define IAM_GROUP_POLICY_SIZE_MAX 5120
#define IAM_ROLE_POLICY_SIZE_MAX 10240
#define IAM_MANAGED_POLICY_SIZE_MAX 6144
#define IAM_TRUST_POLICY_SIZE_MAX 2048
/* Unique IDs: a four-letter prefix (AIDA, AGPA, AROA, ANPA) and 17 characters. */
#define IAM_UNIQUE_ID_LEN 21

/* One IAM API call in progress. */
typedef struct iam_api_request {
    aws_call *call;
    sqlite3 *db;
    /* The caller's account: every entity the call names lives there. */
    const char *account_id;
} iam_api_request;

typedef void (*iam_operation_fn)(iam_api_request *request);

/* ---- Parameters and validation ---- */

/* Returns the form parameter `name`, or NULL when absent. */
const char *iam_param(const iam_api_request *request, const char *name);

/*
 * Collects constraint violations of one request so the error lists them
 * all, as IAM's "2 validation errors detected: ...; ..." does.
 */
typedef struct iam_validation {
    int count;
    owl_buf messages;
} iam_validation;

typedef enum iam_name_kind {
    /* Any characters: only the length is checked. */
    IAM_NAME_ANY,
    /* [\w+=,.@-]+ : users, groups, roles, policies. */
    IAM_NAME_ENTITY,
    /* The same characters, as STS words RoleSessionName's pattern: [\w+=,.@-]* */
    IAM_NAME_SESSION,
    /* A path: "/" or "/" + printable ASCII + "/". */
    IAM_NAME_PATH,
    /* A path prefix: "/" + printable ASCII. */
    IAM_NAME_PATH_PREFIX,
    /* Tag keys and values: [\p{L}\p{Z}\p{N}_.:/=+\-@]; non-ASCII bytes pass as letters. */
    IAM_NAME_TAG,
} iam_name_kind;

/*
 * Checks that value (which may be NULL when !required) has min..max
 * characters and the pattern of kind; `member` is the lowerCamel name AWS
 * reports ("userName"). Records each violation in v.
 */
void iam_validate(iam_validation *v, const char *value, const char *member, bool required,
                  size_t min, size_t max, iam_name_kind kind);
/*
 * Sends the ValidationError and returns true when v contains violations.
 * Frees v either way.
 */
bool iam_validation_failed(iam_api_request *request, iam_validation *v);

/*
 * Checks a policy document parameter: present, at most 131072 characters,
 * within max_size non-whitespace characters, and accepted by
 * iam_policy_document_check() for kind. Otherwise sends ValidationError,
 * LimitExceeded (with quota_message, or the parser's message when NULL) or
 * MalformedPolicyDocument and returns false.
 */
bool iam_document_param(iam_api_request *request, const char *document, const char *member,
                        iam_policy_kind kind, size_t max_size, const char *quota_message);

/* Returns true when name matches [\w+=,.@-]+ (ASCII \w, as Java's regex). */
bool iam_name_valid(const char *name);
/* Returns true when path is "/" or starts and ends with "/" with only ! to DEL between. */
bool iam_path_valid(const char *path);

/*
 * Parses MaxItems (1..1000, default 100) and Marker; on a bad value sends
 * the error and returns false.
 */
typedef struct iam_page {
    const char *marker;
    long max_items;
    long emitted;
    bool truncated;
    char next_marker[IAM_ARN_MAX];
} iam_page;
bool iam_page_init(iam_api_request *request, iam_page *page);
/*
 * Decides whether the item with sort key `key` belongs on this page. Items
 * must arrive in ascending strcmp() order of key. Returns true to emit it;
 * false to skip it (before the marker) or when the page is full (then
 * page->truncated is set and the marker is the key).
 */
bool iam_page_take(iam_page *page, const char *key);
/* Appends <IsTruncated> and, when truncated, <Marker>. */
void iam_page_finish(const iam_page *page, owl_buf *xml);

/* ---- Output ---- */

/* Appends <tag>escaped value</tag>. */
void iam_xml_text(owl_buf *xml, const char *tag, const char *value);
/* Appends <tag>ISO 8601 time</tag>. */
void iam_xml_time(owl_buf *xml, const char *tag, int64_t unix_seconds);
/* Appends <tag>percent-encoded JSON</tag>, the way IAM returns policy documents. */
void iam_xml_document(owl_buf *xml, const char *tag, const char *json);

/* ---- Errors and authorization ---- */

/*
 * Logs a state-database error and sends 500 ServiceFailure. step completes
 * "failed to ..." ("store the user").
 */
void iam_store_failure(iam_api_request *request, const char *step);
/*
 * Authorizes `action` ("iam:CreateUser") on resource_arn owned by the caller's
 * account; on denial the AccessDenied response is already sent.
 */
bool iam_authorize_action(iam_api_request *request, const char *action, const char *resource_arn);

/* Writes prefix plus 17 random characters of [A-Z2-7] (IAM_UNIQUE_ID_LEN + NUL). */
void iam_unique_id(const char *prefix, char out[IAM_UNIQUE_ID_LEN + 1]);

/* Runs sql with text parameters inside one transaction; returns the sqlite code. */
int iam_exec(iam_api_request *request, const char *sql, int nparams, const char *const *params);

/* ---- Entities ---- */

typedef enum iam_principal_kind {
    IAM_KIND_USER,
    IAM_KIND_GROUP,
    IAM_KIND_ROLE,
} iam_principal_kind;

/* "user", "group" or "role": the principal_kind column value. */
const char *iam_kind_name(iam_principal_kind kind);

/* An IAM user, group or role row. */
typedef struct iam_entity {
    char name[129];
    char id[IAM_UNIQUE_ID_LEN + 1];
    char path[513];
    char arn[IAM_ARN_MAX];
    int64_t created_at;
    /* Roles only. */
    char *trust_policy;
    char description[1001];
    int max_session_duration;
} iam_entity;

/*
 * Looks up a user, group or role by name in account_id. Returns IAM_OK,
 * IAM_NOT_FOUND or IAM_STORE_ERROR. A role's trust_policy is malloc'ed:
 * release it with iam_entity_clear().
 */
iam_status iam_entity_get(sqlite3 *db, const char *account_id, iam_principal_kind kind,
                          const char *name, iam_entity *entity);
void iam_entity_clear(iam_entity *entity);
/*
 * Looks up the entity named by parameter `param` of the request; on a
 * missing entity sends NoSuchEntity ("The user with name X cannot be found.")
 * and returns false.
 */
bool iam_entity_require(iam_api_request *request, iam_principal_kind kind, const char *name,
                        iam_entity *entity);
/* Writes arn:aws:iam::ACCOUNT:user/PATH/NAME (and group/, role/). */
void iam_entity_arn(const char *account_id, iam_principal_kind kind, const char *path,
                    const char *name, char *out, size_t outlen);

/* ---- Tags ---- */

/*
 * Parses Tags.member.N.Key / .Value into tags (at most IAM_TAGS_PER_ENTITY).
 * Returns the count, or -1 after sending the error for invalid tags.
 */
int iam_tags_parse(iam_api_request *request, iam_tag tags[IAM_TAGS_PER_ENTITY]);
/*
 * Adds or replaces tags of an entity inside the caller's open transaction.
 * Returns SQLITE_OK, SQLITE_FULL when the entity would exceed
 * IAM_TAGS_PER_ENTITY tags, or another sqlite error.
 */
int iam_tags_store(iam_api_request *request, iam_principal_kind kind, const char *name,
                   const iam_tag *tags, int count);
/* Appends <Tags><member><Key/><Value/></member>...</Tags> when the entity has tags. */
bool iam_tags_write(iam_api_request *request, iam_principal_kind kind, const char *name, owl_buf *xml);

/* Handlers of each family, dispatched by iam_api.c. */
void iam_op_create_user(iam_api_request *r);
void iam_op_get_user(iam_api_request *r);
void iam_op_list_users(iam_api_request *r);
void iam_op_delete_user(iam_api_request *r);
void iam_op_create_access_key(iam_api_request *r);
void iam_op_list_access_keys(iam_api_request *r);
void iam_op_update_access_key(iam_api_request *r);
void iam_op_delete_access_key(iam_api_request *r);
void iam_op_tag_user(iam_api_request *r);
void iam_op_untag_user(iam_api_request *r);
void iam_op_list_user_tags(iam_api_request *r);
void iam_op_tag_role(iam_api_request *r);
void iam_op_untag_role(iam_api_request *r);
void iam_op_list_role_tags(iam_api_request *r);

void iam_op_create_group(iam_api_request *r);
void iam_op_get_group(iam_api_request *r);
void iam_op_list_groups(iam_api_request *r);
void iam_op_delete_group(iam_api_request *r);
void iam_op_add_user_to_group(iam_api_request *r);
void iam_op_remove_user_from_group(iam_api_request *r);
void iam_op_list_groups_for_user(iam_api_request *r);

void iam_op_create_role(iam_api_request *r);
void iam_op_get_role(iam_api_request *r);
void iam_op_list_roles(iam_api_request *r);
void iam_op_delete_role(iam_api_request *r);
void iam_op_update_assume_role_policy(iam_api_request *r);

void iam_op_put_user_policy(iam_api_request *r);
void iam_op_get_user_policy(iam_api_request *r);
void iam_op_delete_user_policy(iam_api_request *r);
void iam_op_list_user_policies(iam_api_request *r);
void iam_op_put_group_policy(iam_api_request *r);
void iam_op_get_group_policy(iam_api_request *r);
void iam_op_delete_group_policy(iam_api_request *r);
void iam_op_list_group_policies(iam_api_request *r);
void iam_op_put_role_policy(iam_api_request *r);
void iam_op_get_role_policy(iam_api_request *r);
void iam_op_delete_role_policy(iam_api_request *r);
void iam_op_list_role_policies(iam_api_request *r);

void iam_op_create_policy(iam_api_request *r);
void iam_op_get_policy(iam_api_request *r);
void iam_op_delete_policy(iam_api_request *r);
void iam_op_list_policies(iam_api_request *r);
void iam_op_create_policy_version(iam_api_request *r);
void iam_op_get_policy_version(iam_api_request *r);
void iam_op_delete_policy_version(iam_api_request *r);
void iam_op_list_policy_versions(iam_api_request *r);
void iam_op_set_default_policy_version(iam_api_request *r);
void iam_op_attach_user_policy(iam_api_request *r);
void iam_op_detach_user_policy(iam_api_request *r);
void iam_op_list_attached_user_policies(iam_api_request *r);
void iam_op_attach_group_policy(iam_api_request *r);
void iam_op_detach_group_policy(iam_api_request *r);
void iam_op_list_attached_group_policies(iam_api_request *r);
void iam_op_attach_role_policy(iam_api_request *r);
void iam_op_detach_role_policy(iam_api_request *r);
void iam_op_list_attached_role_policies(iam_api_request *r);

#endif
