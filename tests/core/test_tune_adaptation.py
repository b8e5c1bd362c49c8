"""The leave-one-scene-out choice of the band correction's prior scale and L2."""

from metamapper.training.metatrain.tune_adaptation import HEAD_ONLY, markdown, summarise


def _records(table):
    """{scene: {(s, l2): oa}} -> records of both styles, two draws each."""
    out = []
    for scene, row in table.items():
        for (s, l2), oa in row.items():
            for style in ("points", "polygons"):
                for draw in (0, 1):
                    out.append({"scene": scene, "style": style, "draw": draw,
                                "prior_scale": s, "l2": l2, "oa": oa + 0.01 * draw})
    return out


def test_each_scene_is_scored_with_the_setting_chosen_on_the_other_groups():
    a, b = (1.0, 0.1), (0.1, 0.05)
    table = {"salinas_a": {a: 0.9, b: 0.7}, "samson": {a: 0.6, b: 0.85},
             "teamlucc_l5sr_1986": {a: 0.5, b: 0.9}, "teamlucc_l5sr_2001": {a: 0.5, b: 0.9}}
    summary = summarise(_records(table))
    assert summary["chosen"] == b  # best mean over all scenes
    # salinas never sees its own preference; the teamlucc twins are held out together
    assert summary["loso_choice"]["salinas_a"] == b
    assert summary["loso_choice"]["teamlucc_l5sr_1986"] == b
    assert summary["loso_choice"]["samson"] == b
    assert abs(summary["loso"]["points"] - (0.705 + 0.855 + 0.905 + 0.905) / 4) < 1e-9
    summary["draws"] = 2
    summary["k"] = 5
    text = markdown(summary, 12.0)
    assert "| 0.1, 0.05 |" in text and "leave-one-scene-out" in text
    with_head = summarise(_records({s: {**row, HEAD_ONLY: 0.2} for s, row in table.items()}))
    with_head.update(draws=2, k=1)
    assert "| head only (no correction) | 0.205 |" in markdown(with_head, 1.0)
