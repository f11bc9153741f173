"""BYTES (string) tensors end to end against the real socd binary: Triton's client sends
np.object_ arrays (raw length-prefixed contents), typed bytes_contents and system shared memory;
socd answers with BYTES outputs; malformed BYTES payloads get INVALID_ARGUMENT naming the input
and element, and the daemon keeps serving.

The model is built here with the peers' `onnx` package (nothing binary is committed):
TEXT (string [N]) -> ECHO = Identity(TEXT), SHOUT = StringConcat(TEXT, "!"),
IS_YES = Equal(TEXT, "yes"); NUM (string [M]) -> NUM_F = Cast(NUM, float)."""
import os
import struct
import sys

import grpc
import numpy as np
import onnx
import pytest
import tritonclient.grpc as grpcclient
from onnx import TensorProto, helper
from tritonclient.grpc import service_pb2
from tritonclient.utils import InferenceServerException, serialize_byte_tensor
from tritonclient.utils import shared_memory as shm

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd, make_repo  # noqa: E402

SOCD = os.environ["SOCD_BIN"]
SHARED = os.environ["SOCD_SHARED_DIR"]


def string_model():
    bang = helper.make_tensor("bang", TensorProto.STRING, [1], [b"!"])
    yes = helper.make_tensor("yes", TensorProto.STRING, [], [b"yes"])
    nodes = [
        helper.make_node("Identity", ["TEXT"], ["ECHO"]),
        helper.make_node("StringConcat", ["TEXT", "bang"], ["SHOUT"]),
        helper.make_node("Equal", ["TEXT", "yes"], ["IS_YES"]),
        helper.make_node("Cast", ["NUM"], ["NUM_F"], to=TensorProto.FLOAT),
    ]
    g = helper.make_graph(
        nodes, "strings",
        [helper.make_tensor_value_info("TEXT", TensorProto.STRING, ["N"]),
         helper.make_tensor_value_info("NUM", TensorProto.STRING, ["M"])],
        [helper.make_tensor_value_info("ECHO", TensorProto.STRING, ["N"]),
         helper.make_tensor_value_info("SHOUT", TensorProto.STRING, ["N"]),
         helper.make_tensor_value_info("IS_YES", TensorProto.BOOL, ["N"]),
         helper.make_tensor_value_info("NUM_F", TensorProto.FLOAT, ["M"])],
        initializer=[bang, yes])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)])
    m.ir_version = 9
    onnx.checker.check_model(m)
    return m.SerializeToString()


@pytest.fixture(scope="module")
def server():
    repo = make_repo(os.path.join(SHARED, "models"), {"strings": (string_model(), None)})
    s = Socd(SOCD, repo)
    yield s
    assert s.stop() == 0, s.logs()


TEXT = np.array([b"yes", b"no", "h\u00e9llo".encode(), b"", b"a\x00b"], dtype=np.object_)
NUM = np.array([b"1.5", b"-2e3", b"INF"], dtype=np.object_)


def inputs(text=TEXT, num=NUM):
    a = grpcclient.InferInput("TEXT", [len(text)], "BYTES")
    a.set_data_from_numpy(text)
    b = grpcclient.InferInput("NUM", [len(num)], "BYTES")
    b.set_data_from_numpy(num)
    return [a, b]


def check(r, text=TEXT):
    assert list(r.as_numpy("ECHO")) == list(text)
    assert list(r.as_numpy("SHOUT")) == [t + b"!" for t in text]
    assert list(r.as_numpy("IS_YES")) == [t == b"yes" for t in text]


def test_metadata_says_bytes(server):
    md = server.client.get_model_metadata("strings")
    types = {t.name: t.datatype for t in list(md.inputs) + list(md.outputs)}
    assert types == {"TEXT": "BYTES", "NUM": "BYTES", "ECHO": "BYTES", "SHOUT": "BYTES",
                     "IS_YES": "BOOL", "NUM_F": "FP32"}


def test_raw_bytes_round_trip(server):
    r = server.client.infer("strings", inputs())
    check(r)
    np.testing.assert_array_equal(r.as_numpy("NUM_F"), np.array([1.5, -2000, np.inf], np.float32))
    # A second request with other strings: nothing of the first run's strings leaks in.
    other = np.array([b"x" * 1000, b"yes"], dtype=np.object_)
    check(server.client.infer("strings", inputs(other)), other)


def raw_request(text_payload, n, num_payload=None):
    req = service_pb2.ModelInferRequest(model_name="strings")
    req.inputs.add(name="TEXT", datatype="BYTES", shape=[n])
    req.inputs.add(name="NUM", datatype="BYTES", shape=[1])
    req.raw_input_contents.append(text_payload)
    req.raw_input_contents.append(num_payload or struct.pack("<I", 1) + b"7")
    return req


def test_typed_bytes_contents(server):
    req = service_pb2.ModelInferRequest(model_name="strings")
    t = req.inputs.add(name="TEXT", datatype="BYTES", shape=[2])
    t.contents.bytes_contents.extend([b"yes", b"typed"])
    m = req.inputs.add(name="NUM", datatype="BYTES", shape=[1])
    m.contents.bytes_contents.extend([b"42"])
    resp = server.client._client_stub.ModelInfer(req)
    names = [o.name for o in resp.outputs]
    shout = resp.raw_output_contents[names.index("SHOUT")]
    assert shout == struct.pack("<I", 4) + b"yes!" + struct.pack("<I", 6) + b"typed!"
    assert [o.datatype for o in resp.outputs][names.index("ECHO")] == "BYTES"


@pytest.mark.parametrize("payload,n,want", [
    (struct.pack("<I", 3) + b"yes" + b"\x01\x00", 2, "element 1 has a truncated length prefix"),
    (struct.pack("<I", 3) + b"yes" + struct.pack("<I", 99) + b"abc", 2,
     "element 1 claims 99 bytes but only 3 remain"),
    (struct.pack("<I", 3) + b"yes" + b"junk", 1, "4 bytes after its 1 elements"),
    (struct.pack("<I", 0xFFFFFFFF), 1, "element 0 claims 4294967295 bytes"),
])
def test_bad_bytes_payloads_are_invalid_argument(server, payload, n, want):
    with pytest.raises(grpc.RpcError) as e:
        server.client._client_stub.ModelInfer(raw_request(payload, n))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "input 'TEXT'" in e.value.details() and want in e.value.details(), e.value.details()
    check(server.client.infer("strings", inputs()))  # still serving


def test_non_numeric_string_cast_is_invalid_argument(server):
    with pytest.raises(InferenceServerException, match="not a number"):
        server.client.infer("strings", inputs(num=np.array([b"abc"], dtype=np.object_)))
    check(server.client.infer("strings", inputs()))


def test_bytes_through_system_shared_memory(server):
    # Both inputs in one region (socd pairs raw_input_contents with every input, so a request
    # is all-shared-memory or all-raw), the output written to another.
    c = server.client
    text_wire = serialize_byte_tensor(TEXT)  # 0-d object arrays holding the wire bytes
    num_wire = serialize_byte_tensor(NUM)
    n_text, n_num = len(text_wire.item()), len(num_wire.item())
    hin = shm.create_shared_memory_region("str_in", "/socd_str_in", n_text + n_num)
    hout = shm.create_shared_memory_region("str_out", "/socd_str_out", 256)
    try:
        shm.set_shared_memory_region(hin, [text_wire, num_wire])
        c.register_system_shared_memory("str_in", "/socd_str_in", n_text + n_num)
        c.register_system_shared_memory("str_out", "/socd_str_out", 256)
        a = grpcclient.InferInput("TEXT", [len(TEXT)], "BYTES")
        a.set_shared_memory("str_in", n_text)
        b = grpcclient.InferInput("NUM", [len(NUM)], "BYTES")
        b.set_shared_memory("str_in", n_num, offset=n_text)
        out = grpcclient.InferRequestedOutput("SHOUT")
        out.set_shared_memory("str_out", 256)
        r = c.infer("strings", [a, b], outputs=[out])
        want = np.array([t + b"!" for t in TEXT], dtype=np.object_)
        size = r.get_output("SHOUT").parameters["shared_memory_byte_size"].int64_param
        assert size == len(serialize_byte_tensor(want).item())
        assert list(shm.get_contents_as_numpy(hout, np.object_, [len(TEXT)])) == list(want)
        # An output region too small for the strings is a clear error.
        small = grpcclient.InferRequestedOutput("SHOUT")
        small.set_shared_memory("str_out", 8)
        with pytest.raises(InferenceServerException, match="smaller than the output"):
            c.infer("strings", [a, b], outputs=[small])
        # A byte size that cuts the last element short is refused like a raw payload.
        short = grpcclient.InferInput("TEXT", [len(TEXT)], "BYTES")
        short.set_shared_memory("str_in", n_text - 1)
        with pytest.raises(InferenceServerException, match="element 4 claims 3 bytes"):
            c.infer("strings", [short, b], outputs=[out])
    finally:
        c.unregister_system_shared_memory()
        shm.destroy_shared_memory_region(hin)
        shm.destroy_shared_memory_region(hout)
    check(server.client.infer("strings", inputs()))


def test_bundled_simple_string_like_tritons_example_client():
    # What Triton's simple_grpc_string_infer_client.py does, on deploy/models/simple_string.
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    s = Socd(SOCD, os.path.join(root, "deploy", "models"))
    try:
        in0 = np.arange(32, dtype=np.int32).reshape(2, 16) - 5
        in1 = np.full((2, 16), 7, dtype=np.int32)
        obj = [np.array([str(x).encode() for x in a.flatten()], dtype=np.object_).reshape(2, 16)
               for a in (in0, in1)]
        ins = []
        for name, arr in zip(("INPUT0", "INPUT1"), obj):
            ins.append(grpcclient.InferInput(name, [2, 16], "BYTES"))
            ins[-1].set_data_from_numpy(arr)
        r = s.client.infer("simple_string", ins)
        assert r.as_numpy("OUTPUT0").tolist() == [[str(x).encode() for x in row]
                                                  for row in (in0 + in1)]
        assert r.as_numpy("OUTPUT1").tolist() == [[str(x).encode() for x in row]
                                                  for row in (in0 - in1)]
        md = s.client.get_model_metadata("simple_string")
        assert [t.datatype for t in md.inputs] == ["BYTES", "BYTES"]
        assert [list(t.shape) for t in md.outputs] == [[-1, 16], [-1, 16]]
    finally:
        assert s.stop() == 0, s.logs()


def batched_string_model():
    bang = helper.make_tensor("bang", TensorProto.STRING, [1], [b"!"])
    g = helper.make_graph(
        [helper.make_node("StringConcat", ["TEXT", "bang"], ["SHOUT"])], "strings_batched",
        [helper.make_tensor_value_info("TEXT", TensorProto.STRING, ["N", 2])],
        [helper.make_tensor_value_info("SHOUT", TensorProto.STRING, ["N", 2])],
        initializer=[bang])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)])
    m.ir_version = 9
    return m.SerializeToString()


def test_dynamic_batching_stacks_string_requests():
    # Four requests held until all four are queued (preferred size 4, long delay), stacked into
    # one run: each gets its own rows back, the strings of the others never leak in.
    import threading
    cfg = ("max_batch_size: 8\n"
           "dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 5000000 }\n")
    repo = make_repo(os.path.join(SHARED, "models"), {"sb": (batched_string_model(), cfg)})
    s = Socd(SOCD, repo)
    try:
        rows = [np.array([[("r%d-%d" % (i, j)).encode() * (i + 1) for j in range(2)]],
                         dtype=np.object_) for i in range(4)]
        out = [None] * 4
        barrier = threading.Barrier(4)

        def run(i):
            c = grpcclient.InferenceServerClient(s.url)
            inp = grpcclient.InferInput("TEXT", [1, 2], "BYTES")
            inp.set_data_from_numpy(rows[i])
            barrier.wait()
            out[i] = c.infer("sb", [inp]).as_numpy("SHOUT")
            c.close()

        ts = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=60)
        for i in range(4):
            assert out[i].tolist() == [[v + b"!" for v in rows[i][0]]]
        st = s.client.get_inference_statistics("sb", as_json=True)["model_stats"][0]
        sizes = {int(b["batch_size"]): int(b["compute_infer"].get("count", 0))
                 for b in st.get("batch_stats", [])}
        assert sizes == {4: 1}, st
    finally:
        assert s.stop() == 0, s.logs()


def test_socctl_infers_bytes_from_npy(tmp_path):
    # socd's own client: BYTES inputs from numpy fixed-width bytes .npy files, outputs printed
    # as strings (--json) and written back as .npy.
    import json
    import subprocess
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    s = Socd(SOCD, os.path.join(root, "deploy", "models"))
    try:
        a = np.array([[str(i).encode() for i in range(16)]], dtype="S")
        b = np.array([[b"10"] * 16], dtype="S")
        np.save(tmp_path / "a.npy", a)
        np.save(tmp_path / "b.npy", b)
        out = subprocess.run(
            [os.environ["SOCCTL_BIN"], "--socket", s.sock, "--json", "infer", "simple_string",
             "--input", "INPUT0=%s" % (tmp_path / "a.npy"), "--input",
             "INPUT1=%s" % (tmp_path / "b.npy"), "--output-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        outs = {o["name"]: o for o in json.loads(out.stdout)["outputs"]}
        assert outs["OUTPUT0"]["datatype"] == "BYTES"
        assert outs["OUTPUT0"]["values"] == [str(i + 10) for i in range(16)]
        got = np.load(tmp_path / "OUTPUT1.npy")
        assert got.tolist() == [[str(i - 10).encode() for i in range(16)]]
        # No --input: "0" strings, the string form of the zeros numeric inputs get.
        out = subprocess.run([os.environ["SOCCTL_BIN"], "--socket", s.sock, "infer",
                              "simple_string"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert 'OUTPUT0: BYTES[1,16] = "0" "0"' in out.stdout, out.stdout
    finally:
        assert s.stop() == 0, s.logs()
