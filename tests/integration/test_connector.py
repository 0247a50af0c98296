"""Black-box tests of owlery-hms-connector: the zip from scripts/connector-zip
deployed into `owlery serve` with the AWS CLI, talking to a real
owlery-metastore. Metastore objects are created and checked with a Python
client that `thrift --gen py` generates from tests/integration/hms/metastore.thrift,
and the connector's TJSONProtocol strings are decoded with python3-thrift's
own TJSONProtocol."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import PRODUCER, PRODUCER_KEY, aws_cli, client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("OWLERY_BUILD", os.path.join(ROOT, "build"))
BIN = os.environ.get("OWLERY_BIN", os.path.join(BUILD, "bin"))
ROLE = f"arn:aws:iam::{PRODUCER}:role/lambda-exec"


@pytest.fixture(scope="module")
def connector_zip():
    out = subprocess.run([os.path.join(ROOT, "scripts", "connector-zip"), BUILD],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def hms(tmp_path_factory):
    """The generated Python module of the metastore IDL: (ThriftHiveMetastore, ttypes)."""
    out_dir = tmp_path_factory.mktemp("hms-py")
    subprocess.run(["thrift", "--gen", "py", "-out", str(out_dir),
                    os.path.join(HERE, "hms", "metastore.thrift")], check=True, timeout=60)
    sys.path.insert(0, str(out_dir))
    from owlery_hms import ThriftHiveMetastore, ttypes  # noqa: E402
    return ThriftHiveMetastore, ttypes


class Metastore:
    """One owlery-metastore process; restart() keeps the port and the data."""

    def __init__(self, data_dir, log_path):
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.port = 0
        self.process = None

    def start(self):
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [os.path.join(BIN, "owlery-metastore"), "--data-dir", self.data_dir,
                 "--listen", f"127.0.0.1:{self.port}"], stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            with open(self.log_path, "rb") as log:
                text = log.read().decode(errors="replace")[offset:]
            found = re.findall(r"event=listening address=127\.0\.0\.1:(\d+)", text)
            if found:
                self.port = int(found[-1])
                return self
            assert self.process.poll() is None, text
            time.sleep(0.02)
        raise RuntimeError("owlery-metastore did not start listening within 20 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


@pytest.fixture
def metastore(tmp_path):
    store = Metastore(tmp_path / "hms-data", tmp_path / "metastore.log").start()
    yield store
    store.stop()


def thrift_client(hms, port):
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport
    sock = TSocket.TSocket("127.0.0.1", port)
    sock.setTimeout(30000)
    transport = TTransport.TBufferedTransport(sock)
    transport.open()
    return hms[0].Client(TBinaryProtocol.TBinaryProtocol(transport)), transport


def from_tjson(text, struct):
    from thrift.TSerialization import deserialize
    from thrift.protocol import TJSONProtocol
    return deserialize(struct, text.encode(), TJSONProtocol.TJSONProtocolFactory())


def make_table(ttypes, db, name, partitioned=True):
    cols = [ttypes.FieldSchema("id", "bigint", "row id"), ttypes.FieldSchema("v", "string", None)]
    sd = ttypes.StorageDescriptor(
        cols=cols, location=f"s3://athena-test/lambda/dataset/{name}",
        inputFormat="org.apache.hadoop.mapred.TextInputFormat",
        outputFormat="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        compressed=False, numBuckets=-1,
        serdeInfo=ttypes.SerDeInfo("csv", "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                                   {"field.delim": ","}),
        bucketCols=[], sortCols=[], parameters={})
    keys = [ttypes.FieldSchema("dt", "string", None)] if partitioned else []
    return ttypes.Table(tableName=name, dbName=db, owner="hadoop", createTime=1700000000,
                        lastAccessTime=0, retention=0, sd=sd, partitionKeys=keys,
                        parameters={"EXTERNAL": "TRUE", "comment": "é ünïcode"},
                        tableType="EXTERNAL_TABLE")


def deploy(server, zip_path, name, environment, timeout=30):
    env = json.dumps({"Variables": environment})
    out = aws_cli(server, PRODUCER_KEY, "lambda", "create-function", "--function-name", name,
                  "--runtime", "provided.al2023", "--role", ROLE, "--handler", "bootstrap",
                  "--timeout", str(timeout), "--zip-file", f"fileb://{zip_path}",
                  "--environment", env)
    assert out.returncode == 0, out.stderr


def cli_invoke(server, tmp_path, name, payload):
    """Invokes with `aws lambda invoke`; returns (metadata, parsed body)."""
    out_file = tmp_path / f"{name}-out.json"
    out = aws_cli(server, PRODUCER_KEY, "lambda", "invoke", "--function-name", name,
                  "--cli-binary-format", "raw-in-base64-out", "--payload", json.dumps(payload),
                  str(out_file))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), json.loads(out_file.read_bytes())


def boto_invoke(server, name, payload):
    lam = client(server, "lambda", PRODUCER_KEY)
    response = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return response, json.loads(response["Payload"].read())


def request(api_name, **api_request):
    return {"requestContext": {"requestId": "test"}, "apiName": api_name, "apiRequest": api_request}


def test_get_table_round_trip(server, metastore, hms, connector_zip, tmp_path):
    ttypes = hms[1]
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(ttypes.Database("sales", "sales data", "s3://athena-test/sales", {}))
    created = make_table(ttypes, "sales", "orders")
    hms_client.create_table(created)
    stored = hms_client.get_table("sales", "orders")
    transport.close()

    deploy(server, connector_zip, "external-hms-service-new",
           {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}"})
    meta, body = cli_invoke(server, tmp_path, "external-hms-service-new",
                            request("getTable", dbName="sales", tableName="orders"))
    assert "FunctionError" not in meta, body
    assert body["apiName"] == "getTable"
    assert body["spilled"] is False
    assert body["spillPath"] is None
    table = from_tjson(body["apiResponse"]["tableDesc"], ttypes.Table())
    assert table == stored
    assert table.tableName == created.tableName
    assert table.sd == created.sd
    assert table.partitionKeys == created.partitionKeys
    assert table.parameters["comment"] == "é ünïcode"

    meta, body = cli_invoke(server, tmp_path, "external-hms-service-new",
                            request("getTable", dbName="sales", tableName="missing"))
    assert meta["FunctionError"] == "Unhandled"
    assert body["errorType"] == "NoSuchObjectException"
    assert "missing" in body["errorMessage"]

    _, body = cli_invoke(server, tmp_path, "external-hms-service-new",
                         request("tableExists", dbName="sales", tableName="missing"))
    assert body["apiResponse"] == {"exists": False}


def test_list_partitions_pages(server, metastore, hms, connector_zip, tmp_path):
    ttypes = hms[1]
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(ttypes.Database("big", "", "s3://athena-test/big", {}))
    table = make_table(ttypes, "big", "events")
    hms_client.create_table(table)
    expected = set()
    for start in range(0, 20000, 2000):
        batch = []
        for i in range(start, start + 2000):
            value = f"d{i:05d}"
            expected.add(value)
            sd = ttypes.StorageDescriptor(**vars(table.sd))
            sd.location = f"{table.sd.location}/dt={value}"
            batch.append(ttypes.Partition(values=[value], dbName="big", tableName="events",
                                          createTime=1700000000, lastAccessTime=0, sd=sd,
                                          parameters={}))
        hms_client.add_partitions(batch)
    transport.close()

    client(server, "s3", PRODUCER_KEY).create_bucket(Bucket="mybucket")
    create_execution_role(server, SPILL_POLICY)
    deploy(server, connector_zip, "hms-pages", {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}",
                                                "SPILL_LOCATION": "s3://mybucket/spill"})
    seen = []
    token = None
    pages = 0
    while True:
        api_request = {"dbName": "big", "tableName": "events", "maxSize": 1000}
        if token:
            api_request["nextToken"] = token
        response, body = boto_invoke(server, "hms-pages", request("listPartitions", **api_request))
        assert "FunctionError" not in response, body
        assert body["spilled"] is False
        partitions = body["apiResponse"]["partitions"]
        assert len(partitions) <= 1000
        seen.extend(from_tjson(p, ttypes.Partition()).values[0] for p in partitions)
        pages += 1
        token = body["apiResponse"]["nextToken"]
        if token is None:
            break
        assert pages <= 21
    assert pages == 20
    assert len(seen) == 20000
    assert set(seen) == expected

    # All 20,000 in one answer pass the default 4 MiB threshold, so the answer spills.
    response, body = boto_invoke(server, "hms-pages", request(
        "listPartitions", dbName="big", tableName="events", maxSize=-1))
    assert "FunctionError" not in response, body
    assert body["spilled"] is True
    assert body["apiResponse"] is None
    key = body["spillPath"][len("s3://mybucket/"):]
    spilled = json.loads(client(server, "s3", PRODUCER_KEY).get_object(
        Bucket="mybucket", Key=key)["Body"].read())
    assert len(spilled["partitions"]) == 20000
    assert {from_tjson(p, ttypes.Partition()).values[0] for p in spilled["partitions"]} == expected

    response, body = boto_invoke(server, "hms-pages", request(
        "listPartitions", dbName="big", tableName="events", maxSize=10, nextToken="%%%"))
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "InvalidRequestException"


def test_metastore_restart_between_invocations(server, metastore, hms, connector_zip):
    ttypes = hms[1]
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(ttypes.Database("r", "", "s3://athena-test/r", {}))
    transport.close()

    deploy(server, connector_zip, "hms-restart", {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}"})
    response, body = boto_invoke(server, "hms-restart", request("getDatabase", dbName="r"))
    assert "FunctionError" not in response, body

    metastore.stop()
    metastore.start()
    response, body = boto_invoke(server, "hms-restart", request("getDatabase", dbName="r"))
    assert "FunctionError" not in response, body
    database = from_tjson(body["apiResponse"]["database"], ttypes.Database())
    assert database.name == "r"


def test_hung_metastore_times_out(server, connector_zip):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept_and_hold():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                pass

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        deploy(server, connector_zip, "hms-hung",
               {"HMS_URIS": f"thrift://127.0.0.1:{port}", "HMS_SOCKET_TIMEOUT_MS": "1000"})
        started = time.monotonic()
        response, body = boto_invoke(server, "hms-hung", request("getDatabase", dbName="x"))
        elapsed = time.monotonic() - started
        assert response["FunctionError"] == "Unhandled"
        assert body["errorType"] == "MetastoreTimeout"
        assert "get_database" in body["errorMessage"]
        assert elapsed < 2.0, elapsed
        assert accepted, "the connector never connected to the hung metastore"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_configuration_errors_name_the_variable(server, connector_zip):
    deploy(server, connector_zip, "hms-no-uris", {"SPILL_THRESHOLD": "1"})
    response, body = boto_invoke(server, "hms-no-uris", request("getDatabase", dbName="x"))
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "InvalidConfiguration"
    assert body["errorMessage"].startswith("HMS_URIS is missing")

    deploy(server, connector_zip, "hms-bad-threshold",
           {"HMS_URIS": "thrift://127.0.0.1:9083", "SPILL_THRESHOLD": "lots"})
    response, body = boto_invoke(server, "hms-bad-threshold", request("getDatabase", dbName="x"))
    assert body["errorType"] == "InvalidConfiguration"
    assert body["errorMessage"] == ('SPILL_THRESHOLD "lots" is invalid: expected a number of '
                                    'bytes from 1 to 1099511627776, such as 4194304')


def test_spill_without_credentials_fails(server, metastore, hms, connector_zip):
    ttypes = hms[1]
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(ttypes.Database("s", "", "s3://athena-test/s", {}))
    transport.close()

    deploy(server, connector_zip, "hms-spill-nokeys",
           {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}",
            "SPILL_LOCATION": "s3://mybucket/spill", "SPILL_THRESHOLD": "1"})
    response, body = boto_invoke(server, "hms-spill-nokeys", request("getDatabase", dbName="s"))
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "SpillFailed"
    assert "s3://mybucket/spill/hms-spill-nokeys/" in body["errorMessage"]
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" in body["errorMessage"]


SPILL_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    "Action": ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject"],
    "Resource": ["arn:aws:s3:::mybucket/spill", "arn:aws:s3:::mybucket/spill/*"]}]})


def create_execution_role(server, spill_policy):
    """Creates ROLE trusting Lambda, with the VPC managed policy and optionally the spill policy."""
    iam = client(server, "iam", PRODUCER_KEY)
    iam.create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    iam.attach_role_policy(
        RoleName=ROLE.rsplit("/", 1)[1],
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    if spill_policy:
        iam.put_role_policy(RoleName=ROLE.rsplit("/", 1)[1], PolicyName="spill",
                            PolicyDocument=spill_policy)


def test_spill_without_put_permission_is_access_denied(server, metastore, hms, connector_zip):
    ttypes = hms[1]
    client(server, "s3", PRODUCER_KEY).create_bucket(Bucket="mybucket")
    create_execution_role(server, spill_policy=None)
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(ttypes.Database("s", "", "s3://athena-test/s", {}))
    transport.close()

    deploy(server, connector_zip, "hms-spill-denied",
           {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}",
            "SPILL_LOCATION": "s3://mybucket/spill", "SPILL_THRESHOLD": "1"})
    response, body = boto_invoke(server, "hms-spill-denied", request("getDatabase", dbName="s"))
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "AccessDenied"
    assert "s3:PutObject" in body["errorMessage"]


def test_spill_to_owlery_s3(server, metastore, hms, connector_zip):
    ttypes = hms[1]
    s3 = client(server, "s3", PRODUCER_KEY)
    s3.create_bucket(Bucket="mybucket")
    create_execution_role(server, SPILL_POLICY)
    hms_client, transport = thrift_client(hms, metastore.port)
    hms_client.create_database(ttypes.Database("s", "", "s3://athena-test/s", {}))
    transport.close()

    deploy(server, connector_zip, "hms-spill",
           {"HMS_URIS": f"thrift://127.0.0.1:{metastore.port}",
            "SPILL_LOCATION": "s3://mybucket/spill", "SPILL_THRESHOLD": "1"})
    response, body = boto_invoke(server, "hms-spill", request("getDatabase", dbName="s"))
    assert "FunctionError" not in response, body
    assert body["spilled"] is True
    assert body["apiResponse"] is None
    match = re.fullmatch(r"s3://mybucket/(spill/hms-spill/[0-9a-f-]+)", body["spillPath"])
    assert match
    spilled = json.loads(s3.get_object(Bucket="mybucket", Key=match.group(1))["Body"].read())
    assert from_tjson(spilled["database"], ttypes.Database()).name == "s"
