/*
 * Spilled responses: a metastore function whose response exceeds its spill
 * threshold (4 MiB by default in the reference connector) writes the
 * serialized apiResponse to <spill location>/<function name>/<request id>
 * in S3 and returns that path with "spilled": true.
 *
 * Athena reads the object as its caller. The read is a GetObject that runs
 * through the S3 service itself (s3_handle) with the caller's identity, so
 * bucket policies, ACLs and identity policies decide as for the caller's own
 * GET. At most SPILL_MAX_BYTES are read,
 * the size limit of one Thrift message.
 */
#include "athena/internal.h"

#include "s3/s3.h"
#include "thrift/protocol.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPILL_MAX_BYTES THRIFT_DEFAULT_MAX_MESSAGE_SIZE

/* Appends the path-style request target /BUCKET/KEY, percent-encoding the key. */
static void spill_target(owl_buf *out, const char *bucket, size_t bucket_len, const char *key)
{
    owl_buf_putc(out, '/');
    owl_buf_append(out, bucket, bucket_len);
    owl_buf_putc(out, '/');
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p))
            owl_buf_putc(out, (char)*p);
        else
            owl_buf_printf(out, "%%%02X", *p);
    }
}

/* Copies the text of the first <tag>...</tag> in xml into out ("" when absent). */
static void xml_element(const char *xml, const char *tag, char *out, size_t outlen)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *start = xml ? strstr(xml, open) : NULL;
    const char *end = start ? strstr(start, close) : NULL;
    out[0] = '\0';
    if (start && end) {
        start += strlen(open);
        snprintf(out, outlen, "%.*s", (int)(end - start), start);
    }
}

/* Reads length bytes at offset of fd into out. Returns false with the reason in err. */
static bool read_body_file(int fd, uint64_t offset, uint64_t length, owl_buf *out, char *err,
                           size_t errlen)
{
    owl_buf_reserve(out, (size_t)length);
    uint64_t done = 0;
    while (done < length) {
        ssize_t n = pread(fd, out->data + out->len, (size_t)(length - done),
                          (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "reading the object failed: %s",
                     n < 0 ? strerror(errno) : "unexpected end of file");
            return false;
        }
        out->len += (size_t)n;
        done += (uint64_t)n;
    }
    out->data[out->len] = '\0';
    return true;
}

bool athena_spill_read(aws_call *call, const char *s3_path, owl_buf *out, char *err,
                       size_t errlen)
{
    const char *bucket = s3_path + 5;
    const char *slash = strncmp(s3_path, "s3://", 5) == 0 ? strchr(bucket, '/') : NULL;
    if (!slash || slash == bucket || slash[1] == '\0') {
        snprintf(err, errlen, "the spill path is not of the form s3://bucket/key");
        return false;
    }

    /* A GET request made as the caller, whose response goes to a private http_response. */
    owl_buf target = OWL_BUF_INIT;
    spill_target(&target, bucket, (size_t)(slash - bucket), slash + 1);
    http_request request = {.method = "GET", .raw_path = target.data, .raw_query = ""};
    snprintf(request.request_id, sizeof request.request_id, "%s", call->req->request_id);
    http_response response = {0};
    aws_call shadow = *call;
    shadow.req = &request;
    shadow.resp = &response;
    shadow.protocol = AWS_PROTOCOL_REST_XML;
    shadow.service = "s3";
    shadow.form = (aws_form){0};
    shadow.operation[0] = '\0';
    shadow.error_code[0] = '\0';
    s3_handle(&shadow);

    bool ok = false;
    if (response.status == 200 && response.has_body_fd) {
        if (response.body_length > SPILL_MAX_BYTES)
            snprintf(err, errlen, "the object is %llu bytes, over the limit of %u bytes",
                     (unsigned long long)response.body_length, SPILL_MAX_BYTES);
        else
            ok = read_body_file(response.body_fd, response.body_offset, response.body_length,
                                out, err, errlen);
    } else if (response.status == 200) {
        owl_buf_append(out, response.body.data ? response.body.data : "", response.body.len);
        ok = true;
    } else {
        char code[64], message[400];
        xml_element(response.body.data, "Code", code, sizeof code);
        xml_element(response.body.data, "Message", message, sizeof message);
        snprintf(err, errlen, "S3 GetObject failed with HTTP %d %s: %s", response.status,
                 code[0] ? code : "error", message);
    }

    aws_form_free(&shadow.form);
    http_response_reset(&response);
    owl_buf_free(&response.body);
    owl_buf_free(&target);
    return ok;
}
