"""The reproduction report's runs: paper Table 2, Table 4 and Figure 3 at CPU scale, on the packaged MiniLM.

The suite (every run one `apt_nb.training.train` call on all-MiniLM-L6-v2, `cpu-small` preset, batch 16, length 64,
seed 0, the same step budget for every method of a task), run in this order. The whole suite took 94 min on an AMD
EPYC with 2 cores (2026-12-05, the committed results; each result records its `cpu`) and about 4.5 h (STS-B then at
200 steps) on the 2-core machine of an earlier session, where the same runs took about 3.5x longer: the scale was planned for 3 h on that machine from
FT and LoRA step costs, before APT's per-window teacher-renewal evaluations and CoFi's teacher passes were measured.
All committed results come from one machine, so the time ratios compare runs of one machine. It resumes where it
stopped, so it can be run in pieces:
- main (Table 2): SST-2 (8,000 training sentences, 400 steps) x {ft, lora, lora-prune, prune-distill,
  lora-prune-distill, apt} at 60% sparsity. prune-distill and lora-prune-distill distil from the ft run of the same
  task; as in the authors' time-to-accuracy script, the teacher's training time is added to theirs in the report.
- ablations (Table 4, + kurtosis), SST-2, APT: without adaptive pruning (sparsity 0, no distillation), uniform rank
  growth, fixed ranks, without self-distillation, with the kurtosis term (cpu-small runs without it).
- sweep (Figure 3), SST-2: APT and LoRA+Prune at 40 and 90% sparsity (60% comes from main).
- main, STS-B (600 steps, 1.7 epochs of the whole training set; at 200 steps LoRA reached only 20.7 Pearson against
  FT's 74.0): only the final scores enter the report, so these runs are evaluated once, at the end (SST-2 runs every
  quarter, for the time to 97% of FT).
- RTE: FT only (200 steps, lr 1e-4). MiniLM stays at the majority class there at this scale (53.1% against 52.7%
  for always answering "not entailment"; 52.7% with lr 5e-5), so the other methods are not run on RTE: 97% of a
  chance-level score would compare noise.

Resumable: each finished run's metrics are written to benchmarks/results/report/<run>.json (its model folder is then
deleted) and a run whose file exists is skipped, so the suite can be stopped and started again, across sessions.
Before it starts, the script prints its estimate of the remaining time from per-step costs (those of the finished
SST-2 runs where there are some, the constants below scaled by how fast those runs were) and per-evaluation costs.
Run one heavy job at a time.

Run: `python benchmarks/report.py [--only main|ablations|sweep] [--runs NAME,...] [--dry-run]`; every run runs in a
process of its own, so its training peak memory is its own; then `python benchmarks/report_render.py` for the tables
and figure. `--smoke` runs every selected run for 24 steps (2 pruning events) on 64 sentences into a temporary folder (a check of the plumbing, not results).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "report"
RUNS = HERE.parent / "runs" / "report"

TASKS = {   # steps, training sentences cap, evaluation interval, lr overrides, step cost relative to SST-2 (longer pairs)
    "sst2": {"steps": 400, "max_train_samples": 8000, "eval_every": 0.25, "lr": {}, "step_cost": 1.0},
    "stsb": {"steps": 600, "max_train_samples": None, "eval_every": 1.0, "lr": {}, "step_cost": 1.45},
    "rte": {"steps": 200, "max_train_samples": None, "eval_every": 1.0, "lr": {"ft": 1e-4, "prune-distill": 1e-4}, "step_cost": 1.6},
}
COMMON = {"batch_size": 16, "max_length": 64, "weight_decay": 0.01}
LR = {"ft": 5e-5, "prune-distill": 5e-5, "lora": 5e-4, "lora-prune": 5e-4, "lora-prune-distill": 5e-4, "apt": 1e-3}
METHODS = ("ft", "lora", "lora-prune", "prune-distill", "lora-prune-distill", "apt")
ABLATIONS = {   # name -> overrides of the APT run (paper Table 4, plus the kurtosis term)
    "no-adaptive-pruning": {"target_sparsity": 0.0, "distill_epochs": None},
    "uniform-rank-growth": {"growth_rule": "uniform"},
    "fixed-ranks": {"tuning_growth": 1.0},
    "no-self-distillation": {"distill_epochs": None},
    "with-kurtosis": {"use_kurtosis": True},
}
SWEEP = (0.4, 0.9)
# Measured by the committed SST-2 runs (AMD EPYC, 2 cores): training seconds per step, and the rest of a
# run's wall time (loading, evaluations, the final evaluation and throughput passes, compressing, saving) with 4
# evaluations; APT's is the largest: while it distils it also evaluates the dev set at every pruning window, to decide
# whether to renew its teacher (7 extra passes in 400 steps; 32% of an APT run's time in `Evaluator` under py-spy).
SECONDS_PER_STEP = {"ft": 0.38, "lora": 0.24, "lora-prune": 0.27, "prune-distill": 0.46, "lora-prune-distill": 0.34, "apt": 0.31}
OVERHEAD_SECONDS = {"ft": 52, "lora": 62, "lora-prune": 100, "prune-distill": 41, "lora-prune-distill": 47, "apt": 124}
EVAL_SECONDS = {"sst2": 20, "rte": 8, "stsb": 36}   # one plain pass over the dev set
FINAL_PASSES = 3                                     # the compressed model's evaluation, then dense and compressed throughput


def suite():
    "Every run of the report, in running order: name -> dict(task, method, overrides, teacher run, group)."
    def main_runs(task):
        t = TASKS[task]
        return {f"{task}-{m}": {"group": "main", "task": task, "method": m, "teacher": f"{task}-ft" if "distill" in m else None,
                                "overrides": {**COMMON, "max_steps": t["steps"], "eval_every": t["eval_every"],
                                              "lr": t["lr"].get(m, LR[m]), "target_sparsity": 0.6}} for m in METHODS}
    sst2 = {**COMMON, "max_steps": TASKS["sst2"]["steps"], "eval_every": TASKS["sst2"]["eval_every"]}
    runs = main_runs("sst2")
    for name, over in ABLATIONS.items():
        runs[f"sst2-apt-{name}"] = {"group": "ablations", "task": "sst2", "method": "apt", "teacher": None,
                                    "overrides": {**sst2, "lr": LR["apt"], "target_sparsity": 0.6, **over}}
    for sp in SWEEP:
        for m in ("apt", "lora-prune"):
            runs[f"sst2-{m}-{round(100 * sp)}"] = {"group": "sweep", "task": "sst2", "method": m, "teacher": None,
                                                  "overrides": {**sst2, "lr": LR[m], "target_sparsity": sp}}
    return {**runs, **main_runs("stsb"), "rte-ft": main_runs("rte")["rte-ft"]}


def calibration():
    """SST-2 seconds per step and overhead of each method: measured by the suite's finished SST-2 runs where there are
    some; the other methods' constants are scaled by the median ratio of those runs to their constants (machines
    differ: the same runs took 3.5x longer on one of ours than on another)."""
    sps, over, speed = {}, {}, []
    for m in METHODS:
        if not done(f"sst2-{m}"): continue
        r = json.loads((RESULTS / f"sst2-{m}.json").read_text())
        sps[m] = r["train_seconds"] / r["config"]["total_steps"]
        speed.append(sps[m] / SECONDS_PER_STEP[m])
        if "wall_seconds" in r["report"]: over[m] = r["report"]["wall_seconds"] - r["train_seconds"]
    f = statistics.median(speed) if speed else 1.0
    return ({m: sps.get(m, v * f) for m, v in SECONDS_PER_STEP.items()},
            {m: over.get(m, v * f) for m, v in OVERHEAD_SECONDS.items()})


def estimate(run: dict, cal) -> float:
    "Seconds: the steps, then the overhead, scaled by the task's dev-set passes against SST-2's seven."
    sps, over = cal
    steps, task = run["overrides"]["max_steps"], run["task"]
    passes = round(1 / run["overrides"]["eval_every"]) + FINAL_PASSES
    return (steps * sps[run["method"]] * TASKS[task]["step_cost"]
            + over[run["method"]] * passes * EVAL_SECONDS[task] / (7 * EVAL_SECONDS["sst2"]))


def done(name: str) -> bool: return (RESULTS / f"{name}.json").is_file()


def cpu() -> str:
    "The machine a run ran on, for the record: time ratios only compare runs of one machine."
    names = [l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")] \
        if Path("/proc/cpuinfo").is_file() else []
    return f"{names[0] if names else platform.processor() or platform.machine()}, {os.cpu_count()} cores"


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
    t0, ref = time.time(), None
    if not smoke and done(f"{run['task']}-ft"): ref = json.loads((RESULTS / f"{run['task']}-ft.json").read_text())["metric"]
    res = train(run["task"], out, model="minilm", method=run["method"], preset="cpu-small", overrides=over, seed=0,
                reference_metric=ref, teacher=teacher, progress=False, log=lambda *a, **k: None, **kw)
    res["report"] = {"run": name, "group": run["group"], "teacher": run["teacher"], "wall_seconds": round(time.time() - t0, 1),
                     "own_process": True, "cpu": cpu(),
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
    ap.add_argument("--child", nargs=2, metavar=("RUN", "SCRATCH"), help=argparse.SUPPRESS)   # one run, in its own process
    a = ap.parse_args()
    runs = suite()
    if a.child:
        from apt_nb.core import quiet_hf
        quiet_hf()
        res = run_one(a.child[0], runs[a.child[0]], a.smoke, Path(a.child[1]))
        print(f"{a.child[0]}: {res['metric_name']} {res['metric']:.2f}, kept {res['kept_param_ratio']:.0%}, "
              f"training peak {res['train_peak_mem_mb']:.0f} MB", flush=True)
        return
    sel = {n: r for n, r in runs.items() if (a.only is None or r["group"] == a.only) and (a.runs is None or n in a.runs.split(","))}
    if a.runs:
        unknown = sorted(set(a.runs.split(",")) - set(runs))
        if unknown: sys.exit(f"unknown run(s) {unknown}; runs: {', '.join(runs)}")
    teachers = {r["teacher"] for n, r in sel.items() if r["teacher"] and (a.smoke or not done(n))}
    redo = {t for t in teachers if not a.smoke and not (RUNS / t / "model").is_dir()}   # a teacher's model is needed on disk
    sel = {**{t: runs[t] for t in sorted(teachers)}, **sel}                              # teachers first
    todo = {n: r for n, r in sel.items() if a.smoke or not done(n) or n in redo}
    cal = calibration()
    total = sum(estimate(r, cal) for r in todo.values())
    print(f"{len(sel)} runs selected, {len(sel) - len(todo)} already done, {len(todo)} to run; "
          f"estimated {total / 3600:.1f} h on this machine" + (" (smoke: much less)" if a.smoke else ""))
    for n, r in todo.items(): print(f"  {n:36} {r['method']:20} ~{estimate(r, cal) / 60:5.1f} min")
    if a.dry_run: return
    launch(todo, a.smoke)


def launch(todo: dict, smoke: bool):
    "Run each run of `todo` in a fresh process (so that its peak memory is its own), one after another."
    scratch = Path(tempfile.mkdtemp(prefix="apt_nb_report_smoke_")) if smoke else RUNS
    t0 = time.time()
    try:
        for i, n in enumerate(todo, 1):
            t = time.time()
            print(f"[{i}/{len(todo)}] ", end="", flush=True)
            subprocess.run([sys.executable, __file__, "--child", n, str(scratch)] + (["--smoke"] if smoke else []), check=True)
            print(f"    {time.time() - t:.0f} s (total {(time.time() - t0) / 60:.0f} min)", flush=True)
    finally:
        if smoke: shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
