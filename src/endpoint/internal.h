/*
 * Shared between the endpoint's routing and authentication files.
 */
#ifndef OWL_ENDPOINT_INTERNAL_H
#define OWL_ENDPOINT_INTERNAL_H

#include "aws/call.h"
#include "endpoint/endpoint.h"
#include "iam/account.h"

struct owl_endpoint {
    owl_store *store;
    owl_endpoint_config config;
};

/* Everything the endpoint keeps for one request, from begin() to done(). */
typedef struct endpoint_request {
    aws_call call;
    iam_identity identity;
    /* Service resolved from the headers, or NULL until the body is read. */
    const struct endpoint_service *service;
    /*
     * Set while an S3 upload is authenticated from its headers alone: a hex
     * x-amz-content-sha256 is then checked by the S3 handler against the
     * streamed body.
     */
    bool body_pending;
    /* The request was authenticated in begin(); finish() does not do it again. */
    bool authenticated;
} endpoint_request;

typedef struct endpoint_service {
    const char *name;
    aws_protocol protocol;
    const char *xml_namespace;
    void (*handle)(aws_call *call);
} endpoint_service;

/*
 * Verifies the request's SigV4 signature and fills call->identity.
 * Returns false after filling the response with the protocol's error.
 */
bool endpoint_authenticate(owl_endpoint *endpoint, endpoint_request *state);

#endif
