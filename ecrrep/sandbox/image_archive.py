"""ECR's archive storage class, which moto lacks: UpdateImageStorageClass, every image's
imageStatus in DescribeImages, and the imageStatus filter of DescribeImages and ListImages.

AWS pages: "Archiving an image in Amazon ECR",
https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive_restore_image.html, "Archiving an
image", https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html, and the API
Reference's UpdateImageStorageClass
(https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_UpdateImageStorageClass.html).

- Every image has an imageStatus: ACTIVE, ARCHIVED or ACTIVATING (being restored).
- UpdateImageStorageClass to ARCHIVE archives an ACTIVE image (lastArchivedAt: now); to
  STANDARD restores an ARCHIVED one: ACTIVATING for `RESTORE_SECONDS` on the sandbox clock
  (AWS: "within 20 minutes"; aws-like only, otherwise at once), then ACTIVE with
  lastActivatedAt. Any other move (an image already in that class, or being restored) is
  ImageStorageClassUpdateNotSupportedException (AWS's wording not found: botocore's
  documentation of the error). A missing repository or image: moto's own not-found errors.
- DescribeImages and ListImages without `filter.imageStatus` list ACTIVE images only, as
  botocore's ECR model documents (DescribeImagesFilter, ListImagesFilter); ANY lists every
  image. DescribeImages naming images by `imageIds` answers them whatever their status.
Not modelled: pulls of archived images failing, and a push restoring an archived image.
"""

from __future__ import annotations

from typing import Any

from ecrrep.sandbox import settings
from ecrrep.sandbox.patching import add_method, aws_like, service_error, wrap_method

# AWS: "You can expect ECR to restore the image within 20 minutes" (archive_restore_image).
RESTORE_SECONDS = 20 * 60
_ARCHIVED_AT = "_sandbox_archived_at"  # attributes on moto's Image: they die with it
_ACTIVATED_AT = "_sandbox_activated_at"
_ACTIVE_FROM = "_sandbox_active_from"  # set while restoring: when the image is ACTIVE again


def install() -> None:
    from moto.ecr.models import ECRBackend, Image
    from moto.ecr.responses import ECRResponse

    # Properties moto's serializer reads by their names (imageStatus, lastArchivedAt, ...).
    Image.image_status = property(image_status)  # type: ignore[attr-defined]
    Image.last_archived_at = property(lambda i: _moment(i, _ARCHIVED_AT))  # type: ignore[attr-defined]
    Image.last_activated_at = property(_activated_at)  # type: ignore[attr-defined]
    add_method(ECRBackend, "update_image_storage_class", update_storage_class)
    add_method(ECRResponse, "update_image_storage_class", _respond_update)
    wrap_method(ECRResponse, "describe_images", _filter_described)
    wrap_method(ECRResponse, "list_images", _filter_listed)


def image_status(image: Any) -> str:
    """ACTIVE, ARCHIVED or ACTIVATING, on the sandbox clock."""
    active_from = getattr(image, _ACTIVE_FROM, None)
    if active_from is not None:
        return "ACTIVATING" if settings.now() < active_from else "ACTIVE"
    return "ARCHIVED" if getattr(image, _ARCHIVED_AT, None) is not None else "ACTIVE"


def _activated_at(image: Any) -> int | None:
    active_from = getattr(image, _ACTIVE_FROM, None)
    if active_from is not None and settings.now() >= active_from:
        return int(active_from)
    return _moment(image, _ACTIVATED_AT)


def _moment(image: Any, name: str) -> int | None:
    value = getattr(image, name, None)
    return None if value is None else int(value)


def update_storage_class(backend: Any, repository_name: str, image_id: dict[str, str],
                         target: str) -> tuple[Any, str]:
    """(image, its status after the move) for UpdateImageStorageClass."""
    repository = backend._get_repository(repository_name)
    image = repository._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
    status, now = image_status(image), settings.now()
    if target == "ARCHIVE" and status == "ACTIVE":
        if getattr(image, _ACTIVE_FROM, None) is not None:
            setattr(image, _ACTIVATED_AT, getattr(image, _ACTIVE_FROM))
        setattr(image, _ACTIVE_FROM, None)
        setattr(image, _ARCHIVED_AT, now)
    elif target == "STANDARD" and status == "ARCHIVED":
        delay = RESTORE_SECONDS if aws_like() else 0.0
        setattr(image, _ACTIVE_FROM, now + delay)
    else:
        raise service_error("ImageStorageClassUpdateNotSupportedException",
                            f"The requested image storage class update is not supported: "
                            f"the image is {status}.")
    return image, image_status(image)


def _respond_update(response: Any) -> Any:
    from moto.core.responses import ActionResult

    name = response._get_param("repositoryName")
    image, status = response.ecr_backend.update_image_storage_class(
        name, response._get_param("imageId") or {}, response._get_param("targetStorageClass"))
    return ActionResult({"registryId": response.current_account, "repositoryName": name,
                         "imageId": {"imageDigest": image.get_image_digest()},
                         "imageStatus": status})


def _wanted_status(response: Any) -> str:
    return (response._get_param("filter") or {}).get("imageStatus") or "ACTIVE"


def _keeps(wanted: str, status: str) -> bool:
    return wanted == "ANY" or wanted == status


def _filter_described(original: Any, response: Any) -> Any:
    result = original(response)
    if response._get_param("imageIds"):
        return result
    wanted = _wanted_status(response)
    body = result.result
    body["imageDetails"] = [i for i in body["imageDetails"] if _keeps(wanted, image_status(i))]
    return result


def _filter_listed(original: Any, response: Any) -> Any:
    result = original(response)
    wanted = _wanted_status(response)
    repository = response.ecr_backend.repositories.get(response._get_param("repositoryName"))
    statuses = {i.get_image_digest(): image_status(i) for i in repository.images}
    body = result.result
    body["imageIds"] = [i for i in body["imageIds"]
                        if _keeps(wanted, statuses.get(i["imageDigest"], "ACTIVE"))]
    return result
