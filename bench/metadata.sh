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
#   - metadata_cold_get_table_metadata: the median of the first
#     GetTableMetadata on each of BENCH_METADATA_COLD catalogs whose
#     functions were created and never invoked, so each call includes
#     starting the instance.
#   - metadata_restart_get_table_metadata: the median of the first
#     GetTableMetadata after the warm instance of "ehms" was killed
#     (SIGKILL), BENCH_METADATA_COLD times. owlery serve has no idle
#     timeout for instances, so an instance that exits is the way to a
#     fresh one for a function that has already run.
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

# Kills the instance of function hms and waits until owlery serve logs that it stopped.
kill_instance() {
    pid=$(sed -n 's/.*event=function_instance_started function=hms version=[^ ]* instance=[^ ]* pid=\([0-9]*\).*/\1/p' \
        "$work/serve.log" | tail -n 1)
    stopped=$(grep -c "event=function_instance_stopped function=hms .* pid=$pid " "$work/serve.log" || true)
    if [ -z "$pid" ] || [ "$stopped" != 0 ]; then
        echo "metadata.sh: no running instance of function hms in $work/serve.log" >&2
        exit 1
    fi
    kill -KILL "$pid"
    tries=0
    until grep -q "event=function_instance_stopped function=hms .* pid=$pid " "$work/serve.log"; do
        tries=$((tries + 1))
        if [ $tries -ge 500 ]; then
            echo "metadata.sh: owlery serve did not log the stop of instance pid $pid within 10 s" >&2
            exit 1
        fi
        sleep 0.02
    done
}

restart=""
i=1
while [ "$i" -le "$cold_runs" ]; do
    kill_instance
    "$client" calls athena POST / "$work/get-ehms.json" >"$work/out"
    restart="$restart $(grep '^result call=0 ' "$work/out" | tr ' ' '\n' | sed -n 's/^ms=//p')"
    i=$((i + 1))
done
echo "GetTableMetadata ms after the instance was killed:$restart"

echo "metric metadata_warm_get_table_metadata_p50 $(bench_field p50_ms "$work/warm") ms <=1"
echo "metric metadata_warm_get_table_metadata_p99 $(bench_field p99_ms "$work/warm") ms <=5"
echo "metric metadata_warm_get_table_metadata_1client $(bench_field calls_per_s "$work/warm") calls/s -"
# shellcheck disable=SC2086 # space-separated numbers
echo "metric metadata_cold_get_table_metadata $(bench_median $cold) ms -"
# shellcheck disable=SC2086
echo "metric metadata_restart_get_table_metadata $(bench_median $restart) ms -"
