"""The README keeps up with the code: the two commands first, every make target, every file in the map."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_opens_with_the_two_commands():
    opening = README.split("\n## ")[0]
    assert "make run" in opening and "make test" in opening
    assert opening.index("make run") < opening.index("make test")


def test_every_make_target_is_documented():
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1).split()
    assert [target for target in phony if f"make {target}" not in README] == []


def test_every_file_in_the_layout_map_exists_and_every_module_is_in_it():
    layout = README.split("## How it is built")[1].split("```")[1]
    mapped = {line.split()[0] for line in layout.strip().splitlines()}
    assert [path for path in mapped if not (ROOT / path).exists()] == []
    modules = {str(p.relative_to(ROOT)) for folder in ("pages", "schema", "db", "ui") for p in
               (ROOT / folder).glob("*.py") if p.name != "__init__.py"}
    assert sorted(modules - mapped) == []


def test_ci_runs_the_readme_test_command_with_browsers_required():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "GENJIN_REQUIRE_BROWSER=1" in ci
    assert "apt-get install" in ci and "chromium" in ci
