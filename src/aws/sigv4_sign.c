/*
 * AWS Signature Version 4 signing for owlery's own clients (the connector
 * calling S3, the service calling other endpoints): header auth as
 * botocore's SigV4Auth and S3SigV4Auth produce it, and presigned URLs as
 * SigV4QueryAuth and S3SigV4QueryAuth produce them. The canonical texts
 * come from sigv4_canonical.c, the same code the verifier uses.
 *
 * Limits: SIGV4_MAX_SIGNED_HEADERS headers (after the added ones), and the
 * Authorization value must fit SIGV4_MAX_AUTHORIZATION bytes.
 */
#include "aws/sigv4.h"

#include "common/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void format_error(char *errmsg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void format_error(char *errmsg, size_t size, const char *fmt, ...)
{
    if (!errmsg || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, size, fmt, ap);
    va_end(ap);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Appends the sorted, lowercased, de-duplicated names of headers to out as
 * "a;b;c". Returns false (with a message) when there are more than
 * SIGV4_MAX_SIGNED_HEADERS names or host is missing.
 */
static bool build_signed_headers(const sigv4_header *headers, size_t count, owl_buf *out,
                                 char *errmsg, size_t errmsg_size)
{
    if (count > SIGV4_MAX_SIGNED_HEADERS) {
        format_error(errmsg, errmsg_size, "Cannot sign %zu headers; the maximum is %d.", count,
                     SIGV4_MAX_SIGNED_HEADERS);
        return false;
    }
    char *names[SIGV4_MAX_SIGNED_HEADERS];
    bool has_host = false;
    for (size_t i = 0; i < count; i++) {
        names[i] = strdup(headers[i].name);
        if (!names[i])
            abort();
        for (char *p = names[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        has_host |= strcmp(names[i], "host") == 0;
    }
    qsort(names, count, sizeof names[0], compare_strings);
    for (size_t i = 0; i < count; i++) {
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0) {
            if (out->len > 0)
                owl_buf_putc(out, ';');
            owl_buf_puts(out, names[i]);
        }
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    if (!has_host)
        format_error(errmsg, errmsg_size, "Cannot sign a request without a host header.");
    return has_host;
}

/* Computes the signature of req over signed_headers into signature. */
static sigv4_status compute_signature(const sigv4_request *req, const char *signed_headers,
                                      const char *payload_hash, const char *secret,
                                      const char *datetime, const char *region,
                                      const char *service, char signature[65], char *errmsg,
                                      size_t errmsg_size)
{
    char date[9];
    memcpy(date, datetime, 8);
    date[8] = '\0';

    owl_buf canonical = OWL_BUF_INIT, to_sign = OWL_BUF_INIT;
    sigv4_status status = sigv4_canonical_request(req, service, signed_headers, payload_hash,
                                                  false, &canonical, errmsg, errmsg_size);
    if (status == SIGV4_OK) {
        uint8_t key[32];
        sigv4_string_to_sign(datetime, date, region, service, canonical.data, canonical.len,
                             &to_sign);
        sigv4_signing_key(secret, date, region, service, key);
        sigv4_hmac_hex(key, to_sign.data, to_sign.len, signature);
    } else {
        status = SIGV4_ERR_ARGUMENT;
    }
    owl_buf_free(&canonical);
    owl_buf_free(&to_sign);
    return status;
}

static bool is_reserved_header(const char *name)
{
    static const char *const reserved[] = {"authorization", "x-amz-date", "x-amz-content-sha256",
                                           "x-amz-security-token"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return true;
    return false;
}

sigv4_status sigv4_sign(const sigv4_request *req, const sigv4_credentials *credentials,
                        const char *region, const char *service, const char *payload_hash,
                        time_t when, sigv4_signature_headers *out, char *errmsg,
                        size_t errmsg_size)
{
    memset(out, 0, sizeof *out);
    if (req->header_count > SIGV4_MAX_SIGNED_HEADERS - 3) {
        format_error(errmsg, errmsg_size, "Cannot sign %zu headers; the maximum is %d.",
                     req->header_count, SIGV4_MAX_SIGNED_HEADERS - 3);
        return SIGV4_ERR_ARGUMENT;
    }
    for (size_t i = 0; i < req->header_count; i++) {
        if (is_reserved_header(req->headers[i].name)) {
            format_error(errmsg, errmsg_size,
                         "Header %s is set by the signer; remove it from the request.",
                         req->headers[i].name);
            return SIGV4_ERR_ARGUMENT;
        }
    }
    if (!payload_hash)
        payload_hash = SIGV4_EMPTY_SHA256;
    if (strlen(payload_hash) > 64) {
        format_error(errmsg, errmsg_size, "The payload hash must be at most 64 characters.");
        return SIGV4_ERR_ARGUMENT;
    }
    owl_time_amz(when, out->x_amz_date);
    bool s3 = strcmp(service, "s3") == 0;
    if (s3)
        snprintf(out->x_amz_content_sha256, sizeof out->x_amz_content_sha256, "%s", payload_hash);
    out->x_amz_security_token = credentials->session_token;

    /* The headers the request will carry: the caller's plus the added ones. */
    sigv4_header headers[SIGV4_MAX_SIGNED_HEADERS];
    size_t count = req->header_count;
    memcpy(headers, req->headers, count * sizeof headers[0]);
    headers[count++] = (sigv4_header){"x-amz-date", out->x_amz_date};
    if (s3)
        headers[count++] = (sigv4_header){"x-amz-content-sha256", out->x_amz_content_sha256};
    if (credentials->session_token)
        headers[count++] = (sigv4_header){"x-amz-security-token", credentials->session_token};
    sigv4_request signed_req = *req;
    signed_req.headers = headers;
    signed_req.header_count = count;

    owl_buf signed_headers = OWL_BUF_INIT;
    char signature[65];
    sigv4_status status = SIGV4_ERR_ARGUMENT;
    if (build_signed_headers(headers, count, &signed_headers, errmsg, errmsg_size))
        status = compute_signature(&signed_req, signed_headers.data, payload_hash,
                                   credentials->secret_access_key, out->x_amz_date, region,
                                   service, signature, errmsg, errmsg_size);
    if (status == SIGV4_OK) {
        int n = snprintf(out->authorization, sizeof out->authorization,
                         SIGV4_ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, "
                                         "SignedHeaders=%s, Signature=%s",
                         credentials->access_key_id, out->x_amz_date, region, service,
                         signed_headers.data, signature);
        if (n < 0 || (size_t)n >= sizeof out->authorization) {
            format_error(errmsg, errmsg_size,
                         "The Authorization value would exceed %d bytes; sign fewer headers.",
                         SIGV4_MAX_AUTHORIZATION);
            out->authorization[0] = '\0';
            status = SIGV4_ERR_ARGUMENT;
        }
    }
    owl_buf_free(&signed_headers);
    return status;
}

/* Returns the first X-Amz-* query auth parameter in query, or NULL. */
static const char *find_presign_param(const char *query)
{
    static const char *const names[] = {"X-Amz-Algorithm",     "X-Amz-Credential",
                                        "X-Amz-Date",          "X-Amz-Expires",
                                        "X-Amz-SignedHeaders", "X-Amz-Security-Token",
                                        "X-Amz-Signature"};
    size_t len = query ? strlen(query) : 0;
    for (size_t start = 0; start < len;) {
        const char *amp = memchr(query + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - query) : len;
        const char *eq = memchr(query + start, '=', end - start);
        size_t key_len = (eq ? (size_t)(eq - query) : end) - start;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (key_len == strlen(names[i]) && memcmp(query + start, names[i], key_len) == 0)
                return names[i];
        start = end + 1;
    }
    return NULL;
}

static void append_param(owl_buf *query, const char *name, const char *value)
{
    if (query->len > 0)
        owl_buf_putc(query, '&');
    owl_buf_puts(query, name);
    owl_buf_putc(query, '=');
    sigv4_uri_encode(query, value, strlen(value), false);
}

sigv4_status sigv4_presign(const sigv4_request *req, const sigv4_credentials *credentials,
                           const char *region, const char *service, const char *payload_hash,
                           time_t when, long expires, owl_buf *query, char *errmsg,
                           size_t errmsg_size)
{
    if (expires < 1 || expires > SIGV4_MAX_PRESIGN_EXPIRES) {
        format_error(errmsg, errmsg_size, "expires is %ld seconds; it must be 1 to %d.", expires,
                     SIGV4_MAX_PRESIGN_EXPIRES);
        return SIGV4_ERR_ARGUMENT;
    }
    const char *existing = find_presign_param(req->query);
    if (existing) {
        format_error(errmsg, errmsg_size,
                     "The query already has %s; presign the request without query auth "
                     "parameters.",
                     existing);
        return SIGV4_ERR_ARGUMENT;
    }
    if (!payload_hash)
        payload_hash = strcmp(service, "s3") == 0 ? SIGV4_UNSIGNED_PAYLOAD : SIGV4_EMPTY_SHA256;

    owl_buf signed_headers = OWL_BUF_INIT;
    if (!build_signed_headers(req->headers, req->header_count, &signed_headers, errmsg,
                              errmsg_size)) {
        owl_buf_free(&signed_headers);
        return SIGV4_ERR_ARGUMENT;
    }

    char datetime[17], credential[SIGV4_MAX_ACCESS_KEY_ID + 2 * SIGV4_MAX_SCOPE_PART + 32];
    char expires_text[16];
    owl_time_amz(when, datetime);
    snprintf(credential, sizeof credential, "%s/%.8s/%s/%s/aws4_request",
             credentials->access_key_id, datetime, region, service);
    snprintf(expires_text, sizeof expires_text, "%ld", expires);

    /* The query without the signature is what gets signed. */
    owl_buf unsigned_query = OWL_BUF_INIT;
    if (req->query && req->query[0])
        owl_buf_puts(&unsigned_query, req->query);
    append_param(&unsigned_query, "X-Amz-Algorithm", SIGV4_ALGORITHM);
    append_param(&unsigned_query, "X-Amz-Credential", credential);
    append_param(&unsigned_query, "X-Amz-Date", datetime);
    append_param(&unsigned_query, "X-Amz-Expires", expires_text);
    append_param(&unsigned_query, "X-Amz-SignedHeaders", signed_headers.data);
    if (credentials->session_token)
        append_param(&unsigned_query, "X-Amz-Security-Token", credentials->session_token);

    sigv4_request signed_req = *req;
    signed_req.query = unsigned_query.data;
    char signature[65];
    sigv4_status status = compute_signature(&signed_req, signed_headers.data, payload_hash,
                                            credentials->secret_access_key, datetime, region,
                                            service, signature, errmsg, errmsg_size);
    if (status == SIGV4_OK) {
        owl_buf_append(query, unsigned_query.data, unsigned_query.len);
        owl_buf_puts(query, "&X-Amz-Signature=");
        owl_buf_puts(query, signature);
    }
    owl_buf_free(&unsigned_query);
    owl_buf_free(&signed_headers);
    return status;
}
