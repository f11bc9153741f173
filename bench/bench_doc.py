"""Renders the generated parts of docs/BENCHMARKS.md from bench/results/*.json.

Generated text sits between <!-- NAME:begin --> and <!-- NAME:end --> markers; everything outside
them (the analysis a person writes) is kept when the scripts regenerate the doc. Python 3 stdlib.
"""
import math
import os
import re

TEMPLATE = """# Benchmarks

socd's CPU backend against ONNX Runtime (the peer most users would pick instead), and the GEMM
library socd calls, measured on the project's machine. Tables between `<!-- ...:begin/end -->`
markers are generated; the text around them is written by hand and kept on regeneration.

Regenerate (on a quiet machine: nothing else building or running — check `uptime`):

    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build socd-run bench_gemm
    PEERS=$(../shared/peers/setup.sh)
    $PEERS/bin/python bench/peer_bench.py --socd-run build/socd-run --profile   # ~15 min
    python3 bench/gemm_report.py --bench-gemm build/bench/bench_gemm           # ~1 min

`peer_bench.py --help` and `gemm_report.py --help` list the options (models, thread counts, rounds).
Raw results: `bench/results/peer.json`, `bench/results/gemm.json`.

## socd vs ONNX Runtime

<!-- peer-bench:begin -->
(not measured yet)
<!-- peer-bench:end -->

### What limits socd where the ratio is above 1.0

(written after each measurement from the profiles below)

## GEMM library choice

<!-- gemm-bench:begin -->
(not measured yet)
<!-- gemm-bench:end -->

## Profiles

<!-- peer-profile:begin -->
(run `peer_bench.py --profile`)
<!-- peer-profile:end -->
"""


def update(doc_path, name, body):
    """Replaces the NAME section of doc_path with body (creating the doc from TEMPLATE)."""
    text = open(doc_path).read() if os.path.exists(doc_path) else TEMPLATE
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pat.search(text):
        text = pat.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + f"\n\n{block}\n"
    os.makedirs(os.path.dirname(os.path.abspath(doc_path)), exist_ok=True)
    with open(doc_path, "w") as f:
        f.write(text)


def _mib(b):
    return f"{b / 1048576:.1f}" if isinstance(b, (int, float)) else "–"


def _ms(v):
    if not isinstance(v, (int, float)):
        return "–"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def _cell(s, limit=160):
    s = " ".join(str(s).split()).replace("|", "\\|")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def render_peer(res):
    m = res["machine"]
    v = res["versions"]
    meth = res["method"]
    la0, la1 = m.get("loadavg_start"), m.get("loadavg_end")
    lines = [
        f"Measured {res['date']} on **{m['cpu']}**, {m['cores']} cores ({m.get('features', '?')}); "
        f"1-minute load average {la0} at start, {la1} at end.",
    ]
    if isinstance(la0, (int, float)) and la0 > 0.5 * max(1, min(res["threads"])):
        lines.append("")
        lines.append("**Warning: the machine was not idle at the start (load average above); "
                     "treat these numbers as provisional.**")
    lines += [
        "",
        f"socd {v.get('socd', '?')} (`{v.get('socd_run', 'socd-run')}`, GEMM: "
        f"{v.get('socd_gemm', '?')}); ONNX Runtime {v.get('onnxruntime', '?')} "
        f"(CPU execution provider, ORT_ENABLE_ALL, sequential, intra-op threads = the thread count).",
        "",
        f"{meth['rounds']} alternating rounds per side of {meth['warmup']} warm-up and "
        f"{meth['runs_per_round']} timed runs in a fresh process; each number is the median of the "
        f"round medians ({meth['rounds'] * meth['runs_per_round']} timed runs). socd/ORT below 1.0: "
        f"socd is faster. Peak RSS: each process's own (ORT's includes its Python interpreter).",
        "",
        "| model | threads | socd ms | ORT ms | socd/ORT | socd load ms | socd peak RSS MiB "
        "| socd arena MiB | ORT peak RSS MiB | output check |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ratios, wins, rows, failing = [], 0, 0, []
    for r in res["results"]:
        s, o = r.get("socd", {}), r.get("ort", {})
        ort_ms = _ms(o.get("median_ms")) if not o.get("error") else "error: " + _cell(o["error"], 80)
        if s.get("error"):
            lines.append(f"| {r['model']} | {r['threads']} | not run: {_cell(s['error'])} | {ort_ms} "
                         f"| – | – | – | – | {_mib(o.get('peak_rss_bytes'))} | – |")
            if r["model"] not in failing:
                failing.append(r["model"])
            continue
        ratio = r.get("ratio")
        rows += 1
        if ratio:
            ratios.append(ratio)
            wins += ratio <= 1.0
        chk = s.get("check")
        chk_s = "–" if not chk else ("pass" if chk.get("passed") else
                                     "**FAIL** " + _cell(chk.get("message", ""), 80))
        ratio_s = "–" if not ratio else (f"**{ratio:.2f}**" if ratio > 1.0 else f"{ratio:.2f}")
        lines.append(
            f"| {r['model']} | {r['threads']} | {_ms(s.get('median_ms'))} | {ort_ms} | {ratio_s} "
            f"| {_ms(s.get('load_ms'))} | {_mib(s.get('peak_rss_bytes'))} "
            f"| {_mib(s.get('arena_bytes'))} | {_mib(o.get('peak_rss_bytes'))} | {chk_s} |")
    g = _geomean(ratios)
    lines += ["", f"socd/ORT ≤ 1.0 on {wins} of {rows} measured rows"
              + (f"; geometric mean socd/ORT {g:.2f}" if g else "") + "."]
    if failing:
        lines.append(f"Not running in socd yet: {', '.join(failing)}.")
    return "\n".join(lines)


def render_profile(res):
    profs = [r for r in res["results"] if r.get("profile")]
    if not profs:
        return "(run `peer_bench.py --profile`)"
    out = [f"`perf record` (sampling, no call graphs) of socd-run at 1 thread, {res['date']}: "
           "time per object, then the hottest symbols. JIT code (oneDNN's GEMM kernels) has no "
           "symbols: it is the `[JIT] tid N` object's share. The ~3 s of runs include one model "
           "load.", ""]
    for r in profs:
        p = r["profile"]
        out += [f"**{r['model']}** ({r['threads']} thread" + (f", {p['runs']} runs" if "runs" in p
                                                               else "") + "):", ""]
        if p.get("error"):
            out += [_cell(p["error"], 300), ""]
            continue
        out.append("by object: " + ", ".join(f"{_cell(o['dso'], 40)} {o['percent']:.1f}%"
                                              for o in p.get("objects", [])))
        out += ["", "| % samples | object | symbol |", "|---:|---|---|"]
        for s in p.get("symbols", []):
            out.append(f"| {s['percent']:.1f} | {_cell(s['dso'], 40)} | {_cell(s['symbol'], 100)} |")
        out.append("")
    return "\n".join(out)


def render_gemm(res):
    libs = res["libs"]
    shapes = res["shapes"]
    key = "best_gflops" if res.get("statistic") == "best" else "gflops"
    stat = "best" if key == "best_gflops" else "median"
    peak = res["peak_gflops"] * res["threads"]
    lines = [
        f"Measured {res.get('date', '?')} with `bench_gemm` (bench/gemm_candidates.cc) on "
        f"**{res['cpu']}** ({res['features']}), {res['threads']} thread(s); 1-minute load "
        f"average {res.get('loadavg', '?')}. fp32 peak of one core, measured with a "
        f"register-only FMA loop ({res['peak_isa']}): **{res['peak_gflops']:.1f} GFLOP/s**. "
        f"Row-major C = A·B (no transposes), GFLOP/s = 2·M·N·K / {stat} time "
        f"({res['samples']} samples of ≥ {res['sample_ms']:g} ms), and % of that peak. "
        f"socd currently calls: **{res['socd_gemm']}**.",
        "",
    ]
    busy = isinstance(res.get("loadavg"), (int, float)) and res["loadavg"] > 0.8
    if res.get("clock") == "cpu":
        lines += [("The machine was busy (load average above), so t" if busy else "T") +
                  "imes are the process's CPU time, not wall time: that leaves out the time the "
                  "benchmark waited for a core, not the caches it shared with other work. "
                  "Provisional until rerun on a quiet machine with the default wall clock.", ""]
    elif busy:
        lines += ["**Warning: the machine was busy (load average above); treat these numbers as "
                  "provisional.**", ""]
    for j, l in enumerate(libs):
        lines.append(f"- [{j + 1}] {l['name']}" + (f" — {l['error']}" if l.get("error") else ""))
    lines += ["", "| shape | M×N×K | " + " | ".join(f"[{j + 1}]" for j in range(len(libs))) + " |",
              "|---|---|" + "---:|" * len(libs)]
    for i, s in enumerate(shapes):
        vals = [l["results"][i][key] if not l.get("error") else None for l in libs]
        best = max((v for v in vals if v), default=None)
        cells = []
        for l, v in zip(libs, vals):
            if v is None:
                cells.append("–")
                continue
            c = f"{v:.1f} ({100 * v / peak:.0f}%)" if peak else f"{v:.1f}"
            if not l["results"][i].get("matches", True):
                c += " ≠"
            cells.append(f"**{c}**" if v == best else c)
        lines.append(f"| {_cell(s['label'], 60)} | {s['m']}×{s['n']}×{s['k']} | "
                     + " | ".join(cells) + " |")
    gms = []
    for l in libs:
        g = None if l.get("error") else _geomean([x[key] for x in l["results"]])
        gms.append(f"{g:.1f}" if g else "–")
    lines.append("| geometric mean | | " + " | ".join(gms) + " |")
    lines += ["", "Bold: fastest on the row. ≠: result differs from [1]'s beyond rounding."]
    return "\n".join(lines)
