"""``python3 -m metamapper.install``: the headless installer (administrators, tests, CI).

Run it with QGIS's Python; it installs into the folder the plugin adds to ``sys.path``
(the ``default`` profile, under ``QGIS_CUSTOM_CONFIG_PATH`` when that is set).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import plan, runner
from .paths import default_profile, dependencies_dir


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m metamapper.install",
                                description=__doc__.splitlines()[0])
    p.add_argument("--profile", default=None, help="QGIS profile folder (default: the "
                   "'default' profile, under QGIS_CUSTOM_CONFIG_PATH when set)")
    p.add_argument("--index-url", default=None, help="package index instead of PyPI")
    p.add_argument("--find-links", default=None,
                   help="a folder of wheels (offline: no index is contacted)")
    p.add_argument("--cuda", action="store_true",
                   help="a CUDA build of torch (only used where an NVIDIA driver is found)")
    p.add_argument("--proxy", default=None, help="http://[user:password@]host:port")
    p.add_argument("--yes", action="store_true", help="do not ask before installing")
    p.add_argument("--wheelhouse", default=None, metavar="OUT",
                   help="instead of installing, download the wheels for an offline install "
                        "into OUT/<platform>-cp<XY> (see --platform, --python)")
    p.add_argument("--platform", default="linux_x86_64",
                   choices=sorted(plan.WHEELHOUSE_PLATFORMS))
    p.add_argument("--python", default="{}.{}".format(*sys.version_info[:2]),
                   help="the Python version of the QGIS the wheels are for, e.g. 3.12")
    args = p.parse_args(argv)
    if args.wheelhouse:
        import subprocess

        for cmd in plan.wheelhouse_commands(sys.executable, Path(args.wheelhouse),
                                            args.platform, args.python):
            print("$ " + " ".join(cmd), flush=True)
            if subprocess.run(cmd).returncode != 0:
                return 2
        return 0
    profile = Path(args.profile) if args.profile else default_profile()
    folder = dependencies_dir(profile)
    needed = plan.missing()
    for line in runner.diagnostics(folder):
        print(line)
    if not needed:
        print("Every package MetaMapper needs is already importable: nothing to install.")
        return 0
    print(f"Missing: {', '.join(needed)}")
    if not args.yes:
        answer = input(f"Install them into {folder}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Nothing installed.")
            return 1
    opts = plan.Options(index_url=args.index_url, find_links=args.find_links, cuda=args.cuda,
                        proxy=args.proxy)
    try:
        report = runner.install(profile, opts, needed=needed)
    except (runner.InstallError, plan.Unsupported) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for source in report.sources:
        print(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
