#!/usr/bin/env python3
"""Writes deploy/models/: the example model repository the .deb installs to
/usr/share/socd/models. "simple" is Triton's own quick-start model (INPUT0 + INPUT1 ->
OUTPUT0 = sum, OUTPUT1 = difference, INT32 [batch, 16]), so Triton's example clients
(simple_grpc_infer_client.py and friends) work against socd unchanged.

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


def main():
    root = os.path.join(HERE, "models", "simple")
    os.makedirs(os.path.join(root, "1"), exist_ok=True)
    # Deterministic bytes, so regenerating leaves git clean.
    with open(os.path.join(root, "1", "model.onnx"), "wb") as f:
        f.write(simple_model().SerializeToString(deterministic=True))
    with open(os.path.join(root, "config.pbtxt"), "w") as f:
        f.write(SIMPLE_CONFIG)


if __name__ == "__main__":
    main()
