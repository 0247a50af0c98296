"""Query results against bare DuckDB, through the real chain: the consumer
account queries the producer's HIVE catalog (owlery serve -> the real
owlery-hms-connector function -> owlery-metastore), over CSV, TSV, JSON and
Parquet tables, partitioned and not, whose data the producer put in S3.

The expected rows come from DuckDB's C library (the libduckdb.so the build
links, through ctypes) reading the same bytes from local files, so the
comparison checks owlery's binding of Hive tables, not DuckDB.
"""

import ctypes
import json
import os
import re
import time

import pytest

from conftest import (CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, OwleryServer, client,
                      create_account)
from test_athena_hive import FUNCTION, FUNCTION_ARN, consumer_user
from test_athena_query import libduckdb_path
from test_connector import (SPILL_POLICY, Metastore, connector_zip, create_execution_role,  # noqa: F401
                            deploy, hms, thrift_client)

BUCKET = "athena-test"
RESULTS = "s3://consumer-results/athena/"
ROWS = 600
DATES = ["2024-01-01", "2024-01-02", "2024-01-03"]
BIG_PARTITIONS = 10000
BIG_WITH_DATA = [0, 4242, 9999]

LAZY = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
FORMATS = {
    # name: (serde, serde parameters, input format, output format, file extension)
    "csv": (LAZY, {"field.delim": ","}, TEXT_INPUT, TEXT_OUTPUT, "csv"),
    "tsv": (LAZY, {"field.delim": "\t"}, TEXT_INPUT, TEXT_OUTPUT, "tsv"),
    "json": ("org.openx.data.jsonserde.JsonSerDe", {}, TEXT_INPUT, TEXT_OUTPUT, "json"),
    "parquet": ("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", {},
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat", "parquet"),
}
COLUMNS = [("id", "bigint"), ("name", "string"), ("amount", "double"), ("flag", "boolean")]
DUCKDB_COLUMNS = "{'id': 'BIGINT', 'name': 'VARCHAR', 'amount': 'DOUBLE', 'flag': 'BOOLEAN'}"


def rows():
    """The table's rows as (id, name, amount, flag, dt); every eleventh name is NULL."""
    out = []
    for i in range(ROWS):
        name = None if i % 11 == 0 else f"n{i % 7}"
        out.append((i, name, round((i * 1.25) % 97, 2), i % 3 == 0, DATES[i % 3]))
    return out


def render(fmt, subset):
    """Encodes rows as the bytes of one text file of fmt."""
    lines = []
    for i, name, amount, flag, _ in subset:
        if fmt == "json":
            lines.append(json.dumps({"id": i, "name": name, "amount": amount, "flag": flag}))
        else:
            sep = "," if fmt == "csv" else "\t"
            cells = [str(i), "\\N" if name is None else name, repr(amount),
                     "true" if flag else "false"]
            lines.append(sep.join(cells))
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------------------
# Bare DuckDB through ctypes
# ---------------------------------------------------------------------------

class DuckDB:
    """An in-memory DuckDB database of the build's libduckdb.so."""

    def __init__(self):
        library = libduckdb_path()
        assert library, "owlery does not load a libduckdb.so (ldd found none)"
        self.lib = ctypes.CDLL(library)
        self.lib.duckdb_row_count.restype = ctypes.c_uint64
        self.lib.duckdb_column_count.restype = ctypes.c_uint64
        self.lib.duckdb_value_varchar.restype = ctypes.c_void_p
        self.lib.duckdb_value_varchar.argtypes = [ctypes.c_void_p, ctypes.c_uint64,
                                                  ctypes.c_uint64]
        self.lib.duckdb_value_is_null.restype = ctypes.c_bool
        self.lib.duckdb_value_is_null.argtypes = [ctypes.c_void_p, ctypes.c_uint64,
                                                  ctypes.c_uint64]
        self.lib.duckdb_result_error.restype = ctypes.c_char_p
        self.database, self.connection = ctypes.c_void_p(), ctypes.c_void_p()
        assert self.lib.duckdb_open(None, ctypes.byref(self.database)) == 0
        assert self.lib.duckdb_connect(self.database, ctypes.byref(self.connection)) == 0
        self.execute("SET TimeZone = 'UTC'")

    def execute(self, sql):
        """Runs sql and returns its rows as lists of strings (None for NULL)."""
        result = ctypes.create_string_buffer(256)  # larger than struct duckdb_result
        state = self.lib.duckdb_query(self.connection, sql.encode(), result)
        if state != 0:
            error = self.lib.duckdb_result_error(result)
            self.lib.duckdb_destroy_result(result)
            raise AssertionError(f"DuckDB failed on {sql}: {error}")
        out = []
        columns = self.lib.duckdb_column_count(result)
        for r in range(self.lib.duckdb_row_count(result)):
            row = []
            for c in range(columns):
                if self.lib.duckdb_value_is_null(result, c, r):
                    row.append(None)
                    continue
                pointer = self.lib.duckdb_value_varchar(result, c, r)
                row.append(ctypes.string_at(pointer).decode())
                self.lib.duckdb_free(ctypes.c_void_p(pointer))
            out.append(row)
        self.lib.duckdb_destroy_result(result)
        return out

    def close(self):
        self.lib.duckdb_disconnect(ctypes.byref(self.connection))
        self.lib.duckdb_close(ctypes.byref(self.database))


def duckdb_source(fmt, pattern, partitioned=False):
    """The DuckDB table function that reads the local files matching pattern."""
    hive = ", hive_partitioning = true" if partitioned else ""
    if fmt == "json":
        return f"read_json('{pattern}', format = 'newline_delimited', columns = {DUCKDB_COLUMNS}{hive})"
    if fmt == "parquet":
        return f"read_parquet('{pattern}'{hive})"
    sep = "," if fmt == "csv" else "\\t"
    return (f"read_csv('{pattern}', delim = E'{sep}', header = false, nullstr = '\\N', "
            f"columns = {DUCKDB_COLUMNS}{hive})")


# ---------------------------------------------------------------------------
# The producer's tables and the consumer's access
# ---------------------------------------------------------------------------

def hive_table(ttypes, name, fmt, partition_keys):
    serde, params, input_format, output_format, _ = FORMATS[fmt]
    sd = ttypes.StorageDescriptor(
        cols=[ttypes.FieldSchema(n, t, None) for n, t in COLUMNS],
        location=f"s3://{BUCKET}/formats/{name}", inputFormat=input_format,
        outputFormat=output_format, compressed=False, numBuckets=-1,
        serdeInfo=ttypes.SerDeInfo(name, serde, dict(params)), bucketCols=[], sortCols=[],
        parameters={})
    return ttypes.Table(tableName=name, dbName="formats", owner="producer",
                        createTime=1700000000, lastAccessTime=0, retention=0, sd=sd,
                        partitionKeys=[ttypes.FieldSchema(k, t, None) for k, t in partition_keys],
                        parameters={"EXTERNAL": "TRUE"}, tableType="EXTERNAL_TABLE")


def hive_partition(ttypes, table, values, location):
    sd = ttypes.StorageDescriptor(
        cols=table.sd.cols, location=location, inputFormat=table.sd.inputFormat,
        outputFormat=table.sd.outputFormat, compressed=False, numBuckets=-1,
        serdeInfo=table.sd.serdeInfo, bucketCols=[], sortCols=[], parameters={})
    return ttypes.Partition(values=values, dbName=table.dbName, tableName=table.tableName,
                            createTime=1700000000, lastAccessTime=0, sd=sd, parameters={})


def write_files(duck, local, fmt, partitioned):
    """Writes the local copy of one table; returns {relative key: bytes}."""
    all_rows = rows()
    groups = {f"dt={dt}/": [r for r in all_rows if r[4] == dt] for dt in DATES} \
        if partitioned else {"": all_rows}
    objects = {}
    for prefix, subset in groups.items():
        os.makedirs(os.path.join(local, prefix), exist_ok=True)
        key = f"{prefix}part-00000.{FORMATS[fmt][4]}"
        path = os.path.join(local, key)
        if fmt == "parquet":
            text_path = path + ".tsv"
            with open(text_path, "wb") as f:
                f.write(render("tsv", subset))
            duck.execute(f"COPY (SELECT * FROM {duckdb_source('tsv', text_path)}) "
                         f"TO '{path}' (FORMAT parquet)")
            os.unlink(text_path)
        else:
            with open(path, "wb") as f:
                f.write(render(fmt, subset))
        with open(path, "rb") as f:
            objects[key] = f.read()
    return objects


@pytest.fixture(scope="module")
def world(tmp_path_factory, hms, connector_zip):  # noqa: F811
    ttypes = hms[1]
    base = tmp_path_factory.mktemp("formats")
    data_dir = base / "data"
    create_account(data_dir, PRODUCER, PRODUCER_KEY, name="producer")
    create_account(data_dir, CONSUMER, CONSUMER_KEY, name="consumer")
    server = OwleryServer(data_dir, base / "serve.log").start()
    metastore = Metastore(base / "hms-data", base / "metastore.log").start()
    duck = DuckDB()
    try:
        s3 = client(server, "s3", PRODUCER_KEY)
        s3.create_bucket(Bucket=BUCKET)
        s3.create_bucket(Bucket="mybucket")
        hms_client, transport = thrift_client(hms, metastore.port)
        hms_client.create_database(ttypes.Database("formats", "", f"s3://{BUCKET}/formats", {}))
        for fmt in FORMATS:
            for partitioned in (False, True):
                name = f"{fmt}_p" if partitioned else fmt
                local = str(base / "local" / name)
                objects = write_files(duck, local, fmt, partitioned)
                table = hive_table(ttypes, name, fmt, [("dt", "string")] if partitioned else [])
                hms_client.create_table(table)
                for key, body in objects.items():
                    s3.put_object(Bucket=BUCKET, Key=f"formats/{name}/{key}", Body=body)
                if partitioned:
                    hms_client.add_partitions([
                        hive_partition(ttypes, table, [dt], f"s3://{BUCKET}/formats/{name}/dt={dt}")
                        for dt in DATES])
                pattern = os.path.join(local, "*", "*") if partitioned else os.path.join(local, "*")
                duck.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                             f"{duckdb_source(fmt, pattern, partitioned)}")

        # 10,000 partitions, of which three hold an object.
        big = hive_table(ttypes, "big", "csv", [("p", "int")])
        hms_client.create_table(big)
        for start in range(0, BIG_PARTITIONS, 1000):
            hms_client.add_partitions([
                hive_partition(ttypes, big, [str(p)], f"s3://{BUCKET}/formats/big/p={p}")
                for p in range(start, start + 1000)])
        big_objects = {}
        for p in BIG_WITH_DATA:
            body = render("csv", [(p * 10 + k, f"b{p}", 1.5 * k, k % 2 == 0, "") for k in range(p % 7 + 2)])
            s3.put_object(Bucket=BUCKET, Key=f"formats/big/p={p}/part-0.csv", Body=body)
            big_objects[p] = body
        transport.close()

        create_execution_role(server, SPILL_POLICY)
        deploy(server, connector_zip, FUNCTION, {
            "HMS_URIS": f"thrift://127.0.0.1:{metastore.port}",
            "SPILL_LOCATION": "s3://mybucket/spill"})
        client(server, "lambda", PRODUCER_KEY).add_permission(
            FunctionName=FUNCTION, StatementId="consumer-invoke", Action="lambda:InvokeFunction",
            Principal=f"arn:aws:iam::{CONSUMER}:user/perf1-test")
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:user/perf1-test"},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/formats/*"]}]}))
        s3.put_bucket_policy(Bucket="mybucket", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:user/perf1-test"},
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mybucket/spill/*"}]}))

        key = consumer_user(server)
        iam = client(server, "iam", CONSUMER_KEY)
        iam.put_user_policy(UserName="perf1-test", PolicyName="results", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["s3:PutObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::consumer-results", "arn:aws:s3:::consumer-results/*"]}]}))
        client(server, "s3", CONSUMER_KEY).create_bucket(Bucket="consumer-results")
        athena = client(server, "athena", key, region="eu-central-1")
        athena.create_data_catalog(Name="ehms", Type="HIVE",
                                   Parameters={"metadata-function": FUNCTION_ARN})
        yield {"athena": athena, "duck": duck, "server": server, "big_objects": big_objects}
    finally:
        duck.close()
        metastore.stop()
        server.stop()


def run_query(athena, sql):
    query_id = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Catalog": "ehms", "Database": "formats"},
        ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]
    deadline = time.time() + 60
    while time.time() < deadline:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] not in ("QUEUED", "RUNNING"):
            break
        time.sleep(0.02)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    out = []
    token = None
    while True:
        args = {"QueryExecutionId": query_id, "MaxResults": 1000}
        if token:
            args["NextToken"] = token
        page = athena.get_query_results(**args)
        out.extend([cell.get("VarCharValue") for cell in row["Data"]]
                   for row in page["ResultSet"]["Rows"])
        token = page.get("NextToken")
        if not token:
            break
    return execution, out[0], out[1:]


QUERIES = [
    ("SELECT name, count(*) AS n, sum(id) AS s, round(sum(amount), 2) AS a, "
     "count_if(flag) AS f FROM {t} GROUP BY name ORDER BY name NULLS FIRST",
     ["name", "n", "s", "a", "f"]),
    ("SELECT id, name, amount, flag FROM {t} WHERE amount > 50 ORDER BY id",
     ["id", "name", "amount", "flag"]),
    ("SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM {t} WHERE name IS NULL",
     ["n", "lo", "hi"]),
]
PARTITION_QUERIES = [
    ("SELECT dt, count(*) AS n, sum(id) AS s FROM {t} GROUP BY dt ORDER BY dt",
     ["dt", "n", "s"]),
    ("SELECT id, name, dt FROM {t} WHERE dt = '2024-01-02' AND id < 100 ORDER BY id",
     ["id", "name", "dt"]),
]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("partitioned", [False, True], ids=["flat", "partitioned"])
def test_rows_match_bare_duckdb(world, fmt, partitioned):
    table = f"{fmt}_p" if partitioned else fmt
    queries = QUERIES + (PARTITION_QUERIES if partitioned else [])
    for query, expected_header in queries:
        sql = query.format(t=table)
        _, header, got = run_query(world["athena"], sql)
        expected = world["duck"].execute(sql)
        assert expected, sql
        assert header == expected_header, sql
        assert len(got) == len(expected), sql
        assert got == expected, sql


def test_full_scan_counts_every_row(world):
    for table in list(FORMATS) + [f"{fmt}_p" for fmt in FORMATS]:
        _, _, got = run_query(world["athena"], f"SELECT count(*) AS n FROM {table}")
        assert got == [[str(ROWS)]], table


def test_partition_filter_lists_one_of_ten_thousand(world):
    execution, header, got = run_query(
        world["athena"], "SELECT p, count(*) AS n, sum(id) AS s FROM big WHERE p = 4242 GROUP BY p")
    body = world["big_objects"][4242]
    expected_rows = 4242 % 7 + 2
    assert header == ["p", "n", "s"]
    assert got == [["4242", str(expected_rows), str(sum(42420 + k for k in range(expected_rows)))]]
    assert execution["Statistics"]["DataScannedInBytes"] == len(body)

    query_id = execution["QueryExecutionId"]
    listed = re.findall(rf"event=athena_location_listed query_execution_id={query_id} "
                        r"table=ehms\.formats\.big location=\"?([^\" ]+)\"? objects=(\d+)",
                        world["server"].log())
    assert listed == [(f"s3://{BUCKET}/formats/big/p=4242/", "1")]
    # The metastore evaluated the filter: one partition came back, not 10,000.
    filtered = re.findall(rf"event=athena_partitions_filtered query_execution_id={query_id} "
                          r"table=ehms\.formats\.big partitions=(\d+)", world["server"].log())
    assert filtered == ["1"]


def test_partition_range_reads_matching_objects(world):
    execution, _, got = run_query(
        world["athena"], "SELECT p, count(*) AS n FROM big WHERE p >= 9000 GROUP BY p ORDER BY p")
    assert got == [["9999", str(9999 % 7 + 2)]]
    assert execution["Statistics"]["DataScannedInBytes"] == len(world["big_objects"][9999])
    listed = re.findall(rf"event=athena_location_listed query_execution_id="
                        rf"{execution['QueryExecutionId']} ", world["server"].log())
    assert len(listed) == BIG_PARTITIONS - 9000
