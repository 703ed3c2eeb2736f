"""Tag mutability exclusion filters match tags as wildcards, the whole tag.

AWS page: ImageTagMutabilityExclusionFilter, Amazon ECR API Reference,
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageTagMutabilityExclusionFilter.html
(`filterType` WILDCARD; `filter` of letters, digits, `._-` and `*`), and "Preventing image
tags from being overwritten in Amazon ECR",
https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html:
with IMMUTABLE_WITH_EXCLUSION the tags a filter matches stay mutable, with
MUTABLE_WITH_EXCLUSION they become immutable.

moto models the settings but matches a filter as a regular expression from the tag's start:
`dev-*` also matches `devx` (the `-` made optional), and `*-dev` is an invalid expression
(an HTTP 500). While aws-like is on, moto's rule runs against the filters translated to
whole-tag wildcard expressions.

moto also refuses to move an immutable tag with ImageAlreadyExistsException, which AWS keeps
for a push that changes nothing (the same image with the same tag again); a push that would
move an immutable tag onto another image is ImageTagAlreadyExistsException ("The specified
image is tagged with a tag that already exists. The repository is configured for tag
immutability.": botocore's ECR model, PutImage's errors;
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html). A client that
treats ImageAlreadyExistsException as "already pushed", as a retrying push does, would take
moto's answer as success while the tag stayed on the other image. While aws-like is on, the
refusal carries AWS's code.
"""

from __future__ import annotations

import re
from typing import Any

from ecrrep.sandbox.patching import aws_like, service_error, wrap_method

TAG_EXISTS_MESSAGE = ("The image tag '{tag}' already exists in the '{repository}' repository "
                      "and cannot be overwritten because the tag is immutable.")


def install() -> None:
    from moto.ecr.models import ECRBackend

    wrap_method(ECRBackend, "_resolve_image_tag_mutability", _with_wildcard_filters)
    wrap_method(ECRBackend, "put_image", _immutable_tag_refused_as_aws_does)


def wildcard_expression(wildcard: str) -> str:
    """The regular expression matching exactly the tags the wildcard matches."""
    return ".*".join(re.escape(part) for part in wildcard.split("*")) + r"\Z"


def wildcard_matches(wildcard: str, tag: str) -> bool:
    return re.match(wildcard_expression(wildcard), tag) is not None


class _WildcardView:
    """The repository as moto's mutability rule reads it, with its filters as expressions;
    everything else is the repository itself (so nothing is changed under other requests)."""

    def __init__(self, repository: Any) -> None:
        self._repository = repository
        self.image_tag_mutability_exclusion_filters = [
            {**f, "filter": wildcard_expression(f["filter"])}
            for f in repository.image_tag_mutability_exclusion_filters]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repository, name)


def _with_wildcard_filters(original: Any, backend: Any, repository: Any,
                           proposed_image_tag: str) -> Any:
    if aws_like() and repository.image_tag_mutability_exclusion_filters:
        repository = _WildcardView(repository)
    return original(backend, repository, proposed_image_tag)


def _immutable_tag_refused_as_aws_does(original: Any, backend: Any, repository_name: str,
                                       image_manifest: str, image_tag: str | None = None,
                                       *args: Any, **kwargs: Any) -> Any:
    from moto.ecr.exceptions import ImageAlreadyExistsException

    try:
        return original(backend, repository_name, image_manifest, image_tag, *args, **kwargs)
    except ImageAlreadyExistsException:
        if not aws_like() or image_tag is None:
            raise
        repository = backend.repositories[repository_name]
        held_by_another = any(image_tag in image.image_tags
                              and image.image_manifest != image_manifest
                              for image in repository.images)
        if not held_by_another:
            raise
        raise service_error("ImageTagAlreadyExistsException", TAG_EXISTS_MESSAGE.format(
            tag=image_tag, repository=repository_name)) from None
