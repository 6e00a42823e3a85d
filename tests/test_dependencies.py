"""The runtime dependencies are what the platform imports; tools for tests and `make run` sit
in the optional groups (`test`, `dev`), which `make install` and the lock include."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# Distribution → the module it is imported as, for what only tests and `make run` use.
NOT_AT_RUN_TIME = {
    "openapi-core": "openapi_core",
    "honcho": "honcho",
    "pytest": "pytest",
    "hypothesis": "hypothesis",
    "schemathesis": "schemathesis",
    "playwright": "playwright",
    "time-machine": "time_machine",
    "aiosmtpd": "aiosmtpd",
}


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=~! ;]", requirement, maxsplit=1)[0] for requirement in requirements}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def runtime_modules() -> list[Path]:
    packages = PYPROJECT["tool"]["importlinter"]["root_packages"]
    return [
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "tests" not in path.relative_to(ROOT).parts
    ]


def test_tools_for_tests_and_make_run_are_not_runtime_dependencies():
    runtime = names(PYPROJECT["project"]["dependencies"])
    optional = set().union(*map(names, PYPROJECT["project"]["optional-dependencies"].values()))
    assert runtime & set(NOT_AT_RUN_TIME) == set()
    assert set(NOT_AT_RUN_TIME) <= optional


def test_the_platform_imports_none_of_them():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in runtime_modules()
        for module in imported_modules(path) & set(NOT_AT_RUN_TIME.values())
    ]
    assert offenders == []


def test_the_lock_is_made_with_every_group():
    lock_header = (ROOT / "requirements.lock").read_text().splitlines()[1]
    makefile = (ROOT / "Makefile").read_text()
    for group in PYPROJECT["project"]["optional-dependencies"]:
        assert f"--extra {group}" in lock_header, group
        assert f"--extra {group}" in makefile, group


def test_the_image_installs_the_runtime_lock_without_the_tools():
    runtime_lock = (ROOT / "requirements.runtime.lock").read_text()
    pinned = {line.split("==")[0] for line in runtime_lock.splitlines() if "==" in line}
    assert "django" in pinned
    assert pinned & set(NOT_AT_RUN_TIME) == set()
    assert "-r requirements.runtime.lock" in (ROOT / "Dockerfile").read_text()
