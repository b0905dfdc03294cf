"""Hub reader, offline only: save_to_disk folders and a local data folder."""

from __future__ import annotations

import pytest

from arclf.config import CorpusSpec, HubSpec
from arclf.corpus.base import ReadStats
from arclf.corpus.hub import read_hub
from arclf.errors import ConfigError, DataError


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_cache):
    """No network: the variables for a fresh import, the module constants for an earlier one."""
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)  # datasets < 2.19 has only the next one
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


ROWS = {"text": ["خبر رياضي", "خبر اقتصادي", ""], "label": ["sport", "economy", "sport"], "uid": ["x1", "x2", "x3"]}


def test_save_to_disk_dataset(tmp_path):
    from datasets import Dataset

    Dataset.from_dict(ROWS).save_to_disk(str(tmp_path / "ds"))
    stats = ReadStats()
    spec = CorpusSpec(name="hub", path=tmp_path / "ds", id_column="uid", label_columns={"section": "label"})
    recs = list(read_hub(spec, stats=stats))
    assert [(r["id"], r["section"], r["text"]) for r in recs] == [("x1", "sport", "خبر رياضي"), ("x2", "economy", "خبر اقتصادي")]
    assert stats.skipped == {"empty text": 1} and recs[0]["corpus"] == "ds"


def test_class_label_columns_give_names(tmp_path):
    from datasets import ClassLabel, Dataset, Features, Value

    feats = Features({"text": Value("string"), "label": ClassLabel(names=["economy", "sport"])})
    Dataset.from_dict({"text": ["أ", "ب"], "label": [1, 0]}, features=feats).save_to_disk(str(tmp_path / "cl"))
    recs = list(read_hub(CorpusSpec(name="hub", path=tmp_path / "cl", label_columns={"section": "label"}), stats=ReadStats()))
    assert [r["section"] for r in recs] == ["sport", "economy"]


def test_dataset_dict_splits(tmp_path):
    from datasets import Dataset, DatasetDict

    DatasetDict({"train": Dataset.from_dict(ROWS), "test": Dataset.from_dict(ROWS)}).save_to_disk(str(tmp_path / "dd"))
    spec = CorpusSpec(name="hub", path=tmp_path / "dd", label_columns={"section": "label"}, splits=["train", "test"])
    recs = list(read_hub(spec, stats=ReadStats()))
    assert [r["split"] for r in recs] == ["train", "train", "test", "test"]
    assert recs[2]["id"] == "dd:test:0"
    with pytest.raises(DataError, match="no split validation"):
        list(read_hub(spec.model_copy(update={"splits": ["validation"]}), stats=ReadStats()))


def test_local_data_folder(tmp_path):
    import pandas as pd

    (tmp_path / "data").mkdir()
    pd.DataFrame(ROWS).to_csv(tmp_path / "data" / "train.csv", index=False)
    spec = CorpusSpec(name="hub", path=tmp_path / "data", hub=HubSpec(name="unused"), label_columns={"section": "label"})
    recs = list(read_hub(spec, stats=ReadStats()))
    assert [r["section"] for r in recs] == ["sport", "economy"]


def test_unreachable_hub_dataset_is_a_data_error():
    spec = CorpusSpec(name="hub", hub=HubSpec(name="no-such-user/no-such-dataset", revision="main"))
    with pytest.raises(DataError, match="no-such-user/no-such-dataset: cannot load"):
        list(read_hub(spec, stats=ReadStats()))
    with pytest.raises(ConfigError, match="hub: {name"):
        list(read_hub(CorpusSpec(name="hub"), stats=ReadStats()))
