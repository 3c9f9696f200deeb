"""`--help` as the docstrings are written, in click's plain layout (as sqlite-utils prints it).

Click rewraps every paragraph, so an indented example (`    apprank fetch --country us`) would
run into its neighbours, and it cuts each command's summary in the listing at 45 characters.
Rather than bend each docstring to that, the command tree typer builds is tidied once, before
it runs: indented paragraphs get click's `\\b` marker (kept as written), the listing shows
each command's whole first paragraph, and text wraps only at spaces (click's wrapper would also
break inside `--no-bom`).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import click

# Stands in for "-" while click wraps: a non-breaking hyphen, which the wrapper never splits at.
_HYPHEN = "\u2011"


class HelpFormatter(click.HelpFormatter):
    """Click's formatter, wrapping at spaces only."""

    def write_text(self, text: str) -> None:
        start = len(self.buffer)
        super().write_text(text.replace("-", _HYPHEN))
        self._restore(start)

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        start = len(self.buffer)
        super().write_dl([(a, b.replace("-", _HYPHEN)) for a, b in rows], col_max, col_spacing)
        self._restore(start)

    def _restore(self, start: int) -> None:
        self.buffer[start:] = [part.replace(_HYPHEN, "-") for part in self.buffer[start:]]


class HelpContext(click.Context):
    formatter_class = HelpFormatter


class Listing(click.Group):
    """A group listing its commands in the order they were added, as typer's does."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def tidy_help(command: Any) -> None:
    """Tidy the help of `command` (a click command typer built) and its subcommands, in place."""
    command.context_class = HelpContext
    if command.help:
        command.help = help_text(command.help)
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
        if sub.help and not sub.short_help:
            sub.short_help = sub.help.split("\n\n")[0]


def help_text(text: str) -> str:
    """Mark each indented paragraph (examples) with `\\b`, so click keeps its lines."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        f"\b\n{p}" if all(line.startswith(" ") for line in p.splitlines()) else p
        for p in paragraphs
    )
