"""Which backend a repository model is served by: Triton's instance_group kind and socd's own
config section (allowed_backends, memory_budget_bytes, variants), against the real daemon with
real Vulkan (lavapipe on machines without a GPU)."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import tritonclient.grpc as grpcclient

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCCTL = os.environ["SOCCTL_BIN"]
MODELS = os.path.join(os.environ["SOCD_SHARED_DIR"], "models")
LAVAPIPE = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
SUM = "velardo-sum-mlp.onnx"


@pytest.fixture(scope="module")
def server():
    if os.path.exists(LAVAPIPE):
        os.environ.setdefault("VK_ICD_FILENAMES", LAVAPIPE)
    os.environ.setdefault("SOCD_CACHE_DIR", tempfile.mkdtemp(prefix="socd-bc-cache-"))
    repo = make_repo(MODELS, {
        "gpu": (SUM, "instance_group [{ kind: KIND_GPU }]\n"),
        "gpu_cpu_only": (SUM, 'instance_group [{ kind: KIND_GPU }]\n'
                              'socd { allowed_backends: "cpu" }\n'),
        "cpu": (SUM, "instance_group [{ kind: KIND_CPU }]\n"),
        "auto": (SUM, None),
        "over_budget": (SUM, "socd { memory_budget_bytes: 64 }\n"),
        "in_budget": (SUM, "socd { memory_budget_bytes: 1048576 }\n"),
        "bad_variant": (SUM, 'socd { variants { name: "small" filename: "missing.onnx" } }\n'),
        "bad_backend": (SUM, 'socd { allowed_backends: "tpu" }\n'),
    })
    s = Socd(os.environ["SOCD_BIN"], repo)
    yield s
    assert s.stop() == 0


def status(server):
    r = subprocess.run([SOCCTL, "--socket", server.sock, "--json", "status"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return {m["name"]: m for m in json.loads(r.stdout)["models"]}


def infer(server, model):
    inp = grpcclient.InferInput("dense_input", [1, 2], "FP32")
    inp.set_data_from_numpy(np.array([[0.25, -1.5]], dtype=np.float32))
    res = server.client.infer(model, [inp])
    return res.as_numpy(res.get_response().outputs[0].name)


def test_instance_group_kinds_pick_the_backend(server):
    m = status(server)
    assert m["gpu"]["state"] == "READY" and m["gpu"]["backend"] == "vulkan", m["gpu"]
    assert m["cpu"]["backend"] == "cpu" and m["auto"]["backend"] == "cpu"
    # allowed_backends narrows what KIND_GPU would choose.
    assert m["gpu_cpu_only"]["backend"] == "cpu"
    # The table shows it too.
    r = subprocess.run([SOCCTL, "--socket", server.sock, "status"], capture_output=True,
                       text=True, timeout=60)
    assert "BACKEND" in r.stdout and "vulkan" in r.stdout


def test_gpu_model_answers_like_the_cpu_one(server):
    np.testing.assert_allclose(infer(server, "gpu"), infer(server, "cpu"), rtol=1e-5, atol=1e-6)


def test_memory_budget(server):
    m = status(server)
    assert m["in_budget"]["state"] == "READY"
    assert 0 < int(m["in_budget"]["memory_bytes"]) <= 1048576
    assert m["over_budget"]["state"] == "UNAVAILABLE"
    assert "memory_budget_bytes 64" in m["over_budget"]["reason"], m["over_budget"]


def test_bad_socd_sections_are_clear_errors(server):
    m = status(server)
    assert m["bad_variant"]["state"] == "UNAVAILABLE"
    assert "missing.onnx" in m["bad_variant"]["reason"]
    assert m["bad_backend"]["state"] == "UNAVAILABLE"
    assert "allowed_backends names 'tpu'" in m["bad_backend"]["reason"]
    # The rest of the repository keeps serving.
    assert infer(server, "auto").shape == (1, 1)
