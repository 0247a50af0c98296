"""Black-box tests of Athena query executions in owlery serve. The queries
read tables of a HIVE catalog whose metadata comes from the connector test
double (athena/connector_double.sh) and whose CSV data the producer put
into S3. Results go to the caller's output location.

Expected values come from Python's csv module over the same bytes, because
neither a duckdb nor a pyarrow Python module is installed here. The
Parquet file is written by DuckDB's C library (the libduckdb.so the build
links) through ctypes."""

import ctypes
import csv
import io
import json
import os
import re
import subprocess
import time
import zipfile

import botocore.exceptions
import pytest

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, client
from test_athena import FUNCTION, HERE, ROLE, athena, create_hive_catalog, hive, make_table, tjson

__all__ = ["hive"]  # the thrift-generated Hive structs fixture

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

BUCKET = "athena-test"
RESULTS = "s3://query-results/athena/"
ITEMS_KEY = "lambda/dataset/items/part-00000.csv"
ORDERS_PREFIX = "lambda/dataset/orders/"
ITEMS_CSV = (b"1,1.5,red\n2,2.25,blue\n3,4.0,red\n4,0.5,green\n5,8.75,blue\n"
             b"6,3.25,red\n7,,blue\n")
ORDERS_CSV = {"2024-01-01": b"10,1.0,a\n11,2.0,b\n",
              "2024-01-02": b"12,3.0,c\n13,4.0,d\n14,5.0,e\n"}


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------

def partition_tjson(hive, table, values):
    """Encodes a Hive Partition struct (values 1, dbName 2, tableName 3, sd 6) as TJSON."""
    sd = hive.StorageDescriptor(
        cols=table.sd.cols, location=f"{table.sd.location}/dt={values[0]}",
        inputFormat=table.sd.inputFormat, outputFormat=table.sd.outputFormat,
        compressed=False, numBuckets=-1, serdeInfo=table.sd.serdeInfo, bucketCols=[],
        parameters={})
    return json.dumps({"1": {"lst": ["str", len(values), *values]},
                       "2": {"str": table.dbName}, "3": {"str": table.tableName},
                       "6": {"rec": json.loads(tjson(sd))}}, separators=(",", ":"))


def parquet_table(hive):
    """Returns table sales.points, stored as Parquet under lambda/dataset/points."""
    table = make_table(hive, "points")
    table.sd.inputFormat = PARQUET_INPUT
    table.sd.outputFormat = PARQUET_OUTPUT
    table.sd.serdeInfo = hive.SerDeInfo(name="points", serializationLib=PARQUET_SERDE,
                                        parameters={})
    return table


def libduckdb_path():
    """Returns the libduckdb.so that the build's owlery binary loads, or None."""
    owlery = os.path.join(os.environ.get("OWLERY_BIN", os.path.join(HERE, "../../build/bin")),
                          "owlery")
    out = subprocess.run(["ldd", owlery], capture_output=True, text=True, timeout=30)
    for line in out.stdout.splitlines():
        found = re.match(r"\s*libduckdb\.so\S* => (\S+)", line)
        if found and os.path.exists(found.group(1)):
            return found.group(1)
    return None


def write_parquet(path, select):
    """Writes the result of select to a Parquet file with DuckDB's C API."""
    library = libduckdb_path()
    assert library, "owlery does not load a libduckdb.so (ldd found none)"
    duckdb = ctypes.CDLL(library)
    database, connection = ctypes.c_void_p(), ctypes.c_void_p()
    assert duckdb.duckdb_open(None, ctypes.byref(database)) == 0
    assert duckdb.duckdb_connect(database, ctypes.byref(connection)) == 0
    result = ctypes.create_string_buffer(256)  # larger than struct duckdb_result
    sql = f"COPY ({select}) TO '{path}' (FORMAT parquet)".encode()
    state = duckdb.duckdb_query(connection, sql, result)
    duckdb.duckdb_destroy_result(result)
    duckdb.duckdb_disconnect(ctypes.byref(connection))
    duckdb.duckdb_close(ctypes.byref(database))
    assert state == 0, f"DuckDB could not write {path}"


def connector_zip(hive):
    items = make_table(hive, "items")
    orders = make_table(hive, "orders", partitioned=True)
    files = {
        "getTable-sales-items": {"tableDesc": tjson(items)},
        "getTable-sales-points": {"tableDesc": tjson(parquet_table(hive))},
        "getTable-sales-orders": {"tableDesc": tjson(orders)},
        "listPartitions-sales-orders": {
            "partitions": [partition_tjson(hive, orders, [dt]) for dt in sorted(ORDERS_CSV)],
            "nextToken": None},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with open(os.path.join(HERE, "athena", "connector_double.sh"), "rb") as f:
            info = zipfile.ZipInfo("bootstrap")
            info.create_system = 3
            info.external_attr = 0o100755 << 16
            archive.writestr(info, f.read())
        for name, body in files.items():
            archive.writestr(f"responses/{name}.json", json.dumps(body))
    return out.getvalue()


@pytest.fixture
def producer(server, hive):
    """Deploys the connector, puts the table data and returns the producer's Athena client."""
    client(server, "lambda", PRODUCER_KEY).create_function(
        FunctionName=FUNCTION, Runtime="provided.al2023", Role=ROLE, Handler="serve",
        Code={"ZipFile": connector_zip(hive)})
    s3 = client(server, "s3", PRODUCER_KEY)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=ITEMS_KEY, Body=ITEMS_CSV)
    s3.put_object(Bucket=BUCKET, Key="lambda/dataset/items/_SUCCESS", Body=b"")
    for dt, body in ORDERS_CSV.items():
        s3.put_object(Bucket=BUCKET, Key=f"{ORDERS_PREFIX}dt={dt}/part-0.csv", Body=body)
    s3.create_bucket(Bucket="query-results")
    ath = athena(server)
    create_hive_catalog(ath)
    return ath


def wait(ath, query_id, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        execution = ath.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] not in ("QUEUED", "RUNNING"):
            return execution
        time.sleep(0.02)
    raise AssertionError(f"query {query_id} did not finish within {timeout} s")


def run(ath, sql, output=RESULTS, **kwargs):
    query_id = ath.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": output}, **kwargs)[
        "QueryExecutionId"]
    return wait(ath, query_id)


def rows_of(ath, query_id, **kwargs):
    result = ath.get_query_results(QueryExecutionId=query_id, **kwargs)
    return [[cell.get("VarCharValue") for cell in row["Data"]]
            for row in result["ResultSet"]["Rows"]], result


# ---------------------------------------------------------------------------
# SELECT over CSV tables
# ---------------------------------------------------------------------------

def test_aggregate_matches_csv_module(producer):
    execution = run(producer, "SELECT note, count(*) AS n, sum(amount) AS total "
                              "FROM ehms.sales.items GROUP BY note ORDER BY note")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["StatementType"] == "DML"
    query_id = execution["QueryExecutionId"]
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{RESULTS}{query_id}.csv"

    expected = {}
    for row in csv.reader(io.StringIO(ITEMS_CSV.decode())):
        count, total = expected.get(row[2], (0, 0.0))
        expected[row[2]] = (count + 1, total + (float(row[1]) if row[1] else 0.0))
    rows, result = rows_of(producer, query_id)
    assert rows[0] == ["note", "n", "total"]
    assert [(r[0], int(r[1]), float(r[2])) for r in rows[1:]] == [
        (note, count, total) for note, (count, total) in sorted(expected.items())]
    types = [c["Type"] for c in result["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    assert types == ["varchar", "bigint", "double"]


def test_null_cell_has_no_value(producer):
    execution = run(producer, "SELECT id, amount FROM ehms.sales.items WHERE id = 7")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows, _ = rows_of(producer, execution["QueryExecutionId"])
    assert rows == [["id", "amount"], ["7", None]]


def test_results_stored_in_output_location(producer, server):
    execution = run(producer, "SELECT count(*) AS n FROM ehms.sales.items")
    query_id = execution["QueryExecutionId"]
    s3 = client(server, "s3", PRODUCER_KEY)
    body = s3.get_object(Bucket="query-results", Key=f"athena/{query_id}.csv")["Body"].read()
    assert body.decode().splitlines() == ['"n"', '"7"']
    s3.head_object(Bucket="query-results", Key=f"athena/{query_id}.csv.metadata")


def test_parquet_table_aggregate(producer, server, tmp_path):
    path = tmp_path / "points.parquet"
    write_parquet(path, "SELECT i::BIGINT AS id, i * 0.5 AS amount, 'n' || (i % 3) AS note "
                        "FROM range(1, 101) t(i)")
    client(server, "s3", PRODUCER_KEY).put_object(
        Bucket=BUCKET, Key="lambda/dataset/points/part-0.parquet", Body=path.read_bytes())
    execution = run(producer, "SELECT note, count(*) AS n, sum(id) AS ids, max(amount) AS top "
                              "FROM ehms.sales.points GROUP BY note ORDER BY note")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["Statistics"]["DataScannedInBytes"] == path.stat().st_size
    rows, _ = rows_of(producer, execution["QueryExecutionId"])
    expected = []
    for remainder in range(3):
        ids = [i for i in range(1, 101) if i % 3 == remainder]
        expected.append((f"n{remainder}", len(ids), sum(ids), max(ids) * 0.5))
    assert rows[0] == ["note", "n", "ids", "top"]
    assert [(r[0], int(r[1]), int(r[2]), float(r[3])) for r in rows[1:]] == expected


def test_partition_filter_scans_one_partition(producer):
    everything = run(producer, "SELECT count(*) FROM ehms.sales.orders")
    assert everything["Status"]["State"] == "SUCCEEDED", everything["Status"]
    assert rows_of(producer, everything["QueryExecutionId"])[0][1] == ["5"]
    assert everything["Statistics"]["DataScannedInBytes"] == sum(map(len, ORDERS_CSV.values()))

    pruned = run(producer, "SELECT count(*), min(dt) FROM ehms.sales.orders "
                           "WHERE dt = '2024-01-02'")
    assert pruned["Status"]["State"] == "SUCCEEDED", pruned["Status"]
    assert rows_of(producer, pruned["QueryExecutionId"])[0][1] == ["3", "2024-01-02"]
    assert pruned["Statistics"]["DataScannedInBytes"] == len(ORDERS_CSV["2024-01-02"])


def test_results_paging_max_results_2(producer):
    execution = run(producer, "SELECT id FROM ehms.sales.items ORDER BY id")
    query_id = execution["QueryExecutionId"]
    pages, token = [], None
    while True:
        kwargs = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        rows, result = rows_of(producer, query_id, **kwargs)
        assert len(rows) <= 2
        pages.append(rows)
        token = result.get("NextToken")
        if not token:
            break
    flat = [row for page in pages for row in page]
    assert flat == [["id"]] + [[str(i)] for i in range(1, 8)]
    assert len(pages) == 4


# ---------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------

def test_malformed_sql_fails_syntax_error(producer):
    execution = run(producer, "SELEC id FROM ehms.sales.items")
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith("SYNTAX_ERROR"), \
        execution["Status"]
    assert execution["Status"]["AthenaError"]["ErrorCategory"] == 2


def test_missing_table_fails_table_not_found(producer):
    execution = run(producer, "SELECT * FROM ehms.sales.nope")
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == (
        "TABLE_NOT_FOUND: line 1:15: Table 'ehms.sales.nope' does not exist")


def test_missing_column_fails_column_not_found(producer):
    execution = run(producer, "SELECT nope FROM ehms.sales.items")
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith("COLUMN_NOT_FOUND"), \
        execution["Status"]


def test_function_failure_fails_metastore_error(server, hive):
    client(server, "lambda", PRODUCER_KEY).create_function(
        FunctionName=FUNCTION, Runtime="provided.al2023", Role=ROLE, Handler="fail",
        Code={"ZipFile": connector_zip(hive)})
    client(server, "s3", PRODUCER_KEY).create_bucket(Bucket="query-results")
    ath = athena(server)
    create_hive_catalog(ath)
    execution = run(ath, "SELECT * FROM ehms.sales.items")
    assert execution["Status"]["State"] == "FAILED"
    reason = execution["Status"]["StateChangeReason"]
    assert reason.startswith("HIVE_METASTORE_ERROR: "), reason
    assert "data catalog ehms" in reason, reason
    assert FUNCTION in reason, reason
    assert run(ath, "SELECT 1")["Status"]["State"] == "SUCCEEDED"


def test_no_output_location_rejected(producer):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        producer.start_query_execution(QueryString="SELECT 1")
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestException"
    assert excinfo.value.response["Error"]["Message"] == (
        "No output location provided. An output location is required either through the "
        "Workgroup result configuration setting or as an API input.")


def test_stop_long_query_cancels(producer):
    query_id = producer.start_query_execution(
        QueryString="SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
        ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]
    deadline = time.time() + 10
    while producer.get_query_execution(QueryExecutionId=query_id)["QueryExecution"][
            "Status"]["State"] != "RUNNING" and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    stopped_at = time.time()
    producer.stop_query_execution(QueryExecutionId=query_id)
    execution = wait(producer, query_id, timeout=5)
    assert execution["Status"]["State"] == "CANCELLED"
    assert time.time() - stopped_at < 1.0


# ---------------------------------------------------------------------------
# Cross-account reads
# ---------------------------------------------------------------------------

def test_cross_account_needs_bucket_policy(server, producer):
    client(server, "lambda", PRODUCER_KEY).add_permission(
        FunctionName=FUNCTION, StatementId="Id-ehms-invocation2",
        Action="lambda:InvokeFunction", Principal=CONSUMER)
    client(server, "s3", CONSUMER_KEY).create_bucket(Bucket="consumer-results")
    consumer = athena(server, key=CONSUMER_KEY)
    create_hive_catalog(consumer)
    output = "s3://consumer-results/q/"
    sql = "SELECT count(*) FROM ehms.sales.items"

    denied = run(consumer, sql, output=output)
    assert denied["Status"]["State"] == "FAILED"
    reason = denied["Status"]["StateChangeReason"]
    assert reason.startswith("PERMISSION_DENIED: "), reason
    assert f"arn:aws:iam::{CONSUMER}:root is not authorized to perform: s3:ListBucket" in reason

    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"}}
    policy = {"Version": "2012-10-17", "Statement": [
        {**statement, "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}"}]}
    s3 = client(server, "s3", PRODUCER_KEY)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    denied = run(consumer, sql, output=output)
    reason = denied["Status"]["StateChangeReason"]
    assert reason.startswith("PERMISSION_DENIED: "), reason
    assert f"s3:GetObject on resource: arn:aws:s3:::{BUCKET}/{ITEMS_KEY}" in reason, reason

    policy["Statement"].append({**statement, "Action": "s3:GetObject",
                                "Resource": f"arn:aws:s3:::{BUCKET}/lambda/*"})
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    allowed = run(consumer, sql, output=output)
    assert allowed["Status"]["State"] == "SUCCEEDED", allowed["Status"]
    # NOTE: Athena names an unaliased count(*) _col0; the engine keeps DuckDB's name.
    assert rows_of(consumer, allowed["QueryExecutionId"])[0][1:] == [["7"]]


def test_other_account_cannot_see_query(server, producer):
    execution = run(producer, "SELECT 1")
    consumer = athena(server, key=CONSUMER_KEY)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        consumer.get_query_execution(QueryExecutionId=execution["QueryExecutionId"])
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestException"


# ---------------------------------------------------------------------------
# Bookkeeping
# ---------------------------------------------------------------------------

def test_list_and_batch_get(producer):
    first = run(producer, "SELECT 1")["QueryExecutionId"]
    second = run(producer, "SELECT 2")["QueryExecutionId"]
    listed = producer.list_query_executions()["QueryExecutionIds"]
    assert listed[:2] == [second, first]
    batch = producer.batch_get_query_execution(QueryExecutionIds=[first, "missing-id"])
    assert [q["QueryExecutionId"] for q in batch["QueryExecutions"]] == [first]
    assert [u["QueryExecutionId"] for u in batch["UnprocessedQueryExecutionIds"]] == [
        "missing-id"]


def test_client_request_token_is_idempotent(producer):
    token = "t" * 32
    ids = {producer.start_query_execution(
        QueryString="SELECT 1", ClientRequestToken=token,
        ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"] for _ in range(2)}
    assert len(ids) == 1


def test_finished_query_survives_restart(server, producer):
    execution = run(producer, "SELECT 42 AS answer")
    server.restart()
    again = athena(server).get_query_execution(
        QueryExecutionId=execution["QueryExecutionId"])["QueryExecution"]
    assert again["Status"]["State"] == "SUCCEEDED"
    assert again["Statistics"] == execution["Statistics"]
    assert rows_of(athena(server), execution["QueryExecutionId"])[0] == [["answer"], ["42"]]


def test_results_of_failed_query_rejected(producer):
    execution = run(producer, "SELEC 1")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        producer.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestException"
    assert excinfo.value.response["Error"]["Message"] == (
        "Query did not finish successfully. Final query state: FAILED")


def test_start_needs_athena_action(server):
    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="no-athena")
    key = iam.create_access_key(UserName="no-athena")["AccessKey"]
    user = athena(server, key=(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        user.start_query_execution(QueryString="SELECT 1",
                                   ResultConfiguration={"OutputLocation": RESULTS})
    assert excinfo.value.response["Error"]["Code"] == "AccessDeniedException"
    assert (f"athena:StartQueryExecution on resource: arn:aws:athena:eu-central-1:{CONSUMER}:"
            "workgroup/primary") in excinfo.value.response["Error"]["Message"]


def test_running_query_fails_after_kill(server, producer):
    query_id = producer.start_query_execution(
        QueryString="SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
        ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]
    deadline = time.time() + 10
    while producer.get_query_execution(QueryExecutionId=query_id)["QueryExecution"][
            "Status"]["State"] != "RUNNING" and time.time() < deadline:
        time.sleep(0.01)
    server.kill9()
    server.start()
    status = athena(server).get_query_execution(QueryExecutionId=query_id)["QueryExecution"][
        "Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"] == (
        "owlery restarted before the query finished; run it again")
    assert "CompletionDateTime" in status


def test_missing_output_bucket_fails_query(producer):
    execution = run(producer, "SELECT 1", output="s3://no-such-bucket/out/")
    assert execution["Status"]["State"] == "FAILED"
    reason = execution["Status"]["StateChangeReason"]
    assert reason.startswith(
        "INVALID_INPUT: writing the query result s3://no-such-bucket/out/"), reason
    assert "HTTP 404" in reason, reason


def test_unqualified_table_uses_context(producer):
    execution = run(producer, "SELECT count(*) AS n FROM items",
                    QueryExecutionContext={"Catalog": "ehms", "Database": "sales"})
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["QueryExecutionContext"] == {"Catalog": "ehms", "Database": "sales"}
    assert rows_of(producer, execution["QueryExecutionId"])[0] == [["n"], ["7"]]


def test_two_part_name_uses_context_catalog(producer):
    execution = run(producer, "SELECT count(*) AS n FROM sales.items",
                    QueryExecutionContext={"Catalog": "ehms"})
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert rows_of(producer, execution["QueryExecutionId"])[0] == [["n"], ["7"]]


def test_default_catalog_is_own_store(producer):
    # sales.items exists in the catalog ehms, not in the account's AwsDataCatalog.
    execution = run(producer, "SELECT * FROM sales.items",
                    QueryExecutionContext={"Database": "sales"})
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == (
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.items' does not exist")


def test_workgroup_output_location_used(producer):
    producer.create_work_group(Name="analysts", Configuration={
        "ResultConfiguration": {"OutputLocation": "s3://query-results/analysts"}})
    query_id = producer.start_query_execution(QueryString="SELECT 1", WorkGroup="analysts")[
        "QueryExecutionId"]
    execution = wait(producer, query_id)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["WorkGroup"] == "analysts"
    assert execution["ResultConfiguration"]["OutputLocation"] == (
        f"s3://query-results/analysts/{query_id}.csv")
    assert producer.list_query_executions(WorkGroup="analysts")["QueryExecutionIds"] == [
        query_id]


def test_execution_parameters_fill_placeholders(producer):
    # Items with note red and id > 1 are ids 3 and 6; the '?' in the literal stays text.
    query_id = producer.start_query_execution(
        QueryString="SELECT count(*) AS n, '?' AS mark FROM ehms.sales.items "
                    "WHERE note = ? AND id > ? -- a comment's ? stays",
        ExecutionParameters=["'red'", "1"],
        ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]
    execution = wait(producer, query_id)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["ExecutionParameters"] == ["'red'", "1"]
    assert execution["Query"].startswith("SELECT count(*) AS n, '?' AS mark")
    assert rows_of(producer, query_id)[0] == [["n", "mark"], ["2", "?"]]


def test_execution_parameters_count_must_match(producer):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        producer.start_query_execution(
            QueryString="SELECT ? AS a, ? AS b", ExecutionParameters=["1"],
            ResultConfiguration={"OutputLocation": RESULTS})
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestException"
    assert excinfo.value.response["Error"]["Message"] == (
        "The query has 2 parameter placeholders (?) but executionParameters has 1 values")


def test_runtime_statistics_match_execution(producer):
    execution = run(producer, "SELECT count(*) AS n FROM ehms.sales.items")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    statistics = producer.get_query_runtime_statistics(
        QueryExecutionId=execution["QueryExecutionId"])["QueryRuntimeStatistics"]
    assert statistics["Rows"] == {"InputBytes": len(ITEMS_CSV)}
    assert statistics["Timeline"]["EngineExecutionTimeInMillis"] == \
        execution["Statistics"]["EngineExecutionTimeInMillis"]
    assert statistics["Timeline"]["TotalExecutionTimeInMillis"] == \
        execution["Statistics"]["TotalExecutionTimeInMillis"]


@pytest.mark.parametrize("name", ["secret.csv", "*.csv", "secret.json"])
def test_out_of_scope_cte_name_cannot_read_local_file(producer, tmp_path, name):
    # A CTE of the same name inside a subquery does not cover the outer
    # reference, which DuckDB would read as a local file.
    (tmp_path / "secret.csv").write_text("user,secret\nroot,hunter2\n")
    (tmp_path / "secret.json").write_text('{"secret": "hunter2"}\n')
    path = str(tmp_path / name)
    execution = run(producer, f'SELECT * FROM (WITH "{path}" AS (SELECT 1 AS a) SELECT 1) a, '
                              f'"{path}" b')
    assert execution["Status"]["State"] == "FAILED"
    reason = execution["Status"]["StateChangeReason"]
    assert reason.startswith("TABLE_NOT_FOUND: ") or reason.startswith("INVALID_INPUT: "), reason
    assert "hunter2" not in reason
