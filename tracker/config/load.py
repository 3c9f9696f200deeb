"""`config.toml`, every section: what fetch, run and every command that acts use.

`load_config` validates the whole file; read commands validate only the sections they need
through `tracker.config.reader`, so that they load no alert, chart, http or daemon models.
Errors name the file, the key path and the value, on one line (tracker/config/errors.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from tracker.config.alerts import AlertRule, check_alerting
from tracker.config.archive import ArchiveConfig
from tracker.config.charts import ChartsConfig, ChartSpec
from tracker.config.daemon import DaemonConfig
from tracker.config.digest import DigestSpec, check_digests
from tracker.config.errors import validated
from tracker.config.files import read_config_file, with_overrides
from tracker.config.http import HttpConfig
from tracker.config.notify import NotifyConfig
from tracker.config.reader import ReaderConfig
from tracker.config.web import WebConfig


class Config(ReaderConfig):
    http: HttpConfig = HttpConfig()
    charts: ChartsConfig = ChartsConfig()
    daemon: DaemonConfig = DaemonConfig()
    # Charts the daemon re-renders after each cycle ([[chart]] entries).
    chart: list[ChartSpec] = Field(default_factory=list)
    alert: list[AlertRule] = Field(default_factory=list)
    digest: list[DigestSpec] = Field(default_factory=list)
    notify: NotifyConfig = NotifyConfig()
    archive: ArchiveConfig = ArchiveConfig()
    web: WebConfig = WebConfig()

    @model_validator(mode="after")
    def _alerting(self) -> Config:
        check_alerting(self.alert, self.notify)
        check_digests(self.digest, self.notify)
        return self


def load_config(path: Path | str | None = None) -> Config:
    """Load `path`, else $APPRANK_CONFIG, else ./config.toml; $APPRANK_DATABASE_URL overrides."""
    data, chosen = read_config_file(path)
    return config_from_dict(data, chosen)


def config_from_dict(data: dict[str, Any], path: Path | str = "<config>") -> Config:
    return validated(Config, with_overrides(data, path), path)
