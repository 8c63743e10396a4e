"""Imports: reading spreadsheet files people upload, and what their cells mean for a table.

No Streamlit and no SQL here: :mod:`imports.reading` turns bytes into a :class:`RawTable` (or
refuses them with an :class:`ImportFileError`), :mod:`imports.mapping` suggests which column each
header is, :mod:`imports.values` makes cells what the columns' parsers accept, and
:mod:`imports.template` writes the workbook to fill in. The database side and the 导入 page build on these.
"""

from imports.limits import ImportFileError, Limits
from imports.mapping import suggest
from imports.reading import RawTable, read, sheet_names
from imports.values import normalize

__all__ = ["ImportFileError", "Limits", "RawTable", "normalize", "read", "sheet_names", "suggest"]
