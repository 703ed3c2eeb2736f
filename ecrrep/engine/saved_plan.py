"""Saved plans (`plan --out FILE`, `apply FILE`): load, verify, compare.

Trust model (docs/saved-plans.md): a saved plan is a plain file anyone who can write it may
edit. What `apply FILE` trusts is the spec inside it (and the options saved with it), exactly as
`apply` trusts the spec file on disk. What it never trusts is the list of changes: it plans the
saved spec afresh against the account, refuses when the account changed since the plan was made
(state fingerprint) or when the saved changes differ in any way from the fresh ones (naming the
addresses), and then executes the fresh plan, never the file's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import PLANFILE_KIND, Plan
from ecrrep.engine.planner import plan_for

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


class SavedPlanError(Exception):
    """A saved plan that cannot be used, explained in one line."""


@dataclass(frozen=True)
class SavedPlan:
    """What a saved plan file holds, as read, plus the digest of its bytes."""

    path: str
    spec_path: str
    spec_text: str
    options: dict[str, Any]
    state_fingerprint: str
    plan: dict[str, Any]
    digest: str


def file_digest(data: bytes) -> str:
    """`sha256:<hex>` of the file's bytes: the same hex `sha256sum FILE` prints, so a reviewer
    can tell the file being applied is the one they reviewed."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def saved_plan_bytes(document: dict[str, Any]) -> bytes:
    """The bytes `plan --out` writes for a plan file document."""
    return json.dumps(document, indent=2, default=str).encode()


def load_saved_plan(path: str) -> SavedPlan:
    """Read and shape-check a saved plan; SavedPlanError on anything else."""
    try:
        data = Path(path).read_bytes()
        doc = json.loads(data.decode())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SavedPlanError(f"{path}: not a saved plan ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("kind") != PLANFILE_KIND:
        raise SavedPlanError(f"{path}: not a saved plan (make one with `ecrrep plan --out FILE`)")
    expected = {"spec_path": str, "spec_text": str, "state_fingerprint": str, "plan": dict}
    wrong = [key for key, kind in expected.items() if not isinstance(doc.get(key), kind)]
    options = doc.get("options", {})
    if not isinstance(options, dict):
        wrong.append("options")
    changes = doc.get("plan", {}).get("resource_changes") if isinstance(doc.get("plan"),
                                                                        dict) else None
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        wrong.append("plan.resource_changes")
    if wrong:
        raise SavedPlanError(f"{path}: not a saved plan (missing or malformed: "
                             f"{', '.join(wrong)})")
    return SavedPlan(path, doc["spec_path"], doc["spec_text"], options,
                     doc["state_fingerprint"], doc["plan"], file_digest(data))


def _comparable(value: Any) -> Any:
    """A value in the form it has after a round trip through the plan file's JSON."""
    return json.loads(json.dumps(value, default=str))


def _entries_by_address(changes: list[dict[str, Any]]) -> tuple[dict[str, Any], set[str]]:
    """The entries keyed by address, and the addresses listed more than once."""
    by_address: dict[str, Any] = {}
    repeated: set[str] = set()
    for entry in changes:
        address = str(entry.get("address"))
        if address in by_address:
            repeated.add(address)
        by_address[address] = entry
    return by_address, repeated


def differing_addresses(saved: dict[str, Any], fresh: Plan) -> list[str]:
    """Every address whose saved change differs in any way from the fresh plan's (added,
    dropped, repeated, or any key of the entry: action, before, after, fields, blocked, kept,
    notes, facts), sorted. Empty when the saved changes are exactly the fresh ones."""
    fresh_doc = _comparable(fresh.to_json())
    saved_by, repeated = _entries_by_address(saved.get("resource_changes", []))
    fresh_by, _ = _entries_by_address(fresh_doc["resource_changes"])
    differ = set(repeated)
    for address in saved_by.keys() | fresh_by.keys():
        if saved_by.get(address) != fresh_by.get(address):
            differ.add(address)
    return sorted(differ)


def verify_saved_plan(saved: SavedPlan, fresh: Plan) -> None:
    """Refuse (SavedPlanError) a saved plan made against another state of the account, or
    whose changes are not exactly those of a fresh plan of its own spec."""
    if fresh.state_fingerprint != saved.state_fingerprint:
        raise SavedPlanError(
            f"{saved.path} was made against a state of the account that has since changed; "
            "run `ecrrep plan` again")
    differ = differing_addresses(saved.plan, fresh)
    if differ:
        shown = ", ".join(differ[:10]) + (f" and {len(differ) - 10} more"
                                          if len(differ) > 10 else "")
        raise SavedPlanError(
            f"{saved.path} lists changes that a fresh plan of its own spec does not make "
            f"(the file was edited, or made by another version of ecrrep): {shown}; nothing "
            "was changed. Make the plan again with `ecrrep plan --out FILE`")


def saved_diff_options(saved: SavedPlan, project: str) -> DiffOptions:
    """The options `plan --out` was given, to plan the saved spec again with the same ones."""
    opts = saved.options
    return DiffOptions(project, adopt=bool(opts.get("adopt")),
                       force_delete_images=bool(opts.get("force_delete_images")),
                       adopt_from=opts.get("adopt_from"))


def saved_flags(saved: SavedPlan) -> list[str]:
    """The saved options as the command-line flags that set them."""
    opts = saved.options
    flags = [flag for flag, on in (("--adopt", opts.get("adopt")),
                                   ("--force-delete-images", opts.get("force_delete_images")))
             if on]
    return flags + ([f"--adopt-from {opts['adopt_from']}"] if opts.get("adopt_from") else [])


def fresh_plan_of(ctx: AwsContext, saved: SavedPlan, spec: Spec) -> Plan:
    """A fresh plan of the saved spec with the saved options, once it is shown to make
    exactly the saved changes on an unchanged account (SavedPlanError otherwise)."""
    fresh = plan_for(ctx, spec, saved_diff_options(saved, spec.project))
    verify_saved_plan(saved, fresh)
    return fresh
