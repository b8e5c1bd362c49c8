"""The card read once (core.settings): typed values, the defaults of absent keys, the checks,
and no stage of the engine digging in the card's dicts any more (issue 29, item 3)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from metamapper.core.mapping.band_mapping import (
    BandMappingSettings,
    BandStats,
    classifier_dim,
    default_band_mapping,
    map_bands,
)
from metamapper.core.model import bundled_model_path, load_model
from metamapper.core.settings import (
    CorrectionSettings,
    InnerLoopSettings,
    ModelSettings,
    PropagationSettings,
    TransductiveSettings,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_card_read_once():
    loaded = load_model(bundled_model_path())
    settings = loaded.settings
    assert settings is loaded.settings  # read once, not on every access
    card = loaded.card
    assert settings.method == card["method"] == "protonet"
    assert settings.name == card["name"] and settings.version == card["version"]
    assert settings.band_mapping == BandMappingSettings(
        points=16, context_radius=1, context_mode="smooth", append_bands=True)
    corr = settings.correction
    assert corr is not None and not corr.chooses_by_folds  # card 1.3.0 blends the scales
    assert corr.combine == "blend" and len(corr.prior_scales) == 4
    assert corr.prior_scales == tuple(float(v) for v in card["band_correction"]["prior_scale"])
    assert (corr.l2, corr.min_shots) == (card["band_correction"]["l2"],
                                         card["band_correction"]["min_shots"])
    prop = settings.transductive.propagation
    assert prop is not None and prop.extension == card["transductive"]["extension"]
    assert prop.distils(prop.exact_max_pixels + 1) and not prop.distils(prop.exact_max_pixels)
    assert not settings.transductive.uses_unlabelled


def test_absent_keys_take_the_defaults_they_always_had():
    card = {"method": "maml", "band_mapping": {}, "inner_loop": {"steps": 3}}
    settings = ModelSettings.from_card(card)
    assert settings.band_mapping == BandMappingSettings()  # resample-v1, 16 points
    assert settings.inner_loop == InnerLoopSettings(steps=3, lr=0.1, adapt="all")
    assert settings.correction is None
    assert settings.transductive == TransductiveSettings(soft_kmeans_iters=0,
                                                         max_unlabelled=4096, propagation=None)
    assert (settings.name, settings.version) == ("", "")
    # an empty correction section is no correction; one number is one candidate
    assert CorrectionSettings.from_card({}) is None
    assert CorrectionSettings.from_card({"prior_scale": 0.5}).prior_scales == (0.5,)
    assert CorrectionSettings.from_card({"l2": 0.2}) == CorrectionSettings(l2=0.2)
    # propagation only with its mode; unknown keys ignored, values typed as the defaults
    assert TransductiveSettings.from_card({"anchors": 10}).propagation is None
    prop = TransductiveSettings.from_card({"mode": "propagation", "anchors": "10",
                                           "unknown": 1}).propagation
    assert prop == PropagationSettings(anchors=10)


@pytest.mark.parametrize("section, problem", [
    ({"kind": "resample-v0"}, "Unknown band mapping kind"),
    ({"points": 1}, "points must be >= 2"),
    ({"context_radius": -1}, "context_radius must be >= 0"),
    ({"context_mode": "blur"}, "context_mode must be one of"),
])
def test_band_mapping_checks_once_with_a_clear_message(section, problem):
    with pytest.raises(ValueError, match=problem):
        BandMappingSettings.from_card(section)


def test_dict_and_typed_band_mapping_map_alike():
    rng = np.random.default_rng(0)
    x = rng.uniform(100, 3000, size=(50, 7)).astype(np.float32)
    stats = BandStats.from_samples(x)
    section = default_band_mapping(append_bands=True)
    typed = BandMappingSettings.from_card(section)
    assert BandMappingSettings.from_card(typed) is typed
    a = map_bands(x, stats, section)
    b = map_bands(x, stats, typed)
    assert a.shape == (50, classifier_dim(typed, 7)) and np.array_equal(a, b)


def test_no_engine_stage_digs_in_the_card():
    """Only the model file (core/model.py) and its reading (core/settings.py) index a card."""
    digging = re.compile(r"\bcard(_bm)?(\[|\.get\()")
    found = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        if path.name in ("model.py", "settings.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if digging.search(line.split("#")[0]):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
