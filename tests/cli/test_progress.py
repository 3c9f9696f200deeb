"""The one progress bar: the same columns for every command, on stderr, rich loaded only then."""

from __future__ import annotations

import subprocess
import sys

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from tracker.cli.common import stderr
from tracker.cli.progress import progress_bar


def test_every_bar_has_the_same_columns_on_stderr() -> None:
    bar = progress_bar("fetching")
    assert [type(c) for c in bar.columns] == [
        TextColumn,
        BarColumn,
        MofNCompleteColumn,
        TimeElapsedColumn,
    ]
    text = bar.columns[0]
    assert isinstance(text, TextColumn)
    assert text.text_format == "fetching"
    assert bar.console is stderr
    assert bar.live.transient is True
    assert bar.disable is False


def test_without_a_label_each_task_names_its_bar_and_it_may_stay() -> None:
    bar = progress_bar(transient=False, disable=True)
    text = bar.columns[0]
    assert isinstance(text, TextColumn)
    assert text.text_format == "{task.description}"
    assert bar.live.transient is False
    assert bar.disable is True


def test_importing_the_helper_does_not_load_rich_progress() -> None:
    code = "import sys, tracker.cli.progress; print('rich.progress' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"
