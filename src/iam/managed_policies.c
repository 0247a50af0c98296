/*
 * AWS managed policies present in every account, sorted by ARN. The
 * documents are the default versions that the AWS Managed Policy Reference
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html)
 * publishes, with the version ID and edit time it states, re-serialized
 * compactly. Policy IDs are owlery's own, fixed so that they stay the same
 * across restarts and accounts (AWS's IDs are not published there).
 */
#include "iam/managed_policies.h"

#include <string.h>

static const iam_aws_policy aws_policies[] = {
    /* AWSLambda_FullAccess v2, created November 17, 2020, 21:14 UTC, edited March 17, 2025, 21:37 UTC. */
    {
        .name = "AWSLambda_FullAccess",
        .path = "/",
        .arn = "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
        .policy_id = "ANPARTNAHSG7SHSMXQI4U",
        .version_id = "v2",
        .description =
            "Grants full access to AWS Lambda service, AWS Lambda console features, and o"
            "ther related AWS services.",
        .created_at = 1605647640,
        .updated_at = 1742247420,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudforma"
            "tion:DescribeStacks\",\"cloudformation:ListStackResources\",\"cloudwatch:ListMet"
            "rics\",\"cloudwatch:GetMetricData\",\"ec2:DescribeSecurityGroups\",\"ec2:DescribeS"
            "ubnets\",\"ec2:DescribeVpcs\",\"kms:ListAliases\",\"iam:GetPolicy\",\"iam:GetPolicyV"
            "ersion\",\"iam:GetRole\",\"iam:GetRolePolicy\",\"iam:ListAttachedRolePolicies\",\"ia"
            "m:ListRolePolicies\",\"iam:ListRoles\",\"lambda:*\",\"logs:DescribeLogGroups\",\"sta"
            "tes:DescribeStateMachine\",\"states:ListStateMachines\",\"tag:GetResources\",\"xra"
            "y:GetTraceSummaries\",\"xray:BatchGetTraces\"],\"Resource\":\"*\"},{\"Effect\":\"Allow"
            "\",\"Action\":\"iam:PassRole\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"iam:P"
            "assedToService\":\"lambda.amazonaws.com\"}}},{\"Effect\":\"Allow\",\"Action\":[\"logs:"
            "DescribeLogStreams\",\"logs:GetLogEvents\",\"logs:FilterLogEvents\",\"logs:StartLi"
            "veTail\",\"logs:StopLiveTail\"],\"Resource\":\"arn:aws:logs:*:*:log-group:/aws/lam"
            "bda/*\"}]}",
    },
    /* AdministratorAccess v1, created February 06, 2015, 18:39 UTC, edited February 06, 2015, 18:39 UTC. NOTE: text as widely published; the v1 page of the AWS Managed Policy Reference was not re-read. */
    {
        .name = "AdministratorAccess",
        .path = "/",
        .arn = "arn:aws:iam::aws:policy/AdministratorAccess",
        .policy_id = "ANPAP4PDGQS77ZIZ42JGS",
        .version_id = "v1",
        .description =
            "Provides full access to AWS services and resources.",
        .created_at = 1423247940,
        .updated_at = 1423247940,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resourc"
            "e\":\"*\"}]}",
    },
    /* AmazonAthenaFullAccess v13, created November 30, 2016, 16:46 UTC, edited January 03, 2025, 00:37 UTC. NOTE: the reference has since published v15 (February 12, 2026), whose full text was not available here. */
    {
        .name = "AmazonAthenaFullAccess",
        .path = "/",
        .arn = "arn:aws:iam::aws:policy/AmazonAthenaFullAccess",
        .policy_id = "ANPAPV5BLX3YDGXHD4VHK",
        .version_id = "v13",
        .description =
            "Provide full access to Amazon Athena and scoped access to the dependencies n"
            "eeded to enable querying, writing results, and data management.",
        .created_at = 1480524360,
        .updated_at = 1735864620,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"BaseAthenaPermissions\",\"Effect\""
            ":\"Allow\",\"Action\":[\"athena:*\"],\"Resource\":[\"*\"]},{\"Sid\":\"BaseGluePermissions"
            "\",\"Effect\":\"Allow\",\"Action\":[\"glue:CreateDatabase\",\"glue:DeleteDatabase\",\"gl"
            "ue:GetCatalog\",\"glue:GetCatalogs\",\"glue:GetDatabase\",\"glue:GetDatabases\",\"gl"
            "ue:UpdateDatabase\",\"glue:CreateTable\",\"glue:DeleteTable\",\"glue:BatchDeleteTa"
            "ble\",\"glue:UpdateTable\",\"glue:GetTable\",\"glue:GetTables\",\"glue:BatchCreatePa"
            "rtition\",\"glue:CreatePartition\",\"glue:DeletePartition\",\"glue:BatchDeletePart"
            "ition\",\"glue:UpdatePartition\",\"glue:GetPartition\",\"glue:GetPartitions\",\"glue"
            ":BatchGetPartition\",\"glue:StartColumnStatisticsTaskRun\",\"glue:GetColumnStati"
            "sticsTaskRun\",\"glue:GetColumnStatisticsTaskRuns\",\"glue:GetCatalogImportStatu"
            "s\"],\"Resource\":[\"*\"]},{\"Sid\":\"BaseQueryResultsPermissions\",\"Effect\":\"Allow\","
            "\"Action\":[\"s3:GetBucketLocation\",\"s3:GetObject\",\"s3:ListBucket\",\"s3:ListBuck"
            "etMultipartUploads\",\"s3:ListMultipartUploadParts\",\"s3:AbortMultipartUpload\","
            "\"s3:CreateBucket\",\"s3:PutObject\",\"s3:PutBucketPublicAccessBlock\"],\"Resource\""
            ":[\"arn:aws:s3:::aws-athena-query-results-*\"]},{\"Sid\":\"BaseAthenaExamplesPerm"
            "issions\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resourc"
            "e\":[\"arn:aws:s3:::athena-examples*\"]},{\"Sid\":\"BaseS3BucketPermissions\",\"Effe"
            "ct\":\"Allow\",\"Action\":[\"s3:ListBucket\",\"s3:GetBucketLocation\",\"s3:ListAllMyBu"
            "ckets\"],\"Resource\":[\"*\"]},{\"Sid\":\"BaseSNSPermissions\",\"Effect\":\"Allow\",\"Acti"
            "on\":[\"sns:ListTopics\",\"sns:GetTopicAttributes\"],\"Resource\":[\"*\"]},{\"Sid\":\"Ba"
            "seCloudWatchPermissions\",\"Effect\":\"Allow\",\"Action\":[\"cloudwatch:PutMetricAla"
            "rm\",\"cloudwatch:DescribeAlarms\",\"cloudwatch:DeleteAlarms\",\"cloudwatch:GetMet"
            "ricData\"],\"Resource\":[\"*\"]},{\"Sid\":\"BaseLakeFormationPermissions\",\"Effect\":\""
            "Allow\",\"Action\":[\"lakeformation:GetDataAccess\"],\"Resource\":[\"*\"]},{\"Sid\":\"Ba"
            "seDataZonePermissions\",\"Effect\":\"Allow\",\"Action\":[\"datazone:ListDomains\",\"da"
            "tazone:ListProjects\",\"datazone:ListAccountEnvironments\"],\"Resource\":[\"*\"]},{"
            "\"Sid\":\"BasePricingPermissions\",\"Effect\":\"Allow\",\"Action\":[\"pricing:GetProduc"
            "ts\"],\"Resource\":[\"*\"]}]}",
    },
    /* AmazonS3FullAccess v2, created February 06, 2015, 18:40 UTC, edited September 27, 2021, 20:16 UTC. */
    {
        .name = "AmazonS3FullAccess",
        .path = "/",
        .arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        .policy_id = "ANPAWJCZEGANZUTHWJ7XP",
        .version_id = "v2",
        .description =
            "Provides full access to all buckets via the AWS Management Console.",
        .created_at = 1423248000,
        .updated_at = 1632773760,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"s3-"
            "object-lambda:*\"],\"Resource\":\"*\"}]}",
    },
    /* AmazonS3ReadOnlyAccess v3, created February 06, 2015, 18:40 UTC, edited August 10, 2023, 21:31 UTC. */
    {
        .name = "AmazonS3ReadOnlyAccess",
        .path = "/",
        .arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        .policy_id = "ANPAJ5J2AIY2PBV7PYNQ3",
        .version_id = "v3",
        .description =
            "Provides read only access to all buckets via the AWS Management Console.",
        .created_at = 1423248000,
        .updated_at = 1691703060,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\""
            "s3:List*\",\"s3:Describe*\",\"s3-object-lambda:Get*\",\"s3-object-lambda:List*\"],\""
            "Resource\":\"*\"}]}",
    },
    /* IAMFullAccess v2, created February 06, 2015, 18:40 UTC, edited June 21, 2019, 19:40 UTC. */
    {
        .name = "IAMFullAccess",
        .path = "/",
        .arn = "arn:aws:iam::aws:policy/IAMFullAccess",
        .policy_id = "ANPAID4B64YHF424STHZE",
        .version_id = "v2",
        .description =
            "Provides full access to IAM via the AWS Management Console.",
        .created_at = 1423248000,
        .updated_at = 1561146000,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:*\",\"or"
            "ganizations:DescribeAccount\",\"organizations:DescribeOrganization\",\"organizat"
            "ions:DescribeOrganizationalUnit\",\"organizations:DescribePolicy\",\"organizatio"
            "ns:ListChildren\",\"organizations:ListParents\",\"organizations:ListPoliciesForT"
            "arget\",\"organizations:ListRoots\",\"organizations:ListPolicies\",\"organizations"
            ":ListTargetsForPolicy\"],\"Resource\":\"*\"}]}",
    },
    /* AWSLambdaBasicExecutionRole v1, created April 09, 2015, 15:03 UTC, edited April 09, 2015, 15:03 UTC. */
    {
        .name = "AWSLambdaBasicExecutionRole",
        .path = "/service-role/",
        .arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        .policy_id = "ANPAF3EFAK5STBTCOON2X",
        .version_id = "v1",
        .description =
            "Provides write permissions to CloudWatch Logs.",
        .created_at = 1428591780,
        .updated_at = 1428591780,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:Creat"
            "eLogGroup\",\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}",
    },
    /* AWSLambdaVPCAccessExecutionRole v3, created February 11, 2016, 23:15 UTC, edited January 05, 2024, 22:38 UTC. */
    {
        .name = "AWSLambdaVPCAccessExecutionRole",
        .path = "/service-role/",
        .arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        .policy_id = "ANPAYMH3PCV4YAFQEQDCB",
        .version_id = "v3",
        .description =
            "Provides minimum permissions for a Lambda function to execute while accessin"
            "g a resource within a VPC - create, describe, delete network interfaces and "
            "write permissions to CloudWatch Logs.",
        .created_at = 1455232500,
        .updated_at = 1704494280,
        .document =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AWSLambdaVPCAccessExecutionPerm"
            "issions\",\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogGroup\",\"logs:CreateLogStr"
            "eam\",\"logs:PutLogEvents\",\"ec2:CreateNetworkInterface\",\"ec2:DescribeNetworkIn"
            "terfaces\",\"ec2:DescribeSubnets\",\"ec2:DeleteNetworkInterface\",\"ec2:AssignPriv"
            "ateIpAddresses\",\"ec2:UnassignPrivateIpAddresses\"],\"Resource\":\"*\"}]}",
    },
};

size_t iam_aws_policy_count(void)
{
    return sizeof aws_policies / sizeof aws_policies[0];
}

const iam_aws_policy *iam_aws_policy_at(size_t index)
{
    return index < iam_aws_policy_count() ? &aws_policies[index] : NULL;
}

const iam_aws_policy *iam_aws_policy_find(const char *arn)
{
    for (size_t i = 0; i < iam_aws_policy_count(); i++)
        if (strcmp(aws_policies[i].arn, arn) == 0)
            return &aws_policies[i];
    return NULL;
}
