"""Fixtures: one market per session (pools are built once), a fresh server and client per test."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from tracker.simulate import Market, SimulatorServer, load_scenario

SEED = 2025


@pytest.fixture(scope="session")
def market() -> Market:
    return Market(SEED, load_scenario("deepseek-2025"))


@pytest.fixture
def sim(market: Market) -> Iterator[SimulatorServer]:
    with SimulatorServer(market=market) as server:
        yield server


@pytest.fixture(scope="session")
def tls() -> ssl.SSLContext:
    """One TLS context for every client: building one per client costs ~0.1 s (never used:
    the simulator is plain HTTP)."""
    return ssl.create_default_context()


@pytest.fixture
def client(sim: SimulatorServer, tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=5.0, verify=tls) as http:
        yield http
