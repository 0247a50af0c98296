/*
 * libFuzzer target for what owlery sql reads from an Athena endpoint: the
 * GetQueryResults page given to the table, CSV and JSON printers, and the
 * error body of a failed call. The input is the response body as received.
 */
#include "cli/sql.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sql_api_error error;
    sql_api_error_from_body(400, (const char *)data, size, &error);

    json_t *page = json_loadb((const char *)data, size, 0, NULL);
    if (!page)
        return 0;
    static const sql_format formats[] = {SQL_FORMAT_TABLE, SQL_FORMAT_CSV, SQL_FORMAT_JSON};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        FILE *out = fopen("/dev/null", "w");
        if (!out)
            break;
        sql_printer *printer = sql_printer_new(formats[i], out);
        char err[512];
        /* The same page twice: the second call checks rows against the known columns. */
        if (sql_printer_add_page(printer, page, true, err, sizeof err))
            sql_printer_add_page(printer, page, false, err, sizeof err);
        sql_printer_finish(printer);
        sql_printer_free(printer);
        fclose(out);
    }
    json_decref(page);
    return 0;
}
