/*
 * Parsers for the XML request bodies of S3 (API version 2006-03-01):
 * Delete (DeleteObjects), CompleteMultipartUpload, AccessControlPolicy
 * (PutBucketAcl, PutObjectAcl), CreateBucketConfiguration and
 * OwnershipControls. They run expat with namespaces, ignore the namespace
 * URI of elements (clients send S3's or none), reject a DOCTYPE (so no
 * entity expansion) and stop at S3_XML_MAX_DEPTH levels or S3_XML_MAX_NODES
 * elements.
 *
 * Each returns false with a message in err when the document is not
 * well-formed or does not have the expected shape; S3 reports both as
 * MalformedXML (or MalformedACLError for an AccessControlPolicy).
 */
#ifndef OWL_S3_XML_H
#define OWL_S3_XML_H

#include "s3/acl.h"

#include <stdbool.h>
#include <stddef.h>

#define S3_XML_MAX_DEPTH 16
#define S3_XML_MAX_NODES 50000
/* DeleteObjects takes at most 1000 keys, S3's limit. */
#define S3_DELETE_MAX_KEYS 1000
#define S3_MAX_PARTS 10000

typedef struct s3_delete_request {
    char **keys; /* each malloc'ed */
    size_t count;
    bool quiet;
} s3_delete_request;

bool s3_xml_parse_delete(const char *xml, size_t len, s3_delete_request *out, char *err,
                         size_t errlen);
void s3_delete_request_free(s3_delete_request *request);

typedef struct s3_complete_part {
    int part_number;
    char etag[80]; /* without quotes */
} s3_complete_part;

typedef struct s3_complete_request {
    s3_complete_part *parts;
    size_t count;
} s3_complete_request;

bool s3_xml_parse_complete(const char *xml, size_t len, s3_complete_request *out, char *err,
                           size_t errlen);
void s3_complete_request_free(s3_complete_request *request);

/* Fills location (size 64) with LocationConstraint, "" when the element is absent. */
bool s3_xml_parse_create_bucket(const char *xml, size_t len, char location[64], char *err,
                                size_t errlen);

/* Fills acl from an AccessControlPolicy document. */
bool s3_xml_parse_acl(const char *xml, size_t len, s3_acl *acl, char *err, size_t errlen);

/* Fills ownership (size 32) with the ObjectOwnership of the single rule. */
bool s3_xml_parse_ownership(const char *xml, size_t len, char ownership[32], char *err,
                            size_t errlen);

#endif
