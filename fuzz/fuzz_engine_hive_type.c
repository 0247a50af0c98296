/*
 * libFuzzer target for the Hive type-string parser (src/engine/hive_type.c),
 * which reads column types from metastores owned by other accounts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *err = NULL;
    free(engine_hive_type_to_duckdb(text, &err));
    free(err);
    err = NULL;
    free(engine_hive_type_to_athena(text, &err));
    free(err);
    free(text);
    return 0;
}
