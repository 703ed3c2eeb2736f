"""A plan as a reader takes it in: sections of entries, where identical creations are folded.

Creating the same thing under many names or in many regions (1,000 repositories in 3
regions, each with the same settings) is shown once, with the count and the names, instead of
3,000 times. Only plain creations fold: an update with its field diffs, a deletion, anything
blocked or carrying a note is always an entry of its own. A change that names its repository
in its details (a per-repository alarm) folds with its siblings, the name read as
`<repository>`. Pure: plan in, sections out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecrrep.engine.plan import Change, Plan
from ecrrep.render.fields import created_lines
from ecrrep.resources.repositories import EcrRepositoryKind

# The word a folded entry shows where each member names its own repository.
REPOSITORY_PLACEHOLDER = "<repository>"


_NAME_TOKEN = re.compile(r"[A-Za-z0-9._/-]+")


@dataclass
class Entry:
    """One line of a plan: a single change, or identical creations folded into one."""

    type: str
    changes: list[Change]
    names: list[str]
    regions: list[str]
    # Folded creations: the shared lines, with REPOSITORY_PLACEHOLDER for `repositories`.
    lines: list[str] | None = None
    repositories: list[str] | None = None

    @property
    def first(self) -> Change:
        return self.changes[0]

    @property
    def folded(self) -> bool:
        return len(self.changes) > 1


@dataclass
class Section:
    """Entries made in the same regions: one region, or every one of `regions` alike."""

    regions: tuple[str, ...]
    entries: list[Entry]
    unchanged: int = 0


def plan_sections(plan: Plan, full: bool = False, verbose: bool = False) -> list[Section]:
    """The shown changes of a plan in sections: IAM (global) first, then changes made alike
    in several regions (widest first), then each region's own, in the plan's region order."""
    order = region_order(plan)
    shown = [c for c in plan.changes if not c.kept and (c.is_change or c.blocked or c.notes)]
    entries = ([_single(c) for c in shown] if full
               else _fold(shown, _repository_names(plan), verbose))
    by_regions: dict[tuple[str, ...], list[Entry]] = {}
    for entry in entries:
        by_regions.setdefault(tuple(entry.regions), []).append(entry)
    for region in order:
        if verbose:
            by_regions.setdefault((region,), [])
    kinds = {type_: i for i, type_ in enumerate(dict.fromkeys(c.type for c in plan.changes))}
    sections = [Section(regions, sorted(found, key=lambda e: kinds[e.type]))
                for regions, found in by_regions.items()]
    unchanged: dict[str, int] = {}
    shown_ids = {id(c) for c in shown}
    for change in plan.changes:
        if not change.kept and id(change) not in shown_ids:
            unchanged[shown_region(change)] = unchanged.get(shown_region(change), 0) + 1
    for section in sections:
        if len(section.regions) == 1:
            section.unchanged = unchanged.get(section.regions[0], 0)
    return sorted(sections, key=lambda s: (s.regions != ("global",), -len(s.regions),
                                           order.index(s.regions[0])))


def shown_region(change: Change) -> str:
    """A change's region as the plan shows it: `account/region` in another account."""
    return f"{change.account}/{change.region}" if change.account else change.region


def region_order(plan: Plan) -> list[str]:
    seen = list(dict.fromkeys(shown_region(c) for c in plan.changes))
    return sorted(seen, key=lambda r: (r != "global", seen.index(r)))


def foldable(change: Change) -> bool:
    return (change.action == "create" and not change.blocked and not change.notes
            and not change.kept and not change.facts.get("would_expire"))


def _single(change: Change) -> Entry:
    return Entry(change.type, [change], [change.name], [shown_region(change)])


def _fold(changes: list[Change], repositories: set[str], verbose: bool) -> list[Entry]:
    """Changes with the same kind and lines fold: first each name's regions, then the names
    made in the same regions."""
    keyed: dict[tuple, list[Change]] = {}
    singles: list[tuple[int, Entry]] = []
    for index, change in enumerate(changes):
        if not foldable(change):
            singles.append((index, _single(change)))
            continue
        lines, repository = _shared_lines(change, repositories, verbose)
        keyed.setdefault((change.type, tuple(lines), change.name), []).append(change)
    by_regions: dict[tuple, list[list[Change]]] = {}
    for (type_, lines, _), same in keyed.items():
        regions = tuple(shown_region(c) for c in same)
        by_regions.setdefault((type_, lines, regions), []).append(same)
    position = {id(c): i for i, c in enumerate(changes)}
    folded = [(position[id(groups[0][0])], _folded(type_, list(lines), list(regions), groups,
                                                    repositories, verbose))
              for (type_, lines, regions), groups in by_regions.items()]
    return [entry for _, entry in sorted(singles + folded, key=lambda pair: pair[0])]


def _folded(type_: str, lines: list[str], regions: list[str], groups: list[list[Change]],
            repositories: set[str], verbose: bool) -> Entry:
    members = [c for group in groups for c in group]
    names = [group[0].name for group in groups]
    if len(names) == 1:  # one name in several regions: its own lines, nothing to read as
        return Entry(type_, members, names, regions, created_lines(members[0], verbose))
    named = [_shared_lines(group[0], repositories, verbose)[1] for group in groups]
    return Entry(type_, members, names, regions, lines,
                 [n for n in named if n] if any(named) else None)


def _shared_lines(change: Change, repositories: set[str],
                  verbose: bool) -> tuple[list[str], str | None]:
    """The change's lines, with the one repository they name (if exactly one) replaced."""
    lines = created_lines(change, verbose)
    named = {token for line in lines for token in _NAME_TOKEN.findall(line)
             if token in repositories}
    if len(named) != 1:
        return lines, None
    repository = named.pop()
    return [line.replace(repository, REPOSITORY_PLACEHOLDER) for line in lines], repository


def _repository_names(plan: Plan) -> set[str]:
    return {c.name for c in plan.changes if c.type == EcrRepositoryKind.type}
