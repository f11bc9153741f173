"""Pins every message, field number, type and label of socd's proto/ files to the descriptors
of Triton's own client (tritonclient[grpc]): what socd puts on the wire is what Triton's
clients read."""
import os
import subprocess
import tempfile

import pytest
from google.protobuf import descriptor_pb2
from tritonclient.grpc import service_pb2, model_config_pb2

PROTO_DIR = os.environ["SOCD_PROTO_DIR"]
PROTOC = os.environ.get("PROTOC", "protoc")


def socd_descriptors():
    out = os.path.join(tempfile.mkdtemp(), "socd.desc")
    subprocess.check_call([PROTOC, "-I" + PROTO_DIR, "--include_imports",
                           "--descriptor_set_out=" + out, "inference.proto"])
    fds = descriptor_pb2.FileDescriptorSet()
    with open(out, "rb") as f:
        fds.ParseFromString(f.read())
    msgs = {}

    def walk(prefix, m):
        msgs[prefix + m.name] = m
        for n in m.nested_type:
            walk(prefix + m.name + ".", n)
    for fd in fds.file:
        for m in fd.message_type:
            walk("", m)
    services = {s.name: s for fd in fds.file for s in fd.service}
    return msgs, services


def triton_messages():
    out = {}

    def walk(prefix, d):
        out[prefix + d.name] = d
        for n in d.nested_types:
            walk(prefix + d.name + ".", n)
    for fd in (service_pb2.DESCRIPTOR, model_config_pb2.DESCRIPTOR):
        for d in fd.message_types_by_name.values():
            walk("", d)
    return out


SOCD_MSGS, SOCD_SERVICES = socd_descriptors()
TRITON_MSGS = triton_messages()


def test_service_methods_match():
    triton = service_pb2.DESCRIPTOR.services_by_name["GRPCInferenceService"]
    ours = SOCD_SERVICES["GRPCInferenceService"]
    ours_methods = {m.name: m for m in ours.method}
    for m in triton.methods:
        assert m.name in ours_methods, m.name
        o = ours_methods[m.name]
        assert o.input_type.split(".")[-1] == m.input_type.name
        assert o.output_type.split(".")[-1] == m.output_type.name
        assert bool(o.client_streaming) == m.client_streaming
        assert bool(o.server_streaming) == m.server_streaming


@pytest.mark.parametrize("name", sorted(n for n in SOCD_MSGS if not n.endswith("Entry")))
def test_every_socd_field_matches_triton(name):
    """Every field socd declares exists in Triton's message with the same number and type
    (socd's ModelConfig is a subset; field 1000 'socd' is socd's own extension)."""
    ours = SOCD_MSGS[name]
    if name == "SocdModelConfig" or name.startswith("SocdModelConfig."):
        return
    assert name in TRITON_MSGS, f"{name} is not a Triton message"
    theirs = TRITON_MSGS[name]
    for f in ours.field:
        if name == "ModelConfig" and f.name == "socd":
            assert f.number == 1000 and f.number not in [x.number for x in theirs.fields]
            continue
        assert f.name in theirs.fields_by_name, f"{name}.{f.name} is not in Triton's {name}"
        t = theirs.fields_by_name[f.name]
        assert f.number == t.number, f"{name}.{f.name}: {f.number} != {t.number}"
        assert f.type == t.type, f"{name}.{f.name}: type {f.type} != {t.type}"
        t_repeated = t.is_repeated if hasattr(t, "is_repeated") else t.label == 3
        assert (f.label == 3) == t_repeated, f"{name}.{f.name}: repeated differs"


def test_every_inference_api_field_is_declared():
    """The inference API messages (not ModelConfig, which socd subsets) are complete."""
    for name, d in TRITON_MSGS.items():
        if d.file.name != "grpc_service.proto" or d.GetOptions().map_entry:
            continue
        assert name in SOCD_MSGS, f"socd lacks {name}"
        ours = {f.name: f.number for f in SOCD_MSGS[name].field}
        for f in d.fields:
            assert ours.get(f.name) == f.number, f"{name}.{f.name}"
