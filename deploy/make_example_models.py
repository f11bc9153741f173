#!/usr/bin/env python3
"""Writes deploy/models/: the example model repository the .deb installs to
/usr/share/socd/models. "simple" is Triton's own quick-start model (INPUT0 + INPUT1 ->
OUTPUT0 = sum, OUTPUT1 = difference, INT32 [batch, 16]), so Triton's example clients
(simple_grpc_infer_client.py and friends) work against socd unchanged. "dense_batched" is a
small FP32 layer (INPUT [batch, 16] -> OUTPUT = relu(INPUT x W + b) [batch, 8]) configured for
dynamic batching: concurrent requests are stacked into one execution. "simple_string" is
Triton's string quick-start model (BYTES [batch, 16] holding decimal numbers; OUTPUT0 = sum and
OUTPUT1 = difference, as decimal strings), so simple_grpc_string_infer_client.py works too.

Needs the onnx package: /root/.cache/socd-peers/bin/python deploy/make_example_models.py
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))

SIMPLE_CONFIG = """name: "simple"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
  { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
]
output [
  { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
  { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
]
"""


def simple_model():
    def t(name):
        return helper.make_tensor_value_info(name, TensorProto.INT32, ["batch", 16])

    graph = helper.make_graph(
        [helper.make_node("Add", ["INPUT0", "INPUT1"], ["OUTPUT0"]),
         helper.make_node("Sub", ["INPUT0", "INPUT1"], ["OUTPUT1"])],
        "simple", [t("INPUT0"), t("INPUT1")], [t("OUTPUT0"), t("OUTPUT1")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="socd deploy/make_example_models.py")
    model.ir_version = 8  # readable by older ONNX tooling too
    onnx.checker.check_model(model)
    return model


DENSE_CONFIG = """name: "dense_batched"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [ { name: "INPUT" data_type: TYPE_FP32 dims: [ 16 ] } ]
output [ { name: "OUTPUT" data_type: TYPE_FP32 dims: [ 8 ] } ]
# Stack concurrent requests: run at once when 4 or 8 rows are queued, else wait up to 2 ms
# for more (Triton's dynamic batcher semantics).
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 2000
}
"""


def dense_model():
    from onnx import numpy_helper
    import numpy as np
    # Deterministic weights without a random generator: regenerating leaves git clean.
    w = ((np.arange(16 * 8, dtype=np.float32).reshape(16, 8) % 7) - 3) / 8
    b = (np.arange(8, dtype=np.float32) - 4) / 16
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["INPUT", "W"], ["XW"]),
         helper.make_node("Add", ["XW", "B"], ["XWB"]),
         helper.make_node("Relu", ["XWB"], ["OUTPUT"])],
        "dense_batched",
        [helper.make_tensor_value_info("INPUT", TensorProto.FLOAT, ["batch", 16])],
        [helper.make_tensor_value_info("OUTPUT", TensorProto.FLOAT, ["batch", 8])],
        initializer=[numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="socd deploy/make_example_models.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


SIMPLE_STRING_CONFIG = """name: "simple_string"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  { name: "INPUT0" data_type: TYPE_STRING dims: [ 16 ] },
  { name: "INPUT1" data_type: TYPE_STRING dims: [ 16 ] }
]
output [
  { name: "OUTPUT0" data_type: TYPE_STRING dims: [ 16 ] },
  { name: "OUTPUT1" data_type: TYPE_STRING dims: [ 16 ] }
]
"""


def simple_string_model():
    def t(name):
        return helper.make_tensor_value_info(name, TensorProto.STRING, ["batch", 16])

    to_int = TensorProto.INT32
    graph = helper.make_graph(
        [helper.make_node("Cast", ["INPUT0"], ["A"], to=to_int),
         helper.make_node("Cast", ["INPUT1"], ["B"], to=to_int),
         helper.make_node("Add", ["A", "B"], ["SUM"]),
         helper.make_node("Sub", ["A", "B"], ["DIFF"]),
         helper.make_node("Cast", ["SUM"], ["OUTPUT0"], to=TensorProto.STRING),
         helper.make_node("Cast", ["DIFF"], ["OUTPUT1"], to=TensorProto.STRING)],
        "simple_string", [t("INPUT0"), t("INPUT1")], [t("OUTPUT0"), t("OUTPUT1")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="socd deploy/make_example_models.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write(name, model, config):
    root = os.path.join(HERE, "models", name)
    os.makedirs(os.path.join(root, "1"), exist_ok=True)
    # Deterministic bytes, so regenerating leaves git clean.
    with open(os.path.join(root, "1", "model.onnx"), "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    with open(os.path.join(root, "config.pbtxt"), "w") as f:
        f.write(config)


def main():
    write("simple", simple_model(), SIMPLE_CONFIG)
    write("dense_batched", dense_model(), DENSE_CONFIG)
    write("simple_string", simple_string_model(), SIMPLE_STRING_CONFIG)


if __name__ == "__main__":
    main()
