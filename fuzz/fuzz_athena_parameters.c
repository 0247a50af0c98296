/*
 * libFuzzer target for the ExecutionParameters placeholder scanner of
 * StartQueryExecution. The input's first line is split at tabs into the
 * parameter values; the rest is the query text. When the counts match,
 * every value must appear in the result.
 */
#include "athena/query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *sql = strchr(text, '\n');
    if (sql)
        *sql++ = '\0';
    else
        sql = text + strlen(text);

    json_t *parameters = json_array();
    for (char *value = strtok(text, "\t"); value; value = strtok(NULL, "\t"))
        json_array_append_new(parameters, json_string(value)); /* NULL for invalid UTF-8 */
    owl_buf out = OWL_BUF_INIT;
    size_t placeholders = athena_bind_parameters(sql, parameters, &out);
    if (placeholders == json_array_size(parameters)) {
        size_t i;
        json_t *value;
        json_array_foreach(parameters, i, value)
            if (!out.data || !strstr(out.data, json_string_value(value)))
                abort();
    }
    owl_buf_free(&out);
    json_decref(parameters);
    free(text);
    return 0;
}
