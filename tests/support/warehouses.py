"""Small real warehouses for the analysts' tests: real nights (extraction, spaCy, GX, Delta) over a
few short made-up stories, so every table has rows and several nights exist."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pipeline.config import files_config
from pipeline.run import run_all

FIRST_NIGHT = date(2026, 11, 20)
TOWNS = ("Aldwick", "Burnmoor", "Cressing", "Dunholm", "Eastry", "Fenby")


def story(n: int) -> str:
    town = TOWNS[n % len(TOWNS)]
    return (f"{town} market hall reopens after {n + 2} months\n\nThe market hall in {town} reopened on "
            f"Saturday after {n + 2} months of repairs, the town clerk Mira Castell said. \"Stallholders "
            f"kept faith with us,\" Castell said. The Aldwick Traders Guild paid for new lighting.\n\n"
            f"\"We expect {n + 40} stalls by spring,\" said Joel Varga, who chairs the guild.\n")


def nights(root: Path, count: int = 3, per_night: int = 2, extra: dict[int, list[Path]] | None = None) -> Path:
    """`count` nights from FIRST_NIGHT on, `per_night` new stories each (plus `extra` files per night)."""
    warehouse = root / "warehouse"
    for night in range(count):
        folder = root / f"night{night}"
        folder.mkdir()
        for n in range(night * per_night, (night + 1) * per_night):
            (folder / f"story{n}.txt").write_text(story(n), encoding="utf-8")
        (folder / "empty.txt").write_text("", encoding="utf-8")   # a reject every night
        for path in (extra or {}).get(night, []):
            (folder / path.name).write_bytes(path.read_bytes())
        run_all(files_config([str(folder)]), warehouse, FIRST_NIGHT + timedelta(days=night))
    return warehouse
