/*
 * The AWS managed policies present in every account under arn:aws:iam::aws:policy/.
 * They are read-only: accounts attach them but cannot version or delete
 * them. The table is static data compiled into owlery.
 */
#ifndef OWL_IAM_MANAGED_POLICIES_H
#define OWL_IAM_MANAGED_POLICIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct iam_aws_policy {
    const char *name;
    /* "/" or "/service-role/". */
    const char *path;
    const char *arn;
    /* ANPA + 17 characters. */
    const char *policy_id;
    /* The default (and only served) version, e.g. "v13". */
    const char *version_id;
    const char *description;
    /* Unix seconds. */
    int64_t created_at;
    int64_t updated_at;
    /* The policy document, JSON. */
    const char *document;
} iam_aws_policy;

/* Number of AWS managed policies; they are sorted by ARN. */
size_t iam_aws_policy_count(void);
/* Returns the policy at index (0 <= index < count), or NULL past the end. */
const iam_aws_policy *iam_aws_policy_at(size_t index);
/* Returns the AWS managed policy with this ARN, or NULL. */
const iam_aws_policy *iam_aws_policy_find(const char *arn);

#endif
