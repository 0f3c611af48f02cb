"""A small reader for protobuf text format, enough for Triton's config.pbtxt.

There is no Triton or protobuf schema here, so the reader is schema-less: every field maps to a
list of values (protobuf fields may repeat, and `dims: [ 1, 8, 8 ]` and three `dims:` lines
mean the same thing), messages become dicts, numbers become int or float, `true`/`false`
become bool, and enum names (TYPE_FP32, KIND_CPU) stay strings.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"""\s+|\#[^\n]*|(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<sym>[{}\[\]:,;<>])|(?P<word>[A-Za-z0-9_.+\-]+)""",
    re.S,
)


_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


class PbtxtError(ValueError):
    """Malformed text format, with the offset where reading stopped."""


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise PbtxtError(f"unexpected character {text[pos]!r} at offset {pos}")
        if m.lastgroup:
            out.append((m.lastgroup, m.group(m.lastgroup), pos))
        pos = m.end()
    return out


def _scalar(kind: str, value: str) -> Any:
    if kind == "str":
        return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), value[1:-1])
    if value in ("true", "True"):
        return True
    if value in ("false", "False"):
        return False
    try:
        return int(value, 0)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value  # an enum name


class _Reader:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise PbtxtError(f"unexpected end of input{f', expected {expected!r}' if expected else ''}")
        if expected is not None and tok[1] != expected:
            raise PbtxtError(f"expected {expected!r} at offset {tok[2]}, found {tok[1]!r}")
        self.i += 1
        return tok

    def message(self, closing: str | None) -> dict[str, list]:
        fields: dict[str, list] = {}
        while True:
            tok = self.peek()
            if tok is None:
                if closing is not None:
                    raise PbtxtError(f"missing {closing!r}")
                return fields
            if tok[0] == "sym" and tok[1] == closing:
                self.i += 1
                return fields
            if tok[0] == "sym" and tok[1] in ",;":
                self.i += 1
                continue
            kind, name, pos = self.take()
            if kind != "word":
                raise PbtxtError(f"expected a field name at offset {pos}, found {name!r}")
            nxt = self.peek()
            if nxt is not None and nxt[1] == ":":
                self.i += 1
            fields.setdefault(name, []).extend(self.values())

    def values(self) -> list:
        tok = self.peek()
        if tok is None:
            raise PbtxtError("missing value")
        if tok[1] == "[":
            self.i += 1
            items: list = []
            while True:
                nxt = self.peek()
                if nxt is None:
                    raise PbtxtError("missing ']'")
                if nxt[1] == "]":
                    self.i += 1
                    return items
                if nxt[1] == ",":
                    self.i += 1
                    continue
                items.extend(self.values())
        return [self.value()]

    def value(self) -> Any:
        kind, text, pos = self.take()
        if kind == "sym" and text in "{<":
            return self.message("}" if text == "{" else ">")
        if kind in ("str", "word"):
            return _scalar(kind, text)
        raise PbtxtError(f"unexpected {text!r} at offset {pos}")


def parse(text: str) -> dict[str, list]:
    """Parse text-format protobuf into {field: [values]} (messages as nested dicts)."""
    return _Reader(text).message(None)


def first(message: dict, field: str, default: Any = None) -> Any:
    """The first value of `field`, or `default` when absent (singular-field access)."""
    values = message.get(field)
    return values[0] if values else default


def parameters(message: dict) -> dict[str, str]:
    """Triton's `parameters` map (key -> string_value) as a plain dict."""
    out = {}
    for entry in message.get("parameters", []):
        key = first(entry, "key")
        value = first(entry, "value", {})
        if key is not None:
            out[str(key)] = str(first(value, "string_value", ""))
    return out
