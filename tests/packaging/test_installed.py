"""The wheel, installed into an environment of its own, gives a working `apprank` command.

The wheel is built from this checkout without downloads (hatchling from the test extra, no build
isolation) and installed into a fresh venv that reuses the dependencies of the environment
running the tests through a .pth file: plain path lines, so that environment's own .pth files,
the editable apprank among them, are not processed, and `tracker` can only come from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "APPRANK_"))}
    env.update(TZ="UTC", MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
        "--no-build-isolation", "--wheel-dir", out, ROOT, cwd=out,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("apprank-*.whl")
    return path


@pytest.fixture(scope="module")
def env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site.stdout.strip()) / "deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    # --ignore-installed: the editable apprank of the running environment is visible through
    # deps.pth; pip must neither count it as installed nor touch it.
    installed = run(
        python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
        "--ignore-installed", wheel, cwd=home,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return home


def test_the_wheel_holds_the_three_packages_their_markers_and_the_command(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops - {next(t for t in tops if t.endswith(".dist-info"))} == {
        "tracker",
        "scheduler",
        "charts",
    }
    for package in ("tracker", "scheduler", "charts"):
        assert f"{package}/py.typed" in names
    # The web server's templates and static files are package data, in the wheel beside it.
    web = [n for n in names if n.startswith("tracker/web/") and not n.endswith(".py")]
    assert {"tracker/web/templates/base.html", "tracker/web/static/apprank.css"} <= set(web)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "apprank = tracker.cli:main" in text.splitlines()


def test_the_installed_packages_come_from_the_wheel(env: Path, tmp_path: Path) -> None:
    code = (
        "import tracker, scheduler, charts\nfor m in tracker, scheduler, charts: print(m.__file__)"
    )
    where = run(env / "bin" / "python", "-c", code, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    site = str(env.resolve())
    paths = [str(Path(p).resolve()) for p in where.stdout.split()]
    assert len(paths) == 3 and all(p.startswith(site) for p in paths), where.stdout


def test_the_installed_command_shows_its_help(env: Path, tmp_path: Path) -> None:
    result = run(env / "bin" / "apprank", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Usage: apprank [OPTIONS] COMMAND [ARGS]..."
    for command in ("demo", "fetch", "run", "export", "history"):
        assert any(line.split()[:1] == [command] for line in lines), command


def test_the_installed_command_runs_the_demo(env: Path, tmp_path: Path) -> None:
    result = run(env / "bin" / "apprank", "demo", "--out", "demo", "--days", "0.05", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "apprank demo: deepseek-2025 (SIMULATED market, not real data)"
    assert lines[1].split()[:5] == ["fetched", "75", "charts", "(0", "failed)"]
    words = [line.split() for line in lines]
    written = [("database", "apprank.db"), ("chart", "rank.png"), ("config", "config.toml")]
    for kind, name in written:
        assert [kind, f"demo/{name}"] in words, kind
    assert (tmp_path / "demo" / "rank.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
