"""End-to-end metadata through the real chain: Athena in owlery serve invokes
the real owlery-hms-connector function (from scripts/connector-zip), which
asks a real owlery-metastore over Thrift and spills large answers to S3; the
consumer account reads everything as its own user, across regions and
accounts, exactly as the cross-account Hive metastore setup on AWS works."""

import json

import botocore.exceptions
import pytest

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, client
from test_connector import (SPILL_POLICY, connector_zip, create_execution_role,  # noqa: F401
                            deploy, hms, make_table, metastore, thrift_client)

FUNCTION = "external-hms-service-new"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{PRODUCER}:function:{FUNCTION}"
TABLE_COUNT = 5000


def consumer_user(server):
    """perf1-test of the consumer account, with Athena and invoke rights of its own."""
    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="perf1-test")
    iam.attach_user_policy(UserName="perf1-test",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonAthenaFullAccess")
    iam.put_user_policy(UserName="perf1-test", PolicyName="invoke-and-read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["lambda:InvokeFunction", "s3:GetObject"],
                       "Resource": "*"}]}))
    key = iam.create_access_key(UserName="perf1-test")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def spill_bucket_policy(allowed):
    statements = [{"Sid": "SpillForPerf1", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:user/perf1-test"},
                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mybucket/spill/*"}]
    return json.dumps({"Version": "2012-10-17", "Statement": statements if allowed else []})


def test_five_thousand_tables_list_through_spill(server, metastore, hms, connector_zip):
    ttypes = hms[1]
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(ttypes.Database("sales", "Sales data", "s3://athena-test/sales", {}))
    for i in range(TABLE_COUNT):
        hms_client.create_table(make_table(ttypes, "sales", f"t{i:05d}", partitioned=False))
    transport.close()

    producer_s3 = client(server, "s3", PRODUCER_KEY)
    producer_s3.create_bucket(Bucket="mybucket")
    create_execution_role(server, SPILL_POLICY)
    # A low threshold makes every page of 50 tables spill.
    deploy(server, connector_zip, FUNCTION, {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}",
                                             "SPILL_LOCATION": "s3://mybucket/spill",
                                             "SPILL_THRESHOLD": "4096"})
    client(server, "lambda", PRODUCER_KEY).add_permission(
        FunctionName=FUNCTION, StatementId="Id-ehms-invocation2", Action="lambda:InvokeFunction",
        Principal=f"arn:aws:iam::{CONSUMER}:user/perf1-test")

    athena = client(server, "athena", consumer_user(server), region="eu-central-1")
    athena.create_data_catalog(Name="ehms", Type="HIVE",
                               Parameters={"metadata-function": FUNCTION_ARN})

    # Without the producer's bucket policy the consumer cannot read the spilled pages.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        athena.list_table_metadata(CatalogName="ehms", DatabaseName="sales")
    message = excinfo.value.response["Error"]["Message"]
    assert excinfo.value.response["Error"]["Code"] == "MetadataException"
    assert "s3://mybucket/spill/external-hms-service-new/" in message
    assert "AccessDenied" in message

    producer_s3.put_bucket_policy(Bucket="mybucket", Policy=spill_bucket_policy(True))
    names = []
    token = None
    while True:
        args = {"CatalogName": "ehms", "DatabaseName": "sales", "MaxResults": 50}
        if token:
            args["NextToken"] = token
        page = athena.list_table_metadata(**args)
        names.extend(t["Name"] for t in page["TableMetadataList"])
        token = page.get("NextToken")
        if not token:
            break
    assert len(names) == TABLE_COUNT
    assert names == [f"t{i:05d}" for i in range(TABLE_COUNT)]

    table = athena.get_table_metadata(CatalogName="ehms", DatabaseName="sales",
                                      TableName="t00042")["TableMetadata"]
    assert table["Name"] == "t00042"
    assert [c["Name"] for c in table["Columns"]] == [c.name for c in make_table(
        ttypes, "sales", "t00042", partitioned=False).sd.cols]

    # From us-east-1 the catalog registered in eu-central-1 does not exist.
    east = client(server, "athena", CONSUMER_KEY, region="us-east-1")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        east.get_data_catalog(Name="ehms")
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestException"
