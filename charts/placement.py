"""Where a label goes: the first candidate spot where no drawn line passes through its box.

Labels are placed once the figure's layout is final (after `Figure.draw_without_rendering` when
a layout engine moves the axes), in display coordinates: each candidate position is tried on
the real Text, its rendered extent (padded by the white box around it and half a line width)
is checked against every line's path, the axes' edges and the labels already placed, and the
first clean one is kept. When none is clean, the one crossing the fewest lines wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

# (x, y, horizontal alignment, vertical alignment) in the text's own coordinates.
HAlign = Literal["left", "center", "right"]
VAlign = Literal["bottom", "center", "top"]
Spot = tuple[float, float, HAlign, VAlign]
# Extra room around a label's text, in points: the box padding plus half a rank line.
LABEL_PAD = 2.5


def line_pieces(lines: Iterable[Line2D]) -> list[np.ndarray]:
    """Each line's drawn path (steps included) in display coordinates, split where it breaks."""
    pieces = []
    for line in lines:
        vertices = line.get_transform().transform(line.get_path().vertices)
        finite = np.isfinite(vertices).all(axis=1)
        edges = np.diff(np.concatenate(([0], finite.astype(np.int8), [0])))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            if b - a >= 1:
                pieces.append(vertices[a:b])
    return pieces


def crossings(box: Bbox, pieces: Sequence[np.ndarray]) -> int:
    """How many of the path pieces pass through (or lie inside) `box`."""
    count = 0
    for piece in pieces:
        if piece.shape[0] == 1:
            x, y = piece[0]
            count += bool(box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1)
        else:
            count += bool(Path(piece).intersects_bbox(box, filled=False))
    return count


def text_box(text: Text, renderer: RendererBase, pad: float = LABEL_PAD) -> Bbox:
    """The rendered extent of the text alone (not an annotation's arrow), padded by `pad` pt."""
    if isinstance(text, Annotation):
        text.update_positions(renderer)
    box = Text.get_window_extent(text, renderer)
    grow = renderer.points_to_pixels(pad)
    return Bbox.from_extents(box.x0 - grow, box.y0 - grow, box.x1 + grow, box.y1 + grow)


@dataclass
class Placer:
    """Places labels in one axes, keeping them off its lines and off each other."""

    ax: Axes
    renderer: RendererBase
    pieces: list[np.ndarray]
    taken: list[Bbox] = field(default_factory=list)

    @classmethod
    def for_axes(cls, ax: Axes, lines: Iterable[Line2D] | None = None) -> Placer:
        # Every chart figure has an Agg canvas (charts.style.new_figure); the base canvas type
        # that Axes.figure declares has no get_renderer.
        renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        return cls(ax, renderer, line_pieces(ax.get_lines() if lines is None else lines))

    def reserve(self, box: Bbox) -> None:
        """Keep labels off `box` (a marker, another label)."""
        self.taken.append(box)

    def reserve_point(self, x: float, y: float, size: float) -> None:
        """Keep labels off a marker of `size` points drawn at data (x, y)."""
        px, py = self.ax.transData.transform((x, y))
        half = float(np.asarray(self.renderer.points_to_pixels(size))) / 2  # typed ArrayLike
        self.reserve(Bbox.from_extents(px - half, py - half, px + half, py + half))

    def place(self, text: Text, spots: Sequence[Spot]) -> Bbox:
        """Move `text` to the first clean spot (else the least crossed); returns its box."""
        area = self.ax.get_window_extent(self.renderer)
        best: tuple[tuple[int, int, int], Spot, Bbox] | None = None
        for order, spot in enumerate(spots):
            box = self._try(text, spot)
            outside = not (
                area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1
            )
            overlaps = sum(box.overlaps(other) for other in self.taken)
            score = (int(outside) + overlaps, crossings(box, self.pieces), order)
            if score[:2] == (0, 0):
                best = (score, spot, box)
                break
            if best is None or score < best[0]:
                best = (score, spot, box)
        assert best is not None, "no spots to try"
        _, spot, box = best
        self._try(text, spot)
        self.reserve(box)
        return box

    def _try(self, text: Text, spot: Spot) -> Bbox:
        x, y, ha, va = spot
        text.set_position((x, y))
        text.set_horizontalalignment(ha)
        text.set_verticalalignment(va)
        return text_box(text, self.renderer)


def offset_spots(fx: float, fy: float, *, near: float = 10.0) -> list[Spot]:
    """Offsets (points) around an annotated point at axes fraction (fx, fy), nearest first.

    The side towards the middle of the axes comes first, then the other one; at each distance
    the label is tried beside, centred on and before the point.
    """
    inward = -1 if fy > 0.5 else 1
    sides: list[HAlign] = ["left", "center", "right"]
    if fx > 0.7:
        sides.reverse()
    elif 0.3 <= fx <= 0.7:
        sides = ["center", "left", "right"]
    spots: list[Spot] = []
    for distance in (near, near + 12, near + 26, near + 42, near + 62, near + 88, near + 120):
        for direction in (inward, -inward):
            dy = direction * distance
            for ha in sides:
                dx = {"left": 6.0, "center": 0.0, "right": -6.0}[ha]
                spots.append((dx, dy, ha, "bottom" if dy > 0 else "top"))
    return spots


def corner_spots() -> list[Spot]:
    """Axes-fraction spots for a panel remark: the corners first, then the edges' middles."""
    spots: list[Spot] = []
    rows: tuple[tuple[float, VAlign], ...] = ((0.04, "bottom"), (0.96, "top"), (0.5, "center"))
    columns: tuple[tuple[float, HAlign], ...] = ((0.98, "right"), (0.02, "left"), (0.5, "center"))
    for y, va in rows:
        for x, ha in columns:
            spots.append((x, y, ha, va))
    return spots
