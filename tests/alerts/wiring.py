"""Until the lead adds `alert` and `notify` to tracker.config.Config, tests load configs through
this subclass, which carries exactly those fields and the cross-check. Once Config has them,
`install()` does nothing and the tests run against the real Config.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from tracker import config as config_module
from tracker.alerts.config import AlertingProblem, AlertRule, NotifyConfig, check_alerting

WIRED = "alert" in config_module.Config.model_fields


class AlertingConfig(config_module.Config):
    alert: list[AlertRule] = Field(default_factory=list)
    notify: NotifyConfig = NotifyConfig()

    @model_validator(mode="after")
    def _alerting(self) -> AlertingConfig:
        try:
            check_alerting(self.alert, self.notify)
        except AlertingProblem as exc:
            raise config_module._KeyError(exc.key, exc.value, exc.message) from None
        return self


def install() -> None:
    """Make tracker.config load `[[alert]]` and `[notify]` (in this process, for good)."""
    if not WIRED:
        config_module.Config = AlertingConfig  # type: ignore[misc]
