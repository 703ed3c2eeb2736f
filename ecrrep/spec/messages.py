"""Pydantic's validation errors on a spec, in the words a user reads: "must be an integer",
"unknown key 'tag_mutabilty' (did you mean 'tag_mutability'?)". Values are shown cut
(`spec_rules.shown`)."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from ecrrep.spec.models import Spec
from ecrrep.spec.rules import Loc, did_you_mean, shown

_TYPE_MESSAGES = {
    "missing": "required",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}


def error_message(error: Any) -> str:
    """What a user reads for one pydantic error on a spec value."""
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    loc = tuple(error["loc"])
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    if kind == "string_type":
        quoted = isinstance(value, (int, float, bool)) or value is None
        return "must be a string" + (" (put it in quotes)" if quoted else "")
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "literal_error":
        choices = get_args(_annotation_at(loc))
        if not choices:
            return str(error["msg"])
        if len(choices) == 1:
            return f"must be {choices[0]} (got {shown(value)})"
        return f"must be one of {', '.join(map(str, choices))} (got {shown(value)})"
    if kind == "greater_than_equal":
        return f"must be at least {_number(ctx['ge'])}"
    if kind == "greater_than":
        return f"must be greater than {_number(ctx['gt'])}"
    if kind == "less_than_equal":
        return f"must be at most {_number(ctx['le'])}"
    if kind == "less_than":
        return f"must be less than {_number(ctx['lt'])}"
    if kind == "too_short":
        count = ctx["min_length"]
        return f"must have at least {count} item{'s' if count != 1 else ''}"
    if kind == "too_long":
        # Count the input ourselves: newer pydantic leaves actual_length empty for mappings.
        count = len(value) if hasattr(value, "__len__") else ctx.get("actual_length")
        return f"must have at most {ctx['max_length']} items (got {count})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _unknown_key(loc: Loc) -> str:
    key = str(loc[-1])
    model = _annotation_at(loc[:-1])
    fields = list(model.model_fields) if _is_model(model) else []
    return f"unknown key {shown(key)}{did_you_mean(key, fields)}"


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _annotation_at(loc: Loc) -> Any:
    """The type the spec expects at `loc`, without Annotated and Optional wrappers."""
    annotation: Any = Spec
    for part in loc:
        if _is_model(annotation) and isinstance(part, str) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) is list and isinstance(part, int):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict and isinstance(part, str):
            annotation = get_args(annotation)[1]
        else:
            return None
        annotation = _unwrap(annotation)
    return annotation


def _unwrap(annotation: Any) -> Any:
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
