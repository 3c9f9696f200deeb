"""Engines for the query and export tests: a SQLite file, and PostgreSQL in a private schema.

PostgreSQL runs against $APPRANK_TEST_PG_URL (default: the local server, as in tests/conftest.py);
an unreachable server is a skip, or a failure when $APPRANK_REQUIRE_PG=1 (as CI sets). Each
test gets its own schema, so tests running side by side never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine

from tracker.store.engine import open_engine


def pg_url() -> str | None:
    from tests.conftest import PG_URL

    return PG_URL


@contextmanager
def pg_engine() -> Iterator[Engine]:
    """An apprank engine on a fresh PostgreSQL schema, dropped afterwards."""
    url = pg_url()
    assert url is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # a missing server is a skip locally, a failure in CI
        admin.dispose()
        if os.environ.get("APPRANK_REQUIRE_PG") == "1":
            raise
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    sep = "&" if "?" in url else "?"
    engine = open_engine(f"{url}{sep}options={quote(f'-csearch_path={schema}')}")
    try:
        yield engine
    finally:
        from tracker.store.engine import dispose_all

        engine.dispose()
        dispose_all()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
