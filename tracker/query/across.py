"""One answer per store: `compare`, `leaders` and `stats` asked with `--source apple,googleplay`.

Each source's charts answer on their own (the app's ranks in one store say nothing of the
other's), so such a question is one answer per source, in the order the sources were given,
and a source with nothing to answer with (no stored snapshot, or no app of the alias in its
store) says so in its place rather than failing the others. `--json` prints one object per
source: `{"source", "store", ...the one-source answer}`, or `{"source", "store", "error"}`.
Tables and CSV put a `source` column first. A question about one source (or none) answers as
it always did: `across` hands back its one answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from tracker.config.selection import ChartSelection
from tracker.errors import NothingStored
from tracker.query.apps import AppRef
from tracker.query.stores import source_label, store_name, store_of


class _Answer(Protocol):
    def json(self) -> Any: ...


A = TypeVar("A", bound=_Answer)


@dataclass(frozen=True, slots=True)
class Part(Generic[A]):
    """One source's answer, or why it has none (`missing`)."""

    source: str
    answer: A | None
    missing: str | None = None


@dataclass(frozen=True, slots=True)
class Across(Generic[A]):
    """The answers of one question, one per source asked."""

    parts: list[Part[A]]

    @property
    def sources(self) -> list[str]:
        return [p.source for p in self.parts]

    def answered(self) -> list[tuple[str, A]]:
        return [(p.source, p.answer) for p in self.parts if p.answer is not None]

    def label(self, source: str) -> str:
        """The store a part is about, as summaries name it ("App Store", "Google Play")."""
        return source_label(source, self.sources)

    def json(self) -> list[dict[str, Any]]:
        out = []
        for p in self.parts:
            head = {"source": p.source, "store": store_of(p.source)}
            out.append(
                {**head, **p.answer.json()}
                if p.answer is not None
                else {**head, "error": p.missing}
            )
        return out

    def rows(self, rows_of: Callable[[A], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Each answered part's rows, a `source` column first."""
        return [{"source": s, **row} for s, answer in self.answered() for row in rows_of(answer)]

    def summary(self, phrase: Callable[[A], str]) -> str:
        """Each part's `phrase` "on the App Store" / "on Google Play" (or why it has none),
        joined: "#1 in 2 countries (of 3 with data) on the App Store; ... on Google Play"."""
        said = []
        for p in self.parts:
            where = _on(self.label(p.source))
            if p.answer is None:
                said.append(f"none {where} ({p.missing})")
            else:
                said.append(f"{phrase(p.answer)} {where}")
        return "; ".join(said)


def across(
    chosen: Sequence[ChartSelection], answer: Callable[[ChartSelection], A]
) -> A | Across[A]:
    """`answer` of each selection (one per source): one selection's answer as it is (its
    NothingStored raised), several as an Across, raising only when no source answers."""
    if len(chosen) == 1:
        return answer(chosen[0])
    parts: list[Part[A]] = []
    for selection in chosen:
        assert selection.source is not None  # several selections: one per source named
        try:
            parts.append(Part(selection.source, answer(selection)))
        except NothingStored as exc:
            parts.append(Part(selection.source, None, str(exc)))
    if all(p.answer is None for p in parts):
        raise NothingStored("; ".join(f"{p.source}: {p.missing}" for p in parts))
    return Across(parts)


def ref_in(refs: Sequence[AppRef], selection: ChartSelection) -> AppRef:
    """The app among `refs` (one named app, resolved across the stores asked) that the
    selection's store lists; NothingStored when the name has none there (an alias naming
    only an App Store id, asked about Google Play too)."""
    if selection.source is None:
        return refs[0]
    store = store_of(selection.source)
    for ref in refs:
        if ref.store == store:
            return ref
    raise NothingStored(f"{refs[0].name} names no {store_name(store)} app")


def _on(store: str) -> str:
    return f"on the {store}" if store.startswith("App Store") else f"on {store}"


__all__ = ["Across", "Part", "across", "ref_in"]
