"""Assess a class map against a validation layer: the one call the Processing door makes.

Matches the validation layer's reference classes to the map's classes (by name, or by
code), reads the map class under every sample unit (windowed), counts the mapped pixels of
every class in the assessed area (the strata sizes), and runs the estimators of
:mod:`.assessment`. Every refusal is a :class:`~.errors.MetaMapperError` whose message names
the problem and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Sequence

import numpy as np

from ..errors import LabelError, RegionError
from ..messages import msg
from .assessment import Assessment, assess
from .class_map import ClassMapInfo, class_pixel_counts, make_region, map_codes_at


@dataclass
class ValidationResult:
    assessment: Assessment
    codes: List[int]  # class code of each row/column of the matrices
    used: int  # sample units used
    skipped_null: List[int] = field(default_factory=list)  # indices with no reference class
    outside: List[int] = field(default_factory=list)  # outside the map (or region)
    nodata: List[int] = field(default_factory=list)  # over nodata
    warnings: List[str] = field(default_factory=list)


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def match_reference(
    labels: Sequence[Any], cmap: ClassMapInfo, codes_present: Sequence[int], field_name: str
) -> List[int | None]:
    """Class code of every reference label (None for NULL/empty); LabelError for unknown ones.

    A label matches a class name (case-insensitive), else a class code ("3" or 3).
    """
    known = sorted(set(cmap.names) | set(int(c) for c in codes_present))
    by_name = {_key(cmap.name_of(c)): c for c in known}
    by_code = {str(c): c for c in known}
    out: List[int | None] = []
    unknown: Dict[str, int] = {}
    for label in labels:
        if label is None or (isinstance(label, str) and not label.strip()):
            out.append(None)
            continue
        key = _key(label)
        code = by_name.get(key, by_code.get(key))
        if code is None:
            unknown[str(label).strip()] = unknown.get(str(label).strip(), 0) + 1
        out.append(code)
    if unknown:
        shown = ", ".join(f"'{k}' ({n})" for k, n in sorted(unknown.items())[:12])
        more = f" and {len(unknown) - 12} more" if len(unknown) > 12 else ""
        classes = ", ".join(cmap.name_of(c) for c in known)
        raise LabelError(
            msg(
                "Reference classes in '{field_name}' are not classes of the class map: "
                "{shown}{more} (feature counts in brackets). The map's classes are: "
                "{classes}. Correct the values (the map's class names or codes), or choose "
                "the right field or map.",
                field_name=field_name,
                shown=shown,
                more=more,
                classes=classes,
            )
        )
    return out


def assess_map(
    cmap: ClassMapInfo,
    geometries: Sequence[dict | None],
    labels: Sequence[Any],
    *,
    field_name: str,
    design: str = "stratified",
    region: Sequence[dict] | None = None,
    feature_ids: Sequence[int] | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> ValidationResult:
    """Assess ``cmap`` with sample units ``geometries`` (map CRS) labelled ``labels``.

    ``feature_ids`` (the layer's feature ids) name skipped units in the warnings.
    """
    ids = list(feature_ids) if feature_ids is not None else list(range(1, len(geometries) + 1))
    if not geometries:
        raise LabelError(
            msg(
                "The validation layer has no feature (or 'Selected features only' is on "
                "with nothing selected). Give the points or polygons you checked.",
            )
        )
    filled = [i for i, lab in enumerate(labels)
              if lab is not None and not (isinstance(lab, str) and not lab.strip())]
    if not filled:
        raise LabelError(
            msg(
                "The reference field '{field_name}' is empty in all {n_labels} validation "
                "feature(s). Fill in the class you observed at each sample unit (e.g. by "
                "photo interpretation), then run again.",
                field_name=field_name,
                n_labels=len(labels),
            )
        )
    area = make_region(cmap, region)
    strata = class_pixel_counts(cmap, area, progress, is_cancelled)
    ref_codes = match_reference(labels, cmap, list(strata), field_name)
    values = map_codes_at(cmap, geometries, area, is_cancelled)
    skipped_null = [i for i, c in enumerate(ref_codes) if c is None]
    use = [i for i in range(len(geometries))
           if ref_codes[i] is not None and values.codes[i] >= 0]
    outside = [i for i in values.outside if ref_codes[i] is not None]
    nodata = [i for i in values.nodata if ref_codes[i] is not None]
    if not use:
        where = msg("the class map's region") if region is not None else msg("the class map")
        raise RegionError(
            msg(
                "None of the validation features with a reference class lies on valid "
                "pixels of {where} ({n_outside} outside it, {n_nodata} on nodata). Check "
                "that the validation layer covers the map (if it looks right on the "
                "canvas, a layer's CRS is wrongly assigned).",
                where=where,
                n_outside=len(outside),
                n_nodata=len(nodata),
            )
        )
    warnings: List[str] = []
    if skipped_null:
        warnings.append(
            msg(
                "{n_skipped_null} validation feature(s) have an empty reference class and "
                "were skipped; fill them in if they should count.",
                n_skipped_null=len(skipped_null),
            )
        )
    if outside:
        warnings.append(
            msg(
                "{n_outside} validation feature(s) lie outside the class map or the region "
                "and were skipped (feature ids {ids}).",
                n_outside=len(outside), ids=_ids([ids[i] for i in outside]),
            ) if region is not None else msg(
                "{n_outside} validation feature(s) lie outside the class map and were "
                "skipped (feature ids {ids}).",
                n_outside=len(outside), ids=_ids([ids[i] for i in outside]),
            )
        )
    if nodata:
        warnings.append(
            msg(
                "{n_nodata} validation feature(s) lie on nodata pixels of the class map "
                "and were skipped (feature ids {ids}).",
                n_nodata=len(nodata),
                ids=_ids([ids[i] for i in nodata]),
            )
        )
    map_code = values.codes[use]
    ref_code = np.array([ref_codes[i] for i in use], dtype=np.int64)
    codes = sorted(set(strata) | set(map_code.tolist()) | set(ref_code.tolist()))
    index = {c: k for k, c in enumerate(codes)}
    unsampled = [cmap.name_of(c) for c in strata if c not in set(map_code.tolist())]
    if unsampled:
        warnings.append(
            "Map class(es) with no validation unit: " + ", ".join(unsampled)
            + ". Their user's accuracy is unknown and areas cannot be adjusted; add units "
            "in them (Create validation sample draws some in every class)."
        )
    unseen = [cmap.name_of(c) for c in codes if c not in set(ref_code.tolist())]
    if unseen:
        warnings.append(
            "Class(es) never seen in the reference data: " + ", ".join(unseen) + "."
        )
    result = assess(
        [index[int(c)] for c in map_code], [index[int(c)] for c in ref_code],
        [cmap.name_of(c) for c in codes], design=design,
        strata_pixels=[strata.get(c, 0) for c in codes], pixel_area=cmap.pixel_area,
    )
    return ValidationResult(
        assessment=result, codes=codes, used=len(use), skipped_null=skipped_null,
        outside=outside, nodata=nodata, warnings=warnings,
    )


def _ids(ids: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(i) for i in ids[:limit])
    return shown + (f", … ({len(ids)} in all)" if len(ids) > limit else "")
