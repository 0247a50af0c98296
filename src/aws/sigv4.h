/*
 * AWS Signature Version 4 (algorithm AWS4-HMAC-SHA256): request
 * verification for the server, request signing and URL presigning for
 * clients, and the aws-chunked body decoder that S3 streaming uploads use.
 *
 * The library is pure: it parses and hashes what the caller hands it and
 * never touches the network, the clock or a credential store. The server
 * flow for one request is
 *
 *   sigv4_parse()     -> who claims to sign, with which scope and time
 *   (look up the secret for auth.access_key_id)
 *   sigv4_verify()    -> is the signature right, is the time acceptable
 *   sigv4_chunked_*() -> for aws-chunked bodies, decode and check each chunk
 *   sigv4_auth_free()
 *
 * The canonical request follows botocore (the AWS SDK for Python), which is
 * the reference the unit tests are generated from:
 *   - canonical URI: for service "s3", the path exactly as received. For
 *     every other service, the path without "." and ".." segments and empty
 *     segments, URI-encoded a second time, so "%3A" becomes "%253A".
 *   - canonical query: each key and value percent-decoded, then encoded with
 *     only A-Z a-z 0-9 - _ . ~ left bare, sorted by key and then value.
 *   - canonical headers: the SignedHeaders in the order given. Values lose
 *     leading and trailing whitespace, inner runs become one space, and
 *     repeated headers are joined with ",".
 *
 * Every string in this API is NUL-terminated. Error messages go into a
 * caller buffer (errmsg, errmsg_size; NULL or 0 to skip) and use AWS's
 * wording where AWS has one. They quote at most 64 bytes of the invalid
 * input, and never the secret key, the expected signature or a session
 * token.
 */
#ifndef OWL_AWS_SIGV4_H
#define OWL_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"

/*
 * Limits on input. Parsing and canonicalization reject input over them with
 * SIGV4_ERR_INCOMPLETE (SIGV4_ERR_CREDENTIAL for the scope parts), the
 * chunked decoder with SIGV4_ERR_CHUNK, the signer with SIGV4_ERR_ARGUMENT.
 */
#define SIGV4_MAX_HEADERS 256            /* headers in one sigv4_request */
#define SIGV4_MAX_AUTHORIZATION 8192     /* bytes in the Authorization value */
#define SIGV4_MAX_QUERY 65536            /* bytes in the raw query string */
#define SIGV4_MAX_QUERY_PARAMS 1024      /* parameters in the query string */
#define SIGV4_MAX_SIGNED_HEADERS 64      /* names in SignedHeaders */
#define SIGV4_MAX_SIGNED_HEADERS_LEN 1024 /* bytes in SignedHeaders */
#define SIGV4_MAX_ACCESS_KEY_ID 128      /* AWS allows 16 to 128 characters */
#define SIGV4_MAX_SCOPE_PART 64          /* bytes in the scope region or service */
#define SIGV4_MAX_SESSION_TOKEN 16384    /* bytes in X-Amz-Security-Token; an assumed
                                            bound, AWS documents no maximum */
#define SIGV4_MAX_SKEW_SECONDS 900       /* header auth: 15 minutes either side */
#define SIGV4_MAX_PRESIGN_EXPIRES 604800 /* X-Amz-Expires: 7 days */
#define SIGV4_MAX_CHUNK_SIZE (64u * 1024 * 1024) /* one aws-chunked chunk */
#define SIGV4_MAX_TRAILERS 4096          /* bytes of aws-chunked trailer lines */

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_STREAMING_PAYLOAD "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define SIGV4_STREAMING_UNSIGNED_TRAILER "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/*
 * Result of every call. The comment names the AWS error code the server
 * returns for JSON and query services (Athena, Lambda, IAM, STS) and, after
 * "S3:", for S3; sigv4_error_code() returns the same mapping.
 */
typedef enum sigv4_status {
    SIGV4_OK = 0,
    SIGV4_ERR_MISSING,    /* MissingAuthenticationToken. S3: AccessDenied */
    SIGV4_ERR_INCOMPLETE, /* IncompleteSignature. S3: AuthorizationHeaderMalformed,
                             or AuthorizationQueryParametersError when presigned */
    SIGV4_ERR_ALGORITHM,  /* IncompleteSignature. S3: the same as INCOMPLETE */
    SIGV4_ERR_DATE,       /* IncompleteSignature. S3: AccessDenied */
    SIGV4_ERR_CREDENTIAL, /* IncompleteSignature. S3: AuthorizationHeaderMalformed */
    SIGV4_ERR_SIGNATURE,  /* SignatureDoesNotMatch, both */
    SIGV4_ERR_SKEWED,     /* RequestExpired. S3: RequestTimeTooSkewed */
    SIGV4_ERR_EXPIRED,    /* presigned URL past X-Amz-Expires. AccessDenied, both */
    SIGV4_ERR_CHUNK,      /* malformed aws-chunked body. S3: InvalidRequest.
                             NOTE: a guess; AWS documents no code for this case */
    SIGV4_ERR_TRUNCATED,  /* body ended early or decoded length differs. S3: IncompleteBody */
    SIGV4_ERR_CALLBACK,   /* the data callback of the chunked decoder failed */
    SIGV4_ERR_ARGUMENT,   /* the caller passed invalid input to the signer */
} sigv4_status;

/* Returns the AWS error code for status ("" for SIGV4_OK), see sigv4_status. */
const char *sigv4_error_code(sigv4_status status, bool s3, bool presigned);

/* One HTTP header. Names are compared case-insensitively. */
typedef struct sigv4_header {
    const char *name;
    const char *value;
} sigv4_header;

/*
 * The request as received (server) or about to be sent (client). The
 * library only reads it, and keeps no pointer into it after a call returns.
 */
typedef struct sigv4_request {
    const char *method;           /* "GET", "PUT", ... */
    const char *path;             /* raw path, still percent-encoded, no query */
    const char *query;            /* raw query without '?'; NULL or "" when none */
    const sigv4_header *headers;  /* every header, repeats allowed, in order */
    size_t header_count;
} sigv4_request;

/*
 * Authentication data of one request, filled by sigv4_parse(). All strings
 * are copies. Release with sigv4_auth_free().
 */
typedef struct sigv4_auth {
    bool presigned;                                    /* query auth, not header auth */
    char access_key_id[SIGV4_MAX_ACCESS_KEY_ID + 1];
    char scope_date[9];                                /* YYYYMMDD from the credential */
    char region[SIGV4_MAX_SCOPE_PART + 1];
    char service[SIGV4_MAX_SCOPE_PART + 1];
    char signed_headers[SIGV4_MAX_SIGNED_HEADERS_LEN + 1]; /* "host;x-amz-date" */
    char signature[65];                                /* 64 hex digits */
    char datetime[17];                                 /* request time, 20261204T195001Z */
    time_t time;                                       /* the same, as Unix time */
    long expires;                                      /* X-Amz-Expires; 0 for header auth */
    char *session_token;                               /* decoded; NULL when absent */
} sigv4_auth;

/*
 * Extracts the authentication data from the Authorization header or, when
 * the query has X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature, from
 * the presigned query. Checks syntax only: the algorithm, credential scope
 * shape (the date against the request date is checked by sigv4_verify()),
 * that "host" is signed, the date format and, when presigned, that
 * X-Amz-Expires is within 1..SIGV4_MAX_PRESIGN_EXPIRES.
 *
 * Returns SIGV4_OK or an error with a message in errmsg. *auth is always
 * initialized, so sigv4_auth_free() is safe after any result.
 */
sigv4_status sigv4_parse(const sigv4_request *req, sigv4_auth *auth, char *errmsg,
                         size_t errmsg_size);

/* Frees what sigv4_parse() allocated and clears *auth. */
void sigv4_auth_free(sigv4_auth *auth);

/*
 * Verifies the signature of a parsed request.
 *
 * payload_hash is the last line of the canonical request. Pass NULL to take
 * the x-amz-content-sha256 header (hex SHA-256, UNSIGNED-PAYLOAD or a
 * STREAMING-* value), falling back to UNSIGNED-PAYLOAD for presigned S3
 * requests; services other than S3 have no such header, so pass the hex
 * SHA-256 of the body for them. The library does not check that the body
 * matches the hash: the server must, unless the value is UNSIGNED-PAYLOAD
 * or a STREAMING-* value (see sigv4_chunked_new()).
 *
 * expected_service, when not NULL, is the service the server routed the
 * request to; a credential scoped to another service is rejected.
 *
 * Checks, in this order: the credential scope date equals the date of the
 * request time (SIGV4_ERR_CREDENTIAL), the request time is within
 * SIGV4_MAX_SKEW_SECONDS of now for header auth (SIGV4_ERR_SKEWED), a
 * presigned URL has not expired and is not dated more than
 * SIGV4_MAX_SKEW_SECONDS ahead (SIGV4_ERR_EXPIRED), and the signature
 * (SIGV4_ERR_SIGNATURE, compared in constant time).
 *
 * canonical_request and string_to_sign, when not NULL, receive the texts the
 * signature was computed over (S3 returns them as CanonicalRequest and
 * StringToSign in its SignatureDoesNotMatch body). They are filled whenever
 * the signature check is reached, and left unchanged otherwise.
 */
sigv4_status sigv4_verify(const sigv4_auth *auth, const sigv4_request *req,
                          const char *expected_service, const char *payload_hash,
                          const char *secret_access_key, time_t now,
                          owl_buf *canonical_request, owl_buf *string_to_sign,
                          char *errmsg, size_t errmsg_size);

/*
 * Derives the signing key HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date),
 * region), service), "aws4_request") into out.
 */
void sigv4_signing_key(const char *secret_access_key, const char *date, const char *region,
                       const char *service, uint8_t out[32]);

/* ---- aws-chunked bodies ------------------------------------------------ */

/*
 * Receives decoded body bytes. Returns 0 to continue; any other value stops
 * decoding with SIGV4_ERR_CALLBACK.
 *
 * Data of a signed chunk reaches the callback before the chunk signature at
 * its end is checked, so nothing is authenticated until
 * sigv4_chunked_finish() returns SIGV4_OK. The server writes to a temporary
 * file and discards it on any error.
 */
typedef int (*sigv4_chunk_data_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct sigv4_chunked sigv4_chunked;

/*
 * Creates a decoder for an aws-chunked body.
 *
 * content_sha256 is the request's x-amz-content-sha256 value:
 * SIGV4_STREAMING_PAYLOAD, where each chunk is
 * "<hex size>;chunk-signature=<64 hex>\r\n<data>\r\n" and each signature
 * chains from the previous one starting at auth->signature, or
 * SIGV4_STREAMING_UNSIGNED_TRAILER, where chunks are "<hex size>\r\n<data>\r\n"
 * and trailer lines such as "x-amz-checksum-crc32:<base64>" follow the final
 * zero-size chunk. Both end with a zero-size chunk.
 *
 * The caller must have verified the request with sigv4_verify() first,
 * because the seed signature is trusted as given. In the unsigned mode auth
 * and secret_access_key are not used and may be NULL. decoded_length is the
 * x-amz-decoded-content-length header, or -1 when absent.
 *
 * Returns NULL when content_sha256 is not one of the two modes, or when
 * decoded_length is below -1.
 */
sigv4_chunked *sigv4_chunked_new(const sigv4_auth *auth, const char *secret_access_key,
                                 const char *content_sha256, int64_t decoded_length,
                                 sigv4_chunk_data_fn on_data, void *ctx);

/*
 * Decodes the next len bytes of the body; slices may be of any size, down to
 * one byte. After the first error every later call returns the same error.
 */
sigv4_status sigv4_chunked_feed(sigv4_chunked *decoder, const void *data, size_t len,
                                char *errmsg, size_t errmsg_size);

/*
 * Ends the body. Returns SIGV4_OK only when the final chunk and its CRLF (or
 * trailer section) were complete and the decoded length equals
 * decoded_length.
 */
sigv4_status sigv4_chunked_finish(sigv4_chunked *decoder, char *errmsg, size_t errmsg_size);

/*
 * Returns the trailer lines received so far, each "name:value\n" with the
 * name lowercased (empty for signed bodies). The string belongs to the
 * decoder.
 */
const char *sigv4_chunked_trailers(const sigv4_chunked *decoder);

/* Returns the number of decoded bytes so far. */
uint64_t sigv4_chunked_decoded_length(const sigv4_chunked *decoder);

void sigv4_chunked_free(sigv4_chunked *decoder);

/* ---- signing ------------------------------------------------------------ */

typedef struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL for long-term keys */
} sigv4_credentials;

/* Headers that sigv4_sign() computed; the caller adds the non-empty ones. */
typedef struct sigv4_signature_headers {
    char authorization[SIGV4_MAX_AUTHORIZATION];
    char x_amz_date[17];
    char x_amz_content_sha256[65];   /* "" unless the service is "s3" */
    const char *x_amz_security_token; /* credentials->session_token, or NULL */
} sigv4_signature_headers;

/*
 * Signs a request with header auth, as botocore does: every header in
 * req->headers is signed (it must contain "host" and must not contain
 * Authorization, X-Amz-Date, X-Amz-Content-Sha256 or X-Amz-Security-Token),
 * plus X-Amz-Date, X-Amz-Security-Token when the credentials have a session
 * token, and, for service "s3" only, X-Amz-Content-Sha256. payload_hash is the
 * hex SHA-256 of the body, UNSIGNED-PAYLOAD or a STREAMING-* value; NULL means
 * the empty body.
 *
 * Returns SIGV4_OK, or SIGV4_ERR_ARGUMENT with a message when the request is
 * outside the limits above or lacks a host header.
 */
sigv4_status sigv4_sign(const sigv4_request *req, const sigv4_credentials *credentials,
                        const char *region, const char *service, const char *payload_hash,
                        time_t when, sigv4_signature_headers *out, char *errmsg,
                        size_t errmsg_size);

/*
 * Presigns a request, as botocore's SigV4QueryAuth and S3SigV4QueryAuth do:
 * appends to query the raw req->query (when not empty), then the
 * X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 * X-Amz-SignedHeaders, X-Amz-Security-Token (with a session token) and
 * X-Amz-Signature parameters. The URL is then path + "?" + query->data.
 *
 * Every header in req->headers is signed, and it must contain "host".
 * payload_hash NULL means UNSIGNED-PAYLOAD for "s3" (what S3 expects) and the
 * SHA-256 of an empty body for other services. expires is in seconds,
 * 1..SIGV4_MAX_PRESIGN_EXPIRES.
 */
sigv4_status sigv4_presign(const sigv4_request *req, const sigv4_credentials *credentials,
                           const char *region, const char *service, const char *payload_hash,
                           time_t when, long expires, owl_buf *query, char *errmsg,
                           size_t errmsg_size);

/* ---- building blocks, shared by the verifier and the signer ------------- */

/*
 * Appends s[0..len) to out URI-encoded the SigV4 way: A-Z a-z 0-9 - _ . ~
 * stay, and "/" too when keep_slash; every other byte becomes %XX with
 * uppercase hex.
 */
void sigv4_uri_encode(owl_buf *out, const char *s, size_t len, bool keep_slash);

/*
 * Appends the canonical request of req to out. service selects the
 * canonical URI rule ("s3" or any other); signed_headers is the
 * ";"-separated list of header names, in the order they are to appear;
 * presigned drops X-Amz-Signature from the canonical query.
 *
 * Returns SIGV4_OK, or SIGV4_ERR_INCOMPLETE with a message when req is over
 * one of the limits (headers, query length or parameters, signed headers).
 */
sigv4_status sigv4_canonical_request(const sigv4_request *req, const char *service,
                                     const char *signed_headers, const char *payload_hash,
                                     bool presigned, owl_buf *out, char *errmsg,
                                     size_t errmsg_size);

/*
 * Appends the string to sign: the algorithm, datetime, the scope
 * "date/region/service/aws4_request" and the hex SHA-256 of the canonical
 * request, one per line.
 */
void sigv4_string_to_sign(const char *datetime, const char *date, const char *region,
                          const char *service, const char *canonical_request,
                          size_t canonical_len, owl_buf *out);

/* Writes the hex HMAC-SHA256 of data under key (64 digits and a NUL). */
void sigv4_hmac_hex(const uint8_t key[32], const char *data, size_t len, char out[65]);

#endif
