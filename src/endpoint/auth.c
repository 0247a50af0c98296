/*
 * Authentication of every request: SigV4 (Authorization header or presigned
 * query) checked against the secret of the access key, the session token of
 * temporary keys, and the payload hash. Unsigned requests are anonymous for
 * S3 (a bucket policy or ACL may grant everyone) and rejected elsewhere.
 *
 * The error codes and messages are the ones AWS returns for the same
 * mistakes. The secret key leaves this file only inside the aws-chunked
 * decoder, as a derived signing key, and nothing secret is logged.
 */
#include "aws/sigv4.h"
#include "common/log.h"
#include "common/util.h"
#include "endpoint/internal.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INVALID_TOKEN_MESSAGE "The security token included in the request is invalid."
#define EXPIRED_TOKEN_MESSAGE "The security token included in the request is expired"

/* Rejects an access key that does not resolve, in the service's words. */
static void reject_unknown_key(aws_call *call)
{
    switch (call->protocol) {
    case AWS_PROTOCOL_REST_XML:
        aws_call_error(call, 403, "InvalidAccessKeyId",
                       "The AWS Access Key Id you provided does not exist in our records.");
        break;
    case AWS_PROTOCOL_QUERY:
        aws_call_error(call, 403, "InvalidClientTokenId", INVALID_TOKEN_MESSAGE);
        break;
    default:
        aws_call_error(call, 403, "UnrecognizedClientException", INVALID_TOKEN_MESSAGE);
        break;
    }
}

/* Rejects a temporary key past its expiry: SDKs read these codes to refresh credentials. */
static void reject_expired_key(aws_call *call)
{
    switch (call->protocol) {
    case AWS_PROTOCOL_REST_XML:
        aws_call_error(call, 400, "ExpiredToken", "The provided token has expired.");
        break;
    case AWS_PROTOCOL_QUERY:
        aws_call_error(call, 403, "ExpiredToken", EXPIRED_TOKEN_MESSAGE);
        break;
    default:
        aws_call_error(call, 403, "ExpiredTokenException", EXPIRED_TOKEN_MESSAGE);
        break;
    }
}

static int status_for(sigv4_status status, bool s3)
{
    if (!s3)
        return 403;
    switch (status) {
    case SIGV4_ERR_INCOMPLETE:
    case SIGV4_ERR_ALGORITHM:
    case SIGV4_ERR_CREDENTIAL:
    case SIGV4_ERR_CHUNK:
    case SIGV4_ERR_TRUNCATED:
        return 400;
    default:
        return 403;
    }
}

static void set_anonymous(iam_identity *identity)
{
    memset(identity, 0, sizeof *identity);
    identity->type = IAM_PRINCIPAL_ANONYMOUS;
    snprintf(identity->arn, sizeof identity->arn, "anonymous");
}

/* Returns true when the header value is 64 hex digits (a literal payload hash). */
static bool is_hex_sha256(const char *value)
{
    if (!value || strlen(value) != 64)
        return false;
    for (const char *p = value; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static void body_sha256_hex(const http_request *req, char out[65])
{
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)(req->body.data ? req->body.data : ""), req->body.len, digest);
    owl_hex_encode(digest, sizeof digest, out);
}

/* Returns x-amz-decoded-content-length, or -1 when it is absent or not a decimal number. */
static int64_t decoded_content_length(const http_request *req)
{
    const char *value = http_request_header(req, "x-amz-decoded-content-length");
    if (!value || *value < '0' || *value > '9')
        return -1;
    errno = 0;
    char *end;
    long long length = strtoll(value, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return -1;
    return length;
}

/*
 * Gives an S3 request with an aws-chunked body its decoder. auth and secret
 * are NULL for an anonymous request, which can only use the unsigned
 * trailer mode. Creates nothing for other x-amz-content-sha256 values,
 * including STREAMING-* modes the decoder does not support: the S3 handler
 * rejects those.
 */
static void attach_chunked_decoder(aws_call *call, const sigv4_auth *auth, const char *secret)
{
    const char *content_sha256 = http_request_header(call->req, "x-amz-content-sha256");
    if (!content_sha256 || strncmp(content_sha256, "STREAMING-", 10) != 0)
        return;
    if (!auth && strcmp(content_sha256, SIGV4_STREAMING_UNSIGNED_TRAILER) != 0)
        return;
    call->chunked = sigv4_chunked_new(auth, secret, content_sha256,
                                      decoded_content_length(call->req),
                                      aws_call_forward_chunked_data, call);
}

bool endpoint_authenticate(owl_endpoint *endpoint, endpoint_request *state)
{
    aws_call *call = &state->call;
    http_request *req = call->req;
    bool s3 = strcmp(call->service, "s3") == 0;

    sigv4_header headers[HTTP_MAX_HEADERS];
    for (size_t i = 0; i < req->header_count; i++) {
        headers[i].name = req->headers[i].name;
        headers[i].value = req->headers[i].value;
    }
    sigv4_request signed_request = {
        .method = req->method,
        .path = req->raw_path,
        .query = req->raw_query,
        .headers = headers,
        .header_count = req->header_count,
    };

    char message[512] = "";
    sigv4_auth auth;
    sigv4_status status = sigv4_parse(&signed_request, &auth, message, sizeof message);
    if (status == SIGV4_ERR_MISSING) {
        sigv4_auth_free(&auth);
        if (s3) {
            set_anonymous(call->identity);
            attach_chunked_decoder(call, NULL, NULL);
            return true;
        }
        aws_call_error(call, 403, "MissingAuthenticationToken",
                       "Request is missing Authentication Token");
        return false;
    }
    if (status != SIGV4_OK) {
        aws_call_error(call, status_for(status, s3), sigv4_error_code(status, s3, auth.presigned),
                       "%s", message);
        sigv4_auth_free(&auth);
        return false;
    }

    char secret[IAM_SECRET_KEY_MAX + 1];
    char *session_token = NULL;
    sqlite3 *db = owl_store_acquire(endpoint->store);
    iam_status found = db ? iam_access_key_resolve(db, auth.access_key_id, time(NULL),
                                                   call->identity, secret, &session_token)
                          : IAM_STORE_ERROR;
    owl_store_release(endpoint->store, db);
    if (found == IAM_STORE_ERROR) {
        owl_log_error("event=access_key_lookup_failed request_id=%s", req->request_id);
        aws_call_error(call, 500, s3 ? "InternalError" : "InternalFailure",
                       "The credential store could not be read; try again");
        sigv4_auth_free(&auth);
        return false;
    }
    if (found == IAM_EXPIRED) {
        reject_expired_key(call);
        sigv4_auth_free(&auth);
        return false;
    }
    if (found != IAM_OK) {
        reject_unknown_key(call);
        sigv4_auth_free(&auth);
        return false;
    }

    /* Temporary keys need their own session token; long-term keys take none. */
    bool token_ok = session_token
                        ? auth.session_token &&
                              owl_equal_constant_time(auth.session_token, strlen(auth.session_token),
                                                      session_token, strlen(session_token))
                        : auth.session_token == NULL;
    if (session_token)
        explicit_bzero(session_token, strlen(session_token));
    free(session_token);
    if (!token_ok) {
        memset(call->identity, 0, sizeof *call->identity);
        if (s3)
            aws_call_error(call, 400, "InvalidToken",
                           "The provided token is malformed or otherwise invalid.");
        else
            reject_unknown_key(call);
        explicit_bzero(secret, sizeof secret);
        sigv4_auth_free(&auth);
        return false;
    }

    /* S3 signs the x-amz-content-sha256 header; every other service signs the body's hash. */
    char body_hash[65];
    const char *payload_hash = NULL;
    if (!s3) {
        body_sha256_hex(req, body_hash);
        payload_hash = body_hash;
    }
    status = sigv4_verify(&auth, &signed_request, call->service, payload_hash, secret, time(NULL),
                          NULL, NULL, message, sizeof message);
    /* The chunk signatures chain from the seed signature, so only a verified request gets a decoder. */
    if (status == SIGV4_OK && s3)
        attach_chunked_decoder(call, &auth, secret);
    explicit_bzero(secret, sizeof secret);
    if (status != SIGV4_OK) {
        memset(call->identity, 0, sizeof *call->identity);
        aws_call_error(call, status_for(status, s3), sigv4_error_code(status, s3, auth.presigned),
                       "%s", message);
        sigv4_auth_free(&auth);
        return false;
    }
    sigv4_auth_free(&auth);

    /* A body streamed to a file (S3 uploads) is hashed and checked by the S3 handler. */
    const char *content_sha256 = http_request_header(req, "x-amz-content-sha256");
    if (s3 && is_hex_sha256(content_sha256) && !state->body_pending && !req->body_sink.write) {
        body_sha256_hex(req, body_hash);
        if (strcmp(body_hash, content_sha256) != 0) {
            aws_call_error(call, 400, "XAmzContentSHA256Mismatch",
                           "The provided 'x-amz-content-sha256' header does not match what was computed.");
            return false;
        }
    }
    return true;
}
