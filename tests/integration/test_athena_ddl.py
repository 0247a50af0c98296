"""Black-box tests of the statements other than SELECT through the real chain:
Athena in owlery serve invokes the real owlery-hms-connector function, which
asks a real owlery-metastore over Thrift. Every statement runs as the
producer's own user; data objects are put into and read from owlery's S3."""

import re
import time

import pytest

from conftest import PRODUCER_KEY, client
from test_connector import (connector_zip, create_execution_role, deploy, hms,  # noqa: F401
                            metastore)

FUNCTION = "hms-ddl"
CATALOG = "ehms"
RESULTS = "s3://query-results/athena/"
BUCKET = "athena-test"


@pytest.fixture
def ath(server, metastore, hms, connector_zip):
    """Deploys the connector against a fresh metastore and returns the producer's Athena client."""
    create_execution_role(server, spill_policy=None)
    deploy(server, connector_zip, FUNCTION, {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}"})
    s3 = client(server, "s3", PRODUCER_KEY)
    s3.create_bucket(Bucket="query-results")
    s3.create_bucket(Bucket=BUCKET)
    athena = client(server, "athena", PRODUCER_KEY, region="us-east-1")
    athena.create_data_catalog(Name=CATALOG, Type="HIVE",
                               Parameters={"metadata-function": FUNCTION})
    return athena


def run(ath, sql, database=None):
    context = {"Catalog": CATALOG}
    if database:
        context["Database"] = database
    query_id = ath.start_query_execution(
        QueryString=sql, QueryExecutionContext=context,
        ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]
    deadline = time.time() + 60
    while time.time() < deadline:
        execution = ath.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] not in ("QUEUED", "RUNNING"):
            return execution
        time.sleep(0.02)
    raise AssertionError(f"query {query_id} did not finish: {sql}")


def ok(ath, sql, database=None):
    """Runs sql, which must succeed, and returns (rows, column names, execution)."""
    execution = run(ath, sql, database)
    assert execution["Status"]["State"] == "SUCCEEDED", (sql, execution["Status"])
    result = ath.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    rows = [[cell.get("VarCharValue") for cell in row["Data"]]
            for row in result["ResultSet"]["Rows"]]
    names = [c["Name"] for c in result["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    return rows, names, execution


def failed(ath, sql, database=None):
    """Runs sql, which must fail, and returns its AthenaError."""
    execution = run(ath, sql, database)
    assert execution["Status"]["State"] == "FAILED", (sql, execution["Status"])
    return execution["Status"]["AthenaError"]


ORDERS_DDL = ("CREATE EXTERNAL TABLE sales.orders (id int COMMENT 'order id', amount double, "
              "note string) PARTITIONED BY (dt string) ROW FORMAT DELIMITED FIELDS TERMINATED "
              "BY ',' LOCATION 's3://athena-test/orders/' TBLPROPERTIES ('owner'='sales team')")


def put(server, key, body):
    client(server, "s3", PRODUCER_KEY).put_object(Bucket=BUCKET, Key=key, Body=body)


def test_round_trip(ath, server):
    ok(ath, "CREATE DATABASE sales COMMENT 'Sales data' LOCATION 's3://athena-test/sales/'")
    rows, names, execution = ok(ath, "SHOW DATABASES")
    assert execution["StatementType"] == "DDL"
    query_id = execution["QueryExecutionId"]
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{RESULTS}{query_id}.txt"
    assert names == ["database_name"]
    assert ["sales"] in rows

    ok(ath, ORDERS_DDL)
    put(server, "orders/dt=2024-01-01/part-0.csv", b"1,1.5,a\n2,2.5,b\n")
    put(server, "orders/other/dt=2024-01-02/part-0.csv", b"3,3.5,c\n")
    ok(ath, "ALTER TABLE sales.orders ADD PARTITION (dt='2024-01-01') "
            "PARTITION (dt = '2024-01-02') LOCATION 's3://athena-test/orders/other/dt=2024-01-02/'")
    rows, names, execution = ok(ath, "SHOW PARTITIONS sales.orders")
    assert names == ["partition"]
    assert rows == [["dt=2024-01-01"], ["dt=2024-01-02"]]

    rows, _, _ = ok(ath, "SELECT id, amount, note, dt FROM ehms.sales.orders ORDER BY id")
    assert rows == [["id", "amount", "note", "dt"], ["1", "1.5", "a", "2024-01-01"],
                    ["2", "2.5", "b", "2024-01-01"], ["3", "3.5", "c", "2024-01-02"]]

    ok(ath, "ALTER TABLE orders DROP PARTITION (dt='2024-01-02')", database="sales")
    rows, _, _ = ok(ath, "SHOW PARTITIONS orders", database="sales")
    assert rows == [["dt=2024-01-01"]]

    ok(ath, "DROP TABLE sales.orders")
    rows, _, _ = ok(ath, "SHOW TABLES IN sales")
    assert rows == []
    ok(ath, "DROP DATABASE sales")
    rows, _, _ = ok(ath, "SHOW DATABASES LIKE 'sal*'")
    assert rows == []


def test_show_and_describe(ath, server):
    ok(ath, "CREATE DATABASE sales")
    ok(ath, ORDERS_DDL)
    ok(ath, "CREATE EXTERNAL TABLE sales.items (id bigint) STORED AS PARQUET "
            "LOCATION 's3://athena-test/items/'")

    rows, names, execution = ok(ath, "SHOW TABLES IN sales")
    assert (names, rows) == (["tab_name"], [["items"], ["orders"]])
    rows, _, _ = ok(ath, "SHOW TABLES 'ord*'", database="sales")
    assert rows == [["orders"]]

    rows, names, _ = ok(ath, "SHOW COLUMNS IN sales.orders")
    assert names == ["field"]
    assert rows == [["id                  "], ["amount              "], ["note                "],
                    ["dt                  "]]

    rows, names, execution = ok(ath, "DESCRIBE sales.orders")
    assert execution["StatementType"] == "UTILITY"
    assert names == ["col_name"]
    pad = "                    "
    assert rows == [
        ["id                  \tint                 \torder id            "],
        ["amount              \tdouble              \t" + pad],
        ["note                \tstring              \t" + pad],
        ["dt                  \tstring              \t" + pad],
        ["\t \t "],
        ["# Partition Information\t \t "],
        ["# col_name          \tdata_type           \tcomment             "],
        ["\t \t "],
        ["dt                  \tstring              \t" + pad]]

    rows, names, execution = ok(ath, "SHOW CREATE TABLE sales.orders")
    assert execution["StatementType"] == "UTILITY"
    assert names == ["createtab_stmt"]
    lines = [r[0] for r in rows]
    assert re.fullmatch(r"  'transient_lastDdlTime'='[0-9]+'\)", lines.pop())
    assert lines == [
        "CREATE EXTERNAL TABLE `sales`.`orders`(",
        "  `id` int COMMENT 'order id', ",
        "  `amount` double, ",
        "  `note` string)",
        "PARTITIONED BY ( ",
        "  `dt` string)",
        "ROW FORMAT SERDE ",
        "  'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' ",
        "WITH SERDEPROPERTIES ( ",
        "  'field.delim'=',', ",
        "  'serialization.format'=',') ",
        "STORED AS INPUTFORMAT ",
        "  'org.apache.hadoop.mapred.TextInputFormat' ",
        "OUTPUTFORMAT ",
        "  'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'",
        "LOCATION",
        "  's3://athena-test/orders/'",
        "TBLPROPERTIES (",
        "  'owner'='sales team', "]


def test_errors_and_if_exists(ath, server):
    ok(ath, "CREATE DATABASE sales")
    ok(ath, "CREATE DATABASE IF NOT EXISTS sales")
    error = failed(ath, "CREATE DATABASE sales")
    assert error["ErrorCategory"] == 2
    assert error["ErrorMessage"] == (
        "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
        "Database sales already exists")

    ok(ath, ORDERS_DDL)
    ok(ath, ORDERS_DDL.replace("TABLE", "TABLE IF NOT EXISTS", 1))
    assert failed(ath, ORDERS_DDL)["ErrorMessage"] == (
        "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
        "AlreadyExistsException(message:Table sales.orders already exists)")

    assert failed(ath, "DESCRIBE sales.nope")["ErrorMessage"] == (
        "FAILED: SemanticException [Error 10001]: Table not found sales.nope")
    assert failed(ath, "DROP TABLE sales.nope")["ErrorMessage"] == (
        "FAILED: SemanticException [Error 10001]: Table not found sales.nope")
    ok(ath, "DROP TABLE IF EXISTS sales.nope")
    assert failed(ath, "SHOW TABLES IN nope")["ErrorMessage"] == (
        "FAILED: SemanticException [Error 10072]: Database does not exist: nope")
    ok(ath, "DROP DATABASE IF EXISTS nope")

    ok(ath, "ALTER TABLE sales.orders ADD PARTITION (dt='a')")
    ok(ath, "ALTER TABLE sales.orders ADD IF NOT EXISTS PARTITION (dt='a')")
    assert failed(ath, "ALTER TABLE sales.orders ADD PARTITION (dt='a')")["ErrorMessage"] == (
        "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
        "AlreadyExistsException(message:Partition already exists: sales.orders dt=a)")
    assert failed(ath, "ALTER TABLE sales.orders ADD PARTITION (day='a')")["ErrorMessage"] == (
        "FAILED: SemanticException [Error 10098]: Non-Partition column appears in the "
        "partition specification:  day")
    assert failed(ath, "ALTER TABLE sales.orders DROP PARTITION (dt='b')")["ErrorMessage"] == (
        "FAILED: SemanticException [Error 10006]: Partition not found (dt='b')")
    ok(ath, "ALTER TABLE sales.orders DROP IF EXISTS PARTITION (dt='b')")

    assert failed(ath, "DROP DATABASE sales")["ErrorMessage"] == (
        "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
        "InvalidOperationException(message:Database sales is not empty. One or more tables "
        "exist.)")
    ok(ath, "DROP DATABASE sales CASCADE")
    rows, _, _ = ok(ath, "SHOW DATABASES LIKE 'sales'")
    assert rows == []
    assert failed(ath, "ALTER TABLE t RENAME TO u")["ErrorMessage"] == (
        "NOT_SUPPORTED: line 1:15: only ALTER TABLE ADD PARTITION and DROP PARTITION are "
        "supported by this owlery build")


def test_msck_repair_adds_missing_partitions(ath, server):
    ok(ath, "CREATE DATABASE sales")
    ok(ath, ORDERS_DDL)
    put(server, "orders/dt=2024-01-01/part-0.csv", b"1,1.5,a\n")
    put(server, "orders/dt=2024-01-02/part-0.csv", b"2,2.5,b\n")
    put(server, "orders/dt=2024-01-02/_SUCCESS", b"")
    put(server, "orders/dt=a%3Ab/part-0.csv", b"3,3.5,c\n")
    put(server, "orders/stray.csv", b"9,9.0,z\n")
    put(server, "orders/month=1/part-0.csv", b"9,9.0,z\n")
    ok(ath, "ALTER TABLE sales.orders ADD PARTITION (dt='2024-01-01')")

    _, names, execution = ok(ath, "MSCK REPAIR TABLE sales.orders")
    assert execution["StatementType"] == "DDL"
    assert names == []
    s3 = client(server, "s3", PRODUCER_KEY)
    text = s3.get_object(Bucket="query-results",
                         Key=f"athena/{execution['QueryExecutionId']}.txt")["Body"].read()
    assert text.decode().splitlines() == [
        "Partitions not in metastore:\torders:dt=2024-01-02\torders:dt=a%3Ab",
        "Repair: Added partition to metastore orders:dt=2024-01-02",
        "Repair: Added partition to metastore orders:dt=a%3Ab"]
    rows, _, _ = ok(ath, "SHOW PARTITIONS sales.orders")
    assert rows == [["dt=2024-01-01"], ["dt=2024-01-02"], ["dt=a%3Ab"]]
    rows, _, _ = ok(ath, "SELECT id, dt FROM ehms.sales.orders ORDER BY id")
    assert rows == [["id", "dt"], ["1", "2024-01-01"], ["2", "2024-01-02"], ["3", "a:b"]]
