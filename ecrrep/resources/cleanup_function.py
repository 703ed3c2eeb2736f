"""The cleanup Lambda function `<project>-ecr-cleanup` (`cleanup.enabled`).

Its code is the `ecrrep.cleanup` package shipped inside ecrrep, zipped reproducibly by
`ecrrep.cleanup.package`; the plan compares the zip's CodeSha256 with the function's, so an
unchanged function is never updated, and a changed one gets its code and its configuration in
two separate calls (Lambda has no call for both).

Configuration reaches the handler as a settings file inside the zip (`function_settings`; why
not environment variables: see `ecrrep.cleanup.function.config`): the plan carries the settings'
text in the change's facts, so apply builds exactly the zip whose hash the plan compared. The
role is `<project>-ecr-cleanup` from the roles kind, which runs earlier in the dependency order and
creates it whenever the function exists.

Tags are read with ListTags: GetFunction returns them only to an identity also allowed
lambda:ListTags, and otherwise answers with a `TagsError` instead
(https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html), which must never read as
"untagged" (that would make our own function a conflict).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import AwsError, aws_action, aws_error
from ecrrep.aws.actions import KindActions, grants
from ecrrep.aws.tagging import claim_if_ours, desired_tags, is_owned, sync_tags
from ecrrep.cleanup import package as lambda_package
from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.cleanup.function.ownership import OWNERSHIP_TAG
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared.propagation import after_iam_propagation
from ecrrep.spec import documents, naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

RUNTIME = "python3.12"
HANDLER = "ecrrep.cleanup.function.handler.handler"
# Deleting in batches of 100 over a few repositories and publishing metrics takes seconds;
# five minutes leaves room for large repositories without letting a stuck run linger.
TIMEOUT_SECONDS = 300
MEMORY_MB = 256
DESCRIPTION = "Deletes expired ECR images and publishes ECRRep metrics (managed by ecrrep)"

# Lambda's refusal of a role that IAM has not propagated yet (see propagation.py).
ROLE_NOT_READY_CODE = "InvalidParameterValueException"
ROLE_NOT_READY_MESSAGE = "cannot be assumed by Lambda"

# Lambda's defaults for the fields we manage, so a field it omits compares as its default.
FUNCTION_EMPTY_VALUES: dict[str, Any] = {
    "Description": "",
    "Environment": {"Variables": {}},
    "Timeout": 3,
    "MemorySize": 128,
}


def function_settings(spec: Spec) -> str:
    """The settings file the handler reads, written by the handler's own configuration class
    so the two sides cannot disagree."""
    return CleanupConfig.from_spec(spec).settings_text()


def cleanup_role_policy(spec: Spec, account_id: str) -> dict[str, Any]:
    """What the cleanup function does: read images and repository tags everywhere under the
    prefix, delete images in the source region only from repositories tagged as ours, publish
    its metrics and write its own logs.

    The delete is conditioned on `aws:ResourceTag/ecrrep:project`: ECR authorizes on the
    repository's tags for BatchDeleteImage, whose resource type `repository` lists the
    condition keys aws:ResourceTag/${TagKey} and ecr:ResourceTag/${TagKey}
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html,
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/security_iam_service-with-iam.html#security_iam_service-with-iam-tags).
    So even a bug in the handler's own ownership check cannot delete from another project's
    repository under the same prefix."""
    prefix = spec.repository_prefix
    everywhere = [naming.repository_arn(r, account_id, f"{prefix}/*") for r in spec.regions]
    source = naming.repository_arn(spec.source_region, account_id, f"{prefix}/*")
    return documents.normalise_policy({
        "Version": documents.POLICY_VERSION,
        "Statement": [
            {"Sid": "ReadImages", "Effect": "Allow",
             "Action": ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:DescribeRepositories",
                        "ecr:ListImages", "ecr:ListTagsForResource"],
             "Resource": everywhere},
            {"Sid": "DeleteExpiredImagesOfOurRepositories", "Effect": "Allow",
             "Action": ["ecr:BatchDeleteImage"], "Resource": source,
             "Condition": {"StringEquals": {f"aws:ResourceTag/{OWNERSHIP_TAG}": spec.project}}},
            # PutMetricData takes no resource; the condition keeps it to our namespace.
            {"Sid": "PublishMetrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"],
             "Resource": "*",
             "Condition": {"StringEquals": {"cloudwatch:namespace": "ECRRep"}}},
            {"Sid": "WriteLogs", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": naming.cleanup_log_group_arn(spec.source_region, account_id,
                                                      spec.project)},
        ],
    })


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


class LambdaFunctionKind(ResourceKind):
    type = "lambda_function"
    title = "Cleanup function"
    label_format = "function {name}"
    # The function runs as the cleanup role.
    depends_on = ("iam_role",)
    iam = KindActions(
        # GetFunction returns tags only to a caller also allowed lambda:ListTags.
        read=(grants("function", "lambda:GetFunction", "lambda:ListTags"),),
        write=(grants("function", "lambda:CreateFunction", "lambda:UpdateFunctionCode",
                      "lambda:UpdateFunctionConfiguration", "lambda:TagResource",
                      "lambda:UntagResource"),
               grants("pass_role", "iam:PassRole")),
        delete=(grants("function", "lambda:DeleteFunction"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if not spec.cleanup.enabled:
            return []
        name = naming.cleanup_function_name(spec.project)
        role = naming.role_arn(target.account_id, naming.cleanup_role_name(spec.project))
        settings = function_settings(spec)
        sha = lambda_package.code_sha256(lambda_package.cleanup_package(settings))
        attrs = function_attrs({
            "Runtime": RUNTIME, "Handler": HANDLER, "Role": role, "Timeout": TIMEOUT_SECONDS,
            "MemorySize": MEMORY_MB, "Description": DESCRIPTION, "CodeSha256": sha,
        }, desired_tags(spec))
        files = len(lambda_package.package_files(settings=settings))
        summary = [f"{RUNTIME}, handler {HANDLER}, {MEMORY_MB} MB, {TIMEOUT_SECONDS} s",
                   f"role {naming.cleanup_role_name(spec.project)}",
                   f"code {sha} ({files} files, settings included)",
                   f"settings: {len(spec.repositories)} repositories under "
                   f"{spec.repository_prefix}/, dry run {str(spec.cleanup.dry_run).lower()}"]
        return [Resource(self.type, spec.source_region, name, attrs, facts={
            "arn": naming.function_arn(spec.source_region, target.account_id, name),
            "summary": summary,
            "settings": settings,
        })]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        name = naming.cleanup_function_name(spec.project)
        client = ctx.client("lambda", spec.source_region)
        with aws_action(f"function {name}"):
            try:
                answer = client.get_function(FunctionName=name)
            except aws_error("ResourceNotFoundException"):
                return []
            configuration = answer["Configuration"]
            tags = function_tags(client, answer)
        return [Resource(self.type, spec.source_region, name, function_attrs(configuration, tags),
                         owned=is_owned(tags, spec.project),
                         facts={"arn": configuration["FunctionArn"]})]

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        self._create(ctx.client("lambda", change.region), change)

    def _create(self, client: Any, change: Change) -> None:
        after = change.after or {}
        params = {
            "FunctionName": change.name,
            "Code": {"ZipFile": _package_for(change)},
            "Publish": False,
            "Tags": after["tags"],
            **_configuration_params(after),
        }
        try:
            _while_role_propagates(lambda: client.create_function(**params), after)
        except aws_error("ResourceConflictException") as exc:
            self._converge_existing(client, change, exc)
            return
        _wait(client, "function_active_v2", change.name)

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        self._update(ctx.client("lambda", change.region), change, change.before or {})

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        try:
            ctx.client("lambda", change.region).delete_function(FunctionName=change.name)
        except aws_error("ResourceNotFoundException"):
            pass  # gone already: done

    def _converge_existing(self, client: Any, change: Change, exc: BaseException) -> None:
        """A retried create whose first attempt landed: ours if it carries our tag."""
        after = change.after or {}
        answer = client.get_function(FunctionName=change.name)
        tags = claim_if_ours(function_tags(client, answer), after["tags"], exc)
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
            _while_role_propagates(lambda: client.update_function_configuration(
                FunctionName=change.name, **_configuration_params(after)), after)
            _wait(client, "function_updated_v2", change.name)
        arn = change.facts["arn"]
        # Lambda spells tags as a mapping.
        sync_tags(before.get("tags"), after["tags"],
                  tag=lambda tags: client.tag_resource(Resource=arn, Tags=tags),
                  untag=lambda keys: client.untag_resource(Resource=arn, TagKeys=keys))


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


def function_tags(client: Any, answer: dict[str, Any]) -> dict[str, str]:
    """The function's tags, from ListTags. A `TagsError` in GetFunction's answer means the
    tags could not be read: an error, never "no tags"."""
    configuration = answer["Configuration"]
    if answer.get("TagsError"):
        error = answer["TagsError"]
        raise AwsError("GetFunction", f"function {configuration['FunctionName']}",
                       error.get("ErrorCode", "TagsError"),
                       f"the tags could not be read ({error.get('Message', '')}); ecrrep "
                       "needs lambda:ListTags to tell its function from another's")
    return client.list_tags(Resource=configuration["FunctionArn"]).get("Tags") or {}


def _while_role_propagates(call: Any, after: dict[str, Any]) -> Any:
    role = after["role"].rsplit("/", 1)[-1]
    return after_iam_propagation([ROLE_NOT_READY_CODE], call,
                                 what=f"Lambda to accept the new role {role}",
                                 message_contains=ROLE_NOT_READY_MESSAGE)


def _package_for(change: Change) -> bytes:
    """The zip the plan promised, built from the settings the plan carries: refuse if the
    packaged code changed since (a saved plan made by another version of ecrrep)."""
    settings = change.facts.get("settings")
    if not isinstance(settings, str):
        raise AwsError("UpdateFunctionCode", f"function {change.name}", "StalePlan",
                       "the plan carries no cleanup settings (made by an older ecrrep); run "
                       "`ecrrep plan` again")
    package = lambda_package.cleanup_package(settings)
    sha = lambda_package.code_sha256(package)
    wanted = (change.after or {})["code_sha256"]
    if sha != wanted:
        raise AwsError("UpdateFunctionCode", f"function {change.name}", "StalePlan",
                       f"the packaged code is {sha}, the plan was made for {wanted}; run "
                       "`ecrrep plan` again")
    return package


def _wait(client: Any, waiter: str, name: str) -> None:
    client.get_waiter(waiter).wait(FunctionName=name,
                                   WaiterConfig={"Delay": 2, "MaxAttempts": 90})


KIND = LambdaFunctionKind()
