"""Issue 17: every user-visible string is translatable, the zh_CN catalogue is complete, and
the plugin shows Chinese under a zh_CN QGIS and English otherwise.

The strings are extracted from the code by ``scripts/update_ts.py`` (AST: ``tr(...)`` per
context in ui/, provider/, plugin.py; ``msg(...)`` templates in core/), so a new string that
is not in ``i18n/metamapper_zh_CN.ts`` (or is there but unfinished) fails here.
"""

from __future__ import annotations

import importlib.util
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("update_ts", ROOT / "scripts" / "update_ts.py")
update_ts = importlib.util.module_from_spec(spec)
sys.modules["update_ts"] = update_ts  # dataclasses look their module up
spec.loader.exec_module(update_ts)

TS = ROOT / "i18n" / "metamapper_zh_CN.ts"
QM = TS.with_suffix(".qm")


# ------------------------------------------------------------------ the code side
def test_no_user_visible_literal_bypasses_tr() -> None:
    found = [line for path in update_ts.python_files(update_ts.QT_SOURCES)
             for line in update_ts.untranslated_literals(path)]
    assert not found, "wrap these in tr(...):\n" + "\n".join(found)


def test_the_literal_check_catches_untranslated_strings(tmp_path) -> None:
    sample = tmp_path / "widget.py"
    sample.write_text(
        "def build(self, n):\n"
        "    self.button = QPushButton('Run')\n"
        "    self.label.setText(f'{n} classes')\n"
        "    self.label.setToolTip(tr('Fine'))\n"
        "    feedback.pushInfo('Done ' + str(n))\n"
        "    self.addParameter(QgsProcessingParameterNumber('N', 'Number of classes'))\n"
        "    raise QgsProcessingException('No raster')\n"
        "def displayName(self):\n"
        "    return 'Few-shot classify'\n"
    )
    found = update_ts.untranslated_literals(sample)
    assert len(found) == 6, found
    assert not any("Fine" in line for line in found)


def test_extraction_finds_every_context_and_no_dynamic_tr() -> None:
    extraction = update_ts.extract()
    assert not extraction.problems, extraction.problems
    contexts = {context for context, _ in extraction.entries}
    assert {"core", "MetaMapperPanel", "MetaMapperPlugin", "FewShotClassifyAlgorithm",
            "AssessAccuracyAlgorithm", "ValidationSampleAlgorithm"} <= contexts
    assert ("MetaMapperPanel", "Run") in extraction.entries
    assert ("core", "Cancelled by the user; no output was written.") in extraction.entries


def test_zh_cn_catalogue_is_complete_and_keeps_the_fields() -> None:
    problems = update_ts.catalogue_problems(TS, update_ts.extract())
    assert not problems, "run scripts/update_ts.py and translate:\n" + "\n".join(problems)


def test_catalogue_check_reports_missing_unfinished_and_wrong_fields(tmp_path) -> None:
    extraction = update_ts.Extraction()
    extraction.add("ctx", "Run", "x.py:1")
    extraction.add("ctx", "{n} classes", "x.py:2")
    extraction.add("ctx", "Cancel", "x.py:3")
    ts = tmp_path / "t.ts"
    ts.write_text('<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1">'
                  "<context><name>ctx</name>"
                  "<message><source>Run</source><translation type=\"unfinished\"/></message>"
                  "<message><source>{n} classes</source><translation>{k} 个类别</translation>"
                  "</message></context></TS>", encoding="utf-8")
    problems = update_ts.catalogue_problems(ts, extraction)
    assert len(problems) == 3
    assert any(p.startswith("missing") and "Cancel" in p for p in problems)
    assert any(p.startswith("unfinished") and "Run" in p for p in problems)
    assert any(p.startswith("fields") for p in problems)


def test_update_keeps_translations_and_adds_new_strings_unfinished(tmp_path) -> None:
    ts = tmp_path / "t.ts"
    extraction = update_ts.Extraction()
    extraction.add("ctx", "Run", "x.py:1")
    update_ts.write_ts(ts, "zh_CN", extraction)
    ts.write_text(ts.read_text(encoding="utf-8").replace(
        '<translation type="unfinished" />', "<translation>运行</translation>"),
        encoding="utf-8")
    extraction.add("ctx", "Cancel", "x.py:2")
    total, unfinished = update_ts.write_ts(ts, "zh_CN", extraction)
    assert (total, unfinished) == (2, 1)
    assert update_ts.read_ts(ts)[("ctx", "Run")] == ("运行", None)


def test_core_messages_stay_english_and_carry_their_template() -> None:
    from metamapper.core.errors import Cancelled, RasterError
    from metamapper.core.messages import Message, msg, render

    text = msg("Raster {name} has {n:.1f} bands", name="a.tif", n=3)
    assert text == "Raster a.tif has 3.0 bands" and isinstance(text, str)
    assert text.template == "Raster {name} has {n:.1f} bands"
    assert pickle.loads(pickle.dumps(text)).params == {"name": "a.tif", "n": 3}
    error = RasterError(text)
    assert str(error) == "Raster a.tif has 3.0 bands" and error.message is text
    assert isinstance(Cancelled().message, Message)
    nested = msg("Outer: {inner}", inner=msg("inner"))
    table = {"Outer: {inner}": "外：{inner}", "inner": "内"}
    assert render(nested, table.get) == "外：内"
    assert render("plain", table.get) == "plain"
    # a translation with a broken field falls back to English instead of failing
    assert render(text, lambda t: "{oops}") == "Raster a.tif has 3.0 bands"


# ------------------------------------------------------------------ Qt side
@pytest.fixture(scope="module")
def compiled_catalogue() -> Path:
    """The .qm that make builds (built here when missing or older than the .ts)."""
    if not QM.is_file() or QM.stat().st_mtime < TS.stat().st_mtime:
        lrelease = shutil.which("lrelease")
        if lrelease is None:
            pytest.skip("lrelease missing (make install provides it)")
        subprocess.run([lrelease, "-silent", str(TS), "-qm", str(QM)], check=True,
                       env={"QT_SELECT": "qt5", "PATH": "/usr/bin:/bin"})
    return QM


@pytest.fixture()
def zh_cn(qgis_app, compiled_catalogue):
    from metamapper.translation import install_translator, remove_translator

    translator = install_translator("zh_CN")
    assert translator is not None
    yield translator
    remove_translator(translator)


def test_zh_cn_translates_panel_provider_and_core_errors(zh_cn) -> None:
    from metamapper.core.errors import RegionError
    from metamapper.core.messages import msg
    from metamapper.provider.fewshot_classify import FewShotClassifyAlgorithm
    from metamapper.translation import error_text, translator
    from metamapper.ui.run_task import summary

    alg = FewShotClassifyAlgorithm()
    assert alg.displayName() == "小样本栅格分类"
    assert alg.group() == "栅格分类"
    assert "<h3>参数</h3>" in alg.shortHelpString()
    assert "\n" not in alg.shortHelpString()  # Processing makes a paragraph of each line
    assert translator("MetaMapperPanel")("Run") == "运行"
    error = RegionError(msg("The region holds no valid pixel (it is entirely nodata or "
                            "masked). Choose a region over valid raster data."))
    assert error_text(error) == ("研究区内没有有效像元（全部为 NoData 或被掩膜）。"
                                 "请选择位于有效栅格数据上的研究区。")
    assert str(error).startswith("The region holds")  # the engine's text stays English
    line = summary({"CLASSES": "water,forest", "CLASS_COUNT": 2, "REGION_PIXELS": 1000,
                    "DEVICE_USED": "cpu", "ACCURACY_ESTIMATE": 0.9}, 2.0)
    assert line == ("制图完成：2 个类别（water,forest），1,000 个像元，设备 cpu，2.0 秒，"
                    "估计精度 90%")


def test_zh_cn_processing_parameters_are_chinese(zh_cn) -> None:
    from metamapper.provider.fewshot_classify import FewShotClassifyAlgorithm

    alg = FewShotClassifyAlgorithm()
    alg.initAlgorithm()
    assert alg.parameterDefinition("INPUT").description() == "待分类栅格"
    assert alg.parameterDefinition("CLASS_FIELD").description() == "类别字段（文本或整数）"


def test_english_locale_installs_nothing_and_strings_stay_english(qgis_app,
                                                                  compiled_catalogue) -> None:
    from metamapper.provider.fewshot_classify import FewShotClassifyAlgorithm
    from metamapper.translation import catalogue_for, install_translator, translator

    for locale in ("en", "en_US", "en_GB", "C", "xx_YY", ""):
        assert catalogue_for(locale) is None
        assert install_translator(locale) is None
    assert catalogue_for("zh_CN") == compiled_catalogue
    assert catalogue_for("zh-Hans") == compiled_catalogue  # QGIS's Simplified Chinese
    assert catalogue_for("zh_TW") is None and catalogue_for("zh-Hant") is None
    assert FewShotClassifyAlgorithm().displayName() == "Few-shot classify raster"
    assert translator("MetaMapperPanel")("Run") == "Run"


def test_plugin_follows_qgis_locale_and_removes_its_translator(qgis_app, compiled_catalogue,
                                                               qgis_iface) -> None:
    from metamapper.plugin import MetaMapperPlugin
    from metamapper.translation import qgis_locale, translator
    from qgis.core import QgsSettings

    settings = QgsSettings()
    saved = {k: settings.value(k) for k in ("locale/overrideFlag", "locale/userLocale")}
    tr = translator("MetaMapperPlugin")
    try:
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", "zh_CN")
        assert qgis_locale() == "zh_CN"
        plugin = MetaMapperPlugin(qgis_iface)
        assert plugin.translator is not None
        assert tr("MetaMapper: few-shot classify…") == "MetaMapper：小样本分类…"
        plugin.unload()
        assert plugin.translator is None
        assert tr("MetaMapper: few-shot classify…") == "MetaMapper: few-shot classify…"

        settings.setValue("locale/userLocale", "en_US")  # switched back to English
        english = MetaMapperPlugin(qgis_iface)
        assert english.translator is None
        assert tr("MetaMapper: few-shot classify…") == "MetaMapper: few-shot classify…"
        english.unload()

        settings.setValue("locale/overrideFlag", False)  # not overridden: the system's
        from qgis.PyQt.QtCore import QLocale

        assert qgis_locale() == QLocale().name()
    finally:
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)


# ------------------------------------------------------------------ a real QGIS window
@pytest.mark.xvfb
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("qgis") is None,
                    reason="needs QGIS and xvfb-run (make install provides both)")
def test_real_qgis_window_in_zh_cn_refuses_bad_input_in_chinese(tmp_path,
                                                                compiled_catalogue) -> None:
    """QGIS started with locale/userLocale=zh_CN: the panel and its refusal are Chinese."""
    sys.path.insert(0, str(ROOT))
    from scripts.bad_input_screenshot import probe
    from scripts.qgis_window import run_probe

    png = tmp_path / "zh_CN_error.png"
    report = run_probe(probe(png), timeout=180, locale="zh_CN")
    assert report["started"] is False
    assert report["run_button"] == "运行"
    assert "至少需要两个类别" in report["error"]
    assert report["count_label"].startswith("1 个选中要素")
    assert png.stat().st_size > 10_000


def test_help_is_one_line_and_cjk_breaks_leave_no_space() -> None:
    """Processing's dialog makes a paragraph of every line of a help (formatHelp)."""
    from metamapper.translation import help_html

    assert help_html("<p>One sentence\nwrapped.</p>\n<h3>Parameters</h3>") == (
        "<p>One sentence wrapped.</p> <h3>Parameters</h3>")
    assert help_html("<p>按类别\n采样。</p>\n<dl>") == "<p>按类别采样。</p> <dl>"
