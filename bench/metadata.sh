#!/bin/sh
# Athena GetTableMetadata through a HIVE data catalog, end to end. owlery
# serve's Athena API invokes the connector function owlery-hms-connector
# (the package of scripts/connector-zip), which calls get_table on a real
# owlery-metastore over Thrift. bench/hive_setup.py sets the chain up.
#
# Figures:
#   - metadata_warm_get_table_metadata_p50/p99 and calls/s: one client
#     calling GetTableMetadata on catalog "ehms", whose function instance is
#     warm, for BENCH_METADATA_SECONDS.
#   - metadata_cold_get_table_metadata: the first GetTableMetadata on each
#     of BENCH_METADATA_COLD catalogs whose functions were created and
#     never invoked, so the call includes starting the instance; the
#     median of those calls.
#
# Environment: BENCH_METADATA_COLD (5), BENCH_METADATA_SECONDS (5).
set -eu
. "$(dirname "$0")/common.inc"

cold_runs=${BENCH_METADATA_COLD:-5}
seconds=${BENCH_METADATA_SECONDS:-5}
max_calls=2000000

bench_build_client
client=$work/bench_http
"$root/scripts/connector-zip" "$build" >"$work/zip.log"
bench_start_metastore
PYTHONPATH="$work/py" /usr/bin/python3 "$root/bench/hive_setup.py" metastore --port "$hms_port" \
    --thrift-py "$work/py"
bench_start_owlery
/usr/bin/python3 "$root/bench/hive_setup.py" aws --endpoint "$BENCH_ENDPOINT" --port "$hms_port" \
    --zip "$build/owlery-hms-connector.zip" --cold "$cold_runs"

# Writes the GetTableMetadata request for catalog $1 to $work/get-$1.json.
request_body() {
    printf '{"CatalogName":"%s","DatabaseName":"bench","TableName":"flights_parquet"}' "$1" \
        >"$work/get-$1.json"
}

export BENCH_TARGET=AmazonAthena.GetTableMetadata
cold=""
i=1
while [ "$i" -le "$cold_runs" ]; do
    request_body "ehms-cold-$i"
    if ! "$client" calls athena POST / "$work/get-ehms-cold-$i.json" >"$work/out" ||
        ! grep -q '"flights_parquet"' "$work/out"; then
        echo "metadata.sh: the first GetTableMetadata through ehms-cold-$i failed:" >&2
        cat "$work/out" >&2
        exit 1
    fi
    cold="$cold $(grep '^result call=0 ' "$work/out" | tr ' ' '\n' | sed -n 's/^ms=//p')"
    i=$((i + 1))
done
echo "cold GetTableMetadata ms:$cold"

request_body ehms
"$client" rate athena POST / "$work/get-ehms.json" 1 1 "$max_calls" >/dev/null
"$client" rate athena POST / "$work/get-ehms.json" 1 "$seconds" "$max_calls" >"$work/warm"
cat "$work/warm"

echo "metric metadata_warm_get_table_metadata_p50 $(bench_field p50_ms "$work/warm") ms <=1"
echo "metric metadata_warm_get_table_metadata_p99 $(bench_field p99_ms "$work/warm") ms <=5"
echo "metric metadata_warm_get_table_metadata_1client $(bench_field calls_per_s "$work/warm") calls/s -"
# shellcheck disable=SC2086 # space-separated numbers
echo "metric metadata_cold_get_table_metadata $(bench_median $cold) ms -"
