#!/bin/sh
# Signed API calls per second against owlery serve and against moto server
# (python3 -m moto.server, moto 5, from the pyenv python3) in the same run.
# The calls are STS GetCallerIdentity (query protocol, POST /), Athena
# GetDataCatalog of a HIVE catalog (JSON 1.1 protocol), Lambda GetPolicy of
# a function with one permission (REST, GET) and S3 HeadObject of a 1 KiB
# object. Each runs from 1, 4 and 16 keep-alive clients, and the run with 1
# client also gives the sequential latency p50 and p99. bench/api_setup.py creates the
# catalog and the function on both servers. The client is
# bench/bench_http.c (C, libcurl, src/aws/sigv4.h signing every request),
# running on the same 2 cores as the server. For each operation and client
# count the two servers run back to back, owlery first.
#
# Environment: BENCH_API_SECONDS (2) per measurement, BENCH_API_CLIENTS
# ("1 4 16"), BENCH_MOTO_PYTHON (the python3 on PATH, which must import moto).
set -eu
. "$(dirname "$0")/common.inc"

seconds=${BENCH_API_SECONDS:-2}
client_counts=${BENCH_API_CLIENTS:-1 4 16}
moto_python=${BENCH_MOTO_PYTHON:-python3}
max_calls=2000000

if ! "$moto_python" -c 'import moto.server' 2>/dev/null; then
    echo "api.sh: $moto_python cannot import moto.server: install moto[server] 5 or set BENCH_MOTO_PYTHON" >&2
    exit 1
fi

bench_build_client
bench_start_owlery
client=$work/bench_http
owlery_endpoint=$BENCH_ENDPOINT

moto_port=$("$moto_python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$moto_python" -m moto.server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
bench_pids="$bench_pids $!"
moto_endpoint=http://127.0.0.1:$moto_port
i=0
until BENCH_ENDPOINT=$moto_endpoint "$client" calls s3 PUT /bench - >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -ge 200 ]; then
        echo "api.sh: moto server did not respond within 20 s:" >&2
        tail -n 20 "$work/moto.log" >&2
        exit 1
    fi
    sleep 0.1
done

head -c 1024 /dev/urandom >"$work/object"
printf 'Action=GetCallerIdentity&Version=2011-06-15' >"$work/sts.form"
printf '{"Name":"bench"}' >"$work/catalog.json"
"$client" calls s3 PUT /bench - >/dev/null
for endpoint in "$owlery_endpoint" "$moto_endpoint"; do
    BENCH_ENDPOINT=$endpoint "$client" calls s3 PUT /bench/object "$work/object" >/dev/null
    "$moto_python" "$root/bench/api_setup.py" "$endpoint"
done

# Runs one rate measurement against endpoint $1 with $2 clients for
# operation $3 and leaves its result line in $work/rate-$4 ($4 names the
# server); the result line also goes to stderr.
measure() {
    server=$4
    target=
    case $3 in
        sts) set -- "$1" "$2" sts POST / "$work/sts.form" ;;
        catalog)
            target=AmazonAthena.GetDataCatalog
            set -- "$1" "$2" athena POST / "$work/catalog.json"
            ;;
        policy) set -- "$1" "$2" lambda GET /2015-03-31/functions/bench-policy/policy - ;;
        head) set -- "$1" "$2" s3 HEAD /bench/object - ;;
    esac
    BENCH_ENDPOINT=$1 BENCH_TARGET=$target "$client" rate "$3" "$4" "$5" "$6" "$2" "$seconds" "$max_calls" >"$work/rate-$server"
    echo "$1 $3 $4 $5: $(grep '^result' "$work/rate-$server")" >&2
}

for operation in sts catalog policy head; do
    case $operation in
        sts) name=get_caller_identity ;;
        catalog) name=get_data_catalog ;;
        policy) name=get_policy ;;
        head) name=head_object ;;
    esac
    for clients in $client_counts; do
        measure "$owlery_endpoint" "$clients" "$operation" owlery
        measure "$moto_endpoint" "$clients" "$operation" moto
        owlery_rate=$(bench_field calls_per_s "$work/rate-owlery")
        moto_rate=$(bench_field calls_per_s "$work/rate-moto")
        target=-
        [ "$clients" = 16 ] && target='>=20000'
        echo "metric ${name}_owlery_${clients}clients $owlery_rate calls/s $target"
        echo "metric ${name}_moto_${clients}clients $moto_rate calls/s -"
        echo "metric ${name}_owlery_vs_moto_${clients}clients $(awk -v a="$owlery_rate" -v b="$moto_rate" 'BEGIN { printf "%.1f", a / b }') ratio >=20"
        if [ "$clients" = 1 ]; then
            for server in owlery moto; do
                echo "metric ${name}_${server}_sequential_p50 $(bench_field p50_ms "$work/rate-$server") ms -"
                echo "metric ${name}_${server}_sequential_p99 $(bench_field p99_ms "$work/rate-$server") ms -"
            done
        fi
    done
done
