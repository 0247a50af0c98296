/*
 * Parser of the AWS CLI's shared config and credentials files. The dialect
 * is what botocore reads with Python's configparser.RawConfigParser:
 *
 *   [section name]          header; the name is what lies between the brackets,
 *                           trimmed
 *   key = value             option; '=' or ':' separates, the key is trimmed and
 *                           lowercased, the value trimmed
 *   # comment, ; comment    full-line comments only: "key = a # b" has value "a # b"
 *     continuation          a line indented deeper than its option continues the
 *                           value; botocore reads such values as nested
 *                           "subkey = value" lines
 *
 * Files are small (a few profiles), so entries are kept in one array in file
 * order and looked up linearly.
 */
#include "cli/sql.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sql_ini_entry {
    char *section;
    char *key;   /* NULL for an entry that only records a section header */
    char *value;
    size_t indent; /* leading whitespace of the option line */
} sql_ini_entry;

struct sql_ini {
    sql_ini_entry *entries;
    size_t count, cap;
};

static char *copy_range(const char *start, const char *end)
{
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    size_t len = (size_t)(end - start);
    char *out = malloc(len + 1);
    if (!out)
        abort();
    memcpy(out, start, len);
    out[len] = '\0';
    return out;
}

/* Appends an empty entry. The caller checked SQL_INI_MAX_ENTRIES. */
static sql_ini_entry *entry_add(sql_ini *ini)
{
    assert(ini->count < SQL_INI_MAX_ENTRIES);
    if (ini->count == ini->cap) {
        ini->cap = ini->cap ? ini->cap * 2 : 16;
        ini->entries = realloc(ini->entries, ini->cap * sizeof *ini->entries);
        if (!ini->entries)
            abort();
    }
    sql_ini_entry *entry = &ini->entries[ini->count++];
    memset(entry, 0, sizeof *entry);
    return entry;
}

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Removes the earlier options of section with key, so the newest value wins. */
static void entry_drop_earlier(sql_ini *ini, const char *section, const char *key)
{
    size_t kept = 0;
    for (size_t i = 0; i < ini->count; i++) {
        sql_ini_entry *entry = &ini->entries[i];
        if (entry->key && strcmp(entry->section, section) == 0 && strcmp(entry->key, key) == 0) {
            free(entry->section);
            free(entry->key);
            free(entry->value);
            continue;
        }
        ini->entries[kept++] = *entry;
    }
    ini->count = kept;
}

/* Appends "\n" and the trimmed line to the value of the last option. */
static void entry_continue(sql_ini_entry *entry, const char *start, const char *end)
{
    char *line = copy_range(start, end);
    size_t old_len = strlen(entry->value), line_len = strlen(line);
    char *value = realloc(entry->value, old_len + line_len + 2);
    if (!value)
        abort();
    value[old_len] = '\n';
    memcpy(value + old_len + 1, line, line_len + 1);
    entry->value = value;
    free(line);
}

sql_ini *sql_ini_parse(const char *text, size_t len, char *err, size_t errlen)
{
    if (len > SQL_INI_MAX_BYTES) {
        set_error(err, errlen, "file is %zu bytes, over the limit of %d bytes", len,
                  SQL_INI_MAX_BYTES);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        set_error(err, errlen, "file contains a NUL byte; it is not a text file");
        return NULL;
    }
    sql_ini *ini = calloc(1, sizeof *ini);
    if (!ini)
        abort();
    char *section = NULL;
    sql_ini_entry *option = NULL; /* the option continuation lines extend */
    const char *end = text + len;
    size_t line_number = 0;

    for (const char *line = text; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        const char *next = eol ? eol + 1 : end;
        if (!eol)
            eol = end;
        line_number++;

        const char *content = line;
        while (content < eol && (*content == ' ' || *content == '\t'))
            content++;
        const char *tail = eol;
        while (tail > content && isspace((unsigned char)tail[-1]))
            tail--;
        size_t indent = (size_t)(content - line);

        bool adds_entry = !(content == tail || *content == '#' || *content == ';') &&
                          !(option && indent > option->indent);
        if (adds_entry && ini->count >= SQL_INI_MAX_ENTRIES) {
            set_error(err, errlen, "line %zu: more than %d sections and options", line_number,
                      SQL_INI_MAX_ENTRIES);
            goto fail;
        }

        if (content == tail || *content == '#' || *content == ';') {
            /* Blank lines and comments; a comment does not end a nested value. */
        } else if (option && indent > option->indent) {
            entry_continue(option, content, tail);
        } else if (*content == '[') {
            const char *close = tail - 1;
            if (*close != ']' || close == content + 1) {
                set_error(err, errlen, "line %zu: section header %.*s is not of the form [name]",
                          line_number, (int)((tail - content) > 64 ? 64 : tail - content),
                          content);
                goto fail;
            }
            free(section);
            section = copy_range(content + 1, close);
            sql_ini_entry *header = entry_add(ini);
            header->section = strdup(section);
            if (!header->section)
                abort();
            option = NULL;
        } else {
            const char *separator = content;
            while (separator < tail && *separator != '=' && *separator != ':')
                separator++;
            if (separator == tail || separator == content) {
                set_error(err, errlen, "line %zu: %.*s is not a \"key = value\" option",
                          line_number, (int)((tail - content) > 64 ? 64 : tail - content),
                          content);
                goto fail;
            }
            if (!section) {
                set_error(err, errlen, "line %zu: option before the first [section] header",
                          line_number);
                goto fail;
            }
            char *key = copy_range(content, separator);
            for (char *c = key; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            entry_drop_earlier(ini, section, key);
            option = entry_add(ini);
            option->section = strdup(section);
            if (!option->section)
                abort();
            option->key = key;
            option->value = copy_range(separator + 1, tail);
            option->indent = indent;
        }
        line = next;
    }
    free(section);
    return ini;

fail:
    free(section);
    sql_ini_free(ini);
    return NULL;
}

void sql_ini_free(sql_ini *ini)
{
    if (!ini)
        return;
    for (size_t i = 0; i < ini->count; i++) {
        free(ini->entries[i].section);
        free(ini->entries[i].key);
        free(ini->entries[i].value);
    }
    free(ini->entries);
    free(ini);
}

bool sql_ini_has_section(const sql_ini *ini, const char *section)
{
    for (size_t i = 0; ini && i < ini->count; i++)
        if (strcmp(ini->entries[i].section, section) == 0)
            return true;
    return false;
}

const char *sql_ini_get(const sql_ini *ini, const char *section, const char *key)
{
    for (size_t i = 0; ini && i < ini->count; i++) {
        const sql_ini_entry *entry = &ini->entries[i];
        if (entry->key && strcmp(entry->section, section) == 0 && strcmp(entry->key, key) == 0)
            return entry->value;
    }
    return NULL;
}

char *sql_ini_get_nested(const sql_ini *ini, const char *section, const char *key,
                         const char *subkey)
{
    const char *value = sql_ini_get(ini, section, key);
    if (!value)
        return NULL;
    char *found = NULL;
    for (const char *line = value; *line;) {
        const char *eol = strchr(line, '\n');
        if (!eol)
            eol = line + strlen(line);
        const char *equals = memchr(line, '=', (size_t)(eol - line));
        if (equals) {
            char *name = copy_range(line, equals);
            if (strcmp(name, subkey) == 0) {
                free(found);
                found = copy_range(equals + 1, eol);
            }
            free(name);
        }
        line = *eol ? eol + 1 : eol;
    }
    return found;
}

void sql_ini_each_section(const sql_ini *ini, bool (*fn)(const char *section, void *arg),
                          void *arg)
{
    for (size_t i = 0; ini && i < ini->count; i++) {
        const sql_ini_entry *entry = &ini->entries[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(ini->entries[j].section, entry->section) == 0;
        if (!seen && !fn(entry->section, arg))
            return;
    }
}
