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
 * Returns true when the request is an object upload (a PUT naming a key,
 * other than PutObjectAcl), whose body s3_begin() streams to a file.
 */
bool s3_is_upload(aws_call *call);

/*
 * Runs once the headers are in, before any body byte is read. For an
 * upload the caller must have authenticated the request already (S3 signs
 * the x-amz-content-sha256 header, not the body): PutObject and UploadPart
 * are then authorized here, so a denied or anonymous upload is rejected
 * before its body is read and before any temporary file exists. An allowed
 * upload gets a body sink that streams the body to a temporary object file,
 * and its body limit is raised to S3_MAX_UPLOAD_BYTES. Returns 0 to go on
 * reading the body, or the HTTP status of the error it put in the response.
 * The handler authorizes again once the body is in.
 */
int s3_begin(aws_call *call);

/* Serves one authenticated S3 request. */
void s3_handle(aws_call *call);

/* Largest single PUT body: 5 GiB, S3's PutObject and UploadPart limit. */
#define S3_MAX_UPLOAD_BYTES (5ull << 30)

#endif
