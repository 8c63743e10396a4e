"""Tables and columns as data: the one declaration everything else is derived from.

``db/`` derives SQL (storage, queries, validation) and ``ui/`` derives grid
columns, filters and labels from these objects. Internal names are
identifiers chosen by us; what a person reads is the :class:`Label`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from schema.labels import Label
from schema.types import AutoNumber, ColumnType, CreatedOn, Link

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class UnknownColumn(KeyError):
    """A table has no column of that name."""


@dataclass(frozen=True)
class Column:
    """One field of a table.

    ``searchable`` columns are matched by the search box; ``filterable`` ones
    get a filter; ``hidden_in`` names grids that leave the column out (the
    customer link inside a customer's own follow-ups, say).
    """

    name: str
    type: ColumnType
    label: Label
    help: Label | None = None
    required: bool = False
    default: Any = None
    searchable: bool = False
    filterable: bool = False
    width: str | None = None
    #: Hidden from grids by the table's 字段 settings (still stored, still searchable).
    hidden: bool = False
    #: ``(column, code)``: required whenever that single select holds that option (成交金额 once 销售阶段 is
    #: 成交). Checked by ``db.changes.apply`` on rows whose save sets the select or empties this column.
    required_when: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if not _IDENTIFIER.match(self.name):
            raise ValueError(f"column name {self.name!r} is not a safe identifier")

    @property
    def computed(self) -> bool:
        """Whether the base computes this column (never written by a person)."""
        return self.type.computed

    @property
    def editable(self) -> bool:
        """Whether a person may type into this column."""
        return not (self.computed or isinstance(self.type, (AutoNumber, CreatedOn)))


@dataclass(frozen=True)
class Table:
    """A table: its columns in display order and the column that names a row."""

    name: str
    label: Label
    columns: tuple[Column, ...]
    label_column: str
    default_order: str = "id"
    default_descending: bool = True

    def __post_init__(self) -> None:
        if not _IDENTIFIER.match(self.name):
            raise ValueError(f"table name {self.name!r} is not a safe identifier")
        names = [column.name for column in self.columns]
        if len(names) != len(set(names)):
            raise ValueError(f"table {self.name!r} declares a column twice")
        self.column(self.label_column)

    def column(self, name: str) -> Column:
        """The column called ``name``; raises UnknownColumn."""
        for column in self.columns:
            if column.name == name:
                return column
        raise UnknownColumn(f"{self.name}.{name}")

    def has_column(self, name: str) -> bool:
        """Whether ``name`` is one of this table's columns."""
        return any(column.name == name for column in self.columns)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """Columns kept in the table itself (not computed)."""
        return tuple(c for c in self.columns if not c.computed)

    @property
    def kept_columns(self) -> tuple[Column, ...]:
        """Every column the table itself holds: stored ones and computed ones kept up to date by triggers."""
        return tuple(c for c in self.columns if not c.computed or getattr(c.type, "stored", False))

    @property
    def computed_columns(self) -> tuple[Column, ...]:
        """Columns the base computes when rows are read."""
        return tuple(c for c in self.columns if c.computed)

    @property
    def editable_columns(self) -> tuple[Column, ...]:
        """Columns a person may write."""
        return tuple(c for c in self.columns if c.editable)

    def required_for(self, column: str, code: str) -> tuple[Column, ...]:
        """The columns a row must fill once ``column`` holds ``code`` (成交 → 成交金额, 成交日期, 成交关键因素)."""
        return tuple(c for c in self.columns if c.required_when == (column, code))

    def links(self) -> tuple[Column, ...]:
        """Columns that point at rows of another table."""
        return tuple(c for c in self.columns if isinstance(c.type, Link))


@dataclass(frozen=True)
class Base:
    """A set of tables that link to each other."""

    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        """The table called ``name``; raises KeyError."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def has_table(self, name: object) -> bool:
        """Whether the base has a table called ``name``."""
        return any(table.name == name for table in self.tables)

    def links_to(self, name: str) -> tuple[tuple[Table, Column], ...]:
        """Every (table, column) whose link points at table ``name``."""
        return tuple(
            (table, column)
            for table in self.tables
            for column in table.links()
            if column.type.table == name
        )
