/*
 * Unit tests of the Arrow schema reader (src/athena/arrow_schema.c). The
 * reference input is an IPC Schema message that Arrow Java wrote through
 * the Query Federation SDK, taken from the SDK's serialization test data.
 * It holds year, month and day of type int and col3 of type string, in the
 * format before Arrow 0.15 (no continuation marker).
 */
#include "unit.h"

#include "athena/internal.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char sdk_schema[] =
    "PAEAABAAAAAAAAoADgAGAA0ACAAKAAAAAAADABAAAAAAAQoADAAAAAgABAAKAAAACAAAAAgAAAAAAAAABAAAAMAAAA"
    "B0AAAAPAAAAAQAAABi////FAAAABQAAAAYAAAAAAAFARQAAAAAAAAAAAAAAAQABAAEAAAABAAAAGNvbDMAAAAAlv//"
    "/xQAAAAUAAAAFAAAAAAAAgEYAAAAAAAAAAAAAACE////AAAAASAAAAADAAAAZGF5AMr///8UAAAAFAAAABQAAAAAAA"
    "IBGAAAAAAAAAAAAAAAuP///wAAAAEgAAAABQAAAG1vbnRoABIAGAAUABMAEgAMAAAACAAEABIAAAAUAAAAFAAAABwA"
    "AAAAAAIBIAAAAAAAAAAAAAAACAAMAAgABwAIAAAAAAAAASAAAAAEAAAAeWVhcgAAAAA=";

#define EXPECTED                                                                              \
    "[{\"Name\":\"year\",\"Type\":\"int\"},{\"Name\":\"month\",\"Type\":\"int\"},"            \
    "{\"Name\":\"day\",\"Type\":\"int\"},{\"Name\":\"col3\",\"Type\":\"string\"}]"

/* ---- A FlatBuffers writer for hand-built schemas ------------------------ */

/* Writes front to back: every offset points forward, as the reader expects. */
typedef struct fb_writer {
    uint8_t data[8192];
    size_t len;
} fb_writer;

static void fb_put32(fb_writer *w, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        w->data[at + i] = (uint8_t)(v >> (8 * i));
}

static size_t fb_reserve(fb_writer *w, size_t n)
{
    size_t at = w->len;
    memset(w->data + at, 0, n);
    w->len += n;
    return at;
}

/* Writes a vtable and a table with one 4-byte slot per field; slots[i] is the position of field i. */
static size_t fb_table(fb_writer *w, unsigned fields, size_t *slots)
{
    size_t vtable_size = 4 + 2 * (size_t)fields;
    size_t vtable = fb_reserve(w, (vtable_size + 3) / 4 * 4);
    size_t table = fb_reserve(w, 4 + 4 * (size_t)fields);
    w->data[vtable] = (uint8_t)vtable_size;
    w->data[vtable + 2] = (uint8_t)(4 + 4 * fields);
    for (unsigned i = 0; i < fields; i++) {
        w->data[vtable + 4 + 2 * i] = (uint8_t)(4 + 4 * i);
        slots[i] = table + 4 + 4 * i;
    }
    fb_put32(w, table, (uint32_t)(table - vtable));
    return table;
}

static void fb_link(fb_writer *w, size_t slot, size_t target)
{
    fb_put32(w, slot, (uint32_t)(target - slot));
}

static size_t fb_string(fb_writer *w, const char *text)
{
    size_t n = strlen(text);
    size_t at = fb_reserve(w, (4 + n + 1 + 3) / 4 * 4);
    fb_put32(w, at, (uint32_t)n);
    memcpy(w->data + at + 4, text, n);
    return at;
}

/* A Field to write: name, Type union id, the first two fields of the type table, children. */
typedef struct field_spec {
    const char *name;
    uint8_t type_id;
    int32_t p0, p1;
    const struct field_spec *children;
    uint32_t child_count;
} field_spec;

/* Writes the Field of spec, then its children after it, and returns its position. */
static size_t fb_field(fb_writer *w, const field_spec *spec)
{
    size_t slots[6];
    size_t field = fb_table(w, 6, slots);
    fb_link(w, slots[0], fb_string(w, spec->name));
    w->data[slots[2]] = spec->type_id;
    size_t type_slots[2];
    size_t type = fb_table(w, 2, type_slots);
    fb_put32(w, type_slots[0], (uint32_t)spec->p0);
    fb_put32(w, type_slots[1], (uint32_t)spec->p1);
    fb_link(w, slots[3], type);
    size_t vector = fb_reserve(w, 4 + 4 * (size_t)spec->child_count);
    fb_put32(w, vector, spec->child_count);
    fb_link(w, slots[5], vector);
    for (uint32_t i = 0; i < spec->child_count; i++)
        fb_link(w, vector + 4 + 4 * i, fb_field(w, &spec->children[i]));
    return field;
}

/* Decodes sdk_schema into bytes, after prefix_len zero bytes of room for a prefix. */
static uint8_t *schema_bytes(size_t prefix_len, size_t *len)
{
    size_t text_len = strlen(sdk_schema);
    uint8_t *out = calloc(1, prefix_len + text_len);
    int n = EVP_DecodeBlock(out + prefix_len, (const unsigned char *)sdk_schema, (int)text_len);
    *len = prefix_len + (size_t)n - 1; /* one padding character */
    return out;
}

static char *decode_text(const uint8_t *data, size_t len, char *err, size_t errlen)
{
    json_t *columns = athena_arrow_schema_columns(data, len, err, errlen);
    char *text = columns ? json_dumps(columns, JSON_COMPACT) : NULL;
    json_decref(columns);
    return text;
}

static void test_sdk_schema_columns(void)
{
    size_t len;
    uint8_t *bytes = schema_bytes(0, &len);
    char err[256];
    char *text = decode_text(bytes, len, err, sizeof err);
    CHECK_STR(text, EXPECTED);
    free(text);
    free(bytes);
}

static void test_continuation_marker_accepted(void)
{
    size_t len;
    uint8_t *bytes = schema_bytes(4, &len);
    memset(bytes, 0xff, 4);
    char err[256];
    char *text = decode_text(bytes, len, err, sizeof err);
    CHECK_STR(text, EXPECTED);
    free(text);
    free(bytes);
}

static void test_truncated_schema_rejected(void)
{
    size_t len;
    uint8_t *bytes = schema_bytes(0, &len);
    char err[256];
    for (size_t cut = 0; cut < len - 8; cut++) {
        /* A copy of exactly cut bytes, so a read past it is a heap overflow under ASan. */
        uint8_t *prefix = malloc(cut ? cut : 1);
        memcpy(prefix, bytes, cut);
        err[0] = '\0';
        char *text = decode_text(prefix, cut, err, sizeof err);
        if (text)
            fprintf(stderr, "a %zu-byte prefix decoded as %s\n", cut, text);
        CHECK(text == NULL);
        CHECK(err[0] != '\0');
        free(text);
        free(prefix);
    }
    free(bytes);
}

static void test_rejections_name_cause(void)
{
    char err[256];
    CHECK(athena_arrow_schema_columns((const uint8_t *)"", 0, err, sizeof err) == NULL);
    CHECK_STR(err, "the schema is 0 bytes, too short for an IPC message");

    size_t len;
    uint8_t *bytes = schema_bytes(0, &len);
    bytes[0] = 0xff; /* message length far beyond the buffer */
    CHECK(athena_arrow_schema_columns(bytes, len, err, sizeof err) == NULL);
    CHECK_STR(err, "the IPC message length 511 does not fit the 320-byte schema");
    free(bytes);
}

static void test_corrupted_bytes_never_crash(void)
{
    size_t len;
    uint8_t *bytes = schema_bytes(0, &len);
    char err[256];
    for (size_t i = 0; i < len; i++) {
        for (int value = 0; value < 256; value += 51) {
            uint8_t *copy = malloc(len);
            memcpy(copy, bytes, len);
            copy[i] = (uint8_t)value;
            json_t *columns = athena_arrow_schema_columns(copy, len, err, sizeof err);
            CHECK(columns == NULL || json_is_array(columns));
            json_decref(columns);
            free(copy);
        }
    }
    free(bytes);
}


enum { INT = 2, DECIMAL = 7, UTF8 = 5, LIST = 12, STRUCT = 13, MAP = 17 };

static void test_nested_types_named_as_hive(void)
{
    fb_writer w = {.len = 0};
    size_t length = fb_reserve(&w, 4);
    size_t root = fb_reserve(&w, 4);
    size_t message_slots[3], schema_slots[2];
    size_t message = fb_table(&w, 3, message_slots);
    fb_link(&w, root, message);
    w.data[message_slots[1]] = 1; /* header_type Schema */
    size_t schema = fb_table(&w, 2, schema_slots);
    fb_link(&w, message_slots[2], schema);
    size_t fields = fb_reserve(&w, 4 + 4 * 5);
    fb_put32(&w, fields, 5);
    fb_link(&w, schema_slots[1], fields);

    static const field_spec item[] = {{"item", UTF8, 0, 0, NULL, 0}};
    static const field_spec pair[] = {{"key", UTF8, 0, 0, NULL, 0}, {"value", INT, 32, 1, NULL, 0}};
    static const field_spec entries[] = {{"entries", STRUCT, 0, 0, pair, 2}};
    static const field_spec members[] = {{"city", UTF8, 0, 0, NULL, 0},
                                         {"zip", INT, 16, 1, NULL, 0}};
    static const field_spec top[] = {
        {"id", INT, 64, 1, NULL, 0},        {"price", DECIMAL, 10, 2, NULL, 0},
        {"tags", LIST, 0, 0, item, 1},      {"attrs", MAP, 0, 0, entries, 1},
        {"address", STRUCT, 0, 0, members, 2},
    };
    for (int i = 0; i < 5; i++)
        fb_link(&w, fields + 4 + 4 * (size_t)i, fb_field(&w, &top[i]));
    fb_put32(&w, length, (uint32_t)(w.len - 4));

    char err[256] = "";
    char *text = decode_text(w.data, w.len, err, sizeof err);
    if (!text)
        fprintf(stderr, "decoding failed: %s\n", err);
    CHECK_STR(text, "[{\"Name\":\"id\",\"Type\":\"bigint\"},"
                    "{\"Name\":\"price\",\"Type\":\"decimal(10,2)\"},"
                    "{\"Name\":\"tags\",\"Type\":\"array<string>\"},"
                    "{\"Name\":\"attrs\",\"Type\":\"map<string,int>\"},"
                    "{\"Name\":\"address\",\"Type\":\"struct<city:string,zip:smallint>\"}]");
    free(text);
}

int main(void)
{
    UNIT_RUN(test_sdk_schema_columns);
    UNIT_RUN(test_continuation_marker_accepted);
    UNIT_RUN(test_truncated_schema_rejected);
    UNIT_RUN(test_rejections_name_cause);
    UNIT_RUN(test_corrupted_bytes_never_crash);
    UNIT_RUN(test_nested_types_named_as_hive);
    return UNIT_SUMMARY();
}
