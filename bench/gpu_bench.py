"""Every model in ../shared/models on the CPU, Vulkan and OpenCL backends, side by side.

    python3 bench/gpu_bench.py [--socd-run build/socd-run] [--models a,b] [--runs N]

Runs `socd-run MODEL --backend B --runs N --json --inputs MODEL/test_data_set_0` once per model
and backend (each process loads the model, warms up once and times N runs), writes
bench/results/gpu.json and the `gpu-bench` section of docs/BENCHMARKS.md. On this project's
machine the "GPUs" are lavapipe and PoCL on the same CPU cores, so the ratios measure socd's GPU
paths and their overheads, not GPU speed. Models slower than --big-ms on the CPU get fewer GPU
runs (--big-runs) because one lavapipe run of vgg19 takes minutes. Python 3 stdlib only.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
if not os.path.isdir(os.path.join(SHARED, "models")) and os.path.isdir("/work/shared/models"):
    SHARED = "/work/shared"
sys.path.insert(0, HERE)
import bench_doc  # noqa: E402

LVP_ICD = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
BACKENDS = ("cpu", "vulkan", "opencl")


def run_one(a, model, backend, runs):
    """socd-run's --json line for one model on one backend, or {"error": ...}."""
    path = os.path.join(SHARED, "models", model + ".onnx")
    cmd = [a.socd_run, path, "--backend", backend, "--runs", str(runs), "--warmup", "1", "--json"]
    data = os.path.join(SHARED, "models", model, "test_data_set_0")
    if os.path.isdir(data):
        cmd += ["--inputs", data]
    env = dict(os.environ)
    env.setdefault("VK_ICD_FILENAMES", LVP_ICD)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {a.timeout} s"}
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {p.returncode}: {tail[:160]}"}
    return json.loads(lines[-1])


def fmt_ms(v):
    return f"{v:.3f}" if v < 1 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def render(results, meta):
    out = [
        f"Measured {meta['date']} (load average {meta['load']} at the start, "
        f"{meta['cpus']} cores; CPU backend 1 thread); median of {meta['runs']} runs "
        f"(GPU: {meta['big_runs']} for models over {meta['big_ms']:g} ms on the CPU) after one warm-up, inputs "
        "from each model's test_data_set_0. Load = model load + first Prepare (pipelines / "
        "program from the warm cache). Copied = bytes_copied per run.",
        "",
        "| model | CPU ms | Vulkan ms | Vulkan / CPU | Vulkan load ms | Vulkan copied "
        "| OpenCL ms | OpenCL / CPU | OpenCL load ms | OpenCL copied |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for model in sorted(results):
        r = results[model]
        cpu = r.get("cpu", {})
        row = [model, fmt_ms(cpu["median_ms"]) if "median_ms" in cpu else cpu.get("error", "-")]
        for b in ("vulkan", "opencl"):
            g = r.get(b, {})
            if "median_ms" not in g:
                row += [g.get("error", "-"), "", "", ""]
                continue
            ratio = g["median_ms"] / cpu["median_ms"] if cpu.get("median_ms") else float("nan")
            row += [fmt_ms(g["median_ms"]), f"{ratio:.1f}×", fmt_ms(g["load_ms"]),
                    str(g["bytes_copied"])]
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--socd-run", default=os.path.join(ROOT, "build", "socd-run"))
    p.add_argument("--models", help="comma-separated names (default: every model)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--big-runs", type=int, default=1)
    p.add_argument("--big-ms", type=float, default=30.0)
    p.add_argument("--timeout", type=int, default=900, help="seconds per process")
    p.add_argument("--out", default=os.path.join(HERE, "results", "gpu.json"))
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    p.add_argument("--no-doc", action="store_true")
    a = p.parse_args()
    models_dir = os.path.join(SHARED, "models")
    models = a.models.split(",") if a.models else sorted(
        f[:-5] for f in os.listdir(models_dir) if f.endswith(".onnx"))
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "load": f"{os.getloadavg()[0]:.1f}",
            "cpus": os.cpu_count(), "runs": a.runs, "big_runs": a.big_runs, "big_ms": a.big_ms}
    results = {}
    for m in models:
        results[m] = {}
        for b in BACKENDS:
            cpu_ms = results[m].get("cpu", {}).get("median_ms", 0)
            runs = a.big_runs if b != "cpu" and cpu_ms > a.big_ms else a.runs
            t0 = time.time()
            results[m][b] = run_one(a, m, b, runs)
            got = results[m][b]
            print(f"{m:28s} {b:7s} {got.get('median_ms', got.get('error'))} "
                  f"({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    if not a.no_doc:
        bench_doc.update(a.doc, "gpu-bench", render(results, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
