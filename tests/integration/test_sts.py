"""Black-box tests of STS AssumeRole and of the temporary credentials it
issues: cross-account assumption, trust policy checks, duration limits,
session tokens, expiry and GetCallerIdentity for assumed roles."""

import datetime
import json
import os
import sqlite3

import boto3
import botocore.config
import botocore.exceptions
import pytest

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, aws_cli, client


def trust(*principals):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": list(principals)},
                       "Action": "sts:AssumeRole"}],
    })


def sts(server, key, validate=True):
    config = botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=validate)
    credentials = {"aws_access_key_id": key[0], "aws_secret_access_key": key[1]}
    if len(key) > 2:
        credentials["aws_session_token"] = key[2]
    return boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1",
                        config=config, **credentials)


def error_of(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(*args, **kwargs)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def producer_role(server, name="consumer-reader", principals=(f"arn:aws:iam::{CONSUMER}:root",),
                  **kwargs):
    return client(server, "iam", PRODUCER_KEY).create_role(
        RoleName=name, AssumeRolePolicyDocument=trust(*principals), **kwargs)["Role"]


def session_key(response):
    credentials = response["Credentials"]
    return (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])


def test_assume_role_across_accounts(server):
    role = producer_role(server)
    before = datetime.datetime.now(datetime.timezone.utc)
    response = sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"], RoleSessionName="query-1")
    credentials = response["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40
    assert len(credentials["SessionToken"]) >= 200
    lifetime = credentials["Expiration"] - before
    assert datetime.timedelta(minutes=59) < lifetime <= datetime.timedelta(hours=1, seconds=5)
    assert response["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{PRODUCER}:assumed-role/consumer-reader/query-1"
    assert response["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:query-1"
    assert "PackedPolicySize" not in response

    env = {"AWS_SESSION_TOKEN": credentials["SessionToken"]}
    out = aws_cli(server, session_key(response)[:2], "sts", "get-caller-identity", tmp_env=env)
    assert out.returncode == 0, out.stderr
    identity = json.loads(out.stdout)
    assert identity["Arn"] == f"arn:aws:sts::{PRODUCER}:assumed-role/consumer-reader/query-1"
    assert identity["Account"] == PRODUCER
    assert identity["UserId"] == f"{role['RoleId']}:query-1"


def test_cli_assume_role(server):
    role = producer_role(server, Path="/cross/")
    out = aws_cli(server, CONSUMER_KEY, "sts", "assume-role", "--role-arn", role["Arn"],
                  "--role-session-name", "cli", "--duration-seconds", "900")
    assert out.returncode == 0, out.stderr
    response = json.loads(out.stdout)
    assert response["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{PRODUCER}:assumed-role/consumer-reader/cli"


def test_assume_role_trust_policy_enforced(server):
    role = producer_role(server)
    code, message, status = error_of(sts(server, PRODUCER_KEY).assume_role,
                                     RoleArn=role["Arn"], RoleSessionName="s0")
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: arn:aws:iam::{PRODUCER}:root is not authorized to perform: "
                       f"sts:AssumeRole on resource: {role['Arn']}")
    missing = f"arn:aws:iam::{PRODUCER}:role/no-such-role"
    code, message, _ = error_of(sts(server, CONSUMER_KEY).assume_role, RoleArn=missing,
                                RoleSessionName="s1")
    assert code == "AccessDenied"
    assert message == (f"User: arn:aws:iam::{CONSUMER}:root is not authorized to perform: "
                       f"sts:AssumeRole on resource: {missing}")


def test_assume_role_trust_by_account_id(server):
    role = producer_role(server, principals=(CONSUMER,))
    response = sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"], RoleSessionName="by-id")
    assert response["AssumedRoleUser"]["Arn"].endswith("/consumer-reader/by-id")


def test_assume_role_parameters_validated(server):
    role = producer_role(server)
    api = sts(server, CONSUMER_KEY, validate=False)
    code, message, status = error_of(api.assume_role, RoleArn=role["Arn"], RoleSessionName="a b")
    assert (code, status) == ("ValidationError", 400)
    assert message == ("1 validation error detected: Value 'a b' at 'roleSessionName' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: "
                       "[\\w+=,.@-]*")
    code, message, _ = error_of(api.assume_role, RoleArn=role["Arn"], RoleSessionName="ok",
                                DurationSeconds=899)
    assert code == "ValidationError"
    assert message == ("1 validation error detected: Value '899' at 'durationSeconds' failed to "
                       "satisfy constraint: Member must have value greater than or equal to 900")
    code, message, _ = error_of(api.assume_role, RoleArn=role["Arn"], RoleSessionName="ok",
                                DurationSeconds=7200)
    assert (code, message) == ("ValidationError", "The requested DurationSeconds exceeds the "
                                                  "MaxSessionDuration set for this role.")
    code, message, _ = error_of(api.assume_role, RoleArn=role["Arn"], RoleSessionName="ok",
                                Policy="{broken")
    assert (code, message) == ("MalformedPolicyDocument", "Syntax errors in policy.")


def test_assume_role_longer_max_session(server):
    role = producer_role(server, MaxSessionDuration=43200)
    before = datetime.datetime.now(datetime.timezone.utc)
    response = sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"], RoleSessionName="long",
                                                     DurationSeconds=43200)
    assert response["Credentials"]["Expiration"] - before > datetime.timedelta(hours=11, minutes=59)


def test_session_policy_reported(server):
    role = producer_role(server)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::athena-test/*"}]})
    response = sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"], RoleSessionName="scoped",
                                                     Policy=policy)
    assert response["PackedPolicySize"] == len(policy) * 100 // 2048
    with sqlite3.connect(os.path.join(server.data_dir, "state.db")) as db:
        stored = db.execute("SELECT session_policy FROM access_keys WHERE access_key_id = ?",
                            (response["Credentials"]["AccessKeyId"],)).fetchone()
    assert stored == (policy,)


def test_session_token_required(server):
    role = producer_role(server)
    key = session_key(sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"],
                                                            RoleSessionName="token"))
    assert sts(server, key).get_caller_identity()["Account"] == PRODUCER
    code, _, status = error_of(sts(server, key[:2]).get_caller_identity)
    assert (code, status) == ("InvalidClientTokenId", 403)
    code, _, _ = error_of(sts(server, (key[0], key[1], key[2][:-4] + "AAAA")).get_caller_identity)
    assert code == "InvalidClientTokenId"


def test_expired_credentials_rejected(server):
    role = producer_role(server)
    key = session_key(sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"],
                                                            RoleSessionName="short"))
    assert sts(server, key).get_caller_identity()["Account"] == PRODUCER
    # The shortest session lasts 900 s, so the test moves its expiry into the past.
    with sqlite3.connect(os.path.join(server.data_dir, "state.db")) as db:
        db.execute("UPDATE access_keys SET expires_at = strftime('%s', 'now') - 1"
                   " WHERE access_key_id = ?", (key[0],))
    code, message, status = error_of(sts(server, key).get_caller_identity)
    assert (code, status) == ("ExpiredToken", 403)
    assert message == "The security token included in the request is expired"


def test_deleted_role_ends_sessions(server):
    role = producer_role(server)
    key = session_key(sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"],
                                                            RoleSessionName="gone"))
    client(server, "iam", PRODUCER_KEY).delete_role(RoleName="consumer-reader")
    code, _, _ = error_of(sts(server, key).get_caller_identity)
    assert code == "InvalidClientTokenId"
    producer_role(server)
    code, _, _ = error_of(sts(server, key).get_caller_identity)
    assert code == "InvalidClientTokenId"


def test_role_chaining_limited_to_one_hour(server):
    first = producer_role(server)
    second = producer_role(server, name="chained",
                           principals=(f"arn:aws:iam::{PRODUCER}:role/consumer-reader",))
    key = session_key(sts(server, CONSUMER_KEY).assume_role(RoleArn=first["Arn"],
                                                            RoleSessionName="hop1"))
    chained = sts(server, key).assume_role(RoleArn=second["Arn"], RoleSessionName="hop2")
    assert chained["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{PRODUCER}:assumed-role/chained/hop2"
    code, message, _ = error_of(sts(server, key).assume_role, RoleArn=second["Arn"],
                                RoleSessionName="hop2", DurationSeconds=3601)
    assert (code, message) == ("ValidationError", "The requested DurationSeconds exceeds the 1 "
                                                  "hour session limit for roles assumed by role "
                                                  "chaining.")


def test_assumed_role_get_user_needs_name(server):
    role = producer_role(server)
    key = session_key(sts(server, CONSUMER_KEY).assume_role(RoleArn=role["Arn"],
                                                            RoleSessionName="who"))
    iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id=key[0], aws_secret_access_key=key[1],
                       aws_session_token=key[2],
                       config=botocore.config.Config(retries={"max_attempts": 1}))
    code, message, _ = error_of(iam.get_user)
    assert (code, message) == ("ValidationError",
                               "Must specify userName when calling with non-User credentials")


def test_consumer_user_with_policy_assumes_role(server):
    role = producer_role(server)
    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="analyst")
    iam.put_user_policy(UserName="analyst", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role["Arn"]}]}))
    created = iam.create_access_key(UserName="analyst")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    response = sts(server, key).assume_role(RoleArn=role["Arn"], RoleSessionName="analyst")
    assert response["AssumedRoleUser"]["Arn"].endswith("/consumer-reader/analyst")


def test_consumer_user_without_policy_denied(server):
    role = producer_role(server)
    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="nobody")
    created = iam.create_access_key(UserName="nobody")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    code, message, _ = error_of(sts(server, key).assume_role, RoleArn=role["Arn"],
                                RoleSessionName="s1")
    assert code == "AccessDenied"
    assert message.startswith(f"User: arn:aws:iam::{CONSUMER}:user/nobody is not authorized to "
                              f"perform: sts:AssumeRole on resource: {role['Arn']}")


def test_assume_role_external_id_condition(server):
    document = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": CONSUMER},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"sts:ExternalId": "tenant-42"}}}],
    })
    role = client(server, "iam", PRODUCER_KEY).create_role(
        RoleName="vendor", AssumeRolePolicyDocument=document)["Role"]
    api = sts(server, CONSUMER_KEY)
    code, _, _ = error_of(api.assume_role, RoleArn=role["Arn"], RoleSessionName="no-id")
    assert code == "AccessDenied"
    code, _, _ = error_of(api.assume_role, RoleArn=role["Arn"], RoleSessionName="bad-id",
                          ExternalId="tenant-41")
    assert code == "AccessDenied"
    response = api.assume_role(RoleArn=role["Arn"], RoleSessionName="good-id",
                               ExternalId="tenant-42")
    assert response["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{PRODUCER}:assumed-role/vendor/good-id"
