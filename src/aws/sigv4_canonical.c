/*
 * AWS Signature Version 4: the canonical request, the string to sign and
 * the HMAC-SHA256 key chain. The verifier and the signer both build their
 * texts here, so a request signed by owlery verifies in owlery by
 * construction, and the unit tests pin both to botocore's output.
 *
 * Limits: SIGV4_MAX_HEADERS headers, SIGV4_MAX_QUERY bytes and
 * SIGV4_MAX_QUERY_PARAMS parameters of query, SIGV4_MAX_SIGNED_HEADERS
 * signed names. Paths are not limited here: the HTTP layer bounds the
 * request line.
 */
#include "aws/sigv4.h"

#include "common/util.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
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

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

void sigv4_uri_encode(owl_buf *out, const char *s, size_t len, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    owl_buf_reserve(out, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            owl_buf_putc(out, (char)c);
        } else {
            char escape[3] = {'%', digits[c >> 4], digits[c & 15]};
            owl_buf_append(out, escape, 3);
        }
    }
}

static int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Appends s[0..len) percent-decoded and then URI-encoded. A '%' that does not
 * start a valid escape is a literal '%', encoded as %25. A '+' is a literal
 * '+' (not a space), encoded as %2B. botocore's query serializer encodes both
 * characters, so neither rule changes what its requests canonicalize to.
 */
static void reencode_component(owl_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < len) {
            int hi = hex_digit_value(s[i + 1]);
            int lo = hi < 0 ? -1 : hex_digit_value(s[i + 2]);
            if (lo >= 0) {
                c = (unsigned char)(hi << 4 | lo);
                i += 2;
            }
        }
        char byte = (char)c;
        sigv4_uri_encode(out, &byte, 1, false);
    }
}

/* ---- canonical URI ------------------------------------------------------ */

/*
 * Appends the canonical URI of a non-S3 request, as botocore computes it:
 * RFC 3986 dot-segment removal that also drops empty segments, then a second
 * URI encoding that keeps "/" (so an already encoded "%3A" becomes "%253A").
 */
static void append_normalized_path(owl_buf *out, const char *path)
{
    size_t len = strlen(path);
    if (len == 0) {
        owl_buf_putc(out, '/');
        return;
    }

    /* Kept segments as (start, length) pairs; ".." pops the last one. */
    size_t max_segments = 1;
    for (size_t i = 0; i < len; i++)
        max_segments += path[i] == '/';
    size_t (*segments)[2] = malloc(max_segments * sizeof *segments);
    if (!segments)
        abort();
    size_t count = 0;
    for (size_t start = 0; start <= len;) {
        const char *slash = memchr(path + start, '/', len - start);
        size_t end = slash ? (size_t)(slash - path) : len;
        size_t seg_len = end - start;
        bool dot = seg_len == 1 && path[start] == '.';
        bool dot_dot = seg_len == 2 && path[start] == '.' && path[start + 1] == '.';
        if (dot_dot) {
            if (count > 0)
                count--;
        } else if (seg_len > 0 && !dot) {
            assert(count < max_segments);
            segments[count][0] = start;
            segments[count][1] = seg_len;
            count++;
        }
        start = end + 1;
    }

    owl_buf normalized = OWL_BUF_INIT;
    if (path[0] == '/')
        owl_buf_putc(&normalized, '/');
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            owl_buf_putc(&normalized, '/');
        owl_buf_append(&normalized, path + segments[i][0], segments[i][1]);
    }
    if (path[len - 1] == '/' && count > 0)
        owl_buf_putc(&normalized, '/');
    sigv4_uri_encode(out, normalized.data ? normalized.data : "", normalized.len, true);

    owl_buf_free(&normalized);
    free(segments);
}

/* ---- canonical query ---------------------------------------------------- */

typedef struct query_pair {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} query_pair;

static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t common = alen < blen ? alen : blen;
    int c = common ? memcmp(a, b, common) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int compare_pairs(const void *a, const void *b)
{
    const query_pair *x = a, *y = b;
    int c = compare_bytes(x->key, x->key_len, y->key, y->key_len);
    return c != 0 ? c : compare_bytes(x->value, x->value_len, y->value, y->value_len);
}

/*
 * Appends the canonical query: every "key=value" (a bare "key" counts as
 * "key="), both re-encoded, sorted by key and then value, joined by "&".
 * An empty parameter ("a&&b", or a trailing "&") becomes "=", as in botocore.
 * NOTE: whether AWS canonicalizes an empty parameter the same way is
 * unverified.
 */
static sigv4_status append_canonical_query(owl_buf *out, const char *query, bool presigned,
                                           char *errmsg, size_t errmsg_size)
{
    size_t len = query ? strlen(query) : 0;
    if (len == 0)
        return SIGV4_OK;
    if (len > SIGV4_MAX_QUERY) {
        format_error(errmsg, errmsg_size,
                     "The query string is %zu bytes long; the maximum is %d bytes.", len,
                     SIGV4_MAX_QUERY);
        return SIGV4_ERR_INCOMPLETE;
    }

    /* Encode every pair into one arena first; pointers are fixed afterwards. */
    owl_buf arena = OWL_BUF_INIT;
    owl_buf_reserve(&arena, 3 * len + 1); /* the encoded size, at most; data is never NULL */
    size_t (*offsets)[4] = malloc(SIGV4_MAX_QUERY_PARAMS * sizeof *offsets);
    if (!offsets)
        abort();
    size_t count = 0;
    for (size_t start = 0; start <= len;) {
        const char *amp = memchr(query + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - query) : len;
        const char *param = query + start;
        size_t param_len = end - start;
        start = end + 1;
        if (count == SIGV4_MAX_QUERY_PARAMS) {
            free(offsets);
            owl_buf_free(&arena);
            format_error(errmsg, errmsg_size,
                         "The query string has more than %d parameters.", SIGV4_MAX_QUERY_PARAMS);
            return SIGV4_ERR_INCOMPLETE;
        }
        const char *eq = memchr(param, '=', param_len);
        size_t key_len = eq ? (size_t)(eq - param) : param_len;

        size_t key_off = arena.len;
        reencode_component(&arena, param, key_len);
        size_t value_off = arena.len;
        if (eq)
            reencode_component(&arena, eq + 1, param_len - key_len - 1);
        bool is_signature = compare_bytes(arena.data + key_off, value_off - key_off,
                                          "X-Amz-Signature", 15) == 0;
        if (presigned && is_signature) {
            arena.len = key_off;
            continue;
        }
        offsets[count][0] = key_off;
        offsets[count][1] = value_off - key_off;
        offsets[count][2] = value_off;
        offsets[count][3] = arena.len - value_off;
        count++;
    }

    query_pair *pairs = malloc((count ? count : 1) * sizeof *pairs);
    if (!pairs)
        abort();
    for (size_t i = 0; i < count; i++) {
        pairs[i].key = arena.data + offsets[i][0];
        pairs[i].key_len = offsets[i][1];
        pairs[i].value = arena.data + offsets[i][2];
        pairs[i].value_len = offsets[i][3];
    }
    qsort(pairs, count, sizeof *pairs, compare_pairs);
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            owl_buf_putc(out, '&');
        owl_buf_append(out, pairs[i].key, pairs[i].key_len);
        owl_buf_putc(out, '=');
        owl_buf_append(out, pairs[i].value, pairs[i].value_len);
    }

    free(pairs);
    free(offsets);
    owl_buf_free(&arena);
    return SIGV4_OK;
}

/* ---- canonical headers -------------------------------------------------- */

static bool is_header_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Appends value with outer whitespace removed and inner runs made one space. */
static void append_trimmed_value(owl_buf *out, const char *value)
{
    bool pending_space = false, started = false;
    for (const char *p = value; *p; p++) {
        if (is_header_space(*p)) {
            pending_space = started;
            continue;
        }
        if (pending_space)
            owl_buf_putc(out, ' ');
        owl_buf_putc(out, *p);
        pending_space = false;
        started = true;
    }
}

static bool header_name_equals(const char *header_name, const char *name, size_t name_len)
{
    return strlen(header_name) == name_len && strncasecmp(header_name, name, name_len) == 0;
}

static sigv4_status append_canonical_headers(owl_buf *out, const sigv4_request *req,
                                             const char *signed_headers, char *errmsg,
                                             size_t errmsg_size)
{
    size_t list_len = strlen(signed_headers);
    size_t names = 0;
    for (size_t start = 0; start <= list_len;) {
        const char *semi = memchr(signed_headers + start, ';', list_len - start);
        size_t end = semi ? (size_t)(semi - signed_headers) : list_len;
        const char *name = signed_headers + start;
        size_t name_len = end - start;
        start = end + 1;

        if (++names > SIGV4_MAX_SIGNED_HEADERS) {
            format_error(errmsg, errmsg_size, "SignedHeaders names more than %d headers.",
                         SIGV4_MAX_SIGNED_HEADERS);
            return SIGV4_ERR_INCOMPLETE;
        }
        owl_buf_append(out, name, name_len);
        owl_buf_putc(out, ':');
        bool first = true;
        for (size_t i = 0; i < req->header_count; i++) {
            if (!header_name_equals(req->headers[i].name, name, name_len))
                continue;
            if (!first)
                owl_buf_putc(out, ',');
            append_trimmed_value(out, req->headers[i].value);
            first = false;
        }
        owl_buf_putc(out, '\n');
    }
    return SIGV4_OK;
}

sigv4_status sigv4_canonical_request(const sigv4_request *req, const char *service,
                                     const char *signed_headers, const char *payload_hash,
                                     bool presigned, owl_buf *out, char *errmsg,
                                     size_t errmsg_size)
{
    if (req->header_count > SIGV4_MAX_HEADERS) {
        format_error(errmsg, errmsg_size, "The request has %zu headers; the maximum is %d.",
                     req->header_count, SIGV4_MAX_HEADERS);
        return SIGV4_ERR_INCOMPLETE;
    }

    owl_buf_puts(out, req->method);
    owl_buf_putc(out, '\n');

    if (strcmp(service, "s3") == 0)
        owl_buf_puts(out, req->path[0] ? req->path : "/");
    else
        append_normalized_path(out, req->path);
    owl_buf_putc(out, '\n');

    sigv4_status status = append_canonical_query(out, req->query, presigned, errmsg, errmsg_size);
    if (status != SIGV4_OK)
        return status;
    owl_buf_putc(out, '\n');

    status = append_canonical_headers(out, req, signed_headers, errmsg, errmsg_size);
    if (status != SIGV4_OK)
        return status;
    owl_buf_putc(out, '\n');

    owl_buf_puts(out, signed_headers);
    owl_buf_putc(out, '\n');
    owl_buf_puts(out, payload_hash);
    return SIGV4_OK;
}

/* ---- string to sign and keys -------------------------------------------- */

void sigv4_string_to_sign(const char *datetime, const char *date, const char *region,
                          const char *service, const char *canonical_request,
                          size_t canonical_len, owl_buf *out)
{
    uint8_t digest[32];
    char digest_hex[65];
    if (!EVP_Digest(canonical_request, canonical_len, digest, NULL, EVP_sha256(), NULL))
        abort();
    owl_hex_encode(digest, sizeof digest, digest_hex);
    owl_buf_printf(out, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", datetime, date, region,
                   service, digest_hex);
}

static void hmac_sha256(const uint8_t *key, size_t key_len, const char *data, size_t len,
                        uint8_t out[32])
{
    unsigned int out_len = 32;
    if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, len, out, &out_len))
        abort();
}

/*
 * Signing keys derived recently, so a client that signs many requests in a
 * day costs one SHA-256 of its secret per request instead of four HMACs.
 * The cache is direct-mapped and shared by all threads; an entry is found
 * by the SHA-256 of "AWS4" + secret (the secret itself is not kept) and the
 * scope's date, region and service.
 */
#define SIGNING_KEY_CACHE_SIZE 64

typedef struct signing_key_entry {
    bool used;
    uint8_t secret_digest[32];
    char date[16];
    char region[64];
    char service[32];
    uint8_t key[32];
} signing_key_entry;

static pthread_mutex_t signing_key_lock = PTHREAD_MUTEX_INITIALIZER;
static signing_key_entry signing_key_cache[SIGNING_KEY_CACHE_SIZE];

/* Returns the cache slot for a secret digest and scope (FNV-1a over the scope, mixed with the digest). */
static size_t signing_key_slot(const uint8_t secret_digest[32], const char *date, const char *region,
                               const char *service)
{
    uint64_t hash = 14695981039346656037ull;
    for (int i = 0; i < 8; i++)
        hash = (hash ^ secret_digest[i]) * 1099511628211ull;
    const char *parts[] = {date, region, service};
    for (size_t i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p; p++)
            hash = (hash ^ (uint8_t)*p) * 1099511628211ull;
    return (size_t)(hash % SIGNING_KEY_CACHE_SIZE);
}

static bool signing_key_entry_matches(const signing_key_entry *entry, const uint8_t secret_digest[32],
                                      const char *date, const char *region, const char *service)
{
    return entry->used && CRYPTO_memcmp(entry->secret_digest, secret_digest, 32) == 0 &&
           strcmp(entry->date, date) == 0 && strcmp(entry->region, region) == 0 &&
           strcmp(entry->service, service) == 0;
}

void sigv4_signing_key(const char *secret_access_key, const char *date, const char *region,
                       const char *service, uint8_t out[32])
{
    owl_buf secret = OWL_BUF_INIT;
    owl_buf_puts(&secret, "AWS4");
    owl_buf_puts(&secret, secret_access_key);

    /* Scopes too long for an entry are derived every time; a valid scope always fits. */
    bool cacheable = strlen(date) < sizeof signing_key_cache[0].date &&
                     strlen(region) < sizeof signing_key_cache[0].region &&
                     strlen(service) < sizeof signing_key_cache[0].service;
    uint8_t secret_digest[32];
    size_t slot = 0;
    if (cacheable) {
        if (!EVP_Digest(secret.data, secret.len, secret_digest, NULL, EVP_sha256(), NULL))
            abort();
        slot = signing_key_slot(secret_digest, date, region, service);
        pthread_mutex_lock(&signing_key_lock);
        signing_key_entry *entry = &signing_key_cache[slot];
        bool hit = signing_key_entry_matches(entry, secret_digest, date, region, service);
        if (hit)
            memcpy(out, entry->key, 32);
        pthread_mutex_unlock(&signing_key_lock);
        if (hit) {
            OPENSSL_cleanse(secret.data, secret.len);
            owl_buf_free(&secret);
            return;
        }
    }

    uint8_t date_key[32], region_key[32], service_key[32];
    hmac_sha256((const uint8_t *)secret.data, secret.len, date, strlen(date), date_key);
    hmac_sha256(date_key, 32, region, strlen(region), region_key);
    hmac_sha256(region_key, 32, service, strlen(service), service_key);
    hmac_sha256(service_key, 32, "aws4_request", 12, out);

    if (cacheable) {
        pthread_mutex_lock(&signing_key_lock);
        signing_key_entry *entry = &signing_key_cache[slot];
        entry->used = true;
        memcpy(entry->secret_digest, secret_digest, 32);
        snprintf(entry->date, sizeof entry->date, "%s", date);
        snprintf(entry->region, sizeof entry->region, "%s", region);
        snprintf(entry->service, sizeof entry->service, "%s", service);
        memcpy(entry->key, out, 32);
        pthread_mutex_unlock(&signing_key_lock);
    }

    OPENSSL_cleanse(secret.data, secret.len);
    OPENSSL_cleanse(date_key, sizeof date_key);
    OPENSSL_cleanse(region_key, sizeof region_key);
    OPENSSL_cleanse(service_key, sizeof service_key);
    owl_buf_free(&secret);
}

void sigv4_hmac_hex(const uint8_t key[32], const char *data, size_t len, char out[65])
{
    uint8_t mac[32];
    hmac_sha256(key, 32, data, len, mac);
    owl_hex_encode(mac, sizeof mac, out);
}
