"""Charts render in several threads at once (the daemon does) and give the same pictures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from charts.render import render
from charts.save import save_figure
from tests.charts.builders import N, X, series

STORY = [
    series(app, name, ranks, country=country)
    for app, name in (("1", "Alpha"), ("2", "Beta"))
    for country, ranks in (("us", [3, 2, 1, 1, N, X, 2, 2]), ("gb", [1, 2, 2, 3, 1, X, 1, 4]))
]
JOBS = [("rank", STORY), ("grid", STORY), ("heatmap", STORY[:2]), ("leaders", STORY)] * 2


def draw(job: tuple[int, str, list], folder: Path) -> bytes:
    number, kind, chosen = job
    return save_figure(render(kind, chosen).figure, folder / f"{number}-{kind}.png").read_bytes()


def test_rendering_in_threads_gives_the_pictures_rendered_alone(tmp_path: Path) -> None:
    jobs = [(n, kind, chosen) for n, (kind, chosen) in enumerate(JOBS)]
    alone = [draw(job, tmp_path) for job in jobs[:4]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda job: draw(job, tmp_path), jobs))
    assert together == alone + alone
    assert len(list(tmp_path.iterdir())) == len(jobs)
