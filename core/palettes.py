"""Class colours: plain data, light to import (the Processing provider loads it at start-up)."""

from __future__ import annotations

from typing import Tuple

__all__ = ["PALETTE", "QUALITATIVE_PALETTE"]

#: The styling palette of the QGIS side (legend and samples layers): a clear qualitative
#: palette (ColorBrewer "Set1" then "Dark2"), distinct even when printed.
QUALITATIVE_PALETTE: Tuple[Tuple[int, int, int], ...] = (
    (228, 26, 28), (55, 126, 184), (77, 175, 74), (152, 78, 163), (255, 127, 0),
    (255, 255, 51), (166, 86, 40), (247, 129, 191), (153, 153, 153),
    (27, 158, 119), (217, 95, 2), (117, 112, 179), (231, 41, 138), (102, 166, 30),
    (230, 171, 2), (166, 118, 29), (102, 102, 102),
)

# A qualitative palette (ColorBrewer Set1/Paired/Dark2 mix) for classes without a colour.
PALETTE: Tuple[Tuple[int, int, int], ...] = (
    (31, 120, 180), (51, 160, 44), (227, 26, 28), (255, 127, 0), (106, 61, 154),
    (177, 89, 40), (166, 206, 227), (178, 223, 138), (251, 154, 153), (253, 191, 111),
    (202, 178, 214), (255, 255, 153), (27, 158, 119), (217, 95, 2), (117, 112, 179),
    (231, 41, 138), (102, 166, 30), (230, 171, 2), (166, 118, 29), (102, 102, 102),
)  # fmt: skip
