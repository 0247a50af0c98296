/*
 * Thrift transcoder for the python3-thrift cross-check, and its unit tests.
 *
 * With no arguments it runs the unit tests below, like every test_*.c.
 * With arguments it transcodes stdin to stdout:
 *
 *     test_thrift_transcode --transcode FROM TO [--message] [--binary-path P]...
 *
 * FROM and TO are binary, compact or json. The input is one struct, or with
 * --message one message (header, one struct, end). Each --binary-path names
 * a field-id path such as "8" whose strings are binary (see
 * thrift_protocol.binary_paths). Exit status: 0 on success, 1 when the
 * input is rejected (the error goes to stderr), 2 on a usage error.
 * tests/integration/test_thrift_crosscheck.py drives this mode.
 */
#include "thrift/protocol.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

#define MAX_BINARY_PATHS 16

struct transcode_options {
    thrift_protocol_id from, to;
    bool message;
    const char *binary_paths[MAX_BINARY_PATHS + 1];
};

/* Reads one struct or message from in (protocol from) and writes it to out (protocol to). */
static bool transcode(const struct transcode_options *opt, const void *in, size_t in_len, owl_buf *out,
                      thrift_error *err)
{
    thrift_transport *src = thrift_memory_transport_new(in, in_len, NULL);
    thrift_transport *dst = thrift_memory_transport_new(NULL, 0, out);
    thrift_protocol r, w;
    thrift_protocol_init(&r, opt->from, src);
    thrift_protocol_init(&w, opt->to, dst);
    r.binary_paths = opt->binary_paths;

    thrift_message m = {0};
    thrift_value *v = NULL;
    bool ok = true;
    if (opt->message)
        ok = thrift_protocol_read_message_begin(&r, &m, err);
    ok = ok && thrift_protocol_read_struct(&r, &v, err);
    if (opt->message)
        ok = ok && thrift_protocol_read_message_end(&r, err);
    if (ok && thrift_transport_remaining(src) != 0)
        ok = thrift_error_set(err, "%zu bytes of trailing data", thrift_transport_remaining(src));

    if (ok && opt->message)
        ok = thrift_protocol_write_message_begin(&w, &m, err);
    ok = ok && thrift_protocol_write_struct(&w, v, err);
    if (opt->message)
        ok = ok && thrift_protocol_write_message_end(&w, err);

    thrift_message_clear(&m);
    thrift_value_free(v);
    thrift_transport_free(src);
    thrift_transport_free(dst);
    return ok;
}

static int usage(const char *problem)
{
    fprintf(stderr,
            "test_thrift_transcode: %s\n"
            "usage: test_thrift_transcode --transcode FROM TO [--message] [--binary-path P]... < in > out\n"
            "  FROM, TO: binary, compact or json\n",
            problem);
    return 2;
}

static int run_transcoder(int argc, char **argv)
{
    struct transcode_options opt = {0};
    size_t paths = 0;
    if (argc < 4 || strcmp(argv[1], "--transcode") != 0)
        return usage("expected --transcode FROM TO");
    if (!thrift_protocol_parse_name(argv[2], &opt.from) || !thrift_protocol_parse_name(argv[3], &opt.to))
        return usage("unknown protocol name");
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--message") == 0) {
            opt.message = true;
        } else if (strcmp(argv[i], "--binary-path") == 0 && i + 1 < argc && paths < MAX_BINARY_PATHS) {
            opt.binary_paths[paths++] = argv[++i];
        } else {
            return usage("unknown or incomplete option");
        }
    }

    owl_buf in = OWL_BUF_INIT, out = OWL_BUF_INIT;
    char chunk[65536];
    ssize_t n;
    while ((n = read(STDIN_FILENO, chunk, sizeof chunk)) > 0)
        owl_buf_append(&in, chunk, (size_t)n);
    if (n < 0) {
        perror("test_thrift_transcode: read stdin");
        return 1;
    }

    thrift_error err;
    int status = 0;
    if (!transcode(&opt, in.data, in.len, &out, &err)) {
        fprintf(stderr, "test_thrift_transcode: %s\n", err.message);
        status = 1;
    } else if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        perror("test_thrift_transcode: write stdout");
        status = 1;
    }
    owl_buf_free(&in);
    owl_buf_free(&out);
    return status;
}

/* ==== Unit tests of the transcode path ==== */

/* A struct shaped like a metastore Table: names, createTime, a storage descriptor with columns. */
static thrift_value *sample_table(void)
{
    thrift_value *cols = thrift_value_new_list(THRIFT_STRUCT);
    const char *names[] = {"id", "name"}, *types[] = {"bigint", "string"};
    for (int i = 0; i < 2; i++) {
        thrift_value *col = thrift_value_new_struct();
        thrift_struct_set(col, 1, thrift_value_new_cstring(names[i]));
        thrift_struct_set(col, 2, thrift_value_new_cstring(types[i]));
        thrift_list_append(cols, col);
    }
    thrift_value *sd = thrift_value_new_struct();
    thrift_struct_set(sd, 1, cols);
    thrift_struct_set(sd, 2, thrift_value_new_cstring("s3://bucket/t"));
    thrift_struct_set(sd, 5, thrift_value_new_bool(false));

    thrift_value *params = thrift_value_new_map(THRIFT_STRING, THRIFT_STRING);
    thrift_map_put(params, thrift_value_new_cstring("EXTERNAL"), thrift_value_new_cstring("TRUE"));

    thrift_value *table = thrift_value_new_struct();
    thrift_struct_set(table, 1, thrift_value_new_cstring("t"));
    thrift_struct_set(table, 2, thrift_value_new_cstring("db"));
    thrift_struct_set(table, 4, thrift_value_new_i32(1700000000));
    thrift_struct_set(table, 7, sd);
    thrift_struct_set(table, 9, params);
    return table;
}

static void test_transcode_binary_to_json(void)
{
    thrift_value *table = sample_table();
    owl_buf binary = OWL_BUF_INIT, json = OWL_BUF_INIT;
    thrift_error err;
    CHECK(thrift_encode_struct(THRIFT_PROTOCOL_BINARY, table, &binary, &err));

    struct transcode_options opt = {.from = THRIFT_PROTOCOL_BINARY, .to = THRIFT_PROTOCOL_JSON};
    CHECK(transcode(&opt, binary.data, binary.len, &json, &err));
    CHECK_STR(json.data, "{\"1\":{\"str\":\"t\"},\"2\":{\"str\":\"db\"},\"4\":{\"i32\":1700000000},"
                         "\"7\":{\"rec\":{\"1\":{\"lst\":[\"rec\",2,{\"1\":{\"str\":\"id\"},\"2\":{\"str\":\"bigint\"}},"
                         "{\"1\":{\"str\":\"name\"},\"2\":{\"str\":\"string\"}}]},\"2\":{\"str\":\"s3://bucket/t\"},"
                         "\"5\":{\"tf\":0}}},\"9\":{\"map\":[\"str\",\"str\",1,{\"EXTERNAL\":\"TRUE\"}]}}");

    owl_buf back = OWL_BUF_INIT;
    opt = (struct transcode_options){.from = THRIFT_PROTOCOL_JSON, .to = THRIFT_PROTOCOL_BINARY};
    CHECK(transcode(&opt, json.data, json.len, &back, &err));
    CHECK_MEM(back.data, back.len, binary.data, binary.len);

    owl_buf_free(&binary);
    owl_buf_free(&json);
    owl_buf_free(&back);
    thrift_value_free(table);
}

static void test_transcode_message(void)
{
    const char json[] = "[1,\"get_table\",2,7,{\"0\":{\"rec\":{\"1\":{\"str\":\"t\"}}}}]";
    struct transcode_options opt = {.from = THRIFT_PROTOCOL_JSON, .to = THRIFT_PROTOCOL_COMPACT, .message = true};
    owl_buf compact = OWL_BUF_INIT, again = OWL_BUF_INIT;
    thrift_error err;
    CHECK(transcode(&opt, json, sizeof json - 1, &compact, &err));
    /* 0x82, REPLY << 5 | 1, seqid 7, name; field 0 struct (long form, id 0); field 1 string "t". */
    CHECK_MEM(compact.data, compact.len, "\x82\x41\x07\x09get_table\x0c\x00\x18\x01t\x00\x00", 20);

    opt = (struct transcode_options){.from = THRIFT_PROTOCOL_COMPACT, .to = THRIFT_PROTOCOL_JSON, .message = true};
    CHECK(transcode(&opt, compact.data, compact.len, &again, &err));
    CHECK_STR(again.data, json);
    owl_buf_free(&compact);
    owl_buf_free(&again);
}

static void test_transcode_rejects_trailing_data(void)
{
    struct transcode_options opt = {.from = THRIFT_PROTOCOL_BINARY, .to = THRIFT_PROTOCOL_JSON};
    owl_buf out = OWL_BUF_INIT;
    thrift_error err;
    CHECK(!transcode(&opt, "\x00\x00", 2, &out, &err));
    CHECK_STR(err.message, "1 bytes of trailing data");
    owl_buf_free(&out);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return run_transcoder(argc, argv);
    UNIT_RUN(test_transcode_binary_to_json);
    UNIT_RUN(test_transcode_message);
    UNIT_RUN(test_transcode_rejects_trailing_data);
    return UNIT_SUMMARY();
}
