"""Setup shared by the load suite (tests/load) and the fault suite
(tests/faults): one `owlery serve` and one `owlery-metastore` on loopback,
each with a data directory in a temporary folder, and the cross-account job
between them.

The producer 111122223333 keeps the CSV table sales.items in
s3://athena-test/lambda/dataset/items/ and its definition in owlery-metastore,
and deploys the real connector (scripts/connector-zip) as function
external-hms-service-new in us-east-1. The consumer 444455556666 user
perf1-test registers it as HIVE catalog ehms in eu-central-1 and runs Athena
queries whose results go to its own bucket.

The fixtures and helpers of tests/integration are reused: conftest.py for
the server process, accounts and clients, test_connector.py for the
metastore process and the Hive structs."""

import csv
import functools
import io
import json
import os
import subprocess
import sys
import time

import botocore.config
import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INTEGRATION = os.path.join(ROOT, "tests", "integration")
sys.path.insert(0, INTEGRATION)

from conftest import (CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY,  # noqa: E402
                      OwleryServer, create_account)
from test_connector import (BUILD, CONNECTOR_BUILD, ROLE, Metastore,  # noqa: E402
                            create_execution_role, make_table, thrift_client)

__all__ = ["BUILD", "CONSUMER", "CONSUMER_KEY", "PRODUCER", "PRODUCER_KEY", "make_table",
           "thrift_client"]

FUNCTION = "external-hms-service-new"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{PRODUCER}:function:{FUNCTION}"
USER = "perf1-test"
USER_ARN = f"arn:aws:iam::{CONSUMER}:user/{USER}"
DATA_BUCKET = "athena-test"
ITEMS_KEY = "lambda/dataset/items/part-0.csv"
RESULTS_BUCKET = f"aws-athena-query-results-{CONSUMER}-eu-central-1"
RESULTS = f"s3://{RESULTS_BUCKET}/load/"

# sales.items: columns id bigint and v string (make_table in test_connector.py).
ITEMS_ROWS = [(i, f"colour{i % 5}") for i in range(1, 201)]
ITEMS_CSV = "".join(f"{i},{v}\n" for i, v in ITEMS_ROWS).encode()
ITEMS_QUERY = ("SELECT v, count(*) AS n, sum(id) AS ids FROM ehms.sales.items "
               "GROUP BY v ORDER BY v")


def items_expected():
    """Returns the rows of ITEMS_QUERY as GetQueryResults prints them, from Python's csv module."""
    groups = {}
    for row in csv.reader(io.StringIO(ITEMS_CSV.decode())):
        count, ids = groups.get(row[1], (0, 0))
        groups[row[1]] = (count + 1, ids + int(row[0]))
    return [["v", "n", "ids"]] + [[v, str(n), str(ids)] for v, (n, ids) in sorted(groups.items())]


def make_client(endpoint, service, key, region="us-east-1", pool=10, read_timeout=60):
    """Returns a boto3 client that sends each request once, so every failure is counted.
    (Legacy mode's max_attempts=1, used by the integration tests, still retries once.)"""
    return boto3.client(
        service, endpoint_url=endpoint, region_name=region,
        aws_access_key_id=key[0], aws_secret_access_key=key[1],
        config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1},
                                      max_pool_connections=pool,
                                      read_timeout=read_timeout, connect_timeout=10))


def generate_hms(out_dir):
    """Generates the Python metastore client; returns (ThriftHiveMetastore, ttypes)."""
    os.makedirs(out_dir, exist_ok=True)
    subprocess.run(["thrift", "--gen", "py", "-out", str(out_dir),
                    os.path.join(INTEGRATION, "hms", "metastore.thrift")], check=True, timeout=60)
    sys.path.insert(0, str(out_dir))
    from owlery_hms import ThriftHiveMetastore, ttypes
    return ThriftHiveMetastore, ttypes


@functools.lru_cache(maxsize=1)
def build_connector_zip():
    """Builds the connector package with scripts/connector-zip; returns its bytes."""
    out = subprocess.run([os.path.join(ROOT, "scripts", "connector-zip"), CONNECTOR_BUILD],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/connector-zip failed:\n{out.stderr}")
    with open(out.stdout.strip().splitlines()[-1], "rb") as f:
        return f.read()


def peak_rss_kib(pid):
    """Returns VmHWM of the process in KiB (the peak resident set size so far)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM line")


def percentile(sorted_values, fraction):
    """Returns the nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, int(fraction * len(sorted_values) + 0.999999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Scenario:
    """The producer/consumer job on one owlery serve and one owlery-metastore.

    work_dir receives data/ (owlery serve), hms-data/ (the metastore), the logs
    and the generated metastore client. data_dir overrides the place of
    owlery serve's data directory, for a directory on a small file system."""

    def __init__(self, work_dir, data_dir=None, with_metastore=True):
        self.work_dir = str(work_dir)
        self.data_dir = str(data_dir or os.path.join(self.work_dir, "data"))
        self.with_metastore = with_metastore
        self.server = None
        self.metastore = None
        self.hms = None
        self.user_key = None

    # --- processes ------------------------------------------------------

    def start(self):
        create_account(self.data_dir, PRODUCER, PRODUCER_KEY, name="producer")
        create_account(self.data_dir, CONSUMER, CONSUMER_KEY, name="consumer")
        self.server = OwleryServer(self.data_dir,
                                   os.path.join(self.work_dir, "serve.log")).start()
        if self.with_metastore:
            self.metastore = Metastore(os.path.join(self.work_dir, "hms-data"),
                                       os.path.join(self.work_dir, "metastore.log")).start()
            self.hms = generate_hms(os.path.join(self.work_dir, "hms-py"))
        return self

    def stop(self):
        """Stops both processes; returns owlery serve's exit status."""
        status = None
        if self.server:
            status = self.server.stop()
        if self.metastore:
            self.metastore.stop()
        return status

    @property
    def endpoint(self):
        return self.server.endpoint

    def client(self, service, key=PRODUCER_KEY, region="us-east-1", **kwargs):
        return make_client(self.endpoint, service, key, region=region, **kwargs)

    def athena(self, **kwargs):
        """An Athena client of perf1-test in eu-central-1, where catalog ehms lives."""
        return self.client("athena", self.user_key, region="eu-central-1", **kwargs)

    # --- the job --------------------------------------------------------

    def setup_producer(self, tables=("items",), function_env=None, function_timeout=30):
        """Puts the table data, creates the tables in the metastore, deploys the connector
    with its execution role."""
        s3 = self.client("s3")
        s3.create_bucket(Bucket=DATA_BUCKET)
        s3.put_object(Bucket=DATA_BUCKET, Key=ITEMS_KEY, Body=ITEMS_CSV)
        statement = {"Effect": "Allow", "Principal": {"AWS": USER_ARN}}
        s3.put_bucket_policy(Bucket=DATA_BUCKET, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {**statement, "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{DATA_BUCKET}"},
                {**statement, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{DATA_BUCKET}/lambda/*"}]}))

        ttypes = self.hms[1]
        hms_client, transport = thrift_client(self.hms, self.metastore.port)
        hms_client.create_database(ttypes.Database("sales", "sales data",
                                                   "s3://athena-test/lambda/dataset", {}))
        for name in tables:
            hms_client.create_table(make_table(ttypes, "sales", name, partitioned=False))
        transport.close()

        create_execution_role(self.server, spill_policy=None)
        environment = {"HMS_URIS": f"thrift://127.0.0.1:{self.metastore.port}",
                       **(function_env or {})}
        self.deploy_function(FUNCTION, build_connector_zip(), environment=environment,
                             timeout=function_timeout)

    def deploy_function(self, name, zip_bytes, handler="bootstrap", environment=None,
                        timeout=30):
        """Creates a producer function in us-east-1 that perf1-test may invoke; returns its ARN."""
        lam = self.client("lambda")
        created = lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                                      Handler=handler, Timeout=timeout,
                                      Code={"ZipFile": zip_bytes},
                                      Environment={"Variables": environment or {}})
        lam.add_permission(FunctionName=name, StatementId="Id-ehms-invocation2",
                           Action="lambda:InvokeFunction", Principal=USER_ARN)
        return created["FunctionArn"]

    def setup_consumer(self, catalog="ehms", function=FUNCTION_ARN):
        """Creates perf1-test, its results bucket and the HIVE catalog."""
        iam = self.client("iam", CONSUMER_KEY)
        iam.create_user(UserName=USER)
        iam.attach_user_policy(UserName=USER,
                               PolicyArn="arn:aws:iam::aws:policy/AmazonAthenaFullAccess")
        iam.put_user_policy(UserName=USER, PolicyName="invoke-read-results",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                 "Resource": "*"},
                                {"Effect": "Allow", "Action": "s3:*", "Resource": [
                                    f"arn:aws:s3:::{RESULTS_BUCKET}",
                                    f"arn:aws:s3:::{RESULTS_BUCKET}/*"]},
                                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                                 "Resource": "arn:aws:s3:::athena-test*"}]}))
        key = iam.create_access_key(UserName=USER)["AccessKey"]
        self.user_key = (key["AccessKeyId"], key["SecretAccessKey"])
        self.client("s3", CONSUMER_KEY, region="eu-central-1").create_bucket(
            Bucket=RESULTS_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        self.athena().create_data_catalog(Name=catalog, Type="HIVE",
                                          Parameters={"metadata-function": function})


def wait_query(athena, query_id, timeout=60, poll=0.02):
    """Polls GetQueryExecution until the query leaves QUEUED and RUNNING; returns the execution."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] not in ("QUEUED", "RUNNING"):
            return execution
        time.sleep(poll)
    raise AssertionError(f"query {query_id} did not finish within {timeout} s")


def run_query(athena, sql, output=RESULTS, timeout=60):
    """Starts sql and waits for it; returns the final execution."""
    query_id = athena.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": output})["QueryExecutionId"]
    return wait_query(athena, query_id, timeout=timeout)


def result_rows(athena, query_id):
    """Returns every row of the query's results (header first), across pages."""
    rows, token = [], None
    while True:
        kwargs = {"QueryExecutionId": query_id, **({"NextToken": token} if token else {})}
        page = athena.get_query_results(**kwargs)
        rows.extend([cell.get("VarCharValue") for cell in row["Data"]]
                    for row in page["ResultSet"]["Rows"])
        token = page.get("NextToken")
        if not token:
            return rows

