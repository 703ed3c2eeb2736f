"""Listing every item of a paginated AWS answer, with botocore's paginators."""

from __future__ import annotations

from typing import Any


def paginate(client: Any, operation: str, result_key: str, **params: Any) -> list[Any]:
    """Every item of a paginated listing, using botocore's paginator for the operation."""
    paginator = client.get_paginator(operation)
    items: list[Any] = []
    for page in paginator.paginate(**params):
        items.extend(page.get(result_key, []))
    return items
