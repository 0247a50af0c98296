/*
 * Apache Thrift's compact protocol (TCompactProtocol, version 1) over
 * generic values.
 *
 * Wire layout: i16, i32 and i64 are zigzag-encoded ULEB128 varints, i8 is
 * one byte, doubles are little-endian IEEE 754 bits, strings are a varint
 * length and the bytes. A field header is one byte when the id delta from
 * the previous field is 1 to 15: the delta in the high nibble, the compact
 * type in the low one. For other deltas it is the type byte followed by the
 * id as a zigzag varint. A bool field has no value: its type nibble is 1 for true, 2 for false.
 * A bool element of a container is one byte, written 1 or 2 and read as
 * true only when 1, as python3-thrift 0.17 does. Lists and sets of up to 14
 * elements have a one-byte header (count << 4 | type), larger ones the byte
 * 0xF0 | type and a varint count. A map is a varint count, then, unless empty, one
 * byte (key type << 4 | value type): an empty map has no types.
 *
 * Message header: 0x82, (type << 5 | version 1), the seqid as an unsigned
 * varint of its 32 bits, then the name as a string.
 *
 * This is hand-written rather than taken from a Thrift library: Debian's
 * C library (c_glib) has no JSON protocol, and the connector transcodes
 * between the binary protocol and TJSONProtocol without per-struct code.
 */
#include "thrift/internal.h"

#include <string.h>

#define PROTOCOL_ID 0x82
#define VERSION 1
#define VERSION_MASK 0x1f
#define TYPE_SHIFT 5

enum compact_type {
    CT_STOP = 0,
    CT_TRUE = 1,
    CT_FALSE = 2,
    CT_I8 = 3,
    CT_I16 = 4,
    CT_I32 = 5,
    CT_I64 = 6,
    CT_DOUBLE = 7,
    CT_BINARY = 8,
    CT_LIST = 9,
    CT_SET = 10,
    CT_MAP = 11,
    CT_STRUCT = 12,
};

/* Maps a compact type nibble to a value type; STOP (0) for an invalid nibble. */
static thrift_type from_compact(unsigned ct)
{
    static const thrift_type map[] = {
        [CT_TRUE] = THRIFT_BOOL, [CT_FALSE] = THRIFT_BOOL, [CT_I8] = THRIFT_I8, [CT_I16] = THRIFT_I16,
        [CT_I32] = THRIFT_I32, [CT_I64] = THRIFT_I64, [CT_DOUBLE] = THRIFT_DOUBLE, [CT_BINARY] = THRIFT_STRING,
        [CT_LIST] = THRIFT_LIST, [CT_SET] = THRIFT_SET, [CT_MAP] = THRIFT_MAP, [CT_STRUCT] = THRIFT_STRUCT,
    };
    return ct < sizeof map / sizeof map[0] ? map[ct] : THRIFT_STOP;
}

static uint8_t to_compact(thrift_type t)
{
    switch (t) {
    case THRIFT_BOOL: return CT_TRUE;
    case THRIFT_I8: return CT_I8;
    case THRIFT_I16: return CT_I16;
    case THRIFT_I32: return CT_I32;
    case THRIFT_I64: return CT_I64;
    case THRIFT_DOUBLE: return CT_DOUBLE;
    case THRIFT_STRING: return CT_BINARY;
    case THRIFT_LIST: return CT_LIST;
    case THRIFT_SET: return CT_SET;
    case THRIFT_MAP: return CT_MAP;
    case THRIFT_STRUCT: return CT_STRUCT;
    case THRIFT_STOP: break;
    }
    return CT_STOP;
}

static bool read_u8(thrift_protocol *p, uint8_t *out, thrift_error *err)
{
    return thrift_proto_read(p, out, 1, err);
}

/* Reads a ULEB128 varint of at most bits bits; longer encodings are rejected. */
static bool read_varint(thrift_protocol *p, unsigned bits, uint64_t *out, thrift_error *err)
{
    uint64_t result = 0;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0; i < max_bytes; i++) {
        uint8_t b;
        if (!read_u8(p, &b, err))
            return false;
        if (7 * i + 7 > 64 && (b & 0x7f) >> (64 - 7 * i) != 0)
            return thrift_proto_fail(p, err, "varint exceeds %u bits", bits);
        result |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (bits < 64 && (result >> bits) != 0)
                return thrift_proto_fail(p, err, "varint exceeds %u bits", bits);
            *out = result;
            return true;
        }
    }
    return thrift_proto_fail(p, err, "varint longer than %u bytes", max_bytes);
}

static int64_t unzigzag(uint64_t n)
{
    return (int64_t)(n >> 1) ^ -(int64_t)(n & 1);
}

static uint64_t zigzag(int64_t n)
{
    return ((uint64_t)n << 1) ^ (uint64_t)(n >> 63);
}

static bool read_zigzag(thrift_protocol *p, unsigned bits, int64_t *out, thrift_error *err)
{
    uint64_t raw;
    if (!read_varint(p, bits, &raw, err))
        return false;
    /* A varint of at most bits bits unzigzags into the signed range of that width. */
    *out = unzigzag(raw);
    return true;
}

static bool read_string(thrift_protocol *p, uint8_t **data, size_t *len, thrift_error *err)
{
    uint64_t n;
    if (!read_varint(p, 32, &n, err))
        return false;
    if (!thrift_proto_read_bytes(p, (int32_t)(uint32_t)n, data, err))
        return false;
    *len = (size_t)n;
    return true;
}

static bool read_struct_body(thrift_protocol *p, thrift_value *s, thrift_error *err)
{
    int16_t last_id = 0;
    for (;;) {
        uint8_t header;
        if (!read_u8(p, &header, err))
            return false;
        if (header == CT_STOP)
            return true;
        unsigned ct = header & 0x0f, delta = header >> 4;
        thrift_type type = from_compact(ct);
        if (type == THRIFT_STOP)
            return thrift_proto_fail(p, err, "invalid field type %u", ct);
        int16_t id;
        if (delta) {
            id = (int16_t)(last_id + (int16_t)delta);
        } else {
            int64_t wide;
            if (!read_zigzag(p, 16, &wide, err))
                return false;
            id = (int16_t)wide;
        }
        last_id = id;

        thrift_value *v;
        if (type == THRIFT_BOOL) {
            v = thrift_value_new_bool(ct == CT_TRUE);
        } else {
            thrift_proto_push_field(p, id);
            bool ok = thrift_compact_read_value(p, type, &v, err);
            thrift_proto_pop_field(p);
            if (!ok)
                return false;
        }
        thrift_struct_set(s, id, v);
    }
}

static bool read_list_body(thrift_protocol *p, thrift_value *l, thrift_error *err)
{
    uint8_t header;
    if (!read_u8(p, &header, err))
        return false;
    thrift_type type = from_compact(header & 0x0f);
    if (type == THRIFT_STOP)
        return thrift_proto_fail(p, err, "invalid list element type %u", header & 0x0f);
    l->u.list.elem_type = type;
    int64_t count = header >> 4;
    if (count == 15) {
        uint64_t n;
        if (!read_varint(p, 32, &n, err))
            return false;
        count = (int32_t)(uint32_t)n;
    }
    if (!thrift_proto_check_count(p, l->type == THRIFT_SET ? "set" : "list", count, 1, err))
        return false;
    for (int64_t i = 0; i < count; i++) {
        thrift_value *v;
        if (!thrift_compact_read_value(p, type, &v, err))
            return false;
        thrift_list_append(l, v);
    }
    return true;
}

static bool read_map_body(thrift_protocol *p, thrift_value *m, thrift_error *err)
{
    uint64_t n;
    if (!read_varint(p, 32, &n, err))
        return false;
    int64_t count = (int32_t)(uint32_t)n;
    if (!thrift_proto_check_count(p, "map", count, 2, err))
        return false;
    if (count == 0)
        return true; /* types stay THRIFT_STOP: the wire does not carry them */
    uint8_t types;
    if (!read_u8(p, &types, err))
        return false;
    m->u.map.key_type = from_compact(types >> 4);
    m->u.map.value_type = from_compact(types & 0x0f);
    if (m->u.map.key_type == THRIFT_STOP || m->u.map.value_type == THRIFT_STOP)
        return thrift_proto_fail(p, err, "invalid map types 0x%02x", types);
    for (int64_t i = 0; i < count; i++) {
        thrift_value *k, *v;
        if (!thrift_compact_read_value(p, m->u.map.key_type, &k, err))
            return false;
        if (!thrift_compact_read_value(p, m->u.map.value_type, &v, err)) {
            thrift_value_free(k);
            return false;
        }
        thrift_map_put(m, k, v);
    }
    return true;
}

static const thrift_body_readers body_readers = {read_struct_body, read_map_body, read_list_body};

bool thrift_compact_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err)
{
    *out = NULL;
    uint8_t u8;
    int64_t wide;

    switch (type) {
    case THRIFT_BOOL:
        if (!read_u8(p, &u8, err))
            return false;
        *out = thrift_value_new_bool(u8 == CT_TRUE);
        return true;
    case THRIFT_I8:
        if (!read_u8(p, &u8, err))
            return false;
        *out = thrift_value_new_i8((int8_t)u8);
        return true;
    case THRIFT_I16:
        if (!read_zigzag(p, 16, &wide, err))
            return false;
        *out = thrift_value_new_i16((int16_t)wide);
        return true;
    case THRIFT_I32:
        if (!read_zigzag(p, 32, &wide, err))
            return false;
        *out = thrift_value_new_i32((int32_t)wide);
        return true;
    case THRIFT_I64:
        if (!read_zigzag(p, 64, &wide, err))
            return false;
        *out = thrift_value_new_i64(wide);
        return true;
    case THRIFT_DOUBLE: {
        uint8_t b[8];
        if (!thrift_proto_read(p, b, 8, err))
            return false;
        uint64_t bits = 0;
        for (int i = 7; i >= 0; i--)
            bits = bits << 8 | b[i];
        double d;
        memcpy(&d, &bits, sizeof d);
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

bool thrift_compact_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err)
{
    return thrift_compact_read_value(p, THRIFT_STRUCT, out, err);
}

bool thrift_compact_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err)
{
    memset(out, 0, sizeof *out);
    p->offset = 0;
    uint8_t id, version_type;
    if (!read_u8(p, &id, err))
        return false;
    if (id != PROTOCOL_ID)
        return thrift_proto_fail(p, err, "bad protocol id 0x%02x, expected 0x%02x", id, PROTOCOL_ID);
    if (!read_u8(p, &version_type, err))
        return false;
    if ((version_type & VERSION_MASK) != VERSION)
        return thrift_proto_fail(p, err, "bad version %u, expected %u", version_type & VERSION_MASK, VERSION);
    int type = version_type >> TYPE_SHIFT;
    if (!thrift_message_type_valid(type))
        return thrift_proto_fail(p, err, "invalid message type %d", type);

    uint64_t seqid;
    uint8_t *name;
    size_t len;
    if (!read_varint(p, 32, &seqid, err) || !read_string(p, &name, &len, err))
        return false;
    out->name = (char *)name;
    out->type = (thrift_message_type)type;
    out->seqid = (int32_t)(uint32_t)seqid;
    return true;
}

static bool write_u8(thrift_protocol *p, uint8_t v, thrift_error *err)
{
    return thrift_proto_write(p, &v, 1, err);
}

static bool write_varint(thrift_protocol *p, uint64_t v, thrift_error *err)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    return thrift_proto_write(p, b, n, err);
}

static bool write_size(thrift_protocol *p, const char *what, size_t n, thrift_error *err)
{
    if (n > INT32_MAX)
        return thrift_proto_fail(p, err, "%s of %zu exceeds the i32 range", what, n);
    return write_varint(p, n, err);
}

static bool write_string(thrift_protocol *p, const void *data, size_t len, thrift_error *err)
{
    return write_size(p, "string length", len, err) && thrift_proto_write(p, data, len, err);
}

static bool write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    int16_t last_id = 0;
    for (size_t i = 0; i < v->u.fields.count; i++) {
        const thrift_field *f = &v->u.fields.fields[i];
        uint8_t ct = f->value->type == THRIFT_BOOL ? (f->value->u.b ? CT_TRUE : CT_FALSE)
                                                   : to_compact(f->value->type);
        int delta = (int)f->id - (int)last_id;
        bool ok = delta > 0 && delta <= 15 ? write_u8(p, (uint8_t)(delta << 4 | ct), err)
                                           : write_u8(p, ct, err) && write_varint(p, zigzag(f->id), err);
        if (!ok)
            return false;
        last_id = f->id;
        if (f->value->type != THRIFT_BOOL && !thrift_compact_write_value(p, f->value, err))
            return false;
    }
    return write_u8(p, CT_STOP, err);
}

bool thrift_compact_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    switch (v->type) {
    case THRIFT_BOOL: return write_u8(p, v->u.b ? CT_TRUE : CT_FALSE, err);
    case THRIFT_I8: return write_u8(p, (uint8_t)v->u.i8, err);
    case THRIFT_I16: return write_varint(p, zigzag(v->u.i16), err);
    case THRIFT_I32: return write_varint(p, zigzag(v->u.i32), err);
    case THRIFT_I64: return write_varint(p, zigzag(v->u.i64), err);
    case THRIFT_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &v->u.d, sizeof bits);
        uint8_t b[8];
        for (int i = 0; i < 8; i++)
            b[i] = (uint8_t)(bits >> (8 * i));
        return thrift_proto_write(p, b, 8, err);
    }
    case THRIFT_STRING: return write_string(p, v->u.str.data, v->u.str.len, err);
    case THRIFT_STRUCT: return write_struct(p, v, err);
    case THRIFT_LIST:
    case THRIFT_SET: {
        uint8_t ct = to_compact(v->u.list.elem_type);
        bool ok = v->u.list.count <= 14 ? write_u8(p, (uint8_t)(v->u.list.count << 4 | ct), err)
                                        : write_u8(p, 0xf0 | ct, err) && write_size(p, "list size", v->u.list.count, err);
        if (!ok)
            return false;
        for (size_t i = 0; i < v->u.list.count; i++)
            if (!thrift_compact_write_value(p, v->u.list.items[i], err))
                return false;
        return true;
    }
    case THRIFT_MAP:
        if (v->u.map.count == 0)
            return write_u8(p, 0, err);
        if (!write_size(p, "map size", v->u.map.count, err) ||
            !write_u8(p, (uint8_t)(to_compact(v->u.map.key_type) << 4 | to_compact(v->u.map.value_type)), err))
            return false;
        for (size_t i = 0; i < v->u.map.count; i++)
            if (!thrift_compact_write_value(p, v->u.map.entries[i].key, err) ||
                !thrift_compact_write_value(p, v->u.map.entries[i].value, err))
                return false;
        return true;
    case THRIFT_STOP:
        break;
    }
    return thrift_proto_fail(p, err, "cannot write a value of type %d", (int)v->type);
}

bool thrift_compact_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    if (v->type != THRIFT_STRUCT)
        return thrift_proto_fail(p, err, "value to write is not a struct");
    return write_struct(p, v, err);
}

bool thrift_compact_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err)
{
    p->offset = 0;
    return write_u8(p, PROTOCOL_ID, err) && write_u8(p, (uint8_t)(m->type << TYPE_SHIFT | VERSION), err) &&
           write_varint(p, (uint32_t)m->seqid, err) && write_string(p, m->name, strlen(m->name), err);
}
