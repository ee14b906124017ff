"""Reading WeChat's callback XML into the dict shape xmltodict (and so wechatpy) produces.

The callback endpoint parses two documents per message (the envelope and the decrypted
message). xmltodict's pure-Python SAX handler was the largest single cost of a callback under
load, so the common case is read with ElementTree's C parser and converted to the same shape:
text stripped (empty → None), children → dict, a repeated tag → list. Anything outside what
WeChat sends (attributes, namespaces, mixed text and elements) is handed to xmltodict itself,
so the result never differs from xmltodict's.

Callers must refuse DOCTYPE/ENTITY declarations before calling (matrix/callback.py does).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError, fromstring

import xmltodict

__all__ = ["MalformedXml", "parse_document"]


class MalformedXml(ValueError):
    """Not well-formed XML, or an encoding the parser cannot read."""


class _Unusual(Exception):
    """A construct xmltodict renders specially: let xmltodict do it."""


def _value(elem: Element) -> Any:
    if elem.attrib or "{" in elem.tag:
        raise _Unusual
    children = list(elem)
    if not children:
        text = elem.text.strip() if elem.text else ""
        return text or None
    if elem.text and elem.text.strip():
        raise _Unusual
    out: dict[str, Any] = {}
    for child in children:
        if child.tail and child.tail.strip():
            raise _Unusual
        value = _value(child)
        tag = child.tag
        if tag not in out:
            out[tag] = value
        elif isinstance(out[tag], list):
            out[tag].append(value)
        else:
            out[tag] = [out[tag], value]
    return out


def parse_document(data: bytes) -> dict[str, Any]:
    """{root_tag: value}, as xmltodict.parse(data, disable_entities=True) returns it."""
    try:
        root = fromstring(data)
    except (ParseError, ValueError, LookupError) as exc:
        raise MalformedXml(str(exc)) from None
    try:
        if "{" in root.tag or root.attrib:
            raise _Unusual
        return {root.tag: _value(root)}
    except (_Unusual, RecursionError):
        try:
            return dict(xmltodict.parse(data, disable_entities=True))
        # expat errors, bad encodings, too deep: each raises its own kind.
        except Exception as exc:  # noqa: BLE001
            raise MalformedXml(str(exc)) from None
