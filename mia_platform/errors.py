"""Domain errors. The CLI turns every :class:`MiaError` into a one-line message and exit code 1."""

from __future__ import annotations


class MiaError(Exception):
    """Base class for errors caused by input, configuration or plugins (never our own bugs)."""


class ConfigError(MiaError):
    """An experiment configuration is invalid; the message names the file, key, value and fix."""


class DataError(MiaError):
    """A dataset cannot be read; the message names the file, 1-based line and field."""


class PluginLoadError(MiaError):
    """A plugin failed to import or validate (fatal for built-ins and in strict mode)."""


class ComponentConflictError(MiaError):
    """Two plugins registered a component of the same kind under the same name."""


class UnknownComponentError(MiaError):
    """A component name was asked for that no loaded plugin provides."""


class TargetError(MiaError):
    """A model cannot be opened or queried as asked (bad path, static shapes, ...)."""


class EvaluationError(MiaError):
    """A metric cannot be computed honestly (e.g. only one class in the evaluation set)."""
