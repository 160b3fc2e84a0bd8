"""The library core stays free of interface code.

The core is every unspin module except the CLI and ``unspin.integrations``.
It must import without click, rich, web frameworks, the CLI or the
integrations, so it can be embedded anywhere. Each check runs in a fresh
interpreter because pytest itself has already imported click.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = ("unspin.cli", "unspin.cli_common", "unspin.cli_collections", "unspin.cli_paper")
FORBIDDEN = ("click", "rich", "fastapi", "starlette", "uvicorn", *CLI, "unspin.integrations")
# Third-party packages of optional extras: a core module that needs one is skipped where it is missing.
OPTIONAL = ("torch", "numpy", "gguf")

# Modules that belong to the interfaces rather than the core. __main__ is
# left out because importing it would run the CLI.
EDGE = (*CLI, "unspin.__main__", "unspin.integrations")

_PROBE = """
import importlib, json, sys
forbidden = {forbidden!r}
def offenders():
    return sorted({{f for m in sys.modules for f in forbidden if m == f or m.startswith(f + ".")}})
report = []
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in {optional!r}:
            raise
        continue
    report.append([name, offenders()])
print(json.dumps(report))
"""


def _is_edge(name: str) -> bool:
    return any(name == e or name.startswith(e + ".") for e in EDGE)


def core_modules() -> list[str]:
    """Every importable module under the installed ``unspin`` package, minus the edge."""
    spec = importlib.util.find_spec("unspin")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        # Only walk real packages, not data folders that happen to hold scripts.
        if not all((root / Path(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))):
            continue
        name = ".".join(("unspin", *parts))
        if not _is_edge(name):
            names.append(name)
    return names


def _probe(modules: list[str], forbidden: tuple[str, ...] = FORBIDDEN) -> list[tuple[str, list[str]]]:
    """Import ``modules`` in order in a fresh interpreter; after each, which forbidden ones are loaded."""
    code = _PROBE.format(forbidden=forbidden, modules=modules, optional=OPTIONAL)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"importing {', '.join(modules)} failed:\n{proc.stderr}", pytrace=False)
    return [(name, found) for name, found in json.loads(proc.stdout.strip().splitlines()[-1])]


def test_discovery_finds_the_core() -> None:
    modules = core_modules()
    assert {"unspin", "unspin.errors", "unspin.result", "unspin.text", "unspin.inputs"} <= set(modules)
    assert "unspin.cli" not in modules


def test_core_never_imports_interface_code() -> None:
    report = _probe(core_modules())
    culprits = []
    seen: set[str] = set()
    for name, found in report:
        new = sorted(set(found) - seen)
        if new:
            culprits.append(f"{name} pulled in {', '.join(new)}")
        seen.update(found)
    assert not culprits, "core modules import interface code:\n" + "\n".join(culprits)


def test_probe_sees_interface_imports() -> None:
    # Guard against a probe that can never fail: the CLI itself must trip it.
    [(_, found)] = _probe(["unspin.cli"])
    assert found == ["click", *sorted(CLI)]


def test_cli_module_defers_heavy_imports() -> None:
    # `unspin --help` and input errors should not pay for rich or the models.
    [(_, found)] = _probe(["unspin.cli"], forbidden=("rich", "unspin.pipeline", "unspin.lexicon"))
    assert found == []
