"""Cross-check owlery's generic Thrift codec (src/thrift) with python3-thrift.

Python code for tests/integration/thrift/crosscheck.thrift is generated at
test time with Debian's thrift compiler. Values are built in Python and
encoded with TBinaryProtocol, TCompactProtocol and TJSONProtocol. The C side
is the transcoder mode of the test_thrift_transcode unit-test executable in
$OWLERY_BUILD/tests (default: build/tests).

Checks: C re-encodes Python's bytes byte for byte in each protocol; C's
binary-to-JSON equals Python's JSON; C's JSON-to-compact equals Python's
compact; Python decodes every C output to an equal object.
"""

import importlib
import math
import os
import pathlib
import subprocess
import sys

import pytest
from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol
from thrift.Thrift import TMessageType
from thrift.transport import TTransport

REPO = pathlib.Path(__file__).resolve().parents[2]
IDL = REPO / "tests" / "integration" / "thrift" / "crosscheck.thrift"
BUILD = pathlib.Path(os.environ.get("OWLERY_BUILD", REPO / "build"))
TRANSCODER = BUILD / "tests" / "test_thrift_transcode"

PROTOCOLS = {
    "binary": TBinaryProtocol.TBinaryProtocol,
    "compact": TCompactProtocol.TCompactProtocol,
    "json": TJSONProtocol.TJSONProtocol,
}

# Field-id path of AllTypes.blob, the only binary field in the IDL.
BINARY_PATHS = ["8"]


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen-py")
    subprocess.run(["/usr/bin/thrift", "--gen", "py", "-out", str(out), str(IDL)], check=True)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("crosscheck.ttypes")
    finally:
        sys.path.remove(str(out))


def encode(obj, protocol):
    buf = TTransport.TMemoryBuffer()
    obj.write(PROTOCOLS[protocol](buf))
    return buf.getvalue()


def decode(cls, data, protocol):
    obj = cls()
    obj.read(PROTOCOLS[protocol](TTransport.TMemoryBuffer(data)))
    return obj


def transcode(data, source, target, message=False):
    assert TRANSCODER.exists(), f"{TRANSCODER} not found: build the project first or set OWLERY_BUILD"
    args = [str(TRANSCODER), "--transcode", source, target]
    if message:
        args.append("--message")
    for path in BINARY_PATHS:
        args += ["--binary-path", path]
    result = subprocess.run(args, input=data, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def all_types(t):
    return t.AllTypes(
        flag=True,
        tiny=-128,
        small=-32768,
        medium=-(2**31),
        large=2**63 - 1,
        ratio=0.1,
        text="h\u00e9llo \u20ac \U0001F600 \x01\x1f\x7f \"quoted\" back\\slash /\b\f\n\r\t",
        blob=bytes([0, 1, 2, 250, 255]),
        inner=t.Inner(id=-1, label=""),
        inners=[t.Inner(id=i, label=f"n{i}") for i in range(20)],
        params={"b": "2", "a": "1", "\u00fc": "\u00e9"},
        ids={0, -1, 2**31 - 1, -(2**31)},
        # Non-finite doubles are left to test_non_finite_doubles: Python writes them as bare nan/inf.
        doubles=[0.0, -0.0, 1.5, -2.25e-300, 1e300, 123456789.125, 5e-324],
        nested={7: [True, False], -7: []},
        empty_list=[],
        empty_map={},
        double_keys={1.5: 1, -0.25: -1},
        far_field=-1,
    )


def hms_table(t):
    cols = [t.FieldSchema(name=n, type=ty, comment=c)
            for n, ty, c in [("id", "bigint", None), ("name", "string", "the name"),
                             ("ts", "timestamp", "")]]
    sd = t.StorageDescriptor(
        cols=cols,
        location="s3://warehouse/sales.db/orders",
        inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        compressed=False,
        numBuckets=-1,
        serdeInfo=t.SerDeInfo(name=None,
                              serializationLib="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                              parameters={"serialization.format": "1"}),
        bucketCols=[],
        parameters={},
    )
    return t.Table(
        tableName="orders",
        dbName="sales",
        owner="hive",
        createTime=1700000000,
        lastAccessTime=0,
        retention=0,
        sd=sd,
        partitionKeys=[t.FieldSchema(name="dt", type="string", comment=None)],
        parameters={"EXTERNAL": "TRUE", "transient_lastDdlTime": "1700000000"},
        tableType="EXTERNAL_TABLE",
    )


SAMPLES = [("AllTypes", all_types), ("Table", hms_table)]


@pytest.mark.parametrize("name,build", SAMPLES)
@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_reencode_identical(gen, name, build, protocol):
    data = encode(build(gen), protocol)
    assert transcode(data, protocol, protocol) == data


@pytest.mark.parametrize("name,build", SAMPLES)
def test_binary_to_json_matches_python(gen, name, build):
    obj = build(gen)
    assert transcode(encode(obj, "binary"), "binary", "json") == encode(obj, "json")


@pytest.mark.parametrize("name,build", SAMPLES)
def test_json_to_compact_matches_python(gen, name, build):
    obj = build(gen)
    assert transcode(encode(obj, "json"), "json", "compact") == encode(obj, "compact")


def expect_empty_map_error(data, message=False):
    """Both samples hold an empty map, whose types the compact protocol does
    not encode, so C cannot write them as JSON after reading compact."""
    with pytest.raises(AssertionError, match="has no JSON name"):
        transcode(data, "compact", "json", message=message)


@pytest.mark.parametrize("name,build", SAMPLES)
@pytest.mark.parametrize("source", sorted(PROTOCOLS))
@pytest.mark.parametrize("target", sorted(PROTOCOLS))
def test_python_decodes_c_output(gen, name, build, source, target):
    obj = build(gen)
    if source == "compact" and target == "json":
        expect_empty_map_error(encode(obj, source))
        return
    out = transcode(encode(obj, source), source, target)
    assert decode(type(obj), out, target) == obj


def test_table_json_literal(gen):
    """Pins the TJSONProtocol text the connector returns for a small Table."""
    table = gen.Table(tableName="t", dbName="db", createTime=5,
                      sd=gen.StorageDescriptor(cols=[gen.FieldSchema(name="c", type="int")]),
                      parameters={"k": "v"})
    expected = (b'{"1":{"str":"t"},"2":{"str":"db"},"4":{"i32":5},'
                b'"7":{"rec":{"1":{"lst":["rec",1,{"1":{"str":"c"},"2":{"str":"int"}}]}}},'
                b'"9":{"map":["str","str",1,{"k":"v"}]}}')
    assert encode(table, "json") == expected
    assert transcode(encode(table, "binary"), "binary", "json") == expected


@pytest.mark.parametrize("source", sorted(PROTOCOLS))
@pytest.mark.parametrize("target", sorted(PROTOCOLS))
def test_message_transcode(gen, source, target):
    table = hms_table(gen)

    def message(protocol):
        buf = TTransport.TMemoryBuffer()
        proto = PROTOCOLS[protocol](buf)
        proto.writeMessageBegin("get_table", TMessageType.REPLY, 2**31 - 1)
        table.write(proto)
        proto.writeMessageEnd()
        return buf.getvalue()

    if source == "compact" and target == "json":
        expect_empty_map_error(message(source), message=True)
        return
    out = transcode(message(source), source, target, message=True)
    if source == "compact" and target == "binary":
        # Empty maps read from compact have key and value type 0, where Python
        # writes the declared types; the rest is identical and Python reads it.
        proto = PROTOCOLS[target](TTransport.TMemoryBuffer(out))
        assert proto.readMessageBegin() == ("get_table", TMessageType.REPLY, 2**31 - 1)
        back = gen.Table()
        back.read(proto)
        assert back == table
        return
    assert out == message(target)


def test_binary_old_message_header(gen):
    """C reads the unversioned header of TBinaryProtocol(strictWrite=False) and writes a strict one."""
    def message(strict):
        buf = TTransport.TMemoryBuffer()
        proto = TBinaryProtocol.TBinaryProtocol(buf, strictWrite=strict)
        proto.writeMessageBegin("get_table", TMessageType.CALL, -5)
        gen.Inner(id=1, label="x").write(proto)
        proto.writeMessageEnd()
        return buf.getvalue()

    old = message(False)
    assert old[:4] == b"\x00\x00\x00\x09"
    assert transcode(old, "binary", "binary", message=True) == message(True)


def test_non_finite_doubles(gen):
    """Python writes bare nan/inf, which its own reader rejects; C reads them and writes "NaN"."""
    obj = gen.AllTypes(ratio=float("nan"), doubles=[float("inf"), float("-inf")])
    python_json = encode(obj, "json")
    assert b'"dbl":nan' in python_json

    c_json = transcode(python_json, "json", "json")
    assert c_json == python_json.replace(b"nan", b'"NaN"').replace(b"-inf", b'"-Infinity"') \
        .replace(b",inf", b',"Infinity"')
    back = decode(gen.AllTypes, c_json, "json")
    assert math.isnan(back.ratio)
    assert back.doubles == [float("inf"), float("-inf")]


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_rejects_every_prefix(gen, protocol):
    data = encode(hms_table(gen), protocol)
    prefix = f"test_thrift_transcode: thrift {protocol}: ".encode()
    # Every prefix is covered by the C unit tests; here a sample keeps the
    # sanitizer build fast: every 7th length and the last 8.
    lengths = sorted(set(range(0, len(data), 7)) | set(range(len(data) - 8, len(data))))
    for length in lengths:
        result = subprocess.run([str(TRANSCODER), "--transcode", protocol, "binary"], input=data[:length],
                                capture_output=True, timeout=60)
        assert result.returncode == 1, length
        assert result.stderr.startswith(prefix), (length, result.stderr)
