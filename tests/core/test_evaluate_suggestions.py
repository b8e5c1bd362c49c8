"""The simulated-analyst experiment (training/evaluate_suggestions.py) on a tiny npy scene."""

from __future__ import annotations

import csv
import json

import numpy as np
from metamapper.core.model import load_model
from metamapper.core.predicting.suggest import clearance_mask
from metamapper.training.evaluate_suggestions import (
    SHIPPED,
    choose,
    fit_map,
    load_npy_scene,
    main,
    map_scene,
)

from tests.model_factory import make_model_file


def write_npy_scene(folder, seed: int = 0):
    """scenes/<name> layout: 48 x 48 px, 5 bands, 8x8 px fields of 3 classes, some nodata."""
    rng = np.random.default_rng(seed)
    fields = rng.permutation(np.arange(36) % 3 + 1).reshape(6, 6)
    labels = np.kron(fields, np.ones((8, 8), dtype=np.uint8)).astype(np.uint8)
    spectra = rng.uniform(500, 4000, size=(4, 5))
    cube = (spectra[labels] + rng.normal(0, 300, (48, 48, 5))).astype(np.int16)
    labels[rng.random(labels.shape) < 0.2] = 0
    cube[:4, :4] = -9999  # nodata corner
    folder.mkdir(parents=True)
    np.save(folder / "image.npy", cube)
    np.save(folder / "labels.npy", labels)
    (folder / "meta.json").write_text(json.dumps(
        {"class_names": ["a", "b", "c"], "wavelengths_nm": [450, 550, 650, 850, 1600]}))
    return folder


def test_npy_scene_nodata_and_names(tmp_path):
    scene = load_npy_scene(write_npy_scene(tmp_path / "scenes" / "tiny"))
    assert scene.name == "tiny" and scene.cube.shape == (48, 48, 5)
    assert np.isnan(scene.cube[:4, :4]).all() and (scene.labels[:4, :4] == 0).all()
    assert scene.class_names == {1: "a", 2: "b", 3: "c"}
    assert scene.wavelengths_nm == [450.0, 550.0, 650.0, 850.0, 1600.0]


def test_strategies_choose_only_unused_labelled_pixels(tmp_path):
    scene = load_npy_scene(write_npy_scene(tmp_path / "scenes" / "tiny"))
    loaded = load_model(make_model_file(tmp_path, episodes=20))
    sd = map_scene(scene, loaded.card, [1, 2, 3], seed=0)
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=48 * 48).T.reshape(3, 48, 48).astype(np.float32)
    labelled = np.flatnonzero(sd.truth >= 0)[:30]
    for strategy in ("random", "uncertain", "suggest"):
        picks = choose(strategy, probs, sd, labelled, 3, np.random.default_rng(1), SHIPPED)
        assert picks.size == 3 and np.unique(picks).size == 3
        assert (sd.truth[picks] >= 0).all()  # answerable: labelled ground truth
        assert not np.isin(picks, labelled).any()
    taken = np.zeros(48 * 48, bool)
    taken[labelled] = True
    near = clearance_mask(taken.reshape(48, 48), SHIPPED.label_clearance_px).ravel()
    picks = choose("suggest", probs, sd, labelled, 3, np.random.default_rng(1), SHIPPED)
    assert not near[picks].any()
    margin = np.sort(probs.reshape(3, -1), axis=0)
    margin = margin[-1] - margin[-2]
    free = np.flatnonzero((sd.truth >= 0) & ~taken)
    picks = choose("uncertain", probs, sd, labelled, 3, np.random.default_rng(1), SHIPPED)
    assert set(picks) == set(free[np.argsort(margin[free], kind="stable")[:3]])


def test_main_writes_the_report(tmp_path, monkeypatch):
    write_npy_scene(tmp_path / "data" / "scenes" / "tiny")
    monkeypatch.setenv("METAMAPPER_DATA", str(tmp_path / "data"))
    model = make_model_file(tmp_path, episodes=20)
    out = tmp_path / "docs"
    assert main(["--model", str(model), "--scenes", "tiny", "--draws", "2",
                 "--out", str(out)]) == 0
    with open(out / "suggestions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["strategy"] for r in rows} == {"random", "uncertain", "suggest"}
    assert {(r["draw"], r["round"]) for r in rows} == {(d, k) for d in "01" for k in "012"}
    for r in rows:
        assert r["scene"] == "tiny" and 0.0 <= float(r["oa"]) <= 1.0
        assert int(r["labels"]) == 15 + 3 * int(r["round"])  # 5 per class, then +N a round
    start = {r["oa"] for r in rows if r["round"] == "0" and r["draw"] == "0"}
    assert len(start) == 1  # every strategy starts from the same model
    md = (out / "suggestions.md").read_text()
    assert "| strategy | round 0 | round 1 | round 2 |" in md and "| tiny | tiny.pt | 3 |" in md
    assert "minus random" in md


def test_scenes_in_parallel_workers_give_the_same_rows(tmp_path, monkeypatch):
    for i, name in enumerate(("tiny", "tiny2")):
        write_npy_scene(tmp_path / "data" / "scenes" / name, seed=i)
    monkeypatch.setenv("METAMAPPER_DATA", str(tmp_path / "data"))
    model = make_model_file(tmp_path, episodes=5)
    tables = []
    for jobs in ("1", "2"):
        out = tmp_path / f"docs{jobs}"
        assert main(["--model", str(model), "--scenes", "tiny,tiny2", "--draws", "1",
                     "--out", str(out), "--jobs", jobs]) == 0
        tables.append((out / "suggestions.csv").read_text())
    assert tables[0] == tables[1] and "tiny2" in tables[0]


def test_each_scene_is_scored_with_its_fold_model(tmp_path, monkeypatch):
    """The model that never saw the scene: <fold models>/<scene group>.pt when there is one."""
    write_npy_scene(tmp_path / "data" / "scenes" / "tiny")
    monkeypatch.setenv("METAMAPPER_DATA", str(tmp_path / "data"))
    bundled = make_model_file(tmp_path, episodes=5, name="bundled")
    make_model_file(tmp_path / "folds", episodes=5, name="tiny")
    out = tmp_path / "docs"
    assert main(["--model", str(bundled), "--fold-models", str(tmp_path / "folds"),
                 "--scenes", "tiny", "--draws", "1", "--out", str(out)]) == 0
    md = (out / "suggestions.md").read_text()
    assert "| tiny | folds/tiny.pt | 3 |" in md and "fold model" in md


PROPAGATION = {"mode": "propagation", "anchors": 300, "dims": 4, "neighbours": 6, "alpha": 0.95,
               "iterations": 20, "spatial_weight": 0.5, "prior_weight": 0.5,
               "extend_neighbours": 5, "folds": 3}
APPEND = {"append_bands": True, "context_radius": 1, "context_mode": "smooth"}


def test_fit_map_adapts_and_propagates_as_the_plugin(tmp_path):
    """map_region's transduction: core.adapting.propagation.choose decides; the map's probabilities
    (what the suggester scores and OA is measured on) are the propagated ones when kept."""
    scene = load_npy_scene(write_npy_scene(tmp_path / "scenes" / "tiny"))
    loaded = load_model(make_model_file(tmp_path, episodes=20, transductive=PROPAGATION,
                                        band_mapping=APPEND,
                                        band_correction={"l2": 0.1, "min_shots": 2,
                                                         "max_iter": 30}))
    sd = map_scene(scene, loaded.card, [1, 2, 3], seed=0)
    assert sd.append_bands and sd.n_bands == 5
    rng = np.random.default_rng(0)
    idx = np.concatenate([rng.choice(np.flatnonzero(sd.truth == k), 5, replace=False)
                          for k in range(3)])
    fitted = fit_map(loaded, sd, idx, sd.truth[idx], seed=0)
    total = fitted.probs.sum(axis=0)
    assert np.allclose(total[sd.valid], 1.0, atol=1e-4) and (total[~sd.valid] == 0).all()
    assert (": used" in fitted.reason) == fitted.propagated
    if fitted.propagated:
        assert not np.allclose(fitted.probs, fitted.inductive)
    else:
        assert np.array_equal(fitted.probs, fitted.inductive)
    again = fit_map(loaded, sd, idx, sd.truth[idx], seed=0)
    assert np.array_equal(again.probs, fitted.probs)  # deterministic for a seed
    inductive = fit_map(loaded, sd, idx, sd.truth[idx], seed=0, transductive=False)
    assert not inductive.propagated
    assert np.allclose(inductive.probs, fitted.inductive, atol=1e-5)
