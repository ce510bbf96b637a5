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
    return {"metric": metric, "greater_is_better": True, "eval_history": [{"step": i, "seconds": s, "metric": m} for i, (s, m) in enumerate(hist)],
            "train_peak_mem_mb": peak, "train_seconds": train_s, "kept_param_ratio": kept,
            "inference": {"throughput_compressed": thr, "mem_compressed_mb": mem, "mem_dense_mb": mem_dense, "speedup": thr / 50.0},
            "report": {"teacher": teacher, "group": group}}


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
    table = rr.table2(runs)
    assert "| APT | 88.0 | – | – | 200% | 70% | 40% | 40% | 94.5, 592%" in table
    assert "| LoRA | – | – | – | – | – | – | – |" in table


def test_sweep_points_and_render(rr, tmp_path):
    runs = {"sst2-apt": run(85.0, [], 1, 100.0, 30.0, kept=0.4), "sst2-apt-80": run(70.0, [], 1, 200.0, 20.0, kept=0.2),
            "sst2-apt-fixed-ranks": run(84.0, [], 1, 100.0, 30.0, kept=0.4, group="ablations"),
            "sst2-lora-prune": run(80.0, [], 1, 90.0, 31.0, kept=0.4), "sst2-lora-prune-distill": run(79.0, [], 1, 90.0, 31.0, kept=0.4)}
    pts = rr.sweep_points(runs)
    assert [p[0] for p in pts["apt"]] == pytest.approx([0.6, 0.8]) and len(pts["lora-prune"]) == 1
    assert pts["apt"][1][2] == pytest.approx(4.0) and pts["apt"][1][3] == pytest.approx(0.25)
    for name, r in runs.items(): (tmp_path / f"{name}.json").write_text(json.dumps(r))
    assert set(rr.load(tmp_path)) == set(runs)
    rr.figure(pts, tmp_path / "fig.png")
    assert (tmp_path / "fig.png").stat().st_size > 5000
    assert "Runs finished: 5" in rr.render(runs) and "| fixed-ranks | 84.0 |" in rr.render(runs)
