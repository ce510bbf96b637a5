"""The real run: APT on the packaged MiniLM and SST-2, against full fine-tuning and peft LoRA, on a CPU.

Part 1 (accuracy and time): three `apt-nb train` runs, each in its own process, on the same SST-2 subset
(../shared/data, `--max-train-samples`), dynamic padding to at most 64 tokens, batch 16, dev set = GLUE dev:
  ft   full fine-tuning, lr 5e-5, 500 steps           (the reference)
  lora peft LoRA r=8 on q, v, FFN up, lr 5e-4, 500 steps
  apt  APT to 60% sparsity (40% of layer parameters kept), the cpu-small method scaled to 1500 steps
       (pruning between 5% and 50% of the run, distillation to 85%, then fine-tuning at 0.1x the lr)
APT trains for more steps than FT, as in the paper (40 vs 10 epochs). Recorded: dev accuracy, APT's as a
fraction of FT's, time to reach 97% of FT's accuracy (training wall time, evaluation excluded), the
compressed model's inference speed-up and weights, and APT's seconds per step before and after the
student is physically pruned (the authors' "virtual pruning"), both from the same run.

Part 2 (training memory at RoBERTa-base shapes): random-init weights of RoBERTa-base's shapes (12 layers,
hidden 768), batch 32, length 128, three steps of each phase (the peak is reached in the second), each in its own process: FT; LoRA (peft);
APT's dense phase with salience collection; APT's distillation phase after the last pruning event (40% kept,
pruned student, teacher on the full backbone). Peak resident memory of each process.

Run: `python benchmarks/bench_sst2.py` (about 40 minutes on 2 cores); writes benchmarks/results/bench_sst2.json
and bench_sst2.png, and the README table (nbs/index.ipynb between the bench_sst2 markers, then README.md).
`--readme` only re-renders the table from the JSON. `--quick` is a smoke test of the script (minutes; not the figures).
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ENV = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")


def configs(quick: bool) -> dict:
    s = 0.1 if quick else 1.0
    common = {"preset": "cpu-small", "batch_size": 16, "max_length": 64, "use_kurtosis": False}
    apt_steps = int(1500 * s)
    return {
        "ft": {**common, "lr": 5e-5, "max_steps": int(500 * s), "eval_every": 0.1, "weight_decay": 0.01},
        "lora": {**common, "lr": 5e-4, "max_steps": int(500 * s), "eval_every": 0.1, "weight_decay": 0.01},
        "apt": {**common, "lr": 1e-3, "max_steps": apt_steps, "eval_every": 0.1, "pruning_start": 0.05, "pruning_warmup": 0.05,
                "pruning_end": 0.5, "pruning_window": 0.04},
    }


def apt_distill_epochs(cfg: dict, train_examples: int) -> float:
    "Distillation from the first pruning window to 85% of the run, in epochs (the preset's unit)."
    from apt_nb.schedule import PruningSchedule
    s = PruningSchedule(cfg["max_steps"], 0.6, 10, cfg["pruning_start"], cfg["pruning_warmup"], cfg["pruning_end"], cfg["pruning_window"])
    start = s.events[0] - s.window
    return (int(0.85 * cfg["max_steps"]) - start) / (train_examples // cfg["batch_size"])


def run_train(method: str, cfg: dict, out: Path, n_train: int, reference=None) -> dict:
    cfg_file = out.parent / f"{method}.json"; cfg_file.write_text(json.dumps(cfg))
    cmd = [str(Path(sys.executable).parent / "apt-nb"), "train", "--task", "sst2", "--model", "minilm", "--method", method,
           "--config", str(cfg_file), "--output-dir", str(out), "--max-train-samples", str(n_train), "--no-progress"]
    if reference is not None: cmd += ["--reference-metric", str(reference)]
    t = time.time()
    r = subprocess.run(cmd, env=dict(ENV, OMP_NUM_THREADS="2"), capture_output=True, text=True)
    if r.returncode != 0: raise SystemExit(f"{method} failed:\n{r.stderr[-3000:]}")
    m = json.loads((out / "metrics.json").read_text())
    m["process_seconds"] = round(time.time() - t, 1)
    print(r.stdout[-1500:], flush=True)
    return m


# ---- part 2: memory at RoBERTa-base shapes (child processes) ----

def memory_child(phase: str, steps: int = 5) -> dict:
    import torch
    from transformers import RobertaConfig, RobertaForSequenceClassification
    from apt_nb.core import quiet_hf, seed_everything
    quiet_hf(); seed_everything(0); torch.set_num_threads(2)
    cfg = RobertaConfig(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                        max_position_embeddings=514, type_vocab_size=1, num_labels=2)
    model = RobertaForSequenceClassification(cfg).train()
    g = torch.Generator().manual_seed(0)
    batch = {"input_ids": torch.randint(5, 50000, (32, 128), generator=g), "attention_mask": torch.ones(32, 128, dtype=torch.long),
             "labels": torch.randint(0, 2, (32,), generator=g)}
    ctl = dist = student = None
    if phase == "ft":
        params = list(model.parameters())
    elif phase == "lora":
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value", "intermediate.dense"],
                                                 modules_to_save=["classifier"]))
        params = [p for p in model.parameters() if p.requires_grad]
    else:
        from apt_nb.compression import prune_student
        from apt_nb.controller import APTController
        from apt_nb.distill import Distiller
        from apt_nb.search import binarize
        from apt_nb.wrap import APTConfig, get_apt_model, set_masks
        get_apt_model(model, APTConfig(use_kurtosis=False))
        ctl = APTController(model, 1000)
        if phase == "apt-distill":
            for k, v in ctl.salience.scores.items(): v.copy_(torch.rand(v.shape, generator=g))
            set_masks(model, binarize(ctl._search(0.4)))
            dist = Distiller(model); dist.teacher.snapshot(model)
            student = prune_student(model); dist.student_pruned(student.config.apt_pruning["hidden"])
            ctl.remove(); ctl = None
        params = [p for m in [student or model] + ([dist] if dist else []) for p in m.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    for _ in range(steps):
        net = student or model
        out = net(**batch, output_hidden_states=dist is not None)
        loss = out.loss if dist is None else 0.5 * out.loss + 0.5 * dist.loss(net, batch, out, teacher_model=model)
        loss.backward()
        if ctl is not None: ctl.step()
        opt.step(); opt.zero_grad(set_to_none=True)
    return {"phase": phase, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_before_steps_mb": base,
            "seconds_per_step": (time.perf_counter() - t) / steps,
            "trainable_params": sum(p.numel() for p in params)}


def memory_part(steps: int) -> dict:
    res = {}
    for phase in ("ft", "lora", "apt-dense", "apt-distill"):
        r = subprocess.run([sys.executable, __file__, "--memory-child", phase, "--memory-steps", str(steps)], env=ENV,
                           capture_output=True, text=True)
        if r.returncode != 0: raise SystemExit(f"memory child {phase} failed:\n{r.stderr[-3000:]}")
        res[phase] = json.loads(r.stdout.strip().splitlines()[-1]); print(res[phase], flush=True)
    ft = res["ft"]["peak_rss_mb"]
    for v in res.values(): v["peak_vs_ft"] = round(v["peak_rss_mb"] / ft, 3)
    return res


# ---- report ----

def table(R: dict) -> str:
    ft = R["runs"]["ft"]["metric"]
    rows = ["| method | steps (budget) | dev accuracy | % of FT | time to 97% of FT | kept params | inference speed-up | training peak RSS (RoBERTa-base shapes) |",
            "|---|---|---|---|---|---|---|---|"]
    mem = {"ft": "ft", "lora": "lora", "apt": "apt-dense"}
    for k, m in R["runs"].items():
        t97 = m["time_to_97pct_reference"] if k != "ft" else next((h["seconds"] for h in m["eval_history"] if h["metric"] >= 0.97 * ft), None)
        peak = R["memory"][mem[k]]
        extra = f"; distillation phase {R['memory']['apt-distill']['peak_vs_ft']:.0%}" if k == "apt" else ""
        rows.append(f"| {k} | {m['config']['total_steps']} x {m['config']['preset']['batch_size']} | {m['metric']:.2f} | "
                    f"{100 * m['metric'] / ft:.1f}% | {'not reached' if t97 is None else f'{t97:.0f} s'} | {m['kept_param_ratio']:.0%} | "
                    f"{m['inference']['speedup']:.2f}x | {peak['peak_rss_mb']:.0f} MB ({peak['peak_vs_ft']:.0%} of FT{extra}) |")
    v = R["virtual_pruning"]
    rows.append("")
    rows.append(f"APT's steps after the last pruning event, with the student physically pruned, took {v['pruned+distil']:.3f} s "
                f"against {v['tune+distil']:.3f} s for the same distillation steps on the masked full-size model earlier in the "
                f"same run ({v['speedup']:.2f}x). Measured on {R['machine']} by `python benchmarks/bench_sst2.py` "
                f"({R['date']}); figures in `benchmarks/results/bench_sst2.json`.")
    return "\n".join(rows)


def write_readme(R: dict):
    nb_path = ROOT / "nbs" / "index.ipynb"
    nb = json.loads(nb_path.read_text())
    start, end = "<!-- bench_sst2:start -->", "<!-- bench_sst2:end -->"
    for c in nb["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown" and start in src:
            new = src[:src.index(start) + len(start)] + "\n" + table(R) + "\n" + src[src.index(end):]
            c["source"] = new.splitlines(keepends=True)
            break
    else:
        raise SystemExit(f"{nb_path} has no {start} marker")
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    subprocess.run([sys.executable, str(ROOT / "tests" / "run_all.py"), "--write-readme"], check=True)


def plot(R: dict, path: Path):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for k, m in R["runs"].items():
        h = m["eval_history"]
        ax.plot([x["seconds"] / 60 for x in h], [x["metric"] for x in h], marker="o", ms=3, label=f"{k} ({m['kept_param_ratio']:.0%} kept)")
    ft = R["runs"]["ft"]["metric"]
    ax.axhline(0.97 * ft, color="gray", ls="--", lw=1, label="97% of FT")
    ax.set_xlabel("training wall time (min, evaluation excluded)"); ax.set_ylabel("SST-2 dev accuracy (%)")
    ax.set_title("MiniLM on SST-2, 2 CPU cores", fontsize=10); ax.legend(fontsize=8); fig.tight_layout(); fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--readme", action="store_true")
    ap.add_argument("--train-samples", type=int, default=32000)
    ap.add_argument("--memory-child"); ap.add_argument("--memory-steps", type=int, default=3)
    a = ap.parse_args()
    if a.memory_child: print(json.dumps(memory_child(a.memory_child, a.memory_steps))); return
    out_json = RESULTS / ("bench_sst2_quick.json" if a.quick else "bench_sst2.json")
    if a.readme: write_readme(json.loads(out_json.read_text())); return
    t0 = time.time()
    cfgs = configs(a.quick)
    n = 2000 if a.quick else a.train_samples
    cfgs["apt"]["distill_epochs"] = apt_distill_epochs(cfgs["apt"], n)
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs["ft"] = run_train("ft", cfgs["ft"], tmp / "ft", n)
        for k in ("lora", "apt"): runs[k] = run_train(k, cfgs[k], tmp / k, n, reference=runs["ft"]["metric"])
    mem = memory_part(2 if a.quick else a.memory_steps)
    ss = runs["apt"]["step_seconds"]
    R = {"what": __doc__, "command": " ".join(["python", "benchmarks/bench_sst2.py"] + sys.argv[1:]), "date": time.strftime("%Y-%m-%d"),
         "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU", "train_examples": n, "configs": cfgs,
         "runs": runs, "memory": mem,
         "apt_fraction_of_ft": runs["apt"]["metric"] / runs["ft"]["metric"],
         "virtual_pruning": {"tune+distil": ss.get("tune+distil"), "pruned+distil": ss.get("pruned+distil"),
                             "speedup": (ss["tune+distil"] / ss["pruned+distil"]) if ss.get("tune+distil") and ss.get("pruned+distil") else None,
                             "all_phases_seconds_per_step": ss},
         "benchmark_seconds": round(time.time() - t0)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(R, indent=1, default=str) + "\n")
    plot(R, out_json.with_suffix(".png"))
    print(table(R)); print(f"wrote {out_json} and {out_json.with_suffix('.png')} in {R['benchmark_seconds']} s")
    if not a.quick: write_readme(R)


if __name__ == "__main__":
    main()
