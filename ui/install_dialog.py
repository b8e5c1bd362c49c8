"""Plugins ▸ MetaMapper ▸ Install dependencies…: the installer (``install``) as a QgsTask.

Thin: the dialog gathers the choices (package index, a folder of wheels, CUDA) and shows
the log; :class:`InstallTask` runs ``install.runner.install`` in the background. Its
``run()`` touches no QObject of the main thread: log lines go into a plain list under a
lock, which the dialog's timer copies into the log view.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable, List

from qgis.core import QgsApplication, QgsSettings, QgsTask
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..translation import translator

tr = translator("InstallDialog")


def qgis_proxy(get: Callable[[str, Any], Any]) -> str | None:
    """QGIS's network proxy (Settings ▸ Options ▸ Network) as pip's ``--proxy`` URL."""
    if str(get("proxy/proxyEnabled", "false")).lower() not in ("true", "1"):
        return None
    host = str(get("proxy/proxyHost", "") or "")
    if not host:
        return None
    port = str(get("proxy/proxyPort", "") or "")
    user = str(get("proxy/proxyUser", "") or "")
    password = str(get("proxy/proxyPassword", "") or "")
    auth = f"{user}:{password}@" if user else ""
    return f"http://{auth}{host}" + (f":{port}" if port else "")


class InstallTask(QgsTask):
    """Runs the installer; the result and log are read by the dialog when it finishes."""

    def __init__(self, profile: Path, opts: Any, needed: List[str],
                 on_done: Callable[[InstallTask], None]) -> None:
        super().__init__(tr("MetaMapper: installing Python packages"),
                         QgsTask.Flag.CanCancel)
        self.profile, self.opts, self.needed = profile, opts, needed
        self.on_done = on_done
        self.lines: List[str] = []
        self.lock = threading.Lock()
        self.error: str | None = None
        self.report: Any = None

    def log(self, line: str) -> None:
        with self.lock:
            self.lines.append(line)

    def take_lines(self) -> List[str]:
        with self.lock:
            out, self.lines = self.lines, []
        return out

    def run(self) -> bool:  # worker thread: no QObject of the main thread is touched
        from ..install import plan, runner

        try:
            self.report = runner.install(self.profile, self.opts, log=self.log,
                                         is_cancelled=self.isCanceled, needed=self.needed,
                                         progress=lambda f: self.setProgress(100 * f))
            return True
        except (runner.InstallError, plan.Unsupported) as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure is shown, never raised in QGIS
            self.error = f"{type(exc).__name__}: {exc}"
        return False

    def finished(self, result: bool) -> None:  # main thread
        self.on_done(self)


class InstallDialog(QDialog):
    """What is missing, where it goes, the options, and the log of the install."""

    def __init__(self, parent: QWidget | None = None, on_installed: Callable[[], None] | None
                 = None) -> None:
        super().__init__(parent)
        from ..install import plan, runner
        from ..install.paths import dependencies_dir, profile_dir

        self.setWindowTitle(tr("MetaMapper: install dependencies"))
        self.setObjectName("MetaMapperInstallDialog")
        self.on_installed = on_installed
        self.profile = profile_dir()
        self.folder = dependencies_dir(self.profile)
        from ..core import deps

        self.needed = deps.missing_runtime_packages()
        self.task: InstallTask | None = None
        layout = QVBoxLayout(self)
        summary = (tr("Missing: {packages}. They will be installed into {folder} (your QGIS "
                      "profile: a plugin update keeps them), with QGIS's own Python.")
                   .format(packages=", ".join(self.needed), folder=self.folder)
                   if self.needed else tr("Every package MetaMapper needs is installed."))
        label = QLabel(summary)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addLayout(self._options(plan))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        layout.addWidget(self.progress)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setObjectName("MetaMapperInstallLog")
        self.log_view.setPlainText("\n".join(runner.diagnostics(self.folder)))
        layout.addWidget(self.log_view, 1)
        layout.addWidget(self._buttons())
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._pump)
        self.resize(720, 480)

    def _options(self, plan: Any) -> QFormLayout:
        form = QFormLayout()
        self.index_edit = QLineEdit()
        self.index_edit.setPlaceholderText(plan.PYPI)
        form.addRow(tr("Package index"), self.index_edit)
        row = QHBoxLayout()
        self.wheels_edit = QLineEdit()
        self.wheels_edit.setPlaceholderText(tr("offline: a folder of wheels (make wheelhouse)"))
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.wheels_edit, 1)
        row.addWidget(browse)
        form.addRow(tr("Folder of wheels"), row)
        self.cuda_box = QCheckBox(tr("CUDA build of torch (several GB; only with an NVIDIA "
                                     "driver)"))
        self.cuda_box.setEnabled(plan.cuda_driver())
        form.addRow("", self.cuda_box)
        return form

    def _buttons(self) -> QDialogButtonBox:
        box = QDialogButtonBox()
        self.install_button = box.addButton(tr("Install"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.install_button.setEnabled(bool(self.needed))
        self.install_button.clicked.connect(self.start)
        self.cancel_button = box.addButton(tr("Cancel install"),
                                           QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        copy = box.addButton(tr("Copy log"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(
            self.log_view.toPlainText()))
        close = box.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        return box

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Folder of wheels"))
        if folder:
            self.wheels_edit.setText(folder)

    def options(self) -> Any:
        from ..install import plan

        return plan.Options(index_url=self.index_edit.text().strip() or None,
                            find_links=self.wheels_edit.text().strip() or None,
                            cuda=self.cuda_box.isChecked(),
                            proxy=qgis_proxy(QgsSettings().value))

    def start(self) -> None:
        """Start the install task (QGIS's task manager shows it too, with Cancel)."""
        self.install_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.task = InstallTask(self.profile, self.options(), list(self.needed), self._done)
        self.task.progressChanged.connect(lambda v: self.progress.setValue(int(v)))
        QgsApplication.taskManager().addTask(self.task)
        self.timer.start(200)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _pump(self) -> None:
        if self.task is not None:
            for line in self.task.take_lines():
                self.log_view.appendPlainText(line)

    def _done(self, task: InstallTask) -> None:
        from ..install import activate

        self._pump()
        self.timer.stop()
        self.cancel_button.setEnabled(False)
        if task.error is None and not task.isCanceled():
            activate(str(self.profile))
            self.progress.setValue(100)
            self.log_view.appendPlainText(tr("Done: MetaMapper can run now (no restart "
                                             "needed)."))
            if self.on_installed is not None:
                self.on_installed()
        else:
            self.install_button.setEnabled(True)
            self.log_view.appendPlainText(task.error or tr("Install cancelled; nothing was "
                                                           "changed."))
        self.task = None
