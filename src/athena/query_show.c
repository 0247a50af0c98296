/*
 * SHOW and DESCRIBE statements, answered from the catalog through the
 * metastore function protocol (getDatabaseNames, getTableNames, getTable,
 * getPartitionNames), and the reader of their result files.
 *
 * The results follow the text Athena returns for these Hive statements.
 * Columns have type string and Hive's names (database_name, tab_name,
 * field, partition, col_name, createtab_stmt, and prpt_name and prpt_value
 * for SHOW TBLPROPERTIES), and no header row comes first. DESCRIBE keeps
 * Hive's layout: each field is padded to 20 characters, and the fields of
 * a line are separated by tabs inside its one column. The result file
 * <id>.txt holds one line per row, with the fields of a multi-column
 * result separated by tabs.
 */
#include "athena/query.h"

#include "common/util.h"
#include "thrift/protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hive's column alignment in DESCRIBE and SHOW COLUMNS output. */
#define ALIGNMENT 20

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends text padded with spaces to ALIGNMENT characters. */
static void put_padded(owl_buf *out, const char *text)
{
    owl_buf_printf(out, "%-*s", ALIGNMENT, text ? text : "");
}

/* Adds one row with a single field. */
static void row1(athena_ddl *d, const char *field)
{
    athena_ddl_row(d, &field, 1);
}

/* Adds Hive's three-field DESCRIBE line: name, type and comment, each padded. */
static void describe_line(athena_ddl *d, const char *name, const char *type, const char *comment)
{
    owl_buf line = OWL_BUF_INIT;
    put_padded(&line, name);
    owl_buf_putc(&line, '\t');
    put_padded(&line, type);
    owl_buf_putc(&line, '\t');
    put_padded(&line, comment);
    row1(d, line.data);
    owl_buf_free(&line);
}

/* Adds a "label:\tvalue\t " line of DESCRIBE FORMATTED. */
static void formatted_line(athena_ddl *d, const char *label, const char *value)
{
    owl_buf line = OWL_BUF_INIT;
    put_padded(&line, label);
    owl_buf_putc(&line, '\t');
    put_padded(&line, value);
    owl_buf_puts(&line, "\t ");
    row1(d, line.data);
    owl_buf_free(&line);
}

/* Returns a sorted malloc'ed array of the strings of a JSON array; *count gets the length. */
static const char **sorted_strings(json_t *array, size_t *count)
{
    *count = 0;
    const char **items = calloc(json_array_size(array) + 1, sizeof *items);
    if (!items)
        abort();
    size_t i;
    json_t *item;
    json_array_foreach(array, i, item) {
        if (json_is_string(item))
            items[(*count)++] = json_string_value(item);
    }
    qsort(items, *count, sizeof *items, compare_strings);
    return items;
}

/* ------------------------------------------------------------------------
 * SHOW DATABASES, SHOW TABLES
 * ---------------------------------------------------------------------- */

static bool show_databases(athena_ddl *d)
{
    d->columns[0] = "database_name";
    d->column_count = 1;
    json_t *request = json_object();
    json_t *response = athena_run_metastore_call(d->run, &d->metastore, "getDatabaseNames",
                                                 request);
    json_decref(request);
    if (!response)
        return false;
    size_t count;
    const char **names = sorted_strings(json_object_get(response, "databases"), &count);
    for (size_t i = 0; i < count; i++)
        if (athena_expression_match(d->stmt.pattern, names[i]))
            row1(d, names[i]);
    free(names);
    json_decref(response);
    return true;
}

static bool show_tables(athena_ddl *d)
{
    d->columns[0] = "tab_name";
    d->column_count = 1;
    bool exists = false;
    if (!athena_ddl_database_exists(d, d->database, &exists))
        return false;
    if (!exists) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "FAILED: SemanticException [Error 10072]: Database does not exist: %s",
                        d->database);
        return false;
    }
    json_t *request = json_pack("{s:s}", "dbName", d->database);
    json_t *response = athena_run_metastore_call(d->run, &d->metastore, "getTableNames", request);
    json_decref(request);
    if (!response)
        return false;
    size_t count;
    const char **names = sorted_strings(json_object_get(response, "tables"), &count);
    for (size_t i = 0; i < count; i++)
        if (athena_expression_match(d->stmt.pattern, names[i]))
            row1(d, names[i]);
    free(names);
    json_decref(response);
    return true;
}

/* ------------------------------------------------------------------------
 * Statements about one table
 * ---------------------------------------------------------------------- */

/* Table parameters that describe the storage, which hive.c adds to Parameters. */
static bool is_storage_parameter(const char *key)
{
    return strcmp(key, "location") == 0 || strcmp(key, "inputformat") == 0 ||
           strcmp(key, "outputformat") == 0 || strcmp(key, "serde.serialization.lib") == 0 ||
           strncmp(key, "serde.param.", 12) == 0;
}

/*
 * Returns the sorted keys of parameters (borrowed strings) that are table
 * parameters (storage false) or serde parameters without their prefix
 * (storage true).
 */
static const char **parameter_keys(json_t *parameters, bool storage, size_t *count)
{
    *count = 0;
    const char **keys = calloc(json_object_size(parameters) + 1, sizeof *keys);
    if (!keys)
        abort();
    const char *key;
    json_t *value;
    json_object_foreach(parameters, key, value) {
        if (storage && strncmp(key, "serde.param.", 12) == 0)
            keys[(*count)++] = key + 12;
        else if (!storage && !is_storage_parameter(key))
            keys[(*count)++] = key;
    }
    qsort(keys, *count, sizeof *keys, compare_strings);
    return keys;
}

static const char *serde_parameter(json_t *parameters, const char *key)
{
    char name[512];
    snprintf(name, sizeof name, "serde.param.%s", key);
    return json_string_value(json_object_get(parameters, name));
}

static const char *parameter(json_t *table, const char *key)
{
    return json_string_value(json_object_get(json_object_get(table, "Parameters"), key));
}

static void column_fields(json_t *column, const char **name, const char **type,
                          const char **comment)
{
    *name = json_string_value(json_object_get(column, "Name"));
    *type = json_string_value(json_object_get(column, "Type"));
    *comment = json_string_value(json_object_get(column, "Comment"));
    if (!*type)
        *type = "string";
}

static bool show_columns(athena_ddl *d, json_t *table)
{
    d->columns[0] = "field";
    d->column_count = 1;
    const char *keys[] = {"Columns", "PartitionKeys"};
    for (size_t k = 0; k < 2; k++) {
        size_t i;
        json_t *column;
        json_array_foreach(json_object_get(table, keys[k]), i, column) {
            owl_buf line = OWL_BUF_INIT;
            put_padded(&line, json_string_value(json_object_get(column, "Name")));
            row1(d, line.data);
            owl_buf_free(&line);
        }
    }
    return true;
}

static bool show_partitions(athena_ddl *d, json_t *table)
{
    d->columns[0] = "partition";
    d->column_count = 1;
    if (json_array_size(json_object_get(table, "PartitionKeys")) == 0) {
        athena_run_fail(d->run, ATHENA_ERROR_USER,
                        "FAILED: SemanticException [Error 10241]: Table %s is not a partitioned "
                        "table",
                        d->stmt.table);
        return false;
    }
    json_t *request = json_pack("{s:s, s:s, s:i}", "dbName", d->database, "tableName",
                                d->stmt.table, "maxSize", -1);
    json_t *response = athena_run_metastore_call(d->run, &d->metastore, "getPartitionNames",
                                                 request);
    json_decref(request);
    if (!response)
        return false;
    size_t count;
    const char **names = sorted_strings(json_object_get(response, "partitionNames"), &count);
    for (size_t i = 0; i < count; i++)
        row1(d, names[i]);
    free(names);
    json_decref(response);
    return true;
}

/* Adds the column lines of DESCRIBE and, for a partitioned table, its partition section. */
static void describe_columns(athena_ddl *d, json_t *table, bool formatted)
{
    const char *name, *type, *comment;
    size_t i;
    json_t *column;
    if (formatted) {
        describe_line(d, "# col_name", "data_type", "comment");
        row1(d, "\t \t ");
    }
    json_array_foreach(json_object_get(table, "Columns"), i, column) {
        column_fields(column, &name, &type, &comment);
        describe_line(d, name, type, comment);
    }
    json_t *keys = json_object_get(table, "PartitionKeys");
    if (!formatted) {
        json_array_foreach(keys, i, column) {
            column_fields(column, &name, &type, &comment);
            describe_line(d, name, type, comment);
        }
    }
    if (json_array_size(keys) == 0)
        return;
    row1(d, "\t \t ");
    row1(d, "# Partition Information\t \t ");
    describe_line(d, "# col_name", "data_type", "comment");
    row1(d, "\t \t ");
    json_array_foreach(keys, i, column) {
        column_fields(column, &name, &type, &comment);
        describe_line(d, name, type, comment);
    }
}

static void describe_formatted(athena_ddl *d, json_t *table)
{
    json_t *parameters = json_object_get(table, "Parameters");
    row1(d, "\t \t ");
    row1(d, "# Detailed Table Information\t \t ");
    formatted_line(d, "Database:", d->database);
    formatted_line(d, "Owner:", "hadoop");
    char created[64] = "UNKNOWN";
    json_int_t seconds = json_integer_value(json_object_get(table, "CreateTime"));
    if (seconds > 0) {
        time_t t = (time_t)seconds;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(created, sizeof created, "%a %b %d %H:%M:%S UTC %Y", &tm);
    }
    formatted_line(d, "CreateTime:", created);
    formatted_line(d, "LastAccessTime:", "UNKNOWN");
    formatted_line(d, "Retention:", "0");
    formatted_line(d, "Location:", parameter(table, "location"));
    const char *type = json_string_value(json_object_get(table, "TableType"));
    formatted_line(d, "Table Type:", type ? type : "EXTERNAL_TABLE");
    row1(d, "Table Parameters:\t \t ");
    size_t count;
    const char **keys = parameter_keys(parameters, false, &count);
    for (size_t i = 0; i < count; i++) {
        owl_buf line = OWL_BUF_INIT;
        owl_buf_putc(&line, '\t');
        put_padded(&line, keys[i]);
        owl_buf_putc(&line, '\t');
        put_padded(&line, parameter(table, keys[i]));
        row1(d, line.data);
        owl_buf_free(&line);
    }
    free(keys);
    row1(d, "\t \t ");
    row1(d, "# Storage Information\t \t ");
    formatted_line(d, "SerDe Library:", parameter(table, "serde.serialization.lib"));
    formatted_line(d, "InputFormat:", parameter(table, "inputformat"));
    formatted_line(d, "OutputFormat:", parameter(table, "outputformat"));
    formatted_line(d, "Compressed:", "No");
    formatted_line(d, "Num Buckets:", "-1");
    formatted_line(d, "Bucket Columns:", "[]");
    formatted_line(d, "Sort Columns:", "[]");
    keys = parameter_keys(parameters, true, &count);
    if (count)
        row1(d, "Storage Desc Params:\t \t ");
    for (size_t i = 0; i < count; i++) {
        owl_buf line = OWL_BUF_INIT;
        owl_buf_putc(&line, '\t');
        put_padded(&line, keys[i]);
        owl_buf_putc(&line, '\t');
        put_padded(&line, serde_parameter(parameters, keys[i]));
        row1(d, line.data);
        owl_buf_free(&line);
    }
    free(keys);
}

static bool describe(athena_ddl *d, json_t *table)
{
    d->columns[0] = "col_name";
    d->column_count = 1;
    describe_columns(d, table, d->stmt.formatted);
    if (d->stmt.formatted) {
        describe_formatted(d, table);
    } else if (d->stmt.extended) {
        row1(d, "\t \t ");
        owl_buf line = OWL_BUF_INIT;
        const char *type = json_string_value(json_object_get(table, "TableType"));
        owl_buf_printf(&line,
                       "Detailed Table Information\tTable(tableName:%s, dbName:%s, "
                       "location:%s, inputFormat:%s, outputFormat:%s, serializationLib:%s, "
                       "tableType:%s)\t ",
                       d->stmt.table, d->database, parameter(table, "location"),
                       parameter(table, "inputformat"), parameter(table, "outputformat"),
                       parameter(table, "serde.serialization.lib"),
                       type ? type : "EXTERNAL_TABLE");
        row1(d, line.data);
        owl_buf_free(&line);
    }
    return true;
}

/* Appends text as a Hive single-quoted string literal. */
static void put_quoted(owl_buf *out, const char *text)
{
    owl_buf_putc(out, '\'');
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\'' || *p == '\\')
            owl_buf_putc(out, '\\');
        owl_buf_putc(out, *p);
    }
    owl_buf_putc(out, '\'');
}

/* Appends the column list lines "  `name` type [COMMENT '...']," of SHOW CREATE TABLE. */
static void create_columns(owl_buf *out, json_t *columns)
{
    size_t i;
    json_t *column;
    json_array_foreach(columns, i, column) {
        const char *name, *type, *comment;
        column_fields(column, &name, &type, &comment);
        owl_buf_printf(out, "  `%s` %s", name, type);
        if (comment) {
            owl_buf_puts(out, " COMMENT ");
            put_quoted(out, comment);
        }
        owl_buf_puts(out, i + 1 < json_array_size(columns) ? ", \n" : ")\n");
    }
}

/* Appends "  'k'='v', " lines of a property list, closing with ")". */
static void create_properties(owl_buf *out, json_t *parameters, const char **keys, size_t count,
                              bool serde)
{
    for (size_t i = 0; i < count; i++) {
        const char *value = serde ? serde_parameter(parameters, keys[i])
                                  : json_string_value(json_object_get(parameters, keys[i]));
        owl_buf_puts(out, "  ");
        put_quoted(out, keys[i]);
        owl_buf_putc(out, '=');
        put_quoted(out, value);
        owl_buf_puts(out, i + 1 < count ? ", \n" : ")");
    }
}

static bool show_create_table(athena_ddl *d, json_t *table)
{
    d->columns[0] = "createtab_stmt";
    d->column_count = 1;
    json_t *parameters = json_object_get(table, "Parameters");
    const char *type = json_string_value(json_object_get(table, "TableType"));
    bool external = !type || strcmp(type, "EXTERNAL_TABLE") == 0;
    owl_buf text = OWL_BUF_INIT;
    owl_buf_printf(&text, "CREATE %sTABLE `%s`.`%s`(\n", external ? "EXTERNAL " : "",
                   d->database, d->stmt.table);
    create_columns(&text, json_object_get(table, "Columns"));
    if (parameter(table, "comment")) {
        owl_buf_puts(&text, "COMMENT ");
        put_quoted(&text, parameter(table, "comment"));
        owl_buf_putc(&text, '\n');
    }
    json_t *keys = json_object_get(table, "PartitionKeys");
    if (json_array_size(keys) > 0) {
        owl_buf_puts(&text, "PARTITIONED BY ( \n");
        create_columns(&text, keys);
    }
    owl_buf_puts(&text, "ROW FORMAT SERDE \n  ");
    put_quoted(&text, parameter(table, "serde.serialization.lib"));
    owl_buf_puts(&text, " \n");
    size_t count;
    const char **names = parameter_keys(parameters, true, &count);
    if (count) {
        owl_buf_puts(&text, "WITH SERDEPROPERTIES ( \n");
        create_properties(&text, parameters, names, count, true);
        owl_buf_puts(&text, " \n");
    }
    free(names);
    owl_buf_puts(&text, "STORED AS INPUTFORMAT \n  ");
    put_quoted(&text, parameter(table, "inputformat"));
    owl_buf_puts(&text, " \nOUTPUTFORMAT \n  ");
    put_quoted(&text, parameter(table, "outputformat"));
    owl_buf_puts(&text, "\nLOCATION\n  ");
    put_quoted(&text, parameter(table, "location"));
    /* EXTERNAL is the keyword above and comment the COMMENT clause, as Hive prints them. */
    names = parameter_keys(parameters, false, &count);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], "EXTERNAL") != 0 && strcmp(names[i], "comment") != 0)
            names[kept++] = names[i];
    if (kept) {
        owl_buf_puts(&text, "\nTBLPROPERTIES (\n");
        create_properties(&text, parameters, names, kept, false);
    }
    free(names);

    /* One row per line of the statement. */
    char *line = text.data;
    while (line && *line) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        row1(d, line);
        line = end ? end + 1 : NULL;
    }
    owl_buf_free(&text);
    return true;
}

static bool show_tblproperties(athena_ddl *d, json_t *table)
{
    json_t *parameters = json_object_get(table, "Parameters");
    if (d->stmt.pattern) {
        d->columns[0] = "prpt_value";
        d->column_count = 1;
        const char *value = is_storage_parameter(d->stmt.pattern)
                                ? NULL
                                : json_string_value(json_object_get(parameters, d->stmt.pattern));
        owl_buf line = OWL_BUF_INIT;
        if (value)
            owl_buf_puts(&line, value);
        else
            owl_buf_printf(&line, "Table %s.%s does not have property: %s", d->database,
                           d->stmt.table, d->stmt.pattern);
        row1(d, line.data);
        owl_buf_free(&line);
        return true;
    }
    d->columns[0] = "prpt_name";
    d->columns[1] = "prpt_value";
    d->column_count = 2;
    size_t count;
    const char **keys = parameter_keys(parameters, false, &count);
    for (size_t i = 0; i < count; i++) {
        const char *fields[2] = {keys[i], json_string_value(json_object_get(parameters, keys[i]))};
        athena_ddl_row(d, fields, 2);
    }
    free(keys);
    return true;
}

bool athena_ddl_show(athena_ddl *d)
{
    if (!athena_ddl_metastore(d))
        return false;
    if (d->stmt.op == ENGINE_DDL_SHOW_DATABASES)
        return show_databases(d);
    if (d->stmt.op == ENGINE_DDL_SHOW_TABLES)
        return show_tables(d);

    json_t *table = athena_ddl_get_table(d, d->database, d->stmt.table, NULL, NULL);
    if (!table)
        return false;
    bool ok = false;
    switch (d->stmt.op) {
    case ENGINE_DDL_SHOW_COLUMNS: ok = show_columns(d, table); break;
    case ENGINE_DDL_SHOW_PARTITIONS: ok = show_partitions(d, table); break;
    case ENGINE_DDL_SHOW_CREATE_TABLE: ok = show_create_table(d, table); break;
    case ENGINE_DDL_SHOW_TBLPROPERTIES: ok = show_tblproperties(d, table); break;
    case ENGINE_DDL_DESCRIBE: ok = describe(d, table); break;
    default: break;
    }
    json_decref(table);
    return ok;
}

/* ------------------------------------------------------------------------
 * Result pages
 * ---------------------------------------------------------------------- */

bool athena_text_result_page(const char *path, size_t column_count, uint64_t offset,
                             size_t max_rows, engine_result_page_t *page, char **err)
{
    memset(page, 0, sizeof *page);
    page->column_count = column_count;
    FILE *file = fopen(path, "rb");
    if (!file || fseeko(file, (off_t)offset, SEEK_SET) != 0) {
        owl_buf message = OWL_BUF_INIT;
        owl_buf_printf(&message, "cannot read %s: %s", path, strerror(errno));
        *err = message.data;
        if (file)
            fclose(file);
        return false;
    }
    page->rows = calloc(max_rows + 1, sizeof *page->rows);
    if (!page->rows)
        abort();
    char *line = NULL;
    size_t capacity = 0;
    ssize_t len;
    uint64_t position = offset;
    /* A result without columns has no rows to page, whatever its file holds. */
    while (column_count > 0 && page->row_count < max_rows &&
           (len = getline(&line, &capacity, file)) > 0) {
        position += (uint64_t)len;
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        char **fields = calloc(column_count, sizeof *fields);
        if (!fields)
            abort();
        char *start = line;
        for (size_t c = 0; c < column_count; c++) {
            /* The last column takes the rest of the line, tabs included. */
            char *tab = c + 1 < column_count ? strchr(start, '\t') : NULL;
            size_t n = tab ? (size_t)(tab - start) : strlen(start);
            fields[c] = strndup(start, n);
            if (!fields[c])
                abort();
            start = tab ? tab + 1 : start + n;
        }
        page->rows[page->row_count++] = fields;
    }
    int more = column_count > 0 ? fgetc(file) : EOF;
    page->next_offset = more == EOF ? 0 : position;
    free(line);
    fclose(file);
    return true;
}
