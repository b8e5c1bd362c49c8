"""What to install and how: the pip commands for this platform, decided without running any.

Two pip runs at most: torch from its own index (the CPU wheels on Linux x86_64, hundreds of
MB instead of GBs of CUDA libraries), then the rest from the package index. Every run is
``pip install --target <folder> --only-binary=:all: --constraint <file>``: binary wheels only
(nothing compiles inside QGIS), and the versions of what QGIS already has (numpy, scipy,
pandas, pyproj...) pinned, so that a wheel built against another numpy never arrives.
"""

from __future__ import annotations

import platform as _platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence

PYPI = "https://pypi.org/simple"
TORCH_CPU = "https://download.pytorch.org/whl/cpu"
TORCH_CUDA = "https://download.pytorch.org/whl/cu126"
#: PyTorch stopped publishing macOS x86_64 wheels after this release
LAST_INTEL_MAC_TORCH = "2.2.2"

#: distributions QGIS ships or a system provides: never replaced, pinned where present
PROTECTED = ("numpy", "scipy", "pandas", "pyproj", "shapely", "matplotlib", "GDAL",
             "packaging", "setuptools", "six", "python-dateutil", "pytz", "certifi",
             "urllib3", "requests", "Jinja2", "MarkupSafe", "PyYAML", "Pygments", "psycopg2",
             "lxml", "pillow", "Pillow", "torch", "typing_extensions", "joblib",
             "threadpoolctl", "scikit-learn", "rasterio", "affine", "attrs", "click")


class Unsupported(Exception):
    """This platform cannot get the package from any index; the message says why."""


@dataclass(frozen=True)
class Platform:
    system: str  # platform.system(): "Linux", "Windows", "Darwin"
    machine: str  # platform.machine(): "x86_64", "AMD64", "arm64", "aarch64"
    python: tuple = (3, 11)

    @classmethod
    def current(cls) -> Platform:
        return cls(_platform.system(), _platform.machine(), tuple(sys.version_info[:2]))

    @property
    def intel_mac(self) -> bool:
        return self.system == "Darwin" and self.machine.lower() in ("x86_64", "amd64", "i386")

    @property
    def linux_x86(self) -> bool:
        return self.system == "Linux" and self.machine.lower() in ("x86_64", "amd64")


@dataclass
class Options:
    """What the user chose: another index, a folder of wheels, CUDA, a proxy."""

    index_url: str | None = None  # replaces the package index (PyPI)
    find_links: str | None = None  # a folder of wheels: offline, no index at all
    cuda: bool = False  # a CUDA build of torch (only where a driver is found)
    proxy: str | None = None  # http://user:pass@host:port, from QGIS's settings
    extra_pip_args: List[str] = field(default_factory=list)


@dataclass
class Step:
    """One pip run (or several alternatives, tried in order until one succeeds)."""

    requirements: List[str]
    indexes: List[List[str]]  # pip index arguments per attempt
    why: str


def missing() -> List[str]:
    """The pip requirements of the runtime packages QGIS's Python cannot import (the
    plugin's own check, ``core.deps``, so the installer and the refusal always agree)."""
    from ..core.deps import missing_runtime_packages

    return missing_runtime_packages()


def installed_versions(names: Sequence[str] = PROTECTED) -> Dict[str, str]:
    """{distribution: version} of the protected distributions this Python already has."""
    from importlib import metadata

    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def constraints(present: Dict[str, str]) -> List[str]:
    """pip constraint lines: every protected distribution at its installed version."""
    return [f"{name}=={version}" for name, version in sorted(present.items())]


def cuda_driver() -> bool:
    """An NVIDIA driver answers (nvidia-smi runs): only then is a CUDA torch worth GBs."""
    import shutil
    import subprocess

    exe = shutil.which("nvidia-smi")
    if exe is None:
        return False
    try:
        return subprocess.run([exe], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def index_args(opts: Options) -> List[str]:
    """The package index arguments for everything but torch."""
    if opts.find_links:
        return ["--no-index", "--find-links", opts.find_links]
    return ["--index-url", opts.index_url or PYPI]


def torch_indexes(plat: Platform, opts: Options, driver: bool = False) -> List[List[str]]:
    """Index arguments to try for torch, in order.

    Offline: the folder. Linux x86_64: the CPU wheel index first (a few hundred MB), then
    the package index; with ``cuda`` and a driver, the CUDA index first. Windows and macOS
    arm64: the package index (CPU builds; MPS on Apple Silicon). Intel macOS: nothing.
    """
    if opts.find_links:
        return [index_args(opts)]
    if plat.intel_mac:
        raise Unsupported(
            f"PyTorch's last release for Intel Macs is torch {LAST_INTEL_MAC_TORCH} (Python "
            "3.12 or older, numpy below 2); no newer torch exists for this Mac, so the "
            "installer stops here. Use QGIS on Apple Silicon, Windows or Linux, or install "
            f"torch=={LAST_INTEL_MAC_TORCH} yourself if this QGIS's Python allows it.")
    main = index_args(opts)
    tries: List[List[str]] = []
    if opts.cuda and driver and plat.system in ("Linux", "Windows"):
        tries.append(["--index-url", TORCH_CUDA])
    if plat.linux_x86 and not opts.index_url:
        tries.append(["--index-url", TORCH_CPU])
    tries.append(main)
    return tries


def steps(plat: Platform, needed: Sequence[str], opts: Options, driver: bool = False
          ) -> List[Step]:
    """The pip runs that install ``needed`` (pip names) on ``plat``."""
    out: List[Step] = []
    if "torch" in needed:
        out.append(Step(["torch"], torch_indexes(plat, opts, driver), "PyTorch"))
    rest = [n for n in needed if n != "torch"]
    if rest:
        out.append(Step(rest, [index_args(opts)], ", ".join(rest)))
    return out


def pip_command(python: str, target: Path, step_reqs: Sequence[str], index: Sequence[str],
                constraint_file: Path | None, opts: Options) -> List[str]:
    """One ``pip install --target`` command line (a list: no shell, no quoting issues)."""
    # a blocked index (a firewall that drops, not refuses) fails in ~1 min, not ~8
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
           "--timeout", "20", "--retries", "2",
           "--target", str(target), "--only-binary=:all:", "--upgrade", *index]
    if constraint_file is not None:
        cmd += ["--constraint", str(constraint_file)]
    if opts.proxy:
        cmd += ["--proxy", opts.proxy]
    return cmd + list(opts.extra_pip_args) + list(step_reqs)


def qgis_python(executable: str | None = None, system: str | None = None,
                prefix: str | None = None, version: tuple | None = None) -> str:
    """QGIS's own Python interpreter.

    Inside QGIS ``sys.executable`` is the QGIS binary on Windows and macOS, which cannot run
    ``-m pip``; the interpreter sits in QGIS's Python prefix (OSGeo4W:
    ``<prefix>/python.exe``; QGIS.app: ``Contents/MacOS/bin/python3``). On Linux QGIS embeds
    the system Python, and ``sys.executable`` is whatever ``python3`` the PATH finds first
    (a pyenv shim, another version), so the versioned interpreter of QGIS's own prefix
    (``/usr/bin/python3.11``) comes first wherever it exists.
    """
    executable = executable or sys.executable
    system = system or _platform.system()
    prefix = prefix or sys.exec_prefix
    major, minor = (version or sys.version_info)[:2]
    if system != "Windows":
        versioned = Path(prefix) / "bin" / f"python{major}.{minor}"
        if versioned.exists():
            return str(versioned)
    name = Path(executable).name.lower()
    if "python" in name:
        return executable
    if system == "Windows":
        return str(Path(prefix) / "python.exe")
    if system == "Darwin":
        return str(Path(executable).parent / "bin" / "python3")
    return "python3"


#: ``make wheelhouse`` platforms: pip's --platform tags (several per platform: pip takes any)
WHEELHOUSE_PLATFORMS: Dict[str, List[str]] = {
    "linux_x86_64": ["manylinux_2_28_x86_64", "manylinux2014_x86_64", "manylinux_2_17_x86_64"],
    "win_amd64": ["win_amd64"],
    "macos_arm64": ["macosx_11_0_arm64", "macosx_12_0_arm64", "macosx_14_0_arm64"],
}


def wheelhouse_commands(python: str, out: Path, platform: str, version: str,
                        packages: Sequence[str] = ("torch", "rasterio", "scikit-learn")
                        ) -> List[List[str]]:
    """``pip download`` commands filling ``out/<platform>-cp<XY>`` with binary wheels for
    an offline install (``--find-links``): torch from the CPU index on Linux x86_64."""
    if platform not in WHEELHOUSE_PLATFORMS:
        raise Unsupported(f"Unknown wheelhouse platform {platform!r}; known: "
                          f"{', '.join(WHEELHOUSE_PLATFORMS)}")
    dest = Path(out) / f"{platform}-cp{version.replace('.', '')}"
    base = [python, "-m", "pip", "download", "--disable-pip-version-check",
            "--only-binary=:all:", "--python-version", version, "--implementation", "cp",
            "--dest", str(dest)]
    for tag in WHEELHOUSE_PLATFORMS[platform]:
        base += ["--platform", tag]
    rest = [p for p in packages if p != "torch"]
    cmds = []
    if "torch" in packages:
        index = TORCH_CPU if platform == "linux_x86_64" else PYPI
        cmds.append(base + ["--index-url", index, "--extra-index-url", PYPI, "torch"])
    if rest:
        cmds.append(base + ["--index-url", PYPI] + rest)
    return cmds
