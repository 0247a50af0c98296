"""Black-box tests of AwsDataCatalog, the Glue Data Catalog owlery keeps for
each account and region in DATA_DIR/glue/ACCOUNT/REGION.

The producer's store in eu-central-1 is filled through owlery-metastore
started on that directory while owlery serve runs, with python3-thrift as
the client. The AWS CLI v2 then reads it through Athena, and queries read
the CSV data the producer put into S3. Expected metadata values are the
objects the metastore returns to python3-thrift."""

import json
import os
from datetime import datetime

import botocore.exceptions
import pytest

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, aws_cli, client
from test_athena import athena, error_of
from test_athena_query import rows_of, run
from test_metastore import Metastore, connect, hms

__all__ = ["hms"]  # the thrift-generated metastore client fixture

REGION = "eu-central-1"
BUCKET = "athena-test"
RESULTS = "s3://query-results/glue/"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
ORDERS_CSV = {"2024-01-01": b"10,1.0,a\n11,2.0,b\n",
              "2024-01-02": b"12,3.0,c\n13,4.0,d\n14,5.0,e\n"}
ITEMS_CSV = b"1,1.5,red\n2,2.25,blue\n"
TABLES = ("customers", "items", "order_items", "orders")


def table_of(t, name, partitioned=False):
    cols = [t.FieldSchema(name="id", type="bigint", comment="order id"),
            t.FieldSchema(name="amount", type="double", comment=None),
            t.FieldSchema(name="note", type="string", comment=None)]
    sd = t.StorageDescriptor(
        cols=cols, location=f"s3://{BUCKET}/glue/{name}", inputFormat=TEXT_INPUT,
        outputFormat=TEXT_OUTPUT, compressed=False, numBuckets=-1,
        serdeInfo=t.SerDeInfo(name=name, serializationLib=LAZY_SERDE,
                              parameters={"field.delim": ",", "serialization.format": ","}),
        bucketCols=[], sortCols=[], parameters={})
    keys = [t.FieldSchema(name="dt", type="string", comment=None)] if partitioned else []
    return t.Table(tableName=name, dbName="sales", owner="hadoop", createTime=0,
                   lastAccessTime=0, retention=0, sd=sd, partitionKeys=keys,
                   parameters={"EXTERNAL": "TRUE"}, tableType="EXTERNAL_TABLE")


def partition_of(t, table, dt):
    sd = t.StorageDescriptor(
        cols=table.sd.cols, location=f"{table.sd.location}/dt={dt}",
        inputFormat=TEXT_INPUT, outputFormat=TEXT_OUTPUT, compressed=False, numBuckets=-1,
        serdeInfo=table.sd.serdeInfo, bucketCols=[], sortCols=[], parameters={})
    return t.Partition(values=[dt], dbName="sales", tableName=table.tableName, createTime=0,
                       lastAccessTime=0, sd=sd, parameters={})


@pytest.fixture
def glue(server, hms, tmp_path):
    """Fills the producer's AwsDataCatalog in eu-central-1 through owlery-metastore.
    Returns the thrift client, still connected, for reading back what was stored."""
    t, _ = hms
    s3 = client(server, "s3", PRODUCER_KEY)
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket="query-results")
    s3.put_object(Bucket=BUCKET, Key="glue/items/part-0.csv", Body=ITEMS_CSV)
    for dt, body in ORDERS_CSV.items():
        s3.put_object(Bucket=BUCKET, Key=f"glue/orders/dt={dt}/part-0.csv", Body=body)

    store = os.path.join(server.data_dir, "glue", PRODUCER, REGION)
    os.makedirs(store)
    metastore = Metastore(store, tmp_path / "metastore.log").start()
    hive, transport = connect(hms, metastore)
    hive.create_database(t.Database(name="sales", description="Sales data",
                                    locationUri=f"s3://{BUCKET}/glue",
                                    parameters={"team": "producer"}))
    for name in TABLES:
        hive.create_table(table_of(t, name, partitioned=(name == "orders")))
    orders = hive.get_table("sales", "orders")
    assert hive.add_partitions([partition_of(t, orders, dt) for dt in sorted(ORDERS_CSV)]) == 2
    yield hive
    transport.close()
    assert metastore.stop() == 0, metastore.log()[-4000:]


def cli(server, *args, key=PRODUCER_KEY, region=REGION):
    return aws_cli(server, key, "athena", *args, region=region)


def cli_json(server, *args, **kwargs):
    result = cli(server, *args, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def athena_table(table):
    """Maps a python3-thrift Table to the TableMetadata Athena returns for it."""
    def columns(fields):
        return [{"Name": f.name, "Type": f.type,
                 **({"Comment": f.comment} if f.comment else {})} for f in fields]
    parameters = dict(table.parameters)
    parameters.update({
        "location": table.sd.location, "inputformat": table.sd.inputFormat,
        "outputformat": table.sd.outputFormat,
        "serde.serialization.lib": table.sd.serdeInfo.serializationLib,
        **{f"serde.param.{k}": v for k, v in table.sd.serdeInfo.parameters.items()}})
    return {"Name": table.tableName, "CreateTime": table.createTime,
            "TableType": table.tableType, "Columns": columns(table.sd.cols),
            "PartitionKeys": columns(table.partitionKeys), "Parameters": parameters}


def normalized(metadata):
    """Turns the CLI's CreateTime (an ISO timestamp or epoch number) into epoch seconds."""
    out = dict(metadata)
    if isinstance(out.get("CreateTime"), str):
        out["CreateTime"] = int(datetime.fromisoformat(out["CreateTime"]).timestamp())
    return out


# ---------------------------------------------------------------------------
# Metadata through the AWS CLI v2
# ---------------------------------------------------------------------------

def test_list_and_get_database(server, glue):
    listed = cli_json(server, "list-databases", "--catalog-name", "AwsDataCatalog")
    assert [d["Name"] for d in listed["DatabaseList"]] == ["default", "sales"]
    assert listed["DatabaseList"][1] == {"Name": "sales", "Description": "Sales data",
                                         "Parameters": {"team": "producer"}}
    got = cli_json(server, "get-database", "--catalog-name", "AwsDataCatalog",
                   "--database-name", "sales")
    assert got == {"Database": {"Name": "sales", "Description": "Sales data",
                                "Parameters": {"team": "producer"}}}


def test_get_table_metadata_matches_metastore(server, glue):
    got = cli_json(server, "get-table-metadata", "--catalog-name", "AwsDataCatalog",
                   "--database-name", "sales", "--table-name", "orders")
    expected = athena_table(glue.get_table("sales", "orders"))
    assert expected["Parameters"]["transient_lastDdlTime"] == str(expected["CreateTime"])
    assert normalized(got["TableMetadata"]) == expected


def test_list_table_metadata_expression(server, glue):
    listed = cli_json(server, "list-table-metadata", "--catalog-name", "AwsDataCatalog",
                      "--database-name", "sales", "--expression", "order*")
    assert [normalized(t) for t in listed["TableMetadataList"]] == [
        athena_table(glue.get_table("sales", name)) for name in ("order_items", "orders")]


def test_list_table_metadata_pages(server, glue):
    first = cli_json(server, "list-table-metadata", "--catalog-name", "AwsDataCatalog",
                     "--database-name", "sales", "--max-results", "3", "--no-paginate")
    assert [t["Name"] for t in first["TableMetadataList"]] == ["customers", "items",
                                                              "order_items"]
    second = cli_json(server, "list-table-metadata", "--catalog-name", "AwsDataCatalog",
                      "--database-name", "sales", "--max-results", "3", "--no-paginate",
                      "--next-token", first["NextToken"])
    assert [t["Name"] for t in second["TableMetadataList"]] == ["orders"]
    assert "NextToken" not in second


def test_missing_table_is_metadata_exception(server, glue):
    ath = athena(server)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="sales",
                               TableName="nope")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("MetadataException", 400)
    assert message.startswith(
        "Data catalog AwsDataCatalog failed on getTable: NoSuchObjectException: "), message


def test_glue_catalog_of_own_account(server, glue):
    ath = athena(server)
    ath.create_data_catalog(Name="mine", Type="GLUE", Parameters={"catalog-id": PRODUCER})
    assert [d["Name"] for d in ath.list_databases(CatalogName="mine")["DatabaseList"]] == [
        "default", "sales"]

    ath.create_data_catalog(Name="theirs", Type="GLUE", Parameters={"catalog-id": CONSUMER})
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.list_databases(CatalogName="theirs")
    assert error_of(excinfo) == (
        "InvalidRequestException",
        f"Data catalog theirs names the Glue Data Catalog of account {CONSUMER}: cross-account "
        "Glue catalogs are not supported by owlery; use a HIVE data catalog with that "
        "account's metastore function", 400)


# ---------------------------------------------------------------------------
# Isolation between accounts and regions
# ---------------------------------------------------------------------------

def test_other_account_sees_nothing(server, glue):
    listed = cli_json(server, "list-databases", "--catalog-name", "AwsDataCatalog",
                      key=CONSUMER_KEY)
    assert [d["Name"] for d in listed["DatabaseList"]] == ["default"]
    missing = cli(server, "get-table-metadata", "--catalog-name", "AwsDataCatalog",
                  "--database-name", "sales", "--table-name", "orders", key=CONSUMER_KEY)
    assert missing.returncode == 254
    assert "MetadataException" in missing.stderr
    assert "NoSuchObjectException" in missing.stderr
    assert os.path.isfile(os.path.join(server.data_dir, "glue", CONSUMER, REGION, "state.db"))


def test_other_region_sees_nothing(server, glue):
    listed = cli_json(server, "list-databases", "--catalog-name", "AwsDataCatalog",
                      region="us-east-1")
    assert [d["Name"] for d in listed["DatabaseList"]] == ["default"]
    missing = cli(server, "get-database", "--catalog-name", "AwsDataCatalog",
                  "--database-name", "sales", region="us-east-1")
    assert missing.returncode == 254
    assert "NoSuchObjectException" in missing.stderr


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------

CONTEXT = {"QueryExecutionContext": {"Catalog": "AwsDataCatalog", "Database": "sales"}}


def test_select_rows_and_pruning(server, glue):
    ath = athena(server)
    everything = run(ath, "SELECT id, note, dt FROM orders ORDER BY id", output=RESULTS,
                     **CONTEXT)
    assert everything["Status"]["State"] == "SUCCEEDED", everything["Status"]
    assert rows_of(ath, everything["QueryExecutionId"])[0] == [
        ["id", "note", "dt"], ["10", "a", "2024-01-01"], ["11", "b", "2024-01-01"],
        ["12", "c", "2024-01-02"], ["13", "d", "2024-01-02"], ["14", "e", "2024-01-02"]]
    assert everything["Statistics"]["DataScannedInBytes"] == sum(map(len, ORDERS_CSV.values()))

    pruned = run(ath, "SELECT count(*), min(dt) FROM orders WHERE dt = '2024-01-02'",
                 output=RESULTS, **CONTEXT)
    assert pruned["Status"]["State"] == "SUCCEEDED", pruned["Status"]
    assert rows_of(ath, pruned["QueryExecutionId"])[0][1] == ["3", "2024-01-02"]
    assert pruned["Statistics"]["DataScannedInBytes"] == len(ORDERS_CSV["2024-01-02"])


def test_select_qualified_name(server, glue):
    ath = athena(server)
    execution = run(ath, "SELECT sum(amount) AS total FROM awsdatacatalog.sales.items",
                    output=RESULTS)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert rows_of(ath, execution["QueryExecutionId"])[0] == [["total"], ["3.75"]]


def test_select_missing_table_fails(server, glue):
    execution = run(athena(server), "SELECT * FROM nope", output=RESULTS, **CONTEXT)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == (
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.nope' does not exist")


def test_overlong_database_name_refused(server, glue):
    # Glue names are at most 255 characters; a longer one is never
    # authorized as if it named every database.
    name = "d" * 300
    execution = run(athena(server), f"CREATE DATABASE {name}", output=RESULTS, **CONTEXT)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == (
        "HIVE_METASTORE_ERROR: Database and table names of data catalog AwsDataCatalog are at "
        "most 255 characters")


# ---------------------------------------------------------------------------
# Authorization on Glue resources
# ---------------------------------------------------------------------------

def user_key(server, name, policy=None, managed=None):
    iam = client(server, "iam", PRODUCER_KEY)
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    if managed:
        iam.attach_user_policy(UserName=name, PolicyArn=managed)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def denial(user, action, resource):
    return (f"User: arn:aws:iam::{PRODUCER}:user/{user} is not authorized to perform: "
            f"{action} on resource: {resource} because no identity-based policy allows the "
            f"{action} action")


GLUE = f"arn:aws:glue:{REGION}:{PRODUCER}"


def test_user_without_glue_actions_denied(server, glue):
    key = user_key(server, "athena-only", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "athena:*", "Resource": "*"}]})
    listed = cli(server, "list-databases", "--catalog-name", "AwsDataCatalog", key=key)
    assert listed.returncode == 254
    assert "AccessDeniedException" in listed.stderr
    assert denial("athena-only", "glue:GetDatabases", f"{GLUE}:catalog") in listed.stderr

    ath = athena(server, key=key)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="sales",
                               TableName="orders")
    assert error_of(excinfo) == ("AccessDeniedException",
                                 denial("athena-only", "glue:GetTable", f"{GLUE}:catalog"), 400)

    execution = run(ath, "SELECT * FROM orders", output=RESULTS, **CONTEXT)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == "PERMISSION_DENIED: " + denial(
        "athena-only", "glue:GetTable", f"{GLUE}:catalog")


def test_glue_table_resource_checked(server, glue):
    key = user_key(server, "items-reader", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "athena:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "glue:GetTable",
         "Resource": [f"{GLUE}:catalog", f"{GLUE}:database/sales",
                      f"{GLUE}:table/sales/items"]}]})
    ath = athena(server, key=key)
    items = ath.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="sales",
                                   TableName="items")
    assert items["TableMetadata"]["Name"] == "items"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ath.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="sales",
                               TableName="orders")
    assert error_of(excinfo) == ("AccessDeniedException", denial(
        "items-reader", "glue:GetTable", f"{GLUE}:table/sales/orders"), 400)


def test_athena_full_access_reads_glue(server, glue):
    key = user_key(server, "perf1-test",
                   managed="arn:aws:iam::aws:policy/AmazonAthenaFullAccess")
    listed = cli_json(server, "list-databases", "--catalog-name", "AwsDataCatalog", key=key)
    assert [d["Name"] for d in listed["DatabaseList"]] == ["default", "sales"]
    tables = cli_json(server, "list-table-metadata", "--catalog-name", "AwsDataCatalog",
                      "--database-name", "sales", key=key)
    assert [t["Name"] for t in tables["TableMetadataList"]] == list(TABLES)
