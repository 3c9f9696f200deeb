"""Shared fixtures: real feed captures, a config builder, and a loopback feed server."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REAL = Path(__file__).parent / "fixtures" / "real"
ROOT = Path(__file__).parent.parent


def real_fixture(name: str) -> bytes:
    return (REAL / name).read_bytes()


def real_json(name: str) -> Any:
    return json.loads(real_fixture(name))


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    """A loopback HTTP server answering exact routes: path -> Route (or a list, served in turn)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | list[Route]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if isinstance(route, list):
                    route = route.pop(0) if len(route) > 1 else route[0]
                if route is None:
                    route = Route(404, b"not found")
                self.send_response(route.status)
                headers = {"Content-Type": "application/json", **route.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> None:
        self.routes[path] = Route(status, body, headers)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config.toml in tmp_path from TOML text; the database goes to tmp_path too."""

    def write(text: str, name: str = "config.toml") -> Path:
        db = tmp_path / "apprank.db"
        if "[database]" not in text:
            text = f'[database]\nurl = "sqlite:///{db}"\n' + text
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_apprank(
    *args: str | Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> Run:
    """Run `apprank` as a subprocess, as a user would."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("APPRANK_CONFIG", None) if env is None or "APPRANK_CONFIG" not in env else None
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("APPRANK_CONFIG", raising=False)
    monkeypatch.delenv("APPRANK_DATABASE_URL", raising=False)
    yield
    from tracker.store.engine import dispose_all

    dispose_all()  # close this test's pooled connections before its databases go away


PG_URL = os.environ.get("APPRANK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin():
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    return psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        dbname=url.database, autocommit=True, connect_timeout=3,
    )  # fmt: skip


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards.

    Skips when no server answers, unless APPRANK_REQUIRE_PG=1 (as in CI), which fails instead.
    """
    try:
        admin = _pg_admin()
    except Exception as exc:
        if os.environ.get("APPRANK_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required (APPRANK_REQUIRE_PG=1) but unreachable: {exc}")
        pytest.skip(f"no PostgreSQL at {PG_URL}: {exc}")
    import uuid

    from sqlalchemy.engine import make_url

    name = f"apprank_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        from tracker.store.engine import dispose_all

        dispose_all()
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'apprank.db'}"
    return request.getfixturevalue("pg_url")


# The whole default demo: 49 s on the first development machine, 135 s alone and up to 226 s
# beside two other workers on a slower 2-core one (2026-12-02). A guard against a hang only.
DEMO_TIMEOUT = 900


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the shared demo run may be the one that runs it, or wait for another
    worker's: it gets the demo's time as well as its own, not the suite's 300 s per test."""
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(DEMO_TIMEOUT + 300))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """`apprank demo` exactly as the README runs it, once per session: (its folder, the run).

    Under pytest-xdist the workers share one run (tens of seconds of CPU): the first to need it
    runs it in the session's common folder under a lock, the others wait and read its result.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        cwd = tmp_path_factory.mktemp("demo")
        return cwd / "apprank-demo", run_apprank("demo", cwd=cwd, timeout=DEMO_TIMEOUT)
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent  # one folder per session, above the workers'
    cwd = shared / "demo"
    result = shared / "demo-run.json"
    with (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not result.exists():
            cwd.mkdir(exist_ok=True)
            run = run_apprank("demo", cwd=cwd, timeout=DEMO_TIMEOUT)
            result.write_text(json.dumps([run.code, run.stdout, run.stderr]), encoding="utf-8")
        code, stdout, stderr = json.loads(result.read_text(encoding="utf-8"))
    return cwd / "apprank-demo", Run(code, stdout, stderr)


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A real file system of `size` mounted at `folder` (needs root, as CI has; skips
    elsewhere), unmounted afterwards."""
    folder.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=False)


def fill_disk(folder: Path) -> Path:
    """Fill the file system of `folder` to its last block; returns the ballast file."""
    ballast = folder / "ballast"
    # suppress() outside open(): closing flushes too, and may be what meets the full disk
    with contextlib.suppress(OSError), open(ballast, "wb") as out:
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return ballast


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system with no free block left."""
    with small_tmpfs(tmp_path / "full", "64k") as mount:
        fill_disk(mount)
        with pytest.raises(OSError) as caught, open(mount / "probe", "wb") as probe:
            probe.write(b"x" * 4096)
            probe.flush()
        assert caught.value.errno == errno.ENOSPC
        (mount / "probe").unlink()
        yield mount
