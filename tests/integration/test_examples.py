"""The README's examples work as written: the bundled example repository served by the real
socd, queried by client/examples/tritonclient_example.py (Triton's client, shared memory)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from socd_fixture import Socd  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_tritonclient_example_on_bundled_models():
    s = Socd(os.environ["SOCD_BIN"], os.path.join(ROOT, "deploy", "models"))
    try:
        out = subprocess.run(
            [sys.executable, os.path.join(ROOT, "client", "examples", "tritonclient_example.py"),
             "--socket", s.sock], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr + s.logs()
        assert "PASS" in out.stdout
        assert "shared memory OUTPUT0: [[ 1  2  3" in out.stdout
    finally:
        assert s.stop() == 0
