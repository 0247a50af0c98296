/*
 * Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation, bucket policies, bucket ACLs and ownership controls.
 */
#include "common/log.h"
#include "common/util.h"
#include "iam/account.h"
#include "s3/internal.h"
#include "s3/name.h"
#include "s3/policy.h"
#include "s3/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Regions a LocationConstraint may name; us-east-1 is the default and is sent as no constraint. */
static const char *const known_regions[] = {
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ca-central-1", "cn-north-1", "cn-northwest-1", "eu-central-1",
    "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
    "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "sa-east-1", "us-east-2",
    "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2", "EU",
};

static bool region_known(const char *region)
{
    for (size_t i = 0; i < sizeof known_regions / sizeof known_regions[0]; i++)
        if (strcmp(known_regions[i], region) == 0)
            return true;
    return false;
}

static void owner_xml(s3_request *r, const char *account_id, owl_buf *out)
{
    char canonical[65], name[128];
    s3_canonical_id(r->db, account_id, canonical, name, sizeof name);
    owl_buf_puts(out, "<Owner><ID>");
    s3_xml_text(out, canonical);
    owl_buf_puts(out, "</ID><DisplayName>");
    s3_xml_text(out, name);
    owl_buf_puts(out, "</DisplayName></Owner>");
}

void s3_list_buckets(s3_request *r)
{
    const char *account_id = r->call->identity->account_id;
    iam_resource resource = {.arn = "*", .account_id = account_id};
    if (!iam_authorize(r->call, "s3:ListAllMyBuckets", &resource, "AccessDenied"))
        return;

    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT name, created_ms FROM s3_buckets WHERE account_id = ? "
                                  "ORDER BY name", -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        s3_internal_error(r, "listing buckets");
        return;
    }
    sqlite3_bind_text(stmt, 1, account_id, -1, SQLITE_STATIC);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<ListAllMyBucketsResult xmlns=\"" S3_XMLNS "\">");
    owner_xml(r, account_id, &xml);
    owl_buf_puts(&xml, "<Buckets>");
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        char created[32];
        s3_format_time(sqlite3_column_int64(stmt, 1), created);
        owl_buf_puts(&xml, "<Bucket><Name>");
        s3_xml_text(&xml, (const char *)sqlite3_column_text(stmt, 0));
        owl_buf_printf(&xml, "</Name><CreationDate>%s</CreationDate></Bucket>", created);
    }
    sqlite3_finalize(stmt);
    owl_buf_puts(&xml, "</Buckets></ListAllMyBucketsResult>");
    if (rc != SQLITE_DONE)
        s3_internal_error(r, "listing buckets");
    else
        s3_send_xml(r, &xml);
    owl_buf_free(&xml);
}

void s3_create_bucket(s3_request *r)
{
    const iam_identity *caller = r->call->identity;
    if (!s3_authorize(r, "s3:CreateBucket", NULL, NULL, NULL, 0))
        return;

    char err[512];
    if (!s3_bucket_name_valid(r->bucket_name, err, sizeof err)) {
        s3_error(r, 400, "InvalidBucketName", "The specified bucket is not valid: %s", err);
        return;
    }
    char location[64] = "";
    const owl_buf *body = &r->call->req->body;
    if (body->len > 0 &&
        !s3_xml_parse_create_bucket(body->data, body->len, location, err, sizeof err)) {
        s3_error(r, 400, "MalformedXML", "%s", err);
        return;
    }
    if (location[0] && !region_known(location)) {
        s3_error(r, 400, "InvalidLocationConstraint",
                 "The specified location-constraint is not valid: %.64s", location);
        return;
    }
    if (strcmp(location, S3_DEFAULT_REGION) == 0) {
        s3_error(r, 400, "InvalidLocationConstraint",
                 "The specified location-constraint is not valid: us-east-1 is the default and "
                 "must not be sent as a LocationConstraint");
        return;
    }
    const char *region = location[0] ? location : S3_DEFAULT_REGION;
    if (strcmp(region, "EU") == 0)
        region = "eu-west-1";
    /* The us-east-1 endpoint creates buckets in any region; a regional endpoint only in its own. */
    if (strcmp(r->call->region, S3_DEFAULT_REGION) != 0 && strcmp(region, r->call->region) != 0) {
        s3_error(r, 400, "IllegalLocationConstraintException",
                 "The %s location constraint is incompatible for the region specific endpoint this "
                 "request was sent to (%s).", location[0] ? region : "unspecified", r->call->region);
        return;
    }
    char canonical[65];
    if (!s3_canonical_id(r->db, caller->account_id, canonical, NULL, 0)) {
        s3_internal_error(r, "looking up the caller's canonical user ID");
        return;
    }
    s3_acl acl;
    bool explicit_acl;
    if (!s3_acl_from_headers(r, canonical, canonical, &acl, &explicit_acl))
        return;
    const char *ownership = http_request_header(r->call->req, "x-amz-object-ownership");
    if (!ownership)
        ownership = "BucketOwnerEnforced";
    if (strcmp(ownership, "BucketOwnerEnforced") != 0 && strcmp(ownership, "BucketOwnerPreferred") != 0 &&
        strcmp(ownership, "ObjectWriter") != 0) {
        s3_error(r, 400, "InvalidArgument", "Invalid x-amz-object-ownership \"%.40s\": expected "
                 "BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter", ownership);
        return;
    }
    if (strcmp(ownership, "BucketOwnerEnforced") == 0 && explicit_acl &&
        !s3_acl_is_owner_full_control(&acl, canonical)) {
        s3_error(r, 400, "InvalidBucketAclWithObjectOwnership",
                 "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
        return;
    }

    if (owl_store_begin(r->db) != SQLITE_OK) {
        s3_internal_error(r, "starting a transaction");
        return;
    }
    s3_bucket existing;
    s3_db_status status = s3_bucket_load(r->db, r->bucket_name, &existing);
    if (status == S3_DB_OK) {
        owl_store_rollback(r->db);
        bool mine = strcmp(existing.account_id, caller->account_id) == 0;
        s3_bucket_clear(&existing);
        /* us-east-1 answers 200 to its owner's repeated CreateBucket, like AWS. */
        if (mine && strcmp(region, S3_DEFAULT_REGION) == 0) {
            http_response_add_header(r->call->resp, "Location", "/");
            http_response_set_body(r->call->resp, 200, NULL, "", 0);
            return;
        }
        if (mine)
            s3_error(r, 409, "BucketAlreadyOwnedByYou",
                     "Your previous request to create the named bucket succeeded and you already own it.");
        else
            s3_error(r, 409, "BucketAlreadyExists",
                     "The requested bucket name is not available. The bucket namespace is shared by "
                     "all users of the system. Please select a different name and try again.");
        return;
    }
    owl_buf acl_json = OWL_BUF_INIT;
    s3_acl_to_json(&acl, &acl_json);
    char created[32];
    snprintf(created, sizeof created, "%lld", (long long)owl_now_ms());
    const char *params[] = {r->bucket_name, caller->account_id, region, created, ownership,
                            acl_json.data};
    bool ok = status == S3_DB_NOT_FOUND &&
              owl_store_exec(r->db, "INSERT INTO s3_buckets (name, account_id, region, created_ms, "
                                    "ownership, acl) VALUES (?, ?, ?, CAST(? AS INTEGER), ?, ?)",
                             6, params) == SQLITE_OK &&
              owl_store_commit(r->db) == SQLITE_OK;
    owl_buf_free(&acl_json);
    if (!ok) {
        owl_store_rollback(r->db);
        s3_internal_error(r, "creating the bucket");
        return;
    }
    char location_header[300];
    snprintf(location_header, sizeof location_header, "/%s", r->bucket_name);
    http_response_add_header(r->call->resp, "Location", location_header);
    http_response_set_body(r->call->resp, 200, NULL, "", 0);
}

void s3_head_bucket(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:ListBucket", NULL, NULL, NULL, 0))
        return;
    http_response_add_header(r->call->resp, "x-amz-bucket-region", r->bucket.region);
    http_response_set_body(r->call->resp, 200, NULL, "", 0);
}

static bool bucket_has_objects(s3_request *r, bool *has)
{
    sqlite3_stmt *stmt = NULL;
    bool ok = sqlite3_prepare_v2(r->db, "SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", -1,
                                 &stmt, NULL) == SQLITE_OK;
    int rc = SQLITE_ERROR;
    if (ok) {
        sqlite3_bind_text(stmt, 1, r->bucket_name, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    *has = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

void s3_delete_bucket(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:DeleteBucket", NULL, NULL, NULL, 0))
        return;

    if (owl_store_begin(r->db) != SQLITE_OK) {
        s3_internal_error(r, "starting a transaction");
        return;
    }
    bool has = false;
    if (!bucket_has_objects(r, &has)) {
        owl_store_rollback(r->db);
        s3_internal_error(r, "checking whether the bucket is empty");
        return;
    }
    if (has) {
        owl_store_rollback(r->db);
        s3_error(r, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty: %s",
                 r->bucket_name);
        return;
    }
    /* Parts of unfinished uploads go with the bucket; their files are removed after the commit. */
    sqlite3_stmt *stmt = NULL;
    char **data_ids = NULL;
    size_t count = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT p.data_id FROM s3_parts p JOIN s3_uploads u "
                                  "ON p.upload_id = u.upload_id WHERE u.bucket = ?",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, r->bucket_name, -1, SQLITE_STATIC);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            data_ids = realloc(data_ids, (count + 1) * sizeof *data_ids);
            if (!data_ids)
                abort();
            data_ids[count++] = strdup((const char *)sqlite3_column_text(stmt, 0));
        }
    }
    sqlite3_finalize(stmt);
    const char *params[] = {r->bucket_name};
    bool ok =
        owl_store_exec(r->db, "DELETE FROM s3_parts WHERE upload_id IN "
                              "(SELECT upload_id FROM s3_uploads WHERE bucket = ?)", 1, params) == SQLITE_OK &&
        owl_store_exec(r->db, "DELETE FROM s3_uploads WHERE bucket = ?", 1, params) == SQLITE_OK &&
        owl_store_exec(r->db, "DELETE FROM s3_buckets WHERE name = ?", 1, params) == SQLITE_OK &&
        owl_store_commit(r->db) == SQLITE_OK;
    if (!ok)
        owl_store_rollback(r->db);
    for (size_t i = 0; i < count; i++) {
        if (ok && data_ids[i])
            s3_data_remove(r->data_dir, data_ids[i]);
        free(data_ids[i]);
    }
    free(data_ids);
    if (!ok) {
        s3_internal_error(r, "deleting the bucket");
        return;
    }
    http_response_set_body(r->call->resp, 204, NULL, "", 0);
}

void s3_get_bucket_location(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:GetBucketLocation", NULL, NULL, NULL, 0))
        return;
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<LocationConstraint xmlns=\"" S3_XMLNS "\">");
    /* us-east-1 buckets report an empty LocationConstraint. */
    if (strcmp(r->bucket.region, S3_DEFAULT_REGION) != 0)
        s3_xml_text(&xml, r->bucket.region);
    owl_buf_puts(&xml, "</LocationConstraint>");
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
}

/* Runs one UPDATE of the request's bucket row in its own transaction; sends InternalError on failure. */
static bool update_bucket(s3_request *r, const char *sql, const char *value)
{
    const char *params[] = {value, r->bucket_name};
    if (owl_store_begin(r->db) != SQLITE_OK ||
        owl_store_exec(r->db, sql, 2, params) != SQLITE_OK || owl_store_commit(r->db) != SQLITE_OK) {
        owl_store_rollback(r->db);
        s3_internal_error(r, "updating the bucket");
        return false;
    }
    return true;
}

void s3_put_bucket_policy(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:PutBucketPolicy", NULL, NULL, NULL, 0))
        return;

    const owl_buf *body = &r->call->req->body;
    char err[256];
    if (!s3_policy_validate(body->data ? body->data : "", body->len, r->bucket_name, err, sizeof err)) {
        s3_error(r, 400, "MalformedPolicy", "%s", err);
        return;
    }
    if (!update_bucket(r, "UPDATE s3_buckets SET policy = ? WHERE name = ?", body->data))
        return;
    http_response_set_body(r->call->resp, 204, NULL, "", 0);
}

void s3_get_bucket_policy(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:GetBucketPolicy", NULL, NULL, NULL, 0))
        return;
    if (!r->bucket.policy) {
        s3_error(r, 404, "NoSuchBucketPolicy", "The bucket policy does not exist: %s", r->bucket_name);
        return;
    }
    http_response_set_body(r->call->resp, 200, "application/json", r->bucket.policy,
                           strlen(r->bucket.policy));
}

void s3_delete_bucket_policy(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:DeleteBucketPolicy", NULL, NULL, NULL, 0))
        return;
    if (!update_bucket(r, "UPDATE s3_buckets SET policy = ? WHERE name = ?", NULL))
        return;
    http_response_set_body(r->call->resp, 204, NULL, "", 0);
}

void s3_get_bucket_acl(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:GetBucketAcl", NULL, NULL, NULL, 0))
        return;
    char canonical[65], name[128];
    s3_canonical_id(r->db, r->bucket.account_id, canonical, name, sizeof name);
    s3_acl enforced;
    const s3_acl *acl = &r->bucket.acl;
    /* With ACLs disabled the effective ACL is the owner's full control. */
    if (strcmp(r->bucket.ownership, "BucketOwnerEnforced") == 0) {
        s3_acl_canned(&enforced, "private", canonical, canonical);
        acl = &enforced;
    }
    owl_buf xml = OWL_BUF_INIT;
    s3_acl_to_xml(acl, name, &xml);
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
}

/*
 * Reads the ACL of a PutBucketAcl or PutObjectAcl request: canned header,
 * grant headers or AccessControlPolicy body. Returns false after sending
 * an error.
 */
static bool acl_from_request(s3_request *r, const char *owner_id, s3_acl *acl)
{
    const owl_buf *body = &r->call->req->body;
    bool explicit_acl = false;
    if (!s3_acl_from_headers(r, owner_id, r->bucket.acl.owner_id, acl, &explicit_acl))
        return false;
    if (explicit_acl && body->len > 0) {
        s3_error(r, 400, "UnexpectedContent", "This request does not support content when an ACL "
                 "header is given");
        return false;
    }
    if (explicit_acl)
        return true;
    if (body->len == 0) {
        s3_error(r, 400, "MissingSecurityHeader", "Your request was missing a required header: "
                 "x-amz-acl, an x-amz-grant-* header or an AccessControlPolicy body");
        return false;
    }
    char err[256];
    if (!s3_xml_parse_acl(body->data, body->len, acl, err, sizeof err)) {
        s3_error(r, 400, "MalformedACLError",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema: %s", err);
        return false;
    }
    for (size_t i = 0; i < acl->count; i++) {
        if (acl->grants[i].type == S3_GRANTEE_EMAIL) {
            s3_error(r, 400, "UnresolvableGrantByEmailAddress",
                     "The e-mail address you provided does not match any account on record: %s",
                     acl->grants[i].grantee);
            return false;
        }
    }
    if (acl->owner_id[0] && strcmp(acl->owner_id, owner_id) != 0) {
        s3_error(r, 400, "InvalidArgument", "Owner ID \"%s\" in the ACL is not the owner of the resource",
                 acl->owner_id);
        return false;
    }
    snprintf(acl->owner_id, sizeof acl->owner_id, "%s", owner_id);
    return true;
}

void s3_put_bucket_acl(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:PutBucketAcl", NULL, NULL, NULL, 0))
        return;

    s3_acl acl;
    if (!acl_from_request(r, r->bucket.acl.owner_id, &acl))
        return;
    if (strcmp(r->bucket.ownership, "BucketOwnerEnforced") == 0 &&
        !s3_acl_is_owner_full_control(&acl, r->bucket.acl.owner_id)) {
        s3_error(r, 400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
        return;
    }
    owl_buf json = OWL_BUF_INIT;
    s3_acl_to_json(&acl, &json);
    bool ok = update_bucket(r, "UPDATE s3_buckets SET acl = ? WHERE name = ?", json.data);
    owl_buf_free(&json);
    if (ok)
        http_response_set_body(r->call->resp, 200, NULL, "", 0);
}

void s3_put_ownership_controls(s3_request *r)
{
    if (!s3_require_bucket(r) ||
        !s3_authorize(r, "s3:PutBucketOwnershipControls", NULL, NULL, NULL, 0))
        return;
    char ownership[32], err[256];
    const owl_buf *body = &r->call->req->body;
    if (!s3_xml_parse_ownership(body->data, body->len, ownership, err, sizeof err)) {
        s3_error(r, 400, "MalformedXML", "%s", err);
        return;
    }
    if (!update_bucket(r, "UPDATE s3_buckets SET ownership = ? WHERE name = ?", ownership))
        return;
    http_response_set_body(r->call->resp, 200, NULL, "", 0);
}

void s3_get_ownership_controls(s3_request *r)
{
    if (!s3_require_bucket(r) ||
        !s3_authorize(r, "s3:GetBucketOwnershipControls", NULL, NULL, NULL, 0))
        return;
    if (!r->bucket.ownership[0]) {
        s3_error(r, 404, "OwnershipControlsNotFoundError",
                 "The bucket ownership controls were not found: %s", r->bucket_name);
        return;
    }
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_printf(&xml, S3_XML_DECLARATION "<OwnershipControls xmlns=\"" S3_XMLNS "\"><Rule>"
                         "<ObjectOwnership>%s</ObjectOwnership></Rule></OwnershipControls>",
                   r->bucket.ownership);
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
}

void s3_delete_ownership_controls(s3_request *r)
{
    /* S3 authorizes DeleteBucketOwnershipControls with the s3:PutBucketOwnershipControls action. */
    if (!s3_require_bucket(r) ||
        !s3_authorize(r, "s3:PutBucketOwnershipControls", NULL, NULL, NULL, 0))
        return;
    if (!update_bucket(r, "UPDATE s3_buckets SET ownership = ? WHERE name = ?", ""))
        return;
    http_response_set_body(r->call->resp, 204, NULL, "", 0);
}
