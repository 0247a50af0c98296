"""Load suite: LOAD_CLIENTS threads (default 64) call one `owlery serve` for
LOAD_SECONDS (default 30) with a random mix of Athena queries over the HIVE
catalog ehms, Athena metadata calls and S3 reads and writes of small
objects, then check every response.

The suite fails on any error. It prints, per kind of call, the number of
calls, errors and the latency p50/p95/p99, and the peak resident memory
(VmHWM) of owlery serve. At the end every acknowledged PutObject must read
back with the same bytes, and every query that SUCCEEDED must have returned
the rows that Python's csv module computes from the table's CSV.

Each thread writes only under its own prefix, so a listing of that prefix
must return exactly the keys the thread has written."""

import hashlib
import json
import os
import random
import shutil
import tempfile
import threading
import time

import pytest

import harness

CLIENTS = int(os.environ.get("LOAD_CLIENTS", "64"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "30"))
OBJECT_BUCKET = "load-objects"
MAX_OBJECT_BYTES = 16 * 1024

# Kinds of call with their relative weights in the mix.
KINDS = {
    "athena.Query": 2,
    "athena.GetTableMetadata": 2,
    "athena.ListTableMetadata": 2,
    "athena.GetDataCatalog": 2,
    "s3.PutObject": 3,
    "s3.GetObject": 3,
    "s3.HeadObject": 2,
    "s3.ListObjectsV2": 1,
}


class Recorder:
    """Latencies and errors per kind of call, shared by all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {kind: [] for kind in KINDS}
        self.errors = {kind: [] for kind in KINDS}

    def record(self, kind, seconds, error=None):
        with self.lock:
            self.latencies[kind].append(seconds)
            if error is not None:
                self.errors[kind].append(error)


class Worker:
    """One client thread: its random mix, its objects and its query outcomes."""

    def __init__(self, index, clients, recorder, expected_rows):
        self.index = index
        self.athena, self.s3 = clients
        self.recorder = recorder
        self.expected_rows = expected_rows
        self.random = random.Random(index)
        self.prefix = f"load/t{index:02d}/"
        self.acknowledged = {}  # key -> sha256 of the body that got a 200
        self.succeeded_queries = []

    def run(self, stop_at):
        kinds, weights = list(KINDS), list(KINDS.values())
        while time.time() < stop_at:
            kind = self.random.choices(kinds, weights)[0]
            if kind in ("s3.GetObject", "s3.HeadObject") and not self.acknowledged:
                kind = "s3.PutObject"
            started = time.perf_counter()
            try:
                error = getattr(self, kind.replace(".", "_"))()
            except Exception as exc:  # every failed call is recorded, not raised
                error = f"{type(exc).__name__}: {exc}"
            self.recorder.record(kind, time.perf_counter() - started, error)

    # --- Athena -----------------------------------------------------------

    def athena_Query(self):
        execution = harness.run_query(self.athena, harness.ITEMS_QUERY, timeout=120)
        query_id = execution["QueryExecutionId"]
        if execution["Status"]["State"] != "SUCCEEDED":
            return f"query {query_id} ended {execution['Status']}"
        rows = harness.result_rows(self.athena, query_id)
        if rows != self.expected_rows:
            return f"query {query_id} returned {rows}"
        self.succeeded_queries.append(query_id)
        return None

    def athena_GetTableMetadata(self):
        table = self.athena.get_table_metadata(CatalogName="ehms", DatabaseName="sales",
                                               TableName="items")["TableMetadata"]
        columns = [column["Name"] for column in table["Columns"]]
        return None if columns == ["id", "v"] else f"items has columns {columns}"

    def athena_ListTableMetadata(self):
        tables = self.athena.list_table_metadata(CatalogName="ehms",
                                                 DatabaseName="sales")["TableMetadataList"]
        names = [table["Name"] for table in tables]
        return None if names == ["items"] else f"sales lists tables {names}"

    def athena_GetDataCatalog(self):
        catalog = self.athena.get_data_catalog(Name="ehms")["DataCatalog"]
        function = catalog["Parameters"].get("metadata-function")
        return None if function == harness.FUNCTION_ARN else f"ehms names function {function}"

    # --- S3 ---------------------------------------------------------------

    def s3_PutObject(self):
        key = f"{self.prefix}{len(self.acknowledged):06d}"
        body = self.random.randbytes(self.random.randint(0, MAX_OBJECT_BYTES))
        self.s3.put_object(Bucket=OBJECT_BUCKET, Key=key, Body=body)
        self.acknowledged[key] = hashlib.sha256(body).hexdigest()
        return None

    def s3_GetObject(self):
        key = self.random.choice(list(self.acknowledged))
        body = self.s3.get_object(Bucket=OBJECT_BUCKET, Key=key)["Body"].read()
        digest = hashlib.sha256(body).hexdigest()
        return None if digest == self.acknowledged[key] else f"{key} read back other bytes"

    def s3_HeadObject(self):
        key = self.random.choice(list(self.acknowledged))
        self.s3.head_object(Bucket=OBJECT_BUCKET, Key=key)
        return None

    def s3_ListObjectsV2(self):
        keys, token = [], None
        while True:
            kwargs = {"Bucket": OBJECT_BUCKET, "Prefix": self.prefix,
                      **({"ContinuationToken": token} if token else {})}
            page = self.s3.list_objects_v2(**kwargs)
            keys.extend(item["Key"] for item in page.get("Contents", []))
            token = page.get("NextContinuationToken")
            if not token:
                break
        expected = sorted(self.acknowledged)
        return None if keys == expected else (
            f"{self.prefix} lists {len(keys)} keys, {len(expected)} acknowledged")


@pytest.fixture
def scenario():
    # A work folder that others may search, unlike pytest's own, so owlery
    # serve runs function instances as nobody, as in production.
    work_dir = tempfile.mkdtemp(prefix="owlery-load-", dir="/tmp")
    os.chmod(work_dir, 0o711)
    scenario = harness.Scenario(work_dir).start()
    yield scenario
    status = scenario.stop()
    assert status == 0, "owlery serve did not exit cleanly:\n" + scenario.server.log()[-4000:]
    shutil.rmtree(work_dir, ignore_errors=True)


def print_report(recorder, elapsed, peak_kib):
    print(f"\nload: {CLIENTS} clients for {elapsed:.1f} s against one owlery serve")
    print(f"{'kind':26} {'calls':>7} {'errors':>6} {'calls/s':>8} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    total = 0
    for kind in KINDS:
        latencies = sorted(recorder.latencies[kind])
        total += len(latencies)
        figures = [harness.percentile(latencies, f) for f in (0.50, 0.95, 0.99)]
        cells = " ".join(f"{v * 1000:8.1f}" if v is not None else f"{'-':>8}" for v in figures)
        print(f"{kind:26} {len(latencies):7d} {len(recorder.errors[kind]):6d} "
              f"{len(latencies) / elapsed:8.1f} {cells}")
    print(f"{'all':26} {total:7d} {sum(map(len, recorder.errors.values())):6d} "
          f"{total / elapsed:8.1f}")
    print(f"owlery serve peak resident memory (VmHWM): {peak_kib / 1024:.1f} MiB")


def test_mixed_load(scenario):
    scenario.setup_producer()
    scenario.setup_consumer()
    scenario.client("s3").create_bucket(Bucket=OBJECT_BUCKET)
    expected_rows = harness.items_expected()

    # Clients are shared by the threads (botocore clients are thread-safe), with
    # one pooled connection per thread.
    shared = (scenario.athena(pool=CLIENTS, read_timeout=120),
              scenario.client("s3", pool=CLIENTS))
    recorder = Recorder()
    workers = [Worker(i, shared, recorder, expected_rows) for i in range(CLIENTS)]
    started = time.time()
    stop_at = started + SECONDS
    threads = [threading.Thread(target=w.run, args=(stop_at,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - started
    assert scenario.server.alive(), scenario.server.log()[-4000:]
    print_report(recorder, elapsed, harness.peak_rss_kib(scenario.server.process.pid))

    throttled = scenario.server.log().count("event=athena_function_throttled")
    print(f"catalog function calls that waited for a free instance: {throttled}")
    errors_logged = [line for line in scenario.server.log().splitlines()
                     if " level=error " in line or " level=warn " in line]
    assert errors_logged == [], "owlery serve logged errors under load:\n" + \
        "\n".join(errors_logged[:20])
    failures = [f"{kind}: {error}" for kind, errors in recorder.errors.items() for error in errors]
    assert failures == [], f"{len(failures)} calls failed, first ones:\n" + "\n".join(failures[:20])
    for kind in KINDS:
        assert recorder.latencies[kind], f"the mix never ran {kind}"

    # Every acknowledged write reads back with its bytes, through a fresh client.
    s3 = scenario.client("s3")
    acknowledged = {key: digest for w in workers for key, digest in w.acknowledged.items()}
    for key, digest in acknowledged.items():
        body = s3.get_object(Bucket=OBJECT_BUCKET, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == digest, key
    listed = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=OBJECT_BUCKET) for item in page.get("Contents", [])]
    assert sorted(listed) == sorted(acknowledged)

    # Every query that SUCCEEDED still reports that state and the same rows.
    athena = scenario.athena()
    succeeded = [query_id for w in workers for query_id in w.succeeded_queries]
    for start in range(0, len(succeeded), 50):
        batch = athena.batch_get_query_execution(QueryExecutionIds=succeeded[start:start + 50])
        assert batch["UnprocessedQueryExecutionIds"] == []
        states = {e["QueryExecutionId"]: e["Status"]["State"] for e in batch["QueryExecutions"]}
        assert states == {query_id: "SUCCEEDED" for query_id in succeeded[start:start + 50]}
    for query_id in succeeded[:: max(1, len(succeeded) // 20)]:
        assert harness.result_rows(athena, query_id) == expected_rows, query_id
    print(f"verified {len(acknowledged)} acknowledged objects and {len(succeeded)} "
          "succeeded queries")


def test_warm_connector_logs_every_invocation(scenario):
    """The connector logs each invocation after posting its response. One warm
    instance invoked 250 times, more than the 200 lines the runtime keeps
    between two invocations, still has each of those lines in the log."""
    scenario.setup_producer()
    lam = scenario.client("lambda")
    payload = json.dumps({"requestContext": {"requestId": "load"}, "apiName": "getTable",
                          "apiRequest": {"dbName": "sales", "tableName": "items"}}).encode()
    request_ids = []
    for _ in range(250):
        response = lam.invoke(FunctionName=harness.FUNCTION, Payload=payload)
        assert "FunctionError" not in response, response["Payload"].read()
        request_ids.append(response["ResponseMetadata"]["RequestId"])

    deadline = time.time() + 10
    while time.time() < deadline:
        log = scenario.server.log()
        if f"event=invocation request_id={request_ids[-1]}" in log:
            break
        time.sleep(0.1)
    assert "event=function_log_suppressed" not in log
    missing = [request_id for request_id in request_ids
               if f"event=invocation request_id={request_id}" not in log]
    assert missing == [], f"{len(missing)} of 250 invocation lines are missing from the log"
