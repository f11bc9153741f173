#!/usr/bin/env python3
"""socd's serving overhead: what the daemon and its Unix socket add to a model run in process.
Writes bench/results/serving.json and the "Serving overhead" section of docs/BENCHMARKS.md (between
<!-- serving:begin --> and <!-- serving:end -->). Run with the peers venv's python (tritonclient,
onnx, numpy), after `ninja -C build socd socctl socd-run echo_load`:

  PEERS=$(../shared/peers/setup.sh)
  $PEERS/bin/python bench/serving_bench.py [--build build] [--duration 5] [--repeats 3]
        [--big-iters 10] [--out bench/results/serving.json] [--no-doc] [--quick]

Against one socd started here on a temporary repository and socket (--threads 1):
 (a) added latency: the tiny model (velardo-sum-mlp, [1,2] FP32) in process, `socd-run --runs N`
     median, against one client in a closed loop over the socket, `socctl perf --concurrency 1` p50;
 (b) throughput: `socctl perf --concurrency 8` against echo_load (bench/echo_load.cc), the bare
     ServerLive RPC at concurrency 8 on the same socket: the transport's own limit;
 (c) zero-copy: a 64 MiB FP32 tensor through a generated y = x * 1 model, inline raw bytes
     against system shared memory for the input and the output (tritonclient), median latency of
     --big-iters, and socd's bytes copied per request (socd_bytes_copied_total from
     --metrics-port, when this socd has it; "n/a" otherwise).
(a) and (b) alternate the tools over --repeats rounds and report the median of the rounds.
"""
import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import bench_doc  # noqa: E402
import serving_doc  # noqa: E402
from socd_fixture import Socd  # noqa: E402

TINY = "velardo-sum-mlp.onnx"
BIG_ELEMS = 16 * 1024 * 1024  # FP32: 64 MiB


def log(msg):
    print(f"[serving_bench] {msg}", file=sys.stderr, flush=True)


def run_json(cmd, timeout=600):
    """Runs a tool that prints one JSON line; returns the parsed object (raises with its stderr)."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    for line in reversed(p.stdout.strip().splitlines()):
        if line.startswith("{"):
            out = json.loads(line)
            if p.returncode != 0:
                out["error"] = f"exit {p.returncode}: {p.stderr.strip()[-300:]}"
            return out
    raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[-500:]}")


def find_tool(build, name, explicit):
    if explicit:
        return os.path.abspath(explicit)
    for sub in ("", "bench"):
        p = os.path.join(build, sub, name)
        if os.access(p, os.X_OK):
            return os.path.abspath(p)
    raise SystemExit(f"serving_bench: {name} not found under {build} "
                     f"(build it or pass --{name.replace('_', '-')})")


def machine():
    cpu, flags = "?", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and cpu == "?":
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    feats = "AVX-512" if "avx512f" in flags else "AVX2+FMA" if {"avx2", "fma"} <= flags else "?"
    try:
        rev = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "features": feats, "kernel": platform.release(),
            "git": rev, "loadavg_start": round(os.getloadavg()[0], 2)}


def make_repo(root, shared):
    """tiny: the shared model, symlinked; big: y = x * 1 over 64 MiB of FP32. Mul, not Identity:
    an Identity from a graph input to a graph output is itself a 64 MiB copy in the engine, and
    that would hide whether the transport copies; Mul writes its output where it is told to."""
    import onnx
    from onnx import TensorProto, helper
    for name in ("tiny", "big"):
        os.makedirs(os.path.join(root, name, "1"))
    os.symlink(os.path.join(shared, "models", TINY), os.path.join(root, "tiny", "1", "model.onnx"))
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    g = helper.make_graph([helper.make_node("Mul", ["x", "one"], ["y"])], "big_times_one",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [BIG_ELEMS])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [BIG_ELEMS])],
                          initializer=[one])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, os.path.join(root, "big", "1", "model.onnx"))


class Metrics:
    """socd's Prometheus endpoint, when this build has one (--metrics-port)."""

    def __init__(self, socd_bin):
        # Flags are parsed in order and --version exits at once: status 0 iff the flag is known.
        p = subprocess.run([socd_bin, "--metrics-port", "0", "--version"], capture_output=True)
        self.port = None
        if p.returncode == 0:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
            s.close()

    def args(self):
        return ["--metrics-port", str(self.port)] if self.port else []

    def bytes_copied(self):
        """socd_bytes_copied_total (all label sets summed), or None when not available."""
        if not self.port:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError as e:
            log(f"metrics endpoint unreachable: {e}")
            return None
        vals = [float(line.rsplit(None, 1)[1]) for line in text.splitlines()
                if line.startswith("socd_bytes_copied_total")
                and line[len("socd_bytes_copied_total")] in " {"]
        return sum(vals) if vals else None


def median_of(rounds, key):
    vals = [r[key] for r in rounds if isinstance(r.get(key), (int, float))]
    return statistics.median(vals) if vals else None


def overhead(a, tools, model_path, sock):
    """(a) and (b): in-process vs over-socket latency, infer vs echo throughput."""
    inproc = run_json([tools["socd-run"], model_path, "--runs", str(a.runs), "--json"])
    perf = [tools["socctl"], "--socket", sock, "--json", "perf", "tiny", "--duration",
            str(a.duration)]
    echo = [tools["echo_load"], "--socket", sock, "--json", "--duration", str(a.duration)]
    rounds = {k: [] for k in ("infer_c1", "echo_c1", f"infer_c{a.concurrency}",
                              f"echo_c{a.concurrency}")}
    for i in range(a.repeats):
        # Alternate which tool goes first, so drift in the machine's load hits both alike.
        order = [("infer", perf), ("echo", echo)]
        if i % 2:
            order.reverse()
        for conc in (1, a.concurrency):
            for kind, cmd in order:
                r = run_json(cmd + ["--concurrency", str(conc)])
                log(f"round {i + 1}/{a.repeats} {kind} c={conc}: {r.get('throughput_rps')} /s, "
                    f"p50 {r.get('p50_us')} us" + (f" ({r['error']})" if r.get("error") else ""))
                rounds[f"{kind}_c{conc}"].append(r)
    summary = {k: {m: median_of(v, m) for m in ("throughput_rps", "p50_us", "p90_us", "p99_us")}
               for k, v in rounds.items()}
    request_errors = []
    for k, v in rounds.items():
        summary[k]["errors"] = sum(r.get("errors", 0) for r in v)
        request_errors += [f"{k}: {r['error']}" for r in v if r.get("error")]
    inproc_us = inproc["median_ms"] * 1000
    c = a.concurrency
    return {
        "inproc": {"median_us": inproc_us, "p90_us": inproc["p90_ms"] * 1000, "runs": a.runs},
        **summary,
        "added_latency_p50_us": summary["infer_c1"]["p50_us"] - inproc_us,
        "infer_over_echo": summary[f"infer_c{c}"]["throughput_rps"]
        / summary[f"echo_c{c}"]["throughput_rps"],
        "rounds": rounds,
        "request_errors": request_errors,
    }


def zero_copy(a, tools, model_path, server, metrics):
    """(c): 64 MiB in and out, inline raw bytes vs system shared memory."""
    import numpy as np
    import tritonclient.grpc as grpcclient
    from tritonclient.utils import shared_memory as shm

    c = server.client
    x = np.arange(BIG_ELEMS, dtype=np.float32)
    nbytes = x.nbytes
    res = {"tensor_bytes": nbytes, "iters": a.big_iters, "warmup": a.big_warmup}
    # The floor: the same model in process, no transport (socd-run counts its own copies).
    r = run_json([tools["socd-run"], model_path, "--runs", str(a.big_iters), "--json"])
    res["inproc"] = {"median_ms": r["median_ms"], "bytes_copied_per_request": r["bytes_copied"]}

    # What moving 64 MiB costs on this machine, to read the latencies against: one copy into
    # fresh memory (its page faults included, as a new message buffer has them; the first such
    # copy in a VM can be 10x slower, so it is left out) and one into memory already touched.
    y = np.zeros_like(x)
    fresh, reused = [], []
    for _ in range(4):
        t0 = time.perf_counter()
        z = np.copy(x)
        fresh.append((time.perf_counter() - t0) * 1000)
        del z
        t0 = time.perf_counter()
        np.copyto(y, x)
        reused.append((time.perf_counter() - t0) * 1000)
    res["copy_fresh_ms"] = statistics.median(fresh[1:])
    res["copy_reused_ms"] = statistics.median(reused)
    del y

    def server_ns():
        """socd's own time for "big" so far (ModelStatistics): all of it, and its compute part."""
        st = c.get_inference_statistics("big").model_stats[0].inference_stats
        return st.success.ns, st.compute_infer.ns

    def timed(mode, make_args, check):
        for _ in range(a.big_warmup):
            c.infer("big", **make_args())
        before, ns0 = metrics.bytes_copied(), server_ns()
        times = []
        for _ in range(a.big_iters):
            args = make_args()
            t0 = time.perf_counter()
            r = c.infer("big", **args)
            times.append((time.perf_counter() - t0) * 1000)
        after, ns1 = metrics.bytes_copied(), server_ns()
        check(r)
        copied = None if before is None or after is None else (after - before) / a.big_iters
        res[mode] = {"median_ms": statistics.median(times), "min_ms": min(times),
                     "max_ms": max(times), "bytes_copied_per_request": copied,
                     "server_ms": (ns1[0] - ns0[0]) / a.big_iters / 1e6,
                     "compute_ms": (ns1[1] - ns0[1]) / a.big_iters / 1e6}
        log(f"64 MiB {mode}: median {res[mode]['median_ms']:.1f} ms (in socd "
            f"{res[mode]['server_ms']:.1f} ms), bytes copied "
            f"{'n/a' if copied is None else int(copied)}")

    inp = grpcclient.InferInput("x", [BIG_ELEMS], "FP32")
    inp.set_data_from_numpy(x)  # the client's own serialization copy, outside the timing

    def check_inline(r):
        if not np.array_equal(r.as_numpy("y"), x):
            raise RuntimeError("64 MiB inline: output differs from the input")

    timed("inline", lambda: {"inputs": [inp]}, check_inline)
    res["inline"]["payload_bytes_over_socket"] = 2 * nbytes

    tag = os.getpid()
    hin = shm.create_shared_memory_region("bench_in", f"/socd_bench_in_{tag}", nbytes)
    hout = shm.create_shared_memory_region("bench_out", f"/socd_bench_out_{tag}", nbytes)
    try:
        shm.set_shared_memory_region(hin, [x])  # the producer writes here once, in place
        c.register_system_shared_memory("bench_in", f"/socd_bench_in_{tag}", nbytes)
        c.register_system_shared_memory("bench_out", f"/socd_bench_out_{tag}", nbytes)
        sin = grpcclient.InferInput("x", [BIG_ELEMS], "FP32")
        sin.set_shared_memory("bench_in", nbytes)
        sout = grpcclient.InferRequestedOutput("y")
        sout.set_shared_memory("bench_out", nbytes)

        def check_shm(r):
            if r.get_response().raw_output_contents:
                raise RuntimeError("64 MiB shm: the output came back inline")
            if not np.array_equal(shm.get_contents_as_numpy(hout, np.float32, [BIG_ELEMS]), x):
                raise RuntimeError("64 MiB shm: output region differs from the input")

        shm.set_shared_memory_region(hout, [np.zeros_like(x)])
        timed("shm", lambda: {"inputs": [sin], "outputs": [sout]}, check_shm)
        res["shm"]["payload_bytes_over_socket"] = 0
    finally:
        try:
            c.unregister_system_shared_memory()
        finally:
            shm.destroy_shared_memory_region(hin)
            shm.destroy_shared_memory_region(hout)
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    for t in ("socd", "socctl", "socd-run", "echo-load"):
        p.add_argument(f"--{t}", help=f"path of {t} (default: found under --build)")
    p.add_argument("--shared", default=os.environ.get("SOCD_SHARED_DIR",
                                                      os.path.join(ROOT, "..", "shared")))
    p.add_argument("--duration", type=float, default=5, help="seconds per perf/echo run")
    p.add_argument("--repeats", type=int, default=3, help="rounds of perf/echo runs")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--runs", type=int, default=2000, help="socd-run timed runs (in process)")
    p.add_argument("--big-iters", type=int, default=10)
    p.add_argument("--big-warmup", type=int, default=2)
    p.add_argument("--out", default=os.path.join(HERE, "results", "serving.json"))
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    p.add_argument("--no-doc", action="store_true")
    p.add_argument("--quick", action="store_true", help="smoke test: seconds, not minutes")
    p.add_argument("--render-only", action="store_true",
                   help="only regenerate the doc section from --out's existing results")
    a = p.parse_args()
    if a.render_only:
        with open(a.out) as f:
            bench_doc.update(a.doc, "serving", serving_doc.render(json.load(f)))
        return 0
    if a.quick:
        a.duration, a.repeats, a.runs, a.big_iters, a.big_warmup = 0.3, 1, 100, 2, 1
    tools = {"socd": find_tool(a.build, "socd", a.socd),
             "socctl": find_tool(a.build, "socctl", a.socctl),
             "socd-run": find_tool(a.build, "socd-run", getattr(a, "socd_run")),
             "echo_load": find_tool(a.build, "echo_load", a.echo_load)}
    res = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine(),
           "method": {"duration_s": a.duration, "repeats": a.repeats, "runs": a.runs,
                      "concurrency": a.concurrency, "big_iters": a.big_iters,
                      "big_warmup": a.big_warmup, "socd_threads": 1},
           "errors": []}
    res["socd_version"] = subprocess.run([tools["socd"], "--version"], capture_output=True,
                                         text=True).stdout.strip()
    repo = tempfile.mkdtemp(prefix="socd-serving-")
    metrics = Metrics(tools["socd"])
    try:
        make_repo(repo, os.path.abspath(a.shared))
        server = Socd(tools["socd"], repo, ["--threads", "1", *metrics.args()])
        tiny, big = (os.path.join(repo, m, "1", "model.onnx") for m in ("tiny", "big"))
        parts = {"overhead": lambda: overhead(a, tools, tiny, server.sock),
                 "zero_copy": lambda: zero_copy(a, tools, big, server, metrics)}
        try:
            for name, fn in parts.items():
                try:
                    res[name] = fn()
                    res["errors"] += res[name].pop("request_errors", [])
                except Exception as e:  # record and go on: one part failing keeps the others
                    res["errors"].append(f"{name}: {e}")
                    log(f"{name} failed: {e}")
        finally:
            rc = server.stop()
            if rc != 0:
                res["errors"].append(f"socd exited with status {rc}")
    finally:
        subprocess.run(["rm", "-rf", repo])
    res["machine"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    body = serving_doc.render(res)
    print(body)
    if not a.no_doc:
        bench_doc.update(a.doc, "serving", body)
        log(f"wrote {a.out} and the serving section of {a.doc}")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
