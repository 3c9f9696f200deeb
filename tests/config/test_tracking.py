"""`[sources]` and `[[track]]` read without pydantic for `apprank status`
(tracker/config/tracking.py): a plainly valid file reads as the models read it, and any other
file gets exactly the models' line.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.config.test_load import INVALID
from tracker.config.reader import TRACKED_SECTIONS, load_reader_config
from tracker.config.tracking import load_tracking
from tracker.errors import ConfigError

VALID = [
    "",
    '[[track]]\ncountries = ["us", "gb"]\n',
    '[[track]]\nname = "daily"\ncountries = "all"\nevery = "6h"\n',
    '[[track]]\ncountries = ["US", "all"]\ncharts = ["top-free", "top-paid"]\ndepth = 50\n',
    (
        '[[track]]\nsource = "itunes"\ncharts = ["top-grossing"]\ncategories = ["all", 6014, '
        '"Photo & Video"]\ndevices = ["iphone", "ipad"]\ndepth = 200\nevery = 5400\n'
        '[[track]]\ncountries = ["us"]\ndepth = 10\n'
    ),
    '[sources.apple]\nbase_url = "http://127.0.0.1:8080/"\n[[track]]\n',
    '[[track]]\ncron = "0 8 * * 1"\n',  # a cron track: read by the models
    "[[track]]\ndepth = true\n",  # not plainly valid: the models read it (as depth 1)
    '[apps]\nDeepSeek = "6737597349"\n[database]\nurl = "sqlite:///x.db"\n[[track]]\n',
]


def write(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", VALID)
def test_a_valid_file_tracks_what_the_models_track(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    model = load_reader_config(path, TRACKED_SECTIONS)
    tracking = load_tracking(path)
    assert tracking.requests() == model.requests()
    assert tracking.database_url == model.database.url
    assert dict(tracking.aliases) == model.apps
    assert [(t.label, t.interval, t.cron) for t in tracking.tracks] == [
        (t.label, t.interval, t.cron) for t in model.track
    ]


def test_values_are_parsed_as_the_models_parse_them(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[track]]\nsource = "itunes"\ncountries = "GB"\ncategories = [6014]\nevery = 90\n',
    )
    (track,) = load_tracking(path).tracks
    assert (track.countries, track.categories, track.every) == (
        ("gb",),
        ("6014",),
        timedelta(seconds=90),
    )
    assert track.label == "itunes:top-free"


TRACKED_INVALID = [
    (text, message)
    for text, message in INVALID
    if not text.startswith(("[http]", "[bogus]", "[database\n"))
] + [
    ("track = 3\n", "track = 3: Input should be a valid list"),
    ("[[track]]\ncountries = []\n", "track[0].countries = []: needs at least one country"),
    ('[[track]]\nevery = "6h"\ncron = "0 * * * *"\n', "give either `every` or `cron`"),
    ('[sources.apple]\nbase_url = "https://x"\nkey = "s3cret"\n', "sources.apple.key: unknown"),
]


@pytest.mark.parametrize(("text", "message"), TRACKED_INVALID)
def test_a_broken_file_gets_the_models_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as light:
        load_tracking(path)
    with pytest.raises(ConfigError) as models:
        load_reader_config(path, TRACKED_SECTIONS)
    assert str(light.value) == str(models.value)
    assert message in str(light.value)
    assert "s3cret" not in str(light.value)
