"""Model control mode poll through the real socd binary: the repository is rescanned every
--repository-poll-secs; new models load, changed ones reload (a change that does not load
leaves the old version serving), removed ones unload."""
import os
import shutil
import sys
import time

import numpy as np
import tritonclient.grpc as grpcclient

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCD = os.environ["SOCD_BIN"]
MODELS = os.path.join(os.environ["SOCD_SHARED_DIR"], "models")


def wait_for(what, cond, timeout=60):
    """Polls `cond` (the daemon scans every second; the timeout only bounds a hang)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting until " + what)


def infer_sum(c):
    inp = grpcclient.InferInput("dense_input", [1, 2], "FP32")
    inp.set_data_from_numpy(np.array([[1.0, 2.0]], np.float32))
    return c.infer("sum", [inp])


def test_poll_loads_reloads_and_unloads():
    repo = make_repo(MODELS, {"sum": ("velardo-sum-mlp.onnx", "max_batch_size: 4\n")})
    s = Socd(SOCD, repo, ["--model-control-mode", "poll", "--repository-poll-secs", "1"])
    c = s.client
    try:
        assert c.is_model_ready("sum")
        infer_sum(c)
        # A new model folder is loaded.
        os.makedirs(os.path.join(repo, "mnist", "1"))
        os.symlink(os.path.join(MODELS, "mnist-8.onnx"), os.path.join(repo, "mnist", "1", "model.onnx"))
        wait_for("mnist is loaded", lambda: c.is_model_ready("mnist"))
        # A changed config is picked up (reload).
        with open(os.path.join(repo, "sum", "config.pbtxt"), "w") as f:
            f.write("max_batch_size: 2\n")
        wait_for("sum is reloaded", lambda: c.get_model_config("sum").config.max_batch_size == 2)
        infer_sum(c)
        # A change that does not load keeps the loaded version serving.
        with open(os.path.join(repo, "sum", "config.pbtxt"), "w") as f:
            f.write("max_batch_size: 2\nplatform: \"tensorflow_savedmodel\"\n")
        wait_for("the failed reload is logged", lambda: "does not load" in s.logs())
        assert c.is_model_ready("sum")
        infer_sum(c)
        # A removed folder is unloaded and leaves the index.
        shutil.rmtree(os.path.join(repo, "mnist"))
        wait_for("mnist is unloaded", lambda: not c.is_model_ready("mnist"))
        names = {m.name for m in c.get_model_repository_index().models}
        assert "mnist" not in names and "sum" in names
        # Explicit load/unload stays an explicit-mode operation.
        try:
            c.unload_model("sum")
            raise AssertionError("unload was allowed in poll mode")
        except Exception as e:
            assert "explicit" in str(e)
    finally:
        assert s.stop() == 0, s.logs()
        shutil.rmtree(repo, ignore_errors=True)
