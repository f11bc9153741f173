"""Dynamic batching through the real socd binary: concurrent requests on a model with
dynamic_batching are stacked into one execution (ModelStatistics batch_stats shows it) and every
request gets exactly the rows it would get running alone."""
import os
import sys
import threading

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCD = os.environ["SOCD_BIN"]
SHARED = os.environ["SOCD_SHARED_DIR"]
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "deploy", "models")
DENSE = os.path.join(EXAMPLES, "dense_batched", "1", "model.onnx")

# Preferred size 8 with a long delay: a batch runs exactly when 8 rows are queued, so the
# batches this test sees do not depend on timing (the delay only bounds a stalled straggler).
BATCHED = """
max_batch_size: 8
dynamic_batching { preferred_batch_size: [ 8 ] max_queue_delay_microseconds: 20000000 }
"""
ALONE = "max_batch_size: 8\n"  # same model, no dynamic batching: the unbatched reference


@pytest.fixture(scope="module")
def server():
    with open(DENSE, "rb") as f:
        model = f.read()
    repo = make_repo(os.path.join(SHARED, "models"), {"dense": (model, BATCHED),
                                                       "dense_alone": (model, ALONE)})
    s = Socd(SOCD, repo)
    yield s
    assert s.stop() == 0, s.logs()


def infer(client, model, x):
    inp = grpcclient.InferInput("INPUT", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    return client.infer(model, [inp]).as_numpy("OUTPUT")


def batch_stats(client, model):
    st = client.get_inference_statistics(model, as_json=True)["model_stats"][0]
    sizes = {int(b["batch_size"]): int(b["compute_infer"].get("count", 0))
             for b in st.get("batch_stats", [])}
    return st, sizes


def concurrently(server, model, inputs):
    """One thread and connection per input, all released at once; returns outputs or errors."""
    clients = [grpcclient.InferenceServerClient(server.url) for _ in inputs]
    barrier = threading.Barrier(len(inputs))
    out = [None] * len(inputs)

    def run(i):
        barrier.wait()
        try:
            out[i] = infer(clients[i], model, inputs[i])
        except InferenceServerException as e:
            out[i] = e

    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(inputs))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=120)
    for c in clients:
        c.close()
    return out


def test_concurrent_requests_share_one_execution_and_match_unbatched(server):
    rng = np.random.default_rng(3)
    c = server.client
    # 8 clients x 1 row, then 4 clients x 2 rows (rows split back correctly), each round 8 rows.
    rounds = [[rng.standard_normal((1, 16)).astype(np.float32) for _ in range(8)],
              [rng.standard_normal((2, 16)).astype(np.float32) for _ in range(4)]]
    for inputs in rounds:
        got = concurrently(server, "dense", inputs)
        for x, y in zip(inputs, got):
            assert not isinstance(y, Exception), y
            np.testing.assert_array_equal(y, infer(c, "dense_alone", x))
    st, sizes = batch_stats(c, "dense")
    assert sizes == {8: 2}, st
    assert int(st["execution_count"]) == 2 and int(st["inference_count"]) == 16, st
    assert int(st["inference_stats"]["success"]["count"]) == 12, st
    _, alone = batch_stats(c, "dense_alone")
    assert alone == {1: 8, 2: 4}  # without dynamic batching each request runs by itself


def test_a_bad_request_does_not_poison_the_batch(server):
    rng = np.random.default_rng(4)
    _, before = batch_stats(server.client, "dense")
    good = [rng.standard_normal((1, 16)).astype(np.float32) for _ in range(8)]
    bad = np.zeros((1, 15), np.float32)  # wrong shape: refused before it is queued
    got = concurrently(server, "dense", good + [bad])
    assert isinstance(got[-1], InferenceServerException) and "16" in str(got[-1])
    for x, y in zip(good, got[:-1]):
        assert not isinstance(y, Exception), y
        np.testing.assert_array_equal(y, infer(server.client, "dense_alone", x))
    _, after = batch_stats(server.client, "dense")
    assert after[8] == before[8] + 1


def test_bundled_example_model_batches_correctly():
    """deploy/models/dense_batched as shipped (2 ms delay): results and statistics agree
    whatever the batches turned out to be."""
    s = Socd(SOCD, EXAMPLES)
    try:
        rng = np.random.default_rng(5)
        inputs = [rng.standard_normal((1 + i % 3, 16)).astype(np.float32) for i in range(24)]
        got = concurrently(s, "dense_batched", inputs)
        w = ((np.arange(16 * 8, dtype=np.float32).reshape(16, 8) % 7) - 3) / 8
        b = (np.arange(8, dtype=np.float32) - 4) / 16
        for x, y in zip(inputs, got):
            assert not isinstance(y, Exception), y
            np.testing.assert_allclose(y, np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)
        st, sizes = batch_stats(s.client, "dense_batched")
        assert sum(sizes.values()) == int(st["execution_count"])
        assert sum(k * v for k, v in sizes.items()) == int(st["inference_count"]) == sum(
            len(x) for x in inputs)
        assert max(sizes) <= 8
    finally:
        assert s.stop() == 0, s.logs()
