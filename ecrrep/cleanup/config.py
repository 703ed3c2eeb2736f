"""What the cleanup function is told: a dataclass, its environment-variable form (how Lambda
passes it) and its derivation from the spec (how `ecrrep cleanup` and the function resource
make it). Standard library only: this file ships in the Lambda zip."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_RETENTION_DAYS = 30
DEFAULT_GRACE_MINUTES = 30

# The environment variables the function reads.
REPOSITORY_PREFIX = "REPOSITORY_PREFIX"
REPOSITORIES = "REPOSITORIES"  # JSON {name under the prefix: retention days or null}
DEFAULT_RETENTION = "DEFAULT_RETENTION_DAYS"
PROTECTED_TAG_PREFIXES = "PROTECTED_TAG_PREFIXES"  # comma-separated
DRY_RUN = "DRY_RUN"  # true | false
SOURCE_REGION = "SOURCE_REGION"
DESTINATION_REGIONS = "DESTINATION_REGIONS"  # comma-separated
REPLICATION_GRACE_MINUTES = "REPLICATION_GRACE_MINUTES"

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


class ConfigError(ValueError):
    """An environment variable the function cannot use; the message names it."""


@dataclass(frozen=True)
class CleanupConfig:
    source_region: str
    repository_prefix: str
    # Managed repositories by their name under the prefix → days an image is kept (None: the
    # default). Only these are cleaned: other repositories under the prefix are not ours.
    repositories: Mapping[str, int | None]
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

    # -- environment ------------------------------------------------------------------------

    def to_environment(self) -> dict[str, str]:
        """The Lambda function's environment variables (compact: Lambda allows 4 KB)."""
        return {
            SOURCE_REGION: self.source_region,
            DESTINATION_REGIONS: ",".join(self.destination_regions),
            REPOSITORY_PREFIX: self.repository_prefix,
            REPOSITORIES: json.dumps(dict(self.repositories), separators=(",", ":"),
                                     sort_keys=True),
            DEFAULT_RETENTION: str(self.default_retention_days),
            PROTECTED_TAG_PREFIXES: ",".join(self.protected_tag_prefixes),
            DRY_RUN: "true" if self.dry_run else "false",
            REPLICATION_GRACE_MINUTES: str(self.replication_grace_minutes),
        }

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> CleanupConfig:
        return cls(
            source_region=_required(environ, SOURCE_REGION),
            repository_prefix=_required(environ, REPOSITORY_PREFIX),
            repositories=_repositories(environ),
            destination_regions=_listed(environ.get(DESTINATION_REGIONS, "")),
            default_retention_days=_positive(environ, DEFAULT_RETENTION, DEFAULT_RETENTION_DAYS),
            protected_tag_prefixes=_listed(environ.get(PROTECTED_TAG_PREFIXES, "")),
            dry_run=_boolean(environ, DRY_RUN),
            replication_grace_minutes=_positive(
                environ, REPLICATION_GRACE_MINUTES, DEFAULT_GRACE_MINUTES, minimum=0),
        )

    # -- spec -------------------------------------------------------------------------------

    @classmethod
    def from_spec(cls, spec: Any, dry_run: bool | None = None) -> CleanupConfig:
        """The configuration a spec (ecrrep.spec.Spec) gives; `dry_run` overrides the spec's."""
        return cls(
            source_region=spec.source_region,
            repository_prefix=spec.repository_prefix,
            repositories={r.name: spec.retention_days_for(r.name) for r in spec.repositories},
            destination_regions=tuple(spec.destination_regions),
            protected_tag_prefixes=tuple(spec.cleanup.protected_tag_prefixes),
            dry_run=spec.cleanup.dry_run if dry_run is None else dry_run,
        )


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


def _listed(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _boolean(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (got {value!r})")


def _positive(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (got {value!r})") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum} (got {number})")
    return number


def _repositories(environ: Mapping[str, str]) -> dict[str, int | None]:
    text = _required(environ, REPOSITORIES)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{REPOSITORIES} is not JSON: {exc.msg}") from None
    if not isinstance(value, dict) or not all(
        days is None or (isinstance(days, int) and not isinstance(days, bool) and days >= 1)
        for days in value.values()
    ):
        raise ConfigError(
            f"{REPOSITORIES} must be a JSON object of repository name → retention days "
            '(a positive whole number, or null for the default), e.g. {"production":90}'
        )
    return value
