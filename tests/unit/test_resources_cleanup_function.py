"""The cleanup function kind with plain values: its settings, its size, and a function read
back."""

from __future__ import annotations

import io
import json
import zipfile

from ecrrep.cleanup import package as lambda_package
from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.engine.diff import diff_resources
from ecrrep.engine.plan import Resource
from ecrrep.resources.cleanup_function import function_attrs, function_settings
from ecrrep.spec import naming
from tests.support.kind_inputs import (
    ACCOUNT,
    FUNCTION,
    OPTIONS,
    PROJECT,
    SCHEDULE,
    TARGET,
    make_spec,
    no_changes,
)


def test_function_settings_carry_the_cleanup_settings_inside_the_package():
    settings = json.loads(function_settings(make_spec()))
    assert settings == {
        "project": PROJECT, "source_region": "us-east-1",
        "destination_regions": ["us-west-2", "eu-west-1"],
        "repository_prefix": "my-company-apps",
        "repositories": {"production": 90, "testing": 7}, "default_retention_days": 30,
        "protected_tag_prefixes": ["prod"], "dry_run": False, "replication_grace_minutes": 30,
    }
    (desired,) = FUNCTION.desired(make_spec(), TARGET)
    package = zipfile.ZipFile(io.BytesIO(lambda_package.cleanup_package(
        desired.facts["settings"])))
    assert json.loads(package.read("ecrrep/cleanup/function/settings.json")) == settings
    assert desired.attrs["environment"] == {}  # nothing left in Lambda's 4 KB environment


def test_five_thousand_repositories_fit():
    def many(d):
        d["repositories"] = [{**d["repositories"][0], "name": f"service-{n:05d}"}
                             for n in range(5000)]
        d["cleanup"]["retention_days"] = {f"service-{n:05d}": 7 for n in range(0, 5000, 3)}

    spec = make_spec(many)
    (desired,) = FUNCTION.desired(spec, TARGET)
    environment = desired.attrs["environment"]
    # Lambda's limit: 4 KB for all keys and values together.
    assert sum(len(k) + len(v) for k, v in environment.items()) <= 4096
    config = CleanupConfig.from_settings_text(desired.facts["settings"])
    assert config == CleanupConfig.from_spec(spec)
    assert len(config.repositories) == 5000 and config.retention_days("service-00003") == 7
    assert len(lambda_package.cleanup_package(desired.facts["settings"])) < 50 * 1024 * 1024


def test_a_function_read_back_is_unchanged_and_new_code_is_one_field():
    (desired,) = FUNCTION.desired(make_spec(), TARGET)
    after = desired.attrs
    configuration = {  # as get_function returns it, with fields we do not manage
        "FunctionName": desired.name, "FunctionArn": desired.facts["arn"],
        "Runtime": after["runtime"], "Role": after["role"], "Handler": after["handler"],
        "CodeSize": 1234, "Description": after["description"], "Timeout": after["timeout"],
        "MemorySize": after["memory_size"], "LastModified": "2026-01-01T00:00:00.000+0000",
        "CodeSha256": after["code_sha256"], "Version": "$LATEST",
        "Environment": {"Variables": dict(reversed(list(after["environment"].items())))},
        "TracingConfig": {"Mode": "PassThrough"}, "State": "Active",
        "PackageType": "Zip", "Architectures": ["x86_64"],
    }
    current = Resource(desired.type, desired.region, desired.name,
                       function_attrs(configuration, dict(after["tags"])))
    assert no_changes([desired], [current])
    stale = Resource(desired.type, desired.region, desired.name,
                     {**current.attrs, "code_sha256": "old="})
    (change,) = diff_resources([desired], [stale], OPTIONS)
    assert [f.field for f in change.fields] == ["code_sha256"]
    assert after["runtime"].startswith("python3")
    assert after["role"] == naming.role_arn(ACCOUNT, f"{PROJECT}-ecr-cleanup")


def test_function_defaults_read_as_defaults():
    attrs = function_attrs({"Runtime": "python3.12", "Handler": "h", "Role": "r"}, {})
    assert (attrs["timeout"], attrs["memory_size"], attrs["description"],
            attrs["environment"]) == (3, 128, "", {})


def test_without_cleanup_no_function_and_no_schedule():
    spec = make_spec(lambda d: d["cleanup"].update(enabled=False))
    assert FUNCTION.desired(spec, TARGET) == [] and SCHEDULE.desired(spec, TARGET) == []
