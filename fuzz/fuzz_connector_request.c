/*
 * libFuzzer target for what the connector reads from its caller: the
 * request document (apiName, apiRequest fields, TJSONProtocol strings, base64
 * expressions) and page tokens. Requests run against the unit tests' fake
 * metastore, with a spill threshold low enough that large responses spill to a
 * no-op target. The input is also decoded as a nextToken, and a token that
 * decodes must encode back to the same text.
 */
#include "../tests/unit/connector_fake.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const fuzz_names[] = {"b", "a", "c", NULL};

static const char *fuzz_env(void *ctx, const char *name)
{
    (void)ctx;
    if (!strcmp(name, "HMS_URIS"))
        return "thrift://127.0.0.1:9083";
    if (!strcmp(name, "SPILL_LOCATION"))
        return "s3://mybucket/spill";
    if (!strcmp(name, "SPILL_THRESHOLD"))
        return "512";
    return NULL;
}

static bool fuzz_spill(void *ctx, const char *bucket, const char *key, const char *body,
                       size_t len, connector_error *err)
{
    (void)ctx;
    (void)bucket;
    (void)key;
    (void)err;
    return body != NULL && len > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    connector_config config;
    connector_error err;
    if (!connector_config_load(&config, fuzz_env, NULL, &err))
        abort();

    fake_metastore fake;
    memset(&fake, 0, sizeof fake);
    fake.names = fuzz_names;
    connector c = {.config = &config, .call = fake_call, .call_ctx = &fake, .spill = fuzz_spill,
                   .function_name = "fuzz"};
    owl_buf out = OWL_BUF_INIT;
    connector_outcome outcome;
    connector_handle(&c, "req-1", (const char *)data, size, &out, &outcome, &err);
    owl_buf_free(&out);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *name = connector_token_decode(text, &err);
    if (name) {
        char *again = connector_token_encode(name, strlen(name));
        if (strcmp(again, text) != 0)
            abort();
        free(again);
        free(name);
    }
    free(text);
    return 0;
}
