"""The reproduction report's runs: paper Table 2, Table 4 and Figure 3 at CPU scale, on the packaged MiniLM.

The suite (every run one `apt_nb.training.train` call on all-MiniLM-L6-v2, `cpu-small` preset, batch 16, length 64,
seed 0, the same step budget for every method of a task):
- main (Table 2): SST-2 (8,000 training sentences), RTE and STS-B x {ft, lora, lora-prune, prune-distill,
  lora-prune-distill, apt} at 60% sparsity. prune-distill and lora-prune-distill distil from the ft run of the same
  task; as in the authors' time-to-accuracy script, the teacher's training time is added to theirs in the report.
- ablations (Table 4, + kurtosis), SST-2, APT: without adaptive pruning (sparsity 0, no distillation), uniform rank
  growth, fixed ranks, without self-distillation, with the kurtosis term (cpu-small runs without it).
- sweep (Figure 3), SST-2: APT and LoRA+Prune at 40, 80 and 90% sparsity (60% comes from main).

Resumable: each finished run's metrics are written to benchmarks/results/report/<run>.json (its model folder is then
deleted) and a run whose file exists is skipped, so the suite can be stopped and started again, across sessions.
Before it starts, the script prints its estimate of the remaining time from per-step costs measured on this machine
(benchmarks/results/bench_sst2.json) and per-evaluation costs. Run one heavy job at a time.

Run: `python benchmarks/report.py [--only main|ablations|sweep] [--runs NAME,...] [--dry-run]`;
then `python benchmarks/report_render.py` for the tables and figure. `--smoke` runs every selected run for 24 steps
(2 pruning events) on 64 sentences into a temporary folder (a check of the plumbing, not results).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "report"
RUNS = HERE.parent / "runs" / "report"

TASKS = {   # steps, training sentences cap, lr per method family
    "sst2": {"steps": 400, "max_train_samples": 8000},
    "rte": {"steps": 200, "max_train_samples": None},
    "stsb": {"steps": 200, "max_train_samples": None},
}
COMMON = {"batch_size": 16, "max_length": 64, "eval_every": 0.25, "weight_decay": 0.01}
LR = {"ft": 5e-5, "prune-distill": 5e-5, "lora": 5e-4, "lora-prune": 5e-4, "lora-prune-distill": 5e-4, "apt": 1e-3}
METHODS = ("ft", "lora", "lora-prune", "prune-distill", "lora-prune-distill", "apt")
ABLATIONS = {   # name -> overrides of the APT run (paper Table 4, plus the kurtosis term)
    "no-adaptive-pruning": {"target_sparsity": 0.0, "distill_epochs": None},
    "uniform-rank-growth": {"growth_rule": "uniform"},
    "fixed-ranks": {"tuning_growth": 1.0},
    "no-self-distillation": {"distill_epochs": None},
    "with-kurtosis": {"use_kurtosis": True},
}
SWEEP = (0.4, 0.8, 0.9)
SECONDS_PER_STEP = {"ft": 0.92, "lora": 0.63, "lora-prune": 0.63, "prune-distill": 1.3, "lora-prune-distill": 1.0, "apt": 0.9}
EVAL_SECONDS = {"sst2": 18, "rte": 12, "stsb": 30}   # one pass over the dev set, MiniLM, 2 cores
FIXED_SECONDS = 60                                     # loading, the final throughput measurements, saving


def suite():
    "Every run of the report: name -> dict(task, method, overrides, teacher run, group)."
    runs = {}
    for task, t in TASKS.items():
        for m in METHODS:
            runs[f"{task}-{m}"] = {"group": "main", "task": task, "method": m, "teacher": f"{task}-ft" if "distill" in m else None,
                                   "overrides": {**COMMON, "max_steps": t["steps"], "lr": LR[m], "target_sparsity": 0.6}}
    for name, over in ABLATIONS.items():
        runs[f"sst2-apt-{name}"] = {"group": "ablations", "task": "sst2", "method": "apt", "teacher": None,
                                    "overrides": {**COMMON, "max_steps": TASKS["sst2"]["steps"], "lr": LR["apt"], "target_sparsity": 0.6, **over}}
    for sp in SWEEP:
        for m in ("apt", "lora-prune"):
            runs[f"sst2-{m}-{round(100 * sp)}"] = {"group": "sweep", "task": "sst2", "method": m, "teacher": None,
                                                  "overrides": {**COMMON, "max_steps": TASKS["sst2"]["steps"], "lr": LR[m], "target_sparsity": sp}}
    return runs


def seconds_per_step():
    "Per-step costs, updated from bench_sst2.json's measured phases when it is there."
    s = dict(SECONDS_PER_STEP)
    f = HERE / "results" / "bench_sst2.json"
    if f.is_file():
        runs = json.loads(f.read_text())["runs"]
        for m in ("ft", "lora"):
            if m in runs: s[m] = sum(runs[m]["step_seconds"].values()) / len(runs[m]["step_seconds"])
        s["lora-prune"] = s["lora"]
    return s


def estimate(run: dict, sps: dict) -> float:
    steps = run["overrides"]["max_steps"]
    evals = round(1 / run["overrides"]["eval_every"]) + 1
    return steps * sps[run["method"]] + evals * EVAL_SECONDS[run["task"]] + FIXED_SECONDS * (2 if run["method"] == "lora-prune" else 1)


def done(name: str) -> bool: return (RESULTS / f"{name}.json").is_file()


def run_one(name: str, run: dict, smoke: bool, scratch: Path):
    from apt_nb.training import train
    t = TASKS[run["task"]]
    over = dict(run["overrides"])
    kw = {"max_train_samples": t["max_train_samples"]}
    if smoke: over.update(max_steps=24, num_events=2); kw = {"max_train_samples": 64, "max_eval_samples": 32}
    out = (scratch if smoke else RUNS) / name
    if out.exists(): shutil.rmtree(out)   # a run cut short is started again
    teacher = None
    if run["teacher"]:
        teacher = (scratch if smoke else RUNS) / run["teacher"] / "model"
        if not teacher.is_dir(): raise RuntimeError(f"{name} needs the model of {run['teacher']}: run it first (the suite keeps it)")
    ref = None
    if not smoke and done(f"{run['task']}-ft"): ref = json.loads((RESULTS / f"{run['task']}-ft.json").read_text())["metric"]
    res = train(run["task"], out, model="minilm", method=run["method"], preset="cpu-small", overrides=over, seed=0,
                reference_metric=ref, teacher=teacher, progress=False, log=lambda *a, **k: None, **kw)
    res["report"] = {"run": name, "group": run["group"], "teacher": run["teacher"],
                     "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "smoke": smoke}
    if not smoke:
        RESULTS.mkdir(parents=True, exist_ok=True)
        tmp = RESULTS / f".{name}.json.tmp"
        tmp.write_text(json.dumps(res, indent=1, default=str) + "\n"); os.replace(tmp, RESULTS / f"{name}.json")
        if not any(r["teacher"] == name for r in suite().values()): shutil.rmtree(out, ignore_errors=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("main", "ablations", "sweep"), default=None)
    ap.add_argument("--runs", default=None, help="comma-separated run names")
    ap.add_argument("--dry-run", action="store_true", help="print the plan and the estimate, run nothing")
    ap.add_argument("--smoke", action="store_true", help="every selected run for 24 steps on 64 sentences, in a temporary folder")
    a = ap.parse_args()
    runs = suite()
    sel = {n: r for n, r in runs.items() if (a.only is None or r["group"] == a.only) and (a.runs is None or n in a.runs.split(","))}
    if a.runs:
        unknown = sorted(set(a.runs.split(",")) - set(runs))
        if unknown: sys.exit(f"unknown run(s) {unknown}; runs: {', '.join(runs)}")
    teachers = {r["teacher"] for n, r in sel.items() if r["teacher"] and (a.smoke or not done(n))}
    redo = {t for t in teachers if not a.smoke and not (RUNS / t / "model").is_dir()}   # a teacher's model is needed on disk
    sel = {**{t: runs[t] for t in sorted(teachers)}, **sel}                              # teachers first
    todo = {n: r for n, r in sel.items() if a.smoke or not done(n) or n in redo}
    sps = seconds_per_step()
    total = sum(estimate(r, sps) for r in todo.values())
    print(f"{len(sel)} runs selected, {len(sel) - len(todo)} already done, {len(todo)} to run; "
          f"estimated {total / 3600:.1f} h on this machine" + (" (smoke: much less)" if a.smoke else ""))
    for n, r in todo.items(): print(f"  {n:36} {r['method']:20} ~{estimate(r, sps) / 60:5.1f} min")
    if a.dry_run: return
    from apt_nb.core import quiet_hf
    quiet_hf()
    scratch = Path(tempfile.mkdtemp(prefix="apt_nb_report_smoke_")) if a.smoke else None
    t0 = time.time()
    try:
        for i, (n, r) in enumerate(todo.items(), 1):
            t = time.time()
            res = run_one(n, r, a.smoke, scratch)
            print(f"[{i}/{len(todo)}] {n}: {res['metric_name']} {res['metric']:.2f}, kept {res['kept_param_ratio']:.0%}, "
                  f"{time.time() - t:.0f} s (total {(time.time() - t0) / 60:.0f} min)", flush=True)
    finally:
        if scratch: shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
