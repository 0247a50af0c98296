"""Black-box tests of the S3 service: the AWS CLI v2 and boto3 against a
real `owlery serve`, covering buckets, objects, multipart uploads,
listings, awkward keys, conditional and range reads, bucket policies,
ACLs and ownership controls, presigned URLs and crash safety."""

import base64
import hashlib
import json
import http.client
import os
import threading
import time
import urllib.parse
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import CONSUMER, CONSUMER_KEY, PRODUCER, PRODUCER_KEY, aws_cli, client

MIB = 1024 * 1024


def s3(server, key=PRODUCER_KEY):
    return client(server, "s3", key)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def status_of(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MIB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_random(path, size):
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            n = min(remaining, 8 * MIB)
            f.write(os.urandom(n))
            remaining -= n


def cli_ok(server, *args, key=PRODUCER_KEY):
    out = aws_cli(server, key, *args)
    assert out.returncode == 0, f"aws {' '.join(args)} failed:\n{out.stderr}"
    return out


def canonical_id(server, key):
    return s3(server, key).list_buckets()["Owner"]["ID"]


# --- buckets ---------------------------------------------------------------

def test_cli_mb_ls_rb(server):
    cli_ok(server, "s3", "mb", "s3://cli-bucket")
    listing = cli_ok(server, "s3", "ls").stdout
    assert "cli-bucket" in listing
    cli_ok(server, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in cli_ok(server, "s3", "ls").stdout


def test_list_buckets_owner_and_account_scope(server):
    producer, consumer = s3(server), s3(server, CONSUMER_KEY)
    producer.create_bucket(Bucket="producer-only")
    consumer.create_bucket(Bucket="consumer-only")
    listed = producer.list_buckets()
    assert [b["Name"] for b in listed["Buckets"]] == ["producer-only"]
    assert len(listed["Owner"]["ID"]) == 64
    assert listed["Owner"]["DisplayName"] == "producer"
    assert listed["Owner"]["ID"] != consumer.list_buckets()["Owner"]["ID"]


def test_bucket_name_conflicts(server):
    producer, consumer = s3(server), s3(server, CONSUMER_KEY)
    producer.create_bucket(Bucket="shared-name", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        consumer.create_bucket(Bucket="shared-name")
    assert error_code(exc) == "BucketAlreadyExists"
    assert status_of(exc) == 409
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        producer.create_bucket(Bucket="shared-name", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_code(exc) == "BucketAlreadyOwnedByYou"


def test_bucket_location_and_head(server):
    c = s3(server)
    c.create_bucket(Bucket="loc-default")
    c.create_bucket(Bucket="loc-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert c.get_bucket_location(Bucket="loc-default")["LocationConstraint"] is None
    assert c.get_bucket_location(Bucket="loc-eu")["LocationConstraint"] == "eu-west-1"
    head = c.head_bucket(Bucket="loc-eu")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"


@pytest.mark.parametrize("name", ["ab", "UPPER", "a" * 64, "-leading", "trailing-", "two..dots",
                                  "192.168.1.1", "under_score", "xn--punycode"])
def test_invalid_bucket_names(server, name):
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3(server).create_bucket(Bucket=name)
    assert error_code(exc) == "InvalidBucketName"


def test_delete_bucket_not_empty_and_missing(server):
    c = s3(server)
    c.create_bucket(Bucket="full-bucket")
    c.put_object(Bucket="full-bucket", Key="k", Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.delete_bucket(Bucket="full-bucket")
    assert error_code(exc) == "BucketNotEmpty"
    c.delete_object(Bucket="full-bucket", Key="k")
    c.delete_bucket(Bucket="full-bucket")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_object(Bucket="full-bucket", Key="k")
    assert error_code(exc) == "NoSuchBucket"


# --- objects ---------------------------------------------------------------

def test_cli_cp_small_both_ways(server, tmp_path):
    cli_ok(server, "s3", "mb", "s3://small")
    src = tmp_path / "small.txt"
    src.write_bytes(b"hello owlery\n")
    cli_ok(server, "s3", "cp", "--only-show-errors", str(src), "s3://small/dir/small.txt")
    dst = tmp_path / "back.txt"
    cli_ok(server, "s3", "cp", "--only-show-errors", "s3://small/dir/small.txt", str(dst))
    assert dst.read_bytes() == b"hello owlery\n"
    head = s3(server).head_object(Bucket="small", Key="dir/small.txt")
    assert head["ETag"] == '"%s"' % hashlib.md5(b"hello owlery\n").hexdigest()
    assert head["ContentLength"] == 13


def test_cli_cp_200mb_multipart_both_ways(server, tmp_path):
    cli_ok(server, "s3", "mb", "s3://large")
    src = tmp_path / "large.bin"
    write_random(src, 200 * MIB)
    cli_ok(server, "s3", "cp", "--only-show-errors", str(src), "s3://large/large.bin")
    dst = tmp_path / "large.out"
    cli_ok(server, "s3", "cp", "--only-show-errors", "s3://large/large.bin", str(dst))
    assert sha256_file(dst) == sha256_file(src)
    etag = s3(server).head_object(Bucket="large", Key="large.bin")["ETag"]
    assert etag.strip('"').endswith("-25")  # the CLI's default 8 MiB parts


def test_cli_sync_ls_and_rm_recursive(server, tmp_path):
    cli_ok(server, "s3", "mb", "s3://sync-bucket")
    tree = tmp_path / "tree"
    for rel in ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(rel)
    cli_ok(server, "s3", "sync", "--only-show-errors", str(tree), "s3://sync-bucket/tree")
    listing = cli_ok(server, "s3", "ls", "--recursive", "s3://sync-bucket").stdout
    for rel in ["tree/a.txt", "tree/sub/b.txt", "tree/sub/deeper/c.txt"]:
        assert rel in listing
    top = cli_ok(server, "s3", "ls", "s3://sync-bucket/tree/").stdout
    assert "PRE sub/" in top
    assert "a.txt" in top
    back = tmp_path / "back"
    cli_ok(server, "s3", "sync", "--only-show-errors", "s3://sync-bucket/tree", str(back))
    assert (back / "sub/deeper/c.txt").read_text() == "sub/deeper/c.txt"
    cli_ok(server, "s3", "rm", "--only-show-errors", "--recursive", "s3://sync-bucket/tree")
    assert s3(server).list_objects_v2(Bucket="sync-bucket")["KeyCount"] == 0


def test_awkward_keys_stay_keys(server, tmp_path):
    c = s3(server)
    c.create_bucket(Bucket="keys")
    long_key = ("é" * 512)  # 1024 bytes of UTF-8
    keys = ["../../etc/passwd", "a//b", "literal%00percent", long_key, "/leading", "sp ace+plus",
            "dot/./seg", "back\\slash"]
    for key in keys:
        c.put_object(Bucket="keys", Key=key, Body=key.encode())
    for key in keys:
        assert c.get_object(Bucket="keys", Key=key)["Body"].read() == key.encode()
    listed = [o["Key"] for o in c.list_objects_v2(Bucket="keys")["Contents"]]
    assert sorted(listed, key=lambda k: k.encode()) == listed
    assert set(listed) == set(keys)
    # Nothing named after a key exists anywhere under or beside the data directory.
    data_dir = server.data_dir
    for root, dirs, files in os.walk(os.path.dirname(data_dir)):
        for name in dirs + files:
            assert name not in ("passwd", "b", "percent"), os.path.join(root, name)
    assert not os.path.exists(os.path.join(os.path.dirname(data_dir), "etc"))


def test_key_limits(server):
    c = s3(server)
    c.create_bucket(Bucket="limits")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_object(Bucket="limits", Key="x" * 1025, Body=b"")
    assert error_code(exc) == "KeyTooLongError"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_object(Bucket="limits", Key="nul\x00byte", Body=b"")
    assert error_code(exc) == "InvalidArgument"


def test_metadata_content_type_and_md5(server):
    c = s3(server)
    c.create_bucket(Bucket="meta")
    body = b"metadata body"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    c.put_object(Bucket="meta", Key="m", Body=body, ContentType="text/csv",
                 Metadata={"origin": "unit", "Mixed-Case": "v"}, ContentMD5=md5)
    got = c.get_object(Bucket="meta", Key="m")
    assert got["ContentType"] == "text/csv"
    assert got["Metadata"] == {"origin": "unit", "mixed-case": "v"}
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_object(Bucket="meta", Key="bad", Body=body,
                     ContentMD5=base64.b64encode(hashlib.md5(b"other").digest()).decode())
    assert error_code(exc) == "BadDigest"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_object(Bucket="meta", Key="bad", Body=body, ContentMD5="not-base64")
    assert error_code(exc) == "InvalidDigest"
    with pytest.raises(botocore.exceptions.ClientError):
        c.head_object(Bucket="meta", Key="bad")


def test_range_get(server):
    c = s3(server)
    c.create_bucket(Bucket="ranges")
    body = bytes(range(256)) * 4
    c.put_object(Bucket="ranges", Key="r", Body=body)
    part = c.get_object(Bucket="ranges", Key="r", Range="bytes=10-19")
    assert part["Body"].read() == body[10:20]
    assert part["ContentRange"] == "bytes 10-19/1024"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert c.get_object(Bucket="ranges", Key="r", Range="bytes=-5")["Body"].read() == body[-5:]
    assert c.get_object(Bucket="ranges", Key="r", Range="bytes=1000-")["Body"].read() == body[1000:]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_object(Bucket="ranges", Key="r", Range="bytes=5000-6000")
    assert error_code(exc) == "InvalidRange"
    assert status_of(exc) == 416


def test_conditional_get(server):
    c = s3(server)
    c.create_bucket(Bucket="cond")
    etag = c.put_object(Bucket="cond", Key="c", Body=b"cond")["ETag"]
    modified = c.head_object(Bucket="cond", Key="c")["LastModified"]
    assert c.get_object(Bucket="cond", Key="c", IfMatch=etag)["Body"].read() == b"cond"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_object(Bucket="cond", Key="c", IfMatch='"0000"')
    assert status_of(exc) == 412
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_object(Bucket="cond", Key="c", IfNoneMatch=etag)
    assert status_of(exc) == 304
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_object(Bucket="cond", Key="c", IfModifiedSince=modified)
    assert status_of(exc) == 304
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_object(Bucket="cond", Key="c", IfUnmodifiedSince=modified.replace(year=2000))
    assert status_of(exc) == 412
    assert c.get_object(Bucket="cond", Key="c",
                        IfModifiedSince=modified.replace(year=2000))["Body"].read() == b"cond"


def test_copy_and_delete_objects(server):
    c = s3(server)
    c.create_bucket(Bucket="copies")
    c.put_object(Bucket="copies", Key="src", Body=b"copy me", Metadata={"a": "1"})
    result = c.copy_object(Bucket="copies", Key="dst", CopySource={"Bucket": "copies", "Key": "src"})
    assert result["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"copy me").hexdigest()
    assert c.get_object(Bucket="copies", Key="dst")["Metadata"] == {"a": "1"}
    c.copy_object(Bucket="copies", Key="dst2", CopySource="copies/src", MetadataDirective="REPLACE",
                  Metadata={"b": "2"})
    assert c.head_object(Bucket="copies", Key="dst2")["Metadata"] == {"b": "2"}
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.copy_object(Bucket="copies", Key="src", CopySource="copies/src")
    assert error_code(exc) == "InvalidRequest"
    deleted = c.delete_objects(Bucket="copies", Delete={"Objects": [{"Key": "src"}, {"Key": "dst"},
                                                                    {"Key": "never-existed"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["dst", "never-existed", "src"]
    quiet = c.delete_objects(Bucket="copies", Delete={"Objects": [{"Key": "dst2"}], "Quiet": True})
    assert "Deleted" not in quiet
    assert c.list_objects_v2(Bucket="copies")["KeyCount"] == 0


def test_missing_key_is_no_such_key_for_owner(server):
    c = s3(server)
    c.create_bucket(Bucket="missing")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_object(Bucket="missing", Key="nope")
    assert error_code(exc) == "NoSuchKey"


# --- multipart -------------------------------------------------------------

def test_multipart_etag_and_listing(server):
    c = s3(server)
    c.create_bucket(Bucket="mpu")
    upload = c.create_multipart_upload(Bucket="mpu", Key="joined", ContentType="application/x-test")
    uid = upload["UploadId"]
    parts_data = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    parts = []
    for number, data in enumerate(parts_data, 1):
        etag = c.upload_part(Bucket="mpu", Key="joined", UploadId=uid, PartNumber=number, Body=data)["ETag"]
        assert etag == '"%s"' % hashlib.md5(data).hexdigest()
        parts.append({"PartNumber": number, "ETag": etag})
    listed = c.list_parts(Bucket="mpu", Key="joined", UploadId=uid)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    uploads = c.list_multipart_uploads(Bucket="mpu")["Uploads"]
    assert [u["UploadId"] for u in uploads] == [uid]
    done = c.complete_multipart_upload(Bucket="mpu", Key="joined", UploadId=uid,
                                       MultipartUpload={"Parts": parts})
    expected = hashlib.md5(b"".join(hashlib.md5(d).digest() for d in parts_data)).hexdigest() + "-3"
    assert done["ETag"] == '"%s"' % expected
    got = c.get_object(Bucket="mpu", Key="joined")
    assert got["ETag"] == '"%s"' % expected
    assert got["ContentType"] == "application/x-test"
    assert got["Body"].read() == b"".join(parts_data)
    assert "Uploads" not in c.list_multipart_uploads(Bucket="mpu")


def test_multipart_errors(server):
    c = s3(server)
    c.create_bucket(Bucket="mpu-errors")
    uid = c.create_multipart_upload(Bucket="mpu-errors", Key="k")["UploadId"]
    e1 = c.upload_part(Bucket="mpu-errors", Key="k", UploadId=uid, PartNumber=1, Body=b"small")["ETag"]
    e2 = c.upload_part(Bucket="mpu-errors", Key="k", UploadId=uid, PartNumber=2, Body=b"small")["ETag"]
    cases = [
        ([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}], "EntityTooSmall"),
        ([{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}], "InvalidPartOrder"),
        ([{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}], "InvalidPart"),
        ([{"PartNumber": 3, "ETag": e1}], "InvalidPart"),
    ]
    for parts, code in cases:
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            c.complete_multipart_upload(Bucket="mpu-errors", Key="k", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
        assert error_code(exc) == code, parts
    c.abort_multipart_upload(Bucket="mpu-errors", Key="k", UploadId=uid)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.list_parts(Bucket="mpu-errors", Key="k", UploadId=uid)
    assert error_code(exc) == "NoSuchUpload"
    objects_dir = os.path.join(server.data_dir, "objects")
    assert [f for f in os.listdir(objects_dir) if f != "tmp"] == []


# --- listings --------------------------------------------------------------

def test_listing_2500_keys(server):
    c = s3(server)
    c.create_bucket(Bucket="many")
    keys = [f"dir{d}/file{i:04d}" for d in range(5) for i in range(500)]
    for key in keys:
        c.put_object(Bucket="many", Key=key, Body=b"")

    collected, pages = [], 0
    for page in c.get_paginator("list_objects_v2").paginate(Bucket="many"):
        pages += 1
        collected += [o["Key"] for o in page["Contents"]]
        assert page["KeyCount"] == len(page["Contents"])
    assert collected == sorted(keys)
    assert pages == 3

    first = c.list_objects_v2(Bucket="many")
    assert first["IsTruncated"] is True
    assert first["KeyCount"] == 1000

    grouped = c.list_objects_v2(Bucket="many", Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == [f"dir{d}/" for d in range(5)]
    assert "Contents" not in grouped
    assert grouped["KeyCount"] == 5

    small_pages = c.list_objects_v2(Bucket="many", Delimiter="/", MaxKeys=2)
    assert [p["Prefix"] for p in small_pages["CommonPrefixes"]] == ["dir0/", "dir1/"]
    rest = c.list_objects_v2(Bucket="many", Delimiter="/", MaxKeys=10,
                             ContinuationToken=small_pages["NextContinuationToken"])
    assert [p["Prefix"] for p in rest["CommonPrefixes"]] == ["dir2/", "dir3/", "dir4/"]
    assert rest["IsTruncated"] is False

    prefixed = c.list_objects_v2(Bucket="many", Prefix="dir3/file04", StartAfter="dir3/file0449")
    assert [o["Key"] for o in prefixed["Contents"]] == [f"dir3/file{i:04d}" for i in range(450, 500)]

    v1 = [o["Key"] for page in c.get_paginator("list_objects").paginate(Bucket="many", Prefix="dir4/")
          for o in page["Contents"]]
    assert v1 == [k for k in sorted(keys) if k.startswith("dir4/")]


def test_listing_url_encoding(server):
    c = s3(server)
    c.create_bucket(Bucket="encoded")
    c.put_object(Bucket="encoded", Key="a b+c&d", Body=b"")
    c.put_object(Bucket="encoded", Key="ctl\x01key", Body=b"")
    listed = c.list_objects_v2(Bucket="encoded", EncodingType="url")
    # botocore decodes only when it chose the encoding itself, so the raw values arrive here.
    assert [o["Key"] for o in listed["Contents"]] == ["a%20b%2Bc%26d", "ctl%01key"]
    cli_listing = cli_ok(server, "s3", "ls", "s3://encoded/").stdout
    assert "a b+c&d" in cli_listing
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.list_objects_v2(Bucket="encoded", MaxKeys=-1)
    assert error_code(exc) in ("InvalidArgument", "ParamValidation")


# --- policies, ACLs, ownership ---------------------------------------------

POLICY = """{"Version": "2012-10-17", "Statement": [{"Sid": "Stmt1234567890123", "Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::444455556666:user/perf1-test"},
  "Action": ["s3:GetObject", "s3:ListBucket"],
  "Resource": ["arn:aws:s3:::policy-bucket", "arn:aws:s3:::policy-bucket/*"]}]}"""


def test_bucket_policy_round_trip(server):
    c = s3(server)
    c.create_bucket(Bucket="policy-bucket")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_bucket_policy(Bucket="policy-bucket")
    assert error_code(exc) == "NoSuchBucketPolicy"
    c.put_bucket_policy(Bucket="policy-bucket", Policy=POLICY)
    assert c.get_bucket_policy(Bucket="policy-bucket")["Policy"] == POLICY
    c.delete_bucket_policy(Bucket="policy-bucket")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_bucket_policy(Bucket="policy-bucket")
    assert error_code(exc) == "NoSuchBucketPolicy"


@pytest.mark.parametrize("policy,message", [
    ("not json", "Policies must be valid JSON and the first byte must be '{'"),
    ('{"Version": "2012-10-17"}', "Missing required field Statement"),
    ('{"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject", '
     '"Resource": "arn:aws:s3:::malformed/*"}]}', "Invalid effect: Maybe"),
    ('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "not-an-arn"}, '
     '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::malformed/*"}]}', "Invalid principal in policy"),
    ('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ec2:RunInstances", '
     '"Resource": "arn:aws:s3:::malformed/*"}]}', "Policy has invalid action"),
    ('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", '
     '"Resource": "arn:aws:s3:::other-bucket/*"}]}', "Policy has invalid resource"),
])
def test_malformed_bucket_policies(server, policy, message):
    c = s3(server)
    c.create_bucket(Bucket="malformed")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_bucket_policy(Bucket="malformed", Policy=policy)
    assert error_code(exc) == "MalformedPolicy"
    assert exc.value.response["Error"]["Message"] == message


def test_policy_accepts_canonical_user_and_account_principals(server):
    c = s3(server)
    c.create_bucket(Bucket="principals")
    consumer_id = canonical_id(server, CONSUMER_KEY)
    policy = ('{"Statement": [{"Effect": "Allow", "Principal": {"CanonicalUser": "%s", "AWS": ["%s", '
              '"arn:aws:iam::%s:root", "*"]}, "Action": "s3:*", "Resource": "arn:aws:s3:::principals/*"}]}'
              % (consumer_id, CONSUMER, CONSUMER))
    c.put_bucket_policy(Bucket="principals", Policy=policy)


def test_ownership_controls_default_and_acls(server):
    c = s3(server)
    c.create_bucket(Bucket="owned")
    rules = c.get_bucket_ownership_controls(Bucket="owned")["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    consumer_id = canonical_id(server, CONSUMER_KEY)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_bucket_acl(Bucket="owned", GrantRead=f'id="{consumer_id}"')
    assert error_code(exc) == "AccessControlListNotSupported"
    assert exc.value.response["Error"]["Message"] == "The bucket does not allow ACLs"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_object(Bucket="owned", Key="k", Body=b"x", ACL="public-read")
    assert error_code(exc) == "AccessControlListNotSupported"
    c.put_object(Bucket="owned", Key="k", Body=b"x", ACL="bucket-owner-full-control")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_object_acl(Bucket="owned", Key="k", ACL="public-read")
    assert error_code(exc) == "AccessControlListNotSupported"

    c.put_bucket_ownership_controls(Bucket="owned", OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    c.put_bucket_acl(Bucket="owned", GrantRead=f'id="{consumer_id}"')
    grants = c.get_bucket_acl(Bucket="owned")["Grants"]
    assert {"Grantee": {"ID": consumer_id, "Type": "CanonicalUser"}, "Permission": "READ"} in grants
    c.put_object_acl(Bucket="owned", Key="k", ACL="public-read")
    object_grants = c.get_object_acl(Bucket="owned", Key="k")["Grants"]
    assert any(g["Grantee"].get("URI") == "http://acs.amazonaws.com/groups/global/AllUsers"
               and g["Permission"] == "READ" for g in object_grants)
    c.delete_bucket_ownership_controls(Bucket="owned")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.get_bucket_ownership_controls(Bucket="owned")
    assert error_code(exc) == "OwnershipControlsNotFoundError"


def test_acl_xml_body(server):
    c = s3(server)
    c.create_bucket(Bucket="acl-xml", ObjectOwnership="ObjectWriter")
    owner = canonical_id(server, PRODUCER_KEY)
    consumer_id = canonical_id(server, CONSUMER_KEY)
    c.put_bucket_acl(Bucket="acl-xml", AccessControlPolicy={
        "Owner": {"ID": owner},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "CanonicalUser", "ID": consumer_id}, "Permission": "WRITE"},
        ]})
    grants = c.get_bucket_acl(Bucket="acl-xml")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL", "WRITE"]


# --- cross-account and anonymous access (need the policy evaluator) --------

EVALUATOR_MISSING = ("iam_authorize() is a stub that allows only account roots in their own "
                     "account: it ignores bucket policies and the ACL check callback")


REFERENCE_BUCKET_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "Stmt1234567890123", "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::444455556666:user/perf1-test"},
    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::athena-test/lambda/dataset/*"}]})


def test_cross_account_bucket_policy_user(server):
    """The producer's bucket policy grants perf1-test of the consumer account reads of one prefix."""
    producer = s3(server)
    producer.create_bucket(Bucket="athena-test")
    producer.put_object(Bucket="athena-test", Key="lambda/dataset/x.csv", Body=b"1,2\n")
    producer.put_object(Bucket="athena-test", Key="other/x.csv", Body=b"3,4\n")
    producer.put_bucket_policy(Bucket="athena-test", Policy=REFERENCE_BUCKET_POLICY)

    iam = client(server, "iam", CONSUMER_KEY)
    iam.create_user(UserName="perf1-test")
    iam.put_user_policy(UserName="perf1-test", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": "*"}]}))
    key = iam.create_access_key(UserName="perf1-test")["AccessKey"]
    user = s3(server, (key["AccessKeyId"], key["SecretAccessKey"]))

    assert user.get_object(Bucket="athena-test", Key="lambda/dataset/x.csv")["Body"].read() == b"1,2\n"
    for denied in (lambda: user.get_object(Bucket="athena-test", Key="other/x.csv"),
                   lambda: user.list_objects_v2(Bucket="athena-test"),
                   lambda: user.put_object(Bucket="athena-test", Key="lambda/dataset/w", Body=b"")):
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            denied()
        assert error_code(exc) == "AccessDenied"

    # Cross-account needs both sides: without his own account's allow the grant is not enough.
    iam.delete_user_policy(UserName="perf1-test", PolicyName="read")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        user.get_object(Bucket="athena-test", Key="lambda/dataset/x.csv")
    assert error_code(exc) == "AccessDenied"
    assert "because no identity-based policy allows the s3:GetObject action" in \
        exc.value.response["Error"]["Message"]


def test_cross_account_acl_grant_object_writer(server):
    c = s3(server)
    c.create_bucket(Bucket="acl-shared", ObjectOwnership="ObjectWriter")
    consumer_id = canonical_id(server, CONSUMER_KEY)
    owner = canonical_id(server, PRODUCER_KEY)
    c.put_bucket_acl(Bucket="acl-shared", GrantFullControl=f'id="{owner}"',
                     GrantWrite=f'id="{consumer_id}"', GrantRead=f'id="{consumer_id}"')
    consumer = s3(server, CONSUMER_KEY)
    consumer.put_object(Bucket="acl-shared", Key="from-consumer", Body=b"hi")
    assert [o["Key"] for o in consumer.list_objects_v2(Bucket="acl-shared")["Contents"]] == ["from-consumer"]


def test_cross_account_acl_not_supported_when_enforced(server):
    c = s3(server)
    c.create_bucket(Bucket="acl-enforced")
    consumer_id = canonical_id(server, CONSUMER_KEY)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        c.put_bucket_acl(Bucket="acl-enforced", GrantWrite=f'id="{consumer_id}"')
    assert error_code(exc) == "AccessControlListNotSupported"
    consumer = s3(server, CONSUMER_KEY)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        consumer.put_object(Bucket="acl-enforced", Key="k", Body=b"")
    assert error_code(exc) == "AccessDenied"


def test_cross_account_missing_key_is_access_denied(server):
    s3(server).create_bucket(Bucket="private-bucket")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3(server, CONSUMER_KEY).get_object(Bucket="private-bucket", Key="absent")
    assert error_code(exc) == "AccessDenied"


def test_anonymous_read_of_public_object(server):
    c = s3(server)
    c.create_bucket(Bucket="public-bucket", ObjectOwnership="ObjectWriter")
    c.put_object(Bucket="public-bucket", Key="open.txt", Body=b"open", ACL="public-read")
    with urllib.request.urlopen(f"{server.endpoint}/public-bucket/open.txt") as resp:
        assert resp.read() == b"open"


# --- addressing, presigned URLs --------------------------------------------

def test_virtual_hosted_style_request(server):
    c = s3(server)
    c.create_bucket(Bucket="vhost")
    c.put_object(Bucket="vhost", Key="dir/v.txt", Body=b"virtual")
    for host in (f"vhost.localhost:{server.port}", f"vhost.s3.localhost:{server.port}"):
        request = AWSRequest(method="GET", url=f"http://{host}/dir/v.txt")
        request.headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
        S3SigV4Auth(Credentials(*PRODUCER_KEY), "s3", "us-east-1").add_auth(request)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        headers = dict(request.headers.items())
        headers["Host"] = host
        conn.request("GET", "/dir/v.txt", headers=headers)
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        assert resp.read() == b"virtual"
        conn.close()


def test_presigned_get_and_put(server):
    s3(server).create_bucket(Bucket="presigned")
    # botocore 1.29 presigns S3 URLs with SigV2 by default, and owlery verifies only SigV4.
    c = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                     aws_access_key_id=PRODUCER_KEY[0], aws_secret_access_key=PRODUCER_KEY[1],
                     config=botocore.config.Config(signature_version="s3v4"))
    put_url = c.generate_presigned_url("put_object", Params={"Bucket": "presigned", "Key": "p.txt"},
                                       ExpiresIn=300)
    request = urllib.request.Request(put_url, data=b"presigned body", method="PUT")
    with urllib.request.urlopen(request) as resp:
        assert resp.status == 200
    get_url = c.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": "p.txt"},
                                       ExpiresIn=300)
    with urllib.request.urlopen(get_url) as resp:
        assert resp.read() == b"presigned body"


# --- crash safety ----------------------------------------------------------

def test_kill9_during_upload_keeps_previous_object(server, tmp_path):
    c = s3(server)
    c.create_bucket(Bucket="crash")
    c.put_object(Bucket="crash", Key="acknowledged", Body=b"before the crash")
    c.put_object(Bucket="crash", Key="target", Body=b"old version")
    big = tmp_path / "big.bin"
    write_random(big, 200 * MIB)

    def upload():
        try:
            with open(big, "rb") as f:
                s3(server).put_object(Bucket="crash", Key="target", Body=f)
        except Exception:  # the server dies mid-upload
            pass

    uploader = threading.Thread(target=upload)
    uploader.start()
    tmp_dir = os.path.join(server.data_dir, "objects", "tmp")
    deadline = time.time() + 60
    while time.time() < deadline:
        spooled = [os.path.getsize(os.path.join(tmp_dir, f)) for f in os.listdir(tmp_dir)] \
            if os.path.isdir(tmp_dir) else []
        if any(size > 10 * MIB for size in spooled):
            break
        time.sleep(0.01)
    else:
        pytest.fail("the upload never reached the server's temporary file")
    server.kill9()
    uploader.join(timeout=60)
    server.start()

    c = s3(server)
    assert c.get_object(Bucket="crash", Key="target")["Body"].read() == b"old version"
    assert c.get_object(Bucket="crash", Key="acknowledged")["Body"].read() == b"before the crash"
    assert os.listdir(tmp_dir) == []
    referenced = 2
    assert len([f for f in os.listdir(os.path.join(server.data_dir, "objects")) if f != "tmp"]) == referenced


def signed_raw(server, method, path, key=PRODUCER_KEY):
    """Sends a SigV4-signed S3 request for any method and target; returns (status, body)."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    request = botocore.awsrequest.AWSRequest(method=method, url=server.endpoint + path, data=b"")
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(*key), "s3",
                              "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request(method, path, body=b"", headers=dict(request.headers))
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


@pytest.mark.parametrize("subresource", ["acl", "location", "uploads", "delete", "versioning"])
def test_subresource_never_deletes_bucket(server, subresource):
    c = s3(server)
    c.create_bucket(Bucket="keep-me")
    status, body = signed_raw(server, "DELETE", f"/keep-me?{subresource}")
    assert status in (405, 501), body
    c.head_bucket(Bucket="keep-me")


@pytest.mark.parametrize("subresource", ["acl", "uploads", "location"])
def test_subresource_never_deletes_object(server, subresource):
    c = s3(server)
    c.create_bucket(Bucket="keep-obj")
    c.put_object(Bucket="keep-obj", Key="victim", Body=b"v")
    status, body = signed_raw(server, "DELETE", f"/keep-obj/victim?{subresource}")
    assert status == 405, body
    assert b"<Code>MethodNotAllowed</Code>" in body
    assert c.get_object(Bucket="keep-obj", Key="victim")["Body"].read() == b"v"


def test_versioning_is_not_implemented(server):
    status, body = signed_raw(server, "PUT", "/new-versioned?versioning")
    assert status == 501
    assert b"<Code>NotImplemented</Code>" in body
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3(server).head_bucket(Bucket="new-versioned")
    assert exc.value.response["Error"]["Code"] == "404"
