"""Model file: round trip, and every way a bad file must be refused (never executed)."""

from __future__ import annotations

import json
import os
import pickle
import zipfile

import pytest
import torch
from metamapper.core.errors import ModelFileError
from metamapper.core.model import (
    HEAD_LR_KEY,
    LRS_PREFIX,
    FewShotNet,
    bundled_model_path,
    default_card,
    load_model,
    new_model,
    save_card_variant,
    save_model,
    sha256_of,
)

SMALL = {"architecture": {"hidden": [16], "embedding_dim": 8}}


def small_card(**kw):
    return default_card(**{**SMALL, **kw})


def test_round_trip_keeps_weights_card_and_sidecar(tmp_path):
    card = small_card(name="rt")
    net = new_model(card, seed=3)
    path = save_model(tmp_path / "m.pt", net, card)
    loaded = load_model(path)
    assert loaded.card == card and loaded.lrs is None and loaded.method == "protomaml"
    for (k1, v1), (k2, v2) in zip(net.state_dict().items(), loaded.net.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)
    sidecar = json.loads((tmp_path / "m.json").read_text())
    assert sidecar["sha256"] == sha256_of(path) and sidecar["name"] == "rt"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # temp files gone
    x = torch.randn(5, 32)
    assert torch.allclose(net(x), loaded.net(x))


def test_new_model_is_deterministic_and_leaves_global_rng_alone():
    card = small_card()
    state = torch.random.get_rng_state()
    a, b = new_model(card, 1), new_model(card, 1)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = new_model(card, 2)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))


def test_metasgd_step_sizes_round_trip(tmp_path):
    card = small_card(method="metasgd")
    assert card["inner_loop"]["per_parameter_lr"] is True
    net = new_model(card, 0)
    lrs = {LRS_PREFIX + n: torch.rand_like(p) for n, p in net.named_parameters()}
    lrs[HEAD_LR_KEY] = torch.tensor(0.3)
    loaded = load_model(save_model(tmp_path / "s.pt", net, card, lrs))
    assert set(loaded.lrs) == set(lrs)
    assert all(torch.equal(loaded.lrs[k], v) for k, v in lrs.items())


def test_card_variant_changes_one_section_and_keeps_weights_and_step_sizes(tmp_path):
    card = small_card(method="metasgd")
    net = new_model(card, 0)
    lrs = {LRS_PREFIX + n: torch.rand_like(p) for n, p in net.named_parameters()}
    lrs[HEAD_LR_KEY] = torch.tensor(0.3)
    source = save_model(tmp_path / "s.pt", net, card, lrs)
    copy = load_model(save_card_variant(source, tmp_path / "v.pt", "transductive",
                                        {"check": False}))
    assert copy.card["transductive"] == {**card["transductive"], "check": False}
    assert {k: v for k, v in copy.card.items() if k != "transductive"} == \
        {k: v for k, v in card.items() if k != "transductive"}
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(),
                                                 copy.net.state_dict().values()))
    assert all(torch.equal(copy.lrs[k], v) for k, v in lrs.items())
    assert load_model(source).card == card  # the source is untouched


def test_metasgd_without_step_sizes_is_refused(tmp_path):
    card = small_card(method="metasgd")
    with pytest.raises(ModelFileError, match="per-parameter step sizes"):
        save_model(tmp_path / "s.pt", new_model(card, 0), card)


def test_layernorm_architecture(tmp_path):
    card = small_card(architecture={"hidden": [16, 16], "embedding_dim": 8, "layernorm": True})
    net = new_model(card, 0)
    assert any(isinstance(m, torch.nn.LayerNorm) for m in net.modules())
    loaded = load_model(save_model(tmp_path / "ln.pt", net, card))
    x = torch.randn(4, 32)
    params = dict(loaded.net.named_parameters())
    assert torch.allclose(loaded.net.functional_forward(params, x), net(x), atol=1e-6)


def test_default_card_merges_nested_sections():
    card = default_card(method="anil", inner_loop={"steps": 3})
    assert card["inner_loop"]["steps"] == 3 and card["inner_loop"]["adapt"] == "head"
    assert card["architecture"]["input_dim"] == 32
    assert default_card(band_mapping={"context_radius": 2})["architecture"]["input_dim"] == 48


def test_bundled_model_path_points_into_resources():
    p = bundled_model_path()
    assert p.name == "metamapper-v1.pt" and p.parent.name == "models"


# ----------------------------------------------------------------------------- rejections


@pytest.fixture
def good_file(tmp_path):
    card = small_card()
    return save_model(tmp_path / "good.pt", new_model(card, 0), card), card


def _drop_sidecar(path):
    path.with_suffix(".json").unlink(missing_ok=True)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nope.pt")


def test_truncated_file(good_file):
    path, _ = good_file
    _drop_sidecar(path)  # test the loader itself, not only the checksum
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="damaged"):
        load_model(path)


def test_checksum_mismatch_is_reported(good_file):
    path, _ = good_file
    data = bytearray(path.read_bytes())
    data[-30] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)


def test_random_bytes(tmp_path):
    path = tmp_path / "random.pt"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(ModelFileError):
        load_model(path)


class Evil:
    """Unpickling this would run code; weights_only must refuse it."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


class Custom:
    pass


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("payload", [Evil(), Custom()])
def test_pickle_with_custom_objects_is_refused(tmp_path, payload):
    path = tmp_path / "evil.pt"
    torch.save({"card": "{}", "state_dict": {}, "x": payload}, path)
    with pytest.raises(ModelFileError, match="unsafe"):
        load_model(path)
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(payload))
    with pytest.raises(ModelFileError):
        load_model(plain)


def _rewrite(path, card=None, state=None, extra_keys=None):
    blob = torch.load(path, weights_only=True)
    if card is not None:
        blob["card"] = json.dumps(card)
    if state is not None:
        blob["state_dict"] = state
    if extra_keys:
        blob.update(extra_keys)
    _drop_sidecar(path)
    torch.save(blob, path)


def test_wrong_format_version(good_file):
    path, card = good_file
    _rewrite(path, card={**card, "format_version": 2})
    with pytest.raises(ModelFileError, match="format_version 2"):
        load_model(path)


def test_wrong_format_name(good_file):
    path, card = good_file
    _rewrite(path, card={**card, "format": "something-else"})
    with pytest.raises(ModelFileError, match="format"):
        load_model(path)


def test_card_not_json(good_file):
    path, _ = good_file
    blob = torch.load(path, weights_only=True)
    blob["card"] = "{not json"
    _drop_sidecar(path)
    torch.save(blob, path)
    with pytest.raises(ModelFileError, match="JSON"):
        load_model(path)


def test_unexpected_top_level_key(good_file):
    path, _ = good_file
    _rewrite(path, extra_keys={"optimizer": {}})
    with pytest.raises(ModelFileError, match="not a MetaMapper model"):
        load_model(path)


def test_missing_weight(good_file):
    path, _ = good_file
    state = torch.load(path, weights_only=True)["state_dict"]
    del state["backbone.0.bias"]
    _rewrite(path, state=state)
    with pytest.raises(ModelFileError, match="missing"):
        load_model(path)


def test_wrong_shape(good_file):
    path, _ = good_file
    state = torch.load(path, weights_only=True)["state_dict"]
    state["backbone.0.weight"] = torch.zeros(3, 3)
    _rewrite(path, state=state)
    with pytest.raises(ModelFileError, match="shape"):
        load_model(path)


def test_non_finite_weights(good_file):
    path, _ = good_file
    state = torch.load(path, weights_only=True)["state_dict"]
    state["backbone.0.bias"] = torch.full_like(state["backbone.0.bias"], float("nan"))
    _rewrite(path, state=state)
    with pytest.raises(ModelFileError, match="finite"):
        load_model(path)


def test_unknown_method_and_mismatched_input_dim(good_file):
    path, card = good_file
    _rewrite(path, card={**card, "method": "magic"})
    with pytest.raises(ModelFileError, match="method"):
        load_model(path)
    arch = {**card["architecture"], "input_dim": 7}
    _rewrite(path, card={**card, "architecture": arch})
    with pytest.raises(ModelFileError, match="input_dim"):
        load_model(path)


def test_stray_step_size_is_refused(good_file):
    path, _ = good_file
    state = torch.load(path, weights_only=True)["state_dict"]
    state["lrs.nothing"] = torch.ones(1)
    _rewrite(path, state=state)
    with pytest.raises(ModelFileError, match="names no network parameter"):
        load_model(path)


def test_a_zip_that_is_not_a_torch_file(tmp_path):
    path = tmp_path / "z.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ModelFileError):
        load_model(path)


def test_functional_forward_equals_forward():
    net = FewShotNet(32, [16, 16], 8)
    x = torch.randn(6, 32)
    assert torch.allclose(net.functional_forward(dict(net.named_parameters()), x), net(x))
