#!/usr/bin/env python3
"""socd's CPU backend against ONNX Runtime, side by side: same models, inputs and thread counts,
alternating rounds of fresh processes; writes bench/results/peer.json and the "socd vs ONNX
Runtime" table of docs/BENCHMARKS.md. Python 3 stdlib only (numpy/onnx/onnxruntime run in the
peers' venv, made by ../shared/peers/setup.sh).

  PEERS=$(../shared/peers/setup.sh)
  $PEERS/bin/python bench/peer_bench.py [--models a,b] [--threads 1,2] [--rounds 4]
        [--runs-per-round 5] [--socd-run build/socd-run] [--out bench/results/peer.json]
        [--profile] [--no-doc]

Method: per model the inputs are its test_data_set_0 (else seeded random data written once as
both .pb and .npy). Per thread count, `--rounds` rounds; in each, socd-run (--json) and ort_peer.py
each load the model in a fresh process, warm up `--warmup` runs and time `--runs-per-round`; the
side that goes first alternates between rounds. A side's result is the median of its round medians.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
sys.path.insert(0, HERE)
import bench_doc  # noqa: E402
from peer_venv import ORT_WRAP, PREP, VERSIONS  # noqa: E402

DEFAULT_MODELS = ["mobilenetv2-1.0", "tiny-bert", "tiny-gpt-decode", "super-resolution-10",
                  "msra-bgrm-190729", "light_squeezenet_randw", "light_resnet50",
                  "light_inception_v2"]

def log(msg):
    print(f"[peer_bench] {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout):
    """Runs cmd; returns (exit status, stdout, stderr, timed out). A signal N reads as 128+N.

    cmd runs as a forked child of /bin/sh, not exec'd from this process: Linux carries the
    exec-ing process's peak RSS into the new program's ru_maxrss, so a program exec'd from this
    Python would report at least this Python's RSS as its own peak.
    """
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        p = subprocess.Popen(["/bin/sh", "-c", '"$@"; exit $?', "sh", *cmd], stdout=fo,
                             stderr=fe, start_new_session=True)
        killed = []

        def kill():
            killed.append(1)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            rc = p.wait()
        finally:
            timer.cancel()
        fo.seek(0)
        fe.seek(0)
        return (rc, fo.read().decode(errors="replace"), fe.read().decode(errors="replace"),
                bool(killed))


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def failure(rc, err, timed_out, timeout):
    if timed_out:
        return f"timed out after {timeout} s"
    lines = [l for l in err.strip().splitlines() if not l.startswith("PEAK_RSS_BYTES")]
    tail = " ".join(lines[-3:])[-400:]
    if rc > 128 or rc < 0:
        return f"killed by signal {rc - 128 if rc > 128 else -rc}" + (f": {tail}" if tail else "")
    return f"exit {rc}" + (f": {tail}" if tail else "")


def resolve_model(name):
    """NAME (in ../shared/models) or a path -> (display name, model path, test data dir or "").
    Data sits in NAME/test_data_set_0 beside NAME.onnx, or beside model.onnx (node tests)."""
    path = name if name.endswith(".onnx") or os.path.exists(name) else \
        os.path.join(SHARED, "models", name + ".onnx")
    stem = os.path.splitext(path)[0]
    if os.path.basename(stem) == "model":
        stem = os.path.dirname(os.path.abspath(path))
        data = os.path.join(stem, "test_data_set_0")
    else:
        data = os.path.join(stem, "test_data_set_0")
    return os.path.basename(stem), path, data if os.path.isdir(data) else ""


def socd_round(a, model, prep, threads, check_dir, timeout):
    cmd = [a.socd_run, model, "--json", "--inputs", prep["pb_dir"], "--threads", str(threads),
           "--runs", str(a.runs_per_round), "--warmup", str(a.warmup)]
    for k, v in prep["dims"].items():
        cmd += ["--dim", f"{k}={v}"]
    if check_dir:
        cmd += ["--check", check_dir]
    rc, out, err, to = run(cmd, timeout)
    j = last_json(out)
    if j is None or "median_ms" not in j:
        msg = (j or {}).get("error") or failure(rc, err, to, timeout)
        if msg.startswith(model + ": "):
            msg = msg[len(model) + 2:]
        return {"error": msg, "exit": rc}
    return j


def ort_round(a, model, prep, threads, timeout):
    cmd = [a.python, "-c", ORT_WRAP, a.ort_peer, model, "--threads", str(threads), "--runs",
           str(a.runs_per_round), "--warmup", str(a.warmup)]
    for i in prep["inputs"]:
        cmd += ["--input", f"{i['name']}={i['npy']}"]
    rc, out, err, to = run(cmd, timeout)
    j = last_json(out)
    if rc != 0 or j is None or j.get("median_ms") is None:
        return {"error": failure(rc, err, to, timeout)}
    m = re.search(r"^PEAK_RSS_BYTES (\d+)$", err, re.M)
    j["peak_rss_bytes"] = int(m.group(1)) if m else None
    return j


def summarize(rounds, socd):
    ok = [r for r in rounds if "median_ms" in r]
    if not ok:
        return {"error": rounds[0].get("error", "no rounds") if rounds else "not run"}
    s = {
        "median_ms": statistics.median(r["median_ms"] for r in ok),
        "round_medians_ms": [round(r["median_ms"], 4) for r in ok],
        "min_ms": min(r["min_ms"] for r in ok),
        "p90_ms": statistics.median(r["p90_ms"] for r in ok),
        "rounds": len(ok),
    }
    if socd:
        s["load_ms"] = statistics.median(r["load_ms"] for r in ok)
        s["peak_rss_bytes"] = max(r.get("peak_rss_bytes", 0) for r in ok)
        for k in ("arena_bytes", "tensor_bytes", "bytes_copied", "nodes", "dynamic", "backend"):
            if k in ok[-1]:
                s[k] = ok[-1][k]
        checks = [r["check"] for r in ok if "check" in r]
        if checks:
            s["check"] = checks[0]
        if len(ok) < len(rounds):
            s["failed_rounds"] = [r.get("error") for r in rounds if "median_ms" not in r]
    else:
        s["peak_rss_bytes"] = max((r["peak_rss_bytes"] or 0 for r in ok), default=None) or None
    return s


PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(.+?)\s+\[(.)\]\s+(.*?)\s*$")
PERF_DSO_LINE = re.compile(r"^\s*([\d.]+)%\s+(.+?)\s*$")


def profile(a, model, prep, median_ms, tmp):
    """Flat perf profile of socd-run at 1 thread over ~3 s of runs: the hottest symbols, and the
    time per object (JIT code such as oneDNN's shows up as many small [unknown] addresses)."""
    if not shutil.which("perf"):
        return {"error": "perf not installed"}
    data = os.path.join(tmp, "perf.data")
    runs = max(20, int(3000 / max(median_ms, 0.01)))
    cmd = ["perf", "record", "-q", "-F", "1999", "-o", data, "--", a.socd_run, model, "--inputs",
           prep["pb_dir"], "--threads", "1", "--runs", str(runs), "--warmup", "2"]
    for k, v in prep["dims"].items():
        cmd += ["--dim", f"{k}={v}"]
    rc, _, err, _ = run(cmd, a.timeout)
    if rc != 0:
        return {"error": "perf record failed: " + " ".join(err.split())[-300:]}
    report = ["perf", "report", "-i", data, "--stdio", "--no-children", "--percent-limit", "1"]
    _, out, _, _ = run(report + ["--sort", "dso,sym"], a.timeout)
    # JIT code has no symbols, only one row per address; its total is in the objects list.
    symbols = [{"percent": float(m.group(1)), "dso": m.group(2), "symbol": m.group(4)}
               for m in map(PERF_LINE.match, out.splitlines())
               if m and not m.group(2).startswith("[JIT]")]
    _, out, _, _ = run(report + ["--sort", "dso"], a.timeout)
    objects = [{"percent": float(m.group(1)), "dso": m.group(2)}
               for m in map(PERF_DSO_LINE.match, out.splitlines()) if m]
    return {"runs": runs, "symbols": symbols[:15], "objects": objects[:8]}


def machine():
    cpu, flags = "?", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu == "?":
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    feats = "AVX-512" if "avx512f" in flags else "AVX2+FMA" if {"avx2", "fma"} <= flags else \
        "AVX" if "avx" in flags else "NEON" if "asimd" in flags else "baseline"
    return {"cpu": cpu, "cores": os.cpu_count(), "features": feats,
            "loadavg_start": round(os.getloadavg()[0], 2)}


def socd_version():
    try:
        return subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def find_python(arg):
    if arg:
        return arg
    try:
        import onnxruntime  # noqa: F401  (already running in the peers' venv)
        return sys.executable
    except ImportError:
        pass
    setup = os.path.join(SHARED, "peers", "setup.sh")
    log(f"setting up peers with {setup}")
    venv = subprocess.run(["bash", setup], capture_output=True, text=True, check=True).stdout
    return os.path.join(venv.strip().splitlines()[-1], "bin", "python")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(DEFAULT_MODELS),
                   help="comma-separated names in ../shared/models or paths to .onnx files")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--runs-per-round", type=int, default=5)
    p.add_argument("--warmup", type=int, default=3, help="untimed runs per process and side")
    p.add_argument("--socd-run", default=os.path.join(ROOT, "build", "socd-run"))
    p.add_argument("--python", help="the peers' venv python (default: run ../shared/peers/setup.sh)")
    p.add_argument("--ort-peer", default=os.path.join(SHARED, "peers", "ort_peer.py"))
    p.add_argument("--timeout", type=int, default=600, help="seconds per process")
    p.add_argument("--profile", action="store_true", help="also perf-profile socd at 1 thread")
    p.add_argument("--out", default=os.path.join(HERE, "results", "peer.json"))
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    p.add_argument("--no-doc", action="store_true", help="only write the JSON")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 if socd failed on a model or its output check failed")
    a = p.parse_args()
    a.threads = [int(t) for t in a.threads.split(",") if t]
    if a.rounds < 1 or a.runs_per_round < 1 or not a.threads or min(a.threads) < 1:
        p.error("--rounds, --runs-per-round and --threads must be >= 1")
    if not os.access(a.socd_run, os.X_OK):
        p.error(f"{a.socd_run} is not an executable (build socd-run or pass --socd-run)")
    a.socd_run = os.path.abspath(a.socd_run)
    a.python = find_python(a.python)

    versions = {"socd": socd_version(), "socd_run": os.path.relpath(a.socd_run, ROOT),
                "socd_gemm": "SOCD_GEMM=" + os.environ.get("SOCD_GEMM", "(unset: default)")}
    rc, out, err, _ = run([a.python, "-c", VERSIONS], 120)
    versions.update(json.loads(out) if rc == 0 else {"onnxruntime": "? " + err[-200:]})
    res = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine(),
           "versions": versions, "threads": a.threads, "command": " ".join(sys.argv),
           "method": {"rounds": a.rounds, "runs_per_round": a.runs_per_round, "warmup": a.warmup,
                      "statistic": "median of per-round medians; rounds alternate which side "
                                   "goes first; fresh process per side and round"},
           "results": []}
    log(f"machine {res['machine']}, versions {versions}")

    for name in a.models.split(","):
        model_name, model, data_dir = resolve_model(name.strip())
        with tempfile.TemporaryDirectory(prefix="peer_bench_") as tmp:
            rc, out, err, _ = run([a.python, "-c", PREP, model, data_dir, tmp, "1"], a.timeout)
            prep = last_json(out) if rc == 0 else None
            if prep is None:
                msg = f"{model} not found" if not os.path.exists(model) else \
                    "could not prepare inputs: " + failure(rc, err, False, a.timeout)
                log(f"{model_name}: {msg}")
                for t in a.threads:
                    res["results"].append({"model": model_name, "threads": t,
                                           "socd": {"error": msg}, "ort": {"error": msg}})
                continue
            has_ref = data_dir and os.path.exists(os.path.join(data_dir, "output_0.pb"))
            load_error = None  # unsupported op / load failure: the same at every thread count
            for t in a.threads:
                socd_rounds, ort_rounds = [], []
                for r in range(a.rounds):
                    order = ("socd", "ort") if r % 2 == 0 else ("ort", "socd")
                    for side in order:
                        if side == "ort":
                            ort_rounds.append(ort_round(a, model, prep, t, a.timeout))
                        elif load_error:
                            socd_rounds.append({"error": load_error})
                        else:
                            check = data_dir if has_ref and not socd_rounds else ""
                            j = socd_round(a, model, prep, t, check, a.timeout)
                            socd_rounds.append(j)
                            if j.get("exit") in (2, 3):
                                load_error = j["error"]
                s, o = summarize(socd_rounds, True), summarize(ort_rounds, False)
                row = {"model": model_name, "threads": t, "socd": s, "ort": o}
                if "median_ms" in s and "median_ms" in o and o["median_ms"] > 0:
                    row["ratio"] = s["median_ms"] / o["median_ms"]
                if a.profile and t == min(a.threads) and "median_ms" in s:
                    row["profile"] = profile(a, model, prep, s["median_ms"], tmp)
                res["results"].append(row)
                fmt = lambda d: f"{d['median_ms']:.3f} ms" if "median_ms" in d else d["error"]
                log(f"{model_name} x{t}: socd {fmt(s)}; ORT {fmt(o)}"
                    + (f"; socd/ORT {row['ratio']:.2f}" if "ratio" in row else ""))
                save(a, res)
    res["machine"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    save(a, res)
    log(f"wrote {a.out}")
    if not a.no_doc:
        bench_doc.update(a.doc, "peer-bench", bench_doc.render_peer(res))
        if a.profile:
            bench_doc.update(a.doc, "peer-profile", bench_doc.render_profile(res))
        log(f"updated {a.doc}")
    bad = [f"{r['model']} x{r['threads']}" for r in res["results"]
           if r["socd"].get("error") or not r["socd"].get("check", {"passed": True})["passed"]]
    if a.strict and bad:
        log(f"--strict: socd failed or mismatched on {', '.join(bad)}")
        sys.exit(1)


def save(a, res):
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
