/*
 * owlery-hms-connector: the Hive metastore connector function, a Lambda
 * custom runtime. Packaged as a zip's `bootstrap`, it runs unchanged under
 * owlery serve and on AWS Lambda (provided.al2023); see connector/connector.h.
 *
 * Environment: AWS_LAMBDA_RUNTIME_API (set by the runtime), the HMS_* and
 * SPILL_* variables of connector_config_load(), AWS_LAMBDA_FUNCTION_NAME
 * for the spill key, and AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN for the spill PUT.
 *
 * An invalid configuration does not stop the runtime: every invocation then
 * fails with the message that names the variable, which reaches the caller,
 * where an init error would only show in the function's log.
 */
#include "common/log.h"
#include "connector/connector.h"
#include "hms/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *process_env(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

/* The connector_call_fn over a long-lived hms_client, so the connection outlives invocations. */
static bool call_client(void *ctx, const char *method, const thrift_value *args,
                        thrift_value **result, hms_error *err)
{
    return hms_client_call(ctx, method, args, result, err);
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "owlery-hms-connector is a Lambda custom runtime: package it as the "
                        "bootstrap of a function; it takes no arguments\n");
        return 2;
    }

    const char *runtime_api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!runtime_api || !*runtime_api) {
        fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not set: owlery-hms-connector runs only "
                        "under a Lambda runtime\n");
        return 2;
    }

    connector_config config;
    connector c;
    memset(&c, 0, sizeof c);
    hms_client *client = NULL;
    if (connector_config_load(&config, process_env, NULL, &c.config_error)) {
        hms_client_config hms = connector_config_hms(&config);
        hms_error herr;
        client = hms_client_new(&hms, &herr);
        if (client)
            c.config = &config;
        else
            connector_error_set(&c.config_error, "InvalidConfiguration", "HMS_URIS is invalid: %s",
                                herr.message);
    }
    if (!c.config) {
        char quoted[1100];
        owl_log_error("event=invalid_configuration error=%s",
                      owl_log_quote(quoted, sizeof quoted, c.config_error.message));
    }

    connector_s3_target s3 = {
        .endpoint_url = getenv("AWS_ENDPOINT_URL"),
        .region = getenv("AWS_REGION"),
        .access_key_id = getenv("AWS_ACCESS_KEY_ID"),
        .secret_access_key = getenv("AWS_SECRET_ACCESS_KEY"),
        .session_token = getenv("AWS_SESSION_TOKEN"),
    };
    c.call = call_client;
    c.call_ctx = client;
    c.spill = connector_spill_s3;
    c.spill_ctx = &s3;
    c.function_name = getenv("AWS_LAMBDA_FUNCTION_NAME");

    owl_log_info("event=start runtime_api=%s configured=%s", runtime_api,
                 c.config ? "true" : "false");
    int rc = connector_runtime_run(&c, runtime_api, -1);

    hms_client_free(client);
    return rc;
}
