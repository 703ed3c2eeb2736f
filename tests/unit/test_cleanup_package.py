"""The cleanup function's package: reproducible, holding only what Lambda has, with the handler
it names."""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import sys
import zipfile

from ecrrep.cleanup import package as lambda_package
from ecrrep.resources.cleanup_function import HANDLER, function_settings
from tests.support.kind_inputs import (
    make_spec,
)


def test_the_package_is_reproducible():
    settings = function_settings(make_spec())
    first = lambda_package.build_zip(lambda_package.package_files(settings=settings))
    second = lambda_package.build_zip(lambda_package.package_files(settings=settings))
    assert first == second
    sha = lambda_package.code_sha256(first)
    assert sha == base64.b64encode(hashlib.sha256(second).digest()).decode()
    assert lambda_package.code_sha256(lambda_package.cleanup_package(settings)) == sha
    other = function_settings(make_spec(lambda d: d["cleanup"].update(dry_run=True)))
    assert lambda_package.code_sha256(lambda_package.cleanup_package(other)) != sha


def test_package_entries_have_fixed_times_modes_and_order(tmp_path):
    files = {"ecrrep/b.py": b"b\n", "ecrrep/a.py": b"a\n"}
    archive = zipfile.ZipFile(io.BytesIO(lambda_package.build_zip(files)))
    infos = archive.infolist()
    assert [i.filename for i in infos] == ["ecrrep/a.py", "ecrrep/b.py"]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
        assert info.compress_type == zipfile.ZIP_STORED
    # Different insertion order, same bytes.
    assert lambda_package.build_zip(dict(reversed(files.items()))) == \
        lambda_package.build_zip(files)


def test_package_holds_the_function_package_and_a_stub(tmp_path):
    root = tmp_path / "ecrrep"
    function = root / "cleanup" / "function"
    (function / "__pycache__").mkdir(parents=True)
    (root / "cleanup" / "__init__.py").write_text('"""cleanup"""\n')
    (root / "cleanup" / "package.py").write_text("import zipfile\n")
    (function / "handler.py").write_bytes(b"def handler(event, context):\r\n    pass\r\n")
    (function / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\0")
    (function / "metrics.py").write_text("NAMESPACE = 'ECRRep'\n")
    (root / "spec.py").write_text("import pydantic\n")
    files = lambda_package.package_files(root)
    assert sorted(files) == ["ecrrep/__init__.py", "ecrrep/cleanup/__init__.py",
                             "ecrrep/cleanup/function/handler.py",
                             "ecrrep/cleanup/function/metrics.py"]
    assert files["ecrrep/cleanup/function/handler.py"] == \
        b"def handler(event, context):\n    pass\n"
    assert files["ecrrep/__init__.py"] == lambda_package.PACKAGE_STUB


def _imports(source: bytes) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_packaged_code_imports_only_what_lambda_has():
    files = lambda_package.package_files()
    modules = {name[:-3].replace("/", ".").removesuffix(".__init__") for name in files}
    for name, source in files.items():
        for module in _imports(source):
            top = module.split(".")[0]
            if top == "ecrrep":
                # `from ecrrep import metrics` names a module; `from x import name` a name.
                assert module in modules or module.rsplit(".", 1)[0] in modules, (name, module)
            else:
                assert top in sys.stdlib_module_names or top in ("boto3", "botocore"), (
                    name, module)


def test_handler_named_in_the_function_exists_in_the_package():
    module, function = HANDLER.rsplit(".", 1)
    files = lambda_package.package_files()
    source = files.get(module.replace(".", "/") + ".py")
    assert source is not None, module
    defined = {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    assert function in defined
