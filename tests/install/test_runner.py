"""The installer against a package index on loopback: what lands where, and what goes wrong.

Tiny generated wheels stand in for the real packages (no network in tests): ``mmfake-core``
needs ``numpy`` at exactly this Python's version, and the index serves a fake numpy of that
version, as PyPI would serve the real one to ``pip --target``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy
import pytest
from metamapper.install import activate, plan, runner
from metamapper.install.paths import dependencies_dir

from tests.install.wheel_index import closed_port, make_wheel, serve, write_simple_index


@pytest.fixture(scope="module")
def index_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("index")
    wheels = tmp_path_factory.mktemp("wheels")
    write_simple_index(root, [
        make_wheel(wheels, "mmfake-core", "1.0", requires=["numpy"]),
        make_wheel(wheels, "mmfake-core", "2.0", requires=["numpy"]),
        make_wheel(wheels, "numpy", numpy.__version__),
    ])
    return root


@pytest.fixture(autouse=True)
def forget_fakes():
    before = list(sys.path)
    yield
    sys.path[:] = before
    for name in [m for m in sys.modules if m.startswith("mmfake")]:
        del sys.modules[name]


def _install(profile, url, needed=("mmfake-core",), **kw):
    log: list = []
    opts = kw.pop("opts", plan.Options(index_url=f"{url}/simple"))
    report = runner.install(profile, opts, log=log.append, needed=list(needed),
                            python=sys.executable, **kw)
    return report, log


def test_an_install_lands_in_the_profile_without_numpy_and_works_without_restart(
        tmp_path, index_root):
    profile = tmp_path / "profile"
    numpy_file, numpy_version = numpy.__file__, numpy.__version__
    with serve(index_root) as url:
        report, log = _install(profile, url)
    folder = dependencies_dir(profile)
    assert (folder / "mmfake_core" / "__init__.py").is_file()
    assert not (folder / "numpy").exists() and not list(folder.glob("numpy*"))
    assert "numpy" in report.removed and report.installed == ["mmfake-core"]
    assert any("QGIS already provides" in line for line in log)
    assert not list(folder.parent.glob("*.staging"))
    activate(str(profile))
    module = importlib.import_module("mmfake_core")
    assert module.__version__ == "2.0" and Path(module.__file__).is_relative_to(folder)
    # in a fresh Python with the folder on its path, QGIS's numpy and GDAL are unchanged
    import subprocess

    probe = ("import sys; sys.path.append(sys.argv[1]); import numpy; "
             "from osgeo import gdal_array; "
             "ds = gdal_array.OpenArray(numpy.zeros((2, 3), numpy.uint8)); "
             "print(numpy.__file__, numpy.__version__, ds.RasterXSize)")
    out = subprocess.run([sys.executable, "-c", probe, str(folder)], check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == [numpy_file, numpy_version, "3"]


def test_a_closed_cpu_index_falls_back_to_the_next_index(tmp_path, index_root):
    folder = tmp_path / "deps"
    folder.mkdir()
    report = runner.Report(folder)
    log: list = []
    dead = ["--index-url", f"http://127.0.0.1:{closed_port()}/simple"]
    with serve(index_root) as url:
        step = plan.Step(["mmfake-core==1.0"], [dead, ["--index-url", f"{url}/simple"]],
                         "mmfake-core")
        runner._run_step(step, sys.executable, folder, None, plan.Options(), log.append,
                         lambda: False, report)
    assert report.sources == [f"mmfake-core from --index-url {url}/simple"]
    assert any("trying the next index" in line for line in log)
    assert (folder / "mmfake_core").is_dir()


def test_a_missing_package_fails_clearly_and_changes_nothing(tmp_path, index_root):
    profile = tmp_path / "profile"
    with serve(index_root) as url:
        _install(profile, url)
        before = sorted(p.name for p in dependencies_dir(profile).iterdir())
        with pytest.raises(runner.InstallError, match="Could not install mmfake-absent"):
            _install(profile, url, needed=["mmfake-absent"])  # the index answers 404
    assert sorted(p.name for p in dependencies_dir(profile).iterdir()) == before


def test_a_killed_install_leaves_the_previous_state_usable(tmp_path, index_root):
    profile = tmp_path / "profile"
    with serve(index_root) as url:
        _install(profile, url, opts=plan.Options(index_url=f"{url}/simple"),
                 needed=["mmfake-core==1.0"])
        lines: list = []

        def cancel_once_running() -> bool:
            return len(lines) > 1  # pip has started writing into the staging folder

        with pytest.raises(runner.Cancelled):
            runner.install(profile, plan.Options(index_url=f"{url}/simple"),
                           log=lines.append, is_cancelled=cancel_once_running,
                           needed=["mmfake-core==2.0"], python=sys.executable)
    folder = dependencies_dir(profile)
    assert not list(folder.parent.glob("*.staging"))
    activate(str(profile))
    assert importlib.import_module("mmfake_core").__version__ == "1.0"


def test_a_read_only_profile_gets_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(runner.os, "access", lambda path, mode: False)
    with pytest.raises(runner.InstallError, match="is not writable"):
        runner.install(tmp_path / "profile", needed=["rasterio"], python=sys.executable)


def test_with_everything_present_a_second_install_does_nothing(tmp_path):
    report = runner.install(tmp_path / "profile", python=sys.executable)
    assert report.nothing_to_do and not (tmp_path / "profile").exists()


def test_the_headless_door_reports_what_it_would_do(tmp_path, monkeypatch, capsys):
    from metamapper.install.__main__ import main

    monkeypatch.setenv("QGIS_CUSTOM_CONFIG_PATH", str(tmp_path))
    assert main(["--yes"]) == 0
    out = capsys.readouterr().out
    assert "nothing to install" in out and "numpy:" in out
    assert str(tmp_path / "profiles" / "default" / "python" / "dependencies") in out


def test_a_wheel_without_top_level_txt_is_pruned_with_its_vendored_libraries(tmp_path):
    """numpy 2 wheels (meson-python) have no top_level.txt and ship ``numpy.libs``: the
    importable names come from RECORD, and the libraries go with the package."""
    staging = tmp_path / "staging"
    (staging / "numpy").mkdir(parents=True)
    (staging / "numpy" / "__init__.py").write_text("")
    (staging / "numpy.libs").mkdir()
    (staging / "bin").mkdir()
    info = staging / "numpy-9.9.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("numpy/__init__.py,,\nnumpy.libs/libx.so,,\n"
                                 "../../bin/f2py,,\nnumpy-9.9.dist-info/RECORD,,\n")
    removed = runner.prune_provided(staging, lambda line: None)
    assert removed == ["numpy"]
    assert sorted(p.name for p in staging.iterdir()) == ["bin"]
