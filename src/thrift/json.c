/*
 * Apache Thrift's JSON protocol (TJSONProtocol, version 1) over generic
 * values. The HMS connector returns metastore objects in this encoding.
 *
 * Layout, as python3-thrift 0.17 writes it (no whitespace):
 *   struct   {"1":{"str":"x"},"2":{"i32":5}}: field id as a quoted key,
 *            then an object of one member, type name to value
 *   list     ["i32",3,1,2,3]; set alike; map ["str","i32",2,{"a":1,"b":2}]
 *   message  [1,"name",type,seqid,{...}]
 *   bool 1 or 0, integers in decimal, doubles with 17 significant digits
 *   (printf %.17g), binary as base64 with padding.
 * A number in map key position is quoted ("1":...), because JSON keys are
 * strings; struct and container keys are written bare, as Python does.
 * Strings escape only ", \, \b, \f, \n, \r and \t and carry every other
 * byte raw (UTF-8 and other control characters included). Non-finite
 * doubles are written "NaN", "Infinity", "-Infinity"; see protocol.h.
 *
 * The reader also accepts \uXXXX escapes (with surrogate pairs, converted to
 * UTF-8), \/, base64 without padding, bare nan/inf/-inf, and whitespace
 * between tokens. Like Python's reader it rejects raw \b, \f, \n, \r and \t
 * inside strings.
 *
 * NOTE: %.17g and strtod follow LC_NUMERIC; owlery never calls setlocale, so
 * the C locale's '.' is the decimal point.
 *
 * This is hand-written rather than taken from a Thrift library: Debian's
 * C library (c_glib) has no JSON protocol, and the connector transcodes
 * between the binary protocol and TJSONProtocol without per-struct code.
 */
#include "thrift/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_VERSION 1
/* Max length of a number token plus its NUL: 17 digits, sign, point and exponent need 24. */
#define MAX_NUMBER_TOKEN 64

static const char BASE64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- Reading: bytes and tokens ---- */

static bool next_byte(thrift_protocol *p, int *out, thrift_error *err)
{
    if (p->peeked >= 0) {
        *out = p->peeked;
        p->peeked = -1;
        return true;
    }
    uint8_t c;
    if (!thrift_proto_read(p, &c, 1, err))
        return false;
    *out = c;
    return true;
}

static bool peek_byte(thrift_protocol *p, int *out, thrift_error *err)
{
    if (p->peeked < 0) {
        uint8_t c;
        if (!thrift_proto_read(p, &c, 1, err))
            return false;
        p->peeked = c;
    }
    *out = p->peeked;
    return true;
}

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Peeks the next byte after whitespace. */
static bool peek_token(thrift_protocol *p, int *out, thrift_error *err)
{
    for (;;) {
        if (!peek_byte(p, out, err))
            return false;
        if (!is_space(*out))
            return true;
        p->peeked = -1;
    }
}

static bool expect(thrift_protocol *p, char want, thrift_error *err)
{
    int c;
    if (!peek_token(p, &c, err))
        return false;
    if (c != want)
        return thrift_proto_fail(p, err, "expected '%c', found byte 0x%02x", want, (unsigned)c);
    p->peeked = -1;
    return true;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(thrift_protocol *p, unsigned *out, thrift_error *err)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int c;
        if (!next_byte(p, &c, err))
            return false;
        int h = hex_value(c);
        if (h < 0)
            return thrift_proto_fail(p, err, "invalid hex digit 0x%02x in \\u escape", (unsigned)c);
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

static void put_utf8(owl_buf *b, unsigned cp)
{
    if (cp < 0x80) {
        owl_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        owl_buf_putc(b, (char)(0xc0 | cp >> 6));
        owl_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        owl_buf_putc(b, (char)(0xe0 | cp >> 12));
        owl_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        owl_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        owl_buf_putc(b, (char)(0xf0 | cp >> 18));
        owl_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        owl_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        owl_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* Decodes the escape after a backslash into b. */
static bool read_escape(thrift_protocol *p, owl_buf *b, thrift_error *err)
{
    int c;
    if (!next_byte(p, &c, err))
        return false;
    switch (c) {
    case '"': owl_buf_putc(b, '"'); return true;
    case '\\': owl_buf_putc(b, '\\'); return true;
    case '/': owl_buf_putc(b, '/'); return true;
    case 'b': owl_buf_putc(b, '\b'); return true;
    case 'f': owl_buf_putc(b, '\f'); return true;
    case 'n': owl_buf_putc(b, '\n'); return true;
    case 'r': owl_buf_putc(b, '\r'); return true;
    case 't': owl_buf_putc(b, '\t'); return true;
    case 'u': break;
    default: return thrift_proto_fail(p, err, "invalid escape \\%c in string", c >= 0x20 && c < 0x7f ? c : '?');
    }

    unsigned unit;
    if (!read_hex4(p, &unit, err))
        return false;
    if (unit >= 0xdc00 && unit <= 0xdfff)
        return thrift_proto_fail(p, err, "low surrogate \\u%04x without a high surrogate", unit);
    if (unit >= 0xd800 && unit <= 0xdbff) {
        unsigned low;
        int c1, c2;
        if (!next_byte(p, &c1, err) || !next_byte(p, &c2, err))
            return false;
        if (c1 != '\\' || c2 != 'u')
            return thrift_proto_fail(p, err, "high surrogate \\u%04x not followed by a low surrogate", unit);
        if (!read_hex4(p, &low, err))
            return false;
        if (low < 0xdc00 || low > 0xdfff)
            return thrift_proto_fail(p, err, "high surrogate \\u%04x followed by \\u%04x", unit, low);
        unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
    }
    put_utf8(b, unit);
    return true;
}

/* Reads a JSON string token into b (cleared first); b->data is non-NULL afterwards, even for "". */
static bool read_string_token(thrift_protocol *p, owl_buf *b, thrift_error *err)
{
    owl_buf_reset(b);
    owl_buf_append(b, "", 0);
    if (!expect(p, '"', err))
        return false;
    for (;;) {
        int c;
        if (!next_byte(p, &c, err))
            return false;
        if (c == '"')
            return true;
        if (c == '\\') {
            if (!read_escape(p, b, err))
                return false;
        } else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
            return thrift_proto_fail(p, err, "unescaped control character 0x%02x in string", (unsigned)c);
        } else {
            owl_buf_putc(b, (char)c);
        }
        if (b->len > p->limits.max_string_length)
            return thrift_proto_fail(p, err, "string length exceeds limit %zu", p->limits.max_string_length);
    }
}

static bool is_number_char(int c)
{
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
}

/* Reads a bare token of number characters (and letters when letters is set). */
static bool read_bare_token(thrift_protocol *p, bool letters, char *out, thrift_error *err)
{
    size_t n = 0;
    int c;
    if (!peek_token(p, &c, err))
        return false;
    for (;;) {
        if (!peek_byte(p, &c, err))
            return false;
        if (!is_number_char(c) && !(letters && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))))
            break;
        if (n + 1 >= MAX_NUMBER_TOKEN)
            return thrift_proto_fail(p, err, "number longer than %d characters", MAX_NUMBER_TOKEN - 1);
        out[n++] = (char)c;
        p->peeked = -1;
    }
    out[n] = 0;
    if (n == 0)
        return thrift_proto_fail(p, err, "expected a number, found byte 0x%02x", (unsigned)c);
    return true;
}

/* Reads an integer within [min, max]. In map key position (quoted set) it is a quoted string. */
static bool read_integer(thrift_protocol *p, bool quoted, int64_t min, int64_t max, int64_t *out,
                         thrift_error *err)
{
    char token[MAX_NUMBER_TOKEN];
    if (quoted && !expect(p, '"', err))
        return false;
    if (!read_bare_token(p, false, token, err))
        return false;
    if (quoted && !expect(p, '"', err))
        return false;

    const char *s = token + (token[0] == '-' || token[0] == '+');
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return thrift_proto_fail(p, err, "invalid integer \"%s\"", token);
    errno = 0;
    char *end;
    long long v = strtoll(token, &end, 10);
    if (errno == ERANGE || v < min || v > max)
        return thrift_proto_fail(p, err, "integer %s out of range [%lld, %lld]", token, (long long)min,
                                 (long long)max);
    *out = v;
    return true;
}

/* Returns true and sets *out when token names a non-finite double. */
static bool special_double(const char *token, double *out)
{
    if (strcmp(token, "NaN") == 0 || strcmp(token, "nan") == 0)
        *out = NAN;
    else if (strcmp(token, "Infinity") == 0 || strcmp(token, "inf") == 0)
        *out = INFINITY;
    else if (strcmp(token, "-Infinity") == 0 || strcmp(token, "-inf") == 0)
        *out = -INFINITY;
    else
        return false;
    return true;
}

static bool read_double(thrift_protocol *p, bool key, double *out, thrift_error *err)
{
    char token[MAX_NUMBER_TOKEN];
    int c;
    if (!peek_token(p, &c, err))
        return false;
    if (c == '"') {
        owl_buf b = OWL_BUF_INIT;
        bool ok = read_string_token(p, &b, err);
        if (ok && b.len >= MAX_NUMBER_TOKEN)
            ok = thrift_proto_fail(p, err, "number longer than %d characters", MAX_NUMBER_TOKEN - 1);
        if (ok)
            memcpy(token, b.data, b.len + 1);
        owl_buf_free(&b);
        if (!ok)
            return false;
        if (special_double(token, out))
            return true;
        if (!key)
            return thrift_proto_fail(p, err, "quoted number \"%s\" outside a map key", token);
    } else {
        if (key)
            return thrift_proto_fail(p, err, "map key is not a quoted string");
        if (!read_bare_token(p, true, token, err))
            return false;
        if (special_double(token, out))
            return true;
    }

    char *end;
    size_t len = strlen(token);
    if (len == 0 || strspn(token, "0123456789+-.eE") != len)
        return thrift_proto_fail(p, err, "invalid double \"%s\"", token);
    *out = strtod(token, &end);
    if (*end != '\0')
        return thrift_proto_fail(p, err, "invalid double \"%s\"", token);
    return true;
}

static bool read_type_name(thrift_protocol *p, thrift_type *out, thrift_error *err)
{
    owl_buf b = OWL_BUF_INIT;
    bool ok = read_string_token(p, &b, err);
    if (ok) {
        ok = false;
        for (int t = 0; t < 16; t++) {
            const char *name = thrift_type_valid(t) ? thrift_type_name((thrift_type)t) : NULL;
            if (name && strcmp(name, b.data) == 0) {
                *out = (thrift_type)t;
                ok = true;
            }
        }
        if (!ok)
            thrift_proto_fail(p, err, "unknown type name \"%.32s\"", b.data);
    }
    owl_buf_free(&b);
    return ok;
}

/* Decodes base64 (padding optional) into a new malloc'ed buffer. */
static bool base64_decode(thrift_protocol *p, const char *s, size_t len, uint8_t **out, size_t *out_len,
                          thrift_error *err)
{
    while (len > 0 && s[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return thrift_proto_fail(p, err, "invalid base64 length %zu", len);
    uint8_t *data = malloc(len / 4 * 3 + 3);
    if (!data)
        abort();
    size_t n = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        const char *hit = s[i] ? strchr(BASE64, s[i]) : NULL;
        if (!hit) {
            free(data);
            return thrift_proto_fail(p, err, "invalid base64 character 0x%02x", (unsigned char)s[i]);
        }
        acc = acc << 6 | (uint32_t)(hit - BASE64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            data[n++] = (uint8_t)(acc >> bits);
        }
    }
    data[n] = 0;
    *out = data;
    *out_len = n;
    return true;
}

static bool read_value(thrift_protocol *p, thrift_type type, bool key, thrift_value **out, thrift_error *err);

static bool read_string_value(thrift_protocol *p, thrift_value **out, thrift_error *err)
{
    owl_buf b = OWL_BUF_INIT;
    if (!read_string_token(p, &b, err)) {
        owl_buf_free(&b);
        return false;
    }
    if (!thrift_proto_path_is_binary(p)) {
        size_t len;
        char *data = owl_buf_detach(&b, &len);
        *out = thrift_value_new_string_owned((uint8_t *)data, len, false);
        return true;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    bool ok = base64_decode(p, b.data, b.len, &data, &len, err);
    owl_buf_free(&b);
    if (ok)
        *out = thrift_value_new_string_owned(data, len, true);
    return ok;
}

static bool read_struct_body(thrift_protocol *p, thrift_value *s, thrift_error *err)
{
    int c;
    if (!expect(p, '{', err) || !peek_token(p, &c, err))
        return false;
    if (c == '}') {
        p->peeked = -1;
        return true;
    }
    for (;;) {
        int64_t id;
        thrift_type type;
        if (!read_integer(p, true, INT16_MIN, INT16_MAX, &id, err) || !expect(p, ':', err) ||
            !expect(p, '{', err) || !read_type_name(p, &type, err) || !expect(p, ':', err))
            return false;

        thrift_value *v;
        thrift_proto_push_field(p, (int16_t)id);
        bool ok = read_value(p, type, false, &v, err);
        thrift_proto_pop_field(p);
        if (!ok)
            return false;
        thrift_struct_set(s, (int16_t)id, v);

        if (!expect(p, '}', err) || !peek_token(p, &c, err))
            return false;
        p->peeked = -1;
        if (c == '}')
            return true;
        if (c != ',')
            return thrift_proto_fail(p, err, "expected ',' or '}' after field %d, found byte 0x%02x", (int)id,
                                     (unsigned)c);
    }
}

static bool read_list_body(thrift_protocol *p, thrift_value *l, thrift_error *err)
{
    int64_t count;
    if (!expect(p, '[', err) || !read_type_name(p, &l->u.list.elem_type, err) || !expect(p, ',', err) ||
        !read_integer(p, false, INT32_MIN, INT32_MAX, &count, err))
        return false;
    if (!thrift_proto_check_count(p, l->type == THRIFT_SET ? "set" : "list", count, 1, err))
        return false;
    for (int64_t i = 0; i < count; i++) {
        thrift_value *v;
        if (!expect(p, ',', err) || !read_value(p, l->u.list.elem_type, false, &v, err))
            return false;
        thrift_list_append(l, v);
    }
    return expect(p, ']', err);
}

static bool read_map_body(thrift_protocol *p, thrift_value *m, thrift_error *err)
{
    int64_t count;
    if (!expect(p, '[', err) || !read_type_name(p, &m->u.map.key_type, err) || !expect(p, ',', err) ||
        !read_type_name(p, &m->u.map.value_type, err) || !expect(p, ',', err) ||
        !read_integer(p, false, INT32_MIN, INT32_MAX, &count, err))
        return false;
    if (!thrift_proto_check_count(p, "map", count, 2, err) || !expect(p, ',', err) || !expect(p, '{', err))
        return false;
    for (int64_t i = 0; i < count; i++) {
        thrift_value *k, *v;
        if (i > 0 && !expect(p, ',', err))
            return false;
        if (!read_value(p, m->u.map.key_type, true, &k, err))
            return false;
        if (!expect(p, ':', err) || !read_value(p, m->u.map.value_type, false, &v, err)) {
            thrift_value_free(k);
            return false;
        }
        thrift_map_put(m, k, v);
    }
    return expect(p, '}', err) && expect(p, ']', err);
}

static const thrift_body_readers body_readers = {read_struct_body, read_map_body, read_list_body};

/* Reads one value of type; key is set in map key position, where numbers are quoted. */
static bool read_value(thrift_protocol *p, thrift_type type, bool key, thrift_value **out, thrift_error *err)
{
    *out = NULL;
    int64_t i;
    double d;

    switch (type) {
    case THRIFT_BOOL:
        if (!read_integer(p, key, INT64_MIN, INT64_MAX, &i, err))
            return false;
        *out = thrift_value_new_bool(i != 0);
        return true;
    case THRIFT_I8:
        if (!read_integer(p, key, INT8_MIN, INT8_MAX, &i, err))
            return false;
        *out = thrift_value_new_i8((int8_t)i);
        return true;
    case THRIFT_I16:
        if (!read_integer(p, key, INT16_MIN, INT16_MAX, &i, err))
            return false;
        *out = thrift_value_new_i16((int16_t)i);
        return true;
    case THRIFT_I32:
        if (!read_integer(p, key, INT32_MIN, INT32_MAX, &i, err))
            return false;
        *out = thrift_value_new_i32((int32_t)i);
        return true;
    case THRIFT_I64:
        if (!read_integer(p, key, INT64_MIN, INT64_MAX, &i, err))
            return false;
        *out = thrift_value_new_i64(i);
        return true;
    case THRIFT_DOUBLE:
        if (!read_double(p, key, &d, err))
            return false;
        *out = thrift_value_new_double(d);
        return true;
    case THRIFT_STRING:
        return read_string_value(p, out, err);
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

bool thrift_json_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err)
{
    *out = NULL;
    if (p->in_message && !expect(p, ',', err))
        return false;
    return read_value(p, type, false, out, err);
}

bool thrift_json_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err)
{
    return thrift_json_read_value(p, THRIFT_STRUCT, out, err);
}

bool thrift_json_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err)
{
    memset(out, 0, sizeof *out);
    p->offset = 0;
    p->in_message = false;

    int64_t version, type, seqid;
    if (!expect(p, '[', err) || !read_integer(p, false, INT32_MIN, INT32_MAX, &version, err))
        return false;
    if (version != JSON_VERSION)
        return thrift_proto_fail(p, err, "bad message version %lld, expected %d", (long long)version, JSON_VERSION);

    owl_buf name = OWL_BUF_INIT;
    if (!expect(p, ',', err) || !read_string_token(p, &name, err) || !expect(p, ',', err) ||
        !read_integer(p, false, INT32_MIN, INT32_MAX, &type, err) || !expect(p, ',', err) ||
        !read_integer(p, false, INT32_MIN, INT32_MAX, &seqid, err)) {
        owl_buf_free(&name);
        return false;
    }
    if (!thrift_message_type_valid((int)type)) {
        owl_buf_free(&name);
        return thrift_proto_fail(p, err, "invalid message type %lld", (long long)type);
    }
    out->name = owl_buf_detach(&name, NULL);
    out->type = (thrift_message_type)type;
    out->seqid = (int32_t)seqid;
    p->in_message = true;
    return true;
}

bool thrift_json_read_message_end(thrift_protocol *p, thrift_error *err)
{
    p->in_message = false;
    return expect(p, ']', err);
}

/* ---- Writing ---- */

static bool put(thrift_protocol *p, const char *s, thrift_error *err)
{
    return thrift_proto_write(p, s, strlen(s), err);
}

static bool write_string(thrift_protocol *p, const uint8_t *s, size_t len, thrift_error *err)
{
    owl_buf b = OWL_BUF_INIT;
    owl_buf_reserve(&b, len + 2);
    owl_buf_putc(&b, '"');
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '"': owl_buf_puts(&b, "\\\""); break;
        case '\\': owl_buf_puts(&b, "\\\\"); break;
        case '\b': owl_buf_puts(&b, "\\b"); break;
        case '\f': owl_buf_puts(&b, "\\f"); break;
        case '\n': owl_buf_puts(&b, "\\n"); break;
        case '\r': owl_buf_puts(&b, "\\r"); break;
        case '\t': owl_buf_puts(&b, "\\t"); break;
        default: owl_buf_putc(&b, (char)s[i]); break;
        }
    }
    owl_buf_putc(&b, '"');
    bool ok = thrift_proto_write(p, b.data, b.len, err);
    owl_buf_free(&b);
    return ok;
}

static bool write_base64(thrift_protocol *p, const uint8_t *s, size_t len, thrift_error *err)
{
    owl_buf b = OWL_BUF_INIT;
    owl_buf_reserve(&b, (len + 2) / 3 * 4 + 2);
    owl_buf_putc(&b, '"');
    for (size_t i = 0; i < len; i += 3) {
        uint32_t n = (uint32_t)s[i] << 16;
        if (i + 1 < len)
            n |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < len)
            n |= s[i + 2];
        owl_buf_putc(&b, BASE64[n >> 18 & 63]);
        owl_buf_putc(&b, BASE64[n >> 12 & 63]);
        owl_buf_putc(&b, i + 1 < len ? BASE64[n >> 6 & 63] : '=');
        owl_buf_putc(&b, i + 2 < len ? BASE64[n & 63] : '=');
    }
    owl_buf_putc(&b, '"');
    bool ok = thrift_proto_write(p, b.data, b.len, err);
    owl_buf_free(&b);
    return ok;
}

/* Writes a number token, quoted in map key position. */
static bool write_number(thrift_protocol *p, const char *token, bool key, thrift_error *err)
{
    char quoted[MAX_NUMBER_TOKEN + 2];
    if (key) {
        snprintf(quoted, sizeof quoted, "\"%s\"", token);
        token = quoted;
    }
    return put(p, token, err);
}

static bool write_type_name(thrift_protocol *p, thrift_type type, thrift_error *err)
{
    const char *name = thrift_type_name(type);
    if (!name)
        return thrift_proto_fail(p, err, "type %d has no JSON name (an empty map read from the compact protocol "
                                 "has no key and value types; set them before writing JSON)", (int)type);
    char quoted[8];
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    return put(p, quoted, err);
}

static bool write_value(thrift_protocol *p, const thrift_value *v, bool key, thrift_error *err)
{
    char token[MAX_NUMBER_TOKEN];
    switch (v->type) {
    case THRIFT_BOOL: return write_number(p, v->u.b ? "1" : "0", key, err);
    case THRIFT_I8: snprintf(token, sizeof token, "%d", v->u.i8); return write_number(p, token, key, err);
    case THRIFT_I16: snprintf(token, sizeof token, "%d", v->u.i16); return write_number(p, token, key, err);
    case THRIFT_I32:
        snprintf(token, sizeof token, "%" PRId32, v->u.i32);
        return write_number(p, token, key, err);
    case THRIFT_I64:
        snprintf(token, sizeof token, "%" PRId64, v->u.i64);
        return write_number(p, token, key, err);
    case THRIFT_DOUBLE:
        if (isnan(v->u.d))
            return put(p, "\"NaN\"", err);
        if (isinf(v->u.d))
            return put(p, v->u.d > 0 ? "\"Infinity\"" : "\"-Infinity\"", err);
        snprintf(token, sizeof token, "%.17g", v->u.d);
        return write_number(p, token, key, err);
    case THRIFT_STRING:
        if (v->u.str.binary)
            return write_base64(p, v->u.str.data, v->u.str.len, err);
        return write_string(p, v->u.str.data, v->u.str.len, err);
    case THRIFT_STRUCT:
        if (!put(p, "{", err))
            return false;
        for (size_t i = 0; i < v->u.fields.count; i++) {
            const thrift_field *f = &v->u.fields.fields[i];
            snprintf(token, sizeof token, "%s\"%d\":{", i ? "," : "", f->id);
            if (!put(p, token, err) || !write_type_name(p, f->value->type, err) || !put(p, ":", err) ||
                !write_value(p, f->value, false, err) || !put(p, "}", err))
                return false;
        }
        return put(p, "}", err);
    case THRIFT_LIST:
    case THRIFT_SET:
        snprintf(token, sizeof token, ",%zu", v->u.list.count);
        if (!put(p, "[", err) || !write_type_name(p, v->u.list.elem_type, err) || !put(p, token, err))
            return false;
        for (size_t i = 0; i < v->u.list.count; i++)
            if (!put(p, ",", err) || !write_value(p, v->u.list.items[i], false, err))
                return false;
        return put(p, "]", err);
    case THRIFT_MAP:
        snprintf(token, sizeof token, ",%zu,{", v->u.map.count);
        if (!put(p, "[", err) || !write_type_name(p, v->u.map.key_type, err) || !put(p, ",", err) ||
            !write_type_name(p, v->u.map.value_type, err) || !put(p, token, err))
            return false;
        for (size_t i = 0; i < v->u.map.count; i++)
            if ((i && !put(p, ",", err)) || !write_value(p, v->u.map.entries[i].key, true, err) ||
                !put(p, ":", err) || !write_value(p, v->u.map.entries[i].value, false, err))
                return false;
        return put(p, "}]", err);
    case THRIFT_STOP:
        break;
    }
    return thrift_proto_fail(p, err, "cannot write a value of type %d", (int)v->type);
}

bool thrift_json_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    if (p->in_message && !put(p, ",", err))
        return false;
    return write_value(p, v, false, err);
}

bool thrift_json_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err)
{
    if (v->type != THRIFT_STRUCT)
        return thrift_proto_fail(p, err, "value to write is not a struct");
    return thrift_json_write_value(p, v, err);
}

bool thrift_json_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err)
{
    char token[MAX_NUMBER_TOKEN];
    p->offset = 0;
    p->in_message = false;
    snprintf(token, sizeof token, "[%d,", JSON_VERSION);
    if (!put(p, token, err) || !write_string(p, (const uint8_t *)m->name, strlen(m->name), err))
        return false;
    snprintf(token, sizeof token, ",%d,%" PRId32, (int)m->type, m->seqid);
    if (!put(p, token, err))
        return false;
    p->in_message = true;
    return true;
}

bool thrift_json_write_message_end(thrift_protocol *p, thrift_error *err)
{
    p->in_message = false;
    return put(p, "]", err);
}
