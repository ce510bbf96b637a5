"""Regression tests for problems found in review: each failed before its fix."""
import pytest
import torch

import apt_nb
from apt_nb.core import tiny_model, tiny_tokenizer
from apt_nb.rank_growth import rebuild_optimizer
from apt_nb.salience import Salience


def test_save_pruned_keeps_other_files(tmp_path):
    m = apt_nb.get_apt_model(tiny_model("bert"))
    apt_nb.compress(m)
    (tmp_path / "metrics.json").write_text("{}")
    apt_nb.save_pruned(m, tmp_path)
    assert {"metrics.json", "model.safetensors", "config.json"} <= {p.name for p in tmp_path.iterdir()}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".apt_nb_save")]


def test_compress_removes_every_apt_hook():
    m = apt_nb.get_apt_model(tiny_model("bert"))
    sal = Salience(m)
    apt_nb.compress(m)
    hooks = [h for mod in m.modules() for h in (*mod._forward_hooks.values(), *mod._forward_pre_hooks.values())]
    assert hooks == [] and sal.st.observers == []


def test_rebuild_optimizer_refuses_to_merge_groups_silently():
    m = apt_nb.get_apt_model(tiny_model("bert"))
    ps = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": ps[:2], "weight_decay": 0.1}, {"params": ps[2:], "weight_decay": 0.0}], lr=1e-3)
    with pytest.raises(ValueError, match="several parameter groups"):
        rebuild_optimizer(opt, m)
    new, _ = rebuild_optimizer(opt, m, param_groups=lambda mod: [{"params": [p for p in mod.parameters() if p.requires_grad], "weight_decay": 0.05}])
    assert new.param_groups[0]["weight_decay"] == 0.05


def test_single_group_settings_come_from_the_group_not_the_defaults():
    m = apt_nb.get_apt_model(tiny_model("bert"))
    opt = torch.optim.AdamW([{"params": [p for p in m.parameters() if p.requires_grad], "weight_decay": 0.1}], lr=1e-3)
    new, _ = rebuild_optimizer(opt, m)
    assert new.param_groups[0]["weight_decay"] == 0.1 and new.param_groups[0]["lr"] == 1e-3


def test_salience_skips_padding_with_a_positional_attention_mask():
    tok = tiny_tokenizer("llama")
    x = tok(["a good movie", "bad"], padding=True, return_tensors="pt")
    scores = []
    for positional in (False, True):
        torch.manual_seed(0)
        m = apt_nb.get_apt_model(tiny_model("llama", "causal_lm"))
        s = Salience(m, beta=0.0, use_kurtosis=False)
        out = m(x["input_ids"], x["attention_mask"]) if positional else m(input_ids=x["input_ids"], attention_mask=x["attention_mask"])
        out.logits.sum().backward()
        scores.append(s.update()["neuron"].clone())
    torch.testing.assert_close(scores[0], scores[1])


def test_t5_sequence_classification_is_a_clear_error():
    from transformers import T5ForSequenceClassification
    m = T5ForSequenceClassification(apt_nb.tiny_config("t5"))
    with pytest.raises(NotImplementedError, match="T5ForConditionalGeneration"):
        apt_nb.get_apt_model(m)


def test_t5_decoder_padding_is_taken_from_the_labels():
    tok = tiny_tokenizer("llama")
    x = tok(["a good movie", "bad"], padding=True, return_tensors="pt")
    labels = x["input_ids"].clone(); labels[1, 2:] = -100
    dmask = (labels != -100).long()
    scores = []
    for kw in ({}, {"decoder_attention_mask": dmask}):
        torch.manual_seed(0)
        m = apt_nb.get_apt_model(tiny_model("t5", "seq2seq"))
        s = Salience(m, beta=0.0, use_kurtosis=False)
        m(**x, labels=labels, **kw).loss.backward()
        scores.append(s.update()["decoder.neuron"].clone())
    torch.testing.assert_close(scores[0], scores[1])
