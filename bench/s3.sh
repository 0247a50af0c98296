#!/bin/sh
# S3 throughput of owlery serve against cp on the same disk, in one run:
#   - PUT and GET of one large object (default 1 GiB) by bench/bench_http.c
#     over loopback, with the body streamed from and to a file and signed
#     with UNSIGNED-PAYLOAD. The baselines are `cp` of the same file, and
#     `cp` followed by an fsync of the copy, because owlery fsyncs an
#     object before it acknowledges the PUT.
#   - PUT and GET of many small objects (default 10,000 of 1 KiB) from 8
#     keep-alive clients, against `cp -r` of a directory of as many files.
# The sides alternate, BENCH_S3_ROUNDS times, and each figure is the median
# of the rounds. owlery's data directory and the cp files are in one
# temporary directory, so both sides write to the same file system.
#
# Environment: BENCH_S3_MIB (1024), BENCH_S3_SMALL_COUNT (10000),
# BENCH_S3_SMALL_BYTES (1024), BENCH_S3_CLIENTS (8), BENCH_S3_ROUNDS (1).
set -eu
. "$(dirname "$0")/common.inc"

mib=${BENCH_S3_MIB:-1024}
small_count=${BENCH_S3_SMALL_COUNT:-10000}
small_bytes=${BENCH_S3_SMALL_BYTES:-1024}
clients=${BENCH_S3_CLIENTS:-8}
rounds=${BENCH_S3_ROUNDS:-1}

bench_build_client
bench_start_owlery
client=$work/bench_http

now() { date +%s.%N; }
rate() { awk -v mib="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.1f", mib / (t1 - t0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

head -c $((mib * 1048576)) /dev/urandom >"$work/big"
mkdir "$work/small"
head -c $((small_count * small_bytes)) /dev/urandom | split -b "$small_bytes" -a 6 -d - "$work/small/f"
small_mib=$(awk -v n="$small_count" -v b="$small_bytes" 'BEGIN { print n * b / 1048576 }')
"$client" calls s3 PUT /bench - >"$work/out" || { cat "$work/out" >&2; exit 1; }

put_big="" get_big="" cp_big="" cp_sync_big=""
put_small="" get_small="" cp_small=""
round=1
while [ "$round" -le "$rounds" ]; do
    # One large object: cp, cp with fsync, owlery PUT, owlery GET.
    t0=$(now); cp "$work/big" "$work/big-copy"; t1=$(now)
    cp_big="$cp_big $(rate "$mib" "$t0" "$t1")"
    rm -f "$work/big-copy"
    t0=$(now); cp "$work/big" "$work/big-copy"; sync "$work/big-copy"; t1=$(now)
    cp_sync_big="$cp_sync_big $(rate "$mib" "$t0" "$t1")"
    rm -f "$work/big-copy"

    "$client" put-file /bench/big "$work/big" >"$work/out"
    put_big="$put_big $(awk -v mib="$mib" -v s="$(bench_field seconds "$work/out")" 'BEGIN { printf "%.1f", mib / s }')"
    "$client" get-file /bench/big "$work/big-got" >"$work/out"
    get_big="$get_big $(awk -v mib="$mib" -v s="$(bench_field seconds "$work/out")" 'BEGIN { printf "%.1f", mib / s }')"
    if ! cmp -s "$work/big" "$work/big-got"; then
        echo "s3.sh: the object read back differs from the file written" >&2
        exit 1
    fi
    rm -f "$work/big-got"
    "$client" calls s3 DELETE /bench/big - >/dev/null

    # Many small objects: cp -r, owlery PUT from $clients clients, then GET.
    t0=$(now); cp -r "$work/small" "$work/small-copy"; t1=$(now)
    cp_small="$cp_small $(rate "$small_mib" "$t0" "$t1")"
    rm -rf "$work/small-copy"
    "$client" put-many "/bench/r$round/o" "$small_count" "$clients" "$small_bytes" >"$work/out"
    put_small="$put_small $(awk -v mib="$small_mib" -v s="$(bench_field seconds "$work/out")" 'BEGIN { printf "%.2f", mib / s }')"
    "$client" get-many "/bench/r$round/o" "$small_count" "$clients" >"$work/out"
    get_small="$get_small $(awk -v mib="$small_mib" -v s="$(bench_field seconds "$work/out")" 'BEGIN { printf "%.2f", mib / s }')"
    echo "round $round: ${mib} MiB object, MiB/s: put$put_big get$get_big cp$cp_big cp+fsync$cp_sync_big;" \
        "small objects, MiB/s: put$put_small get$get_small cp$cp_small"
    round=$((round + 1))
done

# shellcheck disable=SC2086 # the lists are space-separated numbers
{
    m_put_big=$(bench_median $put_big); m_get_big=$(bench_median $get_big)
    m_cp_big=$(bench_median $cp_big); m_cp_sync_big=$(bench_median $cp_sync_big)
    m_put_small=$(bench_median $put_small); m_get_small=$(bench_median $get_small)
    m_cp_small=$(bench_median $cp_small)
}
echo "metric s3_put_${mib}mib $m_put_big MiB/s >=1024"
echo "metric s3_get_${mib}mib $m_get_big MiB/s >=1024"
echo "metric cp_${mib}mib $m_cp_big MiB/s -"
echo "metric cp_fsync_${mib}mib $m_cp_sync_big MiB/s -"
echo "metric s3_put_${mib}mib_vs_cp_fsync $(ratio "$m_put_big" "$m_cp_sync_big") ratio -"
echo "metric s3_get_${mib}mib_vs_cp $(ratio "$m_get_big" "$m_cp_big") ratio -"
echo "metric s3_put_${small_count}x${small_bytes}b_${clients}clients $m_put_small MiB/s -"
echo "metric s3_get_${small_count}x${small_bytes}b_${clients}clients $m_get_small MiB/s -"
echo "metric cp_r_${small_count}x${small_bytes}b $m_cp_small MiB/s -"
echo "metric s3_put_small_vs_cp $(ratio "$m_put_small" "$m_cp_small") ratio -"
echo "metric s3_get_small_vs_cp $(ratio "$m_get_small" "$m_cp_small") ratio -"
