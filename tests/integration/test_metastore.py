"""Black-box tests of owlery-metastore with python3-thrift as the client.

Python code for tests/integration/hms/metastore.thrift (owlery's own
definitions of the Hive metastore structs, with Hive's field ids) is
generated at test time. Each test starts owlery-metastore from $OWLERY_BIN
on a free loopback port with its own data directory.
"""

import importlib
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest
from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol
from thrift.Thrift import TApplicationException
from thrift.transport import TSocket, TTransport

REPO = pathlib.Path(__file__).resolve().parents[2]
IDL = REPO / "tests" / "integration" / "hms" / "metastore.thrift"
BIN = pathlib.Path(os.environ.get("OWLERY_BIN", REPO / "build" / "bin"))
BUILD = pathlib.Path(os.environ.get("OWLERY_BUILD", REPO / "build"))
METASTORE = BIN / "owlery-metastore"
TRANSCODER = BUILD / "tests" / "test_thrift_transcode"


@pytest.fixture(scope="module")
def hms(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen-py")
    subprocess.run(["/usr/bin/thrift", "--gen", "py", "-out", str(out), str(IDL)], check=True)
    sys.path.insert(0, str(out))
    try:
        ttypes = importlib.import_module("owlery_hms.ttypes")
        service = importlib.import_module("owlery_hms.ThriftHiveMetastore")
        yield ttypes, service
    finally:
        sys.path.remove(str(out))


class Metastore:
    """One owlery-metastore process; restart() keeps the data directory and port."""

    def __init__(self, data_dir, log_path):
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.process = None
        self.port = 0

    def start(self):
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(METASTORE), "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"],
                stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"owlery-metastore exited with {self.process.returncode}:\n{self.log()}")
            found = re.findall(r"event=listening address=127\.0\.0\.1:(\d+)", self.log()[offset:])
            if found:
                self.port = int(found[-1])
                return self
            time.sleep(0.02)
        raise RuntimeError("owlery-metastore did not start listening within 20 s")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=20)
        return self.process.returncode

    def log(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", errors="replace")


@pytest.fixture
def metastore(tmp_path):
    server = Metastore(tmp_path / "data", tmp_path / "metastore.log").start()
    yield server
    assert server.stop() == 0, "owlery-metastore did not exit cleanly:\n" + server.log()[-4000:]
    assert "event=stopped" in server.log()


def connect(hms, server, framed=False):
    _, service = hms
    sock = TSocket.TSocket("127.0.0.1", server.port)
    sock.setTimeout(30000)
    transport = TTransport.TFramedTransport(sock) if framed else TTransport.TBufferedTransport(sock)
    client = service.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    return client, transport


# ---- Sample objects ----

def storage_descriptor(t, location, cols=None):
    return t.StorageDescriptor(
        cols=cols or [t.FieldSchema(name="id", type="bigint", comment="row id"),
                      t.FieldSchema(name="name", type="string", comment=None)],
        location=location,
        inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        compressed=False,
        numBuckets=4,
        serdeInfo=t.SerDeInfo(name="orders",
                              serializationLib="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                              parameters={"serialization.format": "1"}),
        bucketCols=["id"],
        sortCols=[t.Order(col="id", order=1)],
        parameters={"sd.param": "x"},
        skewedInfo=t.SkewedInfo(skewedColNames=["name"], skewedColValues=[["a"], ["b"]],
                                # python3-thrift cannot read a map with list keys (it builds a dict), so empty.
                                skewedColValueLocationMaps={}),
        storedAsSubDirectories=False,
    )


def sales_database(t):
    return t.Database(name="sales", description="sales data", locationUri="s3://bucket/sales",
                      parameters={"owner.team": "analytics", "empty": ""},
                      ownerName="hive", ownerType=t.PrincipalType.USER)


def orders_table(t):
    return t.Table(
        tableName="orders", dbName="sales", owner="hive", createTime=0, lastAccessTime=0, retention=0,
        sd=storage_descriptor(t, "s3://bucket/sales/orders"),
        partitionKeys=[t.FieldSchema(name="dt", type="string", comment="day"),
                       t.FieldSchema(name="hr", type="int", comment="hour")],
        parameters={"EXTERNAL": "TRUE", "transient_lastDdlTime": "1700000000", "comment": "orders table"},
        viewOriginalText=None, viewExpandedText=None, tableType="EXTERNAL_TABLE",
        privileges=t.PrincipalPrivilegeSet(
            userPrivileges={"hive": [t.PrivilegeGrantInfo(privilege="SELECT", createTime=5, grantor="admin",
                                                          grantorType=t.PrincipalType.ROLE, grantOption=True)]},
            groupPrivileges={}, rolePrivileges=None),
        temporary=False, catName="hive", ownerType=t.PrincipalType.USER, writeId=7,
    )


def day(i):
    return f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}"


def orders_partition(t, i, hr):
    return t.Partition(
        values=[day(i), str(hr)], dbName="sales", tableName="orders", createTime=0, lastAccessTime=0,
        sd=storage_descriptor(t, f"s3://bucket/sales/orders/dt={day(i)}/hr={hr}"),
        parameters={"numRows": str(i * 100 + hr), "transient_lastDdlTime": "1700000000"},
        catName="hive", writeId=3,
    )


# ---- Tests ----

def test_database_round_trip_and_errors(hms, metastore):
    t, _ = hms
    client, transport = connect(hms, metastore)
    assert client.get_all_databases() == ["default"]
    client.create_database(sales_database(t))
    assert client.get_database("sales") == sales_database(t)
    assert client.get_database("SALES") == sales_database(t)
    assert client.get_all_databases() == ["default", "sales"]
    assert client.get_databases("sa*") == ["sales"]
    assert client.get_databases("x*|default") == ["default"]

    with pytest.raises(t.AlreadyExistsException) as e:
        client.create_database(sales_database(t))
    assert e.value.message == "Database sales already exists"
    with pytest.raises(t.InvalidObjectException) as e:
        client.create_database(t.Database(name="bad name", parameters={}))
    assert e.value.message == "bad name is not a valid database name"
    with pytest.raises(t.NoSuchObjectException) as e:
        client.get_database("nope")
    assert e.value.message == "There is no database named nope"
    with pytest.raises(t.MetaException) as e:
        client.drop_database("default", False, False)
    assert e.value.message == "Can not drop default database"

    altered = sales_database(t)
    altered.parameters = {"k": "v"}
    client.alter_database("sales", altered)
    assert client.get_database("sales").parameters == {"k": "v"}
    transport.close()


def test_table_round_trip_and_errors(hms, metastore):
    t, _ = hms
    client, transport = connect(hms, metastore)
    client.create_database(sales_database(t))
    before = int(time.time())
    client.create_table(orders_table(t))

    got = client.get_table("sales", "orders")
    # The metastore sets createTime, as Hive does; every other field is what was sent.
    assert before - 1 <= got.createTime <= int(time.time()) + 1
    expected = orders_table(t)
    expected.createTime = got.createTime
    assert got == expected
    assert got.sd == storage_descriptor(t, "s3://bucket/sales/orders")
    assert got.parameters == expected.parameters

    assert client.get_table_req(t.GetTableRequest(dbName="sales", tblName="orders")).table == got
    assert client.get_table_objects_by_name("sales", ["orders", "missing"]) == [got]
    assert client.get_table_objects_by_name_req(
        t.GetTablesRequest(dbName="sales", tblNames=["orders"])).tables == [got]
    assert client.get_all_tables("sales") == ["orders"]
    assert client.get_tables("sales", "ord*|x") == ["orders"]
    assert client.get_tables("sales", "x*") == []

    with pytest.raises(t.AlreadyExistsException) as e:
        client.create_table(orders_table(t))
    assert e.value.message == "Table orders already exists"
    with pytest.raises(t.NoSuchObjectException) as e:
        client.get_table("default", "flights")
    assert e.value.message == "default.flights table not found"
    with pytest.raises(t.NoSuchObjectException) as e:
        client.get_table_req(t.GetTableRequest(dbName="default", tblName="flights"))
    assert e.value.message == "default.flights table not found"
    with pytest.raises(t.InvalidObjectException) as e:
        bad = orders_table(t)
        bad.tableName = "bad-name"
        client.create_table(bad)
    assert e.value.message == "bad-name is not a valid object name"
    with pytest.raises(t.NoSuchObjectException) as e:
        bad = orders_table(t)
        bad.dbName = "nodb"
        client.create_table(bad)
    assert e.value.message == "There is no database named nodb"
    with pytest.raises(t.UnknownDBException) as e:
        client.get_table_objects_by_name_req(t.GetTablesRequest(dbName="nodb", tblNames=["x"]))
    assert e.value.message == "Could not find database nodb"

    with pytest.raises(t.InvalidOperationException) as e:
        client.drop_database("sales", False, False)
    assert e.value.message == "Database sales is not empty. One or more tables exist."

    # alter_table: new parameters; then a rename.
    got.parameters["comment"] = "changed"
    client.alter_table("sales", "orders", got)
    assert client.get_table("sales", "orders").parameters["comment"] == "changed"
    with pytest.raises(t.InvalidOperationException) as e:
        client.alter_table("sales", "missing", got)
    assert e.value.message == "table sales.missing doesn't exist"
    changed_keys = client.get_table("sales", "orders")
    changed_keys.partitionKeys = changed_keys.partitionKeys[:1]
    with pytest.raises(t.InvalidOperationException) as e:
        client.alter_table("sales", "orders", changed_keys)
    assert e.value.message == "partition keys can not be changed."
    renamed = client.get_table("sales", "orders")
    renamed.tableName = "orders_v2"
    client.alter_table_with_environment_context("sales", "orders", renamed, t.EnvironmentContext(properties={}))
    assert client.get_all_tables("sales") == ["orders_v2"]

    client.drop_table("sales", "orders_v2", False)
    with pytest.raises(t.NoSuchObjectException) as e:
        client.drop_table("sales", "orders_v2", False)
    assert e.value.message == "sales.orders_v2 table not found"
    client.drop_database("sales", False, False)
    assert client.get_all_databases() == ["default"]
    transport.close()


PARTITION_COUNT = 10000
HOURS = 4


def all_partitions(t):
    return [orders_partition(t, i, hr) for i in range(PARTITION_COUNT // HOURS) for hr in range(HOURS)]


def test_ten_thousand_partitions(hms, metastore):
    t, _ = hms
    client, transport = connect(hms, metastore)
    client.create_database(sales_database(t))
    client.create_table(orders_table(t))
    parts = all_partitions(t)
    assert len(parts) == PARTITION_COUNT

    # add_partitions in batches of 1000, the last batch through add_partitions_req.
    for start in range(0, PARTITION_COUNT - 1000, 1000):
        assert client.add_partitions(parts[start:start + 1000]) == 1000
    result = client.add_partitions_req(t.AddPartitionsRequest(
        dbName="sales", tblName="orders", parts=parts[-1000:], ifNotExists=False, needResult=True))
    assert len(result.partitions) == 1000

    got = client.get_partitions("sales", "orders", -1)
    assert len(got) == PARTITION_COUNT
    by_values = {tuple(p.values): p for p in got}
    for sent in parts:
        back = by_values[tuple(sent.values)]
        assert back.createTime > 0
        sent.createTime = back.createTime
        assert back == sent
        assert back.sd == sent.sd
        assert back.parameters == sent.parameters

    names = client.get_partition_names("sales", "orders", -1)
    assert len(names) == PARTITION_COUNT
    assert names == sorted(names)
    assert names[0] == "dt=2024-01-01/hr=0"
    assert client.get_partition_names("sales", "orders", 3) == names[:3]
    assert len(client.get_partitions("sales", "orders", 10)) == 10

    one = client.get_partition("sales", "orders", ["2024-01-02", "3"])
    assert one.values == ["2024-01-02", "3"]
    assert one.parameters["numRows"] == "103"
    picked = client.get_partitions_by_names("sales", "orders", ["dt=2024-01-02/hr=3", "dt=1999-01-01/hr=0"])
    assert [p.values for p in picked] == [["2024-01-02", "3"]]
    picked = client.get_partitions_by_names_req(t.GetPartitionsByNamesRequest(
        db_name="sales", tbl_name="orders", names=["dt=2024-01-02/hr=3"])).partitions
    assert [p.values for p in picked] == [["2024-01-02", "3"]]

    with pytest.raises(t.AlreadyExistsException) as e:
        client.add_partition(parts[0])
    assert e.value.message == "Partition already exists:sales.orders.[2024-01-01, 0]"
    with pytest.raises(t.NoSuchObjectException) as e:
        client.get_partition("sales", "orders", ["1999-01-01", "0"])
    assert e.value.message == "partition values=[1999-01-01, 0]"
    with pytest.raises(t.InvalidObjectException) as e:
        missing = orders_partition(t, 0, 0)
        missing.tableName = "nope"
        client.add_partition(missing)
    assert e.value.message == "Unable to add partition because table or database do not exist"
    with pytest.raises(t.MetaException) as e:
        wrong = orders_partition(t, 0, 0)
        wrong.values = ["only-one"]
        client.add_partition(wrong)
    assert e.value.message == "Invalid partition key & values; keys [dt, hr, ], values [only-one, ]"
    with pytest.raises(t.NoSuchObjectException) as e:
        client.get_partitions("sales", "nope", -1)
    assert e.value.message == "sales.nope table not found"
    transport.close()


FILTERS = [
    ("dt = '2024-01-02'", lambda d, h: d == "2024-01-02"),
    ("dt = \"2024-01-02\" and hr = 3", lambda d, h: d == "2024-01-02" and h == 3),
    ("hr > 2", lambda d, h: h > 2),
    ("hr >= 2 and hr <= 2", lambda d, h: h == 2),
    ("hr <> 0 and hr != 1", lambda d, h: h >= 2),
    ("dt < '2024-01-03'", lambda d, h: d < "2024-01-03"),
    ("dt > '2024-03-27' or hr < 1", lambda d, h: d > "2024-03-27" or h < 1),
    ("(dt = '2024-01-01' or dt = '2024-01-02') and hr = 0", lambda d, h: d in ("2024-01-01", "2024-01-02") and h == 0),
    ("dt = '2024-01-01' or dt = '2024-01-02' and hr = 0", lambda d, h: d == "2024-01-01" or (d == "2024-01-02" and h == 0)),
    ("dt like '2024-02-1.*' and hr = 1", lambda d, h: d.startswith("2024-02-1") and h == 1),
    ("3 <= hr", lambda d, h: h >= 3),
    ("hr between 1 and 2 and dt in ('2024-01-05', '2024-01-06')",
     lambda d, h: 1 <= h <= 2 and d in ("2024-01-05", "2024-01-06")),
    ("dt = '1999-01-01'", lambda d, h: False),
]


@pytest.mark.parametrize("framed", [False, True], ids=["buffered", "framed"])
def test_partitions_by_filter(hms, metastore, framed):
    t, _ = hms
    client, transport = connect(hms, metastore, framed=framed)
    client.create_database(sales_database(t))
    client.create_table(orders_table(t))
    parts = [orders_partition(t, i, hr) for i in range(90) for hr in range(HOURS)]
    assert client.add_partitions(parts) == len(parts)

    for text, predicate in FILTERS:
        got = client.get_partitions_by_filter("sales", "orders", text, -1)
        expected = sorted(["dt=%s/hr=%d" % (p.values[0], int(p.values[1])) for p in parts
                           if predicate(p.values[0], int(p.values[1]))])
        assert ["dt=%s/hr=%s" % tuple(p.values) for p in got] == expected, text

    assert len(client.get_partitions_by_filter("sales", "orders", "hr = 1", 5)) == 5
    assert len(client.get_partitions_by_filter("sales", "orders", "", -1)) == len(parts)
    with pytest.raises(t.MetaException) as e:
        client.get_partitions_by_filter("sales", "orders", "dt = '2024' and (hr = 1", -1)
    assert e.value.message == ("Error parsing partition filter : expected ')' to close '(' at position 16, "
                               "found end of filter at position 23")
    with pytest.raises(t.MetaException) as e:
        client.get_partitions_by_filter("sales", "orders", "month = 1", -1)
    assert e.value.message == "Specified key <month> is not a partitioning key for the table"
    with pytest.raises(t.MetaException) as e:
        client.get_partitions_by_expr(t.PartitionsByExprRequest(dbName="sales", tblName="orders", expr=b"\x01\x02"))
    assert e.value.message == "Failed to deserialize expression - ExprNodeDesc not present"
    transport.close()


def test_partition_changes(hms, metastore):
    t, _ = hms
    client, transport = connect(hms, metastore)
    client.create_database(sales_database(t))
    client.create_table(orders_table(t))
    client.add_partitions([orders_partition(t, i, 0) for i in range(5)])

    appended = client.append_partition("sales", "orders", ["2025-01-01", "7"])
    assert appended.values == ["2025-01-01", "7"]
    assert appended.sd.location == "s3://bucket/sales/orders/dt=2025-01-01/hr=7"
    assert appended.sd.cols == orders_table(t).sd.cols
    with pytest.raises(t.AlreadyExistsException) as e:
        client.append_partition("sales", "orders", ["2025-01-01", "7"])
    assert e.value.message == "Partition already exists:[2025-01-01, 7]"

    part = client.get_partition("sales", "orders", [day(1), "0"])
    part.parameters["numRows"] = "999"
    client.alter_partition("sales", "orders", part)
    assert client.get_partition("sales", "orders", [day(1), "0"]).parameters["numRows"] == "999"
    with pytest.raises(t.InvalidOperationException) as e:
        client.alter_partitions("sales", "orders", [orders_partition(t, 77, 0)])
    assert e.value.message == "alter is not possible"

    renamed = client.get_partition("sales", "orders", [day(2), "0"])
    renamed.values = ["2030-01-01", "0"]
    client.rename_partition("sales", "orders", [day(2), "0"], renamed)
    assert client.get_partition("sales", "orders", ["2030-01-01", "0"]).parameters == renamed.parameters
    assert client.get_partitions_by_filter("sales", "orders", "dt = '2030-01-01'", -1)[0].values == renamed.values
    assert client.get_partitions_by_filter("sales", "orders", f"dt = '{day(2)}'", -1) == []

    assert client.drop_partition("sales", "orders", [day(3), "0"], False) is True
    with pytest.raises(t.NoSuchObjectException) as e:
        client.drop_partition("sales", "orders", [day(3), "0"], False)
    assert e.value.message == f"partition values=[{day(3)}, 0]"

    dropped = client.drop_partitions_req(t.DropPartitionsRequest(
        dbName="sales", tblName="orders", parts=t.RequestPartsSpec(names=[f"dt={day(4)}/hr=0", "dt=x/hr=1"]),
        needResult=True))
    assert [p.values for p in dropped.partitions] == [[day(4), "0"]]
    with pytest.raises(t.NoSuchObjectException) as e:
        client.drop_partitions_req(t.DropPartitionsRequest(
            dbName="sales", tblName="orders", parts=t.RequestPartsSpec(names=["dt=x/hr=1"]), ifExists=False))
    assert e.value.message == "Some partitions to drop are missing"
    assert client.get_partition_names("sales", "orders", -1) == [
        f"dt={day(0)}/hr=0", f"dt={day(1)}/hr=0", "dt=2025-01-01/hr=7", "dt=2030-01-01/hr=0"]

    assert client.get_current_notificationEventId().eventId > 0
    assert client.set_ugi("alice", ["staff"]) == ["staff", "alice"]
    assert client.getMetaConf("hive.metastore.try.direct.sql") == "true"
    assert client.get_config_value("hive.unknown.key", "fallback") == "fallback"
    with pytest.raises(t.ConfigValSecurityException):
        client.get_config_value("javax.jdo.option.ConnectionPassword", "x")

    # Dropping the database cascades to its tables and partitions.
    client.drop_database("sales", True, True)
    assert client.get_all_databases() == ["default"]
    transport.close()


@pytest.mark.parametrize("framed", [False, True], ids=["buffered", "framed"])
def test_unknown_method_keeps_connection(hms, metastore, framed):
    client, transport = connect(hms, metastore, framed=framed)
    with pytest.raises(TApplicationException) as e:
        client.no_such_method_in_owlery("x")
    assert e.value.type == TApplicationException.UNKNOWN_METHOD
    assert e.value.message == "Invalid method name: 'no_such_method_in_owlery'"
    assert client.get_all_databases() == ["default"]
    transport.close()
    # The server logs a call after sending its reply, so the line may lag behind.
    wait_for_log(metastore, r"event=call method=get_all_databases .* result=ok")
    assert re.search(r"event=call method=no_such_method_in_owlery peer=127\.0\.0\.1:\d+ seqid=\d+ "
                     r"duration_us=\d+ result=UNKNOWN_METHOD", metastore.log())


def wait_for_log(server, pattern, timeout=10):
    deadline = time.time() + timeout
    while not re.search(pattern, server.log()):
        assert time.time() < deadline, f"no log line matching {pattern!r}:\n{server.log()[-2000:]}"
        time.sleep(0.02)


def test_garbage_input_closes_only_that_connection(hms, metastore):
    import socket
    with socket.create_connection(("127.0.0.1", metastore.port)) as s:
        s.sendall(b"\x80\x01\x00\x01\x7f\xff\xff\xffjunk")
        s.settimeout(10)
        assert s.recv(100) == b""
    client, transport = connect(hms, metastore)
    assert client.get_all_databases() == ["default"]
    transport.close()
    wait_for_log(metastore, "event=bad_request")


def test_kill9_keeps_acknowledged_table(hms, tmp_path):
    t, _ = hms
    server = Metastore(tmp_path / "data", tmp_path / "metastore.log").start()
    client, transport = connect(hms, server)
    client.create_database(sales_database(t))
    client.create_table(orders_table(t))
    client.add_partitions([orders_partition(t, i, 0) for i in range(3)])
    transport.close()
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL

    server.start()
    try:
        client, transport = connect(hms, server)
        got = client.get_table("sales", "orders")
        assert got.sd == orders_table(t).sd
        assert len(client.get_partitions("sales", "orders", -1)) == 3
        transport.close()
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("protocol", ["binary", "compact", "json"])
def test_codec_matches_python_for_table(hms, protocol):
    """owlery's codec re-encodes python3-thrift's bytes of a Table with all Hive field ids unchanged."""
    t, _ = hms
    protocols = {"binary": TBinaryProtocol.TBinaryProtocol, "compact": TCompactProtocol.TCompactProtocol,
                 "json": TJSONProtocol.TJSONProtocol}
    table = orders_table(t)
    table.createTime = 1700000000
    buf = TTransport.TMemoryBuffer()
    table.write(protocols[protocol](buf))
    data = buf.getvalue()
    assert TRANSCODER.exists(), f"{TRANSCODER} not found: build the project first or set OWLERY_BUILD"
    result = subprocess.run([str(TRANSCODER), "--transcode", protocol, protocol], input=data,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert result.stdout == data
    back = t.Table()
    back.read(protocols[protocol](TTransport.TMemoryBuffer(result.stdout)))
    assert back == table
