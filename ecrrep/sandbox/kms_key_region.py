"""A repository's KMS key must be in the repository's Region.

AWS page: EncryptionConfiguration, Amazon ECR API Reference,
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_EncryptionConfiguration.html
("The alias, key ID, or full ARN of the KMS key can be specified. The key must exist in the
same Region as the repository.").

ECR reports what KMS answered as `KmsException` (botocore's ECR model: `message` and
`kmsError`); KMS answers a key ARN of another Region with NotFoundException "Invalid arn"
(the region in the ARN is not the endpoint's). AWS's exact ECR wording was not found; the
code and `kmsError` follow the model, the message names the key and the Region.
Aliases and bare key ids are resolved in the repository's Region, so they always pass here.
"""

from __future__ import annotations

from typing import Any

from ecrrep.sandbox.patching import aws_like, service_error, wrap_method


def install() -> None:
    from moto.ecr.models import ECRBackend

    wrap_method(ECRBackend, "create_repository", _check_key_region)


def key_region(kms_key: str | None) -> str | None:
    """The Region named in a KMS key or alias ARN; None for an alias name or key id."""
    if not kms_key or not kms_key.startswith("arn:"):
        return None
    parts = kms_key.split(":")
    return parts[3] if len(parts) > 3 else None


def _check_key_region(original: Any, backend: Any, *args: Any, **kwargs: Any) -> Any:
    encryption = kwargs.get("encryption_config") or {}
    region = key_region(encryption.get("kmsKey"))
    if aws_like() and region and region != backend.region_name:
        raise service_error(
            "KmsException",
            f"Invalid arn {encryption['kmsKey']}: the KMS key must be in the repository's "
            f"Region ({backend.region_name})", kmsError="NotFoundException")
    return original(backend, *args, **kwargs)

