/*
 * Apache Thrift's binary protocol (TBinaryProtocol) over generic values.
 *
 * Wire layout: integers big-endian, doubles as big-endian IEEE 754 bits,
 * bool as one byte (written 1, read as nonzero), strings as an i32 length
 * and the bytes. A struct is a run of fields, each a type byte and an i16
 * field id, ended by a type byte of 0. Lists and sets start with an element
 * type byte and an i32 count, maps with key type, value type and i32 count.
 *
 * Message headers come in two forms, both readable: strict, an i32 of
 * 0x80010000 | type, the name, then the i32 seqid; and the old form, the
 * name, a type byte, then the seqid. The writer uses strict headers unless
 * p->strict_write is false.
 *
 * This is hand-written rather than taken from a Thrift library: Debian's
 * C library (c_glib) has no JSON protocol, and the connector transcodes
 * between the binary protocol and TJSONProtocol without per-struct code.
 */
#include "thrift/internal.h"

#include <stdlib.h>
#include <string.h>

#define VERSION_1 0x80010000u
#define VERSION_MASK 0xffff0000u

static bool read_u8(thrift_protocol *p, uint8_t *out, thrift_error *err)
{
    return thrift_proto_read(p, out, 1, err);
}

static bool read_u16(thrift_protocol *p, uint16_t *out, thrift_error *err)
{
    uint8_t b[2];
    if (!thrift_proto_read(p, b, 2, err))
        return false;
    *out = (uint16_t)(b[0] << 8 | b[1]);
    return true;
}

static bool read_u32(thrift_protocol *p, uint32_t *out, thrift_error *err)
{
    uint8_t b[4];
    if (!thrift_proto_read(p, b, 4, err))
        return false;
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

static bool read_u64(thrift_protocol *p, uint64_t *out, thrift_error *err)
{
    uint32_t hi, lo;
    if (!read_u32(p, &hi, err) || !read_u32(p, &lo, err))
        return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

static bool read_string(thrift_protocol *p, uint8_t **data, size_t *len, thrift_error *err)
{
    uint32_t n;
    if (!read_u32(p, &n, err))
        return false;
    if (!thrift_proto_read_bytes(p, (int32_t)n, data, err))
        return false;
    *len = n;
    return true;
}

/* Reads the element type byte of a container header. Type 0 (STOP) is accepted only when allow_stop is set. */
static bool read_elem_type(thrift_protocol *p, const char *what, bool allow_stop, thrift_type *out,
                           thrift_error *err)
{
    uint8_t t;
    if (!read_u8(p, &t, err))
        return false;
    if (!thrift_type_valid(t) && !(allow_stop && t == THRIFT_STOP))
        return thrift_proto_fail(p, err, "invalid %s type %u", what, t);
    *out = (thrift_type)t;
    return true;
}

static bool read_struct_body(thrift_protocol *p, thrift_value *s, thrift_error *err)
{
    for (;;) {
        uint8_t type;
        if (!read_u8(p, &type, err))
            return false;
        if (type == THRIFT_STOP)
            return true;
        if (!thrift_type_valid(type))
            return thrift_proto_fail(p, err, "invalid field type %u", type);
        uint16_t id;
        if (!read_u16(p, &id, err))
            return false;

        thrift_value *v;
        thrift_proto_push_field(p, (int16_t)id);
        bool ok = thrift_binary_read_value(p, (thrift_type)type, &v, err);
        thrift_proto_pop_field(p);
        if (!ok)
            return false;
        thrift_struct_set(s, (int16_t)id, v);
    }
}

static bool read_list_body(thrift_protocol *p, thrift_value *l, thrift_error *err)
{
    uint32_t count;
    if (!read_elem_type(p, "list element", false, &l->u.list.elem_type, err) || !read_u32(p, &count, err))
        return false;
    if (!thrift_proto_check_count(p, l->type == THRIFT_SET ? "set" : "list", (int32_t)count, 1, err))
        return false;
    for (uint32_t i = 0; i < count; i++) {
        thrift_value *v;
        if (!thrift_binary_read_value(p, l->u.list.elem_type, &v, err))
            return false;
        thrift_list_append(l, v);
    }
    return true;
}

static bool read_map_body(thrift_protocol *p, thrift_value *m, thrift_error *err)
{
    uint32_t count;
    if (!read_elem_type(p, "map key", true, &m->u.map.key_type, err) ||
        !read_elem_type(p, "map value", true, &m->u.map.value_type, err) || !read_u32(p, &count, err))
        return false;
    if (!thrift_proto_check_count(p, "map", (int32_t)count, 2, err))
        return false;
    if (count > 0 && (m->u.map.key_type == THRIFT_STOP || m->u.map.value_type == THRIFT_STOP))
        return thrift_proto_fail(p, err, "map of %u entries has key or value type 0", count);
    if ((m->u.map.key_type == THRIFT_STOP) != (m->u.map.value_type == THRIFT_STOP))
        return thrift_proto_fail(p, err, "empty map has only one of its types set to 0");
    for (uint32_t i = 0; i < count; i++) {
        thrift_value *k, *v;
        if (!thrift_binary_read_value(p, m->u.map.key_type, &k, err))
            return false;
        if (!thrift_binary_read_value(p, m->u.map.value_type, &v, err)) {
            thrift_value_free(k);
            return false;
        }
        thrift_map_put(m, k, v);
    }
    return true;
}

static const thrift_body_readers body_readers = {read_struct_body, read_map_body, read_list_body};

bool thrift_binary_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err)
{
    *out = NULL;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;

    switch (type) {
    case THRIFT_BOOL:
        if (!read_u8(p, &u8, err))
            return false;
        *out = thrift_value_new_bool(u8 != 0);
        return true;
    case THRIFT_I8:
        if (!read_u8(p, &u8, err))
            return false;
        *out = thrift_value_new_i8((int8_t)u8);
        return true;
    case THRIFT_I16:
        if (!read_u16(p, &u16, err))
            return false;
        *out = thrift_value_new_i16((int16_t)u16);
        return true;
    case THRIFT_I32:
        if (!read_u32(p, &u32, err))
            return false;
        *out = thrift_value_new_i32((int32_t)u32);
        return true;
    case THRIFT_I64:
        if (!read_u64(p, &u64, err))
            return false;
        *out = thrift_value_new_i64((int64_t)u64);
        return true;
    case THRIFT_DOUBLE: {
        if (!read_u64(p, &u64, err))
            return false;
        double d;
        memcpy(&d, &u64, sizeof d);
        *out = thrift_value_new_double(d);
        return true;
    }
    case THRIFT_STRING: {
        uint8_t *data;
        size_t len;
        if (!read_string(p, &data, &len, err))
            return false;
        *out = thrift_value_new_string_owned(data, len, thrift_proto_path_is_binary(p));
        return true;
    }
    case THRIFT_STRUCT:
    case THRIFT_LIST:
    case THRIFT_SET:
    case THRIFT_MAP:
        break;
    case THRIFT_STOP:
    default:
        return thrift_proto_fail(p, err, "invalid value type %d", (int)type);
    }

    return thrift_proto_read_container(p, type, &body_readers, out, err);
}

bool thrift_binary_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err)
{
    return thrift_binary_read_value(p, THRIFT_STRUCT, out, err);
}

bool thrift_binary_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err)
{
    memset(out, 0, sizeof *out);
    p->offset = 0;
    uint32_t first;
    if (!read_u32(p, &first, err))
        return false;

    uint8_t *name;
    size_t len;
    int type;
    uint32_t seqid;
    if (first & 0x80000000u) {
        if ((first & VERSION_MASK) != VERSION_1)
            return thrift_proto_fail(p, err, "bad message version 0x%08x, expected 0x%08x", first & VERSION_MASK,
                                     VERSION_1);
        type = (int)(first & 0xff);
        if (!read_string(p, &name, &len, err))
            return false;
    } else {
        if (p->strict_read)
            return thrift_proto_fail(p, err, "message header has no version and strict_read is set");
        if (!thrift_proto_read_bytes(p, (int32_t)first, &name, err))
            return false;
        len = first;
        uint8_t t;
        if (!read_u8(p, &t, err)) {
            free(name);
            return false;
        }
        type = t;
    }
    if (!thrift_message_type_valid(type)) {
        free(name);
        return thrift_proto_fail(p, err, "invalid message type %d", type);
    }
    if (!read_u32(p, &seqid, err)) {
        free(name);
        return false;
    }
    out->name = (char *)name;
    out->type = (thrift_message_type)type;
    out->seqid = (int32_t)seqid;
    return true;
}

static bool write_u8(thrift_protocol *p, uint8_t v, thrift_error *err)
{
    return thrift_proto_write(p, &v, 1, err);
}

static bool write_u16(thrift_protocol *p, uint16_t v, thrift_error *err)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return thrift_proto_write(p, b, 2, err);
}

static bool write_u32(thrift_protocol *p, uint32_t v, thrift_error *err)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return thrift_proto_write(p, b, 4, err);
}

static bool write_u64(thrift_protocol *p, uint64_t v, thrift_error *err)
{
    return write_u32(p, (uint32_t)(v >> 32), err) && write_u32(p, (uint32_t)v, err);
}

static bool write_length(thrift_protocol *p, const char *what, size_t n, thrift_error *err)
{
    if (n > INT32_MAX)
        return thrift_proto_fail(p, err, "%s of %zu exceeds the i32 length field", what, n);
    return write_u32(p, (uint32_t)n, err);
}

static bool write_string(thrift_protocol *p, const void *data, size_t len, thrift_error *err)
{
    return write_length(p, "string length", len, err) && thrift_proto_write(p, data, len, err);
}

bool thrift_binary_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    switch (v->type) {
    case THRIFT_BOOL: return write_u8(p, v->u.b ? 1 : 0, err);
    case THRIFT_I8: return write_u8(p, (uint8_t)v->u.i8, err);
    case THRIFT_I16: return write_u16(p, (uint16_t)v->u.i16, err);
    case THRIFT_I32: return write_u32(p, (uint32_t)v->u.i32, err);
    case THRIFT_I64: return write_u64(p, (uint64_t)v->u.i64, err);
    case THRIFT_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &v->u.d, sizeof bits);
        return write_u64(p, bits, err);
    }
    case THRIFT_STRING: return write_string(p, v->u.str.data, v->u.str.len, err);
    case THRIFT_STRUCT:
        for (size_t i = 0; i < v->u.fields.count; i++) {
            const thrift_field *f = &v->u.fields.fields[i];
            if (!write_u8(p, (uint8_t)f->value->type, err) || !write_u16(p, (uint16_t)f->id, err) ||
                !thrift_binary_write_value(p, f->value, err))
                return false;
        }
        return write_u8(p, THRIFT_STOP, err);
    case THRIFT_LIST:
    case THRIFT_SET:
        if (!write_u8(p, (uint8_t)v->u.list.elem_type, err) || !write_length(p, "list size", v->u.list.count, err))
            return false;
        for (size_t i = 0; i < v->u.list.count; i++)
            if (!thrift_binary_write_value(p, v->u.list.items[i], err))
                return false;
        return true;
    case THRIFT_MAP:
        if (!write_u8(p, (uint8_t)v->u.map.key_type, err) || !write_u8(p, (uint8_t)v->u.map.value_type, err) ||
            !write_length(p, "map size", v->u.map.count, err))
            return false;
        for (size_t i = 0; i < v->u.map.count; i++)
            if (!thrift_binary_write_value(p, v->u.map.entries[i].key, err) ||
                !thrift_binary_write_value(p, v->u.map.entries[i].value, err))
                return false;
        return true;
    case THRIFT_STOP:
        break;
    }
    return thrift_proto_fail(p, err, "cannot write a value of type %d", (int)v->type);
}

bool thrift_binary_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    if (v->type != THRIFT_STRUCT)
        return thrift_proto_fail(p, err, "value to write is not a struct");
    return thrift_binary_write_value(p, v, err);
}

bool thrift_binary_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err)
{
    p->offset = 0;
    size_t len = strlen(m->name);
    if (p->strict_write)
        return write_u32(p, VERSION_1 | (uint32_t)m->type, err) && write_string(p, m->name, len, err) &&
               write_u32(p, (uint32_t)m->seqid, err);
    return write_string(p, m->name, len, err) && write_u8(p, (uint8_t)m->type, err) &&
           write_u32(p, (uint32_t)m->seqid, err);
}
