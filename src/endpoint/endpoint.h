/*
 * The service endpoint: one HTTP handler that routes each request to Athena,
 * Lambda, S3, IAM or STS the way AWS SDKs address services when given
 * --endpoint-url, authenticates it with SigV4, dispatches it to the service
 * and logs one line for it.
 *
 * Routing, in order: the SigV4 credential scope (Authorization header or
 * presigned X-Amz-Credential) names the service and region; otherwise
 * X-Amz-Target selects a JSON 1.1 service, the /2015-03-31/ path prefix
 * selects Lambda, a form-encoded POST or an Action= query selects IAM or
 * STS by action name, and anything else is S3.
 */
#ifndef OWL_ENDPOINT_ENDPOINT_H
#define OWL_ENDPOINT_ENDPOINT_H

#include "http/http.h"
#include "store/store.h"

typedef struct owl_endpoint owl_endpoint;

typedef struct owl_endpoint_config {
    /* Largest request body of JSON and Query calls, in bytes. */
    uint64_t max_body_bytes;
    /* Largest Lambda request body (CreateFunction with an inline zip, Invoke). */
    uint64_t max_lambda_body_bytes;
    /* Largest S3 request body kept in memory. */
    uint64_t max_s3_body_bytes;
} owl_endpoint_config;

owl_endpoint *owl_endpoint_new(owl_store *store, const owl_endpoint_config *config);
void owl_endpoint_free(owl_endpoint *endpoint);
/* Returns the HTTP handler that serves requests through endpoint. */
http_server_handler owl_endpoint_handler(owl_endpoint *endpoint);

#endif
