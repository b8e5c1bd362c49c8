"""Run the plan: pip into a staging folder, drop what QGIS already has, then swap it in.

Nothing half-installed is ever on ``sys.path``: pip writes into ``<folder>.staging``; only
after every step succeeded are the new packages moved into the dependency folder, entry by
entry. A killed or cancelled install leaves the staging folder (removed by the next run) and
the previous folder as it was.
"""

from __future__ import annotations

import os
import platform as _platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Sequence

from . import plan
from .paths import dependencies_dir

Log = Callable[[str], None]


class InstallError(Exception):
    """The install did not complete; the message says why and what to do."""


class Cancelled(InstallError):
    pass


@dataclass
class Report:
    """What an install did, for the log the user can copy."""

    folder: Path
    installed: List[str] = field(default_factory=list)
    removed: List[str] = field(default_factory=list)  # copies of what QGIS already has
    sources: List[str] = field(default_factory=list)  # "torch from <index>"
    nothing_to_do: bool = False


def diagnostics(folder: Path, qgis_version: str | None = None) -> List[str]:
    """QGIS, Python, numpy, GDAL and platform: the lines a bug report needs."""
    lines = [f"QGIS: {qgis_version or _qgis_version()}",
             f"Python: {sys.version.split()[0]} ({plan.qgis_python()})",
             f"Platform: {_platform.platform()} {_platform.machine()}"]
    try:
        import numpy

        lines.append(f"numpy: {numpy.__version__} ({Path(numpy.__file__).parent})")
    except ImportError:
        lines.append("numpy: not installed")
    try:
        from osgeo import gdal

        lines.append(f"GDAL: {gdal.__version__}")
    except ImportError:
        lines.append("GDAL (osgeo): not importable")
    lines.append(f"Dependency folder: {folder}")
    return lines


def _qgis_version() -> str:
    if "qgis.core" not in sys.modules:
        return "not running (headless install)"
    try:
        from qgis.core import Qgis

        return str(Qgis.QGIS_VERSION)
    except Exception:  # noqa: BLE001
        return "unknown"


def check_writable(folder: Path) -> None:
    """A clear message (not a pip traceback) when the profile cannot be written."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InstallError(
            f"The QGIS profile folder {probe} is not writable, so MetaMapper cannot install "
            "its packages there. Ask your administrator to install torch, rasterio and "
            "scikit-learn for QGIS's Python, or run `python3 -m metamapper.install --profile "
            "<a writable QGIS profile folder>`.")


def provided_elsewhere(top_level: str, folder: Path) -> bool:
    """``top_level`` importable from somewhere else than ``folder`` (QGIS has it)."""
    import importlib.machinery

    paths = [p for p in sys.path if p and Path(p).resolve() != folder.resolve()
             and not str(Path(p).resolve()).startswith(str(folder.resolve()))]
    return importlib.machinery.PathFinder.find_spec(top_level, paths) is not None


def _top_levels(dist_info: Path) -> List[str]:
    """The top-level names a wheel installed (top_level.txt, else RECORD's first parts)."""
    top = dist_info / "top_level.txt"
    if top.is_file():
        return [n.strip() for n in top.read_text().splitlines() if n.strip()]
    names = set()
    record = dist_info / "RECORD"
    if record.is_file():
        for line in record.read_text().splitlines():
            first = line.split(",")[0].split("/")[0]
            name = first[:-3] if first.endswith(".py") else first
            # importable names only: not <pkg>.libs (vendored libraries), bin/, ../
            if name.isidentifier() and name != "bin":
                names.add(name)
    return sorted(names)


def prune_provided(staging: Path, log: Log) -> List[str]:
    """Remove from ``staging`` every distribution whose packages QGIS already provides
    (pip --target installs dependencies even when they are present: numpy, most often)."""
    removed = []
    for dist_info in sorted(staging.glob("*.dist-info")):
        tops = _top_levels(dist_info)
        if tops and all(provided_elsewhere(t, staging) for t in tops):
            for t in tops:
                for cand in (staging / t, staging / f"{t}.py", staging / f"{t}.libs"):
                    if cand.is_dir():
                        shutil.rmtree(cand)
                    elif cand.exists():
                        cand.unlink()
            name = dist_info.name.split("-")[0]
            shutil.rmtree(dist_info)
            removed.append(name)
            log(f"Removed {name}: QGIS already provides it (kept QGIS's own copy).")
    return removed


def _merge(staging: Path, folder: Path) -> None:
    """Move each staged entry into ``folder``, replacing an older one of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in sorted(staging.iterdir()):
        dest = folder / entry.name
        if dest.is_dir() and not dest.is_symlink():
            old = folder / f".old-{entry.name}-{os.getpid()}"
            dest.rename(old)
            entry.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            if dest.exists():
                dest.unlink()
            entry.rename(dest)
    # an older version's dist-info of a package just replaced would confuse importlib.metadata
    for dist_info in folder.glob("*.dist-info"):
        name = dist_info.name.split("-")[0].lower()
        fresh = [d for d in folder.glob("*.dist-info") if d.name.split("-")[0].lower() == name]
        if len(fresh) > 1:
            newest = max(fresh, key=lambda d: d.stat().st_mtime)
            for d in fresh:
                if d != newest:
                    shutil.rmtree(d, ignore_errors=True)


def run_pip(cmd: Sequence[str], log: Log, is_cancelled: Callable[[], bool],
            env: dict | None = None) -> tuple[int, str]:
    """Run one pip command, streaming its lines to ``log``; kill it on cancel."""
    import queue
    import threading

    log("$ " + " ".join(cmd))
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1, env=env)
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip())
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    tail: List[str] = []
    while True:
        if is_cancelled():
            proc.kill()
            proc.wait()
            raise Cancelled("Install cancelled; nothing was changed.")
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            break
        tail = (tail + [line])[-40:]
        log(line)
    reader.join()
    return proc.wait(), "\n".join(tail)


def install(profile: Path, opts: plan.Options | None = None, log: Log = print,
            is_cancelled: Callable[[], bool] = lambda: False,
            needed: Sequence[str] | None = None, plat: plan.Platform | None = None,
            python: str | None = None, progress: Callable[[float], None] = lambda f: None,
            ) -> Report:
    """Install the missing runtime packages into ``profile``'s dependency folder."""
    opts = opts or plan.Options()
    plat = plat or plan.Platform.current()
    folder = dependencies_dir(profile, plat.python)
    report = Report(folder)
    needed = plan.missing() if needed is None else list(needed)
    if not needed:
        report.nothing_to_do = True
        log("Every package MetaMapper needs is already importable: nothing to install.")
        return report
    check_writable(folder)
    python = python or plan.qgis_python()
    steps = plan.steps(plat, needed, opts, driver=opts.cuda and plan.cuda_driver())
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f"{folder.name}.staging"
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left behind
    staging.mkdir()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cfile = Path(tmp) / "constraints.txt"
            present = {k: v for k, v in plan.installed_versions().items()
                       if k.lower() not in {n.lower() for n in needed}}
            cfile.write_text("\n".join(plan.constraints(present)) + "\n")
            for i, step in enumerate(steps):
                progress(i / (len(steps) + 1))
                _run_step(step, python, staging, cfile, opts, log, is_cancelled, report)
        report.removed = prune_provided(staging, log)
        if is_cancelled():
            raise Cancelled("Install cancelled; nothing was changed.")
        _merge(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.installed = list(needed)
    progress(1.0)
    log(f"Installed {', '.join(needed)} into {folder}.")
    return report


def _run_step(step: plan.Step, python: str, staging: Path, cfile: Path, opts: plan.Options,
              log: Log, is_cancelled: Callable[[], bool], report: Report) -> None:
    """One step, trying its indexes in order (a closed CPU index falls back to PyPI)."""
    failures = []
    for index in step.indexes:
        cmd = plan.pip_command(python, staging, step.requirements, index, cfile, opts)
        code, tail = run_pip(cmd, log, is_cancelled)
        if code == 0:
            report.sources.append(f"{step.why} from {' '.join(index)}")
            return
        failures.append(f"{' '.join(index)}: pip exited with {code}")
        log(f"pip failed with {' '.join(index)}; " + ("trying the next index."
                                                       if index is not step.indexes[-1]
                                                       else "no index left."))
    raise InstallError(
        f"Could not install {step.why}. Tried: " + "; ".join(failures) + ". The log above "
        "has pip's own message. Behind a proxy, set it in QGIS ▸ Settings ▸ Options ▸ "
        "Network; offline, install from a folder of wheels (`make wheelhouse`).")
