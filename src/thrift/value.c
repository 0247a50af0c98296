/*
 * Generic Thrift value tree: constructors, setters, getters, deep copy,
 * equality and a debug printer. See value.h for the ownership rules.
 *
 * This is hand-written rather than generated: Debian's Thrift C library
 * (c_glib) has no JSON protocol, and the connector transcodes between the
 * binary protocol and TJSONProtocol without per-struct code.
 */
#include "thrift/value.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* Grows an array of elem_size-byte elements so that it has room for count + 1. */
static void *grow(void *array, size_t *cap, size_t count, size_t elem_size)
{
    if (count < *cap)
        return array;
    size_t new_cap = *cap ? *cap * 2 : 4;
    *cap = new_cap;
    return xrealloc(array, new_cap * elem_size);
}

const char *thrift_type_name(thrift_type type)
{
    switch (type) {
    case THRIFT_BOOL: return "tf";
    case THRIFT_I8: return "i8";
    case THRIFT_DOUBLE: return "dbl";
    case THRIFT_I16: return "i16";
    case THRIFT_I32: return "i32";
    case THRIFT_I64: return "i64";
    case THRIFT_STRING: return "str";
    case THRIFT_STRUCT: return "rec";
    case THRIFT_MAP: return "map";
    case THRIFT_SET: return "set";
    case THRIFT_LIST: return "lst";
    case THRIFT_STOP: break;
    }
    return NULL;
}

bool thrift_type_valid(int type)
{
    return type != THRIFT_STOP && thrift_type_name((thrift_type)type) != NULL;
}

static thrift_value *value_alloc(thrift_type type)
{
    thrift_value *v = xmalloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->type = type;
    return v;
}

thrift_value *thrift_value_new_bool(bool x)
{
    thrift_value *v = value_alloc(THRIFT_BOOL);
    v->u.b = x;
    return v;
}

thrift_value *thrift_value_new_i8(int8_t x)
{
    thrift_value *v = value_alloc(THRIFT_I8);
    v->u.i8 = x;
    return v;
}

thrift_value *thrift_value_new_i16(int16_t x)
{
    thrift_value *v = value_alloc(THRIFT_I16);
    v->u.i16 = x;
    return v;
}

thrift_value *thrift_value_new_i32(int32_t x)
{
    thrift_value *v = value_alloc(THRIFT_I32);
    v->u.i32 = x;
    return v;
}

thrift_value *thrift_value_new_i64(int64_t x)
{
    thrift_value *v = value_alloc(THRIFT_I64);
    v->u.i64 = x;
    return v;
}

thrift_value *thrift_value_new_double(double x)
{
    thrift_value *v = value_alloc(THRIFT_DOUBLE);
    v->u.d = x;
    return v;
}

thrift_value *thrift_value_new_string_owned(uint8_t *data, size_t len, bool binary)
{
    thrift_value *v = value_alloc(THRIFT_STRING);
    data[len] = 0;
    v->u.str.data = data;
    v->u.str.len = len;
    v->u.str.binary = binary;
    return v;
}

static thrift_value *string_copy(const void *data, size_t len, bool binary)
{
    uint8_t *copy = xmalloc(len + 1);
    if (len)
        memcpy(copy, data, len);
    return thrift_value_new_string_owned(copy, len, binary);
}

thrift_value *thrift_value_new_string(const void *data, size_t len)
{
    return string_copy(data, len, false);
}

thrift_value *thrift_value_new_cstring(const char *s)
{
    return string_copy(s, strlen(s), false);
}

thrift_value *thrift_value_new_binary(const void *data, size_t len)
{
    return string_copy(data, len, true);
}

thrift_value *thrift_value_new_struct(void)
{
    return value_alloc(THRIFT_STRUCT);
}

thrift_value *thrift_value_new_list(thrift_type elem_type)
{
    assert(thrift_type_valid(elem_type));
    thrift_value *v = value_alloc(THRIFT_LIST);
    v->u.list.elem_type = elem_type;
    return v;
}

thrift_value *thrift_value_new_set(thrift_type elem_type)
{
    assert(thrift_type_valid(elem_type));
    thrift_value *v = value_alloc(THRIFT_SET);
    v->u.list.elem_type = elem_type;
    return v;
}

thrift_value *thrift_value_new_map(thrift_type key_type, thrift_type value_type)
{
    assert((thrift_type_valid(key_type) && thrift_type_valid(value_type)) ||
           (key_type == THRIFT_STOP && value_type == THRIFT_STOP));
    thrift_value *v = value_alloc(THRIFT_MAP);
    v->u.map.key_type = key_type;
    v->u.map.value_type = value_type;
    return v;
}

void thrift_value_free(thrift_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case THRIFT_STRING:
        free(v->u.str.data);
        break;
    case THRIFT_STRUCT:
        for (size_t i = 0; i < v->u.fields.count; i++)
            thrift_value_free(v->u.fields.fields[i].value);
        free(v->u.fields.fields);
        break;
    case THRIFT_LIST:
    case THRIFT_SET:
        for (size_t i = 0; i < v->u.list.count; i++)
            thrift_value_free(v->u.list.items[i]);
        free(v->u.list.items);
        break;
    case THRIFT_MAP:
        for (size_t i = 0; i < v->u.map.count; i++) {
            thrift_value_free(v->u.map.entries[i].key);
            thrift_value_free(v->u.map.entries[i].value);
        }
        free(v->u.map.entries);
        break;
    default:
        break;
    }
    free(v);
}

thrift_value *thrift_value_copy(const thrift_value *v)
{
    thrift_value *c;
    switch (v->type) {
    case THRIFT_STRING:
        return string_copy(v->u.str.data, v->u.str.len, v->u.str.binary);
    case THRIFT_STRUCT:
        c = thrift_value_new_struct();
        for (size_t i = 0; i < v->u.fields.count; i++)
            thrift_struct_set(c, v->u.fields.fields[i].id, thrift_value_copy(v->u.fields.fields[i].value));
        return c;
    case THRIFT_LIST:
    case THRIFT_SET:
        c = value_alloc(v->type);
        c->u.list.elem_type = v->u.list.elem_type;
        for (size_t i = 0; i < v->u.list.count; i++)
            thrift_list_append(c, thrift_value_copy(v->u.list.items[i]));
        return c;
    case THRIFT_MAP:
        c = thrift_value_new_map(v->u.map.key_type, v->u.map.value_type);
        for (size_t i = 0; i < v->u.map.count; i++)
            thrift_map_put(c, thrift_value_copy(v->u.map.entries[i].key),
                           thrift_value_copy(v->u.map.entries[i].value));
        return c;
    default:
        c = value_alloc(v->type);
        c->u = v->u;
        return c;
    }
}

static bool map_types_equal(const thrift_value *a, const thrift_value *b)
{
    if (a->u.map.key_type == b->u.map.key_type && a->u.map.value_type == b->u.map.value_type)
        return true;
    bool unknown = a->u.map.key_type == THRIFT_STOP || b->u.map.key_type == THRIFT_STOP;
    return unknown && a->u.map.count == 0 && b->u.map.count == 0;
}

bool thrift_value_equal(const thrift_value *a, const thrift_value *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case THRIFT_BOOL: return a->u.b == b->u.b;
    case THRIFT_I8: return a->u.i8 == b->u.i8;
    case THRIFT_I16: return a->u.i16 == b->u.i16;
    case THRIFT_I32: return a->u.i32 == b->u.i32;
    case THRIFT_I64: return a->u.i64 == b->u.i64;
    case THRIFT_DOUBLE: return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0;
    case THRIFT_STRING:
        return a->u.str.len == b->u.str.len && a->u.str.binary == b->u.str.binary &&
               (a->u.str.len == 0 || memcmp(a->u.str.data, b->u.str.data, a->u.str.len) == 0);
    case THRIFT_STRUCT:
        if (a->u.fields.count != b->u.fields.count)
            return false;
        for (size_t i = 0; i < a->u.fields.count; i++) {
            const thrift_field *fa = &a->u.fields.fields[i], *fb = &b->u.fields.fields[i];
            if (fa->id != fb->id || !thrift_value_equal(fa->value, fb->value))
                return false;
        }
        return true;
    case THRIFT_LIST:
    case THRIFT_SET:
        if (a->u.list.elem_type != b->u.list.elem_type || a->u.list.count != b->u.list.count)
            return false;
        for (size_t i = 0; i < a->u.list.count; i++)
            if (!thrift_value_equal(a->u.list.items[i], b->u.list.items[i]))
                return false;
        return true;
    case THRIFT_MAP:
        if (!map_types_equal(a, b) || a->u.map.count != b->u.map.count)
            return false;
        for (size_t i = 0; i < a->u.map.count; i++)
            if (!thrift_value_equal(a->u.map.entries[i].key, b->u.map.entries[i].key) ||
                !thrift_value_equal(a->u.map.entries[i].value, b->u.map.entries[i].value))
                return false;
        return true;
    case THRIFT_STOP:
        break;
    }
    return false;
}

static void print_bytes(owl_buf *out, const thrift_value *v)
{
    if (v->u.str.binary) {
        owl_buf_puts(out, "binary:");
        for (size_t i = 0; i < v->u.str.len; i++)
            owl_buf_printf(out, "%02x", v->u.str.data[i]);
        return;
    }
    owl_buf_putc(out, '"');
    for (size_t i = 0; i < v->u.str.len; i++) {
        uint8_t c = v->u.str.data[i];
        if (c == '"' || c == '\\')
            owl_buf_printf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            owl_buf_printf(out, "\\x%02x", c);
        else
            owl_buf_putc(out, (char)c);
    }
    owl_buf_putc(out, '"');
}

void thrift_value_print(owl_buf *out, const thrift_value *v)
{
    if (!v) {
        owl_buf_puts(out, "(null)");
        return;
    }
    switch (v->type) {
    case THRIFT_BOOL: owl_buf_puts(out, v->u.b ? "true" : "false"); break;
    case THRIFT_I8: owl_buf_printf(out, "i8 %d", v->u.i8); break;
    case THRIFT_I16: owl_buf_printf(out, "i16 %d", v->u.i16); break;
    case THRIFT_I32: owl_buf_printf(out, "i32 %" PRId32, v->u.i32); break;
    case THRIFT_I64: owl_buf_printf(out, "i64 %" PRId64, v->u.i64); break;
    case THRIFT_DOUBLE: owl_buf_printf(out, "dbl %.17g", v->u.d); break;
    case THRIFT_STRING: print_bytes(out, v); break;
    case THRIFT_STRUCT:
        owl_buf_putc(out, '{');
        for (size_t i = 0; i < v->u.fields.count; i++) {
            owl_buf_printf(out, "%s%d: ", i ? ", " : "", v->u.fields.fields[i].id);
            thrift_value_print(out, v->u.fields.fields[i].value);
        }
        owl_buf_putc(out, '}');
        break;
    case THRIFT_LIST:
    case THRIFT_SET:
        owl_buf_printf(out, "%s<%s>[", v->type == THRIFT_SET ? "set" : "list",
                       thrift_type_name(v->u.list.elem_type));
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i)
                owl_buf_puts(out, ", ");
            thrift_value_print(out, v->u.list.items[i]);
        }
        owl_buf_putc(out, ']');
        break;
    case THRIFT_MAP: {
        const char *k = thrift_type_name(v->u.map.key_type), *t = thrift_type_name(v->u.map.value_type);
        owl_buf_printf(out, "map<%s,%s>{", k ? k : "?", t ? t : "?");
        for (size_t i = 0; i < v->u.map.count; i++) {
            if (i)
                owl_buf_puts(out, ", ");
            thrift_value_print(out, v->u.map.entries[i].key);
            owl_buf_puts(out, ": ");
            thrift_value_print(out, v->u.map.entries[i].value);
        }
        owl_buf_putc(out, '}');
        break;
    }
    case THRIFT_STOP: owl_buf_puts(out, "(stop)"); break;
    }
}

bool thrift_struct_set(thrift_value *s, int16_t id, thrift_value *value)
{
    if (!s || s->type != THRIFT_STRUCT || !value) {
        thrift_value_free(value);
        return false;
    }
    for (size_t i = 0; i < s->u.fields.count; i++) {
        if (s->u.fields.fields[i].id == id) {
            thrift_value_free(s->u.fields.fields[i].value);
            s->u.fields.fields[i].value = value;
            return true;
        }
    }
    s->u.fields.fields = grow(s->u.fields.fields, &s->u.fields.cap, s->u.fields.count, sizeof(thrift_field));
    s->u.fields.fields[s->u.fields.count++] = (thrift_field){id, value};
    return true;
}

thrift_value *thrift_struct_get(const thrift_value *s, int16_t id)
{
    if (!s || s->type != THRIFT_STRUCT)
        return NULL;
    for (size_t i = 0; i < s->u.fields.count; i++)
        if (s->u.fields.fields[i].id == id)
            return s->u.fields.fields[i].value;
    return NULL;
}

bool thrift_struct_remove(thrift_value *s, int16_t id)
{
    if (!s || s->type != THRIFT_STRUCT)
        return false;
    for (size_t i = 0; i < s->u.fields.count; i++) {
        if (s->u.fields.fields[i].id == id) {
            thrift_value_free(s->u.fields.fields[i].value);
            memmove(&s->u.fields.fields[i], &s->u.fields.fields[i + 1],
                    (s->u.fields.count - i - 1) * sizeof(thrift_field));
            s->u.fields.count--;
            return true;
        }
    }
    return false;
}

bool thrift_list_append(thrift_value *l, thrift_value *value)
{
    if (!l || (l->type != THRIFT_LIST && l->type != THRIFT_SET) || !value ||
        value->type != l->u.list.elem_type) {
        thrift_value_free(value);
        return false;
    }
    l->u.list.items = grow(l->u.list.items, &l->u.list.cap, l->u.list.count, sizeof(thrift_value *));
    l->u.list.items[l->u.list.count++] = value;
    return true;
}

thrift_value *thrift_list_get(const thrift_value *l, size_t i)
{
    if (!l || (l->type != THRIFT_LIST && l->type != THRIFT_SET) || i >= l->u.list.count)
        return NULL;
    return l->u.list.items[i];
}

bool thrift_map_put(thrift_value *m, thrift_value *key, thrift_value *value)
{
    if (m && m->type == THRIFT_MAP && m->u.map.key_type == THRIFT_STOP && key && value) {
        m->u.map.key_type = key->type;
        m->u.map.value_type = value->type;
    }
    if (!m || m->type != THRIFT_MAP || !key || !value || key->type != m->u.map.key_type ||
        value->type != m->u.map.value_type) {
        thrift_value_free(key);
        thrift_value_free(value);
        return false;
    }
    m->u.map.entries = grow(m->u.map.entries, &m->u.map.cap, m->u.map.count, sizeof(thrift_map_entry));
    m->u.map.entries[m->u.map.count++] = (thrift_map_entry){key, value};
    return true;
}

thrift_value *thrift_map_find(const thrift_value *m, const thrift_value *key)
{
    if (!m || m->type != THRIFT_MAP)
        return NULL;
    for (size_t i = 0; i < m->u.map.count; i++)
        if (thrift_value_equal(m->u.map.entries[i].key, key))
            return m->u.map.entries[i].value;
    return NULL;
}

thrift_value *thrift_map_find_cstring(const thrift_value *m, const char *key)
{
    if (!m || m->type != THRIFT_MAP || m->u.map.key_type != THRIFT_STRING)
        return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < m->u.map.count; i++) {
        const thrift_value *k = m->u.map.entries[i].key;
        if (k->u.str.len == len && memcmp(k->u.str.data, key, len) == 0)
            return m->u.map.entries[i].value;
    }
    return NULL;
}

size_t thrift_value_count(const thrift_value *v)
{
    if (!v)
        return 0;
    switch (v->type) {
    case THRIFT_STRUCT: return v->u.fields.count;
    case THRIFT_LIST:
    case THRIFT_SET: return v->u.list.count;
    case THRIFT_MAP: return v->u.map.count;
    default: return 0;
    }
}

#define DEFINE_GETTER(suffix, ctype, tag, member)                  \
    bool thrift_value_get_##suffix(const thrift_value *v, ctype *out) \
    {                                                              \
        if (!v || v->type != tag)                                  \
            return false;                                          \
        *out = v->u.member;                                        \
        return true;                                               \
    }

DEFINE_GETTER(bool, bool, THRIFT_BOOL, b)
DEFINE_GETTER(i8, int8_t, THRIFT_I8, i8)
DEFINE_GETTER(i16, int16_t, THRIFT_I16, i16)
DEFINE_GETTER(i32, int32_t, THRIFT_I32, i32)
DEFINE_GETTER(i64, int64_t, THRIFT_I64, i64)
DEFINE_GETTER(double, double, THRIFT_DOUBLE, d)

const char *thrift_value_get_string(const thrift_value *v, size_t *len)
{
    if (!v || v->type != THRIFT_STRING)
        return NULL;
    if (len)
        *len = v->u.str.len;
    return (const char *)v->u.str.data;
}

bool thrift_struct_get_bool(const thrift_value *s, int16_t id, bool *out)
{
    return thrift_value_get_bool(thrift_struct_get(s, id), out);
}

bool thrift_struct_get_i32(const thrift_value *s, int16_t id, int32_t *out)
{
    return thrift_value_get_i32(thrift_struct_get(s, id), out);
}

bool thrift_struct_get_i64(const thrift_value *s, int16_t id, int64_t *out)
{
    return thrift_value_get_i64(thrift_struct_get(s, id), out);
}

const char *thrift_struct_get_string(const thrift_value *s, int16_t id, size_t *len)
{
    return thrift_value_get_string(thrift_struct_get(s, id), len);
}
