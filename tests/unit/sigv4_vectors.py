#!/usr/bin/python3
"""Generate the known-answer vectors that tests/unit/test_sigv4.c embeds.

Run with Debian's interpreter, which has python3-botocore (1.29 when the
vectors were produced):

    /usr/bin/python3 tests/unit/sigv4_vectors.py > /tmp/vectors.c

The output is C source: one block per request with the exact headers that
botocore signed and the Authorization header (or presigned URL) it produced.
Paste it over the generated section of test_sigv4.c.

botocore signs the request-level vectors. The aws-chunked vectors come from
a second, independent SigV4 implementation below (hmac and hashlib only),
checked against botocore on the seed request, so the C decoder is tested
against two sources and not against itself.
"""

import datetime
import hashlib
import hmac
import io
import zlib
import base64

import botocore.auth
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpchecksum import AwsChunkedWrapper

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes=="
FROZEN = datetime.datetime(2026, 12, 4, 19, 50, 1)  # 1796413801 in Unix time
ENDPOINT = "http://127.0.0.1:4566"


class _FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FROZEN


class _FrozenModule:
    datetime = _FrozenDatetime


# botocore.auth reads the clock through datetime.datetime.utcnow().
botocore.auth.datetime = _FrozenModule


def c_string(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            for byte in ch.encode("utf-8"):
                out.append("\\%03o" % byte)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def emit_signed(name, signer, method, path, query="", headers=None, body=b""):
    url = ENDPOINT + path + ("?" + query if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    request.headers["Host"] = "127.0.0.1:4566"
    captured = []
    build_canonical = signer.canonical_request
    signer.canonical_request = lambda r: captured.append(build_canonical(r)) or captured[-1]
    signer.add_auth(request)
    print(f"/* {name}: {type(signer).__name__}, service {signer._service_name}, "
          f"region {signer._region_name} */")
    print(f"static const char {name}_method[] = {c_string(method)};")
    print(f"static const char {name}_path[] = {c_string(path)};")
    if isinstance(signer, S3SigV4QueryAuth):
        # The URL carries the query; the only header signed is host.
        print(f"static const char {name}_url[] = {c_string(request.url)};")
    else:
        print(f"static const char {name}_query[] = {c_string(query)};")
        print(f"static const char {name}_body[] = {c_string(body)};")
        print(f"static const sigv4_header {name}_headers[] = {{")
        for key, value in request.headers.items():
            print(f"    {{{c_string(key.lower())}, {c_string(value)}}},")
        print("};")
    print(f"static const char {name}_canonical[] = {c_string(captured[0])};")
    print()
    return request


def sign_hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    key = sign_hmac(("AWS4" + secret).encode("utf-8"), date)
    key = sign_hmac(key, region)
    key = sign_hmac(key, service)
    return sign_hmac(key, "aws4_request")


def independent_seed(secret, amz_date, region, method, path, headers):
    """Sign an S3 request with plain hmac/hashlib, as the SigV4 spec reads."""
    names = sorted(headers)
    canonical = "\n".join([
        method, path, "",
        "".join(f"{n}:{' '.join(headers[n].split())}\n" for n in names),
        ";".join(names),
        headers["x-amz-content-sha256"],
    ])
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    ])
    key = signing_key(secret, amz_date[:8], region, "s3")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest(), key, scope


def chunk_signatures(key, amz_date, scope, seed, chunks):
    empty = hashlib.sha256(b"").hexdigest()
    previous = seed
    out = []
    for chunk in chunks:
        to_sign = "\n".join([
            "AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty,
            hashlib.sha256(chunk).hexdigest(),
        ])
        previous = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        out.append(previous)
    return out


def emit_chunked():
    """S3 PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD; data byte i is i % 251."""
    amz_date = FROZEN.strftime("%Y%m%dT%H%M%SZ")
    data = bytes(i % 251 for i in range(10000))
    chunk_size = 4096
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    headers = {
        "content-encoding": "aws-chunked",
        "host": "127.0.0.1:4566",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-date": amz_date,
        "x-amz-decoded-content-length": str(len(data)),
    }
    path = "/athena-test/lambda/upload.bin"
    seed, key, scope = independent_seed(SECRET_KEY, amz_date, "us-east-1", "PUT", path, headers)

    # Cross-check the seed with botocore. SigV4Auth keeps a preset
    # X-Amz-Content-SHA256 (S3SigV4Auth would overwrite it), and this path
    # has nothing to normalize, so both sign the same canonical request.
    request = AWSRequest(method="PUT", url=ENDPOINT + path,
                         headers={k: v for k, v in headers.items() if k != "x-amz-date"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(request)
    assert request.headers["Authorization"].endswith("Signature=" + seed), "seed mismatch"

    print("/* chunked: S3 PUT, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, data[i] = i % 251 */")
    print(f"#define CHUNKED_DATA_LEN {len(data)}")
    print(f"#define CHUNKED_CHUNK_SIZE {chunk_size}")
    print(f"static const char chunked_path[] = {c_string(path)};")
    print("static const sigv4_header chunked_headers[] = {")
    for name_, value in headers.items():
        print(f"    {{{c_string(name_)}, {c_string(value)}}},")
    print(f"    {{\"authorization\", {c_string(request.headers['Authorization'])}}},")
    print("};")
    print("static const char *const chunked_signatures[] = {")
    for sig in chunk_signatures(key, amz_date, scope, seed, chunks):
        print(f"    \"{sig}\",")
    print("};")
    print()


def check_aws_documented_chunk_example():
    """The chunked-upload example from the Amazon S3 API reference.

    Inputs and the seed and first chunk signatures are those of the
    "Signature Calculations for the Authorization Header: Transferring
    Payload in Multiple Chunks" page; this only checks that the independent
    signer above agrees with AWS.
    """
    amz_date = "20130524T000000Z"
    headers = {
        "content-encoding": "aws-chunked",
        "content-length": "66824",
        "host": "s3.amazonaws.com",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-date": amz_date,
        "x-amz-decoded-content-length": "66560",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
    }
    seed, key, scope = independent_seed("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", amz_date,
                                        "us-east-1", "PUT", "/examplebucket/chunkObject.txt",
                                        headers)
    sigs = chunk_signatures(key, amz_date, scope, seed, [b"a" * 65536, b"a" * 1024, b""])
    assert seed == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", seed
    assert sigs[0] == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", sigs
    print("/* aws_doc: the chunked-upload example of the Amazon S3 API reference */")
    print("static const char *const aws_doc_signatures[] = {")
    print(f"    \"{seed}\",")
    for sig in sigs:
        print(f"    \"{sig}\",")
    print("};")
    print()


def emit_unsigned_trailer():
    """aws-chunked body as botocore writes it for STREAMING-UNSIGNED-PAYLOAD-TRAILER."""

    class Crc32:
        def __init__(self):
            self.value = 0

        def update(self, chunk):
            self.value = zlib.crc32(chunk, self.value)

        def b64digest(self):
            return base64.b64encode(self.value.to_bytes(4, "big")).decode("ascii")

    data = b"hello, trailer world\n" * 20
    body = b"".join(AwsChunkedWrapper(io.BytesIO(data), checksum_cls=Crc32,
                                      checksum_name="x-amz-checksum-crc32", chunk_size=160))
    crc = Crc32()
    crc.update(data)
    print("/* trailer: botocore AwsChunkedWrapper, chunk size 160, CRC32 trailer */")
    print(f"static const char trailer_data[] = {c_string(data)};")
    print(f"static const char trailer_body[] = {c_string(body)};")
    print(f"static const char trailer_crc32[] = {c_string(crc.b64digest())};")
    print()


def main():
    creds = Credentials(ACCESS_KEY, SECRET_KEY)
    temp_creds = Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    print("/* Generated by tests/unit/sigv4_vectors.py; do not edit by hand. */")
    print(f"#define VEC_ACCESS_KEY {c_string(ACCESS_KEY)}")
    print(f"#define VEC_SECRET_KEY {c_string(SECRET_KEY)}")
    print(f"#define VEC_SESSION_TOKEN {c_string(SESSION_TOKEN)}")
    print("#define VEC_TIME ((time_t)1796413801) /* 20261204T195001Z */")
    print()

    emit_signed("sts", SigV4Auth(creds, "sts", "us-east-1"), "POST", "/",
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                body=b"Action=GetCallerIdentity&Version=2011-06-15")
    emit_signed("athena", SigV4Auth(temp_creds, "athena", "eu-central-1"), "POST", "/",
                headers={"Content-Type": "application/x-amz-json-1.1",
                         "X-Amz-Target": "AmazonAthena.GetDataCatalog"},
                body=b'{"Name": "ehms"}')
    emit_signed("lambda", SigV4Auth(creds, "lambda", "us-east-1"), "GET",
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111122223333"
                "%3Afunction%3Ax/policy")
    emit_signed("s3list", S3SigV4Auth(creds, "s3", "us-east-1"), "GET", "/athena-test",
                query="list-type=2&prefix=a%20b&delimiter=%2F")
    emit_signed("s3get", S3SigV4Auth(creds, "s3", "us-east-1"), "GET",
                "/athena-test/lambda/dataset/a%20b/%C3%A9t%C3%A9%20%E2%82%AC.csv")
    emit_signed("spaces", S3SigV4Auth(creds, "s3", "us-east-1"), "PUT",
                "/athena-test/note.txt",
                headers={"X-Amz-Meta-Note": "  two  spaces   and\tone tab  ",
                         "Content-Type": "text/plain"},
                body=b"note\n")
    emit_signed("presign", S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=3600), "GET",
                "/athena-test/lambda/dataset/a%20b.csv")
    emit_signed("presign_token", S3SigV4QueryAuth(temp_creds, "s3", "us-east-1", expires=600),
                "PUT", "/athena-test/spill/x")
    emit_chunked()
    check_aws_documented_chunk_example()
    emit_unsigned_trailer()


if __name__ == "__main__":
    main()
