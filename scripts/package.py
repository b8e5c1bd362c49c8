"""Build the plugin zip that QGIS's "Install from ZIP" accepts.

The zip holds one top-level folder, ``metamapper/``, with the tracked runtime files only:
no tests, benchmarks, training code, caches, virtual environments or developer files; and
the compiled translations ``i18n/*.qm`` (built here with Qt's ``lrelease`` when missing or
older than their ``.ts``; ``make`` builds them too).

    python3 scripts/package.py --out dist
"""

from __future__ import annotations

import argparse
import configparser
import shutil
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DIR = "metamapper"
INCLUDE_TOP = {"metadata.txt", "__init__.py", "plugin.py", "translation.py", "qt_compat.py",
               "LICENSE",
               "README.md", "core", "provider", "ui", "resources", "install"}
I18N = ROOT / "i18n"
EXCLUDE_PARTS = {"metatrain", "__pycache__", "tests", "loso"}


def runtime_files() -> list[str]:
    """Tracked files that belong in the installed plugin."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout.splitlines()
    keep = []
    for name in tracked:
        parts = Path(name).parts
        if parts[0] in INCLUDE_TOP and not EXCLUDE_PARTS.intersection(parts):
            keep.append(name)
    return sorted(keep)


def compiled_catalogues() -> list[str]:
    """i18n/*.qm for every i18n/*.ts, (re)built with lrelease when missing or stale."""
    out = []
    for ts in sorted(I18N.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.is_file() or qm.stat().st_mtime < ts.stat().st_mtime:
            lrelease = shutil.which("lrelease")
            if lrelease is None:
                raise SystemExit("lrelease (Qt Linguist tools) is missing: run `make install` "
                                 "or apt-get install qttools5-dev-tools")
            subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
        out.append(qm.relative_to(ROOT).as_posix())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="dist", type=Path)
    args = parser.parse_args()
    meta = configparser.ConfigParser()
    meta.read(ROOT / "metadata.txt")
    version = meta["general"]["version"]
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{PLUGIN_DIR}-{version}.zip"
    files = runtime_files() + compiled_catalogues()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in files:
            zf.write(ROOT / name, f"{PLUGIN_DIR}/{name}")
    size = target.stat().st_size / 1e6
    print(f"{target}: {len(files)} files, {size:.1f} MB")


if __name__ == "__main__":
    main()
