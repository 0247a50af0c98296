/*
 * Spilled responses: a metastore function whose response exceeds its spill
 * threshold (4 MiB by default in the reference connector) writes the
 * serialized apiResponse to <spill location>/<function name>/<request id>
 * in S3 and returns that path with "spilled": true. Athena reads the
 * object as its caller, so the caller needs s3:GetObject on it.
 */
#include "athena/internal.h"

#include <stdio.h>
#include <string.h>

bool athena_spill_read(aws_call *call, const char *s3_path, owl_buf *out, char *err,
                       size_t errlen)
{
    (void)call;
    (void)out;
    if (strncmp(s3_path, "s3://", 5) != 0 || !strchr(s3_path + 5, '/')) {
        snprintf(err, errlen, "the spill path is not of the form s3://bucket/key");
        return false;
    }
    /* TODO: read the object through the S3 module as call->identity (s3:GetObject) once the
     * S3 service is merged; until then every spilled response fails with this message. */
    snprintf(err, errlen, "reading spilled responses from S3 is not available in this owlery build");
    return false;
}
