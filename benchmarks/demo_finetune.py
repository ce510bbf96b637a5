"""The foundation demo: fine-tune the packaged MiniLM on SST-2 with the data, model and metric layers.

Run with `make demo` (or `python benchmarks/demo_finetune.py --steps 100`). Offline, on CPU, in a few
minutes. Pruning and adaptive tuning are not in this demo yet: it trains the dense model end to end
(full fine-tuning, the paper's FT reference) and reports dev accuracy before and after, parameter
counts and inference throughput, and writes them to benchmarks/results/demo_finetune.json.
"""
import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch

from apt_nb.core import count_layer_params, count_params, quiet_hf, seed_everything
from apt_nb.data import DataNotFoundError, data_collator, load_task, tokenize_task
from apt_nb.metrics import compute_metrics
from apt_nb.models import ModelNotAvailableError, load_model, load_tokenizer


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    preds, labels, n, t0 = [], [], 0, time.perf_counter()
    for b in loader:
        labels += b.pop("labels").tolist()
        preds += model(**b).logits.argmax(-1).tolist()
        n += len(b["input_ids"])
    return preds, labels, n / (time.perf_counter() - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--max-eval-samples", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "demo_finetune.json"))
    a = ap.parse_args(argv)
    seed_everything(a.seed)
    quiet_hf()
    try:
        data = load_task("sst2", max_train_samples=a.steps * a.batch_size, max_eval_samples=a.max_eval_samples, seed=a.seed)
        tok = load_tokenizer("minilm")
        model = load_model("minilm", "sst2")
    except (DataNotFoundError, ModelNotAvailableError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    enc = tokenize_task(data, tok, max_length=a.max_length)
    coll = data_collator(data.spec, tok)
    train = torch.utils.data.DataLoader(enc["train"], batch_size=a.batch_size, shuffle=True, collate_fn=coll)
    dev = torch.utils.data.DataLoader(enc["dev"], batch_size=128, collate_fn=coll)
    print(f"{data}\nmodel: all-MiniLM-L6-v2 + new classification head, {count_params(model) / 1e6:.1f}M parameters "
          f"({count_layer_params(model) / 1e6:.1f}M in the transformer layers)")

    p, y, _ = evaluate(model, dev)
    before = compute_metrics("sst2", p, y)["accuracy"]
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * a.steps)) * max(0.0, 1 - s / a.steps))
    model.train()
    t0, step = time.perf_counter(), 0
    while step < a.steps:
        for b in train:
            loss = model(**b).loss
            loss.backward(); opt.step(); sched.step(); opt.zero_grad()
            step += 1
            if step % 25 == 0 or step == a.steps:
                print(f"step {step:4d}/{a.steps}  loss {loss.item():.4f}  {time.perf_counter() - t0:6.1f}s", flush=True)
            if step == a.steps: break
    train_s = time.perf_counter() - t0
    p, y, thr = evaluate(model, dev)
    after = compute_metrics("sst2", p, y)["accuracy"]
    res = dict(task="sst2", model="minilm", method="ft (dense; pruning arrives with the training loop)", steps=a.steps,
               batch_size=a.batch_size, lr=a.lr, max_length=a.max_length, seed=a.seed, dev_examples=len(y),
               accuracy_before=before, accuracy_after=after, train_seconds=round(train_s, 1),
               params_total=count_params(model), params_layers=count_layer_params(model),
               eval_throughput_examples_per_s=round(thr, 1), torch=torch.__version__, threads=torch.get_num_threads(),
               machine=platform.machine(), command="python benchmarks/demo_finetune.py " + " ".join(argv or sys.argv[1:]))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
    print(f"\nSST-2 dev accuracy  {before:5.1f} -> {after:5.1f}   ({a.steps} steps, {train_s:.0f}s of training)\n"
          f"layer parameters    {count_layer_params(model) / 1e6:.2f}M (pruning not yet applied)\n"
          f"eval throughput     {thr:.0f} examples/s\nsaved {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
