"""Exports: rows to CSV and XLSX files that open cleanly in Excel and never carry a formula.

No Streamlit and no SQL here: ``db.exports`` reads the rows a member may see, ``ui/`` offers the
downloads, and this package only writes files (see :mod:`exports.sheets`).
"""

from exports.sheets import Sheet, clean_text, file_name, safe_text, sheet_title, to_csv, to_xlsx

__all__ = ["Sheet", "clean_text", "file_name", "safe_text", "sheet_title", "to_csv", "to_xlsx"]
