/*
 * libFuzzer target for object key and path handling: key validation,
 * listing URL and XML encoding, continuation tokens, virtual-hosted Host
 * parsing and bucket name rules. The whole input is used as a
 * percent-encoded key, a Host header value and a bucket name.
 */
#include "common/buf.h"
#include "common/util.h"
#include "s3/list.h"
#include "s3/name.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    size_t decoded_len = 0;
    char *decoded = owl_percent_decode(text, size, false, &decoded_len);
    if (decoded) {
        s3_key_status status = s3_key_check(decoded, decoded_len);
        if (status == S3_KEY_OK) {
            owl_buf out = OWL_BUF_INIT;
            s3_url_encode(&out, decoded);
            s3_xml_text(&out, decoded);
            owl_buf_free(&out);
            char *token = s3_list_token_encode(decoded);
            char *back = s3_list_token_decode(token);
            if (!back || strcmp(back, decoded) != 0)
                abort(); /* a token must decode to the key it was made from */
            free(back);
            free(token);
        }
        free(decoded);
    }
    free(s3_list_token_decode(text));
    char bucket[256], err[256];
    s3_host_bucket(text, bucket, sizeof bucket);
    s3_bucket_name_valid(text, err, sizeof err);
    free(text);
    return 0;
}
