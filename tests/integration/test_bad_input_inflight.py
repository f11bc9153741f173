"""Bad input that arrives while requests are in flight, against the real socd binary:
a shared-memory region unregistered while a request uses it, the model unloaded while requests
are queued, a message over the configured maximum, a client that cancels mid-request.

Requests are held in the queue deterministically: the model batches with preferred size 2 and a
20 s delay, so a lone request waits (validated, holding its regions) until a second one comes."""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException
from tritonclient.utils import shared_memory as shm

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCD = os.environ["SOCD_BIN"]
SOCCTL = os.environ["SOCCTL_BIN"]
SHARED = os.environ["SOCD_SHARED_DIR"]
DENSE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "models",
                     "dense_batched", "1", "model.onnx")
HOLD = """max_batch_size: 8
dynamic_batching { preferred_batch_size: [ 2 ] max_queue_delay_microseconds: 20000000 }
"""


@pytest.fixture(scope="module")
def server():
    with open(DENSE, "rb") as f:
        model = f.read()
    repo = make_repo(os.path.join(SHARED, "models"), {"hold": (model, HOLD),
                                                       "alone": (model, "max_batch_size: 8\n")})
    s = Socd(SOCD, repo, ["--model-control-mode", "explicit", "--load-model", "*",
                          "--max-message-mb", "1"])
    yield s
    assert s.stop() == 0, s.logs()


def queue_depth(server, model):
    out = subprocess.run([SOCCTL, "--socket", server.sock, "--json", "status"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return sum(int(m.get("queue_depth", 0)) for m in json.loads(out)["models"]
               if m["name"] == model)


def wait_queued(server, model, n):
    deadline = time.time() + 60
    while queue_depth(server, model) != n:
        assert time.time() < deadline, "requests did not queue"
        time.sleep(0.02)


def x_input(x):
    inp = grpcclient.InferInput("INPUT", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    return inp


def reference(server, x):
    return server.client.infer("alone", [x_input(x)]).as_numpy("OUTPUT")


class Pending:
    """An async_infer whose result (or error) can be waited for."""

    def __init__(self, client, model, inputs, outputs=None):
        self.result, self.error, self.done = None, None, False
        self.ctx = client.async_infer(model, inputs, self._cb, outputs=outputs)

    def _cb(self, result, error):
        self.result, self.error, self.done = result, error, True

    def wait(self, timeout=60):
        deadline = time.time() + timeout
        while not self.done:
            assert time.time() < deadline, "the request never finished"
            time.sleep(0.01)
        return self


def test_region_unregistered_while_in_use_finishes_safely(server):
    """socd's choice: a request holds a reference to every region it resolved, so unregistering
    only takes effect when it finishes; it reads and writes the original mapping."""
    c = server.client
    x = np.arange(16, dtype=np.float32).reshape(1, 16) / 16
    hin = shm.create_shared_memory_region("inflight_in", "/socd_inflight_in", x.nbytes)
    hout = shm.create_shared_memory_region("inflight_out", "/socd_inflight_out", 32)
    try:
        shm.set_shared_memory_region(hin, [x])
        c.register_system_shared_memory("inflight_in", "/socd_inflight_in", x.nbytes)
        c.register_system_shared_memory("inflight_out", "/socd_inflight_out", 32)
        inp = grpcclient.InferInput("INPUT", [1, 16], "FP32")
        inp.set_shared_memory("inflight_in", x.nbytes)
        out = grpcclient.InferRequestedOutput("OUTPUT")
        out.set_shared_memory("inflight_out", 32)
        p = Pending(c, "hold", [inp], [out])
        wait_queued(server, "hold", 1)
        c.unregister_system_shared_memory("inflight_in")
        c.unregister_system_shared_memory("inflight_out")
        assert len(c.get_system_shared_memory_status().regions) == 0
        y = np.ones((1, 16), np.float32)
        partner = Pending(c, "hold", [x_input(y)]).wait()  # completes the batch of 2
        assert partner.error is None, partner.error
        assert p.wait().error is None, p.error
        got = shm.get_contents_as_numpy(hout, np.float32, [1, 8])
        np.testing.assert_array_equal(got, reference(server, x))
        np.testing.assert_array_equal(partner.result.as_numpy("OUTPUT"), reference(server, y))
        # Unregistered for new requests.
        with pytest.raises(InferenceServerException, match="not registered"):
            c.infer("hold", [inp], outputs=[out])
    finally:
        shm.destroy_shared_memory_region(hin)
        shm.destroy_shared_memory_region(hout)


def test_model_unloaded_while_requests_are_queued(server):
    c = server.client
    p = Pending(c, "hold", [x_input(np.ones((1, 16), np.float32))])
    wait_queued(server, "hold", 1)
    c.unload_model("hold")
    assert p.wait().error is not None
    assert "UNAVAILABLE" in str(p.error.status()) and "unloaded while the request was queued" in \
        p.error.message(), p.error
    assert c.is_server_live()
    c.load_model("hold")
    xs = [np.full((1, 16), v, np.float32) for v in (1, 2)]
    ps = [Pending(c, "hold", [x_input(x)]) for x in xs]
    for x, q in zip(xs, ps):
        assert q.wait().error is None, q.error
        np.testing.assert_array_equal(q.result.as_numpy("OUTPUT"), reference(server, x))


def test_oversized_message_is_resource_exhausted(server):
    big = np.zeros((8, 40000), np.float32)  # 1.2 MiB, over --max-message-mb 1
    inp = grpcclient.InferInput("INPUT", list(big.shape), "FP32")
    inp.set_data_from_numpy(big)
    with pytest.raises(InferenceServerException) as e:
        server.client.infer("alone", [inp])
    assert "RESOURCE_EXHAUSTED" in str(e.value.status()), e.value
    assert "larger than max" in e.value.message(), e.value
    reference(server, np.ones((1, 16), np.float32))  # and the daemon keeps serving


def test_client_cancels_mid_request(server):
    c = server.client

    def stats():
        st = c.get_inference_statistics("hold", as_json=True)["model_stats"][0]
        return int(st.get("execution_count", 0)), {
            int(b["batch_size"]): int(b["compute_infer"].get("count", 0))
            for b in st.get("batch_stats", [])}

    before_exec, before_sizes = stats()
    p = Pending(c, "hold", [x_input(np.full((1, 16), 7, np.float32))])
    wait_queued(server, "hold", 1)
    p.ctx.cancel()
    wait_queued(server, "hold", 0)  # the daemon noticed and dropped it from the queue
    p.wait()
    assert p.error is not None and "CANCELLED" in str(p.error.status()), p.error
    assert stats()[0] == before_exec  # the cancelled request was never run
    # The daemon keeps serving: the next two requests form a batch of 2 (not 3).
    xs = [np.full((1, 16), v, np.float32) for v in (3, 4)]
    ps = [Pending(c, "hold", [x_input(x)]) for x in xs]
    for x, q in zip(xs, ps):
        assert q.wait().error is None, q.error
        np.testing.assert_array_equal(q.result.as_numpy("OUTPUT"), reference(server, x))
    after_exec, after_sizes = stats()
    assert after_exec == before_exec + 1
    assert after_sizes.get(2, 0) == before_sizes.get(2, 0) + 1 and 3 not in after_sizes
