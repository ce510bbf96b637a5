"""Training memory at RoBERTa-base shapes counted tensor by tensor, without the allocator.

Peak resident memory on a CPU (bench_sst2.py's memory part) is shaped by the allocator: there even LoRA
measures above full fine-tuning. This script counts what training must hold instead: the weights, the
activations autograd saves for backward (bytes of distinct storages packed by `saved_tensors_hooks`
during one forward pass), and for the trainable parameters their gradients and AdamW's two moments.
Random-init weights of RoBERTa-base's shapes (12 layers, hidden 768), batch 32, length 128: FT; peft LoRA
(r 8 on query, value, FFN up; head trained); APT's dense phase (adapters, masks and salience observers).

Run: `python benchmarks/bench_saved_memory.py` (a few minutes on 2 cores); writes benchmarks/results/bench_saved_memory.json.
"""
import json
import platform
import time
from pathlib import Path

import torch
from transformers import RobertaConfig, RobertaForSequenceClassification

from apt_nb.core import quiet_hf


def build(phase: str):
    cfg = RobertaConfig(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                        max_position_embeddings=514, type_vocab_size=1, num_labels=2)
    torch.manual_seed(0)
    m = RobertaForSequenceClassification(cfg).train()
    if phase == "lora":
        from peft import LoraConfig, get_peft_model
        m = get_peft_model(m, LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value", "intermediate.dense"], modules_to_save=["classifier"]))
    elif phase == "apt-dense":
        from apt_nb.controller import APTController
        from apt_nb.wrap import APTConfig, get_apt_model
        get_apt_model(m, APTConfig(use_kurtosis=False)); m._ctl = APTController(m, 1000)
    return m


def measure(phase: str, batch: dict) -> dict:
    m = build(phase)
    storages = {}
    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes(); return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        m(**batch)
    params = {p.untyped_storage().data_ptr() for p in m.parameters()}
    mb = lambda n: round(n / 2**20, 1)
    weights = sum(p.numel() * p.element_size() for p in m.parameters())
    trainable = sum(p.numel() * p.element_size() for p in m.parameters() if p.requires_grad)
    saved = sum(v for k, v in storages.items() if k not in params)
    return {"weights_mb": mb(weights), "saved_activations_mb": mb(saved), "grads_mb": mb(trainable), "adam_states_mb": mb(2 * trainable),
            "total_mb": mb(weights + saved + 3 * trainable)}


def main():
    quiet_hf()
    g = torch.Generator().manual_seed(0)
    batch = {"input_ids": torch.randint(5, 50000, (32, 128), generator=g), "attention_mask": torch.ones(32, 128, dtype=torch.long),
             "labels": torch.randint(0, 2, (32,), generator=g)}
    res = {p: measure(p, batch) for p in ("ft", "lora", "apt-dense")}
    for v in res.values(): v["total_vs_ft"] = round(v["total_mb"] / res["ft"]["total_mb"], 3)
    out = {"what": __doc__, "command": "python benchmarks/bench_saved_memory.py", "date": time.strftime("%Y-%m-%d"),
           "machine": platform.machine(), "torch": torch.__version__, "results": res}
    path = Path(__file__).parent / "results" / "bench_saved_memory.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    for k, v in res.items(): print(f"{k:10} {v}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
