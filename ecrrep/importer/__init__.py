"""`ecrrep import`: read an existing registry and write a spec for it.

- `read`      the only module that talks to AWS: which repositories and rules exist, then every
              resource kind's own `read` on a provisional spec;
- `function_package` the cleanup function's settings, from the package GetFunction hands out
              (read's one download);
- `lifecycle`, `policies` and `templates`: pure, AWS documents → spec values (or why they
              cannot be);
- `assemble`  pure: the resources read → a spec dict and notes on what it cannot express;
- `yaml_text` the spec dict and its notes → commented YAML.
"""

from __future__ import annotations

from ecrrep.importer.assemble import Note
from ecrrep.importer.read import ImportError_, import_registry
from ecrrep.importer.yaml_text import spec_yaml

__all__ = ["ImportError_", "Note", "import_registry", "spec_yaml"]
