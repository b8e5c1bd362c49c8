"""The adapted classifier as a file (core.predicting.classifier_file) and apply_classifier in this
process (core.apply): same map bit for bit, other rasters of the same bands, refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import torch
from metamapper.core.apply import apply_classifier
from metamapper.core.errors import InputError, ModelFileError
from metamapper.core.pipeline import MapOptions, map_region
from metamapper.core.predicting.classifier_file import FORMAT, load_classifier

from tests.factories import box_polygon, features_from_truth, make_raster
from tests.model_factory import make_model_file

PROPAGATION = {"mode": "propagation", "anchors": 300, "dims": 3, "neighbours": 6,
               "folds": 3, "check": False}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(make_model_file(tmp_path_factory.mktemp("model"), episodes=40))


def read(path):
    with rasterio.open(path) as ds:
        return ds.read(1), ds.tags()


def adapt_and_save(tmp_path, scene, model, transductive=False, **kw):
    feats = features_from_truth(scene, per_class=4)
    res = map_region(scene["path"], feats, str(tmp_path / "map.tif"), model_path=model,
                     confidence_path=str(tmp_path / "map_conf.tif"),
                     options=MapOptions(device="cpu", tile_size=32, transductive=transductive),
                     classifier_path=str(tmp_path / "clf.pt"), **kw)
    return res, tmp_path / "clf.pt"


def test_the_saved_classifier_maps_the_same_raster_bit_for_bit(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", width=70, height=50, bands=5, n_classes=3)
    res, clf = adapt_and_save(tmp_path, sc, model)
    assert any("Adapted classifier saved" in n for n in res.notes)
    out = apply_classifier(sc["path"], str(clf), str(tmp_path / "a.tif"),
                           confidence_path=str(tmp_path / "a_conf.tif"), device="cpu",
                           tile_size=48)  # another tiling: the map does not depend on it
    a, tags = read(tmp_path / "a.tif")
    m, _ = read(tmp_path / "map.tif")
    assert np.array_equal(a, m)
    assert np.array_equal(read(tmp_path / "a_conf.tif")[0], read(tmp_path / "map_conf.tif")[0])
    assert out.classes == res.classes and out.class_codes == res.class_codes
    assert out.region_pixels == res.region_pixels and out.kind == "inductive"
    assert out.predicted_pixels_per_class == res.predicted_pixels_per_class
    assert tags["METAMAPPER_CLASSIFIER"] == "clf.pt"
    assert json.loads(tags["METAMAPPER_CLASSES"]) == res.classes
    assert (tmp_path / "a.qml").is_file() and (tmp_path / "a.tif.aux.xml").is_file()
    with rasterio.open(tmp_path / "a.tif") as ds:
        assert ds.colormap(1)[1][:3] == tuple(res.class_colors[res.classes[0]])


def test_the_file_holds_tensors_and_json_only_and_says_what_it_is(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", width=40, height=30, bands=4, n_classes=3)
    _, clf = adapt_and_save(tmp_path, sc, model)
    blob = torch.load(str(clf), weights_only=True)  # never unpickles code
    assert blob["format"] == FORMAT and isinstance(blob["meta"], str)
    assert all(isinstance(v, torch.Tensor) for v in blob["tensors"].values())
    saved = load_classifier(clf)
    assert saved.source_band_count == 4 and saved.source_name == "r.tif"
    assert saved.classes == ["class_0", "class_1", "class_2"] and saved.codes == [1, 2, 3]
    assert saved.model_name == "tiny" and saved.kind == "inductive"
    assert saved.stats.centre.dtype == np.float64 and saved.stats.n_bands == 4


def test_another_raster_of_the_same_sensor_gets_the_same_classes(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", width=60, height=40, bands=5, n_classes=3)
    _, clf = adapt_and_save(tmp_path, sc, model)
    # the same class spectra (same seed), another layout, size and illumination
    other = make_raster(tmp_path / "next_date.tif", width=90, height=70, bands=5,
                        n_classes=3, block=6)
    out = apply_classifier(other["path"], str(clf), str(tmp_path / "b.tif"), device="cpu")
    b, _ = read(tmp_path / "b.tif")
    lut = np.array([-1, 0, 1, 2])  # codes 1..3 are class_0..2
    assert (lut[b] == other["truth"]).mean() > 0.9
    assert out.region_pixels == 90 * 70


def test_a_region_limits_the_applied_map(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", width=60, height=40, bands=4, n_classes=3)
    _, clf = adapt_and_save(tmp_path, sc, model)
    region = [box_polygon(sc, 5, 25, 10, 40)]
    out = apply_classifier(sc["path"], str(clf), str(tmp_path / "c.tif"), region=region,
                           device="cpu")
    c, _ = read(tmp_path / "c.tif")
    assert c.shape == (20, 30) and out.region_pixels == 600 and (c > 0).all()


@pytest.mark.parametrize("extension, kind", [("distil", "distilled"),
                                             ("exact", "distilled-approximation")])
def test_a_propagated_map_saves_its_distilled_classifier(tmp_path, extension, kind):
    model = str(make_model_file(tmp_path, episodes=20,
                                transductive={**PROPAGATION, "extension": extension},
                                band_mapping={"append_bands": True, "context_radius": 1,
                                              "context_mode": "smooth"},
                                band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 50}))
    sc = make_raster(tmp_path / "r.tif", width=40, height=30, bands=4, n_classes=3)
    res, clf = adapt_and_save(tmp_path, sc, model, transductive=True)
    saved = load_classifier(clf)
    assert saved.kind == kind and any(kind in n or "distilled" in n for n in saved.notes)
    assert saved.band_weight is not None
    apply_classifier(sc["path"], str(clf), str(tmp_path / "a.tif"), device="cpu")
    a, _ = read(tmp_path / "a.tif")
    m, tags = read(tmp_path / "map.tif")
    assert "used without a check" in tags["METAMAPPER_TRANSDUCTION"]
    if kind == "distilled":  # the map was made by the classifier the file holds
        assert np.array_equal(a, m)
    else:  # the exact extension made the map; the file's distillation is close to it
        assert (a == m).mean() > 0.9


def test_another_band_count_is_refused_naming_both_and_nothing_is_written(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", width=40, height=30, bands=4, n_classes=3)
    _, clf = adapt_and_save(tmp_path, sc, model)
    other = make_raster(tmp_path / "six.tif", width=40, height=30, bands=6, n_classes=3)
    with pytest.raises(InputError) as err:
        apply_classifier(other["path"], str(clf), str(tmp_path / "x.tif"),
                         confidence_path=str(tmp_path / "x_conf.tif"))
    text = str(err.value)
    assert "6 bands" in text and "4 bands" in text and "r.tif" in text
    assert not list(tmp_path.glob("x*")) and not list(tmp_path.glob(".x*"))


def test_files_that_are_not_classifiers_are_refused_with_the_reason(tmp_path, model):
    with pytest.raises(ModelFileError, match="not an adapted classifier"):
        load_classifier(model)  # the model itself
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00not a zip" * 50)
    with pytest.raises(ModelFileError, match="not a usable MetaMapper classifier"):
        load_classifier(junk)
    with pytest.raises(ModelFileError, match="not found"):
        load_classifier(tmp_path / "missing.pt")
    sc = make_raster(tmp_path / "r.tif", width=40, height=30, bands=4, n_classes=3)
    _, clf = adapt_and_save(tmp_path, sc, model)
    blob = torch.load(str(clf), weights_only=True)
    blob["format_version"] = 99
    torch.save(blob, str(tmp_path / "future.pt"))
    with pytest.raises(ModelFileError, match="another MetaMapper version"):
        load_classifier(tmp_path / "future.pt")
    blob["format_version"] = 1
    del blob["tensors"]["head.weight"]
    torch.save(blob, str(tmp_path / "cut.pt"))
    with pytest.raises(ModelFileError, match="not a usable"):
        load_classifier(tmp_path / "cut.pt")


class _Evil:
    def __reduce__(self):
        return (print, ("code ran",))


def test_a_file_with_pickled_code_never_runs_it(tmp_path, capsys):
    torch.save({"format": FORMAT, "format_version": 1, "meta": _Evil(), "tensors": {}},
               str(tmp_path / "evil.pt"))
    with pytest.raises(ModelFileError):
        load_classifier(tmp_path / "evil.pt")
    assert "code ran" not in capsys.readouterr().out
