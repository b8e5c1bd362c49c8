"""What ``metamapper:fewshot_classify`` writes to the Processing log: its inputs and the
result (same translation context)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from ..translation import tr_message, translator

tr = translator("FewShotClassifyAlgorithm")

if TYPE_CHECKING:
    from .classify_checks import GatheredInputs


def log_inputs(feedback, inputs: GatheredInputs, colors: Dict[str, Any]) -> None:
    r = inputs.raster
    feedback.pushInfo(
        tr(
            "Raster: {r_name} ({r_width} x {r_height} px, {r_band_count} band(s), {value})"
        ).format(
            r_name=r.name,
            r_width=r.width,
            r_height=r.height,
            r_band_count=r.band_count,
            value=r.crs.authid() or r.crs.description(),
        )
    )
    t = inputs.training
    feedback.pushInfo(
        tr(
            "Training: {n_t_geometries} feature(s), {n_distinct_labels} classes in "
            "'{inputs_class_field}': {items}"
        ).format(
            n_t_geometries=len(t.geometries),
            n_distinct_labels=len(t.distinct_labels()),
            inputs_class_field=inputs.class_field,
            items=', '.join(str(x) for x in t.distinct_labels()),
        )
    )
    if t.null_labels:
        feedback.pushWarning(
            tr(
                "Skipped {t_null_labels} training feature(s) with an empty or NULL "
                "'{inputs_class_field}'."
            ).format(
                t_null_labels=t.null_labels,
                inputs_class_field=inputs.class_field,
            )
        )
    if t.empty_geometries:
        feedback.pushWarning(tr(
            "Skipped {t_empty_geometries} training feature(s) without geometry."
        ).format(
            t_empty_geometries=t.empty_geometries,
        ))
    if t.not_reprojectable:
        feedback.pushWarning(
            tr(
                "Skipped {t_not_reprojectable} training feature(s) that could not be "
                "reprojected to the raster CRS."
            ).format(
                t_not_reprojectable=t.not_reprojectable,
            )
        )
    if inputs.region is not None:
        feedback.pushInfo(tr(
            "Region: {n_inputs_region_geometries} polygon(s)"
        ).format(
            n_inputs_region_geometries=len(inputs.region.geometries),
        ))
    else:
        feedback.pushInfo(tr("Region: the whole raster"))
    if colors:
        feedback.pushInfo(tr("Class colours: taken from the training layer's categorized style"))


def log_result(feedback, result: Any, skipped: int, support: int | None, seconds: float) -> None:
    feedback.pushInfo(tr(
        "Method: {result_method}; device: {result_device}"
    ).format(
        result_method=result.method,
        result_device=result.device,
    ))
    predicted = getattr(result, "predicted_pixels_per_class", None) or {}
    support_px = getattr(result, "support_pixels", None) or {}
    feedback.pushInfo(tr("Classes (code = name: pixels mapped; labelled pixels found / used):"))
    for name, code in zip(result.classes, result.class_codes):
        line = tr("  {code} = {name}: {mapped} px mapped; {found} labelled px found").format(
            code=code, name=name, mapped=predicted.get(name, 0),
            found=result.pixels_per_class.get(name, 0))
        if name in support_px:
            line += tr(" / {used} used").format(used=support_px[name])
        feedback.pushInfo(line)
    feedback.pushInfo(tr(
        "Pixels classified: {result_region_pixels}"
    ).format(
        result_region_pixels=result.region_pixels,
    ))
    if support is not None:
        feedback.pushInfo(tr(
            "Labelled pixels used (support set): {support}"
        ).format(
            support=support,
        ))
    if skipped:
        feedback.pushInfo(tr("Training features skipped: {skipped}").format(skipped=skipped))
    if result.accuracy_estimate is not None:
        feedback.pushInfo(
            tr(
                "Estimated accuracy: {value:.1f}% ({result_accuracy_method})"
            ).format(
                value=100 * result.accuracy_estimate,
                result_accuracy_method=tr_message(result.accuracy_method),
            )
        )
    else:
        feedback.pushInfo(tr(
            "Accuracy: {value}"
        ).format(
            value=tr_message(result.accuracy_method) or tr('not estimated'),
        ))
    for note in getattr(result, "notes", None) or []:  # wavelengths' source, bad bands
        feedback.pushInfo(tr_message(note))
    times = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
    feedback.pushInfo(tr(
        "Times: {times}; provider total {seconds:.2f} s"
    ).format(
        times=times,
        seconds=seconds,
    ))
    for warning in result.warnings:
        feedback.pushWarning(tr_message(warning))
    feedback.pushInfo(tr(
        "Class map: {result_output_path}"
    ).format(
        result_output_path=result.output_path,
    ))
    if result.confidence_path:
        feedback.pushInfo(tr(
            "Confidence: {result_confidence_path}"
        ).format(
            result_confidence_path=result.confidence_path,
        ))
