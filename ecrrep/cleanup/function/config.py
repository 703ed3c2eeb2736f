"""What the cleanup function is told: a dataclass, its settings-file form (how the deployed
function receives it) and its derivation from the spec (how `ecrrep cleanup` and the function
resource make it). Standard library only: this file ships in the Lambda zip.

The settings travel as `ecrrep/cleanup/function/settings.json` inside the function's own zip, not as
environment variables: Lambda caps a function's environment at 4 KB in all
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), which a JSON of
every repository passes at about 200 repositories, while a deployment package may hold 50 MB
zipped. The zip stays reproducible (fixed order, no timestamps), so the same settings give the
same CodeSha256 and changed settings read as changed code, which is what they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_RETENTION_DAYS = 30
DEFAULT_GRACE_MINUTES = 30

# The file the function reads, next to this module inside the zip.
SETTINGS_FILE = "settings.json"


class ConfigError(ValueError):
    """A setting the function cannot use; the message names it."""


@dataclass(frozen=True)
class CleanupConfig:
    source_region: str
    repository_prefix: str
    # Managed repositories by their name under the prefix → days an image is kept (None: the
    # default). Only these are cleaned, and only while they carry our ownership tag.
    repositories: Mapping[str, int | None]
    # The ecrrep:project value a repository must carry to be cleaned (see ownership.py).
    project: str = ""
    destination_regions: tuple[str, ...] = ()
    default_retention_days: int = DEFAULT_RETENTION_DAYS
    protected_tag_prefixes: tuple[str, ...] = ()
    dry_run: bool = False
    replication_grace_minutes: int = DEFAULT_GRACE_MINUTES

    def repository_name(self, name: str) -> str:
        return f"{self.repository_prefix}/{name}"

    def retention_days(self, name: str) -> int:
        days = self.repositories.get(name)
        return self.default_retention_days if days is None else days

    # -- settings file ------------------------------------------------------------------------

    def to_settings(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "source_region": self.source_region,
            "destination_regions": list(self.destination_regions),
            "repository_prefix": self.repository_prefix,
            "repositories": dict(self.repositories),
            "default_retention_days": self.default_retention_days,
            "protected_tag_prefixes": list(self.protected_tag_prefixes),
            "dry_run": self.dry_run,
            "replication_grace_minutes": self.replication_grace_minutes,
        }

    def settings_text(self) -> str:
        """The settings file's text: one canonical spelling, so equal settings give equal
        bytes (and an equal code hash)."""
        return json.dumps(self.to_settings(), sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_settings(cls, settings: Any) -> CleanupConfig:
        if not isinstance(settings, dict):
            raise ConfigError("the settings must be a JSON object")
        return cls(
            project=_text(settings, "project"),
            source_region=_text(settings, "source_region"),
            repository_prefix=_text(settings, "repository_prefix"),
            repositories=_repositories(settings.get("repositories")),
            destination_regions=_texts(settings, "destination_regions"),
            default_retention_days=_whole(settings, "default_retention_days",
                                          DEFAULT_RETENTION_DAYS),
            protected_tag_prefixes=_texts(settings, "protected_tag_prefixes"),
            dry_run=_boolean(settings, "dry_run"),
            replication_grace_minutes=_whole(settings, "replication_grace_minutes",
                                             DEFAULT_GRACE_MINUTES, minimum=0),
        )

    @classmethod
    def from_settings_text(cls, text: str) -> CleanupConfig:
        try:
            settings = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{SETTINGS_FILE} is not JSON: {exc.msg}") from None
        return cls.from_settings(settings)

    @classmethod
    def from_settings_file(cls, path: Path | None = None) -> CleanupConfig:
        """The settings the package carries (or those of `path`); read through importlib so
        that the package works from a directory (Lambda unpacks it) or a zip alike."""
        try:
            if path is None:
                text = resources.files(__package__).joinpath(SETTINGS_FILE).read_text("utf-8")
            else:
                text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{SETTINGS_FILE} is missing from the function's package") from None
        return cls.from_settings_text(text)

    # -- spec -------------------------------------------------------------------------------

    @classmethod
    def from_spec(cls, spec: Any, dry_run: bool | None = None) -> CleanupConfig:
        """The configuration a spec (ecrrep.spec.models.Spec) gives; `dry_run` overrides the
        spec's."""
        return cls(
            project=spec.project,
            source_region=spec.source_region,
            repository_prefix=spec.repository_prefix,
            repositories={r.name: spec.retention_days_for(r.name) for r in spec.repositories},
            destination_regions=tuple(spec.destination_regions),
            protected_tag_prefixes=tuple(spec.cleanup.protected_tag_prefixes),
            dry_run=spec.cleanup.dry_run if dry_run is None else dry_run,
        )


def _text(settings: Mapping[str, Any], name: str) -> str:
    value = settings.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} is not set")
    return value.strip()


def _texts(settings: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = settings.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{name} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _boolean(settings: Mapping[str, Any], name: str) -> bool:
    value = settings.get(name, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false (got {value!r})")
    return value


def _whole(settings: Mapping[str, Any], name: str, default: int, minimum: int = 1) -> int:
    value = settings.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{name} must be a whole number (got {value!r})")
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum} (got {value})")
    return value


def _repositories(value: Any) -> dict[str, int | None]:
    if not isinstance(value, dict) or not all(
        days is None or (isinstance(days, int) and not isinstance(days, bool) and days >= 1)
        for days in value.values()
    ):
        raise ConfigError(
            "repositories must be a JSON object of repository name → retention days "
            '(a positive whole number, or null for the default), e.g. {"production":90}'
        )
    return value
