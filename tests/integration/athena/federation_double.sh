#!/bin/sh
# Test double of a Query Federation SDK function: a custom-runtime bootstrap
# that responds to the metadata requests of a LAMBDA data catalog with fixed
# names, so the Athena tests can drive the LAMBDA catalog path.
#
#   ListSchemasRequest  -> schemas "sales", "ops" and "acct_ACCOUNT", where
#                          ACCOUNT is identity.account of the request
#   ListTablesRequest   -> schema "sales": two pages, [orders, customers]
#                          with nextToken "page2", then [items]; schema
#                          "ops": no tables; other schemas: the function
#                          error SchemaNotFoundException
#   GetTableRequest     -> table sales.orders: the Arrow schema below, with
#                          partition columns year, month and day; other
#                          tables: the function error TableNotFoundException;
#                          table sales.broken: a schema that is not base64
#   anything else       -> the function error UnsupportedOperationException
#
# The schema (year int, month int, day int, col3 string) is the one the
# Query Federation SDK's Java serializer wrote for its own serialization
# tests (athena-federation-sdk/src/test/resources/serde/v2), so the test
# checks owlery's Arrow reader against bytes that Arrow Java produced.
#
# A request whose catalogName is not $CATALOG_NAME gets the function error
# WrongCatalogException, so the tests see the catalog name sent.
set -u
arrow_schema="PAEAABAAAAAAAAoADgAGAA0ACAAKAAAAAAADABAAAAAAAQoADAAAAAgABAAKAAAACAAAAAgAAAAAAAAABAAAAMAAAAB0AAAAPAAAAAQAAABi////FAAAABQAAAAYAAAAAAAFARQAAAAAAAAAAAAAAAQABAAEAAAABAAAAGNvbDMAAAAAlv///xQAAAAUAAAAFAAAAAAAAgEYAAAAAAAAAAAAAACE////AAAAASAAAAADAAAAZGF5AMr///8UAAAAFAAAABQAAAAAAAIBGAAAAAAAAAAAAAAAuP///wAAAAEgAAAABQAAAG1vbnRoABIAGAAUABMAEgAMAAAACAAEABIAAAAUAAAAFAAAABwAAAAAAAIBIAAAAAAAAAAAAAAACAAMAAgABwAIAAAAAAAAASAAAAAEAAAAeWVhcgAAAAA="
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"

# Prints the string member $1 of the compact JSON request in $2.
member() {
    sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2"
}

respond() {
    curl -sS -o /dev/null -X POST "$api/invocation/$id/response" --data-binary "$1"
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
    type=$(member '@type' "$body")
    catalog=$(member catalogName "$body")
    account=$(member account "$body")
    schema=$(member schemaName "$body")
    token=$(member nextToken "$body")
    table=$(member tableName "$body")
    if [ "$catalog" != "${CATALOG_NAME:-lambda1}" ]; then
        fail "unexpected catalogName $catalog" WrongCatalogException
    else
        case "$type:$schema:$token" in
        ListSchemasRequest:*)
            respond "{\"@type\":\"ListSchemasResponse\",\"catalogName\":\"$catalog\",\"schemas\":[\"sales\",\"ops\",\"acct_$account\"]}" ;;
        ListTablesRequest:sales:)
            respond "{\"@type\":\"ListTablesResponse\",\"catalogName\":\"$catalog\",\"tables\":[{\"schemaName\":\"sales\",\"tableName\":\"orders\"},{\"schemaName\":\"sales\",\"tableName\":\"customers\"}],\"nextToken\":\"page2\"}" ;;
        ListTablesRequest:sales:page2)
            respond "{\"@type\":\"ListTablesResponse\",\"catalogName\":\"$catalog\",\"tables\":[{\"schemaName\":\"sales\",\"tableName\":\"items\"}],\"nextToken\":null}" ;;
        ListTablesRequest:ops:*)
            respond "{\"@type\":\"ListTablesResponse\",\"catalogName\":\"$catalog\",\"tables\":[],\"nextToken\":null}" ;;
        ListTablesRequest:*)
            fail "schema $schema not found" SchemaNotFoundException ;;
        GetTableRequest:sales:*)
            case "$table" in
            orders) encoded="\"$arrow_schema\"" ;;
            broken) encoded='"not base64!"' ;;
            *) encoded="" ;;
            esac
            if [ -n "$encoded" ]; then
                respond "{\"@type\":\"GetTableResponse\",\"catalogName\":\"$catalog\",\"tableName\":{\"schemaName\":\"sales\",\"tableName\":\"$table\"},\"schema\":$encoded,\"partitionColumns\":[\"year\",\"month\",\"day\"]}"
            else
                fail "table sales.$table not found" TableNotFoundException
            fi ;;
        *)
            fail "$type is not supported by this double" UnsupportedOperationException ;;
        esac
    fi
    rm -f "$headers" "$body"
done
