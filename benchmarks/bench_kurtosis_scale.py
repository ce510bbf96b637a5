"""How large the kurtosis term is next to the salience on a small encoder, and what it does to the search.

Trains the packaged MiniLM with APT adapters for five SST-2 steps (batch 32, max length 64), collecting
the salience (Eq. 4) and the kurtosis term (Eq. 5) of the last step, then runs the search at 60%
sparsity with and without the term. The figures are quoted in nbs/08_kurtosis.ipynb.

Run: `python benchmarks/bench_kurtosis_scale.py`; writes benchmarks/results/bench_kurtosis_scale.json.
"""
import json
import sys
from pathlib import Path

import torch

from apt_nb.core import quiet_hf, seed_everything
from apt_nb.data import data_collator, load_task, tokenize_task
from apt_nb.kurtosis import kurtosis_bonus
from apt_nb.models import load_model, load_tokenizer
from apt_nb.salience import Salience
from apt_nb.search import BlockList, CostModel, kept_architecture
from apt_nb.wrap import APTConfig, describe, get_apt_model


def main():
    seed_everything(0); quiet_hf()
    tok, m = load_tokenizer("minilm"), load_model("minilm", "sst2")
    get_apt_model(m, APTConfig())
    d = load_task("sst2", max_train_samples=160)
    enc, coll = tokenize_task(d, tok, max_length=64)["train"], data_collator(d.spec, tok)
    batches = [coll([enc[i] for i in range(j, j + 32)]) for j in range(0, 160, 32)]
    sal = Salience(m, use_kurtosis=False)
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-3)
    for b in batches:
        m(**b).loss.backward()
        bonus = kurtosis_bonus(sal)
        sal.update(); opt.step(); opt.zero_grad()
    res = {k: {"salience_mean": float(v.mean()), "kurtosis_term_mean": float(bonus[k].mean())} for k, v in sal.scores.items()}
    arch = describe(m); bl = BlockList(arch, CostModel.from_arch(arch))
    for name, sc in (("kept_without_kurtosis", sal.scores), ("kept_with_kurtosis", {k: sal.scores[k] + bonus[k] for k in sal.scores})):
        res[name] = {k: int(v.sum()) for k, v in kept_architecture(bl, sc, 0.6).items()}
    res["totals"] = {k: int(torch.tensor(s).prod()) for k, s in arch.mask_keys.items()}
    res["how"] = "MiniLM + APT adapters, 5 SST-2 steps, batch 32, max_length 64, lr 1e-3; command: python benchmarks/bench_kurtosis_scale.py"
    print(json.dumps(res, indent=1))
    out = Path(__file__).parent / "results" / "bench_kurtosis_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
