"""Where the local public web keeps its pages and its data."""

import json
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
SITES_DIR = PACKAGE_DIR / "sites"
DATA_DIR = PACKAGE_DIR / "data"


def load_json(relative: str) -> Any:
    """Read one JSON file under `data/`."""
    return json.loads((DATA_DIR / relative).read_text(encoding="utf-8"))
