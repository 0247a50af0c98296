"""Black-box tests of Lambda in owlery serve: the control-plane API, resource
policies, Invoke and the function runtime, driven by Debian's AWS CLI v2 and
boto3. Functions use the shell bootstrap in lambda/bootstrap.sh (its handler
name selects the behaviour) or the C bootstrap in lambda/bootstrap.c."""

import base64
import concurrent.futures
import hashlib
import io
import json
import os
import subprocess
import threading
import time
import zipfile

import boto3
import botocore.config
import botocore.exceptions
import pytest

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, aws_cli, client

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = f"arn:aws:iam::{PRODUCER}:role/lambda-exec"
REFERENCE_FUNCTION = "external-hms-service-new"
REFERENCE_ARN = f"arn:aws:lambda:us-east-1:{PRODUCER}:function:{REFERENCE_FUNCTION}"


def make_zip(files):
    """Returns zip bytes; files maps a name to (bytes, unix mode)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return out.getvalue()


def shell_zip():
    with open(os.path.join(HERE, "lambda", "bootstrap.sh"), "rb") as f:
        return make_zip({"bootstrap": (f.read(), 0o100755)})


@pytest.fixture(scope="module")
def c_zip(tmp_path_factory):
    binary = tmp_path_factory.mktemp("cboot") / "bootstrap"
    subprocess.run(["cc", "-O1", "-o", str(binary), os.path.join(HERE, "lambda", "bootstrap.c")],
                   check=True, timeout=120)
    return make_zip({"bootstrap": (binary.read_bytes(), 0o100755)})


def create(lam, name, handler="echo", zip_bytes=None, **extra):
    return lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                               Handler=handler, Code={"ZipFile": zip_bytes or shell_zip()},
                               **extra)


def invoke(lam, name, payload=b'{"hello":"world"}', **extra):
    response = lam.invoke(FunctionName=name, Payload=payload, **extra)
    response["Body"] = response["Payload"].read()
    return response


def error_of(excinfo):
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_list_delete(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    created = create(lam, "fn-basic", Tags={"team": "data"}, Environment={"Variables": {"ALPHA": "1"}})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:{PRODUCER}:function:fn-basic"
    assert created["Version"] == "$LATEST"
    assert created["Timeout"] == 3
    assert created["MemorySize"] == 128
    assert created["State"] == "Active"
    assert created["LastUpdateStatus"] == "Successful"
    assert created["PackageType"] == "Zip"
    assert created["Architectures"] == ["x86_64"]
    zip_bytes = shell_zip()
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
    assert created["CodeSize"] == len(zip_bytes)
    assert len(created["LastModified"]) == len("2026-12-04T19:50:01.000+0000")
    assert created["LastModified"].endswith("+0000")

    got = lam.get_function(FunctionName="fn-basic")
    assert got["Configuration"]["RevisionId"] == created["RevisionId"]
    assert got["Configuration"]["Environment"] == {"Variables": {"ALPHA": "1"}}
    assert got["Code"]["RepositoryType"] == "S3"
    assert got["Code"]["Location"]
    assert got["Tags"] == {"team": "data"}
    assert lam.get_function_configuration(FunctionName="fn-basic")["FunctionName"] == "fn-basic"

    for name in ("fn-b", "fn-c"):
        create(lam, name)
    page = lam.list_functions(MaxItems=2)
    assert [f["FunctionName"] for f in page["Functions"]] == ["fn-b", "fn-basic"]
    rest = lam.list_functions(Marker=page["NextMarker"], MaxItems=2)
    assert [f["FunctionName"] for f in rest["Functions"]] == ["fn-c"]
    assert "NextMarker" not in rest

    deleted = lam.delete_function(FunctionName="fn-basic")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.get_function(FunctionName="fn-basic")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        f"Function not found: arn:aws:lambda:us-east-1:{PRODUCER}:function:fn-basic", 404)


def test_create_rejects_bad_input(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-dup")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create(lam, "fn-dup")
    assert error_of(excinfo) == ("ResourceConflictException", "Function already exist: fn-dup", 409)

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.create_function(FunctionName="fn-py", Runtime="python3.12", Role=ROLE, Handler="x",
                            Code={"ZipFile": shell_zip()})
    code, message, status = error_of(excinfo)
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith("The runtime parameter of python3.12 is no longer supported")

    cases = [({"Timeout": 901}, "Member must have value less than or equal to 900"),
             ({"Timeout": 0}, "Member must have value greater than or equal to 1"),
             ({"MemorySize": 64}, "Member must have value greater than or equal to 128"),
             ({"MemorySize": 10241}, "Member must have value less than or equal to 10240")]
    unchecked = boto3.client(
        "lambda", endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id=PRODUCER_KEY[0], aws_secret_access_key=PRODUCER_KEY[1],
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False))
    for extra, expected in cases:
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            create(unchecked, "fn-limits", **extra)
        assert expected in error_of(excinfo)[1], extra

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.create_function(FunctionName="fn-role", Runtime="provided.al2", Role="not-a-role",
                            Handler="x", Code={"ZipFile": shell_zip()})
    assert error_of(excinfo)[0] == "ValidationException"

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create(lam, "fn-zip", zip_bytes=b"this is not a zip")
    assert error_of(excinfo)[:2] == (
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.")

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create(lam, "fn-env", Environment={"Variables": {"AWS_REGION": "x"}})
    assert "Reserved keys used in this request: AWS_REGION" in error_of(excinfo)[1]


def test_zip_path_traversal_rejected(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    for files in ({"../escape": (b"x", 0o100644)}, {"/abs": (b"x", 0o100644)},
                  {"link": (b"../../../etc", 0o120777)}, {"link": (b"/etc/passwd", 0o120777)}):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            create(lam, "fn-evil", zip_bytes=make_zip(files))
        assert error_of(excinfo)[0] == "InvalidParameterValueException", files
    assert not os.path.exists(os.path.join(server.data_dir, "lambda", "escape"))


def test_cli_invoke_echo_with_log_tail(server, tmp_path):
    zip_path = tmp_path / "fn.zip"
    zip_path.write_bytes(shell_zip())
    out = aws_cli(server, PRODUCER_KEY, "lambda", "create-function", "--function-name", "fn-cli",
                  "--runtime", "provided.al2023", "--handler", "echo", "--role", ROLE,
                  "--zip-file", f"fileb://{zip_path}")
    assert out.returncode == 0, out.stderr
    result_path = tmp_path / "out.json"
    out = aws_cli(server, PRODUCER_KEY, "lambda", "invoke", "--function-name", "fn-cli",
                  "--payload", '{"n": 42}', "--cli-binary-format", "raw-in-base64-out",
                  "--log-type", "Tail", str(result_path))
    assert out.returncode == 0, out.stderr
    meta = json.loads(out.stdout)
    assert meta["StatusCode"] == 200
    assert meta["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in meta
    assert json.loads(result_path.read_text()) == {"n": 42}
    log = base64.b64decode(meta["LogResult"]).decode()
    assert "echo handler got request" in log
    assert "START RequestId:" in log
    assert "REPORT RequestId:" in log


def test_c_bootstrap_echo(server, c_zip):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-c", zip_bytes=c_zip)
    for i in range(3):
        response = invoke(lam, "fn-c", json.dumps({"i": i}).encode())
        assert response["StatusCode"] == 200
        body = json.loads(response["Body"])
        assert body["c"] == {"i": i}
        assert body["request_id"] == response["ResponseMetadata"]["RequestId"]
    # Warm instance reused: one start in the log.
    assert server.log().count("event=function_instance_started function=fn-c ") == 1


def test_environment_of_instance(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-env", handler="env", MemorySize=256,
           Environment={"Variables": {"CUSTOM_SETTING": "on"}})
    env = json.loads(invoke(lam, "fn-env")["Body"])
    assert env["name"] == "fn-env"
    assert env["version"] == "$LATEST"
    assert env["memory"] == "256"
    assert env["region"] == env["default_region"] == "us-east-1"
    assert env["handler"] == "env"
    assert env["custom"] == "on"
    assert env["endpoint"] == server.endpoint
    assert env["pwd"] == env["task_root"]
    assert env["tmpdir"].startswith(os.path.realpath(server.data_dir))
    assert env["arn"] == f"arn:aws:lambda:us-east-1:{PRODUCER}:function:fn-env"
    assert int(env["deadline"]) > time.time() * 1000


def test_instance_has_execution_role_credentials(server):
    iam = client(server, "iam", PRODUCER_KEY)
    iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-whoami", handler="whoami")
    identity = json.loads(invoke(lam, "fn-whoami")["Body"])
    assert identity["key"].startswith("ASIA")
    assert identity["arn"] == f"arn:aws:sts::{PRODUCER}:assumed-role/lambda-exec/fn-whoami"


def test_instance_without_assumable_role_has_no_credentials(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-nocreds", handler="whoami")
    assert json.loads(invoke(lam, "fn-nocreds")["Body"]) == {"arn": "", "key": ""}


def test_function_error(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-err", handler="error")
    response = invoke(lam, "fn-err")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Body"]) == {"errorMessage": "something broke",
                                            "errorType": "HandlerError"}


def test_crash_exit_error(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-crash", handler="crash")
    response = invoke(lam, "fn-crash")
    assert response["FunctionError"] == "Unhandled"
    body = json.loads(response["Body"])
    assert body["errorType"] == "Runtime.ExitError"
    request_id = response["ResponseMetadata"]["RequestId"]
    assert body["errorMessage"] == \
        f"RequestId: {request_id} Error: Runtime exited with error: exit status 3"
    # The instance's output is copied to the service log by a reader thread,
    # which may trail the invoke's reply.
    deadline = time.time() + 5
    while "crashing on purpose" not in server.log() and time.time() < deadline:
        time.sleep(0.05)
    assert "crashing on purpose" in server.log()


def test_timeout_kills_instance(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-slow", handler="sleep", Timeout=1)
    create(lam, "fn-fast")
    started = time.monotonic()
    response = invoke(lam, "fn-slow")
    elapsed = time.monotonic() - started
    assert elapsed < 2.5
    body = json.loads(response["Body"])
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert json.loads(invoke(lam, "fn-fast")["Body"]) == {"hello": "world"}
    assert server.alive()


def test_large_response_rejected(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-large", handler="large")
    response = invoke(lam, "fn-large")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Body"]) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge"}


def test_request_too_large_rejected(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-big-request")
    payload = b'"' + b"a" * 6291455 + b'"'
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        invoke(lam, "fn-big-request", payload)
    assert error_of(excinfo) == (
        "RequestTooLargeException",
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation", 413)


def test_garbage_from_runtime(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-garbage", handler="garbage")
    response = invoke(lam, "fn-garbage")
    assert "FunctionError" not in response
    assert json.loads(response["Body"]) == {"survived": True}
    assert server.alive()


def test_concurrent_invocations(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-parallel")

    def one(i):
        own = client(server, "lambda", PRODUCER_KEY)
        return json.loads(invoke(own, "fn-parallel", json.dumps({"i": i}).encode())["Body"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    assert results == [{"i": i} for i in range(8)]


def test_dry_run_and_event(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-async")
    assert lam.invoke(FunctionName="fn-async", InvocationType="DryRun")["StatusCode"] == 204
    response = lam.invoke(FunctionName="fn-async", InvocationType="Event", Payload=b'{"e":1}')
    assert response["StatusCode"] == 202
    deadline = time.time() + 10
    while time.time() < deadline and "event=lambda_event_done function=fn-async" not in server.log():
        time.sleep(0.1)
    assert "outcome=success" in server.log()


def test_function_addressing(server):
    east = client(server, "lambda", PRODUCER_KEY)
    frankfurt = client(server, "lambda", PRODUCER_KEY, region="eu-central-1")
    create(east, "fn-where")
    for name in ("fn-where", f"{PRODUCER}:function:fn-where",
                 f"arn:aws:lambda:us-east-1:{PRODUCER}:function:fn-where",
                 "fn-where:$LATEST"):
        assert json.loads(invoke(east, name)["Body"]) == {"hello": "world"}, name
    # From eu-central-1: a bare name resolves there; the full ARN reaches us-east-1.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        frankfurt.get_function(FunctionName="fn-where")
    assert error_of(excinfo)[1] == \
        f"Function not found: arn:aws:lambda:eu-central-1:{PRODUCER}:function:fn-where"
    full = f"arn:aws:lambda:us-east-1:{PRODUCER}:function:fn-where"
    assert json.loads(invoke(frankfurt, full)["Body"]) == {"hello": "world"}
    assert frankfurt.get_function(FunctionName=full)["Configuration"]["FunctionArn"] == full
    assert frankfurt.list_functions()["Functions"] == []
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        east.get_function(FunctionName="fn-where", Qualifier="7")
    assert error_of(excinfo)[1].endswith(":function:fn-where:7")


def test_publish_and_update(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    first = create(lam, "fn-versions", handler="env")
    v1 = lam.publish_version(FunctionName="fn-versions")
    assert v1["Version"] == "1"
    assert v1["FunctionArn"].endswith(":fn-versions:1")
    assert lam.publish_version(FunctionName="fn-versions")["Version"] == "1"

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.update_function_configuration(FunctionName="fn-versions", Timeout=5,
                                          RevisionId="stale")
    assert error_of(excinfo)[0] == "PreconditionFailedException"
    updated = lam.update_function_configuration(FunctionName="fn-versions", Handler="echo",
                                                RevisionId=first["RevisionId"])
    assert updated["Handler"] == "echo"
    assert updated["RevisionId"] != first["RevisionId"]
    assert lam.publish_version(FunctionName="fn-versions")["Version"] == "2"
    versions = lam.list_versions_by_function(FunctionName="fn-versions")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]

    # Version 1 keeps the env handler, $LATEST now echoes.
    assert json.loads(invoke(lam, "fn-versions", Qualifier="1")["Body"])["version"] == "1"
    assert invoke(lam, "fn-versions", Qualifier="1")["ExecutedVersion"] == "1"
    assert json.loads(invoke(lam, "fn-versions")["Body"]) == {"hello": "world"}

    code = lam.update_function_code(FunctionName="fn-versions",
                                    ZipFile=make_zip({"bootstrap": (b"#!/bin/sh\nexit 9\n", 0o100755)}))
    assert code["CodeSha256"] != first["CodeSha256"]
    assert "exit status 9" in json.loads(invoke(lam, "fn-versions")["Body"])["errorMessage"]


def test_missing_bootstrap(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-nobootstrap", zip_bytes=make_zip({"other": (b"x", 0o100644)}))
    body = json.loads(invoke(lam, "fn-nobootstrap")["Body"])
    assert body["errorType"] == "Runtime.InvalidEntrypoint"


def test_delete_kills_instances(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-doomed", handler="sleep", Timeout=30)
    result = {}

    def run():
        result["response"] = invoke(client(server, "lambda", PRODUCER_KEY), "fn-doomed")

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.time() + 10
    while time.time() < deadline and "function_instance_started function=fn-doomed" not in server.log():
        time.sleep(0.05)
    time.sleep(0.3)
    started = time.monotonic()
    lam.delete_function(FunctionName="fn-doomed")
    worker.join(timeout=10)
    assert time.monotonic() - started < 5
    body = json.loads(result["response"]["Body"])
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: signal: killed")


def test_add_permission_reference_output(server, tmp_path):
    zip_path = tmp_path / "fn.zip"
    zip_path.write_bytes(shell_zip())
    out = aws_cli(server, PRODUCER_KEY, "lambda", "create-function", "--function-name",
                  REFERENCE_FUNCTION, "--runtime", "provided.al2023", "--handler", "echo",
                  "--role", ROLE, "--zip-file", f"fileb://{zip_path}")
    assert out.returncode == 0, out.stderr

    out = aws_cli(server, PRODUCER_KEY, "lambda", "add-permission", "--function-name",
                  REFERENCE_FUNCTION, "--region", "us-east-1", "--statement-id",
                  "Id-ehms-invocation2", "--action", "lambda:InvokeFunction", "--principal",
                  f"arn:aws:iam::{CONSUMER}:user/perf1-test")
    assert out.returncode == 0, out.stderr
    statement = (
        '{"Sid":"Id-ehms-invocation2","Effect":"Allow",'
        f'"Principal":{{"AWS":"arn:aws:iam::{CONSUMER}:user/perf1-test"}},'
        '"Action":"lambda:InvokeFunction",'
        f'"Resource":"{REFERENCE_ARN}"}}')
    assert json.loads(out.stdout) == {"Statement": statement}

    out = aws_cli(server, PRODUCER_KEY, "lambda", "get-policy", "--function-name", REFERENCE_ARN,
                  "--region", "us-east-1")
    assert out.returncode == 0, out.stderr
    policy = json.loads(out.stdout)
    assert policy["Policy"] == '{"Version":"2012-10-17","Id":"default","Statement":[' + statement + "]}"
    assert len(policy["RevisionId"]) == 36

    out = aws_cli(server, PRODUCER_KEY, "lambda", "add-permission", "--function-name",
                  REFERENCE_FUNCTION, "--statement-id", "Id-ehms-invocation2", "--action",
                  "lambda:InvokeFunction", "--principal", CONSUMER)
    assert out.returncode != 0
    assert "(ResourceConflictException)" in out.stderr
    assert "The statement id (Id-ehms-invocation2) provided already exists. Please provide a new " \
           "statement id, or remove the existing statement." in out.stderr


def test_permission_forms_and_removal(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-policy")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.get_policy(FunctionName="fn-policy")
    assert error_of(excinfo) == ("ResourceNotFoundException",
                                 "The resource you requested does not exist.", 404)

    added = lam.add_permission(FunctionName="fn-policy", StatementId="acct", Action="lambda:*",
                               Principal=CONSUMER)
    assert json.loads(added["Statement"])["Principal"] == {"AWS": f"arn:aws:iam::{CONSUMER}:root"}
    added = lam.add_permission(FunctionName="fn-policy", StatementId="s3",
                               Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                               SourceArn="arn:aws:s3:::athena-test", SourceAccount=PRODUCER)
    assert added["Statement"] == (
        '{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},'
        '"Action":"lambda:InvokeFunction",'
        f'"Resource":"arn:aws:lambda:us-east-1:{PRODUCER}:function:fn-policy",'
        f'"Condition":{{"StringEquals":{{"AWS:SourceAccount":"{PRODUCER}"}},'
        '"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::athena-test"}}}')
    added = lam.add_permission(FunctionName="fn-policy", StatementId="org",
                               Action="lambda:InvokeFunction", Principal="*",
                               PrincipalOrgID="o-abc1234567")
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}}

    revision = lam.get_policy(FunctionName="fn-policy")["RevisionId"]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.add_permission(FunctionName="fn-policy", StatementId="late", Action="lambda:*",
                           Principal=CONSUMER, RevisionId="0" * 36)
    assert error_of(excinfo)[0] == "PreconditionFailedException"
    lam.remove_permission(FunctionName="fn-policy", StatementId="acct", RevisionId=revision)
    sids = [s["Sid"] for s in json.loads(lam.get_policy(FunctionName="fn-policy")["Policy"])["Statement"]]
    assert sids == ["s3", "org"]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.remove_permission(FunctionName="fn-policy", StatementId="acct")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    lam.remove_permission(FunctionName="fn-policy", StatementId="s3")
    lam.remove_permission(FunctionName="fn-policy", StatementId="org")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.get_policy(FunctionName="fn-policy")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        lam.add_permission(FunctionName="fn-policy", StatementId="bad", Action="lambda:*",
                           Principal="not a principal")
    assert error_of(excinfo)[0] == "InvalidParameterValueException"

    big = 0
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        for big in range(200):
            lam.add_permission(FunctionName="fn-policy", StatementId=f"s{big:03d}" + "x" * 90,
                               Action="lambda:InvokeFunction", Principal=CONSUMER)
    code, message, status = error_of(excinfo)
    assert (code, status) == ("PolicyLengthExceededException", 400)
    assert message.endswith("is bigger than the limit (20480).")


def test_other_account_denied_by_default(server):
    producer = client(server, "lambda", PRODUCER_KEY)
    create(producer, "fn-private")
    consumer = client(server, "lambda", CONSUMER_KEY)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        invoke(consumer, f"arn:aws:lambda:us-east-1:{PRODUCER}:function:fn-private")
    assert error_of(excinfo)[0] == "AccessDeniedException"
    assert error_of(excinfo)[2] == 403


def test_cross_account_invoke_after_add_permission(server):
    producer = client(server, "lambda", PRODUCER_KEY)
    create(producer, REFERENCE_FUNCTION)
    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="perf1-test")
    key = iam.create_access_key(UserName="perf1-test")["AccessKey"]
    iam.put_user_policy(UserName="perf1-test", PolicyName="invoke", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}))
    perf1 = client(server, "lambda", (key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        invoke(perf1, REFERENCE_ARN)
    assert error_of(excinfo)[0] == "AccessDeniedException"
    producer.add_permission(FunctionName=REFERENCE_FUNCTION, StatementId="Id-ehms-invocation2",
                            Action="lambda:InvokeFunction",
                            Principal=f"arn:aws:iam::{CONSUMER}:user/perf1-test")
    assert json.loads(invoke(perf1, REFERENCE_ARN)["Body"]) == {"hello": "world"}
    producer.remove_permission(FunctionName=REFERENCE_FUNCTION, StatementId="Id-ehms-invocation2")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        invoke(perf1, REFERENCE_ARN)
    assert error_of(excinfo)[0] == "AccessDeniedException"
    assert error_of(excinfo)[1] == (
        f"User: arn:aws:iam::{CONSUMER}:user/perf1-test is not authorized to perform: "
        f"lambda:InvokeFunction on resource: {REFERENCE_ARN} because no resource-based policy "
        "allows the lambda:InvokeFunction action")


def test_vpc_config_requires_role_permissions(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    vpc = {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create(lam, "fn-vpc", VpcConfig=vpc)
    assert error_of(excinfo)[:2] == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2")

    iam = client(server, "iam", PRODUCER_KEY)
    iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    iam.attach_role_policy(
        RoleName="lambda-exec",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    created = create(lam, "fn-vpc", VpcConfig=vpc)
    assert created["VpcConfig"]["SubnetIds"] == ["subnet-1"]


def instance_pids(data_dir):
    """Processes whose working directory is a function code folder of data_dir."""
    code_root = os.path.realpath(data_dir) + "/lambda/code/"
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/cwd").startswith(code_root):
                pids.append(int(entry))
        except OSError:
            pass
    return pids


def test_instances_of_killed_server_are_reaped_at_start(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-orphan", handler="sleep", Timeout=30)
    # A busy instance (sleeping 5 s) outlives the server; an idle one would exit
    # on its own once its Runtime API connection breaks.
    lam.invoke(FunctionName="fn-orphan", InvocationType="Event", Payload=b"{}")
    deadline = time.time() + 5
    while not instance_pids(server.data_dir) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    server.kill9()
    assert instance_pids(server.data_dir) != []
    server.start()
    deadline = time.time() + 5
    while instance_pids(server.data_dir) and time.time() < deadline:
        time.sleep(0.05)
    assert instance_pids(server.data_dir) == []
    tmp_root = os.path.join(server.data_dir, "lambda", "tmp")
    assert not os.path.exists(tmp_root) or os.listdir(tmp_root) == []


def test_instances_cannot_read_the_data_directory(tmp_path):
    # pytest's own temporary directories are private to root, which keeps
    # instances on owlery's user; this data directory's parents are searchable.
    import shutil
    import tempfile

    from conftest import OwleryServer, create_account

    base = tempfile.mkdtemp(prefix="owlery-isolation-", dir="/tmp")
    try:
        os.chmod(base, 0o711)
        data_dir = os.path.join(base, "data")
        create_account(data_dir, PRODUCER, PRODUCER_KEY, name="producer")
        srv = OwleryServer(data_dir, tmp_path / "serve.log").start()
        try:
            lam = client(srv, "lambda", PRODUCER_KEY)
            probes = []
            for name in ("fn-isolation", "fn-isolation-2"):
                create(lam, name, handler="isolation",
                       Environment={"Variables": {"PROBE_DATA_DIR": data_dir}})
                out = lam.invoke(FunctionName=name, Payload=b"{}")
                probes.append(json.loads(out["Payload"].read()))
        finally:
            srv.stop()
        if os.geteuid() == 0:
            uids = [int(probe.pop("uid")) for probe in probes]
            # Each instance has a user id of its own, so none can read another's
            # environment (its credentials) through /proc.
            assert uids[0] != uids[1]
            assert all(200000 <= uid < 200000 + 65536 for uid in uids)
            for probe in probes:
                assert probe == {"state": "denied", "listing": "denied", "code": "readable",
                                 "tmp": "writable"}
            assert "event=function_isolation_on first_uid=200000 gid=65534" in srv.log()
            assert oct(os.stat(data_dir).st_mode & 0o777) == "0o711"
            assert oct(os.stat(os.path.join(data_dir, "state.db")).st_mode & 0o777) == "0o600"
        else:
            assert [probe["uid"] for probe in probes] == [str(os.geteuid())] * 2
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_private_data_directory_keeps_owlery_user(server):
    lam = client(server, "lambda", PRODUCER_KEY)
    create(lam, "fn-isolation-off", handler="isolation",
           Environment={"Variables": {"PROBE_DATA_DIR": server.data_dir}})
    probe = json.loads(lam.invoke(FunctionName="fn-isolation-off", Payload=b"{}")["Payload"].read())
    assert probe["uid"] == str(os.geteuid())
    if os.geteuid() == 0:
        assert "event=function_isolation_off" in server.log()
