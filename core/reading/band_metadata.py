"""Band centre wavelengths and bad-band flags read from a raster's own metadata.

Hyperspectral users should not have to type 224 numbers. The sources, first found wins:

1. GDAL's ``IMAGERY`` domain per band (``CENTRAL_WAVELENGTH_UM``, GDAL >= 3.10 fills it
   for ENVI, GeoTIFF and several sensor drivers);
2. per-band ``wavelength`` items (``WAVELENGTH``, ``center_wavelength``...) with
   ``wavelength_units`` on the band or the dataset (ENVI driver, EnMAP-Box GeoTIFFs);
3. a dataset-level ENVI-style list ``wavelength = {...}`` (default or ``ENVI`` domain);
4. the ENVI header (``.hdr``) next to the file: ``wavelength``, ``wavelength units``,
   ``bbl`` (bad band list: 0 = bad);
5. an EnMAP L1B/L1C/L2A product's ``*METADATA.XML`` next to its ``*SPECTRAL_IMAGE`` file
   (``bandCharacterisation/bandID/wavelengthCenterOfBand``);
6. PRISMA's ``List_Cw_Vnir`` / ``List_Cw_Swir`` attributes (HDF5 opened with GDAL, or copied
   into a GeoTIFF's metadata), whichever has one value per band;
7. band descriptions that end in a wavelength, e.g. ``"Band 12 (560.0 nm)"``.

Values are returned in nanometres (micrometres are converted: declared units, or values
all below 30 without units) together with a sentence saying where they came from.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

BAND_KEYS = ("wavelength", "center_wavelength", "central_wavelength", "centre_wavelength",
             "wavelength_center", "wavelength_nm")  # fmt: skip
UNIT_KEYS = ("wavelength_units", "wavelength units", "wavelength_unit", "units")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DESCRIPTION = re.compile(rf"({_NUMBER})\s*(nm|µm|um|micrometers?|nanometers?)\b", re.I)


@dataclass(frozen=True)
class BandMetadata:
    """What the raster says about its bands."""

    wavelengths_nm: List[float] | None
    wavelength_source: str  # "" when none were found
    bad_bands: Tuple[int, ...] = ()  # 1-based, flagged bad by the metadata (ENVI bbl)
    bad_band_source: str = ""


def _to_nm(values: Sequence[float], units: str) -> List[float] | None:
    """Values in ``units`` -> nm; None for wavenumbers/indexes or non-finite values."""
    u = (units or "").strip().lower().replace("µ", "u")
    vals = [float(v) for v in values]
    if not vals or not all(math.isfinite(v) and v > 0 for v in vals):
        return None
    if u.startswith(("micro", "um")) or u in ("µm", "micron", "microns"):
        return [v * 1000.0 for v in vals]
    if u.startswith(("nano", "nm")):
        return vals
    if u.startswith(("milli", "mm")):
        return [v * 1e6 for v in vals]
    if u and u not in ("unknown", "none", "n/a"):
        return None  # wavenumber, GHz, index...: not a wavelength we can place
    return [v * 1000.0 for v in vals] if max(vals) < 30 else vals


def _parse_list(text: str) -> List[float] | None:
    """ENVI-style ``{a, b, c}`` (or a plain comma/space list) -> floats; None if not numbers."""
    body = str(text).strip().strip("{}[]() ")
    parts = [p for p in re.split(r"[,\s]+", body) if p]
    try:
        return [float(p) for p in parts]
    except ValueError:
        return None


def _lower(tags: Dict[str, str]) -> Dict[str, str]:
    return {str(k).lower(): v for k, v in tags.items()}


def _tags(ds: Any, bidx: int | None = None, ns: str | None = None) -> Dict[str, str]:
    try:
        if bidx is None:
            return _lower(ds.tags(ns=ns) if ns else ds.tags())
        return _lower(ds.tags(bidx, ns=ns) if ns else ds.tags(bidx))
    except Exception:  # noqa: BLE001 - a namespace the driver does not have
        return {}


def _units(*dicts: Dict[str, str]) -> str:
    for d in dicts:
        for key in UNIT_KEYS:
            if d.get(key):
                return str(d[key])
    return ""


def _from_imagery(ds: Any) -> List[float] | None:
    out = []
    for b in range(1, ds.count + 1):
        value = _tags(ds, b, "IMAGERY").get("central_wavelength_um")
        if value is None:
            return None
        try:
            out.append(float(value) * 1000.0)
        except ValueError:
            return None
    return out if all(math.isfinite(v) and v > 0 for v in out) else None


def _from_band_items(ds: Any) -> List[float] | None:
    dataset_units = _units(_tags(ds), _tags(ds, ns="ENVI"))
    raw, units = [], []
    for b in range(1, ds.count + 1):
        tags = _tags(ds, b)
        value = next((tags[k] for k in BAND_KEYS if k in tags), None)
        if value is None:
            return None
        try:
            raw.append(float(str(value).split()[0]))
        except (ValueError, IndexError):
            return None
        units.append(_units(tags) or dataset_units)
    if len(set(units)) > 1:
        converted = [_to_nm([v], u) for v, u in zip(raw, units)]
        if any(c is None for c in converted):
            return None
        return [c[0] for c in converted if c is not None]
    return _to_nm(raw, units[0] if units else "")


def _from_dataset_list(ds: Any) -> Tuple[List[float] | None, str]:
    for ns in (None, "ENVI"):
        tags = _tags(ds, ns=ns)
        if "wavelength" in tags:
            values = _parse_list(tags["wavelength"])
            if values is not None and len(values) == ds.count:
                nm = _to_nm(values, _units(tags, _tags(ds), _tags(ds, ns="ENVI")))
                if nm is not None:
                    return nm, "ENVI" if ns else "default"
    return None, ""


def read_envi_header(path: str | Path) -> Dict[str, str]:
    """``key = value`` items of an ENVI header (``{...}`` values may span lines)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    items: Dict[str, str] = {}
    key, buf, depth = None, "", 0
    for line in text.splitlines()[1:]:
        if key is None:
            if "=" not in line:
                continue
            k, v = line.split("=", 1)
            key, buf = k.strip().lower(), v.strip()
        else:
            buf += " " + line.strip()
        depth = buf.count("{") - buf.count("}")
        if depth <= 0:
            items[key] = buf.strip()
            key, buf = None, ""
    return items


def _envi_header_path(ds: Any) -> Path | None:
    """The ``.hdr`` of an ENVI file (``x.hdr`` or ``x.bsq.hdr``), if there is one."""
    try:
        files = [Path(f) for f in (ds.files or [])]
    except Exception:  # noqa: BLE001
        files = []
    files += [Path(str(ds.name))]
    for f in files:
        if f.suffix.lower() == ".hdr" and f.is_file():
            return f
        for cand in (f.with_suffix(".hdr"), Path(str(f) + ".hdr")):
            if cand.is_file() and cand != f:
                return cand
    return None


def _from_enmap_xml(ds: Any) -> List[float] | None:
    """EnMAP products: ``<...>-SPECTRAL_IMAGE.TIF`` next to ``<...>-METADATA.XML``."""
    name = Path(str(ds.name))
    if "SPECTRAL_IMAGE" not in name.name.upper():
        return None
    for xml in name.parent.glob("*METADATA*.XML"):
        try:
            root = ET.parse(xml).getroot()
        except (ET.ParseError, OSError):
            continue
        centres: Dict[int, float] = {}
        for band in root.iter("bandID"):
            number, centre = band.get("number"), band.find("wavelengthCenterOfBand")
            if number is not None and centre is not None and centre.text:
                centres[int(number)] = float(centre.text)
        if len(centres) == ds.count:
            return _to_nm([centres[k] for k in sorted(centres)], "nm")
    return None


def _from_prisma(ds: Any) -> Tuple[List[float] | None, str]:
    tags = _tags(ds)
    for key in tags:
        if key.endswith(("list_cw_vnir", "list_cw_swir")):
            values = _parse_list(tags[key])
            if values:
                values = [v for v in values if v > 0]  # PRISMA lists unused bands as 0
            if values and len(values) == ds.count:
                return _to_nm(values, "nm"), key
    return None, ""


def _from_descriptions(ds: Any) -> List[float] | None:
    out = []
    for desc in ds.descriptions or ():
        match = _DESCRIPTION.search(desc or "")
        if match is None:
            return None
        nm = _to_nm([float(match.group(1))], match.group(2))
        if nm is None:
            return None
        out.append(nm[0])
    return out if len(out) == ds.count else None


def read_band_metadata(ds: Any) -> BandMetadata:
    """Wavelengths (nm) and metadata-flagged bad bands of an open rasterio dataset."""
    header_path = _envi_header_path(ds)
    header: Dict[str, str] = {}
    if header_path is not None:
        try:
            header = read_envi_header(header_path)
        except OSError:
            header = {}
    bad: Tuple[int, ...] = ()
    bad_source = ""
    bbl = _parse_list(header["bbl"]) if "bbl" in header else None
    if bbl is None:
        raw = _tags(ds, ns="ENVI").get("bbl") or _tags(ds).get("bbl")
        bbl = _parse_list(raw) if raw else None
        bad_source = "the raster's bbl metadata"
    else:
        bad_source = f"the ENVI header {header_path.name if header_path else ''} (bbl)"
    if bbl is not None and len(bbl) == ds.count:
        bad = tuple(i + 1 for i, v in enumerate(bbl) if v == 0)

    if "wavelength" in header:  # said first: GDAL's IMAGERY items come from it too
        values = _parse_list(header["wavelength"])
        if values is not None and len(values) == ds.count:
            nm = _to_nm(values, header.get("wavelength units", ""))
            if nm is not None:
                assert header_path is not None
                units = header.get("wavelength units", "no units given")
                return BandMetadata(nm, f"the ENVI header {header_path.name} (wavelength, "
                                    f"{units})", bad, bad_source)  # fmt: skip
    nm = _from_imagery(ds)
    if nm is not None:
        return BandMetadata(nm, "GDAL IMAGERY metadata (CENTRAL_WAVELENGTH_UM)", bad, bad_source)
    nm = _from_band_items(ds)
    if nm is not None:
        return BandMetadata(nm, "the bands' WAVELENGTH metadata", bad, bad_source)
    nm, domain = _from_dataset_list(ds)
    if nm is not None:
        where = "ENVI metadata domain" if domain == "ENVI" else "metadata"
        return BandMetadata(nm, f"the raster's {where} (wavelength list)", bad, bad_source)
    nm = _from_enmap_xml(ds)
    if nm is not None:
        return BandMetadata(nm, "the EnMAP product's METADATA.XML", bad, bad_source)
    nm, key = _from_prisma(ds)
    if nm is not None:
        return BandMetadata(nm, f"PRISMA metadata ({key})", bad, bad_source)
    nm = _from_descriptions(ds)
    if nm is not None:
        return BandMetadata(nm, "the band descriptions", bad, bad_source)
    return BandMetadata(None, "", bad, bad_source)
