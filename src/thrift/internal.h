/*
 * Helpers shared by the three protocol implementations (binary.c,
 * compact.c, json.c): byte I/O that counts offsets and enforces the message
 * size, limit checks, depth and field-path tracking. Not a public header.
 */
#ifndef OWL_THRIFT_INTERNAL_H
#define OWL_THRIFT_INTERNAL_H

#include <inttypes.h>

#include "thrift/protocol.h"

/*
 * Fills err with "thrift <protocol>: <message> at offset <p->offset>" and
 * returns false.
 */
bool thrift_proto_fail(thrift_protocol *p, thrift_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads exactly len bytes, failing cleanly on truncation or an oversized message. */
bool thrift_proto_read(thrift_protocol *p, void *buf, size_t len, thrift_error *err);
bool thrift_proto_write(thrift_protocol *p, const void *buf, size_t len, thrift_error *err);

/*
 * Checks a declared string length against the limit and the input left, then
 * reads it into a new malloc'ed, NUL-terminated buffer that grows with the
 * bytes actually received.
 */
bool thrift_proto_read_bytes(thrift_protocol *p, int64_t len, uint8_t **out, thrift_error *err);

/*
 * Checks a declared container element count against the limit, and against
 * the input left given that each element takes at least min_bytes.
 */
bool thrift_proto_check_count(thrift_protocol *p, const char *what, int64_t count, size_t min_bytes,
                              thrift_error *err);

/* Enters one struct or container level; fails past limits.max_depth. */
bool thrift_proto_enter(thrift_protocol *p, thrift_error *err);
void thrift_proto_leave(thrift_protocol *p);

/* The readers of container bodies that each protocol implements. */
typedef struct thrift_body_readers {
    bool (*read_struct)(thrift_protocol *p, thrift_value *v, thrift_error *err);
    bool (*read_map)(thrift_protocol *p, thrift_value *v, thrift_error *err);
    bool (*read_list)(thrift_protocol *p, thrift_value *v, thrift_error *err); /* lists and sets */
} thrift_body_readers;

/*
 * Reads a struct, map, list or set value one level deeper with the
 * protocol's body readers, freeing what was read on failure.
 */
bool thrift_proto_read_container(thrift_protocol *p, thrift_type type,
                                 const thrift_body_readers *readers, thrift_value **out,
                                 thrift_error *err);

/* Pushes and pops the field id of the struct field being read. */
void thrift_proto_push_field(thrift_protocol *p, int16_t id);
void thrift_proto_pop_field(thrift_protocol *p);
/* Returns true when the current field path is one of p->binary_paths. */
bool thrift_proto_path_is_binary(const thrift_protocol *p);

/* Returns true for the message types 1 to 4. */
bool thrift_message_type_valid(int type);

#endif
