/*
 * libFuzzer target for the Arrow schema reader: the bytes a LAMBDA
 * catalog's function sends, base64-decoded, as the schema of a
 * GetTableResponse. The whole input is one IPC message.
 */
#include "athena/internal.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    json_t *columns = athena_arrow_schema_columns(data, size, err, sizeof err);
    json_decref(columns);
    return 0;
}
