"""Black-box tests of Athena in owlery serve: data catalogs, work groups,
tags, and the metadata operations that reach a HIVE catalog's metastore
through its Lambda function, driven by Debian's AWS CLI v2 and boto3.

The metastore function is athena/connector_double.sh, a test double of the
metastore connector that returns responses from fixture files. The
fixtures hold Hive Database and Table structs encoded with python3-thrift's
TJSONProtocol from athena/hive_subset.thrift, which carries the field ids
of hive_metastore.thrift."""

import datetime
import importlib
import io
import json
import os
import subprocess
import sys
import zipfile

import botocore.exceptions
import pytest
from thrift.protocol import TJSONProtocol
from thrift.transport import TTransport

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, aws_cli, client

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = f"arn:aws:iam::{PRODUCER}:role/lambda-exec"
FUNCTION = "external-hms-service-new"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{PRODUCER}:function:{FUNCTION}"

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
ORDERS_CREATED = 1700000000


# ---------------------------------------------------------------------------
# Fixtures: Hive structs, the connector test double, helpers
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hive(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen-py")
    idl = os.path.join(HERE, "athena", "hive_subset.thrift")
    subprocess.run(["/usr/bin/thrift", "--gen", "py", "-out", str(out), idl], check=True)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("hive_subset.ttypes")
    finally:
        sys.path.remove(str(out))


def tjson(obj):
    buf = TTransport.TMemoryBuffer()
    obj.write(TJSONProtocol.TJSONProtocol(buf))
    return buf.getvalue().decode()


def make_table(hive, name, db="sales", partitioned=False):
    cols = [hive.FieldSchema(name="id", type="bigint", comment="order id"),
            hive.FieldSchema(name="amount", type="double"),
            hive.FieldSchema(name="note", type="string")]
    serde = hive.SerDeInfo(name=name, serializationLib=LAZY_SERDE,
                           parameters={"field.delim": ",", "serialization.format": ","})
    sd = hive.StorageDescriptor(cols=cols, location=f"s3://athena-test/lambda/dataset/{name}",
                                inputFormat=TEXT_INPUT, outputFormat=TEXT_OUTPUT,
                                compressed=False, numBuckets=-1, serdeInfo=serde,
                                bucketCols=[], parameters={})
    keys = [hive.FieldSchema(name="dt", type="string")] if partitioned else []
    return hive.Table(tableName=name, dbName=db, owner="hadoop", createTime=ORDERS_CREATED,
                      lastAccessTime=0, retention=0, sd=sd, partitionKeys=keys,
                      parameters={"EXTERNAL": "TRUE"}, tableType="EXTERNAL_TABLE")


def connector_files(hive):
    """Returns the response files of the connector double: name -> apiResponse."""
    sales = hive.Database(name="sales", description="Sales data",
                          locationUri="s3://athena-test/lambda/dataset",
                          parameters={"team": "producer"})
    ops = hive.Database(name="ops", locationUri="s3://athena-test/ops", parameters={})
    tables = {name: make_table(hive, name, partitioned=(name == "orders"))
              for name in ("orders", "order_items", "customers")}
    ops_tables = [make_table(hive, name, db="ops") for name in ("events", "errors", "metrics")]
    files = {
        "listDatabases": {"databases": [tjson(sales)], "nextToken": "db2"},
        "listDatabases-db2": {"databases": [tjson(ops)], "nextToken": None},
        "getDatabase-sales": {"database": tjson(sales)},
        "getDatabase-ops": {"database": tjson(ops)},
        "listTables-sales": {"tables": [tjson(tables["orders"]), tjson(tables["order_items"])],
                             "nextToken": "page2"},
        "listTables-sales-page2": {"tables": [tjson(tables["customers"])], "nextToken": None},
        "listTables-ops": {"tables": [tjson(t) for t in ops_tables], "nextToken": None},
        "getTable-sales-orders": {"tableDesc": tjson(tables["orders"])},
        "getTable-sales-broken": {"tableDesc": "{not thrift"},
    }
    return {f"responses/{name}.json": json.dumps(body).encode() for name, body in files.items()}


def connector_zip(hive):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with open(os.path.join(HERE, "athena", "connector_double.sh"), "rb") as f:
            info = zipfile.ZipInfo("bootstrap")
            info.create_system = 3
            info.external_attr = 0o100755 << 16
            archive.writestr(info, f.read())
        for name, data in connector_files(hive).items():
            archive.writestr(name, data)
    return out.getvalue()


def deploy_connector(server, hive, name=FUNCTION, handler="serve", region="us-east-1",
                     key=PRODUCER_KEY):
    lam = client(server, "lambda", key, region=region)
    created = lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                                  Handler=handler, Code={"ZipFile": connector_zip(hive)})
    return created["FunctionArn"]


def athena(server, key=PRODUCER_KEY, region="eu-central-1"):
    return client(server, "athena", key, region=region)


def error_of(excinfo):
    response = excinfo.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


def athena_error_code(excinfo):
    return excinfo.value.response.get("AthenaErrorCode")


def create_hive_catalog(ath, name="ehms", function=FUNCTION_ARN, **parameters):
    ath.create_data_catalog(Name=name, Type="HIVE", Description="external metastore",
                            Parameters={"metadata-function": function, **parameters})


# ---------------------------------------------------------------------------
# Data catalogs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1"])
def test_default_catalog_listed_everywhere(server, region):
    listed = athena(server, region=region).list_data_catalogs()
    assert listed["DataCatalogsSummary"] == [{"CatalogName": "AwsDataCatalog", "Type": "GLUE"}]
    assert "NextToken" not in listed


def test_catalog_create_get_update_delete(server):
    ath = athena(server)
    create_hive_catalog(ath)

    got = ath.get_data_catalog(Name="ehms")["DataCatalog"]
    assert got == {"Name": "ehms", "Type": "HIVE", "Description": "external metastore",
                   "Parameters": {"metadata-function": FUNCTION_ARN}}
    summaries = ath.list_data_catalogs()["DataCatalogsSummary"]
    assert summaries == [{"CatalogName": "AwsDataCatalog", "Type": "GLUE"},
                         {"CatalogName": "ehms", "Type": "HIVE"}]

    ath.update_data_catalog(Name="ehms", Type="HIVE", Description="moved",
                            Parameters={"metadata-function": "other-function",
                                        "sdk-version": "1.0"})
    got = ath.get_data_catalog(Name="ehms")["DataCatalog"]
    assert got["Description"] == "moved"
    assert got["Parameters"] == {"metadata-function": "other-function", "sdk-version": "1.0"}

    ath.delete_data_catalog(Name="ehms")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_data_catalog(Name="ehms")
    assert error_of(excinfo) == ("InvalidRequestException", "DataCatalog ehms was not found.", 400)
    assert athena_error_code(excinfo) == "INVALID_INPUT"


def test_catalog_with_cli(server):
    created = aws_cli(server, PRODUCER_KEY, "athena", "create-data-catalog", "--name", "ehms",
                      "--type", "HIVE", "--parameters", f"metadata-function={FUNCTION_ARN}",
                      region="eu-central-1")
    assert created.returncode == 0, created.stderr
    got = aws_cli(server, PRODUCER_KEY, "athena", "get-data-catalog", "--name", "ehms",
                  region="eu-central-1")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == {"DataCatalog": {
        "Name": "ehms", "Type": "HIVE", "Parameters": {"metadata-function": FUNCTION_ARN}}}

    missing = aws_cli(server, PRODUCER_KEY, "athena", "get-data-catalog", "--name", "ehms",
                      region="us-east-1")
    assert missing.returncode == 254
    assert "An error occurred (InvalidRequestException) when calling the GetDataCatalog" in \
        missing.stderr
    assert missing.stderr.rstrip().endswith(": DataCatalog ehms was not found.")


def test_catalog_visible_in_its_region_only(server):
    create_hive_catalog(athena(server, region="eu-central-1"))
    us = athena(server, region="us-east-1")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        us.get_data_catalog(Name="ehms")
    assert error_of(excinfo) == ("InvalidRequestException", "DataCatalog ehms was not found.", 400)
    assert [c["CatalogName"] for c in us.list_data_catalogs()["DataCatalogsSummary"]] == [
        "AwsDataCatalog"]
    # The same name is free in another region and in another account.
    create_hive_catalog(us)
    create_hive_catalog(athena(server, key=CONSUMER_KEY))


def test_catalog_duplicate_name(server):
    ath = athena(server)
    create_hive_catalog(ath)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_hive_catalog(ath)
    assert error_of(excinfo) == ("InvalidRequestException", "DataCatalog ehms already exists.", 400)
    assert athena_error_code(excinfo) == "INVALID_INPUT"


def test_default_catalog_is_reserved(server):
    ath = athena(server)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.create_data_catalog(Name="AwsDataCatalog", Type="GLUE",
                                Parameters={"catalog-id": PRODUCER})
    assert error_of(excinfo) == ("InvalidRequestException",
                                 "DataCatalog AwsDataCatalog already exists.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.delete_data_catalog(Name="AwsDataCatalog")
    assert error_of(excinfo) == ("InvalidRequestException",
                                 "The default data catalog AwsDataCatalog cannot be deleted", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.update_data_catalog(Name="AwsDataCatalog", Type="GLUE",
                                Parameters={"catalog-id": PRODUCER})
    assert error_of(excinfo) == ("InvalidRequestException",
                                 "The default data catalog AwsDataCatalog cannot be updated", 400)
    # Athena describes its built-in catalog as not found.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_data_catalog(Name="AwsDataCatalog")
    assert error_of(excinfo) == ("InvalidRequestException",
                                 "DataCatalog AwsDataCatalog was not found.", 400)


FUNCTION_FORMS = ("expected a function name, ACCOUNT:function:NAME or a function ARN "
                  "arn:aws:lambda:REGION:ACCOUNT:function:NAME")

INVALID_CATALOGS = [
    ("HIVE", {}, "A HIVE data catalog requires the parameter metadata-function: the name or ARN "
                 "of the Lambda function that reaches the Hive metastore"),
    ("HIVE", {"metadata-function": "arn:aws:s3:::bucket"},
     f"Invalid metadata-function 'arn:aws:s3:::bucket': {FUNCTION_FORMS}"),
    ("HIVE", {"metadata-function": "fn", "metadata-cache-ttl-seconds": "soon"},
     "Invalid metadata-cache-ttl-seconds 'soon': expected whole seconds from 0 to 86400"),
    ("HIVE", {"metadata-function": "fn", "metadata-cache-ttl-seconds": "86401"},
     "Invalid metadata-cache-ttl-seconds '86401': expected whole seconds from 0 to 86400"),
    ("LAMBDA", {"metadata-function": "fn"},
     "A LAMBDA data catalog requires either the parameter function or both metadata-function "
     "and record-function"),
    ("LAMBDA", {"function": "fn", "record-function": "fn2"},
     "A LAMBDA data catalog takes either the parameter function or the parameters "
     "metadata-function and record-function, not both"),
    ("LAMBDA", {"function": "bad name!"}, f"Invalid function 'bad name!': {FUNCTION_FORMS}"),
    ("GLUE", {}, "A GLUE data catalog requires the parameter catalog-id: the 12-digit ID of the "
                 "account that owns the Glue Data Catalog"),
    ("GLUE", {"catalog-id": "12345"}, "Invalid catalog-id '12345': expected a 12-digit account ID"),
]


@pytest.mark.parametrize("catalog_type,parameters,message", INVALID_CATALOGS)
def test_catalog_parameters_rejected(server, catalog_type, parameters, message):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        athena(server).create_data_catalog(Name="bad", Type=catalog_type, Parameters=parameters)
    assert error_of(excinfo) == ("InvalidRequestException", message, 400)
    assert athena_error_code(excinfo) == "INVALID_INPUT"


def test_catalog_name_and_type_rejected(server):
    ath = athena(server)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.create_data_catalog(Name="has space", Type="HIVE",
                                Parameters={"metadata-function": "fn"})
    assert error_of(excinfo) == (
        "InvalidRequestException",
        "Invalid data catalog name 'has space': use 1 to 127 letters, digits, underscores (_), "
        "at signs (@) or hyphens (-)", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.create_data_catalog(Name="x" * 128, Type="HIVE", Parameters={"metadata-function": "fn"})
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestException"

    # The CLI sends an enum value unchecked, so the server's own check runs.
    bad_type = aws_cli(server, PRODUCER_KEY, "athena", "create-data-catalog", "--name", "c",
                       "--type", "HIVE2", region="eu-central-1")
    assert bad_type.returncode == 254, bad_type.stderr
    assert ("1 validation error detected: Value 'HIVE2' at 'type' failed to satisfy constraint: "
            "Member must satisfy enum value set: [LAMBDA, GLUE, HIVE]") in bad_type.stderr


def test_catalog_update_and_delete_missing(server):
    ath = athena(server)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.update_data_catalog(Name="nope", Type="HIVE", Parameters={"metadata-function": "fn"})
    assert error_of(excinfo) == ("InvalidRequestException", "DataCatalog nope was not found.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.delete_data_catalog(Name="nope")
    assert error_of(excinfo) == ("InvalidRequestException", "DataCatalog nope was not found.", 400)


def test_catalog_update_keeps_parameters_unless_given(server):
    ath = athena(server)
    create_hive_catalog(ath)
    ath.update_data_catalog(Name="ehms", Type="HIVE", Description="only the description")
    got = ath.get_data_catalog(Name="ehms")["DataCatalog"]
    assert got["Parameters"] == {"metadata-function": FUNCTION_ARN}
    assert got["Description"] == "only the description"
    # The kept parameters must suit a new type.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.update_data_catalog(Name="ehms", Type="GLUE")
    assert excinfo.value.response["Error"]["Message"].startswith(
        "A GLUE data catalog requires the parameter catalog-id")


def test_catalog_list_pages(server):
    ath = athena(server)
    for name in ("c5", "c1", "c4", "c2", "c3"):
        ath.create_data_catalog(Name=name, Type="GLUE", Parameters={"catalog-id": PRODUCER})
    names, token, pages = [], None, 0
    while True:
        page = ath.list_data_catalogs(MaxResults=2, **({"NextToken": token} if token else {}))
        pages += 1
        assert len(page["DataCatalogsSummary"]) <= 2
        names += [c["CatalogName"] for c in page["DataCatalogsSummary"]]
        token = page.get("NextToken")
        if not token:
            break
    assert names == ["AwsDataCatalog", "c1", "c2", "c3", "c4", "c5"]
    assert pages == 3
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        athena(server, region="us-east-1").list_data_catalogs(MaxResults=51)
    assert excinfo.value.response["Error"]["Code"] in ("InvalidRequestException",
                                                       "ValidationException")


def test_catalog_tags(server):
    ath = athena(server)
    ath.create_data_catalog(Name="tagged", Type="HIVE", Parameters={"metadata-function": "fn"},
                            Tags=[{"Key": "team", "Value": "data"}])
    arn = f"arn:aws:athena:eu-central-1:{PRODUCER}:datacatalog/tagged"
    assert ath.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    ath.tag_resource(ResourceARN=arn, Tags=[{"Key": "cost", "Value": "42"},
                                            {"Key": "team", "Value": "ops"}])
    assert ath.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "cost", "Value": "42"}, {"Key": "team", "Value": "ops"}]
    ath.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert ath.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "cost", "Value": "42"}]

    missing = f"arn:aws:athena:eu-central-1:{PRODUCER}:datacatalog/nope"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.list_tags_for_resource(ResourceARN=missing)
    assert error_of(excinfo) == ("ResourceNotFoundException", f"{missing} was not found.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.tag_resource(ResourceARN="arn:aws:s3:::bucket", Tags=[{"Key": "k", "Value": "v"}])
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestException"


# ---------------------------------------------------------------------------
# Work groups
# ---------------------------------------------------------------------------

def test_primary_workgroup_everywhere(server):
    for region in ("us-east-1", "eu-central-1"):
        ath = athena(server, region=region)
        group = ath.get_work_group(WorkGroup="primary")["WorkGroup"]
        assert group["Name"] == "primary"
        assert group["State"] == "ENABLED"
        assert group["Configuration"]["EngineVersion"]["SelectedEngineVersion"] == "AUTO"
        assert [g["Name"] for g in ath.list_work_groups()["WorkGroups"]] == ["primary"]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        athena(server).delete_work_group(WorkGroup="primary")
    assert error_of(excinfo) == ("InvalidRequestException",
                                 "The primary work group cannot be deleted", 400)


def test_workgroup_create_get_update_delete(server):
    ath = athena(server)
    ath.create_work_group(Name="analysts", Description="ad hoc", Configuration={
        "ResultConfiguration": {"OutputLocation": "s3://results-bucket/analysts/"}},
        Tags=[{"Key": "team", "Value": "bi"}])
    group = ath.get_work_group(WorkGroup="analysts")["WorkGroup"]
    assert group["Description"] == "ad hoc"
    assert group["Configuration"]["ResultConfiguration"] == {
        "OutputLocation": "s3://results-bucket/analysts/"}
    assert isinstance(group["CreationTime"], datetime.datetime)
    assert [g["Name"] for g in ath.list_work_groups()["WorkGroups"]] == ["analysts", "primary"]
    arn = f"arn:aws:athena:eu-central-1:{PRODUCER}:workgroup/analysts"
    assert ath.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "bi"}]

    ath.update_work_group(WorkGroup="analysts", State="DISABLED", ConfigurationUpdates={
        "ResultConfigurationUpdates": {"OutputLocation": "s3://results-bucket/v2/"}})
    group = ath.get_work_group(WorkGroup="analysts")["WorkGroup"]
    assert group["State"] == "DISABLED"
    assert group["Configuration"]["ResultConfiguration"]["OutputLocation"] == \
        "s3://results-bucket/v2/"
    ath.update_work_group(WorkGroup="analysts", ConfigurationUpdates={
        "ResultConfigurationUpdates": {"RemoveOutputLocation": True}})
    group = ath.get_work_group(WorkGroup="analysts")["WorkGroup"]
    assert "OutputLocation" not in group["Configuration"].get("ResultConfiguration", {})

    ath.delete_work_group(WorkGroup="analysts")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_work_group(WorkGroup="analysts")
    assert error_of(excinfo) == ("InvalidRequestException", "WorkGroup is not found.", 400)
    assert athena_error_code(excinfo) == "INVALID_INPUT"


def test_workgroup_rejects_bad_input(server):
    ath = athena(server)
    ath.create_work_group(Name="dup")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.create_work_group(Name="dup")
    assert error_of(excinfo) == ("InvalidRequestException", "WorkGroup dup already exists.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.create_work_group(Name="out", Configuration={
            "ResultConfiguration": {"OutputLocation": "/tmp/results"}})
    assert error_of(excinfo) == (
        "InvalidRequestException",
        "Invalid OutputLocation /tmp/results: expected an S3 URI such as s3://bucket/prefix/", 400)
    for call in (lambda: ath.update_work_group(WorkGroup="nope", Description="x"),
                 lambda: ath.delete_work_group(WorkGroup="nope")):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("InvalidRequestException", "WorkGroup is not found.", 400)
    bad_name = aws_cli(server, PRODUCER_KEY, "athena", "get-work-group", "--work-group",
                       "no/slash", region="eu-central-1")
    assert bad_name.returncode == 254
    assert "Member must satisfy regular expression pattern: [a-zA-Z0-9._-]{1,128}" in \
        bad_name.stderr


def test_workgroup_with_cli(server):
    created = aws_cli(server, PRODUCER_KEY, "athena", "create-work-group", "--name", "etl",
                      "--configuration",
                      "ResultConfiguration={OutputLocation=s3://results-bucket/etl/}",
                      region="us-east-1")
    assert created.returncode == 0, created.stderr
    got = aws_cli(server, PRODUCER_KEY, "athena", "get-work-group", "--work-group", "etl",
                  region="us-east-1")
    assert got.returncode == 0, got.stderr
    group = json.loads(got.stdout)["WorkGroup"]
    assert group["Configuration"]["ResultConfiguration"]["OutputLocation"] == \
        "s3://results-bucket/etl/"
    listed = aws_cli(server, PRODUCER_KEY, "athena", "list-work-groups", region="us-east-1")
    assert [g["Name"] for g in json.loads(listed.stdout)["WorkGroups"]] == ["etl", "primary"]


# ---------------------------------------------------------------------------
# Metadata through the catalog's function
# ---------------------------------------------------------------------------

def expected_orders():
    return {
        "Name": "orders",
        "CreateTime": datetime.datetime.fromtimestamp(ORDERS_CREATED, datetime.timezone.utc),
        "TableType": "EXTERNAL_TABLE",
        "Columns": [{"Name": "id", "Type": "bigint", "Comment": "order id"},
                    {"Name": "amount", "Type": "double"},
                    {"Name": "note", "Type": "string"}],
        "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        "Parameters": {
            "EXTERNAL": "TRUE",
            "location": "s3://athena-test/lambda/dataset/orders",
            "inputformat": TEXT_INPUT,
            "outputformat": TEXT_OUTPUT,
            "serde.serialization.lib": LAZY_SERDE,
            "serde.param.field.delim": ",",
            "serde.param.serialization.format": ",",
        },
    }


def test_metadata_by_full_arn_across_regions(server, hive):
    deploy_connector(server, hive)
    ath = athena(server, region="eu-central-1")
    create_hive_catalog(ath)

    first = ath.list_databases(CatalogName="ehms")
    assert first["DatabaseList"] == [{"Name": "sales", "Description": "Sales data",
                                      "Parameters": {"team": "producer"}}]
    assert first["NextToken"] == "db2"
    second = ath.list_databases(CatalogName="ehms", NextToken="db2")
    assert second["DatabaseList"] == [{"Name": "ops", "Parameters": {}}]
    assert "NextToken" not in second

    assert ath.get_database(CatalogName="ehms", DatabaseName="sales")["Database"] == {
        "Name": "sales", "Description": "Sales data", "Parameters": {"team": "producer"}}
    assert ath.get_table_metadata(CatalogName="ehms", DatabaseName="sales",
                                  TableName="orders")["TableMetadata"] == expected_orders()

    page = ath.list_table_metadata(CatalogName="ehms", DatabaseName="sales", MaxResults=2)
    assert [t["Name"] for t in page["TableMetadataList"]] == ["orders", "order_items"]
    assert page["TableMetadataList"][0] == expected_orders()
    rest = ath.list_table_metadata(CatalogName="ehms", DatabaseName="sales",
                                   NextToken=page["NextToken"])
    assert [t["Name"] for t in rest["TableMetadataList"]] == ["customers"]
    assert "NextToken" not in rest


def test_metadata_with_cli(server, hive):
    deploy_connector(server, hive)
    create_hive_catalog(athena(server, region="eu-central-1"))
    base = ("athena", "--catalog-name", "ehms")
    databases = aws_cli(server, PRODUCER_KEY, base[0], "list-databases", *base[1:],
                        region="eu-central-1")
    assert databases.returncode == 0, databases.stderr
    assert [d["Name"] for d in json.loads(databases.stdout)["DatabaseList"]] == ["sales", "ops"]
    table = aws_cli(server, PRODUCER_KEY, base[0], "get-table-metadata", *base[1:],
                    "--database-name", "sales", "--table-name", "orders", region="eu-central-1")
    assert table.returncode == 0, table.stderr
    metadata = json.loads(table.stdout)["TableMetadata"]
    assert metadata["CreateTime"] == "2023-11-14T22:13:20+00:00"
    assert metadata["Parameters"]["serde.serialization.lib"] == LAZY_SERDE
    tables = aws_cli(server, PRODUCER_KEY, base[0], "list-table-metadata", *base[1:],
                     "--database-name", "sales", region="eu-central-1")
    assert tables.returncode == 0, tables.stderr
    assert [t["Name"] for t in json.loads(tables.stdout)["TableMetadataList"]] == [
        "orders", "order_items", "customers"]


def test_list_table_metadata_expression(server, hive):
    deploy_connector(server, hive)
    ath = athena(server)
    create_hive_catalog(ath)
    cases = {"err*|METRICS": ["errors", "metrics"], "*s": ["events", "errors", "metrics"],
             "e*t*": ["events"], "": ["events", "errors", "metrics"], "nothing": []}
    for expression, expected in cases.items():
        listed = ath.list_table_metadata(CatalogName="ehms", DatabaseName="ops",
                                         Expression=expression)
        assert [t["Name"] for t in listed["TableMetadataList"]] == expected, expression


def test_bare_function_name_resolves_in_catalog_region(server, hive):
    deploy_connector(server, hive)
    us = athena(server, region="us-east-1")
    create_hive_catalog(us, function=FUNCTION)
    assert us.get_database(CatalogName="ehms", DatabaseName="sales")["Database"]["Name"] == "sales"

    eu = athena(server, region="eu-central-1")
    create_hive_catalog(eu, function=FUNCTION)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        eu.get_database(CatalogName="ehms", DatabaseName="sales")
    eu_arn = f"arn:aws:lambda:eu-central-1:{PRODUCER}:function:{FUNCTION}"
    assert error_of(excinfo) == (
        "MetadataException",
        f"Cannot invoke the metadata function {eu_arn} of data catalog ehms: "
        f"ResourceNotFoundException: Function not found: {eu_arn}", 400)


def test_metadata_function_error(server, hive):
    deploy_connector(server, hive, handler="fail")
    ath = athena(server)
    create_hive_catalog(ath)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.list_databases(CatalogName="ehms")
    assert error_of(excinfo) == (
        "MetadataException",
        f"The metadata function {FUNCTION_ARN} of data catalog ehms failed on listDatabases: "
        "MetaException: metastore unreachable", 400)


def test_metadata_missing_objects(server, hive):
    deploy_connector(server, hive)
    ath = athena(server)
    create_hive_catalog(ath)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_table_metadata(CatalogName="ehms", DatabaseName="sales", TableName="nope")
    assert error_of(excinfo) == (
        "MetadataException",
        f"The metadata function {FUNCTION_ARN} of data catalog ehms failed on getTable: "
        "NoSuchObjectException: no metastore object for getTable sales nope", 400)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_table_metadata(CatalogName="ehms", DatabaseName="sales", TableName="broken")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("MetadataException", 400)
    assert message.startswith(
        f"The metadata function {FUNCTION_ARN} of data catalog ehms returned an invalid getTable "
        "response: the table is not a TJSONProtocol struct: ")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.list_databases(CatalogName="nope")
    assert error_of(excinfo) == ("InvalidRequestException", "DataCatalog nope was not found.", 400)


def test_metadata_request_context_names_caller(server, hive):
    deploy_connector(server, hive, handler="context")
    ath = athena(server)
    create_hive_catalog(ath)
    description = ath.get_database(CatalogName="ehms", DatabaseName="db")["Database"]["Description"]
    principal, account, invocation = description.split(" ")
    assert principal == f"arn:aws:iam::{PRODUCER}:root"
    assert account == PRODUCER
    assert len(invocation) == 36
    again = ath.get_database(CatalogName="ehms", DatabaseName="db")["Database"]["Description"]
    assert again != description, "without metadata-cache-ttl-seconds every call invokes"


def test_metadata_cache(server, hive):
    deploy_connector(server, hive, handler="context")
    ath = athena(server)
    create_hive_catalog(ath, **{"metadata-cache-ttl-seconds": "300"})
    first = ath.get_database(CatalogName="ehms", DatabaseName="db")["Database"]["Description"]
    assert ath.get_database(CatalogName="ehms", DatabaseName="db")["Database"][
        "Description"] == first
    other = ath.get_database(CatalogName="ehms", DatabaseName="db2")["Database"]["Description"]
    assert other != first
    # Updating the catalog keeps the entries keyed by its function; a new
    # function means a new key.
    create_hive_catalog(ath, name="ehms2", **{"metadata-cache-ttl-seconds": "300"})
    assert ath.get_database(CatalogName="ehms2", DatabaseName="db")["Database"][
        "Description"] != first


SPILL_BUCKET = "spill-bucket"
SPILL_PATH = f"s3://{SPILL_BUCKET}/spill/{FUNCTION}/listDatabases"


def put_spilled_list(server, hive):
    """Stores the listDatabases apiResponse where the spilling double points."""
    s3 = client(server, "s3", PRODUCER_KEY)
    s3.create_bucket(Bucket=SPILL_BUCKET)
    s3.put_object(Bucket=SPILL_BUCKET, Key=f"spill/{FUNCTION}/listDatabases",
                  Body=connector_files(hive)["responses/listDatabases.json"])


def test_metadata_spilled_response(server, hive):
    deploy_connector(server, hive, handler="spill")
    put_spilled_list(server, hive)
    ath = athena(server)
    create_hive_catalog(ath)
    listed = ath.list_databases(CatalogName="ehms")
    assert listed["DatabaseList"] == [{"Name": "sales", "Description": "Sales data",
                                       "Parameters": {"team": "producer"}}]
    assert listed["NextToken"] == "db2"


def test_metadata_spill_unreadable_names_path(server, hive):
    deploy_connector(server, hive, handler="spill")
    ath = athena(server)
    create_hive_catalog(ath)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.list_databases(CatalogName="ehms")
    code, message, _ = error_of(excinfo)
    assert code == "MetadataException"
    assert message.startswith(
        f"Cannot read the listDatabases response of data catalog ehms spilled by the metadata "
        f"function {FUNCTION_ARN} to {SPILL_PATH}: S3 GetObject failed with HTTP 404 "
        "NoSuchBucket: "), message


# ---------------------------------------------------------------------------
# Authorization
# ---------------------------------------------------------------------------

def grant_consumer_invoke(server):
    client(server, "lambda", PRODUCER_KEY).add_permission(
        FunctionName=FUNCTION, StatementId="Id-ehms-invocation2",
        Action="lambda:InvokeFunction", Principal=CONSUMER)


def test_cross_account_denied_without_function_policy(server, hive):
    deploy_connector(server, hive)
    consumer = athena(server, key=CONSUMER_KEY, region="eu-central-1")
    create_hive_catalog(consumer)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        consumer.list_databases(CatalogName="ehms")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("MetadataException", 400)
    assert message.startswith(
        f"Cannot invoke the metadata function {FUNCTION_ARN} of data catalog ehms: "
        f"AccessDeniedException: User: arn:aws:iam::{CONSUMER}:root is not authorized to "
        f"perform: lambda:InvokeFunction on resource: {FUNCTION_ARN}"), message


def test_cross_account_allowed_after_add_permission(server, hive):
    deploy_connector(server, hive)
    grant_consumer_invoke(server)
    consumer = athena(server, key=CONSUMER_KEY, region="eu-central-1")
    create_hive_catalog(consumer)
    assert [d["Name"] for d in consumer.list_databases(CatalogName="ehms")["DatabaseList"]] == [
        "sales"]
    table = consumer.get_table_metadata(CatalogName="ehms", DatabaseName="sales",
                                        TableName="orders")["TableMetadata"]
    assert table == expected_orders()


def test_cross_account_spill_needs_bucket_policy(server, hive):
    deploy_connector(server, hive, handler="spill")
    grant_consumer_invoke(server)
    put_spilled_list(server, hive)
    consumer = athena(server, key=CONSUMER_KEY, region="eu-central-1")
    create_hive_catalog(consumer)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        consumer.list_databases(CatalogName="ehms")
    code, message, _ = error_of(excinfo)
    assert code == "MetadataException"
    assert message.startswith(
        f"Cannot read the listDatabases response of data catalog ehms spilled by the metadata "
        f"function {FUNCTION_ARN} to {SPILL_PATH}: S3 GetObject failed with HTTP 403 "
        "AccessDenied: "), message

    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "ConsumerReadsSpill", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{SPILL_BUCKET}/spill/*"}]}
    client(server, "s3", PRODUCER_KEY).put_bucket_policy(Bucket=SPILL_BUCKET,
                                                         Policy=json.dumps(policy))
    assert [d["Name"] for d in consumer.list_databases(CatalogName="ehms")["DatabaseList"]] == [
        "sales"]


def test_cross_account_user_allowed_after_add_permission(server, hive):
    deploy_connector(server, hive)
    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="perf1-test")
    iam.attach_user_policy(UserName="perf1-test",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonAthenaFullAccess")
    # Across accounts the caller's own policies must allow the invocation too.
    iam.put_user_policy(UserName="perf1-test", PolicyName="invoke-ehms", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN}]}))
    key = iam.create_access_key(UserName="perf1-test")["AccessKey"]
    user_key = (key["AccessKeyId"], key["SecretAccessKey"])
    user = athena(server, key=user_key)
    create_hive_catalog(user)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        user.list_databases(CatalogName="ehms")
    assert f"User: arn:aws:iam::{CONSUMER}:user/perf1-test is not authorized" in \
        excinfo.value.response["Error"]["Message"]

    client(server, "lambda", PRODUCER_KEY).add_permission(
        FunctionName=FUNCTION, StatementId="Id-ehms-invocation2",
        Action="lambda:InvokeFunction", Principal=f"arn:aws:iam::{CONSUMER}:user/perf1-test")
    assert [d["Name"] for d in user.list_databases(CatalogName="ehms")["DatabaseList"]] == [
        "sales"]


def test_user_without_athena_actions_denied(server):
    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="no-athena")
    key = iam.create_access_key(UserName="no-athena")["AccessKey"]
    user = athena(server, key=(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        user.list_data_catalogs()
    assert error_of(excinfo) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{CONSUMER}:user/no-athena is not authorized to perform: "
        f"athena:ListDataCatalogs on resource: arn:aws:athena:eu-central-1:{CONSUMER}:"
        "datacatalog/* because no identity-based policy allows the athena:ListDataCatalogs "
        "action", 400)


def test_unknown_operation(server):
    ath = athena(server)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.list_named_queries()
    assert error_of(excinfo) == (
        "UnknownOperationException",
        "Athena operation ListNamedQueries is not supported by this owlery build", 400)
