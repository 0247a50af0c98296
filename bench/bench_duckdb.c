/*
 * Bare DuckDB, the baseline of the query benchmark (bench/query.sh): the
 * same SQL over the same local files, through the libduckdb.so that owlery
 * links, in an in-memory database with DuckDB's default settings (threads
 * = cores). Every result chunk is fetched, so a large result is
 * materialized as a client of the C API would; no text is formatted.
 *
 * Modes:
 *   exec SQL         runs SQL and prints the result rows, cells separated
 *                    by tabs (for setup statements and checks).
 *   time RUNS SQL    runs SQL RUNS times on one connection and prints the
 *                    time and row count of each run, then a "result" line
 *                    with the median and the lowest time.
 * Exits 1 with DuckDB's message when a statement fails.
 */
#define _POSIX_C_SOURCE 200809L
#include <duckdb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs sql and returns the result, or exits with DuckDB's error message. */
static void query_or_die(duckdb_connection connection, const char *sql, duckdb_result *result)
{
    if (duckdb_query(connection, sql, result) == DuckDBError) {
        fprintf(stderr, "bench_duckdb: %s\nstatement: %s\n", duckdb_result_error(result), sql);
        duckdb_destroy_result(result);
        exit(1);
    }
}

/* Fetches every chunk of result and returns the number of rows. */
static long fetch_all(duckdb_result *result)
{
    long rows = 0;
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(*result);
        if (!chunk)
            break;
        rows += (long)duckdb_data_chunk_get_size(chunk);
        duckdb_destroy_data_chunk(&chunk);
    }
    return rows;
}

/* Prints every row of result, cells separated by tabs, NULL as "NULL". */
static void print_rows(duckdb_result *result)
{
    idx_t columns = duckdb_column_count(result);
    idx_t rows = duckdb_row_count(result);
    for (idx_t r = 0; r < rows; r++) {
        for (idx_t c = 0; c < columns; c++) {
            char *text = duckdb_value_is_null(result, c, r) ? NULL : duckdb_value_varchar(result, c, r);
            printf("%s%s", c ? "\t" : "", text ? text : "NULL");
            duckdb_free(text);
        }
        printf("\n");
    }
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int exec_mode = argc == 3 && strcmp(argv[1], "exec") == 0;
    int time_mode = argc == 4 && strcmp(argv[1], "time") == 0;
    if (!exec_mode && !time_mode) {
        fprintf(stderr, "usage: bench_duckdb exec SQL | bench_duckdb time RUNS SQL\n");
        return 2;
    }
    duckdb_database database;
    duckdb_connection connection;
    if (duckdb_open(NULL, &database) == DuckDBError || duckdb_connect(database, &connection) == DuckDBError) {
        fprintf(stderr, "bench_duckdb: failed to open an in-memory DuckDB database\n");
        return 1;
    }
    duckdb_result result;
    if (exec_mode) {
        query_or_die(connection, argv[2], &result);
        print_rows(&result);
        duckdb_destroy_result(&result);
    } else {
        int runs = atoi(argv[2]);
        if (runs < 1) {
            fprintf(stderr, "bench_duckdb: invalid RUNS %s: expected a positive count\n", argv[2]);
            return 2;
        }
        double *times = calloc((size_t)runs, sizeof *times);
        long rows = 0;
        for (int i = 0; i < runs; i++) {
            double t0 = now_seconds();
            query_or_die(connection, argv[3], &result);
            rows = fetch_all(&result);
            duckdb_destroy_result(&result);
            times[i] = now_seconds() - t0;
            printf("run %d ms=%.3f rows=%ld\n", i, times[i] * 1e3, rows);
        }
        qsort(times, (size_t)runs, sizeof *times, compare_double);
        printf("result runs=%d rows=%ld p50_ms=%.3f min_ms=%.3f\n", runs, rows, times[runs / 2] * 1e3,
               times[0] * 1e3);
        free(times);
    }
    duckdb_disconnect(&connection);
    duckdb_close(&database);
    return 0;
}
