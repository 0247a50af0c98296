/*
 * Unit tests for src/thrift: the value model, the binary, compact and JSON
 * protocols (exact encodings, round trips, malformed input, limits) and the
 * transports. Expected bytes are worked out by hand from the protocol
 * layouts described in the headers of binary.c, compact.c and json.c.
 * tests/integration/test_thrift_crosscheck.py checks the same codecs
 * against python3-thrift.
 */
#include "thrift/protocol.h"
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static const char *const binary_paths[] = {"9", NULL};

/* A struct with every type, edge values, long and negative field ids. */
static thrift_value *sample_all_types(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_bool(true));
    thrift_struct_set(s, 2, thrift_value_new_bool(false));
    thrift_struct_set(s, 3, thrift_value_new_i8(INT8_MIN));
    thrift_struct_set(s, 4, thrift_value_new_i16(INT16_MIN));
    thrift_struct_set(s, 5, thrift_value_new_i32(INT32_MIN));
    thrift_struct_set(s, 6, thrift_value_new_i64(INT64_MAX));
    thrift_struct_set(s, 7, thrift_value_new_double(-1.5));
    thrift_struct_set(s, 8, thrift_value_new_cstring("h\xc3\xa9llo\n\"\\\x01/"));
    thrift_struct_set(s, 9, thrift_value_new_binary("\x00\x01\xff", 3));

    thrift_value *inner = thrift_value_new_struct();
    thrift_struct_set(inner, 1, thrift_value_new_i32(0));
    thrift_struct_set(inner, 2, thrift_value_new_i64(-1));
    thrift_struct_set(s, 10, inner);

    thrift_value *ints = thrift_value_new_list(THRIFT_I32);
    thrift_list_append(ints, thrift_value_new_i32(0));
    thrift_list_append(ints, thrift_value_new_i32(-1));
    thrift_list_append(ints, thrift_value_new_i32(INT32_MAX));
    thrift_struct_set(s, 11, ints);

    thrift_value *strings = thrift_value_new_set(THRIFT_STRING);
    thrift_list_append(strings, thrift_value_new_cstring("a"));
    thrift_struct_set(s, 12, strings);

    thrift_value *map = thrift_value_new_map(THRIFT_STRING, THRIFT_I64);
    thrift_map_put(map, thrift_value_new_cstring("k"), thrift_value_new_i64(INT64_MIN));
    thrift_struct_set(s, 13, map);

    thrift_struct_set(s, 14, thrift_value_new_list(THRIFT_STRUCT));

    thrift_value *bools = thrift_value_new_list(THRIFT_BOOL);
    thrift_list_append(bools, thrift_value_new_bool(true));
    thrift_list_append(bools, thrift_value_new_bool(false));
    thrift_value *nested = thrift_value_new_map(THRIFT_I32, THRIFT_LIST);
    thrift_map_put(nested, thrift_value_new_i32(7), bools);
    thrift_struct_set(s, 15, nested);

    thrift_struct_set(s, 16, thrift_value_new_struct());
    thrift_struct_set(s, 17, thrift_value_new_double(NAN));
    thrift_struct_set(s, 18, thrift_value_new_double(INFINITY));
    thrift_struct_set(s, 19, thrift_value_new_double(-0.0));

    thrift_value *doubles = thrift_value_new_list(THRIFT_DOUBLE);
    for (int i = 0; i < 20; i++)
        thrift_list_append(doubles, thrift_value_new_double(i * 0.1));
    thrift_struct_set(s, 20, doubles);

    thrift_value *double_keys = thrift_value_new_map(THRIFT_DOUBLE, THRIFT_BOOL);
    thrift_map_put(double_keys, thrift_value_new_double(1.5), thrift_value_new_bool(true));
    thrift_map_put(double_keys, thrift_value_new_double(-INFINITY), thrift_value_new_bool(false));
    thrift_struct_set(s, 21, double_keys);

    thrift_struct_set(s, 300, thrift_value_new_i16(-1));
    thrift_struct_set(s, -1, thrift_value_new_string("", 0));
    thrift_struct_set(s, 22, thrift_value_new_map(THRIFT_STRING, THRIFT_STRING));
    return s;
}

static const thrift_protocol_id all_protocols[] = {THRIFT_PROTOCOL_BINARY, THRIFT_PROTOCOL_COMPACT,
                                                   THRIFT_PROTOCOL_JSON};

static void encode_or_die(thrift_protocol_id id, const thrift_value *v, owl_buf *out)
{
    thrift_error err;
    if (!thrift_encode_struct(id, v, out, &err)) {
        fprintf(stderr, "encode failed: %s\n", err.message);
        abort();
    }
}

/* Encodes one value (not necessarily a struct) outside any struct. */
static void encode_value(thrift_protocol_id id, const thrift_value *v, owl_buf *out)
{
    thrift_transport *t = thrift_memory_transport_new(NULL, 0, out);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    thrift_error err;
    if (!thrift_protocol_write_value(&p, v, &err)) {
        fprintf(stderr, "encode failed: %s\n", err.message);
        abort();
    }
    thrift_transport_free(t);
}

static thrift_value *decode(thrift_protocol_id id, const void *data, size_t len, thrift_error *err)
{
    thrift_value *v = NULL;
    err->message[0] = 0;
    if (!thrift_decode_struct(id, data, len, NULL, binary_paths, &v, err))
        return NULL;
    return v;
}

/* Decodes data and checks that it fails with exactly the message expected. */
static void check_decode_error(thrift_protocol_id id, const void *data, size_t len, const char *expected)
{
    thrift_error err;
    thrift_value *v = decode(id, data, len, &err);
    CHECK(v == NULL);
    CHECK_STR(err.message, expected);
    thrift_value_free(v);
}

/* ==== Value model ==== */

static void test_value_struct_set_get(void)
{
    thrift_value *s = thrift_value_new_struct();
    CHECK(thrift_struct_set(s, 3, thrift_value_new_i32(1)));
    CHECK(thrift_struct_set(s, 1, thrift_value_new_cstring("x")));
    CHECK(thrift_struct_set(s, 3, thrift_value_new_i32(2)));
    CHECK_INT(thrift_value_count(s), 2);
    CHECK_INT(s->u.fields.fields[0].id, 3);
    CHECK_INT(s->u.fields.fields[1].id, 1);

    int32_t i32 = 0;
    CHECK(thrift_struct_get_i32(s, 3, &i32));
    CHECK_INT(i32, 2);
    int64_t i64 = 0;
    CHECK(!thrift_struct_get_i64(s, 3, &i64));
    CHECK(!thrift_struct_get_i32(s, 2, &i32));
    size_t len = 0;
    CHECK_STR(thrift_struct_get_string(s, 1, &len), "x");
    CHECK_INT(len, 1);
    CHECK(thrift_struct_get_string(s, 3, &len) == NULL);

    CHECK(thrift_struct_remove(s, 3));
    CHECK(!thrift_struct_remove(s, 3));
    CHECK(thrift_struct_get(s, 3) == NULL);
    CHECK_INT(thrift_value_count(s), 1);
    thrift_value_free(s);
}

static void test_value_typed_getters(void)
{
    thrift_value *v = thrift_value_new_i8(-5);
    int8_t i8 = 0;
    int16_t i16 = 7;
    CHECK(thrift_value_get_i8(v, &i8));
    CHECK_INT(i8, -5);
    CHECK(!thrift_value_get_i16(v, &i16));
    CHECK_INT(i16, 7);
    CHECK(!thrift_value_get_i8(NULL, &i8));
    thrift_value_free(v);

    v = thrift_value_new_double(2.5);
    double d = 0;
    bool b = true;
    CHECK(thrift_value_get_double(v, &d));
    CHECK(d == 2.5);
    CHECK(!thrift_value_get_bool(v, &b));
    thrift_value_free(v);
}

static void test_value_container_type_checks(void)
{
    thrift_value *l = thrift_value_new_list(THRIFT_I32);
    CHECK(!thrift_list_append(l, thrift_value_new_i64(1)));
    CHECK(thrift_list_append(l, thrift_value_new_i32(1)));
    CHECK_INT(thrift_value_count(l), 1);
    CHECK(thrift_list_get(l, 1) == NULL);

    thrift_value *m = thrift_value_new_map(THRIFT_STRING, THRIFT_I32);
    CHECK(!thrift_map_put(m, thrift_value_new_i32(1), thrift_value_new_i32(1)));
    CHECK(thrift_map_put(m, thrift_value_new_cstring("a"), thrift_value_new_i32(9)));
    int32_t i32 = 0;
    CHECK(thrift_value_get_i32(thrift_map_find_cstring(m, "a"), &i32));
    CHECK_INT(i32, 9);
    CHECK(thrift_map_find_cstring(m, "b") == NULL);
    CHECK(!thrift_struct_set(l, 1, thrift_value_new_i32(1)));
    thrift_value_free(l);
    thrift_value_free(m);
}

static void test_value_equal_and_copy(void)
{
    thrift_value *a = sample_all_types();
    thrift_value *b = thrift_value_copy(a);
    CHECK(thrift_value_equal(a, b));

    thrift_struct_set(b, 7, thrift_value_new_double(-1.25));
    CHECK(!thrift_value_equal(a, b));
    thrift_value_free(b);

    /* Field order is part of the value. */
    thrift_value *x = thrift_value_new_struct(), *y = thrift_value_new_struct();
    thrift_struct_set(x, 1, thrift_value_new_i32(1));
    thrift_struct_set(x, 2, thrift_value_new_i32(2));
    thrift_struct_set(y, 2, thrift_value_new_i32(2));
    thrift_struct_set(y, 1, thrift_value_new_i32(1));
    CHECK(!thrift_value_equal(x, y));

    /* 0.0 and -0.0 differ; NaN equals itself. */
    thrift_value *z = thrift_value_new_double(0.0), *nz = thrift_value_new_double(-0.0);
    thrift_value *n1 = thrift_value_new_double(NAN), *n2 = thrift_value_new_double(NAN);
    CHECK(!thrift_value_equal(z, nz));
    CHECK(thrift_value_equal(n1, n2));

    /* Binary and string with the same bytes differ. */
    thrift_value *s = thrift_value_new_string("ab", 2), *bin = thrift_value_new_binary("ab", 2);
    CHECK(!thrift_value_equal(s, bin));

    /* An empty map of unknown types equals any empty map. */
    thrift_value *unknown = thrift_value_new_map(THRIFT_STOP, THRIFT_STOP);
    thrift_value *typed = thrift_value_new_map(THRIFT_STRING, THRIFT_STRING);
    CHECK(thrift_value_equal(unknown, typed));
    thrift_map_put(typed, thrift_value_new_cstring("a"), thrift_value_new_cstring("b"));
    CHECK(!thrift_value_equal(unknown, typed));

    thrift_value *values[] = {a, x, y, z, nz, n1, n2, s, bin, unknown, typed};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        thrift_value_free(values[i]);
}

static void test_value_print(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_cstring("x\"\n"));
    thrift_struct_set(s, 2, thrift_value_new_i32(5));
    thrift_value *l = thrift_value_new_list(THRIFT_I32);
    thrift_list_append(l, thrift_value_new_i32(1));
    thrift_list_append(l, thrift_value_new_i32(2));
    thrift_struct_set(s, 3, l);
    thrift_struct_set(s, 4, thrift_value_new_binary("\x01\xff", 2));
    thrift_value *m = thrift_value_new_map(THRIFT_STRING, THRIFT_BOOL);
    thrift_map_put(m, thrift_value_new_cstring("k"), thrift_value_new_bool(true));
    thrift_struct_set(s, 5, m);

    owl_buf out = OWL_BUF_INIT;
    thrift_value_print(&out, s);
    CHECK_STR(out.data, "{1: \"x\\\"\\x0a\", 2: i32 5, 3: list<i32>[i32 1, i32 2], 4: binary:01ff, "
                        "5: map<str,tf>{\"k\": true}}");
    owl_buf_free(&out);
    thrift_value_free(s);
}

/* ==== All protocols ==== */

static void test_round_trip_all_types(void)
{
    for (size_t i = 0; i < 3; i++) {
        thrift_protocol_id id = all_protocols[i];
        thrift_value *v = sample_all_types();
        owl_buf first = OWL_BUF_INIT, second = OWL_BUF_INIT;
        encode_or_die(id, v, &first);

        thrift_error err;
        thrift_value *back = decode(id, first.data, first.len, &err);
        if (!back)
            fprintf(stderr, "%s: %s\n", thrift_protocol_name(id), err.message);
        CHECK(back != NULL);
        if (id == THRIFT_PROTOCOL_COMPACT) {
            /* The compact protocol drops the types of empty maps. */
            thrift_value *empty = thrift_struct_get(back, 22);
            CHECK(empty != NULL);
            CHECK(empty && empty->u.map.key_type == THRIFT_STOP);
        }
        CHECK(thrift_value_equal(v, back));

        encode_or_die(id, back, &second);
        CHECK_MEM(second.data, second.len, first.data, first.len);

        owl_buf_free(&first);
        owl_buf_free(&second);
        thrift_value_free(v);
        thrift_value_free(back);
    }
}

static void test_every_prefix_fails_cleanly(void)
{
    for (size_t i = 0; i < 3; i++) {
        thrift_protocol_id id = all_protocols[i];
        thrift_value *v = sample_all_types();
        owl_buf enc = OWL_BUF_INIT;
        encode_or_die(id, v, &enc);
        int failures_before = unit_failures_in_test;
        for (size_t len = 0; len < enc.len; len++) {
            thrift_error err;
            thrift_value *back = decode(id, enc.data, len, &err);
            CHECK(back == NULL);
            CHECK(strncmp(err.message, "thrift ", 7) == 0);
            thrift_value_free(back);
            if (unit_failures_in_test != failures_before) {
                fprintf(stderr, "%s: prefix of %zu bytes\n", thrift_protocol_name(id), len);
                break;
            }
        }
        owl_buf_free(&enc);
        thrift_value_free(v);
    }
}

/* Builds a value nested depth levels deep: list<list<...<i32>>> inside a struct. */
static thrift_value *nested_lists(int depth)
{
    thrift_value *v = thrift_value_new_list(THRIFT_I32);
    for (int i = 1; i < depth; i++) {
        thrift_value *outer = thrift_value_new_list(THRIFT_LIST);
        thrift_list_append(outer, v);
        v = outer;
    }
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, v);
    return s;
}

static void test_depth_limit(void)
{
    for (size_t i = 0; i < 3; i++) {
        thrift_protocol_id id = all_protocols[i];
        owl_buf enc = OWL_BUF_INIT;

        /* Depth 64 (63 lists in the struct) is at the limit and passes. */
        thrift_value *ok = nested_lists(63);
        encode_or_die(id, ok, &enc);
        thrift_error err;
        thrift_value *back = decode(id, enc.data, enc.len, &err);
        CHECK(back != NULL);
        thrift_value_free(back);
        thrift_value_free(ok);
        owl_buf_reset(&enc);

        thrift_value *bomb = nested_lists(5000);
        encode_or_die(id, bomb, &enc);
        back = decode(id, enc.data, enc.len, &err);
        CHECK(back == NULL);
        CHECK(strstr(err.message, "nesting depth exceeds limit 64") != NULL);
        thrift_value_free(bomb);
        owl_buf_free(&enc);
    }
}

static void test_custom_limits(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_cstring("abcd"));
    thrift_value *l = thrift_value_new_list(THRIFT_I8);
    for (int i = 0; i < 5; i++)
        thrift_list_append(l, thrift_value_new_i8((int8_t)i));
    thrift_struct_set(s, 2, l);

    for (size_t i = 0; i < 3; i++) {
        thrift_protocol_id id = all_protocols[i];
        owl_buf enc = OWL_BUF_INIT;
        encode_or_die(id, s, &enc);
        thrift_limits limits = thrift_limits_default();
        thrift_value *back = NULL;
        thrift_error err;

        limits.max_string_length = 3;
        CHECK(!thrift_decode_struct(id, enc.data, enc.len, &limits, NULL, &back, &err));
        CHECK(strstr(err.message, "exceeds limit 3") != NULL);

        limits = thrift_limits_default();
        limits.max_container_count = 4;
        CHECK(!thrift_decode_struct(id, enc.data, enc.len, &limits, NULL, &back, &err));
        CHECK(strstr(err.message, "list size 5 exceeds limit 4") != NULL);

        limits = thrift_limits_default();
        limits.max_message_size = enc.len - 1;
        CHECK(!thrift_decode_struct(id, enc.data, enc.len, &limits, NULL, &back, &err));
        CHECK(strstr(err.message, "exceeds max message size") != NULL);

        limits.max_message_size = enc.len;
        CHECK(thrift_decode_struct(id, enc.data, enc.len, &limits, NULL, &back, &err));
        CHECK(thrift_value_equal(back, s));
        thrift_value_free(back);
        owl_buf_free(&enc);
    }
    thrift_value_free(s);
}

static void test_trailing_data_rejected(void)
{
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x00\x00", 2, "thrift binary: trailing data after the struct at offset 1");
    check_decode_error(THRIFT_PROTOCOL_JSON, "{} x", 4, "thrift json: trailing data after the struct at offset 2");

    thrift_error err;
    thrift_value *v = decode(THRIFT_PROTOCOL_JSON, " { }\n", 5, &err);
    CHECK(v != NULL);
    CHECK_INT(thrift_value_count(v), 0);
    thrift_value_free(v);
}

static void write_message(thrift_protocol_id id, bool strict, const thrift_message *m, owl_buf *out)
{
    thrift_transport *t = thrift_memory_transport_new(NULL, 0, out);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    p.strict_write = strict;
    thrift_value *empty = thrift_value_new_struct();
    thrift_error err;
    CHECK(thrift_protocol_write_message_begin(&p, m, &err));
    CHECK(thrift_protocol_write_struct(&p, empty, &err));
    CHECK(thrift_protocol_write_message_end(&p, &err));
    thrift_value_free(empty);
    thrift_transport_free(t);
}

/* Reads a message written by write_message and checks its header. */
static void check_read_message(thrift_protocol_id id, const owl_buf *in, const thrift_message *want)
{
    thrift_transport *t = thrift_memory_transport_new(in->data, in->len, NULL);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    thrift_message m;
    thrift_value *body = NULL;
    thrift_error err;
    CHECK(thrift_protocol_read_message_begin(&p, &m, &err));
    CHECK_STR(m.name, want->name);
    CHECK_INT(m.type, want->type);
    CHECK_INT(m.seqid, want->seqid);
    CHECK(thrift_protocol_read_struct(&p, &body, &err));
    CHECK_INT(thrift_value_count(body), 0);
    CHECK(thrift_protocol_read_message_end(&p, &err));
    CHECK_INT(thrift_transport_remaining(t), 0);
    thrift_message_clear(&m);
    thrift_value_free(body);
    thrift_transport_free(t);
}

static void test_message_headers(void)
{
    thrift_message call = {"ab", THRIFT_CALL, 1};
    thrift_message reply = {"get_table", THRIFT_REPLY, -1};
    owl_buf out = OWL_BUF_INIT;

    write_message(THRIFT_PROTOCOL_BINARY, true, &call, &out);
    CHECK_MEM(out.data, out.len, "\x80\x01\x00\x01\x00\x00\x00\x02" "ab\x00\x00\x00\x01\x00", 15);
    check_read_message(THRIFT_PROTOCOL_BINARY, &out, &call);
    owl_buf_reset(&out);

    write_message(THRIFT_PROTOCOL_BINARY, false, &call, &out);
    CHECK_MEM(out.data, out.len, "\x00\x00\x00\x02" "ab\x01\x00\x00\x00\x01\x00", 12);
    check_read_message(THRIFT_PROTOCOL_BINARY, &out, &call);
    owl_buf_reset(&out);

    write_message(THRIFT_PROTOCOL_COMPACT, true, &call, &out);
    CHECK_MEM(out.data, out.len, "\x82\x21\x01\x02" "ab\x00", 7);
    check_read_message(THRIFT_PROTOCOL_COMPACT, &out, &call);
    owl_buf_reset(&out);

    write_message(THRIFT_PROTOCOL_COMPACT, true, &reply, &out);
    CHECK_MEM(out.data, out.len, "\x82\x41\xff\xff\xff\xff\x0f\x09" "get_table\x00", 18);
    check_read_message(THRIFT_PROTOCOL_COMPACT, &out, &reply);
    owl_buf_reset(&out);

    write_message(THRIFT_PROTOCOL_JSON, true, &call, &out);
    CHECK_STR(out.data, "[1,\"ab\",1,1,{}]");
    check_read_message(THRIFT_PROTOCOL_JSON, &out, &call);
    owl_buf_reset(&out);

    write_message(THRIFT_PROTOCOL_JSON, true, &reply, &out);
    CHECK_STR(out.data, "[1,\"get_table\",2,-1,{}]");
    check_read_message(THRIFT_PROTOCOL_JSON, &out, &reply);
    owl_buf_free(&out);
}

/* Reads only a message header from data and returns the error message. */
static const char *message_error(thrift_protocol_id id, const void *data, size_t len, bool strict_read,
                                 thrift_error *err)
{
    thrift_transport *t = thrift_memory_transport_new(data, len, NULL);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    p.strict_read = strict_read;
    thrift_message m;
    err->message[0] = 0;
    if (thrift_protocol_read_message_begin(&p, &m, err)) {
        thrift_message_clear(&m);
        snprintf(err->message, sizeof err->message, "(no error)");
    }
    thrift_transport_free(t);
    return err->message;
}

static void test_message_header_errors(void)
{
    thrift_error err;
    CHECK_STR(message_error(THRIFT_PROTOCOL_BINARY, "\x80\x02\x00\x01", 4, false, &err),
              "thrift binary: bad message version 0x80020000, expected 0x80010000 at offset 4");
    CHECK_STR(message_error(THRIFT_PROTOCOL_BINARY, "\x80\x01\x00\x07\x00\x00\x00\x00", 8, false, &err),
              "thrift binary: invalid message type 7 at offset 8");
    CHECK_STR(message_error(THRIFT_PROTOCOL_BINARY, "\x00\x00\x00\x02" "ab\x01\x00\x00\x00\x01", 11, true, &err),
              "thrift binary: message header has no version and strict_read is set at offset 4");
    CHECK_STR(message_error(THRIFT_PROTOCOL_BINARY, "\x7f\xff\xff\xff", 4, false, &err),
              "thrift binary: string length 2147483647 exceeds limit 104857600 at offset 4");
    CHECK_STR(message_error(THRIFT_PROTOCOL_COMPACT, "\x81\x21", 2, false, &err),
              "thrift compact: bad protocol id 0x81, expected 0x82 at offset 1");
    CHECK_STR(message_error(THRIFT_PROTOCOL_COMPACT, "\x82\x22", 2, false, &err),
              "thrift compact: bad version 2, expected 1 at offset 2");
    CHECK_STR(message_error(THRIFT_PROTOCOL_JSON, "[2,\"a\",1,0,{}]", 14, false, &err),
              "thrift json: bad message version 2, expected 1 at offset 3");
    CHECK_STR(message_error(THRIFT_PROTOCOL_JSON, "[1,\"a\",9,0,{}]", 14, false, &err),
              "thrift json: invalid message type 9 at offset 11");
}

/* ==== Binary protocol ==== */

static void test_binary_exact_encoding(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_i32(5));
    thrift_struct_set(s, 2, thrift_value_new_cstring("ab"));
    thrift_value *m = thrift_value_new_map(THRIFT_STRING, THRIFT_DOUBLE);
    thrift_map_put(m, thrift_value_new_cstring("x"), thrift_value_new_double(1.0));
    thrift_struct_set(s, 3, m);
    thrift_struct_set(s, 4, thrift_value_new_bool(true));
    thrift_struct_set(s, 5, thrift_value_new_i64(-2));

    owl_buf out = OWL_BUF_INIT;
    encode_or_die(THRIFT_PROTOCOL_BINARY, s, &out);
    static const char expected[] = "\x08\x00\x01\x00\x00\x00\x05"
                                   "\x0b\x00\x02\x00\x00\x00\x02" "ab"
                                   "\x0d\x00\x03\x0b\x04\x00\x00\x00\x01\x00\x00\x00\x01" "x"
                                   "\x3f\xf0\x00\x00\x00\x00\x00\x00"
                                   "\x02\x00\x04\x01"
                                   "\x0a\x00\x05\xff\xff\xff\xff\xff\xff\xff\xfe"
                                   "\x00";
    CHECK_MEM(out.data, out.len, expected, sizeof expected - 1);
    owl_buf_free(&out);
    thrift_value_free(s);
}

static void test_binary_malformed(void)
{
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0b\x00\x01\x7f\xff\xff\xff", 7,
                       "thrift binary: string length 2147483647 exceeds limit 104857600 at offset 7");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0b\x00\x01\xff\xff\xff\xff", 7,
                       "thrift binary: string length -1 is negative at offset 7");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0b\x00\x01\x00\x00\x10\x00" "abc", 10,
                       "thrift binary: string length 4096 exceeds the 3 bytes remaining at offset 7");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0f\x00\x01\x08\x7f\xff\xff\xff", 8,
                       "thrift binary: list size 2147483647 exceeds limit 10000000 at offset 8");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0f\x00\x01\x08\x00\x01\x00\x00\x00", 9,
                       "thrift binary: list size 65536 exceeds the 1 bytes remaining at offset 8");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0e\x00\x01\x08\xff\xff\xff\xff", 8,
                       "thrift binary: set size -1 is negative at offset 8");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0d\x00\x01\x0b\x0b\x00\x10\x00\x00\x00", 10,
                       "thrift binary: map size 1048576 exceeds the 1 bytes remaining at offset 9");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x01\x00\x01", 3, "thrift binary: invalid field type 1 at offset 1");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x10\x00\x01", 3, "thrift binary: invalid field type 16 at offset 1");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0f\x00\x01\x11\x00\x00\x00\x00\x00", 9,
                       "thrift binary: invalid list element type 17 at offset 4");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x0d\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00", 12,
                       "thrift binary: map of 1 entries has key or value type 0 at offset 9");
    check_decode_error(THRIFT_PROTOCOL_BINARY, "\x08\x00\x01\x00\x00", 5,
                       "thrift binary: truncated input: 4 bytes needed, 2 remain at offset 3");

    /* An empty map with both types 0 (as compact input yields) is accepted. */
    thrift_error err;
    thrift_value *v = decode(THRIFT_PROTOCOL_BINARY, "\x0d\x00\x01\x00\x00\x00\x00\x00\x00\x00", 10, &err);
    CHECK(v != NULL);
    CHECK_INT(thrift_value_count(thrift_struct_get(v, 1)), 0);
    thrift_value_free(v);
}

/* ==== Compact protocol ==== */

static void check_compact_value(thrift_value *v, const char *expected, size_t expected_len)
{
    owl_buf out = OWL_BUF_INIT;
    encode_value(THRIFT_PROTOCOL_COMPACT, v, &out);
    CHECK_MEM(out.data, out.len, expected, expected_len);

    thrift_transport *t = thrift_memory_transport_new(out.data, out.len, NULL);
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_COMPACT, t);
    thrift_value *back = NULL;
    thrift_error err;
    CHECK(thrift_protocol_read_value(&p, v->type, &back, &err));
    CHECK(thrift_value_equal(back, v));
    CHECK_INT(thrift_transport_remaining(t), 0);
    thrift_value_free(back);
    thrift_transport_free(t);
    owl_buf_free(&out);
    thrift_value_free(v);
}

static void test_compact_varint_edges(void)
{
    check_compact_value(thrift_value_new_i32(0), "\x00", 1);
    check_compact_value(thrift_value_new_i32(-1), "\x01", 1);
    check_compact_value(thrift_value_new_i32(1), "\x02", 1);
    check_compact_value(thrift_value_new_i32(-64), "\x7f", 1);
    check_compact_value(thrift_value_new_i32(64), "\x80\x01", 2);
    check_compact_value(thrift_value_new_i32(INT32_MIN), "\xff\xff\xff\xff\x0f", 5);
    check_compact_value(thrift_value_new_i32(INT32_MAX), "\xfe\xff\xff\xff\x0f", 5);
    check_compact_value(thrift_value_new_i64(INT64_MAX), "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
    check_compact_value(thrift_value_new_i64(INT64_MIN), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
    check_compact_value(thrift_value_new_i16(INT16_MIN), "\xff\xff\x03", 3);
    check_compact_value(thrift_value_new_i8(-1), "\xff", 1);
    check_compact_value(thrift_value_new_double(1.0), "\x00\x00\x00\x00\x00\x00\xf0\x3f", 8);
    check_compact_value(thrift_value_new_cstring("ab"), "\x02" "ab", 3);
}

static void test_compact_containers(void)
{
    thrift_value *bools = thrift_value_new_list(THRIFT_BOOL);
    thrift_list_append(bools, thrift_value_new_bool(true));
    thrift_list_append(bools, thrift_value_new_bool(false));
    check_compact_value(bools, "\x21\x01\x02", 3);

    check_compact_value(thrift_value_new_set(THRIFT_STRING), "\x08", 1);

    thrift_value *long_list = thrift_value_new_list(THRIFT_I8);
    for (int i = 0; i < 15; i++)
        thrift_list_append(long_list, thrift_value_new_i8((int8_t)i));
    check_compact_value(long_list, "\xf3\x0f\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e", 17);

    thrift_value *map = thrift_value_new_map(THRIFT_STRING, THRIFT_I32);
    thrift_map_put(map, thrift_value_new_cstring("a"), thrift_value_new_i32(1));
    check_compact_value(map, "\x01\x85\x01" "a\x02", 5);

    check_compact_value(thrift_value_new_map(THRIFT_STOP, THRIFT_STOP), "\x00", 1);
}

static void test_compact_field_headers(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_bool(true));
    thrift_struct_set(s, 2, thrift_value_new_bool(false));
    thrift_struct_set(s, 17, thrift_value_new_i32(5)); /* delta 15: short form */
    thrift_struct_set(s, 300, thrift_value_new_i32(5)); /* delta 283: long form */
    thrift_struct_set(s, 299, thrift_value_new_bool(true)); /* negative delta: long form */
    thrift_value *inner = thrift_value_new_struct();
    thrift_struct_set(inner, 1, thrift_value_new_i8(1)); /* delta restarts at 0 inside */
    thrift_struct_set(s, 301, inner);
    thrift_struct_set(s, 302, thrift_value_new_i8(2)); /* delta from 301, not from inner's 1 */
    check_compact_value(s,
                        "\x11\x12\xf5\x0a"
                        "\x05\xd8\x04\x0a"
                        "\x01\xd6\x04"
                        "\x2c\x13\x01\x00"
                        "\x13\x02"
                        "\x00",
                        18);
}

static void test_compact_malformed(void)
{
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x15\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11,
                       "thrift compact: varint longer than 5 bytes at offset 6");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x16\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12,
                       "thrift compact: varint exceeds 64 bits at offset 11");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x05\x80\x80\x04\x00", 5,
                       "thrift compact: varint exceeds 16 bits at offset 4");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x1d", 1, "thrift compact: invalid field type 13 at offset 1");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x10", 1, "thrift compact: invalid field type 0 at offset 1");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x18\xff\xff\xff\xff\x07", 6,
                       "thrift compact: string length 2147483647 exceeds limit 104857600 at offset 6");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x18\xff\xff\xff\xff\x0f", 6,
                       "thrift compact: string length -1 is negative at offset 6");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x19\xf5\x80\x80\x04", 5,
                       "thrift compact: list size 65536 exceeds the 0 bytes remaining at offset 5");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x19\x1d", 2,
                       "thrift compact: invalid list element type 13 at offset 2");
    check_decode_error(THRIFT_PROTOCOL_COMPACT, "\x1b\x01\x0d\x00", 4,
                       "thrift compact: invalid map types 0x0d at offset 3");
}

/* ==== JSON protocol ==== */

static void check_json_encoding(thrift_value *v, const char *expected)
{
    owl_buf out = OWL_BUF_INIT;
    encode_or_die(THRIFT_PROTOCOL_JSON, v, &out);
    CHECK_STR(out.data, expected);
    thrift_error err;
    thrift_value *back = decode(THRIFT_PROTOCOL_JSON, out.data, out.len, &err);
    CHECK(thrift_value_equal(back, v));
    thrift_value_free(back);
    owl_buf_free(&out);
    thrift_value_free(v);
}

static void test_json_exact_encoding(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_cstring("x"));
    thrift_struct_set(s, 2, thrift_value_new_i32(5));
    check_json_encoding(s, "{\"1\":{\"str\":\"x\"},\"2\":{\"i32\":5}}");

    s = thrift_value_new_struct();
    thrift_value *l = thrift_value_new_list(THRIFT_I32);
    for (int i = 1; i <= 3; i++)
        thrift_list_append(l, thrift_value_new_i32(i));
    thrift_struct_set(s, 1, l);
    thrift_value *m = thrift_value_new_map(THRIFT_STRING, THRIFT_I32);
    thrift_map_put(m, thrift_value_new_cstring("a"), thrift_value_new_i32(1));
    thrift_map_put(m, thrift_value_new_cstring("b"), thrift_value_new_i32(2));
    thrift_struct_set(s, 2, m);
    thrift_struct_set(s, 3, thrift_value_new_set(THRIFT_DOUBLE));
    thrift_struct_set(s, 4, thrift_value_new_map(THRIFT_I64, THRIFT_STRUCT));
    check_json_encoding(s, "{\"1\":{\"lst\":[\"i32\",3,1,2,3]},\"2\":{\"map\":[\"str\",\"i32\",2,{\"a\":1,\"b\":2}]},"
                           "\"3\":{\"set\":[\"dbl\",0]},\"4\":{\"map\":[\"i64\",\"rec\",0,{}]}}");

    s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_bool(true));
    thrift_struct_set(s, 2, thrift_value_new_bool(false));
    thrift_struct_set(s, 3, thrift_value_new_i8(-128));
    thrift_struct_set(s, 4, thrift_value_new_i16(300));
    thrift_struct_set(s, 5, thrift_value_new_i64(INT64_MIN));
    thrift_struct_set(s, -7, thrift_value_new_i32(7));
    thrift_value *blobs = thrift_value_new_list(THRIFT_STRING); /* binary_paths "9" reaches the elements */
    thrift_list_append(blobs, thrift_value_new_binary("\x00\xff\x10", 3));
    thrift_list_append(blobs, thrift_value_new_binary("ab", 2));
    thrift_list_append(blobs, thrift_value_new_binary("a", 1));
    thrift_struct_set(s, 9, blobs);
    check_json_encoding(s, "{\"1\":{\"tf\":1},\"2\":{\"tf\":0},\"3\":{\"i8\":-128},\"4\":{\"i16\":300},"
                           "\"5\":{\"i64\":-9223372036854775808},\"-7\":{\"i32\":7},"
                           "\"9\":{\"lst\":[\"str\",3,\"AP8Q\",\"YWI=\",\"YQ==\"]}}");
}

static void test_json_doubles(void)
{
    thrift_value *s = thrift_value_new_struct();
    const double values[] = {0.1, 1.0, 1e300, -0.0, 5e-324, 1e16, 123456789012345678.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        thrift_struct_set(s, (int16_t)(i + 1), thrift_value_new_double(values[i]));
    check_json_encoding(s, "{\"1\":{\"dbl\":0.10000000000000001},\"2\":{\"dbl\":1},"
                           "\"3\":{\"dbl\":1.0000000000000001e+300},\"4\":{\"dbl\":-0},"
                           "\"5\":{\"dbl\":4.9406564584124654e-324},\"6\":{\"dbl\":10000000000000000},"
                           "\"7\":{\"dbl\":1.2345678901234568e+17},\"8\":{\"dbl\":\"NaN\"},"
                           "\"9\":{\"dbl\":\"Infinity\"},\"10\":{\"dbl\":\"-Infinity\"}}");

    thrift_value *m = thrift_value_new_map(THRIFT_DOUBLE, THRIFT_BOOL);
    thrift_map_put(m, thrift_value_new_double(1.5), thrift_value_new_bool(true));
    thrift_map_put(m, thrift_value_new_double(NAN), thrift_value_new_bool(false));
    s = thrift_value_new_struct();
    thrift_struct_set(s, 1, m);
    check_json_encoding(s, "{\"1\":{\"map\":[\"dbl\",\"tf\",2,{\"1.5\":1,\"NaN\":0}]}}");

    /* python3-thrift 0.17 writes bare nan and inf; read them too. */
    thrift_error err;
    const char *python = "{\"1\":{\"dbl\":nan},\"2\":{\"dbl\":inf},\"3\":{\"dbl\":-inf},"
                         "\"4\":{\"map\":[\"dbl\",\"i8\",1,{\"nan\":1}]}}";
    thrift_value *v = decode(THRIFT_PROTOCOL_JSON, python, strlen(python), &err);
    CHECK(v != NULL);
    double d = 0;
    CHECK(thrift_value_get_double(thrift_struct_get(v, 1), &d));
    CHECK(isnan(d));
    CHECK(thrift_value_get_double(thrift_struct_get(v, 2), &d));
    CHECK(d == INFINITY);
    CHECK(thrift_value_get_double(thrift_struct_get(v, 3), &d));
    CHECK(d == -INFINITY);
    thrift_value_free(v);
}

static void test_json_map_keys(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_value *m = thrift_value_new_map(THRIFT_I32, THRIFT_I64);
    thrift_map_put(m, thrift_value_new_i32(-3), thrift_value_new_i64(4));
    thrift_struct_set(s, 1, m);
    m = thrift_value_new_map(THRIFT_BOOL, THRIFT_STRING);
    thrift_map_put(m, thrift_value_new_bool(true), thrift_value_new_cstring("t"));
    thrift_struct_set(s, 2, m);
    m = thrift_value_new_map(THRIFT_STRUCT, THRIFT_I8);
    thrift_map_put(m, thrift_value_new_struct(), thrift_value_new_i8(1));
    thrift_struct_set(s, 3, m);
    check_json_encoding(s, "{\"1\":{\"map\":[\"i32\",\"i64\",1,{\"-3\":4}]},\"2\":{\"map\":[\"tf\",\"str\",1,"
                           "{\"1\":\"t\"}]},\"3\":{\"map\":[\"rec\",\"i8\",1,{{}:1}]}}");
}

static void test_json_strings(void)
{
    thrift_value *s = thrift_value_new_struct();
    thrift_struct_set(s, 1, thrift_value_new_cstring("a\x01\x1f\x7f\"\\/\b\f\n\r\t \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    check_json_encoding(s, "{\"1\":{\"str\":\"a\x01\x1f\x7f\\\"\\\\/\\b\\f\\n\\r\\t \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}}");

    /* \u escapes, including a surrogate pair, decode to UTF-8. */
    const char *escaped = "{\"1\":{\"str\":\"\\u00e9\\u20ac\\ud83d\\ude00\\u0000\\/\"}}";
    thrift_error err;
    thrift_value *v = decode(THRIFT_PROTOCOL_JSON, escaped, strlen(escaped), &err);
    size_t len = 0;
    const char *text = thrift_struct_get_string(v, 1, &len);
    CHECK_MEM(text, len, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x00/", 11);
    thrift_value_free(v);

    /* Base64 without padding, as the Java library writes it. */
    const char *unpadded = "{\"9\":{\"str\":\"YWI\"}}";
    v = decode(THRIFT_PROTOCOL_JSON, unpadded, strlen(unpadded), &err);
    text = thrift_value_get_string(thrift_struct_get(v, 9), &len);
    CHECK_MEM(text, len, "ab", 2);
    CHECK(thrift_struct_get(v, 9)->u.str.binary);
    thrift_value_free(v);
}

static void test_json_malformed(void)
{
#define JSON_ERROR(text, expected) check_decode_error(THRIFT_PROTOCOL_JSON, text, strlen(text), expected)
    JSON_ERROR("{\"1\":{\"xyz\":1}}", "thrift json: unknown type name \"xyz\" at offset 11");
    /* Empty strings once reached strcmp and memcpy as NULL (found by fuzz_thrift_json). */
    JSON_ERROR("{\"1\":{\"\":1}}", "thrift json: unknown type name \"\" at offset 8");
    JSON_ERROR("{\"1\":{\"dbl\":\"\"}}", "thrift json: quoted number \"\" outside a map key at offset 14");
    JSON_ERROR("{\"1\":{\"map\":[\"dbl\",\"i8\",1,{\"\":1}]}}", "thrift json: invalid double \"\" at offset 29");
    JSON_ERROR("{1:{\"i32\":1}}", "thrift json: expected '\"', found byte 0x31 at offset 2");
    JSON_ERROR("{\"1\":{\"i8\":300}}", "thrift json: integer 300 out of range [-128, 127] at offset 15");
    JSON_ERROR("{\"1\":{\"i32\":1.5}}", "thrift json: invalid integer \"1.5\" at offset 16");
    JSON_ERROR("{\"1\":{\"i64\":99999999999999999999}}",
               "thrift json: integer 99999999999999999999 out of range [-9223372036854775808, "
               "9223372036854775807] at offset 33");
    JSON_ERROR("{\"40000\":{\"i32\":1}}", "thrift json: integer 40000 out of range [-32768, 32767] at offset 8");
    JSON_ERROR("{\"1\":{\"str\":\"a\nb\"}}", "thrift json: unescaped control character 0x0a in string at offset 15");
    JSON_ERROR("{\"1\":{\"str\":\"\\x\"}}", "thrift json: invalid escape \\x in string at offset 15");
    JSON_ERROR("{\"1\":{\"str\":\"\\udc00\"}}",
               "thrift json: low surrogate \\udc00 without a high surrogate at offset 19");
    JSON_ERROR("{\"1\":{\"str\":\"\\ud800x\"}}",
               "thrift json: high surrogate \\ud800 not followed by a low surrogate at offset 21");
    JSON_ERROR("{\"9\":{\"str\":\"Y!\"}}", "thrift json: invalid base64 character 0x21 at offset 16");
    JSON_ERROR("{\"1\":{\"dbl\":\"1.5\"}}", "thrift json: quoted number \"1.5\" outside a map key at offset 17");
    JSON_ERROR("{\"1\":{\"dbl\":1.5x}}", "thrift json: invalid double \"1.5x\" at offset 17");
    JSON_ERROR("{\"1\":{\"dbl\":1e5e5}}", "thrift json: invalid double \"1e5e5\" at offset 18");
    JSON_ERROR("{\"1\":{\"lst\":[\"i32\",2,1]}}", "thrift json: expected ',', found byte 0x5d at offset 23");
    JSON_ERROR("{\"1\":{\"lst\":[\"i32\",-1]}}", "thrift json: list size -1 is negative at offset 22");
    JSON_ERROR("{\"1\":{\"lst\":[\"i32\",2147483647]}}",
               "thrift json: list size 2147483647 exceeds limit 10000000 at offset 30");
    JSON_ERROR("{\"1\":{\"lst\":[\"i32\",9999999,1]}}",
               "thrift json: list size 9999999 exceeds the 4 bytes remaining at offset 27");
    JSON_ERROR("{\"1\":{\"map\":[\"i32\",\"i32\",1,{1:2}]}}",
               "thrift json: expected '\"', found byte 0x31 at offset 29");
    JSON_ERROR("{\"1\":{\"i32\":1} \"2\":{\"i32\":1}}",
               "thrift json: expected ',' or '}' after field 1, found byte 0x22 at offset 16");
#undef JSON_ERROR
}

/* ==== Transports ==== */

static void test_framed_round_trip(void)
{
    owl_buf wire = OWL_BUF_INIT;
    thrift_transport *mem = thrift_memory_transport_new(NULL, 0, &wire);
    thrift_transport *framed = thrift_framed_transport_new(mem, 0);
    thrift_error err;
    CHECK(thrift_transport_write(framed, "hello", 5, &err));
    CHECK(thrift_transport_flush(framed, &err));
    CHECK(thrift_transport_write(framed, "xy", 2, &err));
    CHECK(thrift_transport_flush(framed, &err));
    CHECK_MEM(wire.data, wire.len, "\x00\x00\x00\x05hello\x00\x00\x00\x02xy", 15);
    thrift_transport_free(framed);
    thrift_transport_free(mem);

    mem = thrift_memory_transport_new(wire.data, wire.len, NULL);
    framed = thrift_framed_transport_new(mem, 0);
    char buf[8] = {0};
    CHECK(thrift_transport_read(framed, buf, 3, &err));
    CHECK_MEM(buf, 3, "hel", 3);
    CHECK_INT(thrift_transport_remaining(framed), 2 + 6);
    CHECK(thrift_transport_read(framed, buf, 4, &err)); /* spans two frames */
    CHECK_MEM(buf, 4, "loxy", 4);
    CHECK(!thrift_transport_read(framed, buf, 1, &err));
    thrift_transport_free(framed);
    thrift_transport_free(mem);
    owl_buf_free(&wire);
}

static void test_framed_limits(void)
{
    thrift_error err;
    uint8_t buf[4];

    thrift_transport *mem = thrift_memory_transport_new("\x7f\xff\xff\xff" "abc", 7, NULL);
    thrift_transport *framed = thrift_framed_transport_new(mem, 1024);
    CHECK(!thrift_transport_read(framed, buf, 1, &err));
    CHECK_STR(err.message, "thrift framed: frame length 2147483647 exceeds max frame size 1024");
    thrift_transport_free(framed);
    thrift_transport_free(mem);

    mem = thrift_memory_transport_new("\xff\xff\xff\xfe", 4, NULL);
    framed = thrift_framed_transport_new(mem, 1024);
    CHECK(!thrift_transport_read(framed, buf, 1, &err));
    CHECK_STR(err.message, "thrift framed: frame length -2 is negative");
    thrift_transport_free(framed);
    thrift_transport_free(mem);

    mem = thrift_memory_transport_new("\x00\x00\x01\x00" "abc", 7, NULL);
    framed = thrift_framed_transport_new(mem, 1024);
    CHECK(!thrift_transport_read(framed, buf, 1, &err));
    CHECK_STR(err.message, "thrift framed: frame length 256 exceeds the 3 bytes remaining");
    thrift_transport_free(framed);
    thrift_transport_free(mem);

    owl_buf out = OWL_BUF_INIT;
    mem = thrift_memory_transport_new(NULL, 0, &out);
    framed = thrift_framed_transport_new(mem, 4);
    CHECK(thrift_transport_write(framed, "abcd", 4, &err));
    CHECK(!thrift_transport_write(framed, "e", 1, &err));
    CHECK_STR(err.message, "thrift framed: frame of 5 bytes exceeds max frame size 4");
    thrift_transport_free(framed);
    thrift_transport_free(mem);
    owl_buf_free(&out);
}

static void test_fd_transport_message(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    thrift_transport *w = thrift_fd_transport_new(fds[1]);
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, w);
    thrift_value *v = sample_all_types();
    thrift_message m = {"get_table", THRIFT_REPLY, 42};
    thrift_error err;
    CHECK(thrift_protocol_write_message_begin(&p, &m, &err));
    CHECK(thrift_protocol_write_struct(&p, v, &err));
    CHECK(thrift_transport_flush(w, &err));
    thrift_transport_free(w);
    close(fds[1]);

    thrift_transport *r = thrift_fd_transport_new(fds[0]);
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, r);
    p.binary_paths = binary_paths;
    CHECK_INT(thrift_transport_remaining(r), SIZE_MAX);
    thrift_message got;
    thrift_value *back = NULL;
    CHECK(thrift_protocol_read_message_begin(&p, &got, &err));
    CHECK_STR(got.name, "get_table");
    CHECK_INT(got.seqid, 42);
    CHECK(thrift_protocol_read_struct(&p, &back, &err));
    CHECK(thrift_value_equal(back, v));
    uint8_t extra;
    CHECK(!thrift_transport_read(r, &extra, 1, &err));
    CHECK_STR(err.message, "thrift transport: connection closed, 1 more bytes expected");
    thrift_message_clear(&got);
    thrift_value_free(back);
    thrift_value_free(v);
    thrift_transport_free(r);
    close(fds[0]);
}

/* An io that hands out one byte per read, to exercise short reads. */
struct trickle {
    const uint8_t *data;
    size_t len, pos;
};

static ssize_t trickle_read(void *ctx, void *buf, size_t len, thrift_error *err)
{
    struct trickle *t = ctx;
    if (t->pos == t->len || len == 0)
        return 0;
    *(uint8_t *)buf = t->data[t->pos++];
    return 1;
}

static ssize_t failing_write(void *ctx, const void *buf, size_t len, thrift_error *err)
{
    thrift_error_set(err, "thrift transport: test write failure");
    return -1;
}

static void test_buffered_callbacks(void)
{
    thrift_value *v = sample_all_types();
    owl_buf enc = OWL_BUF_INIT;
    encode_or_die(THRIFT_PROTOCOL_COMPACT, v, &enc);

    struct trickle source = {(const uint8_t *)enc.data, enc.len, 0};
    thrift_transport *t = thrift_buffered_transport_new((thrift_io){trickle_read, failing_write, &source});
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_COMPACT, t);
    p.binary_paths = binary_paths;
    thrift_value *back = NULL;
    thrift_error err;
    CHECK(thrift_protocol_read_struct(&p, &back, &err));
    CHECK(thrift_value_equal(back, v));

    CHECK(thrift_transport_write(t, "x", 1, &err));
    CHECK(!thrift_transport_flush(t, &err));
    CHECK_STR(err.message, "thrift transport: test write failure");

    thrift_value_free(back);
    thrift_value_free(v);
    thrift_transport_free(t);
    owl_buf_free(&enc);
}

static void test_stream_string_bounded_by_limit(void)
{
    /* On a stream the remaining size is unknown: the limit still applies. */
    const uint8_t data[] = {0x0b, 0x00, 0x01, 0x06, 0x40, 0x00, 0x01};
    struct trickle source = {data, sizeof data, 0};
    thrift_transport *t = thrift_buffered_transport_new((thrift_io){trickle_read, failing_write, &source});
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, t);
    thrift_value *v = NULL;
    thrift_error err;
    CHECK(!thrift_protocol_read_struct(&p, &v, &err));
    CHECK_STR(err.message, "thrift binary: string length 104857601 exceeds limit 104857600 at offset 7");
    thrift_transport_free(t);

    /* Within the limit, a short stream fails when the bytes run out. */
    const uint8_t short_data[] = {0x0b, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 'a'};
    struct trickle short_source = {short_data, sizeof short_data, 0};
    t = thrift_buffered_transport_new((thrift_io){trickle_read, failing_write, &short_source});
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, t);
    CHECK(!thrift_protocol_read_struct(&p, &v, &err));
    CHECK(v == NULL);
    CHECK_STR(err.message, "thrift binary: transport: connection closed, 65535 more bytes expected "
                           "at offset 7");
    thrift_transport_free(t);
}

int main(void)
{
    UNIT_RUN(test_value_struct_set_get);
    UNIT_RUN(test_value_typed_getters);
    UNIT_RUN(test_value_container_type_checks);
    UNIT_RUN(test_value_equal_and_copy);
    UNIT_RUN(test_value_print);
    UNIT_RUN(test_round_trip_all_types);
    UNIT_RUN(test_every_prefix_fails_cleanly);
    UNIT_RUN(test_depth_limit);
    UNIT_RUN(test_custom_limits);
    UNIT_RUN(test_trailing_data_rejected);
    UNIT_RUN(test_message_headers);
    UNIT_RUN(test_message_header_errors);
    UNIT_RUN(test_binary_exact_encoding);
    UNIT_RUN(test_binary_malformed);
    UNIT_RUN(test_compact_varint_edges);
    UNIT_RUN(test_compact_containers);
    UNIT_RUN(test_compact_field_headers);
    UNIT_RUN(test_compact_malformed);
    UNIT_RUN(test_json_exact_encoding);
    UNIT_RUN(test_json_doubles);
    UNIT_RUN(test_json_map_keys);
    UNIT_RUN(test_json_strings);
    UNIT_RUN(test_json_malformed);
    UNIT_RUN(test_framed_round_trip);
    UNIT_RUN(test_framed_limits);
    UNIT_RUN(test_fd_transport_message);
    UNIT_RUN(test_buffered_callbacks);
    UNIT_RUN(test_stream_string_bounded_by_limit);
    return UNIT_SUMMARY();
}
