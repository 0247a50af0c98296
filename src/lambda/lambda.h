/*
 * Lambda: the control-plane API (REST-JSON, API version 2015-03-31), the
 * function resource policy, Invoke, and the runtime that runs each function
 * instance as a child process speaking the Lambda Runtime API
 * (/2018-06-01/runtime/...) on a private loopback port.
 *
 * Only custom runtimes (provided.al2023, provided.al2) are supported: the
 * function's zip must contain an executable `bootstrap`.
 */
#ifndef OWL_LAMBDA_LAMBDA_H
#define OWL_LAMBDA_LAMBDA_H

#include "aws/call.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

extern const owl_schema owl_lambda_schema;

/* Handles one authenticated Lambda API call (path under /2015-03-31/). */
void lambda_handle(aws_call *call);

/* Outcome of lambda_invoke_as_caller. */
typedef enum lambda_caller_status {
    LAMBDA_CALLER_SUCCESS,        /* payload is the function's response */
    LAMBDA_CALLER_FUNCTION_ERROR, /* payload is the error document {errorMessage, errorType} */
    LAMBDA_CALLER_REJECTED,       /* Lambda rejected the call for the reason in error_code and message */
} lambda_caller_status;

typedef struct lambda_caller_result {
    lambda_caller_status status;
    /*
     * REJECTED only: the HTTP status, error code and message that the public
     * Invoke would have sent, e.g. 403 AccessDeniedException "User: ARN is
     * not authorized to perform: lambda:InvokeFunction on resource: ...",
     * 404 ResourceNotFoundException, 429 TooManyRequestsException.
     */
    int http_status;
    char error_code[64];
    char *message;
    /* SUCCESS and FUNCTION_ERROR: the response payload, NUL-terminated. */
    char *payload;
    size_t payload_len;
} lambda_caller_result;

/*
 * Invokes a function synchronously (RequestResponse) on behalf of
 * call->identity, for services inside owlery that act as their caller
 * (Athena invoking a catalog's metadata function). function_arn names the
 * function in any form the Invoke API accepts; a partial name resolves in
 * call->region and the caller's account. The call is authorized for
 * lambda:InvokeFunction with the function policy as the resource policy,
 * exactly as the public Invoke does, and runs on the same runtime.
 *
 * Nothing is written to call's response: the calling service chooses its
 * own error shape from *out. Returns true when the function ran (SUCCESS or
 * FUNCTION_ERROR), false when REJECTED. The caller frees *out with
 * lambda_caller_result_free().
 */
bool lambda_invoke_as_caller(aws_call *call, const char *function_arn, const void *payload,
                             size_t len, lambda_caller_result *out);
void lambda_caller_result_free(lambda_caller_result *result);

/*
 * Starts the function runtime: the instance pools and the workers of
 * asynchronous (Event) invocations. endpoint_url ("http://127.0.0.1:4566")
 * is given to function instances as AWS_ENDPOINT_URL. Until this is called,
 * Invoke fails with ServiceException. Returns false with a message in err.
 */
bool lambda_service_start(owl_store *store, const char *endpoint_url, char *err, size_t errlen);

/*
 * Stops the runtime: rejects new invocations, kills every instance (running
 * invocations fail with Runtime.ExitError) and waits for the Event workers.
 */
void lambda_service_stop(void);

#endif
