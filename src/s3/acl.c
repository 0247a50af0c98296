/*
 * S3 access control lists. See acl.h.
 */
#include "s3/acl.h"

#include "s3/name.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    s3_permission permission;
    const char *name;
} permission_names[] = {
    {S3_PERM_READ, "READ"},
    {S3_PERM_WRITE, "WRITE"},
    {S3_PERM_READ_ACP, "READ_ACP"},
    {S3_PERM_WRITE_ACP, "WRITE_ACP"},
    {S3_PERM_FULL_CONTROL, "FULL_CONTROL"},
};

s3_permission s3_permission_parse(const char *name)
{
    for (size_t i = 0; i < sizeof permission_names / sizeof permission_names[0]; i++)
        if (strcmp(permission_names[i].name, name) == 0)
            return permission_names[i].permission;
    return 0;
}

const char *s3_permission_name(s3_permission permission)
{
    for (size_t i = 0; i < sizeof permission_names / sizeof permission_names[0]; i++)
        if (permission_names[i].permission == permission)
            return permission_names[i].name;
    return "READ";
}

static bool acl_add(s3_acl *acl, s3_grantee_type type, const char *grantee,
                    s3_permission permission)
{
    if (acl->count >= S3_ACL_MAX_GRANTS || strlen(grantee) >= sizeof acl->grants[0].grantee)
        return false;
    s3_grant *grant = &acl->grants[acl->count++];
    grant->type = type;
    snprintf(grant->grantee, sizeof grant->grantee, "%s", grantee);
    grant->permission = permission;
    return true;
}

bool s3_acl_canned(s3_acl *acl, const char *name, const char *owner_id,
                   const char *bucket_owner_id)
{
    memset(acl, 0, sizeof *acl);
    snprintf(acl->owner_id, sizeof acl->owner_id, "%s", owner_id);
    acl_add(acl, S3_GRANTEE_CANONICAL_USER, owner_id, S3_PERM_FULL_CONTROL);
    if (strcmp(name, "private") == 0)
        return true;
    if (strcmp(name, "public-read") == 0)
        return acl_add(acl, S3_GRANTEE_GROUP, S3_GROUP_ALL_USERS, S3_PERM_READ);
    if (strcmp(name, "public-read-write") == 0)
        return acl_add(acl, S3_GRANTEE_GROUP, S3_GROUP_ALL_USERS, S3_PERM_READ) &&
               acl_add(acl, S3_GRANTEE_GROUP, S3_GROUP_ALL_USERS, S3_PERM_WRITE);
    if (strcmp(name, "authenticated-read") == 0)
        return acl_add(acl, S3_GRANTEE_GROUP, S3_GROUP_AUTHENTICATED_USERS, S3_PERM_READ);
    if (strcmp(name, "log-delivery-write") == 0)
        return acl_add(acl, S3_GRANTEE_GROUP, S3_GROUP_LOG_DELIVERY, S3_PERM_WRITE) &&
               acl_add(acl, S3_GRANTEE_GROUP, S3_GROUP_LOG_DELIVERY, S3_PERM_READ_ACP);
    if (strcmp(name, "bucket-owner-read") == 0) {
        if (strcmp(bucket_owner_id, owner_id) != 0)
            acl_add(acl, S3_GRANTEE_CANONICAL_USER, bucket_owner_id, S3_PERM_READ);
        return true;
    }
    if (strcmp(name, "bucket-owner-full-control") == 0) {
        if (strcmp(bucket_owner_id, owner_id) != 0)
            acl_add(acl, S3_GRANTEE_CANONICAL_USER, bucket_owner_id, S3_PERM_FULL_CONTROL);
        return true;
    }
    return false;
}

/* Parses one grantee list such as: id="abc", uri="http://...", emailAddress="a@b". */
static bool parse_grantees(s3_acl *acl, const char *value, s3_permission permission, char *err,
                           size_t errlen)
{
    const char *p = value;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            return true;
        const char *name = p;
        const char *eq = strchr(p, '=');
        if (!eq) {
            snprintf(err, errlen, "Invalid grantee \"%.100s\": expected id=, uri= or emailAddress=", p);
            return false;
        }
        size_t name_len = (size_t)(eq - name);
        while (name_len > 0 && name[name_len - 1] == ' ')
            name_len--;
        const char *v = eq + 1;
        while (*v == ' ')
            v++;
        char grantee[256];
        size_t n;
        if (*v == '"') {
            const char *close = strchr(v + 1, '"');
            if (!close) {
                snprintf(err, errlen, "Invalid grantee: unterminated quote in \"%.100s\"", name);
                return false;
            }
            n = (size_t)(close - v - 1);
            v++;
            p = close + 1;
        } else {
            n = strcspn(v, ",");
            while (n > 0 && v[n - 1] == ' ')
                n--;
            p = v + strcspn(v, ",");
        }
        if (n == 0 || n >= sizeof grantee) {
            snprintf(err, errlen, "Invalid grantee: empty or longer than %zu characters", sizeof grantee - 1);
            return false;
        }
        memcpy(grantee, v, n);
        grantee[n] = '\0';
        s3_grantee_type type;
        if (name_len == 2 && strncasecmp(name, "id", 2) == 0)
            type = S3_GRANTEE_CANONICAL_USER;
        else if (name_len == 3 && strncasecmp(name, "uri", 3) == 0)
            type = S3_GRANTEE_GROUP;
        else if (name_len == 12 && strncasecmp(name, "emailAddress", 12) == 0)
            type = S3_GRANTEE_EMAIL;
        else {
            snprintf(err, errlen, "Invalid grantee type: expected id=, uri= or emailAddress=");
            return false;
        }
        if (!acl_add(acl, type, grantee, permission)) {
            snprintf(err, errlen, "An ACL can have at most %d grants", S3_ACL_MAX_GRANTS);
            return false;
        }
    }
}

bool s3_acl_from_grant_headers(s3_acl *acl, const http_request *req, bool *found, char *err,
                               size_t errlen)
{
    static const struct {
        const char *header;
        s3_permission permission;
    } headers[] = {
        {"x-amz-grant-read", S3_PERM_READ},
        {"x-amz-grant-write", S3_PERM_WRITE},
        {"x-amz-grant-read-acp", S3_PERM_READ_ACP},
        {"x-amz-grant-write-acp", S3_PERM_WRITE_ACP},
        {"x-amz-grant-full-control", S3_PERM_FULL_CONTROL},
    };
    *found = false;
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        const char *value = http_request_header(req, headers[i].header);
        if (!value)
            continue;
        *found = true;
        if (!parse_grantees(acl, value, headers[i].permission, err, errlen))
            return false;
    }
    return true;
}

static const char *grantee_type_name(s3_grantee_type type)
{
    switch (type) {
    case S3_GRANTEE_GROUP: return "Group";
    case S3_GRANTEE_EMAIL: return "AmazonCustomerByEmail";
    case S3_GRANTEE_CANONICAL_USER: break;
    }
    return "CanonicalUser";
}

void s3_acl_to_json(const s3_acl *acl, owl_buf *out)
{
    json_t *grants = json_array();
    for (size_t i = 0; i < acl->count; i++)
        json_array_append_new(grants, json_pack("{s:s, s:s, s:s}", "type",
                                                grantee_type_name(acl->grants[i].type), "grantee",
                                                acl->grants[i].grantee, "permission",
                                                s3_permission_name(acl->grants[i].permission)));
    json_t *doc = json_pack("{s:s, s:o}", "owner", acl->owner_id, "grants", grants);
    char *text = json_dumps(doc, JSON_COMPACT);
    owl_buf_puts(out, text ? text : "{}");
    free(text);
    json_decref(doc);
}

bool s3_acl_from_json(s3_acl *acl, const char *text)
{
    memset(acl, 0, sizeof *acl);
    json_t *doc = json_loads(text, 0, NULL);
    const char *owner = json_string_value(json_object_get(doc, "owner"));
    json_t *grants = json_object_get(doc, "grants");
    if (!owner || !json_is_array(grants)) {
        json_decref(doc);
        return false;
    }
    snprintf(acl->owner_id, sizeof acl->owner_id, "%s", owner);
    size_t i;
    json_t *grant;
    json_array_foreach(grants, i, grant) {
        const char *type = json_string_value(json_object_get(grant, "type"));
        const char *grantee = json_string_value(json_object_get(grant, "grantee"));
        const char *permission = json_string_value(json_object_get(grant, "permission"));
        if (!type || !grantee || !permission)
            continue;
        s3_grantee_type t = strcmp(type, "Group") == 0 ? S3_GRANTEE_GROUP
                            : strcmp(type, "AmazonCustomerByEmail") == 0 ? S3_GRANTEE_EMAIL
                                                                         : S3_GRANTEE_CANONICAL_USER;
        acl_add(acl, t, grantee, s3_permission_parse(permission));
    }
    json_decref(doc);
    return true;
}

void s3_acl_to_xml(const s3_acl *acl, const char *owner_name, owl_buf *out)
{
    owl_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                      "<Owner><ID>");
    s3_xml_text(out, acl->owner_id);
    owl_buf_puts(out, "</ID><DisplayName>");
    s3_xml_text(out, owner_name);
    owl_buf_puts(out, "</DisplayName></Owner><AccessControlList>");
    for (size_t i = 0; i < acl->count; i++) {
        const s3_grant *grant = &acl->grants[i];
        owl_buf_printf(out, "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                            "xsi:type=\"%s\">", grantee_type_name(grant->type));
        const char *element = grant->type == S3_GRANTEE_GROUP   ? "URI"
                              : grant->type == S3_GRANTEE_EMAIL ? "EmailAddress"
                                                                : "ID";
        owl_buf_printf(out, "<%s>", element);
        s3_xml_text(out, grant->grantee);
        owl_buf_printf(out, "</%s></Grantee><Permission>%s</Permission></Grant>", element,
                       s3_permission_name(grant->permission));
    }
    owl_buf_puts(out, "</AccessControlList></AccessControlPolicy>");
}

bool s3_acl_allows(const s3_acl *acl, const char *canonical_id, s3_permission permission)
{
    for (size_t i = 0; i < acl->count; i++) {
        const s3_grant *grant = &acl->grants[i];
        if (grant->permission != permission && grant->permission != S3_PERM_FULL_CONTROL)
            continue;
        if (grant->type == S3_GRANTEE_GROUP) {
            if (strcmp(grant->grantee, S3_GROUP_ALL_USERS) == 0)
                return true;
            if (canonical_id && strcmp(grant->grantee, S3_GROUP_AUTHENTICATED_USERS) == 0)
                return true;
        } else if (grant->type == S3_GRANTEE_CANONICAL_USER && canonical_id &&
                   strcmp(grant->grantee, canonical_id) == 0) {
            return true;
        }
    }
    return false;
}

bool s3_acl_is_owner_full_control(const s3_acl *acl, const char *owner_id)
{
    if (acl->count == 0)
        return false;
    for (size_t i = 0; i < acl->count; i++) {
        const s3_grant *grant = &acl->grants[i];
        if (grant->type != S3_GRANTEE_CANONICAL_USER || strcmp(grant->grantee, owner_id) != 0 ||
            grant->permission != S3_PERM_FULL_CONTROL)
            return false;
    }
    return true;
}
