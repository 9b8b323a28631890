"""mia-platform: membership-inference audits of NLP text classifiers, at sample and user level.

The public API for plugin authors: :data:`hookimpl`, the spec records and the interfaces.
Importing this package is cheap: no torch, transformers or onnxruntime.
"""

from importlib.metadata import PackageNotFoundError, version

from mia_platform.hookspecs import HOOK_API_VERSION, hookimpl
from mia_platform.specs import (
    AggregatorSpec,
    AttackSpec,
    BackendSpec,
    DatasetSpec,
    DefenseSpec,
    FeatureSpec,
    RecipeSpec,
    ReportSpec,
)

try:
    __version__ = version("mia-platform")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "HOOK_API_VERSION",
    "AggregatorSpec",
    "AttackSpec",
    "BackendSpec",
    "DatasetSpec",
    "DefenseSpec",
    "FeatureSpec",
    "RecipeSpec",
    "ReportSpec",
    "__version__",
    "hookimpl",
]
