/*
 * libFuzzer target for the Hive DDL tokenizer, the CREATE TABLE parser and
 * the parser of the other catalog statements (SHOW, DESCRIBE, DROP, ALTER
 * TABLE, MSCK, CTAS, INSERT) and the DuckDB type translator in
 * src/engine/ddl.c, which read text from API callers (statements, and
 * struct field names in query results): they must never crash, leak or
 * read out of bounds, whatever the bytes.
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

    engine_ddl_stmt stmt;
    err = NULL;
    if (engine_ddl_stmt_parse((const char *)data, size, &stmt, &err)) {
        /* The query span of CTAS and INSERT must lie inside the input. */
        if (stmt.query_offset > size || stmt.query_length > size - stmt.query_offset)
            abort();
        engine_ddl_stmt_free(&stmt);
    }
    free(err);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    (void)engine_sql_classify(text);
    err = NULL;
    free(engine_duckdb_type_to_hive(text, &err));
    free(err);
    free(text);
    return 0;
}
