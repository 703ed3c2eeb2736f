"""The spec: its models and rules, the YAML loader with FILE:LINE diagnostics, and every name,
region, key and document derived from it (pure: no AWS calls)."""
