"""Safe YAML reading with line numbers, duplicate-key errors and YAML 1.2 floats.

PyYAML follows YAML 1.1, where ``1e-5`` (no dot) is a string; users write learning rates that way,
so floats in exponent form are resolved as floats here. Mappings are built from the composed node
tree so that every key's line is known and a repeated key is an error, not a silent overwrite.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from mia_platform.errors import ConfigError


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style floats (``1e-5``, ``-2E+3``)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def parse_scalar(text: str) -> Any:
    """One YAML value from a string (``0.1``, ``1e-5``, ``true``, ``name``), read safely."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    """Read ``path``; return the data and a map from dotted key path to 1-based line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from exc
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        data = _build(loader, node, "", lines, path) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark else "?"
        raise ConfigError(f"{path}: {where}: invalid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:  # reader errors (control characters) carry no mark
        raise ConfigError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from exc
    finally:
        loader.dispose()
    return data, lines


_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _build(loader: _Loader, node: yaml.Node, prefix: str, lines: dict[str, int], path: Path) -> Any:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in (_MAP, _SEQ):
        return loader.construct_object(node)  # the safe constructor refuses any other tag
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise ConfigError(
                    f"{path}: line {key_node.start_mark.line + 1}: keys must be plain names, "
                    f"got {key!r}"
                )
            dotted = f"{prefix}{key}"
            if key in out:
                raise ConfigError(
                    f"{path}: line {key_node.start_mark.line + 1}: duplicate key {dotted!r} "
                    f"(first at line {lines[dotted]}); keep one"
                )
            lines[dotted] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, f"{dotted}.", lines, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, n, f"{prefix}{i}.", lines, path) for i, n in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
