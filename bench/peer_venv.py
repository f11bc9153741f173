"""Python snippets that peer_bench.py runs with the peers' venv interpreter (numpy, onnx,
onnxruntime), so that peer_bench.py itself needs only the standard library."""

# Runs in the peers' venv: turns the model's input_K.pb files (or seeded random data) into .npy for
# ort_peer.py and .pb for socd-run, matched to the graph's inputs the way socd-run matches them
# (by tensor name when every file names a graph input, else by order).
PREP = r"""
import json, os, sys
import numpy as np, onnx
from onnx import helper, numpy_helper
model, data_dir, out_dir, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
m = onnx.load(model, load_external_data=False)
init = {i.name for i in m.graph.initializer}
gin = [i for i in m.graph.input if i.name not in init]
arrays = []
if data_dir:
    k = 0
    while os.path.exists(os.path.join(data_dir, f"input_{k}.pb")):
        t = onnx.TensorProto()
        with open(os.path.join(data_dir, f"input_{k}.pb"), "rb") as f:
            t.ParseFromString(f.read())
        arrays.append((t.name, numpy_helper.to_array(t)))
        k += 1
    if len(arrays) != len(gin):
        sys.exit(f"{data_dir} has {len(arrays)} inputs, the model has {len(gin)}")
    names = {g.name for g in gin}
    if not all(n in names for n, _ in arrays):
        arrays = [(g.name, a) for g, (_, a) in zip(gin, arrays)]
else:
    rng = np.random.default_rng(seed)
    for g in gin:
        tt = g.type.tensor_type
        dt = helper.tensor_dtype_to_np_dtype(tt.elem_type)
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim]
        if np.issubdtype(dt, np.floating):
            a = rng.random(shape).astype(dt)
        elif dt == np.bool_:
            a = rng.integers(0, 2, shape).astype(np.bool_)
        else:
            a = rng.integers(0, 10, shape).astype(dt)
        arrays.append((g.name, a))
    for k, (n, a) in enumerate(arrays):
        with open(os.path.join(out_dir, f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
by_name = dict(arrays)
dims = {}
for g in gin:
    if g.name in by_name:
        for d, v in zip(g.type.tensor_type.shape.dim, by_name[g.name].shape):
            if d.dim_param:
                dims[d.dim_param] = int(v)
inputs = []
for k, (n, a) in enumerate(arrays):
    path = os.path.join(out_dir, f"ort_input_{k}.npy")
    np.save(path, a)
    inputs.append({"name": n, "npy": path, "shape": list(a.shape), "dtype": str(a.dtype)})
print(json.dumps({"inputs": inputs, "dims": dims, "pb_dir": data_dir or out_dir}))
"""

# ort_peer.py in a process that reports its own peak RSS (the whole Python process) on stderr.
ORT_WRAP = r"""
import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    print(f"PEAK_RSS_BYTES {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}",
          file=sys.stderr)
"""

VERSIONS = r"""
import json, numpy, onnx, onnxruntime
print(json.dumps({"onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__,
                  "numpy": numpy.__version__}))
"""
