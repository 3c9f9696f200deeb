"""systemd's notify protocol without libsystemd: one datagram to $NOTIFY_SOCKET (sd_notify(3)).

Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
"""

from __future__ import annotations

import contextlib
import os
import socket


def sd_notify(message: str) -> bool:
    """Send e.g. "READY=1", "STOPPING=1", "WATCHDOG=1" or "STATUS=..."; True when sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    with (
        contextlib.suppress(OSError),
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock,
    ):
        sock.connect(address)
        sock.sendall(message.encode())
        return True
    return False


def watchdog_period() -> float | None:
    """Half of systemd's WatchdogSec when it watches this process, else None."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000 / 2
