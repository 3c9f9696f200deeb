"""What the SQLModel table modules share: the metadata they register in, and `table_of`."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect
from sqlmodel import SQLModel

metadata: MetaData = SQLModel.metadata


def table_of(model: type[SQLModel]) -> Table:
    """The `Table` of a `table=True` model, typed.

    SQLAlchemy's declarative sets `model.__table__` at class creation, but SQLModel's type does
    not declare it; the mapper's local table is the same object.
    """
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table
