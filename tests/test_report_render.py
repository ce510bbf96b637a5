"""The report's arithmetic (benchmarks/report_render.py) on hand-made run records: time to 97% of FT with the
teacher's time added, ratios to FT, the sweep points, and "–" for missing runs."""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rr():
    spec = importlib.util.spec_from_file_location("report_render", ROOT / "benchmarks" / "report_render.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def run(metric, hist, peak, thr, mem, kept=1.0, teacher=None, group="main", train_s=100.0, mem_dense=80.0):
    return {"metric": metric, "greater_is_better": True, "eval_history": [{"step": i, "seconds": s, "metric": m} for i, (s, m) in enumerate(hist, 1)],
            "train_peak_mem_mb": peak, "train_seconds": train_s, "kept_param_ratio": kept,
            "inference": {"throughput_compressed": thr, "mem_compressed_mb": mem, "mem_dense_mb": mem_dense, "speedup": thr / 50.0},
            "report": {"teacher": teacher, "group": group, "own_process": True}}


def test_relative_to_ft(rr, tmp_path):
    runs = {"sst2-ft": run(90.0, [(10, 80.0), (20, 88.0), (30, 90.0)], peak=1000, thr=50.0, mem=80.0, train_s=30.0),
            "sst2-apt": run(88.0, [(15, 70.0), (40, 87.5)], peak=700, thr=125.0, mem=32.0, kept=0.4),
            "sst2-prune-distill": run(89.0, [(5, 88.0)], peak=1500, thr=100.0, mem=36.0, kept=0.4, teacher="sst2-ft")}
    assert rr.tta(runs, "sst2-ft", 90.0) == 20            # 88.0 >= 0.97 * 90 = 87.3
    assert rr.tta(runs, "sst2-apt", 90.0) == 40
    assert rr.tta(runs, "sst2-prune-distill", 90.0) == 5 + 30.0   # the teacher's training time is added
    t, m, it, im = rr.relative(runs, "sst2-apt", "sst2-ft")
    assert t == pytest.approx(200.0) and m == pytest.approx(70.0) and it == pytest.approx(40.0) and im == pytest.approx(40.0)
    assert rr.relative(runs, "sst2-lora", "sst2-ft") == (None,) * 4
    runs["sst2-apt"]["report"]["own_process"] = False   # a peak from a process that ran other runs first: not compared
    assert rr.relative(runs, "sst2-apt", "sst2-ft")[1] is None
    runs["sst2-apt"]["report"]["own_process"] = True
    runs["sst2-ft"]["inference"]["throughput_compressed"] = 40.0    # FT measured at a noisier moment: APT's ratio is its own
    assert rr.relative(runs, "sst2-apt", "sst2-ft")[2] == pytest.approx(40.0)
    table = rr.table2(runs)
    assert "| APT | 88.0 | – | – | 40% | 200% | 70% | 40% | 40% | 94.5, 592%" in table
    assert "| LoRA | – | – | – | – | – | – | – | – |" in table
    runs["sst2-lora-prune"] = run(80.0, [(10, 70.0), (50, 80.0)], peak=900, thr=100.0, mem=36.0, kept=0.4)
    assert rr.tta(runs, "sst2-lora-prune", 90.0) == float("inf")   # never within 97% of FT
    assert "| LoRA+Prune | 80.0 | – | – | 40% | not reached | 90% |" in rr.table2(runs)
    # only evaluations of the final architecture count: LoRA+Prune's unpruned phase passing 97% does not
    runs["sst2-lora-prune"] = run(80.0, [(10, 88.0), (50, 88.0)], peak=900, thr=100.0, mem=36.0, kept=0.4)
    runs["sst2-lora-prune"]["config"] = {"lora_prune": {"lora_steps": 1}}   # the history's steps are 1 and 2
    assert rr.tta(runs, "sst2-lora-prune", 90.0) == 50
    runs["sst2-apt"]["config"] = {"events": [1, 2], "preset": {"target_sparsity": 0.6}}
    assert rr.tta(runs, "sst2-apt", 90.0) == float("inf")   # 87.5 at step 2 is at the last event, not after it
    runs["sst2-apt"]["config"]["preset"]["target_sparsity"] = 0.0
    assert rr.tta(runs, "sst2-apt", 90.0) == 40
    runs["sst2-prune-distill"]["config"] = {"cofi": {"prune_steps": [0, 0]}}
    assert rr.final_from(runs["sst2-prune-distill"]) == 0 and rr.final_from(runs["sst2-ft"]) == 0


def test_sweep_points_and_render(rr, tmp_path):
    runs = {"sst2-apt": run(85.0, [], 1, 100.0, 30.0, kept=0.4), "sst2-apt-80": run(70.0, [], 1, 200.0, 20.0, kept=0.2),
            "sst2-apt-fixed-ranks": run(84.0, [], 1, 100.0, 30.0, kept=0.4, group="ablations"),
            "sst2-lora-prune": run(80.0, [], 1, 90.0, 31.0, kept=0.4), "sst2-lora-prune-distill": run(79.0, [], 1, 90.0, 31.0, kept=0.4)}
    pts = rr.sweep_points(runs)
    assert [p[0] for p in pts["apt"]] == pytest.approx([0.6, 0.8]) and len(pts["lora-prune"]) == 1
    assert pts["apt"][1][2] == pytest.approx(4.0) and pts["apt"][1][3] == pytest.approx(0.25)
    for name, r in runs.items(): (tmp_path / f"{name}.json").write_text(json.dumps(r))
    loaded = rr.load(tmp_path)
    assert loaded == runs and rr.own_peak(loaded["sst2-apt-80"]) == 1
    rr.figure(pts, tmp_path / "fig.png")
    assert (tmp_path / "fig.png").stat().st_size > 5000
    assert "Runs finished: 5" in rr.render(runs) and "| fixed-ranks | 84.0 |" in rr.render(runs)
    runs["sst2-apt"]["report"]["cpu"] = "AMD EPYC, 2 cores"   # the machines are named, so mixed machines show
    assert rr.machines(runs) == "not recorded (4 runs); AMD EPYC, 2 cores (1 run)"
    assert "every run in a process of its own" in rr.render(runs)


def test_claims(rr):
    ft = lambda m: run(m, [(100, m)], peak=1000, thr=50.0, mem=80.0, train_s=100.0)
    runs = {f"{t}-ft": ft(m) for t, m in (("sst2", 90.0), ("rte", 60.0), ("stsb", 80.0))}
    runs |= {"sst2-apt": run(88.0, [(50, 80.0), (300, 88.0)], peak=700, thr=125.0, mem=32.0, kept=0.4),
             "rte-apt": run(59.0, [], 1, 1.0, 1.0), "stsb-apt": run(70.0, [], 1, 1.0, 1.0),
             "sst2-lora-prune": run(86.0, [(400, 88.0)], peak=800, thr=125.0, mem=32.0, kept=0.4),
             "sst2-prune-distill": run(89.0, [(100, 88.0)], peak=1500, thr=125.0, mem=32.0, kept=0.4, teacher="sst2-ft"),
             "sst2-lora-prune-distill": run(85.0, [], peak=1100, thr=125.0, mem=32.0, kept=0.4, teacher="sst2-ft"),
             "sst2-apt-no-self-distillation": run(87.0, [(250, 88.0)], 600, 125.0, 32.0, kept=0.4, group="ablations"),
             "sst2-apt-fixed-ranks": run(88.5, [(250, 88.0)], 600, 125.0, 32.0, kept=0.4, group="ablations")}
    c = {text: (ours, verdict) for text, _, ours, verdict in rr.claims(runs)}
    assert c["APT keeps at least 97% of FT's score at 60% sparsity"] == ("SST-2 97.8%, RTE 98.3%, STS-B 87.5%", "does not hold")
    assert c["APT scores at least as well as the other pruning methods (SST-2)"] == ("88.0 vs 86.0, 89.0, 85.0", "does not hold")
    # APT 300 s = 300% of FT's 100 s; prune-distill 100 s + its teacher's 100 s = 200%; lora-prune-distill never
    assert c["APT reaches 97% of FT sooner than the other pruning methods"] == ("300% vs 400%, 200%, not reached", "does not hold")
    assert c["APT trains in less peak memory than FT and than Prune+Distill"] == ("70% vs 150%", "holds")
    assert c["APT's pruned model is faster and smaller at inference than FT's"] == ("40% time, 40% memory", "holds")
    assert c["APT is more accurate than LoRA+Prune at every sparsity (Figure 3)"][1] == "–"     # one sparsity only
    assert c["Each part helps: APT no self distillation scores lower (SST-2)"] == ("-1.0 points", "holds")
    assert c["Each part helps: APT fixed ranks scores lower (SST-2)"] == ("+0.5 points", "does not hold")
    assert c["Each part helps: APT uniform rank growth scores lower (SST-2)"] == ("–", "–")
    kurtosis = "The kurtosis (outlier-aware) salience term helps (APT here runs without it; the row adds it)"
    assert c[kurtosis] == ("–", "–")
    runs["sst2-apt-with-kurtosis"] = run(50.9, [], 1, 1.0, 1.0, group="ablations")
    assert {t: (o, v) for t, _, o, v in rr.claims(runs)}[kurtosis] == ("50.9 with it vs 88.0 without", "does not hold")
    assert "| APT trains in less peak memory than FT and than Prune+Distill | 70% of FT vs Prune+Distill 168% | 70% vs 150% | holds |" in rr.claims_table(runs)
