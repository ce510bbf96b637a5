"""Tables and figure of the reproduction report, generated from benchmarks/results/report/*.json (never typed by hand).

- Table 2 at CPU scale: each task's score per method, and relative to FT (SST-2's run): time to 97% of FT's score
  (the teacher's training time added for the methods that distil from FT, as the authors' script does), training
  peak memory, inference time and inference memory; the paper's RoBERTa-base row beside each method.
- Table 4 (+ kurtosis): the APT ablations on SST-2.
- Figure 3: SST-2 accuracy against inference speed-up and against inference memory, APT and LoRA+Prune, every
  sparsity measured (benchmarks/results/report.png).

Run: `python benchmarks/report_render.py` writes benchmarks/results/report.md (and report.png when there is a sweep);
`--readme` also puts the tables into nbs/index.ipynb between `<!-- report:start -->` and `<!-- report:end -->` and
regenerates README.md. Missing runs show as "–".
"""
import argparse
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "report"
NAMES = {"ft": "FT", "lora": "LoRA", "lora-prune": "LoRA+Prune", "prune-distill": "Prune+Distill",
         "lora-prune-distill": "LoRA+Prune+Distill", "apt": "APT"}
PAPER = {   # paper Table 2, RoBERTa-base: SST-2, and relative to FT: train time (97% TTA), train mem, inf time, inf mem
    "ft": (94.8, 100.0, 100.0, 100.0, 100.0), "lora": (95.1, 2137.0, 60.5, 100.0, 100.0),
    "lora-prune": (93.0, 5128.3, 60.5, 38.0, 75.1), "prune-distill": (94.5, 1495.3, 168.5, 38.6, 79.2),
    "lora-prune-distill": (91.9, 6534.6, 141.4, 39.4, 82.3), "apt": (94.5, 592.1, 70.1, 41.3, 78.1)}
PAPER_ABL = {"apt": (94.5, 592.1, 70.1), "no-adaptive-pruning": (94.4, 82.6, 62.2), "uniform-rank-growth": (94.3, 609.8, 65.0),
             "fixed-ranks": (93.2, 684.9, 64.4), "no-self-distillation": (92.9, 483.1, 61.9), "with-kurtosis": (None, None, None)}
PAPER_KURTOSIS = (50.0, 38.1)   # paper Table 5, LLaMA-2-7B at 30% sparsity: average score of APT with and without kurtosis
TASKS = ("sst2", "rte", "stsb")
TASK_NAMES = {"sst2": "SST-2", "rte": "RTE", "stsb": "STS-B"}


def load(folder=RESULTS) -> dict:
    "Every finished run's metrics, by run name."
    return {f.stem: json.loads(f.read_text()) for f in sorted(Path(folder).glob("*.json"))}


def own_peak(r: dict):
    """A run's training peak memory in MB if it ran in a process of its own; None otherwise (a process's resident peak
    includes the runs before it)."""
    return r["train_peak_mem_mb"] if r.get("report", {}).get("own_process") else None


def final_from(r: dict) -> int:
    """The step after which a run's evaluations are of its final architecture: APT's last pruning event, the end of
    CoFi's pruning, LoRA+Prune's pruning between its phases; 0 for FT, LoRA and unpruned APT."""
    c = r.get("config", {})
    if "lora_prune" in c: return c["lora_prune"]["lora_steps"]
    if "cofi" in c: return c["cofi"]["prune_steps"][1]
    if c.get("events") and c.get("preset", {}).get("target_sparsity", 0) > 0: return c["events"][-1]
    return 0


def tta(runs: dict, name: str, reference: float):
    """Seconds to the first evaluation of the final architecture at >= 97% of `reference` (teacher's training time
    added); inf if never reached, None if unknown."""
    r = runs.get(name)
    if r is None or reference is None: return None
    ok = (lambda m: m >= 0.97 * reference) if r.get("greater_is_better", True) else (lambda m: m <= reference / 0.97)
    after = final_from(r)
    t = next((h["seconds"] for h in r["eval_history"] if h["step"] > after and ok(h["metric"])), math.inf)
    teacher = r.get("report", {}).get("teacher")
    if teacher: t += runs[teacher]["train_seconds"] if teacher in runs else float("nan")
    return t


def relative(runs: dict, name: str, ft: str):
    """(train time to 97% of FT, train peak memory, inference time, inference memory) as % of FT's run, None where unknown.
    Inference time is the run's own dense / compressed throughput, measured one after the other in the same process
    (the dense model is FT's architecture), so machine noise between runs does not enter the ratio. Training memory
    is compared only between peaks measured each in a process of its own (`own_peak`)."""
    r, f = runs.get(name), runs.get(ft)
    if r is None or f is None: return (None,) * 4
    t, tf = tta(runs, name, f["metric"]), tta(runs, ft, f["metric"])
    pr, pf = own_peak(r), own_peak(f)
    return (None if t is None or not tf else 100 * t / tf, None if pr is None or pf is None else 100 * pr / pf,
            100 / r["inference"]["speedup"],
            100 * r["inference"]["mem_compressed_mb"] / f["inference"]["mem_compressed_mb"])


def fmt(v, spec="{:.1f}", missing="–"): return missing if v is None else "not reached" if math.isinf(v) else spec.format(v)


def table2(runs: dict) -> str:
    head = ("| method | SST-2 | RTE | STS-B | kept params (SST-2) | train time to 97% FT | train mem | inf time | inf mem "
            "| paper (RoBERTa-base): SST-2, time, mem, inf time, inf mem |")
    lines = [head, "|" + "---|" * 10]
    for m, label in NAMES.items():
        scores = [fmt(runs[f"{t}-{m}"]["metric"]) if f"{t}-{m}" in runs else "–" for t in TASKS]
        rel = relative(runs, f"sst2-{m}", "sst2-ft")
        p = PAPER[m]
        kept = fmt(100 * runs[f"sst2-{m}"]["kept_param_ratio"] if f"sst2-{m}" in runs else None, "{:.0f}%")
        lines.append(f"| {label} | " + " | ".join(scores) + f" | {kept} | " + " | ".join(fmt(v, "{:.0f}%") for v in rel)
                     + f" | {p[0]}, {p[1]:.0f}%, {p[2]:.0f}%, {p[3]:.0f}%, {p[4]:.0f}% |")
    return "\n".join(lines)


def table4(runs: dict) -> str:
    lines = ["| APT variant (SST-2) | accuracy | train time to 97% FT | train mem | paper: SST-2, time, mem |", "|---|---|---|---|---|"]
    for v, p in PAPER_ABL.items():
        name = "sst2-apt" if v == "apt" else f"sst2-apt-{v}"
        acc = fmt(runs[name]["metric"]) if name in runs else "–"
        rel = relative(runs, name, "sst2-ft")
        paper = "–" if p[0] is None else f"{p[0]}, {p[1]:.0f}%, {p[2]:.0f}%"
        lines.append(f"| {v} | {acc} | {fmt(rel[0], '{:.0f}%')} | {fmt(rel[1], '{:.0f}%')} | {paper} |")
    return "\n".join(lines)


def claims(runs: dict) -> list:
    "The paper's claims, each as (claim, paper's figures, ours, verdict): verdict is holds, does not hold, or – while runs are missing."
    score = lambda n: runs[n]["metric"] if n in runs else None
    rel = {m: relative(runs, f"sst2-{m}", "sst2-ft") for m in NAMES}
    out = []
    def add(text, paper, ours, ok): out.append((text, paper, ours, "–" if ok is None else "holds" if ok else "does not hold"))
    ratios = {t: score(f"{t}-apt") / score(f"{t}-ft") for t in TASKS if score(f"{t}-apt") is not None and score(f"{t}-ft")}
    P = {m: dict(zip(("score", "time", "mem", "inf_time", "inf_mem"), v)) for m, v in PAPER.items()}
    pct = lambda v: f"{v:.0f}%"
    add("APT keeps at least 97% of FT's score at 60% sparsity", f"SST-2 {100 * P['apt']['score'] / P['ft']['score']:.1f}%",
        ", ".join(f"{TASK_NAMES[t]} {100 * r:.1f}%" for t, r in ratios.items()) or "–",
        None if "sst2" not in ratios else all(r >= 0.97 for r in ratios.values()))
    others = ("lora-prune", "prune-distill", "lora-prune-distill")
    sc = {m: score(f"sst2-{m}") for m in ("apt",) + others}
    add("APT scores at least as well as the other pruning methods (SST-2)",
        f"{P['apt']['score']} vs " + ", ".join(str(P[m]["score"]) for m in others),
        f"{fmt(sc['apt'])} vs " + ", ".join(fmt(sc[m]) for m in others), None if None in sc.values() else sc["apt"] >= max(sc[m] for m in others))
    t = {m: rel[m][0] for m in ("apt",) + others}
    add("APT reaches 97% of FT sooner than the other pruning methods",
        f"{pct(P['apt']['time'])} of FT's time vs " + ", ".join(pct(P[m]["time"]) for m in others),
        f"{fmt(t['apt'], '{:.0f}%')} vs " + ", ".join(fmt(t[m], "{:.0f}%") for m in others),
        None if None in t.values() else all(t["apt"] < t[m] for m in others))
    mem = {m: rel[m][1] for m in ("apt", "prune-distill")}
    add("APT trains in less peak memory than FT and than Prune+Distill",
        f"{pct(P['apt']['mem'])} of FT vs Prune+Distill {pct(P['prune-distill']['mem'])}",
        f"{fmt(mem['apt'], '{:.0f}%')} vs {fmt(mem['prune-distill'], '{:.0f}%')}",
        None if None in mem.values() else mem["apt"] < 100 and mem["apt"] < mem["prune-distill"])
    inf = rel["apt"][2:]
    add("APT's pruned model is faster and smaller at inference than FT's",
        f"{pct(P['apt']['inf_time'])} of FT's time, {pct(P['apt']['inf_mem'])} of its memory",
        f"{fmt(inf[0], '{:.0f}%')} time, {fmt(inf[1], '{:.0f}%')} memory", None if None in inf else inf[0] < 100 and inf[1] < 100)
    pts = {m: {round(100 * p[0]): p[1] for p in v} for m, v in sweep_points(runs).items()}
    common = sorted(set(pts.get("apt", {})) & set(pts.get("lora-prune", {})))
    add("APT is more accurate than LoRA+Prune at every sparsity (Figure 3)", "at every sparsity up to 90%",
        ", ".join(f"{s}%: {pts['apt'][s]:.1f} vs {pts['lora-prune'][s]:.1f}" for s in common) or "–",
        None if len(common) < 3 else all(pts["apt"][s] > pts["lora-prune"][s] for s in common))
    for v in ("no-self-distillation", "fixed-ranks", "uniform-rank-growth"):
        a, b = score("sst2-apt"), score(f"sst2-apt-{v}")
        add(f"Each part helps: APT {v.replace('-', ' ')} scores lower (SST-2)", f"{PAPER_ABL[v][0] - PAPER_ABL['apt'][0]:+.1f} points",
            "–" if None in (a, b) else f"{b - a:+.1f} points", None if None in (a, b) else b < a)
    a, k = score("sst2-apt"), score("sst2-apt-with-kurtosis")
    add("The kurtosis (outlier-aware) salience term helps (APT here runs without it; the row adds it)",
        f"LLaMA-2-7B only, 30% sparsity: {PAPER_KURTOSIS[0]} avg with it vs {PAPER_KURTOSIS[1]} without; never applied "
        "to RoBERTa by the authors' code", "–" if None in (a, k) else f"{k:.1f} with it vs {a:.1f} without",
        None if None in (a, k) else k > a)
    t = (rel["apt"][0], relative(runs, "sst2-apt-no-adaptive-pruning", "sst2-ft")[0])
    add("Adaptive pruning costs training time: without it APT reaches 97% of FT sooner",
        f"{pct(PAPER_ABL['no-adaptive-pruning'][1])} of FT's time vs {pct(PAPER_ABL['apt'][1])}",
        f"{fmt(t[1], '{:.0f}%')} vs {fmt(t[0], '{:.0f}%')}", None if None in t else t[1] < t[0])
    return out


def claims_table(runs: dict) -> str:
    rows = ["| the paper's claim | paper (RoBERTa-base) | here (MiniLM, CPU scale) | verdict |", "|---|---|---|---|"]
    return "\n".join(rows + [f"| {c} | {p} | {o} | {v} |" for c, p, o, v in claims(runs)])


def sweep_points(runs: dict) -> dict:
    "method -> sorted [(sparsity, accuracy, speed-up, memory ratio)] over SST-2 runs at every sparsity."
    out = {}
    for m in ("apt", "lora-prune"):
        pts = []
        for name, r in runs.items():
            if not name.startswith(f"sst2-{m}") or r.get("report", {}).get("group") == "ablations": continue
            rest = name[len(f"sst2-{m}"):]
            if rest and not rest[1:].isdigit(): continue   # sst2-lora-prune is not a sweep point of lora
            inf = r["inference"]
            pts.append((1 - r["kept_param_ratio"], r["metric"], inf["speedup"], inf["mem_compressed_mb"] / inf["mem_dense_mb"]))
        if pts: out[m] = sorted(pts)
    return out


def figure(points: dict, path: Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.4))
    for m, pts in points.items():
        s, acc, sp, mem = zip(*pts)
        for ax, x in zip(axs, (sp, mem)):
            ax.plot(x, acc, marker="o", label=NAMES[m])
            for xi, yi, si in zip(x, acc, s): ax.annotate(f"{si:.0%}", (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
    axs[0].set_xlabel("inference speed-up (compressed / dense throughput)"); axs[1].set_xlabel("inference memory (fraction of dense)")
    for ax in axs: ax.set_ylabel("SST-2 dev accuracy (%)"); ax.grid(alpha=0.3); ax.legend(fontsize=8)
    fig.suptitle("MiniLM, SST-2: accuracy against inference efficiency at each sparsity (labels)", fontsize=9)
    fig.tight_layout(); fig.savefig(path, dpi=110); plt.close(fig)


def machines(runs: dict) -> str:
    "The machines the runs ran on, with how many runs each: time ratios compare runs of one machine only."
    cpus = Counter(r.get("report", {}).get("cpu", "not recorded") for r in runs.values())
    return "; ".join(f"{c} ({k} run{'s' * (k > 1)})" for c, k in cpus.most_common())


def render(runs: dict) -> str:
    n = len(runs)
    return (f"Runs finished: {n} (`python benchmarks/report.py`; results in `benchmarks/results/report/`), on: "
            f"{machines(runs)}.\n\n"
            "**Table 2 at CPU scale** (MiniLM, 60% sparsity; efficiency on SST-2 relative to FT; inference time is each run's "
            "dense / compressed throughput measured side by side, so FT's own row shows the measurement's noise"
            + "; training memory is each run's peak resident memory (VmHWM, reset when training starts), every run in a "
            "process of its own"
            + "):\n\n" + table2(runs)
            + "\n\n**Table 4 ablations (+ kurtosis)** (MiniLM, SST-2, 60% sparsity; relative to FT):\n\n" + table4(runs)
            + "\n\n**Which of the paper's claims hold here** (computed from the same results):\n\n" + claims_table(runs) + "\n"
            + ("\n**Figure 3 at CPU scale** (SST-2; APT and LoRA+Prune at every sparsity measured):\n\n"
               "![accuracy against inference speed-up and memory](benchmarks/results/report.png)\n" if sweep_points(runs) else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", action="store_true", help="also update nbs/index.ipynb and README.md")
    a = ap.parse_args()
    runs = load()
    text = render(runs)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "report.md").write_text(text)
    pts = sweep_points(runs)
    if pts: figure(pts, HERE / "results" / "report.png")
    print(text)
    if a.readme:
        nb_path = HERE.parent / "nbs" / "index.ipynb"
        nb = json.loads(nb_path.read_text())
        start, end = "<!-- report:start -->", "<!-- report:end -->"
        for c in nb["cells"]:
            s = "".join(c["source"])
            if start in s and end in s:
                s = s[:s.index(start) + len(start)] + "\n" + text + s[s.index(end):]
                c["source"] = s.splitlines(keepends=True)
                break
        else: sys.exit(f"no {start} ... {end} section in {nb_path}")
        nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        subprocess.run([sys.executable, str(HERE.parent / "tests" / "run_all.py"), "--write-readme"], check=True)


if __name__ == "__main__":
    main()
