"""The cleanup function's deployment package, zipped reproducibly.

The same source files always give the same bytes, so the same CodeSha256 (base64 of the
zip's SHA-256, as Lambda reports it): an unchanged function is never updated. To get there,
every entry has a fixed timestamp (1980-01-01, the oldest a zip can hold), fixed permissions
(0644) and a fixed creator system, entries are sorted, and nothing is compressed — deflate's
output depends on the zlib build, which would give two machines two hashes for the same code.
Line endings are normalised to LF for the same reason (a Windows checkout).

The package holds the `ecrrep/cleanup/` package, `ecrrep/metrics.py` (the metrics the function
publishes), a minimal `ecrrep/__init__.py` (the real one reads the installed distribution's
version, which does not exist inside Lambda) and the function's settings,
`ecrrep/cleanup/settings.json` (see `ecrrep.cleanup.function.config` for why a file and not the
environment): the code hash changes with the settings, as it should.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from functools import lru_cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the `ecrrep` directory
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # a regular file, rw-r--r--
UNIX_SYSTEM = 3

PACKAGE_STUB = b'"""ecrrep\'s cleanup function, as packaged for AWS Lambda."""\n'


SETTINGS_ENTRY = "ecrrep/cleanup/function/settings.json"
# Where functions deployed by earlier ecrrep versions carry their settings; `ecrrep import`
# reads both.
PREVIOUS_SETTINGS_ENTRY = "ecrrep/cleanup/settings.json"


def package_files(root: Path = PACKAGE_ROOT, settings: str | None = None) -> dict[str, bytes]:
    """Archive name → content, for every file the function needs (the settings file only
    when `settings`, its text, is given)."""
    files = {"ecrrep/__init__.py": PACKAGE_STUB}
    if settings is not None:
        files[SETTINGS_ENTRY] = settings.encode("utf-8")
    function = root / "cleanup" / "function"
    sources = sorted(function.rglob("*.py")) if function.is_dir() else []
    if (root / "cleanup" / "__init__.py").is_file():
        sources.append(root / "cleanup" / "__init__.py")
    for path in sources:
        if "__pycache__" in path.parts:
            continue
        name = "ecrrep/" + path.relative_to(root).as_posix()
        files[name] = path.read_bytes().replace(b"\r\n", b"\n")
    return files


def build_zip(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the names and contents given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.external_attr = FILE_MODE << 16
            info.create_system = UNIX_SYSTEM
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def code_sha256(zip_bytes: bytes) -> str:
    """What Lambda reports as CodeSha256 for this package."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode("ascii")


@lru_cache(maxsize=4)
def cleanup_package(settings: str) -> bytes:
    """The cleanup function's zip with these settings (a CleanupConfig's `settings_text`),
    built once per process."""
    return build_zip(package_files(settings=settings))
