"""Black-box tests of `owlery sql` against a real `owlery serve`: statements
that need no table (SELECT of literals, VALUES, UNNEST) run through the
whole Athena path (StartQueryExecution, the query engine, the result file
in S3, GetQueryResults paging) with results in a bucket the consumer owns.
Settings come from a temporary AWS config, credentials file and
environment, never from the user's own ~/.aws."""

import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import CONSUMER, CONSUMER_KEY, OWLERY, client

BUCKET = "sql-results"
RESULTS = f"s3://{BUCKET}/q/"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def results(server):
    client(server, "s3", CONSUMER_KEY).create_bucket(Bucket=BUCKET)
    return server


def sql_env(tmp_path, server=None, key=CONSUMER_KEY, region="us-east-1", **extra):
    """The environment of an owlery sql run: no AWS_* from outside, HOME in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp_path / "home")
    os.makedirs(env["HOME"], exist_ok=True)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "aws-credentials")
    if key:
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = key
    if region:
        env["AWS_REGION"] = region
    if server:
        env["AWS_ENDPOINT_URL"] = server.endpoint
    env.update(extra)
    return env


def owlery_sql(env, *args, stdin=None):
    return subprocess.run([OWLERY, "sql", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120)


def summary(rows, region_results=RESULTS):
    """A regex for the lines owlery sql writes to stderr after a successful query."""
    noun = "row" if rows == 1 else "rows"
    return (rf"\({rows} {noun}\)\nquery ({UUID}): \d+\.\d{{3}} s, 0 B scanned, "
            rf"results in {re.escape(region_results)}\1\.csv\n")


# ---------------------------------------------------------------------------
# Results and formats
# ---------------------------------------------------------------------------

def test_select_prints_aligned_table(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "-e",
                     "SELECT 1 AS a, 'x' AS b, NULL AS c, 3.25 AS price")
    assert out.returncode == 0, out.stderr
    assert out.stdout == (" a | b | c | price\n"
                          "---+---+---+-------\n"
                          " 1 | x |   |  3.25\n")
    match = re.fullmatch(summary(1), out.stderr)
    assert match, out.stderr
    head = client(results, "s3", CONSUMER_KEY).head_object(Bucket=BUCKET,
                                                           Key=f"q/{match.group(1)}.csv")
    assert head["ContentLength"] > 0


def test_values_right_aligns_numbers(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "-e",
                     "SELECT n, s FROM (VALUES (1, 'h\u00e9llo'), (22, '\u65e5\u672c'),"
                     " (333, NULL)) AS t(n, s)")
    assert out.returncode == 0, out.stderr
    assert out.stdout == ("   n | s\n"
                          "-----+-------\n"
                          "   1 | h\u00e9llo\n"
                          "  22 | \u65e5\u672c\n"
                          " 333 |\n")
    assert re.fullmatch(summary(3), out.stderr), out.stderr


def test_csv_output_matches_athena_file(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "--output", "csv",
                     "-e", "SELECT 1 AS a, '' AS empty, NULL AS missing, 'say \"hi\"' AS quoted")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '"a","empty","missing","quoted"\n"1","",,"say ""hi"""\n'
    query_id = re.fullmatch(summary(1), out.stderr).group(1)
    stored = client(results, "s3", CONSUMER_KEY).get_object(Bucket=BUCKET, Key=f"q/{query_id}.csv")
    assert stored["Body"].read().decode() == out.stdout


def test_json_output_lines(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "--output", "json",
                     "-e", "SELECT 1 AS a, NULL AS b UNION ALL SELECT 2, 'x' ORDER BY a")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '{"a":"1","b":null}\n{"a":"2","b":"x"}\n'


def test_paging_past_1000_rows(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "--output", "csv",
                     "-e", "SELECT n FROM UNNEST(sequence(1, 2500)) AS t(n) ORDER BY n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ['"n"'] + [f'"{n}"' for n in range(1, 2501)]
    assert re.fullmatch(summary(2500), out.stderr), out.stderr
    # 2501 lines with the header row are three pages of at most 1000 rows.
    pages = re.findall(r"operation=GetQueryResults .* status=200", results.log())
    assert len(pages) == 3


def test_table_paging_keeps_alignment(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "-e",
                     "SELECT n FROM UNNEST(sequence(1, 1500)) AS t(n) ORDER BY n")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:3] == ["    n", "------", "    1"]
    assert lines[-1] == " 1500"
    assert len(lines) == 1502


# ---------------------------------------------------------------------------
# Statements: -e, -f, standard input
# ---------------------------------------------------------------------------

def test_execute_runs_each_statement(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "-e",
                     "SELECT 1 AS a; SELECT 'two;' AS b;")
    assert out.returncode == 0, out.stderr
    assert out.stdout == " a\n---\n 1\n\n b\n------\n two;\n"
    assert re.fullmatch(summary(1) + summary(1).replace(r"\1", r"\2"), out.stderr), out.stderr


def test_file_with_comments(results, tmp_path):
    script = tmp_path / "queries.sql"
    script.write_text("-- first; with a semicolon in a comment\n"
                      "SELECT 1 AS a;\n"
                      "/* second */\n"
                      "SELECT 2 AS b\n")
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "--output", "csv",
                     "-f", str(script))
    assert out.returncode == 0, out.stderr
    assert out.stdout == '"a"\n"1"\n"b"\n"2"\n'


def test_statements_from_standard_input(results, tmp_path):
    env = sql_env(tmp_path, results)
    out = owlery_sql(env, "--output-location", RESULTS, "--output", "csv",
                     stdin="SELECT 'piped' AS source;\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '"source"\n"piped"\n'
    out = owlery_sql(env, "--output-location", RESULTS, "--output", "csv", "-f", "-",
                     stdin="SELECT 'dash' AS source")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '"source"\n"dash"\n'


def test_stops_at_first_failure(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "--output", "csv",
                     "-e", "SELECT 1 AS a; SELEC 2; SELECT 3 AS c")
    assert out.returncode == 1
    assert out.stdout == '"a"\n"1"\n'
    assert out.stderr.endswith('failed: SYNTAX_ERROR: line 1:1: syntax error at or near '
                               '"SELEC"\n')
    assert '"c"' not in out.stdout


def test_missing_file(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "-f", str(tmp_path / "nope.sql"))
    assert out.returncode == 1
    assert out.stderr == f"owlery sql: cannot open {tmp_path / 'nope.sql'}: No such file or directory\n"


# ---------------------------------------------------------------------------
# Query context
# ---------------------------------------------------------------------------

def test_context_and_region_reach_the_query(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results, region="eu-central-1"), "--output-location",
                     RESULTS, "--catalog", "AwsDataCatalog", "--database", "default", "-e",
                     "SELECT 1 AS a")
    assert out.returncode == 0, out.stderr
    query_id = re.fullmatch(summary(1), out.stderr).group(1)
    athena = client(results, "athena", CONSUMER_KEY, region="eu-central-1")
    execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    assert execution["QueryExecutionContext"] == {"Catalog": "AwsDataCatalog",
                                                  "Database": "default"}
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["Query"] == "SELECT 1 AS a"


def test_workgroup_output_location(results, tmp_path):
    athena = client(results, "athena", CONSUMER_KEY)
    athena.create_work_group(Name="analysts", Configuration={
        "ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/analysts/"}})
    out = owlery_sql(sql_env(tmp_path, results), "--workgroup", "analysts", "-e", "SELECT 1 AS a")
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(summary(1, f"s3://{BUCKET}/analysts/"), out.stderr), out.stderr

    out = owlery_sql(sql_env(tmp_path, results), "--workgroup", "nope", "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr == "owlery sql: InvalidRequestException: WorkGroup nope is not found.\n"


# ---------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------

def test_syntax_error_exit_code_and_message(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "--output-location", RESULTS, "-e", "SELEC 1")
    assert out.returncode == 1
    assert out.stdout == ""
    assert re.fullmatch(rf'owlery sql: query {UUID} failed: SYNTAX_ERROR: line 1:1: syntax error '
                        rf'at or near "SELEC"\n', out.stderr), out.stderr


def test_missing_output_location(results, tmp_path):
    out = owlery_sql(sql_env(tmp_path, results), "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr == ("owlery sql: InvalidRequestException: No output location provided. An "
                          "output location is required either through the Workgroup result "
                          "configuration setting or as an API input.\n")


def test_unknown_access_key(results, tmp_path):
    env = sql_env(tmp_path, results, key=("AKIAUNKNOWN000000001", "whatever"))
    out = owlery_sql(env, "--output-location", RESULTS, "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr == ("owlery sql: UnrecognizedClientException: The security token included "
                          "in the request is invalid.\n")


def test_wrong_secret_key(results, tmp_path):
    env = sql_env(tmp_path, results, key=(CONSUMER_KEY[0], "not-the-secret"))
    out = owlery_sql(env, "--output-location", RESULTS, "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr == ("owlery sql: SignatureDoesNotMatch: The request signature we calculated "
                          "does not match the signature you provided. Check your AWS Secret "
                          "Access Key and signing method. Consult the service documentation for "
                          "details.\n")


def test_endpoint_not_listening(tmp_path):
    env = sql_env(tmp_path, None, AWS_ENDPOINT_URL="http://127.0.0.1:1")
    out = owlery_sql(env, "--output-location", RESULTS, "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr.startswith("owlery sql: StartQueryExecution failed: cannot reach "
                                 "http://127.0.0.1:1: "), out.stderr


def test_usage_errors(tmp_path):
    env = sql_env(tmp_path)
    out = owlery_sql(env, "-e", "SELECT 1", "-f", "x.sql")
    assert out.returncode == 2
    assert out.stderr == "owlery sql: -e and -f cannot be combined; choose one\n"
    out = owlery_sql(env, "--output", "xml", "-e", "SELECT 1")
    assert out.returncode == 2
    assert out.stderr == 'owlery sql: --output "xml" is not table, csv or json\n'
    out = owlery_sql(env, "--endpoint-url", "localhost:4566", "-e", "SELECT 1")
    assert out.returncode == 2
    assert out.stderr == ('owlery sql: endpoint URL "localhost:4566" is not of the form '
                          'http://host:port, such as http://127.0.0.1:4566\n')


def test_ctrl_c_stops_the_query(results, tmp_path):
    # Ten billion joined rows stream through the engine for minutes unless stopped.
    process = subprocess.Popen(
        [OWLERY, "sql", "--output-location", RESULTS, "-e",
         "SELECT count(*) FROM UNNEST(sequence(1, 100000)) AS a(x) "
         "CROSS JOIN UNNEST(sequence(1, 100000)) AS b(y)"],
        env=sql_env(tmp_path, results), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while "operation=GetQueryExecution" not in results.log() and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stdout == ""
    match = re.fullmatch(rf"owlery sql: query ({UUID}) cancelled\n", stderr)
    assert match, stderr
    athena = client(results, "athena", CONSUMER_KEY)
    deadline = time.time() + 30
    while time.time() < deadline:
        state = athena.get_query_execution(
            QueryExecutionId=match.group(1))["QueryExecution"]["Status"]["State"]
        if state not in ("QUEUED", "RUNNING"):
            break
        time.sleep(0.1)
    assert state == "CANCELLED"


# ---------------------------------------------------------------------------
# Settings: profiles, files, environment
# ---------------------------------------------------------------------------

def write_profiles(tmp_path, server):
    (tmp_path / "aws-config").write_text(
        "[default]\n"
        "region = us-east-1\n"
        "[profile perf-test-1]\n"
        "region = eu-central-1\n"
        f"endpoint_url = {server.endpoint}\n")
    (tmp_path / "aws-credentials").write_text(
        "[perf-test-1]\n"
        f"aws_access_key_id = {CONSUMER_KEY[0]}\n"
        f"aws_secret_access_key = {CONSUMER_KEY[1]}\n")


def test_profile_from_config_files(results, tmp_path):
    write_profiles(tmp_path, results)
    env = sql_env(tmp_path, key=None, region=None)
    out = owlery_sql(env, "--profile", "perf-test-1", "--output-location", RESULTS, "-e",
                     "SELECT 1 AS a")
    assert out.returncode == 0, out.stderr
    query_id = re.fullmatch(summary(1), out.stderr).group(1)
    # The profile's region decides where the query runs.
    athena = client(results, "athena", CONSUMER_KEY, region="eu-central-1")
    assert athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"][
        "State"] == "SUCCEEDED"


def test_profile_from_aws_profile_variable(results, tmp_path):
    write_profiles(tmp_path, results)
    env = sql_env(tmp_path, key=None, region=None, AWS_PROFILE="perf-test-1")
    out = owlery_sql(env, "--output-location", RESULTS, "--output", "csv", "-e", "SELECT 7 AS a")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '"a"\n"7"\n'


def test_profile_flag_overrides_environment_keys(results, tmp_path):
    write_profiles(tmp_path, results)
    env = sql_env(tmp_path, key=("AKIAUNKNOWN000000001", "whatever"), region=None)
    out = owlery_sql(env, "--profile", "perf-test-1", "--output-location", RESULTS, "-e",
                     "SELECT 1 AS a")
    assert out.returncode == 0, out.stderr
    # Without --profile the keys in the environment win, as in the AWS CLI.
    env["AWS_PROFILE"] = "perf-test-1"
    out = owlery_sql(env, "--output-location", RESULTS, "-e", "SELECT 1 AS a")
    assert out.returncode == 1
    assert "UnrecognizedClientException" in out.stderr


def test_unknown_profile(results, tmp_path):
    write_profiles(tmp_path, results)
    env = sql_env(tmp_path, key=None)
    out = owlery_sql(env, "--profile", "nope", "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr == (f'owlery sql: profile "nope" not found: {tmp_path / "aws-config"} has '
                          f'no [profile nope] section and {tmp_path / "aws-credentials"} has no '
                          '[nope] section\n')


def test_no_credentials(tmp_path):
    env = sql_env(tmp_path, key=None)
    out = owlery_sql(env, "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr == ("owlery sql: no credentials found: set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, or give profile \"default\" aws_access_key_id "
                          f"and aws_secret_access_key in {tmp_path / 'aws-credentials'}\n")


def test_no_region(tmp_path):
    env = sql_env(tmp_path, region=None)
    out = owlery_sql(env, "-e", "SELECT 1")
    assert out.returncode == 1
    assert out.stderr == ("owlery sql: no region: pass --region, set AWS_REGION, or add region "
                          f"to profile \"default\" in {tmp_path / 'aws-config'}\n")


def test_environment_only(results, tmp_path):
    env = sql_env(tmp_path, results, region=None, AWS_DEFAULT_REGION="us-east-1")
    out = owlery_sql(env, "--output-location", RESULTS, "--output", "csv", "-e", "SELECT 1 AS a")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '"a"\n"1"\n'


def test_default_files_under_home(results, tmp_path):
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {CONSUMER_KEY[0]}\n"
        f"aws_secret_access_key = {CONSUMER_KEY[1]}\n")
    (home / ".aws" / "config").write_text(
        f"[default]\nregion = us-east-1\nendpoint_url = {results.endpoint}\n")
    env = sql_env(tmp_path, key=None, region=None)
    del env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"]
    out = owlery_sql(env, "--output-location", RESULTS, "--output", "csv", "-e", "SELECT 1 AS a")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '"a"\n"1"\n'


# ---------------------------------------------------------------------------
# REPL on a terminal
# ---------------------------------------------------------------------------

class Terminal:
    """owlery sql on a pseudo-terminal, read until expected output arrives."""

    def __init__(self, args, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(OWLERY, [OWLERY, "sql", *args], env)
        self.output = b""

    def read_until(self, pattern, count=1, timeout=20):
        deadline = time.time() + timeout
        while self.output.count(pattern) < count and time.time() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    break
        assert self.output.count(pattern) >= count, self.output.decode(errors="replace")

    def type(self, text):
        os.write(self.fd, text.encode())

    def wait(self):
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_repl_runs_statements_and_keeps_history(results, tmp_path):
    env = sql_env(tmp_path, results, TERM="dumb")
    terminal = Terminal(["--output-location", RESULTS], env)
    terminal.read_until(b"owlery> ")
    terminal.type("SELECT 1 AS a,\r")
    terminal.read_until(b"     -> ")
    terminal.type("'x' AS b;\r")
    terminal.read_until(b"(1 row)")
    terminal.read_until(b"owlery> ", count=2)
    assert b" a | b\r\n---+---\r\n 1 | x\r\n" in terminal.output

    # Ctrl-C drops the statement being typed; the next one runs alone.
    terminal.type("SELECT 'dropped'")
    time.sleep(0.3)
    terminal.type("\x03")
    terminal.read_until(b"owlery> ", count=3)
    terminal.type("SELEC 1;\r")
    terminal.read_until(b"SYNTAX_ERROR")
    terminal.read_until(b"owlery> ", count=4)
    terminal.type("quit\r")
    assert terminal.wait() == 0

    history = (tmp_path / "home" / ".owlery_sql_history")
    assert oct(history.stat().st_mode & 0o777) == "0o600"
    lines = history.read_text().splitlines()
    assert lines[1:] == ["SELECT\\0401\\040AS\\040a,\\012'x'\\040AS\\040b;", "SELEC\\0401;"]


def test_progress_line_on_terminal(results, tmp_path):
    # About 0.5 s of engine time: long enough for GetQueryExecution to see RUNNING.
    terminal = Terminal(["--output-location", RESULTS, "-e",
                         "SELECT count(*) AS n FROM UNNEST(sequence(1, 20000)) AS a(x) "
                         "CROSS JOIN UNNEST(sequence(1, 20000)) AS b(y)"],
                        sql_env(tmp_path, results, TERM="dumb"))
    terminal.read_until(b"(1 row)")
    assert terminal.wait() == 0
    assert re.search(rb"\r\x1b\[KRUNNING  \d+\.\d s  0 B scanned", terminal.output), \
        terminal.output
    # The progress line is erased before the table is printed.
    assert b"\r\x1b[K         n\r\n-----------\r\n 400000000\r\n" in terminal.output


def test_ctrl_c_while_paging_prints_no_table(results, tmp_path):
    # A million rows are a thousand GetQueryResults pages, several seconds of paging.
    process = subprocess.Popen(
        [OWLERY, "sql", "--output-location", RESULTS, "-e",
         "SELECT n FROM UNNEST(sequence(1, 1000000)) AS t(n)"],
        env=sql_env(tmp_path, results), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while "operation=GetQueryResults" not in results.log() and time.time() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stdout == ""
    assert re.fullmatch(rf"owlery sql: reading the results of query {UUID} was interrupted\n",
                        stderr), stderr
