#!/bin/sh
# Custom-runtime bootstrap for the Lambda tests. It polls the Lambda Runtime
# API with curl and behaves according to the function's handler ($_HANDLER):
#   echo      returns the event unchanged and prints a log line
#   env       returns the Lambda environment variables as JSON
#   error     reports a function error through /invocation/ID/error
#   crash     exits with status 3 in the middle of an invocation
#   sleep     sleeps 5 seconds before answering
#   large     returns a 7000000-byte string (over the 6 MB response limit)
#   garbage   prints binary noise and sends malformed Runtime API calls, then answers
#   init-error  reports /init/error and exits
#   isolation   reports its uid and which paths under $PROBE_DATA_DIR it can read
set -u
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"

if [ "$_HANDLER" = "init-error" ]; then
    curl -sS -X POST "$api/init/error" -d '{"errorMessage":"init failed","errorType":"InitError"}'
    exit 1
fi

respond() {
    curl -sS -o /dev/null -X POST "$api/invocation/$id/response" --data-binary "$1"
}

while true; do
    headers=$(mktemp)
    body=$(mktemp)
    curl -sS -D "$headers" -o "$body" "$api/invocation/next" || exit 1
    id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '\r' | cut -d' ' -f2)
    case "$_HANDLER" in
    echo)
        echo "echo handler got request $id"
        respond "@$body"
        ;;
    whoami)
        # STS GetCallerIdentity signed with the instance's credentials (curl's own SigV4).
        curl -sS --aws-sigv4 "aws:amz:$AWS_REGION:sts" \
            --user "${AWS_ACCESS_KEY_ID:-none}:${AWS_SECRET_ACCESS_KEY:-none}" \
            -H "x-amz-security-token: ${AWS_SESSION_TOKEN:-}" \
            -d "Action=GetCallerIdentity&Version=2011-06-15" "$AWS_ENDPOINT_URL/" >"$body.xml"
        arn=$(sed -n 's:.*<Arn>\(.*\)</Arn>.*:\1:p' "$body.xml")
        printf '{"arn":"%s","key":"%s"}' "$arn" "${AWS_ACCESS_KEY_ID:-}" >"$body.out"
        respond "@$body.out"
        ;;
    env)
        printf '{"name":"%s","version":"%s","memory":"%s","region":"%s","default_region":"%s","handler":"%s","task_root":"%s","custom":"%s","endpoint":"%s","tmpdir":"%s","pwd":"%s","arn":"%s","deadline":"%s"}' \
            "$AWS_LAMBDA_FUNCTION_NAME" "$AWS_LAMBDA_FUNCTION_VERSION" \
            "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" "$AWS_REGION" "$AWS_DEFAULT_REGION" "$_HANDLER" \
            "$LAMBDA_TASK_ROOT" "${CUSTOM_SETTING:-}" "$AWS_ENDPOINT_URL" "$TMPDIR" "$(pwd)" \
            "$(grep -i '^Lambda-Runtime-Invoked-Function-Arn:' "$headers" | tr -d '\r' | cut -d' ' -f2)" \
            "$(grep -i '^Lambda-Runtime-Deadline-Ms:' "$headers" | tr -d '\r' | cut -d' ' -f2)" >"$body.out"
        respond "@$body.out"
        ;;
    isolation)
        state=denied
        cat "$PROBE_DATA_DIR/state.db" >/dev/null 2>&1 && state=readable
        listing=denied
        ls "$PROBE_DATA_DIR" >/dev/null 2>&1 && listing=readable
        code=denied
        cat "$LAMBDA_TASK_ROOT/bootstrap" >/dev/null 2>&1 && code=readable
        tmp=denied
        touch "$TMPDIR/probe" 2>/dev/null && tmp=writable
        printf '{"uid":"%s","state":"%s","listing":"%s","code":"%s","tmp":"%s"}' \
            "$(id -u)" "$state" "$listing" "$code" "$tmp" >"$body.out"
        respond "@$body.out"
        ;;
    error)
        curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: HandlerError' \
            "$api/invocation/$id/error" \
            -d '{"errorMessage":"something broke","errorType":"HandlerError"}'
        ;;
    crash)
        echo "crashing on purpose"
        exit 3
        ;;
    sleep)
        sleep 5
        respond '"slept"'
        ;;
    large)
        { printf '"'; head -c 7000000 /dev/zero | tr '\0' a; printf '"'; } >"$body.out"
        respond "@$body.out"
        ;;
    garbage)
        printf '\001\002\377garbage\n'
        curl -s -o /dev/null -X POST "$api/invocation/not-a-request/response" -d x
        curl -s -o /dev/null "$api/../../../etc/passwd"
        curl -s -o /dev/null -X POST "$api/invocation/next"
        curl -s -o /dev/null -X POST "$api/nonsense" -d '{'
        respond '{"survived":true}'
        ;;
    esac
    rm -f "$headers" "$body" "$body.out"
done
