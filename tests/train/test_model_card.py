"""Model card round trip through the training recipe (--quick) and the shipped model."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("learn2learn", reason="training extra not installed (make install-train)")

from metamapper.core.model import (  # noqa: E402
    METHODS,
    bundled_model_path,
    load_model,
    sha256_of,
)
from metamapper.training.metatrain import train  # noqa: E402


def test_quick_recipe_writes_a_loadable_model_with_card(tmp_path, tiny_ucr):
    out = tmp_path / "quick.pt"
    rc = train.main(["--quick", "--methods", "protonet,anil", "--ucr", str(tiny_ucr),
                     "--out", str(out)])
    assert rc == 0
    loaded = load_model(out)
    card = loaded.card
    assert card["method"] in ("protonet", "anil")
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["sha256"] == sha256_of(out)
    assert {k: v for k, v in side.items() if k not in ("sha256", "file")} == card
    tr = card["training"]
    assert tr["quick"] is True and tr["compared_methods"] == ["protonet", "anil"]
    assert "earthlib" in tr["data"] and "ucr_crop" in tr["data"]
    assert tr["task_sampler"]["n_way"] == [2, 10] and tr["task_sampler"]["k_shot"] == [1, 20]
    comparison = card["evaluation"]["comparison"]
    assert {"protonet", "anil", "nearest-centroid (no training)"} <= set(comparison)
    for scores in comparison.values():
        assert {"library_k1", "library_k5", "ucr_k1", "ucr_k5", "mean"} <= set(scores)
        assert all(0.0 <= v <= 1.0 for v in scores.values())
    md = out.with_suffix(".md").read_text()
    assert card["method"] in md and "| method |" in md
    # run-time parts of the card: smoothing context and the per-task band correction
    assert card["band_mapping"]["append_bands"] is True
    assert card["band_correction"] == train.BAND_CORRECTION and "Band correction" in md
    arch = card["architecture"]
    assert arch["hidden"] == [64, 64] and arch["embedding_dim"] == 32


def test_quick_recipe_is_reproducible(tmp_path, tiny_ucr):
    paths = []
    for name in ("a.pt", "b.pt"):
        out = tmp_path / name
        train.main(["--quick", "--methods", "protonet", "--ucr", str(tiny_ucr), "--out", str(out)])
        paths.append(out)
    a, b = (load_model(p) for p in paths)
    for k, v in a.net.state_dict().items():
        assert (v == b.net.state_dict()[k]).all(), k


def test_shipped_model_is_valid_and_small():
    path = bundled_model_path()
    if not path.is_file():
        pytest.skip("no bundled model yet (run make metatrain)")
    assert path.stat().st_size < 20 * 1024 * 1024
    loaded = load_model(path)  # checks the sha256 in the .json sidecar too
    card = loaded.card
    assert card["method"] in METHODS and card["training"]["quick"] is False
    assert card["evaluation"]["comparison"]
    assert path.with_suffix(".md").is_file()
    assert card.get("band_correction") and card["band_mapping"].get("append_bands")
