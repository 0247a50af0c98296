/*
 * IAM, Query protocol (API version 2010-05-08): users, access keys, groups,
 * roles, inline and managed policies, attachments and tags. IAM is a global
 * service, so a call signed for any region reaches the same entities.
 */
#ifndef OWL_IAM_IAM_API_H
#define OWL_IAM_IAM_API_H

#include "aws/call.h"

#define IAM_XML_NAMESPACE "https://iam.amazonaws.com/doc/2010-05-08/"

/* Handles one authenticated IAM call: call->form holds the parameters. */
void iam_handle(aws_call *call);

#endif
