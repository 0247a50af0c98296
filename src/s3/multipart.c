/*
 * Multipart uploads: CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts and
 * ListMultipartUploads.
 *
 * Each part is its own object file. Completion copies the chosen parts
 * into one new object file with copy_file_range, so usually no data
 * passes through user space. The object gets S3's multipart ETag: the MD5
 * of the concatenated binary part MD5s, "-", the part count. Parts other than the
 * last must be at least 5 MiB (EntityTooSmall); at most 10000 parts.
 */
#include "common/log.h"
#include "common/util.h"
#include "s3/internal.h"
#include "s3/name.h"
#include "s3/xml.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct upload_row {
    char upload_id[40];
    char key[S3_KEY_MAX + 1];
    int64_t initiated_ms;
    char *headers;
    char *acl;
    char owner_account[16];
} upload_row;

static void upload_row_clear(upload_row *row)
{
    free(row->headers);
    free(row->acl);
    memset(row, 0, sizeof *row);
}

/* Loads the upload named by ?uploadId for the request's bucket and key; sends NoSuchUpload. */
static bool load_upload(s3_request *r, upload_row *row)
{
    memset(row, 0, sizeof *row);
    const char *upload_id = s3_query(r, "uploadId");
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT upload_id, key, initiated_ms, headers, acl, owner_account "
                                  "FROM s3_uploads WHERE upload_id = ? AND bucket = ? AND key = ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        s3_internal_error(r, "loading the upload");
        return false;
    }
    sqlite3_bind_text(stmt, 1, upload_id ? upload_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, r->bucket_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, r->key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        snprintf(row->upload_id, sizeof row->upload_id, "%s", sqlite3_column_text(stmt, 0));
        snprintf(row->key, sizeof row->key, "%s", sqlite3_column_text(stmt, 1));
        row->initiated_ms = sqlite3_column_int64(stmt, 2);
        row->headers = strdup((const char *)sqlite3_column_text(stmt, 3));
        row->acl = strdup((const char *)sqlite3_column_text(stmt, 4));
        snprintf(row->owner_account, sizeof row->owner_account, "%s", sqlite3_column_text(stmt, 5));
    }
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        s3_error(r, 404, "NoSuchUpload", "The specified multipart upload does not exist. The upload ID "
                 "may be invalid, or the upload may have been aborted or completed.");
    else
        s3_internal_error(r, "loading the upload");
    return false;
}

void s3_create_multipart_upload(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:PutObject", r->key, NULL, NULL, 0))
        return;
    s3_object object = {.key = r->key};
    if (!s3_object_owner_and_acl(r, &object))
        return;
    char *headers = s3_object_headers_from_request(r);
    if (!headers)
        return;

    char upload_id[40], initiated[24];
    uint8_t random[16];
    owl_random_bytes(random, sizeof random);
    owl_hex_encode(random, sizeof random, upload_id);
    snprintf(initiated, sizeof initiated, "%lld", (long long)owl_now_ms());
    owl_buf acl = OWL_BUF_INIT;
    s3_acl_to_json(&object.acl, &acl);
    const char *params[] = {upload_id, r->bucket_name, r->key, initiated, headers, acl.data,
                            object.owner_account};
    bool ok = owl_store_begin(r->db) == SQLITE_OK &&
              owl_store_exec(r->db, "INSERT INTO s3_uploads (upload_id, bucket, key, initiated_ms, "
                                    "headers, acl, owner_account) VALUES (?, ?, ?, CAST(? AS INTEGER), ?, ?, ?)",
                             7, params) == SQLITE_OK &&
              owl_store_commit(r->db) == SQLITE_OK;
    owl_buf_free(&acl);
    free(headers);
    if (!ok) {
        owl_store_rollback(r->db);
        s3_internal_error(r, "creating the upload");
        return;
    }
    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<InitiateMultipartUploadResult xmlns=\"" S3_XMLNS "\"><Bucket>");
    s3_xml_text(&xml, r->bucket_name);
    owl_buf_puts(&xml, "</Bucket><Key>");
    s3_xml_text(&xml, r->key);
    owl_buf_printf(&xml, "</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>", upload_id);
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
}

/* Parses ?partNumber; returns false after sending InvalidArgument. */
static bool parse_part_number(s3_request *r, int *out)
{
    const char *text = s3_query(r, "partNumber");
    char *end;
    long value = text ? strtol(text, &end, 10) : 0;
    if (!text || *text == '\0' || *end != '\0' || value < 1 || value > S3_MAX_PARTS) {
        s3_error(r, 400, "InvalidArgument", "Part number must be an integer between 1 and %d, inclusive",
                 S3_MAX_PARTS);
        return false;
    }
    *out = (int)value;
    return true;
}

void s3_upload_part(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:PutObject", r->key, NULL, NULL, 0))
        return;
    int part_number;
    upload_row upload;
    if (!parse_part_number(r, &part_number) || !load_upload(r, &upload))
        return;

    s3_upload body;
    uint8_t md5[16];
    char etag[33], data_id[S3_DATA_ID_LEN + 1], err[512], old_data_id[S3_DATA_ID_LEN + 1] = "";
    if (!s3_upload_read(r, &body) || !s3_check_body_digests(r, body.spool, md5))
        goto done;
    owl_hex_encode(md5, 16, etag);
    if (!s3_spool_commit(body.spool, data_id, err, sizeof err)) {
        owl_log_error("event=s3_commit_failed request_id=%s error=\"%s\"", r->call->req->request_id, err);
        s3_internal_error(r, "storing the part file");
        goto done;
    }

    char number[16], size[24], modified[24];
    snprintf(number, sizeof number, "%d", part_number);
    snprintf(size, sizeof size, "%llu", (unsigned long long)s3_spool_size(body.spool));
    snprintf(modified, sizeof modified, "%lld", (long long)owl_now_ms());
    const char *params[] = {upload.upload_id, number, data_id, size, etag, modified};
    sqlite3_stmt *stmt = NULL;
    bool ok = owl_store_begin(r->db) == SQLITE_OK &&
              sqlite3_prepare_v2(r->db, "SELECT data_id FROM s3_parts WHERE upload_id = ? AND part_number = ?",
                                 -1, &stmt, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(stmt, 1, upload.upload_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 2, part_number);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            snprintf(old_data_id, sizeof old_data_id, "%s", sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    ok = ok && owl_store_exec(r->db, "INSERT OR REPLACE INTO s3_parts (upload_id, part_number, data_id, "
                                     "size, etag, last_modified_ms) VALUES (?, CAST(? AS INTEGER), ?, "
                                     "CAST(? AS INTEGER), ?, CAST(? AS INTEGER))", 6, params) == SQLITE_OK &&
         owl_store_commit(r->db) == SQLITE_OK;
    if (!ok) {
        owl_store_rollback(r->db);
        s3_data_remove(r->data_dir, data_id);
        s3_internal_error(r, "storing the part");
        goto done;
    }
    if (old_data_id[0])
        s3_data_remove(r->data_dir, old_data_id);
    char quoted[40];
    snprintf(quoted, sizeof quoted, "\"%s\"", etag);
    http_response_add_header(r->call->resp, "ETag", quoted);
    s3_upload_send_checksum(r, &body);
    http_response_set_body(r->call->resp, 200, NULL, "", 0);

done:
    s3_upload_clear(&body);
    upload_row_clear(&upload);
}

typedef struct part_row {
    int part_number;
    char data_id[S3_DATA_ID_LEN + 1];
    int64_t size;
    char etag[40];
    int64_t last_modified_ms;
} part_row;

/* Loads the parts of an upload in part-number order, from `after` on, at most limit (0: all). */
static bool load_parts(s3_request *r, const char *upload_id, int after, int limit, part_row **out,
                       size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT part_number, data_id, size, etag, last_modified_ms FROM s3_parts "
                                  "WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return false;
    }
    sqlite3_bind_text(stmt, 1, upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, after);
    sqlite3_bind_int(stmt, 3, limit > 0 ? limit : -1);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        *out = realloc(*out, (*count + 1) * sizeof **out);
        if (!*out)
            abort();
        part_row *p = &(*out)[(*count)++];
        p->part_number = sqlite3_column_int(stmt, 0);
        snprintf(p->data_id, sizeof p->data_id, "%s", sqlite3_column_text(stmt, 1));
        p->size = sqlite3_column_int64(stmt, 2);
        snprintf(p->etag, sizeof p->etag, "%s", sqlite3_column_text(stmt, 3));
        p->last_modified_ms = sqlite3_column_int64(stmt, 4);
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE;
}

static const part_row *find_part(const part_row *parts, size_t count, int number)
{
    for (size_t i = 0; i < count; i++)
        if (parts[i].part_number == number)
            return &parts[i];
    return NULL;
}

/* Deletes an upload's rows inside the caller's transaction. */
static bool delete_upload_rows(sqlite3 *db, const char *upload_id)
{
    const char *params[] = {upload_id};
    return owl_store_exec(db, "DELETE FROM s3_parts WHERE upload_id = ?", 1, params) == SQLITE_OK &&
           owl_store_exec(db, "DELETE FROM s3_uploads WHERE upload_id = ?", 1, params) == SQLITE_OK;
}

void s3_complete_multipart_upload(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:PutObject", r->key, NULL, NULL, 0))
        return;
    upload_row upload;
    if (!load_upload(r, &upload))
        return;
    s3_complete_request request = {0};
    part_row *parts = NULL;
    size_t part_count = 0;
    s3_spool *spool = NULL;
    char err[512];
    const owl_buf *body = &r->call->req->body;

    if (!s3_xml_parse_complete(body->data, body->len, &request, err, sizeof err)) {
        s3_error(r, 400, "MalformedXML", "%s", err);
        goto done;
    }
    if (!load_parts(r, upload.upload_id, 0, 0, &parts, &part_count)) {
        s3_internal_error(r, "loading the parts");
        goto done;
    }
    EVP_MD_CTX *etag_md5 = EVP_MD_CTX_new();
    if (!etag_md5 || !EVP_DigestInit_ex(etag_md5, EVP_md5(), NULL))
        abort();
    bool valid = true;
    for (size_t i = 1; valid && i < request.count; i++) {
        if (request.parts[i].part_number <= request.parts[i - 1].part_number) {
            s3_error(r, 400, "InvalidPartOrder", "The list of parts was not in ascending order. The "
                     "parts list must be specified in order by part number.");
            valid = false;
        }
    }
    for (size_t i = 0; valid && i < request.count; i++) {
        const s3_complete_part *want = &request.parts[i];
        const part_row *have = find_part(parts, part_count, want->part_number);
        uint8_t md5[16];
        if (!have || strcasecmp(have->etag, want->etag) != 0 || !owl_hex_decode(have->etag, md5, 16)) {
            s3_error(r, 400, "InvalidPart", "One or more of the specified parts could not be found. The "
                     "part may not have been uploaded, or the specified entity tag may not match the "
                     "part's entity tag: part %d", want->part_number);
            valid = false;
            break;
        }
        if (i + 1 < request.count && (uint64_t)have->size < S3_MIN_PART_BYTES) {
            s3_error(r, 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum "
                     "allowed object size: part %d is %lld bytes, every part but the last must be at "
                     "least %llu bytes", want->part_number, (long long)have->size,
                     (unsigned long long)S3_MIN_PART_BYTES);
            valid = false;
            break;
        }
        EVP_DigestUpdate(etag_md5, md5, 16);
    }
    uint8_t digest[16];
    EVP_DigestFinal_ex(etag_md5, digest, NULL);
    EVP_MD_CTX_free(etag_md5);
    if (!valid)
        goto done;

    spool = s3_spool_new(r->data_dir, 0, err, sizeof err); /* the ETag comes from the part digests */
    for (size_t i = 0; spool && i < request.count; i++) {
        const part_row *part = find_part(parts, part_count, request.parts[i].part_number);
        int fd = part->size > 0 ? s3_data_open(r->data_dir, part->data_id) : -1;
        bool copied = part->size == 0 || (fd >= 0 && s3_spool_append_file(spool, fd, (uint64_t)part->size));
        if (fd >= 0)
            close(fd);
        if (!copied) {
            s3_spool_free(spool);
            spool = NULL;
        }
    }
    char data_id[S3_DATA_ID_LEN + 1];
    if (!spool || !s3_spool_commit(spool, data_id, err, sizeof err)) {
        s3_internal_error(r, "assembling the object from its parts");
        goto done;
    }

    s3_object object = {.key = r->key, .headers = upload.headers};
    snprintf(object.data_id, sizeof object.data_id, "%s", data_id);
    owl_hex_encode(digest, 16, object.etag);
    snprintf(object.etag + 32, sizeof object.etag - 32, "-%zu", request.count);
    object.size = (int64_t)s3_spool_size(spool);
    object.last_modified_ms = owl_now_ms();
    s3_acl_from_json(&object.acl, upload.acl);
    snprintf(object.owner_account, sizeof object.owner_account, "%s", upload.owner_account);
    char old_data_id[S3_DATA_ID_LEN + 1] = "";
    if (owl_store_begin(r->db) != SQLITE_OK || !s3_object_store(r->db, r->bucket_name, &object, old_data_id) ||
        !delete_upload_rows(r->db, upload.upload_id) || owl_store_commit(r->db) != SQLITE_OK) {
        owl_store_rollback(r->db);
        s3_data_remove(r->data_dir, data_id);
        s3_internal_error(r, "storing the completed object");
        goto done;
    }
    if (old_data_id[0])
        s3_data_remove(r->data_dir, old_data_id);
    for (size_t i = 0; i < part_count; i++)
        s3_data_remove(r->data_dir, parts[i].data_id);

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<CompleteMultipartUploadResult xmlns=\"" S3_XMLNS "\"><Location>/");
    s3_url_encode(&xml, r->bucket_name);
    owl_buf_puts(&xml, "/");
    s3_url_encode(&xml, r->key);
    owl_buf_puts(&xml, "</Location><Bucket>");
    s3_xml_text(&xml, r->bucket_name);
    owl_buf_puts(&xml, "</Bucket><Key>");
    s3_xml_text(&xml, r->key);
    owl_buf_printf(&xml, "</Key><ETag>&quot;%s&quot;</ETag></CompleteMultipartUploadResult>", object.etag);
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);

done:
    s3_spool_free(spool);
    free(parts);
    s3_complete_request_free(&request);
    upload_row_clear(&upload);
}

void s3_abort_multipart_upload(s3_request *r)
{
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:AbortMultipartUpload", r->key, NULL, NULL, 0))
        return;
    upload_row upload;
    if (!load_upload(r, &upload))
        return;
    part_row *parts = NULL;
    size_t count = 0;
    bool ok = owl_store_begin(r->db) == SQLITE_OK && load_parts(r, upload.upload_id, 0, 0, &parts, &count) &&
              delete_upload_rows(r->db, upload.upload_id) && owl_store_commit(r->db) == SQLITE_OK;
    if (!ok) {
        owl_store_rollback(r->db);
        s3_internal_error(r, "aborting the upload");
    } else {
        for (size_t i = 0; i < count; i++)
            s3_data_remove(r->data_dir, parts[i].data_id);
        http_response_set_body(r->call->resp, 204, NULL, "", 0);
    }
    free(parts);
    upload_row_clear(&upload);
}

static void owner_element(s3_request *r, const char *element, const char *account_id, owl_buf *xml)
{
    char canonical[65], name[128];
    s3_canonical_id(r->db, account_id, canonical, name, sizeof name);
    owl_buf_printf(xml, "<%s><ID>", element);
    s3_xml_text(xml, canonical);
    owl_buf_puts(xml, "</ID><DisplayName>");
    s3_xml_text(xml, name);
    owl_buf_printf(xml, "</DisplayName></%s>", element);
}

void s3_list_parts(s3_request *r)
{
    if (!s3_require_bucket(r) ||
        !s3_authorize(r, "s3:ListMultipartUploadParts", r->key, NULL, NULL, 0))
        return;
    int max_parts;
    if (!s3_parse_max_keys(r, "max-parts", &max_parts))
        return;
    const char *marker_text = s3_query(r, "part-number-marker");
    int marker = marker_text ? atoi(marker_text) : 0;
    upload_row upload;
    if (!load_upload(r, &upload))
        return;
    part_row *parts = NULL;
    size_t count = 0;
    /* One extra row shows whether the page is truncated. */
    if (!load_parts(r, upload.upload_id, marker, max_parts + 1, &parts, &count)) {
        s3_internal_error(r, "listing the parts");
        upload_row_clear(&upload);
        return;
    }
    bool truncated = count > (size_t)max_parts;
    if (truncated)
        count = (size_t)max_parts;

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<ListPartsResult xmlns=\"" S3_XMLNS "\"><Bucket>");
    s3_xml_text(&xml, r->bucket_name);
    owl_buf_puts(&xml, "</Bucket><Key>");
    s3_xml_text(&xml, r->key);
    owl_buf_printf(&xml, "</Key><UploadId>%s</UploadId>", upload.upload_id);
    owner_element(r, "Initiator", upload.owner_account, &xml);
    owner_element(r, "Owner", upload.owner_account, &xml);
    owl_buf_printf(&xml, "<StorageClass>STANDARD</StorageClass><PartNumberMarker>%d</PartNumberMarker>",
                   marker);
    if (count > 0)
        owl_buf_printf(&xml, "<NextPartNumberMarker>%d</NextPartNumberMarker>", parts[count - 1].part_number);
    owl_buf_printf(&xml, "<MaxParts>%d</MaxParts><IsTruncated>%s</IsTruncated>", max_parts,
                   truncated ? "true" : "false");
    for (size_t i = 0; i < count; i++) {
        char modified[32];
        s3_format_time(parts[i].last_modified_ms, modified);
        owl_buf_printf(&xml, "<Part><PartNumber>%d</PartNumber><LastModified>%s</LastModified>"
                             "<ETag>&quot;%s&quot;</ETag><Size>%lld</Size></Part>",
                       parts[i].part_number, modified, parts[i].etag, (long long)parts[i].size);
    }
    owl_buf_puts(&xml, "</ListPartsResult>");
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
    free(parts);
    upload_row_clear(&upload);
}

void s3_list_multipart_uploads(s3_request *r)
{
    if (!s3_require_bucket(r) ||
        !s3_authorize(r, "s3:ListBucketMultipartUploads", NULL, NULL, NULL, 0))
        return;
    int max_uploads;
    if (!s3_parse_max_keys(r, "max-uploads", &max_uploads))
        return;
    const char *prefix = s3_query(r, "prefix") ? s3_query(r, "prefix") : "";
    const char *key_marker = s3_query(r, "key-marker") ? s3_query(r, "key-marker") : "";
    const char *id_marker = s3_query(r, "upload-id-marker") ? s3_query(r, "upload-id-marker") : "";
    /* NOTE: the delimiter parameter is not applied; uploads are listed flat. */
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT key, upload_id, initiated_ms, owner_account FROM s3_uploads "
                                  "WHERE bucket = ? AND substr(key, 1, length(?)) = ? "
                                  "AND (key > ? OR (key = ? AND upload_id > ?)) "
                                  "ORDER BY key, upload_id LIMIT ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        s3_internal_error(r, "listing uploads");
        return;
    }
    sqlite3_bind_text(stmt, 1, r->bucket_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, key_marker, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, key_marker, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, id_marker, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 7, max_uploads + 1);

    owl_buf uploads = OWL_BUF_INIT;
    int n = 0;
    bool truncated = false;
    char next_key[S3_KEY_MAX + 1] = "", next_id[40] = "";
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (n == max_uploads) {
            truncated = true;
            break;
        }
        const char *key = (const char *)sqlite3_column_text(stmt, 0);
        const char *upload_id = (const char *)sqlite3_column_text(stmt, 1);
        snprintf(next_key, sizeof next_key, "%s", key);
        snprintf(next_id, sizeof next_id, "%s", upload_id);
        char initiated[32];
        s3_format_time(sqlite3_column_int64(stmt, 2), initiated);
        owl_buf_puts(&uploads, "<Upload><Key>");
        s3_xml_text(&uploads, key);
        owl_buf_printf(&uploads, "</Key><UploadId>%s</UploadId>", upload_id);
        owner_element(r, "Initiator", (const char *)sqlite3_column_text(stmt, 3), &uploads);
        owner_element(r, "Owner", (const char *)sqlite3_column_text(stmt, 3), &uploads);
        owl_buf_printf(&uploads, "<StorageClass>STANDARD</StorageClass><Initiated>%s</Initiated></Upload>",
                       initiated);
        n++;
    }
    sqlite3_finalize(stmt);

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<ListMultipartUploadsResult xmlns=\"" S3_XMLNS "\"><Bucket>");
    s3_xml_text(&xml, r->bucket_name);
    owl_buf_puts(&xml, "</Bucket><KeyMarker>");
    s3_xml_text(&xml, key_marker);
    owl_buf_puts(&xml, "</KeyMarker><UploadIdMarker>");
    s3_xml_text(&xml, id_marker);
    owl_buf_puts(&xml, "</UploadIdMarker><NextKeyMarker>");
    s3_xml_text(&xml, next_key);
    owl_buf_printf(&xml, "</NextKeyMarker><NextUploadIdMarker>%s</NextUploadIdMarker><Prefix>", next_id);
    s3_xml_text(&xml, prefix);
    owl_buf_printf(&xml, "</Prefix><MaxUploads>%d</MaxUploads><IsTruncated>%s</IsTruncated>", max_uploads,
                   truncated ? "true" : "false");
    owl_buf_append(&xml, uploads.data ? uploads.data : "", uploads.len);
    owl_buf_puts(&xml, "</ListMultipartUploadsResult>");
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
    owl_buf_free(&uploads);
}
