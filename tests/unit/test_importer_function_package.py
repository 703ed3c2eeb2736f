"""The cleanup function's settings read from its package: the settings file inside the zip,
downloaded from GetFunction's Code.Location over http(s) only, in memory and size-capped; every
failure is a reason, never a crash."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from ecrrep.cleanup import package as lambda_package
from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.importer.function_package import (
    PackageError,
    check_settings,
    code_location,
    download,
    settings_from_package,
)

CONFIG = CleanupConfig(source_region="us-east-1", repository_prefix="apps", project="apps",
                       repositories={"api": 90, "web": None},
                       destination_regions=("us-west-2", "eu-west-1"), dry_run=True)


def test_the_settings_come_back_from_the_package_ecrrep_builds():
    package = lambda_package.cleanup_package(CONFIG.settings_text())
    assert settings_from_package(package) == CONFIG


@pytest.mark.parametrize(("package", "reason"), [
    (lambda_package.build_zip({"ecrrep/__init__.py": b""}),
     "the package has no ecrrep/cleanup/function/settings.json"),
    (b"not a zip", "the package is not a readable zip (File is not a zip file)"),
    (lambda_package.build_zip({lambda_package.SETTINGS_ENTRY: b"{"}),
     "ecrrep/cleanup/function/settings.json: settings.json is not JSON: Expecting property name "
     "enclosed in double quotes"),
    (lambda_package.build_zip({lambda_package.SETTINGS_ENTRY: b"\xff"}),
     "ecrrep/cleanup/function/settings.json is not UTF-8 text"),
    (lambda_package.build_zip({lambda_package.SETTINGS_ENTRY: b'{"project": "apps"}'}),
     "ecrrep/cleanup/function/settings.json: source_region is not set"),
])
def test_an_unreadable_package_says_why(package, reason):
    with pytest.raises(PackageError) as caught:
        settings_from_package(package)
    assert str(caught.value) == reason


def test_settings_of_another_registry_are_refused():
    check_settings(CONFIG, "us-east-1", "apps")
    with pytest.raises(PackageError) as caught:
        check_settings(CONFIG, "us-east-1", "other")
    assert str(caught.value) == "the settings are for apps/ in us-east-1, not other/ in us-east-1"


@pytest.mark.parametrize(("code", "reason"), [
    ({"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/f:1", "RepositoryType": "ECR"},
     "GetFunction gives an image, not a .zip location"),
    ({}, "GetFunction gives no package, not a .zip location"),
    ({"Location": "file:///etc/passwd", "RepositoryType": "S3"},
     "the package's location is not an http(s) URL"),
])
def test_only_an_http_location_is_followed(code, reason):
    with pytest.raises(PackageError) as caught:
        code_location({"Code": code})
    assert str(caught.value) == reason


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b"x" * 2048

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/package.zip")
            self.end_headers()
            return
        if self.path == "/missing":
            self.send_error(403)
            return
        self.send_response(200)
        if self.path != "/undeclared":
            self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_reads_the_bytes(server):
    assert download(f"{server}/package.zip") == _Handler.body


@pytest.mark.parametrize("path", ["/package.zip", "/undeclared"])
def test_download_refuses_more_than_the_limit(server, path):
    with pytest.raises(PackageError) as caught:
        download(f"{server}{path}", limit=1024)
    assert str(caught.value) == "the package is larger than 1024 bytes"


@pytest.mark.parametrize(("path", "reason"), [
    ("/redirect", "the package's location redirects to a URL that is not http(s)"),
    ("/missing", "downloading the package failed: HTTP 403"),
])
def test_download_failures_say_why(server, path, reason):
    with pytest.raises(PackageError) as caught:
        download(f"{server}{path}")
    assert str(caught.value) == reason


def test_download_refuses_other_schemes():
    with pytest.raises(PackageError) as caught:
        download("file:///etc/passwd")
    assert str(caught.value) == "the package's location is not an http(s) URL"
