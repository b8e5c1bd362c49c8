"""Print the versions a test run uses (one line), and stop when QGIS is not the expected one.

    python3 scripts/versions.py [EXPECTED_QGIS, e.g. 3.44]

`make test` prints it before each suite (host, and each chroot of scripts/qgis_chroot.sh),
so the log of a CI run says exactly what was tested; README's version table quotes it.
"""

from __future__ import annotations

import platform
import sys


def versions_line() -> str:
    import numpy
    import torch
    from qgis.core import Qgis
    from qgis.PyQt.QtCore import QT_VERSION_STR

    try:
        system = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    except OSError:
        system = platform.platform()
    return (f"== {system}: QGIS {Qgis.version()} | Qt {QT_VERSION_STR}"
            f" | Python {platform.python_version()} | numpy {numpy.__version__}"
            f" | torch {torch.__version__}")


def main(argv: list[str]) -> int:
    print(versions_line(), flush=True)
    if argv:
        from qgis.core import Qgis

        if not Qgis.version().startswith(argv[0] + "."):
            print(f"expected QGIS {argv[0]}, this is QGIS {Qgis.version()}: rebuild the chroot"
                  " or rename its make target", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
