"""Fixtures for black-box tests: a real `owlery serve` on a free loopback
port with its own data directory, accounts created with `owlery account
create`, and helpers that drive it with Debian's AWS CLI v2 and boto3."""

import json
import os
import re
import signal
import subprocess
import time

import boto3
import botocore.config
import pytest

BIN = os.environ.get("OWLERY_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
OWLERY = os.path.join(BIN, "owlery")
AWS_CLI_V2 = "/usr/bin/aws"

PRODUCER = "111122223333"
CONSUMER = "444455556666"
PRODUCER_KEY = ("AKIAPRODUCER00000001", "producer-secret-0000000000000000000000001")
CONSUMER_KEY = ("AKIACONSUMER00000001", "consumer-secret-0000000000000000000000001")


class OwleryServer:
    """One `owlery serve` process; restart() keeps the data directory."""

    def __init__(self, data_dir, log_path):
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.process = None
        self.port = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        # Only this run's part of the log counts: a restart reuses the port.
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        listen = f"127.0.0.1:{self.port or 0}"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [OWLERY, "serve", "--data-dir", self.data_dir, "--listen", listen],
                stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"owlery serve exited with {self.process.returncode}:\n"
                                   + self.log())
            found = re.findall(r"event=listening address=127\.0\.0\.1:(\d+)",
                               self.log()[offset:])
            if found:
                self.port = int(found[-1])
                return self
            time.sleep(0.02)
        raise RuntimeError("owlery serve did not start listening within 20 s")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=20)
        return self.process.returncode if self.process else None

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def alive(self):
        return self.process.poll() is None

    def log(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", errors="replace")


def create_account(data_dir, account_id, key=None, name=None):
    args = [OWLERY, "account", "create", "--data-dir", str(data_dir), "--account-id", account_id]
    if key:
        args += ["--access-key-id", key[0], "--secret-access-key", key[1]]
    if name:
        args += ["--name", name]
    out = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def server(tmp_path):
    data_dir = tmp_path / "data"
    create_account(data_dir, PRODUCER, PRODUCER_KEY, name="producer")
    create_account(data_dir, CONSUMER, CONSUMER_KEY, name="consumer")
    srv = OwleryServer(data_dir, tmp_path / "serve.log").start()
    yield srv
    srv.stop()
    assert srv.process.returncode == 0, "owlery serve did not exit cleanly:\n" + srv.log()[-4000:]


def client(server, service, key, region="us-east-1"):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name=region,
        aws_access_key_id=key[0], aws_secret_access_key=key[1],
        config=botocore.config.Config(retries={"max_attempts": 1}))


def aws_cli(server, key, *args, region="us-east-1", cli=AWS_CLI_V2, tmp_env=None):
    """Runs an AWS CLI command against the server; returns CompletedProcess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": key[0],
        "AWS_SECRET_ACCESS_KEY": key[1],
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    })
    if tmp_env:
        env.update(tmp_env)
    return subprocess.run([cli, "--endpoint-url", server.endpoint, "--output", "json", *args],
                          capture_output=True, text=True, env=env, timeout=120)
