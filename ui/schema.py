"""The base's schema as this run sees it: the CRM template with the base's own fields applied.

Read once per call (one small query); pages call :func:`current_base` at the
top and pass its tables on, so a field added a moment ago shows at once.
"""

from __future__ import annotations

from db.connection import base_path, opened
from db.fields import load_base, specs
from schema.labels import Label
from schema.model import Base


def current_base() -> Base:
    """The template plus this base's fields (added columns, labels, order, visibility)."""
    with opened(base_path()) as db:
        return load_base(db)


def field_labels() -> dict[tuple[str, str], Label]:
    """``{(table, name): label}`` of every added field, those in the trash included (for history)."""
    with opened(base_path()) as db:
        return {(spec.table, spec.name): spec.label for spec in specs(db, include_deleted=True) if spec.label}
