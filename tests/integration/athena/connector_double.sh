#!/bin/sh
# Test double of the metastore connector function: a custom-runtime
# bootstrap that serves the metastore function protocol from fixed files
# instead of a Hive metastore. It is not the real connector, which is built
# elsewhere in owlery; it only lets the Athena tests drive the metadata path.
#
# The handler ($_HANDLER) selects the behaviour:
#   serve    returns responses from $LAMBDA_TASK_ROOT/responses/ (below)
#   context  returns for getDatabase a Database whose description is
#            "PRINCIPAL ACCOUNT INVOCATION-ID" from the request context
#   spill    reports every call as spilled to
#            s3://spill-bucket/spill/FUNCTION/APINAME, a fixed key (the real
#            connector names the object after the invocation's request id)
#   fail     reports the function error MetaException: metastore unreachable
#
# Response files (apiResponse documents), by apiName:
#   listDatabases  responses/listDatabases[-NEXTTOKEN].json
#   getDatabase    responses/getDatabase-DB.json
#   listTables     responses/listTables-DB[-NEXTTOKEN].json
#   getTable       responses/getTable-DB-TABLE.json
#   listPartitions responses/listPartitions-DB-TABLE.json (one page)
# A missing file is the function error NoSuchObjectException.
set -u
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"

# Prints the string member $1 of the compact JSON request in $2.
member() {
    sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2"
}

fail() {
    curl -sS -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: $2" \
        "$api/invocation/$id/error" -d "{\"errorMessage\":\"$1\",\"errorType\":\"$2\"}"
}

while true; do
    headers=$(mktemp)
    body=$(mktemp)
    curl -sS -D "$headers" -o "$body" "$api/invocation/next" || exit 1
    id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '\r' | cut -d' ' -f2)
    name=$(member apiName "$body")
    db=$(member dbName "$body")
    table=$(member tableName "$body")
    token=$(member nextToken "$body")
    case "$_HANDLER" in
    serve)
        case "$name" in
        listDatabases) file="listDatabases${token:+-$token}" ;;
        getDatabase) file="getDatabase-$db" ;;
        listTables) file="listTables-$db${token:+-$token}" ;;
        getTable) file="getTable-$db-$table" ;;
        listPartitions) file="listPartitions-$db-$table" ;;
        *) file="unknown" ;;
        esac
        path="$LAMBDA_TASK_ROOT/responses/$file.json"
        if [ -f "$path" ]; then
            { printf '{"apiName":"%s","spilled":false,"spillPath":null,"apiResponse":' "$name"
              cat "$path"
              printf '}'; } >"$body.out"
            curl -sS -o /dev/null -X POST "$api/invocation/$id/response" --data-binary "@$body.out"
        else
            fail "no metastore object for $name $db $table" NoSuchObjectException
        fi
        ;;
    context)
        principal=$(member principal "$body")
        account=$(member account "$body")
        invocation=$(member id "$body")
        database="{\\\"1\\\":{\\\"str\\\":\\\"$db\\\"},\\\"2\\\":{\\\"str\\\":\\\"$principal $account $invocation\\\"}}"
        curl -sS -o /dev/null -X POST "$api/invocation/$id/response" \
            --data-binary "{\"apiName\":\"$name\",\"spilled\":false,\"spillPath\":null,\"apiResponse\":{\"database\":\"$database\"}}"
        ;;
    spill)
        curl -sS -o /dev/null -X POST "$api/invocation/$id/response" \
            --data-binary "{\"apiName\":\"$name\",\"spilled\":true,\"spillPath\":\"s3://spill-bucket/spill/$AWS_LAMBDA_FUNCTION_NAME/$name\",\"apiResponse\":null}"
        ;;
    fail)
        fail "metastore unreachable" MetaException
        ;;
    esac
    rm -f "$headers" "$body" "$body.out"
done
