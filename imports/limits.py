"""What a file may be before it is read, and the one error every refusal raises.

Kept apart from :mod:`imports.reading` so the format readers (:mod:`imports.formats`) can raise
it too; ``imports.reading`` re-exports both names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024
DEFAULT_MAX_MB = 50

#: Every ``ImportFileError.code``; the UI shows ``t(f"import.error.{code}", **details)``.
CODES = ("too_big", "empty", "no_rows", "not_spreadsheet", "unreadable", "too_many_rows", "too_many_columns",
         "zip_bomb", "xml_unsafe", "encoding")


class ImportFileError(Exception):
    """A file that cannot be imported: ``code`` names why (one of :data:`CODES`), ``details`` the numbers."""

    def __init__(self, code: str, **details: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unknown import error code {code!r}")
        super().__init__(f"{code}: {details}" if details else code)
        self.code = code
        self.details = details


def env_max_bytes() -> int:
    """``GENJIN_MAX_IMPORT_MB`` in bytes (50 MB when unset or not a positive number)."""
    try:
        megabytes = float(os.environ.get("GENJIN_MAX_IMPORT_MB", DEFAULT_MAX_MB))
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int((megabytes if megabytes > 0 else DEFAULT_MAX_MB) * MB)


@dataclass(frozen=True)
class Limits:
    """The largest file accepted: bytes, data rows, columns, and for XLSX the unzipped size and ratio.

    ``max_bytes`` is read from ``GENJIN_MAX_IMPORT_MB`` when a ``Limits()`` is made. ``max_ratio`` is
    checked for zip members larger than ``ratio_floor`` bytes (a small XML part may compress very well).
    """

    max_bytes: int = field(default_factory=env_max_bytes)
    max_rows: int = 200_000
    max_columns: int = 200
    max_unzipped: int = 500 * MB
    max_ratio: float = 100.0
    ratio_floor: int = 1 * MB
    max_zip_members: int = 10_000
