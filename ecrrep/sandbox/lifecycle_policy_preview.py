"""Lifecycle policy preview: StartLifecyclePolicyPreview and GetLifecyclePolicyPreview, which
moto lacks, answered with ecrrep's own lifecycle evaluator (`ecrrep.lifecycle.evaluate`).

AWS pages: "Creating a lifecycle policy preview in Amazon ECR",
https://docs.aws.amazon.com/AmazonECR/latest/userguide/lpp_creation.html, and the API
Reference's StartLifecyclePolicyPreview / GetLifecyclePolicyPreview
(https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetLifecyclePolicyPreview.html).

- Start previews the given policy text, else the repository's policy
  (LifecyclePolicyNotFoundException when it has none), on the repository's images as they
  are at that moment, and answers status IN_PROGRESS.
- Get answers IN_PROGRESS, without results, until `lifecycle_preview_seconds` have passed on
  the sandbox clock (aws-like only; otherwise at once), then COMPLETE with one result per
  expiring image (digest, tags, push time, action EXPIRE, the rule's priority) and the
  summary; and one per image a transition rule would archive (action TRANSITION with
  targetStorageClass ARCHIVE, counted in the summary's transitioningImageTotalCounts). Each
  result carries the image's storageClass (STANDARD, or ARCHIVE when archived: the
  `image_archive` behaviour). `filter.tagStatus` and `imageIds` narrow the results.
- A second Start while one is in progress: LifecyclePolicyPreviewInProgressException; Get
  before any Start: LifecyclePolicyPreviewNotFoundException (messages from botocore's ECR model
  documentation of those errors, AWS's wording not found).
- A policy moto's validator or the evaluator refuses: InvalidParameterException in ECR's
  "Lifecycle policy validation failure" wording.
Pagination is not modelled: one page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ecrrep.sandbox import settings
from ecrrep.sandbox.patching import add_method, aws_like, service_error

PREVIEW = "sandbox_lifecycle_preview"  # attribute on moto's Repository: dies with it


@dataclass(frozen=True)
class Preview:
    policy_text: str
    ready_at: float
    results: tuple[dict[str, Any], ...]


def install() -> None:
    from moto.ecr.models import ECRBackend
    from moto.ecr.responses import ECRResponse

    add_method(ECRBackend, "start_lifecycle_policy_preview", start_preview)
    add_method(ECRBackend, "get_lifecycle_policy_preview", get_preview)
    add_method(ECRResponse, "start_lifecycle_policy_preview", _respond_start)
    add_method(ECRResponse, "get_lifecycle_policy_preview", _respond_get)


def start_preview(backend: Any, repository_name: str, policy_text: str | None) -> Preview:
    from moto.ecr.exceptions import LifecyclePolicyNotFoundException

    repository = backend._get_repository(repository_name)
    now = settings.now()
    running: Preview | None = getattr(repository, PREVIEW, None)
    if running is not None and running.ready_at > now:
        raise service_error("LifecyclePolicyPreviewInProgressException",
                     "The previous lifecycle policy preview request has not completed. Wait "
                     "and try again.")
    text = policy_text or repository.lifecycle_policy
    if not text:
        raise LifecyclePolicyNotFoundException(repository_name, backend.account_id)
    delay = settings.current().lifecycle_preview_seconds if aws_like() else 0.0
    preview = Preview(text, now + delay, tuple(preview_results(text, repository.images, now)))
    setattr(repository, PREVIEW, preview)
    return preview


def preview_results(policy_text: str, images: list[Any], now: float) -> list[dict[str, Any]]:
    """One result per image the policy would expire or archive, in the evaluator's order."""
    from moto.ecr.exceptions import InvalidParameterException
    from moto.ecr.policy_validation import EcrLifecyclePolicyValidator

    from ecrrep.lifecycle import evaluate as lifecycle_eval

    EcrLifecyclePolicyValidator(policy_text).validate()
    described = [_described(i) for i in images]
    try:
        acted = lifecycle_eval.lifecycle_actions(json.loads(policy_text), described,
                                                 datetime.fromtimestamp(now, UTC))
    except lifecycle_eval.PolicyError as error:
        raise InvalidParameterException(
            "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: "
            f"'Lifecycle policy validation failure: {error}'") from None
    return [{"imageDigest": e.image.digest, "imageTags": list(e.image.tags),
             "imagePushedAt": int(e.image.pushed_at.timestamp()),
             "action": _action(e.action), "appliedRulePriority": e.rule,
             "storageClass": "ARCHIVE" if e.image.status == "ARCHIVED" else "STANDARD"}
            for e in acted]


def _described(image: Any) -> dict[str, Any]:
    """A moto image as describe_images gives it, with its archive state where known."""
    out = {"imageDigest": image.get_image_digest(), "imageTags": list(image.image_tags),
           "imagePushedAt": datetime.fromtimestamp(image.image_pushed_at, UTC),
           "imageStatus": getattr(image, "image_status", "ACTIVE")}
    for key, attribute in (("lastArchivedAt", "last_archived_at"),
                           ("lastRecordedPullTime", "last_recorded_pull_time")):
        if (moment := getattr(image, attribute, None)) is not None:
            out[key] = datetime.fromtimestamp(moment, UTC)
    return out


def _action(action: str) -> dict[str, str]:
    if action == "transition":
        return {"type": "TRANSITION", "targetStorageClass": "ARCHIVE"}
    return {"type": "EXPIRE"}


def get_preview(backend: Any, repository_name: str, tag_status: str | None = None,
                image_ids: list[dict[str, str]] | None = None) -> tuple[str, Preview]:
    """(status, preview) of the repository's last preview."""
    repository = backend._get_repository(repository_name)
    preview: Preview | None = getattr(repository, PREVIEW, None)
    if preview is None:
        raise service_error("LifecyclePolicyPreviewNotFoundException",
                     "There is no dry run for this repository.")
    if preview.ready_at > settings.now():
        return "IN_PROGRESS", Preview(preview.policy_text, preview.ready_at, ())
    kept = [r for r in preview.results if _wanted(r, tag_status, image_ids)]
    return "COMPLETE", Preview(preview.policy_text, preview.ready_at, tuple(kept))


def _wanted(result: dict[str, Any], tag_status: str | None,
            image_ids: list[dict[str, str]] | None) -> bool:
    if tag_status == "TAGGED" and not result["imageTags"]:
        return False
    if tag_status == "UNTAGGED" and result["imageTags"]:
        return False
    return not image_ids or any(
        i.get("imageDigest") == result["imageDigest"] or i.get("imageTag") in result["imageTags"]
        for i in image_ids)


def _respond_start(response: Any) -> Any:
    from moto.core.responses import ActionResult

    name = response._get_param("repositoryName")
    preview = response.ecr_backend.start_lifecycle_policy_preview(
        name, response._get_param("lifecyclePolicyText"))
    return ActionResult({"registryId": response.current_account, "repositoryName": name,
                         "lifecyclePolicyText": preview.policy_text, "status": "IN_PROGRESS"})


def _respond_get(response: Any) -> Any:
    from moto.core.responses import ActionResult

    name = response._get_param("repositoryName")
    status, preview = response.ecr_backend.get_lifecycle_policy_preview(
        name, (response._get_param("filter") or {}).get("tagStatus"),
        response._get_param("imageIds"))
    body: dict[str, Any] = {"registryId": response.current_account, "repositoryName": name,
                            "lifecyclePolicyText": preview.policy_text, "status": status}
    if status == "COMPLETE":
        body["previewResults"] = list(preview.results)
        body["summary"] = _summary(preview.results)
    return ActionResult(body)


def _summary(results: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """expiringImageTotalCount; transitioningImageTotalCounts only when an image transitions
    (botocore's LifecyclePolicyPreviewSummary)."""
    archiving = sum(r["action"]["type"] == "TRANSITION" for r in results)
    out: dict[str, Any] = {"expiringImageTotalCount": len(results) - archiving}
    if archiving:
        out["transitioningImageTotalCounts"] = [
            {"targetStorageClass": "ARCHIVE", "imageTotalCount": archiving}]
    return out
