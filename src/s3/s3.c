/*
 * S3 request routing and the helpers every handler uses. The endpoint has
 * already authenticated the caller. Each handler then loads the bucket,
 * authorizes through iam_authorize() with the bucket policy and an ACL
 * check, validates its input, acts and responds.
 *
 * Routing follows the REST paths of the S3 model: the method, whether the
 * request names a bucket and a key, and the subresource in the query
 * string (?acl, ?policy, ?uploads, ...) select the operation.
 */
#include "s3/s3.h"

#include "common/log.h"
#include "common/util.h"
#include "iam/account.h"
#include "s3/internal.h"
#include "s3/name.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- request context --------------------------------------------------- */

void s3_reset_response(s3_request *r)
{
    http_response_reset(r->call->resp);
    http_response_add_header(r->call->resp, "x-amz-request-id", r->call->req->request_id);
    http_response_add_header(r->call->resp, "x-amz-id-2", r->call->req->request_id);
}

void s3_error(s3_request *r, int status, const char *code, const char *fmt, ...)
{
    s3_reset_response(r);
    va_list ap;
    va_start(ap, fmt);
    aws_call_verror(r->call, status, code, fmt, ap);
    va_end(ap);
}

void s3_internal_error(s3_request *r, const char *failed_step)
{
    owl_log_error("event=s3_internal_error request_id=%s bucket=%s step=\"%s\" sqlite=\"%s\"",
                  r->call->req->request_id, r->bucket_name[0] ? r->bucket_name : "-", failed_step,
                  r->db ? sqlite3_errmsg(r->db) : "-");
    s3_error(r, 500, "InternalError", "We encountered an internal error (%s). Please try again.",
             failed_step);
}

bool s3_require_bucket(s3_request *r)
{
    if (r->bucket_loaded)
        return true;
    s3_db_status status = s3_bucket_load(r->db, r->bucket_name, &r->bucket);
    if (status == S3_DB_NOT_FOUND) {
        s3_error(r, 404, "NoSuchBucket", "The specified bucket does not exist: %s", r->bucket_name);
        return false;
    }
    if (status != S3_DB_OK) {
        s3_internal_error(r, "loading the bucket");
        return false;
    }
    r->bucket_loaded = true;
    return true;
}

const char *s3_query(const s3_request *r, const char *name)
{
    return aws_form_get(&r->call->form, name);
}

bool s3_query_has(const s3_request *r, const char *name)
{
    return aws_form_get(&r->call->form, name) != NULL;
}

void s3_send_xml(s3_request *r, owl_buf *body)
{
    http_response_set_body(r->call->resp, 200, "application/xml", body->data ? body->data : "",
                           body->len);
}

bool s3_caller_canonical_id(s3_request *r, char out[65])
{
    const iam_identity *caller = r->call->identity;
    if (caller->type == IAM_PRINCIPAL_ANONYMOUS)
        return false;
    return s3_canonical_id(r->db, caller->account_id, out, NULL, 0);
}

void s3_format_time(int64_t ms, char out[32])
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    size_t n = strlen(out);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

bool s3_acl_from_headers(s3_request *r, const char *owner_id, const char *bucket_owner_id,
                         s3_acl *acl, bool *explicit_acl)
{
    const char *canned = http_request_header(r->call->req, "x-amz-acl");
    bool grants = false;
    char err[256];
    s3_acl granted;
    memset(&granted, 0, sizeof granted);
    snprintf(granted.owner_id, sizeof granted.owner_id, "%s", owner_id);
    if (!s3_acl_from_grant_headers(&granted, r->call->req, &grants, err, sizeof err)) {
        s3_error(r, 400, "InvalidArgument", "%s", err);
        return false;
    }
    if (canned && grants) {
        s3_error(r, 400, "InvalidRequest",
                 "Specifying both Canned ACLs and Header Grants is not allowed");
        return false;
    }
    *explicit_acl = canned || grants;
    if (grants) {
        *acl = granted;
        return true;
    }
    if (!s3_acl_canned(acl, canned ? canned : "private", owner_id, bucket_owner_id)) {
        s3_error(r, 400, "InvalidArgument", "Invalid canned ACL \"%.64s\": expected private, "
                 "public-read, public-read-write, authenticated-read, bucket-owner-read or "
                 "bucket-owner-full-control", canned);
        return false;
    }
    return true;
}

/* --- authorization ----------------------------------------------------- */

typedef struct acl_check_arg {
    s3_request *r;
    const s3_acl *object_acl;
} acl_check_arg;

/* Maps an action to the ACL permission S3 checks and to whether that is the bucket's ACL. */
static s3_permission acl_permission_for(const char *action, bool *on_bucket)
{
    static const struct {
        const char *action;
        s3_permission permission;
        bool on_bucket;
    } table[] = {
        {"s3:ListBucket", S3_PERM_READ, true},
        {"s3:ListBucketMultipartUploads", S3_PERM_READ, true},
        {"s3:ListMultipartUploadParts", S3_PERM_READ, true},
        {"s3:PutObject", S3_PERM_WRITE, true},
        {"s3:DeleteObject", S3_PERM_WRITE, true},
        {"s3:AbortMultipartUpload", S3_PERM_WRITE, true},
        {"s3:GetBucketAcl", S3_PERM_READ_ACP, true},
        {"s3:PutBucketAcl", S3_PERM_WRITE_ACP, true},
        {"s3:GetObject", S3_PERM_READ, false},
        {"s3:GetObjectAcl", S3_PERM_READ_ACP, false},
        {"s3:PutObjectAcl", S3_PERM_WRITE_ACP, false},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].action, action) == 0) {
            *on_bucket = table[i].on_bucket;
            return table[i].permission;
        }
    }
    return 0;
}

static iam_acl_result acl_check(void *arg, const iam_identity *caller, const char *action)
{
    acl_check_arg *check = arg;
    bool on_bucket = true;
    s3_permission permission = acl_permission_for(action, &on_bucket);
    const s3_acl *acl = on_bucket ? &check->r->bucket.acl : check->object_acl;
    if (!permission || !acl)
        return IAM_ACL_NO_OPINION;
    char canonical[65];
    bool known = caller->type != IAM_PRINCIPAL_ANONYMOUS &&
                 s3_canonical_id(check->r->db, caller->account_id, canonical, NULL, 0);
    return s3_acl_allows(acl, known ? canonical : NULL, permission) ? IAM_ACL_ALLOW
                                                                     : IAM_ACL_NO_OPINION;
}

bool s3_authorize(s3_request *r, const char *action, const char *key, const s3_acl *object_acl,
                  const iam_context_key *context, size_t context_count)
{
    owl_buf arn = OWL_BUF_INIT;
    owl_buf_printf(&arn, "arn:aws:s3:::%s", r->bucket_name);
    if (key)
        owl_buf_printf(&arn, "/%s", key);
    acl_check_arg arg = {r, object_acl};
    bool acls_enabled = r->bucket_loaded && strcmp(r->bucket.ownership, "BucketOwnerEnforced") != 0;
    iam_resource resource = {
        .arn = arn.data,
        .account_id = r->bucket_loaded ? r->bucket.account_id : r->call->identity->account_id,
        .policy = r->bucket_loaded ? r->bucket.policy : NULL,
        .acl_check = acls_enabled ? acl_check : NULL,
        .acl_arg = &arg,
        .context = context,
        .context_count = context_count,
    };
    bool allowed = iam_authorize(r->call, action, &resource, "AccessDenied");
    owl_buf_free(&arn);
    return allowed;
}

bool s3_authorize_quietly(s3_request *r, const char *action, const char *key,
                          const s3_acl *object_acl, const iam_context_key *context,
                          size_t context_count)
{
    if (s3_authorize(r, action, key, object_acl, context, context_count))
        return true;
    s3_reset_response(r);
    r->call->error_code[0] = '\0';
    return false;
}

/* --- request bodies ---------------------------------------------------- */

unsigned s3_body_digests(const http_request *req)
{
    const char *declared = http_request_header(req, "x-amz-content-sha256");
    if (declared && strncmp(declared, "STREAMING-", 10) == 0)
        return 0; /* the digests are taken over the decoded bytes, in another spool */
    return S3_SPOOL_MD5 | (declared && strlen(declared) == 64 ? S3_SPOOL_SHA256 : 0u);
}

/* The body sink s3_begin() installs for uploads. */
typedef struct upload_sink {
    s3_spool *spool;
    int write_errno; /* errno of the first failed write (ENOSPC on a full disk), or 0 */
} upload_sink;

/* Writes data to the spool. On failure, stores the write's errno (EIO when unset) in *error. */
static bool spool_write_errno(s3_spool *spool, const void *data, size_t len, int *error)
{
    errno = 0;
    if (s3_spool_write(spool, data, len))
        return true;
    *error = errno ? errno : EIO;
    return false;
}

static bool upload_sink_write(void *arg, const void *data, size_t len)
{
    upload_sink *sink = arg;
    return spool_write_errno(sink->spool, data, len, &sink->write_errno);
}

static void upload_sink_close(void *arg)
{
    upload_sink *sink = arg;
    s3_spool_free(sink->spool);
    free(sink);
}

s3_spool *s3_body_spool(s3_request *r, bool *owned)
{
    http_request *req = r->call->req;
    if (req->body_sink.write == upload_sink_write) {
        *owned = false;
        upload_sink *sink = req->body_sink.arg;
        if (req->body_sink_failed) {
            owl_log_error("event=s3_spool_failed request_id=%s error=\"writing the upload "
                          "failed: %s\"",
                          req->request_id, strerror(sink->write_errno));
            s3_internal_error(r, "writing the upload to disk");
            return NULL;
        }
        return sink->spool;
    }
    char err[512];
    int write_errno = 0;
    s3_spool *spool = s3_spool_new(r->data_dir, s3_body_digests(req), err, sizeof err);
    if (spool && !spool_write_errno(spool, req->body.data ? req->body.data : "", req->body.len,
                                    &write_errno))
        snprintf(err, sizeof err, "writing the upload failed: %s", strerror(write_errno));
    if (!spool || write_errno) {
        owl_log_error("event=s3_spool_failed request_id=%s error=\"%s\"", req->request_id, err);
        s3_spool_free(spool);
        s3_internal_error(r, "writing the upload to disk");
        return NULL;
    }
    *owned = true;
    return spool;
}

/* --- start-up recovery ------------------------------------------------- */

static pthread_mutex_t recover_lock = PTHREAD_MUTEX_INITIALIZER;
static const owl_store *recovered_store;

/* Cleans the object directory once per store, before the first S3 request of the process. */
static void recover_once(owl_store *store)
{
    pthread_mutex_lock(&recover_lock);
    if (recovered_store != store) {
        sqlite3 *db = owl_store_acquire(store);
        s3_storage_recover(owl_store_data_dir(store), db);
        owl_store_release(store, db);
        recovered_store = store;
    }
    pthread_mutex_unlock(&recover_lock);
}

/* --- routing ----------------------------------------------------------- */

/*
 * Splits the request into bucket and key, from the Host header
 * (virtual-hosted style) or the first path segment (path style).
 * Returns false after sending an error.
 */
static bool parse_target(s3_request *r)
{
    http_request *req = r->call->req;
    const char *path = req->raw_path;
    if (path[0] != '/') {
        s3_error(r, 400, "InvalidURI", "Couldn't parse the specified URI: %.200s", path);
        return false;
    }
    const char *key_start = NULL;
    if (s3_host_bucket(http_request_header(req, "host"), r->bucket_name, sizeof r->bucket_name)) {
        key_start = path + 1;
    } else {
        const char *segment = path + 1;
        size_t n = strcspn(segment, "/");
        size_t decoded_len;
        char *bucket = owl_percent_decode(segment, n, false, &decoded_len);
        if (!bucket || decoded_len >= sizeof r->bucket_name || strlen(bucket) != decoded_len) {
            free(bucket);
            s3_error(r, 400, "InvalidBucketName", "The specified bucket is not valid.");
            return false;
        }
        memcpy(r->bucket_name, bucket, decoded_len + 1);
        free(bucket);
        if (segment[n] == '/')
            key_start = segment + n + 1;
    }
    if (key_start && *key_start) {
        r->key = owl_percent_decode(key_start, strlen(key_start), false, &r->key_len);
        if (!r->key) {
            s3_error(r, 400, "InvalidURI", "Couldn't parse the specified URI: %.200s", path);
            return false;
        }
        switch (s3_key_check(r->key, r->key_len)) {
        case S3_KEY_OK:
        case S3_KEY_EMPTY:
            break;
        case S3_KEY_TOO_LONG:
            s3_error(r, 400, "KeyTooLongError", "Your key is too long: %zu bytes, the maximum is %d",
                     r->key_len, S3_KEY_MAX);
            return false;
        case S3_KEY_INVALID_UTF8:
            s3_error(r, 400, "InvalidArgument", "Object key is not valid UTF-8");
            return false;
        case S3_KEY_HAS_NUL:
            /* NOTE: AWS S3 accepts U+0000 in keys; this server rejects it because keys
             * are stored and compared as C strings. */
            s3_error(r, 400, "InvalidArgument",
                     "Object key contains the character U+0000, which this server does not accept");
            return false;
        }
    }
    return true;
}

static bool parse_query(aws_call *call, char *err, size_t errlen)
{
    if (call->form.count > 0)
        return true;
    return aws_form_parse(&call->form, call->req->raw_query, strlen(call->req->raw_query), err,
                          errlen);
}

/* Subresources this server does not implement, rejected with 501 instead of a wrong response. */
static const char *const unsupported_subresources[] = {
    "accelerate", "analytics", "cors", "encryption", "intelligent-tiering", "inventory",
    "legal-hold", "lifecycle", "logging", "metrics", "notification", "object-lock",
    "publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select",
    "tagging", "torrent", "versions", "website", "attributes", "policyStatus", "versioning",
};

/* Subresources this server implements; a request naming one never falls through to a plain operation. */
static const char *const implemented_subresources[] = {
    "acl", "policy", "ownershipControls", "location", "uploads", "delete", "uploadId",
};

/* Returns true when the request names any implemented subresource. */
static bool has_subresource(s3_request *r)
{
    for (size_t i = 0; i < sizeof implemented_subresources / sizeof implemented_subresources[0]; i++)
        if (s3_query_has(r, implemented_subresources[i]))
            return true;
    return false;
}

static void set_operation(s3_request *r, const char *name)
{
    snprintf(r->call->operation, sizeof r->call->operation, "%s", name);
}

static void route_bucket(s3_request *r, const char *method)
{
    bool get = strcmp(method, "GET") == 0, put = strcmp(method, "PUT") == 0;
    bool del = strcmp(method, "DELETE") == 0;
    bool plain = !has_subresource(r);
    struct {
        bool when;
        const char *operation;
        void (*handler)(s3_request *);
    } routes[] = {
        {put && s3_query_has(r, "acl"), "PutBucketAcl", s3_put_bucket_acl},
        {get && s3_query_has(r, "acl"), "GetBucketAcl", s3_get_bucket_acl},
        {put && s3_query_has(r, "policy"), "PutBucketPolicy", s3_put_bucket_policy},
        {get && s3_query_has(r, "policy"), "GetBucketPolicy", s3_get_bucket_policy},
        {del && s3_query_has(r, "policy"), "DeleteBucketPolicy", s3_delete_bucket_policy},
        {put && s3_query_has(r, "ownershipControls"), "PutBucketOwnershipControls",
         s3_put_ownership_controls},
        {get && s3_query_has(r, "ownershipControls"), "GetBucketOwnershipControls",
         s3_get_ownership_controls},
        {del && s3_query_has(r, "ownershipControls"), "DeleteBucketOwnershipControls",
         s3_delete_ownership_controls},
        {get && s3_query_has(r, "location"), "GetBucketLocation", s3_get_bucket_location},
        {get && s3_query_has(r, "uploads"), "ListMultipartUploads", s3_list_multipart_uploads},
        {strcmp(method, "POST") == 0 && s3_query_has(r, "delete"), "DeleteObjects",
         s3_delete_objects},
        {put && plain, "CreateBucket", s3_create_bucket},
        {del && plain, "DeleteBucket", s3_delete_bucket},
        {strcmp(method, "HEAD") == 0 && plain, "HeadBucket", s3_head_bucket},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (routes[i].when) {
            set_operation(r, routes[i].operation);
            routes[i].handler(r);
            return;
        }
    }
    if (get && plain) {
        const char *list_type = s3_query(r, "list-type");
        bool v2 = list_type && strcmp(list_type, "2") == 0;
        set_operation(r, v2 ? "ListObjectsV2" : "ListObjects");
        s3_list_objects(r, v2);
        return;
    }
    s3_error(r, 405, "MethodNotAllowed", "The specified method is not allowed against this resource: %s",
             method);
}

static void route_object(s3_request *r, const char *method)
{
    bool has_upload = s3_query_has(r, "uploadId");
    bool copy = http_request_header(r->call->req, "x-amz-copy-source") != NULL;
    bool plain = !has_subresource(r);
    struct {
        bool when;
        const char *operation;
        void (*handler)(s3_request *);
    } routes[] = {
        {strcmp(method, "PUT") == 0 && s3_query_has(r, "acl"), "PutObjectAcl", s3_put_object_acl},
        {strcmp(method, "GET") == 0 && s3_query_has(r, "acl"), "GetObjectAcl", s3_get_object_acl},
        {strcmp(method, "PUT") == 0 && has_upload && !copy, "UploadPart", s3_upload_part},
        {strcmp(method, "PUT") == 0 && copy && plain, "CopyObject", s3_copy_object},
        {strcmp(method, "PUT") == 0 && !copy && plain, "PutObject", s3_put_object},
        {strcmp(method, "GET") == 0 && has_upload, "ListParts", s3_list_parts},
        {strcmp(method, "DELETE") == 0 && has_upload, "AbortMultipartUpload",
         s3_abort_multipart_upload},
        {strcmp(method, "DELETE") == 0 && plain, "DeleteObject", s3_delete_object},
        {strcmp(method, "POST") == 0 && s3_query_has(r, "uploads"), "CreateMultipartUpload",
         s3_create_multipart_upload},
        {strcmp(method, "POST") == 0 && has_upload, "CompleteMultipartUpload",
         s3_complete_multipart_upload},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (routes[i].when) {
            set_operation(r, routes[i].operation);
            routes[i].handler(r);
            return;
        }
    }
    if ((strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) && plain) {
        bool head = strcmp(method, "HEAD") == 0;
        set_operation(r, head ? "HeadObject" : "GetObject");
        s3_get_object(r, head);
        return;
    }
    if (copy && has_upload) {
        s3_error(r, 501, "NotImplemented", "UploadPartCopy is not implemented by this server");
        return;
    }
    s3_error(r, 405, "MethodNotAllowed", "The specified method is not allowed against this resource: %s",
             method);
}

bool s3_is_upload(aws_call *call)
{
    http_request *req = call->req;
    if (strcmp(req->method, "PUT") != 0)
        return false;
    char err[512];
    if (!parse_query(call, err, sizeof err) || aws_form_get(&call->form, "acl"))
        return false;

    /* Only object uploads stream; a PUT naming no key (CreateBucket) keeps its body in memory. */
    const char *path = req->raw_path;
    if (path[0] != '/')
        return false; /* not an S3 path; routing rejects it later */
    char host_bucket[256];
    const char *key_slash = strchr(path + 1, '/');
    return s3_host_bucket(http_request_header(req, "host"), host_bucket, sizeof host_bucket)
               ? strlen(path) > 1
               : (key_slash != NULL && key_slash[1] != '\0');
}

/* Returns true when the request names a subresource this server rejects with 501. */
static bool has_unsupported_subresource(s3_request *r)
{
    for (size_t i = 0; i < sizeof unsupported_subresources / sizeof unsupported_subresources[0]; i++)
        if (s3_query_has(r, unsupported_subresources[i]))
            return true;
    return false;
}

/*
 * Authorizes PutObject or UploadPart from the headers alone: the bucket
 * must exist and the caller must be allowed s3:PutObject on the key.
 * Returns 0, or the HTTP status of the error put in the response. Requests
 * that route elsewhere (CopyObject, subresources) are left to the handler.
 */
static int authorize_upload_early(aws_call *call)
{
    s3_request r = {.call = call};
    r.data_dir = owl_store_data_dir(call->store);
    if (!parse_target(&r)) {
        free(r.key);
        return call->resp->status;
    }
    /* The routes of route_object(): with uploadId a PUT is UploadPart, without any subresource PutObject. */
    bool routed_to_upload = s3_query_has(&r, "uploadId") || !has_subresource(&r);
    if (!r.key || r.key_len == 0 || !routed_to_upload || has_unsupported_subresource(&r) ||
        http_request_header(call->req, "x-amz-copy-source")) {
        free(r.key);
        return 0;
    }

    set_operation(&r, s3_query_has(&r, "uploadId") ? "UploadPart" : "PutObject");
    int status = 0;
    r.db = owl_store_acquire(call->store);
    if (!r.db) {
        s3_internal_error(&r, "opening the state database");
        status = call->resp->status;
    } else {
        if (!s3_require_bucket(&r) || !s3_authorize(&r, "s3:PutObject", r.key, NULL, NULL, 0))
            status = call->resp->status;
        owl_store_release(call->store, r.db);
    }
    s3_bucket_clear(&r.bucket);
    free(r.key);
    return status;
}

int s3_begin(aws_call *call)
{
    recover_once(call->store);
    if (!s3_is_upload(call))
        return 0;
    http_request *req = call->req;
    int status = authorize_upload_early(call);
    if (status != 0)
        return status;

    char err[512];
    s3_spool *spool = s3_spool_new(owl_store_data_dir(call->store), s3_body_digests(req), err,
                                   sizeof err);
    if (!spool) {
        owl_log_error("event=s3_spool_failed request_id=%s error=\"%s\"", req->request_id, err);
        return 0; /* the body stays in memory, under the in-memory limit */
    }
    upload_sink *sink = calloc(1, sizeof *sink);
    if (!sink)
        abort();
    sink->spool = spool;
    req->body_sink = (http_body_sink){upload_sink_write, upload_sink_close, sink};
    req->body_limit = S3_MAX_UPLOAD_BYTES;
    return 0;
}

void s3_handle(aws_call *call)
{
    s3_request r = {.call = call};
    r.data_dir = owl_store_data_dir(call->store);
    recover_once(call->store);
    char err[512];
    if (!parse_query(call, err, sizeof err)) {
        s3_error(&r, 400, "InvalidArgument", "%s", err);
        return;
    }
    if (!parse_target(&r)) {
        free(r.key);
        return;
    }
    for (size_t i = 0; i < sizeof unsupported_subresources / sizeof unsupported_subresources[0]; i++) {
        if (s3_query_has(&r, unsupported_subresources[i])) {
            s3_error(&r, 501, "NotImplemented", "The ?%s subresource is not implemented by this server",
                     unsupported_subresources[i]);
            free(r.key);
            return;
        }
    }

    r.db = owl_store_acquire(call->store);
    const char *method = call->req->method;
    if (!r.bucket_name[0]) {
        if (strcmp(method, "GET") == 0) {
            set_operation(&r, "ListBuckets");
            s3_list_buckets(&r);
        } else {
            s3_error(&r, 405, "MethodNotAllowed", "The specified method is not allowed against this resource: %s",
                     method);
        }
    } else if (r.key && r.key_len > 0) {
        route_object(&r, method);
    } else {
        route_bucket(&r, method);
    }

    /* Never leave a transaction open on a pooled connection. */
    if (!sqlite3_get_autocommit(r.db))
        owl_store_rollback(r.db);
    owl_store_release(call->store, r.db);
    s3_bucket_clear(&r.bucket);
    free(r.key);
}
