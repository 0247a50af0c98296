/*
 * Shared body of the Thrift fuzz targets (fuzz_thrift_binary.c,
 * fuzz_thrift_compact.c, fuzz_thrift_json.c). The input is read as a
 * message (header, struct, end) and, failing that, as a bare struct. When
 * it decodes, the value is encoded again in the same protocol and decoded
 * once more: the two trees must be equal and the two encodings identical.
 * Any crash, leak, sanitizer report or abort is a bug.
 */
#ifndef OWL_FUZZ_THRIFT_ROUNDTRIP_H
#define OWL_FUZZ_THRIFT_ROUNDTRIP_H

#include "thrift/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes data as a message (when message is set) or a bare struct. */
static thrift_value *fuzz_thrift_decode(thrift_protocol_id id, const uint8_t *data, size_t size, bool message,
                                        thrift_message *header)
{
    thrift_transport *t = thrift_memory_transport_new(data, size, NULL);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    thrift_error err;
    thrift_value *v = NULL;
    memset(header, 0, sizeof *header);

    bool ok = !message || thrift_protocol_read_message_begin(&p, header, &err);
    ok = ok && thrift_protocol_read_struct(&p, &v, &err);
    ok = ok && (!message || thrift_protocol_read_message_end(&p, &err));
    if (!ok) {
        thrift_value_free(v);
        v = NULL;
        thrift_message_clear(header);
    }
    thrift_transport_free(t);
    return v;
}

/* Encodes v (inside header when message is set); returns false when the writer rejects v. */
static bool fuzz_thrift_encode(thrift_protocol_id id, const thrift_value *v, bool message,
                               const thrift_message *header, owl_buf *out)
{
    thrift_transport *t = thrift_memory_transport_new(NULL, 0, out);
    thrift_protocol p;
    thrift_protocol_init(&p, id, t);
    thrift_error err;
    bool ok = !message || thrift_protocol_write_message_begin(&p, header, &err);
    ok = ok && thrift_protocol_write_struct(&p, v, &err);
    ok = ok && (!message || thrift_protocol_write_message_end(&p, &err));
    thrift_transport_free(t);
    return ok;
}

static void fuzz_thrift_fail(const char *what, const thrift_value *a, const thrift_value *b)
{
    owl_buf text = OWL_BUF_INIT;
    thrift_value_print(&text, a);
    owl_buf_puts(&text, "\n");
    thrift_value_print(&text, b);
    fprintf(stderr, "fuzz_thrift: %s\n%s\n", what, text.data);
    owl_buf_free(&text);
    abort();
}

static int fuzz_thrift_roundtrip(thrift_protocol_id id, const uint8_t *data, size_t size)
{
    thrift_message header, header2;
    bool message = true;
    thrift_value *v = fuzz_thrift_decode(id, data, size, true, &header);
    if (!v) {
        message = false;
        v = fuzz_thrift_decode(id, data, size, false, &header);
    }
    if (!v)
        return 0;

    owl_buf first = OWL_BUF_INIT, second = OWL_BUF_INIT;
    /* Anything a reader accepts, the writer of the same protocol must write. */
    if (!fuzz_thrift_encode(id, v, message, &header, &first))
        fuzz_thrift_fail("re-encoding failed", v, NULL);
    {
        thrift_value *again = fuzz_thrift_decode(id, (const uint8_t *)first.data, first.len, message, &header2);
        if (!again)
            fuzz_thrift_fail("re-encoded value does not decode", v, NULL);
        if (!thrift_value_equal(v, again))
            fuzz_thrift_fail("decoded values differ", v, again);
        if (message && (strcmp(header.name, header2.name) != 0 || header.type != header2.type ||
                        header.seqid != header2.seqid))
            fuzz_thrift_fail("message headers differ", v, again);
        if (!fuzz_thrift_encode(id, again, message, &header2, &second) || second.len != first.len ||
            memcmp(first.data, second.data, first.len) != 0)
            fuzz_thrift_fail("second encoding differs", v, again);
        thrift_message_clear(&header2);
        thrift_value_free(again);
    }
    owl_buf_free(&first);
    owl_buf_free(&second);
    thrift_message_clear(&header);
    thrift_value_free(v);
    return 0;
}

#endif
