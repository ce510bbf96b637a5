"""The `apt-nb` command end to end on a tiny local model and inline data: outputs, error convention, eval and bench."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apt_nb.core import tiny_model, tiny_tokenizer

CLI = [sys.executable, "-c", "import sys; from apt_nb.cli import main; sys.exit(main())"]


def apt_nb_cmd(*args, cwd=None):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    tiny_model("bert").save_pretrained(d / "tiny"); tiny_tokenizer().save_pretrained(d / "tiny")
    rows = [("a good movie", 1), ("a bad film", 0), ("very good story", 1), ("the story was bad", 0)] * 8
    (d / "train.csv").write_text("sentence,label\n" + "".join(f"{s},{l}\n" for s, l in rows))
    (d / "dev.csv").write_text("sentence,label\n" + "".join(f"{s},{l}\n" for s, l in rows[:8]))
    (d / "cfg.json").write_text(json.dumps({"preset": "cpu-small", "max_steps": 30, "batch_size": 8}))
    return d


def test_console_script_is_installed():
    exe = shutil.which("apt-nb", path=str(Path(sys.executable).parent))
    assert exe is not None
    assert subprocess.run([exe, "--help"], capture_output=True, text=True).returncode == 0


def test_train_eval_bench(tiny):
    out = tiny / "out"
    r = apt_nb_cmd("train", "--task", "sst2", "--output-dir", out, "--model", tiny / "tiny", "--config", tiny / "cfg.json",
                   "--train-file", tiny / "train.csv", "--validation-file", tiny / "dev.csv", "--reference-metric", 50)
    assert r.returncode == 0, r.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["architecture.json", "metrics.json", "model", "train_log.jsonl"]
    m = json.loads((out / "metrics.json").read_text())
    for key in ("method", "task", "metric_name", "metric", "greater_is_better", "metrics_all", "params_before", "params_after",
                "kept_param_ratio", "train_seconds", "train_peak_mem_mb", "eval_history", "time_to_97pct_reference", "inference", "config"):
        assert key in m, key
    assert m["kept_param_ratio"] <= 0.4 + 1e-9 and 0 <= m["metric"] <= 100
    assert {"throughput_dense", "throughput_compressed", "speedup", "mem_dense_mb", "mem_compressed_mb"} <= set(m["inference"])
    r = apt_nb_cmd("eval", "--model-dir", out / "model", "--task", "sst2", "--data-dir", tiny / "nodata")
    assert r.returncode == 1 and r.stderr.startswith("error: data directory") and r.stderr.count("\n") == 1


def run_main(args, capsys):
    from apt_nb.cli import main
    try: rc = main([str(x) for x in args])
    except SystemExit as e: rc = e.code
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("args,code,msg", [
    (["--task", "imdb"], 2, "error: unknown task 'imdb'"),
    (["--task", "sst2", "--target-sparsity", "1.2"], 2, "target_sparsity=1.2 is invalid"),
    (["--task", "sst2", "--method", "cofi"], 2, "error: --method cofi: available methods are apt, ft, lora"),
    (["--task"], 2, "error: argument --task: expected one argument"),
])
def test_bad_input_is_one_line_and_writes_nothing(tiny, tmp_path, capsys, args, code, msg):
    out = tmp_path / "out"
    rc, err = run_main(["train", "--output-dir", out, "--model", tiny / "tiny", *args], capsys)
    assert rc == code and msg in err and err.count("\n") == 1, err
    assert not out.exists()


def test_unknown_config_key(tiny, tmp_path, capsys):
    (tmp_path / "bad.json").write_text(json.dumps({"sparsity": 0.5}))
    rc, err = run_main(["train", "--task", "sst2", "--output-dir", tmp_path / "o", "--config", tmp_path / "bad.json"], capsys)
    assert rc == 2 and "unknown preset key(s) ['sparsity']" in err and not (tmp_path / "o").exists()


def test_missing_data_and_unwritable_output(tiny, tmp_path, capsys):
    rc, err = run_main(["train", "--task", "rte", "--output-dir", tmp_path / "o", "--model", tiny / "tiny", "--data-dir", tmp_path], capsys)
    assert rc == 1 and err.startswith("error: no data found for task rte") and not (tmp_path / "o").exists()
    (tmp_path / "a_file").write_text("")
    rc, err = run_main(["train", "--task", "sst2", "--output-dir", tmp_path / "a_file" / "o", "--model", tiny / "tiny",
                        "--train-file", tiny / "train.csv", "--validation-file", tiny / "dev.csv"], capsys)
    assert rc == 1 and "not writable" in err and err.count("\n") == 1, err


def test_sigterm_then_resume_matches_uninterrupted(tiny):
    "A real SIGTERM to `apt-nb train` saves a checkpoint and exits 1 with one line; --resume then ends as the uninterrupted run."
    import signal
    import time
    (tiny / "long.json").write_text(json.dumps({"preset": "cpu-small", "max_steps": 120, "batch_size": 8, "eval_every": 0.05}))
    args = ["train", "--task", "sst2", "--model", tiny / "tiny", "--config", tiny / "long.json", "--no-progress",
            "--train-file", tiny / "train.csv", "--validation-file", tiny / "dev.csv"]
    out = tiny / "cut"
    p = subprocess.Popen(CLI + [str(a) for a in args + ["--output-dir", out]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1"))
    t0 = time.time()
    while not (out / "checkpoint" / "state.pt").exists() and p.poll() is None and time.time() - t0 < 120: time.sleep(0.02)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 1 and err.startswith("error: SIGTERM: stopped at step") and err.count("\n") == 1, err[-2000:]
    assert not (out / "metrics.json").exists()
    r = apt_nb_cmd(*args, "--output-dir", out, "--resume")
    assert r.returncode == 0, r.stderr[-2000:]
    full = apt_nb_cmd(*args, "--output-dir", tiny / "whole")
    assert full.returncode == 0, full.stderr[-2000:]
    a, b = (json.loads((d / "metrics.json").read_text()) for d in (out, tiny / "whole"))
    assert a["metric"] == b["metric"] and a["params_after"] == b["params_after"]
    assert [h["metric"] for h in a["eval_history"]] == [h["metric"] for h in b["eval_history"]]
    assert not (out / "checkpoint").exists()
