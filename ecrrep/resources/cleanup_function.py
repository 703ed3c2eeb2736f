"""The cleanup Lambda function `<project>-ecr-cleanup` (`cleanup.enabled`).

Its code is the `ecrrep.cleanup` package shipped inside ecrrep, zipped reproducibly by
`ecrrep.lambda_package`; the plan compares the zip's CodeSha256 with the function's, so an
unchanged function is never updated, and a changed one gets its code and its configuration in
two separate calls (Lambda has no call for both).

Configuration reaches the handler as environment variables (`function_environment`). The role
is `<project>-ecr-cleanup` from the roles kind, which runs earlier in the dependency order;
with `iam.create_roles: false` a role of that name must already exist.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ecrrep import lambda_package, naming
from ecrrep.aws import AwsError, aws_action, error_code
from ecrrep.cleanup.config import CleanupConfig
from ecrrep.diff import tag_changes
from ecrrep.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.repositories import desired_tags

if TYPE_CHECKING:
    from ecrrep.aws import AwsContext
    from ecrrep.spec import Spec

RUNTIME = "python3.12"
HANDLER = "ecrrep.cleanup.handler.handler"
# Deleting in batches of 100 over a few repositories and publishing metrics takes seconds;
# five minutes leaves room for large repositories without letting a stuck run linger.
TIMEOUT_SECONDS = 300
MEMORY_MB = 256
DESCRIPTION = "Deletes expired ECR images and publishes ECRRep metrics (managed by ecrrep)"

# New IAM roles take a few seconds to be usable by Lambda ("The role defined for the function
# cannot be assumed by Lambda"). A bounded wait covers it; the emulator succeeds at once.
ROLE_PROPAGATION_ATTEMPTS = 8
ROLE_PROPAGATION_DELAY_SECONDS = 3.0

# Lambda's defaults for the fields we manage, so a field it omits compares as its default.
FUNCTION_EMPTY_VALUES: dict[str, Any] = {
    "Description": "",
    "Environment": {"Variables": {}},
    "Timeout": 3,
    "MemorySize": 128,
}


def function_environment(spec: Spec) -> dict[str, str]:
    """What the handler reads (REPOSITORY_PREFIX, REPOSITORIES, DEFAULT_RETENTION_DAYS,
    PROTECTED_TAG_PREFIXES, DRY_RUN, SOURCE_REGION, DESTINATION_REGIONS,
    REPLICATION_GRACE_MINUTES), written by the handler's own configuration class so the two
    sides cannot disagree."""
    return CleanupConfig.from_spec(spec).to_environment()


def function_attrs(configuration: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    """The managed fields of a function, from get_function's Configuration (or our own)."""
    def value(key: str) -> Any:
        found = configuration.get(key)
        return FUNCTION_EMPTY_VALUES.get(key) if found is None else found

    return {
        "runtime": configuration.get("Runtime"),
        "handler": configuration.get("Handler"),
        "role": configuration.get("Role"),
        "timeout": value("Timeout"),
        "memory_size": value("MemorySize"),
        "description": value("Description"),
        "environment": dict(sorted((value("Environment").get("Variables") or {}).items())),
        "code_sha256": configuration.get("CodeSha256"),
        "tags": tags,
    }


CONFIGURATION_FIELDS = ("runtime", "handler", "role", "timeout", "memory_size", "description",
                        "environment")


class CleanupFunction(ResourceKind):
    type = "lambda_function"
    title = "Cleanup function"

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if not spec.cleanup.enabled:
            return []
        name = naming.cleanup_function_name(spec.project)
        role = naming.role_arn(target.account_id, naming.cleanup_role_name(spec.project))
        sha = lambda_package.code_sha256(lambda_package.cleanup_package())
        attrs = function_attrs({
            "Runtime": RUNTIME, "Handler": HANDLER, "Role": role, "Timeout": TIMEOUT_SECONDS,
            "MemorySize": MEMORY_MB, "Description": DESCRIPTION,
            "Environment": {"Variables": function_environment(spec)}, "CodeSha256": sha,
        }, desired_tags(spec))
        summary = [f"{RUNTIME}, handler {HANDLER}, {MEMORY_MB} MB, {TIMEOUT_SECONDS} s",
                   f"role {naming.cleanup_role_name(spec.project)}",
                   f"code {sha} ({len(lambda_package.package_files())} files)",
                   "environment: " + ", ".join(
                       f"{k}={v}" for k, v in attrs["environment"].items())]
        return [Resource(self.type, spec.source_region, name, attrs, facts={
            "arn": naming.function_arn(spec.source_region, target.account_id, name),
            "summary": summary,
        })]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        name = naming.cleanup_function_name(spec.project)
        client = ctx.client("lambda", spec.source_region)
        with aws_action(f"function {name}"):
            try:
                answer = client.get_function(FunctionName=name)
            except Exception as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return []
                raise
        configuration = answer["Configuration"]
        tags = answer.get("Tags") or {}
        return [Resource(self.type, spec.source_region, name, function_attrs(configuration, tags),
                         owned=tags.get(naming.OWNERSHIP_TAG) == spec.project,
                         facts={"arn": configuration["FunctionArn"]})]

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("lambda", change.region)
        with aws_action(f"function {change.name}"):
            if change.action == "create":
                self._create(client, change)
            elif change.action == "update":
                self._update(client, change, change.before or {})
            elif change.action == "delete":
                try:
                    client.delete_function(FunctionName=change.name)
                except Exception as exc:
                    if error_code(exc) != "ResourceNotFoundException":
                        raise

    def _create(self, client: Any, change: Change) -> None:
        after = change.after or {}
        params = {
            "FunctionName": change.name,
            "Code": {"ZipFile": _package_for(change)},
            "Publish": False,
            "Tags": after["tags"],
            **_configuration_params(after),
        }
        for attempt in range(1, ROLE_PROPAGATION_ATTEMPTS + 1):
            try:
                client.create_function(**params)
                break
            except Exception as exc:
                if _role_not_ready(exc) and attempt < ROLE_PROPAGATION_ATTEMPTS:
                    time.sleep(ROLE_PROPAGATION_DELAY_SECONDS)
                    continue
                if error_code(exc) != "ResourceConflictException":
                    raise
                self._converge_existing(client, change, exc)
                return
        _wait(client, "function_active_v2", change.name)

    def _converge_existing(self, client: Any, change: Change, exc: Exception) -> None:
        """A retried create whose first attempt landed: ours if it carries our tag."""
        after = change.after or {}
        answer = client.get_function(FunctionName=change.name)
        tags = answer.get("Tags") or {}
        if tags.get(naming.OWNERSHIP_TAG) != after["tags"].get(naming.OWNERSHIP_TAG):
            raise exc
        change.facts.setdefault("arn", answer["Configuration"]["FunctionArn"])
        self._update(client, change, function_attrs(answer["Configuration"], tags))

    def _update(self, client: Any, change: Change, before: dict[str, Any]) -> None:
        after = change.after or {}
        if before.get("code_sha256") != after["code_sha256"]:
            client.update_function_code(FunctionName=change.name,
                                        ZipFile=_package_for(change), Publish=False)
            # Lambda refuses a configuration update while the code update is in progress.
            _wait(client, "function_updated_v2", change.name)
        if any(before.get(f) != after[f] for f in CONFIGURATION_FIELDS):
            client.update_function_configuration(FunctionName=change.name,
                                                 **_configuration_params(after))
            _wait(client, "function_updated_v2", change.name)
        to_set, to_remove = tag_changes(before.get("tags") or {}, after["tags"])
        arn = change.facts["arn"]
        if to_set:
            client.tag_resource(Resource=arn, Tags=to_set)
        if to_remove:
            client.untag_resource(Resource=arn, TagKeys=to_remove)


def _configuration_params(attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        "Runtime": attrs["runtime"],
        "Handler": attrs["handler"],
        "Role": attrs["role"],
        "Timeout": attrs["timeout"],
        "MemorySize": attrs["memory_size"],
        "Description": attrs["description"],
        "Environment": {"Variables": attrs["environment"]},
    }


def _package_for(change: Change) -> bytes:
    """The zip the plan promised: refuse if the packaged code changed since (a saved plan made
    by another version of ecrrep)."""
    package = lambda_package.cleanup_package()
    sha = lambda_package.code_sha256(package)
    wanted = (change.after or {})["code_sha256"]
    if sha != wanted:
        raise AwsError("UpdateFunctionCode", f"function {change.name}", "StalePlan",
                       f"the packaged code is {sha}, the plan was made for {wanted}; run "
                       "`ecrrep plan` again")
    return package


def _role_not_ready(exc: BaseException) -> bool:
    return (error_code(exc) == "InvalidParameterValueException"
            and "cannot be assumed" in str(exc))


def _wait(client: Any, waiter: str, name: str) -> None:
    client.get_waiter(waiter).wait(FunctionName=name,
                                   WaiterConfig={"Delay": 2, "MaxAttempts": 90})


KIND = CleanupFunction()
