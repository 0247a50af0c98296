/*
 * Success and error encodings of the four AWS protocols. See call.h.
 */
#include "aws/call.h"

#include "common/buf.h"

#include <stdio.h>
#include <string.h>

static void call_set_body(aws_call *call, int status, const char *content_type, owl_buf *body)
{
    http_response_set_body(call->resp, status, content_type, body->data ? body->data : "",
                           body->len);
}

void aws_call_verror(aws_call *call, int status, const char *code, const char *fmt, va_list ap)
{
    owl_buf message = OWL_BUF_INIT;
    owl_buf_vprintf(&message, fmt, ap);
    snprintf(call->error_code, sizeof call->error_code, "%s", code);

    owl_buf body = OWL_BUF_INIT;
    switch (call->protocol) {
    case AWS_PROTOCOL_JSON: {
        json_t *error = json_pack("{s:s, s:s}", "__type", code, "message", message.data);
        char *text = json_dumps(error, JSON_COMPACT);
        owl_buf_puts(&body, text ? text : "{}");
        free(text);
        json_decref(error);
        call_set_body(call, status, "application/x-amz-json-1.1", &body);
        break;
    }
    case AWS_PROTOCOL_REST_JSON: {
        json_t *error = json_pack("{s:s, s:s}", "Type", status >= 500 ? "Service" : "User",
                                  "message", message.data);
        char *text = json_dumps(error, JSON_COMPACT);
        owl_buf_puts(&body, text ? text : "{}");
        free(text);
        json_decref(error);
        call_set_body(call, status, "application/json", &body);
        http_response_add_header(call->resp, "x-amzn-ErrorType", code);
        break;
    }
    case AWS_PROTOCOL_REST_XML:
        owl_buf_puts(&body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
        owl_buf_put_xml_escaped(&body, code);
        owl_buf_puts(&body, "</Code><Message>");
        owl_buf_put_xml_escaped(&body, message.data);
        owl_buf_puts(&body, "</Message><RequestId>");
        owl_buf_put_xml_escaped(&body, call->req->request_id);
        owl_buf_puts(&body, "</RequestId><HostId>");
        owl_buf_put_xml_escaped(&body, call->req->request_id);
        owl_buf_puts(&body, "</HostId></Error>");
        call_set_body(call, status, "application/xml", &body);
        break;
    case AWS_PROTOCOL_QUERY:
        owl_buf_printf(&body, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>%s</Type>\n    <Code>",
                       call->xml_namespace ? call->xml_namespace : "",
                       status >= 500 ? "Receiver" : "Sender");
        owl_buf_put_xml_escaped(&body, code);
        owl_buf_puts(&body, "</Code>\n    <Message>");
        owl_buf_put_xml_escaped(&body, message.data);
        owl_buf_puts(&body, "</Message>\n  </Error>\n  <RequestId>");
        owl_buf_put_xml_escaped(&body, call->req->request_id);
        owl_buf_puts(&body, "</RequestId>\n</ErrorResponse>\n");
        call_set_body(call, status, "text/xml", &body);
        break;
    }
    owl_buf_free(&body);
    owl_buf_free(&message);
}

void aws_call_error(aws_call *call, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aws_call_verror(call, status, code, fmt, ap);
    va_end(ap);
}

void aws_call_query_result(aws_call *call, const char *result_xml)
{
    owl_buf body = OWL_BUF_INIT;
    owl_buf_printf(&body, "<%sResponse xmlns=\"%s\">\n  <%sResult>\n%s  </%sResult>\n"
                          "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n"
                          "  </ResponseMetadata>\n</%sResponse>\n",
                   call->operation, call->xml_namespace ? call->xml_namespace : "",
                   call->operation, result_xml, call->operation, call->req->request_id,
                   call->operation);
    call_set_body(call, 200, "text/xml", &body);
    owl_buf_free(&body);
}

void aws_call_json_result(aws_call *call, int status, json_t *result)
{
    char *text = json_dumps(result, JSON_COMPACT);
    json_decref(result);
    http_response_set_body(call->resp, status,
                           call->protocol == AWS_PROTOCOL_JSON ? "application/x-amz-json-1.1"
                                                               : "application/json",
                           text ? text : "{}", text ? strlen(text) : 2);
    free(text);
}

int aws_call_forward_chunked_data(void *ctx, const uint8_t *data, size_t len)
{
    aws_call *call = ctx;
    if (!call->chunked_data)
        return -1;
    return call->chunked_data(call->chunked_data_ctx, data, len);
}

void aws_call_free_chunked(aws_call *call)
{
    sigv4_chunked_free(call->chunked);
    call->chunked = NULL;
    call->chunked_data = NULL;
    call->chunked_data_ctx = NULL;
}
