/*
 * One AWS API call as the services see it: the HTTP exchange, the protocol
 * the service speaks, the routing result (service, region, operation), the
 * authenticated caller and the request id. Every service handler receives
 * an aws_call and responds through the helpers here, so every API encodes
 * success and failure the same way.
 *
 * Protocols and their error encodings:
 *   AWS_PROTOCOL_JSON       JSON 1.1 (Athena): {"__type": code, "message": ...}
 *   AWS_PROTOCOL_REST_JSON  REST-JSON (Lambda): x-amzn-ErrorType header and
 *                           {"Type": "User", "message": ...}
 *   AWS_PROTOCOL_REST_XML   S3: <Error><Code/><Message/><RequestId/><HostId/></Error>
 *   AWS_PROTOCOL_QUERY      IAM and STS: <ErrorResponse><Error><Type/><Code/>
 *                           <Message/></Error><RequestId/></ErrorResponse>
 */
#ifndef OWL_AWS_CALL_H
#define OWL_AWS_CALL_H

#include "aws/form.h"
#include "aws/sigv4.h"
#include "http/http.h"

#include <jansson.h>
#include <stdarg.h>

struct iam_identity;
struct owl_store;

typedef enum aws_protocol {
    AWS_PROTOCOL_JSON,
    AWS_PROTOCOL_REST_JSON,
    AWS_PROTOCOL_REST_XML,
    AWS_PROTOCOL_QUERY,
} aws_protocol;

typedef struct aws_call {
    http_request *req;
    http_response *resp;
    aws_protocol protocol;
    /* Signing name of the service: "athena", "lambda", "s3", "iam", "sts". */
    const char *service;
    char region[64];
    /* Operation name from the service model, e.g. "GetCallerIdentity"; "" until known. */
    char operation[64];
    /* XML namespace of Query-protocol responses. */
    const char *xml_namespace;
    /* The authenticated caller; never NULL once the call reaches a service. */
    struct iam_identity *identity;
    struct owl_store *store;
    /* Form parameters of Query-protocol calls (body or query string). */
    aws_form form;
    /* Error code of the failure, for the request log line. */
    char error_code[64];
    /*
     * Decoder of an aws-chunked body (S3 x-amz-content-sha256 STREAMING-*),
     * created by authentication after the seed signature verified; NULL for
     * every other request. It keeps the derived signing key, never the
     * secret. Freed by aws_call_free_chunked().
     */
    sigv4_chunked *chunked;
    /*
     * Receiver of the decoded bytes. The service sets it before it feeds
     * the body to the decoder; while it is NULL, decoding fails.
     */
    sigv4_chunk_data_fn chunked_data;
    void *chunked_data_ctx;
} aws_call;

/*
 * Fills the response with the service's error encoding: HTTP status, error
 * code and a message formatted from fmt. The message names the bad value and
 * is sent to the client as is.
 */
void aws_call_error(aws_call *call, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void aws_call_verror(aws_call *call, int status, const char *code, const char *fmt, va_list ap);

/*
 * Sends a Query-protocol success: <OpResponse xmlns=...><OpResult>result_xml
 * </OpResult><ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>.
 * result_xml is already escaped XML (may be empty).
 */
void aws_call_query_result(aws_call *call, const char *result_xml);

/* Sends a JSON success with the protocol's content type; takes ownership of body. */
void aws_call_json_result(aws_call *call, int status, json_t *body);

/*
 * Data callback for sigv4_chunked_new() with the aws_call as ctx: passes the
 * decoded bytes to call->chunked_data. Authentication creates the decoder
 * before the service has chosen where the decoded bytes go.
 */
int aws_call_forward_chunked_data(void *ctx, const uint8_t *data, size_t len);

/* Frees call->chunked and clears the decoder fields; safe when there is none. */
void aws_call_free_chunked(aws_call *call);

#endif
