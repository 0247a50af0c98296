"""Black-box tests of S3 upload authorization at header time: owlery serve
authenticates and authorizes PutObject and UploadPart from the request
headers (S3 signs x-amz-content-sha256, not the body), so a denied,
anonymous or badly signed upload is rejected before its body is read and
leaves no temporary file behind. The requests go over raw sockets so the
tests control exactly which body bytes are sent."""

import os
import socket
import time
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from conftest import CONSUMER_KEY, PRODUCER_KEY, client
from test_s3_chunked import temporary_files

UPLOAD_BYTES = 100 * 1024 * 1024


def s3(server, key=PRODUCER_KEY):
    return client(server, "s3", key)


class UnsignedPayloadAuth(botocore.auth.S3SigV4Auth):
    """SigV4 for S3 with UNSIGNED-PAYLOAD, which botocore 1.29 uses only over https."""

    def _should_sha256_sign_payload(self, request):
        return False


def signed_headers(server, method, path, key, extra=None):
    """Returns the SigV4 headers of an UNSIGNED-PAYLOAD S3 request for path."""
    headers = {"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "Content-Length": str(UPLOAD_BYTES)}
    headers.update(extra or {})
    request = botocore.awsrequest.AWSRequest(method=method, url=server.endpoint + path,
                                             headers=headers)
    UnsignedPayloadAuth(botocore.credentials.Credentials(*key), "s3", "us-east-1").add_auth(request)
    assert request.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    return dict(request.headers.items())


def send_headers(server, method, path, headers):
    """Opens a connection and sends the request line and headers only; returns the socket."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "host"]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def read_response(sock):
    """Reads one response (status line, headers, Content-Length body); returns (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, body


def wait_for_log(server, text):
    """Returns True once text appears in the server log (the request line follows the response)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if text in server.log():
            return True
        time.sleep(0.02)
    return False


def rejected_before_body(server, path, headers, method="PUT"):
    """Sends only the headers of a 100 MB upload and returns (status, body, seconds)."""
    start = time.monotonic()
    sock = send_headers(server, method, path, headers)
    try:
        status, body = read_response(sock)
    finally:
        sock.close()
    return status, body, time.monotonic() - start


def test_anonymous_upload_rejected_before_body(server):
    s3(server).create_bucket(Bucket="private-bucket")
    status, body, seconds = rejected_before_body(
        server, "/private-bucket/big.bin", {"Content-Length": str(UPLOAD_BYTES)})
    assert status == 403, body
    assert b"<Code>AccessDenied</Code>" in body
    assert seconds < 5
    assert temporary_files(server) == []
    assert wait_for_log(server, "operation=PutObject region=us-east-1 account=- principal=anonymous "
                                "status=403 error=AccessDenied")


def test_denied_upload_rejected_before_body(server):
    s3(server).create_bucket(Bucket="producer-only")
    headers = signed_headers(server, "PUT", "/producer-only/big.bin", CONSUMER_KEY)
    status, body, seconds = rejected_before_body(server, "/producer-only/big.bin", headers)
    assert status == 403, body
    assert b"<Code>AccessDenied</Code>" in body
    assert seconds < 5
    assert temporary_files(server) == []


def test_denied_part_upload_rejected_before_body(server):
    c = s3(server)
    c.create_bucket(Bucket="parts")
    upload_id = c.create_multipart_upload(Bucket="parts", Key="big.bin")["UploadId"]
    path = "/parts/big.bin?partNumber=1&uploadId=" + urllib.parse.quote(upload_id, safe="")
    headers = signed_headers(server, "PUT", path, CONSUMER_KEY)
    status, body, seconds = rejected_before_body(server, path, headers)
    assert status == 403, body
    assert b"<Code>AccessDenied</Code>" in body
    assert seconds < 5
    assert temporary_files(server) == []


def test_bad_signature_rejected_before_body(server):
    s3(server).create_bucket(Bucket="signed")
    headers = signed_headers(server, "PUT", "/signed/big.bin", PRODUCER_KEY)
    headers["Authorization"] = headers["Authorization"][:-8] + "00000000"
    status, body, _ = rejected_before_body(server, "/signed/big.bin", headers)
    assert status == 403, body
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert temporary_files(server) == []


def test_missing_bucket_rejected_before_body(server):
    headers = signed_headers(server, "PUT", "/no-such-bucket/big.bin", PRODUCER_KEY)
    status, body, _ = rejected_before_body(server, "/no-such-bucket/big.bin", headers)
    assert status == 404, body
    assert b"<Code>NoSuchBucket</Code>" in body
    assert temporary_files(server) == []


def test_denied_upload_gets_no_continue(server):
    s3(server).create_bucket(Bucket="expecting")
    headers = signed_headers(server, "PUT", "/expecting/big.bin", CONSUMER_KEY,
                             {"Expect": "100-continue"})
    sock = send_headers(server, "PUT", "/expecting/big.bin", headers)
    try:
        status, body = read_response(sock)
    finally:
        sock.close()
    assert status == 403, body
    assert temporary_files(server) == []


def test_allowed_upload_continues_and_stores(server):
    s3(server).create_bucket(Bucket="allowed")
    payload = os.urandom(256 * 1024)
    headers = signed_headers(server, "PUT", "/allowed/small.bin", PRODUCER_KEY,
                             {"Expect": "100-continue", "Content-Length": str(len(payload))})
    sock = send_headers(server, "PUT", "/allowed/small.bin", headers)
    try:
        status, _ = read_response(sock)
        assert status == 100
        sock.sendall(payload)
        status, body = read_response(sock)
    finally:
        sock.close()
    assert status == 200, body
    stored = s3(server).get_object(Bucket="allowed", Key="small.bin")["Body"].read()
    assert stored == payload
    assert temporary_files(server) == []
