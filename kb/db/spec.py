"""How a table, an FTS5 index and a view are described, and how rows are built from records.

A :class:`TableSpec` names the pydantic model a table stores; its columns are
the model's fields, flattened (``target`` → ``target_raw``, ``target_op`` …),
with the relational columns a model does not carry (ids, foreign keys)
declared beside it. A mapping field (an indicator's extra columns, keyed by
their printed labels) is one TEXT column holding JSON (NULL when empty): its
keys differ from table to table, so they cannot be columns. Rows are always built and read by column name: callers
never rely on a column's position. The tables themselves are declared in
:mod:`kb.db.schema`.
"""

from __future__ import annotations

import json
import sqlite3
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from operator import attrgetter
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

SqlType = Literal["INTEGER", "REAL", "TEXT"]
# How a boolean column (stored 0/1) reads.
BOOLEAN_LABELS: Mapping[str, str] = {"1": "是", "0": "否"}


@dataclass(frozen=True)
class Column:
    """One SQLite column and what it means.

    ``description`` says it in full (Datasette shows it under the table);
    ``title`` is the short Chinese label a column header shows, when the
    description is too long to be one; ``values`` maps stored values of an
    enumerated column to what a reader sees (``error`` → 错误).
    """

    name: str
    type: SqlType
    description: str
    title: str | None = None
    values: Mapping[str, str] | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """The short Chinese label of the column: its title, else its description."""
        return self.title or self.description


@dataclass(frozen=True)
class TableSpec:
    """A table: the model it stores, and the columns the model does not hold."""

    name: str
    model: type[BaseModel] | None
    title: str
    description: str
    leading: tuple[Column, ...] = ()
    trailing: tuple[Column, ...] = ()
    foreign_keys: tuple[tuple[str, str], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    exclude: frozenset[str] = field(default_factory=frozenset)
    label_column: str | None = None

    @cached_property
    def columns(self) -> list[Column]:
        """Leading columns, then the model's fields flattened, then trailing columns."""
        model_columns = model_fields_as_columns(self.model, exclude=self.exclude) if self.model else []
        return [*self.leading, *model_columns, *self.trailing]

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in table order."""
        return tuple(column.name for column in self.columns)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each column's position in a row of this table."""
        return {name: index for index, name in enumerate(self.column_names)}

    @cached_property
    def c(self) -> ColumnNames:
        """The column names as attributes (``INDICATORS.c.level3``): a misspelt name fails at import."""
        return ColumnNames(self.name, self.column_names)

    def replace(self, row: tuple[Any, ...], **values: Any) -> tuple[Any, ...]:
        """``row`` with the named columns set to ``values``."""
        out = list(row)
        for name, value in values.items():
            out[self.positions[name]] = value
        return tuple(out)

    def value(self, row: Sequence[Any], name: str) -> Any:
        """The value of column ``name`` in a row of this table."""
        return row[self.positions[name]]

    def insert_sql(self) -> str:
        """``INSERT INTO table (columns…) VALUES (?…)`` for rows in this table's column order."""
        names = ", ".join(f"[{n}]" for n in self.column_names)
        return f"INSERT INTO [{self.name}] ({names}) VALUES ({', '.join('?' for _ in self.column_names)})"

    @cached_property
    def _getters(self) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
        """For each column, its name and how to read it from a record (``target_raw`` → record.target.raw)."""
        paths = dict(_attribute_paths(self.model, self.exclude)) if self.model is not None else {}
        mappings = _mapping_columns(self.model, self.exclude) if self.model is not None else frozenset()
        getters: list[tuple[str, Callable[[Any], Any] | None]] = []
        for name in self.column_names:
            if name not in paths:
                getters.append((name, None))
                continue
            get = attrgetter(".".join(paths[name]))
            getters.append((name, _as_json(get) if name in mappings else get))
        return tuple(getters)

    def row(self, record: BaseModel | None = None, **values: Any) -> tuple[Any, ...]:
        """A row of this table, in column order: ``values`` first, else ``record``'s fields; the rest NULL.

        Rows are built for every indicator of every document, so this reads
        attributes directly instead of flattening the record into a dict.
        """
        if record is None:
            return tuple(values.get(name) for name in self.column_names)
        return tuple(
            values[name] if name in values else (get(record) if get is not None else None)
            for name, get in self._getters
        )


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _sql_type(annotation: Any) -> SqlType:
    annotation = _unwrap_optional(annotation)
    if get_origin(annotation) is Literal:
        return "TEXT"
    if annotation is bool or annotation is int:
        return "INTEGER"
    if annotation is float:
        return "REAL"
    return "TEXT"


def _is_model(annotation: Any) -> bool:
    annotation = _unwrap_optional(annotation)
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_list(annotation: Any) -> bool:
    return get_origin(_unwrap_optional(annotation)) is list


def _is_mapping(annotation: Any) -> bool:
    return get_origin(_unwrap_optional(annotation)) is dict


def json_value(value: Any) -> str | None:
    """A mapping field's column value: its JSON (Chinese kept readable), NULL when empty."""
    return json.dumps(value, ensure_ascii=False) if value else None


def _as_json(get: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda record: json_value(get(record))


def _mapping_columns(model: type[BaseModel], exclude: frozenset[str] = frozenset()) -> frozenset[str]:
    """The columns of ``model`` that hold a mapping field as JSON (top-level fields only)."""
    return frozenset(
        name for name, info in model.model_fields.items() if name not in exclude and _is_mapping(info.annotation)
    )


def _value_labels(info: FieldInfo) -> Mapping[str, str] | None:
    """What each stored value of a field means, from ``Field(json_schema_extra={"values": {...}})``."""
    extra = info.json_schema_extra
    values = extra.get("values") if isinstance(extra, dict) else None
    return {str(key): str(label) for key, label in values.items()} if isinstance(values, dict) else None


def model_fields_as_columns(
    model: type[BaseModel], prefix: str = "", exclude: frozenset[str] = frozenset(), context: str = ""
) -> list[Column]:
    """The scalar fields of ``model`` as columns, nested models flattened with a prefix.

    A field's ``title`` is its column's label (else its description); a
    nested field's label is its own, without the parent's.
    """
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        if name in exclude or _is_list(info.annotation):
            continue
        description = info.description or name
        if _is_model(info.annotation):
            nested = _unwrap_optional(info.annotation)
            columns.extend(model_fields_as_columns(nested, f"{prefix}{name}_", context=f"{context}{description}："))
        else:
            values = _value_labels(info)
            if values is None and _unwrap_optional(info.annotation) is bool:
                values = BOOLEAN_LABELS
            columns.append(
                Column(
                    prefix + name,
                    _sql_type(info.annotation),
                    context + description,
                    title=info.title or (description if context else None),
                    values=values,
                )
            )
    return columns


@cache
def _field_plan(model: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """``(field, is a nested model)`` for the scalar and model fields of ``model``, computed once."""
    return tuple(
        (name, _is_model(info.annotation)) for name, info in model.model_fields.items() if not _is_list(info.annotation)
    )


def _attribute_paths(
    model: type[BaseModel], exclude: frozenset[str] = frozenset(), prefix: tuple[str, ...] = ()
) -> list[tuple[str, tuple[str, ...]]]:
    """``(column name, attribute path)`` of every scalar field, nested models flattened."""
    paths: list[tuple[str, tuple[str, ...]]] = []
    for name, nested in _field_plan(model):
        if name in exclude:
            continue
        if nested:
            inner = _unwrap_optional(model.model_fields[name].annotation)
            paths.extend(_attribute_paths(inner, prefix=(*prefix, name)))
        else:
            paths.append(("_".join((*prefix, name)), (*prefix, name)))
    return paths


def flatten(record: BaseModel, prefix: str = "", exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The scalar values of ``record`` keyed like :func:`model_fields_as_columns`."""
    row: dict[str, Any] = {}
    for name, nested in _field_plan(type(record)):
        if name in exclude:
            continue
        value = getattr(record, name)
        if nested:
            if value is not None:
                row.update(flatten(value, f"{prefix}{name}_"))
        elif isinstance(value, dict):
            row[prefix + name] = json_value(value)
        else:
            row[prefix + name] = value
    return row


def insert_rows(conn: sqlite3.Connection, spec: TableSpec, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert row dicts into ``spec``'s table; missing keys are NULL."""
    names = spec.column_names
    conn.executemany(spec.insert_sql(), (tuple(row.get(n) for n in names) for row in rows))


def insert_records(conn: sqlite3.Connection, spec: TableSpec, records: Iterable[BaseModel]) -> None:
    """Insert records of ``spec``'s model, each field into the column of its name."""
    conn.executemany(spec.insert_sql(), (spec.row(record) for record in records))


def insert_tuples(conn: sqlite3.Connection, spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows already built by :meth:`TableSpec.row` (in the table's column order)."""
    if rows:
        conn.executemany(spec.insert_sql(), rows)


def id_column(description: str, title: str | None = None) -> Column:
    """The integer primary key ``id``."""
    return Column("id", "INTEGER", description, title)


def fk_column(name: str, description: str, title: str | None = None) -> Column:
    """An integer column referring to another table's ``id``."""
    return Column(name, "INTEGER", description, title)


class ColumnNames:
    """Attribute access to a table's column names, so SQL written in code names only columns that exist."""

    def __init__(self, table: str, names: Sequence[str]) -> None:
        self._table = table
        self._names = frozenset(names)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(f"table {self._table!r} has no column {name!r}")
        return name


@dataclass(frozen=True)
class FtsSpec:
    """An FTS5 table over pre-segmented text: its name, the table whose rows it indexes, its columns and
    the BM25 weight of each column."""

    name: str
    content_of: str
    columns: tuple[str, ...]
    weights: tuple[float, ...]

    def bm25(self) -> str:
        """The ``bm25(...)`` call ranking rows of this table (lower is better)."""
        return f"bm25([{self.name}], {', '.join(str(w) for w in self.weights)})"

    def row(self, rowid: int, texts: Mapping[str, str]) -> tuple[Any, ...]:
        """``(rowid, text…)`` in column order, from segmented texts keyed by column name."""
        return (rowid, *(texts[column] for column in self.columns))

    def insert_sql(self) -> str:
        """``INSERT INTO fts (rowid, columns…) VALUES (?…)``."""
        columns = ", ".join(f"[{c}]" for c in self.columns)
        placeholders = ", ".join("?" for _ in range(len(self.columns) + 1))
        return f"INSERT INTO [{self.name}] (rowid, {columns}) VALUES ({placeholders})"


@dataclass(frozen=True)
class ViewSpec:
    """A view: its columns as (name, table alias, source column) and its FROM clause.

    Each view column names the table column it shows, so its description comes
    from that table's spec like every other column's.
    """

    name: str
    title: str
    description: str
    columns: tuple[tuple[str, str, str], ...]
    source: str
    aliases: dict[str, TableSpec]

    def sql(self) -> str:
        """The ``CREATE VIEW`` statement."""
        select = ",\n  ".join(
            f"{alias}.[{source}]" + (f" AS [{name}]" if name != source else "") for name, alias, source in self.columns
        )
        return f"CREATE VIEW [{self.name}] AS SELECT\n  {select}\n{self.source}"

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        """The view's column names, in order."""
        return tuple(name for name, _, _ in self.columns)

    @cached_property
    def c(self) -> ColumnNames:
        """The column names as attributes, like :attr:`TableSpec.c`."""
        return ColumnNames(self.name, self.column_names)

    def described_columns(self) -> list[Column]:
        """The view's columns with the description, label and value labels of the column each one shows."""
        out = []
        for name, alias, source in self.columns:
            spec = self.aliases[alias]
            column = next(c for c in spec.columns if c.name == source)
            out.append(Column(name, column.type, column.description, column.title, column.values))
        return out
