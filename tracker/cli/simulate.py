"""`apprank simulate`: serve a simulated App Store on loopback for demos, tests and benchmarks."""

from __future__ import annotations

import signal
import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.cli.base import app
from tracker.cli.common import handle_errors
from tracker.errors import UsageError
from tracker.timeutil import isoformat_z, parse_instant

if TYPE_CHECKING:  # the simulator (NumPy) loads when the command runs, not for --help
    from tracker.simulate.faults import FaultConfig

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def parse_faults(specs: list[str], latency: float, seed: int) -> FaultConfig:
    """`["rate_limit=0.1", "server_error=0.05"]` -> FaultConfig; UsageError on a bad spec."""
    from tracker.simulate.faults import FAULT_KINDS, FaultConfig

    # Probabilities by fault kind: the keys are checked against FAULT_KINDS below, which a type
    # cannot say, so FaultConfig(**values) sees Any (its other fields take ints and mappings).
    values: dict[str, Any] = {}
    for spec in specs:
        kind, sep, prob = spec.partition("=")
        kind = kind.strip().replace("-", "_")
        if not sep or kind not in FAULT_KINDS:
            raise UsageError(
                f"--fault {spec!r}: expected KIND=PROBABILITY, KIND one of {', '.join(FAULT_KINDS)}"
            )
        try:
            values[kind] = float(prob)
        except ValueError:
            raise UsageError(f"--fault {spec!r}: {prob!r} is not a number") from None
    try:
        return FaultConfig(**values, latency=latency, seed=seed)
    except ValueError as exc:
        raise UsageError(f"--fault: {exc}") from None


@app.command()
@handle_errors
def simulate(
    host: Annotated[
        str, typer.Option(help="Interface to bind (loopback unless you say so).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0-65535); 0 picks a free one.")] = 0,
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario name or path to a scenario .toml.")
    ] = "deepseek-2025",
    seed: Annotated[int | None, typer.Option(help="Market seed (default: the scenario's).")] = None,
    start: Annotated[
        str | None, typer.Option(help="Simulated start time, ISO 8601 (default: the scenario's).")
    ] = None,
    speed: Annotated[
        float,
        typer.Option(help="Simulated hours per real second; 0 = move only via /_control/clock."),
    ] = 0.0,
    fault: Annotated[
        list[str] | None, typer.Option(help="KIND=PROBABILITY, repeatable (e.g. rate_limit=0.05).")
    ] = None,
    latency: Annotated[float, typer.Option(help="Seconds added to every feed response.")] = 0.0,
) -> None:
    """Serve a SIMULATED App Store and Google Play (every chart format) until Ctrl-C.

    Charts come from a seeded, deterministic market plus a scripted scenario, never from Apple.
    Control it over HTTP: GET/POST /_control/clock, /_control/faults, GET /_control/stats.

    Example:

        apprank simulate --port 8123 --fault rate_limit=0.05

        curl -X POST localhost:8123/_control/clock -d '{"advance": "1h"}'
    """
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: expected 0-65535 (0 picks a free one)")
    if seed is not None and seed < 0:
        raise UsageError(f"--seed must be >= 0, got {seed}")
    if speed < 0 or latency < 0:
        raise UsageError("--speed and --latency must be >= 0")
    try:
        start_at = parse_instant(start) if start else None
    except ValueError as exc:
        raise UsageError(f"--start: {exc}") from None
    from tracker.simulate.server import SimulatorServer

    faults = parse_faults(fault or [], latency, seed or 0)
    server = SimulatorServer(
        scenario, seed=seed, start=start_at, speed=speed, faults=faults, host=host, port=port
    )
    # A plain flag: taking a lock (Event.set) inside a signal handler can deadlock.
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda received, _frame: stopping.append(received))
    try:
        server.start()
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    name = server.scenario.name if server.scenario else "none"
    print(f"apprank simulator serving {server.base_url} (scenario {name}, simulated)")
    now = isoformat_z(server.clock.now())
    print(f"simulated time {now}, seed {server.market.seed}, speed {speed:g} h/s")
    print("point apprank at it in config.toml:")
    print(f'  [sources.apple]\n  base_url = "{server.base_url}"')
    print(f'  [sources.itunes]\n  base_url = "{server.base_url}"')
    print(f'  [sources.googleplay]\n  base_url = "{server.base_url}"')
    if host not in LOOPBACK:
        print(f"warning: listening on {host}, not loopback", file=sys.stderr)
    sys.stdout.flush()
    try:
        while not stopping:
            time.sleep(0.2)
    finally:
        server.stop()
