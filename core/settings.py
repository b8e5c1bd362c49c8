"""The model card's settings, read once into typed objects that the engine hands to each stage.

A model file's card is JSON (``core.model`` validates it and keeps it as written, since it is
the file format and the classifier file copies it). Every stage used to dig its own piece out
of that dict, each with its own defaults; here the card is read once, at load time
(``LoadedModel.settings``), and each stage receives its part:

* ``band_mapping`` -> :class:`~core.mapping.band_mapping.BandMappingSettings` (mapping);
* ``band_correction`` -> :class:`CorrectionSettings`, ``inner_loop`` ->
  :class:`InnerLoopSettings` (adaptation);
* ``transductive`` -> :class:`TransductiveSettings`: the soft k-means refinement and, with
  ``mode: propagation``, :class:`PropagationSettings` (label propagation over the region).

The defaults are those a card without the key has always had.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Mapping, Tuple

from .mapping.band_mapping import BandMappingSettings

__all__ = ["CorrectionSettings", "InnerLoopSettings", "ModelSettings", "PropagationSettings",
           "TransductiveSettings"]


@dataclass(frozen=True)
class CorrectionSettings:
    """The card's ``band_correction``: the per-task linear correction of the head,
    ``logits = s * head + W z + c`` (``core.adapting.adapt.correct_head``)."""

    #: s: one value, or the candidates a task chooses between (``combine``)
    prior_scales: Tuple[float, ...] = (1.0,)
    l2: float = 0.1
    max_iter: int = 100
    #: fewer labelled pixels in some class: no correction (the head alone)
    min_shots: int = 2
    #: how several candidates are combined: ``blend`` (average) or ``folds`` (held out)
    combine: str = "blend"

    @classmethod
    def from_card(cls, section: Mapping[str, Any] | None) -> CorrectionSettings | None:
        """The settings, or None when the card has no (or an empty) correction."""
        if not section:
            return None
        value = section.get("prior_scale", 1.0)
        scales = value if isinstance(value, (list, tuple)) else [value]
        return cls(
            prior_scales=tuple(float(v) for v in scales),
            l2=float(section.get("l2", 0.1)),
            max_iter=int(section.get("max_iter", 100)),
            min_shots=int(section.get("min_shots", 2)),
            combine=str(section.get("combine", "blend")),
        )

    @property
    def chooses_by_folds(self) -> bool:
        return self.combine == "folds"


@dataclass(frozen=True)
class InnerLoopSettings:
    """The card's ``inner_loop``: gradient steps on the support (none for protonet)."""

    steps: int = 0
    lr: float = 0.1
    #: ``all`` parameters, or the ``head`` only
    adapt: str = "all"
    #: Meta-SGD's step sizes, stored in the model file
    per_parameter_lr: bool = False
    first_order: bool = False

    @classmethod
    def from_card(cls, section: Mapping[str, Any]) -> InnerLoopSettings:
        return cls(
            steps=int(section.get("steps", 0)),
            lr=float(section.get("lr", 0.1)),
            adapt=str(section.get("adapt", "all")),
            per_parameter_lr=bool(section.get("per_parameter_lr", False)),
            first_order=bool(section.get("first_order", False)),
        )


@dataclass(frozen=True)
class PropagationSettings:
    """The card's ``transductive`` section for ``mode: propagation``."""

    anchors: int = 4000
    dims: int = 20
    neighbours: int = 10
    alpha: float = 0.99
    iterations: int = 30
    spatial_weight: float = 0.5
    prior_weight: float = 0.5
    extend_neighbours: int = 10
    folds: int = 5
    #: False: no support k-fold, the propagated map is always written (what a benchmark
    #: sets to time the propagated map whatever the check would decide)
    check: bool = True
    #: the check keeps the propagated map when it gets at least this many more held-out
    #: labels right than the inductive classifier (1: any gain; 0: a tie too)
    min_gain: int = 1
    #: larger regions keep the inductive map: the extension compares every pixel with every
    #: anchor (about 20 s per Mpx on 2 CPU cores for 4,000 anchors); not when the extension
    #: is distilled for such a region (``distil``, ``auto``)
    max_region_pixels: int = 2_000_000
    #: how the anchors' labels reach every pixel: ``exact`` (each pixel's nearest anchors,
    #: ``RegionPropagation.probabilities``), ``distil`` (the band correction refitted to
    #: the anchors' propagated labels, then the inductive map: ``propagation.distil``), or
    #: ``auto``: exact up to ``exact_max_pixels``, distilled above
    extension: str = "exact"
    #: with ``auto``: the largest region mapped with the exact extension (~30 s per Mpx
    #: on 2 CPU cores; the distilled map costs what the inductive one does, and measured
    #: 0.2-0.4 OA points below the exact one at K=5: docs/transduction.md)
    exact_max_pixels: int = 250_000

    def distils(self, region_pixels: int) -> bool:
        """Whether a region of ``region_pixels`` gets the distilled extension."""
        return self.extension == "distil" or (
            self.extension == "auto" and region_pixels > self.exact_max_pixels)

    @classmethod
    def from_card(cls, section: Mapping[str, Any] | None) -> PropagationSettings:
        section = section or {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: type(getattr(cls, k))(v) for k, v in section.items() if k in known})

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class TransductiveSettings:
    """The card's ``transductive``: how the region's unlabelled pixels are used."""

    #: soft k-means refinement of the prototypes over unlabelled region pixels (0: none)
    soft_kmeans_iters: int = 0
    #: at most this many unlabelled pixels (a seeded sample) refine the prototypes
    max_unlabelled: int = 4096
    #: the label propagation over the region, when the card's mode is ``propagation``
    propagation: PropagationSettings | None = None

    @classmethod
    def from_card(cls, section: Mapping[str, Any] | None) -> TransductiveSettings:
        section = section or {}
        return cls(
            soft_kmeans_iters=int(section.get("soft_kmeans_iters", 0)),
            max_unlabelled=int(section.get("max_unlabelled", 4096)),
            propagation=(PropagationSettings.from_card(section)
                         if section.get("mode") == "propagation" else None),
        )

    @property
    def uses_unlabelled(self) -> bool:
        """Whether adaptation maps a sample of the region's unlabelled pixels: that costs
        as much as a tile of prediction on hyperspectral rasters."""
        return self.soft_kmeans_iters > 0


@dataclass(frozen=True)
class ModelSettings:
    """Everything the engine reads of a (validated) card, read once."""

    method: str
    band_mapping: BandMappingSettings
    inner_loop: InnerLoopSettings
    correction: CorrectionSettings | None = None
    transductive: TransductiveSettings = field(default_factory=TransductiveSettings)
    name: str = ""
    version: str = ""

    @classmethod
    def from_card(cls, card: Mapping[str, Any]) -> ModelSettings:
        return cls(
            method=str(card["method"]),
            band_mapping=BandMappingSettings.from_card(card["band_mapping"]),
            inner_loop=InnerLoopSettings.from_card(card["inner_loop"]),
            correction=CorrectionSettings.from_card(card.get("band_correction")),
            transductive=TransductiveSettings.from_card(card.get("transductive")),
            name=str(card.get("name", "")),
            version=str(card.get("version", "")),
        )
