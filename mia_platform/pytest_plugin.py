"""pytest fixtures for plugin authors (loaded through the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest

from mia_platform.manager import MiaPluginManager, make_plugin_manager


@pytest.fixture
def mia_pm() -> MiaPluginManager:
    """A fresh plugin manager with every installed plugin loaded (one per test)."""
    return make_plugin_manager()
