"""Black-box test of scripts/demo, the scenario `make demo` runs: it starts
its own owlery serve and owlery-metastore, drives them with the AWS CLI v2
and must end with exit status 0. The checks read the demo's printed output,
which is the transcript a user reads.

The sample data comes from the npm package vega-datasets (scripts/demo-data);
the npm registry is one of the two networks the project may use, so a failed
download fails the test."""

import json
import os
import subprocess
import sys

import pytest

from conftest import BIN

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("OWLERY_BUILD", os.path.join(ROOT, "build"))
# The function runs uninstrumented even under a sanitizer build, as in
# test_connector.py, because Lambda's address-space limit cannot hold the
# shadow memory of AddressSanitizer.
CONNECTOR_BUILD = os.environ.get("OWLERY_CONNECTOR_BUILD", BUILD)

FUNCTION_ARN = "arn:aws:lambda:us-east-1:111122223333:function:external-hms-service-new"
PERF1_TEST = "arn:aws:iam::444455556666:user/perf1-test"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Runs scripts/demo once; returns (CompletedProcess, work folder)."""
    data = subprocess.run([os.path.join(ROOT, "scripts", "demo-data")],
                          capture_output=True, text=True, timeout=300)
    assert data.returncode == 0, f"scripts/demo-data could not fetch vega-datasets: {data.stderr}"
    package = subprocess.run([os.path.join(ROOT, "scripts", "connector-zip"), CONNECTOR_BUILD],
                             capture_output=True, text=True, timeout=600)
    assert package.returncode == 0, package.stderr

    work = tmp_path_factory.mktemp("demo")
    env = dict(os.environ, OWLERY_BIN=BIN, OWLERY_DEMO_DIR=str(work),
               OWLERY_DEMO_DATA=data.stdout.strip(),
               OWLERY_CONNECTOR_ZIP=package.stdout.strip().splitlines()[-1])
    run = subprocess.run([os.path.join(ROOT, "scripts", "demo")], capture_output=True,
                         text=True, env=env, timeout=240, stdin=subprocess.DEVNULL)
    # pytest shows this captured transcript next to any failing test of the module.
    print(run.stdout)
    print(run.stderr, file=sys.stderr)
    return run, work


def command_output(stdout, command, occurrence=1):
    """Returns the indented output printed under the occurrence-th `$ ...` line containing command."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("$ ") and command in line]
    start = starts[occurrence - 1]
    output = []
    for line in lines[start + 1:]:
        if not line.startswith("    ") or line.startswith("    ("):
            break
        output.append(line[4:])
    return "\n".join(output)


def test_demo_exits_cleanly(demo):
    run, _ = demo
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "Demo finished in" in run.stdout


def test_demo_stops_its_processes(demo):
    _, work = demo
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                args = cmdline.read().decode(errors="replace")
        except OSError:
            continue
        if str(work) in args:
            leftovers.append(args.replace("\0", " "))
    assert leftovers == []


def test_demo_denied_before_add_permission(demo):
    run, _ = demo
    denied = (f"AccessDeniedException: User: {PERF1_TEST} is not authorized to perform: "
              f"lambda:InvokeFunction on resource: {FUNCTION_ARN}")
    assert denied in run.stdout
    assert run.stdout.index(denied) < run.stdout.index("lambda add-permission")
    assert "MetadataException" in command_output(run.stdout, "athena list-databases")


def test_demo_get_policy_document(demo):
    run, _ = demo
    response = json.loads(command_output(run.stdout, "lambda get-policy"))
    assert set(response) == {"Policy", "RevisionId"}
    assert json.loads(response["Policy"]) == {
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [{
            "Sid": "Id-ehms-invocation2",
            "Effect": "Allow",
            "Principal": {"AWS": PERF1_TEST},
            "Action": "lambda:InvokeFunction",
            "Resource": FUNCTION_ARN,
        }],
    }


def test_demo_metadata_after_grant(demo):
    run, _ = demo
    after = run.stdout[run.stdout.index("lambda add-permission"):]
    databases = command_output(after, "athena list-databases").splitlines()
    assert "vega\tvega-datasets 3.2.1 sample data" in databases

    tables = [line.split("\t") for line in
              command_output(after, "athena list-table-metadata").splitlines()]
    assert tables == [["airports", "EXTERNAL_TABLE", "7"],
                      ["flights", "EXTERNAL_TABLE", "5"],
                      ["flights_hourly", "EXTERNAL_TABLE", "5"],
                      ["flights_raw", "EXTERNAL_TABLE", "5"],
                      ["weather", "EXTERNAL_TABLE", "6"]]

    columns = command_output(after, "--table-name flights ").splitlines()
    assert columns == ["date\ttimestamp", "delay\tbigint", "distance\tbigint",
                       "origin\tstring", "destination\tstring"]


def test_demo_flights_partitioned_by_ctas(demo):
    run, _ = demo
    ctas = command_output(run.stdout, "AS SELECT date, delay").splitlines()
    assert [line.strip() for line in ctas[:3]] == ["rows", "---------", "3000000"]
    listing = command_output(run.stdout, "s3 ls s3://athena-test/lambda/dataset/flights/")
    assert [line.split()[-1] for line in listing.splitlines()] == [
        f"month={m}/" for m in range(1, 8)]


def test_demo_big_listing_spills(demo):
    run, _ = demo
    invoke = command_output(run.stdout, "lambda invoke").splitlines()
    summary = json.loads(invoke[-1])
    assert summary["spilled"] is True
    assert summary["spillPath"].startswith("s3://mybucket/spill/external-hms-service-new/")
    read_back = command_output(run.stdout, "s3 cp --no-progress s3://mybucket/spill/")
    assert "8760 partitions" in read_back


def test_demo_rainy_days_match_the_source_file(demo):
    """The weather query's answer, recomputed from seattle-weather.csv with the csv module."""
    run, _ = demo
    import collections
    import csv
    data = subprocess.run([os.path.join(ROOT, "scripts", "demo-data")], capture_output=True,
                          text=True, check=True).stdout.strip().splitlines()[-1]
    rainy, days = collections.Counter(), collections.Counter()
    with open(os.path.join(data, "seattle-weather.csv"), newline="") as f:
        for row in csv.DictReader(f):
            year = row["date"][:4]
            days[year] += 1
            rainy[year] += row["weather"] == "rain"
    expected = ["year\trainy_days\tdays"] + [f"{y}\t{rainy[y]}\t{days[y]}" for y in sorted(days)]
    results = command_output(run.stdout, "get-query-results", occurrence=2).splitlines()
    assert results == expected


def test_demo_worst_delay_airports_table(demo):
    run, _ = demo
    rows = [line.split("\t") for line in
            command_output(run.stdout, "get-query-results").splitlines()]
    assert rows[0] == ["iata", "name", "city", "state", "avg_departure_delay_min", "departures"]
    assert len(rows) == 11
    delays = [float(row[4]) for row in rows[1:]]
    assert delays == sorted(delays, reverse=True)
    assert all(int(row[5]) >= 100 for row in rows[1:])
