/*
 * Shared by the S3 handler files: the per-request context, bucket and
 * object rows, authorization and response helpers.
 */
#ifndef OWL_S3_INTERNAL_H
#define OWL_S3_INTERNAL_H

#include "aws/call.h"
#include "common/buf.h"
#include "iam/authorize.h"
#include "s3/acl.h"
#include "s3/list.h"
#include "s3/storage.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_XML_DECLARATION "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define S3_DEFAULT_REGION "us-east-1"
/* Smallest part other than the last one of a multipart upload: 5 MiB. */
#define S3_MIN_PART_BYTES (5ull << 20)
/* Largest total size of x-amz-meta-* names and values. */
#define S3_MAX_USER_METADATA_BYTES 2048

typedef struct s3_bucket {
    char name[64];
    char account_id[16];
    char region[64];
    int64_t created_ms;
    /* BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter, or "" without controls. */
    char ownership[32];
    s3_acl acl;
    char *policy; /* malloc'ed JSON, or NULL */
} s3_bucket;

typedef struct s3_object {
    char *key;
    char data_id[S3_DATA_ID_LEN + 1];
    int64_t size;
    char etag[80]; /* without quotes */
    int64_t last_modified_ms;
    char *headers; /* JSON object of the headers GET returns, malloc'ed */
    s3_acl acl;
    char owner_account[16];
} s3_object;

typedef struct s3_request {
    aws_call *call;
    sqlite3 *db;
    const char *data_dir;
    /* Bucket named by the request (percent-decoded), "" for service calls. */
    char bucket_name[256];
    /* Object key (percent-decoded), or NULL when the request names none. */
    char *key;
    size_t key_len;
    s3_bucket bucket;
    bool bucket_loaded;
} s3_request;

typedef enum s3_db_status { S3_DB_OK, S3_DB_NOT_FOUND, S3_DB_ERROR } s3_db_status;

/* --- rows (meta.c) --- */
s3_db_status s3_bucket_load(sqlite3 *db, const char *name, s3_bucket *bucket);
void s3_bucket_clear(s3_bucket *bucket);
s3_db_status s3_object_load(sqlite3 *db, const char *bucket, const char *key, s3_object *object);
void s3_object_clear(s3_object *object);
/*
 * Inserts or replaces an object row inside the caller's transaction and
 * copies the data id of the replaced row, if any, to old_data_id ("" when none).
 */
bool s3_object_store(sqlite3 *db, const char *bucket, const s3_object *object,
                     char old_data_id[S3_DATA_ID_LEN + 1]);
/* Deletes an object row; old_data_id as for s3_object_store. */
bool s3_object_remove(sqlite3 *db, const char *bucket, const char *key,
                      char old_data_id[S3_DATA_ID_LEN + 1]);
/* Seek callback of s3_list_run over the objects of the bucket arg points at. */
typedef struct s3_seek_arg {
    sqlite3 *db;
    const char *bucket;
    bool failed;
} s3_seek_arg;
bool s3_object_seek(void *arg, const char *from, bool exclusive, s3_list_entry *entry);
/* Returns the canonical user ID of an account in out (65 bytes); false when unknown. */
bool s3_canonical_id(sqlite3 *db, const char *account_id, char out[65], char *name,
                     size_t name_len);

/* --- helpers (s3.c) --- */
/* Drops the response built so far, keeping only the x-amz-request-id and x-amz-id-2 headers. */
void s3_reset_response(s3_request *r);
void s3_error(s3_request *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Logs and sends a 500 InternalError; failed_step names the step, e.g. "storing the object file". */
void s3_internal_error(s3_request *r, const char *failed_step);
/* Loads the request's bucket; sends NoSuchBucket or InternalError and returns false. */
bool s3_require_bucket(s3_request *r);
/*
 * Authorizes action on the bucket (key NULL) or on one of its objects.
 * object_acl is the object's ACL for object ACL checks, or NULL. context
 * carries condition keys such as s3:prefix. Sends AccessDenied on denial.
 */
bool s3_authorize(s3_request *r, const char *action, const char *key, const s3_acl *object_acl,
                  const iam_context_key *context, size_t context_count);
/* Authorization checked without sending an error (the response is reset on denial). */
bool s3_authorize_quietly(s3_request *r, const char *action, const char *key,
                          const s3_acl *object_acl, const iam_context_key *context,
                          size_t context_count);
const char *s3_query(const s3_request *r, const char *name);
bool s3_query_has(const s3_request *r, const char *name);
/* Sends an XML document with status 200. */
void s3_send_xml(s3_request *r, owl_buf *body);
/* Returns the caller's canonical ID in out, or false for an anonymous caller. */
bool s3_caller_canonical_id(s3_request *r, char out[65]);
/*
 * Returns the request body as a spool: the one the body sink filled, or a
 * new one with the in-memory body. Returns NULL after sending an error.
 * The caller frees it unless it came from the sink (*owned false).
 */
s3_spool *s3_body_spool(s3_request *r, bool *owned);
/*
 * Returns the digests (S3_SPOOL_* flags) a spool of the request body needs:
 * none for an aws-chunked body, whose digests are taken after decoding,
 * else MD5 for the ETag and SHA-256 only when x-amz-content-sha256 is a
 * hash to check.
 */
unsigned s3_body_digests(const http_request *req);
/* Formats an epoch-milliseconds time as S3's 2026-12-04T19:50:01.000Z. */
void s3_format_time(int64_t ms, char out[32]);
/*
 * Builds the ACL of a new object or bucket from x-amz-acl or x-amz-grant-*
 * headers (private when neither is present). Sets *explicit_acl when a
 * header was given. Returns false after sending InvalidArgument.
 */
bool s3_acl_from_headers(s3_request *r, const char *owner_id, const char *bucket_owner_id,
                         s3_acl *acl, bool *explicit_acl);

/* --- handlers --- */
void s3_list_buckets(s3_request *r);
void s3_create_bucket(s3_request *r);
void s3_head_bucket(s3_request *r);
void s3_delete_bucket(s3_request *r);
void s3_get_bucket_location(s3_request *r);
void s3_put_bucket_policy(s3_request *r);
void s3_get_bucket_policy(s3_request *r);
void s3_delete_bucket_policy(s3_request *r);
void s3_get_bucket_acl(s3_request *r);
void s3_put_bucket_acl(s3_request *r);
void s3_put_ownership_controls(s3_request *r);
void s3_get_ownership_controls(s3_request *r);
void s3_delete_ownership_controls(s3_request *r);
void s3_list_objects(s3_request *r, bool v2);
/* Parses a max-keys style parameter (default and cap 1000); returns false after sending InvalidArgument. */
bool s3_parse_max_keys(s3_request *r, const char *name, int *out);

void s3_put_object(s3_request *r);
void s3_get_object(s3_request *r, bool head);
void s3_delete_object(s3_request *r);
void s3_delete_objects(s3_request *r);
void s3_copy_object(s3_request *r);
void s3_get_object_acl(s3_request *r);
void s3_put_object_acl(s3_request *r);
/*
 * Collects the headers a GET returns (Content-Type, x-amz-meta-*, ...) from
 * the request as a JSON object text (malloc'ed). Returns NULL after sending
 * MetadataTooLarge.
 */
char *s3_object_headers_from_request(s3_request *r);
/*
 * Commits an object: makes spool durable, stores the row and removes the
 * file of the object it replaced. Returns false after sending an error.
 */
bool s3_object_commit(s3_request *r, s3_spool *spool, s3_object *object);
/*
 * Checks the uploaded body against Content-MD5 and a hex x-amz-content-sha256,
 * and fills md5. Returns false after sending InvalidDigest, BadDigest or
 * XAmzContentSHA256Mismatch.
 */
bool s3_check_body_digests(s3_request *r, s3_spool *spool, uint8_t md5[16]);
/*
 * Decides owner and ACL of an object written by the caller, following the
 * bucket's ownership setting. Returns false after sending an error.
 */
bool s3_object_owner_and_acl(s3_request *r, s3_object *object);

/* The bytes of an upload (PutObject, UploadPart), filled by s3_upload_read(). */
typedef struct s3_upload {
    s3_spool *spool;
    bool owned; /* s3_upload_clear() frees the spool; false for the body sink's spool */
    /* The checksum the request declared and the server verified; S3_CHECKSUM_NONE when none. */
    s3_checksum_algorithm checksum_algorithm;
    char checksum[S3_CHECKSUM_BASE64_MAX]; /* base64, as in x-amz-checksum-* */
} s3_upload;
/*
 * Reads the body of an upload into upload->spool: the body as received or,
 * for an aws-chunked body (x-amz-content-sha256 STREAMING-*), its decoded
 * data after every chunk signature and the x-amz-decoded-content-length
 * checked out. Verifies an x-amz-checksum-* header or trailer against the
 * data. Returns false after sending an error: MissingContentLength (411),
 * SignatureDoesNotMatch (403), IncompleteBody, InvalidRequest, InvalidArgument
 * or BadDigest (400), NotImplemented (501) for STREAMING-* modes the server
 * does not decode. Call s3_upload_clear() after either result.
 */
bool s3_upload_read(s3_request *r, s3_upload *upload);
/* Adds the x-amz-checksum-* response header of a verified checksum, if there is one. */
void s3_upload_send_checksum(s3_request *r, const s3_upload *upload);
void s3_upload_clear(s3_upload *upload);

void s3_create_multipart_upload(s3_request *r);
void s3_upload_part(s3_request *r);
void s3_complete_multipart_upload(s3_request *r);
void s3_abort_multipart_upload(s3_request *r);
void s3_list_parts(s3_request *r);
void s3_list_multipart_uploads(s3_request *r);

#endif
