/*
 * Object operations: PutObject, GetObject, HeadObject, DeleteObject,
 * DeleteObjects, CopyObject and the object ACL calls, and the reading of
 * upload bodies that PutObject and UploadPart share: aws-chunked decoding
 * (SigV4 streaming payloads) and the x-amz-checksum-* checks.
 *
 * Limits: single PUT bodies up to S3_MAX_UPLOAD_BYTES (5 GiB), keys up to
 * 1024 bytes, user metadata (x-amz-meta-* names and values) up to 2 KB.
 * An aws-chunked body is spooled to disk as received and then decoded in
 * UPLOAD_READ_BLOCK blocks into a second file, so memory stays bounded
 * whatever the size, at the cost of writing the bytes twice.
 */
#include "common/log.h"
#include "common/util.h"
#include "aws/sigv4.h"
#include "iam/account.h"
#include "s3/internal.h"
#include "s3/name.h"
#include "s3/xml.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Request headers that an object keeps and GET returns, besides x-amz-meta-*. */
static const char *const stored_headers[] = {
    "content-type", "content-disposition", "content-language", "cache-control", "expires",
    "x-amz-website-redirect-location",
};

/* Returns the canonical response spelling of a stored header name. */
static const char *response_header_name(const char *name)
{
    static const char *const spelled[] = {
        "Content-Type", "Content-Disposition", "Content-Language", "Cache-Control", "Expires",
        "Content-Encoding",
    };
    for (size_t i = 0; i < sizeof spelled / sizeof spelled[0]; i++)
        if (strcasecmp(spelled[i], name) == 0)
            return spelled[i];
    return name;
}

/* Content-Encoding without the aws-chunked token (S3 drops it), or NULL when nothing is left. */
static char *stored_content_encoding(const char *value)
{
    owl_buf out = OWL_BUF_INIT;
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t trimmed = n;
        while (trimmed > 0 && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed > 0 && !(trimmed == 11 && strncasecmp(p, "aws-chunked", 11) == 0)) {
            if (out.len)
                owl_buf_puts(&out, ",");
            owl_buf_append(&out, p, trimmed);
        }
        p += n;
    }
    if (out.len == 0) {
        owl_buf_free(&out);
        return NULL;
    }
    return owl_buf_detach(&out, NULL);
}

char *s3_object_headers_from_request(s3_request *r)
{
    const http_request *req = r->call->req;
    json_t *headers = json_object();
    size_t metadata_bytes = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header *h = &req->headers[i];
        if (strncmp(h->name, "x-amz-meta-", 11) == 0) {
            metadata_bytes += strlen(h->name) - 11 + strlen(h->value);
            json_object_set_new(headers, h->name, json_string(h->value));
        }
    }
    if (metadata_bytes > S3_MAX_USER_METADATA_BYTES) {
        json_decref(headers);
        s3_error(r, 400, "MetadataTooLarge",
                 "Your metadata headers exceed the maximum allowed metadata size: %zu bytes, the "
                 "maximum is %d", metadata_bytes, S3_MAX_USER_METADATA_BYTES);
        return NULL;
    }
    for (size_t i = 0; i < sizeof stored_headers / sizeof stored_headers[0]; i++) {
        const char *value = http_request_header(req, stored_headers[i]);
        if (value)
            json_object_set_new(headers, response_header_name(stored_headers[i]), json_string(value));
    }
    const char *encoding = http_request_header(req, "content-encoding");
    char *stored_encoding = encoding ? stored_content_encoding(encoding) : NULL;
    if (stored_encoding)
        json_object_set_new(headers, "Content-Encoding", json_string(stored_encoding));
    free(stored_encoding);
    if (!json_object_get(headers, "Content-Type"))
        json_object_set_new(headers, "Content-Type", json_string("binary/octet-stream"));
    char *text = json_dumps(headers, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(headers);
    if (!text)
        abort();
    return text;
}

bool s3_object_commit(s3_request *r, s3_spool *spool, s3_object *object)
{
    char err[512], old_data_id[S3_DATA_ID_LEN + 1] = "";
    if (!s3_spool_commit(spool, object->data_id, err, sizeof err)) {
        owl_log_error("event=s3_commit_failed request_id=%s error=\"%s\"", r->call->req->request_id, err);
        s3_internal_error(r, "storing the object file");
        return false;
    }
    if (owl_store_begin(r->db) != SQLITE_OK ||
        !s3_object_store(r->db, r->bucket_name, object, old_data_id) ||
        owl_store_commit(r->db) != SQLITE_OK) {
        owl_store_rollback(r->db);
        s3_data_remove(r->data_dir, object->data_id);
        s3_internal_error(r, "storing the object metadata");
        return false;
    }
    if (old_data_id[0] && strcmp(old_data_id, object->data_id) != 0)
        s3_data_remove(r->data_dir, old_data_id);
    return true;
}

/* Decodes a base64 Content-MD5 header; returns false when it is not 16 bytes of base64. */
static bool decode_content_md5(const char *value, uint8_t md5[16])
{
    size_t n = strlen(value);
    if (n != 24)
        return false;
    uint8_t out[18];
    int len = EVP_DecodeBlock(out, (const unsigned char *)value, (int)n);
    if (len != 18 || value[22] != '=' || value[23] != '=')
        return false;
    memcpy(md5, out, 16);
    return true;
}

bool s3_object_owner_and_acl(s3_request *r, s3_object *object)
{
    const iam_identity *caller = r->call->identity;
    const char *bucket_owner_id = r->bucket.acl.owner_id;
    char writer_id[65];
    bool known_writer = s3_caller_canonical_id(r, writer_id);
    bool enforced = strcmp(r->bucket.ownership, "BucketOwnerEnforced") == 0;
    const char *canned = http_request_header(r->call->req, "x-amz-acl");
    bool bucket_owner_takes = enforced || (strcmp(r->bucket.ownership, "BucketOwnerPreferred") == 0 &&
                                           canned && strcmp(canned, "bucket-owner-full-control") == 0);
    const char *owner_id = bucket_owner_takes || !known_writer ? bucket_owner_id : writer_id;
    snprintf(object->owner_account, sizeof object->owner_account, "%s",
             bucket_owner_takes || !known_writer ? r->bucket.account_id : caller->account_id);

    bool explicit_acl = false;
    if (!s3_acl_from_headers(r, owner_id, bucket_owner_id, &object->acl, &explicit_acl))
        return false;
    if (enforced && explicit_acl && !(canned && strcmp(canned, "bucket-owner-full-control") == 0) &&
        !s3_acl_is_owner_full_control(&object->acl, bucket_owner_id)) {
        s3_error(r, 400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
        return false;
    }
    if (enforced)
        s3_acl_canned(&object->acl, "private", bucket_owner_id, bucket_owner_id);
    return true;
}

bool s3_check_body_digests(s3_request *r, s3_spool *spool, uint8_t md5[16])
{
    uint8_t sha256[32];
    s3_spool_digests(spool, md5, sha256);
    const char *content_md5 = http_request_header(r->call->req, "content-md5");
    uint8_t expected[16];
    if (content_md5 && !decode_content_md5(content_md5, expected)) {
        s3_error(r, 400, "InvalidDigest", "The Content-MD5 you specified is not valid: %.64s",
                 content_md5);
        return false;
    }
    if (content_md5 && memcmp(expected, md5, 16) != 0) {
        s3_error(r, 400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        return false;
    }
    const char *declared = http_request_header(r->call->req, "x-amz-content-sha256");
    if (declared && strlen(declared) == 64) {
        if (!(s3_spool_digest_set(spool) & S3_SPOOL_SHA256)) {
            /* s3_body_digests() asks for SHA-256 whenever this header is a hash. */
            s3_internal_error(r, "checking x-amz-content-sha256");
            return false;
        }
        char actual[65];
        owl_hex_encode(sha256, 32, actual);
        if (strcasecmp(actual, declared) != 0) {
            s3_error(r, 400, "XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was computed: "
                     "client %s, server %s", declared, actual);
            return false;
        }
    }
    return true;
}

/* --- upload bodies: aws-chunked decoding and additional checksums ------- */

#define UPLOAD_READ_BLOCK (1u << 20)
#define MULTIPLE_CHECKSUMS_MESSAGE \
    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."

/* Returns true when a Content-Encoding list contains the aws-chunked token. */
static bool has_aws_chunked_encoding(const char *value)
{
    for (const char *p = value; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t trimmed = n;
        while (trimmed > 0 && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed == 11 && strncasecmp(p, "aws-chunked", 11) == 0)
            return true;
        p += n;
    }
    return false;
}

/*
 * Checks the headers that declare how the body is framed, before any byte
 * of it is read. Authentication created call->chunked for the two STREAMING-*
 * modes the decoder supports. Returns false after sending an error.
 */
static bool check_upload_framing(s3_request *r)
{
    const http_request *req = r->call->req;
    const char *content_sha256 = http_request_header(req, "x-amz-content-sha256");
    const char *encoding = http_request_header(req, "content-encoding");
    bool streaming = content_sha256 && strncmp(content_sha256, "STREAMING-", 10) == 0;

    if (!r->call->chunked) {
        if (streaming && strcmp(content_sha256, SIGV4_STREAMING_PAYLOAD) == 0) {
            /* Only an anonymous request gets here: chunk signatures chain from a seed signature. */
            s3_error(r, 403, "AccessDenied",
                     "x-amz-content-sha256 %s needs a request signed with an Authorization header",
                     SIGV4_STREAMING_PAYLOAD);
            return false;
        }
        if (streaming) {
            s3_error(r, 501, "NotImplemented",
                     "x-amz-content-sha256 \"%.64s\" is not supported by this server; send "
                     SIGV4_STREAMING_PAYLOAD ", " SIGV4_STREAMING_UNSIGNED_TRAILER ", "
                     SIGV4_UNSIGNED_PAYLOAD " or the hex SHA-256 of the body", content_sha256);
            return false;
        }
        /* NOTE: S3 documents no error for this combination, so 400 InvalidRequest is a guess. */
        if (encoding && has_aws_chunked_encoding(encoding)) {
            s3_error(r, 400, "InvalidRequest",
                     "Content-Encoding aws-chunked needs x-amz-content-sha256 " SIGV4_STREAMING_PAYLOAD
                     " or " SIGV4_STREAMING_UNSIGNED_TRAILER);
            return false;
        }
        return true;
    }

    const char *decoded_length = http_request_header(req, "x-amz-decoded-content-length");
    if (!decoded_length) {
        s3_error(r, 411, "MissingContentLength",
                 "You must provide the Content-Length HTTP header: an aws-chunked body needs "
                 "x-amz-decoded-content-length");
        return false;
    }
    /* At most 18 digits, so the number authentication passed to the decoder did not overflow. */
    size_t digits = strspn(decoded_length, "0123456789");
    if (digits == 0 || digits > 18 || decoded_length[digits] != '\0') {
        s3_error(r, 400, "InvalidArgument",
                 "x-amz-decoded-content-length \"%.32s\" is not a number of bytes", decoded_length);
        return false;
    }
    return true;
}

/*
 * Finds the checksum the request declares: an x-amz-checksum-* header, whose
 * value goes to *header_value, or, in the unsigned trailer mode, the trailer
 * that x-amz-trailer names (*in_trailer set, value known after decoding).
 * Returns false after sending InvalidRequest for several checksums or an
 * unknown trailer.
 */
static bool find_declared_checksum(s3_request *r, s3_checksum_algorithm *algorithm,
                                   const char **header_value, bool *in_trailer)
{
    const http_request *req = r->call->req;
    *algorithm = S3_CHECKSUM_NONE;
    *header_value = NULL;
    *in_trailer = false;
    for (size_t i = 0; i < req->header_count; i++) {
        s3_checksum_algorithm found = s3_checksum_from_header(req->headers[i].name);
        if (found == S3_CHECKSUM_NONE)
            continue;
        if (*algorithm != S3_CHECKSUM_NONE) {
            s3_error(r, 400, "InvalidRequest", MULTIPLE_CHECKSUMS_MESSAGE);
            return false;
        }
        *algorithm = found;
        *header_value = req->headers[i].value;
    }

    const char *content_sha256 = http_request_header(req, "x-amz-content-sha256");
    const char *trailer = http_request_header(req, "x-amz-trailer");
    if (!trailer || !r->call->chunked || !content_sha256 ||
        strcmp(content_sha256, SIGV4_STREAMING_UNSIGNED_TRAILER) != 0)
        return true;
    s3_checksum_algorithm declared = s3_checksum_from_header(trailer);
    if (declared == S3_CHECKSUM_NONE) {
        s3_error(r, 400, "InvalidRequest",
                 "x-amz-trailer \"%.64s\" is not a supported trailer: expected "
                 "x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1 or -sha256", trailer);
        return false;
    }
    if (*algorithm != S3_CHECKSUM_NONE) {
        s3_error(r, 400, "InvalidRequest", MULTIPLE_CHECKSUMS_MESSAGE);
        return false;
    }
    *algorithm = declared;
    *in_trailer = true;
    return true;
}

/*
 * Copies the value of the trailer called name out of the decoder's
 * "name:value\n" lines. Returns false when it is absent or longer than out.
 */
static bool find_trailer(const char *trailers, const char *name, char *out, size_t out_size)
{
    size_t name_len = strlen(name);
    for (const char *line = trailers; *line;) {
        size_t line_len = strcspn(line, "\n");
        if (line_len > name_len && strncmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *value = line + name_len + 1;
            size_t value_len = line_len - name_len - 1;
            while (value_len > 0 && *value == ' ')
                value++, value_len--;
            while (value_len > 0 && value[value_len - 1] == ' ')
                value_len--;
            if (value_len >= out_size)
                return false;
            memcpy(out, value, value_len);
            out[value_len] = '\0';
            return true;
        }
        line += line_len + (line[line_len] == '\n');
    }
    return false;
}

/* State of one pass over the body as received. */
typedef struct upload_reader {
    sigv4_chunked *decoder; /* NULL: the bytes only go through the checksum */
    s3_spool *decoded;      /* receives the decoded bytes when decoder is set */
    s3_checksum *checksum;  /* NULL when the request declares none */
} upload_reader;

/* Data callback of the chunk decoder, reached through aws_call_forward_chunked_data(). */
static int store_decoded(void *ctx, const uint8_t *data, size_t len)
{
    upload_reader *reader = ctx;
    if (reader->checksum)
        s3_checksum_update(reader->checksum, data, len);
    return s3_spool_write(reader->decoded, data, len) ? 0 : -1;
}

/* Sends the S3 error for a failed aws-chunked body. */
static void send_chunked_error(s3_request *r, sigv4_status status, const char *message)
{
    switch (status) {
    case SIGV4_ERR_SIGNATURE:
        s3_error(r, 403, "SignatureDoesNotMatch", "%s", message);
        break;
    case SIGV4_ERR_CALLBACK:
        s3_internal_error(r, "writing the decoded upload to disk");
        break;
    default:
        /* SIGV4_ERR_CHUNK is InvalidRequest, SIGV4_ERR_TRUNCATED IncompleteBody. */
        s3_error(r, 400, sigv4_error_code(status, true, false), "%s", message);
        break;
    }
}

/*
 * Reads the body as received from raw in UPLOAD_READ_BLOCK blocks, through
 * the decoder or else the checksum. Returns false after sending an error.
 */
static bool read_raw_body(s3_request *r, upload_reader *reader, const s3_spool *raw)
{
    int fd = s3_spool_open_read(raw);
    if (fd < 0) {
        owl_log_error("event=s3_spool_read_failed request_id=%s error=\"%s\"",
                      r->call->req->request_id, strerror(errno));
        s3_internal_error(r, "reading the upload back from disk");
        return false;
    }
    uint8_t *block = malloc(UPLOAD_READ_BLOCK);
    if (!block)
        abort();

    sigv4_status status = SIGV4_OK;
    char message[256] = "";
    bool read_failed = false;
    while (status == SIGV4_OK) {
        ssize_t n = read(fd, block, UPLOAD_READ_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            read_failed = n < 0;
            break;
        }
        if (reader->decoder)
            status = sigv4_chunked_feed(reader->decoder, block, (size_t)n, message, sizeof message);
        else
            s3_checksum_update(reader->checksum, block, (size_t)n);
    }
    if (read_failed)
        owl_log_error("event=s3_spool_read_failed request_id=%s error=\"%s\"",
                      r->call->req->request_id, strerror(errno));
    free(block);
    close(fd);

    if (read_failed) {
        s3_internal_error(r, "reading the upload back from disk");
        return false;
    }
    if (status == SIGV4_OK && reader->decoder)
        status = sigv4_chunked_finish(reader->decoder, message, sizeof message);
    if (status != SIGV4_OK) {
        send_chunked_error(r, status, message);
        return false;
    }
    return true;
}

/*
 * Compares the checksum the client sent (expected, base64) with the one
 * computed. Returns false after sending InvalidRequest for a value of the
 * wrong length, or BadDigest.
 */
static bool verify_checksum(s3_request *r, s3_checksum_algorithm algorithm, const char *expected,
                            const char *computed)
{
    if (strlen(expected) != strlen(computed)) {
        s3_error(r, 400, "InvalidRequest", "Value for %s header is invalid.",
                 s3_checksum_header(algorithm));
        return false;
    }
    if (strcmp(expected, computed) != 0) {
        s3_error(r, 400, "BadDigest", "The %s you specified did not match the calculated checksum.",
                 s3_checksum_name(algorithm));
        return false;
    }
    return true;
}

bool s3_upload_read(s3_request *r, s3_upload *upload)
{
    memset(upload, 0, sizeof *upload);
    s3_checksum_algorithm algorithm;
    const char *header_value;
    bool in_trailer;
    if (!check_upload_framing(r) ||
        !find_declared_checksum(r, &algorithm, &header_value, &in_trailer))
        return false;

    bool raw_owned = false;
    s3_spool *raw = s3_body_spool(r, &raw_owned);
    if (!raw)
        return false;
    upload->spool = raw;
    upload->owned = raw_owned;
    upload_reader reader = {.decoder = r->call->chunked};
    if (!reader.decoder && algorithm == S3_CHECKSUM_NONE)
        return true;
    /*
     * NOTE: a plain body with an x-amz-checksum-* header (boto3 1.36 and
     * later send one with every upload over http) is read back once more
     * from disk to compute it. Hashing it in the body sink would save that.
     */

    if (reader.decoder) {
        char err[512];
        reader.decoded = s3_spool_new(r->data_dir, S3_SPOOL_MD5, err, sizeof err);
        if (!reader.decoded) {
            owl_log_error("event=s3_spool_failed request_id=%s error=\"%s\"",
                          r->call->req->request_id, err);
            s3_internal_error(r, "creating the file for the decoded upload");
            return false;
        }
        /* The decoded file replaces the raw one, which is no longer needed. */
        upload->spool = reader.decoded;
        upload->owned = true;
        r->call->chunked_data = store_decoded;
        r->call->chunked_data_ctx = &reader;
    }
    if (algorithm != S3_CHECKSUM_NONE)
        reader.checksum = s3_checksum_new(algorithm);
    bool ok = read_raw_body(r, &reader, raw);
    r->call->chunked_data = NULL;
    r->call->chunked_data_ctx = NULL;
    if (reader.decoded && raw_owned)
        s3_spool_free(raw);

    if (ok && reader.checksum) {
        char computed[S3_CHECKSUM_BASE64_MAX], trailer_value[128];
        s3_checksum_final_base64(reader.checksum, computed);
        const char *expected = header_value;
        if (in_trailer) {
            const char *name = s3_checksum_header(algorithm);
            if (find_trailer(sigv4_chunked_trailers(reader.decoder), name, trailer_value,
                             sizeof trailer_value)) {
                expected = trailer_value;
            } else {
                s3_error(r, 400, "InvalidRequest",
                         "x-amz-trailer names %s, but the body has no such trailer or its value is "
                         "longer than %zu bytes", name, sizeof trailer_value - 1);
                ok = false;
            }
        }
        ok = ok && verify_checksum(r, algorithm, expected, computed);
        if (ok) {
            upload->checksum_algorithm = algorithm;
            memcpy(upload->checksum, computed, sizeof computed);
        }
    }
    s3_checksum_free(reader.checksum);
    return ok;
}

void s3_upload_send_checksum(s3_request *r, const s3_upload *upload)
{
    if (upload->checksum_algorithm != S3_CHECKSUM_NONE)
        http_response_add_header(r->call->resp, s3_checksum_header(upload->checksum_algorithm),
                                 upload->checksum);
}

void s3_upload_clear(s3_upload *upload)
{
    if (upload->owned)
        s3_spool_free(upload->spool);
    memset(upload, 0, sizeof *upload);
}

/* --- PutObject ----------------------------------------------------------- */

static void send_etag(s3_request *r, const char *etag)
{
    char quoted[96];
    snprintf(quoted, sizeof quoted, "\"%s\"", etag);
    http_response_add_header(r->call->resp, "ETag", quoted);
}

void s3_put_object(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:PutObject", r->key, NULL, NULL, 0))
        return;

    s3_object object = {.key = r->key};
    if (!s3_object_owner_and_acl(r, &object))
        return;
    const char *content_md5 = http_request_header(r->call->req, "content-md5");
    uint8_t ignored[16];
    if (content_md5 && !decode_content_md5(content_md5, ignored)) {
        s3_error(r, 400, "InvalidDigest", "The Content-MD5 you specified is not valid: %.64s",
                 content_md5);
        return;
    }
    char *headers = s3_object_headers_from_request(r);
    if (!headers)
        return;

    s3_upload upload;
    uint8_t md5[16];
    if (s3_upload_read(r, &upload) && s3_check_body_digests(r, upload.spool, md5)) {
        owl_hex_encode(md5, 16, object.etag);
        object.size = (int64_t)s3_spool_size(upload.spool);
        object.last_modified_ms = owl_now_ms();
        object.headers = headers;
        if (s3_object_commit(r, upload.spool, &object)) {
            send_etag(r, object.etag);
            s3_upload_send_checksum(r, &upload);
            http_response_set_body(r->call->resp, 200, NULL, "", 0);
        }
    }
    s3_upload_clear(&upload);
    free(headers);
}

/* Parses an RFC 7231 date (IMF-fixdate); returns false when malformed. */
static bool parse_http_date(const char *text, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0')
        return false;
    *out = timegm(&tm);
    return true;
}

/* Returns true when the If-Match / If-None-Match list contains etag (or "*"). */
static bool etag_list_matches(const char *list, const char *etag)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t len = n;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        const char *item = p;
        if (len >= 2 && item[0] == 'W' && item[1] == '/')
            item += 2, len -= 2;
        if (len >= 2 && item[0] == '"' && item[len - 1] == '"')
            item++, len -= 2;
        if ((len == 1 && item[0] == '*') || (len == strlen(etag) && strncmp(item, etag, len) == 0))
            return true;
        p += n;
    }
    return false;
}

/*
 * Evaluates the conditional headers in S3's order. Returns 0 to continue,
 * or 304 / 412.
 */
static int evaluate_conditions(const http_request *req, const s3_object *object)
{
    time_t modified = (time_t)(object->last_modified_ms / 1000), since;
    const char *if_match = http_request_header(req, "if-match");
    const char *if_none_match = http_request_header(req, "if-none-match");
    const char *if_modified_since = http_request_header(req, "if-modified-since");
    const char *if_unmodified_since = http_request_header(req, "if-unmodified-since");

    if (if_match && !etag_list_matches(if_match, object->etag))
        return 412;
    /* If-Unmodified-Since only counts when If-Match is absent (RFC 7232 section 6). */
    if (!if_match && if_unmodified_since && parse_http_date(if_unmodified_since, &since) &&
        modified > since)
        return 412;
    if (if_none_match && etag_list_matches(if_none_match, object->etag))
        return 304;
    if (!if_none_match && if_modified_since && parse_http_date(if_modified_since, &since) &&
        modified <= since)
        return 304;
    return 0;
}

/*
 * Parses a single "bytes=first-last" range against size. Returns 1 with
 * the range set, 0 when the header should be ignored (absent, malformed or
 * several ranges) and -1 when it is unsatisfiable.
 */
static int parse_range(const char *header, int64_t size, int64_t *first, int64_t *last)
{
    if (!header || strncmp(header, "bytes=", 6) != 0 || strchr(header, ','))
        return 0;
    const char *spec = header + 6;
    char *end;
    if (*spec == '-') {
        if (spec[1] < '0' || spec[1] > '9')
            return 0;
        long long suffix = strtoll(spec + 1, &end, 10);
        if (*end != '\0')
            return 0;
        if (suffix == 0 || size == 0)
            return -1;
        *first = suffix >= size ? 0 : size - suffix;
        *last = size - 1;
        return 1;
    }
    if (*spec < '0' || *spec > '9')
        return 0;
    long long start = strtoll(spec, &end, 10);
    if (*end != '-')
        return 0;
    const char *stop_text = end + 1;
    long long stop = size - 1;
    if (*stop_text) {
        if (*stop_text < '0' || *stop_text > '9')
            return 0;
        stop = strtoll(stop_text, &end, 10);
        if (*end != '\0' || stop < start)
            return 0;
    }
    if (start >= size)
        return -1;
    *first = start;
    *last = stop >= size ? size - 1 : stop;
    return 1;
}

static void add_object_headers(s3_request *r, const s3_object *object)
{
    http_response *resp = r->call->resp;
    char date[30];
    owl_time_http((time_t)(object->last_modified_ms / 1000), date);
    http_response_add_header(resp, "Last-Modified", date);
    send_etag(r, object->etag);
    json_t *headers = json_loads(object->headers ? object->headers : "{}", 0, NULL);
    const char *name;
    json_t *value;
    json_object_foreach(headers, name, value) {
        const char *override = NULL;
        if (strcasecmp(name, "Content-Type") == 0)
            override = s3_query(r, "response-content-type");
        else if (strcasecmp(name, "Content-Disposition") == 0)
            override = s3_query(r, "response-content-disposition");
        else if (strcasecmp(name, "Cache-Control") == 0)
            override = s3_query(r, "response-cache-control");
        else if (strcasecmp(name, "Content-Language") == 0)
            override = s3_query(r, "response-content-language");
        else if (strcasecmp(name, "Content-Encoding") == 0)
            override = s3_query(r, "response-content-encoding");
        else if (strcasecmp(name, "Expires") == 0)
            override = s3_query(r, "response-expires");
        http_response_add_header(resp, name, override ? override : json_string_value(value));
    }
    json_decref(headers);
    static const char *const overrides[][2] = {
        {"response-content-disposition", "Content-Disposition"},
        {"response-cache-control", "Cache-Control"},
        {"response-content-language", "Content-Language"},
        {"response-content-encoding", "Content-Encoding"},
        {"response-expires", "Expires"},
    };
    for (size_t i = 0; i < sizeof overrides / sizeof overrides[0]; i++) {
        const char *v = s3_query(r, overrides[i][0]);
        bool already = false;
        for (size_t j = 0; j < resp->header_count; j++)
            already |= strcasecmp(resp->headers[j].name, overrides[i][1]) == 0;
        if (v && !already)
            http_response_add_header(resp, overrides[i][1], v);
    }
    http_response_add_header(resp, "Accept-Ranges", "bytes");
}

/*
 * Sends the error for a key that does not exist: NoSuchKey when the caller
 * may list the bucket, AccessDenied otherwise, so that a caller without
 * s3:ListBucket cannot probe which keys exist.
 */
static void send_missing_key(s3_request *r)
{
    const char *prefix_values[] = {r->key};
    iam_context_key context[] = {{"s3:prefix", prefix_values, 1}};
    if (s3_authorize_quietly(r, "s3:ListBucket", NULL, NULL, context, 1))
        s3_error(r, 404, "NoSuchKey", "The specified key does not exist.");
    else
        s3_error(r, 403, "AccessDenied", "Access Denied");
}

void s3_get_object(s3_request *r, bool head)
{
    if (!s3_require_bucket(r))
        return;
    s3_object object;
    s3_db_status status = s3_object_load(r->db, r->bucket_name, r->key, &object);
    if (status == S3_DB_ERROR) {
        s3_internal_error(r, "loading the object");
        return;
    }
    bool found = status == S3_DB_OK;
    if (!s3_authorize(r, "s3:GetObject", r->key, found ? &object.acl : NULL, NULL, 0)) {
        s3_object_clear(&object);
        return;
    }
    if (!found) {
        send_missing_key(r);
        return;
    }
    if (s3_query_has(r, "partNumber")) {
        s3_error(r, 501, "NotImplemented", "GetObject with partNumber is not implemented by this server");
        s3_object_clear(&object);
        return;
    }

    int condition = evaluate_conditions(r->call->req, &object);
    if (condition == 412) {
        s3_error(r, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        s3_object_clear(&object);
        return;
    }
    if (condition == 304) {
        char date[30];
        owl_time_http((time_t)(object.last_modified_ms / 1000), date);
        http_response_add_header(r->call->resp, "Last-Modified", date);
        send_etag(r, object.etag);
        http_response_set_body(r->call->resp, 304, NULL, "", 0);
        s3_object_clear(&object);
        return;
    }
    int64_t first = 0, last = object.size - 1;
    int range = parse_range(http_request_header(r->call->req, "range"), object.size, &first, &last);
    if (range < 0) {
        s3_error(r, 416, "InvalidRange", "The requested range is not satisfiable: object size is %lld bytes",
                 (long long)object.size);
        char content_range[64];
        snprintf(content_range, sizeof content_range, "bytes */%lld", (long long)object.size);
        http_response_add_header(r->call->resp, "Content-Range", content_range);
        s3_object_clear(&object);
        return;
    }

    int fd = object.size > 0 ? s3_data_open(r->data_dir, object.data_id) : -1;
    if (object.size > 0 && fd < 0) {
        owl_log_error("event=s3_data_missing request_id=%s data_id=%s error=\"%s\"",
                      r->call->req->request_id, object.data_id, strerror(errno));
        s3_internal_error(r, "opening the object file");
        s3_object_clear(&object);
        return;
    }
    add_object_headers(r, &object);
    int status_code = 200;
    if (range > 0) {
        char content_range[96];
        snprintf(content_range, sizeof content_range, "bytes %lld-%lld/%lld", (long long)first,
                 (long long)last, (long long)object.size);
        http_response_add_header(r->call->resp, "Content-Range", content_range);
        status_code = 206;
    }
    uint64_t length = object.size > 0 ? (uint64_t)(last - first + 1) : 0;
    if (fd >= 0)
        http_response_set_body_fd(r->call->resp, status_code, fd, (uint64_t)first, length);
    else
        http_response_set_body(r->call->resp, status_code, NULL, "", 0);
    (void)head; /* HEAD shares GET's headers; the HTTP server omits the body. */
    s3_object_clear(&object);
}

void s3_delete_object(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:DeleteObject", r->key, NULL, NULL, 0))
        return;
    char old_data_id[S3_DATA_ID_LEN + 1] = "";
    if (owl_store_begin(r->db) != SQLITE_OK ||
        !s3_object_remove(r->db, r->bucket_name, r->key, old_data_id) ||
        owl_store_commit(r->db) != SQLITE_OK) {
        owl_store_rollback(r->db);
        s3_internal_error(r, "deleting the object");
        return;
    }
    if (old_data_id[0])
        s3_data_remove(r->data_dir, old_data_id);
    http_response_set_body(r->call->resp, 204, NULL, "", 0);
}

void s3_delete_objects(s3_request *r)
{
    if (!s3_require_bucket(r))
        return;
    const owl_buf *body = &r->call->req->body;
    const char *content_md5 = http_request_header(r->call->req, "content-md5");
    if (content_md5) {
        uint8_t expected[16], actual[16];
        if (!decode_content_md5(content_md5, expected)) {
            s3_error(r, 400, "InvalidDigest", "The Content-MD5 you specified is not valid: %.64s", content_md5);
            return;
        }
        EVP_Digest(body->data ? body->data : "", body->len, actual, NULL, EVP_md5(), NULL);
        if (memcmp(expected, actual, 16) != 0) {
            s3_error(r, 400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
            return;
        }
    }
    s3_delete_request request;
    char err[256];
    if (!s3_xml_parse_delete(body->data, body->len, &request, err, sizeof err)) {
        s3_error(r, 400, "MalformedXML", "%s", err);
        return;
    }

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<DeleteResult xmlns=\"" S3_XMLNS "\">");
    for (size_t i = 0; i < request.count; i++) {
        const char *key = request.keys[i];
        const char *code = NULL, *message = NULL;
        char old_data_id[S3_DATA_ID_LEN + 1] = "";
        if (s3_key_check(key, strlen(key)) != S3_KEY_OK) {
            code = "InvalidArgument", message = "Invalid key";
        } else if (!s3_authorize_quietly(r, "s3:DeleteObject", key, NULL, NULL, 0)) {
            code = "AccessDenied", message = "Access Denied";
        } else if (owl_store_begin(r->db) != SQLITE_OK ||
                   !s3_object_remove(r->db, r->bucket_name, key, old_data_id) ||
                   owl_store_commit(r->db) != SQLITE_OK) {
            owl_store_rollback(r->db);
            code = "InternalError", message = "We encountered an internal error. Please try again.";
        } else if (old_data_id[0]) {
            s3_data_remove(r->data_dir, old_data_id);
        }
        if (code) {
            owl_buf_puts(&xml, "<Error><Key>");
            s3_xml_text(&xml, key);
            owl_buf_printf(&xml, "</Key><Code>%s</Code><Message>%s</Message></Error>", code, message);
        } else if (!request.quiet) {
            owl_buf_puts(&xml, "<Deleted><Key>");
            s3_xml_text(&xml, key);
            owl_buf_puts(&xml, "</Key></Deleted>");
        }
    }
    owl_buf_puts(&xml, "</DeleteResult>");
    s3_delete_request_free(&request);
    s3_reset_response(r);
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
}

/* Splits x-amz-copy-source ("[/]bucket/key[?versionId=...]") into a request for the source. */
static bool parse_copy_source(s3_request *r, s3_request *source)
{
    const char *header = http_request_header(r->call->req, "x-amz-copy-source");
    const char *p = header[0] == '/' ? header + 1 : header;
    size_t len = strcspn(p, "?");
    size_t decoded_len;
    char *decoded = owl_percent_decode(p, len, false, &decoded_len);
    char *slash = decoded ? strchr(decoded, '/') : NULL;
    if (!slash || slash == decoded || slash[1] == '\0' || strlen(decoded) != decoded_len ||
        (size_t)(slash - decoded) >= sizeof source->bucket_name ||
        s3_key_check(slash + 1, strlen(slash + 1)) != S3_KEY_OK) {
        free(decoded);
        s3_error(r, 400, "InvalidArgument",
                 "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
        return false;
    }
    *slash = '\0';
    snprintf(source->bucket_name, sizeof source->bucket_name, "%s", decoded);
    source->key = strdup(slash + 1);
    source->key_len = strlen(slash + 1);
    free(decoded);
    if (!source->key)
        abort();
    return true;
}

void s3_copy_object(s3_request *r)
{
    s3_request source = {.call = r->call, .db = r->db, .data_dir = r->data_dir};
    if (!parse_copy_source(r, &source))
        return;
    s3_object src;
    memset(&src, 0, sizeof src);
    s3_object object = {.key = r->key};
    char *headers = NULL;
    s3_spool *spool = NULL;
    int fd = -1;
    char *buffer = NULL;

    if (!s3_require_bucket(&source) || !s3_require_bucket(r))
        goto done;
    s3_db_status status = s3_object_load(r->db, source.bucket_name, source.key, &src);
    if (status == S3_DB_ERROR) {
        s3_internal_error(r, "loading the source object");
        goto done;
    }
    if (!s3_authorize(&source, "s3:GetObject", source.key, status == S3_DB_OK ? &src.acl : NULL,
                      NULL, 0))
        goto done;
    if (status == S3_DB_NOT_FOUND) {
        send_missing_key(&source);
        goto done;
    }
    if (!s3_authorize(r, "s3:PutObject", r->key, NULL, NULL, 0))
        goto done;

    const char *directive = http_request_header(r->call->req, "x-amz-metadata-directive");
    bool replace = directive && strcmp(directive, "REPLACE") == 0;
    if (directive && !replace && strcmp(directive, "COPY") != 0) {
        s3_error(r, 400, "InvalidArgument", "Unknown metadata directive \"%.32s\": expected COPY or REPLACE",
                 directive);
        goto done;
    }
    if (!replace && strcmp(source.bucket_name, r->bucket_name) == 0 && strcmp(source.key, r->key) == 0) {
        s3_error(r, 400, "InvalidRequest",
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect "
                 "location or encryption attributes.");
        goto done;
    }
    if (!s3_object_owner_and_acl(r, &object))
        goto done;
    headers = replace ? s3_object_headers_from_request(r) : strdup(src.headers);
    if (!headers)
        goto done;

    char err[512];
    spool = s3_spool_new(r->data_dir, S3_SPOOL_MD5, err, sizeof err);
    fd = src.size > 0 ? s3_data_open(r->data_dir, src.data_id) : -1;
    if (!spool || (src.size > 0 && fd < 0)) {
        s3_internal_error(r, "opening the object files for the copy");
        goto done;
    }
    buffer = malloc(1 << 20);
    if (!buffer)
        abort();
    for (ssize_t n; fd >= 0 && (n = read(fd, buffer, 1 << 20)) != 0;) {
        if (n < 0 || !s3_spool_write(spool, buffer, (size_t)n)) {
            s3_internal_error(r, "copying the object data");
            goto done;
        }
    }
    uint8_t md5[16], sha256[32];
    s3_spool_digests(spool, md5, sha256);
    owl_hex_encode(md5, 16, object.etag);
    object.size = (int64_t)s3_spool_size(spool);
    object.last_modified_ms = owl_now_ms();
    object.headers = headers;
    if (!s3_object_commit(r, spool, &object))
        goto done;

    char modified[32];
    s3_format_time(object.last_modified_ms, modified);
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_printf(&xml, S3_XML_DECLARATION "<CopyObjectResult xmlns=\"" S3_XMLNS "\">"
                         "<LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag></CopyObjectResult>",
                   modified, object.etag);
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);

done:
    free(buffer);
    if (fd >= 0)
        close(fd);
    s3_spool_free(spool);
    free(headers);
    s3_object_clear(&src);
    s3_bucket_clear(&source.bucket);
    free(source.key);
}

void s3_get_object_acl(s3_request *r)
{
    if (!s3_require_bucket(r))
        return;
    s3_object object;
    s3_db_status status = s3_object_load(r->db, r->bucket_name, r->key, &object);
    if (status == S3_DB_ERROR) {
        s3_internal_error(r, "loading the object");
        return;
    }
    if (!s3_authorize(r, "s3:GetObjectAcl", r->key, status == S3_DB_OK ? &object.acl : NULL, NULL, 0)) {
        s3_object_clear(&object);
        return;
    }
    if (status == S3_DB_NOT_FOUND) {
        send_missing_key(r);
        return;
    }
    char canonical[65], name[128];
    s3_canonical_id(r->db, object.owner_account, canonical, name, sizeof name);
    owl_buf xml = OWL_BUF_INIT;
    s3_acl_to_xml(&object.acl, name, &xml);
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
    s3_object_clear(&object);
}

void s3_put_object_acl(s3_request *r)
{
    if (!s3_require_bucket(r))
        return;
    s3_object object;
    s3_db_status status = s3_object_load(r->db, r->bucket_name, r->key, &object);
    if (status == S3_DB_ERROR) {
        s3_internal_error(r, "loading the object");
        return;
    }
    if (!s3_authorize(r, "s3:PutObjectAcl", r->key, status == S3_DB_OK ? &object.acl : NULL, NULL, 0)) {
        s3_object_clear(&object);
        return;
    }
    if (status == S3_DB_NOT_FOUND) {
        send_missing_key(r);
        return;
    }

    s3_acl acl;
    bool explicit_acl = false;
    const owl_buf *body = &r->call->req->body;
    char err[256];
    bool ok = s3_acl_from_headers(r, object.acl.owner_id, r->bucket.acl.owner_id, &acl, &explicit_acl);
    if (ok && !explicit_acl) {
        ok = s3_xml_parse_acl(body->data, body->len, &acl, err, sizeof err);
        if (!ok)
            s3_error(r, 400, "MalformedACLError", "The XML you provided was not well-formed or did "
                     "not validate against our published schema: %s", err);
        else
            snprintf(acl.owner_id, sizeof acl.owner_id, "%s", object.acl.owner_id);
    }
    const char *canned = http_request_header(r->call->req, "x-amz-acl");
    if (ok && strcmp(r->bucket.ownership, "BucketOwnerEnforced") == 0 &&
        !(canned && strcmp(canned, "bucket-owner-full-control") == 0) &&
        !s3_acl_is_owner_full_control(&acl, r->bucket.acl.owner_id)) {
        s3_error(r, 400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
        ok = false;
    }
    if (ok) {
        owl_buf json = OWL_BUF_INIT;
        s3_acl_to_json(&acl, &json);
        const char *params[] = {json.data, r->bucket_name, r->key};
        if (owl_store_begin(r->db) != SQLITE_OK ||
            owl_store_exec(r->db, "UPDATE s3_objects SET acl = ? WHERE bucket = ? AND key = ?", 3,
                           params) != SQLITE_OK ||
            owl_store_commit(r->db) != SQLITE_OK) {
            owl_store_rollback(r->db);
            s3_internal_error(r, "updating the object ACL");
        } else {
            http_response_set_body(r->call->resp, 200, NULL, "", 0);
        }
        owl_buf_free(&json);
    }
    s3_object_clear(&object);
}
