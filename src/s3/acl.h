/*
 * S3 access control lists: the owner's canonical user ID and up to 100
 * grants, each giving one permission to a canonical user, a predefined
 * group (AllUsers, AuthenticatedUsers, LogDelivery) or an e-mail address.
 * ACLs come from canned ACL names (x-amz-acl), x-amz-grant-* headers or an
 * AccessControlPolicy XML document, are stored as JSON and are written back
 * as AccessControlPolicy XML (S3 API version 2006-03-01).
 */
#ifndef OWL_S3_ACL_H
#define OWL_S3_ACL_H

#include "common/buf.h"
#include "http/http.h"

#include <stdbool.h>
#include <stddef.h>

#define S3_ACL_MAX_GRANTS 100
#define S3_GROUP_ALL_USERS "http://acs.amazonaws.com/groups/global/AllUsers"
#define S3_GROUP_AUTHENTICATED_USERS "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
#define S3_GROUP_LOG_DELIVERY "http://acs.amazonaws.com/groups/s3/LogDelivery"

typedef enum s3_permission {
    S3_PERM_READ = 1,
    S3_PERM_WRITE = 2,
    S3_PERM_READ_ACP = 4,
    S3_PERM_WRITE_ACP = 8,
    S3_PERM_FULL_CONTROL = 16,
} s3_permission;

typedef enum s3_grantee_type {
    S3_GRANTEE_CANONICAL_USER,
    S3_GRANTEE_GROUP,
    S3_GRANTEE_EMAIL,
} s3_grantee_type;

typedef struct s3_grant {
    s3_grantee_type type;
    /* Canonical user ID, group URI or e-mail address, by type. */
    char grantee[256];
    s3_permission permission;
} s3_grant;

typedef struct s3_acl {
    char owner_id[65];
    s3_grant grants[S3_ACL_MAX_GRANTS];
    size_t count;
} s3_acl;

/* Returns the permission named by name ("READ", "FULL_CONTROL", ...), or 0. */
s3_permission s3_permission_parse(const char *name);
const char *s3_permission_name(s3_permission permission);

/*
 * Fills acl from a canned ACL name. owner_id owns the resource; bucket_owner_id
 * is the owner of the bucket (the same for bucket ACLs), which the
 * bucket-owner-* canned ACLs grant to. Returns false for an unknown name.
 */
bool s3_acl_canned(s3_acl *acl, const char *name, const char *owner_id,
                   const char *bucket_owner_id);

/*
 * Adds the grants of the x-amz-grant-* headers of req to acl (whose grants
 * are otherwise empty). Sets *found when any such header is present.
 * Returns false with a message in err for a malformed grantee list.
 */
bool s3_acl_from_grant_headers(s3_acl *acl, const http_request *req, bool *found, char *err,
                               size_t errlen);

/* Appends acl as JSON for the store. */
void s3_acl_to_json(const s3_acl *acl, owl_buf *out);
/* Parses JSON from s3_acl_to_json(); returns false when malformed. */
bool s3_acl_from_json(s3_acl *acl, const char *json);

/* Appends an AccessControlPolicy document; owner_name is the owner's display name. */
void s3_acl_to_xml(const s3_acl *acl, const char *owner_name, owl_buf *out);

/*
 * Returns true when acl grants permission (or FULL_CONTROL) to the caller:
 * canonical_id is the caller's account's canonical user ID, or NULL for an
 * anonymous caller, who matches only the AllUsers group.
 */
bool s3_acl_allows(const s3_acl *acl, const char *canonical_id, s3_permission permission);

/*
 * Returns true when acl grants only FULL_CONTROL to owner_id, the one ACL a
 * bucket with BucketOwnerEnforced ownership accepts.
 */
bool s3_acl_is_owner_full_control(const s3_acl *acl, const char *owner_id);

#endif
