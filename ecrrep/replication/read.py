"""What validate-replication reads: every managed repository's settings and images in every
region, in parallel through the AwsContext, and ECR's replication status of the images a
replica lacks, where the endpoint answers DescribeImageReplicationStatus."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ecrrep.aws import AWS_EXCEPTIONS, aws_action, aws_error, error_code, paginate
from ecrrep.replication.compare import image_record, repository_settings
from ecrrep.replication.model import ReplicationStatus, RepositoryState
from ecrrep.resources.lifecycle_policies import KIND as LIFECYCLE_POLICIES
from ecrrep.resources.repository_policies import KIND as REPOSITORY_POLICIES
from ecrrep.resources.shared.ecr_listing import describe_under_prefix
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


def managed_repositories(spec: Spec) -> list[str]:
    return [naming.repository_name(spec.repository_prefix, r.name) for r in spec.repositories]


def destination_label(region: str, account: str) -> str:
    """How the report names a destination in another account: `account/region`, as plan
    addresses do."""
    return f"{account}/{region}"


def places(ctx: AwsContext, spec: Spec) -> list[tuple[str, AwsContext, str]]:
    """(region, the context reading it, its name in the report): the spec's regions, then
    each destination in another account, read with that account's session."""
    return [(region, ctx, region) for region in spec.regions] + [
        (d.region, ctx.for_account(d.account_id), destination_label(d.region, d.account_id))
        for d in getattr(spec, "destinations", ())]


def read_states(ctx: AwsContext, spec: Spec) -> dict[tuple[str, str], RepositoryState | None]:
    """Every managed repository in every region (None where absent), read in parallel; a
    destination in another account is keyed by its label (`destination_label`)."""
    names = managed_repositories(spec)
    where = places(ctx, spec)
    described = ctx.map(
        lambda place: {d["repositoryName"]: d
                       for d in describe_under_prefix(place[1], spec.repository_prefix, place[0])
                       if d["repositoryName"] in names},
        where,
    )
    parts = ("images", "lifecycle", "policy")
    tasks = [(region, reader, label, d, part)
             for (region, reader, label), found in zip(where, described, strict=True)
             for d in found.values() for part in parts]
    answers = ctx.map(lambda task: _read_part(task[1], task[0], task[3], task[4]), tasks)
    by_key = {
        (label, d["repositoryName"], part): answer
        for (_, _, label, d, part), answer in zip(tasks, answers, strict=True)
    }
    states: dict[tuple[str, str], RepositoryState | None] = {}
    for (_, _, label), found in zip(where, described, strict=True):
        for name in names:
            d = found.get(name)
            if d is None:
                states[(label, name)] = None
                continue
            states[(label, name)] = RepositoryState(
                label,
                name,
                repository_settings(
                    d, by_key[(label, name, "lifecycle")], by_key[(label, name, "policy")]
                ),
                by_key[(label, name, "images")],
            )
    return states


def _read_part(ctx: AwsContext, region: str, description: dict[str, Any], part: str) -> Any:
    client = ctx.client("ecr", region)
    name = description["repositoryName"]
    with aws_action(f"{name} ({region})"):
        if part == "images":
            # Without a filter DescribeImages lists ACTIVE images only: ANY counts archived
            # and restoring ones too (botocore's DescribeImagesFilter.imageStatus;
            # https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html).
            details = paginate(client, "describe_images", "imageDetails", repositoryName=name,
                               filter={"imageStatus": "ANY"})
            return {d["imageDigest"]: image_record(d) for d in details}
        # The same reads, and the same "not found" answers, as the policy kinds use.
        kind = LIFECYCLE_POLICIES if part == "lifecycle" else REPOSITORY_POLICIES
        try:
            return kind.get_text(client, name)
        except aws_error(*kind.not_found_codes):
            return None


class ReplicationStatusReader:
    """DescribeImageReplicationStatus, where the endpoint has it.

    The first call is a probe made with retries off: an endpoint without the API (moto alone
    answers HTTP 500; ecrrep's sandbox has it) would otherwise cost botocore's whole retry
    budget per call. After a
    failed probe the reader answers nothing for the rest of the run and says why, once.
    """

    def __init__(self, ctx: AwsContext, notify: Callable[[str], None]):
        self.ctx = ctx
        self.notify = notify
        self.available: bool | None = None

    def statuses(
        self, source_region: str, images: list[tuple[str, str]]
    ) -> dict[tuple[str, str, str], ReplicationStatus]:
        if not images or self.available is False:
            return {}
        out: dict[tuple[str, str, str], ReplicationStatus] = {}
        rest = images
        if self.available is None:
            first, rest = images[0], images[1:]
            probe = self.ctx.client("ecr", source_region, retries=False)
            try:
                out.update(self._one(probe, *first))
            except AWS_EXCEPTIONS as exc:
                self.available = False
                self.notify(
                    f"DescribeImageReplicationStatus is not available here ({_reason(exc)}): "
                    "judging by digests present in each region and the grace period only."
                )
                return {}
            self.available = True
        client = self.ctx.client("ecr", source_region)
        for answer in self.ctx.map(lambda image: self._read(client, *image), rest):
            out.update(answer)
        return out

    def _read(self, client: Any, repository: str, digest: str) -> dict:
        with aws_action(f"{repository}@{digest}", "DescribeImageReplicationStatus"):
            return self._one(client, repository, digest)

    @staticmethod
    def _one(client: Any, repository: str, digest: str) -> dict:
        answer = client.describe_image_replication_status(
            repositoryName=repository, imageId={"imageDigest": digest}
        )
        return {
            (repository, digest, s["region"]): ReplicationStatus(
                s.get("status", ""), s.get("failureCode")
            )
            for s in answer.get("replicationStatuses", [])
        }


def _reason(exc: BaseException) -> str:
    code = error_code(exc)
    return f"{code}" if code else type(exc).__name__

