"""Run by tests/test_ddp.py under `torchrun`: one short APT run on a tiny BERT (or the same run in one process)."""
import sys

import torch

from apt_nb.training import train

if __name__ == "__main__":
    model_dir, data_dir, out = sys.argv[1:4]
    torch.set_num_threads(1)
    tiny = {"max_steps": 40, "batch_size": 8, "pruning_start": 0.1, "pruning_warmup": 0.1, "pruning_end": 0.6, "pruning_window": 0.1,
            "eval_every": 0.25, "max_length": 32, "distill_epochs": 4, "use_kurtosis": False}
    train("sst2", out, model=model_dir, preset="cpu-small", overrides=tiny, train_file=f"{data_dir}/train.csv",
          validation_file=f"{data_dir}/dev.csv", log=lambda *a: None, progress=False, keep_checkpoint=False)
