/*
 * libFuzzer target for the S3 request body parsers (Delete,
 * CompleteMultipartUpload, AccessControlPolicy, CreateBucketConfiguration,
 * OwnershipControls). Every input goes through all five parsers; the
 * sanitizers catch memory errors and leaks on the error paths.
 */
#include "s3/xml.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *xml = (const char *)data;
    char err[256], location[64], ownership[32];

    s3_delete_request del;
    if (s3_xml_parse_delete(xml, size, &del, err, sizeof err))
        s3_delete_request_free(&del);
    s3_complete_request complete;
    if (s3_xml_parse_complete(xml, size, &complete, err, sizeof err))
        s3_complete_request_free(&complete);
    static s3_acl acl;
    s3_xml_parse_acl(xml, size, &acl, err, sizeof err);
    s3_xml_parse_create_bucket(xml, size, location, err, sizeof err);
    s3_xml_parse_ownership(xml, size, ownership, err, sizeof err);
    return 0;
}
