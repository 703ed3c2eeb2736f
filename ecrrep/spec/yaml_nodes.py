"""A YAML document's nodes, with their positions, the fastest way PyYAML offers.

libyaml's parser, where PyYAML was built with it, is about four times faster than the
pure-Python one (a 5,000-repository spec is most of a megabyte). Its events are composed here
into the nodes PyYAML's composer builds, without recursion: the C composer recurses on the C
stack and crashes on a deeply nested file. A file the fast path finds anything wrong with is
read again by the pure-Python loader, whose messages and line numbers are the ones users see:
the fast path never decides what an error says.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)
_START_EVENTS = (SequenceStartEvent, MappingStartEvent)
_END_EVENTS = (SequenceEndEvent, MappingEndEvent)


class _UsePureLoader(Exception):
    """The fast path cannot vouch for this file; the pure-Python loader reads it."""


def root_node(text: str, max_depth: int,
              ) -> tuple[yaml.Node | None, yaml.constructor.SafeConstructor]:
    """The root node (None for an empty file) and a constructor for its scalars."""
    try:
        return _fast_single_node(text, max_depth), yaml.constructor.SafeConstructor()
    except _UsePureLoader:
        pass
    # The reader checks every character up front, so even creating it can fail.
    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()


def _fast_single_node(text: str, max_depth: int) -> yaml.Node | None:
    """The document's root node, or None for an empty stream; _UsePureLoader for anything
    else (no libyaml, a character the pure reader refuses, any YAML error, several documents,
    aliases to unknown or repeated anchors, nesting beyond what the loader accepts)."""
    if _FAST_LOADER is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        raise _UsePureLoader
    parser = _FAST_LOADER(text)
    try:
        parser.get_event()  # stream start
        if parser.check_event(StreamEndEvent):
            raise _UsePureLoader  # empty: the pure loader's message
        parser.get_event()  # document start
        root = _compose(parser, max_depth)
        parser.get_event()  # document end
        if not parser.check_event(StreamEndEvent):
            raise _UsePureLoader  # a second document
        return root
    except yaml.YAMLError:
        raise _UsePureLoader from None
    finally:
        parser.dispose()


def _compose(parser: Any, max_depth: int) -> yaml.Node:
    """PyYAML's Composer, without recursion: a stack of the collections being filled."""
    anchors: dict[str, yaml.Node] = {}
    tags: dict[tuple[str, Any], str] = {}  # a plain scalar's tag, by its text
    stack: list[tuple[yaml.Node, list[yaml.Node]]] = []  # collection, a mapping's pending key
    while True:
        event = parser.get_event()
        if isinstance(event, _END_EVENTS):
            node, _ = stack.pop()
            node.end_mark = event.end_mark
        else:
            node = _node(parser, event, anchors, tags)
            if isinstance(event, _START_EVENTS):
                if len(stack) > max_depth:
                    raise _UsePureLoader  # the pure path reports it (or recurses too deep)
                stack.append((node, []))
                continue
        if not stack:
            return node
        parent, pending = stack[-1]
        if isinstance(parent, yaml.SequenceNode):
            parent.value.append(node)
        elif pending:
            parent.value.append((pending.pop(), node))
        else:
            pending.append(node)


def _node(parser: Any, event: Any, anchors: dict[str, yaml.Node],
          tags: dict[tuple[str, Any], str]) -> yaml.Node:
    if isinstance(event, AliasEvent):
        if event.anchor not in anchors:
            raise _UsePureLoader
        return anchors[event.anchor]
    node: yaml.Node
    if isinstance(event, ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            key = (event.value, event.implicit)
            if key not in tags:
                tags[key] = parser.resolve(yaml.ScalarNode, event.value, event.implicit)
            tag = tags[key]
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                               style=event.style)
    else:
        kind = yaml.SequenceNode if isinstance(event, SequenceStartEvent) else yaml.MappingNode
        tag = event.tag
        if tag is None or tag == "!":
            tag = parser.resolve(kind, None, event.implicit)
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
    if event.anchor is not None:
        if event.anchor in anchors:
            raise _UsePureLoader  # a repeated anchor: the pure loader's error
        anchors[event.anchor] = node
    return node
