#!/usr/bin/env python3
"""Runs bench_gemm (bench/gemm_candidates.cc) and puts its table into docs/BENCHMARKS.md under
"GEMM library choice". Python 3 stdlib only.

  python3 bench/gemm_report.py [--bench-gemm build/bench/bench_gemm] [--threads 1] [--samples 7]
        [--sample-ms 20] [--clock wall|cpu] [--statistic median|best]
        [--out bench/results/gemm.json] [--doc docs/BENCHMARKS.md]
  python3 bench/gemm_report.py --from-json bench/results/gemm.json   # re-render only
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_doc  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench-gemm", default=os.path.join(ROOT, "build", "bench", "bench_gemm"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=7)
    p.add_argument("--sample-ms", type=float, default=20)
    p.add_argument("--statistic", choices=["median", "best"], default="median",
                   help="per shape: median sample (default) or best sample (on a busy machine, "
                        "many short samples and 'best' estimate the unloaded speed of shapes "
                        "whose single call is shorter than a scheduler time slice)")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="wall time (default) or process CPU time (1 thread; for a busy machine)")
    p.add_argument("--shapes", help="MxNxK[:label],... (default: bench_gemm's list)")
    p.add_argument("--out", default=os.path.join(HERE, "results", "gemm.json"))
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    p.add_argument("--no-doc", action="store_true", help="only write the JSON")
    p.add_argument("--from-json", metavar="FILE", help="render FILE into the doc without measuring")
    a = p.parse_args()

    if a.from_json:
        with open(a.from_json) as f:
            res = json.load(f)
    else:
        cmd = [a.bench_gemm, "--json", "--threads", str(a.threads), "--samples", str(a.samples),
               "--sample-ms", str(a.sample_ms), "--clock", a.clock]
        if a.shapes:
            cmd += ["--shapes", a.shapes]
        load = os.getloadavg()[0]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit(f"gemm_report: {' '.join(cmd)} failed: {e}")
        res = json.loads(out.strip().splitlines()[-1])
        res["date"] = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        res["loadavg"] = round(load, 2)
        res["command"] = " ".join(cmd)
        res["statistic"] = a.statistic
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
        print(f"gemm_report: wrote {a.out}", file=sys.stderr)
    body = bench_doc.render_gemm(res)
    print(body)
    if not a.no_doc:
        bench_doc.update(a.doc, "gemm-bench", body)
        print(f"gemm_report: updated {a.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
