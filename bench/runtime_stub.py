"""Time a custom-runtime bootstrap's own cold start, without owlery serve.

Usage: runtime_stub.py BOOTSTRAP HMS_URIS EVENT_JSON RUNS

Serves a minimal Lambda Runtime API (2018-06-01) on a free 127.0.0.1 port:
GET /runtime/invocation/next returns EVENT_JSON once, and the response POST
is accepted with 202. For each of RUNS fresh processes it measures, from
just before the exec, the time to the first GET .../next (the function's
own start) and to the posted response of the first event. Prints one line
per run and "metric_own_start MS" and "metric_own_first_response MS", the
medians. Exits 1 when a run posts an error or times out after 10 s.
"""

import http.server
import os
import statistics
import subprocess
import sys
import threading
import time

bootstrap, hms_uris, event, runs = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])


class Run:
    """Timestamps of one bootstrap process, set by the handler thread."""

    def __init__(self):
        self.first_next = None
        self.response = None
        self.error = None
        self.served = False
        self.done = threading.Event()


current = Run()


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        run = current
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        if run.first_next is None:
            run.first_next = time.perf_counter()
        if run.served:
            # The event was served already: hold the poll until the process is killed.
            run.done.wait(20)
            return
        run.served = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Lambda-Runtime-Aws-Request-Id", "bench-request")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                         "arn:aws:lambda:us-east-1:111122223333:function:bench")
        self.send_header("Content-Length", str(len(event)))
        self.end_headers()
        self.wfile.write(event)

    def do_POST(self):
        run = current
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.endswith("/response"):
            run.response = time.perf_counter()
        else:
            run.error = body.decode(errors="replace")
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        run.done.set()


starts, firsts = [], []
for i in range(runs):
    # A server per run, so a late poll from the previous, killed process
    # cannot take this run's event.
    current = Run()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
           "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_REGION": "us-east-1", "HMS_URIS": hms_uris}
    started = time.perf_counter()
    process = subprocess.Popen([bootstrap], env=env, cwd=os.path.dirname(bootstrap),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finished = current.done.wait(10)
    process.kill()
    process.wait()
    if not finished or current.error is not None or current.response is None:
        print(f"runtime_stub: run {i}: no response within 10 s or an error: {current.error}",
              file=sys.stderr)
        sys.exit(1)
    starts.append((current.first_next - started) * 1e3)
    firsts.append((current.response - started) * 1e3)
    print(f"own run {i}: exec to first poll {starts[-1]:.2f} ms, "
          f"to first getTable response {firsts[-1]:.2f} ms")
    current.done.set()
    server.shutdown()
    server.server_close()

print(f"metric_own_start {statistics.median(starts):.2f}")
print(f"metric_own_first_response {statistics.median(firsts):.2f}")
