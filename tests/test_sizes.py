"""Sizes stay readable: no module over 400 lines, no function over 80 (issue 16, "Checked, not
hoped").

A function may run longer when it says why: a comment `# long: <reason>` on the line before its
`def` (or before its first decorator), or at the start of its body. A migration, for instance, is
written once, as it ran, and is not split afterwards.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from textwrap import indent

ROOT = Path(__file__).resolve().parent.parent
TOP = ("tracker", "scheduler", "charts")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
REASON = re.compile(r"^\s*#\s*long:\s*\S")

Function = ast.FunctionDef | ast.AsyncFunctionDef


def module_lines(text: str) -> int:
    return len(text.splitlines())


def function_lines(node: Function) -> int:
    """From the `def` line to the function's last line (decorators not counted)."""
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def comment_block(lines: list[str], index: int, step: int, stop: int) -> Iterator[str]:
    """The comment-only lines from `index` on (0-based), moving by `step` until `stop`."""
    while index != stop and 0 <= index < len(lines) and lines[index].lstrip().startswith("#"):
        yield lines[index]
        index += step


def has_reason(lines: list[str], node: Function) -> bool:
    """A `# long: <reason>` comment just above the function (a reason may go on over the
    comment lines below it, down to the def or its first decorator), or at the start of its
    body: in the comment lines before the first statement, or trailing on that statement."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1  # 0-based
    body = node.body[0].lineno - 1
    candidates = [
        *comment_block(lines, first - 1, -1, -1),
        *comment_block(lines, body - 1, -1, node.lineno - 1),
    ]
    statement = lines[body]
    if "#" in statement:
        candidates.append(statement[statement.index("#") :])
    return any(REASON.match(line) for line in candidates)


def problems_in(path: Path, name: str) -> Iterator[str]:
    text = path.read_text()
    count = module_lines(text)
    if count > MAX_MODULE_LINES:
        yield f"{name}: {count} lines (at most {MAX_MODULE_LINES})"
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text, name)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = function_lines(node)
        if length > MAX_FUNCTION_LINES and not has_reason(lines, node):
            yield (
                f"{name}:{node.lineno} {node.name}: {length} lines (at most "
                f"{MAX_FUNCTION_LINES}, or say why in a '# long: <reason>' comment)"
            )


def problems(root: Path) -> list[str]:
    found: list[str] = []
    for top in TOP:
        for path in sorted((root / top).rglob("*.py")):
            found.extend(problems_in(path, path.relative_to(root).as_posix()))
    return found


def test_no_module_or_function_is_too_long() -> None:
    assert problems(ROOT) == []


def body(lines: int) -> str:
    return "".join(f"    x{i} = {i}\n" for i in range(lines))


def test_the_check_catches_a_long_module_and_a_long_function(tmp_path: Path) -> None:
    # The check's own check: a synthetic tree with one module too long, functions too long, and
    # long functions that give their reason (above the def or its decorator, atop the body).
    files = {
        "tracker/big.py": "x = 1\n" * 401,
        "tracker/ok.py": "x = 1\n" * 400,
        "charts/a.py": f"def too_long():\n{body(80)}\n\ndef short():\n{body(79)}",
        "charts/b.py": (
            "import functools\n\n\n# long: a reason,\n# at length\n@functools.cache\n"
            f"def f():\n{body(90)}"
        ),
        "charts/c.py": f"def f(\n    x: int,\n):\n    # long: a reason inside\n{body(90)}",
        "charts/d.py": f'def docstring_is_no_reason():\n    """Doc."""\n{body(90)}',
        "charts/e.py": f"# long: a reason too far above\n\ndef detached():\n{body(90)}",
        "scheduler/e.py": f"class C:\n    async def method(self):\n{indent(body(81), '    ')}",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    why = "(at most 80, or say why in a '# long: <reason>' comment)"
    assert problems(tmp_path) == [
        "tracker/big.py: 401 lines (at most 400)",
        f"scheduler/e.py:2 method: 82 lines {why}",
        f"charts/a.py:1 too_long: 81 lines {why}",
        f"charts/d.py:1 docstring_is_no_reason: 92 lines {why}",
        f"charts/e.py:3 detached: 91 lines {why}",
    ]


def test_a_comment_that_is_no_reason_does_not_count(tmp_path: Path) -> None:
    (tmp_path / "tracker").mkdir()
    (tmp_path / "tracker" / "f.py").write_text(f"# long:\ndef f():\n{body(85)}")
    assert [p.split(":")[1] for p in problems(tmp_path)] == ["2 f"]
