/*
 * Protocol-independent parts of the Thrift codec: limits, dispatch on the
 * protocol id, the shared byte I/O and limit checks, and whole-buffer
 * encode and decode.
 *
 * This is hand-written rather than taken from a Thrift library: Debian's
 * C library (c_glib) has no JSON protocol, and the connector transcodes
 * between the binary protocol and TJSONProtocol without per-struct code.
 */
#include "thrift/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strings arrive in chunks of this size, so memory grows with the bytes actually read. */
#define READ_CHUNK 65536

thrift_limits thrift_limits_default(void)
{
    return (thrift_limits){
        .max_string_length = THRIFT_DEFAULT_MAX_STRING_LENGTH,
        .max_container_count = THRIFT_DEFAULT_MAX_CONTAINER_COUNT,
        .max_depth = THRIFT_DEFAULT_MAX_DEPTH,
        .max_message_size = THRIFT_DEFAULT_MAX_MESSAGE_SIZE,
    };
}

void thrift_message_clear(thrift_message *m)
{
    free(m->name);
    m->name = NULL;
}

void thrift_protocol_init(thrift_protocol *p, thrift_protocol_id id, thrift_transport *transport)
{
    memset(p, 0, sizeof *p);
    p->id = id;
    p->transport = transport;
    p->limits = thrift_limits_default();
    p->strict_write = true;
    p->peeked = -1;
}

const char *thrift_protocol_name(thrift_protocol_id id)
{
    switch (id) {
    case THRIFT_PROTOCOL_BINARY: return "binary";
    case THRIFT_PROTOCOL_COMPACT: return "compact";
    case THRIFT_PROTOCOL_JSON: return "json";
    }
    return "unknown";
}

bool thrift_protocol_parse_name(const char *name, thrift_protocol_id *out)
{
    static const thrift_protocol_id all[] = {THRIFT_PROTOCOL_BINARY, THRIFT_PROTOCOL_COMPACT, THRIFT_PROTOCOL_JSON};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, thrift_protocol_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

bool thrift_message_type_valid(int type)
{
    return type >= THRIFT_CALL && type <= THRIFT_ONEWAY;
}

bool thrift_proto_fail(thrift_protocol *p, thrift_error *err, const char *fmt, ...)
{
    if (!err)
        return false;
    char detail[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    snprintf(err->message, sizeof err->message, "thrift %s: %s at offset %zu", thrift_protocol_name(p->id),
             detail, p->offset);
    return false;
}

bool thrift_proto_read(thrift_protocol *p, void *buf, size_t len, thrift_error *err)
{
    if (len > p->limits.max_message_size || p->offset > p->limits.max_message_size - len)
        return thrift_proto_fail(p, err, "message exceeds max message size %zu", p->limits.max_message_size);
    size_t remaining = thrift_transport_remaining(p->transport);
    if (len > remaining)
        return thrift_proto_fail(p, err, "truncated input: %zu bytes needed, %zu remain", len, remaining);
    thrift_error inner;
    if (!thrift_transport_read(p->transport, buf, len, &inner)) {
        /* "thrift transport: x" becomes "thrift binary: transport: x at offset N". */
        const char *detail = inner.message;
        if (strncmp(detail, "thrift ", 7) == 0)
            detail += 7;
        return thrift_proto_fail(p, err, "%s", detail);
    }
    p->offset += len;
    return true;
}

bool thrift_proto_write(thrift_protocol *p, const void *buf, size_t len, thrift_error *err)
{
    if (!thrift_transport_write(p->transport, buf, len, err))
        return false;
    p->offset += len;
    return true;
}

bool thrift_proto_read_bytes(thrift_protocol *p, int64_t len, uint8_t **out, thrift_error *err)
{
    *out = NULL;
    if (len < 0)
        return thrift_proto_fail(p, err, "string length %" PRId64 " is negative", len);
    if ((uint64_t)len > p->limits.max_string_length)
        return thrift_proto_fail(p, err, "string length %" PRId64 " exceeds limit %zu", len,
                                 p->limits.max_string_length);
    size_t remaining = thrift_transport_remaining(p->transport);
    if ((uint64_t)len > remaining)
        return thrift_proto_fail(p, err, "string length %" PRId64 " exceeds the %zu bytes remaining", len,
                                 remaining);

    size_t total = (size_t)len, done = 0, cap = total < READ_CHUNK ? total + 1 : READ_CHUNK;
    uint8_t *data = malloc(cap);
    if (!data)
        abort();
    while (done < total) {
        size_t n = total - done < READ_CHUNK ? total - done : READ_CHUNK;
        if (done + n + 1 > cap) {
            cap = done + n + 1 > cap * 2 ? done + n + 1 : cap * 2;
            uint8_t *bigger = realloc(data, cap);
            if (!bigger)
                abort();
            data = bigger;
        }
        if (!thrift_proto_read(p, data + done, n, err)) {
            free(data);
            return false;
        }
        done += n;
    }
    data[total] = 0;
    *out = data;
    return true;
}

bool thrift_proto_check_count(thrift_protocol *p, const char *what, int64_t count, size_t min_bytes,
                              thrift_error *err)
{
    if (count < 0)
        return thrift_proto_fail(p, err, "%s size %" PRId64 " is negative", what, count);
    if ((uint64_t)count > p->limits.max_container_count)
        return thrift_proto_fail(p, err, "%s size %" PRId64 " exceeds limit %zu", what, count,
                                 p->limits.max_container_count);
    size_t remaining = thrift_transport_remaining(p->transport);
    if (remaining != SIZE_MAX && (uint64_t)count > remaining / min_bytes)
        return thrift_proto_fail(p, err, "%s size %" PRId64 " exceeds the %zu bytes remaining", what, count,
                                 remaining);
    return true;
}

bool thrift_proto_enter(thrift_protocol *p, thrift_error *err)
{
    unsigned max = p->limits.max_depth < THRIFT_MAX_DEPTH_CEILING ? p->limits.max_depth : THRIFT_MAX_DEPTH_CEILING;
    if (p->depth >= max)
        return thrift_proto_fail(p, err, "nesting depth exceeds limit %u", max);
    p->depth++;
    return true;
}

void thrift_proto_leave(thrift_protocol *p)
{
    p->depth--;
}

bool thrift_proto_read_container(thrift_protocol *p, thrift_type type,
                                 const thrift_body_readers *readers, thrift_value **out,
                                 thrift_error *err)
{
    if (!thrift_proto_enter(p, err))
        return false;
    thrift_value *v;
    bool ok;
    if (type == THRIFT_STRUCT) {
        v = thrift_value_new_struct();
        ok = readers->read_struct(p, v, err);
    } else if (type == THRIFT_MAP) {
        v = thrift_value_new_map(THRIFT_STOP, THRIFT_STOP);
        ok = readers->read_map(p, v, err);
    } else {
        v = type == THRIFT_SET ? thrift_value_new_set(THRIFT_I8) : thrift_value_new_list(THRIFT_I8);
        ok = readers->read_list(p, v, err);
    }
    thrift_proto_leave(p);
    if (!ok) {
        thrift_value_free(v);
        return false;
    }
    *out = v;
    return true;
}

void thrift_proto_push_field(thrift_protocol *p, int16_t id)
{
    /* Depth checks keep path_len at or below THRIFT_MAX_DEPTH_CEILING. */
    if (p->path_len <= THRIFT_MAX_DEPTH_CEILING)
        p->path[p->path_len] = id;
    p->path_len++;
}

void thrift_proto_pop_field(thrift_protocol *p)
{
    p->path_len--;
}

/* Returns true when the dotted path string equals the first len ids of path. */
static bool path_matches(const char *text, const int16_t *path, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        char *end;
        long id = strtol(text, &end, 10);
        if (end == text || id != path[i])
            return false;
        if (i + 1 < len) {
            if (*end != '.')
                return false;
            text = end + 1;
        } else {
            text = end;
        }
    }
    return *text == '\0';
}

bool thrift_proto_path_is_binary(const thrift_protocol *p)
{
    if (!p->binary_paths || p->path_len == 0 || p->path_len > THRIFT_MAX_DEPTH_CEILING)
        return false;
    for (const char *const *path = p->binary_paths; *path; path++)
        if (path_matches(*path, p->path, p->path_len))
            return true;
    return false;
}

bool thrift_protocol_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err)
{
    switch (p->id) {
    case THRIFT_PROTOCOL_BINARY: return thrift_binary_read_message_begin(p, out, err);
    case THRIFT_PROTOCOL_COMPACT: return thrift_compact_read_message_begin(p, out, err);
    case THRIFT_PROTOCOL_JSON: return thrift_json_read_message_begin(p, out, err);
    }
    return thrift_error_set(err, "thrift: unknown protocol id %d", (int)p->id);
}

bool thrift_protocol_read_message_end(thrift_protocol *p, thrift_error *err)
{
    if (p->id == THRIFT_PROTOCOL_JSON)
        return thrift_json_read_message_end(p, err);
    return true;
}

bool thrift_protocol_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err)
{
    switch (p->id) {
    case THRIFT_PROTOCOL_BINARY: return thrift_binary_read_value(p, type, out, err);
    case THRIFT_PROTOCOL_COMPACT: return thrift_compact_read_value(p, type, out, err);
    case THRIFT_PROTOCOL_JSON: return thrift_json_read_value(p, type, out, err);
    }
    *out = NULL;
    return thrift_error_set(err, "thrift: unknown protocol id %d", (int)p->id);
}

bool thrift_protocol_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err)
{
    return thrift_protocol_read_value(p, THRIFT_STRUCT, out, err);
}

bool thrift_protocol_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err)
{
    switch (p->id) {
    case THRIFT_PROTOCOL_BINARY: return thrift_binary_write_message_begin(p, m, err);
    case THRIFT_PROTOCOL_COMPACT: return thrift_compact_write_message_begin(p, m, err);
    case THRIFT_PROTOCOL_JSON: return thrift_json_write_message_begin(p, m, err);
    }
    return thrift_error_set(err, "thrift: unknown protocol id %d", (int)p->id);
}

bool thrift_protocol_write_message_end(thrift_protocol *p, thrift_error *err)
{
    if (p->id == THRIFT_PROTOCOL_JSON)
        return thrift_json_write_message_end(p, err);
    return true;
}

bool thrift_protocol_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    switch (p->id) {
    case THRIFT_PROTOCOL_BINARY: return thrift_binary_write_value(p, v, err);
    case THRIFT_PROTOCOL_COMPACT: return thrift_compact_write_value(p, v, err);
    case THRIFT_PROTOCOL_JSON: return thrift_json_write_value(p, v, err);
    }
    return thrift_error_set(err, "thrift: unknown protocol id %d", (int)p->id);
}

bool thrift_protocol_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    if (!v || v->type != THRIFT_STRUCT)
        return thrift_error_set(err, "thrift %s: value to write is not a struct", thrift_protocol_name(p->id));
    return thrift_protocol_write_value(p, v, err);
}

/* Returns true when only JSON whitespace (or nothing) is left in t. */
static bool only_whitespace_left(thrift_protocol *p, thrift_transport *t)
{
    if (p->id == THRIFT_PROTOCOL_JSON && p->peeked >= 0) {
        if (p->peeked != ' ' && p->peeked != '\t' && p->peeked != '\n' && p->peeked != '\r')
            return false;
        p->peeked = -1;
    }
    uint8_t c;
    while (thrift_transport_remaining(t) > 0) {
        if (!thrift_transport_read(t, &c, 1, NULL))
            return false;
        if (p->id != THRIFT_PROTOCOL_JSON || (c != ' ' && c != '\t' && c != '\n' && c != '\r'))
            return false;
    }
    return true;
}

bool thrift_decode_struct(thrift_protocol_id id, const void *data, size_t len, const thrift_limits *limits,
                          const char *const *binary_paths, thrift_value **out, thrift_error *err)
{
    thrift_transport *t = thrift_memory_transport_new(data, len, NULL);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    if (limits)
        p.limits = *limits;
    p.binary_paths = binary_paths;

    bool ok = thrift_protocol_read_struct(&p, out, err);
    if (ok && !only_whitespace_left(&p, t)) {
        ok = thrift_proto_fail(&p, err, "trailing data after the struct");
        thrift_value_free(*out);
        *out = NULL;
    }
    thrift_transport_free(t);
    return ok;
}

bool thrift_encode_struct(thrift_protocol_id id, const thrift_value *v, owl_buf *out, thrift_error *err)
{
    thrift_transport *t = thrift_memory_transport_new(NULL, 0, out);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    bool ok = thrift_protocol_write_struct(&p, v, err);
    thrift_transport_free(t);
    return ok;
}
