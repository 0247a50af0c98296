/*
 * Helpers and operation handlers shared by the Lambda API files (api.c,
 * permission.c, invoke.c, service.c).
 */
#ifndef OWL_LAMBDA_API_H
#define OWL_LAMBDA_API_H

#include "lambda/internal.h"

/* Replies ResourceNotFoundException "Function not found: ARN". */
void lambda_api_not_found(aws_call *call, const lambda_ref *ref);
/* Replies ServiceException for a failed store access. */
void lambda_api_store_failed(aws_call *call);

/*
 * Parses a function reference from the path and merges the Qualifier
 * parameter (NULL when absent). Returns false after an error reply.
 */
bool lambda_api_resolve(aws_call *call, const char *name, const char *qualifier, lambda_ref *ref);

/* Loads the version ref names ($LATEST when unqualified); replies on a store error only. */
lambda_store_status lambda_api_load(aws_call *call, sqlite3 *db, const lambda_ref *ref,
                                    lambda_function *fn);

/*
 * Authorizes action on the function (fn NULL when it does not exist, so no
 * resource policy applies). Returns false after the AccessDeniedException reply.
 */
bool lambda_api_authorize(aws_call *call, const char *action, const lambda_ref *ref,
                          const lambda_function *fn);

/*
 * Resolves name (with the Qualifier query parameter), loads that version and
 * authorizes action on it. Returns false after an error reply; on true the
 * caller frees fn.
 */
bool lambda_api_load_for_read(aws_call *call, const char *name, const char *action,
                              lambda_ref *ref, lambda_function *fn);

/* Sets a new RevisionId in config and, when modified, LastModified. */
void lambda_api_touch(json_t *config, bool modified);

/*
 * Returns true when the execution role may manage the network interfaces a
 * VPC-connected function needs (ec2:CreateNetworkInterface,
 * ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface).
 */
bool lambda_api_role_allows_vpc(aws_call *call, const char *role);

/* Operation handlers: name is the percent-decoded {FunctionName} of the path. */
void lambda_create_function(aws_call *call);
void lambda_get_function(aws_call *call, const char *name);
void lambda_get_function_configuration(aws_call *call, const char *name);
void lambda_list_functions(aws_call *call);
void lambda_list_versions(aws_call *call, const char *name);
void lambda_delete_function(aws_call *call, const char *name);
void lambda_update_function_code(aws_call *call, const char *name);
void lambda_update_function_configuration(aws_call *call, const char *name);
void lambda_publish_version(aws_call *call, const char *name);
void lambda_add_permission(aws_call *call, const char *name);
void lambda_get_policy(aws_call *call, const char *name);
void lambda_remove_permission(aws_call *call, const char *name, const char *statement_id);
void lambda_invoke(aws_call *call, const char *name);

#endif
