"""Every visible string has both languages, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from schema.crm import CRM
from schema.types import Choice
from ui.i18n import CATALOG

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("app.py", "pages", "ui", "schema", "db") for p in
           ([ROOT / folder] if folder.endswith(".py") else sorted((ROOT / folder).glob("*.py")))]


def test_both_languages_have_the_same_keys():
    assert sorted(CATALOG["zh"]) == sorted(CATALOG["en"])


def placeholders(text: str) -> set[str]:
    """The names ``str.format`` fills in (``{{…}}`` is a literal brace, not a placeholder)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_fill_in_the_same_placeholders():
    for key, text in CATALOG["zh"].items():
        assert placeholders(text) == placeholders(CATALOG["en"][key]), key


def keys_used_in_code() -> set[str]:
    used = set()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\s*[\"']([a-z_]+\.[a-z_]+)[\"']", source))
        used |= set(re.findall(r"[\"'](invalid\.[a-z_]+)[\"']", source))  # reasons raised by the core
    return used


def test_the_scan_finds_the_keys_the_code_uses():
    assert {"grid.saved", "invalid.phone", "customers.title", "charts.funnel"} <= keys_used_in_code()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_the_code_uses_is_in_the_catalog(lang):
    assert sorted(keys_used_in_code() - set(CATALOG[lang])) == []


def test_every_schema_label_is_in_both_languages():
    for table in CRM.tables:
        assert table.label.zh and table.label.en
        for column in table.columns:
            assert column.label.zh and column.label.en, column.name
            if isinstance(column.type, Choice):
                assert all(o.label.zh and o.label.en for o in column.type.options), column.name
