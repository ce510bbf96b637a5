"""Inference speed and memory of a compressed MiniLM vs the dense model vs a hand-sliced reference.

The masks are random (this measures compression, not pruning quality): a random subset of heads and
FFN neurons in every layer and 80% of the hidden dimensions, chosen so that about 40% of the layer
parameters are kept. Three models are timed in the same process with alternating passes: the dense
MiniLM, apt_nb's `compress` of an APT-wrapped copy, and a reference sliced by hand with plain
PyTorch / transformers calls (`prune_linear_layer` and direct indexing). The reference's logits are
checked against ours first. Speed-ups are paired ratios per round (this machine's speed drifts).

Run: `python benchmarks/bench_compress.py [--rounds 7] [--batches 2]`; writes benchmarks/results/bench_compress.json.
"""
import argparse
import copy
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from transformers.pytorch_utils import prune_linear_layer

from apt_nb.compression import compress, pruned_param_count, save_pruned
from apt_nb.core import count_layer_params, quiet_hf, seed_everything
from apt_nb.data import load_task
from apt_nb.models import load_model, load_tokenizer
from apt_nb.wrap import APTConfig, describe, get_apt_model, set_masks


def random_masks(model, keep_target=0.4, hidden_keep=0.8, seed=0):
    "Random binary masks keeping about `keep_target` of the layer parameters."
    g = torch.Generator().manual_seed(seed)
    arch = describe(model)
    L, H = arch.mask_keys["head"]; F = arch.mask_keys["neuron"][1]; d = arch.hidden_size
    hid = torch.zeros(d); hid[torch.randperm(d, generator=g)[: int(hidden_keep * d)]] = 1
    full = count_layer_params(model)
    lo, hi = 0.0, 1.0
    for _ in range(30):
        f = (lo + hi) / 2
        kept = pruned_param_count(arch, [max(1, round(f * H))] * L, [round(f * F)] * L, int(hid.sum()))
        lo, hi = (f, hi) if kept < keep_target * full else (lo, f)
    head, neuron = torch.zeros(L, H), torch.zeros(L, F)
    for l in range(L):
        head[l, torch.randperm(H, generator=g)[: max(1, round(f * H))]] = 1
        neuron[l, torch.randperm(F, generator=g)[: round(f * F)]] = 1
    return {"head": head, "neuron": neuron, "hidden": hid}


@torch.no_grad()
def hand_slice(model, masks):
    "Reference: slice a BERT classifier by hand with transformers' prune_linear_layer and plain indexing."
    m = copy.deepcopy(model)
    hid = masks["hidden"].nonzero().flatten()
    bert = m.bert
    for emb in (bert.embeddings.word_embeddings, bert.embeddings.position_embeddings, bert.embeddings.token_type_embeddings):
        emb.weight = torch.nn.Parameter(emb.weight[:, hid].clone())
    def ln(norm):
        norm.weight = torch.nn.Parameter(norm.weight[hid].clone()); norm.bias = torch.nn.Parameter(norm.bias[hid].clone())
        norm.normalized_shape = (len(hid),)
    ln(bert.embeddings.LayerNorm)
    hd = model.config.hidden_size // model.config.num_attention_heads
    for l, layer in enumerate(bert.encoder.layer):
        heads = masks["head"][l].nonzero().flatten()
        rows = torch.cat([torch.arange(h * hd, (h + 1) * hd) for h in heads.tolist()])
        s = layer.attention.self
        for name in ("query", "key", "value"):
            setattr(s, name, prune_linear_layer(prune_linear_layer(getattr(s, name), rows, dim=0), hid, dim=1))
        s.num_attention_heads, s.all_head_size = len(heads), len(heads) * hd
        o = layer.attention.output
        o.dense = prune_linear_layer(prune_linear_layer(o.dense, rows, dim=1), hid, dim=0); ln(o.LayerNorm)
        neurons = masks["neuron"][l].nonzero().flatten()
        layer.intermediate.dense = prune_linear_layer(prune_linear_layer(layer.intermediate.dense, neurons, dim=0), hid, dim=1)
        layer.output.dense = prune_linear_layer(prune_linear_layer(layer.output.dense, neurons, dim=1), hid, dim=0)
        ln(layer.output.LayerNorm)
    bert.pooler.dense = prune_linear_layer(bert.pooler.dense, hid, dim=1)
    return m


def batches(tok, sentences, bs, pad_to):
    out = []
    for i in range(0, len(sentences), bs):
        kw = dict(padding="max_length", max_length=pad_to, truncation=True) if pad_to else dict(padding=True)
        out.append(tok(sentences[i:i + bs], return_tensors="pt", **kw))
    return out


@torch.inference_mode()
def one_pass(model, bs_list):
    t = time.perf_counter()
    for b in bs_list: model(**b)
    return time.perf_counter() - t


def weights_mb(model): return sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20


def peak_rss_child(model_dir, compressed):
    "Memory of a fresh process that loads one saved model and runs one padded batch of 128: peak RSS and its rise over the baseline (MB)."
    out = subprocess.run([sys.executable, __file__, "--child", str(model_dir)] + (["--compressed"] if compressed else []),
                         capture_output=True, text=True)
    if out.returncode != 0: raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def build(seed):
    seed_everything(seed); quiet_hf()
    tok, dense = load_tokenizer("minilm"), load_model("minilm", "sst2").eval()
    apt = get_apt_model(copy.deepcopy(dense), APTConfig())
    masks = random_masks(apt, seed=seed)
    set_masks(apt, masks)
    return tok, dense, apt, masks


def _rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024


def child(model_dir, compressed):
    quiet_hf()
    from apt_nb.compression import load_pruned
    from apt_nb.data import get_task, read_glue_tsv, resolve_data_dir
    from transformers import AutoModelForSequenceClassification
    tok = load_tokenizer("minilm")
    sents = read_glue_tsv(resolve_data_dir() / "glue" / "sst2" / "dev.tsv", get_task("sst2"))["sentence"][:128]
    b = batches(tok, sents, 128, 128)
    base = _rss_mb()
    model = load_pruned(model_dir) if compressed else AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    one_pass(model, b)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": peak, "baseline_rss_mb": base, "model_and_activations_mb": peak - base}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--batches", type=int, default=2, help="batches of 128 dev sentences per timed pass")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--compressed", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--memory-only", action="store_true", help="only re-measure memory and update the saved JSON")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_compress.json"))
    args = ap.parse_args()
    if args.child: return child(args.child, args.compressed)
    tok, dense, apt, masks = build(args.seed)
    full = count_layer_params(dense)
    sents = load_task("sst2").dev["sentence"][: 128 * args.batches]
    ref_batch = tok(sents[:16], padding=True, return_tensors="pt")
    with torch.no_grad(): masked_logits = apt(**ref_batch).logits
    ours = compress(apt); hand = hand_slice(dense, masks)
    with torch.no_grad():
        err_masked = (ours(**ref_batch).logits - masked_logits).abs().max().item()
        err_hand = (ours(**ref_batch).logits - hand(**ref_batch).logits).abs().max().item()
    assert err_masked < 1e-4 and err_hand < 1e-4, (err_masked, err_hand)
    kept = count_layer_params(ours)
    assert kept == count_layer_params(hand)
    res = {"kept_param_ratio": kept / full, "params_before": full, "params_after": kept,
           "max_abs_logit_diff_vs_masked": err_masked, "max_abs_logit_diff_vs_hand_sliced": err_hand,
           "weights_mb": {"dense": weights_mb(dense), "apt": weights_mb(ours), "hand": weights_mb(hand)}}
    print(f"kept {kept:,} of {full:,} layer parameters ({100 * kept / full:.1f}%); logits match masked ({err_masked:.1e}) and hand-sliced ({err_hand:.1e})")
    models = {"dense": dense, "apt": ours, "hand": hand}
    if args.memory_only:
        res = json.loads(Path(args.out).read_text())
        modes = ()
    else:
        modes = (("padded_128", 128), ("dynamic", None))
    for mode, pad in modes:
        bl = batches(tok, sents, 128, pad)
        for m in models.values(): one_pass(m, bl[:1])  # warm-up
        times = {k: [] for k in models}
        for r in range(args.rounds):
            order = list(models) if r % 2 == 0 else list(models)[::-1]
            for k in order: times[k].append(one_pass(models[k], bl))
        sp_apt = [d / a for d, a in zip(times["dense"], times["apt"])]
        sp_hand = [d / h for d, h in zip(times["dense"], times["hand"])]
        rel = [a / h for a, h in zip(sp_apt, sp_hand)]
        n = 128 * len(bl)
        res[mode] = {"throughput_examples_per_s": {k: n / statistics.median(v) for k, v in times.items()},
                     "speedup_apt_median": statistics.median(sp_apt), "speedup_hand_median": statistics.median(sp_hand),
                     "apt_vs_hand_paired_median": statistics.median(rel), "apt_vs_hand_paired_min": min(rel),
                     "seconds_per_pass": times}
        print(f"{mode:>10}: speed-up apt {statistics.median(sp_apt):.2f}x, hand-sliced {statistics.median(sp_hand):.2f}x, "
              f"apt/hand (paired median) {statistics.median(rel):.3f} (min {min(rel):.3f})")
    with tempfile.TemporaryDirectory() as tmp:
        dense.save_pretrained(Path(tmp) / "dense"); save_pruned(ours, Path(tmp) / "apt")
        res["peak_rss_mb_one_padded_batch"] = {"dense": peak_rss_child(Path(tmp) / "dense", False),
                                               "apt": peak_rss_child(Path(tmp) / "apt", True)}
    print("memory of a fresh process loading the model and running one padded batch of 128:", res["peak_rss_mb_one_padded_batch"])
    if args.memory_only:
        Path(args.out).write_text(json.dumps(res, indent=1) + "\n"); print("updated", args.out); return
    res["how"] = (f"{args.rounds} alternating rounds x {args.batches} batches of 128 SST-2 dev sentences, batch 128, "
                  f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.machine()}; "
                  "command: python benchmarks/bench_compress.py " + " ".join(sys.argv[1:]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    print("saved", args.out)


if __name__ == "__main__":
    main()
