/*
 * Metastore calls served in process; see local.h.
 */
#include "hms/local.h"

#include "hms/hms.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Appends the binary-protocol CALL message of method(args) to out. */
static bool local_encode_call(const char *method, const thrift_value *args, owl_buf *out,
                              thrift_error *terr)
{
    thrift_transport *t = thrift_memory_transport_new(NULL, 0, out);
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, t);
    thrift_message m = {.name = (char *)method, .type = THRIFT_CALL, .seqid = 1};
    bool ok = thrift_protocol_write_message_begin(&p, &m, terr) &&
              thrift_protocol_write_struct(&p, args, terr) &&
              thrift_protocol_write_message_end(&p, terr) && thrift_transport_flush(t, terr);
    thrift_transport_free(t);
    return ok;
}

/* Decodes the reply message in reply into *result, or fills err. */
static bool local_decode_reply(const char *method, const owl_buf *reply, thrift_value **result,
                               hms_error *err)
{
    thrift_transport *t = thrift_memory_transport_new(reply->data, reply->len, NULL);
    thrift_protocol p;
    thrift_protocol_init(&p, THRIFT_PROTOCOL_BINARY, t);
    p.limits.max_string_length = SIZE_MAX;
    p.limits.max_container_count = SIZE_MAX;
    p.limits.max_message_size = SIZE_MAX;
    thrift_message m = {0};
    thrift_value *body = NULL;
    thrift_error terr = {{0}};
    bool ok = false;

    if (!thrift_protocol_read_message_begin(&p, &m, &terr) ||
        !thrift_protocol_read_struct(&p, &body, &terr) ||
        !thrift_protocol_read_message_end(&p, &terr)) {
        hms_error_set(err, HMS_ERROR_CONFIG, "in-process metastore: cannot decode the reply to %s: %s",
                   method, terr.message);
    } else if (m.type == THRIFT_EXCEPTION) {
        const char *text = thrift_struct_get_string(body, HMS_APPLICATION_EXCEPTION_MESSAGE, NULL);
        int32_t type = HMS_APP_UNKNOWN;
        thrift_struct_get_i32(body, HMS_APPLICATION_EXCEPTION_TYPE, &type);
        hms_error_set(err, HMS_ERROR_APPLICATION,
                   "in-process metastore rejected %s: TApplicationException %s (%d): %s", method,
                   hms_application_exception_type_name(type), (int)type,
                   text ? text : "(no message)");
    } else if (m.type != THRIFT_REPLY || strcmp(m.name, method) != 0) {
        hms_error_set(err, HMS_ERROR_CONFIG,
                   "in-process metastore: expected a reply to %s, got message type %d for "
                   "\"%.100s\"",
                   method, (int)m.type, m.name);
    } else {
        *result = body;
        body = NULL;
        ok = true;
    }
    thrift_value_free(body);
    thrift_message_clear(&m);
    thrift_transport_free(t);
    return ok;
}

bool hms_local_call(void *service, const char *method, const thrift_value *args,
                    thrift_value **result, hms_error *err)
{
    *result = NULL;
    if (err) {
        err->kind = HMS_ERROR_NONE;
        err->message[0] = '\0';
    }
    if (!args || args->type != THRIFT_STRUCT)
        return hms_error_set(err, HMS_ERROR_CONFIG, "arguments of %s must be a struct", method);

    owl_buf request = OWL_BUF_INIT, reply = OWL_BUF_INIT;
    thrift_error terr = {{0}};
    bool ok = false;
    if (!local_encode_call(method, args, &request, &terr)) {
        hms_error_set(err, HMS_ERROR_CONFIG, "in-process metastore: cannot encode the call %s: %s",
                   method, terr.message);
        goto out;
    }

    /* One transport reads the call and collects the reply. */
    thrift_transport *t = thrift_memory_transport_new(request.data, request.len, &reply);
    bool handled = hms_service_handle_message(service, t, t, "in-process");
    thrift_transport_free(t);
    if (!handled && reply.len == 0) {
        hms_error_set(err, HMS_ERROR_APPLICATION,
                   "in-process metastore rejected the call %s without a reply (see the log)",
                   method);
        goto out;
    }
    ok = local_decode_reply(method, &reply, result, err);
out:
    owl_buf_free(&request);
    owl_buf_free(&reply);
    return ok;
}
