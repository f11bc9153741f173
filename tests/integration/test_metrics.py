"""Prometheus metrics (HTTP, --metrics-port) and the grpc.health.v1 service of the real socd."""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import grpc
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCD = os.environ["SOCD_BIN"]
SHARED = os.environ["SOCD_SHARED_DIR"]
MODELS = os.path.join(SHARED, "models")
SOCTL = os.environ.get("SOCTL_BIN", os.path.join(os.path.dirname(SOCD), "socctl"))
# A model directory name needing label escaping (a quote and a backslash): the exposition
# must stay parseable whatever the operator named a folder.
ODD = 'q"uo\\te'

SUM_CONFIG = 'name: "sum"\nmax_batch_size: 8\n'
FAMILIES = {
    "socd_inference_request_success": "counter",
    "socd_inference_request_failure": "counter",
    "socd_inference_count": "counter",
    "socd_inference_exec_count": "counter",
    "socd_inference_request_duration_us": "counter",
    "socd_inference_queue_duration_us": "counter",
    "socd_inference_compute_input_duration_us": "counter",
    "socd_inference_compute_infer_duration_us": "counter",
    "socd_inference_compute_output_duration_us": "counter",
    "socd_queue_depth": "gauge",
    "socd_model_ready": "gauge",
    "socd_bytes_copied_total": "counter",
    "socd_backend_busy_us_total": "counter",
    "socd_backend_utilization": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_start_time_seconds": "gauge",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    repo = make_repo(MODELS, {
        "sum": ("velardo-sum-mlp.onnx", SUM_CONFIG),
        ODD: ("velardo-sum-mlp.onnx", None),
        "broken": (b"not an onnx model", None),
    })
    port = free_port()
    s = Socd(SOCD, repo, ["--metrics-port", str(port)])
    s.metrics_port = port
    yield s
    assert s.stop() == 0, s.logs()


def get(port, path="/metrics", method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r, body


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(text):
    """{(name, frozenset(labels.items())): value}, checking every line's syntax."""
    samples, helps, types = {}, set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        else:
            m = SAMPLE.match(line)
            assert m, "malformed sample line: %r" % line
            labels = {}
            if m.group(3):
                rest = m.group(3)
                for lm in LABEL.finditer(rest):
                    labels[lm.group(1)] = unescape(lm.group(2))
                assert LABEL.sub("", rest) == "", "malformed labels: %r" % line
            samples[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return samples, helps, types


def scrape(port):
    r, body = get(port)
    assert r.status == 200, body
    return parse(body)[0]


def val(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def sum_input(n=1, dtype=np.float32, wire="FP32"):
    inp = grpcclient.InferInput("dense_input", [n, 2], wire)
    inp.set_data_from_numpy(np.ones((n, 2), dtype=dtype))
    return inp


def test_prints_metrics_url(server):
    assert "socd metrics on http://127.0.0.1:%d/metrics" % server.metrics_port in server.logs()


def test_exposition_format_names_and_labels(server):
    r, body = get(server.metrics_port)
    assert r.status == 200
    assert r.getheader("Content-Type").startswith("text/plain; version=0.0.4")
    assert int(r.getheader("Content-Length")) == len(body.encode())
    samples, helps, types = parse(body)
    for name, kind in FAMILIES.items():
        assert name in helps and types.get(name) == kind, name
    assert val(samples, "socd_inference_request_success", model="sum", version="1") >= 0
    assert val(samples, "socd_queue_depth", model="sum", version="1") == 0
    # Escaped on the wire, the same name once parsed back.
    assert '{model="q\\"uo\\\\te",version="1"}' in body
    assert val(samples, "socd_inference_count", model=ODD, version="1") >= 0
    assert val(samples, "socd_model_ready", model="sum") == 1
    assert val(samples, "socd_model_ready", model=ODD) == 1
    assert val(samples, "socd_model_ready", model="broken") == 0
    assert ("socd_inference_count", frozenset({("model", "broken"), ("version", "1")})) \
        not in samples
    assert val(samples, "process_resident_memory_bytes") > 1 << 20
    assert abs(val(samples, "process_start_time_seconds") - time.time()) < 3600
    assert 0 <= val(samples, "socd_backend_utilization", backend="cpu")


def test_counters_move_with_requests(server):
    c = server.client
    before = scrape(server.metrics_port)
    for n in (1, 2, 3):
        c.infer("sum", [sum_input(n)])
    with pytest.raises(InferenceServerException):
        c.infer("sum", [sum_input(1, np.float64, "FP64")])  # wrong datatype
    after = scrape(server.metrics_port)

    def delta(name, **labels):
        return val(after, name, **labels) - val(before, name, **labels)

    m = dict(model="sum", version="1")
    assert delta("socd_inference_request_success", **m) == 3
    assert delta("socd_inference_request_failure", **m) == 1
    # As Triton: every row of a batched request is an inference (1 + 2 + 3 rows), while each
    # request here is one execution.
    assert delta("socd_inference_count", **m) == 6
    assert delta("socd_inference_exec_count", **m) == 3
    assert delta("socd_inference_request_duration_us", **m) > 0
    for part in ("queue", "compute_input", "compute_infer", "compute_output"):
        assert delta("socd_inference_%s_duration_us" % part, **m) >= 0
    # Phases never add up to more than the whole request.
    whole = val(after, "socd_inference_request_duration_us", **m)
    parts = sum(val(after, "socd_inference_%s_duration_us" % p, **m)
                for p in ("queue", "compute_input", "compute_infer", "compute_output"))
    assert parts <= whole + 4
    # Static-shape outputs are written by the kernels straight into the response message.
    assert delta("socd_bytes_copied_total") == 0
    assert delta("socd_backend_busy_us_total", backend="cpu") >= 0
    assert val(after, "socd_backend_busy_us_total", backend="cpu") >= \
        val(after, "socd_inference_compute_infer_duration_us", **m)
    # The other model's counters did not move.
    assert val(after, "socd_inference_count", model=ODD, version="1") == \
        val(before, "socd_inference_count", model=ODD, version="1")


def test_head_404_405(server):
    r, body = get(server.metrics_port, method="HEAD")
    assert r.status == 200 and body == "" and int(r.getheader("Content-Length")) > 100
    r, _ = get(server.metrics_port, "/metrics?x=1")
    assert r.status == 200
    for path in ("/", "/metric", "/metrics/x", "/v2/metrics"):
        r, _ = get(server.metrics_port, path)
        assert r.status == 404, path
    r, _ = get(server.metrics_port, method="POST")
    assert r.status == 405 and r.getheader("Allow") == "GET, HEAD"
    assert r.getheader("Connection") == "close"


def raw(port, data, shut=True, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        if data:
            s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                return out
            out += b
    finally:
        s.close()


def test_garbage_requests_do_not_hurt(server):
    p = server.metrics_port
    assert raw(p, b"\x00\xff\xfe garbage\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert raw(p, b"GET /metrics\r\n\r\n").startswith(b"HTTP/1.1 400 ")  # HTTP/0.9
    assert raw(p, b"GET /metrics SPDY/3\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    # Larger than 8 KiB without an end of head: 431, then the connection is closed.
    assert raw(p, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20000).startswith(b"HTTP/1.1 431 ")
    assert raw(p, b"").startswith(b"") is True  # connect and hang up at once
    assert raw(p, b"GET /metr").startswith(b"")  # half a request line, then EOF
    # A silent client does not block others (one thread, poll loop).
    idle = [socket.create_connection(("127.0.0.1", p)) for _ in range(3)]
    t0 = time.time()
    r, body = get(p)
    assert r.status == 200 and time.time() - t0 < 3
    # ... and is answered 408 and dropped after the read timeout.
    idle[0].settimeout(15)
    assert idle[0].recv(100).startswith(b"HTTP/1.1 408 ")
    for s in idle:
        s.close()
    # Plain newlines instead of CRLF are accepted too.
    assert raw(p, b"GET /metrics HTTP/1.0\n\n").startswith(b"HTTP/1.1 200 OK")
    assert server.proc.poll() is None
    assert get(p)[0].status == 200


def test_more_clients_than_connection_slots(server):
    p = server.metrics_port
    idle = [socket.create_connection(("127.0.0.1", p)) for _ in range(40)]
    try:
        # Slots free up when idle clients time out (5 s); the scrape waits in the backlog.
        r, _ = get(p)
        assert r.status == 200
    finally:
        for s in idle:
            s.close()
    assert server.proc.poll() is None


def health_check(sock, service=""):
    ch = grpc.insecure_channel("unix:" + sock)
    try:
        check = ch.unary_unary("/grpc.health.v1.Health/Check")
        name = service.encode()
        # HealthCheckRequest{service = 1}; hand-encoded: grpcio-health-checking may be absent.
        req = b"" if not name else b"\x0a" + bytes([len(name)]) + name
        return check(req, timeout=10)
    finally:
        ch.close()


def test_grpc_health_serving(server):
    assert health_check(server.sock) == b"\x08\x01"  # status: SERVING
    assert health_check(server.sock, "inference.GRPCInferenceService") == b"\x08\x01"
    with pytest.raises(grpc.RpcError) as e:
        health_check(server.sock, "no.such.Service")
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.skipif(not os.path.exists(SOCTL), reason="socctl not built next to socd")
def test_socctl_metrics(server):
    p = str(server.metrics_port)
    out = subprocess.run([SOCTL, "metrics", "--metrics-port", p], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "# TYPE socd_inference_request_success counter" in out.stdout
    out = subprocess.run([SOCTL, "--json", "metrics", "--metrics-port", p],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    samples = json.loads(out.stdout)
    ready = {s["labels"]["model"]: s["value"] for s in samples if s["name"] == "socd_model_ready"}
    assert ready == {"sum": 1, ODD: 1, "broken": 0}
    # Nothing listening: exit status 3, like an unreachable daemon.
    out = subprocess.run([SOCTL, "metrics", "--metrics-port", str(free_port())],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 3 and "cannot connect" in out.stderr


def test_backend_busy_time_survives_unload():
    repo = make_repo(MODELS, {"sum": ("velardo-sum-mlp.onnx", SUM_CONFIG)})
    port = free_port()
    s = Socd(SOCD, repo, ["--metrics-port", str(port), "--model-control-mode", "explicit",
                          "--load-model", "sum"])
    try:
        busy = lambda: val(scrape(port), "socd_backend_busy_us_total", backend="cpu")  # noqa
        for _ in range(20):
            s.client.infer("sum", [sum_input(8)])
        first = busy()
        assert first == val(scrape(port), "socd_inference_compute_infer_duration_us",
                            model="sum", version="1")
        s.client.unload_model("sum")
        after_unload = scrape(port)
        assert val(after_unload, "socd_model_ready", model="sum") == 0
        assert ("socd_inference_count", frozenset({("model", "sum"), ("version", "1")})) \
            not in after_unload
        assert busy() == first  # the counter does not go back with the model's statistics
        s.client.load_model("sum")
        for _ in range(20):
            s.client.infer("sum", [sum_input(8)])
        again = val(scrape(port), "socd_inference_compute_infer_duration_us",
                    model="sum", version="1")
        assert abs(busy() - (first + again)) <= 1  # microsecond rounding
    finally:
        assert s.stop() == 0, s.logs()
