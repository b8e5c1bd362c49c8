"""Nested choice of the card's settings: the held-out group never decides its own setting."""

from __future__ import annotations

from metamapper.training import nested_selection as ns

GROUPS = {"a": "a", "b": "b", "c1": "c", "c2": "c", "d": "d"}


def records(oa: dict) -> list:
    """oa: (scene, method) -> OA; one draw per scene, style "random", K = 5."""
    return [{"scene": s, "style": "random", "k": 5, "draw": 0, "method": m, "oa": v}
            for (s, m), v in oa.items()]


def table(variants: dict, base: dict) -> dict:
    oa = {(s, "lr"): v for s, v in base.items()}
    oa.update({(s, "svm"): v - 0.02 for s, v in base.items()})
    for name, per in variants.items():
        oa.update({(s, ns.PREFIX + name): v for s, v in per.items()})
    return oa


BASE = {"a": 0.60, "b": 0.70, "c1": 0.80, "c2": 0.85, "d": 0.99}


def test_a_setting_that_only_helps_the_held_out_scene_is_not_chosen_for_it():
    """'planted' wins hugely on scene a and a little less than 'steady' elsewhere: it is
    chosen wherever a helps to decide, never for a itself, whose figure is steady's."""
    steady = {s: v + 0.02 for s, v in BASE.items()}
    planted = {s: (0.95 if s == "a" else v + 0.015) for s, v in BASE.items()}
    res = ns.nested(records(table({"steady": steady, "planted": planted}, BASE)),
                    GROUPS.get, k=5)
    assert res["groups"]["a"]["chosen"] == ns.PREFIX + "steady"
    assert ns.nested_oa(res, "a", "random", GROUPS.get) == steady["a"]
    assert all(res["groups"][g]["chosen"] == ns.PREFIX + "planted" for g in "bcd")
    assert res["all"]["chosen"] == ns.PREFIX + "planted"


def test_the_easy_scenes_do_not_decide_and_no_headroom_scene_may_lose_a_point():
    """'easy' wins the mean over all scenes through scene d (OA >= 0.90 for every baseline,
    no headroom) but loses 3 points on b: the criterion ranks it after 'fair'."""
    fair = {s: v + 0.01 for s, v in BASE.items()}
    easy = {**{s: v + 0.02 for s, v in BASE.items()}, "b": 0.67, "d": 1.5}
    res = ns.nested(records(table({"fair": fair, "easy": easy}, BASE)), GROUPS.get, k=5)
    assert res["all"] == {"chosen": ns.PREFIX + "fair", "reference": "lr"}
    ok, gain, worst = ns.score(res["table"], res["keys"], ns.PREFIX + "easy", "lr")
    assert not ok and round(worst, 3) == -0.03
    assert "d" not in {s for s, _ in ns.headroom_keys(res["table"], res["keys"])}
    text = ns.markdown(res, GROUPS.get, shipped=ns.PREFIX + "fair")
    assert "Chosen on all groups (what the card ships): **fair**" in text


def test_a_variant_card_overrides_only_the_named_keys():
    card = {"band_correction": {"l2": 0.05, "prior_scale": 0.1, "min_shots": 1},
            "transductive": {"mode": "propagation"}}
    out = ns.variant_card(card, {"band_correction": {"prior_scale": [0.1, 1.0]}})
    assert out["band_correction"] == {"l2": 0.05, "prior_scale": [0.1, 1.0], "min_shots": 1}
    assert card["band_correction"]["prior_scale"] == 0.1  # the original is untouched
    assert out["transductive"] is not card["transductive"]


def test_a_tie_within_half_a_point_goes_to_the_per_task_setting():
    """'fixed' beats 'folds (per task)' by 0.3 points on every headroom scene: a tie, so the
    per-task setting is chosen; by 1 point, 'fixed' is."""
    for lead, expected in ((0.003, "folds"), (0.01, "fixed")):
        per_task = {s: v + 0.02 for s, v in BASE.items()}
        fixed = {s: v + 0.02 + lead for s, v in BASE.items()}
        res = ns.nested(records(table({"fixed": fixed, "folds": per_task}, BASE)),
                        GROUPS.get, k=5)
        assert res["all"]["chosen"] == ns.PREFIX + expected


def test_one_scene_group_alone_gets_the_variant_table_and_no_nested_figure():
    """An outside check scene is run alone (`make evaluate-outside`): nothing can be chosen
    without its group, so the report lists the variants and no nested row, and never fails."""
    one = {"a": 0.60}
    res = ns.nested(records(table({"steady": {"a": 0.62}, "other": {"a": 0.58}}, one)),
                    {"a": "a"}.get, k=5)
    assert res["groups"] == {}
    text = ns.markdown(res, {"a": "a"}.get)
    assert "| steady | 0.620 |" in text and "| other | 0.580 |" in text
    assert "no nested figure" in text and "| all (" not in text


def test_every_variant_names_keys_the_card_reader_knows():
    """A misspelt key would be ignored by the card reader and the variant would silently be
    the shipped card: every override must be a setting the runtime reads."""
    from dataclasses import fields

    from metamapper.core.settings import PropagationSettings

    known = {"band_correction": {"prior_scale", "l2", "max_iter", "min_shots", "combine"},
             "transductive": {f.name for f in fields(PropagationSettings)}
             | {"mode", "soft_kmeans_iters", "max_unlabelled"}}
    for name, overrides in ns.VARIANTS.items():
        for section, values in overrides.items():
            assert section in known, (name, section)
            assert set(values) <= known[section], (name, set(values) - known[section])
