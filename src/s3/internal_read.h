/*
 * Reads of S3 objects by services inside owlery that act as their caller:
 * Athena lists a table's location and reads its data files and query
 * results. Nothing goes through HTTP. The functions authorize exactly as
 * the S3 API would for the caller (identity policies, bucket policy and
 * ACLs through iam_authorize), then return the local file that contains
 * each object's bytes, DATA_DIR/objects/<id>.
 *
 * NOTE: the path stays valid only while the object is not overwritten or
 * deleted; a PUT of the same key during a query removes the file the
 * query reads, and the read then fails.
 */
#ifndef OWL_S3_INTERNAL_READ_H
#define OWL_S3_INTERNAL_READ_H

#include "aws/call.h"

#include <stddef.h>
#include <stdint.h>

typedef enum s3_read_status {
    S3_READ_OK,
    S3_READ_DENIED,    /* AccessDenied: err is S3's message naming principal, action, resource */
    S3_READ_NOT_FOUND, /* NoSuchBucket or NoSuchKey */
    S3_READ_ERROR,     /* the state store failed */
} s3_read_status;

/* One object and the local file with its bytes. */
typedef struct s3_read_object {
    char *key;  /* malloc'ed */
    char *path; /* malloc'ed DATA_DIR/objects/<id> */
    uint64_t size;
} s3_read_object;

typedef struct s3_read_list {
    s3_read_object *items;
    size_t count;
} s3_read_list;

/*
 * Lists every object of bucket whose key starts with prefix, as
 * call->identity: s3:ListBucket on the bucket with condition key s3:prefix,
 * then s3:GetObject on each object listed. Keys ending in '/' (folder
 * markers) and keys whose last segment starts with '_' or '.' (Hadoop's
 * hidden files such as _SUCCESS) are skipped, as Hive's readers skip them.
 * On any status but S3_READ_OK, err contains the reason naming the bucket or
 * object and *out is empty. Free *out with s3_read_list_free().
 */
s3_read_status s3_read_prefix(aws_call *call, const char *bucket, const char *prefix,
                              s3_read_list *out, char *err, size_t errlen);

/* Looks up one object as call->identity, authorizing s3:GetObject. */
s3_read_status s3_read_object_find(aws_call *call, const char *bucket, const char *key,
                                   s3_read_object *out, char *err, size_t errlen);

void s3_read_object_clear(s3_read_object *object);
void s3_read_list_free(s3_read_list *list);

#endif
