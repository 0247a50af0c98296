"""Black-box tests of owlery serve's foundation: accounts, SigV4
authentication, error encodings, body limits and robustness."""

import datetime
import json
import os
import socket
import subprocess
import threading
import time
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests

from conftest import (CONSUMER, CONSUMER_KEY, OWLERY, PRODUCER, PRODUCER_KEY, aws_cli, client,
                      create_account)


def signed_query_request(server, key, body, service="sts"):
    """Sends a SigV4-signed Query-protocol POST with the given form body."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*key), service,
                            "us-east-1").add_auth(request)
    return requests.post(request.url, data=request.body, headers=dict(request.headers))


def signed_sts_request(server, key, when=None, secret=None):
    """Builds a SigV4-signed GetCallerIdentity request, optionally dated `when`."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    credentials = botocore.credentials.Credentials(key[0], secret or key[1])
    signer = botocore.auth.SigV4Auth(credentials, "sts", "us-east-1")
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.datetime") as fake:
            fake.datetime.utcnow.return_value = when
            fake.datetime.strptime = datetime.datetime.strptime
            signer.add_auth(request)
    return requests.post(request.url, data=request.body, headers=dict(request.headers))


def aws_cli_v1():
    """Returns the first `aws` on PATH that is not Debian's v2, or None."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, "aws")
        if os.access(candidate, os.X_OK) and \
                os.path.realpath(candidate) != os.path.realpath("/usr/bin/aws"):
            return candidate
    return None


def xml_value(text, tag):
    start = text.index(f"<{tag}>") + len(tag) + 2
    return text[start:text.index(f"</{tag}>", start)]


def test_cli_v2_get_caller_identity(server):
    out = aws_cli(server, PRODUCER_KEY, "sts", "get-caller-identity")
    assert out.returncode == 0, out.stderr
    identity = json.loads(out.stdout)
    assert identity["Account"] == PRODUCER
    assert identity["Arn"] == f"arn:aws:iam::{PRODUCER}:root"
    assert identity["UserId"] == PRODUCER


def test_cli_v1_get_caller_identity(server):
    v1 = aws_cli_v1()
    if v1 is None:
        pytest.skip("no AWS CLI v1 on PATH besides Debian's v2")
    out = aws_cli(server, CONSUMER_KEY, "sts", "get-caller-identity", cli=v1)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Arn"] == f"arn:aws:iam::{CONSUMER}:root"


def test_boto3_get_caller_identity(server):
    identity = client(server, "sts", CONSUMER_KEY).get_caller_identity()
    assert identity["Account"] == CONSUMER
    assert identity["Arn"] == f"arn:aws:iam::{CONSUMER}:root"
    assert identity["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(identity["ResponseMetadata"]["RequestId"]) == 36


def test_wrong_secret_is_signature_mismatch(server):
    response = signed_sts_request(server, PRODUCER_KEY, secret="not-the-secret-000000000000000")
    assert response.status_code == 403
    assert xml_value(response.text, "Code") == "SignatureDoesNotMatch"
    assert xml_value(response.text, "Type") == "Sender"
    assert "<RequestId>" in response.text


def test_wrong_secret_through_cli(server):
    out = aws_cli(server, (PRODUCER_KEY[0], "x" * 40), "sts", "get-caller-identity")
    assert out.returncode != 0
    assert "SignatureDoesNotMatch" in out.stderr


def test_unknown_key_is_invalid_client_token(server):
    response = signed_sts_request(server, ("AKIANOSUCHKEY0000000", "s" * 40))
    assert response.status_code == 403
    assert xml_value(response.text, "Code") == "InvalidClientTokenId"
    assert xml_value(response.text, "Message") == \
        "The security token included in the request is invalid."


def test_unknown_key_json_protocol(server):
    athena = client(server, "athena", ("AKIANOSUCHKEY0000000", "s" * 40))
    with pytest.raises(athena.exceptions.ClientError) as error:
        athena.list_data_catalogs()
    assert error.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_request_dated_20_minutes_ago_is_rejected(server):
    past = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    response = signed_sts_request(server, PRODUCER_KEY, when=past)
    assert response.status_code == 403
    assert xml_value(response.text, "Code") == "RequestExpired"
    assert "Signature expired" in xml_value(response.text, "Message")


def test_request_dated_10_minutes_ago_is_accepted(server):
    past = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)
    response = signed_sts_request(server, PRODUCER_KEY, when=past)
    assert response.status_code == 200, response.text
    assert xml_value(response.text, "Account") == PRODUCER


def test_unsigned_request_is_missing_token(server):
    response = requests.post(server.endpoint + "/", data={"Action": "GetCallerIdentity"})
    assert response.status_code == 403
    assert xml_value(response.text, "Code") == "MissingAuthenticationToken"


def test_200_megabyte_json_body_is_rejected(server):
    """The declared length alone is enough: the answer comes before the body."""
    headers = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"X-Amz-Target: AmazonAthena.ListDataCatalogs\r\n"
               b"Content-Type: application/x-amz-json-1.1\r\n"
               b"Content-Length: %d\r\n\r\n" % (200 * 1024 * 1024))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(headers)
        sock.sendall(b"{" + b" " * 65536)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.split()[1] == b"413"
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["__type"] == "RequestEntityTooLarge"
    assert body["message"] == "Request body must be at most 16777216 bytes"
    assert client(server, "sts", PRODUCER_KEY).get_caller_identity()["Account"] == PRODUCER


def read_http_reply(sock):
    """Reads one HTTP reply with a Content-Length body; returns (status, body bytes)."""
    reply = b""
    while b"\r\n\r\n" not in reply:
        data = sock.recv(65536)
        if not data:
            break
        reply += data
    head, _, body = reply.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        data = sock.recv(65536)
        if not data:
            break
        body += data
    return int(head.split()[1]), body


def test_oversized_chunked_body_is_rejected(server):
    """Without a declared length the limit applies while the body arrives."""
    headers = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"X-Amz-Target: AmazonAthena.ListDataCatalogs\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(headers)
        try:
            for _ in range(17):
                sock.sendall(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may stop reading once it has answered
        status, body = read_http_reply(sock)
    assert status == 413
    assert json.loads(body)["__type"] == "RequestEntityTooLarge"
    assert client(server, "sts", PRODUCER_KEY).get_caller_identity()["Account"] == PRODUCER


def test_control_character_in_action_gives_wellformed_xml(server):
    import xml.dom.minidom
    response = signed_query_request(server, PRODUCER_KEY, "Action=Get%01Caller&Version=2011-06-15")
    assert response.status_code == 400
    document = xml.dom.minidom.parseString(response.content)
    assert document.getElementsByTagName("Code")[0].firstChild.data == "InvalidAction"


def test_request_id_headers(server):
    response = signed_query_request(server, PRODUCER_KEY, "Action=GetCallerIdentity&Version=2011-06-15")
    assert response.status_code == 200
    assert response.headers["x-amzn-RequestId"] == xml_value(response.text, "RequestId")
    athena = client(server, "athena", ("AKIANOSUCHKEY0000000", "s" * 40))
    with pytest.raises(athena.exceptions.ClientError) as error:
        athena.list_data_catalogs()
    assert len(error.value.response["ResponseMetadata"]["RequestId"]) == 36


def test_presigned_url_with_unknown_key_is_rejected(server):
    query = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIANOSUCHKEY0000000%2F20261204"
             "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261204T195001Z&X-Amz-Expires=300"
             "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "0" * 64)
    response = requests.get(server.endpoint + "/athena-test/x.csv?" + query)
    assert response.status_code == 403
    assert "<Code>InvalidAccessKeyId</Code>" in response.text
    assert len(response.headers["x-amz-request-id"]) == 16


def test_forged_region_does_not_reach_the_log(server):
    query = ("X-Amz-Credential=AK%2F20261204%2Fus-east-1%0Alevel%3Derror%20event%3Dforged"
             "%2Fsts%2Faws4_request&Action=GetCallerIdentity")
    requests.get(server.endpoint + "/?" + query)
    client(server, "sts", PRODUCER_KEY).get_caller_identity()
    time.sleep(0.2)
    assert "event=forged" not in server.log().replace('"', "")
    for line in server.log().splitlines():
        assert line.startswith("20"), line


MALFORMED = [
    b"\x00\x01\x02garbage\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n",
    b"GET /\xff\xfe HTTP/1.1\r\nHost: \xc3\x28\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=\r\n\r\n",
    b"GET /?X-Amz-Credential=%zz&Action= HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 9\r\n\r\nAction=%G",
    b"GET / HTTP/1.1\r\n" + b"X-A: " + b"a" * 200000 + b"\r\n\r\n",
    b"GET " + b"/a" * 50000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(500)) + b"\r\n",
]


def send_raw(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):
                pass
        except OSError:
            pass


def test_malformed_requests_leave_server_serving(server):
    def worker(offset):
        for i in range(250):
            send_raw(server.port, MALFORMED[(i + offset) % len(MALFORMED)])
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.alive()
    assert client(server, "sts", CONSUMER_KEY).get_caller_identity()["Account"] == CONSUMER


def test_account_survives_kill_9(server, tmp_path):
    key = ("AKIAKILLNINE00000001", "kill-nine-secret-00000000000000000000001")
    create_account(server.data_dir, "777788889999", key)
    server.kill9()
    server.start()
    identity = client(server, "sts", key).get_caller_identity()
    assert identity["Account"] == "777788889999"


def test_account_created_while_serving_works_at_once(server):
    key = ("AKIALIVEACCOUNT00001", "live-account-secret-00000000000000000001")
    create_account(server.data_dir, "121212121212", key)
    assert client(server, "sts", key).get_caller_identity()["Account"] == "121212121212"


@pytest.mark.parametrize("account_id", ["12345", "1234567890123", "12345678901a", ""])
def test_account_create_rejects_bad_id(tmp_path, account_id):
    out = subprocess.run([OWLERY, "account", "create", "--data-dir", str(tmp_path / "d"),
                          "--account-id", account_id], capture_output=True, text=True)
    assert out.returncode == 2
    assert f'invalid account ID "{account_id}": an account ID is exactly 12 digits' in out.stderr


def test_account_create_duplicate(tmp_path):
    create_account(tmp_path / "d", "123456789012")
    out = subprocess.run([OWLERY, "account", "create", "--data-dir", str(tmp_path / "d"),
                          "--account-id", "123456789012"], capture_output=True, text=True)
    assert out.returncode == 1
    assert "account 123456789012 already exists" in out.stderr


def test_account_create_generates_key_and_canonical_id(tmp_path):
    account = create_account(tmp_path / "d", "210987654321")
    assert account["AccessKeyId"].startswith("AKIA") and len(account["AccessKeyId"]) == 20
    assert len(account["SecretAccessKey"]) == 40
    assert len(account["CanonicalUserId"]) == 64
    int(account["CanonicalUserId"], 16)
    listing = json.loads(subprocess.run([OWLERY, "account", "list", "--data-dir",
                                         str(tmp_path / "d")],
                                        capture_output=True, text=True, check=True).stdout)
    assert listing["Accounts"][0]["CanonicalUserId"] == account["CanonicalUserId"]


def test_request_log_has_one_line_per_request(server):
    client(server, "sts", PRODUCER_KEY).get_caller_identity()
    # The line is written once the response has gone out, so it may trail the reply.
    deadline = time.time() + 5
    lines = []
    while not lines and time.time() < deadline:
        lines = [line for line in server.log().splitlines() if "event=request " in line]
        time.sleep(0.01)
    assert len(lines) == 1
    assert "service=sts operation=GetCallerIdentity" in lines[0]
    assert f"account={PRODUCER}" in lines[0]
    assert "status=200" in lines[0]
    assert PRODUCER_KEY[1] not in server.log()


def test_second_server_on_same_data_dir_is_rejected(server):
    out = subprocess.run([OWLERY, "serve", "--data-dir", server.data_dir, "--listen",
                          "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert f"data directory {server.data_dir} is in use by another owlery serve" in out.stderr
    assert client(server, "sts", PRODUCER_KEY).get_caller_identity()["Account"] == PRODUCER


def test_demo_command_outside_source_tree(tmp_path):
    copy = tmp_path / "bin" / "owlery"
    copy.parent.mkdir()
    copy.write_bytes(open(OWLERY, "rb").read())
    copy.chmod(0o755)
    out = subprocess.run([str(copy), "demo"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "the demo runs from the source tree (run make demo there)" in out.stderr
