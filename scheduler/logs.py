"""Daemon logging to stderr: one human-readable line per event, or one JSON object per line.

JSON lines carry `ts`, `level`, `logger`, `msg` and every `extra=` field the record was given
(a failed fetch has source, country, chart, reason and http_status), plus `exc` for tracebacks.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from typing import Any, TextIO

import orjson

from tracker.text.redact import mask_text
from tracker.text.terminal import printable
from tracker.timeutil import from_epoch

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class LogFormat(StrEnum):
    text = "text"
    json = "json"


def _timestamp(record: logging.LogRecord) -> str:
    moment = from_epoch(record.created)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                data[name] = value
        if record.exc_info:
            data["exc"] = mask_text(self.formatException(record.exc_info))
        return orjson.dumps(data, default=str).decode()


class TextFormatter(logging.Formatter):
    """`2026-01-27T12:00:00.123Z WARNING apprank.fetch: message`.

    One record is one line: control characters in the message (feed names, server errors) are
    escaped, so no text can forge a line or drive the terminal. A traceback's lines follow,
    each indented, so none of them can pass for a record either.
    """

    def format(self, record: logging.LogRecord) -> str:
        # Every URL masked here too, whoever logged it and whatever it was given.
        message = printable(mask_text(record.getMessage()))
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {message}"
        if record.exc_info:
            trace = mask_text(self.formatException(record.exc_info))
            line += "".join(f"\n  {printable(part)}" for part in trace.splitlines())
        return line


def setup_logging(
    fmt: LogFormat = LogFormat.text, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record to stderr in `fmt`; returns the handler installed."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt is LogFormat.json else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler logs every run at INFO; its warnings (missed runs, skipped instances) matter.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))
    return handler
