"""The example spec every end-to-end and kind test starts from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE_SPEC = REPO_ROOT / "ecrrep" / "examples" / "config.example.yaml"


def example_spec() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_SPEC.read_text())
