"""Shell completion values (click's `_ECRREP_COMPLETE`): read the spec quietly, offer names."""

from __future__ import annotations

from pathlib import Path


def output_name_candidates(config: str | None, defaults: tuple[str, ...],
                           incomplete: str) -> list[str]:
    """The `ecrrep output` names of the spec that start with `incomplete`; none when the spec
    cannot be read (completion never prints an error)."""
    from ecrrep.engine.outputs import output_names
    from ecrrep.spec.loader import load_spec

    path = config or next((name for name in defaults if Path(name).exists()), None)
    if path is None:
        return []
    try:
        spec = load_spec(path).spec
    except Exception:  # noqa: BLE001 - a broken spec just means no suggestions
        return []
    return [name for name in output_names(spec) if name.startswith(incomplete)]
