/*
 * Validation of bucket policies on PutBucketPolicy, with the messages S3
 * returns in its MalformedPolicy errors. Evaluation is not here: the
 * stored document goes to iam_authorize() as the resource policy.
 */
#ifndef OWL_S3_POLICY_H
#define OWL_S3_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Largest bucket policy S3 accepts, in bytes. */
#define S3_POLICY_MAX_BYTES 20480

/*
 * Checks that text is a policy document for bucket: JSON object, Version
 * 2008-10-17 or 2012-10-17 when present, Statement (object or list) whose
 * entries have Effect Allow or Deny, Principal or NotPrincipal with valid
 * principals ("*", account IDs, IAM ARNs, canonical user IDs, service
 * names), Action or NotAction of s3: actions, and Resource or NotResource
 * ARNs inside this bucket. Returns false with S3's message in err.
 */
bool s3_policy_validate(const char *text, size_t len, const char *bucket, char *err,
                        size_t errlen);

#endif
