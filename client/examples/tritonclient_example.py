#!/usr/bin/env python3
"""Triton's own Python client, unchanged, against socd: metadata, inference with inline bytes,
and zero-copy inference through system shared memory (tritonclient.utils.shared_memory).

  PEERS=$(../shared/peers/setup.sh)
  $PEERS/bin/python client/examples/tritonclient_example.py --socket /run/socd/socd.sock

Uses the bundled example model "simple" (deploy/models/simple: OUTPUT0 = INPUT0 + INPUT1,
OUTPUT1 = INPUT0 - INPUT1, INT32 [1,16]), as Triton's own quick-start examples do. Registering
shared memory is an admin operation in socd: run as root, socd's user or a member of its
admin group (see README), or pass --no-shm.
"""
import argparse
import sys

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import shared_memory as shm


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--socket", default="/run/socd/socd.sock")
    p.add_argument("--model", default="simple")
    p.add_argument("--no-shm", action="store_true")
    a = p.parse_args()
    client = grpcclient.InferenceServerClient("unix://" + a.socket)
    print("server ready:", client.is_server_ready())
    meta = client.get_model_metadata(a.model)
    print("model:", meta.name, [(i.name, i.datatype, list(i.shape)) for i in meta.inputs])

    x0 = np.arange(16, dtype=np.int32).reshape(1, 16)
    x1 = np.ones((1, 16), dtype=np.int32)
    inputs = [grpcclient.InferInput("INPUT0", [1, 16], "INT32"),
              grpcclient.InferInput("INPUT1", [1, 16], "INT32")]
    inputs[0].set_data_from_numpy(x0)
    inputs[1].set_data_from_numpy(x1)
    r = client.infer(a.model, inputs)
    print("OUTPUT0 (sum):", r.as_numpy("OUTPUT0"))
    print("OUTPUT1 (difference):", r.as_numpy("OUTPUT1"))
    ok = (r.as_numpy("OUTPUT0") == x0 + x1).all() and (r.as_numpy("OUTPUT1") == x0 - x1).all()

    if not a.no_shm:
        nbytes = x0.nbytes
        h_in = shm.create_shared_memory_region("example_in", "/socd_example_in", 2 * nbytes)
        h_out = shm.create_shared_memory_region("example_out", "/socd_example_out", 2 * nbytes)
        try:
            shm.set_shared_memory_region(h_in, [x0, x1])
            client.register_system_shared_memory("example_in", "/socd_example_in", 2 * nbytes)
            client.register_system_shared_memory("example_out", "/socd_example_out", 2 * nbytes)
            inputs[0].set_shared_memory("example_in", nbytes)
            inputs[1].set_shared_memory("example_in", nbytes, offset=nbytes)
            outputs = [grpcclient.InferRequestedOutput("OUTPUT0"),
                       grpcclient.InferRequestedOutput("OUTPUT1")]
            outputs[0].set_shared_memory("example_out", nbytes)
            outputs[1].set_shared_memory("example_out", nbytes, offset=nbytes)
            client.infer(a.model, inputs, outputs=outputs)
            s = shm.get_contents_as_numpy(h_out, np.int32, [1, 16])
            d = shm.get_contents_as_numpy(h_out, np.int32, [1, 16], offset=nbytes)
            print("shared memory OUTPUT0:", s)
            print("shared memory OUTPUT1:", d)
            ok = ok and (s == x0 + x1).all() and (d == x0 - x1).all()
        finally:
            client.unregister_system_shared_memory()
            shm.destroy_shared_memory_region(h_in)
            shm.destroy_shared_memory_region(h_out)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
