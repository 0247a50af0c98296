/*
 * libFuzzer target for AWS Signature Version 4 (src/aws/sigv4*.c): the
 * Authorization parser, presigned-query parser, canonicalization, verifier,
 * signer and aws-chunked decoder.
 *
 * Input layout, NUL-separated:
 *   flags (1 byte) | Authorization value | query | path | body (rest, binary)
 * Bit 0 of flags picks the unsigned-trailer chunk mode instead of the
 * signed one; bits 1-7 plus 1 are the slice size the body is fed in.
 * Missing parts are empty. fuzz/corpus/sigv4/ contains seeds in this layout.
 */
#include "aws/sigv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define FUZZ_NOW ((time_t)1796413801) /* 20261204T195001Z, the seeds' date */

/* Copies the next NUL-terminated part of data into a new string. */
static char *next_part(const uint8_t **data, size_t *size)
{
    const uint8_t *end = memchr(*data, '\0', *size);
    size_t len = end ? (size_t)(end - *data) : *size;
    char *part = malloc(len + 1);
    if (!part)
        abort();
    memcpy(part, *data, len);
    part[len] = '\0';
    *data += end ? len + 1 : len;
    *size -= end ? len + 1 : len;
    return part;
}

static int discard(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

static void run_chunked(const sigv4_auth *auth, bool trailer_mode, size_t step,
                        const uint8_t *body, size_t len)
{
    size_t decoded = 0;
    char errmsg[256];
    sigv4_chunked *decoder = sigv4_chunked_new(
        auth, FUZZ_SECRET, trailer_mode ? SIGV4_STREAMING_UNSIGNED_TRAILER : SIGV4_STREAMING_PAYLOAD,
        -1, discard, &decoded);
    if (!decoder)
        abort();
    sigv4_status status = SIGV4_OK;
    for (size_t off = 0; off < len && status == SIGV4_OK; off += step)
        status = sigv4_chunked_feed(decoder, body + off, len - off < step ? len - off : step,
                                    errmsg, sizeof errmsg);
    sigv4_chunked_finish(decoder, errmsg, sizeof errmsg);
    if (decoded != sigv4_chunked_decoded_length(decoder) || decoded > len)
        abort();
    (void)sigv4_chunked_trailers(decoder);
    sigv4_chunked_free(decoder);
}

static void run_signer(const sigv4_request *req)
{
    sigv4_header headers[2] = {{"host", "127.0.0.1:4566"}, {"x-amz-meta-a", req->query}};
    sigv4_request to_sign = {"PUT", req->path, req->query, headers, 2};
    sigv4_credentials credentials = {"AKIDEXAMPLE", FUZZ_SECRET, NULL};
    sigv4_signature_headers out;
    char errmsg[256];
    sigv4_sign(&to_sign, &credentials, "us-east-1", "lambda", NULL, FUZZ_NOW, &out, errmsg,
               sizeof errmsg);

    owl_buf query = OWL_BUF_INIT;
    if (sigv4_presign(&to_sign, &credentials, "us-east-1", "s3", NULL, FUZZ_NOW, 60, &query,
                      errmsg, sizeof errmsg) == SIGV4_OK) {
        /* What the signer presigns must verify. */
        sigv4_request presigned = {"PUT", req->path, query.data, headers, 2};
        sigv4_auth auth;
        if (sigv4_parse(&presigned, &auth, errmsg, sizeof errmsg) != SIGV4_OK ||
            sigv4_verify(&auth, &presigned, "s3", NULL, FUZZ_SECRET, FUZZ_NOW, NULL, NULL, errmsg,
                         sizeof errmsg) != SIGV4_OK)
            abort();
        sigv4_auth_free(&auth);
    }
    owl_buf_free(&query);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t flags = data[0];
    data++, size--;
    char *authorization = next_part(&data, &size);
    char *query = next_part(&data, &size);
    char *path = next_part(&data, &size);

    sigv4_header headers[4] = {
        {"host", "127.0.0.1:4566"},
        {"x-amz-date", "20261204T195001Z"},
        {"x-amz-content-sha256", SIGV4_STREAMING_PAYLOAD},
        {"authorization", authorization},
    };
    sigv4_request req = {"PUT", path, query, headers, authorization[0] ? 4 : 3};
    sigv4_auth auth;
    char errmsg[256];
    owl_buf canonical = OWL_BUF_INIT, to_sign = OWL_BUF_INIT;
    if (sigv4_parse(&req, &auth, errmsg, sizeof errmsg) == SIGV4_OK) {
        sigv4_verify(&auth, &req, NULL, NULL, FUZZ_SECRET, FUZZ_NOW, &canonical, &to_sign, errmsg,
                     sizeof errmsg);
    } else {
        /* Still exercise the decoder with a well-formed scope. */
        strcpy(auth.scope_date, "20261204");
        strcpy(auth.region, "us-east-1");
        strcpy(auth.service, "s3");
        strcpy(auth.datetime, "20261204T195001Z");
        memset(auth.signature, 'a', 64);
        auth.signature[64] = '\0';
    }
    owl_buf_reset(&canonical);
    sigv4_canonical_request(&req, "lambda", "host;x-amz-date", SIGV4_EMPTY_SHA256, true,
                            &canonical, errmsg, sizeof errmsg);

    run_chunked(&auth, flags & 1, (size_t)(flags >> 1) + 1, data, size);
    run_signer(&req);

    sigv4_auth_free(&auth);
    owl_buf_free(&canonical);
    owl_buf_free(&to_sign);
    free(authorization);
    free(query);
    free(path);
    return 0;
}
