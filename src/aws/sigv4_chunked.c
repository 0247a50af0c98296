/*
 * Incremental decoder for S3's aws-chunked request bodies (AWS Signature
 * Version 4 streaming payloads):
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD   chunks carry chained signatures;
 *   STREAMING-UNSIGNED-PAYLOAD-TRAILER   plain chunks, then trailer lines.
 *
 * The server feeds the body as it arrives, in slices of any size, and the
 * decoder passes data bytes straight to a callback, so a 1 GiB upload needs
 * no buffer beyond the decoder's fixed state. A byte-at-a-time state machine
 * handles the chunk headers; data is hashed and forwarded in bulk.
 *
 * Limits: SIGV4_MAX_CHUNK_SIZE bytes per chunk, at most 16 hex digits of
 * size, a chunk extension of exactly ";chunk-signature=<64 hex>" (signed
 * mode) or none (unsigned mode), SIGV4_MAX_TRAILERS bytes of trailers.
 *
 * NOTE: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (signed chunks plus a
 * signed trailer) is not supported; sigv4_chunked_new() returns NULL for it.
 */
#include "aws/sigv4.h"

#include "common/util.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIGNATURE_PREFIX "chunk-signature="
#define CHUNK_EXTENSION_MAX 96 /* ";chunk-signature=" plus 64 hex digits, with room */
#define CHUNK_SIZE_DIGITS_MAX 16

enum chunk_state {
    STATE_SIZE,       /* hex digits of the chunk size */
    STATE_EXTENSION,  /* after ';', up to CR */
    STATE_SIZE_LF,    /* LF ending the size line */
    STATE_DATA,       /* chunk data */
    STATE_DATA_CR,    /* CR after the data */
    STATE_DATA_LF,    /* LF after the data; the chunk is complete */
    STATE_TRAILER,    /* a trailer line, up to CR; an empty line ends the body */
    STATE_TRAILER_LF, /* LF ending a trailer line */
    STATE_END_LF,     /* LF ending the empty line after the trailers */
    STATE_DONE,       /* the body is complete; any further byte is an error */
    STATE_FAILED,
};

struct sigv4_chunked {
    bool signed_chunks;
    uint8_t key[32];
    char datetime[17];
    char scope[9 + 2 * (SIGV4_MAX_SCOPE_PART + 1) + 13];
    char previous_signature[65];
    int64_t decoded_length;
    uint64_t total;
    sigv4_chunk_data_fn on_data;
    void *ctx;

    enum chunk_state state;
    uint64_t chunk_size, remaining;
    unsigned size_digits;
    char extension[CHUNK_EXTENSION_MAX + 1];
    size_t extension_len;
    EVP_MD_CTX *sha256;

    owl_buf trailers;
    size_t trailer_line_start;

    sigv4_status error;
    char error_message[256];
};

static void fail(sigv4_chunked *d, sigv4_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(sigv4_chunked *d, sigv4_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error_message, sizeof d->error_message, fmt, ap);
    va_end(ap);
    d->error = status;
    d->state = STATE_FAILED;
}

sigv4_chunked *sigv4_chunked_new(const sigv4_auth *auth, const char *secret_access_key,
                                 const char *content_sha256, int64_t decoded_length,
                                 sigv4_chunk_data_fn on_data, void *ctx)
{
    bool signed_chunks;
    if (strcmp(content_sha256, SIGV4_STREAMING_PAYLOAD) == 0)
        signed_chunks = true;
    else if (strcmp(content_sha256, SIGV4_STREAMING_UNSIGNED_TRAILER) == 0)
        signed_chunks = false;
    else
        return NULL;
    if (decoded_length < -1)
        return NULL;

    sigv4_chunked *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    d->signed_chunks = signed_chunks;
    d->decoded_length = decoded_length;
    d->on_data = on_data;
    d->ctx = ctx;
    d->state = STATE_SIZE;
    if (signed_chunks) {
        sigv4_signing_key(secret_access_key, auth->scope_date, auth->region, auth->service,
                          d->key);
        memcpy(d->datetime, auth->datetime, sizeof d->datetime);
        snprintf(d->scope, sizeof d->scope, "%s/%s/%s/aws4_request", auth->scope_date,
                 auth->region, auth->service);
        memcpy(d->previous_signature, auth->signature, sizeof d->previous_signature);
        d->sha256 = EVP_MD_CTX_new();
        if (!d->sha256)
            abort();
    }
    return d;
}

void sigv4_chunked_free(sigv4_chunked *d)
{
    if (!d)
        return;
    EVP_MD_CTX_free(d->sha256);
    owl_buf_free(&d->trailers);
    OPENSSL_cleanse(d->key, sizeof d->key);
    free(d);
}

const char *sigv4_chunked_trailers(const sigv4_chunked *d)
{
    return d->trailers.data ? d->trailers.data : "";
}

uint64_t sigv4_chunked_decoded_length(const sigv4_chunked *d)
{
    return d->total;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void describe_byte(char out[8], unsigned char c)
{
    if (c >= 0x21 && c < 0x7f)
        snprintf(out, 8, "'%c'", c);
    else
        snprintf(out, 8, "0x%02x", c);
}

/* Checks ";chunk-signature=<64 lowercase hex>" and returns the signature. */
static const char *extension_signature(const sigv4_chunked *d)
{
    size_t prefix = strlen(CHUNK_SIGNATURE_PREFIX);
    if (d->extension_len != prefix + 64 ||
        memcmp(d->extension, CHUNK_SIGNATURE_PREFIX, prefix) != 0)
        return NULL;
    for (size_t i = prefix; i < d->extension_len; i++) {
        char c = d->extension[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return NULL;
    }
    return d->extension + prefix;
}

static void begin_chunk(sigv4_chunked *d)
{
    d->remaining = d->chunk_size;
    if (d->signed_chunks && !EVP_DigestInit_ex(d->sha256, EVP_sha256(), NULL))
        abort();
    if (d->chunk_size > 0)
        d->state = STATE_DATA;
    else if (d->signed_chunks)
        d->state = STATE_DATA_CR; /* the final chunk has an empty data section */
    else
        d->state = STATE_TRAILER;
}

/* Checks the signature of the chunk that just ended. */
static void end_chunk(sigv4_chunked *d)
{
    if (d->signed_chunks) {
        uint8_t digest[32];
        char digest_hex[65], expected[65];
        if (!EVP_DigestFinal_ex(d->sha256, digest, NULL))
            abort();
        owl_hex_encode(digest, sizeof digest, digest_hex);

        owl_buf to_sign = OWL_BUF_INIT;
        owl_buf_printf(&to_sign, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s", d->datetime,
                       d->scope, d->previous_signature, SIGV4_EMPTY_SHA256, digest_hex);
        sigv4_hmac_hex(d->key, to_sign.data, to_sign.len, expected);
        owl_buf_free(&to_sign);

        const char *given = d->extension + strlen(CHUNK_SIGNATURE_PREFIX);
        if (!owl_equal_constant_time(expected, 64, given, 64)) {
            fail(d, SIGV4_ERR_SIGNATURE,
                 "The chunk signature of the chunk ending at decoded byte %llu does not match; "
                 "check the signing key and the chunk data.",
                 (unsigned long long)d->total);
            return;
        }
        memcpy(d->previous_signature, expected, sizeof expected);
    }
    d->state = d->chunk_size == 0 ? STATE_DONE : STATE_SIZE;
    d->chunk_size = 0;
    d->size_digits = 0;
    d->extension_len = 0;
}

/* Appends one byte of a trailer line; ends the line at CR. */
static void trailer_byte(sigv4_chunked *d, unsigned char c)
{
    if (c != '\r') {
        if (d->trailers.len >= SIGV4_MAX_TRAILERS) {
            fail(d, SIGV4_ERR_CHUNK, "The trailers exceed %d bytes.", SIGV4_MAX_TRAILERS);
            return;
        }
        if (c == '\n' || c == '\0') {
            fail(d, SIGV4_ERR_CHUNK, "A trailer line contains a %s byte.", c ? "LF" : "NUL");
            return;
        }
        owl_buf_putc(&d->trailers, (char)c);
        return;
    }

    size_t line_len = d->trailers.len - d->trailer_line_start;
    if (line_len == 0) {
        d->state = STATE_END_LF;
        return;
    }
    char *line = d->trailers.data + d->trailer_line_start;
    char *colon = memchr(line, ':', line_len);
    if (!colon || colon == line) {
        fail(d, SIGV4_ERR_CHUNK, "A trailer line has no 'name:' prefix.");
        return;
    }
    for (char *p = line; p < colon; p++)
        *p = (char)tolower((unsigned char)*p);
    owl_buf_putc(&d->trailers, '\n');
    d->trailer_line_start = d->trailers.len;
    d->state = STATE_TRAILER_LF;
}

/* Consumes one byte of framing (anything outside chunk data). */
static void framing_byte(sigv4_chunked *d, unsigned char c)
{
    char shown[8];
    switch (d->state) {
    case STATE_SIZE: {
        int digit = hex_value(c);
        if (digit >= 0) {
            d->chunk_size = d->chunk_size * 16 + (uint64_t)digit;
            if (++d->size_digits > CHUNK_SIZE_DIGITS_MAX || d->chunk_size > SIGV4_MAX_CHUNK_SIZE)
                fail(d, SIGV4_ERR_CHUNK, "A chunk is larger than the maximum of %u bytes.",
                     SIGV4_MAX_CHUNK_SIZE);
        } else if (d->size_digits == 0) {
            describe_byte(shown, c);
            fail(d, SIGV4_ERR_CHUNK, "Expected the hex size of a chunk, found %s.", shown);
        } else if (c == ';' && d->signed_chunks) {
            d->state = STATE_EXTENSION;
        } else if (c == '\r' && !d->signed_chunks) {
            d->state = STATE_SIZE_LF;
        } else if (c == '\r' || c == ';') {
            fail(d, SIGV4_ERR_CHUNK,
                 d->signed_chunks ? "A chunk has no ';chunk-signature=' extension."
                                  : "A chunk has an extension, which unsigned bodies do not allow.");
        } else {
            describe_byte(shown, c);
            fail(d, SIGV4_ERR_CHUNK, "Invalid byte %s in a chunk size.", shown);
        }
        break;
    }
    case STATE_EXTENSION:
        if (c == '\r') {
            if (!extension_signature(d))
                fail(d, SIGV4_ERR_CHUNK,
                     "A chunk extension is not 'chunk-signature=' and 64 lowercase hex digits.");
            else
                d->state = STATE_SIZE_LF;
        } else if (d->extension_len == CHUNK_EXTENSION_MAX) {
            fail(d, SIGV4_ERR_CHUNK, "A chunk extension is longer than %d bytes.",
                 CHUNK_EXTENSION_MAX);
        } else {
            d->extension[d->extension_len++] = (char)c;
        }
        break;
    case STATE_SIZE_LF:
        if (c != '\n')
            fail(d, SIGV4_ERR_CHUNK, "A chunk size line does not end with CRLF.");
        else
            begin_chunk(d);
        break;
    case STATE_DATA_CR:
        if (c != '\r')
            fail(d, SIGV4_ERR_CHUNK, "Chunk data of %llu bytes is not followed by CRLF.",
                 (unsigned long long)d->chunk_size);
        else
            d->state = STATE_DATA_LF;
        break;
    case STATE_DATA_LF:
        if (c != '\n')
            fail(d, SIGV4_ERR_CHUNK, "Chunk data of %llu bytes is not followed by CRLF.",
                 (unsigned long long)d->chunk_size);
        else
            end_chunk(d);
        break;
    case STATE_TRAILER:
        trailer_byte(d, c);
        break;
    case STATE_TRAILER_LF:
    case STATE_END_LF:
        if (c != '\n')
            fail(d, SIGV4_ERR_CHUNK, "A trailer line does not end with CRLF.");
        else
            d->state = d->state == STATE_END_LF ? STATE_DONE : STATE_TRAILER;
        break;
    case STATE_DONE:
        fail(d, SIGV4_ERR_CHUNK, "The body has data after its final chunk.");
        break;
    case STATE_DATA:
    case STATE_FAILED:
        break;
    }
}

/* Forwards up to len bytes of chunk data; returns how many it consumed. */
static size_t data_bytes(sigv4_chunked *d, const uint8_t *p, size_t len)
{
    size_t n = len < d->remaining ? len : (size_t)d->remaining;
    d->total += n;
    if (d->decoded_length >= 0 && d->total > (uint64_t)d->decoded_length) {
        fail(d, SIGV4_ERR_TRUNCATED,
             "The decoded body is longer than x-amz-decoded-content-length (%lld bytes).",
             (long long)d->decoded_length);
        return n;
    }
    if (d->signed_chunks && !EVP_DigestUpdate(d->sha256, p, n))
        abort();
    if (d->on_data && d->on_data(d->ctx, p, n) != 0) {
        fail(d, SIGV4_ERR_CALLBACK, "Storing the decoded body failed.");
        return n;
    }
    d->remaining -= n;
    if (d->remaining == 0)
        d->state = STATE_DATA_CR;
    return n;
}

static sigv4_status report(const sigv4_chunked *d, char *errmsg, size_t errmsg_size)
{
    if (errmsg && errmsg_size)
        snprintf(errmsg, errmsg_size, "%s", d->state == STATE_FAILED ? d->error_message : "");
    return d->state == STATE_FAILED ? d->error : SIGV4_OK;
}

sigv4_status sigv4_chunked_feed(sigv4_chunked *d, const void *data, size_t len, char *errmsg,
                                size_t errmsg_size)
{
    const uint8_t *p = data;
    size_t i = 0;
    while (i < len && d->state != STATE_FAILED) {
        if (d->state == STATE_DATA)
            i += data_bytes(d, p + i, len - i);
        else
            framing_byte(d, p[i++]);
    }
    return report(d, errmsg, errmsg_size);
}

sigv4_status sigv4_chunked_finish(sigv4_chunked *d, char *errmsg, size_t errmsg_size)
{
    if (d->state != STATE_FAILED && d->state != STATE_DONE)
        fail(d, SIGV4_ERR_TRUNCATED,
             "The body ended after %llu decoded bytes, before its final chunk was complete.",
             (unsigned long long)d->total);
    else if (d->state == STATE_DONE && d->decoded_length >= 0 &&
             d->total != (uint64_t)d->decoded_length)
        fail(d, SIGV4_ERR_TRUNCATED,
             "The body decoded to %llu bytes, but x-amz-decoded-content-length is %lld.",
             (unsigned long long)d->total, (long long)d->decoded_length);
    return report(d, errmsg, errmsg_size);
}
