"""Starts the real socd binary on a temporary Unix socket for integration tests."""
import os
import shutil
import subprocess
import tempfile
import time


class Socd:
    def __init__(self, socd_bin, repo, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="socd-it-")
        self.sock = os.path.join(self.dir, "socd.sock")
        self.url = "unix://" + self.sock
        self.log = open(os.path.join(self.dir, "socd.log"), "w+")
        self.proc = subprocess.Popen(
            # Metrics off unless a test asks (extra_args come later and win): many test
            # daemons must not contend for the default port 8002.
            [socd_bin, "--model-repository", repo, "--listen", "unix:" + self.sock,
             "--metrics-port", "0", *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        import tritonclient.grpc as grpcclient
        self.client = grpcclient.InferenceServerClient(self.url)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("socd exited early:\n" + self.logs())
            try:
                if os.path.exists(self.sock) and self.client.is_server_ready():
                    return
            except Exception:
                pass
            time.sleep(0.05)
        raise RuntimeError("socd did not become ready:\n" + self.logs())

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        rc = self.proc.returncode
        self.client.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc


def make_repo(shared_models, layout):
    """layout: {model_name: (onnx_file_or_bytes, config_text_or_None)} -> temp repo dir.
    Real model files are symlinked in place from ../shared/models, never copied."""
    root = tempfile.mkdtemp(prefix="socd-repo-")
    for name, (model, config) in layout.items():
        vdir = os.path.join(root, name, "1")
        os.makedirs(vdir)
        target = os.path.join(vdir, "model.onnx")
        if isinstance(model, bytes):
            with open(target, "wb") as f:
                f.write(model)
        else:
            os.symlink(os.path.join(shared_models, model), target)
        if config is not None:
            with open(os.path.join(root, name, "config.pbtxt"), "w") as f:
                f.write(config)
    return root
