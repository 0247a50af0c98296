/*
 * Helpers over the Hive metastore structs: exception values, Hive's name
 * patterns and partition names (Hive 2.3 and 3.1 behaviour, see hms.h).
 */
#include "hms/hms.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define HMS_DEFAULT_PARTITION_NAME "__HIVE_DEFAULT_PARTITION__"

const char *hms_exception_name(hms_exception_kind kind)
{
    switch (kind) {
    case HMS_EXCEPTION_NONE: return "none";
    case HMS_EXCEPTION_META: return "MetaException";
    case HMS_EXCEPTION_NO_SUCH_OBJECT: return "NoSuchObjectException";
    case HMS_EXCEPTION_ALREADY_EXISTS: return "AlreadyExistsException";
    case HMS_EXCEPTION_INVALID_OBJECT: return "InvalidObjectException";
    case HMS_EXCEPTION_INVALID_OPERATION: return "InvalidOperationException";
    case HMS_EXCEPTION_UNKNOWN_DB: return "UnknownDBException";
    case HMS_EXCEPTION_CONFIG_VAL_SECURITY: return "ConfigValSecurityException";
    }
    return "unknown";
}

thrift_value *hms_exception_new(const char *message)
{
    thrift_value *e = thrift_value_new_struct();
    thrift_struct_set(e, HMS_EXCEPTION_MESSAGE, thrift_value_new_cstring(message));
    return e;
}

const char *hms_application_exception_type_name(int type)
{
    static const char *const names[] = {
        "UNKNOWN", "UNKNOWN_METHOD", "INVALID_MESSAGE_TYPE", "WRONG_METHOD_NAME",
        "BAD_SEQUENCE_ID", "MISSING_RESULT", "INTERNAL_ERROR", "PROTOCOL_ERROR",
    };
    if (type < 0 || (size_t)type >= sizeof names / sizeof names[0])
        return "UNKNOWN";
    return names[type];
}

/* Matches name[0..] against one alternative pattern[0..len) with '*' wildcards. */
static bool pattern_match_one(const char *pattern, size_t len, const char *name)
{
    size_t p = 0;
    const char *n = name;
    /* Backtracking positions for the last '*': greedy matching with one restart point suffices. */
    size_t star_p = (size_t)-1;
    const char *star_n = NULL;
    while (*n) {
        if (p < len && pattern[p] == '*') {
            star_p = p++;
            star_n = n;
        } else if (p < len && tolower((unsigned char)pattern[p]) == tolower((unsigned char)*n)) {
            p++;
            n++;
        } else if (star_p != (size_t)-1) {
            p = star_p + 1;
            n = ++star_n;
        } else {
            return false;
        }
    }
    while (p < len && pattern[p] == '*')
        p++;
    return p == len;
}

bool hms_pattern_match(const char *pattern, const char *name)
{
    const char *start = pattern;
    for (;;) {
        const char *bar = strchr(start, '|');
        size_t len = bar ? (size_t)(bar - start) : strlen(start);
        /* Hive trims each alternative. */
        const char *s = start;
        while (len > 0 && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)s[len - 1]))
            len--;
        if (pattern_match_one(s, len, name))
            return true;
        if (!bar)
            return false;
        start = bar + 1;
    }
}

static bool partition_char_needs_escape(unsigned char c)
{
    if (c >= 0x01 && c <= 0x1f)
        return true;
    return c == '"' || c == '#' || c == '%' || c == '\'' || c == '*' || c == '/' || c == ':' ||
           c == '=' || c == '?' || c == '\\' || c == 0x7f || c == '{' || c == '[' || c == ']' ||
           c == '^';
}

static void partition_escape(owl_buf *out, const char *s)
{
    if (!s || !*s) {
        owl_buf_puts(out, HMS_DEFAULT_PARTITION_NAME);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (partition_char_needs_escape(*p))
            owl_buf_printf(out, "%%%02X", *p);
        else
            owl_buf_putc(out, (char)*p);
    }
}

void hms_partition_name(owl_buf *out, const char *const *keys, const char *const *values, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            owl_buf_putc(out, '/');
        partition_escape(out, keys[i]);
        owl_buf_putc(out, '=');
        partition_escape(out, values[i]);
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unescapes s[0..len) into a new string; NULL on a bad %XX escape. */
static char *partition_unescape(const char *s, size_t len)
{
    owl_buf b = OWL_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < len ? hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                owl_buf_free(&b);
                return NULL;
            }
            owl_buf_putc(&b, (char)(hi * 16 + lo));
            i += 2;
        } else {
            owl_buf_putc(&b, s[i]);
        }
    }
    return owl_buf_detach(&b, NULL);
}

int hms_partition_name_parse(const char *name, char **keys, char **values, size_t max_values)
{
    size_t count = 0;
    const char *part = name;
    while (*part) {
        const char *end = strchr(part, '/');
        size_t len = end ? (size_t)(end - part) : strlen(part);
        const char *eq = memchr(part, '=', len);
        if (!eq || count == max_values)
            goto fail;
        keys[count] = partition_unescape(part, (size_t)(eq - part));
        values[count] = partition_unescape(eq + 1, len - (size_t)(eq - part) - 1);
        count++;
        if (!keys[count - 1] || !values[count - 1])
            goto fail;
        if (!end)
            break;
        part = end + 1;
    }
    if (count == 0)
        return -1;
    return (int)count;

fail:
    for (size_t i = 0; i < count; i++) {
        free(keys[i]);
        free(values[i]);
    }
    return -1;
}

char *hms_lowercase(char *s)
{
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

thrift_value *hms_string_list(const char *const *items, size_t count)
{
    thrift_value *list = thrift_value_new_list(THRIFT_STRING);
    for (size_t i = 0; i < count; i++)
        thrift_list_append(list, thrift_value_new_cstring(items[i]));
    return list;
}

const char **hms_string_list_items(const thrift_value *list, size_t *count)
{
    *count = 0;
    if (!list || list->type != THRIFT_LIST || list->u.list.elem_type != THRIFT_STRING ||
        list->u.list.count == 0)
        return NULL;
    const char **items = malloc(list->u.list.count * sizeof *items);
    if (!items)
        abort();
    for (size_t i = 0; i < list->u.list.count; i++)
        items[i] = (const char *)list->u.list.items[i]->u.str.data;
    *count = list->u.list.count;
    return items;
}
