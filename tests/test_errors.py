"""tracker/errors.py's docstring is the whole exception tree, and true: every exception class the
project defines derives from ApprankError and sits under its real parent there, or is one of the
internal signals listed below it, each naming the module it lives in."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import pytest

import tracker.errors
from tracker.errors import ApprankError

TOP = ("tracker", "scheduler", "charts")
TREE_LINE = re.compile(r"^(?P<indent>(?:[│ ]   )*)(?:[├└]── )?(?P<name>\w+)\s")
INTERNAL_LINE = re.compile(r"^(?P<name>\w+) \((?P<module>[\w.]+)\): ")


def project_modules() -> list[ModuleType]:
    """Every module of the three packages (migration scripts run only inside Alembic)."""
    modules = []
    for top in TOP:
        package = importlib.import_module(top)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{top}."):
            if info.name.endswith("__main__") or ".migrations" in info.name:
                continue
            modules.append(importlib.import_module(info.name))
    return modules


def defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in project_modules():
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
            ):
                assert obj.__name__ not in found, f"two exceptions named {obj.__name__}"
                found[obj.__name__] = obj
    return found


def documented() -> tuple[dict[str, tuple[str | None, str]], dict[str, str]]:
    """(tree: name -> (parent name, line), internal: name -> module) from the docstring."""
    doc = tracker.errors.__doc__ or ""
    tree_text, _, internal_text = doc.partition("\nInternal signals")
    tree: dict[str, tuple[str | None, str]] = {}
    stack: list[str] = []
    for line in tree_text.splitlines():
        if not line.startswith(("ApprankError", "│", "├", "└")):
            continue
        match = TREE_LINE.match(line)
        assert match, line
        depth = len(match["indent"]) // 4 + (0 if line.startswith("ApprankError") else 1)
        del stack[depth:]
        tree[match["name"]] = (stack[-1] if stack else None, line)
        stack.append(match["name"])
    internal = {
        m["name"]: m["module"]
        for m in map(INTERNAL_LINE.match, internal_text.splitlines())
        if m is not None
    }
    return tree, internal


EXCEPTIONS = defined_exceptions()
TREE, INTERNAL = documented()


def test_the_tree_is_read_as_written() -> None:
    assert TREE["ApprankError"][0] is None
    assert TREE["FetchTimeout"][0] == "FetchError"
    assert TREE["EmptyChart"][0] == "FeedFormatError"
    assert TREE["LockFileError"][0] == "ApprankError"
    assert INTERNAL["BadKey"] == "tracker.files.import_rows"


def test_every_exception_is_documented_and_nothing_else_is() -> None:
    assert sorted(EXCEPTIONS) == sorted([*TREE, *INTERNAL])


@pytest.mark.parametrize("name", sorted(TREE))
def test_each_tree_entry_derives_from_the_base_under_its_real_parent(name: str) -> None:
    cls = EXCEPTIONS[name]
    parent, line = TREE[name]
    if parent is None:
        assert cls is ApprankError
        return
    assert issubclass(cls, ApprankError)
    assert cls.__bases__[0].__name__ == parent
    if cls.__module__ != "tracker.errors":
        assert line.endswith(f"({cls.__module__})"), line


@pytest.mark.parametrize("name", sorted(INTERNAL))
def test_each_internal_signal_names_its_module_and_is_no_apprank_error(name: str) -> None:
    cls = EXCEPTIONS[name]
    assert cls.__module__ == INTERNAL[name]
    assert not issubclass(cls, ApprankError)
