"""The cleanup function: its code, the metrics it publishes and its packaging.

`function/` is what ships in the Lambda's zip (with the function's settings,
`ecrrep/cleanup/function/settings.json`), so it imports nothing else of ecrrep: only the standard
library, boto3 (which Lambda provides) and its own files. `ecrrep cleanup` runs the same code
locally; `function/ownership.py` is the one ownership check the two share. `package.py` builds the
zip reproducibly. The entry point is `ecrrep.cleanup.function.handler.handler`.
"""
