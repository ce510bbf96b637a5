"""Cached decoding through a compressed model whose first layer kept no attention heads.

A skipped attention layer must still advance the key/value cache, or the next step's positions (LLaMA
rotary positions, T5's relative position bias) are computed from a wrong length."""
import torch

import apt_nb
from apt_nb.core import tiny_model, tiny_tokenizer


def _compressed(family, kind, head_key):
    torch.manual_seed(0)
    m = apt_nb.get_apt_model(tiny_model(family, kind))
    masks = apt_nb.get_masks(m)
    masks[head_key][0] = 0.0
    apt_nb.set_masks(m, masks)
    return apt_nb.compress(m).eval()


def _step_by_step(model, ids):
    "Logits of each position, decoding one token at a time with the cache."
    cache, logits = None, []
    for t in range(ids.shape[1]):
        out = model(ids[:, t:t + 1], cache=cache, use_cache=True)
        cache = out.past_key_values
        logits.append(out.logits[:, -1])
    return torch.stack(logits, 1)


@torch.no_grad()
def test_llama_cached_decoding_matches_full_forward():
    m = _compressed("llama", "causal_lm", "head")
    ids = tiny_tokenizer("llama")(["a good movie was made"], return_tensors="pt")["input_ids"]
    full = m(ids).logits
    torch.testing.assert_close(_step_by_step(m, ids), full, atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_t5_cached_decoding_matches_full_forward():
    m = _compressed("t5", "seq2seq", "decoder.head")
    enc = tiny_tokenizer("llama")(["a good movie"], return_tensors="pt")
    dec = torch.tensor([[0, 7, 9, 11, 13]])
    full = m(**enc, decoder_input_ids=dec).logits
    enc_out = m.get_encoder()(**enc)
    cache, steps = None, []
    for t in range(dec.shape[1]):
        out = m(encoder_outputs=enc_out, attention_mask=enc["attention_mask"], decoder_input_ids=dec[:, t:t + 1],
                past_key_values=cache, use_cache=True)
        cache = out.past_key_values
        steps.append(out.logits[:, -1])
    torch.testing.assert_close(torch.stack(steps, 1), full, atol=1e-5, rtol=1e-4)
