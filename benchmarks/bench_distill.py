"""Memory and time of a self-distillation training step vs a plain adapter step, on the packaged MiniLM.

Each variant runs in a fresh process (so peak memory is its own): load MiniLM with APT adapters, take
three SST-2 training steps (batch 32, max length 64), and report the peak resident memory above the
baseline measured just before the first step, and the median step time. `distill` adds the teacher
forward pass (frozen snapshot of the adapters on the shared backbone), the sampled layer loss through
Tr and the prediction KL. The teacher's own memory is the snapshot of the tuning parameters.

Run: `python benchmarks/bench_distill.py`; writes benchmarks/results/bench_distill.json.
"""
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024


def child(variant):
    import torch
    from apt_nb.core import quiet_hf, seed_everything
    from apt_nb.data import data_collator, load_task, tokenize_task
    from apt_nb.distill import Distiller
    from apt_nb.models import load_model, load_tokenizer
    from apt_nb.wrap import APTConfig, get_apt_model
    seed_everything(0); quiet_hf()
    tok = load_tokenizer("minilm")
    data = load_task("sst2", max_train_samples=96, max_eval_samples=8)
    enc = tokenize_task(data, tok, max_length=64)["train"]
    coll = data_collator(data.spec, tok)
    batches = [coll([enc[i] for i in range(j, j + 32)]) for j in range(0, 96, 32)]
    model = get_apt_model(load_model("minilm", "sst2"), APTConfig()).train()
    dist = Distiller(model) if variant == "distill" else None
    if dist is not None: dist.teacher.snapshot(model)
    params = [p for p in model.parameters() if p.requires_grad] + ([p for p in dist.parameters() if p.requires_grad] if dist else [])
    opt = torch.optim.AdamW(params, lr=1e-4)
    del data, enc
    base = _rss_mb()
    times = []
    for b in batches:
        t = time.perf_counter()
        out = model(**b, output_hidden_states=dist is not None)
        loss = out.loss if dist is None else 0.5 * out.loss + 0.5 * dist.loss(model, b, out)
        loss.backward(); opt.step(); opt.zero_grad()
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"baseline_rss_mb": base, "peak_rss_mb": peak, "step_peak_above_baseline_mb": peak - base,
                      "median_step_s": statistics.median(times), "teacher_snapshot_mb": dist.teacher.nbytes() / 2**20 if dist else 0.0}))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child": return child(sys.argv[2])
    res = {}
    for v in ("plain", "distill"):
        out = subprocess.run([sys.executable, __file__, "--child", v], capture_output=True, text=True)
        if out.returncode != 0: raise RuntimeError(out.stderr[-3000:])
        res[v] = json.loads(out.stdout.strip().splitlines()[-1])
        print(v, res[v])
    res["peak_rss_ratio_distill_vs_plain"] = res["distill"]["peak_rss_mb"] / res["plain"]["peak_rss_mb"]
    res["step_time_ratio_distill_vs_plain"] = res["distill"]["median_step_s"] / res["plain"]["median_step_s"]
    import torch
    res["how"] = (f"MiniLM + APT adapters, SST-2, batch 32, max_length 64, 3 steps per fresh process; peak = ru_maxrss; "
                  f"torch {torch.__version__}, {platform.machine()}; command: python benchmarks/bench_distill.py")
    print(f"peak RSS distill/plain = {res['peak_rss_ratio_distill_vs_plain']:.3f}; "
          f"step time distill/plain = {res['step_time_ratio_distill_vs_plain']:.2f}")
    out = Path(__file__).parent / "results" / "bench_distill.json"
    out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1) + "\n")
    print("saved", out)


if __name__ == "__main__":
    main()
