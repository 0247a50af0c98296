/*
 * libFuzzer target for the connector's HTTP/1.1 response parser, which
 * reads what the Lambda Runtime API (or anything at AWS_LAMBDA_RUNTIME_API)
 * sends. The first input byte chooses the size of the pieces the rest is
 * fed in and the second the body limit; the result must not depend on the
 * split, so each input is parsed twice (whole and in pieces) and the two
 * outcomes are compared.
 */
#include "connector/http_client.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_outcome {
    connector_http_result result;
    size_t consumed;
    connector_http_parser parser;
} fuzz_outcome;

static void fuzz_header(void *ctx, const char *name, size_t name_len, const char *value,
                        size_t value_len)
{
    size_t *total = ctx;
    /* Touch every byte, so the sanitizers check the bounds the parser hands out. */
    for (size_t i = 0; i < name_len; i++)
        *total += (unsigned char)name[i];
    for (size_t i = 0; i < value_len; i++)
        *total += (unsigned char)value[i];
}

static void fuzz_parse(const uint8_t *data, size_t size, size_t step, size_t body_limit,
                       size_t *header_total, fuzz_outcome *out)
{
    connector_http_parser_init(&out->parser);
    out->parser.body_limit = body_limit;
    out->parser.on_header = fuzz_header;
    out->parser.header_ctx = header_total;

    size_t at = 0;
    connector_http_result result = CONNECTOR_HTTP_MORE;
    while (at < size && result == CONNECTOR_HTTP_MORE) {
        size_t n = step && size - at > step ? step : size - at;
        size_t consumed;
        result = connector_http_parse(&out->parser, (const char *)data + at, n, &consumed);
        if (consumed > n || (result == CONNECTOR_HTTP_MORE && consumed != n))
            abort();
        at += consumed;
    }
    if (result == CONNECTOR_HTTP_MORE)
        result = connector_http_parse_eof(&out->parser);
    out->result = result;
    out->consumed = at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t step = data[0];
    size_t body_limit = (size_t)data[1] * 64;
    data += 2;
    size -= 2;

    size_t whole_headers = 0, split_headers = 0;
    fuzz_outcome whole, split;
    fuzz_parse(data, size, 0, body_limit, &whole_headers, &whole);
    fuzz_parse(data, size, step, body_limit, &split_headers, &split);

    /*
     * Fed in pieces, the parser may find an error after fewer bytes, so only
     * a complete response is compared in full.
     */
    connector_http_parser *a = &whole.parser, *b = &split.parser;
    if (whole.result != split.result || strcmp(a->error, b->error) != 0)
        abort();
    if (whole.result == CONNECTOR_HTTP_DONE &&
        (whole.consumed != split.consumed || a->status != b->status ||
         a->keep_alive != b->keep_alive || a->body_bytes != b->body_bytes ||
         a->body_too_large != b->body_too_large || a->body.len != b->body.len ||
         whole_headers != split_headers))
        abort();
    if (whole.result == CONNECTOR_HTTP_DONE && a->body.len &&
        memcmp(a->body.data, b->body.data, a->body.len) != 0)
        abort();
    if (a->body.len > body_limit || (whole.result == CONNECTOR_HTTP_ERROR) != (a->error[0] != 0))
        abort();

    connector_http_parser_free(a);
    connector_http_parser_free(b);
    return 0;
}
