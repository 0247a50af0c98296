"""Black-box tests of the statements other than SELECT through the real chain:
Athena in owlery serve invokes the real owlery-hms-connector function, which
asks a real owlery-metastore over Thrift. Every statement runs as the
producer's own user; data objects are put into and read from owlery's S3."""

import json
import os
import re
import time

import pytest

from conftest import PRODUCER_KEY, client
from test_connector import (connector_zip, create_execution_role, deploy, hms,  # noqa: F401
                            metastore, thrift_client)

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
    rows, names, execution = ok(
        ath, "CREATE DATABASE sales COMMENT 'Sales data' LOCATION 's3://athena-test/sales/'")
    assert (rows, names, execution["StatementType"]) == ([], [], "DDL")
    rows, names, execution = ok(ath, "SHOW DATABASES")
    assert execution["StatementType"] == "DDL"
    query_id = execution["QueryExecutionId"]
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{RESULTS}{query_id}.txt"
    assert names == ["database_name"]
    assert rows == [["default"], ["sales"]]

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
    # The text result pages like a CSV one, without a header row.
    query_id = execution["QueryExecutionId"]
    page = ath.get_query_results(QueryExecutionId=query_id, MaxResults=1)
    assert [r["Data"] for r in page["ResultSet"]["Rows"]] == [[{"VarCharValue": "items"}]]
    info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"], c["CaseSensitive"]) for c in info] == [
        ("tab_name", "string", False)]
    page = ath.get_query_results(QueryExecutionId=query_id, MaxResults=1,
                                 NextToken=page["NextToken"])
    assert [r["Data"] for r in page["ResultSet"]["Rows"]] == [[{"VarCharValue": "orders"}]]
    assert "NextToken" not in page
    body = client(server, "s3", PRODUCER_KEY).get_object(
        Bucket="query-results", Key=f"athena/{query_id}.txt")["Body"].read()
    assert body == b"items\norders\n"
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
        "NOT_SUPPORTED: line 1:15: ALTER TABLE supports ADD/DROP PARTITION, ADD/REPLACE "
        "COLUMNS, SET LOCATION and SET TBLPROPERTIES in this owlery build")


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


def test_ctas_partitioned_parquet(ath, server):
    ok(ath, "CREATE DATABASE sales")
    ok(ath, ORDERS_DDL)
    put(server, "orders/dt=2024-01-01/part-0.csv", b"1,1.5,red\n2,2.5,blue\n")
    put(server, "orders/dt=2024-01-02/part-0.csv", b"3,3.5,red\n")
    ok(ath, "MSCK REPAIR TABLE sales.orders")

    rows, names, execution = ok(
        ath, "CREATE TABLE sales.by_note WITH (format = 'PARQUET', "
             "external_location = 's3://athena-test/by_note/', partitioned_by = ARRAY['note']) "
             "AS SELECT id, amount * 2 AS doubled, note FROM sales.orders", database="sales")
    assert execution["StatementType"] == "DML"
    assert (names, rows) == (["rows"], [["rows"], ["3"]])
    result = ath.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert result["UpdateCount"] == 3
    s3 = client(server, "s3", PRODUCER_KEY)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(
        Bucket=BUCKET, Prefix="by_note/")["Contents"])
    query_id = execution["QueryExecutionId"]
    assert keys == [f"by_note/note=blue/{query_id}_00000", f"by_note/note=red/{query_id}_00000"]

    rows, _, _ = ok(ath, "SHOW PARTITIONS sales.by_note")
    assert rows == [["note=blue"], ["note=red"]]
    rows, _, _ = ok(ath, "SHOW COLUMNS IN sales.by_note")
    assert rows == [["id                  "], ["doubled             "], ["note                "]]
    rows, _, _ = ok(ath, "SELECT id, doubled, note FROM ehms.sales.by_note ORDER BY id")
    assert rows == [["id", "doubled", "note"], ["1", "3.0", "red"], ["2", "5.0", "blue"],
                    ["3", "7.0", "red"]]

    _, _, execution = ok(ath, "INSERT INTO sales.by_note SELECT 4, 8.5, 'green'")
    result = ath.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert result["UpdateCount"] == 1
    ok(ath, "INSERT INTO sales.by_note SELECT 5, 1.0, 'red'")
    # A column list fills the named columns and leaves the others NULL.
    ok(ath, "INSERT INTO sales.by_note (note, id) SELECT 'blue', 6")
    # Columns are matched by position, so equal query column names do not clash.
    ok(ath, "INSERT INTO sales.by_note SELECT 7, 7, 'blue'")
    rows, _, _ = ok(ath, "SHOW PARTITIONS sales.by_note")
    assert rows == [["note=blue"], ["note=green"], ["note=red"]]
    rows, _, _ = ok(ath, "SELECT id, doubled, note FROM ehms.sales.by_note ORDER BY id")
    assert rows == [["id", "doubled", "note"], ["1", "3.0", "red"], ["2", "5.0", "blue"],
                    ["3", "7.0", "red"], ["4", "8.5", "green"], ["5", "1.0", "red"],
                    ["6", None, "blue"], ["7", "7.0", "blue"]]

    error = failed(ath, "CREATE TABLE sales.by_note AS SELECT 1 AS a")
    assert error["ErrorMessage"] == (
        "TABLE_ALREADY_EXISTS: line 1:1: Destination table 'ehms.sales.by_note' already exists")
    rows, _, _ = ok(ath, "CREATE TABLE IF NOT EXISTS sales.by_note AS SELECT 1 AS a")
    assert rows == [["rows"], ["0"]]
    error = failed(ath, "CREATE TABLE sales.again WITH (external_location = "
                        "'s3://athena-test/by_note/') AS SELECT 1 AS a")
    assert error["ErrorMessage"] == (
        "HIVE_PATH_ALREADY_EXISTS: Target directory for table 'sales.again' already exists: "
        "s3://athena-test/by_note/")
    error = failed(ath, "INSERT INTO sales.nope SELECT 1")
    assert error["ErrorMessage"] == (
        "TABLE_NOT_FOUND: line 1:13: Table 'ehms.sales.nope' does not exist")
    error = failed(ath, "INSERT INTO sales.by_note (nope) SELECT 1")
    assert error["ErrorMessage"] == (
        "COLUMN_NOT_FOUND: line 1:1: Insert column name does not exist in target table: nope")
    error = failed(ath, "INSERT INTO sales.by_note (id, ID) SELECT 1, 2")
    assert error["ErrorMessage"] == (
        "DUPLICATE_COLUMN_NAME: line 1:1: Insert column name is specified more than once: id")
    error = failed(ath, "INSERT INTO sales.by_note SELECT 1, 2.0")
    assert error["ErrorMessage"] == (
        "TYPE_MISMATCH: line 1:1: Insert query has 2 columns but table ehms.sales.by_note "
        "has 3")


def test_ctas_default_location(ath, server):
    ok(ath, "CREATE DATABASE sales")
    rows, _, execution = ok(ath, "CREATE TABLE t AS SELECT 1 AS a, 'x' AS b", database="sales")
    assert rows == [["rows"], ["1"]]
    query_id = execution["QueryExecutionId"]
    rows, _, _ = ok(ath, "SHOW CREATE TABLE sales.t")
    assert f"  '{RESULTS}tables/{query_id}/'" in [r[0] for r in rows]
    rows, _, _ = ok(ath, "SELECT a, b FROM ehms.sales.t")
    assert rows == [["a", "b"], ["1", "x"]]

    # Nested columns get their Hive types from DuckDB's.
    ok(ath, "CREATE TABLE sales.nested AS SELECT ARRAY[1, 2] AS tags, "
            "MAP(ARRAY['k'], ARRAY[2.5]) AS attrs, {'x': 1, 'y': 'a'} AS pos")
    rows, _, _ = ok(ath, "DESCRIBE sales.nested")
    assert [r[0].split("\t")[:2] for r in rows] == [
        ["tags                ", "array<int>          "],
        ["attrs               ", "map<string,decimal(2,1)>"],
        ["pos                 ", "struct<x:int,y:string>"]]
    rows, _, _ = ok(ath, "SELECT tags[2] AS second, pos.y AS y FROM ehms.sales.nested")
    assert rows == [["second", "y"], ["2", "a"]]
    error = failed(ath, "CREATE TABLE sales.timed AS SELECT TIME '10:00:00' AS t")
    assert error["ErrorMessage"] == (
        "NOT_SUPPORTED: the DuckDB type TIME has no Hive equivalent (column t)")

    # Hive keeps column names in lowercase, whatever case the query uses.
    ok(ath, "CREATE TABLE sales.cased WITH (partitioned_by = ARRAY['Part']) "
            "AS SELECT 1 AS Value, 'p' AS Part")
    rows, _, _ = ok(ath, "SHOW COLUMNS IN sales.cased")
    assert rows == [["value               "], ["part                "]]
    rows, _, _ = ok(ath, "SHOW PARTITIONS sales.cased")
    assert rows == [["part=p"]]


def test_ctas_as_first_statement_of_a_data_directory(ath, server, metastore, hms):
    # The database comes straight from the metastore, so no earlier statement
    # has created the folder for results in owlery's data directory.
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(hms[1].Database("fresh", "", "s3://athena-test/fresh", {}))
    transport.close()
    assert not os.path.exists(os.path.join(server.data_dir, "athena-results"))
    rows, _, _ = ok(ath, "CREATE TABLE fresh.t WITH (partitioned_by = ARRAY['p']) "
                         "AS SELECT 1 AS a, 'x' AS p")
    assert rows == [["rows"], ["1"]]
    rows, _, _ = ok(ath, "SELECT a, p FROM ehms.fresh.t")
    assert rows == [["a", "p"], ["1", "x"]]


def test_ctas_denied_writing_location(ath, server):
    ok(ath, "CREATE DATABASE sales")
    iam = client(server, "iam", PRODUCER_KEY)
    iam.create_user(UserName="analyst")
    iam.attach_user_policy(UserName="analyst",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonAthenaFullAccess")
    iam.put_user_policy(UserName="analyst", PolicyName="rw", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:InvokeFunction", "s3:GetObject",
                                           "s3:ListBucket", "s3:PutObject"],
             "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::athena-test/locked/*"}]}))
    key = iam.create_access_key(UserName="analyst")["AccessKey"]
    analyst = client(server, "athena", (key["AccessKeyId"], key["SecretAccessKey"]),
                     region="us-east-1")
    error = failed(analyst, "CREATE TABLE sales.locked WITH (external_location = "
                            "'s3://athena-test/locked/') AS SELECT 1 AS a")
    assert error["ErrorCategory"] == 2
    assert error["ErrorMessage"].startswith(
        "PERMISSION_DENIED: writing the table data s3://athena-test/locked/")
    rows, _, _ = ok(ath, "SHOW TABLES IN sales")
    assert rows == []


def test_tblproperties_and_formatted(ath, server):
    ok(ath, "CREATE DATABASE sales")
    ok(ath, ORDERS_DDL)
    rows, names, _ = ok(ath, "SHOW TBLPROPERTIES sales.orders")
    assert names == ["prpt_name", "prpt_value"]
    assert rows[:2] == [["EXTERNAL", "TRUE"], ["owner", "sales team"]]
    assert rows[2][0] == "transient_lastDdlTime"
    rows, names, _ = ok(ath, "SHOW TBLPROPERTIES sales.orders ('owner')")
    assert (names, rows) == (["prpt_value"], [["sales team"]])

    rows, _, _ = ok(ath, "DESCRIBE EXTENDED sales.orders")
    assert rows[-2:] == [["\t \t "], [
        "Detailed Table Information\tTable(tableName:orders, dbName:sales, "
        "location:s3://athena-test/orders/, "
        "inputFormat:org.apache.hadoop.mapred.TextInputFormat, "
        "outputFormat:org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat, "
        "serializationLib:org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe, "
        "tableType:EXTERNAL_TABLE)\t "]]

    rows, _, _ = ok(ath, "DESCRIBE FORMATTED sales.orders")
    lines = [r[0] for r in rows]
    assert lines[:4] == ["# col_name          \tdata_type           \tcomment             ",
                         "\t \t ",
                         "id                  \tint                 \torder id            ",
                         "amount              \tdouble              \t                    "]
    assert "Location:           \ts3://athena-test/orders/\t " in lines
    assert "SerDe Library:      \torg.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe\t " in lines
    assert "\tfield.delim         \t,                   " in lines


def test_drop_partition_partial_spec(ath, server):
    ok(ath, "CREATE DATABASE logs")
    ok(ath, "CREATE EXTERNAL TABLE logs.events (line string) PARTITIONED BY (year string, "
            "month string) LOCATION 's3://athena-test/events/'")
    ok(ath, "ALTER TABLE logs.events ADD PARTITION (year='2023', month='11') "
            "PARTITION (month='12', year='2023') PARTITION (year='2024', month='01')")
    rows, _, _ = ok(ath, "SHOW PARTITIONS logs.events")
    assert rows == [["year=2023/month=11"], ["year=2023/month=12"], ["year=2024/month=01"]]

    error = failed(ath, "ALTER TABLE logs.events ADD PARTITION (year='2025')")
    assert error["ErrorMessage"] == (
        "FAILED: ValidationFailureSemanticException partition spec (year='2025') does not "
        "contain all (2) partition columns of table logs.events")
    error = failed(ath, "ALTER TABLE logs.events DROP PARTITION (year='2023'), "
                        "PARTITION (year='2022')")
    assert error["ErrorMessage"] == (
        "FAILED: SemanticException [Error 10006]: Partition not found (year='2022')")
    rows, _, _ = ok(ath, "SHOW PARTITIONS logs.events")
    assert len(rows) == 3

    ok(ath, "ALTER TABLE logs.events DROP PARTITION (year='2023')")
    rows, _, _ = ok(ath, "SHOW PARTITIONS logs.events")
    assert rows == [["year=2024/month=01"]]


def test_alter_table_columns_location_properties(ath, server):
    ok(ath, "CREATE DATABASE sales")
    ok(ath, ORDERS_DDL)
    put(server, "orders2/dt=2024-01-01/part-0.csv", b"1,1.5,a,x\n")
    ok(ath, "ALTER TABLE sales.orders ADD COLUMNS (extra string COMMENT 'added')")
    ok(ath, "ALTER TABLE sales.orders SET LOCATION 's3://athena-test/orders2/'")
    ok(ath, "ALTER TABLE sales.orders SET TBLPROPERTIES ('owner'='ops', 'tier'='gold')")
    ok(ath, "MSCK REPAIR TABLE sales.orders")
    # Locations outside S3 would never be read; they are refused as CREATE refuses them.
    error = failed(ath, "ALTER TABLE sales.orders SET LOCATION 'file:///etc/'")
    assert error["ErrorMessage"] == ("INVALID_INPUT: location file:///etc/ is not an S3 location "
                                     "of the form s3://bucket/prefix/")
    error = failed(ath, "ALTER TABLE sales.orders ADD PARTITION (dt='x') LOCATION '/tmp/'")
    assert error["ErrorMessage"] == ("INVALID_INPUT: location /tmp/ is not an S3 location of the "
                                     "form s3://bucket/prefix/")

    rows, _, _ = ok(ath, "SHOW COLUMNS IN sales.orders")
    assert rows == [["id                  "], ["amount              "], ["note                "],
                    ["extra               "], ["dt                  "]]
    rows, _, _ = ok(ath, "SHOW TBLPROPERTIES sales.orders ('owner')")
    assert rows == [["ops"]]
    rows, _, _ = ok(ath, "SHOW TBLPROPERTIES sales.orders ('tier')")
    assert rows == [["gold"]]
    rows, _, _ = ok(ath, "SELECT id, extra, dt FROM ehms.sales.orders")
    assert rows == [["id", "extra", "dt"], ["1", "x", "2024-01-01"]]

    error = failed(ath, "ALTER TABLE sales.orders ADD COLUMNS (DT int)")
    assert error["ErrorMessage"] == (
        "FAILED: SemanticException [Error 10036]: Duplicate column name: dt")
    ok(ath, "ALTER TABLE sales.orders REPLACE COLUMNS (id int, amount double)")
    rows, _, _ = ok(ath, "SHOW COLUMNS IN sales.orders")
    assert rows == [["id                  "], ["amount              "], ["dt                  "]]
