/*
 * libFuzzer target for what a catalog's metastore function sends back to
 * Athena: TJSONProtocol Database and Table structs, and the text a caller
 * controls on the way there (the table-name Expression and function
 * references in catalog parameters). The input's first line is used as an
 * expression, a function reference and a table name; the whole input is
 * decoded as a Database and as a Table.
 */
#include "athena/internal.h"

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

    char err[512];
    json_t *database = athena_hive_database(text, size, err, sizeof err);
    json_decref(database);
    json_t *table = athena_hive_table(text, size, err, sizeof err);
    json_decref(table);

    char *line_end = strchr(text, '\n');
    if (line_end)
        *line_end = '\0';
    athena_expression_match(text, "orders");
    athena_expression_match("ord*|*s", text);
    char arn[ATHENA_ARN_MAX];
    athena_function_resolve(text, "eu-central-1", "444455556666", arn, sizeof arn);

    free(text);
    return 0;
}
