#!/bin/sh
# Builds bench/bench_policy.c against the libraries in build/ (run the normal
# cmake build first) and prints policy decisions per second of one core's CPU
# time, and per second of wall-clock time.
# Usage: bench/policy.sh [iterations]   (default 5,000,000)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OWLERY_BUILD:-$root/build}
for lib in libowl_iam.a libowl_common.a; do
    if [ ! -f "$build/$lib" ]; then
        echo "policy.sh: $build/$lib not found: build the project first (cmake --build build)" >&2
        exit 1
    fi
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cc -std=c11 -O2 -Wall -Wextra -Werror -I"$root/src" "$root/bench/bench_policy.c" \
    "$build/libowl_iam.a" "$build/libowl_common.a" -ljansson -lcrypto -lm -o "$out"
"$out" "$@"
