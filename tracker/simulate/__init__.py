"""A loopback App Store that speaks Apple's chart formats, and Google Play's batchexecute charts
(playroutes.py), over a simulated, seeded market.

Used by the demo, the tests and the benchmarks. In a test:

    @pytest.fixture
    def sim() -> Iterator[SimulatorServer]:
        with SimulatorServer("deepseek-2025", seed=7) as server:  # 127.0.0.1, free port
            yield server

    # [sources.apple] / [sources.itunes] base_url = sim.base_url
    sim.clock.advance(timedelta(hours=1))          # the market moves once per simulated hour
    sim.set_faults(FaultConfig(force={"us/apps/top-paid": "server_error"}))
    sim.set_faults(FaultConfig(force={"play/us/topselling_free/APPLICATION": "play_moved"}))
"""

from __future__ import annotations

from tracker.simulate.clock import SimClock
from tracker.simulate.faults import FAULT_KINDS, FaultConfig
from tracker.simulate.market import Market
from tracker.simulate.scenario import Scenario, ScenarioFacts, builtin_scenarios, load_scenario
from tracker.simulate.server import SimulatorServer

__all__ = [
    "FAULT_KINDS",
    "FaultConfig",
    "Market",
    "Scenario",
    "ScenarioFacts",
    "SimClock",
    "SimulatorServer",
    "builtin_scenarios",
    "load_scenario",
]
