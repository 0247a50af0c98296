/*
 * libFuzzer target for the Hive DDL tokenizer and CREATE TABLE parser
 * (src/engine/ddl.c), which read statement text from API callers: it must
 * never crash, leak or read out of bounds, whatever the bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    engine_ddl_table table;
    char *err = NULL;
    if (engine_ddl_parse((const char *)data, size, &table, &err))
        engine_ddl_table_free(&table);
    free(err);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    (void)engine_sql_classify(text);
    free(text);
    return 0;
}
