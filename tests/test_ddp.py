"""Data-parallel correctness: two CPU processes (gloo, launched by torchrun) pick the same masks and ranks as one process
given the same global batch, because gradients and salience are all-reduced every step."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from apt_nb.core import tiny_model, tiny_tokenizer

WORKER = Path(__file__).with_name("ddp_worker.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def launch(nproc: int, model_dir, data_dir, out):
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", f"--master_port={free_port()}",
           "--master_addr=127.0.0.1", str(WORKER), str(model_dir), str(data_dir), str(out)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((Path(out) / "metrics.json").read_text())
    ranks = [line["ranks"] for line in map(json.loads, (Path(out) / "train_log.jsonl").read_text().splitlines()) if "ranks" in line]
    return m, json.loads((Path(out) / "architecture.json").read_text()), ranks


def test_two_processes_match_one(tmp_path):
    model = tiny_model("bert", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)   # no dropout: the runs see the same noise
    model.save_pretrained(tmp_path / "tiny"); tiny_tokenizer().save_pretrained(tmp_path / "tiny")
    words = ["good", "bad", "movie", "film", "story", "very", "not", "a", "the", "was"]
    rows = [(" ".join(words[(i * k) % 10] for k in range(1, 5 + i % 4)), int(i % 3 == 0)) for i in range(64)]
    (tmp_path / "train.csv").write_text("sentence,label\n" + "".join(f"{s},{l}\n" for s, l in rows))
    (tmp_path / "dev.csv").write_text("sentence,label\n" + "".join(f"{s},{l}\n" for s, l in rows[:16]))
    one = launch(1, tmp_path / "tiny", tmp_path, tmp_path / "one")
    two = launch(2, tmp_path / "tiny", tmp_path, tmp_path / "two")
    assert two[0]["config"]["processes"] == 2 and one[0]["config"]["processes"] == 1
    assert two[1]["final_masks"] == one[1]["final_masks"]          # same heads, neurons and hidden dims kept
    assert two[2] == one[2] and len(one[2]) == 10                    # same ranks after every event
    assert two[0]["params_after"] == one[0]["params_after"] and two[0]["params_after"] < two[0]["params_before"]
    h1, h2 = ([h["metric"] for h in r[0]["eval_history"]] for r in (one, two))
    assert max(abs(a - b) for a, b in zip(h1, h2)) <= 100 / 16 + 1e-9  # within one dev example at any evaluation
