"""The cleanup function: the Lambda's code, also run locally by `ecrrep cleanup`.

It ships in the function's zip as this folder plus `ecrrep/metrics.py` and the function's
settings (`ecrrep/cleanup/settings.json`), so it imports nothing else of ecrrep: only the
standard library, boto3 (which Lambda provides) and those files. `ownership.py` is the one
ownership check that the function and `ecrrep cleanup` share.
The entry point is `ecrrep.cleanup.handler.handler`.
"""
