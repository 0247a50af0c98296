/*
 * Apache Arrow schemas as a LAMBDA catalog's function sends them in
 * GetTableResponse: one encapsulated IPC message (Arrow columnar format,
 * "Encapsulated message format") whose header is a Schema. The message is
 *   [0xFFFFFFFF] int32 LENGTH, then LENGTH bytes of a FlatBuffers Message
 * where the continuation marker 0xFFFFFFFF is absent in the format before
 * Arrow 0.15. Tables follow Arrow's Schema.fbs and Message.fbs:
 *   Message { version: short, header_type: ubyte, header: table, ... }
 *   Schema  { endianness: short, fields: [Field], ... }
 *   Field   { name: string, nullable: bool, type_type: ubyte, type: table,
 *             dictionary: table, children: [Field], ... }
 *
 * The reader checks every offset against the buffer before it follows it,
 * and limits nesting to ARROW_MAX_DEPTH and fields to ARROW_MAX_FIELDS, so
 * any input bytes fail cleanly. Types map to Hive type names the way
 * Athena shows columns: int, bigint, double, string, decimal(p,s),
 * array<T>, struct<a:T,...>, map<K,V> and so on.
 */
#include "athena/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARROW_MAX_DEPTH 32
#define ARROW_MAX_FIELDS 10000
/* Maximum length of a field name and of a type name, in bytes. With ARROW_MAX_FIELDS they bound the output. */
#define ARROW_MAX_NAME 4096
#define ARROW_MAX_TYPE 65536
/* Message.header_type of a Schema (MessageHeader union, Message.fbs). */
#define ARROW_HEADER_SCHEMA 1

/* Type union ids of Schema.fbs. */
enum arrow_type_id {
    ARROW_NULL = 1,
    ARROW_INT = 2,
    ARROW_FLOATING_POINT = 3,
    ARROW_BINARY = 4,
    ARROW_UTF8 = 5,
    ARROW_BOOL = 6,
    ARROW_DECIMAL = 7,
    ARROW_DATE = 8,
    ARROW_TIME = 9,
    ARROW_TIMESTAMP = 10,
    ARROW_INTERVAL = 11,
    ARROW_LIST = 12,
    ARROW_STRUCT = 13,
    ARROW_UNION = 14,
    ARROW_FIXED_SIZE_BINARY = 15,
    ARROW_FIXED_SIZE_LIST = 16,
    ARROW_MAP = 17,
    ARROW_DURATION = 18,
    ARROW_LARGE_BINARY = 19,
    ARROW_LARGE_UTF8 = 20,
    ARROW_LARGE_LIST = 21,
};

typedef struct arrow_reader {
    const uint8_t *data;
    size_t len;
    char *err;
    size_t errlen;
    size_t fields; /* fields read so far, against ARROW_MAX_FIELDS */
} arrow_reader;

static bool arrow_fail(arrow_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool arrow_fail(arrow_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
    return false;
}

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t read_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Returns true when [pos, pos + n) lies inside the buffer. */
static bool in_bounds(const arrow_reader *r, size_t pos, size_t n)
{
    return pos <= r->len && n <= r->len - pos;
}

/* A FlatBuffers table: its position and its vtable's position and size. */
typedef struct fb_table {
    size_t pos;
    size_t vtable;
    uint16_t vtable_size;
} fb_table;

/* Reads the table at pos, checking its vtable. */
static bool table_at(arrow_reader *r, size_t pos, fb_table *t)
{
    if (!in_bounds(r, pos, 4))
        return arrow_fail(r, "table offset %zu is outside the %zu-byte schema", pos, r->len);
    int32_t soffset = (int32_t)read_u32(r->data + pos);
    long long vtable = (long long)pos - soffset;
    if (vtable < 0 || !in_bounds(r, (size_t)vtable, 4))
        return arrow_fail(r, "vtable of the table at %zu is outside the schema", pos);
    t->pos = pos;
    t->vtable = (size_t)vtable;
    t->vtable_size = read_u16(r->data + t->vtable);
    if (t->vtable_size < 4 || t->vtable_size % 2 || !in_bounds(r, t->vtable, t->vtable_size))
        return arrow_fail(r, "vtable of the table at %zu has invalid size %u", pos,
                          (unsigned)t->vtable_size);
    return true;
}

/* Returns the position of field index in t, or 0 when the field is absent. */
static size_t field_pos(arrow_reader *r, const fb_table *t, unsigned index, size_t size)
{
    size_t slot = 4 + 2 * (size_t)index;
    if (slot + 2 > t->vtable_size)
        return 0;
    uint16_t offset = read_u16(r->data + t->vtable + slot);
    if (offset == 0 || !in_bounds(r, t->pos + offset, size))
        return 0;
    return t->pos + offset;
}

static long long field_int(arrow_reader *r, const fb_table *t, unsigned index, size_t size,
                           long long fallback)
{
    size_t pos = field_pos(r, t, index, size);
    if (!pos)
        return fallback;
    const uint8_t *p = r->data + pos;
    switch (size) {
    case 1:
        return p[0];
    case 2:
        return (int16_t)read_u16(p);
    default:
        return (int32_t)read_u32(p);
    }
}

/* Follows the uoffset stored at pos; false when it leads outside the buffer. */
static bool follow(arrow_reader *r, size_t pos, size_t *target)
{
    uint32_t offset = read_u32(r->data + pos);
    if (!in_bounds(r, pos, (size_t)offset) || !in_bounds(r, pos + offset, 4))
        return arrow_fail(r, "offset %u at %zu is outside the schema", offset, pos);
    *target = pos + offset;
    return true;
}

/* Reads the table that field index of t refers to; *present is false when absent. */
static bool field_table(arrow_reader *r, const fb_table *t, unsigned index, fb_table *out,
                        bool *present)
{
    size_t pos = field_pos(r, t, index, 4), target;
    *present = pos != 0;
    if (!pos)
        return true;
    return follow(r, pos, &target) && table_at(r, target, out);
}

/* Reads the string field index of t into out (empty when absent). */
static bool field_string(arrow_reader *r, const fb_table *t, unsigned index, owl_buf *out)
{
    size_t pos = field_pos(r, t, index, 4), target;
    if (!pos)
        return true;
    if (!follow(r, pos, &target))
        return false;
    uint32_t n = read_u32(r->data + target);
    if (!in_bounds(r, target + 4, n))
        return arrow_fail(r, "string of %u bytes at %zu runs past the schema", n, target);
    if (n > ARROW_MAX_NAME)
        return arrow_fail(r, "name of %u bytes at %zu exceeds %d bytes", n, target, ARROW_MAX_NAME);
    owl_buf_append(out, r->data + target + 4, n);
    return true;
}

/* Reads the vector field index of t: *count elements of uoffsets starting at *first. */
static bool field_vector(arrow_reader *r, const fb_table *t, unsigned index, size_t *first,
                         uint32_t *count)
{
    size_t pos = field_pos(r, t, index, 4), target;
    *count = 0;
    if (!pos)
        return true;
    if (!follow(r, pos, &target))
        return false;
    *count = read_u32(r->data + target);
    if (*count > (r->len - target - 4) / 4)
        return arrow_fail(r, "vector of %u elements at %zu runs past the schema", *count, target);
    *first = target + 4;
    return true;
}

static bool field_type(arrow_reader *r, const fb_table *field, unsigned depth, owl_buf *out);

/* Appends the types of the children of field, separated by commas, as name:type when names is set. */
static bool children_types(arrow_reader *r, const fb_table *field, unsigned depth, bool names,
                           owl_buf *out)
{
    size_t first = 0;
    uint32_t count;
    if (!field_vector(r, field, 5, &first, &count))
        return false;
    for (uint32_t i = 0; i < count; i++) {
        size_t target;
        fb_table child;
        if (!follow(r, first + 4 * (size_t)i, &target) || !table_at(r, target, &child))
            return false;
        if (i)
            owl_buf_putc(out, ',');
        if (names) {
            if (!field_string(r, &child, 0, out))
                return false;
            owl_buf_putc(out, ':');
        }
        if (!field_type(r, &child, depth + 1, out))
            return false;
    }
    return count > 0 || arrow_fail(r, "a nested type has no children");
}

/* Appends the Hive type name of the Arrow Field table field. */
static bool field_type(arrow_reader *r, const fb_table *field, unsigned depth, owl_buf *out)
{
    if (depth > ARROW_MAX_DEPTH)
        return arrow_fail(r, "types nest deeper than %d levels", ARROW_MAX_DEPTH);
    if (++r->fields > ARROW_MAX_FIELDS)
        return arrow_fail(r, "the schema has more than %d fields", ARROW_MAX_FIELDS);
    if (out->len > ARROW_MAX_TYPE)
        return arrow_fail(r, "a type name is longer than %d bytes", ARROW_MAX_TYPE);

    long long type_id = field_int(r, field, 2, 1, 0);
    fb_table type = {0};
    bool has_type = false;
    if (!field_table(r, field, 3, &type, &has_type))
        return false;

    switch (type_id) {
    case ARROW_INT: {
        long long bits = has_type ? field_int(r, &type, 0, 4, 0) : 0;
        switch (bits) {
        case 8:
            owl_buf_puts(out, "tinyint");
            return true;
        case 16:
            owl_buf_puts(out, "smallint");
            return true;
        case 32:
            owl_buf_puts(out, "int");
            return true;
        case 64:
            owl_buf_puts(out, "bigint");
            return true;
        default:
            return arrow_fail(r, "integer type has invalid bit width %lld", bits);
        }
    }
    case ARROW_FLOATING_POINT: {
        /* Precision HALF (0) and SINGLE (1) fit float, DOUBLE (2) is double. */
        long long precision = has_type ? field_int(r, &type, 0, 2, 0) : 0;
        owl_buf_puts(out, precision == 2 ? "double" : "float");
        return true;
    }
    case ARROW_DECIMAL: {
        long long precision = has_type ? field_int(r, &type, 0, 4, 0) : 0;
        long long scale = has_type ? field_int(r, &type, 1, 4, 0) : 0;
        owl_buf_printf(out, "decimal(%lld,%lld)", precision, scale);
        return true;
    }
    case ARROW_UTF8:
    case ARROW_LARGE_UTF8:
        owl_buf_puts(out, "string");
        return true;
    case ARROW_BINARY:
    case ARROW_LARGE_BINARY:
    case ARROW_FIXED_SIZE_BINARY:
        owl_buf_puts(out, "binary");
        return true;
    case ARROW_BOOL:
        owl_buf_puts(out, "boolean");
        return true;
    case ARROW_DATE:
        owl_buf_puts(out, "date");
        return true;
    case ARROW_TIMESTAMP:
        owl_buf_puts(out, "timestamp");
        return true;
    case ARROW_LIST:
    case ARROW_LARGE_LIST:
    case ARROW_FIXED_SIZE_LIST:
        owl_buf_puts(out, "array<");
        if (!children_types(r, field, depth, false, out))
            return false;
        owl_buf_putc(out, '>');
        return true;
    case ARROW_STRUCT:
        owl_buf_puts(out, "struct<");
        if (!children_types(r, field, depth, true, out))
            return false;
        owl_buf_putc(out, '>');
        return true;
    case ARROW_MAP: {
        /* A map's one child is a struct of key and value. */
        size_t first = 0;
        uint32_t count;
        size_t target;
        fb_table entries;
        if (!field_vector(r, field, 5, &first, &count))
            return false;
        if (count != 1)
            return arrow_fail(r, "a map type has %u children, expected 1", count);
        if (!follow(r, first, &target) || !table_at(r, target, &entries))
            return false;
        owl_buf_puts(out, "map<");
        if (!children_types(r, &entries, depth + 1, false, out))
            return false;
        owl_buf_putc(out, '>');
        return true;
    }
    default:
        return arrow_fail(r, "Arrow type %lld has no Hive equivalent", type_id);
    }
}

json_t *athena_arrow_schema_columns(const uint8_t *data, size_t len, char *err, size_t errlen)
{
    arrow_reader r = {.data = data, .len = len, .err = err, .errlen = errlen};
    size_t start = 0;
    if (len >= 4 && read_u32(data) == 0xFFFFFFFFu)
        start = 4;
    if (!in_bounds(&r, start, 4)) {
        arrow_fail(&r, "the schema is %zu bytes, too short for an IPC message", len);
        return NULL;
    }
    uint32_t message_len = read_u32(data + start);
    start += 4;
    if (!in_bounds(&r, start, message_len) || message_len < 4) {
        arrow_fail(&r, "the IPC message length %u does not fit the %zu-byte schema", message_len,
                   len);
        return NULL;
    }
    /* Offsets inside the FlatBuffer count from its first byte. */
    r.data = data + start;
    r.len = message_len;

    size_t root;
    fb_table message, schema;
    bool present = false;
    if (!follow(&r, 0, &root) || !table_at(&r, root, &message))
        return NULL;
    long long header_type = field_int(&r, &message, 1, 1, 0);
    if (header_type != ARROW_HEADER_SCHEMA) {
        arrow_fail(&r, "the IPC message header has type %lld, expected a Schema (1)",
                   header_type);
        return NULL;
    }
    if (!field_table(&r, &message, 2, &schema, &present))
        return NULL;
    if (!present) {
        arrow_fail(&r, "the IPC message has no Schema header");
        return NULL;
    }

    size_t first = 0;
    uint32_t count;
    if (!field_vector(&r, &schema, 1, &first, &count))
        return NULL;
    json_t *columns = json_array();
    for (uint32_t i = 0; i < count; i++) {
        size_t target;
        fb_table field;
        owl_buf name = OWL_BUF_INIT, type = OWL_BUF_INIT;
        owl_buf_puts(&name, "");
        owl_buf_puts(&type, "");
        bool ok = follow(&r, first + 4 * (size_t)i, &target) && table_at(&r, target, &field) &&
                  field_string(&r, &field, 0, &name) && field_type(&r, &field, 1, &type);
        json_t *name_json = ok ? json_stringn(name.data, name.len) : NULL;
        json_t *type_json = ok ? json_stringn(type.data, type.len) : NULL;
        owl_buf_free(&name);
        owl_buf_free(&type);
        if (ok && (!name_json || !type_json || json_string_length(name_json) == 0))
            ok = arrow_fail(&r, "field %u has an empty name or a name that is not UTF-8", i);
        if (!ok) {
            json_decref(name_json);
            json_decref(type_json);
            json_decref(columns);
            return NULL;
        }
        json_array_append_new(columns, json_pack("{s:o, s:o}", "Name", name_json, "Type",
                                                 type_json));
    }
    return columns;
}
