"""The outputs: GeoTIFFs written under a temporary name and renamed only when the run
succeeded (atomic), the class map's colours, category names and QGIS style."""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Sequence, Tuple

import rasterio
import rasterio.env
import rasterio.errors
import rasterio.features

from ..errors import OutputError
from ..messages import msg
from ..palettes import PALETTE
from .raster_regions import Region

if TYPE_CHECKING:
    from .raster_info import RasterInfo


CONFIDENCE_NODATA = -1.0




def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (an output must not overwrite its input)."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def check_output_paths(raster: Path, out_path: Path, conf_path: Path | None) -> None:
    """OutputError when an output would overwrite the raster or the other output."""
    for p in [out_path] + ([conf_path] if conf_path else []):
        if same_file(p, raster):
            raise OutputError(
                msg(
                    "The output {p_name} would overwrite the input raster. Choose another "
                    "output file name.",
                    p_name=p.name,
                )
            )
    if conf_path is not None and same_file(conf_path, out_path):
        raise OutputError(
            msg(
                "The confidence output and the class map have the same path. Give them "
                "different file names.",
            )
        )


def _umask() -> int:
    """The process umask without changing it (Linux /proc), else the usual 022."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _sidecars(path: Path) -> List[Path]:
    """Files that belong to a GeoTIFF output: GDAL's PAM .aux.xml and QGIS's .qml."""
    return [Path(str(path) + ".aux.xml"), path.with_suffix(".qml")]


class AtomicOutputs:
    """Temporary files in each destination folder, renamed to their final names on commit.

    Use as a context manager: leaving it with an exception (failure, Cancelled) deletes every
    temporary file, so nothing is left behind and existing outputs stay untouched.
    """

    def __init__(self) -> None:
        self._items: List[Tuple[Path, Path]] = []  # (temporary, final)
        self._committed = False

    def reserve(self, final: str | os.PathLike) -> Path:
        """A temporary path next to ``final``; checks the folder is writable now."""
        final = Path(final)
        folder = final.parent if str(final.parent) else Path(".")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{final.stem}.", suffix=".metamapper-tmp" + final.suffix, dir=folder
            )
            os.close(fd)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        except OSError as exc:
            raise OutputError(
                msg(
                    "Cannot write to the output folder {folder} ({value}). Choose an "
                    "output path in a folder you can write to.",
                    folder=folder,
                    value=exc.strerror or exc,
                )
            ) from exc
        if final.is_dir():
            os.unlink(tmp)
            raise OutputError(msg(
                "The output path {final} is a folder. Give a file name (.tif).",
                final=final,
            ))
        self._items.append((Path(tmp), final))
        return Path(tmp)

    def commit(self) -> None:
        """Rename every temporary file (and its sidecars) to its final name."""
        try:
            for tmp, final in self._items:
                tmp_sidecars = _sidecars(tmp)
                for tmp_side, final_side in zip(tmp_sidecars, _sidecars(final)):
                    if tmp_side.exists():
                        os.replace(tmp_side, final_side)
                    elif final_side.exists():
                        final_side.unlink()  # stale sidecar of the file being replaced
                os.replace(tmp, final)
        except OSError as exc:
            self.discard()
            raise OutputError(
                msg(
                    "Cannot move the finished output into place ({exc}). Check the output "
                    "file is not open in another program and the folder is writable.",
                    exc=exc,
                )
            ) from exc
        self._committed = True

    def discard(self) -> None:
        for tmp, _ in self._items:
            for p in [tmp, *_sidecars(tmp)]:
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass
                except OSError:
                    pass

    def __enter__(self) -> AtomicOutputs:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None or not self._committed:
            self.discard()


def _profile(info: RasterInfo, region: Region, dtype: str, nodata: float) -> Dict[str, Any]:
    h, w = region.shape
    block = 256
    profile: Dict[str, Any] = {
        "driver": "GTiff",
        "width": w,
        "height": h,
        "count": 1,
        "dtype": dtype,
        "nodata": nodata,
        "crs": rasterio.crs.CRS.from_wkt(info.crs_wkt),
        "transform": rasterio.windows.transform(region.window, info.transform),
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    if w >= 16 and h >= 16:
        profile.update(tiled=True, blockxsize=block, blockysize=block)
    if dtype == "float32":
        profile["predictor"] = 3
    return profile


def open_class_map(path: Path, info: RasterInfo, region: Region) -> Any:
    """Open the (temporary) class-map GeoTIFF for writing: uint8, nodata 0, region grid."""
    try:
        return rasterio.open(path, "w", **_profile(info, region, "uint8", 0))
    except Exception as exc:  # noqa: BLE001
        raise OutputError(msg(
            "Cannot create the class map {path_name} ({exc}).",
            path_name=path.name,
            exc=exc,
        )) from exc


def open_confidence(path: Path, info: RasterInfo, region: Region) -> Any:
    """Open the (temporary) confidence GeoTIFF: float32, nodata -1, region grid."""
    try:
        return rasterio.open(path, "w", **_profile(info, region, "float32", CONFIDENCE_NODATA))
    except Exception as exc:  # noqa: BLE001
        raise OutputError(msg(
            "Cannot create the confidence raster {path_name} ({exc}).",
            path_name=path.name,
            exc=exc,
        )) from exc


#: Conventional land-cover colours (close to ESA WorldCover / NLCD), matched on words of a
#: class name, so that "water" is blue and "forest" green without any styling by the user.
CONVENTIONAL_COLOURS: Tuple[Tuple[Tuple[str, ...], Tuple[int, int, int]], ...] = (
    (("water", "lake", "river", "sea", "ocean", "reservoir", "pond"), (31, 120, 180)),
    (("tree", "forest", "wood", "woodland"), (0, 100, 0)),
    (("grass", "pasture", "meadow", "grassland"), (178, 223, 138)),
    (("shrub", "bush", "scrub", "shrubland"), (166, 118, 29)),
    (("crop", "cultivated", "agri", "agriculture", "field", "farm"), (240, 200, 50)),
    (("developed", "urban", "built", "artificial", "city", "building", "road", "impervious"),
     (227, 26, 28)),
    (("bare", "soil", "sand", "rock", "desert"), (177, 89, 40)),
    (("snow", "ice", "glacier"), (240, 240, 240)),
    (("cloud",), (200, 200, 200)),
    (("wetland", "marsh", "swamp", "mangrove"), (106, 61, 154)),
)


def conventional_colour(name: str) -> Tuple[int, int, int] | None:
    """The conventional colour of a land-cover class name, if a word of it is known."""
    words = {w for w in "".join(c.lower() if c.isalnum() else " " for c in name).split()}
    for keys, rgb in CONVENTIONAL_COLOURS:
        if any(w == k or (len(k) >= 4 and w.startswith(k)) for w in words for k in keys):
            return rgb
    return None


def class_colours(
    names: Sequence[str], wanted: Dict[str, Tuple[int, int, int]] | None = None
) -> List[Tuple[int, int, int]]:
    """One distinct RGB colour per class: the user's where given, else the conventional
    land-cover colour of its name, else the next unused colour of the qualitative palette."""
    wanted = wanted or {}
    chosen: Dict[str, Tuple[int, int, int]] = {
        n: tuple(int(v) for v in wanted[n][:3]) for n in names if wanted.get(n)  # type: ignore[misc]
    }
    for name in names:
        rgb = conventional_colour(name)
        if name not in chosen and rgb is not None and rgb not in chosen.values():
            chosen[name] = rgb
    free = iter([c for c in PALETTE if c not in chosen.values()] or list(PALETTE))
    out = []
    for name in names:
        if name not in chosen:
            chosen[name] = next(free, PALETTE[len(chosen) % len(PALETTE)])
        out.append(chosen[name])
    return out


def finish_class_map(
    dst: Any,
    names: Sequence[str],
    codes: Sequence[int],
    colours: Sequence[Tuple[int, int, int]],
    tags: Dict[str, Any],
) -> None:
    """Colour table, band description and metadata tags (call before closing ``dst``)."""
    cmap = {0: (0, 0, 0, 0)}
    for code, rgb in zip(codes, colours):
        cmap[int(code)] = (*rgb, 255)
    dst.write_colormap(1, cmap)
    dst.set_band_description(1, "class")
    dst.update_tags(**{k: str(v) for k, v in tags.items()})


def finish_confidence(dst: Any, model_name: str) -> None:
    """Band description and tags of the confidence raster (call before closing ``dst``)."""
    dst.set_band_description(1, "confidence")
    dst.update_tags(METAMAPPER_MODEL=str(model_name),
                    METAMAPPER_CONFIDENCE="probability of the chosen class")


def write_class_sidecars(tif_path: Path, names: Sequence[str], codes: Sequence[int],
                         colours: Sequence[Tuple[int, int, int]]) -> None:
    """The class map's category names (``.aux.xml``) and QGIS style (``.qml``)."""
    write_category_names(tif_path, names, codes)
    write_qml(tif_path.with_suffix(".qml"), names, codes, colours)


def write_category_names(tif_path: Path, names: Sequence[str], codes: Sequence[int]) -> Path:
    """GDAL category names in a PAM ``.aux.xml`` next to ``tif_path`` (GeoTIFF has no slot).

    GDAL (and QGIS's paletted renderer "Classify") read them back as the band's categories:
    entry ``i`` is the name of pixel value ``i``; 0 is the nodata entry.
    """
    by_code = dict(zip((int(c) for c in codes), names))
    root = ET.Element("PAMDataset")
    band = ET.SubElement(root, "PAMRasterBand", band="1")
    cats = ET.SubElement(band, "CategoryNames")
    for value in range(max(by_code) + 1):
        ET.SubElement(cats, "Category").text = by_code.get(value, "")
    aux = Path(str(tif_path) + ".aux.xml")
    ET.ElementTree(root).write(aux, encoding="utf-8", xml_declaration=False)
    return aux


def write_qml(
    qml_path: Path,
    names: Sequence[str],
    codes: Sequence[int],
    colours: Sequence[Tuple[int, int, int]],
) -> Path:
    """A QGIS style (paletted renderer, class names as labels) QGIS loads with the raster."""
    root = ET.Element("qgis", version="3.22.0", styleCategories="AllStyleCategories")
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        type="paletted",
        band="1",
        opacity="1",
        alphaBand="-1",
        nodataColor="",
    )
    ET.SubElement(renderer, "rasterTransparency")
    palette = ET.SubElement(renderer, "colorPalette")
    for name, code, rgb in zip(names, codes, colours):
        ET.SubElement(
            palette,
            "paletteEntry",
            value=str(int(code)),
            color="#{:02x}{:02x}{:02x}".format(*rgb),
            alpha="255",
            label=str(name),
        )
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(
        pipe, "huesaturation", saturation="0", grayscaleMode="0", colorizeOn="0",
        colorizeRed="255", colorizeGreen="128", colorizeBlue="128", colorizeStrength="100",
    )  # fmt: skip
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    ET.SubElement(root, "blendMode").text = "0"
    body = ET.tostring(root, encoding="unicode")
    qml_path.write_text(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n",
        encoding="utf-8",
    )
    return qml_path
