"""Per-step cost of collecting APT's salience during training, on the packaged MiniLM.

Times ordinary adapter training steps (forward, backward, AdamW step) of an APT-wrapped MiniLM on
SST-2 batches, alternating three variants in the same process: no salience, salience (Eq. 4 + EMA),
and salience with the kurtosis term (Eq. 5). Reports paired per-round overhead ratios.

Run: `python benchmarks/bench_salience.py [--rounds 6] [--steps 5]`; writes benchmarks/results/bench_salience.json.
"""
import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from apt_nb.core import quiet_hf, seed_everything
from apt_nb.data import data_collator, load_task, tokenize_task
from apt_nb.models import load_model, load_tokenizer
from apt_nb.salience import Salience
from apt_nb.wrap import APTConfig, get_apt_model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=5, help="training steps per timed block")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_salience.json"))
    a = ap.parse_args()
    seed_everything(0); quiet_hf()
    tok = load_tokenizer("minilm")
    data = load_task("sst2", max_train_samples=a.batch_size * a.steps)
    enc = tokenize_task(data, tok, max_length=a.max_length)["train"]
    coll = data_collator(data.spec, tok)
    batches = [coll([enc[i] for i in range(j, j + a.batch_size)]) for j in range(0, len(enc), a.batch_size)]
    model = get_apt_model(load_model("minilm", "sst2"), APTConfig()).train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

    def block(variant):
        sal = None if variant == "plain" else Salience(model, use_kurtosis=(variant == "salience+kurtosis"))
        t = time.perf_counter()
        for b in batches:
            model(**b).loss.backward()
            if sal is not None: sal.update()
            opt.step(); opt.zero_grad()
        dt = (time.perf_counter() - t) / len(batches)
        if sal is not None: sal.remove()
        return dt

    variants = ["plain", "salience", "salience+kurtosis"]
    block("plain")  # warm-up
    times = {v: [] for v in variants}
    for r in range(a.rounds):
        for v in (variants if r % 2 == 0 else variants[::-1]): times[v].append(block(v))
    res = {"seconds_per_step_median": {v: statistics.median(t) for v, t in times.items()}}
    for v in variants[1:]:
        ratios = [x / p for x, p in zip(times[v], times["plain"])]
        res[f"overhead_{v}_paired_median"] = statistics.median(ratios) - 1
        print(f"{v:>18}: {1000 * statistics.median(times[v]):.0f} ms/step vs plain {1000 * statistics.median(times['plain']):.0f} ms; "
              f"overhead {100 * (statistics.median(ratios) - 1):+.1f}% (paired median over {a.rounds} rounds)")
    res["seconds_per_step"] = times
    res["how"] = (f"MiniLM + APT adapters (r=8, q/v/up), SST-2, batch {a.batch_size}, max_length {a.max_length}, dynamic padding; "
                  f"{a.rounds} alternating rounds x {a.steps} steps; torch {torch.__version__}, {torch.get_num_threads()} threads, "
                  f"{platform.machine()}; command: python benchmarks/bench_salience.py " + " ".join(sys.argv[1:]))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
    print("saved", a.out)


if __name__ == "__main__":
    main()
