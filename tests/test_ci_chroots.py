"""`make test` also runs the plugin suite on QGIS 3.40 and 3.44 (Debian chroots): the wiring.

The chroot runs themselves are what `make test` does; these checks keep the wiring from
silently dropping a version or writing the (3 GB) chroots into the clone."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "qgis_chroot.sh"

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _make_dry_run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), *args],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_make
@pytest.mark.parametrize(("target", "suite", "version"),
                         [("test-qgis340", "trixie", "3.40"), ("test-qgis344", "sid", "3.44")])
def test_each_version_target_runs_its_chroot(target, suite, version) -> None:
    out = _make_dry_run(target)
    assert f"scripts/qgis_chroot.sh {suite} {version} " in out
    cache = out.split(f"{suite} {version} ", 1)[1].split()[0].strip('"')
    assert Path(cache).is_absolute() and not Path(cache).resolve().is_relative_to(ROOT)


@needs_make
def test_make_test_runs_both_chroot_suites() -> None:
    out = _make_dry_run("test", "CHROOT_CACHE=/nonexistent/cache")
    assert "test-qgis340" in out and "test-qgis344" in out


@needs_make
def test_the_cache_folder_can_be_moved() -> None:
    out = _make_dry_run("test-qgis344", "CHROOT_CACHE=/srv/chroots")
    assert '"/srv/chroots"' in out


def test_the_script_refuses_missing_arguments() -> None:
    done = subprocess.run(["bash", str(SCRIPT), "sid"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2 and "usage:" in done.stderr
