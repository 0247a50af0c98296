#!/bin/sh
# Athena queries through owlery serve against bare DuckDB on the same files,
# in the same run. Through owlery, each query runs the whole chain, driven
# by `bench_http query`. StartQueryExecution resolves the tables and their
# partitions through the HIVE catalog "ehms": the connector function
# owlery-hms-connector in front of a real owlery-metastore. The worker then
# lists and reads the data in owlery's S3 and writes the result CSV. The
# client polls GetQueryExecution every 0.5 ms until SUCCEEDED and reads the
# pages of GetQueryResults. Bare DuckDB is bench/bench_duckdb.c with the
# libduckdb.so that owlery links, reading the same local files.
#
# Data: flights-3m.parquet of vega-datasets (scripts/demo-data, 3,000,000
# rows), a copy as CSV partitioned by day (182 partitions, written by
# DuckDB), and its first 999 rows as one CSV file. The queries:
#   - aggregate: flights, mean delay and longest distance per origin (229
#     rows) over the Parquet file and over the partitioned CSV copy.
#   - small: all 999 rows of the small CSV, Start to the first page (999
#     rows and the header row fill one page of 1,000).
#   - large: BENCH_QUERY_LARGE_ROWS rows of the Parquet file, every page.
#   - pruned: count(*) of one partition of tables with 10,000 and 100,000
#     partitions (BENCH_QUERY_PARTITIONS), registered by add_partitions.
#     owlery sends the WHERE clause's partition filter to the metastore
#     (getPartitions), so only the matching partition comes back; the
#     time at 10,000 and 100,000 partitions shows that the query no longer
#     depends on the table's partition count.
# Each comparison alternates BENCH_QUERY_ROUNDS rounds of BENCH_QUERY_RUNS
# runs on each side (owlery first) and reports the median of the runs and
# the median of the per-round ratios. Both sides must return the same
# number of rows.
#
# Environment: BENCH_QUERY_ROUNDS (3), BENCH_QUERY_RUNS (3),
# BENCH_QUERY_SMALL_RUNS (20), BENCH_QUERY_LARGE_ROWS (1000000),
# BENCH_QUERY_PARTITIONS ("10000 100000").
set -eu
. "$(dirname "$0")/common.inc"

rounds=${BENCH_QUERY_ROUNDS:-3}
runs=${BENCH_QUERY_RUNS:-3}
small_runs=${BENCH_QUERY_SMALL_RUNS:-20}
large_rows=${BENCH_QUERY_LARGE_ROWS:-1000000}
partition_counts=${BENCH_QUERY_PARTITIONS:-10000 100000}

data=$("$root/scripts/demo-data")
parquet=$data/flights-3m.parquet
bench_build_client
bench_build_duckdb
client=$work/bench_http
duckdb=$work/bench_duckdb
"$root/scripts/connector-zip" "$build" >"$work/zip.log"

"$duckdb" exec "COPY (SELECT *, strftime(date, '%Y-%m-%d') AS dt FROM read_parquet('$parquet'))
    TO '$work/csv' (FORMAT csv, HEADER false, PARTITION_BY (dt))" >/dev/null
"$duckdb" exec "COPY (SELECT * FROM read_parquet('$parquet') ORDER BY date, origin, destination
    LIMIT 999) TO '$work/small.csv' (FORMAT csv, HEADER false)" >/dev/null

bench_start_metastore
start=$(date +%s.%N)
# shellcheck disable=SC2086 # space-separated counts
PYTHONPATH="$work/py" /usr/bin/python3 "$root/bench/hive_setup.py" metastore --port "$hms_port" \
    --thrift-py "$work/py" --csv-dir "$work/csv" --partitions $partition_counts
echo "metastore tables and partitions registered in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
bench_start_owlery
/usr/bin/python3 "$root/bench/hive_setup.py" aws --endpoint "$BENCH_ENDPOINT" --port "$hms_port" \
    --zip "$build/owlery-hms-connector.zip" --parquet "$parquet" --small "$work/small.csv" \
    --csv-dir "$work/csv"

results=s3://bench-results/athena/
# Like owlery's reader, bare DuckDB gets the dialect instead of sniffing it
# (the sniffer alone takes about 120 ms on this machine).
csv_options="header=false, auto_detect=false, delim=',', quote='', escape='',
    columns={'date':'TIMESTAMP','delay':'BIGINT','distance':'BIGINT','origin':'VARCHAR','destination':'VARCHAR'}"
aggregate="SELECT origin, count(*) AS flights, avg(delay) AS mean_delay, max(distance) AS max_distance"
aggregate_tail="GROUP BY origin ORDER BY flights DESC, origin"

# Runs comparison $1: owlery's query $2 ($3: "first" or "all" pages, $4
# runs) and bare DuckDB's $5, alternately for $rounds rounds. Checks that
# the row counts match and prints the metric lines. The owlery figure is
# field $7 of bench_http's result line, in ms, with target $6, and $8 is
# the target of the ratio.
compare() {
    name=$1
    printf '%s' "$2" >"$work/$name.sql"
    owlery_values="" duckdb_values="" ratios=""
    round=1
    while [ "$round" -le "$rounds" ]; do
        "$client" query "$work/$name.sql" ehms bench "$results" "$4" "$3" >"$work/$name.owlery"
        "$duckdb" time "$4" "$5" >"$work/$name.duckdb"
        echo "$name round $round: owlery $(grep '^result' "$work/$name.owlery"); duckdb $(grep '^result' "$work/$name.duckdb")"
        owlery_rows=$(bench_field rows "$work/$name.owlery")
        duckdb_rows=$(bench_field rows "$work/$name.duckdb")
        if [ "$owlery_rows" != "$duckdb_rows" ]; then
            echo "query.sh: $name returned $owlery_rows rows through owlery and $duckdb_rows in bare DuckDB" >&2
            exit 1
        fi
        owlery_ms=$(bench_field "$7" "$work/$name.owlery")
        duckdb_ms=$(bench_field p50_ms "$work/$name.duckdb")
        owlery_values="$owlery_values $owlery_ms"
        duckdb_values="$duckdb_values $duckdb_ms"
        ratios="$ratios $(awk -v a="$owlery_ms" -v b="$duckdb_ms" 'BEGIN { printf "%.3f", a / b }')"
        round=$((round + 1))
    done
    # shellcheck disable=SC2086 # space-separated numbers
    {
        echo "metric query_${name}_owlery $(bench_median $owlery_values) ms $6"
        echo "metric query_${name}_duckdb $(bench_median $duckdb_values) ms -"
        echo "metric query_${name}_owlery_vs_duckdb $(bench_median $ratios) ratio $8"
    }
}

compare flights_parquet_aggregate "$aggregate FROM flights_parquet $aggregate_tail" all "$runs" \
    "$aggregate FROM read_parquet('$parquet') $aggregate_tail" - total_p50_ms '<=1.2'
compare flights_csv_aggregate "$aggregate FROM flights_csv $aggregate_tail" all "$runs" \
    "$aggregate FROM read_csv('$work/csv/*/*.csv', hive_partitioning=true, $csv_options) $aggregate_tail" \
    - total_p50_ms -
compare small_999rows "SELECT * FROM small" first "$small_runs" \
    "SELECT * FROM read_csv('$work/small.csv', $csv_options)" '<=10' first_page_p50_ms -
echo "metric query_small_999rows_owlery_p99 $(bench_field first_page_p99_ms "$work/small_999rows.owlery") ms <=10"
echo "metric query_small_999rows_owlery_to_succeeded $(bench_field succeeded_p50_ms "$work/small_999rows.owlery") ms -"
compare "large_${large_rows}rows" "SELECT * FROM flights_parquet LIMIT $large_rows" all 1 \
    "SELECT * FROM read_parquet('$parquet') LIMIT $large_rows" - total_p50_ms -

for count in $partition_counts; do
    printf "SELECT count(*) AS n FROM parts_%s WHERE dt = '000042'" "$count" >"$work/pruned.sql"
    "$client" query "$work/pruned.sql" ehms bench "$results" "$runs" all >"$work/pruned"
    cat "$work/pruned"
    ms=$(bench_field total_p50_ms "$work/pruned")
    target=-
    [ "$count" = 100000 ] && target='<=50'
    echo "metric query_pruned_${count}partitions $ms ms $target"
    echo "metric query_pruned_${count}partitions_per_partition $(awk -v ms="$ms" -v n="$count" 'BEGIN { printf "%.2f", ms * 1000 / n }') us -"
done
