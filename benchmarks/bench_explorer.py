"""The sparsity explorer on MiniLM/SST-2: cost of a slider move, accuracy of each ranking, predicted vs measured speed-up.

Loads the explorer cache (builds it first when missing, see benchmarks/explorer_cache.py) and measures, in one run:
- the time of one slider update as the widget does it (masks by the search, masked accuracy on the 128-sentence
  dev subset, the readout numbers, the figure drawn), at target sparsities 10%..90%;
- one-shot accuracy on the whole SST-2 dev set (872 sentences) at 40/60/80% sparsity for APT's salience with and
  without the kurtosis term, weight magnitude, and random rankings (mean, min and max over 3 seeds);
- for APT's salience without kurtosis, the speed-up the explorer predicts (multiply-adds) against the measured
  throughput of the physically compressed model (`compress`), side by side with the unpruned one.

Run: `python benchmarks/bench_explorer.py` (about 8 minutes on 2 CPU cores, plus 13 when the cache is built);
writes benchmarks/results/bench_explorer.json.
"""
import copy
import io
import json
import platform
import time
from pathlib import Path

import torch

from apt_nb.compression import compress
from apt_nb.core import quiet_hf
from apt_nb.explorer import INFO_FILE, SPARSITIES, Explorer, build_explorer_cache, default_cache, plot_view
from apt_nb.training import throughput
from apt_nb.wrap import set_masks

OUT = Path(__file__).parent / "results" / "bench_explorer.json"


def main():
    quiet_hf()
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cache = default_cache()
    if not (cache / INFO_FILE).is_file(): build_explorer_cache(cache, progress=False)
    ex = Explorer(cache)
    curves = {n: ex.curve(r, SPARSITIES, kurtosis=k, seeds=s) for n, r, k, s in
              [("apt", "apt", True, (0,)), ("apt-nok", "apt", False, (0,)), ("magnitude", "magnitude", True, (0,)), ("random", "random", True, (0, 1, 2))]}
    res = {"machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads", "cache": str(cache), "explorer": json.loads((cache / INFO_FILE).read_text())}

    updates = []
    for s in [0.1, 0.3, 0.5, 0.7, 0.9]:
        t0 = time.perf_counter()
        mk = ex.masks(s); acc = ex.accuracy(mk); summ = ex.summary(mk)
        fig = plot_view(mk, summ, acc, curves); fig.savefig(io.BytesIO(), format="png"); plt.close(fig)
        updates.append(time.perf_counter() - t0)
    res["slider_update_seconds"] = {"mean": sum(updates) / len(updates), "max": max(updates), "dev_sentences": ex.dev_examples,
                                    "each": [round(u, 3) for u in updates]}
    print(f"slider update: {res['slider_update_seconds']['mean']:.2f} s mean, {max(updates):.2f} s max ({ex.dev_examples} sentences)")

    full = Explorer(cache, dev_examples=None)
    rows = {}
    for s in (0.4, 0.6, 0.8):
        row = {"apt": full.accuracy(full.masks(s)), "apt_no_kurtosis": full.accuracy(full.masks(s, kurtosis=False)),
               "magnitude": full.accuracy(full.masks(s, "magnitude"))}
        rnd = [full.accuracy(full.masks(s, "random", seed=k)) for k in range(3)]
        row |= {"random_mean": sum(rnd) / 3, "random_min": min(rnd), "random_max": max(rnd)}
        rows[f"{s:.0%}"] = row
        print(f"{s:.0%}: " + ", ".join(f"{k} {v:.1f}" for k, v in row.items()))
    res["dev_accuracy_full_dev"] = {"unpruned": full.accuracy({k: torch.ones(v) for k, v in full.arch.mask_keys.items()}),
                                    "dev_sentences": full.dev_examples, "by_sparsity": rows}

    speed = {}
    base = copy.deepcopy(ex.model)
    dense_tp = throughput(compress(copy.deepcopy(base)), ex.dev, repeats=3)
    for s in (0.4, 0.6, 0.8):
        mk = ex.masks(s, kurtosis=False)
        m = copy.deepcopy(base); set_masks(m, mk)
        tp = throughput(compress(m), ex.dev, repeats=3)
        speed[f"{s:.0%}"] = {"predicted": ex.summary(mk)["predicted_speedup"], "measured": tp / dense_tp}
        print(f"{s:.0%} speed-up: predicted {speed[f'{s:.0%}']['predicted']:.2f}x, measured {tp / dense_tp:.2f}x")
    res["speedup_apt_no_kurtosis"] = {"dense_examples_per_s": dense_tp, "by_sparsity": speed}
    res["curves_128"] = {k: {"sparsity": v[0], "accuracy": v[1]} for k, v in curves.items()}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
