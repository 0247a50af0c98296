/*
 * Athena (JSON 1.1, API version 2017-05-18, target prefix AmazonAthena):
 * data catalogs, the metadata operations that reach a catalog's metastore
 * through its Lambda function, work groups and tags.
 *
 * Catalogs and work groups belong to one account and one region. Every
 * account and region has the catalog AwsDataCatalog (type GLUE) and the
 * work group primary without creating them.
 */
#ifndef OWL_ATHENA_ATHENA_H
#define OWL_ATHENA_ATHENA_H

#include "aws/call.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

extern const owl_schema owl_athena_schema;

/* Handles one authenticated Athena call, dispatching on call->operation. */
void athena_handle(aws_call *call);

/*
 * Stops the query workers before the store closes: running queries are
 * interrupted and end CANCELLED, queued ones stay QUEUED and fail when the
 * next process starts. Later StartQueryExecution calls get
 * TooManyRequestsException.
 */
void athena_service_stop(void);

typedef enum athena_workgroup_status {
    ATHENA_WORKGROUP_FOUND,
    ATHENA_WORKGROUP_NOT_FOUND,
    ATHENA_WORKGROUP_STORE_ERROR,
} athena_workgroup_status;

/*
 * Copies the ResultConfiguration.OutputLocation of a work group (the
 * default output location of the queries that run in it) into out, or ""
 * when the work group sets none. The work group primary is always found.
 */
athena_workgroup_status athena_workgroup_output_location(sqlite3 *db, const char *account_id,
                                                         const char *region, const char *name,
                                                         char *out, size_t outlen);

#endif
