/*
 * ListObjects (V1, marker) and ListObjectsV2 (continuation-token,
 * start-after), with prefix, delimiter, max-keys up to 1000 and
 * encoding-type=url. The walk itself is s3_list_run() in list.c.
 */
#include "s3/internal.h"
#include "s3/name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends <element>value</element>, URL-encoded when url_encoding is set. */
static void put_value(owl_buf *xml, const char *element, const char *value, bool url_encoding)
{
    owl_buf_printf(xml, "<%s>", element);
    if (url_encoding)
        s3_url_encode(xml, value);
    else
        s3_xml_text(xml, value);
    owl_buf_printf(xml, "</%s>", element);
}

bool s3_parse_max_keys(s3_request *r, const char *name, int *out)
{
    const char *text = s3_query(r, name);
    *out = S3_LIST_MAX_KEYS;
    if (!text)
        return true;
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value < 0) {
        s3_error(r, 400, "InvalidArgument", "Provided %s \"%.32s\" must be an integer from 0 to 2147483647",
                 name, text);
        return false;
    }
    *out = value > S3_LIST_MAX_KEYS ? S3_LIST_MAX_KEYS : (int)value;
    return true;
}

void s3_list_objects(s3_request *r, bool v2)
{
    const char *prefix = s3_query(r, "prefix") ? s3_query(r, "prefix") : "";
    const char *delimiter = s3_query(r, "delimiter") ? s3_query(r, "delimiter") : "";
    const char *prefix_values[] = {prefix};
    const char *delimiter_values[] = {delimiter};
    iam_context_key context[] = {
        {"s3:prefix", prefix_values, 1},
        {"s3:delimiter", delimiter_values, 1},
    };
    if (!s3_require_bucket(r) || !s3_authorize(r, "s3:ListBucket", NULL, NULL, context, 2))
        return;

    int max_keys;
    if (!s3_parse_max_keys(r, "max-keys", &max_keys))
        return;
    const char *encoding = s3_query(r, "encoding-type");
    if (encoding && strcmp(encoding, "url") != 0) {
        s3_error(r, 400, "InvalidArgument", "Invalid Encoding Method specified in Request: %.32s", encoding);
        return;
    }
    bool url = encoding != NULL;
    const char *token = v2 ? s3_query(r, "continuation-token") : NULL;
    const char *start_after = v2 ? s3_query(r, "start-after") : s3_query(r, "marker");
    char *after = NULL;
    if (token) {
        after = s3_list_token_decode(token);
        if (!after) {
            s3_error(r, 400, "InvalidArgument", "The continuation token provided is incorrect");
            return;
        }
    }
    bool fetch_owner = !v2 || (s3_query(r, "fetch-owner") && strcmp(s3_query(r, "fetch-owner"), "true") == 0);

    s3_list_params params = {prefix, delimiter, after ? after : (start_after ? start_after : ""),
                             max_keys};
    s3_seek_arg seek = {r->db, r->bucket_name, false};
    s3_list_result result;
    s3_list_run(&params, s3_object_seek, &seek, &result);
    if (seek.failed) {
        s3_list_result_free(&result);
        free(after);
        s3_internal_error(r, "listing objects");
        return;
    }

    owl_buf xml = OWL_BUF_INIT;
    owl_buf_puts(&xml, S3_XML_DECLARATION "<ListBucketResult xmlns=\"" S3_XMLNS "\">");
    put_value(&xml, "Name", r->bucket_name, false);
    put_value(&xml, "Prefix", prefix, url);
    if (v2) {
        if (token)
            put_value(&xml, "ContinuationToken", token, false);
        if (start_after)
            put_value(&xml, "StartAfter", start_after, url);
        owl_buf_printf(&xml, "<KeyCount>%zu</KeyCount>", result.count + result.prefix_count);
    } else {
        put_value(&xml, "Marker", start_after ? start_after : "", url);
    }
    owl_buf_printf(&xml, "<MaxKeys>%d</MaxKeys>", max_keys);
    if (delimiter[0])
        put_value(&xml, "Delimiter", delimiter, url);
    if (url)
        owl_buf_puts(&xml, "<EncodingType>url</EncodingType>");
    owl_buf_printf(&xml, "<IsTruncated>%s</IsTruncated>", result.is_truncated ? "true" : "false");
    if (result.is_truncated && result.last) {
        if (v2) {
            char *next = s3_list_token_encode(result.last);
            put_value(&xml, "NextContinuationToken", next, false);
            free(next);
        } else {
            put_value(&xml, "NextMarker", result.last, url);
        }
    }
    char owner_canonical[65] = "", owner_name[128] = "", owner_account[16] = "";
    for (size_t i = 0; i < result.count; i++) {
        const s3_list_entry *e = &result.entries[i];
        char modified[32];
        s3_format_time(e->last_modified_ms, modified);
        owl_buf_puts(&xml, "<Contents>");
        put_value(&xml, "Key", e->key, url);
        owl_buf_printf(&xml, "<LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag>"
                             "<Size>%lld</Size>", modified, e->etag, (long long)e->size);
        if (fetch_owner) {
            if (strcmp(owner_account, e->owner_account) != 0) {
                snprintf(owner_account, sizeof owner_account, "%s", e->owner_account);
                s3_canonical_id(r->db, owner_account, owner_canonical, owner_name, sizeof owner_name);
            }
            owl_buf_puts(&xml, "<Owner>");
            put_value(&xml, "ID", owner_canonical, false);
            put_value(&xml, "DisplayName", owner_name, false);
            owl_buf_puts(&xml, "</Owner>");
        }
        owl_buf_puts(&xml, "<StorageClass>STANDARD</StorageClass></Contents>");
    }
    for (size_t i = 0; i < result.prefix_count; i++) {
        owl_buf_puts(&xml, "<CommonPrefixes>");
        put_value(&xml, "Prefix", result.common_prefixes[i], url);
        owl_buf_puts(&xml, "</CommonPrefixes>");
    }
    owl_buf_puts(&xml, "</ListBucketResult>");
    s3_send_xml(r, &xml);
    owl_buf_free(&xml);
    s3_list_result_free(&result);
    free(after);
}
