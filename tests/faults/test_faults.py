"""Fault suite: owlery serve, owlery-metastore and the metadata function fail
in the ways production systems fail, and every case must end in a clear
error, no crash and a service that keeps working.

* kill -9 of owlery serve at a random moment during uploads (PutObject and
  multipart), catalog and IAM changes, and queries. After a restart on the
  same data directory, every write that got a 200 is there with its bytes
  or fields, nothing torn is visible, and no query is left RUNNING.
* owlery-metastore killed between the pages of a listing, and a metastore
  that accepts connections but never replies.
* metadata functions that crash, hang past their timeout or return invalid
  JSON, and a burst of calls larger than the function's instance pool.
* a full file system under the data directory (an 8 MiB tmpfs).

FAULT_SEED fixes the random kill moments and payloads; every case prints the
seed it used and what it checked."""

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import botocore.exceptions
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "load"))
import harness  # noqa: E402  (tests/load/harness.py)
from harness import CONSUMER, CONSUMER_KEY, PRODUCER_KEY  # noqa: E402
from test_lambda import make_zip  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = int(os.environ.get("FAULT_SEED", str(int(time.time()))))
MIB = 1024 * 1024
FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
RESTART_REASON = "owlery restarted before the query finished; run it again"


def rng_for(case):
    print(f"\n[{case}] FAULT_SEED={SEED}")
    return random.Random(f"{SEED}-{case}")


def digest(data):
    return hashlib.sha256(data).hexdigest()


def error_of(excinfo):
    response = excinfo.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


def kill_during(scenario, rng, workers, earliest, latest):
    """Runs the worker functions in threads, kills owlery serve with SIGKILL at a
    random moment, stops the workers and restarts the server on its data."""
    stop = threading.Event()
    threads = [threading.Thread(target=work, args=(stop,)) for work in workers]
    for thread in threads:
        thread.start()
    delay = rng.uniform(earliest, latest)
    time.sleep(delay)
    status = scenario.server.kill9()
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a worker did not stop after the kill"
    assert status == -9, f"owlery serve exited with {status} before the kill"
    scenario.server.start()
    return delay


@pytest.fixture
def scenario(tmp_path):
    scenario = harness.Scenario(tmp_path, with_metastore=False).start()
    yield scenario
    status = scenario.stop()
    assert status == 0, "owlery serve did not exit cleanly:\n" + scenario.server.log()[-4000:]


@pytest.fixture
def job(tmp_path):
    """The whole producer/consumer job, with owlery-metastore and the real connector."""
    scenario = harness.Scenario(tmp_path).start()
    scenario.setup_producer()
    scenario.setup_consumer()
    yield scenario
    status = scenario.stop()
    assert status == 0, "owlery serve did not exit cleanly:\n" + scenario.server.log()[-4000:]


# ---------------------------------------------------------------------------
# kill -9 of owlery serve
# ---------------------------------------------------------------------------

class UploadLedger:
    """What the upload workers sent and which writes got a 200, by key."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempted = {}     # key -> (sha256, length) of the body sent
        self.acknowledged = {}  # key -> sha256 of the body that got a 200
        # The key that one worker overwrites: every version sent, and the last acknowledged.
        self.overwrite_versions = {}  # sha256 -> length
        self.overwrite_acknowledged = None
        # Multipart uploads whose CreateMultipartUpload got a 200:
        # upload id -> (key, {part number: (ETag, size) of each part that got a 200}).
        self.uploads = {}
        self.completions_attempted = set()
        self.deletes_attempted = set()
        self.deleted = set()  # keys whose DeleteObject got a 204

    def attempt(self, key, sha256, size):
        with self.lock:
            self.attempted[key] = (sha256, size)

    def acknowledge(self, key, sha256):
        with self.lock:
            self.acknowledged[key] = sha256

    def settled_keys(self):
        """Returns the acknowledged keys that no delete has touched, in a stable order."""
        with self.lock:
            return sorted(set(self.acknowledged) - self.deletes_attempted)


def upload_workers(endpoint, ledger, rng, round_number):
    bucket = "crash"

    def put_object(s3, key, body):
        s3.put_object(Bucket=bucket, Key=key, Body=body)

    def multipart_upload(s3, key, body):
        parts = [body[:5 * MIB], body[5 * MIB:]]
        upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        acknowledged_parts = {}
        with ledger.lock:
            ledger.uploads[upload] = (key, acknowledged_parts)
        for number, part in enumerate(parts, start=1):
            etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number,
                                  Body=part)["ETag"]
            with ledger.lock:
                acknowledged_parts[number] = (etag, len(part))
        with ledger.lock:
            ledger.completions_attempted.add(upload)
        s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag}
                                       for number, (etag, _) in acknowledged_parts.items()]})

    def writer(kind, index, body_size, write):
        """A worker that writes new keys KIND/rROUND/wINDEX/SEQUENCE until stopped."""
        def work(stop):
            s3 = harness.make_client(endpoint, "s3", PRODUCER_KEY)
            local = random.Random(rng.random())
            sequence = 0
            while not stop.is_set():
                key = f"{kind}/r{round_number}/w{index}/{sequence:05d}"
                sequence += 1
                body = local.randbytes(body_size(local))
                ledger.attempt(key, digest(body), len(body))
                try:
                    write(s3, key, body)
                except Exception:  # the server died under the request
                    continue
                ledger.acknowledge(key, digest(body))
        return work

    def put_size(local):
        return local.choice([0, 1, 1000, 64 * 1024, MIB, 3 * MIB])

    def multipart_size(local):
        # A 5 MiB first part (S3's minimum for all parts but the last) and a short last part.
        return 5 * MIB + local.randint(1, 300000)

    def overwrite(stop):
        s3 = harness.make_client(endpoint, "s3", PRODUCER_KEY)
        local = random.Random(rng.random())
        while not stop.is_set():
            body = local.randbytes(local.choice([1000, 512 * 1024, 2 * MIB]))
            with ledger.lock:
                ledger.overwrite_versions[digest(body)] = len(body)
            try:
                s3.put_object(Bucket=bucket, Key="overwritten", Body=body)
            except Exception:  # the server died under the request
                continue
            with ledger.lock:
                ledger.overwrite_acknowledged = digest(body)

    # Objects of earlier rounds: the even ones get deleted, the odd ones copied.
    earlier = ledger.settled_keys()

    def delete(stop):
        s3 = harness.make_client(endpoint, "s3", PRODUCER_KEY)
        for key in earlier[::2]:
            if stop.is_set():
                return
            with ledger.lock:
                ledger.deletes_attempted.add(key)
            try:
                s3.delete_object(Bucket=bucket, Key=key)
            except Exception:  # the server died under the request
                return
            with ledger.lock:
                ledger.deleted.add(key)

    def copy(stop):
        s3 = harness.make_client(endpoint, "s3", PRODUCER_KEY)
        for sequence, source in enumerate(earlier[1::2]):
            if stop.is_set():
                return
            key = f"copy/r{round_number}/{sequence:05d}"
            with ledger.lock:
                sha256, size = ledger.attempted[source]
            ledger.attempt(key, sha256, size)
            try:
                s3.copy_object(Bucket=bucket, Key=key,
                               CopySource={"Bucket": bucket, "Key": source})
            except Exception:  # the server died under the request
                return
            ledger.acknowledge(key, sha256)

    return ([writer("put", i, put_size, put_object) for i in range(4)]
            + [writer("multipart", i, multipart_size, multipart_upload) for i in range(2)]
            + [overwrite, delete, copy])


def test_kill9_during_uploads(scenario):
    rng = rng_for("uploads")
    s3 = scenario.client("s3")
    s3.create_bucket(Bucket="crash")
    ledger = UploadLedger()
    for round_number in range(3):
        delay = kill_during(scenario, rng, upload_workers(scenario.endpoint, ledger, rng,
                                                          round_number), 0.3, 2.0)
        print(f"round {round_number}: killed after {delay:.2f} s")

    s3 = scenario.client("s3")
    for key in ledger.settled_keys():
        body = s3.get_object(Bucket="crash", Key=key)["Body"].read()
        assert digest(body) == ledger.acknowledged[key], f"acknowledged {key} lost its bytes"

    listed = {item["Key"]: item["Size"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket="crash") for item in page.get("Contents", [])}
    unacknowledged = 0
    for key, size in listed.items():
        if key == "overwritten":
            continue
        assert key in ledger.attempted, f"{key} is listed but was never written"
        expected_digest, expected_size = ledger.attempted[key]
        assert size == expected_size, f"{key} is listed with {size} bytes, written {expected_size}"
        if key not in ledger.acknowledged:
            unacknowledged += 1
            body = s3.get_object(Bucket="crash", Key=key)["Body"].read()
            assert digest(body) == expected_digest, f"{key} is torn"
    assert set(ledger.settled_keys()) <= set(listed)
    for key in ledger.deleted:
        assert key not in listed, f"{key} was deleted with a 204 but is back"

    # An unfinished multipart upload keeps every part that got a 200, and completes.
    resumed = 0
    for upload, (key, parts) in ledger.uploads.items():
        if key in ledger.acknowledged:
            continue
        try:
            listed_parts = s3.list_parts(Bucket="crash", Key=key,
                                         UploadId=upload).get("Parts", [])
        except botocore.exceptions.ClientError as exc:
            # Only a completion that got no reply may have finished the upload.
            assert exc.response["Error"]["Code"] == "NoSuchUpload", exc.response
            assert upload in ledger.completions_attempted, f"upload {upload} of {key} is gone"
            assert key in listed, f"upload {upload} of {key} is gone without its object"
            continue
        stored = {part["PartNumber"]: (part["ETag"], part["Size"]) for part in listed_parts}
        for number, etag_and_size in parts.items():
            assert stored.get(number) == etag_and_size, f"part {number} of {key} was lost"
        if len(parts) == 2:
            s3.complete_multipart_upload(
                Bucket="crash", Key=key, UploadId=upload,
                MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag}
                                           for number, (etag, _) in sorted(parts.items())]})
            body = s3.get_object(Bucket="crash", Key=key)["Body"].read()
            assert digest(body) == ledger.attempted[key][0], f"{key} completed with other bytes"
            resumed += 1

    # The overwritten key contains one whole version: the last acknowledged or a later one.
    if ledger.overwrite_acknowledged:
        body = s3.get_object(Bucket="crash", Key="overwritten")["Body"].read()
        assert digest(body) in ledger.overwrite_versions, "overwritten holds a torn version"
    tmp_dir = os.path.join(scenario.data_dir, "objects", "tmp")
    assert not os.path.isdir(tmp_dir) or os.listdir(tmp_dir) == []

    s3.put_object(Bucket="crash", Key="after-restart", Body=b"still writable")
    assert s3.get_object(Bucket="crash", Key="after-restart")["Body"].read() == b"still writable"
    copies = sum(1 for key in ledger.acknowledged if key.startswith("copy/"))
    print(f"{len(ledger.settled_keys())} acknowledged writes intact ({copies} of them copies), "
          f"{unacknowledged} unacknowledged ones complete, {len(ledger.deleted)} acknowledged "
          f"deletes kept, {resumed} unfinished multipart uploads completed after the restart")


class ChangeLedger:
    """Catalog and IAM changes sent by the workers, and which got a 200."""

    def __init__(self):
        self.lock = threading.Lock()
        self.catalogs_attempted = {}  # name -> description
        self.catalogs_created = set()
        self.catalogs_delete_attempted = set()
        self.catalogs_deleted = set()
        self.users_attempted = set()
        self.users_created = set()
        self.policies = {}  # user -> policy document that got a 200
        self.keys = {}      # user -> (access key id, secret) that got a 200


def change_workers(scenario, ledger, rng, round_number):
    def catalogs(index):
        def work(stop):
            athena = harness.make_client(scenario.endpoint, "athena", CONSUMER_KEY,
                                         region="eu-central-1")
            sequence = 0
            while not stop.is_set():
                name = f"c{round_number}_{index}_{sequence}"
                sequence += 1
                with ledger.lock:
                    ledger.catalogs_attempted[name] = f"catalog {name}"
                try:
                    athena.create_data_catalog(Name=name, Type="HIVE",
                                               Description=f"catalog {name}",
                                               Parameters={"metadata-function": harness.FUNCTION_ARN})
                except Exception:  # the server died under the request
                    continue
                with ledger.lock:
                    ledger.catalogs_created.add(name)
                if sequence % 2:
                    continue
                with ledger.lock:
                    ledger.catalogs_delete_attempted.add(name)
                try:
                    athena.delete_data_catalog(Name=name)
                except Exception:  # the server died under the request
                    continue
                with ledger.lock:
                    ledger.catalogs_deleted.add(name)
        return work

    def users(index):
        def work(stop):
            iam = harness.make_client(scenario.endpoint, "iam", CONSUMER_KEY)
            sequence = 0
            while not stop.is_set():
                user = f"u{round_number}-{index}-{sequence}"
                sequence += 1
                document = {"Version": "2012-10-17", "Statement": [{
                    "Sid": f"S{round_number}x{index}x{sequence}", "Effect": "Allow",
                    "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{sequence}/*"}]}
                with ledger.lock:
                    ledger.users_attempted.add(user)
                try:
                    iam.create_user(UserName=user)
                    with ledger.lock:
                        ledger.users_created.add(user)
                    iam.put_user_policy(UserName=user, PolicyName="p",
                                        PolicyDocument=json.dumps(document))
                    with ledger.lock:
                        ledger.policies[user] = document
                    key = iam.create_access_key(UserName=user)["AccessKey"]
                    with ledger.lock:
                        ledger.keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
                except Exception:  # the server died under the request
                    continue
        return work

    return [catalogs(0), catalogs(1), users(0), users(1)]


def test_kill9_during_catalog_changes(scenario):
    rng = rng_for("catalog-changes")
    ledger = ChangeLedger()
    for round_number in range(3):
        delay = kill_during(scenario, rng, change_workers(scenario, ledger, rng, round_number),
                            0.3, 1.5)
        print(f"round {round_number}: killed after {delay:.2f} s")

    athena = scenario.client("athena", CONSUMER_KEY, region="eu-central-1")
    listed = {summary["CatalogName"] for page in athena.get_paginator(
        "list_data_catalogs").paginate() for summary in page["DataCatalogsSummary"]}
    assert listed - {"AwsDataCatalog"} <= set(ledger.catalogs_attempted)
    for name, description in ledger.catalogs_attempted.items():
        present = name in listed
        if name in ledger.catalogs_deleted:
            assert not present, f"catalog {name} was deleted with a 200 but is back"
        elif name in ledger.catalogs_created and name not in ledger.catalogs_delete_attempted:
            assert present, f"catalog {name} was created with a 200 but is gone"
        if present:
            catalog = athena.get_data_catalog(Name=name)["DataCatalog"]
            assert catalog == {"Name": name, "Type": "HIVE", "Description": description,
                               "Parameters": {"metadata-function": harness.FUNCTION_ARN}}

    iam = scenario.client("iam", CONSUMER_KEY)
    listed_users = {user["UserName"] for page in iam.get_paginator("list_users").paginate()
                    for user in page["Users"]}
    assert listed_users <= ledger.users_attempted
    assert ledger.users_created <= listed_users
    for user, document in ledger.policies.items():
        stored = iam.get_user_policy(UserName=user, PolicyName="p")["PolicyDocument"]
        assert stored == document, f"the policy of {user} changed across the kill"
    for user, key in ledger.keys.items():
        identity = scenario.client("sts", key).get_caller_identity()
        assert identity["Arn"] == f"arn:aws:iam::{CONSUMER}:user/{user}"

    athena.create_data_catalog(Name="after-restart", Type="HIVE",
                               Parameters={"metadata-function": harness.FUNCTION_ARN})
    print(f"{len(ledger.catalogs_created)} catalogs and {len(ledger.users_created)} users "
          f"created with a 200, {len(ledger.catalogs_deleted)} catalogs deleted with a 200, "
          f"{len(ledger.keys)} access keys checked")


LONG_QUERY = "SELECT count(*) AS n FROM range(3000000000)"


def test_kill9_during_queries(job):
    rng = rng_for("queries")
    expected = {harness.ITEMS_QUERY: harness.items_expected(), LONG_QUERY: [["n"], ["3000000000"]]}
    started = {}          # query id -> sql, for every StartQueryExecution that got a 200
    seen_succeeded = set()
    lock = threading.Lock()

    def worker(index):
        def work(stop):
            athena = job.athena()
            local = random.Random(rng.random())
            while not stop.is_set():
                sql = local.choice([harness.ITEMS_QUERY, harness.ITEMS_QUERY, LONG_QUERY])
                try:
                    query_id = athena.start_query_execution(
                        QueryString=sql,
                        ResultConfiguration={"OutputLocation": harness.RESULTS})["QueryExecutionId"]
                    with lock:
                        started[query_id] = sql
                    execution = harness.wait_query(athena, query_id, timeout=120)
                except Exception:  # the server died under the request
                    continue
                if execution["Status"]["State"] == "SUCCEEDED":
                    with lock:
                        seen_succeeded.add(query_id)
        return work

    for round_number in range(2):
        delay = kill_during(job, rng, [worker(i) for i in range(3)], 1.0, 3.0)
        print(f"round {round_number}: killed after {delay:.2f} s")

    athena = job.athena()
    states = {}
    for query_id, sql in started.items():
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        states[query_id] = status["State"]
        assert status["State"] in FINAL_STATES, f"query {query_id} is {status} after the restart"
        if query_id in seen_succeeded:
            assert status["State"] == "SUCCEEDED", f"query {query_id} lost its success: {status}"
        if status["State"] == "SUCCEEDED":
            assert harness.result_rows(athena, query_id) == expected[sql], query_id
        else:
            assert status["State"] == "FAILED", status
            assert status["StateChangeReason"] == RESTART_REASON, status
    assert set(states.values()) <= {"SUCCEEDED", "FAILED"}

    # A result object is absent or whole, and a SUCCEEDED query has one.
    s3 = job.client("s3", CONSUMER_KEY, region="eu-central-1")
    prefix = harness.RESULTS[len(f"s3://{harness.RESULTS_BUCKET}/"):]
    result_objects = 0
    for query_id, sql in started.items():
        try:
            body = s3.get_object(Bucket=harness.RESULTS_BUCKET,
                                 Key=f"{prefix}{query_id}.csv")["Body"].read()
        except botocore.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] == "NoSuchKey", exc.response
            assert states[query_id] == "FAILED", f"SUCCEEDED query {query_id} has no results"
            continue
        result_objects += 1
        lines = [",".join(f'"{cell}"' for cell in row) for row in expected[sql]]
        assert body.decode().splitlines() == lines, f"results of {query_id} are torn"

    after = harness.run_query(athena, harness.ITEMS_QUERY)
    assert after["Status"]["State"] == "SUCCEEDED", after["Status"]
    assert harness.result_rows(athena, after["QueryExecutionId"]) == expected[harness.ITEMS_QUERY]
    counts = {state: list(states.values()).count(state) for state in ("SUCCEEDED", "FAILED")}
    print(f"{len(started)} started queries all final after the restart: {counts}, "
          f"{result_objects} whole result objects")


# ---------------------------------------------------------------------------
# The metastore
# ---------------------------------------------------------------------------

def list_page(athena, token=None):
    kwargs = {"CatalogName": "ehms", "DatabaseName": "sales", "MaxResults": 50,
              **({"NextToken": token} if token else {})}
    page = athena.list_table_metadata(**kwargs)
    return [table["Name"] for table in page["TableMetadataList"]], page.get("NextToken")


def test_metastore_killed_mid_listing(tmp_path):
    print("\n[metastore-killed] seed not used")
    tables = [f"t{i:03d}" for i in range(120)]
    job = harness.Scenario(tmp_path).start()
    try:
        job.setup_producer(tables=tables)
        job.setup_consumer()
        athena = job.athena()
        names, token = list_page(athena)
        assert len(names) == 50
        assert token

        # Killed and restarted between two pages: the next page reconnects.
        job.metastore.process.kill()
        job.metastore.process.wait()
        job.metastore.start()
        more, token = list_page(athena, token)
        names += more
        assert len(more) == 50
        assert token

        # Killed and still down: the page fails with an error naming the metastore.
        job.metastore.process.kill()
        job.metastore.process.wait()
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            list_page(athena, token)
        code, message, status = error_of(excinfo)
        print(f"metastore down: {status} {code}: {message}")
        assert code == "MetadataException"
        assert f"thrift://127.0.0.1:{job.metastore.port}" in message
        assert "data catalog ehms" in message
        assert harness.FUNCTION in message
        assert "MetastoreUnavailable" in message

        job.metastore.start()
        more, token = list_page(athena, token)
        names += more
        assert token is None
        assert names == tables
    finally:
        job.stop()


def test_metastore_paused_mid_listing(tmp_path):
    """SIGSTOP makes the metastore accept and never reply until SIGCONT. The
    page asked meanwhile times out, and the late reply to it must not be
    taken as the reply to a later call."""
    print("\n[metastore-paused] seed not used")
    tables = [f"t{i:03d}" for i in range(120)]
    job = harness.Scenario(tmp_path).start()
    try:
        job.setup_producer(tables=tables, function_env={"HMS_SOCKET_TIMEOUT_MS": "1000"})
        job.setup_consumer()
        athena = job.athena()
        names, token = list_page(athena)
        assert names == tables[:50]

        os.kill(job.metastore.process.pid, signal.SIGSTOP)
        try:
            with pytest.raises(botocore.exceptions.ClientError) as excinfo:
                list_page(athena, token)
        finally:
            os.kill(job.metastore.process.pid, signal.SIGCONT)
        code, message, status = error_of(excinfo)
        print(f"metastore paused: {status} {code}: {message}")
        assert code == "MetadataException"
        assert "MetastoreTimeout" in message
        assert f"metastore thrift://127.0.0.1:{job.metastore.port}" in message

        more, token = list_page(athena, token)
        assert more == tables[50:100]
        table = athena.get_table_metadata(CatalogName="ehms", DatabaseName="sales",
                                          TableName="t007")["TableMetadata"]
        assert table["Name"] == "t007"
        more, token = list_page(athena, token)
        assert more == tables[100:]
        assert token is None
    finally:
        job.stop()


def test_metastore_kill9_keeps_acknowledged_writes(tmp_path):
    """owlery-metastore killed with SIGKILL while clients create tables and
    add partitions: every create_table and add_partitions that returned is
    there after the restart, through Thrift and through the catalog."""
    rng = rng_for("metastore-writes")
    job = harness.Scenario(tmp_path).start()
    try:
        job.setup_producer(tables=())
        job.setup_consumer()
        ttypes = job.hms[1]
        tables_created, partitions_added = set(), set()
        lock = threading.Lock()

        def writer(index):
            def work(stop):
                sequence = 0
                try:
                    client, transport = harness.thrift_client(job.hms, job.metastore.port)
                except Exception:  # the metastore died before the connection
                    return
                try:
                    while not stop.is_set():
                        name = f"w{index}_{sequence:04d}"
                        sequence += 1
                        table = harness.make_table(ttypes, "sales", name, partitioned=True)
                        client.create_table(table)
                        with lock:
                            tables_created.add(name)
                        partitions = []
                        for day in range(3):
                            sd = ttypes.StorageDescriptor(**vars(table.sd))
                            sd.location = f"{table.sd.location}/dt=d{day}"
                            partitions.append(ttypes.Partition(
                                values=[f"d{day}"], dbName="sales", tableName=name,
                                createTime=1700000000, lastAccessTime=0, sd=sd, parameters={}))
                        client.add_partitions(partitions)
                        with lock:
                            partitions_added.update((name, f"dt=d{day}") for day in range(3))
                except Exception:  # the metastore died under the call
                    return
                finally:
                    transport.close()
            return work

        stop = threading.Event()
        threads = [threading.Thread(target=writer(i), args=(stop,)) for i in range(3)]
        for thread in threads:
            thread.start()
        delay = rng.uniform(0.3, 1.5)
        time.sleep(delay)
        job.metastore.process.kill()
        job.metastore.process.wait()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        job.metastore.start()
        print(f"killed owlery-metastore after {delay:.2f} s")

        client, transport = harness.thrift_client(job.hms, job.metastore.port)
        try:
            stored = set(client.get_all_tables("sales"))
            assert tables_created <= stored, sorted(tables_created - stored)[:5]
            for name in stored:
                names = set(client.get_partition_names("sales", name, -1))
                expected = {p for table, p in partitions_added if table == name}
                assert expected <= names, f"sales.{name} lost partitions {expected - names}"
        finally:
            transport.close()

        athena = job.athena()
        listed = [table["Name"] for page in athena.get_paginator("list_table_metadata").paginate(
            CatalogName="ehms", DatabaseName="sales") for table in page["TableMetadataList"]]
        assert set(listed) == stored
        print(f"{len(tables_created)} acknowledged tables and {len(partitions_added)} "
              f"acknowledged partitions intact, {len(stored)} tables listed through ehms")
    finally:
        job.stop()


class SilentMetastore:
    """A loopback listener that accepts connections and never sends a byte."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
                self.accepted.append(connection)
            except OSError:
                pass

    def close(self):
        self.stopped.set()
        self.thread.join()
        for connection in self.accepted:
            connection.close()
        self.listener.close()


def test_silent_metastore_times_out(job):
    print("\n[silent-metastore] seed not used")
    silent = SilentMetastore()
    try:
        arn = job.deploy_function("hms-silent", harness.build_connector_zip(), environment={
            "HMS_URIS": f"thrift://127.0.0.1:{silent.port}", "HMS_SOCKET_TIMEOUT_MS": "1000"})
        athena = job.athena()
        athena.create_data_catalog(Name="silent", Type="HIVE",
                                   Parameters={"metadata-function": arn})

        began = time.monotonic()
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            athena.get_table_metadata(CatalogName="silent", DatabaseName="sales",
                                      TableName="items")
        elapsed = time.monotonic() - began
        code, message, status = error_of(excinfo)
        print(f"GetTableMetadata after {elapsed:.2f} s: {status} {code}: {message}")
        assert code == "MetadataException"
        assert "data catalog silent" in message
        assert arn in message
        assert "MetastoreTimeout" in message
        assert f"metastore thrift://127.0.0.1:{silent.port}: no reply to get_table within the " \
               "socket timeout of 1000 ms" in message
        assert elapsed < 5.0
        assert silent.accepted, "the connector never connected to the silent metastore"

        execution = harness.run_query(athena, "SELECT count(*) FROM silent.sales.items")
        reason = execution["Status"]["StateChangeReason"]
        print(f"query: {execution['Status']['State']}: {reason}")
        assert execution["Status"]["State"] == "FAILED"
        assert reason.startswith("HIVE_METASTORE_ERROR: "), reason
        assert "data catalog silent" in reason, reason
        assert arn in reason, reason
        assert "no reply to get_table within the socket timeout of 1000 ms" in reason, reason
    finally:
        silent.close()

    execution = harness.run_query(job.athena(), harness.ITEMS_QUERY)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]


# ---------------------------------------------------------------------------
# The metadata function
# ---------------------------------------------------------------------------

def faults_zip():
    with open(os.path.join(HERE, "connector_faults.sh"), "rb") as f:
        return make_zip({"bootstrap": (f.read(), 0o100755)})


# handler -> (catalog, function timeout in seconds, text the errors must contain)
FUNCTION_FAULTS = {
    "crash": ("crashing", 30, "Runtime exited with error: exit status 3"),
    "hang": ("hanging", 1, "Task timed out after 1.00 seconds"),
    "not-json": ("garbled", 30, "not a JSON object"),
}


@pytest.mark.parametrize("handler", sorted(FUNCTION_FAULTS))
def test_function_fault_names_catalog(job, handler):
    print(f"\n[function-{handler}] seed not used")
    catalog, timeout, cause = FUNCTION_FAULTS[handler]
    name = f"fault-{handler}"
    arn = job.deploy_function(name, faults_zip(), handler=handler, timeout=timeout)
    athena = job.athena()
    athena.create_data_catalog(Name=catalog, Type="HIVE", Parameters={"metadata-function": arn})

    for attempt in range(2):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            athena.get_table_metadata(CatalogName=catalog, DatabaseName="sales",
                                      TableName="items")
        code, message, status = error_of(excinfo)
        print(f"GetTableMetadata: {status} {code}: {message}")
        assert (code, status) == ("MetadataException", 400)
        assert f"data catalog {catalog}" in message
        assert arn in message
        assert cause in message

        execution = harness.run_query(athena, f"SELECT count(*) FROM {catalog}.sales.items")
        reason = execution["Status"]["StateChangeReason"]
        print(f"query: {execution['Status']['State']}: {reason}")
        assert execution["Status"]["State"] == "FAILED"
        assert reason.startswith("HIVE_METASTORE_ERROR: "), reason
        assert f"data catalog {catalog}" in reason, reason
        assert arn in reason, reason

    assert job.server.alive()
    execution = harness.run_query(athena, harness.ITEMS_QUERY)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert harness.result_rows(athena, execution["QueryExecutionId"]) == harness.items_expected()


def test_burst_waits_for_function_instances(job):
    """40 concurrent calls to a function that takes 0.3 s, more than the 10
    instances a function may run: each call waits for an instance instead of
    failing with TooManyRequestsException."""
    print("\n[function-burst] seed not used")
    arn = job.deploy_function("fault-slow", faults_zip(), handler="slow")
    athena = job.athena(pool=40)
    athena.create_data_catalog(Name="slow", Type="HIVE", Parameters={"metadata-function": arn})
    results = {}

    def get(index):
        try:
            results[index] = athena.get_database(CatalogName="slow",
                                                 DatabaseName=f"db{index}")["Database"]["Name"]
        except botocore.exceptions.ClientError as exc:
            results[index] = exc.response["Error"]["Message"]

    threads = [threading.Thread(target=get, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: f"db{i}" for i in range(40)}
    print("40 concurrent calls through 10 instances all succeeded")


# ---------------------------------------------------------------------------
# Disk full
# ---------------------------------------------------------------------------

def mount_tmpfs(path, size):
    """Mounts a tmpfs of size at path; fails the test with the reason when this machine cannot."""
    os.makedirs(path, exist_ok=True)
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        pytest.fail(f"the disk-full case cannot mount a {size} tmpfs on {path} "
                    f"(it needs root or CAP_SYS_ADMIN): {out.stderr.strip()}")


def fill_up(path):
    """Writes path until the file system has no byte left; returns path."""
    chunk = b"\0" * 4096
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
    with open(path, "ab", buffering=0) as f:
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass
    return path


def test_disk_full_put_fails_cleanly(tmp_path):
    rng = rng_for("disk-full")
    mount_point = tmp_path / "small"
    mount_tmpfs(mount_point, "8m")
    scenario = None
    try:
        # Ballast that the test removes to free space without going through owlery.
        ballast = mount_point / "ballast"
        ballast.write_bytes(b"\0" * MIB)
        scenario = harness.Scenario(tmp_path, data_dir=mount_point / "data",
                                    with_metastore=False).start()
        s3 = scenario.client("s3")
        s3.create_bucket(Bucket="full")
        s3.create_bucket(Bucket="results")
        athena = scenario.client("athena", region="eu-central-1")
        acknowledged = {}
        failure = None
        for sequence in range(64):
            body = rng.randbytes(256 * 1024)
            key = f"fill/{sequence:03d}"
            try:
                s3.put_object(Bucket="full", Key=key, Body=body)
            except botocore.exceptions.ClientError as exc:
                failure = exc
                break
            acknowledged[key] = digest(body)
        assert failure is not None, "8 MiB took 64 objects of 256 KiB without an error"
        response = failure.response
        code, message = response["Error"]["Code"], response["Error"].get("Message", "")
        status = response["ResponseMetadata"]["HTTPStatusCode"]
        print(f"PutObject #{len(acknowledged) + 1} on a full disk: {status} {code}: {message}")
        assert 400 <= status < 600
        assert code and message, response
        assert scenario.server.alive(), scenario.server.log()[-4000:]
        spool_errors = [line for line in scenario.server.log().splitlines()
                        if "event=s3_spool_failed" in line]
        print(f"log: {spool_errors[-1] if spool_errors else 'no event=s3_spool_failed line'}")
        assert spool_errors, "the log does not say why the upload failed"
        assert "No space left on device" in spool_errors[-1]

        # Reads keep working on the full disk.
        for key, expected in acknowledged.items():
            assert digest(s3.get_object(Bucket="full", Key=key)["Body"].read()) == expected
        listed = [item["Key"] for item in s3.list_objects_v2(Bucket="full").get("Contents", [])]
        assert listed == sorted(acknowledged)

        # With not one byte left, control-plane writes (SQLite) either work in
        # space SQLite has already allocated or fail with an error, and nothing crashes.
        filler = fill_up(mount_point / "filler")
        control = {}
        query_ids = []
        for name, call in [
                ("CreateBucket", lambda: s3.create_bucket(Bucket="made-when-full")),
                ("PutObject", lambda: s3.put_object(Bucket="full", Key="empty", Body=b"")),
                ("CreateDataCatalog", lambda: athena.create_data_catalog(
                    Name="made_when_full", Type="HIVE",
                    Parameters={"metadata-function": harness.FUNCTION_ARN})),
                ("StartQueryExecution", lambda: query_ids.append(athena.start_query_execution(
                    QueryString="SELECT 42 AS answer",
                    ResultConfiguration={"OutputLocation": "s3://results/full/"})[
                    "QueryExecutionId"]))]:
            try:
                call()
                control[name] = "ok"
            except botocore.exceptions.ClientError as exc:
                error = exc.response["Error"]
                control[name] = f"{exc.response['ResponseMetadata']['HTTPStatusCode']} " \
                                f"{error['Code']}: {error.get('Message', '')}"
                assert error["Code"] and error.get("Message"), exc.response
            print(f"{name} with 0 bytes free: {control[name]}")
            assert scenario.server.alive(), scenario.server.log()[-4000:]
        if control["PutObject"] == "ok":
            acknowledged["empty"] = digest(b"")
        # A query started on the full disk ends, SUCCEEDED or FAILED with a reason.
        for query_id in query_ids:
            execution = harness.wait_query(athena, query_id, timeout=60)
            status = execution["Status"]
            print(f"query {query_id} with 0 bytes free: {status['State']}: "
                  f"{status.get('StateChangeReason', '')}")
            assert status["State"] in ("SUCCEEDED", "FAILED"), status
            if status["State"] == "FAILED":
                assert status.get("StateChangeReason"), status

        filler.unlink()
        ballast.unlink()
        s3.put_object(Bucket="full", Key="after-free", Body=b"space again")
        acknowledged["after-free"] = digest(b"space again")
        removed = sorted(acknowledged)[0]
        s3.delete_object(Bucket="full", Key=removed)
        del acknowledged[removed]

        assert scenario.server.stop() == 0, scenario.server.log()[-4000:]
        scenario.server.start()
        s3 = scenario.client("s3")
        for key, expected in acknowledged.items():
            assert digest(s3.get_object(Bucket="full", Key=key)["Body"].read()) == expected
        listed = [item["Key"] for item in s3.list_objects_v2(Bucket="full").get("Contents", [])]
        assert listed == sorted(acknowledged)
        athena = scenario.client("athena", region="eu-central-1")
        for query_id in query_ids:
            status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"][
                "Status"]
            assert status["State"] in ("SUCCEEDED", "FAILED"), status
            if status["State"] == "SUCCEEDED":
                assert harness.result_rows(athena, query_id) == [["answer"], ["42"]]
        buckets = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
        assert ("made-when-full" in buckets) == (control["CreateBucket"] == "ok")
        catalogs = {summary["CatalogName"]
                    for summary in athena.list_data_catalogs()["DataCatalogsSummary"]}
        assert ("made_when_full" in catalogs) == (control["CreateDataCatalog"] == "ok")
        print(f"{len(acknowledged)} objects readable after freeing space and a restart")
    finally:
        if scenario:
            scenario.stop()
        subprocess.run(["umount", str(mount_point)], check=False, timeout=30)

