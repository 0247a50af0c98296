/*
 * S3 naming rules. See name.h.
 */
#include "s3/name.h"

#include "common/util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool is_ipv4_address(const char *name)
{
    int parts = 0, digits = 0;
    for (const char *p = name;; p++) {
        if (*p >= '0' && *p <= '9') {
            if (++digits > 3)
                return false;
        } else if (*p == '.' || *p == '\0') {
            if (digits == 0)
                return false;
            parts++;
            digits = 0;
            if (*p == '\0')
                break;
        } else {
            return false;
        }
    }
    return parts == 4;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool s3_bucket_name_valid(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);
    if (len < 3 || len > S3_BUCKET_NAME_MAX) {
        snprintf(err, errlen, "Bucket name must be between 3 and 63 characters long");
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '-')) {
            snprintf(err, errlen,
                     "Bucket name can contain only lowercase letters, numbers, dots (.) and hyphens (-)");
            return false;
        }
    }
    if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[len - 1])) {
        snprintf(err, errlen, "Bucket name must begin and end with a letter or number");
        return false;
    }
    if (strstr(name, "..")) {
        snprintf(err, errlen, "Bucket name must not contain two adjacent periods");
        return false;
    }
    if (is_ipv4_address(name)) {
        snprintf(err, errlen, "Bucket name must not be formatted as an IP address");
        return false;
    }
    if (strncmp(name, "xn--", 4) == 0 || strncmp(name, "sthree-", 7) == 0) {
        snprintf(err, errlen, "Bucket name must not start with the reserved prefix \"xn--\" or \"sthree-\"");
        return false;
    }
    if (ends_with(name, "-s3alias") || ends_with(name, "--ol-s3")) {
        snprintf(err, errlen, "Bucket name must not end with the reserved suffix \"-s3alias\" or \"--ol-s3\"");
        return false;
    }
    return true;
}

s3_key_status s3_key_check(const char *key, size_t len)
{
    if (len == 0)
        return S3_KEY_EMPTY;
    if (len > S3_KEY_MAX)
        return S3_KEY_TOO_LONG;
    if (memchr(key, '\0', len))
        return S3_KEY_HAS_NUL;
    if (!owl_utf8_valid(key, len))
        return S3_KEY_INVALID_UTF8;
    return S3_KEY_OK;
}

bool s3_host_bucket(const char *host, char *out, size_t outlen)
{
    if (!host)
        return false;
    char name[256];
    size_t len = strcspn(host, ":");
    if (len == 0 || len >= sizeof name)
        return false;
    for (size_t i = 0; i < len; i++)
        name[i] = (char)tolower((unsigned char)host[i]);
    name[len] = '\0';

    static const char *const suffixes[] = {".s3.localhost", ".localhost"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(suffixes[i]);
        if (len > n && strcmp(name + len - n, suffixes[i]) == 0) {
            size_t bucket_len = len - n;
            if (bucket_len >= outlen || (bucket_len == 2 && strncmp(name, "s3", 2) == 0))
                return false;
            memcpy(out, name, bucket_len);
            out[bucket_len] = '\0';
            return true;
        }
    }
    return false;
}

void s3_url_encode(owl_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/') {
            owl_buf_putc(b, (char)*p);
        } else {
            char escaped[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            owl_buf_append(b, escaped, 3);
        }
    }
}

void s3_xml_text(owl_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 && *p != '\t' && *p != '\n')
            owl_buf_printf(b, "&#x%X;", *p);
        else if (*p == '&')
            owl_buf_puts(b, "&amp;");
        else if (*p == '<')
            owl_buf_puts(b, "&lt;");
        else if (*p == '>')
            owl_buf_puts(b, "&gt;");
        else if (*p == '"')
            owl_buf_puts(b, "&quot;");
        else if (*p == '\'')
            owl_buf_puts(b, "&apos;");
        else
            owl_buf_putc(b, (char)*p);
    }
}
