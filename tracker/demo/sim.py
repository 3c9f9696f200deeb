"""The demo's simulator in a child process, so that serving charts does not take the GIL from
the fetch that reads them (in one process the two halves of every exchange took turns on one
core; the demo took 80-86 s instead of under a minute on two cores).

The child is `python -m tracker.demo.sim SCENARIO START`. It prints `serving URL` once it
listens, then obeys one command a line on its standard input (`clock ISO` -> `ok ISO`) and
exits when that input closes: when the parent is done, fails, is interrupted or is killed, so
it can never outlive the demo. It runs in its own session, so a terminal's Ctrl-C reaches only
the parent, which then stops the child itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from datetime import datetime
from types import TracebackType
from typing import IO

from tracker.errors import ApprankError
from tracker.simulate.clock import SimClock
from tracker.timeutil import isoformat_z, parse_instant

STOP_SECONDS = 5.0  # the child stops within a poll interval once its input closes


class ChildSimulator:
    """A SimulatorServer in a child process; `clock` is the fetch's copy of its clock."""

    def __init__(self, scenario: str, start: datetime) -> None:
        self.scenario = scenario
        self.clock = SimClock(start)
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._errors: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def __enter__(self) -> ChildSimulator:
        # The child's complaints go to a file, read only if it fails: an unread pipe could
        # fill up and stall it, and its tracebacks are not for the user's terminal.
        self._errors = tempfile.TemporaryFile()
        argv = [sys.executable, "-m", "tracker.demo.sim", self.scenario,
                isoformat_z(self.clock.now())]  # fmt: skip
        try:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
                text=True, bufsize=1, start_new_session=True,
            )  # fmt: skip
            self.base_url = self._expect("serving ")
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def set_clock(self, moment: datetime) -> None:
        """Move the child's clock and ours to `moment`, once the child has moved."""
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(f"clock {isoformat_z(moment)}\n")
            self._proc.stdin.flush()
        except OSError:
            raise self._failure() from None
        self._expect("ok ")
        self.clock.set(moment)

    def _expect(self, prefix: str) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith(prefix):
            raise self._failure()
        return line.removeprefix(prefix).strip()

    def _failure(self) -> ApprankError:
        assert self._proc is not None and self._errors is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=STOP_SECONDS)
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        why = lines[-1] if lines else f"exit code {self._proc.returncode}"
        return ApprankError(f"the demo's simulator stopped: {why}")

    def stop(self) -> None:
        """Close the child's input (it exits), wait for it, kill it if it does not."""
        proc, self._proc = self._proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    if stream is not None:
                        stream.close()
            try:
                proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            except BaseException:
                proc.kill()  # a second Ctrl-C while waiting still leaves no child behind
                proc.wait()
                raise
        if self._errors is not None:
            self._errors.close()
            self._errors = None


def serve(scenario: str, start: str) -> None:
    """The child: serve until standard input closes."""
    from tracker.simulate import SimulatorServer

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; see the module doc
    with SimulatorServer(scenario, start=parse_instant(start)) as sim:
        print(f"serving {sim.base_url}", flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "clock":
                moved = sim.clock.set(parse_instant(argument))
                print(f"ok {isoformat_z(moved)}", flush=True)
            else:
                print(f"error unknown command {command!r}", flush=True)
    # Served and stopped: skip the interpreter's teardown (NumPy and all), which the parent
    # would otherwise wait for at the end of every demo.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    serve(*sys.argv[1:3])
