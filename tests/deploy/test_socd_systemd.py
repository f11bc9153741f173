"""socd as the packaged unit runs it: the unit's ExecStart flags serving the example models, and
the sd_notify protocol (READY=1, WATCHDOG=1, STOPPING=1) against a stand-in notify socket."""
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import tritonclient.grpc as grpcclient

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from socd_fixture import Socd  # noqa: E402

SOCD = os.environ["SOCD_BIN"]
DEPLOY = os.path.join(HERE, "..", "..", "deploy")
MODELS = os.path.join(DEPLOY, "models")


def unit_exec_args():
    """The unit's ExecStart arguments, without /usr/bin/socd, --model-repository and --listen
    (the test supplies its own directories for those)."""
    with open(os.path.join(DEPLOY, "systemd", "socd.service")) as f:
        line = next(l for l in f if l.startswith("ExecStart="))
    argv = shlex.split(line[len("ExecStart="):])
    assert argv[0] == "/usr/bin/socd", argv
    args, i = [], 1
    while i < len(argv):
        if argv[i] in ("--model-repository", "--listen"):
            i += 2
            continue
        args.append(argv[i])
        i += 1
    return args


def test_unit_flags_serve_the_example_models():
    s = Socd(SOCD, MODELS, unit_exec_args())
    try:
        a = np.arange(16, dtype=np.int32).reshape(1, 16)
        b = np.full((1, 16), 3, dtype=np.int32)
        inputs = [grpcclient.InferInput("INPUT0", [1, 16], "INT32"),
                  grpcclient.InferInput("INPUT1", [1, 16], "INT32")]
        inputs[0].set_data_from_numpy(a)
        inputs[1].set_data_from_numpy(b)
        r = s.client.infer("simple", inputs)
        np.testing.assert_array_equal(r.as_numpy("OUTPUT0"), a + b)
        np.testing.assert_array_equal(r.as_numpy("OUTPUT1"), a - b)
    finally:
        assert s.stop() == 0, s.logs()


class NotifySocket:
    """What systemd binds at /run/systemd/notify: a datagram socket that learns each sender's
    pid (NotifyAccess=main accepts only the main process)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(path)

    def receive(self, timeout):
        """(message, sender pid), or (None, None) after timeout seconds."""
        self.sock.settimeout(timeout)
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            return None, None
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
        return data.decode(), pid


def test_sd_notify_ready_watchdog_stopping():
    d = tempfile.mkdtemp(prefix="socd-notify-")
    notify = NotifySocket(os.path.join(d, "notify"))
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(d, "notify"), WATCHDOG_USEC="400000")
    log = open(os.path.join(d, "socd.log"), "w+")
    proc = subprocess.Popen(
        [SOCD, "--model-repository", MODELS, "--listen", "unix:" + os.path.join(d, "socd.sock"),
         *unit_exec_args()], env=env, stdout=log, stderr=subprocess.STDOUT)

    def logs():
        log.flush()
        log.seek(0)
        return log.read()

    try:
        got = []
        deadline = time.time() + 60
        while time.time() < deadline and not any(m.startswith("READY=1") for m, _ in got):
            msg, pid = notify.receive(max(0.1, deadline - time.time()))
            if msg is not None:
                got.append((msg, pid))
        ready = [m for m, _ in got if m.startswith("READY=1")]
        assert ready, f"no READY=1 within 60 s; got {got}\n{logs()}"
        bundled = len([d for d in os.listdir(MODELS) if os.path.isdir(os.path.join(MODELS, d))])
        assert f"STATUS={bundled} model version(s) loaded" in ready[0], ready[0]
        assert all(pid == proc.pid for _, pid in got), (proc.pid, got)

        # WATCHDOG_USEC=400000: a ping every 0.2 s, so at least 3 within a second.
        pings, t_end = 0, time.time() + 1.0
        while time.time() < t_end:
            msg, pid = notify.receive(max(0.01, t_end - time.time()))
            if msg == "WATCHDOG=1":
                assert pid == proc.pid
                pings += 1
        assert pings >= 3, f"{pings} WATCHDOG=1 pings in 1 s\n{logs()}"

        proc.send_signal(signal.SIGTERM)
        stopping, deadline = False, time.time() + 20
        while time.time() < deadline and not stopping:
            msg, _ = notify.receive(max(0.1, deadline - time.time()))
            stopping = msg == "STOPPING=1"
        assert stopping, f"no STOPPING=1 after SIGTERM\n{logs()}"
        assert proc.wait(timeout=20) == 0, logs()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.sock.close()
        log.close()
        shutil.rmtree(d, ignore_errors=True)
