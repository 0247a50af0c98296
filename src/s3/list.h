/*
 * The listing walk shared by ListObjects, ListObjectsV2 and
 * ListMultipartUploads: keys in UTF-8 byte order after a resume point,
 * limited to a prefix, with keys that contain the delimiter after the
 * prefix rolled up into CommonPrefixes, and at most max_keys entries
 * (keys plus common prefixes) per page.
 *
 * The walk reads keys through a seek callback, so it runs the same over
 * the state store and over a sorted array in the unit tests.
 */
#ifndef OWL_S3_LIST_H
#define OWL_S3_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* S3's largest page. */
#define S3_LIST_MAX_KEYS 1000

typedef struct s3_list_entry {
    char *key; /* malloc'ed */
    int64_t size;
    char etag[80];
    int64_t last_modified_ms;
    char owner_account[16];
    char upload_id[40];
} s3_list_entry;

/*
 * Finds the first key >= from (> from when exclusive) and fills entry.
 * Returns false when there is none.
 */
typedef bool (*s3_list_seek_fn)(void *arg, const char *from, bool exclusive, s3_list_entry *entry);

typedef struct s3_list_params {
    const char *prefix;    /* "" for none */
    const char *delimiter; /* "" for none */
    /* Resume point (marker, start-after or decoded continuation token); "" for none. */
    const char *after;
    int max_keys;
} s3_list_params;

typedef struct s3_list_result {
    s3_list_entry *entries;
    size_t count;
    char **common_prefixes;
    size_t prefix_count;
    bool is_truncated;
    /* The last key or common prefix of the page (malloc'ed), or NULL; the next resume point. */
    char *last;
} s3_list_result;

/*
 * Lists one page. Keys after `after` are listed; when `after` is itself a
 * common prefix (it ends with the delimiter right after the prefix part),
 * every key under it is skipped, so a page that ended on a common prefix
 * resumes after it.
 */
void s3_list_run(const s3_list_params *params, s3_list_seek_fn seek, void *arg,
                 s3_list_result *result);
void s3_list_result_free(s3_list_result *result);

/*
 * Continuation tokens are the hex encoding of the resume point.
 * s3_list_token_decode returns a malloc'ed string, or NULL when the token is
 * not one this server issued.
 */
char *s3_list_token_encode(const char *after);
char *s3_list_token_decode(const char *token);

#endif
