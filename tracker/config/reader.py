"""The light half of `config.toml`: what read commands validate.

`[database]`, `[apps]`, `[sources]` and `[[track]]`. `tracker.config.load` builds the full,
strict configuration on this model (one home for each rule); a read command loads only the
sections it uses through `load_reader_config`, without defining the alert, chart, http or
daemon models.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from tracker.config.apps import Aliases
from tracker.config.database import DatabaseConfig
from tracker.config.errors import validated
from tracker.config.facts import SourceSettings
from tracker.config.fields import Strict
from tracker.config.files import read_config_file, with_overrides
from tracker.config.sources import SourceConfig, default_sources, with_default_sources
from tracker.config.tracking import tracked_requests
from tracker.config.tracks import TrackConfig
from tracker.models import ChartRequest

# What read commands validate: naming apps and opening the database, and (status, health) also
# knowing what is tracked.
READER_SECTIONS = ("database", "apps")
TRACKED_SECTIONS = ("database", "apps", "sources", "track")


class ReaderConfig(Strict):
    """The sections every command may read; `tracker.config.load.Config` adds the rest."""

    database: DatabaseConfig = DatabaseConfig()
    sources: dict[str, SourceConfig] = Field(default_factory=default_sources)
    track: list[TrackConfig] = []
    apps: Aliases = {}
    path: Path | None = None

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, values: dict[str, SourceConfig]) -> dict[str, SourceConfig]:
        return with_default_sources(values)

    @model_validator(mode="after")
    def _unique_track_names(self) -> ReaderConfig:
        names = [t.name for t in self.track if t.name]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"track name {name!r} is used twice")
        return self

    def base_url(self, source: str) -> str:
        return self.sources[source].base_url

    def source_settings(self, source: str) -> SourceSettings:
        return self.sources[source].settings()

    def requests(self, track: str | None = None) -> list[ChartRequest]:
        """Every chart the configuration tracks (of one named track), without duplicates."""
        return tracked_requests(self.track, track)


def load_reader_config(
    path: Path | str | None = None, sections: Sequence[str] = READER_SECTIONS
) -> ReaderConfig:
    """`path` as `tracker.config.load.load_config` finds it, validating only `sections` (of
    READER_SECTIONS / TRACKED_SECTIONS): the others, and unknown top-level keys, are not
    looked at; the sections left out keep their defaults."""
    data, chosen = read_config_file(path)
    picked = {key: data[key] for key in sections if key in data}
    return validated(ReaderConfig, with_overrides(picked, chosen), chosen)
