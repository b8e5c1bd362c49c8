"""What the experiment probes share: every shared real scene in two worker processes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, List

ROOT = Path(__file__).resolve().parents[2]
#: the leave-one-scene-out fold models every probe scores a scene with
FOLDS = ROOT / "resources" / "models" / "loso"
sys.path.insert(0, str(ROOT / "build" / "pkg"))


def main(run_scene: Callable[[str], List[dict]], summary: Callable[[str], None]) -> None:
    """``probe.py OUT.jsonl`` scores every scene into OUT; ``probe.py --summary OUT`` only
    prints the summary of an earlier run."""
    if len(sys.argv) == 3 and sys.argv[1] == "--summary":
        summary(sys.argv[2])
        return
    import multiprocessing as mp

    from metamapper.core.metatrain.scenes import SHARED_SCENES

    with open(sys.argv[1], "w", encoding="utf-8") as out, \
            mp.get_context("spawn").Pool(2) as pool:
        for records in pool.imap_unordered(run_scene, list(SHARED_SCENES)):
            for r in records:
                out.write(json.dumps(r, default=float) + "\n")
            out.flush()
    summary(sys.argv[1])
