"""ecrrep keeps an Amazon ECR registry set up for cross-region image replication."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ecrrep")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
