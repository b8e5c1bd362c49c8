"""predict: device choice, batches, simulated CUDA out-of-memory fallback, cancellation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
from metamapper.core.errors import Cancelled, DeviceError
from metamapper.core.predicting import predict
from metamapper.core.predicting.predict import BatchPredictor, resolve_device


def test_auto_picks_cuda_only_when_torch_sees_it(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(DeviceError, match="CUDA was requested.*'auto' or 'cpu'"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda" and resolve_device("cuda") == "cuda"
    with pytest.raises(DeviceError, match="Unknown device"):
        resolve_device("tpu")


@dataclass
class FakeClassifier:
    """Linear 'classifier' that raises CUDA OOM on 'cuda' for batches above ``max_rows``."""

    weight: torch.Tensor
    device: str = "cuda"
    max_rows: int = 10**9
    batches: list = field(default_factory=list)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        self.batches.append((self.device, x.shape[0]))
        if self.device == "cuda" and x.shape[0] > self.max_rows:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return torch.softmax(x @ self.weight, dim=1)


@pytest.fixture
def fake_cuda(monkeypatch):
    """Run the 'cuda' device on the CPU: moving the classifier only relabels it."""

    def move(clf, device):
        clf.device = device
        return clf

    monkeypatch.setattr(predict, "move_classifier", move)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def _data(n=10_000, d=8, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(d, k, generator=g)
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    expected = (torch.from_numpy(x) @ w).argmax(1).numpy()
    return x, w, expected


def test_oom_halves_the_batch_and_retries_on_the_gpu(fake_cuda):
    x, w, expected = _data()
    clf = FakeClassifier(w, max_rows=1500)
    bp = BatchPredictor(clf, "cuda", batch_size=8192)
    idx, conf = bp(x)
    np.testing.assert_array_equal(idx, expected)
    assert bp.device == "cuda" and bp.batch_size == 1024 and not bp.warnings
    assert all(dev == "cuda" for dev, _ in clf.batches)
    assert ((conf > 0.33) & (conf <= 1.0)).all()


def test_persistent_oom_falls_back_to_cpu_with_a_warning(fake_cuda):
    x, w, expected = _data()
    clf = FakeClassifier(w, max_rows=0)
    bp = BatchPredictor(clf, "cuda", batch_size=4096)
    idx, _ = bp(x)
    np.testing.assert_array_equal(idx, expected)
    assert bp.device == "cpu" and clf.device == "cpu"
    assert any("ran out of memory" in m and "CPU" in m for m in bp.warnings)


def test_other_errors_are_not_swallowed(fake_cuda):
    x, w, _ = _data(n=10)

    class Broken(FakeClassifier):
        def predict_proba(self, x):
            raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        BatchPredictor(Broken(w), "cuda")(x)


def test_oom_on_cpu_is_not_retried():
    x, w, _ = _data(n=10)
    clf = FakeClassifier(w, device="cpu", max_rows=0)

    class CpuOom(FakeClassifier):
        def predict_proba(self, x):
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        BatchPredictor(CpuOom(w, device="cpu"), "cpu")(x)
    assert clf.batches == []


def test_cancel_is_checked_between_batches():
    x, w, _ = _data(n=5000)
    calls = {"n": 0}

    def cancelled():
        calls["n"] += 1
        return calls["n"] > 2

    clf = FakeClassifier(w, device="cpu")
    with pytest.raises(Cancelled):
        BatchPredictor(clf, "cpu", batch_size=1000, is_cancelled=cancelled)(x)
    assert len(clf.batches) == 2


def test_batches_do_not_change_results():
    x, w, expected = _data(n=3333)
    for bs in (1, 100, 4096):
        idx, _ = BatchPredictor(FakeClassifier(w, device="cpu"), "cpu", batch_size=bs)(
            x[:500] if bs == 1 else x
        )
        np.testing.assert_array_equal(idx, expected[: idx.size])


@pytest.fixture()
def adapted_classifier(tmp_path):
    from metamapper.core.adapting.adapt import adapt
    from metamapper.core.model import load_model

    from tests.model_factory import make_model_file

    loaded = load_model(make_model_file(tmp_path, episodes=5))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, loaded.net.input_dim)).astype(np.float32)
    return adapt(loaded, x[:40], np.arange(40) % 4, 4), x


@pytest.fixture()
def precision(monkeypatch):
    """Force the CPU precision of the fused head (the choice is measured and cached)."""
    from metamapper.core.predicting import predict

    def force(value: str) -> None:
        monkeypatch.setenv("METAMAPPER_PRECISION", value)
        predict.cpu_bfloat16_is_faster.cache_clear()

    yield force
    predict.cpu_bfloat16_is_faster.cache_clear()


def test_fused_head_gives_the_classifier_s_own_classes_and_probabilities(
    adapted_classifier, precision
):
    from metamapper.core.predicting.predict import fused_logits

    precision("fp32")
    clf, x = adapted_classifier
    assert fused_logits(clf) is not None
    idx, conf = BatchPredictor(clf, "cpu", batch_size=1000)(x)
    proba = clf.predict_proba(x)
    np.testing.assert_array_equal(idx, proba.argmax(1).numpy())
    np.testing.assert_allclose(conf, proba.max(1).values.numpy(), rtol=1e-5, atol=1e-6)


def test_bfloat16_hidden_layers_agree_with_float32(adapted_classifier, precision):
    """The fast path changes at most near-tie decisions, and confidences by < 2e-2."""
    precision("bf16")
    clf, x = adapted_classifier
    idx, conf = BatchPredictor(clf, "cpu", batch_size=1000)(x)
    proba = clf.predict_proba(x)
    agreement = float((idx == proba.argmax(1).numpy()).mean())
    assert agreement >= 0.98, agreement
    same = idx == proba.argmax(1).numpy()
    np.testing.assert_allclose(conf[same], proba.max(1).values.numpy()[same], atol=2e-2)
    idx2, _ = BatchPredictor(clf, "cpu", batch_size=333)(x)
    np.testing.assert_array_equal(idx, idx2)  # deterministic whatever the batching


def test_tile_path_retries_smaller_then_on_the_cpu_after_cuda_oom(fake_cuda, monkeypatch):
    """predict_tile: OOM shrinks the column chunks, then redoes the tile on the CPU."""
    from metamapper.core.mapping import tile_features
    from metamapper.core.mapping.band_mapping import BandStats, default_band_mapping

    class CpuMapper(tile_features.TileMapper):  # the fake 'cuda' computes on the CPU
        def __init__(self, *args, device="cpu"):
            super().__init__(*args, device="cpu")

    monkeypatch.setattr(tile_features, "TileMapper", CpuMapper)

    @dataclass
    class FakeLogits(FakeClassifier):
        def logits(self, x: torch.Tensor) -> torch.Tensor:
            return torch.log(self.predict_proba(x))

    rng = np.random.default_rng(0)
    tile = rng.uniform(100, 900, size=(4, 64, 64)).astype(np.float32)
    valid = np.ones((64, 64), bool)
    card = default_band_mapping()
    stats = BandStats.from_samples(tile.reshape(4, -1).T)
    w = torch.randn(32, 3, generator=torch.Generator().manual_seed(0))
    pick = np.arange(64 * 64)
    ref_idx, ref_conf = BatchPredictor(FakeLogits(w, device="cpu"), "cpu").predict_tile(
        (stats, card, None), tile, valid, pick)
    clf = FakeLogits(w, device="cuda", max_rows=0)  # every GPU batch fails
    bp = BatchPredictor(clf, "cuda", batch_size=4096)
    idx, conf = bp.predict_tile((stats, card, None), tile, valid, pick)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(conf, ref_conf, rtol=1e-6)
    sizes = [n for dev, n in clf.batches if dev == "cuda"]
    assert sizes[0] == 4096 and min(sizes) == predict.MIN_GPU_BATCH  # halved down to the floor
    assert bp.device == "cpu" and any("ran out of memory" in m for m in bp.warnings)


def test_an_unoptimised_blas_is_reported_with_the_command_that_fixes_it(monkeypatch, tmp_path):
    """Debian's torch multiplies through the system's libblas.so.3; the reference BLAS is
    25x slower than OpenBLAS: the run says so, with the package to install."""
    import metamapper.core.threads as threads

    threads.slow_blas_note.cache_clear()
    monkeypatch.setattr(threads, "SLOW_BLAS_MS", -1.0)  # any product counts as slow
    try:
        note = threads.slow_blas_note()
        assert "libopenblas0-pthread" in note and "restart QGIS" in note
        threads.slow_blas_note.cache_clear()
        monkeypatch.setattr(threads, "SLOW_BLAS_MS", 1e9)
        assert threads.slow_blas_note() == ""
    finally:
        threads.slow_blas_note.cache_clear()


def test_the_slow_blas_warning_reaches_the_run_result(monkeypatch, tmp_path):
    import metamapper.core.threads as threads
    from metamapper.core.pipeline import MapOptions, map_region

    from tests.factories import features_from_truth, make_raster
    from tests.model_factory import make_model_file

    monkeypatch.setattr(threads, "slow_blas_note", lambda: "slow BLAS here")
    sc = make_raster(tmp_path / "r.tif", width=24, height=20, bands=4, n_classes=2)
    res = map_region(sc["path"], features_from_truth(sc, per_class=3), str(tmp_path / "m.tif"),
                     model_path=str(make_model_file(tmp_path, episodes=5)),
                     options=MapOptions(device="cpu", transductive=False,
                                        estimate_accuracy=False))
    assert "slow BLAS here" in res.warnings
