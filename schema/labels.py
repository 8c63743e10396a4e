"""Labels: the words a person sees for a table, a column or an option.

A label carries every UI language at once; stored data never does (options
are stored as codes). Chinese (``zh``) is the default language.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@dataclass(frozen=True)
class Label:
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang``, Chinese for an unknown language."""
        return self.en if lang == "en" else self.zh


def L(zh: str, en: str) -> Label:  # noqa: N802 - reads like a literal in the template
    """Shorthand used by the templates: ``L("客户名称", "Customer name")``."""
    return Label(zh, en)
