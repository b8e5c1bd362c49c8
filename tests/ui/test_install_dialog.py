"""The installer's QGIS side: the task runs the installer and hands its log to the dialog."""

from __future__ import annotations

import sys

import numpy
from metamapper.install import plan
from metamapper.install.paths import dependencies_dir

from tests.install.wheel_index import make_wheel, serve, write_simple_index


def test_the_install_task_installs_and_reports_through_its_log(tmp_path, monkeypatch):
    """run() (the worker thread's part) installs from a loopback index; its log lines are
    kept under a lock for the dialog's timer; finished() hands the task back."""
    from metamapper.ui import install_dialog

    monkeypatch.setattr(plan, "qgis_python", lambda *a, **k: sys.executable)
    wheels = tmp_path / "wheels"
    root = tmp_path / "index"
    write_simple_index(root, [make_wheel(wheels, "mmfake-ui", "1.0", requires=["numpy"]),
                              make_wheel(wheels, "numpy", numpy.__version__)])
    done = []
    with serve(root) as url:
        task = install_dialog.InstallTask(tmp_path / "profile",
                                          plan.Options(index_url=f"{url}/simple"),
                                          ["mmfake-ui"], done.append)
        assert task.run() is True
    task.finished(True)
    assert done == [task] and task.error is None
    lines = task.take_lines()
    assert any(line.startswith("$ ") and "--target" in line for line in lines)
    assert task.take_lines() == []  # taken once
    assert (dependencies_dir(tmp_path / "profile") / "mmfake_ui").is_dir()


def test_the_dialog_passes_qgis_proxy_to_pip():
    from metamapper.ui.install_dialog import qgis_proxy

    settings = {"proxy/proxyEnabled": "true", "proxy/proxyHost": "proxy.example",
                "proxy/proxyPort": "3128", "proxy/proxyUser": "ana",
                "proxy/proxyPassword": "s3cret"}
    assert qgis_proxy(lambda k, d=None: settings.get(k, d)) == \
        "http://ana:s3cret@proxy.example:3128"
    assert qgis_proxy(lambda k, d=None: {"proxy/proxyEnabled": "false"}.get(k, d)) is None
