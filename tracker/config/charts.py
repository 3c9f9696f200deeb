"""`ChartSpec`: one chart to draw from the store, as a `[[chart]]` config entry or the options
of `apprank chart` describe it, and `[charts]`, where charts go. Validation happens here, so
the file and the command fail the same way.

This module imports neither Matplotlib nor the store, so tracker/config/load.py can use ChartSpec.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from tracker.config.errors import KeyValueError
from tracker.config.fields import AnyCountries, Duration, Strict
from tracker.config.selection import ChartSelection, SelectionError, selections_of
from tracker.errors import UsageError
from tracker.timeutil import parse_instant

Kind = Literal["rank", "grid", "heatmap", "leaders"]
KINDS: tuple[str, ...] = ("rank", "grid", "heatmap", "leaders")
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
# More panels than this are unreadable as small multiples: a heat map shows them better.
MAX_PANELS = 36

# How ChartSpec fields are spelled on the command line, for error messages.
OPTION_NAMES = {
    "apps": "APP",
    "countries": "--country",
    "chart": "--chart",
    "source": "--source",
    "category": "--category",
    "device": "--device",
    "since": "--since",
    "until": "--until",
    "every": "--every",
    "tz": "--tz",
    "scale": "--scale",
    "top": "--top",
    "share_y": "--share-y",
    "output": "--output",
    "kind": "KIND",
}


def zone(value: str | tzinfo | None) -> tzinfo:
    """An IANA zone name ("Europe/Paris", "UTC") or a tzinfo; UTC when None."""
    if value is None:
        return UTC
    if isinstance(value, tzinfo):
        return value
    if value.strip().upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {value!r} (expected an IANA name like Europe/Paris, or UTC)"
        ) from None


def chart_format(path: Path | str) -> str:
    """ "png", "svg" or "pdf" from the file name; anything else is a usage error."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "no extension"
        raise UsageError(
            f"cannot write a chart as {shown} ({path}): "
            "use a file name ending in .png, .svg or .pdf"
        )
    return FORMATS[suffix]


class ChartSpec(Strict):
    """One chart: what to draw, for which apps and countries, over which window, to which file.

    `since`/`until` are ISO times or ages ("30d" = 30 days before now); `output` is a file name
    (relative to `[charts] output_dir` for configured charts) whose extension picks the format.
    """

    kind: Kind
    apps: list[str] = Field(min_length=1)
    countries: AnyCountries = []  # none, or "all": every country with data
    chart: str = "top-free"
    # One source, or several (a list, or "apple,googleplay"): the app in each store.
    source: str | list[str] | None = None
    category: str = "all"
    device: str | None = None  # None: each source's own (iphone without a source)
    since: str | None = None
    until: str | None = None
    every: Duration = timedelta(hours=1)  # one point per app and country per bucket
    tz: str = "UTC"
    scale: Literal["zoom", "fixed", "log"] = "zoom"
    top: int = Field(1, ge=1, le=200)
    # grid: one rank axis for all panels (True), one each (False), or only when close (None).
    share_y: bool | None = None
    output: str | None = None
    simulated: bool = False
    _chosen: list[ChartSelection] = PrivateAttr()

    @field_validator("apps")
    @classmethod
    def _apps(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v.strip()]
        if not cleaned:
            raise ValueError("name at least one app (store id, [apps] alias or part of a name)")
        return list(dict.fromkeys(cleaned))

    @field_validator("since", "until")
    @classmethod
    def _instant(cls, value: str | None) -> str | None:
        if value is not None:
            parse_instant(value)
        return value

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            zone(value)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("output")
    @classmethod
    def _output(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                chart_format(value)
            except UsageError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _selection(self) -> ChartSpec:
        # After the fields, since the chart kind is checked against the source given.
        try:
            self._chosen = selections_of(
                self.chart,
                self.sources,
                category=self.category,
                device=self.device,
                countries=self.countries,
            )
        except SelectionError as exc:
            raise _OptionError(exc) from None
        return self

    @property
    def sources(self) -> list[str]:
        """The sources named (none: the chart's usual one), in order, each once."""
        given = [self.source] if isinstance(self.source, str) else self.source or []
        parts = (part.strip() for value in given for part in value.split(","))
        return list(dict.fromkeys(part for part in parts if part))

    @property
    def selections(self) -> list[ChartSelection]:
        """The charts to draw, one selection per source: kind, source, genre, device and
        countries, checked."""
        return self._chosen

    @property
    def selection(self) -> ChartSelection:
        """The charts of the first source (the only one unless several are named)."""
        return self._chosen[0]

    @model_validator(mode="after")
    def _fits_kind(self) -> ChartSpec:
        if self.kind == "heatmap" and len(self.apps) > 1:
            raise ValueError(f"a heatmap shows one app; got {len(self.apps)}")
        if self.share_y is not None and self.kind != "grid":
            raise ValueError(f"--share-y applies to a grid, not a {self.kind} chart")
        if self.kind == "grid" and len(self.countries) > MAX_PANELS:
            raise ValueError(f"a grid shows at most {MAX_PANELS} countries; use a heatmap")
        return self

    def window(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """`since` and `until` as UTC datetimes, ages counted back from `now`."""
        since = parse_instant(self.since, now=now) if self.since else None
        until = parse_instant(self.until, now=now) if self.until else None
        if since is not None and until is not None and since > until:
            raise UsageError(f"--since {self.since} is after --until {self.until}", param="since")
        return since, until

    def file_name(self, app_ids: list[str], countries: list[str]) -> str:
        """The default file name: kind, apps and countries, e.g. rank-284882215-us-gb.png."""
        apps = app_ids if len(app_ids) <= 3 else [*app_ids[:3], f"and{len(app_ids) - 3}"]
        places = countries if 0 < len(countries) <= 4 else [f"{len(countries) or 'all'}countries"]
        stem = "-".join([self.kind, *apps, *places])
        return re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[:150] + ".png"

    def output_path(self, output_dir: str | Path, app_ids: list[str], countries: list[str]) -> Path:
        """Where a configured chart goes: `output` under `output_dir`, or the default name."""
        name = self.output or self.file_name(app_ids, countries)
        path = Path(name).expanduser()
        return path if path.is_absolute() else Path(output_dir) / path


class _OptionError(KeyValueError):
    """A selection value no source offers: the config line names the key and the value, then
    the reason; the command line prints the whole message, as every command does."""

    def __init__(self, error: SelectionError) -> None:
        super().__init__(error.field, error.value, error.reason)
        self.command_line = str(error)


class ChartsConfig(Strict):
    """`[charts]`: where `apprank chart` writes without `-o`, and configured charts go."""

    output_dir: str = "charts-out"


def spec_from_options(**options: object) -> ChartSpec:
    """Build a ChartSpec from command-line values; a bad value is one UsageError line."""
    try:
        return ChartSpec.model_validate(options)
    except ValidationError as exc:
        raise UsageError(validation_message(exc), param=validation_param(exc)) from None


# A field -> the parameter that sets it, where the two are named differently (the web API's
# `param`, as its query parameters are named like the options).
PARAMS = {"apps": "app", "countries": "country"}


def validation_param(exc: ValidationError) -> str | None:
    """The option (without dashes) the first problem is about: "country", "since", "kind"."""
    first = exc.errors()[0]
    error = (first.get("ctx") or {}).get("error")
    if isinstance(error, _OptionError):
        field = error.key
    else:
        field = str(first["loc"][0]) if first["loc"] else ""
    return PARAMS.get(field, field) or None


def validation_message(exc: ValidationError) -> str:
    """The first problem, named by its command-line option: "--country: 'xx' is not ..."."""
    first = exc.errors()[0]
    error = (first.get("ctx") or {}).get("error")
    if isinstance(error, _OptionError):
        return error.command_line
    field = str(first["loc"][0]) if first["loc"] else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    option = OPTION_NAMES.get(field, field)
    if first["type"] == "literal_error" and field == "kind":
        return f"unknown chart kind {first.get('input')!r} (expected one of: {', '.join(KINDS)})"
    if first["type"] == "literal_error" and field == "scale":
        return f"--scale: unknown scale {first.get('input')!r} (expected zoom, fixed or log)"
    if first["type"] == "too_short" and field == "apps":
        return "name at least one APP (a store id, an [apps] alias or part of a name)"
    return f"{option}: {message}" if option else message


__all__ = [
    "FORMATS",
    "KINDS",
    "MAX_PANELS",
    "ChartSpec",
    "ChartsConfig",
    "chart_format",
    "spec_from_options",
    "validation_message",
    "validation_param",
    "zone",
]
