/*
 * Generic Thrift values: a tree that represents any Thrift struct, container
 * or scalar without generated per-struct code. The protocol readers build these
 * trees and the writers walk them, so the HMS connector can transcode a
 * metastore Table from the binary protocol to TJSONProtocol without knowing
 * the Table struct.
 *
 * Ownership: every thrift_value is malloc'ed and owns its children. The
 * setters (thrift_struct_set, thrift_list_append, thrift_map_put) take
 * ownership of the value passed in, also when they fail. thrift_value_free()
 * frees a whole tree. Allocation failure aborts, as owl_buf does.
 *
 * Struct fields keep the order in which they were read or first set; lookup by
 * field id is a linear scan, because metastore structs have a few dozen fields
 * at most. Sets are lists with the set type: the model keeps duplicates and
 * wire order, and maps keep duplicate keys, because the wire formats allow
 * both and a transcoder must not reorder.
 */
#ifndef OWL_THRIFT_VALUE_H
#define OWL_THRIFT_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Type ids, numbered as the binary protocol's TType; TJSONProtocol names in comments. */
typedef enum thrift_type {
    THRIFT_STOP = 0, /* only as the unknown key/value type of an empty compact map */
    THRIFT_BOOL = 2, /* "tf" */
    THRIFT_I8 = 3, /* "i8", TType.BYTE */
    THRIFT_DOUBLE = 4, /* "dbl" */
    THRIFT_I16 = 6, /* "i16" */
    THRIFT_I32 = 8, /* "i32" */
    THRIFT_I64 = 10, /* "i64" */
    THRIFT_STRING = 11, /* "str": string and binary */
    THRIFT_STRUCT = 12, /* "rec" */
    THRIFT_MAP = 13, /* "map" */
    THRIFT_SET = 14, /* "set" */
    THRIFT_LIST = 15, /* "lst" */
} thrift_type;

typedef struct thrift_value thrift_value;

typedef struct thrift_field {
    int16_t id;
    thrift_value *value;
} thrift_field;

typedef struct thrift_map_entry {
    thrift_value *key;
    thrift_value *value;
} thrift_map_entry;

/*
 * The layout is public so that callers can iterate; build and change values
 * only through the functions below, which keep element types consistent.
 */
struct thrift_value {
    thrift_type type;
    union {
        bool b;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        double d;
        struct {
            uint8_t *data; /* NUL-terminated for convenience; len excludes the NUL */
            size_t len;
            /* Written as base64 by TJSONProtocol. The binary and compact
             * protocols encode string and binary alike, so a reader sets this
             * only for paths listed in thrift_protocol.binary_paths. */
            bool binary;
        } str;
        struct {
            thrift_field *fields;
            size_t count, cap;
        } fields;
        struct {
            thrift_type elem_type;
            thrift_value **items;
            size_t count, cap;
        } list; /* THRIFT_LIST and THRIFT_SET */
        struct {
            thrift_type key_type, value_type;
            thrift_map_entry *entries;
            size_t count, cap;
        } map;
    } u;
};

/* Returns the TJSONProtocol name of type ("i32", "rec", ...) or NULL for an invalid id. */
const char *thrift_type_name(thrift_type type);
/* Returns true for the eleven types a value can have (not STOP). */
bool thrift_type_valid(int type);

thrift_value *thrift_value_new_bool(bool v);
thrift_value *thrift_value_new_i8(int8_t v);
thrift_value *thrift_value_new_i16(int16_t v);
thrift_value *thrift_value_new_i32(int32_t v);
thrift_value *thrift_value_new_i64(int64_t v);
thrift_value *thrift_value_new_double(double v);
/* Copies len bytes of data (which may contain NULs) into a new string value. */
thrift_value *thrift_value_new_string(const void *data, size_t len);
thrift_value *thrift_value_new_cstring(const char *s);
/* As thrift_value_new_string, with the binary flag set. */
thrift_value *thrift_value_new_binary(const void *data, size_t len);
/* Takes ownership of data, which must be malloc'ed with room for len + 1 bytes. */
thrift_value *thrift_value_new_string_owned(uint8_t *data, size_t len, bool binary);
thrift_value *thrift_value_new_struct(void);
/* elem_type must be a valid type (thrift_type_valid). */
thrift_value *thrift_value_new_list(thrift_type elem_type);
thrift_value *thrift_value_new_set(thrift_type elem_type);
/* Key and value types must be valid, or both THRIFT_STOP for an empty map of unknown types. */
thrift_value *thrift_value_new_map(thrift_type key_type, thrift_type value_type);

/* Frees v and everything it owns; NULL is a no-op. */
void thrift_value_free(thrift_value *v);
/* Returns a deep copy of v. */
thrift_value *thrift_value_copy(const thrift_value *v);

/*
 * Compares two trees: same types, same field order and ids, same elements in
 * the same order, same bytes and binary flag. Doubles compare bitwise, so NaN
 * equals the same NaN and 0.0 differs from -0.0. An empty map whose types
 * are THRIFT_STOP equals any empty map, because the compact protocol does
 * not encode the types of an empty map.
 */
bool thrift_value_equal(const thrift_value *a, const thrift_value *b);

/*
 * Appends a one-line debug rendering of v to out, e.g.
 * {1: "x", 2: i32 5, 3: list<i32>[1, 2]}. Not a stable format.
 */
void thrift_value_print(owl_buf *out, const thrift_value *v);

/*
 * Sets field id of struct s to value, taking ownership of value. An existing
 * field with the same id is freed and replaced in place. Returns false (and
 * frees value) when s is not a struct or value is NULL.
 */
bool thrift_struct_set(thrift_value *s, int16_t id, thrift_value *value);
/* Returns field id of struct s, or NULL when s is not a struct or has no such field. */
thrift_value *thrift_struct_get(const thrift_value *s, int16_t id);
/* Removes and frees field id; returns false when it was absent. */
bool thrift_struct_remove(thrift_value *s, int16_t id);

/*
 * Appends value to list or set l, taking ownership. Returns false (and frees
 * value) when l is not a list or set or value's type differs from its element
 * type.
 */
bool thrift_list_append(thrift_value *l, thrift_value *value);
/* Returns element i of a list or set, or NULL when out of range. */
thrift_value *thrift_list_get(const thrift_value *l, size_t i);

/*
 * Appends the pair to map m, taking ownership of both. Duplicate keys are
 * kept. Returns false (and frees both) on a type mismatch. Putting into an
 * empty map of unknown types (THRIFT_STOP) sets its types from the pair.
 */
bool thrift_map_put(thrift_value *m, thrift_value *key, thrift_value *value);
/* Returns the value of the first entry whose key equals key, or NULL. */
thrift_value *thrift_map_find(const thrift_value *m, const thrift_value *key);
/* Returns the value for a string key given as a C string, or NULL. */
thrift_value *thrift_map_find_cstring(const thrift_value *m, const char *key);

/* Element count of a list, set or map, field count of a struct, else 0. */
size_t thrift_value_count(const thrift_value *v);

/*
 * Typed getters: each returns false, leaving *out unchanged, when v is NULL
 * or of another type.
 */
bool thrift_value_get_bool(const thrift_value *v, bool *out);
bool thrift_value_get_i8(const thrift_value *v, int8_t *out);
bool thrift_value_get_i16(const thrift_value *v, int16_t *out);
bool thrift_value_get_i32(const thrift_value *v, int32_t *out);
bool thrift_value_get_i64(const thrift_value *v, int64_t *out);
bool thrift_value_get_double(const thrift_value *v, double *out);
/* Returns the bytes of a string value (NUL-terminated) and sets *len, or NULL. */
const char *thrift_value_get_string(const thrift_value *v, size_t *len);

/* Typed getters for a struct field: false when the field is absent or of another type. */
bool thrift_struct_get_bool(const thrift_value *s, int16_t id, bool *out);
bool thrift_struct_get_i32(const thrift_value *s, int16_t id, int32_t *out);
bool thrift_struct_get_i64(const thrift_value *s, int16_t id, int64_t *out);
const char *thrift_struct_get_string(const thrift_value *s, int16_t id, size_t *len);

#endif
