"""tracker/store/schema/views.py (the Core views read paths use) matches the SQLModel tables."""

from __future__ import annotations

import pytest
from sqlalchemy import Table
from sqlalchemy.types import TypeEngine

from tracker.store import migrate
from tracker.store.schema import views as tables


@pytest.mark.parametrize("view", tables.TABLES, ids=lambda t: t.name)
def test_each_view_has_its_tables_columns_and_types(view: object) -> None:
    assert isinstance(view, tables.TableClause)
    table = migrate.target_metadata().tables[view.name]
    assert isinstance(table, Table)
    assert [c.name for c in view.columns] == [c.name for c in table.columns]
    for column in view.columns:
        stored = table.c[column.name].type
        # What binding and results go by: epoch seconds <-> aware datetimes, ints, text, bytes.
        assert isinstance(column.type, tables.UTCEpoch) == isinstance(stored, tables.UTCEpoch)
        # SQLModel's AutoString is a TypeDecorator over String: compare what it stands for.
        assert _python_type(column.type) is _python_type(stored), column.name


def _python_type(type_: TypeEngine[object]) -> type:
    return getattr(type_, "impl_instance", type_).python_type
