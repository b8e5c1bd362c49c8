"""The checks of ``metamapper:fewshot_classify``'s inputs before any engine runs: the raster
layer, the region, the class field, the training features, the outputs, the wavelengths
(same translation context; ``apply_classifier`` shares the raster, region and output ones)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureSource,
    QgsProcessingException,
    QgsRasterLayer,
    QgsRectangle,
)

from ..translation import translator
from . import geometry as geo
from .checks import InputProblem, check_crs

tr = translator("FewShotClassifyAlgorithm")

OUTPUT_EXTENSIONS = (".tif", ".tiff")
USABLE_FIELD_TYPES = geo.TEXT_TYPES + geo.INTEGER_TYPES + geo.REAL_TYPES


@dataclass
class RasterInfo:
    """What the worker needs of the input raster, read on the main thread."""

    path: str
    name: str
    crs: QgsCoordinateReferenceSystem
    extent: QgsRectangle
    band_count: int
    width: int
    height: int


@dataclass
class GatheredInputs:
    """Everything validated and converted, ready for ``map_region``."""

    raster: RasterInfo
    training: geo.ConvertedFeatures
    region: geo.ConvertedFeatures | None
    output_path: str
    confidence_path: str | None
    classifier_path: str | None
    model_path: str | None
    wavelengths: List[float] | None
    class_field: str


def raster_layer_info(layer: Any) -> RasterInfo:
    """What the worker needs of the input raster layer (main thread); InputProblem if unusable."""
    if layer is None or not isinstance(layer, QgsRasterLayer) or not layer.isValid():
        raise InputProblem(
            tr("The input raster could not be opened. Choose a raster layer or a raster "
            "file GDAL can read.")
        )
    name = layer.name()
    if layer.providerType() != "gdal":
        raise InputProblem(
            tr(
                "The raster '{name}' comes from the '{providertype}' provider; "
                "MetaMapper reads raster files. Save it as a GeoTIFF (Export > Save "
                "As) and classify that file."
            ).format(
                name=name,
                providertype=layer.providerType(),
            )
        )
    if not layer.crs().isValid():
        raise InputProblem(
            tr(
                "The raster '{name}' has no coordinate reference system (CRS). Assign "
                "one (Raster > Projections > Assign Projection, or Layer Properties > "
                "Source) and run again."
            ).format(
                name=name,
            )
        )
    path = layer.source().split("|")[0]
    return RasterInfo(
        path=path, name=name, crs=layer.crs(), extent=layer.extent(),
        band_count=layer.bandCount(), width=layer.width(), height=layer.height(),
    )


def gather_region(region_source: Any, raster: RasterInfo, transform_context: Any
                  ) -> geo.ConvertedFeatures | None:
    """The region polygons in the raster's CRS (None: the whole raster); InputProblem."""
    region = None
    if region_source is not None:
        check_crs(region_source, tr("region layer"))
        region = geo.convert_region(region_source, raster.crs, transform_context)
        if not region.geometries:
            raise InputProblem(
                tr("The region layer has no usable polygon (is 'Selected features only' on "
                "with nothing selected, or are its geometries empty?). Select or draw at "
                "least one polygon, or leave the region empty to map the whole raster.")
            )
        if not geo.overlaps(region.bounds, raster.extent):
            raise InputProblem(
                tr(
                    "The region does not overlap the raster '{raster_name}' after "
                    "reprojection from {value} to {authid}. Draw the region over the "
                    "raster, or fix the layers' CRS if one is wrongly assigned."
                ).format(
                    raster_name=raster.name,
                    value=region_source.sourceCrs().authid() or tr('its CRS'),
                    authid=raster.crs.authid(),
                )
            )
    return region


def check_class_field(source: QgsFeatureSource, class_field: str) -> None:
    fields = source.fields()
    usable = [f.name() for f in fields if f.type() in USABLE_FIELD_TYPES]
    if not class_field:
        raise InputProblem(
            tr(
                "No class field was chosen. Choose the training layer's field that holds "
                "the class (text or integer): {value}."
            ).format(
                value=', '.join(usable) or tr('the layer has none'),
            )
        )
    index = fields.lookupField(class_field)
    if index < 0:
        raise InputProblem(
            tr(
                "The class field '{class_field}' is not in the training layer. Choose one "
                "of: {value}."
            ).format(
                class_field=class_field,
                value=', '.join(usable) or tr('(no text or integer field: add one)'),
            )
        )
    field = fields.at(index)
    if field.type() not in USABLE_FIELD_TYPES:
        raise InputProblem(
            tr("The class field '{class_field}' is of type {type}, which cannot hold classes. "
               "Choose a text or integer field ({usable}), or make one with the Field "
               "Calculator.").format(class_field=class_field, usable=", ".join(usable),
                                     type=field.typeName() or field.type())
            if usable else
            tr("The class field '{class_field}' is of type {type}, which cannot hold classes. "
               "Choose a text or integer field, or make one with the Field Calculator."
               ).format(class_field=class_field, type=field.typeName() or field.type())
        )


def check_training(
    converted: geo.ConvertedFeatures, class_field: str, source: QgsFeatureSource, raster: RasterInfo
) -> None:
    labels = converted.distinct_labels()
    if not converted.geometries and converted.not_reprojectable:
        raise InputProblem(
            tr(
                "The training features do not overlap the raster '{raster_name}': "
                "{converted_not_reprojectable} of them could not even be reprojected from "
                "{value} to {authid} (they lie far outside the raster's area). Digitise "
                "them over the raster, or fix the layers' CRS if one is wrongly assigned."
            ).format(
                raster_name=raster.name,
                converted_not_reprojectable=converted.not_reprojectable,
                value=source.sourceCrs().authid() or tr('their CRS'),
                authid=raster.crs.authid(),
            )
        )
    if not converted.geometries:
        detail = []
        if converted.null_labels:
            detail.append(tr("{n} with an empty or NULL '{class_field}'").format(
                n=converted.null_labels, class_field=class_field))
        if converted.empty_geometries:
            detail.append(tr("{n} without geometry").format(n=converted.empty_geometries))
        if converted.not_reprojectable:
            detail.append(tr("{n} that could not be reprojected").format(
                n=converted.not_reprojectable))
        why = tr(" ({details})").format(details=tr("; ").join(detail)) if detail else ""
        raise InputProblem(
            tr(
                "No usable training feature{why}. Give labelled points or polygons (if "
                "'Selected features only' is on, select some features first)."
            ).format(
                why=why,
            )
        )
    if len(labels) < 2:
        found = ", ".join(repr(str(x)) for x in labels)
        text = tr("Only {n} class found in '{class_field}' ({found}); at least two classes are "
                  "needed. Label features of at least two different classes.").format(
            n=len(labels), class_field=class_field, found=found)
        if converted.null_labels:
            text += " " + tr("({n} feature(s) had an empty or NULL class.)").format(
                n=converted.null_labels)
        raise InputProblem(text)
    if not geo.overlaps(converted.bounds, raster.extent):
        raise InputProblem(
            tr(
                "The training features do not overlap the raster '{raster_name}' after "
                "reprojection from {value} to {authid}. Digitise them over the raster, or "
                "fix the layers' CRS if one is wrongly assigned."
            ).format(
                raster_name=raster.name,
                value=source.sourceCrs().authid() or tr('their CRS'),
                authid=raster.crs.authid(),
            )
        )


def check_classifier_output(path: str, raster: RasterInfo) -> None:
    """The adapted classifier's file (OUTPUT_MODEL): a .pt file in a writable folder."""
    if os.path.splitext(path)[1].lower() != ".pt":
        raise InputProblem(tr(
            "The adapted classifier is saved as a .pt file; '{basename}' is not one. "
            "Choose a file name ending in .pt."
        ).format(basename=os.path.basename(path)))
    check_output(path, raster, tr("adapted classifier"), suffix_checked=True)


def check_output(path: str, raster: RasterInfo, what: str, suffix_checked: bool = False
                 ) -> None:
    if not path:
        raise InputProblem(tr(
            "No file name was given for the {what}. Choose a .tif file."
        ).format(
            what=what,
        ))
    if not suffix_checked and os.path.splitext(path)[1].lower() not in OUTPUT_EXTENSIONS:
        raise InputProblem(
            tr(
                "The {what} must be a GeoTIFF; '{basename}' is not a .tif file name. "
                "Choose a file name ending in .tif."
            ).format(
                what=what,
                basename=os.path.basename(path),
            )
        )
    if os.path.abspath(path) == os.path.abspath(raster.path):
        raise InputProblem(
            tr(
                "The {what} would overwrite the input raster. Choose another file name."
            ).format(
                what=what,
            )
        )
    folder = Path(path).resolve().parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputProblem(
            tr(
                "Cannot write the {what} to {path}: the folder {folder} is not a writable "
                "folder. Choose a folder you can write to."
            ).format(
                what=what,
                path=path,
                folder=folder,
            )
        )
    if os.path.isdir(path):
        raise InputProblem(tr(
            "The {what} path {path} is a folder. Give a .tif file name."
        ).format(
            what=what,
            path=path,
        ))


def parse_wavelengths(text: str, raster: RasterInfo) -> List[float] | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise InputProblem(
            tr(
                "Wavelengths '{text}' are not a comma-separated list of numbers (nm), e.g. "
                "'482, 561, 655'. Fix the list or leave it empty."
            ).format(
                text=text,
            )
        ) from None
    if len(values) != raster.band_count:
        raise InputProblem(
            tr(
                "{n_values} wavelengths were given but the raster '{raster_name}' has "
                "{raster_band_count} band(s). Give one wavelength per band, or leave it "
                "empty."
            ).format(
                n_values=len(values),
                raster_name=raster.name,
                raster_band_count=raster.band_count,
            )
        )
    if any(v <= 0 for v in values):
        raise InputProblem(tr("Wavelengths must be positive numbers in nanometres."))
    return values


def make_parent(path: str) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QgsProcessingException(
            tr(
                "Cannot create the folder for {path} ({exc_strerror}). Choose a folder you "
                "can write to."
            ).format(
                path=path,
                exc_strerror=exc.strerror,
            )
        ) from None


def support_size(result: Any) -> int | None:
    support = getattr(result, "support_pixels", None)
    if isinstance(support, dict):
        return int(sum(support.values()))
    if isinstance(support, int):
        return support
    return None
