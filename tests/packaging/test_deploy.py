"""deploy/: the Grafana dashboard, the Prometheus configuration and rules, Grafana's provisioning
and the compose file parse, and every metric they use is one the daemon exports (the names read
from its collector, not a list kept here). promtool is not installed: the rules' PromQL is
checked for its metric names, not evaluated."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from scheduler.metrics import ApprankCollector, exported_names
from tests.conftest import ROOT
from tracker.store.engine import open_engine

DEPLOY = ROOT / "deploy"
METRIC = re.compile(r"\bapprank_[a-z0-9_]+\b")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEPLOY / "grafana" / "apprank.json").read_text())
    return data


def rules() -> list[dict[str, Any]]:
    groups = load_yaml(DEPLOY / "prometheus" / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('deploy') / 'apprank.db'}")
    names = exported_names(ApprankCollector(engine, lambda: []))
    engine.dispose()
    return names


def expressions() -> dict[str, str]:
    """Where each PromQL expression of deploy/ is -> the expression."""
    found = {f"alerts.yml {rule['alert']}": rule["expr"] for rule in rules()}
    for panel in dashboard()["panels"]:
        for target in panel["targets"]:
            found[f"apprank.json {panel['title']} {target['refId']}"] = target["expr"]
    return found


def test_every_metric_deploy_uses_is_exported(exported: set[str]) -> None:
    unknown = {
        where: sorted(set(METRIC.findall(expr)) - exported)
        for where, expr in expressions().items()
        if set(METRIC.findall(expr)) - exported
    }
    assert unknown == {}
    text = "".join(p.read_text() for p in DEPLOY.rglob("*") if p.suffix in (".yml", ".json"))
    assert set(METRIC.findall(text)) <= exported


def test_the_dashboard_shows_fetch_health_cycle_time_failures_by_country_and_deliveries() -> None:
    data = dashboard()
    assert data["uid"] == "apprank" and data["panels"]
    used = " ".join(expressions().values())
    for needed in (
        "apprank_chart_fetches_total",
        "apprank_cycle_duration_seconds_bucket",
        "by (country)",
        "apprank_alert_deliveries_total",
    ):
        assert needed in used
    ids = [panel["id"] for panel in data["panels"]]
    assert len(ids) == len(set(ids))
    datasource = load_yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")
    [source] = datasource["datasources"]
    assert {p["datasource"]["uid"] for p in data["panels"]} == {source["uid"]}


def test_the_rules_cover_a_dead_daemon_and_a_chart_failing_for_3_hours() -> None:
    by_name = {rule["alert"]: rule for rule in rules()}
    assert by_name["ApprankDaemonDown"]["expr"] == 'up{job="apprank"} == 0'
    assert (
        "apprank_last_successful_cycle_timestamp_seconds" in by_name["ApprankCyclesStale"]["expr"]
    )
    failing = by_name["ApprankChartFailing"]["expr"]
    assert "apprank_chart_consecutive_failures" in failing and "3 * 3600" in failing
    assert by_name["ApprankChartNeverFetched"]["for"] == "3h"
    for rule in by_name.values():
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert rule["annotations"]["summary"]
    config = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    [job] = config["scrape_configs"]
    assert job["job_name"] == "apprank"  # the job the rules name
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_compose_starts_prometheus_and_grafana_beside_the_daemons() -> None:
    services = load_yaml(DEPLOY / "compose.yml")["services"]
    assert {"postgres", "apprank-1", "apprank-2", "prometheus", "grafana"} <= services.keys()
    for name in ("postgres", "prometheus", "grafana"):
        image = services[name]["image"]
        assert re.fullmatch(r"[\w./-]+:v?\d+(\.\d+)*", image), image  # pinned, not latest
    targets = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")["scrape_configs"][0]
    [static] = targets["static_configs"]
    for daemon in ("apprank-1", "apprank-2"):
        command = services[daemon]["command"]
        address = command[command.index("--metrics") + 1]
        assert f"{daemon}:{address.rsplit(':', 1)[1]}" in static["targets"]
    mounted = " ".join(services["prometheus"]["volumes"] + services["grafana"]["volumes"])
    for path in ("prometheus/prometheus.yml", "prometheus/alerts.yml", "grafana/apprank.json"):
        assert f"./{path}:" in mounted and (DEPLOY / path).is_file()
    provider = load_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "apprank.yml")
    dashboards = provider["providers"][0]["options"]["path"]
    assert f"./grafana/apprank.json:{dashboards}/apprank.json:ro" in mounted
