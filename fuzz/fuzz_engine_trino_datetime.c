/*
 * libFuzzer target for Trino's date_parse(), date_format() and
 * format_datetime() format strings (src/engine/trino_datetime.c), which come
 * from SQL text and table data. The input is "format\ntext": the format, a
 * newline, and the text to parse. The format is also printed, as a MySQL
 * and as a Joda pattern, with a timestamp taken from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *bytes = (const char *)data;
    const char *newline = memchr(bytes, '\n', size);
    size_t format_len = newline ? (size_t)(newline - bytes) : size;
    const char *text = newline ? newline + 1 : bytes + size;
    size_t text_len = size - format_len - (newline ? 1 : 0);

    int64_t micros = 0;
    char *err = NULL;
    if (!engine_trino_date_parse(text, text_len, bytes, format_len, &micros, &err)) {
        free(err);
        err = NULL;
        /* Any 8 bytes make a timestamp, including extreme ones. */
        if (text_len >= 8)
            memcpy(&micros, text, 8);
    }
    owl_buf out = OWL_BUF_INIT;
    if (!engine_trino_date_format(micros, bytes, format_len, &out, &err))
        free(err);
    err = NULL;
    owl_buf_reset(&out);
    if (!engine_trino_format_datetime(micros, bytes, format_len, &out, &err))
        free(err);
    owl_buf_free(&out);
    return 0;
}
