"""socctl (the admin CLI) against the real daemon: tables, --json, exit codes."""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCCTL = os.environ["SOCCTL_BIN"]
MODELS = os.path.join(os.environ["SOCD_SHARED_DIR"], "models")


@pytest.fixture(scope="module")
def server():
    repo = make_repo(MODELS, {"sum": ("velardo-sum-mlp.onnx", None),
                              "broken": (b"garbage", None)})
    s = Socd(os.environ["SOCD_BIN"], repo, ["--model-control-mode", "explicit",
                                            "--load-model", "*"])
    yield s
    assert s.stop() == 0


def socctl(server, *args):
    return subprocess.run([SOCCTL, "--socket", server.sock, *args], capture_output=True,
                          text=True, timeout=60)


def test_status_table_and_json(server):
    r = socctl(server, "status")
    assert r.returncode == 0, r.stderr
    assert "READY" in r.stdout and "cpu (" in r.stdout and "broken" in r.stdout
    j = json.loads(socctl(server, "--json", "status").stdout)
    models = {m["name"]: m for m in j["models"]}
    assert models["sum"]["state"] == "READY" and models["broken"]["state"] == "UNAVAILABLE"
    assert j["backends"][0]["kind"] == "cpu" and int(j["memory"]["rss_bytes"]) > 0


def test_infer_and_plan(server):
    r = socctl(server, "--json", "infer", "sum")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)["outputs"][0]
    assert out["datatype"] == "FP32" and out["shape"] == [1, 1]
    p = json.loads(socctl(server, "--json", "plan", "sum").stdout)
    assert p["partitions"][0]["backend"].startswith("cpu")
    assert "MatMul" in p["partitions"][0]["op_types"]


def test_failures_exit_non_zero_with_reason(server):
    r = socctl(server, "infer", "nope")
    assert r.returncode == 1 and "unknown model 'nope'" in r.stderr
    r = socctl(server, "plan", "broken")
    assert r.returncode == 1 and "not ready" in r.stderr
    r = socctl(server, "thermal", "set", "critical_temp_c=60")  # below the target (75)
    assert r.returncode == 1 and "INVALID_ARGUMENT" in r.stderr and "critical_temp_c" in r.stderr
    r = subprocess.run([SOCCTL, "--socket", "/nonexistent/socd.sock", "status"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3
    assert socctl(server, "frobnicate").returncode == 2


def test_thermal_policy_get_and_set(server):
    r = socctl(server, "thermal")
    assert r.returncode == 0 and "target 75.0 C" in r.stdout
    assert "no thermal governor acts on it yet" in r.stdout
    # Test daemons run as this (root) user, so this client is an admin; the unprivileged
    # refusal is in access_control_test.sh.
    r = socctl(server, "--json", "thermal", "set", "target_temp_c=72", "objective=battery")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["target_temp_c"] == 72 and got["objective"] == "battery"
    assert got["critical_temp_c"] == 90 and got["enforced"] is False  # unchanged / not yet
    for bad, field in (("objective=turbo", "objective"), ("resume_temp_c=80", "resume_temp_c"),
                       ("target_temp_c=500", "target_temp_c")):
        r = socctl(server, "thermal", "set", bad)
        assert r.returncode == 1 and "INVALID_ARGUMENT" in r.stderr and field in r.stderr, r.stderr
    st = socctl(server, "status")
    assert "thermal policy: target 72.0 C" in st.stdout and "no thermal governor" in st.stdout
    r = socctl(server, "thermal", "set", "target_temp_c=75", "objective=balanced")
    assert r.returncode == 0


def test_completion_script():
    r = subprocess.run([SOCCTL, "completion", "bash"], capture_output=True, text=True)
    assert r.returncode == 0 and "complete -F _socctl socctl" in r.stdout
