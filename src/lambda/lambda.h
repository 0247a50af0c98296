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
