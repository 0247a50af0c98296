#!/bin/sh
# Builds bench/bench_metastore.c against the libraries in build/ (run the
# normal cmake build first) and runs it against build/bin/owlery-metastore:
# partitions added per second, get_table calls per second from 4
# connections, and the server's resident memory with 100,000 partitions.
# Usage: bench/metastore.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OWLERY_BUILD:-$root/build}
for file in libowl_hms.a libowl_thrift.a libowl_common.a bin/owlery-metastore; do
    if [ ! -f "$build/$file" ]; then
        echo "metastore.sh: $build/$file not found: build the project first (cmake --build build)" >&2
        exit 1
    fi
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/src" "$root/bench/bench_metastore.c" \
    "$build/libowl_hms.a" "$build/libowl_store.a" "$build/libowl_thrift.a" "$build/libowl_common.a" \
    -lsqlite3 -lpthread -lm -o "$out"
"$out" "$build/bin/owlery-metastore"
