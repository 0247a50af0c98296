/*
 * Thrift protocols over generic values (value.h) and transports
 * (transport.h): Apache Thrift's binary protocol, compact protocol and
 * TJSONProtocol, each with a reader and a writer for values, structs and
 * message headers.
 *
 * Typical use, reading a reply from a metastore over a buffered socket:
 *
 *     thrift_protocol p;
 *     thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, transport);
 *     thrift_message m;
 *     thrift_value *result;
 *     if (!thrift_protocol_read_message_begin(&p, &m, &err) ||
 *         !thrift_protocol_read_struct(&p, &result, &err) ||
 *         !thrift_protocol_read_message_end(&p, &err)) ...
 *     thrift_message_clear(&m);
 *
 * Every reader enforces p.limits. A declared length or element count larger
 * than the bytes left in the transport fails before allocating.
 * Errors name the protocol, the failing value, the limit and the byte offset
 * counted from the last message header (or from thrift_protocol_init), e.g.
 * "thrift binary: string length 2147483647 exceeds limit 104857600 at offset 12".
 */
#ifndef OWL_THRIFT_PROTOCOL_H
#define OWL_THRIFT_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "thrift/transport.h"
#include "thrift/value.h"

/* Default limits. Message size and depth follow Apache Thrift's TConfiguration defaults (0.14 and later). */
#define THRIFT_DEFAULT_MAX_STRING_LENGTH (100u * 1024 * 1024)
#define THRIFT_DEFAULT_MAX_CONTAINER_COUNT (10u * 1000 * 1000)
#define THRIFT_DEFAULT_MAX_DEPTH 64u
#define THRIFT_DEFAULT_MAX_MESSAGE_SIZE (100u * 1024 * 1024)

/* Hard ceiling on max_depth, so the readers' recursion fits any thread stack. */
#define THRIFT_MAX_DEPTH_CEILING 1000u

typedef struct thrift_limits {
    size_t max_string_length; /* bytes in one string or binary */
    size_t max_container_count; /* elements of one list or set, entries of one map */
    unsigned max_depth; /* nesting of structs and containers; a top-level struct is depth 1 */
    /* Bytes read since the last message header (or thrift_protocol_init);
     * set p->offset to 0 to start a new count without a header. */
    size_t max_message_size;
} thrift_limits;

/*
 * NOTE: each decoded value costs about 60 bytes of heap on x86-64 glibc.
 * That is a 40-byte thrift_value in a 48-byte malloc chunk plus an 8- to
 * 16-byte slot in its parent's array. An i8 list element is one byte on the
 * wire, so a message of max_message_size bytes can take about 60 times that
 * in memory. Lower max_message_size for untrusted peers.
 */

/* Returns the THRIFT_DEFAULT_* limits. */
thrift_limits thrift_limits_default(void);

typedef enum thrift_protocol_id {
    THRIFT_PROTOCOL_BINARY,
    THRIFT_PROTOCOL_COMPACT,
    THRIFT_PROTOCOL_JSON,
} thrift_protocol_id;

typedef enum thrift_message_type {
    THRIFT_CALL = 1,
    THRIFT_REPLY = 2,
    THRIFT_EXCEPTION = 3,
    THRIFT_ONEWAY = 4,
} thrift_message_type;

typedef struct thrift_message {
    char *name; /* malloc'ed and NUL-terminated when read; borrowed when written */
    thrift_message_type type;
    int32_t seqid;
} thrift_message;

/* Frees a name filled in by a read_message_begin call. */
void thrift_message_clear(thrift_message *m);

/*
 * One protocol on one transport. Fields above the line may be set after
 * thrift_protocol_init; the rest is reader and writer state.
 */
typedef struct thrift_protocol {
    thrift_protocol_id id;
    thrift_transport *transport; /* borrowed */
    thrift_limits limits;
    /* Binary protocol: write versioned message headers (0x80010000 | type).
     * Default true, as in Apache Thrift's libraries; both kinds are read. */
    bool strict_write;
    /* Binary protocol: reject old unversioned message headers. Default false. */
    bool strict_read;
    /*
     * NULL-terminated list of field-id paths, such as "3.6.2.1", whose string
     * values are binary. Readers set the binary flag on them, the JSON reader
     * base64-decodes them, and the JSON writer base64-encodes any value with
     * the flag. A path counts field ids from the top-level struct and passes
     * through list, set and map elements (keys and values alike). NULL means
     * no binary fields. The wire cannot tell string from binary, so this is
     * the only schema knowledge the codec needs.
     */
    const char *const *binary_paths;

    /* ---- state ---- */
    size_t offset; /* bytes consumed or produced since the last message header */
    unsigned depth;
    int16_t path[THRIFT_MAX_DEPTH_CEILING + 1]; /* field ids of the enclosing structs */
    unsigned path_len;
    bool in_message; /* JSON: a message header is open, so values follow a comma */
    int peeked; /* JSON: one byte of lookahead, or -1 */
} thrift_protocol;

/* Sets up p with default limits, strict_write on and no binary paths. */
void thrift_protocol_init(thrift_protocol *p, thrift_protocol_id id, thrift_transport *transport);

/* Returns "binary", "compact" or "json"; parses the same names. */
const char *thrift_protocol_name(thrift_protocol_id id);
bool thrift_protocol_parse_name(const char *name, thrift_protocol_id *out);

/*
 * Generic entry points, dispatching on p->id. A read fills *out with a new
 * tree owned by the caller. On failure *out is NULL and err contains the
 * reason. Writes go to the transport, and thrift_transport_flush sends them.
 */
bool thrift_protocol_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err);
bool thrift_protocol_read_message_end(thrift_protocol *p, thrift_error *err);
bool thrift_protocol_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err);
bool thrift_protocol_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err);
bool thrift_protocol_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err);
bool thrift_protocol_write_message_end(thrift_protocol *p, thrift_error *err);
bool thrift_protocol_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err);
bool thrift_protocol_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err);

/*
 * Binary protocol (Apache Thrift's TBinaryProtocol): big-endian integers,
 * i32 length-prefixed strings, field headers of type byte and i16 id.
 */
bool thrift_binary_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err);
bool thrift_binary_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err);
bool thrift_binary_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err);
bool thrift_binary_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err);
bool thrift_binary_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err);
bool thrift_binary_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err);

/*
 * Compact protocol (Apache Thrift's TCompactProtocol, version 1): zigzag
 * varints, field id deltas, bools packed into field headers.
 */
bool thrift_compact_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err);
bool thrift_compact_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err);
bool thrift_compact_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err);
bool thrift_compact_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err);
bool thrift_compact_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err);
bool thrift_compact_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err);

/*
 * TJSONProtocol (Apache Thrift's JSON protocol, not TSimpleJSONProtocol),
 * written byte for byte as python3-thrift 0.17 writes it, except non-finite
 * doubles: those are written as "NaN", "Infinity" and "-Infinity" (as the
 * Java and C++ libraries do), where Python writes bare nan and inf that no
 * JSON parser, Python's own reader included, accepts. The reader accepts
 * both spellings, and whitespace between tokens.
 */
bool thrift_json_read_message_begin(thrift_protocol *p, thrift_message *out, thrift_error *err);
bool thrift_json_read_message_end(thrift_protocol *p, thrift_error *err);
bool thrift_json_read_value(thrift_protocol *p, thrift_type type, thrift_value **out, thrift_error *err);
bool thrift_json_read_struct(thrift_protocol *p, thrift_value **out, thrift_error *err);
bool thrift_json_write_message_begin(thrift_protocol *p, const thrift_message *m, thrift_error *err);
bool thrift_json_write_message_end(thrift_protocol *p, thrift_error *err);
bool thrift_json_write_value(thrift_protocol *p, const thrift_value *v, thrift_error *err);
bool thrift_json_write_struct(thrift_protocol *p, const thrift_value *v, thrift_error *err);

/*
 * Decodes one struct from data in protocol id. Trailing bytes other than
 * JSON whitespace are an error. limits and binary_paths may be NULL for the
 * defaults. On success *out is a new tree owned by the caller.
 */
bool thrift_decode_struct(thrift_protocol_id id, const void *data, size_t len, const thrift_limits *limits,
                          const char *const *binary_paths, thrift_value **out, thrift_error *err);
/* Appends the encoding of struct v in protocol id to out. */
bool thrift_encode_struct(thrift_protocol_id id, const thrift_value *v, owl_buf *out, thrift_error *err);

#endif
