/*
 * Printing GetQueryResults pages. Three formats:
 *
 *   table  psql's aligned layout: " a | b" header, "---+---" separator, one
 *          line per row, numbers (Athena types tinyint, smallint, integer,
 *          bigint, real, double, decimal) right-aligned, NULL as an empty
 *          cell, control characters shown as \n, \t, \r or \xNN so every row
 *          stays on one line, and widths counted in terminal columns
 *          (wcwidth) so CJK text aligns.
 *   csv    what Athena writes to the result file (RFC 4180): a header row,
 *          every value double-quoted with inner quotes doubled, NULL as an
 *          empty unquoted field, so NULL and '' stay apart.
 *   json   JSON Lines: one object per row keyed by column name, values as
 *          strings, NULL as null. A repeated column name gets its position
 *          appended ("a_2"), because object keys must be unique.
 *
 * The table format keeps every row in memory until the end of the result;
 * csv and json stream each page.
 */
#include "cli/sql.h"

#include "common/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct sql_printer {
    sql_format format;
    FILE *out;
    bool have_columns;
    size_t column_count;
    char **names;
    char **json_keys; /* names, made unique for JSON objects */
    bool *numeric;
    char ***rows; /* table format: cells as displayed, "" for NULL */
    size_t row_count, row_cap;
    size_t printed;
};

bool sql_format_parse(const char *name, sql_format *out)
{
    if (strcmp(name, "table") == 0)
        *out = SQL_FORMAT_TABLE;
    else if (strcmp(name, "csv") == 0)
        *out = SQL_FORMAT_CSV;
    else if (strcmp(name, "json") == 0)
        *out = SQL_FORMAT_JSON;
    else
        return false;
    return true;
}

sql_printer *sql_printer_new(sql_format format, FILE *out)
{
    sql_printer *printer = calloc(1, sizeof *printer);
    if (!printer)
        abort();
    printer->format = format;
    printer->out = out;
    return printer;
}

void sql_printer_free(sql_printer *printer)
{
    if (!printer)
        return;
    for (size_t r = 0; r < printer->row_count; r++) {
        for (size_t c = 0; c < printer->column_count; c++)
            free(printer->rows[r][c]);
        free(printer->rows[r]);
    }
    free(printer->rows);
    for (size_t c = 0; c < printer->column_count; c++)
        free(printer->names[c]);
    free(printer->names);
    for (size_t c = 0; printer->json_keys && c < printer->column_count; c++)
        free(printer->json_keys[c]);
    free(printer->json_keys);
    free(printer->numeric);
    free(printer);
}

/* Returns whether Athena type (such as "decimal(10,2)") is numeric. */
static bool type_numeric(const char *type)
{
    static const char *const numeric[] = {"tinyint", "smallint", "integer", "int", "bigint",
                                          "real",    "double",   "float",   "decimal"};
    size_t len = strcspn(type, "(");
    for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++)
        if (strlen(numeric[i]) == len && strncmp(type, numeric[i], len) == 0)
            return true;
    return false;
}

/*
 * Decodes one UTF-8 sequence at s. Returns its length in bytes and the code
 * point in *cp, or 1 with *cp = -1 for a byte that starts no valid sequence.
 */
static size_t utf8_decode(const unsigned char *s, int32_t *cp)
{
    size_t len;
    int32_t value, min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        len = 2, value = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, value = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, value = s[0] & 0x07, min = 0x10000;
    } else {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        value = (value << 6) | (s[i] & 0x3F);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = value;
    return len;
}

size_t sql_display_width(const char *s)
{
    size_t width = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int32_t cp;
        p += utf8_decode(p, &cp);
        int w = cp < 0 ? 1 : wcwidth((wchar_t)cp);
        /* wcwidth() returns -1 outside a UTF-8 locale; count such a character as one column. */
        width += w < 0 ? 1 : (size_t)w;
    }
    return width;
}

/* Returns value as a table cell: control characters and invalid bytes escaped. */
static char *table_cell(const char *value)
{
    owl_buf cell = OWL_BUF_INIT;
    owl_buf_puts(&cell, "");
    const unsigned char *p = (const unsigned char *)value;
    while (*p) {
        int32_t cp;
        size_t len = utf8_decode(p, &cp);
        if (cp == '\n')
            owl_buf_puts(&cell, "\\n");
        else if (cp == '\t')
            owl_buf_puts(&cell, "\\t");
        else if (cp == '\r')
            owl_buf_puts(&cell, "\\r");
        else if (cp < 0 || cp < 0x20 || cp == 0x7F)
            owl_buf_printf(&cell, "\\x%02x", *p);
        else
            owl_buf_append(&cell, p, len);
        p += len;
    }
    return owl_buf_detach(&cell, NULL);
}

static void csv_field(FILE *out, const char *value)
{
    if (!value)
        return;
    fputc('"', out);
    for (const char *c = value; *c; c++) {
        if (*c == '"')
            fputc('"', out);
        fputc(*c, out);
    }
    fputc('"', out);
}

static void csv_row(FILE *out, size_t count, const char *const *values)
{
    for (size_t c = 0; c < count; c++) {
        if (c)
            fputc(',', out);
        csv_field(out, values[c]);
    }
    fputc('\n', out);
}

/*
 * Returns the JSON object keys for columns named names: each name, and for a
 * name an earlier column already has (SELECT 1 AS a, 2 AS a), the name with
 * "_" and the column's 1-based position, so no value is lost.
 */
static char **json_keys(char **names, size_t count)
{
    char **keys = calloc(count ? count : 1, sizeof *keys);
    if (!keys)
        abort();
    for (size_t c = 0; c < count; c++) {
        bool repeated = false;
        for (size_t earlier = 0; earlier < c && !repeated; earlier++)
            repeated = strcmp(names[earlier], names[c]) == 0;
        int rc = repeated ? asprintf(&keys[c], "%s_%zu", names[c], c + 1)
                          : asprintf(&keys[c], "%s", names[c]);
        if (rc < 0)
            abort();
    }
    return keys;
}

/* Takes the columns from ResultSetMetadata.ColumnInfo; false with err on a wrong shape. */
static bool printer_columns(sql_printer *printer, json_t *result_set, char *err, size_t errlen)
{
    json_t *info = json_object_get(json_object_get(result_set, "ResultSetMetadata"), "ColumnInfo");
    if (!json_is_array(info)) {
        snprintf(err, errlen, "the GetQueryResults response has no ResultSetMetadata.ColumnInfo list");
        return false;
    }
    size_t count = json_array_size(info);
    char **names = calloc(count ? count : 1, sizeof *names);
    bool *numeric = calloc(count ? count : 1, sizeof *numeric);
    if (!names || !numeric)
        abort();
    for (size_t c = 0; c < count; c++) {
        json_t *column = json_array_get(info, c);
        const char *name = json_string_value(json_object_get(column, "Name"));
        const char *type = json_string_value(json_object_get(column, "Type"));
        if (!name) {
            snprintf(err, errlen, "column %zu of the GetQueryResults response has no Name", c + 1);
            for (size_t k = 0; k < c; k++)
                free(names[k]);
            free(names);
            free(numeric);
            return false;
        }
        names[c] = strdup(name);
        if (!names[c])
            abort();
        numeric[c] = type && type_numeric(type);
    }
    printer->names = names;
    printer->json_keys = json_keys(names, count);
    printer->numeric = numeric;
    printer->column_count = count;
    printer->have_columns = true;
    if (printer->format == SQL_FORMAT_CSV && count)
        csv_row(printer->out, count, (const char *const *)names);
    return true;
}

/* Prints or keeps one row; values[c] is NULL for SQL NULL. */
static void printer_row(sql_printer *printer, const char **values)
{
    size_t count = printer->column_count;
    printer->printed++;
    if (printer->format == SQL_FORMAT_CSV) {
        csv_row(printer->out, count, values);
        return;
    }
    if (printer->format == SQL_FORMAT_JSON) {
        json_t *object = json_object();
        for (size_t c = 0; c < count; c++)
            json_object_set_new(object, printer->json_keys[c],
                                values[c] ? json_string(values[c]) : json_null());
        char *line = json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!line)
            abort();
        fprintf(printer->out, "%s\n", line);
        free(line);
        json_decref(object);
        return;
    }
    if (printer->row_count == printer->row_cap) {
        printer->row_cap = printer->row_cap ? printer->row_cap * 2 : 256;
        printer->rows = realloc(printer->rows, printer->row_cap * sizeof *printer->rows);
        if (!printer->rows)
            abort();
    }
    char **cells = malloc((count ? count : 1) * sizeof *cells);
    if (!cells)
        abort();
    for (size_t c = 0; c < count; c++)
        cells[c] = table_cell(values[c] ? values[c] : "");
    printer->rows[printer->row_count++] = cells;
}

/* Returns whether values repeat the column names, as Athena's header row does. */
static bool row_is_header(const sql_printer *printer, const char **values)
{
    for (size_t c = 0; c < printer->column_count; c++)
        if (!values[c] || strcmp(values[c], printer->names[c]) != 0)
            return false;
    return true;
}

bool sql_printer_add_page(sql_printer *printer, json_t *response, bool skip_header, char *err,
                          size_t errlen)
{
    json_t *result_set = json_object_get(response, "ResultSet");
    if (!json_is_object(result_set)) {
        snprintf(err, errlen, "the GetQueryResults response has no ResultSet object");
        return false;
    }
    if (!printer->have_columns && !printer_columns(printer, result_set, err, errlen))
        return false;
    json_t *rows = json_object_get(result_set, "Rows");
    if (rows && !json_is_array(rows)) {
        snprintf(err, errlen, "ResultSet.Rows of the GetQueryResults response is not a list");
        return false;
    }
    size_t count = printer->column_count;
    const char **values = calloc(count ? count : 1, sizeof *values);
    if (!values)
        abort();
    bool ok = true;
    for (size_t r = 0; r < json_array_size(rows) && ok; r++) {
        json_t *data = json_object_get(json_array_get(rows, r), "Data");
        if (!json_is_array(data) || json_array_size(data) != count) {
            snprintf(err, errlen,
                     "row %zu of the GetQueryResults response does not have %zu values", r + 1,
                     count);
            ok = false;
            break;
        }
        for (size_t c = 0; c < count && ok; c++) {
            json_t *datum = json_array_get(data, c);
            json_t *value = json_object_get(datum, "VarCharValue");
            if (!json_is_object(datum) || (value && !json_is_string(value))) {
                snprintf(err, errlen,
                         "value %zu of row %zu of the GetQueryResults response is not a "
                         "{\"VarCharValue\": string} object",
                         c + 1, r + 1);
                ok = false;
            }
            values[c] = json_string_value(value);
        }
        if (!ok)
            break;
        if (r == 0 && skip_header && row_is_header(printer, values))
            continue;
        printer_row(printer, values);
    }
    free(values);
    return ok;
}

/* Prints text padded to width columns, on the right when right_align. */
static void print_padded(owl_buf *line, const char *text, size_t width, bool right_align)
{
    size_t used = sql_display_width(text);
    size_t pad = width > used ? width - used : 0;
    if (right_align)
        for (size_t i = 0; i < pad; i++)
            owl_buf_putc(line, ' ');
    owl_buf_puts(line, text);
    if (!right_align)
        for (size_t i = 0; i < pad; i++)
            owl_buf_putc(line, ' ');
}

/* Prints one table line and drops the padding at its end. */
static void print_table_line(sql_printer *printer, const size_t *widths, char *const *cells)
{
    owl_buf line = OWL_BUF_INIT;
    for (size_t c = 0; c < printer->column_count; c++) {
        owl_buf_puts(&line, c ? " | " : " ");
        print_padded(&line, cells[c], widths[c], printer->numeric[c]);
    }
    while (line.len && line.data[line.len - 1] == ' ')
        line.data[--line.len] = '\0';
    fprintf(printer->out, "%s\n", line.len ? line.data : "");
    owl_buf_free(&line);
}

size_t sql_printer_finish(sql_printer *printer)
{
    if (printer->format != SQL_FORMAT_TABLE || printer->column_count == 0)
        return printer->printed;
    size_t count = printer->column_count;
    size_t *widths = calloc(count, sizeof *widths);
    char **header = calloc(count, sizeof *header);
    if (!widths || !header)
        abort();
    for (size_t c = 0; c < count; c++) {
        header[c] = table_cell(printer->names[c]);
        widths[c] = sql_display_width(header[c]);
    }
    for (size_t r = 0; r < printer->row_count; r++)
        for (size_t c = 0; c < count; c++) {
            size_t width = sql_display_width(printer->rows[r][c]);
            if (width > widths[c])
                widths[c] = width;
        }

    print_table_line(printer, widths, header);
    for (size_t c = 0; c < count; c++) {
        if (c)
            fputc('+', printer->out);
        for (size_t i = 0; i < widths[c] + 2; i++)
            fputc('-', printer->out);
    }
    fputc('\n', printer->out);
    for (size_t r = 0; r < printer->row_count; r++)
        print_table_line(printer, widths, printer->rows[r]);

    for (size_t c = 0; c < count; c++)
        free(header[c]);
    free(header);
    free(widths);
    return printer->printed;
}
