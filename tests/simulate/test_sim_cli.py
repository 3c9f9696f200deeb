"""`apprank simulate` as a real process: URL line, one fetch, clean exit on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from tracker.cli.base import app
from tracker.cli.simulate import parse_faults
from tracker.errors import UsageError

RUN = "import tracker.cli.simulate; from tracker.cli.base import app; app()"


def test_serves_then_exits_zero_on_sigterm() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            RUN,
            "simulate",
            "--port",
            "0",
            "--seed",
            "5",
            "--start",
            "2025-01-27T06:00:00Z",
            "--fault",
            "rate_limit=0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("apprank simulator serving http://127.0.0.1:")
        assert line.rstrip().endswith("(scenario deepseek-2025, simulated)")
        base_url = line.split()[3]
        hints = "".join(process.stdout.readline() for _ in range(8))
        response = httpx.get(f"{base_url}/api/v2/us/apps/top-free/3/apps.json", timeout=10)
        assert response.status_code == 200
        assert response.json()["feed"]["results"][0]["name"] == "DeepSeek - AI Assistant"
        assert response.headers["x-apprank-simulated-time"] == "2025-01-27T06:00:00Z"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f'[sources.apple]\n  base_url = "{base_url}"' in hints
    assert f'[sources.itunes]\n  base_url = "{base_url}"' in hints
    assert f'[sources.googleplay]\n  base_url = "{base_url}"' in hints
    assert out == ""


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(app, ["simulate", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "apprank simulate --port 8123" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "explode=0.5"], "Error: --fault 'explode=0.5': expected KIND=PROBABILITY"),
        (["--fault", "timeout=1.5"], "Error: --fault: fault probability timeout=1.5"),
        (["--scenario", "nope"], "Error: unknown scenario 'nope'"),
        (["--start", "yesterday-ish"], "Error: --start: not a time"),
        (["--seed", "-1"], "Error: --seed must be >= 0"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["simulate", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_fault_specs() -> None:
    config = parse_faults(["rate_limit=0.1", "server-error=0.05"], latency=0.2, seed=4)
    assert (config.rate_limit, config.server_error, config.latency, config.seed) == (
        0.1,
        0.05,
        0.2,
        4,
    )
    with pytest.raises(UsageError, match="is not a number"):
        parse_faults(["slow=lots"], latency=0, seed=0)
