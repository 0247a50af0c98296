"""Black-box tests of S3 aws-chunked uploads (SigV4 streaming payloads).

The tests compute the chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD
bodies themselves and send STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies with
x-amz-checksum-* trailers, to PutObject and UploadPart. The last test runs
the newest boto3 among the pyenv interpreters, which sends checksums by
default."""

import base64
import glob
import hashlib
import hmac
import http.client
import json
import os
import re
import subprocess
import time
import zlib

import botocore.exceptions
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import PRODUCER_KEY, client

MIB = 1024 * 1024
KIB = 1024
REGION = "us-east-1"
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def s3(server):
    return client(server, "s3", PRODUCER_KEY)


class StreamingSigV4Auth(S3SigV4Auth):
    """botocore's S3 signer with x-amz-content-sha256 set to a STREAMING-* value."""

    def __init__(self, credentials, region, content_sha256):
        super().__init__(credentials, "s3", region)
        self.content_sha256 = content_sha256

    def payload(self, request):
        return self.content_sha256


def signing_key(secret, date):
    key = ("AWS4" + secret).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def split(data, chunk_size):
    return [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)]


def signed_body(chunks, headers, corrupt=None):
    """Frames chunks (and the final empty chunk) with chained chunk signatures.

    headers are the signed request headers; corrupt is the index of a chunk
    whose signature gets one hex digit flipped."""
    datetime = headers["X-Amz-Date"]
    date = datetime[:8]
    scope = f"{date}/{REGION}/s3/aws4_request"
    previous = re.search(r"Signature=([0-9a-f]{64})", headers["Authorization"]).group(1)
    key = signing_key(PRODUCER_KEY[1], date)
    body = bytearray()
    for i, chunk in enumerate(list(chunks) + [b""]):
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", datetime, scope, previous,
                             EMPTY_SHA256, hashlib.sha256(chunk).hexdigest()])
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        previous = signature
        if i == corrupt:
            signature = ("1" if signature[0] != "1" else "2") + signature[1:]
        body += f"{len(chunk):x};chunk-signature={signature}\r\n".encode() + chunk + b"\r\n"
    return bytes(body)


def signed_body_length(chunk_sizes):
    """Length of the framing signed_body() produces for these chunk sizes."""
    return sum(len(f"{size:x}") + len(";chunk-signature=") + 64 + 4 + size
               for size in list(chunk_sizes) + [0])


def unsigned_body(chunks, trailers):
    body = bytearray()
    for chunk in list(chunks) + [b""]:
        body += f"{len(chunk):x}\r\n".encode() + chunk
        if chunk:
            body += b"\r\n"
    for name, value in trailers:
        body += f"{name}:{value}\r\n".encode()
    return bytes(body + b"\r\n")


def send(server, path, headers, body, query=""):
    """Sends a PUT over http.client; returns (status, response headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("PUT", path + (f"?{query}" if query else ""), body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def sign_headers(server, path, content_sha256, decoded_length, content_length, query="",
                 extra=None):
    """Returns the headers of an aws-chunked PUT, signed with botocore's signer."""
    url = f"{server.endpoint}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method="PUT", url=url)
    request.headers["Content-Encoding"] = "aws-chunked"
    request.headers["Content-Length"] = str(content_length)
    if decoded_length is not None:
        request.headers["x-amz-decoded-content-length"] = str(decoded_length)
    for name, value in (extra or {}).items():
        request.headers[name] = value
    StreamingSigV4Auth(Credentials(*PRODUCER_KEY), REGION, content_sha256).add_auth(request)
    return dict(request.headers.items())


def put_signed(server, path, chunks, decoded_length=None, corrupt=None, query="",
               truncate=0):
    """PUTs chunks as a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body.

    decoded_length overrides x-amz-decoded-content-length ("omit" drops it);
    truncate cuts that many bytes off the end of the body."""
    data_length = sum(len(c) for c in chunks)
    length = signed_body_length(len(c) for c in chunks) - truncate
    declared = data_length if decoded_length is None else decoded_length
    headers = sign_headers(server, path, SIGNED, None if declared == "omit" else declared,
                           length, query)
    body = signed_body(chunks, headers, corrupt)
    assert len(body) - truncate == length
    return send(server, path, headers, body[:length], query)


def put_unsigned_trailer(server, path, data, trailer_name, trailer_value, chunk_size=64 * KIB,
                         query=""):
    """PUTs data as a STREAMING-UNSIGNED-PAYLOAD-TRAILER body with one trailer."""
    body = unsigned_body(split(data, chunk_size), [(trailer_name, trailer_value)])
    headers = sign_headers(server, path, UNSIGNED_TRAILER, len(data), len(body), query,
                           {"x-amz-trailer": trailer_name})
    return send(server, path, headers, body, query)


def error_of(body):
    code = re.search(rb"<Code>([^<]*)</Code>", body)
    message = re.search(rb"<Message>([^<]*)</Message>", body)
    return (code.group(1).decode() if code else None,
            message.group(1).decode() if message else None)


def object_files(server):
    objects = os.path.join(server.data_dir, "objects")
    return sorted(f for f in os.listdir(objects) if f != "tmp")


def temporary_files(server, settle_seconds=2.0):
    """Lists the upload temporary files, waiting up to settle_seconds for them to go:
    the server removes a request's file just after it sends the response."""
    tmp = os.path.join(server.data_dir, "objects", "tmp")
    deadline = time.time() + settle_seconds
    while True:
        names = os.listdir(tmp) if os.path.isdir(tmp) else []
        if not names or time.time() >= deadline:
            return names
        time.sleep(0.02)


def crc_reflected(data, polynomial, width):
    """Bitwise reflected CRC with all-ones init and final XOR (test reference)."""
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ polynomial if crc & 1 else crc >> 1
    return crc ^ mask


def checksum_b64(algorithm, data):
    if algorithm == "crc32":
        digest = zlib.crc32(data).to_bytes(4, "big")
    elif algorithm == "crc32c":
        digest = crc_reflected(data, 0x82F63B78, 32).to_bytes(4, "big")
    elif algorithm == "crc64nvme":
        digest = crc_reflected(data, 0x9A6C9329AC4BC9B5, 64).to_bytes(8, "big")
    else:
        digest = hashlib.new(algorithm, data).digest()
    return base64.b64encode(digest).decode()


def test_crc_reference_check_values():
    # The standard check values of the CRC catalogue, input "123456789".
    assert zlib.crc32(b"123456789") == 0xCBF43926
    assert crc_reflected(b"123456789", 0xEDB88320, 32) == 0xCBF43926
    assert crc_reflected(b"123456789", 0x82F63B78, 32) == 0xE3069283
    assert crc_reflected(b"123456789", 0x9A6C9329AC4BC9B5, 64) == 0xAE8B14860A799888


# --- STREAMING-AWS4-HMAC-SHA256-PAYLOAD ------------------------------------

def test_signed_three_chunks_round_trip(server):
    s3(server).create_bucket(Bucket="chunked")
    chunks = [os.urandom(8 * KIB), os.urandom(8 * KIB), b"tail of the object"]
    data = b"".join(chunks)
    status, headers, body = put_signed(server, "/chunked/three.bin", chunks)
    assert status == 200, body
    assert headers["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()

    got = s3(server).get_object(Bucket="chunked", Key="three.bin")
    assert got["Body"].read() == data
    assert got["ContentLength"] == len(data)
    assert got["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert "ContentEncoding" not in got
    assert temporary_files(server) == []


def test_signed_20mib_in_64kib_chunks(server):
    s3(server).create_bucket(Bucket="chunked")
    data = os.urandom(20 * MIB)
    status, headers, body = put_signed(server, "/chunked/big.bin", split(data, 64 * KIB))
    assert status == 200, body
    assert headers["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()

    got = s3(server).get_object(Bucket="chunked", Key="big.bin")
    assert got["ContentLength"] == 20 * MIB
    assert hashlib.sha256(got["Body"].read()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_signed_empty_body(server):
    s3(server).create_bucket(Bucket="chunked")
    status, headers, body = put_signed(server, "/chunked/empty", [])
    assert status == 200, body
    assert headers["ETag"] == '"%s"' % hashlib.md5(b"").hexdigest()
    assert s3(server).get_object(Bucket="chunked", Key="empty")["Body"].read() == b""


def test_signed_content_md5_checks_decoded_data(server):
    s3(server).create_bucket(Bucket="chunked")
    chunks = [b"a" * 8 * KIB, b"b" * 100]
    data = b"".join(chunks)
    for md5, expected_status in ((hashlib.md5(data).digest(), 200),
                                 (hashlib.md5(b"other").digest(), 400)):
        length = signed_body_length(len(c) for c in chunks)
        headers = sign_headers(server, "/chunked/md5", SIGNED, len(data), length,
                               extra={"Content-MD5": base64.b64encode(md5).decode()})
        status, _, body = send(server, "/chunked/md5", headers, signed_body(chunks, headers))
        assert status == expected_status, body
    assert error_of(body)[0] == "BadDigest"


def test_bad_chunk_signature_keeps_previous_version(server):
    c = s3(server)
    c.create_bucket(Bucket="chunked")
    c.put_object(Bucket="chunked", Key="kept", Body=b"previous version")
    files_before = object_files(server)

    chunks = [os.urandom(8 * KIB), os.urandom(8 * KIB), b"last"]
    status, _, body = put_signed(server, "/chunked/kept", chunks, corrupt=1)
    assert status == 403, body
    code, message = error_of(body)
    assert code == "SignatureDoesNotMatch"
    assert "chunk signature" in message

    assert c.get_object(Bucket="chunked", Key="kept")["Body"].read() == b"previous version"
    assert object_files(server) == files_before
    assert temporary_files(server) == []


def test_bad_final_chunk_signature_is_rejected(server):
    s3(server).create_bucket(Bucket="chunked")
    status, _, body = put_signed(server, "/chunked/final", [b"x" * 100], corrupt=1)
    assert status == 403, body
    assert error_of(body)[0] == "SignatureDoesNotMatch"
    with pytest.raises(botocore.exceptions.ClientError):
        s3(server).head_object(Bucket="chunked", Key="final")


def test_truncated_body_stores_nothing(server):
    c = s3(server)
    c.create_bucket(Bucket="chunked")
    chunks = [os.urandom(8 * KIB), os.urandom(8 * KIB)]
    # Cut the final zero-size chunk off: the body ends after the last data chunk.
    final_chunk = len(f"0;chunk-signature={'0' * 64}\r\n\r\n")
    status, _, body = put_signed(server, "/chunked/cut", chunks, truncate=final_chunk)
    assert status == 400, body
    assert error_of(body)[0] == "IncompleteBody"

    # Cut inside a data chunk.
    status, _, body = put_signed(server, "/chunked/cut", chunks, truncate=final_chunk + 1000)
    assert status == 400, body
    assert error_of(body)[0] == "IncompleteBody"

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        c.head_object(Bucket="chunked", Key="cut")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert object_files(server) == []
    assert temporary_files(server) == []


@pytest.mark.parametrize("delta", [1, -1])
def test_wrong_decoded_length_is_incomplete_body(server, delta):
    s3(server).create_bucket(Bucket="chunked")
    chunks = [b"q" * 8 * KIB, b"r" * 10]
    status, _, body = put_signed(server, "/chunked/length", chunks,
                                 decoded_length=8 * KIB + 10 + delta)
    assert status == 400, body
    assert error_of(body)[0] == "IncompleteBody"
    assert object_files(server) == []


def test_missing_decoded_length_is_411(server):
    s3(server).create_bucket(Bucket="chunked")
    status, _, body = put_signed(server, "/chunked/nolength", [b"data"], decoded_length="omit")
    assert status == 411, body
    assert error_of(body)[0] == "MissingContentLength"


def test_malformed_chunk_framing_is_invalid_request(server):
    s3(server).create_bucket(Bucket="chunked")
    framing = b"zz\r\ndata\r\n\r\n"
    headers = sign_headers(server, "/chunked/framing", SIGNED, 4, len(framing))
    status, _, body = send(server, "/chunked/framing", headers, framing)
    assert status == 400, body
    code, message = error_of(body)
    assert code == "InvalidRequest"
    assert "hex size" in message
    assert object_files(server) == []


def test_unsupported_streaming_mode_is_501(server):
    s3(server).create_bucket(Bucket="chunked")
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    framing = b"4\r\ndata\r\n"
    headers = sign_headers(server, "/chunked/mode", mode, 4, len(framing))
    status, _, body = send(server, "/chunked/mode", headers, framing)
    assert status == 501, body
    assert error_of(body)[0] == "NotImplemented"


# --- STREAMING-UNSIGNED-PAYLOAD-TRAILER ------------------------------------

def test_unsigned_trailer_crc32(server):
    c = s3(server)
    c.create_bucket(Bucket="chunked")
    data = os.urandom(200 * KIB + 7)
    crc = checksum_b64("crc32", data)
    status, headers, body = put_unsigned_trailer(server, "/chunked/crc", data,
                                                 "x-amz-checksum-crc32", crc)
    assert status == 200, body
    assert headers["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert headers["x-amz-checksum-crc32"] == crc
    assert c.get_object(Bucket="chunked", Key="crc")["Body"].read() == data

    wrong = checksum_b64("crc32", data + b"!")
    status, _, body = put_unsigned_trailer(server, "/chunked/crc", b"new data " + data,
                                           "x-amz-checksum-crc32", wrong)
    assert status == 400, body
    code, message = error_of(body)
    assert code == "BadDigest"
    assert message == "The CRC32 you specified did not match the calculated checksum."
    assert c.get_object(Bucket="chunked", Key="crc")["Body"].read() == data


@pytest.mark.parametrize("algorithm", ["crc32c", "crc64nvme", "sha1", "sha256"])
def test_unsigned_trailer_other_checksums(server, algorithm):
    s3(server).create_bucket(Bucket="chunked")
    data = os.urandom(70 * KIB)
    name = f"x-amz-checksum-{algorithm}"
    status, headers, body = put_unsigned_trailer(server, "/chunked/sum", data, name,
                                                 checksum_b64(algorithm, data))
    assert status == 200, body
    assert headers[name] == checksum_b64(algorithm, data)

    status, _, body = put_unsigned_trailer(server, "/chunked/sum", data, name,
                                           checksum_b64(algorithm, data[1:]))
    assert status == 400, body
    assert error_of(body)[0] == "BadDigest"


def test_unsigned_trailer_missing_trailer(server):
    s3(server).create_bucket(Bucket="chunked")
    data = b"no trailer follows"
    body = unsigned_body([data], [])
    headers = sign_headers(server, "/chunked/t", UNSIGNED_TRAILER, len(data), len(body),
                           extra={"x-amz-trailer": "x-amz-checksum-crc32"})
    status, _, response = send(server, "/chunked/t", headers, body)
    assert status == 400, response
    assert error_of(response)[0] == "InvalidRequest"


def test_anonymous_streaming_uploads(server):
    c = s3(server)
    c.create_bucket(Bucket="dropbox")
    c.put_bucket_policy(Bucket="dropbox", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                       "Resource": "arn:aws:s3:::dropbox/*"}]}))
    data = b"dropped anonymously"
    body = unsigned_body([data], [("x-amz-checksum-crc32", checksum_b64("crc32", data))])
    headers = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": UNSIGNED_TRAILER,
               "x-amz-decoded-content-length": str(len(data)),
               "x-amz-trailer": "x-amz-checksum-crc32", "Content-Length": str(len(body))}
    status, _, response = send(server, "/dropbox/anonymous", headers, body)
    assert status == 200, response
    assert c.get_object(Bucket="dropbox", Key="anonymous")["Body"].read() == data

    # Signed chunks chain from a seed signature, which an anonymous request lacks.
    body = b"4;chunk-signature=" + b"0" * 64 + b"\r\ndata\r\n"
    headers.update({"x-amz-content-sha256": SIGNED, "x-amz-decoded-content-length": "4",
                    "Content-Length": str(len(body))})
    del headers["x-amz-trailer"]
    status, _, response = send(server, "/dropbox/signed", headers, body)
    assert status == 403, response
    assert error_of(response)[0] == "AccessDenied"


def test_checksum_header_on_plain_put(server):
    c = s3(server)
    c.create_bucket(Bucket="chunked")
    data = b"plain body with a checksum header"
    c.put_object(Bucket="chunked", Key="plain", Body=data, ChecksumCRC32=checksum_b64("crc32", data))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        c.put_object(Bucket="chunked", Key="plain", Body=b"changed",
                     ChecksumCRC32=checksum_b64("crc32", data))
    assert excinfo.value.response["Error"]["Code"] == "BadDigest"
    assert c.get_object(Bucket="chunked", Key="plain")["Body"].read() == data


# --- UploadPart -------------------------------------------------------------

def test_upload_part_aws_chunked(server):
    c = s3(server)
    c.create_bucket(Bucket="chunked")
    upload_id = c.create_multipart_upload(Bucket="chunked", Key="multi")["UploadId"]
    part1 = os.urandom(5 * MIB)
    part2 = os.urandom(300 * KIB)

    status, headers, body = put_signed(server, "/chunked/multi", split(part1, 64 * KIB),
                                       query=f"partNumber=1&uploadId={upload_id}")
    assert status == 200, body
    etag1 = headers["ETag"]
    assert etag1 == '"%s"' % hashlib.md5(part1).hexdigest()

    status, headers, body = put_unsigned_trailer(
        server, "/chunked/multi", part2, "x-amz-checksum-crc32", checksum_b64("crc32", part2),
        query=f"partNumber=2&uploadId={upload_id}")
    assert status == 200, body
    etag2 = headers["ETag"]
    assert etag2 == '"%s"' % hashlib.md5(part2).hexdigest()

    # A bad chunk signature leaves part 2 as it was.
    status, _, body = put_signed(server, "/chunked/multi", [b"z" * 100], corrupt=0,
                                 query=f"partNumber=2&uploadId={upload_id}")
    assert status == 403, body

    parts = c.list_parts(Bucket="chunked", Key="multi", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5 * MIB), (2, 300 * KIB)]
    done = c.complete_multipart_upload(
        Bucket="chunked", Key="multi", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag1},
                                   {"PartNumber": 2, "ETag": etag2}]})
    binary = hashlib.md5(part1).digest() + hashlib.md5(part2).digest()
    assert done["ETag"] == '"%s-2"' % hashlib.md5(binary).hexdigest()
    assert c.get_object(Bucket="chunked", Key="multi")["Body"].read() == part1 + part2


# --- the newest boto3 --------------------------------------------------------

NEWEST_BOTO3_SCRIPT = r"""
import hashlib, os, sys
import boto3
from boto3.s3.transfer import TransferConfig
endpoint, key_id, secret, path = sys.argv[1:5]
c = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id=key_id, aws_secret_access_key=secret)
c.create_bucket(Bucket="newest")
c.put_object(Bucket="newest", Key="put.txt", Body=b"put by the newest boto3")
assert c.get_object(Bucket="newest", Key="put.txt")["Body"].read() == b"put by the newest boto3"
c.upload_file(path, "newest", "small.bin")
c.upload_file(path, "newest", "multipart.bin",
              Config=TransferConfig(multipart_threshold=5 * 2**20, multipart_chunksize=5 * 2**20))
expected = hashlib.sha256(open(path, "rb").read()).hexdigest()
for key in ("small.bin", "multipart.bin"):
    got = hashlib.sha256(c.get_object(Bucket="newest", Key=key)["Body"].read()).hexdigest()
    assert got == expected, key
print(boto3.__version__)
"""


def newest_boto3_python():
    """Returns a pyenv python3 whose boto3 is 1.36 or newer, or None."""
    candidates = [os.environ.get("OWLERY_NEWEST_PYTHON")]
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3")),
                         reverse=True)
    for python in filter(None, candidates):
        out = subprocess.run([python, "-c", "import boto3; print(boto3.__version__)"],
                             capture_output=True, text=True, timeout=60)
        version = tuple(int(x) for x in out.stdout.strip().split(".")[:2] if x.isdigit())
        if out.returncode == 0 and version >= (1, 36):
            return python
    return None


def test_newest_boto3_put_and_upload_file(server, tmp_path):
    python = newest_boto3_python()
    if python is None:
        pytest.skip("no pyenv python3 with boto3 1.36 or newer")
    path = tmp_path / "upload.bin"
    path.write_bytes(os.urandom(12 * MIB + 5))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
    out = subprocess.run([python, "-c", NEWEST_BOTO3_SCRIPT, server.endpoint, *PRODUCER_KEY,
                          str(path)], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("1.")
