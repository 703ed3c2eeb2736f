"""The cleanup function's settings, as deployed: read from the function's own package.

ecrrep ships the settings as `ecrrep/cleanup/function/settings.json` inside the function's zip
(see `ecrrep.cleanup.function.config` for why not environment variables; functions deployed by
earlier versions carry them as `ecrrep/cleanup/settings.json`, also read). GetFunction hands out
the package as `Code.Location`, "a presigned URL that you can use to download the deployment
package", valid for 10 minutes (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html,
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCodeLocation.html); an image function
has an `ImageUri` instead, and no zip to read.

`deployed_settings` is the I/O (GetFunction, one download); `settings_from_package` is pure.
Every way this can fail gives a `problem` instead of settings: the import then writes the
defaults and says why, since the function's settings are worth a comment, not a failed import.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ecrrep.aws import AWS_EXCEPTIONS, error_code
from ecrrep.cleanup.function.config import CleanupConfig, ConfigError
from ecrrep.cleanup.package import PREVIOUS_SETTINGS_ENTRY, SETTINGS_ENTRY

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext

# Lambda takes at most 50 MB zipped through its API
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); ecrrep's package
# is a few dozen KB, so anything larger is not ecrrep's and is not worth holding in memory.
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
MAX_SETTINGS_BYTES = 16 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 30
SCHEMES = ("http", "https")


class PackageError(Exception):
    """The package or its settings cannot be read; the message says why."""


@dataclass(frozen=True)
class DeployedSettings:
    config: CleanupConfig | None
    problem: str = ""


def deployed_settings(ctx: AwsContext, function_name: str, region: str, prefix: str
                      ) -> DeployedSettings:
    """The settings the function's package carries, or why they could not be read."""
    client = ctx.client("lambda", region)
    try:
        # GetFunction (errors: ResourceNotFoundException, InvalidParameterValueException,
        # TooManyRequestsException, ServiceException); its Code is the package's location.
        answer = client.get_function(FunctionName=function_name)
    except AWS_EXCEPTIONS as exc:
        return DeployedSettings(None, f"GetFunction failed: {error_code(exc)}")
    try:
        config = settings_from_package(download(code_location(answer)))
        check_settings(config, region, prefix)
    except PackageError as exc:
        return DeployedSettings(None, str(exc))
    return DeployedSettings(config)


def code_location(answer: dict[str, Any]) -> str:
    code = answer.get("Code") or {}
    location = code.get("Location")
    if not location:
        kind = "an image" if code.get("ImageUri") else "no package"
        raise PackageError(f"GetFunction gives {kind}, not a .zip location")
    if urlsplit(location).scheme not in SCHEMES:
        raise PackageError("the package's location is not an http(s) URL")
    return str(location)


class _HttpRedirectsOnly(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another http(s) URL (urllib would also follow ftp)."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        if urlsplit(newurl).scheme not in SCHEMES:
            raise PackageError("the package's location redirects to a URL that is not http(s)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, limit: int = MAX_PACKAGE_BYTES,
             timeout: float = DOWNLOAD_TIMEOUT_SECONDS) -> bytes:
    """The bytes at `url` (http or https only), in memory, refused past `limit`."""
    if urlsplit(url).scheme not in SCHEMES:
        raise PackageError("the package's location is not an http(s) URL")
    opener = urllib.request.build_opener(_HttpRedirectsOnly())
    try:
        with opener.open(url, timeout=timeout) as answer:
            declared = answer.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise PackageError(f"the package is larger than {_size(limit)}")
            data = answer.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise PackageError(f"downloading the package failed: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise PackageError(f"downloading the package failed: {reason}") from None
    if len(data) > limit:
        raise PackageError(f"the package is larger than {_size(limit)}")
    return data


def _size(count: int) -> str:
    return f"{count // 2**20} MB" if count % 2**20 == 0 else f"{count} bytes"


def _settings_entry(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    for name in (SETTINGS_ENTRY, PREVIOUS_SETTINGS_ENTRY):
        try:
            return archive.getinfo(name)
        except KeyError:
            continue
    raise PackageError(f"the package has no {SETTINGS_ENTRY}")


def settings_from_package(package: bytes) -> CleanupConfig:
    """The CleanupConfig of the settings file inside a package's zip bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            info = _settings_entry(archive)
            if info.file_size > MAX_SETTINGS_BYTES:
                raise PackageError(f"{SETTINGS_ENTRY} is larger than "
                                   f"{_size(MAX_SETTINGS_BYTES)}")
            with archive.open(info) as entry:
                raw = entry.read(MAX_SETTINGS_BYTES + 1)
            if len(raw) > MAX_SETTINGS_BYTES:  # the entry's header understated its size
                raise PackageError(f"{SETTINGS_ENTRY} is larger than "
                                   f"{_size(MAX_SETTINGS_BYTES)}")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise PackageError(f"the package is not a readable zip ({exc})") from None
    try:
        return CleanupConfig.from_settings_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PackageError(f"{SETTINGS_ENTRY} is not UTF-8 text") from None
    except ConfigError as exc:
        raise PackageError(f"{SETTINGS_ENTRY}: {exc}") from None


def check_settings(config: CleanupConfig, region: str, prefix: str) -> None:
    """Settings for another registry say nothing about this one."""
    if (config.source_region, config.repository_prefix) != (region, prefix):
        raise PackageError(f"the settings are for {config.repository_prefix}/ in "
                           f"{config.source_region}, not {prefix}/ in {region}")
