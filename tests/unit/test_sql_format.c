/*
 * Unit tests of owlery sql's text handling: splitting SQL into statements,
 * printing GetQueryResults pages as a table, CSV and JSON Lines, and
 * reading the error body of a failed Athena call.
 */
#include "cli/sql.h"
#include "unit.h"

#include <locale.h>
#include <stdlib.h>

/* Writes the statements of text joined by "|", then "#" and the incomplete rest. */
static void split(const char *text, char *out, size_t outlen)
{
    size_t offset = 0, len = strlen(text), used = 0, count = 0;
    out[0] = '\0';
    size_t statement_len, consumed;
    while (sql_statement_next(text + offset, len - offset, &statement_len, &consumed)) {
        used += (size_t)snprintf(out + used, outlen - used, "%s%.*s", count++ ? "|" : "",
                                 (int)statement_len, text + offset);
        offset += consumed;
    }
    snprintf(out + used, outlen - used, "#%s", text + offset);
}

static void test_statement_split(void)
{
    char out[256];
    split("SELECT 1; SELECT 2;", out, sizeof out);
    CHECK_STR(out, "SELECT 1| SELECT 2#");
    split("SELECT ';' AS a; SELECT 2", out, sizeof out);
    CHECK_STR(out, "SELECT ';' AS a# SELECT 2");
    split("SELECT 'it''s;' AS \"x;y\", `a;b`;", out, sizeof out);
    CHECK_STR(out, "SELECT 'it''s;' AS \"x;y\", `a;b`#");
    split("SELECT 1 -- no; end\n;", out, sizeof out);
    CHECK_STR(out, "SELECT 1 -- no; end\n#");
    split("SELECT /* ; */ 1;/* open ;", out, sizeof out);
    CHECK_STR(out, "SELECT /* ; */ 1#/* open ;");
    split("SELECT 'unterminated;", out, sizeof out);
    CHECK_STR(out, "#SELECT 'unterminated;");
    split(";;", out, sizeof out);
    CHECK_STR(out, "|#");
}

static void test_statement_blank(void)
{
    CHECK(sql_statement_blank("", 0));
    CHECK(sql_statement_blank(" \n\t", 3));
    CHECK(sql_statement_blank("-- only a comment\n  /* and another */ ", 38));
    CHECK(sql_statement_blank("/* unterminated", 15));
    CHECK(!sql_statement_blank("-- comment\nSELECT 1", 19));
    CHECK(!sql_statement_blank("/**/x", 5));
}

/* Runs the printer over the JSON pages and returns what it printed (malloc'd). */
static char *print_pages(sql_format format, const char *const *pages, size_t count,
                         size_t *rows, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    sql_printer *printer = sql_printer_new(format, out);
    err[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        json_t *page = json_loads(pages[i], 0, NULL);
        CHECK(page != NULL);
        bool ok = sql_printer_add_page(printer, page, i == 0, err, errlen);
        json_decref(page);
        if (!ok)
            break;
    }
    *rows = sql_printer_finish(printer);
    sql_printer_free(printer);
    fclose(out);
    return text;
}

static const char PAGE_ONE[] =
    "{\"ResultSet\": {\"Rows\": ["
    "{\"Data\": [{\"VarCharValue\": \"id\"}, {\"VarCharValue\": \"name\"},"
    " {\"VarCharValue\": \"price\"}]},"
    "{\"Data\": [{\"VarCharValue\": \"1\"}, {\"VarCharValue\": \"red\"},"
    " {\"VarCharValue\": \"1.50\"}]},"
    "{\"Data\": [{\"VarCharValue\": \"22\"}, {}, {\"VarCharValue\": \"12.25\"}]}],"
    " \"ResultSetMetadata\": {\"ColumnInfo\": ["
    "{\"Name\": \"id\", \"Type\": \"integer\"}, {\"Name\": \"name\", \"Type\": \"varchar\"},"
    " {\"Name\": \"price\", \"Type\": \"decimal(10,2)\"}]}},"
    " \"NextToken\": \"42\"}";

static const char PAGE_TWO[] =
    "{\"ResultSet\": {\"Rows\": ["
    "{\"Data\": [{\"VarCharValue\": \"333\"}, {\"VarCharValue\": \"a \\\"b\\\"\\nc\"},"
    " {\"VarCharValue\": \"\"}]}],"
    " \"ResultSetMetadata\": {\"ColumnInfo\": ["
    "{\"Name\": \"id\", \"Type\": \"integer\"}, {\"Name\": \"name\", \"Type\": \"varchar\"},"
    " {\"Name\": \"price\", \"Type\": \"decimal(10,2)\"}]}}}";

static void test_printer_table(void)
{
    const char *pages[] = {PAGE_ONE, PAGE_TWO};
    char err[256];
    size_t rows;
    char *text = print_pages(SQL_FORMAT_TABLE, pages, 2, &rows, err, sizeof err);
    CHECK_STR(err, "");
    CHECK_INT(rows, 3);
    CHECK_STR(text, "  id | name     | price\n"
                    "-----+----------+-------\n"
                    "   1 | red      |  1.50\n"
                    "  22 |          | 12.25\n"
                    " 333 | a \"b\"\\nc |\n");
    free(text);
}

static void test_printer_table_wide_characters(void)
{
    const char *pages[] = {
        "{\"ResultSet\": {\"Rows\": ["
        "{\"Data\": [{\"VarCharValue\": \"city\"}, {\"VarCharValue\": \"n\"}]},"
        "{\"Data\": [{\"VarCharValue\": \"\\u6771\\u4eac\"}, {\"VarCharValue\": \"1\"}]},"
        "{\"Data\": [{\"VarCharValue\": \"Z\\u00fcrich\"}, {\"VarCharValue\": \"2\"}]}],"
        " \"ResultSetMetadata\": {\"ColumnInfo\": [{\"Name\": \"city\", \"Type\": \"varchar\"},"
        " {\"Name\": \"n\", \"Type\": \"bigint\"}]}}}"};
    char err[256];
    size_t rows;
    char *text = print_pages(SQL_FORMAT_TABLE, pages, 1, &rows, err, sizeof err);
    CHECK_INT(rows, 2);
    CHECK_STR(text, " city   | n\n"
                    "--------+---\n"
                    " \xe6\x9d\xb1\xe4\xba\xac   | 1\n"
                    " Z\xc3\xbcrich | 2\n");
    free(text);
}

static void test_printer_csv(void)
{
    const char *pages[] = {PAGE_ONE, PAGE_TWO};
    char err[256];
    size_t rows;
    char *text = print_pages(SQL_FORMAT_CSV, pages, 2, &rows, err, sizeof err);
    CHECK_INT(rows, 3);
    CHECK_STR(text, "\"id\",\"name\",\"price\"\n"
                    "\"1\",\"red\",\"1.50\"\n"
                    "\"22\",,\"12.25\"\n"
                    "\"333\",\"a \"\"b\"\"\nc\",\"\"\n");
    free(text);
}

static void test_printer_json(void)
{
    const char *pages[] = {PAGE_ONE, PAGE_TWO};
    char err[256];
    size_t rows;
    char *text = print_pages(SQL_FORMAT_JSON, pages, 2, &rows, err, sizeof err);
    CHECK_INT(rows, 3);
    CHECK_STR(text, "{\"id\":\"1\",\"name\":\"red\",\"price\":\"1.50\"}\n"
                    "{\"id\":\"22\",\"name\":null,\"price\":\"12.25\"}\n"
                    "{\"id\":\"333\",\"name\":\"a \\\"b\\\"\\nc\",\"price\":\"\"}\n");
    free(text);
}

static void test_printer_json_repeated_names(void)
{
    const char *pages[] = {
        "{\"ResultSet\": {\"Rows\": [{\"Data\": [{\"VarCharValue\": \"a\"}, {\"VarCharValue\": \"a\"}]},"
        " {\"Data\": [{\"VarCharValue\": \"1\"}, {\"VarCharValue\": \"2\"}]}],"
        " \"ResultSetMetadata\": {\"ColumnInfo\": [{\"Name\": \"a\", \"Type\": \"integer\"},"
        " {\"Name\": \"a\", \"Type\": \"integer\"}]}}}"};
    char err[256];
    size_t rows;
    char *text = print_pages(SQL_FORMAT_JSON, pages, 1, &rows, err, sizeof err);
    CHECK_INT(rows, 1);
    CHECK_STR(text, "{\"a\":\"1\",\"a_2\":\"2\"}\n");
    free(text);
}

static void test_printer_empty_result(void)
{
    const char *pages[] = {
        "{\"ResultSet\": {\"Rows\": [{\"Data\": [{\"VarCharValue\": \"a\"}]}],"
        " \"ResultSetMetadata\": {\"ColumnInfo\": [{\"Name\": \"a\", \"Type\": \"varchar\"}]}}}"};
    char err[256];
    size_t rows;
    char *text = print_pages(SQL_FORMAT_TABLE, pages, 1, &rows, err, sizeof err);
    CHECK_INT(rows, 0);
    CHECK_STR(text, " a\n---\n");
    free(text);
}

static void test_printer_bad_shapes(void)
{
    static const struct {
        const char *page;
        const char *error;
    } cases[] = {
        {"{}", "the GetQueryResults response has no ResultSet object"},
        {"{\"ResultSet\": {}}", "the GetQueryResults response has no ResultSetMetadata.ColumnInfo list"},
        {"{\"ResultSet\": {\"ResultSetMetadata\": {\"ColumnInfo\": [{\"Type\": \"varchar\"}]}}}",
         "column 1 of the GetQueryResults response has no Name"},
        {"{\"ResultSet\": {\"Rows\": {}, \"ResultSetMetadata\": {\"ColumnInfo\": []}}}",
         "ResultSet.Rows of the GetQueryResults response is not a list"},
        {"{\"ResultSet\": {\"Rows\": [{\"Data\": []}], \"ResultSetMetadata\": {\"ColumnInfo\":"
         " [{\"Name\": \"a\"}]}}}",
         "row 1 of the GetQueryResults response does not have 1 values"},
        {"{\"ResultSet\": {\"Rows\": [{\"Data\": [{\"VarCharValue\": 5}]}],"
         " \"ResultSetMetadata\": {\"ColumnInfo\": [{\"Name\": \"a\"}]}}}",
         "value 1 of row 1 of the GetQueryResults response is not a {\"VarCharValue\": string} "
         "object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *pages[] = {cases[i].page};
        char err[256];
        size_t rows;
        char *text = print_pages(SQL_FORMAT_TABLE, pages, 1, &rows, err, sizeof err);
        CHECK_STR(err, cases[i].error);
        free(text);
    }
}

static void test_format_parse(void)
{
    sql_format format;
    CHECK(sql_format_parse("csv", &format));
    CHECK_INT(format, SQL_FORMAT_CSV);
    CHECK(sql_format_parse("table", &format));
    CHECK_INT(format, SQL_FORMAT_TABLE);
    CHECK(sql_format_parse("json", &format));
    CHECK_INT(format, SQL_FORMAT_JSON);
    CHECK(!sql_format_parse("text", &format));
}

static void test_display_width(void)
{
    CHECK_INT(sql_display_width(""), 0);
    CHECK_INT(sql_display_width("abc"), 3);
    CHECK_INT(sql_display_width("\xc3\xbc"), 1);
    CHECK_INT(sql_display_width("\xe6\x9d\xb1"), 2);
    CHECK_INT(sql_display_width("\xff\xfe"), 2);
}

static void test_api_error_body(void)
{
    sql_api_error error;
    const char body[] = "{\"__type\": \"com.amazonaws.athena#InvalidRequestException\","
                        " \"message\": \"bad input\"}";
    sql_api_error_from_body(400, body, strlen(body), &error);
    CHECK_INT(error.http_status, 400);
    CHECK_STR(error.code, "InvalidRequestException");
    CHECK_STR(error.message, "bad input");

    const char capitalized[] = "{\"__type\": \"AccessDeniedException\", \"Message\": \"no\"}";
    sql_api_error_from_body(403, capitalized, strlen(capitalized), &error);
    CHECK_STR(error.code, "AccessDeniedException");
    CHECK_STR(error.message, "no");

    const char html[] = "<html>Bad Gateway</html>";
    sql_api_error_from_body(502, html, strlen(html), &error);
    CHECK_STR(error.code, "HTTP 502");
    CHECK_STR(error.message, "<html>Bad Gateway</html>");

    sql_api_error_from_body(500, NULL, 0, &error);
    CHECK_STR(error.code, "HTTP 500");
    CHECK_STR(error.message, "");
}

int main(void)
{
    /* Widths of CJK characters come from wcwidth(), which needs a UTF-8 locale. */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        fprintf(stderr, "C.UTF-8 locale not available\n");
    UNIT_RUN(test_statement_split);
    UNIT_RUN(test_statement_blank);
    UNIT_RUN(test_printer_table);
    UNIT_RUN(test_printer_table_wide_characters);
    UNIT_RUN(test_printer_csv);
    UNIT_RUN(test_printer_json);
    UNIT_RUN(test_printer_json_repeated_names);
    UNIT_RUN(test_printer_empty_result);
    UNIT_RUN(test_printer_bad_shapes);
    UNIT_RUN(test_format_parse);
    UNIT_RUN(test_display_width);
    UNIT_RUN(test_api_error_body);
    return UNIT_SUMMARY();
}
