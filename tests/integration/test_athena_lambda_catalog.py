"""Black-box tests of LAMBDA data catalogs: database and table names through
a Query Federation SDK function (the test double athena/federation_double.sh),
invoked as the caller."""

import io
import json
import os
import zipfile

import botocore.exceptions
import pytest

from conftest import PRODUCER, PRODUCER_KEY, aws_cli, client
from test_athena import HERE, ROLE, athena, error_of

REGION = "eu-central-1"
FUNCTION = "federation-double"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{PRODUCER}:function:{FUNCTION}"


def double_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with open(os.path.join(HERE, "athena", "federation_double.sh"), "rb") as f:
            info = zipfile.ZipInfo("bootstrap")
            info.create_system = 3
            info.external_attr = 0o100755 << 16
            archive.writestr(info, f.read())
    return out.getvalue()


@pytest.fixture
def lambda1(server):
    """Deploys the double and registers it as the LAMBDA catalog lambda1."""
    client(server, "lambda", PRODUCER_KEY, region=REGION).create_function(
        FunctionName=FUNCTION, Runtime="provided.al2023", Role=ROLE, Handler="serve",
        Code={"ZipFile": double_zip()})
    ath = athena(server)
    ath.create_data_catalog(Name="lambda1", Type="LAMBDA", Parameters={"function": FUNCTION})
    return ath


def cli_json(server, *args, key=PRODUCER_KEY):
    result = aws_cli(server, key, "athena", *args, region=REGION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_list_databases_sorted_and_paged(server, lambda1):
    listed = cli_json(server, "list-databases", "--catalog-name", "lambda1")
    assert listed["DatabaseList"] == [{"Name": f"acct_{PRODUCER}", "Parameters": {}},
                                      {"Name": "ops", "Parameters": {}},
                                      {"Name": "sales", "Parameters": {}}]
    first = lambda1.list_databases(CatalogName="lambda1", MaxResults=2)
    assert [d["Name"] for d in first["DatabaseList"]] == [f"acct_{PRODUCER}", "ops"]
    second = lambda1.list_databases(CatalogName="lambda1", MaxResults=2,
                                    NextToken=first["NextToken"])
    assert [d["Name"] for d in second["DatabaseList"]] == ["sales"]
    assert "NextToken" not in second


def test_get_database(server, lambda1):
    got = cli_json(server, "get-database", "--catalog-name", "lambda1", "--database-name",
                   "sales")
    assert got == {"Database": {"Name": "sales", "Parameters": {}}}
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda1.get_database(CatalogName="lambda1", DatabaseName="nope")
    assert error_of(excinfo) == (
        "MetadataException", "Database nope was not found in data catalog lambda1", 400)


def test_list_table_metadata_follows_pages(server, lambda1):
    first = lambda1.list_table_metadata(CatalogName="lambda1", DatabaseName="sales")
    assert first["TableMetadataList"] == [
        {"Name": "orders", "Columns": [], "PartitionKeys": [], "Parameters": {}},
        {"Name": "customers", "Columns": [], "PartitionKeys": [], "Parameters": {}}]
    assert first["NextToken"] == "page2"
    listed = cli_json(server, "list-table-metadata", "--catalog-name", "lambda1",
                      "--database-name", "sales")
    assert [t["Name"] for t in listed["TableMetadataList"]] == ["orders", "customers", "items"]
    empty = lambda1.list_table_metadata(CatalogName="lambda1", DatabaseName="ops")
    assert empty["TableMetadataList"] == []


def test_function_error_names_request(server, lambda1):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda1.list_table_metadata(CatalogName="lambda1", DatabaseName="nope")
    assert error_of(excinfo) == (
        "MetadataException",
        f"The metadata function {FUNCTION_ARN} of data catalog lambda1 failed on "
        "ListTablesRequest: SchemaNotFoundException: schema nope not found", 400)


def test_get_table_metadata_from_arrow_schema(server, lambda1):
    got = cli_json(server, "get-table-metadata", "--catalog-name", "lambda1", "--database-name",
                   "sales", "--table-name", "orders")
    assert got == {"TableMetadata": {
        "Name": "orders", "Columns": [{"Name": "col3", "Type": "string"}],
        "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "month", "Type": "int"},
                          {"Name": "day", "Type": "int"}],
        "Parameters": {}}}


def test_get_table_metadata_errors(server, lambda1):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda1.get_table_metadata(CatalogName="lambda1", DatabaseName="sales",
                                   TableName="broken")
    assert error_of(excinfo) == (
        "MetadataException",
        f"The metadata function {FUNCTION_ARN} of data catalog lambda1 returned an invalid "
        "GetTableResponse: schema is not a base64 string", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lambda1.get_table_metadata(CatalogName="lambda1", DatabaseName="sales",
                                   TableName="nope")
    assert error_of(excinfo) == (
        "MetadataException",
        f"The metadata function {FUNCTION_ARN} of data catalog lambda1 failed on "
        "GetTableRequest: TableNotFoundException: table sales.nope not found", 400)


def test_caller_needs_invoke_permission(server, lambda1):
    iam = client(server, "iam", PRODUCER_KEY)
    iam.create_user(UserName="athena-only")
    iam.put_user_policy(UserName="athena-only", PolicyName="athena", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "athena:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="athena-only")["AccessKey"]
    user = athena(server, key=(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        user.list_databases(CatalogName="lambda1")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("MetadataException", 400)
    assert message.startswith(
        f"Cannot invoke the metadata function {FUNCTION_ARN} of data catalog lambda1: "
        f"AccessDeniedException: User: arn:aws:iam::{PRODUCER}:user/athena-only is not "
        "authorized to perform: lambda:InvokeFunction"), message
