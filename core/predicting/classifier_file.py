"""The adapted classifier as a file: adapt once, map other rasters and dates with it.

``fewshot_classify``'s ``OUTPUT_MODEL`` writes one (:func:`save_classifier`);
``apply_classifier`` reads it (:func:`load_classifier`) and maps any raster with the same
band layout, in this process or on a Dask cluster (``core.apply``). The file holds only
tensors, numbers and one JSON string, read with ``torch.load(weights_only=True)`` like the
bundled model: opening a classifier file can never run code.

What it holds is everything the prediction reads: the adapted network parameters and head,
the band correction, the band statistics and band mapping of the region it was adapted on
(so the same raster is mapped bit for bit alike), the bands used and the wavelengths, the
class names, codes and colours, and the card and model version it came from. Where label
propagation mapped the region, the file holds the inductive classifier distilled from the
propagated labels (``kind``): the exact per-pixel extension needs the source raster's
positions and cannot travel to another raster.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from ..errors import InputError, ModelFileError
from ..mapping.band_mapping import BandMappingSettings
from ..messages import msg
from ..settings import ModelSettings

__all__ = ["FORMAT", "FORMAT_VERSION", "KINDS", "SavedClassifier", "load_classifier",
           "save_classifier"]

FORMAT = "metamapper-classifier"
FORMAT_VERSION = 1
#: how the saved classifier relates to the map made with it
KINDS = {
    "inductive": "the classifier that made the map",
    "distilled": "the classifier distilled from the label propagation, which made the map",
    "distilled-approximation": "the classifier distilled from the label propagation; the "
                               "map itself used the exact per-pixel propagation",
}


@dataclass
class SavedClassifier:
    """An adapted classifier with what it needs to map another raster of the same bands."""

    card: dict  # the model card the classifier was adapted from
    params: Dict[str, Any]  # backbone parameters (torch tensors, CPU)
    head_weight: Any
    head_bias: Any
    band_weight: Any | None
    band_bias: Any | None
    prior_scale: float | None
    steps: int
    stats: Any  # core.mapping.band_mapping.BandStats of the adapted region
    wavelengths_nm: List[float] | None  # of the bands used, as the mapping placed them
    band_indexes: Tuple[int, ...] | None  # 1-based bands of the source used; None = all
    source_band_count: int
    source_name: str
    source_descriptions: List[str]
    classes: List[str]
    codes: List[int]
    colours: List[Tuple[int, int, int]]
    kind: str = "inductive"
    notes: List[str] = field(default_factory=list)

    @cached_property
    def settings(self) -> ModelSettings:
        """The card it was adapted with, read once (``core.settings``)."""
        return ModelSettings.from_card(self.card)

    @property
    def model_name(self) -> str:
        return self.settings.name

    @property
    def model_version(self) -> str:
        return self.settings.version

    @property
    def band_mapping(self) -> BandMappingSettings:
        return self.settings.band_mapping

    @classmethod
    def from_adapted(cls, clf: Any, card: dict, stats: Any, info: Any,
                     wavelengths: Sequence[float] | None, source_band_count: int,
                     descriptions: Sequence[str | None], names: Sequence[str],
                     codes: Sequence[int], colours: Sequence[Sequence[int]],
                     kind: str) -> SavedClassifier:
        """What ``map_region`` adapted (``clf``, an ``AdaptedClassifier``) and mapped with."""
        if kind not in KINDS:
            raise ValueError(f"unknown classifier kind {kind!r}")
        cpu = clf.to("cpu")
        return cls(
            card=json.loads(json.dumps(card)), params=dict(cpu.params),
            head_weight=cpu.head_weight, head_bias=cpu.head_bias,
            band_weight=cpu.band_weight, band_bias=cpu.band_bias,
            prior_scale=None if cpu.prior_scale is None else float(cpu.prior_scale),
            steps=int(cpu.steps), stats=stats,
            wavelengths_nm=None if wavelengths is None else [float(w) for w in wavelengths],
            band_indexes=None if info.band_indexes is None else tuple(info.band_indexes),
            source_band_count=int(source_band_count), source_name=Path(info.path).name,
            source_descriptions=[d or "" for d in descriptions],
            classes=[str(n) for n in names], codes=[int(c) for c in codes],
            colours=[tuple(int(v) for v in c[:3]) for c in colours],  # type: ignore[misc]
            kind=kind,
        )

    def classifier(self, device: str = "cpu", batch_size: int = 65536) -> Any:
        """The ``AdaptedClassifier`` to predict with."""
        import torch

        from ..adapting.adapt import AdaptedClassifier
        from ..model import FewShotNet

        net = FewShotNet.from_card(self.card)
        dev = torch.device(device)
        clf = AdaptedClassifier(
            net=net, params={k: v.to(dev) for k, v in self.params.items()},
            head_weight=self.head_weight.to(dev), head_bias=self.head_bias.to(dev),
            device=dev, method=self.settings.method, steps=self.steps,
            batch_size=batch_size,
            band_weight=None if self.band_weight is None else self.band_weight.to(dev),
            band_bias=None if self.band_bias is None else self.band_bias.to(dev),
            prior_scale=self.prior_scale,
        )
        return clf

    def check_raster(self, info: Any, raster_name: str) -> None:
        """InputError unless ``info`` (``core.reading.raster_io.RasterInfo``) has this
        file's band layout."""
        if int(info.count) != self.source_band_count:
            raise InputError(msg(
                "The raster {raster} has {n} bands; the classifier was adapted on {source} "
                "with {m} bands. Apply it to a raster with the same {m} bands in the same "
                "order (the same sensor and band stack), or adapt a new classifier on this "
                "raster.", raster=raster_name, n=int(info.count), source=self.source_name,
                m=self.source_band_count))

    # ------------------------------------------------------------------ file
    def _meta(self) -> dict:
        return {
            "card": self.card, "prior_scale": self.prior_scale, "steps": self.steps,
            "stats": {"scene_scale": float(self.stats.scene_scale),
                      "n_samples": int(self.stats.n_samples)},
            "wavelengths_nm": self.wavelengths_nm,
            "band_indexes": None if self.band_indexes is None else list(self.band_indexes),
            "source_band_count": self.source_band_count, "source_name": self.source_name,
            "source_descriptions": self.source_descriptions, "classes": self.classes,
            "codes": self.codes, "colours": [list(c) for c in self.colours],
            "kind": self.kind, "kind_text": KINDS[self.kind], "notes": self.notes,
            "model_name": self.model_name, "model_version": self.model_version,
        }

    def _tensors(self) -> Dict[str, Any]:
        import torch

        out = {f"params.{k}": v.detach().cpu().contiguous() for k, v in self.params.items()}
        out["head.weight"] = self.head_weight.detach().cpu().contiguous()
        out["head.bias"] = self.head_bias.detach().cpu().contiguous()
        if self.band_weight is not None and self.band_bias is not None:
            out["band.weight"] = self.band_weight.detach().cpu().contiguous()
            out["band.bias"] = self.band_bias.detach().cpu().contiguous()
        # float64 as computed: the same raster is then standardised bit for bit alike
        out["stats.centre"] = torch.from_numpy(np.asarray(self.stats.centre, np.float64))
        out["stats.scale"] = torch.from_numpy(np.asarray(self.stats.scale, np.float64))
        return out


def save_classifier(path: str | os.PathLike, saved: SavedClassifier) -> Path:
    """Write ``saved`` to ``path`` atomically (a temporary file renamed into place)."""
    import torch

    path = Path(path)
    blob = {"format": FORMAT, "format_version": FORMAT_VERSION,
            "meta": json.dumps(saved._meta(), ensure_ascii=False, sort_keys=True),
            "tensors": saved._tensors()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(blob, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _bad(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(msg(
        "{name} is not a usable MetaMapper classifier file ({problem}). Save the classifier "
        "again with MetaMapper's classification (its 'Adapted classifier' output).",
        name=path.name, problem=problem))


def load_classifier(path: str | os.PathLike) -> SavedClassifier:
    """Read and check a classifier file; ModelFileError names what is wrong. Never runs code."""
    import torch

    from ..mapping.band_mapping import BandStats
    from ..model import FewShotNet, validate_card

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(msg(
            "Classifier file not found: {path}. Choose a .pt file saved by MetaMapper's "
            "classification (its 'Adapted classifier' output).", path=path))
    try:
        blob = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, random bytes, unsafe pickle globals, ...
        first = str(exc).splitlines()[0][:160] if str(exc) else ""
        raise _bad(path, f"{type(exc).__name__}: {first}") from exc
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        if isinstance(blob, dict) and set(blob) == {"card", "state_dict"}:
            raise ModelFileError(msg(
                "{name} is a MetaMapper model, not an adapted classifier. Give it as the "
                "model of the classification; apply_classifier needs the file its "
                "'Adapted classifier' output wrote.", name=path.name))
        raise _bad(path, "not a classifier file")
    version = blob.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(msg(
            "{name} was written by another MetaMapper version (classifier format {found}; "
            "this version reads format {ours}). Save the classifier again with this "
            "version, or apply it with the version that wrote it.",
            name=path.name, found=version, ours=FORMAT_VERSION))
    try:
        meta = json.loads(blob["meta"])
        tensors = blob["tensors"]
        card = meta["card"]
        validate_card(card)
        params = {k[len("params."):]: v for k, v in tensors.items() if k.startswith("params.")}
        expected = dict(FewShotNet.from_card(card).named_parameters())
        if set(params) != set(expected) or any(
                tuple(params[k].shape) != tuple(v.shape) for k, v in expected.items()):
            raise _bad(path, "its weights do not match its model card")
        stats = BandStats(centre=tensors["stats.centre"].numpy().astype(np.float64),
                          scale=tensors["stats.scale"].numpy().astype(np.float64),
                          scene_scale=float(meta["stats"]["scene_scale"]),
                          n_samples=int(meta["stats"]["n_samples"]))
        indexes = meta.get("band_indexes")
        return SavedClassifier(
            card=card, params=params, head_weight=tensors["head.weight"],
            head_bias=tensors["head.bias"], band_weight=tensors.get("band.weight"),
            band_bias=tensors.get("band.bias"), prior_scale=meta.get("prior_scale"),
            steps=int(meta.get("steps", 0)), stats=stats,
            wavelengths_nm=meta.get("wavelengths_nm"),
            band_indexes=None if indexes is None else tuple(int(b) for b in indexes),
            source_band_count=int(meta["source_band_count"]),
            source_name=str(meta.get("source_name", "")),
            source_descriptions=list(meta.get("source_descriptions", [])),
            classes=[str(c) for c in meta["classes"]], codes=[int(c) for c in meta["codes"]],
            colours=[tuple(int(v) for v in c) for c in meta["colours"]],  # type: ignore[misc]
            kind=str(meta.get("kind", "inductive")), notes=list(meta.get("notes", [])),
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _bad(path, f"{type(exc).__name__}: {exc}") from exc
