"""The accuracy assessment as files: an HTML report (tables and a small SVG plot) and a CSV.

Plain Python: the plot is written as inline SVG (no plotting library needed in QGIS's
Python). Files are written under temporary names in their folder and renamed together at
the end (:func:`write_files`), so a failed run leaves no half-written report.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..errors import OutputError
from ..messages import msg
from .assessment import DESIGN_LABELS, Z95, Assessment

MAP_COLOUR = "#9e9e9e"
ADJUSTED_COLOUR = "#1f78b4"


@dataclass
class ReportContext:
    """What the report says about its inputs (names, units, what was skipped)."""

    map_name: str
    validation_name: str
    reference_field: str
    area_units: str = "map units²"  # e.g. "m²"
    hectares: bool = False  # map units are metres: also give hectares
    skipped: List[str] = field(default_factory=list)  # log lines about skipped units
    created: str = ""


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _area(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _pm(value: float | None, half: float | None, digits: int = 3) -> str:
    if half is None or (isinstance(half, float) and math.isnan(half)):
        return _fmt(value, digits)
    return f"{_fmt(value, digits)} ± {_fmt(half, digits)}"


# --------------------------------------------------------------------------- CSV


def csv_text(a: Assessment, ctx: ReportContext) -> str:
    """One row per class (accuracies, areas, the error-matrix row of sample counts), then
    an ``overall`` row (overall accuracy, kappa)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = [
        "class", "mapped_pixels", f"mapped_area_{_unit_key(ctx)}", "sample_units_map",
        "sample_units_reference", "users_accuracy", "users_accuracy_se",
        "producers_accuracy", "producers_accuracy_se", "f1", "area_proportion",
        "area_proportion_se", f"area_{_unit_key(ctx)}", f"area_se_{_unit_key(ctx)}",
        f"area_ci95_{_unit_key(ctx)}", "area_ha", "area_ci95_ha",
    ] + [f"n_ref_{c}" for c in a.classes]
    writer.writerow(header)
    mapped = a.mapped_area
    area, area_se, area_ci = a.area, a.area_se, a.area_ci95
    for i, name in enumerate(a.classes):
        ha = ctx.hectares and area is not None and area_ci is not None
        writer.writerow([
            name,
            "" if a.strata_pixels is None else int(a.strata_pixels[i]),
            _num(None if mapped is None else mapped[i]),
            int(a.counts[i].sum()), int(a.counts[:, i].sum()),
            _num(a.users_accuracy[i]), _num(_at(a.users_accuracy_se, i)),
            _num(a.producers_accuracy[i]), _num(_at(a.producers_accuracy_se, i)),
            _num(a.f1[i]), _num(_at(a.area_proportion, i)),
            _num(_at(a.area_proportion_se, i)), _num(_at(area, i)), _num(_at(area_se, i)),
            _num(_at(area_ci, i)),
            _num(area[i] / 10_000) if ha and area is not None else "",
            _num(area_ci[i] / 10_000) if ha and area_ci is not None else "",
        ] + [int(v) for v in a.counts[i]])
    writer.writerow(["overall", "" if a.strata_pixels is None else int(a.strata_pixels.sum()),
                     _num(a.total_area), a.sample_size, a.sample_size,
                     f"overall_accuracy={_num(a.overall_accuracy)}",
                     f"overall_accuracy_se={_num(a.overall_accuracy_se)}",
                     f"kappa={_num(a.kappa)}", f"design={a.design}"])
    return out.getvalue()


def _unit_key(ctx: ReportContext) -> str:
    return "m2" if ctx.area_units == "m²" else "map_units2"


def _at(values: np.ndarray | None, i: int) -> float | None:
    return None if values is None else float(values[i])


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.6g}" if abs(float(value)) < 1e6 else f"{float(value):.1f}"


# --------------------------------------------------------------------------- SVG plot


def svg_plot(a: Assessment, width: int = 640) -> str:
    """Horizontal bars per class: mapped vs area-adjusted proportion with its 95 % CI, or,
    without area estimates, user's and producer's accuracy."""
    q = len(a.classes)
    row_h, top, left, right = 34, 34, 150, 30
    height = top + q * row_h + 40
    plot_w = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" '
        'role="img">'
    ]
    if a.area_estimates and a.strata_pixels is not None and a.area_proportion is not None:
        first = a.strata_pixels / a.strata_pixels.sum()
        second = a.area_proportion
        half = Z95 * (a.area_proportion_se if a.area_proportion_se is not None
                      else np.zeros(q))
        labels = ("mapped proportion", "area-adjusted estimate, 95 % CI")
        vmax = float(max(first.max(), (second + half).max(), 1e-9)) * 1.05
        title = "Class area: map vs. area-adjusted estimate (proportion of the area)"
    else:
        first = np.nan_to_num(a.users_accuracy)
        second = np.nan_to_num(a.producers_accuracy)
        half = np.zeros(q)
        labels = ("user's accuracy", "producer's accuracy")
        vmax = 1.0
        title = "User's and producer's accuracy (sample counts)"
    parts.append(f'<text x="{left}" y="16" font-weight="bold">{html.escape(title)}</text>')
    for i, name in enumerate(a.classes):
        y = top + i * row_h
        parts.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">'
                     f'{html.escape(name)}</text>')
        for k, (value, colour) in enumerate(((first[i], MAP_COLOUR),
                                             (second[i], ADJUSTED_COLOUR))):
            w = max(0.0, float(value)) / vmax * plot_w
            parts.append(f'<rect x="{left}" y="{y + 3 + k * 13}" width="{w:.1f}" height="11" '
                         f'fill="{colour}"/>')
        if half[i] > 0:
            lo = max(0.0, float(second[i] - half[i])) / vmax * plot_w + left
            hi = float(second[i] + half[i]) / vmax * plot_w + left
            yy = y + 3 + 13 + 5.5
            parts.append(f'<path d="M{lo:.1f},{yy} H{hi:.1f} M{lo:.1f},{yy - 4} V{yy + 4} '
                         f'M{hi:.1f},{yy - 4} V{yy + 4}" stroke="black" stroke-width="1.2" '
                         'fill="none"/>')
    base = top + q * row_h
    parts.append(f'<line x1="{left}" y1="{top - 2}" x2="{left}" y2="{base}" stroke="#444"/>')
    for t in range(5):
        x = left + plot_w * t / 4
        parts.append(f'<text x="{x:.1f}" y="{base + 14}" text-anchor="middle" '
                     f'fill="#444">{vmax * t / 4:.2f}</text>')
    for k, (label, colour) in enumerate(zip(labels, (MAP_COLOUR, ADJUSTED_COLOUR))):
        x = left + k * 230
        parts.append(f'<rect x="{x}" y="{base + 22}" width="12" height="10" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{base + 31}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- HTML


def _table(header: Sequence[str] | None, rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header or ())
    thead = f"<thead><tr>{head}</tr></thead>" if header else ""
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}">{thead}<tbody>{body}</tbody></table>'


def _matrix_rows(a: Assessment, matrix: np.ndarray, fmt) -> List[List[str]]:
    rows = []
    for i, name in enumerate(a.classes):
        rows.append([name] + [fmt(v) for v in matrix[i]] + [fmt(matrix[i].sum())])
    rows.append(["total"] + [fmt(v) for v in matrix.sum(axis=0)] + [fmt(matrix.sum())])
    return rows


def html_report(a: Assessment, ctx: ReportContext) -> str:
    """The whole report as one self-contained HTML page."""
    esc = html.escape
    oa_half = None if a.overall_accuracy_se is None else Z95 * a.overall_accuracy_se
    summary = [
        ["Class map", ctx.map_name],
        ["Validation layer", f"{ctx.validation_name} (reference field '{ctx.reference_field}')"],
        ["Sample design", DESIGN_LABELS.get(a.design, a.design)],
        ["Sample units used", str(a.sample_size)],
        ["Overall accuracy", _pm(a.overall_accuracy, oa_half)
         + ("" if oa_half is None else " (95 % CI)")],
        ["Kappa", _fmt(a.kappa)
         + (" (estimated for the map)" if a.area_estimates else " (of the sample counts)")],
    ]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Accuracy assessment: {esc(ctx.map_name)}</title>",
        "<style>body{font-family:sans-serif;margin:1.5em;max-width:62em}"
        "table{border-collapse:collapse;margin:.5em 0 1.2em}"
        "th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}"
        "th:first-child,td:first-child{text-align:left}"
        "thead th{background:#eee}.note{background:#fff6d5;padding:.5em .8em;"
        "border-left:4px solid #e0b000;margin:.4em 0}"
        "table.summary td{text-align:left}</style></head><body>",
        f"<h1>Accuracy assessment of {esc(ctx.map_name)}</h1>",
        _table(None, summary, "summary"),
    ]
    for note in a.notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    for line in ctx.skipped:
        parts.append(f'<p class="note">{esc(line)}</p>')
    parts.append("<h2>Error matrix (sample counts)</h2>"
                 "<p>Rows: map class; columns: reference class.</p>")
    parts.append(_table(["map \\ reference", *a.classes, "total"],
                        _matrix_rows(a, a.counts.astype(float), lambda v: f"{int(v)}")))
    if a.proportions is not None:
        parts.append("<h2>Error matrix (estimated area proportions)</h2>"
                     "<p>p<sub>ij</sub> = W<sub>i</sub> n<sub>ij</sub> / n<sub>i.</sub> "
                     "(Olofsson et al. 2014, eq. 4); W<sub>i</sub> = mapped proportion of "
                     "class i.</p>")
        parts.append(_table(["map \\ reference", *a.classes, "total"],
                            _matrix_rows(a, a.proportions, lambda v: f"{v:.4f}")))
    parts.append("<h2>Accuracy per class</h2>")
    acc_rows = []
    for i, name in enumerate(a.classes):
        ua_half = _half(a.users_accuracy_se, i)
        pa_half = _half(a.producers_accuracy_se, i)
        acc_rows.append([name, _pm(a.users_accuracy[i], ua_half),
                         _pm(a.producers_accuracy[i], pa_half), _fmt(a.f1[i]),
                         str(int(a.counts[i].sum())), str(int(a.counts[:, i].sum()))])
    parts.append(_table(["class", "user's accuracy", "producer's accuracy", "F1",
                         "units mapped as", "units seen as"], acc_rows))
    if a.area_estimates:
        parts.append("<p>± : half-width of the 95 % confidence interval (1.96 standard "
                     "errors).</p>")
        parts.append("<h2>Area-adjusted class areas</h2>")
        header = ["class", f"mapped area ({ctx.area_units})", "estimated proportion",
                  f"estimated area ({ctx.area_units})", f"standard error ({ctx.area_units})"]
        if ctx.hectares:
            header += ["mapped area (ha)", "estimated area (ha), 95 % CI"]
        rows = []
        mapped, area, se, ci = a.mapped_area, a.area, a.area_se, a.area_ci95
        for i, name in enumerate(a.classes):
            row = [name, _area(_at(mapped, i)),
                   _pm(_at(a.area_proportion, i), _half(a.area_proportion_se, i), 4),
                   f"{_area(_at(area, i))} ± {_area(_at(ci, i))}", _area(_at(se, i))]
            if ctx.hectares and mapped is not None and area is not None and ci is not None:
                row += [_area(mapped[i] / 1e4),
                        f"{_area(area[i] / 1e4)} ± {_area(ci[i] / 1e4)}"]
            rows.append(row)
        parts.append(_table(header, rows))
    parts.append("<h2>Plot</h2>")
    parts.append(svg_plot(a))
    parts.append(
        "<h2>Method</h2><p>Estimators of Olofsson, P., Foody, G. M., Herold, M., Stehman, "
        "S. V., Woodcock, C. E., Wulder, M. A. (2014). Good practices for estimating area "
        "and assessing accuracy of land change. Remote Sensing of Environment 148, 42-57. "
        "Kappa is given for comparison only; the paper recommends against using it.</p>"
    )
    if ctx.created:
        parts.append(f"<p><small>{esc(ctx.created)}</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _half(se: np.ndarray | None, i: int) -> float | None:
    return None if se is None else Z95 * float(se[i])


# --------------------------------------------------------------------------- writing


def write_files(contents: Dict[str, str]) -> List[str]:
    """Write every ``path -> text`` under a temporary name, then rename them all.

    Raises OutputError (problem + fix) and leaves nothing behind when anything fails.
    """
    staged: List[Tuple[str, str]] = []
    try:
        for path, text in contents.items():
            final = Path(path)
            if final.is_dir():
                raise OutputError(msg(
                    "The output path {final} is a folder. Give a file name.",
                    final=final,
                ))
            folder = final.parent if str(final.parent) else Path(".")
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".metamapper-tmp",
                                       dir=folder)
            staged.append((tmp, str(final)))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)
        for tmp, final_path in staged:
            os.replace(tmp, final_path)
    except OSError as exc:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise OutputError(
            msg(
                "Cannot write the report ({value}). Choose a folder you can write to.",
                value=exc.strerror or exc,
            )
        ) from exc
    except OutputError:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    return [final for _, final in staged]
