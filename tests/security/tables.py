"""Plain-text tables for the security runners' reports."""

from __future__ import annotations


def table(rows: list, headers: list) -> str:
    """An aligned table; a cell that is a list spans one line per item."""
    cells = [[c if isinstance(c, list) else [str(c)] for c in r] for r in [headers] + rows]
    widths = [max(len(line) for r in cells for line in r[i]) for i in range(len(headers))]
    out = []
    for n, r in enumerate(cells):
        for k in range(max(len(c) for c in r)):
            out.append(" | ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)
