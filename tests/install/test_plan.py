"""The installer's plan: interpreter, torch index and pip command per platform and Python."""

from __future__ import annotations

from pathlib import Path

import pytest
from metamapper.install import plan
from metamapper.install.paths import default_profile, dependencies_dir, python_tag

LINUX = plan.Platform("Linux", "x86_64", (3, 11))
LINUX_ARM = plan.Platform("Linux", "aarch64", (3, 13))
WINDOWS = plan.Platform("Windows", "AMD64", (3, 12))
MAC_ARM = plan.Platform("Darwin", "arm64", (3, 12))
MAC_INTEL = plan.Platform("Darwin", "x86_64", (3, 12))


def test_qgis_python_is_found_beside_the_qgis_binary(tmp_path):
    nowhere = str(tmp_path / "no-prefix")
    assert plan.qgis_python("/usr/bin/python3.11", "Linux", nowhere) == "/usr/bin/python3.11"
    assert plan.qgis_python("/usr/bin/qgis", "Linux", nowhere) == "python3"
    # a PATH shim (pyenv) is not QGIS's Python: the prefix's versioned interpreter wins
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3.11").write_text("")
    assert plan.qgis_python("/root/.pyenv/shims/python3", "Linux", str(tmp_path),
                            (3, 11)) == str(tmp_path / "bin" / "python3.11")
    assert plan.qgis_python(r"C:\OSGeo4W\bin\qgis-bin.exe", "Windows",
                            r"C:\OSGeo4W\apps\Python312") == str(
        Path(r"C:\OSGeo4W\apps\Python312") / "python.exe")
    assert plan.qgis_python("/Applications/QGIS.app/Contents/MacOS/QGIS", "Darwin",
                            nowhere) == \
        "/Applications/QGIS.app/Contents/MacOS/bin/python3"


def test_linux_x86_gets_the_cpu_torch_index_first_then_the_package_index():
    assert plan.torch_indexes(LINUX, plan.Options()) == [
        ["--index-url", plan.TORCH_CPU], ["--index-url", plan.PYPI]]
    # no CPU wheel index for ARM Linux, Windows or Apple Silicon: their PyPI torch is CPU
    for plat in (LINUX_ARM, WINDOWS, MAC_ARM):
        assert plan.torch_indexes(plat, plan.Options()) == [["--index-url", plan.PYPI]]


def test_cuda_only_when_asked_and_a_driver_answers():
    asked = plan.Options(cuda=True)
    assert plan.torch_indexes(LINUX, asked, driver=False)[0] == ["--index-url", plan.TORCH_CPU]
    assert plan.torch_indexes(LINUX, asked, driver=True)[0] == ["--index-url", plan.TORCH_CUDA]
    assert plan.torch_indexes(WINDOWS, asked, driver=True)[0] == ["--index-url",
                                                                  plan.TORCH_CUDA]
    assert plan.TORCH_CUDA not in str(plan.torch_indexes(MAC_ARM, asked, driver=True))


def test_intel_macs_are_told_the_last_torch_and_stopped():
    with pytest.raises(plan.Unsupported, match=plan.LAST_INTEL_MAC_TORCH):
        plan.steps(MAC_INTEL, ["torch", "rasterio"], plan.Options())
    # without torch to install, nothing stops an Intel Mac
    assert plan.steps(MAC_INTEL, ["rasterio"], plan.Options())[0].requirements == ["rasterio"]


def test_a_folder_of_wheels_contacts_no_index_and_an_index_url_replaces_pypi():
    offline = plan.Options(find_links="/media/wheels")
    for step in plan.steps(LINUX, ["torch", "scikit-learn"], offline):
        assert step.indexes == [["--no-index", "--find-links", "/media/wheels"]]
    mirror = plan.Options(index_url="https://mirror.example/simple")
    torch_step, rest = plan.steps(LINUX, ["torch", "rasterio", "scikit-learn"], mirror)
    assert torch_step.indexes == [["--index-url", "https://mirror.example/simple"]]
    assert rest.requirements == ["rasterio", "scikit-learn"]


def test_the_pip_command_is_a_target_install_of_binary_wheels_with_constraints(tmp_path):
    cmd = plan.pip_command("/usr/bin/python3", tmp_path / "deps", ["rasterio"],
                           ["--index-url", plan.PYPI], tmp_path / "c.txt",
                           plan.Options(proxy="http://proxy:3128"))
    assert cmd[:4] == ["/usr/bin/python3", "-m", "pip", "install"]
    assert cmd[cmd.index("--target") + 1] == str(tmp_path / "deps")
    assert "--only-binary=:all:" in cmd and "--user" not in cmd
    assert cmd[cmd.index("--constraint") + 1] == str(tmp_path / "c.txt")
    assert cmd[cmd.index("--proxy") + 1] == "http://proxy:3128"
    assert cmd[-1] == "rasterio"


def test_constraints_pin_what_this_python_already_has():
    import numpy

    present = plan.installed_versions()
    assert present["numpy"] == numpy.__version__
    assert f"numpy=={numpy.__version__}" in plan.constraints(present)


def test_missing_is_the_plugins_own_check(monkeypatch):
    from metamapper.core import deps

    monkeypatch.setattr(deps.importlib.util, "find_spec",
                        lambda mod: None if mod in ("rasterio", "sklearn") else object())
    assert plan.missing() == ["rasterio", "scikit-learn"]


def test_the_folder_is_in_the_profile_per_python_abi(tmp_path):
    assert python_tag((3, 13)) == "cp313"
    assert dependencies_dir(tmp_path, (3, 11)) == \
        tmp_path / "python" / "dependencies" / "metamapper" / "cp311"
    home = Path("/home/ana")
    assert default_profile("Linux", {}, home) == \
        home / ".local/share/QGIS/QGIS3/profiles/default"
    assert default_profile("Windows", {"APPDATA": r"C:\Users\ana\AppData\Roaming"}, home) == \
        Path(r"C:\Users\ana\AppData\Roaming") / "QGIS/QGIS3/profiles/default"
    assert default_profile("Darwin", {}, home) == \
        home / "Library/Application Support/QGIS/QGIS3/profiles/default"
    assert default_profile("Linux", {"QGIS_CUSTOM_CONFIG_PATH": str(tmp_path)}, home) == \
        tmp_path / "profiles" / "default"


def test_wheelhouse_downloads_binary_wheels_per_platform_and_python(tmp_path):
    linux = plan.wheelhouse_commands("py", tmp_path, "linux_x86_64", "3.11")
    assert [c[-1] for c in linux] == ["torch", "scikit-learn"]
    torch_cmd = linux[0]
    assert torch_cmd[torch_cmd.index("--index-url") + 1] == plan.TORCH_CPU
    assert torch_cmd[torch_cmd.index("--dest") + 1] == str(tmp_path / "linux_x86_64-cp311")
    assert "--only-binary=:all:" in torch_cmd and "manylinux2014_x86_64" in torch_cmd
    win = plan.wheelhouse_commands("py", tmp_path, "win_amd64", "3.12")
    assert win[0][win[0].index("--index-url") + 1] == plan.PYPI
    assert "win_amd64" in win[1] and win[1][win[1].index("--python-version") + 1] == "3.12"
    with pytest.raises(plan.Unsupported, match="known"):
        plan.wheelhouse_commands("py", tmp_path, "solaris", "3.12")
