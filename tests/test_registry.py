"""registry.yaml stays in sync with the entry points and with what built-ins really register."""

from __future__ import annotations

import tomllib

import pytest
from conftest import REPO

from mia_platform.catalog import load_catalog
from mia_platform.errors import ConfigError
from mia_platform.manager import make_plugin_manager


def entry_points() -> dict[str, str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["entry-points"]["mia_platform"]


def test_every_entry_point_is_catalogued_and_vice_versa():
    builtin = {e.name: e for e in load_catalog(REPO / "registry.yaml") if e.origin == "builtin"}
    eps = entry_points()
    assert sorted(builtin) == sorted(eps)
    for name, module in eps.items():
        assert builtin[name].module == module
        assert builtin[name].package == "mia-platform"


def test_builtin_kind_and_provides_match_their_hooks():
    pm = make_plugin_manager()
    records = {r.name: r for r in pm.records if r.builtin}
    for entry in load_catalog(REPO / "registry.yaml"):
        if entry.origin != "builtin":
            continue
        record = records[entry.name]
        assert sorted(entry.kind) == sorted(record.provides), entry.name
        provided = sorted(n for names in record.provides.values() for n in names)
        assert sorted(entry.provides) == provided, entry.name


def test_packaged_catalogue_is_the_root_file():
    from mia_platform.catalog import default_path

    assert default_path().read_text(encoding="utf-8") == (REPO / "registry.yaml").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - name: x\n", "entry 1 (x): missing field 'package'"),
        (
            "  - {name: x, package: p, module: m, kind: [widget], provides: [], origin: builtin, "
            "status: stable, summary: s}\n",
            "entry 1 (x): field 'kind' has 'widget'; allowed: backend, dataset, feature, attack, "
            "aggregator, defense, recipe, report",
        ),
        (
            "  - {name: x, package: p, module: m, kind: [attack], provides: loss, origin: builtin, "
            "status: stable, summary: s}\n",
            "entry 1 (x): field 'provides' must be a list of strings",
        ),
        (
            "  - {name: x, package: p, module: m, kind: [attack], provides: [], origin: builtin, "
            "status: stable, summary: s, stars: 5}\n",
            "entry 1 (x): unknown field 'stars'",
        ),
    ],
)
def test_invalid_entries_name_file_entry_and_field(tmp_path, entry, message):
    path = tmp_path / "registry.yaml"
    path.write_text("version: 1\nplugins:\n" + entry, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalog(path)
    assert str(info.value) == f"{path}: {message}"
