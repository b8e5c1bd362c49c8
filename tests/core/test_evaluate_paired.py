"""``evaluate --paired-with``: the plugin default against an earlier run (another card), per
scene group, paired on the same draws (issue 33's bar: no group a point below card 1.0.0)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from metamapper.training.evaluate import main
from metamapper.training.evaluate_report import paired_groups, paired_markdown
from metamapper.training.metatrain.scenes import scene_group

from tests.core.test_evaluate import write_scene
from tests.model_factory import make_model_file


def rec(scene: str, draw: int, oa: float, method: str = "metamapper_propagation",
        style: str = "points", k: int = 5) -> dict:
    return {"scene": scene, "style": style, "k": k, "draw": draw, "method": method, "oa": oa}


def test_pairs_only_common_draws_and_groups_twins():
    now = [rec("teamlucc_l5sr_1986", 0, 0.90), rec("teamlucc_l5sr_2001", 0, 0.80),
           rec("samson", 0, 0.95), rec("samson", 1, 0.97), rec("samson", 2, 0.99),
           rec("samson", 0, 0.10, method="random_forest_px"), rec("samson", 0, 0.5, k=1)]
    then = [rec("teamlucc_l5sr_1986", 0, 0.92), rec("teamlucc_l5sr_2001", 0, 0.84),
            rec("samson", 0, 0.94), rec("samson", 1, 0.96)]  # no draw 2
    out = paired_groups(now, then, scene_group)
    assert set(out) == {("points", "teamlucc"), ("points", "samson")}
    a, b, d, se, n = out[("points", "teamlucc")]  # the twins are one group, two pairs
    assert n == 2 and a == pytest.approx(0.88) and b == pytest.approx(0.85)
    assert d == pytest.approx(-0.03) and se == pytest.approx(0.01)
    a, b, d, se, n = out[("points", "samson")]  # draw 2, the other method and K=1 left out
    assert n == 2 and d == pytest.approx(0.01) and se == pytest.approx(0.0)


def test_markdown_marks_groups_more_than_a_point_below():
    paired = {("points", "samson"): (0.95, 0.94, -0.012, 0.004, 10),
              ("points", "teamlucc"): (0.90, 0.895, -0.005, 0.004, 20),
              ("polygons", "samson"): (0.90, 0.93, 0.03, 0.01, 10)}
    text = paired_markdown(paired, "card 1.0.0")
    assert "| samson | 0.950 | 0.940 | -1.20 (0.40) (!) | 10 |" in text
    assert "| teamlucc | 0.900 | 0.895 | -0.50 (0.40) | 20 |" in text
    assert text.rstrip().endswith("More than a point below card 1.0.0: samson (points, -1.2).")
    calm = paired_markdown({("points", "samson"): (0.9, 0.9, 0.0, 0.0, 3)}, "card 1.0.0")
    assert calm.rstrip().endswith("More than a point below card 1.0.0: no scene group.")
    assert paired_markdown({}, "card 1.0.0") == ""


def test_paired_with_writes_the_report(tmp_path):
    """End to end: a quick run, then its records against a copy in which one draw of the
    plugin default was two points better: that group is marked, the file is written."""
    img, lab = write_scene(tmp_path)
    model = make_model_file(tmp_path, episodes=20)
    run = tmp_path / "run"
    base = ["--no-shared", "--no-supervised", "--model", str(model), "--shots", "5",
            "--styles", "points", "--scene", f"{img}:{lab}::tiny"]
    assert main([*base, "--draws", "2", "--out", str(run)]) == 0
    records = [json.loads(x) for x in (run / "benchmarks-records.jsonl").read_text().splitlines()]
    mine = [r for r in records if r["method"] == "metamapper_propagation"]
    assert len(mine) == 2
    earlier = tmp_path / "earlier.jsonl"
    better = [dict(r, oa=r["oa"] + 0.04) if r in mine[:1] else r for r in records]
    earlier.write_text("".join(json.dumps(r) + "\n" for r in better))
    out = tmp_path / "paired"
    assert main([*base, "--from-records", str(run / "benchmarks-records.jsonl"),
                 "--paired-with", f"{earlier}:card X", "--out", str(out)]) == 0
    text = (out / "paired.md").read_text()
    oa = np.mean([r["oa"] for r in mine])
    assert f"| tiny | {oa + 0.02:.3f} | {oa:.3f} | -2.00 (2.00) (!) | 2 |" in text
    assert "More than a point below card X: tiny (points, -2.0)." in text
