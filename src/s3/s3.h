/*
 * The S3 service (REST-XML, API version 2006-03-01) inside owlery serve:
 * buckets, objects, multipart uploads, listings, bucket policies, ACLs and
 * object ownership controls. Requests arrive path-style
 * (http://host:port/bucket/key) or virtual-hosted-style (Host
 * bucket.localhost or bucket.s3.localhost).
 *
 * Object bytes live in files under DATA_DIR/objects/ (see storage.h);
 * bucket, object and upload metadata live in the state store's s3_* tables.
 */
#ifndef OWL_S3_S3_H
#define OWL_S3_S3_H

#include "aws/call.h"
#include "store/store.h"

extern const owl_schema owl_s3_schema;

/*
 * Runs once the headers are in: for uploads (PutObject, UploadPart) it
 * installs a body sink that streams the body to a temporary object file
 * and raises the body limit to S3_MAX_UPLOAD_BYTES.
 */
void s3_begin(aws_call *call);

/* Serves one authenticated S3 request. */
void s3_handle(aws_call *call);

/* Largest single PUT body: 5 GiB, S3's PutObject and UploadPart limit. */
#define S3_MAX_UPLOAD_BYTES (5ull << 30)

#endif
