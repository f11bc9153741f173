"""Triton's own Python client (tritonclient[grpc], unchanged) against the real socd binary."""
import os
import sys

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException
from tritonclient.utils import shared_memory as shm

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCD = os.environ["SOCD_BIN"]
SHARED = os.environ["SOCD_SHARED_DIR"]
MODELS = os.path.join(SHARED, "models")

SUM_CONFIG = """
name: "sum"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [ { name: "dense_input" data_type: TYPE_FP32 dims: [ 2 ] } ]
dynamic_batching { max_queue_delay_microseconds: 100 }
rate_limiter { priority: 1 }   # a Triton field socd does not model: warned, not fatal
"""


def load_pb(path):
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def sequence_output_model():
    """x -> SplitToSequence: a valid model whose output is a sequence (no KServe wire form)."""
    from onnx import TensorProto, helper
    g = helper.make_graph(
        [helper.make_node("SplitToSequence", ["x"], ["s"])], "seqout",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString()


@pytest.fixture(scope="module")
def server():
    repo = make_repo(MODELS, {
        "sum": ("velardo-sum-mlp.onnx", SUM_CONFIG),
        "mnist": ("mnist-8.onnx", None),  # no config.pbtxt: auto-completed from the model
        "broken": (b"not an onnx model", None),
        "seqout": (sequence_output_model(), None),
    })
    s = Socd(SOCD, repo, ["--model-control-mode", "explicit", "--load-model", "*"])
    yield s
    assert s.stop() == 0, s.logs()


def test_health_and_metadata(server):
    c = server.client
    assert c.is_server_live() and c.is_server_ready()
    md = c.get_server_metadata()
    assert md.name == "socd" and "system_shared_memory" in md.extensions
    mm = c.get_model_metadata("sum")
    assert mm.inputs[0].name == "dense_input" and mm.inputs[0].datatype == "FP32"
    assert list(mm.inputs[0].shape) == [-1, 2]
    cfg = c.get_model_config("mnist").config
    assert cfg.input[0].name == "Input3" and list(cfg.input[0].dims) == [1, 1, 28, 28]


def test_repository_index_shows_broken_model_with_reason(server):
    idx = {m.name: m for m in server.client.get_model_repository_index().models}
    assert idx["sum"].state == "READY" and idx["mnist"].state == "READY"
    assert idx["broken"].state == "UNAVAILABLE"
    assert "truncated or corrupt" in idx["broken"].reason
    assert not server.client.is_model_ready("broken")
    # The engine runs sequence values, but the protocol has no datatype for them.
    assert idx["seqout"].state == "UNAVAILABLE"
    assert "output 's' is a sequence(float32" in idx["seqout"].reason
    assert "KServe protocol cannot carry" in idx["seqout"].reason


def test_infer_raw_matches_reference(server):
    d = os.path.join(MODELS, "mnist-8", "test_data_set_0")
    x, want = load_pb(os.path.join(d, "input_0.pb")), load_pb(os.path.join(d, "output_0.pb"))
    inp = grpcclient.InferInput("Input3", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    r = server.client.infer("mnist", [inp])
    got = r.as_numpy(r.get_response().outputs[0].name)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


def test_infer_typed_contents(server):
    # tritonclient only sends raw bytes; build a typed-contents request at the protobuf level.
    from tritonclient.grpc import service_pb2
    req = service_pb2.ModelInferRequest(model_name="sum")
    t = req.inputs.add(name="dense_input", datatype="FP32", shape=[1, 2])
    t.contents.fp32_contents.extend([0.25, 0.5])
    resp = server.client._client_stub.ModelInfer(req)
    raw = np.frombuffer(resp.raw_output_contents[0], dtype=np.float32)
    inp = grpcclient.InferInput("dense_input", [1, 2], "FP32")
    inp.set_data_from_numpy(np.array([[0.25, 0.5]], dtype=np.float32))
    r = server.client.infer("sum", [inp])
    np.testing.assert_array_equal(raw, r.as_numpy(resp.outputs[0].name).ravel())


def test_system_shared_memory_in_and_out(server):
    c = server.client
    x = np.array([[0.1, 0.2], [0.3, 0.4]], dtype=np.float32)
    hin = shm.create_shared_memory_region("it_in", "/socd_it_in", x.nbytes)
    hout = shm.create_shared_memory_region("it_out", "/socd_it_out", 64)
    try:
        shm.set_shared_memory_region(hin, [x])
        c.register_system_shared_memory("it_in", "/socd_it_in", x.nbytes)
        c.register_system_shared_memory("it_out", "/socd_it_out", 64)
        status = c.get_system_shared_memory_status()
        assert {r for r in status.regions} >= {"it_in", "it_out"}
        inp = grpcclient.InferInput("dense_input", [2, 2], "FP32")
        inp.set_shared_memory("it_in", x.nbytes)
        out_name = c.get_model_metadata("sum").outputs[0].name
        out = grpcclient.InferRequestedOutput(out_name)
        out.set_shared_memory("it_out", 8)
        c.infer("sum", [inp], outputs=[out])
        got = shm.get_contents_as_numpy(hout, np.float32, [2, 1])
        ref_in = grpcclient.InferInput("dense_input", [2, 2], "FP32")
        ref_in.set_data_from_numpy(x)
        r = c.infer("sum", [ref_in])
        np.testing.assert_array_equal(got, r.as_numpy(out_name))
        # Out-of-bounds use of a registered region is refused with the region named.
        bad = grpcclient.InferInput("dense_input", [2, 2], "FP32")
        bad.set_shared_memory("it_in", x.nbytes, offset=8)
        with pytest.raises(InferenceServerException, match="it_in"):
            c.infer("sum", [bad])
    finally:
        c.unregister_system_shared_memory()
        shm.destroy_shared_memory_region(hin)
        shm.destroy_shared_memory_region(hout)
    with pytest.raises(InferenceServerException, match="not registered"):
        inp = grpcclient.InferInput("dense_input", [2, 2], "FP32")
        inp.set_shared_memory("it_in", x.nbytes)
        c.infer("sum", [inp])


def test_load_unload(server):
    c = server.client
    c.unload_model("sum")
    assert not c.is_model_ready("sum")
    with pytest.raises(InferenceServerException, match="not ready"):
        inp = grpcclient.InferInput("dense_input", [1, 2], "FP32")
        inp.set_data_from_numpy(np.zeros((1, 2), np.float32))
        c.infer("sum", [inp])
    c.load_model("sum")
    assert c.is_model_ready("sum")


@pytest.mark.parametrize("case", ["unknown_model", "wrong_name", "wrong_dtype", "wrong_shape",
                                  "wrong_size", "missing_input", "bad_output"])
def test_bad_requests_get_clear_errors(server, case):
    c = server.client
    x = np.zeros((1, 2), np.float32)
    model, name, dtype, arr, outputs = "sum", "dense_input", "FP32", x, None
    if case == "unknown_model":
        model, match = "nope", "unknown model 'nope'"
    elif case == "wrong_name":
        name, match = "bogus", "unexpected input 'bogus'"
    elif case == "wrong_dtype":
        dtype, arr, match = "FP64", x.astype(np.float64), "datatype FP64 but the model expects FP32"
    elif case == "wrong_shape":
        arr, match = np.zeros((1, 3), np.float32), "dimension 1 must be 2"
    elif case == "missing_input":
        match = "missing input 'Input3'"
        model = "mnist"
    elif case == "bad_output":
        outputs, match = [grpcclient.InferRequestedOutput("nope")], "unknown requested output 'nope'"
    if case == "wrong_size":
        from tritonclient.grpc import service_pb2
        req = service_pb2.ModelInferRequest(model_name="sum")
        req.inputs.add(name=name, datatype="FP32", shape=[1, 2])
        req.raw_input_contents.append(b"\0" * 4)  # 4 bytes for a [1,2] FP32 tensor
        with pytest.raises(Exception, match="holds 4 bytes"):
            c._client_stub.ModelInfer(req)
        assert c.is_server_live()
        return
    inp = grpcclient.InferInput(name, list(arr.shape), dtype)
    inp.set_data_from_numpy(arr)
    inputs = [] if case == "missing_input" else [inp]
    with pytest.raises(InferenceServerException, match=match):
        c.infer(model, inputs, outputs=outputs)
    assert c.is_server_live()  # and the daemon keeps serving
