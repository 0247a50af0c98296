/*
 * STS, Query protocol (API version 2011-06-15).
 */
#ifndef OWL_IAM_STS_H
#define OWL_IAM_STS_H

#include "aws/call.h"

#define STS_XML_NAMESPACE "https://sts.amazonaws.com/doc/2011-06-15/"

/* Returns true when action is an STS operation name (routing of unsigned Query calls). */
bool sts_is_action(const char *action);

/* Handles one authenticated STS call: call->form holds the parameters. */
void sts_handle(aws_call *call);

#endif
