/*
 * S3 naming rules: bucket names, object keys, the bucket named by a
 * virtual-hosted-style Host header, and the URL encoding listings use with
 * encoding-type=url.
 */
#ifndef OWL_S3_NAME_H
#define OWL_S3_NAME_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest object key, in bytes of UTF-8. */
#define S3_KEY_MAX 1024
#define S3_BUCKET_NAME_MAX 63

/*
 * Checks a bucket name against S3's rules for new buckets: 3-63 characters
 * of lowercase letters, digits, '.' and '-', starting and ending with a
 * letter or digit, no "..", not an IPv4 address, no "xn--" prefix and no
 * "-s3alias" or "--ol-s3" suffix. Returns false with the broken rule in err.
 */
bool s3_bucket_name_valid(const char *name, char *err, size_t errlen);

typedef enum s3_key_status {
    S3_KEY_OK,
    S3_KEY_EMPTY,
    S3_KEY_TOO_LONG,
    S3_KEY_INVALID_UTF8,
    S3_KEY_HAS_NUL,
} s3_key_status;

/*
 * Checks an object key of len bytes (after percent-decoding). S3 accepts
 * any UTF-8 up to 1024 bytes; this server also rejects U+0000.
 */
s3_key_status s3_key_check(const char *key, size_t len);

/*
 * Finds the bucket a Host header addresses in virtual-hosted style:
 * "BUCKET.localhost[:port]" or "BUCKET.s3.localhost[:port]". Copies it to
 * out (size outlen) and returns true; returns false for any other host,
 * which means the request is path-style.
 */
bool s3_host_bucket(const char *host, char *out, size_t outlen);

/*
 * Appends s percent-encoded the way S3 encodes listing values with
 * encoding-type=url: every byte except A-Z a-z 0-9 - . _ ~ and '/'.
 */
void s3_url_encode(owl_buf *b, const char *s);

/*
 * Appends s as XML character data. Unlike owl_buf_put_xml_escaped it also
 * writes control characters as numeric references, as S3 does for keys.
 */
void s3_xml_text(owl_buf *b, const char *s);

#endif
