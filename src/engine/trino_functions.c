/*
 * Trino functions that a DuckDB macro cannot express, registered as C
 * scalar functions through DuckDB 1.4's C API: date_parse and date_format
 * (trino_datetime.c) and __owl_cardinality, which counts the elements of an
 * array or the entries of a map. A macro cannot do that because DuckDB
 * binds a macro body for every argument type: len() rejects maps and
 * cardinality() rejects lists, whereas both are lists of entries in memory.
 */
#include <stdlib.h>

#include "engine/internal.h"

/* Rejects arguments that are neither a list nor a map at bind time. */
static void cardinality_bind(duckdb_bind_info info) {
    duckdb_expression argument = duckdb_scalar_function_bind_get_argument(info, 0);
    duckdb_logical_type type = duckdb_expression_return_type(argument);
    duckdb_type id = duckdb_get_type_id(type);
    duckdb_destroy_logical_type(&type);
    duckdb_destroy_expression(&argument);
    /* CREATE MACRO binds the body once with parameters of unknown type. */
    if (id != DUCKDB_TYPE_LIST && id != DUCKDB_TYPE_MAP && id != DUCKDB_TYPE_SQLNULL &&
        id != DUCKDB_TYPE_ANY && id != DUCKDB_TYPE_INVALID) {
        duckdb_scalar_function_bind_set_error(info, "cardinality expects an array or a map");
    }
}

static void cardinality_function(duckdb_function_info info, duckdb_data_chunk input,
                                 duckdb_vector output) {
    (void)info;
    duckdb_vector values = duckdb_data_chunk_get_vector(input, 0);
    const duckdb_list_entry *entries = duckdb_vector_get_data(values);
    uint64_t *validity = duckdb_vector_get_validity(values);
    int64_t *result = duckdb_vector_get_data(output);
    idx_t rows = duckdb_data_chunk_get_size(input);
    for (idx_t r = 0; r < rows; r++) {
        if (validity && !duckdb_validity_row_is_valid(validity, r)) {
            duckdb_vector_ensure_validity_writable(output);
            duckdb_validity_set_row_invalid(duckdb_vector_get_validity(output), r);
            continue;
        }
        result[r] = (int64_t)entries[r].length;
    }
}

static bool register_cardinality(duckdb_connection conn) {
    duckdb_scalar_function f = duckdb_create_scalar_function();
    duckdb_scalar_function_set_name(f, "__owl_cardinality");
    duckdb_logical_type any = duckdb_create_logical_type(DUCKDB_TYPE_ANY);
    duckdb_scalar_function_add_parameter(f, any);
    duckdb_destroy_logical_type(&any);
    duckdb_logical_type bigint = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    duckdb_scalar_function_set_return_type(f, bigint);
    duckdb_destroy_logical_type(&bigint);
    duckdb_scalar_function_set_bind(f, cardinality_bind);
    duckdb_scalar_function_set_function(f, cardinality_function);
    bool ok = duckdb_register_scalar_function(conn, f) == DuckDBSuccess;
    duckdb_destroy_scalar_function(&f);
    return ok;
}

bool engine_trino_register_functions(duckdb_connection conn, char **err) {
    if (!engine_trino_register_datetime(conn, err))
        return false;
    if (!register_cardinality(conn)) {
        engine_set_err(err, "cannot register the Trino function cardinality");
        return false;
    }
    return true;
}
