/* Temporary: replaced by SigV4 verification. */
#include "endpoint/internal.h"

bool endpoint_authenticate(owl_endpoint *endpoint, endpoint_request *state)
{
    (void)endpoint;
    aws_call_error(&state->call, 403, "MissingAuthenticationToken", "Request is missing Authentication Token");
    return false;
}
