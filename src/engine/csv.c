/*
 * Result files: the CSV file Athena writes to <OutputLocation>/<id>.csv and
 * its metadata, and the pager GetQueryResults reads them with.
 *
 * CSV follows RFC 4180 as Athena writes it: a header row, every field
 * double-quoted (a quote inside a field doubled), rows ended by \n, and
 * SQL NULL written as an empty unquoted field, so NULL and '' stay apart.
 *
 * NOTE: Athena's own .csv.metadata is a binary protobuf-like encoding that
 * is not documented; owlery writes its own JSON instead:
 *   {"version":1,"columns":[{"name":"a","type":"decimal(10,2)","precision":10,"scale":2}]}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

struct engine_csv_writer {
    FILE *csv;
    char *metadata_path;
    json_t *columns;
    bool failed;
};

engine_csv_writer *engine_csv_writer_open(const char *csv_path, const char *metadata_path, char **err) {
    FILE *f = fopen(csv_path, "wb");
    if (!f) {
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: cannot create result file %s: %s", csv_path,
                       strerror(errno));
        return NULL;
    }
    engine_csv_writer *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->csv = f;
    w->metadata_path = metadata_path ? strdup(metadata_path) : NULL;
    return w;
}

static void csv_put_field(FILE *f, const char *value, size_t len) {
    if (!value)
        return;
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '"')
            fputc('"', f);
        fputc(value[i], f);
    }
    fputc('"', f);
}

static bool csv_begin(void *ctx, const engine_result_column *cols, size_t count, char **err) {
    engine_csv_writer *w = ctx;
    w->columns = json_array();
    for (size_t i = 0; i < count; i++) {
        if (i)
            fputc(',', w->csv);
        csv_put_field(w->csv, cols[i].name, strlen(cols[i].name));
        json_array_append_new(w->columns,
                              json_pack("{s:s, s:s, s:i, s:i}", "name", cols[i].name, "type",
                                        cols[i].athena_type, "precision", cols[i].precision, "scale",
                                        cols[i].scale));
    }
    fputc('\n', w->csv);
    return true;
}

static bool csv_row(void *ctx, const char *const *values, const size_t *lengths, size_t count,
                    char **err) {
    engine_csv_writer *w = ctx;
    for (size_t i = 0; i < count; i++) {
        if (i)
            fputc(',', w->csv);
        csv_put_field(w->csv, values[i], lengths[i]);
    }
    if (fputc('\n', w->csv) == EOF) {
        w->failed = true;
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: cannot write the result file: %s", strerror(errno));
        return false;
    }
    return true;
}

static bool csv_end(void *ctx, char **err) {
    engine_csv_writer *w = ctx;
    if (!w->metadata_path)
        return true;
    json_t *doc = json_pack("{s:i, s:O}", "version", 1, "columns", w->columns ? w->columns : json_array());
    int rc = json_dump_file(doc, w->metadata_path, JSON_COMPACT);
    json_decref(doc);
    if (rc != 0) {
        w->failed = true;
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: cannot write the result metadata file %s",
                       w->metadata_path);
        return false;
    }
    return true;
}

engine_result_sink engine_csv_writer_sink(engine_csv_writer *writer) {
    return (engine_result_sink){csv_begin, csv_row, csv_end, writer};
}

bool engine_csv_writer_close(engine_csv_writer *w, char **err) {
    bool ok = !w->failed;
    if (fclose(w->csv) != 0 && ok) {
        engine_set_err(err, "GENERIC_INTERNAL_ERROR: cannot write the result file: %s", strerror(errno));
        ok = false;
    }
    json_decref(w->columns);
    free(w->metadata_path);
    free(w);
    return ok;
}

/* ---------------------------------------------------------------- pager */

/* Reads one CSV row from f; returns 0 at end of file, -1 on malformed input, 1 on a row. */
static int csv_read_row(FILE *f, char ***fields, size_t *count) {
    *fields = NULL;
    *count = 0;
    int c = getc(f);
    if (c == EOF)
        return 0;
    owl_buf field = OWL_BUF_INIT;
    for (;;) {
        bool quoted = false;
        owl_buf_reset(&field);
        if (c == '"') {
            quoted = true;
            for (;;) {
                c = getc(f);
                if (c == EOF) {
                    owl_buf_free(&field);
                    return -1;
                }
                if (c == '"') {
                    c = getc(f);
                    if (c != '"')
                        break;
                }
                owl_buf_putc(&field, (char)c);
            }
        } else {
            while (c != ',' && c != '\n' && c != EOF) {
                if (c != '\r')
                    owl_buf_putc(&field, (char)c);
                c = getc(f);
            }
        }
        if (c != ',' && c != '\n' && c != EOF && c != '\r') {
            owl_buf_free(&field);
            return -1;
        }
        if (c == '\r')
            c = getc(f);
        *fields = realloc(*fields, (*count + 1) * sizeof **fields);
        if (!*fields)
            abort();
        /* An empty unquoted field is NULL; a quoted one is a (maybe empty) string. */
        (*fields)[(*count)++] = (quoted || field.len) ? owl_buf_detach(&field, NULL) : NULL;
        if (c != ',')
            break;
        c = getc(f);
    }
    owl_buf_free(&field);
    return 1;
}

static void row_free(char **fields, size_t count) {
    for (size_t i = 0; i < count; i++)
        free(fields[i]);
    free(fields);
}

bool engine_result_page(const char *csv_path, uint64_t offset, size_t max_rows,
                        engine_result_page_t *page, char **err) {
    memset(page, 0, sizeof *page);
    FILE *f = fopen(csv_path, "rb");
    if (!f) {
        engine_set_err(err, "cannot open result file %s: %s", csv_path, strerror(errno));
        return false;
    }
    /* A row starts at 0 or right after a newline; anything else is a forged token. */
    if (offset > 0) {
        if (fseeko(f, (off_t)offset - 1, SEEK_SET) != 0 || getc(f) != '\n') {
            engine_set_err(err, "invalid NextToken: offset %llu is not the start of a row",
                           (unsigned long long)offset);
            fclose(f);
            return false;
        }
    }
    bool ok = true;
    while (page->row_count < max_rows) {
        char **fields;
        size_t count;
        int rc = csv_read_row(f, &fields, &count);
        if (rc == 0)
            break;
        if (rc < 0 || (page->row_count && count != page->column_count)) {
            if (rc > 0)
                row_free(fields, count);
            engine_set_err(err, "malformed result file %s near byte %lld", csv_path, (long long)ftello(f));
            ok = false;
            break;
        }
        page->rows = realloc(page->rows, (page->row_count + 1) * sizeof *page->rows);
        if (!page->rows)
            abort();
        page->rows[page->row_count++] = fields;
        page->column_count = count;
    }
    if (ok) {
        off_t here = ftello(f);
        page->next_offset = getc(f) == EOF ? 0 : (uint64_t)here;
    }
    fclose(f);
    if (!ok)
        engine_result_page_free(page);
    return ok;
}

void engine_result_page_free(engine_result_page_t *page) {
    for (size_t r = 0; r < page->row_count; r++)
        row_free(page->rows[r], page->column_count);
    free(page->rows);
    memset(page, 0, sizeof *page);
}

engine_result_column *engine_result_metadata_read(const char *metadata_path, size_t *count, char **err) {
    json_error_t jerr;
    json_t *doc = json_load_file(metadata_path, 0, &jerr);
    json_t *cols = json_object_get(doc, "columns");
    if (!json_is_array(cols)) {
        engine_set_err(err, "invalid result metadata file %s: %s", metadata_path,
                       doc ? "no columns array" : jerr.text);
        json_decref(doc);
        return NULL;
    }
    size_t n = json_array_size(cols);
    engine_result_column *out = calloc(n + 1, sizeof *out);
    if (!out)
        abort();
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(cols, i);
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *type = json_string_value(json_object_get(c, "type"));
        out[i].name = strdup(name ? name : "");
        out[i].athena_type = strdup(type ? type : "varchar");
        out[i].precision = (int)json_integer_value(json_object_get(c, "precision"));
        out[i].scale = (int)json_integer_value(json_object_get(c, "scale"));
    }
    json_decref(doc);
    *count = n;
    return out;
}

void engine_result_columns_free(engine_result_column *columns, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free((char *)columns[i].name);
        free((char *)columns[i].athena_type);
    }
    free(columns);
}
