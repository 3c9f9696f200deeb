"""`--help` as written in the docstrings: whole sentences, literal brackets, no `<bool>`.

typer's rich help keeps every line break of a docstring (a paragraph wrapped at 80 columns in
the source prints as ragged lines, and the first one breaks the command list), reads `[...]`
as rich markup (`[[track]]` prints as `[]`), and shows `<bool>` after every flag. Rather than
bend each docstring to that, the command tree typer builds is tidied once, before it runs:
prose paragraphs become one line each (rich wraps them to the terminal), indented example
lines and paragraphs starting with \\b stay as they are, brackets are escaped, and flags get
an empty placeholder.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer
from rich.markup import escape

from tracker.cli.base import HELP_OPTIONS


def tidy_help(command: Any, name: str = "apprank") -> None:
    """Tidy the help of `command` (a click command typer built), its parameters and
    subcommands, in place."""
    if command.help:
        command.help = help_text(command.help)
    context = typer.Context(command, info_name=name, help_option_names=HELP_OPTIONS)
    params = list(command.params)
    help_option = command.get_help_option(context)
    if help_option is not None:
        params.append(help_option)
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""  # a flag takes no value: nothing to show after it
        if getattr(param, "help", None):
            param.help = escape(param.help)
    for sub_name, sub in getattr(command, "commands", {}).items():
        tidy_help(sub, sub_name)


def help_text(text: str) -> str:
    """Join each prose paragraph into one line; keep indented and \\b paragraphs; escape
    brackets."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        verbatim = paragraph.startswith("\b") or all(line.startswith(" ") for line in lines)
        out.append(paragraph if verbatim else " ".join(line.strip() for line in lines))
    return escape("\n\n".join(out))
