"""Black-box tests of the IAM API through boto3 and the AWS CLI v2: users,
access keys, groups, roles, inline and managed policies, attachments,
tags, pagination and IAM's exact error codes and messages."""

import json

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions
import pytest
import requests

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, aws_cli, client

TRUST_CONSUMER = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"},
                   "Action": "sts:AssumeRole"}],
})
READ_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                   "Resource": ["arn:aws:s3:::athena-test", "arn:aws:s3:::athena-test/*"]}],
}
AWS_MANAGED = [
    "arn:aws:iam::aws:policy/AmazonAthenaFullAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess",
]


def iam(server, key=PRODUCER_KEY, validate=True):
    if validate:
        return client(server, "iam", key)
    return boto3.client(
        "iam", endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id=key[0], aws_secret_access_key=key[1],
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False))


def error_of(call, *args, **kwargs):
    """Runs a boto3 call that must fail; returns (code, message, HTTP status)."""
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(*args, **kwargs)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_user_lifecycle(server):
    api = iam(server)
    user = api.create_user(UserName="alice", Path="/analytics/")["User"]
    assert user["UserName"] == "alice"
    assert user["Path"] == "/analytics/"
    assert user["Arn"] == f"arn:aws:iam::{PRODUCER}:user/analytics/alice"
    assert user["UserId"].startswith("AIDA")
    assert len(user["UserId"]) == 21
    assert user["CreateDate"].year >= 2024

    fetched = api.get_user(UserName="alice")["User"]
    assert fetched["UserId"] == user["UserId"]
    assert fetched["Arn"] == user["Arn"]
    assert [u["UserName"] for u in api.list_users()["Users"]] == ["alice"]

    api.delete_user(UserName="alice")
    code, message, status = error_of(api.get_user, UserName="alice")
    assert code == "NoSuchEntity"
    assert message == "The user with name alice cannot be found."
    assert status == 404


def test_user_names_case_insensitive(server):
    api = iam(server)
    api.create_user(UserName="Bob")
    code, message, status = error_of(api.create_user, UserName="bob")
    assert code == "EntityAlreadyExists"
    assert message == "User with name bob already exists."
    assert status == 409
    assert api.get_user(UserName="BOB")["User"]["UserName"] == "Bob"


def test_user_name_validation(server):
    api = iam(server)
    code, message, status = error_of(api.create_user, UserName="a b")
    assert code == "ValidationError"
    assert message == ("1 validation error detected: Value 'a b' at 'userName' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    assert status == 400
    long_name = "u" * 65
    code, message, _ = error_of(api.create_user, UserName=long_name)
    assert code == "ValidationError"
    assert message == (f"1 validation error detected: Value '{long_name}' at 'userName' failed to "
                       "satisfy constraint: Member must have length less than or equal to 64")
    code, message, _ = error_of(api.create_user, UserName="ok", Path="no-slashes")
    assert code == "ValidationError"
    assert "at 'path' failed to satisfy constraint" in message


def test_user_validation_lists_every_error(server):
    code, message, _ = error_of(iam(server).create_user, UserName="a b", Path="x")
    assert code == "ValidationError"
    assert message.startswith("2 validation errors detected: Value 'a b' at 'userName'")
    assert "; Value 'x' at 'path'" in message


def test_cli_create_and_get_user(server):
    out = aws_cli(server, CONSUMER_KEY, "iam", "create-user", "--user-name", "perf1-test")
    assert out.returncode == 0, out.stderr
    user = json.loads(out.stdout)["User"]
    assert user["Arn"] == f"arn:aws:iam::{CONSUMER}:user/perf1-test"
    out = aws_cli(server, CONSUMER_KEY, "iam", "get-user", "--user-name", "perf1-test")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["User"]["UserId"] == user["UserId"]
    out = aws_cli(server, CONSUMER_KEY, "iam", "get-user", "--user-name", "nobody")
    assert out.returncode == 254
    assert "(NoSuchEntity)" in out.stderr
    assert "The user with name nobody cannot be found." in out.stderr


def test_get_user_without_name_is_caller(server):
    root = iam(server).get_user()["User"]
    assert root["Arn"] == f"arn:aws:iam::{PRODUCER}:root"
    assert root["UserId"] == PRODUCER


def test_iam_accepts_any_region(server):
    api = client(server, "iam", PRODUCER_KEY, region="eu-west-3")
    api.create_user(UserName="global")
    assert iam(server).get_user(UserName="global")["User"]["UserName"] == "global"


def test_access_keys_authenticate_as_user(server):
    api = iam(server)
    user = api.create_user(UserName="loader", Path="/etl/")["User"]
    first = api.create_access_key(UserName="loader")["AccessKey"]
    assert first["AccessKeyId"].startswith("AKIA")
    assert len(first["AccessKeyId"]) == 20
    assert len(first["SecretAccessKey"]) == 40
    assert first["Status"] == "Active"
    assert first["UserName"] == "loader"
    second = api.create_access_key(UserName="loader")["AccessKey"]
    code, message, status = error_of(api.create_access_key, UserName="loader")
    assert code == "LimitExceeded"
    assert message == "Cannot exceed quota for AccessKeysPerUser: 2"
    assert status == 409

    listed = api.list_access_keys(UserName="loader")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == \
        sorted([first["AccessKeyId"], second["AccessKeyId"]])

    key = (first["AccessKeyId"], first["SecretAccessKey"])
    identity = client(server, "sts", key).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{PRODUCER}:user/etl/loader"
    assert identity["UserId"] == user["UserId"]
    assert identity["Account"] == PRODUCER


def test_deleted_access_key_stops_working(server):
    api = iam(server)
    api.create_user(UserName="temp")
    created = api.create_access_key(UserName="temp")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    assert client(server, "sts", key).get_caller_identity()["Arn"].endswith(":user/temp")

    api.update_access_key(UserName="temp", AccessKeyId=key[0], Status="Inactive")
    code, _, status = error_of(client(server, "sts", key).get_caller_identity)
    assert code == "InvalidClientTokenId"
    assert status == 403
    api.update_access_key(UserName="temp", AccessKeyId=key[0], Status="Active")
    assert client(server, "sts", key).get_caller_identity()["Account"] == PRODUCER

    api.delete_access_key(UserName="temp", AccessKeyId=key[0])
    code, _, _ = error_of(client(server, "sts", key).get_caller_identity)
    assert code == "InvalidClientTokenId"
    code, message, _ = error_of(api.delete_access_key, UserName="temp", AccessKeyId=key[0])
    assert code == "NoSuchEntity"
    assert message == f"The Access Key with id {key[0]} cannot be found."


def test_delete_user_conflicts(server):
    api = iam(server)
    api.create_user(UserName="busy")
    key = api.create_access_key(UserName="busy")["AccessKey"]["AccessKeyId"]
    api.put_user_policy(UserName="busy", PolicyName="read", PolicyDocument=json.dumps(READ_BUCKET))
    api.attach_user_policy(UserName="busy",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    api.create_group(GroupName="readers")
    api.add_user_to_group(GroupName="readers", UserName="busy")

    steps = [
        ("Cannot delete entity, must delete access keys first.",
         lambda: api.delete_access_key(UserName="busy", AccessKeyId=key)),
        ("Cannot delete entity, must delete policies first.",
         lambda: api.delete_user_policy(UserName="busy", PolicyName="read")),
        ("Cannot delete entity, must detach all policies first.",
         lambda: api.detach_user_policy(
             UserName="busy", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")),
        ("Cannot delete entity, must remove users from group first.",
         lambda: api.remove_user_from_group(GroupName="readers", UserName="busy")),
    ]
    for expected, resolve in steps:
        code, message, status = error_of(api.delete_user, UserName="busy")
        assert (code, message, status) == ("DeleteConflict", expected, 409)
        resolve()
    api.delete_user(UserName="busy")


def test_groups(server):
    api = iam(server)
    group = api.create_group(GroupName="analysts", Path="/teams/")["Group"]
    assert group["GroupId"].startswith("AGPA")
    assert len(group["GroupId"]) == 21
    assert group["Arn"] == f"arn:aws:iam::{PRODUCER}:group/teams/analysts"
    code, message, _ = error_of(api.create_group, GroupName="Analysts")
    assert (code, message) == ("EntityAlreadyExists", "Group with name Analysts already exists.")

    for name in ("carol", "dave"):
        api.create_user(UserName=name)
        api.add_user_to_group(GroupName="analysts", UserName=name)
    members = api.get_group(GroupName="analysts")
    assert members["Group"]["GroupName"] == "analysts"
    assert [u["UserName"] for u in members["Users"]] == ["carol", "dave"]
    groups = api.list_groups_for_user(UserName="carol")["Groups"]
    assert [g["GroupName"] for g in groups] == ["analysts"]

    api.remove_user_from_group(GroupName="analysts", UserName="carol")
    assert api.list_groups_for_user(UserName="carol")["Groups"] == []
    code, message, _ = error_of(api.add_user_to_group, GroupName="nope", UserName="dave")
    assert (code, message) == ("NoSuchEntity", "The group with name nope cannot be found.")


def test_roles(server):
    api = iam(server)
    role = api.create_role(RoleName="consumer-reader", Path="/cross/",
                           AssumeRolePolicyDocument=TRUST_CONSUMER,
                           Description="read for the consumer", MaxSessionDuration=7200)["Role"]
    assert role["RoleId"].startswith("AROA")
    assert len(role["RoleId"]) == 21
    assert role["Arn"] == f"arn:aws:iam::{PRODUCER}:role/cross/consumer-reader"
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST_CONSUMER)
    assert role["MaxSessionDuration"] == 7200

    fetched = api.get_role(RoleName="consumer-reader")["Role"]
    assert fetched["Description"] == "read for the consumer"
    assert fetched["AssumeRolePolicyDocument"] == json.loads(TRUST_CONSUMER)
    assert [r["RoleName"] for r in api.list_roles()["Roles"]] == ["consumer-reader"]

    trust_both = json.loads(TRUST_CONSUMER)
    trust_both["Statement"][0]["Principal"]["AWS"] = [
        f"arn:aws:iam::{CONSUMER}:root", f"arn:aws:iam::{PRODUCER}:root"]
    api.update_assume_role_policy(RoleName="consumer-reader",
                                  PolicyDocument=json.dumps(trust_both))
    assert api.get_role(RoleName="consumer-reader")["Role"]["AssumeRolePolicyDocument"] == trust_both

    code, message, _ = error_of(api.create_role, RoleName="consumer-reader",
                                AssumeRolePolicyDocument=TRUST_CONSUMER)
    assert (code, message) == ("EntityAlreadyExists",
                               "Role with name consumer-reader already exists.")
    api.delete_role(RoleName="consumer-reader")
    code, message, _ = error_of(api.get_role, RoleName="consumer-reader")
    assert (code, message) == ("NoSuchEntity", "The role with name consumer-reader cannot be found.")


def test_role_trust_policy_checked(server):
    api = iam(server)
    code, message, status = error_of(api.create_role, RoleName="r1",
                                     AssumeRolePolicyDocument="{not json")
    assert (code, message, status) == ("MalformedPolicyDocument", "Syntax errors in policy.", 400)
    no_principal = {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
    code, message, _ = error_of(api.create_role, RoleName="r1",
                                AssumeRolePolicyDocument=json.dumps(no_principal))
    assert (code, message) == ("MalformedPolicyDocument", "Missing required field Principal.")
    code, message, _ = error_of(iam(server, validate=False).create_role, RoleName="r1")
    assert code == "ValidationError"
    assert message == ("1 validation error detected: Value null at 'assumeRolePolicyDocument' "
                       "failed to satisfy constraint: Member must not be null")


def test_role_delete_conflicts(server):
    api = iam(server)
    api.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_CONSUMER)
    api.put_role_policy(RoleName="worker", PolicyName="read", PolicyDocument=json.dumps(READ_BUCKET))
    api.attach_role_policy(RoleName="worker", PolicyArn=AWS_MANAGED[2])
    code, message, _ = error_of(api.delete_role, RoleName="worker")
    assert (code, message) == ("DeleteConflict", "Cannot delete entity, must delete policies first.")
    api.delete_role_policy(RoleName="worker", PolicyName="read")
    code, message, _ = error_of(api.delete_role, RoleName="worker")
    assert (code, message) == ("DeleteConflict",
                               "Cannot delete entity, must detach all policies first.")
    api.detach_role_policy(RoleName="worker", PolicyArn=AWS_MANAGED[2])
    api.delete_role(RoleName="worker")


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_inline_policies(server, kind):
    api = iam(server)
    title = kind.capitalize()
    if kind == "role":
        api.create_role(RoleName="owner", AssumeRolePolicyDocument=TRUST_CONSUMER)
    else:
        getattr(api, f"create_{kind}")(**{f"{title}Name": "owner"})
    name_arg = {f"{title}Name": "owner"}
    put = getattr(api, f"put_{kind}_policy")
    get = getattr(api, f"get_{kind}_policy")
    put(PolicyName="read-data", PolicyDocument=json.dumps(READ_BUCKET), **name_arg)
    put(PolicyName="another", PolicyDocument=json.dumps(READ_BUCKET), **name_arg)

    fetched = get(PolicyName="read-data", **name_arg)
    assert fetched[f"{title}Name"] == "owner"
    assert fetched["PolicyName"] == "read-data"
    assert fetched["PolicyDocument"] == READ_BUCKET
    listed = getattr(api, f"list_{kind}_policies")(**name_arg)["PolicyNames"]
    assert listed == ["another", "read-data"]

    getattr(api, f"delete_{kind}_policy")(PolicyName="read-data", **name_arg)
    code, message, status = error_of(get, PolicyName="read-data", **name_arg)
    assert code == "NoSuchEntity"
    assert message == f"The {kind} policy with name read-data cannot be found."
    assert status == 404


def test_identity_policy_rejects_principal(server):
    api = iam(server)
    api.create_user(UserName="p")
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                               "Resource": "*"}]}
    code, message, _ = error_of(api.put_user_policy, UserName="p", PolicyName="x",
                                PolicyDocument=json.dumps(document))
    assert (code, message) == ("MalformedPolicyDocument",
                               "Policy document should not specify a principal.")
    code, message, _ = error_of(api.put_user_policy, UserName="p", PolicyName="x",
                                PolicyDocument='{"Version": "2012-10-17"}')
    assert (code, message) == ("MalformedPolicyDocument", "Missing required field Statement.")


def test_policy_size_quotas(server):
    api = iam(server)
    api.create_user(UserName="big")
    actions = [f"s3:GetObjectVersion{i:04d}" for i in range(100)]
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    code, message, status = error_of(api.put_user_policy, UserName="big", PolicyName="x",
                                     PolicyDocument=document)
    assert (code, status) == ("LimitExceeded", 409)
    assert message == "Maximum policy size of 2048 bytes exceeded for user big"
    api.create_role(RoleName="big-role", AssumeRolePolicyDocument=TRUST_CONSUMER)
    api.put_role_policy(RoleName="big-role", PolicyName="x", PolicyDocument=document)

    huge = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions * 3, "Resource": "*"}]})
    code, message, _ = error_of(api.create_policy, PolicyName="huge", PolicyDocument=huge)
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144")


def test_aws_managed_policies_present(server):
    api = iam(server)
    for arn in AWS_MANAGED:
        policy = api.get_policy(PolicyArn=arn)["Policy"]
        assert policy["Arn"] == arn
        assert policy["PolicyName"] == arn.rsplit("/", 1)[1]
        assert policy["PolicyId"].startswith("ANPA")
        assert len(policy["PolicyId"]) == 21
        assert policy["IsAttachable"] is True
        version = api.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        document = version["PolicyVersion"]["Document"]
        assert document["Version"] == "2012-10-17"
        assert version["PolicyVersion"]["IsDefaultVersion"] is True
    service_role = api.get_policy(PolicyArn=AWS_MANAGED[1])["Policy"]
    assert service_role["Path"] == "/service-role/"
    admin = api.get_policy_version(PolicyArn=AWS_MANAGED[7], VersionId="v1")
    assert admin["PolicyVersion"]["Document"]["Statement"] == \
        [{"Effect": "Allow", "Action": "*", "Resource": "*"}]

    listed = [p["Arn"] for p in api.list_policies(Scope="AWS")["Policies"]]
    assert sorted(listed) == sorted(AWS_MANAGED)
    assert api.list_policies(Scope="Local")["Policies"] == []


def test_aws_managed_policies_read_only(server):
    api = iam(server)
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    code, message, status = error_of(api.delete_policy, PolicyArn=arn)
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: arn:aws:iam::{PRODUCER}:root is not authorized to perform: "
                       f"iam:DeletePolicy on resource: policy {arn} because no resource-based "
                       "policy allows the iam:DeletePolicy action")
    code, _, _ = error_of(api.create_policy_version, PolicyArn=arn,
                          PolicyDocument=json.dumps(READ_BUCKET))
    assert code == "AccessDenied"
    code, message, _ = error_of(api.get_policy,
                                PolicyArn="arn:aws:iam::aws:policy/NoSuchManagedPolicy")
    assert (code, message) == (
        "NoSuchEntity",
        "Policy arn:aws:iam::aws:policy/NoSuchManagedPolicy does not exist or is not attachable.")


def test_attach_managed_policies(server):
    api = iam(server)
    api.create_user(UserName="athena-user")
    api.create_group(GroupName="lambda-devs")
    api.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST_CONSUMER)
    api.attach_user_policy(UserName="athena-user", PolicyArn=AWS_MANAGED[0])
    api.attach_user_policy(UserName="athena-user", PolicyArn=AWS_MANAGED[5])
    api.attach_group_policy(GroupName="lambda-devs", PolicyArn=AWS_MANAGED[3])
    api.attach_role_policy(RoleName="fn-role", PolicyArn=AWS_MANAGED[1])

    attached = api.list_attached_user_policies(UserName="athena-user")["AttachedPolicies"]
    assert sorted(p["PolicyName"] for p in attached) == \
        ["AmazonAthenaFullAccess", "AmazonS3ReadOnlyAccess"]
    assert api.list_attached_group_policies(GroupName="lambda-devs")["AttachedPolicies"] == \
        [{"PolicyName": "AWSLambda_FullAccess", "PolicyArn": AWS_MANAGED[3]}]
    assert api.list_attached_role_policies(RoleName="fn-role")["AttachedPolicies"] == \
        [{"PolicyName": "AWSLambdaVPCAccessExecutionRole", "PolicyArn": AWS_MANAGED[1]}]
    only = api.list_attached_role_policies(RoleName="fn-role", PathPrefix="/service-role/")
    assert len(only["AttachedPolicies"]) == 1

    attached_only = api.list_policies(OnlyAttached=True)["Policies"]
    assert sorted(p["Arn"] for p in attached_only) == \
        sorted([AWS_MANAGED[0], AWS_MANAGED[5], AWS_MANAGED[3], AWS_MANAGED[1]])
    assert api.get_policy(PolicyArn=AWS_MANAGED[0])["Policy"]["AttachmentCount"] == 1

    code, message, _ = error_of(api.detach_user_policy, UserName="athena-user",
                                PolicyArn=AWS_MANAGED[7])
    assert (code, message) == ("NoSuchEntity", f"Policy {AWS_MANAGED[7]} was not found.")
    code, message, _ = error_of(api.attach_user_policy, UserName="athena-user",
                                PolicyArn=f"arn:aws:iam::{PRODUCER}:policy/missing")
    assert (code, message) == (
        "NoSuchEntity",
        f"Policy arn:aws:iam::{PRODUCER}:policy/missing does not exist or is not attachable.")


def test_attached_policy_quota(server):
    api = iam(server)
    api.create_user(UserName="many")
    for i in range(10):
        arn = api.create_policy(PolicyName=f"p{i}",
                                PolicyDocument=json.dumps(READ_BUCKET))["Policy"]["Arn"]
        api.attach_user_policy(UserName="many", PolicyArn=arn)
    code, message, _ = error_of(api.attach_user_policy, UserName="many", PolicyArn=AWS_MANAGED[0])
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10")


def test_customer_policy_versions(server):
    api = iam(server)
    policy = api.create_policy(PolicyName="read-data", Path="/data/",
                               PolicyDocument=json.dumps(READ_BUCKET),
                               Description="read the test bucket")["Policy"]
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::{PRODUCER}:policy/data/read-data"
    assert policy["DefaultVersionId"] == "v1"
    assert policy["PolicyId"].startswith("ANPA")
    code, message, _ = error_of(api.create_policy, PolicyName="read-data",
                                PolicyDocument=json.dumps(READ_BUCKET))
    assert (code, message) == ("EntityAlreadyExists",
                               "A policy called read-data already exists. Duplicate names are not "
                               "allowed.")

    for number in range(2, 6):
        document = dict(READ_BUCKET, Statement=[dict(READ_BUCKET["Statement"][0], Sid=f"S{number}")])
        version = api.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document),
                                            SetAsDefault=(number == 3))["PolicyVersion"]
        assert version["VersionId"] == f"v{number}"
        assert version["IsDefaultVersion"] is (number == 3)
    code, message, status = error_of(api.create_policy_version, PolicyArn=arn,
                                     PolicyDocument=json.dumps(READ_BUCKET))
    assert code == "LimitExceeded"
    assert message == ("A managed policy can have up to 5 versions. Before you create a new "
                       "version, you must delete an existing version.")
    assert status == 409

    versions = api.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1", "v2", "v3", "v4", "v5"]
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v3"]
    assert api.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    fetched = api.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert fetched["Document"]["Statement"][0]["Sid"] == "S3"

    api.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    code, message, _ = error_of(api.delete_policy_version, PolicyArn=arn, VersionId="v5")
    assert (code, message) == ("DeleteConflict", "Cannot delete the default version of a policy.")
    code, message, _ = error_of(api.get_policy_version, PolicyArn=arn, VersionId="v9")
    assert (code, message) == ("NoSuchEntity",
                               f"Policy {arn} version v9 does not exist or is not attachable.")

    api.create_user(UserName="reader")
    api.attach_user_policy(UserName="reader", PolicyArn=arn)
    code, message, _ = error_of(api.delete_policy, PolicyArn=arn)
    assert (code, message) == ("DeleteConflict", "Cannot delete a policy attached to entities.")
    api.detach_user_policy(UserName="reader", PolicyArn=arn)
    code, _, _ = error_of(api.delete_policy, PolicyArn=arn)
    assert code == "DeleteConflict"
    for version in ("v1", "v2", "v3", "v4"):
        api.delete_policy_version(PolicyArn=arn, VersionId=version)
    api.delete_policy(PolicyArn=arn)
    assert api.list_policies(Scope="Local")["Policies"] == []


def test_list_policies_filters(server):
    api = iam(server)
    api.create_policy(PolicyName="a", Path="/one/", PolicyDocument=json.dumps(READ_BUCKET))
    api.create_policy(PolicyName="b", Path="/two/", PolicyDocument=json.dumps(READ_BUCKET))
    local = [p["PolicyName"] for p in api.list_policies(Scope="Local")["Policies"]]
    assert local == ["a", "b"]
    assert [p["PolicyName"] for p in api.list_policies(Scope="Local", PathPrefix="/two/")["Policies"]] \
        == ["b"]
    service_roles = api.list_policies(Scope="AWS", PathPrefix="/service-role/")["Policies"]
    assert sorted(p["PolicyName"] for p in service_roles) == \
        ["AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"]
    all_policies = api.list_policies()["Policies"]
    assert len(all_policies) == len(AWS_MANAGED) + 2


def test_list_users_pagination(server):
    api = iam(server)
    names = [f"user{i:02d}" for i in range(7)]
    for name in names:
        api.create_user(UserName=name)
    first = api.list_users(MaxItems=3)
    assert [u["UserName"] for u in first["Users"]] == names[:3]
    assert first["IsTruncated"] is True
    second = api.list_users(MaxItems=3, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == names[3:6]
    third = api.list_users(MaxItems=3, Marker=second["Marker"])
    assert [u["UserName"] for u in third["Users"]] == names[6:]
    assert third["IsTruncated"] is False
    assert "Marker" not in third

    pages = api.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2})
    assert [u["UserName"] for page in pages for u in page["Users"]] == names

    code, message, _ = error_of(iam(server, validate=False).list_users, MaxItems=0)
    assert code == "ValidationError"
    assert message == ("1 validation error detected: Value '0' at 'maxItems' failed to satisfy "
                       "constraint: Member must have value between 1 and 1000")


def test_cli_lists_all_pages(server):
    for i in range(5):
        out = aws_cli(server, PRODUCER_KEY, "iam", "create-role", "--role-name", f"role{i}",
                      "--assume-role-policy-document", TRUST_CONSUMER)
        assert out.returncode == 0, out.stderr
    out = aws_cli(server, PRODUCER_KEY, "iam", "list-roles", "--page-size", "2")
    assert out.returncode == 0, out.stderr
    assert [r["RoleName"] for r in json.loads(out.stdout)["Roles"]] == \
        [f"role{i}" for i in range(5)]


def test_user_and_role_tags(server):
    api = iam(server)
    api.create_user(UserName="tagged", Tags=[{"Key": "team", "Value": "data"}])
    api.tag_user(UserName="tagged", Tags=[{"Key": "cost-center", "Value": "42"},
                                          {"Key": "TEAM", "Value": "platform"}])
    tags = api.list_user_tags(UserName="tagged")["Tags"]
    assert tags == [{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "platform"}]
    assert api.get_user(UserName="tagged")["User"]["Tags"] == tags
    api.untag_user(UserName="tagged", TagKeys=["team"])
    assert api.list_user_tags(UserName="tagged")["Tags"] == [{"Key": "cost-center", "Value": "42"}]
    code, message, _ = error_of(api.tag_user, UserName="tagged",
                                Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    assert (code, message) == ("InvalidInput", "Duplicate tag keys found. Please note that Tag "
                                               "keys are case insensitive.")

    api.create_role(RoleName="tagged-role", AssumeRolePolicyDocument=TRUST_CONSUMER,
                    Tags=[{"Key": "env", "Value": "test"}])
    api.tag_role(RoleName="tagged-role", Tags=[{"Key": "owner", "Value": "me"}])
    assert api.list_role_tags(RoleName="tagged-role")["Tags"] == \
        [{"Key": "env", "Value": "test"}, {"Key": "owner", "Value": "me"}]
    api.untag_role(RoleName="tagged-role", TagKeys=["env", "owner"])
    assert api.list_role_tags(RoleName="tagged-role")["Tags"] == []


def test_entities_survive_restart(server):
    api = iam(server)
    api.create_user(UserName="durable")
    api.attach_user_policy(UserName="durable", PolicyArn=AWS_MANAGED[4])
    server.restart()
    api = iam(server)
    assert api.get_user(UserName="durable")["User"]["UserName"] == "durable"
    assert api.list_attached_user_policies(UserName="durable")["AttachedPolicies"][0]["PolicyArn"] \
        == AWS_MANAGED[4]


def test_non_admin_user_denied(server):
    api = iam(server, CONSUMER_KEY)
    api.create_user(UserName="perf1-test")
    created = api.create_access_key(UserName="perf1-test")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    code, message, status = error_of(iam(server, key).create_user, UserName="x")
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: arn:aws:iam::{CONSUMER}:user/perf1-test is not authorized to "
                       f"perform: iam:CreateUser on resource: arn:aws:iam::{CONSUMER}:user/x "
                       "because no identity-based policy allows the iam:CreateUser action")


def test_user_with_iam_full_access_allowed(server):
    api = iam(server, CONSUMER_KEY)
    api.create_user(UserName="admin")
    api.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    created = api.create_access_key(UserName="admin")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    assert iam(server, key).create_user(UserName="made-by-admin")["User"]["UserName"] == \
        "made-by-admin"


def test_group_policy_grants_member(server):
    api = iam(server, CONSUMER_KEY)
    api.create_user(UserName="member")
    api.create_group(GroupName="admins")
    api.add_user_to_group(GroupName="admins", UserName="member")
    api.put_group_policy(GroupName="admins", PolicyName="list-users", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    created = api.create_access_key(UserName="member")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    assert [u["UserName"] for u in iam(server, key).list_users()["Users"]] == ["member"]


def test_unknown_action(server):
    status, code, message = raw_iam_action(server, "FrobnicateUser")
    assert (status, code) == (400, "InvalidAction")
    assert message == "Could not find operation FrobnicateUser for version 2010-05-08"


def raw_iam_action(server, action):
    """Sends a signed IAM Query call that botocore has no model for; returns (status, code, message)."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/", data=f"Action={action}&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*PRODUCER_KEY), "iam",
                            "us-east-1").add_auth(request)
    response = requests.post(request.url, data=request.body, headers=dict(request.headers))
    body = response.text
    code = body.split("<Code>")[1].split("</Code>")[0]
    message = body.split("<Message>")[1].split("</Message>")[0]
    return response.status_code, code, message


def test_malformed_policy_arn(server):
    api = iam(server)
    api.create_user(UserName="arn-test")
    code, message, status = error_of(api.attach_user_policy, UserName="arn-test",
                                     PolicyArn="arn:aws:s3:::not-a-policy-at-all")
    assert (code, message, status) == ("InvalidInput",
                                       "ARN arn:aws:s3:::not-a-policy-at-all is not valid.", 400)


def test_athena_full_access_grants_only_what_it_lists(server):
    """A user with only AmazonAthenaFullAccess: Athena and its query-results buckets, nothing else."""
    admin = client(server, "iam", CONSUMER_KEY)
    admin.create_user(UserName="analyst")
    admin.attach_user_policy(UserName="analyst",
                             PolicyArn="arn:aws:iam::aws:policy/AmazonAthenaFullAccess")
    key = admin.create_access_key(UserName="analyst")["AccessKey"]
    analyst_key = (key["AccessKeyId"], key["SecretAccessKey"])

    athena = client(server, "athena", analyst_key)
    athena.create_data_catalog(Name="mine", Type="GLUE", Parameters={"catalog-id": CONSUMER})
    assert [c["CatalogName"] for c in athena.list_data_catalogs()["DataCatalogsSummary"]] == \
        ["AwsDataCatalog", "mine"]
    athena.create_work_group(Name="analysts")
    assert athena.get_work_group(WorkGroup="analysts")["WorkGroup"]["Name"] == "analysts"

    s3 = client(server, "s3", analyst_key)
    s3.create_bucket(Bucket="aws-athena-query-results-444455556666")
    s3.put_object(Bucket="aws-athena-query-results-444455556666", Key="r.csv", Body=b"x")
    assert "aws-athena-query-results-444455556666" in \
        [b["Name"] for b in s3.list_buckets()["Buckets"]]

    denied = [
        (lambda: s3.create_bucket(Bucket="analyst-private"), "AccessDenied"),
        (lambda: client(server, "iam", analyst_key).create_user(UserName="x"), "AccessDenied"),
        (lambda: client(server, "lambda", analyst_key).delete_function(FunctionName="f"),
         "AccessDeniedException"),
        (lambda: s3.delete_object(Bucket="aws-athena-query-results-444455556666", Key="r.csv"),
         "AccessDenied"),
    ]
    for call, code in denied:
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call()
        assert excinfo.value.response["Error"]["Code"] == code
