"""Black-box tests of the query worker pool's settings: OWLERY_QUERY_WORKERS,
OWLERY_QUERY_QUEUE_MAX and OWLERY_QUERY_MEMORY_LIMIT in the environment of
owlery serve."""

import time

import botocore.exceptions
import pytest

from conftest import PRODUCER, PRODUCER_KEY, OwleryServer, client, create_account

RESULTS = "s3://query-results/pool/"
ENDLESS = "SELECT sum(a.range * b.range) AS n FROM range(1000000) a, range(1000000) b"


@pytest.fixture
def start_server(tmp_path, monkeypatch):
    """Returns a function that starts owlery serve with the given environment."""
    started = []

    def start(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        data_dir = tmp_path / "data"
        create_account(data_dir, PRODUCER, PRODUCER_KEY, name="producer")
        server = OwleryServer(data_dir, tmp_path / "serve.log").start()
        started.append(server)
        client(server, "s3", PRODUCER_KEY).create_bucket(Bucket="query-results")
        return server, client(server, "athena", PRODUCER_KEY)

    yield start
    for server in started:
        server.stop()


def start_query(athena, sql):
    return athena.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": RESULTS})["QueryExecutionId"]


def wait_state(athena, query_id, states, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in states:
            return execution
        time.sleep(0.02)
    raise AssertionError(f"query {query_id} did not reach {states} within {timeout} s")


def test_one_worker_and_queue_of_one(start_server):
    server, athena = start_server(OWLERY_QUERY_WORKERS="1", OWLERY_QUERY_QUEUE_MAX="1",
                                  OWLERY_QUERY_MEMORY_LIMIT="512MB")
    running = start_query(athena, ENDLESS)
    wait_state(athena, running, {"RUNNING"})
    queued = start_query(athena, "SELECT 1 AS one")
    assert athena.get_query_execution(QueryExecutionId=queued)["QueryExecution"]["Status"][
        "State"] == "QUEUED"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        start_query(athena, "SELECT 2 AS two")
    assert excinfo.value.response["Error"]["Code"] == "TooManyRequestsException"

    athena.stop_query_execution(QueryExecutionId=running)
    assert wait_state(athena, running, {"CANCELLED", "FAILED"})["Status"]["State"] == "CANCELLED"
    assert wait_state(athena, queued, {"SUCCEEDED", "FAILED"})["Status"]["State"] == "SUCCEEDED"
    assert "event=athena_query_pool_started workers=1 queue_max=1 memory_limit=512MB" \
        in server.log()


def test_memory_limit_fails_a_query_that_exceeds_it(start_server):
    _, athena = start_server(OWLERY_QUERY_MEMORY_LIMIT="64MB")
    query_id = start_query(athena, "SELECT count(*) AS n FROM (SELECT list(range) AS l "
                                   "FROM range(50000000)) WHERE len(l) > 0")
    execution = wait_state(athena, query_id, {"SUCCEEDED", "FAILED"}, timeout=120)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith("EXCEEDED_LOCAL_MEMORY_LIMIT: ")


def test_invalid_settings_fall_back_to_defaults(start_server):
    server, athena = start_server(OWLERY_QUERY_WORKERS="many", OWLERY_QUERY_MEMORY_LIMIT="lots")
    query_id = start_query(athena, "SELECT 1 AS one")
    assert wait_state(athena, query_id, {"SUCCEEDED", "FAILED"})["Status"]["State"] == "SUCCEEDED"
    log = server.log()
    assert ('event=athena_setting_invalid name=OWLERY_QUERY_WORKERS value="many" expected=1-64 '
            'used=2') in log
    assert 'event=athena_setting_invalid name=OWLERY_QUERY_MEMORY_LIMIT value="lots"' in log


def test_query_past_time_limit_fails(start_server):
    server, athena = start_server(OWLERY_QUERY_TIMEOUT_SECONDS="1")
    query_id = start_query(athena, ENDLESS)
    execution = wait_state(athena, query_id, {"SUCCEEDED", "FAILED", "CANCELLED"}, timeout=30)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == (
        "EXCEEDED_TIME_LIMIT: Query exceeded the maximum execution time of 1 seconds")
    assert f"event=athena_query_timed_out query_execution_id={query_id}" in server.log()
    # The worker is free again.
    query_id = start_query(athena, "SELECT 1 AS one")
    assert wait_state(athena, query_id, {"SUCCEEDED", "FAILED"})["Status"]["State"] == "SUCCEEDED"
