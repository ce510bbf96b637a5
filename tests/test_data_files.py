"""Every data file the project reads, in every layout the contract allows, and the errors for bad ones."""
import shutil
from pathlib import Path

import pytest

from apt_nb.data import DataFormatError, DataNotFoundError, TASKS, get_task, load_task, read_glue_tsv


# Label counts from ../shared/data/SOURCES.md (which match the published GLUE statistics).
@pytest.mark.parametrize("task,split,n,counts", [
    ("sst2", "dev", 872, [428, 444]),
    ("rte", "train", 2490, [1249, 1241]),
    ("rte", "dev", 277, [146, 131]),
    ("wnli", "train", 635, [323, 312]),
    ("wnli", "dev", 71, [40, 31]),
])
def test_glue_label_counts(shared_data, task, split, n, counts):
    cols = read_glue_tsv(shared_data / "glue" / task / f"{split}.tsv", get_task(task))
    assert len(cols["label"]) == n
    assert [cols["label"].count(i) for i in range(len(counts))] == counts


def test_stsb_scores_are_floats_in_range(shared_data):
    t = load_task("stsb")
    assert (len(t.train), len(t.dev)) == (5749, 1500)
    assert all(0.0 <= s <= 5.0 for s in t.dev["label"])


def test_qnli_has_only_dev_so_it_is_split(shared_data):
    t = load_task("qnli", seed=0)
    assert len(t.train) + len(t.dev) == 5463 and abs(len(t.dev) - 546) <= 1
    assert "seeded 90%/10% split" in t.split_note
    again = load_task("qnli", seed=0)
    assert again.dev["question"] == t.dev["question"]
    assert load_task("qnli", seed=1).dev["question"] != t.dev["question"]


def test_glue_script_folder_names(shared_data, tmp_path):
    (tmp_path / "glue").mkdir()
    for ours, theirs in (("sst2", "SST-2"), ("stsb", "STS-B"), ("rte", "RTE")):
        shutil.copytree(shared_data / "glue" / ours, tmp_path / "glue" / theirs)
    assert len(load_task("sst2", data_dir=tmp_path).dev) == 872
    assert len(load_task("STS-B", data_dir=tmp_path).dev) == 1500
    assert len(load_task("rte", data_dir=tmp_path).train) == 2490


def test_mnli_and_qqp_layouts(tmp_path):
    d = tmp_path / "glue" / "MNLI"; d.mkdir(parents=True)
    head = "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2"
    (d / "train.tsv").write_text(head + "\tlabel1\tgold_label\n0\t1\t1e\tfic\t(x)\t(y)\t(X)\t(Y)\tA man.\tA person.\tentailment\tentailment\n")
    (d / "dev_matched.tsv").write_text(head + "\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n"
                                       "0\t1\t1n\tfic\t(x)\t(y)\t(X)\t(Y)\tA dog.\tA cat.\tcontradiction\tcontradiction\tneutral\tcontradiction\tcontradiction\tcontradiction\n")
    t = load_task("mnli", data_dir=tmp_path)
    assert t.train["premise"] == ["A man."] and t.train["label"] == [0]
    assert t.dev["hypothesis"] == ["A cat."] and t.dev["label"] == [2]
    q = tmp_path / "glue" / "qqp"; q.mkdir()
    for f in ("train.tsv", "dev.tsv"):
        (q / f).write_text('id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n7\t1\t2\tHow do "I" cook?\tHow to cook?\t1\n')
    t = load_task("qqp", data_dir=tmp_path)
    assert t.train["question1"] == ['How do "I" cook?'] and t.dev["label"] == [1]


def test_short_row_names_file_and_line(tmp_path):
    p = tmp_path / "dev.tsv"
    p.write_text("index\tsentence1\tsentence2\tlabel\n0\tonly one field\n")
    with pytest.raises(DataFormatError, match=r"dev.tsv, line 2: 2 field\(s\), expected at least 4"):
        read_glue_tsv(p, get_task("rte"))


def test_missing_task_is_one_sentence_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("APT_DATA_DIR", str(tmp_path))
    for name in TASKS:
        with pytest.raises(DataNotFoundError) as e:
            load_task(name)
        msg = str(e.value)
        assert msg.startswith(f"no data found for task {name}: put ") and "\n" not in msg


def test_unknown_task_lists_known_ones():
    with pytest.raises(ValueError, match="known tasks: sst2, cola, mrpc, qqp, stsb, mnli, qnli, rte, wnli, squad_v2, cnn_dailymail, alpaca"):
        load_task("imdb")


def test_one_file_tasks_split_and_cap(shared_data):
    c = load_task("cnn_dailymail", max_train_samples=10, max_eval_samples=3)
    assert (len(c.train), len(c.dev)) == (10, 3) and "validation_sample1000.jsonl" in c.split_note
    a = load_task("alpaca", dev_fraction=0.2)
    assert (len(a.train), len(a.dev)) == (4000, 1000)


def test_bad_json_names_the_file(tmp_path):
    (tmp_path / "alpaca").mkdir()
    (tmp_path / "alpaca" / "data.json").write_text("[{\"instruction\": 1,")
    with pytest.raises(DataFormatError, match="data.json: not valid JSON"):
        load_task("alpaca", data_dir=tmp_path)
    (tmp_path / "alpaca" / "data.json").write_text('[{"instruction": "x", "output": "y"}]')
    with pytest.raises(DataFormatError, match=r"record 0: missing field\(s\) \['input'\]"):
        load_task("alpaca", data_dir=tmp_path)


def test_qqp_skips_broken_lines_like_hf(tmp_path):
    q = tmp_path / "glue" / "QQP"; q.mkdir(parents=True)
    head = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
    for f in ("train.tsv", "dev.tsv"):
        (q / f).write_text(head + "1\t1\t2\tWhy?\tHow?\t0\n2\t3\tbroken line\n3\t4\t5\tA?\tB?\t1\n")
    with pytest.warns(UserWarning, match="skipped 1 line"):
        t = load_task("qqp", data_dir=tmp_path)
    assert t.train["label"] == [0, 1]
