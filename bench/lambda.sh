#!/bin/sh
# Lambda through owlery serve's Invoke API, with the C custom-runtime
# bootstrap of the integration tests (tests/integration/lambda/bootstrap.c,
# compiled here with cc -O2), driven by bench/bench_http.c:
#   - cold start: CreateFunction, then the first Invoke, on one keep-alive
#     connection. The figure runs from sending CreateFunction to receiving
#     the first successful Invoke response. It includes creating the
#     function, unpacking the package, starting the instance and one round
#     trip through the Runtime API. Median of BENCH_LAMBDA_COLD functions.
#   - warm Invoke latency p50/p99 from one client, and invocations per
#     second from 1 and 4 clients (each BENCH_LAMBDA_SECONDS long, after a
#     warm-up that starts 4 instances).
#
# Environment: BENCH_LAMBDA_COLD (5), BENCH_LAMBDA_SECONDS (5).
set -eu
. "$(dirname "$0")/common.inc"

cold_runs=${BENCH_LAMBDA_COLD:-5}
seconds=${BENCH_LAMBDA_SECONDS:-5}
max_calls=2000000

bench_build_client
bench_start_owlery
client=$work/bench_http

mkdir "$work/package"
cc -std=c11 -O2 -o "$work/package/bootstrap" "$root/tests/integration/lambda/bootstrap.c"
(cd "$work/package" && zip -q -X "$work/function.zip" bootstrap)
zip_base64=$(base64 -w0 "$work/function.zip")
role=arn:aws:iam::111122223333:role/lambda-exec
printf '{"hello":"world"}' >"$work/payload.json"

# Writes the CreateFunction request body for function $1 to $work/create-$1.json.
create_body() {
    printf '{"FunctionName":"%s","Runtime":"provided.al2023","Role":"%s","Handler":"bootstrap","Code":{"ZipFile":"%s"}}' \
        "$1" "$role" "$zip_base64" >"$work/create-$1.json"
}

cold="" first_invoke=""
i=1
while [ "$i" -le "$cold_runs" ]; do
    create_body "cold$i"
    if ! "$client" calls lambda POST /2015-03-31/functions "$work/create-cold$i.json" \
        POST "/2015-03-31/functions/cold$i/invocations" "$work/payload.json" >"$work/out"; then
        echo "lambda.sh: cold start of cold$i failed:" >&2
        cat "$work/out" >&2
        exit 1
    fi
    cold="$cold $(bench_field total_ms "$work/out")"
    first_invoke="$first_invoke $(grep '^result call=1 ' "$work/out" | tr ' ' '\n' | sed -n 's/^ms=//p')"
    i=$((i + 1))
done
echo "cold start ms (CreateFunction to first response):$cold; first Invoke alone:$first_invoke"

create_body warm
"$client" calls lambda POST /2015-03-31/functions "$work/create-warm.json" >"$work/out"
invoke_path=/2015-03-31/functions/warm/invocations
"$client" rate lambda POST "$invoke_path" "$work/payload.json" 4 1 "$max_calls" >/dev/null

"$client" rate lambda POST "$invoke_path" "$work/payload.json" 1 "$seconds" "$max_calls" >"$work/one"
cat "$work/one"
"$client" rate lambda POST "$invoke_path" "$work/payload.json" 4 "$seconds" "$max_calls" >"$work/four"
cat "$work/four"

# shellcheck disable=SC2086 # space-separated numbers
echo "metric lambda_cold_start_to_first_response $(bench_median $cold) ms -"
# shellcheck disable=SC2086
echo "metric lambda_cold_first_invoke $(bench_median $first_invoke) ms -"
echo "metric lambda_warm_invoke_p50 $(bench_field p50_ms "$work/one") ms -"
echo "metric lambda_warm_invoke_p99 $(bench_field p99_ms "$work/one") ms -"
echo "metric lambda_invokes_1client $(bench_field calls_per_s "$work/one") invokes/s -"
echo "metric lambda_invokes_4clients $(bench_field calls_per_s "$work/four") invokes/s -"
