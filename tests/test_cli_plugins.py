"""`mia plugins`, `mia list` and the plugin catalogue commands, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

import pytest

from mia_platform.cli import cli


def example_installed() -> bool:
    try:
        metadata.version("mia-defense-truncate")
    except metadata.PackageNotFoundError:
        return False
    return True


needs_example = pytest.mark.skipif(
    not example_installed(),
    reason="example plugin not installed (pip install examples/plugins/mia-defense-truncate)",
)


def test_plugins_all_json_lists_builtins_loaded(runner):
    result = runner.invoke(cli, ["plugins", "--all", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    builtins = [r for r in rows if r["builtin"]]
    assert builtins, "no built-in plugins found"
    for row in builtins:
        assert row["package"] == "mia-platform"
        assert row["status"] == "loaded", row
        assert row["error"] is None
        assert row["provides"], f"built-in {row['name']} provides nothing"
    names = [r["name"] for r in rows]
    assert names == sorted(n for n in names if rows[names.index(n)]["builtin"]) + sorted(
        n for n in names if not rows[names.index(n)]["builtin"]
    )


@needs_example
def test_example_plugin_is_listed_as_third_party_and_usable(runner):
    rows = json.loads(runner.invoke(cli, ["plugins", "--json"]).stdout)
    row = next(r for r in rows if r["name"] == "truncate")
    assert (row["builtin"], row["package"], row["status"]) == (
        False,
        "mia-defense-truncate",
        "loaded",
    )
    assert row["provides"] == {"defense": ["truncate"]}
    assert row["catalog"]["origin"] == "example"
    listed = json.loads(runner.invoke(cli, ["list", "defenses", "--json"]).stdout)
    spec = next(r for r in listed if r["name"] == "truncate")
    assert spec["plugin"] == "truncate" and spec["defense_kind"] == "data"
    from mia_platform.manager import make_plugin_manager

    defense = make_plugin_manager().defenses()["truncate"].factory(max_words=2)
    assert defense.perturb(["to be or not", "", "one"], seed=0) == ["to be", "", "one"]


def test_broken_plugin_shows_failed_and_check_exits_1(runner, fake_dist):
    fake_dist("mia-broken", {"broken": "mia_broken_cli"}, {"mia_broken_cli": "1/0\n"})
    result = runner.invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0
    row = next(r for r in json.loads(result.stdout) if r["name"] == "broken")
    assert row["status"] == "failed"
    assert row["error"] == "ZeroDivisionError: division by zero"
    check = runner.invoke(cli, ["plugins", "--check"])
    assert check.exit_code == 1
    lines = check.stdout.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("broken "))
    assert lines[i].split() == ["broken", "mia-broken==1.0", "failed"]
    assert lines[i + 1].strip() == "error: ZeroDivisionError: division by zero"
    listed = runner.invoke(cli, ["plugins", "--all", "--json"])
    assert all(r["status"] == "loaded" for r in json.loads(listed.stdout) if r["builtin"])


def test_failed_plugin_warns_once_on_other_commands(runner, fake_dist):
    fake_dist("mia-broken", {"broken": "mia_broken_cli2"}, {"mia_broken_cli2": "1/0\n"})
    result = runner.invoke(cli, ["list", "reports"])
    assert result.exit_code == 0
    assert result.stderr.count("Warning: plugin 'broken' (mia-broken 1.0) failed") == 1


def test_disable_plugin_flag(runner):
    result = runner.invoke(cli, ["--disable-plugin", "reports", "plugins", "--all", "--json"])
    row = next(r for r in json.loads(result.stdout) if r["name"] == "reports")
    assert row["status"] == "blocked"
    listed = runner.invoke(cli, ["--disable-plugin", "reports", "list", "reports"])
    assert listed.stdout == "No reports available.\n"


def test_list_unknown_kind_is_a_usage_error(runner):
    result = runner.invoke(cli, ["list", "bogus"])
    assert result.exit_code == 2
    assert (
        "Invalid value for '{aggregators|attacks|backends|datasets|defenses|features|recipes|reports}'"
        in result.stderr
    )


def test_install_refuses_unknown_names(runner):
    result = runner.invoke(cli, ["plugins", "install", "nope"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: 'nope' is not in the plugin catalogue; see `mia plugins available`"
    )


def test_install_dry_run_prints_pip_command(runner):
    result = runner.invoke(cli, ["plugins", "install", "truncate", "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{sys.executable} -m pip install " + str(
        __import__("pathlib").Path(__file__).resolve().parents[1]
        / "examples/plugins/mia-defense-truncate"
    )


def test_plugins_available_json_shows_install_state(runner):
    rows = json.loads(runner.invoke(cli, ["plugins", "available", "--json"]).stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["reports"]["installed"] == metadata.version("mia-platform")


def test_help_and_plugins_do_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from mia_platform.cli import cli\n"
        "r = CliRunner()\n"
        "assert r.invoke(cli, ['--help']).exit_code == 0\n"
        "assert r.invoke(cli, ['plugins', '--all']).exit_code == 0\n"
        "assert r.invoke(cli, ['list', 'attacks']).exit_code == 0\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'onnxruntime', 'sklearn') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version_flag(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.stdout == f"mia, version {metadata.version('mia-platform')}\n"
