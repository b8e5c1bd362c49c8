"""The few-shot network and its model file (weights + JSON card), loaded safely.

The network is an MLP embedding: band-mapped pixel features -> embedding. Class heads are
not stored: they are built at adaptation time from the support prototypes (Proto-MAML),
so one model serves any number of classes. No BatchNorm: its running statistics break
MAML inner loops on tiny support sets.

Model file (format version 1, see docs/architecture.md): ``torch.save`` of
``{"card": <json str>, "state_dict": {...}}`` read back with ``torch.load(weights_only=True)``
only, so a file can never run code; a ``<name>.json`` sidecar holds the card and the sha256
of the ``.pt``. Meta-SGD step sizes are ``lrs.<param name>`` tensors (and a scalar
``lrs.head``) in the state dict.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .errors import ModelFileError
from .mapping.band_mapping import appends_bands, default_band_mapping, feature_dim
from .messages import msg
from .settings import ModelSettings

FORMAT = "metamapper-model"
FORMAT_VERSION = 1
METHODS = ("protomaml", "metasgd", "maml", "fomaml", "anil", "protonet")
LRS_PREFIX = "lrs."
HEAD_LR_KEY = "lrs.head"
BUNDLED_MODEL_NAME = "metamapper-v1.pt"

PathLike = Union[str, "os.PathLike[str]"]


class FewShotNet(nn.Module):
    """MLP embedding ``input_dim -> hidden... -> embedding_dim`` (ReLU, optional LayerNorm)."""

    def __init__(
        self,
        input_dim: int,
        hidden: List[int],
        embedding_dim: int,
        layernorm: bool = False,
    ) -> None:
        super().__init__()
        self.input_dim = int(input_dim)
        self.embedding_dim = int(embedding_dim)
        layers: List[nn.Module] = []
        dims = [self.input_dim, *[int(h) for h in hidden]]
        for a, b in zip(dims[:-1], dims[1:]):
            layers.append(nn.Linear(a, b))
            if layernorm:
                layers.append(nn.LayerNorm(b))
            layers.append(nn.ReLU())
        layers.append(nn.Linear(dims[-1], self.embedding_dim))
        self.backbone = nn.Sequential(*layers)

    @classmethod
    def from_card(cls, card: dict) -> FewShotNet:
        arch = card["architecture"]
        return cls(
            input_dim=int(arch["input_dim"]),
            hidden=[int(h) for h in arch["hidden"]],
            embedding_dim=int(arch["embedding_dim"]),
            layernorm=bool(arch.get("layernorm", False)),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.backbone(x)

    def functional_forward(self, params: Dict[str, Tensor], x: Tensor) -> Tensor:
        """Forward pass with explicit parameters (names as in ``named_parameters``).

        Used by the inner loop so that adapted weights stay a function of the initial ones
        (second-order MAML) without touching the module's own parameters.
        """
        h = x
        for i, layer in enumerate(self.backbone):
            if isinstance(layer, nn.Linear):
                h = F.linear(h, params[f"backbone.{i}.weight"], params[f"backbone.{i}.bias"])
            elif isinstance(layer, nn.LayerNorm):
                h = F.layer_norm(
                    h,
                    layer.normalized_shape,
                    params[f"backbone.{i}.weight"],
                    params[f"backbone.{i}.bias"],
                    layer.eps,
                )
            else:
                h = layer(h)
        return h


# --------------------------------------------------------------------------- card


def _method_defaults(method: str) -> dict:
    return {
        "steps": 0 if method == "protonet" else 10,
        "lr": 0.1,
        "first_order": method == "fomaml",
        "adapt": "head" if method == "anil" else "all",
        "per_parameter_lr": method == "metasgd",
    }


def default_card(**overrides: Any) -> dict:
    """A complete, valid card; nested sections given as dicts are merged into the defaults.

    ``default_card(method="anil", inner_loop={"steps": 5})`` keeps the other inner-loop
    defaults (which depend on the method: ANIL adapts the head only, Meta-SGD has per
    parameter step sizes, FOMAML is first order).
    """
    method = overrides.get("method", "protomaml")
    band_mapping = default_band_mapping(**overrides.get("band_mapping", {}))
    card: dict = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": "metamapper-untrained",
        "version": "0.0.0",
        "architecture": {
            "type": "mlp",
            "input_dim": feature_dim(band_mapping),
            "hidden": [128, 128],
            "embedding_dim": 64,
            "layernorm": False,
        },
        "band_mapping": band_mapping,
        "method": method,
        "inner_loop": _method_defaults(method),
        "transductive": {"soft_kmeans_iters": 0, "max_unlabelled": 4096},
        "training": {},
        "evaluation": {},
    }
    for key, value in overrides.items():
        if key == "band_mapping":
            continue
        if isinstance(value, dict) and isinstance(card.get(key), dict):
            card[key] = {**card[key], **copy.deepcopy(value)}
        else:
            card[key] = copy.deepcopy(value)
    validate_card(card)
    return card


def validate_card(card: Any) -> None:
    """Raise ModelFileError naming the first thing wrong with ``card``."""

    def bad(problem: str) -> ModelFileError:
        return ModelFileError(
            msg(
                "Invalid model card: {problem}. Use a model file written by MetaMapper "
                "(the bundled model, or one from its meta-training).",
                problem=problem,
            )
        )

    if not isinstance(card, dict):
        raise bad(msg("the card is not a JSON object"))
    if card.get("format") != FORMAT:
        raise bad(msg(
            "'format' is {format!r}, expected {expected!r}",
            format=card.get('format'),
            expected=FORMAT,
        ))
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            msg(
                "Model file format_version {format_version!r} is not supported by this "
                "MetaMapper (it reads version {supported}). Update the plugin, or "
                "use a model file made for this version.",
                format_version=card.get('format_version'),
                supported=FORMAT_VERSION,
            )
        )
    for key in ("architecture", "band_mapping", "method", "inner_loop"):
        if key not in card:
            raise bad(msg("missing {key!r}", key=key))
    arch = card["architecture"]
    if not isinstance(arch, dict) or arch.get("type") != "mlp":
        raise bad(msg("architecture.type must be 'mlp'"))
    try:
        dims = [int(arch["input_dim"]), int(arch["embedding_dim"])] + [
            int(h) for h in arch["hidden"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(msg(
            "architecture needs integer input_dim, hidden, embedding_dim ({exc})",
            exc=exc,
        )) from exc
    if min(dims) < 1:
        raise bad(msg("architecture sizes must be positive"))
    try:
        expected = feature_dim(card["band_mapping"])
    except (ValueError, TypeError, AttributeError) as exc:
        raise bad(msg("band_mapping: {exc}", exc=exc)) from exc
    if expected != int(arch["input_dim"]):
        raise bad(
            msg(
                "architecture.input_dim {arch_input_dim} does not match the band mapping's "
                "{expected} features",
                arch_input_dim=arch['input_dim'],
                expected=expected,
            )
        )
    corr = card.get("band_correction")
    if corr is not None:
        if not isinstance(corr, dict):
            raise bad(msg("band_correction must be an object"))
        try:
            scale = corr.get("prior_scale", 1.0)
            scales = list(scale) if isinstance(scale, (list, tuple)) else [scale]
            if float(corr.get("l2", 0.1)) <= 0 or int(corr.get("min_shots", 2)) < 1 \
                    or int(corr.get("max_iter", 100)) < 1 or not scales \
                    or not all(0 <= float(v) <= 10 for v in scales) \
                    or corr.get("combine", "blend") not in ("blend", "folds"):
                raise bad(msg("band_correction needs l2 > 0, min_shots >= 1, max_iter >= 1, "
                              "0 <= prior_scale <= 10 (one number or a list), combine "
                              "'blend' or 'folds'"))
        except (TypeError, ValueError) as exc:
            raise bad(msg("band_correction values must be numbers ({exc})", exc=exc)) from exc
        if corr and not appends_bands(card["band_mapping"]):
            raise bad(msg("band_correction needs band_mapping.append_bands = true"))
    if card["method"] not in METHODS:
        raise bad(msg(
            "method {card_method!r} is not one of {methods_list}",
            card_method=card['method'],
            methods_list=', '.join(METHODS),
        ))
    inner = card["inner_loop"]
    if not isinstance(inner, dict):
        raise bad(msg("inner_loop must be an object"))
    if inner.get("adapt", "all") not in ("all", "head"):
        raise bad(msg("inner_loop.adapt must be 'all' or 'head'"))
    try:
        if int(inner.get("steps", 0)) < 0 or float(inner.get("lr", 0.0)) < 0:
            raise bad(msg("inner_loop.steps and lr must be >= 0"))
    except (TypeError, ValueError) as exc:
        raise bad(msg("inner_loop.steps/lr must be numbers ({exc})", exc=exc)) from exc


# --------------------------------------------------------------------------- model file


@dataclass
class LoadedModel:
    """A network ready for adaptation, its card, and Meta-SGD step sizes if any."""

    net: FewShotNet
    card: dict
    lrs: Dict[str, Tensor] | None = None
    path: Path | None = field(default=None)

    @property
    def method(self) -> str:
        return str(self.card["method"])

    @cached_property
    def settings(self) -> ModelSettings:
        """The card read once (``core.settings``): what the engine's stages receive.
        Change a card by making another LoadedModel, not by editing ``card`` in place."""
        return ModelSettings.from_card(self.card)


def new_model(card: dict, seed: int = 0) -> FewShotNet:
    """A freshly initialised network for ``card`` (deterministic for ``seed``)."""
    validate_card(card)
    gen_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        net = FewShotNet.from_card(card)
    finally:
        torch.random.set_rng_state(gen_state)
    return net


def bundled_model_path() -> Path:
    """The model shipped with the plugin (resources/models/metamapper-v1.pt)."""
    return Path(__file__).resolve().parents[1] / "resources" / "models" / BUNDLED_MODEL_NAME


def sha256_of(path: PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_model(
    path: PathLike,
    net: FewShotNet,
    card: dict,
    extra_state: Dict[str, Tensor] | None = None,
) -> Path:
    """Write ``<path>.pt`` (+ ``.json`` sidecar with its sha256) atomically; return the path.

    ``extra_state`` holds Meta-SGD step sizes (``lrs.<param name>``, ``lrs.head``).
    The card is validated and checked against the weights before anything is written.
    """
    path = Path(path)
    validate_card(card)
    state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    for k, v in (extra_state or {}).items():
        if k in state:
            raise ValueError(f"extra_state key {k!r} clashes with a network weight")
        state[k] = torch.as_tensor(v).detach().cpu().clone()
    _check_state(card, state)  # never write a file that load_model would reject
    card_json = json.dumps(card, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda tmp: torch.save({"card": card_json, "state_dict": state}, tmp))
    sidecar = {**card, "sha256": sha256_of(path), "file": path.name}

    def write_json(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(sidecar, fh, indent=2, sort_keys=True)
            fh.write("\n")

    _atomic_write(path.with_suffix(".json"), write_json)
    return path


def save_card_variant(source: PathLike, target: PathLike, section: str,
                      changes: Dict[str, Any]) -> Path:
    """A copy of the model file ``source`` whose card ``section`` takes ``changes``: how
    benchmarks and experiments compare settings (e.g. ``transductive`` ``check``) without
    touching the shipped file."""
    loaded = load_model(source)
    card = copy.deepcopy(loaded.card)
    card[section] = {**(card.get(section) or {}), **changes}
    return save_model(target, loaded.net, card, loaded.lrs)


def _check_state(card: dict, state: Dict[str, Any]) -> Dict[str, Tensor] | None:
    """Check keys/shapes of ``state`` against ``card``; return the lrs tensors (or None)."""
    reference = FewShotNet.from_card(card).state_dict()
    weights = {k: v for k, v in state.items() if not k.startswith(LRS_PREFIX)}
    lrs = {k: v for k, v in state.items() if k.startswith(LRS_PREFIX)}
    missing = sorted(set(reference) - set(weights))
    unexpected = sorted(set(weights) - set(reference))
    if missing or unexpected:
        raise ModelFileError(
            msg(
                "Model file weights do not match its card (missing: {missing}, unexpected: "
                "{unexpected}). The file is damaged or was written by a different program; "
                "re-export it from MetaMapper training.",
                missing=missing[:5],
                unexpected=unexpected[:5],
            )
        )
    for k, ref in reference.items():
        v = weights[k]
        if not isinstance(v, Tensor) or tuple(v.shape) != tuple(ref.shape):
            shape = tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__
            raise ModelFileError(
                msg(
                    "Model file weight {k!r} has shape {shape}, the card's architecture "
                    "needs {ref_shape}. The file is damaged or its card was edited.",
                    k=k,
                    shape=shape,
                    ref_shape=tuple(ref.shape),
                )
            )
        if not v.is_floating_point() or not torch.isfinite(v).all():
            raise ModelFileError(msg(
                "Model file weight {k!r} is not finite floating point data.",
                k=k,
            ))
    params = dict(FewShotNet.from_card(card).named_parameters())
    for k, v in lrs.items():
        name = k[len(LRS_PREFIX) :]
        if not isinstance(v, Tensor) or not v.is_floating_point():
            raise ModelFileError(msg("Model file step size {k!r} is not a float tensor.", k=k))
        if name == "head":
            if v.numel() != 1:
                raise ModelFileError(
                    msg(
                        "{head_lr_key!r} must be a single number, got {v_shape}.",
                        head_lr_key=HEAD_LR_KEY,
                        v_shape=tuple(v.shape),
                    )
                )
        elif name not in params:
            raise ModelFileError(msg(
                "Model file step size {k!r} names no network parameter.",
                k=k,
            ))
        elif tuple(v.shape) != tuple(params[name].shape):
            raise ModelFileError(
                msg(
                    "Model file step size {k!r} has shape {v_shape}, expected "
                    "{params_item_shape}.",
                    k=k,
                    v_shape=tuple(v.shape),
                    params_item_shape=tuple(params[name].shape),
                )
            )
    if card["inner_loop"].get("per_parameter_lr", False):
        needed = [LRS_PREFIX + n for n in params] + [HEAD_LR_KEY]
        absent = [k for k in needed if k not in lrs]
        if absent:
            raise ModelFileError(
                msg(
                    "The card asks for per-parameter step sizes but {absent} are missing "
                    "from the model file. Re-export it from Meta-SGD training.",
                    absent=absent[:3],
                )
            )
    return lrs or None


def load_model(path: PathLike | None = None, map_location: str = "cpu") -> LoadedModel:
    """Load and check a model file (default: the bundled one). Never unpickles code.

    Raises ModelFileError for a missing, truncated, corrupt, unsafe (custom pickled
    objects), wrong-version or inconsistent file.
    """
    path = Path(path) if path is not None else bundled_model_path()
    if not path.is_file():
        raise ModelFileError(
            msg(
                "Model file not found: {path}. Choose an existing MetaMapper .pt model "
                "file (or leave the model empty to use the bundled one).",
                path=path,
            )
        )
    sidecar = path.with_suffix(".json")
    if sidecar.is_file():
        try:
            recorded = json.loads(sidecar.read_text(encoding="utf-8")).get("sha256")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded and recorded != sha256_of(path):
            raise ModelFileError(
                msg(
                    "Model file {path_name} does not match the checksum in {sidecar_name}: "
                    "it is damaged or was replaced. Download or export it again.",
                    path_name=path.name,
                    sidecar_name=sidecar.name,
                )
            )
    try:
        blob = torch.load(str(path), map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated zip, random bytes, unsafe pickle globals, ...
        raise ModelFileError(
            msg(
                "Cannot read model file {path_name}: it is damaged, not a MetaMapper "
                "model, or contains objects that are unsafe to load ({name}: {value}). Use "
                "a model file written by MetaMapper.",
                path_name=path.name,
                name=type(exc).__name__,
                value=str(exc).splitlines()[0][:200] if str(exc) else '',
            )
        ) from exc
    if not isinstance(blob, dict) or set(blob) != {"card", "state_dict"}:
        keys = sorted(blob) if isinstance(blob, dict) else type(blob).__name__
        raise ModelFileError(
            msg(
                "{path_name} is not a MetaMapper model file (expected keys 'card' and "
                "'state_dict', found {keys}). Use a model file written by MetaMapper.",
                path_name=path.name,
                keys=keys,
            )
        )
    if not isinstance(blob["card"], str) or not isinstance(blob["state_dict"], dict):
        raise ModelFileError(msg(
            "{path_name}: 'card' must be JSON text and 'state_dict' a dict.",
            path_name=path.name,
        ))
    try:
        card = json.loads(blob["card"])
    except ValueError as exc:
        raise ModelFileError(msg(
            "{path_name}: the model card is not valid JSON ({exc}).",
            path_name=path.name,
            exc=exc,
        )) from exc
    validate_card(card)
    state = blob["state_dict"]
    lrs = _check_state(card, state)
    net = FewShotNet.from_card(card)
    net.load_state_dict({k: v for k, v in state.items() if not k.startswith(LRS_PREFIX)})
    net.eval()
    return LoadedModel(net=net, card=card, lrs=lrs, path=path)
