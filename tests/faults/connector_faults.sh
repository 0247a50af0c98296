#!/bin/sh
# Custom-runtime bootstrap for the fault suite: a metadata function that
# misbehaves on purpose. It polls the Lambda Runtime API with curl, and its
# handler ($_HANDLER) selects the fault:
#   crash     exits with status 3 in the middle of an invocation
#   hang      never responds, so the invocation runs into the function timeout
#   not-json  responds with a body that is not JSON (a truncated document)
#   slow      waits 0.3 s, then responds to getDatabase with a Database named
#             after the request's dbName
set -u
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"

respond() {
    curl -sS -o /dev/null -X POST "$api/invocation/$id/response" --data-binary "$1"
}

while true; do
    headers=$(mktemp)
    body=$(mktemp)
    curl -sS -D "$headers" -o "$body" "$api/invocation/next" || exit 1
    id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '\r' | cut -d' ' -f2)
    case "$_HANDLER" in
    crash)
        echo "crashing on purpose"
        exit 3
        ;;
    hang)
        sleep 3600
        ;;
    not-json)
        respond '{"apiName":"getTable","spilled":false,"apiResponse":{"tableDesc":'
        ;;
    slow)
        sleep 0.3
        db=$(sed -n 's/.*"dbName":"\([^"]*\)".*/\1/p' "$body")
        respond "{\"apiName\":\"getDatabase\",\"spilled\":false,\"spillPath\":null,\"apiResponse\":{\"database\":\"{\\\"1\\\":{\\\"str\\\":\\\"$db\\\"}}\"}}"
        ;;
    esac
    rm -f "$headers" "$body"
done
