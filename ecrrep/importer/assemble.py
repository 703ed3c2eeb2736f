"""The resources read from the account → a spec dict, and notes on what it cannot express.

Pure: `read` gathers the resources (with every kind's own `read`), this module decides. Each
value is taken from the source region; what differs elsewhere is said in the residual plan
(`residual_notes`), which is the plan `plan --adopt` would show for the spec written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.engine.plan import Plan, Resource
from ecrrep.importer.lifecycle import import_lifecycle
from ecrrep.importer.policies import Roles, import_access, roles_in_policies
from ecrrep.importer.scanning import KIND as SCANNING_KIND
from ecrrep.importer.scanning import scanning_section
from ecrrep.importer.templates import KIND as TEMPLATES_KIND
from ecrrep.importer.templates import spec_problem, templates_section
from ecrrep.spec import naming
from ecrrep.spec.rules import ENVIRONMENT_PATTERN, matches

GIB = 1024 ** 3
ENVIRONMENT_TAG = "Environment"


@dataclass(frozen=True)
class Note:
    """Something the spec cannot say, or says differently from the account. `where` is a
    top-level key, `repositories.<name>`, or "" for the whole file."""

    where: str
    message: str


@dataclass
class Registry:
    """What `read` found: the facts and the resources, as the kinds read them."""

    account_id: str
    project: str
    source_region: str
    destination_regions: list[str]
    prefix: str
    names: list[str]
    resources: list[Resource]
    notes: list[Note] = field(default_factory=list)
    # The cleanup function's settings as deployed (its package's settings.json), or why they
    # could not be read ("" when there is no function to read them from).
    cleanup_settings: CleanupConfig | None = None
    cleanup_problem: str = ""
    # Whether the rule filtering on the prefix replicates deletions (its deleteReplication).
    replicate_deletions: bool = False
    # The repositories (names under the prefix) whose rules send them elsewhere than every
    # destination region → the regions they go to.
    replicate_to: dict[str, list[str]] = field(default_factory=dict)
    # The (region, account) destinations in other accounts that every rule the spec owns has.
    other_accounts: list[tuple[str, str]] = field(default_factory=list)
    _index: dict[tuple[str, str, str], Resource] | None = field(default=None, repr=False)

    @property
    def regions(self) -> list[str]:
        return [self.source_region, *self.destination_regions]

    def find(self, type_: str, name: str, region: str | None = None) -> Resource | None:
        if self._index is None:  # built once: a registry of 1,000 repositories asks often
            self._index = {(r.type, r.region, r.name): r for r in self.resources}
        return self._index.get((type_, region or self.source_region, name))


def spec_dict(registry: Registry) -> tuple[dict[str, Any], list[Note]]:
    """The spec for the registry, and every note about it."""
    notes = list(registry.notes)
    repositories = [registry.find("ecr_repository", naming.repository_name(registry.prefix, n))
                    for n in registry.names]
    environment, tags, tag_notes = common_tags([r.attrs.get("tags", {}) for r in repositories
                                                if r is not None])
    notes += tag_notes
    iam, roles, iam_notes = iam_section(registry)
    notes += iam_notes
    spec: dict[str, Any] = {
        "version": 1,
        "project": registry.project,
        "environment": environment,
        "source_region": registry.source_region,
        "destination_regions": destination_order(registry),
        **({"destinations": destinations_section(registry)} if registry.other_accounts else {}),
        **({"replicate_deletions": True} if registry.replicate_deletions else {}),
        "repository_prefix": registry.prefix,
        "tags": tags,
        "repositories": [],
        "iam": iam,
    }
    for name in registry.names:
        entry, repo_notes = repository_entry(registry, name, roles)
        spec["repositories"].append(entry)
        notes += [Note(f"repositories.{name}", m) for m in repo_notes]
    spec["monitoring"] = monitoring_section(registry)
    spec["notifications"] = notifications_section(registry)
    spec["cleanup"], cleanup_notes = cleanup_section(registry)
    notes += cleanup_notes
    scanning, scanning_notes = scanning_section(
        registry.find(SCANNING_KIND, "registry"), registry.project, registry.prefix)
    notes += [Note("scanning", m) for m in scanning_notes]
    if scanning is not None:
        spec["scanning"] = scanning
        for entry in spec["repositories"]:
            # Registry scanning decides; the spec's default (true) needs no saying, and
            # saying it would only draw the warning that it no longer decides.
            if entry.get("scan_on_push") is True:
                del entry["scan_on_push"]
    notes += add_templates(spec, registry, roles)
    return spec, notes


def add_templates(spec: dict[str, Any], registry: Registry, roles: Roles) -> list[Note]:
    """`templates:` from the repository creation templates on the prefix, unless the spec
    cannot hold them (then left out, with the reason: a spec without the block leaves
    templates as they are)."""
    regions = [registry.source_region, *spec["destination_regions"]]
    found = {region: template for region in regions
             if (template := registry.find(TEMPLATES_KIND, registry.prefix, region))}
    block, messages = templates_section(found, regions, registry.project, registry.account_id,
                                        roles)
    if block is not None:
        problem = spec_problem({**spec, "templates": block})
        if problem is None or spec_problem(spec) is not None:
            spec["templates"] = block
        else:
            messages = [f"the repository creation template on the prefix has no spec form "
                        f"({problem}): left out, and left as it is"]
    return [Note("templates", m) for m in messages]


def destinations_section(registry: Registry) -> list[dict[str, Any]]:
    """Each destination in another account with `profile: null`, the placeholder the user
    fills in (or replaces with role_arn): the registry does not say how ecrrep reaches the
    account, and the spec refuses an entry without one of them before any AWS call."""
    return [{"region": region, "account_id": account, "profile": None}
            for region, account in registry.other_accounts]


def destination_order(registry: Registry) -> list[str]:
    """The destination regions in the spec's order where ecrrep recorded it (the cleanup
    function's settings): the registry keeps them sorted, but alarms, dashboard and function
    list them in the spec's order, and another order would read as a change."""
    settings = registry.cleanup_settings
    recorded = list(settings.destination_regions) if settings is not None else []
    if recorded and sorted(recorded) == sorted(registry.destination_regions):
        return recorded
    return list(registry.destination_regions)


def common_tags(tag_sets: list[dict[str, str]]) -> tuple[str, dict[str, str], list[Note]]:
    """The environment and the tags every repository shares (the spec has one set for all)."""
    shared = dict(tag_sets[0]) if tag_sets else {}
    for tags in tag_sets[1:]:
        shared = {k: v for k, v in shared.items() if tags.get(k) == v}
    notes = []
    dropped = sorted({k for tags in tag_sets for k in tags} - set(shared)
                     - {naming.OWNERSHIP_TAG})
    if dropped:
        notes.append(Note("tags", "tags not on every repository with the same value are left "
                          f"out (apply removes them): {', '.join(dropped)}"))
    environment = shared.pop(ENVIRONMENT_TAG, None)
    if environment is None or not matches(ENVIRONMENT_PATTERN, environment):
        if environment is not None:
            notes.append(Note("environment", f"the Environment tag {environment!r} is not a "
                              "valid environment name"))
        environment = "production"
    tags = {k: v for k, v in sorted(shared.items())
            if k != naming.OWNERSHIP_TAG and not k.startswith("aws:")}
    return environment, tags, notes


def iam_section(registry: Registry) -> tuple[dict[str, Any], Roles, list[Note]]:
    """create_roles when ecrrep's production and CI roles exist, with the extra principals
    their trust names; else the existing roles the repository policies name."""
    production = registry.find("iam_role", naming.production_role_name(registry.project),
                               "global")
    ci = registry.find("iam_role", naming.ci_role_name(registry.project), "global")
    if production is not None and ci is not None:
        section: dict[str, Any] = {"create_roles": True}
        for key, role in (("production_principals", production), ("ci_principals", ci)):
            principals = trusted_roles(role.attrs.get("trust_policy"))
            if principals:
                section[key] = principals
        roles = Roles(naming.role_arn(registry.account_id, production.name),
                      naming.role_arn(registry.account_id, ci.name))
        return section, roles, []
    policies = [r.attrs["policy"] for r in registry.resources
                if r.type == "ecr_repository_policy" and r.region == registry.source_region]
    roles = roles_in_policies(policies, registry.account_id)
    section = {"create_roles": False}
    if roles.production:
        section["production_role_arn"] = roles.production
    if roles.ci:
        section["ci_role_arn"] = roles.ci
    return section, roles, [Note("iam", "ecrrep's own roles do not exist here: the spec names "
                                 "the roles the repository policies grant, and creates none")]


def trusted_roles(trust: Any) -> list[str]:
    """The role ARNs (not services) a trust policy lets assume the role."""
    found: list[str] = []
    for statement in (trust or {}).get("Statement", []):
        aws = (statement.get("Principal") or {}).get("AWS", [])
        found += [a for a in (aws if isinstance(aws, list) else [aws]) if ":role/" in a]
    return sorted(set(found))


def repository_entry(registry: Registry, name: str, roles: Roles) -> tuple[dict[str, Any],
                                                                           list[str]]:
    full = naming.repository_name(registry.prefix, name)
    repo = registry.find("ecr_repository", full)
    attrs = repo.attrs if repo is not None else {}
    entry: dict[str, Any] = {"name": name}
    if name in registry.replicate_to:
        order = destination_order(registry)
        entry["replicate_to"] = sorted(registry.replicate_to[name], key=order.index)
    notes: list[str] = []
    entry.update(tag_mutability_values(attrs))
    entry["scan_on_push"] = bool(attrs.get("scan_on_push", False))
    entry["encryption"] = attrs.get("encryption", "AES256")
    if entry["encryption"] == "KMS":
        keys = {region: found.attrs.get("kms_key") for region in registry.regions
                if (found := registry.find("ecr_repository", full, region)) is not None}
        if any(keys.values()):
            entry["kms_key"] = kms_key_value(keys)
    policy = registry.find("ecr_repository_policy", full)
    access, note = import_access(policy.attrs["policy"] if policy else None,
                                 registry.account_id, roles)
    entry.update(access)
    notes += [note] if note else []
    notes += public_access_allowed(entry)
    lifecycle = registry.find("ecr_lifecycle_policy", full)
    imported = import_lifecycle(lifecycle.attrs["policy"] if lifecycle else None)
    entry.update(imported.spec_values())
    notes += imported.notes
    return entry, notes


def tag_mutability_values(attrs: dict[str, Any]) -> dict[str, Any]:
    """tag_mutability, and with a *_WITH_EXCLUSION one its exclusions (the kind reads them
    from imageTagMutabilityExclusionFilters, sorted)."""
    mutability = attrs.get("tag_mutability", "IMMUTABLE")
    values: dict[str, Any] = {"tag_mutability": mutability}
    exclusions = attrs.get("tag_mutability_exclusions") or []
    if mutability.endswith("_WITH_EXCLUSION") and exclusions:
        values["tag_mutability_exclusions"] = list(exclusions)
    return values


def public_access_allowed(entry: dict[str, Any]) -> list[str]:
    """Set `allow_public` (where the spec has it) on a custom policy the spec refuses without
    it — one that lets anyone push, delete or change the policy — and say so loudly: the
    import keeps what exists, the reader decides."""
    from ecrrep.spec.models import RepositorySpec

    if entry.get("access") != "custom" or "allow_public" not in RepositorySpec.model_fields:
        return []
    if _entry_is_valid(entry):
        return []
    if not _entry_is_valid({**entry, "allow_public": True}):
        return []  # refused for another reason: the spec's validation will say which
    entry["allow_public"] = True
    return ["the repository policy lets anyone (Principal '*') do more than pull: kept as it is "
            "with allow_public: true — review it"]


def _entry_is_valid(entry: dict[str, Any]) -> bool:
    from pydantic import ValidationError

    from ecrrep.spec.models import RepositorySpec, spec_problems

    try:
        RepositorySpec.model_validate(entry)
    except ValidationError:
        return False
    return not any(p.severity == "error" for p in spec_problems({"repositories": [entry]}))


def kms_key_value(keys: dict[str, str | None]) -> str | dict[str, str]:
    """One key ARN when every region uses the same, else the key of each region: KMS keys
    are regional, so a replica is encrypted with a key of its own region
    (https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html)."""
    found = {region: key for region, key in keys.items() if key}
    if len(set(found.values())) == 1:
        return next(iter(found.values()))
    return found


def monitoring_section(registry: Registry) -> dict[str, Any]:
    """Enabled when ecrrep's replication alarm exists; thresholds from the alarms found."""
    project = registry.project
    failure = registry.find("cloudwatch_alarm", naming.replication_failure_alarm_name(project))
    if failure is None:
        return {"enabled": False}
    section: dict[str, Any] = {"enabled": True}
    if "Threshold" in failure.attrs:
        section["replication_failure_rate_percent"] = _number(failure.attrs["Threshold"])
    for name in registry.names:
        pulls = registry.find("cloudwatch_alarm", naming.pull_count_alarm_name(project, name))
        size = registry.find("cloudwatch_alarm", naming.repository_size_alarm_name(project, name))
        if pulls is not None and "pull_count_per_5min" not in section:
            section["pull_count_per_5min"] = int(pulls.attrs["Threshold"])
        if size is not None and "repository_size_gib" not in section:
            section["repository_size_gib"] = _number(size.attrs["Threshold"] / GIB)
    latency = registry.find("cloudwatch_alarm", naming.replication_latency_alarm_name(project))
    if latency is not None and "Threshold" in latency.attrs:
        section["replication_latency_seconds"] = _number(latency.attrs["Threshold"])
    return section


def notifications_section(registry: Registry) -> dict[str, Any]:
    topic = registry.find("sns_topic", naming.topic_name(registry.project))
    if topic is None:
        return {"enabled": False}
    emails = sorted(r.name for r in registry.resources if r.type == "sns_subscription")
    return {"enabled": True, **({"email": emails[0]} if emails else {})}


def cleanup_section(registry: Registry) -> tuple[dict[str, Any], list[Note]]:
    """From the function's own settings (the settings file in its package) and its schedule
    rule; the defaults, with a note saying why, when the settings could not be read."""
    function = registry.find("lambda_function", naming.cleanup_function_name(registry.project))
    if function is None:
        return {"enabled": False}, []
    section: dict[str, Any] = {"enabled": True}
    schedule = registry.find("cleanup_schedule",
                             naming.cleanup_schedule_rule_name(registry.project))
    if schedule is not None and schedule.attrs.get("schedule"):
        section["schedule"] = schedule.attrs["schedule"]
    config = registry.cleanup_settings
    if config is None:
        why = registry.cleanup_problem or "not read"
        return section, [Note("cleanup", f"the function's settings could not be read from its "
                              f"package ({why}): defaults written")]
    retention = {k: v for k, v in sorted(config.repositories.items())
                 if v is not None and k in registry.names}
    if retention:
        section["retention_days"] = retention
    if config.protected_tag_prefixes:
        section["protected_tag_prefixes"] = list(config.protected_tag_prefixes)
    section["dry_run"] = config.dry_run
    return section, []


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 6)


def residual_notes(plan: Plan, shown: int = 4) -> list[Note]:
    """What `plan --adopt` still changes for the spec written, besides taking ownership: the
    differences the spec cannot express (a replica's own settings, a missing replica...),
    grouped by action, kind, region and fields so that a large registry stays readable."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for change in plan.changes:
        if not change.is_change or taking_ownership_only(change):
            continue
        fields = ", ".join(f.field for f in change.fields)
        groups.setdefault((change.action, change.type, change.region, fields),
                          []).append(change.name)
    notes = []
    for (action, type_, region, fields), names in groups.items():
        listed = ", ".join(names[:shown]) + (f" and {len(names) - shown} more"
                                              if len(names) > shown else "")
        what = f" ({fields})" if fields else ""
        notes.append(Note("", f"{action} {type_} in {region}{what}: {listed}"))
    if any(t == "ecr_repository" and a == "create" for a, t, _, _ in groups):
        notes.append(Note("", "replicas missing in a destination region are created by apply "
                          "with the source's settings (ECR's replication would create them "
                          "with default settings and no policies)"))
    return notes


def taking_ownership_only(change: Any) -> bool:
    """An update that only puts ecrrep's tags on a resource that lacked the ownership tag (or
    an action that names adoption itself)."""
    if "adopt" in change.action:
        return True
    if change.action != "update" or [f.field for f in change.fields] != ["tags"]:
        return False
    before = (change.before or {}).get("tags") or {}
    return naming.OWNERSHIP_TAG not in before
