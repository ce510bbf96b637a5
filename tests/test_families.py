"""Families beyond the lessons' five (LLaMA-layout Mistral and Qwen2), and the public API from the top-level package."""
import pytest
import torch

import apt_nb
from apt_nb.core import count_layer_params, tiny_tokenizer


def _tiny(kind):
    from transformers import MistralConfig, MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM
    kw = dict(vocab_size=len(tiny_tokenizer()), hidden_size=32, intermediate_size=48, num_hidden_layers=3,
              num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0)
    torch.manual_seed(0)
    if kind == "qwen2": return Qwen2ForCausalLM(Qwen2Config(**kw)).eval()   # q/k/v biases
    return MistralForCausalLM(MistralConfig(**kw)).eval()


@pytest.mark.parametrize("kind", ["mistral", "qwen2"])
def test_llama_layout_families_compress_exactly(kind):
    m = _tiny(kind)
    x = tiny_tokenizer("llama")(["a good movie", "not good"], padding=True, return_tensors="pt")
    apt_nb.get_apt_model(m, apt_nb.APTConfig(r=4))
    with torch.no_grad():
        for p_name, p in m.named_parameters():
            if "lora_B" in p_name: p.normal_(std=0.1)
    g = torch.Generator().manual_seed(1)
    masks = {k: (torch.rand(v.shape, generator=g) > 0.4).float() for k, v in apt_nb.get_masks(m).items()}
    masks["head"][1] = 0.0
    masks["neuron"][2] = 0.0
    apt_nb.set_masks(m, masks)
    with torch.no_grad():
        masked = m(**x).logits
        pred = apt_nb.pruned_param_count(apt_nb.describe(m), masks["head"].sum(1).int().tolist(),
                                          masks["neuron"].sum(1).int().tolist(), int(masks["hidden"].sum()))
        apt_nb.compress(m)
        torch.testing.assert_close(m(**x).logits, masked, atol=1e-4, rtol=0)
    assert pred == count_layer_params(m)


def test_public_api_round_trip(tmp_path):
    tok = tiny_tokenizer()
    m = apt_nb.tiny_model("bert")
    apt_nb.get_apt_model(m, apt_nb.APTConfig())
    masks = apt_nb.get_masks(m)
    masks["head"][0, :2] = 0
    masks["hidden"][:5] = 0
    apt_nb.set_masks(m, masks)
    x = tok(["a good film"], return_tensors="pt")
    small = apt_nb.compress(m)
    assert type(small).__name__ == "BertForSequenceClassification"
    with torch.no_grad():
        ref = small(**x).logits
    apt_nb.save_pruned(small, tmp_path / "m", tokenizer=tok)
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= {p.name for p in (tmp_path / "m").iterdir()}
    back = apt_nb.load_pruned(tmp_path / "m")
    with torch.no_grad():
        assert torch.equal(back(**x).logits, ref)
    assert back.bert.encoder.layer[0].attention.self.query.out_features == 16


def test_compress_refuses_a_plain_model_and_save_refuses_an_uncompressed_one(tmp_path):
    m = apt_nb.tiny_model("bert")
    with pytest.raises(ValueError, match="not an APT model"):
        apt_nb.compress(m)
    apt_nb.get_apt_model(m)
    with pytest.raises(ValueError, match="call compress"):
        apt_nb.save_pruned(m, tmp_path / "x")
    assert not (tmp_path / "x").exists()
