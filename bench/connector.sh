#!/bin/sh
# The connector function (owlery-hms-connector) against a real
# owlery-metastore holding one table, created with a Python client that
# `thrift --gen py` generates from tests/integration/hms/metastore.thrift.
#
# Figures:
#   - connector_own_start: the function's own cold start. The bootstrap
#     from the package (build/connector-package/bootstrap, the binary in
#     build/owlery-hms-connector.zip) is started by bench/runtime_stub.py,
#     a minimal Lambda Runtime API on loopback. The figure runs from the
#     exec to the function's first GET /runtime/invocation/next, so it
#     covers process start, dynamic linking and configuration.
#   - connector_own_first_gettable: from the exec to the posted response of
#     the first getTable, which adds connecting to the metastore and one
#     get_table call.
#   - connector_cold_first_gettable: through owlery serve, the first Invoke
#     of a freshly created function, from sending Invoke to its response.
#     It adds starting the instance in its sandbox and owlery's Invoke
#     path (owlery extracts the package at CreateFunction).
#   - connector_warm_gettable_p50/p99 and calls/s: getTable by Invoke on a
#     warm instance, end to end through owlery serve, from one client.
# Each cold figure is the median of BENCH_CONNECTOR_COLD starts.
#
# Environment: BENCH_CONNECTOR_COLD (5), BENCH_CONNECTOR_SECONDS (5).
set -eu
. "$(dirname "$0")/common.inc"

cold_runs=${BENCH_CONNECTOR_COLD:-5}
seconds=${BENCH_CONNECTOR_SECONDS:-5}
max_calls=2000000

bench_need bin/owlery-metastore
"$root/scripts/connector-zip" "$build" >"$work/zip.log"
package=$build/owlery-hms-connector.zip
bootstrap=$build/connector-package/bootstrap

: >"$work/metastore.log"
"$build/bin/owlery-metastore" --data-dir "$work/hms" --listen 127.0.0.1:0 >"$work/metastore.log" 2>&1 &
bench_pids="$bench_pids $!"
hms_port=$(bench_wait_port "$work/metastore.log")
hms_uris=thrift://127.0.0.1:$hms_port

mkdir "$work/py"
thrift --gen py -out "$work/py" "$root/tests/integration/hms/metastore.thrift"
PYTHONPATH="$work/py" /usr/bin/python3 - "$hms_port" <<'PY'
import sys
from owlery_hms import ThriftHiveMetastore
from owlery_hms.ttypes import Database, FieldSchema, SerDeInfo, StorageDescriptor, Table
from thrift.protocol import TBinaryProtocol
from thrift.transport import TSocket, TTransport

transport = TTransport.TBufferedTransport(TSocket.TSocket("127.0.0.1", int(sys.argv[1])))
transport.open()
hms = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
hms.create_database(Database("bench", "benchmark data", "s3://athena-test/bench", {}))
columns = [FieldSchema("id", "bigint", "row id"), FieldSchema("name", "string", None),
           FieldSchema("amount", "double", None), FieldSchema("ts", "timestamp", None)]
sd = StorageDescriptor(
    cols=columns, location="s3://athena-test/bench/events",
    inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    compressed=False, numBuckets=-1,
    serdeInfo=SerDeInfo("parquet", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", {}),
    bucketCols=[], sortCols=[], parameters={})
hms.create_table(Table(tableName="events", dbName="bench", owner="hadoop", createTime=1700000000,
                       lastAccessTime=0, retention=0, sd=sd,
                       partitionKeys=[FieldSchema("dt", "string", None)],
                       parameters={"EXTERNAL": "TRUE"}, tableType="EXTERNAL_TABLE"))
transport.close()
PY

payload='{"requestContext":{"requestId":"bench"},"apiName":"getTable","apiRequest":{"dbName":"bench","tableName":"events"}}'
printf '%s' "$payload" >"$work/payload.json"

# The function on its own, under the Runtime API stub.
/usr/bin/python3 "$root/bench/runtime_stub.py" "$bootstrap" "$hms_uris" "$payload" "$cold_runs" >"$work/own"
cat "$work/own"

# Through owlery serve.
bench_start_owlery
client=$work/bench_http
bench_build_client
zip_base64=$(base64 -w0 "$package")
role=arn:aws:iam::111122223333:role/lambda-exec

# Writes the CreateFunction request body for function $1 to $work/create-$1.json.
create_body() {
    printf '{"FunctionName":"%s","Runtime":"provided.al2023","Role":"%s","Handler":"bootstrap","Timeout":30,"Environment":{"Variables":{"HMS_URIS":"%s"}},"Code":{"ZipFile":"%s"}}' \
        "$1" "$role" "$hms_uris" "$zip_base64" >"$work/create-$1.json"
}

cold="" first_invoke=""
i=1
while [ "$i" -le "$cold_runs" ]; do
    create_body "hms$i"
    if ! "$client" calls lambda POST /2015-03-31/functions "$work/create-hms$i.json" \
        POST "/2015-03-31/functions/hms$i/invocations" "$work/payload.json" >"$work/out"; then
        echo "connector.sh: cold start of hms$i failed:" >&2
        cat "$work/out" >&2
        exit 1
    fi
    if ! grep -q '"tableDesc"' "$work/out"; then
        echo "connector.sh: the first getTable of hms$i returned no tableDesc:" >&2
        cat "$work/out" >&2
        exit 1
    fi
    cold="$cold $(bench_field total_ms "$work/out")"
    first_invoke="$first_invoke $(grep '^result call=1 ' "$work/out" | tr ' ' '\n' | sed -n 's/^ms=//p')"
    i=$((i + 1))
done
echo "through owlery serve, cold ms: CreateFunction to first getTable$cold; first Invoke alone$first_invoke"

invoke_path=/2015-03-31/functions/hms1/invocations
"$client" rate lambda POST "$invoke_path" "$work/payload.json" 1 1 "$max_calls" >/dev/null
"$client" rate lambda POST "$invoke_path" "$work/payload.json" 1 "$seconds" "$max_calls" >"$work/warm"
cat "$work/warm"
grep 'event=function_log.*event=invocation' "$work/serve.log" | tail -n 1 || true

echo "metric connector_own_start $(grep '^metric_own_start ' "$work/own" | cut -d' ' -f2) ms -"
echo "metric connector_own_first_gettable $(grep '^metric_own_first_response ' "$work/own" | cut -d' ' -f2) ms <=20"
# shellcheck disable=SC2086 # space-separated numbers
echo "metric connector_cold_first_gettable $(bench_median $first_invoke) ms <=20"
# shellcheck disable=SC2086
echo "metric connector_cold_create_to_first_gettable $(bench_median $cold) ms -"
echo "metric connector_warm_gettable_p50 $(bench_field p50_ms "$work/warm") ms <=1"
echo "metric connector_warm_gettable_p99 $(bench_field p99_ms "$work/warm") ms <=5"
echo "metric connector_warm_gettable_1client $(bench_field calls_per_s "$work/warm") calls/s -"
